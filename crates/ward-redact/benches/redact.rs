//! Redaction benchmarks: throughput on secret-free source text, and latency on 4 KiB and
//! 64 KiB JSON tool-call payloads carrying a few secrets (both through `redact_json_str` and the
//! hook's in-place `redact_json_value`). Criterion runs the groups; a table with MB/s and
//! p50/p99 (from a separate timed loop) is printed at the end.
//!
//! Run: `cargo bench -p ward-redact --bench redact`. The worst case on hostile input and the
//! budget table are in `benches/adversarial.rs`.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{payload, source_text};
use criterion::{Criterion, Throughput};
use ward_redact::{FingerprintKey, Redactor};

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(index).copied().unwrap_or_default()
}

fn timed(iterations: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..iterations)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect()
}

fn main() {
    let redactor = Redactor::new(FingerprintKey::from_bytes(b"bench key"));
    let source = source_text();
    let small = payload(4 * 1024);
    let large = payload(64 * 1024);
    let small_value: serde_json::Value = serde_json::from_str(&small).expect("payload is JSON");
    let large_value: serde_json::Value = serde_json::from_str(&large).expect("payload is JSON");
    let source_findings = redactor.redact_text(&source).findings.len();
    let small_findings = redactor.redact_json_str(&small).expect("valid").findings.len();

    let mut c = Criterion::default().configure_from_args();
    {
        let mut group = c.benchmark_group("redact");
        group.throughput(Throughput::Bytes(source.len() as u64));
        group.bench_function("source_text_1MiB", |b| b.iter(|| redactor.redact_text(black_box(&source))));
        group.throughput(Throughput::Bytes(small.len() as u64));
        group.bench_function("json_str_4KiB", |b| b.iter(|| redactor.redact_json_str(black_box(&small))));
        group.bench_function("json_value_4KiB", |b| {
            b.iter_batched(
                || small_value.clone(),
                |mut v| redactor.redact_json_value(&mut v),
                criterion::BatchSize::SmallInput,
            )
        });
        group.throughput(Throughput::Bytes(large.len() as u64));
        group.bench_function("json_str_64KiB", |b| b.iter(|| redactor.redact_json_str(black_box(&large))));
        group.bench_function("json_value_64KiB", |b| {
            b.iter_batched(
                || large_value.clone(),
                |mut v| redactor.redact_json_value(&mut v),
                criterion::BatchSize::SmallInput,
            )
        });
        group.finish();
    }
    c.final_summary();

    // The budget table: p50/p99 from a plain timed loop (criterion reports means).
    let mut rows: Vec<(String, usize, Vec<Duration>)> = Vec::new();
    rows.push((
        "source text (secret-free)".into(),
        source.len(),
        timed(40, || drop(black_box(redactor.redact_text(&source)))),
    ));
    rows.push((
        "json_str 4 KiB".into(),
        small.len(),
        timed(3000, || drop(black_box(redactor.redact_json_str(&small)))),
    ));
    rows.push(("json_value 4 KiB (hook path)".into(), small.len(), {
        let mut v: Vec<_> = (0..3000).map(|_| small_value.clone()).collect();
        let mut it = v.iter_mut();
        timed(3000, || drop(black_box(it.next().map(|v| redactor.redact_json_value(v)))))
    }));
    rows.push((
        "json_str 64 KiB".into(),
        large.len(),
        timed(500, || drop(black_box(redactor.redact_json_str(&large)))),
    ));
    rows.push(("json_value 64 KiB (hook path)".into(), large.len(), {
        let mut v: Vec<_> = (0..500).map(|_| large_value.clone()).collect();
        let mut it = v.iter_mut();
        timed(500, || drop(black_box(it.next().map(|v| redactor.redact_json_value(v)))))
    }));
    println!();
    println!("{:<32} {:>10} {:>12} {:>12} {:>10}", "case", "bytes", "p50", "p99", "MB/s(p50)");
    for (name, bytes, mut samples) in rows {
        let p50 = percentile(&mut samples, 0.5);
        let p99 = percentile(&mut samples, 0.99);
        let mbps = bytes as f64 / p50.as_secs_f64() / 1e6;
        println!("{name:<32} {bytes:>10} {:>12?} {:>12?} {mbps:>10.1}", p50, p99);
    }
    println!(
        "findings: source text {source_findings} (should be 0), 4 KiB payload {small_findings} (3 planted)"
    );
    println!("budgets: source ≥ 200 MB/s; 4 KiB p50 ≤ 50 µs; 64 KiB p50 ≤ 300 µs");
}
