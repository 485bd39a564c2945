//! Benchmark: enumerating a VS Code extensions folder of 500 extensions (folder listing plus one
//! `package.json` parse each), cold (no cache) and through the scan's manifest cache.
//! Also times every registered client scanner over that home. Prints a table; the budget is
//! well under 100 ms for 500 extensions.

use std::time::{Duration, Instant};

use ward_inventory::extensions::{enumerate_dir, installed};
use ward_inventory::ScanContext;

const EXTENSIONS: usize = 500;
const RUNS: usize = 20;

fn main() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join(".vscode/extensions");
    ward_inventory::extensions::testing::generate_extensions(&dir, EXTENSIONS).expect("generate");
    let cx = ScanContext::new(home.path().to_path_buf());

    let cold = measure(|| enumerate_dir(&dir, "vscode").0.len());
    let cached = measure(|| installed(&cx).extensions.len());
    // Every registered scanner over that home: extension artifacts plus the agent modules that
    // ask the extension index (Cline, Roo Code, Continue, Copilot, Amazon Q).
    let scanners = ward_inventory::clients::all();
    let full = measure(|| {
        let mut inv = ward_inventory::Inventory::default();
        for s in &scanners {
            s.scan(&cx, &mut inv);
        }
        inv.artifacts.iter().filter(|a| a.kind == ward_model::ArtifactKind::Extension).count()
    });

    println!("| benchmark ({EXTENSIONS} extensions, {RUNS} runs) | median | max | budget |");
    println!("|---|---|---|---|");
    for (name, (median, max)) in [
        ("enumerate_dir (no cache)", cold),
        ("installed (manifest cache)", cached),
        ("all client scanners", full),
    ] {
        println!("| {name} | {:.2} ms | {:.2} ms | < 100 ms |", ms(median), ms(max));
    }
}

fn measure(mut f: impl FnMut() -> usize) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let n = f();
        times.push(t.elapsed());
        assert_eq!(n, EXTENSIONS, "every generated extension must be found");
    }
    times.sort();
    (times[RUNS / 2], times[RUNS - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
