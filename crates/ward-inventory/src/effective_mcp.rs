//! The MCP servers an agent actually starts in one project: its MCP maps merged the way the
//! agent merges them, minus what its own admin allowlist blocks (Codex requirements
//! `mcp_servers` by name + identity, Claude Code `allowedMcpServers` / `deniedMcpServers` and the
//! exclusive `managed-mcp.json`, Gemini CLI `mcp.allowed` / `mcp.excluded`). The floor check
//! compares the result with the policy's approved list; `ward scan` inventories every
//! configured server regardless.

use std::collections::BTreeMap;

use serde_json::Value;
use ward_model::{Artifact, Scope};

use crate::mcp::{server_artifact, McpSource};

/// One configured server before the allowlist: its entry and where it came from.
pub(crate) struct Configured {
    pub name: String,
    pub entry: Value,
    pub source: String,
    pub scope: Scope,
}

/// Merge `name → entry` maps, later maps replacing earlier entries of the same name (Claude
/// Code, Gemini CLI, Cursor: a server is defined whole by the highest scope that has it).
pub(crate) fn replace_by_name(maps: Vec<(Option<&Value>, String, Scope)>) -> Vec<Configured> {
    let mut out: BTreeMap<String, Configured> = BTreeMap::new();
    for (map, source, scope) in maps {
        for (name, entry) in map.and_then(Value::as_object).into_iter().flatten() {
            out.insert(
                name.clone(),
                Configured { name: name.clone(), entry: entry.clone(), source: source.clone(), scope },
            );
        }
    }
    out.into_values().collect()
}

/// Whether an entry is switched off in its own config (`enabled = false`, `disabled: true`).
fn switched_off(entry: &Value) -> bool {
    entry.get("enabled") == Some(&Value::Bool(false)) || entry.get("disabled") == Some(&Value::Bool(true))
}

pub(crate) fn artifact(client: &str, c: &Configured) -> Artifact {
    server_artifact(&McpSource { client, scope: c.scope, source: &c.source }, &c.name, &c.entry)
}

/// Split configured servers into started artifacts and blocked reasons with `verdict`
/// (`None` = allowed).
pub(crate) fn apply(
    client: &str,
    configured: Vec<Configured>,
    verdict: impl Fn(&Configured, &Artifact) -> Option<String>,
) -> (Vec<Artifact>, Vec<String>) {
    let mut started = Vec::new();
    let mut blocked = Vec::new();
    for c in configured {
        if switched_off(&c.entry) {
            continue;
        }
        let art = artifact(client, &c);
        match verdict(&c, &art) {
            Some(why) => blocked.push(format!("{} ({}): {why}", c.name, c.source)),
            None => started.push(art),
        }
    }
    (started, blocked)
}

fn attr<'a>(a: &'a Artifact, key: &str) -> Option<&'a str> {
    a.attributes.get(key).and_then(Value::as_str)
}

fn argv(a: &Artifact) -> Option<Vec<String>> {
    let command = attr(a, "command")?;
    let args = a.attributes.get("args").and_then(Value::as_array).cloned().unwrap_or_default();
    Some(
        std::iter::once(command.to_owned())
            .chain(args.iter().filter_map(|v| v.as_str().map(str::to_owned)))
            .collect(),
    )
}

/// Codex requirements `[mcp_servers.<name>] identity = { command = … } | { url = … }`: a
/// server runs only when an entry has its name and its identity.
pub(crate) fn codex_verdict(requirements: Option<&Value>, a: &Artifact) -> Option<String> {
    let table = requirements?.as_object()?;
    let Some(req) = table.get(&a.name) else {
        return Some("not in requirements.toml [mcp_servers]; Codex does not start it".to_owned());
    };
    let identity = req.get("identity").unwrap_or(req);
    let want_cmd = identity.get("command").and_then(Value::as_str);
    let want_url = identity.get("url").and_then(Value::as_str);
    let ok = match (want_cmd, want_url) {
        (Some(c), _) => attr(a, "command") == Some(c),
        (None, Some(u)) => attr(a, "url") == Some(u),
        (None, None) => false,
    };
    (!ok).then(|| {
        "its command/URL differs from requirements.toml's identity; Codex does not start it".to_owned()
    })
}

/// `*` matches any run of characters (Claude Code's `serverUrl` patterns).
fn wildcard(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || !s.ends_with(last) || s.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn claude_entry_matches(entry: &Value, a: &Artifact) -> bool {
    if let Some(n) = entry.get("serverName").and_then(Value::as_str) {
        return n == a.name;
    }
    if let Some(cmd) = entry.get("serverCommand").and_then(Value::as_array) {
        let want: Vec<&str> = cmd.iter().filter_map(Value::as_str).collect();
        return argv(a).is_some_and(|have| have.iter().map(String::as_str).eq(want.iter().copied()));
    }
    if let Some(u) = entry.get("serverUrl").and_then(Value::as_str) {
        return attr(a, "url").is_some_and(|url| wildcard(u, url));
    }
    false
}

/// Claude Code's managed MCP lists (docs `managed-mcp`): a denylist match always blocks; with an
/// allowlist, a server must match an entry, and when the allowlist has `serverCommand` (or
/// `serverUrl`) entries a stdio (remote) server must match one of those, not just its name.
pub(crate) fn claude_verdict(allowed: Option<&[Value]>, denied: &[Value], a: &Artifact) -> Option<String> {
    if denied.iter().any(|e| claude_entry_matches(e, a)) {
        return Some("listed in deniedMcpServers; Claude Code does not start it".to_owned());
    }
    let allowed = allowed?;
    let remote = attr(a, "url").is_some() && attr(a, "command").is_none();
    let kind_key = if remote { "serverUrl" } else { "serverCommand" };
    let kind_entries: Vec<&Value> = allowed.iter().filter(|e| e.get(kind_key).is_some()).collect();
    let ok = if kind_entries.is_empty() {
        allowed.iter().any(|e| claude_entry_matches(e, a))
    } else {
        kind_entries.iter().any(|e| claude_entry_matches(e, a))
    };
    (!ok).then(|| "not matched by allowedMcpServers; Claude Code does not start it".to_owned())
}

/// Gemini CLI's `mcp.allowed` / `mcp.excluded` (server names).
pub(crate) fn gemini_verdict(allowed: Option<&[Value]>, excluded: &[Value], a: &Artifact) -> Option<String> {
    if excluded.iter().any(|n| n.as_str() == Some(a.name.as_str())) {
        return Some("listed in mcp.excluded; Gemini CLI does not start it".to_owned());
    }
    let allowed = allowed?;
    (!allowed.iter().any(|n| n.as_str() == Some(a.name.as_str())))
        .then(|| "not in mcp.allowed; Gemini CLI does not start it".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_claude_codes_server_urls() {
        assert!(wildcard("https://*.acme.example/*", "https://mcp.acme.example/v1"));
        assert!(!wildcard("https://*.acme.example/*", "https://acme.example.evil/x"));
        assert!(wildcard("https://exact.example/mcp", "https://exact.example/mcp"));
        assert!(!wildcard("https://exact.example/mcp", "https://exact.example/mcp2"));
    }
}
