//! Events recorded while the spool could not be appended to in time: the hook's deadline
//! answer. When the hook's deadline passes, a signal handler answers the agent and must record
//! that answer with nothing but `open`/`write`/`fdatasync` — it cannot take the spool's lock
//! (an agent can hold it: `flock spool/head sleep 999`) nor build the chain. So it appends one
//! pre-drafted, already redacted event line to `<data_dir>/spool.pending`, and the next
//! [`Spool::append`](crate::Spool::append) chains every pending event, in order and with its
//! own `id`, before its own event, then empties the file.
//!
//! A crash between chaining and emptying chains those events again on the next append: the
//! copies have the same `id`, which ingest deduplicates on (at-least-once, never lost).

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

/// The pending events: complete lines that parse. A torn last line is a write the handler never
/// finished; it answers only after the write, so that answer was never given, and the line is
/// dropped.
pub(crate) fn take(
    data_dir: &Path,
    refused: &mut Vec<Quarantined>,
) -> io::Result<Option<(std::fs::File, Vec<Event>)>> {
    let path = pending_path(data_dir);
    let file = match trust::open(&path, Missing::Fail, refused) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if file.metadata()?.len() == 0 {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    (&file).take(MAX_PENDING_BYTES).read_to_end(&mut bytes)?;
    Ok(Some((file, parse(&bytes))))
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

/// Empties the pending file once its events are in the chain.
pub(crate) fn clear(file: &std::fs::File) -> io::Result<()> {
    file.set_len(0)?;
    file.sync_data()
}
