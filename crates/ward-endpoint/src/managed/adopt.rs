//! Adoption: events a hook recorded in the user's own spool because the daemon was unreachable
//! are copied into the managed spool later, flagged `detail.managed.via = "adopted"` with where
//! they came from and what the user chain's verification said about them.
//!
//! The daemon learns a user's data directory from that user's hook (`fallback_dir` of an
//! `append`) and keeps it with the uid the kernel gave for the connection. It reads only what
//! that uid owns: the directory and `spool/` are checked without following links, every segment
//! is opened with `O_NOFOLLOW` and checked with `fstat` on the opened file (regular, owned by the
//! uid), so a user can make the daemon read nothing but the user's own files, and every adopted
//! event is attributed to the uid owning the file it came from, never to what the event says.
//!
//! Exactly once: per source the state keeps the user chain's device and the last adopted
//! `(seq, hash)`; it is written after each batch together with the managed seq it accounts for,
//! and on start the managed spool's events after that seq are read back to advance the cursors
//! over adoptions a crash left unrecorded. The user chain is checked with the resumable verifier
//! as events are adopted: a gap (events deleted before adoption), a broken link, an edited event
//! or a restarted chain is written into the adopted event's `chain` findings.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::ops::ControlFlow;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ward_audit::read::{parse_segment_file_name, MAX_LINE_BYTES};
use ward_audit::{ChainCursor, Checkpoint, Spool, SpoolReader};
use ward_model::{Event, EventKind};
use ward_redact::Redactor;

use crate::record::redact_event;

/// Version of the adoption state file.
pub const STATE_VERSION: u32 = 1;
/// The adoption state's file name in the daemon's directory.
pub const STATE_FILE: &str = "adoption.json";
/// User data directories the daemon keeps per uid at most (a user cannot make it watch more).
pub const MAX_SOURCES_PER_UID: usize = 16;
/// Events adopted per source and round at most; the rest waits for the next round.
pub const MAX_EVENTS_PER_ROUND: usize = 5_000;
/// Bytes read per segment file at most (a user's file can be anything).
const MAX_SEGMENT_BYTES: u64 = 64 << 20;

/// A user's data directory the daemon adopts from, and how far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub uid: u32,
    pub data_dir: PathBuf,
    /// The user chain's device, once an event of it was adopted.
    pub device: Option<String>,
    /// The last adopted event of that chain (0 and the genesis hash before the first).
    pub seq: u64,
    pub hash: String,
    /// Events adopted from this source in all.
    pub adopted: u64,
}

/// The adoption state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdoptionState {
    pub schema_version: u32,
    /// The managed spool's seq up to which the cursors account for adopted events.
    pub managed_seq: u64,
    pub sources: Vec<Source>,
}

impl Default for AdoptionState {
    fn default() -> AdoptionState {
        AdoptionState { schema_version: STATE_VERSION, managed_seq: 0, sources: Vec::new() }
    }
}

/// Why adoption could not go on.
#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    #[error("cannot read the adoption state {path}: {reason}")]
    State { path: PathBuf, reason: String },
    #[error("cannot write the adoption state {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("the managed spool: {0}")]
    Spool(#[from] ward_audit::AuditError),
}

/// What one round did, per source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub adopted: u64,
    /// Events of another kind than `decision` (a hook records nothing else), not adopted.
    pub skipped: u64,
    /// Findings about the user chains (gaps, edits, restarts).
    pub findings: u64,
    /// Sources that could not be read, and why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Events the daemon had stored through the socket already (the hook timed out on the
    /// answer and recorded them itself), not adopted again.
    pub duplicates: u64,
    /// A source had more than [`MAX_EVENTS_PER_ROUND`] events to adopt: another round is due.
    pub more: bool,
}

/// The adoption side of the daemon.
pub struct Adopter {
    state_path: PathBuf,
    /// The managed spool's own data directory: never a source (adopting from it would feed the
    /// spool its own events without end).
    own_data_dir: PathBuf,
    pub state: AdoptionState,
}

impl Adopter {
    /// Loads the state from `daemon_dir` and brings it up to date with the managed spool (see
    /// the module docs).
    pub fn load(daemon_dir: &Path, managed_spool_dir: &Path) -> Result<Adopter, AdoptError> {
        Adopter::load_noting(daemon_dir, managed_spool_dir, &mut |_| {})
    }

    /// As [`load`](Self::load); a damaged state file is not fatal: it is only a summary of
    /// the managed spool, which is read back whole to rebuild it (`note` hears about it).
    pub fn load_noting(
        daemon_dir: &Path,
        managed_spool_dir: &Path,
        note: &mut dyn FnMut(&str),
    ) -> Result<Adopter, AdoptError> {
        let state_path = daemon_dir.join(STATE_FILE);
        let state = match fs::read(&state_path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(state) => state,
                Err(e) => {
                    note(&format!(
                        "the adoption state {} is damaged ({e}); rebuilding it from the managed spool",
                        state_path.display()
                    ));
                    AdoptionState::default()
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => AdoptionState::default(),
            Err(e) => return Err(AdoptError::State { path: state_path, reason: e.to_string() }),
        };
        let own_data_dir = managed_spool_dir.parent().unwrap_or(managed_spool_dir).to_owned();
        let mut adopter = Adopter { state_path, own_data_dir, state };
        adopter.reconcile(managed_spool_dir)?;
        Ok(adopter)
    }

    /// Advances the cursors over adopted events the managed spool holds past `managed_seq`.
    fn reconcile(&mut self, managed_spool_dir: &Path) -> Result<(), AdoptError> {
        let mut last = self.state.managed_seq;
        for line in SpoolReader::after(managed_spool_dir, self.state.managed_seq)? {
            let line = line?;
            let Ok(event) = line.event() else { continue };
            if event.seq <= self.state.managed_seq {
                continue;
            }
            last = last.max(event.seq);
            let managed = &event.detail["managed"];
            if managed["via"] != "adopted" {
                continue;
            }
            let from = &managed["adopted"];
            let (Some(uid), Some(dir), Some(device), Some(seq), Some(hash)) = (
                managed["uid"].as_u64(),
                from["data_dir"].as_str(),
                from["device"].as_str(),
                from["seq"].as_u64(),
                from["hash"].as_str(),
            ) else {
                continue;
            };
            let Ok(uid) = u32::try_from(uid) else { continue };
            let found = self.state.sources.iter().position(|s| s.uid == uid && s.data_dir == Path::new(dir));
            let index = match found {
                Some(index) => index,
                None => {
                    // A source the state lost (damaged, or saved before it was added).
                    self.state.sources.push(Source {
                        uid,
                        data_dir: PathBuf::from(dir),
                        device: None,
                        seq: 0,
                        hash: ward_model::event::GENESIS_HASH.to_owned(),
                        adopted: 0,
                    });
                    self.state.sources.len() - 1
                }
            };
            let source = &mut self.state.sources[index];
            source.device = Some(device.to_owned());
            source.seq = seq;
            source.hash = hash.to_owned();
            source.adopted += 1;
        }
        if last != self.state.managed_seq {
            self.state.managed_seq = last;
            self.save()?;
        }
        Ok(())
    }

    /// Adds `data_dir` as `uid`'s source; `true` if it is new. Refused (`false`) when it is not a
    /// directory that `uid` owns (checked without following a link) or the uid has
    /// [`MAX_SOURCES_PER_UID`] already.
    pub fn register(&mut self, uid: u32, data_dir: &Path) -> Result<bool, AdoptError> {
        if !data_dir.is_absolute()
            || self.state.sources.iter().any(|s| s.uid == uid && s.data_dir == data_dir)
        {
            return Ok(false);
        }
        if owned_dir(data_dir, uid).is_err()
            || same_dir(data_dir, &self.own_data_dir)
            || self.state.sources.iter().filter(|s| s.uid == uid).count() >= MAX_SOURCES_PER_UID
        {
            return Ok(false);
        }
        self.state.sources.push(Source {
            uid,
            data_dir: data_dir.to_owned(),
            device: None,
            seq: 0,
            hash: ward_model::event::GENESIS_HASH.to_owned(),
            adopted: 0,
        });
        self.save()?;
        Ok(true)
    }

    /// Adopts what every source holds beyond its cursor into `spool`, redacting again with the
    /// daemon's key.
    pub fn adopt_all(
        &mut self,
        spool: &Mutex<Spool>,
        redactor: &Redactor,
        stored_calls: &HashSet<String>,
    ) -> Result<RoundReport, AdoptError> {
        let mut report = RoundReport::default();
        for index in 0..self.state.sources.len() {
            let source = self.state.sources[index].clone();
            let mut cursor = source.clone();
            let mut chain = ChainCursor::at(cursor.seq, cursor.hash.clone());
            let mut count = 0;
            let mut last_managed = None;
            let mut failure = None;
            let read = each_event(&source, |event, checkpoint| {
                let same_chain = cursor.device.as_deref() == Some(event.device.as_str());
                if same_chain && event.seq <= cursor.seq {
                    return ControlFlow::Continue(());
                }
                if count >= MAX_EVENTS_PER_ROUND {
                    report.more = true;
                    return ControlFlow::Break(());
                }
                let mut findings: Vec<Value> = Vec::new();
                if !same_chain {
                    if let Some(previous) = &cursor.device {
                        findings.push(json!({
                            "kind": "restart",
                            "seq": event.seq,
                            "message": format!(
                                "the user's spool is another chain (device {}) than the one adopted from before (device {previous}, up to seq {}): it was replaced or erased",
                                event.device, cursor.seq
                            ),
                        }));
                    }
                    // A chain seen for the first time starts at its shipping checkpoint, if it
                    // has one (the segments before it were shipped and removed), else at seq 1.
                    chain = match checkpoint {
                        Some(c) if cursor.device.is_none() && c.seq.saturating_add(1) == event.seq => {
                            ChainCursor::at(c.seq, c.hash.clone())
                        }
                        _ => ChainCursor::default(),
                    };
                }
                findings.extend(
                    chain
                        .check(&event)
                        .into_iter()
                        .map(|f| json!({ "kind": f.kind.as_str(), "seq": f.seq, "message": f.message })),
                );
                let position = (event.device.clone(), event.seq, event.hash.clone());
                let call = event.detail.get(super::daemon::CALL_FIELD).and_then(Value::as_str);
                if event.kind != EventKind::Decision {
                    report.skipped += 1;
                } else if call.is_some_and(|c| stored_calls.contains(c)) {
                    // Stored through the socket already; the hook did not get the answer.
                    report.duplicates += 1;
                } else {
                    let finding_count = findings.len() as u64;
                    let draft = adopted_draft(event, &source, findings, redactor);
                    match spool.lock().unwrap_or_else(|p| p.into_inner()).append(draft) {
                        Ok(stored) => last_managed = Some(stored.seq),
                        Err(error) => {
                            failure = Some(error);
                            return ControlFlow::Break(());
                        }
                    }
                    report.findings += finding_count;
                    cursor.adopted += 1;
                    count += 1;
                    report.adopted += 1;
                }
                (cursor.device, cursor.seq, cursor.hash) = (Some(position.0), position.1, position.2);
                ControlFlow::Continue(())
            });
            if let Err(reason) = read {
                report.unreadable.push((source.data_dir.clone(), reason));
            }
            // Saved before any error is returned: what was appended must not be adopted again.
            if self.state.sources[index] != cursor {
                self.state.sources[index] = cursor;
                if let Some(seq) = last_managed {
                    self.state.managed_seq = self.state.managed_seq.max(seq);
                }
                self.save()?;
            }
            if let Some(error) = failure {
                return Err(error.into());
            }
        }
        Ok(report)
    }

    fn save(&self) -> Result<(), AdoptError> {
        let fail = |source| AdoptError::Write { path: self.state_path.clone(), source };
        let bytes = serde_json::to_vec_pretty(&self.state).map_err(|e| fail(io::Error::other(e)))?;
        let tmp = self.state_path.with_extension("tmp");
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(ward_audit::trust::O_NOFOLLOW)
            .open(&tmp)
            .map_err(fail)?;
        file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(fail)?;
        fs::rename(&tmp, &self.state_path).map_err(fail)
    }
}

/// The managed event for an adopted user event: its content, with `detail.managed` saying where
/// it came from (whatever the user's event said there is dropped), redacted again.
fn adopted_draft(mut event: Event, source: &Source, findings: Vec<Value>, redactor: &Redactor) -> Event {
    let adopted = json!({
        "data_dir": source.data_dir,
        "device": event.device,
        "seq": event.seq,
        "id": event.id,
        "hash": event.hash,
        "time": event.time,
        "chain": if findings.is_empty() { json!("intact") } else { json!(findings) },
    });
    super::daemon::stamp(&mut event, json!({ "via": "adopted", "uid": source.uid, "adopted": adopted }));
    redact_event(&mut event, redactor);
    event
}

/// `a` and `b` are the same directory (device and inode), however they are named.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Checks that `path` is a directory owned by `uid`, without following a link.
fn owned_dir(path: &Path, uid: u32) -> Result<(), String> {
    let metadata = fs::symlink_metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !metadata.is_dir() {
        return Err(format!("{} is not a directory", path.display()));
    }
    if metadata.uid() != uid {
        return Err(format!("{} is owned by uid {}, not {uid}", path.display(), metadata.uid()));
    }
    Ok(())
}

/// Calls `each` with the events of a source's spool, in segment order (complete lines of
/// regular files owned by the source's uid; segments wholly before the cursor are not read), and
/// the spool's shipping checkpoint. One event in memory at a time.
fn each_event(
    source: &Source,
    mut each: impl FnMut(Event, Option<&Checkpoint>) -> ControlFlow<()>,
) -> Result<(), String> {
    owned_dir(&source.data_dir, source.uid)?;
    let spool_dir = source.data_dir.join("spool");
    match owned_dir(&spool_dir, source.uid) {
        Ok(()) => {}
        Err(_) if fs::symlink_metadata(&spool_dir).is_err() => return Ok(()),
        Err(e) => return Err(e),
    }
    let checkpoint: Option<Checkpoint> = open_owned(&spool_dir.join("checkpoint"), source.uid)
        .ok()
        .and_then(|file| serde_json::from_reader(file.take(4096)).ok());
    let mut segments: Vec<(u64, PathBuf)> = fs::read_dir(&spool_dir)
        .map_err(|e| format!("{}: {e}", spool_dir.display()))?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let first = entry.file_name().to_str().and_then(parse_segment_file_name)?;
            Some((first, entry.path()))
        })
        .collect();
    segments.sort();
    let skip = match source.device {
        Some(_) => segments.windows(2).take_while(|pair| pair[1].0 <= source.seq.saturating_add(1)).count(),
        None => 0,
    };
    let mut line = Vec::new();
    for (_, path) in segments.into_iter().skip(skip) {
        let Ok(file) = open_owned(&path, source.uid) else { continue };
        let mut reader = BufReader::new(file.take(MAX_SEGMENT_BYTES));
        loop {
            line.clear();
            match (&mut reader).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if line.last() != Some(&b'\n') {
                if line.len() > MAX_LINE_BYTES {
                    skip_line(&mut reader);
                    continue;
                }
                // Torn: a write still in progress, or never finished.
                break;
            }
            if let Ok(event) = serde_json::from_slice::<Event>(&line) {
                if each(event, checkpoint.as_ref()).is_break() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// Skips the rest of an oversized line, a buffer at a time (nothing of it is kept).
fn skip_line(reader: &mut impl BufRead) {
    loop {
        let (used, found) = match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(buf) => match buf.iter().position(|&b| b == b'\n') {
                Some(at) => (at + 1, true),
                None => (buf.len(), false),
            },
        };
        reader.consume(used);
        if found {
            return;
        }
    }
}

/// Opens a user's file for reading: never through a link, only a regular file `uid` owns
/// (checked on the opened descriptor, so nothing can be swapped in between).
fn open_owned(path: &Path, uid: u32) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(ward_audit::trust::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() || metadata.uid() != uid {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, "not a regular file of the user"));
    }
    Ok(file)
}
