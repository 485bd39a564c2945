//! The agents Ward answers as a hook: naming, detection from the payload, payload → ToolCall
//! and Verdict → answer, dispatched to one module per agent.
//!
//! Shared here: reading the raw bytes (size bound, UTF-8, JSON object), mapping the many tool
//! names agents use onto [`Action`]s and targets, and helpers that build the answer forms.

pub mod amazon_q;
pub mod claude_code;
pub mod cline;
pub mod codex;
pub mod continue_dev;
pub mod copilot_cli;
pub mod cursor;
pub mod gemini_cli;
pub mod vscode;
pub mod windsurf;

use std::fmt;

use serde_json::{Map, Value};
use ward_model::{Access, Action, Decision, McpTarget, PathTarget, ToolCall, Verdict};

use crate::error::HookError;
use crate::{patch, shell};

/// Largest payload accepted on stdin. Real payloads are a few KiB; a file write may carry the
/// whole file, so the bound is generous but finite.
pub const MAX_PAYLOAD_BYTES: usize = 16 * 1024 * 1024;

/// An agent Ward can answer as a pre-tool-call hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Agent {
    Codex,
    ClaudeCode,
    Cursor,
    GeminiCli,
    CopilotCli,
    VsCode,
    Windsurf,
    Continue,
    Cline,
    AmazonQ,
}

impl Agent {
    pub const ALL: [Agent; 10] = [
        Agent::Codex,
        Agent::ClaudeCode,
        Agent::Cursor,
        Agent::GeminiCli,
        Agent::CopilotCli,
        Agent::VsCode,
        Agent::Windsurf,
        Agent::Continue,
        Agent::Cline,
        Agent::AmazonQ,
    ];

    /// The client name used on the command line and in events (`ToolCall::agent`).
    pub fn name(self) -> &'static str {
        match self {
            Agent::Codex => "codex",
            Agent::ClaudeCode => "claude-code",
            Agent::Cursor => "cursor",
            Agent::GeminiCli => "gemini-cli",
            Agent::CopilotCli => "copilot-cli",
            Agent::VsCode => "vscode",
            Agent::Windsurf => "windsurf",
            Agent::Continue => "continue",
            Agent::Cline => "cline",
            Agent::AmazonQ => "amazon-q",
        }
    }

    /// Accepts the canonical names and common aliases (`claude`, `gemini`, `copilot`, `kiro`, …).
    pub fn from_name(name: &str) -> Option<Agent> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        Some(match n.as_str() {
            "codex" | "codex-cli" => Agent::Codex,
            "claude-code" | "claude" | "claudecode" => Agent::ClaudeCode,
            "cursor" | "cursor-agent" => Agent::Cursor,
            "gemini-cli" | "gemini" => Agent::GeminiCli,
            "copilot-cli" | "copilot" => Agent::CopilotCli,
            "vscode" | "vs-code" | "code" | "copilot-vscode" => Agent::VsCode,
            "windsurf" | "cascade" => Agent::Windsurf,
            "continue" | "cn" | "continue-cli" => Agent::Continue,
            "cline" => Agent::Cline,
            "amazon-q" | "amazonq" | "q" | "kiro" | "kiro-cli" => Agent::AmazonQ,
            _ => return None,
        })
    }

    /// Can this agent prompt the user for an `ask` decision (on its main pre-tool event)?
    pub fn supports_ask(self) -> bool {
        matches!(
            self,
            Agent::ClaudeCode
                | Agent::Cursor
                | Agent::GeminiCli
                | Agent::CopilotCli
                | Agent::VsCode
                | Agent::Continue
        )
    }

    /// Parse this agent's payload (already decoded JSON) into a tool call.
    pub fn parse(self, payload: &Value) -> Result<ToolCall, HookError> {
        let obj = payload.as_object().ok_or(HookError::NotObject(json_kind(payload)))?;
        match self {
            Agent::Codex => codex::parse(obj),
            Agent::ClaudeCode => claude_code::parse(obj),
            Agent::Cursor => cursor::parse(obj),
            Agent::GeminiCli => gemini_cli::parse(obj),
            Agent::CopilotCli => copilot_cli::parse(obj),
            Agent::VsCode => vscode::parse(obj),
            Agent::Windsurf => windsurf::parse(obj),
            Agent::Continue => continue_dev::parse(obj),
            Agent::Cline => cline::parse(obj),
            Agent::AmazonQ => amazon_q::parse(obj),
        }
    }

    /// Render a verdict in the form this agent treats as a real decision. `call` selects the
    /// event-specific form; without it the agent's main pre-tool-call form is used.
    pub fn render(self, verdict: &Verdict, call: Option<&ToolCall>) -> HookAnswer {
        match self {
            Agent::Codex => codex::render(verdict, call),
            Agent::ClaudeCode => claude_code::render(verdict, call),
            Agent::Cursor => cursor::render(verdict, call),
            Agent::GeminiCli => gemini_cli::render(verdict, call),
            Agent::CopilotCli => copilot_cli::render(verdict, call),
            Agent::VsCode => vscode::render(verdict, call),
            Agent::Windsurf => windsurf::render(verdict, call),
            Agent::Continue => continue_dev::render(verdict, call),
            Agent::Cline => cline::render(verdict, call),
            Agent::AmazonQ => amazon_q::render(verdict, call),
        }
    }
}

impl fmt::Display for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the hook process prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HookAnswer {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl HookAnswer {
    fn json(value: Value) -> HookAnswer {
        HookAnswer { stdout: format!("{value}\n"), stderr: String::new(), exit_code: 0 }
    }

    fn empty() -> HookAnswer {
        HookAnswer::default()
    }

    /// Exit 2 with the reason on stderr: the block form of agents without a JSON decision.
    fn exit2(reason: &str) -> HookAnswer {
        HookAnswer { stdout: String::new(), stderr: format!("{reason}\n"), exit_code: 2 }
    }
}

/// The fail-mode answer when Ward could not decide (unreadable input, the deadline, an internal
/// error, a decision it could not record): a deny (fail-closed tiers) or an allow in the agent's
/// own form, with the reason on stderr either way.
pub fn render_error(agent: Agent, fail_closed: bool, reason: &str) -> HookAnswer {
    let decision = if fail_closed { Decision::Deny } else { Decision::Allow };
    // Used for unreadable input, the deadline, an internal error and an unrecordable decision:
    // the reason says which.
    let verdict = Verdict {
        decision,
        rule: "ward.hook-error".to_owned(),
        reason: format!("Ward could not decide this call: {reason}"),
        tier: String::new(),
        matched: Vec::new(),
    };
    let mut answer = agent.render(&verdict, None);
    if !answer.stderr.contains(reason) {
        answer.stderr.push_str(&format!("ward: {reason}\n"));
    }
    answer
}

/// A payload parsed: who sent it and the normalized call. When part of the call could not be
/// analyzed (unparsable shell, dynamic command names, malformed patch), the call says why in
/// [`ToolCall::unanalyzed`], and the policy gives it the tier's fail mode.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedPayload {
    pub agent: Agent,
    pub call: ToolCall,
}

/// Read raw stdin bytes into a JSON object. Never panics; every failure is a [`HookError`].
pub fn decode(bytes: &[u8]) -> Result<Value, HookError> {
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(HookError::TooLarge { size: bytes.len(), limit: MAX_PAYLOAD_BYTES });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| HookError::NotUtf8)?;
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(HookError::Empty);
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        // serde_json messages quote no input, only positions and categories.
        HookError::NotJson(e.to_string())
    })?;
    if !value.is_object() {
        return Err(HookError::NotObject(json_kind(&value)));
    }
    Ok(value)
}

/// Parse a hook payload. With `agent` unset the sender is detected from the payload alone.
pub fn parse_payload(agent: Option<Agent>, bytes: &[u8]) -> Result<(Agent, ToolCall), HookError> {
    parse_payload_with_env(agent, bytes, &|_| None).map(|p| (p.agent, p.call))
}

/// [`parse_payload`] with the environment the hook runs in (for detection).
pub fn parse_payload_with_env(
    agent: Option<Agent>,
    bytes: &[u8],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ParsedPayload, HookError> {
    let value = decode(bytes)?;
    let agent = match agent {
        Some(a) => a,
        None => detect(&value, env).ok_or(HookError::Undetectable)?,
    };
    let mut call = agent.parse(&value)?;
    // Ward's own variables (`rm -rf $WARD_HOME`) are read from the hook's environment.
    if let Some(command) = call.command.clone().filter(|c| shell::mentions_ward_variables(c)) {
        apply_shell_with_env(&mut call, &command, env);
    }
    Ok(ParsedPayload { agent, call })
}

/// Guess the agent from the payload (and the hook's environment), following the distinguishing
/// fields each agent sends. `None` when nothing identifies it.
pub fn detect(payload: &Value, env: &dyn Fn(&str) -> Option<String>) -> Option<Agent> {
    let obj = payload.as_object()?;
    let has = |k: &str| obj.contains_key(k);
    let event = obj.get("hook_event_name").and_then(Value::as_str).unwrap_or_default();

    if has("clineVersion")
        || (has("hookName") && has("taskId"))
        || obj.get("preToolUse").is_some_and(Value::is_object)
    {
        return Some(Agent::Cline);
    }
    if has("agent_action_name") || (has("trajectory_id") && has("tool_info")) {
        return Some(Agent::Windsurf);
    }
    if has("cursor_version") || has("conversation_id") || env("CURSOR_VERSION").is_some() {
        return Some(Agent::Cursor);
    }
    if has("toolName") || has("toolArgs") {
        return Some(Agent::CopilotCli);
    }
    if has("hookEventName") || (has("sessionId") && has("tool_name")) {
        return Some(Agent::VsCode);
    }
    const GEMINI_EVENTS: &[&str] = &[
        "BeforeTool",
        "AfterTool",
        "BeforeAgent",
        "AfterAgent",
        "BeforeModel",
        "AfterModel",
        "BeforeToolSelection",
        "PreCompress",
    ];
    if has("mcp_context")
        || has("original_request_name")
        || GEMINI_EVENTS.contains(&event)
        || env("GEMINI_PROJECT_DIR").is_some()
        || env("GEMINI_SESSION_ID").is_some()
    {
        return Some(Agent::GeminiCli);
    }
    if matches!(event, "preToolUse" | "postToolUse" | "agentSpawn" | "userPromptSubmit" | "stop")
        && !has("session_id")
    {
        return Some(Agent::AmazonQ);
    }
    // Copilot CLI's snake_case mode: an ISO `timestamp`, no transcript and no permission mode.
    if has("timestamp") && has("tool_name") && !has("transcript_path") && !has("permission_mode") {
        return Some(Agent::CopilotCli);
    }
    let tool = obj.get("tool_name").and_then(Value::as_str).unwrap_or_default();
    // Codex adds `turn_id` and `model` to the Claude-style shape; Claude Code sends neither.
    let codex_shape = has("model") && has("permission_mode") && !has("prompt_id");
    if has("turn_id")
        || codex_shape
        || matches!(tool, "apply_patch" | "exec_command" | "shell" | "local_shell")
    {
        return Some(Agent::Codex);
    }
    if has("session_id") && (has("hook_event_name") || has("tool_name")) {
        // Claude Code and Continue send the same shape; Claude Code adds `prompt_id`/`effort`
        // and marks its children with `CLAUDECODE`.
        if has("prompt_id") || has("effort") || env("CLAUDECODE").is_some() {
            return Some(Agent::ClaudeCode);
        }
        if env("CONTINUE_GLOBAL_DIR").is_some() {
            return Some(Agent::Continue);
        }
        return Some(Agent::ClaudeCode);
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Shared payload helpers

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An optional string field; present with another type is an error.
pub(crate) fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    key: &'static str,
) -> Result<Option<&'a str>, HookError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(HookError::WrongType { field: key, expected: "a string" }),
    }
}

pub(crate) fn req_str<'a>(obj: &'a Map<String, Value>, key: &'static str) -> Result<&'a str, HookError> {
    opt_str(obj, key)?.ok_or(HookError::MissingField(key))
}

/// A tool input that may arrive as an object or as a JSON-encoded string (Cursor MCP, older
/// Copilot CLI). Strings that are not JSON are kept as strings.
pub(crate) fn tool_input(obj: &Map<String, Value>, key: &'static str) -> Value {
    match obj.get(key) {
        None => Value::Null,
        Some(Value::String(s)) => {
            serde_json::from_str::<Value>(s).unwrap_or_else(|_| Value::String(s.clone()))
        }
        Some(v) => v.clone(),
    }
}

/// Session and working directory from the usual field names.
pub(crate) fn envelope(call: &mut ToolCall, obj: &Map<String, Value>) {
    for key in ["session_id", "sessionId", "conversation_id", "trajectory_id", "taskId"] {
        if let Some(s) = obj.get(key).and_then(Value::as_str) {
            call.session = Some(s.to_owned());
            break;
        }
    }
    if let Some(cwd) = obj.get("cwd").and_then(Value::as_str) {
        call.cwd = Some(cwd.to_owned());
    } else if let Some(root) = ["workspace_roots", "workspaceRoots"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_array).and_then(|a| a.first()).and_then(Value::as_str))
    {
        call.cwd = Some(root.to_owned());
    }
}

/// What a tool does, by name, across every agent's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToolKind {
    Shell,
    Read,
    Search,
    Write,
    Delete,
    Patch,
    Fetch,
    WebSearch,
    ClineMcp,
    Other,
}

pub(crate) fn tool_kind(tool: &str) -> ToolKind {
    match tool {
        "Bash" | "PowerShell" | "bash" | "powershell" | "shell" | "local_shell" | "exec_command"
        | "unified_exec" | "run_shell_command" | "Shell" | "runTerminalCommand" | "run_in_terminal"
        | "execute_command" | "execute_bash" | "shell_command" | "terminal" | "runInTerminal"
        | "run_command" => ToolKind::Shell,
        "Read" | "read_file" | "view" | "fs_read" | "read_many_files" | "readFile" | "NotebookRead"
        | "read" | "read_code" | "open_file" => ToolKind::Read,
        "Glob" | "Grep" | "LS" | "glob" | "grep" | "grep_search" | "list_directory" | "search_files"
        | "list_files" | "codebase_search" | "file_search" | "findFiles" | "listDirectory" | "textSearch"
        | "list_dir" => ToolKind::Search,
        "Write"
        | "Edit"
        | "MultiEdit"
        | "NotebookEdit"
        | "write_file"
        | "replace"
        | "edit"
        | "create"
        | "fs_write"
        | "write_to_file"
        | "replace_in_file"
        | "editFiles"
        | "createFile"
        | "insert_edit_into_file"
        | "create_file"
        | "str_replace_editor"
        | "edit_file"
        | "write"
        | "write_code"
        | "search_replace" => ToolKind::Write,
        "Delete" | "deleteFile" | "delete_file" => ToolKind::Delete,
        "apply_patch" | "ApplyPatch" => ToolKind::Patch,
        "WebFetch" | "web_fetch" | "fetch" | "fetch_webpage" | "browser_action" | "fetchWebPage" => {
            ToolKind::Fetch
        }
        "WebSearch" | "google_web_search" | "web_search" | "webSearch" => ToolKind::WebSearch,
        "use_mcp_tool" | "access_mcp_resource" => ToolKind::ClineMcp,
        _ => ToolKind::Other,
    }
}

/// The MCP server and tool encoded in a tool name, by the conventions agents use:
/// `mcp__server__tool` (Claude Code, Codex, Continue, VS Code), `mcp_server_tool` (Gemini),
/// `@server/tool` (Amazon Q), `MCP:tool` (Cursor preToolUse; server unknown).
pub(crate) fn mcp_from_name(tool: &str) -> Option<McpTarget> {
    if let Some(rest) = tool.strip_prefix("mcp__") {
        let (server, name) = rest.split_once("__")?;
        return Some(McpTarget { server: server.to_owned(), tool: name.to_owned() });
    }
    if let Some(rest) = tool.strip_prefix('@') {
        let (server, name) = rest.split_once('/').unwrap_or((rest, ""));
        return Some(McpTarget { server: server.to_owned(), tool: name.to_owned() });
    }
    if let Some(name) = tool.strip_prefix("MCP:") {
        return Some(McpTarget { server: String::new(), tool: name.trim().to_owned() });
    }
    None
}

/// Build a normalized call from a tool name and its input, as every adapter does once it has
/// pulled them out of its envelope.
pub(crate) fn normalize(agent: Agent, event: &str, tool: &str, input: Value) -> Result<ToolCall, HookError> {
    if let Some(mcp) = mcp_from_name(tool) {
        let mut call = ToolCall::new(agent.name(), event, tool, Action::Mcp);
        call.mcp = Some(mcp);
        call.input = input;
        return Ok(call);
    }
    let kind = tool_kind(tool);
    let action = match kind {
        ToolKind::Shell => Action::Exec,
        ToolKind::Read | ToolKind::Search => Action::Read,
        ToolKind::Write | ToolKind::Delete | ToolKind::Patch => Action::Write,
        ToolKind::Fetch | ToolKind::WebSearch => Action::Network,
        ToolKind::ClineMcp => Action::Mcp,
        ToolKind::Other => Action::Other,
    };
    let mut call = ToolCall::new(agent.name(), event, tool, action);
    match kind {
        ToolKind::Shell => {
            let command = shell_command(&input)?;
            apply_shell(&mut call, &command);
            if let Some(dir) = input.get("dir_path").or_else(|| input.get("workdir")).and_then(Value::as_str)
            {
                if call.cwd.is_none() {
                    call.cwd = Some(dir.to_owned());
                }
            }
        }
        ToolKind::Read | ToolKind::Search => {
            let mut paths = input_paths(&input);
            // A glob pattern names files (`~/.ssh/*`, or `*.pem` under `path`); a grep
            // pattern is data.
            if matches!(tool, "Glob" | "glob" | "findFiles" | "file_search") {
                if let Some(p) = input.get("pattern").or_else(|| input.get("query")).and_then(Value::as_str) {
                    let anchored = p.starts_with('/') || p.starts_with('~');
                    match paths.first() {
                        Some(dir) if !anchored => paths.push(format!("{}/{p}", dir.trim_end_matches('/'))),
                        _ => paths.push(p.to_owned()),
                    }
                }
            }
            if kind == ToolKind::Read && paths.is_empty() {
                return Err(HookError::MissingField("tool_input.file_path"));
            }
            // Search tools read every file under the folder they are aimed at: `DIR/**` lets
            // rules about files inside it (`~/.ssh/id_*`) see the search.
            let recursive = kind == ToolKind::Search
                && !matches!(tool, "LS" | "list_directory" | "listDirectory" | "list_dir" | "list_files");
            for p in paths {
                push_path(&mut call.paths, &p, Access::Read);
                if recursive && !p.ends_with("/**") && !p.contains(['*', '?', '[']) {
                    push_path(&mut call.paths, &format!("{}/**", p.trim_end_matches('/')), Access::Read);
                }
            }
        }
        ToolKind::Write | ToolKind::Delete => {
            let access = if kind == ToolKind::Delete { Access::Delete } else { Access::Write };
            let paths = input_paths(&input);
            if paths.is_empty() {
                return Err(HookError::MissingField("tool_input.file_path"));
            }
            for p in paths {
                push_path(&mut call.paths, &p, access);
            }
        }
        ToolKind::Patch => {
            let text = patch_text(&input).ok_or(HookError::MissingField("tool_input.command"))?;
            let summary = patch::parse(text);
            call.paths = summary.targets;
            call.unanalyzed = summary.error.map(|e| format!("apply_patch: {e}"));
        }
        ToolKind::Fetch | ToolKind::WebSearch => {
            for url in input_urls(&input) {
                for host in shell::url_hosts(&url) {
                    if !call.hosts.contains(&host) {
                        call.hosts.push(host);
                    }
                }
                if !call.urls.contains(&url) {
                    call.urls.push(url);
                }
            }
            if let Some(domains) = input.get("allowed_domains").and_then(Value::as_array) {
                for d in domains.iter().filter_map(Value::as_str) {
                    let d = d.to_ascii_lowercase();
                    if !call.hosts.contains(&d) {
                        call.hosts.push(d);
                    }
                }
            }
        }
        ToolKind::ClineMcp => {
            let server = input.get("server_name").and_then(Value::as_str).unwrap_or_default();
            let name = input
                .get("tool_name")
                .or_else(|| input.get("uri"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            call.mcp = Some(McpTarget { server: server.to_owned(), tool: name.to_owned() });
        }
        ToolKind::Other => {}
    }
    call.input = input;
    Ok(call)
}

/// A shell tool call of `agent` running `command` in `cwd`, analyzed as a hook would analyze it:
/// what `ward policy explain -- COMMAND` and policy test cases evaluate.
pub fn exec_call(agent: &str, cwd: Option<&str>, command: &str) -> ToolCall {
    exec_call_with_env(agent, cwd, command, &|_| None)
}

/// [`exec_call`] in the hook's environment (see [`shell::analyze_with_env`]).
pub fn exec_call_with_env(
    agent: &str,
    cwd: Option<&str>,
    command: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> ToolCall {
    let mut call = ToolCall::new(agent, "PreToolUse", "Bash", Action::Exec);
    call.cwd = cwd.map(str::to_owned);
    call.input = serde_json::json!({ "command": command });
    apply_shell_with_env(&mut call, command, env);
    call
}

/// Fill the shell fields of a call from a command line.
pub(crate) fn apply_shell(call: &mut ToolCall, command: &str) {
    apply_shell_with_env(call, command, &|_| None);
}

fn apply_shell_with_env(call: &mut ToolCall, command: &str, env: &dyn Fn(&str) -> Option<String>) {
    let analysis = shell::analyze_with_env(command, env);
    call.command = Some(command.to_owned());
    call.unanalyzed = analysis.unanalyzed();
    call.commands = analysis.commands;
    call.paths = analysis.paths;
    call.urls = analysis.urls;
    call.hosts = analysis.hosts;
}

/// The command line of a shell tool: `command` (string, or argv array as Codex's `shell` tool
/// sends it), `cmd` (`exec_command`), `command_line`, `commandLine`.
pub(crate) fn shell_command(input: &Value) -> Result<String, HookError> {
    if let Some(s) = input.as_str() {
        return Ok(s.to_owned());
    }
    for key in ["command", "cmd", "command_line", "commandLine"] {
        match input.get(key) {
            Some(Value::String(s)) => return Ok(s.clone()),
            Some(Value::Array(items)) => {
                let argv: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                let argv =
                    argv.ok_or(HookError::WrongType { field: "tool_input.command", expected: "strings" })?;
                return Ok(shell_join(&argv));
            }
            Some(Value::Null) | None => {}
            Some(_) => {
                return Err(HookError::WrongType {
                    field: "tool_input.command",
                    expected: "a string or an array",
                })
            }
        }
    }
    Err(HookError::MissingField("tool_input.command"))
}

/// Quote an argv so `shell::analyze` sees exactly these words.
pub fn shell_join(argv: &[&str]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars().all(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, '-' | '_' | '.' | '/' | '=' | ':' | ',' | '+' | '@' | '%')
                })
            {
                (*a).to_owned()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The patch text of an `apply_patch` call: `command`, `input` or `patch`, or the input itself.
pub(crate) fn patch_text(input: &Value) -> Option<&str> {
    if let Some(s) = input.as_str() {
        return Some(s);
    }
    ["command", "input", "patch"].iter().find_map(|k| match input.get(*k) {
        Some(Value::String(s)) => Some(s.as_str()),
        // `["apply_patch", "<patch>"]` argv form.
        Some(Value::Array(a)) => a.iter().rev().find_map(Value::as_str),
        _ => None,
    })
}

pub(crate) fn push_path(paths: &mut Vec<PathTarget>, path: &str, access: Access) {
    if path.is_empty() {
        return;
    }
    let t = PathTarget { path: path.to_owned(), access };
    if !paths.contains(&t) {
        paths.push(t);
    }
}

/// File paths named in a tool input under any of the usual keys.
pub(crate) fn input_paths(input: &Value) -> Vec<String> {
    const SINGLE: &[&str] = &[
        "file_path",
        "filePath",
        "path",
        "notebook_path",
        "absolute_path",
        "dir_path",
        "directory",
        "target_file",
        "uri",
        "file",
    ];
    const MANY: &[&str] = &["paths", "file_paths", "files", "filePaths", "operations", "edits"];
    let mut out = Vec::new();
    for k in SINGLE {
        if let Some(s) = input.get(*k).and_then(Value::as_str) {
            if !out.iter().any(|o| o == s) {
                out.push(s.to_owned());
            }
        }
    }
    for k in MANY {
        if let Some(items) = input.get(*k).and_then(Value::as_array) {
            for item in items {
                let found = match item {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(_) => input_paths(item).into_iter().next(),
                    _ => None,
                };
                if let Some(s) = found {
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
        }
    }
    out
}

/// URLs named in a fetch/search input: `url`, `urls`, or URLs inside a `prompt` (Gemini
/// `web_fetch` takes a prompt that contains them).
pub(crate) fn input_urls(input: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(u) = input.get("url").and_then(Value::as_str) {
        out.push(u.to_owned());
    }
    if let Some(items) = input.get("urls").and_then(Value::as_array) {
        out.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(prompt) = input.get("prompt").and_then(Value::as_str) {
        for word in prompt.split_whitespace() {
            let word = word
                .trim_matches(|c: char| matches!(c, '"' | '\'' | '(' | ')' | '<' | '>' | ',' | '.' | ';'));
            if (word.starts_with("http://") || word.starts_with("https://")) && !out.iter().any(|o| o == word)
            {
                out.push(word.to_owned());
            }
        }
    }
    out
}

/// A call for an event that is not a tool call (session start, prompt submit, unknown events):
/// the caller allows and records it.
pub(crate) fn non_tool_event(agent: Agent, event: &str, obj: &Map<String, Value>) -> ToolCall {
    let mut call = ToolCall::new(agent.name(), event, "", Action::Other);
    envelope(&mut call, obj);
    call
}

// ---------------------------------------------------------------------------------------------
// Shared answer helpers

/// The reason text shown for a verdict: the policy's reason, prefixed so users know who decided.
pub(crate) fn reason_text(verdict: &Verdict) -> String {
    let reason = verdict.reason.trim();
    let rule = verdict.rule.trim();
    match (reason.is_empty(), rule.is_empty()) {
        (true, true) => "Blocked by Ward policy".to_owned(),
        (true, false) => format!("Blocked by Ward policy (rule {rule})"),
        (false, true) => format!("Ward: {reason}"),
        (false, false) => format!("Ward: {reason} (rule {rule})"),
    }
}

/// The answer of agents whose only real decision is the exit code (Windsurf, Amazon Q / Kiro
/// CLI): exit 2 with the reason on stderr blocks; they cannot prompt, so `ask` blocks with a
/// reason that makes the model ask the user.
pub(crate) fn exit_code_answer(verdict: &Verdict) -> HookAnswer {
    match verdict.decision {
        Decision::Deny => HookAnswer::exit2(&reason_text(verdict)),
        Decision::Ask => HookAnswer::exit2(&ask_as_deny_text(verdict)),
        Decision::Allow | Decision::Log => HookAnswer::default(),
    }
}

/// For agents that cannot prompt: the deny reason that makes the model ask the user instead.
pub(crate) fn ask_as_deny_text(verdict: &Verdict) -> String {
    format!(
        "{} — this action needs the user's approval, and this agent cannot ask for it from a hook. \
         Do not retry it or work around it: stop and ask the user to approve or perform it.",
        reason_text(verdict)
    )
}

/// Claude-style `hookSpecificOutput` PreToolUse answer (Claude Code, Codex, VS Code, Continue).
pub(crate) fn pretooluse_json(event: &str, decision: &str, reason: &str) -> HookAnswer {
    HookAnswer::json(serde_json::json!({
        "hookSpecificOutput": {
            "hookEventName": event,
            "permissionDecision": decision,
            "permissionDecisionReason": reason,
        }
    }))
}

/// Claude-style `PermissionRequest` answer: deny, or no opinion (the normal prompt shows).
pub(crate) fn permission_request_json(verdict: &Verdict) -> HookAnswer {
    match verdict.decision {
        Decision::Deny => HookAnswer::json(serde_json::json!({
            "hookSpecificOutput": {
                "hookEventName": "PermissionRequest",
                "decision": { "behavior": "deny", "message": reason_text(verdict) }
            }
        })),
        _ => HookAnswer::empty(),
    }
}

/// Is this event the agent's pre-tool-call event (as opposed to a lifecycle event)?
pub(crate) fn is_pre_tool(event: &str) -> bool {
    matches!(
        event,
        "PreToolUse"
            | "preToolUse"
            | "BeforeTool"
            | "beforeShellExecution"
            | "beforeMCPExecution"
            | "beforeReadFile"
            | "beforeTabFileRead"
            | "pre_run_command"
            | "pre_mcp_tool_use"
            | "pre_read_code"
            | "pre_write_code"
    )
}

/// Parse the snake_case Claude-style envelope shared by Claude Code, Codex, Continue, Gemini,
/// VS Code and Copilot CLI's PascalCase mode: `hook_event_name`, `tool_name`, `tool_input`.
pub(crate) fn parse_snake(
    agent: Agent,
    obj: &Map<String, Value>,
    default_event: &str,
) -> Result<ToolCall, HookError> {
    let event = match opt_str(obj, "hook_event_name")? {
        Some(e) => e,
        None => match opt_str(obj, "hookEventName")? {
            Some(e) => e,
            None if obj.contains_key("tool_name") => default_event,
            None => return Err(HookError::MissingField("hook_event_name")),
        },
    };
    let Some(tool) = opt_str(obj, "tool_name")? else {
        if is_pre_tool(event) {
            return Err(HookError::MissingField("tool_name"));
        }
        return Ok(non_tool_event(agent, event, obj));
    };
    let input = tool_input(obj, "tool_input");
    let mut call = normalize(agent, event, tool, input)?;
    envelope(&mut call, obj);
    Ok(call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Agent::ALL {
            assert_eq!(Agent::from_name(a.name()), Some(a));
        }
        assert_eq!(Agent::from_name("Claude_Code"), Some(Agent::ClaudeCode));
        assert_eq!(Agent::from_name("emacs"), None);
    }

    #[test]
    fn shell_join_quotes() {
        assert_eq!(shell_join(&["bash", "-lc", "rm -rf '/'"]), "bash -lc 'rm -rf '\\''/'\\'''");
        let a = shell::analyze(&shell_join(&["bash", "-lc", "rm -rf '/'"]));
        assert_eq!(a.commands[0].argv, vec!["rm", "-rf", "/"]);
    }

    #[test]
    fn mcp_names() {
        assert_eq!(mcp_from_name("mcp__github__create_issue").map(|m| m.server), Some("github".into()));
        assert_eq!(mcp_from_name("@git/status").map(|m| m.tool), Some("status".into()));
        assert_eq!(mcp_from_name("Bash"), None);
    }
}
