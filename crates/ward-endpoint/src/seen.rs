//! What tier Ward has seen each repository at: `<data_dir>/tiers.seen` (JSON), so that a
//! repository once seen at a stricter tier stays there even if its marker is deleted (see
//! `ward_policy::TierSelection`). Written only when a repository is seen at a stricter tier than
//! recorded (or the admin's policy maps it explicitly), atomically (temp file, rename); read on
//! every call, never through a symlink. The built-in policy denies agents' writes under Ward's
//! data directory, this file included; deleting it loses the memory, not the record (every
//! event carries its tier).
//!
//! ```json
//! {"schema_version":1,"repos":[{"root":"/home/dev/infra","remote":"github.com/acme/infra","tier":"sensitive"}]}
//! ```

use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ward_policy::{Policy, RepoInfo};

/// File name in the data directory.
pub const SEEN_FILE: &str = "tiers.seen";
const SCHEMA_VERSION: u32 = 1;
/// Largest file read (about 20,000 repositories).
const MAX_BYTES: u64 = 4 << 20;

/// One repository as seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenRepo {
    pub root: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    pub tier: String,
}

/// The recorded tiers. An unreadable file reads as empty, with the reason in `problem`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenTiers {
    pub schema_version: u32,
    pub repos: Vec<SeenRepo>,
    #[serde(skip)]
    pub problem: Option<String>,
}

impl SeenTiers {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(SEEN_FILE)
    }

    /// Reads `<data_dir>/tiers.seen` (none: empty).
    pub fn load(data_dir: &Path) -> SeenTiers {
        let path = SeenTiers::path(data_dir);
        let file = std::fs::OpenOptions::new().read(true).custom_flags(libc_nofollow()).open(&path);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return SeenTiers::default(),
            Err(e) => return SeenTiers::unusable(&path, &e.to_string()),
        };
        if let Some(why) = file.metadata().ok().and_then(|m| ward_audit::trust::untrusted_reason(&m, false)) {
            return SeenTiers::unusable(&path, &why);
        }
        let mut bytes = Vec::new();
        if let Err(e) = (&mut file).take(MAX_BYTES).read_to_end(&mut bytes) {
            return SeenTiers::unusable(&path, &e.to_string());
        }
        match serde_json::from_slice::<SeenTiers>(&bytes) {
            Ok(seen) => seen,
            Err(e) => SeenTiers::unusable(&path, &e.to_string()),
        }
    }

    fn unusable(path: &Path, why: &str) -> SeenTiers {
        SeenTiers {
            problem: Some(format!("{}: {why}; the tiers Ward has seen are not applied", path.display())),
            ..SeenTiers::default()
        }
    }

    /// The strictest tier recorded for `repo` by its root or its remote.
    pub fn strictest(&self, policy: &Policy, repo: &RepoInfo) -> Option<String> {
        let root = repo.root.to_string_lossy();
        self.repos
            .iter()
            .filter(|r| r.root == root || (r.remote.is_some() && r.remote == repo.remote))
            .map(|r| r.tier.as_str())
            .reduce(|a, b| if policy.is_stricter(b, a) { b } else { a })
            .map(str::to_owned)
    }

    /// Records `tier` for `repo` (replacing what its root and remote had) and writes the file.
    pub fn remember(data_dir: &Path, repo: &RepoInfo, tier: &str) -> io::Result<()> {
        let mut seen = SeenTiers::load(data_dir);
        if let Some(problem) = seen.problem.take() {
            // Never overwrite a file that could not be read: it may hold more than this.
            return Err(io::Error::other(problem));
        }
        let root = repo.root.to_string_lossy().into_owned();
        seen.repos.retain(|r| r.root != root && (r.remote.is_none() || r.remote != repo.remote));
        seen.repos.push(SeenRepo { root, remote: repo.remote.clone(), tier: tier.to_owned() });
        seen.schema_version = SCHEMA_VERSION;
        let mut bytes = serde_json::to_vec(&seen).map_err(io::Error::other)?;
        bytes.push(b'\n');
        let path = SeenTiers::path(data_dir);
        let tmp = data_dir.join(format!(".{SEEN_FILE}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc_nofollow())
                .open(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }
}

/// `O_NOFOLLOW` on Linux (the flag's value is fixed by the kernel ABI for each architecture;
/// taken from `ward_audit`'s libc rather than hard-coded).
fn libc_nofollow() -> i32 {
    ward_audit::trust::O_NOFOLLOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_by_root_and_remote_and_keeps_the_strictest() {
        let dir = tempfile::tempdir().unwrap();
        let policy = Policy::builtin();
        let repo =
            RepoInfo { root: PathBuf::from("/src/infra"), remote: Some("github.com/acme/infra".to_owned()) };
        assert_eq!(SeenTiers::load(dir.path()).strictest(policy, &repo), None);
        SeenTiers::remember(dir.path(), &repo, "sensitive").unwrap();
        let moved = RepoInfo { root: PathBuf::from("/elsewhere/infra"), remote: repo.remote.clone() };
        assert_eq!(SeenTiers::load(dir.path()).strictest(policy, &moved).as_deref(), Some("sensitive"));
        let other = RepoInfo { root: PathBuf::from("/src/app"), remote: None };
        SeenTiers::remember(dir.path(), &other, "standard").unwrap();
        let seen = SeenTiers::load(dir.path());
        assert_eq!(seen.repos.len(), 2);
        assert_eq!(seen.strictest(policy, &repo).as_deref(), Some("sensitive"));
    }

    #[test]
    fn an_unreadable_file_is_reported_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(SeenTiers::path(dir.path()), "not json").unwrap();
        assert!(SeenTiers::load(dir.path()).problem.is_some());
        let repo = RepoInfo { root: PathBuf::from("/src/x"), remote: None };
        assert!(SeenTiers::remember(dir.path(), &repo, "sensitive").is_err());
        assert_eq!(std::fs::read_to_string(SeenTiers::path(dir.path())).unwrap(), "not json");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "{}").unwrap();
        std::fs::remove_file(SeenTiers::path(dir.path())).unwrap();
        std::os::unix::fs::symlink(&victim, SeenTiers::path(dir.path())).unwrap();
        assert!(SeenTiers::load(dir.path()).problem.is_some(), "a symlink is not followed");
    }
}
