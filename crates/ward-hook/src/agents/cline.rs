//! Cline: executable hooks named after the event; the payload carries
//! `preToolUse{toolName, parameters}`, answered `{"cancel":true,"errorMessage"}`. No ask, so
//! `ask` cancels with a message telling the model to ask the user.

use serde_json::{Map, Value};
use ward_model::{Decision, ToolCall, Verdict};

use super::{
    ask_as_deny_text, envelope, non_tool_event, normalize, opt_str, reason_text, req_str, tool_input, Agent,
    HookAnswer,
};
use crate::error::HookError;

pub fn parse(obj: &Map<String, Value>) -> Result<ToolCall, HookError> {
    let event =
        opt_str(obj, "hookName")?.unwrap_or(if obj.contains_key("preToolUse") { "PreToolUse" } else { "" });
    if event.is_empty() {
        return Err(HookError::MissingField("hookName"));
    }
    let mut call = match obj.get("preToolUse") {
        Some(Value::Object(pre)) => {
            let tool = req_str(pre, "toolName")?;
            let mut input = tool_input(pre, "parameters");
            // `use_mcp_tool` passes its arguments as a JSON string.
            if let Some(args) = input.get("arguments").and_then(Value::as_str) {
                if let Ok(parsed) = serde_json::from_str::<Value>(args) {
                    input["arguments"] = parsed;
                }
            }
            normalize(Agent::Cline, event, tool, input)?
        }
        Some(_) => return Err(HookError::WrongType { field: "preToolUse", expected: "an object" }),
        None if event == "PreToolUse" => return Err(HookError::MissingField("preToolUse")),
        None => non_tool_event(Agent::Cline, event, obj),
    };
    envelope(&mut call, obj);
    Ok(call)
}

pub fn render(verdict: &Verdict, _call: Option<&ToolCall>) -> HookAnswer {
    match verdict.decision {
        Decision::Deny => cancel(&reason_text(verdict)),
        Decision::Ask => cancel(&ask_as_deny_text(verdict)),
        Decision::Allow | Decision::Log => HookAnswer::json(serde_json::json!({ "cancel": false })),
    }
}

fn cancel(message: &str) -> HookAnswer {
    HookAnswer::json(serde_json::json!({ "cancel": true, "errorMessage": message }))
}
