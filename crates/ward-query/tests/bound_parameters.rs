//! Property: no value of a query ever reaches SQL text. For random queries built from hostile
//! values (quotes, comment markers, placeholders, wildcards, Unicode), the SQL text equals the
//! text compiled for the same query with every value replaced by a constant, in both dialects,
//! and no value's marker appears in it; the values all arrive as parameters. (A path value's
//! leading `~/`, which stands for the home forms, is shape, and kept in the constant.)

use time::OffsetDateTime;
use ward_query::ast::{Expr, Piece, TermValue};
use ward_query::sql::{count_by, select_events, select_few_events, where_clause, Dialect, SqlParam};
use ward_query::{Field, Query};

/// xorshift64*: deterministic, dependency-free randomness for the generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const HOSTILE: &[&str] = &[
    "'; DROP TABLE events; --",
    "\" OR 1=1 --",
    "$1",
    "?1",
    "/* x */",
    "a%b_c",
    "\\",
    "[x]",
    "é😀",
    "e.pk IN (SELECT 1)",
    "' OR ''='",
    "NULL",
    "x*y",
    "(",
    ")",
];

fn value(rng: &mut Rng, marker: usize) -> (String, String) {
    let raw = format!("Zq{marker}{}", HOSTILE[rng.below(HOSTILE.len())]);
    // Quoted form (literal), escaping what quotes need.
    let quoted = format!("\"{}\"", raw.replace('\\', "\\\\").replace('"', "\\\""));
    (raw, quoted)
}

fn term(rng: &mut Rng, marker: &mut usize) -> String {
    let fields: Vec<Field> = Field::ALL.into_iter().filter(|f| f.groupable()).collect();
    let field = fields[rng.below(fields.len())];
    *marker += 1;
    // A path or cwd value starting with `~/` compiles to its home forms (a different shape).
    let home = if matches!(field, Field::Path | Field::Cwd) && rng.below(2) == 0 { "~/" } else { "" };
    match rng.below(6) {
        0 => format!("since:{}d", rng.below(400) + 1),
        1 => format!("until:2026-0{}-1{}", rng.below(9) + 1, rng.below(9)),
        2 => format!("{}:{home}Zq{}*x", field.name(), marker),
        _ if home.is_empty() => format!("{}:{}", field.name(), value(rng, *marker).1),
        _ => format!("{}:\"~/{}", field.name(), &value(rng, *marker).1[1..]),
    }
}

fn query(rng: &mut Rng, depth: usize, marker: &mut usize) -> String {
    if depth > 3 || rng.below(3) == 0 {
        return term(rng, marker);
    }
    let a = query(rng, depth + 1, marker);
    let b = query(rng, depth + 1, marker);
    match rng.below(4) {
        0 => format!("{a} {b}"),
        1 => format!("({a} OR {b})"),
        2 => format!("-{a} {b}"),
        _ => format!("NOT ({a}) AND {b}"),
    }
}

/// The same expression with every literal replaced by "v" (a leading `~/` kept: it is shape).
fn skeleton(expr: &Expr) -> Expr {
    match expr {
        Expr::All => Expr::All,
        Expr::Term(term) => {
            let mut term = term.clone();
            if let TermValue::Pattern(pattern) = &mut term.value {
                for (index, piece) in pattern.pieces.iter_mut().enumerate() {
                    if let Piece::Literal(text) = piece {
                        *text = if index == 0 && text.starts_with("~/") { "~/v" } else { "v" }.to_owned();
                    }
                }
            }
            Expr::Term(term)
        }
        Expr::Not(inner) => Expr::Not(Box::new(skeleton(inner))),
        Expr::And(items) => Expr::And(items.iter().map(skeleton).collect()),
        Expr::Or(items) => Expr::Or(items.iter().map(skeleton).collect()),
    }
}

#[test]
fn sql_text_never_depends_on_values() {
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let mut rng = Rng(0x5eed_0001);
    for round in 0..3_000 {
        let mut marker = 0;
        let text = query(&mut rng, 0, &mut marker);
        let parsed = Query::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let plain = skeleton(&parsed.expr);
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let compiled = [
                (where_clause(&parsed.expr, dialect, now), where_clause(&plain, dialect, now)),
                (select_events(&parsed.expr, dialect, now, 10), select_events(&plain, dialect, now, 10)),
                (select_few_events(&parsed.expr, now, 10), select_few_events(&plain, now, 10)),
                (
                    count_by(&parsed.expr, &[Field::Agent, Field::Class], dialect, now, 10),
                    count_by(&plain, &[Field::Agent, Field::Class], dialect, now, 10),
                ),
            ];
            for (sql, reference) in compiled {
                assert_eq!(sql.text, reference.text, "round {round}: {text}");
                // Path values are compared without case: their markers arrive as `zq`.
                assert!(
                    !sql.text.to_ascii_lowercase().contains("zq"),
                    "a value reached the SQL text: {}",
                    sql.text
                );
                // The only quote characters are identifier quotes and the compiler's own
                // constants: the LIKE escape and the tag indexes' predicates.
                let stripped = sql
                    .text
                    .replace("ESCAPE '\\'", "")
                    .replace(ward_query::sql::VALUE_INDEX_PREDICATE, "")
                    .replace(ward_query::sql::PATH_INDEX_PREDICATE, "");
                assert!(!stripped.contains('\''), "{}", sql.text);
                let markers = sql
                    .params
                    .iter()
                    .filter(|p| matches!(p, SqlParam::Text(t) if t.to_ascii_lowercase().contains("zq")))
                    .count();
                let expected_values = text.matches("Zq").count();
                assert!(
                    markers >= expected_values,
                    "round {round}: values missing from the parameters: {text}"
                );
            }
        }
    }
}
