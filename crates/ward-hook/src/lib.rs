//! Agent hook protocols (payload → ToolCall, Verdict → answer) and shell command analysis.
//!
//! This crate reads and writes; it stores nothing and evaluates no policy. The `ward hook`
//! command calls [`parse_payload_with_env`] (or [`parse_payload`]), evaluates the call, then
//! prints [`Agent::render`]'s answer; input it cannot read gets [`render_error`].

pub mod agents;
pub mod error;
pub mod patch;
pub mod shell;

pub use agents::{
    decode, detect, exec_call, exec_call_with_env, parse_payload, parse_payload_with_env, render_error,
    shell_join, Agent, HookAnswer, ParsedPayload, MAX_PAYLOAD_BYTES,
};
pub use error::HookError;
pub use shell::{analyze, analyze_with_env, ShellAnalysis, WARD_VARIABLES};

/// Fuzz entry point: parse arbitrary bytes as a hook payload (with detection) and render an
/// answer for the result. Must never panic.
pub fn fuzz_payload(bytes: &[u8]) {
    let verdict = ward_model::Verdict {
        decision: ward_model::Decision::Ask,
        rule: "fuzz".to_owned(),
        reason: "fuzz".to_owned(),
        tier: "standard".to_owned(),
        matched: Vec::new(),
    };
    for agent in [None, Some(Agent::Codex), Some(Agent::Cursor), Some(Agent::Windsurf)] {
        match parse_payload(agent, bytes) {
            Ok((a, call)) => {
                let _ = a.render(&verdict, Some(&call));
            }
            Err(e) => {
                let _ = render_error(agent.unwrap_or(Agent::ClaudeCode), true, &e.to_string());
            }
        }
    }
}

/// Fuzz entry point: analyze arbitrary bytes (lossily decoded) as a shell command line.
pub fn fuzz_shell(bytes: &[u8]) {
    let _ = analyze(&String::from_utf8_lossy(bytes));
}
