//! Query text → [`Expr`]: a hand-written lexer and recursive-descent parser (the grammar is a
//! dozen lines; a generator would cost more than it saves), with errors that name the line and
//! column and suggest the field the user probably meant.
//!
//! ```text
//! query   = or?
//! or      = and ( "OR" and )*
//! and     = unary ( "AND"? unary )*          implicit AND between terms
//! unary   = ( "NOT" | "-" ) unary | primary
//! primary = "(" or ")" | field ":" value
//! value   = '"' chars '"' | bare             bare: up to whitespace or ")"; "*" is a wildcard
//! ```

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime};

use crate::ast::{Expr, Pattern, Piece, Term, TermValue, TimeBound};
use crate::field::{Field, Shape};

/// The longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// The deepest nesting of parentheses and negations accepted.
pub const MAX_DEPTH: usize = 64;
/// The most terms in one query.
pub const MAX_TERMS: usize = 512;

/// A query that could not be parsed: where, and why. Displays as
/// `query:1:14: unknown field 'agnt' (did you mean 'agent'?)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query:{line}:{column}: {message}")]
pub struct QueryError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Or,
    And,
    Not,
    /// `field:value` with the field name's and the value's byte offsets.
    Term {
        field: String,
        field_at: usize,
        value: Pattern,
        quoted: bool,
        value_at: usize,
    },
    /// A word without `:` that is not a keyword.
    Word(String),
}

struct Lexer<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Lexer<'a> {
    fn peek_char(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn tokens(mut self) -> Result<Vec<(Token, usize)>, (usize, String)> {
        let mut tokens = Vec::new();
        loop {
            while self.peek_char().is_some_and(char::is_whitespace) {
                self.bump();
            }
            let start = self.at;
            let Some(c) = self.peek_char() else { break };
            match c {
                '(' => {
                    self.bump();
                    tokens.push((Token::Open, start));
                }
                ')' => {
                    self.bump();
                    tokens.push((Token::Close, start));
                }
                '-' => {
                    self.bump();
                    match self.peek_char() {
                        Some(next) if !next.is_whitespace() && next != ')' => {
                            tokens.push((Token::Not, start))
                        }
                        _ => return Err((start, "'-' must be followed by the term it negates".to_owned())),
                    }
                }
                _ => tokens.push((self.word(start)?, start)),
            }
        }
        Ok(tokens)
    }

    /// A keyword, a bare word, or `field:value`.
    fn word(&mut self, start: usize) -> Result<Token, (usize, String)> {
        while let Some(c) = self.peek_char() {
            if c == ':' || c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                break;
            }
            self.bump();
        }
        let name = &self.text[start..self.at];
        if self.peek_char() != Some(':') {
            if self.peek_char() == Some('"') && name.is_empty() {
                return Err((start, "a quoted value needs a field: write field:\"value\"".to_owned()));
            }
            return Ok(match name {
                "OR" => Token::Or,
                "AND" => Token::And,
                "NOT" => Token::Not,
                _ => Token::Word(name.to_owned()),
            });
        }
        if name.is_empty() {
            return Err((start, "missing field name before ':'".to_owned()));
        }
        self.bump(); // ':'
        let value_at = self.at;
        let (value, quoted) =
            if self.peek_char() == Some('"') { (self.quoted()?, true) } else { (self.bare(), false) };
        if value.pieces.is_empty() || value.as_literal().is_some_and(|v| v.is_empty()) {
            return Err((value_at, format!("missing value after '{name}:'")));
        }
        Ok(Token::Term { field: name.to_owned(), field_at: start, value, quoted, value_at })
    }

    fn quoted(&mut self) -> Result<Pattern, (usize, String)> {
        let open = self.at;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err((open, "unterminated quoted value (missing closing '\"')".to_owned())),
                Some('"') => break,
                Some('\\') => match self.bump() {
                    Some(c @ ('"' | '\\')) => text.push(c),
                    _ => {
                        return Err((
                            self.at.saturating_sub(1),
                            "only \\\" and \\\\ may be escaped in quotes".to_owned(),
                        ))
                    }
                },
                Some(c) => text.push(c),
            }
        }
        if self.peek_char().is_some_and(|c| !c.is_whitespace() && c != ')') {
            return Err((self.at, "a quoted value must be followed by a space or ')'".to_owned()));
        }
        Ok(Pattern::literal(text))
    }

    fn bare(&mut self) -> Pattern {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        while let Some(c) = self.peek_char() {
            if c.is_whitespace() || c == ')' {
                break;
            }
            self.bump();
            match c {
                '*' => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    // `**` means the same as `*`.
                    if pieces.last() != Some(&Piece::Star) {
                        pieces.push(Piece::Star);
                    }
                }
                '\\' => match self.peek_char() {
                    Some(next @ ('*' | '\\' | '(' | ')' | '"')) => {
                        self.bump();
                        literal.push(next);
                    }
                    _ => literal.push('\\'),
                },
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Pattern { pieces }
    }
}

/// Parses query text into an expression.
pub fn parse(text: &str) -> Result<Expr, QueryError> {
    let error = |at: usize, message: String| {
        let (line, column) = position(text, at);
        QueryError { line, column, message }
    };
    if text.len() > MAX_QUERY_BYTES {
        return Err(error(MAX_QUERY_BYTES, format!("query longer than {MAX_QUERY_BYTES} bytes")));
    }
    if let Some(at) = text.find('\0') {
        return Err(error(at, "NUL character in the query".to_owned()));
    }
    let tokens = Lexer { text, at: 0 }.tokens().map_err(|(at, message)| error(at, message))?;
    let terms = tokens.iter().filter(|(t, _)| matches!(t, Token::Term { .. })).count();
    if terms > MAX_TERMS {
        return Err(error(0, format!("more than {MAX_TERMS} terms")));
    }
    let mut parser = Parser { text, tokens, next: 0, depth: 0 };
    if parser.tokens.is_empty() {
        return Ok(Expr::All);
    }
    let expr = parser.or().map_err(|(at, message)| error(at, message))?;
    if let Some((token, at)) = parser.tokens.get(parser.next) {
        let message = match token {
            Token::Close => "')' without a matching '('".to_owned(),
            _ => "unexpected text".to_owned(),
        };
        return Err(error(*at, message));
    }
    Ok(expr)
}

/// 1-based line and column (in characters) of byte offset `at`.
fn position(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let mut boundary = at;
    while !text.is_char_boundary(boundary) {
        boundary -= 1;
    }
    let before = &text[..boundary];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

type ParseResult<T> = Result<T, (usize, String)>;

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<(Token, usize)>,
    next: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(t, _)| t)
    }

    fn here(&self) -> usize {
        self.tokens.get(self.next).map_or(self.text.len(), |(_, at)| *at)
    }

    fn descend(&mut self) -> ParseResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((self.here(), format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn or(&mut self) -> ParseResult<Expr> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.next += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::Or(items) })
    }

    fn and(&mut self) -> ParseResult<Expr> {
        let mut items = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Token::And) => {
                    self.next += 1;
                    items.push(self.unary()?);
                }
                Some(Token::Or | Token::Close) | None => break,
                Some(_) => items.push(self.unary()?),
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::And(items) })
    }

    fn unary(&mut self) -> ParseResult<Expr> {
        if self.peek() == Some(&Token::Not) {
            self.next += 1;
            self.descend()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> ParseResult<Expr> {
        let at = self.here();
        let Some((token, _)) = self.tokens.get(self.next).cloned() else {
            return Err((at, "the query ends where a term was expected".to_owned()));
        };
        self.next += 1;
        match token {
            Token::Open => {
                self.descend()?;
                if self.peek() == Some(&Token::Close) {
                    return Err((self.here(), "empty parentheses".to_owned()));
                }
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err((at, "'(' is never closed".to_owned()));
                }
                self.next += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Token::Close => Err((at, "')' without a matching '('".to_owned())),
            Token::Or | Token::And => Err((at, "OR/AND needs a term on both sides".to_owned())),
            Token::Not => Err((at, "NOT needs a term after it".to_owned())),
            Token::Word(word) => Err((at, bare_word_message(&word))),
            Token::Term { field, field_at, value, value_at, .. } => {
                let Some(parsed) = Field::parse(&field) else {
                    return Err((field_at, unknown_field_message(&field)));
                };
                let value = match parsed.shape() {
                    Shape::Time => {
                        let Some(text) = value.as_literal() else {
                            return Err((value_at, "a time cannot hold a '*' wildcard".to_owned()));
                        };
                        TermValue::Time(parse_time(&text).map_err(|m| (value_at, m))?)
                    }
                    // Paths are compared without case (`path_form::fold_case`).
                    _ if parsed == Field::Path => TermValue::Pattern(value.case_folded()),
                    _ => TermValue::Pattern(value),
                };
                Ok(Expr::Term(Term { field: parsed, value, column: position(self.text, field_at).1 }))
            }
        }
    }
}

fn bare_word_message(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    if matches!(lower.as_str(), "or" | "and" | "not") {
        return format!("'{word}': write the operator in capitals ({})", lower.to_ascii_uppercase());
    }
    match Field::parse(&lower) {
        Some(field) => format!("'{word}' needs a value: {}:VALUE", field.name()),
        None => format!("'{word}' is not a term: terms are field:value (e.g. agent:codex)"),
    }
}

fn unknown_field_message(name: &str) -> String {
    unknown_field_among(name, &Field::ALL)
}

/// An unknown field's message, suggesting the nearest of `fields` (a query's: every field;
/// `--count-by`'s: those it can group by).
pub(crate) fn unknown_field_among(name: &str, fields: &[Field]) -> String {
    let lower = name.to_ascii_lowercase();
    let best = fields.iter().map(|f| (strsim::damerau_levenshtein(&lower, f.name()), f.name())).min();
    // Close enough to be a typo: one edit, plus one per four characters typed.
    let tolerance = 1 + lower.chars().count() / 4;
    match best {
        Some((distance, suggestion)) if distance <= tolerance && distance < lower.chars().count() => {
            format!("unknown field '{name}' (did you mean '{suggestion}'?)")
        }
        _ => {
            let names: Vec<&str> = fields.iter().map(|f| f.name()).collect();
            format!("unknown field '{name}' (fields: {})", names.join(", "))
        }
    }
}

/// `90d` / `12h` / `30m` / `45s` / `2w`, `2026-08-01`, or RFC 3339.
fn parse_time(text: &str) -> Result<TimeBound, String> {
    if let Some(unit) = text.chars().last().filter(|c| c.is_ascii_alphabetic()) {
        let digits = &text[..text.len() - 1];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let amount: i64 = digits.parse().map_err(|_| format!("'{text}': number too large"))?;
            let seconds_per = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return Err(format!("'{text}': unknown unit '{unit}' (use s, m, h, d or w)")),
            };
            // Past ~1000 years nothing is older; refuse instead of overflowing.
            let seconds = amount.checked_mul(seconds_per).filter(|s| *s <= 1_000 * 366 * 86_400);
            let Some(seconds) = seconds else { return Err(format!("'{text}': too far back")) };
            return Ok(TimeBound::Ago(Duration::seconds(seconds)));
        }
    }
    if text.len() == 10 {
        let format = format_description!("[year]-[month]-[day]");
        if let Ok(day) = Date::parse(text, format) {
            return Ok(TimeBound::Day(day));
        }
    }
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(TimeBound::At(at));
    }
    Err(format!("'{text}' is not a time: use 90d, 12h, 2026-08-01 or 2026-08-01T10:00:00Z"))
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::All => f.write_str("*"),
            Expr::Term(term) => write!(f, "{}:{:?}", term.field.name(), term.value),
            Expr::Not(inner) => write!(f, "NOT ({inner})"),
            Expr::And(items) | Expr::Or(items) => {
                let op = if matches!(self, Expr::And(_)) { " AND " } else { " OR " };
                f.write_str("(")?;
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        f.write_str(op)?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn terms_and_operators() {
        assert_eq!(parse("").unwrap(), Expr::All);
        assert_eq!(parse("   ").unwrap(), Expr::All);
        let expr = parse("agent:codex decision:deny").unwrap();
        assert!(matches!(&expr, Expr::And(items) if items.len() == 2));
        let expr = parse("agent:codex OR agent:claude-code -tier:open").unwrap();
        let Expr::Or(items) = &expr else { panic!("{expr:?}") };
        assert!(matches!(&items[1], Expr::And(inner) if matches!(inner[1], Expr::Not(_))));
        let expr = parse("NOT (agent:codex OR agent:cursor) AND class:credential").unwrap();
        assert!(matches!(&expr, Expr::And(items) if matches!(items[0], Expr::Not(_))));
        let expr = parse(r#"repo:"github.com/acme/my repo" path:/a\*b tool:Bash*"#).unwrap();
        let terms = expr.terms();
        assert_eq!(terms[0].value, TermValue::Pattern(Pattern::literal("github.com/acme/my repo")));
        assert_eq!(terms[1].value, TermValue::Pattern(Pattern::literal("/a*b")));
        assert_eq!(
            terms[2].value,
            TermValue::Pattern(Pattern { pieces: vec![Piece::Literal("Bash".into()), Piece::Star] })
        );
        assert_eq!(terms[2].column, 43);
    }

    #[test]
    fn time_bounds() {
        let bound = |text: &str| match &parse(text).unwrap().terms()[0].value {
            TermValue::Time(bound) => *bound,
            other => panic!("{other:?}"),
        };
        assert_eq!(bound("since:90d"), TimeBound::Ago(Duration::days(90)));
        assert_eq!(bound("since:12h"), TimeBound::Ago(Duration::hours(12)));
        assert_eq!(bound("until:2w"), TimeBound::Ago(Duration::weeks(2)));
        assert!(matches!(bound("since:2026-08-01"), TimeBound::Day(_)));
        assert!(matches!(bound("until:2026-08-01T10:00:00Z"), TimeBound::At(_)));
        assert!(err("since:90x").contains("unknown unit"), "{}", err("since:90x"));
        assert!(err("since:yesterday").starts_with("query:1:7: "), "{}", err("since:yesterday"));
        assert!(err("since:99999999999999999d").contains("too"));
    }

    #[test]
    fn time_bounds_at_the_ends_of_the_calendar_resolve() {
        // The day after the last day a date can name is no instant the time crate holds; the
        // bound still resolves (it once panicked, and the server answered 500).
        let resolve = |text: &str, now: OffsetDateTime| {
            let query = parse(text).unwrap();
            let term = query.terms()[0];
            let TermValue::Time(bound) = &term.value else { panic!("{text}") };
            bound.resolve_micros(term.field, now)
        };
        let now = OffsetDateTime::UNIX_EPOCH;
        let last_day = resolve("until:9999-12-31", now);
        assert_eq!(last_day, resolve("since:9999-12-31", now) + 86_400_000_000);
        assert!(last_day > resolve("until:9999-12-31T23:59:59.999999Z", now));
        assert!(resolve("since:0000-01-01", now) < resolve("since:1970-01-01", now));
        let far_back = resolve("since:365000d", now);
        assert_eq!(far_back, -365_000 * 86_400_000_000);
        for dialect in [crate::sql::Dialect::Sqlite, crate::sql::Dialect::Postgres] {
            let _ = crate::sql::select_events(&parse("until:9999-12-31").unwrap(), dialect, now, 10);
        }
    }

    #[test]
    fn errors_point_at_the_column() {
        assert_eq!(
            err("class:credential agnt:codex"),
            "query:1:18: unknown field 'agnt' (did you mean 'agent'?)"
        );
        assert_eq!(err("decison:deny"), "query:1:1: unknown field 'decison' (did you mean 'decision'?)");
        assert!(err("zzzzzz:1").contains("(fields: agent, device"));
        assert_eq!(err("agent:"), "query:1:7: missing value after 'agent:'");
        assert_eq!(err("agent:codex )"), "query:1:13: ')' without a matching '('");
        assert_eq!(err("(agent:codex"), "query:1:1: '(' is never closed");
        assert_eq!(err("agent:codex OR"), "query:1:15: the query ends where a term was expected");
        assert_eq!(
            err("codex"),
            "query:1:1: 'codex' is not a term: terms are field:value (e.g. agent:codex)"
        );
        assert_eq!(err("agent:codex or agent:x"), "query:1:13: 'or': write the operator in capitals (OR)");
        assert_eq!(err(r#"repo:"abc"#), "query:1:6: unterminated quoted value (missing closing '\"')");
        assert_eq!(err("- agent:x"), "query:1:1: '-' must be followed by the term it negates");
        assert_eq!(err("()"), "query:1:2: empty parentheses");
        assert_eq!(err(":x"), "query:1:1: missing field name before ':'");
        assert_eq!(
            err("agent:a\n  tier:open agnt:x"),
            "query:2:13: unknown field 'agnt' (did you mean 'agent'?)"
        );
        assert_eq!(err("é:x ägent:x"), "query:1:1: unknown field 'é' (fields: agent, device, kind, decision, tier, repo, tool, action, session, cwd, id, class, rule, host, fingerprint, path, since, until)");
    }

    #[test]
    fn limits_are_errors_not_crashes() {
        let deep = format!("{}agent:x{}", "(".repeat(200), ")".repeat(200));
        assert!(err(&deep).contains("nested deeper"));
        let nots = format!("{}agent:x", "-".repeat(200));
        assert!(err(&nots).contains("nested deeper"));
        let many = "agent:x ".repeat(MAX_TERMS + 1);
        assert!(err(&many).contains("terms"));
        assert!(err(&"a".repeat(MAX_QUERY_BYTES + 1)).contains("longer"));
        assert!(err("agent:a\0").contains("NUL"));
    }
}
