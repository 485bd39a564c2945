//! The embedded SQLite store: one file (WAL mode), the default for one machine and for a small
//! fleet server.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration as StdDuration;

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, TransactionBehavior};
use time::{Duration, OffsetDateTime};
use ward_model::Event;
use ward_query::sql::{self, Dialect, SqlParam};
use ward_query::{Field, Query};

use crate::ingest::{self, scalar_columns};
use crate::schema::SQLITE_MIGRATIONS;
use crate::{CountRow, Finding, IngestReport, RetentionReport, Store, StoreError};

/// Rows deleted per retention transaction: small enough that an insert waits milliseconds.
pub const RETENTION_BATCH: i64 = 5_000;

pub struct SqliteStore {
    connection: Connection,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and runs pending migrations.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Other(format!("cannot create {}: {e}", parent.display())))?;
        }
        let connection = Connection::open(path)?;
        SqliteStore::with_connection(connection)
    }

    /// An in-memory store (tests, benchmarks).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(connection: Connection) -> Result<SqliteStore, StoreError> {
        connection.busy_timeout(StdDuration::from_secs(10))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        let mut store = SqliteStore { connection };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        self.connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_us INTEGER NOT NULL)",
        )?;
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 =
            transaction
                .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
        let known = SQLITE_MIGRATIONS.last().map_or(0, |(v, _)| *v);
        if current > known {
            return Err(StoreError::SchemaTooNew { found: current, known });
        }
        for (version, migration) in SQLITE_MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            transaction.execute_batch(migration)?;
            transaction.execute(
                "INSERT INTO schema_migrations (version, applied_us) VALUES (?1, ?2)",
                params![version, now_us()],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// Runs `sql` with its parameters, mapping each row.
    fn rows<T>(
        &self,
        sql: &sql::Sql,
        mut map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut statement = self.connection.prepare_cached(&sql.text)?;
        let params = sql.params.iter().map(|p| match p {
            SqlParam::Text(text) => rusqlite::types::Value::Text(text.clone()),
            SqlParam::Int(int) => rusqlite::types::Value::Integer(*int),
        });
        let rows = statement.query_map(params_from_iter(params), |row| map(row))?;
        Ok(rows.collect::<Result<Vec<T>, _>>()?)
    }
}

pub(crate) fn now_us() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000) as i64
}

impl Store for SqliteStore {
    fn ingest(&mut self, events: &[Event]) -> Result<IngestReport, StoreError> {
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stored = HashMap::new();
        {
            let mut lookup = transaction.prepare_cached("SELECT hash FROM events WHERE \"id\" = ?1")?;
            for event in events {
                if let Some(hash) = lookup.query_row([&event.id], |r| r.get::<_, String>(0)).optional()? {
                    stored.insert(event.id.clone(), hash);
                }
            }
        }
        let plan = {
            let mut position =
                transaction.prepare_cached("SELECT last_seq, last_hash FROM devices WHERE device = ?1")?;
            ingest::plan(events, &stored, |device| {
                Ok(position
                    .query_row([device], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?)))
                    .optional()?)
            })?
        };
        {
            let columns = scalar_columns();
            let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            let placeholders: Vec<String> = (0..columns.len()).map(|i| format!("?{}", i + 4)).collect();
            let insert_sql = format!(
                "INSERT INTO events (time_us, seq, hash, {}) VALUES (?1, ?2, ?3, {})",
                quoted.join(", "),
                placeholders.join(", ")
            );
            let mut body = transaction
                .prepare_cached("INSERT INTO event_bodies (pk, time_us, raw) VALUES (?1, ?2, ?3)")?;
            let mut insert = transaction.prepare_cached(&insert_sql)?;
            let mut tag = transaction.prepare_cached(
                "INSERT INTO event_tags (event_pk, time_us, field, value) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for row in &plan.rows {
                let mut values: Vec<rusqlite::types::Value> =
                    vec![row.time_us.into(), (row.seq as i64).into(), row.hash.clone().into()];
                values.extend(row.scalars.iter().map(|v| match v {
                    Some(text) => rusqlite::types::Value::Text(text.clone()),
                    None => rusqlite::types::Value::Null,
                }));
                insert.execute(params_from_iter(values))?;
                let pk = transaction.last_insert_rowid();
                body.execute(params![pk, row.time_us, row.raw])?;
                for (field, value) in &row.tags {
                    tag.execute(params![pk, row.time_us, field, value])?;
                }
            }
            let mut finding = transaction.prepare_cached(
                "INSERT INTO findings (device, seq, kind, message, event_id, detected_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let detected = now_us();
            for f in &plan.findings {
                finding.execute(params![f.device, f.seq as i64, f.kind, f.message, f.event_id, detected])?;
            }
            let mut device = transaction.prepare_cached(
                "INSERT INTO devices (device, last_seq, last_hash, events) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (device) DO UPDATE SET last_seq = excluded.last_seq, \
                 last_hash = excluded.last_hash, events = devices.events + excluded.events",
            )?;
            for (name, (cursor, added)) in &plan.positions {
                device.execute(params![name, cursor.seq as i64, cursor.hash, *added as i64])?;
            }
        }
        transaction.commit()?;
        Ok(IngestReport {
            inserted: plan.rows.len() as u64,
            duplicates: plan.duplicates,
            findings: plan.findings,
        })
    }

    fn events(&mut self, query: &Query, now: OffsetDateTime, limit: u64) -> Result<Vec<Event>, StoreError> {
        let sql = sql::select_events(&query.expr, Dialect::Sqlite, now, limit);
        let raws = self.rows(&sql, |row| row.get::<_, String>(0))?;
        raws.iter().map(|raw| ingest::event_from_raw(raw)).collect()
    }

    fn count(&mut self, query: &Query, now: OffsetDateTime) -> Result<u64, StoreError> {
        let sql = sql::count(&query.expr, Dialect::Sqlite, now);
        Ok(self.rows(&sql, |row| row.get::<_, i64>(0))?.first().copied().unwrap_or(0) as u64)
    }

    fn count_by(
        &mut self,
        query: &Query,
        fields: &[Field],
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<CountRow>, StoreError> {
        let sql = sql::count_by(&query.expr, fields, Dialect::Sqlite, now, limit);
        self.rows(&sql, |row| {
            let values =
                (0..fields.len()).map(|i| row.get::<_, Option<String>>(i)).collect::<Result<_, _>>()?;
            Ok(CountRow { values, count: row.get::<_, i64>(fields.len())? as u64 })
        })
    }

    fn findings(&mut self, device: Option<&str>) -> Result<Vec<Finding>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT device, seq, kind, message, event_id FROM findings \
             WHERE ?1 IS NULL OR device = ?1 ORDER BY pk",
        )?;
        let rows = statement.query_map([device], |r| {
            Ok(Finding {
                device: r.get(0)?,
                seq: r.get::<_, i64>(1)? as u64,
                kind: r.get(2)?,
                message: r.get(3)?,
                event_id: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn chain_position(&mut self, device: &str) -> Result<Option<(u64, String)>, StoreError> {
        Ok(self
            .connection
            .query_row("SELECT last_seq, last_hash FROM devices WHERE device = ?1", [device], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
            })
            .optional()?)
    }

    /// Deletes in batches of [`RETENTION_BATCH`], each its own short transaction, so inserts
    /// interleave instead of waiting for one long delete.
    fn retain(&mut self, now: OffsetDateTime, keep: Duration) -> Result<RetentionReport, StoreError> {
        let cutoff = ((now - keep).unix_timestamp_nanos() / 1_000) as i64;
        let mut report = RetentionReport::default();
        loop {
            let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let deleted = transaction.execute(
                "DELETE FROM events WHERE pk IN (SELECT pk FROM events WHERE time_us < ?1 LIMIT ?2)",
                params![cutoff, RETENTION_BATCH],
            )?;
            transaction.execute(
                "DELETE FROM event_tags WHERE rowid IN \
                 (SELECT rowid FROM event_tags WHERE time_us < ?1 LIMIT ?2)",
                params![cutoff, RETENTION_BATCH * 8],
            )?;
            transaction.execute(
                "DELETE FROM event_bodies WHERE pk IN (SELECT pk FROM event_bodies WHERE time_us < ?1 LIMIT ?2)",
                params![cutoff, RETENTION_BATCH],
            )?;
            transaction.commit()?;
            report.deleted_events += deleted as u64;
            if deleted == 0 {
                let left: i64 = self.connection.query_row(
                    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM event_tags WHERE time_us < ?1 LIMIT 1)) \
                     + (SELECT COUNT(*) FROM (SELECT 1 FROM event_bodies WHERE time_us < ?1 LIMIT 1))",
                    [cutoff],
                    |r| r.get(0),
                )?;
                if left == 0 {
                    break;
                }
            }
        }
        Ok(report)
    }

    fn analyze(&mut self) -> Result<(), StoreError> {
        self.connection.execute_batch("ANALYZE")?;
        Ok(())
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.connection.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}
