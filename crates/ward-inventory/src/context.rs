//! What a scan looks at: the home, the system root for managed files, project roots and PATH.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

/// The machine as one scan sees it. Every path a client module opens is derived from here, so
/// tests point a scan at a fixture tree and never touch the real home or `/etc`.
#[derive(Debug, Clone)]
pub struct ScanContext {
    /// The user's home (`~`).
    pub home: PathBuf,
    /// Prefix for system-wide files (`/etc/codex/requirements.toml` → `<root>/etc/codex/…`).
    pub system_root: PathBuf,
    /// Git repositories to inventory at project scope (their roots).
    pub projects: Vec<PathBuf>,
    /// Directories of `PATH`, in order.
    pub path_dirs: Vec<PathBuf>,
    pub os: Os,
}

impl ScanContext {
    pub fn new(home: PathBuf) -> ScanContext {
        ScanContext {
            home,
            system_root: PathBuf::from("/"),
            projects: Vec::new(),
            path_dirs: Vec::new(),
            os: Os::current(),
        }
    }

    /// `~/rel`.
    pub fn home_path(&self, rel: &str) -> PathBuf {
        self.home.join(rel)
    }

    /// A system path under the system root.
    pub fn system_path(&self, absolute: &str) -> PathBuf {
        self.system_root.join(absolute.trim_start_matches('/'))
    }

    /// The VS Code-style user-data directory of an editor (`Code`, `Cursor`, `Windsurf`, …).
    pub fn editor_user_data(&self, app: &str) -> PathBuf {
        match self.os {
            Os::MacOs => self.home.join("Library/Application Support").join(app),
            Os::Windows => self.home.join("AppData/Roaming").join(app),
            Os::Linux => self.home.join(".config").join(app),
        }
    }

    /// First executable named `name` on PATH.
    pub fn which(&self, name: &str) -> Option<PathBuf> {
        self.path_dirs.iter().map(|d| d.join(name)).find(|p| is_executable(p))
    }

    /// How a path is shown in reports: `~/…` under the home (stable across machines and fixture
    /// copies), else absolute as given.
    pub fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.home) {
            Ok(rel) if rel.as_os_str().is_empty() => "~".to_owned(),
            Ok(rel) => format!("~/{}", rel.display()),
            Err(_) => path.display().to_string(),
        }
    }
}

#[cfg(unix)]
pub fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

#[cfg(not(unix))]
pub fn is_executable(p: &Path) -> bool {
    p.is_file()
}
