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

use crate::{Finding, Origin, StoreError};

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

impl Row {
    /// The stored value of scalar `field` (a column of `events`).
    pub fn scalar(&self, field: Field) -> Option<&str> {
        let index = Field::scalars().position(|f| f == field)?;
        self.scalars.get(index)?.as_deref()
    }

    /// What a tag row of `field` carries besides its value: the event's agent and device on
    /// `class` rows (the credential question is answered from those rows alone), nothing on
    /// the others.
    pub fn tag_extras(&self, field: &str) -> (Option<&str>, Option<&str>) {
        if field == Field::Class.name() {
            (self.scalar(Field::Agent), self.scalar(Field::Device))
        } else {
            (None, None)
        }
    }
}

/// Builds the row of `event`, serializing it once: the canonical JSON without `hash` is both
/// what the hash is recomputed over and the stored body (the claimed hash has its own column and
/// is put back on read), so ingest writes each event's bytes a single time.
pub(crate) fn row(event: &Event) -> Result<Row, StoreError> {
    // Both stores keep seq as a signed 64-bit integer; a larger one would wrap, not fail.
    if i64::try_from(event.seq).is_err() {
        return Err(StoreError::Other(format!(
            "event {}: seq {} is out of range (at most {})",
            event.id,
            event.seq,
            i64::MAX
        )));
    }
    let canonical = chain::canonical_event(event)?;
    let computed_hash = chain::hash_canonical(&canonical);
    let raw = String::from_utf8(canonical)
        .map_err(|e| StoreError::Other(format!("canonical JSON is not UTF-8: {e}")))?;
    let scalars = Field::scalars().map(|f| f.scalar(event).map(|v| stored_text(v).into_owned())).collect();
    let mut tags: Vec<(&'static str, String)> = Vec::new();
    for field in Field::sets() {
        let mut seen = HashSet::new();
        for value in field.set(event) {
            // Two values can store the same (NUL becomes U+FFFD): one tag row for both.
            let stored = stored_text(&value).into_owned();
            if seen.insert(stored.clone()) {
                tags.push((field.name(), stored));
            }
        }
    }
    Ok(Row {
        id: stored_text(&event.id).into_owned(),
        device: stored_text(&event.device).into_owned(),
        seq: event.seq,
        time_us: event.time.unix_micros(),
        // As every stored text (NUL is not PostgreSQL text): a claimed hash with NUL in it is
        // wrong anyway, and is kept and found wrong by the chain check on both stores alike.
        hash: stored_text(&event.hash).into_owned(),
        prev_hash: event.prev_hash.clone(),
        computed_hash,
        scalars,
        tags,
        raw,
    })
}

/// The path rows of a store written before [`crate::schema::PATH_VALUES_VERSION`] that are not
/// in the form ingest writes now: for each stored `(event key, time, path, the event's cwd)`, the
/// path's value when it differs ([`ward_query::path_form::path_value`], what [`Field::set`]
/// gives: canonical, without case), as `(key, time, stored path, value)`. `stored` is
/// streamed (a server's store holds a path row per tool call); only the rows to rewrite are kept.
/// `from_version_7`: the store holds version 7's canonical forms, whose only relative values
/// beside a rooted `cwd` lost the hook's unknown-place mark
/// ([`ward_query::path_form::restore_unknown_place`]); before version 7 such a value is a path
/// as spelled.
pub(crate) fn paths_to_rewrite(
    stored: impl IntoIterator<Item = Result<(i64, i64, String, Option<String>), StoreError>>,
    from_version_7: bool,
) -> Result<Vec<(i64, i64, String, String)>, StoreError> {
    use ward_query::path_form::{path_value, restore_unknown_place};
    let mut rewrites = Vec::new();
    for row in stored {
        let (key, time_us, path, cwd) = row?;
        let restored = from_version_7.then(|| restore_unknown_place(&path, cwd.as_deref())).flatten();
        let value = path_value(restored.as_deref().unwrap_or(&path), cwd.as_deref());
        let value = stored_text(&value).into_owned();
        if value != path {
            rewrites.push((key, time_us, path, value));
        }
    }
    Ok(rewrites)
}

/// Batches at least this large are prepared on several threads: serializing, canonicalizing and
/// hashing is about half of a large batch's ingest CPU, and it is independent per event.
const PARALLEL_ROWS: usize = 512;

/// The rows of a batch, each event serialized once. Large batches are split across the machine's
/// cores (scoped threads, results in event order): the writer itself is single-threaded, so
/// without this a 2-core server inserts at the speed of one.
pub(crate) fn rows(events: &[Event]) -> Result<Vec<Row>, StoreError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || events.len() < PARALLEL_ROWS {
        return events.iter().map(row).collect();
    }
    let chunk = events.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut chunks = events.chunks(chunk);
        let first = chunks.next().unwrap_or(&[]);
        let others: Vec<_> = chunks
            .map(|part| scope.spawn(move || part.iter().map(row).collect::<Result<Vec<Row>, StoreError>>()))
            .collect();
        let mut all = Vec::with_capacity(events.len());
        for event in first {
            all.push(row(event)?);
        }
        for handle in others {
            let part = handle
                .join()
                .map_err(|_| StoreError::Other("a thread preparing events panicked".into()))??;
            all.extend(part);
        }
        Ok(all)
    })
}

/// An event's identity for idempotent ingest: its id and its time. A re-sent event carries both
/// unchanged; both stores look duplicates up by this pair (PostgreSQL's unique key must include
/// the partition key, and SQLite uses the same key so the two stores agree).
pub(crate) type Identity = (String, i64);

/// A device's chain state as stored: the position its chain continues from, and the highest
/// seq ever received from it (`None` on rows written before schema version 3).
#[derive(Debug, Clone)]
pub(crate) struct Position {
    pub seq: u64,
    pub hash: String,
    pub max_seq: Option<u64>,
}

/// Which rows of a batch ingest looks up among the stored identities before inserting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Only the rows that can be a re-send ([`may_be_stored`]). A device ships each event once
    /// and re-sends only what it is not sure was stored, so almost every row of a batch is new,
    /// and a lookup per row was ~8% of SQLite's ingest. A row skipped here that is stored after
    /// all (another device's event id, forged) makes the insert meet the unique key: the store
    /// rolls the batch back and runs it again with [`Probe::All`], so results never depend on
    /// the guess.
    Likely,
    /// Every row.
    All,
}

/// True when `row` may already be stored, judging by its device's stored state: an event the
/// server derived (seq 0, no chain), a device with no recorded highest seq (rows from before
/// schema version 3), or a seq at or below the highest received. A device never seen and a seq
/// beyond the highest are new unless an id is forged, which the unique key catches.
pub(crate) fn may_be_stored(row: &Row, positions: &HashMap<String, Position>) -> bool {
    row.seq == 0 || positions.get(&row.device).is_some_and(|p| p.max_seq.is_none_or(|max| row.seq <= max))
}

/// The rows of a batch to look up among the stored identities under `probe`.
pub(crate) fn to_probe<'a>(
    rows: &'a [Row],
    positions: &'a HashMap<String, Position>,
    probe: Probe,
) -> impl Iterator<Item = &'a Row> + 'a {
    rows.iter().filter(move |row| probe == Probe::All || may_be_stored(row, positions))
}

/// What storing one batch came to, in either store.
pub(crate) enum Outcome {
    Stored(crate::IngestReport),
    /// A row that [`Probe::Likely`] did not look up was stored already (the events' unique key
    /// refused it): the batch's transaction or savepoint must be rolled back and the batch run
    /// again with [`Probe::All`].
    Collided,
}

/// Every row was looked up and an insert still met the unique key: another transaction stored
/// the same event id meanwhile (two devices sending one forged id at once). The sender retries.
pub(crate) fn collided_after_lookup() -> StoreError {
    StoreError::Other("an event's id was stored by a concurrent batch; send the batch again".into())
}

/// The batch after deduplication and chain checks: rows to insert, findings, and what each
/// device's row becomes.
pub(crate) struct Plan<'a> {
    pub rows: Vec<&'a Row>,
    pub findings: Vec<Finding>,
    pub duplicates: u64,
    /// One per device of the batch that has a chain position (new or stored), sorted by device.
    pub devices: Vec<DeviceUpdate<'a>>,
}

/// A device's row after a batch: its chain position, events added, the highest seq received,
/// findings added, and (for the batch's sender) when it was seen and its agent version.
pub(crate) struct DeviceUpdate<'a> {
    pub device: &'a str,
    pub seq: u64,
    pub hash: String,
    pub added: u64,
    pub max_seq: u64,
    pub findings: u64,
    pub seen_us: Option<i64>,
    pub version: Option<&'a str>,
}

impl Plan<'_> {
    /// What the batch did, once its rows are stored: both stores answer with it.
    pub fn into_report(self) -> crate::IngestReport {
        crate::IngestReport {
            inserted: self.rows.len() as u64,
            duplicates: self.duplicates,
            heads: self.devices.iter().map(|d| (d.device.to_owned(), d.seq, d.hash.clone())).collect(),
            findings: self.findings,
        }
    }
}

/// Checks a batch: `stored` holds the identities already stored (with their hash), `positions`
/// each device's stored chain position (loaded once per batch, set-based, by the store). The
/// chain is verified in memory with the resumable cursor.
pub(crate) fn plan<'a>(
    rows: &'a [Row],
    stored: &HashMap<Identity, String>,
    positions: &HashMap<String, Position>,
    origin: Option<Origin<'a>>,
) -> Plan<'a> {
    let mut plan = Plan {
        rows: Vec::with_capacity(rows.len()),
        findings: Vec::new(),
        duplicates: 0,
        devices: Vec::new(),
    };
    // Per device: cursor, events added, highest seq received, findings added.
    let mut cursors: HashMap<&'a str, (ChainCursor, u64, u64, u64)> = HashMap::new();
    let mut seen: HashSet<(&'a str, i64)> = HashSet::with_capacity(rows.len());
    for row in rows {
        if row.seq > 0 {
            if let Some(position) = positions.get(&row.device) {
                let entry = cursors
                    .entry(row.device.as_str())
                    .or_insert_with(|| (ChainCursor::at(position.seq, position.hash.clone()), 0, 0, 0));
                entry.2 = entry.2.max(row.seq);
            }
        }
        let identity = (row.id.clone(), row.time_us);
        if let Some(stored_hash) = stored.get(&identity) {
            plan.duplicates += 1;
            if *stored_hash != row.hash {
                plan.findings.push(Finding {
                    device: row.device.clone(),
                    seq: row.seq,
                    kind: "conflict".to_owned(),
                    message: "an event with this id is already stored with different content".to_owned(),
                    event_id: row.id.clone(),
                });
                if let Some(entry) = cursors.get_mut(row.device.as_str()) {
                    entry.3 += 1;
                }
            }
            continue;
        }
        if !seen.insert((row.id.as_str(), row.time_us)) {
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
        let (cursor, added, max_seq, findings) =
            cursors.entry(row.device.as_str()).or_insert_with(|| (ChainCursor::default(), 0, 0, 0));
        *max_seq = (*max_seq).max(row.seq);
        for finding in cursor.check_parts(row.seq, &row.prev_hash, &row.hash, &row.computed_hash) {
            plan.findings.push(Finding {
                device: row.device.clone(),
                seq: finding.seq,
                kind: finding.kind.as_str().to_owned(),
                message: finding.message,
                event_id: row.id.clone(),
            });
            *findings += 1;
        }
        *added += 1;
        plan.rows.push(row);
    }
    let mut devices: Vec<DeviceUpdate<'a>> = cursors
        .into_iter()
        .map(|(device, (cursor, added, max_seq, findings))| {
            let origin = origin.filter(|o| o.device == device);
            DeviceUpdate {
                device,
                seq: cursor.seq,
                hash: cursor.hash,
                added,
                max_seq,
                findings,
                seen_us: origin.map(|o| o.seen_us),
                version: origin.and_then(|o| o.version),
            }
        })
        .collect();
    devices.sort_unstable_by(|a, b| a.device.cmp(b.device));
    plan.devices = devices;
    plan
}

/// The distinct devices of a batch, sorted (the order PostgreSQL takes their locks in).
pub(crate) fn devices(rows: &[Row]) -> Vec<&str> {
    let mut devices: Vec<&str> = rows.iter().map(|r| r.device.as_str()).collect();
    devices.sort_unstable();
    devices.dedup();
    devices
}

/// Rebuilds a stored event: its body (canonical JSON without `hash`; rows written before schema
/// version 2 still carry it) and the claimed hash from its column.
pub(crate) fn event_from_raw(raw: &str, hash: &str) -> Result<Event, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { id: String::new(), reason };
    let mut object: serde_json::Map<String, Value> =
        serde_json::from_str(raw).map_err(|e| corrupt(e.to_string()))?;
    object.insert("hash".to_owned(), Value::String(hash.to_owned()));
    Event::from_object(object).map_err(corrupt)
}
