//! The local index behind `ward audit query`: the spool, read incrementally into a SQLite store
//! under `$WARD_HOME/index/`. The spool stays the durable record; the index is a cache that can
//! be deleted at any time and is rebuilt by the next query. Reading takes a consistent view of
//! the spool without blocking hooks (`ward_audit::SpoolView`) and resumes from the position
//! recorded in the index.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ward_audit::read::LineEnd;
use ward_audit::{AuditError, SpoolView};
use ward_model::Event;

use crate::{SqliteStore, Store, StoreError};

/// Events ingested per transaction while indexing.
const BATCH: usize = 5_000;
const POSITION_KEY: &str = "spool_position";
/// Spool lines read that are not events, since the index last read the spool from its start.
const UNREADABLE_KEY: &str = "unreadable_lines";

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
}

impl Position {
    fn at(segment: u64, offset: u64) -> Position {
        Position { segment, offset, first_hash: None }
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
    /// The index file could not be read as a database and was rebuilt from the spool: why.
    pub rebuilt: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("cannot read the spool: {0}")]
    Spool(#[from] AuditError),
    #[error("local index {path}: {source}")]
    Store { path: PathBuf, source: StoreError },
}

/// Opens the local index (creating it) and brings it up to date with the spool, calling
/// `progress` with the number of events indexed so far after each batch: the first query over a
/// large spool indexes all of it (about 16 s for 500k events), and the CLI shows that it is
/// working.
pub fn open_updated(
    data_dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<(SqliteStore, IndexUpdate), LocalError> {
    let path = index_path(data_dir);
    let wrap = |source: StoreError| LocalError::Store { path: path.clone(), source };
    if let Some(parent) = path.parent() {
        create_private_dir(parent)
            .map_err(|e| wrap(StoreError::Other(format!("cannot create {}: {e}", parent.display()))))?;
    }
    let open = |progress: &mut dyn FnMut(u64)| -> Result<(SqliteStore, IndexUpdate), LocalError> {
        let mut store = SqliteStore::open(&path).map_err(wrap)?;
        let update = update(&mut store, data_dir, progress).map_err(|e| match e {
            LocalError::Store { source, .. } => wrap(source),
            other => other,
        })?;
        Ok((store, update))
    };
    match open(progress) {
        // The index is a cache: one that is no database (truncated, overwritten, damaged) is
        // removed and built again from the spool, the record, rather than failing every query.
        Err(LocalError::Store { source, .. }) if unreadable_database(&source) => {
            for file in [path.clone(), sidecar(&path, "-wal"), sidecar(&path, "-shm")] {
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(wrap(StoreError::Other(format!("cannot remove {}: {e}", file.display()))))
                    }
                }
            }
            let (store, mut update) = open(progress)?;
            update.rebuilt = Some(source.to_string());
            Ok((store, update))
        }
        Err(LocalError::Store { source, .. }) if busy_database(&source) => {
            Err(wrap(StoreError::Other(format!(
                "another process (a `ward audit query` indexing a large spool?) has held the index for over \
             {} s; retry when it is done ({source})",
                crate::sqlite::BUSY_TIMEOUT.as_secs()
            ))))
        }
        other => other,
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
    let start = resume_at(&view, recorded);
    // Unreadable lines are counted from the spool's start: a re-read from it counts anew.
    let unreadable_before = if start.same_place(&Position::default()) {
        0
    } else {
        store.meta(UNREADABLE_KEY).map_err(store_error)?.and_then(|n| n.parse::<u64>().ok()).unwrap_or(0)
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
                match line.event() {
                    Ok(event) if line.end == LineEnd::Complete => batch.push(event),
                    _ => update.unreadable += 1,
                }
                reached = Position::at(line.segment, line.offset + line.stored_len());
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
                saved = reached.clone();
            }
        }
        if done {
            break;
        }
    }
    // After a large catch-up, refresh the planner's statistics so queries pick the indexes.
    if update.indexed >= 10_000 {
        store.analyze().map_err(store_error)?;
    }
    Ok(update)
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
fn resume_at(view: &SpoolView, position: Position) -> Position {
    if position.same_place(&Position::default()) {
        return Position::default();
    }
    match view.segments.iter().find(|(segment, _)| segment.first_seq == position.segment) {
        Some((_, length))
            if *length >= position.offset
                && position.first_hash.is_some()
                && first_hash(view, position.segment) == position.first_hash =>
        {
            position
        }
        Some(_) => Position::default(),
        None if view.segments.iter().any(|(segment, _)| segment.first_seq > position.segment) => position,
        None => Position::default(),
    }
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
/// ([`SqliteStore::findings_by_kind`]) and spool lines that are not events. An agent that edits,
/// deletes or replaces spool lines must not get answers that look clean.
pub fn trail_problems(store: &mut SqliteStore) -> Result<Option<String>, StoreError> {
    let findings = store.findings_by_kind()?;
    let unreadable = store.meta(UNREADABLE_KEY)?.and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    if findings.is_empty() && unreadable == 0 {
        return Ok(None);
    }
    let mut parts: Vec<String> = findings.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
    if unreadable > 0 {
        parts.push(format!("{unreadable} unreadable line{}", if unreadable == 1 { "" } else { "s" }));
    }
    Ok(Some(format!(
        "warning: this machine's audit spool has problems ({}): answers hold what it holds now; \
         `ward audit verify` says which events",
        parts.join(", ")
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
    let (mut store, update) = open_updated(data_dir, progress)?;
    let path = index_path(data_dir);
    let wrap = |source: StoreError| LocalError::Store { path: path.clone(), source };
    let mut notes = Vec::new();
    if let Some(why) = &update.rebuilt {
        notes.push(format!(
            "the local index {} was unreadable ({why}); rebuilt it from the spool",
            path.display()
        ));
    }
    if let Some(busy) = &update.spool_busy {
        notes.push(format!("{busy}; answering from the local index as of its last update"));
    }
    notes.extend(trail_problems(&mut store).map_err(wrap)?);
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

    #[test]
    fn an_index_that_is_no_database_is_rebuilt_from_the_spool() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        append(data, 9, "codex");
        assert!(ask(data, "").notes.is_empty());
        std::fs::write(index_path(data), b"this is not a SQLite database, it is garbage".repeat(200))
            .unwrap();
        let answer = ask(data, "agent:codex");
        assert_eq!(answer.text.lines().count(), 10, "{}", answer.text);
        assert_eq!(answer.notes.len(), 1, "{:?}", answer.notes);
        assert!(answer.notes[0].contains("rebuilt it from the spool"), "{}", answer.notes[0]);
        assert!(ask(data, "").notes.is_empty(), "rebuilt once");
    }

    #[test]
    fn a_held_spool_lock_answers_from_the_index_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        append(data, 4, "codex");
        assert!(ask(data, "").notes.is_empty());
        // A hook stuck mid-append holds the spool's lock.
        let head = std::fs::File::open(ward_audit::SpoolLayout::new(data).head_file).unwrap();
        head.lock().unwrap();
        let busy = ask(data, "agent:codex");
        assert_eq!(busy.text.lines().count(), 5, "{}", busy.text);
        assert_eq!(busy.notes.len(), 1, "{:?}", busy.notes);
        assert!(busy.notes[0].contains("answering from the local index"), "{}", busy.notes[0]);
        head.unlock().unwrap();
        // With nothing indexed yet there is nothing to answer from: the error says why.
        let empty = tempfile::tempdir().unwrap();
        append(empty.path(), 1, "codex");
        let head = std::fs::File::open(ward_audit::SpoolLayout::new(empty.path()).head_file).unwrap();
        head.lock().unwrap();
        let request = LocalQuery {
            query: Query::parse("").unwrap(),
            count_by: vec![],
            format: Format::Csv,
            limit: None,
        };
        let error = answer(empty.path(), &request, time::OffsetDateTime::now_utc(), &mut |_| {}).unwrap_err();
        assert!(error.to_string().contains("lock"), "{error}");
    }

    #[test]
    fn an_index_held_by_another_writer_says_so_after_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        append(data, 3, "codex");
        assert!(ask(data, "").notes.is_empty());
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
        assert!(error.contains("has held the index for over 10 s; retry when it is done"), "{error}");
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(ask(data, "").text.lines().count(), 5);
    }

    fn update_index(store: &mut SqliteStore, data: &Path) -> u64 {
        update(store, data, &mut |_| {}).unwrap().indexed
    }
}
