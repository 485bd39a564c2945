//! `ward redact` end to end: stdin and file input, formats, findings, fingerprints, errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn ward(data_dir: &std::path::Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(args)
        .env("WARD_HOME", data_dir)
        .env("HOME", data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

const SECRET: &str = "ghp_q8Zr2LmX0pWvT3sKd9YhQ8Zr2LmX0pWvT3sK";

#[test]
fn redacts_json_from_stdin_and_reports_findings_without_values() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!(
        r#"{{"tool_input":{{"command":"curl -H \"Authorization: token {SECRET}\" https://api.github.com"}}}}"#
    );
    let out = ward(dir.path(), &["redact", "--findings"], input.as_bytes());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    serde_json::from_str::<serde_json::Value>(&stdout).unwrap();
    let finding: serde_json::Value = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    assert_eq!(finding["rule"], "github-pat");
    let fp = finding["fingerprint"].as_str().unwrap();
    assert!(stdout.contains(&format!("[REDACTED:github-pat:{fp}]")));

    // The investigator's lookup gives the same fingerprint, from the argument or from stdin.
    let by_arg = ward(dir.path(), &["redact", "--fingerprint", SECRET], b"");
    assert_eq!(String::from_utf8(by_arg.stdout).unwrap().trim(), fp);
    let by_stdin = ward(dir.path(), &["redact", "--fingerprint", "-"], format!("{SECRET}\n").as_bytes());
    assert_eq!(String::from_utf8(by_stdin.stdout).unwrap().trim(), fp);
    assert!(dir.path().join("install.key").exists());
}

#[test]
fn redacts_a_text_file_and_writes_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deploy.sh");
    std::fs::write(&file, "#!/bin/sh\nPGPASSWORD=hunter2 psql -h db\nmysql -uroot -pS3cret!x shop\n")
        .unwrap();
    let report = dir.path().join("findings.jsonl");
    let out =
        ward(dir.path(), &["redact", file.to_str().unwrap(), "--report", report.to_str().unwrap()], b"");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("#!/bin/sh\nPGPASSWORD=[REDACTED:cli-password-env:"), "{stdout}");
    assert!(!stdout.contains("hunter2") && !stdout.contains("S3cret!x"));
    let report = std::fs::read_to_string(report).unwrap();
    assert_eq!(report.lines().count(), 2);
    assert!(!report.contains("hunter2"));
}

#[test]
fn errors_exit_2_without_echoing_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = ward(dir.path(), &["redact", "--format", "json"], b"{\"password\": \"hunter2\"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("not valid JSON") && !stderr.contains("hunter2"), "{stderr}");

    let out = ward(dir.path(), &["redact", "/nonexistent/file"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("cannot read /nonexistent/file"));

    let out = ward(dir.path(), &["redact", "--fingerprint", "-"], b"\n");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn lists_rules() {
    let dir = tempfile::tempdir().unwrap();
    let out = ward(dir.path(), &["redact", "--list-rules"], b"");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().count() >= 150);
    assert!(stdout.contains("aws-access-key-id\t"));
}
