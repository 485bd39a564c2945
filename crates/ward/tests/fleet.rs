//! The fleet end to end on loopback: `ward serve`, two enrolled endpoints (separate homes),
//! real `ward hook` calls, `ward agent run` shipping, the server and the daemon killed with
//! SIGKILL and restarted, and exact counts on the server afterwards — on SQLite and on a real
//! PostgreSQL.

mod fleet_support;

use std::path::Path;
use std::time::Duration;

use fleet_support::*;
use serde_json::{json, Value};

fn fleet_end_to_end(database: impl Fn(&Path) -> String) {
    let dir = tempfile::tempdir().unwrap();
    let server_data = dir.path().join("server-data");
    let database = database(&server_data);
    let mut server = start_server(&server_data, &database, "127.0.0.1:0");
    let enroll_token = server.enroll_token.clone().expect("the first start prints an enrollment token");
    let admin_file = server_data.join("server/admin.token");
    let admin = std::fs::read_to_string(&admin_file).unwrap().trim().to_owned();
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&admin_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let url = server.url.clone();
    let listen = url.trim_start_matches("http://").to_owned();

    let a = Endpoint::new(dir.path(), "a");
    let b = Endpoint::new(dir.path(), "b");
    for endpoint in [&a, &b] {
        endpoint.hook(0); // creates the spool and device id before enrolling
        let out = endpoint.run(&["agent", "enroll", "--server", &url, "--token", &enroll_token], b"");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let key = std::fs::read(endpoint.data.join("fleet.key")).unwrap();
        assert_eq!(key.len(), 32);
    }
    assert_eq!(
        std::fs::read(a.data.join("fleet.key")).unwrap(),
        std::fs::read(b.data.join("fleet.key")).unwrap()
    );

    // Shipping while the server runs.
    for n in 1..=15 {
        a.hook(n);
        b.hook(n);
    }
    let mut daemon_a = a.daemon();
    let mut daemon_b = b.daemon();
    wait_for("the first events", || count(&url, &admin, &a.device()) == a.recorded());

    // The server killed: hooks keep recording, daemons keep retrying.
    kill9(&mut server.child);
    for n in 16..=30 {
        a.hook(n);
        b.hook(n);
    }
    std::thread::sleep(Duration::from_millis(400));
    server = start_server(&server_data, &database, &listen);
    assert!(server.enroll_token.is_none(), "a restart is not a first start");

    // The daemon killed at arbitrary points while shipping, several times.
    for round in 0..6 {
        for n in 0..5 {
            a.hook(100 + round * 10 + n);
        }
        std::thread::sleep(Duration::from_millis(7 * round as u64));
        kill9(&mut daemon_a);
        daemon_a = a.daemon();
    }
    // And the server once more, mid-stream.
    kill9(&mut server.child);
    server = start_server(&server_data, &database, &listen);

    for endpoint in [&a, &b] {
        let device = endpoint.device();
        wait_for("every event", || count(&url, &admin, &device) >= endpoint.recorded());
    }
    std::thread::sleep(Duration::from_millis(300));
    for endpoint in [&a, &b] {
        assert_eq!(count(&url, &admin, &endpoint.device()), endpoint.recorded(), "exactly once");
    }
    kill9(&mut daemon_a);
    kill9(&mut daemon_b);

    // The whole fleet's chains as the server holds them: intact, gap-free.
    let verify = get(&format!("{url}/api/v1/verify"), &admin);
    assert_eq!(verify["intact"], true, "{verify}");
    assert_eq!(verify["devices"].as_array().unwrap().len(), 2);
    let counted = get(&format!("{url}/api/v1/count?q=class:credential&by=agent,device"), &admin);
    assert_eq!(counted["rows"].as_array().unwrap().len(), 2, "{counted}");
    assert_eq!(counted["total"].as_u64().unwrap(), a.recorded() + b.recorded());

    // The credential question over the whole fleet, from the CLI.
    let mut cli = a.command(&[
        "audit",
        "query",
        "class:credential",
        "--since",
        "90d",
        "--count-by",
        "agent,device",
        "--server",
        &url,
        "--format",
        "json",
    ]);
    let out = cli.env("WARD_ADMIN_TOKEN", &admin).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["total"].as_u64().unwrap(), a.recorded() + b.recorded(), "{answer}");
    let mut rows: Vec<(String, u64)> = answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["device"].as_str().unwrap().to_owned(), r["count"].as_u64().unwrap()))
        .collect();
    rows.sort();
    let mut expected = vec![(a.device(), a.recorded()), (b.device(), b.recorded())];
    expected.sort();
    assert_eq!(rows, expected);
    let verify_cli = |expected: i32| {
        let out = a
            .command(&["audit", "verify", "--server", &url])
            .env("WARD_ADMIN_TOKEN", &admin)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(expected), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(verify_cli(0).contains("every device's chain intact"));
    let out = a
        .command(&["audit", "verify", "--server", &url])
        .env("WARD_ADMIN_TOKEN", "warda_bad")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad admin token is an error: {out:?}");

    // A device writes only its own events.
    let credential: Value =
        serde_json::from_slice(&std::fs::read(a.data.join("agent/enrollment.json")).unwrap()).unwrap();
    let events = get(&format!("{url}/api/v1/events?q=device:{}&limit=1", b.device()), &admin);
    // The listing carries its total, as /api/v1/count gives it.
    let counted = get(&format!("{url}/api/v1/count?q=device:{}", b.device()), &admin);
    assert_eq!(events["events"].as_array().map(Vec::len), Some(1), "{events}");
    assert_eq!(events["total"], counted["total"], "{events}");
    assert!(events["total"].as_u64().is_some_and(|t| t > 1), "{events}");
    let body = json!({"schema_version": 1, "events": events["events"]}).to_string();
    let agent =
        ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    let response = agent
        .post(&format!("{url}/api/v1/events"))
        .header("Authorization", &format!("Bearer {}", credential["credential"].as_str().unwrap()))
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let mut response = agent.post(&format!("{url}/api/v1/events")).send(b"{}".as_slice()).unwrap();
    assert_eq!(response.status().as_u16(), 400, "a bad body is refused before authentication");
    let error: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(error["error"]["code"], "bad_request");

    // An erased spool is a restart the server reports, not a fresh start it accepts.
    // (The anchor outside the spool makes a bare `rm -rf spool` continue the chain; whoever
    // also removes the anchor restarts it, which only the server can see.)
    std::fs::remove_dir_all(b.data.join("spool")).unwrap();
    std::fs::remove_file(b.data.join("spool.anchor")).unwrap();
    b.hook(999);
    let out = b.run(&["agent", "run", "--once"], b"");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let findings = get(&format!("{url}/api/v1/findings?device={}", b.device()), &admin);
    let kinds: Vec<&str> =
        findings["findings"].as_array().unwrap().iter().filter_map(|f| f["kind"].as_str()).collect();
    assert_eq!(kinds, ["restart"], "{findings}");
    assert_eq!(get(&format!("{url}/api/v1/verify"), &admin)["intact"], false);
    let report = verify_cli(1);
    assert!(report.contains(&format!("{}  ", b.device())) && report.contains("restart at seq 1"), "{report}");
    kill9(&mut server.child);
}

#[test]
fn fleet_on_sqlite_survives_kills_and_counts_exactly() {
    fleet_end_to_end(|data| data.join("server/ward.db").display().to_string());
}

#[test]
fn fleet_on_postgres_survives_kills_and_counts_exactly() {
    fleet_end_to_end(|_| {
        ward_store::throwaway::fresh_database("fleet_e2e").expect("a PostgreSQL to test against")
    });
}
