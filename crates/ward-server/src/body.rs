//! Request bodies from the network: their types and the only parsers for them. Each parser
//! takes bytes and either returns a value or an error that says what is wrong (never a panic,
//! never a partial result). Fuzzed by `fuzz/fuzz_targets/server_bodies.rs`.

use serde::Deserialize;
use ward_model::Event;

use crate::ServerError;

/// Version of the request and response bodies of `/api/v1`.
pub const API_SCHEMA_VERSION: u32 = 1;

/// Largest ingest body accepted (16 MiB); a batch of the daemon is far smaller (see
/// `ward_endpoint::ship`).
pub const MAX_INGEST_BODY: usize = 16 << 20;
/// Most events in one ingest batch.
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// Largest inventory snapshot body (a large home's scan is a few hundred KiB).
pub const MAX_SNAPSHOT_BODY: usize = 16 << 20;
/// Largest body of every other request.
pub const MAX_SMALL_BODY: usize = 64 << 10;

/// `POST /api/v1/events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestBody {
    pub schema_version: u32,
    pub events: Vec<Event>,
    /// The sender's Ward version, shown in the device list.
    #[serde(default)]
    pub agent_version: Option<String>,
}

/// `POST /api/v1/enroll`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollBody {
    pub schema_version: u32,
    pub token: String,
    pub device: String,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub credential: Option<String>,
}

/// `POST /api/v1/inventory`: one `ward scan --format json` document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotBody {
    pub schema_version: u32,
    pub scan: ward_model::ScanReport,
}

fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8], limit: usize, what: &str) -> Result<T, ServerError> {
    if bytes.len() > limit {
        return Err(ServerError::TooLarge(format!(
            "{what} body is {} bytes; the limit is {limit}",
            bytes.len()
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| ServerError::BadRequest(format!("{what} body: {e}")))
}

fn check_version(version: u32) -> Result<(), ServerError> {
    if version != API_SCHEMA_VERSION {
        return Err(ServerError::BadRequest(format!(
            "schema_version {version} is not supported; this server speaks {API_SCHEMA_VERSION}"
        )));
    }
    Ok(())
}

/// Parses and checks an ingest body: version, batch size, and that text fields stay short
/// enough to index (the spool itself caps a line at 4 MiB).
pub fn parse_ingest(bytes: &[u8]) -> Result<IngestBody, ServerError> {
    let body: IngestBody = parse_json(bytes, MAX_INGEST_BODY, "ingest")?;
    check_version(body.schema_version)?;
    if body.events.len() > MAX_BATCH_EVENTS {
        return Err(ServerError::TooLarge(format!(
            "{} events in one batch; the limit is {MAX_BATCH_EVENTS}",
            body.events.len()
        )));
    }
    for (index, event) in body.events.iter().enumerate() {
        if event.id.is_empty() || event.id.len() > 64 {
            return Err(ServerError::BadRequest(format!("events[{index}]: id must be 1 to 64 characters")));
        }
        if event.seq == 0 {
            return Err(ServerError::BadRequest(format!("events[{index}]: seq starts at 1")));
        }
        if event.seq > i64::MAX as u64 {
            return Err(ServerError::BadRequest(format!("events[{index}]: seq is out of range")));
        }
    }
    if let Some(version) = &body.agent_version {
        if version.len() > 64 {
            return Err(ServerError::BadRequest("agent_version is longer than 64 characters".into()));
        }
    }
    Ok(body)
}

/// Parses an inventory snapshot: versions, artifact count, and text fields short enough to
/// index (ids as `ward scan` makes them; names, sources and identities up to 4 KiB).
pub fn parse_snapshot(bytes: &[u8]) -> Result<SnapshotBody, ServerError> {
    let body: SnapshotBody = parse_json(bytes, MAX_SNAPSHOT_BODY, "snapshot")?;
    check_version(body.schema_version)?;
    if body.scan.schema_version != ward_model::artifact::SCAN_SCHEMA_VERSION {
        return Err(ServerError::BadRequest(format!(
            "scan.schema_version {} is not supported; this server reads {}",
            body.scan.schema_version,
            ward_model::artifact::SCAN_SCHEMA_VERSION
        )));
    }
    if body.scan.artifacts.len() > crate::inventory::MAX_ARTIFACTS {
        return Err(ServerError::TooLarge(format!(
            "{} artifacts in one snapshot; the limit is {}",
            body.scan.artifacts.len(),
            crate::inventory::MAX_ARTIFACTS
        )));
    }
    for (index, artifact) in body.scan.artifacts.iter().enumerate() {
        if artifact.id.is_empty() || artifact.id.len() > 64 {
            return Err(ServerError::BadRequest(format!(
                "scan.artifacts[{index}]: id must be 1 to 64 characters"
            )));
        }
        for (name, value) in [
            ("client", &artifact.client),
            ("name", &artifact.name),
            ("source", &artifact.source),
            ("identity", &artifact.identity),
        ] {
            if value.len() > 4096 {
                return Err(ServerError::BadRequest(format!(
                    "scan.artifacts[{index}].{name} is longer than 4096 bytes"
                )));
            }
        }
    }
    for (index, result) in body.scan.drift.iter().flat_map(|d| d.results.iter()).enumerate() {
        if result.fingerprint.is_empty() || result.fingerprint.len() > 64 {
            return Err(ServerError::BadRequest(format!(
                "scan.drift.results[{index}]: fingerprint must be 1 to 64 characters"
            )));
        }
    }
    Ok(body)
}

/// Parses an enrollment body.
pub fn parse_enroll(bytes: &[u8]) -> Result<EnrollBody, ServerError> {
    let body: EnrollBody = parse_json(bytes, MAX_SMALL_BODY, "enrollment")?;
    check_version(body.schema_version)?;
    for (name, value) in [("hostname", &body.hostname), ("version", &body.version)] {
        if value.as_ref().is_some_and(|v| v.len() > 255) {
            return Err(ServerError::BadRequest(format!("{name} is longer than 255 characters")));
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_json(seq: u64) -> String {
        format!(
            r#"{{"schema_version":1,"id":"id-{seq}","seq":{seq},"device":"d","time":"2026-11-25T08:27:46.123456Z","kind":"decision","prev_hash":"{z}","hash":"{z}"}}"#,
            z = "0".repeat(64)
        )
    }

    #[test]
    fn a_valid_batch_parses() {
        let body = format!(
            r#"{{"schema_version":1,"events":[{},{}],"agent_version":"0.1.0"}}"#,
            event_json(1),
            event_json(2)
        );
        let parsed = parse_ingest(body.as_bytes()).unwrap();
        assert_eq!(parsed.events.len(), 2);
        assert_eq!(parsed.events[1].seq, 2);
    }

    #[test]
    fn malformed_ingest_bodies_are_clear_errors() {
        let cases: &[(&str, &str)] = &[
            ("", "EOF"),
            ("null", "invalid type"),
            ("[]", "invalid length"),
            ("{", "EOF"),
            (r#"{"events":[]}"#, "schema_version"),
            (r#"{"schema_version":2,"events":[]}"#, "not supported"),
            (r#"{"schema_version":1}"#, "events"),
            (r#"{"schema_version":1,"events":{}}"#, "invalid type"),
            (r#"{"schema_version":1,"events":[1]}"#, "invalid type"),
            (r#"{"schema_version":1,"events":[],"extra":1}"#, "unknown field"),
            (r#"{"schema_version":-1,"events":[]}"#, "invalid value"),
            ("{\"schema_version\":1,\"events\":[]}\u{0}", "trailing"),
        ];
        for (body, expected) in cases {
            match parse_ingest(body.as_bytes()) {
                Err(ServerError::BadRequest(message)) => {
                    assert!(message.contains(expected), "{body}: {message}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        let zero = event_json(1).replace("\"seq\":1", "\"seq\":0");
        let body = format!(r#"{{"schema_version":1,"events":[{zero}]}}"#);
        assert!(
            matches!(parse_ingest(body.as_bytes()), Err(ServerError::BadRequest(m)) if m.contains("seq starts at 1"))
        );
        let huge = vec![b' '; MAX_INGEST_BODY + 1];
        assert!(matches!(parse_ingest(&huge), Err(ServerError::TooLarge(_))));
    }

    #[test]
    fn malformed_enrollment_bodies_are_clear_errors() {
        assert!(parse_enroll(br#"{"schema_version":1,"token":"t","device":"d"}"#).is_ok());
        for body in [
            "",
            "{}",
            r#"{"schema_version":1,"token":"t"}"#,
            r#"{"schema_version":1,"token":5,"device":"d"}"#,
            r#"{"schema_version":1,"token":"t","device":"d","admin":true}"#,
        ] {
            assert!(matches!(parse_enroll(body.as_bytes()), Err(ServerError::BadRequest(_))), "{body}");
        }
        let long =
            format!(r#"{{"schema_version":1,"token":"t","device":"d","hostname":"{}"}}"#, "h".repeat(300));
        assert!(parse_enroll(long.as_bytes()).is_err());
    }

    fn snapshot_json() -> String {
        r#"{"schema_version":1,"scan":{"schema_version":1,"ward_version":"0.1.0","generated_at":"2026-12-03T10:00:00Z","device":{"hostname":"h","os":"linux","arch":"x86_64","user":"u","home":"/home/u"},"artifacts":[{"id":"0123456789abcdef","kind":"mcp_server","client":"claude-code","name":"github","scope":"user","source":"/home/u/.claude.json","identity":"npx -y @modelcontextprotocol/server-github"}]}}"#.to_owned()
    }

    #[test]
    fn snapshots_parse_and_malformed_ones_are_clear_errors() {
        let parsed = parse_snapshot(snapshot_json().as_bytes()).unwrap();
        assert_eq!(parsed.scan.artifacts[0].name, "github");
        let cases: &[(String, &str)] = &[
            (String::new(), "EOF"),
            ("{}".into(), "missing field"),
            (
                snapshot_json().replace(r#""scan":{"schema_version":1"#, r#""scan":{"schema_version":9"#),
                "not supported",
            ),
            (snapshot_json().replace(r#""kind":"mcp_server""#, r#""kind":"rootkit""#), "unknown variant"),
            (snapshot_json().replace(r#""id":"0123456789abcdef""#, r#""id":"""#), "id must be"),
            (
                snapshot_json()
                    .replace(r#"{"schema_version":1,"scan""#, r#"{"schema_version":1,"x":1,"scan""#),
                "unknown field",
            ),
        ];
        for (body, expected) in cases {
            match parse_snapshot(body.as_bytes()) {
                Err(ServerError::BadRequest(message)) => {
                    assert!(message.contains(expected), "{body}: {message}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        let long = snapshot_json().replace("github", &"g".repeat(5000));
        assert!(
            matches!(parse_snapshot(long.as_bytes()), Err(ServerError::BadRequest(m)) if m.contains("4096"))
        );
    }

    /// Seeded mutations of valid bodies: every result is a value or an error, never a panic.
    #[test]
    fn mutated_bodies_never_panic() {
        let seed = format!(r#"{{"schema_version":1,"events":[{}],"agent_version":"x"}}"#, event_json(1))
            .into_bytes();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let seeds = [seed, snapshot_json().into_bytes()];
        for round in 0..6000 {
            let mut bytes = seeds[round % 2].clone();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() % bytes.len() as u64) as usize;
                match next() % 3 {
                    0 => bytes[at] = next() as u8,
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, b"{}[]\",:0\\"[(next() % 9) as usize]),
                }
            }
            let _ = parse_ingest(&bytes);
            let _ = parse_enroll(&bytes);
            let _ = parse_snapshot(&bytes);
        }
    }
}
