//! A reader's consistent view of the spool, taken without ever waiting long on a writer.
//!
//! Appends hold the spool lock for a few system calls, so a reader that takes the shared lock
//! normally waits microseconds. A writer *stuck* while holding it (stopped, hung on a dead disk)
//! must not hang `ward audit verify` or the query indexer: readers wait at most
//! [`READER_LOCK_WAIT`] and then fail with [`AuditError::LockBusy`], which says why.

use std::fs::File;
use std::io;
use std::path::Path;
use std::time::Duration;

use crate::fslock::{FileLock, LockMode};
use crate::read::{self, Segment, SpoolReader};
use crate::spool::SpoolLayout;
use crate::AuditError;

/// How long a reader waits for the spool lock before giving up with a reason.
pub const READER_LOCK_WAIT: Duration = Duration::from_secs(3);

/// Takes the shared lock on the head file within [`READER_LOCK_WAIT`].
pub(crate) fn lock_for_reading<'file>(file: &'file File, path: &Path) -> Result<FileLock<'file>, AuditError> {
    match FileLock::acquire_within(file, LockMode::Shared, READER_LOCK_WAIT) {
        Ok(Some(lock)) => Ok(lock),
        Ok(None) => Err(AuditError::LockBusy {
            path: path.to_owned(),
            waited_ms: READER_LOCK_WAIT.as_millis() as u64,
        }),
        Err(error) => Err(AuditError::io(path, error)),
    }
}

/// The segments and their lengths at one instant: every complete line within these lengths was
/// fully written, and nothing an append adds later is seen.
#[derive(Debug, Clone)]
pub struct SpoolView {
    pub segments: Vec<(Segment, u64)>,
    /// The chain's end as the head record gives it at the same instant (`(seq, hash)`; `None`
    /// without a head file or with a damaged one): what the segments should end with.
    pub head: Option<(u64, String)>,
    /// The anchor, read at the same instant (see `docs/spool.md`, "The anchor").
    pub anchor: crate::anchor::AnchorState,
    /// The shipping checkpoint: events up to its seq may have been removed.
    pub checkpoint: Option<crate::read::Checkpoint>,
    /// This device's id (`device.id`, else the anchor's), if it has one yet.
    pub device: Option<String>,
}

impl SpoolView {
    /// Notes each segment's length under the shared lock (held only for that).
    pub fn take(data_dir: &Path) -> Result<SpoolView, AuditError> {
        let layout = SpoolLayout::new(data_dir);
        let head_file = match File::open(&layout.head_file) {
            Ok(file) => Some(file),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(AuditError::io(&layout.head_file, error)),
        };
        let _lock = match &head_file {
            Some(file) => Some(lock_for_reading(file, &layout.head_file)?),
            None => None,
        };
        let head = match &head_file {
            Some(file) => crate::spool::read_head(file, &layout.head_file)?.map(|h| (h.seq, h.hash)),
            None => None,
        };
        // Readers judge by these, and the shipper, which takes views too, needs none of them: an
        // anchor that cannot be read counts as damaged, a checkpoint or device id as absent (no
        // removal allowed for, no device to compare); `verify` reports each in its own words.
        let anchor = crate::anchor::read(data_dir).unwrap_or(crate::anchor::AnchorState::Damaged);
        let checkpoint = crate::read::read_checkpoint(&layout.checkpoint_file).ok().flatten();
        // A lost `device.id` is the anchor's device, as the spool itself takes it back: deleting
        // the file must not make another device's events look like this one's.
        let device = crate::spool::read_device_id(&layout.device_id_file).ok().flatten().or(match &anchor {
            crate::anchor::AnchorState::Valid(anchor) => Some(anchor.device.clone()),
            _ => None,
        });
        let mut segments = Vec::new();
        for segment in read::list_segments(&layout.spool_dir)? {
            let length = match std::fs::metadata(&segment.path) {
                Ok(metadata) => metadata.len(),
                // Removed by an acknowledgement between listing and here.
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(error) => return Err(AuditError::io(&segment.path, error)),
            };
            segments.push((segment, length));
        }
        Ok(SpoolView { segments, head, anchor, checkpoint, device })
    }

    /// Reads the view from the segment holding `(segment, offset)` on; earlier segments are
    /// skipped. The caller resumes at `offset` within that segment (see [`SpoolReader::starting_at`]).
    pub fn reader(&self) -> SpoolReader {
        SpoolReader::new(self.segments.iter().map(|(s, len)| (s.clone(), Some(*len))).collect())
    }

    /// Reads from byte `offset` of the segment whose first seq is `segment` (a position an
    /// earlier read ended at) onwards. If that segment is gone (shipped and removed), reading
    /// starts at the first remaining segment after it.
    pub fn reader_from(&self, segment: u64, offset: u64) -> SpoolReader {
        let rest: Vec<(Segment, Option<u64>)> = self
            .segments
            .iter()
            .filter(|(s, _)| s.first_seq >= segment)
            .map(|(s, len)| (s.clone(), Some(*len)))
            .collect();
        let skip = match rest.first() {
            Some((first, _)) if first.first_seq == segment => offset,
            _ => 0,
        };
        SpoolReader::new(rest).skip_bytes_of_first(skip)
    }
}
