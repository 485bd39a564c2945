//! Fuzz the span-preserving JSON editor `ward install` uses on agents' settings files.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ward_endpoint::install::jsonedit::fuzz_round_trip(data);
});
