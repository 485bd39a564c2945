//! Zed: installation, `context_servers` (MCP) in the user and project `settings.json`, the agent
//! tool permissions (`agent.tool_permissions`, pre-0.224 `agent.always_allow_tool_actions`), and
//! skills in `~/.agents/skills` and `<worktree>/.agents/skills`. Zed has no hooks.

use std::path::PathBuf;

use serde_json::Value;
use ward_model::{Artifact, Risk, Scope, Severity};

use super::probe::{agent_artifact, first_binary, push_mcp_servers, scan_skill_roots, scrub_value};
use crate::context::{Os, ScanContext};
use crate::inventory::Inventory;
use crate::read::read_json;
use crate::ClientScanner;

pub struct Zed;

const CLIENT: &str = "zed";

impl ClientScanner for Zed {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let config_dir = config_dir(cx);
        let settings_path = config_dir.join("settings.json");
        let settings = read_json(cx, inv, CLIENT, &settings_path);
        scan_agent(cx, &config_dir, settings.as_ref(), &settings_path, inv);
        if let Some(s) = &settings {
            if let Some(servers) = s.get("context_servers") {
                push_mcp_servers(inv, CLIENT, Scope::User, &cx.display(&settings_path), servers);
            }
        }
        for root in &cx.projects {
            let path = root.join(".zed/settings.json");
            if let Some(s) = read_json(cx, inv, CLIENT, &path) {
                if let Some(servers) = s.get("context_servers") {
                    push_mcp_servers(inv, CLIENT, Scope::Project, &cx.display(&path), servers);
                }
                // A project can loosen tool permissions for everyone who opens it.
                for r in permission_risks(&s, &cx.display(&path)) {
                    inv.finding(ward_model::FindingKind::Notice, CLIENT, &cx.display(&path), r.explanation);
                }
            }
        }
        scan_skill_roots(cx, inv, CLIENT, &[".agents/skills"], &[".agents/skills"]);
    }
}

fn config_dir(cx: &ScanContext) -> PathBuf {
    match cx.os {
        Os::Windows => cx.home_path("AppData/Roaming/Zed"),
        Os::Linux | Os::MacOs => cx.home_path(".config/zed"),
    }
}

fn scan_agent(
    cx: &ScanContext,
    config_dir: &std::path::Path,
    settings: Option<&Value>,
    settings_path: &std::path::Path,
    inv: &mut Inventory,
) {
    let binary = first_binary(cx, &["zed", "zeditor"]);
    let app = (cx.os == Os::MacOs).then(|| cx.system_path("/Applications/Zed.app")).filter(|p| p.is_dir());
    let proof = binary
        .clone()
        .or_else(|| app.clone())
        .or_else(|| crate::install::has_content(config_dir).then(|| config_dir.to_path_buf()));
    let Some(proof) = proof else { return };
    let shown = cx.display(&proof);
    let mut art = agent_artifact(CLIENT, "Zed agent", &shown, &shown);
    if let Some(b) = &binary {
        art = art.attr("binary", cx.display(b));
        if let Some(v) = version_from_install(b) {
            art = art.attr("version", v);
        }
    }
    if config_dir.is_dir() {
        art = art.attr("config_dir", cx.display(config_dir));
    }
    if let Some(s) = settings {
        art = permissions(art, s, &cx.display(settings_path));
    }
    inv.push(art);
}

/// Zed's Linux tarball installs to `~/.local/zed.app/…` and its own launcher links to
/// `…/zed-<version>.app`; take the version from such a path when present.
fn version_from_install(binary: &std::path::Path) -> Option<String> {
    let real = std::fs::canonicalize(binary).ok()?;
    real.components().find_map(|c| {
        let s = c.as_os_str().to_str()?;
        let v = s.strip_prefix("zed-")?.strip_suffix(".app")?;
        v.chars().next().is_some_and(|c| c.is_ascii_digit()).then(|| v.to_owned())
    })
}

fn permissions(mut art: Artifact, settings: &Value, shown: &str) -> Artifact {
    let agent = settings.get("agent");
    // External agents Zed runs over ACP (Claude Code, Gemini CLI, …): their own hooks apply.
    if let Some(servers) = settings.get("agent_servers").and_then(Value::as_object) {
        art = art.attr("agent_servers", servers.keys().cloned().collect::<Vec<_>>());
    }
    if let Some(v) = agent.and_then(|a| a.get("always_allow_tool_actions")) {
        art = art.attr("always_allow_tool_actions", v.clone());
    }
    if let Some(tp) = agent.and_then(|a| a.get("tool_permissions")) {
        art = art.attr("tool_permissions", scrub_value(tp));
        // `always_deny` patterns of the tools that read files are Zed's closest thing to deny-read.
        let mut deny_read = Vec::new();
        for tool in ["read_file", "grep", "find_path"] {
            if let Some(list) = tp.pointer(&format!("/tools/{tool}/always_deny")).and_then(Value::as_array) {
                deny_read.extend(
                    list.iter().filter_map(|r| r.get("pattern").and_then(Value::as_str)).map(str::to_owned),
                );
            }
        }
        deny_read.sort();
        deny_read.dedup();
        art = art.attr("deny_read", deny_read);
    }
    for r in permission_risks(settings, shown) {
        art = art.with_risk(r);
    }
    art
}

/// Risk flags of a settings document's agent permissions.
fn permission_risks(settings: &Value, shown: &str) -> Vec<Risk> {
    let mut out = Vec::new();
    let Some(agent) = settings.get("agent") else { return out };
    if agent.get("always_allow_tool_actions").and_then(Value::as_bool) == Some(true) {
        out.push(Risk::new(
            "approval-disabled",
            Severity::High,
            format!("{shown}: agent.always_allow_tool_actions runs every tool without asking"),
        ));
    }
    let tp = agent.get("tool_permissions");
    if tp.and_then(|t| t.get("default")).and_then(Value::as_str) == Some("allow") {
        out.push(Risk::new(
            "auto-approve-all",
            Severity::High,
            format!("{shown}: agent.tool_permissions.default is `allow`; tools run without asking"),
        ));
    }
    if tp.and_then(|t| t.pointer("/tools/terminal/default")).and_then(Value::as_str) == Some("allow") {
        out.push(Risk::new(
            "auto-approve-commands",
            Severity::High,
            format!("{shown}: terminal commands run without asking (tools.terminal.default = allow)"),
        ));
    }
    out
}
