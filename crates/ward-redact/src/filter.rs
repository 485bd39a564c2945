//! Filters that keep what only looks like a secret: placeholders and documentation examples,
//! variable references, code, and benign random-looking values (digests, UUIDs, public keys).

use crate::grammar;
use crate::rule::{RuleKind, RuleSpec};

/// Documented public example credentials (provider docs and tutorials print them; they grant
/// nothing): the jwt.io sample signature, Stripe's documentation test key and publishable key,
/// Mapbox's documentation token, AWS's documented example key pair.
const PUBLIC_EXAMPLES: &[&str] = &[
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "pk.eyJ1IjoibWFwYm94IiwiYSI6ImNpejY4M29iazA2Z2gycXA4N2pmbDZmangifQ",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
];

/// Whether the candidate `secret` (found by `rule`; `after` is the haystack following it) should
/// be redacted.
pub(crate) fn accept(rule: &RuleSpec, secret: &[u8], before: &[u8], after: &[u8]) -> bool {
    // Placeholder and marker checks look at the first 256 bytes: enough for any stand-in, and
    // it bounds the work per candidate on hostile input.
    let secret = if rule.kind == RuleKind::Generic { &secret[..secret.len().min(256)] } else { secret };
    if secret.is_empty() {
        return false;
    }
    // Hash formats start with `$` or `{` (`$6$…`, `{SSHA}…`) and are not references.
    let hash = rule.id.starts_with("password-hash");
    // A key block is key material by its shape (32 base64 characters in a row at least, or a
    // private key's DER opening): words in it (`Comment: <example>` in an armor header, `....`)
    // do not make it a stand-in, and must not let a real key through.
    let key_block = rule.id.starts_with("private-key");
    if !hash && !key_block && (is_reference(secret) || is_placeholder(secret)) {
        return false;
    }
    // A key block is judged by its key material, the longest base64 run (a documentation
    // stand-in's `xxxx…` body), not by the words around it.
    if key_block && is_placeholder(longest_base64_run(secret)) {
        return false;
    }
    if rule.id == "private-key-base64" && !decodes_to_private_key(secret) {
        return false;
    }
    if rule.allow.iter().any(|allowed| contains(secret, allowed.as_bytes())) {
        return false;
    }
    if rule.min_entropy > 0.0 && shannon_entropy(secret) < rule.min_entropy {
        return false;
    }
    if !key_block && PUBLIC_EXAMPLES.iter().any(|example| contains(secret, example.as_bytes())) {
        return false;
    }
    if rule.kind == RuleKind::Generic
        && (grammar::is_not_a_credential(secret) || grammar::is_placeholder_like(secret))
    {
        return false;
    }
    // A generic value the author marked as an example on the same line
    // (`password: hunter2 # example`). Provider-format findings are kept whatever the comment.
    if rule.kind == RuleKind::Generic && comment_marks_an_example(after) {
        return false;
    }
    // Header-style names also appear as object keys in code (`apiKey: config.apiKey,`); a
    // property path is a reference to the key, not the key.
    if KEY_NAME_RULES.contains(&rule.id) && is_property_path(secret) {
        return false;
    }
    // The older assignment rules answer to the generic detector's name and value model too, so
    // all generic findings share one judgement of what is a secret.
    if matches!(rule.id, "secret-assignment" | "secret-literal" | "secret-yaml-value") {
        let Some(strength) = grammar::name_strength(grammar::name_before(before)) else { return false };
        let quoted = matches!(before.last(), Some(b'"' | b'\'' | b'`'));
        if !grammar::value_is_secret(secret, after, quoted, strength) {
            return false;
        }
    }
    if rule.id == "cli-secret-flag" && cli_flag_holds_no_secret(before) {
        return false;
    }
    if rule.kind == RuleKind::Generic
        && (looks_benign(secret)
            || looks_like_code(secret, after)
            || names_a_non_secret_token(before)
            || (spaced_assignment(before) && is_plain_identifier(secret)))
    {
        return false;
    }
    true
}

/// Whether base64 `text` (wrapped over lines, indented, or with escaped `\n` between its lines)
/// decodes to a PEM private key: `-----BEGIN … PRIVATE KEY` in the decoded bytes. A base64 PEM
/// certificate or public key decodes to another label and is kept. Linear in `text`.
fn decodes_to_private_key(text: &[u8]) -> bool {
    let mut decoded: Vec<u8> = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        i += 1;
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            // An escaped line break between wrapped lines (`\n`, `\r\n`, `\u000a`): its letters
            // are not data.
            b'\\' => {
                i += if text.get(i) == Some(&b'u') { 5 } else { 1 };
                continue;
            }
            // Percent-encoding: `%2B` and `%2F` are data, `%0A` and `%3D` are not.
            b'%' => {
                let code = text.get(i..i + 2).map(<[u8]>::to_ascii_uppercase);
                i += 2;
                match code.as_deref() {
                    Some(b"2B") => 62,
                    Some(b"2F") => 63,
                    _ => continue,
                }
            }
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            decoded.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    let mut rest = decoded.as_slice();
    while let Some(at) = find(rest, b"-----BEGIN ") {
        let after = rest.get(at + 11..).unwrap_or_default();
        let line = after.get(..after.len().min(48)).unwrap_or_default();
        let label_end = find(line, b"-----").unwrap_or(line.len());
        if find(line.get(..label_end).unwrap_or_default(), b"PRIVATE KEY").is_some() {
            return true;
        }
        rest = after;
    }
    false
}

/// The longest run of base64 characters (`[A-Za-z0-9+/]`) in `text`.
fn longest_base64_run(text: &[u8]) -> &[u8] {
    let is_b64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/');
    text.split(|b| !is_b64(b)).max_by_key(|run| run.len()).unwrap_or_default()
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Words of a command-line option's name that make an option ending in `-token`, `-password`
/// … something other than a secret: pagination and request tokens (`--page-token`,
/// `--starting-token`, `--next-token`), CSRF tokens, and switches that take no value, so the next
/// word is another argument (`--ask-pass`, `--show-token`, `--no-password`, `--prompt-password`).
const NON_SECRET_FLAG_WORDS: &[&str] = &[
    "page",
    "next",
    "starting",
    "start",
    "continuation",
    "sync",
    "resume",
    "cursor",
    "csrf",
    "xsrf",
    "max",
    "min",
    "num",
    "idempotency",
    "request",
    "cancel",
    "cancellation",
    "ask",
    "no",
    "prompt",
    "show",
    "print",
    "use",
    "with",
    "without",
    "skip",
    "require",
    "allow",
    "enable",
    "disable",
    "stdin",
    "reveal",
    "hide",
];

/// Whether the option just before a `cli-secret-flag` value (`before` ends with `--name=`,
/// `--name `, or either followed by a quote) names something that is not a secret.
fn cli_flag_holds_no_secret(before: &[u8]) -> bool {
    let mut end = before.len();
    while end > 0 && matches!(before.get(end - 1), Some(b'"' | b'\'' | b'=' | b' ' | b'\t')) {
        end -= 1;
    }
    let name_start = before
        .get(..end)
        .and_then(|b| b.iter().rposition(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))))
        .map_or(0, |p| p + 1);
    let name = before.get(name_start..end).unwrap_or_default();
    name.split(|c| matches!(c, b'-' | b'_'))
        .any(|word| NON_SECRET_FLAG_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w.as_bytes())))
}

/// `$VAR`, `${VAR}`, `$(cmd)`, `${{ secrets.X }}`, `%VAR%`, `{{ .Values.x }}`, `#{x}`, `<token>`.
pub(crate) fn is_reference(secret: &[u8]) -> bool {
    match secret {
        [b'$', ..] | [b'<', ..] | [b'{', ..] | [b'#', b'{', ..] => true,
        [b'%', rest @ ..] => {
            rest.last() == Some(&b'%')
                && rest.len() >= 2
                && rest[..rest.len() - 1].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        }
        _ => false,
    }
}

const PLACEHOLDER_MARKERS: &[&str] = &[
    "example",
    "placeholder",
    "dummy",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "redacted",
    "your_",
    "your-",
    "yourtoken",
    "yourkey",
    "yourpass",
    "yoursecret",
    "xxxx",
    "****",
    "....",
    "…",
    "{{",
    "}}",
    "replace_me",
    "replace-me",
    "replaceme",
    "insert_",
    "insert-your",
    "fake",
    "notreal",
    "not_real",
    "not-a-real",
    "foobar",
    "lorem",
    "0123456",
    "abcdefgh",
    "<",
    ">",
    "sample",
];

/// Whole values that stand for "a password goes here" (`postgres://user:password@host`).
const EXACT_PLACEHOLDERS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "pw",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "key",
    "user",
    "username",
    "foo",
    "bar",
    "baz",
    "test",
    "null",
    "none",
    "mypassword",
    "mysecret",
    "mytoken",
];

/// A printf placeholder: lowercase `%s` not followed by a letter or digit (`QTy%sunshine4` is a
/// password that happens to hold `%s`).
pub(crate) fn has_printf_placeholder(value: &[u8]) -> bool {
    value
        .windows(2)
        .enumerate()
        .any(|(i, w)| w == b"%s" && !value.get(i + 2).is_some_and(u8::is_ascii_alphanumeric))
}

/// Documentation examples and templates: `AKIA…EXAMPLE`, `xxxx`, `<token>`, `your_api_key`,
/// a single character repeated, sequential runs.
pub(crate) fn is_placeholder(secret: &[u8]) -> bool {
    static MARKERS: Markers = Markers::new(PLACEHOLDER_MARKERS);
    if EXACT_PLACEHOLDERS.iter().any(|p| p.as_bytes().eq_ignore_ascii_case(secret)) {
        return true;
    }
    // A printf placeholder is lowercase: `%S` inside a random password is not one.
    if MARKERS.found_in(secret) || has_printf_placeholder(secret) {
        return true;
    }
    secret.len() >= 8 && dominant_byte_count(secret) * 10 > secret.len() * 4
}

/// How often the most frequent byte of `bytes` occurs. Short values (most candidates) are
/// counted pairwise: zeroing a 256-entry table per candidate was a sixth of the cost of
/// secret-dense input.
fn dominant_byte_count(bytes: &[u8]) -> usize {
    if bytes.len() <= 48 {
        return bytes.iter().map(|b| bytes.iter().filter(|c| *c == b).count()).max().unwrap_or(0);
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    counts.iter().copied().max().map_or(0, |c| c as usize)
}

const CODE_WORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "none",
    "nil",
    "undefined",
    "string",
    "str",
    "bool",
    "boolean",
    "int",
    "number",
    "object",
    "any",
    "function",
    "required",
    "optional",
    "self",
    "this",
    "default",
    "empty",
    "value",
    "test",
    "testing",
    "admin",
    "root",
    "secret",
    "password",
    "passwd",
    "token",
    "hidden",
    "prompt",
    "stdin",
    "env",
    "file",
    "masked",
    "unset",
    "enabled",
    "disabled",
    "on",
    "off",
    "yes",
    "no",
];

const SECRET_WORDS: &[&str] = &["password", "passwd", "secret", "token", "api_key", "apikey", "credential"];

/// Values a secret-named assignment commonly holds in code or docs that are not secrets:
/// identifiers, dotted paths, calls and subscripts, file paths, URLs, small numbers.
fn looks_like_code(secret: &[u8], after: &[u8]) -> bool {
    if matches!(after.first(), Some(b'(' | b'[' | b'.')) {
        return true;
    }
    let trimmed = secret.strip_suffix(b",").or_else(|| secret.strip_suffix(b";")).unwrap_or(secret);
    if trimmed.len() != secret.len() && trimmed.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        // `password: String,` / `token: Token;`: a field declaration.
        return true;
    }
    static SECRET_MARKERS: Markers = Markers::new(SECRET_WORDS);
    if CODE_WORDS.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(secret)) {
        return true;
    }
    if SECRET_MARKERS.found_in(secret) {
        return true;
    }
    if secret.iter().all(u8::is_ascii_digit) && secret.len() < 6 {
        return true;
    }
    if (matches!(secret, [b'/', ..] | [b'.', b'/', ..] | [b'~', b'/', ..]) && !is_base64_key(secret))
        || starts_with_ci(secret, b"http://")
        || starts_with_ci(secret, b"https://")
        || starts_with_ci(secret, b"file:")
        || starts_with_ci(secret, b"env:")
    {
        return true;
    }
    // snake_case identifier without digits (`user_password`, `access_tok`).
    if secret.contains(&b'_') && secret.iter().all(|b| b.is_ascii_lowercase() || *b == b'_') {
        return true;
    }
    is_property_path(trimmed)
}

/// A base64 key that happens to start with `/` (a WireGuard key `/5T+…=`), not a file path:
/// only base64 bytes, `=` only as padding, upper and lower case and digits, and either padding,
/// a `+`, or at most two `/` (paths have words between many slashes).
pub(crate) fn is_base64_key(value: &[u8]) -> bool {
    let body = value.strip_suffix(b"==").or_else(|| value.strip_suffix(b"=")).unwrap_or(value);
    body.len() >= 32
        && body.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
        && body.iter().any(u8::is_ascii_uppercase)
        && body.iter().any(u8::is_ascii_lowercase)
        && body.iter().any(u8::is_ascii_digit)
        && (body.len() != value.len()
            || body.contains(&b'+')
            || body.iter().filter(|b| **b == b'/').count() <= 2)
}

/// Rules keyed by a header-like name that code also uses as an object key (`apiKey: …`).
const KEY_NAME_RULES: &[&str] = &["api-key-header", "authorization-header-raw"];

/// A member path ([`grammar::is_member_path`]) starting in lowercase (`config.apiKey`,
/// `process.env.TOKEN`).
fn is_property_path(secret: &[u8]) -> bool {
    grammar::is_member_path(secret) && secret.first().is_some_and(u8::is_ascii_lowercase)
}

/// Whether the rest of the line after a value is a comment calling it an example
/// (`# example`, `// placeholder`, `-- dummy value`). Only the first 120 bytes of the line count.
pub(crate) fn comment_marks_an_example(after: &[u8]) -> bool {
    const WORDS: &[&str] = &["example", "placeholder", "dummy", "sample", "not a real", "fake"];
    static EXAMPLE_WORDS: Markers = Markers::new(WORDS);
    let line = &after[..after.len().min(120)];
    let line = line.split(|b| *b == b'\n').next().unwrap_or(line);
    // The comment must follow the value after whitespace (a `#` inside a value is part of it).
    let rest = line.trim_ascii_start();
    if rest.len() == line.len() {
        return false;
    }
    let comment = match rest {
        [b'#', body @ ..] | [b'/', b'/', body @ ..] | [b'-', b'-', body @ ..] => body,
        _ => return false,
    };
    EXAMPLE_WORDS.found_in(comment)
}

/// `name = value` with a space before `=` is how code assigns; an unquoted value there that is a
/// plain identifier (`await`, `getToken`, `None`) is code, not a password.
fn spaced_assignment(before: &[u8]) -> bool {
    let mut end = before.len();
    while end > 0 && matches!(before.get(end - 1), Some(b'"' | b'\'' | b' ' | b'\t')) {
        end -= 1;
    }
    if before.get(end.wrapping_sub(1)) != Some(&b'=') {
        return false;
    }
    end -= 1;
    if before.get(end.wrapping_sub(1)) == Some(&b':') {
        end -= 1;
    }
    matches!(before.get(end.wrapping_sub(1)), Some(b' ' | b'\t'))
}

fn is_plain_identifier(secret: &[u8]) -> bool {
    matches!(secret.first(), Some(b) if b.is_ascii_alphabetic() || *b == b'_')
        && secret.iter().all(|b| b.is_ascii_alphabetic() || *b == b'_')
}

/// Tokens that are named like secrets but are not credentials: pagination and sync cursors.
fn names_a_non_secret_token(before: &[u8]) -> bool {
    const NAMES: &[&str] = &[
        "page_token",
        "pagetoken",
        "page-token",
        "next_token",
        "nexttoken",
        "sync_token",
        "synctoken",
        "continuation_token",
        "continuationtoken",
        "cursor_token",
    ];
    let tail = &before[before.len().saturating_sub(40)..];
    let mut lower = [0u8; 40];
    let lower = &mut lower[..tail.len()];
    lower.copy_from_slice(tail);
    lower.make_ascii_lowercase();
    // Every name holds `token`: one search rejects almost every context (ten were a tenth of
    // the cost of secret-dense input).
    contains(lower, b"token") && NAMES.iter().any(|n| contains(lower, n.as_bytes()))
}

/// Random-looking but public or non-secret: digests, UUIDs, public keys, certificates.
fn looks_benign(secret: &[u8]) -> bool {
    const PREFIXES: &[&str] = &[
        "sha1-",
        "sha256-",
        "sha384-",
        "sha512-",
        "sha1:",
        "sha256:",
        "sha384:",
        "sha512:",
        "md5:",
        "ssh-rsa",
        "ssh-ed25519",
        "ssh-dss",
        "ecdsa-sha2-",
        "sk-ssh-",
        "-----begin certificate",
        "-----begin public key",
        "-----begin ssh2 public key",
        "-----begin rsa public key",
        "-----begin pgp public",
    ];
    PREFIXES.iter().any(|p| starts_with_ci(secret, p.as_bytes())) || is_uuid(secret)
}

/// 8-4-4-4-12 hex.
pub(crate) fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Shannon entropy in bits per byte.
pub(crate) fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[usize::from(b)] += 1;
    }
    let len = s.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / len;
            -p * p.log2()
        })
        .sum()
}

/// ASCII case-insensitive `starts_with`; `prefix` is lowercase.
pub(crate) fn starts_with_ci(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack.len() >= prefix.len() && haystack[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Lowercase markers looked for together, ASCII case-insensitively, in one pass over the
/// haystack: each position is checked only against the markers that start with its byte.
/// Looking for each marker in turn (a pass per marker, on a lowercased copy) made the value
/// filters the hottest code on hostile input, where every few hundred bytes is a candidate.
pub(crate) struct Markers {
    list: &'static [&'static str],
    index: std::sync::OnceLock<MarkerIndex>,
}

/// The markers by first byte, and which (first, second) byte pairs start one: the pair test
/// rejects almost every position with one bit lookup (testing the first byte alone let every
/// `s`, `e`, `r` … through, which made this a third of the cost of keyword-dense input).
struct MarkerIndex {
    by_first_byte: Vec<Vec<&'static [u8]>>,
    /// Bit `first << 8 | second` (lowercased; `second` is 0 at the end of the haystack). A
    /// one-byte marker sets every pair it starts.
    pairs: Vec<u64>,
}

impl Markers {
    pub(crate) const fn new(list: &'static [&'static str]) -> Markers {
        Markers { list, index: std::sync::OnceLock::new() }
    }

    /// Whether any marker occurs in `haystack` (ASCII case-insensitively).
    pub(crate) fn found_in(&self, haystack: &[u8]) -> bool {
        let index = self.index.get_or_init(|| {
            let mut by_first_byte = vec![Vec::new(); 256];
            let mut pairs = vec![0u64; 65536 / 64];
            let mut set = |pair: usize| {
                if let Some(word) = pairs.get_mut(pair / 64) {
                    *word |= 1 << (pair % 64);
                }
            };
            for marker in self.list {
                let bytes = marker.as_bytes();
                let Some(&first) = bytes.first() else { continue };
                let first = usize::from(first.to_ascii_lowercase());
                by_first_byte[first].push(bytes);
                match bytes.get(1) {
                    Some(&second) => set(first << 8 | usize::from(second.to_ascii_lowercase())),
                    None => (0..256).for_each(|second| set(first << 8 | second)),
                }
            }
            MarkerIndex { by_first_byte, pairs }
        });
        let starts_a_marker = |i: usize, first: u8| {
            let second = haystack.get(i + 1).map_or(0, u8::to_ascii_lowercase);
            let pair = usize::from(first) << 8 | usize::from(second);
            index.pairs.get(pair / 64).is_some_and(|word| word & (1 << (pair % 64)) != 0)
        };
        let index_by_first = &index.by_first_byte;
        haystack.iter().enumerate().any(|(i, b)| {
            let first = b.to_ascii_lowercase();
            if !starts_a_marker(i, first) {
                return false;
            }
            index_by_first[usize::from(first)].iter().any(|m| {
                haystack
                    .get(i..i + m.len())
                    .is_some_and(|t| t.eq_ignore_ascii_case(m) && written_as_a_word(t))
            })
        })
    }
}

/// Whether `text`'s letters are cased as a word is written (`tbd`, `TBD`, `Tbd`), not at
/// random (`TbD`): a marker matched across a random token's mixed case (`qAvJTbD9…` holds
/// `tbd`) is chance, and treating it as a placeholder let about one random secret in a hundred
/// through.
fn written_as_a_word(text: &[u8]) -> bool {
    let mut letters = text.iter().filter(|b| b.is_ascii_alphabetic());
    if letters.next().is_none() {
        return true;
    }
    let (mut lower, mut upper) = (0, 0);
    for b in letters {
        if b.is_ascii_uppercase() {
            upper += 1;
        } else {
            lower += 1;
        }
    }
    // `tbd`, `Tbd` (no uppercase after the first letter) or `TBD` (no lowercase after it).
    lower == 0 || upper == 0
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    // First byte first: a slice comparison per position (a `memcmp` call) made this the
    // hottest code on hostile input.
    let Some((&first, rest)) = needle.split_first() else { return false };
    haystack.len() >= needle.len()
        && (0..=haystack.len() - needle.len())
            .any(|i| haystack[i] == first && haystack[i + 1..i + needle.len()] == *rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_recognised() {
        for r in
            ["$TOKEN", "${TOKEN}", "$(cat f)", "${{ secrets.X }}", "%API_KEY%", "{{ .Values.pw }}", "<token>"]
        {
            assert!(is_reference(r.as_bytes()), "{r}");
        }
        for r in ["hunter2", "50%off", "a$b"] {
            assert!(!is_reference(r.as_bytes()), "{r}");
        }
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "xxxxxxxxxxxx",
            "your_api_key_here",
            "aaaaaaaaaaaaaaaa",
            "sk_live_00000000000000000000",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for p in ["hunter2!", "ghp_R4nd0mL00k1ngT0k3nW1thD1g1ts9xQz", "Tr0ub4dor&3"] {
            assert!(!is_placeholder(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert!(shannon_entropy(b"aaaa") < 0.01);
        assert!(shannon_entropy(b"q8Zr2LmX0pWv") > 3.0);
        assert_eq!(shannon_entropy(b""), 0.0);
    }

    #[test]
    fn uuid_shape() {
        assert!(is_uuid(b"0b6a3c4e-1f2d-4a5b-8c7d-9e0f1a2b3c4d"));
        assert!(!is_uuid(b"0b6a3c4e-1f2d-4a5b-8c7d-9e0f1a2b3c4"));
    }
}
