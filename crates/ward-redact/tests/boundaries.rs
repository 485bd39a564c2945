//! Where a secret starts and ends (attack report 25): long tokens are redacted whole however
//! long they are, prefixed tokens are found inside percent-encoding and escapes, URL
//! credentials are found in any surroundings, and a long run of one letter does not spend the
//! work meter. Each class has its near misses that must stay untouched. All tokens are fake.

use ward_redact::{FingerprintKey, Redactor};

fn redactor() -> Redactor {
    Redactor::new(FingerprintKey::from_bytes(b"boundaries test key"))
}

/// `n` deterministic pseudo-random bytes of `alphabet` (no run of three equal bytes, which
/// placeholder checks would notice).
fn random(seed: u64, n: usize, alphabet: &[u8]) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut out: Vec<u8> = Vec::with_capacity(n);
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = alphabet[(x % alphabet.len() as u64) as usize];
        if out.len() >= 2 && out[out.len() - 1] == b && out[out.len() - 2] == b {
            continue;
        }
        out.push(b);
    }
    String::from_utf8(out).unwrap_or_default()
}

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWYZabcdefghijkmnopqrstuvwyz23456789";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWYZabcdefghijkmnopqrstuvwyz23456789+/";

/// A fake JWT of about `len` bytes: a real header, a payload, a 342-byte (RS256) signature.
fn jwt(seed: u64, len: usize) -> String {
    let header = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ";
    let signature = random(seed + 1, 342, B64URL);
    let payload_len = len.saturating_sub(header.len() + signature.len() + 2).max(20);
    format!("{header}.eyJ{}.{signature}", random(seed, payload_len - 3, B64URL))
}

/// Asserts that `secret` is gone from the redaction of `input`, no 8-byte piece of it left,
/// and that `keep` is still there.
fn assert_gone(input: &str, secret: &str, keep: &[&str]) {
    let out = redactor().redact_text(input).output;
    assert!(out.contains("[REDACTED:"), "nothing redacted in {input:.120}");
    let bytes = secret.as_bytes();
    for piece in bytes.chunks(8).filter(|c| c.len() == 8) {
        let piece = std::str::from_utf8(piece).unwrap_or_default();
        assert!(!out.contains(piece), "{piece:?} of the secret survived in {out:.200}");
    }
    for k in keep {
        assert!(out.contains(k), "{k:?} was lost: {out:.200}");
    }
}

fn assert_untouched(input: &str) {
    let r = redactor().redact_text(input);
    assert_eq!(r.output, input, "altered ({:?})", r.findings.iter().map(|f| f.rule).collect::<Vec<_>>());
}

#[test]
fn long_jwts_are_redacted_whole_in_every_context() {
    for (seed, len) in [(1, 645), (2, 981), (3, 1281), (4, 2122), (5, 5000)] {
        let token = jwt(seed, len);
        assert_gone(&token, &token, &[]);
        assert_gone(&format!("$ az account get-access-token -o tsv\n{token}\ndone"), &token, &["done"]);
        assert_gone(
            &format!("curl -H \"Authorization: Bearer {token}\" https://graph.microsoft.com/v1.0/me"),
            &token,
            &["https://graph.microsoft.com/v1.0/me"],
        );
        assert_gone(
            &format!("{{\"accessToken\": \"{token}\", \"tokenType\": \"Bearer\"}}"),
            &token,
            &["tokenType"],
        );
        assert_gone(&format!("export GRAPH_TOKEN={token}\necho ok"), &token, &["echo ok"]);
        assert_gone(&format!("users:\n- name: sa\n  user:\n    token: {token}\n"), &token, &[]);
        let json = format!("{{\"accessToken\": \"{token}\", \"tokenType\": \"Bearer\"}}");
        let out = redactor().redact_json_str(&json).map(|r| r.output).unwrap_or_default();
        assert!(!out.contains(&token[token.len() - 40..]), "JSON mode kept the signature");
    }
}

#[test]
fn long_generic_values_are_redacted_to_their_end() {
    let value = random(7, 1200, ALNUM);
    for input in [
        format!("SECRET_TOKEN={value}\nnext line"),
        format!("{{\"refresh_token\": \"{value}\", \"next\": \"line\"}}"),
        format!("Authorization: Bearer {value}\nnext line"),
        format!("password: {value}\nnext: line"),
        format!("Cookie: session={value}; theme=dark\nnext line"),
        format!("curl -H 'X-API-Key: {value}' https://api.corp/next"),
    ] {
        assert_gone(&input, &value, &["next"]);
    }
    let basic = random(8, 800, B64);
    assert_gone(&format!("Authorization: Basic {basic}==\nnext"), &basic, &["next"]);
}

#[test]
fn long_near_misses_stay_untouched() {
    // Long base64 with no keyword, a JWT header alone, two parts only, a long path.
    assert_untouched(&format!("data: {}\n", random(9, 3000, B64)));
    assert_untouched("eyJhbGciOiJIUzI1NiJ9 is only a header");
    assert_untouched(&format!("eyJhbGciOiJIUzI1NiJ9.eyJ{} has two parts", random(10, 900, B64URL)));
    assert_untouched(&format!("see /usr/share/{}/token/readme.txt", "docs/".repeat(100)));
    assert_untouched(
        "integrity sha512-Q2bvN6Vv3y8h0dBZq4Fq2xkT8bLXtFjv0k1yq8sW2nA4m9J3eQ7Yk0xQ3b1cZ5hH4dQ==",
    );
}

#[test]
fn tokens_in_percent_encoding_and_escapes_are_found() {
    let ghp = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d";
    let ant = format!("sk-ant-api03-{}AA", random(11, 93, B64URL));
    let aiza = "AIzaUsdMlHUvTCQCyEZDz-TddJ8HyS5SUkCnD8z";
    let stripe = "sk_live_F1Llqsaj4IxNKu8iS2G8NPRVdD53X8";
    let token = jwt(12, 700);
    for (input, secret) in [
        (format!("https://x.corp/cb?state=1&token%3D{ghp}%26x=1"), ghp.to_string()),
        (format!("payload=%7B%22token%22%3A%22{ghp}%22%7D"), ghp.to_string()),
        (format!("q=key%20{ant}"), ant.clone()),
        (format!("url=https%3A%2F%2Fx.googleapis.com%2Fv1%3Fkey%3D{aiza}"), aiza.to_string()),
        (format!("id_token%3D{token}&x=1"), token.clone()),
        (format!("Authorization: Bearer%20{token}"), token.clone()),
        (format!("auth=%3A{stripe}"), stripe.to_string()),
        (format!("{{\"msg\":\"{{\\u0022token\\u0022:\\u0022{stripe}\\u0022}}\"}}"), stripe.to_string()),
        (format!("b\"\\x22{ghp}\\x22\""), ghp.to_string()),
        (format!("token={ghp}-old"), ghp.to_string()),
        (format!("/tmp/{ghp}_backup.txt"), ghp.to_string()),
        (format!("x {ghp}=="), ghp.to_string()),
    ] {
        assert_gone(&input, &secret, &[]);
    }
}

#[test]
fn encoded_near_misses_stay_untouched() {
    // A prefix glued to letters (not an escape), a body too short for its format, hashes, ids.
    assert_untouched("xghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d");
    assert_untouched("zDghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d");
    assert_untouched("token%3Dghp_u8jzPde0IgxLd6GncfBAepfJ%26x=1");
    assert_untouched("commit%20daeeb975729fae923d5a4fd12aabfe228f219e9c%0A");
    assert_untouched("id%3D8f7a6b5c-4d3e-4f1a-9b8c-7d6e5f4a3b2c&page=2");
    assert_untouched("https://example.org/search?q=hello%20world&lang=en");
    assert_untouched("path=%2Fhome%2Fu%2Fproject%2Fsrc%2Fmain.rs");
}

#[test]
fn url_credentials_are_found_in_any_surroundings() {
    let pw = "Zq8rT2mW9xQ4vL";
    for input in [
        format!("see [admin](https://admin:{pw}@internal.corp) now"),
        format!("<https://admin:{pw}@internal.corp>"),
        format!("prod,https://admin:{pw}@internal.corp,active"),
        format!("urls=https://admin:{pw}@internal.corp;https://x"),
        format!("a=https://admin:{pw}@host.corp|x"),
        format!("wow https://admin:{pw}@host.corp!"),
        format!("run `git clone https://admin:{pw}@git.corp`"),
        format!("REDIS_URL=redis://:{pw}@cache.internal:6379/0"),
        format!("https://:{pw}@proxy.corp:3128"),
    ] {
        assert_gone(&input, pw, &["@"]);
    }
    let token = "4Qwb8DwkNhFdnXsiVpzz63FfkCzJr4i0";
    assert_gone(
        &format!("git clone https://{token}:x-oauth-basic@github.com/o/r.git"),
        token,
        &[":x-oauth-basic@github.com/o/r.git"],
    );
    let hex = "daeeb975729fae923d5a4fd12aabfe228f219e9c";
    assert_gone(&format!("git clone https://{hex}@github.com/o/r.git"), hex, &["@github.com/o/r.git"]);
}

#[test]
fn urls_without_credentials_stay_untouched() {
    assert_untouched("see [docs](https://example.org/a/b) and <https://internal.corp:8443/path>");
    assert_untouched("git clone https://git@github.com/o/r.git");
    assert_untouched("https://github.com/o/r/commit/daeeb975729fae923d5a4fd12aabfe228f219e9c");
    assert_untouched("prod,https://internal.corp:8443/x,active");
    assert_untouched("npm config set registry https://registry.corp:443/@scope/pkg");
    assert_untouched("mailto:bob@example.org, https://x.org/@user");
}

#[test]
fn a_run_of_one_letter_does_not_spend_the_meter() {
    let tail = "\nThe build succeeded. 42 tests passed.\n";
    for run in ["A".repeat(20_000), "a".repeat(20_000), "Aa".repeat(10_000)] {
        assert_untouched(&format!("{run}{tail}"));
    }
    let json =
        format!(r#"{{"cmd": "echo {}", "cwd": "/home/u/project", "note": "keep me"}}"#, "a".repeat(20_000));
    let out = redactor().redact_json_str(&json).map(|r| r.output).unwrap_or_default();
    assert_eq!(out, json);
    // Base64 of zero-filled data (a data URI, a binary blob) with a secret after it.
    let blob = format!("data:application/octet-stream;base64,{}AAEC\n", "AAAA".repeat(5_000));
    assert_untouched(&blob);
    let r = redactor().redact_text(&format!("{blob}GITHUB_TOKEN=ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d\n"));
    assert!(r.findings.iter().all(|f| f.rule != "dense-input"), "cut: {:?}", r.findings);
    assert!(!r.output.contains("ghp_u8jz"));
}
