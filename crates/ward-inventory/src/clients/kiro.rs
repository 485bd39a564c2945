//! Kiro (VS Code-based IDE `kiro` and `kiro-cli`, successor of the Amazon Q CLI): installation,
//! `settings/mcp.json` (user and workspace), CLI agent JSON files (Amazon Q format), standalone
//! CLI hook files `hooks/*.json`, IDE hooks `.kiro/hooks/*.kiro.hook`, skills, and the
//! extensions in `~/.kiro/extensions`.

use std::path::Path;

use serde_json::{json, Value};
use ward_model::{Risk, Scope, Severity};

use super::vscode::setting;

use super::amazon_q::AgentFiles;
use super::probe::{
    agent_artifact, electron_app_version, files_with_suffix, first_binary, scan_mcp_json, scan_skill_roots,
    strings,
};
use crate::context::{Os, ScanContext};
use crate::extensions::{installed, scan_editor_extensions};
use crate::hooks::{hook_artifact, HookSource};
use crate::inventory::Inventory;
use crate::read::read_json;
use crate::sanitize::scrub_text;
use crate::ClientScanner;

pub struct Kiro;

const CLIENT: &str = "kiro";

impl ClientScanner for Kiro {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let extensions = installed(cx);
        scan_editor_extensions(cx, inv, &extensions, CLIENT);

        let user_dir = cx.home_path(".kiro");
        let mut agents = AgentFiles::default();
        let mut scan_dir = |inv: &mut Inventory, dir: &Path, scope: Scope| {
            scan_mcp_json(cx, inv, CLIENT, scope, &dir.join("settings/mcp.json"), "mcpServers");
            for file in files_with_suffix(&dir.join("agents"), &[".json"]) {
                agents.scan_file(cx, inv, CLIENT, scope, &file);
            }
            for file in files_with_suffix(&dir.join("hooks"), &[".json"]) {
                scan_cli_hook_file(cx, inv, scope, &file);
            }
            for file in files_with_suffix(&dir.join("hooks"), &[".kiro.hook"]) {
                scan_ide_hook_file(cx, inv, scope, &file);
            }
        };
        scan_dir(inv, &user_dir, Scope::User);
        for root in &cx.projects {
            scan_dir(inv, &root.join(".kiro"), Scope::Project);
        }
        scan_skill_roots(cx, inv, CLIENT, &[".kiro/skills"], &[".kiro/skills"]);

        let ide = first_binary(cx, &["kiro"]);
        let cli = first_binary(cx, &["kiro-cli"]);
        let app =
            (cx.os == Os::MacOs).then(|| cx.system_path("/Applications/Kiro.app")).filter(|p| p.is_dir());
        let proof = ide
            .clone()
            .or_else(|| cli.clone())
            .or_else(|| app.clone())
            .or_else(|| crate::install::has_content(&user_dir).then(|| user_dir.clone()));
        let Some(proof) = proof else { return };
        let shown = cx.display(&proof);
        let mut art = agent_artifact(CLIENT, "Kiro", &shown, &shown);
        let version = ide.as_deref().and_then(electron_app_version).or_else(|| {
            app.as_deref()
                .and_then(|a| super::probe::package_version(&a.join("Contents/Resources/app/package.json")))
        });
        if let Some(v) = version {
            art = art.attr("version", v);
        }
        if let Some(b) = &ide {
            art = art.attr("binary", cx.display(b));
        }
        if let Some(b) = &cli {
            art = art.attr("cli_binary", cx.display(b));
        }
        if user_dir.is_dir() {
            art = art.attr("config_dir", cx.display(&user_dir));
        }
        // The IDE's own auto-approval list (⚠️ setting name from Kiro's settings UI).
        let settings_path = cx.editor_user_data("Kiro").join("User/settings.json");
        if let Some(settings) = read_json(cx, inv, CLIENT, &settings_path) {
            let trusted = strings(setting(&settings, "kiroAgent.trustedCommands"));
            if trusted.iter().any(|c| matches!(c.trim(), "*" | "**")) {
                art = art.with_risk(Risk::new(
                    "auto-approve-all",
                    Severity::High,
                    format!("{}: kiroAgent.trustedCommands trusts every command", cx.display(&settings_path)),
                ));
            }
            art = art.attr("trusted_commands", trusted);
        }
        inv.push(agents.apply(art));
    }
}

/// CLI v3: `{"version": "v1", "hooks": [{"name", "trigger", "matcher", "action": {"type",
/// "command"}, "timeout", "enabled"}]}`.
fn scan_cli_hook_file(cx: &ScanContext, inv: &mut Inventory, scope: Scope, path: &Path) {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return };
    let shown = cx.display(path);
    let src = HookSource { client: CLIENT, scope, source: &shown };
    match doc.get("hooks") {
        Some(Value::Array(list)) => {
            for (i, h) in list.iter().enumerate() {
                let event = h.get("trigger").and_then(Value::as_str).unwrap_or("unknown");
                let matcher = h.get("matcher").and_then(Value::as_str);
                let action = h.get("action").unwrap_or(&Value::Null);
                let mut handler = json!({
                    "type": action.get("type").cloned().unwrap_or(Value::from("command")),
                    "command": action.get("command").cloned().unwrap_or(Value::Null),
                });
                if let Some(t) = h.get("timeout") {
                    handler["timeout"] = t.clone();
                }
                let mut art = hook_artifact(cx, &src, event, matcher, &handler, &i.to_string());
                if let Some(n) = h.get("name").and_then(Value::as_str) {
                    art = art.attr("hook_name", scrub_text(n));
                }
                art = art.attr("enabled", h.get("enabled").and_then(Value::as_bool).unwrap_or(true));
                inv.push(art);
            }
        }
        // Agent-format hooks map in a standalone file.
        Some(Value::Object(_)) => super::probe::push_hooks(cx, inv, CLIENT, scope, path, &doc),
        _ => {}
    }
}

/// IDE: `{"enabled", "name", "when": {"type", "patterns", "toolTypes"}, "then": {"type":
/// "askAgent" | "runCommand", "prompt" | "command"}}`.
fn scan_ide_hook_file(cx: &ScanContext, inv: &mut Inventory, scope: Scope, path: &Path) {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return };
    let shown = cx.display(path);
    let src = HookSource { client: CLIENT, scope, source: &shown };
    let event = doc.pointer("/when/type").and_then(Value::as_str).unwrap_or("unknown");
    let matcher = ["toolTypes", "patterns"]
        .iter()
        .filter_map(|k| doc.pointer(&format!("/when/{k}")).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(",");
    let then = doc.get("then").unwrap_or(&Value::Null);
    let kind = then.get("type").and_then(Value::as_str).unwrap_or("unknown");
    let handler = json!({"type": kind, "command": then.get("command").cloned().unwrap_or(Value::Null)});
    let matcher = (!matcher.is_empty()).then_some(matcher);
    let mut art = hook_artifact(cx, &src, event, matcher.as_deref(), &handler, "0")
        .attr("enabled", doc.get("enabled").and_then(Value::as_bool).unwrap_or(true));
    if let Some(n) = doc.get("name").and_then(Value::as_str) {
        art = art.attr("hook_name", scrub_text(n));
    }
    if kind == "askAgent" {
        // The action is a prompt to the agent, not a program; identify the hook by its file.
        art.identity = format!("askAgent {shown}");
    }
    inv.push(art);
}
