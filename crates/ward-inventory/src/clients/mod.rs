//! One module per client. Each finds its own installation, config files, MCP servers, hooks,
//! skills and plugins at every scope; [`all`] lists them for a scan.

use crate::ClientScanner;

/// Every client scanner, in report order.
pub fn all() -> Vec<&'static dyn ClientScanner> {
    vec![]
}
