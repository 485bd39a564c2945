//! Claude Code (CLI, IDE extensions, the Desktop "Code" tab): the installation and its
//! permission settings, MCP servers, hooks, skills, plugins and marketplaces at every scope
//! (reference/agents.md §1).
//!
//! Files read: managed `managed-settings.json`, `managed-settings.d/*.json`, `managed-mcp.json`
//! (`/etc/claude-code`, macOS `/Library/Application Support/ClaudeCode`, Windows
//! `C:\Program Files\ClaudeCode`) and the server-managed cache `~/.claude/remote-settings.json`;
//! user `~/.claude/settings.json`, `~/.claude.json` (user and per-project "local" MCP servers),
//! `~/.claude/skills`, `~/.claude/plugins/{cache,known_marketplaces.json}`; per project
//! `.claude/settings.json`, `.claude/settings.local.json`, `.mcp.json`, `.claude/skills`.

use std::path::Path;

use serde_json::Value;
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use crate::context::ScanContext;
use crate::hooks::{scan_hooks_object, HookSource};
use crate::install::{
    agent_artifact, binary_version, find_binary, first_executable, highest_version_in, mdm_profile_present,
    version_from_resolved_path,
};
use crate::inventory::Inventory;
use crate::locations::Locations;
use crate::mcp::{server_artifact, McpSource};
use crate::plugins::{cached_plugins, files_with_suffix, scan_plugin_dir, sub_dirs, PluginSpec};
use crate::read::{parse_yaml, read_json, read_text};
use crate::sanitize::{is_plaintext_secret, scrub_text};
use crate::skills::{front_matter, scan_skill_root};
use crate::ClientScanner;

const CLIENT: &str = "claude-code";

/// Scanner for Claude Code.
pub struct ClaudeCode;

/// One parsed settings file.
struct Settings {
    scope: Scope,
    shown: String,
    doc: Value,
}

impl ClientScanner for ClaudeCode {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let loc = Locations::of_scan(cx);
        let config_dir = loc.claude_dir();
        let state_file = loc.claude_state_file();
        let binary = find_binary(cx, "claude").or_else(|| {
            first_executable(&[cx.home_path(".local/bin/claude"), cx.home_path(".local/bin/claude.exe")])
        });
        let installed = binary.is_some() || crate::install::has_content(&config_dir) || state_file.is_file();
        let managed_dir = loc.claude_managed_dir();

        // Settings, managed first.
        let mut managed = Vec::new();
        managed.extend(read_settings(cx, inv, &loc.claude_managed_settings(), Scope::Managed));
        for dropin in files_with_suffix(&managed_dir.join("managed-settings.d"), &[".json"]) {
            managed.extend(read_settings(cx, inv, &dropin, Scope::Managed));
        }
        managed.extend(read_settings(cx, inv, &config_dir.join("remote-settings.json"), Scope::Managed));
        let user: Vec<Settings> =
            read_settings(cx, inv, &loc.claude_user_settings(), Scope::User).into_iter().collect();
        for s in managed.iter().chain(&user) {
            scan_settings_hooks(cx, inv, s);
            scan_settings_marketplaces(inv, s);
        }

        // MCP: managed, user and "local" (per project in ~/.claude.json).
        scan_mcp_file(cx, inv, &managed_dir.join("managed-mcp.json"), Scope::Managed);
        let state = read_json(cx, inv, CLIENT, &state_file);
        if let Some(state) = &state {
            scan_state_mcp(cx, inv, state, &cx.display(&state_file));
        }

        scan_skill_root(cx, inv, CLIENT, Scope::User, &config_dir.join("skills"));
        // Managed skills live beside managed settings (CC-ext "managed" skill location).
        scan_skill_root(cx, inv, CLIENT, Scope::Managed, &managed_dir.join(".claude/skills"));
        scan_front_matter_dirs(cx, inv, &config_dir, Scope::User);

        let enabled_plugins = merged_enabled_plugins(managed.iter().chain(&user));
        scan_plugins(cx, inv, &config_dir.join("plugins"), &enabled_plugins);

        let mut project_risks = Vec::new();
        for root in &cx.projects {
            let project: Vec<Settings> = Locations::claude_project_settings(root)
                .iter()
                .filter_map(|path| read_settings(cx, inv, path, Scope::Project))
                .collect();
            let hooks_start = inv.artifacts.len();
            for s in &project {
                scan_settings_hooks(cx, inv, s);
                scan_settings_marketplaces(inv, s);
                project_risks.extend(settings_risks(&s.doc, &s.shown, Severity::Medium));
            }
            scan_front_matter_dirs(cx, inv, &root.join(".claude"), Scope::Project);
            if project.iter().any(|s| s.doc.get("disableAllHooks").and_then(Value::as_bool) == Some(true)) {
                disable_hooks_since(inv, hooks_start, "disableAllHooks in the project settings");
            }
            let local = state.as_ref().and_then(|st| project_entry(st, root));
            let start = inv.artifacts.len();
            scan_mcp_file(cx, inv, &root.join(".mcp.json"), Scope::Project);
            let approvals = McpApprovals::collect(managed.iter().chain(&user).chain(&project), local);
            for art in inv.artifacts.iter_mut().skip(start) {
                art.attributes.insert("approval".into(), approvals.state(&art.name).into());
            }
            scan_skill_root(cx, inv, CLIENT, Scope::Project, &root.join(".claude/skills"));
        }

        apply_hook_switches(inv, &managed, &user);

        if installed {
            let mut agent = agent_artifact(cx, CLIENT, binary.as_deref(), Some(&config_dir));
            if let Some(v) = claude_version(cx, binary.as_deref()) {
                agent = agent.attr("version", v);
            }
            if let Some(present) = mdm_profile_present(cx, "com.anthropic.claudecode") {
                agent = agent.attr("mdm_profile", present);
            }
            agent = agent_settings(agent, &managed, &user, state.as_ref());
            let blocked = bypass_blocked(&managed);
            agent
                .risk
                .extend(project_risks.into_iter().filter(|r| !(blocked && r.flag == "permissions-bypassed")));
            inv.push(agent);
        }
    }
}

/// The native installer's `~/.local/share/claude/versions/<v>` (the launcher links into it),
/// else an npm or Homebrew install.
fn claude_version(cx: &ScanContext, binary: Option<&Path>) -> Option<String> {
    binary
        .and_then(|b| version_from_resolved_path(b, "versions"))
        .or_else(|| highest_version_in(&cx.home_path(".local/share/claude/versions")))
        .or_else(|| {
            binary.and_then(|b| binary_version(b, Some("@anthropic-ai/claude-code"), &["claude-code"]))
        })
}

fn read_settings(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) -> Option<Settings> {
    let doc = read_json(cx, inv, CLIENT, path)?;
    Some(Settings { scope, shown: cx.display(path), doc })
}

fn scan_settings_hooks(cx: &ScanContext, inv: &mut Inventory, s: &Settings) {
    let Some(hooks) = s.doc.get("hooks") else { return };
    let src = HookSource { client: CLIENT, scope: s.scope, source: &s.shown };
    let mut out = Vec::new();
    scan_hooks_object(cx, &src, hooks, &mut out);
    for h in out {
        inv.push(h);
    }
}

/// `extraKnownMarketplaces` in a settings file: marketplaces offered to everyone using it.
fn scan_settings_marketplaces(inv: &mut Inventory, s: &Settings) {
    let Some(markets) = s.doc.get("extraKnownMarketplaces").and_then(Value::as_object) else { return };
    for (name, entry) in markets {
        inv.push(marketplace_artifact(CLIENT, name, s.scope, &s.shown, entry.get("source").unwrap_or(entry)));
    }
}

/// A marketplace as `{source: "github", repo}` / `{source: "git", url}` / `{source: "directory", path}`.
pub(super) fn marketplace_artifact(
    client: &str,
    name: &str,
    scope: Scope,
    shown: &str,
    source: &Value,
) -> Artifact {
    let kind = source.get("source").and_then(Value::as_str).unwrap_or("unknown");
    let location = ["repo", "url", "path"]
        .iter()
        .find_map(|k| source.get(*k).and_then(Value::as_str))
        .map(scrub_text)
        .unwrap_or_default();
    Artifact::new(ArtifactKind::Plugin, client, name, scope, shown, location)
        .attr("type", "marketplace")
        .attr("source_type", kind)
}

fn scan_mcp_file(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return };
    let shown = cx.display(path);
    let src = McpSource { client: CLIENT, scope, source: &shown };
    let servers = doc.get("mcpServers").and_then(Value::as_object);
    for (name, entry) in servers.into_iter().flatten().filter(|(_, e)| e.is_object()) {
        inv.push(server_artifact(&src, name, entry));
    }
}

/// `~/.claude.json`: top-level `mcpServers` (user scope) and `projects[<path>].mcpServers`
/// ("local" scope: one project, private to this user).
fn scan_state_mcp(cx: &ScanContext, inv: &mut Inventory, state: &Value, shown: &str) {
    let src = McpSource { client: CLIENT, scope: Scope::User, source: shown };
    for (name, entry) in state.get("mcpServers").and_then(Value::as_object).into_iter().flatten() {
        if entry.is_object() {
            inv.push(server_artifact(&src, name, entry));
        }
    }
    for (project, entry) in state.get("projects").and_then(Value::as_object).into_iter().flatten() {
        let Some(servers) = entry.get("mcpServers").and_then(Value::as_object) else { continue };
        let project_shown = cx.display(Path::new(project));
        // One source per project keeps same-named servers of different projects apart.
        let source = format!("{shown}#projects[{project_shown}]");
        let src = McpSource { client: CLIENT, scope: Scope::Project, source: &source };
        for (name, server) in servers.iter().filter(|(_, e)| e.is_object()) {
            inv.push(
                server_artifact(&src, name, server)
                    .attr("claude_scope", "local")
                    .attr("project", project_shown.clone()),
            );
        }
    }
}

fn project_entry<'a>(state: &'a Value, root: &Path) -> Option<&'a Value> {
    let projects = state.get("projects")?.as_object()?;
    let canonical = std::fs::canonicalize(root).ok();
    projects.iter().find_map(|(path, entry)| {
        let p = Path::new(path);
        (p == root || canonical.as_deref() == Some(p)).then_some(entry)
    })
}

/// Whether project `.mcp.json` servers are approved: `enableAllProjectMcpServers`,
/// `enabledMcpjsonServers` / `disabledMcpjsonServers` in any settings file or the project's
/// entry of `~/.claude.json`.
struct McpApprovals {
    all: bool,
    enabled: Vec<String>,
    disabled: Vec<String>,
}

impl McpApprovals {
    fn collect<'a>(settings: impl Iterator<Item = &'a Settings>, local: Option<&Value>) -> McpApprovals {
        let mut a = McpApprovals { all: false, enabled: Vec::new(), disabled: Vec::new() };
        for doc in settings.map(|s| &s.doc).chain(local) {
            a.all |= doc.get("enableAllProjectMcpServers").and_then(Value::as_bool) == Some(true);
            a.enabled.extend(string_list(doc.get("enabledMcpjsonServers")));
            a.disabled.extend(string_list(doc.get("disabledMcpjsonServers")));
        }
        a
    }

    fn state(&self, name: &str) -> &'static str {
        if self.disabled.iter().any(|n| n == name) {
            "denied"
        } else if self.all || self.enabled.iter().any(|n| n == name) {
            "approved"
        } else {
            "pending"
        }
    }
}

pub(super) fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `enabledPlugins` merged over the given settings (later files win per key).
fn merged_enabled_plugins<'a>(
    settings: impl Iterator<Item = &'a Settings>,
) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    let files: Vec<&Settings> = settings.collect();
    // Managed settings come first in the list but win: apply them last.
    for s in files
        .iter()
        .filter(|s| s.scope != Scope::Managed)
        .chain(files.iter().filter(|s| s.scope == Scope::Managed))
    {
        if let Some(map) = s.doc.get("enabledPlugins").and_then(Value::as_object) {
            out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    out
}

/// Installed plugins under `~/.claude/plugins/cache/<marketplace>/<plugin>/<version>/` and the
/// marketplaces of `known_marketplaces.json`.
fn scan_plugins(
    cx: &ScanContext,
    inv: &mut Inventory,
    plugins_dir: &Path,
    enabled: &serde_json::Map<String, Value>,
) {
    for cached in cached_plugins(&plugins_dir.join("cache")) {
        let spec = PluginSpec {
            client: CLIENT,
            scope: Scope::User,
            manifests: &[".claude-plugin/plugin.json"],
            label: "plugin",
            marketplace: Some(&cached.marketplace),
            path_version: Some(&cached.version),
            manifest_optional: true,
        };
        if let Some(idx) = scan_plugin_dir(cx, inv, &spec, &cached.dir) {
            if let Some(art) = inv.artifacts.get_mut(idx) {
                let key = format!("{}@{}", art.name, cached.marketplace);
                let on = enabled.get(&key).and_then(Value::as_bool).unwrap_or(false);
                art.attributes.insert("enabled".into(), on.into());
            }
        }
    }
    let known = plugins_dir.join("known_marketplaces.json");
    if let Some(doc) = read_json(cx, inv, CLIENT, &known) {
        let shown = cx.display(&known);
        for (name, entry) in doc.as_object().into_iter().flatten() {
            inv.push(marketplace_artifact(
                CLIENT,
                name,
                Scope::User,
                &shown,
                entry.get("source").unwrap_or(entry),
            ));
        }
    }
}

/// Globs the `Read(...)` deny rules protect (`Read` alone denies every read), for the secrets
/// module's "which agent can read this credential" question.
pub(super) fn deny_read_from_rules(rules: &[String]) -> Vec<String> {
    rules
        .iter()
        .filter_map(|rule| {
            let rule = rule.trim();
            if rule == "Read" {
                return Some("**".to_owned());
            }
            rule.strip_prefix("Read(").and_then(|r| r.strip_suffix(')')).map(str::to_owned)
        })
        .collect()
}

/// Risks of one settings file's keys. `origin` names the file.
fn settings_risks(doc: &Value, origin: &str, severity: Severity) -> Vec<Risk> {
    let mut risks = Vec::new();
    let permissions = doc.get("permissions");
    if permissions.and_then(|p| p.get("defaultMode")).and_then(Value::as_str) == Some("bypassPermissions") {
        risks.push(Risk::new(
            "permissions-bypassed",
            severity,
            format!("{origin}: defaultMode bypassPermissions runs every tool without asking"),
        ));
    }
    if doc.get("disableAllHooks").and_then(Value::as_bool) == Some(true) {
        risks.push(Risk::new(
            "hooks-disabled",
            severity,
            format!("{origin}: disableAllHooks turns off every non-managed hook, including Ward's"),
        ));
    }
    if doc.get("enableAllProjectMcpServers").and_then(Value::as_bool) == Some(true) {
        risks.push(Risk::new(
            "project-mcp-auto-approved",
            severity,
            format!(
                "{origin}: enableAllProjectMcpServers starts any MCP server a repository's .mcp.json names"
            ),
        ));
    }
    let allow = string_list(permissions.and_then(|p| p.get("allow")));
    if let Some(rule) = allow.iter().find(|r| matches!(r.as_str(), "Bash" | "Bash(*)" | "Bash(:*)")) {
        risks.push(Risk::new(
            "broad-allow-rule",
            Severity::Medium,
            format!("{origin}: allow rule `{rule}` runs any shell command without asking"),
        ));
    }
    if doc.get("skipDangerousModePermissionPrompt").and_then(Value::as_bool) == Some(true) {
        risks.push(Risk::new(
            "permissions-bypassed",
            Severity::Low,
            format!("{origin}: the bypass-permissions warning prompt is switched off"),
        ));
    }
    if let Some(env) = doc.get("env").and_then(Value::as_object) {
        let names: Vec<&str> = env
            .iter()
            .filter(|(k, v)| v.as_str().is_some_and(|v| is_plaintext_secret(k, v)))
            .map(|(k, _)| k.as_str())
            .collect();
        if !names.is_empty() {
            risks.push(Risk::new(
                "plaintext-secret",
                Severity::High,
                format!("{origin}: credential stored in plain text in `env` ({})", names.join(", ")),
            ));
        }
    }
    risks
}

/// Effective user-level settings (managed over user) and their risks on the agent artifact.
fn agent_settings(
    mut agent: Artifact,
    managed: &[Settings],
    user: &[Settings],
    state: Option<&Value>,
) -> Artifact {
    // Highest precedence last so a plain "last wins" fold gives the effective value.
    let ordered: Vec<&Settings> = user.iter().chain(managed).collect();
    let last = |pointer: &str| ordered.iter().rev().find_map(|s| s.doc.pointer(pointer).cloned());
    if let Some(mode) = last("/permissions/defaultMode") {
        agent = agent.attr("default_mode", mode);
    }
    if let Some(sandbox) = last("/sandbox/enabled") {
        agent = agent.attr("sandbox_enabled", sandbox);
    }
    for (attr, pointer) in [
        ("disable_bypass_permissions_mode", "/permissions/disableBypassPermissionsMode"),
        ("disable_all_hooks", "/disableAllHooks"),
        ("allow_managed_hooks_only", "/allowManagedHooksOnly"),
        ("allow_managed_permission_rules_only", "/allowManagedPermissionRulesOnly"),
        ("enable_all_project_mcp_servers", "/enableAllProjectMcpServers"),
    ] {
        if let Some(v) = last(pointer) {
            agent = agent.attr(attr, v);
        }
    }
    if let Some(helper) = last("/apiKeyHelper").and_then(|v| v.as_str().map(scrub_text)) {
        agent = agent.attr("api_key_helper", helper);
    }
    let managed_only_rules = managed
        .iter()
        .any(|s| s.doc.get("allowManagedPermissionRulesOnly").and_then(Value::as_bool) == Some(true));
    let rule_files: Vec<&Settings> =
        if managed_only_rules { managed.iter().collect() } else { ordered.clone() };
    let mut deny: Vec<String> =
        rule_files.iter().flat_map(|s| string_list(s.doc.pointer("/permissions/deny"))).collect();
    deny.sort();
    deny.dedup();
    let mut deny_read = deny_read_from_rules(&deny);
    deny_read.extend(ordered.iter().flat_map(|s| string_list(s.doc.pointer("/sandbox/filesystem/denyRead"))));
    deny_read.sort();
    deny_read.dedup();
    // Rules are command lines and paths as the user wrote them: scrubbed like any identity.
    let deny: Vec<String> = deny.iter().map(|r| scrub_text(r)).collect();
    let deny_read: Vec<String> = deny_read.iter().map(|r| scrub_text(r)).collect();
    agent = agent.attr("deny_rules", deny).attr("deny_read", deny_read);
    let mut env_names: Vec<String> = ordered
        .iter()
        .filter_map(|s| s.doc.get("env").and_then(Value::as_object))
        .flat_map(|m| m.keys().cloned())
        .collect();
    env_names.sort();
    env_names.dedup();
    if !env_names.is_empty() {
        agent = agent.attr("env_names", env_names);
    }
    if let Some(accepted) = state.and_then(|s| s.get("bypassPermissionsModeAccepted")) {
        agent = agent.attr("bypass_permissions_accepted", accepted.clone());
    }

    let bypass_blocked = bypass_blocked(managed);
    for s in &ordered {
        for risk in settings_risks(&s.doc, &s.shown, Severity::High) {
            // A managed "disable" makes bypass mode unreachable whatever a user file says.
            if risk.flag == "permissions-bypassed" && bypass_blocked {
                continue;
            }
            agent.risk.push(risk);
        }
    }
    agent
}

/// A managed `disableBypassPermissionsMode: "disable"` makes bypass mode unreachable.
fn bypass_blocked(managed: &[Settings]) -> bool {
    managed.iter().any(|s| {
        s.doc.pointer("/permissions/disableBypassPermissionsMode").and_then(Value::as_str) == Some("disable")
    })
}

/// Hooks and MCP servers declared in the YAML front matter of subagents (`agents/*.md`) and
/// skills (`skills/<name>/SKILL.md`) under a `.claude` directory: they run whenever that agent
/// or skill is active, like any settings hook.
fn scan_front_matter_dirs(cx: &ScanContext, inv: &mut Inventory, claude_dir: &Path, scope: Scope) {
    for file in files_with_suffix(&claude_dir.join("agents"), &[".md"]) {
        scan_front_matter(cx, inv, &file, scope, true);
    }
    // Skill front matter errors are already reported by the skill scan.
    for dir in sub_dirs(&claude_dir.join("skills")) {
        scan_front_matter(cx, inv, &dir.join("SKILL.md"), scope, false);
    }
}

fn scan_front_matter(cx: &ScanContext, inv: &mut Inventory, file: &Path, scope: Scope, report_errors: bool) {
    if !file.is_file() {
        return;
    }
    let Some(text) = read_text(cx, inv, CLIENT, file) else { return };
    let Some(front) = front_matter(&text) else { return };
    let shown = cx.display(file);
    let meta = match parse_yaml(front) {
        Ok(v) => v,
        Err(e) => {
            if report_errors {
                inv.parse_error(CLIENT, &shown, format!("front matter: {e}"));
            }
            return;
        }
    };
    let owner =
        meta.get("name").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| {
            file.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        });
    let start = inv.artifacts.len();
    if let Some(hooks) = meta.get("hooks") {
        let src = HookSource { client: CLIENT, scope, source: &shown };
        let mut out = Vec::new();
        scan_hooks_object(cx, &src, hooks, &mut out);
        for h in out {
            inv.push(h);
        }
    }
    // `mcpServers`: names of configured servers (nothing new) or inline definitions, as a map
    // or as a list of one-entry maps.
    let src = McpSource { client: CLIENT, scope, source: &shown };
    let mut inline: Vec<(&String, &Value)> = Vec::new();
    match meta.get("mcpServers") {
        Some(Value::Object(map)) => inline.extend(map.iter()),
        Some(Value::Array(list)) => inline.extend(list.iter().filter_map(Value::as_object).flatten()),
        _ => {}
    }
    for (name, entry) in inline.into_iter().filter(|(_, e)| e.is_object()) {
        inv.push(server_artifact(&src, name, entry));
    }
    inv.tag_since(start, "declared_in", owner);
}

/// Mark hooks pushed since `start` as not running.
fn disable_hooks_since(inv: &mut Inventory, start: usize, reason: &str) {
    for art in inv.artifacts.iter_mut().skip(start).filter(|a| a.kind == ArtifactKind::Hook) {
        art.attributes.insert("enabled".into(), false.into());
        art.attributes.insert("disabled_by".into(), reason.into());
    }
}

/// `disableAllHooks` and the managed `allowManagedHooksOnly` decide which hooks run at all: a
/// managed `disableAllHooks` stops every hook, a user one every non-managed hook, and
/// `allowManagedHooksOnly` every non-managed hook. Ward's own hook that will not run is a risk.
fn apply_hook_switches(inv: &mut Inventory, managed: &[Settings], user: &[Settings]) {
    let set = |files: &[Settings], key: &str| {
        files.iter().any(|s| s.doc.get(key).and_then(Value::as_bool) == Some(true))
    };
    let managed_off = set(managed, "disableAllHooks");
    let managed_only = set(managed, "allowManagedHooksOnly");
    let user_off = set(user, "disableAllHooks");
    for art in inv.artifacts.iter_mut().filter(|a| a.client == CLIENT && a.kind == ArtifactKind::Hook) {
        let reason = if managed_off {
            Some("disableAllHooks in managed settings")
        } else if art.scope != Scope::Managed && managed_only {
            Some("allowManagedHooksOnly in managed settings")
        } else if art.scope != Scope::Managed && user_off {
            Some("disableAllHooks in the user settings")
        } else {
            None
        };
        if let Some(reason) = reason {
            art.attributes.insert("enabled".into(), false.into());
            art.attributes.entry("disabled_by".into()).or_insert_with(|| reason.into());
        }
        let enabled = art.attributes.get("enabled").and_then(Value::as_bool) != Some(false);
        art.attributes.insert("enabled".into(), enabled.into());
        if !enabled && art.attributes.get("is_ward").and_then(Value::as_bool) == Some(true) {
            let why =
                art.attributes.get("disabled_by").and_then(Value::as_str).unwrap_or("settings").to_owned();
            art.risk.push(Risk::new(
                "hook-inactive",
                Severity::Medium,
                format!("Claude Code does not run this Ward hook: {why}"),
            ));
        }
    }
}
