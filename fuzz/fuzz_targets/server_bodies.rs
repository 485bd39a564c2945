//! The fleet server's request body parsers (ingest batches, enrollment, inventory snapshots) on arbitrary bytes:
//! never panic; a parsed batch always satisfies the checks the parser promises.
//! (`crates/ward-server/src/body.rs` runs a seeded version of this in `cargo test`.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = ward_server::body::parse_ingest(data) {
        assert!(body.events.len() <= ward_server::body::MAX_BATCH_EVENTS);
        assert!(body.events.iter().all(|e| e.seq >= 1 && !e.id.is_empty()));
    }
    let _ = ward_server::body::parse_enroll(data);
    if let Ok(body) = ward_server::body::parse_snapshot(data) {
        assert!(body.scan.artifacts.len() <= ward_server::inventory::MAX_ARTIFACTS);
        assert!(body.scan.artifacts.iter().all(|a| !a.id.is_empty() && a.id.len() <= 64));
    }
});
