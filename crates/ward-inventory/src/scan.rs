//! One whole `ward scan`: find the projects, run every client scanner plus the secret and CLI
//! inventories in parallel, then the passes that need everything at once (MCP config secrets,
//! which agents can read each secret), and wrap it all in a [`ScanReport`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ward_model::artifact::SCAN_SCHEMA_VERSION;
use ward_model::{Device, FindingKind, ScanReport};

use crate::context::{Os, ScanContext};
use crate::inventory::Inventory;
use crate::{clients, clis, secrets, ClientScanner};

/// What to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The home Ward treats as `~`.
    pub home: PathBuf,
    /// Prefix for managed files (`/` on a real machine).
    pub system_root: PathBuf,
    /// Directories to search for git repositories (each may itself be one).
    pub project_dirs: Vec<PathBuf>,
    /// PATH, in order.
    pub path_dirs: Vec<PathBuf>,
    pub os: Os,
    /// Environment variables that may move credential files (`KUBECONFIG`, `DOCKER_CONFIG`,
    /// …; see [`secrets::scan_env_locations`]). Pass the process environment only when the
    /// home scanned is the current user's.
    pub credential_env: Vec<(String, std::ffi::OsString)>,
}

impl ScanOptions {
    pub fn new(home: PathBuf) -> ScanOptions {
        ScanOptions {
            home,
            system_root: PathBuf::from("/"),
            project_dirs: Vec::new(),
            path_dirs: Vec::new(),
            os: Os::current(),
            credential_env: Vec::new(),
        }
    }
}

/// Progress reports, for a spinner. Sent from worker threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanProgress {
    /// Searching `--projects` directories for repositories.
    Discovering { dirs_visited: usize, repos_found: usize },
    /// One scanner (a client, `secrets` or `clis`) finished.
    Scanned { task: &'static str, done: usize, total: usize },
}

/// How deep below a `--projects` directory repositories are looked for.
pub const MAX_PROJECT_DEPTH: usize = 6;

/// Directories that never hold a project root worth inventorying and can be huge.
const SKIP_DIRS: &[&str] =
    &["node_modules", "target", "vendor", "venv", "__pycache__", "dist", "build", "Library", "AppData"];

/// The repositories found under `dirs`, plus findings for directories that could not be read.
pub fn discover_projects(
    dirs: &[PathBuf],
    progress: &(dyn Fn(ScanProgress) + Sync),
) -> (Vec<PathBuf>, Vec<ward_model::Finding>) {
    let mut walk = Walk { repos: Vec::new(), findings: Vec::new(), seen: HashSet::new(), visited: 0 };
    for dir in dirs {
        if !dir.is_dir() {
            walk.findings.push(ward_model::Finding {
                kind: FindingKind::Unreadable,
                client: "ward".to_owned(),
                source: dir.display().to_string(),
                message: format!("--projects {}: not a directory", dir.display()),
            });
            continue;
        }
        walk.visit(dir, 0, progress);
    }
    progress(ScanProgress::Discovering { dirs_visited: walk.visited, repos_found: walk.repos.len() });
    walk.repos.sort();
    walk.repos.dedup();
    (walk.repos, walk.findings)
}

struct Walk {
    repos: Vec<PathBuf>,
    findings: Vec<ward_model::Finding>,
    /// Canonical directories already visited: two `--projects` roots that overlap, or a
    /// symlinked root, never walk the same tree twice.
    seen: HashSet<PathBuf>,
    visited: usize,
}

impl Walk {
    fn visit(&mut self, dir: &Path, depth: usize, progress: &(dyn Fn(ScanProgress) + Sync)) {
        // Only the roots given on the command line can be symlinks (entries below are
        // filtered by their own type), so canonicalizing the roots alone prevents loops.
        let key = if depth == 0 {
            std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
        } else {
            dir.to_path_buf()
        };
        if !self.seen.insert(key) {
            return;
        }
        self.visited += 1;
        if self.visited % 512 == 0 {
            progress(ScanProgress::Discovering { dirs_visited: self.visited, repos_found: self.repos.len() });
        }
        // `.git` as a directory (a clone) or a file (a worktree or submodule).
        if std::fs::symlink_metadata(dir.join(".git")).is_ok() {
            self.repos.push(dir.to_path_buf());
            return;
        }
        if depth >= MAX_PROJECT_DEPTH {
            return;
        }
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                if depth == 0 {
                    self.findings.push(ward_model::Finding {
                        kind: FindingKind::Unreadable,
                        client: "ward".to_owned(),
                        source: dir.display().to_string(),
                        message: format!("cannot read {}: {e}", dir.display()),
                    });
                }
                return;
            }
        };
        let mut subdirs: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            // `file_type` does not follow symlinks, so symlinked dirs (and their loops) are skipped.
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                !name.starts_with('.') && !SKIP_DIRS.contains(&name.as_ref())
            })
            .map(|e| e.path())
            .collect();
        subdirs.sort();
        for sub in subdirs {
            self.visit(&sub, depth + 1, progress);
        }
    }
}

/// One unit of parallel work.
enum Task<'a> {
    Client(&'static dyn ClientScanner),
    Secrets { credential_env: &'a [(String, std::ffi::OsString)] },
    Clis,
}

impl Task<'_> {
    fn name(&self) -> &'static str {
        match self {
            Task::Client(c) => c.client(),
            Task::Secrets { .. } => "secrets",
            Task::Clis => "clis",
        }
    }

    fn run(&self, cx: &ScanContext, inv: &mut Inventory) {
        match self {
            Task::Client(c) => c.scan(cx, inv),
            Task::Secrets { credential_env } => {
                secrets::scan_secrets(cx, inv);
                secrets::scan_env_locations(cx, inv, credential_env);
            }
            Task::Clis => clis::scan_clis(cx, inv),
        }
    }
}

/// Scan the machine described by `opts`. Never fails: what cannot be read becomes a finding.
pub fn scan(opts: &ScanOptions, progress: &(dyn Fn(ScanProgress) + Sync)) -> ScanReport {
    let (projects, discovery_findings) = discover_projects(&opts.project_dirs, progress);
    let coverage = ward_model::Coverage {
        system_root: opts.system_root.display().to_string(),
        project_dirs: opts.project_dirs.iter().map(|d| d.display().to_string()).collect(),
        repositories: projects.len(),
        max_depth: MAX_PROJECT_DEPTH,
        skipped_dirs: SKIP_DIRS.iter().map(|d| (*d).to_owned()).collect(),
        credential_env_vars: opts.credential_env.len(),
    };
    let cx = ScanContext {
        home: opts.home.clone(),
        system_root: opts.system_root.clone(),
        projects,
        path_dirs: opts.path_dirs.clone(),
        os: opts.os,
    };
    let mut inv = scan_context(&cx, &opts.credential_env, progress);
    inv.findings.extend(discovery_findings);
    inv.finish();
    ScanReport {
        schema_version: SCAN_SCHEMA_VERSION,
        ward_version: env!("CARGO_PKG_VERSION").to_owned(),
        generated_at: now_rfc3339(),
        device: device(&opts.home),
        artifacts: inv.artifacts,
        findings: inv.findings,
        drift: None,
        coverage: Some(coverage),
    }
}

/// Every scanner over an already-built context, then the whole-inventory passes.
/// `credential_env`: see [`ScanOptions::credential_env`].
pub fn scan_context(
    cx: &ScanContext,
    credential_env: &[(String, std::ffi::OsString)],
    progress: &(dyn Fn(ScanProgress) + Sync),
) -> Inventory {
    let mut tasks: Vec<Task> = clients::all().into_iter().map(Task::Client).collect();
    tasks.push(Task::Secrets { credential_env });
    tasks.push(Task::Clis);
    let total = tasks.len();
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, total);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Inventory)>> = Mutex::new(Vec::with_capacity(total));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(task) = tasks.get(i) else { break };
                let mut own = Inventory::default();
                run_isolated(task, cx, &mut own);
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(ScanProgress::Scanned { task: task.name(), done: finished, total });
                // A poisoned lock only means another worker panicked after pushing; the data is intact.
                results.lock().unwrap_or_else(|p| p.into_inner()).push((i, own));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _)| *i);
    let mut inv = Inventory::default();
    for (_, part) in results {
        inv.artifacts.extend(part.artifacts);
        inv.findings.extend(part.findings);
    }
    let mcp_secrets = secrets::mcp_config_secrets(cx, &inv.artifacts);
    inv.artifacts.extend(mcp_secrets);
    secrets::attach_readers(cx, &mut inv.artifacts);
    inv
}

/// Run one scanner; a bug that panics in one client module costs that client's artifacts and
/// becomes a finding, never the whole scan.
fn run_isolated(task: &Task, cx: &ScanContext, inv: &mut Inventory) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut own = Inventory::default();
        task.run(cx, &mut own);
        own
    }));
    match outcome {
        Ok(own) => *inv = own,
        Err(_) => inv.finding(
            FindingKind::Notice,
            task.name(),
            "",
            format!(
                "internal error while scanning {}; its artifacts are missing from this report",
                task.name()
            ),
        ),
    }
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The machine: hostname, OS, architecture, user, and the home that was scanned.
pub fn device(home: &Path) -> Device {
    Device {
        hostname: hostname(),
        os: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
        user: ["USER", "USERNAME", "LOGNAME"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .or_else(user_from_passwd)
            .unwrap_or_default(),
        home: home.display().to_string(),
    }
}

/// The name of the effective user from `/etc/passwd`, for processes started without `$USER`
/// (services, CI, agents' sandboxes).
#[cfg(unix)]
fn user_from_passwd() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() }.to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_owned())
    })
}

#[cfg(not(unix))]
fn user_from_passwd() -> Option<String> {
    None
}

#[cfg(unix)]
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the pointer and length describe `buf`, which outlives the call; gethostname
    // writes at most `len` bytes and we read only up to the first NUL within the buffer.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(not(unix))]
fn hostname() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_finds_repos_and_skips_noise() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::create_dir_all(root.join("a/.git")).unwrap();
        std::fs::create_dir_all(root.join("a/inner/.git")).unwrap();
        std::fs::create_dir_all(root.join("group/b")).unwrap();
        std::fs::write(root.join("group/b/.git"), "gitdir: ../../x").unwrap();
        std::fs::create_dir_all(root.join("node_modules/c/.git")).unwrap();
        std::fs::create_dir_all(root.join(".hidden/d/.git")).unwrap();
        std::fs::create_dir_all(root.join("1/2/3/4/5/6/7/deep/.git")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root, root.join("group/loop")).unwrap();
        let (repos, findings) = discover_projects(&[root.to_path_buf(), root.join("missing")], &|_| {});
        let rel: Vec<_> = repos.iter().map(|r| r.strip_prefix(root).unwrap().to_path_buf()).collect();
        assert_eq!(rel, vec![PathBuf::from("a"), PathBuf::from("group/b")]);
        assert_eq!(findings.len(), 1);
        // A root that is itself a repository.
        let (repos, _) = discover_projects(&[root.join("a")], &|_| {});
        assert_eq!(repos, vec![root.join("a")]);
    }
}
