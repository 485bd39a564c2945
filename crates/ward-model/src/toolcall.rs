//! The normalized tool call: what any agent is about to do, after its hook payload has been
//! parsed and its shell command analyzed. Policy rules match on this and nothing else.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The broad kind of a tool call. A call has one primary action; what it touches
/// (paths with their [`Access`], hosts, MCP target) is listed beside it, so a shell command
/// that reads `~/.aws/credentials` is `exec` with a `read` path target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Exec,
    Read,
    Write,
    Network,
    Mcp,
    Other,
}

impl Action {
    pub const ALL: [Action; 6] =
        [Action::Exec, Action::Read, Action::Write, Action::Network, Action::Mcp, Action::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Exec => "exec",
            Action::Read => "read",
            Action::Write => "write",
            Action::Network => "network",
            Action::Mcp => "mcp",
            Action::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a path is touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
    Delete,
    Execute,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Delete => "delete",
            Access::Execute => "execute",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathTarget {
    /// As the agent gave it (relative paths are relative to the call's `cwd`).
    pub path: String,
    pub access: Access,
}

/// One simple command found in a shell command line after splitting (`;`, `&&`, `||`, `|`,
/// subshells) and unwrapping (`sh -c`, `env`, `sudo`, `xargs`, `nohup`, `time`, …).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShellCommand {
    /// The effective argv, wrappers removed; `argv[0]` as written (may be an absolute path).
    pub argv: Vec<String>,
    /// Basename of `argv[0]` (`/usr/bin/rm` → `rm`): what command patterns match.
    pub program: String,
    /// Wrappers that were peeled off to reach this command, outermost first (`sudo`, `bash -c`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wrappers: Vec<String>,
    /// Its stdin comes from a download (`curl … | sh`): remote code execution.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub runs_downloaded_code: bool,
    /// It is an interpreter one-liner (`python -c`, `node -e`, `perl -e`, …).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inline_code: bool,
    /// Indices in `argv` of words only known at run time (an unresolved `$VAR`, `$(…)`, the
    /// arguments `xargs` reads from its input). Each may stand for any number of words, so
    /// deny/ask rules match them cautiously (as possibly the word they look for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_args: Vec<usize>,
    /// The subset of `unknown_args` that may split into several words (an unquoted `$X`,
    /// `$(…)`, xargs input); the others are exactly one word (`"$X"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_splits: Vec<usize>,
}

/// An MCP tool invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpTarget {
    pub server: String,
    pub tool: String,
}

/// One normalized action an agent is about to take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The client that asked (`codex`, `claude-code`, …).
    pub agent: String,
    /// The hook event as the agent named it (`PreToolUse`, `beforeShellExecution`, …).
    pub event: String,
    /// The tool name as the agent named it (`Bash`, `apply_patch`, `mcp__github__create_issue`).
    pub tool: String,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// The raw shell command line, for `exec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Every simple command the shell line would run (after analysis).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<ShellCommand>,
    /// Every path the call reads, writes, deletes or executes (from the tool input, from shell
    /// redirections and well-known file arguments, from `apply_patch` headers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<PathTarget>,
    /// Every URL the call fetches or sends to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Host names of `urls` and of network commands (`ssh host`, `curl host`), lower-case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<McpTarget>,
    /// Why part of the call could not be analyzed (an unbalanced quote, a command only known at
    /// run time, a malformed patch), so what rules saw may not be all it does. Set by the same
    /// analysis that filled the fields above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unanalyzed: Option<String>,
    /// The tool input as the agent sent it. Redact before storing or sending.
    #[serde(default)]
    pub input: serde_json::Value,
}

impl ToolCall {
    pub fn new(agent: &str, event: &str, tool: &str, action: Action) -> Self {
        ToolCall {
            agent: agent.to_owned(),
            event: event.to_owned(),
            tool: tool.to_owned(),
            action,
            session: None,
            cwd: None,
            command: None,
            commands: Vec::new(),
            paths: Vec::new(),
            urls: Vec::new(),
            hosts: Vec::new(),
            mcp: None,
            unanalyzed: None,
            input: serde_json::Value::Null,
        }
    }

    /// All the actions this call performs: its primary action plus what its targets imply
    /// (a shell command that writes a file through a redirection also `write`s).
    pub fn effective_actions(&self) -> Vec<Action> {
        let mut out = vec![self.action];
        for p in &self.paths {
            let a = match p.access {
                Access::Read => Action::Read,
                Access::Write | Access::Delete => Action::Write,
                Access::Execute => Action::Exec,
            };
            if !out.contains(&a) {
                out.push(a);
            }
        }
        if !self.hosts.is_empty() && !out.contains(&Action::Network) {
            out.push(Action::Network);
        }
        out
    }
}
