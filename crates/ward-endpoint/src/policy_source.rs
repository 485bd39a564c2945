//! Loading the policy in force: the one function `ward hook` and `ward policy explain` both call,
//! so that an explanation is always the hook's decision.
//!
//! A user's (or the built-in) policy goes through the compiled-policy cache in the user's data
//! directory: the user can edit that policy anyway, so a cache the user can write grants nothing.
//! A managed policy (admin-owned, `<system root>/etc/ward/policy.toml`) never does: nothing the
//! user can write may stand in for it. Its compiled form is taken only from the root-owned
//! `<system root>/var/cache/ward` that the managed daemon keeps (see [`crate::managed::compiled`]),
//! and only for exactly the text just read from the admin's file; otherwise the admin's file is
//! compiled on the call (see docs/policy.md for the measured cost of both).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use ward_policy::{CacheStatus, LoadError, Policy};

use crate::managed::compiled;
use crate::paths::WardPaths;

/// The policy a call is decided by, and why it is not the configured one if it is not.
#[derive(Debug)]
pub struct LoadedPolicy {
    pub policy: Cow<'static, Policy>,
    /// The configured policy could not be used (unreadable, invalid); the built-in policy stands
    /// in. The sentence is for stderr and the audit record.
    pub problem: Option<String>,
    /// The configured policy failed validation (as opposed to being unreadable).
    pub invalid: Option<ward_policy::PolicyError>,
    /// How the policy was obtained (for `ward policy explain` and tests).
    pub via: LoadedVia,
}

/// How a policy was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadedVia {
    /// Through the user's compiled-policy cache (a user or the built-in policy).
    UserCache(CacheStatus),
    /// Compiled from its file on this call (a user policy without a known data directory).
    Compiled,
    /// The managed policy, decoded from its root-owned compiled blob.
    ManagedBlob(PathBuf),
    /// The managed policy, compiled from the admin's file on this call; why no blob was used.
    ManagedCompiled(String),
    /// The built-in policy, standing in for one that could not be used (see `problem`), or the
    /// built-in policy without a data directory to cache it in.
    Builtin,
}

impl LoadedVia {
    /// A short name: `user-cache`, `compiled`, `managed-blob`, `managed-compiled`, `builtin`.
    pub fn name(&self) -> &'static str {
        match self {
            LoadedVia::UserCache(_) => "user-cache",
            LoadedVia::Compiled => "compiled",
            LoadedVia::ManagedBlob(_) => "managed-blob",
            LoadedVia::ManagedCompiled(_) => "managed-compiled",
            LoadedVia::Builtin => "builtin",
        }
    }

    /// The detail: the blob used, or why none was.
    pub fn detail(&self) -> Option<String> {
        match self {
            LoadedVia::UserCache(CacheStatus::Bypassed(why)) | LoadedVia::ManagedCompiled(why) => {
                Some(why.clone())
            }
            LoadedVia::ManagedBlob(file) => Some(file.display().to_string()),
            _ => None,
        }
    }
}

/// Loads the policy in force for `paths`. Never fails: a policy that cannot be used is replaced
/// by the built-in policy, with the reason in [`LoadedPolicy::problem`].
pub fn load_policy(paths: &WardPaths) -> LoadedPolicy {
    load_policy_from(
        paths.policy_file.as_deref(),
        paths.policy_managed,
        &paths.system_root,
        Some(&paths.data_dir),
    )
}

/// [`load_policy`] from its parts; `data_dir` is `None` when it is unknown (the hook with no
/// home): the policy is then compiled without a cache.
pub fn load_policy_from(
    policy_file: Option<&Path>,
    managed: bool,
    system_root: &Path,
    data_dir: Option<&Path>,
) -> LoadedPolicy {
    let loaded = match (policy_file, data_dir) {
        // Managed: the root-owned compiled blob for exactly this text, else the admin's file.
        (Some(file), _) if managed => load_managed(file, system_root, compiled::OWNER_UID),
        (file, Some(data_dir)) => Policy::load_cached_with_status(file, &data_dir.join("cache"))
            .map(|(policy, status)| (policy, LoadedVia::UserCache(status))),
        (Some(file), None) => Policy::load(file).map(|policy| (policy, LoadedVia::Compiled)),
        (None, None) => Ok((Policy::builtin().clone(), LoadedVia::Builtin)),
    };
    match loaded {
        Ok((policy, via)) => LoadedPolicy { policy: Cow::Owned(policy), problem: None, invalid: None, via },
        Err(e) => {
            let problem = format!("{e}\nthe built-in policy stands in for it");
            let invalid = match e {
                LoadError::Invalid(e) => Some(e),
                LoadError::Io { .. } => None,
            };
            LoadedPolicy {
                policy: Cow::Borrowed(Policy::builtin()),
                problem: Some(problem),
                invalid,
                via: LoadedVia::Builtin,
            }
        }
    }
}

/// The managed policy at `file`: its text read now, decoded from the blob `owner` keeps for
/// exactly that text, else compiled.
fn load_managed(file: &Path, system_root: &Path, owner: u32) -> Result<(Policy, LoadedVia), LoadError> {
    let text = std::fs::read_to_string(file)
        .map_err(|source| LoadError::Io { path: file.display().to_string(), source })?;
    let origin = file.display().to_string();
    match compiled::load_trusted_owned_by(system_root, &text, &origin, owner) {
        Ok((policy, blob)) => Ok((policy, LoadedVia::ManagedBlob(blob))),
        Err(why) => Ok((Policy::from_toml_str(&text, &origin)?, LoadedVia::ManagedCompiled(why))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_policy_ignores_a_forged_user_cache() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let policy_file = dir.path().join("policy.toml");
        let strict = ward_policy::Policy::builtin();
        std::fs::write(&policy_file, include_str!("../../ward-policy/src/builtin.toml")).unwrap();
        // A user-mode load writes the cache; a managed load must not read or write it.
        let user = load_policy_from(Some(&policy_file), false, dir.path(), Some(&data));
        assert!(user.problem.is_none());
        assert!(data.join("cache").exists());
        std::fs::remove_dir_all(data.join("cache")).unwrap();
        let managed = load_policy_from(Some(&policy_file), true, dir.path(), Some(&data));
        assert!(managed.problem.is_none());
        assert!(!data.join("cache").exists(), "a managed policy must not be cached where the user writes");
        assert_eq!(managed.policy.rule_count(), strict.rule_count());
        assert_eq!(managed.via.name(), "managed-compiled");
    }

    /// The hook's managed path takes the daemon's blob only when it is trusted and current, and
    /// decides exactly as the compiled file.
    #[test]
    fn managed_policy_uses_the_trusted_blob_for_its_current_text_only() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = crate::paths::managed_policy_path(root.path());
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let text = include_str!("../../ward-policy/src/builtin.toml");
        std::fs::write(&file, text).unwrap();
        let me = ward_audit::trust::effective_uid();
        let load = || load_managed(&file, root.path(), me).unwrap();
        assert!(matches!(load().1, LoadedVia::ManagedCompiled(_)), "no blob yet");
        assert!(matches!(compiled::compile(root.path()).unwrap(), compiled::Compiled::Written(_)));
        let (from_blob, via) = load();
        assert!(matches!(via, LoadedVia::ManagedBlob(_)), "{via:?}");
        assert_eq!(from_blob.rule_count(), Policy::builtin().rule_count());
        // The admin edits the file; until the daemon recompiles, the file is compiled.
        std::fs::write(&file, text.replace("default_tier = \"standard\"", "default_tier = \"open\""))
            .unwrap();
        let (policy, via) = load();
        assert!(matches!(&via, LoadedVia::ManagedCompiled(why) if why.contains("No such file")), "{via:?}");
        assert_eq!(policy.default_tier(), "open", "the edited text decides, not the old blob");
        assert_eq!(from_blob.default_tier(), "standard");
        compiled::compile(root.path()).unwrap();
        assert!(matches!(load().1, LoadedVia::ManagedBlob(_)));
        // A blob for another owner (a user's forgery, as far as the hook can tell) is ignored.
        assert!(matches!(
            load_managed(&file, root.path(), me.wrapping_add(1)).unwrap().1,
            LoadedVia::ManagedCompiled(_)
        ));
    }

    #[test]
    fn an_unusable_policy_is_replaced_by_the_builtin_one_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "this is not = = toml").unwrap();
        let loaded = load_policy_from(Some(&bad), false, dir.path(), None);
        assert!(loaded.problem.as_deref().unwrap().contains("built-in policy stands in"));
        assert!(loaded.invalid.is_some());
        let missing = load_policy_from(Some(&dir.path().join("none.toml")), true, dir.path(), None);
        assert!(missing.problem.is_some());
        assert!(missing.invalid.is_none());
    }
}
