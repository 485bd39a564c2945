//! Hooks in the Claude Code settings shape, which Claude Code, Continue, VS Code Copilot,
//! Copilot CLI, Gemini CLI and Cursor (third-party mode) all read:
//! `{"hooks": {"<Event>": [{"matcher": "…", "hooks": [{"type": "command", "command": "…"}]}]}}`,
//! plus the flat shapes `{"<event>": [{"command": "…"}]}` (Cursor, Windsurf, Copilot CLI
//! `bash`/`powershell`) handled by [`hook_artifact`].

use std::path::Path;

use serde_json::Value;
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use crate::context::ScanContext;
use crate::sanitize::{is_reference, scrub_text};

/// Where a hooks object was found.
pub struct HookSource<'a> {
    pub client: &'a str,
    pub scope: Scope,
    pub source: &'a str,
}

/// Inventory every hook of a `hooks` object (event → list of matcher groups or of handlers).
pub fn scan_hooks_object(cx: &ScanContext, src: &HookSource<'_>, hooks: &Value, out: &mut Vec<Artifact>) {
    let Some(events) = hooks.as_object() else { return };
    for (event, groups) in events {
        let Some(groups) = groups.as_array() else { continue };
        for (gi, group) in groups.iter().enumerate() {
            // A group or handler of the wrong type is skipped, not reported as an empty hook.
            if !group.is_object() {
                continue;
            }
            let matcher = group.get("matcher").and_then(Value::as_str);
            match group.get("hooks").and_then(Value::as_array) {
                // Nested: matcher group with handlers.
                Some(handlers) => {
                    for (hi, h) in handlers.iter().enumerate().filter(|(_, h)| h.is_object()) {
                        out.push(hook_artifact(cx, src, event, matcher, h, &format!("{gi}.{hi}")));
                    }
                }
                // Flat: the group is the handler.
                None => out.push(hook_artifact(cx, src, event, matcher, group, &gi.to_string())),
            }
        }
    }
}

/// One hook handler. `position` keeps two identical handlers of one event apart in the id.
pub fn hook_artifact(
    cx: &ScanContext,
    src: &HookSource<'_>,
    event: &str,
    matcher: Option<&str>,
    handler: &Value,
    position: &str,
) -> Artifact {
    let kind = handler.get("type").and_then(Value::as_str).unwrap_or("command");
    let command = ["command", "bash", "powershell", "windows", "linux", "osx"]
        .iter()
        .find_map(|k| handler.get(*k).and_then(Value::as_str));
    let url = handler.get("url").and_then(Value::as_str);
    let target = command.or(url).unwrap_or("");
    let identity = scrub_text(target);
    let name = format!("{event}#{position}");
    let mut art =
        Artifact::new(ArtifactKind::Hook, src.client, name, src.scope, src.source, identity.clone())
            .attr("event", event)
            .attr("type", kind);
    if let Some(m) = matcher {
        art = art.attr("matcher", m);
    }
    if let Some(c) = command {
        art = art.attr("command", scrub_text(c));
    }
    if let Some(u) = url {
        art = art.attr("url", scrub_text(u));
    }
    if let Some(n) = handler.get("name").and_then(Value::as_str) {
        art = art.attr("hook_name", n);
    }
    for key in ["timeout", "timeoutSec", "timeout_ms", "failClosed", "async"] {
        if let Some(v) = handler.get(key) {
            art = art.attr(key, v.clone());
        }
    }
    art = art.attr("is_ward", target.contains("ward hook"));
    if let Some(c) = command {
        if let Some(path) = first_program(c) {
            if is_user_writable_location(cx, &path) {
                art = art.with_risk(Risk::new(
                    "user-writable-hook",
                    Severity::Medium,
                    format!("hook runs {} from a user-writable location; anything that can write there runs on every matching tool call", cx.display(Path::new(&path))),
                ));
            }
        }
    }
    if let Some(u) = url {
        if crate::mcp::is_plain_http_remote(u) {
            art = art.with_risk(Risk::new(
                "insecure-transport",
                Severity::High,
                "HTTP hook over plain http to a remote host",
            ));
        }
    }
    art
}

/// The program a hook command line starts (the script path after an interpreter, if any).
fn first_program(command: &str) -> Option<String> {
    let mut words = command.split_whitespace().filter(|w| !w.contains('=') || w.starts_with('/'));
    let mut first = words.next()?;
    if matches!(
        first,
        "sh" | "bash" | "zsh" | "python" | "python3" | "node" | "bun" | "deno" | "ruby" | "perl"
    ) {
        first = words.find(|w| !w.starts_with('-'))?;
    }
    let first = first.trim_matches(['"', '\'']);
    if is_reference(first) && !first.starts_with("$HOME") && !first.starts_with("${HOME}") {
        // `$CLAUDE_PROJECT_DIR/...`: inside the project, which the user (and the agent) can write.
        return Some(first.to_owned());
    }
    (first.contains('/') || first.starts_with('~')).then(|| first.to_owned())
}

/// Under the home, `/tmp`, a project variable, or world-writable on disk.
fn is_user_writable_location(cx: &ScanContext, path: &str) -> bool {
    if path.starts_with('~')
        || path.starts_with("$HOME")
        || path.starts_with("${HOME}")
        || path.starts_with('$')
    {
        return true;
    }
    if !path.starts_with('/') {
        // Relative: resolved against the project, which the agent itself can write.
        return true;
    }
    let p = Path::new(path);
    if p.starts_with(&cx.home) || p.starts_with("/tmp") || p.starts_with("/var/tmp") {
        return true;
    }
    world_writable(p)
}

#[cfg(unix)]
fn world_writable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).map(|m| m.permissions().mode() & 0o002 != 0).unwrap_or(false)
}

#[cfg(not(unix))]
fn world_writable(_p: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_and_flat_shapes() {
        let cx = ScanContext::new("/home/u".into());
        let src = HookSource { client: "claude-code", scope: Scope::User, source: "~/.claude/settings.json" };
        let mut out = Vec::new();
        scan_hooks_object(
            &cx,
            &src,
            &json!({
                "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/audit.sh --token=abcdef123456"}]}],
                "preToolUse": [{"command": "ward hook cursor", "failClosed": true}]
            }),
            &mut out,
        );
        assert_eq!(out.len(), 2);
        let a = out.iter().find(|a| a.attributes["event"] == "PreToolUse").unwrap();
        assert_eq!(a.attributes["matcher"], "Bash");
        assert!(a.risk.iter().any(|r| r.flag == "user-writable-hook"));
        assert!(!a.identity.contains("abcdef123456"));
        let w = out.iter().find(|a| a.attributes["event"] == "preToolUse").unwrap();
        assert_eq!(w.attributes["is_ward"], true);
        assert!(w.risk.is_empty());
    }
}
