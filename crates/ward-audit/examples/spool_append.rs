//! Appends events to a spool from the command line, for trying the spool and `ward audit verify`
//! by hand: `cargo run -p ward-audit --example spool_append -- DATA_DIR < drafts.jsonl`, one
//! event draft (an `Event` as JSON; chain fields may be left empty) per line. Prints each stored
//! event's seq and hash.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use ward_audit::Spool;
use ward_model::Event;

fn main() -> ExitCode {
    let Some(data_dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: spool_append DATA_DIR < drafts.jsonl");
        return ExitCode::from(2);
    };
    let mut spool = match Spool::open(&data_dir) {
        Ok(spool) => spool,
        Err(error) => {
            eprintln!("spool_append: {error}");
            return ExitCode::from(2);
        }
    };
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let appended = line
            .map_err(|e| e.to_string())
            .and_then(|line| serde_json::from_str::<Event>(&line).map_err(|e| e.to_string()))
            .and_then(|draft| spool.append(draft).map_err(|e| e.to_string()));
        match appended {
            Ok(event) => println!("{} {}", event.seq, event.hash),
            Err(error) => {
                eprintln!("spool_append: line {}: {error}", number + 1);
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}
