//! The local index behind `ward audit query`: the spool, read incrementally into a SQLite store
//! under `$WARD_HOME/index/`. The spool stays the durable record; the index is a cache that can
//! be deleted at any time and is rebuilt by the next query. Reading takes a consistent view of
//! the spool without blocking hooks (`ward_audit::SpoolView`) and resumes from the position
//! recorded in the index.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ward_audit::anchor::AnchorState;
use ward_audit::read::LineEnd;
use ward_audit::{AuditError, SpoolView};
use ward_model::Event;

use crate::{SqliteStore, Store, StoreError};

/// Events ingested per transaction while indexing.
const BATCH: usize = 5_000;
const POSITION_KEY: &str = "spool_position";
/// Spool lines read that are not events, since the index last read the spool from its start.
const UNREADABLE_KEY: &str = "unreadable_lines";
/// Times the spool was found rewritten before the point already indexed.
const REWRITTEN_KEY: &str = "spool_rewrites";
/// The last event read from the spool, in spool order ([`SpoolEnd`]).
const END_KEY: &str = "spool_end";
/// The shipping checkpoint's seq when the spool was last read: a device's chain may start
/// after it without that being a problem.
const CHECKPOINT_KEY: &str = "spool_checkpoint_seq";

/// The last event the index read from the spool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SpoolEnd {
    seq: u64,
    hash: String,
}

/// Where the local index lives.
pub fn index_path(data_dir: &Path) -> PathBuf {
    data_dir.join("index").join("events.sqlite")
}

/// The end of the last spool line indexed, and the hash of the first event of its segment: a
/// segment's name (its first seq) is not enough to know it is the same file, since a spool that
/// was emptied or reset can start a new segment under an old name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    segment: u64,
    offset: u64,
    #[serde(default)]
    first_hash: Option<String>,
    /// Where the last line read starts, and its event's hash (`None` for a line that is no
    /// event): on resuming, that line must still end at `offset`, or the segment was rewritten
    /// before it (a line deleted or changed in length) and is read again from its start.
    #[serde(default)]
    last_start: Option<u64>,
    #[serde(default)]
    last_hash: Option<String>,
}

impl Position {
    fn at(segment: u64, offset: u64) -> Position {
        Position { segment, offset, first_hash: None, last_start: None, last_hash: None }
    }

    fn same_place(&self, other: &Position) -> bool {
        (self.segment, self.offset) == (other.segment, other.offset)
    }
}

/// The hash of the first event in `segment` of the view.
fn first_hash(view: &SpoolView, segment: u64) -> Option<String> {
    let line = view.reader_from(segment, 0).next()?.ok()?;
    if line.segment != segment {
        return None;
    }
    line.event().ok().map(|event| event.hash)
}

/// What an index update did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexUpdate {
    /// Events added to the index.
    pub indexed: u64,
    /// Spool lines that are not events (see `ward audit verify`).
    pub unreadable: u64,
    /// Why the spool was not read this time (another process held its lock past the bounded
    /// wait): the index answers as of its last update.
    pub spool_busy: Option<String>,
    /// What the spool's end says against the events read (cut off, replaced, another device's),
    /// judged at this update from the head record, the anchor and `device.id`.
    pub end_problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("cannot read the spool: {0}")]
    Spool(#[from] AuditError),
    #[error(
        "local index {path}: {source} (the index is a cache of the spool: remove it, and the next query \
         rebuilds it)"
    )]
    Store { path: PathBuf, source: StoreError },
    #[error(
        "local index {path}: another process (a `ward audit query` indexing a large spool?) has held it for \
         over {seconds} s; retry when it is done"
    )]
    Busy { path: PathBuf, seconds: u64 },
    #[error("local index: {0} is a symbolic link; the index is never followed through one")]
    Link(PathBuf),
}

/// Opens the local index (creating it) and brings it up to date with the spool, calling
/// `progress` with the number of events indexed so far after each batch: the first query over a
/// large spool indexes all of it (about 16 s for 500k events), and the CLI shows that it is
/// working.
pub fn open_updated(
    data_dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<(SqliteStore, IndexUpdate), LocalError> {
    with_rebuild(data_dir, || open_once(data_dir, progress)).map(|(opened, _)| opened)
}

/// Opens the index and brings it up to date, once. The index and its directory are never
/// followed through a symbolic link (an agent could point them at another database, or outside
/// the private directory): a link is an error [`with_rebuild`] removes, as a damaged index.
fn open_once(
    data_dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<(SqliteStore, IndexUpdate), LocalError> {
    let path = index_path(data_dir);
    let wrap = |source: StoreError| LocalError::Store { path: path.clone(), source };
    if let Some(link) = index_links(&path).into_iter().next() {
        return Err(LocalError::Link(link));
    }
    if let Some(parent) = path.parent() {
        create_private_dir(parent)
            .map_err(|e| wrap(StoreError::Other(format!("cannot create {}: {e}", parent.display()))))?;
    }
    let mut store = SqliteStore::open_no_follow(&path).map_err(wrap)?;
    let update = update(&mut store, data_dir, progress).map_err(|e| match e {
        LocalError::Store { source, .. } => wrap(source),
        other => other,
    })?;
    Ok((store, update))
}

/// The index's files: the database and SQLite's write-ahead log and shared-memory index.
fn index_files(path: &Path) -> [PathBuf; 3] {
    [path.to_owned(), sidecar(path, "-wal"), sidecar(path, "-shm")]
}

/// The index's directory and files that are symbolic links.
fn index_links(path: &Path) -> Vec<PathBuf> {
    path.parent()
        .map(Path::to_owned)
        .into_iter()
        .chain(index_files(path))
        .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
        .collect()
}

/// Removes the index (its files, and its directory where that is a symbolic link: the link, never
/// what it points at).
fn remove_index(path: &Path) -> Result<(), LocalError> {
    let cannot = |file: &Path, e: std::io::Error| LocalError::Store {
        path: path.to_owned(),
        source: StoreError::Other(format!("cannot remove {}: {e}", file.display())),
    };
    for link in index_links(path) {
        std::fs::remove_file(&link).map_err(|e| cannot(&link, e))?;
    }
    for file in index_files(path) {
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(cannot(&file, e)),
            _ => {}
        }
    }
    Ok(())
}

/// Runs `work` on the index; if the index turns out to be no database, damaged (wherever that
/// shows: opening it, or a page a query reads) or a symbolic link, removes it and runs `work`
/// once more on one rebuilt from the spool, giving back why. The index is a cache of the spool,
/// the record: a bad one must not stop every query.
fn with_rebuild<T>(
    data_dir: &Path,
    mut work: impl FnMut() -> Result<T, LocalError>,
) -> Result<(T, Option<String>), LocalError> {
    let path = index_path(data_dir);
    match work() {
        Ok(done) => Ok((done, None)),
        Err(error @ LocalError::Link(_)) => {
            remove_index(&path)?;
            Ok((work()?, Some(error.to_string())))
        }
        Err(LocalError::Store { source, .. }) if unreadable_database(&source) => {
            remove_index(&path)?;
            Ok((work()?, Some(source.to_string())))
        }
        Err(LocalError::Store { source, .. }) if busy_database(&source) => {
            Err(LocalError::Busy { path, seconds: crate::sqlite::BUSY_TIMEOUT.as_secs() })
        }
        Err(other) => Err(other),
    }
}

/// SQLite gave up waiting for another connection's write lock.
fn busy_database(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// SQLite says the file is not a database, or a damaged one.
fn unreadable_database(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A count kept in the index's meta table (0 when absent).
fn meta_count(store: &mut SqliteStore, key: &str) -> Result<u64, StoreError> {
    Ok(store.meta(key)?.and_then(|n| n.parse::<u64>().ok()).unwrap_or(0))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Indexes the spool lines appended since the recorded position, calling `progress` with the
/// events indexed so far after each batch.
pub fn update(
    store: &mut SqliteStore,
    data_dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<IndexUpdate, LocalError> {
    let store_error = |source: StoreError| LocalError::Store { path: index_path(data_dir), source };
    let recorded: Position = store
        .meta(POSITION_KEY)
        .map_err(store_error)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let view = match SpoolView::take(data_dir) {
        Ok(view) => view,
        // Another process has held the spool's lock past the bounded wait (a hook stuck
        // mid-append): answer from what is indexed, saying so, rather than not at all. With
        // nothing indexed yet there is nothing to answer from.
        Err(busy @ AuditError::LockBusy { .. }) if !recorded.same_place(&Position::default()) => {
            return Ok(IndexUpdate { spool_busy: Some(busy.to_string()), ..IndexUpdate::default() });
        }
        Err(error) => return Err(error.into()),
    };
    let (start, rewritten) = resume_at(&view, recorded);
    if rewritten {
        let times = meta_count(store, REWRITTEN_KEY).map_err(store_error)? + 1;
        store.set_meta(REWRITTEN_KEY, &times.to_string()).map_err(store_error)?;
    }
    // Written when it moved only: a query that finds nothing new writes nothing.
    let checkpoint = view.checkpoint.as_ref().map_or(0, |c| c.seq);
    if meta_count(store, CHECKPOINT_KEY).map_err(store_error)? != checkpoint {
        store.set_meta(CHECKPOINT_KEY, &checkpoint.to_string()).map_err(store_error)?;
    }
    // Unreadable lines are counted from the spool's start: a re-read from it counts anew.
    let from_the_start = start.same_place(&Position::default());
    let unreadable_before =
        if from_the_start { 0 } else { meta_count(store, UNREADABLE_KEY).map_err(store_error)? };
    let mut end: Option<SpoolEnd> = if from_the_start {
        None
    } else {
        store.meta(END_KEY).map_err(store_error)?.and_then(|text| serde_json::from_str(&text).ok())
    };
    let mut reader = view.reader_from(start.segment, start.offset);
    let mut update = IndexUpdate::default();
    let mut batch: Vec<Event> = Vec::with_capacity(BATCH);
    let mut reached = start.clone();
    let mut saved = start;
    loop {
        let mut done = true;
        if let Some(line) = reader.next().transpose()? {
            // A torn line is a write in progress or a crash remnant: stop before it; the next
            // run retries.
            if line.end != LineEnd::Torn {
                done = false;
                reached = Position::at(line.segment, line.offset + line.stored_len());
                reached.last_start = Some(line.offset);
                match line.event() {
                    Ok(event) if line.end == LineEnd::Complete => {
                        reached.last_hash = Some(event.hash.clone());
                        end = Some(SpoolEnd { seq: event.seq, hash: event.hash.clone() });
                        batch.push(event);
                    }
                    _ => update.unreadable += 1,
                }
            }
        }
        if batch.len() >= BATCH || done {
            if !batch.is_empty() {
                let report = store.ingest(&batch).map_err(store_error)?;
                update.indexed += report.inserted;
                batch.clear();
                progress(update.indexed);
            }
            // Recorded only after the events before it are stored (a crash in between re-reads
            // them, which ingest skips as duplicates).
            if !reached.same_place(&saved) {
                reached.first_hash = match (&saved.first_hash, saved.segment == reached.segment) {
                    (Some(hash), true) => Some(hash.clone()),
                    _ => first_hash(&view, reached.segment),
                };
                let text = serde_json::to_string(&reached).unwrap_or_default();
                store.set_meta(POSITION_KEY, &text).map_err(store_error)?;
                let unreadable = unreadable_before + update.unreadable;
                store.set_meta(UNREADABLE_KEY, &unreadable.to_string()).map_err(store_error)?;
                let text = end.as_ref().and_then(|e| serde_json::to_string(e).ok()).unwrap_or_default();
                store.set_meta(END_KEY, &text).map_err(store_error)?;
                saved = reached.clone();
            }
        }
        if done {
            break;
        }
    }
    // Read from the start and nothing there: the spool holds no events now.
    if from_the_start && end.is_none() {
        store.set_meta(END_KEY, "").map_err(store_error)?;
    }
    // After a large catch-up, refresh the planner's statistics so queries pick the indexes.
    if update.indexed >= 10_000 {
        store.analyze().map_err(store_error)?;
    }
    let devices = store.device_ids().map_err(store_error)?;
    update.end_problems = end_problems(&view, end.as_ref(), &devices);
    Ok(update)
}

/// What the spool's own records of its end say against the last event read: the head record
/// (rewritten at every append) and the anchor (outside the spool directory) must not be past it
/// or name another event there, and every event must be this device's. The checks
/// `ward audit verify` makes of the chain's end, cheap enough for every query.
fn end_problems(view: &SpoolView, end: Option<&SpoolEnd>, devices: &[String]) -> Vec<String> {
    let (seq, hash) = end.map_or((0, ""), |e| (e.seq, e.hash.as_str()));
    // What `record` (`(seq, hash)` it says was written last) says against the last event read.
    let against = |record: &str, (recorded, recorded_hash): (u64, &str)| -> Option<String> {
        let ends = if seq == 0 { "holds no events".to_owned() } else { format!("ends at seq {seq}") };
        if seq < recorded {
            Some(format!(
                "the spool {ends} but {record} records seq {recorded}: events were removed from its end"
            ))
        } else if seq == recorded && seq > 0 && hash != recorded_hash {
            Some(format!("seq {seq} is not the event {record} records: the spool was replaced"))
        } else {
            None
        }
    };
    let mut problems = Vec::new();
    if let Some((head_seq, head_hash)) = &view.head {
        problems.extend(against("its head", (*head_seq, head_hash)));
    }
    match &view.anchor {
        AnchorState::Valid(anchor)
            if view.device.as_deref().is_some_and(|device| device != anchor.device) =>
        {
            problems.push("the anchor records another device: the spool was replaced".to_owned());
        }
        AnchorState::Valid(anchor) => problems.extend(against("the anchor", (anchor.seq, &anchor.hash))),
        AnchorState::Damaged => problems.push("the spool's anchor is damaged".to_owned()),
        AnchorState::Missing => {}
    }
    if let Some(device) = &view.device {
        let foreign = devices.iter().filter(|d| *d != device).count();
        if foreign > 0 {
            problems.push(format!(
                "the index holds events of {foreign} other device{} (a spool from elsewhere, or from before \
                 device.id changed)",
                if foreign == 1 { "" } else { "s" }
            ));
        }
    }
    problems
}

/// Where to resume reading: the recorded position while the spool still continues it, else the
/// start of the spool. Segments are named by their first seq, so:
///
/// * the recorded segment is there, starts with the same event and is at least as long as what
///   was indexed: resume in it;
/// * it is gone but later segments exist: it was shipped and removed; `reader_from` goes on
///   with the next one (its events were indexed before it went);
/// * it is there but starts with another event or is shorter than what was indexed, or only
///   earlier-numbered segments (or none) remain: the spool was replaced or reset (seq numbers start again). Re-read it all:
///   ingest is idempotent, so what is already indexed is skipped, and the index's chain check
///   records the restart as a finding.
fn resume_at(view: &SpoolView, position: Position) -> (Position, bool) {
    if position.same_place(&Position::default()) {
        return (Position::default(), false);
    }
    match view.segments.iter().find(|(segment, _)| segment.first_seq == position.segment) {
        Some((_, length))
            if *length >= position.offset
                && position.first_hash.is_some()
                && first_hash(view, position.segment) == position.first_hash =>
        {
            if last_line_still_there(view, &position) {
                (position, false)
            } else {
                // Rewritten before the point already indexed: read the segment again (what is
                // indexed is skipped; a line the shift would have hidden is found).
                let again = Position { offset: 0, last_start: None, last_hash: None, ..position };
                (again, true)
            }
        }
        Some(_) => (Position::default(), true),
        None if view.segments.iter().any(|(segment, _)| segment.first_seq > position.segment) => {
            (position, false)
        }
        None => (Position::default(), true),
    }
}

/// Whether the last line read still starts where it did, holds the same event, and ends at the
/// recorded offset. Positions recorded before this was kept pass.
fn last_line_still_there(view: &SpoolView, position: &Position) -> bool {
    let Some(start) = position.last_start else { return true };
    let Some(Ok(line)) = view.reader_from(position.segment, start).next() else { return false };
    let hash = line.event().ok().filter(|_| line.end == LineEnd::Complete).map(|event| event.hash);
    line.segment == position.segment
        && line.offset == start
        && line.offset + line.stored_len() == position.offset
        && hash == position.last_hash
}

/// Output formats of `ward audit query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// One `ward audit query` on this machine.
#[derive(Debug, Clone)]
pub struct LocalQuery {
    pub query: ward_query::Query,
    pub count_by: Vec<ward_query::Field>,
    pub format: Format,
    /// Events shown (default 50) or groups shown (default 1000).
    pub limit: Option<u64>,
}

/// Default number of events listed.
pub const DEFAULT_EVENT_LIMIT: u64 = 50;
/// Default number of groups listed with `--count-by`.
pub const DEFAULT_GROUP_LIMIT: u64 = 1_000;

/// A rendered answer, and what its reader should know about where it came from (for stderr:
/// the answer itself stays what a script parses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub text: String,
    pub notes: Vec<String>,
}

/// What the index knows is wrong with the trail it was built from: chain findings by kind
/// ([`SqliteStore::findings_by_kind`]), spool lines that are not events, rewrites found before
/// the point already indexed, and what the spool's end says (`end_problems`, from this update).
/// An agent that edits, deletes, cuts or replaces spool lines must not get answers that look
/// clean.
fn trail_problems(store: &mut SqliteStore, end_problems: &[String]) -> Result<Option<String>, StoreError> {
    let shipped_through = meta_count(store, CHECKPOINT_KEY)?;
    let findings = store.findings_by_kind(shipped_through)?;
    let unreadable = meta_count(store, UNREADABLE_KEY)?;
    let rewritten = meta_count(store, REWRITTEN_KEY)?;
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    let mut parts: Vec<String> = findings.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
    if unreadable > 0 {
        parts.push(format!("{unreadable} unreadable line{}", plural(unreadable)));
    }
    if rewritten > 0 {
        parts.push(format!("rewritten {rewritten} time{} before what was already read", plural(rewritten)));
    }
    parts.extend(end_problems.iter().cloned());
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(format!(
        "warning: this machine's audit spool has problems ({}): answers hold what the index read; \
         `ward audit verify` says which events",
        parts.join("; ")
    )))
}

/// Brings the local index up to date (`progress`: see [`open_updated`]), runs the
/// query and renders the answer.
pub fn answer(
    data_dir: &Path,
    request: &LocalQuery,
    now: time::OffsetDateTime,
    progress: &mut dyn FnMut(u64),
) -> Result<Answer, LocalError> {
    let (mut answer, replaced) = with_rebuild(data_dir, || answer_once(data_dir, request, now, progress))?;
    if let Some(why) = replaced {
        let note = format!(
            "the local index {} was unreadable ({why}); rebuilt it from the spool",
            index_path(data_dir).display()
        );
        answer.notes.insert(0, note);
    }
    Ok(answer)
}

fn answer_once(
    data_dir: &Path,
    request: &LocalQuery,
    now: time::OffsetDateTime,
    progress: &mut dyn FnMut(u64),
) -> Result<Answer, LocalError> {
    let (mut store, update) = open_once(data_dir, progress)?;
    let path = index_path(data_dir);
    let wrap = |source: StoreError| LocalError::Store { path: path.clone(), source };
    let mut notes = Vec::new();
    if let Some(busy) = &update.spool_busy {
        notes.push(format!("{busy}; answering from the local index as of its last update"));
    }
    notes.extend(trail_problems(&mut store, &update.end_problems).map_err(wrap)?);
    let text = &request.query.text;
    let rendered = if request.count_by.is_empty() {
        let limit = request.limit.unwrap_or(DEFAULT_EVENT_LIMIT);
        let (events, total) = store.events_and_total(&request.query, now, limit).map_err(wrap)?;
        match request.format {
            Format::Table => crate::render::events_table(&events, total),
            Format::Json => crate::render::events_json(text, &events, total).map_err(|e| wrap(e.into()))?,
            Format::Csv => crate::render::events_csv(&events),
        }
    } else {
        let limit = request.limit.unwrap_or(DEFAULT_GROUP_LIMIT);
        let (rows, total) =
            store.count_by_and_total(&request.query, &request.count_by, now, limit).map_err(wrap)?;
        match request.format {
            Format::Table => crate::render::counts_table(&request.count_by, &rows, total),
            Format::Json => crate::render::counts_json(text, &request.count_by, &rows, total)
                .map_err(|e| wrap(e.into()))?,
            Format::Csv => crate::render::counts_csv(&request.count_by, &rows),
        }
    };
    Ok(Answer { text: rendered, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_audit::{draft_event, Checkpoint, Durability, Spool};
    use ward_model::EventKind;
    use ward_query::Query;

    fn append(data: &Path, count: usize, agent: &str) -> Vec<Event> {
        let mut spool =
            Spool::open(data).unwrap().with_segment_limit(4_096).with_durability(Durability::OsBuffered);
        (0..count)
            .map(|_| {
                let mut draft = draft_event(EventKind::Decision);
                draft.agent = Some(agent.to_owned());
                spool.append(draft).unwrap()
            })
            .collect()
    }

    fn count(store: &mut SqliteStore, text: &str) -> u64 {
        store.count(&Query::parse(text).unwrap(), time::OffsetDateTime::now_utc()).unwrap()
    }

    #[test]
    fn the_index_follows_rotation_and_is_rebuilt_from_what_the_spool_still_holds() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        let first = append(data, 60, "codex");
        let (mut store, update) = open_updated(data, &mut |_| {}).unwrap();
        assert_eq!(update.indexed, 60);
        assert_eq!(count(&mut store, ""), 60);
        // Nothing new: nothing read again.
        assert_eq!(update_index(&mut store, data), 0);

        // The server acknowledges the first 40: their segments are shipped and removed.
        let acknowledged = &first[39];
        let removed = Spool::open(data)
            .unwrap()
            .acknowledge(&Checkpoint { seq: acknowledged.seq, hash: acknowledged.hash.clone() })
            .unwrap();
        assert!(!removed.is_empty(), "the test needs segments to rotate away");
        append(data, 30, "cursor");
        // Incremental: only the 30 new events are read; the removed ones stay indexed.
        assert_eq!(update_index(&mut store, data), 30);
        assert_eq!(count(&mut store, ""), 90);
        assert_eq!(count(&mut store, "agent:cursor"), 30);
        assert!(store.findings(None).unwrap().is_empty(), "{:?}", store.findings(None).unwrap());

        // Rebuilt from scratch: what the spool still holds, chain intact from where it starts.
        drop(store);
        std::fs::remove_file(index_path(data)).unwrap();
        let (mut rebuilt, update) = open_updated(data, &mut |_| {}).unwrap();
        let kept = 90 - update.indexed;
        assert!(kept > 0 && update.indexed >= 30, "{update:?}");
        assert_eq!(count(&mut rebuilt, "agent:cursor"), 30);
    }

    #[test]
    fn an_emptied_or_reset_spool_is_still_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        append(data, 50, "codex");
        let (mut store, _) = open_updated(data, &mut |_| {}).unwrap();
        assert_eq!(count(&mut store, ""), 50);
        // The spool is emptied (an agent deleted it): the anchor carries the chain on, so the
        // new events continue at seq 51 in a later segment.
        std::fs::remove_dir_all(spool_dir(data)).unwrap();
        append(data, 5, "cursor");
        assert_eq!(update_index(&mut store, data), 5);
        assert_eq!(count(&mut store, "agent:cursor"), 5);
        // Spool and anchor gone (a reinstall): seqs start again at 1, in segments numbered
        // below the recorded position. Read from the start, and the restart is a finding.
        std::fs::remove_dir_all(spool_dir(data)).unwrap();
        std::fs::remove_file(ward_audit::anchor::anchor_path(data)).unwrap();
        append(data, 7, "gemini-cli");
        assert_eq!(update_index(&mut store, data), 7);
        assert_eq!(count(&mut store, "agent:gemini-cli"), 7);
        assert_eq!(count(&mut store, ""), 62);
        let kinds: Vec<String> = store.findings(None).unwrap().into_iter().map(|f| f.kind).collect();
        assert_eq!(kinds, ["restart"], "the reset is a finding");
    }

    fn spool_dir(data: &Path) -> PathBuf {
        ward_audit::SpoolLayout::new(data).spool_dir
    }

    #[test]
    fn indexing_reports_its_progress_batch_by_batch() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        append(data, BATCH * 2 + 7, "codex");
        let mut seen = Vec::new();
        let (_store, update) = open_updated(data, &mut |indexed| seen.push(indexed)).unwrap();
        assert_eq!(update.indexed, (BATCH * 2 + 7) as u64);
        assert_eq!(seen, [BATCH as u64, 2 * BATCH as u64, (BATCH * 2 + 7) as u64]);
        // Nothing new: no progress to report.
        let (_store, _) = open_updated(data, &mut |indexed| panic!("reported {indexed}")).unwrap();
    }

    fn ask(data: &Path, text: &str) -> Answer {
        let request = LocalQuery {
            query: Query::parse(text).unwrap(),
            count_by: vec![],
            format: Format::Csv,
            limit: None,
        };
        answer(data, &request, time::OffsetDateTime::now_utc(), &mut |_| {}).unwrap()
    }

    fn segment_files(data: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(spool_dir(data))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_clean_trail_answers_without_notes_and_history_before_the_index_is_no_problem() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        let first = append(data, 60, "codex");
        assert_eq!(ask(data, "").notes, Vec::<String>::new());
        // Shipped and removed, then the index rebuilt: it starts mid-chain, which is history it
        // never held, not a problem.
        let last = &first[39];
        Spool::open(data)
            .unwrap()
            .acknowledge(&Checkpoint { seq: last.seq, hash: last.hash.clone() })
            .unwrap();
        std::fs::remove_file(index_path(data)).unwrap();
        let rebuilt = ask(data, "");
        assert!(rebuilt.text.lines().count() < 61, "segments were removed");
        assert_eq!(rebuilt.notes, Vec::<String>::new());
    }

    #[test]
    fn an_edited_deleted_or_unreadable_line_is_told_beside_the_answer() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        append(data, 12, "codex");
        let segment = segment_files(data).remove(0);
        let text = std::fs::read_to_string(&segment).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        // An agent edits one event, deletes another, and leaves a line that is no event.
        lines[2] = lines[2].replace("\"agent\":\"codex\"", "\"agent\":\"claude\"");
        lines.remove(5);
        lines.insert(7, "not an event".to_owned());
        std::fs::write(&segment, lines.join("\n") + "\n").unwrap();
        let answer = ask(data, "agent:claude");
        assert_eq!(answer.text.lines().count(), 2, "the edited event is still answered: {}", answer.text);
        assert_eq!(answer.notes.len(), 1, "{:?}", answer.notes);
        let note = &answer.notes[0];
        for part in ["1 bad_hash", "1 gap", "1 unreadable line", "ward audit verify"] {
            assert!(note.contains(part), "{part}: {note}");
        }
        // Told again at every query (the count is kept, not re-read), and not doubled when the
        // index is rebuilt.
        append(data, 1, "codex");
        assert_eq!(ask(data, "").notes, answer.notes);
        std::fs::remove_file(index_path(data)).unwrap();
        assert_eq!(ask(data, "").notes, answer.notes);
    }

    /// A spool of `count` events and its index, built and answering with no note.
    fn indexed_spool(count: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        append(dir.path(), count, "codex");
        assert!(ask(dir.path(), "").notes.is_empty());
        dir
    }

    fn rewrite_lines(data: &Path, edit: impl FnOnce(&mut Vec<String>)) {
        let segment = segment_files(data).remove(0);
        let text = std::fs::read_to_string(&segment).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        edit(&mut lines);
        let joined = if lines.is_empty() { String::new() } else { lines.join("\n") + "\n" };
        std::fs::write(&segment, joined).unwrap();
    }

    fn warning(answer: &Answer) -> &str {
        assert_eq!(answer.notes.len(), 1, "{:?}", answer.notes);
        &answer.notes[0]
    }

    #[test]
    fn events_cut_from_the_end_are_told_by_the_head_and_the_anchor() {
        let dir = indexed_spool(5);
        let data = dir.path();
        // Two more calls, then the agent cuts them off before anyone looks.
        append(data, 2, "codex");
        rewrite_lines(data, |lines| lines.truncate(5));
        let answer = ask(data, "");
        assert_eq!(answer.text.lines().count(), 6, "{}", answer.text);
        let note = warning(&answer);
        assert!(note.contains("the spool ends at seq 5 but its head records seq 7"), "{note}");
        assert!(note.contains("the anchor records seq 7"), "{note}");
        // Emptied before the first query ever ran: the same.
        let fresh = tempfile::tempdir().unwrap();
        append(fresh.path(), 3, "codex");
        rewrite_lines(fresh.path(), Vec::clear);
        assert!(warning(&ask(fresh.path(), "")).contains("holds no events but its head records seq 3"));
    }

    #[test]
    fn a_start_cut_off_is_a_problem_unless_it_was_shipped() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        append(data, 6, "codex");
        // Never shipped (no checkpoint): the first three deleted before the index read them.
        rewrite_lines(data, |lines| drop(lines.drain(..3)));
        let note = ask(data, "").notes.join(" ");
        assert!(note.contains("1 gap"), "{note}");
    }

    #[test]
    fn a_line_deleted_before_the_point_read_is_told_and_hides_no_later_event() {
        let dir = indexed_spool(5);
        let data = dir.path();
        rewrite_lines(data, |lines| drop(lines.remove(1)));
        append(data, 3, "codex");
        let answer = ask(data, "");
        // Seqs 1-8 all indexed (2 from before the deletion, 6 though the deletion shifted it
        // across the recorded offset).
        assert_eq!(answer.text.lines().count(), 9, "{}", answer.text);
        let note = warning(&answer);
        assert!(note.contains("rewritten 1 time before what was already read"), "{note}");
        assert!(!note.contains("unreadable"), "{note}");
    }

    #[test]
    fn a_spool_from_another_machine_is_told() {
        let dir = indexed_spool(3);
        let data = dir.path();
        let other = tempfile::tempdir().unwrap();
        append(other.path(), 4, "codex");
        std::fs::remove_dir_all(spool_dir(data)).unwrap();
        std::fs::rename(spool_dir(other.path()), spool_dir(data)).unwrap();
        let note = ask(data, "").notes.join(" ");
        assert!(note.contains("other device"), "{note}");
    }

    /// The hostile agent's ways to make a replaced spool pass as this machine's: delete the
    /// index first (no rewrite seen), make the replacement longer than the anchor records (no
    /// end cut), and delete or blank `device.id` (no device to compare against).
    #[test]
    fn a_replaced_spool_is_told_whatever_else_the_agent_removes() {
        for (label, spoil_device_id) in [
            ("device.id kept", None),
            ("device.id deleted", Some(b"".as_slice())),
            ("device.id blanked", Some(b"\n".as_slice())),
            ("device.id another's", Some(b"00000000-0000-4000-8000-000000000000\n".as_slice())),
        ] {
            let dir = indexed_spool(3);
            let data = dir.path();
            let other = tempfile::tempdir().unwrap();
            append(other.path(), 9, "codex");
            std::fs::remove_dir_all(spool_dir(data)).unwrap();
            std::fs::rename(spool_dir(other.path()), spool_dir(data)).unwrap();
            std::fs::remove_file(index_path(data)).unwrap();
            let device_id = data.join("device.id");
            match spoil_device_id {
                Some(b"") => std::fs::remove_file(&device_id).unwrap(),
                Some(bytes) => std::fs::write(&device_id, bytes).unwrap(),
                None => {}
            }
            let note = ask(data, "").notes.join(" ");
            assert!(note.contains("another device") || note.contains("other device"), "{label}: {note}");
        }
    }

    #[test]
    fn an_index_that_is_no_database_is_rebuilt_from_the_spool() {
        let dir = indexed_spool(9);
        let data = dir.path();
        std::fs::write(index_path(data), b"this is not a SQLite database, it is garbage".repeat(200))
            .unwrap();
        let answer = ask(data, "agent:codex");
        assert_eq!(answer.text.lines().count(), 10, "{}", answer.text);
        assert_eq!(answer.notes.len(), 1, "{:?}", answer.notes);
        assert!(answer.notes[0].contains("rebuilt it from the spool"), "{}", answer.notes[0]);
        assert!(ask(data, "").notes.is_empty(), "rebuilt once");
    }

    #[test]
    fn an_index_damaged_where_only_a_query_reads_is_rebuilt() {
        let dir = indexed_spool(300);
        let data = dir.path();
        // Every page after the first two overwritten: opening works, reading rows does not.
        let mut bytes = std::fs::read(index_path(data)).unwrap();
        assert!(bytes.len() > 3 * 4096, "{}", bytes.len());
        bytes[2 * 4096..].fill(0xff);
        std::fs::write(index_path(data), bytes).unwrap();
        let answer = ask(data, "agent:codex");
        assert_eq!(answer.text.lines().count(), 51, "{}", answer.text);
        assert!(answer.notes[0].contains("rebuilt it from the spool"), "{:?}", answer.notes);
    }

    #[test]
    fn an_index_is_never_followed_through_a_symbolic_link() {
        let dir = indexed_spool(4);
        let data = dir.path();
        // Another program's database, and the index pointed at it.
        let elsewhere = tempfile::tempdir().unwrap();
        let theirs = elsewhere.path().join("app.sqlite");
        let other = rusqlite::Connection::open(&theirs).unwrap();
        other.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')").unwrap();
        drop(other);
        let before = std::fs::read(&theirs).unwrap();
        std::fs::remove_file(index_path(data)).unwrap();
        std::os::unix::fs::symlink(&theirs, index_path(data)).unwrap();
        let answer = ask(data, "");
        assert_eq!(answer.text.lines().count(), 5, "{}", answer.text);
        assert!(answer.notes[0].contains("is a symbolic link"), "{:?}", answer.notes);
        assert_eq!(std::fs::read(&theirs).unwrap(), before, "their database untouched");
        assert!(!std::fs::symlink_metadata(index_path(data)).unwrap().file_type().is_symlink());
        // The index directory itself a link: replaced by a directory of ours.
        let index_dir = index_path(data).parent().unwrap().to_owned();
        std::fs::remove_dir_all(&index_dir).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), &index_dir).unwrap();
        let answer = ask(data, "");
        assert_eq!(answer.text.lines().count(), 5, "{}", answer.text);
        assert!(std::fs::symlink_metadata(&index_dir).unwrap().is_dir());
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 1, "nothing written there");
    }

    #[test]
    fn an_index_held_by_another_writer_says_so_after_the_wait() {
        let dir = indexed_spool(3);
        let data = dir.path();
        append(data, 1, "codex");
        // Another query, mid-way through indexing, holds the index's write lock.
        let other = rusqlite::Connection::open(index_path(data)).unwrap();
        other.execute_batch("BEGIN IMMEDIATE; INSERT INTO meta (key, value) VALUES ('x', 'y')").unwrap();
        let request = LocalQuery {
            query: Query::parse("").unwrap(),
            count_by: vec![],
            format: Format::Csv,
            limit: None,
        };
        let error =
            answer(data, &request, time::OffsetDateTime::now_utc(), &mut |_| {}).unwrap_err().to_string();
        assert!(error.contains("has held it for over 10 s; retry when it is done"), "{error}");
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(ask(data, "").text.lines().count(), 5);
    }

    fn update_index(store: &mut SqliteStore, data: &Path) -> u64 {
        update(store, data, &mut |_| {}).unwrap().indexed
    }
}
