//! A throwaway PostgreSQL server for tests and benchmarks: `initdb` + `pg_ctl` in a temporary
//! directory, listening only on a Unix socket inside it. Used when `WARD_TEST_POSTGRES_URL` is
//! not set (`.ci/run` sets it), so `cargo test --workspace` exercises PostgreSQL on any machine
//! with the server binaries. Never a skip: if no server can be had, [`postgres_url`] fails and
//! says why.
//!
//! PostgreSQL refuses to run as root; as root the cluster runs as the `postgres` user (the
//! Debian package creates it) or else `nobody`, through `runuser`. A watcher process stops the
//! server and removes the directory when the process that started it exits.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The variable that names an existing server to test against.
pub const URL_VARIABLE: &str = "WARD_TEST_POSTGRES_URL";

/// A PostgreSQL URL for tests: `$WARD_TEST_POSTGRES_URL`, or a throwaway cluster started once
/// per process. The error says what is missing.
pub fn postgres_url() -> Result<String, String> {
    if let Ok(url) = std::env::var(URL_VARIABLE) {
        if !url.is_empty() {
            return Ok(url);
        }
    }
    static CLUSTER: OnceLock<Result<String, String>> = OnceLock::new();
    CLUSTER.get_or_init(start_cluster).clone()
}

/// A fresh, empty database on the test server (each test its own), as a connection string. Its
/// collation is C, unless `$WARD_TEST_POSTGRES_LOCALE` names another (`C.utf8`, `en_US.UTF-8`:
/// the whole suite then runs as on a server created with that locale).
pub fn fresh_database(prefix: &str) -> Result<String, String> {
    let locale = std::env::var(LOCALE_VARIABLE).ok().filter(|l| !l.is_empty());
    fresh_database_in(prefix, locale.as_deref().unwrap_or("C"))
}

/// The variable that sets the locale of the test databases ([`fresh_database`]).
pub const LOCALE_VARIABLE: &str = "WARD_TEST_POSTGRES_LOCALE";

/// A fresh, empty database on the test server whose collation and character classes are
/// `locale`'s (one the server's operating system has).
pub fn fresh_database_in(prefix: &str, locale: &str) -> Result<String, String> {
    if locale.is_empty() || !locale.chars().all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c)) {
        return Err(format!("{locale:?} is not a locale name"));
    }
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = postgres_url()?;
    let name = format!("{prefix}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
        .to_ascii_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_");
    let mut client = postgres::Client::connect(&base, postgres::NoTls).map_err(|e| {
        format!("cannot connect to the test PostgreSQL ({base}): {}", crate::postgres_message(&e))
    })?;
    // Separate statements: CREATE DATABASE cannot run inside the implicit transaction of a
    // multi-statement query.
    for statement in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE '{locale}' LC_CTYPE '{locale}'"),
    ] {
        client
            .batch_execute(&statement)
            .map_err(|e| format!("cannot create test database {name}: {}", crate::postgres_message(&e)))?;
    }
    Ok(with_dbname(&base, &name))
}

/// `base` with its database replaced by `name` (URL or key=value form).
fn with_dbname(base: &str, name: &str) -> String {
    if base.starts_with("postgres://") || base.starts_with("postgresql://") {
        let (without_query, query) = match base.split_once('?') {
            Some((a, b)) => (a, format!("?{b}")),
            None => (base, String::new()),
        };
        let scheme_end = without_query.find("://").map_or(0, |i| i + 3);
        let path_start = without_query[scheme_end..].find('/').map(|i| i + scheme_end);
        let authority = match path_start {
            Some(i) => &without_query[..i],
            None => without_query,
        };
        format!("{authority}/{name}{query}")
    } else {
        let kept: Vec<&str> = base.split_whitespace().filter(|kv| !kv.starts_with("dbname=")).collect();
        format!("{} dbname={name}", kept.join(" "))
    }
}

fn find_binary(name: &str) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).map(|dir| dir.join(name)).collect())
        .unwrap_or_default();
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries.flatten().map(|e| e.path().join("bin").join(name)).collect();
        versions.sort();
        versions.reverse();
        candidates.extend(versions);
    }
    candidates.into_iter().find(|path| path.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// (user name, uid, gid) of an account that can run PostgreSQL when we are root.
fn unprivileged_user() -> Option<(String, u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    for wanted in ["postgres", "nobody"] {
        for line in passwd.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() > 3 && fields[0] == wanted {
                return Some((wanted.to_owned(), fields[2].parse().ok()?, fields[3].parse().ok()?));
            }
        }
    }
    None
}

fn start_cluster() -> Result<String, String> {
    let missing = "PostgreSQL server binaries (initdb, pg_ctl) are not installed: install the \
                   `postgresql` package, or set WARD_TEST_POSTGRES_URL to a server to test against";
    let initdb = find_binary("initdb").ok_or(missing)?;
    let pg_ctl = find_binary("pg_ctl").ok_or(missing)?;
    let dir = std::env::temp_dir().join(format!("ward-test-pg-{}-{}", std::process::id(), nanos()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let run_as = if is_root() {
        let (user, uid, gid) = unprivileged_user()
            .ok_or("running as root and no `postgres` or `nobody` user to run PostgreSQL as")?;
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("cannot hand {} to {user}: {e}", dir.display()))?;
        Some(user)
    } else {
        None
    };
    let command = |program: &Path| {
        let mut command = match &run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        };
        command.stdin(Stdio::null());
        command
    };
    let data = dir.join("data");
    let output = command(&initdb)
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "ward", "-E", "UTF8", "--locale=C", "--no-sync"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", initdb.display()))?;
    if !output.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    let port = 20_000 + (std::process::id() % 20_000);
    let options = format!(
        "-k {} -p {port} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50",
        dir.display()
    );
    let output = command(&pg_ctl)
        .arg("-D")
        .arg(&data)
        .args(["-w", "-t", "60", "-l"])
        .arg(dir.join("log"))
        .args(["-o", &options, "start"])
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", pg_ctl.display()))?;
    if !output.status.success() {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        return Err(format!("pg_ctl start failed: {} {log}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    // Stop and remove the cluster when this process exits (statics are never dropped).
    let runner = match &run_as {
        Some(user) => format!("runuser -u {user} -- "),
        None => String::new(),
    };
    let watcher = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {runner}'{pg_ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &watcher])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the cluster's watcher: {e}"))?;
    Ok(format!("host={} port={port} user=ward dbname=postgres", dir.display()))
}

fn nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_replace_the_old_one() {
        assert_eq!(with_dbname("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(
            with_dbname("postgres://u@h/postgres?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
        assert_eq!(with_dbname("postgresql://u@h", "t1"), "postgresql://u@h/t1");
        assert_eq!(
            with_dbname("host=/tmp/x port=5 user=ward dbname=postgres", "t1"),
            "host=/tmp/x port=5 user=ward dbname=t1"
        );
    }
}
