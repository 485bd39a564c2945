//! Installed plugin (or extension) directories in the layout Claude Code, Codex, Copilot CLI and
//! Gemini CLI share: a manifest JSON plus bundled components — `skills/`, `hooks/hooks.json`, an
//! MCP server map (`.mcp.json` or inline `mcpServers`). Each component becomes its own artifact
//! tagged with the plugin's name, so a plugin's hooks and servers show up like any other.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;
use ward_model::{Artifact, ArtifactKind, Scope};

use crate::context::ScanContext;
use crate::hooks::{scan_hooks_object, HookSource};
use crate::inventory::Inventory;
use crate::mcp::{server_artifact, McpSource};
use crate::read::read_json;
use crate::skills::scan_skill_root;

/// How one client lays out and reports a plugin directory.
pub struct PluginSpec<'a> {
    pub client: &'a str,
    pub scope: Scope,
    /// Manifest paths relative to the plugin root, first existing wins
    /// (`.claude-plugin/plugin.json`, `.codex-plugin/plugin.json`, `gemini-extension.json`).
    pub manifests: &'a [&'a str],
    /// The `type` attribute of the artifact: `plugin` or `extension`.
    pub label: &'a str,
    /// The marketplace it was installed from, when the layout says so.
    pub marketplace: Option<&'a str>,
    /// The version from the install path (`cache/<m>/<p>/<version>`) when the manifest has none.
    pub path_version: Option<&'a str>,
    /// The caller knows `root` is a plugin (from the install layout) and the manifest may be
    /// absent, as Claude Code allows: components are then found at their default paths.
    pub manifest_optional: bool,
}

/// Inventory the plugin rooted at `root` and its bundled skills, hooks and MCP servers. Returns
/// the plugin artifact's index in `inv.artifacts` (so a caller can add enablement state), or
/// `None` when `root` holds no manifest.
pub fn scan_plugin_dir(
    cx: &ScanContext,
    inv: &mut Inventory,
    spec: &PluginSpec<'_>,
    root: &Path,
) -> Option<usize> {
    let manifest_path = spec.manifests.iter().map(|m| root.join(m)).find(|p| p.is_file());
    let (shown_manifest, manifest) = match &manifest_path {
        // A broken manifest is reported by read_json; the directory is still inventoried by name.
        Some(path) => (cx.display(path), read_json(cx, inv, spec.client, path).unwrap_or(Value::Null)),
        None if spec.manifest_optional => (cx.display(root), Value::Null),
        None => return None,
    };
    let file_name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // `…/<plugin>/<version>/`: the plugin's name is the folder above the version.
    let dir_name = match root.parent() {
        Some(parent) if spec.path_version.is_some_and(|v| file_name(root) == v) => file_name(parent),
        _ => file_name(root),
    };
    let name = manifest.get("name").and_then(Value::as_str).map(str::to_owned).unwrap_or(dir_name);
    let identity = match spec.marketplace {
        Some(m) => format!("{name}@{m}"),
        None => cx.display(root),
    };
    let mut art = Artifact::new(
        ArtifactKind::Plugin,
        spec.client,
        name.clone(),
        spec.scope,
        shown_manifest.clone(),
        identity,
    )
    .attr("type", spec.label)
    .attr("path", cx.display(root));
    let version = manifest.get("version").and_then(Value::as_str).or(spec.path_version);
    if let Some(v) = version {
        art = art.attr("version", v);
    }
    if let Some(m) = spec.marketplace {
        art = art.attr("marketplace", m);
    }
    if let Some(d) = manifest.get("description").and_then(Value::as_str) {
        art = art.attr("description", crate::sanitize::scrub_text(d));
    }
    for key in ["excludeTools", "contextFileName"] {
        if let Some(v) = manifest.get(key) {
            art = art.attr(key, v.clone());
        }
    }

    let first_component = inv.artifacts.len();
    let mut components = Vec::new();

    // Skills: manifest `skills` (path or paths), else `skills/`.
    let skill_roots =
        manifest_paths(root, manifest.get("skills")).unwrap_or_else(|| vec![root.join("skills")]);
    for skill_root in skill_roots {
        scan_skill_root(cx, inv, spec.client, spec.scope, &skill_root);
    }

    // Hooks: manifest `hooks` (path(s) or inline object), else `hooks/hooks.json`.
    let hook_src = HookSource { client: spec.client, scope: spec.scope, source: &shown_manifest };
    match manifest.get("hooks") {
        Some(inline @ Value::Object(_)) => {
            let hooks = inline.get("hooks").unwrap_or(inline);
            scan_hooks_object(cx, &hook_src, hooks, &mut components);
        }
        other => {
            let files = manifest_paths(root, other).unwrap_or_else(|| vec![root.join("hooks/hooks.json")]);
            for file in files {
                if let Some(doc) = read_json(cx, inv, spec.client, &file) {
                    let shown = cx.display(&file);
                    let src = HookSource { client: spec.client, scope: spec.scope, source: &shown };
                    scan_hooks_object(cx, &src, doc.get("hooks").unwrap_or(&doc), &mut components);
                }
            }
        }
    }

    // MCP servers: manifest `mcpServers` (inline map or path), else `.mcp.json`.
    let mcp_src = McpSource { client: spec.client, scope: spec.scope, source: &shown_manifest };
    match manifest.get("mcpServers") {
        Some(Value::Object(map)) => {
            for (server, entry) in map {
                components.push(server_artifact(&mcp_src, server, entry));
            }
        }
        other => {
            let files = manifest_paths(root, other).unwrap_or_else(|| vec![root.join(".mcp.json")]);
            for file in files {
                if let Some(doc) = read_json(cx, inv, spec.client, &file) {
                    let shown = cx.display(&file);
                    let src = McpSource { client: spec.client, scope: spec.scope, source: &shown };
                    for (server, entry) in mcp_server_map(&doc) {
                        components.push(server_artifact(&src, server, entry));
                    }
                }
            }
        }
    }

    for component in components {
        inv.push(component);
    }
    inv.tag_since(first_component, "plugin", name);
    inv.push(art);
    Some(inv.artifacts.len() - 1)
}

/// The server map of an MCP file: `{"mcpServers": {…}}`, or (plugin `.mcp.json`) the servers
/// directly at the top level. Entries that are not objects are skipped.
pub fn mcp_server_map(doc: &Value) -> Vec<(&String, &Value)> {
    let map = match doc.get("mcpServers").and_then(Value::as_object) {
        Some(m) => m,
        None => match doc.as_object() {
            Some(m) => m,
            None => return Vec::new(),
        },
    };
    map.iter().filter(|(_, v)| v.is_object()).collect()
}

/// Relative paths named by a manifest field (string or array of strings), resolved inside the
/// plugin root. Absolute paths and `..` are dropped: a plugin may only point into itself.
fn manifest_paths(root: &Path, field: Option<&Value>) -> Option<Vec<PathBuf>> {
    let strings: Vec<&str> = match field? {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    let paths: Vec<PathBuf> = strings
        .into_iter()
        .map(Path::new)
        .filter(|p| p.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)))
        // Rebuilt from the normal components so `./x` is shown as `<root>/x`, not `<root>/./x`.
        .map(|p| {
            p.components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .fold(root.to_path_buf(), |acc, c| acc.join(c))
        })
        .collect();
    Some(paths)
}

/// One plugin in a `cache/<marketplace>/<plugin>/<version>/` tree (Codex and Claude Code).
pub struct CachedPlugin {
    pub marketplace: String,
    pub plugin: String,
    pub version: String,
    /// The newest version directory: older ones are leftovers the agent no longer loads.
    pub dir: PathBuf,
}

/// Every plugin of a plugin cache, at its newest version, in sorted order.
pub fn cached_plugins(cache: &Path) -> Vec<CachedPlugin> {
    let mut out = Vec::new();
    for market_dir in sub_dirs(cache) {
        for plugin_dir in sub_dirs(&market_dir) {
            let newest = sub_dirs(&plugin_dir)
                .into_iter()
                .max_by(|a, b| crate::install::compare_versions(&dir_name(a), &dir_name(b)));
            if let Some(dir) = newest {
                out.push(CachedPlugin {
                    marketplace: dir_name(&market_dir),
                    plugin: dir_name(&plugin_dir),
                    version: dir_name(&dir),
                    dir,
                });
            }
        }
    }
    out
}

/// The last component of `p`, lossily as UTF-8 (empty for `/`).
pub fn dir_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Immediate sub-directories of `dir`, sorted (missing dir → empty). The entry's own type is
/// used when the directory listing has it (no extra `stat`); symlinks are followed.
pub fn sub_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| match e.file_type() {
            Ok(t) if t.is_symlink() => e.path().is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => false,
        })
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs
}

/// Files of `dir` whose name ends with one of `suffixes`, sorted (missing dir → empty).
pub fn files_with_suffix(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            suffixes.iter().any(|s| name.ends_with(s))
        })
        .filter(|e| match e.file_type() {
            Ok(t) if t.is_symlink() => e.path().is_file(),
            Ok(t) => t.is_file(),
            Err(_) => false,
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}
