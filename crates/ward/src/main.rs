//! `ward`: the command line. It parses arguments, finds Ward's files and wires each command to
//! the library crate that does the work; logic lives in the libraries.
//!
//! The entry point is C's `main`, not Rust's (`#![no_main]`): `ward hook` is a fresh process
//! on every tool call of every agent, and Rust's runtime start-up asks glibc for the main
//! thread's stack bounds (glibc reads and parses `/proc/self/maps` for that) to arm a
//! stack-overflow report: ~60 µs of a 1.5 ms budget. What that start-up did and Ward needs is
//! done in [`main`]: SIGPIPE ignored, panics turned into exit code 101, stdout flushed at exit.
//! Arguments still reach `std::env::args` (glibc hands them to std's `.init_array` hook).
//! (Unit-test builds keep the test harness's own `main`.)
#![cfg_attr(not(test), no_main)]
#![cfg_attr(test, allow(dead_code))]

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

/// The process entry point, called by glibc's start code.
// SAFETY (`no_mangle`): with `#![no_main]` this is the program's only `main` symbol, with the
// signature C's start code calls.
#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // As Rust's start-up does: a closed pipe is an error the commands report (or ignore, for
    // `ward scan | head`), not a silent kill.
    // SAFETY: setting a signal's disposition to SIG_IGN has no memory-safety requirement.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    // A panic must not unwind into C; it ends the process with Rust's usual panic status.
    let code = std::panic::catch_unwind(ward_main).unwrap_or(ExitCode::from(101));
    // Rust's runtime flushes stdout on the way out of `main`; C's `exit` does not know it.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    status(code)
}

/// The number of `code`, for C's `main` to return. `ExitCode` keeps its number private on stable
/// Rust, but compares: every code Ward makes is `ExitCode::from(u8)`, `SUCCESS` or `FAILURE`,
/// so one of the 256 candidates equals it.
fn status(code: ExitCode) -> libc::c_int {
    (0..=u8::MAX).find(|&n| ExitCode::from(n) == code).map_or(1, libc::c_int::from)
}

fn ward_main() -> ExitCode {
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
