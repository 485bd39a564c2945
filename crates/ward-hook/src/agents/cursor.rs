//! Cursor: `beforeShellExecution` (`command`), `beforeMCPExecution` (`tool_name`, `tool_input`
//! as a JSON string, `mcp_server_name`), `beforeReadFile` (`file_path`), the generic
//! `preToolUse` (`Shell`, `Read`, `Write`, `Grep`, `Delete`, `MCP:<tool>`, …) and lifecycle
//! events; answered `{"permission","user_message","agent_message"}` on exit 0.

use serde_json::{Map, Value};
use ward_model::{Access, Action, Decision, McpTarget, ToolCall, Verdict};

use super::{
    apply_shell, ask_as_deny_text, envelope, non_tool_event, normalize, opt_str, push_path, reason_text,
    req_str, tool_input, Agent, HookAnswer,
};
use crate::error::HookError;

pub fn parse(obj: &Map<String, Value>) -> Result<ToolCall, HookError> {
    let event = match opt_str(obj, "hook_event_name")? {
        Some(e) => e,
        None if obj.contains_key("command") => "beforeShellExecution",
        None if obj.contains_key("mcp_server_name") => "beforeMCPExecution",
        None if obj.contains_key("tool_name") => "preToolUse",
        None if obj.contains_key("file_path") => "beforeReadFile",
        None => return Err(HookError::MissingField("hook_event_name")),
    };
    let mut call = match event {
        "beforeShellExecution" => {
            let command = req_str(obj, "command")?;
            let mut call = ToolCall::new(Agent::Cursor.name(), event, "Shell", Action::Exec);
            apply_shell(&mut call, command);
            call.input = serde_json::json!({ "command": command });
            call
        }
        "beforeMCPExecution" => {
            let tool = req_str(obj, "tool_name")?;
            let server = opt_str(obj, "mcp_server_name")?.unwrap_or_default();
            let mut call = ToolCall::new(Agent::Cursor.name(), event, tool, Action::Mcp);
            call.mcp = Some(McpTarget { server: server.to_owned(), tool: tool.to_owned() });
            call.input = tool_input(obj, "tool_input");
            if let Some(url) = opt_str(obj, "url")? {
                call.hosts.extend(crate::shell::url_hosts(url));
                call.urls.push(url.to_owned());
            }
            call
        }
        "beforeReadFile" | "beforeTabFileRead" => {
            let path = req_str(obj, "file_path")?;
            let mut call = ToolCall::new(Agent::Cursor.name(), event, "Read", Action::Read);
            push_path(&mut call.paths, path, Access::Read);
            // The file content Cursor attaches is not kept: it is the thing being protected.
            call.input = serde_json::json!({ "file_path": path });
            call
        }
        "preToolUse" => {
            let tool = req_str(obj, "tool_name")?;
            normalize(Agent::Cursor, event, tool, tool_input(obj, "tool_input"))?
        }
        _ => non_tool_event(Agent::Cursor, event, obj),
    };
    envelope(&mut call, obj);
    Ok(call)
}

pub fn render(verdict: &Verdict, call: Option<&ToolCall>) -> HookAnswer {
    let event = call.map_or("preToolUse", |c| c.event.as_str());
    let reason = reason_text(verdict);
    match event {
        "beforeSubmitPrompt" => {
            let blocked = matches!(verdict.decision, Decision::Deny | Decision::Ask);
            if blocked {
                HookAnswer::json(serde_json::json!({ "continue": false, "user_message": reason }))
            } else {
                HookAnswer::json(serde_json::json!({ "continue": true }))
            }
        }
        "preToolUse"
        | "beforeShellExecution"
        | "beforeMCPExecution"
        | "beforeReadFile"
        | "beforeTabFileRead" => {
            // `ask` is enforced only for shell and MCP; elsewhere it would silently allow.
            let ask_supported = matches!(event, "beforeShellExecution" | "beforeMCPExecution");
            match verdict.decision {
                Decision::Deny => permission("deny", &reason, &reason),
                Decision::Ask if ask_supported => permission("ask", &reason, &reason),
                Decision::Ask => permission("deny", &reason, &ask_as_deny_text(verdict)),
                Decision::Allow | Decision::Log => {
                    HookAnswer::json(serde_json::json!({ "permission": "allow" }))
                }
            }
        }
        _ => HookAnswer::json(serde_json::json!({})),
    }
}

fn permission(decision: &str, user_message: &str, agent_message: &str) -> HookAnswer {
    HookAnswer::json(serde_json::json!({
        "permission": decision,
        "user_message": user_message,
        "agent_message": agent_message,
    }))
}
