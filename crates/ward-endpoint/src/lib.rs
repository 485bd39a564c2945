//! The endpoint runtime: everything that runs on a developer's machine beyond the pure libraries.
//! The hook pipeline (decide → redact → record → answer), agent installation, and the endpoint
//! daemon live here so that the `ward` binary only wires commands and tests can reach them
//! without spawning a process. Nothing here may pull an async runtime, a database driver or TLS
//! into the hook's start-up path.
#![forbid(unsafe_code)]

pub mod floorcheck;
pub mod install;
