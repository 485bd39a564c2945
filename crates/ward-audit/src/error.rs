//! Errors of the spool: what failed, and on which file.

use std::path::PathBuf;

/// Failure to open, append to, read or verify the spool. Never carries event content.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a device id ({reason}); refusing to start a second chain for this device")]
    DeviceId { path: PathBuf, reason: String },
    #[error("cannot serialize the event: {0}")]
    Serialize(#[from] serde_json::Error),
    #[error("{path}: checkpoint is unreadable ({reason})")]
    Checkpoint { path: PathBuf, reason: String },
    #[error("cannot acknowledge seq {seq}: {reason}")]
    Acknowledge { seq: u64, reason: String },
    #[error("event is {bytes} bytes as a spool line, over the {limit}-byte limit; store less input")]
    EventTooLarge { bytes: usize, limit: usize },
    /// Only for a clock outside the years 0–9999.
    #[error("cannot write the current time as RFC 3339: {0}")]
    Clock(String),
    /// A reader waited its bounded time for the spool lock and another process still held it.
    #[error(
        "{path}: another process has held the spool lock for over {waited_ms} ms (a hook or the \
         daemon stuck mid-append?); not waiting longer. Retry, or find the holder with \
         `fuser {path}`"
    )]
    LockBusy { path: PathBuf, waited_ms: u64 },
    #[error("sequence numbers exhausted")]
    SequenceExhausted,
}

impl AuditError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> AuditError {
        AuditError::Io { path: path.into(), source }
    }
}
