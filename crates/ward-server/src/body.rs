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
        for _ in 0..3000 {
            let mut bytes = seed.clone();
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
        }
    }
}
