//! `ward scan --format sarif`: the scan's risk flags, drift findings and scan findings as a
//! SARIF 2.1.0 log (one run, tool `ward`), for code-scanning dashboards and SIEMs that read
//! SARIF. Rules: `ward.risk.<flag>`, `ward.drift.<status>`, `ward.scan.<finding kind>`.
//! Locations are the config files (`file://` URIs; files under the home relative to the
//! `HOME` base id, so reports from different machines compare). No secret value is added here:
//! messages are the artifacts' scrubbed explanations.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use ward_model::{DriftStatus, FindingKind, ScanReport, Severity};

use crate::guide::{flag_description, kind_word};

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";
/// The schema URI SARIF consumers expect in `$schema`.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

struct Rule {
    id: String,
    name: String,
    short: String,
    full: String,
    level: &'static str,
}

/// The SARIF document for `report`, pretty-printed.
pub fn render_sarif(report: &ScanReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&sarif_value(report))
}

/// The SARIF document as a JSON value.
pub fn sarif_value(report: &ScanReport) -> Value {
    let mut rules: BTreeMap<String, (usize, Rule)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut results = Vec::new();
    let mut rule_index = |rule: Rule, rules: &mut BTreeMap<String, (usize, Rule)>| -> (String, usize) {
        let id = rule.id.clone();
        let n = rules.len();
        let index = rules.entry(id.clone()).or_insert_with(|| (n, rule)).0;
        if index == n {
            order.push(id.clone());
        }
        (id, index)
    };

    for a in &report.artifacts {
        for r in &a.risk {
            let (id, index) = rule_index(
                Rule {
                    id: format!("ward.risk.{}", r.flag),
                    name: pascal(&r.flag),
                    short: format!("Risk flag {}", r.flag),
                    full: flag_description(&r.flag).to_owned(),
                    level: level(r.severity),
                },
                &mut rules,
            );
            results.push(json!({
                "ruleId": id,
                "ruleIndex": index,
                "level": level(r.severity),
                "message": { "text": format!("{} {} ({}): {}", kind_word(a.kind), a.name, a.client, r.explanation) },
                "locations": [location(report, &a.source, &format!("{}/{}/{}", a.kind, a.client, a.name), a.kind.as_str())],
                "partialFingerprints": { "wardArtifactId/v1": a.id, "wardRiskFlag/v1": r.flag },
                "properties": {
                    "artifact_id": a.id,
                    "kind": a.kind,
                    "client": a.client,
                    "scope": a.scope,
                    "identity": a.identity,
                    "severity": r.severity,
                },
            }));
        }
    }

    if let Some(d) = &report.drift {
        for r in d.findings() {
            let (short, full, lvl) = match r.status {
                DriftStatus::Changed => (
                    "An approved artifact changed",
                    "An artifact has the name of an entry in the policy's approved lists, but its identity, content hash or version differs from what was approved.",
                    "error",
                ),
                DriftStatus::Unapproved => (
                    "An artifact is not approved",
                    "An artifact of a kind the policy governs is not on the policy's approved lists.",
                    "warning",
                ),
                DriftStatus::Missing => (
                    "A required artifact is missing",
                    "An entry the policy marks as required on every machine matches no artifact on this one.",
                    "warning",
                ),
                DriftStatus::Approved => continue,
            };
            let (id, index) = rule_index(
                Rule {
                    id: format!("ward.drift.{}", r.status),
                    name: pascal(&format!("drift-{}", r.status)),
                    short: short.to_owned(),
                    full: full.to_owned(),
                    level: lvl,
                },
                &mut rules,
            );
            let logical = format!("{}/{}/{}", r.kind, r.client, r.name);
            let mut result = json!({
                "ruleId": id,
                "ruleIndex": index,
                "level": lvl,
                "message": { "text": r.message },
                "partialFingerprints": { "wardDrift/v1": r.fingerprint },
                "properties": {
                    "status": r.status,
                    "kind": r.kind,
                    "client": r.client,
                    "name": r.name,
                    "identity": r.identity,
                    "entry": r.entry,
                    "expected": r.expected,
                    "actual": r.actual,
                    "artifact_id": r.artifact_id,
                    "policy": d.policy,
                },
            });
            let loc = match &r.source {
                Some(src) => location(report, src, &logical, r.kind.as_str()),
                None => {
                    json!({ "logicalLocations": [{ "fullyQualifiedName": logical, "kind": r.kind.as_str() }] })
                }
            };
            result["locations"] = json!([loc]);
            results.push(result);
        }
    }

    for f in &report.findings {
        let (kind, short, full) = match f.kind {
            FindingKind::ParseError => (
                "parse_error",
                "A config file cannot be parsed",
                "A config file exists but could not be parsed; its content is missing from the inventory. Agents may read it differently.",
            ),
            FindingKind::Unreadable => (
                "unreadable",
                "A file or directory cannot be read",
                "A file or directory could not be read by the scan; its content is missing from the inventory.",
            ),
            FindingKind::Notice => ("notice", "Scan notice", "Something the scan met that an admin should know."),
        };
        let (id, index) = rule_index(
            Rule {
                id: format!("ward.scan.{kind}"),
                name: pascal(&format!("scan-{kind}")),
                short: short.to_owned(),
                full: full.to_owned(),
                level: "note",
            },
            &mut rules,
        );
        let mut result = json!({
            "ruleId": id,
            "ruleIndex": index,
            "level": "note",
            "message": { "text": f.message },
            "properties": { "client": f.client },
        });
        if !f.source.is_empty() {
            result["locations"] =
                json!([location(report, &f.source, &format!("{}/{}", f.client, f.source), "file")]);
        }
        results.push(result);
    }

    let rules: Vec<Value> = order
        .iter()
        .filter_map(|id| rules.get(id))
        .map(|(_, r)| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.short },
                "fullDescription": { "text": r.full },
                "defaultConfiguration": { "level": r.level },
            })
        })
        .collect();

    let home = home_uri(&report.device.home);
    json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": { "driver": {
                "name": "ward",
                "semanticVersion": report.ward_version,
                "rules": rules,
            }},
            "originalUriBaseIds": { "HOME": { "uri": home } },
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": report.generated_at,
                "machine": report.device.hostname,
                "account": report.device.user,
            }],
            "results": results,
            "properties": {
                "ward_scan_schema_version": report.schema_version,
                "device": report.device,
            },
        }],
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// `plaintext-secret` → `PlaintextSecret` (SARIF rule names are identifiers).
fn pascal(flag: &str) -> String {
    flag.split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A result location: the file as a URI (home-relative with base id `HOME`, else `file://`),
/// plus the artifact as a logical location.
fn location(_report: &ScanReport, source: &str, logical: &str, kind: &str) -> Value {
    let artifact = match source.strip_prefix("~/") {
        Some(rel) => json!({ "uri": encode_path(rel), "uriBaseId": "HOME" }),
        None if source.starts_with('/') => json!({ "uri": format!("file://{}", encode_path(source)) }),
        // Windows drive paths, or anything else: a relative reference keeps it valid.
        None => json!({ "uri": encode_path(&source.replace('\\', "/")) }),
    };
    json!({
        "physicalLocation": { "artifactLocation": artifact },
        "logicalLocations": [{ "fullyQualifiedName": logical, "kind": kind }],
    })
}

fn home_uri(home: &str) -> String {
    let mut h = encode_path(&home.replace('\\', "/"));
    if !h.ends_with('/') {
        h.push('/');
    }
    if h.starts_with('/') {
        format!("file://{h}")
    } else {
        format!("file:///{h}")
    }
}

/// Percent-encode what may not appear in a URI path (RFC 3986 `pchar` plus `/`).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal("plaintext-secret"), "PlaintextSecret");
        assert_eq!(pascal("drift-changed"), "DriftChanged");
        assert_eq!(
            encode_path("Library/Application Support/x#1.json"),
            "Library/Application%20Support/x%231.json"
        );
        assert_eq!(home_uri("/home/ana"), "file:///home/ana/");
        assert_eq!(home_uri("C:\\Users\\ana"), "file:///C:/Users/ana/");
    }
}
