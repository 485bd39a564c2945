//! The fleet end to end on loopback: `ward serve`, two enrolled endpoints (separate homes),
//! real `ward hook` calls, `ward agent run` shipping, the server and the daemon killed with
//! SIGKILL and restarted, and exact counts on the server afterwards — on SQLite and on a real
//! PostgreSQL.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const WARD: &str = env!("CARGO_BIN_EXE_ward");

struct Endpoint {
    home: PathBuf,
    data: PathBuf,
    repo: PathBuf,
    system_root: PathBuf,
}

impl Endpoint {
    fn new(root: &Path, name: &str) -> Endpoint {
        let base = root.join(name);
        let home = base.join("home");
        let repo = base.join("webapp");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        let git = |args: &[&str]| {
            assert!(Command::new("git").args(args).current_dir(&repo).output().unwrap().status.success());
        };
        git(&["init", "-q"]);
        git(&["remote", "add", "origin", "git@github.com:acme/webapp.git"]);
        Endpoint { home, data: base.join("ward-data"), repo, system_root: base.join("no-system") }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(WARD);
        command
            .args(args)
            .current_dir(&self.repo)
            .env("HOME", &self.home)
            .env("WARD_HOME", &self.data)
            .env("WARD_SYSTEM_ROOT", &self.system_root)
            .env_remove("WARD_POLICY")
            .env_remove("WARD_DATABASE");
        command
    }

    fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }

    /// One real hook call: Claude Code reading a credential file (every call is recorded).
    fn hook(&self, n: usize) {
        let payload = json!({
            "session_id": format!("s{n}"), "transcript_path": "/tmp/t.jsonl", "cwd": self.repo,
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Read",
            "tool_input": {"file_path": "~/.aws/credentials"}, "tool_use_id": format!("toolu_{n}")
        });
        let out = self.run(&["hook", "claude-code"], payload.to_string().as_bytes());
        assert!(out.status.code().is_some(), "{out:?}");
    }

    /// The last seq this endpoint's spool holds: how many events the server must end up with.
    fn recorded(&self) -> u64 {
        let out = self.run(&["audit", "verify", "--format", "json"], b"");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["problems"], json!([]), "{report}");
        report["last_seq"].as_u64().unwrap()
    }

    fn device(&self) -> String {
        std::fs::read_to_string(self.data.join("device.id")).unwrap().trim().to_owned()
    }

    fn daemon(&self) -> Child {
        self.command(&["agent", "run", "--poll-seconds", "0.05", "--max-backoff-seconds", "0.3"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }
}

struct Server {
    child: Child,
    url: String,
    enroll_token: Option<String>,
}

/// Starts `ward serve` and reads its start-up lines (address, first-start token).
fn start_server(data: &Path, database: &str, listen: &str) -> Server {
    let mut child = Command::new(WARD)
        .args(["serve", "--listen", listen, "--database", database])
        .env("WARD_HOME", data)
        .env("HOME", data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // The first-start lines (if any) come first; the address line is the last start-up line.
    let mut url = None;
    let mut enroll_token = None;
    let mut expect_token = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if expect_token {
            enroll_token = Some(line.trim().to_owned());
            expect_token = false;
        } else if line.contains("enrollment token") {
            expect_token = true;
        } else if let Some(rest) = line.strip_prefix("ward serve: listening on ") {
            url = Some(rest.split(' ').next().unwrap().to_owned());
            break;
        }
    }
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, url: url.expect("the server printed its address"), enroll_token }
}

fn kill9(child: &mut Child) {
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

fn get(url: &str, admin: &str) -> Value {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build(),
    );
    let mut response = agent.get(url).header("Authorization", &format!("Bearer {admin}")).call().unwrap();
    assert_eq!(response.status().as_u16(), 200, "{url}");
    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
}

fn count(server: &str, admin: &str, device: &str) -> u64 {
    get(&format!("{server}/api/v1/count?q=device:{device}"), admin)["total"].as_u64().unwrap()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

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
