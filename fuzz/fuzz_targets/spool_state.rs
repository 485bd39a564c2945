//! The spool's state files besides segments and the head: the anchor record and pending
//! (deadline) events. `cargo +nightly fuzz run spool_state`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ward_audit::fuzz_spool_state(data);
});
