//! Invariants of the generic assignment grammar and of redaction as a whole, checked on
//! arbitrary input: the body of the `redact_grammar` fuzz target and of the seeded-mutation
//! test below (which runs in `cargo test`).
//!
//! Checked for every input:
//! - nothing panics;
//! - every candidate the grammar parses lies inside the input, after its name, and is at most
//!   [`grammar::MAX_VALUE`] bytes;
//! - the output is never longer than the input plus one marker per finding (a finding
//!   replaces at least one byte by `[REDACTED:<rule>:<fingerprint>]`);
//! - redacting the output again changes nothing (markers are not secrets, and nothing a first
//!   pass left is found by a second); for input cut as too dense, a second pass may only shorten
//!   the output.

use crate::{grammar, FingerprintKey, Redactor};

/// The longest marker: `[REDACTED:` + the longest rule id + `:` + the fingerprint + `]`.
pub(crate) fn max_marker_len() -> usize {
    let longest_id = crate::rules::RULES
        .iter()
        .map(|r| r.id.len())
        .chain([crate::engine::DENSE_INPUT_ID.len()])
        .max()
        .unwrap_or(0);
    "[REDACTED:".len() + longest_id + 1 + crate::key::FINGERPRINT_HEX_LEN + 1
}

/// The keywords the grammar rule is triggered by.
fn grammar_keywords() -> &'static [&'static str] {
    crate::rules::RULES.iter().find(|r| r.window == crate::rule::Window::Grammar).map_or(&[], |r| r.keywords)
}

/// Runs the grammar on every keyword occurrence of `input` and redaction on the whole, and
/// panics if an invariant (see the module docs) is broken.
pub fn check(input: &[u8]) {
    let lower = input.to_ascii_lowercase();
    for keyword in grammar_keywords() {
        let keyword = keyword.as_bytes();
        if keyword.is_empty() || keyword.len() > lower.len() {
            continue;
        }
        for hit in (0..=lower.len() - keyword.len()).filter(|&i| lower[i..].starts_with(keyword)) {
            let Some((start, end)) = grammar::name_around_in_for_fuzz(input, hit, hit + keyword.len()) else {
                continue;
            };
            assert!(
                start <= hit && hit + keyword.len() <= end && end <= input.len(),
                "name outside the input"
            );
            if let Some(candidate) = grammar::parse(input, start, end) {
                assert!(candidate.start <= candidate.end, "inverted candidate");
                assert!(candidate.end <= input.len(), "candidate past the end");
                assert!(candidate.start >= end || candidate.end <= start, "value overlaps its name");
                assert!(candidate.end - candidate.start <= grammar::MAX_VALUE, "value longer than MAX_VALUE");
                let _ = grammar::judge(input, &candidate);
            }
        }
    }
    let redactor = Redactor::new(FingerprintKey::from_bytes(b"fuzz"));
    let text = String::from_utf8_lossy(input);
    let first = redactor.redact_text(&text);
    assert!(
        first.output.len() <= text.len() + first.findings.len() * max_marker_len(),
        "output longer than input plus one marker per finding"
    );
    let second = redactor.redact_text(&first.output);
    // Input cut as too dense (see `meter`) may be cut earlier on a second pass (the markers
    // before the cut are judged too): more is redacted, never less.
    if first.findings.iter().any(|f| f.rule == crate::engine::DENSE_INPUT_ID) {
        assert!(second.output.len() <= first.output.len(), "a second pass over a cut text grew it");
        return;
    }
    assert!(
        second.output == first.output,
        "redacting twice is not stable:\n  once:  {:?}\n  twice: {:?}",
        first.output,
        second.output
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic xorshift stream.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// A fresh random-looking secret (letters, digits and a symbol).
    fn secret(rng: &mut Rng) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        let mut s: String = (0..14).map(|_| ALPHABET[rng.below(ALPHABET.len())] as char).collect();
        // Not first: a leading `%`, `#` or `!` reads as a reference or a YAML tag, which the
        // value model leaves alone on purpose.
        s.insert(1 + rng.below(13), ['!', '#', '%', '+', '9'][rng.below(5)]);
        // `%s` is a printf placeholder to the value model, on purpose.
        s.replace("%s", "%t")
    }

    /// The grammar forms the detector documents, with `{}` where the secret goes.
    const FORMS: &[&str] = &[
        "export DB_PASSWORD={}",
        "DB_PASSWORD=\"{}\"",
        "SECRET-KEY: {}",
        "API_TOKEN ?= {}",
        "DB_PASSWORD ::= {}",
        "$password .= '{}';",
        "'password' => '{}',",
        "props.setProperty(\"password\", \"{}\");",
        "new NetworkCredential(\"svc\", \"{}\")",
        "private static final String apiKey = \"{}\";",
        "const token: string = \"{}\";",
        "var apiToken string = \"{}\"",
        "<password>{}</password>",
        "<add key=\"ApiKey\" value=\"{}\" />",
        "r = requests.get(u, auth=(\"admin\", \"{}\"))",
        "public string ClientSecret { get; set; } = \"{}\";",
        "client_secret: {}",
        "{\"password\": \"{}\"}",
        "[database]\npassword = \"{}\"\n",
        "LICENSE_KEY={}",
    ];

    /// Where a planted form is put: raw, inside a command line, JSON-escaped in a string.
    fn wrap(form: &str, how: usize) -> String {
        match how {
            0 => form.to_string(),
            1 => format!("echo start && {form} && echo done"),
            _ => serde_json::json!({"tool_input": {"command": form}}).to_string(),
        }
    }

    /// Mutations that keep the planted secret intact but move it, break the grammar around it,
    /// or glue forms together.
    fn mutate(rng: &mut Rng, input: &mut Vec<u8>, protected: std::ops::Range<usize>) {
        const INSERTS: &[&[u8]] = &[
            b"=",
            b":",
            b"\"",
            b"'",
            b"\\",
            b"\\\"",
            b"\n",
            b" ",
            b"password",
            b"token=",
            b"${",
            b"(",
            b")",
            b"<",
            b">",
            b"[REDACTED:x:1]",
            b"\xff",
            b"\xe2\x80\xa6",
        ];
        let at = rng.below(input.len() + 1);
        if protected.contains(&at) {
            return;
        }
        match rng.below(4) {
            0 => {
                let insert = INSERTS[rng.below(INSERTS.len())];
                input.splice(at..at, insert.iter().copied());
            }
            1 if at < input.len() && !protected.contains(&at) => {
                input.remove(at);
            }
            2 if at < input.len() => input[at] = rng.next() as u8,
            _ => {
                let copy = input[..input.len().min(48)].to_vec();
                input.extend_from_slice(&copy);
            }
        }
    }

    #[test]
    fn planted_secrets_never_survive_and_invariants_hold_under_mutation() {
        let redactor = Redactor::new(FingerprintKey::from_bytes(b"fuzz"));
        let mut rng = Rng(0x5EED_2026_1203);
        for round in 0..1500 {
            let secret = secret(&mut rng);
            let form = FORMS[round % FORMS.len()].replacen("{}", &secret, 1);
            let planted = wrap(&form, round % 3);
            // The planted form, unmutated: the secret is redacted.
            let out = redactor.redact_text(&planted);
            assert!(
                !out.output.contains(&secret),
                "planted secret survived in {planted:?}: {:?}",
                out.output
            );
            if round % 3 == 2 {
                let json = redactor.redact_json_str(&planted).expect("planted JSON is JSON");
                assert!(!json.output.contains(&secret), "planted secret survived JSON mode: {planted:?}");
            }
            check(planted.as_bytes());
            // Mutated around the secret: the invariants hold whatever the grammar makes of it.
            let mut input = planted.clone().into_bytes();
            let at = planted.find(&secret).unwrap_or(0);
            for _ in 0..1 + rng.below(6) {
                let protected = at..at + secret.len();
                mutate(&mut rng, &mut input, protected);
            }
            check(&input);
        }
    }

    #[test]
    fn hostile_shapes_keep_the_invariants() {
        for unit in
            ["password=", "'password' => '", "<password>", "token: string = \"", "setProperty(\"password\", "]
        {
            check(unit.repeat(2000).as_bytes());
        }
        check(format!("password=\"{}", "a".repeat(10_000)).as_bytes());
        check(b"");
        check(b"password");
        check(b"\xffpassword=\xfe\xfd\xfc\xfb\xfa\xf9");
    }
}
