//! Inventory snapshots per device: each `ward scan` document a device sends is compared with the
//! inventory the server holds for that device. Artifacts that appeared, changed (their content
//! hash) or disappeared become `inventory_change` events in the store, and drift findings
//! (unapproved, changed, missing artifacts against the policy's approved lists) are kept per
//! device with when they were first and last seen, and become `drift` events when they appear
//! and when they are resolved. So "when did this MCP server first show up, and where" is a
//! query over events, and the current inventory and drift of the fleet are admin API answers.
//!
//! Derived events carry `seq` 0: they are the server's, outside the device's hash chain (a
//! device cannot send seq 0). Their ids are derived from what changed, so a snapshot handled
//! twice (a retry after a lost answer, a crash between storing the events and the inventory)
//! yields the same ids and the store keeps them once.
//!
//! How an artifact maps onto the query fields (docs/fleet.md): `agent` is its client, `tool` its
//! name, `class` its kind, `path` the file it was read from, and `rule` the change
//! (`inventory.appeared|changed|disappeared`, `drift.unapproved|changed|missing|resolved`).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use ward_model::{Access, Artifact, Event, EventKind, EventTime, PathTarget, ScanReport};

use crate::db::{Conn, Val};
use crate::fleet::rfc3339;
use crate::ServerError;

/// Most artifacts in one snapshot (a large home holds hundreds).
pub const MAX_ARTIFACTS: usize = 50_000;

/// `sha256` hex of an artifact's canonical JSON: what "changed" compares.
pub fn artifact_hash(artifact: &Artifact) -> String {
    let value = serde_json::to_value(artifact).unwrap_or(Value::Null);
    hex::encode(Sha256::digest(ward_audit::chain::canonical_json(&value)))
}

/// A UUID-shaped id (version 8: custom) from the parts that identify one change, keyed with a
/// secret only the server holds: a device that could predict the id could send an event with
/// it first and so keep the server's record of its change out of the store.
fn derived_id(key: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(key.as_bytes());
    hasher.update([0]);
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let mut b: [u8; 16] = hasher.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// The server's secret for derived event ids (32 random bytes, hex), created once per database.
fn id_key(conn: &mut Conn) -> Result<String, ServerError> {
    if let Some(key) = crate::fleet::setting(conn, "derived_id_key")? {
        return Ok(key);
    }
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| ServerError::Internal(format!("random source: {e}")))?;
    crate::fleet::setting_insert_new(conn, "derived_id_key", &hex::encode(bytes))?;
    crate::fleet::setting(conn, "derived_id_key")?
        .ok_or_else(|| ServerError::Internal("the derived-id key was not stored".into()))
}

/// One artifact as the server holds it for a device.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeldArtifact {
    pub device: String,
    pub artifact: String,
    pub kind: String,
    pub client: String,
    pub name: String,
    pub scope: String,
    pub source: String,
    pub identity: String,
    pub hash: String,
    pub first_seen: String,
    pub last_seen: String,
    /// When its content last changed (its first sighting if never).
    pub changed: String,
    /// When it disappeared (`None` while present).
    pub removed: Option<String>,
}

/// A drift finding as the server holds it for a device.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeldDrift {
    pub device: String,
    pub fingerprint: String,
    pub status: String,
    pub kind: String,
    pub client: String,
    pub name: String,
    pub message: String,
    pub first_seen: String,
    pub last_seen: String,
    /// When a snapshot no longer had it (`None` while open).
    pub resolved: Option<String>,
}

/// What one snapshot changed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SnapshotReport {
    pub artifacts: u64,
    pub appeared: u64,
    pub changed: u64,
    pub disappeared: u64,
    pub drift_opened: u64,
    pub drift_resolved: u64,
    /// Events stored now (a repeated snapshot's events are already held).
    pub events_inserted: u64,
}

struct Held {
    hash: String,
    changed_us: i64,
    removed_us: Option<i64>,
}

/// The diff of one snapshot, before anything is written: the events to store and the state to
/// write after them.
pub struct Plan {
    device: String,
    now_us: i64,
    pub events: Vec<Event>,
    pub report: SnapshotReport,
    artifacts: Vec<(Artifact, String)>,
    drift: Vec<ward_model::DriftResult>,
    /// Artifacts held as present that the snapshot lacks.
    removed: Vec<String>,
    /// Open drift findings the snapshot lacks.
    resolved: Vec<String>,
}

fn event(device: &str, at: OffsetDateTime, kind: EventKind, id: String) -> Event {
    let mut event = Event::draft(kind);
    event.id = id;
    event.seq = 0;
    event.device = device.to_owned();
    event.time = EventTime::from_datetime(at);
    event.prev_hash = ward_model::event::GENESIS_HASH.to_owned();
    event
}

fn artifact_event(device: &str, at: OffsetDateTime, change: &str, artifact: &Artifact, id: String) -> Event {
    let mut e = event(device, at, EventKind::InventoryChange, id);
    e.agent = Some(artifact.client.clone());
    e.tool = Some(artifact.name.clone());
    e.classes = vec![artifact.kind.as_str().to_owned()];
    e.rule = Some(format!("inventory.{change}"));
    e.paths = vec![PathTarget { path: artifact.source.clone(), access: Access::Read }];
    e.reason = Some(format!(
        "{} {} ({}, {} scope) {change} in {}",
        artifact.kind, artifact.name, artifact.client, artifact.scope, artifact.source
    ));
    e
}

/// Seals a derived event: its hash covers every member, like a device's (outside any chain).
fn seal(mut event: Event) -> Event {
    if let Ok(Value::Object(object)) = serde_json::to_value(&event) {
        event.hash = ward_audit::chain::hash_object(&object);
    }
    event
}

/// Compares `scan` with the inventory held for `device`.
pub fn plan(
    conn: &mut Conn,
    device: &str,
    scan: &ScanReport,
    now: OffsetDateTime,
) -> Result<Plan, ServerError> {
    if scan.artifacts.len() > MAX_ARTIFACTS {
        return Err(ServerError::TooLarge(format!(
            "{} artifacts in one snapshot; the limit is {MAX_ARTIFACTS}",
            scan.artifacts.len()
        )));
    }
    let now_us = (now.unix_timestamp_nanos() / 1000) as i64;
    let key = id_key(conn)?;
    let key = key.as_str();
    let mut held = HashMap::new();
    for row in conn.query(
        "SELECT artifact, hash, changed_us, removed_us FROM fleet_inventory WHERE device = $1",
        &[device.into()],
    )? {
        let text = |i: usize| row.get(i).and_then(Val::text).unwrap_or_default().to_owned();
        let int = |i: usize| row.get(i).and_then(Val::int);
        held.insert(text(0), Held { hash: text(1), changed_us: int(2).unwrap_or(0), removed_us: int(3) });
    }
    let mut plan = Plan {
        device: device.to_owned(),
        now_us,
        events: Vec::new(),
        report: SnapshotReport::default(),
        artifacts: Vec::new(),
        drift: Vec::new(),
        removed: Vec::new(),
        resolved: Vec::new(),
    };
    let mut seen = BTreeMap::new();
    for artifact in &scan.artifacts {
        // One entry per id (a malformed document may repeat one): the first counts.
        seen.entry(artifact.id.clone()).or_insert(artifact);
    }
    for (id, artifact) in &seen {
        let hash = artifact_hash(artifact);
        let change = match held.get(id) {
            None => Some(("appeared", derived_id(key, &[device, id, "appeared", &hash, "first"]))),
            Some(h) if h.removed_us.is_some() => {
                let since = h.removed_us.unwrap_or_default().to_string();
                Some(("appeared", derived_id(key, &[device, id, "appeared", &hash, &since])))
            }
            Some(h) if h.hash != hash => Some((
                "changed",
                derived_id(key, &[device, id, "changed", &h.hash, &hash, &h.changed_us.to_string()]),
            )),
            Some(_) => None,
        };
        if let Some((change, event_id)) = change {
            let mut e = artifact_event(device, now, change, artifact, event_id);
            e.detail = json!({
                "origin": "server",
                "change": change,
                "artifact": artifact,
                "hash": hash,
                "previous_hash": held.get(id).map(|h| h.hash.clone()),
            });
            plan.events.push(seal(e));
            match change {
                "appeared" => plan.report.appeared += 1,
                _ => plan.report.changed += 1,
            }
        }
        plan.artifacts.push(((*artifact).clone(), hash));
    }
    plan.report.artifacts = plan.artifacts.len() as u64;
    // Disappeared: held as present, absent from the snapshot.
    let gone: Vec<(String, String, i64)> = held
        .iter()
        .filter(|(id, h)| h.removed_us.is_none() && !seen.contains_key(*id))
        .map(|(id, h)| (id.clone(), h.hash.clone(), h.changed_us))
        .collect();
    for (id, hash, changed_us) in gone {
        let rows = conn.query(
            "SELECT kind, client, name, scope, source, identity FROM fleet_inventory WHERE device = $1 AND artifact = $2",
            &[device.into(), id.as_str().into()],
        )?;
        let Some(row) = rows.first() else { continue };
        let text = |i: usize| row.get(i).and_then(Val::text).unwrap_or_default().to_owned();
        let mut e = event(
            device,
            now,
            EventKind::InventoryChange,
            derived_id(key, &[device, &id, "disappeared", &hash, &changed_us.to_string()]),
        );
        e.agent = Some(text(1));
        e.tool = Some(text(2));
        e.classes = vec![text(0)];
        e.rule = Some("inventory.disappeared".into());
        e.paths = vec![PathTarget { path: text(4), access: Access::Read }];
        e.reason = Some(format!(
            "{} {} ({}, {} scope) disappeared from {}",
            text(0),
            text(2),
            text(1),
            text(3),
            text(4)
        ));
        e.detail = json!({
            "origin": "server", "change": "disappeared", "artifact_id": id, "previous_hash": hash,
            "identity": text(5),
        });
        plan.events.push(seal(e));
        plan.report.disappeared += 1;
        plan.removed.push(id);
    }
    plan_drift(conn, &mut plan, scan, now, key)?;
    Ok(plan)
}

fn plan_drift(
    conn: &mut Conn,
    plan: &mut Plan,
    scan: &ScanReport,
    now: OffsetDateTime,
    key: &str,
) -> Result<(), ServerError> {
    let device = plan.device.clone();
    let mut open = HashMap::new();
    // When each fingerprint was last resolved: a finding that returns is a new opening.
    let mut resolved_at = HashMap::new();
    for row in conn.query(
        "SELECT fingerprint, status, kind, client, name, first_seen_us, resolved_us FROM fleet_drift \
         WHERE device = $1",
        &[device.as_str().into()],
    )? {
        let text = |i: usize| row.get(i).and_then(Val::text).unwrap_or_default().to_owned();
        match row.get(6).and_then(Val::int) {
            Some(resolved) => {
                resolved_at.insert(text(0), resolved);
            }
            None => {
                let first_seen = row.get(5).and_then(Val::int).unwrap_or(0);
                open.insert(text(0), (text(1), text(2), text(3), text(4), first_seen));
            }
        }
    }
    let mut current = BTreeMap::new();
    for finding in scan.drift.iter().flat_map(|d| d.findings()) {
        current.entry(finding.fingerprint.clone()).or_insert(finding);
    }
    for (fingerprint, finding) in &current {
        if !open.contains_key(fingerprint) {
            let status = finding.status.as_str();
            let mut e = event(
                &device,
                now,
                EventKind::Drift,
                derived_id(
                    key,
                    &[
                        &device,
                        fingerprint,
                        "drift-opened",
                        &resolved_at.get(fingerprint).map_or("first".to_owned(), |r| r.to_string()),
                    ],
                ),
            );
            e.agent = (!finding.client.is_empty()).then(|| finding.client.clone());
            e.tool = Some(finding.name.clone());
            e.classes = vec![finding.kind.as_str().to_owned()];
            e.rule = Some(format!("drift.{status}"));
            if let Some(source) = &finding.source {
                e.paths = vec![PathTarget { path: source.clone(), access: Access::Read }];
            }
            e.reason = Some(finding.message.clone());
            e.detail = json!({"origin": "server", "drift": finding});
            plan.events.push(seal(e));
            plan.report.drift_opened += 1;
        }
        plan.drift.push((*finding).clone());
    }
    for (fingerprint, (status, kind, client, name, first_seen_us)) in open {
        if current.contains_key(&fingerprint) {
            continue;
        }
        let mut e = event(
            &device,
            now,
            EventKind::Drift,
            derived_id(key, &[&device, &fingerprint, "drift-resolved", &first_seen_us.to_string()]),
        );
        e.agent = (!client.is_empty()).then_some(client);
        e.tool = Some(name.clone());
        e.classes = vec![kind.clone()];
        e.rule = Some("drift.resolved".into());
        e.reason = Some(format!("{status} {kind} {name}: no longer drifts"));
        e.detail = json!({"origin": "server", "fingerprint": fingerprint, "status": status,
                          "first_seen": rfc3339(first_seen_us)});
        plan.events.push(seal(e));
        plan.report.drift_resolved += 1;
        plan.resolved.push(fingerprint);
    }
    Ok(())
}

/// Writes the snapshot's state (after its events are stored), in one transaction.
pub fn commit(conn: &mut Conn, plan: &Plan) -> Result<(), ServerError> {
    conn.begin_write()?;
    let result = commit_inner(conn, plan);
    match result {
        Ok(()) => conn.batch("COMMIT"),
        Err(error) => {
            let _ = conn.batch("ROLLBACK");
            Err(error)
        }
    }
}

fn commit_inner(conn: &mut Conn, plan: &Plan) -> Result<(), ServerError> {
    let device = plan.device.as_str();
    let now = plan.now_us;
    for (artifact, hash) in &plan.artifacts {
        conn.execute(
            "INSERT INTO fleet_inventory (device, artifact, kind, client, name, scope, source, identity, hash, \
             first_seen_us, last_seen_us, changed_us, removed_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL) \
             ON CONFLICT (device, artifact) DO UPDATE SET kind = excluded.kind, client = excluded.client, \
             name = excluded.name, scope = excluded.scope, source = excluded.source, identity = excluded.identity, \
             changed_us = CASE WHEN fleet_inventory.hash <> excluded.hash OR fleet_inventory.removed_us IS NOT NULL \
                          THEN excluded.changed_us ELSE fleet_inventory.changed_us END, \
             hash = excluded.hash, last_seen_us = excluded.last_seen_us, removed_us = NULL",
            &[
                device.into(),
                artifact.id.as_str().into(),
                artifact.kind.as_str().into(),
                artifact.client.as_str().into(),
                artifact.name.as_str().into(),
                artifact.scope.as_str().into(),
                artifact.source.as_str().into(),
                artifact.identity.as_str().into(),
                hash.as_str().into(),
                now.into(),
                now.into(),
                now.into(),
            ],
        )?;
    }
    for id in &plan.removed {
        conn.execute(
            "UPDATE fleet_inventory SET removed_us = $1 WHERE device = $2 AND artifact = $3 AND removed_us IS NULL",
            &[now.into(), device.into(), id.as_str().into()],
        )?;
    }
    for finding in &plan.drift {
        conn.execute(
            "INSERT INTO fleet_drift (device, fingerprint, status, kind, client, name, message, first_seen_us, \
             last_seen_us, resolved_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL) \
             ON CONFLICT (device, fingerprint) DO UPDATE SET last_seen_us = excluded.last_seen_us, \
             message = excluded.message, \
             first_seen_us = CASE WHEN fleet_drift.resolved_us IS NULL THEN fleet_drift.first_seen_us \
                             ELSE excluded.first_seen_us END, resolved_us = NULL",
            &[
                device.into(),
                finding.fingerprint.as_str().into(),
                finding.status.as_str().into(),
                finding.kind.as_str().into(),
                finding.client.as_str().into(),
                finding.name.as_str().into(),
                finding.message.as_str().into(),
                now.into(),
                now.into(),
            ],
        )?;
    }
    for fingerprint in &plan.resolved {
        conn.execute(
            "UPDATE fleet_drift SET resolved_us = $1 WHERE device = $2 AND fingerprint = $3 AND resolved_us IS NULL",
            &[now.into(), device.into(), fingerprint.as_str().into()],
        )?;
    }
    conn.execute(
        "UPDATE fleet_devices SET last_snapshot_us = $1, last_seen_us = $2 WHERE id = $3",
        &[now.into(), now.into(), device.into()],
    )?;
    Ok(())
}

/// Filters of the inventory listing.
#[derive(Debug, Clone, Default)]
pub struct InventoryFilter {
    pub device: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    /// Include artifacts that disappeared.
    pub include_removed: bool,
}

/// The fleet's inventory: one row per device and artifact, oldest first sighting first.
pub fn list(conn: &mut Conn, filter: &InventoryFilter, limit: i64) -> Result<Vec<HeldArtifact>, ServerError> {
    let mut sql =
        "SELECT device, artifact, kind, client, name, scope, source, identity, hash, first_seen_us, \
                   last_seen_us, changed_us, removed_us FROM fleet_inventory WHERE 1 = 1"
            .to_owned();
    let mut params: Vec<Val> = Vec::new();
    for (column, value) in [("device", &filter.device), ("kind", &filter.kind), ("name", &filter.name)] {
        if let Some(value) = value {
            params.push(value.as_str().into());
            sql.push_str(&format!(" AND {column} = ${}", params.len()));
        }
    }
    if !filter.include_removed {
        sql.push_str(" AND removed_us IS NULL");
    }
    params.push(limit.into());
    sql.push_str(&format!(" ORDER BY first_seen_us, device, artifact LIMIT ${}", params.len()));
    let rows = conn.query(&sql, &params)?;
    Ok(rows
        .iter()
        .map(|row| {
            let text = |i: usize| row.get(i).and_then(Val::text).unwrap_or_default().to_owned();
            let int = |i: usize| row.get(i).and_then(Val::int);
            HeldArtifact {
                device: text(0),
                artifact: text(1),
                kind: text(2),
                client: text(3),
                name: text(4),
                scope: text(5),
                source: text(6),
                identity: text(7),
                hash: text(8),
                first_seen: int(9).map(rfc3339).unwrap_or_default(),
                last_seen: int(10).map(rfc3339).unwrap_or_default(),
                changed: int(11).map(rfc3339).unwrap_or_default(),
                removed: int(12).map(rfc3339),
            }
        })
        .collect())
}

/// Drift findings per device (open ones, or all with `include_resolved`).
pub fn drift(
    conn: &mut Conn,
    device: Option<&str>,
    include_resolved: bool,
) -> Result<Vec<HeldDrift>, ServerError> {
    let mut sql =
        "SELECT device, fingerprint, status, kind, client, name, message, first_seen_us, last_seen_us, \
                   resolved_us FROM fleet_drift WHERE 1 = 1"
            .to_owned();
    let mut params: Vec<Val> = Vec::new();
    if let Some(device) = device {
        params.push(device.into());
        sql.push_str(" AND device = $1");
    }
    if !include_resolved {
        sql.push_str(" AND resolved_us IS NULL");
    }
    sql.push_str(" ORDER BY first_seen_us, device, fingerprint");
    let rows = conn.query(&sql, &params)?;
    Ok(rows
        .iter()
        .map(|row| {
            let text = |i: usize| row.get(i).and_then(Val::text).unwrap_or_default().to_owned();
            let int = |i: usize| row.get(i).and_then(Val::int);
            HeldDrift {
                device: text(0),
                fingerprint: text(1),
                status: text(2),
                kind: text(3),
                client: text(4),
                name: text(5),
                message: text(6),
                first_seen: int(7).map(rfc3339).unwrap_or_default(),
                last_seen: int(8).map(rfc3339).unwrap_or_default(),
                resolved: int(9).map(rfc3339),
            }
        })
        .collect())
}
