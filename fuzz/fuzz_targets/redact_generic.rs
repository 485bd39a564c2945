//! Fuzzes the hand matchers of the generic assignment rules against the rules' own regexes:
//! at every start in the input, both must find the same secret span (or none).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ward_redact::fuzz_generic_matchers(data));
