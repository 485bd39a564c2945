//! `ward hook [AGENT]`: the pre-tool-call hook. Reads the agent's payload on stdin, decides by
//! the policy of the repository's tier, records the redacted event durably, then answers in the
//! form the agent treats as a real decision.
//!
//! The order is the contract: nothing is answered before it is recorded, and whatever goes
//! wrong (unreadable input, broken policy, full disk, a bug, a hang) still ends in an answer: the
//! tier's fail mode, never a crash or a silent exit that the agent would read as "allow".

use std::cell::Cell;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{json, Value};
use ward_audit::{draft_event, Spool};
use ward_hook::{parse_payload_with_env, render_error, Agent, HookAnswer, MAX_PAYLOAD_BYTES};
use ward_model::{Action, Decision, Event, EventKind, PathTarget, ToolCall};
use ward_policy::{FailMode, Policy, RepoInfo, UNKNOWN_TOOL_RULE};
use ward_redact::{FingerprintKey, Redactor};

use crate::deadline;
use crate::env::WardPaths;

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

/// What the deadline answers if the hook overruns: the fail-mode answer for the agent and tier
/// known so far, prepared again whenever either becomes known.
struct Watch {
    agent: Cell<Agent>,
    fail_closed: Cell<bool>,
    deadline: Duration,
}

impl Watch {
    fn new(agent: Agent, deadline: Duration) -> Watch {
        // Until the tier is known, an overrun fails closed: the safe side.
        let watch = Watch { agent: Cell::new(agent), fail_closed: Cell::new(true), deadline };
        watch.prepare();
        watch
    }

    fn set_agent(&self, agent: Agent) {
        if self.agent.replace(agent) != agent {
            self.prepare();
        }
    }

    fn set_fail_closed(&self, fail_closed: bool) {
        if self.fail_closed.replace(fail_closed) != fail_closed {
            self.prepare();
        }
    }

    fn prepare(&self) {
        let reason = format!("no decision within {} ms", self.deadline.as_millis());
        let answer = render_error(self.agent.get(), self.fail_closed.get(), &reason);
        deadline::prepare(&answer.stdout, &answer.stderr, answer.exit_code);
    }
}

pub fn run(args: Args, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    // A panic must not print a backtrace into the agent's UI, and must still answer.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("ward: internal error: {info}");
    }));

    let named = args.agent_flag.as_deref().or(args.agent.as_deref()).filter(|a| *a != "auto");
    let agent = match named {
        Some(name) => match Agent::from_name(name) {
            Some(a) => Some(a),
            None => {
                eprintln!("ward: unknown agent `{name}`; telling the agent from the payload instead");
                None
            }
        },
        None => None,
    };

    // Unknown agents are answered in Claude Code's form: the format of the shared hook files.
    let watch =
        Watch::new(agent.unwrap_or(Agent::ClaudeCode), Duration::from_millis(args.deadline_ms.max(1)));
    if let Err(e) = deadline::arm(watch.deadline) {
        // Without a deadline the hook still answers; it just cannot bound a hang.
        eprintln!("ward: cannot arm the hook deadline: {e}");
    }

    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decide_and_record(agent, paths, &watch)));
    let answer = match outcome {
        Ok(answer) => answer,
        Err(_) => render_error(watch.agent.get(), watch.fail_closed.get(), "internal error (see above)"),
    };
    Ok(emit(answer))
}

/// The whole decision. Every path returns an answer; only a panic escapes (caught by `run`).
fn decide_and_record(agent: Option<Agent>, paths: &WardPaths, watch: &Watch) -> HookAnswer {
    let mut stderr_notes = String::new();
    // Every call is a fresh process: load through the compiled-policy cache (a decode instead
    // of a TOML parse and glob compile; any cache problem means a normal compile).
    let cache_dir = paths.data_dir.join("cache");
    let policy_holder;
    let policy: &Policy = match Policy::load_cached(paths.policy_file.as_deref(), &cache_dir) {
        Ok(p) => {
            policy_holder = p;
            &policy_holder
        }
        Err(e) => {
            // A broken policy file must not stop every agent on the machine, nor open the
            // gate: the built-in policy (strict where it matters) stands in, loudly.
            stderr_notes.push_str(&format!("ward: {e}\nward: using the built-in policy instead\n"));
            Policy::builtin()
        }
    };

    let mut input = Vec::new();
    let read = std::io::stdin().lock().take(MAX_PAYLOAD_BYTES as u64 + 1).read_to_end(&mut input);
    let env = |k: &str| std::env::var(k).ok();
    let parsed = match read {
        Ok(_) => parse_payload_with_env(agent, &input, &env).map_err(|e| e.to_string()),
        Err(e) => Err(format!("cannot read stdin: {e}")),
    };

    let mut parsed = match parsed {
        Ok(p) => p,
        Err(reason) => {
            let answer_agent = agent.unwrap_or(Agent::ClaudeCode);
            watch.set_agent(answer_agent);
            return malformed_input(policy, paths, answer_agent, &input, &reason, stderr_notes);
        }
    };
    watch.set_agent(parsed.agent);

    // The hook runs in the session's cwd; payloads that do not say theirs get it.
    if parsed.call.cwd.as_deref().is_none_or(str::is_empty) {
        parsed.call.cwd = std::env::current_dir().ok().map(|d| d.to_string_lossy().into_owned());
    }
    let call = &mut parsed.call;
    let decided = policy.decide(call, &paths.home);
    let fail_closed = policy.fail_mode(&decided.tier.tier) == FailMode::Closed;
    watch.set_fail_closed(fail_closed);
    let verdict = decided.verdict;
    // Calls the policy could not vouch for get the tier's fail mode (unless a rule was stricter);
    // say why where the user sees it.
    if let Some(why) = &call.unanalyzed {
        stderr_notes.push_str(&format!("ward: {why}\n"));
    } else if verdict.rule == UNKNOWN_TOOL_RULE {
        stderr_notes.push_str(&format!("ward: {}\n", verdict.reason));
    }

    let rendered = parsed.agent.render(&verdict, Some(call));

    let mut event = draft_event(EventKind::Decision);
    event.agent = Some(parsed.agent.name().to_owned());
    event.session = call.session.clone();
    event.repo = decided.repo.as_ref().and_then(|r: &RepoInfo| r.remote.clone());
    event.tier = Some(decided.tier.tier.clone());
    event.tool = Some(call.tool.clone());
    event.action = Some(call.action);
    event.classes = decided.classes;
    event.hosts = call.hosts.clone();
    event.decision = Some(verdict.decision);
    event.rule = Some(verdict.rule.clone());
    event.reason = Some(verdict.reason.clone());
    event.detail = json!({
        "event": call.event,
        "tier_why": decided.tier.why,
        "matched": verdict.matched,
    });
    record(paths, event, call, fail_closed, rendered, stderr_notes)
}

/// Input Ward cannot read: answer with the fail mode of the tier the hook's cwd is in, and record
/// what arrived (redacted as text) so nothing silently disappears.
fn malformed_input(
    policy: &Policy,
    paths: &WardPaths,
    agent: Agent,
    input: &[u8],
    reason: &str,
    notes: String,
) -> HookAnswer {
    let cwd = std::env::current_dir().ok();
    let repo = cwd.as_deref().and_then(RepoInfo::discover);
    let tier = policy.tier_for(cwd.as_deref(), repo.as_ref(), &paths.home);
    let fail_closed = policy.fail_mode(&tier.tier) == FailMode::Closed;
    let answer = render_error(agent, fail_closed, reason);

    let mut event = draft_event(EventKind::Decision);
    event.agent = Some(agent.name().to_owned());
    event.cwd = cwd.map(|c| c.to_string_lossy().into_owned());
    event.repo = repo.and_then(|r| r.remote);
    event.tier = Some(tier.tier.clone());
    event.action = Some(Action::Other);
    event.decision = Some(if fail_closed { Decision::Deny } else { Decision::Allow });
    event.rule = Some("ward.hook-input".to_owned());
    event.reason = Some(format!("unreadable hook payload: {reason}"));
    event.detail = json!({ "tier_why": tier.why, "payload_bytes": input.len() });
    let mut call = ToolCall::new(agent.name(), "", "", Action::Other);
    call.input = Value::String(String::from_utf8_lossy(input).into_owned());
    record(paths, event, &mut call, fail_closed, answer, notes)
}

/// Redact, append to the spool, and only then release the answer. If recording fails, a
/// fail-closed tier denies (an unrecorded action must not happen there); elsewhere the action
/// goes ahead with the failure on stderr.
fn record(
    paths: &WardPaths,
    mut event: Event,
    call: &mut ToolCall,
    fail_closed: bool,
    mut answer: HookAnswer,
    mut notes: String,
) -> HookAnswer {
    let denied = event.decision == Some(Decision::Deny);
    let result = (|| -> anyhow::Result<()> {
        let key = FingerprintKey::load_or_create(&paths.data_dir)?;
        let redactor = Redactor::new(key);
        let mut redactions: Vec<_> = match &mut call.input {
            Value::String(text) => {
                let r = redactor.redact_text(text);
                *text = r.output;
                r.findings
            }
            value => redactor.redact_json_value(value),
        };
        let mut redact_str = |s: &str| {
            let r = redactor.redact_text(s);
            redactions.extend(r.findings);
            r.output
        };
        event.cwd = event.cwd.take().or_else(|| call.cwd.clone()).map(|c| redact_str(&c));
        event.paths =
            call.paths.iter().map(|p| PathTarget { path: redact_str(&p.path), access: p.access }).collect();
        event.input = std::mem::take(&mut call.input);
        event.redactions = redactions.iter().map(|f| f.record()).collect();
        Spool::open(&paths.data_dir)?.append(event)?;
        Ok(())
    })();
    if let Err(e) = result {
        notes
            .push_str(&format!("ward: cannot record this decision in {}: {e:#}\n", paths.data_dir.display()));
        if fail_closed && !denied {
            let agent = agent_from_name(&call.agent);
            answer =
                render_error(agent, true, "the decision could not be recorded and this tier fails closed");
        }
    }
    answer.stderr.insert_str(0, &notes);
    answer
}

/// Write the answer once (the deadline may have answered already) and turn it into the exit code.
fn emit(answer: HookAnswer) -> ExitCode {
    if !deadline::claim() {
        // The deadline answered and is exiting the process.
        std::thread::sleep(Duration::from_secs(1));
        return ExitCode::from(2);
    }
    write_answer(&answer);
    ExitCode::from(u8::try_from(answer.exit_code).unwrap_or(2))
}

fn write_answer(answer: &HookAnswer) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(answer.stdout.as_bytes());
    let _ = out.flush();
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(answer.stderr.as_bytes());
    let _ = err.flush();
}

/// The agent named in a call, else Claude Code's form (the format of the shared hook files).
fn agent_from_name(name: &str) -> Agent {
    Agent::from_name(name).unwrap_or(Agent::ClaudeCode)
}
