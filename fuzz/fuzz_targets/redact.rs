//! Fuzzes redaction of arbitrary bytes in every format (text, JSON, auto) and in place on parsed
//! JSON: no panic, JSON in stays JSON out, findings stay inside the input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ward_redact::fuzz_redact(data));
