//! Drift findings into the audit trail: after `ward scan`, each drift finding (an unapproved or
//! changed artifact, a required one missing) that the previous scan did not have becomes a
//! `drift` event in the spool, and each finding of the previous scan that is gone becomes a
//! `drift` event with `detail.change = "resolved"` — so the fleet trail shows when drift began
//! and ended, once, however often the machine is scanned.
//!
//! The previous scan's findings are kept in `<data dir>/drift-state.json` (fingerprint → a short
//! description), written atomically after the events are appended: a scan that dies between
//! the two records the same findings again on the next scan (at-least-once), never drops one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ward_audit::{draft_event, Spool};
use ward_model::{DriftReport, DriftResult, EventKind};
use ward_redact::{FingerprintKey, Redactor};

use crate::record::redact_event;

/// The state file's name in the data directory.
pub const STATE_FILE: &str = "drift-state.json";

/// What one scan recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// New findings appended as events.
    pub new: usize,
    /// Previous findings that are gone, appended as `resolved` events.
    pub resolved: usize,
    /// Findings unchanged since the last scan (not recorded again).
    pub unchanged: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DriftEventError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot record drift in the spool: {0}")]
    Spool(String),
}

/// One finding as the state file remembers it: enough to say what was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Remembered {
    status: String,
    kind: String,
    client: String,
    name: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    identity: String,
}

impl Remembered {
    fn of(r: &DriftResult) -> Remembered {
        Remembered {
            status: r.status.as_str().to_owned(),
            kind: r.kind.as_str().to_owned(),
            client: r.client.clone(),
            name: r.name.clone(),
            source: r.source.clone(),
            identity: r.identity.clone(),
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    schema_version: u32,
    policy: String,
    findings: BTreeMap<String, Remembered>,
}

fn read_state(path: &Path) -> State {
    // A missing or unreadable state is an empty one: the findings are recorded again, which
    // errs on the side of the trail.
    std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

fn write_state(path: &Path, state: &State) -> Result<(), DriftEventError> {
    let io = |source| DriftEventError::Io { path: path.to_path_buf(), source };
    let text = serde_json::to_string_pretty(state).expect("the state serializes") + "\n";
    let tmp = path.with_extension(format!("json.{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// The query fields, filled as the fleet server fills its own drift events (docs/fleet.md), so
/// one query finds both: `agent` = the artifact's client, `tool` = its name, `classes` = its
/// kind, `paths` = the file it was read from, `rule` = `drift.<finding>` or `drift.resolved`.
fn fill_query_fields(
    event: &mut ward_model::Event,
    client: &str,
    kind: &str,
    name: &str,
    source: Option<&str>,
    rule: &str,
) {
    event.agent = (!client.is_empty()).then(|| client.to_owned());
    event.tool = (!name.is_empty()).then(|| name.to_owned());
    event.classes = vec![kind.to_owned()];
    event.paths = source
        .filter(|s| !s.is_empty())
        .map(|s| vec![ward_model::PathTarget { path: s.to_owned(), access: ward_model::Access::Read }])
        .unwrap_or_default();
    event.rule = Some(format!("drift.{rule}"));
}

/// Record `drift`'s findings that changed since the last scan, in the spool under `data_dir`.
pub fn record(data_dir: &Path, drift: &DriftReport) -> Result<Recorded, DriftEventError> {
    let state_path = data_dir.join(STATE_FILE);
    let previous = read_state(&state_path);
    let current: BTreeMap<String, &DriftResult> =
        drift.findings().map(|r| (r.fingerprint.clone(), r)).collect();
    let new: Vec<&DriftResult> =
        current.iter().filter(|(f, _)| !previous.findings.contains_key(*f)).map(|(_, r)| *r).collect();
    let resolved: Vec<(&String, &Remembered)> =
        previous.findings.iter().filter(|(f, _)| !current.contains_key(*f)).collect();
    let outcome = Recorded { new: new.len(), resolved: resolved.len(), unchanged: current.len() - new.len() };
    if new.is_empty() && resolved.is_empty() {
        return Ok(outcome);
    }

    std::fs::create_dir_all(data_dir)
        .map_err(|source| DriftEventError::Io { path: data_dir.to_path_buf(), source })?;
    let spool_err = |e: String| DriftEventError::Spool(e);
    let key = FingerprintKey::load_or_create(data_dir).map_err(|e| spool_err(e.to_string()))?;
    let redactor = Redactor::new(key);
    let mut spool = Spool::open(data_dir).map_err(|e| spool_err(e.to_string()))?;
    for r in &new {
        let mut event = draft_event(EventKind::Drift);
        fill_query_fields(
            &mut event,
            &r.client,
            r.kind.as_str(),
            &r.name,
            r.source.as_deref(),
            r.status.as_str(),
        );
        event.reason = Some(r.message.clone());
        event.input = Value::Null;
        event.detail = json!({
            "origin": "device",
            "change": "new",
            "finding": r.status.as_str(),
            "artifact": format!("{}:{}", r.kind.as_str(), r.name),
            "kind": r.kind.as_str(),
            "name": r.name,
            "client": r.client,
            "scope": r.scope.map(|s| s.as_str()),
            "source": r.source,
            "identity": r.identity,
            "entry": r.entry,
            "expected": r.expected,
            "actual": r.actual,
            "required": r.required,
            "fingerprint": r.fingerprint,
            "policy": drift.policy,
        });
        redact_event(&mut event, &redactor);
        spool.append(event).map_err(|e| spool_err(e.to_string()))?;
    }
    for (fingerprint, was) in &resolved {
        let mut event = draft_event(EventKind::Drift);
        fill_query_fields(&mut event, &was.client, &was.kind, &was.name, was.source.as_deref(), "resolved");
        event.reason = Some(format!(
            "{} {} `{}` is no longer {} (resolved since the last scan)",
            was.client, was.kind, was.name, was.status
        ));
        event.input = Value::Null;
        event.detail = json!({
            "origin": "device",
            "change": "resolved",
            "finding": was.status,
            "artifact": format!("{}:{}", was.kind, was.name),
            "kind": was.kind,
            "name": was.name,
            "client": was.client,
            "source": was.source,
            "identity": was.identity,
            "fingerprint": fingerprint,
            "policy": drift.policy,
        });
        redact_event(&mut event, &redactor);
        spool.append(event).map_err(|e| spool_err(e.to_string()))?;
    }
    let state = State {
        schema_version: 1,
        policy: drift.policy.clone(),
        findings: current.iter().map(|(f, r)| (f.clone(), Remembered::of(r))).collect(),
    };
    write_state(&state_path, &state)?;
    Ok(outcome)
}
