//! Per-agent payload parsing, detection and answer rendering, driven by fixture payloads in the
//! shapes each agent really sends (tests/fixtures/<agent>/*.json), plus malformed input.

use std::path::PathBuf;

use serde_json::Value;
use ward_hook::{detect, parse_payload, parse_payload_with_env, render_error, Agent, HookError};
use ward_model::{Access, Action, Decision, ToolCall, Verdict};

fn fixture(agent: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(agent).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct ParseCase {
    dir: &'static str,
    file: &'static str,
    agent: Agent,
    event: &'static str,
    tool: &'static str,
    action: Action,
    programs: &'static [&'static str],
    paths: &'static [(&'static str, Access)],
    hosts: &'static [&'static str],
    mcp: Option<(&'static str, &'static str)>,
}

const fn case(
    dir: &'static str,
    file: &'static str,
    agent: Agent,
    event: &'static str,
    tool: &'static str,
    action: Action,
) -> ParseCase {
    ParseCase { dir, file, agent, event, tool, action, programs: &[], paths: &[], hosts: &[], mcp: None }
}

#[rustfmt::skip]
fn parse_cases() -> Vec<ParseCase> {
    use Access::*;
    use Agent::*;
    vec![
        ParseCase { programs: &["rm"], paths: &[("/", Delete), ("/**", Delete)], ..case("codex", "bash_rm.json", Codex, "PreToolUse", "Bash", Action::Exec) },
        ParseCase { paths: &[("src/a.rs", Write), ("docs/new.md", Write), ("old.txt", Delete)], ..case("codex", "apply_patch.json", Codex, "PreToolUse", "apply_patch", Action::Write) },
        ParseCase { mcp: Some(("github", "create_issue")), ..case("codex", "mcp.json", Codex, "PreToolUse", "mcp__github__create_issue", Action::Mcp) },
        ParseCase { programs: &["cat"], paths: &[("~/.aws/credentials", Read)], ..case("codex", "exec_command_argv.json", Codex, "PreToolUse", "exec_command", Action::Exec) },
        case("codex", "session_start.json", Codex, "SessionStart", "", Action::Other),
        ParseCase { programs: &["git"], ..case("codex", "permission_request.json", Codex, "PermissionRequest", "Bash", Action::Exec) },
        ParseCase { programs: &["cat"], paths: &[("~/.aws/credentials", Read)], ..case("claude-code", "bash_credentials.json", ClaudeCode, "PreToolUse", "Bash", Action::Exec) },
        ParseCase { paths: &[("/home/u/.ssh/id_ed25519", Read)], ..case("claude-code", "read.json", ClaudeCode, "PreToolUse", "Read", Action::Read) },
        ParseCase { paths: &[("/home/u/proj/src/main.rs", Write)], ..case("claude-code", "multiedit.json", ClaudeCode, "PreToolUse", "MultiEdit", Action::Write) },
        ParseCase { hosts: &["docs.example.com"], ..case("claude-code", "webfetch.json", ClaudeCode, "PreToolUse", "WebFetch", Action::Network) },
        ParseCase { mcp: Some(("postgres", "query")), ..case("claude-code", "mcp.json", ClaudeCode, "PreToolUse", "mcp__postgres__query", Action::Mcp) },
        case("claude-code", "user_prompt.json", ClaudeCode, "UserPromptSubmit", "", Action::Other),
        case("claude-code", "unknown_tool.json", ClaudeCode, "PreToolUse", "TodoWrite", Action::Other),
        ParseCase { programs: &["curl"], paths: &[("~/.ssh/id_ed25519", Read)], hosts: &["paste.example"], ..case("cursor", "shell.json", Cursor, "beforeShellExecution", "Shell", Action::Exec) },
        ParseCase { mcp: Some(("github", "create_issue")), hosts: &["api.githubcopilot.com"], ..case("cursor", "mcp.json", Cursor, "beforeMCPExecution", "create_issue", Action::Mcp) },
        ParseCase { paths: &[("/Users/u/proj/.env", Read)], ..case("cursor", "read_file.json", Cursor, "beforeReadFile", "Read", Action::Read) },
        ParseCase { paths: &[("/Users/u/.zshrc", Write)], ..case("cursor", "pretooluse_write.json", Cursor, "preToolUse", "Write", Action::Write) },
        ParseCase { mcp: Some(("", "create_issue")), ..case("cursor", "pretooluse_mcp.json", Cursor, "preToolUse", "MCP:create_issue", Action::Mcp) },
        case("cursor", "prompt.json", Cursor, "beforeSubmitPrompt", "", Action::Other),
        ParseCase { programs: &["gcloud"], ..case("gemini-cli", "shell.json", GeminiCli, "BeforeTool", "run_shell_command", Action::Exec) },
        ParseCase { paths: &[("/home/u/.config/gcloud/credentials.db", Read)], ..case("gemini-cli", "read_file.json", GeminiCli, "BeforeTool", "read_file", Action::Read) },
        ParseCase { hosts: &["example.org", "evil.test"], ..case("gemini-cli", "web_fetch.json", GeminiCli, "BeforeTool", "web_fetch", Action::Network) },
        ParseCase { mcp: Some(("my_server", "run_query")), ..case("gemini-cli", "mcp.json", GeminiCli, "BeforeTool", "mcp_my_server_run_query", Action::Mcp) },
        ParseCase { programs: &["cat"], paths: &[("~/.npmrc", Read)], ..case("copilot-cli", "bash.json", CopilotCli, "preToolUse", "bash", Action::Exec) },
        ParseCase { programs: &["rm"], paths: &[("~/.copilot", Delete), ("~/.copilot/**", Delete)], ..case("copilot-cli", "bash_string_args.json", CopilotCli, "preToolUse", "bash", Action::Exec) },
        ParseCase { paths: &[("/home/u/proj/src/app.ts", Write)], ..case("copilot-cli", "edit.json", CopilotCli, "preToolUse", "edit", Action::Write) },
        ParseCase { programs: &["git"], ..case("copilot-cli", "snake.json", CopilotCli, "PreToolUse", "bash", Action::Exec) },
        ParseCase { programs: &["cat"], paths: &[("~/.docker/config.json", Read)], ..case("vscode", "terminal.json", VsCode, "PreToolUse", "runTerminalCommand", Action::Exec) },
        ParseCase { paths: &[("/Users/u/proj/a.ts", Write), ("/Users/u/proj/b.ts", Write)], ..case("vscode", "edit.json", VsCode, "PreToolUse", "editFiles", Action::Write) },
        ParseCase { programs: &["cat"], paths: &[(".env", Read)], ..case("windsurf", "run_command.json", Windsurf, "pre_run_command", "run_command", Action::Exec) },
        ParseCase { mcp: Some(("github", "delete_repo")), ..case("windsurf", "mcp.json", Windsurf, "pre_mcp_tool_use", "delete_repo", Action::Mcp) },
        ParseCase { paths: &[("/Users/u/proj/.github/workflows/ci.yml", Write)], ..case("windsurf", "write_code.json", Windsurf, "pre_write_code", "write_code", Action::Write) },
        case("windsurf", "prompt.json", Windsurf, "pre_user_prompt", "", Action::Other),
        ParseCase { programs: &["find", "rm"], paths: &[(".", Read), (".", Delete), ("./**", Delete)], ..case("continue", "bash.json", Continue, "PreToolUse", "Bash", Action::Exec) },
        ParseCase { programs: &["cat"], paths: &[("~/.kube/config", Read)], ..case("cline", "execute_command.json", Cline, "PreToolUse", "execute_command", Action::Exec) },
        ParseCase { mcp: Some(("slack", "post_message")), ..case("cline", "use_mcp_tool.json", Cline, "PreToolUse", "use_mcp_tool", Action::Mcp) },
        ParseCase { programs: &["aws"], ..case("amazon-q", "execute_bash.json", AmazonQ, "preToolUse", "execute_bash", Action::Exec) },
        ParseCase { paths: &[("/home/u/.aws/credentials", Read)], ..case("amazon-q", "fs_read.json", AmazonQ, "preToolUse", "fs_read", Action::Read) },
        ParseCase { hosts: &["s3.amazonaws.com"], ..case("amazon-q", "use_aws.json", AmazonQ, "preToolUse", "use_aws", Action::Network) },
        ParseCase { mcp: Some(("git", "git_status")), ..case("amazon-q", "mcp.json", AmazonQ, "preToolUse", "@git/git_status", Action::Mcp) },
    ]
}

fn assert_call(c: &ParseCase, call: &ToolCall) {
    let ctx = format!("{}/{}: {call:#?}", c.dir, c.file);
    assert_eq!(call.agent, c.agent.name(), "{ctx}");
    assert_eq!(call.event, c.event, "{ctx}");
    assert_eq!(call.tool, c.tool, "{ctx}");
    assert_eq!(call.action, c.action, "{ctx}");
    let programs: Vec<&str> = call.commands.iter().map(|x| x.program.as_str()).collect();
    assert_eq!(programs, c.programs, "{ctx}");
    for (p, a) in c.paths {
        assert!(call.paths.iter().any(|t| t.path == *p && t.access == *a), "missing {a:?} {p}\n{ctx}");
    }
    assert_eq!(call.paths.len(), c.paths.len(), "{ctx}");
    for h in c.hosts {
        assert!(call.hosts.iter().any(|x| x == h), "missing host {h}\n{ctx}");
    }
    match c.mcp {
        Some((server, tool)) => {
            let m = call.mcp.as_ref().unwrap_or_else(|| panic!("no mcp target\n{ctx}"));
            assert_eq!((m.server.as_str(), m.tool.as_str()), (server, tool), "{ctx}");
        }
        None => assert!(call.mcp.is_none(), "{ctx}"),
    }
}

#[test]
fn fixtures_parse_with_explicit_agent() {
    let cases = parse_cases();
    for c in &cases {
        let bytes = fixture(c.dir, c.file);
        let (agent, call) =
            parse_payload(Some(c.agent), &bytes).unwrap_or_else(|e| panic!("{}/{}: {e}", c.dir, c.file));
        assert_eq!(agent, c.agent);
        assert_call(c, &call);
    }
    // Every agent has fixtures.
    for a in Agent::ALL {
        assert!(cases.iter().any(|c| c.agent == a), "no fixture for {a}");
    }
}

#[test]
fn fixtures_are_detected() {
    for c in parse_cases() {
        let bytes = fixture(c.dir, c.file);
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let detected = detect(&value, &|_| None);
        // Continue sends Claude Code's exact shape; without its environment it reads as Claude Code.
        let expected = if c.agent == Agent::Continue { Agent::ClaudeCode } else { c.agent };
        assert_eq!(detected, Some(expected), "{}/{}", c.dir, c.file);
    }
}

#[test]
fn detection_uses_environment() {
    let bare = serde_json::json!({"session_id": "s", "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": "ls"}, "cwd": "/p", "permission_mode": "default"});
    assert_eq!(detect(&bare, &|_| None), Some(Agent::ClaudeCode));
    assert_eq!(detect(&bare, &|k| (k == "CURSOR_VERSION").then(|| "2.1".to_owned())), Some(Agent::Cursor));
    assert_eq!(
        detect(&bare, &|k| (k == "GEMINI_PROJECT_DIR").then(|| "/p".to_owned())),
        Some(Agent::GeminiCli)
    );
    assert_eq!(
        detect(&bare, &|k| (k == "CONTINUE_GLOBAL_DIR").then(|| "/c".to_owned())),
        Some(Agent::Continue)
    );
    assert_eq!(detect(&serde_json::json!({"foo": 1}), &|_| None), None);
    let parsed = parse_payload_with_env(None, br#"{"foo": 1}"#, &|_| None);
    assert_eq!(parsed.unwrap_err(), HookError::Undetectable);
}

#[test]
fn glob_patterns_are_paths_grep_patterns_are_not() {
    let glob = br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Glob","tool_input":{"pattern":"~/.ssh/*"}}"#;
    let (_, call) = parse_payload(Some(Agent::ClaudeCode), glob).unwrap();
    assert_eq!(call.paths.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["~/.ssh/*"]);
    let grep = br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Grep","tool_input":{"pattern":"a/b","path":"src"}}"#;
    let (_, call) = parse_payload(Some(Agent::ClaudeCode), grep).unwrap();
    // Grep reads the whole tree under its path.
    assert_eq!(call.paths.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["src", "src/**"]);
    let glob_in = br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Glob","tool_input":{"pattern":"*_rsa","path":"~/.ssh"}}"#;
    let (_, call) = parse_payload(Some(Agent::ClaudeCode), glob_in).unwrap();
    assert!(call.paths.iter().any(|p| p.path == "~/.ssh/*_rsa"), "{:?}", call.paths);
}

#[test]
fn cursor_read_drops_file_content() {
    let (_, call) = parse_payload(Some(Agent::Cursor), &fixture("cursor", "read_file.json")).unwrap();
    let input = call.input.to_string();
    assert!(!input.contains("wJalrXUtnFEMI"), "file content must not be kept: {input}");
}

#[test]
fn unparsable_and_dynamic_commands_are_marked_unanalyzed() {
    let unterminated = br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf \"/"}}"#;
    let p = parse_payload_with_env(Some(Agent::ClaudeCode), unterminated, &|_| None).unwrap();
    assert!(p.call.unanalyzed.is_some_and(|c| c.contains("parsed")));
    let dynamic = br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"$CMD /"}}"#;
    let p = parse_payload_with_env(Some(Agent::ClaudeCode), dynamic, &|_| None).unwrap();
    assert!(p.call.unanalyzed.is_some());
    let clean = br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#;
    assert!(parse_payload_with_env(Some(Agent::ClaudeCode), clean, &|_| None)
        .unwrap()
        .call
        .unanalyzed
        .is_none());
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn verdict(decision: Decision) -> Verdict {
    Verdict {
        decision,
        rule: "no-cloud-creds".to_owned(),
        reason: "Reading cloud credentials is blocked".to_owned(),
        tier: "sensitive".to_owned(),
        matched: Vec::new(),
    }
}

fn call_for(dir: &str, file: &str, agent: Agent) -> ToolCall {
    parse_payload(Some(agent), &fixture(dir, file)).unwrap().1
}

fn stdout_json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout:?}"))
}

#[test]
fn claude_style_answers() {
    for (agent, dir, file) in [
        (Agent::ClaudeCode, "claude-code", "bash_credentials.json"),
        (Agent::Continue, "continue", "bash.json"),
        (Agent::VsCode, "vscode", "terminal.json"),
    ] {
        let call = call_for(dir, file, agent);
        let deny = agent.render(&verdict(Decision::Deny), Some(&call));
        assert_eq!(deny.exit_code, 0);
        let v = stdout_json(&deny.stdout);
        assert_eq!(v["hookSpecificOutput"]["hookEventName"], "PreToolUse");
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
        assert!(v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("no-cloud-creds"));
        let ask = agent.render(&verdict(Decision::Ask), Some(&call));
        assert_eq!(stdout_json(&ask.stdout)["hookSpecificOutput"]["permissionDecision"], "ask");
        for d in [Decision::Allow, Decision::Log] {
            let allow = agent.render(&verdict(d), Some(&call));
            assert_eq!((allow.stdout.as_str(), allow.exit_code), ("", 0), "{agent} {d}");
        }
    }
    // A lifecycle event blocks with exit 2.
    let prompt = call_for("claude-code", "user_prompt.json", Agent::ClaudeCode);
    let a = Agent::ClaudeCode.render(&verdict(Decision::Deny), Some(&prompt));
    assert_eq!(a.exit_code, 2);
    assert!(a.stderr.contains("blocked"));
}

#[test]
fn codex_ask_becomes_deny_telling_the_model_to_ask() {
    let call = call_for("codex", "bash_rm.json", Agent::Codex);
    let ask = Agent::Codex.render(&verdict(Decision::Ask), Some(&call));
    assert_eq!(ask.exit_code, 0);
    let v = stdout_json(&ask.stdout);
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    assert!(v["hookSpecificOutput"]["permissionDecisionReason"].as_str().unwrap().contains("ask the user"));
    let deny = Agent::Codex.render(&verdict(Decision::Deny), Some(&call));
    assert_eq!(stdout_json(&deny.stdout)["hookSpecificOutput"]["permissionDecision"], "deny");
    // `allow` without updatedInput would count as a failed hook: print nothing instead.
    let allow = Agent::Codex.render(&verdict(Decision::Allow), Some(&call));
    assert_eq!((allow.stdout.as_str(), allow.exit_code), ("", 0));
    // PermissionRequest: deny in its own form; ask leaves Codex's prompt in place.
    let pr = call_for("codex", "permission_request.json", Agent::Codex);
    let d = stdout_json(&Agent::Codex.render(&verdict(Decision::Deny), Some(&pr)).stdout);
    assert_eq!(d["hookSpecificOutput"]["decision"]["behavior"], "deny");
    assert_eq!(Agent::Codex.render(&verdict(Decision::Ask), Some(&pr)).stdout, "");
}

#[test]
fn cursor_answers() {
    let shell = call_for("cursor", "shell.json", Agent::Cursor);
    let v = stdout_json(&Agent::Cursor.render(&verdict(Decision::Deny), Some(&shell)).stdout);
    assert_eq!(v["permission"], "deny");
    assert!(v["user_message"].is_string() && v["agent_message"].is_string());
    assert_eq!(
        stdout_json(&Agent::Cursor.render(&verdict(Decision::Ask), Some(&shell)).stdout)["permission"],
        "ask"
    );
    assert_eq!(
        stdout_json(&Agent::Cursor.render(&verdict(Decision::Log), Some(&shell)).stdout)["permission"],
        "allow"
    );
    // File reads cannot ask: ask becomes deny.
    let read = call_for("cursor", "read_file.json", Agent::Cursor);
    let v = stdout_json(&Agent::Cursor.render(&verdict(Decision::Ask), Some(&read)).stdout);
    assert_eq!(v["permission"], "deny");
    assert!(v["agent_message"].as_str().unwrap().contains("ask the user"));
    let prompt = call_for("cursor", "prompt.json", Agent::Cursor);
    assert_eq!(
        stdout_json(&Agent::Cursor.render(&verdict(Decision::Deny), Some(&prompt)).stdout)["continue"],
        false
    );
}

#[test]
fn gemini_answers() {
    let call = call_for("gemini-cli", "shell.json", Agent::GeminiCli);
    for (d, expected) in [(Decision::Deny, "deny"), (Decision::Ask, "ask")] {
        let a = Agent::GeminiCli.render(&verdict(d), Some(&call));
        assert_eq!(a.exit_code, 0);
        let v = stdout_json(&a.stdout);
        assert_eq!(v["decision"], expected);
        assert!(v["reason"].is_string());
    }
    let allow = Agent::GeminiCli.render(&verdict(Decision::Allow), Some(&call));
    assert_eq!(stdout_json(&allow.stdout), serde_json::json!({}));
}

#[test]
fn copilot_always_exits_zero_with_json() {
    let call = call_for("copilot-cli", "bash.json", Agent::CopilotCli);
    for d in [Decision::Deny, Decision::Ask, Decision::Allow, Decision::Log] {
        assert_eq!(Agent::CopilotCli.render(&verdict(d), Some(&call)).exit_code, 0);
    }
    let v = stdout_json(&Agent::CopilotCli.render(&verdict(Decision::Deny), Some(&call)).stdout);
    assert_eq!(v["permissionDecision"], "deny");
    assert!(v.get("hookSpecificOutput").is_none());
    let snake = call_for("copilot-cli", "snake.json", Agent::CopilotCli);
    let v = stdout_json(&Agent::CopilotCli.render(&verdict(Decision::Ask), Some(&snake)).stdout);
    assert_eq!(v["permissionDecision"], "ask");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "ask");
    // Malformed input, fail-closed: still exit 0 and a JSON deny.
    let e = render_error(Agent::CopilotCli, true, "not JSON");
    assert_eq!(e.exit_code, 0);
    assert_eq!(stdout_json(&e.stdout)["permissionDecision"], "deny");
}

#[test]
fn exit_code_agents() {
    for (agent, dir, file) in
        [(Agent::Windsurf, "windsurf", "run_command.json"), (Agent::AmazonQ, "amazon-q", "execute_bash.json")]
    {
        let call = call_for(dir, file, agent);
        let deny = agent.render(&verdict(Decision::Deny), Some(&call));
        assert_eq!((deny.exit_code, deny.stdout.as_str()), (2, ""));
        assert!(deny.stderr.contains("Reading cloud credentials is blocked"));
        let ask = agent.render(&verdict(Decision::Ask), Some(&call));
        assert_eq!(ask.exit_code, 2);
        assert!(ask.stderr.contains("ask the user"));
        let allow = agent.render(&verdict(Decision::Log), Some(&call));
        assert_eq!((allow.exit_code, allow.stdout.as_str(), allow.stderr.as_str()), (0, "", ""));
    }
}

#[test]
fn cline_answers() {
    let call = call_for("cline", "execute_command.json", Agent::Cline);
    let v = stdout_json(&Agent::Cline.render(&verdict(Decision::Deny), Some(&call)).stdout);
    assert_eq!(v["cancel"], true);
    assert!(v["errorMessage"].as_str().unwrap().contains("blocked"));
    let v = stdout_json(&Agent::Cline.render(&verdict(Decision::Ask), Some(&call)).stdout);
    assert_eq!(v["cancel"], true);
    let v = stdout_json(&Agent::Cline.render(&verdict(Decision::Allow), Some(&call)).stdout);
    assert_eq!(v["cancel"], false);
}

#[test]
fn render_error_follows_fail_mode_for_every_agent() {
    for agent in Agent::ALL {
        let closed = render_error(agent, true, "payload is not JSON");
        let open = render_error(agent, false, "payload is not JSON");
        assert!(closed.stderr.contains("payload is not JSON"), "{agent}");
        assert!(open.stderr.contains("payload is not JSON"), "{agent}");
        assert!(matches!(closed.exit_code, 0 | 2) && matches!(open.exit_code, 0 | 2), "{agent}");
        assert_eq!(open.exit_code, 0, "{agent}: fail-open must not block");
        let blocks = closed.exit_code == 2
            || closed.stdout.contains("deny")
            || closed.stdout.contains("\"cancel\":true");
        assert!(blocks, "{agent}: fail-closed must block: {closed:?}");
        assert!(!open.stdout.contains("deny"), "{agent}");
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed input

#[test]
fn malformed_payloads_are_clear_errors() {
    let huge = vec![b' '; ward_hook::MAX_PAYLOAD_BYTES + 1];
    let cases: Vec<(&str, Vec<u8>, HookError)> = vec![
        ("empty", b"".to_vec(), HookError::Empty),
        ("blank", b"  \n\t".to_vec(), HookError::Empty),
        ("huge", huge, HookError::TooLarge { size: ward_hook::MAX_PAYLOAD_BYTES + 1, limit: ward_hook::MAX_PAYLOAD_BYTES }),
        ("invalid utf-8", b"{\"a\": \"\xff\xfe\"}".to_vec(), HookError::NotUtf8),
        ("array", b"[1, 2]".to_vec(), HookError::NotObject("array")),
        ("string", b"\"hi\"".to_vec(), HookError::NotObject("string")),
        ("null", b"null".to_vec(), HookError::NotObject("null")),
        ("no tool name", br#"{"session_id":"s","hook_event_name":"PreToolUse"}"#.to_vec(), HookError::MissingField("tool_name")),
        ("no command", br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}"#.to_vec(), HookError::MissingField("tool_input.command")),
        ("command wrong type", br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":42}}"#.to_vec(), HookError::WrongType { field: "tool_input.command", expected: "a string or an array" }),
        ("tool name wrong type", br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":7}"#.to_vec(), HookError::WrongType { field: "tool_name", expected: "a string" }),
        ("read without path", br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{}}"#.to_vec(), HookError::MissingField("tool_input.file_path")),
        ("patch without text", br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"apply_patch","tool_input":{}}"#.to_vec(), HookError::MissingField("tool_input.command")),
    ];
    for (name, bytes, expected) in cases {
        let got = parse_payload(Some(Agent::ClaudeCode), &bytes);
        assert_eq!(got.as_ref().err(), Some(&expected), "{name}: {got:?}");
    }
    let not_json = parse_payload(Some(Agent::Codex), b"{not json");
    assert!(matches!(not_json, Err(HookError::NotJson(_))));
    // Truncated payload.
    let full = fixture("codex", "bash_rm.json");
    assert!(matches!(parse_payload(Some(Agent::Codex), &full[..full.len() / 2]), Err(HookError::NotJson(_))));
}

#[test]
fn malformed_agent_specific_shapes() {
    let cases: &[(Agent, &str, HookError)] = &[
        (Agent::Cursor, r#"{"hook_event_name":"beforeShellExecution"}"#, HookError::MissingField("command")),
        (
            Agent::Cursor,
            r#"{"hook_event_name":"beforeShellExecution","command":["ls"]}"#,
            HookError::WrongType { field: "command", expected: "a string" },
        ),
        (Agent::Cursor, r#"{"hook_event_name":"beforeReadFile"}"#, HookError::MissingField("file_path")),
        (Agent::Windsurf, r#"{"trajectory_id":"t"}"#, HookError::MissingField("agent_action_name")),
        (Agent::Windsurf, r#"{"agent_action_name":"pre_run_command"}"#, HookError::MissingField("tool_info")),
        (
            Agent::Windsurf,
            r#"{"agent_action_name":"pre_run_command","tool_info":"ls"}"#,
            HookError::WrongType { field: "tool_info", expected: "an object" },
        ),
        (
            Agent::Windsurf,
            r#"{"agent_action_name":"pre_mcp_tool_use","tool_info":{"mcp_server_name":"x"}}"#,
            HookError::MissingField("mcp_tool_name"),
        ),
        (Agent::Cline, r#"{"hookName":"PreToolUse"}"#, HookError::MissingField("preToolUse")),
        (
            Agent::Cline,
            r#"{"hookName":"PreToolUse","preToolUse":[]}"#,
            HookError::WrongType { field: "preToolUse", expected: "an object" },
        ),
        (Agent::CopilotCli, r#"{"sessionId":"s"}"#, HookError::MissingField("toolName")),
        (Agent::AmazonQ, r#"{"hook_event_name":"preToolUse"}"#, HookError::MissingField("tool_name")),
        (
            Agent::GeminiCli,
            r#"{"session_id":"s","hook_event_name":"BeforeTool"}"#,
            HookError::MissingField("tool_name"),
        ),
    ];
    for (agent, payload, expected) in cases {
        let got = parse_payload(Some(*agent), payload.as_bytes());
        assert_eq!(got.as_ref().err(), Some(expected), "{agent} {payload}: {got:?}");
    }
}

#[test]
fn unknown_events_become_other_calls() {
    for (agent, payload) in [
        (Agent::ClaudeCode, r#"{"session_id":"s","hook_event_name":"SomethingNew","x":1}"#),
        (Agent::Cursor, r#"{"hook_event_name":"workspaceOpen","conversation_id":"c"}"#),
        (Agent::Windsurf, r#"{"agent_action_name":"post_cascade_response","tool_info":{"response":"r"}}"#),
        (Agent::Cline, r#"{"hookName":"TaskStart","taskId":"t"}"#),
        (Agent::AmazonQ, r#"{"hook_event_name":"agentSpawn","cwd":"/p"}"#),
    ] {
        let (_, call) =
            parse_payload(Some(agent), payload.as_bytes()).unwrap_or_else(|e| panic!("{agent}: {e}"));
        assert_eq!(call.action, Action::Other, "{agent}");
        assert!(!call.event.is_empty(), "{agent}");
        // The caller allows and records these: an allow renders without blocking.
        let a = agent.render(&verdict(Decision::Allow), Some(&call));
        assert_eq!(a.exit_code, 0, "{agent}");
    }
}

#[test]
fn error_messages_never_echo_payload_content() {
    let secret = "AKIAIOSFODNN7EXAMPLE";
    let payloads = [
        format!(r#"{{"tool_name": "Bash", "tool_input": {{"command": 1}}, "k": "{secret}""#),
        format!(r#"{{"tool_name": "{secret}"#),
        format!("[\"{secret}\"]"),
    ];
    for p in payloads {
        if let Err(e) = parse_payload(Some(Agent::ClaudeCode), p.as_bytes()) {
            assert!(!e.to_string().contains(secret), "{e}");
        }
    }
}
