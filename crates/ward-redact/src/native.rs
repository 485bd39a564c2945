//! Hand-written matchers for the rules that shell and config payloads hit most: the three
//! generic "secret named in an assignment" rules (`secret-assignment`, `secret-literal`,
//! `secret-yaml-value`) and the password-in-a-variable rules (`connection-string-password`,
//! `cli-password-env`: any `PASSWORD=…`, `PGPASSWORD=…`).
//!
//! Why by hand: every hook call is a fresh process, and a rule's regex is compiled in it the
//! first time a payload holds one of the rule's keywords. The generic rules wrap a 24-way keyword
//! alternation in identifier, operator and value classes and cost 150–210 µs each to compile;
//! the first regex compiled in a process costs ~60 µs whatever it is (the compiler's code is
//! still cold). These five rules are hit by most payloads that mention a password or token, so
//! most calls paid that. The matchers here cost nothing to set up.
//!
//! Each matcher decides exactly what its rule's *anchored* regex search decides, and returns the
//! same secret span; an unanchored search is the first start at which the anchored one succeeds
//! (leftmost-first semantics), which is how the engine runs them on line windows. The regex in `rules.rs` stays the specification: the differential tests
//! below and the `redact_generic` fuzz target hold the two equal.
//!
//! Why an exact hand matcher is simple here: in all three regexes the keyword and its digits
//! must end where the identifier (`[\w.-]+`) ends, because every character the regex allows
//! after them (quote, backslash, space, operator) is outside the identifier class. So every way
//! the regex could split the identifier into "name prefix + keyword" leads to the same operator
//! and the same value; what remains is to decide *whether* some split works, and to follow the
//! operator and value grammar, whose greedy parts never profit from giving characters back.

/// A hand matcher: the secret span of an anchored match at `start` that stays within `end`
/// (look-behind and `$` see the whole text, as in the regex engine), or `None`.
pub(crate) type Matcher = fn(text: &[u8], start: usize, end: usize) -> Option<(usize, usize)>;

/// The hand matcher standing in for rule `id`'s regex, if it has one.
pub(crate) fn matcher(id: &str) -> Option<Matcher> {
    match id {
        "secret-assignment" => Some(secret_assignment),
        "secret-literal" => Some(secret_literal),
        "secret-yaml-value" => Some(secret_yaml_value),
        "connection-string-password" => Some(connection_string_password),
        "cli-password-env" => Some(cli_password_env),
        _ => None,
    }
}

/// An unanchored search with a hand matcher: the secret of the leftmost match starting in
/// `start..end` (the first start at which the anchored match succeeds).
/// Each attempt sees at most [`MAX_ATTEMPT`] bytes: a line window reaches 512 bytes either side
/// of its keyword, so no match in an unmerged window is longer; merged windows (many keywords on
/// one long line) must not let every attempt scan to the end of the line, which is quadratic.
pub(crate) fn find(matcher: Matcher, text: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
    (start..end).find_map(|at| matcher(text, at, end.min(at + MAX_ATTEMPT)))
}

/// The leftmost JSON Web Token (`eyJ….eyJ….<signature>`, the `jwt` rule's regex) that starts
/// in `start..end`, read to its natural end however long it is: an Entra ID access token runs
/// past 2 KB, and a regex in a line window lost its signature or missed it whole. Each part is
/// a maximal base64url run, so where it ends is decided by one byte.
/// Returns the secret and where the next search resumes. Linear: a candidate whose header run
/// fails is not tried again from inside that run (every `eyJ` in it has the same run end), and
/// a run is read at most three times (as header, payload and signature of failed attempts).
pub(crate) fn jwt(text: &[u8], start: usize, end: usize) -> (Option<(usize, usize)>, usize) {
    let is_b64url = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    let run_end = |from: usize| {
        text.get(from..)
            .and_then(|rest| rest.iter().position(|b| !is_b64url(b)))
            .map_or(text.len(), |p| from + p)
    };
    let is_part = |from: usize| text.get(from..).is_some_and(|t| t.starts_with(b"eyJ"));
    let mut at = start;
    while at < end {
        let Some(p) = text.get(at..end).and_then(|w| w.iter().position(|b| *b == b'e')).map(|p| at + p)
        else {
            break;
        };
        if !is_part(p) || !crate::engine::token_start_ok(text, p) {
            at = p + 1;
            continue;
        }
        // `eyJ[A-Za-z0-9_-]{8,}\.`: the header is the rest of its run.
        let header = run_end(p);
        if header - p < 11 || text.get(header) != Some(&b'.') {
            at = header.max(p + 1);
            continue;
        }
        let payload = run_end(header + 1);
        let signature = if is_part(header + 1) && payload - header > 11 && text.get(payload) == Some(&b'.') {
            run_end(payload + 1)
        } else {
            0
        };
        if signature >= payload + 17 {
            return (Some((p, signature)), signature);
        }
        // The payload's own `eyJ` may start the next token.
        at = header + 1;
    }
    (None, at.max(end))
}

/// The most one hand-matcher attempt on a merged window may look at.
const MAX_ATTEMPT: usize = 1024;

/// The keyword alternation shared by the three rules, every optional part spelled out
/// (`pass(?:word|wd|phrase)?`, `api_?key`, `credentials?` …), lowercase.
const KEYWORDS: &[&str] = &[
    "pass",
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "secret_key",
    "secretkey",
    "auth_key",
    "authkey",
    "credential",
    "credentials",
    "client_secret",
    "clientsecret",
    "auth_token",
    "authtoken",
    "access_token",
    "accesstoken",
    "refresh_token",
    "refreshtoken",
    "bearer",
    "session_key",
    "sessionkey",
    "signing_key",
    "signingkey",
    "encryption_key",
    "encryptionkey",
    "master_key",
    "masterkey",
    "_authtoken",
    "secret_key_base",
    "private_token",
];

/// `\s` without Unicode: tab, newline, vertical tab, form feed, carriage return, space.
fn is_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// `\w` without Unicode.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `[\w.-]`: what a variable, key or property name is made of.
fn is_ident(b: u8) -> bool {
    is_word(b) || b == b'.' || b == b'-'
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'')
}

/// The text a match may consume (`text[..end]`), with byte access that is `None` past the end.
struct Bounded<'a> {
    text: &'a [u8],
    end: usize,
}

impl Bounded<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        if i < self.end {
            self.text.get(i).copied()
        } else {
            None
        }
    }

    fn is(&self, i: usize, pred: impl Fn(u8) -> bool) -> bool {
        self.at(i).is_some_and(pred)
    }

    /// The position after the run of `pred` bytes starting at `i`.
    fn skip(&self, mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
        while self.is(i, &pred) {
            i += 1;
        }
        i
    }

    /// `i + word.len()` if `word` (lowercase) occurs at `i`, ASCII case-insensitively.
    fn word_at(&self, i: usize, word: &str) -> Option<usize> {
        let stop = i.checked_add(word.len()).filter(|&stop| stop <= self.end)?;
        self.text.get(i..stop).filter(|t| t.eq_ignore_ascii_case(word.as_bytes())).map(|_| stop)
    }

    /// `^` in multi-line mode: the start of the text or of a line (look-behind sees the text
    /// before the match range).
    fn line_start(&self, i: usize) -> bool {
        i == 0 || self.text.get(i - 1) == Some(&b'\n')
    }

    /// `$` in multi-line mode: the end of the text or of a line (look-ahead sees the text past
    /// the match range).
    fn line_end(&self, i: usize) -> bool {
        i == self.text.len() || self.text.get(i) == Some(&b'\n')
    }
}

/// The identifier starting at `from`: where it ends, if it ends in a keyword plus optional
/// digits and `name_ok` accepts the position where that keyword starts.
fn keyword_identifier(t: &Bounded, from: usize, name_ok: impl Fn(usize) -> bool) -> Option<usize> {
    let end = t.skip(from, is_ident);
    // Keywords end in a letter, so the keyword ends exactly where the trailing digits begin.
    let mut keyword_end = end;
    while keyword_end > from && t.is(keyword_end - 1, |b| b.is_ascii_digit()) {
        keyword_end -= 1;
    }
    let name = t.text.get(from..keyword_end)?;
    let found = KEYWORDS.iter().any(|k| {
        name.len() >= k.len()
            && name[name.len() - k.len()..].eq_ignore_ascii_case(k.as_bytes())
            && name_ok(keyword_end - k.len())
    });
    found.then_some(end)
}

/// `secret-assignment`:
/// `(?:^|[^\w$.{-])(?:export\s+|set\s+|setenv\s+)?(?:[\w.-]*?[_.-])?KEYWORD\d*\\?["']?`
/// `(?:\s*:?=|=)\s*["']?([^\s"'$<>;|&`(){}\[\],\\][^\s"'<>;|&`(){}\[\],\\]{3,})`, case-insensitive.
fn secret_assignment(text: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
    let t = Bounded { text, end };
    let mut starts = [None, None];
    if t.line_start(start) {
        starts[0] = Some(start);
    }
    if t.is(start, |b| !(is_word(b) || matches!(b, b'$' | b'.' | b'{' | b'-'))) {
        starts[1] = Some(start + 1);
    }
    for at in starts.into_iter().flatten() {
        let prefixed = ["export", "set", "setenv"].iter().filter_map(|word| {
            let after = t.word_at(at, word)?;
            t.is(after, is_space).then(|| t.skip(after, is_space))
        });
        for from in prefixed.chain(std::iter::once(at)) {
            // The name before the keyword is empty or ends in `_`, `.` or `-`.
            let name_ok = |k: usize| k == from || t.is(k - 1, |b| matches!(b, b'_' | b'.' | b'-'));
            let Some(ident_end) = keyword_identifier(&t, from, name_ok) else { continue };
            if let Some(span) = assignment_value(&t, ident_end) {
                return Some(span);
            }
        }
    }
    None
}

/// After the identifier: `\\?["']?(?:\s*:?=|=)\s*["']?` and the value group.
fn assignment_value(t: &Bounded, mut i: usize) -> Option<(usize, usize)> {
    if t.at(i) == Some(b'\\') {
        i += 1;
    }
    if t.is(i, is_quote) {
        i += 1;
    }
    i = t.skip(i, is_space);
    if t.at(i) == Some(b':') && t.at(i + 1) == Some(b'=') {
        i += 1;
    }
    if t.at(i) != Some(b'=') {
        return None;
    }
    i = t.skip(i + 1, is_space);
    if t.is(i, is_quote) {
        i += 1;
    }
    let excluded = |b: u8| is_space(b) || b"\"'<>;|&`(){}[],\\".contains(&b);
    if !t.is(i, |b| !(excluded(b) || b == b'$')) {
        return None;
    }
    let value_end = t.skip(i + 1, |b| !excluded(b));
    (value_end - (i + 1) >= 3).then_some((i, value_end))
}

/// `secret-literal`:
/// `(?:^|[^\w$-])(?:[\w.-]*?[_.-]?)KEYWORD\d*\\?["']?\s*(?:=|:=|=>|:)\s*(?:[brf]|new\s+String\()?`
/// `\\?["'`]([^\s"'`\\$<>{}]{6,})\\?["'`]`, case-insensitive.
fn secret_literal(text: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
    let t = Bounded { text, end };
    let mut starts = [None, None];
    if t.line_start(start) {
        starts[0] = Some(start);
    }
    if t.is(start, |b| !(is_word(b) || matches!(b, b'$' | b'-'))) {
        starts[1] = Some(start + 1);
    }
    for from in starts.into_iter().flatten() {
        let Some(mut i) = keyword_identifier(&t, from, |_| true) else { continue };
        if t.at(i) == Some(b'\\') {
            i += 1;
        }
        if t.is(i, is_quote) {
            i += 1;
        }
        i = t.skip(i, is_space);
        let operators: [&[u8]; 4] = [b"=", b":=", b"=>", b":"];
        for op in operators {
            let after = i + op.len();
            if after <= end && text.get(i..after) == Some(op) {
                if let Some(span) = literal_after_operator(&t, after) {
                    return Some(span);
                }
            }
        }
    }
    None
}

/// After the operator: `\s*(?:[brf]|new\s+String\()?\\?["'`]` and the quoted value.
fn literal_after_operator(t: &Bounded, i: usize) -> Option<(usize, usize)> {
    let i = t.skip(i, is_space);
    let string_prefix = t.is(i, |b| matches!(b.to_ascii_lowercase(), b'b' | b'r' | b'f')).then_some(i + 1);
    let constructor = t
        .word_at(i, "new")
        .filter(|&after| t.is(after, is_space))
        .and_then(|after| t.word_at(t.skip(after, is_space), "string("));
    [string_prefix, constructor, Some(i)].into_iter().flatten().find_map(|at| quoted_value(t, at))
}

/// `\\?["'`]([^\s"'`\\$<>{}]{6,})\\?["'`]` at `i`.
fn quoted_value(t: &Bounded, mut i: usize) -> Option<(usize, usize)> {
    let is_quote_or_tick = |b: u8| matches!(b, b'"' | b'\'' | b'`');
    if t.at(i) == Some(b'\\') {
        i += 1;
    }
    if !t.is(i, is_quote_or_tick) {
        return None;
    }
    let value_start = i + 1;
    let value_end = t.skip(value_start, |b| !(is_space(b) || b"\"'`\\$<>{}".contains(&b)));
    if value_end - value_start < 6 {
        return None;
    }
    let mut close = value_end;
    if t.at(close) == Some(b'\\') {
        close += 1;
    }
    t.is(close, is_quote_or_tick).then_some((value_start, value_end))
}

/// `secret-yaml-value` (multi-line, case-insensitive):
/// `^[ \t-]*(?:[\w.-]*?[_.-]?)KEYWORD\d*["']?[ \t]*:[ \t]+`
/// `([^\s"'#&*!|>{}\[\]$<][^\s"'<>]{3,})[ \t]*$`.
fn secret_yaml_value(text: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
    let t = Bounded { text, end };
    if !t.line_start(start) {
        return None;
    }
    let blank = |b: u8| b == b' ' || b == b'\t';
    // The indentation and list dashes; a keyword cannot start inside them (keywords start with
    // a letter or `_`), and dashes given back to the name change nothing.
    let from = t.skip(start, |b| blank(b) || b == b'-');
    let mut i = keyword_identifier(&t, from, |_| true)?;
    if t.is(i, is_quote) {
        i += 1;
    }
    i = t.skip(i, blank);
    if t.at(i) != Some(b':') || !t.is(i + 1, blank) {
        return None;
    }
    let value_start = t.skip(i + 1, blank);
    if !t.is(value_start, |b| !(is_space(b) || b"\"'#&*!|>{}[]$<".contains(&b))) {
        return None;
    }
    let value_end = t.skip(value_start + 1, |b| !(is_space(b) || b"\"'<>".contains(&b)));
    if value_end - (value_start + 1) < 3 {
        return None;
    }
    t.line_end(t.skip(value_end, blank)).then_some((value_start, value_end))
}

/// `connection-string-password` (case-insensitive):
/// `(?:^|[;"'\s])(?:password|pwd)\s*=\s*([^;'"\s]{3,})\s*;`.
fn connection_string_password(text: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
    let t = Bounded { text, end };
    let mut starts = [None, None];
    if t.line_start(start) {
        starts[0] = Some(start);
    }
    if t.is(start, |b| is_space(b) || matches!(b, b';' | b'"' | b'\'')) {
        starts[1] = Some(start + 1);
    }
    for at in starts.into_iter().flatten() {
        let Some(after) = t.word_at(at, "password").or_else(|| t.word_at(at, "pwd")) else { continue };
        let i = t.skip(after, is_space);
        if t.at(i) != Some(b'=') {
            continue;
        }
        let value_start = t.skip(i + 1, is_space);
        let value_end = t.skip(value_start, |b| !(is_space(b) || matches!(b, b';' | b'"' | b'\'')));
        if value_end - value_start >= 3 && t.at(t.skip(value_end, is_space)) == Some(b';') {
            return Some((value_start, value_end));
        }
    }
    None
}

/// `cli-password-env` (case-sensitive):
/// `\b(?:PGPASSWORD|MYSQL_PWD|REDISCLI_AUTH|SSHPASS|BORG_PASSPHRASE|RESTIC_PASSWORD|`
/// `RCLONE_CONFIG_PASS|ANSIBLE_VAULT_PASSWORD)\\?["']?\s*[=:]\s*\\?["']?`
/// `([^\s"'$<>;|&`\\][^\s"'<>;|&`\\]*)`.
fn cli_password_env(text: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
    const NAMES: [&[u8]; 8] = [
        b"PGPASSWORD",
        b"MYSQL_PWD",
        b"REDISCLI_AUTH",
        b"SSHPASS",
        b"BORG_PASSPHRASE",
        b"RESTIC_PASSWORD",
        b"RCLONE_CONFIG_PASS",
        b"ANSIBLE_VAULT_PASSWORD",
    ];
    let t = Bounded { text, end };
    // `\b`: a word character on exactly one side (look-around sees the whole text).
    let word_before = start > 0 && text.get(start - 1).copied().is_some_and(is_word);
    let word_after = text.get(start).copied().is_some_and(is_word);
    if word_before == word_after {
        return None;
    }
    let name = NAMES
        .iter()
        .find(|name| start + name.len() <= end && text.get(start..start + name.len()) == Some(&name[..]))?;
    let mut i = start + name.len();
    if t.at(i) == Some(b'\\') {
        i += 1;
    }
    if t.is(i, is_quote) {
        i += 1;
    }
    i = t.skip(i, is_space);
    if !t.is(i, |b| b == b'=' || b == b':') {
        return None;
    }
    i = t.skip(i + 1, is_space);
    if t.at(i) == Some(b'\\') {
        i += 1;
    }
    if t.is(i, is_quote) {
        i += 1;
    }
    let excluded = |b: u8| is_space(b) || b"\"'<>;|&`\\".contains(&b);
    if !t.is(i, |b| !(excluded(b) || b == b'$')) {
        return None;
    }
    Some((i, t.skip(i + 1, |b| !excluded(b))))
}

/// The fuzz target's body: the hand matchers and their rules' regexes must agree on every
/// search in `input`: anchored at every start, and unanchored. Panics on a
/// disagreement; returns how many anchored searches matched, per rule (in the order of
/// `rules.rs`).
pub(crate) fn check_against_regexes(input: &[u8]) -> [usize; 5] {
    type Checked = (&'static crate::rule::RuleSpec, Matcher, crate::engine::RuleRegex);
    static CHECKED: std::sync::OnceLock<Vec<Checked>> = std::sync::OnceLock::new();
    let checked = CHECKED.get_or_init(|| {
        let with_matchers = crate::rules::RULES.iter().filter_map(|rule| Some((rule, matcher(rule.id)?)));
        with_matchers
            .map(|(rule, native)| match crate::engine::compile(rule.regex) {
                Ok(regex) => (rule, native, regex),
                Err(e) => panic!("{} does not compile: {e}", rule.id),
            })
            .collect()
    });
    let mut found = [0; 5];
    for ((rule, native, regex), found) in checked.iter().zip(&mut found) {
        let mut searcher = regex.searcher();
        let ends = [input.len(), input.len() / 2, input.iter().position(|&b| b == b'\n').unwrap_or(0)];
        for end in ends {
            for start in 0..=end {
                let expected = regex.secret_at(&mut searcher, input, start, end, rule.secret_group, true);
                let got = native(input, start, end);
                assert_eq!(
                    got,
                    expected,
                    "{}: hand matcher and regex disagree at {start}..{end} of {:?}",
                    rule.id,
                    String::from_utf8_lossy(input)
                );
                *found += usize::from(got.is_some());
            }
            // Unanchored: built from the anchored matcher checked above, so one start per end
            // checks the leftmost-first equivalence.
            let expected = regex.secret_at(&mut searcher, input, 0, end, rule.secret_group, false);
            assert_eq!(
                find(*native, input, 0, end),
                expected,
                "{}: unanchored search in 0..{end} of {:?}",
                rule.id,
                String::from_utf8_lossy(input)
            );
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RULES;

    /// A deterministic xorshift generator (no dependency, same cases on every run).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Pieces that exercise every branch of the three grammars, in every case and order.
    const PIECES: &[&str] = &[
        "password",
        "PASSWORD",
        "Pass",
        "passwd",
        "passphrase",
        "pwd",
        "token",
        "Token",
        "secret",
        "api_key",
        "apiKey",
        "API-KEY",
        "access_key",
        "credentials",
        "credential",
        "client_secret",
        "_authToken",
        "secret_key_base",
        "private_token",
        "bearer",
        "master_key",
        "db",
        "DB_",
        "my.",
        "x-",
        "export ",
        "EXPORT\t",
        "set ",
        "setenv ",
        "export",
        "=",
        "==",
        ":=",
        "=>",
        ":",
        ": ",
        " = ",
        " ",
        "  ",
        "\t",
        "\n",
        "\r",
        "\x0b",
        "\"",
        "'",
        "`",
        "\\",
        "\\\"",
        "$",
        "${",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "<",
        ">",
        ";",
        "|",
        "&",
        ",",
        "#",
        "*",
        "!",
        "-",
        "- ",
        "_",
        ".",
        "1",
        "42",
        "x",
        "ab",
        "hunter2",
        "s3cr3tValue",
        "Zm9vYmFyYmF6",
        "new String(",
        "NEW  string(",
        "b",
        "R",
        "f",
        "é",
        "\u{1F511}",
        "\x00",
        "\u{80}",
    ];

    /// One option of every slot, in order.
    fn fill(rng: &mut Rng, slots: &[&[&str]]) -> Vec<u8> {
        let mut text = String::new();
        for options in slots {
            text.push_str(options[rng.below(options.len())]);
        }
        text.into_bytes()
    }

    /// Text shaped like the grammars (delimiter, prefix, name, keyword, digits, quote,
    /// operator, value, closing), every slot sometimes filled with a near miss.
    fn assignment_like_text(rng: &mut Rng) -> Vec<u8> {
        const SLOTS: &[&[&str]] = &[
            &["", "\n", " ", "  - ", "-", "\t", "x", "$", ".", "{", "(", "\"", "\u{e9}"],
            &["", "", "export ", "set ", "SETENV  ", "exports ", "export"],
            &["", "", "DB_", "my.", "x-", "app", "Db_Main-", "9_", "--"],
            &[
                "password",
                "PASSWD",
                "pass",
                "token",
                "Api_Key",
                "apikey",
                "secret_key_base",
                "_authtoken",
                "credentials",
                "client_secret",
                "bearer",
                "tokens",
                "pwdx",
                "passes",
            ],
            &["", "", "2", "12", "a"],
            &["", "", "\\", "\"", "'", "\\\"", "`"],
            &["=", "=", ":=", "=>", ":", " : ", " = ", "\t:\t", "==", ": ", "=\n", ""],
            &["", "", " ", "b", "f", "new String(", "NEW\tstring(", "r "],
            &["", "\"", "'", "`", "\\\"", "$", "("],
            &[
                "hunter2!",
                "s3cr3tValue9",
                "ab",
                "abc",
                "abcd",
                "abcde",
                "abc12f",
                "${VAR}",
                "x$y",
                "a b",
                "Zm9vYmFyYmF6",
                "\u{1F511}key",
                "ok<no>",
            ],
            &["", "\"", "'", "`", "\\\"", " ", "  \n", ";", " # c", "\n-", ")"],
        ];
        fill(rng, SLOTS)
    }

    /// `key: value` lines as YAML has them, with near misses.
    fn yaml_like_text(rng: &mut Rng) -> Vec<u8> {
        const SLOTS: &[&[&str]] = &[
            &["", "", "x: 1\n", "a\n"],
            &["", "  ", "- ", "  - ", "\t-", "--", " x "],
            &["", "", "db_", "app.", "main-"],
            &["password", "Token", "api-key", "apikey", "secret", "credentials", "PASSWD", "tokens"],
            &["", "", "1", "\"", "'"],
            &[":", ":", " :", ":\t", "", "="],
            &[" ", "  ", "\t", ""],
            &["hunter2", "s3cr3t!", "ab", "abc", "#nope", "*ref", "!tag", "{x}", "$VAR", "v a", "x<y"],
            &["", "", " ", " \t", "\n", "\nnext: 1", " # c", "\r\n"],
        ];
        fill(rng, SLOTS)
    }

    /// Connection strings and command-line password variables, with near misses.
    fn password_variable_text(rng: &mut Rng) -> Vec<u8> {
        const SLOTS: &[&[&str]] = &[
            &["", "Server=db;", "export ", "env ", "x", "\n", "Data Source=a; "],
            &["", "", " ", ";", "\"", "'", "\t", "_", "-", "."],
            &[
                "Password",
                "Password",
                "pwd",
                "PWD",
                "password",
                "pwd",
                "PGPASSWORD",
                "MYSQL_PWD",
                "SSHPASS",
                "REDISCLI_AUTH",
                "BORG_PASSPHRASE",
                "RESTIC_PASSWORD",
                "RCLONE_CONFIG_PASS",
                "ANSIBLE_VAULT_PASSWORD",
                "PgPassword",
                "XPGPASSWORD",
                "PGPASSWORDX",
            ],
            &["", "", "\\", "\"", "'", "\\'"],
            &["=", "=", ":", " = ", "\t=", "==", ""],
            &["", "", " ", "\\", "\"", "'", "\\\""],
            &["hunter2", "ab", "abc", "s3cr3t!x", "$VAR", "x$y", "", "`id`", "p@ss", "\u{e9}t\u{e9}"],
            &[";", ";", "", ";", " ;", "\t;\n", "\"", "'", " x;", "|", "&", ";Encrypt=True;"],
        ];
        fill(rng, SLOTS)
    }

    fn random_text(rng: &mut Rng) -> Vec<u8> {
        let pieces = 1 + rng.below(14);
        let mut text = Vec::new();
        for _ in 0..pieces {
            text.extend_from_slice(PIECES[rng.below(PIECES.len())].as_bytes());
        }
        text
    }

    #[test]
    fn the_hot_rules_have_hand_matchers_and_nothing_else_does() {
        let with_matcher: Vec<_> = RULES.iter().filter(|r| matcher(r.id).is_some()).map(|r| r.id).collect();
        assert_eq!(
            with_matcher,
            [
                "connection-string-password",
                "cli-password-env",
                "secret-assignment",
                "secret-literal",
                "secret-yaml-value"
            ]
        );
    }

    #[test]
    fn hand_matchers_agree_with_their_regexes_on_generated_text() {
        let mut rng = Rng(0x5eed_cafe_f00d_beef);
        let mut matched = [0; 5];
        for _ in 0..5_000 {
            let texts = [
                random_text(&mut rng),
                assignment_like_text(&mut rng),
                yaml_like_text(&mut rng),
                password_variable_text(&mut rng),
            ];
            for text in texts {
                for (total, n) in matched.iter_mut().zip(check_against_regexes(&text)) {
                    *total += n;
                }
            }
        }
        // The generators must reach the matching side of every grammar, not only the failing one.
        assert!(matched.iter().all(|&n| n > 50), "too few generated searches matched: {matched:?}");
    }

    #[test]
    fn hand_matchers_agree_with_their_regexes_on_every_rule_sample() {
        let mut matched = 0;
        for rule in RULES {
            for sample in rule.positives.iter().chain(rule.negatives) {
                matched +=
                    check_against_regexes(sample.replace(['⟦', '⟧'], "").as_bytes()).iter().sum::<usize>();
            }
        }
        assert!(matched > 20, "only {matched} sample searches matched");
    }

    #[test]
    fn hand_matchers_find_the_documented_shapes() {
        let find = |id: &str, text: &str, start: usize| {
            let m = matcher(id).and_then(|m| m(text.as_bytes(), start, text.len()));
            m.map(|(s, e)| text[s..e].to_owned())
        };
        assert_eq!(find("secret-assignment", "export DB_PASSWORD=hunter2!", 6).as_deref(), Some("hunter2!"));
        assert_eq!(find("secret-assignment", "api_key := 'TtZpoIL2J0'", 0).as_deref(), Some("TtZpoIL2J0"));
        assert_eq!(find("secret-assignment", "DB_PASSWORD=${DB_PASSWORD}", 0), None);
        assert_eq!(find("secret-assignment", "MAX_TOKENS=4096", 0), None);
        assert_eq!(find("secret-literal", r#"password = "s3cr3tValue""#, 0).as_deref(), Some("s3cr3tValue"));
        assert_eq!(
            find("secret-literal", r#"String apiKey = new String("Zm9vYmFyYmF6");"#, 6).as_deref(),
            Some("Zm9vYmFyYmF6")
        );
        assert_eq!(find("secret-literal", r#"token = "short""#, 0), None);
        assert_eq!(find("secret-yaml-value", "  - password: hunter2  \nnext", 0).as_deref(), Some("hunter2"));
        assert_eq!(find("secret-yaml-value", "password: hunter2 # comment", 0), None);
    }
    /// `jwt` decides what the `jwt` rule's regex decides on texts short enough for one window
    /// (the regex documents the shape; the hand matcher has no length bound), and finds the
    /// same secret.
    #[test]
    fn jwt_matcher_agrees_with_the_jwt_regex() {
        // Slots of a JWT, each sometimes filled with a near miss (short part, no `eyJ`, a
        // boundary that is or is not a token start).
        const SLOTS: &[&[&str]] = &[
            &["", " ", "x", "_", "-", "%3D", "%3", "\\u0022", "\\x22", "\\n", "\"", "é", "Ab9"],
            &["eyJhbGciOiJIUzI1NiJ9", "eyJhbGci", "eyJ", "EyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJ"],
            &[".", "", "..", "=", "eyJ."],
            &["eyJzdWIiOiIxMjM0NTY3ODkwIn0", "eyJzdWIi", "eyjzdWIiOiIxMjM0NTY3ODkwIn0", "eyJzdWIiOiIx"],
            &[".", "", "%2E", ".."],
            &[
                "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV",
                "SflKxwRJSMeKKF2",
                "SflKxwRJSMeKKF2Q",
                "",
                "eyJhbGciOiJIUzI1NiJ9",
            ],
            &[
                "",
                " ",
                ".",
                "=",
                "_x",
                "-",
                "é",
                "\"",
                ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV",
            ],
        ];
        let index = RULES.iter().position(|r| r.id == "jwt").expect("jwt rule");
        let Some(regex) = crate::engine::compile(RULES[index].regex).ok() else { panic!("jwt regex") };
        let mut searcher = regex.searcher();
        let mut rng = Rng(0x5EED_1A2B_3C4D_5E6F);
        let mut matched = 0;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..=rng.below(2) {
                text.extend(fill(&mut rng, SLOTS));
            }
            let expected = regex.secret_at(&mut searcher, &text, 0, text.len(), 1, false);
            let (got, _) = jwt(&text, 0, text.len());
            assert_eq!(got, expected, "{:?}", String::from_utf8_lossy(&text));
            matched += usize::from(got.is_some());
        }
        assert!(matched > 100, "only {matched} generated texts held a JWT");
    }

    /// Many `eyJ` with no second part, and headers whose payload never ends: a failed attempt
    /// is not retried inside a run it read, so 600 KB take milliseconds (a search per `eyJ`
    /// reading to the run's end would take minutes).
    #[test]
    fn jwt_matcher_is_linear_on_hostile_runs() {
        let texts =
            ["eyJ".repeat(200_000), "eyJaaaaaaaaaa.".repeat(50_000), "eyJaaaaaaaaaa.eyJ".repeat(40_000)];
        let started = std::time::Instant::now();
        for text in texts {
            let mut at = 0;
            while at < text.len() {
                let (found, resume) = jwt(text.as_bytes(), at, text.len());
                at = found.map_or(resume, |(_, end)| end).max(at + 1);
            }
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }
}
