//! The redaction budget table: the everyday budgets (secret-free text ≥ 200 MB/s, a 4 KiB hook
//! payload ≤ 50 µs) and the worst case on hostile input (≥ 50 MB/s), since a hostile agent
//! controls most of what the hook redacts (issue 10 item 9).
//!
//! Every adversarial input runs at two sizes (64 KiB and 1 MiB by default): linear matching
//! shows about the same MB/s at both (ratio ≈ 1); anything super-linear shows a drop that grows
//! with the size. The inputs are the hand-written families of `common::named_cases` (every
//! assignment keyword class and operator, value runs, quoting, PEM, URIs, JWTs, headers, CLI
//! forms, JSON, mixes) and `common::generated_cases`, built from every rule in the table.
//!
//! Run: `cargo bench -p ward-redact --bench adversarial` (or `bash scripts/bench/redact.sh`).
//! Environment: `WARD_BENCH_SIZES=small,large` (bytes), `WARD_BENCH_CASE=substring` (only cases
//! whose name contains it), `WARD_BENCH_ALL=1` (print every generated case, not the slowest 15),
//! `WARD_BENCH_NAMED_ONLY=1` (skip the generated cases), `WARD_BENCH_BUDGETS_ONLY=1`.

mod common;

use std::io::Write as _;
use std::time::Duration;

use common::{payload, redactor, source_text, time};

fn mbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / t.as_secs_f64() / 1e6
}

/// The everyday budgets: secret-free text and the 4 KiB hook payload.
fn budgets(redactor: &ward_redact::Redactor) {
    let source = source_text();
    let clean = time(redactor, &source, false, 10);
    let hook = payload(4 * 1024);
    let value: serde_json::Value = serde_json::from_str(&hook).expect("payload is JSON");
    // Batches of 100 calls per sample: reading the CPU clock costs microseconds itself.
    let mut samples: Vec<Duration> = (0..40)
        .map(|_| {
            let mut values: Vec<_> = (0..100).map(|_| value.clone()).collect();
            let start = common::Clock::now();
            for v in &mut values {
                std::hint::black_box(redactor.redact_json_value(v));
            }
            start.elapsed() / 100
        })
        .collect();
    samples.sort_unstable();
    let p50 = samples[samples.len() / 2];
    let p99 = samples[samples.len() * 99 / 100];
    println!("times are {} (best of several runs)", common::Clock::kind());
    println!("{:<58} {:>12} {:>12}", "budget", "measured", "budget");
    println!(
        "{:<58} {:>8.1} MB/s {:>9} MB/s",
        "secret-free source text, 1 MiB",
        mbps(source.len(), clean),
        "≥ 200"
    );
    println!(
        "{:<58} {:>10.1?} {:>12}",
        "4 KiB hook payload, redact_json_value p50 (of 100-call means)", p50, "≤ 50 µs"
    );
    println!(
        "{:<58} {:>10.1?} {:>12}",
        "4 KiB hook payload, redact_json_value p99 (of 100-call means)", p99, ""
    );
    println!();
}

fn main() {
    let redactor = redactor();
    let sizes: Vec<usize> = std::env::var("WARD_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default();
    let (small, large) = match sizes[..] {
        [a, b] => (a, b),
        _ => (64 * 1024, 1 << 20),
    };
    let only = std::env::var("WARD_BENCH_CASE").unwrap_or_default();
    let print_all = std::env::var_os("WARD_BENCH_ALL").is_some();
    let skip_generated = std::env::var_os("WARD_BENCH_NAMED_ONLY").is_some();

    if only.is_empty() {
        budgets(&redactor);
    }
    if std::env::var_os("WARD_BENCH_BUDGETS_ONLY").is_some() {
        return;
    }

    let row = |family: &str, name: &str, a: f64, b: f64| {
        println!("{:<12} {:<45} {:>10.1} {:>10.1} {:>7.2}", family, name, a, b, a / b);
    };
    let header = |title: &str| {
        println!("{:<12} {:<45} {:>10} {:>10} {:>7}", "family", title, "MB/s small", "MB/s large", "ratio");
    };
    println!("adversarial inputs at {small} and {large} bytes (ratio = small/large MB/s; linear ≈ 1)");
    header("case");
    let mut worst: (f64, String) = (f64::MAX, String::new());
    let mut worst_ratio: (f64, String) = (0.0, String::new());
    let mut measure = |c: &common::Case| -> (f64, f64) {
        let a = (c.make)(small);
        let ta = time(&redactor, &a, c.json, 3);
        drop(a);
        let b = (c.make)(large);
        let tb = time(&redactor, &b, c.json, 2);
        let (ma, mb) = (mbps(small, ta), mbps(large, tb));
        if mb < worst.0 {
            worst = (mb, c.name.clone());
        }
        if ma / mb > worst_ratio.0 {
            worst_ratio = (ma / mb, c.name.clone());
        }
        (ma, mb)
    };
    for c in common::named_cases() {
        if !c.name.contains(only.as_str()) {
            continue;
        }
        let (a, b) = measure(&c);
        row(&c.family, &c.name, a, b);
        let _ = std::io::stdout().flush();
    }
    let generated: Vec<_> = if skip_generated { Vec::new() } else { common::generated_cases() }
        .into_iter()
        .filter(|c| c.name.contains(only.as_str()))
        .collect();
    let mut results: Vec<(f64, f64, String, String)> = Vec::with_capacity(generated.len());
    for c in &generated {
        let (a, b) = measure(c);
        if print_all {
            row(&c.family, &c.name, a, b);
        }
        results.push((a, b, c.family.clone(), c.name.clone()));
    }
    if !print_all && !results.is_empty() {
        results.sort_by(|x, y| x.1.total_cmp(&y.1));
        println!();
        println!("generated from the rule table: {} inputs; the 15 slowest at the large size", results.len());
        header("case");
        for (a, b, family, name) in results.iter().take(15) {
            let name: String = name.chars().take(45).collect();
            row(family, &name, *a, *b);
        }
    }
    println!();
    println!("worst case at {large} bytes: {:.1} MB/s ({}) — budget ≥ 50 MB/s", worst.0, worst.1);
    println!("largest small/large ratio: {:.2} ({}) — linear ≈ 1", worst_ratio.0, worst_ratio.1);
}
