//! Errors from reading a hook payload. Each says what was wrong in words an admin can act on;
//! none ever includes payload content (it may hold secrets).

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HookError {
    #[error("empty hook payload on stdin")]
    Empty,
    #[error("hook payload too large: {size} bytes (limit {limit})")]
    TooLarge { size: usize, limit: usize },
    #[error("hook payload is not valid UTF-8")]
    NotUtf8,
    #[error("hook payload is not JSON: {0}")]
    NotJson(String),
    #[error("hook payload is a JSON {0}, expected an object")]
    NotObject(&'static str),
    #[error("hook payload has no `{0}` field")]
    MissingField(&'static str),
    #[error("hook payload field `{field}` should be {expected}")]
    WrongType { field: &'static str, expected: &'static str },
    #[error("unknown agent `{0}` (known: codex, claude-code, cursor, gemini-cli, copilot-cli, vscode, windsurf, continue, cline, amazon-q)")]
    UnknownAgent(String),
    #[error("cannot tell which agent sent this payload; name it: `ward hook <agent>`")]
    Undetectable,
}
