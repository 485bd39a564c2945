//! Inventory snapshots end to end: devices send `ward scan` documents, the server records what
//! appeared, changed and disappeared as events ("when did this MCP server first show up, and
//! where" is a query), keeps each device's inventory and drift findings with first and last
//! sighting, and none of it disturbs the devices' own hash chains — on SQLite and PostgreSQL.

mod fleet_support;

use std::path::Path;

use fleet_support::*;
use serde_json::{json, Value};

fn artifact(id: &str, kind: &str, name: &str, identity: &str) -> Value {
    json!({"id": id, "kind": kind, "client": "claude-code", "name": name, "scope": "user",
           "source": "/home/dev/.claude.json", "identity": identity})
}

fn scan(artifacts: Vec<Value>, drift: Vec<Value>) -> String {
    let mut document = json!({
        "schema_version": 1, "ward_version": "0.1.0", "generated_at": "2026-12-03T10:00:00Z",
        "device": {"hostname": "h", "os": "linux", "arch": "x86_64", "user": "dev", "home": "/home/dev"},
        "artifacts": artifacts,
    });
    if !drift.is_empty() {
        document["drift"] = json!({"policy": "fleet", "governed": ["mcp_server"], "results": drift});
    }
    document.to_string()
}

fn unapproved(name: &str, fingerprint: &str) -> Value {
    json!({"status": "unapproved", "kind": "mcp_server", "client": "claude-code", "name": name,
           "identity": "x", "required": false, "message": format!("mcp_server {name} is not approved"),
           "fingerprint": fingerprint})
}

fn snapshot(endpoint: &Endpoint, dir: &Path, document: &str) -> Value {
    let file = dir.join("scan.json");
    std::fs::write(&file, document).unwrap();
    let out = endpoint.run(&["agent", "snapshot", "--from", &file.display().to_string()], b"");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn counts(answer: &Value) -> [u64; 6] {
    ["appeared", "changed", "disappeared", "drift_opened", "drift_resolved", "events_inserted"]
        .map(|k| answer[k].as_u64().unwrap_or_else(|| panic!("{k} in {answer}")))
}

fn query(endpoint: &Endpoint, url: &str, admin: &str, q: &str, extra: &[&str]) -> Value {
    let mut args = vec!["audit", "query", q, "--server", url, "--format", "json"];
    args.extend_from_slice(extra);
    let out = endpoint.command(&args).env("WARD_ADMIN_TOKEN", admin).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn inventory_diffs(database: impl Fn(&Path) -> String) {
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
        for n in 0..3 {
            endpoint.hook(n);
        }
        let enroll = ["agent", "enroll", "--server", &url, "--token", &token, "--policy-target", "none"];
        assert_eq!(endpoint.run(&enroll, b"").status.code(), Some(0));
    }

    let github = artifact("00000000000000a1", "mcp_server", "github", "npx -y server-github@1.0.0");
    let linter = artifact("00000000000000b2", "extension", "acme.linter", "acme.linter@2.1.0");
    let first = scan(vec![github.clone(), linter.clone()], vec![unapproved("github", "f1f1f1f1f1f1f1f1")]);
    assert_eq!(counts(&snapshot(&a, dir.path(), &first)), [2, 0, 0, 1, 0, 3]);
    // The same snapshot again (a retry, or nothing changed): nothing new.
    assert_eq!(counts(&snapshot(&a, dir.path(), &first)), [0, 0, 0, 0, 0, 0]);

    // github re-pinned, the linter removed, slack added, the drift finding resolved.
    let github_v2 = artifact("00000000000000a1", "mcp_server", "github", "npx -y server-github@2.0.0");
    let slack = artifact("00000000000000c3", "mcp_server", "slack", "https://mcp.slack.example/sse");
    let second = scan(vec![github_v2, slack.clone()], vec![]);
    assert_eq!(counts(&snapshot(&a, dir.path(), &second)), [1, 1, 1, 0, 1, 4]);
    // Device b gets github later.
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(counts(&snapshot(&b, dir.path(), &scan(vec![github.clone()], vec![]))), [1, 0, 0, 0, 0, 1]);

    // "When did the github MCP server first show up, and where": a query over events.
    let appeared = query(
        &a,
        &url,
        &admin,
        "kind:inventory_change class:mcp_server tool:github rule:inventory.appeared",
        &["--limit", "10"],
    );
    let events = appeared["events"].as_array().unwrap();
    let devices: Vec<&str> = events.iter().map(|e| e["device"].as_str().unwrap()).collect();
    assert_eq!(devices, [b.device(), a.device()], "newest first: {appeared}");
    assert_eq!(events[1]["paths"][0]["path"], "/home/dev/.claude.json");
    assert!(events[0]["time"].as_str().unwrap() > events[1]["time"].as_str().unwrap());
    let by_device =
        query(&a, &url, &admin, "kind:inventory_change tool:github", &["--count-by", "device,rule"]);
    assert_eq!(by_device["total"], 3, "{by_device}");
    let changed = query(&a, &url, &admin, "rule:inventory.changed", &[]);
    assert_eq!(changed["events"][0]["detail"]["artifact"]["identity"], "npx -y server-github@2.0.0");
    let gone = query(&a, &url, &admin, "rule:inventory.disappeared class:extension", &[]);
    assert_eq!(gone["events"][0]["tool"], "acme.linter", "{gone}");

    // The fleet's inventory with first and last sighting; what disappeared on request.
    let held = get(&format!("{url}/api/v1/inventory?kind=mcp_server"), &admin);
    let mut rows: Vec<(String, String)> = held["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["device"].as_str().unwrap().to_owned(), r["name"].as_str().unwrap().to_owned()))
        .collect();
    rows.sort();
    let mut expected = vec![
        (a.device(), "github".to_owned()),
        (a.device(), "slack".to_owned()),
        (b.device(), "github".to_owned()),
    ];
    expected.sort();
    assert_eq!(rows, expected);
    let linter_rows = get(&format!("{url}/api/v1/inventory?kind=extension&removed=true"), &admin);
    assert!(linter_rows["artifacts"][0]["removed"].is_string(), "{linter_rows}");
    assert_eq!(get(&format!("{url}/api/v1/inventory?kind=extension"), &admin)["artifacts"], json!([]));

    // Drift findings per device: first and last seen, resolved when a snapshot lacks them.
    assert_eq!(get(&format!("{url}/api/v1/drift"), &admin)["drift"], json!([]));
    let drift = get(&format!("{url}/api/v1/drift?resolved=true&device={}", a.device()), &admin);
    let finding = &drift["drift"][0];
    assert_eq!(
        (finding["fingerprint"].as_str(), finding["status"].as_str()),
        (Some("f1f1f1f1f1f1f1f1"), Some("unapproved"))
    );
    assert!(finding["first_seen"].as_str().unwrap() <= finding["last_seen"].as_str().unwrap());
    assert!(finding["resolved"].is_string());
    let reopened =
        snapshot(&a, dir.path(), &scan(vec![slack], vec![unapproved("github", "f1f1f1f1f1f1f1f1")]));
    assert_eq!(reopened["drift_opened"], 1, "a finding that returns opens again: {reopened}");
    assert_eq!(get(&format!("{url}/api/v1/drift"), &admin)["drift"].as_array().unwrap().len(), 1);

    // A real scan of the device, sent by the daemon's own command.
    std::fs::write(
        b.home.join(".claude.json"),
        r#"{"mcpServers":{"fs":{"command":"npx","args":["-y","@modelcontextprotocol/server-filesystem"]}}}"#,
    )
    .unwrap();
    let out = b.run(&["agent", "snapshot"], b"");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(answer["appeared"].as_u64().unwrap() >= 2, "the agent and its MCP server: {answer}");
    let fs = query(&b, &url, &admin, "class:mcp_server tool:fs rule:inventory.appeared", &[]);
    assert_eq!(fs["events"][0]["device"], b.device().as_str(), "{fs}");

    // Bad snapshots are clear 4xx errors; a device's chain is untouched by all of this.
    let credential: Value =
        serde_json::from_slice(&std::fs::read(a.data.join("agent/enrollment.json")).unwrap()).unwrap();
    let bearer = format!("Bearer {}", credential["credential"].as_str().unwrap());
    let bad = http(
        "POST",
        &format!("{url}/api/v1/inventory"),
        &[("Authorization", &bearer)],
        b"{\"schema_version\":1}",
    );
    assert_eq!((bad.status, bad.json()["error"]["code"].as_str()), (400, Some("bad_request")));
    let unauthenticated =
        http("POST", &format!("{url}/api/v1/inventory"), &[], first_body(&first).as_bytes());
    assert_eq!(unauthenticated.status, 401);
    for endpoint in [&a, &b] {
        assert_eq!(
            endpoint.run(&["agent", "run", "--once", "--scan-interval-seconds", "0"], b"").status.code(),
            Some(0)
        );
        let own = get(&format!("{url}/api/v1/count?q=device:{}%20kind:decision", endpoint.device()), &admin);
        assert_eq!(own["total"].as_u64(), Some(endpoint.recorded()));
    }
    let verify = get(&format!("{url}/api/v1/verify"), &admin);
    assert_eq!(verify["intact"], true, "derived events are outside the chains: {verify}");
    kill9(&mut server.child);
}

fn first_body(scan: &str) -> String {
    format!(r#"{{"schema_version":1,"scan":{scan}}}"#)
}

#[test]
fn inventory_diffs_on_sqlite() {
    inventory_diffs(|data| data.join("server/ward.db").display().to_string());
}

#[test]
fn inventory_diffs_on_postgres() {
    inventory_diffs(|_| {
        ward_store::throwaway::fresh_database("fleet_inventory").expect("a PostgreSQL to test against")
    });
}
