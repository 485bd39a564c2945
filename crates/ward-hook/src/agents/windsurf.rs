//! Windsurf Cascade: `pre_run_command`, `pre_read_code`, `pre_write_code`, `pre_mcp_tool_use`
//! with a `tool_info` object. Only exit 2 (reason on stderr) blocks; there is no ask, so `ask`
//! becomes a deny that tells the model to ask the user.

use serde_json::{Map, Value};
use ward_model::{Access, Action, McpTarget, ToolCall, Verdict};

use super::{apply_shell, envelope, exit_code_answer, non_tool_event, push_path, Agent, HookAnswer};
use crate::error::HookError;

pub fn parse(obj: &Map<String, Value>) -> Result<ToolCall, HookError> {
    let event = super::req_str(obj, "agent_action_name")?;
    let info = match obj.get("tool_info") {
        Some(Value::Object(m)) => Some(m),
        None | Some(Value::Null) => None,
        Some(_) => return Err(HookError::WrongType { field: "tool_info", expected: "an object" }),
    };
    let need_info = || info.ok_or(HookError::MissingField("tool_info"));
    let field = |m: &Map<String, Value>, key: &'static str| -> Result<String, HookError> {
        super::req_str(m, key).map(str::to_owned)
    };
    let mut call = match event {
        "pre_run_command" | "post_run_command" => {
            let info = need_info()?;
            let command = field(info, "command_line")?;
            let mut call = ToolCall::new(Agent::Windsurf.name(), event, "run_command", Action::Exec);
            apply_shell(&mut call, &command);
            call.input = Value::Object(info.clone());
            call
        }
        "pre_read_code" | "pre_write_code" | "post_read_code" | "post_write_code" => {
            let info = need_info()?;
            let path = field(info, "file_path")?;
            let (tool, action, access) = if event.ends_with("read_code") {
                ("read_code", Action::Read, Access::Read)
            } else {
                ("write_code", Action::Write, Access::Write)
            };
            let mut call = ToolCall::new(Agent::Windsurf.name(), event, tool, action);
            push_path(&mut call.paths, &path, access);
            call.input = Value::Object(info.clone());
            call
        }
        "pre_mcp_tool_use" | "post_mcp_tool_use" => {
            let info = need_info()?;
            let server = field(info, "mcp_server_name")?;
            let tool = field(info, "mcp_tool_name")?;
            let mut call = ToolCall::new(Agent::Windsurf.name(), event, &tool, Action::Mcp);
            call.mcp = Some(McpTarget { server, tool });
            call.input = info.get("mcp_tool_arguments").cloned().unwrap_or(Value::Null);
            call
        }
        _ => non_tool_event(Agent::Windsurf, event, obj),
    };
    if let Some(cwd) = info.and_then(|i| i.get("cwd")).and_then(Value::as_str) {
        call.cwd = Some(cwd.to_owned());
    }
    envelope(&mut call, obj);
    Ok(call)
}

pub fn render(verdict: &Verdict, _call: Option<&ToolCall>) -> HookAnswer {
    exit_code_answer(verdict)
}
