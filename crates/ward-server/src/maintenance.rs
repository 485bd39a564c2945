//! The server's own upkeep, on a thread of its own: retention (events older than the configured
//! number of days are removed: whole day partitions dropped on PostgreSQL, batched deletes on
//! SQLite) and, on PostgreSQL, the coming days' partitions created ahead of their first events.
//! It runs when the server starts and then every [`EVERY`]; several replicas may run it at once
//! (dropping a partition twice and deleting deleted rows are both no-ops).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};
use ward_store::{RetentionReport, Store};

use crate::metrics::Metrics;
use crate::ServerError;

/// How often maintenance runs after the first run at start. Retention is by day (the
/// PostgreSQL partition width), so once an hour keeps the store within an hour of its window.
pub const EVERY: StdDuration = StdDuration::from_secs(3600);

/// Retention as `ward serve --retention-days` sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Events older than this many days are removed.
    Days(u32),
    /// Nothing is removed (`--retention-days 0`).
    Forever,
}

impl Retention {
    /// The default of DESIGN.md: 90 days.
    pub const DEFAULT_DAYS: u32 = 90;

    pub fn from_days(days: u32) -> Retention {
        if days == 0 {
            Retention::Forever
        } else {
            Retention::Days(days)
        }
    }
}

/// One maintenance pass on `store`: partitions ahead, then retention. Returns what retention
/// removed (nothing for [`Retention::Forever`]).
pub fn run_once(
    store: &mut dyn Store,
    retention: Retention,
    now: OffsetDateTime,
) -> Result<RetentionReport, ServerError> {
    let failed = |e: ward_store::StoreError| ServerError::Database(format!("maintenance: {e}"));
    store.prepare_days(now).map_err(failed)?;
    match retention {
        Retention::Days(days) => store.retain(now, Duration::days(i64::from(days))).map_err(failed),
        Retention::Forever => Ok(RetentionReport::default()),
    }
}

/// The maintenance connection's SQLite page cache, in KiB: retention reads each old page once,
/// and the store's default cache (256 MiB) would only grow the server's memory by what it read.
const SQLITE_CACHE_KIB: i64 = 8 * 1024;

fn open(database: &str) -> Result<Box<dyn Store>, ServerError> {
    let failed = |e: ward_store::StoreError| ServerError::Database(format!("maintenance: {e}"));
    if crate::db::is_postgres(database) {
        return ward_store::open(database).map_err(failed);
    }
    let store = ward_store::SqliteStore::open(crate::db::sqlite_path(database)).map_err(failed)?;
    store.set_cache_kib(SQLITE_CACHE_KIB).map_err(failed)?;
    Ok(Box::new(store))
}

/// Starts the maintenance thread on its own connection to `database`. A failed pass is counted
/// (`ward_maintenance_failures_total`), reported on stderr and tried again at the next one; the
/// connection is opened again after a failure.
pub fn start(database: String, retention: Retention, metrics: Arc<Metrics>) -> Result<(), ServerError> {
    std::thread::Builder::new()
        .name("ward-maintenance".into())
        .spawn(move || {
            let mut store: Option<Box<dyn Store>> = None;
            loop {
                let pass = (|| {
                    let store = match &mut store {
                        Some(store) => store,
                        None => store.insert(open(&database)?),
                    };
                    run_once(store.as_mut(), retention, OffsetDateTime::now_utc())
                })();
                match pass {
                    Ok(report) => {
                        Metrics::add(&metrics.maintenance_runs, 1);
                        Metrics::add(&metrics.retention_deleted_events, report.deleted_events);
                        Metrics::add(&metrics.retention_dropped_partitions, report.dropped_partitions);
                    }
                    Err(error) => {
                        Metrics::add(&metrics.maintenance_failures, 1);
                        eprintln!("ward serve: {error} (tried again in {} minutes)", EVERY.as_secs() / 60);
                        store = None;
                    }
                }
                std::thread::sleep(EVERY);
            }
        })
        .map(|_| ())
        .map_err(|e| ServerError::Internal(format!("cannot start the maintenance thread: {e}")))
}
