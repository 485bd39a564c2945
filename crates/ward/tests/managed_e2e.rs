//! Managed mode end to end, across users: `ward agent run --managed` as root on a temp system
//! root, `ward hook codex` as the unprivileged user `nobody`. Hook calls are recorded in the
//! managed spool with nobody's uid as the kernel reports it; a hand-written client running as
//! nobody cannot make the daemon record another uid; the daemon killed, hooks fall back to
//! nobody's own spool; restarted, it adopts exactly those events, flagged, nothing twice; and
//! nobody erasing their own files changes nothing in the managed record.
//!
//! Needs root (to run the daemon as root and the hook as another user), as `.ci/run` has.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const NOBODY: u32 = 65534;
const NOGROUP: u32 = 65534;

/// The daemon process, killed if a failing assertion leaves it running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl std::ops::Deref for Running {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    system: PathBuf,
    home: PathBuf,
    user_data: PathBuf,
    repo: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let system = root.join("system");
        let home = root.join("home");
        let user_data = home.join(".local/share/ward");
        let repo = home.join("webapp");
        std::fs::create_dir_all(&system).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        let git = |args: &[&str]| {
            assert!(Command::new("git").args(args).current_dir(&repo).status().unwrap().success())
        };
        git(&["init", "-q"]);
        git(&["remote", "add", "origin", "git@github.com:acme/webapp.git"]);
        assert!(Command::new("chown").args(["-R", "nobody:nogroup"]).arg(&home).status().unwrap().success());
        Setup { _dir: dir, root, system, home, user_data, repo }
    }

    fn managed_dir(&self) -> PathBuf {
        self.system.join("var/lib/ward")
    }

    fn socket(&self) -> PathBuf {
        self.system.join("run/ward/ward.sock")
    }

    fn start_daemon(&self) -> Running {
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(self.root.join("daemon.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["agent", "run", "--managed"])
            .env_clear()
            .env("HOME", self.root.join("roothome"))
            .env("WARD_SYSTEM_ROOT", &self.system)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let child = Running(child);
        let started = Instant::now();
        while !self.daemon_answers() {
            assert!(started.elapsed() < Duration::from_secs(20), "the daemon did not start: {}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    fn daemon_answers(&self) -> bool {
        let out = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["agent", "status"])
            .env("WARD_SYSTEM_ROOT", &self.system)
            .output()
            .unwrap();
        out.status.success()
    }

    fn status(&self) -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["agent", "status"])
            .env("WARD_SYSTEM_ROOT", &self.system)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("daemon.log")).unwrap_or_default()
    }

    /// `ward hook codex` as nobody; the answer and stderr.
    fn hook_as_nobody(&self, command: &str) -> (String, String) {
        let payload = json!({
            "session_id": "0199a3c2-7f1e-7c40-9a55-3b8e2f0c1d11", "turn_id": "turn-1", "transcript_path": null,
            "cwd": self.repo, "hook_event_name": "PreToolUse", "model": "gpt-5-codex", "permission_mode": "default",
            "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "call-1"
        });
        let mut child = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["hook", "codex"])
            .env_clear()
            .env("HOME", &self.home)
            .env("WARD_SYSTEM_ROOT", &self.system)
            .env("PATH", "/usr/bin:/bin")
            .current_dir(&self.repo)
            .uid(NOBODY)
            .gid(NOGROUP)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(payload.to_string().as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    fn managed_events(&self) -> Vec<Value> {
        spool_events(&self.managed_dir())
    }

    fn wait_for_managed(&self, count: usize) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let events = self.managed_events();
            if events.len() >= count {
                return events;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{} of {count} events in the managed spool; log:\n{}",
                events.len(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn spool_events(data_dir: &Path) -> Vec<Value> {
    let mut segments: Vec<PathBuf> = match std::fs::read_dir(data_dir.join("spool")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect(),
        Err(_) => return Vec::new(),
    };
    segments.sort();
    segments
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn via(events: &[Value], how: &str) -> Vec<Value> {
    events.iter().filter(|e| e["detail"]["managed"]["via"] == how).cloned().collect()
}

/// A client of its own, run as nobody, that claims to be root in every way the frame allows.
fn forge_as_nobody(socket: &Path) -> Value {
    let script = r#"
import json, socket, struct, sys
event = {"schema_version": 1, "id": "x", "seq": 1, "device": "root-device", "time": "2026-01-01T00:00:00Z",
         "kind": "decision", "agent": "codex", "decision": "allow", "rule": "forged", "prev_hash": "", "hash": "",
         "input": {"command": "forged by nobody"}, "uid": 0,
         "detail": {"managed": {"via": "socket", "uid": 0, "peer": {"uid": 0, "gid": 0, "pid": 1}}}}
body = json.dumps({"v": 1, "type": "append", "event": event}).encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(struct.pack(">I", len(body)) + body)
n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
print(s.recv(n, socket.MSG_WAITALL).decode())
"#;
    let out = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(socket)
        .env_clear()
        .uid(NOBODY)
        .gid(NOGROUP)
        .output()
        .expect("python3 runs the hand-written client");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn managed_mode_across_users_records_falls_back_and_adopts_exactly_once() {
    if ward_audit::trust::effective_uid() != 0 {
        eprintln!(
            "managed_e2e needs root (the daemon runs as root, the hook as nobody); .ci/run runs as root"
        );
        return;
    }
    let s = Setup::new();

    // 1. Daemon up: five hook calls as nobody, recorded in the managed spool with nobody's uid.
    let mut daemon = s.start_daemon();
    for i in 0..5 {
        let (answer, stderr) = s.hook_as_nobody(&format!("cargo test -p billing --test t{i}"));
        assert!(!stderr.contains("managed daemon"), "{stderr}");
        let _ = answer;
    }
    let events = s.managed_events();
    assert_eq!(events.len(), 5, "{events:#?}");
    for event in &events {
        assert_eq!(event["detail"]["managed"]["via"], "socket");
        assert_eq!(event["detail"]["managed"]["uid"], NOBODY);
        assert_eq!(event["detail"]["managed"]["peer"]["gid"], NOGROUP);
        assert_eq!(event["agent"], "codex");
        let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_ward")).unwrap();
        assert_eq!(event["detail"]["managed"]["peer"]["exe"], json!(exe));
    }
    assert!(spool_events(&s.user_data).is_empty(), "nothing in nobody's own spool while the daemon is up");

    // 1b. Root's own hook call registers root's data directory; nobody's status does not show it.
    let root_home = s.root.join("roothome");
    std::fs::create_dir_all(&root_home).unwrap();
    let payload = json!({"session_id": "s", "turn_id": "t", "cwd": root_home, "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "uptime"}, "tool_use_id": "c"});
    let mut child = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["hook", "codex"])
        .env_clear()
        .env("HOME", &root_home)
        .env("WARD_SYSTEM_ROOT", &s.system)
        .current_dir(&root_home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(payload.to_string().as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    let started = Instant::now();
    while s.status()["sources"].as_array().unwrap().len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(10), "{}", s.status());
        std::thread::sleep(Duration::from_millis(50));
    }
    let as_nobody = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["agent", "status"])
        .env_clear()
        .env("HOME", &s.home)
        .env("WARD_SYSTEM_ROOT", &s.system)
        .uid(NOBODY)
        .gid(NOGROUP)
        .output()
        .unwrap();
    assert!(as_nobody.status.success(), "{}", String::from_utf8_lossy(&as_nobody.stderr));
    let seen: Value = serde_json::from_slice(&as_nobody.stdout).unwrap();
    assert_eq!(seen["sources"].as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen["sources"][0]["uid"], NOBODY);
    let events = s.managed_events();
    assert_eq!(events.len(), 6);
    assert_eq!(events[5]["detail"]["managed"]["uid"], 0);

    // 2. A client of nobody's own claiming root: recorded as nobody, the claims dropped.
    let answer = forge_as_nobody(&s.socket());
    assert_eq!(answer["type"], "ack", "{answer}");
    let events = s.managed_events();
    assert_eq!(events.len(), 7);
    let forged = &events[6];
    assert_eq!(forged["detail"]["managed"]["uid"], NOBODY);
    assert_eq!(forged["detail"]["managed"]["peer"]["uid"], NOBODY);
    assert!(forged.get("uid").is_none(), "{forged}");
    assert_ne!(forged["device"], "root-device");
    assert!(forged["detail"]["managed"]["peer"]["exe"].as_str().unwrap().contains("python"), "{forged}");

    // 3. Killed: hooks still answer, in nobody's own spool, saying so.
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let started = Instant::now();
    for i in 0..4 {
        let (_, stderr) = s.hook_as_nobody(&format!("ls -la src/{i}"));
        assert!(stderr.contains("managed daemon did not record"), "{stderr}");
    }
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(spool_events(&s.user_data).len(), 4);
    assert_eq!(s.managed_events().len(), 7);

    // 4. Restarted: those four adopted, flagged, intact chain, nothing twice.
    let mut daemon = s.start_daemon();
    let events = s.wait_for_managed(11);
    std::thread::sleep(Duration::from_millis(500));
    let events_later = s.managed_events();
    assert_eq!(events_later.len(), 11, "nothing more than the four: {events_later:#?}");
    let adopted = via(&events, "adopted");
    assert_eq!(adopted.len(), 4);
    let mut seqs: Vec<u64> =
        adopted.iter().map(|e| e["detail"]["managed"]["adopted"]["seq"].as_u64().unwrap()).collect();
    seqs.sort();
    assert_eq!(seqs, [1, 2, 3, 4]);
    for (i, event) in adopted.iter().enumerate() {
        assert_eq!(event["detail"]["managed"]["uid"], NOBODY);
        assert_eq!(event["detail"]["managed"]["adopted"]["chain"], "intact");
        assert_eq!(event["input"]["command"], format!("ls -la src/{i}"));
    }
    assert_eq!(via(&events, "socket").len(), 7);

    // 5. Up again: a hook call goes to the daemon; nothing is adopted again.
    s.hook_as_nobody("git status");
    std::thread::sleep(Duration::from_millis(500));
    let status = s.status();
    assert_eq!(status["adopted_total"], 4, "{status}");
    assert_eq!(s.managed_events().len(), 12);
    assert_eq!(spool_events(&s.user_data).len(), 4);

    // 5b. The daemon stalls (stopped): the hook gives up within its budget and records the call
    // itself; resumed, the daemon sees the hook gone and does not store it; it adopts it once.
    let signal = |name: &str| {
        assert!(Command::new("kill").args([name, &daemon.id().to_string()]).status().unwrap().success())
    };
    signal("-STOP");
    let started = Instant::now();
    let (_, stderr) = s.hook_as_nobody("make deploy-preview");
    let waited = started.elapsed();
    signal("-CONT");
    assert!(stderr.contains("no answer within 1250 ms"), "{stderr}");
    assert!(waited >= Duration::from_millis(1250) && waited < Duration::from_secs(4), "{waited:?}");
    assert_eq!(spool_events(&s.user_data).len(), 5);
    let events = s.wait_for_managed(13);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(s.managed_events().len(), 13, "stored once, by adoption: {:#?}", s.managed_events());
    let last = &events[12];
    assert_eq!(last["detail"]["managed"]["via"], "adopted");
    assert_eq!(last["input"]["command"], "make deploy-preview");

    // 6. nobody erases their own files: the managed record is unchanged and intact.
    let before: Vec<Value> = s.managed_events();
    let erased = Command::new("rm").arg("-rf").arg(&s.user_data).uid(NOBODY).gid(NOGROUP).status().unwrap();
    assert!(erased.success());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.managed_events(), before);
    // nobody cannot touch the managed files at all.
    let touch = Command::new("rm")
        .arg("-rf")
        .arg(s.managed_dir().join("spool"))
        .uid(NOBODY)
        .gid(NOGROUP)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!touch.success());
    assert_eq!(s.managed_events(), before);

    // 7. SIGTERM: a clean stop, the socket removed (hooks then fall back without a complaint).
    assert!(Command::new("kill").args(["-TERM", &daemon.id().to_string()]).status().unwrap().success());
    let status = daemon.wait().unwrap();
    assert!(status.success(), "{status:?}; log:\n{}", s.log());
    assert!(!s.socket().exists());
    let verify = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["audit", "verify"])
        .env("HOME", s.root.join("roothome"))
        .env("WARD_HOME", s.managed_dir())
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

#[test]
fn install_service_writes_prints_and_removes_the_unit_under_a_root() {
    let root = tempfile::tempdir().unwrap();
    let ward = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(args)
            .env("WARD_SYSTEM_ROOT", root.path())
            .output()
            .unwrap()
    };
    let printed = ward(&[
        "agent",
        "install-service",
        "--dry-run",
        "--target",
        "systemd",
        "--bin",
        "/opt/ward/bin/ward",
    ]);
    assert!(printed.status.success());
    let unit = String::from_utf8(printed.stdout).unwrap();
    assert!(unit.contains("ExecStart=/opt/ward/bin/ward agent run --managed"), "{unit}");
    assert!(!root.path().join("etc").exists(), "--dry-run writes nothing");

    let installed = ward(&["agent", "install-service", "--target", "systemd", "--bin", "/opt/ward/bin/ward"]);
    assert!(installed.status.success(), "{}", String::from_utf8_lossy(&installed.stderr));
    let path = root.path().join("etc/systemd/system/ward-agent.service");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), unit);
    let said = String::from_utf8(installed.stdout).unwrap();
    assert!(
        said.contains("not started") && said.contains("systemctl enable --now ward-agent.service"),
        "{said}"
    );

    let plist = ward(&["agent", "install-service", "--target", "launchd", "--root"]).status.success();
    assert!(!plist, "--root needs a value");
    let launchd = ward(&["agent", "install-service", "--target", "launchd", "--bin", "/opt/ward/bin/ward"]);
    assert!(launchd.status.success());
    assert!(root.path().join("Library/LaunchDaemons/dev.ward.agent.plist").is_file());
    assert!(!ward(&["agent", "install-service", "--target", "upstart"]).status.success());

    let removed = ward(&["agent", "uninstall-service", "--target", "systemd"]);
    assert!(removed.status.success());
    assert!(!path.exists());
    std::fs::write(&path, "[Service]\nExecStart=/bin/true\n").unwrap();
    let refused = ward(&["agent", "uninstall-service", "--target", "systemd"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not written by `ward agent install-service`"));
    assert!(path.exists(), "a unit Ward did not write stays");
}

#[test]
fn managed_mode_refuses_to_run_as_a_user_and_says_why() {
    let root = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ward"));
    command.args(["agent", "run", "--managed"]).env("WARD_SYSTEM_ROOT", root.path()).env("HOME", root.path());
    if ward_audit::trust::effective_uid() == 0 {
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        command.uid(NOBODY).gid(NOGROUP);
    }
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("managed mode must run as root"), "{stderr}");
    assert!(!root.path().join("var/lib/ward").exists(), "nothing is created");
    // Without a daemon, status says so.
    let status = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["agent", "status"])
        .env("WARD_SYSTEM_ROOT", root.path())
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&status.stderr).contains("no managed daemon is running"));
}
