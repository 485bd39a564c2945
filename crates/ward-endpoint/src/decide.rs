//! One call's decision as the hook makes it — and as `ward policy explain` shows it: the
//! repository around the call's cwd, its tier (markers only tighten, seen tiers stick; see
//! `ward_policy::TierSelection`), and the evaluation under that tier.

use std::path::{Path, PathBuf};

use ward_model::ToolCall;
use ward_policy::{Decided, Policy, RepoInfo};

use crate::seen::SeenTiers;

/// The decision, and the tier to remember for the repository (see [`SeenTiers::remember`]).
#[derive(Debug, Clone)]
pub struct HookDecided {
    pub decided: Decided,
    pub remember: Option<String>,
}

/// Decides `call` as the hook does. `home` is what `~` means; `seen` what Ward has seen.
pub fn decide_call(policy: &Policy, call: &ToolCall, home: &Path, seen: &SeenTiers) -> HookDecided {
    let cwd = call.cwd.as_deref().filter(|c| !c.is_empty()).map(PathBuf::from);
    let repo = cwd.as_deref().and_then(RepoInfo::discover);
    let seen_tier = repo.as_ref().and_then(|r| seen.strictest(policy, r));
    let selection = policy.select_tier(cwd.as_deref(), repo.as_ref(), home, seen_tier.as_deref());
    HookDecided {
        decided: policy.decide_under(call, home, repo, selection.resolution),
        remember: selection.remember,
    }
}
