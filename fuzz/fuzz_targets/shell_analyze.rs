//! Fuzz the shell analyzer: any byte string must be analyzed without panicking or hanging.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ward_hook::fuzz_shell(data));
