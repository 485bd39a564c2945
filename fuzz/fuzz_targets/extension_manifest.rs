//! Fuzz the VS Code-family extension `package.json` reader.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ward_inventory::extensions::parse_manifest(data);
});
