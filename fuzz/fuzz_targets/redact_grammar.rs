//! Fuzzes the generic assignment grammar (`ward-redact/src/grammar.rs`): every keyword
//! occurrence is parsed and judged, the input is redacted, and the invariants are checked
//! (candidates inside the input and bounded, output no longer than input plus one marker per
//! finding, redacting twice is stable).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ward_redact::fuzz_grammar(data));
