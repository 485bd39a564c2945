//! Rendering a [`ScanReport`]: a readable table grouped by artifact kind, or the versioned JSON
//! document (docs/scan-schema.md). Artifacts were scrubbed when built; nothing is added here.

use std::fmt::Write as _;

use ward_model::{Artifact, ArtifactKind, ScanReport, Severity};

/// The JSON document, pretty-printed.
pub fn render_json(report: &ScanReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report)
}

/// The table: per kind a heading with its count and one row per artifact (client, name, scope,
/// identity, risk flags), then the findings, then a one-line summary. `width` (a terminal's
/// column count) truncates the identity column so rows do not wrap.
pub fn render_table(report: &ScanReport, width: Option<usize>) -> String {
    let mut out = String::new();
    let d = &report.device;
    let _ = writeln!(
        out,
        "ward scan of {} ({} {}, user {}, home {}) at {}",
        d.hostname, d.os, d.arch, d.user, d.home, report.generated_at
    );
    for kind in ArtifactKind::ALL {
        let rows: Vec<&Artifact> = report.artifacts.iter().filter(|a| a.kind == kind).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} ({})", heading(kind), rows.len());
        render_rows(&mut out, &rows, width);
        if kind == ArtifactKind::Agent {
            crate::guide::agent_hook_lines(&mut out, report, width);
            render_floors(&mut out, &rows);
        }
    }
    crate::guide::risk_lines(&mut out, report, width);
    crate::guide::drift_lines(&mut out, report, width);
    if !report.findings.is_empty() {
        let _ = writeln!(out, "\nFINDINGS ({})", report.findings.len());
        for f in &report.findings {
            let kind = match f.kind {
                ward_model::FindingKind::ParseError => "parse-error",
                ward_model::FindingKind::Unreadable => "unreadable",
                ward_model::FindingKind::Notice => "notice",
            };
            let line = format!("  {kind:<11}  {:<12}  {}", f.client, f.message);
            let _ = writeln!(out, "{}", truncate(&line, width));
        }
    }
    crate::guide::coverage_and_next(&mut out, report, width);
    let _ = writeln!(out, "\n{}", summary(report));
    out
}

/// Per agent, which tier's floor its own configuration enforces: the `floor_enforced` attribute
/// `ward scan` sets from `ward floor check` (absent: not checked).
fn render_floors(out: &mut String, agents: &[&Artifact]) {
    let checked: Vec<&&Artifact> =
        agents.iter().filter(|a| a.attributes.contains_key("floor_enforced")).collect();
    if checked.is_empty() {
        return;
    }
    let w = checked.iter().map(|a| a.client.chars().count()).max().unwrap_or(0).min(16);
    let _ = writeln!(out, "  Floor the agent's own settings enforce (`ward floor check` for details):");
    for a in checked {
        let unverified = a
            .attributes
            .get("floor_unverified")
            .and_then(|v| v.as_array())
            .and_then(|v| v.first())
            .and_then(|v| v.as_str());
        let line = match (a.attributes.get("floor_enforced").and_then(|v| v.as_str()), unverified) {
            (_, Some(why)) => format!("    {:<w$}  cannot verify: {why}", a.client),
            (Some(tier), None) => format!("    {:<w$}  tier {tier}", a.client),
            (None, None) => {
                format!("    {:<w$}  none: no tier's floor holds; `ward floor render` writes one", a.client)
            }
        };
        let _ = writeln!(out, "{line}");
    }
}

fn heading(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::Agent => "AGENTS",
        ArtifactKind::McpServer => "MCP SERVERS",
        ArtifactKind::Extension => "EXTENSIONS",
        ArtifactKind::Skill => "SKILLS",
        ArtifactKind::Plugin => "PLUGINS",
        ArtifactKind::Secret => "SECRETS",
        ArtifactKind::Hook => "HOOKS",
        ArtifactKind::Cli => "CLIS",
    }
}

fn render_rows(out: &mut String, rows: &[&Artifact], width: Option<usize>) {
    const HEAD: [&str; 5] = ["CLIENT", "NAME", "SCOPE", "IDENTITY", "RISK"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|a| {
            [
                a.client.clone(),
                a.name.clone(),
                a.scope.as_str().to_owned(),
                a.identity.clone(),
                a.risk
                    .iter()
                    .map(|r| format!("{}({})", r.flag, severity_str(r.severity)))
                    .collect::<Vec<_>>()
                    .join(","),
            ]
        })
        .collect();
    // Client, name and scope are short; cap them so one long name does not push identity off.
    let col = |i: usize, cap: usize| {
        cells.iter().map(|c| chars(&c[i])).chain([HEAD[i].len()]).max().unwrap_or(0).min(cap)
    };
    let (w_client, w_name, w_scope) = (col(0, 16), col(1, 40), col(2, 7));
    let w_risk = col(4, 60);
    let fixed = 2 + w_client + 2 + w_name + 2 + w_scope + 2 + 2 + w_risk;
    let w_ident = match width {
        Some(w) => w.saturating_sub(fixed).max(20),
        None => col(3, usize::MAX),
    };
    let mut line = |c: [&str; 5]| {
        let text = format!(
            "  {:<w_client$}  {:<w_name$}  {:<w_scope$}  {:<w_ident$}  {}",
            clip(c[0], w_client),
            clip(c[1], w_name),
            clip(c[2], w_scope),
            clip(c[3], w_ident),
            c[4],
        );
        let _ = writeln!(out, "{}", truncate(text.trim_end(), width));
    };
    line(HEAD);
    for c in &cells {
        line([&c[0], &c[1], &c[2], &c[3], &c[4]]);
    }
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
    }
}

fn summary(report: &ScanReport) -> String {
    let mut parts = Vec::new();
    for kind in ArtifactKind::ALL {
        let n = report.artifacts.iter().filter(|a| a.kind == kind).count();
        if n > 0 {
            parts.push(format!("{n} {kind}"));
        }
    }
    let count =
        |s: Severity| report.artifacts.iter().flat_map(|a| &a.risk).filter(|r| r.severity == s).count();
    let flagged = report.artifacts.iter().filter(|a| !a.risk.is_empty()).count();
    format!(
        "{} ({}); {} with risk flags ({} high, {} medium, {} low); {}",
        plural(report.artifacts.len(), "artifact"),
        if parts.is_empty() { "none".to_owned() } else { parts.join(", ") },
        flagged,
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low),
        plural(report.findings.len(), "finding")
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Fit `s` in `w` characters, marking a cut with `…`.
fn clip(s: &str, w: usize) -> String {
    if chars(s) <= w {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
    t.push('…');
    t
}

pub(crate) fn truncate(s: &str, width: Option<usize>) -> String {
    match width {
        Some(w) => clip(s, w),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_model::{Device, Risk, Scope};

    fn report() -> ScanReport {
        ScanReport {
            schema_version: 1,
            ward_version: "0.1.0".into(),
            generated_at: "2026-01-01T00:00:00Z".into(),
            device: Device::default(),
            artifacts: vec![
                Artifact::new(ArtifactKind::Cli, "gh", "gh", Scope::Managed, "/usr/bin/gh", "/usr/bin/gh"),
                Artifact::new(
                    ArtifactKind::Secret,
                    "aws",
                    "AWS shared credentials",
                    Scope::User,
                    "~/.aws/credentials",
                    "~/.aws/credentials/".repeat(20),
                )
                .with_risk(Risk::new("long-lived-cloud-key", Severity::High, "x")),
            ],
            findings: vec![ward_model::Finding {
                kind: ward_model::FindingKind::ParseError,
                client: "cursor".into(),
                source: "~/.cursor/mcp.json".into(),
                message: "cannot parse ~/.cursor/mcp.json: line 3, column 7: invalid JSON syntax".into(),
            }],
            drift: None,
            coverage: None,
        }
    }

    #[test]
    fn table_groups_and_truncates() {
        let t = render_table(&report(), Some(100));
        assert!(t.contains("SECRETS (1)") && t.contains("CLIS (1)"), "{t}");
        assert!(t.find("SECRETS").unwrap() < t.find("CLIS").unwrap());
        assert!(t.lines().all(|l| l.chars().count() <= 100), "{t}");
        assert!(t.contains("long-lived-cloud-key(high)"));
        assert!(t.contains(
            "2 artifacts (1 secret, 1 cli); 1 with risk flags (1 high, 0 medium, 0 low); 1 finding"
        ));
        let findings = t.find("FINDINGS (1)").unwrap();
        assert!(
            t[findings..].contains("parse-error  cursor        cannot parse ~/.cursor/mcp.json: line 3"),
            "{t}"
        );
        assert!(findings > t.find("CLIS").unwrap());
        let wide = render_table(&report(), None);
        assert!(wide.contains(&"~/.aws/credentials/".repeat(20)));
    }
}
