//! The endpoint runtime: everything that runs on a developer's machine beyond the pure libraries.
//! The hook pipeline (decide → redact → record → answer), agent installation, and the endpoint
//! daemon live here so that the `ward` binary only wires commands and tests can reach them
//! without spawning a process. Nothing here may pull an async runtime, a database driver or TLS
//! into the hook's start-up path.
#![forbid(unsafe_code)]

pub mod config_watch;
pub mod decide;
pub mod drift_events;
pub mod floorcheck;
pub mod gemini;
pub mod hook;
pub mod install;
pub mod managed;
pub mod paths;
pub mod policy_pull;
pub mod policy_source;
pub mod record;
pub mod seen;
pub mod ship;
pub mod snapshot;

pub use decide::{decide_call, HookDecided};
pub use hook::{run as run_hook, AnswerGuard, HookRequest, NoDeadline, PendingRecord};
pub use paths::{PathInputs, PathsError, Resolution, WardPaths};
pub use policy_source::{load_policy, load_policy_from, LoadedPolicy, LoadedVia};
pub use seen::SeenTiers;
