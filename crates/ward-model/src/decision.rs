//! Decisions and the verdict that explains one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What Ward answers for a tool call. Ordered by restrictiveness: when several rules match,
/// the greatest wins (deny > ask > log > allow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    #[default]
    Allow,
    /// Allow, and flag the event for review.
    Log,
    /// Ask the user (where the agent supports it; elsewhere the hook turns it into a deny whose
    /// reason tells the model to ask).
    Ask,
    Deny,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Log => "log",
            Decision::Ask => "ask",
            Decision::Deny => "deny",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "allow" => Some(Decision::Allow),
            "log" => Some(Decision::Log),
            "ask" => Some(Decision::Ask),
            "deny" => Some(Decision::Deny),
            _ => None,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule that matched a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMatch {
    pub rule: String,
    pub decision: Decision,
    pub reason: String,
}

/// The outcome of evaluating a tool call: the decision, the rule that decided it and why,
/// the tier it was evaluated under, and every rule that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub decision: Decision,
    /// Id of the deciding rule (`default` when no rule matched and the tier default applied).
    pub rule: String,
    pub reason: String,
    pub tier: String,
    #[serde(default)]
    pub matched: Vec<RuleMatch>,
}
