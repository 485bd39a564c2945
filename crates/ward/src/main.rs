//! `ward`: the command line. It parses arguments, finds Ward's files and wires each command to
//! the library crate that does the work; logic lives in the libraries.
//!
//! The entry point is C's `main`, not Rust's (`#![no_main]`): `ward hook` is a fresh process
//! on every tool call of every agent, and Rust's runtime start-up asks glibc for the main
//! thread's stack bounds (glibc reads and parses `/proc/self/maps` for that) to arm a
//! stack-overflow report: ~60 µs of a 1.5 ms budget. What that start-up did and Ward needs is
//! done in [`main`]: fds 0–2 opened on `/dev/null` when the parent closed them, SIGPIPE
//! ignored, panics turned into exit code 101, stdout flushed at exit.
//! Arguments still reach `std::env::args` (glibc hands them to std's `.init_array` hook).
//! (Unit-test builds keep the test harness's own `main`.)
#![cfg_attr(not(test), no_main)]
#![cfg_attr(test, allow(dead_code))]

mod cmd;
mod deadline;
mod env;
mod out;

use std::io::Write as _;
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
    /// Render each tier's floor as the agents' own files, or check which floor this machine
    /// enforces.
    #[command(subcommand)]
    Floor(cmd::floor::Command),
    /// Register Ward as the pre-tool-call hook of agents (user config, or --managed).
    Install(cmd::install::Args),
    /// Remove Ward's hook registration from agents (exactly what `ward install` added).
    Uninstall(cmd::install::Args),
    /// Run the fleet server: enrollment, ingest of every device's events, the admin API.
    Serve(cmd::fleet::ServeArgs),
    /// Administer the fleet server (tokens).
    #[command(subcommand)]
    Admin(cmd::fleet::AdminCommand),
    /// The endpoint daemon: enroll this device, ship its spool to the server; managed mode (a
    /// root-owned service that records every hook call) and its system service.
    #[command(subcommand)]
    Agent(cmd::fleet::AgentCommand),
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
    standard_fds_open();
    // As Rust's start-up does: a closed pipe is an error the commands report (or ignore, for
    // `ward scan | head`), not a silent kill.
    // SAFETY: setting a signal's disposition to SIG_IGN has no memory-safety requirement.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    // A file-size limit (`ulimit -f`) reached while writing the spool must be a write error the
    // hook answers through (fail mode, a note), not a kill that leaves the agent without one.
    // SAFETY: as above.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    // A panic must not unwind into C; it ends the process with Rust's usual panic status.
    let code = std::panic::catch_unwind(ward_main).unwrap_or(ExitCode::from(101));
    // Rust's runtime flushes stdout on the way out of `main`; C's `exit` does not know it.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    status(code)
}

/// As Rust's start-up does: a standard descriptor the parent left closed is opened on
/// `/dev/null`. Otherwise the next file Ward opens (a policy cache, the spool's head) would take
/// its number, and an answer or message written to "stdout" would land in that file. Aborts,
/// as Rust's start-up does, if `/dev/null` cannot be opened.
#[cfg(not(test))]
fn standard_fds_open() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd { fd, events: 0, revents: 0 });
    loop {
        // SAFETY: `fds` is a valid array of three pollfd; a zero timeout never blocks.
        if unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } != -1 {
            break;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            // poll itself failed (e.g. a sandbox forbids it): ask each descriptor instead.
            _ => {
                for pollfd in &mut fds {
                    // SAFETY: F_GETFD only reads the descriptor's flags.
                    let closed = unsafe { libc::fcntl(pollfd.fd, libc::F_GETFD) } == -1
                        && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF);
                    pollfd.revents = if closed { libc::POLLNVAL } else { 0 };
                }
                break;
            }
        }
    }
    for pollfd in fds {
        if pollfd.revents & libc::POLLNVAL != 0 {
            // SAFETY: a valid NUL-terminated path; open takes the lowest free number, which is
            // this closed one (lower closed ones were reopened first).
            if unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) } == -1 {
                std::process::abort();
            }
        }
    }
}

/// The number of `code`, for C's `main` to return. `ExitCode` keeps its number private on stable
/// Rust, but compares: every code Ward makes is `ExitCode::from(u8)`, `SUCCESS` or `FAILURE`,
/// so one of the 256 candidates equals it.
fn status(code: ExitCode) -> libc::c_int {
    (0..=u8::MAX).find(|&n| ExitCode::from(n) == code).map_or(1, libc::c_int::from)
}

fn ward_main() -> ExitCode {
    if let Some(args) = hook_arguments(std::env::args_os().skip(1).collect()) {
        return hook_main(args);
    }
    let cli = Cli::parse();
    run_command(&cli.global, |paths| match cli.command {
        Command::Scan(args) => cmd::scan::run(args, paths),
        Command::Redact(args) => cmd::redact::run(args, paths),
        Command::Hook(_) => unreachable_hook(),
        Command::Policy(command) => cmd::policy::run(command, paths),
        Command::Audit(command) => cmd::audit::run(command, paths),
        Command::Floor(command) => cmd::floor::run(command, paths),
        Command::Install(args) => cmd::install::run(args, paths, true),
        Command::Uninstall(args) => cmd::install::run(args, paths, false),
        Command::Serve(args) => cmd::fleet::serve(args, paths),
        Command::Admin(command) => cmd::fleet::admin(command, paths),
        Command::Agent(command) => cmd::fleet::agent(command, paths),
    })
}

/// `ward hook …` is run before paths are resolved (see [`hook_main`]), never from here.
fn unreachable_hook() -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ward hook` is handled before the command tree")
}

/// `ward hook …`: every path answers in the agent's form, bad arguments included (they are
/// answered with the fail mode and recorded; clap's own help and version output still print).
/// The arguments of `ward hook …` (without `hook`) when this is a hook call: `hook` is the first
/// word after any global flags (`ward --home DIR hook codex`), which are kept. Any hook call must
/// reach [`hook_main`], which answers every error in the agent's form.
fn hook_arguments(args: Vec<std::ffi::OsString>) -> Option<Vec<std::ffi::OsString>> {
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let text = arg.to_str()?;
        match text {
            "hook" => {
                let mut rest = args[..i].to_vec();
                rest.extend_from_slice(&args[i + 1..]);
                return Some(rest);
            }
            "--home" | "--policy" => i += 2,
            _ if text.starts_with("--home=") || text.starts_with("--policy=") => i += 1,
            _ => return None,
        }
    }
    None
}

fn hook_main(args: Vec<std::ffi::OsString>) -> ExitCode {
    let deadline_env = std::env::var_os(DEADLINE_ENV);
    let (global, args, problem) = match plain_hook_args(&args, deadline_env.as_deref()) {
        Some((global, args)) => (global, args, None),
        None => {
            match HookCli::try_parse_from(std::iter::once("ward hook".into()).chain(args.iter().cloned())) {
                Ok(hook) => (hook.global, hook.args, None),
                Err(e) if !e.use_stderr() => {
                    // --help, --version: for a person, not an agent.
                    let _ = e.print();
                    return ExitCode::SUCCESS;
                }
                Err(e) => {
                    let (global, args) = lenient_hook_args(&args);
                    let message =
                        e.kind().as_str().map_or_else(|| "invalid arguments".to_owned(), str::to_owned);
                    let detail = e.to_string();
                    let first = detail.lines().next().unwrap_or_default().trim_start_matches("error: ");
                    (global, args, Some(format!("bad arguments to `ward hook` ({message}): {first}")))
                }
            }
        }
    };
    cmd::hook::run(args, &global, problem)
}

/// What can be read from arguments clap refused: the first word that names an agent, and
/// `--home`/`--policy` values, so the fail-mode answer has the agent's form and is recorded
/// where the user's data lives.
fn lenient_hook_args(args: &[std::ffi::OsString]) -> (env::GlobalArgs, cmd::hook::Args) {
    let mut global = env::GlobalArgs { home: None, policy: None };
    let mut agent = None;
    let mut words = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (word.clone(), None),
        };
        match flag.as_str() {
            "--home" | "--policy" | "--agent" => {
                let Some(value) = inline.or_else(|| words.next()) else { break };
                match flag.as_str() {
                    "--home" => global.home = Some(value.into()),
                    "--policy" => global.policy = Some(value.into()),
                    _ => agent = agent.or(ward_hook::Agent::from_name(&value).map(|_| value)),
                }
            }
            _ if agent.is_none() && ward_hook::Agent::from_name(&word).is_some() => agent = Some(word),
            _ => {}
        }
    }
    let args = cmd::hook::Args { agent, agent_flag: None, deadline_ms: cmd::hook::DEFAULT_DEADLINE_MS };
    (global, args)
}

const DEADLINE_ENV: &str = "WARD_HOOK_DEADLINE_MS";

/// The hook's arguments as agents' hook files write them (`codex`, `--agent codex`,
/// `--deadline-ms 3000`, `--home DIR`, `--policy FILE`, also in `--flag=value` form), read
/// without clap: building clap's command tree costs ~50 µs, a tenth of the hook's own work.
/// `None` for anything else (help, version, unknown or repeated flags, a bad number, non-UTF-8),
/// which clap then parses, with its usual help and error messages. Tests hold this equal to
/// clap on every input it accepts.
fn plain_hook_args(
    args: &[std::ffi::OsString],
    deadline_env: Option<&std::ffi::OsStr>,
) -> Option<(env::GlobalArgs, cmd::hook::Args)> {
    let mut global = env::GlobalArgs { home: None, policy: None };
    let mut agent = None;
    let mut agent_flag = None;
    let mut deadline_ms = None;
    let mut rest = args.iter().map(|a| a.to_str());
    while let Some(arg) = rest.next() {
        let arg = arg?;
        if !arg.starts_with('-') {
            if agent.replace(arg.to_owned()).is_some() {
                return None;
            }
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (arg, None),
        };
        let value = match inline {
            Some(value) => value,
            None => rest.next()??,
        };
        // A value that looks like a flag is clap's to judge (it refuses most of them).
        if value.is_empty() || value.starts_with('-') {
            return None;
        }
        let replaced = match flag {
            "--agent" => agent_flag.replace(value.to_owned()).is_some(),
            "--deadline-ms" => deadline_ms.replace(value.parse::<u64>().ok()?).is_some(),
            "--home" => global.home.replace(value.into()).is_some(),
            "--policy" => global.policy.replace(value.into()).is_some(),
            _ => return None,
        };
        if replaced {
            return None;
        }
    }
    if agent.is_some() && agent_flag.is_some() {
        return None;
    }
    let deadline_ms = match (deadline_ms, deadline_env) {
        (Some(ms), _) => ms,
        (None, Some(env)) => env.to_str()?.parse().ok()?,
        (None, None) => cmd::hook::DEFAULT_DEADLINE_MS,
    };
    Some((global, cmd::hook::Args { agent, agent_flag, deadline_ms }))
}

/// Resolve Ward's paths, run the command, and turn an error into a message and exit code 2.
fn run_command(
    global: &env::GlobalArgs,
    command: impl FnOnce(&env::WardPaths) -> anyhow::Result<ExitCode>,
) -> ExitCode {
    let paths = match env::resolve(global) {
        Ok(p) => p,
        Err(e) => {
            // Not eprintln!: a closed stderr must not turn an error into a panic.
            let _ = writeln!(std::io::stderr(), "ward: {}", error_message(&e));
            return ExitCode::from(2);
        }
    };
    match command(&paths) {
        Ok(code) => code,
        Err(e) => {
            // Not eprintln!: a closed stderr must not turn an error into a panic.
            let _ = writeln!(std::io::stderr(), "ward: {}", error_message(&e));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes on one line, each said once: a library error that already quotes
/// its cause in its own message (`cannot create /x: No such file`) is not followed by that
/// cause again.
fn error_message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || out.contains(text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(text);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::ffi::{OsStr, OsString};

    use clap::Parser;

    use super::*;

    fn by_clap(args: &[&str], deadline_env: Option<&str>) -> Option<String> {
        // clap reads the deadline's environment variable itself; hand it over the same way.
        let cli = HookCli::try_parse_from(std::iter::once("ward hook").chain(args.iter().copied()));
        let cli = cli.ok()?;
        let deadline_ms = match (args.iter().any(|a| a.starts_with("--deadline-ms")), deadline_env) {
            (false, Some(env)) => env.parse().ok()?,
            _ => cli.args.deadline_ms,
        };
        let args = cmd::hook::Args { deadline_ms, ..cli.args };
        Some(format!("{:?} {:?}", cli.global, args))
    }

    fn by_hand(args: &[&str], deadline_env: Option<&str>) -> Option<String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let (global, args) = plain_hook_args(&args, deadline_env.map(OsStr::new))?;
        Some(format!("{global:?} {args:?}"))
    }

    #[test]
    fn error_messages_say_each_thing_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let e = anyhow::Error::new(io)
            .context("cannot create /x: No such file or directory")
            .context("cannot load the key");
        assert_eq!(error_message(&e), "cannot load the key: cannot create /x: No such file or directory");
        let e = anyhow::anyhow!("disk full").context("cannot write the report");
        assert_eq!(error_message(&e), "cannot write the report: disk full");
    }

    #[test]
    fn hand_parsed_hook_arguments_are_what_clap_would_give() {
        let accepted: &[&[&str]] = &[
            &[],
            &["codex"],
            &["auto"],
            &["--agent", "claude-code"],
            &["--agent=cursor"],
            &["codex", "--deadline-ms", "3000"],
            &["--deadline-ms=250", "gemini-cli"],
            &["--home", "/tmp/h", "--policy", "/etc/p.toml", "windsurf"],
            &["--home=/tmp/h", "--policy=/etc/p.toml", "--agent", "copilot-cli"],
            &["not-an-agent"],
        ];
        for args in accepted {
            for env in [None, Some("1200")] {
                let hand = by_hand(args, env);
                assert!(hand.is_some(), "{args:?} should be read by hand");
                assert_eq!(hand, by_clap(args, env), "{args:?} with deadline env {env:?}");
            }
        }
    }

    #[test]
    fn anything_unusual_is_left_to_clap() {
        let left: &[&[&str]] = &[
            &["--help"],
            &["-h"],
            &["--version"],
            &["codex", "cursor"],
            &["codex", "--agent", "cursor"],
            &["--agent", "a", "--agent", "b"],
            &["--deadline-ms", "soon"],
            &["--deadline-ms", "-5"],
            &["--deadline-ms"],
            &["--home"],
            &["--home", ""],
            &["--unknown", "x"],
            &["--", "codex"],
            &["-x"],
        ];
        for args in left {
            assert_eq!(by_hand(args, None), None, "{args:?} should be left to clap");
        }
        assert_eq!(by_hand(&["codex"], Some("never")), None, "a bad deadline env is clap's error");
    }
}
