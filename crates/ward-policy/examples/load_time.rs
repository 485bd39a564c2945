//! Cold-process policy load time: spawns this example N times per way of loading a policy and
//! prints the p50/p90 of the time the load itself took in each fresh process (the cost every
//! `ward hook` call pays).
//!
//! Run: `cargo run --release -p ward-policy --example load_time -- [N]` (default N = 300).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use ward_model::{Action, ShellCommand, ToolCall};
use ward_policy::{EvalContext, Policy, BUILTIN_POLICY};

const MODES: [&str; 6] = [
    "compile-builtin",
    "compile-file",
    "cached-builtin",
    "cached-file",
    // Load plus the first evaluation, which decodes one tier's rules from the cache.
    "compile+eval",
    "cached+eval",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        child(&args[2], Path::new(&args[3]), Path::new(&args[4]));
        return;
    }
    let runs: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(300);
    let work = tempfile::tempdir().expect("temp dir");
    let cache = work.path().join("cache");
    // An admin policy file of the built-in's size (its own text, loaded from disk).
    let file = work.path().join("policy.toml");
    std::fs::write(&file, BUILTIN_POLICY).expect("write policy");
    let exe = std::env::current_exe().expect("current exe");

    println!("{:<16} {:>10} {:>10} {:>10}  (µs, {runs} fresh processes each)", "load", "p50", "p90", "min");
    for mode in MODES {
        let mut times: Vec<f64> = (0..runs)
            .map(|_| {
                let out = Command::new(&exe)
                    .args(["child", mode])
                    .arg(&cache)
                    .arg(&file)
                    .output()
                    .expect("spawn child");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                String::from_utf8_lossy(&out.stdout).trim().parse::<f64>().expect("child output")
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!("{mode:<16} {:>10.1} {:>10.1} {:>10.1}", at(0.5), at(0.9), times[0]);
    }
}

fn child(mode: &str, cache: &Path, file: &Path) {
    let start = Instant::now();
    let policy = match mode {
        "compile-builtin" => Policy::from_toml_str(BUILTIN_POLICY, "<builtin>").expect("compile"),
        "compile-file" => Policy::load(file).expect("load"),
        "cached-builtin" => Policy::load_cached(None, cache).expect("load"),
        "cached-file" | "cached+eval" => Policy::load_cached(Some(file), cache).expect("load"),
        "compile+eval" => Policy::load(file).expect("load"),
        other => panic!("unknown mode {other}"),
    };
    if mode.ends_with("+eval") {
        let mut call = ToolCall::new("codex", "PreToolUse", "bench", Action::Exec);
        call.commands.push(ShellCommand {
            argv: vec!["cargo".into(), "test".into(), "-p".into(), "billing".into()],
            program: "cargo".into(),
            ..Default::default()
        });
        let ctx = EvalContext { home: "/home/dev".into(), workspace_root: Some("/home/dev/src".into()) };
        std::hint::black_box(policy.evaluate(&call, "standard", &ctx));
    }
    let micros = start.elapsed().as_secs_f64() * 1e6;
    std::hint::black_box(&policy);
    println!("{micros}");
}
