//! One module per client. Each finds its own installation, config files, MCP servers, hooks,
//! skills and plugins at every scope; [`all`] lists them for a scan.

use crate::ClientScanner;

// inv-a: terminal agents and Claude Desktop.
mod claude_code;
mod claude_desktop;
mod codex;
mod copilot_cli;
mod gemini_cli;
mod opencode;

pub use claude_code::ClaudeCode;
pub use claude_desktop::ClaudeDesktop;
pub use codex::Codex;
pub use copilot_cli::CopilotCli;
pub use gemini_cli::GeminiCli;
pub use opencode::OpenCode;

/// Every client scanner, in report order.
pub fn all() -> Vec<&'static dyn ClientScanner> {
    vec![
        // inv-a
        &Codex,
        &ClaudeCode,
        &ClaudeDesktop,
        &GeminiCli,
        &CopilotCli,
        &OpenCode,
    ]
}
