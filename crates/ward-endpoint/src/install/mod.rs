//! `ward install` / `ward uninstall`: register Ward as an agent's pre-tool-call hook, in the
//! user's config or (with `--managed`) in the admin-managed location, and remove exactly that
//! registration again — for every agent `ward hook` answers. Where each agent's files are comes
//! from `ward_inventory::Locations`, the table `ward scan` and `ward floor check` read too.
//! Formats: JSON hook lists (grouped Claude-style or flat, one or several events, `command` or
//! Copilot's `bash`/`powershell` keys), Codex's TOML requirements and trust state, Cline's
//! per-event hook script, and Amazon Q / Kiro's per-agent files.
//!
//! Every edit keeps the rest of the file byte-identical where the format allows (TOML through
//! `toml_edit`, JSON through [`jsonedit`]'s span splicing), is idempotent, backs the file up
//! under Ward's data directory before changing it and writes atomically (temp file + rename,
//! through symlinks to the real file). For Codex's user hooks file the hook-trust state that
//! Codex requires before it runs a user hook is written too (see [`codex_trust_hash`]).

pub mod jsonedit;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
pub use ward_inventory::effective::{codex_trust_hash, is_ward_hook_command};
use ward_inventory::Locations;
use ward_policy::render::shell_quote;

/// An agent Ward can register itself with: every agent `ward hook` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Agent {
    Codex,
    ClaudeCode,
    Cursor,
    GeminiCli,
    CopilotCli,
    VsCode,
    Windsurf,
    Continue,
    Cline,
    AmazonQ,
}

impl Agent {
    pub const ALL: &'static [Agent] = &[
        Agent::Codex,
        Agent::ClaudeCode,
        Agent::Cursor,
        Agent::GeminiCli,
        Agent::CopilotCli,
        Agent::VsCode,
        Agent::Windsurf,
        Agent::Continue,
        Agent::Cline,
        Agent::AmazonQ,
    ];

    /// The name `ward hook` and the inventory use.
    pub fn name(self) -> &'static str {
        match self {
            Agent::Codex => "codex",
            Agent::ClaudeCode => "claude-code",
            Agent::Cursor => "cursor",
            Agent::GeminiCli => "gemini-cli",
            Agent::CopilotCli => "copilot-cli",
            Agent::VsCode => "vscode",
            Agent::Windsurf => "windsurf",
            Agent::Continue => "continue",
            Agent::Cline => "cline",
            Agent::AmazonQ => "amazon-q",
        }
    }

    /// Agent names as users type them (the aliases `ward hook` accepts), and inventory
    /// client names (`kiro` is answered as `amazon-q`: Kiro CLI speaks its hook protocol).
    pub fn from_name(name: &str) -> Option<Agent> {
        if name.trim().eq_ignore_ascii_case("kiro") {
            return Some(Agent::AmazonQ);
        }
        let hook = ward_hook::Agent::from_name(name)?;
        Agent::ALL.iter().copied().find(|a| a.name() == hook.name())
    }

    /// Whether the agent has an admin-managed hook location Ward can write.
    pub fn has_managed_location(self) -> bool {
        matches!(self, Agent::Codex | Agent::ClaudeCode | Agent::Cursor | Agent::GeminiCli | Agent::Windsurf)
    }
}

/// How and where to install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    pub locations: Locations,
    /// The admin-managed location instead of the user's config.
    pub managed: bool,
    /// Absolute path of the `ward` binary the agent will run.
    pub ward_binary: String,
    /// Ward's hook deadline in milliseconds; the registered timeout exceeds it.
    pub deadline_ms: u64,
    /// Where backups of changed files go (`<data dir>/backups`).
    pub backup_dir: PathBuf,
}

impl InstallOptions {
    pub fn hook_command(&self, agent: Agent) -> String {
        hook_command(&self.ward_binary, agent)
    }

    pub fn timeout_secs(&self) -> u64 {
        hook_timeout_secs(self.deadline_ms)
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub agent: &'static str,
    pub file: PathBuf,
    pub outcome: Outcome,
    /// Where the previous content was saved, when the file changed.
    pub backup: Option<PathBuf>,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Installed,
    Updated,
    Unchanged,
    Removed,
    NotPresent,
    /// Nothing to register with (Amazon Q without agent files); `detail` says what to do.
    Skipped,
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}; fix or move the file, then run again (nothing was changed)")]
    Malformed { path: PathBuf, message: String },
    /// The location holds something of the user's that Ward cannot merge with.
    #[error("{path}: {message} (nothing was changed)")]
    Conflict { path: PathBuf, message: String },
    #[error("{agent} has no admin-managed hook location Ward can write: {why}")]
    NoManagedLocation { agent: &'static str, why: &'static str },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| InstallError::Io { path: path.to_path_buf(), source }
}

/// `<ward> hook <agent>` with the binary quoted for a shell where needed.
pub fn hook_command(ward_binary: &str, agent: Agent) -> String {
    format!("{} hook {}", shell_quote(ward_binary), agent.name())
}

/// `<ward> hook` without an agent name: for a file several agents read, where Ward tells the
/// caller from its payload.
pub fn auto_hook_command(ward_binary: &str) -> String {
    format!("{} hook", shell_quote(ward_binary))
}

/// The timeout to register: Ward's deadline rounded up to whole seconds, plus five seconds for
/// process start and the spool write, and never under ten. An agent whose hook times out runs
/// the tool (fail-open), so Ward must always answer first.
pub fn hook_timeout_secs(deadline_ms: u64) -> u64 {
    (deadline_ms.div_ceil(1000) + 5).max(10)
}

/// Register Ward as `agent`'s hook.
pub fn install(agent: Agent, opts: &InstallOptions) -> Result<Vec<Change>, InstallError> {
    run(agent, opts, true)
}

/// Remove Ward's registration from `agent`'s config (the same location `install` writes).
pub fn uninstall(agent: Agent, opts: &InstallOptions) -> Result<Vec<Change>, InstallError> {
    run(agent, opts, false)
}

fn run(agent: Agent, opts: &InstallOptions, install: bool) -> Result<Vec<Change>, InstallError> {
    let mut session = Session::new(opts);
    if opts.managed && !agent.has_managed_location() {
        return Err(InstallError::NoManagedLocation { agent: agent.name(), why: no_managed_reason(agent) });
    }
    match (agent, opts.managed) {
        (Agent::Codex, false) => codex_user(&mut session, install)?,
        (Agent::Codex, true) => codex_managed(&mut session, install)?,
        (Agent::VsCode, _) => vscode(&mut session, install)?,
        (Agent::Cline, _) => cline(&mut session, install)?,
        (Agent::AmazonQ, _) => amazon_q(&mut session, install)?,
        (agent, managed) => json_agent(&mut session, agent, managed, install)?,
    }
    Ok(session.changes)
}

fn no_managed_reason(agent: Agent) -> &'static str {
    match agent {
        Agent::CopilotCli => "Copilot CLI loads machine-wide \"policy hooks\" from a policy folder whose path its documentation does not name; register Ward there by hand (docs/install.md)",
        Agent::VsCode => "VS Code has no admin hooks file, only the ChatHooks policy that switches hooks on or off",
        Agent::Continue => "Continue reads hooks from user and project settings only",
        Agent::Cline => "Cline reads hook scripts from the user's and the workspace's folders only",
        Agent::AmazonQ => "Amazon Q and Kiro take hooks inside each agent file; there is no machine-wide file",
        _ => "",
    }
}

struct Session<'a> {
    opts: &'a InstallOptions,
    changes: Vec<Change>,
    stamp: String,
}

impl<'a> Session<'a> {
    fn new(opts: &'a InstallOptions) -> Session<'a> {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        Session { opts, changes: Vec::new(), stamp: format!("{secs}-{}", std::process::id()) }
    }

    /// Write `text` to `path` unless it already holds it; back up the previous content.
    /// `None` text deletes the file.
    fn commit(
        &mut self,
        agent: Agent,
        path: &Path,
        before: Option<&str>,
        after: Option<&str>,
        outcome: Outcome,
        detail: String,
    ) -> Result<(), InstallError> {
        if before == after {
            let outcome = if outcome == Outcome::Removed { Outcome::NotPresent } else { Outcome::Unchanged };
            self.changes.push(Change {
                agent: agent.name(),
                file: path.to_path_buf(),
                outcome,
                backup: None,
                detail,
            });
            return Ok(());
        }
        let target = real_path(path);
        let backup = match before {
            Some(old) => Some(self.backup(&target, old)?),
            None => None,
        };
        match after {
            Some(text) => write_atomic(&target, text)?,
            None => std::fs::remove_file(&target).map_err(io(&target))?,
        }
        self.changes.push(Change { agent: agent.name(), file: path.to_path_buf(), outcome, backup, detail });
        Ok(())
    }

    fn backup(&self, target: &Path, old: &str) -> Result<PathBuf, InstallError> {
        let rel = target.to_string_lossy().trim_start_matches(['/', '\\']).replace(':', "");
        let dest = self.opts.backup_dir.join(&self.stamp).join(rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::write(&dest, old).map_err(io(&dest))?;
        Ok(dest)
    }
}

/// Follow a symlinked config file to the file it names, so a dotfiles link stays a link.
fn real_path(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

fn write_atomic(path: &Path, text: &str) -> Result<(), InstallError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.ward-{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        InstallError::Io { path: path.to_path_buf(), source: e }
    })
}

fn read_optional(path: &Path) -> Result<Option<String>, InstallError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(InstallError::Io { path: path.to_path_buf(), source: e }),
    }
}

// ------------------------------------------------------------------------------------------
// JSON hook files (Claude Code, Gemini CLI, Cursor, Codex's user hooks.json, Copilot CLI,
// VS Code, Windsurf, Continue, Amazon Q / Kiro agent files).

/// Where an agent's hook lists live in its JSON file and what Ward's entry looks like.
struct JsonHookSpec {
    file: PathBuf,
    /// The event keys under `hooks` Ward registers under (Windsurf has one per kind of action).
    events: Vec<&'static str>,
    /// Ward's entry in each event's list.
    entry: Value,
    /// Entries are matcher groups (`{matcher, hooks: [handler]}`), not flat handlers (Cursor).
    grouped: bool,
    /// The handler keys that hold a command line (Copilot CLI: `bash` / `powershell`).
    command_keys: &'static [&'static str],
    /// Top-level members a new file gets (Cursor's `"version": 1`).
    skeleton: Vec<(&'static str, Value)>,
    /// A `(section, key)` switch held at `true` so a lower-precedence file cannot turn hooks
    /// off (Gemini CLI's system `hooksConfig.enabled`: a user's `false` otherwise disables the
    /// system hook, measured with Gemini CLI 0.61). Uninstall removes it only while the section
    /// holds nothing else.
    switch_on: Option<(&'static str, &'static str)>,
}

const COMMAND: &[&str] = &["command"];
/// Copilot CLI's command keys (VS Code reads these too).
const COPILOT_COMMAND: &[&str] = &["bash", "powershell", "command"];
/// The Windsurf events that come before an action (only `pre_*` hooks can block).
const WINDSURF_EVENTS: &[&str] = &["pre_run_command", "pre_mcp_tool_use", "pre_read_code", "pre_write_code"];

fn json_spec(agent: Agent, opts: &InstallOptions, managed: bool) -> JsonHookSpec {
    let loc = &opts.locations;
    let command = opts.hook_command(agent);
    let timeout = opts.timeout_secs();
    let claude_style = |file: PathBuf, command: String| JsonHookSpec {
        file,
        events: vec!["PreToolUse"],
        entry: json!({"matcher": "*", "hooks": [{"type": "command", "command": command, "timeout": timeout}]}),
        grouped: true,
        command_keys: COMMAND,
        skeleton: Vec::new(),
        switch_on: None,
    };
    match agent {
        Agent::ClaudeCode => claude_style(
            if managed { loc.claude_managed_settings() } else { loc.claude_user_settings() },
            command,
        ),
        // A shared file: no agent name, Ward tells the caller from the payload.
        Agent::VsCode => claude_style(loc.vscode_user_hooks(), auto_hook_command(&opts.ward_binary)),
        Agent::Continue => claude_style(loc.continue_user_settings(), command),
        Agent::GeminiCli => JsonHookSpec {
            file: if managed { loc.gemini_system_settings() } else { loc.gemini_user_settings() },
            events: vec!["BeforeTool"],
            // Gemini CLI takes hook timeouts in milliseconds.
            entry: json!({"matcher": ".*", "hooks": [{"type": "command", "name": "ward", "command": command, "timeout": timeout * 1000}]}),
            grouped: true,
            command_keys: COMMAND,
            skeleton: Vec::new(),
            switch_on: managed.then_some(("hooksConfig", "enabled")),
        },
        Agent::Cursor => JsonHookSpec {
            file: if managed { loc.cursor_enterprise_hooks() } else { loc.cursor_user_hooks() },
            events: vec!["preToolUse"],
            entry: json!({"command": command, "timeout": timeout}),
            grouped: false,
            command_keys: COMMAND,
            skeleton: vec![("version", json!(1))],
            switch_on: None,
        },
        Agent::Codex => JsonHookSpec {
            file: loc.codex_user_hooks(),
            events: vec!["PreToolUse"],
            // No matcher: every tool; the trust hash below is computed for exactly this entry.
            entry: json!({"hooks": [{"type": "command", "command": command, "timeout": timeout}]}),
            grouped: true,
            command_keys: COMMAND,
            skeleton: Vec::new(),
            switch_on: None,
        },
        Agent::CopilotCli => {
            let key = if loc.os == ward_inventory::Os::Windows { "powershell" } else { "bash" };
            JsonHookSpec {
                file: loc.copilot_ward_hooks(),
                events: vec!["preToolUse"],
                entry: json!({"type": "command", key: command, "timeoutSec": timeout}),
                grouped: false,
                command_keys: COPILOT_COMMAND,
                skeleton: vec![("version", json!(1))],
                switch_on: None,
            }
        }
        Agent::Windsurf => JsonHookSpec {
            file: if managed { loc.windsurf_system_hooks() } else { loc.windsurf_user_hooks() },
            events: WINDSURF_EVENTS.to_vec(),
            // Windsurf documents no timeout field (docs/install.md).
            entry: json!({"command": command}),
            grouped: false,
            command_keys: COMMAND,
            skeleton: Vec::new(),
            switch_on: None,
        },
        Agent::AmazonQ => JsonHookSpec {
            file: PathBuf::new(),
            events: vec!["preToolUse"],
            // No matcher: every tool. `cache_ttl_seconds` stays at its default 0: a cached
            // allow would skip Ward for later calls.
            entry: json!({"command": command, "timeout_ms": timeout * 1000}),
            grouped: false,
            command_keys: COMMAND,
            skeleton: Vec::new(),
            switch_on: None,
        },
        Agent::Cline => unreachable!("Cline hooks are scripts, not JSON"),
    }
}

fn is_ward_handler(h: &Value, keys: &[&str]) -> bool {
    keys.iter().any(|k| h.get(*k).and_then(Value::as_str).is_some_and(is_ward_hook_command))
}

/// The Ward command of a handler, if it is one.
fn ward_command_of<'v>(h: &'v Value, keys: &[&str]) -> Option<&'v str> {
    keys.iter().find_map(|k| h.get(*k).and_then(Value::as_str).filter(|c| is_ward_hook_command(c)))
}

/// Indexes of the entries of `list` that hold a Ward hook, and whether each holds only Ward.
fn ward_entries(list: &Value, spec: &JsonHookSpec) -> Vec<(usize, bool)> {
    let Some(items) = list.as_array() else { return Vec::new() };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            if spec.grouped {
                let handlers = item.get("hooks")?.as_array()?;
                let ward = handlers.iter().filter(|h| is_ward_handler(h, spec.command_keys)).count();
                (ward > 0).then_some((i, ward == handlers.len()))
            } else {
                is_ward_handler(item, spec.command_keys).then_some((i, true))
            }
        })
        .collect()
}

/// What one event's edit found.
struct EventEdit {
    /// A Ward entry was there before.
    found: bool,
    /// The index of Ward's entry (after an install; before an uninstall).
    index: Option<usize>,
}

/// Install or remove Ward's entry in one event list of an open JSON file.
fn edit_event(
    ed: &mut jsonedit::Editor,
    spec: &JsonHookSpec,
    event: &str,
    install: bool,
) -> Result<EventEdit, String> {
    let path = ["hooks", event];
    let list_node = ed.get(&path);
    if let Some(l) = &list_node {
        if !matches!(l.kind, jsonedit::Kind::Array(_)) {
            return Err(format!("`hooks.{event}` is not a list"));
        }
    }
    let list = list_node.as_ref().map(|n| jsonedit::value_of(&ed.text, n)).unwrap_or(Value::Null);
    let found = ward_entries(&list, spec);
    let e = |e: jsonedit::JsonError| e.to_string();
    if !install {
        for &(i, only) in found.iter().rev() {
            remove_ward_from_entry(ed, &path, i, only, spec).map_err(e)?;
        }
        // Leave no empty list Ward's install would have created.
        if !found.is_empty() && ed.get(&path).is_some_and(|n| n.elements().is_empty()) {
            ed.remove(&["hooks"], event).map_err(e)?;
        }
        return Ok(EventEdit { found: !found.is_empty(), index: found.first().map(|(i, _)| *i) });
    }
    if let Some(&(first, only_ward)) = found.first() {
        let up_to_date = list[first] == spec.entry && found.len() == 1;
        if !up_to_date {
            // Extra Ward entries first (from the end, so indexes stay valid), then the first
            // one is rewritten in place so other entries keep their positions.
            for &(i, only) in found.iter().skip(1).rev() {
                remove_ward_from_entry(ed, &path, i, only, spec).map_err(e)?;
            }
            if only_ward {
                ed.replace(&["hooks", event, &first.to_string()], &spec.entry).map_err(e)?;
            } else {
                remove_ward_from_entry(ed, &path, first, false, spec).map_err(e)?;
                ed.push_element(&path, &spec.entry).map_err(e)?;
            }
        }
        let now = ed.get(&path).map(|n| jsonedit::value_of(&ed.text, &n)).unwrap_or(Value::Null);
        let index = ward_entries(&now, spec).first().map_or(first, |(i, _)| *i);
        return Ok(EventEdit { found: true, index: Some(index) });
    }
    if ed.get(&["hooks"]).is_none() {
        ed.insert_member(&[], "hooks", &json!({})).map_err(e)?;
    }
    if list_node.is_none() {
        ed.insert_member(&["hooks"], event, &json!([])).map_err(e)?;
    }
    ed.push_element(&path, &spec.entry).map_err(e)?;
    let len = ed.get(&path).map_or(1, |n| n.elements().len());
    Ok(EventEdit { found: false, index: Some(len - 1) })
}

/// Install or remove Ward's entries in one JSON hook file. Returns the index of Ward's entry
/// in the first event's list.
fn edit_json_hooks(
    session: &mut Session<'_>,
    agent: Agent,
    spec: &JsonHookSpec,
    install: bool,
) -> Result<Option<usize>, InstallError> {
    let before = read_optional(&spec.file)?;
    let malformed = |message: String| InstallError::Malformed { path: spec.file.clone(), message };
    let mut ed =
        jsonedit::Editor::new(before.as_deref().unwrap_or("")).map_err(|e| malformed(e.to_string()))?;
    if !matches!(ed.root().kind, jsonedit::Kind::Object(_)) {
        return Err(malformed("the file is not a JSON object".into()));
    }
    if let Some(h) = ed.get(&["hooks"]) {
        if !matches!(h.kind, jsonedit::Kind::Object(_)) {
            return Err(malformed("`hooks` is not an object".into()));
        }
    }
    let err = |e: jsonedit::JsonError| malformed(e.to_string());
    let registered_anywhere = spec.events.iter().any(|event| {
        ed.get(&["hooks", event])
            .is_some_and(|n| !ward_entries(&jsonedit::value_of(&ed.text, &n), spec).is_empty())
    });
    if install && !registered_anywhere {
        for (key, value) in &spec.skeleton {
            if ed.get(&[key]).is_none() {
                ed.insert_member(&[], key, value).map_err(err)?;
            }
        }
    }
    let mut first_index = None;
    let mut found_any = false;
    for (n, event) in spec.events.iter().enumerate() {
        let edit = edit_event(&mut ed, spec, event, install).map_err(malformed)?;
        found_any |= edit.found;
        if n == 0 {
            first_index = edit.index;
        }
    }
    let events = spec.events.join(", hooks.");
    if install {
        if let Some((section, key)) = spec.switch_on {
            let on = json!(true);
            match ed.get(&[section]) {
                None => ed.insert_member(&[], section, &json!({ key: true })).map_err(err)?,
                Some(n) if !matches!(n.kind, jsonedit::Kind::Object(_)) => {
                    return Err(malformed(format!("`{section}` is not an object")))
                }
                Some(_) => match ed.get(&[section, key]) {
                    None => ed.insert_member(&[section], key, &on).map_err(err)?,
                    Some(v) if jsonedit::value_of(&ed.text, &v) != on => {
                        ed.replace(&[section, key], &on).map_err(err)?
                    }
                    Some(_) => {}
                },
            }
        }
        let outcome = if found_any { Outcome::Updated } else { Outcome::Installed };
        let command = ward_command_of(&spec.entry, spec.command_keys)
            .or_else(|| {
                spec.entry
                    .get("hooks")
                    .and_then(|h| h.get(0))
                    .and_then(|h| ward_command_of(h, spec.command_keys))
            })
            .unwrap_or_default()
            .to_owned();
        let detail = format!("hooks.{events}: {command}");
        session.commit(agent, &spec.file, before.as_deref(), Some(&ed.text), outcome, detail)?;
        return Ok(first_index);
    }
    if found_any
        && ed.get(&["hooks"]).is_some_and(|n| matches!(&n.kind, jsonedit::Kind::Object(m) if m.is_empty()))
    {
        ed.remove(&[], "hooks").map_err(err)?;
    }
    if let (Some((section, key)), true) = (spec.switch_on, found_any) {
        let only_switch =
            ed.get(&[section]).is_some_and(|n| jsonedit::value_of(&ed.text, &n) == json!({ key: true }));
        if only_switch {
            ed.remove(&[], section).map_err(err)?;
        }
    }
    let rest = jsonedit::value_of(&ed.text, &ed.root());
    let skeleton: serde_json::Map<String, Value> =
        spec.skeleton.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    // A file left holding nothing but what Ward's install put there goes.
    let after = if found_any && (rest == json!({}) || rest == Value::Object(skeleton)) {
        None
    } else {
        Some(ed.text.as_str())
    };
    let after = if before.is_none() { None } else { after };
    let detail = if found_any {
        format!("removed Ward from hooks.{events}")
    } else {
        "Ward is not registered here".to_owned()
    };
    session.commit(agent, &spec.file, before.as_deref(), after, Outcome::Removed, detail)?;
    Ok(first_index)
}

/// Remove Ward from entry `index` of the list at `path`: the whole entry when it holds only
/// Ward, else just Ward's handlers in its `hooks`.
fn remove_ward_from_entry(
    ed: &mut jsonedit::Editor,
    path: &[&str],
    index: usize,
    only_ward: bool,
    spec: &JsonHookSpec,
) -> Result<(), jsonedit::JsonError> {
    if only_ward || !spec.grouped {
        return ed.remove(path, &index.to_string());
    }
    let idx = index.to_string();
    let handlers_path: Vec<&str> = path.iter().copied().chain([idx.as_str(), "hooks"]).collect();
    let handlers = ed.get(&handlers_path).map(|n| jsonedit::value_of(&ed.text, &n)).unwrap_or(Value::Null);
    let ward: Vec<usize> = handlers
        .as_array()
        .map(|hs| {
            hs.iter()
                .enumerate()
                .filter(|(_, h)| is_ward_handler(h, spec.command_keys))
                .map(|(i, _)| i)
                .collect()
        })
        .unwrap_or_default();
    for i in ward.into_iter().rev() {
        ed.remove(&handlers_path, &i.to_string())?;
    }
    Ok(())
}

fn json_agent(
    session: &mut Session<'_>,
    agent: Agent,
    managed: bool,
    install: bool,
) -> Result<(), InstallError> {
    let spec = json_spec(agent, session.opts, managed);
    edit_json_hooks(session, agent, &spec, install)?;
    Ok(())
}

// ------------------------------------------------------------------------------------------
// VS Code: `~/.claude/settings.json`, shared with Claude Code, Continue and Cursor.

/// The Ward entries of the shared file's `hooks.PreToolUse`, by command.
fn shared_ward_commands(file: &Path) -> Result<Vec<String>, InstallError> {
    let Some(text) = read_optional(file)? else { return Ok(Vec::new()) };
    let node = jsonedit::parse(&text)
        .map_err(|e| InstallError::Malformed { path: file.to_path_buf(), message: e.to_string() })?;
    let doc = jsonedit::value_of(&text, &node);
    let mut out = Vec::new();
    for group in doc.pointer("/hooks/PreToolUse").and_then(Value::as_array).into_iter().flatten() {
        let handlers: Vec<&Value> = match group.get("hooks").and_then(Value::as_array) {
            Some(hs) => hs.iter().collect(),
            None => vec![group],
        };
        out.extend(handlers.into_iter().filter_map(|h| ward_command_of(h, COMMAND)).map(str::to_owned));
    }
    Ok(out)
}

/// VS Code reads its user hooks from `~/.claude/settings.json` only. When Ward is already
/// registered there for another agent (Claude Code's `ward hook claude-code`), that entry runs
/// for VS Code too and is left alone; else Ward adds `ward hook` without an agent name, which
/// tells VS Code, Claude Code and Continue apart by their payloads.
fn vscode(session: &mut Session<'_>, install: bool) -> Result<(), InstallError> {
    let spec = json_spec(Agent::VsCode, session.opts, false);
    let commands = shared_ward_commands(&spec.file)?;
    let ours = |c: &str| {
        let words: Vec<&str> = c.split_whitespace().collect();
        matches!(words.last(), Some(&"hook") | Some(&"vscode"))
    };
    if let Some(other) = commands.iter().find(|c| !ours(c)) {
        let (outcome, detail) = if install {
            (
                Outcome::Unchanged,
                format!("shared with Claude Code: its Ward entry ({other}) runs for VS Code too"),
            )
        } else {
            (
                Outcome::NotPresent,
                format!("the Ward entry here ({other}) belongs to another agent; `ward uninstall claude-code` removes it"),
            )
        };
        session.changes.push(Change {
            agent: Agent::VsCode.name(),
            file: spec.file,
            outcome,
            backup: None,
            detail,
        });
        return Ok(());
    }
    edit_json_hooks(session, Agent::VsCode, &spec, install)?;
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Cline: an executable named after the event in its hooks folder.

/// The first line after the shebang of the script Ward writes; uninstall removes only a script
/// that carries it.
const CLINE_MARKER: &str = "# Registered by `ward install cline`; `ward uninstall cline` removes this file.";

fn cline_script(command: &str) -> String {
    format!("#!/bin/sh\n{CLINE_MARKER}\nexec {command}\n")
}

fn is_ward_script(text: &str) -> bool {
    text.lines().any(|l| l == CLINE_MARKER)
        && text.lines().any(|l| l.strip_prefix("exec ").is_some_and(is_ward_hook_command))
}

fn cline(session: &mut Session<'_>, install: bool) -> Result<(), InstallError> {
    let file = session.opts.locations.cline_hooks_dir().join("PreToolUse");
    let before = read_optional(&file)?;
    let ours = before.as_deref().is_some_and(is_ward_script);
    if !install {
        let detail = if ours { "removed Ward's PreToolUse script" } else { "Ward is not registered here" };
        let after = if ours { None } else { before.as_deref() };
        return session.commit(
            Agent::Cline,
            &file,
            before.as_deref(),
            after,
            Outcome::Removed,
            detail.into(),
        );
    }
    if before.is_some() && !ours {
        return Err(InstallError::Conflict {
            path: file,
            message: "Cline runs one PreToolUse script per folder and this one is not Ward's; add `"
                .to_owned()
                + &session.opts.hook_command(Agent::Cline)
                + "` to it by hand (it must print Ward's answer), or move it away and run again",
        });
    }
    let script = cline_script(&session.opts.hook_command(Agent::Cline));
    let outcome = if ours { Outcome::Updated } else { Outcome::Installed };
    let detail = format!(
        "PreToolUse script: exec {} (turn on Cline's hooks setting)",
        session.opts.hook_command(Agent::Cline)
    );
    session.commit(Agent::Cline, &file, before.as_deref(), Some(&script), outcome, detail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let target = real_path(&file);
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).map_err(io(&target))?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Amazon Q Developer CLI and Kiro CLI: hooks live in each agent file.

fn agent_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn amazon_q(session: &mut Session<'_>, install: bool) -> Result<(), InstallError> {
    let loc = &session.opts.locations;
    let dirs = [loc.amazon_q_agents_dir(), loc.kiro_agents_dir()];
    let files: Vec<PathBuf> = dirs.iter().flat_map(|d| agent_files(d)).collect();
    if files.is_empty() {
        let detail = format!(
            "no agent files in {} or {}: Amazon Q and Kiro CLI take hooks inside each agent; create one (`q agent create` / `kiro-cli agent create`) and run again",
            dirs[0].display(),
            dirs[1].display()
        );
        let outcome = if install { Outcome::Skipped } else { Outcome::NotPresent };
        session.changes.push(Change {
            agent: Agent::AmazonQ.name(),
            file: dirs[0].clone(),
            outcome,
            backup: None,
            detail,
        });
        return Ok(());
    }
    let template = json_spec(Agent::AmazonQ, session.opts, false);
    // Check every file before changing any, so one broken agent file changes nothing.
    for file in &files {
        let text = read_optional(file)?.unwrap_or_default();
        let node = jsonedit::parse(&text)
            .map_err(|e| InstallError::Malformed { path: file.clone(), message: e.to_string() })?;
        if !jsonedit::value_of(&text, &node).is_object() {
            return Err(InstallError::Malformed {
                path: file.clone(),
                message: "the file is not a JSON object".into(),
            });
        }
    }
    for file in files {
        let spec = JsonHookSpec { file, ..clone_spec(&template) };
        edit_json_hooks(session, Agent::AmazonQ, &spec, install)?;
    }
    Ok(())
}

fn clone_spec(s: &JsonHookSpec) -> JsonHookSpec {
    JsonHookSpec {
        file: s.file.clone(),
        events: s.events.clone(),
        entry: s.entry.clone(),
        grouped: s.grouped,
        command_keys: s.command_keys,
        skeleton: s.skeleton.clone(),
        switch_on: s.switch_on,
    }
}

// ------------------------------------------------------------------------------------------
// Codex.

/// The key Codex stores a user hook's trust state under:
/// `<abs hooks.json>:pre_tool_use:<group>:<handler>`.
pub fn codex_state_key(hooks_file: &str, group: usize, handler: usize) -> String {
    ward_inventory::effective::codex_state_key(hooks_file, "pre_tool_use", group, handler)
}

/// The spellings of the hooks file's path Codex may use in the key: as given (made absolute)
/// and with symlinks resolved (Codex canonicalizes `$CODEX_HOME`).
fn codex_hooks_path_spellings(file: &Path) -> Vec<String> {
    let absolute = if file.is_absolute() {
        file.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(file)).unwrap_or_else(|_| file.to_path_buf())
    };
    let mut out = vec![absolute.to_string_lossy().into_owned()];
    if let Some(parent) = absolute.parent() {
        if let Ok(real) = std::fs::canonicalize(parent) {
            let real = real.join("hooks.json").to_string_lossy().into_owned();
            if !out.contains(&real) {
                out.push(real);
            }
        }
    }
    out
}

fn codex_user(session: &mut Session<'_>, install: bool) -> Result<(), InstallError> {
    let spec = json_spec(Agent::Codex, session.opts, false);
    let config = session.opts.locations.codex_user_config();
    // Check the config parses before touching hooks.json, so a bad config changes nothing.
    let before = read_optional(&config)?;
    let mut doc: toml_edit::DocumentMut =
        before.as_deref().unwrap_or("").parse().map_err(|e: toml_edit::TomlError| {
            InstallError::Malformed { path: config.clone(), message: e.to_string() }
        })?;
    if let Some(h) = doc.get("hooks") {
        if !h.is_table_like() {
            return Err(InstallError::Malformed { path: config, message: "`hooks` is not a table".into() });
        }
    }
    let index = edit_json_hooks(session, Agent::Codex, &spec, install)?;
    let spellings = codex_hooks_path_spellings(&spec.file);
    let command = session.opts.hook_command(Agent::Codex);
    let timeout = session.opts.timeout_secs();
    let state = codex_state_table(&mut doc);
    let detail;
    let outcome;
    if install {
        let group = index.unwrap_or(0);
        let hash = codex_trust_hash("pre_tool_use", None, &command, timeout);
        for path in &spellings {
            let key = codex_state_key(path, group, 0);
            let mut entry = toml_edit::Table::new();
            entry.insert("enabled", toml_edit::value(true));
            entry.insert("trusted_hash", toml_edit::value(hash.clone()));
            let same = state.get(&key).and_then(|v| v.as_table_like()).is_some_and(|t| {
                t.get("enabled").and_then(|v| v.as_bool()) == Some(true)
                    && t.get("trusted_hash").and_then(|v| v.as_str()) == Some(hash.as_str())
            });
            if !same {
                state.insert(&key, toml_edit::Item::Table(entry));
            }
        }
        detail = format!("hooks.state: trusted Ward's hook in {} ({hash})", spec.file.display());
        outcome = if before.is_some() { Outcome::Updated } else { Outcome::Installed };
    } else {
        if let Some(group) = index {
            for path in &spellings {
                state.remove(&codex_state_key(path, group, 0));
                // Later groups moved up by one: carry their trust state along.
                shift_state_keys(state, path, group);
            }
        }
        detail = "hooks.state: removed Ward's trust entry".to_owned();
        outcome = Outcome::Removed;
    }
    // Drop the tables an install created, once empty.
    let state_empty = state.is_empty();
    if state_empty {
        if let Some(hooks) = doc.get_mut("hooks").and_then(|h| h.as_table_like_mut()) {
            hooks.remove("state");
            if hooks.is_empty() {
                doc.remove("hooks");
            }
        }
    }
    let after = doc.to_string();
    // A config left empty by the removal held only Ward's entries: it goes.
    let after = if after.trim().is_empty() && before.as_deref().is_none_or(|b| !b.trim().is_empty()) {
        None
    } else {
        Some(after)
    };
    session.commit(Agent::Codex, &config, before.as_deref(), after.as_deref(), outcome, detail)
}

/// `hooks.state` of a Codex config, created (as dotted-key parents, so the file shows
/// `[hooks.state."…"]` headers) when missing.
fn codex_state_table(doc: &mut toml_edit::DocumentMut) -> &mut toml_edit::Table {
    let hooks = doc.entry("hooks").or_insert_with(|| {
        let mut t = toml_edit::Table::new();
        t.set_implicit(true);
        toml_edit::Item::Table(t)
    });
    if hooks.as_inline_table().is_some() {
        if let Some(inline) = hooks.as_inline_table().cloned() {
            *hooks = toml_edit::Item::Table(inline.into_table());
        }
    }
    let hooks = hooks.as_table_mut().expect("hooks was checked to be a table");
    let state = hooks.entry("state").or_insert_with(|| {
        let mut t = toml_edit::Table::new();
        t.set_implicit(true);
        toml_edit::Item::Table(t)
    });
    if let Some(inline) = state.as_inline_table().cloned() {
        *state = toml_edit::Item::Table(inline.into_table());
    }
    if !state.is_table() {
        *state = toml_edit::Item::Table(toml_edit::Table::new());
    }
    state.as_table_mut().expect("state is a table")
}

/// After group `removed` of `path` is gone, rename the state of groups after it one down.
fn shift_state_keys(state: &mut toml_edit::Table, path: &str, removed: usize) {
    let prefix = format!("{path}:pre_tool_use:");
    let mut moves: Vec<(String, usize, String)> = state
        .iter()
        .filter_map(|(k, _)| {
            let rest = k.strip_prefix(&prefix)?;
            let (group, handler) = rest.split_once(':')?;
            let group: usize = group.parse().ok()?;
            (group > removed).then(|| (k.to_owned(), group, handler.to_owned()))
        })
        .collect();
    moves.sort_by_key(|(_, g, _)| *g);
    for (old, group, handler) in moves {
        if let Some(item) = state.remove(&old) {
            state.insert(&format!("{prefix}{}:{handler}", group - 1), item);
        }
    }
}

fn codex_managed(session: &mut Session<'_>, install: bool) -> Result<(), InstallError> {
    let file = session.opts.locations.codex_requirements();
    let before = read_optional(&file)?;
    let malformed = |message: String| InstallError::Malformed { path: file.clone(), message };
    let mut doc: toml_edit::DocumentMut = before
        .as_deref()
        .unwrap_or("")
        .parse()
        .map_err(|e: toml_edit::TomlError| malformed(e.to_string()))?;
    let command = session.opts.hook_command(Agent::Codex);
    let timeout = session.opts.timeout_secs();
    let managed_dir = Path::new(&session.opts.ward_binary)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "/".to_owned());

    if let Some(h) = doc.get("hooks") {
        if !h.is_table() {
            return Err(malformed("`hooks` is not a table".into()));
        }
    }
    let hooks = doc
        .entry("hooks")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .expect("hooks checked to be a table");
    if let Some(p) = hooks.get("PreToolUse") {
        if !p.is_array_of_tables() {
            return Err(malformed(
                "`hooks.PreToolUse` is not a list of tables ([[hooks.PreToolUse]])".into(),
            ));
        }
    }
    let ward_group = |t: &toml_edit::Table| {
        t.get("hooks").and_then(|h| h.as_array_of_tables()).is_some_and(|hs| {
            hs.iter().any(|h| h.get("command").and_then(|c| c.as_str()).is_some_and(is_ward_hook_command))
        })
    };
    let mut group = toml_edit::Table::new();
    group.insert("matcher", toml_edit::value("*"));
    let mut handler = toml_edit::Table::new();
    handler.insert("type", toml_edit::value("command"));
    handler.insert("command", toml_edit::value(command.clone()));
    handler.insert("timeout", toml_edit::value(i64::try_from(timeout).unwrap_or(i64::MAX)));
    let mut handlers = toml_edit::ArrayOfTables::new();
    handlers.push(handler);
    group.insert("hooks", toml_edit::Item::ArrayOfTables(handlers));

    let outcome = if install {
        if !hooks.contains_key("managed_dir") {
            hooks.insert("managed_dir", toml_edit::value(managed_dir.clone()));
        }
        let list = hooks
            .entry("PreToolUse")
            .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
            .as_array_of_tables_mut()
            .expect("checked to be an array of tables");
        let existing: Vec<usize> =
            list.iter().enumerate().filter(|(_, t)| ward_group(t)).map(|(i, _)| i).collect();
        let current_ok = existing.len() == 1
            && list.get(existing[0]).is_some_and(|t| {
                let h = t.get("hooks").and_then(|h| h.as_array_of_tables()).and_then(|a| a.get(0));
                h.is_some_and(|h| {
                    h.get("command").and_then(|c| c.as_str()) == Some(command.as_str())
                        && h.get("timeout").and_then(|c| c.as_integer()) == i64::try_from(timeout).ok()
                })
            });
        if !current_ok {
            for i in existing.iter().rev() {
                list.remove(*i);
            }
            list.push(group);
        }
        if current_ok {
            Outcome::Unchanged
        } else {
            Outcome::Installed
        }
    } else {
        if let Some(list) = hooks.get_mut("PreToolUse").and_then(|l| l.as_array_of_tables_mut()) {
            let existing: Vec<usize> =
                list.iter().enumerate().filter(|(_, t)| ward_group(t)).map(|(i, _)| i).collect();
            for i in existing.iter().rev() {
                list.remove(*i);
            }
            if list.is_empty() {
                hooks.remove("PreToolUse");
            }
        }
        // A `managed_dir` with no hooks left means nothing; Ward's install put it there.
        if hooks.len() == 1 && hooks.contains_key("managed_dir") {
            hooks.remove("managed_dir");
        }
        Outcome::Removed
    };
    // A user's `[features] hooks = false` switches managed hooks off too (measured with Codex
    // 0.171): requirements pin it on. Uninstall removes the pin only while it stands alone.
    if let Some(f) = doc.get("features") {
        if !f.is_table() {
            return Err(malformed("`features` is not a table".into()));
        }
    }
    let outcome = if install {
        let features = doc
            .entry("features")
            .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
            .as_table_mut()
            .expect("features checked to be a table");
        if features.get("hooks").and_then(|h| h.as_bool()) == Some(true) {
            outcome
        } else {
            features.insert("hooks", toml_edit::value(true));
            if outcome == Outcome::Unchanged {
                Outcome::Updated
            } else {
                outcome
            }
        }
    } else {
        let alone = doc
            .get("features")
            .and_then(|f| f.as_table())
            .is_some_and(|t| t.len() == 1 && t.get("hooks").and_then(|h| h.as_bool()) == Some(true));
        if alone {
            doc.remove("features");
        }
        outcome
    };
    if doc.get("hooks").and_then(|h| h.as_table()).is_some_and(|t| t.is_empty()) {
        doc.remove("hooks");
    }
    let after = doc.to_string();
    // A requirements file left empty by the removal goes: an empty file would still be a layer.
    let after = if after.trim().is_empty() && before.as_deref().is_none_or(|b| !b.trim().is_empty()) {
        None
    } else {
        Some(after)
    };
    let detail = if install {
        format!("[[hooks.PreToolUse]] in requirements: {command} (timeout {timeout} s)")
    } else {
        "removed Ward from [[hooks.PreToolUse]]".to_owned()
    };
    session.commit(Agent::Codex, &file, before.as_deref(), after.as_deref(), outcome, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_always_exceeds_the_deadline() {
        assert_eq!(hook_timeout_secs(5000), 10);
        assert_eq!(hook_timeout_secs(9001), 15);
        assert_eq!(hook_timeout_secs(0), 10);
        for ms in [1, 999, 1000, 4999, 30_000, 600_000] {
            assert!(hook_timeout_secs(ms) * 1000 > ms);
        }
    }
}
