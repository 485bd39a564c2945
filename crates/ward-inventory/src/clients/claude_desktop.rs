//! Claude Desktop (the chat app): the installation, the MCP servers of
//! `claude_desktop_config.json` and Desktop Extensions (`.mcpb`/`.dxt` bundles, which are MCP
//! servers) (reference/agents.md §2). The chat surface has no hooks or skills on disk; the
//! Desktop "Code" tab runs Claude Code and is covered by the `claude-code` scanner.
//!
//! The app directory is `~/Library/Application Support/Claude` (macOS), `%APPDATA%\Claude`
//! (Windows) and, unofficially, `~/.config/Claude` (Linux). The extension layout
//! (`Claude Extensions/<id>/manifest.json`, `Claude Extensions Settings/<id>.json`) is a
//! third-party observation, so it is read leniently.

use std::path::Path;

use serde_json::{json, Value};
use ward_model::{Risk, Scope, Severity};

use crate::context::{Os, ScanContext};
use crate::install::{agent_artifact, app_bundle_version, find_binary, mdm_profile_present};
use crate::inventory::Inventory;
use crate::mcp::{server_artifact, McpSource};
use crate::plugins::sub_dirs;
use crate::read::read_json;
use crate::ClientScanner;

const CLIENT: &str = "claude-desktop";

/// Scanner for Claude Desktop.
pub struct ClaudeDesktop;

impl ClientScanner for ClaudeDesktop {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let app_data = cx.editor_user_data("Claude");
        let bundle = (cx.os == Os::MacOs).then(|| cx.system_path("/Applications/Claude.app"));
        let bundle = bundle.filter(|b| b.is_dir());
        let binary = find_binary(cx, "claude-desktop");
        let installed = crate::install::has_content(&app_data) || bundle.is_some() || binary.is_some();
        if !installed {
            return;
        }

        let config = app_data.join("claude_desktop_config.json");
        let mut server_count = 0;
        if let Some(doc) = read_json(cx, inv, CLIENT, &config) {
            let shown = cx.display(&config);
            let src = McpSource { client: CLIENT, scope: Scope::User, source: &shown };
            for (name, entry) in doc.get("mcpServers").and_then(Value::as_object).into_iter().flatten() {
                if entry.is_object() {
                    inv.push(server_artifact(&src, name, entry));
                    server_count += 1;
                }
            }
        }
        server_count += scan_extensions(cx, inv, &app_data);

        let install_path = bundle.as_deref().or(binary.as_deref());
        let mut agent =
            agent_artifact(cx, CLIENT, install_path, Some(&app_data)).attr("mcp_server_count", server_count);
        if let Some(v) = bundle.as_deref().and_then(|b| app_bundle_version(cx, inv, CLIENT, b)) {
            agent = agent.attr("version", v);
        }
        if let Some(present) = mdm_profile_present(cx, "com.anthropic.claudefordesktop") {
            agent = agent.attr("mdm_profile", present);
        }
        // The chat app has no permission settings of its own: nothing it may read is denied.
        agent = agent.attr("deny_read", Vec::<String>::new());
        inv.push(agent);
    }
}

/// `Claude Extensions/<id>/manifest.json`: `{name, version, server: {type, entry_point,
/// mcp_config: {command, args, env}}}`; enablement in `Claude Extensions Settings/<id>.json`.
fn scan_extensions(cx: &ScanContext, inv: &mut Inventory, app_data: &Path) -> usize {
    let settings_dir = app_data.join("Claude Extensions Settings");
    let mut count = 0;
    for dir in sub_dirs(&app_data.join("Claude Extensions")) {
        let manifest_path = dir.join("manifest.json");
        let Some(manifest) = read_json(cx, inv, CLIENT, &manifest_path) else { continue };
        let id = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = manifest.get("name").and_then(Value::as_str).unwrap_or(&id).to_owned();
        let server = manifest.get("server").cloned().unwrap_or(Value::Null);
        // `${__dirname}` in the bundled command line is the extension folder.
        let entry = match server.get("mcp_config") {
            Some(cfg) => cfg.clone(),
            None => json!({ "command": server.get("entry_point").cloned().unwrap_or(Value::Null) }),
        };
        let shown = cx.display(&manifest_path);
        let src = McpSource { client: CLIENT, scope: Scope::User, source: &shown };
        let mut art = server_artifact(&src, &name, &entry)
            .attr("desktop_extension", id.clone())
            .attr("bundle_type", server.get("type").cloned().unwrap_or(Value::Null));
        if let Some(v) = manifest.get("version").and_then(Value::as_str) {
            art = art.attr("version", v);
        }
        let settings_path = settings_dir.join(format!("{id}.json"));
        if let Some(settings) = read_json(cx, inv, CLIENT, &settings_path) {
            if let Some(on) = settings.get("isEnabled").and_then(Value::as_bool) {
                art.attributes.insert("enabled".into(), on.into());
            }
        }
        if manifest.get("author").is_none() {
            art = art.with_risk(Risk::new(
                "unknown-publisher",
                Severity::Low,
                "the extension manifest names no author",
            ));
        }
        inv.push(art);
        count += 1;
    }
    count
}
