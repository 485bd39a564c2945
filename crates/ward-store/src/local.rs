//! The local index behind `ward audit query`: the spool, read incrementally into a SQLite store
//! under `$WARD_HOME/index/`. The spool stays the durable record; the index is a cache that can
//! be deleted at any time and is rebuilt by the next query. Reading takes a consistent view of
//! the spool without blocking hooks (`ward_audit::SpoolView`) and resumes from the position
//! recorded in the index.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ward_audit::read::LineEnd;
use ward_audit::{AuditError, SpoolView};
use ward_model::Event;

use crate::{SqliteStore, Store, StoreError};

/// Events ingested per transaction while indexing.
const BATCH: usize = 5_000;
const POSITION_KEY: &str = "spool_position";

/// Where the local index lives.
pub fn index_path(data_dir: &Path) -> PathBuf {
    data_dir.join("index").join("events.sqlite")
}

/// The end of the last spool line indexed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    segment: u64,
    offset: u64,
}

/// What an index update did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexUpdate {
    /// Events added to the index.
    pub indexed: u64,
    /// Spool lines that are not events (see `ward audit verify`).
    pub unreadable: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("cannot read the spool: {0}")]
    Spool(#[from] AuditError),
    #[error("local index {path}: {source}")]
    Store { path: PathBuf, source: StoreError },
}

/// Opens the local index (creating it) and brings it up to date with the spool.
pub fn open_updated(data_dir: &Path) -> Result<(SqliteStore, IndexUpdate), LocalError> {
    let path = index_path(data_dir);
    let wrap = |source: StoreError| LocalError::Store { path: path.clone(), source };
    if let Some(parent) = path.parent() {
        create_private_dir(parent)
            .map_err(|e| wrap(StoreError::Other(format!("cannot create {}: {e}", parent.display()))))?;
    }
    let mut store = SqliteStore::open(&path).map_err(wrap)?;
    let update = update(&mut store, data_dir).map_err(|e| match e {
        LocalError::Store { source, .. } => wrap(source),
        other => other,
    })?;
    Ok((store, update))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Indexes the spool lines appended since the recorded position.
pub fn update(store: &mut SqliteStore, data_dir: &Path) -> Result<IndexUpdate, LocalError> {
    let store_error = |source: StoreError| LocalError::Store { path: index_path(data_dir), source };
    let position: Position = store
        .meta(POSITION_KEY)
        .map_err(store_error)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let view = SpoolView::take(data_dir)?;
    let mut reader = view.reader_from(position.segment, position.offset);
    let mut update = IndexUpdate::default();
    let mut batch: Vec<Event> = Vec::with_capacity(BATCH);
    let mut reached = position;
    loop {
        let line = reader.next().transpose()?;
        let done = line.is_none();
        if let Some(line) = &line {
            if line.end == LineEnd::Torn {
                // A write in progress or a crash remnant: stop before it; the next run retries.
                break;
            }
            match line.event() {
                Ok(event) if line.end == LineEnd::Complete => batch.push(event),
                _ => update.unreadable += 1,
            }
            reached = Position { segment: line.segment, offset: line.offset + line.stored_len() };
        }
        if batch.len() >= BATCH || (done && !batch.is_empty()) {
            let report = store.ingest(&batch).map_err(store_error)?;
            update.indexed += report.inserted;
            batch.clear();
        }
        if batch.is_empty() && reached != position {
            let text = serde_json::to_string(&reached).unwrap_or_default();
            store.set_meta(POSITION_KEY, &text).map_err(store_error)?;
        }
        if done {
            break;
        }
    }
    if !batch.is_empty() {
        let report = store.ingest(&batch).map_err(store_error)?;
        update.indexed += report.inserted;
        let text = serde_json::to_string(&reached).unwrap_or_default();
        store.set_meta(POSITION_KEY, &text).map_err(store_error)?;
    }
    // After a large catch-up, refresh the planner's statistics so queries pick the indexes.
    if update.indexed >= 10_000 {
        store.analyze().map_err(store_error)?;
    }
    Ok(update)
}

/// Output formats of `ward audit query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// One `ward audit query` on this machine.
#[derive(Debug, Clone)]
pub struct LocalQuery {
    pub query: ward_query::Query,
    pub count_by: Vec<ward_query::Field>,
    pub format: Format,
    /// Events shown (default 50) or groups shown (default 1000).
    pub limit: Option<u64>,
}

/// Default number of events listed.
pub const DEFAULT_EVENT_LIMIT: u64 = 50;
/// Default number of groups listed with `--count-by`.
pub const DEFAULT_GROUP_LIMIT: u64 = 1_000;

/// Brings the local index up to date, runs the query and renders the answer.
pub fn answer(
    data_dir: &Path,
    request: &LocalQuery,
    now: time::OffsetDateTime,
) -> Result<String, LocalError> {
    let (mut store, _update) = open_updated(data_dir)?;
    let path = index_path(data_dir);
    let wrap = |source: StoreError| LocalError::Store { path: path.clone(), source };
    let text = &request.query.text;
    let total = store.count(&request.query, now).map_err(wrap)?;
    let rendered = if request.count_by.is_empty() {
        let limit = request.limit.unwrap_or(DEFAULT_EVENT_LIMIT);
        let events = store.events(&request.query, now, limit).map_err(wrap)?;
        match request.format {
            Format::Table => crate::render::events_table(&events, total),
            Format::Json => crate::render::events_json(text, &events, total).map_err(|e| wrap(e.into()))?,
            Format::Csv => crate::render::events_csv(&events),
        }
    } else {
        let limit = request.limit.unwrap_or(DEFAULT_GROUP_LIMIT);
        let rows = store.count_by(&request.query, &request.count_by, now, limit).map_err(wrap)?;
        match request.format {
            Format::Table => crate::render::counts_table(&request.count_by, &rows, total),
            Format::Json => crate::render::counts_json(text, &request.count_by, &rows, total)
                .map_err(|e| wrap(e.into()))?,
            Format::Csv => crate::render::counts_csv(&request.count_by, &rows),
        }
    };
    Ok(rendered)
}
