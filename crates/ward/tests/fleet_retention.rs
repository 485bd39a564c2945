//! `ward serve --retention-days`: the server removes events older than its window when it
//! starts (and hourly), on SQLite and on PostgreSQL, and keeps every event with 0.

mod fleet_support;

use std::path::Path;

use fleet_support::{get, http, start_server_with, wait_for, Server};
use time::{Duration, OffsetDateTime};
use ward_store::generate::Generator;

/// 2,000 events of 6 devices over the last 120 days, stored before the server starts.
fn fill(database: &str) -> Vec<ward_model::Event> {
    let now = OffsetDateTime::now_utc();
    let events = Generator::new(11, 6, now - Duration::days(120), Duration::days(120), 2_000).batch(2_000);
    let mut store = ward_store::open(database).unwrap();
    assert_eq!(store.ingest(&events).unwrap().inserted, 2_000);
    events
}

fn metric(url: &str, admin: &str, name: &str) -> u64 {
    let answer =
        http("GET", &format!("{url}/metrics"), &[("Authorization", &format!("Bearer {admin}"))], b"");
    assert_eq!(answer.status, 200);
    let text = String::from_utf8(answer.body).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

/// `ward serve --retention-days DAYS`, once its first maintenance pass is done; and the admin
/// token.
fn serve_until_maintained(data: &Path, database: &str, days: &str) -> (Server, String) {
    let server = start_server_with(data, database, "127.0.0.1:0", &["--retention-days", days]);
    let admin = std::fs::read_to_string(data.join("server/admin.token")).unwrap().trim().to_owned();
    wait_for("the first maintenance pass", || {
        metric(&server.url, &admin, "ward_maintenance_runs_total") >= 1
    });
    (server, admin)
}

fn retention(data: &Path, database: &str) {
    let events = fill(database);
    let cutoff = OffsetDateTime::now_utc() - Duration::days(30);
    let kept = events
        .iter()
        .filter(|e| e.time.unix_micros() >= (cutoff.unix_timestamp_nanos() / 1000) as i64)
        .count();
    assert!(kept > 300 && kept < 700, "the fixture spans the window: {kept}");

    let (server, admin) = serve_until_maintained(data, database, "30");
    let total = get(&format!("{}/api/v1/count?q=", server.url), &admin)["total"].as_u64().unwrap();
    // An event within a minute of the cutoff may fall either side (the server's clock ran on).
    assert!(total.abs_diff(kept as u64) <= 2, "kept {total}, expected about {kept}");
    let deleted = metric(&server.url, &admin, "ward_retention_events_deleted_total");
    assert_eq!(deleted + total, 2_000);
    // Nothing older than the window answers a query any more, set terms included.
    let old = get(&format!("{}/api/v1/count?q=until:31d", server.url), &admin)["total"].as_u64().unwrap();
    assert_eq!(old, 0);
    assert_eq!(metric(&server.url, &admin, "ward_maintenance_failures_total"), 0);
}

fn forever(data: &Path, database: &str) {
    fill(database);
    let (server, admin) = serve_until_maintained(data, database, "0");
    assert_eq!(get(&format!("{}/api/v1/count?q=", server.url), &admin)["total"].as_u64().unwrap(), 2_000);
    assert_eq!(metric(&server.url, &admin, "ward_retention_events_deleted_total"), 0);
}

/// The embedded default's database under a fresh data directory.
fn sqlite_data() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("server")).unwrap();
    let database = dir.path().join("server/ward.db").display().to_string();
    (dir, database)
}

#[test]
fn retention_removes_old_events_on_sqlite() {
    let (dir, database) = sqlite_data();
    retention(dir.path(), &database);
}

#[test]
fn retention_removes_old_events_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let database = ward_store::throwaway::fresh_database("retention").expect("a PostgreSQL to test against");
    retention(dir.path(), &database);
}

#[test]
fn retention_zero_keeps_every_event() {
    let (dir, database) = sqlite_data();
    forever(dir.path(), &database);
    let dir = tempfile::tempdir().unwrap();
    let database =
        ward_store::throwaway::fresh_database("retention_forever").expect("a PostgreSQL to test against");
    forever(dir.path(), &database);
}
