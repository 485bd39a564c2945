//! The record and the answer agree when the disk fails (issue 10, item 11): the real `ward hook`
//! binary, with the append path's fault seam (ward-audit's `fault-injection` feature, enabled
//! for this test build only) failing one write at a time. In every position the decision in
//! the spool (if the call was recorded at all) is the answer the agent got, and a call the spool
//! could not take is never allowed in a tier that fails closed.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use support::Env;

/// Each write of the append path, in order, and whether the event is in the spool afterwards.
const POINTS: &[(&str, bool)] =
    &[("segment-write", false), ("segment-sync", false), ("head-write", true), ("anchor", true)];

impl Env {
    /// `ward hook claude-code` on a Bash call with the fault `fault` injected; returns the
    /// agent's answer (`allow` for Claude Code's empty answer) and stderr.
    fn hook_with_fault(&self, repo: &Path, command: &str, fault: Option<&str>) -> (String, String) {
        let payload = json!({
            "session_id": "faults", "transcript_path": "/dev/null", "cwd": repo,
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": { "command": command }, "tool_use_id": "toolu_01"
        });
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ward"));
        cmd.args(["hook", "claude-code"])
            .current_dir(repo)
            .env("HOME", &self.home)
            .env("WARD_HOME", &self.data)
            .env_remove("WARD_POLICY")
            .env("WARD_SYSTEM_ROOT", self.root.join("no-system"))
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match fault {
            Some(f) => cmd.env("WARD_TEST_FAULT", f),
            None => cmd.env_remove("WARD_TEST_FAULT"),
        };
        let mut child = cmd.spawn().unwrap();
        child.stdin.take().unwrap().write_all(payload.to_string().as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let answer = if out.stdout.is_empty() {
            "allow".to_owned()
        } else {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
            v["hookSpecificOutput"]["permissionDecision"].as_str().unwrap_or("allow").to_owned()
        };
        (answer, String::from_utf8_lossy(&out.stderr).into_owned())
    }

    /// Every event in the spool, in order.
    fn spooled(&self) -> Vec<Value> {
        let Ok(dir) = std::fs::read_dir(self.data.join("spool")) else { return Vec::new() };
        let mut files: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
        files.sort();
        let mut out = Vec::new();
        for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "jsonl")) {
            for line in std::fs::read_to_string(f).unwrap().lines() {
                out.push(serde_json::from_str(line).unwrap());
            }
        }
        out
    }

    fn verify(&self) -> (bool, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["audit", "verify"])
            .env("HOME", &self.home)
            .env("WARD_HOME", &self.data)
            .env_remove("WARD_TEST_FAULT")
            .output()
            .unwrap();
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    }
}

/// The answer a recorded decision gives Claude Code (`log` is an allow that is recorded).
fn answer_of(decision: &str) -> &str {
    match decision {
        "log" => "allow",
        d => d,
    }
}

#[test]
fn the_recorded_decision_is_the_answer_at_every_failure_position() {
    for (tier_marker, command) in [
        // Sensitive fails closed: an allowed call, and a denied one.
        (Some(".ward-tier-sensitive"), "ls -la"),
        (Some(".ward-tier-sensitive"), "terraform apply"),
        // Standard fails open: an allowed call, and an asked one.
        (None, "ls -la"),
        (None, "terraform apply"),
    ] {
        for (fault, recorded) in POINTS {
            let env = Env::new();
            let repo = env.repo("app", tier_marker);
            // A healthy call first, so the fault hits a spool that already has a head and anchor.
            let (first, _) = env.hook_with_fault(&repo, "git status", None);
            assert_eq!(env.spooled().len(), 1);
            let before = env.spooled();

            let (answer, stderr) = env.hook_with_fault(&repo, command, Some(fault));
            let events = env.spooled();
            let what = format!("{command} in {tier_marker:?} with {fault}: answered {answer}; {stderr}");
            // The fault really happened: the file that failed to update still says seq 1.
            let stale =
                |file: &Path| std::fs::read_to_string(file).unwrap().contains(&format!("seq={:020}", 1));
            match *fault {
                "head-write" => assert!(stale(&env.data.join("spool/head")), "{what}"),
                "anchor" => assert!(stale(&ward_audit::anchor::anchor_path(&env.data)), "{what}"),
                _ => {}
            }
            if *recorded {
                assert_eq!(events.len(), 2, "{what}");
                let event = &events[1];
                assert_eq!(answer_of(event["decision"].as_str().unwrap()), answer, "{what}: {event:#}");
                assert_eq!(event["tool"], "Bash", "{what}");
            } else {
                // Not recorded: the spool is as it was (no partial line), the agent was told why,
                // and a fail-closed tier denied.
                assert_eq!(events, before, "{what}");
                assert!(stderr.contains("cannot record this decision"), "{what}");
                if tier_marker.is_some() {
                    assert_eq!(answer, "deny", "{what}");
                }
            }
            // The next healthy call appends to an intact chain.
            let (_, _) = env.hook_with_fault(&repo, "git status", None);
            assert_eq!(env.spooled().len(), events.len() + 1, "{what}");
            let (ok, report) = env.verify();
            assert!(ok, "{what}: ward audit verify: {report}");
            assert_eq!(first, "allow");
        }
    }
}
