//! Readers never hang on a writer that holds the spool lock: they wait a bounded time and say
//! why; and a reader's view never includes a line being written.

use std::os::fd::AsRawFd;
use std::time::Instant;

use ward_audit::{draft_event, verify, AuditError, Spool, SpoolView, READER_LOCK_WAIT};
use ward_model::EventKind;

#[test]
fn verify_gives_up_with_a_reason_when_a_writer_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    Spool::open(dir.path()).unwrap().append(draft_event(EventKind::Decision)).unwrap();
    let head = std::fs::File::open(dir.path().join("spool/head")).unwrap();
    // SAFETY: flock on a descriptor we own, kept open for the whole test.
    assert_eq!(unsafe { libc::flock(head.as_raw_fd(), libc::LOCK_EX) }, 0);
    let started = Instant::now();
    let error = verify(dir.path()).unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(error, AuditError::LockBusy { .. }), "{error}");
    assert!(error.to_string().contains("spool lock"), "{error}");
    assert!(waited >= READER_LOCK_WAIT && waited < READER_LOCK_WAIT * 3, "{waited:?}");
    assert!(matches!(SpoolView::take(dir.path()).unwrap_err(), AuditError::LockBusy { .. }));
    drop(head);
    assert!(verify(dir.path()).unwrap().is_intact());
}

#[test]
fn a_view_resumes_where_an_earlier_read_ended() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap().with_segment_limit(2_000);
    for _ in 0..12 {
        spool.append(draft_event(EventKind::Decision)).unwrap();
    }
    let view = SpoolView::take(dir.path()).unwrap();
    assert!(view.segments.len() > 2, "{:?}", view.segments);
    let all: Vec<_> = view.reader().map(Result::unwrap).collect();
    assert_eq!(all.len(), 12);
    let middle = &all[6];
    let resumed: Vec<u64> = view
        .reader_from(middle.segment, middle.offset + middle.stored_len())
        .map(|line| line.unwrap().event().unwrap().seq)
        .collect();
    assert_eq!(resumed, (8..=12).collect::<Vec<u64>>());
    // Written after the view was taken: not part of it.
    spool.append(draft_event(EventKind::Decision)).unwrap();
    assert_eq!(view.reader().count(), 12);
    assert_eq!(SpoolView::take(dir.path()).unwrap().reader().count(), 13);
}
