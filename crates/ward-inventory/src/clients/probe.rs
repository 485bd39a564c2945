//! Probes the editor and agent client modules share: finding binaries and reading versions
//! without running anything, reading MCP and hook files of the common shapes, listing config
//! files in a folder, and collecting skill roots at user and project scope.

use std::path::{Path, PathBuf};

use serde_json::Value;
use ward_model::{Artifact, Scope};

use crate::context::ScanContext;
use crate::extensions::{compare_versions, ExtensionIndex, InstalledExtension};
use crate::hooks::{scan_hooks_object, HookSource};
use crate::inventory::Inventory;
use crate::mcp::{server_artifact, McpSource};
use crate::read::read_json;
use crate::sanitize::{is_reference, is_secret_name, scrub_text};
use crate::skills::scan_skill_root;

/// The first of `names` found on PATH.
pub fn first_binary(cx: &ScanContext, names: &[&str]) -> Option<PathBuf> {
    names.iter().find_map(|n| cx.which(n))
}

/// The version of an Electron app (VS Code and its forks) whose launcher is `binary`, read from
/// the `resources/app/package.json` beside the install (the launcher is usually a symlink into
/// it: `/usr/bin/code` → `/usr/share/code/bin/code`).
pub fn electron_app_version(binary: &Path) -> Option<String> {
    let real = std::fs::canonicalize(binary).ok()?;
    real.ancestors().skip(1).take(4).find_map(|dir| {
        ["resources/app/package.json", "Resources/app/package.json", "Contents/Resources/app/package.json"]
            .iter()
            .find_map(|rel| package_version(&dir.join(rel)))
    })
}

/// `version` of a `package.json`-like file, if present.
pub fn package_version(path: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Versioned {
        version: Option<String>,
    }
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice::<Versioned>(&bytes).ok()?.version
}

/// The version encoded in an install path such as `~/.local/share/cursor-agent/versions/2025.09.18-7ae6800/cursor-agent`.
pub fn version_from_versions_dir(binary: &Path) -> Option<String> {
    let real = std::fs::canonicalize(binary).ok()?;
    let comps: Vec<_> = real.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let pos = comps.iter().position(|c| c == "versions")?;
    comps.get(pos + 1).cloned()
}

/// Files directly in `dir` whose names end with one of `suffixes`, sorted.
pub fn files_with_suffix(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| suffixes.iter().any(|s| n.ends_with(s)))
        })
        .collect();
    files.sort();
    files
}

/// Record every server of an MCP map (`name → entry`).
pub fn push_mcp_servers(inv: &mut Inventory, client: &str, scope: Scope, source: &str, servers: &Value) {
    let Some(map) = servers.as_object() else { return };
    let src = McpSource { client, scope, source };
    for (name, entry) in map {
        inv.push(server_artifact(&src, name, entry));
    }
}

/// Read a JSON(C) file and record the MCP servers under `key` (`mcpServers`, `servers`, …).
/// Returns the parsed document for callers that read more from it.
pub fn scan_mcp_json(
    cx: &ScanContext,
    inv: &mut Inventory,
    client: &str,
    scope: Scope,
    path: &Path,
    key: &str,
) -> Option<Value> {
    let doc = read_json(cx, inv, client, path)?;
    if let Some(servers) = doc.get(key) {
        push_mcp_servers(inv, client, scope, &cx.display(path), servers);
    }
    Some(doc)
}

/// Record the hooks of a parsed hooks document: `{"hooks": {event: [...]}}` (Cursor, Windsurf,
/// Claude-format settings).
pub fn push_hooks(
    cx: &ScanContext,
    inv: &mut Inventory,
    client: &str,
    scope: Scope,
    path: &Path,
    doc: &Value,
) {
    let Some(hooks) = doc.get("hooks") else { return };
    let shown = cx.display(path);
    let src = HookSource { client, scope, source: &shown };
    let mut out = Vec::new();
    scan_hooks_object(cx, &src, hooks, &mut out);
    for a in out {
        inv.push(a);
    }
}

/// Read a hooks file and record its hooks.
pub fn scan_hooks_json(cx: &ScanContext, inv: &mut Inventory, client: &str, scope: Scope, path: &Path) {
    if let Some(doc) = read_json(cx, inv, client, path) {
        push_hooks(cx, inv, client, scope, path, &doc);
    }
}

/// Scan the skill roots of a client: `user` relative to the home, `project` relative to each
/// project root.
pub fn scan_skill_roots(
    cx: &ScanContext,
    inv: &mut Inventory,
    client: &str,
    user: &[&str],
    project: &[&str],
) {
    for rel in user {
        scan_skill_root(cx, inv, client, Scope::User, &cx.home_path(rel));
    }
    for root in &cx.projects {
        for rel in project {
            scan_skill_root(cx, inv, client, Scope::Project, &root.join(rel));
        }
    }
}

/// Strings of a JSON array (non-strings skipped).
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The agent artifact every client records once when it is installed. `identity` is the binary,
/// app directory or extension id that proved the installation.
pub fn agent_artifact(client: &str, name: &str, source: &str, identity: &str) -> Artifact {
    Artifact::new(ward_model::ArtifactKind::Agent, client, name, Scope::User, source, identity)
}

/// VS Code-family editors by client name and user-data folder name (see
/// [`ScanContext::editor_user_data`]).
pub const EDITOR_USER_DATA: [(&str, &str); 6] = [
    ("vscode", "Code"),
    ("vscode-insiders", "Code - Insiders"),
    ("vscodium", "VSCodium"),
    ("cursor", "Cursor"),
    ("windsurf", "Windsurf"),
    ("kiro", "Kiro"),
];

/// `<user-data>/User/globalStorage/<extension id>` of every editor (and the VS Code server's
/// `~/.vscode-server/data/User/globalStorage`), as `(editor, dir)` for those that exist.
pub fn global_storage_dirs(cx: &ScanContext, extension_id: &str) -> Vec<(&'static str, PathBuf)> {
    let mut out: Vec<(&'static str, PathBuf)> = EDITOR_USER_DATA
        .iter()
        .map(|(editor, app)| {
            (*editor, cx.editor_user_data(app).join("User/globalStorage").join(extension_id))
        })
        .collect();
    out.push(("vscode-server", cx.home_path(".vscode-server/data/User/globalStorage").join(extension_id)));
    out.retain(|(_, p)| p.is_dir());
    out
}

/// `<global storage dir>/<rel>` in every editor where that file exists.
pub fn global_storage_files(cx: &ScanContext, extension_id: &str, rel: &str) -> Vec<(&'static str, PathBuf)> {
    global_storage_dirs(cx, extension_id)
        .into_iter()
        .map(|(editor, dir)| (editor, dir.join(rel)))
        .filter(|(_, p)| p.is_file())
        .collect()
}

/// Where an AI extension is installed: the editors, and the newest installation.
pub fn extension_installs<'a>(
    index: &'a ExtensionIndex,
    id: &str,
) -> Option<(Vec<&'static str>, &'a InstalledExtension)> {
    let installs: Vec<&InstalledExtension> = index.find(id).collect();
    let newest = installs.iter().copied().max_by(|a, b| compare_versions(&a.version, &b.version))?;
    let mut editors: Vec<&'static str> = installs.iter().map(|e| e.editor).collect();
    editors.dedup();
    Some((editors, newest))
}

/// Mark the artifacts pushed since `from` with the editor whose storage they came from.
pub fn tag_editor(inv: &mut Inventory, from: usize, editor: &str) {
    for a in inv.artifacts.iter_mut().skip(from) {
        a.attributes.insert("editor".into(), editor.into());
    }
}

/// The version of an npm-installed CLI: its launcher links into
/// `…/node_modules/<pkg>/bin/…`; the package.json sits one or two levels up.
pub fn npm_package_version(binary: &Path) -> Option<String> {
    let real = std::fs::canonicalize(binary).ok()?;
    if !real.components().any(|c| c.as_os_str() == "node_modules") {
        return None;
    }
    real.ancestors().skip(1).take(3).find_map(|d| package_version(&d.join("package.json")))
}

/// A settings value copied into an attribute, with secret-named keys masked and credentials in
/// strings scrubbed (settings do not hold secrets by design, but users paste tokens anywhere).
pub fn scrub_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(scrub_text(s)),
        Value::Array(a) => Value::Array(a.iter().map(scrub_value).collect()),
        Value::Object(o) => {
            let mut out = serde_json::Map::new();
            for (k, v) in o {
                let masked = match v {
                    Value::String(s) if is_secret_name(k) && !is_reference(s) => {
                        Value::String("[REDACTED]".into())
                    }
                    other => scrub_value(other),
                };
                out.insert(k.clone(), masked);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// The source shown for an agent found as an extension: the editor's extensions folder, not the
/// versioned sub-folder, so the agent's artifact id survives extension updates.
pub fn extension_source(cx: &ScanContext, ext: &InstalledExtension) -> String {
    ext.dir.parent().map(|d| cx.display(d)).unwrap_or_else(|| cx.display(&ext.dir))
}

/// The agent artifact of a client that ships as an editor extension and/or a CLI with a config
/// folder (Cline, Continue): found by the extension first, else the binary, else the folder.
/// Carries the extension version and editors, the CLI binary and version, and the config folder.
pub fn extension_or_cli_agent(
    cx: &ScanContext,
    (client, display_name): (&str, &str),
    extension_id: &str,
    binaries: &[&str],
    config_dir: &Path,
) -> Option<Artifact> {
    let extensions = crate::extensions::installed(cx);
    let ext = extension_installs(&extensions, extension_id);
    let binary = first_binary(cx, binaries);
    let (source, identity) = match (&ext, &binary) {
        (Some((_, e)), _) => (extension_source(cx, e), extension_id.to_owned()),
        (None, Some(b)) => (cx.display(b), cx.display(b)),
        (None, None) if crate::install::has_content(config_dir) => {
            (cx.display(config_dir), cx.display(config_dir))
        }
        _ => return None,
    };
    let mut art = agent_artifact(client, display_name, &source, &identity);
    if let Some((editors, newest)) = &ext {
        art = art.attr("version", newest.version.as_str()).attr("editors", editors.clone());
    }
    if let Some(b) = &binary {
        art = art.attr("binary", cx.display(b));
        if let Some(v) = npm_package_version(b) {
            art = art.attr("cli_version", v);
        }
    }
    if config_dir.is_dir() {
        art = art.attr("config_dir", cx.display(config_dir));
    }
    Some(art)
}

/// The version of a VS Code-fork editor: from its launcher binary, else (macOS) from the app
/// bundle's `package.json`.
pub fn editor_version(binary: Option<&Path>, app: Option<&Path>) -> Option<String> {
    binary
        .and_then(electron_app_version)
        .or_else(|| app.and_then(|a| package_version(&a.join("Contents/Resources/app/package.json"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn versions_read_from_install_layouts() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        // /usr/bin/code → /usr/share/code/bin/code, version in resources/app/package.json.
        let app = root.join("usr/share/code");
        std::fs::create_dir_all(app.join("bin")).unwrap();
        std::fs::create_dir_all(app.join("resources/app")).unwrap();
        std::fs::write(app.join("bin/code"), "#!/bin/sh\n").unwrap();
        std::fs::write(
            app.join("resources/app/package.json"),
            r#"{"name":"code-oss-dev","version":"1.106.2"}"#,
        )
        .unwrap();
        std::fs::create_dir_all(root.join("usr/bin")).unwrap();
        std::os::unix::fs::symlink(app.join("bin/code"), root.join("usr/bin/code")).unwrap();
        assert_eq!(electron_app_version(&root.join("usr/bin/code")).as_deref(), Some("1.106.2"));

        // ~/.local/bin/agent → ~/.local/share/cursor-agent/versions/<v>/cursor-agent.
        let versioned = root.join("share/cursor-agent/versions/2025.11.06-8fe8a63");
        std::fs::create_dir_all(&versioned).unwrap();
        std::fs::write(versioned.join("cursor-agent"), "").unwrap();
        std::os::unix::fs::symlink(versioned.join("cursor-agent"), root.join("agent")).unwrap();
        assert_eq!(version_from_versions_dir(&root.join("agent")).as_deref(), Some("2025.11.06-8fe8a63"));

        // Broken or missing manifests give no version rather than an error.
        std::fs::write(app.join("resources/app/package.json"), "{ not json").unwrap();
        assert_eq!(electron_app_version(&root.join("usr/bin/code")), None);
        assert_eq!(electron_app_version(&root.join("missing")), None);
    }

    #[test]
    fn scrub_value_masks_secret_named_strings_only() {
        let v = serde_json::json!({
            "apiToken": "PLANTEDtoken123456", "useSessionToken": true, "note": "ghp_PLANTED0123456789abcdefghij",
            "nested": [{"password": "hunter2hunter2"}, {"password": "${env:PW}"}], "mode": "allowlist"
        });
        let out = scrub_value(&v);
        let text = out.to_string();
        assert!(!text.contains("PLANTED") && !text.contains("hunter2"), "{text}");
        assert_eq!(out["useSessionToken"], true);
        assert_eq!(out["mode"], "allowlist");
        assert_eq!(out["nested"][1]["password"], "${env:PW}");
    }
}
