//! Floors: the settings a tier requires of each agent (sandbox, approval, network, deny-read,
//! web search, hooks), as typed values the floors renderer turns into each agent's own files.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! keyword_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            pub(crate) fn expected() -> String {
                let words: Vec<String> = Self::ALL.iter().map(|v| format!("`{}`", v.as_str())).collect();
                words.join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyword_enum!(
    /// How far the agent's own sandbox may let commands reach (Codex `sandbox_mode` words).
    SandboxMode { ReadOnly = "read-only", WorkspaceWrite = "workspace-write", DangerFullAccess = "danger-full-access" }
);

keyword_enum!(
    /// When the agent must ask the user before acting (Codex `approval_policy` words).
    ApprovalPolicy { Untrusted = "untrusted", OnRequest = "on-request", OnFailure = "on-failure", Never = "never" }
);

keyword_enum!(
    /// Who answers the agent's approval prompts (Codex `approvals_reviewer`: `auto_review`
    /// lets a reviewer model answer, failing closed, before the user is asked).
    ApprovalsReviewer { User = "user", AutoReview = "auto-review" }
);

keyword_enum!(
    /// The web search the agent may use (Codex `web_search` words).
    WebSearchMode { Disabled = "disabled", Cached = "cached", Live = "live", Indexed = "indexed" }
);

keyword_enum!(
    /// What a hook does when it cannot decide (bad input, internal error, deadline).
    FailMode { Open = "open", Closed = "closed" }
);

/// The floor a tier requires of one agent. `None` fields are left to the agent's own default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Floor {
    pub sandbox: Option<SandboxMode>,
    pub approval: Option<ApprovalPolicy>,
    /// Who reviews approval requests (the rollout guides' "auto-review" for sensitive tiers).
    #[serde(default)]
    pub approvals_reviewer: Option<ApprovalsReviewer>,
    /// Whether commands may reach the network at all.
    pub network: Option<bool>,
    /// Hosts commands may reach when the agent can restrict them (allowlist patterns, `@lists`
    /// already expanded). Empty: no restriction beyond `network`.
    pub network_allow: Vec<String>,
    /// Paths the agent must not read (glob patterns, `@classes` already expanded).
    pub deny_read: Vec<String>,
    pub web_search: Option<WebSearchMode>,
    /// Only admin-managed hooks may run (so Ward's hook cannot be bypassed by a user hook).
    pub managed_hooks_only: Option<bool>,
}

impl Floor {
    /// This floor with `over`'s set fields replacing its own; lists are extended, not replaced,
    /// so an agent override can only add deny-read paths or allowed hosts.
    pub(crate) fn overlaid(&self, over: &Floor) -> Floor {
        let mut out = self.clone();
        out.sandbox = over.sandbox.or(out.sandbox);
        out.approval = over.approval.or(out.approval);
        out.approvals_reviewer = over.approvals_reviewer.or(out.approvals_reviewer);
        out.network = over.network.or(out.network);
        out.web_search = over.web_search.or(out.web_search);
        out.managed_hooks_only = over.managed_hooks_only.or(out.managed_hooks_only);
        for p in &over.deny_read {
            if !out.deny_read.contains(p) {
                out.deny_read.push(p.clone());
            }
        }
        for h in &over.network_allow {
            if !out.network_allow.contains(h) {
                out.network_allow.push(h.clone());
            }
        }
        out
    }
}

/// A tier's floors: the common one and per-agent overrides.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct TierFloors {
    pub(crate) common: Floor,
    pub(crate) agents: BTreeMap<String, Floor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip() {
        for m in SandboxMode::ALL {
            assert_eq!(SandboxMode::parse(m.as_str()), Some(*m));
        }
        assert_eq!(ApprovalPolicy::parse("on-request"), Some(ApprovalPolicy::OnRequest));
        assert_eq!(WebSearchMode::parse("LIVE"), None);
        assert!(FailMode::expected().contains("`closed`"));
    }

    #[test]
    fn overlay_replaces_scalars_and_extends_lists() {
        let common = Floor {
            sandbox: Some(SandboxMode::WorkspaceWrite),
            network: Some(false),
            deny_read: vec!["~/.ssh/**".into()],
            ..Floor::default()
        };
        let over = Floor {
            sandbox: Some(SandboxMode::ReadOnly),
            deny_read: vec!["~/.aws/**".into(), "~/.ssh/**".into()],
            ..Floor::default()
        };
        let f = common.overlaid(&over);
        assert_eq!(f.sandbox, Some(SandboxMode::ReadOnly));
        assert_eq!(f.network, Some(false));
        assert_eq!(f.deny_read, vec!["~/.ssh/**".to_string(), "~/.aws/**".to_string()]);
    }
}
