//! What the fleet tests share: endpoints with their own homes and repositories, `ward serve`
//! started and killed as a process, and admin API calls over loopback.
#![allow(dead_code)] // each test crate uses a different part

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const WARD: &str = env!("CARGO_BIN_EXE_ward");

pub struct Endpoint {
    pub home: PathBuf,
    pub data: PathBuf,
    pub repo: PathBuf,
    pub system_root: PathBuf,
}

impl Endpoint {
    pub fn new(root: &Path, name: &str) -> Endpoint {
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

    pub fn command(&self, args: &[&str]) -> Command {
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

    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
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
    pub fn hook(&self, n: usize) {
        let payload = json!({
            "session_id": format!("s{n}"), "transcript_path": "/tmp/t.jsonl", "cwd": self.repo,
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Read",
            "tool_input": {"file_path": "~/.aws/credentials"}, "tool_use_id": format!("toolu_{n}")
        });
        let out = self.run(&["hook", "claude-code"], payload.to_string().as_bytes());
        assert!(out.status.code().is_some(), "{out:?}");
    }

    /// The last seq this endpoint's spool holds: how many events the server must end up with.
    pub fn recorded(&self) -> u64 {
        let out = self.run(&["audit", "verify", "--format", "json"], b"");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["problems"], json!([]), "{report}");
        report["last_seq"].as_u64().unwrap()
    }

    pub fn device(&self) -> String {
        std::fs::read_to_string(self.data.join("device.id")).unwrap().trim().to_owned()
    }

    pub fn daemon(&self) -> Child {
        self.daemon_with(&[])
    }

    /// The daemon with extra `ward agent run` arguments.
    pub fn daemon_with(&self, extra: &[&str]) -> Child {
        // No scheduled scans: these tests count a device's own events exactly.
        let mut args = vec![
            "agent",
            "run",
            "--poll-seconds",
            "0.05",
            "--max-backoff-seconds",
            "0.3",
            "--scan-interval-seconds",
            "0",
        ];
        args.extend_from_slice(extra);
        self.command(&args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
    }
}

pub struct Server {
    pub child: Child,
    pub url: String,
    pub enroll_token: Option<String>,
}

/// A failing test does not leave its server running.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `ward serve` and reads its start-up lines (address, first-start token).
pub fn start_server(data: &Path, database: &str, listen: &str) -> Server {
    start_server_with(data, database, listen, &[])
}

/// [`start_server`] with extra `ward serve` arguments.
pub fn start_server_with(data: &Path, database: &str, listen: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(WARD)
        .args(["serve", "--listen", listen, "--database", database])
        .args(extra)
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

pub fn kill9(child: &mut Child) {
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

pub fn get(url: &str, admin: &str) -> Value {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build(),
    );
    let mut response = agent
        .get(url)
        .header("Authorization", &format!("Bearer {admin}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert_eq!(response.status().as_u16(), 200, "{url}");
    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
}

pub fn count(server: &str, admin: &str, device: &str) -> u64 {
    get(&format!("{server}/api/v1/count?q=device:{device}"), admin)["total"].as_u64().unwrap()
}

pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP request with the given headers.
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .timeout_global(Some(Duration::from_secs(10)))
            .build(),
    );
    let request = ureq::http::Request::builder().method(method).uri(url);
    let request = headers.iter().fold(request, |r, (name, value)| r.header(*name, *value));
    let mut response = agent.run(request.body(body.to_vec()).unwrap()).unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.body_mut().read_to_vec().unwrap();
    Answer { status, headers, body }
}
