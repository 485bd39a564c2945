//! Visual Studio Code with GitHub Copilot agent mode, and its siblings Insiders, VSCodium and the
//! VS Code server: installation and Copilot extension, chat/agent settings and the managed
//! `/etc/vscode/policy.json`, MCP servers (`mcp.json` `servers` in the user profile and in
//! `.vscode/`, the legacy settings `mcp` key, dev containers), `.github/hooks/*.json` hooks,
//! skills, and the extensions of every VS Code flavour.

use std::path::Path;

use serde_json::Value;
use ward_model::{Risk, Scope, Severity};

use super::probe::{
    agent_artifact, electron_app_version, extension_source, files_with_suffix, first_binary, push_hooks,
    push_mcp_servers, scan_mcp_json, scan_skill_roots, scrub_value,
};
use crate::context::ScanContext;
use crate::extensions::{installed, scan_editor_extensions, ExtensionIndex};
use crate::inventory::Inventory;
use crate::read::read_json;
use crate::skills::scan_skill_root;
use crate::ClientScanner;

pub struct VsCode;

const CLIENT: &str = "vscode";

/// A VS Code flavour: client name, user-data folder name, launcher binaries.
struct Flavour {
    client: &'static str,
    user_data: &'static str,
    binaries: &'static [&'static str],
}

const FLAVOURS: [Flavour; 3] = [
    Flavour { client: "vscode", user_data: "Code", binaries: &["code"] },
    Flavour { client: "vscode-insiders", user_data: "Code - Insiders", binaries: &["code-insiders"] },
    Flavour { client: "vscodium", user_data: "VSCodium", binaries: &["codium", "vscodium"] },
];

const COPILOT_IDS: [&str; 2] = ["github.copilot-chat", "github.copilot"];

impl ClientScanner for VsCode {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let extensions = installed(cx);
        for editor in ["vscode", "vscode-insiders", "vscodium", "vscode-server"] {
            scan_editor_extensions(cx, inv, &extensions, editor);
        }
        let policy = read_json(cx, inv, CLIENT, &cx.system_path("/etc/vscode/policy.json"));

        for flavour in &FLAVOURS {
            let user_dir = cx.editor_user_data(flavour.user_data).join("User");
            let settings_path = user_dir.join("settings.json");
            let settings = read_json(cx, inv, flavour.client, &settings_path);
            scan_agent(cx, inv, flavour, &extensions, settings.as_ref(), &settings_path, policy.as_ref());

            // User MCP: the profile's mcp.json, named profiles, and the legacy settings key.
            scan_mcp_json(cx, inv, flavour.client, Scope::User, &user_dir.join("mcp.json"), "servers");
            for profile in subdirs(&user_dir.join("profiles")) {
                scan_mcp_json(cx, inv, flavour.client, Scope::User, &profile.join("mcp.json"), "servers");
            }
            if let Some(s) = &settings {
                if let Some(servers) = setting(s, "mcp").and_then(|m| m.get("servers")) {
                    push_mcp_servers(inv, flavour.client, Scope::User, &cx.display(&settings_path), servers);
                }
                scan_extra_locations(cx, inv, flavour.client, s, None);
            }
        }
        // ⚠️ The VS Code server keeps the remote side's user profile under `data/User`.
        scan_mcp_json(
            cx,
            inv,
            "vscode-server",
            Scope::User,
            &cx.home_path(".vscode-server/data/User/mcp.json"),
            "servers",
        );

        for root in &cx.projects {
            scan_mcp_json(cx, inv, CLIENT, Scope::Project, &root.join(".vscode/mcp.json"), "servers");
            let ws_settings = root.join(".vscode/settings.json");
            if let Some(s) = read_json(cx, inv, CLIENT, &ws_settings) {
                if let Some(servers) = setting(&s, "mcp").and_then(|m| m.get("servers")) {
                    push_mcp_servers(inv, CLIENT, Scope::Project, &cx.display(&ws_settings), servers);
                }
                scan_extra_locations(cx, inv, CLIENT, &s, Some(root));
            }
            for dc in [root.join(".devcontainer/devcontainer.json"), root.join(".devcontainer.json")] {
                if let Some(d) = read_json(cx, inv, CLIENT, &dc) {
                    if let Some(servers) = d.pointer("/customizations/vscode/mcp/servers") {
                        push_mcp_servers(inv, CLIENT, Scope::Project, &cx.display(&dc), servers);
                    }
                }
            }
            // Workspace hooks (shared with Copilot CLI, which reports them under its own name).
            for file in files_with_suffix(&root.join(".github/hooks"), &[".json"]) {
                if let Some(doc) = read_json(cx, inv, CLIENT, &file) {
                    push_hooks(cx, inv, CLIENT, Scope::Project, &file, &doc);
                }
            }
        }

        scan_skill_roots(
            cx,
            inv,
            CLIENT,
            &[".copilot/skills", ".claude/skills", ".agents/skills"],
            &[".github/skills", ".claude/skills", ".agents/skills"],
        );
    }
}

/// Skill roots added by `chat.agentSkillsLocations` and hook folders added by
/// `chat.hookFilesLocations` (⚠️ setting name unconfirmed).
fn scan_extra_locations(
    cx: &ScanContext,
    inv: &mut Inventory,
    client: &str,
    settings: &Value,
    project: Option<&Path>,
) {
    for (scope, dir) in extra_locations(cx, settings, "chat.agentSkillsLocations", project) {
        scan_skill_root(cx, inv, client, scope, &dir);
    }
    for (scope, dir) in extra_locations(cx, settings, "chat.hookFilesLocations", project) {
        for file in files_with_suffix(&dir, &[".json"]) {
            if let Some(doc) = read_json(cx, inv, client, &file) {
                push_hooks(cx, inv, client, scope, &file, &doc);
            }
        }
    }
}

/// The folders a `{"<path>": true}` (or list) location setting names: `~/…` under the home,
/// absolute as is, relative against each project (or the project whose workspace settings
/// named it).
fn extra_locations(
    cx: &ScanContext,
    settings: &Value,
    key: &str,
    project: Option<&Path>,
) -> Vec<(Scope, std::path::PathBuf)> {
    let locations: Vec<String> = match setting(settings, key) {
        Some(Value::Object(map)) => {
            map.iter().filter(|(_, on)| on.as_bool() != Some(false)).map(|(k, _)| k.clone()).collect()
        }
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for loc in locations {
        if let Some(rest) = loc.strip_prefix("~/") {
            out.push((Scope::User, cx.home_path(rest)));
        } else if Path::new(&loc).is_absolute() {
            out.push((Scope::User, Path::new(&loc).to_path_buf()));
        } else {
            match project {
                Some(p) => out.push((Scope::Project, p.join(&loc))),
                None => out.extend(cx.projects.iter().map(|p| (Scope::Project, p.join(&loc)))),
            }
        }
    }
    out
}

fn subdirs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

/// A VS Code setting, written flat (`"chat.tools.global.autoApprove": true`) or nested.
pub fn setting<'a>(settings: &'a Value, dotted: &str) -> Option<&'a Value> {
    if let Some(v) = settings.get(dotted) {
        return Some(v);
    }
    let mut cur = settings;
    for part in dotted.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

fn scan_agent(
    cx: &ScanContext,
    inv: &mut Inventory,
    flavour: &Flavour,
    extensions: &ExtensionIndex,
    settings: Option<&Value>,
    settings_path: &Path,
    policy: Option<&Value>,
) {
    let editor = flavour.client;
    let copilot = COPILOT_IDS.iter().find_map(|id| extensions.in_editor(editor, id));
    let binary = first_binary(cx, flavour.binaries);
    let user_data = cx.editor_user_data(flavour.user_data);
    let identity = match (copilot, &binary) {
        (Some(ext), _) => ext.id.clone(),
        (None, Some(b)) => cx.display(b),
        (None, None) if user_data.is_dir() => cx.display(&user_data),
        _ => return,
    };
    let source = copilot
        .map(|e| extension_source(cx, e))
        .or_else(|| binary.as_ref().map(|b| cx.display(b)))
        .unwrap_or_else(|| cx.display(&user_data));
    let mut art = agent_artifact(editor, "Copilot agent", &source, &identity);
    if let Some(ext) = copilot {
        art = art.attr("version", ext.version.as_str()).attr("extension", ext.id.as_str());
    }
    if let Some(b) = &binary {
        art = art.attr("binary", cx.display(b));
        if let Some(v) = electron_app_version(b) {
            art = art.attr("editor_version", v);
        }
    }
    if user_data.is_dir() {
        art = art.attr("config_dir", cx.display(&user_data));
    }

    if let Some(s) = settings {
        let shown = cx.display(settings_path);
        let global =
            setting(s, "chat.tools.global.autoApprove").or_else(|| setting(s, "chat.tools.autoApprove"));
        if let Some(v) = global {
            art = art.attr("chat_tools_auto_approve", v.clone());
            if v.as_bool() == Some(true) {
                art = art.with_risk(Risk::new(
                    "auto-approve-all",
                    Severity::High,
                    format!("{shown}: chat.tools.global.autoApprove runs every agent tool without asking"),
                ));
            }
        }
        if let Some(rules) = setting(s, "chat.tools.terminal.autoApprove").and_then(Value::as_object) {
            let allowed: Vec<String> =
                rules.iter().filter(|(_, v)| is_approved(v)).map(|(k, _)| k.clone()).collect();
            if allowed.iter().any(|k| matches!(k.as_str(), "/.*/" | "/.+/" | "*" | "/^.*$/")) {
                art = art.with_risk(Risk::new(
                    "auto-approve-all",
                    Severity::High,
                    format!("{shown}: chat.tools.terminal.autoApprove approves every terminal command"),
                ));
            }
            art = art.attr("terminal_auto_approve", allowed);
        }
        // `{"<glob>": true}`: files matching an approved glob are edited without asking.
        if let Some(rules) = setting(s, "chat.tools.edits.autoApprove").and_then(Value::as_object) {
            let approved: Vec<String> =
                rules.iter().filter(|(_, v)| v.as_bool() == Some(true)).map(|(k, _)| k.clone()).collect();
            if approved.iter().any(|g| matches!(g.as_str(), "**" | "**/*" | "*")) {
                art = art.with_risk(Risk::new(
                    "auto-approve-edits",
                    Severity::Medium,
                    format!(
                        "{shown}: chat.tools.edits.autoApprove lets the agent edit any file without asking"
                    ),
                ));
            }
            art = art.attr("edits_auto_approve", approved);
        }
        // Without workspace trust, a cloned repository's MCP servers and hooks start unprompted.
        if setting(s, "security.workspace.trust.enabled").and_then(Value::as_bool) == Some(false) {
            art = art.attr("workspace_trust", false).with_risk(Risk::new(
                "workspace-trust-disabled",
                Severity::Medium,
                format!("{shown}: workspace trust is off; project MCP servers and hooks run without a trust prompt"),
            ));
        }
        for key in [
            "chat.tools.terminal.enableAutoApprove",
            "chat.mcp.access",
            "chat.useHooks",
            "chat.agent.enabled",
            "chat.mcp.discovery.enabled",
        ] {
            if let Some(v) = setting(s, key) {
                art = art.attr(key, scrub_value(v));
            }
        }
        let skill_locations = setting(s, "chat.agentSkillsLocations");
        if let Some(v) = skill_locations {
            art = art.attr("chat.agentSkillsLocations", scrub_value(v));
        }
    }
    if let Some(p) = policy {
        // Managed policy wins over user settings; keep what it pins.
        art = art.attr("policy", scrub_value(p));
        if p.get("ChatToolsAutoApprove").and_then(Value::as_bool) == Some(false) {
            art = art.attr("auto_approve_disabled_by_policy", true);
        }
    }
    inv.push(art);
}

/// A terminal auto-approve rule value: `true` or `{"approve": true, …}`.
fn is_approved(v: &Value) -> bool {
    v.as_bool() == Some(true) || v.get("approve").and_then(Value::as_bool) == Some(true)
}
