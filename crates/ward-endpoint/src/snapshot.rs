//! Inventory snapshots to the fleet server: a `ward scan --format json` document, sent as is
//! (`POST /api/v1/inventory`). The server compares it with the device's previous snapshot and
//! records what appeared, changed or disappeared, and the drift findings, as events; the
//! endpoint keeps no diff state of its own, so erasing local files hides nothing.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::ship::{self, Enrollment, ShipError};

/// Largest scan document sent (the server's limit).
pub const MAX_SNAPSHOT_BYTES: usize = 16 << 20;

/// Sends one scan document for the device enrolled under `data_dir`; the server's answer
/// (`appeared`, `changed`, `disappeared`, `drift_opened`, `drift_resolved`, …).
pub fn send(data_dir: &Path, scan_json: &[u8]) -> Result<Value, ShipError> {
    let enrollment = Enrollment::load(data_dir)?;
    let bad = |reason: String| ShipError::Read { path: "the scan document".into(), reason };
    let scan: Value = serde_json::from_slice(scan_json).map_err(|e| bad(format!("not JSON: {e}")))?;
    if !scan.is_object() || scan.get("artifacts").is_none() {
        return Err(bad("no artifacts (expected `ward scan --format json` output)".into()));
    }
    let body = serde_json::json!({"schema_version": ship::SCHEMA_VERSION, "scan": scan}).to_string();
    if body.len() > MAX_SNAPSHOT_BYTES {
        return Err(bad(format!("{} bytes; the server takes at most {MAX_SNAPSHOT_BYTES}", body.len())));
    }
    let agent = ship::http_agent_trusting(Duration::from_secs(60), enrollment.ca_cert.as_deref())?;
    let url = format!("{}/api/v1/inventory", enrollment.server);
    let (_, answer) = ship::post_json(&agent, &url, Some(&enrollment.credential), body.as_bytes())?;
    Ok(answer)
}
