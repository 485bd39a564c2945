//! One module per command: argument definitions and the wiring to the libraries.

// `ward audit`: the lead wires `Audit(cmd::audit::Command)` into `main.rs` on merge; until then
// nothing in the binary calls it (remove this allow then).
#[allow(dead_code)]
pub mod audit;
pub mod hook;
pub mod policy;
pub mod redact;
pub mod scan;
