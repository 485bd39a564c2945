//! What managed mode adds to recording one event, measured in one process so that process
//! start-up is out of the picture: the user-mode recording (`Spool::open` + durable `append`,
//! what each hook process does) against the managed one (connect, send, the daemon's redaction
//! and durable append, the acknowledgement), and a bare socket round trip (`status`, no disk).
//! The three are sampled in turn, so that they see the same machine. Percentile table.
//!
//! Run: `cargo bench -p ward-endpoint --bench managed` (the end-to-end process comparison is
//! `scripts/bench/hook.sh`).

use std::time::{Duration, Instant};

use serde_json::json;
use ward_audit::{draft_event, Spool};
use ward_endpoint::managed::client;
use ward_endpoint::managed::daemon::{Daemon, DaemonConfig};
use ward_endpoint::managed::ManagedPaths;
use ward_model::{Action, Decision, Event, EventKind};

fn decision(n: usize) -> Event {
    let mut event = draft_event(EventKind::Decision);
    event.agent = Some("codex".to_owned());
    event.cwd = Some("/home/dev/src/webapp".to_owned());
    event.repo = Some("github.com/acme/webapp".to_owned());
    event.tier = Some("standard".to_owned());
    event.tool = Some("Bash".to_owned());
    event.action = Some(Action::Exec);
    event.decision = Some(Decision::Allow);
    event.rule = Some("standard.default".to_owned());
    event.input = json!({
        "command": format!("cd /home/dev/src/webapp && git status --short && cargo test -p billing -- t{n} 2>&1 | tail -n 50"),
    });
    event.detail = json!({ "event": "PreToolUse", "tier_why": "remote github.com/acme/webapp" });
    event
}

fn main() {
    let samples: usize = if std::env::args().any(|a| a == "--bench") { 2000 } else { 20 };
    let root = tempfile::tempdir().unwrap();
    let paths = ManagedPaths::new(root.path());
    let mut config = DaemonConfig::new(paths.clone());
    config.require_root = false;
    let daemon = Daemon::start(config, Box::new(|_| {})).unwrap();
    let stop = daemon.stop_handle();
    let serving = std::thread::spawn(move || daemon.run().unwrap());
    let user_dir = root.path().join("user");
    let uid = ward_audit::trust::effective_uid();
    let budget = Duration::from_secs(5);

    let mut times: [Vec<Duration>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for n in 0..samples + 50 {
        let started = Instant::now();
        Spool::open(&user_dir).unwrap().append(decision(n)).unwrap();
        let user = started.elapsed();
        let started = Instant::now();
        client::append(&paths.socket, uid, &decision(n), None, budget).unwrap();
        let managed = started.elapsed();
        let started = Instant::now();
        client::status(&paths.socket, uid, budget).unwrap();
        let status = started.elapsed();
        if n >= 50 {
            times[0].push(user);
            times[1].push(managed);
            times[2].push(status);
        }
    }
    stop.stop();
    serving.join().unwrap();

    println!();
    println!("recording one event, {samples} samples each (interleaved), microseconds");
    println!("{:<52} {:>9} {:>9} {:>9}", "case", "p50", "p90", "p99");
    let names = [
        "user mode: Spool::open + append (fdatasync)",
        "managed: socket + daemon redact + append + ack",
        "managed: socket round trip only (status)",
    ];
    for (name, mut t) in names.into_iter().zip(times) {
        t.sort();
        let at = |q: f64| t[((t.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
        println!("{name:<52} {:>9.1} {:>9.1} {:>9.1}", at(0.5), at(0.9), at(0.99));
    }
}
