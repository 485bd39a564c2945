//! Every store test runs on SQLite and on a real PostgreSQL (`WARD_TEST_POSTGRES_URL`, or a
//! throwaway cluster this process starts; no server is a failure, not a skip). The differential
//! test runs every query on both stores and in memory and requires the same answer.

use time::{Duration, OffsetDateTime};
use ward_audit::chain;
use ward_model::Event;
use ward_query::sql::{self, Dialect};
use ward_query::{Field, Query};
use ward_store::generate::{Generator, Rng};
use ward_store::{Batch, Origin, PostgresStore, Prepared, SqliteStore, Store};

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_796_300_000).unwrap()
}

fn postgres(name: &str) -> PostgresStore {
    let url = ward_store::throwaway::fresh_database(name)
        .unwrap_or_else(|reason| panic!("PostgreSQL is required for the store tests: {reason}"));
    PostgresStore::connect(&url).unwrap_or_else(|e| panic!("cannot open the PostgreSQL store at {url}: {e}"))
}

/// Both stores, fresh.
fn stores(name: &str) -> Vec<(&'static str, Box<dyn Store>)> {
    vec![("sqlite", Box::new(SqliteStore::in_memory().unwrap())), ("postgres", Box::new(postgres(name)))]
}

fn generated(count: usize, devices: usize, days: i64) -> Vec<Event> {
    let mut generator =
        Generator::new(7, devices, now() - Duration::days(days), Duration::days(days), count as u64);
    generator.credential_percent = 8.0;
    generator.batch(count)
}

#[test]
fn ingest_is_idempotent_and_chains_check_clean() {
    let events = generated(2_000, 12, 20);
    for (name, mut store) in stores("idempotent") {
        let first = store.ingest(&events[..1_500]).unwrap();
        assert_eq!(first.inserted, 1_500, "{name}");
        assert!(first.findings.is_empty(), "{name}: {:?}", first.findings);
        // Re-sending overlaps: only the new ones are stored.
        let second = store.ingest(&events[1_000..]).unwrap();
        assert_eq!((second.inserted, second.duplicates), (500, 500), "{name}");
        assert!(second.findings.is_empty(), "{name}: {:?}", second.findings);
        assert_eq!(store.count(&Query::parse("").unwrap(), now()).unwrap(), 2_000, "{name}");
        let last = events.iter().rev().find(|e| e.device == events[0].device).unwrap();
        assert_eq!(
            store.chain_position(&events[0].device).unwrap(),
            Some((last.seq, last.hash.clone())),
            "{name}"
        );
        // Stored events come back byte for byte.
        let back = store.events(&Query::parse(&format!("id:{}", events[5].id)).unwrap(), now(), 10).unwrap();
        assert_eq!(back, vec![events[5].clone()], "{name}");
    }
}

/// Ingest looks up only the rows that can be re-sends (a seq at or below the device's highest);
/// a forged id that reuses another device's stored event slips past that guess and must still
/// come out as a duplicate with a conflict finding, never as a second row or a failed batch: on
/// a small batch and a large one (PostgreSQL inserts them differently), alone and in a group.
#[test]
fn a_forged_id_from_a_new_device_is_a_duplicate_not_a_second_row() {
    let victim = generated(300, 1, 2);
    for (name, mut store) in stores("forged-id") {
        store.ingest(&victim).unwrap();
        for (case, size) in [("small", 10usize), ("large", 200)] {
            // A device never seen, so nothing of its batch is looked up in advance (each case in
            // its own hour: the generator's ids are made of time, device number and seq).
            let start = now() - Duration::days(1) + Duration::hours(size as i64);
            let mut forger =
                Generator::new(size as u64, 1, start, Duration::hours(1), size as u64).batch(size);
            let device = format!("forger-{case}");
            let mut prev = chain::GENESIS_HASH.to_owned();
            for (index, event) in forger.iter_mut().enumerate() {
                event.device = device.clone();
                if index == size / 2 {
                    event.id = victim[7].id.clone();
                    event.time = victim[7].time.clone();
                }
                event.prev_hash = prev.clone();
                chain::seal(event).unwrap();
                prev = event.hash.clone();
            }
            let (alone, grouped) = forger.split_at(size / 2 + 1);
            let report = store.ingest(alone).unwrap();
            assert_eq!((report.inserted, report.duplicates), (alone.len() as u64 - 1, 1), "{name} {case}");
            assert_eq!(
                report.findings.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>(),
                // The forged event is not stored, so the device's next event is a gap too.
                vec!["conflict"],
                "{name} {case}"
            );
            // The rest in a group behind a batch holding the same forged id again.
            let mut again = forger[size / 2].clone();
            again.device = format!("forger-{case}-2");
            let again = resealed(again);
            let first = Prepared::new(std::slice::from_ref(&again)).unwrap();
            let rest = Prepared::new(grouped).unwrap();
            let results = store
                .ingest_group(&[
                    Batch { events: &first, origin: None },
                    Batch { events: &rest, origin: None },
                ])
                .unwrap();
            let first = results[0].as_ref().unwrap();
            assert_eq!((first.inserted, first.duplicates), (0, 1), "{name} {case}");
            let rest = results[1].as_ref().unwrap();
            assert_eq!((rest.inserted, rest.duplicates), (grouped.len() as u64, 0), "{name} {case}");
        }
        // The victim's own device replaying a stored event under a seq beyond its highest (so it
        // is not looked up either), content changed: a duplicate with a conflict, not a row.
        let mut replay = victim[7].clone();
        replay.seq = victim.len() as u64 + 1;
        replay.prev_hash = victim[victim.len() - 1].hash.clone();
        replay.agent = Some("rewritten".into());
        let report = store.ingest(&[resealed(replay)]).unwrap();
        assert_eq!((report.inserted, report.duplicates), (0, 1), "{name} replay");
        assert_eq!(
            report.findings.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>(),
            vec!["conflict"],
            "{name}"
        );
        // One row per id: the victim's event is still the one stored.
        let back = store.events(&Query::parse(&format!("id:{}", victim[7].id)).unwrap(), now(), 10).unwrap();
        assert_eq!(back, vec![victim[7].clone()], "{name}");
    }
}

fn resealed(mut event: Event) -> Event {
    chain::seal(&mut event).unwrap();
    event
}

/// A seq beyond the stores' signed 64-bit column is refused, not wrapped; a claimed hash with
/// NUL in it is stored (as every stored text, NUL becomes U+FFFD) and found wrong, the same on
/// both stores and through both insert paths.
#[test]
fn out_of_range_seqs_are_refused_and_nul_hashes_found_wrong() {
    for size in [3, 100] {
        let mut events = generated(size, 1, 1);
        events[1].seq = u64::MAX;
        for (name, mut store) in stores("seq-range") {
            let error = store.ingest(&events).unwrap_err().to_string();
            assert!(error.contains("out of range"), "{name}: {error}");
            assert_eq!(store.count(&Query::parse("").unwrap(), now()).unwrap(), 0, "{name}: nothing stored");
        }
        let mut events = generated(size, 1, 1);
        events[1].hash = format!("{}\0", &events[1].hash[..10]);
        for (name, mut store) in stores("nul-hash") {
            let report = store.ingest(&events).unwrap();
            assert_eq!(report.inserted, size as u64, "{name}");
            let kinds: Vec<&str> = report.findings.iter().map(|f| f.kind.as_str()).collect();
            assert!(kinds.contains(&"bad_hash"), "{name}, {size}: {kinds:?}");
        }
    }
}

#[test]
fn chain_problems_become_findings() {
    let events = generated(400, 1, 2);
    let device = events[0].device.clone();
    let mut tampered = events[..10].to_vec();
    tampered.remove(4); // seq 5 never arrives: gap at seq 6
    tampered[6].agent = Some("forged".into()); // seq 8 edited without resealing: bad hash
    let mut relinked = events[10].clone(); // seq 11 points elsewhere: broken link
    relinked.prev_hash = "ab".repeat(32);
    let relinked = resealed(relinked);
    let mut restart = Generator::new(99, 1, now(), Duration::hours(1), 10).batch(1);
    restart[0].device = device.clone();
    let restart = resealed(restart.remove(0)); // seq 1 again: the spool was emptied
    let mut conflict = events[0].clone(); // same id, other content
    conflict.agent = Some("other".into());
    let conflict = resealed(conflict);
    for (name, mut store) in stores("findings") {
        store.ingest(&tampered).unwrap();
        store.ingest(std::slice::from_ref(&relinked)).unwrap();
        store.ingest(std::slice::from_ref(&restart)).unwrap();
        let report = store.ingest(std::slice::from_ref(&conflict)).unwrap();
        assert_eq!(report.duplicates, 1, "{name}");
        let kinds: Vec<(String, u64)> =
            store.findings(Some(&device)).unwrap().into_iter().map(|f| (f.kind, f.seq)).collect();
        let expected: Vec<(String, u64)> =
            [("gap", 6), ("bad_hash", 8), ("broken_link", 11), ("restart", 1), ("conflict", 1)]
                .iter()
                .map(|(k, s)| ((*k).to_owned(), *s))
                .collect();
        assert_eq!(kinds, expected, "{name}");
        assert!(store.findings(Some("no-such-device")).unwrap().is_empty());
    }
}

/// Several batches in one transaction (the fleet server's group commit): each is checked
/// against what the batches before it in the group stored, duplicates across the group are
/// skipped, and each gets its own report with its device's chain head. (What the sender's row
/// records is tested through the fleet server's device list.)
#[test]
fn grouped_batches_chain_on_each_other_and_record_their_sender() {
    let events = generated(300, 1, 1);
    let device = events[0].device.clone();
    let mut gap = events[250..].to_vec();
    gap.remove(0); // seq 251 never arrives: a gap at 252
    for (name, mut store) in stores("grouped") {
        let parts = [
            Prepared::new(&events[..100]).unwrap(),
            Prepared::new(&events[100..200]).unwrap(),
            Prepared::new(&events[150..250]).unwrap(), // half already in the group
            Prepared::new(&[]).unwrap(),
            Prepared::new(&gap).unwrap(),
        ];
        let origin = |seen_us, version| Some(Origin { device: &device, seen_us, version });
        let batches: Vec<Batch<'_>> = parts
            .iter()
            .enumerate()
            .map(|(n, p)| Batch {
                events: p,
                origin: origin(1_000 + n as i64, if n == 1 { Some("v2") } else { None }),
            })
            .collect();
        let reports: Vec<_> = store.ingest_group(&batches).unwrap().into_iter().map(Result::unwrap).collect();
        let counts: Vec<(u64, u64, usize)> =
            reports.iter().map(|r| (r.inserted, r.duplicates, r.findings.len())).collect();
        assert_eq!(counts, [(100, 0, 0), (100, 0, 0), (50, 50, 0), (0, 0, 0), (49, 0, 1)], "{name}");
        assert_eq!(reports[4].findings[0].kind, "gap", "{name}");
        assert_eq!(reports[1].head(&device), Some((200, events[199].hash.clone())), "{name}");
        assert_eq!(reports[2].head(&device), Some((250, events[249].hash.clone())), "{name}");
        assert_eq!(store.chain_position(&device).unwrap(), Some((300, events[299].hash.clone())), "{name}");
        assert_eq!(store.count(&Query::parse("").unwrap(), now()).unwrap(), 299, "{name}");
        // A re-sent batch alone (the usual `ingest`) is all duplicates and keeps the head.
        let again = store.ingest(&events[..10]).unwrap();
        assert_eq!((again.inserted, again.duplicates), (0, 10), "{name}");
        assert_eq!(again.head(&device), Some((300, events[299].hash.clone())), "{name}");
    }
}

/// Queries an admin asks, and the corners of the language.
const QUERIES: &[&str] = &[
    "",
    "class:credential",
    "class:credential since:90d",
    "class:credentials since:5d",
    "class:@credentials -tier:sensitive",
    "decision:deny",
    "decision:deny OR decision:ask",
    "-decision:allow agent:codex",
    "NOT (agent:codex OR agent:claude-code) action:exec",
    "repo:github.com/acme-infra/*",
    "repo:*service-0?1",
    "repo:*-00* tier:open",
    "tool:mcp__* host:*.example.com",
    "rule:sensitive.* since:2026-12-10",
    "rule:any.no-credential-exfiltration",
    "fingerprint:*a* decision:allow",
    "path:.env* OR path:~/.aws/*",
    "path:\"src/module_1.rs\"",
    // Path terms read the path index within the query's own window (schema version 5).
    "path:*credentials* since:10d",
    "-path:src/* until:15d since:20d",
    "NOT (path:.env OR since:3d) since:25d",
    "(path:~/.ssh/* OR agent:codex) until:5d",
    // `~/` stands for any user's home (the generator's devices are Linux, macOS and Windows).
    "path:~/.aws/credentials",
    "path:~/.kube/* -path:/home/* since:20d",
    "-path:~/.ssh/* class:credential",
    // OR'd path terms are one read of the path index.
    "path:src/module_1.rs OR path:*credentials* OR path:~/.ssh/*",
    "-(path:.env OR path:~/.kube/*) since:20d",
    "until:2026-12-12 since:2026-12-01",
    "until:3d",
    "session:s-1* agent:cursor",
    "kind:decision -host:*",
    "cwd:*",
    "device:0000000*",
    // docs/query.md's examples, as admins type them.
    "decision:deny -tier:open since:7d",
    "(agent:codex OR agent:claude-code) repo:github.com/acme/* action:exec",
    "rule:sensitive.* since:2026-12-01 until:2026-12-12",
    "class:credential -tier:sensitive",
    "-tier:sensitive -tier:open",
    "NOT class:credential decision:deny",
];

fn ids(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.id.clone()).collect()
}

#[test]
fn every_query_answers_the_same_on_both_stores_and_in_memory() {
    let events = generated(6_000, 25, 30);
    let mut sqlite = SqliteStore::in_memory().unwrap();
    let mut postgres = postgres("differential");
    for chunk in events.chunks(1_000) {
        sqlite.ingest(chunk).unwrap();
        postgres.ingest(chunk).unwrap();
    }
    // Newest first, as the stores order them (time, then insertion).
    let mut newest_first: Vec<&Event> = events.iter().collect();
    newest_first.reverse();
    let mut queries: Vec<String> = QUERIES.iter().map(|q| (*q).to_owned()).collect();
    let mut rng = Rng::new(42);
    let atoms = [
        "agent:codex",
        "agent:cursor",
        "decision:deny",
        "decision:log",
        "tier:open",
        "tier:sensitive",
        "class:credential",
        "action:read",
        "action:network",
        "host:pypi.org",
        "repo:*-01*",
        "rule:standard.*",
        "since:10d",
        "until:15d",
        "fingerprint:*1*",
        "tool:Bash",
        "path:*credentials*",
        "path:src/module_1*",
        "path:~/.aws/*",
    ];
    for _ in 0..80 {
        let mut text = String::new();
        for index in 0..(rng.below(4) + 1) {
            if index > 0 {
                text.push_str(if rng.chance(30.0) { " OR " } else { " " });
            }
            if rng.chance(25.0) {
                text.push('-');
            }
            text.push_str(atoms[rng.below(atoms.len() as u64) as usize]);
        }
        queries.push(text);
    }
    let mut nonempty = 0;
    for text in &queries {
        let query = Query::parse(text).unwrap();
        let expected: Vec<String> =
            newest_first.iter().filter(|e| query.matches(e, now())).map(|e| e.id.clone()).collect();
        let from_sqlite = ids(&sqlite.events(&query, now(), 100_000).unwrap());
        let from_postgres = ids(&postgres.events(&query, now(), 100_000).unwrap());
        assert_eq!(from_sqlite, expected, "SQLite vs in memory: {text}");
        assert_eq!(from_postgres, expected, "PostgreSQL vs in memory: {text}");
        // A short listing (the stores find the newest matches first, then read their bodies).
        let newest: Vec<String> = expected.iter().take(7).cloned().collect();
        assert_eq!(ids(&sqlite.events(&query, now(), 7).unwrap()), newest, "SQLite, limit 7: {text}");
        assert_eq!(ids(&postgres.events(&query, now(), 7).unwrap()), newest, "PostgreSQL, limit 7: {text}");
        assert_eq!(sqlite.count(&query, now()).unwrap(), expected.len() as u64, "{text}");
        assert_eq!(postgres.count(&query, now()).unwrap(), expected.len() as u64, "{text}");
        // A listing with its total, as `ward audit query` asks: SQLite counts first and lists
        // rare matches by sorting them, common ones by walking the time index (both plans,
        // across the corpus and these limits).
        for limit in [3_u64, 40, 1_000] {
            let newest: Vec<String> = expected.iter().take(limit as usize).cloned().collect();
            for (name, store) in [("SQLite", &mut sqlite as &mut dyn Store), ("PostgreSQL", &mut postgres)] {
                let (listed, total) = store.events_and_total(&query, now(), limit).unwrap();
                assert_eq!(ids(&listed), newest, "{name}, listing of {limit} with its total: {text}");
                assert_eq!(total, expected.len() as u64, "{name}, total: {text}");
            }
        }
        for fields in [
            &[Field::Agent, Field::Device][..],
            &[Field::Decision],
            &[Field::Class, Field::Tier],
            &[Field::Rule],
            &[Field::Host, Field::Agent],
        ] {
            let a = sqlite.count_by(&query, fields, now(), 1_000).unwrap();
            let b = postgres.count_by(&query, fields, now(), 1_000).unwrap();
            assert_eq!(a, b, "count_by {fields:?}: {text}");
            if fields.iter().all(|f| f.shape() == ward_query::Shape::Scalar) {
                let got: std::collections::BTreeMap<_, _> =
                    a.into_iter().map(|r| (r.values, r.count)).collect();
                assert_eq!(
                    got,
                    counted_in_memory(&events, &query, fields),
                    "count_by {fields:?} vs memory: {text}"
                );
            }
        }
        nonempty += usize::from(!expected.is_empty() && expected.len() < events.len());
    }
    assert!(
        nonempty > queries.len() / 2,
        "too few selective queries ({nonempty}): the test would prove little"
    );
}

#[test]
fn the_credential_question_counts_by_agent_and_device() {
    let events = generated(3_000, 6, 120);
    let query = Query::parse("class:credential since:90d").unwrap();
    let mut expected = std::collections::BTreeMap::new();
    for event in events.iter().filter(|e| query.matches(e, now())) {
        *expected.entry((event.agent.clone(), Some(event.device.clone()))).or_insert(0u64) += 1;
    }
    assert!(!expected.is_empty());
    for (name, mut store) in stores("credential") {
        store.ingest(&events).unwrap();
        let rows = store.count_by(&query, &[Field::Agent, Field::Device], now(), 1_000).unwrap();
        let got: std::collections::BTreeMap<_, _> =
            rows.iter().map(|r| ((r.values[0].clone(), r.values[1].clone()), r.count)).collect();
        assert_eq!(got, expected, "{name}");
        assert!(rows.windows(2).all(|w| w[0].count >= w[1].count), "{name}: largest first");
    }
}

/// Counts by scalar fields, in memory: what `count_by` must answer (as a map, order aside).
fn counted_in_memory(
    events: &[Event],
    query: &Query,
    fields: &[Field],
) -> std::collections::BTreeMap<Vec<Option<String>>, u64> {
    let mut expected = std::collections::BTreeMap::new();
    for event in events.iter().filter(|e| query.matches(e, now())) {
        let key = fields.iter().map(|f| f.scalar(event).map(str::to_owned)).collect();
        *expected.entry(key).or_insert(0u64) += 1;
    }
    expected
}

fn counted(
    store: &mut dyn Store,
    query: &Query,
    fields: &[Field],
) -> std::collections::BTreeMap<Vec<Option<String>>, u64> {
    store.count_by(query, fields, now(), 1_000).unwrap().into_iter().map(|r| (r.values, r.count)).collect()
}

/// `class:` counted by agent/device is answered from the class rows of `event_tags` (schema
/// version 4): an event with two matching classes counts once, an event without an agent groups
/// as NULL, time bounds and wildcards hold, as in memory.
#[test]
fn class_questions_counted_from_class_rows_match_memory() {
    let mut events = generated(400, 5, 30);
    let mut prev: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (index, event) in events.iter_mut().enumerate() {
        match index % 7 {
            0 => event.classes = vec!["credential".into(), "credentials".into()],
            1 => {
                event.classes = vec!["credentials".into(), "cloud".into()];
                event.agent = None;
            }
            _ => {}
        }
        event.prev_hash = prev.get(&event.device).cloned().unwrap_or_else(|| chain::GENESIS_HASH.to_owned());
        *event = resealed(event.clone());
        prev.insert(event.device.clone(), event.hash.clone());
    }
    for (name, mut store) in stores("class_rows") {
        assert!(store.ingest(&events).unwrap().findings.is_empty(), "{name}");
        for text in [
            "class:credential since:90d",
            "class:credential since:20d until:5d",
            "class:cred*",
            "class:cloud",
        ] {
            let query = Query::parse(text).unwrap();
            let matching = events.iter().filter(|e| query.matches(e, now())).count() as u64;
            assert_eq!(store.count(&query, now()).unwrap(), matching, "{name}: count {text}");
            for fields in [&[Field::Agent, Field::Device][..], &[Field::Device], &[Field::Agent]] {
                let expected = counted_in_memory(&events, &query, fields);
                assert!(!expected.is_empty(), "{text}");
                assert_eq!(counted(store.as_mut(), &query, fields), expected, "{name}: {text} {fields:?}");
            }
        }
    }
}

#[test]
fn retention_removes_old_events_on_both() {
    let events = generated(3_000, 8, 20);
    for (name, mut store) in stores("retention") {
        store.ingest(&events).unwrap();
        // A window longer than the calendar reaches back keeps everything.
        assert_eq!(store.retain(now(), Duration::days(10_000_000)).unwrap().deleted_events, 0, "{name}");
        let report = store.retain(now(), Duration::days(7)).unwrap();
        let cutoff = (now() - Duration::days(7)).unix_timestamp_nanos() / 1_000;
        let kept = events.iter().filter(|e| i128::from(e.time.unix_micros()) >= cutoff).count() as u64;
        assert_eq!(store.count(&Query::parse("").unwrap(), now()).unwrap(), kept, "{name}");
        assert_eq!(report.deleted_events, events.len() as u64 - kept, "{name}");
        if name == "postgres" {
            assert!(report.dropped_partitions >= 10, "{name}: {report:?}");
        }
        // Tags of removed events are gone too: set queries see only what is kept.
        let expected = events
            .iter()
            .filter(|e| i128::from(e.time.unix_micros()) >= cutoff && !e.classes.is_empty())
            .count();
        assert_eq!(
            store.count(&Query::parse("class:credential").unwrap(), now()).unwrap(),
            expected as u64,
            "{name}"
        );
        // Ingest keeps working after retention (partitions are recreated as needed).
        let more = Generator::new(5, 1, now() - Duration::days(1), Duration::hours(1), 10).batch(10);
        assert_eq!(store.ingest(&more).unwrap().inserted, 10, "{name}");
    }
}

#[test]
fn postgres_creates_the_coming_days_partitions_ahead_and_retention_runs_once_at_a_time() {
    let url = ward_store::throwaway::fresh_database("ahead").unwrap();
    let mut store = PostgresStore::connect(&url).unwrap();
    store.prepare_days(now()).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let partitions = |client: &mut postgres::Client| -> Vec<String> {
        client
            .query(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                 JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let names = partitions(&mut client);
    for ahead in 0..=2 {
        let day = (now() + Duration::days(ahead)).date();
        let name = format!("events_p{:04}{:02}{:02}", day.year(), u8::from(day.month()), day.day());
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
    // Today's events land in today's partition, not the default one.
    store
        .ingest(&Generator::new(9, 1, now() - Duration::minutes(5), Duration::minutes(1), 5).batch(5))
        .unwrap();
    let default: i64 = client.query_one("SELECT COUNT(*) FROM events_default", &[]).unwrap().get(0);
    assert_eq!(default, 0);
    // While another connection holds the retention lock, a second retention pass does nothing.
    store.ingest(&generated(200, 2, 20)).unwrap();
    client.execute("SELECT pg_advisory_lock(7400102)", &[]).unwrap();
    let skipped = store.retain(now(), Duration::days(7)).unwrap();
    assert_eq!(skipped.deleted_events, 0);
    client.execute("SELECT pg_advisory_unlock(7400102)", &[]).unwrap();
    let report = store.retain(now(), Duration::days(7)).unwrap();
    assert!(report.deleted_events > 0 && report.dropped_partitions > 0, "{report:?}");
}

#[test]
fn migrations_run_once_and_newer_schemas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    SqliteStore::open(&path).unwrap().ingest(&generated(10, 1, 1)).unwrap();
    let mut reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(reopened.count(&Query::parse("").unwrap(), now()).unwrap(), 10);
    drop(reopened);
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection.execute("INSERT INTO schema_migrations VALUES (999, 0)", []).unwrap();
    drop(connection);
    let error = SqliteStore::open(&path).err().expect("a newer schema must be refused").to_string();
    assert!(error.contains("newer than this Ward knows"), "{error}");

    let url = ward_store::throwaway::fresh_database("migrations").unwrap();
    PostgresStore::connect(&url).unwrap().ingest(&generated(10, 1, 1)).unwrap();
    let mut again = PostgresStore::connect(&url).unwrap();
    assert_eq!(again.count(&Query::parse("").unwrap(), now()).unwrap(), 10);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.execute("INSERT INTO schema_migrations VALUES (999, 0)", &[]).unwrap();
    assert!(PostgresStore::connect(&url).err().unwrap().to_string().contains("newer"));
}

#[test]
fn hostile_values_are_stored_and_matched_literally() {
    let mut events = generated(3, 1, 1);
    events[1].agent = Some("x'; DROP TABLE events; --".into());
    events[1].repo = Some("a%b_c\\d[e]*f?".into());
    events[1].classes = vec!["cred\0entials".into(), "tab\there".into()];
    let events = rechained(events);
    for (name, mut store) in stores("hostile") {
        assert!(store.ingest(&events).unwrap().findings.is_empty(), "{name}");
        for text in [
            r#"agent:"x'; DROP TABLE events; --""#,
            r#"repo:"a%b_c\\d[e]*f?""#,
            r"repo:a%b_c\\d[e]\*f?",
            "repo:a%b_c*",
            "class:\"tab\there\"",
            "class:cred*",
        ] {
            let query = Query::parse(text).unwrap();
            let expected: Vec<String> =
                events.iter().rev().filter(|e| query.matches(e, now())).map(|e| e.id.clone()).collect();
            assert_eq!(expected.len(), 1, "{text}");
            assert_eq!(ids(&store.events(&query, now(), 10).unwrap()), expected, "{name}: {text}");
        }
        assert_eq!(
            store.count(&Query::parse("repo:a_b*").unwrap(), now()).unwrap(),
            0,
            "{name}: _ is literal"
        );
        assert_eq!(store.count(&Query::parse("").unwrap(), now()).unwrap(), 3, "{name}: table intact");
    }
    // The SQL for all of this carries none of it.
    let text =
        sql::where_clause(&Query::parse(r#"agent:"x'; DROP""#).unwrap().expr, Dialect::Postgres, now()).text;
    assert!(!text.contains("DROP"), "{text}");
}

/// `path:~/…` finds the path under every home form a fleet's machines write, on both stores;
/// a `.aws` outside any home is not found.
#[test]
fn a_tilde_path_finds_every_users_home_on_both_stores() {
    let homes = [
        "/home/dev/.aws/credentials",
        "/Users/ana/.aws/config",
        "/root/.aws/credentials",
        "C:\\Users\\bo\\.aws\\credentials",
        "C:/Users/bo/.aws/config",
        "~/.aws/credentials",
        "/srv/app/.aws/credentials",
        "/home/dev/.awsx/credentials",
    ];
    let mut events = generated(homes.len(), 1, 1);
    for (event, path) in events.iter_mut().zip(homes) {
        event.paths = vec![ward_model::PathTarget { path: path.into(), access: ward_model::Access::Read }];
    }
    let events = rechained(events);
    for (name, mut store) in stores("tilde") {
        assert!(store.ingest(&events).unwrap().findings.is_empty(), "{name}");
        for (text, expected) in [
            ("path:~/.aws/*", 6),
            ("path:~/.aws/credentials", 4),
            ("-path:~/.aws/*", 2),
            ("path:~/.aws/* since:2d", 6),
            // Several path patterns, one with home forms: one substring test before them all,
            // with the text they share, or none.
            ("path:~/.aws/* OR path:/srv/app/.aws/*", 7),
            ("path:~/.aws/* OR path:/home/dev/.awsx/*", 7),
            ("path:~/.aws/credentials OR path:/srv/*", 5),
        ] {
            let query = Query::parse(text).unwrap();
            let in_memory = events.iter().filter(|e| query.matches(e, now())).count();
            assert_eq!(in_memory, expected, "in memory: {text}");
            assert_eq!(store.count(&query, now()).unwrap(), expected as u64, "{name}: {text}");
            assert_eq!(store.events(&query, now(), 100).unwrap().len(), expected, "{name}: {text}");
        }
    }
}

/// One event per `(path, cwd)` spelling, then `padding` generated events keeping only the paths
/// `keep` keeps (a large batch takes the other insert path), chained.
fn spelled(spellings: &[(&str, Option<&str>)], padding: usize, keep: fn(&str) -> bool) -> Vec<Event> {
    let mut events = generated(spellings.len() + padding, 1, 1);
    for (event, (path, cwd)) in events.iter_mut().zip(spellings) {
        event.paths = vec![ward_model::PathTarget { path: (*path).into(), access: ward_model::Access::Read }];
        event.cwd = cwd.map(str::to_owned);
    }
    for event in events.iter_mut().skip(spellings.len()) {
        event.paths.retain(|p| keep(&p.path));
    }
    rechained(events)
}

/// Path spellings a hostile agent might use are found by the question in the usual spelling on
/// both stores, through both insert paths (a small batch's one statement, a large batch's
/// `COPY`), and no spelling escapes an exclusion: the stores hold each path's canonical form.
#[test]
fn path_spellings_are_found_in_their_canonical_form_on_both_stores() {
    let spellings = [
        ("~//.ssh/id_rsa", None),
        ("~/./.ssh/id_rsa", None),
        ("~/src/../.ssh/id_rsa", None),
        ("/tmp/../home/dev/.ssh/id_ed25519", None),
        ("C:\\Users\\bo\\x\\..\\.ssh\\id_rsa", None),
        ("../../.ssh/id_rsa", Some("/home/dev/src/proj")),
        ("~dev/.ssh/id_rsa", None),
        ("/srv/.ssh/id_rsa", None),
        ("~/.ssh/", None),
        // macOS and Windows compare names without case.
        ("/Users/Ana/.SSH/ID_RSA", None),
    ];
    for padding in [0, 100] {
        let events = spelled(&spellings, padding, |p| !p.contains(".ssh"));
        for (name, mut store) in stores("spellings") {
            assert!(store.ingest(&events).unwrap().findings.is_empty(), "{name}");
            for (text, expected) in [
                ("path:~/.ssh/*", 9),
                ("path:~/.ssh/id_rsa", 7),
                ("path:~/.SSH/ID_rsa", 7),
                ("path:~/.ssh/* -path:~/src/*", 9),
                ("path:*/../*", 0),
                ("path:*/.ssh/* -path:/home/*", 7),
                ("path:*/.ssh/* -path:/USERS/*", 8),
            ] {
                let query = Query::parse(text).unwrap();
                let in_memory = events.iter().filter(|e| query.matches(e, now())).count();
                assert_eq!(in_memory, expected, "in memory: {text}");
                assert_eq!(store.count(&query, now()).unwrap(), expected as u64, "{name}, {padding}: {text}");
                assert_eq!(
                    store.events(&query, now(), 100).unwrap().len(),
                    expected,
                    "{name}, {padding}: {text}"
                );
            }
            // Counted by path: the canonical forms without case, each event once.
            let query = Query::parse("path:~/.ssh/id_rsa").unwrap();
            let rows = store.count_by(&query, &[Field::Path], now(), 100).unwrap();
            let shown: Vec<(Option<&str>, u64)> =
                rows.iter().map(|r| (r.values[0].as_deref(), r.count)).collect();
            assert_eq!(
                shown,
                [
                    (Some("~/.ssh/id_rsa"), 3),
                    (Some("/home/dev/.ssh/id_rsa"), 1),
                    (Some("/users/ana/.ssh/id_rsa"), 1),
                    (Some("c:\\users\\bo\\.ssh\\id_rsa"), 1),
                    (Some("~dev/.ssh/id_rsa"), 1)
                ],
                "{name}, {padding}"
            );
        }
    }
}

/// A path an agent wrote as a shell glob is stored as written (in `path:` form); a question
/// finds it when the glob could name a path it asks about, on both stores and in memory alike,
/// through both insert paths, exclusions and ORs included, and counts it under its own value.
#[test]
fn paths_written_as_globs_are_found_by_what_they_could_name_on_both_stores() {
    let spellings = [
        ("~/.s?h/id_rsa", None),
        ("/home/dev/.{ssh,aws}/id_rsa", None),
        ("/Users/Ana/.SS[H]/id_rsa", None),
        ("**/../.s*/id_rsa", Some("/home/dev/p")),
        ("C:\\Users\\bo\\.s?h\\id_rsa", None),
        ("/home/dev/src/*.rs", None),
        ("/home/dev/.ss[!h]/id_rsa", None),
        // Names `~/.ssh` and `~/.aws` themselves (`tar cz ~/*`), and `~/x.rs`.
        ("/home/dev/*", None),
    ];
    for padding in [0, 100] {
        let events = spelled(&spellings, padding, |_| false);
        for (name, mut store) in stores("globbed") {
            assert!(store.ingest(&events).unwrap().findings.is_empty(), "{name}");
            for (text, expected) in [
                ("path:~/.ssh/*", 6),
                ("path:~/.ssh/id_rsa", 5),
                ("path:~/.SSH/*", 6),
                ("path:~/.aws/*", 2),
                ("path:*.rs", 2),
                ("path:~/.ssh/* -path:/home/*", 4),
                ("path:~/.ssh/* OR path:*.rs", 7),
                ("-path:~/.ssh/* path:*", 2),
                ("path:~/.gnupg/*", 1),
                ("path:/etc/*", 0),
            ] {
                let query = Query::parse(text).unwrap();
                let in_memory = events.iter().filter(|e| query.matches(e, now())).count();
                assert_eq!(in_memory, expected, "in memory: {text}");
                assert_eq!(store.count(&query, now()).unwrap(), expected as u64, "{name}, {padding}: {text}");
                assert_eq!(
                    store.events(&query, now(), 100).unwrap().len(),
                    expected,
                    "{name}, {padding}: {text}"
                );
            }
            let query = Query::parse("path:~/.ssh/id_rsa").unwrap();
            let mut shown: Vec<(Option<String>, u64)> = store
                .count_by(&query, &[Field::Path], now(), 100)
                .unwrap()
                .into_iter()
                .map(|r| (r.values[0].clone(), r.count))
                .collect();
            shown.sort();
            let expected = [
                "**/.s*/id_rsa",
                "/home/dev/.{ssh,aws}/id_rsa",
                "/users/ana/.ss[h]/id_rsa",
                "c:\\users\\bo\\.s?h\\id_rsa",
                "~/.s?h/id_rsa",
            ];
            let expected: Vec<(Option<String>, u64)> =
                expected.iter().map(|v| (Some(v.to_string()), 1)).collect();
            assert_eq!(shown, expected, "{name}, {padding}");
        }
    }
}

/// Versions 7 and 8: a store written before them holds paths as spelled (before 7) or
/// canonical with their case (7); opening it rewrites them canonical and without case, once, and
/// the usual question then finds the odd spellings on both stores.
#[test]
fn older_stores_get_their_paths_in_canonical_form_without_case() {
    use ward_store::schema::{PATH_VALUES_VERSION, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
    // The latest version that changed the form of stored paths.
    for migrations in [SQLITE_MIGRATIONS, POSTGRES_MIGRATIONS] {
        let last_rewrite = migrations.iter().rev().find(|(_, sql)| *sql == "SELECT 1").unwrap().0;
        assert_eq!(last_rewrite, PATH_VALUES_VERSION);
    }
    let spellings = [
        ("~//.ssh/id_rsa", None),
        ("~/x/../.ssh/id_rsa", None),
        ("../.ssh/id_rsa", Some("~/src")),
        ("/home/dev/.ssh/id_rsa", None),
        ("/Users/Ana/.SSH/id_rsa", None),
        // The hook's unknown place, then `..` (`cat $(pwd)/../.ssh/id_rsa`).
        ("**/../.ssh/id_rsa", Some("/home/dev/proj")),
    ];
    let mut events = generated(spellings.len(), 1, 1);
    for (event, (path, cwd)) in events.iter_mut().zip(spellings) {
        event.paths = vec![ward_model::PathTarget { path: path.into(), access: ward_model::Access::Read }];
        event.cwd = cwd.map(str::to_owned);
    }
    // One event carries a spelling and its canonical form both: one row for the two.
    events[0]
        .paths
        .push(ward_model::PathTarget { path: "~/.ssh/id_rsa".into(), access: ward_model::Access::Read });
    let events = rechained(events);
    let query = Query::parse("path:~/.ssh/id_rsa -path:~/x/*").unwrap();
    // As version 6 stored them: the spellings.
    let as_spelled = "INSERT INTO event_tags (event_pk, time_us, field, value) \
            SELECT event_pk, time_us, 'path', '~//.ssh/id_rsa' FROM event_tags WHERE field = 'path' AND value = '~/.ssh/id_rsa' \
            AND event_pk = (SELECT MIN(event_pk) FROM event_tags); \
        INSERT INTO event_tags (event_pk, time_us, field, value) \
            SELECT event_pk, time_us, 'path', '~/x/../.ssh/id_rsa' FROM event_tags WHERE field = 'path' AND value = '~/.ssh/id_rsa' \
            AND event_pk = (SELECT MIN(event_pk) + 1 FROM event_tags); \
        UPDATE event_tags SET value = '../.ssh/id_rsa' WHERE field = 'path' AND value = '~/.ssh/id_rsa' \
            AND event_pk = (SELECT MIN(event_pk) + 2 FROM event_tags); \
        DELETE FROM event_tags WHERE field = 'path' AND value = '~/.ssh/id_rsa' \
            AND event_pk = (SELECT MIN(event_pk) + 1 FROM event_tags); \
        UPDATE event_tags SET value = '/Users/Ana/.SSH/id_rsa' WHERE field = 'path' \
            AND value = '/users/ana/.ssh/id_rsa'; \
        UPDATE event_tags SET value = '**/../.ssh/id_rsa' WHERE field = 'path' AND value = '**/.ssh/id_rsa'; \
        DELETE FROM schema_migrations WHERE version >= 7;";
    // As version 7 stored them: canonical with their case, and the unknown place's mark lost to
    // the `..` after it.
    let as_version_7_wrote = "UPDATE event_tags SET value = '/Users/Ana/.SSH/id_rsa' WHERE field = 'path' \
            AND value = '/users/ana/.ssh/id_rsa'; \
        UPDATE event_tags SET value = '.ssh/id_rsa' WHERE field = 'path' AND value = '**/.ssh/id_rsa'; \
        DELETE FROM schema_migrations WHERE version >= 8;";
    let path_rows = "SELECT value FROM event_tags WHERE field = 'path' ORDER BY event_pk, value";
    let canonical = [
        "~/.ssh/id_rsa",
        "~/.ssh/id_rsa",
        "~/.ssh/id_rsa",
        "/home/dev/.ssh/id_rsa",
        "/users/ana/.ssh/id_rsa",
        "**/.ssh/id_rsa",
    ];
    let spelled = [
        "~/.ssh/id_rsa",
        "~//.ssh/id_rsa",
        "~/x/../.ssh/id_rsa",
        "../.ssh/id_rsa",
        "/home/dev/.ssh/id_rsa",
        "/Users/Ana/.SSH/id_rsa",
        "**/../.ssh/id_rsa",
    ];
    let version_7 = [
        "~/.ssh/id_rsa",
        "~/.ssh/id_rsa",
        "~/.ssh/id_rsa",
        "/home/dev/.ssh/id_rsa",
        "/Users/Ana/.SSH/id_rsa",
        ".ssh/id_rsa",
    ];

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v6.sqlite");
    SqliteStore::open(&path).unwrap().ingest(&events).unwrap();
    let rows = |path: &std::path::Path| -> Vec<String> {
        let connection = rusqlite::Connection::open(path).unwrap();
        let mut statement = connection.prepare(path_rows).unwrap();
        let values = statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        values
    };
    let rows_of = rows;
    let sorted = |mut values: Vec<String>| {
        values.sort();
        values
    };
    assert_eq!(
        sorted(rows(&path)),
        sorted(canonical.map(str::to_owned).to_vec()),
        "as ingest writes them now"
    );
    rusqlite::Connection::open(&path).unwrap().execute_batch(as_spelled).unwrap();
    assert_eq!(sorted(rows(&path)), sorted(spelled.map(str::to_owned).to_vec()), "as version 6 wrote them");
    let mut sqlite = SqliteStore::open(&path).unwrap();
    assert_eq!(sorted(rows(&path)), sorted(canonical.map(str::to_owned).to_vec()), "SQLite v6 → v8");
    assert_eq!(sqlite.count(&query, now()).unwrap(), 6, "SQLite v6 → v8");

    let url = ward_store::throwaway::fresh_database("v6").unwrap();
    PostgresStore::connect(&url).unwrap().ingest(&events).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute(as_version_7_wrote).unwrap();
    let mut rows =
        || -> Vec<String> { client.query(path_rows, &[]).unwrap().iter().map(|r| r.get(0)).collect() };
    assert_eq!(sorted(rows()), sorted(version_7.map(str::to_owned).to_vec()), "as version 7 wrote them");
    let mut postgres = PostgresStore::connect(&url).unwrap();
    assert_eq!(sorted(rows()), sorted(canonical.map(str::to_owned).to_vec()), "PostgreSQL v7 → v8");
    assert_eq!(postgres.count(&query, now()).unwrap(), 6, "PostgreSQL v7 → v8");
    // And SQLite from version 7 the same.
    let v7 = dir.path().join("v7.sqlite");
    SqliteStore::open(&v7).unwrap().ingest(&events).unwrap();
    rusqlite::Connection::open(&v7).unwrap().execute_batch(as_version_7_wrote).unwrap();
    assert_eq!(
        sorted(rows_of(&v7)),
        sorted(version_7.map(str::to_owned).to_vec()),
        "as version 7 wrote them"
    );
    let mut sqlite_7 = SqliteStore::open(&v7).unwrap();
    assert_eq!(sorted(rows_of(&v7)), sorted(canonical.map(str::to_owned).to_vec()), "SQLite v7 → v8");
    assert_eq!(sqlite_7.count(&query, now()).unwrap(), 6, "SQLite v7 → v8");
    // Opening again changes nothing.
    drop(PostgresStore::connect(&url).unwrap());
    assert_eq!(sorted(rows()), sorted(canonical.map(str::to_owned).to_vec()));
}

/// Version 10: a store at version 8 or 9 holds paths with the letters a case-insensitive file
/// system takes for ASCII ones as spelled (`credentialſ`); opening it folds them (`credentials`)
/// on both stores, touching only paths with non-ASCII text, and the usual question finds them.
#[test]
fn version_9_stores_get_their_lookalike_letters_folded() {
    let spellings = [
        ("~/.aws/credentialſ", None),
        ("/Users/Ana/.ſsh/ıd_rsa", None),
        ("/home/dev/.\u{212A}ube/config", None),
        ("/home/dev/src/main.rs", None),
    ];
    let events = spelled(&spellings, 0, |_| true);
    let folded =
        ["/home/dev/.kube/config", "/home/dev/src/main.rs", "/users/ana/.ssh/id_rsa", "~/.aws/credentials"];
    let as_version_9_wrote = "UPDATE event_tags SET value = '~/.aws/credentialſ' WHERE value = '~/.aws/credentials'; \
        UPDATE event_tags SET value = '/users/ana/.ſsh/ıd_rsa' WHERE value = '/users/ana/.ssh/id_rsa'; \
        UPDATE event_tags SET value = '/home/dev/.\u{212A}ube/config' WHERE value = '/home/dev/.kube/config'; \
        DELETE FROM schema_migrations WHERE version >= 10;";
    let path_rows = "SELECT value FROM event_tags WHERE field = 'path' ORDER BY value";
    let questions = ["path:~/.aws/credentials", "path:~/.ssh/id_rsa", "path:~/.kube/*", "path:~/.ſsh/*"];

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v9.sqlite");
    SqliteStore::open(&path).unwrap().ingest(&events).unwrap();
    let sqlite_rows = || -> Vec<String> {
        let connection = rusqlite::Connection::open(&path).unwrap();
        let mut statement = connection.prepare(path_rows).unwrap();
        let values = statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        values
    };
    assert_eq!(sqlite_rows(), folded, "as ingest writes them now");
    rusqlite::Connection::open(&path).unwrap().execute_batch(as_version_9_wrote).unwrap();
    assert_ne!(sqlite_rows(), folded, "as version 9 wrote them");
    let mut sqlite = SqliteStore::open(&path).unwrap();
    assert_eq!(sqlite_rows(), folded, "SQLite v9 → v10");
    for question in questions {
        assert_eq!(sqlite.count(&Query::parse(question).unwrap(), now()).unwrap(), 1, "SQLite: {question}");
    }

    let url = ward_store::throwaway::fresh_database("v9").unwrap();
    PostgresStore::connect(&url).unwrap().ingest(&events).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute(as_version_9_wrote).unwrap();
    let mut rows =
        || -> Vec<String> { client.query(path_rows, &[]).unwrap().iter().map(|r| r.get(0)).collect() };
    assert_ne!(rows(), folded, "as version 9 wrote them");
    let mut postgres = PostgresStore::connect(&url).unwrap();
    assert_eq!(rows(), folded, "PostgreSQL v9 → v10");
    for question in questions {
        assert_eq!(
            postgres.count(&Query::parse(question).unwrap(), now()).unwrap(),
            1,
            "PostgreSQL: {question}"
        );
    }
}

/// A database created with a language's collation (here `C.utf8`, which every glibc has; many
/// installations default to `en_US.UTF-8`): once the store is open its text columns compare by
/// bytes, so a prefix question is an index range, and the answers are SQLite's, order included.
#[test]
fn a_database_with_a_language_collation_compares_text_by_bytes() {
    let url = ward_store::throwaway::fresh_database_in("collation", "C.utf8").unwrap();
    let mut store = PostgresStore::connect(&url).unwrap();
    let events = generated(2_000, 4, 30);
    store.ingest(&events).unwrap();
    let mut sqlite = SqliteStore::in_memory().unwrap();
    sqlite.ingest(&events).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let collation: String = client
        .query_one("SELECT datcollate FROM pg_database WHERE datname = current_database()", &[])
        .unwrap()
        .get(0);
    assert_eq!(collation, "C.utf8");
    // Every text column of every table and partition compares in C.
    let not_in_c =
        "SELECT c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 \
        AND NOT a.attisdropped AND a.atttypid = 'text'::regtype AND a.attcollation <> \
        (SELECT oid FROM pg_collation WHERE collname = 'C' AND collnamespace = 'pg_catalog'::regnamespace)";
    // (The first few, if any: a failure would list a column per partition.)
    let columns = |client: &mut postgres::Client| -> Vec<String> {
        client.query(not_in_c, &[]).unwrap().iter().take(5).map(|r| r.get(0)).collect()
    };
    assert_eq!(columns(&mut client), Vec::<String>::new());
    let partitions: i64 =
        client.query_one("SELECT count(*) FROM pg_class WHERE relispartition", &[]).unwrap().get(0);
    assert!(partitions > 30, "the events' days have partitions ({partitions})");
    // A prefix is an index range (PostgreSQL makes one of LIKE 'x%' only under C).
    client.batch_execute("SET enable_seqscan = off").unwrap();
    let plan: Vec<String> = client
        .query("EXPLAIN SELECT count(*) FROM events WHERE repo LIKE 'github.com/acme/%'", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(plan.iter().any(|line| line.contains("Index Cond") && line.contains("repo >=")), "{plan:#?}");
    for (text, fields) in [
        ("repo:github.com/acme/*", vec![Field::Repo]),
        ("rule:*", vec![Field::Rule]),
        ("path:~/.aws/*", vec![Field::Path]),
        ("", vec![Field::Agent, Field::Tier]),
    ] {
        let query = Query::parse(text).unwrap();
        let from_postgres = store.count_by(&query, &fields, now(), 1_000).unwrap();
        assert!(!from_postgres.is_empty(), "{text}");
        assert_eq!(from_postgres, sqlite.count_by(&query, &fields, now(), 1_000).unwrap(), "{text}");
        assert_eq!(
            ids(&store.events(&query, now(), 50).unwrap()),
            ids(&sqlite.events(&query, now(), 50).unwrap()),
            "{text}"
        );
    }
    // Opening again finds nothing left to change.
    drop(PostgresStore::connect(&url).unwrap());
    assert_eq!(columns(&mut client), Vec::<String>::new());

    // A column that cannot be changed (an administrator's view on it) does not stop the store
    // from opening, and its answers stay SQLite's.
    client
        .batch_execute(
            "ALTER TABLE events ALTER COLUMN repo TYPE text COLLATE \"default\"; \
             CREATE VIEW admin_repos AS SELECT repo FROM events",
        )
        .unwrap();
    let mut reopened = PostgresStore::connect(&url).unwrap();
    let query = Query::parse("repo:github.com/acme/*").unwrap();
    assert_eq!(
        reopened.count_by(&query, &[Field::Repo], now(), 1_000).unwrap(),
        sqlite.count_by(&query, &[Field::Repo], now(), 1_000).unwrap()
    );
    assert_eq!(columns(&mut client).first().map(String::as_str), Some("events.repo"));
    assert!(columns(&mut client).iter().all(|c| c.ends_with(".repo")), "{:?}", columns(&mut client));

    // An ICU database compares by its ICU locale whatever its libc collation says.
    let base = ward_store::throwaway::postgres_url().unwrap();
    let name = format!("icu_{}", std::process::id());
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu \
             ICU_LOCALE 'en-US' LC_COLLATE 'C' LC_CTYPE 'C'"
        ))
        .unwrap();
    let icu_url =
        url.replace(&url.parse::<postgres::Config>().unwrap().get_dbname().unwrap().to_owned(), &name);
    drop(PostgresStore::connect(&icu_url).unwrap());
    let mut icu = postgres::Client::connect(&icu_url, postgres::NoTls).unwrap();
    assert_eq!(columns(&mut icu), Vec::<String>::new());
}

/// `events` re-linked and resealed in order, as one device's intact chain.
fn rechained(events: Vec<Event>) -> Vec<Event> {
    let mut prev = ward_audit::chain::GENESIS_HASH.to_owned();
    events
        .into_iter()
        .map(|mut e| {
            e.prev_hash = prev.clone();
            let e = resealed(e);
            prev = e.hash.clone();
            e
        })
        .collect()
}

/// A store written by schema version 1 (bodies carrying `hash`, the version-1 tag table and
/// indexes) opens, migrates to the current version and answers as before.
#[test]
fn a_version_1_store_migrates_and_reads_back() {
    use ward_store::schema::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
    let events = generated(40, 2, 3);
    let query = Query::parse("class:credential OR agent:codex").unwrap();
    let expected: Vec<String> =
        events.iter().rev().filter(|e| query.matches(e, now())).map(|e| e.id.clone()).collect();
    assert!(!expected.is_empty());
    let row_values = |event: &Event| {
        let raw = String::from_utf8(chain::canonical_json(&serde_json::to_value(event).unwrap())).unwrap();
        let scalars: Vec<Option<String>> =
            Field::scalars().map(|f| f.scalar(event).map(str::to_owned)).collect();
        let tags: Vec<(&str, String)> = Field::sets()
            .flat_map(|f| f.set(event).into_iter().map(move |v| (f.name(), v.into_owned())))
            .collect();
        (raw, scalars, tags)
    };
    let columns: Vec<String> = Field::scalars().map(|f| format!("\"{}\"", f.name())).collect();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite");
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_us INTEGER NOT NULL)",
            )
            .unwrap();
        connection.execute_batch(SQLITE_MIGRATIONS[0].1).unwrap();
        connection.execute("INSERT INTO schema_migrations VALUES (1, 0)", []).unwrap();
        for (pk, event) in events.iter().enumerate() {
            let (raw, scalars, tags) = row_values(event);
            let time = event.time.unix_micros();
            let placeholders: Vec<String> = (0..scalars.len()).map(|i| format!("?{}", i + 5)).collect();
            let sql = format!(
                "INSERT INTO events (pk, time_us, seq, hash, {}) VALUES (?1, ?2, ?3, ?4, {})",
                columns.join(", "),
                placeholders.join(", ")
            );
            let mut values: Vec<rusqlite::types::Value> =
                vec![(pk as i64).into(), time.into(), (event.seq as i64).into(), event.hash.clone().into()];
            values.extend(scalars.into_iter().map(|v| v.map_or(rusqlite::types::Value::Null, Into::into)));
            connection.execute(&sql, rusqlite::params_from_iter(values)).unwrap();
            connection
                .execute(
                    "INSERT INTO event_bodies VALUES (?1, ?2, ?3)",
                    rusqlite::params![pk as i64, time, raw],
                )
                .unwrap();
            for (field, value) in tags {
                connection
                    .execute(
                        "INSERT INTO event_tags VALUES (?1, ?2, ?3, ?4)",
                        rusqlite::params![pk as i64, time, field, value],
                    )
                    .unwrap();
            }
        }
    }
    let mut sqlite = SqliteStore::open(&path).unwrap();
    assert_eq!(ids(&sqlite.events(&query, now(), 1_000).unwrap()), expected, "SQLite v1 → current");
    assert_eq!(
        sqlite.events(&query, now(), 1_000).unwrap()[0],
        *events.iter().rev().find(|e| query.matches(e, now())).unwrap()
    );

    let url = ward_store::throwaway::fresh_database("v1").unwrap();
    {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .batch_execute(
                "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_us BIGINT NOT NULL)",
            )
            .unwrap();
        client.batch_execute(POSTGRES_MIGRATIONS[0].1).unwrap();
        client.execute("INSERT INTO schema_migrations VALUES (1, 0)", &[]).unwrap();
        for (pk, event) in events.iter().enumerate() {
            let (raw, scalars, tags) = row_values(event);
            let time = event.time.unix_micros();
            let placeholders: Vec<String> = (0..scalars.len()).map(|i| format!("${}", i + 5)).collect();
            let sql = format!(
                "INSERT INTO events (pk, time_us, seq, hash, {}) VALUES ($1, $2, $3, $4, {})",
                columns.join(", "),
                placeholders.join(", ")
            );
            let head: [&(dyn postgres::types::ToSql + Sync); 4] =
                [&(pk as i64), &time, &(event.seq as i64), &event.hash];
            let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = head.to_vec();
            params.extend(scalars.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)));
            client.execute(sql.as_str(), &params).unwrap();
            client
                .execute("INSERT INTO event_bodies VALUES ($1, $2, $3)", &[&(pk as i64), &time, &raw])
                .unwrap();
            for (field, value) in &tags {
                client
                    .execute(
                        "INSERT INTO event_tags VALUES ($1, $2, $3, $4)",
                        &[&(pk as i64), &time, field, value],
                    )
                    .unwrap();
            }
        }
        client.execute("SELECT setval('events_pk_seq', 1000)", &[]).unwrap();
    }
    let mut postgres = PostgresStore::connect(&url).unwrap();
    assert_eq!(ids(&postgres.events(&query, now(), 1_000).unwrap()), expected, "PostgreSQL v1 → current");
    // Re-sending the same events after the upgrade stores nothing twice.
    let report = postgres.ingest(&events).unwrap();
    assert_eq!((report.inserted, report.duplicates), (0, 40));
    let report = sqlite.ingest(&events).unwrap();
    assert_eq!((report.inserted, report.duplicates), (0, 40));
    // Version 4 copied agent and device onto the class rows already stored.
    let credential = Query::parse("class:credential").unwrap();
    let by = [Field::Agent, Field::Device];
    let expected = counted_in_memory(&events, &credential, &by);
    assert!(!expected.is_empty());
    assert_eq!(counted(&mut sqlite, &credential, &by), expected, "SQLite v1 → current");
    assert_eq!(counted(&mut postgres, &credential, &by), expected, "PostgreSQL v1 → current");
}

/// A version-3 store's class rows (no agent/device) are filled in by the version-4 migration.
#[test]
fn a_version_3_store_migrates_to_version_4() {
    let events = generated(300, 4, 10);
    let credential = Query::parse("class:credential since:30d").unwrap();
    let by = [Field::Agent, Field::Device];
    let expected = counted_in_memory(&events, &credential, &by);
    assert!(!expected.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.sqlite");
    SqliteStore::open(&path).unwrap().ingest(&events).unwrap();
    {
        // Back to version 3: the class rows as version 3 wrote them, the v4 index gone.
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "DROP INDEX event_tags_class; \
                 ALTER TABLE event_tags DROP COLUMN \"agent\"; ALTER TABLE event_tags DROP COLUMN \"device\"; \
                 DELETE FROM schema_migrations WHERE version >= 4;",
            )
            .unwrap();
    }
    let mut sqlite = SqliteStore::open(&path).unwrap();
    assert_eq!(counted(&mut sqlite, &credential, &by), expected, "SQLite v3 → v4");

    let url = ward_store::throwaway::fresh_database("v3").unwrap();
    PostgresStore::connect(&url).unwrap().ingest(&events).unwrap();
    {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .batch_execute(
                "DROP INDEX event_tags_class; \
                 ALTER TABLE event_tags DROP COLUMN \"agent\", DROP COLUMN \"device\"; \
                 DELETE FROM schema_migrations WHERE version >= 4;",
            )
            .unwrap();
    }
    let mut postgres = PostgresStore::connect(&url).unwrap();
    assert_eq!(counted(&mut postgres, &credential, &by), expected, "PostgreSQL v3 → v4");
}

/// Version 5 takes `path` values out of the value index (`event_tags_lookup` becomes partial):
/// a version-4 store migrates, its index is rebuilt with the predicate the query compiler
/// repeats, and every set term answers as in memory, path terms included.
#[test]
fn a_version_4_store_migrates_to_version_5() {
    use ward_store::schema::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
    // One predicate each: the indexes the migrations create are the ones the compiler writes for.
    for (store, migrations) in [("SQLite", SQLITE_MIGRATIONS), ("PostgreSQL", POSTGRES_MIGRATIONS)] {
        let (_, v5) = migrations.iter().find(|(v, _)| *v == 5).unwrap();
        assert!(v5.contains(&format!("WHERE {};", sql::VALUE_INDEX_PREDICATE)), "{store}: {v5}");
        assert!(v5.contains(&format!("WHERE {};", sql::PATH_INDEX_PREDICATE)), "{store}: {v5}");
    }
    for (dialect, migrations) in
        [(Dialect::Sqlite, SQLITE_MIGRATIONS), (Dialect::Postgres, POSTGRES_MIGRATIONS)]
    {
        let (_, v9) = migrations.iter().find(|(v, _)| *v == 9).unwrap();
        assert!(v9.contains(&format!("WHERE {};", sql::glob_path_predicate(dialect))), "{dialect:?}: {v9}");
    }
    // PostgreSQL's version 11: the event index has the value index's predicate, which the
    // compiler writes into a `--count-by` join on any field but `path`.
    let (_, v11) = POSTGRES_MIGRATIONS.iter().find(|(v, _)| *v == 11).unwrap();
    assert!(v11.contains(&format!("WHERE {};", sql::VALUE_INDEX_PREDICATE)), "{v11}");
    let events = generated(300, 4, 10);
    let queries = ["path:src/*", "path:*credentials*", "rule:standard.*", "-path:src/* since:30d", "host:*"];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.sqlite");
    SqliteStore::open(&path).unwrap().ingest(&events).unwrap();
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "DROP INDEX event_tags_lookup; DROP INDEX event_tags_path; \
                 CREATE INDEX event_tags_lookup ON event_tags (field, value, time_us); \
                 DELETE FROM schema_migrations WHERE version >= 5;",
            )
            .unwrap();
    }
    let mut sqlite = SqliteStore::open(&path).unwrap();
    let index: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT sql FROM sqlite_master WHERE name = 'event_tags_lookup'", [], |r| r.get(0))
        .unwrap();
    assert!(index.contains("WHERE field <> 'path'"), "{index}");

    let url = ward_store::throwaway::fresh_database("v4").unwrap();
    PostgresStore::connect(&url).unwrap().ingest(&events).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(
            "DROP INDEX event_tags_lookup; DROP INDEX event_tags_path; \
             CREATE INDEX event_tags_lookup ON event_tags (field, value, time_us) INCLUDE (event_pk); \
             DELETE FROM schema_migrations WHERE version >= 5;",
        )
        .unwrap();
    let mut postgres = PostgresStore::connect(&url).unwrap();
    let index: String = client
        .query_one("SELECT indexdef FROM pg_indexes WHERE indexname = 'event_tags_lookup'", &[])
        .unwrap()
        .get(0);
    assert!(index.contains("<> 'path'"), "{index}");

    for text in queries {
        let query = Query::parse(text).unwrap();
        let expected: Vec<String> =
            events.iter().rev().filter(|e| query.matches(e, now())).map(|e| e.id.clone()).collect();
        assert_eq!(ids(&sqlite.events(&query, now(), 1_000).unwrap()), expected, "SQLite v4 → v5: {text}");
        assert_eq!(
            ids(&postgres.events(&query, now(), 1_000).unwrap()),
            expected,
            "PostgreSQL v4 → v5: {text}"
        );
    }
}

/// Version 6 widens SQLite's decision index with the filters asked beside a decision, and puts
/// time first in PostgreSQL's primary key (which then replaces its time index); a version-5
/// store of either kind migrates at open and answers as before.
#[test]
fn a_version_5_store_migrates_to_version_6() {
    use ward_store::schema::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
    assert!(SQLITE_MIGRATIONS.iter().any(|(v, _)| *v == 6));
    assert!(POSTGRES_MIGRATIONS.iter().any(|(v, _)| *v == 6));
    let events = generated(400, 4, 10);
    let queries =
        ["decision:deny -tier:open", "decision:ask agent:codex", "decision:log action:read tool:Read"];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v5.sqlite");
    SqliteStore::open(&path).unwrap().ingest(&events).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DROP INDEX events_decision_time; CREATE INDEX events_decision_time ON events (\"decision\", time_us); \
             DELETE FROM schema_migrations WHERE version >= 6;",
        )
        .unwrap();
    let mut sqlite = SqliteStore::open(&path).unwrap();
    let index: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT sql FROM sqlite_master WHERE name = 'events_decision_time'", [], |r| r.get(0))
        .unwrap();
    assert!(index.contains(r#""tier", "agent", "action", "tool")"#), "{index}");

    let mut nonempty = 0;
    for text in queries {
        let query = Query::parse(text).unwrap();
        let expected: Vec<String> =
            events.iter().rev().filter(|e| query.matches(e, now())).map(|e| e.id.clone()).collect();
        nonempty += usize::from(!expected.is_empty());
        assert_eq!(ids(&sqlite.events(&query, now(), 1_000).unwrap()), expected, "SQLite v5 → v6: {text}");
        assert_eq!(sqlite.count(&query, now()).unwrap(), expected.len() as u64, "SQLite v5 → v6: {text}");
    }
    assert!(nonempty >= 2, "the queries must find something to compare");

    let url = ward_store::throwaway::fresh_database("v5").unwrap();
    PostgresStore::connect(&url).unwrap().ingest(&events).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(
            "ALTER TABLE events DROP CONSTRAINT events_pkey; \
             ALTER TABLE events ADD PRIMARY KEY (pk, time_us) INCLUDE (\"agent\", \"device\"); \
             CREATE INDEX events_time ON events (time_us); \
             DELETE FROM schema_migrations WHERE version >= 6;",
        )
        .unwrap();
    let mut postgres = PostgresStore::connect(&url).unwrap();
    let key: String =
        client.query_one("SELECT pg_get_indexdef('events_pkey'::regclass)", &[]).unwrap().get(0);
    assert!(key.ends_with(r#"(time_us, pk) INCLUDE (agent, device)"#), "{key}");
    let time_index: Option<String> =
        client.query_one("SELECT to_regclass('events_time')::text", &[]).unwrap().get(0);
    assert_eq!(time_index, None, "the key serves time windows now");
    for text in queries.into_iter().chain(["since:3d"]) {
        let query = Query::parse(text).unwrap();
        let expected: Vec<String> =
            events.iter().rev().filter(|e| query.matches(e, now())).map(|e| e.id.clone()).collect();
        assert_eq!(
            ids(&postgres.events(&query, now(), 1_000).unwrap()),
            expected,
            "PostgreSQL v5 → v6: {text}"
        );
        assert_eq!(
            postgres.count(&query, now()).unwrap(),
            expected.len() as u64,
            "PostgreSQL v5 → v6: {text}"
        );
    }
    // Ingest after the upgrade: new events land under the new key, re-sent ones are duplicates.
    let more = Generator::new(99, 1, now() - Duration::days(1), Duration::days(1), 40).batch(40);
    assert_eq!(postgres.ingest(&more).unwrap().inserted, 40);
    assert_eq!(postgres.ingest(&events).unwrap().duplicates, events.len() as u64);
}

/// A SQLite store of 300 generated events for EXPLAIN QUERY PLAN (the directory keeps it).
fn plans_store() -> (tempfile::TempDir, rusqlite::Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.sqlite");
    SqliteStore::open(&path).unwrap().ingest(&generated(300, 4, 10)).unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    (dir, connection)
}

/// SQLite's plan for `sql` (EXPLAIN QUERY PLAN, its details one per line).
fn sqlite_plan(connection: &rusqlite::Connection, sql: &sql::Sql) -> String {
    let params = sql.params.iter().map(|p| match p {
        sql::SqlParam::Text(text) => rusqlite::types::Value::Text(text.clone()),
        sql::SqlParam::Int(int) => rusqlite::types::Value::Integer(*int),
        sql::SqlParam::TextList(texts) => rusqlite::types::Value::Text(serde_json::to_string(texts).unwrap()),
    });
    let mut statement = connection.prepare(&format!("EXPLAIN QUERY PLAN {}", sql.text)).unwrap();
    let details: Vec<String> = statement
        .query_map(rusqlite::params_from_iter(params), |row| row.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    details.join("\n")
}

/// A listing of rare matches sorts them instead of walking the time index (which would visit
/// every event to find none); a listing of common ones walks it and stops.
#[test]
fn rare_matches_are_sorted_not_walked_for() {
    let (_dir, connection) = plans_store();
    let plan = |sql: sql::Sql| sqlite_plan(&connection, &sql);
    for text in ["agent:nobody", "tool:Write -tier:open", "decision:deny agent:x"] {
        let expr = Query::parse(text).unwrap().expr;
        let walk = plan(sql::select_events(&expr, Dialect::Sqlite, now(), 50));
        let few = plan(sql::select_few_events(&expr, now(), 50));
        assert!(!few.contains("events_time"), "{text}:\n{few}");
        assert!(few.contains("TEMP B-TREE FOR ORDER BY"), "{text}:\n{few}");
        if !text.starts_with("decision") {
            assert!(walk.contains("USING INDEX events_time"), "{text}: the walk, for contrast:\n{walk}");
        }
    }
}

/// The decision questions are answered from `events_decision_time` alone (SQLite: a covering
/// index), counts and groups included: no row lookup per match.
#[test]
fn decision_questions_read_only_the_decision_index() {
    let (_dir, connection) = plans_store();
    let plan = |sql: sql::Sql| sqlite_plan(&connection, &sql);
    for text in [
        "decision:deny -tier:open",
        "decision:ask agent:codex since:7d",
        "decision:deny tool:Bash -action:read",
    ] {
        let expr = Query::parse(text).unwrap().expr;
        for (shape, sql) in [
            ("count", sql::count(&expr, Dialect::Sqlite, now())),
            (
                "count by tier, agent",
                sql::count_by(&expr, &[Field::Tier, Field::Agent], Dialect::Sqlite, now(), 100),
            ),
        ] {
            let plan = plan(sql);
            assert!(plan.contains("USING COVERING INDEX events_decision_time"), "{text}, {shape}:\n{plan}");
        }
    }
}

/// With checkpoints in the background the store restarts the WAL itself once it passes the hard
/// limit, so a continuous load keeps it near that size; SQLite's own checkpoint is off, so
/// without the store's the WAL would hold everything written (~25 MB here).
#[test]
fn background_checkpoints_keep_the_wal_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ward.db");
    let mut store = SqliteStore::open(&path).unwrap();
    store.checkpoint_in_background(ward_store::wal::WalLimits { soft: 64, hard: 256 }).unwrap();
    let events = generated(20_000, 40, 5);
    for batch in events.chunks(500) {
        let report = store.ingest(batch).unwrap();
        assert_eq!((report.inserted, report.findings.len()), (batch.len() as u64, 0));
        // The checkpoint thread copies each commit's frames before the next one comes.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let wal = std::fs::metadata(dir.path().join("ward.db-wal")).map(|m| m.len()).unwrap_or(0);
    let database = std::fs::metadata(&path).unwrap().len();
    assert!(wal < 8 << 20, "the WAL grew to {wal} bytes");
    assert!(database > 16 << 20, "the load wrote {database} bytes");
    assert_eq!(store.count(&Query::parse("").unwrap(), now()).unwrap(), 20_000);
}

/// A batch rolled back (here: for a forged id it did not look up, then run again) takes the day
/// partitions it created with it; the store must not go on believing they exist, or every later
/// event of those days lands in the default partition (which retention cannot drop whole, and
/// which then stops the day's partition from ever being created).
#[test]
fn a_batch_run_again_after_a_collision_still_gets_its_day_partitions() {
    let url = ward_store::throwaway::fresh_database("collision-partitions")
        .unwrap_or_else(|reason| panic!("PostgreSQL is required for the store tests: {reason}"));
    let mut store = PostgresStore::connect(&url).unwrap();
    let now = OffsetDateTime::now_utc();
    let victim = Generator::new(3, 1, now - Duration::hours(2), Duration::hours(1), 10).batch(10);
    store.ingest(&victim).unwrap();
    // A new device's batch on a day with no partition yet, one event reusing the victim's id.
    let mut forger = Generator::new(4, 1, now + Duration::days(1), Duration::hours(1), 100).batch(100);
    let mut prev = chain::GENESIS_HASH.to_owned();
    for (index, event) in forger.iter_mut().enumerate() {
        event.device = "forger".into();
        if index == 50 {
            event.id = victim[3].id.clone();
            event.time = victim[3].time.clone();
        }
        event.prev_hash = prev.clone();
        chain::seal(event).unwrap();
        prev = event.hash.clone();
    }
    let report = store.ingest(&forger).unwrap();
    assert_eq!((report.inserted, report.duplicates), (99, 1));
    // Later events of that day, from another device.
    let later = Generator::new(5, 1, now + Duration::days(1) + Duration::seconds(7), Duration::hours(1), 50)
        .batch(50);
    assert_eq!(store.ingest(&later).unwrap().inserted, 50);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let in_default: i64 = client.query_one("SELECT count(*) FROM events_default", &[]).unwrap().get(0);
    assert_eq!(in_default, 0, "events landed in the default partition");
}

/// SQLite's plans for set terms: an indexed field's term searches the value index, a `path` term
/// the path index, within the query's window when it has one (both partial indexes are usable
/// only because the compiler repeats their predicates); neither scans the tag table.
#[test]
fn set_terms_search_the_right_sqlite_index() {
    let (_dir, connection) = plans_store();
    let plan = |text: &str| {
        sqlite_plan(
            &connection,
            &sql::select_events(&Query::parse(text).unwrap().expr, Dialect::Sqlite, now(), 50),
        )
    };
    for text in ["rule:standard.log-credential-reads", "fingerprint:*a1*", "host:api.github.com since:7d"] {
        let plan = plan(text);
        assert!(plan.contains("USING COVERING INDEX event_tags_lookup"), "{text}:\n{plan}");
        assert!(!plan.contains("SCAN t"), "{text}:\n{plan}");
    }
    for (text, access) in [
        ("path:*credentials*", "SCAN t USING COVERING INDEX event_tags_path"),
        ("agent:codex path:src/* since:7d", "SEARCH t USING COVERING INDEX event_tags_path (time_us>?)"),
        ("(path:.env OR -path:src/*) until:2d", "SEARCH t USING COVERING INDEX event_tags_path (time_us<?)"),
    ] {
        let plan = plan(text);
        assert!(plan.contains(access), "{text}:\n{plan}");
        assert!(!plan.contains("event_tags_lookup"), "{text}:\n{plan}");
    }
    // Path terms OR'd together read the path index once.
    for text in ["path:.env OR path:src/*", "(path:~/.aws/* OR path:*.pem OR path:.env) since:7d"] {
        let plan = plan(text);
        assert_eq!(plan.matches("event_tags_path").count(), 1, "{text}:\n{plan}");
    }
    // The stored globs are read from their own small index, not from every path; a question
    // with globs listed beside it still reads the path index once.
    let globs = sql::Sql { text: sql::stored_path_globs(Dialect::Sqlite).to_owned(), params: Vec::new() };
    let plan = sqlite_plan(&connection, &globs);
    assert!(plan.contains("USING COVERING INDEX event_tags_path_glob"), "{plan}");
    let listed = Query::parse("path:~/.ssh/* since:7d").unwrap().with_globbed_paths(&["~/.s?h/x".to_owned()]);
    let plan = sqlite_plan(&connection, &sql::select_events(&listed.expr, Dialect::Sqlite, now(), 50));
    assert_eq!(plan.matches("event_tags_path ").count(), 1, "{plan}");
    assert!(plan.contains("SEARCH t USING COVERING INDEX event_tags_path (time_us>?)"), "{plan}");
}
