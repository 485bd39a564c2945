//! The audit event: one record in the local spool and, later, the fleet store.

use serde::{Deserialize, Serialize};

use crate::{Action, Decision, PathTarget};

/// Version of the event record. Bump on any incompatible change.
pub const EVENT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Decision,
    InventoryChange,
    Drift,
    FloorCheck,
}

/// A secret found and redacted in the event's input: the rule and the keyed fingerprint,
/// never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionRecord {
    pub rule: String,
    pub fingerprint: String,
}

/// One audit record. Events of one device form a hash chain: `prev_hash` is the `hash` of the
/// device's previous event, and `hash` covers every other field (see `ward-audit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub schema_version: u32,
    /// UUIDv7: unique, time-ordered; ingest is idempotent on it.
    pub id: String,
    /// Per-device sequence number, from 1, without gaps.
    pub seq: u64,
    pub device: String,
    /// RFC 3339 UTC with sub-second precision.
    pub time: String,
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Normalized git remote (`github.com/acme/infra`) of the repository the call ran in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// Paths touched (already redacted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<PathTarget>,
    /// Path classes the call touched (`credentials`, …), for queries like `class:credential`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redactions: Vec<RedactionRecord>,
    /// The tool input, redacted. Never holds a secret value.
    #[serde(default)]
    pub input: serde_json::Value,
    /// Free-form details for non-decision events.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
    /// Hex SHA-256 of the previous event of this device (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 of this event's canonical form (all fields but `hash`).
    pub hash: String,
}
