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

// Editors of the VS Code family and the agents that live in them or beside them (helper inv-b).
pub mod aider;
pub mod amazon_q;
pub mod cline;
pub mod continue_dev;
pub mod cursor;
pub mod kiro;
mod probe;
pub mod roo_code;
pub mod vscode;
pub mod windsurf;
pub mod zed;

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
        // inv-b: VS Code family, Zed, Amazon Q / Kiro, Aider.
        &cursor::Cursor,
        &vscode::VsCode,
        &windsurf::Windsurf,
        &cline::Cline,
        &roo_code::RooCode,
        &continue_dev::Continue,
        &zed::Zed,
        &amazon_q::AmazonQ,
        &kiro::Kiro,
        &aider::Aider,
    ]
}
