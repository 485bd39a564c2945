//! What one look of `ward agent run`'s change-triggered scans costs: a `stat` of every watched
//! path (`Locations::watched_paths`) on a home where a few agents are installed and most paths
//! do not exist, as on a real machine. Prints the percentiles of one look.
//!
//! Run: `cargo bench -p ward-endpoint --bench config_watch`.

use std::time::{Duration, Instant};

use ward_endpoint::config_watch::ConfigWatch;
use ward_inventory::{Locations, Os};

fn main() {
    let samples: usize = if std::env::args().any(|a| a == "--bench") { 20_000 } else { 20 };
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    for dir in
        [".codex/skills", ".claude/skills", ".claude/plugins", ".cursor/extensions", ".vscode/extensions"]
    {
        std::fs::create_dir_all(home.join(dir)).unwrap();
    }
    for file in [".codex/config.toml", ".claude.json", ".claude/settings.json", ".cursor/mcp.json"] {
        std::fs::write(home.join(file), "{}").unwrap();
    }
    let paths = Locations::new(home, root.path().join("system"), Os::Linux).watched_paths();
    let count = paths.len();
    let present = paths.iter().filter(|p| p.exists()).count();
    let mut watch = ConfigWatch::new(paths);
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples + 100 {
        let started = Instant::now();
        let changed = watch.changed();
        times.push(started.elapsed());
        assert!(changed.is_empty());
    }
    times.drain(..100);
    times.sort();
    let pct = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("one look at {count} watched paths ({present} present), {samples} looks, microseconds");
    println!("{:>8} {:>8} {:>8} {:>8}", "p50", "p90", "p99", "min");
    println!("{:>8.1} {:>8.1} {:>8.1} {:>8.1}", us(pct(0.5)), us(pct(0.9)), us(pct(0.99)), us(times[0]));
    println!("CPU share at one look every 2 s: {:.4} %", us(pct(0.5)) / 2e6 * 100.0);
}
