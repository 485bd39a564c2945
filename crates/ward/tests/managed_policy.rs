//! The compiled managed policy end to end: `ward agent run --managed` (and `ward policy compile
//! --managed`) keep the admin's `/etc/ward/policy.toml` compiled in the root-owned
//! `/var/cache/ward`; `ward policy explain` — which loads the policy exactly as `ward hook` does —
//! takes that blob, run as root or as nobody, and refuses it when it is stale, a symbolic link,
//! owned by a user, or in a folder others can write, compiling the admin's file instead.
//!
//! Needs root (root-owned files; the daemon), as `.ci/run` has.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const NOBODY: u32 = 65534;
const POLICY: &str = include_str!("../../ward-policy/src/builtin.toml");

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    system: PathBuf,
    home: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let system = root.join("system");
        let home = root.join("home");
        std::fs::create_dir_all(system.join("etc/ward")).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        for d in [&system, &system.join("etc"), &system.join("etc/ward")] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(system.join("etc/ward/policy.toml"), POLICY).unwrap();
        assert!(Command::new("chown").args(["-R", "nobody:nogroup"]).arg(&home).status().unwrap().success());
        Setup { _dir: dir, root, system, home }
    }

    fn cache(&self) -> PathBuf {
        self.system.join("var/cache/ward")
    }

    fn ward(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ward"));
        command
            .args(args)
            .env_clear()
            .env("HOME", &self.home)
            .env("WARD_SYSTEM_ROOT", &self.system)
            .current_dir(&self.home)
            .stdin(Stdio::null());
        command
    }

    /// `ward policy explain` of one command; its `policy_load`.
    fn explain(&self, as_nobody: bool) -> Value {
        let mut command = self.ward(&["policy", "explain", "--format", "json", "--", "git", "status"]);
        if as_nobody {
            command.uid(NOBODY).gid(NOBODY);
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        answer["policy_load"].clone()
    }

    fn compile(&self) -> Value {
        let out = self.ward(&["policy", "compile", "--managed"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn blob(&self) -> PathBuf {
        let mut blobs: Vec<PathBuf> = std::fs::read_dir(self.cache())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "bin"))
            .collect();
        assert_eq!(blobs.len(), 1, "{blobs:?}");
        blobs.remove(0)
    }
}

fn is_root() -> bool {
    if ward_audit::trust::effective_uid() != 0 {
        eprintln!("managed_policy needs root (root-owned files); .ci/run runs as root");
        return false;
    }
    true
}

fn assert_compiled_because(load: &Value, why: &str) {
    assert_eq!(load["via"], "managed-compiled", "{load}");
    assert!(load["detail"].as_str().unwrap().contains(why), "{load}");
}

#[test]
fn the_hook_path_uses_only_a_trusted_current_blob() {
    if !is_root() {
        return;
    }
    let s = Setup::new();
    // No blob yet: compiled from the admin's file, as before.
    assert_compiled_because(&s.explain(false), "No such file");
    assert_eq!(s.compile()["result"], "written");
    assert_eq!(s.compile()["result"], "unchanged");
    let blob = s.blob();
    assert_eq!(std::fs::metadata(&blob).unwrap().permissions().mode() & 0o7777, 0o644);
    for as_nobody in [false, true] {
        let load = s.explain(as_nobody);
        assert_eq!(load["via"], "managed-blob", "{load}");
        assert_eq!(load["managed"], true);
        assert_eq!(load["detail"], blob.display().to_string());
    }

    // Forged: the same bytes, but a user's file (as if a user had written it there).
    assert!(Command::new("chown").arg("nobody").arg(&blob).status().unwrap().success());
    assert_compiled_because(&s.explain(true), "owned by uid 65534");
    assert!(Command::new("chown").arg("root").arg(&blob).status().unwrap().success());
    assert_eq!(s.explain(true)["via"], "managed-blob");

    // In a folder a user can write: anything in it could be the user's.
    std::fs::set_permissions(s.cache(), std::fs::Permissions::from_mode(0o777)).unwrap();
    assert_compiled_because(&s.explain(true), "writable by group or others");
    std::fs::set_permissions(s.cache(), std::fs::Permissions::from_mode(0o755)).unwrap();

    // A symbolic link to a valid blob is not followed.
    let aside = s.root.join("aside.bin");
    std::fs::rename(&blob, &aside).unwrap();
    std::os::unix::fs::symlink(&aside, &blob).unwrap();
    assert_compiled_because(&s.explain(true), "symbolic link");
    std::fs::remove_file(&blob).unwrap();
    std::fs::rename(&aside, &blob).unwrap();
    assert_eq!(s.explain(true)["via"], "managed-blob");

    // Stale: the admin changed the policy; the old blob is not the new text's.
    let policy = s.system.join("etc/ward/policy.toml");
    std::fs::write(&policy, POLICY.replace("default_tier = \"standard\"", "default_tier = \"open\""))
        .unwrap();
    assert_compiled_because(&s.explain(true), "No such file");
    assert_eq!(s.compile()["result"], "written");
    assert_ne!(s.blob(), blob);
    assert_eq!(s.explain(true)["via"], "managed-blob");
}

#[test]
fn the_managed_daemon_keeps_the_blob_current() {
    if !is_root() {
        return;
    }
    let s = Setup::new();
    let log = s.root.join("daemon.log");
    let daemon = s
        .ward(&["agent", "run", "--managed"])
        .env("HOME", s.root.join("roothome"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    // Killed however the test ends.
    let _daemon = KillOnDrop(daemon);
    let wait = |what: &str, done: &dyn Fn() -> bool| {
        let started = Instant::now();
        while !done() {
            if started.elapsed() > Duration::from_secs(30) {
                panic!("timed out waiting for {what}: {}", std::fs::read_to_string(&log).unwrap_or_default());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let via = || s.explain(true)["via"].as_str().unwrap_or_default().to_owned();
    wait("the blob at start", &|| via() == "managed-blob");
    let first = s.blob();
    std::fs::write(
        s.system.join("etc/ward/policy.toml"),
        POLICY.replace("default_tier = \"standard\"", "default_tier = \"sensitive\""),
    )
    .unwrap();
    wait("the recompiled blob", &|| via() == "managed-blob" && !first.exists());
    assert_eq!(std::fs::metadata(s.cache()).unwrap().permissions().mode() & 0o7777, 0o755);
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
