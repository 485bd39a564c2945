//! The work meter from outside: input denser in candidate secrets than a scan may judge is cut,
//! and everything after the cut is redacted whole (`dense-input`), in text and in JSON; input
//! of ordinary density, including Ward's own documentation and sources, is never cut.

use ward_redact::{FingerprintKey, Redactor, DENSE_INPUT_FINGERPRINT};

const DENSE_MARKER: &str = "[REDACTED:dense-input:000000000000]";

fn redactor() -> Redactor {
    Redactor::new(FingerprintKey::from_bytes(b"dense test key"))
}

/// A distinct random-looking secret per index (mixed classes; no `X`, which runs into
/// placeholder `XXX`).
fn secret(i: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWYZabcdefghijkmnopqrstuvwyz23456789";
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    (0..16)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % ALPHABET.len() as u64) as usize] as char
        })
        .collect::<String>()
        + "9"
}

/// The secrets the engine finds when each stands alone: a secret must not survive a dense
/// document that it would not survive alone.
fn found_alone(secrets: &[String]) -> Vec<&String> {
    let redactor = redactor();
    let found: Vec<&String> = secrets
        .iter()
        .filter(|s| !redactor.redact_text(&format!("password={s}")).findings.is_empty())
        .collect();
    assert!(found.len() * 10 >= secrets.len() * 9, "the generator makes secrets the engine finds alone");
    found
}

#[test]
fn dense_text_is_cut_and_nothing_after_the_cut_survives() {
    let secrets: Vec<String> = (0..6_000).map(secret).collect();
    let text: String = secrets.iter().map(|s| format!("api_key={s} ")).collect();
    let out = redactor().redact_text(&text);
    let dense: Vec<_> = out.findings.iter().filter(|f| f.rule == "dense-input").collect();
    assert_eq!(dense.len(), 1, "one cut per document");
    assert_eq!(dense[0].fingerprint, DENSE_INPUT_FINGERPRINT);
    assert_eq!(dense[0].end, text.len(), "the cut runs to the end of the text");
    assert!(out.output.ends_with(DENSE_MARKER));
    let judged = out.findings.iter().filter(|f| f.rule != "dense-input").count();
    assert!(judged > 500, "the text before the cut is judged secret by secret ({judged})");
    for s in found_alone(&secrets) {
        assert!(!out.output.contains(s.as_str()), "secret {s} survived");
    }
    // Findings before the cut keep their fingerprints (the same secret, the same fingerprint).
    let first = out.findings.first().expect("findings");
    assert_eq!(first.fingerprint, redactor().fingerprint(secrets[0].as_bytes()));
}

#[test]
fn a_key_block_after_the_cut_is_redacted_with_the_rest() {
    let mut text: String = (0..6_000).map(|i| format!("token={} ", secret(i))).collect();
    let body = "MIIEowIBAAKCAQEAq3Kf8bJx1mT9vQ2Lp7Wn4Rz6Yc5Hd8Ge3Fa0Sb2Xt1Uk9Vj\n";
    text.push_str("\n-----BEGIN RSA PRIVATE KEY-----\n");
    text.push_str(&body.repeat(20));
    text.push_str("-----END RSA PRIVATE KEY-----\n");
    let out = redactor().redact_text(&text);
    assert!(out.findings.iter().any(|f| f.rule == "dense-input"));
    assert!(!out.output.contains("MIIEowIBAAKCAQEA"), "a multi-line secret after the cut leaked");
}

#[test]
fn dense_json_stays_valid_and_every_string_after_the_cut_is_redacted() {
    let secrets: Vec<String> = (0..8_000).map(secret).collect();
    let members: Vec<String> =
        secrets.iter().enumerate().map(|(i, s)| format!("\"password{i}\":\"{s}\"")).collect();
    // `zz_note` sorts last, as serde_json's map (a BTreeMap) walks members in key order.
    let json = format!("{{{},\"zz_note\":\"plain words\"}}", members.join(","));
    let out = redactor().redact_json_str(&json).expect("valid JSON");
    let parsed: serde_json::Value = serde_json::from_str(&out.output).expect("the output is valid JSON");
    assert_eq!(out.findings.iter().filter(|f| f.rule == "dense-input").count(), 1);
    let found = found_alone(&secrets);
    for s in &found {
        assert!(!out.output.contains(s.as_str()), "secret {s} survived");
    }
    assert_eq!(parsed["zz_note"], DENSE_MARKER, "after the cut a string is redacted whole, unjudged");

    // The hook's path (a parsed payload, redacted in place) cuts the same way.
    let mut value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let findings = redactor().redact_json_value(&mut value);
    assert_eq!(findings.iter().filter(|f| f.rule == "dense-input").count(), 1);
    let text = value.to_string();
    for s in &found {
        assert!(!text.contains(s.as_str()), "secret {s} survived in redact_json_value");
    }
    assert_eq!(value["zz_note"], DENSE_MARKER);
}

#[test]
fn a_hook_sized_env_file_is_judged_secret_by_secret() {
    // ~150 secrets in 4 KiB: as dense as real input gets, and far inside the base allowance.
    let text: String = (0..150).map(|i| format!("SERVICE_{i}_TOKEN={}\n", secret(i))).collect();
    let out = redactor().redact_text(&text);
    assert!(!out.findings.iter().any(|f| f.rule == "dense-input"));
    assert_eq!(out.findings.len(), 150);
}

#[test]
fn arrays_of_short_strings_are_scanned_once_each_and_left_alone() {
    // Each element used to be scanned again with up to 256 bytes of the elements before it.
    let json = format!("[{}]", vec!["\"a\""; 200_000].join(","));
    let out = redactor().redact_json_str(&json).expect("valid JSON");
    assert!(out.findings.is_empty());
    assert_eq!(out.output, json);
    // Context still reaches a value when it holds a keyword.
    let argv = r#"["mysql","-u","root","--password","s3cr3tPassw0rd!x"]"#;
    let out = redactor().redact_json_str(argv).expect("valid JSON");
    assert!(!out.output.contains("s3cr3tPassw0rd!x"), "{}", out.output);
}

#[test]
fn wards_own_docs_and_sources_are_never_cut() {
    // Real text about secrets, as keyword-dense as real text gets (rules.rs is left out: it is a
    // table of secret samples, which is what the meter is for).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    let mut dirs = vec![root.join("docs"), root.join("crates")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() && !path.ends_with("target") && !path.ends_with("tests") {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "md") && !path.ends_with("rules.rs")
            {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 50, "found only {} files under {}", files.len(), root.display());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let out = redactor().redact_text(&text);
        assert!(
            !out.findings.iter().any(|f| f.rule == "dense-input"),
            "{} was cut as too dense",
            path.display()
        );
    }
}

/// Rules whose keyword comes after the secret (`echo PW | docker login --password-stdin`): an
/// argv element is scanned with the elements before it, never those after, so split into argv
/// they are not found. A known limit (docs/redaction.md); such pipelines are one shell string
/// in every agent's payload, where they are found.
const TRIGGER_AFTER_THE_SECRET: &[&str] = &["password-piped-to-login"];

#[test]
fn rule_samples_split_into_argv_elements_are_still_found() {
    // Every sample found as one text, split at its spaces into a JSON array (how Codex and MCP
    // servers pass argv): the keyword may sit in an earlier element, end with the space that
    // became the joint (`http ` + `-a`), or span elements (`vault` `login`).
    let redactor = redactor();
    let (mut tried, mut missed) = (0, Vec::new());
    for (id, _, positives) in ward_redact::rule_samples() {
        for sample in positives {
            let (Some(open), Some(close)) = (sample.find('⟦'), sample.find('⟧')) else { continue };
            let secret = &sample[open + '⟦'.len_utf8()..close];
            let text = sample.replace(['⟦', '⟧'], "");
            if !text.contains(' ') || text.contains('\n') || secret.contains(' ') || secret.len() < 8 {
                continue;
            }
            if redactor.redact_text(&text).output.contains(secret) {
                continue;
            }
            tried += 1;
            let parts: Vec<&str> = text.split(' ').collect();
            let json = serde_json::to_string(&parts).expect("serializable");
            let out = redactor.redact_json_str(&json).expect("valid JSON");
            let mut value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
            redactor.redact_json_value(&mut value);
            if (out.output.contains(secret) || value.to_string().contains(secret))
                && !TRIGGER_AFTER_THE_SECRET.contains(&id)
            {
                missed.push(format!("{id}: {json}"));
            }
        }
    }
    assert!(tried > 100, "only {tried} samples with spaces");
    assert!(missed.is_empty(), "secrets kept once split into argv:\n{}", missed.join("\n"));
}
