//! Prints what redaction finds in each argument (rule, span, text) and the redacted text: a
//! debugging aid for rule authors.
//!
//! Run: `cargo run -p ward-redact --example explain -- 'DB_PASSWORD=hunter2!' …`

use ward_redact::{FingerprintKey, Redactor};

fn main() {
    let redactor = Redactor::new(FingerprintKey::from_bytes(b"explain"));
    for text in std::env::args().skip(1) {
        let out = redactor.redact_text(&text);
        println!("input:  {text:?}");
        for f in &out.findings {
            println!(
                "  {:<32} {:>5}..{:<5} {:?}",
                f.rule,
                f.start,
                f.end,
                text.get(f.start..f.end).unwrap_or("?")
            );
        }
        println!("output: {:?}\n", out.output);
    }
}
