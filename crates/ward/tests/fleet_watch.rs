//! Change-triggered snapshots end to end: `ward agent run` with an hour between scheduled scans
//! against a loopback `ward serve`; Codex is installed after the daemon started (its folder did
//! not exist) with an MCP server in `~/.codex/config.toml`, and the server records the
//! `inventory_change` for it within seconds, not at the next scheduled scan.

mod fleet_support;

use std::process::Stdio;

use fleet_support::*;
use serde_json::Value;

/// How many events match `q` at the server.
fn events(endpoint: &Endpoint, url: &str, admin: &str, q: &str) -> usize {
    let out = endpoint
        .command(&["audit", "query", q, "--server", url, "--format", "json"])
        .env("WARD_ADMIN_TOKEN", admin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    answer["events"].as_array().unwrap_or_else(|| panic!("{answer}")).len()
}

#[test]
fn a_new_agent_config_sends_a_snapshot_without_waiting_for_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let server_data = dir.path().join("server-data");
    let database = server_data.join("server/ward.db").display().to_string();
    let server = start_server(&server_data, &database, "127.0.0.1:0");
    let token = server.enroll_token.clone().unwrap();
    let admin = std::fs::read_to_string(server_data.join("server/admin.token")).unwrap().trim().to_owned();
    let url = server.url.clone();
    let endpoint = Endpoint::new(dir.path(), "a");
    let enroll = ["agent", "enroll", "--server", &url, "--token", &token, "--policy-target", "none"];
    assert_eq!(endpoint.run(&enroll, b"").status.code(), Some(0));

    let log_file = dir.path().join("agent.log");
    let log = || std::fs::read_to_string(&log_file).unwrap_or_default();
    let daemon = endpoint
        .command(&[
            "agent",
            "run",
            "--poll-seconds",
            "0.05",
            "--scan-interval-seconds",
            "3600",
            "--watch-seconds",
            "0.2",
            "--min-scan-gap-seconds",
            "1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_file).unwrap())
        .spawn()
        .unwrap();
    // Killed however the test ends.
    let mut daemon = KillOnDrop(daemon);
    wait_for("the scheduled snapshot at start", || log().contains("snapshot (scheduled)"));
    let github = "kind:inventory_change class:mcp_server tool:github rule:inventory.appeared";
    assert_eq!(events(&endpoint, &url, &admin, github), 0);

    // Codex installed now: its folder did not exist when the daemon started.
    let codex = endpoint.home.join(".codex");
    std::fs::create_dir(&codex).unwrap();
    std::fs::write(
        codex.join("config.toml"),
        "[mcp_servers.github]\ncommand = \"npx\"\nargs = [\"-y\", \"@modelcontextprotocol/server-github\"]\n",
    )
    .unwrap();
    wait_for("the inventory_change of the new MCP server", || events(&endpoint, &url, &admin, github) == 1);
    // The daemon writes its line about the snapshot once the server has answered it, which
    // may be a moment after the server stored the events the query above found.
    wait_for("the daemon's line about the changed snapshot", || {
        let log = log();
        log.contains(".codex") && log.contains("changed):")
    });
    let log = log();
    assert_eq!(log.matches("snapshot (scheduled)").count(), 1, "{log}");
    kill9(&mut daemon.0);
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
