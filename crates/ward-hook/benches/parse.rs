//! Hook parsing cost: a realistic Codex and Claude Code payload, and shell analysis of a
//! complex line. Criterion measures; a summary table with the budget check is printed last.
//!
//! Budget: parsing is a small slice of the `ward hook` end-to-end p50 of 1.5 ms; each case here
//! must stay under 50 µs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use ward_hook::{analyze, parse_payload, Agent};

const CODEX: &[u8] = br#"{"session_id":"0199a3c2-7f1e-7c40-9a55-3b8e2f0c1d11","turn_id":"turn-1","transcript_path":null,"cwd":"/home/u/proj","hook_event_name":"PreToolUse","model":"gpt-5","permission_mode":"default","tool_name":"Bash","tool_input":{"command":"bash -lc \"cd /home/u/proj && cargo test --workspace 2>&1 | tee /tmp/test.log\""},"tool_use_id":"tool-call-123"}"#;

const CODEX_PATCH: &[u8] = br#"{"session_id":"s","turn_id":"t","cwd":"/p","hook_event_name":"PreToolUse","model":"gpt-5","permission_mode":"default","tool_name":"apply_patch","tool_input":{"command":"*** Begin Patch\n*** Update File: src/main.rs\n@@ fn main() {\n-    println!(\"a\");\n+    println!(\"b\");\n*** Add File: src/new.rs\n+pub fn x() {}\n*** Delete File: src/old.rs\n*** End Patch\n"},"tool_use_id":"t2"}"#;

const CLAUDE: &[u8] = br#"{"session_id":"abc123","prompt_id":"550e8400-e29b-41d4-a716-446655440000","transcript_path":"/home/u/.claude/projects/-home-u-proj/abc123.jsonl","cwd":"/home/u/proj","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"git status && git diff --stat | head -n 20","description":"Show changes"},"tool_use_id":"toolu_01ABC"}"#;

const COMPLEX_LINE: &str = r#"sudo -E env PATH=/usr/bin bash -lc "set -e; cd /srv && find . -name '*.log' -mtime +7 -exec rm -f {} \; && curl -fsSL https://get.example.com/install.sh | sh -s -- --yes > /tmp/install.log 2>&1" && python3 -c "import os; os.system('rm -rf /tmp/cache')" || echo 'failed: rm -rf /' >&2"#;

type Case = (&'static str, Box<dyn Fn()>);

fn cases() -> Vec<Case> {
    vec![
        (
            "parse codex Bash payload",
            Box::new(|| drop(black_box(parse_payload(Some(Agent::Codex), black_box(CODEX))))),
        ),
        (
            "parse codex apply_patch payload",
            Box::new(|| drop(black_box(parse_payload(Some(Agent::Codex), black_box(CODEX_PATCH))))),
        ),
        (
            "parse claude-code Bash payload",
            Box::new(|| drop(black_box(parse_payload(Some(Agent::ClaudeCode), black_box(CLAUDE))))),
        ),
        (
            "detect + parse claude-code payload",
            Box::new(|| drop(black_box(parse_payload(None, black_box(CLAUDE))))),
        ),
        ("analyze complex shell line", Box::new(|| drop(black_box(analyze(black_box(COMPLEX_LINE)))))),
    ]
}

/// Median ns per call over a few batches: the figure the summary table reports.
fn median_ns(f: &dyn Fn()) -> f64 {
    let mut samples = Vec::new();
    for _ in 0..15 {
        let iters = 2_000u32;
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        samples.push(start.elapsed().as_nanos() as f64 / f64::from(iters));
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args().measurement_time(Duration::from_secs(2));
    for (name, f) in cases() {
        criterion.bench_function(name, |b| b.iter(&f));
    }
    criterion.final_summary();

    const BUDGET_NS: f64 = 50_000.0;
    println!("\n{:<40} {:>12} {:>12}  ok", "case", "median ns", "budget ns");
    let mut all_ok = true;
    for (name, f) in cases() {
        let ns = median_ns(&f);
        let ok = ns <= BUDGET_NS;
        all_ok &= ok;
        println!("{name:<40} {ns:>12.0} {BUDGET_NS:>12.0}  {}", if ok { "yes" } else { "NO" });
    }
    if !all_ok {
        eprintln!("hook parsing is over budget");
        std::process::exit(1);
    }
}
