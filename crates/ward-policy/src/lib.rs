//! The policy file, trust tiers, repository → tier mapping and rule evaluation.
//!
//! A policy (TOML, `docs/policy.md`) names tiers, each with runtime rules, a fail mode and a
//! floor per agent; `[[repos]]` entries map repositories to tiers. [`Policy::tier_for`] picks
//! the tier of a working directory and [`Policy::evaluate`] decides a normalized
//! [`ward_model::ToolCall`] under it.

mod cache;
pub mod cases;
mod classes;
mod compile;
mod deferred;
mod drift;
mod error;
mod floor;
mod glob;
mod pattern;
mod policy;
pub mod render;
mod repo;
mod resolve;
mod sticky;

pub use cache::{fuzz_compiled_blob, load_text_cached, CacheStatus, CompiledBlob, CACHE_KEY_FILE};
pub use classes::{credential_patterns, CREDENTIAL_PATTERNS};
pub use error::{Diagnostic, LoadError, PolicyError};
pub use floor::{ApprovalPolicy, ApprovalsReviewer, FailMode, Floor, SandboxMode, WebSearchMode};
pub use policy::{
    Decided, EvalContext, Policy, TierResolution, BUILTIN_ORIGIN, BUILTIN_POLICY, UNANALYZABLE_RULE,
    UNKNOWN_TOOL_RULE,
};
pub use repo::{normalize_remote, remote_url_from_config, RepoInfo};
pub use sticky::TierSelection;

/// Fuzz entry point: parse arbitrary bytes as a policy; when they compile, evaluate a call in
/// every tier and render every floor. Must never panic.
pub fn fuzz_policy_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(policy) = Policy::from_toml_str(text, "<fuzz>") else { return };
    let mut call = ward_model::ToolCall::new("codex", "fuzz", "fuzz", ward_model::Action::Exec);
    call.commands.push(ward_model::ShellCommand {
        argv: vec!["git".into(), "push".into(), "-f".into(), "origin".into(), "main".into()],
        program: "git".into(),
        ..Default::default()
    });
    call.paths
        .push(ward_model::PathTarget { path: "~/.aws/credentials".into(), access: ward_model::Access::Read });
    call.hosts.push("example.com".into());
    let ctx = EvalContext { home: "/home/fuzz".into(), workspace_root: Some("/w".into()) };
    for tier in policy.tier_names() {
        let _ = policy.evaluate(&call, tier, &ctx);
        let _ = policy.floor(tier, "codex");
    }
    let _ = policy.tier_for(Some(std::path::Path::new("/w")), None, std::path::Path::new("/home/fuzz"));
    let _ = policy.drift(&drift::fuzz_artifacts());
}
