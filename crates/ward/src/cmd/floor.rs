//! `ward floor render` and `ward floor check`: wiring to `ward_policy::render` and
//! `ward_endpoint::floorcheck`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use ward_policy::render::{self, RenderOptions, Target};
use ward_policy::{LoadError, Policy};

use super::install::{deadline_ms, scan_options, ward_binary};
use crate::env::WardPaths;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Write the files that make an agent enforce a tier's floor (Codex requirements.toml,
    /// Claude Code managed-settings.json, …), each registering Ward as the agent's hook.
    Render(RenderArgs),
    /// Which floor each agent on this machine actually enforces, per repository: the effective
    /// settings (and the file each comes from) compared with the repository's tier.
    Check(CheckArgs),
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Targets (install path on Linux; macOS/Windows paths and each target's translation of Ward's path \
patterns are in docs/floors.md):
  codex-requirements  /etc/codex/requirements.toml
  codex-config        /etc/codex/managed_config.toml (managed defaults)
  codex-mdm           a .mobileconfig for the com.openai.codex domain (requirements and defaults, base64)
  claude-managed      /etc/claude-code/managed-settings.json
  cursor-hooks        /etc/cursor/hooks.json (failClosed where the tier fails closed)
  gemini-settings     /etc/gemini-cli/settings.json

The output is byte-stable: the same policy, tier, agent version and binary path give the same \
bytes. Files are rendered for the agent version found on this machine (or --agent-version): \
Codex versions that refuse approval_policy = \"untrusted\" never get it. What a target cannot \
express is said in the file's comments (TOML, .mobileconfig, Gemini's JSONC) and on stderr.")]
pub struct RenderArgs {
    /// The tier whose floor to render (as named in the policy).
    #[arg(long, value_name = "TIER")]
    pub tier: String,

    /// What to render.
    #[arg(long, value_name = "TARGET", value_parser = parse_target)]
    pub target: Target,

    /// Render for this agent version instead of the one found on this machine.
    #[arg(long, value_name = "VERSION")]
    pub agent_version: Option<String>,

    /// The `ward` binary the agent should run as its hook. Default: this binary's absolute path.
    #[arg(long, value_name = "PATH")]
    pub ward_binary: Option<PathBuf>,

    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_target(s: &str) -> std::result::Result<Target, String> {
    Target::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Target::ALL.iter().map(|t| t.as_str()).collect();
        format!("unknown target `{s}` (one of: {})", names.join(", "))
    })
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
For each repository under --projects (and the current directory when it is one) and each \
supported agent found (codex, claude-code, cursor, gemini-cli), Ward resolves the repository's \
tier, computes the agent's effective configuration the way the agent does (Codex: system, user, \
profile, trusted-project and managed layers and requirements.toml constraints; Claude Code: \
managed > local project > project > user), and compares it with the tier's floor. It also says \
whether Ward is registered as the agent's hook, where, and (Codex) whether Codex trusts it.

Exit status: 0 when every repository is compliant, 1 when any floor is violated or Ward is not \
the hook of an agent found, 2 on a usage error.")]
pub struct CheckArgs {
    /// Directories to search for git repositories.
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub projects: Vec<PathBuf>,

    /// Output format; `json` is versioned (`schema_version`) and described in docs/floors.md.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

pub fn run(command: Command, paths: &WardPaths) -> Result<ExitCode> {
    match command {
        Command::Render(args) => render_cmd(args, paths),
        Command::Check(args) => super::floorcheck::run(args, paths),
    }
}

pub fn load_policy(file: Option<&Path>) -> Result<Policy> {
    let Some(path) = file else { return Ok(Policy::builtin().clone()) };
    match Policy::load(path) {
        Ok(p) => Ok(p),
        Err(LoadError::Invalid(e)) => bail!("the policy is not valid (run `ward policy check`):\n{e}"),
        Err(e @ LoadError::Io { .. }) => Err(e).context("cannot read the policy"),
    }
}

/// The version of `client` that `ward scan` finds, with where it was found.
pub fn detected_version(paths: &WardPaths, client: &str) -> Option<(String, String)> {
    let report = ward_inventory::scan(&scan_options(paths), &|_| {});
    report
        .artifacts
        .iter()
        .filter(|a| a.kind == ward_model::ArtifactKind::Agent && a.client == client)
        .find_map(|a| {
            let v = a.attributes.get("version")?.as_str()?.to_owned();
            Some((v, format!("detected: {}", a.source)))
        })
}

fn render_cmd(args: RenderArgs, paths: &WardPaths) -> Result<ExitCode> {
    let policy = load_policy(paths.policy_file.as_deref())?;
    if !policy.has_tier(&args.tier) {
        bail!("unknown tier `{}` (the policy names: {})", args.tier, policy.tier_names().join(", "));
    }
    let (agent_version, version_source) = match args.agent_version {
        Some(v) => (Some(v), "--agent-version".to_owned()),
        None => match detected_version(paths, args.target.agent()) {
            Some((v, source)) => (Some(v), source),
            None => (None, "not found on this machine".to_owned()),
        },
    };
    let opts = RenderOptions {
        ward_binary: ward_binary(args.ward_binary.as_ref())?,
        agent_version,
        version_source,
        hook_timeout_secs: ward_endpoint::install::hook_timeout_secs(deadline_ms()?),
    };
    let rendered = render::render(&policy, &args.tier, args.target, &opts)?;
    for note in &rendered.notes {
        eprintln!("note: {note}");
    }
    match &args.output {
        Some(file) => std::fs::write(file, &rendered.text)
            .with_context(|| format!("cannot write {}", file.display()))?,
        None => crate::out::stdout(&rendered.text)?,
    }
    Ok(ExitCode::SUCCESS)
}
