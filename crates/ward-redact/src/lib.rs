//! Secret detection and redaction (`[REDACTED:<rule>:<fingerprint>]`), with keyed fingerprints.
//!
//! ```
//! use ward_redact::{FingerprintKey, Redactor};
//! let redactor = Redactor::new(FingerprintKey::from_bytes(b"demo key"));
//! let out = redactor.redact_text("export DB_PASSWORD=hunter2!");
//! assert!(out.output.starts_with("export DB_PASSWORD=[REDACTED:secret-assignment:"));
//! assert_eq!(out.findings[0].rule, "secret-assignment");
//! ```
//!
//! - [`Redactor::redact_text`] scans arbitrary text.
//! - [`Redactor::redact_json_str`] scans a JSON text on its *decoded* string values (escaping
//!   hides secrets from naive patterns), including JSON nested inside strings, and maps every
//!   match back to the original bytes, so valid JSON in gives valid JSON out.
//! - [`Redactor::redact_json_value`] does the same in place on a parsed payload (the hook's
//!   hot path).
//! - [`Redactor::redact_bytes`] picks JSON or text for input of unknown shape (and survives
//!   invalid UTF-8).
//!
//! Findings carry the rule, the span and the fingerprint, never the value. The fingerprint of a
//! secret is the same wherever it was found (text, JSON, nested JSON), so events correlate.

mod engine;
mod filter;
mod grammar;
mod grammar_fuzz;
mod json;
pub mod key;
mod meter;
mod native;
mod prefilter;
mod rule;
mod rules;

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

pub use key::{FingerprintKey, KeyError, KeySource};
use meter::Meter;
use rule::RuleKind;

/// Nesting depth of JSON-inside-a-string that is still decoded and scanned.
const MAX_NESTED_JSON: u8 = 3;

/// A sane default for [`Redactor::redact_json_value_bounded`] and
/// [`Redactor::redact_text_bounded`]: 4 MiB of string content. Redaction is linear in its
/// input (≥ 50 MB/s on hostile input, see `benches/adversarial.rs`), so this bounds one call to
/// well under 100 ms.
pub const DEFAULT_SCAN_LIMIT: usize = 4 << 20;

/// How far back from a cut point a whitespace boundary is looked for, so a cut never splits a
/// token (a split token would no longer match its rule and half of it would be kept).
const CUT_LOOKBACK: usize = 1024;

/// What a bounded redaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedRedaction {
    pub findings: Vec<Finding>,
    /// Bytes of string content past the limit that were dropped unscanned (0: nothing dropped).
    pub dropped_bytes: usize,
}

/// The fingerprint of a `dense-input` finding: text redacted whole because it held more
/// candidate secrets than a scan may judge (see `meter`) is not one secret, so it has no
/// fingerprint of its own; all zeros keeps the marker's shape.
pub const DENSE_INPUT_FINGERPRINT: &str = "000000000000";

/// The marker that replaces content dropped by a bounded redaction.
pub fn dropped_marker(bytes: usize) -> String {
    format!("[WARD:NOT-SCANNED:{bytes} bytes dropped]")
}

/// Where to cut `s` to keep at most `budget` bytes: a char boundary, moved back to just after
/// the last whitespace within [`CUT_LOOKBACK`] bytes so that no token is split.
fn cut_point(s: &str, budget: usize) -> usize {
    if s.len() <= budget {
        return s.len();
    }
    let mut cut = budget;
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let low = cut.saturating_sub(CUT_LOOKBACK);
    match s.as_bytes().get(low..cut).and_then(|w| w.iter().rposition(u8::is_ascii_whitespace)) {
        Some(p) => low + p + 1,
        None => cut,
    }
}

/// One redacted secret. Never holds the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule that matched, e.g. `github-pat`.
    pub rule: &'static str,
    /// Byte span of the secret in the original input (for [`Redactor::redact_json_value`]: in
    /// the string at `pointer`, before redaction).
    pub start: usize,
    pub end: usize,
    /// Keyed fingerprint of the secret's (decoded) value; see [`key`].
    pub fingerprint: String,
    /// JSON pointer of the string value that held the secret ([`Redactor::redact_json_value`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl Finding {
    /// The audit record form.
    pub fn record(&self) -> ward_model::RedactionRecord {
        ward_model::RedactionRecord { rule: self.rule.to_string(), fingerprint: self.fingerprint.clone() }
    }
}

/// Redacted text and what was redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub output: String,
    pub findings: Vec<Finding>,
}

/// How [`Redactor::redact_bytes`] treats its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON if the input parses as JSON, else text.
    Auto,
    /// JSON; input that does not parse is an error.
    Json,
    /// Plain text (bytes; invalid UTF-8 is kept as is).
    Text,
}

/// Redacted bytes, what was redacted, and how the input was treated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BytesRedaction {
    pub output: Vec<u8>,
    pub findings: Vec<Finding>,
    /// [`Format::Json`] or [`Format::Text`]: what the input was treated as.
    pub format: Format,
}

/// Why input could not be redacted. Never quotes the input.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    #[error("input is not valid JSON (line {line}, column {column}): {category}")]
    InvalidJson { line: usize, column: usize, category: &'static str },
    #[error("input is not valid UTF-8, so it cannot be JSON (first bad byte at offset {offset})")]
    NotUtf8 { offset: usize },
}

impl RedactError {
    fn json(e: &serde_json::Error) -> RedactError {
        let category = match e.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "data error",
            serde_json::error::Category::Eof => "unexpected end of input",
        };
        RedactError::InvalidJson { line: e.line(), column: e.column(), category }
    }
}

/// A rule as documented for users: its id and what it detects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub id: &'static str,
    pub description: &'static str,
}

/// Every rule Ward ships.
pub fn rules() -> impl Iterator<Item = RuleInfo> {
    rules::RULES.iter().map(|r| RuleInfo { id: r.id, description: r.description })
}

/// A rule's keywords and positive samples (secret between `⟦` and `⟧`), for tools that build
/// inputs from the rule set: the adversarial benchmark makes hostile inputs for every rule
/// family from them. Not a stable API.
#[doc(hidden)]
pub fn rule_samples() -> impl Iterator<Item = (&'static str, &'static [&'static str], &'static [&'static str])>
{
    rules::RULES.iter().map(|r| (r.id, r.keywords, r.positives))
}

/// A secret located in some scanned text: rule index, byte span, fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hit {
    rule: usize,
    start: usize,
    end: usize,
    /// Empty until [`Redactor::scan_plain`] fingerprints the hits that survive [`resolve`]
    /// (the span of the bytes it is of is then `fingerprinted`); borrowed for `dense-input`.
    fingerprint: Cow<'static, str>,
    /// The span, in the text [`Redactor::scan_plain`] scanned, that the fingerprint is of: the
    /// winning rule's own match, which stays when overlapping matches merge into their union.
    fingerprinted: (usize, usize),
}

/// Redacts secrets under one fingerprint key. Cheap to create: the rule set is global, built
/// lazily and shared by every `Redactor` of the process.
#[derive(Debug, Clone)]
pub struct Redactor {
    key: FingerprintKey,
}

impl Redactor {
    pub fn new(key: FingerprintKey) -> Redactor {
        Redactor { key }
    }

    /// The fingerprint `value` gets when redacted (what `ward redact --fingerprint` prints).
    pub fn fingerprint(&self, value: &[u8]) -> String {
        self.key.fingerprint(value)
    }

    /// Redacts secrets in arbitrary text.
    pub fn redact_text(&self, text: &str) -> Redaction {
        let mut meter = Meter::default();
        let hits = self.scan_plain(text.as_bytes(), 0, &mut meter);
        let output = String::from_utf8(replace(text.as_bytes(), &hits))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Redaction { output, findings: self.findings(hits, None, &mut meter) }
    }

    /// Finds secrets in text without producing redacted output (scanner, audit).
    pub fn find_in_text(&self, text: &[u8]) -> Vec<Finding> {
        let mut meter = Meter::default();
        let hits = self.scan_plain(text, 0, &mut meter);
        self.findings(hits, None, &mut meter)
    }

    /// Redacts a JSON text, scanning decoded string values; the output is valid JSON.
    pub fn redact_json_str(&self, json: &str) -> Result<Redaction, RedactError> {
        serde_json::from_str::<serde::de::IgnoredAny>(json).map_err(|e| RedactError::json(&e))?;
        let mut meter = Meter::default();
        let hits = self.scan_json(json, 0, &mut meter);
        let output = String::from_utf8(replace(json.as_bytes(), &hits))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(Redaction { output, findings: self.findings(hits, None, &mut meter) })
    }

    /// Redacts input of the given (or detected) format. Never panics, whatever the bytes.
    pub fn redact_bytes(&self, input: &[u8], format: Format) -> Result<BytesRedaction, RedactError> {
        let as_json = match format {
            Format::Text => false,
            Format::Json => true,
            Format::Auto => {
                let start = input.iter().position(|b| !b.is_ascii_whitespace());
                // `from_slice` skips ignored strings without checking their UTF-8, so check it here.
                matches!(start.and_then(|s| input.get(s)), Some(b'{' | b'['))
                    && std::str::from_utf8(input).is_ok()
                    && serde_json::from_slice::<serde::de::IgnoredAny>(input).is_ok()
            }
        };
        if as_json {
            let text =
                std::str::from_utf8(input).map_err(|e| RedactError::NotUtf8 { offset: e.valid_up_to() })?;
            let redaction = self.redact_json_str(text)?;
            return Ok(BytesRedaction {
                output: redaction.output.into_bytes(),
                findings: redaction.findings,
                format: Format::Json,
            });
        }
        let mut meter = Meter::default();
        let hits = self.scan_plain(input, 0, &mut meter);
        Ok(BytesRedaction {
            output: replace(input, &hits),
            findings: self.findings(hits, None, &mut meter),
            format: Format::Text,
        })
    }

    /// [`Redactor::redact_json_value`] on at most `limit` bytes of string content (see
    /// [`DEFAULT_SCAN_LIMIT`]): strings are kept in document order until the budget is spent;
    /// the rest of the string that crosses the limit, and every later string, is replaced by
    /// [`dropped_marker`], because content that was not scanned must not be stored. For a hook
    /// that must answer within a deadline whatever the payload's size.
    pub fn redact_json_value_bounded(&self, value: &mut Value, limit: usize) -> BoundedRedaction {
        fn cut(value: &mut Value, budget: &mut usize, dropped: &mut usize) {
            match value {
                Value::String(s) => {
                    let keep = cut_point(s, *budget);
                    if keep < s.len() {
                        *dropped += s.len() - keep;
                        let marker = dropped_marker(s.len() - keep);
                        s.truncate(keep);
                        s.push_str(&marker);
                    }
                    *budget -= keep.min(*budget);
                }
                Value::Array(items) => items.iter_mut().for_each(|v| cut(v, budget, dropped)),
                Value::Object(members) => members.values_mut().for_each(|v| cut(v, budget, dropped)),
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
        let (mut budget, mut dropped) = (limit, 0);
        cut(value, &mut budget, &mut dropped);
        BoundedRedaction { findings: self.redact_json_value(value), dropped_bytes: dropped }
    }

    /// [`Redactor::redact_text`] on at most the first `limit` bytes (cut at whitespace so no
    /// token is split); the rest is replaced by [`dropped_marker`].
    pub fn redact_text_bounded(&self, text: &str, limit: usize) -> (Redaction, usize) {
        let keep = cut_point(text, limit);
        let mut redaction = self.redact_text(text.get(..keep).unwrap_or_default());
        let dropped = text.len() - keep;
        if dropped > 0 {
            redaction.output.push_str(&dropped_marker(dropped));
        }
        (redaction, dropped)
    }

    /// Redacts every string value of a parsed JSON payload in place and returns the findings,
    /// each with the JSON pointer of its string and the span within it. Object keys are not
    /// scanned (they are names, and rewriting them would change the payload's shape), but each
    /// value is scanned together with its key, so `{"DB_PASSWORD": "…"}` is caught.
    pub fn redact_json_value(&self, value: &mut Value) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut pointer = String::new();
        self.walk_value(value, None, &mut pointer, &mut findings, &mut Meter::default());
        findings
    }

    fn walk_value(
        &self,
        value: &mut Value,
        context: Option<(&str, &'static str)>,
        pointer: &mut String,
        out: &mut Vec<Finding>,
        meter: &mut Meter,
    ) {
        match value {
            Value::String(s) => {
                let hits = self.scan_string(s, context, 0, meter);
                if !hits.is_empty() {
                    let redacted = replace(s.as_bytes(), &hits);
                    out.extend(self.findings(hits, Some(pointer.as_str()), meter));
                    *s = String::from_utf8(redacted)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                }
            }
            Value::Array(items) => {
                let mut previous = json::ArgvContext::default();
                for (index, item) in items.iter_mut().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    let text = item.as_str().map(str::to_string);
                    let joint = text.as_deref().is_some_and(|t| previous.joins_keyword(t));
                    let context = previous.get(joint).map(|c| (c, " "));
                    self.walk_value(item, context, pointer, out, meter);
                    pointer.truncate(len);
                    if let Some(text) = text {
                        previous.push(&text, joint);
                    }
                }
            }
            Value::Object(members) => {
                for (key, item) in members.iter_mut() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    let context = (key.len() <= 256).then_some((key.as_str(), "="));
                    self.walk_value(item, context, pointer, out, meter);
                    pointer.truncate(len);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Secrets in plain text: detected, filtered, snapped to UTF-8 boundaries, overlaps
    /// resolved, fingerprinted (only the hits that survive: a secret several rules match is
    /// hashed once).
    /// The first `context` bytes of `text` are context scanned again with this value (they earn
    /// the meter nothing). Once the document's allowance ran out, the text is not scanned but
    /// redacted whole.
    fn scan_plain(&self, text: &[u8], context: usize, meter: &mut Meter) -> Vec<Hit> {
        if meter.tripped() {
            return dense_hit(0, text.len()).into_iter().collect();
        }
        let mut raw = Vec::new();
        meter.begin(context);
        engine::detect(text, &mut raw, meter);
        meter.scanned(text.len());
        let hits = raw
            .into_iter()
            .map(|m| {
                let (start, end) = engine::snap_to_chars(text, m.start, m.end);
                let fingerprint =
                    Cow::Borrowed(if m.rule == engine::DENSE_INPUT { DENSE_INPUT_FINGERPRINT } else { "" });
                Hit { rule: m.rule, start, end, fingerprint, fingerprinted: (start, end) }
            })
            .collect();
        let mut hits = resolve(hits);
        for hit in &mut hits {
            let (start, end) = hit.fingerprinted;
            // Text redacted whole is not one secret: there is nothing to fingerprint.
            if hit.rule != engine::DENSE_INPUT {
                hit.fingerprint = self.key.fingerprint(text.get(start..end).unwrap_or_default()).into();
            }
        }
        hits
    }

    /// Secrets in one decoded string value, scanned after its context (key or preceding argv
    /// elements) and, when the string is itself JSON, on its own decoded strings too. Spans are
    /// in `value`.
    fn scan_string(
        &self,
        value: &str,
        context: Option<(&str, &'static str)>,
        depth: u8,
        meter: &mut Meter,
    ) -> Vec<Hit> {
        if meter.tripped() {
            return dense_hit(0, value.len()).into_iter().collect();
        }
        let with_context = |value: &str, context: &str, separator: &str, meter: &mut Meter| -> Vec<Hit> {
            let mut buffer = String::with_capacity(context.len() + separator.len() + value.len());
            buffer.push_str(context);
            buffer.push_str(separator);
            let offset = buffer.len();
            buffer.push_str(value);
            self.scan_plain(buffer.as_bytes(), offset, meter)
                .into_iter()
                .filter(|h| h.end > offset)
                .map(|h| Hit { start: h.start.max(offset) - offset, end: h.end - offset, ..h })
                .collect()
        };
        let mut hits = match context {
            // A multi-line value is a document of its own (a file's content, a note): its first
            // line starts a line (`secret: …` as YAML), so the whole value is scanned alone, and
            // only its first line after the context (`password=` + a value that ends in `\n`).
            Some((context, separator)) if value.contains('\n') => {
                let first_line = value.split('\n').next().unwrap_or_default();
                let mut hits = self.scan_plain(value.as_bytes(), 0, meter);
                hits.extend(with_context(first_line, context, separator, meter));
                resolve(hits)
            }
            Some((context, separator)) => with_context(value, context, separator, meter),
            None => self.scan_plain(value.as_bytes(), 0, meter),
        };
        if depth < MAX_NESTED_JSON && json::looks_like_json(value) {
            hits.extend(self.scan_json(value, depth + 1, meter));
            hits = resolve(hits);
        }
        hits
    }

    /// Secrets in a (valid) JSON text's string values, as spans of the JSON text.
    fn scan_json(&self, json: &str, depth: u8, meter: &mut Meter) -> Vec<Hit> {
        let mut hits = Vec::new();
        json::walk_strings(json, |string| {
            if meter.tripped() {
                hits.extend(dense_hit(string.raw_start, string.raw_start + string.raw.len()));
                return;
            }
            let decoded = json::decode(string.raw);
            let context = string.context.map(|c| (c, string.separator));
            for hit in self.scan_string(&decoded.text, context, depth, meter) {
                let (start, end) = decoded.raw_span(hit.start, hit.end);
                hits.push(Hit { start: string.raw_start + start, end: string.raw_start + end, ..hit });
            }
        });
        resolve(hits)
    }

    /// The findings of `hits`: one per secret, and the document's first `dense-input` hit
    /// (every string after the cut is redacted too; one finding says where the cut was).
    fn findings(&self, hits: Vec<Hit>, pointer: Option<&str>, meter: &mut Meter) -> Vec<Finding> {
        hits.into_iter()
            .filter(|h| h.rule != engine::DENSE_INPUT || meter.report_dense())
            .map(|h| Finding {
                rule: engine::rule_id(h.rule),
                start: h.start,
                end: h.end,
                fingerprint: h.fingerprint.into_owned(),
                pointer: pointer.map(str::to_string),
            })
            .collect()
    }
}

/// A `dense-input` hit over `start..end` (none if empty): text redacted whole, unjudged.
fn dense_hit(start: usize, end: usize) -> Option<Hit> {
    (end > start).then_some(Hit {
        rule: engine::DENSE_INPUT,
        start,
        end,
        fingerprint: Cow::Borrowed(DENSE_INPUT_FINGERPRINT),
        fingerprinted: (start, end),
    })
}

/// Sorted, non-overlapping hits: overlapping hits merge into their union, credited to the more
/// trusted rule (provider over structural over generic, then the longer match).
fn resolve(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)).then(a.rule.cmp(&b.rule)));
    let mut resolved: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        match resolved.last_mut() {
            Some(last) if hit.start < last.end => {
                if rank(&hit) > rank(last) {
                    last.rule = hit.rule;
                    last.fingerprint = hit.fingerprint;
                    last.fingerprinted = hit.fingerprinted;
                }
                last.end = last.end.max(hit.end);
            }
            _ => resolved.push(hit),
        }
    }
    resolved
}

/// Trust of a hit: its rule's kind, then its length, then a named rule over the catch-all
/// generic grammar (which is listed last). Text redacted whole because it was too dense to
/// judge outranks all: its marker must say so, not name a secret found inside it.
fn rank(hit: &Hit) -> (RuleKind, usize, std::cmp::Reverse<usize>) {
    if hit.rule == engine::DENSE_INPUT {
        return (RuleKind::Unjudged, hit.end - hit.start, std::cmp::Reverse(hit.rule));
    }
    (
        rules::RULES.get(hit.rule).map_or(RuleKind::Generic, |r| r.kind),
        hit.end - hit.start,
        std::cmp::Reverse(hit.rule),
    )
}

/// `input` with each hit's span replaced by `[REDACTED:<rule>:<fingerprint>]`. Hits must be
/// sorted and non-overlapping (as [`resolve`] returns them).
fn replace(input: &[u8], hits: &[Hit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + hits.len() * 32);
    let mut at = 0;
    for hit in hits {
        if hit.start < at || hit.end > input.len() || hit.start > hit.end {
            continue;
        }
        out.extend_from_slice(input.get(at..hit.start).unwrap_or_default());
        out.extend_from_slice(b"[REDACTED:");
        out.extend_from_slice(engine::rule_id(hit.rule).as_bytes());
        out.push(b':');
        out.extend_from_slice(hit.fingerprint.as_bytes());
        out.push(b']');
        at = hit.end;
    }
    out.extend_from_slice(input.get(at..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests;

/// The `redact_generic` fuzz target's body: the hand matchers of the generic assignment rules
/// must find exactly what those rules' regexes find, at every start in `input`. Panics on a
/// disagreement.
pub fn fuzz_generic_matchers(input: &[u8]) {
    let _matched = native::check_against_regexes(input);
}

/// The `redact_grammar` fuzz target's body: the generic assignment grammar on every keyword
/// occurrence and redaction of the whole, checking their invariants (spans inside the input,
/// bounded values, output no longer than input plus one marker per finding, redacting twice
/// is stable). Panics when an invariant is broken.
pub fn fuzz_grammar(input: &[u8]) {
    grammar_fuzz::check(input);
}

/// The fuzz target's body: redacts arbitrary bytes in every format under a fixed key, and
/// checks the invariants (JSON in gives JSON out; findings lie inside the input). Panics only
/// when an invariant is broken.
pub fn fuzz_redact(input: &[u8]) {
    let redactor = Redactor::new(FingerprintKey::from_bytes(b"fuzz"));
    for format in [Format::Auto, Format::Text, Format::Json] {
        if let Ok(out) = redactor.redact_bytes(input, format) {
            for f in &out.findings {
                assert!(f.start <= f.end && f.end <= input.len(), "finding outside the input");
            }
            if out.format == Format::Json {
                assert!(
                    serde_json::from_slice::<serde::de::IgnoredAny>(&out.output).is_ok(),
                    "JSON in, not JSON out"
                );
            }
        }
    }
    if let Ok(mut value) = serde_json::from_slice::<Value>(input) {
        let _ = redactor.redact_json_value(&mut value);
    }
}
