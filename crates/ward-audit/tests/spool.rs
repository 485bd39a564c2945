//! The spool end to end: append, read back, verify, and the tampering and crashes verification
//! must catch or survive.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{append_n, decision, only_segment_lines, parse, segment_paths, write_lines};
use serde_json::Value;
use ward_audit::chain::{self, GENESIS_HASH};
use ward_audit::read::SpoolReader;
use ward_audit::{verify, AuditError, Checkpoint, ProblemKind, Spool, VerifyReport};

fn kinds(report: &VerifyReport) -> Vec<(ProblemKind, Option<u64>)> {
    report.problems.iter().map(|p| (p.kind, p.seq)).collect()
}

#[test]
fn appended_events_form_a_verified_chain() {
    let dir = tempfile::tempdir().unwrap();
    let events = append_n(dir.path(), 50);
    let device = std::fs::read_to_string(dir.path().join("device.id")).unwrap().trim().to_owned();
    let mut previous = GENESIS_HASH.to_owned();
    for (index, event) in events.iter().enumerate() {
        assert_eq!(event.seq, index as u64 + 1);
        assert_eq!(event.prev_hash, previous);
        assert_eq!(event.device, device);
        assert_eq!(event.schema_version, ward_model::event::EVENT_SCHEMA_VERSION);
        assert!(chain::is_hash(&event.hash));
        assert!(uuid::Uuid::parse_str(&event.id).unwrap().get_version_num() == 7);
        assert!(
            time::OffsetDateTime::parse(&event.time, &time::format_description::well_known::Rfc3339).is_ok()
        );
        assert!(event.time.ends_with('Z'));
        previous = event.hash.clone();
    }
    let report = verify(dir.path()).unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!((report.events, report.first_seq, report.last_seq), (50, Some(1), Some(50)));
    assert_eq!(report.device.as_deref(), Some(device.as_str()));

    // Reading back gives exactly the events append returned.
    let read: Vec<_> = SpoolReader::open(&dir.path().join("spool"))
        .unwrap()
        .map(|line| line.unwrap().event().unwrap())
        .collect();
    assert_eq!(read, events);

    // A new process continues the same chain.
    let next = Spool::open(dir.path()).unwrap().append(decision(51)).unwrap();
    assert_eq!((next.seq, next.prev_hash.as_str()), (51, events[49].hash.as_str()));
    assert!(verify(dir.path()).unwrap().is_intact());
}

#[test]
fn spool_holds_exactly_what_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let given = decision(7);
    let stored = Spool::open(dir.path()).unwrap().append(given.clone()).unwrap();
    let (_, lines) = only_segment_lines(dir.path());
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    // The line is the canonical JSON of the returned event, and nothing else.
    let mut expected = chain::canonical_json(&serde_json::to_value(&stored).unwrap());
    expected.push(b'\n');
    assert_eq!(line, &expected);
    // Its content is the given event plus the chain fields the spool owns.
    let mut on_disk = parse(line);
    let mut wanted = serde_json::to_value(&given).unwrap();
    for field in ["schema_version", "id", "seq", "device", "time", "prev_hash", "hash"] {
        on_disk.as_object_mut().unwrap().remove(field);
        wanted.as_object_mut().unwrap().remove(field);
    }
    assert_eq!(on_disk, wanted);
    assert_eq!(on_disk["input"], given.input);
    let text = String::from_utf8(line.clone()).unwrap();
    assert_eq!(text.matches("[REDACTED:aws-access-key:9f2c1ab04d7e]").count(), 1);
    // The head and device files carry no event content.
    let head = std::fs::read_to_string(dir.path().join("spool/head")).unwrap();
    assert!(head.starts_with("ward-spool-head 1 seq=00000000000000000001 "), "{head}");
    assert!(!head.contains("aws"));
}

#[test]
fn files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("deep/ward");
    append_n(&data, 1);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("spool")), 0o700);
    assert_eq!(mode(&data.join("device.id")), 0o600);
    assert_eq!(mode(&data.join("spool/head")), 0o600);
    for segment in segment_paths(&data) {
        assert_eq!(mode(&segment), 0o600);
    }
}

#[test]
fn verify_of_a_missing_spool_is_empty_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("never-used");
    let report = verify(&data).unwrap();
    assert!(report.is_intact());
    assert_eq!((report.events, report.segments, report.last_seq, report.device), (0, 0, None, None));
    assert!(!data.exists());
}

#[test]
fn device_id_is_stable_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = Spool::open(dir.path()).unwrap().device().to_owned();
    let second = Spool::open(dir.path()).unwrap().device().to_owned();
    assert_eq!(first, second);
    assert!(uuid::Uuid::parse_str(&first).is_ok());
    std::fs::write(dir.path().join("device.id"), "not-a-uuid\n").unwrap();
    assert!(matches!(Spool::open(dir.path()), Err(AuditError::DeviceId { .. })));
    assert!(matches!(verify(dir.path()), Err(AuditError::DeviceId { .. })));
}

#[test]
fn an_edited_field_is_a_bad_hash() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 40);
    let (path, mut lines) = only_segment_lines(dir.path());
    let edited = String::from_utf8(lines[24].clone()).unwrap().replace("\"deny\"", "\"allow\"");
    assert_ne!(edited.as_bytes(), lines[24].as_slice());
    lines[24] = edited.into_bytes();
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::BadHash, Some(25))]);
}

#[test]
fn an_edit_with_a_recomputed_hash_breaks_the_next_link() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 40);
    let (path, mut lines) = only_segment_lines(dir.path());
    let mut value = parse(&lines[24]);
    value["decision"] = Value::String("allow".to_owned());
    let hash = chain::hash_object(value.as_object().unwrap());
    value["hash"] = Value::String(hash);
    let mut line = chain::canonical_json(&value);
    line.push(b'\n');
    lines[24] = line;
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::BrokenLink, Some(26))]);
}

#[test]
fn a_changed_hash_is_caught_twice() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 10);
    let (path, mut lines) = only_segment_lines(dir.path());
    let mut value = parse(&lines[4]);
    value["hash"] = Value::String("ab".repeat(32));
    let mut line = chain::canonical_json(&value);
    line.push(b'\n');
    lines[4] = line;
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::BadHash, Some(5)), (ProblemKind::BrokenLink, Some(6))]);
}

#[test]
fn a_deleted_line_is_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 10);
    let (path, mut lines) = only_segment_lines(dir.path());
    lines.remove(3);
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::Gap, Some(5))]);
    assert!(report.problems[0].message.contains("seq 4 is missing"), "{}", report.problems[0].message);
}

#[test]
fn deleting_the_last_lines_shows_against_the_head() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 10);
    let (path, lines) = only_segment_lines(dir.path());
    write_lines(&path, &lines[..8]);
    let report = verify(dir.path()).unwrap();
    // Against the head, and against the anchor outside the spool directory.
    assert_eq!(kinds(&report), vec![(ProblemKind::Gap, Some(10)), (ProblemKind::Erased, Some(10))]);
    assert_eq!(report.anchor.state, "truncated");
    // Appending afterwards continues from the head: the gap stays visible.
    let next = Spool::open(dir.path()).unwrap().append(decision(11)).unwrap();
    assert_eq!(next.seq, 11);
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::Gap, Some(11))]);
}

#[test]
fn swapped_lines_are_a_gap_and_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 10);
    let (path, mut lines) = only_segment_lines(dir.path());
    lines.swap(3, 4);
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::Gap, Some(5)), (ProblemKind::Duplicate, Some(4))]);
}

#[test]
fn a_repeated_line_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 5);
    let (path, mut lines) = only_segment_lines(dir.path());
    lines.insert(3, lines[2].clone());
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::Duplicate, Some(3))]);
}

#[test]
fn a_line_truncated_mid_way_is_torn_and_missing() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 10);
    let (path, mut lines) = only_segment_lines(dir.path());
    let last = lines.len() - 1;
    lines[last].truncate(40);
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    // The torn line, and the event the head says was written is gone.
    assert_eq!(
        kinds(&report),
        vec![(ProblemKind::TornLine, None), (ProblemKind::Gap, Some(10)), (ProblemKind::Erased, Some(10))]
    );
    assert_eq!(report.problems[0].line, Some(10));
}

#[test]
fn a_crash_mid_write_is_repaired_by_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let events = append_n(dir.path(), 10);
    // A crash during the 11th write: part of a line, the head not yet updated.
    let (path, lines) = only_segment_lines(dir.path());
    let mut torn = lines.concat();
    torn.extend_from_slice(&lines[9][..57]);
    std::fs::write(&path, &torn).unwrap();
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::TornLine, None)]);

    let next = Spool::open(dir.path()).unwrap().append(decision(11)).unwrap();
    assert_eq!((next.seq, next.prev_hash.as_str()), (11, events[9].hash.as_str()));
    let report = verify(dir.path()).unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.events, 11);
}

#[test]
fn a_stale_head_adopts_the_durable_lines_after_it() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 5);
    let head_path = dir.path().join("spool/head");
    let stale = std::fs::read(&head_path).unwrap();
    let sixth = Spool::open(dir.path()).unwrap().append(decision(6)).unwrap();
    // A crash after the 6th line was synced but before the head record reached the disk.
    std::fs::write(&head_path, &stale).unwrap();
    let seventh = Spool::open(dir.path()).unwrap().append(decision(7)).unwrap();
    assert_eq!((seventh.seq, seventh.prev_hash.as_str()), (7, sixth.hash.as_str()));
    assert!(verify(dir.path()).unwrap().is_intact());
}

#[test]
fn a_lost_or_damaged_head_is_rebuilt_from_the_segments() {
    let dir = tempfile::tempdir().unwrap();
    let events = append_n(dir.path(), 5);
    let head_path = dir.path().join("spool/head");
    std::fs::write(&head_path, b"garbage").unwrap();
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::Unparsable, None)]);
    assert!(report.problems[0].message.contains("head record"));
    let sixth = Spool::open(dir.path()).unwrap().append(decision(6)).unwrap();
    assert_eq!((sixth.seq, sixth.prev_hash.as_str()), (6, events[4].hash.as_str()));
    std::fs::remove_file(&head_path).unwrap();
    let seventh = Spool::open(dir.path()).unwrap().append(decision(7)).unwrap();
    assert_eq!((seventh.seq, seventh.prev_hash.as_str()), (7, sixth.hash.as_str()));
    assert!(verify(dir.path()).unwrap().is_intact());
}

#[test]
fn unparsable_lines_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 3);
    let (path, mut lines) = only_segment_lines(dir.path());
    let junk: Vec<&[u8]> = vec![
        b"not json\n",
        b"[1,2,3]\n",
        b"{}\n",
        b"\n",
        b"\xff\xfe\x00 binary\n",
        b"{\"seq\":-1,\"prev_hash\":\"x\",\"hash\":\"y\"}\n",
        b"{\"seq\":2,\"prev_hash\":\"00\",\"hash\":\"00\"}\n",
    ];
    for (offset, bad) in junk.iter().enumerate() {
        lines.insert(1 + offset, bad.to_vec());
    }
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    assert_eq!(report.problems.len(), junk.len(), "{:?}", report.problems);
    assert!(report.problems.iter().all(|p| p.kind == ProblemKind::Unparsable));
    assert_eq!(report.events, 3);
    // The problems name where, never what: the junk does not appear in any message.
    assert!(report.problems.iter().all(|p| !p.message.contains("binary") && !p.message.contains("not json")));
}

#[test]
fn a_rewritten_but_equivalent_line_is_not_canonical() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 3);
    let (path, mut lines) = only_segment_lines(dir.path());
    let mut spaced = serde_json::to_vec_pretty(&parse(&lines[1])).unwrap();
    spaced.retain(|&b| b != b'\n');
    spaced.push(b'\n');
    lines[1] = spaced;
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::NotCanonical, Some(2))]);
}

#[test]
fn events_of_another_device_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    append_n(dir.path(), 2);
    std::fs::write(dir.path().join("device.id"), format!("{}\n", uuid::Uuid::new_v4())).unwrap();
    let report = verify(dir.path()).unwrap();
    assert_eq!(
        kinds(&report),
        vec![
            (ProblemKind::ForeignDevice, Some(1)),
            (ProblemKind::ForeignDevice, Some(2)),
            // The anchor names the device that wrote the chain.
            (ProblemKind::Erased, Some(2)),
        ]
    );
    assert_eq!(report.anchor.state, "restarted");
}

#[test]
fn rotation_keeps_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap().with_segment_limit(3000);
    let events: Vec<_> = (1..=60).map(|n| spool.append(decision(n)).unwrap()).collect();
    let segments = segment_paths(dir.path());
    assert!(segments.len() >= 10, "{} segments", segments.len());
    for path in &segments {
        let size = std::fs::metadata(path).unwrap().len();
        assert!(size <= 3000, "{} is {size} bytes", path.display());
        // Each segment is named after the seq of its first event.
        let first = parse(std::fs::read(path).unwrap().split(|&b| b == b'\n').next().unwrap());
        let name = path.file_stem().unwrap().to_str().unwrap();
        assert_eq!(name, format!("{:020}", first["seq"].as_u64().unwrap()));
    }
    let report = verify(dir.path()).unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!((report.events, report.segments, report.last_seq), (60, segments.len(), Some(60)));
    // Removing a middle segment is a gap.
    std::fs::remove_file(&segments[3]).unwrap();
    let report = verify(dir.path()).unwrap();
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].kind, ProblemKind::Gap);
    assert_eq!(events.len(), 60);
}

#[test]
fn a_crashed_rotation_is_finished_by_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap().with_segment_limit(3000);
    let mut last = None;
    for n in 1..=3 {
        last = Some(spool.append(decision(n)).unwrap());
    }
    let last = last.unwrap();
    let segments = segment_paths(dir.path());
    assert_eq!(segments.len(), 1);
    // The next segment was created, then the process died before recording it.
    std::fs::write(dir.path().join(format!("spool/{:020}.jsonl", last.seq + 1)), b"").unwrap();
    let mut spool = Spool::open(dir.path()).unwrap().with_segment_limit(3000);
    for n in 4..=10 {
        spool.append(decision(n)).unwrap();
    }
    let report = verify(dir.path()).unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.last_seq, Some(10));
}

#[test]
fn acknowledged_segments_go_and_verification_starts_at_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap().with_segment_limit(3000);
    let events: Vec<_> = (1..=60).map(|n| spool.append(decision(n)).unwrap()).collect();
    let before = segment_paths(dir.path()).len();

    let wrong = Checkpoint { seq: 30, hash: events[30].hash.clone() };
    assert!(matches!(spool.acknowledge(&wrong), Err(AuditError::Acknowledge { seq: 30, .. })));
    let beyond = Checkpoint { seq: 61, hash: events[0].hash.clone() };
    assert!(matches!(spool.acknowledge(&beyond), Err(AuditError::Acknowledge { .. })));

    let checkpoint = Checkpoint { seq: 30, hash: events[29].hash.clone() };
    let removed = spool.acknowledge(&checkpoint).unwrap();
    assert!(!removed.is_empty());
    assert_eq!(segment_paths(dir.path()).len(), before - removed.len());
    // Acknowledging again, or something older, changes nothing.
    assert!(spool.acknowledge(&checkpoint).unwrap().is_empty());
    assert!(spool.acknowledge(&Checkpoint { seq: 10, hash: events[9].hash.clone() }).unwrap().is_empty());

    let report = verify(dir.path()).unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.checkpoint, Some(checkpoint.clone()));
    assert!(report.first_seq.unwrap() <= 31);
    assert_eq!(report.last_seq, Some(60));

    // The shipper's cursor: everything after the checkpoint, in order.
    let shipped: Vec<u64> = SpoolReader::after(&dir.path().join("spool"), 30)
        .unwrap()
        .map(|line| line.unwrap().event().unwrap().seq)
        .filter(|&seq| seq > 30)
        .collect();
    assert_eq!(shipped, (31..=60).collect::<Vec<_>>());

    // The chain goes on; acknowledging everything keeps the current segment.
    let more: Vec<_> = (61..=70).map(|n| spool.append(decision(n)).unwrap()).collect();
    spool.acknowledge(&Checkpoint { seq: 70, hash: more[9].hash.clone() }).unwrap();
    assert!(!segment_paths(dir.path()).is_empty());
    let report = verify(dir.path()).unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    let next = spool.append(decision(71)).unwrap();
    assert_eq!(next.seq, 71);
    assert!(verify(dir.path()).unwrap().is_intact());
}

#[test]
fn a_forged_event_before_the_checkpoint_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap();
    let events: Vec<_> = (1..=10).map(|n| spool.append(decision(n)).unwrap()).collect();
    spool.acknowledge(&Checkpoint { seq: 5, hash: events[4].hash.clone() }).unwrap();
    // Replace event 5 by a self-consistent forgery: its own hash is right, but not the one the
    // server acknowledged.
    let (path, mut lines) = only_segment_lines(dir.path());
    let mut value = parse(&lines[4]);
    value["reason"] = Value::String("nothing to see".to_owned());
    let hash = chain::hash_object(value.as_object().unwrap());
    value["hash"] = Value::String(hash);
    let mut line = chain::canonical_json(&value);
    line.push(b'\n');
    lines[4] = line;
    write_lines(&path, &lines);
    let report = verify(dir.path()).unwrap();
    assert_eq!(kinds(&report), vec![(ProblemKind::BrokenLink, Some(5)), (ProblemKind::BrokenLink, Some(6))]);
}

#[test]
fn an_oversized_event_is_refused_and_the_chain_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap();
    spool.append(decision(1)).unwrap();
    let mut huge = decision(2);
    huge.input = Value::String("x".repeat(ward_audit::read::MAX_LINE_BYTES));
    assert!(matches!(spool.append(huge), Err(AuditError::EventTooLarge { .. })));
    assert_eq!(spool.append(decision(3)).unwrap().seq, 2);
    assert!(verify(dir.path()).unwrap().is_intact());
}

#[test]
fn a_misnamed_segment_in_the_way_does_not_stop_appends() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap().with_segment_limit(3000);
    for n in 1..=3 {
        spool.append(decision(n)).unwrap();
    }
    // A newer, non-empty segment whose events do not continue the chain sits where the next
    // rotation would go, and an even newer one beyond it.
    let first_lines = std::fs::read(&segment_paths(dir.path())[0]).unwrap();
    std::fs::write(dir.path().join(format!("spool/{:020}.jsonl", 4)), &first_lines).unwrap();
    std::fs::write(dir.path().join(format!("spool/{:020}.jsonl", 9)), &first_lines).unwrap();
    let mut spool = Spool::open(dir.path()).unwrap().with_segment_limit(3000);
    let events: Vec<_> = (4..=8).map(|n| spool.append(decision(n)).unwrap()).collect();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 5, 6, 7, 8]);
    for pair in events.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    // The planted copies show up as problems; the appends went on.
    assert!(!verify(dir.path()).unwrap().is_intact());
}
