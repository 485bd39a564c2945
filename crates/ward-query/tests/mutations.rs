//! Seeded mutation of valid queries (the same idea as the fuzz target `query_parse`, run in
//! `cargo test`): the parser never panics, errors point inside the text, and whatever parses
//! compiles in both dialects and evaluates.

use time::OffsetDateTime;
use ward_model::{Event, EventKind};
use ward_query::sql::{count_by, select_events, select_few_events, Dialect};
use ward_query::{Field, Query};

const SEEDS: &[&str] = &[
    "class:credential since:90d",
    "agent:codex decision:deny -tier:open",
    "(agent:claude-code OR agent:gemini-cli) AND NOT repo:github.com/acme/*",
    r#"path:"/home/dev/.aws/credentials" host:*.example.com until:2026-08-01T10:00:00Z"#,
    "rule:sensitive.* fingerprint:9f2c41d0 since:12h until:1d",
    // The ends of the calendar (the day after 9999-12-31 is no instant).
    "until:9999-12-31 since:0000-01-01",
    "path:~/.aws/* OR path:~/.ssh/id_* -cwd:~/src/*",
    // Paths written as globs (the mutated text is also tried as one).
    "~/.s?h/id_rsa",
    "/home/dev/.{ssh,a{w,x}s}/id_*",
    "C:\\Users\\bo\\.ss[!a-g]\\*",
    "**/../.s*/id_rsa",
    "/tmp/k.tgz/**",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

const INSERTS: &[&[u8]] = &[
    b"(",
    b")",
    b"\"",
    b"\\",
    b"-",
    b":",
    b" OR ",
    b"NOT ",
    b"*",
    b"\n",
    b"\0",
    "é".as_bytes(),
    b"since:",
    b"agnt:",
    b"{a,",
    b"[!",
    b"?",
    b"**",
];

#[test]
fn mutated_queries_never_panic() {
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let mut event = Event::draft(EventKind::Decision);
    event.agent = Some("codex".into());
    event.classes = vec!["credentials".into()];
    let mut rng = Rng(0x0dd_ba11);
    let mut parsed = 0;
    let questions: Vec<Query> =
        ["path:~/.ssh/*", "path:*id_*", "-path:~/src/*", "path:/etc/* OR path:~/.aws/*"]
            .iter()
            .map(|q| Query::parse(q).unwrap())
            .collect();
    for round in 0..20_000 {
        let mut bytes = SEEDS[(rng.next() % SEEDS.len() as u64) as usize].as_bytes().to_vec();
        for _ in 0..(rng.next() % 4 + 1) {
            let at = (rng.next() as usize) % (bytes.len() + 1);
            match rng.next() % 3 {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 if at < bytes.len() => bytes[at] = rng.next() as u8,
                _ => {
                    let insert = INSERTS[(rng.next() % INSERTS.len() as u64) as usize];
                    bytes.splice(at..at, insert.iter().copied());
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        // The text as a path an agent wrote as a glob: the listed form of a question (what
        // the stores compile) decides as the evaluator does by itself.
        let mut globbed = event.clone();
        globbed.paths =
            vec![ward_model::PathTarget { path: text.to_string(), access: ward_model::Access::Read }];
        let value = ward_query::path_form::path_value(&text, None).into_owned();
        for question in questions.iter().take(if round % 8 == 0 { 4 } else { 0 }) {
            let listed = question.clone().with_globbed_paths(std::slice::from_ref(&value));
            assert_eq!(
                listed.matches(&globbed, now),
                question.matches(&globbed, now),
                "{text:?}: {}",
                question.text
            );
            let _ = select_events(&listed.expr, Dialect::Sqlite, now, 5);
        }
        match Query::parse(&text) {
            Ok(query) => {
                parsed += 1;
                for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                    let _ = select_events(&query.expr, dialect, now, 5);
                    let _ = count_by(&query.expr, &[Field::Agent, Field::Rule], dialect, now, 5);
                }
                let _ = query.matches(&event, now);
                let _ = select_few_events(&query.expr, now, 5);
                // This machine's home, as `ward audit query` adds it (an odd one, to stress it).
                let local = query.with_home("/tmp/h*m[e]\\");
                let _ = select_events(&local.expr, Dialect::Postgres, now, 5);
                let _ = local.matches(&event, now);
            }
            Err(error) => {
                let lines = text.split('\n').count();
                assert!(error.line >= 1 && error.line <= lines, "{error} in {text:?}");
                let line_text = text.split('\n').nth(error.line - 1).unwrap_or("");
                assert!(
                    error.column >= 1 && error.column <= line_text.chars().count() + 1,
                    "{error} in {text:?}"
                );
            }
        }
    }
    assert!(parsed > 1_000, "mutations should often stay valid ({parsed})");
}
