//! Fixture scans of the VS Code-family editors and the agents beside them (Cursor, VS Code,
//! Windsurf, Cline, Roo Code, Continue, Zed, Amazon Q, Kiro, Aider) and of extension
//! enumeration. Every fixture plants secrets marked `PLANTED`; none may reach the output.

use std::path::{Path, PathBuf};

use tempfile::TempDir;
use ward_inventory::clients::{
    aider, amazon_q, cline, continue_dev, cursor, kiro, roo_code, vscode, windsurf, zed,
};
use ward_inventory::extensions::{enumerate_dir, installed, testing::generate_extensions};
use ward_inventory::{ClientScanner, Inventory, Os, ScanContext};
use ward_model::{Artifact, ArtifactKind, FindingKind, Scope, Severity};

/// A copy of `tests/fixtures/<name>` in a temp dir (git cannot commit a `.git` file, so each
/// project gets its `.git` here), and a scan context over it.
fn fixture(name: &str) -> (TempDir, ScanContext) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&src, tmp.path());
    let root = tmp.path();
    let mut projects = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root.join("projects")) {
        for e in entries {
            let p = e.unwrap().path();
            std::fs::write(p.join(".git"), "gitdir: ../.git-placeholder\n").unwrap();
            projects.push(p);
        }
    }
    projects.sort();
    let mut cx = ScanContext::new(root.join("home"));
    cx.system_root = root.join("system");
    cx.projects = projects;
    cx.path_dirs = vec![root.join("bin")];
    cx.os = Os::Linux;
    (tmp, cx)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ty = e.file_type().unwrap();
        if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if ty.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn scan(scanner: &dyn ClientScanner, cx: &ScanContext) -> Inventory {
    let mut inv = Inventory::default();
    scanner.scan(cx, &mut inv);
    inv.finish();
    assert_no_planted(&inv);
    inv
}

fn assert_no_planted(inv: &Inventory) {
    let out = serde_json::to_string(&inv.artifacts).unwrap() + &serde_json::to_string(&inv.findings).unwrap();
    assert!(!out.contains("PLANTED"), "a planted secret leaked into the output: {out}");
    assert!(
        inv.artifacts.iter().all(|a| a.kind != ArtifactKind::Secret),
        "secret artifacts belong to inv-core"
    );
}

fn of<'a>(inv: &'a Inventory, kind: ArtifactKind, client: &str) -> Vec<&'a Artifact> {
    inv.artifacts.iter().filter(|a| a.kind == kind && a.client == client).collect()
}

fn named<'a>(inv: &'a Inventory, kind: ArtifactKind, name: &str) -> &'a Artifact {
    inv.artifacts
        .iter()
        .find(|a| a.kind == kind && a.name == name)
        .unwrap_or_else(|| panic!("no {kind} named {name} in {:#?}", inv.artifacts))
}

fn names(arts: &[&Artifact]) -> Vec<String> {
    let mut v: Vec<String> = arts.iter().map(|a| a.name.clone()).collect();
    v.sort();
    v
}

fn flags(a: &Artifact) -> Vec<&str> {
    a.risk.iter().map(|r| r.flag.as_str()).collect()
}

fn agent<'a>(inv: &'a Inventory, client: &str) -> &'a Artifact {
    let agents = of(inv, ArtifactKind::Agent, client);
    assert_eq!(agents.len(), 1, "one agent artifact for {client}: {agents:#?}");
    agents[0]
}

fn parse_errors_for(inv: &Inventory, needle: &str) -> usize {
    inv.findings.iter().filter(|f| f.kind == FindingKind::ParseError && f.source.contains(needle)).count()
}

#[test]
fn cursor_fixture() {
    let (_tmp, cx) = fixture("cursor");
    let inv = scan(&cursor::Cursor, &cx);

    // Extensions: the obsolete folder and extensions.json are skipped, the broken one is a finding.
    let exts = of(&inv, ArtifactKind::Extension, "cursor");
    assert_eq!(names(&exts), ["anysphere.cursorpyright", "evilcorp.ai-helper", "randomdev.theme"]);
    let evil = named(&inv, ArtifactKind::Extension, "evilcorp.ai-helper");
    assert_eq!(evil.attributes["contributes_ai"], true);
    assert_eq!(evil.attributes["ai_features"], serde_json::json!(["languageModelTools"]));
    assert_eq!(evil.risk[0].flag, "unknown-publisher");
    assert_eq!(evil.risk[0].severity, Severity::Medium);
    let theme = named(&inv, ArtifactKind::Extension, "randomdev.theme");
    assert_eq!(theme.risk[0].severity, Severity::Low);
    // 1.0.9 and 1.0.10 side by side: only the newest is reported, under a version-free source.
    let pyright = named(&inv, ArtifactKind::Extension, "anysphere.cursorpyright");
    assert!(pyright.risk.is_empty());
    assert_eq!(pyright.attributes["version"], "1.0.10");
    assert_eq!(pyright.source, "~/.cursor/extensions");
    assert_eq!(pyright.attributes["path"], "~/.cursor/extensions/anysphere.cursorpyright-1.0.10");
    assert_eq!(parse_errors_for(&inv, "brokenpub.broken-1.0.0/package.json"), 1);

    // Agent with CLI permissions and deny-read globs from user and project CLI config.
    let a = agent(&inv, "cursor");
    assert!(a.identity.ends_with("bin/cursor"), "{}", a.identity);
    assert_eq!(a.attributes["deny_read"], serde_json::json!(["**/*.pem", ".env*", "secrets/**"]));
    assert!(flags(a).contains(&"auto-approve-all"), "{:?}", flags(a));
    assert!(a.risk.iter().any(|r| r.flag == "mcp-auto-approve-all" && r.explanation.contains("webapp")));
    assert_eq!(a.attributes["terminal_allowlist"], serde_json::json!(["*"]));
    assert!(a.attributes.contains_key("cli_binary"));

    // MCP at user and project scope; the plaintext token is flagged, not shown.
    let gh = named(&inv, ArtifactKind::McpServer, "github");
    assert_eq!(gh.scope, Scope::User);
    assert!(flags(gh).contains(&"plaintext-secret") && flags(gh).contains(&"unpinned-package"));
    let pg = named(&inv, ArtifactKind::McpServer, "postgres");
    assert_eq!(pg.scope, Scope::Project);
    assert!(pg.identity.contains("app:[REDACTED]@db.internal"), "{}", pg.identity);
    assert!(named(&inv, ArtifactKind::McpServer, "linear").risk.is_empty());

    // Hooks: enterprise (managed), user, plugin; the broken project file is a finding.
    let hooks = of(&inv, ArtifactKind::Hook, "cursor");
    let managed: Vec<_> = hooks.iter().filter(|h| h.scope == Scope::Managed).collect();
    assert_eq!(managed.len(), 2);
    assert!(managed.iter().all(|h| h.attributes["is_ward"] == true && h.attributes["failClosed"] == true));
    let audit = hooks.iter().find(|h| h.attributes["event"] == "preToolUse").unwrap();
    assert_eq!(audit.attributes["matcher"], "Shell");
    assert!(flags(audit).contains(&"user-writable-hook"));
    assert!(hooks
        .iter()
        .any(|h| h.attributes["event"] == "afterFileEdit" && h.source.contains("plugins/local")));
    assert_eq!(parse_errors_for(&inv, "webapp/.cursor/hooks.json"), 1);

    // Skills (user, shared ~/.agents, project) and the local plugin.
    let skills = of(&inv, ArtifactKind::Skill, "cursor");
    assert_eq!(names(&skills), ["changelog", "deploy", "migrate"]);
    assert!(flags(named(&inv, ArtifactKind::Skill, "deploy")).contains(&"bundled-scripts"));
    let plugin = named(&inv, ArtifactKind::Plugin, "acme-tools");
    assert_eq!(plugin.attributes["version"], "0.3.1");
}

#[test]
fn vscode_fixture() {
    let (_tmp, cx) = fixture("vscode");
    let inv = scan(&vscode::VsCode, &cx);

    let stable = of(&inv, ArtifactKind::Extension, "vscode");
    assert_eq!(
        names(&stable),
        [
            "acme.prettier-fork",
            "github.copilot-chat",
            "ms-python.python",
            "shadyco.mcp-bridge",
            "skillful.pack"
        ]
    );
    let chat = named(&inv, ArtifactKind::Extension, "github.copilot-chat");
    assert_eq!(chat.attributes["target_platform"], "linux-x64");
    assert_eq!(chat.attributes["display_name"], "GitHub Copilot Chat");
    assert_eq!(chat.attributes["id"], "GitHub.copilot-chat");
    assert!(chat.risk.is_empty());
    assert_eq!(named(&inv, ArtifactKind::Extension, "ms-python.python").attributes["version"], "2025.1.0");
    let bridge = named(&inv, ArtifactKind::Extension, "shadyco.mcp-bridge");
    assert_eq!(bridge.risk[0].severity, Severity::Medium);
    assert_eq!(bridge.attributes["ai_features"], serde_json::json!(["mcpServerDefinitionProviders"]));
    assert_eq!(named(&inv, ArtifactKind::Extension, "acme.prettier-fork").risk[0].severity, Severity::Low);
    assert_eq!(of(&inv, ArtifactKind::Extension, "vscode-insiders").len(), 1);
    assert_eq!(of(&inv, ArtifactKind::Extension, "vscode-server").len(), 1);
    assert_eq!(parse_errors_for(&inv, "oops.broken-0.0.1/package.json"), 1);

    // Copilot agent: stable (extension) and insiders (extension, no binary).
    let a = agent(&inv, "vscode");
    assert_eq!(a.identity, "github.copilot-chat");
    assert_eq!(a.attributes["version"], "0.30.1");
    assert_eq!(a.attributes["chat.mcp.access"], "all");
    assert_eq!(a.attributes["policy"]["ChatMCP"], "registry");
    let f = flags(a);
    assert_eq!(f.iter().filter(|x| **x == "auto-approve-all").count(), 2, "{f:?}");
    assert!(f.contains(&"auto-approve-edits") && f.contains(&"workspace-trust-disabled"), "{f:?}");
    assert_eq!(a.attributes["edits_auto_approve"], serde_json::json!(["**/*"]));
    assert_eq!(agent(&inv, "vscode-insiders").identity, "github.copilot");

    // MCP: user mcp.json, profile, legacy settings key, workspace, devcontainer.
    for (name, scope) in [
        ("github", Scope::User),
        ("openai-tools", Scope::User),
        ("playwright", Scope::User),
        ("legacy-fs", Scope::User),
        ("sentry", Scope::Project),
        ("dc-tools", Scope::Project),
    ] {
        assert_eq!(named(&inv, ArtifactKind::McpServer, name).scope, scope, "{name}");
    }
    assert!(flags(named(&inv, ArtifactKind::McpServer, "openai-tools")).contains(&"plaintext-secret"));
    assert!(flags(named(&inv, ArtifactKind::McpServer, "sentry")).contains(&"insecure-transport"));
    assert!(named(&inv, ArtifactKind::McpServer, "github").risk.is_empty());

    // Workspace hooks and skills.
    let hooks = of(&inv, ArtifactKind::Hook, "vscode");
    assert_eq!(hooks.len(), 2);
    let guard = hooks.iter().find(|h| h.scope == Scope::Project).unwrap();
    assert_eq!(guard.attributes["event"], "PreToolUse");
    assert_eq!(guard.attributes["is_ward"], true);
    // From a folder named by chat.hookFilesLocations.
    let audit = hooks.iter().find(|h| h.scope == Scope::User).unwrap();
    assert_eq!(audit.source, "~/.config/team-hooks/audit.json");
    assert_eq!(parse_errors_for(&inv, ".github/hooks/broken.json"), 1);
    // Skills: documented roots, `chat.agentSkillsLocations` (user and project; disabled entries
    // skipped), and the one an extension contributes (its `..` path is refused).
    assert_eq!(
        names(&of(&inv, ArtifactKind::Skill, "vscode")),
        ["bench", "onboard", "pack-skill", "review", "triage"]
    );
    let pack = named(&inv, ArtifactKind::Skill, "pack-skill");
    assert_eq!(pack.attributes["extension"], "skillful.pack");
    assert_eq!(named(&inv, ArtifactKind::Skill, "bench").scope, Scope::Project);
    assert_eq!(named(&inv, ArtifactKind::McpServer, "remote-only").client, "vscode-server");
}

#[test]
fn windsurf_fixture() {
    let (_tmp, cx) = fixture("windsurf");
    let inv = scan(&windsurf::Windsurf, &cx);
    let exts = of(&inv, ArtifactKind::Extension, "windsurf");
    assert_eq!(names(&exts), ["codeium.windsurfpyright", "sketchy.autocoder"]);
    assert_eq!(named(&inv, ArtifactKind::Extension, "sketchy.autocoder").risk[0].severity, Severity::Medium);

    let a = agent(&inv, "windsurf");
    assert!(a.identity.ends_with("bin/windsurf"));
    assert_eq!(a.attributes["config_dir"], "~/.codeium/windsurf");
    assert!(flags(a).contains(&"auto-approve-all"));

    let docs = named(&inv, ArtifactKind::McpServer, "remote-docs");
    assert_eq!(docs.attributes["url"], "http://docs-mcp.example.com/mcp");
    assert!(flags(docs).contains(&"insecure-transport") && flags(docs).contains(&"plaintext-secret"));
    assert_eq!(named(&inv, ArtifactKind::McpServer, "fetch").attributes["enabled"], false);

    let hooks = of(&inv, ArtifactKind::Hook, "windsurf");
    let events: Vec<(&str, Scope)> =
        hooks.iter().map(|h| (h.attributes["event"].as_str().unwrap(), h.scope)).collect();
    assert!(events.contains(&("pre_mcp_tool_use", Scope::Managed)));
    assert!(events.contains(&("pre_run_command", Scope::User)));
    assert!(events.contains(&("pre_read_code", Scope::Project)));
    assert_eq!(hooks.len(), 3);
    assert_eq!(parse_errors_for(&inv, "legacy/.windsurf/hooks.json"), 1);
    assert_eq!(names(&of(&inv, ArtifactKind::Skill, "windsurf")), ["release"]);
}

#[test]
fn cline_fixture() {
    let (_tmp, cx) = fixture("cline");
    let inv = scan(&cline::Cline, &cx);
    let a = agent(&inv, "cline");
    assert_eq!(a.identity, "saoudrizwan.claude-dev");
    // Version-free source: the agent's id does not change when the extension updates.
    assert_eq!(a.source, "~/.vscode/extensions");
    assert_eq!(a.attributes["version"], "3.40.0");
    assert_eq!(a.attributes["editors"], serde_json::json!(["vscode", "cursor"]));
    assert_eq!(a.attributes["cli_version"], "1.0.4");
    let f = flags(a);
    assert!(f.contains(&"auto-approve-all") && f.contains(&"mcp-auto-approve-all"), "{f:?}");
    assert!(!f.contains(&"approval-disabled"));
    let remote = &a.attributes["remote_config"][0];
    assert_eq!(remote["blockPersonalRemoteMCPServers"], true);
    assert_eq!(remote["allowedMCPServers"][0]["id"], "github/github-mcp-server");

    let gh = named(&inv, ArtifactKind::McpServer, "github");
    assert_eq!(gh.attributes["editor"], "vscode");
    assert!(flags(gh).contains(&"plaintext-secret") && flags(gh).contains(&"tool-confirmation-bypassed"));
    assert_eq!(named(&inv, ArtifactKind::McpServer, "docs").attributes["transport"], "http");
    assert_eq!(parse_errors_for(&inv, ".cline/data/settings/cline_mcp_settings.json"), 1);

    let hooks = of(&inv, ArtifactKind::Hook, "cline");
    assert_eq!(hooks.len(), 2, "README.md is not a hook");
    let pre = hooks.iter().find(|h| h.attributes["event"] == "PreToolUse").unwrap();
    assert_eq!(pre.scope, Scope::User);
    assert_eq!(pre.attributes["executable"], true);
    assert_eq!(pre.identity, "~/Documents/Cline/Hooks/PreToolUse");
    assert!(hooks.iter().any(|h| h.attributes["event"] == "TaskStart" && h.scope == Scope::Project));
    assert_eq!(names(&of(&inv, ArtifactKind::Skill, "cline")), ["docs", "lint"]);
    // Extension artifacts belong to the editor modules, not to Cline.
    assert!(of(&inv, ArtifactKind::Extension, "cline").is_empty());
}

#[test]
fn roo_code_fixture() {
    let (_tmp, cx) = fixture("roo-code");
    let inv = scan(&roo_code::RooCode, &cx);
    let a = agent(&inv, "roo-code");
    assert_eq!(a.identity, "rooveterinaryinc.roo-cline");
    assert_eq!(a.attributes["version"], "3.25.4");
    assert_eq!(a.attributes["denied_commands"], serde_json::json!(["rm -rf"]));
    assert!(flags(a).contains(&"auto-approve-all"));
    let brave = named(&inv, ArtifactKind::McpServer, "brave");
    assert_eq!(brave.attributes["alwaysAllow"], serde_json::json!(["brave_web_search"]));
    assert!(!flags(brave).contains(&"plaintext-secret"));
    let jira = named(&inv, ArtifactKind::McpServer, "jira");
    assert_eq!(jira.scope, Scope::Project);
    assert!(flags(jira).contains(&"plaintext-secret"));
    assert_eq!(parse_errors_for(&inv, "other/.roo/mcp.json"), 1);
}

#[test]
fn continue_fixture() {
    let (_tmp, cx) = fixture("continue");
    let inv = scan(&continue_dev::Continue, &cx);
    let a = agent(&inv, "continue");
    assert_eq!(a.identity, "continue.continue");
    assert_eq!(a.attributes["deny_read"], serde_json::json!([".env*", "~/.aws/**"]));
    assert!(a.attributes["binary"].as_str().unwrap().ends_with("bin/cn"));
    assert!(!flags(a).contains(&"auto-approve-all"));

    let servers = of(&inv, ArtifactKind::McpServer, "continue");
    assert_eq!(
        names(&servers),
        ["Browser search", "Remote Search", "SQLite", "anthropic/memory-mcp", "memory"]
    );
    assert_eq!(
        named(&inv, ArtifactKind::McpServer, "anthropic/memory-mcp").identity,
        "uses anthropic/memory-mcp"
    );
    assert!(flags(named(&inv, ArtifactKind::McpServer, "Browser search")).contains(&"unpinned-package"));
    assert!(named(&inv, ArtifactKind::McpServer, "SQLite").risk.is_empty());
    assert_eq!(parse_errors_for(&inv, "svc/.continue/mcpServers/db.yaml"), 1);

    let hooks = of(&inv, ArtifactKind::Hook, "continue");
    assert_eq!(hooks.len(), 2);
    let user = hooks.iter().find(|h| h.scope == Scope::User).unwrap();
    assert_eq!(user.attributes["matcher"], "^Bash$");
    let http = hooks.iter().find(|h| h.scope == Scope::Project).unwrap();
    assert!(flags(http).contains(&"insecure-transport"));
    assert!(inv
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Notice && f.message.contains("disableAllHooks")));
}

#[test]
fn zed_fixture() {
    let (_tmp, cx) = fixture("zed");
    let inv = scan(&zed::Zed, &cx);
    let a = agent(&inv, "zed");
    assert_eq!(a.attributes["always_allow_tool_actions"], true);
    assert_eq!(a.attributes["agent_servers"], serde_json::json!(["claude-code"]));
    assert_eq!(a.attributes["deny_read"], serde_json::json!(["\\.env", "id_rsa"]));
    assert!(flags(a).contains(&"approval-disabled"));
    let gh = named(&inv, ArtifactKind::McpServer, "github");
    assert!(flags(gh).contains(&"plaintext-secret"));
    let legacy = named(&inv, ArtifactKind::McpServer, "legacy-git");
    assert_eq!(legacy.identity, "uvx mcp-server-git==0.6.2");
    assert_eq!(named(&inv, ArtifactKind::McpServer, "notes-db").scope, Scope::Project);
    assert_eq!(named(&inv, ArtifactKind::McpServer, "remote").attributes["transport"], "http");
    assert!(inv.findings.iter().any(|f| f.kind == FindingKind::Notice && f.source.contains("notes/.zed")));
    assert_eq!(parse_errors_for(&inv, "broken/.zed/settings.json"), 1);
    assert_eq!(names(&of(&inv, ArtifactKind::Skill, "zed")), ["sql"]);
    assert!(of(&inv, ArtifactKind::Hook, "zed").is_empty());
}

#[test]
fn amazon_q_fixture() {
    let (_tmp, cx) = fixture("amazon-q");
    let inv = scan(&amazon_q::AmazonQ, &cx);
    let a = agent(&inv, "amazon-q");
    assert!(a.identity.ends_with("bin/q"));
    assert_eq!(a.attributes["extension_version"], "1.80.0");
    assert_eq!(a.attributes["deny_read"], serde_json::json!(["~/.aws/credentials", "~/.ssh/**"]));
    let f = flags(a);
    assert!(f.contains(&"auto-approve-commands") && f.contains(&"auto-approve-all"), "{f:?}");
    assert_eq!(a.attributes["agents"].as_array().unwrap().len(), 2);

    assert!(flags(named(&inv, ArtifactKind::McpServer, "git")).contains(&"plaintext-secret"));
    assert!(named(&inv, ArtifactKind::McpServer, "aws-docs").risk.is_empty());
    let hooks = of(&inv, ArtifactKind::Hook, "amazon-q");
    assert_eq!(hooks.len(), 3);
    let pre = hooks.iter().find(|h| h.attributes["event"] == "preToolUse").unwrap();
    assert_eq!(pre.attributes["matcher"], "execute_bash");
    assert_eq!(pre.attributes["timeout_ms"], 10000);
    assert_eq!(pre.attributes["is_ward"], true);
    assert!(hooks.iter().any(|h| h.attributes["event"] == "userPromptSubmit" && h.scope == Scope::Project));
    assert_eq!(parse_errors_for(&inv, "cli-agents/broken.json"), 1);
}

#[test]
fn kiro_fixture() {
    let (_tmp, cx) = fixture("kiro");
    let inv = scan(&kiro::Kiro, &cx);
    let a = agent(&inv, "kiro");
    assert!(a.identity.ends_with("bin/kiro-cli"));
    assert_eq!(a.attributes["deny_read"], serde_json::json!([".env"]));
    assert_eq!(a.attributes["trusted_commands"], serde_json::json!(["npm test", "git *"]));
    assert!(flags(a).contains(&"auto-approve-commands") && flags(a).contains(&"auto-approve-all"));
    let exts = of(&inv, ArtifactKind::Extension, "kiro");
    assert_eq!(names(&exts), ["redhat.java", "unknownai.kiro-copilot"]);

    let fetch = named(&inv, ArtifactKind::McpServer, "fetch");
    assert!(flags(fetch).contains(&"tool-confirmation-bypassed"));
    assert_eq!(named(&inv, ArtifactKind::McpServer, "shop-db").scope, Scope::Project);

    let hooks = of(&inv, ArtifactKind::Hook, "kiro");
    let by_event = |e: &str| hooks.iter().find(|h| h.attributes["event"] == e).copied();
    let guard = by_event("PreToolUse").unwrap();
    assert_eq!(guard.attributes["matcher"], "shell");
    assert_eq!(guard.attributes["hook_name"], "guard");
    let lint = by_event("fileEdited").unwrap();
    assert_eq!(lint.attributes["command"], "npm run lint");
    assert_eq!(lint.attributes["matcher"], "src/**/*.ts");
    let review =
        hooks.iter().find(|h| h.attributes["event"] == "preToolUse" && h.scope == Scope::Project).unwrap();
    assert_eq!(review.attributes["type"], "askAgent");
    assert_eq!(review.attributes["enabled"], false);
    assert!(hooks.iter().any(|h| h.scope == Scope::User && h.attributes["command"] == "ward hook kiro"));
    assert_eq!(parse_errors_for(&inv, "bad.kiro.hook"), 1);
    assert_eq!(names(&of(&inv, ArtifactKind::Skill, "kiro")), ["specs"]);
}

#[test]
fn aider_fixture() {
    let (_tmp, cx) = fixture("aider");
    let inv = scan(&aider::Aider, &cx);
    let a = agent(&inv, "aider");
    assert_eq!(a.attributes["version"], "0.86.1");
    let f = flags(a);
    assert!(f.contains(&"approval-disabled") && f.contains(&"plaintext-secret"), "{f:?}");
    assert!(a.risk.iter().any(|r| r.explanation.contains("openai-api-key")));

    let hooks = of(&inv, ArtifactKind::Hook, "aider");
    let test_cmd = hooks.iter().find(|h| h.attributes["event"] == "test-cmd").unwrap();
    assert_eq!(test_cmd.attributes["runs_automatically"], true);
    let lints: Vec<_> = hooks.iter().filter(|h| h.attributes["event"] == "lint-cmd").collect();
    assert_eq!(lints.len(), 2);
    assert!(lints
        .iter()
        .any(|h| h.attributes["command"] == "flake8 --select=E9,F63" && h.scope == Scope::User));
    assert!(lints.iter().any(|h| h.attributes["runs_automatically"] == false && h.scope == Scope::Project));

    assert_eq!(named(&inv, ArtifactKind::McpServer, "git").source, "~/.aider/mcp.json");
    assert_eq!(named(&inv, ArtifactKind::McpServer, "fs").scope, Scope::Project);
    assert_eq!(parse_errors_for(&inv, "bad/.aider.conf.yml"), 1);
}

#[test]
fn every_scanner_is_registered_once_with_its_client_name() {
    let all = ward_inventory::clients::all();
    let mine: Vec<&str> = all.iter().map(|s| s.client()).collect();
    for name in
        ["cursor", "vscode", "windsurf", "cline", "roo-code", "continue", "zed", "amazon-q", "kiro", "aider"]
    {
        assert_eq!(mine.iter().filter(|n| **n == name).count(), 1, "{name}");
    }
}

#[test]
fn each_extension_is_reported_once_across_all_scanners() {
    let (_tmp, cx) = fixture("vscode");
    let mut inv = Inventory::default();
    for s in ward_inventory::clients::all() {
        s.scan(&cx, &mut inv);
    }
    assert_no_planted(&inv);
    let mut ids: Vec<&str> =
        inv.artifacts.iter().filter(|a| a.kind == ArtifactKind::Extension).map(|a| a.id.as_str()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "an extension was reported twice");
    assert_eq!(n, 7);
}

#[test]
fn empty_home_finds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cx = ScanContext::new(tmp.path().join("home"));
    cx.system_root = tmp.path().join("system");
    let mut inv = Inventory::default();
    for s in ward_inventory::clients::all() {
        s.scan(&cx, &mut inv);
    }
    assert!(inv.artifacts.is_empty(), "{:#?}", inv.artifacts);
    assert!(inv.findings.is_empty(), "{:#?}", inv.findings);
}

#[test]
fn five_hundred_extensions_are_all_found() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".vscode/extensions");
    generate_extensions(&dir, 500).unwrap();
    let (exts, problems) = enumerate_dir(&dir, "vscode");
    assert_eq!(exts.len(), 500);
    assert!(problems.is_empty());
    assert_eq!(exts.iter().filter(|e| e.contributes_ai()).count(), 50);
    assert_eq!(exts.iter().filter(|e| e.target_platform.is_some()).count(), 72);

    // Through the cache: same answer twice, and an edited manifest is read again.
    let cx = ScanContext::new(home.path().to_path_buf());
    assert_eq!(installed(&cx).extensions.len(), 500);
    let first = exts.iter().find(|e| e.name == "tool1").unwrap();
    std::fs::write(
        first.dir.join("package.json"),
        r#"{"publisher":"somevendor","name":"tool1","version":"9.9.9","contributes":{"chatSkills":[{}]}}"#,
    )
    .unwrap();
    let again = installed(&cx);
    let edited = again.in_editor("vscode", "SomeVendor.tool1").unwrap();
    assert_eq!(edited.version, "9.9.9");
    assert_eq!(edited.ai_features, ["chatSkills"]);
    assert_eq!(again.extensions.len(), 500);
}

#[test]
fn removed_extension_disappears_from_the_index() {
    let home = tempfile::tempdir().unwrap();
    let dir: PathBuf = home.path().join(".cursor/extensions");
    generate_extensions(&dir, 3).unwrap();
    let cx = ScanContext::new(home.path().to_path_buf());
    let before = installed(&cx);
    assert_eq!(before.for_editor("cursor").count(), 3);
    std::fs::remove_dir_all(&before.extensions[0].dir).unwrap();
    assert_eq!(installed(&cx).for_editor("cursor").count(), 2);
}

#[test]
fn macos_and_windows_locations() {
    let write = |p: &Path, text: &str| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let hooks =
        r#"{"version":1,"hooks":{"beforeShellExecution":[{"command":"/usr/local/bin/ward hook cursor"}]}}"#;
    let mcp = r#"{"servers":{"docs":{"type":"http","url":"https://docs.example.com/mcp"}}}"#;
    for (os, managed, user_data) in [
        (Os::MacOs, "Library/Application Support/Cursor/hooks.json", "Library/Application Support/Code"),
        (Os::Windows, "ProgramData/Cursor/hooks.json", "AppData/Roaming/Code"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        write(&tmp.path().join("system").join(managed), hooks);
        write(&tmp.path().join("home").join(user_data).join("User/mcp.json"), mcp);
        let mut cx = ScanContext::new(tmp.path().join("home"));
        cx.system_root = tmp.path().join("system");
        cx.os = os;
        let inv = scan(&cursor::Cursor, &cx);
        let h = of(&inv, ArtifactKind::Hook, "cursor");
        assert_eq!(h.len(), 1, "{os:?}");
        assert_eq!(h[0].scope, Scope::Managed);
        let inv = scan(&vscode::VsCode, &cx);
        assert_eq!(named(&inv, ArtifactKind::McpServer, "docs").scope, Scope::User, "{os:?}");
        // The editor's user-data folder alone proves VS Code is installed.
        assert_eq!(
            agent(&inv, "vscode").attributes["config_dir"].as_str().map(|s| s.ends_with("Code")),
            Some(true)
        );
    }
}
