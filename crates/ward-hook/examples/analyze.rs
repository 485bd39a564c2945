//! Print the analysis of a shell command line given as arguments (a debugging aid).
fn main() {
    let line = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    match serde_json::to_string_pretty(&ward_hook::analyze(&line)) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("{e}"),
    }
}
