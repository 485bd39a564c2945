//! Gemini CLI: `BeforeTool` payloads (`run_shell_command`, `read_file`, …, MCP tools as
//! `mcp_<server>_<tool>` with `mcp_context`), answered `{"decision","reason"}` on exit 0.

use serde_json::{Map, Value};
use ward_model::{Action, Decision, McpTarget, ToolCall, Verdict};

use super::{envelope, opt_str, parse_snake, reason_text, tool_input, Agent, HookAnswer};
use crate::error::HookError;

pub fn parse(obj: &Map<String, Value>) -> Result<ToolCall, HookError> {
    let tool = opt_str(obj, "tool_name")?;
    let context = obj.get("mcp_context").and_then(Value::as_object);
    if let Some(tool) = tool.filter(|t| context.is_some() || t.starts_with("mcp_")) {
        let event = opt_str(obj, "hook_event_name")?.unwrap_or("BeforeTool");
        let (server, name) = match context {
            Some(ctx) => (
                ctx.get("server_name").and_then(Value::as_str).unwrap_or_default().to_owned(),
                ctx.get("tool_name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            ),
            // Without context the split is ambiguous when names hold `_`; take the first part.
            None => {
                let rest = tool.strip_prefix("mcp_").unwrap_or(tool);
                let (s, t) = rest.split_once('_').unwrap_or((rest, ""));
                (s.to_owned(), t.to_owned())
            }
        };
        let mut call = ToolCall::new(Agent::GeminiCli.name(), event, tool, Action::Mcp);
        call.mcp = Some(McpTarget { server, tool: name });
        call.input = tool_input(obj, "tool_input");
        envelope(&mut call, obj);
        return Ok(call);
    }
    parse_snake(Agent::GeminiCli, obj, "BeforeTool")
}

pub fn render(verdict: &Verdict, _call: Option<&ToolCall>) -> HookAnswer {
    let reason = reason_text(verdict);
    match verdict.decision {
        Decision::Deny => HookAnswer::json(serde_json::json!({ "decision": "deny", "reason": reason })),
        Decision::Ask => HookAnswer::json(serde_json::json!({ "decision": "ask", "reason": reason })),
        // `{}`: no decision, Gemini's own confirmation rules stay in force.
        Decision::Allow | Decision::Log => HookAnswer::json(serde_json::json!({})),
    }
}
