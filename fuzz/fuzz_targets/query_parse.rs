//! The query language parser on arbitrary text: never panics; whatever parses compiles to SQL
//! in both dialects (both listing plans; with this machine's home added) and evaluates against
//! an event. The text is also a path an event carries: its normal form is stable, and so are
//! its canonical form and its value (canonical, without case) in a working directory. (`crates/ward-query/tests/mutations.rs` runs a seeded version of this in
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
