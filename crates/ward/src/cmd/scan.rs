//! `ward scan`: inventory this machine and print it as a table or as the versioned JSON document
//! (docs/scan-schema.md). The work is `ward_inventory::scan`; this file wires flags, progress
//! and output.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use ward_inventory::report::render_table;
use ward_inventory::{scan, ScanOptions, ScanProgress};
use ward_model::{ScanReport, Severity};

use crate::env::WardPaths;

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Scopes: managed files under $WARD_SYSTEM_ROOT (default /), the home given by --home (default \
$HOME), and every git repository found under --projects. CLIs are looked up on $PATH without \
running them. Secret values never appear in the output: secrets are reported as kind, path, file \
mode and which agents could read them.

Exit status: 0 when the scan ran (even with risk flags, drift and findings, unless --fail-on or \
--fail-on-drift says otherwise), 1 when --fail-on or --fail-on-drift matched, 2 on a usage or I/O \
error (a --projects directory that does not exist is one).")]
pub struct Args {
    /// Directories to search for git repositories (a directory holding `.git`). Each may itself
    /// be a repository. Repositories are inventoried at project scope: their agent configs,
    /// skills, MCP servers and credential files in the repository root. Repeatable; searched
    /// up to 6 levels deep, skipping hidden directories, node_modules, target, vendor and
    /// symlinks.
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub projects: Vec<PathBuf>,

    /// Output format. `table` (the default, also when piped) groups artifacts by kind and
    /// explains risk flags, drift and what to do next; `json` is the versioned document of
    /// docs/scan-schema.md; `sarif` is a SARIF 2.1.0 log of risk flags, drift and scan findings;
    /// `cyclonedx` is a CycloneDX 1.6 AI bill of materials (secrets as metadata, never values).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with status 1 if any artifact carries a risk flag of this severity or higher.
    /// Default: the exit status does not depend on risk flags.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// Exit with status 1 if the scan drifted from the policy's `[approved]` lists: an artifact
    /// changed or unapproved, or a required one missing (docs/drift.md).
    #[arg(long)]
    pub fail_on_drift: bool,

    /// Do not record drift findings in the audit trail. By default a scan appends a `drift`
    /// event to the spool for each finding that is new since the last scan, and one for each
    /// that was resolved (docs/drift.md); use this for scans of another tree (an image, a
    /// fixture) that are not this machine's state.
    #[arg(long)]
    pub no_record: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Cyclonedx,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    High,
    Medium,
    Low,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
}

pub fn run(args: Args, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    // A mistyped --projects would otherwise scan nothing there and look like a clean result.
    for dir in &args.projects {
        if !dir.is_dir() {
            anyhow::bail!("--projects {}: no such directory", dir.display());
        }
    }
    let path_dirs = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    // Variables like KUBECONFIG describe this process's user, so they apply only when the home
    // scanned is that user's own.
    let own_home = std::env::var_os("HOME").is_some_and(|h| std::path::Path::new(&h) == paths.home);
    let credential_env = if own_home {
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v)))
            .filter(|(k, _)| ward_inventory::secrets::is_credential_location_var(k))
            .collect()
    } else {
        Vec::new()
    };
    let opts = ScanOptions {
        home: paths.home.clone(),
        system_root: paths.system_root.clone(),
        project_dirs: args.projects.clone(),
        path_dirs,
        os: ward_inventory::Os::current(),
        credential_env,
    };

    let spinner = crate::out::spinner("scanning");
    let mut report = scan(&opts, &|p| {
        if let Some(bar) = &spinner {
            bar.set_message(match p {
                ScanProgress::Discovering { dirs_visited, repos_found } => {
                    format!("looking for projects: {dirs_visited} directories, {repos_found} repositories")
                }
                ScanProgress::Scanned { task, done, total } => format!("scanned {task} ({done}/{total})"),
            });
        }
    });
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    compare_with_policy(&mut report, paths.policy_file.as_deref());
    if !args.no_record {
        if let Some(drift) = &report.drift {
            match ward_endpoint::drift_events::record(&paths.data_dir, drift) {
                Ok(r) if r.new + r.resolved > 0 => eprintln!(
                    "ward: recorded {} new and {} resolved drift finding{} in the audit trail ({})",
                    r.new,
                    r.resolved,
                    if r.new + r.resolved == 1 { "" } else { "s" },
                    paths.data_dir.display()
                ),
                Ok(_) => {}
                Err(e) => eprintln!("ward: warning: drift findings were not recorded: {e}"),
            }
        }
    }
    let (report, floor_check) = super::floorcheck::attach_to_scan(paths, report, &args.projects);

    let text = match args.format {
        Format::Json => {
            let mut s =
                super::floorcheck::scan_json(&report, floor_check).context("cannot serialize the report")?;
            s.push('\n');
            s
        }
        Format::Sarif => {
            let mut s =
                ward_inventory::sarif::render_sarif(&report).context("cannot serialize the report")?;
            s.push('\n');
            s
        }
        Format::Cyclonedx => {
            let mut s = ward_inventory::cyclonedx::render_cyclonedx(&report)
                .context("cannot serialize the report")?;
            s.push('\n');
            s
        }
        Format::Table => {
            let width = if args.output.is_none() && std::io::stdout().is_terminal() {
                terminal_width()
            } else {
                None
            };
            render_table(&report, width)
        }
    };
    match &args.output {
        Some(file) => std::fs::write(file, text.as_bytes())
            .with_context(|| format!("cannot write the report to {}", file.display()))?,
        None => crate::out::stdout(text)?,
    }
    let drifted = args.fail_on_drift && report.drift.as_ref().is_some_and(|d| d.findings().next().is_some());
    Ok(match args.fail_on {
        Some(level) if has_risk_at_or_above(&report, level.threshold()) => ExitCode::from(1),
        _ if drifted => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// Drift: the report's artifacts against the `[approved]` lists of the policy in force. A policy
/// that cannot be read or does not compile costs the drift section, not the inventory: it
/// becomes a finding that says how to see the errors.
fn compare_with_policy(report: &mut ScanReport, policy_file: Option<&std::path::Path>) {
    let loaded = match policy_file {
        None => Ok(ward_policy::Policy::builtin().clone()),
        Some(path) => ward_policy::Policy::load(path),
    };
    match loaded {
        Ok(policy) => report.drift = policy.drift(&report.artifacts),
        Err(e) => {
            let origin = policy_file.map(|p| p.display().to_string()).unwrap_or_default();
            let why = match &e {
                ward_policy::LoadError::Invalid(p) => format!(
                    "{} error{}; `ward policy check {origin}` lists them",
                    p.diagnostics.len(),
                    if p.diagnostics.len() == 1 { "" } else { "s" }
                ),
                ward_policy::LoadError::Io { source, .. } => source.to_string(),
            };
            report.findings.push(ward_model::Finding {
                kind: ward_model::FindingKind::Notice,
                client: "ward".to_owned(),
                source: origin.clone(),
                message: format!("drift not checked: the policy {origin} cannot be used ({why})"),
            });
        }
    }
}

fn has_risk_at_or_above(report: &ScanReport, threshold: Severity) -> bool {
    report.artifacts.iter().flat_map(|a| &a.risk).any(|r| r.severity >= threshold)
}

/// Columns of the terminal on stdout: `$COLUMNS`, else the kernel's window size.
fn terminal_width() -> Option<usize> {
    if let Some(c) = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()) {
        return Some(c).filter(|&c| c > 0);
    }
    window_columns()
}

#[cfg(unix)]
fn window_columns() -> Option<usize> {
    let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which points at `ws`, a
    // properly initialized local that lives across the call; fd 1 is only queried.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
    (rc == 0 && ws.ws_col > 0).then_some(usize::from(ws.ws_col))
}

#[cfg(not(unix))]
fn window_columns() -> Option<usize> {
    None
}
