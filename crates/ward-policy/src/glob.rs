//! A small glob engine for words and paths, compiled in microseconds (a hook process compiles
//! its policy on every start, and regex-backed glob sets cost about a millisecond).
//!
//! Syntax: `*` any run of characters (within one path segment for paths), `?` one character,
//! `[abc]`, `[a-z]`, `[!a-z]`/`[^a-z]` one character of (not of) a set, `{a,b}` alternatives
//! (may nest), `\x` the character `x`. In paths, a segment that is exactly `**` matches any
//! number of segments. Matching takes time linear in the input per star, never exponential.

use serde::{Deserialize, Serialize};

/// One element of a compiled segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Token {
    Literal(Box<[u8]>),
    /// `?`: one character.
    One,
    /// `*`: any run of characters.
    Star,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A glob over one word (or one path segment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SegmentGlob {
    tokens: Vec<Token>,
}

/// Most alternatives one pattern may expand to.
const MAX_ALTERNATIVES: usize = 256;

/// Whether `s` uses any glob syntax.
pub(crate) fn has_glob_syntax(s: &str) -> bool {
    s.contains(['*', '?', '[', '{', '\\'])
}

/// Expands `{a,b}` alternatives (nested allowed) into plain patterns.
pub(crate) fn expand_alternatives(pattern: &str) -> Result<Vec<String>, String> {
    let mut out = vec![String::new()];
    let chars: Vec<char> = pattern.chars().collect();
    expand_into(&chars, &mut out)?;
    Ok(out)
}

fn expand_into(chars: &[char], out: &mut Vec<String>) -> Result<(), String> {
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let next = chars.get(i + 1).ok_or("dangling `\\` at the end")?;
                for o in out.iter_mut() {
                    o.push('\\');
                    o.push(*next);
                }
                i += 2;
            }
            '[' => {
                let end = class_end(chars, i).ok_or("unclosed character class `[`")?;
                let class: String = chars[i..=end].iter().collect();
                for o in out.iter_mut() {
                    o.push_str(&class);
                }
                i = end + 1;
            }
            '{' => {
                let (alternatives, end) = split_alternatives(chars, i)?;
                let mut next = Vec::new();
                for alt in alternatives {
                    let mut branch = out.clone();
                    expand_into(alt, &mut branch)?;
                    next.extend(branch);
                    if next.len() > MAX_ALTERNATIVES {
                        return Err(format!("more than {MAX_ALTERNATIVES} alternatives"));
                    }
                }
                *out = next;
                i = end + 1;
            }
            '}' => return Err("unmatched `}`".into()),
            c => {
                for o in out.iter_mut() {
                    o.push(c);
                }
                i += 1;
            }
        }
    }
    Ok(())
}

/// Index of the `]` closing the class that opens at `start`.
fn class_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if matches!(chars.get(i), Some('!') | Some('^')) {
        i += 1;
    }
    // A `]` right after the opening (or the negation) is a member, as in shell globs.
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while i < chars.len() {
        if chars[i] == ']' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The top-level comma-separated alternatives of the `{…}` opening at `start`, and the index
/// of its closing `}`.
fn split_alternatives(chars: &[char], start: usize) -> Result<(Vec<&[char]>, usize), String> {
    let mut depth = 0;
    let mut parts = Vec::new();
    let mut part_start = start + 1;
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' => i = class_end(chars, i).ok_or("unclosed character class `[`")?,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    parts.push(&chars[part_start..i]);
                    return Ok((parts, i));
                }
            }
            ',' if depth == 1 => {
                parts.push(&chars[part_start..i]);
                part_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    Err("unclosed alternatives `{`".into())
}

impl SegmentGlob {
    /// Compiles one pattern without `{}` (already expanded). `lower` folds ASCII case.
    pub(crate) fn compile(pattern: &str, lower: bool) -> Result<SegmentGlob, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens: Vec<Token> = Vec::new();
        let mut literal = String::new();
        let flush = |literal: &mut String, tokens: &mut Vec<Token>| {
            if !literal.is_empty() {
                let text = std::mem::take(literal);
                let text = if lower { ward_model::path_case::fold(&text).into_owned() } else { text };
                tokens.push(Token::Literal(text.into_bytes().into_boxed_slice()));
            }
        };
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' => {
                    let next = chars.get(i + 1).ok_or("dangling `\\` at the end")?;
                    literal.push(*next);
                    i += 2;
                }
                '*' => {
                    flush(&mut literal, &mut tokens);
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                    i += 1;
                }
                '?' => {
                    flush(&mut literal, &mut tokens);
                    tokens.push(Token::One);
                    i += 1;
                }
                '[' => {
                    flush(&mut literal, &mut tokens);
                    let end = class_end(&chars, i).ok_or("unclosed character class `[`")?;
                    let mut j = i + 1;
                    let negated = matches!(chars.get(j), Some('!') | Some('^'));
                    if negated {
                        j += 1;
                    }
                    let mut ranges = Vec::new();
                    while j < end {
                        let lo = chars[j];
                        if chars.get(j + 1) == Some(&'-') && j + 2 < end {
                            let hi = chars[j + 2];
                            if hi < lo {
                                return Err(format!("bad range `{lo}-{hi}` in character class"));
                            }
                            ranges.push((lo, hi));
                            j += 3;
                        } else {
                            ranges.push((lo, lo));
                            j += 1;
                        }
                    }
                    if lower {
                        let extra: Vec<(char, char)> = ranges
                            .iter()
                            .filter(|(a, b)| a.is_ascii_alphabetic() && b.is_ascii_alphabetic())
                            .map(|(a, b)| (a.to_ascii_lowercase(), b.to_ascii_lowercase()))
                            .collect();
                        ranges.extend(extra);
                    }
                    tokens.push(Token::Class { negated, ranges });
                    i = end + 1;
                }
                '{' | '}' => return Err("alternatives `{}` must be expanded first".into()),
                c => {
                    literal.push(c);
                    i += 1;
                }
            }
        }
        flush(&mut literal, &mut tokens);
        Ok(SegmentGlob { tokens })
    }

    /// The literal text, when the pattern has no wildcards.
    pub(crate) fn as_literal(&self) -> Option<&[u8]> {
        match self.tokens.as_slice() {
            [Token::Literal(l)] => Some(l),
            [] => Some(b""),
            _ => None,
        }
    }

    /// `*.ext` (a star and a literal suffix without further wildcards): the suffix.
    pub(crate) fn as_star_suffix(&self) -> Option<&[u8]> {
        match self.tokens.as_slice() {
            [Token::Star, Token::Literal(l)] => Some(l),
            _ => None,
        }
    }

    /// Matches the whole of `s` (already case-folded when compiled with `lower`).
    pub(crate) fn matches(&self, s: &[u8]) -> bool {
        let p = &self.tokens;
        let (mut pi, mut si) = (0usize, 0usize);
        let mut resume: Option<(usize, usize)> = None;
        loop {
            if let Some(tok) = p.get(pi) {
                if *tok == Token::Star {
                    resume = Some((pi, si));
                    pi += 1;
                    continue;
                }
                if let Some(len) = tok.match_at(s, si) {
                    pi += 1;
                    si += len;
                    continue;
                }
            } else if si == s.len() {
                return true;
            }
            match resume {
                Some((sp, ss)) if ss < s.len() => {
                    resume = Some((sp, ss + 1));
                    pi = sp + 1;
                    si = ss + 1;
                }
                _ => return false,
            }
        }
    }
}

impl Token {
    /// Bytes consumed when this token matches at `s[at..]`.
    fn match_at(&self, s: &[u8], at: usize) -> Option<usize> {
        let rest = s.get(at..)?;
        match self {
            Token::Literal(l) => rest.starts_with(l).then_some(l.len()),
            Token::One => first_char(rest).map(|(_, len)| len),
            Token::Class { negated, ranges } => {
                let (c, len) = first_char(rest)?;
                let inside = ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi);
                (inside != *negated).then_some(len)
            }
            Token::Star => Some(0),
        }
    }
}

/// The character at the start of `bytes` and its length, if it starts a valid character.
fn first_char(bytes: &[u8]) -> Option<(char, usize)> {
    let len = match *bytes.first()? {
        b if b < 0x80 => 1,
        b if b >> 5 == 0b110 => 2,
        b if b >> 4 == 0b1110 => 3,
        b if b >> 3 == 0b11110 => 4,
        _ => return None,
    };
    let s = std::str::from_utf8(bytes.get(..len)?).ok()?;
    s.chars().next().map(|c| (c, len))
}

/// A glob over a whole word (where `*` also matches `/`): any of its expanded alternatives.
/// One matching step of a segment glob, byte by byte, for intersection tests.
enum Unit<'a> {
    Byte(u8),
    Any,
    Class(&'a Token),
    Star,
}

impl SegmentGlob {
    fn units(&self) -> Vec<Unit<'_>> {
        let mut out = Vec::new();
        for t in &self.tokens {
            match t {
                Token::Literal(l) => out.extend(l.iter().map(|b| Unit::Byte(*b))),
                Token::One => out.push(Unit::Any),
                Token::Star => out.push(Unit::Star),
                c @ Token::Class { .. } => out.push(Unit::Class(c)),
            }
        }
        out
    }

    /// Whether some segment matches both globs. Exact for literals, `?` and `*`; a class
    /// against a class counts as overlapping (over-approximate, the cautious side).
    pub(crate) fn intersects(&self, other: &SegmentGlob) -> bool {
        // Most segments are literal: then it is plain matching, no allocation.
        if let Some(l) = self.as_literal() {
            return other.matches(l);
        }
        if let Some(l) = other.as_literal() {
            return self.matches(l);
        }
        let a = self.units();
        let b = other.units();
        reachable(
            a.len(),
            b.len(),
            |i| matches!(a[i], Unit::Star),
            |j| matches!(b[j], Unit::Star),
            |i, j| unit_compatible(&a[i], &b[j]),
        )
    }
}

fn unit_compatible(x: &Unit<'_>, y: &Unit<'_>) -> bool {
    match (x, y) {
        (Unit::Byte(a), Unit::Byte(b)) => a == b,
        (Unit::Byte(a), Unit::Class(c)) | (Unit::Class(c), Unit::Byte(a)) => {
            if *a >= 0x80 {
                return true;
            }
            let ch = char::from(*a);
            match c {
                Token::Class { negated, ranges } => {
                    ranges.iter().any(|(lo, hi)| *lo <= ch && ch <= *hi) != *negated
                }
                _ => true,
            }
        }
        _ => true,
    }
}

/// Two-sequence product reachability: from `(0, 0)`, can both sequences be consumed together?
/// `star_a(i)` / `star_b(j)` mark elements matching any run (including none) of the other
/// side; `step(i, j)` says whether two plain elements can match the same thing. Visits each
/// state once: O(n·m).
fn reachable(
    n: usize,
    m: usize,
    star_a: impl Fn(usize) -> bool,
    star_b: impl Fn(usize) -> bool,
    step: impl Fn(usize, usize) -> bool,
) -> bool {
    let width = m + 1;
    let mut small = [false; 256];
    let mut large = Vec::new();
    let seen: &mut [bool] = if (n + 1) * width <= small.len() {
        &mut small[..(n + 1) * width]
    } else {
        large.resize((n + 1) * width, false);
        &mut large
    };
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if std::mem::replace(&mut seen[i * width + j], true) {
            continue;
        }
        if i == n && j == m {
            return true;
        }
        let a_star = i < n && star_a(i);
        let b_star = j < m && star_b(j);
        if a_star {
            stack.push((i + 1, j));
            if j < m {
                stack.push((i, j + 1));
            }
        }
        if b_star {
            stack.push((i, j + 1));
            if i < n {
                stack.push((i + 1, j));
            }
        }
        if i < n && j < m && !a_star && !b_star && step(i, j) {
            stack.push((i + 1, j + 1));
        }
    }
    false
}

impl PathGlob {
    /// Whether some path matches both `prefix ++ self` and `other` (`prefix`: the home or
    /// workspace a relative pattern is anchored at). Used for paths that are globs themselves
    /// (`~/.a?s/credentials`, `DIR/**`): a rule about files the glob could reach matches it.
    pub(crate) fn intersects(&self, prefix: Option<&PathGlob>, other: &PathGlob) -> bool {
        let pre: &[SegmentPattern] = prefix.map_or(&[], |p| &p.segments);
        let seg_a = |i: usize| if i < pre.len() { &pre[i] } else { &self.segments[i - pre.len()] };
        let n = pre.len() + self.segments.len();
        let b = &other.segments;
        let any = |s: &SegmentPattern| matches!(s, SegmentPattern::AnySegments);
        // Until the first `**` on either side, segments pair up one to one, from the start and
        // from the end: a mismatch there settles it without the full search (the common case:
        // `~/.ssh/**` against `~/.aws/credentials` differs at `.ssh`).
        let pair = |x: &SegmentPattern, y: &SegmentPattern| match (x, y) {
            (SegmentPattern::Segment(x), SegmentPattern::Segment(y)) => Some(x.intersects(y)),
            _ => None,
        };
        for (k, bk) in b.iter().enumerate().take(n) {
            match pair(seg_a(k), bk) {
                Some(false) => return false,
                Some(true) => {}
                None => break,
            }
        }
        for k in 1..=n.min(b.len()) {
            match pair(seg_a(n - k), &b[b.len() - k]) {
                Some(false) => return false,
                Some(true) => {}
                None => break,
            }
        }
        let has_any = (0..n).any(|i| any(seg_a(i))) || b.iter().any(any);
        if !has_any {
            return n == b.len();
        }
        let a: Vec<&SegmentPattern> = (0..n).map(seg_a).collect();
        reachable(
            a.len(),
            b.len(),
            |i| any(a[i]),
            |j| any(&b[j]),
            |i, j| match (a[i], &b[j]) {
                (SegmentPattern::Segment(x), SegmentPattern::Segment(y)) => x.intersects(y),
                _ => true,
            },
        )
    }

    /// Reaches into a directory tree: has a `**` segment (`DIR/**`, `DIR/**/*.pyc`).
    pub(crate) fn is_tree(&self) -> bool {
        self.segments.iter().any(|s| matches!(s, SegmentPattern::AnySegments))
    }

    /// Starts with `**`: matches a name anywhere.
    pub(crate) fn starts_anywhere(&self) -> bool {
        matches!(self.segments.first(), Some(SegmentPattern::AnySegments))
    }

    /// The last segment when it is literal (`**/.env` → `.env`).
    pub(crate) fn literal_file_name(&self) -> Option<&[u8]> {
        match self.segments.last()? {
            SegmentPattern::Segment(g) => g.as_literal(),
            SegmentPattern::AnySegments => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WordGlob {
    alternatives: Vec<SegmentGlob>,
}

impl WordGlob {
    pub(crate) fn compile(pattern: &str) -> Result<WordGlob, String> {
        let alternatives = expand_alternatives(pattern)?
            .iter()
            .map(|p| SegmentGlob::compile(p, false))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(WordGlob { alternatives })
    }

    pub(crate) fn matches(&self, word: &str) -> bool {
        self.alternatives.iter().any(|a| a.matches(word.as_bytes()))
    }
}

/// One path segment pattern: `**` (any number of segments) or a segment glob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum SegmentPattern {
    AnySegments,
    Segment(SegmentGlob),
}

/// A glob over `/`-separated paths (no `{}`; already expanded), case-folded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PathGlob {
    segments: Vec<SegmentPattern>,
}

impl PathGlob {
    pub(crate) fn compile(pattern: &str) -> Result<PathGlob, String> {
        let segments = pattern
            .split('/')
            .map(|seg| {
                if seg == "**" {
                    Ok(SegmentPattern::AnySegments)
                } else {
                    SegmentGlob::compile(seg, true).map(SegmentPattern::Segment)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PathGlob { segments })
    }

    /// The inverse of [`PathGlob::as_literal`]: the glob matching exactly `literal`.
    pub(crate) fn literal(literal: &[u8]) -> PathGlob {
        let segments = literal
            .split(|b| *b == b'/')
            .map(|seg| {
                let tokens = if seg.is_empty() { Vec::new() } else { vec![Token::Literal(seg.into())] };
                SegmentPattern::Segment(SegmentGlob { tokens })
            })
            .collect();
        PathGlob { segments }
    }

    /// The inverse of [`PathGlob::as_star_suffix`]: the one-segment glob `*suffix`.
    pub(crate) fn star_suffix(suffix: &[u8]) -> PathGlob {
        let tokens = vec![Token::Star, Token::Literal(suffix.into())];
        PathGlob { segments: vec![SegmentPattern::Segment(SegmentGlob { tokens })] }
    }

    /// The whole pattern as one literal (no wildcards), case-folded.
    pub(crate) fn as_literal(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for (i, s) in self.segments.iter().enumerate() {
            let SegmentPattern::Segment(g) = s else { return None };
            if i > 0 {
                out.push(b'/');
            }
            out.extend_from_slice(g.as_literal()?);
        }
        Some(out)
    }

    /// Matches one path segment (a file name); patterns with several segments never do,
    /// a lone `**` always does.
    pub(crate) fn matches_segment(&self, name: &[u8]) -> bool {
        match self.segments.as_slice() {
            [SegmentPattern::Segment(g)] => g.matches(name),
            [SegmentPattern::AnySegments] => true,
            _ => false,
        }
    }

    /// A one-segment `*.ext` pattern: its suffix.
    pub(crate) fn as_star_suffix(&self) -> Option<&[u8]> {
        match self.segments.as_slice() {
            [SegmentPattern::Segment(g)] => g.as_star_suffix(),
            _ => None,
        }
    }

    /// Matches a case-folded, split path.
    pub(crate) fn matches(&self, path: &SplitPath) -> bool {
        let p = &self.segments;
        let segments = path;
        let (mut pi, mut si) = (0usize, 0usize);
        let mut resume: Option<(usize, usize)> = None;
        loop {
            match p.get(pi) {
                Some(SegmentPattern::AnySegments) => {
                    resume = Some((pi, si));
                    pi += 1;
                    continue;
                }
                Some(SegmentPattern::Segment(g)) => {
                    if let Some(seg) = segments.segment(si) {
                        if g.matches(seg) {
                            pi += 1;
                            si += 1;
                            continue;
                        }
                    }
                }
                None if si == segments.len() => return true,
                None => {}
            }
            match resume {
                Some((sp, ss)) if ss < segments.len() => {
                    resume = Some((sp, ss + 1));
                    pi = sp + 1;
                    si = ss + 1;
                }
                _ => return false,
            }
        }
    }
}

/// A path, case-folded, with the bounds of its `/`-separated segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitPath {
    text: String,
    bounds: Vec<(usize, usize)>,
}

impl SplitPath {
    pub(crate) fn new(path: &str) -> SplitPath {
        // Compared without case as file systems may compare it (`ward_model::path_case`).
        let text = ward_model::path_case::fold(path).into_owned();
        let mut bounds = Vec::with_capacity(8);
        let mut start = 0;
        for (i, b) in text.bytes().enumerate() {
            if b == b'/' {
                bounds.push((start, i));
                start = i + 1;
            }
        }
        bounds.push((start, text.len()));
        SplitPath { text, bounds }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    pub(crate) fn len(&self) -> usize {
        self.bounds.len()
    }

    pub(crate) fn segment(&self, i: usize) -> Option<&[u8]> {
        let (a, b) = *self.bounds.get(i)?;
        self.text.as_bytes().get(a..b)
    }

    /// The last non-empty segment (the file name).
    pub(crate) fn file_name(&self) -> &[u8] {
        (0..self.len()).rev().filter_map(|i| self.segment(i)).find(|s| !s.is_empty()).unwrap_or(b"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_globs() {
        let table: &[(&str, &str, bool)] = &[
            ("*prod*", "eu-prod-1", true),
            ("*prod*", "staging", false),
            ("-[a-zA-Z]*f*", "-uf", true),
            ("-[a-zA-Z]*f*", "--force", false),
            ("-[!-]*", "-x", true),
            ("-[!-]*", "--x", false),
            ("{main,master,release*}", "release/1.2", true),
            ("{main,master,release*}", "mainline", false),
            ("+*:{main,refs/heads/{main,master}}", "+HEAD:refs/heads/master", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "aéc", true),
            ("\\[", "[", true),
            ("\\*", "x", false),
            ("*", "", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("[]]", "]", true),
        ];
        for (p, w, expect) in table {
            assert_eq!(WordGlob::compile(p).unwrap().matches(w), *expect, "{p} vs {w}");
        }
        for bad in ["[abc", "{a,b", "a}", "x\\", "[z-a]"] {
            assert!(WordGlob::compile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn alternatives_expand_and_are_bounded() {
        assert_eq!(expand_alternatives("a{b,c{d,e}}f").unwrap(), vec!["abf", "acdf", "acef"]);
        assert_eq!(expand_alternatives("x[{]y").unwrap(), vec!["x[{]y"]);
        let huge = "{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}";
        assert!(expand_alternatives(huge).unwrap_err().contains("alternatives"));
    }

    #[test]
    fn literal_and_suffix_globs_invert_their_accessors() {
        for p in ["~/.aws/credentials", "a//b", ".env", "/etc/shadow", "x/\\*\\*/y", ""] {
            let g = PathGlob::compile(p).unwrap();
            let lit = g.as_literal().unwrap();
            assert_eq!(PathGlob::literal(&lit), g, "{p}");
        }
        let g = PathGlob::compile("*.pem").unwrap();
        assert_eq!(PathGlob::star_suffix(g.as_star_suffix().unwrap()), g);
    }

    #[test]
    fn path_globs() {
        let table: &[(&str, &str, bool)] = &[
            ("**/secrets/*", "/w/a/secrets/x", true),
            ("**/secrets/*", "/w/a/secrets/x/y", false),
            ("**/secrets/**", "/w/a/secrets/x/y", true),
            ("/etc/*", "/etc/shadow", true),
            ("/etc/*", "/etc/a/b", false),
            (".aws/sso/cache/**", ".aws/sso/cache/a/b.json", true),
            ("src/*.rs", "src/main.rs", true),
            ("src/*.rs", "src/a/main.rs", false),
            ("**", "anything/at/all", true),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/y/b", true),
        ];
        for (p, path, expect) in table {
            let g = PathGlob::compile(p).unwrap();
            assert_eq!(g.matches(&SplitPath::new(path)), *expect, "{p} vs {path}");
        }
        assert_eq!(PathGlob::compile("A/B").unwrap().as_literal().as_deref(), Some(&b"a/b"[..]));
        assert_eq!(PathGlob::compile("*.PEM").unwrap().as_star_suffix(), Some(&b".pem"[..]));
        assert_eq!(SplitPath::new("/A/b/").file_name(), b"b");
        assert_eq!(SplitPath::new("/").file_name(), b"");
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let g = WordGlob::compile("*a*a*a*a*a*a*a*b").unwrap();
        let input = "a".repeat(5000);
        let start = std::time::Instant::now();
        assert!(!g.matches(&input));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn globs_intersect_when_some_path_matches_both() {
        let g = |p: &str| PathGlob::compile(p).unwrap();
        let home = g("/home/u");
        let cases = [
            ("/home/u/.a?s/credentials", ".aws/credentials", true),
            ("/home/u/.ssh/**", ".ssh/id_*", true),
            ("/home/u/.ssh/**", ".aws/credentials", false),
            ("/home/u/**", ".aws/credentials", true),
            ("/home/u/.local/**", ".local/share/ward/**", true),
            ("/home/u/.local/share/w*", ".local/share/ward/**", true),
            ("/home/u/.local/share/x*", ".local/share/ward/**", false),
            ("**/credentials", ".aws/credentials", true),
            ("/home/u/src/*.rs", ".ssh/id_*", false),
            ("/home/u/.[a]ws/credential[s]", ".aws/credentials", true),
            ("/home/u/.[!a]ws/credentials", ".aws/credentials", false),
        ];
        for (call, pattern, expect) in cases {
            assert_eq!(g(pattern).intersects(Some(&home), &g(call)), expect, "{call} vs ~/{pattern}");
        }
        assert!(g("/etc/ward/**").intersects(None, &g("/etc/*")));
        assert!(!g("/etc/ward/**").intersects(None, &g("/var/**")));
        let s = |p: &str| SegmentGlob::compile(p, true).unwrap();
        assert!(s(".ward-tier-*").intersects(&s(".ward-t?er-sens*")));
        assert!(!s(".ward-tier-sensitive").intersects(&s("*.pyc")));
        assert!(s("id_rsa*").intersects(&s("*.rs")), "id_rsa.rs matches both");
    }
}
