//! Gemini CLI: the installation and its security settings, MCP servers, hooks, skills,
//! extensions (inventoried as plugins) and policy-engine rules at every layer
//! (reference/agents.md §5).
//!
//! Files read: system `system-defaults.json` and `settings.json` (`/etc/gemini-cli`, macOS
//! `/Library/Application Support/GeminiCli`, Windows `C:\ProgramData\gemini-cli`) and its
//! admin `policies/*.toml`; user `~/.gemini/{settings.json, skills/, extensions/<name>/,
//! policies/*.toml}`; per project `.gemini/{settings.json, skills/}`. `~/.agents/skills` and
//! `.agents/skills`, which Gemini shares with other agents, are reported for Gemini only when
//! it is installed.

use std::path::Path;

use serde_json::Value;
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use crate::context::ScanContext;
use crate::hooks::{scan_hooks_object, HookSource};
use crate::install::{agent_artifact, binary_version, find_binary};
use crate::inventory::Inventory;
use crate::locations::Locations;
use crate::mcp::{server_artifact, McpSource};
use crate::plugins::{files_with_suffix, scan_plugin_dir, sub_dirs, PluginSpec};
use crate::read::{read_json, read_toml};
use crate::skills::scan_skill_root;
use crate::ClientScanner;

const CLIENT: &str = "gemini-cli";

/// Scanner for Gemini CLI.
pub struct GeminiCli;

struct Settings {
    scope: Scope,
    shown: String,
    doc: Value,
}

impl ClientScanner for GeminiCli {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let loc = Locations::of_scan(cx);
        let gemini_dir = loc.gemini_dir();
        let binary = find_binary(cx, "gemini");
        let installed = binary.is_some() || crate::install::has_content(&gemini_dir);
        let system_dir = loc.gemini_system_dir();

        // Lowest precedence first: system defaults, user, (project), system settings.
        let defaults = read_settings(cx, inv, &system_dir.join("system-defaults.json"), Scope::Managed);
        let user = read_settings(cx, inv, &loc.gemini_user_settings(), Scope::User);
        let system = read_settings(cx, inv, &loc.gemini_system_settings(), Scope::Managed);
        let global: Vec<&Settings> = [&defaults, &user, &system].into_iter().flatten().collect();
        for s in &global {
            scan_settings_contents(cx, inv, s);
        }

        scan_skill_root(cx, inv, CLIENT, Scope::User, &gemini_dir.join("skills"));
        if installed {
            scan_skill_root(cx, inv, CLIENT, Scope::User, &cx.home_path(".agents/skills"));
        }
        let extension_count = scan_extensions(cx, inv, &gemini_dir.join("extensions"));
        let mut policy_risks = scan_policies(cx, inv, &system_dir.join("policies"), Scope::Managed);
        policy_risks.extend(scan_policies(cx, inv, &gemini_dir.join("policies"), Scope::User));

        let trusted_hooks = read_json(cx, inv, CLIENT, &gemini_dir.join("trusted_hooks.json"));
        let mut project_risks = Vec::new();
        for root in &cx.projects {
            let dot_gemini = root.join(".gemini");
            if let Some(s) = read_settings(cx, inv, &Locations::gemini_project_settings(root), Scope::Project)
            {
                let start = inv.artifacts.len();
                scan_settings_contents(cx, inv, &s);
                mark_project_hook_trust(inv, start, trusted_hooks.as_ref(), root);
                project_risks.extend(settings_risks(&s.doc, &s.shown, Severity::Medium));
            }
            scan_skill_root(cx, inv, CLIENT, Scope::Project, &dot_gemini.join("skills"));
            if installed {
                scan_skill_root(cx, inv, CLIENT, Scope::Project, &root.join(".agents/skills"));
            }
        }

        apply_mcp_filters(inv, &global);

        // `hooksConfig.disabled[]` names hooks Gemini skips.
        let disabled: Vec<String> = global
            .iter()
            .filter_map(|s| s.doc.pointer("/hooksConfig/disabled").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        for art in inv.artifacts.iter_mut().filter(|a| a.client == CLIENT && a.kind == ArtifactKind::Hook) {
            if let Some(name) = art.attributes.get("hook_name").and_then(Value::as_str) {
                if disabled.iter().any(|d| d == name) {
                    art.attributes.insert("enabled".into(), false.into());
                }
            }
        }

        if installed {
            let mut agent = agent_artifact(cx, CLIENT, binary.as_deref(), Some(&gemini_dir));
            if let Some(v) =
                binary.as_deref().and_then(|b| binary_version(b, Some("@google/gemini-cli"), &["gemini-cli"]))
            {
                agent = agent.attr("version", v);
            }
            agent = agent_settings(agent, &global).attr("extension_count", extension_count);
            agent.risk.extend(policy_risks);
            agent.risk.extend(project_risks);
            inv.push(agent);
        }
    }
}

fn read_settings(cx: &ScanContext, inv: &mut Inventory, path: &Path, scope: Scope) -> Option<Settings> {
    let doc = read_json(cx, inv, CLIENT, path)?;
    Some(Settings { scope, shown: cx.display(path), doc })
}

/// MCP servers and hooks of one settings file.
fn scan_settings_contents(cx: &ScanContext, inv: &mut Inventory, s: &Settings) {
    let src = McpSource { client: CLIENT, scope: s.scope, source: &s.shown };
    for (name, entry) in s.doc.get("mcpServers").and_then(Value::as_object).into_iter().flatten() {
        if !entry.is_object() {
            continue;
        }
        let mut art = server_artifact(&src, name, entry);
        for key in ["includeTools", "excludeTools", "timeout", "cwd"] {
            if let Some(v) = entry.get(key) {
                art = art.attr(key, v.clone());
            }
        }
        inv.push(art);
    }
    if let Some(hooks) = s.doc.get("hooks") {
        let src = HookSource { client: CLIENT, scope: s.scope, source: &s.shown };
        let mut out = Vec::new();
        scan_hooks_object(cx, &src, hooks, &mut out);
        for h in out {
            inv.push(h);
        }
    }
}

/// Project hooks run only once trusted: `~/.gemini/trusted_hooks.json` keeps, per project path,
/// the trusted `name:command` keys (⚠️ shape read leniently: path → list of keys).
fn mark_project_hook_trust(inv: &mut Inventory, start: usize, trusted: Option<&Value>, root: &Path) {
    let root_str = root.to_string_lossy();
    let keys: Vec<&str> = trusted
        .and_then(Value::as_object)
        .and_then(|m| m.get(root_str.as_ref()))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for art in inv.artifacts.iter_mut().skip(start).filter(|a| a.kind == ArtifactKind::Hook) {
        let name = art.attributes.get("hook_name").and_then(Value::as_str).unwrap_or("");
        let command = art.attributes.get("command").and_then(Value::as_str).unwrap_or("");
        let key = format!("{name}:{command}");
        let status = if keys.contains(&key.as_str()) { "trusted" } else { "untrusted" };
        art.attributes.insert("trust_status".into(), status.into());
    }
}

/// `mcp.allowed` / `mcp.excluded` of the merged settings (the last file that sets one wins)
/// switch servers off wherever they are configured.
fn apply_mcp_filters(inv: &mut Inventory, ordered: &[&Settings]) {
    let last =
        |pointer: &str| ordered.iter().rev().find_map(|s| s.doc.pointer(pointer).and_then(Value::as_array));
    let names = |list: Option<&Vec<Value>>| -> Option<Vec<String>> {
        list.map(|l| l.iter().filter_map(Value::as_str).map(str::to_owned).collect())
    };
    let allowed = names(last("/mcp/allowed"));
    let excluded = names(last("/mcp/excluded")).unwrap_or_default();
    for art in inv.artifacts.iter_mut().filter(|a| a.client == CLIENT && a.kind == ArtifactKind::McpServer) {
        let blocked =
            excluded.contains(&art.name) || allowed.as_ref().is_some_and(|a| !a.contains(&art.name));
        if blocked {
            art.attributes.insert("enabled".into(), false.into());
            art.attributes.insert("blocked_by_settings".into(), true.into());
        }
    }
}

/// `~/.gemini/extensions/<name>/gemini-extension.json` with bundled MCP servers, hooks and skills.
fn scan_extensions(cx: &ScanContext, inv: &mut Inventory, dir: &Path) -> usize {
    let mut count = 0;
    for ext in sub_dirs(dir) {
        let spec = PluginSpec {
            client: CLIENT,
            scope: Scope::User,
            manifests: &["gemini-extension.json"],
            label: "extension",
            marketplace: None,
            path_version: None,
            manifest_optional: false,
        };
        if let Some(idx) = scan_plugin_dir(cx, inv, &spec, &ext) {
            count += 1;
            // Written by `gemini extensions install`: where the extension came from.
            let install = ext.join(".gemini-extension-install.json");
            if let Some(meta) = read_json(cx, inv, CLIENT, &install) {
                if let Some(art) = inv.artifacts.get_mut(idx) {
                    for key in ["type", "source"] {
                        if let Some(v) = meta.get(key).and_then(Value::as_str) {
                            let attr = format!("install_{key}");
                            art.attributes.insert(attr, crate::sanitize::scrub_text(v).into());
                        }
                    }
                }
            }
        }
    }
    count
}

/// Policy-engine TOML files: parse errors are findings; an `allow` rule for the shell tool with
/// no command constraint is a risk.
fn scan_policies(cx: &ScanContext, inv: &mut Inventory, dir: &Path, scope: Scope) -> Vec<Risk> {
    let mut risks = Vec::new();
    for file in files_with_suffix(dir, &[".toml"]) {
        let Some(doc) = read_toml(cx, inv, CLIENT, &file) else { continue };
        let rules = doc.get("rule").and_then(|r| r.as_array()).cloned().unwrap_or_default();
        for rule in &rules {
            let is_shell = rule.get("toolName").and_then(|t| t.as_str()) == Some("run_shell_command");
            let allows = rule.get("decision").and_then(|d| d.as_str()) == Some("allow");
            let constrained =
                ["commandPrefix", "commandRegex", "argsPattern"].iter().any(|k| rule.get(*k).is_some());
            if is_shell && allows && !constrained {
                risks.push(Risk::new(
                    "broad-allow-rule",
                    if scope == Scope::Managed { Severity::High } else { Severity::Medium },
                    format!("{}: a policy rule allows every shell command without asking", cx.display(&file)),
                ));
            }
        }
    }
    risks
}

/// Risks of one settings file.
fn settings_risks(doc: &Value, origin: &str, severity: Severity) -> Vec<Risk> {
    let mut risks = Vec::new();
    let approval =
        ["/general/defaultApprovalMode", "/tools/approvalMode", "/approvalMode", "/defaultApprovalMode"]
            .iter()
            .find_map(|p| doc.pointer(p).and_then(Value::as_str));
    if approval == Some("yolo") {
        risks.push(Risk::new(
            "approval-disabled",
            severity,
            format!("{origin}: approval mode yolo runs every tool without asking"),
        ));
    }
    if ["/tools/autoAccept", "/autoAccept"]
        .iter()
        .any(|p| doc.pointer(p).and_then(Value::as_bool) == Some(true))
    {
        risks.push(Risk::new(
            "auto-accept",
            Severity::Low,
            format!("{origin}: autoAccept runs tools Gemini considers safe without asking"),
        ));
    }
    let hooks_off = doc.pointer("/hooksConfig/enabled").and_then(Value::as_bool) == Some(false)
        || doc.pointer("/hooks/enabled").and_then(Value::as_bool) == Some(false);
    if hooks_off {
        risks.push(Risk::new(
            "hooks-disabled",
            severity,
            format!("{origin}: hooks are switched off, including Ward's"),
        ));
    }
    if doc.pointer("/security/folderTrust/enabled").and_then(Value::as_bool) == Some(false) {
        risks.push(Risk::new(
            "folder-trust-disabled",
            Severity::Low,
            format!("{origin}: project settings, hooks and MCP servers load in any folder"),
        ));
    }
    let allowed = super::claude_code::string_list(doc.pointer("/tools/allowed"));
    if allowed.iter().any(|t| t == "run_shell_command" || t == "ShellTool") {
        risks.push(Risk::new(
            "broad-allow-rule",
            Severity::Medium,
            format!("{origin}: tools.allowed lets every shell command run without asking"),
        ));
    }
    risks
}

/// Effective settings (later files in `ordered` win) and their risks.
fn agent_settings(mut agent: Artifact, ordered: &[&Settings]) -> Artifact {
    let last = |pointers: &[&str]| {
        ordered.iter().rev().find_map(|s| pointers.iter().find_map(|p| s.doc.pointer(p).cloned()))
    };
    if let Some(v) = last(&["/tools/sandbox", "/sandbox"]) {
        agent = agent.attr("sandbox", v);
    }
    for (attr, pointers) in [
        ("approval_mode", &["/general/defaultApprovalMode", "/tools/approvalMode"][..]),
        ("disable_yolo_mode", &["/security/disableYoloMode"][..]),
        ("folder_trust", &["/security/folderTrust/enabled"][..]),
        ("hooks_enabled", &["/hooksConfig/enabled"][..]),
        ("mcp_allowed", &["/mcp/allowed"][..]),
        ("mcp_excluded", &["/mcp/excluded"][..]),
        ("tools_exclude", &["/tools/exclude"][..]),
    ] {
        if let Some(v) = last(pointers) {
            agent = agent.attr(attr, v);
        }
    }
    // Gemini has no path deny list in settings; read denials live in policy rules with
    // argument patterns, which are not path globs.
    agent = agent.attr("deny_read", Vec::<String>::new());
    let yolo_blocked = ordered.iter().any(|s| {
        s.scope == Scope::Managed && s.doc.pointer("/security/disableYoloMode") == Some(&Value::Bool(true))
    });
    for s in ordered {
        for risk in settings_risks(&s.doc, &s.shown, Severity::High) {
            if risk.flag == "approval-disabled" && yolo_blocked {
                continue;
            }
            agent.risk.push(risk);
        }
    }
    agent
}
