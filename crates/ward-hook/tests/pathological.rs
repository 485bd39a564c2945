//! Adversarial shell lines must be analyzed without blowing up: bounded output, and finishing
//! at all (a quadratic or exponential path on these 50k-200k character lines would hang the run).

#[test]
fn adversarial_lines_finish() {
    let n = 50_000;
    let lines = [
        "$(".repeat(n),
        "\"$(".repeat(n),
        "`".repeat(n),
        "(".repeat(n),
        "<<A\n".repeat(n),
        "${".repeat(n),
        "sh -c ".repeat(n),
        "eval ".repeat(n),
        "'".repeat(n),
        "$(echo x)".repeat(n / 4),
        "a | ".repeat(n),
        "<(".repeat(n),
        "\\".repeat(n),
    ];
    for line in &lines {
        let a = ward_hook::analyze(line);
        assert!(a.commands.len() <= 2048);
        // Each line is broken or nested past the limit; either way it must be reported.
        assert!(a.parse_error.is_some() || a.dynamic || !a.commands.is_empty(), "{:?}", &line[..12]);
    }
}
