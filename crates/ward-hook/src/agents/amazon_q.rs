//! Amazon Q Developer CLI and Kiro CLI: `preToolUse` payloads (`execute_bash`, `fs_read`,
//! `fs_write`, `use_aws`, MCP `@server/tool`). Only exit 2 (stderr to the model) blocks; no ask.

use serde_json::{Map, Value};
use ward_model::{Access, Action, ToolCall, Verdict};

use super::{
    envelope, exit_code_answer, non_tool_event, normalize, opt_str, push_path, tool_input, Agent, HookAnswer,
};
use crate::error::HookError;

pub fn parse(obj: &Map<String, Value>) -> Result<ToolCall, HookError> {
    let event = opt_str(obj, "hook_event_name")?;
    let tool = opt_str(obj, "tool_name")?;
    let (event, tool) = match (event, tool) {
        (Some(e), Some(t)) => (e, t),
        (None, Some(t)) => ("preToolUse", t),
        (Some(e), None) if !e.eq_ignore_ascii_case("preToolUse") => {
            let mut call = non_tool_event(Agent::AmazonQ, e, obj);
            envelope(&mut call, obj);
            return Ok(call);
        }
        (_, None) => return Err(HookError::MissingField("tool_name")),
    };
    let input = tool_input(obj, "tool_input");
    let mut call = match tool {
        "use_aws" => {
            let mut call = ToolCall::new(Agent::AmazonQ.name(), event, tool, Action::Network);
            if let Some(service) = input.get("service_name").and_then(Value::as_str) {
                call.hosts.push(format!("{}.amazonaws.com", service.to_ascii_lowercase()));
            }
            call.input = input;
            call
        }
        "fs_write" => {
            let mut call = normalize(Agent::AmazonQ, event, tool, input)?;
            if call.input.get("command").and_then(Value::as_str) == Some("delete") {
                for p in call.paths.iter_mut() {
                    p.access = Access::Delete;
                }
            }
            call
        }
        _ => normalize(Agent::AmazonQ, event, tool, input)?,
    };
    if call.tool == "fs_read" && call.paths.is_empty() {
        push_path(&mut call.paths, ".", Access::Read);
    }
    envelope(&mut call, obj);
    Ok(call)
}

pub fn render(verdict: &Verdict, _call: Option<&ToolCall>) -> HookAnswer {
    exit_code_answer(verdict)
}
