//! Loading the policy in force: the one function `ward hook` and `ward policy explain` both call,
//! so that an explanation is always the hook's decision.
//!
//! A user's (or the built-in) policy goes through the compiled-policy cache in the user's data
//! directory: the user can edit that policy anyway, so a cache the user can write grants nothing.
//! A managed policy (admin-owned, `<system root>/etc/ward/policy.toml`) never does: nothing the
//! user can write may stand in for it, so it is compiled from the admin's file on every call
//! (see docs/policy.md for the measured cost).

use std::borrow::Cow;
use std::path::Path;

use ward_policy::{LoadError, Policy};

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
}

/// Loads the policy in force for `paths`. Never fails: a policy that cannot be used is replaced
/// by the built-in policy, with the reason in [`LoadedPolicy::problem`].
pub fn load_policy(paths: &WardPaths) -> LoadedPolicy {
    load_policy_from(paths.policy_file.as_deref(), paths.policy_managed, Some(&paths.data_dir))
}

/// [`load_policy`] from its parts; `data_dir` is `None` when it is unknown (the hook with no
/// home): the policy is then compiled without a cache.
pub fn load_policy_from(policy_file: Option<&Path>, managed: bool, data_dir: Option<&Path>) -> LoadedPolicy {
    let loaded = match (policy_file, data_dir) {
        // Managed: compiled from the admin's file; no user-writable cache is consulted.
        (Some(file), _) if managed => Policy::load(file),
        (file, Some(data_dir)) => Policy::load_cached(file, &data_dir.join("cache")),
        (Some(file), None) => Policy::load(file),
        (None, None) => Ok(Policy::builtin().clone()),
    };
    match loaded {
        Ok(policy) => LoadedPolicy { policy: Cow::Owned(policy), problem: None, invalid: None },
        Err(e) => {
            let problem = format!("{e}\nthe built-in policy stands in for it");
            let invalid = match e {
                LoadError::Invalid(e) => Some(e),
                LoadError::Io { .. } => None,
            };
            LoadedPolicy { policy: Cow::Borrowed(Policy::builtin()), problem: Some(problem), invalid }
        }
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
        let user = load_policy_from(Some(&policy_file), false, Some(&data));
        assert!(user.problem.is_none());
        assert!(data.join("cache").exists());
        std::fs::remove_dir_all(data.join("cache")).unwrap();
        let managed = load_policy_from(Some(&policy_file), true, Some(&data));
        assert!(managed.problem.is_none());
        assert!(!data.join("cache").exists(), "a managed policy must not be cached where the user writes");
        assert_eq!(managed.policy.rule_count(), strict.rule_count());
    }

    #[test]
    fn an_unusable_policy_is_replaced_by_the_builtin_one_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "this is not = = toml").unwrap();
        let loaded = load_policy_from(Some(&bad), false, None);
        assert!(loaded.problem.as_deref().unwrap().contains("built-in policy stands in"));
        assert!(loaded.invalid.is_some());
        let missing = load_policy_from(Some(&dir.path().join("none.toml")), true, None);
        assert!(missing.problem.is_some());
        assert!(missing.invalid.is_none());
    }
}
