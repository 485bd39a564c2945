//! The vocabulary of Ward as types: artifacts, tool calls, decisions and audit events.
//!
//! Every other crate speaks in these types, and the JSON they serialize to is Ward's documented,
//! versioned wire format (see `docs/schema.md`). This crate does no I/O.

pub mod artifact;
pub mod credentials;
pub mod decision;
pub mod drift;
pub mod event;
pub mod event_time;
pub mod path_case;
pub mod toolcall;

pub use artifact::{
    Artifact, ArtifactKind, Coverage, Device, Finding, FindingKind, Risk, ScanReport, Scope, Severity,
};
pub use decision::{Decision, RuleMatch, Verdict};
pub use drift::{DriftReport, DriftResult, DriftStatus};
pub use event::{Event, EventKind, RedactionRecord};
pub use event_time::{EventTime, EventTimeError};
pub use toolcall::{Access, Action, McpTarget, PathTarget, ShellCommand, ToolCall};
