//! Trail erasure and spool symlinks (issue 10): an emptied, truncated or restarted spool is
//! reported against the anchor kept outside the spool directory, the chain never restarts at
//! seq 1, and spool files replaced by symlinks are neither followed nor used.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{append_n, decision};
use ward_audit::{verify, ProblemKind, Spool};

#[test]
fn rm_rf_spool_is_reported_and_the_chain_goes_on_from_the_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let written = append_n(dir.path(), 5);
    std::fs::remove_dir_all(dir.path().join("spool")).unwrap();

    let report = verify(dir.path()).unwrap();
    assert!(!report.is_intact());
    assert_eq!(report.anchor.state, "erased");
    assert_eq!(report.anchor.seq, Some(5));
    assert_eq!(report.anchor.hash.as_deref(), Some(written[4].hash.as_str()));
    let erased: Vec<_> = report.problems.iter().filter(|p| p.kind == ProblemKind::Erased).collect();
    assert_eq!(erased.len(), 1, "{:?}", report.problems);
    assert!(erased[0].message.contains("emptied or deleted"), "{}", erased[0].message);

    // The next append does not start a new chain at seq 1: it links to the anchor, and the
    // erased events stay visible as a gap.
    let next = Spool::open(dir.path()).unwrap().append(decision(6)).unwrap();
    assert_eq!(next.seq, 6);
    assert_eq!(next.prev_hash, written[4].hash);
    let report = verify(dir.path()).unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].kind, ProblemKind::Gap);
    assert!(report.problems[0].message.contains("1..=5"), "{}", report.problems[0].message);
}

#[test]
fn a_lost_device_id_is_taken_back_from_the_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let written = append_n(dir.path(), 3);
    std::fs::remove_dir_all(dir.path().join("spool")).unwrap();
    std::fs::remove_file(dir.path().join("device.id")).unwrap();
    let next = Spool::open(dir.path()).unwrap().append(decision(4)).unwrap();
    assert_eq!(next.device, written[0].device);
    assert_eq!(next.seq, 4);
}

#[test]
fn a_restarted_chain_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 3);
    // Someone builds a fresh chain elsewhere and puts it in place of this one.
    let other = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("device.id"), other.path().join("device.id")).unwrap();
    append_n(other.path(), 4);
    std::fs::remove_dir_all(dir.path().join("spool")).unwrap();
    std::fs::rename(other.path().join("spool"), dir.path().join("spool")).unwrap();
    let report = verify(dir.path()).unwrap();
    assert_eq!(report.anchor.state, "restarted", "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.kind == ProblemKind::Erased));
}

#[test]
fn a_symlinked_head_or_segment_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 3);
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "do not touch").unwrap();
    let spool = dir.path().join("spool");
    std::fs::remove_file(spool.join("head")).unwrap();
    std::os::unix::fs::symlink(&victim, spool.join("head")).unwrap();

    let report = verify(dir.path()).unwrap();
    assert!(report.problems.iter().any(|p| p.kind == ProblemKind::Untrusted), "{:?}", report.problems);

    let mut s = Spool::open(dir.path()).unwrap();
    assert_eq!(s.refused().len(), 1);
    let next = s.append(decision(4)).unwrap();
    assert_eq!(next.seq, 4, "recovered from the segment, not from the symlink's target");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "do not touch");

    // A segment replaced by a symlink to a file the agent wants truncated.
    let segment = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .unwrap();
    std::fs::remove_file(&segment).unwrap();
    std::fs::write(&victim, "still precious, and no newline at the end").unwrap();
    std::os::unix::fs::symlink(&victim, &segment).unwrap();
    let report = verify(dir.path()).unwrap();
    assert!(report.problems.iter().any(|p| p.kind == ProblemKind::Untrusted && p.segment.is_some()));
    let mut s = Spool::open(dir.path()).unwrap();
    s.append(decision(5)).unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "still precious, and no newline at the end");
    assert!(!s.refused().is_empty());
    // The refused file is kept aside and reported until someone looks at it.
    let report = verify(dir.path()).unwrap();
    assert!(report
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Untrusted && p.message.contains("quarantine.")));
}

#[test]
fn a_spool_file_writable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 2);
    let head = dir.path().join("spool/head");
    std::fs::set_permissions(&head, std::fs::Permissions::from_mode(0o666)).unwrap();
    let report = verify(dir.path()).unwrap();
    assert!(report.problems.iter().any(|p| p.kind == ProblemKind::Untrusted));
    let mut s = Spool::open(dir.path()).unwrap();
    assert_eq!(s.refused().len(), 1);
    assert_eq!(s.append(decision(3)).unwrap().seq, 3);
}

#[test]
fn pending_deadline_events_are_chained_first_with_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 2);
    let mut pending = decision(100);
    pending.id = "01939a52-0000-7000-8000-000000000001".to_owned();
    pending.rule = Some("ward.deadline".to_owned());
    let mut bytes = ward_audit::pending::pending_line(&pending).unwrap();
    bytes.extend_from_slice(b"{\"torn\": tr"); // a handler that died mid-write never answered
    std::fs::write(ward_audit::pending::pending_path(dir.path()), &bytes).unwrap();

    let next = Spool::open(dir.path()).unwrap().append(decision(3)).unwrap();
    assert_eq!(next.seq, 4, "the pending event took seq 3");
    let events: Vec<_> = ward_audit::read::SpoolReader::after(&dir.path().join("spool"), 0)
        .unwrap()
        .map(|l| l.unwrap().event().unwrap())
        .collect();
    assert_eq!(events.len(), 4);
    assert_eq!(events[2].id, pending.id);
    assert_eq!(events[2].rule.as_deref(), Some("ward.deadline"));
    assert_eq!(std::fs::metadata(ward_audit::pending::pending_path(dir.path())).unwrap().len(), 0);
    assert!(verify(dir.path()).unwrap().is_intact());
}
