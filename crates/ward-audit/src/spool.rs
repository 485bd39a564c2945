//! Appending to the spool: the device id, the lock, the head state file, durable writes,
//! segment rotation, crash recovery, and the shipper's acknowledgement (checkpoint + removal of
//! shipped segments).
//!
//! The append path costs a handful of system calls and one `fdatasync`: lock the head file, read
//! its fixed-size record (last seq, last hash, current segment and its committed length), check
//! the segment's length against it, write the line with one `pwrite`, `fdatasync` the segment,
//! rewrite the head record, unlock. Nothing is scanned. Only when the head and the segment
//! disagree (a crash, a torn write, a lost or damaged head) is the current segment read to find
//! the true end of the chain.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use ward_model::event::EVENT_SCHEMA_VERSION;
use ward_model::{Event, EventKind, EventTime};

use crate::chain::{self, GENESIS_HASH};
use crate::fault;
use crate::fslock::{FileLock, LockMode};
use crate::read::{self, Checkpoint, LineEnd, Segment, SpoolReader, MAX_LINE_BYTES};
use crate::trust::{self, Missing, Quarantined};
use crate::{anchor, pending, AuditError};

/// Size at which a segment is closed and the next event starts a new one (16 MiB).
pub const DEFAULT_SEGMENT_LIMIT: u64 = 16 << 20;

/// An event with only its kind set, for the caller to fill in and pass to [`Spool::append`],
/// which sets the chain fields (`schema_version`, `id`, `seq`, `device`, `time`, `prev_hash`,
/// `hash`).
pub fn draft_event(kind: EventKind) -> Event {
    Event::draft(kind)
}

/// When [`Spool::append`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// After `fdatasync` of the segment: the event survives a crash or power loss. What the hook
    /// needs ("the spool is durable before the hook answers"); the default.
    #[default]
    Synced,
    /// After the write reached the OS: survives the process dying, not the machine. Only for
    /// measuring what the sync costs and for throwaway spools.
    OsBuffered,
}

/// Where the spool's files are under a data directory.
#[derive(Debug, Clone)]
pub struct SpoolLayout {
    pub data_dir: PathBuf,
    /// `<data_dir>/device.id`: this device's UUID, the owner of the chain.
    pub device_id_file: PathBuf,
    /// `<data_dir>/spool/`: segments and state, mode 0700.
    pub spool_dir: PathBuf,
    /// `spool/head`: the lock file and the fixed-size record of the chain's end.
    pub head_file: PathBuf,
    /// `spool/checkpoint`: the last event the shipper got acknowledged.
    pub checkpoint_file: PathBuf,
}

impl SpoolLayout {
    pub fn new(data_dir: &Path) -> SpoolLayout {
        let spool_dir = data_dir.join("spool");
        SpoolLayout {
            data_dir: data_dir.to_owned(),
            device_id_file: data_dir.join("device.id"),
            head_file: spool_dir.join("head"),
            checkpoint_file: spool_dir.join("checkpoint"),
            spool_dir,
        }
    }

    pub fn segment_path(&self, first_seq: u64) -> PathBuf {
        self.spool_dir.join(read::segment_file_name(first_seq))
    }
}

/// The end of the chain as recorded in `spool/head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// Seq of the last event (0 before the first).
    pub seq: u64,
    /// Hash of the last event ([`GENESIS_HASH`] before the first).
    pub hash: String,
    /// First seq (name) of the segment appends go to.
    pub segment: u64,
    /// Bytes of that segment that hold complete, durable events.
    pub len: u64,
}

/// `ward-spool-head 1 seq=<20> segment=<20> len=<20> hash=<64> check=<16>\n`.
const HEAD_RECORD_LEN: usize = 190;
const HEAD_MAGIC: &str = "ward-spool-head 1";

impl Head {
    fn encode(&self) -> Vec<u8> {
        let body = format!(
            "{HEAD_MAGIC} seq={:020} segment={:020} len={:020} hash={}",
            self.seq, self.segment, self.len, self.hash
        );
        let check = head_check(body.as_bytes());
        format!("{body} check={check}\n").into_bytes()
    }

    /// Parses a head record; `None` if it is missing, short, damaged or inconsistent.
    fn decode(record: &[u8]) -> Option<Head> {
        let text = std::str::from_utf8(record.get(..HEAD_RECORD_LEN)?).ok()?;
        let text = text.strip_suffix('\n')?;
        let (body, check) = text.rsplit_once(" check=")?;
        if check != head_check(body.as_bytes()) {
            return None;
        }
        let rest = body.strip_prefix(HEAD_MAGIC)?;
        let mut fields = rest.split(' ').skip(1);
        let seq = fields.next()?.strip_prefix("seq=")?.parse().ok()?;
        let segment = fields.next()?.strip_prefix("segment=")?.parse().ok()?;
        let len = fields.next()?.strip_prefix("len=")?.parse().ok()?;
        let hash = fields.next()?.strip_prefix("hash=")?;
        if fields.next().is_some() || !chain::is_hash(hash) {
            return None;
        }
        Some(Head { seq, hash: hash.to_owned(), segment, len })
    }
}

fn head_check(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    hex::encode(digest.get(..8).unwrap_or_default())
}

/// Reads the head record; `None` if the file is empty or the record is not intact.
pub(crate) fn read_head(file: &File, path: &Path) -> Result<Option<Head>, AuditError> {
    let mut record = [0u8; HEAD_RECORD_LEN];
    let mut filled = 0;
    while filled < HEAD_RECORD_LEN {
        let Some(rest) = record.get_mut(filled..) else { break };
        match file.read_at(rest, filled as u64) {
            Ok(0) => return Ok(None),
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(AuditError::io(path, error)),
        }
    }
    Ok(Head::decode(&record))
}

/// An open spool of this device. Each hook process opens one and appends one event; a
/// long-running process may append many. Any number of `Spool`s, in any number of threads and
/// processes, may append at once: the lock keeps them in one gapless chain.
pub struct Spool {
    head_file: File,
    writer: Writer,
}

/// Everything but the lock file, so the lock guard can borrow that while this is mutated.
struct Writer {
    layout: SpoolLayout,
    device: String,
    /// The segment last appended to, kept open across appends.
    segment: Option<(u64, File)>,
    segment_limit: u64,
    durability: Durability,
    /// Files refused (symlinks, foreign or loosely permitted files) and moved aside.
    refused: Vec<Quarantined>,
}

impl Spool {
    /// Opens (creating on first use, mode 0700/0600) the spool under `data_dir`, and this device's
    /// id. Does not read the spool.
    pub fn open(data_dir: &Path) -> Result<Spool, AuditError> {
        let layout = SpoolLayout::new(data_dir);
        let mut refused = Vec::new();
        // The spool directory itself: never through a symlink, never someone else's.
        match trust::check_dir(&layout.spool_dir) {
            Ok(None) => {}
            Ok(Some(reason)) => {
                refused.push(
                    trust::quarantine(&layout.spool_dir, reason)
                        .map_err(|e| AuditError::io(&layout.spool_dir, e))?,
                );
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(AuditError::io(&layout.spool_dir, error)),
        }
        let head_file = match trust::open(&layout.head_file, Missing::Create, &mut refused) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                create_private_dir(&layout.spool_dir)?;
                trust::open(&layout.head_file, Missing::Create, &mut refused)
                    .map_err(|e| AuditError::io(&layout.head_file, e))?
            }
            Err(error) => return Err(AuditError::io(&layout.head_file, error)),
        };
        let device = load_or_create_device_id(&layout, &head_file)?;
        Ok(Spool {
            head_file,
            writer: Writer {
                layout,
                device,
                segment: None,
                segment_limit: DEFAULT_SEGMENT_LIMIT,
                durability: Durability::Synced,
                refused,
            },
        })
    }

    /// Spool files that were refused (a symlink, another user's file, one writable by others)
    /// and renamed aside since this spool was opened. `ward audit verify` reports them too.
    pub fn refused(&self) -> &[Quarantined] {
        &self.writer.refused
    }

    /// Closes a segment once it reaches `bytes` (at least one event per segment). Tests use small
    /// limits; the default is [`DEFAULT_SEGMENT_LIMIT`].
    pub fn with_segment_limit(mut self, bytes: u64) -> Spool {
        self.writer.segment_limit = bytes.max(1);
        self
    }

    /// See [`Durability`]; the default is [`Durability::Synced`].
    pub fn with_durability(mut self, durability: Durability) -> Spool {
        self.writer.durability = durability;
        self
    }

    /// This device's id: the `device` of every event it appends.
    pub fn device(&self) -> &str {
        &self.writer.device
    }

    pub fn layout(&self) -> &SpoolLayout {
        &self.writer.layout
    }

    /// Appends one event and makes it durable before returning it.
    ///
    /// `draft` supplies the content (kind, agent, …, input — already redacted by the caller; it
    /// is stored exactly as given). The spool sets `schema_version`, `id` (UUIDv7), `seq`,
    /// `device`, `time`, `prev_hash` and `hash`, whatever the draft held, and returns the event as
    /// stored.
    pub fn append(&mut self, draft: Event) -> Result<Event, AuditError> {
        let _lock = FileLock::acquire(&self.head_file, LockMode::Exclusive)
            .map_err(|e| AuditError::io(&self.writer.layout.head_file, e))?;
        // Deadline answers recorded while the chain could not be appended to go first, in the
        // order they were given (see `pending`). A problem with them never blocks this event.
        let _ = self.writer.adopt_pending(&self.head_file);
        self.writer.append_locked(&self.head_file, draft, false)
    }

    /// Records that the server acknowledged every event up to `checkpoint.seq` (which must be in
    /// the spool with `checkpoint.hash`): writes the checkpoint durably, then removes the segments
    /// that hold only acknowledged events. The current segment is never removed. Returns the
    /// removed segment files. Acknowledging a seq at or below the current checkpoint does nothing.
    pub fn acknowledge(&mut self, checkpoint: &Checkpoint) -> Result<Vec<PathBuf>, AuditError> {
        let _lock = FileLock::acquire(&self.head_file, LockMode::Exclusive)
            .map_err(|e| AuditError::io(&self.writer.layout.head_file, e))?;
        self.writer.acknowledge_locked(checkpoint)
    }
}

impl Writer {
    fn adopt_pending(&mut self, head_file: &File) -> Result<(), AuditError> {
        let Some(mut adopting) = pending::take(&self.layout.data_dir, &mut self.refused)
            .map_err(|e| AuditError::io(&self.layout.data_dir, e))?
        else {
            return Ok(());
        };
        let mut chained = 0;
        loop {
            let events = adopting.events_after(chained).map_err(|e| AuditError::io(&adopting.path, e))?;
            if events.is_empty() {
                break;
            }
            for event in events {
                self.append_locked(head_file, event, true)?;
                chained += 1;
            }
        }
        let path = adopting.path.clone();
        adopting.finish().map_err(|e| AuditError::io(path, e))
    }

    /// `keep_id`: the draft's `id` stays (a pending event keeps the id it was drafted with, so
    /// a repeated adoption after a crash is recognisable as the same event).
    fn append_locked(
        &mut self,
        head_file: &File,
        mut event: Event,
        keep_id: bool,
    ) -> Result<Event, AuditError> {
        let mut head = match read_head(head_file, &self.layout.head_file)? {
            Some(head) if self.segment_is_at(&head)? => head,
            other => self.recover(head_file, other)?,
        };
        event.schema_version = EVENT_SCHEMA_VERSION;
        event.device.clone_from(&self.device);
        event.time = EventTime::from_datetime(OffsetDateTime::now_utc());
        // Rotation is a size preference: if starting the next segment fails even after recovery
        // (misnamed segments), the event goes into the current one rather than nowhere.
        let mut may_rotate = true;
        loop {
            event.seq = head.seq.checked_add(1).ok_or(AuditError::SequenceExhausted)?;
            if !keep_id || uuid::Uuid::parse_str(&event.id).is_err() {
                event.id = uuid::Uuid::now_v7().to_string();
            }
            event.prev_hash.clone_from(&head.hash);
            let line = chain::seal(&mut event)?;
            if line.len() > MAX_LINE_BYTES {
                return Err(AuditError::EventTooLarge { bytes: line.len(), limit: MAX_LINE_BYTES });
            }
            let full = head.len > 0 && head.len.saturating_add(line.len() as u64) > self.segment_limit;
            if full && may_rotate {
                match self.rotate(head_file, &head, event.seq)? {
                    Some(rotated) => head = rotated,
                    None => {
                        // The next segment already exists: a rotation that crashed. Find the
                        // real end of the chain and seal again on top of it.
                        head = self.recover(head_file, Some(head))?;
                        may_rotate = false;
                        continue;
                    }
                }
            }
            self.write_durably(&head, &line)?;
            let next = Head {
                seq: event.seq,
                hash: event.hash.clone(),
                segment: head.segment,
                len: head.len + line.len() as u64,
            };
            // Not synced: the segment is the truth, and a stale head only sends the next append
            // through `recover`, which re-reads the segment's complete lines. For the same reason
            // a failure to update the head is not a failure of the append: the event is durable
            // and in the chain, and reporting an error would make the caller answer as if it
            // were not (a fail-closed hook would deny a call the spool records as allowed).
            let _ = fault::check(fault::Point::HeadWrite)
                .map_err(|e| AuditError::io(&self.layout.head_file, e))
                .and_then(|()| write_head(head_file, &self.layout.head_file, &next, false));
            let end =
                anchor::Anchor { device: self.device.clone(), seq: event.seq, hash: event.hash.clone() };
            // Not a failure of the append either (see above); verify reports a stale anchor.
            let _ = fault::check(fault::Point::Anchor)
                .and_then(|()| anchor::advance(&self.layout.data_dir, &end, &mut self.refused));
            return Ok(event);
        }
    }

    /// Opens the head's segment if needed and tells whether its length matches the head.
    fn segment_is_at(&mut self, head: &Head) -> Result<bool, AuditError> {
        if self.segment.as_ref().map(|(first, _)| *first) != Some(head.segment) {
            let path = self.layout.segment_path(head.segment);
            match trust::open(&path, Missing::Fail, &mut self.refused) {
                Ok(file) => self.segment = Some((head.segment, file)),
                Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
                Err(error) => return Err(AuditError::io(path, error)),
            }
        }
        let Some((first, file)) = &self.segment else { return Ok(false) };
        let length = file.metadata().map_err(|e| AuditError::io(self.layout.segment_path(*first), e))?.len();
        Ok(length == head.len)
    }

    fn write_durably(&mut self, head: &Head, line: &[u8]) -> Result<(), AuditError> {
        let path = self.layout.segment_path(head.segment);
        let Some((_, file)) = self.segment.as_ref().filter(|(first, _)| *first == head.segment) else {
            return Err(AuditError::io(path, io::Error::other("segment is not open")));
        };
        let written = fault::check(fault::Point::SegmentWrite)
            .and_then(|()| file.write_all_at(line, head.len))
            .and_then(|()| fault::check(fault::Point::SegmentSync))
            .and_then(|()| match self.durability {
                Durability::Synced => file.sync_data(),
                Durability::OsBuffered => Ok(()),
            });
        if let Err(error) = written {
            // Undo a partial line now rather than leave it for the next append's recovery; if
            // this fails too, recovery truncates it then. The event was never acknowledged.
            let _ = file.set_len(head.len);
            return Err(AuditError::io(path, error));
        }
        Ok(())
    }

    /// Starts segment `first_seq`. `None` if it already exists.
    fn rotate(&mut self, head_file: &File, head: &Head, first_seq: u64) -> Result<Option<Head>, AuditError> {
        let path = self.layout.segment_path(first_seq);
        let file = match OpenOptions::new().read(true).write(true).create_new(true).mode(0o600).open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
            Err(error) => return Err(AuditError::io(path, error)),
        };
        sync_dir(&self.layout.spool_dir)?;
        let rotated = Head { seq: head.seq, hash: head.hash.clone(), segment: first_seq, len: 0 };
        // Synced, so that the head never points at an older segment than the newest one in use.
        write_head(head_file, &self.layout.head_file, &rotated, true)?;
        self.segment = Some((first_seq, file));
        Ok(Some(rotated))
    }

    /// Finds the true end of the chain from the files when the head record is missing, damaged,
    /// or disagrees with its segment; truncates a torn last line (a write that never completed,
    /// so never acknowledged); and rewrites the head durably.
    fn recover(&mut self, head_file: &File, known: Option<Head>) -> Result<Head, AuditError> {
        let segments = read::list_segments(&self.layout.spool_dir)?;
        let checkpoint = read::read_checkpoint(&self.layout.checkpoint_file)?;
        let newest = segments.last().map(|s| s.first_seq);
        let known_segment = known.as_ref().map(|h| h.segment);
        let target = match (known_segment, newest) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => checkpoint.as_ref().map_or(1, |c| c.seq.saturating_add(1)),
        };
        let path = self.layout.segment_path(target);
        let file = match trust::open(&path, Missing::Fail, &mut self.refused) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let file = trust::open(&path, Missing::Create, &mut self.refused)
                    .map_err(|e| AuditError::io(&path, e))?;
                sync_dir(&self.layout.spool_dir)?;
                file
            }
            Err(error) => return Err(AuditError::io(path, error)),
        };
        let length = file.metadata().map_err(|e| AuditError::io(&path, e))?.len();

        let mut end: Option<(u64, String)> = known.as_ref().map(|h| (h.seq, h.hash.clone()));
        let scan = scan_segment(Segment { first_seq: target, path: path.clone() }, end.clone())?;
        if let Some(advanced) = scan.chained_end {
            end = Some(advanced);
        }
        if end.is_none() {
            end = scan.last_event;
        }
        if end.is_none() {
            // An empty newest segment: the chain ends in an older one.
            for older in segments.iter().rev().filter(|s| s.first_seq < target) {
                if let Some(last) = scan_segment(older.clone(), None)?.last_event {
                    end = Some(last);
                    break;
                }
            }
        }
        let (mut seq, mut hash) = end
            .or_else(|| checkpoint.map(|c| (c.seq, c.hash)))
            .unwrap_or_else(|| (0, GENESIS_HASH.to_owned()));
        // Events the anchor saw are gone (an emptied or truncated spool): go on from the anchor,
        // so the chain does not restart and the loss stays visible as a gap.
        if let Ok(anchor::AnchorState::Valid(a)) = anchor::read(&self.layout.data_dir) {
            if a.device == self.device && a.seq > seq {
                (seq, hash) = (a.seq, a.hash);
            }
        }
        if scan.clean_len < length {
            file.set_len(scan.clean_len)
                .and_then(|()| file.sync_data())
                .map_err(|e| AuditError::io(&path, e))?;
        }
        let head = Head { seq, hash, segment: target, len: scan.clean_len };
        write_head(head_file, &self.layout.head_file, &head, true)?;
        self.segment = Some((target, file));
        Ok(head)
    }

    fn acknowledge_locked(&mut self, checkpoint: &Checkpoint) -> Result<Vec<PathBuf>, AuditError> {
        let refuse =
            |reason: &str| AuditError::Acknowledge { seq: checkpoint.seq, reason: reason.to_owned() };
        if let Some(current) = read::read_checkpoint(&self.layout.checkpoint_file)? {
            if checkpoint.seq < current.seq {
                return Ok(Vec::new());
            }
            if checkpoint.seq == current.seq {
                return if checkpoint.hash == current.hash {
                    Ok(Vec::new())
                } else {
                    Err(refuse("the existing checkpoint has another hash for it"))
                };
            }
        }
        if checkpoint.seq == 0 {
            return Err(refuse("seq starts at 1"));
        }
        let mut found = false;
        for line in SpoolReader::after(&self.layout.spool_dir, checkpoint.seq - 1)? {
            let line = line?;
            let Ok(event) = line.event() else { continue };
            if event.seq == checkpoint.seq {
                if event.hash != checkpoint.hash {
                    return Err(refuse("the spooled event has another hash"));
                }
                found = true;
                break;
            }
        }
        if !found {
            return Err(refuse("no such event in the spool"));
        }
        write_checkpoint(&self.layout, checkpoint)?;

        let segments = read::list_segments(&self.layout.spool_dir)?;
        let mut removed = Vec::new();
        for pair in segments.windows(2) {
            let [segment, next] = pair else { continue };
            // Every event of `segment` precedes `next.first_seq`; all are acknowledged if that is
            // at most one past the checkpoint.
            if next.first_seq <= checkpoint.seq.saturating_add(1) {
                std::fs::remove_file(&segment.path).map_err(|e| AuditError::io(&segment.path, e))?;
                removed.push(segment.path.clone());
            }
        }
        if !removed.is_empty() {
            sync_dir(&self.layout.spool_dir)?;
        }
        if self.segment.as_ref().is_some_and(|(first, _)| removed.contains(&self.layout.segment_path(*first)))
        {
            self.segment = None;
        }
        Ok(removed)
    }
}

/// What reading one segment tells recovery.
struct SegmentScan {
    /// Bytes up to the end of the last complete line: where the next event goes.
    clean_len: u64,
    /// The last event that links onto the known end of the chain (following it line by line).
    chained_end: Option<(u64, String)>,
    /// The last line that parses as an event at all, linked or not.
    last_event: Option<(u64, String)>,
}

fn scan_segment(segment: Segment, mut chained: Option<(u64, String)>) -> Result<SegmentScan, AuditError> {
    let mut clean_len = 0;
    let mut advanced = false;
    let mut last_event = None;
    for line in SpoolReader::new(vec![(segment, None)]) {
        let line = line?;
        if line.end == LineEnd::Torn {
            break;
        }
        clean_len = line.offset + line.stored_len();
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&line.bytes) else { continue };
        let seq = object.get("seq").and_then(Value::as_u64);
        let prev = object.get("prev_hash").and_then(Value::as_str);
        let hash = object.get("hash").and_then(Value::as_str);
        let (Some(seq), Some(prev), Some(hash)) = (seq, prev, hash) else { continue };
        last_event = Some((seq, hash.to_owned()));
        if let Some((end_seq, end_hash)) = &chained {
            if seq == end_seq.saturating_add(1) && prev == end_hash && chain::hash_object(&object) == hash {
                chained = Some((seq, hash.to_owned()));
                advanced = true;
            }
        }
    }
    Ok(SegmentScan { clean_len, chained_end: if advanced { chained } else { None }, last_event })
}

fn write_head(file: &File, path: &Path, head: &Head, sync: bool) -> Result<(), AuditError> {
    let record = head.encode();
    debug_assert_eq!(record.len(), HEAD_RECORD_LEN);
    file.write_all_at(&record, 0).map_err(|e| AuditError::io(path, e))?;
    if sync {
        file.sync_data().map_err(|e| AuditError::io(path, e))?;
    }
    Ok(())
}

fn write_checkpoint(layout: &SpoolLayout, checkpoint: &Checkpoint) -> Result<(), AuditError> {
    let temporary = layout.spool_dir.join("checkpoint.tmp");
    let mut bytes = serde_json::to_vec(checkpoint)?;
    bytes.push(b'\n');
    write_new_file_durably(&temporary, &bytes)?;
    std::fs::rename(&temporary, &layout.checkpoint_file)
        .map_err(|e| AuditError::io(&layout.checkpoint_file, e))?;
    sync_dir(&layout.spool_dir)
}

/// Reads this device's id, creating it (a random UUID) on first use. Creation happens under the
/// spool lock so that two first hooks cannot both create one.
fn load_or_create_device_id(layout: &SpoolLayout, head_file: &File) -> Result<String, AuditError> {
    if let Some(id) = read_device_id(&layout.device_id_file)? {
        return Ok(id);
    }
    let _lock = FileLock::acquire(head_file, LockMode::Exclusive)
        .map_err(|e| AuditError::io(&layout.head_file, e))?;
    if let Some(id) = read_device_id(&layout.device_id_file)? {
        return Ok(id);
    }
    // A lost device id with an anchor left: the chain is the anchor's device's, not a new one.
    let id = match anchor::read(&layout.data_dir) {
        Ok(anchor::AnchorState::Valid(a)) if uuid::Uuid::parse_str(&a.device).is_ok() => a.device,
        _ => uuid::Uuid::new_v4().hyphenated().to_string(),
    };
    let temporary = layout.data_dir.join("device.id.tmp");
    write_new_file_durably(&temporary, format!("{id}\n").as_bytes())?;
    std::fs::rename(&temporary, &layout.device_id_file)
        .map_err(|e| AuditError::io(&layout.device_id_file, e))?;
    sync_dir(&layout.data_dir)?;
    Ok(id)
}

pub(crate) fn read_device_id(path: &Path) -> Result<Option<String>, AuditError> {
    let mut text = String::new();
    match File::open(path).and_then(|file| file.take(256).read_to_string(&mut text)) {
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) if error.kind() == io::ErrorKind::InvalidData => {
            return Err(AuditError::DeviceId { path: path.to_owned(), reason: "not UTF-8".to_owned() })
        }
        Err(error) => return Err(AuditError::io(path, error)),
    }
    match uuid::Uuid::parse_str(text.trim()) {
        Ok(id) => Ok(Some(id.hyphenated().to_string())),
        Err(error) => Err(AuditError::DeviceId { path: path.to_owned(), reason: error.to_string() }),
    }
}

fn write_new_file_durably(path: &Path, bytes: &[u8]) -> Result<(), AuditError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| AuditError::io(path, e))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        // A full disk must not leave the partial temp file behind.
        let _ = std::fs::remove_file(path);
        return Err(AuditError::io(path, e));
    }
    Ok(())
}

/// Creates `dir` and missing parents with mode 0700, and makes the new entries durable.
fn create_private_dir(dir: &Path) -> Result<(), AuditError> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| AuditError::io(dir, e))?;
    sync_dir(dir)?;
    if let Some(parent) = dir.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// `fsync` of a directory: makes a created, renamed or removed entry durable.
fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| AuditError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_record_round_trips_and_rejects_damage() {
        let head = Head { seq: 42, hash: "ab".repeat(32), segment: 17, len: 123_456 };
        let record = head.encode();
        assert_eq!(record.len(), HEAD_RECORD_LEN);
        assert_eq!(Head::decode(&record), Some(head.clone()));
        for index in 0..record.len() {
            let mut damaged = record.clone();
            damaged[index] ^= 0x01;
            assert_eq!(Head::decode(&damaged), None, "byte {index}");
        }
        assert_eq!(Head::decode(&record[..100]), None);
        assert_eq!(Head::decode(b""), None);
        let max = Head { seq: u64::MAX, hash: GENESIS_HASH.to_owned(), segment: u64::MAX, len: u64::MAX };
        assert_eq!(max.encode().len(), HEAD_RECORD_LEN);
    }

    #[test]
    fn time_format_is_rfc3339_utc_micros() {
        let text = EventTime::from_datetime(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(text.as_str(), "1970-01-01T00:00:00.000000Z");
    }
}
