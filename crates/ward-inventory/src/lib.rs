//! Discovery of what AI agents are installed on a machine and what they are configured with:
//! the eight artifact kinds (agent, mcp_server, extension, skill, plugin, secret, hook, cli),
//! with risk flags. One module per client under [`clients`]; shared parsing lives beside it.
//!
//! Scanning never fails as a whole: a missing file is skipped, a broken one becomes a
//! [`ward_model::Finding`], and the rest of the scan goes on. No secret value is ever put into
//! an artifact, a finding or an error: see [`sanitize`].

pub mod clients;
pub mod clis;
pub mod context;
pub mod cyclonedx;
pub mod effective;
mod effective_mcp;
pub mod extensions;
pub mod guide;
pub mod hooks;
pub mod install;
pub mod inventory;
pub mod locations;
pub mod mcp;
pub mod plugins;
pub mod read;
pub mod report;
pub mod sanitize;
pub mod sarif;
pub mod scan;
pub mod secrets;
pub mod skills;

pub use context::{Os, ScanContext};
pub use inventory::Inventory;
pub use locations::Locations;
pub use scan::{scan, ScanOptions, ScanProgress};

/// One client's discovery: look at the machine through `cx`, record into `inv`.
pub trait ClientScanner: Sync {
    /// The client name used in artifacts (`codex`, `claude-code`, …).
    fn client(&self) -> &'static str;
    fn scan(&self, cx: &ScanContext, inv: &mut Inventory);
}

/// Fuzz entry point for the config readers: any bytes, read as JSONC, TOML and YAML, and every
/// object inside taken as an MCP server entry and as a hooks object. Must never panic.
pub fn fuzz_config(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let mut values = Vec::new();
    if let Ok(v) = read::parse_jsonc(&text) {
        values.push(v);
    }
    if let Ok(v) = read::parse_yaml(&text) {
        values.push(v);
    }
    if let Ok(t) = text.parse::<toml::Table>() {
        if let Ok(v) = serde_json::to_value(t) {
            values.push(v);
        }
    } else if let Err(e) = text.parse::<toml::Table>() {
        let _ = read::toml_error(&text, &e);
    }
    let cx = ScanContext::new(std::path::PathBuf::from("/fuzz-home"));
    let src = mcp::McpSource { client: "fuzz", scope: ward_model::Scope::User, source: "fuzz" };
    let hook_src = hooks::HookSource { client: "fuzz", scope: ward_model::Scope::User, source: "fuzz" };
    for v in &values {
        let mut out = Vec::new();
        hooks::scan_hooks_object(&cx, &hook_src, v, &mut out);
        if let Some(map) = v.as_object() {
            for (name, entry) in map {
                let art = mcp::server_artifact(&src, name, entry);
                // The floor check's allowlist readers take the same outside input.
                let list = |k: &str| v.get(k).and_then(serde_json::Value::as_array).map(Vec::as_slice);
                let _ = effective_mcp::codex_verdict(v.get("mcp_servers"), &art);
                let _ = effective_mcp::claude_verdict(
                    list("allowedMcpServers"),
                    list("deniedMcpServers").unwrap_or_default(),
                    &art,
                );
                let _ = effective_mcp::gemini_verdict(
                    list("allowed"),
                    list("excluded").unwrap_or_default(),
                    &art,
                );
                if let Some(inner) = entry.as_object() {
                    for (n, e) in inner {
                        let _ = mcp::server_artifact(&src, n, e);
                    }
                }
            }
        }
    }
}
