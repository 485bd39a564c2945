//! What both stores do the same way at ingest: turn an event into its row (indexed columns, set
//! values, verbatim canonical JSON, recomputed hash) and check each device's chain from its
//! stored position. Only the SQL differs per store.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use ward_audit::chain;
use ward_audit::cursor::ChainCursor;
use ward_model::Event;
use ward_query::field::stored_text;
use ward_query::Field;

use crate::{Finding, StoreError};

/// The scalar columns of `events`, in `Field::scalars()` order.
pub(crate) fn scalar_columns() -> Vec<&'static str> {
    Field::scalars().map(Field::name).collect()
}

/// One event as a row.
pub(crate) struct Row {
    pub id: String,
    pub device: String,
    pub seq: u64,
    pub time_us: i64,
    pub hash: String,
    pub prev_hash: String,
    pub computed_hash: String,
    /// Values of `Field::scalars()`, in order.
    pub scalars: Vec<Option<String>>,
    pub tags: Vec<(&'static str, String)>,
    pub raw: String,
}

pub(crate) fn row(event: &Event) -> Result<Row, StoreError> {
    let value = serde_json::to_value(event)?;
    let Value::Object(object) = value else {
        return Err(StoreError::Other("an event did not serialize to an object".into()));
    };
    let computed_hash = chain::hash_object(&object);
    let raw = String::from_utf8(chain::canonical_object(&object))
        .map_err(|e| StoreError::Other(format!("canonical JSON is not UTF-8: {e}")))?;
    let scalars = Field::scalars().map(|f| f.scalar(event).map(|v| stored_text(v).into_owned())).collect();
    let mut tags = Vec::new();
    for field in Field::sets() {
        for value in field.set(event) {
            tags.push((field.name(), stored_text(value).into_owned()));
        }
    }
    Ok(Row {
        id: stored_text(&event.id).into_owned(),
        device: stored_text(&event.device).into_owned(),
        seq: event.seq,
        time_us: event.time.unix_micros(),
        hash: event.hash.clone(),
        prev_hash: event.prev_hash.clone(),
        computed_hash,
        scalars,
        tags,
        raw,
    })
}

/// The batch after deduplication and chain checks: rows to insert, findings, and each device's
/// new position and added count.
pub(crate) struct Plan {
    pub rows: Vec<Row>,
    pub findings: Vec<Finding>,
    pub duplicates: u64,
    pub positions: HashMap<String, (ChainCursor, u64)>,
}

/// `stored` answers which ids are already stored (with their hash); `position` gives a device's
/// stored chain position.
pub(crate) fn plan(
    events: &[Event],
    stored: &HashMap<String, String>,
    mut position: impl FnMut(&str) -> Result<Option<(u64, String)>, StoreError>,
) -> Result<Plan, StoreError> {
    let mut plan = Plan { rows: Vec::new(), findings: Vec::new(), duplicates: 0, positions: HashMap::new() };
    let mut seen = HashSet::new();
    for event in events {
        let row = row(event)?;
        if let Some(stored_hash) = stored.get(&row.id) {
            plan.duplicates += 1;
            if *stored_hash != row.hash {
                plan.findings.push(Finding {
                    device: row.device.clone(),
                    seq: row.seq,
                    kind: "conflict".to_owned(),
                    message: "an event with this id is already stored with different content".to_owned(),
                    event_id: row.id.clone(),
                });
            }
            continue;
        }
        if !seen.insert(row.id.clone()) {
            plan.duplicates += 1;
            continue;
        }
        // Seq 0: an event the fleet server derived (an inventory change from a snapshot diff),
        // outside the device's own chain. Devices cannot send one: the server's ingest refuses
        // seq 0, so this never hides a device's event from the chain check.
        if row.seq == 0 {
            plan.rows.push(row);
            continue;
        }
        if !plan.positions.contains_key(&row.device) {
            let cursor = match position(&row.device)? {
                Some((seq, hash)) => ChainCursor::at(seq, hash),
                None => ChainCursor::default(),
            };
            plan.positions.insert(row.device.clone(), (cursor, 0));
        }
        if let Some((cursor, added)) = plan.positions.get_mut(&row.device) {
            for finding in cursor.check_parts(row.seq, &row.prev_hash, &row.hash, &row.computed_hash) {
                plan.findings.push(Finding {
                    device: row.device.clone(),
                    seq: finding.seq,
                    kind: finding.kind.as_str().to_owned(),
                    message: finding.message,
                    event_id: row.id.clone(),
                });
            }
            *added += 1;
        }
        plan.rows.push(row);
    }
    Ok(plan)
}

/// Parses stored JSON back into an event.
pub(crate) fn event_from_raw(raw: &str) -> Result<Event, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt { id: String::new(), reason: e.to_string() })
}
