//! `ward audit`: the audit trail of this machine. `verify` checks the local spool's hash chain
//! (the work is in `ward_audit::verify`); `query` answers questions from the local index of the
//! spool (the work is in `ward_store::local` and `ward_query`).

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
        #[command(flatten)]
        remote: crate::cmd::fleet::RemoteArgs,
    },
    /// Search this machine's audit trail: `ward audit query 'class:credential since:90d'
    /// --count-by agent,device`. Terms are field:value (agent, device, kind, decision, tier,
    /// repo, tool, action, session, cwd, id, class, rule, host, fingerprint, path), joined by
    /// spaces (AND), OR, NOT / -, parentheses; `*` wildcards; since:/until: take 90d, 12h,
    /// 2026-08-01 or RFC 3339. See docs/query.md. Exit 0 with an answer (even an empty one), 2 on
    /// a bad query or an unreadable spool.
    Query {
        /// The query, as one argument: quote it ('agent:codex decision:deny'); '' for every event.
        /// May start with '-' (`-tier:open`).
        #[arg(allow_hyphen_values = true)]
        query: String,
        /// Count matching events by these fields instead of listing them (comma-separated:
        /// agent,device).
        #[arg(long, value_name = "FIELDS")]
        count_by: Option<String>,
        /// Output format. `json` is a versioned schema (`schema_version`).
        #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
        format: QueryFormat,
        /// At most this many events (default 50) or groups (default 1000).
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// Only events at or after this time (90d, 12h, 2026-08-01, RFC 3339): the same as
        /// adding since:T to the query.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        #[command(flatten)]
        remote: crate::cmd::fleet::RemoteArgs,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryFormat {
    Table,
    Json,
    Csv,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyFormat {
    Table,
    Json,
}

pub fn run(command: Command, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    match command {
        Command::Verify { format, remote } if remote.server.is_some() => {
            crate::cmd::fleet::remote_verify(&remote, format == VerifyFormat::Json, paths)
        }
        Command::Query { query, count_by, format, limit, since, remote } if remote.server.is_some() => {
            let format = match format {
                QueryFormat::Table => ward_store::local::Format::Table,
                QueryFormat::Json => ward_store::local::Format::Json,
                QueryFormat::Csv => ward_store::local::Format::Csv,
            };
            crate::cmd::fleet::remote_query(
                &remote,
                &query,
                count_by.as_deref(),
                format,
                limit,
                since.as_deref(),
                paths,
            )
        }
        Command::Verify { format, .. } => {
            let report = verify(&paths.data_dir)
                .with_context(|| format!("cannot verify the spool in {}", paths.data_dir.display()))?;
            let output = match format {
                VerifyFormat::Table => render_table(&report, &SpoolLayout::new(&paths.data_dir)),
                VerifyFormat::Json => render_json(&report)?,
            };
            crate::out::stdout(output)?;
            Ok(ExitCode::from(if report.is_intact() { 0 } else { 1 }))
        }
        Command::Query { query, count_by, format, limit, since, .. } => {
            let request = match query_request(
                &query,
                count_by.as_deref(),
                format,
                limit,
                since.as_deref(),
                &paths.home,
            ) {
                Ok(request) => request,
                Err(error) => {
                    eprintln!("ward audit query: {error}");
                    return Ok(ExitCode::from(2));
                }
            };
            let now = time::OffsetDateTime::now_utc();
            // The first query over a large spool indexes all of it (seconds): on a terminal,
            // say so once a batch is in (not for the few events a query usually catches up on),
            // and clear the line before the answer.
            let mut spinner = None;
            let mut progress = |indexed: u64| {
                let message = format!("indexing the audit spool for queries: {indexed} events");
                if let Some(bar) = spinner.get_or_insert_with(|| crate::out::spinner(&message)) {
                    bar.set_message(message);
                }
            };
            let answered = ward_store::local::answer(&paths.data_dir, &request, now, &mut progress);
            if let Some(Some(bar)) = spinner {
                bar.finish_and_clear();
            }
            let answer = answered
                .with_context(|| format!("cannot query the audit trail in {}", paths.data_dir.display()))?;
            for note in home_spelled_out(&query, &paths.home).iter().chain(&answer.notes) {
                eprintln!("ward audit query: {note}");
            }
            crate::out::stdout(answer.text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A hint when a `path:` term spells this machine's home out (`path:/home/dev/.aws/*`): the hook
/// records a path the agent wrote under the user's home as `~/…`, which such a term does not
/// match; `~/` matches both (here it also means this home). (`cwd:` is recorded as it is.)
fn home_spelled_out(query: &str, home: &std::path::Path) -> Option<String> {
    let home = home.to_string_lossy();
    let home = home.trim_end_matches('/');
    if home.is_empty() {
        return None;
    }
    // A path's values are kept without case, its terms too.
    let home = ward_query::path_form::fold_case(home);
    let parsed = ward_query::Query::parse(query).ok()?;
    parsed.expr.terms().into_iter().find_map(|term| {
        let ward_query::TermValue::Pattern(pattern) = &term.value else { return None };
        if term.field != ward_query::Field::Path {
            return None;
        }
        let ward_query::Piece::Literal(first) = pattern.pieces.first()? else { return None };
        let rest = first.strip_prefix(home.as_ref())?.strip_prefix('/')?;
        let mut tilde = format!("path:~/{rest}");
        for piece in &pattern.pieces[1..] {
            match piece {
                ward_query::Piece::Literal(text) => tilde.push_str(text),
                ward_query::Piece::Star => tilde.push('*'),
            }
        }
        Some(format!(
            "note: path:{home}/… names this machine's home; the hook records paths the agent wrote under \
             the user's home as ~/…, so ask {tilde} to match both"
        ))
    })
}

/// The parsed arguments of `ward audit query`; errors point at the column of the bad part.
fn query_request(
    query: &str,
    count_by: Option<&str>,
    format: QueryFormat,
    limit: Option<u64>,
    since: Option<&str>,
    home: &std::path::Path,
) -> Result<ward_store::local::LocalQuery, String> {
    // `~/` in a path means any user's home; here, on the machine itself, also its own home
    // (`--home`, the `~` the hook's policy used), which may be none of the usual forms.
    let mut parsed =
        ward_query::Query::parse(query).map_err(|e| e.to_string())?.with_home(&home.to_string_lossy());
    if let Some(since) = since {
        let bound = ward_query::Query::parse(&format!(
            "since:\"{}\"",
            since.replace('\\', "\\\\").replace('"', "\\\"")
        ))
        // The position would be in the text built here, not in what was typed.
        .map_err(|e| format!("--since: {}", e.message))?;
        parsed = parsed.and(bound);
    }
    let count_by = match count_by {
        Some(list) => {
            ward_query::parse_fields(list).map_err(|e| format!("--count-by:{}: {}", e.column, e.message))?
        }
        None => Vec::new(),
    };
    let format = match format {
        QueryFormat::Table => ward_store::local::Format::Table,
        QueryFormat::Json => ward_store::local::Format::Json,
        QueryFormat::Csv => ward_store::local::Format::Csv,
    };
    Ok(ward_store::local::LocalQuery { query: parsed, count_by, format, limit })
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
    let anchor = match (report.anchor.seq, report.anchor.state) {
        (Some(seq), state) => format!("seq {seq}: {state}"),
        (None, state) => state.to_owned(),
    };
    let _ = writeln!(
        out,
        "anchor      {anchor} ({})",
        ward_audit::anchor::anchor_path(&layout.data_dir).display()
    );
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
        let code = run(
            Command::Verify { format: VerifyFormat::Table, remote: Default::default() },
            &paths(dir.path()),
        )
        .unwrap();
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
        let code = run(
            Command::Verify { format: VerifyFormat::Json, remote: Default::default() },
            &paths(dir.path()),
        )
        .unwrap();
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
        let error = run(
            Command::Verify { format: VerifyFormat::Table, remote: Default::default() },
            &paths(dir.path()),
        )
        .unwrap_err();
        assert!(format!("{error:#}").contains("device id"), "{error:#}");
    }
}
