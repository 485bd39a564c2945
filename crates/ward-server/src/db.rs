//! The server's own tables (tokens, devices, policies, settings) on the same database as the
//! event store: SQLite for the embedded default, PostgreSQL for fleets and replicas. One small
//! value type and SQL written once with `$1…$n` placeholders, which both engines accept (SQLite
//! numbers `$N` parameters in order of first appearance, so every statement here uses them in
//! order). Every value reaches SQL as a bound parameter.

use std::path::Path;

use crate::ServerError;

/// A column value: the server's tables hold only text and 64-bit integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// A NULL text value.
    Null,
    /// A NULL integer (PostgreSQL binds parameters by type, so the two NULLs differ).
    NullInt,
    Int(i64),
    Text(String),
}

impl Val {
    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Text(text) => Some(text),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl From<&str> for Val {
    fn from(text: &str) -> Val {
        Val::Text(text.to_owned())
    }
}
impl From<String> for Val {
    fn from(text: String) -> Val {
        Val::Text(text)
    }
}
impl From<i64> for Val {
    fn from(n: i64) -> Val {
        Val::Int(n)
    }
}
impl From<Option<i64>> for Val {
    fn from(value: Option<i64>) -> Val {
        value.map_or(Val::NullInt, Val::Int)
    }
}
impl From<Option<&str>> for Val {
    fn from(value: Option<&str>) -> Val {
        value.map_or(Val::Null, Into::into)
    }
}
impl From<Option<String>> for Val {
    fn from(value: Option<String>) -> Val {
        value.map_or(Val::Null, Val::Text)
    }
}

/// One connection to the server's database.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

/// Whether a database URL names PostgreSQL (as `ward_store::open` reads it).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("host=")
}

/// The SQLite file a non-PostgreSQL URL names.
pub fn sqlite_path(url: &str) -> &Path {
    Path::new(url.strip_prefix("sqlite://").unwrap_or(url))
}

const MIGRATIONS: &[&str] = &[
    // 1: tokens, devices, policies, settings.
    "CREATE TABLE IF NOT EXISTS fleet_tokens (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        label TEXT,
        device TEXT,
        uses_left BIGINT,
        expires_us BIGINT,
        created_us BIGINT NOT NULL,
        revoked_us BIGINT,
        last_used_us BIGINT
    );
    CREATE TABLE IF NOT EXISTS fleet_devices (
        id TEXT PRIMARY KEY,
        hostname TEXT,
        enrolled_us BIGINT NOT NULL,
        enrollments BIGINT NOT NULL,
        last_seen_us BIGINT,
        version TEXT,
        policy_digest TEXT,
        last_seq BIGINT,
        findings BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS fleet_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS fleet_policies (
        digest TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        pushed_us BIGINT NOT NULL
    );",
    // 2: policy versions, and what each device reports it enforces.
    "CREATE TABLE IF NOT EXISTS fleet_policy_versions (
        version BIGINT PRIMARY KEY,
        digest TEXT NOT NULL,
        pushed_us BIGINT NOT NULL,
        label TEXT
    );
    ALTER TABLE fleet_policies ADD COLUMN bytes BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE fleet_devices ADD COLUMN policy_source TEXT;
    ALTER TABLE fleet_devices ADD COLUMN policy_reported_us BIGINT;",
    // 3: each device's inventory and drift findings as its snapshots last showed them.
    "CREATE TABLE IF NOT EXISTS fleet_inventory (
        device TEXT NOT NULL,
        artifact TEXT NOT NULL,
        kind TEXT NOT NULL,
        client TEXT NOT NULL,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        source TEXT NOT NULL,
        identity TEXT NOT NULL,
        hash TEXT NOT NULL,
        first_seen_us BIGINT NOT NULL,
        last_seen_us BIGINT NOT NULL,
        changed_us BIGINT NOT NULL,
        removed_us BIGINT,
        PRIMARY KEY (device, artifact)
    );
    CREATE INDEX IF NOT EXISTS fleet_inventory_kind_name ON fleet_inventory (kind, name);
    CREATE TABLE IF NOT EXISTS fleet_drift (
        device TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status TEXT NOT NULL,
        kind TEXT NOT NULL,
        client TEXT NOT NULL,
        name TEXT NOT NULL,
        message TEXT NOT NULL,
        first_seen_us BIGINT NOT NULL,
        last_seen_us BIGINT NOT NULL,
        resolved_us BIGINT,
        PRIMARY KEY (device, fingerprint)
    );
    ALTER TABLE fleet_devices ADD COLUMN last_snapshot_us BIGINT;",
];

impl Conn {
    /// Opens the database `url` names and brings the server's tables up to date.
    pub fn open(url: &str) -> Result<Conn, ServerError> {
        let mut conn = if is_postgres(url) {
            let client = postgres::Client::connect(url, postgres::NoTls)
                .map_err(|e| ServerError::Database(format!("cannot connect to PostgreSQL: {e}")))?;
            Conn::Postgres(Box::new(client))
        } else {
            let path = sqlite_path(url);
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| ServerError::Database(format!("cannot create {}: {e}", parent.display())))?;
            }
            let connection = rusqlite::Connection::open(path).map_err(sqlite)?;
            connection.busy_timeout(std::time::Duration::from_secs(10)).map_err(sqlite)?;
            connection.pragma_update(None, "journal_mode", "WAL").map_err(sqlite)?;
            Conn::Sqlite(connection)
        };
        conn.migrate()?;
        Ok(conn)
    }

    fn migrate(&mut self) -> Result<(), ServerError> {
        // Every pooled connection comes through here: when the tables are current (the usual
        // case) nothing is written, so opening connections under load takes no write lock.
        if let Ok(rows) = self.query("SELECT version FROM fleet_schema", &[]) {
            if rows.first().and_then(|r| r.first()).and_then(Val::int) == Some(MIGRATIONS.len() as i64) {
                return Ok(());
            }
        }
        // Replicas may start at once: PostgreSQL serializes them on an advisory lock. SQLite
        // takes the write lock up front (IMMEDIATE): a deferred transaction that reads and then
        // writes fails at once with "database is locked" when another connection wrote in
        // between, instead of waiting for the busy timeout.
        match self {
            Conn::Sqlite(_) => self.batch("BEGIN IMMEDIATE")?,
            Conn::Postgres(_) => {
                self.batch("BEGIN")?;
                self.batch("SELECT pg_advisory_xact_lock(7400214)")?;
            }
        }
        self.batch("CREATE TABLE IF NOT EXISTS fleet_schema (version BIGINT NOT NULL)")?;
        let rows = self.query("SELECT version FROM fleet_schema", &[])?;
        let current = rows.first().and_then(|r| r.first()).and_then(Val::int).unwrap_or(0);
        if current > MIGRATIONS.len() as i64 {
            self.batch("ROLLBACK")?;
            return Err(ServerError::Database(format!(
                "the server's tables are at version {current}, newer than this Ward knows ({}); upgrade Ward",
                MIGRATIONS.len()
            )));
        }
        for migration in MIGRATIONS.iter().skip(current as usize) {
            self.batch(migration)?;
        }
        if rows.is_empty() {
            self.execute(
                "INSERT INTO fleet_schema (version) VALUES ($1)",
                &[Val::Int(MIGRATIONS.len() as i64)],
            )?;
        } else {
            self.execute("UPDATE fleet_schema SET version = $1", &[Val::Int(MIGRATIONS.len() as i64)])?;
        }
        self.batch("COMMIT")
    }

    /// Begins a transaction that will write (SQLite takes the write lock now, waiting for the
    /// busy timeout, rather than failing when a read inside it has to become a write).
    pub fn begin_write(&mut self) -> Result<(), ServerError> {
        match self {
            Conn::Sqlite(_) => self.batch("BEGIN IMMEDIATE"),
            Conn::Postgres(_) => self.batch("BEGIN"),
        }
    }

    /// Runs statements without parameters.
    pub fn batch(&mut self, sql: &str) -> Result<(), ServerError> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql).map_err(sqlite),
            Conn::Postgres(c) => c.batch_execute(sql).map_err(pg),
        }
    }

    /// Runs one statement; returns the rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, ServerError> {
        match self {
            Conn::Sqlite(c) => {
                let changed = c.execute(sql, rusqlite::params_from_iter(params.iter().map(sqlite_value)));
                changed.map(|n| n as u64).map_err(sqlite)
            }
            Conn::Postgres(c) => {
                let owned = pg_params(params);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    owned.iter().map(|p| p.as_ref()).collect();
                c.execute(sql, &refs).map_err(pg)
            }
        }
    }

    /// Runs a query; every column must be text or a 64-bit integer.
    pub fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, ServerError> {
        match self {
            Conn::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql).map_err(sqlite)?;
                let columns = statement.column_count();
                let mut rows = statement
                    .query(rusqlite::params_from_iter(params.iter().map(sqlite_value)))
                    .map_err(sqlite)?;
                let mut out = Vec::new();
                while let Some(row) = rows.next().map_err(sqlite)? {
                    let mut values = Vec::with_capacity(columns);
                    for index in 0..columns {
                        values.push(match row.get_ref(index).map_err(sqlite)? {
                            rusqlite::types::ValueRef::Integer(n) => Val::Int(n),
                            rusqlite::types::ValueRef::Text(t) => {
                                Val::Text(String::from_utf8_lossy(t).into_owned())
                            }
                            _ => Val::Null,
                        });
                    }
                    out.push(values);
                }
                Ok(out)
            }
            Conn::Postgres(c) => {
                let owned = pg_params(params);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    owned.iter().map(|p| p.as_ref()).collect();
                let rows = c.query(sql, &refs).map_err(pg)?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let mut values = Vec::with_capacity(row.len());
                    for (index, column) in row.columns().iter().enumerate() {
                        let value = if *column.type_() == postgres::types::Type::INT8 {
                            row.try_get::<_, Option<i64>>(index).map_err(pg)?.map_or(Val::Null, Val::Int)
                        } else {
                            row.try_get::<_, Option<String>>(index).map_err(pg)?.map_or(Val::Null, Val::Text)
                        };
                        values.push(value);
                    }
                    out.push(values);
                }
                Ok(out)
            }
        }
    }
}

fn sqlite_value(value: &Val) -> rusqlite::types::Value {
    match value {
        Val::Null | Val::NullInt => rusqlite::types::Value::Null,
        Val::Int(n) => rusqlite::types::Value::Integer(*n),
        Val::Text(t) => rusqlite::types::Value::Text(t.clone()),
    }
}

fn pg_params(params: &[Val]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    params
        .iter()
        .map(|value| -> Box<dyn postgres::types::ToSql + Sync> {
            match value {
                Val::Null => Box::new(Option::<String>::None),
                Val::NullInt => Box::new(Option::<i64>::None),
                Val::Int(n) => Box::new(*n),
                Val::Text(t) => Box::new(t.clone()),
            }
        })
        .collect()
}

fn sqlite(error: rusqlite::Error) -> ServerError {
    ServerError::Database(format!("SQLite: {error}"))
}

fn pg(error: postgres::Error) -> ServerError {
    let message = match error.as_db_error() {
        Some(db) => format!("PostgreSQL: {}: {}", db.severity(), db.message()),
        None => format!("PostgreSQL: {error}"),
    };
    ServerError::Database(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Connections opened while others write (a server's pool growing under load) neither
    /// fail with "database is locked" nor write anything when the tables are current.
    #[test]
    fn opening_connections_under_concurrent_writes_never_fails() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("fleet.db").display().to_string();
        Conn::open(&url).unwrap();
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let mut writer = Conn::open(&url).unwrap();
                let mut n = 0i64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    writer
                        .execute(
                            "INSERT INTO fleet_settings (name, value) VALUES ($1, $2)",
                            &[format!("k{n}").into(), "v".into()],
                        )
                        .unwrap();
                }
            });
            let openers: Vec<_> = (0..6)
                .map(|_| {
                    scope.spawn(|| (0..40).map(|_| Conn::open(&url).map(drop)).collect::<Result<Vec<_>, _>>())
                })
                .collect();
            let results: Vec<_> = openers.into_iter().map(|o| o.join().unwrap()).collect();
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for result in results {
                result.unwrap();
            }
        });
    }
}
