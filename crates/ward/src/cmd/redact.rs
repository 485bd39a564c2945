//! `ward redact`: stdin or a file to stdout with secrets replaced by
//! `[REDACTED:<rule>:<fingerprint>]`; optionally the findings (never the values) as JSON lines;
//! and `--fingerprint` to compute the fingerprint of a known value, the lookup an investigator
//! needs to match an event's redaction against a suspected secret.

use std::fs;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use ward_redact::{FingerprintKey, Format, Redactor};

use crate::env::WardPaths;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// File to redact; standard input when absent or `-`.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,

    /// How to read the input: `json` scans decoded string values and keeps the output valid
    /// JSON; `text` scans raw bytes; `auto` uses JSON when the input parses as JSON.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    format: FormatArg,

    /// Print the findings (rule, byte span, fingerprint; never the value) as JSON lines on
    /// standard error.
    #[arg(long)]
    findings: bool,

    /// Write the findings as JSON lines to FILE instead of standard error.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,

    /// Print the fingerprint VALUE would get under this device's key (the fleet key when
    /// enrolled, else the per-install key). Use `-` to read VALUE from standard input (one line,
    /// newline stripped) so it stays out of shell history.
    #[arg(long, value_name = "VALUE", conflicts_with_all = ["file", "findings", "report", "list_rules"])]
    fingerprint: Option<String>,

    /// List the detection rules (id and description) and exit.
    #[arg(long, conflicts_with_all = ["file", "findings", "report"])]
    list_rules: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum FormatArg {
    Auto,
    Json,
    Text,
}

pub fn run(args: Args, paths: &WardPaths) -> Result<ExitCode> {
    if args.list_rules {
        let mut text = String::new();
        for rule in ward_redact::rules() {
            text.push_str(&format!("{}\t{}\n", rule.id, rule.description));
        }
        crate::out::stdout(text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let key = FingerprintKey::load_or_create(&paths.data_dir).context("cannot load the fingerprint key")?;
    let redactor = Redactor::new(key);

    if let Some(value) = args.fingerprint {
        let value = if value == "-" { read_value_from_stdin()? } else { value };
        if value.is_empty() {
            bail!("--fingerprint: the value is empty");
        }
        crate::out::stdout(format!("{}\n", redactor.fingerprint(value.as_bytes())))?;
        return Ok(ExitCode::SUCCESS);
    }

    let input = read_input(args.file.as_deref())?;
    let format = match args.format {
        FormatArg::Auto => Format::Auto,
        FormatArg::Json => Format::Json,
        FormatArg::Text => Format::Text,
    };
    // On error nothing is written to stdout: the unredacted input must never be echoed.
    let redaction = redactor.redact_bytes(&input, format).map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::out::stdout(&redaction.output)?;

    if args.findings || args.report.is_some() {
        let mut lines = Vec::new();
        for finding in &redaction.findings {
            serde_json::to_writer(&mut lines, finding)?;
            lines.push(b'\n');
        }
        match &args.report {
            Some(path) => fs::write(path, &lines)
                .with_context(|| format!("cannot write the report {}", path.display()))?,
            None => io::stderr().lock().write_all(&lines).context("cannot write to standard error")?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_input(file: Option<&Path>) -> Result<Vec<u8>> {
    match file {
        Some(path) if path != Path::new("-") => {
            fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        }
        _ => {
            let mut input = Vec::new();
            io::stdin().lock().read_to_end(&mut input).context("cannot read standard input")?;
            Ok(input)
        }
    }
}

fn read_value_from_stdin() -> Result<String> {
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line).context("cannot read the value from standard input")?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    Ok(trimmed.strip_suffix('\r').unwrap_or(trimmed).to_string())
}
