//! One MCP server entry, in any of the shapes the agents use, turned into an artifact with risk
//! flags. Client modules find the entries; this module reads them.
//!
//! Shapes handled (see ../shared/reference/agents.md §0.2 and codex.md §1.6): stdio
//! `{command, args, env}`; command as argv array (OpenCode) or object `{path, args, env}` (old
//! Zed); remote `{url | httpUrl | serverUrl, headers, type}`; env under `env` or `environment`;
//! Codex `env_vars` (names passed through) and `bearer_token_env_var`; `disabled` / `enabled`.

use serde_json::Value;
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use crate::sanitize::{is_plaintext_secret, scrub_args, scrub_text};

/// Where an MCP entry was found.
pub struct McpSource<'a> {
    pub client: &'a str,
    pub scope: Scope,
    /// The file, as shown in reports (`~/.cursor/mcp.json`).
    pub source: &'a str,
}

/// Build the artifact for the server `name` configured as `entry`. Unknown keys are ignored.
pub fn server_artifact(src: &McpSource<'_>, name: &str, entry: &Value) -> Artifact {
    let (command, mut args, nested_env) = command_and_args(entry);
    if let Some(a) = entry.get("args").and_then(Value::as_array) {
        args.extend(a.iter().map(value_to_arg));
    }
    let url =
        ["url", "httpUrl", "serverUrl", "uri"].iter().find_map(|k| entry.get(*k).and_then(Value::as_str));
    let declared_type = entry.get("type").or_else(|| entry.get("transport")).and_then(Value::as_str);
    let transport = match (declared_type, url, &command) {
        (Some(t), _, _) => normalize_transport(t, entry),
        (None, Some(_), _) if entry.get("httpUrl").is_some() => "http".to_owned(),
        (None, Some(_), _) => "http".to_owned(),
        (None, None, Some(_)) => "stdio".to_owned(),
        (None, None, None) => "unknown".to_owned(),
    };

    let scrubbed_args = scrub_args(&args);
    let identity = match (&command, url) {
        (Some(c), _) => {
            std::iter::once(scrub_text(c)).chain(scrubbed_args.iter().cloned()).collect::<Vec<_>>().join(" ")
        }
        (None, Some(u)) => scrub_text(u),
        (None, None) => String::new(),
    };

    let mut art = Artifact::new(ArtifactKind::McpServer, src.client, name, src.scope, src.source, identity)
        .attr("transport", transport.clone());
    if let Some(c) = &command {
        art = art.attr("command", scrub_text(c)).attr("args", scrubbed_args.clone());
    }
    if let Some(u) = url {
        art = art.attr("url", scrub_text(u));
    }

    // Env var and header *names* only; values are inspected for plaintext secrets, never kept.
    let mut env_names = Vec::new();
    let mut secret_names = Vec::new();
    for env in [entry.get("env"), entry.get("environment"), nested_env].into_iter().flatten() {
        if let Some(map) = env.as_object() {
            for (k, v) in map {
                env_names.push(k.clone());
                if v.as_str().is_some_and(|v| is_plaintext_secret(k, v)) {
                    secret_names.push(format!("env {k}"));
                }
            }
        }
    }
    if let Some(list) = entry.get("env_vars").and_then(Value::as_array) {
        env_names.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    let mut header_names = Vec::new();
    for key in ["headers", "http_headers"] {
        if let Some(map) = entry.get(key).and_then(Value::as_object) {
            for (k, v) in map {
                header_names.push(k.clone());
                if v.as_str().is_some_and(|v| is_plaintext_secret(k, v)) {
                    secret_names.push(format!("header {k}"));
                }
            }
        }
    }
    if let Some(map) = entry.get("env_http_headers").and_then(Value::as_object) {
        header_names.extend(map.keys().cloned());
    }
    if let Some(var) = entry.get("bearer_token_env_var").and_then(Value::as_str) {
        env_names.push(var.to_owned());
    }
    env_names.sort();
    env_names.dedup();
    if !env_names.is_empty() {
        art = art.attr("env_names", env_names);
    }
    if !header_names.is_empty() {
        art = art.attr("header_names", header_names);
    }
    let enabled = !(entry.get("disabled").and_then(Value::as_bool) == Some(true)
        || entry.get("enabled").and_then(Value::as_bool) == Some(false));
    art = art.attr("enabled", enabled);
    for key in ["autoApprove", "alwaysAllow", "trust"] {
        if let Some(v) = entry.get(key) {
            art = art.attr(key, v.clone());
        }
    }

    // Risk flags.
    if !secret_names.is_empty() {
        art = art.with_risk(Risk::new(
            "plaintext-secret",
            Severity::High,
            format!(
                "credential stored in plain text in the config ({}); use an env reference",
                secret_names.join(", ")
            ),
        ));
    }
    if secret_in_args(&args) {
        art = art.with_risk(Risk::new(
            "secret-in-args",
            Severity::High,
            "a credential is passed on the command line, visible to every process on the machine",
        ));
    }
    if let Some(c) = &command {
        if let Some(pkg) = unpinned_package(c, &args) {
            art = art.with_risk(Risk::new(
                "unpinned-package",
                Severity::Medium,
                format!("`{pkg}` is fetched at its latest version on every start; pin a version"),
            ));
        }
    }
    if let Some(u) = url {
        if is_plain_http_remote(u) {
            art = art.with_risk(Risk::new(
                "insecure-transport",
                Severity::High,
                "remote MCP server over plain http: traffic and credentials can be read on the network",
            ));
        }
    }
    if entry.get("trust").and_then(Value::as_bool) == Some(true) {
        art = art.with_risk(Risk::new(
            "tool-confirmation-bypassed",
            Severity::Medium,
            "`trust: true` runs every tool of this server without asking",
        ));
    }
    for key in ["autoApprove", "alwaysAllow"] {
        if entry.get(key).and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
            art = art.with_risk(Risk::new(
                "tool-confirmation-bypassed",
                Severity::Low,
                format!("`{key}` lists tools that run without asking"),
            ));
        }
    }
    art
}

fn value_to_arg(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The command and any args/env nested in the command field itself.
fn command_and_args(entry: &Value) -> (Option<String>, Vec<String>, Option<&Value>) {
    match entry.get("command") {
        Some(Value::String(c)) => (Some(c.clone()), Vec::new(), None),
        Some(Value::Array(argv)) => {
            let mut it = argv.iter().map(value_to_arg);
            let cmd = it.next();
            (cmd, it.collect(), None)
        }
        Some(obj @ Value::Object(_)) => {
            let path = obj.get("path").and_then(Value::as_str).map(str::to_owned);
            let args =
                obj.get("args").and_then(Value::as_array).map(|a| a.iter().map(value_to_arg).collect());
            (path, args.unwrap_or_default(), obj.get("env"))
        }
        _ => (None, Vec::new(), None),
    }
}

fn normalize_transport(t: &str, entry: &Value) -> String {
    match t.to_ascii_lowercase().as_str() {
        "stdio" | "local" => "stdio".to_owned(),
        "sse" => "sse".to_owned(),
        "ws" | "websocket" => "ws".to_owned(),
        "http" | "streamable-http" | "streamablehttp" | "streamable_http" => "http".to_owned(),
        "remote" => {
            if entry.get("url").is_some() {
                "http".to_owned()
            } else {
                "remote".to_owned()
            }
        }
        other => other.to_owned(),
    }
}

/// `npx pkg`, `uvx pkg`, `bunx pkg`, `pnpm dlx pkg`, `yarn dlx pkg`, `pipx run pkg` without a
/// pinned version (or `@latest`). Returns the package as written.
pub fn unpinned_package(command: &str, args: &[String]) -> Option<String> {
    let prog = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(command)
        .trim_end_matches(".cmd")
        .trim_end_matches(".exe");
    let rest: &[String] = match prog {
        "npx" | "bunx" | "uvx" => args,
        "pnpm" | "yarn" | "npm" | "bun" | "pipx" | "uv" => {
            let pos = args.iter().position(|a| matches!(a.as_str(), "dlx" | "exec" | "x" | "run"))?;
            &args[pos + 1..]
        }
        _ => return None,
    };
    // Skip flags (and the value of flags known to take one) to reach the package.
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        if a == "--" {
            i += 1;
            continue;
        }
        if a.starts_with('-') {
            if matches!(a.as_str(), "-p" | "--package" | "--from" | "--with" | "--python") {
                // `npx -p pkg cmd` / `uvx --from pkg cmd`: the package is the value.
                return rest.get(i + 1).filter(|p| !is_pinned(p)).cloned();
            }
            i += 1;
            continue;
        }
        return (!is_pinned(a)).then(|| a.clone());
    }
    None
}

fn is_pinned(pkg: &str) -> bool {
    if pkg.contains("==") || pkg.starts_with("git+") || pkg.starts_with('.') || pkg.starts_with('/') {
        return !pkg.contains("@latest");
    }
    // npm: `name@version` or `@scope/name@version`; the leading `@` of a scope does not count.
    let body = pkg.strip_prefix('@').unwrap_or(pkg);
    match body.rsplit_once('@') {
        Some((_, ver)) => {
            !ver.is_empty()
                && ver != "latest"
                && ver != "next"
                && ver.chars().next().is_some_and(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

fn secret_in_args(args: &[String]) -> bool {
    let scrubbed = scrub_args(args);
    scrubbed.iter().zip(args).any(|(s, a)| s != a)
}

/// `http://` to anything but loopback.
pub fn is_plain_http_remote(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    !(host == "localhost" || host.starts_with("127.") || host == "::1" || host == "0.0.0.0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn src() -> McpSource<'static> {
        McpSource { client: "cursor", scope: Scope::User, source: "~/.cursor/mcp.json" }
    }

    #[test]
    fn stdio_unpinned_with_plaintext_secret() {
        let a = server_artifact(
            &src(),
            "github",
            &json!({"command":"npx","args":["-y","@modelcontextprotocol/server-github"],"env":{"GITHUB_PERSONAL_ACCESS_TOKEN":"ghp_plantedSECRET0123456789abcdefghijkl"}}),
        );
        assert_eq!(a.identity, "npx -y @modelcontextprotocol/server-github");
        let flags: Vec<_> = a.risk.iter().map(|r| r.flag.as_str()).collect();
        assert!(flags.contains(&"unpinned-package") && flags.contains(&"plaintext-secret"), "{flags:?}");
        let json = serde_json::to_string(&a).unwrap();
        assert!(!json.contains("plantedSECRET"));
        assert!(json.contains("GITHUB_PERSONAL_ACCESS_TOKEN"));
    }

    #[test]
    fn pinned_packages() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(unpinned_package("npx", &s(&["-y", "@scope/pkg@1.2.3"])), None);
        assert_eq!(unpinned_package("npx", &s(&["-y", "@scope/pkg"])), Some("@scope/pkg".into()));
        assert_eq!(unpinned_package("npx", &s(&["pkg@latest"])), Some("pkg@latest".into()));
        assert_eq!(unpinned_package("uvx", &s(&["mcp-server-git==0.6.2"])), None);
        assert_eq!(unpinned_package("uvx", &s(&["mcp-server-git"])), Some("mcp-server-git".into()));
        assert_eq!(unpinned_package("node", &s(&["server.js"])), None);
    }

    #[test]
    fn remote_shapes() {
        let a = server_artifact(
            &src(),
            "r",
            &json!({"url":"http://mcp.example.com/sse","headers":{"Authorization":"Bearer abcdefghijklmnop"}}),
        );
        assert_eq!(a.attributes["transport"], "http");
        let flags: Vec<_> = a.risk.iter().map(|r| r.flag.as_str()).collect();
        assert!(flags.contains(&"insecure-transport") && flags.contains(&"plaintext-secret"));
        assert!(!serde_json::to_string(&a).unwrap().contains("abcdefghijklmnop"));
        let local = server_artifact(&src(), "l", &json!({"url":"http://127.0.0.1:8080/mcp"}));
        assert!(local.risk.is_empty());
        let oc = server_artifact(
            &src(),
            "o",
            &json!({"type":"local","command":["bunx","my-mcp"],"environment":{"X":"y"}}),
        );
        assert_eq!(oc.identity, "bunx my-mcp");
        assert_eq!(oc.attributes["transport"], "stdio");
    }
}
