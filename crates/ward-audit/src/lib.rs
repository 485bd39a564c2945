//! The local durable spool of audit events and its per-device hash chain.
//!
//! [`Spool`] appends events durably under an exclusive lock, [`read`] iterates them in order
//! (for the shipper and for `ward audit query`), [`verify()`] checks the chain, and [`chain`]
//! defines the exact bytes that are hashed; [`cursor`] verifies a device's chain batch by batch
//! from a known position (the server's ingest), and [`view`] gives readers a consistent view
//! without waiting long on a writer. The on-disk format is documented in `docs/spool.md`.

pub mod anchor;
mod canonical;
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
