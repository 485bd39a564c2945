//! Redacts a file N times and prints the thread CPU time per pass: a profiling driver
//! (`cargo build --profile profiling -p ward-redact --example redact_file`, then `perf record`).
//!
//! Run: `redact_file FILE [ITERATIONS]` (a `.json` FILE is redacted as JSON)

use std::time::Duration;

use ward_redact::{FingerprintKey, Redactor};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/dev/stdin".into());
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
    let text = std::fs::read_to_string(&path)?;
    let redactor = Redactor::new(FingerprintKey::from_bytes(b"profile"));
    // A `.json` file is redacted as JSON (its decoded string values), as the hook does.
    let as_json = path.ends_with(".json");
    let start = thread_cpu_time();
    let mut findings = 0;
    for _ in 0..iterations {
        findings = if as_json {
            redactor.redact_json_str(&text).map_or(0, |r| r.findings.len())
        } else {
            redactor.redact_text(&text).findings.len()
        };
    }
    let each = (thread_cpu_time() - start) / iterations.max(1) as u32;
    println!(
        "{} bytes, {findings} findings, {each:?} per pass, {:.1} MB/s (thread CPU time)",
        text.len(),
        text.len() as f64 / each.as_secs_f64() / 1e6
    );
    Ok(())
}

/// This thread's CPU time: the machine is shared, and wall time counts other processes too.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
