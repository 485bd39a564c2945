//! Discovery of what AI agents are installed on a machine and what they are configured with:
//! the eight artifact kinds (agent, mcp_server, extension, skill, plugin, secret, hook, cli),
//! with risk flags. One module per client under [`clients`]; shared parsing lives beside it.
//!
//! Scanning never fails as a whole: a missing file is skipped, a broken one becomes a
//! [`ward_model::Finding`], and the rest of the scan goes on. No secret value is ever put into
//! an artifact, a finding or an error: see [`sanitize`].

pub mod clients;
pub mod clis;
pub mod context;
pub mod extensions;
pub mod hooks;
pub mod install;
pub mod inventory;
pub mod mcp;
pub mod plugins;
pub mod read;
pub mod report;
pub mod sanitize;
pub mod scan;
pub mod secrets;
pub mod skills;

pub use context::{Os, ScanContext};
pub use inventory::Inventory;
pub use scan::{scan, ScanOptions, ScanProgress};

/// One client's discovery: look at the machine through `cx`, record into `inv`.
pub trait ClientScanner: Sync {
    /// The client name used in artifacts (`codex`, `claude-code`, …).
    fn client(&self) -> &'static str;
    fn scan(&self, cx: &ScanContext, inv: &mut Inventory);
}
