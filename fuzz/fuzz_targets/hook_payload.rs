//! Fuzz the hook payload parsers (every agent, detection, rendering): they must never panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ward_hook::fuzz_payload(data));
