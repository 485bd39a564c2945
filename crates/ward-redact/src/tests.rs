//! Unit tests of the public API: JSON mapping, contexts, formats, and every rule's samples.

use super::*;

fn redactor() -> Redactor {
    Redactor::new(FingerprintKey::from_bytes(b"unit-test key"))
}

/// Splits a sample into text and the expected secret span (between `⟦` and `⟧`).
fn marked(sample: &str) -> (String, Option<(usize, usize)>) {
    match (sample.find('⟦'), sample.find('⟧')) {
        (Some(open), Some(close)) if open < close => {
            let secret_start = open;
            let secret_end = close - '⟦'.len_utf8();
            (sample.replace(['⟦', '⟧'], ""), Some((secret_start, secret_end)))
        }
        _ => (sample.to_string(), None),
    }
}

#[test]
fn every_rule_has_samples_and_compiles() {
    assert!(rules::RULES.len() >= 150, "{} rules", rules::RULES.len());
    let mut ids = std::collections::HashSet::new();
    for rule in rules::RULES {
        assert!(ids.insert(rule.id), "duplicate rule id {}", rule.id);
        assert!(!rule.keywords.is_empty(), "{} has no keyword", rule.id);
        assert!(
            rule.keywords.iter().all(|k| k.to_ascii_lowercase() == *k),
            "{} keywords not lowercase",
            rule.id
        );
        assert!(!rule.positives.is_empty(), "{} has no positive sample", rule.id);
        assert!(!rule.negatives.is_empty(), "{} has no negative sample", rule.id);
        assert!(engine::compile(rule.regex).is_ok(), "{} does not compile", rule.id);
        for p in rule.positives {
            assert!(marked(p).1.is_some(), "{}: positive sample without ⟦secret⟧: {p}", rule.id);
        }
    }
}

#[test]
fn every_rule_finds_its_positives_and_leaves_its_negatives() {
    let mut failures = Vec::new();
    for (index, rule) in rules::RULES.iter().enumerate() {
        for sample in rule.positives {
            let (text, expected) = marked(sample);
            let mut raw = Vec::new();
            engine::detect(text.as_bytes(), &mut raw, &mut crate::meter::Meter::unlimited());
            let found = raw.iter().any(|m| m.rule == index && Some((m.start, m.end)) == expected);
            if !found {
                let got: Vec<_> =
                    raw.iter().map(|m| (engine::rule_id(m.rule), &text[m.start..m.end])).collect();
                failures.push(format!("{}: missed positive {text:?} (got {got:?})", rule.id));
            }
        }
        for sample in rule.negatives {
            let mut raw = Vec::new();
            engine::detect(sample.as_bytes(), &mut raw, &mut crate::meter::Meter::unlimited());
            if let Some(m) = raw.iter().find(|m| m.rule == index) {
                failures.push(format!(
                    "{}: matched negative {sample:?} at {:?}",
                    rule.id,
                    &sample[m.start..m.end]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn redacts_text_with_rule_and_fingerprint() {
    let r = redactor();
    let secret = "ghp_R4nd0mL00k1ngT0k3nW1thD1g1ts9xQzAbCd";
    let out = r.redact_text(&format!("token {secret} end"));
    let fp = r.fingerprint(secret.as_bytes());
    assert_eq!(out.output, format!("token [REDACTED:github-pat:{fp}] end"));
    assert_eq!(out.findings.len(), 1);
    assert_eq!((out.findings[0].start, out.findings[0].end), (6, 6 + secret.len()));
    assert!(!format!("{:?}", out.findings).contains(secret));
}

#[test]
fn json_escapes_do_not_hide_secrets_and_output_stays_json() {
    let r = redactor();
    let input = r#"{"tool_input":{"command":"curl -H \"Authorization: Bearer q8Zr2LmX0pWvT3sKd9Yh\" https://api\nPGPASSWORD=hunter2 psql"}}"#;
    let out = r.redact_json_str(input).unwrap();
    let parsed: Value = serde_json::from_str(&out.output).unwrap();
    let command = parsed["tool_input"]["command"].as_str().unwrap();
    assert!(!command.contains("q8Zr2LmX0pWvT3sKd9Yh"), "{command}");
    assert!(!command.contains("hunter2"), "{command}");
    assert!(command.contains("[REDACTED:authorization-header:"));
    assert!(command.contains("[REDACTED:cli-password-env:"));
    for f in &out.findings {
        assert!(input.is_char_boundary(f.start) && input.is_char_boundary(f.end));
    }
}

#[test]
fn json_nested_in_a_string_is_decoded_and_fingerprints_match_text() {
    let r = redactor();
    let secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
    let inner = serde_json::json!({"env": {"STRIPE_KEY": secret}}).to_string();
    let outer = serde_json::json!({"arguments": inner}).to_string();
    assert!(outer.contains("\\\"STRIPE_KEY\\\""));
    let out = r.redact_json_str(&outer).unwrap();
    assert!(!out.output.contains(secret));
    let reparsed: Value = serde_json::from_str(&out.output).unwrap();
    let inner_back: Value = serde_json::from_str(reparsed["arguments"].as_str().unwrap()).unwrap();
    let redacted = inner_back["env"]["STRIPE_KEY"].as_str().unwrap();
    assert_eq!(redacted, format!("[REDACTED:stripe-secret-key:{}]", r.fingerprint(secret.as_bytes())));
    assert_eq!(out.findings[0].fingerprint, r.redact_text(secret).findings[0].fingerprint);
}

#[test]
fn json_keys_and_argv_give_context() {
    let r = redactor();
    let mut value = serde_json::json!({
        "env": {"DB_PASSWORD": "hunter2!", "PATH": "/usr/bin"},
        "args": ["mysql", "-uroot", "-pS3cret!x", "shop"],
        "argv": ["--password", "Tr0ub4dor&3"],
        "headers": {"Authorization": "Bearer q8Zr2LmX0pWvT3sKd9Yh"}
    });
    let findings = r.redact_json_value(&mut value);
    let text = value.to_string();
    for secret in ["hunter2!", "S3cret!x", "Tr0ub4dor&3", "q8Zr2LmX0pWvT3sKd9Yh"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(value["env"]["PATH"], "/usr/bin");
    assert_eq!(value["args"][3], "shop");
    let pointers: Vec<_> = findings.iter().filter_map(|f| f.pointer.clone()).collect();
    assert_eq!(pointers, ["/args/2", "/argv/1", "/env/DB_PASSWORD", "/headers/Authorization"]);
    assert_eq!(findings[0].start, 2);
}

#[test]
fn benign_random_strings_are_left_alone() {
    let r = redactor();
    let text = "commit 3f786850e387550fdab836ed7e6dc881de23001b\n\
        image@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b\n\
        id 0b6a3c4e-1f2d-4a5b-8c7d-9e0f1a2b3c4d\n\
        \"integrity\": \"sha512-WFN8pL+1ZXzDq+0VYeKUK2vl3kCKXv7R7hGWm+cnbSfHf4QtjFAKPQuD1B1vzYwB3wBmJQdk3MzN0vFyKm8XGw==\"\n\
        ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host\n\
        env: ${{ secrets.GITHUB_TOKEN }} and $GITHUB_TOKEN and %API_KEY%\n\
        key AKIAIOSFODNN7EXAMPLE\n";
    let out = r.redact_text(text);
    assert_eq!(out.output, text, "{:?}", out.findings);
}

#[test]
fn bytes_auto_detects_and_survives_invalid_utf8() {
    let r = redactor();
    let json = br#"{"a": "PGPASSWORD=hunter2"}"#;
    let out = r.redact_bytes(json, Format::Auto).unwrap();
    assert_eq!(out.format, Format::Json);
    assert!(!String::from_utf8_lossy(&out.output).contains("hunter2"));

    let mut text = b"\xff\xfe PGPASSWORD=hunter2 \xc3".to_vec();
    text.extend_from_slice("é".as_bytes());
    let out = r.redact_bytes(&text, Format::Auto).unwrap();
    assert_eq!(out.format, Format::Text);
    assert!(out.output.starts_with(b"\xff\xfe PGPASSWORD=[REDACTED:"));
    assert!(!out.output.windows(7).any(|w| w == b"hunter2"));

    assert!(matches!(r.redact_bytes(b"{not json", Format::Json), Err(RedactError::InvalidJson { .. })));
    assert!(matches!(r.redact_bytes(b"\xff", Format::Json), Err(RedactError::NotUtf8 { offset: 0 })));
}

#[test]
fn private_key_block_is_redacted_whole() {
    let r = redactor();
    let body = "MIIEowIBAAKCAQEAq8Zr2LmX0pWvT3sKd9YhQ8Zr2LmX0pWvT3sKd9YhQ8Zr2LmX0pWvT3sKd9Yh\nQ8Zr2LmX0pWvT3sKd9YhQ8Zr2LmX0pWvT3sKd9YhQ8Zr2LmX0pWvT3sKd9YhQ8Zr2LmX0pWvT3sK==";
    let text = format!(
        "cat > k <<EOF\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\nEOF\n"
    );
    let out = r.redact_text(&text);
    assert!(out.output.starts_with("cat > k <<EOF\n[REDACTED:private-key-rsa:"), "{}", out.output);
    assert!(out.output.ends_with("]\nEOF\n"), "{}", out.output);
    assert!(!out.output.contains("PRIVATE KEY"), "{}", out.output);
    // Split across string concatenation, as source code holds it.
    let code = format!("String k = \"-----BEGIN RSA PRIVATE KEY-----\\n\" +\n    \"{}\\n\" +\n    \"-----END RSA PRIVATE KEY-----\";", &body[..64]);
    let out = r.redact_text(&code);
    assert!(!out.output.contains(&body[..64]) && !out.output.contains("BEGIN RSA"), "{}", out.output);
}

/// Seeded pseudo-random and mutated inputs through the fuzz target's function: no panic, and
/// JSON in stays JSON out.
#[test]
fn fuzz_corpus_never_panics() {
    let r = redactor();
    let seeds: Vec<Vec<u8>> = vec![
        br#"{"tool_input":{"command":"PGPASSWORD=hunter2 psql -h db"}}"#.to_vec(),
        b"export GITHUB_TOKEN=ghp_R4nd0mL00k1ngT0k3nW1thD1g1ts9xQzAb\n".to_vec(),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n".as_bytes().to_vec(),
        br#"["--password","x\"y\\u00e9\ud83d\ude00", {"a":"{\"b\":\"mysql -pS3cret!x\"}"}]"#.to_vec(),
        "curl -u admin:hunter2pw https://x é ü".as_bytes().to_vec(),
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..3000 {
        let mut input = seeds[round % seeds.len()].clone();
        let mutations = 1 + (next() % 8) as usize;
        for _ in 0..mutations {
            let roll = next();
            let pos = if input.is_empty() { 0 } else { (roll >> 8) as usize % input.len() };
            match roll % 5 {
                0 if !input.is_empty() => input[pos] = (roll >> 32) as u8,
                1 => input.insert(pos, (roll >> 40) as u8),
                2 if !input.is_empty() => {
                    input.remove(pos);
                }
                3 => input.extend_from_slice(
                    &[b'\\', b'"', b'{', b'[', b'=', b':'][(roll >> 16) as usize % 6..][..1],
                ),
                _ => {
                    let copy = input.clone();
                    input.extend_from_slice(&copy[..copy.len().min(64)]);
                }
            }
        }
        fuzz_redact(&input);
        let out = r.redact_bytes(&input, Format::Auto).unwrap();
        if out.format == Format::Json {
            assert!(
                serde_json::from_slice::<serde::de::IgnoredAny>(&out.output).is_ok(),
                "JSON out is not JSON for {input:?}"
            );
        }
    }
    // Huge inputs: long lines, many keywords, unterminated key blocks.
    let huge = "password=".repeat(30_000);
    fuzz_redact(huge.as_bytes());
    let block = format!("-----BEGIN PRIVATE KEY-----\n{}", "QUJD".repeat(100_000));
    assert!(!r.redact_text(&block).findings.is_empty());
}
