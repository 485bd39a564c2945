//! Codex's hook-trust hash, computed independently of Ward (codex-rs `command_hook_hash`), to
//! check what `ward install codex` writes: a user-level hook runs only when `config.toml` holds
//! `[hooks.state."<hooks.json>:pre_tool_use:<group>:<handler>"]` with this `trusted_hash`, and
//! Codex skips it silently otherwise.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Agent, World};

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

    /// `ward install codex` trusts exactly the handler it wrote, with Codex's hash.
    #[test]
    fn ward_install_writes_the_trust_state_codex_computes() {
        let world = World::new();
        let codex_home = world.home.join(".codex");
        std::fs::create_dir_all(&codex_home).unwrap();
        std::fs::write(codex_home.join("config.toml"), "model = \"gpt-5.5\"\n").unwrap();
        world.install_ward(Agent::Codex, false);

        let hooks_json = codex_home.join("hooks.json");
        let hooks: Value = serde_json::from_str(&std::fs::read_to_string(&hooks_json).unwrap()).unwrap();
        let handler = &hooks["hooks"]["PreToolUse"][0]["hooks"][0];
        let command = handler["command"].as_str().expect("a command handler");
        let timeout = handler["timeout"].as_u64().expect("a registered timeout");
        assert!(timeout * 1000 > 5000, "the registered timeout {timeout} s must exceed Ward's 5 s deadline");
        let config = std::fs::read_to_string(codex_home.join("config.toml")).unwrap();
        let key = format!("[hooks.state.\"{}:pre_tool_use:0:0\"]", hooks_json.display());
        let expected = codex_command_hook_hash("pre_tool_use", None, command, timeout);
        assert!(config.contains(&key), "no trust entry {key} in config.toml:\n{config}");
        assert!(config.contains(&expected), "config.toml does not trust {expected}:\n{config}");
        assert!(config.starts_with("model = \"gpt-5.5\""), "the user's config was not kept:\n{config}");
    }
}
