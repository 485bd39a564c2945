//! Continue (VS Code/JetBrains extension `Continue.continue`, CLI `cn`): installation, MCP servers
//! in `~/.continue/config.yaml` (a YAML list), the legacy `config.json`, and the block files in
//! `~/.continue/mcpServers/` and `<repo>/.continue/mcpServers/` (YAML blocks or JSON in the
//! Claude/Cursor `mcpServers` shape), Claude-format hooks in `~/.continue/settings.json` and
//! `.continue/settings(.local).json`, and the CLI tool permissions in `permissions.yaml`.

use std::path::Path;

use serde_json::{json, Value};
use ward_model::{Artifact, Risk, Scope, Severity};

use super::probe::{extension_or_cli_agent, files_with_suffix, push_hooks, push_mcp_servers};
use crate::context::ScanContext;
use crate::inventory::Inventory;
use crate::mcp::{server_artifact, McpSource};
use crate::read::{read_json, read_yaml};
use crate::ClientScanner;

pub struct Continue;

const CLIENT: &str = "continue";
const EXTENSION_ID: &str = "continue.continue";

impl ClientScanner for Continue {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        scan_agent(cx, inv);

        let home = cx.home_path(".continue");
        for name in ["config.yaml", "config.yml"] {
            let path = home.join(name);
            if let Some(doc) = read_yaml(cx, inv, CLIENT, &path) {
                push_yaml_servers(cx, inv, Scope::User, &path, &doc);
            }
        }
        scan_legacy_config_json(cx, inv, &home.join("config.json"));
        scan_block_dir(cx, inv, Scope::User, &home.join("mcpServers"));
        for name in ["settings.json", "settings.local.json"] {
            scan_settings_hooks(cx, inv, Scope::User, &home.join(name));
        }
        for root in &cx.projects {
            let dir = root.join(".continue");
            scan_block_dir(cx, inv, Scope::Project, &dir.join("mcpServers"));
            for name in ["settings.json", "settings.local.json"] {
                scan_settings_hooks(cx, inv, Scope::Project, &dir.join(name));
            }
        }
    }
}

fn scan_agent(cx: &ScanContext, inv: &mut Inventory) {
    let home = cx.home_path(".continue");
    let Some(mut art) = extension_or_cli_agent(cx, (CLIENT, "Continue"), EXTENSION_ID, &["cn"], &home) else {
        return;
    };
    art = permissions(cx, inv, art, &home.join("permissions.yaml"));
    inv.push(art);
}

/// `permissions.yaml`: `allow:`, `ask:`, `exclude:` lists of tool patterns (`Bash(npm test*)`).
fn permissions(cx: &ScanContext, inv: &mut Inventory, mut art: Artifact, path: &Path) -> Artifact {
    let Some(doc) = read_yaml(cx, inv, CLIENT, path) else { return art };
    let list = |k: &str| -> Vec<String> {
        doc.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .or_else(|| v.get("tool").and_then(Value::as_str).map(str::to_owned))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let allow = list("allow");
    let exclude = list("exclude");
    let shown = cx.display(path);
    if allow.iter().any(|p| matches!(p.replace(' ', "").as_str(), "*" | "Bash" | "Bash(*)" | "Bash(**)")) {
        art = art.with_risk(Risk::new(
            "auto-approve-all",
            Severity::High,
            format!("{shown}: shell commands are allowed without asking"),
        ));
    }
    let deny_read: Vec<String> = exclude
        .iter()
        .filter_map(|p| p.strip_prefix("Read(").and_then(|r| r.strip_suffix(')')).map(str::to_owned))
        .collect();
    art.attr("permissions", json!({"source": shown, "allow": allow, "ask": list("ask"), "exclude": exclude}))
        .attr("deny_read", deny_read)
}

/// `mcpServers:` in config.yaml and block files: a list of `{name, type, command, args, env}`
/// (a map in the Claude shape is accepted too).
fn push_yaml_servers(cx: &ScanContext, inv: &mut Inventory, scope: Scope, path: &Path, doc: &Value) {
    let shown = cx.display(path);
    match doc.get("mcpServers") {
        Some(Value::Array(list)) => {
            let src = McpSource { client: CLIENT, scope, source: &shown };
            for (i, entry) in list.iter().enumerate() {
                // `- uses: owner/block` pulls a block from the Continue hub; the name is the reference.
                let uses = entry.get("uses").and_then(Value::as_str);
                let name = entry
                    .get("name")
                    .and_then(Value::as_str)
                    .or(uses)
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("server-{i}"));
                let mut art = server_artifact(&src, &name, entry);
                if let Some(u) = uses {
                    art = art.attr("uses", u);
                    if art.identity.is_empty() {
                        art.identity = format!("uses {u}");
                    }
                }
                inv.push(art);
            }
        }
        Some(map @ Value::Object(_)) => push_mcp_servers(inv, CLIENT, scope, &shown, map),
        _ => {}
    }
}

/// Legacy `config.json`: `experimental.modelContextProtocolServers: [{transport: {…}}]`.
fn scan_legacy_config_json(cx: &ScanContext, inv: &mut Inventory, path: &Path) {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return };
    let shown = cx.display(path);
    if let Some(list) = doc.pointer("/experimental/modelContextProtocolServers").and_then(Value::as_array) {
        let src = McpSource { client: CLIENT, scope: Scope::User, source: &shown };
        for (i, entry) in list.iter().enumerate() {
            let transport = entry.get("transport").unwrap_or(entry);
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("server-{i}"));
            inv.push(server_artifact(&src, &name, transport));
        }
    }
    if let Some(map) = doc.get("mcpServers") {
        push_mcp_servers(inv, CLIENT, Scope::User, &shown, map);
    }
}

fn scan_block_dir(cx: &ScanContext, inv: &mut Inventory, scope: Scope, dir: &Path) {
    for file in files_with_suffix(dir, &[".yaml", ".yml"]) {
        if let Some(doc) = read_yaml(cx, inv, CLIENT, &file) {
            push_yaml_servers(cx, inv, scope, &file, &doc);
        }
    }
    for file in files_with_suffix(dir, &[".json"]) {
        if let Some(doc) = read_json(cx, inv, CLIENT, &file) {
            if let Some(map) = doc.get("mcpServers") {
                push_mcp_servers(inv, CLIENT, scope, &cx.display(&file), map);
            }
        }
    }
}

fn scan_settings_hooks(cx: &ScanContext, inv: &mut Inventory, scope: Scope, path: &Path) {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return };
    if doc.get("disableAllHooks").and_then(Value::as_bool) == Some(true) {
        inv.finding(
            ward_model::FindingKind::Notice,
            CLIENT,
            &cx.display(path),
            format!(
                "{}: disableAllHooks is set; no hook (including Ward's) runs for Continue",
                cx.display(path)
            ),
        );
    }
    push_hooks(cx, inv, CLIENT, scope, path, &doc);
}
