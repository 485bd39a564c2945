//! What recording one event costs the hook: `Spool::open` + one `append` (the per-process cost,
//! since every hook call is a fresh process), and steady-state `append`, each with and without
//! the durable `fdatasync`; plus a bare `pwrite` + `fdatasync` of a line of the same size as the
//! floor set by the disk. Criterion's statistics come first, then a percentile table.
//!
//! Run: `cargo bench -p ward-audit --bench append`

use std::fs::OpenOptions;
use std::hint::black_box;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::Criterion;
use serde_json::json;
use ward_audit::{draft_event, Durability, Spool};
use ward_model::{Action, Decision, Event, EventKind, RedactionRecord};

/// A typical decision event (≈ 900 bytes as a spool line).
fn decision(n: u64) -> Event {
    let mut event = draft_event(EventKind::Decision);
    event.agent = Some("claude-code".to_owned());
    event.session = Some("5f0c7a0e-2b1d-4c1e-9a57-0d1f3e0b9c11".to_owned());
    event.cwd = Some("/home/dev/src/infra".to_owned());
    event.repo = Some("github.com/acme/infra".to_owned());
    event.tier = Some("sensitive".to_owned());
    event.tool = Some("Bash".to_owned());
    event.action = Some(Action::Exec);
    event.classes = vec!["credentials".to_owned()];
    event.decision = Some(Decision::Deny);
    event.rule = Some("sensitive.credentials".to_owned());
    event.reason = Some("reads a credential file in a sensitive repository".to_owned());
    event.redactions =
        vec![RedactionRecord { rule: "aws-access-key".to_owned(), fingerprint: "9f2c1ab04d7e".to_owned() }];
    event.input = json!({
        "command": format!("cat ~/.aws/credentials && aws s3 ls s3://acme-prod-{n} --profile prod"),
        "description": "List the production buckets",
        "env": {"AWS_ACCESS_KEY_ID": "[REDACTED:aws-access-key:9f2c1ab04d7e]"},
        "timeout": 120000,
    });
    event
}

fn open(dir: &Path, durability: Durability) -> Spool {
    Spool::open(dir).unwrap().with_durability(durability)
}

const CASES: [(&str, Durability); 2] =
    [("synced", Durability::Synced), ("os_buffered", Durability::OsBuffered)];

fn criterion_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("spool");
    group.measurement_time(Duration::from_secs(4));
    for (name, durability) in CASES {
        let dir = tempfile::tempdir().unwrap();
        let mut n = 0;
        group.bench_function(format!("open+append/{name}"), |b| {
            b.iter(|| {
                n += 1;
                black_box(open(dir.path(), durability).append(decision(n)).unwrap());
            })
        });
        let dir = tempfile::tempdir().unwrap();
        let mut spool = open(dir.path(), durability);
        group.bench_function(format!("append/{name}"), |b| {
            b.iter(|| {
                n += 1;
                black_box(spool.append(decision(n)).unwrap());
            })
        });
    }
    group.finish();
}

/// Percentiles of `samples` runs of `step`, in microseconds.
fn percentiles(samples: usize, mut step: impl FnMut(u64)) -> [f64; 3] {
    for n in 0..50 {
        step(n);
    }
    let mut times: Vec<Duration> = (0..samples as u64)
        .map(|n| {
            let start = Instant::now();
            step(n);
            start.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    [at(0.50), at(0.90), at(0.99)]
}

fn table() {
    let samples = 2000;
    let mut rows: Vec<(String, [f64; 3])> = Vec::new();
    for (name, durability) in CASES {
        let dir = tempfile::tempdir().unwrap();
        let row = percentiles(samples, |n| {
            open(dir.path(), durability).append(decision(n)).unwrap();
        });
        rows.push((format!("open + append ({name})"), row));
        let dir = tempfile::tempdir().unwrap();
        let mut spool = open(dir.path(), durability);
        let row = percentiles(samples, |n| {
            spool.append(decision(n)).unwrap();
        });
        rows.push((format!("append, steady ({name})"), row));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.path().join("raw"))
        .unwrap();
    let line = vec![b'x'; 900];
    let mut offset = 0;
    let row = percentiles(samples, |_| {
        file.write_all_at(&line, offset).unwrap();
        file.sync_data().unwrap();
        offset += line.len() as u64;
    });
    rows.push(("bare pwrite + fdatasync (900 B)".to_owned(), row));

    println!();
    println!("ward-audit spool, {samples} samples each, microseconds");
    println!("{:<36} {:>9} {:>9} {:>9}", "case", "p50", "p90", "p99");
    for (name, [p50, p90, p99]) in rows {
        println!("{name:<36} {p50:>9.1} {p90:>9.1} {p99:>9.1}");
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    criterion_benches(&mut criterion);
    criterion.final_summary();
    // `cargo test --benches` runs each benchmark once as a smoke test, without `--bench`.
    if std::env::args().any(|arg| arg == "--bench") {
        table();
    }
}
