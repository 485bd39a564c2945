//! Where Ward's files are on an endpoint: the home it treats as `~`, its data directory, the
//! system root for managed files, and which policy file is in force (and whether an admin owns
//! it). One resolution for every command, and a lenient one for the hook, which must answer
//! even when its configuration is broken.

use std::path::{Path, PathBuf};

/// Resolved locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WardPaths {
    /// `~` as Ward sees it.
    pub home: PathBuf,
    /// Ward's data directory: `$WARD_HOME`, else `~/.local/share/ward`.
    pub data_dir: PathBuf,
    /// Prefix for system-wide (managed) files such as `/etc/...`: `$WARD_SYSTEM_ROOT`, else `/`.
    /// Tests and image scans point it at a directory tree.
    pub system_root: PathBuf,
    /// The policy file in force, or `None` for the built-in default.
    pub policy_file: Option<PathBuf>,
    /// `policy_file` is the managed (admin-owned) policy: nothing a user can write (a cache, a
    /// flag, an environment variable) may stand in for it.
    pub policy_managed: bool,
}

/// Why the paths could not be resolved. The message is for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathsError(pub String);

/// What the process was given: flags and the environment variables Ward reads.
#[derive(Debug, Clone, Default)]
pub struct PathInputs {
    /// `--home`.
    pub home_flag: Option<PathBuf>,
    /// `--policy`.
    pub policy_flag: Option<PathBuf>,
    pub env_home: Option<PathBuf>,
    pub env_ward_home: Option<PathBuf>,
    pub env_system_root: Option<PathBuf>,
    pub env_policy: Option<PathBuf>,
    /// The machine's real root (`/` when `None`; tests point it at a tree). Its managed policy
    /// wins over `$WARD_SYSTEM_ROOT`: an agent could set that variable to step out of the policy.
    pub machine_root: Option<PathBuf>,
}

impl PathInputs {
    /// The flags given, and the environment of this process.
    pub fn from_env(home_flag: Option<PathBuf>, policy_flag: Option<PathBuf>) -> PathInputs {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        PathInputs {
            home_flag,
            policy_flag,
            env_home: var("HOME"),
            env_ward_home: var("WARD_HOME"),
            env_system_root: var("WARD_SYSTEM_ROOT"),
            env_policy: var("WARD_POLICY"),
            machine_root: None,
        }
    }
}

/// The managed policy file under `system_root`.
pub fn managed_policy_path(system_root: &Path) -> PathBuf {
    under_root(system_root, "/etc/ward/policy.toml")
}

/// Joins an absolute system path onto `root`.
pub fn under_root(root: &Path, absolute: &str) -> PathBuf {
    root.join(absolute.trim_start_matches('/'))
}

/// The lenient resolution: every location that can be known, and every problem found. The hook
/// uses it (it must answer whatever is wrong); [`WardPaths::resolve`] turns any problem into an
/// error.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// `None` when neither `--home` nor `$HOME` names a usable directory.
    pub home: Option<PathBuf>,
    /// `None` when it depends on an unknown home.
    pub data_dir: Option<PathBuf>,
    pub system_root: PathBuf,
    pub policy_file: Option<PathBuf>,
    pub policy_managed: bool,
    /// Problems in the order found, each a full sentence for stderr.
    pub problems: Vec<String>,
    /// Things worth saying that change nothing (a `--policy` the managed policy overrides).
    pub notes: Vec<String>,
}

impl Resolution {
    pub fn new(inputs: &PathInputs) -> Resolution {
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let home = match (&inputs.home_flag, &inputs.env_home) {
            (Some(h), _) if h.is_dir() => Some(h.clone()),
            (Some(h), _) => {
                problems.push(format!("--home {}: not a directory", h.display()));
                None
            }
            (None, Some(h)) => Some(h.clone()),
            (None, None) => {
                problems.push("cannot tell the home directory: $HOME is not set; pass --home DIR".to_owned());
                None
            }
        };
        let data_dir = match &inputs.env_ward_home {
            Some(d) => Some(d.clone()),
            None => home.as_ref().map(|h| h.join(".local/share/ward")),
        };
        let machine_root = inputs.machine_root.clone().unwrap_or_else(|| PathBuf::from("/"));
        let requested_root = inputs.env_system_root.clone().unwrap_or_else(|| machine_root.clone());
        // `$WARD_SYSTEM_ROOT` is for tests and image scans. Where this machine has a managed
        // policy, the variable (which the agent's environment can carry) cannot move Ward off it.
        let machines_policy = managed_policy_path(&machine_root);
        let system_root = if requested_root != machine_root && machines_policy.is_file() {
            notes.push(format!(
                "$WARD_SYSTEM_ROOT={} is ignored: this machine's managed policy {} is in force",
                requested_root.display(),
                machines_policy.display()
            ));
            machine_root
        } else {
            requested_root
        };
        let managed = managed_policy_path(&system_root);
        let (policy_file, policy_managed) = if managed.is_file() {
            // An admin's file beats anything the user's command line or environment says: the
            // hook's command line sits in an agent's settings file, which the user can edit.
            if let Some(flag) = &inputs.policy_flag {
                if flag != &managed {
                    notes.push(format!(
                        "--policy {} is ignored: the managed policy {} is in force",
                        flag.display(),
                        managed.display()
                    ));
                }
            }
            (Some(managed), true)
        } else if let Some(flag) = &inputs.policy_flag {
            if !flag.is_file() {
                problems.push(format!("--policy {}: no such file", flag.display()));
            }
            (Some(flag.clone()), false)
        } else if let Some(p) = &inputs.env_policy {
            if !p.is_file() {
                problems.push(format!("$WARD_POLICY={}: no such file", p.display()));
            }
            (Some(p.clone()), false)
        } else {
            let user = home.as_ref().map(|h| h.join(".config/ward/policy.toml"));
            (user.filter(|u| u.is_file()), false)
        };
        Resolution { home, data_dir, system_root, policy_file, policy_managed, problems, notes }
    }
}

impl WardPaths {
    /// Resolves every location; any problem is an error. Discovery order for the policy: the
    /// managed `<system root>/etc/ward/policy.toml` (an admin's file beats anything a user's
    /// command line or environment says); then `--policy`; then `$WARD_POLICY`; then
    /// `~/.config/ward/policy.toml`; else the built-in default.
    pub fn resolve(inputs: &PathInputs) -> Result<(WardPaths, Vec<String>), PathsError> {
        let r = Resolution::new(inputs);
        if let Some(problem) = r.problems.first() {
            return Err(PathsError(problem.clone()));
        }
        let (Some(home), Some(data_dir)) = (r.home, r.data_dir) else {
            return Err(PathsError("cannot tell the home directory".to_owned()));
        };
        let paths = WardPaths {
            home,
            data_dir,
            system_root: r.system_root,
            policy_file: r.policy_file,
            policy_managed: r.policy_managed,
        };
        Ok((paths, r.notes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_policy_beats_flag_and_environment() {
        let root = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let managed = managed_policy_path(root.path());
        std::fs::create_dir_all(managed.parent().unwrap()).unwrap();
        std::fs::write(&managed, "").unwrap();
        let other = home.path().join("mine.toml");
        std::fs::write(&other, "").unwrap();
        let inputs = PathInputs {
            home_flag: Some(home.path().to_owned()),
            policy_flag: Some(other.clone()),
            env_system_root: Some(root.path().to_owned()),
            env_policy: Some(other),
            ..PathInputs::default()
        };
        let (paths, notes) = WardPaths::resolve(&inputs).unwrap();
        assert_eq!(paths.policy_file.as_deref(), Some(managed.as_path()));
        assert!(paths.policy_managed);
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn the_machines_managed_policy_beats_ward_system_root() {
        let machine = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let managed = managed_policy_path(machine.path());
        std::fs::create_dir_all(managed.parent().unwrap()).unwrap();
        std::fs::write(&managed, "").unwrap();
        let inputs = PathInputs {
            home_flag: Some(home.path().to_owned()),
            env_system_root: Some(elsewhere.path().to_owned()),
            machine_root: Some(machine.path().to_owned()),
            ..PathInputs::default()
        };
        let (paths, notes) = WardPaths::resolve(&inputs).unwrap();
        assert_eq!(paths.policy_file.as_deref(), Some(managed.as_path()));
        assert!(paths.policy_managed);
        assert_eq!(paths.system_root, machine.path());
        assert!(notes.iter().any(|n| n.contains("$WARD_SYSTEM_ROOT")), "{notes:?}");
        // The same intent spelled otherwise: a relative root, the machine's root by a detour.
        for spelled in [PathBuf::from("relative/root"), machine.path().join("etc/..")] {
            let inputs = PathInputs { env_system_root: Some(spelled.clone()), ..inputs.clone() };
            let (paths, _) = WardPaths::resolve(&inputs).unwrap();
            assert_eq!(paths.policy_file.as_deref(), Some(managed.as_path()), "{}", spelled.display());
            assert!(paths.policy_managed, "{}", spelled.display());
        }
        // Without a managed policy on the machine the variable is honoured (tests, image scans).
        std::fs::remove_file(&managed).unwrap();
        let (paths, _) = WardPaths::resolve(&inputs).unwrap();
        assert_eq!(paths.system_root, elsewhere.path());
        assert!(!paths.policy_managed);
    }

    #[test]
    fn problems_are_listed_not_fatal_in_the_lenient_resolution() {
        let inputs = PathInputs {
            policy_flag: Some(PathBuf::from("/nonexistent/policy.toml")),
            env_system_root: Some(PathBuf::from("/nonexistent-root")),
            ..PathInputs::default()
        };
        let r = Resolution::new(&inputs);
        assert!(r.home.is_none());
        assert!(r.data_dir.is_none());
        assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
        assert!(WardPaths::resolve(&inputs).is_err());
        let with_ward_home = PathInputs { env_ward_home: Some(PathBuf::from("/tmp/w")), ..inputs };
        assert_eq!(Resolution::new(&with_ward_home).data_dir, Some(PathBuf::from("/tmp/w")));
    }
}
