//! `ward floor check`: which floor each agent on this machine actually enforces. For every
//! repository (and for the machine outside any repository) and every supported agent found, the
//! agent's effective configuration (`ward_inventory::effective`, per key with its source file)
//! is compared with the floor of the repository's tier — the same floor, translated the same
//! way, that `ward floor render` writes, so rendered files installed on a machine check as
//! compliant. Ward must also be a hook the agent actually runs.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use ward_inventory::effective::{self, Effective};
use ward_inventory::Locations;
use ward_model::DriftStatus;
use ward_policy::render::{
    claude_read_rule, codex_deny_read, codex_floor, deny_patterns, parse_version, satisfies, APPROVAL_ORDER,
    SANDBOX_ORDER, WEB_SEARCH_ORDER,
};
use ward_policy::{ApprovalPolicy, ApprovalsReviewer, Floor, Policy, RepoInfo, SandboxMode, WebSearchMode};

/// The JSON schema version of [`Report`].
pub const SCHEMA_VERSION: u32 = 1;

/// An agent found on the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundAgent {
    pub client: String,
    pub version: Option<String>,
}

/// One way the effective configuration falls short of the floor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The agent's own setting (dotted key), or `hook`.
    pub key: String,
    pub expected: String,
    pub actual: Value,
    /// The file the effective value comes from.
    pub source: String,
    /// A sentence for people.
    pub message: String,
}

/// One agent in one repository.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentCheck {
    pub agent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub compliant: bool,
    /// Whether the agent runs Ward as its hook here.
    pub ward_hook: bool,
    pub violations: Vec<Violation>,
    /// Floor adjustments for the agent's version (Codex refusing `untrusted`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Why the floor cannot be proven here (managed settings from a source Ward cannot read).
    /// Not compliant while any is present: Ward does not claim what it cannot see.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
    pub effective: Effective,
}

/// One repository (or the machine outside any).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepoCheck {
    /// The repository root; `null` for the machine outside any repository.
    pub repository: Option<String>,
    pub tier: String,
    /// Why the repository has that tier.
    pub tier_reason: String,
    pub agents: Vec<AgentCheck>,
}

/// The agents whose own settings can carry a floor Ward renders and checks. For the others only
/// Ward's hook stands between a call and the machine, so no tier is claimed for them.
pub const FLOOR_AGENTS: &[&str] = &["codex", "claude-code", "gemini-cli", "cursor"];

/// Per agent: the most cautious tier whose floor its machine-wide configuration (managed and
/// user layers, no project) satisfies, and where Ward is its hook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentSummary {
    pub agent: String,
    /// Whether the agent's own settings are checked against a floor (false: hook only).
    pub floor_checked: bool,
    /// `None`: not even the least cautious tier's floor holds.
    pub enforces: Option<String>,
    pub ward_hook: bool,
    /// Where Ward is registered and whether it runs there (`managed`, `trusted`, `untrusted`…).
    pub hook_places: Vec<String>,
    /// Managed settings Ward cannot read: `enforces` is then what the readable files say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub policy: String,
    pub compliant: bool,
    pub agents: Vec<AgentSummary>,
    pub repositories: Vec<RepoCheck>,
}

/// Check `agents` on the machine seen through `loc` against `policy`, for each repository root
/// in `repos` (and the machine outside any repository).
/// `deadline_ms` is Ward's hook deadline: a registered timeout at or below it is a violation
/// (every agent runs the tool when its hook times out).
pub fn check(
    policy: &Policy,
    loc: &Locations,
    agents: &[FoundAgent],
    repos: &[PathBuf],
    deadline_ms: u64,
) -> Report {
    let mut repositories = Vec::new();
    let outside_tier = policy.default_tier().to_owned();
    repositories.push(RepoCheck {
        repository: None,
        tier: outside_tier.clone(),
        tier_reason: "outside any repository: the policy's default_tier".to_owned(),
        agents: agents
            .iter()
            .map(|a| check_agent(policy, loc, a, None, &outside_tier, deadline_ms))
            .collect(),
    });
    for root in repos {
        let info = RepoInfo::discover(root);
        let resolution = policy.tier_for(Some(root), info.as_ref(), &loc.home);
        repositories.push(RepoCheck {
            repository: Some(root.display().to_string()),
            tier: resolution.tier.clone(),
            tier_reason: resolution.why,
            agents: agents
                .iter()
                .map(|a| check_agent(policy, loc, a, Some(root), &resolution.tier, deadline_ms))
                .collect(),
        });
    }
    let summaries = agents.iter().map(|a| summarize(policy, loc, a, deadline_ms)).collect();
    let compliant = repositories.iter().all(|r| r.agents.iter().all(|a| a.compliant));
    Report {
        schema_version: SCHEMA_VERSION,
        policy: policy.origin().to_owned(),
        compliant,
        agents: summaries,
        repositories,
    }
}

fn summarize(policy: &Policy, loc: &Locations, agent: &FoundAgent, deadline_ms: u64) -> AgentSummary {
    let eff = effective::of(&agent.client, loc, None);
    let floor_checked = FLOOR_AGENTS.contains(&agent.client.as_str());
    let enforces = if !floor_checked {
        None
    } else {
        policy
            .tier_names()
            .into_iter()
            .rev()
            .find(|tier| check_agent(policy, loc, agent, None, tier, deadline_ms).violations.is_empty())
            .map(str::to_owned)
    };
    let (ward_hook, hook_places) = match &eff {
        Some(e) => (
            e.ward_runs(),
            e.ward_hooks.iter().map(|h| format!("{} ({}): {}", h.file, h.scope, h.state)).collect(),
        ),
        None => (false, Vec::new()),
    };
    let unverified = eff.as_ref().map(|e| e.unverifiable.clone()).unwrap_or_default();
    AgentSummary { agent: agent.client.clone(), floor_checked, enforces, ward_hook, hook_places, unverified }
}

/// One agent against one tier's floor.
pub fn check_agent(
    policy: &Policy,
    loc: &Locations,
    agent: &FoundAgent,
    project: Option<&Path>,
    tier: &str,
    deadline_ms: u64,
) -> AgentCheck {
    // Agents Ward computes no configuration for still get the hook check.
    let eff = effective::of(&agent.client, loc, project).unwrap_or_else(|| Effective::new("other"));
    let floor = policy.floor(tier, &agent.client).unwrap_or_default();
    let mut notes = Vec::new();
    let shown = project.map(|p| match p.strip_prefix(&loc.home) {
        Ok(rel) => format!("~/{}", rel.display()),
        Err(_) => p.display().to_string(),
    });
    let mut ctx = Ctx { eff: &eff, tier, project: shown, violations: Vec::new() };
    match agent.client.as_str() {
        "codex" => {
            let version = agent.version.as_deref().and_then(parse_version);
            let (floor, n) = codex_floor(&floor, version);
            notes = n;
            check_codex(&mut ctx, &floor);
        }
        "claude-code" => check_claude(&mut ctx, &floor),
        "gemini-cli" => check_gemini(&mut ctx, &floor),
        _ => {}
    }
    if !eff.ward_runs() {
        let why = if eff.ward_hooks.is_empty() {
            "Ward is not registered as its hook (run `ward install`)".to_owned()
        } else {
            let states: Vec<String> =
                eff.ward_hooks.iter().map(|h| format!("{}: {}", h.file, h.state)).collect();
            format!("Ward is registered but does not run: {}", states.join("; "))
        };
        ctx.violations.push(Violation {
            key: "hook".into(),
            expected: "Ward runs as the pre-tool-call hook".into(),
            actual: Value::Null,
            source: eff.ward_hooks.first().map(|h| h.file.clone()).unwrap_or_default(),
            message: format!("{}, but for {} {why}", ctx.lead(), ctx.agent_title()),
        });
    }
    if eff.ward_runs() && !eff.uncovered.is_empty() {
        ctx.violations.push(Violation {
            key: "hook.coverage".into(),
            expected: "Ward decides every kind of call".into(),
            actual: Value::from(eff.uncovered.clone()),
            source: eff.ward_hooks.first().map(|h| h.file.clone()).unwrap_or_default(),
            message: format!(
                "{}, but {} runs without Ward in: {} — those calls are not decided (`ward install {}` registers them)",
                ctx.lead(),
                ctx.agent_title(),
                eff.uncovered.join(", "),
                eff.agent
            ),
        });
    }
    for h in eff.ward_hooks.iter().filter(|h| h.runs) {
        if let Some(problem) = program_problem(&h.program, h.scope == "managed") {
            ctx.violations.push(Violation {
                key: "hook.program".into(),
                expected: "an existing Ward binary only an administrator can replace".into(),
                actual: Value::from(h.program.clone()),
                source: h.file.clone(),
                message: format!(
                    "{}, but the Ward hook in {} runs {}, which {problem}",
                    ctx.lead(),
                    h.file,
                    h.program
                ),
            });
        }
        if let Some(t) = h.timeout_secs.filter(|t| t.saturating_mul(1000) <= deadline_ms) {
            ctx.violations.push(Violation {
                key: "hook.timeout".into(),
                expected: format!("more than Ward's deadline of {deadline_ms} ms"),
                actual: Value::from(t),
                source: h.file.clone(),
                message: format!(
                    "{}, and {} gives Ward's hook {t} s in {} — not more than Ward's own deadline ({deadline_ms} ms), so a slow answer times out and the agent runs the tool; `ward install` registers a longer timeout",
                    ctx.lead(),
                    ctx.agent_title(),
                    h.file
                ),
            });
        }
    }
    check_mcp(&mut ctx, policy);
    let violations = ctx.violations;
    let unverified = eff.unverifiable.clone();
    AgentCheck {
        agent: agent.client.clone(),
        version: agent.version.clone(),
        compliant: violations.is_empty() && unverified.is_empty(),
        ward_hook: eff.ward_runs(),
        violations,
        notes,
        unverified,
        effective: eff,
    }
}

/// Why the program a hook runs cannot be relied on: missing (every agent but Gemini CLI then
/// runs the tool), or writable by users other than its owner (anyone could swap the guard).
/// Relative programs are looked up on the agent's PATH and are not judged here.
/// A managed hook (`managed`) must also run a program only root can replace: owned by root, in
/// folders only root can write — else the user the admin's floor governs (or an agent running
/// as them) swaps the binary, e.g. a `~/.cargo/bin/ward` registered by `sudo ward install
/// --managed`.
fn program_problem(program: &str, managed: bool) -> Option<String> {
    let path = Path::new(program);
    if !path.is_absolute() {
        return None;
    }
    let Ok(meta) = std::fs::metadata(path) else {
        return Some("does not exist: the agent runs the tool unchecked".to_owned());
    };
    if !meta.is_file() {
        return Some("is not a file".to_owned());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o022 != 0 {
            return Some(format!(
                "is writable by other users (mode {:o}), so anyone could replace the guard",
                mode & 0o777
            ));
        }
        if managed {
            use std::os::unix::fs::MetadataExt;
            if meta.uid() != 0 {
                return Some(format!(
                    "is owned by uid {}, not root: that user can replace the guard the managed settings run (copy Ward to a root-owned place such as /usr/local/bin and register that path)",
                    meta.uid()
                ));
            }
            for dir in path.ancestors().skip(1) {
                let Ok(d) = std::fs::metadata(dir) else { continue };
                let sticky = d.permissions().mode() & 0o1000 != 0;
                if d.uid() != 0 || (d.permissions().mode() & 0o022 != 0 && !sticky) {
                    return Some(format!(
                        "is in {}, which a user other than root can write (uid {}, mode {:o}): the guard the managed settings run can be replaced",
                        dir.display(),
                        d.uid(),
                        d.permissions().mode() & 0o7777
                    ));
                }
            }
        }
    }
    None
}

struct Ctx<'a> {
    eff: &'a Effective,
    tier: &'a str,
    project: Option<String>,
    violations: Vec<Violation>,
}

impl Ctx<'_> {
    /// "src/infra is sensitive" / "Outside any repository the tier is standard".
    fn lead(&self) -> String {
        match &self.project {
            Some(p) => format!("{} is {}", p, self.tier),
            None => format!("Outside any repository the tier is {}", self.tier),
        }
    }

    fn agent_title(&self) -> &'static str {
        match self.eff.agent {
            "codex" => "Codex",
            "claude-code" => "Claude Code",
            "gemini-cli" => "Gemini CLI",
            "cursor" => "Cursor",
            "copilot-cli" => "Copilot CLI",
            "vscode" => "VS Code",
            "windsurf" => "Windsurf",
            "continue" => "Continue",
            "cline" => "Cline",
            "amazon-q" => "Amazon Q / Kiro CLI",
            _ => "the agent",
        }
    }

    /// A violation of `key`, said as "PLACE is TIER but AGENT resolves KEY = VALUE from SOURCE".
    fn fail(&mut self, key: &str, expected: String, detail: Option<String>) {
        let setting = self.eff.get(key);
        let actual = setting.map_or(Value::Null, |s| s.value.clone());
        let source = setting.map_or_else(|| "not set".to_owned(), |s| s.source.clone());
        let resolved = match setting {
            Some(s) => format!("{} = {} from {}", key, short(&s.value), s.source),
            None => format!("no {key}"),
        };
        let detail = detail.map(|d| format!(" ({d})")).unwrap_or_default();
        let message = format!(
            "{} but {} resolves {resolved}; the floor needs {expected}{detail}",
            self.lead(),
            self.agent_title()
        );
        self.violations.push(Violation { key: key.to_owned(), expected, actual, source, message });
    }

    /// Every rule in `wanted` must be in the list `key` holds.
    fn need_all(&mut self, key: &str, wanted: &[String], what: &str) {
        let have: Vec<&str> = self
            .eff
            .get(key)
            .and_then(|s| s.value.as_array())
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let missing: Vec<&String> = wanted.iter().filter(|w| !have.contains(&w.as_str())).collect();
        if !missing.is_empty() {
            let sample: Vec<&str> = missing.iter().take(3).map(|s| s.as_str()).collect();
            let more =
                if missing.len() > 3 { format!(" and {} more", missing.len() - 3) } else { String::new() };
            self.fail(
                key,
                format!("{what} ({} entries)", wanted.len()),
                Some(format!("missing {}{more}", sample.join(", "))),
            );
        }
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{} entries]", a.len()),
        other => other.to_string(),
    }
}

fn deny_read(floor: &Floor) -> Vec<String> {
    deny_patterns(floor).0
}

fn check_codex(ctx: &mut Ctx<'_>, floor: &Floor) {
    let eff = ctx.eff;
    if let Some(want) = floor.sandbox {
        let have = eff.str("sandbox_mode").and_then(SandboxMode::parse);
        if !have.is_some_and(|h| satisfies(SANDBOX_ORDER, &h, &want)) {
            ctx.fail("sandbox_mode", format!("{want} or stricter"), None);
        }
    }
    if let Some(want) = floor.approval {
        let have = eff.str("approval_policy").and_then(ApprovalPolicy::parse);
        if !have.is_some_and(|h| satisfies(APPROVAL_ORDER, &h, &want)) {
            ctx.fail("approval_policy", format!("{want} or stricter"), None);
        }
    }
    if floor.approvals_reviewer == Some(ApprovalsReviewer::AutoReview)
        && !matches!(eff.str("approvals_reviewer"), Some("auto_review" | "guardian_subagent"))
    {
        ctx.fail("approvals_reviewer", "auto_review".into(), None);
    }
    if let Some(want) = floor.web_search {
        let have = eff.str("web_search").and_then(WebSearchMode::parse);
        if !have.is_some_and(|h| satisfies(WEB_SEARCH_ORDER, &h, &want)) {
            ctx.fail("web_search", format!("{want} or stricter"), None);
        }
    }
    if floor.network == Some(false)
        && eff.str("sandbox_mode") == Some("workspace-write")
        && eff.get("sandbox_workspace_write.network_access").is_some_and(|s| s.value == Value::Bool(true))
    {
        ctx.fail("sandbox_workspace_write.network_access", "false (network off)".into(), None);
    }
    let wanted: Vec<String> = deny_read(floor).iter().filter_map(|p| codex_deny_read(p)).collect();
    if !wanted.is_empty() {
        ctx.need_all(
            "requirements.permissions.filesystem.deny_read",
            &wanted,
            "deny_read of the tier's paths",
        );
    }
    if floor.managed_hooks_only == Some(true)
        && eff.get("requirements.allow_managed_hooks_only").is_none_or(|s| s.value != Value::Bool(true))
    {
        ctx.fail("requirements.allow_managed_hooks_only", "true".into(), None);
    }
}

fn check_claude(ctx: &mut Ctx<'_>, floor: &Floor) {
    let eff = ctx.eff;
    if floor.approval.is_some_and(|a| a != ApprovalPolicy::Never) {
        if eff.str("permissions.disableBypassPermissionsMode") != Some("disable") {
            ctx.fail("permissions.disableBypassPermissionsMode", "\"disable\"".into(), None);
        }
        if eff.str("permissions.defaultMode") == Some("bypassPermissions") {
            ctx.fail("permissions.defaultMode", "a mode that asks (not bypassPermissions)".into(), None);
        }
    }
    let mut wanted: Vec<String> = deny_read(floor).iter().map(|p| claude_read_rule(p)).collect();
    if floor.sandbox == Some(SandboxMode::ReadOnly) {
        wanted.extend(["Edit".to_owned(), "Write".to_owned(), "NotebookEdit".to_owned()]);
    }
    if floor.web_search == Some(WebSearchMode::Disabled) {
        wanted.push("WebSearch".into());
    }
    if floor.network == Some(false) && floor.network_allow.is_empty() {
        wanted.push("WebFetch".into());
    }
    if !wanted.is_empty() {
        ctx.need_all("permissions.deny", &wanted, "deny rules for the tier");
    }
    if floor.managed_hooks_only == Some(true) {
        let managed = eff.get("allowManagedHooksOnly").is_some_and(|s| s.value == Value::Bool(true))
            && eff.ward_hooks.iter().any(|h| h.scope == "managed" && h.runs);
        if !managed {
            ctx.fail("allowManagedHooksOnly", "true, with Ward as a managed hook".into(), None);
        }
    }
}

/// The MCP servers the agent starts here, against the policy's approved list (the allowlist
/// `ward floor render` writes into each tier's files, by name and command/URL identity): each
/// unapproved or changed server is a violation. Servers the agent's own allowlist blocks are
/// not started and not judged.
fn check_mcp(ctx: &mut Ctx<'_>, policy: &Policy) {
    let eff = ctx.eff;
    if eff.mcp_servers.is_empty() {
        return;
    }
    let Some(drift) = policy.drift(&eff.mcp_servers) else { return };
    if !drift.governed.contains(&ward_model::ArtifactKind::McpServer) {
        return;
    }
    for r in drift.results.iter().filter(|r| r.kind == ward_model::ArtifactKind::McpServer) {
        if !matches!(r.status, DriftStatus::Unapproved | DriftStatus::Changed) {
            continue;
        }
        let source = r.source.clone().unwrap_or_default();
        let why = match r.status {
            DriftStatus::Changed => {
                format!("the approved entry expects {}", r.expected.as_deref().unwrap_or("another identity"))
            }
            _ => "no approved entry has its name".to_owned(),
        };
        ctx.violations.push(Violation {
            key: format!("mcp_servers.{}", r.name),
            expected: r.expected.clone().unwrap_or_else(|| "an approved MCP server".to_owned()),
            actual: Value::from(r.identity.clone()),
            source: source.clone(),
            message: format!(
                "{}, but {} starts MCP server `{}` ({}) from {source}: {} ({why})",
                ctx.lead(),
                ctx.agent_title(),
                r.name,
                r.identity,
                r.status
            ),
        });
    }
}

fn check_gemini(ctx: &mut Ctx<'_>, floor: &Floor) {
    let eff = ctx.eff;
    if floor.approval.is_some_and(|a| a != ApprovalPolicy::Never)
        && eff.get("security.disableYoloMode").is_none_or(|s| s.value != Value::Bool(true))
    {
        ctx.fail("security.disableYoloMode", "true".into(), None);
    }
    if floor.web_search == Some(WebSearchMode::Disabled) {
        ctx.need_all("tools.exclude", &["google_web_search".to_owned()], "google_web_search excluded");
    }
}
