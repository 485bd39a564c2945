//! Many appenders at once — threads of one process and separate processes — must produce one
//! gapless, valid chain: no interleaved lines, no forked seqs.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::decision;
use ward_audit::read::SpoolReader;
use ward_audit::{verify, Spool};

/// Small enough that the appenders also race through segment rotations.
const SEGMENT_LIMIT: u64 = 8 * 1024;

fn assert_one_chain(dir: &Path, expected: u64) {
    let report = verify(dir).unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!((report.events, report.first_seq, report.last_seq), (expected, Some(1), Some(expected)));
    assert!(report.segments > 1, "rotation was not exercised");
    let seqs: BTreeSet<u64> = SpoolReader::open(&dir.join("spool"))
        .unwrap()
        .map(|line| line.unwrap().event().unwrap().seq)
        .collect();
    assert_eq!(seqs, (1..=expected).collect());
}

#[test]
fn threads_append_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let threads = 8;
    let per_thread = 40;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let dir = dir.path();
            scope.spawn(move || {
                // Each thread opens its own spool, as separate hook processes would.
                let mut spool = Spool::open(dir).unwrap().with_segment_limit(SEGMENT_LIMIT);
                for n in 0..per_thread {
                    spool.append(decision(t * 1000 + n)).unwrap();
                }
            });
        }
    });
    assert_one_chain(dir.path(), threads * per_thread);
}

/// Runs as the parent normally; re-run by itself (the test binary, this test only) with
/// `WARD_AUDIT_CHILD_SPOOL` set, it is one of the appending children.
#[test]
fn processes_append_one_chain() {
    let per_process = 40;
    if let Some(dir) = std::env::var_os("WARD_AUDIT_CHILD_SPOOL") {
        let mut spool = Spool::open(Path::new(&dir)).unwrap().with_segment_limit(SEGMENT_LIMIT);
        for n in 0..per_process {
            spool.append(decision(n)).unwrap();
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let processes = 6;
    let children: Vec<_> = (0..processes)
        .map(|_| {
            Command::new(&exe)
                .args(["--exact", "processes_append_one_chain", "--test-threads", "1", "--quiet"])
                .env("WARD_AUDIT_CHILD_SPOOL", dir.path())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_one_chain(dir.path(), processes * per_process);
}

/// Room for a few of the 64 KiB events of the kill test per segment.
const KILL_SEGMENT_LIMIT: u64 = 512 * 1024;

/// Appenders killed (SIGKILL) at arbitrary points, mid-write included: what they leave behind is
/// a valid chain, possibly with a torn last line that the next append repairs. Re-run by itself
/// with `WARD_AUDIT_CHILD_FOREVER` set, it is one of the appenders, appending until killed.
#[test]
fn killed_appenders_leave_a_repairable_chain() {
    if let Some(dir) = std::env::var_os("WARD_AUDIT_CHILD_FOREVER") {
        // A killed process loses nothing that reached the page cache, so skipping the sync changes
        // nothing this test checks and lets the appenders get through many more writes.
        let mut spool = Spool::open(Path::new(&dir))
            .unwrap()
            .with_segment_limit(KILL_SEGMENT_LIMIT)
            .with_durability(ward_audit::Durability::OsBuffered);
        for n in 0.. {
            let mut event = decision(n);
            // Large inputs make a kill in the middle of a write likely.
            event.input = serde_json::json!({"content": "y".repeat(64 * 1024 + (n as usize % 4096))});
            spool.append(event).unwrap();
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    for round in 0..4 {
        let mut children: Vec<_> = (0..3)
            .map(|_| {
                Command::new(&exe)
                    .args(["--exact", "killed_appenders_leave_a_repairable_chain", "--test-threads", "1"])
                    .env("WARD_AUDIT_CHILD_FOREVER", dir.path())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(150 + round * 70));
        for child in &mut children {
            child.kill().unwrap();
        }
        for mut child in children {
            child.wait().unwrap();
        }
        let report = verify(dir.path()).unwrap();
        assert!(
            report.problems.iter().all(|p| p.kind == ward_audit::ProblemKind::TornLine),
            "{:?}",
            report.problems
        );
        let next = Spool::open(dir.path())
            .unwrap()
            .with_segment_limit(KILL_SEGMENT_LIMIT)
            .append(decision(0))
            .unwrap();
        let report = verify(dir.path()).unwrap();
        assert!(report.is_intact(), "round {round}: {:?}", report.problems);
        assert_eq!((report.first_seq, report.last_seq), (Some(1), Some(next.seq)));
    }
    assert!(verify(dir.path()).unwrap().events > 4, "the appenders did not get to run");
}
