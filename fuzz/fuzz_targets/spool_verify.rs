//! Spool segment bytes (a tampered or damaged spool) through chain verification.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ward_audit::verify::verify_segment_bytes(data, None);
});
