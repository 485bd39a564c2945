//! How `ward audit query` shows answers: a table for people, JSON and CSV for scripts. JSON
//! carries `schema_version` ([`QUERY_OUTPUT_VERSION`]); its shape is documented in
//! `docs/query.md`.

use std::fmt::Write as _;

use serde_json::{json, Value};
use ward_model::Event;
use ward_query::Field;

use crate::CountRow;

/// Version of the `--format json` output of `ward audit query`.
pub const QUERY_OUTPUT_VERSION: u32 = 1;

/// Placeholder for a missing value in tables.
const NONE: &str = "-";

const EVENT_COLUMNS: [&str; 8] =
    ["TIME (UTC)", "AGENT", "DECISION", "TIER", "ACTION", "RULE", "REPO", "CLASSES"];

/// An event's cells in [`EVENT_COLUMNS`] order; `none` stands for a missing value (the table's
/// `-`; CSV leaves the cell empty, so a script never reads a placeholder as a value).
fn event_cells(event: &Event, none: &str) -> Vec<String> {
    // In UTC whatever offset the event was written with (the column says so; the order of the
    // rows is the instants' order), and seconds are enough at a glance: 2026-12-03 07:12:13.
    let utc = ward_model::EventTime::from_datetime(event.time.datetime());
    let time = utc.as_str();
    let short = if time.len() >= 19 { time[..19].replace('T', " ") } else { time.to_owned() };
    let text = |v: Option<&str>| v.unwrap_or(none).to_owned();
    vec![
        short,
        text(event.agent.as_deref()),
        text(event.decision_name()),
        text(event.tier.as_deref()),
        text(event.action_name()),
        text(event.rule.as_deref()),
        text(event.repo.as_deref()),
        if event.classes.is_empty() { none.to_owned() } else { event.classes.join(",") },
    ]
}

/// Replaces control characters so a hostile value cannot rewrite the terminal, and the invisible
/// characters that reorder or hide text (bidirectional overrides and isolates, zero-width
/// characters: "Trojan Source") so it cannot make a row read as something else, such as a
/// path shown reversed.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() || reorders_or_hides(c) { '\u{FFFD}' } else { c }).collect()
}

/// Characters that change how the text around them displays (bidi controls, line and paragraph
/// separators) or show as nothing (zero-width and soft hyphen, fillers, variation selectors,
/// tag characters).
fn reorders_or_hides(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

fn table(header: &[String], rows: &[Vec<String>], right_align_last: bool) -> String {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| printable(c)).collect()).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter().map(|r| r[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let last = i + 1 == row.len();
            let pad = widths[i] - cell.chars().count();
            if last && right_align_last {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else if last {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

pub fn events_table(events: &[Event], total: u64) -> String {
    let header: Vec<String> = EVENT_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    let rows: Vec<Vec<String>> = events.iter().map(|event| event_cells(event, NONE)).collect();
    let mut out = if events.is_empty() { String::new() } else { table(&header, &rows, false) };
    let shown = events.len() as u64;
    let _ = if shown < total {
        writeln!(out, "{shown} of {total} matching events (newest first; --limit to see more)")
    } else {
        writeln!(out, "{total} matching event{}", if total == 1 { "" } else { "s" })
    };
    out
}

pub fn events_json(query: &str, events: &[Event], total: u64) -> Result<String, serde_json::Error> {
    let value = json!({
        "schema_version": QUERY_OUTPUT_VERSION,
        "query": query,
        "total": total,
        "events": events,
    });
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}

pub fn events_csv(events: &[Event]) -> String {
    let mut header: Vec<String> = EVENT_COLUMNS.iter().map(|s| s.to_ascii_lowercase()).collect();
    header[0] = "time".to_owned();
    header.extend(["device".to_owned(), "id".to_owned()]);
    let mut out = csv_line(&header);
    for event in events {
        let mut cells = event_cells(event, "");
        cells[0] = event.time.to_string();
        cells.extend([event.device.clone(), event.id.clone()]);
        out.push_str(&csv_line(&cells));
    }
    out
}

fn count_header(fields: &[Field]) -> Vec<String> {
    fields.iter().map(|f| f.name().to_ascii_uppercase()).chain(["COUNT".to_owned()]).collect()
}

pub fn counts_table(fields: &[Field], rows: &[CountRow], total: u64) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.values
                .iter()
                .map(|v| v.clone().unwrap_or_else(|| NONE.to_owned()))
                .chain([row.count.to_string()])
                .collect()
        })
        .collect();
    let mut out = if rows.is_empty() { String::new() } else { table(&count_header(fields), &cells, true) };
    let _ = writeln!(
        out,
        "{total} matching event{} in {} group{}",
        if total == 1 { "" } else { "s" },
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    out
}

pub fn counts_json(
    query: &str,
    fields: &[Field],
    rows: &[CountRow],
    total: u64,
) -> Result<String, serde_json::Error> {
    let rows: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut object = serde_json::Map::new();
            for (field, value) in fields.iter().zip(&row.values) {
                object.insert(field.name().to_owned(), json!(value));
            }
            object.insert("count".to_owned(), json!(row.count));
            Value::Object(object)
        })
        .collect();
    let value = json!({
        "schema_version": QUERY_OUTPUT_VERSION,
        "query": query,
        "count_by": fields.iter().map(|f| f.name()).collect::<Vec<_>>(),
        "total": total,
        "rows": rows,
    });
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}

pub fn counts_csv(fields: &[Field], rows: &[CountRow]) -> String {
    let header: Vec<String> =
        fields.iter().map(|f| f.name().to_owned()).chain(["count".to_owned()]).collect();
    let mut out = csv_line(&header);
    for row in rows {
        let cells: Vec<String> =
            row.values.iter().map(|v| v.clone().unwrap_or_default()).chain([row.count.to_string()]).collect();
        out.push_str(&csv_line(&cells));
    }
    out
}

/// One RFC 4180 line. Cells a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR
/// first) get a leading `'`, and control and invisible characters are replaced as in the table
/// ([`printable`]): event values come from agents, which may be hostile, and CSV is read in
/// terminals too.
fn csv_line(cells: &[String]) -> String {
    let mut line = String::new();
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        let mut cell = printable(cell);
        if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err() {
            cell.insert(0, '\'');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&cell.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&cell);
        }
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let cells = [
            "a,b".to_owned(),
            "say \"hi\"".to_owned(),
            "=HYPERLINK(1)".to_owned(),
            "-5".to_owned(),
            "-rm".to_owned(),
        ];
        assert_eq!(csv_line(&cells), "\"a,b\",\"say \"\"hi\"\"\",'=HYPERLINK(1),-5,'-rm\r\n");
        let hostile = ["git@\u{1b}[2Jhost".to_owned(), "a\nb".to_owned(), "\u{202e}txt.exe".to_owned()];
        assert_eq!(csv_line(&hostile), "git@\u{fffd}[2Jhost,a\u{fffd}b,\u{fffd}txt.exe\r\n");
    }

    #[test]
    fn csv_leaves_missing_values_empty() {
        let mut event = Event::draft(ward_model::EventKind::Decision);
        event.id = "01a246d9-9051-706c-a320-18f92f03332e".into();
        event.device = "d1".into();
        event.time = ward_model::EventTime::parse("2026-12-05T15:36:33.105398Z").expect("a time");
        event.agent = Some("codex".into());
        let csv = events_csv(std::slice::from_ref(&event));
        let row = csv.lines().nth(1).expect("a row");
        assert_eq!(row, "2026-12-05T15:36:33.105398Z,codex,,,,,,,d1,01a246d9-9051-706c-a320-18f92f03332e");
        // A time written with an offset is shown in UTC.
        let mut offset = event.clone();
        offset.time = ward_model::EventTime::parse("2026-12-01T00:00:01+02:00").expect("a time");
        assert!(events_table(&[offset], 1).contains("2026-11-30 22:00:01"));
        // The table shows the placeholder where CSV leaves the cell empty.
        let table = events_table(&[event], 1);
        assert!(table.lines().nth(1).expect("a row").contains("codex  -"), "{table}");
    }

    #[test]
    fn count_table_aligns_counts() {
        let rows = vec![
            CountRow { values: vec![Some("codex".into()), Some("dev-1".into())], count: 120 },
            CountRow { values: vec![None, Some("dev-2".into())], count: 7 },
        ];
        let text = counts_table(&[Field::Agent, Field::Device], &rows, 127);
        assert_eq!(
            text,
            "AGENT  DEVICE  COUNT\ncodex  dev-1     120\n-      dev-2       7\n127 matching events in 2 groups\n"
        );
        let json: Value =
            serde_json::from_str(&counts_json("q", &[Field::Agent, Field::Device], &rows, 127).unwrap())
                .unwrap();
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["rows"][1]["agent"], Value::Null);
        assert_eq!(json["rows"][0]["count"], 120);
    }

    #[test]
    fn control_characters_do_not_reach_the_terminal() {
        assert_eq!(printable("a\x1b[2Jb\n"), "a\u{FFFD}[2Jb\u{FFFD}");
        // `/tmp/x` followed by a right-to-left override would show `~/.ssh/id_rsa` reversed.
        assert_eq!(
            printable("/tmp/\u{202E}asr_di/hss.\u{2066}x\u{200B}"),
            "/tmp/\u{FFFD}asr_di/hss.\u{FFFD}x\u{FFFD}"
        );
        assert_eq!(printable("C:\\Users\\é"), "C:\\Users\\é");
        assert_eq!(
            printable("a\u{00AD}b\u{2028}c\u{E0041}d\u{3164}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}"
        );
    }
}
