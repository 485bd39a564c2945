//! Fills a Ward home's spool with realistic events for the shipping benchmark
//! (`scripts/bench/ship-backlog.sh`): drafts from the store's event generator (the mix of agents,
//! decisions, tools, classes the store benchmarks use), appended through the spool's own API, so
//! the chain, segments and rotation are exactly what hooks would have written. Appends are
//! written without `fdatasync` (`Durability::OsBuffered`): the spool is throwaway.
//!
//! `fill_spool --home DIR --events N` (DIR is the Ward data directory, as $WARD_HOME). Prints
//! the device id and the last seq.

use std::time::Instant;

use ward_audit::{Durability, Spool};

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut home, mut events) = (None, 1_000_000u64);
    while let Some(key) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{key} needs a value"));
        match key.as_str() {
            "--home" => home = Some(std::path::PathBuf::from(value)),
            "--events" => events = value.parse().expect("--events: a number"),
            other => panic!("unknown argument {other}"),
        }
    }
    let home = home.expect("--home DIR (the Ward data directory)");
    let mut spool = Spool::open(&home).expect("the spool opens").with_durability(Durability::OsBuffered);
    let now = time::OffsetDateTime::now_utc();
    let mut generator = ward_store::generate::Generator::new(
        42,
        1,
        now - time::Duration::hours(1),
        time::Duration::hours(1),
        events,
    );
    let started = Instant::now();
    let mut last = 0;
    for _ in 0..events {
        let draft = generator.next_event();
        last = spool.append(draft).expect("append").seq;
    }
    eprintln!(
        "fill_spool: {events} events in {:.1} s ({:.0}/s)",
        started.elapsed().as_secs_f64(),
        events as f64 / started.elapsed().as_secs_f64().max(1e-9)
    );
    println!("{} {last}", spool.device());
}
