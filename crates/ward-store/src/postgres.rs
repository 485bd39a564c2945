//! The PostgreSQL store: for a fleet. Events and their set values are partitioned by day
//! (`events_pYYYYMMDD`, `event_bodies_pYYYYMMDD`, `event_tags_pYYYYMMDD`, created at ingest) so retention drops whole
//! partitions; rows arrive by `COPY`; each device's chain is checked under a per-device
//! advisory lock, so several server replicas can ingest at once.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use postgres::types::ToSql;
use postgres::{Client, NoTls, Transaction};
use time::{Duration, OffsetDateTime};
use ward_model::Event;
use ward_query::sql::{self, Dialect, SqlParam};
use ward_query::{Field, Query};

use crate::ingest::{self, scalar_columns, Outcome, Position, Probe};
use crate::pgcopy::BinaryRows;
use crate::schema::{
    CANONICAL_PATHS_VERSION, DAY_US, FOLDED_PATHS_VERSION, PATH_VALUES_VERSION, POSTGRES_MIGRATIONS,
};
use crate::sqlite::now_us;
use crate::{Batch, CountRow, Finding, IngestReport, RetentionReport, Store, StoreError};

/// Events older than this before now, or later than two days after it, go to the default
/// partition rather than creating a partition each (a device with a wild clock must not be able
/// to create thousands of tables).
const PARTITION_WINDOW_DAYS: i64 = 400;
/// Days after today whose partitions exist ahead: created by [`Store::prepare_days`] (the
/// server's maintenance, hourly) before their first event, so ingest does not stop at
/// midnight for the exclusive lock that creating a partition takes.
const AHEAD_DAYS: i64 = 2;
/// The advisory lock retention holds (migrations hold 7400101).
const RETENTION_LOCK: i64 = 7_400_102;

pub struct PostgresStore {
    client: Client,
    partitions: Partitions,
    statements: Statements,
}

/// The day partitions (by day number since the epoch) this connection knows exist: each was
/// created (or found) in its own committed transaction, so no rollback can take one away.
#[derive(Default)]
struct Partitions(HashSet<i64>);

impl Partitions {
    /// A partition retention dropped (and committed).
    fn dropped(&mut self, day: i64) {
        self.0.remove(&day);
    }
}

/// Ingest's fixed statements, prepared once per connection: a statement given as text is
/// prepared on every call, a round trip each, which for small batches costs as much as the work.
#[derive(Default)]
struct Statements(HashMap<&'static str, postgres::Statement>);

impl Statements {
    fn get(
        &mut self,
        transaction: &mut Transaction<'_>,
        sql: &'static str,
    ) -> Result<postgres::Statement, StoreError> {
        if let Some(statement) = self.0.get(sql) {
            return Ok(statement.clone());
        }
        let statement = transaction.prepare(sql)?;
        self.0.insert(sql, statement.clone());
        Ok(statement)
    }
}

impl PostgresStore {
    /// Connects (`postgres://user@host/db` or `host=/run/postgresql user=ward dbname=ward`) and
    /// runs pending migrations. TLS: not in this version; use a local socket or a tunnel.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        let version: String = client.query_one("SHOW server_version_num", &[])?.get(0);
        if !supported_server(&version) {
            let found: String = client.query_one("SHOW server_version", &[])?.get(0);
            return Err(StoreError::PostgresTooOld { found });
        }
        // Tags and events are partitioned alike (by day on `time_us`) and every set term joins
        // on `(pk, time_us)`: with these the planner joins and counts partition by partition
        // (index lookups inside one day) rather than hashing every event of the window. Off by
        // default in PostgreSQL only because they cost planning time on other schemas.
        client
            .batch_execute("SET enable_partitionwise_join = on; SET enable_partitionwise_aggregate = on")?;
        let mut store =
            PostgresStore { client, partitions: Partitions::default(), statements: Statements::default() };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let mut transaction = self.client.transaction()?;
        // One migrator at a time across replicas.
        transaction.execute("SELECT pg_advisory_xact_lock(7400101)", &[])?;
        transaction.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_us BIGINT NOT NULL)",
        )?;
        let current: i64 =
            transaction.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?.get(0);
        let known = POSTGRES_MIGRATIONS.last().map_or(0, |(v, _)| *v);
        if current > known {
            return Err(StoreError::SchemaTooNew { found: current, known });
        }
        for (version, migration) in POSTGRES_MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            transaction.batch_execute(migration)?;
            if *version == PATH_VALUES_VERSION {
                rewrite_paths(&mut transaction, current)?;
            }
            transaction.execute(
                "INSERT INTO schema_migrations (version, applied_us) VALUES ($1, $2)",
                &[version, &now_us()],
            )?;
        }
        compare_text_by_bytes(&mut transaction)?;
        transaction.commit()?;
        Ok(())
    }

    /// The server process serving this connection (benchmarks read its CPU time).
    pub fn backend_pid(&mut self) -> Result<i32, StoreError> {
        Ok(self.client.query_one("SELECT pg_backend_pid()", &[])?.get(0))
    }

    /// Makes sure the day partitions for the events of `batches` exist, before the batches'
    /// transaction begins. `CREATE TABLE … PARTITION OF` locks the parent and the default
    /// partition exclusively until its transaction ends: created inside an ingest transaction,
    /// every other connection's `COPY` waited for that whole batch, which serialized concurrent
    /// writers at each new day (measured with two writers: a third of the backends' samples
    /// waiting on `Lock:relation`). In a transaction of its own the lock lasts only the `CREATE`.
    fn ensure_partitions(&mut self, batches: &[Batch<'_>]) -> Result<(), StoreError> {
        let days = batches
            .iter()
            .flat_map(|batch| batch.events.rows.iter().map(|row| row.time_us.div_euclid(DAY_US)));
        self.create_partitions(now_us().div_euclid(DAY_US), days)
    }

    /// Creates the day partitions from `first` to `last` (within the partition window around
    /// now): what [`Store::prepare_days`] does for the coming days, for a span of days at once
    /// (a backfill; the benchmark, whose 85 days of events arrive in a minute).
    pub fn create_day_partitions(
        &mut self,
        first: OffsetDateTime,
        last: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let day = |t: OffsetDateTime| ((t.unix_timestamp_nanos() / 1_000) as i64).div_euclid(DAY_US);
        self.create_partitions(now_us().div_euclid(DAY_US), day(first)..=day(last))
    }

    /// Creates the partitions of `days` (day numbers) this connection does not know, each in a
    /// transaction of its own; days outside the partition window around `today` are left to
    /// the default partition.
    fn create_partitions(&mut self, today: i64, days: impl Iterator<Item = i64>) -> Result<(), StoreError> {
        let mut days: Vec<i64> = days
            .filter(|day| !self.partitions.0.contains(day))
            .filter(|&day| day >= today - PARTITION_WINDOW_DAYS && day <= today + AHEAD_DAYS)
            .collect();
        days.sort_unstable();
        days.dedup();
        for day in days {
            let name = partition_suffix(day);
            let from = day * DAY_US;
            let to = from + DAY_US;
            let create = format!(
                "BEGIN;
                 CREATE TABLE IF NOT EXISTS events_{name} PARTITION OF events FOR VALUES FROM ({from}) TO ({to});
                 CREATE TABLE IF NOT EXISTS event_bodies_{name} PARTITION OF event_bodies FOR VALUES FROM ({from}) TO ({to});
                 CREATE TABLE IF NOT EXISTS event_tags_{name} PARTITION OF event_tags FOR VALUES FROM ({from}) TO ({to});
                 COMMIT;"
            );
            if self.client.batch_execute(&create).is_err() {
                // Another connection may have created it at the same moment (IF NOT EXISTS does
                // not cover the race), or the default partition may already hold rows of that
                // day: either way the rows have a home. Not tried again on this connection, so
                // a day the default partition holds does not cost an exclusive lock per batch.
                self.client.batch_execute("ROLLBACK")?;
            }
            self.partitions.0.insert(day);
        }
        Ok(())
    }

    /// [`Store::retain`] under the retention lock.
    fn retain_locked(&mut self, now: OffsetDateTime, keep: Duration) -> Result<RetentionReport, StoreError> {
        // A window reaching before the calendar's start keeps everything (not a panic).
        let Some(cutoff) = now.checked_sub(keep) else { return Ok(RetentionReport::default()) };
        let cutoff = (cutoff.unix_timestamp_nanos() / 1_000) as i64;
        let mut report = RetentionReport::default();
        let partitions = self.client.query(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname IN ('events', 'event_bodies', 'event_tags')",
            &[],
        )?;
        for row in partitions {
            let name: String = row.get(0);
            let Some(day) = partition_day(&name) else { continue };
            if (day + 1) * DAY_US <= cutoff {
                if name.starts_with("events_") {
                    let count: i64 =
                        self.client.query_one(&format!("SELECT COUNT(*) FROM \"{name}\""), &[])?.get(0);
                    report.deleted_events += count as u64;
                    report.dropped_partitions += 1;
                }
                self.client.batch_execute(&format!("DROP TABLE IF EXISTS \"{name}\""))?;
                self.partitions.dropped(day);
            }
        }
        let deleted = self.client.execute("DELETE FROM events WHERE time_us < $1", &[&cutoff])?;
        self.client.execute("DELETE FROM event_tags WHERE time_us < $1", &[&cutoff])?;
        self.client.execute("DELETE FROM event_bodies WHERE time_us < $1", &[&cutoff])?;
        report.deleted_events += deleted;
        Ok(report)
    }

    /// `query` with the stored path globs its `path:` terms could name listed beside them
    /// ([`Query::with_globbed_paths`]): one read of their small index, only for a question
    /// about paths.
    fn globbed<'q>(&mut self, query: &'q Query) -> Result<std::borrow::Cow<'q, Query>, StoreError> {
        if !query.asks_about_paths() {
            return Ok(std::borrow::Cow::Borrowed(query));
        }
        let PostgresStore { client, statements, .. } = self;
        let mut transaction = client.transaction()?;
        // A few rows from small partial indexes: parallel workers cost more to start (15 ms on
        // 90 day partitions) than the read (under 1 ms), and a prepared statement spares the
        // planning over every partition once PostgreSQL settles on a generic plan.
        transaction.batch_execute("SET LOCAL max_parallel_workers_per_gather = 0")?;
        let statement = statements.get(&mut transaction, sql::stored_path_globs(Dialect::Postgres))?;
        let globs: Vec<String> = transaction.query(&statement, &[])?.iter().map(|row| row.get(0)).collect();
        transaction.commit()?;
        Ok(std::borrow::Cow::Owned(query.clone().with_globbed_paths(&globs)))
    }

    fn query_rows(&mut self, sql: &sql::Sql) -> Result<Vec<postgres::Row>, StoreError> {
        let params: Vec<Box<dyn ToSql + Sync>> = sql
            .params
            .iter()
            .map(|p| -> Box<dyn ToSql + Sync> {
                match p {
                    SqlParam::Text(text) => Box::new(text.clone()),
                    SqlParam::Int(int) => Box::new(*int),
                    SqlParam::TextList(texts) => Box::new(texts.clone()),
                }
            })
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
        Ok(self.client.query(sql.text.as_str(), &refs)?)
    }
}

/// Schema version [`PATH_VALUES_VERSION`]: each path already stored rewritten into what ingest
/// writes now ([`ingest::paths_to_rewrite`]: canonical, without case). The path rows are
/// read through a cursor a chunk at a time and the rewrites sent by `COPY` to a temporary table,
/// so neither side is ever held whole in memory; the rows are then replaced in two set-based
/// statements (hash joins per partition). Row by row (a `DELETE`/`INSERT` per chunk of 10,000
/// joined on `unnest`) took 96 s for 1M rewritten paths: a fleet of Macs (`/Users/…`) has
/// most of its paths to rewrite at version 8.
fn rewrite_paths(transaction: &mut Transaction<'_>, from_version: i64) -> Result<(), StoreError> {
    const FETCH: usize = 50_000;
    let from_version_7 = from_version >= CANONICAL_PATHS_VERSION;
    // From version 8 only a path with non-ASCII text can read otherwise now.
    let changed = if from_version >= FOLDED_PATHS_VERSION {
        " AND octet_length(t.value) <> char_length(t.value)"
    } else {
        ""
    };
    transaction.batch_execute(&format!(
        "CREATE TEMPORARY TABLE path_rewrites (pk BIGINT NOT NULL, time_us BIGINT NOT NULL, \
             stored TEXT NOT NULL, value TEXT NOT NULL) ON COMMIT DROP; \
         DECLARE stored_paths NO SCROLL CURSOR FOR \
             SELECT t.event_pk, t.time_us, t.value, e.\"cwd\" FROM event_tags t \
             JOIN events e ON e.pk = t.event_pk AND e.time_us = t.time_us WHERE t.field = 'path'{changed}"
    ))?;
    let fetch = format!("FETCH {FETCH} FROM stored_paths");
    let mut any = false;
    loop {
        let rows = transaction.query(fetch.as_str(), &[])?;
        if rows.is_empty() {
            break;
        }
        let rewrites = ingest::paths_to_rewrite(
            rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))),
            from_version_7,
        )?;
        if rewrites.is_empty() {
            continue;
        }
        any = true;
        let mut copy = BinaryRows::with_capacity(rewrites.len() * 96);
        for (pk, time_us, stored, value) in &rewrites {
            copy.row(4).int8(*pk).int8(*time_us).text(Some(stored)).text(Some(value));
        }
        copy_in(
            transaction,
            "COPY path_rewrites (pk, time_us, stored, value) FROM STDIN (FORMAT binary)",
            copy,
        )?;
    }
    transaction.batch_execute("CLOSE stored_paths")?;
    if any {
        // DISTINCT and NOT EXISTS: two spellings of one event can have one value.
        transaction.batch_execute(
            "ANALYZE path_rewrites; \
             DELETE FROM event_tags t USING path_rewrites r \
                 WHERE t.event_pk = r.pk AND t.time_us = r.time_us AND t.field = 'path' AND t.value = r.stored; \
             INSERT INTO event_tags (event_pk, time_us, field, value) \
                 SELECT DISTINCT r.pk, r.time_us, 'path', r.value FROM path_rewrites r \
                 WHERE NOT EXISTS (SELECT 1 FROM event_tags t WHERE t.event_pk = r.pk \
                     AND t.time_us = r.time_us AND t.field = 'path' AND t.value = r.value)",
        )?;
    }
    transaction.batch_execute("DROP TABLE path_rewrites")?;
    Ok(())
}

/// The tables whose text Ward compares (partitioned parents: a change reaches every partition).
const TEXT_TABLES: &[&str] = &["events", "event_bodies", "event_tags", "devices", "findings", "meta"];

/// Ward's text compares byte by byte, as on SQLite (`BINARY`), whatever the database's own
/// collation. A database created with a language's collation (the default of many installations:
/// `en_US.UTF-8`) would otherwise compare it by that language's rules: every index insert goes
/// through the C library's collation (slower than a byte compare), and a prefix question
/// (`repo:github.com/acme/*`, `rule:sensitive.*`) is no longer an index range, since PostgreSQL
/// makes one of `LIKE 'x%'` only under the C collation (measured with `C.utf8`, 500k events:
/// `rule:sensitive.* since:30d until:2d` 47 ms with byte order, 109 ms without). So when the
/// database's collation is not C, each text column of Ward's tables that is not already is
/// declared `COLLATE "C"`: checked at every open (one catalog query), so a store restored into
/// such a database is put right too. Changing a column's collation rebuilds the indexes on it,
/// once; the tables themselves are not rewritten. A table whose columns cannot be changed is
/// left as it is (below).
fn compare_text_by_bytes(transaction: &mut Transaction<'_>) -> Result<(), StoreError> {
    // `datlocprovider` (PostgreSQL 15+; absent before, which is libc): an ICU database compares by
    // its ICU locale whatever `datcollate` says.
    let database = transaction.query_one(
        "SELECT datcollate::text, to_jsonb(d) ->> 'datlocprovider' FROM pg_database d \
         WHERE datname = current_database()",
        &[],
    )?;
    let (collation, provider): (String, Option<String>) = (database.get(0), database.get(1));
    if matches!(collation.as_str(), "C" | "POSIX") && provider.as_deref().is_none_or(|p| p == "c") {
        return Ok(());
    }
    // Per table, so one statement changes all its columns: its indexes are rebuilt once.
    let tables = transaction.query(
        "SELECT c.relname::text, array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) \
           AND c.relname = ANY($1) AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped \
           AND a.atttypid = 'text'::regtype \
           AND a.attcollation <> (SELECT oid FROM pg_collation \
               WHERE collname = 'C' AND collnamespace = 'pg_catalog'::regnamespace) \
         GROUP BY c.relname ORDER BY c.relname",
        &[&TEXT_TABLES],
    )?;
    for row in tables {
        let (table, columns): (String, Vec<String>) = (row.get(0), row.get(1));
        let changes: Vec<String> = columns
            .iter()
            .map(|c| format!("ALTER COLUMN {} TYPE text COLLATE \"C\"", identifier(c)))
            .collect();
        let statement = format!("ALTER TABLE {} {}", identifier(&table), changes.join(", "));
        // What can refuse it (a view of the administrator's on a column, a role that does not
        // own the table) must not stop the store from opening: answers are the same either
        // way (`--count-by` orders with an explicit `COLLATE "C"`), only prefix questions and
        // inserts slower. The savepoint keeps the transaction usable after a refusal.
        let mut savepoint = transaction.savepoint("text_order")?;
        match savepoint.batch_execute(&statement) {
            Ok(()) => savepoint.commit()?,
            Err(_) => savepoint.rollback()?,
        }
    }
    Ok(())
}

/// `name` as a quoted SQL identifier.
fn identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `pYYYYMMDD` for a day number since the epoch.
fn partition_suffix(day: i64) -> String {
    let date = OffsetDateTime::UNIX_EPOCH + Duration::days(day);
    format!("p{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day())
}

/// The day a partition suffix names, if it is one.
fn partition_day(name: &str) -> Option<i64> {
    let digits = name.rsplit_once("_p")?.1;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let format = time::macros::format_description!("[year][month][day]");
    let date = time::Date::parse(digits, format).ok()?;
    Some((date - time::Date::from_calendar_date(1970, time::Month::January, 1).ok()?).whole_days())
}

/// Batches up to this many new events are inserted with one prepared statement (one round
/// trip); larger ones by `COPY` (three, but the fastest per row). A device's daemon sends small
/// batches most of the time, and the round trips are what an ingest then waits for.
const SMALL_BATCH: usize = 64;

/// The statement that inserts a small batch: events (with new keys), bodies and set values
/// from arrays, in one statement with data-modifying CTEs.
fn small_insert_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let columns = scalar_columns();
        let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        let arrays: Vec<String> = (0..columns.len()).map(|i| format!("${}::text[]", i + 4)).collect();
        let raw = columns.len() + 4;
        format!(
            "WITH ev AS MATERIALIZED ( \
                 SELECT nextval('events_pk_seq') AS pk, u.* FROM unnest($1::bigint[], $2::bigint[], $3::text[], \
                     {arrays}, ${raw}::text[]) WITH ORDINALITY AS u(time_us, seq, hash, {cols}, raw, ord) \
             ), e AS ( \
                 INSERT INTO events (pk, time_us, seq, hash, {cols}) SELECT pk, time_us, seq, hash, {cols} FROM ev \
             ), b AS ( \
                 INSERT INTO event_bodies (pk, time_us, raw) SELECT pk, time_us, raw FROM ev \
             ) \
             INSERT INTO event_tags (event_pk, time_us, field, value, \"agent\", \"device\") \
             SELECT ev.pk, ev.time_us, t.field, t.value, \
                 CASE WHEN t.field = 'class' THEN ev.\"agent\" END, \
                 CASE WHEN t.field = 'class' THEN ev.\"device\" END \
             FROM unnest(${}::bigint[], ${}::text[], ${}::text[]) AS t(ord, field, value) JOIN ev ON ev.ord = t.ord",
            raw + 1,
            raw + 2,
            raw + 3,
            arrays = arrays.join(", "),
            cols = quoted.join(", "),
        )
    })
}

fn insert_small(
    transaction: &mut Transaction<'_>,
    statements: &mut Statements,
    rows: &[&ingest::Row],
) -> Result<(), StoreError> {
    let times: Vec<i64> = rows.iter().map(|r| r.time_us).collect();
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq as i64).collect();
    let hashes: Vec<&str> = rows.iter().map(|r| r.hash.as_str()).collect();
    let width = rows.first().map_or(0, |r| r.scalars.len());
    let scalars: Vec<Vec<Option<&str>>> =
        (0..width).map(|i| rows.iter().map(|r| r.scalars[i].as_deref()).collect()).collect();
    let raws: Vec<&str> = rows.iter().map(|r| r.raw.as_str()).collect();
    let (mut ords, mut fields, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for (ord, row) in rows.iter().enumerate() {
        for (field, value) in &row.tags {
            ords.push(ord as i64 + 1);
            fields.push(*field);
            values.push(value.as_str());
        }
    }
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&times, &seqs, &hashes];
    params.extend(scalars.iter().map(|column| column as &(dyn ToSql + Sync)));
    params.extend([&raws as &(dyn ToSql + Sync), &ords, &fields, &values]);
    let statement = statements.get(transaction, small_insert_sql())?;
    transaction.execute(&statement, &params)?;
    Ok(())
}

/// Whether a server whose `server_version_num` is this (`150010` for 15.10, `110022` for 11.22)
/// is one the store runs on ([`crate::MINIMUM_POSTGRES`]). A number it cannot read is let through:
/// the statements themselves then say what the server lacks.
fn supported_server(version_num: &str) -> bool {
    version_num.trim().parse::<u32>().map_or(true, |n| n / 10_000 >= crate::MINIMUM_POSTGRES)
}

/// Makes `COPY` store its rows one at a time: a condition that is always true (`random()` is in
/// [0, 1)) but volatile, which PostgreSQL (12 and later) cannot evaluate ahead, so it gives up
/// its multi-insert buffer and inserts each row as it is read.
///
/// Why: PostgreSQL 15's multi-insert buffer gives each row it buffers (up to 1,000 per partition;
/// in binary format its 64 KB limit never counts, as no line is read) a tuple slot, created on
/// first use and dropped when the statement ends, and each slot pins the table's tuple descriptor
/// in the statement's resource owner, whose open-addressing hash probes every identical pin from
/// the same bucket: quadratic in the rows per statement, 19% of the backend's instructions in a
/// bulk load (`table_slot_create` and `ExecDropSingleTupleTableSlot`, callgrind). Row at a time,
/// one slot serves the whole statement; the heap then takes a WAL record per row where the buffer
/// wrote one per page, which costs back less than a third of what the pins cost:
/// `bash scripts/bench/pg-callgrind.sh 20000 1000000`, 168,927 → 144,416 backend instructions
/// per event; the backend's CPU time per event in five interleaved pairs of 1M-event loads
/// (`store_bench 1000000 postgres`, 2 writers), 21.3 → 19.2 µs on average, lower in four of
/// five. Smaller statements (at most 250 rows) also avoid most of it (158,382 instructions), but
/// each costs two round trips.
const ROW_AT_A_TIME: &str = " WHERE random() >= 0";

/// Sends one table's rows by binary `COPY`, in one statement (row at a time: [`ROW_AT_A_TIME`]).
fn copy_in(transaction: &mut Transaction<'_>, statement: &str, rows: BinaryRows) -> Result<u64, StoreError> {
    let statement = format!("{statement}{ROW_AT_A_TIME}");
    let mut writer = transaction.copy_in(statement.as_str())?;
    writer.write_all(&rows.finish()).map_err(|e| StoreError::Other(format!("{statement}: {e}")))?;
    Ok(writer.finish()?)
}

/// Stores one batch inside the open transaction (the caller wraps it in a savepoint).
fn ingest_batch(
    transaction: &mut Transaction<'_>,
    statements: &mut Statements,
    batch: &Batch<'_>,
    probe: Probe,
) -> Result<Outcome, StoreError> {
    let rows = &batch.events.rows;
    // A fixed number of round trips per batch, whatever its size or number of devices:
    // lock the devices, look up stored identities, load the chain heads, COPY the rows,
    // write findings and heads back.
    let devices = ingest::devices(rows);
    // Locks in sorted order, so two replicas ingesting overlapping devices cannot deadlock.
    let lock = statements.get(
        transaction,
        "SELECT count(pg_advisory_xact_lock(hashtextextended(d, 7400101))) \
         FROM (SELECT d FROM unnest($1::text[]) AS d ORDER BY d) AS sorted",
    )?;
    transaction.execute(&lock, &[&devices])?;
    let mut positions = HashMap::new();
    let heads = statements.get(
        transaction,
        "SELECT device, last_seq, last_hash, max_seq FROM devices WHERE device = ANY($1)",
    )?;
    for row in transaction.query(&heads, &[&devices])? {
        let position = Position {
            seq: row.get::<_, i64>(1) as u64,
            hash: row.get(2),
            max_seq: row.get::<_, Option<i64>>(3).map(|m| m as u64),
        };
        positions.insert(row.get::<_, String>(0), position);
    }
    // Duplicates: an event is identified by (id, time), so only the partitions the probed rows'
    // times fall in are searched.
    let probed: Vec<&ingest::Row> = ingest::to_probe(rows, &positions, probe).collect();
    let mut stored = HashMap::new();
    if !probed.is_empty() {
        let ids: Vec<&str> = probed.iter().map(|r| r.id.as_str()).collect();
        let from = probed.iter().map(|r| r.time_us).min().unwrap_or(0);
        let to = probed.iter().map(|r| r.time_us).max().unwrap_or(0);
        let lookup = statements.get(
            transaction,
            "SELECT \"id\", time_us, hash FROM events WHERE \"id\" = ANY($1) AND time_us BETWEEN $2 AND $3",
        )?;
        for row in transaction.query(&lookup, &[&ids, &from, &to])? {
            stored.insert((row.get::<_, String>(0), row.get::<_, i64>(1)), row.get::<_, String>(2));
        }
    }
    let plan = ingest::plan(rows, &stored, &positions, batch.origin);

    if !plan.rows.is_empty() && plan.rows.len() <= SMALL_BATCH {
        if let Err(error) = insert_small(transaction, statements, &plan.rows) {
            return collided(error);
        }
    } else if !plan.rows.is_empty() {
        let count = plan.rows.len() as i64;
        let next_pks = statements.get(
            transaction,
            "SELECT array_agg(nextval('events_pk_seq')) FROM generate_series(1, $1::bigint)",
        )?;
        let pks: Vec<i64> = transaction.query_one(&next_pks, &[&count])?.get(0);
        let columns = scalar_columns();
        let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        let event_fields = 4 + columns.len() as u16;
        let mut events_copy = BinaryRows::with_capacity(plan.rows.len() * 400);
        let mut bodies_copy = BinaryRows::with_capacity(plan.rows.len() * 900);
        let mut tags_copy = BinaryRows::with_capacity(plan.rows.len() * 120);
        for (row, &pk) in plan.rows.iter().zip(&pks) {
            events_copy
                .row(event_fields)
                .int8(pk)
                .int8(row.time_us)
                .int8(row.seq as i64)
                .text(Some(&row.hash));
            for value in &row.scalars {
                events_copy.text(value.as_deref());
            }
            bodies_copy.row(3).int8(pk).int8(row.time_us).text(Some(&row.raw));
            for (field, value) in &row.tags {
                let (agent, device) = row.tag_extras(field);
                tags_copy
                    .row(6)
                    .int8(pk)
                    .int8(row.time_us)
                    .text(Some(field))
                    .text(Some(value))
                    .text(agent)
                    .text(device);
            }
        }
        let statement =
            format!("COPY events (pk, time_us, seq, hash, {}) FROM STDIN (FORMAT binary)", quoted.join(", "));
        if let Err(error) = copy_in(transaction, &statement, events_copy) {
            return collided(error);
        }
        copy_in(transaction, "COPY event_bodies (pk, time_us, raw) FROM STDIN (FORMAT binary)", bodies_copy)?;
        if !tags_copy.is_empty() {
            copy_in(
                transaction,
                "COPY event_tags (event_pk, time_us, field, value, \"agent\", \"device\") FROM STDIN (FORMAT binary)",
                tags_copy,
            )?;
        }
    }
    if !plan.findings.is_empty() {
        let column = |get: fn(&Finding) -> String| plan.findings.iter().map(get).collect::<Vec<String>>();
        let seqs: Vec<i64> = plan.findings.iter().map(|f| f.seq as i64).collect();
        transaction.execute(
            "INSERT INTO findings (device, seq, kind, message, event_id, detected_us) \
             SELECT *, $6 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])",
            &[
                &column(|f| f.device.clone()),
                &seqs,
                &column(|f| f.kind.clone()),
                &column(|f| f.message.clone()),
                &column(|f| f.event_id.clone()),
                &now_us(),
            ],
        )?;
    }
    let count = plan.devices.len();
    let (mut names, mut seqs, mut hashes, mut added) = (
        Vec::with_capacity(count),
        Vec::with_capacity(count),
        Vec::with_capacity(count),
        Vec::with_capacity(count),
    );
    let (mut max_seqs, mut findings, mut seen, mut versions) = (
        Vec::with_capacity(count),
        Vec::with_capacity(count),
        Vec::with_capacity(count),
        Vec::with_capacity(count),
    );
    for d in &plan.devices {
        names.push(d.device);
        seqs.push(d.seq as i64);
        hashes.push(d.hash.as_str());
        added.push(d.added as i64);
        max_seqs.push(d.max_seq as i64);
        findings.push(d.findings as i64);
        seen.push(d.seen_us);
        versions.push(d.version);
    }
    let upsert = statements.get(
        transaction,
        "INSERT INTO devices (device, last_seq, last_hash, events, max_seq, findings, last_seen_us, version) \
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], \
             $6::bigint[], $7::bigint[], $8::text[]) \
         ON CONFLICT (device) DO UPDATE SET last_seq = excluded.last_seq, \
         last_hash = excluded.last_hash, events = devices.events + excluded.events, \
         max_seq = GREATEST(devices.max_seq, excluded.max_seq), \
         findings = devices.findings + excluded.findings, \
         last_seen_us = COALESCE(excluded.last_seen_us, devices.last_seen_us), \
         version = COALESCE(excluded.version, devices.version)",
    )?;
    transaction
        .execute(&upsert, &[&names, &seqs, &hashes, &added, &max_seqs, &findings, &seen, &versions])?;
    Ok(Outcome::Stored(plan.into_report()))
}

/// An insert into `events` failed: a unique-key violation (the only unique key rows can meet is
/// `(id, time_us)`; `pk` comes from a sequence) is a collision to retry, anything else an error.
fn collided(error: StoreError) -> Result<Outcome, StoreError> {
    match &error {
        StoreError::Postgres(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Ok(Outcome::Collided)
        }
        _ => Err(error),
    }
}

impl Store for PostgresStore {
    /// Each batch takes its devices' advisory locks when it runs (sorted within the batch); the
    /// fleet server groups nothing on PostgreSQL (it commits each request on its own connection,
    /// and PostgreSQL groups concurrent commits itself), so lock order across batches of one
    /// group does not arise there.
    fn ingest_group(
        &mut self,
        batches: &[Batch<'_>],
    ) -> Result<Vec<Result<IngestReport, StoreError>>, StoreError> {
        if batches.iter().all(|b| b.events.is_empty()) {
            return Ok(batches.iter().map(|_| Ok(IngestReport::default())).collect());
        }
        self.ensure_partitions(batches)?;
        let PostgresStore { client, statements, .. } = self;
        let mut run = |transaction: &mut Transaction<'_>, batch, probe| {
            ingest_batch(transaction, statements, batch, probe)
        };
        let mut results = Vec::with_capacity(batches.len());
        let mut transaction = client.transaction()?;
        if let [batch] = batches {
            // The common case: no savepoint (a round trip saved); the batch is the transaction,
            // run again whole after a collision.
            let mut outcome = run(&mut transaction, batch, Probe::Likely)?;
            if let Outcome::Collided = outcome {
                transaction.rollback()?;
                transaction = client.transaction()?;
                outcome = run(&mut transaction, batch, Probe::All)?;
            }
            match outcome {
                Outcome::Stored(report) => results.push(Ok(report)),
                Outcome::Collided => return Err(ingest::collided_after_lookup()),
            }
        } else {
            for batch in batches {
                if batch.events.is_empty() {
                    results.push(Ok(IngestReport::default()));
                    continue;
                }
                let mut savepoint = transaction.savepoint("batch")?;
                let mut outcome = run(&mut savepoint, batch, Probe::Likely);
                if let Ok(Outcome::Collided) = outcome {
                    savepoint.rollback()?;
                    savepoint = transaction.savepoint("batch")?;
                    outcome = run(&mut savepoint, batch, Probe::All);
                }
                match outcome {
                    Ok(Outcome::Stored(report)) => {
                        savepoint.commit()?;
                        results.push(Ok(report));
                    }
                    failed => {
                        savepoint.rollback()?;
                        results.push(Err(failed.err().unwrap_or_else(ingest::collided_after_lookup)));
                    }
                }
            }
        }
        transaction.commit()?;
        Ok(results)
    }

    fn events(&mut self, query: &Query, now: OffsetDateTime, limit: u64) -> Result<Vec<Event>, StoreError> {
        let query = self.globbed(query)?;
        let sql = sql::select_events(&query.expr, Dialect::Postgres, now, limit);
        self.query_rows(&sql)?
            .iter()
            .map(|row| ingest::event_from_raw(row.get::<_, &str>(0), row.get::<_, &str>(1)))
            .collect()
    }

    fn count(&mut self, query: &Query, now: OffsetDateTime) -> Result<u64, StoreError> {
        let query = self.globbed(query)?;
        let sql = sql::count(&query.expr, Dialect::Postgres, now);
        Ok(self.query_rows(&sql)?.first().map_or(0, |row| row.get::<_, i64>(0)) as u64)
    }

    fn count_by(
        &mut self,
        query: &Query,
        fields: &[Field],
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<CountRow>, StoreError> {
        let query = self.globbed(query)?;
        let sql = sql::count_by(&query.expr, fields, Dialect::Postgres, now, limit);
        Ok(self
            .query_rows(&sql)?
            .iter()
            .map(|row| CountRow {
                values: (0..fields.len()).map(|i| row.get::<_, Option<String>>(i)).collect(),
                count: row.get::<_, i64>(fields.len()) as u64,
            })
            .collect())
    }

    fn findings(&mut self, device: Option<&str>) -> Result<Vec<Finding>, StoreError> {
        let rows = self.client.query(
            "SELECT device, seq, kind, message, event_id FROM findings \
             WHERE $1::text IS NULL OR device = $1 ORDER BY pk",
            &[&device],
        )?;
        Ok(rows
            .iter()
            .map(|r| Finding {
                device: r.get(0),
                seq: r.get::<_, i64>(1) as u64,
                kind: r.get(2),
                message: r.get(3),
                event_id: r.get(4),
            })
            .collect())
    }

    fn chain_position(&mut self, device: &str) -> Result<Option<(u64, String)>, StoreError> {
        Ok(self
            .client
            .query_opt("SELECT last_seq, last_hash FROM devices WHERE device = $1", &[&device])?
            .map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, String>(1))))
    }

    fn prepare_days(&mut self, now: OffsetDateTime) -> Result<(), StoreError> {
        let today = ((now.unix_timestamp_nanos() / 1_000) as i64).div_euclid(DAY_US);
        self.create_partitions(today, today..=today + AHEAD_DAYS)
    }

    /// Drops every day partition wholly older than the cutoff, then deletes the older rows of the
    /// partition the cutoff falls in and of the default partitions. One replica at a time:
    /// another that finds the lock taken skips its pass (the one holding it removes the same
    /// rows).
    fn retain(&mut self, now: OffsetDateTime, keep: Duration) -> Result<RetentionReport, StoreError> {
        let locked: bool =
            self.client.query_one("SELECT pg_try_advisory_lock($1)", &[&RETENTION_LOCK])?.get(0);
        if !locked {
            return Ok(RetentionReport::default());
        }
        let report = self.retain_locked(now, keep);
        self.client.execute("SELECT pg_advisory_unlock($1)", &[&RETENTION_LOCK])?;
        report
    }

    fn analyze(&mut self) -> Result<(), StoreError> {
        // VACUUM too: it sets the visibility map, without which index-only lookups (the
        // credential question's) visit the heap anyway. Autovacuum does the same for
        // insert-only tables in normal operation.
        self.client.batch_execute("VACUUM (ANALYZE) events, event_tags")?;
        Ok(())
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.client.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?.map(|r| r.get(0)))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_round_trip() {
        for day in [0, 1, 20_000, 20_790] {
            let name = format!("events_{}", partition_suffix(day));
            assert_eq!(partition_day(&name), Some(day), "{name}");
        }
        assert_eq!(partition_suffix(20_790), "p20261203");
        assert_eq!(partition_day("events_default"), None);
    }

    #[test]
    fn servers_older_than_the_minimum_are_refused() {
        for (version_num, supported) in [
            ("110022", false),
            ("100023", false),
            ("90624", false),
            ("120000", true),
            ("150010", true),
            ("170002\n", true),
            ("", true),
            ("devel", true),
        ] {
            assert_eq!(supported_server(version_num), supported, "{version_num:?}");
        }
        let message = StoreError::PostgresTooOld { found: "11.22".into() }.to_string();
        assert_eq!(message, "the PostgreSQL server is version 11.22; Ward needs PostgreSQL 12 or later");
    }
}
