//! Helpers shared by the spool's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use ward_audit::{draft_event, Spool};
use ward_model::{Action, Decision, Event, EventKind, RedactionRecord};

/// A realistic decision event, already redacted as the hook would hand it over.
pub fn decision(n: u64) -> Event {
    let mut event = draft_event(EventKind::Decision);
    event.agent = Some("codex".to_owned());
    event.session = Some(format!("session-{}", n % 3));
    event.cwd = Some("/home/dev/infra".to_owned());
    event.repo = Some("github.com/acme/infra".to_owned());
    event.tier = Some("sensitive".to_owned());
    event.tool = Some("shell".to_owned());
    event.action = Some(Action::Exec);
    event.classes = vec!["credentials".to_owned()];
    event.decision = Some(if n % 2 == 0 { Decision::Allow } else { Decision::Deny });
    event.rule = Some("sensitive.credentials".to_owned());
    event.reason = Some("reads a credential file".to_owned());
    event.redactions =
        vec![RedactionRecord { rule: "aws-access-key".to_owned(), fingerprint: "9f2c1ab04d7e".to_owned() }];
    event.input = json!({
        "command": ["bash", "-lc", format!("cat ~/.aws/credentials # call {n}")],
        "env": {"AWS_ACCESS_KEY_ID": "[REDACTED:aws-access-key:9f2c1ab04d7e]"},
        "timeout_ms": 1500,
        "ratio": 0.25,
        "note": "tab\tquote\" backslash\\ unicode é 😀",
    });
    event
}

pub fn append_n(dir: &Path, count: u64) -> Vec<Event> {
    let mut spool = Spool::open(dir).unwrap();
    (1..=count).map(|n| spool.append(decision(n)).unwrap()).collect()
}

pub fn segment_paths(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("spool"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    paths.sort();
    paths
}

/// The lines (with their `\n`) of the only segment.
pub fn only_segment_lines(dir: &Path) -> (PathBuf, Vec<Vec<u8>>) {
    let paths = segment_paths(dir);
    assert_eq!(paths.len(), 1, "expected one segment");
    let bytes = std::fs::read(&paths[0]).unwrap();
    let lines = bytes.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    (paths[0].clone(), lines)
}

pub fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    std::fs::write(path, lines.concat()).unwrap();
}

pub fn parse(line: &[u8]) -> Value {
    serde_json::from_slice(line).unwrap()
}
