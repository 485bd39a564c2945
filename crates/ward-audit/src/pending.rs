//! Events recorded while the spool could not be appended to in time: the hook's deadline
//! answer. When the hook's deadline passes, a signal handler answers the agent and must record
//! that answer with nothing but `open`/`write`/`fdatasync` — it cannot take the spool's lock
//! (an agent can hold it: `flock spool/head sleep 999`) nor build the chain. So it appends one
//! pre-drafted, already redacted event line to `<data_dir>/spool.pending`, and the next
//! [`Spool::append`](crate::Spool::append) moves that file aside (`spool.pending.adopting`),
//! chains every pending event, in order and with its own `id`, before its own event, reads the
//! file once more for a handler that was still writing, then removes it.
//!
//! A crash between chaining and removing chains those events again on the next append: the
//! copies have the same `id`, which ingest deduplicates on (at-least-once, never lost). What is
//! not covered: a handler that opened the file before it was moved and is held off the CPU
//! until after the final read (milliseconds between two system calls of the handler).

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use ward_model::Event;

use crate::read::MAX_LINE_BYTES;
use crate::trust::{self, Missing, Quarantined};

/// File name of the pending events in the data directory.
pub const PENDING_FILE: &str = "spool.pending";

/// Most bytes of pending events read at once; the rest waits for the next append.
const MAX_PENDING_BYTES: u64 = 4 << 20;

/// Where pending events of `data_dir` go.
pub fn pending_path(data_dir: &Path) -> PathBuf {
    data_dir.join(PENDING_FILE)
}

/// The line a deadline handler appends for `draft` (an event with `id` set and no chain
/// fields): its JSON and a newline.
pub fn pending_line(draft: &Event) -> Result<Vec<u8>, serde_json::Error> {
    let mut line = serde_json::to_vec(draft)?;
    line.push(b'\n');
    Ok(line)
}

/// Name the pending file is moved to while its events are chained.
pub const ADOPTING_FILE: &str = "spool.pending.adopting";

/// A pending file moved aside for chaining (see [`take`]).
pub(crate) struct Adopting {
    file: std::fs::File,
    pub(crate) path: PathBuf,
}

/// Moves the pending file aside to [`ADOPTING_FILE`] — atomically, so a deadline handler that
/// opens the path afterwards starts a new file instead of writing into one being emptied — and
/// opens it. A file already there is a previous adoption a crash interrupted: it is taken as is
/// (its events may be chained a second time, with the same ids). `None`: nothing pending.
pub(crate) fn take(data_dir: &Path, refused: &mut Vec<Quarantined>) -> io::Result<Option<Adopting>> {
    let path = data_dir.join(ADOPTING_FILE);
    if let Err(e) = std::fs::symlink_metadata(&path) {
        if e.kind() != io::ErrorKind::NotFound {
            return Err(e);
        }
        match std::fs::rename(pending_path(data_dir), &path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    match trust::open(&path, Missing::Fail, refused) {
        Ok(file) => Ok(Some(Adopting { file, path })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl Adopting {
    /// The complete events in the file after the first `skip` (read again each time: a handler
    /// that opened the file before it was moved may still be appending to it).
    /// A torn last line is a write the handler never finished; it answers only after the
    /// write, so that answer was never given, and the line is dropped.
    pub(crate) fn events_after(&mut self, skip: usize) -> io::Result<Vec<Event>> {
        let mut bytes = Vec::new();
        use std::io::Seek;
        self.file.seek(io::SeekFrom::Start(0))?;
        (&self.file).take(MAX_PENDING_BYTES).read_to_end(&mut bytes)?;
        Ok(parse(&bytes).into_iter().skip(skip).collect())
    }

    /// Every event is in the chain: the file goes.
    pub(crate) fn finish(self) -> io::Result<()> {
        std::fs::remove_file(&self.path)
    }
}

/// The events of a pending file's bytes: complete lines that parse as events. Never panics
/// (fuzz target `spool_state`).
pub fn parse(bytes: &[u8]) -> Vec<Event> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| line.ends_with(b"\n") && line.len() <= MAX_LINE_BYTES)
        .filter_map(|line| serde_json::from_slice::<Event>(line).ok())
        .collect()
}
