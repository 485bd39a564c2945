//! The generic detector: a secret assigned to a name that says it is one, parsed by hand across
//! the assignment grammars agents write (shell, dotenv, YAML, TOML/INI, JSON, properties,
//! Makefile `?=`/`::=`/`:::=`, PHP `.=`/`=>`, Ruby `=>`, typed declarations in Java, C#, Go,
//! Rust and TypeScript, call arguments such as `setProperty("password", …)`, constructor
//! arguments such as `NetworkCredential(user, pass)`, XML elements and attributes).
//!
//! A candidate is judged in three steps:
//! 1. the *name* (split into words at `_ - .`, case changes and digits) must name a secret
//!    (`password`, `secret`, `token`, `api key`, `license key`, `psk`, …) and must not name
//!    something about one (`token_type`, `password_file`, `max_tokens`, `csrf_token`, …);
//! 2. the *value* must not be a reference (`$VAR`, `${{ secrets.X }}`, `{{ … }}`), a
//!    secret-manager path, ciphertext (`ENC[…]`), code (calls, member paths, identifiers), a UI
//!    label or a placeholder (`changeme`, `xxx`, `<token>`, `1234…`, runs, values cut off with
//!    `…`); weakly named values (`OPENAI_KEY`, `auth`) must also look random;
//! 3. *provider-aware suppression*: a value that starts with a provider's documented prefix
//!    (`ghp_`, `sk_live_`, `xoxb-` …) is left to that provider's rule, which knows its real
//!    length and alphabet; the generic rule stays silent when that rule does not match.
//!
//! Why by hand rather than a regex: the grammar alternates over a dozen operator and quoting
//! forms and the judgement needs the parsed name and value; a regex for it costs hundreds of
//! microseconds to compile on a hook call, and this parser costs nothing to set up. It only
//! looks at a bounded neighbourhood of each keyword hit (`MAX_NAME`, `MAX_VALUE`), so it is
//! linear in the input whatever the input is.

use crate::filter;

/// Longest name (identifier) considered.
pub(crate) const MAX_NAME: usize = 96;
/// Longest value considered.
pub(crate) const MAX_VALUE: usize = 256;

/// How strongly a name says "secret".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Strength {
    /// `OPENAI_KEY`, `auth`: the value must also look random.
    Weak,
    /// `password`, `api_token`, `client_secret`, `license_key` …
    Strong,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The name (identifier) around a keyword hit: `[start, end)`, at most [`MAX_NAME`] bytes.
#[cfg(test)]
pub(crate) fn name_around(text: &[u8], hit_start: usize, hit_end: usize) -> Option<(usize, usize)> {
    let run_start = (0..hit_start).rev().find(|&i| !is_name_byte(text[i])).map_or(0, |i| i + 1);
    let run_end = (hit_end..text.len()).find(|&i| !is_name_byte(text[i])).unwrap_or(text.len());
    name_around_in(text, hit_start, hit_end, (run_start, run_end))
}

/// [`name_around`], for the fuzz target (which has no engine cache): the runs are found by
/// bounded scans.
pub(crate) fn name_around_in_for_fuzz(
    text: &[u8],
    hit_start: usize,
    hit_end: usize,
) -> Option<(usize, usize)> {
    let low = hit_start.saturating_sub(MAX_NAME + 1);
    let run_start = (low..hit_start)
        .rev()
        .find(|&i| !text.get(i).copied().is_some_and(is_name_byte))
        .map_or(low, |i| i + 1);
    let run_end = (hit_end..text.len())
        .find(|&i| !text.get(i).copied().is_some_and(is_name_byte))
        .unwrap_or(text.len());
    name_around_in(text, hit_start, hit_end, (run_start, run_end))
}

/// [`name_around`] given where the run of name bytes ending at `hit_start` starts and the run
/// starting at `hit_end` ends (the engine caches them, so a long run is scanned once).
pub(crate) fn name_around_in(
    text: &[u8],
    hit_start: usize,
    hit_end: usize,
    (run_start, run_end): (usize, usize),
) -> Option<(usize, usize)> {
    let low = hit_start.saturating_sub(MAX_NAME);
    if run_start < low {
        return None;
    }
    let mut start = run_start;
    let high = (hit_end + MAX_NAME).min(text.len());
    if run_end > high {
        return None;
    }
    let mut end = run_end;
    // In JSON-escaped text a name may follow an escape (`\\napi_key = …`): the escape's letter
    // is not part of the name.
    if start >= 1
        && start < hit_start
        && text.get(start - 1) == Some(&b'\\')
        && matches!(text.get(start), Some(b'n' | b'r' | b't'))
    {
        start += 1;
    }
    // Leading and trailing separators are punctuation, not part of the name (`-password`,
    // `token.`), except that dotted and dashed names keep their inner separators.
    while start < end && matches!(text.get(start), Some(b'.' | b'-')) {
        start += 1;
    }
    while end > start && matches!(text.get(end - 1), Some(b'.' | b'-')) {
        end -= 1;
    }
    (end - start <= MAX_NAME && start < end).then_some((start, end))
}

/// The words of a name, lowercase: `dbPassword` → `db password`, `SECRET-KEY` → `secret key`,
/// `X_API_KEY2` → `x api key`.
fn words(name: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous: u8 = 0;
    for &b in name {
        let boundary = !b.is_ascii_alphabetic() || (b.is_ascii_uppercase() && previous.is_ascii_lowercase());
        if boundary && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if b.is_ascii_alphabetic() {
            current.push(b.to_ascii_lowercase() as char);
        }
        previous = b;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Secret words that may appear glued to others (`SECRETTOKEN`, `APIKEY`, `DBPASSWORD`).
const GLUED: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "credential",
    "privatekey",
    "secretkey",
    "accesskey",
    "authkey",
    "presharedkey",
    "masterkey",
];

/// Words that name a secret on their own.
const STRONG_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pass",
    "pwd",
    "pw",
    "secret",
    "secrets",
    "token",
    "apikey",
    "credential",
    "credentials",
    "psk",
    "privatekey",
    "secretkey",
    "accesskey",
    "authkey",
    "presharedkey",
    "pat",
    "bearer",
];

/// Words that make a following `key` a secret (`license_key`, `consumer_key`, `sdk_key`).
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "auth",
    "license",
    "licence",
    "consumer",
    "application",
    "app",
    "sdk",
    "master",
    "signing",
    "encryption",
    "session",
    "shared",
    "preshared",
    "client",
    "server",
    "webhook",
    "account",
    "storage",
    "service",
    "subscription",
    "admin",
    "write",
    "ingest",
    "ingestion",
    "integration",
    "management",
    "product",
    "activation",
    "serial",
    "mobile",
    "rest",
    "push",
    "hmac",
    "jwt",
    "cookie",
    "crypto",
    "decryption",
    "master",
    "root",
    "unseal",
    "recovery",
    "deploy",
    "upload",
    "publish",
    "registry",
    "gpg",
    "pgp",
    "ssh",
    "tls",
    "ssl",
    "enc",
    "aes",
    "cipher",
    "signature",
    "sign",
    "partner",
    // Cypress's dashboard record key (`CYPRESS_RECORD_KEY`, a UUID).
    "record",
    "merchant",
    "developer",
    "dev",
    "live",
    "prod",
    "production",
    "secure",
    "user",
    "bot",
    "tenant",
    "site",
    "project",
    "org",
    "organization",
    "workspace",
];

/// Last words that make a name *about* a secret rather than the secret.
const ABOUT_WORDS: &[&str] = &[
    "id",
    "ids",
    "file",
    "files",
    "path",
    "paths",
    "dir",
    "url",
    "uri",
    "endpoint",
    "host",
    "name",
    "names",
    "type",
    "types",
    "length",
    "len",
    "size",
    "count",
    "max",
    "min",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "expire",
    "timeout",
    "header",
    "headers",
    "prefix",
    "suffix",
    "format",
    "hint",
    "label",
    "placeholder",
    "policy",
    "field",
    "fields",
    "column",
    "param",
    "ref",
    "arn",
    "version",
    "mode",
    "enabled",
    "required",
    "rotation",
    "help",
    "title",
    "text",
    "message",
    "msg",
    "error",
    "errors",
    "location",
    "store",
    "provider",
    "method",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "algorithm",
    "alg",
    "kind",
    "env",
    "var",
    "variable",
    "source",
    "limit",
    "tokens",
    "index",
    "idx",
    "pattern",
    "regex",
    "strength",
    "valid",
    "invalid",
    "input",
    "prompt",
    "manager",
    "vault",
    "backend",
    "mount",
    "command",
    "cmd",
    "helper",
    "class",
    "lookup",
    "selector",
    "ref",
    "reference",
    "key",
    "keys",
    "hash",
    "hashes",
    "digest",
    "fingerprint",
    "sha",
    "md",
    "usage",
    "generator",
    "generated",
    "set",
    "reset",
    "changed",
    "change",
    "at",
    "date",
    "time",
    "created",
    "updated",
    "status",
    "state",
    "flag",
    "option",
    "options",
    "config",
    "settings",
    "schema",
    "spec",
    "template",
    "visible",
    "visibility",
    "toggle",
    "show",
    "hide",
    "hidden",
    "mask",
    "masked",
    "encoding",
    "encoded",
    "bytes",
    "bits",
    "rounds",
    "iterations",
    "salt",
    "cost",
    "storage",
    "cache",
    "list",
    "map",
    "dict",
    "table",
    "query",
    "callback",
    "handler",
    "validator",
    "validation",
    "service",
    "client",
    "factory",
    "builder",
    "request",
    "response",
    "result",
    "check",
    "checker",
    "verify",
    "verifier",
    "policy",
    "rules",
    "rule",
    "script",
    "uid",
    "gid",
    "sid",
    "no",
    "num",
    "number",
    "secs",
    "seconds",
    "ms",
    "minutes",
    "hours",
    "days",
];

/// Words anywhere in a name that say it is not a credential.
const NOT_SECRET_WORDS: &[&str] = &[
    "csrf",
    "xsrf",
    "nonce",
    "captcha",
    "public",
    "publishable",
    "pubkey",
    "tokenizer",
    "tokenize",
    "tokenized",
    "page",
    "next",
    "cursor",
    "continuation",
    "sync",
    "forgot",
    "forgotten",
    "confirm",
    "confirmation",
    "new",
    "old",
    "current",
    "retype",
    "repeat",
    "verify",
    "idempotency",
    "idempotent",
    "dedup",
    "partition",
    "sort",
    "primary",
    "foreign",
    "unique",
    "cache",
    "lookup",
    "map",
    "hotkey",
    "keyboard",
    "keypress",
    "keydown",
    "keyup",
    "keystroke",
    "monkey",
    "turkey",
    "donkey",
    "whiskey",
    "hockey",
    "jockey",
    "keynote",
    "passenger",
    "passage",
    "passive",
    "passthrough",
    "bypass",
    "compass",
    "password_reset",
    "i18n",
    "aria",
    "css",
    "style",
    "color",
    "icon",
    "tooltip",
    "button",
    "btn",
    "route",
    "routes",
    "anon",
    "authenticity",
    "xsrftoken",
    "csrftoken",
];

/// The name an assignment's value follows (`DB_PASSWORD` in `export DB_PASSWORD="…`), from the
/// text before the value: operators, quotes and blanks are skipped back over.
pub(crate) fn name_before(before: &[u8]) -> &[u8] {
    let mut end = before.len();
    let low = end.saturating_sub(MAX_NAME + 16);
    while end > low
        && matches!(
            before.get(end - 1),
            Some(b' ' | b'\t' | b'"' | b'\'' | b'`' | b'\\' | b'=' | b':' | b'?' | b'>' | b'(' | b',')
        )
    {
        end -= 1;
    }
    let mut start = end;
    while start > low && before.get(start - 1).copied().is_some_and(is_name_byte) {
        start -= 1;
    }
    before.get(start..end).unwrap_or_default()
}

/// Classifies a name: `None` if it does not name a secret.
///
/// Cached per thread: source text repeats the same few names (`secret`, `token`, `api_key`)
/// thousands of times per MiB, and classifying one (splitting it into owned words, glueing
/// them, comparing against the word lists) cost a tenth of a scan of secret-free text.
pub(crate) fn name_strength(name: &[u8]) -> Option<Strength> {
    /// Names longer than this are classified afresh (rare, and they would bloat the cache).
    const MAX_CACHED_NAME: usize = 64;
    /// The cache is emptied when it holds this many names (hostile input full of distinct
    /// names must not grow it without bound).
    const MAX_CACHED_NAMES: usize = 4096;
    type Cache = std::collections::HashMap<Box<[u8]>, Option<Strength>>;
    thread_local! {
        static CACHE: std::cell::RefCell<Cache> = std::cell::RefCell::new(Cache::new());
    }
    if name.len() > MAX_CACHED_NAME {
        return classify_name(name);
    }
    let cached = CACHE.try_with(|cache| {
        let mut cache = cache.try_borrow_mut().ok()?;
        if let Some(strength) = cache.get(name) {
            return Some(*strength);
        }
        let strength = classify_name(name);
        if cache.len() >= MAX_CACHED_NAMES {
            cache.clear();
        }
        cache.insert(name.into(), strength);
        Some(strength)
    });
    match cached {
        Ok(Some(strength)) => strength,
        _ => classify_name(name),
    }
}

/// [`name_strength`] without the cache.
fn classify_name(name: &[u8]) -> Option<Strength> {
    let name = name.strip_prefix(b"$").unwrap_or(name);
    let words = words(name);
    let last = words.last()?;
    if words.iter().any(|w| NOT_SECRET_WORDS.contains(&w.as_str())) {
        return None;
    }
    let glued: String = words.concat();
    // `api_key` → `apikey`; `secret_key` → `secretkey`; the last word decides what it is about.
    let mut strong = words.iter().any(|w| STRONG_WORDS.contains(&w.as_str()))
        || words.windows(2).any(|w| w[1] == "key" && KEY_QUALIFIERS.contains(&w[0].as_str()))
        || words.iter().any(|w| w.len() > 6 && GLUED.iter().any(|g| w.contains(g)));
    if ABOUT_WORDS.contains(&last.as_str()) && last != "key" {
        return None;
    }
    // Glued qualifier + key (`WRITEKEY`, `ADMINKEY`, `apikey` is in `GLUED`).
    if !strong {
        strong = last.len() > 3 && last.ends_with("key") && KEY_QUALIFIERS.contains(&&last[..last.len() - 3]);
    }
    if last == "sk" && !strong {
        // `SDK_SK`, `OBS_SK`: a cloud secret key (`AK`/`SK` pairs); judged as weak.
        return Some(Strength::Weak);
    }
    if last == "key" && !strong {
        // `OPENAI_KEY`, `STRIPE_KEY`: a provider's key, but also `cache_key`, `sort_key`.
        return (words.len() >= 2).then_some(Strength::Weak);
    }
    if !strong && (glued == "auth" || last == "auth") {
        return Some(Strength::Weak);
    }
    if !strong {
        return None;
    }
    // `token` as the last word of a multi-word name that is not a credential (`page_token` is
    // excluded above); `tokens`, `secrets` lists are judged by their values.
    if last == "pass" && words.len() == 1 && name.len() == 4 {
        strong = true;
    }
    strong.then_some(Strength::Strong)
}

/// A parsed `name <operator> value`: the value's span and how it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub start: usize,
    pub end: usize,
    pub quoted: bool,
    pub strength: Strength,
}

fn at(text: &[u8], i: usize) -> Option<u8> {
    text.get(i).copied()
}

fn skip_blanks(text: &[u8], mut i: usize) -> usize {
    while matches!(at(text, i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// A quote at `i`, possibly escaped (`\"` in JSON-escaped text): (quote byte, escaped, after).
fn open_quote(text: &[u8], i: usize) -> Option<(u8, bool, usize)> {
    match (at(text, i), at(text, i + 1)) {
        (Some(b'\\'), Some(q @ (b'"' | b'\''))) => Some((q, true, i + 2)),
        (Some(q @ (b'"' | b'\'' | b'`')), _) => Some((q, false, i + 1)),
        _ => None,
    }
}

/// The quoted value starting after an opening quote at `from`: its end (exclusive), if it
/// closes on the same line within [`MAX_VALUE`] bytes. A value still open on its line after
/// [`MAX_VALUE`] bytes is cut there (a 2 KB token in `"refresh_token": "…"` is judged on its
/// first bytes; the engine reads a cut value on to its end).
fn quoted_value(text: &[u8], from: usize, quote: u8, escaped: bool) -> Option<usize> {
    if from + MAX_VALUE < text.len() {
        let bounded = quoted_value(text.get(..from + MAX_VALUE)?, from, quote, escaped);
        let open_line =
            text.get(from..from + MAX_VALUE).is_some_and(|v| !v.contains(&b'\n') && !v.contains(&b'\r'));
        return bounded.or((open_line && !escaped).then_some(from + MAX_VALUE));
    }
    let limit = text.len();
    let mut i = from;
    while i < limit {
        let b = at(text, i)?;
        match b {
            b'\n' | b'\r' => return None,
            b'\\' if escaped => {
                if at(text, i + 1) == Some(quote) {
                    return Some(i);
                }
                if at(text, i + 1) == Some(b'n') {
                    return None;
                }
                i += 2;
                continue;
            }
            b'\\' if !escaped => {
                i += 2;
                continue;
            }
            _ if b == quote && !escaped => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// An unquoted value starting at `from`: up to whitespace or a delimiter.
fn bare_value(text: &[u8], from: usize) -> usize {
    let limit = (from + MAX_VALUE).min(text.len());
    let mut i = from;
    while i < limit {
        match at(text, i) {
            Some(
                b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b'`' | b';' | b',' | b'(' | b')' | b'{' | b'}'
                | b'[' | b']' | b'<' | b'>' | b'|' | b'&' | b'\\',
            )
            | None => break,
            _ => i += 1,
        }
    }
    i
}

/// The value after an assignment operator ending at `i`.
fn value_after(text: &[u8], i: usize, strength: Strength) -> Option<Candidate> {
    let mut i = skip_blanks(text, i);
    // String prefixes and constructors: b"…", r"…", f"…", @"…", new String("…").
    if matches!(at(text, i), Some(b'b' | b'r' | b'f' | b'@')) && open_quote(text, i + 1).is_some() {
        i += 1;
    }
    if text.get(i..).is_some_and(|t| t.starts_with(b"new String(")) {
        i += "new String(".len();
    }
    if let Some((quote, escaped, start)) = open_quote(text, i) {
        let end = quoted_value(text, start, quote, escaped)?;
        return Some(Candidate { start, end, quoted: true, strength });
    }
    let end = spaced_groups_end(text, i).unwrap_or_else(|| bare_value(text, i));
    // A bare value followed by `(`, `[` or `.`+letter is an expression (`getToken()`, `cfg[k]`).
    if matches!(at(text, end), Some(b'(' | b'[')) {
        return None;
    }
    (end > i).then_some(Candidate { start: i, end, quoted: false, strength })
}

/// Parses what follows the name `[name_start, name_end)` into a candidate value.
pub(crate) fn parse(text: &[u8], name_start: usize, name_end: usize) -> Option<Candidate> {
    let name = text.get(name_start..name_end)?;
    let before = name_start.checked_sub(1).and_then(|i| at(text, i));
    // `--password`, `-p`: command-line options belong to the CLI rules.
    if name_start >= 2 && text.get(name_start - 2..name_start) == Some(b"--") {
        return None;
    }
    // XML element: `<password>value</password>`.
    if before == Some(b'<') && at(text, name_end) == Some(b'>') {
        let strength = name_strength(name)?;
        let start = name_end + 1;
        let limit = (start + MAX_VALUE).min(text.len());
        let end = (start..limit).find(|&i| matches!(at(text, i), Some(b'<' | b'\n')))?;
        if text.get(end..end + 2) != Some(b"</") {
            return None;
        }
        return Some(Candidate { start, end, quoted: true, strength });
    }
    // Constructors whose second argument is a password.
    if at(text, name_end) == Some(b'(') && is_credential_constructor(name) {
        return second_quoted_argument(text, name_end + 1, Strength::Strong);
    }
    let strength = name_strength(name)?;
    let mut i = name_end;
    // A quoted name: `"password": …`, `'api_key' => …`, `setProperty("password", …)`,
    // `key="ApiKey" value="…"`.
    let quoted_name = matches!(before, Some(b'"' | b'\''));
    if quoted_name {
        let mut k = i;
        if at(text, k) == Some(b'\\') {
            k += 1;
        }
        if matches!(at(text, k), Some(b'"' | b'\'')) {
            let j = skip_blanks(text, k + 1);
            // Call argument: `("password", "value")` (the opening quote may be escaped).
            if at(text, j) == Some(b',') {
                let mut o = name_start - 1;
                if o > 0 && at(text, o - 1) == Some(b'\\') {
                    o -= 1;
                }
                let opener = o.checked_sub(1).and_then(|o| at(text, o));
                if opener != Some(b'(') && opener != Some(b'[') {
                    return None;
                }
                let c = value_after(text, j + 1, strength)?;
                return c.quoted.then_some(c);
            }
            // `key="ApiKey" value="…"` (app.config, NuGet, Ant).
            if let Some(rest) = text.get(j..) {
                if rest.len() >= 6 && rest[..6].eq_ignore_ascii_case(b"value=") {
                    let c = value_after(text, j + 6, strength)?;
                    return c.quoted.then_some(c);
                }
            }
            i = k + 1;
        }
        // Otherwise the quote opened a string that holds the assignment (`"note": "pw=…"`).
    }
    // `public string ApiKey { get; set; } = "…"`.
    let mut j = skip_blanks(text, i);
    if text.get(j..).is_some_and(|t| t.starts_with(b"{ get; set; }")) {
        j = skip_blanks(text, j + "{ get; set; }".len());
    }
    // Type annotation: `token: string = …`, `API_KEY: &str = …`.
    if at(text, j) == Some(b':') && !matches!(at(text, j + 1), Some(b'=' | b':')) {
        let k = skip_blanks(text, j + 1);
        let mut m = k;
        // At most 25 bytes: longer is not a type (checked below), and an unbounded walk per
        // name is quadratic on a long run of names.
        while m - k <= 24
            && at(text, m)
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'&' | b'_' | b'<' | b'>' | b'\''))
        {
            m += 1;
        }
        let n = skip_blanks(text, m);
        if m > k && at(text, n) == Some(b'=') && at(text, n + 1) != Some(b'=') && m - k <= 24 {
            let type_name = text.get(k..m).unwrap_or_default();
            if type_name.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'&') {
                return value_after(text, n + 1, strength);
            }
        }
    }
    // Go and Kotlin style `var apiToken string = "…"`: a type word between name and `=`.
    if at(text, j).is_some_and(|b| b.is_ascii_alphabetic() || b == b'[' || b == b'*') && j > i {
        let mut m = j;
        while m - j <= 24
            && at(text, m)
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'[' | b']' | b'*' | b'.' | b'_'))
        {
            m += 1;
        }
        let n = skip_blanks(text, m);
        if m - j <= 24 && n > m && at(text, n) == Some(b'=') && !matches!(at(text, n + 1), Some(b'=' | b'~'))
        {
            return value_after(text, n + 1, strength);
        }
    }
    let operator_end = operator(text, j)?;
    // A value on the next line: only looked for where the operator ends its line (or opens a
    // block scalar or a line continuation), which keeps the common `name: value` path as fast.
    if matches!(at(text, skip_blanks(text, operator_end)), Some(b'\n' | b'\r' | b'\\' | b'|' | b'>')) {
        if let Some(start) = value_on_next_line(text, name_start, j, operator_end) {
            return value_after(text, start, strength);
        }
    }
    // `password = os.getenv(…)` etc. are judged on the value; the tuple form `auth=("u", "p")`.
    let k = skip_blanks(text, operator_end);
    if at(text, k) == Some(b'(') {
        return second_quoted_argument(text, k + 1, Strength::Strong);
    }
    value_after(text, operator_end, strength)
}

/// The end of an assignment operator at `i`: `=`, `:=`, `::=`, `:::=`, `?=`, `.=`, `=>`, `:`
/// (not `==`, `=~`, `::`, `:/`).
fn operator(text: &[u8], i: usize) -> Option<usize> {
    let ops: [&[u8]; 7] = [b":::=", b"::=", b":=", b"?=", b".=", b"=>", b"="];
    for op in ops {
        if text.get(i..i + op.len()) == Some(op) {
            let after = at(text, i + op.len());
            if op == b"=" && matches!(after, Some(b'=' | b'~')) {
                return None;
            }
            return Some(i + op.len());
        }
    }
    if at(text, i) == Some(b':')
        && matches!(at(text, i + 1), Some(b' ' | b'\t' | b'"' | b'\'' | b'\n' | b'\r') | None)
    {
        return Some(i + 1);
    }
    if at(text, i) == Some(b':') && at(text, i + 1) == Some(b'\\') && at(text, i + 2) == Some(b'"') {
        return Some(i + 1);
    }
    None
}

/// How far back the start of a name's line is looked for (to read its indentation).
const LINE_LOOKBACK: usize = 256;

/// Where a value that starts on the line after its name starts, if it does:
/// - after `name:` (YAML, JSON) with nothing else on the line, or only a block scalar header
///   (`|`, `>-`, `|2`), the next line, if it is indented deeper than the name's line (a value,
///   not a sibling key) and is not itself a key (`password:` opening a mapping) or a list item;
/// - after `NAME=\` (a shell line continuation), the next line.
///
/// Bounded: the name's line start is looked for at most [`LINE_LOOKBACK`] bytes back, and the
/// next line is read at most [`MAX_VALUE`] bytes on.
#[cold]
#[inline(never)]
fn value_on_next_line(text: &[u8], name_start: usize, op_start: usize, op_end: usize) -> Option<usize> {
    let line_break = |i: usize| match (at(text, i), at(text, i + 1)) {
        (Some(b'\n'), _) => Some(i + 1),
        (Some(b'\r'), Some(b'\n')) => Some(i + 2),
        _ => None,
    };
    let k = skip_blanks(text, op_end);
    let op = text.get(op_start..op_end)?;
    if op == b"=" {
        // `export API_TOKEN=\` then the value, indented or not, on the next line.
        let next = line_break(k + 1).filter(|_| at(text, k) == Some(b'\\'))?;
        return Some(skip_blanks(text, next));
    }
    if op != b":" {
        return None;
    }
    let mut h = k;
    if matches!(at(text, h), Some(b'|' | b'>')) {
        h += 1;
        while matches!(at(text, h), Some(b'-' | b'+' | b'0'..=b'9')) {
            h += 1;
        }
        h = skip_blanks(text, h);
    }
    let next = line_break(h)?;
    let low = name_start.saturating_sub(LINE_LOOKBACK);
    let line_start = match text.get(low..name_start)?.iter().rposition(|b| *b == b'\n') {
        Some(p) => low + p + 1,
        None if low == 0 => 0,
        None => return None,
    };
    let value = skip_blanks(text, next);
    if value - next <= skip_blanks(text, line_start) - line_start {
        return None;
    }
    // The next line opens a mapping (`password:` then `  min_length: 12`), a list or a comment.
    if matches!(at(text, value), Some(b'#' | b'-' | b'\n' | b'\r') | None) {
        return None;
    }
    let limit = (value + MAX_VALUE).min(text.len());
    let line_end = (value..limit).find(|&i| matches!(at(text, i), Some(b'\n' | b'\r'))).unwrap_or(limit);
    let line = text.get(value..line_end)?;
    let is_key = line.windows(2).any(|w| w == b": ") || line.trim_ascii_end().ends_with(b":");
    (!is_key).then_some(value)
}

fn is_credential_constructor(name: &[u8]) -> bool {
    const NAMES: &[&str] = &[
        "networkcredential",
        "passwordauthentication",
        "usernamepasswordcredentials",
        "usernamepasswordauthenticationtoken",
        "basicauth",
        "httpbasicauth",
        "httpdigestauth",
        "basicauthentication",
        "plainauth",
        "setbasicauth",
        "withbasicauth",
    ];
    let lower = name.to_ascii_lowercase();
    let last = lower.rsplit(|b| *b == b'.').next().unwrap_or(&lower);
    NAMES.iter().any(|n| n.as_bytes() == last)
}

/// `(arg, "secret"…`: the second argument if it is a quoted literal (the first may be anything
/// short: a literal, a variable).
fn second_quoted_argument(text: &[u8], from: usize, strength: Strength) -> Option<Candidate> {
    let limit = (from + 160).min(text.len());
    let comma = (from..limit).find(|&i| matches!(at(text, i), Some(b',' | b')' | b'\n')))?;
    if at(text, comma) != Some(b',') {
        return None;
    }
    let c = value_after(text, comma + 1, strength)?;
    c.quoted.then_some(c)
}

/// Whether a candidate value is a secret (the stopword/placeholder and code model).
pub(crate) fn judge(text: &[u8], c: &Candidate) -> bool {
    let Some(value) = text.get(c.start..c.end) else { return false };
    let after = text.get(c.end..).unwrap_or_default();
    value_is_secret(value, after, c.quoted, c.strength)
}

/// The value model shared by every generic rule.
pub(crate) fn value_is_secret(value: &[u8], after: &[u8], quoted: bool, strength: Strength) -> bool {
    let len = value.len();
    if !(6..=MAX_VALUE).contains(&len) {
        return false;
    }
    if filter::is_reference(value) || filter::is_placeholder(value) || is_placeholder_like(value) {
        return false;
    }
    if is_not_a_credential(value) || provider_prefixed(value) || filter::comment_marks_an_example(after) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    let letters = value.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let digits = value.iter().filter(|b| b.is_ascii_digit()).count();
    let symbols = len - letters - digits;
    // Spaces: a label or sentence, except WordPress application passwords (`abcd efgh …`).
    if value.contains(&b' ') {
        return is_spaced_groups(value);
    }
    if !quoted && matches!(after.first(), Some(b'(' | b'[')) {
        return false;
    }
    if looks_like_code(value, &lower, quoted) {
        return false;
    }
    if strength == Strength::Weak {
        return len >= 16
            && digits > 0
            && letters > 0
            && filter::shannon_entropy(value) >= 3.0
            && !filter::is_uuid(value);
    }
    // Letters only: a passphrase (`correcthorsebatterystaple`) when quoted and long enough, not
    // a word or a title (`Password`, `Secret`) or an identifier (`getToken`, `api_key`).
    if digits == 0 && symbols == 0 {
        if !quoted {
            return len >= 12 && is_random_letters(value);
        }
        let is_title = value.first().is_some_and(u8::is_ascii_uppercase)
            && value[1..].iter().all(u8::is_ascii_lowercase);
        let camel = value.iter().skip(1).any(u8::is_ascii_uppercase) && !is_random_letters(value);
        return len >= 8 && !is_title && !camel && !is_common_word(&lower) && !is_placeholder_like(value);
    }
    // Digits only: PINs and numbers (`3600`, `8080`) are not secrets; long digit strings may be.
    if letters == 0 && symbols == 0 {
        return len >= 10 && !is_sequential(value);
    }
    true
}

/// An unquoted WordPress application password (`abcd EFGH 1234 …`, six groups of four, as YAML
/// and dotenv files hold it): where it ends, if the text at `from` is at least four such groups
/// ending the value.
fn spaced_groups_end(text: &[u8], from: usize) -> Option<usize> {
    let group = |at: usize| text.get(at..at + 4).is_some_and(|g| g.iter().all(u8::is_ascii_alphanumeric));
    let mut end = from;
    let mut groups = 0;
    while group(end) && !text.get(end + 4).is_some_and(u8::is_ascii_alphanumeric) {
        groups += 1;
        end += 4;
        if at(text, end) != Some(b' ') || groups == 8 {
            break;
        }
        if !group(end + 1) {
            break;
        }
        end += 1;
    }
    let ends_value = !at(text, end)
        .is_some_and(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\' | b';' | b','));
    (groups >= 4 && ends_value).then_some(end)
}

/// `abcd efgh ijkl mnop qrst uvwx`.
fn is_spaced_groups(value: &[u8]) -> bool {
    let groups: Vec<&[u8]> = value.split(|b| *b == b' ').collect();
    groups.len() >= 4 && groups.iter().all(|g| g.len() == 4 && g.iter().all(u8::is_ascii_alphanumeric))
}

/// Letters that do not read as words: mixed case with no long lowercase run.
fn is_random_letters(value: &[u8]) -> bool {
    let upper = value.iter().filter(|b| b.is_ascii_uppercase()).count();
    let lower = value.len() - upper;
    upper >= 3 && lower >= 3 && filter::shannon_entropy(value) >= 3.5
}

fn is_common_word(lower: &[u8]) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwords",
        "passphrase",
        "secret",
        "secrets",
        "token",
        "tokens",
        "required",
        "optional",
        "undefined",
        "disabled",
        "enabled",
        "unknown",
        "default",
        "changeme",
        "letmein",
        "welcome",
        "qwertyuiop",
        "administrator",
        "anonymous",
        "localhost",
        "postgres",
        "development",
        "production",
        "staging",
        "database",
        "username",
        "readonly",
        "readwrite",
        "keychain",
        "keyring",
        "generated",
        "environment",
        "credential",
        "credentials",
        "authorization",
        "authenticate",
        "authentication",
        "encrypted",
        "plaintext",
        "sensitive",
        "confidential",
        "placeholder",
        "somepassword",
        "mypassword",
        "yourpassword",
        "supersecret",
        "topsecret",
        "secretpassword",
        "adminadmin",
        "rootroot",
        "testtest",
        "guestguest",
        "passw0rd",
    ];
    WORDS.iter().any(|w| w.as_bytes() == lower)
}

/// Values that are documentation stand-ins beyond [`filter::is_placeholder`]: runs and
/// sequences (`12345678`, `abcdefgh`, `qwerty`), `xxx:yyy`, cut-off values (`sk-…`, `abc...`),
/// masked values (`••••`), `TODO`.
/// `your` and `here` as the stand-in words of `your-token-here`, `enteryourpasswordhere`: at a
/// separator, `your` near the start or `here` at the end. Inside a run of letters they are parts
/// of other words (a passphrase `dishwasheremberhorse` holds `here`).
fn says_your_or_here(value: &[u8]) -> bool {
    let separator = |b: Option<&u8>| b.is_none_or(|b| !b.is_ascii_alphanumeric());
    let found = |word: &[u8], at_word: &dyn Fn(usize) -> bool| {
        value.windows(word.len()).enumerate().any(|(i, w)| w.eq_ignore_ascii_case(word) && at_word(i))
    };
    let your = |i: usize| i <= 8 || separator(value.get(i.wrapping_sub(1))) || separator(value.get(i + 4));
    let here = |i: usize| {
        i + 4 == value.len() || separator(value.get(i + 4)) || (i > 0 && separator(value.get(i - 1)))
    };
    found(b"your", &your) || found(b"here", &here)
}

pub(crate) fn is_placeholder_like(value: &[u8]) -> bool {
    const MARKERS: &[&str] = &[
        "xxxx",
        "...",
        "…",
        "•",
        "***",
        "###",
        "todo",
        "tbd",
        "qwerty",
        "asdf",
        "password123",
        "secret123",
        "abc123",
        "123abc",
        "pass123",
        "admin123",
        "random-string",
        "random_string",
        "randomstring",
        "my-secret",
        "my_secret",
        "mysecret",
        "my-token",
        "my_token",
        "my-api-key",
        "my_api_key",
        "insert",
        "replace",
        "enter-",
        "enter_",
        "put_",
        "put-",
        "must_be",
        "must-be",
        "set_me",
        "set-me",
        "setme",
        "redacted",
        "secret-value",
        "token-value",
        "<",
        ">",
        "%(",
        "{}",
        "[]",
        "\\n",
        "test123",
    ];
    // Whole values (or `-`/`_`-separated parts) that are stand-ins.
    const PARTS: &[&str] = &[
        "none",
        "null",
        "nil",
        "undefined",
        "masked",
        "hidden",
        "demo",
        "foo",
        "bar",
        "baz",
        "qux",
        "secret",
        "token",
        "password",
        "apikey",
        "api",
        "key",
        "value",
        "string",
        "dummy",
        "fake",
        "test",
        "example",
        "sample",
        "my",
        "some",
        "random",
        "long",
        "short",
        "dev",
        "local",
        "not",
        "a",
        "an",
        "the",
        "uuid",
        "real",
        "valid",
        "here",
        "your",
        "placeholder",
        "xxx",
        "changeme",
        "default",
        "empty",
        "blank",
        "todo",
        "tbd",
        "none",
        "x",
        "y",
        "z",
        "abc",
        "xyz",
        "def",
        "ghi",
        "aaa",
        "bbb",
        "ccc",
        "pass",
        "pwd",
        "user",
        "admin",
        "root",
        "guest",
        "temp",
        "tmp",
        "new",
        "old",
        "prod",
        "staging",
        "stage",
        "qa",
        "id",
        "name",
        "auth",
        "access",
        "private",
        "public",
    ];
    static MARKER_SET: filter::Markers = filter::Markers::new(MARKERS);
    // PARTS sorted, for one binary search per part (a value of many short parts is a candidate
    // a hostile input can repeat).
    static SORTED_PARTS: std::sync::OnceLock<Vec<&'static [u8]>> = std::sync::OnceLock::new();
    let parts = SORTED_PARTS.get_or_init(|| {
        let mut parts: Vec<&[u8]> = PARTS.iter().map(|p| p.as_bytes()).collect();
        parts.sort_unstable();
        parts
    });
    let is_part = |part: &[u8]| {
        let mut lower = [0u8; 16];
        let Some(slot) = lower.get_mut(..part.len()) else { return false };
        slot.copy_from_slice(part);
        slot.make_ascii_lowercase();
        parts.binary_search(&&*slot).is_ok()
    };
    if value
        .split(|b| matches!(b, b'-' | b'_' | b':' | b'.'))
        .all(|part| part.is_empty() || is_part(part) || part.iter().all(u8::is_ascii_digit))
    {
        return true;
    }
    // Runs of x, y or z in one case (`xxx`, `YYY`): random tokens have mixed-case runs.
    if [b"xxx", b"XXX", b"yyy", b"YYY", b"zzz", b"ZZZ"].iter().any(|m| filter::contains(value, &m[..])) {
        return true;
    }
    // Case-sensitive: a printf placeholder is lowercase, `%S` in a random password is not one.
    if MARKER_SET.found_in(value) || filter::has_printf_placeholder(value) || says_your_or_here(value) {
        return true;
    }
    is_sequential(value)
}

/// Mostly a run or a sequence: `12345678`, `abcdefgh`, `aaaa1111`, `987654321`.
fn is_sequential(value: &[u8]) -> bool {
    let steps = value.windows(2).filter(|w| {
        let d = i16::from(w[1]) - i16::from(w[0]);
        d == 1 || d == -1 || d == 0
    });
    let n = steps.count();
    value.len() >= 4 && n * 10 >= (value.len() - 1) * 7
}

/// References and non-secrets that sit where secrets do: secret-manager paths, ciphertext,
/// public keys, hashes with a scheme, paths and URLs without credentials.
pub(crate) fn is_not_a_credential(value: &[u8]) -> bool {
    const PREFIXES: &[&str] = &[
        "enc[",
        "arn:",
        "projects/",
        "op://",
        "vault:",
        "vault://",
        "sm://",
        "gcpsm://",
        "awssm://",
        "azurekeyvault://",
        "keyvault://",
        "secret/",
        "secrets/",
        "kv/",
        "file:",
        "env:",
        "http://",
        "https://",
        "ssh-rsa",
        "ssh-ed25519",
        "ecdsa-sha2",
        "sha1:",
        "sha256:",
        "sha512:",
        "sha256-",
        "sha384-",
        "sha512-",
        "md5:",
        "!ref",
        "!vault",
        "!secret",
        "!env",
        "!sub",
        "!getatt",
        "%(",
        "@value",
        "ask:",
        "cmd:",
        "exec:",
        "pass:",
        "keyring:",
        "${",
        "#{",
        "{{",
        "$(",
        "/",
        "./",
        "../",
        "~/",
        "%",
    ];
    static MANAGERS: filter::Markers = filter::Markers::new(&["secretsmanager", ".vault.azure.net"]);
    if PREFIXES.iter().any(|p| filter::starts_with_ci(value, p.as_bytes())) && !filter::is_base64_key(value) {
        return true;
    }
    // vals references (`ref+vault://path#key`): lowercase, with a scheme; `rEf+b…` is a password.
    if value.starts_with(b"ref+") && filter::contains(value, b"://") {
        return true;
    }
    if MANAGERS.found_in(value) {
        return true;
    }
    // Environment variable names (`DB_PASSWORD`, `API_TOKEN`): upper snake case, no digits.
    value.iter().all(|b| b.is_ascii_uppercase() || *b == b'_') && value.contains(&b'_')
}

/// A dotted identifier path without digits (`os.environ.get`, `Config.apiKey`): code that names
/// where a secret lives. Real keys with dots (`SG.…`, JWTs) carry digits.
pub(crate) fn is_member_path(value: &[u8]) -> bool {
    value.contains(&b'.')
        && !value.iter().any(u8::is_ascii_digit)
        && value.split(|b| *b == b'.').all(|seg| {
            matches!(seg.first(), Some(b) if b.is_ascii_alphabetic() || *b == b'_')
                && seg.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        })
}

/// Code rather than a literal: member paths (`config.apiKey`, `self.token`), identifiers in
/// snake or camel case (`api_key`, `getToken`), subscripts, calls, operators.
fn looks_like_code(value: &[u8], lower: &[u8], quoted: bool) -> bool {
    const KEYWORDS: &[&str] = &[
        "true",
        "false",
        "null",
        "none",
        "nil",
        "undefined",
        "self",
        "this",
        "await",
        "async",
        "new",
        "return",
        "function",
        "lambda",
        "string",
        "str",
        "bool",
        "boolean",
        "int",
        "number",
        "object",
        "bytes",
        "optional",
        "required",
        "default",
        "secret",
        "password",
        "token",
        "value",
        "input",
        "args",
        "kwargs",
        "params",
        "options",
        "config",
        "settings",
        "env",
        "environ",
        "process",
        "request",
        "response",
    ];
    if KEYWORDS.iter().any(|k| k.as_bytes() == lower) {
        return true;
    }
    if value.contains(&b'(') || value.contains(&b')') || value.starts_with(b"[") || value.contains(&b'{') {
        return true;
    }
    if quoted {
        return false;
    }
    // Member path: `os.environ.get`, `cfg.db.password`, `process.env.TOKEN`, `settings.SECRET_KEY`.
    if is_member_path(value) {
        return true;
    }
    // An identifier without digits (`api_key`, `getToken`, `pw`).
    value.iter().all(|b| b.is_ascii_alphabetic() || *b == b'_') && !is_random_letters(value)
}

/// Values that start with a provider's documented prefix: the provider's rule decides (it knows
/// the real length and alphabet), so a value it rejects (`ghp_short`, `sk_live_...`) is not
/// redacted by the generic rule either.
fn provider_prefixed(value: &[u8]) -> bool {
    const PREFIXES: &[&str] = &[
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "glpat-",
        "gldt-",
        "glrt-",
        "glptt-",
        "sk_live_",
        "sk_test_",
        "rk_live_",
        "rk_test_",
        "pk_live_",
        "pk_test_",
        "whsec_",
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "xoxe",
        "xapp-",
        "akia",
        "asia",
        "aiza",
        "sk-ant-",
        "sk-proj-",
        "sk-svcacct-",
        "sk-admin-",
        "npm_",
        "hf_",
        "sg.",
        "dop_v1_",
        "hvs.",
        "hvb.",
        "pypi-",
        "shpat_",
        "shpss_",
        "dckr_pat_",
        "glc_",
        "glsa_",
        "nrak-",
        "sntrys_",
        "sntryu_",
        "lin_api_",
        "figd_",
        "pplx-",
        "gsk_",
        "xai-",
        "r8_",
        "age-secret-key-",
    ];
    PREFIXES.iter().any(|p| filter::starts_with_ci(value, p.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_name_classification_is_the_uncached_one() {
        let long = "x_".repeat(40) + "password";
        let names = [
            "password",
            "DB_PASSWORD",
            "page_token",
            "cache_key",
            "OPENAI_KEY",
            "$secret",
            "apikey",
            "sort",
            &long,
        ];
        // Twice: the second round is answered from the cache.
        for _ in 0..2 {
            for name in names {
                assert_eq!(name_strength(name.as_bytes()), classify_name(name.as_bytes()), "{name}");
            }
        }
        assert_eq!(name_strength(b"DB_PASSWORD"), Some(Strength::Strong));
        assert_eq!(name_strength(b"sort"), None);
    }

    fn find(text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        for keyword in ["pass", "pwd", "secret", "token", "key", "auth", "cred", "psk"] {
            let lower = text.to_ascii_lowercase();
            let mut from = 0;
            while let Some(p) = lower[from..].find(keyword) {
                let hit = from + p;
                from = hit + 1;
                let Some((s, e)) = name_around(bytes, hit, hit + keyword.len()) else { continue };
                if let Some(c) = parse(bytes, s, e) {
                    if judge(bytes, &c) {
                        return Some(text[c.start..c.end].to_string());
                    }
                }
            }
        }
        None
    }

    #[test]
    fn names() {
        for n in [
            "SECRET-KEY",
            "SECRETTOKEN",
            "license_key",
            "consumerKey",
            "PresharedKey",
            "dbPassword",
            "DB_PASS",
            "X-Api-Key",
            "OPENAI_KEY",
            "api.key",
            "$password",
        ] {
            assert!(name_strength(n.as_bytes()).is_some(), "{n}");
        }
        for n in [
            "token_type",
            "max_tokens",
            "password_file",
            "csrf_token",
            "next_page_token",
            "sort_key",
            "keyboard",
            "public_key",
            "key_id",
            "secret_name",
            "tokenizer",
            "password_reset_url",
            "passenger",
        ] {
            assert_eq!(name_strength(n.as_bytes()), None, "{n}");
        }
    }

    #[test]
    fn grammar_forms() {
        let cases = [
            ("SECRET-KEY: Zq8rT2mWx9Lp", "Zq8rT2mWx9Lp"),
            ("API_TOKEN ?= Zq8rT2mWx9Lp", "Zq8rT2mWx9Lp"),
            ("DB_PASSWORD ::= Zq8rT2mWx9Lp", "Zq8rT2mWx9Lp"),
            ("$password .= 'Zq8rT2mWx9Lp';", "Zq8rT2mWx9Lp"),
            ("'password' => 'Zq8rT2mWx9Lp',", "Zq8rT2mWx9Lp"),
            ("props.setProperty(\"password\", \"Zq8rT2mWx9Lp\");", "Zq8rT2mWx9Lp"),
            ("new NetworkCredential(\"svc\", \"Zq8rT2mWx9Lp\")", "Zq8rT2mWx9Lp"),
            ("private static final String apiKey = \"Zq8rT2mWx9Lp\";", "Zq8rT2mWx9Lp"),
            ("const token: string = \"Zq8rT2mWx9Lp\";", "Zq8rT2mWx9Lp"),
            ("<password>Zq8rT2mWx9Lp</password>", "Zq8rT2mWx9Lp"),
            ("<add key=\"ApiKey\" value=\"Zq8rT2mWx9Lp\" />", "Zq8rT2mWx9Lp"),
            ("password = \"correcthorsebatterystaple\"", "correcthorsebatterystaple"),
            ("HUBSPOT_API_KEY=0b6a3c4e-1f2d-4a5b-8c7d-9e0f1a2b3c4d", "0b6a3c4e-1f2d-4a5b-8c7d-9e0f1a2b3c4d"),
            ("r = requests.get(u, auth=(\"admin\", \"Zq8rT2mWx9Lp\"))", "Zq8rT2mWx9Lp"),
            ("public string ClientSecret { get; set; } = \"Zq8rT2mWx9Lp\";", "Zq8rT2mWx9Lp"),
        ];
        for (text, secret) in cases {
            assert_eq!(find(text).as_deref(), Some(secret), "{text}");
        }
    }

    #[test]
    fn non_secrets() {
        for text in [
            "password: \"Password\"",
            "token_type: bearer",
            "password = request.form['password']",
            "api_key=api_key",
            "secret_key = settings.SECRET_KEY",
            "password: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]",
            "API_KEY=your-api-key-here",
            "password=abc123",
            "token: not-a-uuid",
            "key = xxx:yyy",
            "password=####",
            "API_TOKEN=12345678",
            "OPENAI_API_KEY=sk-proj-abc…",
            "GITHUB_TOKEN=ghp_short",
            "label=\"Enter your API key\"",
            "password == confirm",
            "cache_key = user_id",
            "token = tokens[i]",
            "password: ${DB_PASSWORD}",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
    }
}
