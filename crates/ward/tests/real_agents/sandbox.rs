//! Where the real agents run: a private network namespace with only loopback (so nothing an agent
//! does can leave the machine), an optional private mount namespace whose `/etc` shows a test
//! tree's managed files over the real ones (so managed registrations are tested without writing
//! the real `/etc`), and a hard timeout on every child process.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How the calling thread is isolated from the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Network {
    /// A private network namespace with only `lo` up.
    LoopbackNamespace,
    /// `unshare` was refused (not root, no CAP_SYS_ADMIN); the agents are still configured to
    /// reach only the loopback model server, but nothing stops them from trying more.
    HostLoopbackOnlyConfig(String),
}

/// Runs `f` on a fresh thread that has its own network namespace with only loopback up. Sockets
/// bound and children spawned from that thread live in the namespace; other threads (the test
/// harness) are unaffected. Namespaces are per thread in Linux, and unsharing only the network
/// namespace is allowed in a multi-threaded process.
pub fn in_loopback_namespace<T: Send + 'static>(f: impl FnOnce(Network) -> T + Send + 'static) -> T {
    let handle = std::thread::spawn(move || {
        let network = enter_loopback_namespace();
        f(network)
    });
    match handle.join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn enter_loopback_namespace() -> Network {
    // SAFETY: unshare(2) takes a flag word and touches only the calling thread's namespaces.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    if rc != 0 {
        let err = std::io::Error::last_os_error();
        let why = format!("unshare(CLONE_NEWNET) failed: {err}");
        if std::env::var_os("CI").is_some() && is_root() {
            panic!("{why}; CI runs as root and must isolate the real agents from the network");
        }
        eprintln!("real-agents: {why}; running with loopback-only configuration in the host namespace");
        return Network::HostLoopbackOnlyConfig(why);
    }
    let out = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run `ip link set lo up` (install iproute2): {e}"));
    assert!(out.status.success(), "ip link set lo up: {}", String::from_utf8_lossy(&out.stderr));
    Network::LoopbackNamespace
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Wraps `cmd` so it runs in a private mount namespace where `/etc` is a read-only overlay of
/// `etc_overlay` on top of the real `/etc`: the agent sees the test tree's managed files at their
/// real paths, and nothing is written to the host's `/etc`.
pub fn with_etc_overlay(cmd: &Command, etc_overlay: &Path) -> Command {
    let mut wrapped = Command::new("unshare");
    wrapped
        .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg("mount -t overlay ward-test-etc -o \"lowerdir=$0:/etc\" /etc || exit 97; exec \"$@\"");
    wrapped.arg(etc_overlay).arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    wrapped
}

/// What a finished (or killed) child left behind.
#[derive(Debug)]
pub struct Finished {
    pub status: Option<ExitStatus>,
    pub timed_out: bool,
    pub elapsed: Duration,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn ok(&self) -> bool {
        !self.timed_out && self.status.is_some_and(|s| s.success())
    }

    /// The last `n` lines of stderr and stdout, for failure messages.
    pub fn tails(&self, n: usize) -> String {
        format!(
            "status {:?}, timed out: {}, after {:.1?}\n--- stderr (tail) ---\n{}\n--- stdout (tail) ---\n{}",
            self.status,
            self.timed_out,
            self.elapsed,
            tail(&self.stderr, n),
            tail(&self.stdout, n)
        )
    }
}

pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs `cmd` with stdin from /dev/null and output to files in `log_dir`, in its own process
/// group; past `timeout` the whole group is killed and the result says so.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration, log_dir: &Path, name: &str) -> Finished {
    std::fs::create_dir_all(log_dir).unwrap();
    let out_path: PathBuf = log_dir.join(format!("{name}.stdout"));
    let err_path: PathBuf = log_dir.join(format!("{name}.stderr"));
    let out = std::fs::File::create(&out_path).unwrap();
    let err = std::fs::File::create(&err_path).unwrap();
    cmd.stdin(Stdio::null()).stdout(out).stderr(err).process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= timeout => {
                timed_out = true;
                kill_group(child.id());
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("waiting for {name}: {e}"),
        }
    };
    // Whatever the agent left running in its group (a hook, a tool) goes too.
    kill_group(child.id());
    Finished {
        status,
        timed_out,
        elapsed: start.elapsed(),
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

fn kill_group(pid: u32) {
    // SAFETY: kill(2) with a negative pid signals the process group the child leads (created by
    // `process_group(0)` above); it has no memory-safety preconditions.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
}
