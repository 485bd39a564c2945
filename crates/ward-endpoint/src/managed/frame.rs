//! The managed-mode socket protocol: length-prefixed JSON frames between `ward hook` (the
//! client, running as the user) and the root-owned daemon.
//!
//! A frame is a 4-byte big-endian length followed by that many bytes of one JSON object that
//! carries the protocol version `v`. Frames are refused before they are read when their length
//! is 0 or above [`MAX_FRAME_BYTES`]; the reader on each side bounds every read by a timeout set
//! on the socket. Requests: `append` (one event to record, answered by `ack` once the event is
//! durable in the managed spool) and `status`. Any request can be answered by `error`.
//!
//! Every parser here takes outside input (the daemon reads whatever a local user sends): it
//! never panics, and its malformed-input tests and fuzz target (`fuzz/fuzz_targets/managed_frame.rs`)
//! sit beside it.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use serde_json::{json, Map, Value};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u64 = 1;

/// The largest frame body either side accepts (1 MiB). A hook's event is far smaller (its tool
/// input is capped at 64 KiB before it is sent); the bound is what a local user can make the
/// daemon hold per connection (32 connections per uid).
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// Why a frame could not be read or understood. The message is for a log or the hook's stderr.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The peer closed the connection before a frame started (the normal end of a session).
    #[error("the connection was closed")]
    Closed,
    #[error("the connection closed inside a frame ({got} of {expected} bytes)")]
    Truncated { expected: usize, got: usize },
    #[error("a frame of {len} bytes is over the limit of {limit}")]
    TooLarge { len: usize, limit: usize },
    #[error("an empty frame")]
    Empty,
    #[error("timed out waiting for the peer")]
    Timeout,
    #[error("the frame is not JSON: {0}")]
    NotJson(String),
    #[error("the frame is not a JSON object")]
    NotObject,
    #[error("protocol version {0} is not supported (this build speaks {PROTOCOL_VERSION})")]
    Version(String),
    #[error("the frame has no `{0}`")]
    Missing(&'static str),
    #[error("`{field}`: {reason}")]
    BadField { field: &'static str, reason: String },
    #[error("unknown frame type `{0}`")]
    UnknownType(String),
    #[error("{0}")]
    Io(io::Error),
}

impl FrameError {
    fn from_io(error: io::Error) -> FrameError {
        match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => FrameError::Timeout,
            _ => FrameError::Io(error),
        }
    }

    /// The `code` an `error` frame names this by.
    pub fn code(&self) -> &'static str {
        match self {
            FrameError::Version(_) => "unsupported_version",
            FrameError::TooLarge { .. } => "too_large",
            FrameError::Timeout => "timeout",
            _ => "malformed",
        }
    }
}

/// What the hook asks the daemon.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Record one event (a decision; the daemon sets identity, chain and redaction itself).
    Append {
        event: Map<String, Value>,
        /// The user's own data directory, where this hook falls back when the daemon is down:
        /// the daemon adopts the events it finds there (after checking the directory belongs to
        /// the connecting user).
        fallback_dir: Option<PathBuf>,
    },
    /// The daemon's state, for `ward agent status` and tests.
    Status,
}

/// What the daemon answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// The event is durable in the managed spool at `seq`.
    Ack {
        id: String,
        seq: u64,
        hash: String,
        device: String,
    },
    Status(Map<String, Value>),
    Error {
        code: String,
        message: String,
    },
}

/// Writes one frame: the length, then the body, in one write.
pub fn write_frame(writer: &mut impl Write, body: &[u8]) -> Result<(), FrameError> {
    if body.is_empty() {
        return Err(FrameError::Empty);
    }
    if body.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge { len: body.len(), limit: MAX_FRAME_BYTES });
    }
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(body);
    writer.write_all(&frame).and_then(|()| writer.flush()).map_err(FrameError::from_io)
}

/// Reads one frame's body (at most `limit` bytes; a longer frame is refused unread).
pub fn read_frame(reader: &mut impl Read, limit: usize) -> Result<Vec<u8>, FrameError> {
    let mut header = [0u8; 4];
    let got = read_full(reader, &mut header)?;
    if got == 0 {
        return Err(FrameError::Closed);
    }
    if got < header.len() {
        return Err(FrameError::Truncated { expected: header.len(), got });
    }
    let len = u32::from_be_bytes(header) as usize;
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len > limit.min(MAX_FRAME_BYTES) {
        return Err(FrameError::TooLarge { len, limit: limit.min(MAX_FRAME_BYTES) });
    }
    let mut body = vec![0u8; len];
    let got = read_full(reader, &mut body)?;
    if got < len {
        return Err(FrameError::Truncated { expected: len, got });
    }
    Ok(body)
}

/// Fills `buf` unless the stream ends first; the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, FrameError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::from_io(e)),
        }
    }
    Ok(filled)
}

/// The object of a frame body, with its version checked and its `type` taken out.
fn open_body(body: &[u8]) -> Result<(String, Map<String, Value>), FrameError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| FrameError::NotJson(e.to_string()))?;
    let Value::Object(mut object) = value else { return Err(FrameError::NotObject) };
    match object.remove("v") {
        Some(Value::Number(n)) if n.as_u64() == Some(PROTOCOL_VERSION) => {}
        Some(other) => return Err(FrameError::Version(other.to_string())),
        None => return Err(FrameError::Missing("v")),
    }
    match object.remove("type") {
        Some(Value::String(kind)) => Ok((kind, object)),
        Some(_) => Err(FrameError::BadField { field: "type", reason: "not a string".to_owned() }),
        None => Err(FrameError::Missing("type")),
    }
}

fn string_field(object: &mut Map<String, Value>, field: &'static str) -> Result<String, FrameError> {
    match object.remove(field) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(FrameError::BadField { field, reason: "not a string".to_owned() }),
        None => Err(FrameError::Missing(field)),
    }
}

impl Request {
    pub fn decode(body: &[u8]) -> Result<Request, FrameError> {
        let (kind, mut object) = open_body(body)?;
        match kind.as_str() {
            "append" => {
                let event = match object.remove("event") {
                    Some(Value::Object(event)) => event,
                    Some(_) => {
                        return Err(FrameError::BadField { field: "event", reason: "not an object".into() })
                    }
                    None => return Err(FrameError::Missing("event")),
                };
                let fallback_dir = match object.remove("fallback_dir") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(dir)) if dir.starts_with('/') && !dir.contains('\0') => {
                        Some(PathBuf::from(dir))
                    }
                    Some(_) => {
                        return Err(FrameError::BadField {
                            field: "fallback_dir",
                            reason: "not an absolute path".into(),
                        })
                    }
                };
                Ok(Request::Append { event, fallback_dir })
            }
            "status" => Ok(Request::Status),
            _ => Err(FrameError::UnknownType(kind.chars().take(64).collect())),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let value = match self {
            Request::Append { event, fallback_dir } => json!({
                "v": PROTOCOL_VERSION,
                "type": "append",
                "event": event,
                "fallback_dir": fallback_dir,
            }),
            Request::Status => json!({ "v": PROTOCOL_VERSION, "type": "status" }),
        };
        value.to_string().into_bytes()
    }
}

impl Response {
    pub fn decode(body: &[u8]) -> Result<Response, FrameError> {
        let (kind, mut object) = open_body(body)?;
        match kind.as_str() {
            "ack" => {
                let seq = match object.remove("seq") {
                    Some(Value::Number(n)) => n.as_u64().filter(|&s| s > 0).ok_or(FrameError::BadField {
                        field: "seq",
                        reason: "not a positive integer".into(),
                    })?,
                    Some(_) => {
                        return Err(FrameError::BadField { field: "seq", reason: "not a number".into() })
                    }
                    None => return Err(FrameError::Missing("seq")),
                };
                Ok(Response::Ack {
                    id: string_field(&mut object, "id")?,
                    seq,
                    hash: string_field(&mut object, "hash")?,
                    device: string_field(&mut object, "device")?,
                })
            }
            "status" => Ok(Response::Status(object)),
            "error" => Ok(Response::Error {
                code: string_field(&mut object, "code")?,
                message: string_field(&mut object, "message")?,
            }),
            _ => Err(FrameError::UnknownType(kind.chars().take(64).collect())),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let value = match self {
            Response::Ack { id, seq, hash, device } => json!({
                "v": PROTOCOL_VERSION, "type": "ack", "id": id, "seq": seq, "hash": hash, "device": device,
            }),
            Response::Status(fields) => {
                let mut object = fields.clone();
                object.insert("v".into(), json!(PROTOCOL_VERSION));
                object.insert("type".into(), json!("status"));
                Value::Object(object)
            }
            Response::Error { code, message } => json!({
                "v": PROTOCOL_VERSION, "type": "error", "code": code, "message": message,
            }),
        };
        value.to_string().into_bytes()
    }
}

/// Fuzz entry point (`fuzz/fuzz_targets/managed_frame.rs`): arbitrary bytes as a stream of
/// frames, each body decoded as a request and as a response. Must never panic; a request or
/// response that decodes must encode to bytes that decode to the same value.
pub fn fuzz_frames(bytes: &[u8]) {
    let mut stream = bytes;
    for _ in 0..64 {
        let Ok(body) = read_frame(&mut stream, MAX_FRAME_BYTES) else { break };
        check_body(&body);
    }
    check_body(bytes);
}

fn check_body(body: &[u8]) {
    if let Ok(request) = Request::decode(body) {
        assert_eq!(Request::decode(&request.encode()).ok().as_ref(), Some(&request));
    }
    if let Ok(response) = Response::decode(body) {
        assert_eq!(Response::decode(&response.encode()).ok().as_ref(), Some(&response));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn requests_and_responses_round_trip_through_frames() {
        let mut event = Map::new();
        event.insert("kind".into(), json!("decision"));
        let request =
            Request::Append { event, fallback_dir: Some(PathBuf::from("/home/u/.local/share/ward")) };
        let mut wire = Vec::new();
        write_frame(&mut wire, &request.encode()).unwrap();
        write_frame(&mut wire, &Request::Status.encode()).unwrap();
        let mut stream = wire.as_slice();
        assert_eq!(Request::decode(&read_frame(&mut stream, MAX_FRAME_BYTES).unwrap()).unwrap(), request);
        assert_eq!(
            Request::decode(&read_frame(&mut stream, MAX_FRAME_BYTES).unwrap()).unwrap(),
            Request::Status
        );
        assert!(matches!(read_frame(&mut stream, MAX_FRAME_BYTES), Err(FrameError::Closed)));
        let ack = Response::Ack { id: "i".into(), seq: 7, hash: "h".into(), device: "d".into() };
        assert_eq!(Response::decode(&ack.encode()).unwrap(), ack);
    }

    /// The malformed-input set: each is a clear error, none a panic or a hang.
    #[test]
    fn malformed_frames_are_refused_with_a_reason() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![0, 0], "Truncated"),
            (vec![0, 0, 0, 0], "Empty"),
            (vec![0xff, 0xff, 0xff, 0xff], "TooLarge"),
            (((MAX_FRAME_BYTES + 1) as u32).to_be_bytes().to_vec(), "TooLarge"),
            (vec![0, 0, 0, 10, b'{'], "Truncated"),
            (framed(b"not json"), "NotJson"),
            (framed(b"[1,2]"), "NotObject"),
            (framed(b"\"str\""), "NotObject"),
            (framed(br#"{"type":"append"}"#), "Missing(\"v\")"),
            (framed(br#"{"v":2,"type":"append","event":{}}"#), "Version"),
            (framed(br#"{"v":"1","type":"status"}"#), "Version"),
            (framed(br#"{"v":1.0,"type":"status"}"#), "Version"),
            (framed(br#"{"v":-1,"type":"status"}"#), "Version"),
            (framed(br#"{"v":1}"#), "Missing(\"type\")"),
            (framed(br#"{"v":1,"type":7}"#), "BadField"),
            (framed(br#"{"v":1,"type":"erase"}"#), "UnknownType"),
            (framed(br#"{"v":1,"type":"append"}"#), "Missing(\"event\")"),
            (framed(br#"{"v":1,"type":"append","event":[]}"#), "BadField"),
            (framed(br#"{"v":1,"type":"append","event":{},"fallback_dir":"relative/dir"}"#), "BadField"),
            (framed(br#"{"v":1,"type":"append","event":{},"fallback_dir":7}"#), "BadField"),
            (
                framed(b"{\"v\":1,\"type\":\"append\",\"event\":{},\"fallback_dir\":\"/a\\u0000b\"}"),
                "BadField",
            ),
            (framed(b"{\"v\":1,\xff}"), "NotJson"),
            (framed(&[b'['; 10_000]), "NotJson"),
        ];
        for (bytes, want) in cases {
            let mut stream = bytes.as_slice();
            let error = match read_frame(&mut stream, MAX_FRAME_BYTES) {
                Ok(body) => Request::decode(&body).expect_err("must be refused"),
                Err(e) => e,
            };
            let debug = format!("{error:?}");
            assert!(
                debug.starts_with(want),
                "{:?}: got {debug}, want {want}",
                String::from_utf8_lossy(&bytes)
            );
            assert!(!error.to_string().is_empty());
        }
    }

    #[test]
    fn a_reader_limit_below_the_protocol_limit_holds() {
        let mut stream: &[u8] = &framed(&[b' '; 100]);
        assert!(matches!(read_frame(&mut stream, 10), Err(FrameError::TooLarge { len: 100, limit: 10 })));
    }

    #[test]
    fn responses_refuse_missing_or_mistyped_fields() {
        for body in [
            br#"{"v":1,"type":"ack","id":"i","hash":"h","device":"d"}"#.as_slice(),
            br#"{"v":1,"type":"ack","id":"i","seq":0,"hash":"h","device":"d"}"#,
            br#"{"v":1,"type":"ack","id":"i","seq":"3","hash":"h","device":"d"}"#,
            br#"{"v":1,"type":"ack","id":1,"seq":3,"hash":"h","device":"d"}"#,
            br#"{"v":1,"type":"error","code":"x"}"#,
        ] {
            assert!(Response::decode(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }

    /// Seeded mutations of valid frames: every result is a value or an error, never a panic.
    #[test]
    fn mutated_frames_never_panic() {
        let mut event = Map::new();
        event.insert("kind".into(), json!("decision"));
        event.insert("input".into(), json!({"command": "ls -la", "n": [1, 2.5, null, true]}));
        let seeds = [
            framed(&Request::Append { event, fallback_dir: Some("/h/.local/share/ward".into()) }.encode()),
            framed(&Request::Status.encode()),
            framed(&Response::Ack { id: "a".into(), seq: 3, hash: "b".into(), device: "c".into() }.encode()),
            framed(&Response::Error { code: "malformed".into(), message: "m".into() }.encode()),
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..4000 {
            let mut bytes = seeds[round % seeds.len()].clone();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() % bytes.len() as u64) as usize;
                match next() % 3 {
                    0 => bytes[at] = next() as u8,
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, b"{}[]\",:0\\"[(next() % 9) as usize]),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            fuzz_frames(&bytes);
        }
    }
}
