//! `ward install` / `ward uninstall` round trips per agent on realistic config files: Ward's
//! entry lands where the agent reads it, a second install changes nothing, and uninstall
//! restores every byte of the user's file. Codex's hook-trust entry is checked against the
//! hash recomputed from the hooks file as written.

use std::path::{Path, PathBuf};

use serde_json::Value;
use ward_endpoint::install::{
    codex_state_key, codex_trust_hash, install, is_ward_hook_command, uninstall, Agent, InstallOptions,
    Outcome,
};
use ward_inventory::{Locations, Os};

const WARD: &str = "/opt/ward/bin/ward";

struct Machine {
    _dir: tempfile::TempDir,
    home: PathBuf,
    sys: PathBuf,
    data: PathBuf,
}

impl Machine {
    fn new() -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let sys = dir.path().join("sys");
        let data = dir.path().join("data");
        for d in [&home, &sys, &data] {
            std::fs::create_dir_all(d).unwrap();
        }
        Machine { _dir: dir, home, sys, data }
    }

    fn opts(&self, managed: bool) -> InstallOptions {
        InstallOptions {
            locations: Locations::new(self.home.clone(), self.sys.clone(), Os::Linux),
            managed,
            ward_binary: WARD.into(),
            deadline_ms: 5000,
            backup_dir: self.data.join("backups"),
        }
    }

    fn put(&self, path: &Path, fixture: &str) -> String {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/install").join(fixture),
        )
        .unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &text).unwrap();
        text
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn jsonc(text: &str) -> Value {
    let node = ward_endpoint::install::jsonedit::parse(text).unwrap();
    ward_endpoint::install::jsonedit::value_of(text, &node)
}

/// Install twice (the second changes nothing), check with `check`, uninstall, compare bytes.
fn round_trip(m: &Machine, agent: Agent, managed: bool, files: &[(&Path, &str)], check: impl Fn()) {
    let originals: Vec<(PathBuf, String)> =
        files.iter().map(|(p, f)| (p.to_path_buf(), m.put(p, f))).collect();
    let first = install(agent, &m.opts(managed)).unwrap();
    assert!(first.iter().any(|c| c.outcome != Outcome::Unchanged), "{agent:?}: nothing installed");
    for c in &first {
        if c.outcome != Outcome::Unchanged {
            let backup = c.backup.as_ref().expect("a changed existing file is backed up");
            let original = originals.iter().find(|(p, _)| p == &c.file).map(|(_, t)| t.clone());
            assert_eq!(Some(read(backup)), original, "backup of {}", c.file.display());
        }
    }
    check();
    let after_first: Vec<String> = originals.iter().map(|(p, _)| read(p)).collect();
    let second = install(agent, &m.opts(managed)).unwrap();
    assert!(
        second.iter().all(|c| c.outcome == Outcome::Unchanged),
        "{agent:?}: second install changed {second:?}"
    );
    let after_second: Vec<String> = originals.iter().map(|(p, _)| read(p)).collect();
    assert_eq!(after_first, after_second);
    uninstall(agent, &m.opts(managed)).unwrap();
    for (path, original) in &originals {
        assert_eq!(&read(path), original, "{agent:?}: uninstall left {} changed", path.display());
    }
}

#[test]
fn codex_user_install_writes_the_hook_and_the_trust_codex_requires() {
    let m = Machine::new();
    let loc = m.opts(false).locations;
    let hooks = loc.codex_user_hooks();
    let config = loc.codex_user_config();
    round_trip(
        &m,
        Agent::Codex,
        false,
        &[(&hooks, "codex-hooks.json"), (&config, "codex-config.toml")],
        || {
            let doc = jsonc(&read(&hooks));
            let groups = doc["hooks"]["PreToolUse"].as_array().unwrap();
            assert_eq!(groups.len(), 2, "the user's own hook stays first");
            assert_eq!(groups[0]["hooks"][0]["command"], "~/bin/lint-commands");
            let ward = &groups[1]["hooks"][0];
            assert_eq!(ward["command"], format!("{WARD} hook codex"));
            assert_eq!(ward["timeout"], 10);
            assert!(groups[1].get("matcher").is_none());
            let cfg: toml::Table = toml::from_str(&read(&config)).unwrap();
            let key = codex_state_key(&hooks.to_string_lossy(), 1, 0);
            let state = &cfg["hooks"]["state"][&key];
            assert_eq!(state["enabled"].as_bool(), Some(true));
            let hash = codex_trust_hash("pre_tool_use", None, ward["command"].as_str().unwrap(), 10);
            assert_eq!(state["trusted_hash"].as_str(), Some(hash.as_str()));
            // The user's other settings and comments are still there.
            let text = read(&config);
            assert!(text.starts_with("# Personal Codex settings"));
            assert!(text.contains("approval_policy = \"on-request\"   # ask before leaving the sandbox"));
        },
    );
}

#[test]
fn codex_honours_codex_home_and_a_fresh_machine() {
    let m = Machine::new();
    let custom = m.home.join("alt-codex");
    let mut opts = m.opts(false);
    opts.locations =
        opts.locations.with_agent_env(|k| (k == "CODEX_HOME").then(|| custom.to_string_lossy().into_owned()));
    install(Agent::Codex, &opts).unwrap();
    let cfg: toml::Table = toml::from_str(&read(&custom.join("config.toml"))).unwrap();
    let key = codex_state_key(&custom.join("hooks.json").to_string_lossy(), 0, 0);
    assert!(cfg["hooks"]["state"].get(&key).is_some(), "{cfg:?}");
    assert!(!m.home.join(".codex").exists());
    uninstall(Agent::Codex, &opts).unwrap();
    assert!(
        !custom.join("hooks.json").exists() && !custom.join("config.toml").exists(),
        "created files go again"
    );
}

#[test]
fn codex_uninstall_keeps_the_trust_of_later_hooks() {
    let m = Machine::new();
    let opts = m.opts(false);
    let hooks = opts.locations.codex_user_hooks();
    install(Agent::Codex, &opts).unwrap();
    // The user adds and trusts a hook after Ward's.
    let mut ed = ward_endpoint::install::jsonedit::Editor::new(&read(&hooks)).unwrap();
    ed.push_element(
        &["hooks", "PreToolUse"],
        &serde_json::json!({"hooks": [{"type": "command", "command": "mine"}]}),
    )
    .unwrap();
    std::fs::write(&hooks, &ed.text).unwrap();
    let config = opts.locations.codex_user_config();
    let later = codex_state_key(&hooks.to_string_lossy(), 1, 0);
    let text = read(&config)
        + &format!("\n[hooks.state.\"{later}\"]\nenabled = true\ntrusted_hash = \"sha256:mine\"\n");
    std::fs::write(&config, text).unwrap();
    uninstall(Agent::Codex, &opts).unwrap();
    let cfg: toml::Table = toml::from_str(&read(&config)).unwrap();
    let moved = codex_state_key(&hooks.to_string_lossy(), 0, 0);
    assert_eq!(cfg["hooks"]["state"][&moved]["trusted_hash"].as_str(), Some("sha256:mine"));
    assert_eq!(cfg["hooks"]["state"].as_table().unwrap().len(), 1);
}

#[test]
fn codex_managed_install_goes_into_requirements() {
    let m = Machine::new();
    let req = m.opts(true).locations.codex_requirements();
    round_trip(&m, Agent::Codex, true, &[(&req, "codex-requirements.toml")], || {
        let doc: toml::Table = toml::from_str(&read(&req)).unwrap();
        assert_eq!(doc["hooks"]["managed_dir"].as_str(), Some("/opt/ward/bin"));
        let group = &doc["hooks"]["PreToolUse"][0];
        assert_eq!(group["matcher"].as_str(), Some("*"));
        assert_eq!(group["hooks"][0]["command"].as_str(), Some("/opt/ward/bin/ward hook codex"));
        assert_eq!(group["hooks"][0]["timeout"].as_integer(), Some(10));
        assert!(read(&req).starts_with("# Fleet requirements (owned by IT)."));
    });
}

#[test]
fn claude_code_user_and_managed() {
    let m = Machine::new();
    let loc = m.opts(false).locations;
    let user = loc.claude_user_settings();
    round_trip(&m, Agent::ClaudeCode, false, &[(&user, "claude-settings.json")], || {
        let v: Value = serde_json::from_str(&read(&user)).unwrap();
        assert_eq!(v["hooks"]["PreToolUse"][0]["matcher"], "*");
        assert_eq!(v["hooks"]["PreToolUse"][0]["hooks"][0]["command"], format!("{WARD} hook claude-code"));
        assert_eq!(v["statusLine"]["command"], "~/.claude/status.sh");
    });
    let managed = loc.claude_managed_settings();
    round_trip(&m, Agent::ClaudeCode, true, &[(&managed, "claude-managed.json")], || {
        let v: Value = serde_json::from_str(&read(&managed)).unwrap();
        assert_eq!(v["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"], 10);
        assert_eq!(v["allowManagedHooksOnly"], true);
    });
}

#[test]
fn gemini_cli_keeps_comments_and_trailing_commas() {
    let m = Machine::new();
    let loc = m.opts(false).locations;
    let user = loc.gemini_user_settings();
    round_trip(&m, Agent::GeminiCli, false, &[(&user, "gemini-settings.json")], || {
        let text = read(&user);
        assert!(text.contains("/* telemetry off */"));
        let v = jsonc(&text);
        let handler = &v["hooks"]["BeforeTool"][0]["hooks"][0];
        assert_eq!(handler["timeout"], 10_000, "milliseconds");
        assert_eq!(handler["name"], "ward");
        assert_eq!(v["mcpServers"]["github"]["command"], "github-mcp");
    });
    let system = loc.gemini_system_settings();
    round_trip(&m, Agent::GeminiCli, true, &[(&system, "gemini-settings.json")], || {
        assert!(read(&system).contains("hook gemini-cli"));
    });
}

#[test]
fn cursor_user_and_enterprise() {
    let m = Machine::new();
    let loc = m.opts(false).locations;
    let user = loc.cursor_user_hooks();
    round_trip(&m, Agent::Cursor, false, &[(&user, "cursor-hooks.json")], || {
        let v: Value = serde_json::from_str(&read(&user)).unwrap();
        let list = v["hooks"]["preToolUse"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1]["command"], format!("{WARD} hook cursor"));
        assert_eq!(v["hooks"]["afterFileEdit"][0]["command"], "./format.sh");
    });
    let enterprise = loc.cursor_enterprise_hooks();
    assert!(enterprise.starts_with(&m.sys));
    round_trip(&m, Agent::Cursor, true, &[(&enterprise, "cursor-hooks.json")], || {
        assert!(read(&enterprise).contains("hook cursor"));
    });
}

#[test]
fn a_fresh_file_is_created_and_removed_again() {
    let m = Machine::new();
    let opts = m.opts(false);
    install(Agent::Cursor, &opts).unwrap();
    let v: Value = serde_json::from_str(&read(&opts.locations.cursor_user_hooks())).unwrap();
    assert_eq!(v["version"], 1);
    uninstall(Agent::Cursor, &opts).unwrap();
    assert!(!opts.locations.cursor_user_hooks().exists());
    // Uninstalling what is not there is not an error.
    let changes = uninstall(Agent::ClaudeCode, &opts).unwrap();
    assert!(changes.iter().all(|c| c.outcome == Outcome::NotPresent));
}

#[test]
fn an_outdated_ward_entry_is_updated_in_place() {
    let m = Machine::new();
    let path = m.opts(false).locations.claude_user_settings();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        r#"{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"/old/ward hook claude-code","timeout":3}]},{"matcher":"Bash","hooks":[{"type":"command","command":"mine"}]}]}}"#,
    )
    .unwrap();
    let changes = install(Agent::ClaudeCode, &m.opts(false)).unwrap();
    assert_eq!(changes[0].outcome, Outcome::Updated);
    let v: Value = serde_json::from_str(&read(&path)).unwrap();
    let groups = v["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["hooks"][0]["command"], format!("{WARD} hook claude-code"));
    assert_eq!(groups[0]["hooks"][0]["timeout"], 10);
    assert_eq!(groups[1]["hooks"][0]["command"], "mine");
}

#[test]
fn malformed_files_are_refused_and_left_alone() {
    let m = Machine::new();
    let opts = m.opts(false);
    for (path, text) in [
        (opts.locations.claude_user_settings(), "{\"hooks\": [1, 2"),
        (opts.locations.gemini_user_settings(), "[1, 2]"),
        (opts.locations.cursor_user_hooks(), "{\"hooks\": {\"preToolUse\": {}}}"),
        (opts.locations.codex_user_config(), "hooks = 3\n"),
    ] {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let agent = match path.to_string_lossy() {
            p if p.contains(".claude") => Agent::ClaudeCode,
            p if p.contains(".gemini") => Agent::GeminiCli,
            p if p.contains(".cursor") => Agent::Cursor,
            _ => Agent::Codex,
        };
        let err = install(agent, &opts).unwrap_err();
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
        assert_eq!(read(&path), text, "a refused file is not touched");
    }
    assert!(!opts.locations.codex_user_hooks().exists(), "a bad Codex config stops before hooks.json");
}

#[test]
fn only_wards_hook_commands_count_as_ward() {
    assert!(is_ward_hook_command(&format!("{WARD} hook codex")));
    assert!(!is_ward_hook_command("/opt/forward hook codex"));
}

// ------------------------------------------------------------------------------------------
// The other agents `ward hook` answers.

#[test]
fn windsurf_registers_every_pre_event_user_and_system() {
    let m = Machine::new();
    let loc = m.opts(false).locations;
    let user = loc.windsurf_user_hooks();
    round_trip(&m, Agent::Windsurf, false, &[(&user, "windsurf-hooks.json")], || {
        let v: Value = serde_json::from_str(&read(&user)).unwrap();
        for event in ["pre_run_command", "pre_mcp_tool_use", "pre_read_code", "pre_write_code"] {
            let list = v["hooks"][event].as_array().unwrap_or_else(|| panic!("{event} missing"));
            assert_eq!(list.last().unwrap()["command"], format!("{WARD} hook windsurf"), "{event}");
        }
        assert_eq!(v["hooks"]["pre_run_command"][0]["command"], "python3 /opt/acme/guard.py");
        assert_eq!(v["x-acme-note"], "owned by the platform team");
    });
    let system = loc.windsurf_system_hooks();
    assert!(system.starts_with(&m.sys), "{}", system.display());
    round_trip(&m, Agent::Windsurf, true, &[(&system, "windsurf-hooks.json")], || {
        assert_eq!(read(&system).matches("hook windsurf").count(), 4);
    });
}

#[test]
fn continue_keeps_jsonc_comments() {
    let m = Machine::new();
    let file = m.opts(false).locations.continue_user_settings();
    round_trip(&m, Agent::Continue, false, &[(&file, "continue-settings.json")], || {
        let text = read(&file);
        assert!(text.contains("// Continue CLI settings (JSONC)"));
        let v = jsonc(&text);
        assert_eq!(v["hooks"]["PreToolUse"][0]["hooks"][0]["command"], format!("{WARD} hook continue"));
        assert_eq!(v["hooks"]["PostToolUse"][0]["matcher"], "Edit");
    });
}

#[test]
fn copilot_cli_owns_one_file_in_the_hooks_folder() {
    let m = Machine::new();
    let custom = m.home.join("copilot-home");
    let mut opts = m.opts(false);
    opts.locations = opts
        .locations
        .with_agent_env(|k| (k == "COPILOT_HOME").then(|| custom.to_string_lossy().into_owned()));
    let other = custom.join("hooks/audit.json");
    let original = m.put(&other, "copilot-audit-hook.json");
    let changes = install(Agent::CopilotCli, &opts).unwrap();
    assert_eq!(changes[0].outcome, Outcome::Installed);
    let ward = custom.join("hooks/ward.json");
    let v: Value = serde_json::from_str(&read(&ward)).unwrap();
    assert_eq!(v["version"], 1);
    let entry = &v["hooks"]["preToolUse"][0];
    assert_eq!(entry["bash"], format!("{WARD} hook copilot-cli"));
    assert_eq!(entry["timeoutSec"], 10);
    assert_eq!(entry["type"], "command");
    assert!(install(Agent::CopilotCli, &opts).unwrap().iter().all(|c| c.outcome == Outcome::Unchanged));
    let eff = ward_inventory::effective::of("copilot-cli", &opts.locations, None).unwrap();
    assert!(eff.ward_runs(), "{eff:?}");
    uninstall(Agent::CopilotCli, &opts).unwrap();
    assert!(!ward.exists(), "the file Ward created goes again");
    assert_eq!(read(&other), original);
    assert!(install(Agent::CopilotCli, &m.opts(true)).is_err(), "no managed location");
}

#[test]
fn vscode_shares_claudes_user_file() {
    let m = Machine::new();
    let opts = m.opts(false);
    let file = opts.locations.vscode_user_hooks();
    // Alone: the agent-neutral command, since Claude Code and Continue read the file too.
    round_trip(&m, Agent::VsCode, false, &[(&file, "claude-settings.json")], || {
        let v: Value = serde_json::from_str(&read(&file)).unwrap();
        assert_eq!(v["hooks"]["PreToolUse"][0]["hooks"][0]["command"], format!("{WARD} hook"));
    });
    // With Claude Code's entry there, VS Code is served by it and leaves it alone.
    let original = read(&file);
    install(Agent::ClaudeCode, &opts).unwrap();
    let with_claude = read(&file);
    let c = install(Agent::VsCode, &opts).unwrap();
    assert_eq!(c[0].outcome, Outcome::Unchanged, "{c:?}");
    assert_eq!(read(&file), with_claude);
    let c = uninstall(Agent::VsCode, &opts).unwrap();
    assert_eq!(c[0].outcome, Outcome::NotPresent);
    assert_eq!(read(&file), with_claude, "Claude Code's entry stays");
    let eff = ward_inventory::effective::of("vscode", &opts.locations, None).unwrap();
    assert!(eff.ward_runs());
    uninstall(Agent::ClaudeCode, &opts).unwrap();
    assert_eq!(read(&file), original);
}

#[test]
fn cline_gets_an_executable_script_and_never_overwrites_one() {
    let m = Machine::new();
    let opts = m.opts(false);
    let script = opts.locations.cline_hooks_dir().join("PreToolUse");
    install(Agent::Cline, &opts).unwrap();
    let text = read(&script);
    assert!(text.starts_with("#!/bin/sh\n"));
    assert!(text.contains(&format!("exec {WARD} hook cline")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&script).unwrap().permissions().mode() & 0o777, 0o755);
    }
    assert!(install(Agent::Cline, &opts).unwrap().iter().all(|c| c.outcome == Outcome::Unchanged));
    let eff = ward_inventory::effective::of("cline", &opts.locations, None).unwrap();
    assert!(eff.ward_runs(), "{eff:?}");
    uninstall(Agent::Cline, &opts).unwrap();
    assert!(!script.exists());
    // A script of the user's is never replaced or removed.
    std::fs::write(&script, "#!/bin/sh\necho mine\n").unwrap();
    let err = install(Agent::Cline, &opts).unwrap_err();
    assert!(err.to_string().contains("not Ward's"), "{err}");
    uninstall(Agent::Cline, &opts).unwrap();
    assert_eq!(read(&script), "#!/bin/sh\necho mine\n");
}

#[test]
fn amazon_q_and_kiro_register_in_every_agent_file() {
    let m = Machine::new();
    let opts = m.opts(false);
    // No agent file: nothing to register with, said so.
    let c = install(Agent::AmazonQ, &opts).unwrap();
    assert_eq!(c[0].outcome, Outcome::Skipped);
    assert!(c[0].detail.contains("agent create"), "{}", c[0].detail);
    let q = opts.locations.amazon_q_agents_dir().join("dev.json");
    let kiro = opts.locations.kiro_agents_dir().join("dev.json");
    round_trip(
        &m,
        Agent::AmazonQ,
        false,
        &[(&q, "amazonq-agent.json"), (&kiro, "amazonq-agent.json")],
        || {
            for f in [&q, &kiro] {
                let v: Value = serde_json::from_str(&read(f)).unwrap();
                let entry = &v["hooks"]["preToolUse"][0];
                assert_eq!(entry["command"], format!("{WARD} hook amazon-q"));
                assert_eq!(entry["timeout_ms"], 10_000);
                assert!(entry.get("matcher").is_none(), "every tool");
                assert_eq!(v["hooks"]["agentSpawn"][0]["command"], "git status --short");
            }
        },
    );
    // One broken agent file: nothing changes in any.
    let good = m.put(&q, "amazonq-agent.json");
    std::fs::write(&kiro, "{ not json").unwrap();
    assert!(install(Agent::AmazonQ, &opts).is_err());
    assert_eq!(read(&q), good);
}

#[test]
fn agents_without_a_managed_location_say_so() {
    let m = Machine::new();
    for agent in [Agent::CopilotCli, Agent::VsCode, Agent::Continue, Agent::Cline, Agent::AmazonQ] {
        let err = install(agent, &m.opts(true)).unwrap_err().to_string();
        assert!(err.contains("no admin-managed hook location"), "{agent:?}: {err}");
    }
    assert_eq!(std::fs::read_dir(&m.sys).unwrap().count(), 0, "nothing written");
}

#[test]
fn every_hook_agent_can_be_installed() {
    for hook in ward_hook::Agent::ALL {
        assert!(Agent::from_name(hook.name()).is_some(), "{}", hook.name());
    }
    assert_eq!(Agent::from_name("kiro"), Some(Agent::AmazonQ));
    assert_eq!(ward_inventory::locations::HOOKABLE_AGENTS.len(), Agent::ALL.len());
}

#[test]
fn malformed_files_of_the_other_agents_are_refused_and_left_alone() {
    let m = Machine::new();
    let opts = m.opts(false);
    let loc = &opts.locations;
    let cases = [
        // Windsurf: the fourth event is not a list; the first three must not be written either.
        (Agent::Windsurf, loc.windsurf_user_hooks(), r#"{"hooks": {"pre_write_code": {"command": "x"}}}"#),
        (Agent::Continue, loc.continue_user_settings(), "{\"hooks\": \"none\"}"),
        (Agent::CopilotCli, loc.copilot_ward_hooks(), "{\"version\": 1, \"hooks\": {\"preToolUse\": 7}}"),
        (Agent::VsCode, loc.vscode_user_hooks(), "{\"hooks\": {\"PreToolUse\": [1,"),
        (Agent::AmazonQ, loc.amazon_q_agents_dir().join("dev.json"), "[\"not\", \"an\", \"agent\"]"),
    ];
    for (agent, path, text) in cases {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let err = install(agent, &opts).unwrap_err();
        assert!(err.to_string().contains(&path.display().to_string()), "{agent:?}: {err}");
        assert_eq!(read(&path), text, "{agent:?}: a refused file is not touched");
        assert!(uninstall(agent, &opts).is_err() || read(&path) == text, "{agent:?}");
    }
}
