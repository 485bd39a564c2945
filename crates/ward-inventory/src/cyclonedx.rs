//! `ward scan --format cyclonedx`: the scan as a CycloneDX 1.6 JSON AI bill of materials. The
//! machine is the BOM's subject (`metadata.component`, type `device`); every agent, MCP server,
//! extension, skill, plugin, hook and CLI is a component with Ward's details as `ward:*`
//! properties; each agent depends on the artifacts of its client. Secrets are not components:
//! they appear as `ward:secret` properties of the metadata, describing kind, path, mode and
//! which agents can read them — never a value (artifacts hold none).

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use ward_model::{Artifact, ArtifactKind, ScanReport};

/// The CycloneDX specification version written.
pub const CYCLONEDX_SPEC_VERSION: &str = "1.6";

/// The BOM for `report`, pretty-printed.
pub fn render_cyclonedx(report: &ScanReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&cyclonedx_value(report))
}

/// The BOM as a JSON value.
pub fn cyclonedx_value(report: &ScanReport) -> Value {
    let drift_status = |a: &Artifact| {
        report
            .drift
            .as_ref()
            .and_then(|d| d.results.iter().find(|r| r.artifact_id.as_deref() == Some(a.id.as_str())))
            .map(|r| r.status.as_str())
    };
    let mut components = Vec::new();
    let mut secrets = Vec::new();
    for a in &report.artifacts {
        if a.kind == ArtifactKind::Secret {
            secrets.push(prop("ward:secret", secret_summary(a)));
            continue;
        }
        components.push(component(a, drift_status(a)));
    }
    let mut dependencies = Vec::new();
    for agent in report.artifacts.iter().filter(|a| a.kind == ArtifactKind::Agent) {
        let depends: Vec<&str> = report
            .artifacts
            .iter()
            .filter(|a| {
                a.client == agent.client && !matches!(a.kind, ArtifactKind::Agent | ArtifactKind::Secret)
            })
            .map(|a| a.id.as_str())
            .collect();
        dependencies.push(json!({ "ref": agent.id, "dependsOn": depends }));
    }
    let d = &report.device;
    let mut metadata_props = vec![
        prop("ward:scan_schema_version", report.schema_version.to_string()),
        prop("ward:device:os", d.os.clone()),
        prop("ward:device:arch", d.arch.clone()),
        prop("ward:device:user", d.user.clone()),
        prop("ward:device:home", d.home.clone()),
    ];
    if let Some(drift) = &report.drift {
        metadata_props.push(prop("ward:drift:policy", drift.policy.clone()));
    }
    metadata_props.extend(secrets);
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": CYCLONEDX_SPEC_VERSION,
        "serialNumber": serial_number(report),
        "version": 1,
        "metadata": {
            "timestamp": report.generated_at,
            "tools": { "components": [{
                "type": "application",
                "name": "ward",
                "version": report.ward_version,
            }]},
            "component": {
                "type": "device",
                "bom-ref": "device",
                "name": if d.hostname.is_empty() { "unknown-host" } else { d.hostname.as_str() },
            },
            "properties": metadata_props,
        },
        "components": components,
        "dependencies": dependencies,
    })
}

fn prop(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

/// `urn:uuid:` of a UUID derived from the device and the scan time, so one scan has one serial
/// number and two scans differ (version nibble 4 and RFC 4122 variant, as the schema requires).
fn serial_number(report: &ScanReport) -> String {
    let mut h = Sha256::new();
    for part in [&report.device.hostname, &report.device.home, &report.generated_at, &report.ward_version] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!("urn:uuid:{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

fn component_type(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::Agent | ArtifactKind::Cli | ArtifactKind::McpServer | ArtifactKind::Hook => {
            "application"
        }
        ArtifactKind::Extension | ArtifactKind::Plugin => "library",
        ArtifactKind::Skill => "file",
        ArtifactKind::Secret => "data",
    }
}

fn component(a: &Artifact, drift: Option<&str>) -> Value {
    let mut props = vec![
        prop("ward:kind", a.kind.as_str()),
        prop("ward:client", a.client.clone()),
        prop("ward:scope", a.scope.as_str()),
        prop("ward:source", a.source.clone()),
        prop("ward:identity", a.identity.clone()),
    ];
    for r in &a.risk {
        props.push(prop("ward:risk", format!("{} ({:?})", r.flag, r.severity).to_lowercase()));
    }
    if let Some(status) = drift {
        props.push(prop("ward:drift", status));
    }
    for (k, v) in &a.attributes {
        let value = match v {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        props.push(prop(&format!("ward:attribute:{k}"), value));
    }
    let mut c = json!({
        "type": component_type(a.kind),
        "bom-ref": a.id,
        "name": a.name,
        "group": a.client,
        "properties": props,
    });
    let attr = |k: &str| a.attributes.get(k).and_then(Value::as_str);
    if let Some(v) = attr("version").or_else(|| attr("cli_version")) {
        c["version"] = json!(v);
    }
    if let Some(p) = attr("publisher") {
        c["publisher"] = json!(p);
    }
    if let Some(desc) = attr("description").filter(|d| !d.is_empty()) {
        c["description"] = json!(desc);
    }
    let mut hashes = Vec::new();
    for key in ["tree_sha256", "content_sha256"] {
        if let Some(h) = attr(key).filter(|h| h.len() == 64) {
            hashes.push(json!({ "alg": "SHA-256", "content": h }));
            break;
        }
    }
    if !hashes.is_empty() {
        c["hashes"] = json!(hashes);
    }
    c
}

/// What a BOM may say about a secret: kind, where, mode, size and who can read it.
fn secret_summary(a: &Artifact) -> String {
    let mut v = serde_json::Map::new();
    v.insert("id".into(), json!(a.id));
    v.insert("client".into(), json!(a.client));
    v.insert("name".into(), json!(a.name));
    v.insert("scope".into(), json!(a.scope));
    v.insert("path".into(), json!(a.source));
    for key in ["secret_kind", "mode", "size", "readable_by", "key_type", "env_var"] {
        if let Some(x) = a.attributes.get(key) {
            v.insert(key.into(), x.clone());
        }
    }
    let flags: Vec<&str> = a.risk.iter().map(|r| r.flag.as_str()).collect();
    v.insert("risk".into(), json!(flags));
    Value::Object(v).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_model::{Device, Scope};

    #[test]
    fn serial_number_is_a_v4_urn() {
        let report = ScanReport {
            schema_version: 1,
            ward_version: "0.1.0".into(),
            generated_at: "2026-01-01T00:00:00Z".into(),
            device: Device::default(),
            artifacts: vec![Artifact::new(
                ArtifactKind::Cli,
                "gh",
                "gh",
                Scope::Managed,
                "/usr/bin/gh",
                "/usr/bin/gh",
            )],
            findings: vec![],
            drift: None,
            coverage: None,
        };
        let s = serial_number(&report);
        let re = regex_lite_check(&s);
        assert!(re, "{s}");
    }

    fn regex_lite_check(s: &str) -> bool {
        let Some(u) = s.strip_prefix("urn:uuid:") else { return false };
        let parts: Vec<&str> = u.split('-').collect();
        parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && parts[2].starts_with('4')
            && parts[3].starts_with(['8', '9', 'a', 'b'])
            && u.chars().all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    }
}
