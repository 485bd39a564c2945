//! Fuzzes the policy parser: any bytes give a policy or positioned errors, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ward_policy::fuzz_policy_parse(data));
