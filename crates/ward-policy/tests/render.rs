//! `ward floor render`: golden files for every target × built-in tier, and each rendered file
//! parsed back with the agent's own schema (mirrored here from the agents' sources: codex-rs
//! `ConfigRequirementsToml`/`HookEventsToml`, Claude Code settings, Cursor hooks.json, Gemini
//! CLI settings). `UPDATE_GOLDEN=1 cargo test -p ward-policy --test render` rewrites the files.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use ward_policy::render::{render, RenderOptions, Target};
use ward_policy::Policy;

fn options(target: Target) -> RenderOptions {
    let version = match target.agent() {
        "codex" => "0.171.0",
        "claude-code" => "2.1.197",
        "gemini-cli" => "0.61.0",
        _ => "1.7.0",
    };
    RenderOptions {
        ward_binary: "/usr/local/bin/ward".into(),
        agent_version: Some(version.into()),
        version_source: "--agent-version".into(),
        hook_timeout_secs: 10,
    }
}

fn golden_path(tier: &str, target: Target) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/floors").join(format!(
        "{tier}.{}.{}",
        target.as_str(),
        target.extension()
    ))
}

#[test]
fn every_target_and_tier_matches_its_golden_file() {
    let policy = Policy::builtin();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatched = Vec::new();
    for tier in policy.tier_names() {
        for &target in Target::ALL {
            let text = render(policy, tier, target, &options(target)).unwrap().text;
            let path = golden_path(tier, target);
            if update {
                std::fs::write(&path, &text).unwrap();
                continue;
            }
            let golden = std::fs::read_to_string(&path).unwrap_or_default();
            if golden != text {
                mismatched.push(path.display().to_string());
            }
            // Byte-stable: a second render gives the same bytes.
            assert_eq!(render(policy, tier, target, &options(target)).unwrap().text, text);
        }
    }
    assert!(mismatched.is_empty(), "rendered output differs from {mismatched:?} (UPDATE_GOLDEN=1 to accept)");
}

// --- Codex's schema (codex-rs/config: ConfigRequirementsToml, ManagedHooksRequirementsToml) ---

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum CodexApproval {
    Untrusted,
    OnFailure,
    OnRequest,
    Never,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
enum CodexSandbox {
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum CodexWebSearch {
    Disabled,
    Cached,
    Live,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum CodexHandler {
    #[serde(rename = "command")]
    Command {
        command: String,
        timeout: Option<u64>,
        #[serde(default)]
        r#async: bool,
    },
}

#[derive(Debug, Deserialize)]
struct CodexGroup {
    matcher: Option<String>,
    hooks: Vec<CodexHandler>,
}

#[derive(Debug, Deserialize)]
struct CodexManagedHooks {
    managed_dir: Option<PathBuf>,
    #[serde(rename = "PreToolUse", default)]
    pre_tool_use: Vec<CodexGroup>,
}

#[derive(Debug, Deserialize)]
struct CodexFilesystem {
    deny_read: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CodexPermissions {
    filesystem: Option<CodexFilesystem>,
}

#[derive(Debug, Deserialize)]
struct CodexRequirements {
    allowed_approval_policies: Option<Vec<CodexApproval>>,
    allowed_sandbox_modes: Option<Vec<CodexSandbox>>,
    allowed_web_search_modes: Option<Vec<CodexWebSearch>>,
    allow_managed_hooks_only: Option<bool>,
    permissions: Option<CodexPermissions>,
    hooks: Option<CodexManagedHooks>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CodexReviewer {
    User,
    AutoReview,
}

#[derive(Debug, Deserialize)]
struct CodexRequirementsReviewers {
    allowed_approvals_reviewers: Option<Vec<CodexReviewer>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodexWorkspaceWrite {
    network_access: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodexManagedConfig {
    approval_policy: Option<CodexApproval>,
    approvals_reviewer: Option<CodexReviewer>,
    sandbox_mode: Option<CodexSandbox>,
    web_search: Option<CodexWebSearch>,
    sandbox_workspace_write: Option<CodexWorkspaceWrite>,
}

fn check_codex_requirements(text: &str, what: &str) {
    let req: CodexRequirements = toml::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}"));
    if let Some(modes) = &req.allowed_sandbox_modes {
        assert!(
            modes.contains(&CodexSandbox::ReadOnly),
            "{what}: Codex refuses sandbox lists without read-only"
        );
    }
    assert!(req.allowed_approval_policies.is_some_and(|a| !a.is_empty()), "{what}");
    assert!(req.allowed_web_search_modes.is_some(), "{what}");
    let _ = req.allow_managed_hooks_only;
    for p in req.permissions.and_then(|p| p.filesystem).map(|f| f.deny_read).unwrap_or_default() {
        assert!(p.starts_with('/') || p.starts_with("~/"), "{what}: Codex rejects relative deny_read `{p}`");
    }
    let hooks = req.hooks.unwrap_or_else(|| panic!("{what}: no managed hooks"));
    assert!(hooks.managed_dir.is_some_and(|d| d.is_absolute()), "{what}: managed_dir must be absolute");
    let [group] = hooks.pre_tool_use.as_slice() else { panic!("{what}: one PreToolUse group expected") };
    assert_eq!(group.matcher.as_deref(), Some("*"));
    let [CodexHandler::Command { command, timeout, r#async }] = group.hooks.as_slice() else {
        panic!("{what}")
    };
    assert_eq!(command, "/usr/local/bin/ward hook codex");
    assert!(
        timeout.is_some_and(|t| t * 1000 > 5000) && !r#async,
        "{what}: timeout must exceed Ward's deadline"
    );
}

#[test]
fn codex_files_parse_with_codex_schema_and_never_carry_untrusted_for_0_171() {
    let policy = Policy::builtin();
    for tier in policy.tier_names() {
        let req =
            render(policy, tier, Target::CodexRequirements, &options(Target::CodexRequirements)).unwrap();
        check_codex_requirements(&req.text, &format!("{tier} requirements"));
        let cfg = render(policy, tier, Target::CodexConfig, &options(Target::CodexConfig)).unwrap();
        let parsed: CodexManagedConfig = toml::from_str(&cfg.text).unwrap();
        assert!(
            !matches!(parsed.approval_policy, Some(CodexApproval::Untrusted)),
            "{tier}: Codex 0.171 refuses it"
        );
        assert!(parsed.sandbox_mode.is_some());
        let _ = (
            parsed.web_search,
            parsed.sandbox_workspace_write.map(|w| w.network_access),
            parsed.approvals_reviewer,
        );
        let reviewers: CodexRequirementsReviewers = toml::from_str(&req.text).unwrap();
        let _ = reviewers.allowed_approvals_reviewers;
    }
    // An older Codex still gets the tier's own `untrusted`.
    let old = RenderOptions { agent_version: Some("0.120.0".into()), ..options(Target::CodexConfig) };
    let cfg = render(policy, "open", Target::CodexConfig, &old).unwrap();
    assert!(cfg.text.contains("approval_policy = \"untrusted\""));
    assert!(cfg.text.contains("Rendered for Codex 0.120.0"));
}

#[test]
fn the_mobileconfig_is_a_plist_carrying_both_codex_files() {
    let policy = Policy::builtin();
    let opts = options(Target::CodexMdm);
    let text = render(policy, "standard", Target::CodexMdm, &opts).unwrap().text;
    let profile: plist::Dictionary = plist::from_bytes(text.as_bytes()).unwrap();
    assert_eq!(profile.get("PayloadType").and_then(|v| v.as_string()), Some("Configuration"));
    let content = profile.get("PayloadContent").and_then(|v| v.as_array()).unwrap();
    let payload = content[0].as_dictionary().unwrap();
    assert_eq!(payload.get("PayloadType").and_then(|v| v.as_string()), Some("com.openai.codex"));
    let decode = |key: &str| {
        let b64 = payload.get(key).and_then(|v| v.as_string()).unwrap();
        String::from_utf8(decode_base64(b64)).unwrap()
    };
    let req = decode("requirements_toml_base64");
    assert_eq!(req, render(policy, "standard", Target::CodexRequirements, &opts).unwrap().text);
    check_codex_requirements(&req, "mdm requirements");
    let cfg = decode("config_toml_base64");
    toml::from_str::<CodexManagedConfig>(&cfg).unwrap();
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let n = chunk.iter().filter(|c| **c != b'=').fold(0u32, |acc, c| (acc << 6) | u32::from(val(*c)));
        let k = chunk.iter().filter(|c| **c != b'=').count();
        let n = n << (6 * (4 - k));
        out.extend_from_slice(&n.to_be_bytes()[1..k]);
    }
    out
}

// --- Claude Code, Cursor, Gemini CLI ---

#[derive(Debug, Deserialize)]
struct JsonHandler {
    r#type: String,
    command: String,
    timeout: u64,
}

#[derive(Debug, Deserialize)]
struct JsonGroup {
    matcher: String,
    hooks: Vec<JsonHandler>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaudePermissions {
    deny: Option<Vec<String>>,
    disable_bypass_permissions_mode: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClaudeManaged {
    hooks: BTreeMap<String, Vec<JsonGroup>>,
    allow_managed_hooks_only: Option<bool>,
    permissions: Option<ClaudePermissions>,
    sandbox: Option<serde_json::Value>,
}

#[test]
fn claude_cursor_and_gemini_files_parse_with_their_schemas() {
    let policy = Policy::builtin();
    for tier in policy.tier_names() {
        let text = render(policy, tier, Target::ClaudeManaged, &options(Target::ClaudeManaged)).unwrap().text;
        let c: ClaudeManaged = serde_json::from_str(&text).unwrap();
        let group = &c.hooks["PreToolUse"][0];
        assert_eq!((group.matcher.as_str(), group.hooks[0].r#type.as_str()), ("*", "command"));
        assert_eq!(group.hooks[0].command, "/usr/local/bin/ward hook claude-code");
        assert!(group.hooks[0].timeout > 5);
        for rule in c.permissions.as_ref().and_then(|p| p.deny.clone()).unwrap_or_default() {
            assert!(rule.chars().next().is_some_and(|ch| ch.is_ascii_uppercase()), "{rule}");
            assert!(!rule.contains('(') || rule.ends_with(')'), "{rule}");
        }
        assert_eq!(
            c.permissions.and_then(|p| p.disable_bypass_permissions_mode).as_deref(),
            Some("disable"),
            "{tier}: every built-in tier asks for approval"
        );
        let _ = (c.allow_managed_hooks_only, c.sandbox);

        let text = render(policy, tier, Target::CursorHooks, &options(Target::CursorHooks)).unwrap().text;
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], 1);
        let entry = &v["hooks"]["preToolUse"][0];
        assert_eq!(entry["command"], "/usr/local/bin/ward hook cursor");
        let closed = policy.fail_mode(tier) == ward_policy::FailMode::Closed;
        assert_eq!(entry["failClosed"], serde_json::Value::Bool(closed), "{tier}");

        let text =
            render(policy, tier, Target::GeminiSettings, &options(Target::GeminiSettings)).unwrap().text;
        let json: String =
            text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let group: JsonGroup = serde_json::from_value(v["hooks"]["BeforeTool"][0].clone()).unwrap();
        assert_eq!(group.matcher, ".*");
        assert_eq!(group.hooks[0].timeout, 10_000, "Gemini CLI takes milliseconds");
    }
}

#[test]
fn unknown_tiers_and_versions_are_clear_errors() {
    let policy = Policy::builtin();
    let err = render(policy, "prod", Target::CursorHooks, &options(Target::CursorHooks)).unwrap_err();
    assert!(err.to_string().contains("unknown tier `prod`") && err.to_string().contains("sensitive"));
    let bad = RenderOptions { agent_version: Some("latest".into()), ..options(Target::CodexConfig) };
    assert!(render(policy, "open", Target::CodexConfig, &bad).unwrap_err().to_string().contains("latest"));
}

#[test]
fn a_binary_path_with_spaces_is_quoted_for_the_shell() {
    let policy = Policy::builtin();
    let opts =
        RenderOptions { ward_binary: "/opt/my tools/ward".into(), ..options(Target::CodexRequirements) };
    let text = render(policy, "open", Target::CodexRequirements, &opts).unwrap().text;
    let req: toml::Table = toml::from_str(&text).unwrap();
    let cmd = req["hooks"]["PreToolUse"][0]["hooks"][0]["command"].as_str().unwrap();
    assert_eq!(cmd, "'/opt/my tools/ward' hook codex");
    assert_eq!(req["hooks"]["managed_dir"].as_str(), Some("/opt/my tools"));
}

const MCP_POLICY: &str = r#"
default_tier = "standard"

[tiers.standard]
fail = "open"

[tiers.standard.floor]
sandbox = "workspace-write"

[[approved.mcp_servers]]
name = "github"
url = "https://api.githubcopilot.com/mcp/"

[[approved.mcp_servers]]
name = "fs"
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem@1.2.3"]

[[approved.mcp_servers]]
name = "docs"
url = { match = "prefix", value = "https://docs.acme.example/" }

[[approved.mcp_servers]]
name = "only-claude"
url = "https://claude.example/mcp"
client = "claude-code"
"#;

#[test]
fn approved_mcp_servers_become_the_agents_allowlists() {
    let policy = Policy::from_toml_str(MCP_POLICY, "mcp.toml").unwrap();
    let req =
        render(&policy, "standard", Target::CodexRequirements, &options(Target::CodexRequirements)).unwrap();
    let doc: toml::Table = toml::from_str(&req.text).unwrap();
    let servers = doc["mcp_servers"].as_table().unwrap();
    assert_eq!(servers["github"]["identity"]["url"].as_str(), Some("https://api.githubcopilot.com/mcp/"));
    assert_eq!(servers["fs"]["identity"]["command"].as_str(), Some("npx"));
    assert!(!servers.contains_key("docs"), "a prefix identity is not expressible in Codex's string form");
    assert!(!servers.contains_key("only-claude"), "entries for another client stay out");
    assert!(req.notes.iter().any(|n| n.contains("docs")), "{:?}", req.notes);

    let claude = render(&policy, "standard", Target::ClaudeManaged, &options(Target::ClaudeManaged)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&claude.text).unwrap();
    let allowed = v["allowedMcpServers"].as_array().unwrap();
    assert!(allowed.contains(&serde_json::json!({"serverUrl": "https://api.githubcopilot.com/mcp/"})));
    assert!(allowed.contains(
        &serde_json::json!({"serverCommand": ["npx", "-y", "@modelcontextprotocol/server-filesystem@1.2.3"]})
    ));
    assert!(allowed.contains(&serde_json::json!({"serverUrl": "https://claude.example/mcp"})));
    assert_eq!(allowed.len(), 3);

    // An approved list that is present but empty approves nothing: Codex gets an empty table.
    let none =
        "default_tier = \"standard\"\n[tiers.standard]\nfail = \"open\"\n[approved]\nmcp_servers = []\n";
    let policy = Policy::from_toml_str(none, "none.toml").unwrap();
    let req =
        render(&policy, "standard", Target::CodexRequirements, &options(Target::CodexRequirements)).unwrap();
    let doc: toml::Table = toml::from_str(&req.text).unwrap();
    assert!(doc["mcp_servers"].as_table().unwrap().is_empty());
}
