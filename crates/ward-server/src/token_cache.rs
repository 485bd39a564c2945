//! Device credentials authenticated recently, remembered in memory for a few seconds so a
//! device's batches do not each look their token up in the database. Keyed by the token's
//! SHA-256 (what the database holds; the secret itself is never kept).
//!
//! The price is that revoking a credential takes up to [`TTL`] to reach this server's cache:
//! a revocation made elsewhere (`ward admin token revoke`, another replica) is seen when the
//! entry expires. Re-enrolling a device through this server forgets its entries at once. Only
//! device credentials without an expiry time are cached (the ones enrollment makes), so an
//! expiring token is always checked against the clock and the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::fleet::TokenInfo;

/// How long an authenticated device credential is trusted without asking the database again.
pub const TTL: Duration = Duration::from_secs(5);
/// Entries at most (one per active device); the cache is emptied when full.
const CAPACITY: usize = 200_000;

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (TokenInfo, Instant)>>,
}

impl TokenCache {
    /// The cached token whose hash is `hash`, if it was authenticated less than [`TTL`] ago.
    pub fn get(&self, hash: &str) -> Option<TokenInfo> {
        let entries = self.entries.lock().ok()?;
        let (info, at) = entries.get(hash)?;
        (at.elapsed() < TTL).then(|| info.clone())
    }

    /// Remembers a token the database just accepted (only non-expiring device tokens).
    pub fn put(&self, hash: String, info: &TokenInfo) {
        if info.expires.is_some() || info.revoked.is_some() || info.device.is_none() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(hash, (info.clone(), Instant::now()));
        }
    }

    /// Forgets every credential of `device` (it was re-enrolled: its old credentials are revoked).
    pub fn forget_device(&self, device: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (info, _)| info.device.as_deref() != Some(device));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(device: &str, expires: Option<&str>) -> TokenInfo {
        TokenInfo {
            id: "0123456789ab".into(),
            kind: "device".into(),
            label: None,
            device: Some(device.into()),
            uses_left: None,
            expires: expires.map(str::to_owned),
            created: String::new(),
            revoked: None,
            last_used: None,
        }
    }

    #[test]
    fn remembers_device_tokens_and_forgets_reenrolled_devices() {
        let cache = TokenCache::default();
        cache.put("h1".into(), &info("d1", None));
        cache.put("h2".into(), &info("d2", None));
        cache.put("h3".into(), &info("d3", Some("2030-01-01T00:00:00Z")));
        assert_eq!(cache.get("h1").and_then(|i| i.device), Some("d1".into()));
        assert!(cache.get("h3").is_none(), "expiring tokens are always checked");
        assert!(cache.get("unknown").is_none());
        cache.forget_device("d1");
        assert!(cache.get("h1").is_none());
        assert!(cache.get("h2").is_some());
    }
}
