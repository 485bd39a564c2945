//! `ward floor check`: wiring to `ward_endpoint::floorcheck` and its table.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use ward_endpoint::floorcheck::{self, FoundAgent, Report};
use ward_inventory::locations::HOOKABLE_AGENTS;
use ward_model::ArtifactKind;

use super::floor::{load_policy, CheckArgs, Format};
use super::install::{locations, scan_options};
use crate::env::WardPaths;

/// The supported agents a scan finds, with their versions.
pub fn found_agents(report: &ward_model::ScanReport) -> Vec<FoundAgent> {
    let mut out: Vec<FoundAgent> = Vec::new();
    for a in report.artifacts.iter().filter(|a| a.kind == ArtifactKind::Agent) {
        if HOOKABLE_AGENTS.contains(&a.client.as_str()) && !out.iter().any(|f| f.client == a.client) {
            let version = a.attributes.get("version").and_then(|v| v.as_str()).map(str::to_owned);
            out.push(FoundAgent { client: a.client.clone(), version });
        }
    }
    out
}

/// The floor check of this machine, for `ward floor check` and `ward scan`.
pub fn machine_check(
    paths: &WardPaths,
    scan: &ward_model::ScanReport,
    projects: &[PathBuf],
) -> Result<Report> {
    let policy = load_policy(paths.policy_file.as_deref())?;
    let (mut repos, _) = ward_inventory::scan::discover_projects(projects, &|_| {});
    if let Some(info) = std::env::current_dir().ok().and_then(|d| ward_policy::RepoInfo::discover(&d)) {
        if !repos.contains(&info.root) {
            repos.push(info.root);
        }
    }
    let deadline = super::install::deadline_ms()?;
    Ok(floorcheck::check(&policy, &locations(paths), &found_agents(scan), &repos, deadline))
}

/// Run the floor check after a scan: each agent artifact gets `ward_hook` (bool),
/// `ward_hook_at` (where, and whether it runs) and `floor_enforced` (tier or null), and the whole
/// check goes into the JSON document as `floor_check` (or `{"error": …}` when the policy cannot
/// be loaded: the scan itself never fails on it).
pub fn attach_to_scan(
    paths: &WardPaths,
    mut scan: ward_model::ScanReport,
    projects: &[PathBuf],
) -> (ward_model::ScanReport, serde_json::Value) {
    let report = match machine_check(paths, &scan, projects) {
        Ok(r) => r,
        Err(e) => return (scan, serde_json::json!({ "error": format!("{e:#}") })),
    };
    for summary in &report.agents {
        for art in
            scan.artifacts.iter_mut().filter(|a| a.kind == ArtifactKind::Agent && a.client == summary.agent)
        {
            art.attributes.insert("ward_hook".into(), summary.ward_hook.into());
            art.attributes.insert("ward_hook_at".into(), summary.hook_places.clone().into());
            if !summary.unverified.is_empty() {
                art.attributes.insert("floor_unverified".into(), summary.unverified.clone().into());
            }
            if summary.floor_checked {
                art.attributes.insert(
                    "floor_enforced".into(),
                    summary.enforces.clone().map_or(serde_json::Value::Null, serde_json::Value::String),
                );
            }
        }
    }
    let value =
        serde_json::to_value(&report).unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }));
    (scan, value)
}

/// The scan's JSON document with the floor check as its last member, `floor_check`. The scan's
/// own members keep their order (the document is spliced, not re-serialized through a map).
pub fn scan_json(
    scan: &ward_model::ScanReport,
    floor_check: serde_json::Value,
) -> serde_json::Result<String> {
    let doc = ward_inventory::report::render_json(scan)?;
    let check = serde_json::to_string_pretty(&floor_check)?.replace('\n', "\n  ");
    Ok(match doc.strip_suffix('}') {
        Some(head) => format!("{},\n  \"floor_check\": {check}\n}}", head.trim_end()),
        None => doc,
    })
}

pub fn run(args: CheckArgs, paths: &WardPaths) -> Result<ExitCode> {
    for dir in &args.projects {
        if !dir.is_dir() {
            bail!("--projects {}: not a directory", dir.display());
        }
    }
    let scan = ward_inventory::scan(&scan_options(paths), &|_| {});
    let report = machine_check(paths, &scan, &args.projects)?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&report).context("cannot serialize the report")? + "\n",
        Format::Table => {
            let policy = load_policy(paths.policy_file.as_deref())?;
            table(&report) + &render_hints(&report, &policy, &locations(paths))
        }
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write to standard output")?,
    }
    Ok(if report.compliant { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The commands that would make each agent whose settings fall short enforce the floor: the
/// rendered file for the most cautious tier it fails in, at the managed path the agent reads.
/// A machine-wide file holds one tier; a stricter one also satisfies the looser tiers.
fn render_hints(report: &Report, policy: &ward_policy::Policy, loc: &ward_inventory::Locations) -> String {
    let order = policy.tier_names();
    let mut lines = Vec::new();
    // The rendered files register the binary that renders them, and a managed hook must run a
    // program only root can replace: use this binary if root owns it, else a root-owned copy.
    let exe = std::env::current_exe().ok().and_then(|e| std::fs::canonicalize(e).ok());
    let root_owned = exe.as_deref().is_some_and(|e| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(e).is_ok_and(|m| m.uid() == 0)
        }
        #[cfg(not(unix))]
        {
            let _ = e;
            true
        }
    });
    let ward = match (&exe, root_owned) {
        (Some(e), true) => ward_policy::render::shell_quote(&e.to_string_lossy()),
        (Some(e), false) => {
            lines.push(format!(
                "  sudo install -m 755 {} /usr/local/bin/ward    # a copy only root can replace",
                ward_policy::render::shell_quote(&e.to_string_lossy())
            ));
            "/usr/local/bin/ward".to_owned()
        }
        (None, _) => "ward".to_owned(),
    };
    let copy_line = lines.len();
    for summary in &report.agents {
        let targets: Vec<(&str, std::path::PathBuf)> = match summary.agent.as_str() {
            "codex" => vec![
                ("codex-requirements", loc.codex_requirements()),
                ("codex-config", loc.codex_managed_config()),
            ],
            "claude-code" => vec![("claude-managed", loc.claude_managed_settings())],
            "gemini-cli" => vec![("gemini-settings", loc.gemini_system_settings())],
            "cursor" => vec![("cursor-hooks", loc.cursor_enterprise_hooks())],
            _ => continue,
        };
        let failing = report
            .repositories
            .iter()
            .filter(|r| {
                r.agents.iter().any(|a| {
                    a.agent == summary.agent
                        && a.violations
                            .iter()
                            .any(|v| !v.key.starts_with("hook") && !v.key.starts_with("mcp_servers."))
                })
            })
            .filter_map(|r| order.iter().position(|t| *t == r.tier));
        let Some(tier) = failing.max().map(|i| order[i]) else { continue };
        for (target, path) in targets {
            lines.push(format!(
                "  sudo {ward} floor render --tier {tier} --target {target} -o {}",
                ward_policy::render::shell_quote(&path.to_string_lossy())
            ));
        }
    }
    if lines.len() == copy_line {
        return String::new();
    }
    format!(
        "\nTo make the agents enforce the floor themselves (as root; each file also registers Ward as the managed hook; docs/floors.md):\n{}\n",
        lines.join("\n")
    )
}

fn table(report: &Report) -> String {
    let mut s = String::new();
    let policy = if report.policy.starts_with('<') {
        "Ward's built-in policy".to_owned()
    } else {
        report.policy.clone()
    };
    s.push_str(&format!("Policy: {policy}\n"));
    if report.agents.is_empty() {
        s.push_str(&format!(
            "No agent Ward can govern ({}) was found on this machine.\n",
            HOOKABLE_AGENTS.join(", ")
        ));
        return s;
    }
    s.push_str("\nAGENT        ENFORCES     WARD HOOK\n");
    for a in &report.agents {
        let hook = if a.ward_hook { "yes" } else { "no" };
        let tier = match (a.enforces.as_deref(), a.unverified.is_empty()) {
            _ if !a.floor_checked => "hook only".to_owned(),
            (Some(t), true) => t.to_owned(),
            (Some(t), false) => format!("{t}?"),
            (None, _) => "no tier".to_owned(),
        };
        s.push_str(&format!("{:<12} {:<12} {hook}\n", a.agent, tier));
        for u in &a.unverified {
            s.push_str(&format!("{:<25} cannot verify: {u}\n", ""));
        }
        for place in &a.hook_places {
            s.push_str(&format!("{:<25} {place}\n", ""));
        }
        if a.hook_places.is_empty() {
            s.push_str(&format!("{:<25} not registered: run `ward install {}`\n", "", a.agent));
        }
    }
    for repo in &report.repositories {
        let name = repo.repository.as_deref().unwrap_or("(outside any repository)");
        s.push_str(&format!("\n{name}: tier {} ({})\n", repo.tier, repo.tier_reason));
        for a in &repo.agents {
            let verdict = if a.compliant {
                "compliant".to_owned()
            } else if a.violations.is_empty() {
                "cannot verify".to_owned()
            } else {
                format!("{} violation{}", a.violations.len(), if a.violations.len() == 1 { "" } else { "s" })
            };
            s.push_str(&format!("  {:<12} {verdict}\n", a.agent));
            for v in &a.violations {
                s.push_str(&format!("    - {}\n", v.message));
            }
            for u in &a.unverified {
                s.push_str(&format!("    cannot verify: {u}\n"));
            }
            for n in &a.notes {
                s.push_str(&format!("    note: {n}\n"));
            }
            for b in &a.effective.mcp_blocked {
                s.push_str(&format!("    MCP server not started: {b}\n"));
            }
            if repo.repository.is_none() {
                for (key, setting) in &a.effective.settings {
                    let note = setting.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                    s.push_str(&format!("      {key} = {} — {}{note}\n", setting.value, setting.source));
                }
            }
            for i in &a.effective.ignored {
                s.push_str(&format!("    ignored: {i}\n"));
            }
            for w in &a.effective.warnings {
                s.push_str(&format!("    warning: {w}\n"));
            }
        }
    }
    s.push_str(if report.compliant {
        "\nEvery agent enforces its repository's floor.\n"
    } else {
        "\nSome floors do not hold (exit status 1). `ward floor render` writes the files that fix them; `ward install` registers Ward.\n"
    });
    s
}
