//! Event stores: SQLite (the embedded default) and PostgreSQL behind one trait, with versioned
//! migrations, idempotent ingest with per-device chain checks, and retention. Never linked by the
//! hook's start-up path.
//!
//! The trait is synchronous (`rusqlite`, `postgres`): the CLI needs no runtime, and the fleet
//! server (tokio/axum) calls a store from `tokio::task::spawn_blocking`, one store (one
//! connection) per worker — never from inside an async task, where the `postgres` client's own
//! runtime would panic.
#![forbid(unsafe_code)]

pub mod generate;
mod ingest;
pub mod local;
#[cfg(feature = "postgres")]
mod pgcopy;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod render;
pub mod schema;
pub mod sqlite;
#[cfg(feature = "postgres")]
pub mod throwaway;
pub mod wal;

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use ward_model::Event;
use ward_query::{Field, Query};

#[cfg(feature = "postgres")]
pub use crate::postgres::PostgresStore;
pub use crate::sqlite::SqliteStore;

/// Events are kept this long unless configured otherwise.
pub const DEFAULT_RETENTION: Duration = Duration::days(90);

/// Failure of a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[cfg(feature = "postgres")]
    #[error("PostgreSQL: {}", postgres_message(.0))]
    Postgres(#[from] ::postgres::Error),
    #[error("the store's schema is version {found}, newer than this Ward knows ({known}); upgrade Ward")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the PostgreSQL server is version {found}; Ward needs PostgreSQL {MINIMUM_POSTGRES} or later")]
    PostgresTooOld { found: String },
    #[error("cannot serialize an event: {0}")]
    Serialize(#[from] serde_json::Error),
    #[error("stored event {id} is unreadable: {reason}")]
    Corrupt { id: String, reason: String },
    #[error("{0}")]
    Other(String),
}

/// The oldest PostgreSQL major version the store runs on: `COPY … WHERE` (12) is how it inserts
/// (`postgres::ROW_AT_A_TIME`); `INCLUDE` indexes and default partitions need 11.
pub const MINIMUM_POSTGRES: u32 = 12;

#[cfg(feature = "postgres")]
/// A PostgreSQL error with the server's message and detail (the client's own `Display` says
/// only "db error").
pub(crate) fn postgres_message(error: &::postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{}: {}", db.severity(), db.message());
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            text
        }
        None => error.to_string(),
    }
}

/// What one `ingest` call did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Events stored now.
    pub inserted: u64,
    /// Events already stored (same id): skipped, as idempotent ingest requires.
    pub duplicates: u64,
    /// Chain problems found in this batch (also stored).
    pub findings: Vec<Finding>,
    /// The chain position of each device of the batch once it is stored, by device (read inside
    /// the ingest transaction, so a caller needs no second query for it).
    #[serde(skip)]
    pub heads: Vec<(String, u64, String)>,
}

impl IngestReport {
    /// `device`'s chain position after the batch: `(last seq, last hash)`.
    pub fn head(&self, device: &str) -> Option<(u64, String)> {
        self.heads.iter().find(|(d, _, _)| d == device).map(|(_, seq, hash)| (*seq, hash.clone()))
    }
}

/// Who sent a batch, as the fleet server knows it: recorded on the device's row in the same
/// transaction as the batch (no second write per batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin<'a> {
    pub device: &'a str,
    /// When the server received the batch (µs since the epoch).
    pub seen_us: i64,
    /// The agent version the device reported, if any.
    pub version: Option<&'a str>,
}

/// A batch ready to store: each event serialized, canonicalized and hashed once
/// ([`Prepared::new`]), which a caller can do on its own thread before handing the batch to a
/// single writer.
pub struct Prepared {
    pub(crate) rows: Vec<ingest::Row>,
}

impl Prepared {
    /// Prepares `events`, a large batch on all cores (for a caller that then waits for it).
    pub fn new(events: &[Event]) -> Result<Prepared, StoreError> {
        Ok(Prepared { rows: ingest::rows(events)? })
    }

    /// Prepares `events` on the calling thread only: for a pipeline whose writer keeps a core
    /// busy meanwhile, where spreading one batch over every core takes CPU from the writer
    /// (measured in the store benchmark: 46.4k events/s against 43.7k with all cores).
    pub fn on_this_thread(events: &[Event]) -> Result<Prepared, StoreError> {
        Ok(Prepared { rows: events.iter().map(ingest::row).collect::<Result<_, _>>()? })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// One batch of a grouped ingest.
pub struct Batch<'a> {
    pub events: &'a Prepared,
    pub origin: Option<Origin<'a>>,
}

/// A chain problem found at ingest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub device: String,
    pub seq: u64,
    /// `gap`, `broken_link`, `bad_hash`, `restart`, `reordered`, or `conflict` (an id already
    /// stored with different content).
    pub kind: String,
    pub message: String,
    pub event_id: String,
}

/// One row of a `count_by` answer: the group's values (in the order asked; `None` where the
/// event lacks the field) and how many events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountRow {
    pub values: Vec<Option<String>>,
    pub count: u64,
}

/// What retention removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub deleted_events: u64,
    /// PostgreSQL: whole daily partitions dropped.
    pub dropped_partitions: u64,
}

/// One event store. Every query gives the same answer on every implementation (the differential
/// test holds them to it).
pub trait Store: Send {
    /// Stores `events` (any devices, in each device's order). Idempotent by event id; chain
    /// problems are stored as findings and returned. One transaction.
    fn ingest(&mut self, events: &[Event]) -> Result<IngestReport, StoreError> {
        let prepared = Prepared::new(events)?;
        let mut results = self.ingest_group(&[Batch { events: &prepared, origin: None }])?;
        results.pop().unwrap_or_else(|| Ok(IngestReport::default()))
    }

    /// Stores several batches in one transaction with one commit (group commit: one sync for
    /// many small batches). Each batch runs in its own savepoint and is checked against what
    /// the batches before it stored; a batch that fails is rolled back alone and gets its error,
    /// the others are kept. The outer error means nothing was committed. Every result holds only
    /// once this returns, i.e. after the commit: acknowledge nothing before.
    fn ingest_group(
        &mut self,
        batches: &[Batch<'_>],
    ) -> Result<Vec<Result<IngestReport, StoreError>>, StoreError>;

    /// Matching events, newest first, at most `limit`.
    fn events(&mut self, query: &Query, now: OffsetDateTime, limit: u64) -> Result<Vec<Event>, StoreError>;

    /// How many events match.
    fn count(&mut self, query: &Query, now: OffsetDateTime) -> Result<u64, StoreError>;

    /// Matching events counted by `fields`, largest groups first, at most `limit` rows.
    fn count_by(
        &mut self,
        query: &Query,
        fields: &[Field],
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<CountRow>, StoreError>;

    /// Stored findings, oldest first (of one device, or all).
    fn findings(&mut self, device: Option<&str>) -> Result<Vec<Finding>, StoreError>;

    /// A device's chain position: `(last seq, last hash)`.
    fn chain_position(&mut self, device: &str) -> Result<Option<(u64, String)>, StoreError>;

    /// Readies the store for the coming days' events: on PostgreSQL creates the day partitions
    /// of today and the next two, so the first events of a day do not wait for their creation
    /// (which locks the tables exclusively for a moment). SQLite has nothing to do. The fleet
    /// server calls it from its hourly maintenance.
    fn prepare_days(&mut self, now: OffsetDateTime) -> Result<(), StoreError> {
        let _ = now;
        Ok(())
    }

    /// Removes events older than `now - keep`.
    fn retain(&mut self, now: OffsetDateTime, keep: Duration) -> Result<RetentionReport, StoreError>;

    /// Refreshes the planner's statistics (after a large load; autovacuum and the local indexer
    /// do this in normal operation).
    fn analyze(&mut self) -> Result<(), StoreError>;

    /// Small persistent state (e.g. the local indexer's checkpoint).
    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;

    /// The newest matching events (at most `limit`) and how many match in all: one query when
    /// fewer than `limit` match (the listing is then the whole answer), two otherwise.
    fn events_and_total(
        &mut self,
        query: &Query,
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<(Vec<Event>, u64), StoreError> {
        let events = self.events(query, now, limit)?;
        let total = if (events.len() as u64) < limit { events.len() as u64 } else { self.count(query, now)? };
        Ok((events, total))
    }

    /// `count_by` and how many events match in all. When every field is a scalar each event
    /// falls in exactly one group, so unless the groups were cut at `limit` the total is their
    /// sum and the store is asked once (the credential question is one scan, not two).
    fn count_by_and_total(
        &mut self,
        query: &Query,
        fields: &[Field],
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<(Vec<CountRow>, u64), StoreError> {
        let rows = self.count_by(query, fields, now, limit)?;
        let scalar_only = fields.iter().all(|f| f.shape() == ward_query::Shape::Scalar);
        let total = if scalar_only && (rows.len() as u64) < limit {
            rows.iter().map(|r| r.count).sum()
        } else {
            self.count(query, now)?
        };
        Ok((rows, total))
    }
}

/// Opens the store a URL names: `postgres://…` / `postgresql://…` (or a libpq key=value string
/// starting with `host=`), else a SQLite file path (`sqlite://PATH` or a plain path).
pub fn open(url: &str) -> Result<Box<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("host=") {
        #[cfg(feature = "postgres")]
        return Ok(Box::new(PostgresStore::connect(url)?));
        #[cfg(not(feature = "postgres"))]
        return Err(StoreError::Other(
            "this build of Ward has no PostgreSQL support (feature `postgres`)".into(),
        ));
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        Ok(Box::new(SqliteStore::open(std::path::Path::new(path))?))
    }
}
