//! Policy errors: every problem found in a policy (or cases) file, each with its line and column,
//! so `ward policy check` can print `FILE:LINE:COLUMN: message` for all of them at once.

use std::fmt;
use std::ops::Range;

/// One problem at one place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub message: String,
}

/// Everything wrong with one policy file. Loading never stops at the first error: a security
/// policy with a typo must be fixed in one pass, not discovered one error per run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// Where the text came from (a file path, `<builtin>`, `<stdin>`).
    pub origin: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}:{}:{}: {}", self.origin, d.line, d.column, d.message)?;
        }
        Ok(())
    }
}

/// Error of [`crate::Policy::load`]: the file could not be read, or it is not a valid policy.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    Invalid(#[from] PolicyError),
}

/// Collects diagnostics while a document is checked, converting byte spans into line/column.
pub(crate) struct Diagnostics<'s> {
    source: &'s str,
    pub(crate) list: Vec<Diagnostic>,
}

impl<'s> Diagnostics<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Diagnostics { source, list: Vec::new() }
    }

    pub(crate) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_column(self.source, span.start);
        self.list.push(Diagnostic { line, column, message: message.into() });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(crate) fn into_error(mut self, origin: &str) -> PolicyError {
        self.list.sort_by_key(|d| (d.line, d.column));
        self.list.dedup();
        PolicyError { origin: origin.to_owned(), diagnostics: self.list }
    }
}

/// 1-based line and character column of byte `offset` in `source` (clamped to the text).
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one_and_in_characters() {
        let text = "ab\nçd\nx";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 5), (2, 2));
        assert_eq!(line_column(text, 7), (3, 1));
        assert_eq!(line_column(text, 999), (3, 2));
        // Inside a multi-byte character: clamps back to its start.
        assert_eq!(line_column(text, 4), (2, 1));
    }

    #[test]
    fn display_lists_every_diagnostic_with_origin() {
        let e = PolicyError {
            origin: "p.toml".into(),
            diagnostics: vec![
                Diagnostic { line: 1, column: 2, message: "a".into() },
                Diagnostic { line: 3, column: 4, message: "b".into() },
            ],
        };
        assert_eq!(e.to_string(), "p.toml:1:2: a\np.toml:3:4: b");
    }
}
