//! The hook pipeline: read the agent's payload, decide by the policy of the repository's tier,
//! record the redacted event durably, then answer in the form the agent treats as a real
//! decision. `ward hook` calls [`run`]; tests call it with their own stdin and environment.
//!
//! The order is the contract: nothing is answered before it is recorded, the recorded decision
//! is the one the agent gets, and whatever goes wrong (bad arguments, no home, a missing or
//! broken policy, unreadable input, a full disk, a bug, a hang) still ends in an answer in the
//! agent's own form: the tier's fail mode, never a crash or a silent exit that the agent would
//! read as "allow".

use std::cell::{Cell, RefCell};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use ward_audit::{draft_event, Spool};
use ward_hook::{parse_payload_with_env, render_error, Agent, HookAnswer, MAX_PAYLOAD_BYTES};
use ward_model::{Action, Decision, Event, EventKind, ToolCall, Verdict};
use ward_policy::{FailMode, Policy, RepoInfo, UNKNOWN_TOOL_RULE};
use ward_redact::{FingerprintKey, Redactor};

use crate::decide::{decide_call, HookDecided};
use crate::paths::{PathInputs, Resolution};
use crate::policy_source::load_policy_from;
use crate::record::{cap_input, redact_event, MAX_STORED_INPUT_BYTES};
use crate::seen::SeenTiers;

/// Rule id of answers given because Ward's own configuration is unusable (bad arguments, no
/// home directory, a missing or invalid policy).
pub const CONFIG_RULE: &str = "ward.hook-config";
/// Rule id of answers to a payload Ward cannot read.
pub const INPUT_RULE: &str = "ward.hook-input";
/// Rule id of answers given because the decision could not be recorded in a fail-closed tier.
pub const UNRECORDED_RULE: &str = "ward.unrecorded";
/// Rule id of an `ask` turned into a deny where the agent cannot ask (headless Gemini CLI).
pub const HEADLESS_ASK_RULE: &str = "ward.headless-ask";

/// What the binary hands the pipeline.
#[derive(Debug, Clone)]
pub struct HookRequest {
    /// The agent as named on the command line (`None` or `auto`: told from the payload).
    pub agent: Option<String>,
    pub paths: PathInputs,
    /// Past it the guard answers with the tier's fail mode.
    pub deadline: Duration,
    /// The arguments could not be read (the message); the call is still answered and recorded.
    pub argument_problem: Option<String>,
    /// The hook's working directory (payloads that do not say theirs get it).
    pub cwd: Option<PathBuf>,
}

/// Rule id of the answer the deadline gives.
pub const DEADLINE_RULE: &str = "ward.deadline";

/// What the deadline appends to `path` (with `open(O_APPEND|O_NOFOLLOW)`, `write`, `fdatasync`)
/// before it answers: one pre-drafted, redacted event line (`ward_audit::pending`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRecord {
    pub path: PathBuf,
    pub line: Vec<u8>,
}

/// The deadline's side of the pipeline, implemented by the binary (a signal handler there
/// records the prepared event, writes the prepared answer and exits).
pub trait AnswerGuard {
    /// Sets (or replaces) what the deadline records and answers if it passes. `record: None`:
    /// nothing to record (no data directory known yet, or `answer` is already recorded).
    fn prepare(&self, answer: &HookAnswer, record: Option<&PendingRecord>);
    /// Claims the right to answer. `false`: the deadline has answered and the process is exiting.
    fn claim(&self) -> bool;
}

/// A guard with no deadline (tests, embedding).
pub struct NoDeadline;

impl AnswerGuard for NoDeadline {
    fn prepare(&self, _: &HookAnswer, _: Option<&PendingRecord>) {}
    fn claim(&self) -> bool {
        true
    }
}

/// What the deadline answers and records if the hook overruns: the fail-mode answer for the
/// agent and tier known so far, and an event saying so with every fact known so far (redacted),
/// prepared again whenever one becomes known.
struct Watch<'g> {
    guard: &'g dyn AnswerGuard,
    agent: Cell<Agent>,
    fail_closed: Cell<bool>,
    deadline: Duration,
    record: RefCell<Option<DeadlineDraft>>,
}

/// The event the deadline records, as far as it is known.
struct DeadlineDraft {
    path: PathBuf,
    redactor: Redactor,
    event: Event,
}

impl<'g> Watch<'g> {
    fn new(guard: &'g dyn AnswerGuard, agent: Agent, deadline: Duration) -> Watch<'g> {
        // Until the tier is known, an overrun fails closed: the safe side.
        let watch = Watch {
            guard,
            agent: Cell::new(agent),
            fail_closed: Cell::new(true),
            deadline,
            record: RefCell::new(None),
        };
        watch.prepare();
        watch
    }

    /// From now on the deadline can record (the data directory and the key are known).
    fn can_record(&self, data_dir: &Path, redactor: Redactor) {
        let mut event = draft_event(EventKind::Decision);
        event.id = uuid::Uuid::now_v7().to_string();
        event.detail = json!({});
        let path = ward_audit::pending::pending_path(data_dir);
        *self.record.borrow_mut() = Some(DeadlineDraft { path, redactor, event });
        self.prepare();
    }

    /// The call and its tier are known: the deadline's record says what was asked.
    fn set_call(&self, call: &ToolCall, tier: &str, tier_why: &str, repo: Option<&str>, fail_closed: bool) {
        if let Some(draft) = self.record.borrow_mut().as_mut() {
            let e = &mut draft.event;
            e.session = call.session.clone();
            e.cwd = call.cwd.clone();
            e.repo = repo.map(str::to_owned);
            e.tier = Some(tier.to_owned());
            e.tool = Some(call.tool.clone());
            e.action = Some(call.action);
            e.paths = call.paths.clone();
            e.hosts = call.hosts.clone();
            e.detail = json!({ "event": call.event, "tier_why": tier_why });
        }
        self.fail_closed.set(fail_closed);
        self.prepare();
    }

    /// The answer given is recorded: the deadline, if it still passes, gives that answer and
    /// records nothing more.
    fn recorded(&self, answer: &HookAnswer) {
        self.guard.prepare(answer, None);
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
        let fail_closed = self.fail_closed.get();
        let answer = render_error(self.agent.get(), fail_closed, &reason);
        let record = self.record.borrow().as_ref().and_then(|draft| {
            let mut event = draft.event.clone();
            event.agent = Some(self.agent.get().name().to_owned());
            event.decision = Some(if fail_closed { Decision::Deny } else { Decision::Allow });
            event.rule = Some(DEADLINE_RULE.to_owned());
            event.reason = Some(format!("{reason}: answered with the tier's fail mode"));
            redact_event(&mut event, &draft.redactor);
            let line = ward_audit::pending::pending_line(&event).ok()?;
            Some(PendingRecord { path: draft.path.clone(), line })
        });
        self.guard.prepare(&answer, record.as_ref());
    }
}

/// Runs the whole hook and returns the answer to write (the caller writes it only if
/// `guard.claim()` says the deadline has not answered). Never panics: a panic inside becomes
/// the fail-mode answer of the tier known so far.
pub fn run(
    request: &HookRequest,
    guard: &dyn AnswerGuard,
    stdin: &mut dyn Read,
    env: &dyn Fn(&str) -> Option<String>,
) -> HookAnswer {
    let problems: Vec<String> = request.argument_problem.iter().cloned().collect();
    let named = request.agent.as_deref().filter(|a| *a != "auto");
    let agent = named.and_then(Agent::from_name);
    // Not a configuration error: the payload still tells who is calling.
    let unknown_agent_note = named
        .filter(|_| agent.is_none())
        .map(|n| format!("ward: unknown agent `{n}`; telling the agent from the payload instead\n"));
    // Unknown agents are answered in Claude Code's form: the format of the shared hook files.
    let watch =
        Watch::new(guard, agent.unwrap_or(Agent::ClaudeCode), request.deadline.max(Duration::from_millis(1)));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Pipeline { request, watch: &watch, env, problems, notes: unknown_agent_note.unwrap_or_default() }
            .run(agent, stdin)
    }));
    match outcome {
        Ok(answer) => answer,
        Err(_) => render_error(watch.agent.get(), watch.fail_closed.get(), "internal error (see above)"),
    }
}

struct Pipeline<'a, 'g> {
    request: &'a HookRequest,
    watch: &'a Watch<'g>,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// Why Ward's configuration is unusable, each a sentence.
    problems: Vec<String>,
    /// Lines for stderr.
    notes: String,
}

/// Where the pipeline stands once paths and policy are known.
struct Setting {
    home: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    policy: std::borrow::Cow<'static, Policy>,
}

impl Pipeline<'_, '_> {
    fn run(mut self, agent: Option<Agent>, stdin: &mut dyn Read) -> HookAnswer {
        let resolution = Resolution::new(&self.request.paths);
        for note in &resolution.notes {
            self.notes.push_str(&format!("ward: {note}\n"));
        }
        self.problems.extend(resolution.problems.iter().cloned());
        // A policy file that does not exist is already a problem; the built-in policy stands in.
        let policy_file = resolution.policy_file.as_deref().filter(|p| p.is_file());
        let loaded = load_policy_from(
            policy_file,
            resolution.policy_managed,
            &resolution.system_root,
            resolution.data_dir.as_deref(),
        );
        if let Some(problem) = loaded.problem {
            self.problems.push(problem);
        }
        let setting = Setting { home: resolution.home, data_dir: resolution.data_dir, policy: loaded.policy };
        if let Some(data_dir) = &setting.data_dir {
            // The key first: from here on a deadline answer can be recorded. A key that cannot
            // be loaded shows again (and is reported) when the event is recorded.
            if let Ok(key) = FingerprintKey::load_or_create(data_dir) {
                self.watch.can_record(data_dir, Redactor::new(key));
            }
        }

        let mut input = Vec::new();
        let read = stdin.take(MAX_PAYLOAD_BYTES as u64 + 1).read_to_end(&mut input);
        let parsed = match read {
            Ok(_) => parse_payload_with_env(agent, &input, self.env).map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot read stdin: {e}")),
        };
        let mut parsed = match parsed {
            Ok(p) => p,
            Err(reason) => {
                let answer_agent = agent.unwrap_or(Agent::ClaudeCode);
                self.watch.set_agent(answer_agent);
                return self.malformed_input(&setting, answer_agent, &input, &reason);
            }
        };
        self.watch.set_agent(parsed.agent);
        if parsed.call.cwd.as_deref().is_none_or(str::is_empty) {
            parsed.call.cwd = self.request.cwd.as_ref().map(|d| d.to_string_lossy().into_owned());
        }
        self.decide(&setting, parsed.agent, parsed.call)
    }

    fn decide(mut self, setting: &Setting, agent: Agent, mut call: ToolCall) -> HookAnswer {
        let policy: &Policy = &setting.policy;
        // Without a home, `~` in the policy means nothing: the tier is still known (from the
        // repository), the verdict is the tier's fail mode.
        let home = setting.home.clone().unwrap_or_default();
        let seen = self.seen_tiers(setting);
        let HookDecided { decided, remember } = decide_call(policy, &call, &home, &seen);
        if let (Some(tier), Some(repo), Some(data_dir)) = (&remember, &decided.repo, &setting.data_dir) {
            if let Err(e) = SeenTiers::remember(data_dir, repo, tier) {
                self.notes.push_str(&format!(
                    "ward: cannot record the tier seen for {}: {e}\n",
                    repo.root.display()
                ));
            }
        }
        let fail_closed = policy.fail_mode(&decided.tier.tier) == FailMode::Closed;
        let remote = decided.repo.as_ref().and_then(|r| r.remote.as_deref());
        self.watch.set_call(&call, &decided.tier.tier, &decided.tier.why, remote, fail_closed);
        let mut verdict = decided.verdict.clone();
        if let Some(why) = &call.unanalyzed {
            self.notes.push_str(&format!("ward: {why}\n"));
        } else if verdict.rule == UNKNOWN_TOOL_RULE {
            self.notes.push_str(&format!("ward: {}\n", verdict.reason));
        }
        if !self.problems.is_empty() {
            verdict = self.config_verdict(verdict, fail_closed, setting.home.is_some());
        }
        if agent == Agent::GeminiCli && verdict.decision == Decision::Ask {
            if let Some(why) = crate::gemini::headless_reason(self.env) {
                verdict = Verdict {
                    decision: Decision::Deny,
                    rule: HEADLESS_ASK_RULE.to_owned(),
                    reason: format!(
                        "{} (rule {}; answered deny because {why}, where an ask would hang Gemini CLI)",
                        verdict.reason, verdict.rule
                    ),
                    tier: verdict.tier,
                    matched: verdict.matched,
                };
            }
        }
        let answer = agent.render(&verdict, Some(&call));

        let mut event = draft_event(EventKind::Decision);
        event.agent = Some(agent.name().to_owned());
        event.session = call.session.clone();
        event.cwd = call.cwd.clone();
        event.repo = decided.repo.as_ref().and_then(|r: &RepoInfo| r.remote.clone());
        event.tier = Some(decided.tier.tier.clone());
        event.tool = Some(call.tool.clone());
        event.action = Some(call.action);
        event.classes = decided.classes.clone();
        event.paths = call.paths.clone();
        event.hosts = call.hosts.clone();
        event.decision = Some(verdict.decision);
        event.rule = Some(verdict.rule.clone());
        event.reason = Some(verdict.reason.clone());
        event.matched = verdict.matched.clone();
        let mut detail = json!({
            "event": call.event,
            "tier_why": decided.tier.why,
        });
        if !self.problems.is_empty() {
            detail["config_problems"] = json!(self.problems);
        }
        event.detail = detail;
        event.input = std::mem::take(&mut call.input);
        self.record(setting, agent, event, fail_closed, answer)
    }

    /// What Ward has seen (nothing without a data directory); a problem reading it is noted.
    fn seen_tiers(&mut self, setting: &Setting) -> SeenTiers {
        let Some(data_dir) = &setting.data_dir else { return SeenTiers::default() };
        let seen = SeenTiers::load(data_dir);
        if let Some(problem) = &seen.problem {
            self.notes.push_str(&format!("ward: {problem}\n"));
        }
        seen
    }

    /// The verdict when Ward's configuration is unusable: deny in a fail-closed tier; in a
    /// fail-open one, the built-in policy's verdict (it stands in for the policy, and is strict
    /// where it matters), or plain allow when there is no home to evaluate paths against.
    fn config_verdict(&mut self, stand_in: Verdict, fail_closed: bool, home_known: bool) -> Verdict {
        let problems = self.problems.join("; ");
        for p in &self.problems {
            self.notes.push_str(&format!("ward: {p}\n"));
        }
        if !fail_closed && home_known {
            return stand_in;
        }
        let decision = if fail_closed { Decision::Deny } else { Decision::Allow };
        Verdict {
            decision,
            rule: CONFIG_RULE.to_owned(),
            reason: format!(
                "Ward could not use its configuration ({problems}); the tier fails {}",
                if fail_closed { "closed" } else { "open" }
            ),
            tier: stand_in.tier,
            matched: Vec::new(),
        }
    }

    /// Input Ward cannot read: answer with the fail mode of the tier the hook's cwd is in, and
    /// record what arrived (redacted as text) so nothing silently disappears.
    fn malformed_input(mut self, setting: &Setting, agent: Agent, input: &[u8], reason: &str) -> HookAnswer {
        let cwd = self.request.cwd.clone();
        let repo = cwd.as_deref().and_then(RepoInfo::discover);
        let home = setting.home.clone().unwrap_or_default();
        let seen = self.seen_tiers(setting);
        let seen_tier = repo.as_ref().and_then(|r| seen.strictest(&setting.policy, r));
        let tier =
            setting.policy.select_tier(cwd.as_deref(), repo.as_ref(), &home, seen_tier.as_deref()).resolution;
        let fail_closed = setting.policy.fail_mode(&tier.tier) == FailMode::Closed;
        self.watch.set_fail_closed(fail_closed);
        for p in &self.problems {
            self.notes.push_str(&format!("ward: {p}\n"));
        }
        let answer = render_error(agent, fail_closed, reason);

        let mut event = draft_event(EventKind::Decision);
        event.agent = Some(agent.name().to_owned());
        event.cwd = cwd.map(|c| c.to_string_lossy().into_owned());
        event.repo = repo.and_then(|r| r.remote);
        event.tier = Some(tier.tier.clone());
        event.action = Some(Action::Other);
        event.decision = Some(if fail_closed { Decision::Deny } else { Decision::Allow });
        event.rule = Some(INPUT_RULE.to_owned());
        event.reason = Some(format!("unreadable hook payload: {reason}"));
        let mut detail = json!({ "tier_why": tier.why, "payload_bytes": input.len() });
        if !self.problems.is_empty() {
            detail["config_problems"] = json!(self.problems);
        }
        event.detail = detail;
        event.input = Value::String(String::from_utf8_lossy(input).into_owned());
        self.record(setting, agent, event, fail_closed, answer)
    }

    /// Caps and redacts the event, appends it to the spool, and only then releases the answer.
    /// If recording fails, a fail-closed tier denies (an unrecorded action must not happen
    /// there); elsewhere the action goes ahead with the failure on stderr.
    fn record(
        mut self,
        setting: &Setting,
        agent: Agent,
        mut event: Event,
        fail_closed: bool,
        mut answer: HookAnswer,
    ) -> HookAnswer {
        let denied = event.decision == Some(Decision::Deny);
        if let Some(cut) = cap_input(&mut event.input, MAX_STORED_INPUT_BYTES) {
            if let Value::Object(detail) = &mut event.detail {
                detail.insert("truncated".to_owned(), cut.note());
            }
        }
        // Managed mode: the root-owned daemon records it; else (or if it cannot) the user's spool.
        let managed = crate::managed::record_from_hook(
            self.request,
            &mut event,
            setting.data_dir.as_deref(),
            &mut self.notes,
        );
        let result = match &setting.data_dir {
            _ if managed => Ok(()),
            Some(data_dir) => append(data_dir, &mut event, &mut self.notes),
            None => Err("no data directory is known (no home directory and no $WARD_HOME)".to_owned()),
        };
        if result.is_ok() {
            self.watch.recorded(&answer);
        }
        if let Err(e) = result {
            let where_ =
                setting.data_dir.as_deref().map_or_else(String::new, |d| format!(" in {}", d.display()));
            self.notes.push_str(&format!("ward: cannot record this decision{where_}: {e}\n"));
            if fail_closed && !denied {
                answer = render_error(
                    agent,
                    true,
                    "the decision could not be recorded and this tier fails closed",
                );
            }
        }
        answer.stderr.insert_str(0, &self.notes);
        answer
    }
}

/// Redacts every string of `event` and appends it durably. Spool files the spool refused (a
/// symlink, another user's file) are named in the event's `detail.spool_refused` and on stderr:
/// the decision is still recorded, in a fresh file, and `ward audit verify` reports the rest.
fn append(data_dir: &Path, event: &mut Event, notes: &mut String) -> Result<(), String> {
    if let Some(warning) = loose_data_dir(data_dir) {
        notes.push_str(&format!("ward: warning: {warning}\n"));
    }
    let key = FingerprintKey::load_or_create(data_dir).map_err(|e| e.to_string())?;
    let redactor = Redactor::new(key);
    let mut spool = Spool::open(data_dir).map_err(|e| e.to_string())?;
    if !spool.refused().is_empty() {
        let refused: Vec<Value> = spool
            .refused()
            .iter()
            .map(|q| {
                notes.push_str(&format!(
                    "ward: refused {} ({}); moved it to {}\n",
                    q.original.display(),
                    q.reason,
                    q.moved_to.display()
                ));
                json!({ "path": q.original.display().to_string(), "reason": q.reason })
            })
            .collect();
        if let Value::Object(detail) = &mut event.detail {
            detail.insert("spool_refused".to_owned(), Value::Array(refused));
        }
    }
    redact_event(event, &redactor);
    let drafted = std::mem::replace(event, draft_event(EventKind::Decision));
    *event = spool.append(drafted).map_err(|e| e.to_string())?;
    Ok(())
}

/// A data directory others can write (or that is not this user's) holds the spool, the keys
/// and the policy cache: say so on every call rather than use it silently.
fn loose_data_dir(data_dir: &Path) -> Option<String> {
    let metadata = std::fs::metadata(data_dir).ok()?;
    ward_audit::trust::untrusted_reason(&metadata, true).map(|why| {
        format!(
            "Ward's data directory {} is {why}; make it private (chmod 700) to its owner",
            data_dir.display()
        )
    })
}
