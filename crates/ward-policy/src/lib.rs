//! The policy file, trust tiers, repository → tier mapping and rule evaluation.
//!
//! A policy (TOML, `docs/policy.md`) names tiers, each with runtime rules, a fail mode and a
//! floor per agent; `[[repos]]` entries map repositories to tiers. [`Policy::tier_for`] picks
//! the tier of a working directory and [`Policy::evaluate`] decides a normalized
//! [`ward_model::ToolCall`] under it.

pub mod cases;
mod classes;
mod compile;
mod error;
mod floor;
mod glob;
mod pattern;
mod policy;
mod repo;

pub use classes::CREDENTIAL_PATTERNS;
pub use error::{Diagnostic, LoadError, PolicyError};
pub use floor::{ApprovalPolicy, FailMode, Floor, SandboxMode, WebSearchMode};
pub use policy::{EvalContext, Policy, TierResolution, BUILTIN_ORIGIN, BUILTIN_POLICY};
pub use repo::{normalize_remote, remote_url_from_config, RepoInfo};
