//! Agent hook protocols (payload → ToolCall, Verdict → answer) and shell command analysis.

pub mod shell;

pub use shell::{analyze, ShellAnalysis};
