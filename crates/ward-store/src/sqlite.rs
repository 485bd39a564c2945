//! The embedded SQLite store: one file (WAL mode), the default for one machine and for a small
//! fleet server.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use rusqlite::{params, params_from_iter, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use time::{Duration, OffsetDateTime};
use ward_model::Event;
use ward_query::sql::{self, Dialect, SqlParam};
use ward_query::{Field, Query};

use crate::ingest::{self, scalar_columns, Outcome, Position, Probe};
use crate::schema::{CANONICAL_PATHS_VERSION, FOLDED_PATHS_VERSION, PATH_VALUES_VERSION, SQLITE_MIGRATIONS};
use crate::wal::{Checkpointer, WalLimits};
use crate::{Batch, CountRow, Finding, IngestReport, RetentionReport, Store, StoreError};

/// Rows deleted per retention transaction: small enough that an insert waits milliseconds.
pub const RETENTION_BATCH: i64 = 5_000;
/// Retention's pause between two batches: longer than the longest sleep of SQLite's busy
/// handler (100 ms), so a writer waiting for the lock gets it between them.
const RETENTION_PAUSE: StdDuration = StdDuration::from_millis(150);
/// How long a connection waits for another's write lock before failing with "database is locked".
pub(crate) const BUSY_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// A listing walks the time index newest first only when more than this many events per row
/// asked for match: the walk then visits about `limit × events / matches` rows, a row lookup
/// each, which at this ratio costs about what one pass over the table and a sort of the matches
/// would (row lookups ~10× a sequential row; measured: `agent:x`, no match, 1.6–1.9 s walking
/// 500k events, 0.15 s in one pass).
const WALK_MATCHES_PER_LIMIT: u64 = 16;
/// SQLite page cache per connection, in KiB (256 MiB).
const CACHE_KIB: i64 = 256 * 1024;
/// WAL pages between automatic checkpoints (~64 MiB at 4 KiB pages).
const WAL_CHECKPOINT_PAGES: i64 = 16_384;

pub struct SqliteStore {
    connection: Connection,
    /// The database file (`None` in memory).
    path: Option<PathBuf>,
    /// WAL checkpoints off the commits, once [`SqliteStore::checkpoint_in_background`] is on.
    checkpoints: Option<Checkpointer>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and runs pending migrations.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Other(format!("cannot create {}: {e}", parent.display())))?;
        }
        SqliteStore::open_with_flags(path, OpenFlags::default())
    }

    /// The chain findings of this store counted by kind, leaving out a device's gap before the
    /// first event the store holds of it when that event comes right after `shipped_through` or
    /// earlier: on a machine's local index, history shipped and removed before the index was
    /// built (the spool's checkpoint). Every other finding (an edited event, a broken
    /// link, a deleted line in the middle, a restart) stays.
    pub fn findings_by_kind(&mut self, shipped_through: u64) -> Result<Vec<(String, u64)>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT f.kind, COUNT(*) FROM findings f \
             WHERE f.kind <> 'gap' OR f.seq > ?1 + 1 \
                OR EXISTS (SELECT 1 FROM events e WHERE e.\"device\" = f.device AND e.seq < f.seq) \
             GROUP BY f.kind ORDER BY f.kind",
        )?;
        let rows = statement.query_map([shipped_through as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The devices whose events the store holds.
    pub fn device_ids(&mut self) -> Result<Vec<String>, StoreError> {
        let mut statement = self.connection.prepare_cached("SELECT device FROM devices ORDER BY device")?;
        let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// As [`SqliteStore::open`], refusing a database file that is a symbolic link (SQLite's
    /// `SQLITE_OPEN_NOFOLLOW`): for a store in a directory another program could write.
    pub fn open_no_follow(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with_flags(path, OpenFlags::default() | OpenFlags::SQLITE_OPEN_NOFOLLOW)
    }

    fn open_with_flags(path: &Path, flags: OpenFlags) -> Result<SqliteStore, StoreError> {
        let mut store = SqliteStore::with_connection(Connection::open_with_flags(path, flags)?)?;
        store.path = Some(path.to_owned());
        Ok(store)
    }

    /// An in-memory store (tests, benchmarks).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(connection: Connection) -> Result<SqliteStore, StoreError> {
        connection.busy_timeout(BUSY_TIMEOUT)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL mode: a commit is atomic and consistent but the last transactions may
        // be lost on power failure (not on a crash of the process). Safe for the local index,
        // which is never the only copy (the spool is the durable record and the index is
        // rebuilt from it). For the fleet server a power loss can lose batches it acknowledged;
        // the device's next batch then shows them as a gap (docs/fleet.md, "Durability").
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        // A cache large enough for the hot index pages of a large store (an upper bound, not an
        // allocation): with the default 2 MiB every batch re-reads its index pages.
        connection.pragma_update(None, "cache_size", -(CACHE_KIB))?;
        connection.pragma_update(None, "temp_store", "MEMORY")?;
        // Fewer, larger checkpoints: each one writes and syncs the pages a batch touched.
        connection.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
        let mut store = SqliteStore { connection, path: None, checkpoints: None };
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
            if *version == PATH_VALUES_VERSION {
                rewrite_paths(&transaction, current)?;
            }
            transaction.execute(
                "INSERT INTO schema_migrations (version, applied_us) VALUES (?1, ?2)",
                params![version, now_us()],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// Moves WAL checkpoints off this connection's commits ([`crate::wal`]): SQLite's automatic
    /// checkpoint is turned off, a thread copies the WAL beside the commits, and ingest restarts
    /// the WAL itself before a commit once it holds `limits.hard` frames (and, when the caller
    /// says it is idle, `limits.soft`: [`SqliteStore::checkpoint_if_idle`]). For one writer
    /// ingesting continuously: the fleet server's writer, a bulk load. A store in memory has no
    /// WAL: nothing to do.
    pub fn checkpoint_in_background(&mut self, limits: WalLimits) -> Result<(), StoreError> {
        let Some(path) = &self.path else { return Ok(()) };
        let checkpoints = Checkpointer::start(path, limits)?;
        self.connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        crate::wal::watch_commits(&self.connection);
        self.checkpoints = Some(checkpoints);
        Ok(())
    }

    /// With checkpoints in the background: restarts the WAL now if it holds `limits.soft`
    /// frames or more (call it when nothing waits to be written). True when it did.
    pub fn checkpoint_if_idle(&self) -> bool {
        match &self.checkpoints {
            Some(checkpoints) if checkpoints.frames() >= checkpoints.limits.soft => {
                checkpoints.finish(&self.connection);
                true
            }
            _ => false,
        }
    }

    /// Sets this connection's page cache size in KiB (the store opens with 256 MiB).
    pub fn set_cache_kib(&self, kib: i64) -> Result<(), StoreError> {
        self.connection.pragma_update(None, "cache_size", -kib)?;
        Ok(())
    }

    /// The group in one transaction with no savepoints, betting every batch is stored whole
    /// without a collision: a savepoint costs every page a batch touches a copy into the
    /// statement journal (measured: 7-9% of a bulk load's writer time). `None`, with nothing stored, when the bet is lost: a batch failed
    /// or met a stored identity it did not look up; [`Self::ingest_group_batch_by_batch`] then
    /// runs the group again.
    fn ingest_group_at_once(
        &mut self,
        batches: &[Batch<'_>],
    ) -> Result<Option<Vec<Result<IngestReport, StoreError>>>, StoreError> {
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batches.len());
        for batch in batches {
            if batch.events.is_empty() {
                results.push(Ok(IngestReport::default()));
                continue;
            }
            match ingest_batch(&transaction, batch, Probe::Likely) {
                Ok(Outcome::Stored(report)) => results.push(Ok(report)),
                // Dropping the transaction rolls it back.
                Ok(Outcome::Collided) | Err(_) => return Ok(None),
            }
        }
        transaction.commit()?;
        Ok(Some(results))
    }

    /// The group in one transaction, each batch in a savepoint: a failing batch is rolled back
    /// alone and gets its error, and a batch that met a stored identity it did not look up runs
    /// again looking every row up.
    fn ingest_group_batch_by_batch(
        &mut self,
        batches: &[Batch<'_>],
    ) -> Result<Vec<Result<IngestReport, StoreError>>, StoreError> {
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batches.len());
        for batch in batches {
            if batch.events.is_empty() {
                results.push(Ok(IngestReport::default()));
                continue;
            }
            transaction.execute_batch("SAVEPOINT batch")?;
            let mut outcome = ingest_batch(&transaction, batch, Probe::Likely);
            if let Ok(Outcome::Collided) = outcome {
                transaction.execute_batch("ROLLBACK TO batch")?;
                outcome = ingest_batch(&transaction, batch, Probe::All);
            }
            match outcome {
                Ok(Outcome::Stored(report)) => {
                    transaction.execute_batch("RELEASE batch")?;
                    results.push(Ok(report));
                }
                // An error, or a collision after every row was looked up (another writer's,
                // which SQLite's one-writer lock rules out).
                failed => {
                    transaction.execute_batch("ROLLBACK TO batch; RELEASE batch")?;
                    results.push(Err(failed.err().unwrap_or_else(ingest::collided_after_lookup)));
                }
            }
        }
        transaction.commit()?;
        Ok(results)
    }

    /// The events a listing (`b.raw, m.hash` rows) returns.
    fn listed(&self, sql: &sql::Sql) -> Result<Vec<Event>, StoreError> {
        let raws = self.rows(sql, |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
        raws.iter().map(|(raw, hash)| ingest::event_from_raw(raw, hash)).collect()
    }

    /// `query` with the stored path globs its `path:` terms could name listed beside them
    /// ([`Query::with_globbed_paths`]): one read of their small index, only for a question
    /// about paths.
    fn globbed<'q>(&self, query: &'q Query) -> Result<Cow<'q, Query>, StoreError> {
        if !query.asks_about_paths() {
            return Ok(Cow::Borrowed(query));
        }
        let mut statement = self.connection.prepare_cached(sql::stored_path_globs(Dialect::Sqlite))?;
        let globs =
            statement.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(Cow::Owned(query.clone().with_globbed_paths(&globs)))
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
            SqlParam::TextList(texts) => rusqlite::types::Value::Text(json_array(texts)),
        });
        let rows = statement.query_map(params_from_iter(params), |row| map(row))?;
        Ok(rows.collect::<Result<Vec<T>, _>>()?)
    }
}

/// `texts` as a JSON array: a list parameter as SQLite's `json_each` reads it.
fn json_array(texts: &[String]) -> String {
    serde_json::Value::from(texts.to_vec()).to_string()
}

pub(crate) fn now_us() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000) as i64
}

/// Stores one batch inside the open transaction `transaction` (the caller wraps it in a
/// savepoint): chain-position and duplicate lookups, rows, findings, device rows.
fn ingest_batch(transaction: &Connection, batch: &Batch<'_>, probe: Probe) -> Result<Outcome, StoreError> {
    let rows = &batch.events.rows;
    // In-process lookups with cached statements: one B-tree probe each, no round trip, so a
    // per-row probe costs what a set-based query would.
    let mut positions = HashMap::new();
    {
        let mut position = transaction
            .prepare_cached("SELECT last_seq, last_hash, max_seq FROM devices WHERE device = ?1")?;
        for device in ingest::devices(rows) {
            if let Some(found) = position
                .query_row([device], |r| {
                    Ok(Position {
                        seq: r.get::<_, i64>(0)? as u64,
                        hash: r.get(1)?,
                        max_seq: r.get::<_, Option<i64>>(2)?.map(|m| m as u64),
                    })
                })
                .optional()?
            {
                positions.insert(device.to_owned(), found);
            }
        }
    }
    let mut stored = HashMap::new();
    {
        let mut lookup =
            transaction.prepare_cached("SELECT hash FROM events WHERE \"id\" = ?1 AND time_us = ?2")?;
        for row in ingest::to_probe(rows, &positions, probe) {
            if let Some(hash) =
                lookup.query_row(params![row.id, row.time_us], |r| r.get::<_, String>(0)).optional()?
            {
                stored.insert((row.id.clone(), row.time_us), hash);
            }
        }
    }
    let plan = ingest::plan(rows, &stored, &positions, batch.origin);
    {
        let columns = scalar_columns();
        let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        let placeholders: Vec<String> = (0..columns.len()).map(|i| format!("?{}", i + 4)).collect();
        let insert_sql = format!(
            "INSERT INTO events (time_us, seq, hash, {}) VALUES (?1, ?2, ?3, {}) \
             ON CONFLICT (\"id\", time_us) DO NOTHING",
            quoted.join(", "),
            placeholders.join(", ")
        );
        let mut body =
            transaction.prepare_cached("INSERT INTO event_bodies (pk, time_us, raw) VALUES (?1, ?2, ?3)")?;
        let mut insert = transaction.prepare_cached(&insert_sql)?;
        let mut tag = transaction.prepare_cached(
            "INSERT INTO event_tags (event_pk, field, value, time_us, \"agent\", \"device\") \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for row in &plan.rows {
            let head: [&dyn rusqlite::ToSql; 3] = [&row.time_us, &(row.seq as i64), &row.hash];
            let scalars = row.scalars.iter().map(|v| v as &dyn rusqlite::ToSql);
            // A row that meets the unique key is skipped (no row changed): a stored identity
            // that was not looked up. The caller rolls the batch back and runs it again.
            if insert.execute(params_from_iter(head.into_iter().chain(scalars)))? == 0 {
                return Ok(Outcome::Collided);
            }
            let pk = transaction.last_insert_rowid();
            body.execute(params![pk, row.time_us, row.raw])?;
            for (field, value) in &row.tags {
                let (agent, device) = row.tag_extras(field);
                tag.execute(params![pk, field, value, row.time_us, agent, device])?;
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
            "INSERT INTO devices (device, last_seq, last_hash, events, max_seq, findings, last_seen_us, version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (device) DO UPDATE SET last_seq = excluded.last_seq, \
             last_hash = excluded.last_hash, events = devices.events + excluded.events, \
             max_seq = CASE WHEN devices.max_seq IS NULL OR devices.max_seq < excluded.max_seq \
                 THEN excluded.max_seq ELSE devices.max_seq END, \
             findings = devices.findings + excluded.findings, \
             last_seen_us = COALESCE(excluded.last_seen_us, devices.last_seen_us), \
             version = COALESCE(excluded.version, devices.version)",
        )?;
        for d in &plan.devices {
            device.execute(params![
                d.device,
                d.seq as i64,
                d.hash,
                d.added as i64,
                d.max_seq as i64,
                d.findings as i64,
                d.seen_us,
                d.version
            ])?;
        }
    }
    Ok(Outcome::Stored(plan.into_report()))
}

impl Store for SqliteStore {
    fn ingest_group(
        &mut self,
        batches: &[Batch<'_>],
    ) -> Result<Vec<Result<IngestReport, StoreError>>, StoreError> {
        if batches.iter().all(|b| b.events.is_empty()) {
            return Ok(batches.iter().map(|_| Ok(IngestReport::default())).collect());
        }
        if let Some(checkpoints) = self.checkpoints.as_ref().filter(|c| c.frames() >= c.limits.hard) {
            checkpoints.finish(&self.connection);
        }
        let results = match self.ingest_group_at_once(batches)? {
            Some(results) => results,
            None => self.ingest_group_batch_by_batch(batches)?,
        };
        if let Some(checkpoints) = &self.checkpoints {
            checkpoints.nudge();
        }
        Ok(results)
    }

    fn events(&mut self, query: &Query, now: OffsetDateTime, limit: u64) -> Result<Vec<Event>, StoreError> {
        let query = self.globbed(query)?;
        self.listed(&sql::select_events(&query.expr, Dialect::Sqlite, now, limit))
    }

    /// Counts first, then lists by the plan that suits the count: a query matching more than
    /// [`WALK_MATCHES_PER_LIMIT`] × `limit` events walks the time index newest first (it meets
    /// `limit` matches soon), one matching fewer has its matches found and sorted
    /// ([`sql::select_few_events`]), since walking for them would visit nearly every event. The
    /// count is needed for the total whenever the listing is full, so it costs extra only for
    /// short listings, which it saves from the walk.
    fn events_and_total(
        &mut self,
        query: &Query,
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<(Vec<Event>, u64), StoreError> {
        let query = &self.globbed(query)?;
        let total = self.count(query, now)?;
        if total == 0 || limit == 0 {
            return Ok((Vec::new(), total));
        }
        let sql = if total > limit.saturating_mul(WALK_MATCHES_PER_LIMIT) {
            sql::select_events(&query.expr, Dialect::Sqlite, now, limit)
        } else {
            sql::select_few_events(&query.expr, now, limit)
        };
        Ok((self.listed(&sql)?, total))
    }

    fn count(&mut self, query: &Query, now: OffsetDateTime) -> Result<u64, StoreError> {
        let query = self.globbed(query)?;
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
        let query = self.globbed(query)?;
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

    /// Deletes in batches of [`RETENTION_BATCH`] events (with their bodies and set values, by
    /// event key), each batch its own short transaction, so inserts interleave instead of
    /// waiting for one long delete. Between two batches it pauses for [`RETENTION_PAUSE`]: a
    /// writer waiting for the lock sleeps in SQLite's busy handler and tries again only now and
    /// then, so back-to-back batches could keep it out until its busy timeout failed it.
    fn retain(&mut self, now: OffsetDateTime, keep: Duration) -> Result<RetentionReport, StoreError> {
        // A window reaching before the calendar's start keeps everything (not a panic).
        let Some(cutoff) = now.checked_sub(keep) else { return Ok(RetentionReport::default()) };
        let cutoff = (cutoff.unix_timestamp_nanos() / 1_000) as i64;
        let mut report = RetentionReport::default();
        loop {
            if report.deleted_events > 0 {
                std::thread::sleep(RETENTION_PAUSE);
            }
            let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let pks: Vec<i64> = {
                let mut old =
                    transaction.prepare_cached("SELECT pk FROM events WHERE time_us < ?1 LIMIT ?2")?;
                let rows = old.query_map(params![cutoff, RETENTION_BATCH], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            if pks.is_empty() {
                break;
            }
            {
                let mut tags = transaction.prepare_cached("DELETE FROM event_tags WHERE event_pk = ?1")?;
                let mut body = transaction.prepare_cached("DELETE FROM event_bodies WHERE pk = ?1")?;
                let mut event = transaction.prepare_cached("DELETE FROM events WHERE pk = ?1")?;
                for pk in &pks {
                    tags.execute([pk])?;
                    body.execute([pk])?;
                    event.execute([pk])?;
                }
            }
            transaction.commit()?;
            report.deleted_events += pks.len() as u64;
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

/// Schema version [`PATH_VALUES_VERSION`]: each path already stored rewritten into what ingest
/// writes now ([`ingest::paths_to_rewrite`]: canonical, without case). Events are taken a
/// range of keys at a time, so only one range's rewrites are held at once (a server's store
/// holds a path row per tool call, and on a fleet of Macs most need rewriting).
fn rewrite_paths(transaction: &rusqlite::Transaction<'_>, from_version: i64) -> Result<(), StoreError> {
    rewrite_paths_by(transaction, from_version, 50_000)
}

/// [`rewrite_paths`], `keys_per_range` event keys at a time.
fn rewrite_paths_by(
    transaction: &rusqlite::Transaction<'_>,
    from_version: i64,
    keys_per_range: i64,
) -> Result<(), StoreError> {
    let from_version_7 = from_version >= CANONICAL_PATHS_VERSION;
    // From version 8 only a path with non-ASCII text can read otherwise now (characters
    // differ from bytes only there).
    let changed = if from_version >= FOLDED_PATHS_VERSION {
        " AND length(t.value) <> length(CAST(t.value AS BLOB))"
    } else {
        ""
    };
    let (first, last): (i64, i64) =
        transaction.query_row("SELECT COALESCE(MIN(pk), 1), COALESCE(MAX(pk), 0) FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let mut read = transaction.prepare(&format!(
        "SELECT t.event_pk, t.time_us, t.value, e.\"cwd\" FROM event_tags t \
         JOIN events e ON e.pk = t.event_pk WHERE t.field = 'path' AND t.event_pk BETWEEN ?1 AND ?2{changed}"
    ))?;
    let mut remove = transaction
        .prepare("DELETE FROM event_tags WHERE event_pk = ?1 AND field = 'path' AND value = ?2")?;
    let mut insert = transaction.prepare(
        "INSERT OR IGNORE INTO event_tags (event_pk, field, value, time_us) VALUES (?1, 'path', ?2, ?3)",
    )?;
    let mut from = first;
    while from <= last {
        let to = from.saturating_add(keys_per_range.max(1) - 1).min(last);
        // The range is read whole before any of it is written.
        let rewrites = {
            let rows = read.query_map(params![from, to], |r| {
                Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            ingest::paths_to_rewrite(rows.map(|row| row.map_err(StoreError::from)), from_version_7)?
        };
        for (pk, time_us, stored, value) in rewrites {
            remove.execute(params![pk, stored])?;
            insert.execute(params![pk, value, time_us])?;
        }
        if to == last {
            break;
        }
        from = to + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Generator;

    /// The path rewrite taken a few keys at a time reaches every event, the first and last range
    /// included, and leaves each event's paths as ingest writes them now.
    #[test]
    fn the_path_rewrite_covers_every_range() {
        let start = time::OffsetDateTime::from_unix_timestamp(1_796_300_000).unwrap();
        let mut events = Generator::new(3, 1, start, time::Duration::days(1), 7).batch(7);
        for (n, event) in events.iter_mut().enumerate() {
            event.paths = vec![ward_model::PathTarget {
                path: format!("/Users/Dev{n}/.SSH/id_rsa"),
                access: ward_model::Access::Read,
            }];
        }
        // Resealed in order: the chain stays intact.
        let mut prev = ward_audit::chain::GENESIS_HASH.to_owned();
        for event in &mut events {
            event.prev_hash = prev.clone();
            ward_audit::chain::seal(event).unwrap();
            prev = event.hash.clone();
        }
        let mut store = SqliteStore::in_memory().unwrap();
        assert!(store.ingest(&events).unwrap().findings.is_empty());
        let values = |connection: &Connection| -> Vec<String> {
            let mut statement = connection
                .prepare("SELECT value FROM event_tags WHERE field = 'path' ORDER BY event_pk")
                .unwrap();
            let rows = statement.query_map([], |r| r.get(0)).unwrap();
            rows.map(Result::unwrap).collect()
        };
        let now: Vec<String> = (0..7).map(|n| format!("/users/dev{n}/.ssh/id_rsa")).collect();
        assert_eq!(values(&store.connection), now);
        store
            .connection
            .execute_batch("UPDATE event_tags SET value = upper(value) WHERE field = 'path'")
            .unwrap();
        assert!(values(&store.connection).iter().all(|v| v.starts_with("/USERS/")));
        let transaction = store.connection.transaction().unwrap();
        rewrite_paths_by(&transaction, CANONICAL_PATHS_VERSION, 2).unwrap();
        transaction.commit().unwrap();
        assert_eq!(values(&store.connection), now);
    }
}
