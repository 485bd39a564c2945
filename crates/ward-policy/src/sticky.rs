//! The tier a hook call gets, beyond the first-match mapping of [`Policy::tier_for`]: markers
//! may only tighten, and a repository once seen at a stricter tier stays there until the
//! admin's policy maps it by remote or path.
//!
//! Both close a downgrade an agent can make from inside the repository: deleting
//! `.ward-tier-sensitive` (the repository falls back to `default_tier` on the next call), or
//! adding `.ward-tier-open`. What Ward has seen is the caller's to store (the hook keeps it in
//! its data directory); this module only decides.
//!
//! "Stricter" here means [`Policy::holds_over`]: more cautious in the policy's tier order *and*
//! failing closed. Leaving a fail-closed tier is the downgrade that matters (credential reads
//! and deploys are denied there, and an undecidable call is denied); among fail-open tiers the
//! rank does not order what is allowed (the built-in `open` is read-only, yet ranked below
//! `standard`), so a marker still moves a repository between them, both ways.

use std::path::Path;

use crate::pattern::{absolutize, PathView};
use crate::policy::{caution, Policy, RepoMapping, TierResolution};
use crate::repo::RepoInfo;

/// The tier a call is decided under, and what to remember about the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierSelection {
    pub resolution: TierResolution,
    /// Record this tier as seen for the repository (it is stricter than what was recorded, or
    /// the admin's policy now maps the repository explicitly). `None`: nothing to record.
    pub remember: Option<String>,
}

impl Policy {
    /// Is tier `a` more cautious than tier `b` (fail-closed before fail-open, then by rank)?
    /// Unknown tiers are the most cautious of all.
    pub fn is_stricter(&self, a: &str, b: &str) -> bool {
        let key = |name: &str| {
            self.tiers
                .iter()
                .enumerate()
                .find(|(_, t)| t.name == name)
                .map(|(i, t)| (false, caution(t, i)))
                .unwrap_or((true, (true, i64::MAX, usize::MAX)))
        };
        key(a) > key(b)
    }

    /// Does tier `a` hold a repository against a move to tier `b`: is it more cautious (see
    /// [`Policy::is_stricter`]) and does it fail closed?
    pub fn holds_over(&self, a: &str, b: &str) -> bool {
        self.is_stricter(a, b) && self.fail_mode(a) == crate::FailMode::Closed
    }

    /// The hook's tier for a working directory: [`Policy::tier_for`], then
    /// - **markers only tighten**: a `[[repos]]` entry that matched because of a marker file
    ///   cannot move the repository out of the fail-closed tier it gets without marker entries
    ///   ([`Policy::holds_over`]);
    /// - **seen tiers stick**: unless an entry without markers (the admin's remote or path
    ///   mapping) decided, a repository recorded at a tier that holds over the current one
    ///   (`seen`) stays there.
    pub fn select_tier(
        &self,
        cwd: Option<&Path>,
        repo: Option<&RepoInfo>,
        home: &Path,
        seen: Option<&str>,
    ) -> TierSelection {
        let mut resolution = self.tier_for(cwd, repo, home);
        let first = self.first_match(cwd, repo, home, |_| true);
        let admin_pinned = first.is_some_and(|m| m.markers.is_empty());
        if first.is_some_and(|m| !m.markers.is_empty()) {
            let without = match self.first_match(cwd, repo, home, |m| m.markers.is_empty()) {
                Some(m) => m.tier.clone(),
                None if repo.is_some() => self.default_tier.clone(),
                None => self.outside_repo_tier.clone(),
            };
            if self.holds_over(&without, &resolution.tier) {
                resolution.why = format!(
                    "{}; but markers may only tighten, and without them the repository is {without}",
                    resolution.why
                );
                resolution.tier = without;
            }
        }
        let seen = seen.filter(|s| self.has_tier(s));
        if !admin_pinned {
            if let Some(s) = seen.filter(|s| self.holds_over(s, &resolution.tier)) {
                resolution.why = format!(
                    "{}; but Ward has seen this repository at tier {s}, where it stays until the \
                     admin's policy maps it by remote or path",
                    resolution.why
                );
                resolution.tier = s.to_owned();
            }
        }
        // Only what can hold is worth remembering: a fail-closed tier above what was recorded,
        // or the admin's explicit mapping replacing a record.
        let closed = self.fail_mode(&resolution.tier) == crate::FailMode::Closed;
        let remember = repo.and_then(|_| {
            let changed = match seen {
                Some(s) if admin_pinned => s != resolution.tier,
                None => closed,
                Some(s) => closed && self.is_stricter(&resolution.tier, s),
            };
            changed.then(|| resolution.tier.clone())
        });
        TierSelection { resolution, remember }
    }

    /// The first `[[repos]]` entry `keep` admits whose selectors all match, as
    /// [`Policy::tier_for`] matches them.
    fn first_match(
        &self,
        cwd: Option<&Path>,
        repo: Option<&RepoInfo>,
        home: &Path,
        keep: impl Fn(&RepoMapping) -> bool,
    ) -> Option<&RepoMapping> {
        let home_s = home.to_string_lossy();
        let mut dirs: Vec<String> = Vec::new();
        if let Some(r) = repo {
            dirs.push(absolutize(&r.root.to_string_lossy(), None, &home_s));
        }
        if let Some(c) = cwd {
            dirs.push(absolutize(&c.to_string_lossy(), None, &home_s));
        }
        let marker_dir: Option<&Path> = repo.map(|r| r.root.as_path()).or(cwd);
        self.repos.iter().filter(|m| keep(m)).find(|m| {
            if !m.remotes.is_empty() {
                let Some(remote) = repo.and_then(|r| r.remote.as_deref()) else { return false };
                if !m.remotes.iter().any(|(_, g)| g.matches(remote)) {
                    return false;
                }
            }
            if let Some((_, set)) = &m.paths {
                if !dirs.iter().any(|d| set.matches(&PathView::new(d, Some(&home_s), None))) {
                    return false;
                }
            }
            if !m.markers.is_empty() {
                let Some(dir) = marker_dir else { return false };
                if !m.markers.iter().any(|mk| dir.join(mk).exists()) {
                    return false;
                }
            }
            true
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    const POLICY: &str = r#"
default_tier = "standard"
[tiers.open]
rank = 1
fail = "open"
[tiers.standard]
rank = 2
fail = "open"
[tiers.sensitive]
rank = 3
fail = "closed"
[[repos]]
remote = ["github.com/acme/public-*"]
tier = "open"
[[repos]]
marker = [".ward-tier-sensitive"]
tier = "sensitive"
[[repos]]
marker = [".ward-tier-open"]
tier = "open"
"#;

    fn policy() -> Policy {
        Policy::from_toml_str(POLICY, "test").unwrap()
    }

    fn repo(remote: &str, markers: &[&str]) -> (tempfile::TempDir, RepoInfo) {
        let dir = tempfile::tempdir().unwrap();
        for m in markers {
            std::fs::write(dir.path().join(m), "").unwrap();
        }
        let info = RepoInfo { root: dir.path().to_owned(), remote: Some(remote.to_owned()) };
        (dir, info)
    }

    #[test]
    fn first_match_agrees_with_tier_for() {
        let p = policy();
        let home = PathBuf::from("/home/u");
        for (remote, markers) in [
            ("github.com/acme/public-docs", &[][..]),
            ("github.com/acme/app", &[".ward-tier-sensitive"][..]),
            ("github.com/acme/app", &[".ward-tier-open"][..]),
            ("github.com/acme/app", &[][..]),
        ] {
            let (_d, r) = repo(remote, markers);
            let by_tier_for = p.tier_for(None, Some(&r), &home).tier;
            let by_first = p.first_match(None, Some(&r), &home, |_| true).map(|m| m.tier.clone());
            assert_eq!(
                by_first.unwrap_or_else(|| p.default_tier().to_owned()),
                by_tier_for,
                "{remote} {markers:?}"
            );
        }
    }

    #[test]
    fn a_marker_cannot_leave_a_fail_closed_tier() {
        // Repositories default to sensitive here: an `.ward-tier-open` marker must not open one.
        let p = Policy::from_toml_str(
            &POLICY.replace("default_tier = \"standard\"", "default_tier = \"sensitive\""),
            "t",
        )
        .unwrap();
        let (_d, r) = repo("github.com/acme/app", &[".ward-tier-open"]);
        let s = p.select_tier(None, Some(&r), Path::new("/home/u"), None);
        assert_eq!(s.resolution.tier, "sensitive", "{}", s.resolution.why);
        assert!(s.resolution.why.contains("markers may only tighten"));
        // Among fail-open tiers a marker still chooses (open is read-only, not laxer in effect).
        let p = policy();
        assert_eq!(p.select_tier(None, Some(&r), Path::new("/home/u"), None).resolution.tier, "open");
        let (_d, r) = repo("github.com/acme/app", &[".ward-tier-sensitive"]);
        assert_eq!(p.select_tier(None, Some(&r), Path::new("/home/u"), None).resolution.tier, "sensitive");
    }

    #[test]
    fn a_seen_tier_sticks_until_the_admin_maps_the_repository() {
        let p = policy();
        // The marker was deleted; Ward had seen the repository as sensitive.
        let (_d, r) = repo("github.com/acme/app", &[]);
        let s = p.select_tier(None, Some(&r), Path::new("/home/u"), Some("sensitive"));
        assert_eq!(s.resolution.tier, "sensitive");
        assert_eq!(s.remember, None);
        // First sight of a sensitive repository: remember it.
        let (_d, r2) = repo("github.com/acme/infra", &[".ward-tier-sensitive"]);
        let s = p.select_tier(None, Some(&r2), Path::new("/home/u"), Some("standard"));
        assert_eq!(s.remember.as_deref(), Some("sensitive"));
        // The admin maps it by remote: the admin's word replaces what was seen.
        let (_d, r3) = repo("github.com/acme/public-site", &[]);
        let s = p.select_tier(None, Some(&r3), Path::new("/home/u"), Some("sensitive"));
        assert_eq!(s.resolution.tier, "open");
        assert_eq!(s.remember.as_deref(), Some("open"));
        // A tier the policy no longer has is ignored.
        let s = p.select_tier(None, Some(&r), Path::new("/home/u"), Some("gone"));
        assert_eq!(s.resolution.tier, "standard");
    }

    #[test]
    fn strictness_follows_the_tier_order() {
        let p = policy();
        assert!(p.is_stricter("sensitive", "standard"));
        assert!(p.is_stricter("standard", "open"));
        assert!(!p.is_stricter("open", "open"));
        assert!(p.is_stricter("unknown", "sensitive"));
        assert!(p.holds_over("sensitive", "open"));
        assert!(!p.holds_over("standard", "open"), "fail-open tiers do not hold");
    }
}
