//! Policy evaluation cost under the built-in policy, per tier: a realistic exec call (a
//! `git push --force` pipeline touching a credential path and a host), a read call, a
//! recursive read of a directory tree and a command with a word only known at run time (both
//! matched cautiously), and a read with the hook's file-system lookups.
//! Budget: ≤ 10 µs per evaluation. Also reports the one-off cost of compiling the built-in
//! policy, which a per-call hook process pays once. Prints a table after the criterion runs.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use ward_model::{Access, Action, PathTarget, ShellCommand, ToolCall};
use ward_policy::{EvalContext, Policy, BUILTIN_ORIGIN, BUILTIN_POLICY};

const BUDGET_NS: f64 = 10_000.0;

fn cmd(argv: &[&str]) -> ShellCommand {
    ShellCommand {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        program: argv[0].to_owned(),
        ..Default::default()
    }
}

fn exec_call() -> ToolCall {
    let mut c = ToolCall::new("claude-code", "PreToolUse", "Bash", Action::Exec);
    c.cwd = Some("/home/dev/src/app".into());
    c.command =
        Some("cargo test && git push --force-with-lease origin feature/x | tee ~/.aws/credentials".into());
    c.commands = vec![
        cmd(&["cargo", "test", "--workspace"]),
        cmd(&["git", "push", "--force-with-lease", "origin", "feature/x"]),
        cmd(&["tee", "/home/dev/.aws/credentials"]),
    ];
    c.paths = vec![PathTarget { path: "/home/dev/.aws/credentials".into(), access: Access::Write }];
    c.hosts = vec!["github.com".into()];
    c
}

fn read_call() -> ToolCall {
    let mut c = ToolCall::new("codex", "PreToolUse", "Read", Action::Read);
    c.cwd = Some("/home/dev/src/app".into());
    c.paths = vec![PathTarget { path: "src/policy/engine.rs".into(), access: Access::Read }];
    c
}

/// `grep -r key ~/.ssh`: a directory tree, matched cautiously against every class pattern.
fn tree_call() -> ToolCall {
    let mut c = ToolCall::new("claude-code", "PreToolUse", "Bash", Action::Exec);
    c.cwd = Some("/home/dev/src/app".into());
    c.commands = vec![cmd(&["grep", "-r", "key", "/home/dev/.ssh"])];
    c.paths = vec![
        PathTarget { path: "/home/dev/.ssh".into(), access: Access::Read },
        PathTarget { path: "/home/dev/.ssh/**".into(), access: Access::Read },
    ];
    c
}

/// `terraform $OP -auto-approve`: a word only known at run time, matched cautiously.
fn unknown_word_call() -> ToolCall {
    let mut c = ToolCall::new("claude-code", "PreToolUse", "Bash", Action::Exec);
    c.cwd = Some("/home/dev/src/app".into());
    let mut t = cmd(&["terraform", "$OP", "-auto-approve"]);
    t.unknown_args = vec![1];
    t.unknown_splits = vec![1];
    c.commands = vec![t];
    c
}

fn calls() -> [(&'static str, ToolCall); 4] {
    [("exec", exec_call()), ("read", read_call()), ("tree", tree_call()), ("unknown", unknown_word_call())]
}

fn ctx() -> EvalContext {
    EvalContext { home: PathBuf::from("/home/dev"), workspace_root: Some(PathBuf::from("/home/dev/src/app")) }
}

fn bench(c: &mut Criterion) {
    let policy = Policy::builtin();
    let ctx = ctx();
    let calls = calls();
    let mut group = c.benchmark_group("evaluate");
    for tier in policy.tier_names() {
        for (kind, call) in &calls {
            group.bench_function(format!("{tier}/{kind}"), |b| {
                b.iter(|| black_box(policy.evaluate(black_box(call), tier, &ctx)))
            });
        }
    }
    group.finish();
    c.bench_function("compile/builtin", |b| {
        b.iter(|| black_box(Policy::from_toml_str(black_box(BUILTIN_POLICY), BUILTIN_ORIGIN)))
    });
}

/// Mean ns per call of `f`, measured over about `window`.
fn mean_ns(window: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..100 {
        f();
    }
    let mut n: u64 = 0;
    let start = Instant::now();
    while start.elapsed() < window {
        for _ in 0..100 {
            f();
        }
        n += 100;
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn table() {
    let policy = Policy::builtin();
    let ctx = ctx();
    let calls = calls();
    println!();
    println!("{:<24} {:>12} {:>12} {:>6}", "case", "ns/call", "budget ns", "ok");
    for tier in policy.tier_names() {
        for (kind, call) in &calls {
            let ns = mean_ns(Duration::from_millis(300), || {
                black_box(policy.evaluate(black_box(call), tier, &ctx));
            });
            let ok = if ns <= BUDGET_NS { "yes" } else { "NO" };
            println!("{:<24} {:>12.0} {:>12.0} {:>6}", format!("evaluate {tier}/{kind}"), ns, BUDGET_NS, ok);
        }
    }
    // With the hook's file-system lookups (links and globs resolved on disk).
    let read = read_call();
    let ns = mean_ns(Duration::from_millis(300), || {
        black_box(policy.evaluate_on_disk(black_box(&read), "sensitive", &ctx));
    });
    let ok = if ns <= BUDGET_NS { "yes" } else { "NO" };
    println!("{:<24} {:>12.0} {:>12.0} {:>6}", "on disk sensitive/read", ns, BUDGET_NS, ok);
    let ns = mean_ns(Duration::from_millis(500), || {
        black_box(Policy::from_toml_str(BUILTIN_POLICY, BUILTIN_ORIGIN).is_ok());
    });
    println!("{:<24} {:>12.0} {:>12} {:>6}", "compile builtin policy", ns, "-", "-");
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    table();
}
