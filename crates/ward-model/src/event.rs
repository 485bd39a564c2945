//! The audit event: one record in the local spool and in the fleet store. Its JSON is a contract
//! (`docs/schema.md`): every field, the canonical form, the hash chain, and how an older reader
//! keeps what a newer writer wrote.
//!
//! Serialization is written out rather than derived for one reason: **forward compatibility
//! inside a hash chain**. A newer writer may add fields or enum values; an older reader must
//! accept them *and* write them back byte for byte (the event's hash covers every member), so
//! nothing it does not understand may be dropped or normalised. Members this version does not
//! know, and known members whose value it cannot hold faithfully (an unknown enum value, an
//! explicit `null`), go to [`Event::unknown`] and are serialized from there unchanged.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::{Action, Decision, EventTime, PathTarget, RuleMatch};

/// Version of the event record. Bump on any incompatible change (none so far: additions are
/// compatible, see `docs/schema.md`).
pub const EVENT_SCHEMA_VERSION: u32 = 1;

/// `prev_hash` of a device's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Decision,
    InventoryChange,
    Drift,
    FloorCheck,
    /// A kind this version does not know (a newer writer's). The writer's value is kept in
    /// [`Event::unknown`] under `kind` and written back unchanged; [`Event::kind_name`] gives it.
    #[serde(other)]
    Other,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Decision => "decision",
            EventKind::InventoryChange => "inventory_change",
            EventKind::Drift => "drift",
            EventKind::FloorCheck => "floor_check",
            EventKind::Other => "other",
        }
    }
}

/// A secret found and redacted in the event's input: the rule and the keyed fingerprint,
/// never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionRecord {
    pub rule: String,
    pub fingerprint: String,
}

/// One audit record. Events of one device form a hash chain: `prev_hash` is the `hash` of the
/// device's previous event, and `hash` covers every other member (see `ward-audit`'s `chain` and
/// `docs/schema.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub schema_version: u32,
    /// UUIDv7: unique, time-ordered; ingest is idempotent on it.
    pub id: String,
    /// Per-device sequence number, from 1, without gaps.
    pub seq: u64,
    pub device: String,
    /// When the event was recorded; Ward writes RFC 3339 UTC with microseconds.
    pub time: EventTime,
    pub kind: EventKind,
    pub agent: Option<String>,
    pub session: Option<String>,
    pub cwd: Option<String>,
    /// Normalized git remote (`github.com/acme/infra`) of the repository the call ran in.
    pub repo: Option<String>,
    pub tier: Option<String>,
    pub tool: Option<String>,
    pub action: Option<Action>,
    /// Paths touched (already redacted).
    pub paths: Vec<PathTarget>,
    /// Path classes the call touched (`credentials`, …), for queries like `class:credential`.
    pub classes: Vec<String>,
    pub hosts: Vec<String>,
    pub decision: Option<Decision>,
    /// The deciding rule.
    pub rule: Option<String>,
    pub reason: Option<String>,
    /// Every rule that matched the call (the deciding one included), typed.
    pub matched: Vec<RuleMatch>,
    pub redactions: Vec<RedactionRecord>,
    /// The tool input, redacted. Never holds a secret value.
    pub input: Value,
    /// Free-form details for non-decision events.
    pub detail: Value,
    /// Hex SHA-256 of the previous event of this device (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 of this event's canonical form (all members but `hash`).
    pub hash: String,
    /// Members kept verbatim for a faithful round trip: fields this version does not know, and
    /// known fields whose value it cannot represent (an unknown enum value, an explicit `null`
    /// or `[]`). A key here is serialized from here, instead of the typed field.
    pub unknown: Map<String, Value>,
}

/// Every member name this version knows, in the order it serializes them: the canonical order
/// (byte order; the names are ASCII), so the chain's writer ([`ward-audit`'s `canonical`]) finds
/// an event's members already in order and need not sort them.
pub const KNOWN_FIELDS: &[&str] = &[
    "action",
    "agent",
    "classes",
    "cwd",
    "decision",
    "detail",
    "device",
    "hash",
    "hosts",
    "id",
    "input",
    "kind",
    "matched",
    "paths",
    "prev_hash",
    "reason",
    "redactions",
    "repo",
    "rule",
    "schema_version",
    "seq",
    "session",
    "tier",
    "time",
    "tool",
];

impl Event {
    /// An event with only its kind set, for a recorder to fill in; the spool sets the chain
    /// fields (`schema_version`, `id`, `seq`, `device`, `time`, `prev_hash`, `hash`).
    pub fn draft(kind: EventKind) -> Event {
        Event {
            schema_version: EVENT_SCHEMA_VERSION,
            id: String::new(),
            seq: 0,
            device: String::new(),
            time: EventTime::default(),
            kind,
            agent: None,
            session: None,
            cwd: None,
            repo: None,
            tier: None,
            tool: None,
            action: None,
            paths: Vec::new(),
            classes: Vec::new(),
            hosts: Vec::new(),
            decision: None,
            rule: None,
            reason: None,
            matched: Vec::new(),
            redactions: Vec::new(),
            input: Value::Null,
            detail: Value::Null,
            prev_hash: String::new(),
            hash: String::new(),
            unknown: Map::new(),
        }
    }

    /// The kind as written, including a kind this version does not know.
    pub fn kind_name(&self) -> &str {
        self.raw_text("kind").unwrap_or(self.kind.as_str())
    }

    /// The decision as written, including one this version does not know.
    pub fn decision_name(&self) -> Option<&str> {
        self.raw_text("decision").or(self.decision.map(Decision::as_str))
    }

    /// The action as written, including one this version does not know.
    pub fn action_name(&self) -> Option<&str> {
        self.raw_text("action").or(self.action.map(Action::as_str))
    }

    /// The deciding rule and every matched rule, each once.
    pub fn rule_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.rule.iter().map(String::as_str).collect();
        for matched in &self.matched {
            if !names.contains(&matched.rule.as_str()) {
                names.push(&matched.rule);
            }
        }
        names
    }

    fn raw_text(&self, key: &str) -> Option<&str> {
        self.unknown.get(key).and_then(Value::as_str)
    }

    /// Builds an event from a JSON object (what `Deserialize` does). Required members:
    /// `schema_version`, `id`, `seq`, `device`, `time`, `kind`, `prev_hash`, `hash`.
    pub fn from_object(mut object: Map<String, Value>) -> Result<Event, String> {
        let mut unknown = Map::new();
        let schema_version = required(&mut object, "schema_version")?;
        let id = required(&mut object, "id")?;
        let seq = required(&mut object, "seq")?;
        let device = required(&mut object, "device")?;
        let time = required(&mut object, "time")?;
        let kind = match object.remove("kind") {
            None => return Err("missing field `kind`".to_owned()),
            Some(raw) => match EventKind::deserialize(&raw) {
                Ok(kind) if kind != EventKind::Other && raw.as_str() == Some(kind.as_str()) => kind,
                Ok(_) if raw.is_string() => {
                    unknown.insert("kind".to_owned(), raw);
                    EventKind::Other
                }
                _ => return Err("`kind` is not a string".to_owned()),
            },
        };
        let prev_hash = required(&mut object, "prev_hash")?;
        let hash = required(&mut object, "hash")?;
        let mut lenient = Lenient { object: &mut object, unknown: &mut unknown };
        let agent = lenient.take("agent");
        let session = lenient.take("session");
        let cwd = lenient.take("cwd");
        let repo = lenient.take("repo");
        let tier = lenient.take("tier");
        let tool = lenient.take("tool");
        let action = lenient.take("action");
        let paths = lenient.take("paths");
        let classes = lenient.take("classes");
        let hosts = lenient.take("hosts");
        let decision = lenient.take("decision");
        let rule = lenient.take("rule");
        let reason = lenient.take("reason");
        let matched = lenient.take("matched");
        let redactions = lenient.take("redactions");
        let detail = lenient.take("detail");
        // `input` is always written (null included), so any value round-trips as it is.
        let input = object.remove("input").unwrap_or(Value::Null);
        unknown.extend(object);
        Ok(Event {
            schema_version,
            id,
            seq,
            device,
            time,
            kind,
            agent,
            session,
            cwd,
            repo,
            tier,
            tool,
            action,
            paths,
            classes,
            hosts,
            decision,
            rule,
            reason,
            matched,
            redactions,
            input,
            detail,
            prev_hash,
            hash,
            unknown,
        })
    }
}

fn required<T: DeserializeOwned>(object: &mut Map<String, Value>, key: &str) -> Result<T, String> {
    let raw = object.remove(key).ok_or_else(|| format!("missing field `{key}`"))?;
    T::deserialize(raw).map_err(|e| format!("field `{key}`: {e}"))
}

/// Takes optional members: a value that does not survive the typed round trip unchanged stays
/// raw in `unknown` and the typed field keeps its default.
struct Lenient<'a> {
    object: &'a mut Map<String, Value>,
    unknown: &'a mut Map<String, Value>,
}

impl Lenient<'_> {
    fn take<T: DeserializeOwned + Serialize + Default>(&mut self, key: &str) -> T {
        let Some(raw) = self.object.remove(key) else { return T::default() };
        // The typed form skips null, [] (and, for `detail`, null): an explicit one must be kept.
        let skipped_when_typed = raw.is_null() || raw.as_array().is_some_and(Vec::is_empty);
        if !skipped_when_typed {
            if let Ok(typed) = T::deserialize(&raw) {
                if serde_json::to_value(&typed).is_ok_and(|back| back == raw) {
                    return typed;
                }
            }
        }
        self.unknown.insert(key.to_owned(), raw);
        T::default()
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let unknown = &self.unknown;
        macro_rules! member {
            ($key:literal, $present:expr, $value:expr) => {
                if let Some(raw) = unknown.get($key) {
                    map.serialize_entry($key, raw)?;
                } else if $present {
                    map.serialize_entry($key, $value)?;
                }
            };
        }
        member!("action", self.action.is_some(), &self.action);
        member!("agent", self.agent.is_some(), &self.agent);
        member!("classes", !self.classes.is_empty(), &self.classes);
        member!("cwd", self.cwd.is_some(), &self.cwd);
        member!("decision", self.decision.is_some(), &self.decision);
        member!("detail", !self.detail.is_null(), &self.detail);
        member!("device", true, &self.device);
        member!("hash", true, &self.hash);
        member!("hosts", !self.hosts.is_empty(), &self.hosts);
        member!("id", true, &self.id);
        member!("input", true, &self.input);
        member!("kind", true, &self.kind);
        member!("matched", !self.matched.is_empty(), &self.matched);
        member!("paths", !self.paths.is_empty(), &self.paths);
        member!("prev_hash", true, &self.prev_hash);
        member!("reason", self.reason.is_some(), &self.reason);
        member!("redactions", !self.redactions.is_empty(), &self.redactions);
        member!("repo", self.repo.is_some(), &self.repo);
        member!("rule", self.rule.is_some(), &self.rule);
        member!("schema_version", true, &self.schema_version);
        member!("seq", true, &self.seq);
        member!("session", self.session.is_some(), &self.session);
        member!("tier", self.tier.is_some(), &self.tier);
        member!("time", true, &self.time);
        member!("tool", self.tool.is_some(), &self.tool);
        for (key, value) in unknown {
            if !KNOWN_FIELDS.contains(&key.as_str()) {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Event, D::Error> {
        let object = Map::<String, Value>::deserialize(deserializer)?;
        Event::from_object(object).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "schema_version": 1, "id": "01a23abf-1d6e-7228-bfce-7f85c52defcb", "seq": 7,
            "device": "d", "time": "2026-12-03T07:12:13.166730Z", "kind": "decision",
            "input": null, "prev_hash": GENESIS_HASH, "hash": GENESIS_HASH
        })
    }

    fn round_trip(value: &Value) -> Value {
        let event: Event = serde_json::from_value(value.clone()).unwrap();
        serde_json::to_value(&event).unwrap()
    }

    #[test]
    fn known_fields_round_trip_typed() {
        let mut value = base();
        let object = value.as_object_mut().unwrap();
        object.insert("agent".into(), json!("codex"));
        object.insert("decision".into(), json!("deny"));
        object.insert("action".into(), json!("read"));
        object.insert("classes".into(), json!(["credentials"]));
        object.insert("matched".into(), json!([{"rule": "r1", "decision": "deny", "reason": "because"}]));
        let event: Event = serde_json::from_value(value.clone()).unwrap();
        assert!(event.unknown.is_empty(), "{:?}", event.unknown);
        assert_eq!(event.decision, Some(Decision::Deny));
        assert_eq!(event.matched[0].rule, "r1");
        assert_eq!(event.rule_names(), vec!["r1"]);
        assert_eq!(round_trip(&value), value);
    }

    #[test]
    fn newer_writers_members_and_values_are_kept() {
        let mut value = base();
        let object = value.as_object_mut().unwrap();
        object.insert("kind".into(), json!("policy_push"));
        object.insert("decision".into(), json!("quarantine"));
        object.insert("action".into(), json!("teleport"));
        object.insert("paths".into(), json!([{"path": "/x", "access": "read", "size": 3}]));
        object.insert("matched".into(), json!([{"rule": "r", "decision": "quarantine", "reason": ""}]));
        object.insert("risk_score".into(), json!(0.75));
        object.insert("agent".into(), Value::Null);
        object.insert("classes".into(), json!([]));
        let event: Event = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(event.kind, EventKind::Other);
        assert_eq!(event.kind_name(), "policy_push");
        assert_eq!(event.decision, None);
        assert_eq!(event.decision_name(), Some("quarantine"));
        assert_eq!(event.action_name(), Some("teleport"));
        assert!(event.paths.is_empty() && event.matched.is_empty());
        assert_eq!(round_trip(&value), value);
    }

    #[test]
    fn missing_or_malformed_required_members_are_errors() {
        for key in ["schema_version", "id", "seq", "device", "time", "kind", "prev_hash", "hash"] {
            let mut value = base();
            value.as_object_mut().unwrap().remove(key);
            let error = serde_json::from_value::<Event>(value).unwrap_err().to_string();
            assert!(error.contains(key), "{key}: {error}");
        }
        let mut value = base();
        value["time"] = json!("last tuesday");
        assert!(serde_json::from_value::<Event>(value).is_err());
        let mut value = base();
        value["kind"] = json!(3);
        assert!(serde_json::from_value::<Event>(value).is_err());
        assert!(serde_json::from_str::<Event>("[1,2]").is_err());
    }

    #[test]
    fn drafts_serialize_every_always_present_member() {
        let draft = Event::draft(EventKind::Drift);
        let value = serde_json::to_value(&draft).unwrap();
        let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected =
            vec!["device", "hash", "id", "input", "kind", "prev_hash", "schema_version", "seq", "time"];
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
    }
}
