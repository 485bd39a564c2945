//! Redaction accuracy on a labelled, seeded corpus (issue 12): recall on planted secrets across
//! providers, assignment grammar, command lines and whole objects, and the share of hard
//! negatives that redaction alters. Prints per-category tables and asserts the targets
//! (recall ≥ 0.97, ≤ 1 % of negatives altered, no category below 0.9).
//!
//! Run: `cargo test -p ward-redact --release --test accuracy -- --nocapture`
//! `WARD_CORPUS_SEED=n` scores another seed (fresh values); `WARD_CORPUS_DUMP=file.jsonl` writes
//! the labelled items out (for inspection, or to score another tool on the same corpus).

mod accuracy {
    pub mod gen;
    pub mod providers;
}

use std::collections::BTreeMap;
use std::io::Write as _;

use accuracy::gen::{samples, Sample};
use accuracy::providers::PROVIDERS;
use serde_json::{json, Value};
use ward_redact::{FingerprintKey, Redactor};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Wrap {
    /// The sample as plain text (`redact_text`).
    Raw,
    /// The sample as a tool input inside a hook payload (`redact_json_value`, the hook's path).
    Payload,
    /// The sample JSON-escaped inside a string of plain text (`{"note": "…\n…"}` in a heredoc).
    Escaped,
}

/// One scored item: did every secret vanish (positives), was the text left alone (negatives)?
struct Outcome {
    category: String,
    positive: bool,
    wrap: Wrap,
    ok: bool,
    text: String,
    output: String,
}

fn escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("string serialises");
    quoted[1..quoted.len() - 1].to_string()
}

fn payload(text: &str, n: usize) -> Value {
    match n % 3 {
        0 => json!({"session_id": "s-1", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                    "tool_input": {"command": text, "description": "Run it"}}),
        1 => json!({"session_id": "s-1", "hook_event_name": "PreToolUse", "tool_name": "Write",
                    "tool_input": {"file_path": "/home/dev/app/config.txt", "content": text}}),
        _ => json!({"tool_name": "mcp__notes__append", "tool_input": {"arguments": {"body": text}}}),
    }
}

fn score(redactor: &Redactor, sample: &Sample, n: usize) -> Vec<Outcome> {
    let positive = !sample.secrets.is_empty();
    let mut outcomes = Vec::new();
    let wraps: &[Wrap] =
        if sample.json_only { &[Wrap::Payload] } else { &[Wrap::Raw, Wrap::Payload, Wrap::Escaped] };
    for &wrap in wraps {
        let (text, output, secrets): (String, String, Vec<String>) = match wrap {
            Wrap::Raw => {
                let out = redactor.redact_text(&sample.text).output;
                (sample.text.clone(), out, sample.secrets.clone())
            }
            Wrap::Payload => {
                let original = payload(&sample.text, n);
                let mut value = original.clone();
                redactor.redact_json_value(&mut value);
                // Secrets are looked for in the decoded strings (what a reader of the event sees).
                (original.to_string(), value.to_string(), sample.secrets.iter().map(|s| escaped(s)).collect())
            }
            Wrap::Escaped => {
                let text = format!(
                    "cat > note.json <<'EOF'\n{{\"note\": \"{}\", \"n\": {n}}}\nEOF",
                    escaped(&sample.text)
                );
                let out = redactor.redact_text(&text).output;
                (text, out, sample.secrets.iter().map(|s| escaped(s)).collect())
            }
        };
        let ok = if positive { secrets.iter().all(|s| !output.contains(s.as_str())) } else { output == text };
        outcomes.push(Outcome { category: sample.category.clone(), positive, wrap, ok, text, output });
    }
    outcomes
}

fn table(title: &str, rows: &BTreeMap<String, (usize, usize)>) {
    println!("\n{title:<28} {:>6} {:>6} {:>7}", "items", "ok", "rate");
    for (name, (n, ok)) in rows {
        println!("{name:<28} {n:>6} {ok:>6} {:>7.3}", *ok as f64 / *n as f64);
    }
}

#[test]
fn corpus_accuracy_meets_the_targets() {
    let seed = std::env::var("WARD_CORPUS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_203u64);
    let redactor = Redactor::new(FingerprintKey::from_bytes(b"accuracy corpus"));
    let samples = samples(seed);
    let outcomes: Vec<Outcome> =
        samples.iter().enumerate().flat_map(|(n, s)| score(&redactor, s, n)).collect();

    if let Ok(path) = std::env::var("WARD_CORPUS_DUMP") {
        let mut file = std::fs::File::create(&path).expect("dump file");
        for (n, s) in samples.iter().enumerate() {
            let line = json!({"n": n, "category": s.category, "text": s.text, "secrets": s.secrets, "json_only": s.json_only});
            writeln!(file, "{line}").expect("dump write");
        }
    }

    let providers: std::collections::BTreeSet<&str> =
        PROVIDERS.iter().map(|p| p.0.split('-').next().unwrap_or(p.0)).collect();
    let positives: Vec<&Outcome> = outcomes.iter().filter(|o| o.positive).collect();
    let negatives: Vec<&Outcome> = outcomes.iter().filter(|o| !o.positive).collect();
    let recall = positives.iter().filter(|o| o.ok).count() as f64 / positives.len() as f64;
    let altered = negatives.iter().filter(|o| !o.ok).count() as f64 / negatives.len() as f64;

    let mut by_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut neg_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut by_wrap: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for o in &outcomes {
        let rows = if o.positive { &mut by_category } else { &mut neg_category };
        let e = rows.entry(o.category.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(o.ok);
        let w = by_wrap.entry(format!("{}{:?}", if o.positive { "+" } else { "-" }, o.wrap)).or_default();
        w.0 += 1;
        w.1 += usize::from(o.ok);
    }
    println!(
        "seed {seed}: {} items ({} positive, {} negative), {} providers ({} entries)",
        outcomes.len(),
        positives.len(),
        negatives.len(),
        providers.len(),
        PROVIDERS.len()
    );
    table("positives: category", &by_category);
    table("negatives: category (unaltered)", &neg_category);
    table("by wrapping", &by_wrap);
    println!("\nrecall {recall:.4}   negatives altered {altered:.4}");

    let show = std::env::var("WARD_CORPUS_FAILURES").map_or(8, |v| v.parse().unwrap_or(8));
    let per_category =
        std::env::var("WARD_CORPUS_FAILURES_PER_CATEGORY").map_or(0, |v| v.parse().unwrap_or(0));
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let failures = outcomes.iter().filter(|o| !o.ok).filter(|o| {
        let n = shown.entry(o.category.as_str()).or_default();
        *n += 1;
        per_category == 0 || *n <= per_category
    });
    for o in failures.take(if per_category > 0 { usize::MAX } else { show }) {
        println!(
            "\nFAIL [{}] {:?} {}\n  in:  {:?}\n  out: {:?}",
            o.category,
            o.wrap,
            if o.positive { "missed" } else { "altered" },
            o.text,
            o.output
        );
    }

    assert!(outcomes.len() >= 3000, "corpus has {} items", outcomes.len());
    assert!(negatives.len() >= 1000, "corpus has {} negatives", negatives.len());
    assert!(providers.len() >= 300, "corpus covers {} providers", providers.len());
    assert!(recall >= 0.97, "recall {recall:.4} below 0.97");
    assert!(altered <= 0.01, "{altered:.4} of negatives altered (above 0.01)");
    for (name, (n, ok)) in by_category.iter().chain(neg_category.iter()) {
        assert!(*ok as f64 / *n as f64 >= 0.9, "category {name}: {ok}/{n} below 0.9");
    }
}
