//! JSON string decoding with an offset map, and a walk over a JSON text's string values with
//! the context each one appears in (its object key, or the string elements before it in an
//! array, which is how argv-style arrays spell `["--password", "…"]`).

use std::borrow::Cow;

/// Longest context carried into a value's scan: enough for a key or a few argv elements.
const MAX_CONTEXT: usize = 256;

/// A decoded JSON string and where each decoded byte came from in the raw (escaped) text.
pub(crate) struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// `map[i]` is the raw offset of the escape that produced decoded byte `i`; one extra entry
    /// holds the raw length. `None` when nothing was escaped (the map is the identity).
    map: Option<Vec<usize>>,
}

impl Decoded<'_> {
    /// The raw span that decoded span `[start, end)` (on char boundaries) came from.
    pub fn raw_span(&self, start: usize, end: usize) -> (usize, usize) {
        match &self.map {
            None => (start, end),
            Some(map) => {
                let last = map.last().copied().unwrap_or(0);
                (map.get(start).copied().unwrap_or(last), map.get(end).copied().unwrap_or(last))
            }
        }
    }
}

/// Decodes the contents of a JSON string literal (without its quotes). Lenient: an invalid
/// escape is kept literally and a lone surrogate becomes U+FFFD, so this never fails.
pub(crate) fn decode(raw: &str) -> Decoded<'_> {
    if !raw.contains('\\') {
        return Decoded { text: Cow::Borrowed(raw), map: None };
    }
    let bytes = raw.as_bytes();
    let mut text = String::with_capacity(raw.len());
    let mut map: Vec<usize> = Vec::with_capacity(raw.len() + 1);
    let mut i = 0;
    while i < bytes.len() {
        let Some(offset) = raw.get(i..).and_then(|rest| rest.find('\\')) else {
            push_run(&mut text, &mut map, raw.get(i..).unwrap_or_default(), i);
            break;
        };
        push_run(&mut text, &mut map, raw.get(i..i + offset).unwrap_or_default(), i);
        let escape_start = i + offset;
        let (ch, consumed) = decode_escape(bytes, escape_start);
        let mut buf = [0u8; 4];
        for _ in 0..ch.encode_utf8(&mut buf).len() {
            map.push(escape_start);
        }
        text.push(ch);
        i = escape_start + consumed;
    }
    map.push(bytes.len());
    Decoded { text: Cow::Owned(text), map: Some(map) }
}

fn push_run(text: &mut String, map: &mut Vec<usize>, run: &str, at: usize) {
    text.push_str(run);
    map.extend(at..at + run.len());
}

/// Decodes the escape at `bytes[at] == b'\\'`; returns the char and the raw bytes consumed.
fn decode_escape(bytes: &[u8], at: usize) -> (char, usize) {
    let simple = match bytes.get(at + 1) {
        Some(b'"') => Some('"'),
        Some(b'\\') => Some('\\'),
        Some(b'/') => Some('/'),
        Some(b'b') => Some('\u{8}'),
        Some(b'f') => Some('\u{c}'),
        Some(b'n') => Some('\n'),
        Some(b'r') => Some('\r'),
        Some(b't') => Some('\t'),
        Some(b'u') => None,
        // Invalid or truncated escape: keep the backslash as is.
        _ => return ('\\', 1),
    };
    if let Some(ch) = simple {
        return (ch, 2);
    }
    let Some(high) = hex4(bytes, at + 2) else { return ('\\', 1) };
    if (0xD800..0xDC00).contains(&high) {
        if bytes.get(at + 6) == Some(&b'\\') && bytes.get(at + 7) == Some(&b'u') {
            if let Some(low) = hex4(bytes, at + 8).filter(|low| (0xDC00..0xE000).contains(low)) {
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return (char::from_u32(code).unwrap_or('\u{FFFD}'), 12);
            }
        }
        return ('\u{FFFD}', 6);
    }
    (char::from_u32(high).unwrap_or('\u{FFFD}'), 6)
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

/// A string value found by [`walk_strings`].
pub(crate) struct StringValue<'t> {
    /// Raw (escaped) contents, without quotes, and where they start in the JSON text.
    pub raw: &'t str,
    pub raw_start: usize,
    /// The member key, or the preceding string elements of the array joined by spaces.
    pub context: Option<&'t str>,
    /// What joins context and value when scanning: `=` after a key, a space in an array.
    pub separator: &'static str,
}

enum Frame {
    Object { expecting_key: bool, key: Option<String> },
    Array { previous: ArgvContext },
}

/// The context of an array's string elements (argv-style arrays spell `["--password", "…"]`):
/// the elements before it joined by spaces, at most [`MAX_CONTEXT`] bytes, offered only while
/// a keyword occurs in it or spans the joint to the element. Rules start only at keywords, so context without one changes no
/// finding, and scanning it again with every element made an array of short strings cost
/// `MAX_CONTEXT` bytes of scanning per element (7 MB/s on `["a","a",…]`).
#[derive(Default)]
pub(crate) struct ArgvContext {
    /// The elements so far joined by spaces; the context is its last [`MAX_CONTEXT`] bytes.
    /// Trimmed only when it reaches twice that, so appending is amortized O(element).
    text: String,
    /// Where the last keyword in `text` ends (0: none).
    keyword_end: usize,
}

impl ArgvContext {
    /// Whether a keyword spans the joint between the context and `next` (`http` `-a …`,
    /// `vault` `login`): computed once per element, for [`ArgvContext::get`] and
    /// [`ArgvContext::push`].
    pub(crate) fn joins_keyword(&self, next: &str) -> bool {
        !self.text.is_empty() && crate::engine::keyword_spans_joint(self.text.as_bytes(), next.as_bytes())
    }

    /// The context for the next element, if a keyword occurs in it or spans the joint to the
    /// element (`joint`, from [`ArgvContext::joins_keyword`]).
    pub(crate) fn get(&self, joint: bool) -> Option<&str> {
        let mut start = self.text.len().saturating_sub(MAX_CONTEXT);
        while !self.text.is_char_boundary(start) {
            start += 1;
        }
        (joint || self.keyword_end > start).then(|| self.text.get(start..)).flatten()
    }

    /// Appends the element just scanned (`joint` as given to [`ArgvContext::get`]).
    pub(crate) fn push(&mut self, element: &str, joint: bool) {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        let from = self.text.len();
        self.text.push_str(element);
        if let Some(end) = crate::engine::last_keyword_end(element.as_bytes()) {
            self.keyword_end = self.keyword_end.max(from + end);
        } else if joint {
            self.keyword_end = self.text.len();
        }
        if self.text.len() >= 2 * MAX_CONTEXT {
            let cut = keep_tail(&mut self.text, MAX_CONTEXT);
            self.keyword_end = self.keyword_end.saturating_sub(cut);
        }
    }
}

/// Calls `visit` for every string value (not keys) of the JSON text, in order. Works on any
/// input without panicking; meaningful results need valid JSON (callers validate first).
pub(crate) fn walk_strings(json: &str, mut visit: impl FnMut(StringValue<'_>)) {
    let bytes = json.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'{' => stack.push(Frame::Object { expecting_key: true, key: None }),
            b'[' => stack.push(Frame::Array { previous: ArgvContext::default() }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Frame::Object { expecting_key, .. }) = stack.last_mut() {
                    *expecting_key = true;
                }
            }
            b':' => {
                if let Some(Frame::Object { expecting_key, .. }) = stack.last_mut() {
                    *expecting_key = false;
                }
            }
            b'"' => {
                let end = string_end(bytes, i + 1);
                let raw = json.get(i + 1..end).unwrap_or_default();
                match stack.last_mut() {
                    Some(Frame::Object { expecting_key: true, key }) => {
                        *key = (raw.len() <= MAX_CONTEXT).then(|| decode(raw).text.into_owned());
                    }
                    Some(Frame::Object { key, .. }) => {
                        visit(StringValue { raw, raw_start: i + 1, context: key.as_deref(), separator: "=" })
                    }
                    Some(Frame::Array { previous }) => {
                        let element = decode(raw).text;
                        let joint = previous.joins_keyword(&element);
                        visit(StringValue {
                            raw,
                            raw_start: i + 1,
                            context: previous.get(joint),
                            separator: " ",
                        });
                        previous.push(&element, joint);
                    }
                    None => visit(StringValue { raw, raw_start: i + 1, context: None, separator: "" }),
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
}

/// Index of the closing quote of a string whose contents start at `from` (or the end).
fn string_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Drops the head of `s` so at most `max` bytes remain (on a char boundary); returns how many
/// bytes were dropped.
fn keep_tail(s: &mut String, max: usize) -> usize {
    if s.len() <= max {
        return 0;
    }
    let mut cut = s.len() - max;
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    s.drain(..cut);
    cut
}

/// Whether `text` is itself a JSON object or array (JSON nested in a string).
pub(crate) fn looks_like_json(text: &str) -> bool {
    let trimmed = text.trim_start();
    (trimmed.starts_with('{') || trimmed.starts_with('['))
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_maps_escapes_back() {
        let raw = r#"a\"b\nc\u00e9\ud83d\ude00d"#;
        let d = decode(raw);
        assert_eq!(d.text, "a\"b\nc\u{e9}\u{1F600}d");
        // "b" is decoded byte 2, raw byte 3.
        assert_eq!(d.raw_span(2, 3), (3, 4));
        // The emoji (4 bytes) maps to the whole 12-byte surrogate pair.
        let emoji = d.text.find('\u{1F600}').unwrap();
        assert_eq!(d.raw_span(emoji, emoji + 4), (raw.find(r"\ud83d").unwrap(), raw.len() - 1));
    }

    #[test]
    fn decode_is_lenient_on_malformed_escapes() {
        for raw in [r"\", r"\u12", r"\x", r"\ud800", r"\ud800\u0041", r"\uZZZZ"] {
            let d = decode(raw);
            assert!(!d.text.is_empty(), "{raw}");
            let (s, e) = d.raw_span(0, d.text.len());
            assert!(s <= e && e <= raw.len());
        }
    }

    #[test]
    fn argv_context_is_offered_only_while_it_holds_a_keyword() {
        let push = |context: &mut ArgvContext, element: &str| {
            let joint = context.joins_keyword(element);
            context.push(element, joint);
        };
        let mut context = ArgvContext::default();
        push(&mut context, "ls");
        assert_eq!(context.get(context.joins_keyword("x")), None, "no keyword: the element is scanned alone");
        push(&mut context, "--password");
        assert_eq!(context.get(false), Some("ls --password"));
        // A keyword that spans the joint between two elements counts, also one that ends with
        // its space (`http `) and one whose rest is the element about to be scanned.
        let mut joint = ArgvContext::default();
        push(&mut joint, "vault");
        push(&mut joint, "login");
        assert_eq!(joint.get(false), Some("vault login"));
        let mut spaced = ArgvContext::default();
        push(&mut spaced, "http");
        assert!(spaced.joins_keyword("-a"));
        let mut pending = ArgvContext::default();
        push(&mut pending, "vault");
        assert_eq!(pending.get(pending.joins_keyword("login s.TOKEN")), Some("vault"));
        // Pushed out of the last MAX_CONTEXT bytes, the keyword no longer makes context.
        for _ in 0..MAX_CONTEXT {
            push(&mut context, "a");
        }
        assert_eq!(context.get(false), None);
        push(&mut context, "token");
        let offered = context.get(false).unwrap_or_default();
        assert!(offered.len() <= MAX_CONTEXT && offered.ends_with("a a token"), "{offered}");
    }

    #[test]
    fn walk_reports_context() {
        let mut seen = Vec::new();
        walk_strings(r#"{"k":"v","a":["--password","pw",1],"o":{"x\"y":"z"}}"#, |s| {
            seen.push((s.raw.to_string(), s.context.map(str::to_string), s.separator));
        });
        assert_eq!(
            seen,
            vec![
                ("v".into(), Some("k".into()), "="),
                ("--password".into(), None, " "),
                ("pw".into(), Some("--password".into()), " "),
                ("z".into(), Some("x\"y".into()), "="),
            ]
        );
    }

    #[test]
    fn walk_survives_garbage() {
        for junk in ["\"", "{\"a\":\"\\", "[[[[", "}}]]", "{\"a\" \"b\"}", "\"\\u"] {
            walk_strings(junk, |_| {});
        }
    }

    #[test]
    fn nested_json_detection() {
        assert!(looks_like_json(r#" {"a": 1}"#));
        assert!(!looks_like_json("{not json"));
        assert!(!looks_like_json("plain"));
    }
}
