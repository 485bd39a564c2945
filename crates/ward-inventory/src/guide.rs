//! The parts of the `ward scan` table that explain rather than list: whether Ward is each
//! agent's hook, each risk flag in words, drift against the policy's approved lists, what the
//! scan did not look into, and what to do next. Everything here is derived from the
//! [`ScanReport`]; nothing is read from disk.

use std::fmt::Write as _;

use serde_json::Value;
use ward_model::{Artifact, ArtifactKind, DriftStatus, ScanReport};

/// Whether Ward is registered as an agent's hook, from the scan's hook artifacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WardHook {
    /// Registered, and the agent runs it: where.
    Active(Vec<String>),
    /// Registered, but the agent skips it (a Codex hook that is not trusted, or disabled).
    Inactive(Vec<String>),
    No,
}

/// Ward's hook state for the agent `client`: hook artifacts of that client whose command is
/// Ward's (`is_ward`), active unless the agent marks them untrusted or disabled.
pub fn ward_hook(report: &ScanReport, client: &str) -> WardHook {
    let mut active = Vec::new();
    let mut inactive = Vec::new();
    for h in report.artifacts.iter().filter(|a| a.kind == ArtifactKind::Hook && a.client == client) {
        if h.attributes.get("is_ward").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let trust = h.attributes.get("trust_status").and_then(Value::as_str);
        let place = format!("{} {}", h.scope, h.source);
        match trust {
            Some(t @ ("untrusted" | "disabled")) => inactive.push(format!("{place}: {t}")),
            _ => active.push(place),
        }
    }
    active.sort();
    active.dedup();
    inactive.sort();
    inactive.dedup();
    if !active.is_empty() {
        WardHook::Active(active)
    } else if !inactive.is_empty() {
        WardHook::Inactive(inactive)
    } else {
        WardHook::No
    }
}

/// One line per agent: is Ward its hook, and where.
pub fn agent_hook_lines(out: &mut String, report: &ScanReport, width: Option<usize>) {
    let agents: Vec<&Artifact> = report.artifacts.iter().filter(|a| a.kind == ArtifactKind::Agent).collect();
    if agents.is_empty() {
        return;
    }
    let w = agents.iter().map(|a| a.client.chars().count()).max().unwrap_or(0).min(16);
    let _ = writeln!(out, "  Ward as the agent's hook:");
    for a in agents {
        let line = match ward_hook(report, &a.client) {
            WardHook::Active(places) => format!("    {:<w$}  yes ({})", a.client, places.join("; ")),
            WardHook::Inactive(places) => format!(
                "    {:<w$}  registered but not run ({}); `ward install {}` fixes it",
                a.client,
                places.join("; "),
                a.client
            ),
            WardHook::No => {
                format!(
                    "    {:<w$}  no: its tool calls are not decided by Ward; `ward install {}`",
                    a.client, a.client
                )
            }
        };
        let _ = writeln!(out, "{}", wrap(&line, width));
    }
}

/// What a risk flag means, in one sentence an admin can act on: the words behind the flag
/// names of the table and the rule descriptions of SARIF output. Unknown flags (a client module
/// newer than this table) get a generic sentence.
pub fn flag_description(flag: &str) -> &'static str {
    match flag {
        "plaintext-secret" => "A credential is written literally in a config file that agents, backups and other tools read; move it to an environment variable or a secret store.",
        "secret-in-args" => "A credential is passed on a command line, where every local process can read it.",
        "unpinned-package" => "A package runner (npx, uvx, …) fetches the latest version on every start, so whoever controls the package controls what runs.",
        "insecure-transport" => "Traffic to a remote server goes over plain http and can be read or changed on the way.",
        "tool-confirmation-bypassed" => "Tools of this MCP server run without asking the user first.",
        "mcp-auto-approve-all" => "Every MCP tool call is approved without asking the user.",
        "project-mcp-auto-approved" => "MCP servers defined by a repository start without the user approving them; a cloned repository can run code.",
        "user-writable-hook" => "The hook runs a program the user (or an agent) can rewrite, so the guard can be replaced by anything.",
        "hook-inactive" => "Ward is registered as the hook but the agent skips it (not trusted or disabled): tool calls are not decided by Ward.",
        "hooks-disabled" => "The agent's hooks are switched off, so no hook (Ward's included) sees its tool calls.",
        "missing-metadata" => "The skill has no front matter (name, description), so the agent may load it for anything.",
        "bundled-scripts" => "The skill ships scripts the agent may run.",
        "loose-permissions" => "A credential file is readable by other local users.",
        "long-lived-cloud-key" => "A static cloud access key that does not expire; use SSO or short-lived credentials.",
        "not-gitignored" => "A credential file in a repository that git does not ignore, so it can be committed and pushed.",
        "approval-disabled" => "The agent runs actions without asking the user.",
        "auto-approve-all" => "The agent approves every action by itself.",
        "auto-approve-commands" => "The agent runs shell commands without asking the user.",
        "auto-approve-edits" => "The agent edits files without asking the user.",
        "auto-accept" => "The agent accepts its own changes without review.",
        "broad-allow-rule" => "A permission rule allows a whole class of actions (any command, any file) without asking.",
        "folder-trust-disabled" => "The agent trusts every folder, so any repository's own settings (hooks, MCP servers) apply.",
        "workspace-trust-disabled" => "The editor trusts every workspace, so any repository's settings and tasks apply.",
        "managed-settings-ignored" => "The agent is set up so the admin's managed settings do not apply.",
        "network-enabled" => "The agent's sandbox allows network access.",
        "permissions-bypassed" => "The agent runs with its permission checks bypassed.",
        "sandbox-disabled" => "The agent runs commands without its sandbox, with the user's full access.",
        "session-sharing" => "Sessions (with their code and output) are shared outside the machine.",
        "unknown-publisher" => "The extension comes from a publisher the editor's marketplace does not verify.",
        _ => "A risk flag set by Ward's inventory; the explanation says what was found.",
    }
}

/// Every risk flag found, grouped by flag (most severe first): what the flag means, then each
/// artifact that carries it with its own explanation.
pub fn risk_lines(out: &mut String, report: &ScanReport, width: Option<usize>) {
    let mut rows: Vec<(&Artifact, &ward_model::Risk)> =
        report.artifacts.iter().flat_map(|a| a.risk.iter().map(move |r| (a, r))).collect();
    if rows.is_empty() {
        return;
    }
    rows.sort_by(|(a1, r1), (a2, r2)| {
        r2.severity.cmp(&r1.severity).then(r1.flag.cmp(&r2.flag)).then(a1.id.cmp(&a2.id))
    });
    let _ = writeln!(out, "\nRISK FLAGS EXPLAINED ({})", rows.len());
    let mut last: Option<(&str, ward_model::Severity)> = None;
    for (a, r) in rows {
        if last != Some((r.flag.as_str(), r.severity)) {
            let line =
                format!("  {:<6}  {}: {}", severity_word(r.severity), r.flag, flag_description(&r.flag));
            let _ = writeln!(out, "{}", wrap(&line, width));
            last = Some((r.flag.as_str(), r.severity));
        }
        let line = format!(
            "          {} {} ({}, {}): {}",
            kind_word(a.kind),
            a.name,
            a.client,
            a.source,
            r.explanation
        );
        let _ = writeln!(out, "{}", wrap(&line, width));
    }
}

pub fn severity_word(s: ward_model::Severity) -> &'static str {
    match s {
        ward_model::Severity::High => "high",
        ward_model::Severity::Medium => "medium",
        ward_model::Severity::Low => "low",
    }
}

pub fn kind_word(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::Agent => "agent",
        ArtifactKind::McpServer => "MCP server",
        ArtifactKind::Extension => "extension",
        ArtifactKind::Skill => "skill",
        ArtifactKind::Plugin => "plugin",
        ArtifactKind::Secret => "secret",
        ArtifactKind::Hook => "hook",
        ArtifactKind::Cli => "CLI",
    }
}

/// The drift section: counts, then every result an admin should look at.
pub fn drift_lines(out: &mut String, report: &ScanReport, width: Option<usize>) {
    let Some(d) = &report.drift else { return };
    let kinds: Vec<&str> = d.governed.iter().map(|k| k.as_str()).collect();
    let missing_required =
        d.results.iter().filter(|r| r.status == DriftStatus::Missing && r.required).count();
    let _ = writeln!(
        out,
        "\nDRIFT against {} (approved lists for: {})\n  {} approved, {} changed, {} unapproved, {} missing ({} required)",
        d.policy,
        kinds.join(", "),
        d.count(DriftStatus::Approved),
        d.count(DriftStatus::Changed),
        d.count(DriftStatus::Unapproved),
        d.count(DriftStatus::Missing),
        missing_required,
    );
    let mut findings: Vec<_> = d.findings().collect();
    findings.sort_by_key(|r| (r.status, r.kind));
    for r in findings {
        let line = format!("  {:<10}  {}", r.status.as_str(), r.message);
        let _ = writeln!(out, "{}", wrap(&line, width));
    }
}

/// What the scan did not look into, and what to do next.
pub fn coverage_and_next(out: &mut String, report: &ScanReport, width: Option<usize>) {
    let mut not_seen = Vec::new();
    if let Some(c) = &report.coverage {
        if c.project_dirs.is_empty() {
            not_seen.push(
                "repositories: no --projects directory was given, so no project-scope config (.codex/, .claude/, .cursor/, .vscode/, …), skill or credential file in a repository was inventoried; run `ward scan --projects ~/src` (repeatable)".to_owned(),
            );
        } else {
            not_seen.push(format!(
                "below {}: deeper than {} levels, hidden directories, symlinks, {} and anything inside a repository below its root ({} repositories found)",
                c.project_dirs.join(", "),
                c.max_depth,
                c.skipped_dirs.join(", "),
                c.repositories
            ));
        }
        if c.system_root != "/" {
            not_seen.push(format!("managed files: read under {} instead of /", c.system_root));
        }
    }
    not_seen.push(
        "other users' homes, and agent settings held only in OS key stores, MDM payloads or cloud consoles"
            .to_owned(),
    );
    let _ = writeln!(out, "\nNOT LOOKED INTO");
    for n in &not_seen {
        let _ = writeln!(out, "{}", wrap(&format!("  - {n}"), width));
    }

    let mut next = Vec::new();
    let unhooked: Vec<&str> = report
        .artifacts
        .iter()
        .filter(|a| {
            a.kind == ArtifactKind::Agent && !matches!(ward_hook(report, &a.client), WardHook::Active(_))
        })
        .map(|a| a.client.as_str())
        .collect();
    if !unhooked.is_empty() {
        next.push(format!(
            "register Ward as the hook of {}: `ward install --all` (or `ward install <agent>`), then `ward floor check`",
            unhooked.join(", ")
        ));
    }
    let high = report
        .artifacts
        .iter()
        .flat_map(|a| &a.risk)
        .filter(|r| r.severity == ward_model::Severity::High)
        .count();
    if high > 0 {
        next.push(format!("fix the {high} high-severity risk flag(s) above first (RISK FLAGS EXPLAINED)"));
    }
    if !report.findings.is_empty() {
        next.push(
            "fix or remove the files listed under FINDINGS: their content was not inventoried".to_owned(),
        );
    }
    match &report.drift {
        None => next.push(
            "approve what may run: add `[approved]` lists (MCP servers, skills, plugins, extensions, hooks, CLIs) to your policy, then scans report what drifts (docs/drift.md); `ward policy show` prints the policy to start from".to_owned(),
        ),
        Some(d) if d.findings().next().is_some() => next.push(
            "review DRIFT: approve what belongs in the policy's `[approved]` lists, remove the rest".to_owned(),
        ),
        Some(_) => {}
    }
    next.push(
        "`ward scan --format json|sarif|cyclonedx` for the machine-readable report (docs/scan-schema.md)"
            .to_owned(),
    );
    let _ = writeln!(out, "\nNEXT STEPS");
    for n in &next {
        let _ = writeln!(out, "{}", wrap(&format!("  - {n}"), width));
    }
}

/// Fit an explaining line in `width` columns by wrapping at spaces, continuation lines indented
/// under the text (an explanation cut off at the terminal's edge would say nothing).
fn wrap(line: &str, width: Option<usize>) -> String {
    let Some(width) = width.filter(|w| *w >= 40) else { return line.to_owned() };
    if line.chars().count() <= width {
        return line.to_owned();
    }
    let lead = line.chars().take_while(|c| *c == ' ').count();
    let indent = " ".repeat((lead + 4).min(width / 2));
    let mut out = String::new();
    let mut current = String::new();
    for word in line.trim_start().split(' ') {
        let prefix = if out.is_empty() && current.is_empty() { " ".repeat(lead) } else { String::new() };
        let candidate_len = current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if !current.is_empty() && candidate_len > width {
            out.push_str(&current);
            out.push('\n');
            current = format!("{indent}{word}");
        } else if current.is_empty() {
            current = format!("{prefix}{word}");
        } else {
            current.push(' ');
            current.push_str(word);
        }
    }
    out.push_str(&current);
    // A single word longer than the line (a long path) is cut, so no line wraps in the terminal.
    out.lines().map(|l| crate::report::truncate(l, Some(width))).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explaining_lines_wrap_instead_of_being_cut() {
        let line = "  high    plaintext-secret: A credential is written literally in a config file that agents read.";
        let w = wrap(line, Some(40));
        assert!(w.lines().all(|l| l.chars().count() <= 40), "{w}");
        assert_eq!(w.split_whitespace().collect::<Vec<_>>(), line.split_whitespace().collect::<Vec<_>>());
        assert!(w.lines().skip(1).all(|l| l.starts_with("      ")), "{w}");
        assert_eq!(wrap(line, None), line);
    }
}
