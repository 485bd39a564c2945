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

/// Input turned into arguments: loops looked ahead, printf widths, find globs, read counts.
#[test]
fn input_analysis_finishes_and_never_panics() {
    let n = 20_000;
    let lines = [
        format!("{}cat x{}", "while :; do ".repeat(n), "; done".repeat(n)),
        format!("{}read f{}", "{ ".repeat(n), "; }".repeat(n)),
        "echo x | ( ".repeat(n),
        format!("find {} -name '{}b'", "a".repeat(2_000), "*a".repeat(200)),
        "printf '%99999999999999s' x; printf '%*s' 99999999999999 x".to_owned(),
        "read -n 99999999999999999999 f <<< x; read -N 0 g <<< y; cat $f $g".to_owned(),
        "echo x | sort -é | head -ñ 3 | grep -éa y | ls -Ié | xargs -Ié".to_owned(),
        "mapfile -C 'mapfile -C x' y <<< z; printf -v".to_owned(),
        format!("printf '{}' {}", "%s".repeat(n), "a ".repeat(n)),
    ];
    for line in &lines {
        let a = ward_hook::analyze(line);
        assert!(a.commands.len() <= 4096, "{:?}", &line[..20]);
    }
}
