//! The store benchmark (`scripts/bench/store.sh` builds and runs it): loads N generated events
//! (realistic mix, valid chains, ~3% touching credentials, spread over 85 days) into SQLite and
//! PostgreSQL in batches with chain checks, then times the queries admins run. Prints a table.
//!
//! `store_bench N [sqlite|postgres|both] [devices|interleaved]`; PostgreSQL from
//! `$WARD_TEST_POSTGRES_URL`, else a throwaway cluster.
//!
//! The load runs as the fleet server ingests: events are generated ahead (the rig, off the
//! clock), then prepared and stored on two threads per writer connection (one writer on SQLite,
//! [`POSTGRES_WRITERS`] on PostgreSQL, each with the devices of its own); SQLite's writer commits
//! the batches waiting for it together, with WAL checkpoints beside its commits. Batches are
//! shaped as devices ship them (`devices`, 1,000 events of one device) or mix every device
//! (`interleaved`, 10,000 events: the harshest case for the per-device index).

use std::time::{Duration as StdDuration, Instant};

use time::{Duration, OffsetDateTime};
use ward_model::Event;
use ward_query::{parse_fields, Query};
use ward_store::generate::Generator;
use ward_store::wal::WalLimits;
use ward_store::{Batch, PostgresStore, Prepared, SqliteStore, Store};

/// Events per batch in the interleaved shape.
const BATCH: usize = 10_000;
/// Events per batch in the device shape: what `ward agent` ships at most.
const SHIP_BATCH: usize = 1_000;
/// Device batches one SQLite commit takes at most (those waiting), as the server's writer
/// groups up to 10,000 events.
const GROUP: usize = 10;
/// PostgreSQL connections storing batches at once (`WARD_BENCH_PG_WRITERS` overrides it), as the
/// server stores each request's batch on a pooled connection. Until partitions were created
/// outside the ingest transaction, a second connection only waited for the first (measured at
/// 1M events, schema version 6: 1 connection 35.9k/33.7k events/s, 2 34.9k/34.2k); since then,
/// back to back on a slow day (300k, two rounds), 1 connection 12.3k/12.0k, 2 13.2k/14.2k.
const POSTGRES_WRITERS: usize = 2;
/// Events generated ahead of each timed stretch (generation is the test rig, not the store).
const CHUNK: u64 = 100_000;
const DEVICES: usize = 2_000;

/// How the load's events arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Each batch is one device's next events, as devices ship them ([`SHIP_BATCH`]).
    Devices,
    /// Each batch mixes events of every device ([`BATCH`]): the harshest shape for the
    /// per-device index, every batch touching every device's part of it.
    Interleaved,
}

impl Shape {
    fn describe(self) -> String {
        match self {
            Shape::Devices => format!("device batches of {SHIP_BATCH}"),
            Shape::Interleaved => format!("batches of {BATCH} mixing all devices"),
        }
    }
}

/// CPU time this process has used (user + system), from /proc, plus its PostgreSQL backends'
/// (`backend`, read once by the caller, which also reports it apart): the machine is shared, so
/// the wall-clock rate alone says as much about the neighbours as about the store.
fn process_cpu(backend: StdDuration) -> StdDuration {
    cpu_of("self") + backend
}

/// CPU time the PostgreSQL backends serving the load have used (zero for SQLite): what the
/// server's own side of an insert costs, apart from the client and the machine's neighbours.
fn backend_cpu() -> StdDuration {
    SERVER_PIDS.get().map_or(StdDuration::ZERO, |pids| pids.iter().map(|pid| cpu_of(&pid.to_string())).sum())
}

/// The PostgreSQL backends serving the store being loaded (same machine): their CPU counts too.
static SERVER_PIDS: std::sync::OnceLock<Vec<i32>> = std::sync::OnceLock::new();

fn cpu_of(pid: &str) -> StdDuration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    // Counted from the state (field 3) at index 0, so utime (14) is at 11 and stime (15) at 12.
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |index: usize| fields.get(index).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    let ticks = field(11) + field(12);
    StdDuration::from_millis(ticks * 10)
}

struct Load {
    wall: StdDuration,
    cpu: StdDuration,
    /// Of `cpu`, the PostgreSQL backends' part.
    backend: StdDuration,
    loaded: u64,
    /// Time the writers spent in `ingest_group` (summed over writers).
    busy: StdDuration,
}

type Writer = Box<dyn Store + Send>;

/// Loads `total` generated events into the store through `writers` (one connection each). The
/// clock runs while events are prepared (serialized, canonicalized, hashed: what the server does
/// on its request threads) and written, on separate threads as in the server; generating them is
/// done before, a chunk at a time.
fn load(writers: &mut [Writer], total: u64, now: OffsetDateTime, shape: Shape) -> Load {
    let mut generator = Generator::new(1, DEVICES, now - Duration::days(85), Duration::days(85), total);
    let mut wall = StdDuration::ZERO;
    let mut cpu = StdDuration::ZERO;
    let mut backend = StdDuration::ZERO;
    let mut loaded = 0;
    let mut busy = StdDuration::ZERO;
    let mut generated = 0;
    // WARD_BENCH_LIMIT=M: load only the first M events of the N-event stream (same time density
    // as the whole load), for profiling a load under callgrind, which runs ~50x slower.
    let stop =
        std::env::var("WARD_BENCH_LIMIT").ok().and_then(|m| m.parse().ok()).unwrap_or(total).min(total);
    while generated < stop {
        let mut batches = Vec::new();
        let chunk_end = (generated + CHUNK).min(stop);
        while generated < chunk_end {
            let size = match shape {
                Shape::Devices => SHIP_BATCH,
                Shape::Interleaved => BATCH,
            }
            .min((chunk_end - generated) as usize);
            batches.push(match shape {
                Shape::Devices => generator.device_batch(size),
                Shape::Interleaved => generator.batch(size),
            });
            generated += size as u64;
        }
        let started = Instant::now();
        let backend_started = backend_cpu();
        let cpu_started = process_cpu(backend_started);
        let (stored, writing) = pipeline(writers, &batches);
        loaded += stored;
        busy += writing;
        wall += started.elapsed();
        let backend_now = backend_cpu();
        cpu += process_cpu(backend_now).saturating_sub(cpu_started);
        backend += backend_now.saturating_sub(backend_started);
        if loaded % 1_000_000 < CHUNK {
            eprintln!("  {loaded} events loaded ({:.0}/s)", loaded as f64 / wall.as_secs_f64());
        }
    }
    Load { wall, cpu, backend, loaded, busy }
}

/// Prepares `batches` and stores them, on two threads per writer (one preparing, one storing); a device's
/// batches always go to the same writer, in order. A writer commits the batches waiting for it
/// together, up to [`GROUP`] (the server's group commit). Returns the events stored and the time
/// the writers spent storing them.
fn pipeline(writers: &mut [Writer], batches: &[Vec<Event>]) -> (u64, StdDuration) {
    std::thread::scope(|scope| {
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..writers.len()).map(|_| std::sync::mpsc::sync_channel::<Prepared>(GROUP * 2)).unzip();
        // One preparing thread per writer, as the server prepares each request's batch on that
        // request's own thread: with several writers, one preparing thread would be their limit.
        let slots = senders.len();
        for (slot, sender) in senders.into_iter().enumerate() {
            scope.spawn(move || {
                for batch in batches {
                    if batch.first().map_or(0, |e| device_slot(&e.device, slots)) != slot {
                        continue;
                    }
                    let prepared = Prepared::on_this_thread(batch).expect("prepare");
                    if sender.send(prepared).is_err() {
                        break;
                    }
                }
            });
        }
        let handles: Vec<_> = writers
            .iter_mut()
            .zip(receivers)
            .map(|(store, receiver)| {
                std::thread::Builder::new()
                    .name("bench-writer".into())
                    .spawn_scoped(scope, move || {
                        let mut loaded = 0;
                        let mut busy = StdDuration::ZERO;
                        while let Ok(first) = receiver.recv() {
                            let mut group = vec![first];
                            while group.len() < GROUP {
                                match receiver.try_recv() {
                                    Ok(prepared) => group.push(prepared),
                                    Err(_) => break,
                                }
                            }
                            let batches: Vec<Batch<'_>> =
                                group.iter().map(|events| Batch { events, origin: None }).collect();
                            let writing = Instant::now();
                            let results = store.ingest_group(&batches).expect("ingest");
                            busy += writing.elapsed();
                            for result in results {
                                let report = result.expect("ingest");
                                assert!(report.findings.is_empty(), "the generator's chains are intact");
                                loaded += report.inserted;
                            }
                        }
                        (loaded, busy)
                    })
                    .expect("writer thread")
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("writer"))
            .fold((0, StdDuration::ZERO), |(l, b), (loaded, busy)| (l + loaded, b + busy))
    })
}

fn device_slot(device: &str, slots: usize) -> usize {
    device.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize)) % slots.max(1)
}

/// Bytes the store takes on disk (SQLite: the file and its WAL; PostgreSQL: the database).
fn store_size(name: &str, sqlite_file: &std::path::Path, postgres_url: Option<&str>) -> u64 {
    if name.starts_with("PostgreSQL") {
        let Some(url) = postgres_url else { return 0 };
        let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls) else { return 0 };
        client
            .query_one("SELECT pg_database_size(current_database())", &[])
            .map_or(0, |row| row.get::<_, i64>(0) as u64)
    } else {
        let wal = sqlite_file.with_extension("sqlite-wal");
        [sqlite_file.to_owned(), wal].iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
    }
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
    let shape = match args.next().as_deref() {
        None | Some("devices") => Shape::Devices,
        Some("interleaved") => Shape::Interleaved,
        Some(other) => panic!("unknown shape {other}: devices or interleaved"),
    };
    let now = OffsetDateTime::now_utc();
    // The queries of docs/query.md and the benchmark's own: (label, query, --count-by, limit).
    let queries: &[(&str, &str, Option<&str>, u64)] = &[
        ("credential question", "class:credential since:90d", Some("agent,device"), 1_000),
        ("denies last 7 days by agent", "decision:deny since:7d", Some("agent"), 1_000),
        ("denies outside open repos (list 50)", "decision:deny -tier:open since:7d", None, 50),
        (
            "agents' shell calls in a repo family (list 20)",
            "(agent:codex OR agent:claude-code) repo:github.com/acme/* action:exec",
            None,
            20,
        ),
        ("infra repos by decision", "repo:github.com/acme-infra/* since:30d", Some("decision"), 1_000),
        ("sensitive rules in a window by rule", "rule:sensitive.* since:30d until:2d", Some("rule"), 1_000),
        ("one secret's trail (list 50)", "fingerprint:*a1*", None, 50),
        // Path terms: no value index for paths (schema version 5); the path index is read
        // whole (a leading wildcard, no window) or within the window.
        ("one key file's readers (list 50)", "path:*id_ed25519*", None, 50),
        ("a path family by agent", "path:~/.aws/* since:30d", Some("agent"), 1_000),
        ("credential events outside sensitive repos (list 50)", "class:credential -tier:sensitive", None, 50),
        ("count everything", "", Some("kind"), 1_000),
    ];
    let mut rows = Vec::new();
    // The client's share of an insert, apart from any store: what a server request thread does
    // to each event before it reaches a store (serialize, canonicalize, hash, extract).
    let sample = Generator::new(2, DEVICES, now - Duration::days(1), Duration::days(1), 50_000).batch(50_000);
    let started = Instant::now();
    let prepared = Prepared::on_this_thread(&sample).expect("prepare");
    rows.push((
        "both".to_owned(),
        "prepare an event for ingest (serialize, canonicalize, hash, extract; one thread)".to_owned(),
        format!("{:.1} µs", started.elapsed().as_secs_f64() * 1e6 / prepared.len().max(1) as f64),
    ));
    drop((prepared, sample));
    let dir = tempfile::tempdir().expect("temp dir");
    // WARD_BENCH_KEEP=DIR: write the SQLite store there and keep it, and keep the PostgreSQL
    // database (to EXPLAIN queries).
    let sqlite_dir = std::env::var_os("WARD_BENCH_KEEP").map_or_else(|| dir.path().to_owned(), Into::into);
    // Each store with its writers' connections; the first one also answers the queries.
    let mut stores: Vec<(&str, Vec<Writer>)> = Vec::new();
    let mut postgres_url: Option<String> = None;
    if which == "sqlite" || which == "both" {
        let mut store = SqliteStore::open(&sqlite_dir.join("bench.sqlite")).expect("sqlite");
        // As the fleet server's writer: checkpoints beside the commits.
        store.checkpoint_in_background(WalLimits::default()).expect("checkpoints");
        stores.push(("SQLite", vec![Box::new(store)]));
    }
    if which == "sqlite-memory" {
        stores.push(("SQLite (in memory)", vec![Box::new(SqliteStore::in_memory().expect("sqlite"))]));
    }
    if which == "postgres" || which == "both" {
        let url = ward_store::throwaway::fresh_database("bench").expect("PostgreSQL for the benchmark");
        let mut writers: Vec<Writer> = Vec::new();
        let mut pids = Vec::new();
        let writers_wanted = std::env::var("WARD_BENCH_PG_WRITERS")
            .ok()
            .and_then(|w| w.parse().ok())
            .unwrap_or(POSTGRES_WRITERS);
        for index in 0..writers_wanted {
            let mut store = PostgresStore::connect(&url).expect("postgres");
            // The 85 days' partitions exist before the clock starts, as in a running server,
            // whose maintenance creates each day's ahead (`Store::prepare_days`): a live fleet
            // meets a new day once a day, not every ~12k events as this fast-forwarded load
            // would. `WARD_BENCH_PG_AHEAD=0` creates them during the load instead (measured
            // 2026-12-05, 200k, 1 writer: backend 47.2 µs per event against 41.2).
            if index == 0 && !std::env::var("WARD_BENCH_PG_AHEAD").is_ok_and(|v| v == "0") {
                store.create_day_partitions(now - Duration::days(86), now).expect("partitions");
            }
            pids.extend(store.backend_pid());
            writers.push(Box::new(store));
        }
        let _ = SERVER_PIDS.set(pids);
        stores.push(("PostgreSQL", writers));
        postgres_url = Some(url);
    }
    let sqlite_file = sqlite_dir.join("bench.sqlite");
    for (name, writers) in &mut stores {
        eprintln!("loading {total} events into {name} ({})…", shape.describe());
        let Load { wall, cpu, backend, loaded, busy } = load(writers, total, now, shape);
        let connections = writers.len();
        let store = &mut writers[0];
        let analyzed = Instant::now();
        store.analyze().expect("analyze");
        let analyzed = analyzed.elapsed();
        rows.push((
            name.to_string(),
            format!(
                "insert {loaded} events, {}, {} connection(s), chain-checked (wall clock)",
                shape.describe(),
                connections
            ),
            format!("{:.0} events/s", loaded as f64 / wall.as_secs_f64()),
        ));
        rows.push((
            name.to_string(),
            "insert: time a writer spends per event (the rest of the wall clock: waiting for prepared batches)"
                .to_owned(),
            format!("{:.1} µs", busy.as_secs_f64() * 1e6 / loaded.max(1) as f64),
        ));
        rows.push((
            name.to_string(),
            "insert: events per CPU-second (this process, plus its PostgreSQL backend for PostgreSQL)"
                .to_owned(),
            format!("{:.0} events/s", loaded as f64 / cpu.as_secs_f64().max(1e-3)),
        ));
        if !backend.is_zero() {
            rows.push((
                name.to_string(),
                "insert: PostgreSQL backend CPU per event (the server's side of it)".to_owned(),
                format!("{:.1} µs", backend.as_secs_f64() * 1e6 / loaded.max(1) as f64),
            ));
        }
        rows.push((
            name.to_string(),
            "statistics after the load (ANALYZE; PostgreSQL VACUUM ANALYZE)".to_owned(),
            format!("{:.1} s", analyzed.as_secs_f64()),
        ));
        let size = store_size(name, &sqlite_file, postgres_url.as_deref());
        rows.push((
            name.to_string(),
            "size on disk".to_owned(),
            format!("{:.0} MB ({:.0} bytes/event)", size as f64 / 1e6, size as f64 / loaded.max(1) as f64),
        ));
        for (label, text, count_by, limit) in queries {
            let query = Query::parse(text).expect("query");
            let fields = count_by.map(|f| parse_fields(f).expect("fields")).unwrap_or_default();
            // What `ward audit query` runs: the total, then the listing or the groups.
            let runs: Vec<StdDuration> = (0..5)
                .map(|_| {
                    let started = Instant::now();
                    if fields.is_empty() {
                        store.events_and_total(&query, now, *limit).expect("events");
                    } else {
                        store.count_by_and_total(&query, &fields, now, *limit).expect("count_by");
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
    // The benchmark's data is large: do not leave it on the server (unless WARD_BENCH_KEEP asks).
    drop(stores);
    if let (Some(url), Some(_)) = (&postgres_url, std::env::var_os("WARD_BENCH_KEEP")) {
        eprintln!("kept the PostgreSQL benchmark database: {url}");
    } else if let Some(url) = &postgres_url {
        let name = url.parse::<postgres::Config>().ok().and_then(|c| c.get_dbname().map(str::to_owned));
        let base = ward_store::throwaway::postgres_url().expect("PostgreSQL");
        if let (Some(name), Ok(mut client)) = (name, postgres::Client::connect(&base, postgres::NoTls)) {
            if let Err(error) = client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\"")) {
                eprintln!("could not drop the benchmark database {name}: {error}");
            }
        }
    }
    println!("\n| store | measurement (N = {total}, {DEVICES} devices; a query = its total + its rows, as `ward audit query`) | figure (queries: median of 5) |");
    println!("|---|---|---|");
    for (store, what, figure) in rows {
        println!("| {store} | {what} | {figure} |");
    }
}
