//! GitHub Copilot CLI (`copilot`): the installation and its permission settings, MCP servers,
//! hooks, skills and plugins at every scope (reference/agents.md §4.1).
//!
//! Files read: managed `managed-settings.json` (`/etc/github-copilot`, macOS
//! `/Library/Application Support/GitHubCopilot`, Windows `C:\Program Files\GitHubCopilot`);
//! user `~/.copilot/{settings.json, mcp-config.json, hooks/*.json, skills/, installed-plugins/}`;
//! per project `.github/copilot/settings(.local).json`, `.github/mcp.json`, `.github/hooks/*.json`,
//! `.github/skills/`. Copilot CLI also reads files that belong to other agents — `.mcp.json`,
//! the hooks of `.claude/settings(.local).json`, `.agents/skills`, `.claude/skills` and their
//! `~` forms — and those are reported for `copilot-cli` only when Copilot CLI is installed.
//! `~/.copilot/config.json` holds auth state and is left to the secrets inventory.

use std::path::{Path, PathBuf};

use serde_json::Value;
use ward_model::{Artifact, Risk, Scope, Severity};

use super::claude_code::{deny_read_from_rules, marketplace_artifact, string_list};
use crate::context::{Os, ScanContext};
use crate::hooks::{scan_hooks_object, HookSource};
use crate::install::{agent_artifact, binary_version, find_binary, mdm_profile_present};
use crate::inventory::Inventory;
use crate::mcp::{server_artifact, McpSource};
use crate::plugins::{files_with_suffix, scan_plugin_dir, sub_dirs, PluginSpec};
use crate::read::read_json;
use crate::sanitize::scrub_text;
use crate::skills::scan_skill_root;
use crate::ClientScanner;

const CLIENT: &str = "copilot-cli";

/// Plugin manifests Copilot CLI accepts (its own layout and the Claude Code one).
const PLUGIN_MANIFESTS: &[&str] =
    &["plugin.json", ".github/plugin/plugin.json", ".claude-plugin/plugin.json"];

/// Scanner for GitHub Copilot CLI.
pub struct CopilotCli;

struct Settings {
    scope: Scope,
    shown: String,
    doc: Value,
}

impl ClientScanner for CopilotCli {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let copilot_dir = cx.home_path(".copilot");
        let binary = find_binary(cx, "copilot");
        let installed = binary.is_some() || crate::install::has_content(&copilot_dir);
        let managed_path = managed_settings_path(cx);

        let managed = read_settings(cx, inv, &managed_path, Scope::Managed);
        // A managed file Copilot refuses to load contributes nothing but a risk.
        let ignored_managed = managed
            .as_ref()
            .and_then(|m| ignored_managed_file(&managed_path).map(|reason| (m.shown.clone(), reason)));
        let managed = managed.filter(|_| ignored_managed.is_none());
        let user = read_settings(cx, inv, &copilot_dir.join("settings.json"), Scope::User);
        let global: Vec<&Settings> = [&managed, &user].into_iter().flatten().collect();
        for s in &global {
            scan_settings_contents(cx, inv, s);
        }
        scan_mcp_file(cx, inv, &copilot_dir.join("mcp-config.json"), Scope::User);
        scan_hook_dir(cx, inv, &copilot_dir.join("hooks"), Scope::User);
        scan_skill_root(cx, inv, CLIENT, Scope::User, &copilot_dir.join("skills"));
        if installed {
            scan_skill_root(cx, inv, CLIENT, Scope::User, &cx.home_path(".agents/skills"));
            scan_skill_root(cx, inv, CLIENT, Scope::User, &cx.home_path(".claude/skills"));
        }
        let enabled_plugins = enabled_plugins(&global);
        scan_installed_plugins(cx, inv, &copilot_dir.join("installed-plugins"), &enabled_plugins);

        let mut project_risks = Vec::new();
        for root in &cx.projects {
            let github = root.join(".github");
            let mut own =
                vec![github.join("copilot/settings.json"), github.join("copilot/settings.local.json")];
            if installed {
                own.extend([root.join(".claude/settings.json"), root.join(".claude/settings.local.json")]);
            }
            for path in own {
                let is_claude_file = path.components().any(|c| c.as_os_str() == ".claude");
                if let Some(s) = read_settings(cx, inv, &path, Scope::Project) {
                    let risks = settings_risks(&s.doc, &s.shown, Severity::Medium);
                    if is_claude_file {
                        // Copilot takes only hooks and a few switches (disableAllHooks,
                        // enabledPlugins) from Claude Code's files, not its permissions.
                        scan_hooks(cx, inv, &s, s.doc.get("hooks"));
                        project_risks.extend(risks.into_iter().filter(|r| r.flag == "hooks-disabled"));
                    } else {
                        scan_settings_contents(cx, inv, &s);
                        project_risks.extend(risks);
                    }
                }
            }
            scan_mcp_file(cx, inv, &github.join("mcp.json"), Scope::Project);
            if installed {
                scan_mcp_file(cx, inv, &root.join(".mcp.json"), Scope::Project);
            }
            scan_hook_dir(cx, inv, &github.join("hooks"), Scope::Project);
            scan_skill_root(cx, inv, CLIENT, Scope::Project, &github.join("skills"));
            if installed {
                scan_skill_root(cx, inv, CLIENT, Scope::Project, &root.join(".agents/skills"));
                scan_skill_root(cx, inv, CLIENT, Scope::Project, &root.join(".claude/skills"));
            }
        }

        if installed {
            let mut agent = agent_artifact(cx, CLIENT, binary.as_deref(), Some(&copilot_dir));
            if let Some(v) =
                binary.as_deref().and_then(|b| binary_version(b, Some("@github/copilot"), &["copilot-cli"]))
            {
                agent = agent.attr("version", v);
            }
            if let Some((shown, reason)) = &ignored_managed {
                agent = agent.with_risk(Risk::new(
                    "managed-settings-ignored",
                    Severity::High,
                    format!("{shown}: {reason}, so Copilot CLI ignores it"),
                ));
            }
            if let Some(present) = mdm_profile_present(cx, "com.github.copilot") {
                agent = agent.attr("mdm_profile", present);
            }
            agent = agent_settings(agent, managed.as_ref(), user.as_ref());
            agent.risk.extend(project_risks);
            inv.push(agent);
        }
    }
}

fn managed_settings_path(cx: &ScanContext) -> PathBuf {
    match cx.os {
        Os::MacOs => cx.system_path("/Library/Application Support/GitHubCopilot/managed-settings.json"),
        Os::Windows => cx.system_path("Program Files/GitHubCopilot/managed-settings.json"),
        Os::Linux => cx.system_path("/etc/github-copilot/managed-settings.json"),
    }
}

fn read_settings(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) -> Option<Settings> {
    let doc = read_json(cx, inv, CLIENT, path)?;
    Some(Settings { scope, shown: cx.display(path), doc })
}

fn scan_settings_contents(cx: &ScanContext, inv: &mut Inventory, s: &Settings) {
    scan_hooks(cx, inv, s, s.doc.get("hooks"));
    if let Some(markets) = s.doc.get("extraKnownMarketplaces").and_then(Value::as_object) {
        for (name, entry) in markets {
            inv.push(marketplace_artifact(
                CLIENT,
                name,
                s.scope,
                &s.shown,
                entry.get("source").unwrap_or(entry),
            ));
        }
    }
}

fn scan_hooks(cx: &ScanContext, inv: &mut Inventory, s: &Settings, hooks: Option<&Value>) {
    let Some(hooks) = hooks else { return };
    let src = HookSource { client: CLIENT, scope: s.scope, source: &s.shown };
    let mut out = Vec::new();
    scan_hooks_object(cx, &src, hooks, &mut out);
    for h in out {
        inv.push(h);
    }
}

/// `*.json` hook files: `{"version": 1, "hooks": {"preToolUse": [{"bash": …}]}}`.
fn scan_hook_dir(cx: &ScanContext, inv: &mut Inventory, dir: &Path, scope: Scope) {
    for file in files_with_suffix(dir, &[".json"]) {
        if let Some(doc) = read_json(cx, inv, CLIENT, &file) {
            let s = Settings { scope, shown: cx.display(&file), doc };
            scan_hooks(cx, inv, &s, s.doc.get("hooks"));
        }
    }
}

fn scan_mcp_file(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return };
    let shown = cx.display(path);
    let src = McpSource { client: CLIENT, scope, source: &shown };
    for (name, entry) in doc.get("mcpServers").and_then(Value::as_object).into_iter().flatten() {
        if !entry.is_object() {
            continue;
        }
        let mut art = server_artifact(&src, name, entry);
        if let Some(tools) = entry.get("tools") {
            art = art.attr("tools", tools.clone());
        }
        inv.push(art);
    }
}

fn enabled_plugins(global: &[&Settings]) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    // User first, managed last: managed wins.
    for s in global.iter().rev() {
        if let Some(map) = s.doc.get("enabledPlugins").and_then(Value::as_object) {
            out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    out
}

/// `~/.copilot/installed-plugins/`: plugins either directly inside or grouped by marketplace
/// one level down.
fn scan_installed_plugins(
    cx: &ScanContext,
    inv: &mut Inventory,
    dir: &Path,
    enabled: &serde_json::Map<String, Value>,
) {
    for first in sub_dirs(dir) {
        let direct = PluginSpec {
            client: CLIENT,
            scope: Scope::User,
            manifests: PLUGIN_MANIFESTS,
            label: "plugin",
            marketplace: None,
            path_version: None,
            manifest_optional: false,
        };
        if let Some(idx) = scan_plugin_dir(cx, inv, &direct, &first) {
            set_enabled(inv, idx, enabled, None);
            continue;
        }
        let market = first.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for plugin_dir in sub_dirs(&first) {
            let spec = PluginSpec { marketplace: Some(&market), ..direct };
            if let Some(idx) = scan_plugin_dir(cx, inv, &spec, &plugin_dir) {
                set_enabled(inv, idx, enabled, Some(&market));
            }
        }
    }
}

fn set_enabled(
    inv: &mut Inventory,
    idx: usize,
    enabled: &serde_json::Map<String, Value>,
    market: Option<&str>,
) {
    let Some(art) = inv.artifacts.get_mut(idx) else { return };
    let key = match market {
        Some(m) => format!("{}@{m}", art.name),
        None => art.name.clone(),
    };
    let on = enabled.get(&key).or_else(|| enabled.get(&art.name)).and_then(Value::as_bool).unwrap_or(true);
    art.attributes.insert("enabled".into(), on.into());
}

fn settings_risks(doc: &Value, origin: &str, severity: Severity) -> Vec<Risk> {
    let mut risks = Vec::new();
    if doc.get("disableAllHooks").and_then(Value::as_bool) == Some(true) {
        risks.push(Risk::new(
            "hooks-disabled",
            severity,
            format!("{origin}: disableAllHooks turns off every hook, including Ward's"),
        ));
    }
    let allow = string_list(doc.pointer("/permissions/allow"));
    if let Some(rule) = allow.iter().find(|r| matches!(r.as_str(), "Shell" | "Shell(*)" | "shell" | "Bash")) {
        risks.push(Risk::new(
            "broad-allow-rule",
            Severity::Medium,
            format!("{origin}: allow rule `{rule}` runs any shell command without asking"),
        ));
    }
    for key in ["allowAllTools", "allow_all_tools", "yolo"] {
        if doc.get(key).and_then(Value::as_bool) == Some(true) {
            risks.push(Risk::new(
                "approval-disabled",
                severity,
                format!("{origin}: `{key}` runs every tool without asking"),
            ));
        }
    }
    risks
}

fn agent_settings(mut agent: Artifact, managed: Option<&Settings>, user: Option<&Settings>) -> Artifact {
    let ordered: Vec<&Settings> = user.into_iter().chain(managed).collect();
    let last = |pointer: &str| ordered.iter().rev().find_map(|s| s.doc.pointer(pointer).cloned());
    for (attr, pointer) in [
        ("disable_bypass_permissions_mode", "/permissions/disableBypassPermissionsMode"),
        ("sandbox", "/sandbox"),
        ("disable_all_hooks", "/disableAllHooks"),
        ("model", "/model"),
    ] {
        if let Some(v) = last(pointer) {
            agent = agent.attr(attr, v);
        }
    }
    let mut deny: Vec<String> =
        ordered.iter().flat_map(|s| string_list(s.doc.pointer("/permissions/deny"))).collect();
    deny.sort();
    deny.dedup();
    let mut deny_read = deny_read_from_rules(&deny);
    deny_read.sort();
    deny_read.dedup();
    // Rules are command lines and paths as the user wrote them: scrubbed like any identity.
    let deny: Vec<String> = deny.iter().map(|r| scrub_text(r)).collect();
    let deny_read: Vec<String> = deny_read.iter().map(|r| scrub_text(r)).collect();
    agent = agent.attr("deny_rules", deny).attr("deny_read", deny_read);
    for s in &ordered {
        agent.risk.extend(settings_risks(&s.doc, &s.shown, Severity::High));
    }
    agent
}

/// Copilot CLI ignores a managed settings file that is a symlink or world-writable.
#[cfg(unix)]
fn ignored_managed_file(path: &Path) -> Option<&'static str> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        Some("the managed settings file is a symlink")
    } else if meta.permissions().mode() & 0o002 != 0 {
        Some("the managed settings file is world-writable")
    } else {
        None
    }
}

#[cfg(not(unix))]
fn ignored_managed_file(_path: &Path) -> Option<&'static str> {
    None
}
