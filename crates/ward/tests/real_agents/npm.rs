//! The real agents' CLIs, installed from the npm registry at the versions pinned in `agents.txt`
//! into a cache keyed by that file's content (so a version change reinstalls, and repeated runs
//! reuse the install). A package that cannot be installed fails the suite with npm's reason.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::sandbox::{run_with_timeout, tail};

/// The pins, one source of truth for the suite, `.ci/run` and the docs.
pub const PINS: &str = include_str!("agents.txt");

#[derive(Clone, Debug)]
pub struct Pin {
    pub package: String,
    pub version: String,
    pub command: String,
}

pub fn pins() -> Vec<Pin> {
    PINS.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "agents.txt: `package version command` expected, got {l:?}");
            Pin { package: f[0].into(), version: f[1].into(), command: f[2].into() }
        })
        .collect()
}

/// The installed agents: `bin/<command>` for each pin.
#[derive(Debug)]
pub struct Installed {
    pub prefix: PathBuf,
}

impl Installed {
    pub fn bin(&self, command: &str) -> PathBuf {
        self.prefix.join("node_modules/.bin").join(command)
    }
}

/// Installs (once per process, and once per pin set across runs) and returns the prefix.
pub fn agents() -> &'static Installed {
    static INSTALLED: OnceLock<Result<Installed, String>> = OnceLock::new();
    match INSTALLED.get_or_init(install) {
        Ok(i) => i,
        Err(why) => panic!("the real agents could not be installed: {why}"),
    }
}

/// The cache root: `$WARD_REAL_AGENTS_CACHE`, else the target directory's test scratch space.
/// Made absolute: the agents are started from other working directories (an empty or relative
/// value once made every run fail with "not found").
fn cache_root() -> PathBuf {
    match std::env::var_os("WARD_REAL_AGENTS_CACHE").filter(|dir| !dir.is_empty()) {
        Some(dir) => std::path::absolute(PathBuf::from(dir)).unwrap_or_else(|_| PathBuf::from(".")),
        None => Path::new(env!("CARGO_TARGET_TMPDIR")).join("real-agents"),
    }
}

fn install() -> Result<Installed, String> {
    let key = hex::encode(&Sha256::digest(PINS.as_bytes())[..8]);
    let root = cache_root();
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    let prefix = root.join(format!("npm-{key}"));
    // Several test processes may start at once: one installs, the others wait for it.
    let lock_path = root.join(format!("npm-{key}.lock"));
    let lock = std::fs::File::create(&lock_path).map_err(|e| format!("{}: {e}", lock_path.display()))?;
    lock_exclusive(&lock).map_err(|e| format!("locking {}: {e}", lock_path.display()))?;
    let stamp = prefix.join("ward-installed-pins.txt");
    let installed = Installed { prefix: prefix.clone() };
    // A finished install of exactly these pins (its versions were checked when it was made).
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == PINS)
        && pins().iter().all(|p| installed.bin(&p.command).exists())
    {
        return Ok(installed);
    }
    let _ = std::fs::remove_dir_all(&prefix);
    std::fs::create_dir_all(&prefix).map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
    let specs: Vec<String> = pins().iter().map(|p| format!("{}@{}", p.package, p.version)).collect();
    let mut npm = Command::new("npm");
    // Install scripts stay off here: a dependency's script that builds natively or downloads a
    // prebuilt binary from elsewhere would make the install depend on more than the registry.
    npm.arg("install")
        .arg("--prefix")
        .arg(&prefix)
        .args(["--no-audit", "--no-fund", "--ignore-scripts", "--save-exact", "--loglevel", "warn"])
        .args(&specs);
    let done = run_with_timeout(npm, Duration::from_secs(600), &root, &format!("npm-{key}-install"));
    if !done.ok() {
        return Err(format!(
            "`npm install {}` failed (is npm on PATH and the npm registry reachable?)\n{}",
            specs.join(" "),
            done.tails(30)
        ));
    }
    // The pinned packages' own install scripts do run (Claude Code's copies its native binary
    // from its platform package over a placeholder); their dependencies' scripts (native
    // rebuilds, prebuilt downloads) do not.
    let mut rebuild = Command::new("npm");
    rebuild.arg("rebuild").arg("--prefix").arg(&prefix).args(["--foreground-scripts", "--loglevel", "warn"]);
    rebuild.args(pins().iter().map(|p| p.package.clone()));
    let done = run_with_timeout(rebuild, Duration::from_secs(300), &root, &format!("npm-{key}-rebuild"));
    if !done.ok() {
        return Err(format!("running the pinned packages' install scripts failed\n{}", done.tails(30)));
    }
    check_versions(&installed)?;
    std::fs::write(&stamp, PINS).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(installed)
}

/// Each installed command runs and reports the pinned version.
fn check_versions(installed: &Installed) -> Result<(), String> {
    for pin in pins() {
        let bin = installed.bin(&pin.command);
        let mut cmd = Command::new(&bin);
        cmd.arg("--version").env("HOME", installed.prefix.join("version-check-home"));
        let log = installed.prefix.join("version-check");
        let done = run_with_timeout(cmd, Duration::from_secs(120), &log, &pin.command);
        if !done.ok() || !done.stdout.contains(&pin.version) {
            return Err(format!(
                "{} --version does not report {} {}: {}",
                bin.display(),
                pin.package,
                pin.version,
                tail(&format!("{}\n{}", done.stdout, done.stderr), 10)
            ));
        }
    }
    Ok(())
}

/// flock(2) until this process holds the file (released when `file` is dropped).
/// `File::lock` would do, but is newer than the workspace's minimum Rust version.
fn lock_exclusive(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor this function borrows; no memory is shared.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
