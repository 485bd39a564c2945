//! Cursor (IDE and the `agent` / `cursor-agent` CLI): installation, `mcp.json` (user and
//! project), `hooks.json` (enterprise, user, project), skills, local plugins, the extensions in
//! `~/.cursor/extensions`, and the permission settings of `permissions.json` and the CLI's
//! `cli-config.json` / `.cursor/cli.json`.

use std::path::Path;

use serde_json::Value;
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use super::probe::{
    agent_artifact, files_with_suffix, push_hooks, scan_hooks_json, scan_mcp_json, scan_skill_roots,
    scrub_value, strings, version_from_versions_dir,
};
use crate::context::{Os, ScanContext};
use crate::extensions::{installed, scan_editor_extensions};
use crate::inventory::Inventory;
use crate::locations::Locations;
use crate::read::read_json;
use crate::sanitize::scrub_text;
use crate::ClientScanner;

pub struct Cursor;

const CLIENT: &str = "cursor";

impl ClientScanner for Cursor {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let extensions = installed(cx);
        scan_editor_extensions(cx, inv, &extensions, CLIENT);
        scan_agent(cx, inv);

        // MCP.
        scan_mcp_json(cx, inv, CLIENT, Scope::User, &cx.home_path(".cursor/mcp.json"), "mcpServers");
        for root in &cx.projects {
            scan_mcp_json(cx, inv, CLIENT, Scope::Project, &root.join(".cursor/mcp.json"), "mcpServers");
        }

        // Hooks: enterprise, user, project (all of them run).
        let enterprise = Locations::of_scan(cx).cursor_enterprise_hooks();
        scan_hooks_json(cx, inv, CLIENT, Scope::Managed, &enterprise);
        scan_hooks_json(cx, inv, CLIENT, Scope::User, &Locations::of_scan(cx).cursor_user_hooks());
        for root in &cx.projects {
            scan_hooks_json(cx, inv, CLIENT, Scope::Project, &Locations::cursor_project_hooks(root));
        }

        scan_skill_roots(
            cx,
            inv,
            CLIENT,
            &[".cursor/skills", ".agents/skills", ".claude/skills", ".codex/skills"],
            &[".cursor/skills", ".agents/skills", ".claude/skills", ".codex/skills"],
        );
        scan_plugins(cx, inv);
    }
}

fn scan_agent(cx: &ScanContext, inv: &mut Inventory) {
    let ide_binary = cx.which("cursor");
    // `agent` is a generic name: only count it when it resolves into a Cursor install.
    let cli_binary = cx.which("cursor-agent").or_else(|| {
        cx.which("agent").filter(|p| {
            std::fs::canonicalize(p).map(|r| r.to_string_lossy().contains("cursor")).unwrap_or(false)
        })
    });
    let config_dir = cx.home_path(".cursor");
    let user_data = cx.editor_user_data("Cursor");
    let app = (cx.os == Os::MacOs).then(|| cx.system_path("/Applications/Cursor.app")).filter(|p| p.is_dir());

    let identity_path = ide_binary
        .clone()
        .or_else(|| cli_binary.clone())
        .or_else(|| app.clone())
        .or_else(|| crate::install::has_content(&config_dir).then(|| config_dir.clone()))
        .or_else(|| crate::install::has_content(&user_data).then(|| user_data.clone()));
    let Some(identity_path) = identity_path else { return };
    let shown = cx.display(&identity_path);

    let mut art = agent_artifact(CLIENT, "Cursor", &shown, &shown);
    let version = super::probe::editor_version(ide_binary.as_deref(), app.as_deref());
    if let Some(v) = version {
        art = art.attr("version", v);
    }
    if let Some(b) = &ide_binary {
        art = art.attr("binary", cx.display(b));
    }
    if let Some(b) = &cli_binary {
        art = art.attr("cli_binary", cx.display(b));
        if let Some(v) = version_from_versions_dir(b) {
            art = art.attr("cli_version", v);
        }
    }
    if config_dir.is_dir() {
        art = art.attr("config_dir", cx.display(&config_dir));
    }
    if user_data.is_dir() {
        art = art.attr("user_data_dir", cx.display(&user_data));
    }

    let mut deny_read = Vec::new();
    art = permissions_settings(cx, inv, art, &cx.home_path(".cursor/permissions.json"), true);
    for root in &cx.projects {
        art = permissions_settings(cx, inv, art, &root.join(".cursor/permissions.json"), false);
    }
    // The CLI reads `$XDG_CONFIG_HOME/cursor/cli-config.json` when set, else `~/.cursor/`.
    for cli_config in
        [cx.home_path(".cursor/cli-config.json"), cx.home_path(".config/cursor/cli-config.json")]
    {
        art = cli_settings(cx, inv, art, &cli_config, Scope::User, &mut deny_read);
    }
    for root in &cx.projects {
        art = cli_settings(cx, inv, art, &root.join(".cursor/cli.json"), Scope::Project, &mut deny_read);
    }
    if let Some(sandbox) = read_json(cx, inv, CLIENT, &cx.home_path(".cursor/sandbox.json")) {
        art = art.attr("sandbox", scrub_value(&sandbox));
    }
    deny_read.sort();
    deny_read.dedup();
    art = art.attr("deny_read", deny_read);
    inv.push(art);
}

/// `permissions.json` (`~/.cursor/` or a workspace's `.cursor/`): `mcpAllowlist`,
/// `terminalAllowlist`, `autoRun`. Project files add their risks; only the user file's lists are
/// recorded as the agent's settings.
fn permissions_settings(
    cx: &ScanContext,
    inv: &mut Inventory,
    mut art: Artifact,
    path: &Path,
    record: bool,
) -> Artifact {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return art };
    let terminal = strings(doc.get("terminalAllowlist"));
    let mcp = strings(doc.get("mcpAllowlist"));
    if terminal.iter().any(|c| matches!(c.trim(), "*" | "**" | ".*")) {
        art = art.with_risk(Risk::new(
            "auto-approve-all",
            Severity::High,
            format!("{}: terminalAllowlist allows every command to run without asking", cx.display(path)),
        ));
    }
    if mcp.iter().any(|c| matches!(c.trim(), "*" | "*:*" | "*/*")) {
        art = art.with_risk(Risk::new(
            "mcp-auto-approve-all",
            Severity::Medium,
            format!("{}: mcpAllowlist allows every MCP tool to run without asking", cx.display(path)),
        ));
    }
    if !record {
        return art;
    }
    art = art.attr("terminal_allowlist", terminal).attr("mcp_allowlist", mcp);
    if let Some(auto_run) = doc.get("autoRun") {
        art = art.attr("auto_run", scrub_value(auto_run));
    }
    art
}

/// CLI `permissions.allow/deny` and `approvalMode` from `cli-config.json` / `.cursor/cli.json`.
fn cli_settings(
    cx: &ScanContext,
    inv: &mut Inventory,
    mut art: Artifact,
    path: &Path,
    scope: Scope,
    deny_read: &mut Vec<String>,
) -> Artifact {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return art };
    let shown = cx.display(path);
    let perms = doc.get("permissions");
    let allow = strings(perms.and_then(|p| p.get("allow")));
    let deny = strings(perms.and_then(|p| p.get("deny")));
    for rule in &deny {
        if let Some(glob) = rule.strip_prefix("Read(").and_then(|r| r.strip_suffix(')')) {
            deny_read.push(glob.to_owned());
        }
    }
    if allow.iter().any(|r| matches!(r.replace(' ', "").as_str(), "Shell(*)" | "Shell(**)" | "Shell" | "*")) {
        art = art.with_risk(Risk::new(
            "auto-approve-all",
            Severity::High,
            format!("{shown}: the CLI may run any shell command without asking (`Shell(*)` allowed)"),
        ));
    }
    if allow.iter().any(|r| matches!(r.replace(' ', "").as_str(), "Mcp(*)" | "Mcp(*,*)" | "Mcp(**)")) {
        art = art.with_risk(Risk::new(
            "mcp-auto-approve-all",
            Severity::Medium,
            format!("{shown}: the CLI may call any MCP tool without asking (`Mcp(*, *)` allowed)"),
        ));
    }
    let key = if scope == Scope::Project { "cli_project_permissions" } else { "cli_permissions" };
    let mut settings = serde_json::Map::new();
    settings.insert("source".into(), shown.clone().into());
    settings.insert("allow".into(), allow.into());
    settings.insert("deny".into(), deny.into());
    if let Some(mode) = doc.get("approvalMode").and_then(Value::as_str) {
        settings.insert("approvalMode".into(), mode.into());
        if matches!(
            mode.to_ascii_lowercase().as_str(),
            "yolo" | "auto" | "never" | "full-auto" | "unrestricted"
        ) {
            art = art.with_risk(Risk::new(
                "approval-disabled",
                Severity::High,
                format!("{shown}: approvalMode `{mode}` runs tools without asking"),
            ));
        }
    }
    let mut list = art.attributes.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    list.push(Value::Object(settings));
    art.attr(key, list)
}

/// Local plugins: `~/.cursor/plugins/local/<name>/` (and `~/.cursor/plugins/<name>/`) with a
/// `.cursor-plugin/plugin.json` manifest; a plugin's own `hooks/hooks.json` and `mcp.json`.
fn scan_plugins(cx: &ScanContext, inv: &mut Inventory) {
    for base in [cx.home_path(".cursor/plugins/local"), cx.home_path(".cursor/plugins")] {
        let Ok(entries) = std::fs::read_dir(&base) else { continue };
        let mut dirs: Vec<_> =
            entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
        dirs.sort();
        for dir in dirs {
            let manifest = dir.join(".cursor-plugin/plugin.json");
            if !manifest.is_file() {
                continue;
            }
            let doc = read_json(cx, inv, CLIENT, &manifest).unwrap_or(Value::Null);
            let folder = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let name = doc.get("name").and_then(Value::as_str).unwrap_or(&folder).to_owned();
            let mut art = Artifact::new(
                ArtifactKind::Plugin,
                CLIENT,
                &name,
                Scope::User,
                cx.display(&manifest),
                cx.display(&dir),
            );
            for key in ["version", "description"] {
                if let Some(v) = doc.get(key).and_then(Value::as_str) {
                    art = art.attr(key, scrub_text(v));
                }
            }
            if let Some(author) =
                doc.pointer("/author/name").or_else(|| doc.get("author")).and_then(Value::as_str)
            {
                art = art.attr("author", scrub_text(author));
            }
            inv.push(art);
            for hooks in [dir.join("hooks/hooks.json"), dir.join("hooks.json")] {
                if let Some(h) = read_json(cx, inv, CLIENT, &hooks) {
                    push_hooks(cx, inv, CLIENT, Scope::User, &hooks, &h);
                }
            }
            for mcp in files_with_suffix(&dir, &["mcp.json"]) {
                scan_mcp_json(cx, inv, CLIENT, Scope::User, &mcp, "mcpServers");
            }
        }
    }
}
