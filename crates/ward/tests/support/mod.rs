//! Test support shared by the `ward` binary's integration tests: a throwaway home, data dir
//! and git repositories. Each test file adds its own methods to [`Env`] (`impl Env` in the
//! same test crate), so only the common part lives here.
#![allow(dead_code)] // each test crate uses a different part

use std::path::PathBuf;
use std::process::Command;

pub struct Env {
    _dir: tempfile::TempDir,
    pub home: PathBuf,
    pub data: PathBuf,
    pub root: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let home = root.join("home");
        std::fs::create_dir_all(&home).unwrap();
        Env { home, data: root.join("ward-data"), root, _dir: dir }
    }

    /// A git repository with a GitHub remote; `marker` puts it in a tier (`.ward-tier-sensitive`).
    pub fn repo(&self, name: &str, marker: Option<&str>) -> PathBuf {
        let repo = self.root.join(name);
        std::fs::create_dir_all(&repo).unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git").args(args).current_dir(&repo).output().unwrap().status.success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        git(&["remote", "add", "origin", &format!("git@github.com:acme/{name}.git")]);
        if let Some(m) = marker {
            std::fs::write(repo.join(m), "").unwrap();
        }
        repo
    }
}
