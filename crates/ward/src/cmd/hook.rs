//! `ward hook [AGENT]`: the pre-tool-call hook. The pipeline (decide → redact → record →
//! answer) is `ward_endpoint::hook`; this module holds the arguments, the deadline's signal
//! plumbing (which needs `unsafe`, kept in the binary) and writing the answer.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use ward_endpoint::hook::{AnswerGuard, HookRequest, PendingRecord};
use ward_endpoint::PathInputs;
use ward_hook::HookAnswer;

use crate::deadline;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The agent that runs this hook: codex, claude-code, cursor, gemini-cli, copilot-cli, vscode,
    /// windsurf, continue, cline, amazon-q. Omit it (or say `auto`) where several agents read the
    /// same hook file (~/.claude/settings.json): Ward then tells the agent from the payload.
    #[arg(value_name = "AGENT")]
    pub agent: Option<String>,

    /// The same as AGENT, in the `--agent NAME` form.
    #[arg(long = "agent", value_name = "AGENT", conflicts_with = "agent")]
    pub agent_flag: Option<String>,

    /// Internal deadline in milliseconds. Past it Ward answers with the tier's fail mode instead
    /// of letting the agent's own (fail-open) timeout decide.
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_DEADLINE_MS, env = "WARD_HOOK_DEADLINE_MS")]
    pub deadline_ms: u64,
}

/// Well under every agent's own hook timeout (the shortest documented, Copilot CLI's and
/// Amazon Q's, are 30 s).
pub const DEFAULT_DEADLINE_MS: u64 = 5000;

/// The deadline of `deadline.rs` as the pipeline's guard.
struct SignalDeadline;

impl AnswerGuard for SignalDeadline {
    fn prepare(&self, answer: &HookAnswer, record: Option<&PendingRecord>) {
        let record = record.map(|r| (r.path.as_path(), r.line.as_slice()));
        deadline::prepare(&answer.stdout, &answer.stderr, answer.exit_code, record);
    }

    fn claim(&self) -> bool {
        deadline::claim()
    }
}

/// Runs the hook. `argument_problem`: the arguments could not be read (clap's message); the
/// call is still answered in the agent's form and recorded.
pub fn run(args: Args, global: &crate::env::GlobalArgs, argument_problem: Option<String>) -> ExitCode {
    // A panic must not print a backtrace into the agent's UI; the pipeline still answers.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("ward: internal error: {info}");
    }));
    let request = HookRequest {
        agent: args.agent_flag.or(args.agent),
        paths: PathInputs::from_env(global.home.clone(), global.policy.clone()),
        deadline: Duration::from_millis(args.deadline_ms.max(1)),
        argument_problem,
        cwd: std::env::current_dir().ok(),
    };
    let guard = SignalDeadline;
    // Prepare before arming: the pipeline's first act is to prepare the fail-closed answer, but
    // the timer must never find nothing to say.
    guard.prepare(&ward_hook::render_error(ward_hook::Agent::ClaudeCode, true, "no decision in time"), None);
    if let Err(e) = deadline::arm(request.deadline) {
        // Without a deadline the hook still answers; it just cannot bound a hang.
        eprintln!("ward: cannot arm the hook deadline: {e}");
    }
    let env = |k: &str| std::env::var(k).ok();
    let answer = ward_endpoint::hook::run(&request, &guard, &mut std::io::stdin().lock(), &env);
    emit(answer)
}

/// Write the answer once (the deadline may have answered already) and turn it into the exit code.
fn emit(answer: HookAnswer) -> ExitCode {
    if !deadline::claim() {
        // The deadline answered and is exiting the process.
        std::thread::sleep(Duration::from_secs(1));
        return ExitCode::from(2);
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(answer.stdout.as_bytes());
    let _ = out.flush();
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(answer.stderr.as_bytes());
    let _ = err.flush();
    ExitCode::from(u8::try_from(answer.exit_code).unwrap_or(2))
}
