//! Claude Code: `PreToolUse` / `PermissionRequest` payloads (snake_case, `tool_name`,
//! `tool_input`), answered with `hookSpecificOutput` JSON on exit 0.

use serde_json::{Map, Value};
use ward_model::{Decision, ToolCall, Verdict};

use super::{
    is_pre_tool, parse_snake, permission_request_json, pretooluse_json, reason_text, Agent, HookAnswer,
};
use crate::error::HookError;

pub fn parse(obj: &Map<String, Value>) -> Result<ToolCall, HookError> {
    parse_snake(Agent::ClaudeCode, obj, "PreToolUse")
}

/// `allow`/`log` print nothing: an explicit `allow` would skip Claude Code's own permission
/// prompt, and Ward allowing a call should not widen what the user already confines.
pub fn render(verdict: &Verdict, call: Option<&ToolCall>) -> HookAnswer {
    render_claude_style(verdict, call)
}

/// The Claude-style answer, shared by agents that adopted Claude Code's hook protocol.
pub(crate) fn render_claude_style(verdict: &Verdict, call: Option<&ToolCall>) -> HookAnswer {
    let event = call.map_or("PreToolUse", |c| c.event.as_str());
    if event == "PermissionRequest" {
        return permission_request_json(verdict);
    }
    if !is_pre_tool(event) {
        // Lifecycle events (UserPromptSubmit, …): exit 2 + stderr blocks where blocking exists.
        return match verdict.decision {
            Decision::Deny | Decision::Ask => HookAnswer::exit2(&reason_text(verdict)),
            Decision::Allow | Decision::Log => HookAnswer::empty(),
        };
    }
    match verdict.decision {
        Decision::Deny => pretooluse_json("PreToolUse", "deny", &reason_text(verdict)),
        Decision::Ask => pretooluse_json("PreToolUse", "ask", &reason_text(verdict)),
        Decision::Allow | Decision::Log => HookAnswer::empty(),
    }
}
