//! Client scanners for Codex, Claude Code, Claude Desktop, Gemini CLI, Copilot CLI and OpenCode
//! run over realistic fixture trees (`tests/fixtures/<client>/{home,system,projects,bin}`).
//!
//! Each fixture is copied to a temporary directory first: `@ROOT@` in a file becomes the copy's
//! absolute path (agents key project settings by absolute path), and every `projects/<repo>`
//! gets its `.git` file there, because git will not commit a file named `.git`.

use std::path::{Path, PathBuf};

use ward_inventory::clients;
use ward_inventory::{ClientScanner, Inventory, Os, ScanContext};
use ward_model::{Artifact, ArtifactKind, FindingKind, Scope};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    fn new(client: &str) -> Fixture {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(client);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(client);
        copy_tree(&src, &root, &root.to_string_lossy());
        for repo in std::fs::read_dir(root.join("projects")).into_iter().flatten().flatten() {
            std::fs::write(repo.path().join(".git"), "gitdir: ../.git-placeholder\n").unwrap();
        }
        Fixture { _dir: dir, root }
    }

    fn context(&self, os: Os) -> ScanContext {
        let mut projects: Vec<PathBuf> = std::fs::read_dir(self.root.join("projects"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        projects.sort();
        ScanContext {
            home: self.root.join("home"),
            system_root: self.root.join("system"),
            projects,
            path_dirs: vec![self.root.join("bin")],
            os,
        }
    }

    fn project(&self, repo: &str) -> String {
        self.root.join("projects").join(repo).display().to_string()
    }
}

fn copy_tree(src: &Path, dst: &Path, root: &str) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let target = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target, root);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            if let Ok(text) = std::fs::read_to_string(&target) {
                if text.contains("@ROOT@") {
                    std::fs::write(&target, text.replace("@ROOT@", root)).unwrap();
                }
            }
        }
    }
}

fn scan(scanner: &dyn ClientScanner, cx: &ScanContext) -> Inventory {
    let mut inv = Inventory::default();
    scanner.scan(cx, &mut inv);
    inv.finish();
    inv
}

/// The one artifact of `kind` named `name` from `source` ending in `source_suffix`.
fn find<'a>(inv: &'a Inventory, kind: ArtifactKind, name: &str, source_suffix: &str) -> &'a Artifact {
    let hits: Vec<_> = inv
        .artifacts
        .iter()
        .filter(|a| a.kind == kind && a.name == name && a.source.ends_with(source_suffix))
        .collect();
    assert_eq!(hits.len(), 1, "{kind} {name} from …{source_suffix}: {hits:#?}\nall: {:#?}", names(inv));
    hits[0]
}

fn names(inv: &Inventory) -> Vec<String> {
    inv.artifacts.iter().map(|a| format!("{} {} {} {}", a.kind, a.scope, a.name, a.source)).collect()
}

fn agent(inv: &Inventory) -> &Artifact {
    let agents: Vec<_> = inv.artifacts.iter().filter(|a| a.kind == ArtifactKind::Agent).collect();
    assert_eq!(agents.len(), 1, "{:#?}", names(inv));
    agents[0]
}

fn flags(a: &Artifact) -> Vec<&str> {
    a.risk.iter().map(|r| r.flag.as_str()).collect()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

/// No planted secret reaches any artifact or finding.
fn assert_no_secrets(inv: &Inventory) {
    let out = serde_json::to_string(&(&inv.artifacts, &inv.findings)).unwrap();
    assert!(!out.contains("PLANTED"), "a planted secret leaked: {out}");
}

/// A parse-error finding for the file ending in `source_suffix` whose message contains `needle`
/// (a `line N` position for broken JSON/TOML).
fn assert_parse_error(inv: &Inventory, source_suffix: &str, needle: &str) {
    let hit = inv
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::ParseError && f.source.ends_with(source_suffix))
        .unwrap_or_else(|| panic!("no parse error for {source_suffix}: {:#?}", inv.findings));
    assert!(hit.message.contains(needle), "{needle:?} not in {:?}", hit.message);
}

#[test]
fn codex() {
    let fx = Fixture::new("codex");
    let inv = scan(&clients::Codex, &fx.context(Os::Linux));
    assert_no_secrets(&inv);

    let a = agent(&inv);
    assert_eq!(a.client, "codex");
    assert!(a.identity.ends_with("/bin/codex"), "{}", a.identity);
    assert_eq!(a.attributes["version"], "0.128.0");
    assert_eq!(a.attributes["config_dir"], "~/.codex");
    assert_eq!(a.attributes["sandbox_mode"], "danger-full-access");
    assert_eq!(a.attributes["approval_policy"], "never");
    assert_eq!(a.attributes["web_search"], "cached", "managed_config.toml overrides the user value");
    // Requirements deny_read plus the active profile `acme-dev` and the profile it extends.
    assert_eq!(strings(&a.attributes["deny_read"]), ["**/*.pem", "/**/*.env", "~/.aws", "~/.kube", "~/.ssh"]);
    assert_eq!(a.attributes["profiles"]["ci"]["approval_policy"], "never");
    assert_eq!(a.attributes["profiles"]["fast"]["sandbox_mode"], "workspace-write");
    assert_eq!(strings(&a.attributes["requirements"]["mcp_allowlist"]), ["github", "scratch"]);
    assert_eq!(strings(&a.attributes["trusted_projects"]), [fx.project("app")]);
    let risk = flags(a);
    // danger-full-access is not in allowed_sandbox_modes, so Codex falls back: no risk.
    assert!(!risk.contains(&"sandbox-disabled"), "{risk:?}");
    assert!(risk.contains(&"approval-disabled"));
    assert!(risk.contains(&"network-enabled"));
    assert!(a
        .risk
        .iter()
        .any(|r| r.flag == "hooks-disabled" && r.explanation.contains("projects/app/.codex")));
    assert!(a.risk.iter().any(|r| r.flag == "approval-disabled" && r.explanation.contains("profile `ci`")));

    let pg = find(&inv, ArtifactKind::McpServer, "postgres", "~/.codex/config.toml");
    assert_eq!(pg.scope, Scope::User);
    assert_eq!(pg.attributes["transport"], "stdio");
    assert_eq!(strings(&pg.attributes["env_names"]), ["PGPASSWORD"]);
    assert_eq!(pg.attributes["allowed_by_requirements"], false);
    assert!(flags(pg).contains(&"plaintext-secret") && flags(pg).contains(&"unpinned-package"));
    assert!(pg.identity.contains("postgres://app:[REDACTED]@db.internal"), "{}", pg.identity);
    let gh = find(&inv, ArtifactKind::McpServer, "github", "~/.codex/config.toml");
    assert_eq!(gh.attributes["transport"], "http");
    assert_eq!(gh.attributes["allowed_by_requirements"], true);
    assert_eq!(strings(&gh.attributes["env_names"]), ["GITHUB_PAT"]);
    let docs = find(&inv, ArtifactKind::McpServer, "docs", "~/.codex/config.toml");
    assert_eq!(docs.attributes["enabled"], false);
    assert!(flags(docs).contains(&"tool-confirmation-bypassed"));
    let scratch = find(&inv, ArtifactKind::McpServer, "scratch", "~/.codex/fast.config.toml");
    assert_eq!(scratch.attributes["allowed_by_requirements"], true);
    let local_db = find(&inv, ArtifactKind::McpServer, "local-db", "projects/app/.codex/config.toml");
    assert_eq!(local_db.scope, Scope::Project);
    assert_eq!(local_db.attributes["project_trusted"], true);
    let policy_db = find(&inv, ArtifactKind::McpServer, "policy-db", "1.0.0/.mcp.json");
    assert_eq!(policy_db.attributes["plugin"], "repo-policy");
    // The plugin is disabled, so its server is off whatever the per-server overlay says.
    assert_eq!(policy_db.attributes["enabled"], false);
    assert_eq!(policy_db.attributes["default_tools_approval_mode"], "prompt");

    // Hooks: managed (requirements), user hooks.json, notify, project, plugin.
    let gate = find(&inv, ArtifactKind::Hook, "PreToolUse#0.0", "/etc/codex/requirements.toml");
    assert_eq!(gate.scope, Scope::Managed);
    assert_eq!(gate.identity, "/opt/acme/codex-hooks/gate");
    assert_eq!(gate.attributes["enforced"], true);
    let ward = find(&inv, ArtifactKind::Hook, "PreToolUse#0.0", "~/.codex/hooks.json");
    assert_eq!(ward.attributes["is_ward"], true);
    assert_eq!(ward.attributes["matcher"], "^Bash$");
    let stop = find(&inv, ArtifactKind::Hook, "Stop#0.0", "~/.codex/hooks.json");
    assert!(flags(stop).contains(&"user-writable-hook"));
    let notify = find(&inv, ArtifactKind::Hook, "notify#0", "~/.codex/config.toml");
    assert_eq!(notify.attributes["event"], "notify");
    assert!(
        notify.identity.starts_with("python3 /home/dev/.codex/notify.py --token=[REDACTED]"),
        "{}",
        notify.identity
    );
    let check = find(&inv, ArtifactKind::Hook, "PreToolUse#0.0", "projects/app/.codex/hooks.json");
    assert_eq!(check.scope, Scope::Project);
    let lint = find(&inv, ArtifactKind::Hook, "PostToolUse#0.0", "1.0.0/hooks/hooks.json");
    assert_eq!(lint.attributes["plugin"], "repo-policy");
    // Trust state from [hooks.state]: only trusted (or managed) hooks run.
    assert_eq!(gate.attributes["trust_status"], "managed");
    assert_eq!(ward.attributes["trust_status"], "trusted");
    assert!(ward.risk.is_empty(), "{:?}", ward.risk);
    assert_eq!(stop.attributes["trust_status"], "disabled");
    assert_eq!(check.attributes["trust_status"], "untrusted");
    let project_ward = find(&inv, ArtifactKind::Hook, "PreToolUse#0.1", "projects/app/.codex/hooks.json");
    assert_eq!(project_ward.attributes["trust_status"], "untrusted");
    assert!(flags(project_ward).contains(&"hook-inactive"));

    // Skills at every root; `[[skills.config]]` disabled the pdf skill.
    assert_eq!(find(&inv, ArtifactKind::Skill, "acme-review", "SKILL.md").scope, Scope::Managed);
    assert_eq!(find(&inv, ArtifactKind::Skill, "legacy-notes", "SKILL.md").scope, Scope::User);
    let pdf = find(&inv, ArtifactKind::Skill, "pdf", "SKILL.md");
    assert_eq!(pdf.attributes["enabled"], false);
    assert!(flags(pdf).contains(&"bundled-scripts"));
    assert_eq!(find(&inv, ArtifactKind::Skill, "deploy", "SKILL.md").scope, Scope::Project);
    assert_eq!(find(&inv, ArtifactKind::Skill, "release", "SKILL.md").scope, Scope::Project);
    assert_eq!(
        find(&inv, ArtifactKind::Skill, "policy-check", "SKILL.md").attributes["plugin"],
        "repo-policy"
    );

    // Plugins and marketplaces.
    let plugin = find(&inv, ArtifactKind::Plugin, "repo-policy", "plugin.json");
    assert_eq!(plugin.attributes["version"], "1.0.0", "newest cached version wins");
    assert_eq!(plugin.attributes["enabled"], false);
    assert_eq!(plugin.identity, "repo-policy@acme-marketplace");
    let ghost = find(&inv, ArtifactKind::Plugin, "ghost", "~/.codex/config.toml");
    assert_eq!(ghost.attributes["installed"], false);
    let market = find(&inv, ArtifactKind::Plugin, "acme-marketplace", "~/.codex/config.toml");
    assert_eq!(market.attributes["type"], "marketplace");
    assert_eq!(market.identity, "https://[REDACTED]@github.com/acme/codex-plugins.git");
    let personal = find(&inv, ArtifactKind::Plugin, "personal", "marketplace.json");
    assert_eq!(strings(&personal.attributes["plugins"]), ["notes"]);

    // Broken files are findings with positions; the rest of the scan went on.
    assert_parse_error(&inv, "~/.codex/broken.config.toml", "line 6, column 1");
    assert_parse_error(&inv, "untrusted/.codex/config.toml", "line 4");
}

#[test]
fn claude_code() {
    let fx = Fixture::new("claude-code");
    let inv = scan(&clients::ClaudeCode, &fx.context(Os::Linux));
    assert_no_secrets(&inv);

    let a = agent(&inv);
    assert!(a.identity.ends_with("/bin/claude"));
    assert_eq!(a.attributes["version"], "2.1.3", "highest of ~/.local/share/claude/versions");
    assert_eq!(a.attributes["default_mode"], "bypassPermissions");
    assert_eq!(a.attributes["disable_bypass_permissions_mode"], "disable");
    assert_eq!(a.attributes["sandbox_enabled"], true);
    assert_eq!(
        strings(&a.attributes["deny_read"]),
        ["./.env", "~/.aws/**", "~/.docker/config.json", "~/.kube", "~/.ssh/**"]
    );
    assert!(strings(&a.attributes["deny_rules"]).contains(&"Bash(curl:*)".to_owned()));
    assert_eq!(strings(&a.attributes["env_names"]), ["ANTHROPIC_API_KEY", "LOG_LEVEL"]);
    assert_eq!(a.attributes["api_key_helper"], "~/bin/get-key.sh");
    let risk = flags(a);
    // A managed disableBypassPermissionsMode makes the user's bypass default unreachable.
    assert!(!risk.contains(&"permissions-bypassed"), "{risk:?}");
    for flag in ["project-mcp-auto-approved", "broad-allow-rule", "plaintext-secret", "hooks-disabled"] {
        assert!(risk.contains(&flag), "{flag} missing from {risk:?}");
    }
    assert!(a
        .risk
        .iter()
        .any(|r| r.flag == "hooks-disabled" && r.explanation.contains("webapp/.claude/settings.json")));

    // MCP at every scope.
    let corp = find(&inv, ArtifactKind::McpServer, "corp-search", "managed-mcp.json");
    assert_eq!((corp.scope, corp.attributes["transport"].as_str()), (Scope::Managed, Some("http")));
    let gh = find(&inv, ArtifactKind::McpServer, "github", "~/.claude.json");
    assert_eq!(gh.scope, Scope::User);
    assert_eq!(strings(&gh.attributes["env_names"]), ["GITHUB_PERSONAL_ACCESS_TOKEN"]);
    assert!(flags(gh).contains(&"plaintext-secret") && flags(gh).contains(&"unpinned-package"));
    let local_pg = find(&inv, ArtifactKind::McpServer, "pg", "projects/webapp]");
    assert_eq!(local_pg.scope, Scope::Project);
    assert_eq!(local_pg.attributes["claude_scope"], "local");
    assert!(local_pg.identity.contains("postgres://u:[REDACTED]@localhost/db"), "{}", local_pg.identity);
    find(&inv, ArtifactKind::McpServer, "pg", "#projects[/home/dev/elsewhere]");
    let linear = find(&inv, ArtifactKind::McpServer, "linear", "webapp/.mcp.json");
    assert_eq!(linear.attributes["transport"], "sse");
    // enableAllProjectMcpServers approves all, but an explicit disable still wins.
    assert_eq!(linear.attributes["approval"], "approved");
    assert_eq!(
        find(&inv, ArtifactKind::McpServer, "scraper", "webapp/.mcp.json").attributes["approval"],
        "denied"
    );
    let analytics = find(&inv, ArtifactKind::McpServer, "analytics", "webapp/.mcp.json");
    assert_eq!(strings(&analytics.attributes["header_names"]), ["X-API-Key"]);
    assert!(flags(analytics).contains(&"plaintext-secret"));
    let fmt = find(&inv, ArtifactKind::McpServer, "fmt-server", "1.2.0/.mcp.json");
    assert_eq!(fmt.attributes["plugin"], "formatter");

    // Hooks.
    let ward = find(&inv, ArtifactKind::Hook, "PreToolUse#0.0", "/etc/claude-code/managed-settings.json");
    assert_eq!((ward.scope, ward.attributes["is_ward"].as_bool()), (Scope::Managed, Some(true)));
    let format = find(&inv, ArtifactKind::Hook, "PostToolUse#0.0", "~/.claude/settings.json");
    assert_eq!(format.attributes["matcher"], "Edit|Write");
    assert_eq!(format.attributes["timeout"], 20);
    let notify = find(&inv, ArtifactKind::Hook, "Notification#0.0", "~/.claude/settings.json");
    assert_eq!(notify.attributes["type"], "http");
    assert!(flags(notify).contains(&"insecure-transport"));
    let guard = find(&inv, ArtifactKind::Hook, "PreToolUse#0.0", "webapp/.claude/settings.json");
    assert_eq!(guard.scope, Scope::Project);
    assert!(flags(guard).contains(&"user-writable-hook"));
    assert_eq!(
        find(&inv, ArtifactKind::Hook, "PostToolUse#0.0", "hooks/hooks.json").attributes["plugin"],
        "formatter"
    );
    // Which hooks run: the project's disableAllHooks switches off that project's hooks only.
    assert_eq!(guard.attributes["enabled"], false);
    assert_eq!(guard.attributes["disabled_by"], "disableAllHooks in the project settings");
    assert_eq!(format.attributes["enabled"], true);
    // Hooks and MCP servers in subagent and skill front matter.
    let review_guard = find(&inv, ArtifactKind::Hook, "PreToolUse#0.0", "~/.claude/agents/reviewer.md");
    assert_eq!(review_guard.attributes["declared_in"], "reviewer");
    assert_eq!(review_guard.identity, "~/.claude/hooks/review-guard.sh");
    let jira = find(&inv, ArtifactKind::McpServer, "jira", "~/.claude/agents/reviewer.md");
    assert_eq!(strings(&jira.attributes["env_names"]), ["JIRA_API_TOKEN"]);
    assert!(flags(jira).contains(&"plaintext-secret"));
    let skill_hook = find(&inv, ArtifactKind::Hook, "PostToolUse#0.0", "commit-helper/SKILL.md");
    assert_eq!(
        (skill_hook.attributes["is_ward"].as_bool(), skill_hook.attributes["enabled"].as_bool()),
        (Some(true), Some(true))
    );
    // A plugin without a manifest is still found by its install layout.
    let bare = find(&inv, ArtifactKind::Plugin, "no-manifest", "no-manifest/0.2.0");
    assert_eq!(bare.attributes["version"], "0.2.0");
    let bare_hook = find(&inv, ArtifactKind::Hook, "SessionStart#0.0", "no-manifest/0.2.0/hooks/hooks.json");
    assert_eq!(bare_hook.attributes["plugin"], "no-manifest");

    // Skills, plugins, marketplaces.
    assert_eq!(find(&inv, ArtifactKind::Skill, "commit-helper", "SKILL.md").scope, Scope::User);
    assert_eq!(find(&inv, ArtifactKind::Skill, "db-migrate", "SKILL.md").scope, Scope::Project);
    assert_eq!(find(&inv, ArtifactKind::Skill, "format-code", "SKILL.md").attributes["plugin"], "formatter");
    let formatter = find(&inv, ArtifactKind::Plugin, "formatter", "plugin.json");
    assert_eq!(
        (formatter.attributes["enabled"].as_bool(), formatter.attributes["version"].as_str()),
        (Some(true), Some("1.2.0"))
    );
    assert_eq!(find(&inv, ArtifactKind::Plugin, "linter", "plugin.json").attributes["enabled"], false);
    let market = find(&inv, ArtifactKind::Plugin, "acme-tools", "known_marketplaces.json");
    assert_eq!(
        (market.identity.as_str(), market.attributes["source_type"].as_str()),
        ("acme/claude-tools", Some("github"))
    );
    let team = find(&inv, ArtifactKind::Plugin, "team", "webapp/.claude/settings.json");
    assert_eq!(team.scope, Scope::Project);

    assert_parse_error(&inv, "webapp/.claude/settings.local.json", "cannot parse");
    assert_parse_error(&inv, "webapp/.claude/settings.local.json", "line 4");
    assert_parse_error(&inv, "other/.mcp.json", "line 2");
    assert_parse_error(&inv, "bad-front/SKILL.md", "front matter");
    assert_parse_error(&inv, "webapp/.claude/agents/broken.md", "front matter");
}

#[test]
fn claude_desktop() {
    let fx = Fixture::new("claude-desktop");
    let inv = scan(&clients::ClaudeDesktop, &fx.context(Os::MacOs));
    assert_no_secrets(&inv);

    let a = agent(&inv);
    assert!(a.identity.ends_with("/Applications/Claude.app"), "{}", a.identity);
    assert_eq!(a.attributes["version"], "0.14.10");
    assert_eq!(a.attributes["config_dir"], "~/Library/Application Support/Claude");
    assert_eq!(a.attributes["mcp_server_count"], 3);
    assert_eq!(a.attributes["mdm_profile"], false);

    let fs = find(&inv, ArtifactKind::McpServer, "filesystem", "claude_desktop_config.json");
    assert!(flags(fs).contains(&"unpinned-package"));
    let brave = find(&inv, ArtifactKind::McpServer, "brave-search", "claude_desktop_config.json");
    assert_eq!(strings(&brave.attributes["env_names"]), ["BRAVE_API_KEY"]);
    assert_eq!(flags(brave), ["plaintext-secret"], "pinned, but the key is in plain text");
    let notes = find(&inv, ArtifactKind::McpServer, "notes", "ant.dir.gh.acme.notes/manifest.json");
    assert_eq!(notes.attributes["desktop_extension"], "ant.dir.gh.acme.notes");
    assert_eq!(notes.attributes["enabled"], false);
    assert_eq!(notes.attributes["version"], "0.2.0");
    assert_eq!(notes.identity, "node ${__dirname}/server/index.js");
    assert_parse_error(&inv, "ant.dir.gh.evil.broken/manifest.json", "line 4");

    // On Linux the app lives in ~/.config/Claude, which this fixture does not have.
    let linux = scan(&clients::ClaudeDesktop, &fx.context(Os::Linux));
    assert!(linux.artifacts.is_empty() && linux.findings.is_empty(), "{:#?}", names(&linux));
}

#[test]
fn gemini_cli() {
    let fx = Fixture::new("gemini-cli");
    let inv = scan(&clients::GeminiCli, &fx.context(Os::Linux));
    assert_no_secrets(&inv);

    let a = agent(&inv);
    assert_eq!(a.attributes["version"], "0.9.0");
    assert_eq!(a.attributes["sandbox"], false);
    assert_eq!(a.attributes["disable_yolo_mode"], true);
    assert_eq!(a.attributes["extension_count"], 2);
    let risk = flags(a);
    // security.disableYoloMode (system settings) wins over the user's yolo default.
    assert!(!risk.contains(&"approval-disabled"), "{risk:?}");
    assert!(risk.contains(&"auto-accept"));
    assert!(a.risk.iter().any(|r| r.flag == "broad-allow-rule" && r.explanation.contains("tools.allowed")));
    assert!(a
        .risk
        .iter()
        .any(|r| r.flag == "broad-allow-rule" && r.explanation.contains("policies/user.toml")));
    assert!(a
        .risk
        .iter()
        .any(|r| r.flag == "hooks-disabled" && r.explanation.contains("service/.gemini/settings.json")));

    let gh = find(&inv, ArtifactKind::McpServer, "github", "~/.gemini/settings.json");
    assert_eq!(gh.attributes["transport"], "http");
    assert_eq!(strings(&gh.attributes["header_names"]), ["Authorization"]);
    assert!(flags(gh).contains(&"plaintext-secret"));
    let scraper = find(&inv, ArtifactKind::McpServer, "scraper", "~/.gemini/settings.json");
    assert_eq!(scraper.attributes["enabled"], false, "mcp.excluded in the system settings switches it off");
    assert!(flags(scraper).contains(&"tool-confirmation-bypassed"));
    let sse = find(&inv, ArtifactKind::McpServer, "sse-remote", "~/.gemini/settings.json");
    assert!(flags(sse).contains(&"insecure-transport"));
    let local = find(&inv, ArtifactKind::McpServer, "local", "service/.gemini/settings.json");
    assert_eq!(local.scope, Scope::Project);
    let jira = find(&inv, ArtifactKind::McpServer, "jira", "gemini-extension.json");
    assert_eq!(jira.attributes["plugin"], "jira");
    assert!(jira.risk.is_empty(), "$JIRA_TOKEN is a reference: {:?}", jira.risk);

    let ward = find(&inv, ArtifactKind::Hook, "BeforeTool#0.0", "~/.gemini/settings.json");
    assert_eq!(
        (ward.attributes["is_ward"].as_bool(), ward.attributes["timeout"].as_u64()),
        (Some(true), Some(10000))
    );
    let logger = find(&inv, ArtifactKind::Hook, "AfterTool#0.0", "~/.gemini/settings.json");
    assert_eq!(logger.attributes["hook_name"], "legacy-logger");
    assert_eq!(logger.attributes["enabled"], false);
    assert_eq!(
        find(&inv, ArtifactKind::Hook, "SessionStart#0.0", "jira/hooks/hooks.json").attributes["plugin"],
        "jira"
    );

    // Project hooks run once trusted in ~/.gemini/trusted_hooks.json.
    let lint = find(&inv, ArtifactKind::Hook, "BeforeTool#0.0", "service/.gemini/settings.json");
    assert_eq!(
        (lint.attributes["hook_name"].as_str(), lint.attributes["trust_status"].as_str()),
        (Some("proj-lint"), Some("trusted"))
    );
    let upload = find(&inv, ArtifactKind::Hook, "BeforeTool#0.1", "service/.gemini/settings.json");
    assert_eq!(upload.attributes["trust_status"], "untrusted");

    let ext = find(&inv, ArtifactKind::Plugin, "jira", "gemini-extension.json");
    assert_eq!(ext.attributes["type"], "extension");
    assert_eq!(ext.attributes["version"], "1.4.0");
    assert_eq!(ext.attributes["install_type"], "git");
    assert_eq!(ext.attributes["contextFileName"], "JIRA.md");
    // The broken extension is still listed by its directory name.
    find(&inv, ArtifactKind::Plugin, "broken-ext", "gemini-extension.json");

    for (skill, scope) in [
        ("summarize", Scope::User),
        ("shared-skill", Scope::User),
        ("ops", Scope::Project),
        ("db", Scope::Project),
        ("ticket-triage", Scope::User),
    ] {
        assert_eq!(find(&inv, ArtifactKind::Skill, skill, "SKILL.md").scope, scope, "{skill}");
    }
    assert_parse_error(&inv, "broken-ext/gemini-extension.json", "line");
    assert_parse_error(&inv, "policies/broken.toml", "line 3");
}

#[test]
fn copilot_cli() {
    let fx = Fixture::new("copilot-cli");
    let inv = scan(&clients::CopilotCli, &fx.context(Os::Linux));
    assert_no_secrets(&inv);

    let a = agent(&inv);
    assert_eq!(a.attributes["version"], "0.0.354");
    assert_eq!(a.attributes["disable_bypass_permissions_mode"], "disable");
    assert_eq!(strings(&a.attributes["deny_read"]), ["~/.config/gh/**", "~/.ssh/**"]);
    assert!(a.risk.iter().any(|r| r.flag == "broad-allow-rule" && r.explanation.contains("`Shell`")));
    assert!(a
        .risk
        .iter()
        .any(|r| r.flag == "hooks-disabled" && r.explanation.contains("api/.github/copilot")));

    let gh = find(&inv, ArtifactKind::McpServer, "github", "~/.copilot/mcp-config.json");
    assert_eq!(gh.attributes["tools"], serde_json::json!(["*"]));
    assert!(gh.risk.is_empty(), "{:?}", gh.risk);
    let pw = find(&inv, ArtifactKind::McpServer, "playwright", "~/.copilot/mcp-config.json");
    assert_eq!(pw.attributes["transport"], "stdio");
    assert!(flags(pw).contains(&"unpinned-package"));
    assert_eq!(find(&inv, ArtifactKind::McpServer, "sentry", ".github/mcp.json").scope, Scope::Project);
    assert_eq!(find(&inv, ArtifactKind::McpServer, "shared", "api/.mcp.json").scope, Scope::Project);
    let deploy = find(&inv, ArtifactKind::McpServer, "deploy", "deploy-helper/plugin.json");
    assert_eq!(deploy.attributes["plugin"], "deploy-helper");
    assert!(flags(deploy).contains(&"plaintext-secret"));

    let ward = find(&inv, ArtifactKind::Hook, "preToolUse#0", "~/.copilot/hooks/ward.json");
    assert_eq!(ward.identity, "/usr/local/bin/ward hook copilot-cli");
    assert_eq!(
        (ward.attributes["is_ward"].as_bool(), ward.attributes["timeoutSec"].as_u64()),
        (Some(true), Some(10))
    );
    find(&inv, ArtifactKind::Hook, "sessionStart#0", "~/.copilot/settings.json");
    let audit = find(&inv, ArtifactKind::Hook, "postToolUse#0", ".github/hooks/audit.json");
    assert_eq!(audit.scope, Scope::Project);
    assert!(flags(audit).contains(&"user-writable-hook"));
    // Copilot CLI runs the hooks of Claude Code's project settings too.
    let claude_hook = find(&inv, ArtifactKind::Hook, "PreToolUse#0.0", "api/.claude/settings.json");
    assert_eq!(claude_hook.attributes["matcher"], "Bash");

    let plugin = find(&inv, ArtifactKind::Plugin, "deploy-helper", "plugin.json");
    assert_eq!(plugin.attributes["marketplace"], "acme");
    assert_eq!(plugin.attributes["enabled"], false, "managed enabledPlugins turned it off");
    assert_eq!(find(&inv, ArtifactKind::Skill, "triage", "SKILL.md").scope, Scope::User);
    assert_eq!(find(&inv, ArtifactKind::Skill, "release-notes", "SKILL.md").scope, Scope::Project);
    assert_eq!(find(&inv, ArtifactKind::Skill, "api-docs", "SKILL.md").scope, Scope::Project);
    assert_parse_error(&inv, "~/.copilot/hooks/broken.json", "line");
    // The auth state file is the secrets inventory's business, never read into artifacts here.
    assert!(inv
        .artifacts
        .iter()
        .all(|a| !a.source.ends_with("config.json") || a.source.ends_with("mcp-config.json")));
}

#[test]
fn opencode() {
    let fx = Fixture::new("opencode");
    let inv = scan(&clients::OpenCode, &fx.context(Os::Linux));
    assert_no_secrets(&inv);

    let a = agent(&inv);
    assert_eq!(a.attributes["version"], "0.15.2");
    assert_eq!(a.attributes["share"], "auto");
    // `*.env` was re-allowed by the user; `*.env.*` stays denied by default; managed adds ~/.aws.
    assert_eq!(strings(&a.attributes["deny_read"]), ["*.env.*", "secrets/**", "~/.aws/**"]);
    assert_eq!(a.attributes["permission"]["bash"]["rm *"], "deny");
    let risk = flags(a);
    for flag in ["broad-allow-rule", "session-sharing", "approval-disabled"] {
        assert!(risk.contains(&flag), "{flag} missing from {risk:?}");
    }
    assert!(a.risk.iter().any(|r| r.flag == "broad-allow-rule" && r.explanation.contains("agent `build`")));
    assert!(a
        .risk
        .iter()
        .any(|r| r.flag == "approval-disabled" && r.explanation.contains("site/opencode.json")));

    let fs = find(&inv, ArtifactKind::McpServer, "fs", "opencode.jsonc");
    assert_eq!(fs.identity, "npx -y @modelcontextprotocol/server-filesystem /home/dev");
    assert_eq!(strings(&fs.attributes["env_names"]), ["API_KEY"]);
    assert!(!flags(fs).contains(&"plaintext-secret"), "{{env:API_KEY}} is a reference");
    let remote = find(&inv, ArtifactKind::McpServer, "remote-api", "opencode.jsonc");
    assert_eq!(remote.attributes["transport"], "http");
    assert!(flags(remote).contains(&"plaintext-secret"));
    assert_eq!(find(&inv, ArtifactKind::McpServer, "context7", "site/opencode.json").scope, Scope::Project);
    assert_eq!(
        find(&inv, ArtifactKind::McpServer, "agents-shared", ".agents/mcp.json").scope,
        Scope::Project
    );

    let waka = find(&inv, ArtifactKind::Plugin, "opencode-wakatime", "opencode.jsonc");
    assert_eq!(waka.attributes["installed"], true);
    assert!(flags(waka).contains(&"unpinned-package"));
    let guard = find(&inv, ArtifactKind::Plugin, "@acme/opencode-guard", "opencode.jsonc");
    assert_eq!(guard.attributes["version"], "1.2.0");
    assert!(guard.risk.is_empty());
    let ward_plugin = find(&inv, ArtifactKind::Plugin, "ward", "plugins/ward.js");
    assert_eq!(ward_plugin.attributes["is_ward"], true);
    let ward_hook = find(&inv, ArtifactKind::Hook, "tool.execute.before#0", "plugins/ward.js");
    assert_eq!(ward_hook.attributes["is_ward"], true);
    find(&inv, ArtifactKind::Hook, "event#0", "plugins/notify.ts");
    let audit = find(&inv, ArtifactKind::Hook, "tool.execute.after#0", ".opencode/plugins/audit.js");
    assert_eq!(audit.scope, Scope::Project);

    for (skill, scope) in
        [("git-release", Scope::User), ("claude-shared", Scope::User), ("deploy", Scope::Project)]
    {
        assert_eq!(find(&inv, ArtifactKind::Skill, skill, "SKILL.md").scope, scope, "{skill}");
    }
    assert_parse_error(&inv, "site/.opencode/opencode.jsonc", "line 5");
}

#[test]
fn nothing_installed_means_no_agent_and_no_findings() {
    let dir = tempfile::tempdir().unwrap();
    let cx = ScanContext {
        home: dir.path().join("home"),
        system_root: dir.path().join("system"),
        projects: Vec::new(),
        path_dirs: vec![dir.path().join("bin")],
        os: Os::Linux,
    };
    for scanner in clients::all() {
        let inv = scan(scanner, &cx);
        assert!(
            inv.artifacts.is_empty() && inv.findings.is_empty(),
            "{}: {:#?}",
            scanner.client(),
            names(&inv)
        );
    }
}

#[test]
fn client_names_are_registered() {
    let names: Vec<&str> = clients::all().iter().map(|c| c.client()).collect();
    for expected in ["codex", "claude-code", "claude-desktop", "gemini-cli", "copilot-cli", "opencode"] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn scanner(client: &str) -> &'static dyn ClientScanner {
    clients::all().into_iter().find(|c| c.client() == client).unwrap()
}

#[test]
fn managed_paths_follow_the_os() {
    let dir = tempfile::tempdir().unwrap();
    let (home, system) = (dir.path().join("home"), dir.path().join("system"));
    let cx = |os| ScanContext {
        home: home.clone(),
        system_root: system.clone(),
        projects: Vec::new(),
        path_dirs: Vec::new(),
        os,
    };
    // Windows Codex: requirements under %ProgramData%, managed_config.toml in ~/.codex.
    write(
        &system.join("ProgramData/OpenAI/Codex/requirements.toml"),
        "allowed_sandbox_modes = [\"read-only\"]\n",
    );
    write(&home.join(".codex/managed_config.toml"), "approval_policy = \"on-request\"\n");
    write(&home.join(".codex/config.toml"), "approval_policy = \"never\"\n");
    let inv = scan(scanner("codex"), &cx(Os::Windows));
    let a = agent(&inv);
    assert_eq!(a.attributes["approval_policy"], "on-request", "managed_config.toml wins");
    assert_eq!(a.attributes["requirements"]["allowed_sandbox_modes"], serde_json::json!(["read-only"]));
    assert!(!flags(a).contains(&"approval-disabled"));
    // The macOS desktop app, with its version from the bundle.
    write(
        &system.join("Applications/Codex.app/Contents/Info.plist"),
        "<plist><dict><key>CFBundleShortVersionString</key>\n\t<string>26.1.0</string></dict></plist>",
    );
    let mac = scan(scanner("codex"), &cx(Os::MacOs));
    assert_eq!(agent(&mac).attributes["app"], system.join("Applications/Codex.app").display().to_string());
    assert_eq!(agent(&mac).attributes["app_version"], "26.1.0");
    // On Linux the same home has no managed_config.toml in effect.
    let linux = scan(scanner("codex"), &cx(Os::Linux));
    assert_eq!(agent(&linux).attributes["approval_policy"], "never");

    // macOS Claude Code and Gemini CLI managed files.
    write(
        &system.join("Library/Application Support/ClaudeCode/managed-settings.json"),
        r#"{"permissions": {"deny": ["Read(~/.netrc)"]}}"#,
    );
    write(&home.join(".claude/settings.json"), "{}");
    write(&system.join("Library/Managed Preferences/com.anthropic.claudecode.plist"), "bplist00");
    let claude = scan(scanner("claude-code"), &cx(Os::MacOs));
    assert_eq!(strings(&agent(&claude).attributes["deny_read"]), ["~/.netrc"]);
    assert_eq!(agent(&claude).attributes["mdm_profile"], true);
    assert!(!agent(&scan(scanner("claude-code"), &cx(Os::Linux))).attributes.contains_key("mdm_profile"));
    assert!(scan(scanner("claude-code"), &cx(Os::Linux)).artifacts[0].attributes["deny_read"]
        .as_array()
        .unwrap()
        .is_empty());
    write(
        &system.join("Library/Application Support/GeminiCli/settings.json"),
        r#"{"tools": {"sandbox": "docker"}}"#,
    );
    write(&home.join(".gemini/settings.json"), r#"{"tools": {"sandbox": false}}"#);
    let gemini = scan(scanner("gemini-cli"), &cx(Os::MacOs));
    assert_eq!(agent(&gemini).attributes["sandbox"], "docker", "system settings override the user's");

    // Copilot CLI ignores a world-writable managed settings file; that is a risk on the agent.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let managed = system.join("etc/github-copilot/managed-settings.json");
        write(&managed, r#"{"permissions": {"deny": ["Read(~/.ssh/**)"]}}"#);
        write(&home.join(".copilot/settings.json"), "{}");
        let ok = scan(scanner("copilot-cli"), &cx(Os::Linux));
        assert!(!flags(agent(&ok)).contains(&"managed-settings-ignored"));
        assert_eq!(strings(&agent(&ok).attributes["deny_read"]), ["~/.ssh/**"]);
        std::fs::set_permissions(&managed, std::fs::Permissions::from_mode(0o666)).unwrap();
        let ignored = scan(scanner("copilot-cli"), &cx(Os::Linux));
        assert!(flags(agent(&ignored)).contains(&"managed-settings-ignored"));
        assert!(agent(&ignored).attributes["deny_read"].as_array().unwrap().is_empty());
    }
}

/// Seeded byte-level mutations of every fixture file (truncation, flipped bytes, inserted
/// delimiters): scanners must never panic, whatever the files contain.
#[test]
fn mutated_fixtures_never_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let oses = [Os::Linux, Os::MacOs, Os::Windows];
    for client in ["codex", "claude-code", "claude-desktop", "gemini-cli", "copilot-cli", "opencode"] {
        let fx = Fixture::new(client);
        let mut files = Vec::new();
        collect_files(&fx.root, &mut files);
        let originals: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
        for round in 0..12 {
            for (file, original) in files.iter().zip(&originals) {
                let mut bytes = original.clone();
                for _ in 0..1 + next() % 3 {
                    let pos = if bytes.is_empty() { 0 } else { (next() as usize) % bytes.len() };
                    match next() % 4 {
                        0 => bytes.truncate(pos),
                        1 if !bytes.is_empty() => bytes[pos] = (next() % 256) as u8,
                        2 => {
                            let delimiters = b"{}[]\",:=#\n-'";
                            bytes.insert(pos, delimiters[(next() as usize) % delimiters.len()]);
                        }
                        _ => {
                            let end = (pos + (next() as usize) % 16).min(bytes.len());
                            bytes.drain(pos..end);
                        }
                    }
                }
                std::fs::write(file, &bytes).unwrap();
            }
            let cx = fx.context(oses[round % oses.len()]);
            let _ = scan(scanner(client), &cx);
        }
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else if !path.starts_with(dir.join("bin")) {
            out.push(path);
        }
    }
}

/// Windows npm global installs: `<prefix>\codex.cmd` with the package in
/// `<prefix>\node_modules\@openai\codex`.
#[cfg(unix)]
#[test]
fn windows_npm_shims_are_found() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("npm");
    write(
        &prefix.join("codex.cmd"),
        "@ECHO off\r\nnode \"%~dp0\\node_modules\\@openai\\codex\\bin\\codex.js\" %*\r\n",
    );
    std::fs::set_permissions(prefix.join("codex.cmd"), std::fs::Permissions::from_mode(0o755)).unwrap();
    write(
        &prefix.join("node_modules/@openai/codex/package.json"),
        r#"{"name": "@openai/codex", "version": "0.131.0"}"#,
    );
    let cx = |os| ScanContext {
        home: dir.path().join("home"),
        system_root: dir.path().join("system"),
        projects: Vec::new(),
        path_dirs: vec![prefix.clone()],
        os,
    };
    let inv = scan(scanner("codex"), &cx(Os::Windows));
    let a = agent(&inv);
    assert!(a.identity.ends_with("codex.cmd"), "{}", a.identity);
    assert_eq!(a.attributes["version"], "0.131.0");
    // Elsewhere a `.cmd` file is not the codex binary.
    assert!(scan(scanner("codex"), &cx(Os::Linux)).artifacts.is_empty());
}

/// Well-formed files with values of the wrong type: skipped without findings; only the agent
/// itself is reported.
#[test]
fn wrong_types_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let files: [(&str, &str); 8] = [
        (
            ".codex/config.toml",
            "mcp_servers = \"x\"\nnotify = \"x\"\nprofiles = 3\nprojects = []\nsandbox_mode = 7\n[hooks]\nPreToolUse = \"x\"\n",
        ),
        (".claude/settings.json", r#"{"hooks": [], "permissions": "x", "enabledPlugins": [], "env": 3}"#),
        (".claude.json", r#"{"mcpServers": [], "projects": {"/p": 3, "/q": {"mcpServers": "x"}}}"#),
        (
            ".gemini/settings.json",
            r#"{"mcpServers": {"a": 3}, "hooks": {"BeforeTool": "x"}, "mcp": {"excluded": "x"}, "tools": 1}"#,
        ),
        (".copilot/mcp-config.json", r#"{"mcpServers": {"a": "x", "b": [1]}}"#),
        (".copilot/settings.json", r#"{"hooks": {"preToolUse": [1, "x", null]}, "permissions": []}"#),
        (".config/opencode/opencode.json", r#"{"mcp": [], "plugin": "x", "permission": 3, "agent": []}"#),
        (".config/Claude/claude_desktop_config.json", r#"{"mcpServers": "x"}"#),
    ];
    for (rel, text) in files {
        write(&home.join(rel), text);
    }
    let cx = ScanContext {
        home,
        system_root: dir.path().join("system"),
        projects: Vec::new(),
        path_dirs: Vec::new(),
        os: Os::Linux,
    };
    for scanner in clients::all() {
        let inv = scan(scanner, &cx);
        assert!(inv.findings.is_empty(), "{}: {:#?}", scanner.client(), inv.findings);
        let other: Vec<_> = inv.artifacts.iter().filter(|a| a.kind != ArtifactKind::Agent).collect();
        assert!(other.is_empty(), "{}: {other:#?}", scanner.client());
    }
}
