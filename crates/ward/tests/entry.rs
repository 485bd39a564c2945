//! The process entry point (`main.rs` replaces Rust's start-up with its own): exit statuses come
//! through, output without a final newline is flushed, and a closed stdout is an error the
//! command reports rather than a SIGPIPE kill.

use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

fn ward(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ward"));
    command.env("WARD_HOME", data_dir).env("HOME", data_dir).env_remove("WARD_POLICY");
    command
}

#[test]
fn exit_statuses_come_through() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(ward(dir.path()).arg("--version").output().unwrap().status.code(), Some(0));
    // A command error (here: a missing input file) is status 2, with the message on stderr.
    let missing = ward(dir.path()).args(["redact", "/nonexistent/input"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).starts_with("ward: "));
    // `policy test` with a failing case is status 1.
    let cases = dir.path().join("cases.toml");
    std::fs::write(
        &cases,
        "[[case]]\nname = \"wrong on purpose\"\nagent = \"codex\"\ncwd = \"/tmp\"\ncommand = \"ls\"\nexpect = \"deny\"\n",
    )
    .unwrap();
    let failing = ward(dir.path()).args(["policy", "test"]).arg(&cases).output().unwrap();
    assert_eq!(failing.status.code(), Some(1), "{}", String::from_utf8_lossy(&failing.stderr));
}

#[test]
fn output_without_a_final_newline_is_flushed() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = ward(dir.path())
        .args(["redact", "--format", "text"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"no secret here, no newline").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"no secret here, no newline");
}

#[test]
fn a_closed_stdout_is_an_error_not_a_sigpipe_kill() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.txt");
    // Far more than a pipe buffer, so the writes hit the closed pipe.
    std::fs::write(&input, "plain text line without secrets\n".repeat(64 * 1024)).unwrap();
    let mut child = ward(dir.path())
        .args(["redact", "--format", "text"])
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), None, "killed by a signal; stderr: {stderr}");
    assert!(status.code().is_some());
}
