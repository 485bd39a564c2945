//! Roo Code (VS Code-family extension `RooVeterinaryInc.roo-cline`, a Cline fork): installation,
//! the global `mcp_settings.json` in each editor's globalStorage, project `.roo/mcp.json`, and the
//! command allow/deny lists from the editors' settings. Roo Code ships no hooks.

use serde_json::Value;
use ward_model::{Risk, Scope, Severity};

use super::probe::{
    agent_artifact, extension_installs, extension_source, global_storage_files, scan_mcp_json, strings,
    tag_editor, EDITOR_USER_DATA,
};
use super::vscode::setting;
use crate::context::ScanContext;
use crate::extensions::installed;
use crate::inventory::Inventory;
use crate::read::read_json;
use crate::ClientScanner;

pub struct RooCode;

const CLIENT: &str = "roo-code";
const EXTENSION_ID: &str = "rooveterinaryinc.roo-cline";

impl ClientScanner for RooCode {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        scan_agent(cx, inv);
        for (editor, path) in global_storage_files(cx, EXTENSION_ID, "settings/mcp_settings.json") {
            let before = inv.artifacts.len();
            scan_mcp_json(cx, inv, CLIENT, Scope::User, &path, "mcpServers");
            tag_editor(inv, before, editor);
        }
        for root in &cx.projects {
            scan_mcp_json(cx, inv, CLIENT, Scope::Project, &root.join(".roo/mcp.json"), "mcpServers");
        }
        // ⚠️ Roo Code's skills support mirrors Cline's folder convention.
        super::probe::scan_skill_roots(cx, inv, CLIENT, &[".roo/skills"], &[".roo/skills"]);
    }
}

fn scan_agent(cx: &ScanContext, inv: &mut Inventory) {
    let extensions = installed(cx);
    let Some((editors, newest)) = extension_installs(&extensions, EXTENSION_ID) else { return };
    let mut art = agent_artifact(CLIENT, "Roo Code", &extension_source(cx, newest), EXTENSION_ID)
        .attr("version", newest.version.as_str())
        .attr("editors", editors.clone());

    // Command lists live in the settings of each editor Roo is installed in.
    let mut allowed = Vec::new();
    let mut denied = Vec::new();
    for (editor, app) in EDITOR_USER_DATA {
        if !editors.contains(&editor) {
            continue;
        }
        let path = cx.editor_user_data(app).join("User/settings.json");
        let Some(s) = read_json(cx, inv, CLIENT, &path) else { continue };
        let a = strings(setting(&s, "roo-cline.allowedCommands"));
        if a.iter().any(|c| c.trim() == "*") {
            art = art.with_risk(Risk::new(
                "auto-approve-all",
                Severity::High,
                format!(
                    "{}: roo-cline.allowedCommands contains `*`; any command may be auto-approved",
                    cx.display(&path)
                ),
            ));
        }
        allowed.extend(a);
        denied.extend(strings(setting(&s, "roo-cline.deniedCommands")));
        if let Some(v) = setting(&s, "roo-cline.autoApprovalEnabled").filter(|v| v.as_bool().is_some()) {
            art = art.attr("auto_approval_enabled", v.clone());
        }
        if setting(&s, "roo-cline.alwaysAllowExecute").and_then(Value::as_bool) == Some(true) {
            art = art.with_risk(Risk::new(
                "auto-approve-commands",
                Severity::Medium,
                format!("{}: terminal commands on the allow list run without asking", cx.display(&path)),
            ));
        }
    }
    allowed.sort();
    allowed.dedup();
    denied.sort();
    denied.dedup();
    art = art.attr("allowed_commands", allowed).attr("denied_commands", denied);
    inv.push(art);
}
