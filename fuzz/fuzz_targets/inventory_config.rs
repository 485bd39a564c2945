//! Fuzz the config readers of the inventory (JSONC, TOML, YAML) and the MCP and hook entry
//! readers behind them: any bytes must give values or positioned errors, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ward_inventory::fuzz_config(data));
