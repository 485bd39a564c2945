//! The local durable spool of audit events and its per-device hash chain.
//!
//! [`Spool`] appends events durably under an exclusive lock, [`read`] iterates them in order
//! (for the shipper and for `ward audit query`), [`verify()`] checks the chain, and [`chain`]
//! defines the exact bytes that are hashed; [`cursor`] verifies a device's chain batch by batch
//! from a known position (the server's ingest), and [`view`] gives readers a consistent view
//! without waiting long on a writer. The on-disk format is documented in `docs/spool.md`.

pub mod anchor;
pub(crate) mod canonical;
pub mod chain;
pub mod cursor;
mod error;
mod fault;
mod fslock;
pub mod pending;
pub mod read;
pub mod spool;
pub mod trust;
pub mod verify;
pub mod view;

pub use cursor::{ChainCursor, ChainFinding, ChainFindingKind};
pub use error::AuditError;
pub use read::{Checkpoint, SpoolReader, SpooledLine};
pub use spool::{draft_event, Durability, Spool, SpoolLayout, DEFAULT_SEGMENT_LIMIT};
pub use verify::{verify, Problem, ProblemKind, VerifyReport};
pub use view::{SpoolView, READER_LOCK_WAIT};

/// Fuzz entry point: arbitrary bytes as an anchor record and as a pending-events file, the two
/// spool state files the appender reads besides segments and the head. Must never panic; an
/// anchor that decodes must encode back to the bytes it came from.
pub fn fuzz_spool_state(bytes: &[u8]) {
    if let Some(anchor) = anchor::Anchor::decode(bytes) {
        let again = anchor.encode_record();
        assert_eq!(again.as_deref(), bytes.get(..again.as_ref().map_or(0, Vec::len)));
    }
    let _ = pending::parse(bytes);
}

/// Fuzz entry point: arbitrary bytes as JSON, and as an event when they are one. Canonical JSON
/// written straight from a value must be the definition's (through `serde_json::Value`), byte
/// for byte: a difference would make the same event hash differently on two paths.
pub fn fuzz_canonical(bytes: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else { return };
    let mut direct = Vec::new();
    if canonical::write_top_object(&value, canonical::HashMember::Omit, &mut direct).is_ok() {
        let mut definition = value.clone();
        if let Some(object) = definition.as_object_mut() {
            object.remove("hash");
        }
        assert_eq!(direct, chain::canonical_json(&definition));
    }
    if let Ok(mut event) = serde_json::from_value::<ward_model::Event>(value) {
        let Ok(canonical) = chain::canonical_event(&event) else { return };
        let Ok(serde_json::Value::Object(mut object)) = serde_json::to_value(&event) else { return };
        object.remove("hash");
        assert_eq!(canonical, chain::canonical_object(&object));
        if let Ok(line) = chain::seal(&mut event) {
            object.insert("hash".into(), serde_json::Value::String(event.hash.clone()));
            let mut expected = chain::canonical_object(&object);
            expected.push(b'\n');
            assert_eq!(line, expected);
        }
    }
}
