//! Registering Ward as each real agent's hook, in the documented user-level and managed files
//! (docs/hooks.md, README "Decisions", shared reference real-agents.md). One function per agent
//! and scope, so what the suite relies on is written down once; when `ward install` lands it
//! replaces these, and these stay the oracle of what an install must produce.

use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Seconds the agents give the hook: above Ward's own 5 s deadline, as install must register.
pub const HOOK_TIMEOUT_SECS: u64 = 10;

/// The shell command an agent runs for its hook: Ward's binary by absolute path.
pub fn ward_command(ward: &Path, agent: &str) -> String {
    format!("'{}' hook {agent}", ward.display())
}

fn write_json(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// Codex, user level: `$CODEX_HOME/hooks.json`, plus the hook-trust entry in
/// `$CODEX_HOME/config.toml` without which Codex silently skips a user hook. Appends to an
/// existing config.toml (which must not already have a `[hooks]` table).
pub fn codex_user(codex_home: &Path, ward: &Path) {
    let command = ward_command(ward, "codex");
    let hooks_json = codex_home.join("hooks.json");
    let handler = json!({"type": "command", "command": command, "timeout": HOOK_TIMEOUT_SECS});
    write_json(&hooks_json, &json!({"hooks": {"PreToolUse": [{"hooks": [handler]}]}}));
    let key = format!("{}:pre_tool_use:0:0", hooks_json.display());
    let hash = codex_command_hook_hash("pre_tool_use", None, &command, HOOK_TIMEOUT_SECS);
    let config = codex_home.join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!(
        "\n[hooks.state.{}]\nenabled = true\ntrusted_hash = \"{hash}\"\n",
        toml_basic_string(&key)
    ));
    std::fs::write(&config, text).unwrap();
}

/// Codex, managed: `/etc/codex/requirements.toml` `[hooks]` (no trust step). `etc` is the
/// directory shown at `/etc`.
pub fn codex_managed(etc: &Path, ward: &Path) {
    let command = ward_command(ward, "codex");
    let path = etc.join("codex/requirements.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        format!(
            "# Ward as Codex's managed PreToolUse hook (test tree)\n\
             [[hooks.PreToolUse]]\nmatcher = \"*\"\n\n\
             [[hooks.PreToolUse.hooks]]\ntype = \"command\"\ncommand = {}\ntimeout = {HOOK_TIMEOUT_SECS}\n",
            toml_basic_string(&command)
        ),
    )
    .unwrap();
}

/// Codex's trust hash of one command hook: SHA-256 over the compact, key-sorted JSON of
/// `{"event_name", "matcher"?, "hooks": [{"type":"command","command","timeout","async":false}]}`
/// (codex-rs `command_hook_hash` / `version_for_toml`), written `sha256:<hex>`.
pub fn codex_command_hook_hash(event: &str, matcher: Option<&str>, command: &str, timeout: u64) -> String {
    let mut identity = json!({
        "event_name": event,
        "hooks": [{"type": "command", "command": command, "timeout": timeout, "async": false}],
    });
    if let Some(m) = matcher {
        identity["matcher"] = json!(m);
    }
    let canonical = serde_json::to_vec(&sorted(&identity)).unwrap();
    format!("sha256:{}", hex::encode(Sha256::digest(canonical)))
}

/// The value with object keys sorted at every level (independent of serde_json's map order).
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// A TOML basic string (JSON string escaping is a subset TOML accepts for these inputs).
fn toml_basic_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn claude_hooks(ward: &Path) -> Value {
    json!({"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": ward_command(ward, "claude-code"), "timeout": HOOK_TIMEOUT_SECS}
    ]}]})
}

/// Claude Code, user level: `$CLAUDE_CONFIG_DIR/settings.json`.
pub fn claude_user(config_dir: &Path, ward: &Path) {
    write_json(&config_dir.join("settings.json"), &json!({"hooks": claude_hooks(ward)}));
}

/// Claude Code, managed: `/etc/claude-code/managed-settings.json`, with only managed hooks
/// allowed.
pub fn claude_managed(etc: &Path, ward: &Path) {
    write_json(
        &etc.join("claude-code/managed-settings.json"),
        &json!({"allowManagedHooksOnly": true, "hooks": claude_hooks(ward)}),
    );
}

fn gemini_hooks(ward: &Path) -> Value {
    json!({"BeforeTool": [{"matcher": ".*", "hooks": [
        {"type": "command", "command": ward_command(ward, "gemini-cli"), "timeout": HOOK_TIMEOUT_SECS * 1000}
    ]}]})
}

/// Gemini CLI, user level: the `hooks` key of `~/.gemini/settings.json` (merged into what is
/// there).
pub fn gemini_user(home: &Path, ward: &Path) {
    let path = home.join(".gemini/settings.json");
    let mut settings: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| json!({}));
    settings["hooks"] = gemini_hooks(ward);
    write_json(&path, &settings);
}

/// Gemini CLI, system: `/etc/gemini-cli/settings.json`.
pub fn gemini_system(etc: &Path, ward: &Path) {
    write_json(&etc.join("gemini-cli/settings.json"), &json!({"hooks": gemini_hooks(ward)}));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_hash_is_over_sorted_compact_json() {
        // The identity Codex hashes, written out by hand in key order.
        let expected = r#"{"event_name":"pre_tool_use","hooks":[{"async":false,"command":"ward hook codex","timeout":10,"type":"command"}]}"#;
        assert_eq!(
            codex_command_hook_hash("pre_tool_use", None, "ward hook codex", 10),
            format!("sha256:{}", hex::encode(Sha256::digest(expected.as_bytes())))
        );
        assert_ne!(
            codex_command_hook_hash("pre_tool_use", Some("*"), "ward hook codex", 10),
            codex_command_hook_hash("pre_tool_use", None, "ward hook codex", 10)
        );
    }
}
