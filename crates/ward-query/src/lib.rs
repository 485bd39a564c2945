//! The query language shared by the CLI, the server API, the dashboard and route filters:
//! `field:value` terms parsed into an AST, compiled to SQL with bound parameters only, or
//! evaluated in memory against one event. No I/O. The language is documented in
//! `docs/query.md`.
#![forbid(unsafe_code)]

pub mod ast;
pub mod eval;
pub mod field;
pub mod parse;
pub mod path_form;
pub mod path_glob;
pub mod sql;

use time::OffsetDateTime;
use ward_model::Event;

pub use ast::{Expr, Pattern, Piece, Term, TermValue, TimeBound};
pub use field::{Field, Shape};
pub use parse::QueryError;
pub use sql::{Dialect, Sql, SqlParam};

/// A parsed query: its text and its expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub text: String,
    pub expr: Expr,
    /// The stores' path globs are listed beside its `path:` terms already
    /// ([`Query::with_globbed_paths`]): a store does not read them again for it (a listing and
    /// its total are two statements of one question).
    pub globs_listed: bool,
}

impl Query {
    /// Parses `text`; errors name the line and column (`query:1:14: …`).
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        Ok(Query { text: text.to_owned(), expr: parse::parse(text)?, globs_listed: false })
    }

    /// This query AND `other` (e.g. the CLI's `--since` added to the user's query).
    pub fn and(self, other: Query) -> Query {
        let text = format!("({}) ({})", self.text, other.text);
        let expr = match (self.expr, other.expr) {
            (Expr::All, e) | (e, Expr::All) => e,
            (a, b) => Expr::And(vec![a, b]),
        };
        Query { text, expr, globs_listed: self.globs_listed && other.globs_listed }
    }

    /// This query with `~/` in `path:` and `cwd:` values also meaning `home`, this machine's own
    /// home (see [`field::under_home`]): each such term becomes `term OR term-under-home`. The
    /// text is kept as the user wrote it.
    pub fn with_home(self, home: &str) -> Query {
        fn rewrite(expr: Expr, home: &str) -> Expr {
            match expr {
                Expr::Term(Term { field, value: TermValue::Pattern(pattern), column }) => {
                    let local = field::under_home(field, &pattern, home);
                    let term = Expr::Term(Term { field, value: TermValue::Pattern(pattern), column });
                    match local {
                        Some(local) => Expr::Or(vec![
                            term,
                            Expr::Term(Term { field, value: TermValue::Pattern(local), column }),
                        ]),
                        None => term,
                    }
                }
                Expr::Not(inner) => Expr::Not(Box::new(rewrite(*inner, home))),
                Expr::And(items) => Expr::And(items.into_iter().map(|i| rewrite(i, home)).collect()),
                Expr::Or(items) => Expr::Or(items.into_iter().map(|i| rewrite(i, home)).collect()),
                other => other,
            }
        }
        Query { expr: rewrite(self.expr, home), ..self }
    }

    /// Whether the query has a `path:` term and its stored path globs are not listed yet: a
    /// store then reads them ([`Query::with_globbed_paths`]).
    pub fn asks_about_paths(&self) -> bool {
        !self.globs_listed
            && self
                .expr
                .terms()
                .iter()
                .any(|term| term.field == Field::Path && matches!(term.value, TermValue::Pattern(_)))
    }

    /// This query with each `path:` term also matching the stored path values among `globs`
    /// that are globs ([`path_glob::is_shell_glob`]) and could name a path the term matches
    /// ([`path_glob::could_name`]) but do not match it as text: `path:~/.ssh/*` OR one of
    /// `/home/dev/.s?h/id_rsa`, …. What the in-memory evaluation does by itself, made explicit
    /// for SQL, which cannot intersect two globs: a store lists its glob values (a small index)
    /// and passes them here before compiling. Terms no glob could name stay as they are.
    pub fn with_globbed_paths(self, globs: &[String]) -> Query {
        if self.globs_listed {
            return self;
        }
        let globs: Vec<(&String, path_glob::Glob)> =
            globs.iter().filter_map(|g| path_glob::Glob::parse(g).map(|parsed| (g, parsed))).collect();
        if globs.is_empty() {
            return Query { globs_listed: true, ..self };
        }
        type Globs<'a> = [(&'a String, path_glob::Glob)];
        fn named(patterns: &[&Pattern], globs: &Globs<'_>) -> Vec<String> {
            let variants: Vec<Pattern> =
                patterns.iter().flat_map(|p| field::home_variants(Field::Path, p)).collect();
            let questions: Vec<path_glob::Question> = variants.iter().map(path_glob::Question::new).collect();
            globs
                .iter()
                .filter(|(text, glob)| {
                    questions.iter().any(|q| glob.names(q)) && !variants.iter().any(|v| v.matches(text))
                })
                .map(|(text, _)| (*text).clone())
                .collect()
        }
        fn path_pattern(expr: &Expr) -> Option<(&Pattern, usize)> {
            match expr {
                Expr::Term(Term { field: Field::Path, value: TermValue::Pattern(p), column }) => {
                    Some((p, *column))
                }
                _ => None,
            }
        }
        fn rewrite(expr: Expr, globs: &Globs<'_>) -> Expr {
            // `path:a OR path:b` (and a term beside this machine's home, `with_home`): one list
            // for them all, so the compiler still reads the paths once.
            let terms: Option<Vec<(&Pattern, usize)>> = match &expr {
                Expr::Term(_) => path_pattern(&expr).map(|t| vec![t]),
                Expr::Or(items) if items.len() > 1 => items.iter().map(path_pattern).collect(),
                _ => None,
            };
            if let Some(terms) = terms {
                let patterns: Vec<&Pattern> = terms.iter().map(|(p, _)| *p).collect();
                let values = named(&patterns, globs);
                if values.is_empty() {
                    return expr;
                }
                let column = terms[0].1;
                let listed =
                    Expr::Term(Term { field: Field::Path, value: TermValue::Values(values), column });
                return match expr {
                    Expr::Or(mut items) => {
                        items.push(listed);
                        Expr::Or(items)
                    }
                    term => Expr::Or(vec![term, listed]),
                };
            }
            match expr {
                Expr::Not(inner) => Expr::Not(Box::new(rewrite(*inner, globs))),
                Expr::And(items) => Expr::And(items.into_iter().map(|i| rewrite(i, globs)).collect()),
                Expr::Or(items) => Expr::Or(items.into_iter().map(|i| rewrite(i, globs)).collect()),
                other => other,
            }
        }
        Query { text: self.text, expr: rewrite(self.expr, &globs), globs_listed: true }
    }

    /// Does `event` match? Relative times are taken from `now`.
    pub fn matches(&self, event: &Event, now: OffsetDateTime) -> bool {
        eval::matches(&self.expr, event, now)
    }
}

/// Parses a `--count-by` list (`agent,device`): field names separated by commas.
pub fn parse_fields(list: &str) -> Result<Vec<Field>, QueryError> {
    let mut fields = Vec::new();
    let mut offset = 0;
    for name in list.split(',') {
        let trimmed = name.trim();
        let column = offset + (name.len() - name.trim_start().len()) + 1;
        offset += name.len() + 1;
        let error = |message: String| QueryError { line: 1, column, message };
        let Some(field) = Field::parse(trimmed) else {
            if trimmed.is_empty() {
                return Err(error("empty field name".to_owned()));
            }
            let groupable: Vec<Field> = Field::ALL.into_iter().filter(|f| f.groupable()).collect();
            return Err(error(parse::unknown_field_among(trimmed, &groupable)));
        };
        if !field.groupable() {
            return Err(error(format!("cannot count by '{}' (a time bound)", field.name())));
        }
        if fields.contains(&field) {
            return Err(error(format!("'{}' is listed twice", field.name())));
        }
        fields.push(field);
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_by_lists() {
        assert_eq!(parse_fields("agent,device").unwrap(), [Field::Agent, Field::Device]);
        assert_eq!(parse_fields(" agent , classes").unwrap(), [Field::Agent, Field::Class]);
        assert_eq!(
            parse_fields("agent,devce").unwrap_err().to_string(),
            "query:1:7: unknown field 'devce' (did you mean 'device'?)"
        );
        assert!(parse_fields("since").unwrap_err().to_string().contains("time bound"));
        let unknown = parse_fields("agent,zzzzzz").unwrap_err().to_string();
        assert!(unknown.starts_with("query:1:7: unknown field 'zzzzzz' (fields: agent, device"), "{unknown}");
        assert!(!unknown.contains("since") && !unknown.contains("until"), "{unknown}");
        assert!(parse_fields("agent,agent").unwrap_err().to_string().contains("twice"));
        assert!(parse_fields("agent,").unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn this_machines_home_joins_the_home_forms() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let reading = |path: &str| {
            let mut event = Event::draft(ward_model::EventKind::Decision);
            event.paths =
                vec![ward_model::PathTarget { path: path.into(), access: ward_model::Access::Read }];
            event
        };
        let cases = [
            // (home, query, path, matches without the home, with it)
            ("/tmp/try/home", "path:~/.aws/*", "/tmp/try/home/.aws/credentials", false, true),
            ("/tmp/try/home/", "path:~/.aws/*", "/tmp/try/home/.aws/credentials", false, true),
            ("/tmp/try/home", "-path:~/.aws/*", "/tmp/try/home/.aws/credentials", true, false),
            ("/tmp/try/home", "path:~/.aws/* OR agent:x", "/tmp/try/home/.aws/config", false, true),
            ("/tmp/try/home", "path:~/.aws/*", "/tmp/try/other/.aws/config", false, false),
            ("/tmp/try/home", "path:/tmp/try/home/*", "/tmp/try/home/.aws/config", true, true),
            ("D:\\me", "path:~/.aws/*", "D:\\me\\.aws\\credentials", false, true),
            ("/home/dev", "path:~/.aws/*", "/home/dev/.aws/credentials", true, true),
        ];
        for (home, text, path, without, with) in cases {
            let query = Query::parse(text).unwrap();
            assert_eq!(query.matches(&reading(path), now), without, "{text} on {path}");
            let local = query.clone().with_home(home);
            assert_eq!(local.matches(&reading(path), now), with, "{text} on {path}, home {home}");
            assert_eq!(local.text, query.text);
        }
        // Homes the forms cover add nothing to the query.
        for home in ["/home/dev", "/Users/ana", "/root", "C:\\Users\\bo", "/home/dev/"] {
            let query = Query::parse("path:~/.ssh/* -cwd:~/src/*").unwrap();
            assert_eq!(query.clone().with_home(home), query, "{home}");
        }
    }
}
