//! OpenCode (anomalyco/opencode, formerly sst/opencode): the installation and its permission
//! settings, MCP servers, plugins (npm and local files), the hooks those plugin files register,
//! and skills at every layer (reference/agents.md §12).
//!
//! Files read: managed `opencode.json(c)` (`/etc/opencode`, macOS
//! `/Library/Application Support/opencode`, Windows `C:\ProgramData\opencode`); user
//! `~/.config/opencode/{opencode.json(c), config.json, plugins/, skills/}`; per project
//! `opencode.json(c)`, `.opencode/{opencode.json(c), plugins/, skills/}`. OpenCode has no
//! stdin hook protocol: its hooks are functions of in-process JS/TS plugins, found here by the
//! hook names a plugin file mentions. Shared locations (`.claude/skills`, `.agents/skills`,
//! `.agents/mcp.json` and their `~` forms) are reported for OpenCode only when it is installed.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use crate::context::{Os, ScanContext};
use crate::hooks::{hook_artifact, HookSource};
use crate::install::{agent_artifact, binary_version, find_binary, first_executable, mdm_profile_present};
use crate::inventory::Inventory;
use crate::mcp::{server_artifact, unpinned_package, McpSource};
use crate::plugins::{files_with_suffix, mcp_server_map};
use crate::read::{read_json, read_text};
use crate::sanitize::scrub_text;
use crate::skills::scan_skill_root;
use crate::ClientScanner;

const CLIENT: &str = "opencode";

/// Plugin hook names (`@opencode-ai/plugin` `Hooks`) worth reporting.
const PLUGIN_HOOKS: &[&str] = &[
    "tool.execute.before",
    "tool.execute.after",
    "permission.ask",
    "chat.message",
    "chat.params",
    "shell.env",
    "event",
];

/// OpenCode's built-in read denials (permissions.mdx: `.env` files are denied by default).
const DEFAULT_DENY_READ: &[&str] = &["*.env", "*.env.*"];

/// Scanner for OpenCode.
pub struct OpenCode;

struct Config {
    scope: Scope,
    shown: String,
    doc: Value,
}

impl ClientScanner for OpenCode {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let config_dir = cx.home_path(".config/opencode");
        let binary = find_binary(cx, "opencode")
            .or_else(|| first_executable(&[cx.home_path(".opencode/bin/opencode")]));
        let installed = binary.is_some()
            || crate::install::has_content(&config_dir)
            || crate::install::has_content(&cx.home_path(".local/share/opencode"));
        let managed_dir = match cx.os {
            Os::MacOs => cx.system_path("/Library/Application Support/opencode"),
            Os::Windows => cx.system_path("ProgramData/opencode"),
            Os::Linux => cx.system_path("/etc/opencode"),
        };

        // Lowest precedence first.
        let mut global = Vec::new();
        for name in ["config.json", "opencode.json", "opencode.jsonc"] {
            global.extend(read_config(cx, inv, &config_dir.join(name), Scope::User));
        }
        for name in ["opencode.json", "opencode.jsonc"] {
            global.extend(read_config(cx, inv, &managed_dir.join(name), Scope::Managed));
        }
        for c in &global {
            scan_config_contents(cx, inv, c);
        }
        scan_plugin_files(cx, inv, &config_dir, Scope::User);
        scan_skill_root(cx, inv, CLIENT, Scope::User, &config_dir.join("skills"));
        if installed {
            scan_skill_root(cx, inv, CLIENT, Scope::User, &cx.home_path(".claude/skills"));
            scan_skill_root(cx, inv, CLIENT, Scope::User, &cx.home_path(".agents/skills"));
            scan_agents_mcp(cx, inv, &cx.home_path(".agents/mcp.json"), Scope::User);
        }

        let mut project_risks = Vec::new();
        for root in &cx.projects {
            let dot = root.join(".opencode");
            let files = [
                root.join("opencode.json"),
                root.join("opencode.jsonc"),
                dot.join("opencode.json"),
                dot.join("opencode.jsonc"),
            ];
            for path in files {
                if let Some(c) = read_config(cx, inv, &path, Scope::Project) {
                    scan_config_contents(cx, inv, &c);
                    project_risks.extend(config_risks(&c.doc, &c.shown, Severity::Medium));
                }
            }
            scan_plugin_files(cx, inv, &dot, Scope::Project);
            scan_skill_root(cx, inv, CLIENT, Scope::Project, &dot.join("skills"));
            if installed {
                scan_skill_root(cx, inv, CLIENT, Scope::Project, &root.join(".claude/skills"));
                scan_skill_root(cx, inv, CLIENT, Scope::Project, &root.join(".agents/skills"));
                scan_agents_mcp(cx, inv, &root.join(".agents/mcp.json"), Scope::Project);
            }
        }

        if installed {
            let mut agent = agent_artifact(cx, CLIENT, binary.as_deref(), Some(&config_dir));
            if let Some(v) =
                binary.as_deref().and_then(|b| binary_version(b, Some("opencode-ai"), &["opencode"]))
            {
                agent = agent.attr("version", v);
            }
            let ordered: Vec<&Config> = global.iter().collect();
            if let Some(present) = mdm_profile_present(cx, "ai.opencode.managed") {
                agent = agent.attr("mdm_profile", present);
            }
            agent = agent_settings(agent, &ordered);
            agent.risk.extend(project_risks);
            inv.push(agent);
        }
    }
}

fn read_config(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) -> Option<Config> {
    let doc = read_json(cx, inv, CLIENT, path)?;
    Some(Config { scope, shown: cx.display(path), doc })
}

/// MCP servers (`mcp`) and npm plugins (`plugin: []`) of one config file.
fn scan_config_contents(cx: &ScanContext, inv: &mut Inventory, c: &Config) {
    let src = McpSource { client: CLIENT, scope: c.scope, source: &c.shown };
    for (name, entry) in c.doc.get("mcp").and_then(Value::as_object).into_iter().flatten() {
        if entry.is_object() {
            inv.push(server_artifact(&src, name, entry));
        }
    }
    for spec in c.doc.get("plugin").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
    {
        inv.push(npm_plugin_artifact(cx, c, spec));
    }
}

/// An entry of `plugin: []`: an npm package (`name`, `name@1.2.3`, `@scope/name@x`) Bun installs
/// into `~/.cache/opencode/node_modules`, or a `file://` path.
fn npm_plugin_artifact(cx: &ScanContext, c: &Config, spec: &str) -> Artifact {
    let spec_shown = scrub_text(spec);
    let is_file = spec.starts_with("file://") || spec.starts_with('.') || spec.starts_with('/');
    let body = spec.strip_prefix('@').unwrap_or(spec);
    let name = match body.rsplit_once('@') {
        Some((n, _)) if !is_file => {
            if spec.starts_with('@') {
                format!("@{n}")
            } else {
                n.to_owned()
            }
        }
        _ => spec_shown.clone(),
    };
    let mut art = Artifact::new(ArtifactKind::Plugin, CLIENT, name.clone(), c.scope, &c.shown, spec_shown)
        .attr("type", "plugin")
        .attr("source_type", if is_file { "file" } else { "npm" });
    if !is_file {
        if let Some((_, v)) = body.rsplit_once('@') {
            art = art.attr("version", v);
        }
        let installed = cx.home_path(".cache/opencode/node_modules").join(&name).join("package.json");
        art = art.attr("installed", installed.is_file());
        if unpinned_package("bunx", &[spec.to_owned()]).is_some() {
            art = art.with_risk(Risk::new(
                "unpinned-package",
                Severity::Medium,
                format!("plugin `{name}` is installed at its latest version; pin a version"),
            ));
        }
    }
    art
}

/// Local plugin files `<dir>/plugins/*.{js,ts}` (older releases: `plugin/`): a plugin artifact
/// each, plus a hook artifact per plugin hook the file registers.
fn scan_plugin_files(cx: &ScanContext, inv: &mut Inventory, dir: &Path, scope: Scope) {
    let suffixes = [".js", ".ts", ".mjs", ".mts"];
    let files: Vec<PathBuf> =
        ["plugins", "plugin"].iter().flat_map(|sub| files_with_suffix(&dir.join(sub), &suffixes)).collect();
    for file in files {
        let Some(text) = read_text(cx, inv, CLIENT, &file) else { continue };
        let shown = cx.display(&file);
        let name = file.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let hooks: Vec<&str> = PLUGIN_HOOKS.iter().copied().filter(|h| mentions_hook(&text, h)).collect();
        let is_ward = text.contains("ward hook");
        inv.push(
            Artifact::new(ArtifactKind::Plugin, CLIENT, name.clone(), scope, shown.clone(), shown.clone())
                .attr("type", "plugin")
                .attr("source_type", "file")
                .attr("hooks", hooks.clone())
                .attr("is_ward", is_ward),
        );
        let src = HookSource { client: CLIENT, scope, source: &shown };
        for (i, hook) in hooks.iter().enumerate() {
            let handler = json!({ "type": "plugin", "command": shown });
            let mut art =
                hook_artifact(cx, &src, hook, None, &handler, &i.to_string()).attr("plugin", name.clone());
            art.attributes.insert("is_ward".into(), is_ward.into());
            inv.push(art);
        }
    }
}

/// The hook name as an object key: `"tool.execute.before":` or `'…':`. `event` is only a hook
/// as a bare key (`event:` / `async event(`), which the generic check below covers.
fn mentions_hook(text: &str, hook: &str) -> bool {
    let quoted = [format!("\"{hook}\""), format!("'{hook}'"), format!("`{hook}`")];
    if quoted.iter().any(|q| text.contains(q.as_str())) {
        return true;
    }
    hook == "event" && (text.contains("event:") || text.contains("async event("))
}

/// `.agents/mcp.json` (newer builds ⚠️): servers under `mcpServers` or `mcp`.
fn scan_agents_mcp(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) {
    let Some(doc) = read_json(cx, inv, CLIENT, path) else { return };
    let shown = cx.display(path);
    let src = McpSource { client: CLIENT, scope, source: &shown };
    let map = match doc.get("mcp") {
        Some(m @ Value::Object(_)) => mcp_server_map(m),
        _ => mcp_server_map(&doc),
    };
    for (name, entry) in map {
        inv.push(server_artifact(&src, name, entry));
    }
}

/// A permission object with its patterns (command globs a user may have pasted a token into)
/// scrubbed, keys and values alike.
fn scrub_value(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (scrub_text(k), scrub_value(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(scrub_value).collect()),
        Value::String(s) => Value::String(scrub_text(s)),
        other => other.clone(),
    }
}

/// The permission for a tool: a string, or a pattern map whose `*` entry is the default.
fn tool_permission<'a>(permission: &'a Value, tool: &str) -> Option<&'a str> {
    match permission.get(tool)? {
        Value::String(s) => Some(s.as_str()),
        Value::Object(map) => map.get("*").and_then(Value::as_str),
        _ => None,
    }
}

fn config_risks(doc: &Value, origin: &str, severity: Severity) -> Vec<Risk> {
    let mut risks = Vec::new();
    if let Some(permission) = doc.get("permission") {
        let all_allowed =
            permission.as_str() == Some("allow") || tool_permission(permission, "*") == Some("allow");
        if all_allowed {
            risks.push(Risk::new(
                "approval-disabled",
                severity,
                format!("{origin}: permission \"*\" = allow runs every tool without asking"),
            ));
        } else if tool_permission(permission, "bash") == Some("allow") {
            risks.push(Risk::new(
                "broad-allow-rule",
                severity,
                format!("{origin}: bash = allow runs any shell command without asking"),
            ));
        }
    }
    for (agent_name, agent) in doc.get("agent").and_then(Value::as_object).into_iter().flatten() {
        if agent.get("permission").and_then(|p| tool_permission(p, "bash")) == Some("allow") {
            risks.push(Risk::new(
                "broad-allow-rule",
                Severity::Medium,
                format!("{origin}: agent `{agent_name}` runs any shell command without asking"),
            ));
        }
    }
    if doc.get("share").and_then(Value::as_str) == Some("auto") {
        risks.push(Risk::new(
            "session-sharing",
            Severity::Medium,
            format!("{origin}: share = auto publishes every session to a public link"),
        ));
    }
    risks
}

fn agent_settings(mut agent: Artifact, ordered: &[&Config]) -> Artifact {
    // Permission objects merge per tool; later files win.
    let mut permission = serde_json::Map::new();
    for c in ordered {
        match c.doc.get("permission") {
            Some(Value::Object(map)) => {
                for (tool, rule) in map {
                    // Pattern maps merge per pattern; a plain string replaces the tool's rule.
                    match (permission.get_mut(tool), rule) {
                        (Some(Value::Object(existing)), Value::Object(patterns)) => {
                            existing.extend(patterns.iter().map(|(k, v)| (k.clone(), v.clone())));
                        }
                        _ => {
                            permission.insert(tool.clone(), rule.clone());
                        }
                    }
                }
            }
            Some(Value::String(s)) => {
                permission.clear();
                permission.insert("*".into(), Value::String(s.clone()));
            }
            _ => {}
        }
    }
    if let Some(share) = ordered.iter().rev().find_map(|c| c.doc.get("share").cloned()) {
        agent = agent.attr("share", share);
    }
    // deny_read: the built-in `.env` denials unless re-allowed, plus configured `read` denials.
    let read = permission.get("read");
    let mut deny_read: Vec<String> = DEFAULT_DENY_READ
        .iter()
        .filter(|glob| read.and_then(|r| r.get(**glob)).and_then(Value::as_str).is_none_or(|v| v == "deny"))
        .filter(|_| read.and_then(Value::as_str) != Some("allow"))
        .map(|g| (*g).to_owned())
        .collect();
    if let Some(map) = read.and_then(Value::as_object) {
        deny_read.extend(map.iter().filter(|(_, v)| v.as_str() == Some("deny")).map(|(k, _)| k.clone()));
    }
    if read.and_then(Value::as_str) == Some("deny") {
        deny_read.push("**".to_owned());
    }
    deny_read.sort();
    deny_read.dedup();
    agent = agent.attr("permission", scrub_value(&Value::Object(permission))).attr("deny_read", deny_read);
    for c in ordered {
        agent.risk.extend(config_risks(&c.doc, &c.shown, Severity::High));
    }
    agent
}
