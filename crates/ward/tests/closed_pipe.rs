//! Every command whose reader goes away (`ward policy explain … | head`) ends without a panic,
//! with the status it would have had. Standard output is a pipe whose read end is closed
//! before Ward starts, so every write fails with EPIPE: the test cannot pass by luck.

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

/// A pipe's write end whose read end is already closed.
fn closed_pipe() -> OwnedFd {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid two-element array for pipe(2) to fill.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created by pipe(2) and are owned here alone.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    write
}

#[test]
fn no_command_panics_on_a_closed_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(home.join(".codex")).unwrap();
    std::fs::write(home.join(".codex/config.toml"), "[mcp_servers.x]\ncommand = \"npx\"\nargs = [\"y\"]\n")
        .unwrap();
    let input = tmp.path().join("in.txt");
    std::fs::write(&input, "token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n".repeat(2000)).unwrap();
    let cases = tmp.path().join("cases.toml");
    std::fs::write(
        &cases,
        "[[case]]\nname = \"ls\"\ntier = \"standard\"\ncommand = \"ls\"\nexpect = \"allow\"\n",
    )
    .unwrap();
    let input = input.to_str().unwrap();
    let cases = cases.to_str().unwrap();
    // (arguments, the status the command has when its output is read)
    let commands: &[(&[&str], i32)] = &[
        (&["policy", "explain", "--agent", "codex", "--", "terraform", "apply"], 0),
        (&["policy", "explain", "--format", "json", "--", "ls"], 0),
        (&["policy", "check"], 0),
        (&["policy", "show"], 0),
        (&["policy", "test", cases], 0),
        (&["scan"], 0),
        (&["scan", "--format", "json"], 0),
        (&["scan", "--format", "sarif"], 0),
        (&["scan", "--format", "cyclonedx"], 0),
        (&["redact", input], 0),
        (&["redact", "--list-rules"], 0),
        (&["redact", "--fingerprint", "abc"], 0),
        (&["audit", "verify"], 0),
        (&["audit", "verify", "--format", "json"], 0),
        (&["--help"], 0),
        (&["policy", "--help"], 0),
        (&["--version"], 0),
        (&["floor", "render", "--tier", "standard", "--target", "codex-requirements"], 0),
        (&["install", "codex"], 0),
        (&["install", "codex", "--format", "json"], 0),
        (&["uninstall", "codex"], 0),
    ];
    for (args, status) in commands {
        let out = Command::new(env!("CARGO_BIN_EXE_ward"))
            .arg("--home")
            .arg(&home)
            .args(*args)
            .current_dir(tmp.path())
            .env("WARD_HOME", tmp.path().join("data"))
            .env("WARD_SYSTEM_ROOT", tmp.path())
            .env("PATH", tmp.path())
            .env_remove("WARD_POLICY")
            .stdin(Stdio::null())
            .stdout(Stdio::from(closed_pipe()))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(*status), "{args:?}: {stderr}");
    }
}
