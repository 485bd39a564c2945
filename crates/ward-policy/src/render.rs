//! Floor rendering: a tier's floor turned into the files each agent reads — Codex
//! `requirements.toml`, Codex managed `config.toml`, a macOS `.mobileconfig` for
//! `com.openai.codex`, Claude Code `managed-settings.json`, Cursor enterprise `hooks.json`,
//! Gemini CLI system `settings.json` — byte-stable (same policy, tier and options, same bytes) so
//! an admin can review a diff and ship it. Also the agent-version adjustments ([`codex_floor`])
//! and strictness orders that `ward floor check` uses to compare a machine with a floor.
//!
//! Ward's path patterns are translated to each agent's own syntax here; the translation of each
//! target is documented in `docs/floors.md`.

use std::fmt::{self, Write as _};

use crate::floor::{ApprovalPolicy, ApprovalsReviewer, FailMode, Floor, SandboxMode, WebSearchMode};
use crate::glob::expand_alternatives;
use crate::Policy;

/// A file `ward floor render` can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    CodexRequirements,
    CodexConfig,
    CodexMdm,
    ClaudeManaged,
    CursorHooks,
    GeminiSettings,
}

impl Target {
    pub const ALL: &'static [Target] = &[
        Target::CodexRequirements,
        Target::CodexConfig,
        Target::CodexMdm,
        Target::ClaudeManaged,
        Target::CursorHooks,
        Target::GeminiSettings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::CodexRequirements => "codex-requirements",
            Target::CodexConfig => "codex-config",
            Target::CodexMdm => "codex-mdm",
            Target::ClaudeManaged => "claude-managed",
            Target::CursorHooks => "cursor-hooks",
            Target::GeminiSettings => "gemini-settings",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.iter().copied().find(|t| t.as_str() == s)
    }

    /// The agent (client name) whose floor this target carries.
    pub fn agent(self) -> &'static str {
        match self {
            Target::CodexRequirements | Target::CodexConfig | Target::CodexMdm => "codex",
            Target::ClaudeManaged => "claude-code",
            Target::CursorHooks => "cursor",
            Target::GeminiSettings => "gemini-cli",
        }
    }

    /// Where the file goes on Linux (macOS paths are in docs/floors.md).
    pub fn install_path(self) -> &'static str {
        match self {
            Target::CodexRequirements => "/etc/codex/requirements.toml",
            Target::CodexConfig => "/etc/codex/managed_config.toml",
            Target::CodexMdm => "your MDM, as a configuration profile for the com.openai.codex domain",
            Target::ClaudeManaged => "/etc/claude-code/managed-settings.json",
            Target::CursorHooks => "/etc/cursor/hooks.json",
            Target::GeminiSettings => "/etc/gemini-cli/settings.json",
        }
    }

    /// The file-name extension of the rendered file.
    pub fn extension(self) -> &'static str {
        match self {
            Target::CodexRequirements | Target::CodexConfig => "toml",
            Target::CodexMdm => "mobileconfig",
            Target::ClaudeManaged | Target::CursorHooks | Target::GeminiSettings => "json",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a render needs besides the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Absolute path of the `ward` binary the agent runs as its hook.
    pub ward_binary: String,
    /// The agent version the file is for (`0.171.0`); `None`: the newest Ward knows.
    pub agent_version: Option<String>,
    /// Where the version came from, for the file's comment ("detected", "--agent-version").
    pub version_source: String,
    /// The hook timeout to register, in seconds; must exceed Ward's own deadline.
    pub hook_timeout_secs: u64,
}

/// A rendered file and what it could not express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// Parts of the floor the target cannot express (left to Ward's hook at runtime), and
    /// version adjustments. Also written into the file where the format has comments.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("unknown tier `{tier}` (the policy names: {known})")]
    UnknownTier { tier: String, known: String },
    #[error("`{0}` is not a version Ward can read (expected MAJOR.MINOR[.PATCH], like 0.171.0)")]
    BadVersion(String),
}

/// The first Codex release that refuses `approval_policy = "untrusted"` as a setting
/// ("no longer supported; remove this setting"). Measured: 0.171 refuses; the docs retired it
/// around 0.159. Versions at or above this, and unknown versions, never get it rendered.
pub const CODEX_UNTRUSTED_RETIRED: (u64, u64, u64) = (0, 159, 0);

/// `MAJOR.MINOR[.PATCH]` with an optional `v` prefix and any suffix after the numbers
/// (`codex-cli 0.171.0` reads as 0.171.0).
pub fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let word = text
        .split_whitespace()
        .find(|w| w.trim_start_matches('v').starts_with(|c: char| c.is_ascii_digit()))?;
    let mut parts = word.trim_start_matches('v').split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((major, minor, patch))
}

/// The floor Codex can actually be given at `version`: `approval = untrusted` becomes
/// `on-request` where Codex refuses `untrusted` (Ward's hook still asks or denies at runtime).
/// The notes say what changed. `ward floor check` compares against this same floor.
pub fn codex_floor(floor: &Floor, version: Option<(u64, u64, u64)>) -> (Floor, Vec<String>) {
    let mut out = floor.clone();
    let mut notes = Vec::new();
    let retired = version.is_none_or(|v| v >= CODEX_UNTRUSTED_RETIRED);
    if retired && floor.approval == Some(ApprovalPolicy::Untrusted) {
        out.approval = Some(ApprovalPolicy::OnRequest);
        notes.push(format!(
            "the tier asks for approval `untrusted`, which Codex {} refuses as a setting; `on-request` is required instead and Ward's hook asks or denies risky calls",
            match version {
                Some((a, b, c)) => format!("{a}.{b}.{c}"),
                None => format!(
                    "≥ {}.{}.{} (assumed: version unknown)",
                    CODEX_UNTRUSTED_RETIRED.0, CODEX_UNTRUSTED_RETIRED.1, CODEX_UNTRUSTED_RETIRED.2
                ),
            }
        ));
    }
    (out, notes)
}

/// Sandbox modes from strictest to laxest.
pub const SANDBOX_ORDER: &[SandboxMode] =
    &[SandboxMode::ReadOnly, SandboxMode::WorkspaceWrite, SandboxMode::DangerFullAccess];

/// Approval policies from strictest (asks most) to laxest.
pub const APPROVAL_ORDER: &[ApprovalPolicy] =
    &[ApprovalPolicy::Untrusted, ApprovalPolicy::OnRequest, ApprovalPolicy::OnFailure, ApprovalPolicy::Never];

/// Web search modes from strictest to laxest.
pub const WEB_SEARCH_ORDER: &[WebSearchMode] =
    &[WebSearchMode::Disabled, WebSearchMode::Cached, WebSearchMode::Indexed, WebSearchMode::Live];

fn rank<T: PartialEq>(order: &[T], v: &T) -> usize {
    order.iter().position(|x| x == v).unwrap_or(order.len())
}

/// Whether `value` is at least as strict as `floor` in `order`.
pub fn satisfies<T: PartialEq>(order: &[T], value: &T, floor: &T) -> bool {
    rank(order, value) <= rank(order, floor)
}

/// Render `target` for `tier` of `policy`.
pub fn render(
    policy: &Policy,
    tier: &str,
    target: Target,
    opts: &RenderOptions,
) -> Result<Rendered, RenderError> {
    let Some(floor) = policy.floor(tier, target.agent()) else {
        return Err(RenderError::UnknownTier {
            tier: tier.to_owned(),
            known: policy.tier_names().join(", "),
        });
    };
    let version = match &opts.agent_version {
        Some(v) => Some(parse_version(v).ok_or_else(|| RenderError::BadVersion(v.clone()))?),
        None => None,
    };
    let head = Header { policy, tier, target, opts };
    Ok(match target {
        Target::CodexRequirements => codex_requirements(&head, &floor, version),
        Target::CodexConfig => codex_config(&head, &floor, version),
        Target::CodexMdm => codex_mdm(&head, &floor, version),
        Target::ClaudeManaged => claude_managed(&head, &floor),
        Target::CursorHooks => cursor_hooks(&head, &floor),
        Target::GeminiSettings => gemini_settings(&head, &floor),
    })
}

struct Header<'a> {
    policy: &'a Policy,
    tier: &'a str,
    target: Target,
    opts: &'a RenderOptions,
}

impl Header<'_> {
    fn hook_command(&self) -> String {
        format!("{} hook {}", shell_quote(&self.opts.ward_binary), self.target.agent())
    }

    fn version_line(&self) -> String {
        match &self.opts.agent_version {
            Some(v) => format!(
                "Rendered for {} {v} ({}).",
                agent_title(self.target.agent()),
                self.opts.version_source
            ),
            None => format!(
                "Rendered for the newest {} Ward knows (no version given or detected).",
                agent_title(self.target.agent())
            ),
        }
    }

    /// Comment lines (without the comment marker) every commented file starts with.
    fn lines(&self, notes: &[String]) -> Vec<String> {
        let mut out = vec![
            format!(
                "{} for Ward tier `{}`, rendered by `ward floor render` from {}.",
                self.target.as_str(),
                self.tier,
                origin_words(self.policy.origin())
            ),
            self.version_line(),
            format!("Install: {}. Regenerate instead of editing.", self.target.install_path()),
        ];
        if let Some(d) = self.policy.tier_description(self.tier) {
            out.insert(1, format!("Tier `{}`: {d}", self.tier));
        }
        for n in notes {
            out.push(format!("Note: {n}"));
        }
        out
    }
}

fn origin_words(origin: &str) -> String {
    if origin.starts_with('<') {
        "Ward's built-in policy".to_owned()
    } else {
        format!("policy {origin}")
    }
}

fn agent_title(agent: &str) -> &'static str {
    match agent {
        "codex" => "Codex",
        "claude-code" => "Claude Code",
        "cursor" => "Cursor",
        "gemini-cli" => "Gemini CLI",
        _ => "the agent",
    }
}

/// Quote a path for a POSIX shell when it needs it (agents run hook commands through a shell).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+=:@,".contains(&b)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> String {
    let items: Vec<String> = items.into_iter().map(|s| toml_str(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

fn toml_block_list(key: &str, items: &[String]) -> String {
    let mut out = format!("{key} = [\n");
    for i in items {
        let _ = writeln!(out, "  {},", toml_str(i));
    }
    out.push_str("]\n");
    out
}

fn comment_block(prefix: &str, lines: &[String]) -> String {
    let mut out = String::new();
    for l in lines {
        for w in wrap(l, 96) {
            let _ = writeln!(out, "{prefix}{w}");
        }
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
            cur.push_str("  ");
        } else if !cur.is_empty() && cur != "  " {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    lines.push(cur);
    lines
}

// ------------------------------------------------------------------------------------------
// Path pattern translation.

/// The patterns of a deny-read list with `{a,b}` expanded; exclusions (`!…`) are dropped —
/// no target can express them, and dropping one only widens the denial.
pub fn deny_patterns(floor: &Floor) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut dropped_exclusions = false;
    for p in &floor.deny_read {
        if p.starts_with('!') {
            dropped_exclusions = true;
            continue;
        }
        for e in expand_alternatives(p).unwrap_or_else(|_| vec![p.clone()]) {
            if !out.contains(&e) {
                out.push(e);
            }
        }
    }
    (out, dropped_exclusions)
}

/// Ward pattern → Codex `deny_read` entry (absolute path or `~/` path, possibly a glob), or
/// `None` where Codex cannot express it: Codex 0.171 refuses to start on a glob without a
/// non-root directory prefix (`/**/.env`: "cannot be safely expanded", measured with the real
/// agent), and its requirements have no workspace-relative form. Codex also expands a glob by
/// walking the directories under its fixed prefix when the sandbox starts, and a walk of a
/// pseudo file system fails the start (`/proc/*/environ`: "/proc/1/fdinfo: Permission
/// denied", measured), so globs are rendered only under the home directory. Ward's hook still
/// denies those reads; the render says which patterns were left to it.
pub fn codex_deny_read(p: &str) -> Option<String> {
    let is_glob = p.contains(['*', '?', '[', '{']);
    if p.starts_with("~/") && !is_glob {
        // A literal path whose folder is missing stops Codex's workspace-write sandbox from
        // starting (bwrap: "Can't bind mount … Unable to mount source", measured with Codex
        // 0.171). The same path as a one-file glob is masked only where it exists.
        let last = p.chars().last()?;
        let stem = &p[..p.len() - last.len_utf8()];
        return Some(format!("{stem}[{last}]"));
    }
    (p.starts_with("~/") || (p.starts_with('/') && !is_glob)).then(|| p.to_owned())
}

/// Ward pattern → Claude Code `Read(…)` permission rule (gitignore-style specifiers:
/// `//abs`, `~/home`, `./cwd-relative`, `**/anywhere`).
pub fn claude_read_rule(p: &str) -> String {
    let spec = if p.starts_with("~/") {
        p.to_owned()
    } else if let Some(abs) = p.strip_prefix('/') {
        format!("//{abs}")
    } else if p.starts_with("**/") {
        p.to_owned()
    } else if p.contains('/') {
        format!("./{}", p.trim_start_matches("./"))
    } else {
        format!("**/{p}")
    };
    format!("Read({spec})")
}

/// Ward pattern → a Claude Code sandbox `denyRead` path, for home paths without glob syntax
/// (the Linux sandbox takes literal paths); a trailing `/**` denies the directory.
fn claude_sandbox_path(p: &str) -> Option<String> {
    let p = p.strip_suffix("/**").unwrap_or(p);
    (p.starts_with("~/") && !p.contains(['*', '?', '[', '{'])).then(|| p.to_owned())
}

// ------------------------------------------------------------------------------------------
// MCP allowlists from the policy's `[approved] mcp_servers`.

/// One approved MCP server an agent's own allowlist can express: an exact name and an exact
/// executable (with exact arguments, when all are exact) or URL.
struct McpAllow {
    name: String,
    command: Option<(String, Option<Vec<String>>)>,
    url: Option<String>,
}

/// The approved MCP servers for `agent`: `None` when the policy does not govern MCP servers;
/// entries the agents cannot express (name globs, prefix or regex identities) are named in the
/// notes and left to Ward's drift report and hook.
fn mcp_allowlist(policy: &Policy, agent: &str, notes: &mut Vec<String>) -> Option<Vec<McpAllow>> {
    use crate::drift::{McpIdentity, ValueMatch};
    let entries = policy.approved.get()?.mcp_servers.as_ref()?;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for e in entries {
        if !e.meta.clients.is_empty() && !e.meta.clients.iter().any(|g| g.matches(agent)) {
            continue;
        }
        if crate::glob::has_glob_syntax(&e.name_source) {
            skipped.push(e.name_source.clone());
            continue;
        }
        match &e.identity {
            McpIdentity::Command { executable: ValueMatch::Exact(exe), args } => {
                let exact_args = args.as_ref().and_then(|a| {
                    a.iter()
                        .map(|v| match v {
                            ValueMatch::Exact(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect::<Option<Vec<String>>>()
                });
                out.push(McpAllow {
                    name: e.name_source.clone(),
                    command: Some((exe.clone(), exact_args)),
                    url: None,
                });
            }
            McpIdentity::Url(ValueMatch::Exact(url)) => {
                out.push(McpAllow { name: e.name_source.clone(), command: None, url: Some(url.clone()) });
            }
            _ => skipped.push(e.name_source.clone()),
        }
    }
    if !skipped.is_empty() {
        notes.push(format!(
            "approved MCP servers with a name pattern or a prefix/regex identity are not expressible here and are left to Ward: {}",
            skipped.join(", ")
        ));
    }
    Some(out)
}

// ------------------------------------------------------------------------------------------
// Codex.

fn allowed_sandboxes(floor: SandboxMode) -> Vec<&'static str> {
    SANDBOX_ORDER.iter().filter(|m| satisfies(SANDBOX_ORDER, *m, &floor)).map(|m| m.as_str()).collect()
}

/// The floor's value first (Codex falls back to the first entry when a configured value is not
/// allowed), then every stricter one: `untrusted` stays allowed so the policy Codex derives for
/// untrusted projects remains legal.
fn allowed_approvals(floor: ApprovalPolicy) -> Vec<&'static str> {
    let mut out = vec![floor.as_str()];
    for a in APPROVAL_ORDER.iter().rev() {
        if *a != floor && satisfies(APPROVAL_ORDER, a, &floor) && *a != ApprovalPolicy::OnFailure {
            out.push(a.as_str());
        }
    }
    out
}

/// Codex's word for a reviewer (`auto_review`; Ward's policy says `auto-review`).
pub fn codex_reviewer(r: ApprovalsReviewer) -> &'static str {
    match r {
        ApprovalsReviewer::User => "user",
        ApprovalsReviewer::AutoReview => "auto_review",
    }
}

/// An auto-review floor allows only the reviewer; a `user` floor allows both (first = fallback).
fn allowed_reviewers(floor: ApprovalsReviewer) -> Vec<&'static str> {
    match floor {
        ApprovalsReviewer::AutoReview => vec!["auto_review"],
        ApprovalsReviewer::User => vec!["user", "auto_review"],
    }
}

fn allowed_web_search(floor: WebSearchMode) -> Vec<&'static str> {
    WEB_SEARCH_ORDER
        .iter()
        .filter(|m| satisfies(WEB_SEARCH_ORDER, *m, &floor))
        // `indexed` exists only in the newest Codex; naming it in older ones fails the load.
        .filter(|m| **m != WebSearchMode::Indexed || floor == WebSearchMode::Indexed)
        .map(|m| m.as_str())
        .collect()
}

fn codex_requirements(head: &Header<'_>, floor: &Floor, version: Option<(u64, u64, u64)>) -> Rendered {
    let (floor, mut notes) = codex_floor(floor, version);
    let (deny, dropped) = deny_patterns(&floor);
    if dropped {
        notes.push(
            "exclusions (`!pattern`) in deny_read cannot be expressed; the files they exempt are denied too"
                .into(),
        );
    }
    let anywhere: Vec<&str> =
        deny.iter().filter(|p| codex_deny_read(p).is_none()).map(|p| p.as_str()).collect();
    if !anywhere.is_empty() {
        notes.push(format!(
            "Codex accepts deny_read globs only under the home directory; {} pattern(s) it cannot express ({}) are left to Ward's hook",
            anywhere.len(),
            anywhere.join(", ")
        ));
    }
    if !floor.network_allow.is_empty() {
        notes.push(
            "Codex enforces a host allowlist only through its experimental managed network proxy; the block at the end is left commented out, and Ward's hook enforces the allowlist"
                .into(),
        );
    }
    let mut body = String::new();
    if let Some(a) = floor.approval {
        let _ =
            writeln!(body, "# The first entry is Codex's fallback when a configured value is not allowed.");
        let _ = writeln!(body, "allowed_approval_policies = {}", toml_list(allowed_approvals(a)));
    }
    if let Some(r) = floor.approvals_reviewer {
        let _ = writeln!(body, "allowed_approvals_reviewers = {}", toml_list(allowed_reviewers(r)));
    }
    if let Some(s) = floor.sandbox {
        let _ = writeln!(body, "allowed_sandbox_modes = {}", toml_list(allowed_sandboxes(s)));
    }
    if let Some(w) = floor.web_search {
        let _ = writeln!(body, "allowed_web_search_modes = {}", toml_list(allowed_web_search(w)));
    }
    if let Some(m) = floor.managed_hooks_only {
        let _ =
            writeln!(body, "# Only the managed hooks below (Ward) run; user and project hooks are skipped.");
        let _ = writeln!(body, "allow_managed_hooks_only = {m}");
    }
    let _ = writeln!(body, "\n# Hooks stay on: a user's `[features] hooks = false` would switch Ward off.");
    let _ = writeln!(body, "[features]");
    let _ = writeln!(body, "hooks = true");
    if !deny.is_empty() {
        let _ = writeln!(body, "\n[permissions.filesystem]");
        body.push_str(&toml_block_list(
            "deny_read",
            &deny.iter().filter_map(|p| codex_deny_read(p)).collect::<Vec<_>>(),
        ));
    }
    if let Some(servers) = mcp_allowlist(head.policy, "codex", &mut notes) {
        let _ = writeln!(body, "\n# MCP servers run only when name and identity match an approved entry.");
        if servers.is_empty() {
            let _ = writeln!(body, "# The policy approves none: an empty table disables every MCP server.");
            let _ = writeln!(body, "[mcp_servers]");
        }
        for m in &servers {
            let identity = match (&m.command, &m.url) {
                (Some((exe, _)), _) => format!("{{ command = {} }}", toml_str(exe)),
                (None, Some(url)) => format!("{{ url = {} }}", toml_str(url)),
                (None, None) => continue,
            };
            let _ = writeln!(body, "[mcp_servers.{}]", toml_str(&m.name));
            let _ = writeln!(body, "identity = {identity}");
        }
        if servers.iter().any(|m| m.command.as_ref().is_some_and(|(_, a)| a.is_some())) {
            notes.push("Codex's command identity names the executable only; the approved arguments are checked by Ward's drift report".into());
        }
    }
    let dir = managed_dir_of(&head.opts.ward_binary);
    let _ = writeln!(
        body,
        "\n# Ward is the PreToolUse hook of every tool call. Managed hooks need no trust step."
    );
    let _ = writeln!(body, "# The timeout exceeds Ward's own deadline: a hook that times out fails open.");
    let _ = writeln!(body, "[hooks]");
    let _ = writeln!(body, "managed_dir = {}", toml_str(&dir));
    let _ = writeln!(body, "\n[[hooks.PreToolUse]]");
    let _ = writeln!(body, "matcher = \"*\"");
    let _ = writeln!(body, "\n[[hooks.PreToolUse.hooks]]");
    let _ = writeln!(body, "type = \"command\"");
    let _ = writeln!(body, "command = {}", toml_str(&head.hook_command()));
    let _ = writeln!(body, "timeout = {}", head.opts.hook_timeout_secs);
    if !floor.network_allow.is_empty() {
        let _ = writeln!(
            body,
            "\n# Host allowlist for Codex's experimental managed network proxy (uncomment to enforce):"
        );
        let _ = writeln!(body, "# [experimental_network]");
        let _ = writeln!(body, "# enabled = true");
        let _ = writeln!(body, "# managed_allowed_domains_only = true");
        let _ = writeln!(body, "# [experimental_network.domains]");
        for h in &floor.network_allow {
            let _ = writeln!(body, "# {} = \"allow\"", toml_str(h));
        }
    }
    let text = format!("{}\n{body}", comment_block("# ", &head.lines(&notes)));
    Rendered { text, notes }
}

/// The directory of the hook binary: Codex requires `managed_dir` to exist.
fn managed_dir_of(binary: &str) -> String {
    match binary.rfind('/') {
        Some(0) => "/".to_owned(),
        Some(i) => binary[..i].to_owned(),
        None => ".".to_owned(),
    }
}

fn codex_config_body(floor: &Floor) -> String {
    let mut body = String::new();
    if let Some(a) = floor.approval {
        let _ = writeln!(body, "approval_policy = {}", toml_str(a.as_str()));
    }
    if let Some(r) = floor.approvals_reviewer {
        let _ = writeln!(body, "approvals_reviewer = {}", toml_str(codex_reviewer(r)));
    }
    if let Some(s) = floor.sandbox {
        let _ = writeln!(body, "sandbox_mode = {}", toml_str(s.as_str()));
    }
    if let Some(w) = floor.web_search {
        let _ = writeln!(body, "web_search = {}", toml_str(w.as_str()));
    }
    if floor.sandbox == Some(SandboxMode::WorkspaceWrite) {
        if let Some(n) = floor.network {
            let _ = writeln!(body, "\n[sandbox_workspace_write]");
            let _ = writeln!(body, "network_access = {n}");
        }
    }
    body
}

fn codex_config(head: &Header<'_>, floor: &Floor, version: Option<(u64, u64, u64)>) -> Rendered {
    let (floor, mut notes) = codex_floor(floor, version);
    notes.push("managed defaults apply at every start, but a user may change them during a session; requirements.toml is what enforces".into());
    let text = format!("{}\n{}", comment_block("# ", &head.lines(&notes)), codex_config_body(&floor));
    Rendered { text, notes }
}

fn codex_mdm(head: &Header<'_>, floor: &Floor, version: Option<(u64, u64, u64)>) -> Rendered {
    let req_head = Header { target: Target::CodexRequirements, ..*head };
    let cfg_head = Header { target: Target::CodexConfig, ..*head };
    let requirements = codex_requirements(&req_head, floor, version);
    let config = codex_config(&cfg_head, floor, version);
    let mut notes = requirements.notes.clone();
    for n in config.notes {
        if !notes.contains(&n) {
            notes.push(n);
        }
    }
    let ident = format!("dev.ward.floor.codex.{}", head.tier);
    let payload_uuid = stable_uuid(&[&ident, &requirements.text, &config.text, "payload"]);
    let profile_uuid = stable_uuid(&[&ident, &requirements.text, &config.text, "profile"]);
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n",
    );
    x.push_str("<!--\n");
    for l in head.lines(&notes) {
        for w in wrap(&l, 96) {
            let _ = writeln!(x, "  {}", xml_escape(&w).replace("--", "- -"));
        }
    }
    x.push_str("-->\n<plist version=\"1.0\">\n<dict>\n");
    x.push_str("  <key>PayloadContent</key>\n  <array>\n    <dict>\n");
    plist_kv(&mut x, 6, "PayloadDisplayName", &format!("Codex floor: Ward tier {}", head.tier));
    plist_kv(&mut x, 6, "PayloadIdentifier", &format!("{ident}.settings"));
    plist_kv(&mut x, 6, "PayloadType", "com.openai.codex");
    plist_kv(&mut x, 6, "PayloadUUID", &payload_uuid);
    x.push_str("      <key>PayloadVersion</key>\n      <integer>1</integer>\n");
    plist_kv(&mut x, 6, "config_toml_base64", &base64(config.text.as_bytes()));
    plist_kv(&mut x, 6, "requirements_toml_base64", &base64(requirements.text.as_bytes()));
    x.push_str("    </dict>\n  </array>\n");
    plist_kv(
        &mut x,
        2,
        "PayloadDescription",
        &format!("Ward floor for the `{}` tier (requirements and managed defaults of Codex)", head.tier),
    );
    plist_kv(&mut x, 2, "PayloadDisplayName", &format!("Ward: Codex floor ({})", head.tier));
    plist_kv(&mut x, 2, "PayloadIdentifier", &ident);
    plist_kv(&mut x, 2, "PayloadScope", "System");
    plist_kv(&mut x, 2, "PayloadType", "Configuration");
    plist_kv(&mut x, 2, "PayloadUUID", &profile_uuid);
    x.push_str("  <key>PayloadVersion</key>\n  <integer>1</integer>\n");
    x.push_str("</dict>\n</plist>\n");
    Rendered { text: x, notes }
}

fn plist_kv(out: &mut String, indent: usize, key: &str, value: &str) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}<key>{}</key>\n{pad}<string>{}</string>", xml_escape(key), xml_escape(value));
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A UUID derived from the content, so the same profile renders to the same bytes and a changed
/// one gets a new identity.
fn stable_uuid(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50; // version 5-style (name-based, SHA)
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Standard base64 with padding, no line wrapping (what Codex's `*_base64` keys take). Written
/// out rather than a dependency: twenty lines, used once per render.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// JSON targets. Strict JSON has no comments: the notes go to the caller (stderr) and docs.

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A small ordered JSON value, so output order is the order written here (byte-stable, and
/// readable: the hook first).
enum J {
    Str(String),
    Bool(bool),
    Num(u64),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

impl J {
    fn write(&self, out: &mut String, indent: usize) {
        let pad = "  ".repeat(indent + 1);
        let end = "  ".repeat(indent);
        match self {
            J::Str(s) => out.push_str(&json_str(s)),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(&n.to_string()),
            J::Arr(items) if items.is_empty() => out.push_str("[]"),
            J::Arr(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad);
                    item.write(out, indent + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&end);
                out.push(']');
            }
            J::Obj(members) if members.is_empty() => out.push_str("{}"),
            J::Obj(members) => {
                out.push_str("{\n");
                for (i, (k, v)) in members.iter().enumerate() {
                    out.push_str(&pad);
                    out.push_str(&json_str(k));
                    out.push_str(": ");
                    v.write(out, indent + 1);
                    out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
                }
                out.push_str(&end);
                out.push('}');
            }
        }
    }

    fn text(&self) -> String {
        let mut s = String::new();
        self.write(&mut s, 0);
        s.push('\n');
        s
    }
}

fn strs<I: IntoIterator<Item = String>>(items: I) -> J {
    J::Arr(items.into_iter().map(J::Str).collect())
}

fn claude_managed(head: &Header<'_>, floor: &Floor) -> Rendered {
    let mut notes = vec![head.version_line()];
    let (deny_pats, dropped) = deny_patterns(floor);
    if dropped {
        notes.push(
            "exclusions (`!pattern`) in deny_read cannot be expressed; the files they exempt are denied too"
                .into(),
        );
    }
    let hook = J::Obj(vec![(
        "PreToolUse",
        J::Arr(vec![J::Obj(vec![
            ("matcher", J::Str("*".into())),
            (
                "hooks",
                J::Arr(vec![J::Obj(vec![
                    ("type", J::Str("command".into())),
                    ("command", J::Str(head.hook_command())),
                    ("timeout", J::Num(head.opts.hook_timeout_secs)),
                ])]),
            ),
        ])]),
    )]);
    let mut deny: Vec<String> = deny_pats.iter().map(|p| claude_read_rule(p)).collect();
    if floor.sandbox == Some(SandboxMode::ReadOnly) {
        deny.extend(["Edit".to_owned(), "Write".to_owned(), "NotebookEdit".to_owned()]);
    }
    if floor.web_search == Some(WebSearchMode::Disabled) {
        deny.push("WebSearch".into());
    }
    if floor.network == Some(false) && floor.network_allow.is_empty() {
        deny.push("WebFetch".into());
    } else if !floor.network_allow.is_empty() {
        notes.push("the host allowlist is enforced by Ward's hook (Claude Code's own sandbox network list applies only when its sandbox is enabled)".into());
    }
    let mut permissions = Vec::new();
    if !deny.is_empty() {
        permissions.push(("deny", strs(deny)));
    }
    if floor.approval.is_some_and(|a| a != ApprovalPolicy::Never) {
        permissions.push(("disableBypassPermissionsMode", J::Str("disable".into())));
    }
    if matches!(floor.sandbox, Some(SandboxMode::ReadOnly | SandboxMode::WorkspaceWrite)) {
        notes.push("Claude Code's OS sandbox is not switched on (it needs bubblewrap on Linux); the deny-read paths are listed for it, and Ward's hook enforces the tier's rules".into());
    }
    let mut members = vec![("hooks", hook)];
    if floor.managed_hooks_only == Some(true) {
        members.push(("allowManagedHooksOnly", J::Bool(true)));
    }
    if let Some(servers) = mcp_allowlist(head.policy, "claude-code", &mut notes) {
        // Identity entries: a name alone would let any command run under an approved name.
        let entries: Vec<J> = servers
            .iter()
            .filter_map(|m| match (&m.command, &m.url) {
                (Some((exe, Some(args))), _) => {
                    let argv = std::iter::once(exe.clone()).chain(args.iter().cloned());
                    Some(J::Obj(vec![("serverCommand", strs(argv))]))
                }
                (_, Some(url)) => Some(J::Obj(vec![("serverUrl", J::Str(url.clone()))])),
                _ => None,
            })
            .collect();
        if entries.len() < servers.len() {
            notes.push("Claude Code matches a stdio server by its whole command line; approved servers without exact arguments are left to Ward".into());
        }
        members.push(("allowedMcpServers", J::Arr(entries)));
    }
    if !permissions.is_empty() {
        members.push(("permissions", J::Obj(permissions)));
    }
    let sandbox_paths: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for p in deny_pats.iter().filter_map(|p| claude_sandbox_path(p)) {
            if !v.contains(&p) {
                v.push(p);
            }
        }
        v
    };
    if !sandbox_paths.is_empty() {
        members
            .push(("sandbox", J::Obj(vec![("filesystem", J::Obj(vec![("denyRead", strs(sandbox_paths))]))])));
    }
    Rendered { text: J::Obj(members).text(), notes }
}

fn cursor_hooks(head: &Header<'_>, floor: &Floor) -> Rendered {
    let _ = floor;
    let fail_closed = head.policy.fail_mode(head.tier) == FailMode::Closed;
    let notes = vec![
        head.version_line(),
        "Cursor's hooks.json carries only hooks: sandbox, approval, network and deny-read are enforced by Ward's hook (and Cursor's admin dashboard)".into(),
    ];
    let entry = J::Obj(vec![
        ("command", J::Str(head.hook_command())),
        ("timeout", J::Num(head.opts.hook_timeout_secs)),
        ("failClosed", J::Bool(fail_closed)),
    ]);
    let doc =
        J::Obj(vec![("version", J::Num(1)), ("hooks", J::Obj(vec![("preToolUse", J::Arr(vec![entry]))]))]);
    Rendered { text: doc.text(), notes }
}

fn gemini_settings(head: &Header<'_>, floor: &Floor) -> Rendered {
    let mut notes = Vec::new();
    let hook = J::Obj(vec![(
        "BeforeTool",
        J::Arr(vec![J::Obj(vec![
            ("matcher", J::Str(".*".into())),
            (
                "hooks",
                J::Arr(vec![J::Obj(vec![
                    ("type", J::Str("command".into())),
                    ("name", J::Str("ward".into())),
                    ("command", J::Str(head.hook_command())),
                    // Gemini CLI takes hook timeouts in milliseconds.
                    ("timeout", J::Num(head.opts.hook_timeout_secs * 1000)),
                ])]),
            ),
        ])]),
    )]);
    let mut members = vec![("hooks", hook), ("hooksConfig", J::Obj(vec![("enabled", J::Bool(true))]))];
    if floor.approval.is_some_and(|a| a != ApprovalPolicy::Never) {
        members.push(("security", J::Obj(vec![("disableYoloMode", J::Bool(true))])));
    }
    if floor.web_search == Some(WebSearchMode::Disabled) {
        members.push(("tools", J::Obj(vec![("exclude", strs(["google_web_search".to_owned()]))])));
    }
    if !floor.deny_read.is_empty() {
        notes.push(
            "Gemini CLI settings have no deny-read list: Ward's hook denies reads of these paths".into(),
        );
    }
    if floor.sandbox.is_some() {
        notes.push("Gemini CLI's sandbox needs a container runtime and is not switched on here; Ward's hook enforces the tier's rules".into());
    }
    if floor.managed_hooks_only == Some(true) {
        notes.push("Gemini CLI cannot restrict hooks to managed ones; system settings override user and project settings".into());
    }
    let text = format!("{}{}", comment_block("// ", &head.lines(&notes)), J::Obj(members).text());
    Rendered { text, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_leniently() {
        assert_eq!(parse_version("0.171.0"), Some((0, 171, 0)));
        assert_eq!(parse_version("codex-cli 0.171.0"), Some((0, 171, 0)));
        assert_eq!(parse_version("v2.1"), Some((2, 1, 0)));
        assert_eq!(parse_version("2.1.197 (Claude Code)"), Some((2, 1, 197)));
        assert_eq!(parse_version("latest"), None);
    }

    #[test]
    fn untrusted_is_never_rendered_for_codex_that_refuses_it() {
        let f = Floor { approval: Some(ApprovalPolicy::Untrusted), ..Floor::default() };
        assert_eq!(codex_floor(&f, Some((0, 171, 0))).0.approval, Some(ApprovalPolicy::OnRequest));
        assert_eq!(codex_floor(&f, None).0.approval, Some(ApprovalPolicy::OnRequest));
        assert_eq!(codex_floor(&f, Some((0, 120, 3))).0.approval, Some(ApprovalPolicy::Untrusted));
    }

    #[test]
    fn allowed_lists_hold_the_floor_and_everything_stricter() {
        assert_eq!(allowed_sandboxes(SandboxMode::WorkspaceWrite), ["read-only", "workspace-write"]);
        assert_eq!(allowed_approvals(ApprovalPolicy::OnRequest), ["on-request", "untrusted"]);
        assert_eq!(allowed_approvals(ApprovalPolicy::Never), ["never", "on-request", "untrusted"]);
        assert_eq!(allowed_web_search(WebSearchMode::Cached), ["disabled", "cached"]);
        assert_eq!(allowed_web_search(WebSearchMode::Live), ["disabled", "cached", "live"]);
    }

    #[test]
    fn patterns_translate_per_agent() {
        assert_eq!(codex_deny_read(".env"), None);
        assert_eq!(codex_deny_read("~/.ssh/id_*").as_deref(), Some("~/.ssh/id_*"));
        assert_eq!(codex_deny_read("/proc/*/environ"), None);
        assert_eq!(codex_deny_read("~/.aws/credentials").as_deref(), Some("~/.aws/credential[s]"));
        assert_eq!(codex_deny_read("/etc/ssl/private/key.pem").as_deref(), Some("/etc/ssl/private/key.pem"));
        assert_eq!(codex_deny_read("**/secrets/**"), None);
        assert_eq!(codex_deny_read("config/prod/*.yml"), None);
        assert_eq!(claude_read_rule(".env"), "Read(**/.env)");
        assert_eq!(claude_read_rule("/etc/shadow"), "Read(//etc/shadow)");
        assert_eq!(claude_read_rule("~/.aws/credentials"), "Read(~/.aws/credentials)");
        assert_eq!(claude_read_rule("./config/x"), "Read(./config/x)");
        assert_eq!(
            claude_sandbox_path("~/.gnupg/private-keys-v1.d/**").as_deref(),
            Some("~/.gnupg/private-keys-v1.d")
        );
        assert_eq!(claude_sandbox_path("~/.ssh/id_*"), None);
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn quoting_keeps_plain_paths_plain() {
        assert_eq!(shell_quote("/usr/local/bin/ward"), "/usr/local/bin/ward");
        assert_eq!(shell_quote("/opt/my tools/ward"), "'/opt/my tools/ward'");
        assert_eq!(shell_quote("/x/it's"), "'/x/it'\\''s'");
    }
}
