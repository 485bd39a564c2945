//! The store benchmark (`scripts/bench/store.sh` builds and runs it): loads N generated events
//! (realistic mix, valid chains, ~3% touching credentials, spread over 85 days) into SQLite and
//! PostgreSQL in batches with chain checks, then times the queries admins run. Prints a table.
//!
//! `store_bench N [sqlite|postgres|both]`; PostgreSQL from `$WARD_TEST_POSTGRES_URL`, else a
//! throwaway cluster.

use std::time::{Duration as StdDuration, Instant};

use time::{Duration, OffsetDateTime};
use ward_query::{parse_fields, Query};
use ward_store::generate::Generator;
use ward_store::{PostgresStore, SqliteStore, Store};

const BATCH: usize = 10_000;
const DEVICES: usize = 2_000;

fn load(store: &mut dyn Store, total: u64, now: OffsetDateTime) -> (StdDuration, u64) {
    let mut generator = Generator::new(1, DEVICES, now - Duration::days(85), Duration::days(85), total);
    let mut spent = StdDuration::ZERO;
    let mut loaded = 0;
    while loaded < total {
        let batch = generator.batch(BATCH.min((total - loaded) as usize));
        let started = Instant::now();
        let report = store.ingest(&batch).expect("ingest");
        spent += started.elapsed();
        assert!(report.findings.is_empty(), "the generator's chains are intact");
        loaded += report.inserted;
        if loaded % 1_000_000 < BATCH as u64 {
            eprintln!("  {loaded} events loaded ({:.0}/s)", loaded as f64 / spent.as_secs_f64());
        }
    }
    (spent, loaded)
}

fn median(mut runs: Vec<StdDuration>) -> StdDuration {
    runs.sort();
    runs[runs.len() / 2]
}

/// `store_bench fill-spool DATA_DIR N`: a spool of N generated events (as one developer's year),
/// for timing `ward audit query` on a local index.
fn fill_spool(data_dir: &str, total: u64) {
    let mut spool = ward_audit::Spool::open(std::path::Path::new(data_dir))
        .expect("spool")
        .with_durability(ward_audit::Durability::OsBuffered);
    let now = OffsetDateTime::now_utc();
    let mut generator = Generator::new(3, 1, now - Duration::days(365), Duration::days(365), total);
    for _ in 0..total {
        let mut draft = generator.next_event();
        draft.hash.clear();
        spool.append(draft).expect("append");
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    if std::env::args().nth(1).as_deref() == Some("fill-spool") {
        let dir = std::env::args().nth(2).expect("fill-spool DATA_DIR N");
        let total = std::env::args().nth(3).and_then(|n| n.parse().ok()).expect("fill-spool DATA_DIR N");
        return fill_spool(&dir, total);
    }
    let total: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let which = args.next().unwrap_or_else(|| "both".to_owned());
    let now = OffsetDateTime::now_utc();
    let queries: &[(&str, &str, Option<&str>)] = &[
        ("credential question", "class:credential since:90d", Some("agent,device")),
        ("denies last 7 days by agent", "decision:deny since:7d", Some("agent")),
        ("infra repos by decision", "repo:github.com/acme-infra/* since:30d", Some("decision")),
        ("one secret's trail (list 50)", "fingerprint:*a1*", None),
        ("credential events (list 50)", "class:credential -tier:sensitive", None),
        ("count everything", "", Some("kind")),
    ];
    let mut rows = Vec::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut stores: Vec<(&str, Box<dyn Store>)> = Vec::new();
    if which == "sqlite" || which == "both" {
        stores
            .push(("SQLite", Box::new(SqliteStore::open(&dir.path().join("bench.sqlite")).expect("sqlite"))));
    }
    if which == "sqlite-memory" {
        stores.push(("SQLite (in memory)", Box::new(SqliteStore::in_memory().expect("sqlite"))));
    }
    if which == "postgres" || which == "both" {
        let url = ward_store::throwaway::fresh_database("bench").expect("PostgreSQL for the benchmark");
        stores.push(("PostgreSQL", Box::new(PostgresStore::connect(&url).expect("postgres"))));
    }
    for (name, store) in &mut stores {
        eprintln!("loading {total} events into {name}…");
        let (spent, loaded) = load(store.as_mut(), total, now);
        store.analyze().expect("analyze");
        rows.push((
            name.to_string(),
            format!("insert {loaded} events, batches of {BATCH}"),
            format!("{:.0} events/s", loaded as f64 / spent.as_secs_f64()),
        ));
        for (label, text, count_by) in queries {
            let query = Query::parse(text).expect("query");
            let fields = count_by.map(|f| parse_fields(f).expect("fields")).unwrap_or_default();
            let runs: Vec<StdDuration> = (0..5)
                .map(|_| {
                    let started = Instant::now();
                    if fields.is_empty() {
                        store.events(&query, now, 50).expect("events");
                    } else {
                        store.count_by(&query, &fields, now, 1_000).expect("count_by");
                    }
                    started.elapsed()
                })
                .collect();
            let shown = match count_by {
                Some(f) => format!("{label}: '{text}' --count-by {f}"),
                None => format!("{label}: '{text}'"),
            };
            rows.push((name.to_string(), shown, format!("{:.1} ms", median(runs).as_secs_f64() * 1e3)));
        }
    }
    println!("\n| store | measurement (N = {total}, {DEVICES} devices) | median of 5 |");
    println!("|---|---|---|");
    for (store, what, figure) in rows {
        println!("| {store} | {what} | {figure} |");
    }
}
