//! Windsurf (Codeium / Cognition, Cascade agent): installation, `~/.codeium/windsurf/
//! mcp_config.json`, `hooks.json` at system, user and workspace scope, skills, Cascade command
//! allow/deny lists from the editor settings, and the extensions in `~/.windsurf/extensions`.

use ward_model::{Risk, Scope, Severity};

use super::probe::{agent_artifact, scan_hooks_json, scan_mcp_json, scan_skill_roots, strings};
use super::vscode::setting;
use crate::context::{Os, ScanContext};
use crate::extensions::{installed, scan_editor_extensions};
use crate::inventory::Inventory;
use crate::read::read_json;
use crate::ClientScanner;

pub struct Windsurf;

const CLIENT: &str = "windsurf";

impl ClientScanner for Windsurf {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let extensions = installed(cx);
        scan_editor_extensions(cx, inv, &extensions, CLIENT);
        scan_agent(cx, inv);

        scan_mcp_json(
            cx,
            inv,
            CLIENT,
            Scope::User,
            &cx.home_path(".codeium/windsurf/mcp_config.json"),
            "mcpServers",
        );

        // Hooks run system → user → workspace.
        let loc = crate::Locations::of_scan(cx);
        scan_hooks_json(cx, inv, CLIENT, Scope::Managed, &loc.windsurf_system_hooks());
        scan_hooks_json(cx, inv, CLIENT, Scope::User, &loc.windsurf_user_hooks());
        for root in &cx.projects {
            scan_hooks_json(cx, inv, CLIENT, Scope::Project, &crate::Locations::windsurf_project_hooks(root));
        }

        // Windsurf also discovers the cross-agent `.agents/skills` roots (docs: cascade/skills).
        scan_skill_roots(
            cx,
            inv,
            CLIENT,
            &[".codeium/windsurf/skills", ".agents/skills"],
            &[".windsurf/skills", ".agents/skills"],
        );
    }
}

fn scan_agent(cx: &ScanContext, inv: &mut Inventory) {
    let binary = cx.which("windsurf");
    let codeium_dir = cx.home_path(".codeium/windsurf");
    let user_data = cx.editor_user_data("Windsurf");
    let app =
        (cx.os == Os::MacOs).then(|| cx.system_path("/Applications/Windsurf.app")).filter(|p| p.is_dir());
    let proof = binary
        .clone()
        .or_else(|| app.clone())
        .or_else(|| crate::install::has_content(&codeium_dir).then(|| codeium_dir.clone()))
        .or_else(|| crate::install::has_content(&user_data).then(|| user_data.clone()));
    let Some(proof) = proof else { return };
    let shown = cx.display(&proof);
    let mut art = agent_artifact(CLIENT, "Windsurf Cascade", &shown, &shown);
    let version = super::probe::editor_version(binary.as_deref(), app.as_deref());
    if let Some(v) = version {
        art = art.attr("version", v);
    }
    if let Some(b) = &binary {
        art = art.attr("binary", cx.display(b));
    }
    if codeium_dir.is_dir() {
        art = art.attr("config_dir", cx.display(&codeium_dir));
    }
    let settings_path = user_data.join("User/settings.json");
    if let Some(s) = read_json(cx, inv, CLIENT, &settings_path) {
        // ⚠️ setting names from the Windsurf settings UI, not from a reference page.
        let allow = strings(setting(&s, "windsurf.cascadeCommandsAllowList"));
        let deny = strings(setting(&s, "windsurf.cascadeCommandsDenyList"));
        if allow.iter().any(|c| matches!(c.trim(), "*" | "**")) {
            art = art.with_risk(Risk::new(
                "auto-approve-all",
                Severity::High,
                format!(
                    "{}: Cascade may run every terminal command without asking",
                    cx.display(&settings_path)
                ),
            ));
        }
        art = art.attr("command_allow_list", allow).attr("command_deny_list", deny);
    }
    inv.push(art);
}
