//! Worst-case redaction throughput: inputs built to maximise keyword hits, regex work and
//! window overlap (a hostile agent controls most of what the hook redacts). Each case runs at
//! two sizes; linear matching shows the same MB/s at both, anything super-linear shows a drop.
//!
//! Run: `cargo bench -p ward-redact --bench adversarial` (prints a table; budget: every case
//! ≥ 50 MB/s at 1 MiB, and no case slower per byte at 1 MiB than at 128 KiB by more than 2×).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ward_redact::{FingerprintKey, Format, Redactor};

/// `unit` repeated to `size` bytes.
fn repeat(unit: &str, size: usize) -> String {
    let mut s = String::with_capacity(size + unit.len());
    while s.len() < size {
        s.push_str(unit);
    }
    s.truncate(size);
    s
}

/// Deterministic pseudo-random bytes from `alphabet`.
fn random(alphabet: &[u8], size: usize, seed: u64) -> String {
    let mut x = seed | 1;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

fn cases(size: usize) -> Vec<(&'static str, String)> {
    let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    vec![
        ("api_key= repeated", repeat("api_key=", size)),
        ("pwd= repeated", repeat("pwd=", size)),
        ("password= repeated", repeat("password=", size)),
        ("password: lines", repeat("password: x\n", size)),
        ("\"token\":\" repeated", repeat("\"token\":\"", size)),
        ("secret.token.key idents", repeat("secret.token.key_", size)),
        ("ghp_ repeated", repeat("ghp_", size)),
        ("AKIA repeated", repeat("AKIA", size)),
        ("eyJ. repeated", repeat("eyJ.", size)),
        ("://a:b@ repeated", repeat("://a:b@", size)),
        ("Authorization: Bearer", repeat("Authorization: Bearer ", size)),
        ("BEGIN PRIVATE KEY", repeat("-----BEGIN RSA PRIVATE KEY-----\n", size)),
        ("--password repeated", repeat(" --password ", size)),
        ("mysql -p repeated", repeat("mysql -p", size)),
        ("curl -u a:b repeated", repeat("curl -u a:b ", size)),
        ("<password> xml", repeat("<password>", size)),
        ("setProperty(\"password\",", repeat("setProperty(\"password\",", size)),
        ("base64 one line", random(b64, size, 7)),
        ("hex one line", random(b"0123456789abcdef", size, 9)),
        ("keyword soup", random(b"apikeysecrtoknpwd_=:\"' -/.\n", size, 11)),
    ]
}

fn time(redactor: &Redactor, input: &str) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        black_box(redactor.redact_text(black_box(input)));
        best = best.min(start.elapsed());
    }
    best
}

fn main() {
    let redactor = Redactor::new(FingerprintKey::from_bytes(b"bench key"));
    // `WARD_BENCH_SIZES=small,large` (bytes) overrides the two sizes, for a quick look.
    let sizes: Vec<usize> = std::env::var("WARD_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default();
    let (small, large) = match sizes[..] {
        [a, b] => (a, b),
        _ => (128 * 1024, 1 << 20),
    };
    println!("sizes: {small} and {large} bytes");
    println!("{:<28} {:>14} {:>14} {:>8}", "case (text)", "MB/s small", "MB/s large", "ratio");
    let mut worst = f64::MAX;
    let only = std::env::var("WARD_BENCH_CASE").unwrap_or_default();
    for ((name, a), (_, b)) in cases(small).into_iter().zip(cases(large)) {
        if !name.contains(only.as_str()) {
            continue;
        }
        let ta = time(&redactor, &a);
        let tb = time(&redactor, &b);
        let ma = a.len() as f64 / ta.as_secs_f64() / 1e6;
        let mb = b.len() as f64 / tb.as_secs_f64() / 1e6;
        worst = worst.min(mb);
        println!("{name:<28} {ma:>14.1} {mb:>14.1} {:>8.2}", ma / mb);
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
    }
    // JSON mode: the same hostile text inside a hook payload, and many small strings.
    println!();
    println!("{:<28} {:>14} {:>14} {:>8}", "case (json)", "MB/s small", "MB/s large", "ratio");
    let json_cases = |size: usize| -> Vec<(&'static str, String)> {
        vec![
            (
                "payload of api_key=",
                serde_json::json!({"tool_name": "Bash", "tool_input": {"command": repeat("api_key=", size)}})
                    .to_string(),
            ),
            ("array of \"--password\"", format!("[{}\"x\"]", repeat("\"--password\",", size))),
            ("object of password keys", format!("{{{}\"z\":1}}", repeat("\"password\":\"pw\",", size))),
            (
                "nested JSON strings",
                serde_json::json!({"a": repeat("{\\\"password\\\":\\\"", size)}).to_string(),
            ),
        ]
    };
    for ((name, a), (_, b)) in json_cases(small).into_iter().zip(json_cases(large)) {
        if !name.contains(only.as_str()) {
            continue;
        }
        let run = |input: &str| {
            let mut best = Duration::MAX;
            for _ in 0..3 {
                let start = Instant::now();
                black_box(redactor.redact_bytes(black_box(input.as_bytes()), Format::Auto).ok());
                best = best.min(start.elapsed());
            }
            best
        };
        let (ta, tb) = (run(&a), run(&b));
        let ma = a.len() as f64 / ta.as_secs_f64() / 1e6;
        let mb = b.len() as f64 / tb.as_secs_f64() / 1e6;
        worst = worst.min(mb);
        println!("{name:<28} {ma:>14.1} {mb:>14.1} {:>8.2}", ma / mb);
    }
    println!();
    println!("worst case at the large size: {worst:.1} MB/s (budget ≥ 50 MB/s)");
}
