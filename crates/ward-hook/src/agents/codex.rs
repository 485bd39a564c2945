//! OpenAI Codex: `PreToolUse` payloads (`Bash` for shell and unified exec, `apply_patch`,
//! `mcp__server__tool`) answered per its PreToolUse contract: only a JSON `deny` (or exit 2)
//! blocks; `allow` without `updatedInput` and `ask` count as a failed hook (fail-open), so allow
//! prints nothing and `ask` becomes a deny that tells the model to ask the user.

use serde_json::{Map, Value};
use ward_model::{Decision, ToolCall, Verdict};

use super::{
    ask_as_deny_text, is_pre_tool, parse_snake, permission_request_json, pretooluse_json, reason_text, Agent,
    HookAnswer,
};
use crate::error::HookError;

pub fn parse(obj: &Map<String, Value>) -> Result<ToolCall, HookError> {
    parse_snake(Agent::Codex, obj, "PreToolUse")
}

pub fn render(verdict: &Verdict, call: Option<&ToolCall>) -> HookAnswer {
    let event = call.map_or("PreToolUse", |c| c.event.as_str());
    if event == "PermissionRequest" {
        // Here Codex *is* about to ask the user: `ask` needs no answer, the prompt shows.
        return permission_request_json(verdict);
    }
    if !is_pre_tool(event) {
        return match verdict.decision {
            Decision::Deny => HookAnswer::exit2(&reason_text(verdict)),
            _ => HookAnswer::empty(),
        };
    }
    match verdict.decision {
        Decision::Deny => pretooluse_json("PreToolUse", "deny", &reason_text(verdict)),
        Decision::Ask => pretooluse_json("PreToolUse", "deny", &ask_as_deny_text(verdict)),
        Decision::Allow | Decision::Log => HookAnswer::empty(),
    }
}
