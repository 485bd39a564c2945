//! Fuzzes the compiled policy's decoder (the managed policy's root-owned blob, the user cache):
//! any payload behind a valid tag decodes to a policy that evaluates, or is refused; never a
//! panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ward_policy::fuzz_compiled_blob(data));
