//! Managed mode in one process: the daemon on a temp system root, the hook's client, adoption
//! from a user's spool, and what a client must not be able to do. (The cross-user end-to-end
//! test, the daemon as root and the hook as another user, is `crates/ward/tests/managed_e2e.rs`.)

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use ward_audit::{draft_event, Spool, SpoolReader};
use ward_endpoint::managed::client::{self, ClientError};
use ward_endpoint::managed::daemon::{Daemon, DaemonConfig, DaemonError, StopHandle};
use ward_endpoint::managed::frame::{read_frame, Response, MAX_FRAME_BYTES};
use ward_endpoint::managed::ManagedPaths;
use ward_model::{Decision, Event, EventKind};

const TOKEN: &str = "ghp_R4nd0mT0kenV4lue1234567890abcdefABCD";
const BUDGET: Duration = Duration::from_secs(5);

fn me() -> u32 {
    ward_audit::trust::effective_uid()
}

struct Running {
    paths: ManagedPaths,
    stop: StopHandle,
    thread: Option<JoinHandle<()>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Running {
    fn start(root: &Path) -> Running {
        Running::try_start(root).expect("the daemon starts")
    }

    fn try_start(root: &Path) -> Result<Running, DaemonError> {
        let paths = ManagedPaths::new(root);
        let mut config = DaemonConfig::new(paths.clone());
        config.require_root = false;
        config.adopt_interval = Duration::from_millis(200);
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let daemon = Daemon::start(config, Box::new(move |line| sink.lock().unwrap().push(line.to_owned())))?;
        let stop = daemon.stop_handle();
        let thread = std::thread::spawn(move || daemon.run().unwrap());
        Ok(Running { paths, stop, thread: Some(thread), log })
    }

    fn send(&self, event: &Event, fallback: Option<&Path>) -> Result<client::Ack, ClientError> {
        client::append(&self.paths.socket, me(), event, fallback, BUDGET)
    }

    fn events(&self) -> Vec<Event> {
        managed_events(&self.paths)
    }

    fn wait_adopted(&self, total: u64) {
        let started = Instant::now();
        loop {
            let status = client::status(&self.paths.socket, me(), BUDGET).unwrap();
            let adopted = status["adopted_total"].as_u64().unwrap();
            if adopted >= total {
                assert_eq!(adopted, total, "adopted more than expected; log: {:?}", self.log.lock().unwrap());
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "adopted {adopted} of {total}; log: {:?}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stop.stop();
            let _ = thread.join();
        }
    }
}

fn framed(body: &[u8]) -> Vec<u8> {
    [&(body.len() as u32).to_be_bytes()[..], body].concat()
}

fn managed_events(paths: &ManagedPaths) -> Vec<Event> {
    SpoolReader::open(&paths.state_dir.join("spool"))
        .unwrap()
        .map(|line| line.unwrap().event().unwrap())
        .collect()
}

fn decision(command: &str) -> Event {
    let mut event = draft_event(EventKind::Decision);
    event.agent = Some("codex".into());
    event.tool = Some("Bash".into());
    event.decision = Some(Decision::Allow);
    event.rule = Some("test.rule".into());
    event.input = json!({ "command": command });
    event.detail = json!({ "event": "PreToolUse" });
    event
}

/// A user data directory with a spool of `n` decision events (and one inventory event).
fn user_spool(dir: &Path, n: usize) -> PathBuf {
    let data = dir.join("user-data");
    let mut spool = Spool::open(&data).unwrap();
    for i in 0..n {
        spool.append(decision(&format!("echo fallback {i}"))).unwrap();
        if i == 0 {
            spool.append(draft_event(EventKind::InventoryChange)).unwrap();
        }
    }
    data
}

#[test]
fn events_carry_the_kernels_identity_not_the_clients_claim() {
    let root = tempfile::tempdir().unwrap();
    let daemon = Running::start(root.path());
    let mut forged = decision(&format!("curl -H 'Authorization: token {TOKEN}' https://x"));
    // The forged identity is a number no id, hash or timestamp will contain by chance (4242 did:
    // a time's microseconds, `.142427`, made this test fail once).
    let forged_uid = 3_987_654_321_u32;
    forged.detail = json!({ "managed": { "via": "socket", "uid": forged_uid, "peer": { "uid": forged_uid, "gid": forged_uid, "pid": 1 } } });
    forged.unknown.insert("uid".into(), json!(forged_uid));
    forged
        .redactions
        .push(ward_model::event::RedactionRecord { rule: "fake".into(), fingerprint: "f".into() });
    forged.device = "another-device".into();
    forged.seq = 999;
    let ack = daemon.send(&forged, None).unwrap();
    assert_eq!(ack.seq, 1);
    let events = daemon.events();
    assert_eq!(events.len(), 1);
    let stored = &events[0];
    assert_eq!(stored.id, ack.id);
    assert_eq!(stored.device, ack.device);
    let managed = &stored.detail["managed"];
    assert_eq!(managed["via"], "socket");
    assert_eq!(managed["uid"], json!(me()));
    assert_eq!(managed["peer"]["uid"], json!(me()));
    assert_eq!(managed["peer"]["pid"], json!(std::process::id()));
    let text = serde_json::to_string(stored).unwrap();
    assert!(!text.contains(&forged_uid.to_string()), "{text}");
    assert!(!text.contains("fake"), "{text}");
    assert!(!text.contains(TOKEN), "the daemon redacts: {text}");
    assert!(text.contains("[REDACTED:"), "{text}");
    let report = ward_audit::verify(&daemon.paths.state_dir).unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    daemon.stop();
}

#[test]
fn only_decision_events_are_accepted_through_the_socket() {
    let root = tempfile::tempdir().unwrap();
    let daemon = Running::start(root.path());
    for kind in [EventKind::InventoryChange, EventKind::Drift, EventKind::FloorCheck] {
        match daemon.send(&draft_event(kind), None) {
            Err(ClientError::Refused { code, .. }) => assert_eq!(code, "refused"),
            other => panic!("{kind:?}: {other:?}"),
        }
    }
    assert!(daemon.events().is_empty());
    daemon.stop();
}

#[test]
fn malformed_frames_get_an_error_and_record_nothing() {
    let root = tempfile::tempdir().unwrap();
    let daemon = Running::start(root.path());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![0xff, 0xff, 0xff, 0xff], "too_large"),
        (vec![0, 0, 0, 3, b'a', b'b', b'c'], "malformed"),
        (framed(br#"{"v":9,"type":"append","e":1}"#), "unsupported_version"),
        (framed(br#"{"v":1,"type":"append","event":{"kind":1}}"#), "malformed"),
        (framed(br#"{"v":1,"type":"erase-everything"}"#), "malformed"),
    ];
    for (bytes, code) in cases {
        let mut stream = UnixStream::connect(&daemon.paths.socket).unwrap();
        stream.write_all(&bytes).unwrap();
        stream.set_read_timeout(Some(BUDGET)).unwrap();
        let body = read_frame(&mut stream, MAX_FRAME_BYTES).unwrap();
        match Response::decode(&body).unwrap() {
            Response::Error { code: got, .. } => {
                assert_eq!(got, code, "{:?}", String::from_utf8_lossy(&bytes))
            }
            other => panic!("{other:?}"),
        }
    }
    // A client that sends half a frame and stalls is cut off by the frame timeout.
    let mut stalled = UnixStream::connect(&daemon.paths.socket).unwrap();
    stalled.write_all(&[0, 0, 1, 0, b'{']).unwrap();
    stalled.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    assert!(started.elapsed() < Duration::from_secs(8), "the daemon must not wait forever");
    assert!(daemon.events().is_empty());
    // And it still serves.
    daemon.send(&decision("ls"), None).unwrap();
    daemon.stop();
}

#[test]
fn the_client_refuses_a_socket_served_by_another_uid_and_tells_absent_from_dead() {
    let root = tempfile::tempdir().unwrap();
    let daemon = Running::start(root.path());
    let socket = daemon.paths.socket.clone();
    match client::append(&socket, me().wrapping_add(1), &decision("ls"), None, BUDGET) {
        Err(ClientError::Impostor { uid, .. }) => assert_eq!(uid, me()),
        other => panic!("{other:?}"),
    }
    assert!(daemon.events().is_empty(), "nothing is sent to an impostor");
    daemon.stop();
    // Stopped cleanly: the socket is gone.
    assert!(matches!(
        client::append(&socket, me(), &decision("ls"), None, BUDGET),
        Err(ClientError::NotRunning)
    ));
    // A stale socket (the daemon was killed): refused, quickly.
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    drop(listener);
    let started = Instant::now();
    assert!(matches!(
        client::append(&socket, me(), &decision("ls"), None, BUDGET),
        Err(ClientError::Unreachable { .. })
    ));
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_second_daemon_on_the_same_state_refuses_to_start() {
    let root = tempfile::tempdir().unwrap();
    let daemon = Running::start(root.path());
    assert!(matches!(Running::try_start(root.path()), Err(DaemonError::AlreadyRunning(_))));
    daemon.send(&decision("ls"), None).unwrap();
    daemon.stop();
}

#[test]
fn adoption_copies_each_fallback_event_once_flagged_with_the_chain_result() {
    let root = tempfile::tempdir().unwrap();
    let data = user_spool(root.path(), 5);
    let daemon = Running::start(root.path());
    // The hook names its fallback directory; the daemon adopts what is there.
    daemon.send(&decision("direct 1"), Some(&data)).unwrap();
    daemon.wait_adopted(5);
    let events = daemon.events();
    assert_eq!(events.len(), 6);
    let adopted: Vec<&Event> = events.iter().filter(|e| e.detail["managed"]["via"] == "adopted").collect();
    assert_eq!(adopted.len(), 5, "the inventory event is not adopted");
    for (i, event) in adopted.iter().enumerate() {
        let from = &event.detail["managed"]["adopted"];
        assert_eq!(event.detail["managed"]["uid"], json!(me()));
        assert_eq!(from["chain"], "intact", "{from}");
        assert_eq!(from["data_dir"], json!(data));
        assert_eq!(event.input["command"], json!(format!("echo fallback {i}")));
    }
    daemon.stop();

    // Restarted: nothing again; new fallback events: exactly those.
    let mut spool = Spool::open(&data).unwrap();
    spool.append(decision("echo fallback 5")).unwrap();
    spool.append(decision("echo fallback 6")).unwrap();
    let daemon = Running::start(root.path());
    daemon.wait_adopted(7);
    std::thread::sleep(Duration::from_millis(500));
    daemon.wait_adopted(7);
    let events = daemon.events();
    assert_eq!(events.iter().filter(|e| e.detail["managed"]["via"] == "adopted").count(), 7);
    let commands: Vec<&str> = events.iter().filter_map(|e| e.input["command"].as_str()).collect();
    for i in 0..7 {
        let command = format!("echo fallback {i}");
        assert_eq!(commands.iter().filter(|c| **c == command).count(), 1, "{command}");
    }
    assert!(ward_audit::verify(&daemon.paths.state_dir).unwrap().is_intact());
    daemon.stop();
}

#[test]
fn a_crash_between_adopting_and_saving_the_cursor_duplicates_nothing() {
    let root = tempfile::tempdir().unwrap();
    let data = user_spool(root.path(), 3);
    let daemon = Running::start(root.path());
    daemon.send(&decision("direct"), Some(&data)).unwrap();
    daemon.wait_adopted(3);
    daemon.stop();
    // Roll the saved state back to before the adoption, as if the daemon died before saving.
    let state_file = ManagedPaths::new(root.path()).daemon_dir().join("adoption.json");
    let mut state: Value = serde_json::from_slice(&std::fs::read(&state_file).unwrap()).unwrap();
    state["managed_seq"] = json!(1);
    state["sources"][0]["seq"] = json!(0);
    state["sources"][0]["device"] = Value::Null;
    state["sources"][0]["hash"] = json!(ward_model::event::GENESIS_HASH);
    std::fs::write(&state_file, serde_json::to_vec(&state).unwrap()).unwrap();
    let daemon = Running::start(root.path());
    std::thread::sleep(Duration::from_millis(600));
    let adopted = daemon.events().iter().filter(|e| e.detail["managed"]["via"] == "adopted").count();
    assert_eq!(adopted, 3, "the managed spool's own record of adoptions wins over a stale cursor");
    daemon.stop();
}

#[test]
fn events_deleted_from_the_users_spool_before_adoption_show_as_a_gap() {
    let root = tempfile::tempdir().unwrap();
    let data = user_spool(root.path(), 4);
    // The user (or an agent) deletes the second decision line (seq 3) before the daemon saw it.
    let segment = std::fs::read_dir(data.join("spool"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .unwrap();
    let text = std::fs::read_to_string(&segment).unwrap();
    let kept: Vec<&str> = text.lines().enumerate().filter(|(i, _)| *i != 2).map(|(_, l)| l).collect();
    std::fs::write(&segment, kept.join("\n") + "\n").unwrap();
    let daemon = Running::start(root.path());
    daemon.send(&decision("direct"), Some(&data)).unwrap();
    daemon.wait_adopted(3);
    let events = daemon.events();
    let chains: Vec<&Value> = events
        .iter()
        .filter(|e| e.detail["managed"]["via"] == "adopted")
        .map(|e| &e.detail["managed"]["adopted"]["chain"])
        .collect();
    assert_eq!(chains[0], "intact");
    assert_eq!(chains[1][0]["kind"], "gap", "{chains:?}");
    daemon.stop();
}

#[test]
fn erasing_or_truncating_the_users_files_leaves_the_managed_record_intact() {
    let root = tempfile::tempdir().unwrap();
    let data = user_spool(root.path(), 2);
    let daemon = Running::start(root.path());
    for i in 0..10 {
        daemon.send(&decision(&format!("direct {i}")), Some(&data)).unwrap();
    }
    daemon.wait_adopted(2);
    let before = daemon.events();
    assert_eq!(before.len(), 12);
    // Truncate the user's segments, then remove the whole user data directory.
    for entry in std::fs::read_dir(data.join("spool")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    }
    std::thread::sleep(Duration::from_millis(400));
    std::fs::remove_dir_all(&data).unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let after = daemon.events();
    assert_eq!(after.len(), 12);
    assert_eq!(
        before.iter().map(|e| &e.hash).collect::<Vec<_>>(),
        after.iter().map(|e| &e.hash).collect::<Vec<_>>()
    );
    assert!(ward_audit::verify(&daemon.paths.state_dir).unwrap().is_intact());
    // The directory comes back as a new chain: adopted, flagged as a restart.
    let _ = user_spool(root.path(), 1);
    daemon.wait_adopted(3);
    let last = daemon.events().into_iter().rfind(|e| e.detail["managed"]["via"] == "adopted").unwrap();
    assert_eq!(last.detail["managed"]["adopted"]["chain"][0]["kind"], "restart", "{}", last.detail);
    daemon.stop();
}

#[test]
fn a_fallback_directory_of_another_user_or_a_link_is_not_adopted_from() {
    let root = tempfile::tempdir().unwrap();
    let data = user_spool(root.path(), 2);
    let link = root.path().join("link-to-data");
    std::os::unix::fs::symlink(&data, &link).unwrap();
    let daemon = Running::start(root.path());
    daemon.send(&decision("direct"), Some(&link)).unwrap();
    daemon.send(&decision("direct"), Some(Path::new("/nonexistent/ward"))).unwrap();
    // The managed spool's own directory, under any name: adopting from it would never end.
    daemon.send(&decision("direct"), Some(&daemon.paths.state_dir)).unwrap();
    let alias = root.path().join("alias");
    std::os::unix::fs::symlink(daemon.paths.state_dir.parent().unwrap(), &alias).unwrap();
    daemon.send(&decision("direct"), Some(&alias.join("ward"))).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let status = client::status(&daemon.paths.socket, me(), BUDGET).unwrap();
    assert_eq!(status["sources"], json!([]), "{status:?}");
    assert_eq!(status["adopted_total"], 0);
    daemon.stop();
}

#[test]
fn a_user_spool_shipped_and_pruned_before_adoption_starts_at_its_checkpoint() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("user-data");
    let mut spool = Spool::open(&data).unwrap().with_segment_limit(1);
    let mut stored = Vec::new();
    for i in 0..4 {
        stored.push(spool.append(decision(&format!("echo {i}"))).unwrap());
    }
    let shipped = &stored[1];
    let removed =
        spool.acknowledge(&ward_audit::Checkpoint { seq: shipped.seq, hash: shipped.hash.clone() }).unwrap();
    assert_eq!(removed.len(), 2, "segments of seq 1 and 2 are gone");
    let daemon = Running::start(root.path());
    daemon.send(&decision("direct"), Some(&data)).unwrap();
    daemon.wait_adopted(2);
    let adopted: Vec<Event> =
        daemon.events().into_iter().filter(|e| e.detail["managed"]["via"] == "adopted").collect();
    let seqs: Vec<u64> =
        adopted.iter().map(|e| e.detail["managed"]["adopted"]["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [3, 4]);
    for event in &adopted {
        assert_eq!(event.detail["managed"]["adopted"]["chain"], "intact", "{}", event.detail);
    }
    daemon.stop();
}

#[test]
fn an_event_over_the_frame_limit_is_refused_by_the_client_before_sending() {
    let root = tempfile::tempdir().unwrap();
    let daemon = Running::start(root.path());
    let mut event = decision("ls");
    event.reason = Some("x".repeat(MAX_FRAME_BYTES + 1));
    match daemon.send(&event, None) {
        Err(ClientError::Refused { code, .. }) => assert_eq!(code, "too_large"),
        other => panic!("{other:?}"),
    }
    assert!(daemon.events().is_empty());
    daemon.send(&decision("ls"), None).unwrap();
    daemon.stop();
}

#[test]
fn the_daemon_stops_even_when_its_socket_file_is_gone() {
    let root = tempfile::tempdir().unwrap();
    let daemon = Running::start(root.path());
    daemon.send(&decision("ls"), None).unwrap();
    std::fs::remove_file(&daemon.paths.socket).unwrap();
    let started = Instant::now();
    daemon.stop();
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_damaged_adoption_state_is_rebuilt_from_the_managed_spool() {
    let root = tempfile::tempdir().unwrap();
    let data = user_spool(root.path(), 3);
    let daemon = Running::start(root.path());
    daemon.send(&decision("direct"), Some(&data)).unwrap();
    daemon.wait_adopted(3);
    daemon.stop();
    let state_file = ManagedPaths::new(root.path()).daemon_dir().join("adoption.json");
    std::fs::write(&state_file, b"{ not json").unwrap();
    let mut spool = Spool::open(&data).unwrap();
    spool.append(decision("echo fallback 3")).unwrap();
    let daemon = Running::start(root.path());
    assert!(
        daemon.log.lock().unwrap().iter().any(|l| l.contains("damaged")),
        "{:?}",
        daemon.log.lock().unwrap()
    );
    daemon.wait_adopted(4);
    std::thread::sleep(Duration::from_millis(500));
    let adopted = daemon.events().into_iter().filter(|e| e.detail["managed"]["via"] == "adopted").count();
    assert_eq!(adopted, 4, "the three again would be duplicates");
    daemon.stop();
}
