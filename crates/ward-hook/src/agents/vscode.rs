//! Copilot agent mode in VS Code: Claude-style hooks with camelCase envelope fields
//! (`sessionId`, `hookEventName`) and VS Code tool names (`runTerminalCommand`, `editFiles`, …).

use serde_json::{Map, Value};
use ward_model::{ToolCall, Verdict};

use super::claude_code::render_claude_style;
use super::{parse_snake, Agent, HookAnswer};
use crate::error::HookError;

pub fn parse(obj: &Map<String, Value>) -> Result<ToolCall, HookError> {
    parse_snake(Agent::VsCode, obj, "PreToolUse")
}

pub fn render(verdict: &Verdict, call: Option<&ToolCall>) -> HookAnswer {
    render_claude_style(verdict, call)
}
