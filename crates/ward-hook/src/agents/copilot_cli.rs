//! GitHub Copilot CLI: camelCase `preToolUse` payloads (`toolName`, `toolArgs` as an object or
//! a JSON string), or the VS Code-compatible snake_case payload when the hook is registered
//! under a PascalCase event. Every answer exits 0: a non-zero exit on `preToolUse` is logged and
//! skipped (fail-open), so only the JSON `permissionDecision` decides.

use serde_json::{Map, Value};
use ward_model::{Action, Decision, McpTarget, ToolCall, Verdict};

use super::{
    envelope, non_tool_event, normalize, opt_str, parse_snake, reason_text, tool_input, tool_kind, Agent,
    HookAnswer, ToolKind,
};
use crate::error::HookError;

pub fn parse(obj: &Map<String, Value>) -> Result<ToolCall, HookError> {
    if obj.contains_key("tool_name") || obj.contains_key("hook_event_name") {
        return parse_snake(Agent::CopilotCli, obj, "PreToolUse");
    }
    let event = opt_str(obj, "hookEventName")?.or(opt_str(obj, "eventName")?);
    let Some(tool) = opt_str(obj, "toolName")? else {
        return match event {
            Some(e) => Ok(non_tool_event(Agent::CopilotCli, e, obj)),
            None => Err(HookError::MissingField("toolName")),
        };
    };
    let event = event.unwrap_or("preToolUse");
    let input = tool_input(obj, "toolArgs");
    let mut call = if tool_kind(tool) == ToolKind::Other && !tool.starts_with("mcp__") && tool.contains('-') {
        // MCP tools are reported as `<server>-<tool>` (unconfirmed): server up to the first `-`.
        let (server, name) = tool.split_once('-').unwrap_or((tool, ""));
        let mut call = ToolCall::new(Agent::CopilotCli.name(), event, tool, Action::Mcp);
        call.mcp = Some(McpTarget { server: server.to_owned(), tool: name.to_owned() });
        call.input = input;
        call
    } else {
        normalize(Agent::CopilotCli, event, tool, input)?
    };
    envelope(&mut call, obj);
    Ok(call)
}

pub fn render(verdict: &Verdict, call: Option<&ToolCall>) -> HookAnswer {
    let event = call.map_or("preToolUse", |c| c.event.as_str());
    let reason = reason_text(verdict);
    if event.eq_ignore_ascii_case("permissionRequest") {
        return match verdict.decision {
            Decision::Deny => HookAnswer::json(serde_json::json!({ "behavior": "deny", "message": reason })),
            _ => HookAnswer::default(),
        };
    }
    let decision = match verdict.decision {
        Decision::Deny => "deny",
        Decision::Ask => "ask",
        // Empty output: Copilot's default behaviour (its own rules and approvals apply).
        Decision::Allow | Decision::Log => return HookAnswer::default(),
    };
    let mut answer =
        serde_json::json!({ "permissionDecision": decision, "permissionDecisionReason": reason });
    if event == "PreToolUse" {
        // PascalCase registration speaks the VS Code-compatible protocol: answer in both forms.
        answer["hookSpecificOutput"] = serde_json::json!({
            "hookEventName": "PreToolUse",
            "permissionDecision": decision,
            "permissionDecisionReason": reason,
        });
    }
    HookAnswer::json(answer)
}
