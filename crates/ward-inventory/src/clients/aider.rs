//! Aider: installation (version read from the Python environment the `aider` launcher points
//! at), `.aider.conf.yml` in the home and each repository (later wins, so both matter), its
//! dangerous settings (`yes-always`, API keys written in the file), MCP servers where the build
//! supports them (`mcp-servers`, `mcp-servers-file`), and the commands Aider runs on its own
//! after edits (`lint-cmd`, `test-cmd`), reported as hooks since they are its only hook-like
//! mechanism.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use ward_model::{Risk, Scope, Severity};

use super::probe::{agent_artifact, push_mcp_servers};
use crate::context::ScanContext;
use crate::hooks::{hook_artifact, HookSource};
use crate::inventory::Inventory;
use crate::read::{parse_jsonc, read_json, read_yaml};
use crate::sanitize::is_plaintext_secret;
use crate::ClientScanner;

pub struct Aider;

const CLIENT: &str = "aider";

impl ClientScanner for Aider {
    fn client(&self) -> &'static str {
        CLIENT
    }

    fn scan(&self, cx: &ScanContext, inv: &mut Inventory) {
        let mut configs: Vec<(Scope, PathBuf)> = vec![(Scope::User, cx.home_path(".aider.conf.yml"))];
        configs.extend(cx.projects.iter().map(|r| (Scope::Project, r.join(".aider.conf.yml"))));

        let mut risks = Vec::new();
        let mut settings = Vec::new();
        for (scope, path) in &configs {
            let Some(doc) = read_yaml(cx, inv, CLIENT, path) else { continue };
            if !doc.is_object() {
                continue;
            }
            let shown = cx.display(path);
            risks.extend(config_risks(&doc, &shown));
            settings.push(json!({
                "source": shown,
                "yes-always": doc.get("yes-always").cloned().unwrap_or(Value::Null),
                "auto-lint": doc.get("auto-lint").cloned().unwrap_or(Value::Null),
                "auto-test": doc.get("auto-test").cloned().unwrap_or(Value::Null),
                "auto-commits": doc.get("auto-commits").cloned().unwrap_or(Value::Null),
            }));
            scan_commands(cx, inv, *scope, &shown, &doc);
            scan_mcp(cx, inv, *scope, path, &doc);
        }

        let binary = cx.which("aider");
        let Some(proof) = binary.clone().or_else(|| (!settings.is_empty()).then(|| configs[0].1.clone()))
        else {
            return;
        };
        let shown = cx.display(&proof);
        let mut art = agent_artifact(CLIENT, "Aider", &shown, &shown).attr("settings", settings);
        if let Some(b) = &binary {
            art = art.attr("binary", cx.display(b));
            if let Some(v) = python_dist_version(b, "aider_chat") {
                art = art.attr("version", v);
            }
        }
        for r in risks {
            art = art.with_risk(r);
        }
        inv.push(art);
    }
}

fn config_risks(doc: &Value, shown: &str) -> Vec<Risk> {
    let mut out = Vec::new();
    if doc.get("yes-always").and_then(Value::as_bool) == Some(true) {
        out.push(Risk::new(
            "approval-disabled",
            Severity::High,
            format!("{shown}: yes-always confirms every action (shell commands included) without asking"),
        ));
    }
    let Some(map) = doc.as_object() else { return out };
    let mut secret_keys = Vec::new();
    for (k, v) in map {
        if !(k.ends_with("api-key") || k.ends_with("api-base") || k == "set-env") {
            continue;
        }
        let values: Vec<&str> = match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        // `api-key: provider=key` and `set-env: NAME=value` carry the value after `=`.
        let leaked = values.iter().any(|s| {
            let (name, value) = s.split_once('=').unwrap_or((k.as_str(), s));
            is_plaintext_secret(&format!("{k}_{name}"), value)
        });
        if leaked {
            secret_keys.push(k.clone());
        }
    }
    if !secret_keys.is_empty() {
        out.push(Risk::new(
            "plaintext-secret",
            Severity::High,
            format!(
                "{shown}: credential stored in plain text ({}); use an environment variable",
                secret_keys.join(", ")
            ),
        ));
    }
    out
}

/// `lint-cmd` / `test-cmd`: commands Aider runs after its edits (`auto-lint` defaults to on,
/// `auto-test` to off).
fn scan_commands(cx: &ScanContext, inv: &mut Inventory, scope: Scope, shown: &str, doc: &Value) {
    let src = HookSource { client: CLIENT, scope, source: shown };
    for (key, auto_key, auto_default) in [("lint-cmd", "auto-lint", true), ("test-cmd", "auto-test", false)] {
        let commands: Vec<&str> = match doc.get(key) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        let auto = doc.get(auto_key).and_then(Value::as_bool).unwrap_or(auto_default);
        for (i, cmd) in commands.iter().enumerate() {
            // Lint commands may be `language: command`.
            let command = match cmd.split_once(": ") {
                Some((lang, rest)) if key == "lint-cmd" && !lang.contains(' ') => rest,
                _ => cmd,
            };
            let handler = json!({"type": "command", "command": command});
            inv.push(
                hook_artifact(cx, &src, key, None, &handler, &i.to_string()).attr("runs_automatically", auto),
            );
        }
    }
}

/// `mcp-servers:` (a JSON string or a mapping with `mcpServers`) and `mcp-servers-file:`.
fn scan_mcp(cx: &ScanContext, inv: &mut Inventory, scope: Scope, path: &Path, doc: &Value) {
    let shown = cx.display(path);
    let inline = match doc.get("mcp-servers") {
        Some(Value::String(s)) => match parse_jsonc(s) {
            Ok(v) => Some(v),
            Err(e) => {
                inv.parse_error(CLIENT, &shown, format!("mcp-servers: {}", crate::read::json_error(&e)));
                None
            }
        },
        Some(v @ Value::Object(_)) => Some(v.clone()),
        _ => None,
    };
    if let Some(v) = inline {
        push_mcp_servers(inv, CLIENT, scope, &shown, v.get("mcpServers").unwrap_or(&v));
    }
    if let Some(file) = doc.get("mcp-servers-file").and_then(Value::as_str) {
        let file = expand(cx, path, file);
        if let Some(v) = read_json(cx, inv, CLIENT, &file) {
            push_mcp_servers(inv, CLIENT, scope, &cx.display(&file), v.get("mcpServers").unwrap_or(&v));
        }
    }
}

/// `~/x` against the home, relative paths against the config file's folder.
fn expand(cx: &ScanContext, config: &Path, file: &str) -> PathBuf {
    if let Some(rest) = file.strip_prefix("~/") {
        return cx.home_path(rest);
    }
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        config.parent().map(|d| d.join(p)).unwrap_or_else(|| p.to_path_buf())
    }
}

/// The version of a Python distribution in the environment a console script runs in, read from
/// `<env>/lib/python*/site-packages/<dist>-<v>.dist-info`. The environment is the one the
/// (symlink-resolved) script sits in (`<env>/bin/aider`, the pipx and uv-tool layout), else the
/// one its shebang interpreter belongs to. Nothing is executed.
pub fn python_dist_version(script: &Path, dist: &str) -> Option<String> {
    let real = std::fs::canonicalize(script).ok()?;
    let beside = real.parent().and_then(Path::parent).map(Path::to_path_buf);
    beside
        .and_then(|env| dist_info_version(&env, dist))
        .or_else(|| shebang_env(&real).and_then(|env| dist_info_version(&env, dist)))
}

fn shebang_env(script: &Path) -> Option<PathBuf> {
    use std::io::Read;
    let mut head = [0u8; 512];
    let n = std::fs::File::open(script).ok()?.read(&mut head).ok()?;
    let first = std::str::from_utf8(head.get(..n)?).ok()?.lines().next()?;
    let interpreter = first.strip_prefix("#!")?.split_whitespace().next()?;
    Some(Path::new(interpreter).parent()?.parent()?.to_path_buf())
}

fn dist_info_version(env: &Path, dist: &str) -> Option<String> {
    let lib = std::fs::read_dir(env.join("lib")).ok()?;
    let prefix = format!("{dist}-");
    for py in lib.filter_map(Result::ok) {
        let Ok(site) = std::fs::read_dir(py.path().join("site-packages")) else { continue };
        for entry in site.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(v) = name.strip_prefix(&prefix).and_then(|r| r.strip_suffix(".dist-info")) {
                return Some(v.to_owned());
            }
        }
    }
    None
}
