//! Arbitrary JSON (and events) through the direct canonical writer against the definition.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ward_audit::fuzz_canonical(data);
});
