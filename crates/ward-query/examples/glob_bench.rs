//! Benchmark: a `path:` question's first step on a store holding N distinct path globs
//! (`Query::with_globbed_paths`: parse each glob, intersect it with each of the question's home
//! forms). Prints a table; median of 5 runs per question.
//!   cargo run --release -p ward-query --example glob_bench [N]      (default 10,000)

use std::time::{Duration, Instant};

use ward_query::Query;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    // The shapes agents' shell calls leave: a project's files by extension, a tree's test
    // files, a build directory reached whole, a Windows project's sources.
    let globs: Vec<String> = (0..n)
        .map(|i| match i % 4 {
            0 => format!("/home/dev{i}/src/proj/*.rs"),
            1 => format!("/users/u{i}/work/app/src/**/test_{i}?.py"),
            2 => format!("**/build/{i}/*"),
            _ => format!("c:\\users\\d{i}\\repo\\*.{{ts,js}}"),
        })
        .collect();
    println!("| question | stored globs | time (median of 5) | per glob | globs it could name |");
    println!("|---|---|---|---|---|");
    for text in ["path:~/.ssh/*", "path:*id_ed25519*", "path:~/.aws/* -path:~/src/*"] {
        let query = Query::parse(text).expect("a fixed question");
        let mut runs: Vec<Duration> = Vec::new();
        let mut listed = query.clone();
        for _ in 0..5 {
            let start = Instant::now();
            listed = query.clone().with_globbed_paths(&globs);
            runs.push(start.elapsed());
        }
        runs.sort();
        let median = runs[runs.len() / 2];
        let named: usize = listed
            .expr
            .terms()
            .iter()
            .map(|t| match &t.value {
                ward_query::TermValue::Values(values) => values.len(),
                _ => 0,
            })
            .sum();
        println!(
            "| `{text}` | {n} | {:.1} ms | {:.2} µs | {named} |",
            median.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e6 / n.max(1) as f64
        );
    }
}
