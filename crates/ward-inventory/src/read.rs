//! Lenient readers for the config formats agents use (JSON, JSONC, TOML, YAML).
//!
//! A missing file is `None` with no finding; an unreadable or unparsable one is `None` plus a
//! finding whose message names the line and column. Error messages from the parsers quote
//! positions, never file content, so a secret in a broken file cannot leak through them.

use std::path::Path;

use crate::context::ScanContext;
use crate::inventory::Inventory;

/// Files larger than this are not config files; reading them would only slow the scan.
pub const MAX_CONFIG_BYTES: u64 = 8 * 1024 * 1024;

/// Read a file as UTF-8 text. `None` if it does not exist; a finding if it cannot be read.
pub fn read_text(cx: &ScanContext, inv: &mut Inventory, client: &str, path: &Path) -> Option<String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            inv.unreadable(client, path, &cx.display(path), &e);
            return None;
        }
    };
    if !meta.is_file() {
        return None;
    }
    if meta.len() > MAX_CONFIG_BYTES {
        inv.parse_error(
            client,
            &cx.display(path),
            format!("file is {} bytes, larger than a config file can be", meta.len()),
        );
        return None;
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Some(s),
            Err(e) => {
                inv.parse_error(
                    client,
                    &cx.display(path),
                    format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
                );
                None
            }
        },
        Err(e) => {
            inv.unreadable(client, path, &cx.display(path), &e);
            None
        }
    }
}

/// Read `path` and parse it with `parse`; a parse error becomes a finding (`parse` says where).
fn read_parsed<T>(
    cx: &ScanContext,
    inv: &mut Inventory,
    client: &str,
    path: &Path,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    let text = read_text(cx, inv, client, path)?;
    match parse(&text) {
        Ok(v) => Some(v),
        Err(msg) => {
            inv.parse_error(client, &cx.display(path), msg);
            None
        }
    }
}

/// Read JSON, accepting JSONC (comments, trailing commas) as VS Code-family editors write it.
pub fn read_json(
    cx: &ScanContext,
    inv: &mut Inventory,
    client: &str,
    path: &Path,
) -> Option<serde_json::Value> {
    read_parsed(cx, inv, client, path, |text| parse_jsonc(text).map_err(|e| json_error(&e)))
}

pub fn read_toml(cx: &ScanContext, inv: &mut Inventory, client: &str, path: &Path) -> Option<toml::Table> {
    read_parsed(cx, inv, client, path, |text| text.parse::<toml::Table>().map_err(|e| toml_error(text, &e)))
}

pub fn read_yaml(
    cx: &ScanContext,
    inv: &mut Inventory,
    client: &str,
    path: &Path,
) -> Option<serde_json::Value> {
    read_parsed(cx, inv, client, path, parse_yaml)
}

/// YAML into a JSON value (so client modules handle one value type). Error: `line L, column C: …`.
pub fn parse_yaml(text: &str) -> Result<serde_json::Value, String> {
    if text.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| match e.location() {
        Some(loc) => format!("line {}, column {}: invalid YAML", loc.line(), loc.column()),
        None => "invalid YAML".to_owned(),
    })?;
    serde_json::to_value(value).map_err(|_| "YAML value cannot be represented as JSON".to_owned())
}

/// `line L, column C: <category>` without quoting content.
pub fn json_error(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of file",
        serde_json::error::Category::Syntax => "invalid JSON syntax",
        serde_json::error::Category::Data => "unexpected value",
        serde_json::error::Category::Io => "read error",
    };
    format!("line {}, column {}: {what}", e.line(), e.column())
}

/// `line L, column C: <parser message>`; toml's own message is used without its source excerpt.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim_end_matches('\n');
    match e.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!("line {line}, column {col}: {msg}")
        }
        None => msg.to_owned(),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

/// Parse JSON that may contain `//` and `/* */` comments and trailing commas.
pub fn parse_jsonc(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(&strip_jsonc(text))
}

/// Blank out comments and trailing commas with spaces, keeping every newline and byte offset,
/// so parser positions still point at the original line and column.
pub fn strip_jsonc(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut in_string = false;
    // Position of a comma that may turn out to be trailing.
    let mut pending_comma: Option<usize> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                pending_comma = None;
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                out[i] = b' ';
                out[i + 1] = b' ';
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] != b'\n' {
                        out[i] = b' ';
                    }
                    i += 1;
                }
                for b in out.iter_mut().skip(i).take(2) {
                    *b = b' ';
                }
                i += 2;
            }
            b',' => {
                pending_comma = Some(i);
                i += 1;
            }
            b'}' | b']' => {
                if let Some(c) = pending_comma.take() {
                    out[c] = b' ';
                }
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            _ => {
                pending_comma = None;
                i += 1;
            }
        }
    }
    // Only ASCII bytes were replaced by ASCII spaces, so the result is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_comments_and_trailing_commas() {
        let v = parse_jsonc("{\n // c\n \"a\": [1, 2,], /* x */ \"b\": \"//not a comment\",\n}").unwrap();
        assert_eq!(v["a"], serde_json::json!([1, 2]));
        assert_eq!(v["b"], "//not a comment");
    }

    #[test]
    fn json_error_has_line_and_column_but_no_content() {
        let e = parse_jsonc("{\n  \"token\": \"ghp_SECRETVALUE\"\n  \"x\": 1\n}").unwrap_err();
        let msg = json_error(&e);
        assert!(msg.starts_with("line 3, column 3"), "{msg}");
        assert!(!msg.contains("SECRETVALUE"));
    }

    #[test]
    fn toml_error_has_line() {
        let text = "a = 1\n\nb = = 2\n";
        let e = text.parse::<toml::Table>().unwrap_err();
        assert!(toml_error(text, &e).starts_with("line 3, column"), "{}", toml_error(text, &e));
    }

    #[test]
    fn yaml_error_has_line() {
        let msg = parse_yaml("a: 1\nb: [\n").unwrap_err();
        assert!(msg.contains("line"), "{msg}");
    }
}
