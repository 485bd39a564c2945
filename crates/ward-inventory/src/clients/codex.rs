//! OpenAI Codex (CLI, IDE extension, desktop app; they share `~/.codex`): the installation (binary
//! on PATH, macOS `/Applications/Codex.app`, the config dir) and its security settings, MCP
//! servers, hooks, skills, plugins and marketplaces at every layer (reference/codex.md §1–§4).
//!
//! Layers read: managed `/etc/codex/{requirements.toml, managed_config.toml, config.toml,
//! hooks.json, skills/}` (`%ProgramData%\OpenAI\Codex` on Windows, where `managed_config.toml`
//! lives in `~/.codex`), user `~/.codex/{config.toml, <profile>.config.toml, hooks.json, skills/,
//! plugins/cache/}`, and per project `.codex/{config.toml, hooks.json, skills/}`. Files Codex
//! shares with other agents (`.agents/skills`, `.agents/plugins/marketplace.json`) are reported
//! for Codex only when Codex is installed. `$CODEX_HOME` is not consulted: the scan sees the
//! machine through its home, never through the scanning process's environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use crate::context::{Os, ScanContext};
use crate::hooks::{hook_artifact, scan_hooks_object, HookSource};
use crate::install::{agent_artifact, app_bundle_version, binary_version, find_binary, mdm_profile_present};
use crate::inventory::Inventory;
use crate::locations::Locations;
use crate::mcp::{server_artifact, McpSource};
use crate::plugins::{cached_plugins, files_with_suffix, scan_plugin_dir, PluginSpec};
use crate::read::{read_json, read_toml};
use crate::sanitize::scrub_text;
use crate::skills::scan_skill_root;
use crate::ClientScanner;

const CLIENT: &str = "codex";

/// Scanner for OpenAI Codex.
pub struct Codex;

/// One parsed `config.toml`-shaped layer.
struct Layer {
    scope: Scope,
    shown: String,
    doc: Value,
}

impl ClientScanner for Codex {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let loc = Locations::of_scan(cx);
        let codex_home = loc.codex_home();
        let binary = find_binary(cx, "codex");
        // The desktop app on macOS shares ~/.codex with the CLI.
        let app =
            (cx.os == Os::MacOs).then(|| cx.system_path("/Applications/Codex.app")).filter(|a| a.is_dir());
        let installed = binary.is_some() || app.is_some() || crate::install::has_content(&codex_home);
        let managed_dir = loc.codex_managed_dir();
        let managed_config_path = loc.codex_managed_config();

        let requirements = read_layer(cx, inv, &loc.codex_requirements(), Scope::Managed);
        // Lowest precedence first, so later layers override earlier ones when merging settings.
        let mut layers = Vec::new();
        layers.extend(read_layer(cx, inv, &loc.codex_system_config(), Scope::Managed));
        layers.extend(read_layer(cx, inv, &loc.codex_user_config(), Scope::User));
        layers.extend(read_layer(cx, inv, &managed_config_path, Scope::Managed));
        // Profile v2 files are only active with `--profile <name>`: inventoried, not merged.
        let mut profile_files = Vec::new();
        for file in files_with_suffix(&codex_home, &[".config.toml"]) {
            if let Some(layer) = read_layer(cx, inv, &file, Scope::User) {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().trim_end_matches(".config.toml").to_owned())
                    .unwrap_or_default();
                profile_files.push((name, layer));
            }
        }

        if let Some(req) = &requirements {
            scan_requirements(cx, inv, req);
        }
        for layer in layers.iter().chain(profile_files.iter().map(|(_, l)| l)) {
            scan_layer_contents(cx, inv, layer);
        }
        scan_hooks_file(cx, inv, &managed_dir.join("hooks.json"), Scope::Managed);
        scan_hooks_file(cx, inv, &loc.codex_user_hooks(), Scope::User);

        // Skills.
        scan_skill_root(cx, inv, CLIENT, Scope::Managed, &managed_dir.join("skills"));
        scan_skill_root(cx, inv, CLIENT, Scope::User, &codex_home.join("skills"));
        if installed {
            scan_skill_root(cx, inv, CLIENT, Scope::User, &cx.home_path(".agents/skills"));
            scan_marketplace_catalog(cx, inv, &cx.home_path(".agents/plugins/marketplace.json"), Scope::User);
        }

        let merged = merge_layers(&layers);
        scan_installed_plugins(cx, inv, &codex_home.join("plugins/cache"), &merged);

        // Projects: `.codex/` layers, loaded by Codex only when the project is trusted.
        let trust = project_trust(&merged);
        let mut project_risks = Vec::new();
        for root in &cx.projects {
            let start = inv.artifacts.len();
            let dot_codex = root.join(".codex");
            let project_layer = read_layer(cx, inv, &Locations::codex_project_config(root), Scope::Project);
            if let Some(layer) = &project_layer {
                scan_layer_contents(cx, inv, layer);
            }
            scan_hooks_file(cx, inv, &dot_codex.join("hooks.json"), Scope::Project);
            scan_skill_root(cx, inv, CLIENT, Scope::Project, &dot_codex.join("skills"));
            if installed {
                scan_skill_root(cx, inv, CLIENT, Scope::Project, &root.join(".agents/skills"));
                scan_marketplace_catalog(
                    cx,
                    inv,
                    &root.join(".agents/plugins/marketplace.json"),
                    Scope::Project,
                );
            }
            let trusted =
                trust.iter().any(|(path, level)| level == "trusted" && same_path(Path::new(path), root));
            inv.tag_since(start, "project_trusted", trusted);
            if let Some(layer) = &project_layer {
                project_risks.extend(setting_risks(
                    &layer.doc,
                    &format!("{} ({})", layer.shown, trust_note(trusted)),
                    Severity::Medium,
                    requirements.as_ref().map(|r| &r.doc),
                ));
            }
        }

        apply_skill_overrides(cx, inv, &merged);
        apply_hook_trust(cx, inv, &merged);
        if let Some(req) = &requirements {
            apply_mcp_requirements(inv, &req.doc);
        }

        if installed {
            let mut agent =
                agent_artifact(cx, CLIENT, binary.as_deref().or(app.as_deref()), Some(&codex_home));
            if let Some(app) = &app {
                agent = agent.attr("app", cx.display(app));
                if let Some(v) = app_bundle_version(cx, inv, CLIENT, app) {
                    agent = agent.attr("app_version", v);
                }
            }
            if let Some(v) =
                binary.as_deref().and_then(|b| binary_version(b, Some("@openai/codex"), &["codex"]))
            {
                agent = agent.attr("version", v);
            }
            if let Some(present) = mdm_profile_present(cx, "com.openai.codex") {
                agent = agent.attr("mdm_profile", present);
            }
            agent = agent_settings(cx, agent, &merged, requirements.as_ref().map(|r| &r.doc), &profile_files);
            agent.risk.extend(project_risks);
            inv.push(agent);
        }
    }
}

fn trust_note(trusted: bool) -> &'static str {
    if trusted {
        "trusted project"
    } else {
        "applies once the project is trusted"
    }
}

fn read_layer(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) -> Option<Layer> {
    let table = read_toml(cx, inv, CLIENT, path)?;
    Some(Layer { scope, shown: cx.display(path), doc: toml_to_json(&table) })
}

fn toml_to_json(table: &toml::Table) -> Value {
    serde_json::to_value(table).unwrap_or(Value::Null)
}

/// MCP servers, inline hooks, `notify` and marketplaces of one config layer.
fn scan_layer_contents(cx: &ScanContext, inv: &mut Inventory, layer: &Layer) {
    let mcp_src = McpSource { client: CLIENT, scope: layer.scope, source: &layer.shown };
    if let Some(servers) = layer.doc.get("mcp_servers").and_then(Value::as_object) {
        for (name, entry) in servers.iter().filter(|(_, e)| e.is_object()) {
            let mut art = server_artifact(&mcp_src, name, entry);
            for key in ["required", "enabled_tools", "disabled_tools", "default_tools_approval_mode"] {
                if let Some(v) = entry.get(key) {
                    art = art.attr(key, v.clone());
                }
            }
            if entry.get("default_tools_approval_mode").and_then(Value::as_str) == Some("approve") {
                art = art.with_risk(Risk::new(
                    "tool-confirmation-bypassed",
                    Severity::Medium,
                    "`default_tools_approval_mode = \"approve\"` runs every tool of this server without asking",
                ));
            }
            inv.push(art);
        }
    }
    let hook_src = HookSource { client: CLIENT, scope: layer.scope, source: &layer.shown };
    let mut hooks = Vec::new();
    if let Some(h) = layer.doc.get("hooks") {
        scan_hooks_object(cx, &hook_src, h, &mut hooks);
    }
    // `notify = [argv…]` runs a program after every agent turn: a hook in all but name.
    if let Some(argv) = layer.doc.get("notify").and_then(Value::as_array) {
        let words: Vec<&str> = argv.iter().filter_map(Value::as_str).collect();
        if !words.is_empty() {
            let handler = json!({ "type": "command", "command": words.join(" ") });
            hooks.push(hook_artifact(cx, &hook_src, "notify", None, &handler, "0"));
        }
    }
    for h in hooks {
        inv.push(h);
    }
    if let Some(markets) = layer.doc.get("marketplaces").and_then(Value::as_object) {
        for (name, entry) in markets {
            let source = entry.get("source").and_then(Value::as_str).map(scrub_text).unwrap_or_default();
            let mut art =
                Artifact::new(ArtifactKind::Plugin, CLIENT, name, layer.scope, &layer.shown, source.clone())
                    .attr("type", "marketplace");
            for key in ["source_type", "ref"] {
                if let Some(v) = entry.get(key).and_then(Value::as_str) {
                    art = art.attr(key, scrub_text(v));
                }
            }
            inv.push(art);
        }
    }
}

/// Managed hooks (`[hooks]`) of `requirements.toml`. Constraints are read in [`agent_settings`].
fn scan_requirements(cx: &ScanContext, inv: &mut Inventory, req: &Layer) {
    if let Some(h) = req.doc.get("hooks") {
        let src = HookSource { client: CLIENT, scope: Scope::Managed, source: &req.shown };
        let mut hooks = Vec::new();
        scan_hooks_object(cx, &src, h, &mut hooks);
        for hook in hooks {
            inv.push(hook.attr("enforced", true));
        }
    }
}

fn scan_hooks_file(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return };
    let shown = cx.display(path);
    let src = HookSource { client: CLIENT, scope, source: &shown };
    let mut hooks = Vec::new();
    scan_hooks_object(cx, &src, doc.get("hooks").unwrap_or(&Value::Null), &mut hooks);
    for h in hooks {
        inv.push(h);
    }
}

/// `.agents/plugins/marketplace.json`: a marketplace catalog listing plugins.
fn scan_marketplace_catalog(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return };
    let shown = cx.display(path);
    let name = doc.get("name").and_then(Value::as_str).unwrap_or("marketplace");
    let plugins: Vec<String> = doc
        .get("plugins")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter().filter_map(|p| p.get("name").and_then(Value::as_str)).map(str::to_owned).collect()
        })
        .unwrap_or_default();
    let dir = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map(|d| cx.display(d))
        .unwrap_or_default();
    inv.push(
        Artifact::new(ArtifactKind::Plugin, CLIENT, name, scope, shown, dir)
            .attr("type", "marketplace")
            .attr("plugins", plugins),
    );
}

/// `plugins/cache/<marketplace>/<plugin>/<version>/` with `.codex-plugin/plugin.json`; enabled
/// state from `[plugins."<plugin>@<marketplace>"]`. Plugins enabled in config but not in the
/// cache are reported too (installed = false).
fn scan_installed_plugins(cx: &ScanContext, inv: &mut Inventory, cache: &Path, merged: &Value) {
    let configured = merged.get("plugins").and_then(Value::as_object);
    let mut seen = Vec::new();
    for cached in cached_plugins(cache) {
        let spec = PluginSpec {
            client: CLIENT,
            scope: Scope::User,
            manifests: &[".codex-plugin/plugin.json"],
            label: "plugin",
            marketplace: Some(&cached.marketplace),
            path_version: Some(&cached.version),
            manifest_optional: false,
        };
        let key = format!("{}@{}", cached.plugin, cached.marketplace);
        let first_component = inv.artifacts.len();
        if let Some(idx) = scan_plugin_dir(cx, inv, &spec, &cached.dir) {
            let config = configured.and_then(|c| c.get(&key));
            let enabled = config.and_then(|p| p.get("enabled")).and_then(Value::as_bool).unwrap_or(true);
            if let Some(art) = inv.artifacts.get_mut(idx) {
                art.attributes.insert("enabled".into(), enabled.into());
                art.attributes.insert("installed".into(), true.into());
            }
            // `[plugins."<p>".mcp_servers.<s>]` overlays the bundled servers' settings.
            let overlays = config.and_then(|p| p.get("mcp_servers")).and_then(Value::as_object);
            for art in inv.artifacts.iter_mut().skip(first_component) {
                if art.kind != ArtifactKind::McpServer {
                    continue;
                }
                let overlay = overlays.and_then(|o| o.get(&art.name));
                let server_on =
                    overlay.and_then(|o| o.get("enabled")).and_then(Value::as_bool).unwrap_or(true);
                art.attributes.insert("enabled".into(), (enabled && server_on).into());
                for k in ["default_tools_approval_mode", "enabled_tools", "disabled_tools"] {
                    if let Some(v) = overlay.and_then(|o| o.get(k)) {
                        art.attributes.insert(k.into(), v.clone());
                    }
                }
            }
            seen.push(key);
        }
    }
    let user_config = cx.display(&cx.home_path(".codex/config.toml"));
    for (key, entry) in configured.into_iter().flatten() {
        if seen.contains(key) {
            continue;
        }
        let enabled = entry.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        let (name, market) = key.split_once('@').unwrap_or((key.as_str(), ""));
        let mut art =
            Artifact::new(ArtifactKind::Plugin, CLIENT, name, Scope::User, &user_config, key.clone())
                .attr("type", "plugin")
                .attr("enabled", enabled)
                .attr("installed", false);
        if !market.is_empty() {
            art = art.attr("marketplace", market);
        }
        inv.push(art);
    }
}

/// Recursive table merge, later layers winning (codex-rs `config/src/merge.rs`).
fn merge_layers(layers: &[Layer]) -> Value {
    let mut merged = Value::Object(serde_json::Map::new());
    for layer in layers {
        merge_into(&mut merged, &layer.doc);
    }
    merged
}

fn merge_into(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge_into(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// `[projects."<abs path>"] trust_level` entries.
fn project_trust(merged: &Value) -> Vec<(String, String)> {
    merged
        .get("projects")
        .and_then(Value::as_object)
        .map(|projects| {
            projects
                .iter()
                .filter_map(|(path, p)| {
                    Some((path.clone(), p.get("trust_level").and_then(Value::as_str)?.to_ascii_lowercase()))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn same_path(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// `[[skills.config]] path = …, enabled = false` marks a skill folder disabled.
fn apply_skill_overrides(cx: &ScanContext, inv: &mut Inventory, merged: &Value) {
    let Some(entries) = merged.get("skills").and_then(|s| s.get("config")).and_then(Value::as_array) else {
        return;
    };
    for entry in entries {
        let (Some(path), Some(enabled)) =
            (entry.get("path").and_then(Value::as_str), entry.get("enabled").and_then(Value::as_bool))
        else {
            continue;
        };
        let shown = cx.display(&expand_home(cx, path));
        for art in inv.artifacts.iter_mut().filter(|a| a.client == CLIENT && a.kind == ArtifactKind::Skill) {
            if art.identity == shown {
                art.attributes.insert("enabled".into(), enabled.into());
            }
        }
    }
}

fn expand_home(cx: &ScanContext, path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => cx.home.join(rest),
        None => PathBuf::from(path),
    }
}

/// A requirements `[mcp_servers]` table is an allowlist by name and identity: servers that do
/// not match stay off whatever the user config says.
fn apply_mcp_requirements(inv: &mut Inventory, req: &Value) {
    let Some(allowed) = req.get("mcp_servers").and_then(Value::as_object) else { return };
    for art in inv.artifacts.iter_mut().filter(|a| a.client == CLIENT && a.kind == ArtifactKind::McpServer) {
        let permitted = allowed.get(&art.name).is_some_and(|rule| {
            let identity = rule.get("identity").unwrap_or(rule);
            let command_ok = match identity.get("command") {
                Some(Value::String(c)) => art.attributes.get("command").and_then(Value::as_str) == Some(c),
                Some(Value::Object(o)) => o
                    .get("executable")
                    .and_then(Value::as_str)
                    .is_none_or(|exe| art.attributes.get("command").and_then(Value::as_str) == Some(exe)),
                _ => true,
            };
            let url_ok = match identity.get("url") {
                Some(Value::String(u)) => art.attributes.get("url").and_then(Value::as_str) == Some(u),
                _ => true,
            };
            command_ok && url_ok
        });
        art.attributes.insert("allowed_by_requirements".into(), permitted.into());
    }
}

/// Risks of the security keys of one config table (a layer, a profile). `allowed` is the
/// requirements document: a value it disallows is replaced by Codex, so it is no risk.
fn setting_risks(doc: &Value, origin: &str, severity: Severity, req: Option<&Value>) -> Vec<Risk> {
    let mut risks = Vec::new();
    let permitted = |list: &str, value: &str| {
        req.and_then(|r| r.get(list)).and_then(Value::as_array).is_none_or(|a| a.iter().any(|v| v == value))
    };
    let sandbox = doc.get("sandbox_mode").and_then(Value::as_str);
    let permissions = doc.get("default_permissions").and_then(Value::as_str);
    if (sandbox == Some("danger-full-access") && permitted("allowed_sandbox_modes", "danger-full-access"))
        || permissions == Some(":danger-full-access")
    {
        risks.push(Risk::new(
            "sandbox-disabled",
            severity,
            format!("{origin}: danger-full-access runs every command unsandboxed with network access"),
        ));
    }
    if doc.get("approval_policy").and_then(Value::as_str) == Some("never")
        && permitted("allowed_approval_policies", "never")
    {
        risks.push(Risk::new(
            "approval-disabled",
            severity,
            format!("{origin}: approval_policy = \"never\" never asks before running a command"),
        ));
    }
    if doc.get("sandbox_workspace_write").and_then(|s| s.get("network_access")).and_then(Value::as_bool)
        == Some(true)
    {
        risks.push(Risk::new(
            "network-enabled",
            Severity::Low,
            format!("{origin}: sandboxed commands may reach the network"),
        ));
    }
    let features = doc.get("features");
    for key in ["hooks", "codex_hooks"] {
        if features.and_then(|f| f.get(key)).and_then(Value::as_bool) == Some(false) {
            risks.push(Risk::new(
                "hooks-disabled",
                severity,
                format!("{origin}: features.{key} = false turns off every hook, including Ward's"),
            ));
        }
    }
    risks
}

/// The effective security settings and their risks on the agent artifact.
fn agent_settings(
    cx: &ScanContext,
    mut agent: Artifact,
    merged: &Value,
    req: Option<&Value>,
    profile_files: &[(String, Layer)],
) -> Artifact {
    for key in ["sandbox_mode", "approval_policy", "approvals_reviewer", "default_permissions", "web_search"]
    {
        match merged.get(key) {
            Some(Value::String(s)) => agent = agent.attr(key, s.as_str()),
            Some(Value::Object(o)) if key == "approval_policy" && o.contains_key("granular") => {
                agent = agent.attr(key, "granular")
            }
            _ => {}
        }
    }
    if let Some(net) = merged.get("sandbox_workspace_write").and_then(|s| s.get("network_access")) {
        agent = agent.attr("network_access", net.clone());
    }

    // Profiles: `[profiles.<name>]` and profile v2 files, with their own risks (lower severity:
    // they apply only when selected).
    let mut profiles = BTreeMap::new();
    let mut risks = setting_risks(merged, "effective config", Severity::High, req);
    if let Some(table) = merged.get("profiles").and_then(Value::as_object) {
        for (name, p) in table {
            profiles.insert(name.clone(), profile_summary(p));
            risks.extend(setting_risks(p, &format!("profile `{name}`"), Severity::Medium, req));
        }
    }
    for (name, layer) in profile_files {
        profiles.insert(name.clone(), profile_summary(&layer.doc));
        risks.extend(setting_risks(&layer.doc, &layer.shown, Severity::Medium, req));
    }
    if !profiles.is_empty() {
        agent = agent.attr("profiles", serde_json::to_value(profiles).unwrap_or(Value::Null));
    }

    // deny_read: requirements deny_read (always enforced) plus the active permission profile.
    let mut deny_read: Vec<String> = req
        .and_then(|r| r.pointer("/permissions/filesystem/deny_read"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let active = req
        .and_then(|r| r.get("default_permissions"))
        .or_else(|| merged.get("default_permissions"))
        .and_then(Value::as_str);
    if let Some(active) = active {
        let mut profiles_by_name = serde_json::Map::new();
        for source in [Some(merged), req].into_iter().flatten() {
            if let Some(p) = source.get("permissions").and_then(Value::as_object) {
                profiles_by_name.extend(p.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        collect_profile_denies(&profiles_by_name, active, &mut deny_read, 0);
    }
    deny_read.sort();
    deny_read.dedup();
    agent = agent.attr("deny_read", deny_read);

    // Requirements (the admin floor) as read.
    if let Some(req) = req {
        let mut floor = serde_json::Map::new();
        for key in [
            "allowed_approval_policies",
            "allowed_sandbox_modes",
            "allowed_web_search_modes",
            "allow_managed_hooks_only",
            "default_permissions",
        ] {
            if let Some(v) = req.get(key) {
                floor.insert(key.to_owned(), v.clone());
            }
        }
        if let Some(servers) = req.get("mcp_servers").and_then(Value::as_object) {
            floor.insert("mcp_allowlist".into(), servers.keys().cloned().collect::<Vec<_>>().into());
        }
        agent = agent.attr("requirements", Value::Object(floor));
    }
    let trusted: Vec<String> = project_trust(merged)
        .into_iter()
        .filter(|(_, level)| level == "trusted")
        .map(|(path, _)| cx.display(Path::new(&path)))
        .collect();
    agent = agent.attr("trusted_projects", trusted);
    if let Some(hooks_on) =
        merged.pointer("/features/hooks").or_else(|| merged.pointer("/features/codex_hooks"))
    {
        agent = agent.attr("hooks_enabled", hooks_on.clone());
    }
    agent.risk.extend(risks);
    agent
}

fn profile_summary(p: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in ["sandbox_mode", "approval_policy", "default_permissions", "model"] {
        if let Some(v) = p.get(key).and_then(Value::as_str) {
            out.insert(key.to_owned(), v.into());
        }
    }
    Value::Object(out)
}

/// Paths a permission profile (and the profiles it `extends`) sets to `deny` (older: `none`).
fn collect_profile_denies(
    profiles: &serde_json::Map<String, Value>,
    name: &str,
    out: &mut Vec<String>,
    depth: usize,
) {
    // Codex rejects cycles; a bound keeps a cyclic file from looping here.
    if depth > 8 {
        return;
    }
    let Some(profile) = profiles.get(name) else { return };
    if let Some(fs) = profile.get("filesystem").and_then(Value::as_object) {
        for (path, value) in fs {
            match value {
                Value::String(v) if is_deny(v) => out.push(path.clone()),
                // `[…filesystem.":workspace_roots"] "**/*.env" = "deny"`: globs inside a root.
                Value::Object(inner) => {
                    out.extend(
                        inner
                            .iter()
                            .filter(|(_, v)| v.as_str().is_some_and(is_deny))
                            .map(|(glob, _)| glob.clone()),
                    );
                }
                _ => {}
            }
        }
    }
    if let Some(parent) = profile.get("extends").and_then(Value::as_str) {
        collect_profile_denies(profiles, parent, out, depth + 1);
    }
}

fn is_deny(v: &str) -> bool {
    v == "deny" || v == "none"
}

/// `[hooks.state."<source path>:<event_snake>:<group>:<handler>"] enabled, trusted_hash`: a
/// non-managed hook runs only once the user trusted it (reference/codex.md §3.5). Sets
/// `trust_status` = managed | trusted | untrusted | disabled on every Codex hook; Ward's own
/// hook that will not run is a risk.
fn apply_hook_trust(cx: &ScanContext, inv: &mut Inventory, merged: &Value) {
    let mut states = Vec::new();
    for (key, state) in merged.pointer("/hooks/state").and_then(Value::as_object).into_iter().flatten() {
        let mut parts = key.rsplitn(4, ':');
        let (Some(handler), Some(group), Some(event), Some(path)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let status = if state.get("enabled").and_then(Value::as_bool) == Some(false) {
            "disabled"
        } else if state.get("trusted_hash").and_then(Value::as_str).is_some_and(|h| !h.is_empty()) {
            "trusted"
        } else {
            "untrusted"
        };
        let shown = cx.display(&expand_home(cx, path));
        states.push((shown, event.to_owned(), format!("{group}.{handler}"), status));
    }
    for art in inv.artifacts.iter_mut().filter(|a| a.client == CLIENT && a.kind == ArtifactKind::Hook) {
        let event = art.attributes.get("event").and_then(Value::as_str).unwrap_or("").to_owned();
        if event == "notify" {
            continue;
        }
        let status = if art.scope == Scope::Managed {
            "managed"
        } else {
            let position = art.name.rsplit_once('#').map(|(_, p)| p).unwrap_or("");
            let snake = snake_case(&event);
            states
                .iter()
                .find(|(src, ev, pos, _)| *src == art.source && *ev == snake && pos == position)
                .map(|(_, _, _, status)| *status)
                .unwrap_or("untrusted")
        };
        art.attributes.insert("trust_status".into(), status.into());
        let is_ward = art.attributes.get("is_ward").and_then(Value::as_bool) == Some(true);
        if is_ward && matches!(status, "untrusted" | "disabled") {
            art.risk.push(Risk::new(
                "hook-inactive",
                Severity::Medium,
                format!("Codex skips this Ward hook: it is {status} in [hooks.state]"),
            ));
        }
    }
}

/// `PreToolUse` → `pre_tool_use`, the event label of hook state keys.
fn snake_case(event: &str) -> String {
    let mut out = String::with_capacity(event.len() + 4);
    for (i, c) in event.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
