//! `ward install` / `ward uninstall`: wiring to `ward_endpoint::install`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use ward_endpoint::install::{self, Agent, Change, InstallOptions, Outcome};
use ward_inventory::{Locations, Os};

use crate::env::WardPaths;

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Agents: codex, claude-code (or claude), cursor, gemini-cli (or gemini), copilot-cli (or copilot), \
vscode, windsurf, continue, cline, amazon-q (or kiro) — every agent `ward hook` answers.

Where Ward is registered (docs/install.md has every path, per OS, and which formats are \
unconfirmed):
  user (default)  Codex: $CODEX_HOME/hooks.json (default ~/.codex) plus its hook-trust entry in \
$CODEX_HOME/config.toml — Codex skips an untrusted user hook; Claude Code: \
$CLAUDE_CONFIG_DIR/settings.json (default ~/.claude); Cursor: ~/.cursor/hooks.json; Gemini CLI: \
~/.gemini/settings.json; Copilot CLI: $COPILOT_HOME/hooks/ward.json (default ~/.copilot); VS Code: \
~/.claude/settings.json (shared with Claude Code: one Ward entry serves both); Windsurf: \
~/.codeium/windsurf/hooks.json; Continue: ~/.continue/settings.json; Cline: the script \
~/Documents/Cline/Hooks/PreToolUse; Amazon Q / Kiro CLI: every agent file in \
~/.aws/amazonq/cli-agents/ and ~/.kiro/agents/.
  --managed       Codex: /etc/codex/requirements.toml [hooks]; Claude Code: \
/etc/claude-code/managed-settings.json; Cursor: /etc/cursor/hooks.json; Gemini CLI: \
/etc/gemini-cli/settings.json; Windsurf: /etc/windsurf/hooks.json. Copilot CLI, VS Code, \
Continue, Cline and Amazon Q have no managed hook file Ward can write (--all skips them with a \
note). Managed paths are under $WARD_SYSTEM_ROOT when it is set.

The registered command is the absolute path of this `ward` binary (or --ward-binary) followed by \
`hook <agent>`, so agents find it without PATH. Its timeout is Ward's hook deadline \
($WARD_HOOK_DEADLINE_MS, default 5000 ms) rounded up plus 5 s, at least 10 s: an agent whose \
hook times out runs the tool anyway.

Running it again changes nothing; an older Ward entry is updated in place. Every changed file is \
backed up under <data dir>/backups/ first; the rest of each file is kept byte for byte. \
`ward uninstall` removes exactly Ward's entries.

Exit status: 0 on success, 2 on a usage error or a file that cannot be read, parsed or written \
(nothing is changed in that file).")]
pub struct Args {
    /// Agents to register with.
    #[arg(value_name = "AGENT", required_unless_present = "all", conflicts_with = "all")]
    pub agents: Vec<String>,

    /// Install: every supported agent `ward scan` finds on this machine. Uninstall: every
    /// supported agent, found or not.
    #[arg(long)]
    pub all: bool,

    /// Use the admin-managed location (needs write access to it; usually root).
    #[arg(long)]
    pub managed: bool,

    /// The `ward` binary agents should run. Default: this binary's own absolute path.
    #[arg(long, value_name = "PATH")]
    pub ward_binary: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

pub fn locations(paths: &WardPaths) -> Locations {
    Locations::new(paths.home.clone(), paths.system_root.clone(), Os::current())
        .with_agent_env(|k| std::env::var(k).ok())
}

/// The binary agents should run: `--ward-binary` (absolute), else this executable.
pub fn ward_binary(flag: Option<&PathBuf>) -> Result<String> {
    let path = match flag {
        Some(p) => {
            if !p.is_absolute() {
                bail!(
                    "--ward-binary {}: give an absolute path (agents run hooks from other directories)",
                    p.display()
                );
            }
            p.clone()
        }
        None => {
            let exe = std::env::current_exe()
                .context("cannot tell where this ward binary is; pass --ward-binary")?;
            std::fs::canonicalize(&exe).unwrap_or(exe)
        }
    };
    path.to_str()
        .map(str::to_owned)
        .with_context(|| format!("{}: the path is not UTF-8; pass --ward-binary", path.display()))
}

pub fn deadline_ms() -> Result<u64> {
    match std::env::var("WARD_HOOK_DEADLINE_MS") {
        Ok(v) if !v.is_empty() => {
            v.parse().with_context(|| format!("$WARD_HOOK_DEADLINE_MS={v}: not a number of milliseconds"))
        }
        _ => Ok(super::hook::DEFAULT_DEADLINE_MS),
    }
}

/// The supported agents `ward scan` finds.
pub fn found_agents(paths: &WardPaths, managed: bool) -> Vec<Agent> {
    let report = ward_inventory::scan(&scan_options(paths), &|_| {});
    let mut out: Vec<Agent> = report
        .artifacts
        .iter()
        .filter(|a| a.kind == ward_model::ArtifactKind::Agent)
        .filter_map(|a| Agent::from_name(&a.client))
        .filter(|a| !managed || a.has_managed_location())
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn scan_options(paths: &WardPaths) -> ward_inventory::ScanOptions {
    let mut opts = ward_inventory::ScanOptions::new(paths.home.clone());
    opts.system_root = paths.system_root.clone();
    opts.path_dirs =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    opts
}

/// After an install, ask the agent's effective configuration whether it will run Ward: a
/// managed "managed hooks only" switch or Codex's trust rules can still skip a user hook.
fn warn_if_not_run(loc: &Locations, agent: Agent) {
    let Some(eff) = ward_inventory::effective::of(agent.name(), loc, None) else { return };
    if eff.ward_runs() {
        return;
    }
    let states: Vec<String> = eff.ward_hooks.iter().map(|h| format!("{}: {}", h.file, h.state)).collect();
    eprintln!(
        "ward: warning: {} will not run Ward's hook as configured ({}); `ward floor check` explains, `--managed` registers it where admins' settings allow",
        agent.name(),
        if states.is_empty() { "no registration found".to_owned() } else { states.join("; ") }
    );
}

fn parse_agents(names: &[String]) -> Result<Vec<Agent>> {
    let mut out = Vec::new();
    for name in names {
        match Agent::from_name(name) {
            Some(a) if !out.contains(&a) => out.push(a),
            Some(_) => {}
            None => {
                let known: Vec<&str> = Agent::ALL.iter().map(|a| a.name()).collect();
                bail!("unknown agent `{name}` (agents: {})", known.join(", "));
            }
        }
    }
    Ok(out)
}

pub fn run(args: Args, paths: &WardPaths, install: bool) -> Result<ExitCode> {
    let agents = if args.all && !install {
        // Uninstall cleans every agent, found by a scan or not: an agent removed from the
        // machine may still have Ward's entry in its files.
        Agent::ALL.iter().copied().filter(|a| !args.managed || a.has_managed_location()).collect()
    } else if args.all {
        let found = found_agents(paths, args.managed);
        if found.is_empty() {
            eprintln!(
                "ward: `ward scan` found no agent Ward can register with{} on this machine; name one to register anyway (`ward install codex`)",
                if args.managed { " in a managed location" } else { "" }
            );
            return Ok(ExitCode::SUCCESS);
        }
        if args.managed {
            let unmanaged: Vec<&str> = found_agents(paths, false)
                .into_iter()
                .filter(|a| !a.has_managed_location())
                .map(|a| a.name())
                .collect();
            if !unmanaged.is_empty() {
                eprintln!(
                    "ward: note: {} found but no managed hook location exists for {}; `ward install {}` registers the user's",
                    unmanaged.join(", "),
                    if unmanaged.len() == 1 { "it" } else { "them" },
                    unmanaged.join(" ")
                );
            }
        }
        found
    } else {
        parse_agents(&args.agents)?
    };
    let opts = InstallOptions {
        locations: locations(paths),
        managed: args.managed,
        ward_binary: ward_binary(args.ward_binary.as_ref())?,
        deadline_ms: deadline_ms()?,
        backup_dir: paths.data_dir.join("backups"),
    };
    let mut changes: Vec<Change> = Vec::new();
    let mut failed = false;
    for agent in agents {
        let result = if install { install::install(agent, &opts) } else { install::uninstall(agent, &opts) };
        match result {
            Ok(c) => {
                changes.extend(c);
                if install {
                    warn_if_not_run(&opts.locations, agent);
                }
            }
            Err(e) => {
                eprintln!("ward: {}: {e}", agent.name());
                failed = true;
            }
        }
    }
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema_version": 1,
                "action": if install { "install" } else { "uninstall" },
                "managed": args.managed,
                "command": opts.ward_binary,
                "timeout_secs": opts.timeout_secs(),
                "changes": changes,
            });
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&doc)?))?;
        }
        Format::Table => {
            let mut text = String::new();
            // `uninstall --all` tries every agent: the ones Ward was never registered with are
            // summed up in one line instead of a line each.
            let quiet_absent = args.all && !install;
            let mut absent: Vec<&str> = Vec::new();
            for c in &changes {
                if quiet_absent && c.outcome == Outcome::NotPresent {
                    if !absent.contains(&c.agent) {
                        absent.push(c.agent);
                    }
                    continue;
                }
                let what = match c.outcome {
                    Outcome::Installed => "installed",
                    Outcome::Updated => "updated",
                    Outcome::Unchanged => "already installed",
                    Outcome::Removed => "removed",
                    Outcome::NotPresent => "not installed",
                    Outcome::Skipped => "skipped",
                };
                text.push_str(&format!("{:<12} {:<18} {}\n", c.agent, what, c.file.display()));
                text.push_str(&format!("{:<12} {:<18} {}\n", "", "", c.detail));
                if let Some(b) = &c.backup {
                    text.push_str(&format!("{:<12} {:<18} backup: {}\n", "", "", b.display()));
                }
            }
            absent.retain(|a| !changes.iter().any(|c| c.agent == *a && c.outcome != Outcome::NotPresent));
            if !absent.is_empty() {
                text.push_str(&format!("Ward was not registered with: {}\n", absent.join(", ")));
            }
            if install && !failed && !changes.is_empty() {
                text.push_str(
                    "\nNext: `ward floor check` shows whether each agent runs Ward and which tier's floor it enforces.\n",
                );
            }
            crate::out::stdout(text)?;
        }
    }
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
