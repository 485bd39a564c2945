//! Reading the spool: its segments in order, their lines (complete, torn or oversized) and the
//! shipping checkpoint. Reading never takes the append lock and never modifies anything.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ward_model::Event;

use crate::AuditError;

/// File name suffix of a segment.
pub const SEGMENT_SUFFIX: &str = ".jsonl";

/// The longest line the spool writes or reads (4 MiB). Longer events are refused on append; a
/// longer line found on disk is reported, not loaded into memory.
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// One segment file of the spool, named after the seq of its first event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub first_seq: u64,
    pub path: PathBuf,
}

/// The file name of the segment whose first event has `first_seq`: 20 digits, so that the
/// names also sort in order as text.
pub fn segment_file_name(first_seq: u64) -> String {
    format!("{first_seq:020}{SEGMENT_SUFFIX}")
}

/// The first seq a segment file name stands for, or `None` for any other file.
pub fn parse_segment_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SEGMENT_SUFFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The segments in `spool_dir`, in seq order. A missing directory is an empty spool.
pub fn list_segments(spool_dir: &Path) -> Result<Vec<Segment>, AuditError> {
    let entries = match std::fs::read_dir(spool_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(AuditError::io(spool_dir, error)),
    };
    let mut segments = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| AuditError::io(spool_dir, e))?;
        let name = entry.file_name();
        if let Some(first_seq) = name.to_str().and_then(parse_segment_file_name) {
            segments.push(Segment { first_seq, path: entry.path() });
        }
    }
    segments.sort_by_key(|segment| segment.first_seq);
    Ok(segments)
}

/// The shipper's durable cursor: every event up to and including `seq` (whose hash is `hash`)
/// has been acknowledged by the server, and segments holding only such events may be gone.
/// Verification of what remains starts from this anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: String,
}

/// Reads the checkpoint file; `None` when there is none yet.
pub fn read_checkpoint(path: &Path) -> Result<Option<Checkpoint>, AuditError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(AuditError::io(path, error)),
    };
    let checkpoint: Checkpoint = serde_json::from_slice(&bytes)
        .map_err(|e| AuditError::Checkpoint { path: path.to_owned(), reason: e.to_string() })?;
    if !crate::chain::is_hash(&checkpoint.hash) {
        return Err(AuditError::Checkpoint {
            path: path.to_owned(),
            reason: "hash is not 64 lower-case hex digits".to_owned(),
        });
    }
    Ok(Some(checkpoint))
}

/// How a line of a segment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    /// Terminated by `\n`: written whole.
    Complete,
    /// The segment ends without `\n`: a write that did not finish (or a truncated file).
    Torn,
    /// Longer than [`MAX_LINE_BYTES`] (and terminated); its bytes are not kept.
    Oversized,
}

/// One line of a segment, without its `\n`.
#[derive(Debug, Clone)]
pub struct SpooledLine {
    /// First seq of the segment (its name).
    pub segment: u64,
    /// 1-based line number within the segment.
    pub line: u64,
    /// Byte offset of the line's start within the segment.
    pub offset: u64,
    pub bytes: Vec<u8>,
    pub end: LineEnd,
}

impl SpooledLine {
    /// The event on this line.
    pub fn event(&self) -> Result<Event, serde_json::Error> {
        serde_json::from_slice(&self.bytes)
    }

    /// Bytes the line occupies in the segment, `\n` included.
    pub fn stored_len(&self) -> u64 {
        self.bytes.len() as u64 + u64::from(self.end == LineEnd::Complete)
    }
}

/// Iterates the lines of a list of segments in order, each read up to a byte limit (a snapshot
/// taken under the lock, so an append in progress is not mistaken for a torn line).
pub struct SpoolReader {
    pending: VecDeque<(Segment, Option<u64>)>,
    current: Option<OpenSegment>,
    /// Where in the first segment to start (a position an earlier read ended at).
    first_offset: u64,
}

struct OpenSegment {
    first_seq: u64,
    path: PathBuf,
    reader: BufReader<io::Take<File>>,
    line: u64,
    offset: u64,
}

impl SpoolReader {
    /// Reads `segments` in the given order; each may carry a byte limit (`None`: to its end).
    pub fn new(segments: Vec<(Segment, Option<u64>)>) -> SpoolReader {
        SpoolReader { pending: segments.into(), current: None, first_offset: 0 }
    }

    /// Starts reading the first segment at byte `offset` (the end of a complete line an
    /// earlier read returned). Line numbers then count from that position.
    pub fn skip_bytes_of_first(mut self, offset: u64) -> SpoolReader {
        self.first_offset = offset;
        self
    }

    /// Reads every segment of `spool_dir` to its end.
    pub fn open(spool_dir: &Path) -> Result<SpoolReader, AuditError> {
        let segments = list_segments(spool_dir)?;
        Ok(SpoolReader::new(segments.into_iter().map(|s| (s, None)).collect()))
    }

    /// Reads from the segment that holds `after_seq + 1` on: the shipper's cursor. Lines of that
    /// segment up to `after_seq` are still yielded; the caller skips them by seq.
    pub fn after(spool_dir: &Path, after_seq: u64) -> Result<SpoolReader, AuditError> {
        let segments = list_segments(spool_dir)?;
        let wanted = after_seq.saturating_add(1);
        // The last segment whose first seq is at most `wanted` holds it (if it exists at all).
        let start = segments.iter().rposition(|s| s.first_seq <= wanted).unwrap_or(0);
        Ok(SpoolReader::new(segments.into_iter().skip(start).map(|s| (s, None)).collect()))
    }

    fn next_line(&mut self) -> Result<Option<SpooledLine>, AuditError> {
        loop {
            if self.current.is_none() {
                let Some((segment, limit)) = self.pending.pop_front() else {
                    return Ok(None);
                };
                let mut file = File::open(&segment.path).map_err(|e| AuditError::io(&segment.path, e))?;
                let start = std::mem::take(&mut self.first_offset);
                if start > 0 {
                    use std::io::Seek;
                    file.seek(io::SeekFrom::Start(start)).map_err(|e| AuditError::io(&segment.path, e))?;
                }
                let limit = limit.map_or(u64::MAX, |limit| limit.saturating_sub(start));
                let reader = BufReader::with_capacity(64 << 10, file.take(limit));
                self.current = Some(OpenSegment {
                    first_seq: segment.first_seq,
                    path: segment.path,
                    reader,
                    line: 0,
                    offset: start,
                });
            }
            let Some(open) = self.current.as_mut() else { continue };
            match read_line(&mut open.reader).map_err(|e| AuditError::io(&open.path, e))? {
                None => self.current = None,
                Some((bytes, end, consumed)) => {
                    open.line += 1;
                    let line = SpooledLine {
                        segment: open.first_seq,
                        line: open.line,
                        offset: open.offset,
                        bytes,
                        end,
                    };
                    open.offset += consumed;
                    return Ok(Some(line));
                }
            }
        }
    }
}

impl Iterator for SpoolReader {
    type Item = Result<SpooledLine, AuditError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_line().transpose()
    }
}

/// The lines of a segment held in memory (a segment received from elsewhere, or fuzz input).
pub fn segment_lines(bytes: &[u8], segment: u64) -> Vec<SpooledLine> {
    let mut reader = bytes;
    let mut lines = Vec::new();
    let mut offset = 0;
    // Reading from a byte slice cannot fail, so the loop ends at the end of `bytes`.
    while let Ok(Some((line_bytes, end, consumed))) = read_line(&mut reader) {
        lines.push(SpooledLine { segment, line: lines.len() as u64 + 1, offset, bytes: line_bytes, end });
        offset += consumed;
    }
    lines
}

/// Reads one line: its bytes without `\n`, how it ended, and how many bytes it consumed.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<(Vec<u8>, LineEnd, u64)>> {
    let mut bytes = Vec::new();
    let limit = MAX_LINE_BYTES as u64 + 1;
    let read = reader.by_ref().take(limit).read_until(b'\n', &mut bytes)?;
    if read == 0 {
        return Ok(None);
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        return Ok(Some((bytes, LineEnd::Complete, read as u64)));
    }
    if bytes.len() <= MAX_LINE_BYTES {
        return Ok(Some((bytes, LineEnd::Torn, read as u64)));
    }
    // Oversized: skip to the end of the line without holding it in memory.
    let mut consumed = read as u64;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            // No newline before the end: as torn as any unfinished line.
            return Ok(Some((Vec::new(), LineEnd::Torn, consumed)));
        }
        match buffer.iter().position(|&b| b == b'\n') {
            Some(newline) => {
                reader.consume(newline + 1);
                consumed += newline as u64 + 1;
                break;
            }
            None => {
                let length = buffer.len();
                reader.consume(length);
                consumed += length as u64;
            }
        }
    }
    Ok(Some((Vec::new(), LineEnd::Oversized, consumed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(Vec<u8>, LineEnd, u64)> {
        let mut reader = BufReader::new(input);
        let mut out = Vec::new();
        while let Some(line) = read_line(&mut reader).unwrap() {
            out.push(line);
        }
        out
    }

    #[test]
    fn lines_complete_and_torn() {
        let got = lines(b"{}\n{\"a\":1}\n{\"b");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (b"{}".to_vec(), LineEnd::Complete, 3));
        assert_eq!(got[1], (b"{\"a\":1}".to_vec(), LineEnd::Complete, 8));
        assert_eq!(got[2], (b"{\"b".to_vec(), LineEnd::Torn, 3));
        assert!(lines(b"").is_empty());
    }

    #[test]
    fn oversized_line_is_skipped_not_kept() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.push(b'\n');
        input.extend_from_slice(b"{}\n");
        let got = lines(&input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], (Vec::new(), LineEnd::Oversized, MAX_LINE_BYTES as u64 + 11));
        assert_eq!(got[1], (b"{}".to_vec(), LineEnd::Complete, 3));
    }

    #[test]
    fn oversized_unterminated_line_is_torn() {
        let input = vec![b'x'; MAX_LINE_BYTES + 10];
        let got = lines(&input);
        assert_eq!(got, vec![(Vec::new(), LineEnd::Torn, MAX_LINE_BYTES as u64 + 10)]);
    }

    #[test]
    fn in_memory_segment_lines_carry_offsets() {
        let got = segment_lines(b"{}\nab\ncd", 7);
        let summary: Vec<_> = got.iter().map(|l| (l.segment, l.line, l.offset, l.end)).collect();
        assert_eq!(
            summary,
            vec![(7, 1, 0, LineEnd::Complete), (7, 2, 3, LineEnd::Complete), (7, 3, 6, LineEnd::Torn)]
        );
    }

    #[test]
    fn segment_names() {
        assert_eq!(segment_file_name(42), "00000000000000000042.jsonl");
        assert_eq!(parse_segment_file_name("00000000000000000042.jsonl"), Some(42));
        assert_eq!(parse_segment_file_name("7.jsonl"), Some(7));
        for other in [
            "head",
            "checkpoint",
            ".jsonl",
            "x1.jsonl",
            "1.json",
            "+1.jsonl",
            "99999999999999999999999.jsonl",
        ] {
            assert_eq!(parse_segment_file_name(other), None, "{other}");
        }
    }
}
