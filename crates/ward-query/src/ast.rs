//! The parsed form of a query. Values stay values here; only the compiler decides where they
//! go (always into bound parameters).

use time::{Date, Duration, OffsetDateTime, Time};

use crate::field::Field;

/// A boolean expression over terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// The empty query: every event.
    All,
    Term(Term),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// `field:value`, with the 1-based column where the field name starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub field: Field,
    pub value: TermValue,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TermValue {
    Pattern(Pattern),
    Time(TimeBound),
    /// Stored values, matched exactly: never parsed from a query, only added by
    /// [`crate::Query::with_globbed_paths`] (the stored path globs a `path:` value could name).
    Values(Vec<String>),
}

/// A value to match: literal text with `*` wildcards (a bare `*` in the query; quoted values and
/// `\*` are literal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    /// Any run of characters, including none.
    Star,
}

impl Pattern {
    pub fn literal(text: impl Into<String>) -> Pattern {
        Pattern { pieces: vec![Piece::Literal(text.into())] }
    }

    /// A pattern of `pieces`, in the parser's form: neighbouring literals joined, runs of stars
    /// one star (so `as_literal` and the SQL forms see what a parsed value would give).
    pub fn from_pieces(pieces: impl IntoIterator<Item = Piece>) -> Pattern {
        let mut out: Vec<Piece> = Vec::new();
        for piece in pieces {
            match (out.last_mut(), piece) {
                (Some(Piece::Literal(last)), Piece::Literal(text)) => last.push_str(&text),
                (Some(Piece::Star), Piece::Star) => {}
                (_, Piece::Literal(text)) if text.is_empty() => {}
                (_, piece) => out.push(piece),
            }
        }
        Pattern { pieces: out }
    }

    /// The pattern with its literal text without case: a `path:` value, compared with paths
    /// without case ([`crate::path_form::fold_case`]).
    pub fn case_folded(&self) -> Pattern {
        let pieces = self.pieces.iter().map(|piece| match piece {
            Piece::Literal(text) => Piece::Literal(crate::path_form::fold_case(text).into_owned()),
            Piece::Star => Piece::Star,
        });
        Pattern::from_pieces(pieces)
    }

    /// The literal text, if the pattern has no wildcard.
    pub fn as_literal(&self) -> Option<String> {
        let mut text = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(literal) => text.push_str(literal),
                Piece::Star => return None,
            }
        }
        Some(text)
    }

    /// Does `text` match? `*` matches any run of characters. Linear in practice: the classic
    /// greedy match with one backtrack point.
    pub fn matches(&self, text: &str) -> bool {
        // The literal segments between stars: the first anchors the start, the last the end,
        // the middle ones are found left to right (leftmost is always safe for `*`-only globs).
        let mut segments = vec![String::new()];
        for piece in &self.pieces {
            match piece {
                Piece::Literal(literal) => segments.last_mut().map_or((), |s| s.push_str(literal)),
                Piece::Star => segments.push(String::new()),
            }
        }
        let (first, last) = (&segments[0], &segments[segments.len() - 1]);
        if segments.len() == 1 {
            return text == first.as_str();
        }
        let Some(mut rest) = text.strip_prefix(first.as_str()) else { return false };
        let Some(inner) = rest.strip_suffix(last.as_str()) else { return false };
        rest = inner;
        for middle in &segments[1..segments.len() - 1] {
            match rest.find(middle.as_str()) {
                Some(at) => rest = &rest[at + middle.len()..],
                None => return false,
            }
        }
        true
    }
}

/// A time bound as written; resolved against "now" when the query runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    /// `90d`, `12h`, `30m`, `45s`, `2w`: that long before now.
    Ago(Duration),
    /// `2026-08-01`: the start of that day (UTC) for `since:`, the end of it for `until:`.
    Day(Date),
    /// `2026-08-01T10:00:00Z`: that instant.
    At(OffsetDateTime),
}

impl TimeBound {
    /// The instant this bound stands for, in microseconds since the epoch; `until` bounds of a
    /// day end at the next midnight (the bound is exclusive). Total: computed in nanoseconds as
    /// integers, since the day after the last day a date can name (`until:9999-12-31`) is no
    /// `OffsetDateTime`, and saturated to what an `i64` of microseconds holds.
    pub fn resolve_micros(self, field: Field, now: OffsetDateTime) -> i64 {
        let nanos = match self {
            TimeBound::Ago(duration) => now.unix_timestamp_nanos() - duration.whole_nanoseconds(),
            TimeBound::At(at) => at.unix_timestamp_nanos(),
            TimeBound::Day(day) => {
                let start = day.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp_nanos();
                if field == Field::Until {
                    start + Duration::DAY.whole_nanoseconds()
                } else {
                    start
                }
            }
        };
        (nanos / 1_000).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
}

impl Expr {
    /// Every term, depth first.
    pub fn terms(&self) -> Vec<&Term> {
        let mut out = Vec::new();
        self.collect_terms(&mut out);
        out
    }

    fn collect_terms<'a>(&'a self, out: &mut Vec<&'a Term>) {
        match self {
            Expr::All => {}
            Expr::Term(term) => out.push(term),
            Expr::Not(inner) => inner.collect_terms(out),
            Expr::And(items) | Expr::Or(items) => items.iter().for_each(|i| i.collect_terms(out)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(parts: &[&str]) -> Pattern {
        Pattern {
            pieces: parts
                .iter()
                .map(|p| if *p == "*" { Piece::Star } else { Piece::Literal((*p).to_owned()) })
                .collect(),
        }
    }

    #[test]
    fn wildcards() {
        let cases: &[(&[&str], &str, bool)] = &[
            (&["abc"], "abc", true),
            (&["abc"], "abcd", false),
            (&["*"], "", true),
            (&["*"], "anything", true),
            (&["a", "*"], "abc", true),
            (&["a", "*"], "bac", false),
            (&["*", "c"], "abc", true),
            (&["*", "c"], "abcd", false),
            (&["a", "*", "c"], "ac", true),
            (&["a", "*", "c"], "abbbc", true),
            (&["a", "*", "b", "*", "c"], "axbyc", true),
            (&["a", "*", "b", "*", "c"], "axcyb", false),
            (&["ab", "*", "ba"], "aba", false),
            (&["*", "é", "*"], "caféx", true),
            (&["github.com/acme/", "*"], "github.com/acme/infra", true),
        ];
        for (parts, text, expected) in cases {
            assert_eq!(pattern(parts).matches(text), *expected, "{parts:?} {text}");
        }
    }
}
