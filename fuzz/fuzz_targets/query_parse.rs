//! The query language parser on arbitrary text: never panics; whatever parses compiles to SQL
//! in both dialects (both listing plans; with this machine's home added) and evaluates against
//! an event. The text is also a path an event carries: its normal form is stable, and so are
//! its canonical form and its value (canonical, without case) in a working directory. As a
//! stored path glob (`ward_query::path_glob`) it is intersected with a few questions without
//! panicking (a value that is no glob names nothing), and a query with it listed compiles. (`crates/ward-query/tests/mutations.rs` runs a seeded version of this in
//! `cargo test`.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use ward_model::{Event, EventKind};
use ward_query::sql::{count_by, select_events, select_few_events, Dialect};
use ward_query::{Field, Query};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(normal) = ward_query::path_form::normal_path(text) {
        assert_eq!(ward_query::path_form::normal_path(&normal), None, "{text:?} → {normal:?}");
    }
    for cwd in ["/home/dev/src", "~/src", "C:\\Users\\dev"] {
        if let Some(canonical) = ward_query::path_form::canonical_path(text, Some(cwd)) {
            assert_eq!(ward_query::path_form::canonical_path(&canonical, Some(cwd)), None, "{text:?} → {canonical:?}");
        }
        let value = ward_query::path_form::path_value(text, Some(cwd));
        assert_eq!(ward_query::path_form::path_value(&value, Some(cwd)), value, "{text:?} in {cwd}");
    }
    let value = ward_query::path_form::path_value(text, None).into_owned();
    for question in ["~/.ssh/*", "*id_*", "/etc/passwd"] {
        let query = Query::parse(&format!("path:{question}")).expect("a fixed question");
        let ward_query::Expr::Term(ward_query::Term { value: ward_query::TermValue::Pattern(pattern), .. }) = &query.expr
        else {
            unreachable!("one term")
        };
        if !ward_query::path_glob::is_shell_glob(&value) {
            assert!(!ward_query::path_glob::could_name(&value, pattern), "{value:?} is no glob");
        } else {
            let _ = ward_query::path_glob::could_name(&value, pattern);
        }
        let listed = query.with_globbed_paths(std::slice::from_ref(&value));
        let _ = select_events(&listed.expr, Dialect::Postgres, OffsetDateTime::UNIX_EPOCH, 10);
    }
    if let Ok(query) = Query::parse(text) {
        let now = OffsetDateTime::UNIX_EPOCH;
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let _ = select_events(&query.expr, dialect, now, 10);
            let _ = count_by(&query.expr, &[Field::Agent, Field::Class], dialect, now, 10);
        }
        let mut event = Event::draft(EventKind::Decision);
        event.agent = Some("codex".into());
        event.classes = vec!["credentials".into()];
        event.paths = vec![ward_model::PathTarget { path: text.into(), access: ward_model::Access::Read }];
        event.cwd = Some("/home/dev/src".into());
        let _ = query.matches(&event, now);
        let _ = select_few_events(&query.expr, now, 10);
        // `ward audit query` adds this machine's home to `~/` path terms.
        let local = query.with_home("/var/lib/dev");
        let _ = select_events(&local.expr, Dialect::Sqlite, now, 10);
        let _ = local.matches(&event, now);
    }
    let _ = ward_query::parse_fields(text);
});
