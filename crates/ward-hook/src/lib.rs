//! Agent hook protocols (payload → ToolCall, Verdict → answer) and shell command analysis.
