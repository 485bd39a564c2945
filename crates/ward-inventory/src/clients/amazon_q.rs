//! Amazon Q Developer (CLI `q` / `qchat`, IDE extension `AmazonWebServices.amazon-q-vscode`):
//! installation, the agent JSON files in `~/.aws/amazonq/cli-agents/` and
//! `<repo>/.amazonq/cli-agents/` (their `mcpServers`, `hooks`, `allowedTools`, `toolsSettings`),
//! and the legacy `mcp.json` files. The agent-file reader is shared with Kiro, whose CLI uses
//! the same format.

use std::path::Path;

use serde_json::{json, Value};
use ward_model::{Artifact, Risk, Scope, Severity};

use super::probe::{
    agent_artifact, extension_installs, extension_source, files_with_suffix, first_binary, push_hooks,
    push_mcp_servers, scan_mcp_json, strings,
};
use crate::context::{Os, ScanContext};
use crate::extensions::installed;
use crate::inventory::Inventory;
use crate::read::read_json;
use crate::ClientScanner;

pub struct AmazonQ;

const CLIENT: &str = "amazon-q";
const EXTENSION_ID: &str = "amazonwebservices.amazon-q-vscode";

impl ClientScanner for AmazonQ {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let mut agents = AgentFiles::default();
        let user_dir = cx.home_path(".aws/amazonq");
        // `agents/` is where the IDE plugin keeps its default agent (⚠️ newer layout).
        for dir in [user_dir.join("cli-agents"), user_dir.join("agents")] {
            for file in files_with_suffix(&dir, &[".json"]) {
                agents.scan_file(cx, inv, CLIENT, Scope::User, &file);
            }
        }
        scan_mcp_json(cx, inv, CLIENT, Scope::User, &user_dir.join("mcp.json"), "mcpServers");
        for root in &cx.projects {
            for file in files_with_suffix(&root.join(".amazonq/cli-agents"), &[".json"]) {
                agents.scan_file(cx, inv, CLIENT, Scope::Project, &file);
            }
            scan_mcp_json(cx, inv, CLIENT, Scope::Project, &root.join(".amazonq/mcp.json"), "mcpServers");
        }

        let extensions = installed(cx);
        let ext = extension_installs(&extensions, EXTENSION_ID);
        let binary = first_binary(cx, &["q", "qchat"]);
        let app =
            (cx.os == Os::MacOs).then(|| cx.system_path("/Applications/Amazon Q.app")).filter(|p| p.is_dir());
        let (source, identity) = match (&binary, &ext) {
            (Some(b), _) => (cx.display(b), cx.display(b)),
            (None, Some((_, e))) => (extension_source(cx, e), EXTENSION_ID.to_owned()),
            (None, None) => {
                match app.clone().or_else(|| crate::install::has_content(&user_dir).then(|| user_dir.clone()))
                {
                    Some(p) => (cx.display(&p), cx.display(&p)),
                    None => return,
                }
            }
        };
        let mut art = agent_artifact(CLIENT, "Amazon Q Developer", &source, &identity);
        if let Some(b) = &binary {
            art = art.attr("binary", cx.display(b));
        }
        if let Some((editors, newest)) = &ext {
            art = art
                .attr("extension", EXTENSION_ID)
                .attr("extension_version", newest.version.as_str())
                .attr("editors", editors.clone());
        }
        if let Some(v) = app
            .as_deref()
            .and_then(|a| super::probe::package_version(&a.join("Contents/Resources/app/package.json")))
        {
            art = art.attr("version", v);
        }
        if user_dir.is_dir() {
            art = art.attr("config_dir", cx.display(&user_dir));
        }
        inv.push(agents.apply(art));
    }
}

/// What the agent files of one client say, folded into its agent artifact.
#[derive(Default)]
pub(crate) struct AgentFiles {
    agents: Vec<Value>,
    deny_read: Vec<String>,
    risks: Vec<Risk>,
}

impl AgentFiles {
    /// Read one agent JSON: record its MCP servers and hooks, and remember its permissions.
    pub(crate) fn scan_file(
        &mut self,
        cx: &ScanContext,
        inv: &mut Inventory,
        client: &str,
        scope: Scope,
        path: &Path,
    ) {
        let Some(doc) = read_json(cx, inv, client, path) else { return };
        let shown = cx.display(path);
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let name = doc.get("name").and_then(Value::as_str).unwrap_or(&stem).to_owned();
        if let Some(servers) = doc.get("mcpServers") {
            push_mcp_servers(inv, client, scope, &shown, servers);
        }
        push_hooks(cx, inv, client, scope, path, &doc);

        let allowed = strings(doc.get("allowedTools"));
        if allowed.iter().any(|t| matches!(t.as_str(), "*" | "@builtin")) {
            self.risks.push(Risk::new(
                "auto-approve-all",
                Severity::High,
                format!("{shown}: agent `{name}` allows every tool without asking (allowedTools `*`)"),
            ));
        } else if allowed.iter().any(|t| matches!(t.as_str(), "execute_bash" | "shell" | "execute_cmd")) {
            self.risks.push(Risk::new(
                "auto-approve-commands",
                Severity::High,
                format!("{shown}: agent `{name}` runs shell commands without asking"),
            ));
        }
        let settings = doc.get("toolsSettings");
        for tool in ["fs_read", "read"] {
            self.deny_read.extend(strings(settings.and_then(|s| s.pointer(&format!("/{tool}/deniedPaths")))));
        }
        for tool in ["execute_bash", "shell"] {
            let allowed_cmds = strings(settings.and_then(|s| s.pointer(&format!("/{tool}/allowedCommands"))));
            if allowed_cmds.iter().any(|c| matches!(c.trim(), ".*" | "*" | ".+")) {
                self.risks.push(Risk::new(
                    "auto-approve-all",
                    Severity::High,
                    format!(
                        "{shown}: agent `{name}` auto-approves every shell command ({tool}.allowedCommands)"
                    ),
                ));
            }
        }
        self.agents.push(json!({
            "name": name,
            "source": shown,
            "scope": scope.as_str(),
            "allowedTools": allowed,
            "useLegacyMcpJson": doc.get("useLegacyMcpJson").and_then(Value::as_bool).unwrap_or(false),
        }));
    }

    pub(crate) fn apply(mut self, mut art: Artifact) -> Artifact {
        self.deny_read.sort();
        self.deny_read.dedup();
        art = art.attr("agents", self.agents).attr("deny_read", self.deny_read);
        for r in self.risks {
            art = art.with_risk(r);
        }
        art
    }
}
