//! Cline (VS Code-family extension `saoudrizwan.claude-dev` and the `cline` CLI): installation,
//! MCP servers in every editor's globalStorage `cline_mcp_settings.json` and the CLI's copy,
//! hook scripts (executables named after the event in `~/Documents/Cline/Hooks/`,
//! `~/.cline/hooks/`, `<repo>/.clinerules/hooks/`), skills, and the CLI's auto-approval state.

use std::path::Path;

use serde_json::{json, Value};
use ward_model::{Risk, Scope, Severity};

use super::probe::{
    extension_or_cli_agent, files_with_suffix, global_storage_dirs, global_storage_files, scan_mcp_json,
    scan_skill_roots, scrub_value, tag_editor,
};
use crate::context::{is_executable, ScanContext};
use crate::hooks::{hook_artifact, HookSource};
use crate::inventory::Inventory;
use crate::read::read_json;
use crate::ClientScanner;

pub struct Cline;

const CLIENT: &str = "cline";
const EXTENSION_ID: &str = "saoudrizwan.claude-dev";

/// Hook events Cline runs scripts for.
const EVENTS: [&str; 9] = [
    "TaskStart",
    "TaskResume",
    "TaskCancel",
    "TaskComplete",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PreCompact",
    "Notification",
];

impl ClientScanner for Cline {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        scan_agent(cx, inv);

        for (editor, path) in global_storage_files(cx, EXTENSION_ID, "settings/cline_mcp_settings.json") {
            let before = inv.artifacts.len();
            scan_mcp_json(cx, inv, CLIENT, Scope::User, &path, "mcpServers");
            tag_editor(inv, before, editor);
        }
        scan_mcp_json(
            cx,
            inv,
            CLIENT,
            Scope::User,
            &cx.home_path(".cline/data/settings/cline_mcp_settings.json"),
            "mcpServers",
        );

        let loc = crate::Locations::of_scan(cx);
        scan_hook_scripts(cx, inv, Scope::User, &loc.cline_hooks_dir());
        scan_hook_scripts(cx, inv, Scope::User, &loc.cline_cli_hooks_dir());
        for root in &cx.projects {
            scan_hook_scripts(cx, inv, Scope::Project, &crate::Locations::cline_project_hooks_dir(root));
        }

        scan_skill_roots(
            cx,
            inv,
            CLIENT,
            &[".cline/skills"],
            &[".cline/skills", ".clinerules/skills", ".claude/skills"],
        );
    }
}

fn scan_agent(cx: &ScanContext, inv: &mut Inventory) {
    let cli_home = cx.home_path(".cline");
    let Some(mut art) = extension_or_cli_agent(cx, (CLIENT, "Cline"), EXTENSION_ID, &["cline"], &cli_home)
    else {
        return;
    };

    // Enterprise controls pushed from a Cline organisation, cached beside the extension's
    // storage (⚠️ cache file name `remote_config_<org>.json`).
    let mut remote = Vec::new();
    for (_, dir) in global_storage_dirs(cx, EXTENSION_ID) {
        for file in files_with_suffix(&dir, &[".json"]) {
            let is_remote =
                file.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("remote_config_"));
            if !is_remote {
                continue;
            }
            let Some(doc) = read_json(cx, inv, CLIENT, &file) else { continue };
            let mut summary = serde_json::Map::new();
            summary.insert("source".into(), cx.display(&file).into());
            for key in [
                "mcpMarketplaceEnabled",
                "blockPersonalRemoteMCPServers",
                "yoloModeAllowed",
                "allowedMCPServers",
                "remoteMCPServers",
            ] {
                if let Some(v) = doc.get(key) {
                    summary.insert(key.into(), scrub_value(v));
                }
            }
            remote.push(Value::Object(summary));
        }
    }
    if !remote.is_empty() {
        art = art.attr("remote_config", remote);
    }

    // The CLI keeps its state as JSON (the extension keeps it in the editor's SQLite state).
    // ⚠️ key names follow Cline's `autoApprovalSettings` / YOLO toggle.
    let state_path = cx.home_path(".cline/data/globalState.json");
    if let Some(state) = read_json(cx, inv, CLIENT, &state_path) {
        let shown = cx.display(&state_path);
        if state.get("yoloModeToggled").and_then(Value::as_bool) == Some(true) {
            art = art.attr("yolo_mode", true).with_risk(Risk::new(
                "approval-disabled",
                Severity::High,
                format!("{shown}: YOLO mode is on; every tool call runs without asking"),
            ));
        }
        if let Some(auto) = state.get("autoApprovalSettings") {
            let enabled = auto.get("enabled").and_then(Value::as_bool).unwrap_or(true);
            let actions = auto.get("actions").cloned().unwrap_or(Value::Null);
            art = art.attr("auto_approve", json!({"enabled": enabled, "actions": scrub_value(&actions)}));
            let on = |k: &str| enabled && actions.get(k).and_then(Value::as_bool) == Some(true);
            if on("executeAllCommands") {
                art = art.with_risk(Risk::new(
                    "auto-approve-all",
                    Severity::High,
                    format!("{shown}: every terminal command is auto-approved"),
                ));
            } else if on("executeSafeCommands") {
                art = art.with_risk(Risk::new(
                    "auto-approve-commands",
                    Severity::Low,
                    format!("{shown}: commands the model calls safe are auto-approved"),
                ));
            }
            if on("useMcp") {
                art = art.with_risk(Risk::new(
                    "mcp-auto-approve-all",
                    Severity::Medium,
                    format!("{shown}: MCP tool calls are auto-approved"),
                ));
            }
        }
    }
    inv.push(art);
}

/// Each executable named after an event (Windows: `<Event>.ps1`) is a hook.
fn scan_hook_scripts(cx: &ScanContext, inv: &mut Inventory, scope: Scope, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<_> =
        entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    let dir_shown = cx.display(dir);
    for file in files {
        let Some(name) = file.file_name().and_then(|n| n.to_str()) else { continue };
        let event = name.strip_suffix(".ps1").unwrap_or(name);
        if !EVENTS.contains(&event) {
            continue;
        }
        let shown = cx.display(&file);
        let src = HookSource { client: CLIENT, scope, source: &shown };
        let handler = json!({"type": "command", "command": file.to_string_lossy()});
        let mut art = hook_artifact(cx, &src, event, None, &handler, "0")
            .attr("command", shown.clone())
            .attr("hooks_dir", dir_shown.as_str())
            .attr("executable", is_executable(&file) || name.ends_with(".ps1"));
        art.identity = shown;
        inv.push(art);
    }
}
