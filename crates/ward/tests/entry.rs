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

/// A parent may start the hook with stdout closed. The number 1 must not go to a file Ward
/// opens: here the spool's head is open (and its lock waited for) when the deadline answers on
/// "stdout", which would write the answer into the spool.
#[test]
fn a_closed_stdout_does_not_lend_its_number_to_ward_files() {
    use std::os::fd::AsRawFd;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let payload = br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#;
    let run = |command: &mut Command| {
        let mut child = command
            .env("WARD_HOME", &data)
            .env("HOME", dir.path())
            .env_remove("WARD_POLICY")
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(payload).unwrap();
        child.wait_with_output().unwrap()
    };
    // One ordinary call creates the spool.
    let first = run(Command::new(env!("CARGO_BIN_EXE_ward")).args(["hook", "claude-code"]));
    assert!(first.status.code().is_some(), "{first:?}");
    // Hold the spool's lock so the next call waits with the head file open, until its deadline.
    let head = std::fs::File::open(data.join("spool/head")).unwrap();
    // SAFETY: flock on a descriptor this test owns.
    assert_eq!(unsafe { libc::flock(head.as_raw_fd(), libc::LOCK_EX) }, 0);
    let second = run(Command::new("sh")
        .args(["-c", r#"exec "$0" hook claude-code --deadline-ms 300 >&-"#])
        .arg(env!("CARGO_BIN_EXE_ward")));
    drop(head);
    assert!(second.status.code().is_some(), "{second:?}");
    let head_bytes = std::fs::read(data.join("spool/head")).unwrap();
    assert!(
        head_bytes.starts_with(b"ward-spool-head"),
        "the spool head was written over: {:?}",
        String::from_utf8_lossy(&head_bytes)
    );
    let verify = ward(&data).args(["audit", "verify"]).output().unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", String::from_utf8_lossy(&verify.stdout));
}
