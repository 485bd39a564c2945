//! The local durable spool of audit events and its per-device hash chain.
//!
//! [`Spool`] appends events durably under an exclusive lock, [`read`] iterates them in order
//! (for the shipper and for `ward audit query`), [`verify()`] checks the chain, and [`chain`]
//! defines the exact bytes that are hashed; [`cursor`] verifies a device's chain batch by batch
//! from a known position (the server's ingest), and [`view`] gives readers a consistent view
//! without waiting long on a writer. The on-disk format is documented in `docs/spool.md`.

pub mod chain;
pub mod cursor;
mod error;
mod fslock;
pub mod read;
pub mod spool;
pub mod verify;
pub mod view;

pub use cursor::{ChainCursor, ChainFinding, ChainFindingKind};
pub use error::AuditError;
pub use read::{Checkpoint, SpoolReader, SpooledLine};
pub use spool::{draft_event, Durability, Spool, SpoolLayout, DEFAULT_SEGMENT_LIMIT};
pub use verify::{verify, Problem, ProblemKind, VerifyReport};
pub use view::{SpoolView, READER_LOCK_WAIT};
