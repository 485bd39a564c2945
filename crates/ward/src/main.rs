//! `ward`: the command line. It parses arguments, finds Ward's files and wires each command to
//! the library crate that does the work; logic lives in the libraries.

mod cmd;
mod deadline;
mod env;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Ward governs AI coding agents: what is installed, what each tool call may do, and what
/// every agent actually did.
#[derive(Parser, Debug)]
#[command(name = "ward", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: env::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Inventory this machine: agents, MCP servers, extensions, skills, plugins, secrets
    /// (metadata only), hooks and CLIs, with risk flags.
    Scan(cmd::scan::Args),
    /// Replace secrets in text or JSON by [REDACTED:<rule>:<fingerprint>].
    Redact(cmd::redact::Args),
    /// Answer an agent's pre-tool-call hook: read its payload on stdin, decide, record, answer.
    Hook(cmd::hook::Args),
    /// Validate a policy, run its decision tests, or explain one decision.
    #[command(subcommand)]
    Policy(cmd::policy::Command),
    /// Check the local audit spool (the hash-chained record of every decision).
    #[command(subcommand)]
    Audit(cmd::audit::Command),
}

/// `ward hook` alone, for the hook's hot path: building the whole command tree costs more than
/// the rest of a decision, and agents call the hook on every tool call. Same flags and help.
#[derive(Parser, Debug)]
#[command(
    name = "ward hook",
    version,
    about = "Answer an agent's pre-tool-call hook: read its payload on stdin, decide, record, answer."
)]
struct HookCli {
    #[command(flatten)]
    global: env::GlobalArgs,
    #[command(flatten)]
    args: cmd::hook::Args,
}

fn main() -> ExitCode {
    if std::env::args_os().nth(1).is_some_and(|a| a == "hook") {
        let hook =
            HookCli::parse_from(std::iter::once("ward hook".into()).chain(std::env::args_os().skip(2)));
        return run_command(&hook.global, |paths| cmd::hook::run(hook.args, paths));
    }
    let cli = Cli::parse();
    run_command(&cli.global, |paths| match cli.command {
        Command::Scan(args) => cmd::scan::run(args, paths),
        Command::Redact(args) => cmd::redact::run(args, paths),
        Command::Hook(args) => cmd::hook::run(args, paths),
        Command::Policy(command) => cmd::policy::run(command, paths),
        Command::Audit(command) => cmd::audit::run(command, paths),
    })
}

/// Resolve Ward's paths, run the command, and turn an error into a message and exit code 2.
fn run_command(
    global: &env::GlobalArgs,
    command: impl FnOnce(&env::WardPaths) -> anyhow::Result<ExitCode>,
) -> ExitCode {
    let paths = match env::WardPaths::resolve(global) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ward: {e:#}");
            return ExitCode::from(2);
        }
    };
    match command(&paths) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ward: {e:#}");
            ExitCode::from(2)
        }
    }
}
