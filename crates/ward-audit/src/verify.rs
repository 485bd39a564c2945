//! Verification of this device's spool: every line a canonical, well-hashed event of this device,
//! seqs consecutive from the checkpoint (or 1), each `prev_hash` the previous event's `hash`, and
//! nothing missing at the end that the head record says was written.
//!
//! Verification does not block appends: it takes the lock only long enough to note the head and
//! each segment's length, then reads up to those lengths, so an append in progress is neither
//! waited for nor mistaken for a torn line.

use std::fs::File;
use std::io;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::anchor::{self, Anchor, AnchorState};
use crate::chain::{self, GENESIS_HASH};
use crate::read::{self, Checkpoint, LineEnd, Segment, SpoolReader, SpooledLine, MAX_LINE_BYTES};
use crate::spool::{read_device_id, read_head, Head, SpoolLayout};
use crate::trust;
use crate::AuditError;

/// Version of the `--format json` report.
pub const VERIFY_REPORT_VERSION: u32 = 1;

/// What is wrong with the spool at one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// `prev_hash` is not the hash of the event before it (or of the checkpoint / genesis).
    BrokenLink,
    /// `hash` is not the hash of the event's content: the event was edited.
    BadHash,
    /// Seqs are missing (deleted lines, or events the head says were written are gone).
    Gap,
    /// A seq at or below one already seen: a repeated or reordered line.
    Duplicate,
    /// The last line of a segment is incomplete: a write that never finished, or a truncation.
    TornLine,
    /// A line that is not an event: not JSON, not an object, a missing field, or too long.
    Unparsable,
    /// A line whose bytes are not the canonical form of its content: edited by hand.
    NotCanonical,
    /// An event of another device.
    ForeignDevice,
    /// Events the anchor (kept outside the spool directory) saw are gone: the spool was emptied,
    /// truncated, or restarted with another chain.
    Erased,
    /// A spool file that is a symlink, another user's, or writable by others: refused (and
    /// renamed aside by the next append, or already renamed aside as `quarantine.*`).
    Untrusted,
}

/// One problem, with where it is. `segment` is the segment's first seq (its file name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    pub message: String,
}

/// The outcome of [`verify`]; the `--format json` output of `ward audit verify`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub schema_version: u32,
    /// This device's id, if it has one yet.
    pub device: Option<String>,
    /// Lines that parsed as events.
    pub events: u64,
    pub segments: usize,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// The anchor verification started from, when earlier segments were shipped and removed.
    pub checkpoint: Option<Checkpoint>,
    /// The last event the spool's anchor (`<data dir>/spool.anchor`, outside the spool
    /// directory) recorded, and whether the spool still holds it.
    pub anchor: AnchorReport,
    /// The hash of the spool's event at the anchor's seq, if the spool holds it.
    #[serde(skip)]
    pub hash_at_anchor: Option<String>,
    pub problems: Vec<Problem>,
}

/// What the anchor says about the spool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorReport {
    /// `intact` (the spool holds the anchored event), `erased` (the spool is empty), `truncated`
    /// (it ends before the anchored event), `restarted` (its event at the anchored seq is another
    /// one, or it belongs to another device), `missing` (no anchor: an install from before
    /// anchors, or the data directory was replaced), `damaged`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

impl VerifyReport {
    /// No problems: the chain is whole.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the spool under `data_dir`. Problems in the spool are reported in the result; an
/// `Err` means the spool could not be read at all. Reads only; creates nothing.
pub fn verify(data_dir: &Path) -> Result<VerifyReport, AuditError> {
    let layout = SpoolLayout::new(data_dir);
    let device = read_device_id(&layout.device_id_file)?;
    let snapshot = take_snapshot(&layout)?;
    let anchor_state =
        anchor::read(data_dir).map_err(|e| AuditError::io(anchor::anchor_path(data_dir), e))?;
    let mut check = ChainCheck::new(device.clone(), snapshot.checkpoint.clone());
    if let AnchorState::Valid(a) = &anchor_state {
        check.watch_seq = Some(a.seq);
    }
    check.problems.extend(snapshot.untrusted.iter().cloned());
    if snapshot.head_damaged {
        check.problems.push(Problem {
            kind: ProblemKind::Unparsable,
            segment: None,
            line: None,
            seq: None,
            message: format!(
                "the head record ({}) is damaged; the next append rebuilds it from the segments",
                layout.head_file.display()
            ),
        });
    }
    let segments = snapshot.segments.len();
    let reader = SpoolReader::new(snapshot.segments.into_iter().map(|(s, len)| (s, Some(len))).collect());
    for line in reader {
        check.line(&line?);
    }
    let mut report = check.finish(snapshot.head, device, segments);
    report.anchor = compare_anchor(&anchor_state, &report);
    if let Some(problem) = anchor_problem(&report.anchor, &report, data_dir) {
        report.problems.push(problem);
    }
    Ok(report)
}

fn compare_anchor(state: &AnchorState, report: &VerifyReport) -> AnchorReport {
    let a = match state {
        AnchorState::Missing => {
            return AnchorReport { state: "missing", device: None, seq: None, hash: None }
        }
        AnchorState::Damaged => {
            return AnchorReport { state: "damaged", device: None, seq: None, hash: None }
        }
        AnchorState::Valid(a) => a,
    };
    let end = report.last_seq.or(report.checkpoint.as_ref().map(|c| c.seq));
    let state = if report.device.as_deref().is_some_and(|d| d != a.device) {
        "restarted"
    } else if report.events == 0 && report.checkpoint.is_none() {
        if a.seq == 0 {
            "intact"
        } else {
            "erased"
        }
    } else if end.is_none_or(|end| end < a.seq) {
        "truncated"
    } else {
        match &report.hash_at_anchor {
            Some(h) if *h != a.hash => "restarted",
            // Below the checkpoint (shipped and removed) or present and equal.
            _ => "intact",
        }
    };
    let Anchor { device, seq, hash } = a.clone();
    AnchorReport { state, device: Some(device), seq: Some(seq), hash: Some(hash) }
}

fn anchor_problem(anchor: &AnchorReport, report: &VerifyReport, data_dir: &Path) -> Option<Problem> {
    let path = anchor::anchor_path(data_dir);
    let seq = anchor.seq.unwrap_or(0);
    let end = report.last_seq.map_or_else(|| "holds no events".to_owned(), |s| format!("ends at seq {s}"));
    let message = match anchor.state {
        "erased" => format!(
            "the spool holds no events, but the anchor ({}) records seq {seq} as written: the spool was emptied or deleted",
            path.display()
        ),
        "truncated" => format!(
            "the spool {end}, but the anchor ({}) records seq {seq} as written: events were removed from its end",
            path.display()
        ),
        "restarted" => format!(
            "the spool is not the chain the anchor ({}) recorded (device {}, seq {seq}): it was replaced or restarted",
            path.display(),
            anchor.device.as_deref().unwrap_or("?")
        ),
        "damaged" => format!("the anchor {} is damaged or not a regular file of this user", path.display()),
        _ => return None,
    };
    let kind = if anchor.state == "damaged" { ProblemKind::Untrusted } else { ProblemKind::Erased };
    Some(Problem { kind, segment: None, line: None, seq: anchor.seq, message })
}

/// Verifies one segment given as bytes as if it were a device's whole chain from seq 1 (no
/// checkpoint, no head record); `device`, if given, is the device every event must name. For
/// checking a segment received from elsewhere, and the fuzz target `spool_verify`. Never panics.
pub fn verify_segment_bytes(bytes: &[u8], device: Option<&str>) -> VerifyReport {
    let device = device.map(str::to_owned);
    let mut check = ChainCheck::new(device.clone(), None);
    for line in read::segment_lines(bytes, 1) {
        check.line(&line);
    }
    check.finish(None, device, 1)
}

/// The files as they were at one moment under the lock.
struct Snapshot {
    head: Option<Head>,
    /// The head file holds something that is not a valid record (an empty one is just unused).
    head_damaged: bool,
    segments: Vec<(Segment, u64)>,
    checkpoint: Option<Checkpoint>,
    /// Problems with spool files Ward would refuse to use.
    untrusted: Vec<Problem>,
}

fn take_snapshot(layout: &SpoolLayout) -> Result<Snapshot, AuditError> {
    let head_file = match File::open(&layout.head_file) {
        Ok(file) => Some(file),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => return Err(AuditError::io(&layout.head_file, error)),
    };
    let _lock = match &head_file {
        Some(file) => Some(crate::view::lock_for_reading(file, &layout.head_file)?),
        None => None,
    };
    let (head, head_damaged) = match &head_file {
        Some(file) => {
            let head = read_head(file, &layout.head_file)?;
            let length = file.metadata().map_err(|e| AuditError::io(&layout.head_file, e))?.len();
            let damaged = head.is_none() && length > 0;
            (head, damaged)
        }
        None => (None, false),
    };
    let mut untrusted = Vec::new();
    let mut refuse = |segment: Option<u64>, path: &Path, reason: String| {
        untrusted.push(Problem {
            kind: ProblemKind::Untrusted,
            segment,
            line: None,
            seq: None,
            message: format!("{}: {reason}; Ward does not read or write it", path.display()),
        });
    };
    if let Ok(Some(reason)) = trust::check_dir(&layout.spool_dir) {
        refuse(None, &layout.spool_dir, reason);
    }
    if let Ok(m) = std::fs::symlink_metadata(&layout.head_file) {
        let reason = if m.file_type().is_symlink() {
            Some("a symbolic link".to_owned())
        } else {
            trust::untrusted_reason(&m, false)
        };
        if let Some(reason) = reason {
            refuse(None, &layout.head_file, reason);
        }
    }
    let mut segments = Vec::new();
    for segment in read::list_segments(&layout.spool_dir)? {
        let m = std::fs::symlink_metadata(&segment.path).map_err(|e| AuditError::io(&segment.path, e))?;
        let reason = if m.file_type().is_symlink() {
            Some("a symbolic link".to_owned())
        } else {
            trust::untrusted_reason(&m, false)
        };
        if let Some(reason) = reason {
            refuse(Some(segment.first_seq), &segment.path, reason);
            continue;
        }
        segments.push((segment, m.len()));
    }
    for dir in [&layout.spool_dir, &layout.data_dir] {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(trust::QUARANTINE_PREFIX))
            .collect();
        names.sort();
        for name in names {
            refuse(
                None,
                &dir.join(&name),
                "a spool file Ward refused and moved aside (a symlink, or not this user's private file)"
                    .to_owned(),
            );
        }
    }
    let checkpoint = read::read_checkpoint(&layout.checkpoint_file)?;
    Ok(Snapshot { head, head_damaged, segments, checkpoint, untrusted })
}

/// The chain check, fed one line at a time.
struct ChainCheck {
    device: Option<String>,
    checkpoint: Option<Checkpoint>,
    /// Seq and hash that the first event must link to.
    anchor: (u64, String),
    /// The last event accepted into the chain.
    last: Option<(u64, String)>,
    events: u64,
    first_seq: Option<u64>,
    problems: Vec<Problem>,
    /// The anchor's seq, whose event's hash is noted in `hash_at_watch`.
    watch_seq: Option<u64>,
    hash_at_watch: Option<String>,
}

impl ChainCheck {
    fn new(device: Option<String>, checkpoint: Option<Checkpoint>) -> ChainCheck {
        let anchor = match &checkpoint {
            Some(c) => (c.seq, c.hash.clone()),
            None => (0, GENESIS_HASH.to_owned()),
        };
        ChainCheck {
            device,
            checkpoint,
            anchor,
            last: None,
            events: 0,
            first_seq: None,
            problems: Vec::new(),
            watch_seq: None,
            hash_at_watch: None,
        }
    }

    fn report(&mut self, line: &SpooledLine, seq: Option<u64>, kind: ProblemKind, message: String) {
        self.problems.push(Problem {
            kind,
            segment: Some(line.segment),
            line: Some(line.line),
            seq,
            message,
        });
    }

    fn line(&mut self, line: &SpooledLine) {
        match line.end {
            LineEnd::Complete => {}
            LineEnd::Torn => {
                let message = format!(
                    "incomplete last line ({} bytes without a newline): a write that never finished \
                     (the next append removes it) or a truncated segment",
                    line.bytes.len()
                );
                return self.report(line, None, ProblemKind::TornLine, message);
            }
            LineEnd::Oversized => {
                let message = format!("line longer than {MAX_LINE_BYTES} bytes");
                return self.report(line, None, ProblemKind::Unparsable, message);
            }
        }
        let object = match serde_json::from_slice::<Value>(&line.bytes) {
            Ok(Value::Object(object)) => object,
            Ok(_) => {
                return self.report(line, None, ProblemKind::Unparsable, "not a JSON object".to_owned());
            }
            // serde_json's message names a line and column, never the content.
            Err(error) => {
                return self.report(line, None, ProblemKind::Unparsable, format!("not JSON: {error}"))
            }
        };
        let fields = (
            object.get("seq").and_then(Value::as_u64),
            object.get("prev_hash").and_then(Value::as_str).filter(|h| chain::is_hash(h)),
            object.get("hash").and_then(Value::as_str).filter(|h| chain::is_hash(h)),
        );
        let (Some(seq), Some(prev_hash), Some(hash)) = fields else {
            let message = "missing or malformed `seq`, `prev_hash` or `hash`".to_owned();
            return self.report(line, None, ProblemKind::Unparsable, message);
        };
        self.events += 1;
        self.first_seq.get_or_insert(seq);
        if self.watch_seq == Some(seq) {
            self.hash_at_watch = Some(hash.to_owned());
        }
        self.check_content(line, seq, hash, &object);
        self.check_link(line, seq, prev_hash, hash);
    }

    fn check_content(&mut self, line: &SpooledLine, seq: u64, hash: &str, object: &Map<String, Value>) {
        if chain::hash_object(object) != hash {
            let message = "the hash does not match the event's content: the event was changed".to_owned();
            self.report(line, Some(seq), ProblemKind::BadHash, message);
        }
        if chain::canonical_object(object) != line.bytes {
            let message = "the line is not in canonical form: it was rewritten outside Ward".to_owned();
            self.report(line, Some(seq), ProblemKind::NotCanonical, message);
        }
        if let Some(device) = &self.device {
            if object.get("device").and_then(Value::as_str) != Some(device.as_str()) {
                let message = format!("the event is not from this device ({device})");
                self.report(line, Some(seq), ProblemKind::ForeignDevice, message);
            }
        }
        if let Some(checkpoint) = &self.checkpoint {
            if seq == checkpoint.seq && hash != checkpoint.hash {
                let message = "the event differs from the one the checkpoint acknowledged".to_owned();
                self.report(line, Some(seq), ProblemKind::BrokenLink, message);
            }
        }
    }

    fn check_link(&mut self, line: &SpooledLine, seq: u64, prev_hash: &str, hash: &str) {
        let (last_seq, last_hash) = match &self.last {
            Some((s, h)) => (*s, h.clone()),
            None => {
                let (anchor_seq, anchor_hash) = self.anchor.clone();
                if seq <= anchor_seq && self.checkpoint.is_some() {
                    // Leftovers of an acknowledged segment: they start the chain we can check.
                    self.last = Some((seq, hash.to_owned()));
                    return;
                }
                (anchor_seq, anchor_hash)
            }
        };
        let expected = last_seq.saturating_add(1);
        if seq == expected {
            if prev_hash != last_hash {
                let what = if self.last.is_some() { "the previous event" } else { "its anchor" };
                let message = format!("prev_hash is not the hash of {what} (seq {last_seq})");
                self.report(line, Some(seq), ProblemKind::BrokenLink, message);
            }
            self.last = Some((seq, hash.to_owned()));
        } else if seq > expected {
            let message = missing(expected, seq - 1);
            self.report(line, Some(seq), ProblemKind::Gap, message);
            self.last = Some((seq, hash.to_owned()));
        } else {
            let message = format!("seq {seq} after seq {last_seq}: a repeated or reordered event");
            self.report(line, Some(seq), ProblemKind::Duplicate, message);
        }
    }

    fn finish(mut self, head: Option<Head>, device: Option<String>, segments: usize) -> VerifyReport {
        let last_seq = self.last.as_ref().map(|(seq, _)| *seq);
        let end = last_seq.unwrap_or(self.anchor.0);
        if let Some(head) = head {
            if head.seq > end {
                self.problems.push(Problem {
                    kind: ProblemKind::Gap,
                    segment: None,
                    line: None,
                    seq: Some(head.seq),
                    message: format!(
                        "the head records seq {} as written but the spool ends at seq {end}: {}",
                        head.seq,
                        missing(end + 1, head.seq)
                    ),
                });
            }
        }
        VerifyReport {
            schema_version: VERIFY_REPORT_VERSION,
            device,
            events: self.events,
            segments,
            first_seq: self.first_seq,
            last_seq,
            checkpoint: self.checkpoint,
            anchor: AnchorReport { state: "missing", device: None, seq: None, hash: None },
            hash_at_anchor: self.hash_at_watch,
            problems: self.problems,
        }
    }
}

fn missing(from: u64, to: u64) -> String {
    if from == to {
        format!("seq {from} is missing")
    } else {
        format!("seqs {from}..={to} are missing")
    }
}
