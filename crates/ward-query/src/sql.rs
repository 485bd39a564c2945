//! AST → SQL for the SQLite and PostgreSQL stores. **Every value is a bound parameter**: the SQL
//! text is built only from this module's fixed fragments, column names from [`Field`], and
//! parameter placeholders, so the text depends on the query's *shape* and never on its values
//! (a property test holds this). Shape includes where a value has wildcards, whether a
//! `path:`/`cwd:` value starts with `~/` (it then stands for several home forms) and whether it
//! ends in a named directory's `/*` (it then also matches the directory: [`home_variants`]).
//!
//! The logical schema compiled against (created by `ward-store`'s migrations):
//!
//! * `events e`: `pk` (integer key), `time_us` (microseconds since the epoch), one text column
//!   per scalar field (`agent`, `device`, `kind`, `decision`, …, named as the field);
//! * `event_bodies b`: `(pk, time_us, raw)`, the event's JSON (without `hash`, which is
//!   `events.hash`);
//! * `event_tags`: `(event_pk, field, value)`, one row per value of a set field (`class`, `rule`,
//!   `host`, `fingerprint`, `path`), keyed by event (`event_pk` first); indexed by value,
//!   `(field, value, time_us)` `WHERE` [`VALUE_INDEX_PREDICATE`], but for `path`, whose rows are
//!   indexed by time, `(time_us, value)` `WHERE` [`PATH_INDEX_PREDICATE`] (schema version 5);
//!   its `class` rows also carry the event's `agent` and `device`, covered by a partial index
//!   (schema version 4).

use time::OffsetDateTime;

use crate::ast::{Expr, Pattern, Piece, Term, TermValue, TimeBound};
use crate::field::{class_variants, home_needle, home_variants, shared_needle, Field, Shape};

/// The predicate of the stores' value index on `event_tags` (`event_tags_lookup`, a partial
/// index since schema version 5): every set field's values but `path`'s. PostgreSQL's event
/// index (`event_tags_event`) has it too since its schema version 11: a path row's event is
/// found in the path index, by time. A path is one row per
/// tool call with as many distinct values as files the agents touch, so its entries land at
/// random places of the index: a third of a bulk load's writer time went to them (measured in
/// docs/query.md) for an index the usual path question (`path:*/.ssh/*`, a leading wildcard)
/// cannot narrow anyway. Path terms read the path index instead ([`PATH_INDEX_PREDICATE`]).
/// A term on an indexed field repeats this text so the planners (SQLite compares the text, and
/// the field itself is a bound parameter) may use the partial index; `ward-store`'s migrations
/// create the index with it, and a test there holds the two equal.
pub const VALUE_INDEX_PREDICATE: &str = "field <> 'path'";

/// The predicate of the stores' path index (`event_tags_path`, schema version 5): the `path`
/// rows in time order, so inserting one appends, as the time index does. A `path:` term reads
/// it within the query's `since:`/`until:` window (index-only), whatever its pattern; like
/// the value index, the compiler repeats this text for the planners.
pub const PATH_INDEX_PREDICATE: &str = "field = 'path'";

/// The text of [`glob_path_predicate`] per dialect, for `concat!`.
macro_rules! glob_path_predicate {
    (sqlite) => {
        "field = 'path' AND (instr(value, '*') > 0 OR instr(value, '?') > 0 \
         OR instr(value, '[') > 0 OR instr(value, '{') > 0)"
    };
    (postgres) => {
        "field = 'path' AND (strpos(value, '*') > 0 OR strpos(value, '?') > 0 \
         OR strpos(value, '[') > 0 OR strpos(value, '{') > 0)"
    };
}

/// The predicate of the stores' index of path values that may be shell globs
/// (`event_tags_path_glob`, schema version 9): a `*`, `?`, `[` or `{` anywhere in a path row's
/// value, a superset of [`crate::path_glob::is_shell_glob`]. Few rows, so inserts barely pay for
/// it; [`stored_path_globs`] reads it whole before a `path:` question is compiled
/// ([`crate::Query::with_globbed_paths`]). One text per dialect (SQLite `instr`, PostgreSQL
/// `strpos`), repeated by the migrations (a test there holds them equal).
pub fn glob_path_predicate(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => glob_path_predicate!(sqlite),
        Dialect::Postgres => glob_path_predicate!(postgres),
    }
}

/// The distinct stored path values that may be globs (read from their own index); no
/// parameters.
pub fn stored_path_globs(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            concat!("SELECT DISTINCT value FROM event_tags WHERE ", glob_path_predicate!(sqlite))
        }
        Dialect::Postgres => {
            concat!("SELECT DISTINCT value FROM event_tags WHERE ", glob_path_predicate!(postgres))
        }
    }
}

/// Which SQL the compiler writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A bound parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlParam {
    Text(String),
    Int(i64),
    /// A list of texts: bound in SQLite as a JSON array (read with `json_each`), in PostgreSQL
    /// as a `text[]`.
    TextList(Vec<String>),
}

/// SQL text with its parameters (`?1`, `?2` … in SQLite, `$1`, `$2` … in PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sql {
    pub text: String,
    pub params: Vec<SqlParam>,
}

struct Builder {
    dialect: Dialect,
    /// Compiling a listing that walks the time index newest first (`ORDER BY time_us DESC LIMIT n`).
    listing: bool,
    now: OffsetDateTime,
    /// The whole query's own `since:`/`until:` terms (those ANDed at its root): every event it
    /// matches lies in this window, and so do the event's tag rows (they carry its time), so
    /// a path term reads only the window's part of the path index.
    window: Vec<(Field, TimeBound)>,
    text: String,
    params: Vec<SqlParam>,
}

/// The query's time window: its `since:`/`until:` terms at the top level (ANDed with the rest),
/// which bound every event it matches.
fn window_of(expr: &Expr) -> Vec<(Field, TimeBound)> {
    let terms = match expr {
        Expr::And(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    terms
        .iter()
        .filter_map(|item| match item {
            Expr::Term(Term {
                field: field @ (Field::Since | Field::Until),
                value: TermValue::Time(bound),
                ..
            }) => Some((*field, *bound)),
            _ => None,
        })
        .collect()
}

impl Builder {
    fn new(dialect: Dialect, now: OffsetDateTime) -> Builder {
        Builder {
            dialect,
            listing: false,
            now,
            window: Vec::new(),
            text: String::with_capacity(256),
            params: Vec::new(),
        }
    }

    /// The condition for the whole query `expr`.
    fn root(&mut self, expr: &Expr) {
        self.window = window_of(expr);
        self.expr(expr);
    }

    /// ` AND <alias>.time_us >= ? AND <alias>.time_us < ?` for `bounds` (`since:`/`until:`), one
    /// parameter each.
    fn window_on(&mut self, alias: &str, bounds: &[(Field, TimeBound)]) {
        for (field, bound) in bounds {
            let comparison = if *field == Field::Until { "time_us < " } else { "time_us >= " };
            self.push(&format!(" AND {alias}.{comparison}"));
            self.param(SqlParam::Int(bound.resolve_micros(*field, self.now)));
        }
    }

    /// Appends a placeholder bound to `param`.
    fn param(&mut self, param: SqlParam) {
        self.params.push(param);
        let n = self.params.len();
        match self.dialect {
            Dialect::Sqlite => self.text.push_str(&format!("?{n}")),
            Dialect::Postgres => self.text.push_str(&format!("${n}")),
        }
    }

    fn push(&mut self, fragment: &str) {
        self.text.push_str(fragment);
    }

    fn expr(&mut self, expr: &Expr) {
        match expr {
            Expr::All => self.push("1=1"),
            Expr::Term(term) => self.term(term),
            Expr::Not(inner) => {
                self.push("NOT (");
                self.expr(inner);
                self.push(")");
            }
            Expr::Or(items) if items.len() > 1 && items.iter().all(|item| path_item(item).is_some()) => {
                let alternatives: Vec<PathItem<'_>> = items.iter().filter_map(path_item).collect();
                self.paths(&alternatives);
            }
            Expr::And(items) | Expr::Or(items) => {
                let op = if matches!(expr, Expr::And(_)) { " AND " } else { " OR " };
                self.push("(");
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.push(op);
                    }
                    self.expr(item);
                }
                self.push(")");
            }
        }
    }

    fn term(&mut self, term: &Term) {
        match (&term.value, term.field.shape()) {
            (TermValue::Time(bound), _) => {
                let micros = bound.resolve_micros(term.field, self.now);
                self.push(if term.field == Field::Until { "e.time_us < " } else { "e.time_us >= " });
                self.param(SqlParam::Int(micros));
            }
            (TermValue::Pattern(pattern), Shape::Scalar) => {
                let column = column(term.field);
                // In a SQLite listing a wildcard is marked likely to match: SQLite's planner
                // otherwise prefers the value's index range (`repo:github.com/acme/*`, a quarter
                // of all events: sort them all, 0.6 s at 500k) over walking the time index
                // newest first and stopping after `limit` matches (under a millisecond).
                let hint = self.listing && self.dialect == Dialect::Sqlite;
                // `IS NOT NULL` keeps the logic two-valued: NOT agent:x must match events
                // without an agent, as the in-memory evaluation does.
                self.push(&format!("(e.{column} IS NOT NULL AND "));
                self.matchers(&format!("e.{column}"), term.field, pattern, hint);
                self.push(")");
            }
            (TermValue::Pattern(pattern), _) if term.field == Field::Path => {
                self.paths(&[PathItem::Pattern(pattern)])
            }
            (TermValue::Values(values), _) if term.field == Field::Path => {
                self.paths(&[PathItem::Values(values)])
            }
            (TermValue::Values(values), Shape::Scalar) => {
                let column = column(term.field);
                self.push(&format!("(e.{column} IS NOT NULL AND e.{column}"));
                self.listed(values);
                self.push(")");
            }
            (TermValue::Values(values), _) => {
                self.tag_rows(term.field);
                self.listed(values);
                self.push(")");
            }
            (TermValue::Pattern(pattern), _) => {
                self.tag_rows(term.field);
                self.matcher(term.field, pattern);
                self.push(")");
            }
        }
    }

    /// The start of a set field's term, up to its value's test (` t.value`), which the caller
    /// writes and closes with `)`. PostgreSQL: the pair with the partition key, so the planner
    /// joins tag and event partitions day by day (index lookups in one small partition) instead
    /// of hashing every event of the window.
    fn tag_rows(&mut self, field: Field) {
        self.push(match self.dialect {
            Dialect::Sqlite => "e.pk IN (SELECT t.event_pk FROM event_tags t WHERE t.field = ",
            Dialect::Postgres => {
                "(e.pk, e.time_us) IN (SELECT t.event_pk, t.time_us FROM event_tags t WHERE t.field = "
            }
        });
        self.param(SqlParam::Text(field.name().to_owned()));
        self.push(" AND t.");
        self.push(VALUE_INDEX_PREDICATE);
        self.push(" AND t.value");
    }

    /// Events with a path matching any of `patterns`: one read of the path index, within the
    /// query's window (see `window`). `path:a OR path:b` (and `ward audit query`'s own home
    /// beside `path:~/…`, [`crate::Query::with_home`]) is one read, not one per term: an event
    /// has a path matching a or b exactly when it has a path matching a or one matching b.
    ///
    /// Stored values listed beside the patterns (the path globs they could name,
    /// [`crate::Query::with_globbed_paths`]) are one more alternative, outside the patterns'
    /// substring test: a glob need not contain the text its expansions share.
    fn paths(&mut self, alternatives: &[PathItem<'_>]) {
        let patterns: Vec<&Pattern> = alternatives
            .iter()
            .filter_map(|a| match a {
                PathItem::Pattern(p) => Some(*p),
                PathItem::Values(_) => None,
            })
            .collect();
        let listed: Vec<String> = alternatives
            .iter()
            .flat_map(|a| match a {
                PathItem::Values(values) => values.to_vec(),
                PathItem::Pattern(_) => Vec::new(),
            })
            .collect();
        self.push(match self.dialect {
            Dialect::Sqlite => "e.pk IN (SELECT t.event_pk FROM event_tags t WHERE t.",
            Dialect::Postgres => {
                "(e.pk, e.time_us) IN (SELECT t.event_pk, t.time_us FROM event_tags t WHERE t."
            }
        });
        self.push(PATH_INDEX_PREDICATE);
        self.window_on("t", &self.window.clone());
        self.push(" AND ");
        let has_list = !listed.is_empty();
        if has_list {
            self.push("(");
        }
        if patterns.is_empty() {
            self.push("1=0");
        }
        // Several patterns, one of them with home forms: the text they all contain is tested
        // once before any of them (`path:~/.aws/*` beside this machine's own home, which has no
        // needle of its own). Bound even when they share none (then empty, which every value
        // contains), so the statement's text depends on the patterns' shapes, not their values.
        let shared = patterns.len() > 1 && patterns.iter().any(|p| home_needle(Field::Path, p).is_some());
        if shared {
            self.needle("t.value", shared_needle(Field::Path, &patterns).unwrap_or_default());
        }
        if patterns.len() > 1 {
            self.push("(");
        }
        for (index, pattern) in patterns.iter().enumerate() {
            if index > 0 {
                self.push(" OR ");
            }
            self.matchers("t.value", Field::Path, pattern, false);
        }
        if patterns.len() > 1 {
            self.push(")");
        }
        if shared {
            self.push(")");
        }
        if has_list {
            self.push(" OR t.value");
            self.listed(&listed);
            self.push(")");
        }
        self.push(")");
    }

    /// ` IN (the values)`, for the column just written: one parameter whatever their number
    /// (SQLite: a JSON array read by `json_each`; PostgreSQL: a `text[]`), so the statement's
    /// text does not depend on it.
    fn listed(&mut self, values: &[String]) {
        match self.dialect {
            Dialect::Sqlite => {
                self.push(" IN (SELECT value FROM json_each(");
                self.param(SqlParam::TextList(values.to_vec()));
                self.push("))");
            }
            Dialect::Postgres => {
                self.push(" = ANY(CAST(");
                self.param(SqlParam::TextList(values.to_vec()));
                self.push(" AS text[]))");
            }
        }
    }

    /// `instr(column, ?) > 0 AND (` (PostgreSQL `strpos`): a substring test before the wildcard
    /// matches that follow, which the caller closes with `)`.
    fn needle(&mut self, column: &str, needle: String) {
        self.push(match self.dialect {
            Dialect::Sqlite => "instr(",
            Dialect::Postgres => "strpos(",
        });
        self.push(column);
        self.push(", ");
        self.param(SqlParam::Text(needle));
        self.push(") > 0 AND (");
    }

    /// `column` matched against `pattern`, or against each of its home forms (`path:~/…`,
    /// [`home_variants`]) joined by OR, after a substring test for the text they all contain
    /// ([`home_needle`]). `hint`: mark wildcard matches likely (see `term`).
    fn matchers(&mut self, column: &str, field: Field, pattern: &Pattern, hint: bool) {
        let variants = home_variants(field, pattern);
        let needle = home_needle(field, pattern);
        if variants.len() > 1 {
            self.push("(");
        }
        if let Some(needle) = &needle {
            self.needle(column, needle.clone());
        }
        for (index, variant) in variants.iter().enumerate() {
            if index > 0 {
                self.push(" OR ");
            }
            let hint = hint && variant.as_literal().is_none();
            if hint {
                self.push("likely(");
            }
            self.push(column);
            self.matcher(field, variant);
            if hint {
                self.push(")");
            }
        }
        if needle.is_some() {
            self.push(")");
        }
        if variants.len() > 1 {
            self.push(")");
        }
    }

    /// ` = ?`, ` IN (?, ?)` or the dialect's wildcard match, for the column just written.
    fn matcher(&mut self, field: Field, pattern: &Pattern) {
        match pattern.as_literal() {
            Some(literal) if field == Field::Class => {
                self.push(" IN (");
                for (index, variant) in class_variants(&literal).into_iter().enumerate() {
                    if index > 0 {
                        self.push(", ");
                    }
                    self.param(SqlParam::Text(variant));
                }
                self.push(")");
            }
            Some(literal) => {
                self.push(" = ");
                self.param(SqlParam::Text(literal));
            }
            None => match self.dialect {
                Dialect::Sqlite => {
                    self.push(" GLOB ");
                    self.param(SqlParam::Text(glob_pattern(pattern)));
                }
                Dialect::Postgres => {
                    self.push(" LIKE ");
                    self.param(SqlParam::Text(like_pattern(pattern)));
                    self.push(" ESCAPE '\\'");
                }
            },
        }
    }
}

/// The pattern of a `path:` term.
/// One alternative of a read of the path index: a `path:` value, or stored values listed.
enum PathItem<'a> {
    Pattern(&'a Pattern),
    Values(&'a [String]),
}

fn path_item(expr: &Expr) -> Option<PathItem<'_>> {
    match expr {
        Expr::Term(Term { field: Field::Path, value: TermValue::Pattern(pattern), .. }) => {
            Some(PathItem::Pattern(pattern))
        }
        Expr::Term(Term { field: Field::Path, value: TermValue::Values(values), .. }) => {
            Some(PathItem::Values(values))
        }
        _ => None,
    }
}

/// The `events` column of a scalar field (quoted: several names are keywords somewhere).
fn column(field: Field) -> String {
    format!("\"{}\"", field.name())
}

/// SQLite GLOB (case-sensitive): `*` for stars; `*`, `?` and `[` in literals as `[*]`, `[?]`, `[[]`.
fn glob_pattern(pattern: &Pattern) -> String {
    let mut out = String::new();
    for piece in &pattern.pieces {
        match piece {
            Piece::Star => out.push('*'),
            Piece::Literal(text) => {
                for c in text.chars() {
                    match c {
                        '*' => out.push_str("[*]"),
                        '?' => out.push_str("[?]"),
                        '[' => out.push_str("[[]"),
                        other => out.push(other),
                    }
                }
            }
        }
    }
    out
}

/// PostgreSQL LIKE with `\` as the escape: `%` for stars; `%`, `_` and `\` in literals escaped.
fn like_pattern(pattern: &Pattern) -> String {
    let mut out = String::new();
    for piece in &pattern.pieces {
        match piece {
            Piece::Star => out.push('%'),
            Piece::Literal(text) => {
                for c in text.chars() {
                    if matches!(c, '%' | '_' | '\\') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
        }
    }
    out
}

/// The WHERE condition for `expr` (placeholders numbered from 1).
pub fn where_clause(expr: &Expr, dialect: Dialect, now: OffsetDateTime) -> Sql {
    let mut builder = Builder::new(dialect, now);
    builder.root(expr);
    Sql { text: builder.text, params: builder.params }
}

/// The matching events' stored JSON and hash, newest first.
pub fn select_events(expr: &Expr, dialect: Dialect, now: OffsetDateTime, limit: u64) -> Sql {
    listing(expr, dialect, now, limit, true)
}

/// A listing's SQL: the newest `limit` matches, found by walking the time index newest first
/// (`walk`, wildcards marked likely so the planner does) or found and then sorted (the `+`
/// keeps the planner off the time index for the order).
fn listing(expr: &Expr, dialect: Dialect, now: OffsetDateTime, limit: u64, walk: bool) -> Sql {
    let mut builder = Builder::new(dialect, now);
    builder.listing = walk;
    // The newest matches are found on `events` alone and only those `limit` bodies are read
    // (joining first made the planner read the body of every match before sorting).
    // PostgreSQL joins on the partition key too (each lookup goes to one partition); in SQLite
    // `pk` alone is the key, and adding `time_us` there let the planner pick the time index
    // for the join and take seconds on a `class:… -tier:…` listing.
    builder.push("SELECT b.raw, m.hash FROM (SELECT e.pk, e.time_us, e.hash FROM events e WHERE ");
    builder.root(expr);
    builder.push(if walk {
        " ORDER BY e.time_us DESC, e.pk DESC LIMIT "
    } else {
        " ORDER BY +e.time_us DESC, +e.pk DESC LIMIT "
    });
    builder.param(SqlParam::Int(limit.min(i64::MAX as u64) as i64));
    builder.push(match dialect {
        Dialect::Sqlite => ") m JOIN event_bodies b ON b.pk = m.pk",
        Dialect::Postgres => ") m JOIN event_bodies b ON b.pk = m.pk AND b.time_us = m.time_us",
    });
    builder.push(" ORDER BY m.time_us DESC, m.pk DESC");
    Sql { text: builder.text, params: builder.params }
}

/// The matching events' stored JSON and hash, newest first, for a query known to match few
/// events (SQLite, after counting them): the planner is kept off the time index for the order
/// (`+e.time_us`), so it finds the matches by the best index for the condition, or one pass
/// over the table, and sorts them. [`select_events`] walks the time index newest first and
/// stops after `limit` matches, which is what a common match wants, but a rare one (or none)
/// walks every event with a row lookup each: 1.6–1.9 s for `agent:x` over 500k events, against
/// one pass of about 0.15 s.
pub fn select_few_events(expr: &Expr, now: OffsetDateTime, limit: u64) -> Sql {
    listing(expr, Dialect::Sqlite, now, limit, false)
}

/// How many events match.
pub fn count(expr: &Expr, dialect: Dialect, now: OffsetDateTime) -> Sql {
    if let Some(sql) = class_count(expr, dialect, now) {
        return sql;
    }
    let mut builder = Builder::new(dialect, now);
    builder.push("SELECT COUNT(*) FROM events e WHERE ");
    builder.root(expr);
    Sql { text: builder.text, params: builder.params }
}

/// Counts of matching events grouped by `fields` (the columns `g0`, `g1`, … then `n`), largest
/// first, ties in value order. An event counts once per combination of its set fields' values;
/// a field the event lacks groups as NULL.
pub fn count_by(expr: &Expr, fields: &[Field], dialect: Dialect, now: OffsetDateTime, limit: u64) -> Sql {
    let collate = match dialect {
        Dialect::Sqlite => " COLLATE BINARY",
        Dialect::Postgres => " COLLATE \"C\"",
    };
    if let Some(sql) = class_count_by(expr, fields, dialect, now, limit, collate) {
        return sql;
    }
    let mut builder = Builder::new(dialect, now);
    let mut select = Vec::new();
    let mut joins = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        match field.shape() {
            Shape::Set => {
                select.push(format!("j{index}.value"));
                joins.push((index, *field));
            }
            _ => select.push(format!("e.{}", column(*field))),
        }
    }
    builder.push("SELECT ");
    for (index, expression) in select.iter().enumerate() {
        builder.push(&format!("{expression} AS g{index}, "));
    }
    builder.push("COUNT(*) AS n FROM events e");
    let window = window_of(expr);
    for (index, field) in joins {
        builder.push(&format!(" LEFT JOIN event_tags j{index} ON j{index}.event_pk = e.pk"));
        if dialect == Dialect::Postgres {
            builder.push(&format!(" AND j{index}.time_us = e.time_us"));
        }
        builder.push(&format!(" AND j{index}.field = "));
        builder.param(SqlParam::Text(field.name().to_owned()));
        if dialect == Dialect::Postgres {
            // The index the join reads, by its predicate (the field is a bound parameter, so the
            // planner needs the text): a path row's event in the path index, which holds the
            // partition key first and the event key beside it; any other field's in the event
            // index, which leaves the path rows out (schema version 11).
            let predicate = if field == Field::Path { PATH_INDEX_PREDICATE } else { VALUE_INDEX_PREDICATE };
            builder.push(&format!(" AND j{index}.{predicate}"));
            // The query's window on the tag side too (the join's rows share the event's time):
            // the planner then reads only the window's day partitions of `event_tags`, where it
            // hashed every day's (`decision:deny since:7d --count-by path`, 300k events over 85
            // days: 190 ms, every tag partition read).
            builder.window_on(&format!("j{index}"), &window);
        }
    }
    builder.push(" WHERE ");
    builder.root(expr);
    if !select.is_empty() {
        builder.push(" GROUP BY ");
        builder.push(&select.join(", "));
    }
    builder.order_by_count(&select, collate, limit);
    Sql { text: builder.text, params: builder.params }
}

/// Fields the `class` rows of `event_tags` carry a copy of (the event's own values).
const CLASS_ROW_FIELDS: [Field; 2] = [Field::Agent, Field::Device];

/// The credential question's shape — one `class:` term and any `since:`/`until:` bounds — is
/// answered from `event_tags` alone when only the class rows' copies (`agent`, `device`) are
/// needed: a partial index covers those rows (`event_tags_class`), so the answer is one index
/// range, no lookup per matching event (those lookups made the question seconds at 10M events).
/// `None` for any other shape.
fn class_shape(expr: &Expr) -> Option<(&Pattern, Vec<(Field, TimeBound)>)> {
    let terms: Vec<&Term> = match expr {
        Expr::Term(term) => vec![term],
        Expr::And(items) => items
            .iter()
            .map(|item| match item {
                Expr::Term(term) => Some(term),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    let mut class = None;
    let mut bounds = Vec::new();
    for term in terms {
        match (&term.value, term.field) {
            (TermValue::Pattern(pattern), Field::Class) if class.is_none() => class = Some(pattern),
            (TermValue::Time(bound), Field::Since | Field::Until) => bounds.push((term.field, *bound)),
            _ => return None,
        }
    }
    Some((class?, bounds))
}

impl Builder {
    /// The order of a `count_by` answer: largest groups first, ties by the group values (NULL
    /// first), then at most `limit` groups.
    fn order_by_count(&mut self, groups: &[String], collate: &str, limit: u64) {
        self.push(" ORDER BY n DESC");
        for group in groups {
            self.push(&format!(", {group}{collate} ASC NULLS FIRST"));
        }
        self.push(" LIMIT ");
        self.param(SqlParam::Int(limit.min(i64::MAX as u64) as i64));
    }

    /// `SELECT DISTINCT t.event_pk[, t.<field> AS g<i>…] FROM event_tags t WHERE <class term and
    /// bounds>`: the matching events, one row each. An event with several matching classes
    /// (`credential` and `credentials`) has a tag row for each: `DISTINCT` counts it once.
    fn class_rows(&mut self, pattern: &Pattern, bounds: &[(Field, TimeBound)], fields: &[Field]) {
        self.push("SELECT DISTINCT t.event_pk");
        for (index, field) in fields.iter().enumerate() {
            self.push(&format!(", t.{} AS g{index}", column(*field)));
        }
        // SQLite is told the index: its planner otherwise takes the general `(field, value,
        // time_us)` index, which covers neither column, and reads every match's row (3x slower).
        self.push(match self.dialect {
            Dialect::Sqlite => " FROM event_tags t INDEXED BY event_tags_class",
            Dialect::Postgres => " FROM event_tags t",
        });
        // The field name is written as text (it is the query's field, never a value) so both
        // planners can match the partial index's `WHERE field = 'class'`.
        self.push(" WHERE t.field = 'class' AND t.value");
        self.matcher(Field::Class, pattern);
        self.window_on("t", bounds);
    }
}

/// [`count`] for the credential question's shape (see [`class_shape`]).
fn class_count(expr: &Expr, dialect: Dialect, now: OffsetDateTime) -> Option<Sql> {
    let (pattern, bounds) = class_shape(expr)?;
    let mut builder = Builder::new(dialect, now);
    builder.push("SELECT COUNT(*) FROM (");
    builder.class_rows(pattern, &bounds, &[]);
    builder.push(") m");
    Some(Sql { text: builder.text, params: builder.params })
}

/// [`count_by`] for the credential question's shape grouped only by fields the class rows carry.
fn class_count_by(
    expr: &Expr,
    fields: &[Field],
    dialect: Dialect,
    now: OffsetDateTime,
    limit: u64,
    collate: &str,
) -> Option<Sql> {
    if fields.is_empty() || !fields.iter().all(|f| CLASS_ROW_FIELDS.contains(f)) {
        return None;
    }
    let (pattern, bounds) = class_shape(expr)?;
    let mut builder = Builder::new(dialect, now);
    let groups: Vec<String> = (0..fields.len()).map(|i| format!("g{i}")).collect();
    builder.push("SELECT ");
    for group in &groups {
        builder.push(&format!("{group}, "));
    }
    builder.push("COUNT(*) AS n FROM (");
    builder.class_rows(pattern, &bounds, fields);
    builder.push(") m GROUP BY ");
    builder.push(&groups.join(", "));
    builder.order_by_count(&groups, collate, limit);
    Some(Sql { text: builder.text, params: builder.params })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    #[test]
    fn the_credential_question() {
        let expr = parse("class:credential since:90d").unwrap();
        let sql = count_by(&expr, &[Field::Agent, Field::Device], Dialect::Sqlite, now(), 100);
        assert_eq!(
            sql.text,
            "SELECT g0, g1, COUNT(*) AS n FROM (SELECT DISTINCT t.event_pk, t.\"agent\" AS g0, \
             t.\"device\" AS g1 FROM event_tags t INDEXED BY event_tags_class WHERE t.field = 'class' \
             AND t.value IN (?1, ?2) \
             AND t.time_us >= ?3) m GROUP BY g0, g1 ORDER BY n DESC, g0 COLLATE BINARY ASC NULLS FIRST, \
             g1 COLLATE BINARY ASC NULLS FIRST LIMIT ?4"
        );
        assert_eq!(
            sql.params,
            vec![
                SqlParam::Text("credential".into()),
                SqlParam::Text("credentials".into()),
                SqlParam::Int((1_800_000_000 - 90 * 86_400) * 1_000_000),
                SqlParam::Int(100),
            ]
        );
    }

    #[test]
    fn other_shapes_are_not_answered_from_class_rows() {
        for (text, fields) in [
            ("class:credential agent:codex", &[Field::Agent][..]),
            ("class:credential OR class:x", &[Field::Agent][..]),
            ("-class:credential", &[Field::Device][..]),
            ("class:credential class:x", &[Field::Device][..]),
            ("class:credential", &[Field::Agent, Field::Repo][..]),
            ("rule:x since:1d", &[Field::Agent][..]),
        ] {
            let expr = parse(text).unwrap();
            let sql = count_by(&expr, fields, Dialect::Postgres, now(), 10).text;
            assert!(sql.starts_with("SELECT e."), "{text}: {sql}");
        }
        let count =
            super::count(&parse("class:credential since:90d").unwrap(), Dialect::Postgres, now()).text;
        assert_eq!(
            count,
            "SELECT COUNT(*) FROM (SELECT DISTINCT t.event_pk FROM event_tags t WHERE t.field = 'class' \
             AND t.value IN ($1, $2) AND t.time_us >= $3) m"
        );
        let other =
            super::count(&parse("class:credential agent:codex").unwrap(), Dialect::Postgres, now()).text;
        assert!(other.starts_with("SELECT COUNT(*) FROM events e"), "{other}");
        let expr = parse("since:30d class:cred* until:1d").unwrap();
        let sql = count_by(&expr, &[Field::Device], Dialect::Postgres, now(), 10).text;
        assert!(sql.contains("FROM event_tags t WHERE t.field = 'class' AND t.value LIKE $1"), "{sql}");
        assert!(sql.contains("t.time_us >= $2 AND t.time_us < $3"), "{sql}");
    }

    #[test]
    fn sqlite_listings_mark_scalar_wildcards_likely() {
        let expr = parse("repo:github.com/acme/* agent:codex").unwrap();
        let listing = select_events(&expr, Dialect::Sqlite, now(), 20).text;
        assert!(listing.contains("likely(e.\"repo\" GLOB ?1)"), "{listing}");
        assert!(!listing.contains("likely(e.\"agent\""), "literals keep their index: {listing}");
        let counting = count(&expr, Dialect::Sqlite, now()).text;
        assert!(!counting.contains("likely"), "counts use the value's index: {counting}");
        let postgres = select_events(&expr, Dialect::Postgres, now(), 20).text;
        assert!(!postgres.contains("likely"), "{postgres}");
    }

    #[test]
    fn wildcards_per_dialect() {
        let expr = parse("repo:github.com/a_b%c/* tool:*[x]?").unwrap();
        let sqlite = where_clause(&expr, Dialect::Sqlite, now());
        assert_eq!(sqlite.params[0], SqlParam::Text("github.com/a_b%c/*".into()));
        assert_eq!(sqlite.params[1], SqlParam::Text("*[[]x][?]".into()));
        let postgres = where_clause(&expr, Dialect::Postgres, now());
        assert!(postgres.text.contains("$2 ESCAPE '\\'"), "{}", postgres.text);
        assert_eq!(postgres.params[0], SqlParam::Text("github.com/a\\_b\\%c/%".into()));
        assert_eq!(postgres.params[1], SqlParam::Text("%[x]?".into()));
    }
}
