//! `ward audit`: the audit trail of this machine. `verify` checks the local spool's hash chain;
//! the work is in `ward_audit::verify`.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use ward_audit::{verify, SpoolLayout, VerifyReport};

use crate::env::WardPaths;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Check this machine's spool: every event unaltered, the hash chain unbroken, no seq missing.
    /// Exit 0 if intact, 1 if there are problems, 2 if the spool cannot be read.
    Verify {
        /// Output format. `json` is a versioned schema (`schema_version`).
        #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
        format: VerifyFormat,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyFormat {
    Table,
    Json,
}

pub fn run(command: Command, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    match command {
        Command::Verify { format } => {
            let report = verify(&paths.data_dir)
                .with_context(|| format!("cannot verify the spool in {}", paths.data_dir.display()))?;
            let output = match format {
                VerifyFormat::Table => render_table(&report, &SpoolLayout::new(&paths.data_dir)),
                VerifyFormat::Json => render_json(&report)?,
            };
            crate::out::stdout(output)?;
            Ok(ExitCode::from(if report.is_intact() { 0 } else { 1 }))
        }
    }
}

fn render_json(report: &VerifyReport) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(report).context("cannot serialize the report")?;
    text.push('\n');
    Ok(text)
}

fn render_table(report: &VerifyReport, layout: &SpoolLayout) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "spool       {}", layout.spool_dir.display());
    let _ =
        writeln!(out, "device      {}", report.device.as_deref().unwrap_or("(none yet: nothing recorded)"));
    let _ = writeln!(out, "segments    {}", report.segments);
    let span = match (report.first_seq, report.last_seq) {
        (Some(first), Some(last)) => format!(" (seq {first} to {last})"),
        _ => String::new(),
    };
    let _ = writeln!(out, "events      {}{span}", report.events);
    if let Some(checkpoint) = &report.checkpoint {
        let _ = writeln!(
            out,
            "checkpoint  seq {} (events up to it were shipped; verification starts there)",
            checkpoint.seq
        );
    }
    if report.is_intact() {
        let _ = writeln!(out, "result      intact");
        return out;
    }
    let count = report.problems.len();
    let _ = writeln!(out, "result      {count} problem{}", if count == 1 { "" } else { "s" });
    let _ = writeln!(out);
    let rows: Vec<[String; 5]> = report
        .problems
        .iter()
        .map(|p| {
            let cell = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
            let kind = serde_json::to_value(p.kind).ok().and_then(|v| v.as_str().map(str::to_owned));
            [kind.unwrap_or_default(), cell(p.segment), cell(p.line), cell(p.seq), p.message.clone()]
        })
        .collect();
    let header = ["PROBLEM", "SEGMENT", "LINE", "SEQ", "MESSAGE"];
    let width = |column: usize| {
        rows.iter().map(|row| row[column].len()).chain([header[column].len()]).max().unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2), width(3)];
    let mut line = |cells: [&str; 5]| {
        let _ = writeln!(
            out,
            "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use ward_audit::{draft_event, Spool};
    use ward_model::EventKind;

    use super::*;

    fn paths(data_dir: &Path) -> WardPaths {
        WardPaths {
            home: data_dir.to_owned(),
            data_dir: data_dir.to_owned(),
            system_root: data_dir.to_owned(),
            policy_file: None,
            policy_managed: false,
        }
    }

    fn record(data_dir: &Path, count: usize) {
        let mut spool = Spool::open(data_dir).unwrap();
        for _ in 0..count {
            spool.append(draft_event(EventKind::Decision)).unwrap();
        }
    }

    fn segment(data_dir: &Path) -> std::path::PathBuf {
        data_dir.join("spool").join(ward_audit::read::segment_file_name(1))
    }

    #[test]
    fn intact_spool_exits_zero() {
        let dir = tempfile::tempdir().unwrap();
        record(dir.path(), 3);
        let code = run(Command::Verify { format: VerifyFormat::Table }, &paths(dir.path())).unwrap();
        assert_eq!(code, ExitCode::from(0));
        let report = verify(dir.path()).unwrap();
        let table = render_table(&report, &SpoolLayout::new(dir.path()));
        assert!(table.contains("events      3 (seq 1 to 3)"), "{table}");
        assert!(table.contains("result      intact"), "{table}");
    }

    #[test]
    fn tampered_spool_exits_one_and_names_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        record(dir.path(), 3);
        let path = segment(dir.path());
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(1);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let code = run(Command::Verify { format: VerifyFormat::Json }, &paths(dir.path())).unwrap();
        assert_eq!(code, ExitCode::from(1));
        let report = verify(dir.path()).unwrap();
        let table = render_table(&report, &SpoolLayout::new(dir.path()));
        assert!(table.contains("result      1 problem\n"), "{table}");
        assert!(table.contains("gap"), "{table}");
        let json: serde_json::Value = serde_json::from_str(&render_json(&report).unwrap()).unwrap();
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["events"], 2);
        assert_eq!(json["problems"][0]["kind"], "gap");
        assert_eq!(json["problems"][0]["seq"], 3);
    }

    #[test]
    fn unreadable_spool_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        record(dir.path(), 1);
        std::fs::write(dir.path().join("device.id"), "garbage").unwrap();
        let error = run(Command::Verify { format: VerifyFormat::Table }, &paths(dir.path())).unwrap_err();
        assert!(format!("{error:#}").contains("device id"), "{error:#}");
    }
}
