//! Fuzz the content checks that decide whether a file holds a credential.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ward_inventory::secrets::judge_all(&String::from_utf8_lossy(data));
});
