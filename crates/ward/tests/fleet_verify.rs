//! `ward audit verify --server`: every device's chain intact and gap-free, or exactly which
//! device and which seq ranges are not — on SQLite and PostgreSQL.

mod fleet_support;

use std::path::Path;

use fleet_support::*;
use serde_json::{json, Value};

fn spool_events(endpoint: &Endpoint) -> Vec<Value> {
    let mut segments: Vec<_> = std::fs::read_dir(endpoint.data.join("spool"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    segments.sort();
    segments
        .iter()
        .flat_map(|s| std::fs::read_to_string(s).unwrap().lines().map(str::to_owned).collect::<Vec<_>>())
        .map(|line| serde_json::from_str(&line).unwrap())
        .collect()
}

fn verify_ranges(database: impl Fn(&Path) -> String) {
    let dir = tempfile::tempdir().unwrap();
    let server_data = dir.path().join("server-data");
    let database = database(&server_data);
    let mut server = start_server(&server_data, &database, "127.0.0.1:0");
    let token = server.enroll_token.clone().unwrap();
    let admin = std::fs::read_to_string(server_data.join("server/admin.token")).unwrap().trim().to_owned();
    let url = server.url.clone();
    let a = Endpoint::new(dir.path(), "a");
    let b = Endpoint::new(dir.path(), "b");
    for endpoint in [&a, &b] {
        for n in 0..12 {
            endpoint.hook(n);
        }
        let enroll = ["agent", "enroll", "--server", &url, "--token", &token, "--policy-target", "none"];
        assert_eq!(endpoint.run(&enroll, b"").status.code(), Some(0));
    }
    let verify = |expected: i32| {
        let out = a
            .command(&["audit", "verify", "--server", &url])
            .env("WARD_ADMIN_TOKEN", &admin)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(expected), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let ship = |endpoint: &Endpoint| {
        let out = endpoint
            .run(&["agent", "run", "--once", "--policy-target", "none", "--scan-interval-seconds", "0"], b"");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    };
    ship(&a);
    ship(&b);
    assert!(verify(0).contains("every device's chain intact (2 devices)"));

    // Device a's next events reach the server with holes (lost in transit, a tampered spool).
    for n in 12..24 {
        a.hook(n);
    }
    let events = spool_events(&a);
    let last = events.last().unwrap()["seq"].as_u64().unwrap();
    let kept: Vec<&Value> = events
        .iter()
        .filter(|e| {
            let seq = e["seq"].as_u64().unwrap();
            seq > 12 && seq != 14 && !(16..=19).contains(&seq)
        })
        .collect();
    let enrollment: Value =
        serde_json::from_slice(&std::fs::read(a.data.join("agent/enrollment.json")).unwrap()).unwrap();
    let bearer = format!("Bearer {}", enrollment["credential"].as_str().unwrap());
    let answer = http(
        "POST",
        &format!("{url}/api/v1/events"),
        &[("Authorization", &bearer), ("Content-Type", "application/json")],
        json!({"schema_version": 1, "events": kept}).to_string().as_bytes(),
    );
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));

    let report = verify(1);
    let a_line = format!("{}  ", a.device());
    let lines: Vec<&str> = report.lines().collect();
    let at = lines.iter().position(|l| l.starts_with(&a_line)).unwrap();
    assert!(lines[at].ends_with(&format!("last seq {last}  PROBLEMS")), "{report}");
    assert_eq!(lines[at + 1], "    missing seq 14", "{report}");
    assert_eq!(lines[at + 2], "    missing seqs 16..=19", "{report}");
    let b_line = lines.iter().find(|l| l.starts_with(&format!("{}  ", b.device()))).unwrap();
    assert!(b_line.ends_with("intact"), "{report}");
    assert!(report.ends_with("result  problems on 1 of 2 devices\n"), "{report}");
    let api = get(&format!("{url}/api/v1/verify"), &admin);
    let device = api["devices"].as_array().unwrap().iter().find(|d| d["device"] == a.device()).unwrap();
    assert_eq!(device["missing"], json!([{"first": 14, "last": 14}, {"first": 16, "last": 19}]));
    let kinds: Vec<&str> =
        device["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["gap", "gap"], "{device}");
    kill9(&mut server.child);
}

#[test]
fn verify_names_device_and_ranges_on_sqlite() {
    verify_ranges(|data| data.join("server/ward.db").display().to_string());
}

#[test]
fn verify_names_device_and_ranges_on_postgres() {
    verify_ranges(|_| {
        ward_store::throwaway::fresh_database("fleet_verify").expect("a PostgreSQL to test against")
    });
}
