//! The hook's side of the managed socket: connect, check that the daemon is who it must be (the
//! kernel's word on the listening process's uid), send one frame, wait for the acknowledgement,
//! all inside one time budget. Std and `nix` only: this runs on every tool call.

use std::io;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use ward_model::Event;

use super::frame::{read_frame, write_frame, FrameError, Request, Response, MAX_FRAME_BYTES};
use super::peer::peer_cred;

/// The daemon's acknowledgement: where the event is in the managed spool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub id: String,
    pub seq: u64,
    pub hash: String,
    pub device: String,
}

/// Why the daemon did not record an event.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No socket: no daemon serves this machine (or it is not started yet).
    #[error("no managed daemon is running")]
    NotRunning,
    #[error("cannot reach the managed daemon at {socket}: {reason}")]
    Unreachable { socket: String, reason: String },
    /// The socket is served by a process of another uid than the daemon's: not trusted with
    /// the event.
    #[error("the socket {socket} is served by uid {uid}, not by the managed daemon (uid {expected})")]
    Impostor { socket: String, uid: u32, expected: u32 },
    #[error("the managed daemon refused the event ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("the managed daemon's answer is not understood: {0}")]
    Protocol(String),
}

/// Sends `event` to the daemon at `socket` and waits for its durable acknowledgement, within
/// `budget` in all. `expected_uid`: the uid the listening process must have (root).
pub fn append(
    socket: &Path,
    expected_uid: u32,
    event: &Event,
    fallback_dir: Option<&Path>,
    budget: Duration,
) -> Result<Ack, ClientError> {
    let object = match serde_json::to_value(event) {
        Ok(Value::Object(object)) => object,
        _ => return Err(ClientError::Protocol("the event cannot be serialized".to_owned())),
    };
    let request = Request::Append { event: object, fallback_dir: fallback_dir.map(Path::to_owned) };
    match exchange(socket, expected_uid, &request, budget)? {
        Response::Ack { id, seq, hash, device } => Ok(Ack { id, seq, hash, device }),
        Response::Error { code, message } => Err(ClientError::Refused { code, message }),
        Response::Status(_) => Err(ClientError::Protocol("a status where an ack was due".to_owned())),
    }
}

/// The daemon's status.
pub fn status(socket: &Path, expected_uid: u32, budget: Duration) -> Result<Map<String, Value>, ClientError> {
    match exchange(socket, expected_uid, &Request::Status, budget)? {
        Response::Status(fields) => Ok(fields),
        Response::Error { code, message } => Err(ClientError::Refused { code, message }),
        Response::Ack { .. } => Err(ClientError::Protocol("an ack where a status was due".to_owned())),
    }
}

fn exchange(
    socket: &Path,
    expected_uid: u32,
    request: &Request,
    budget: Duration,
) -> Result<Response, ClientError> {
    let started = Instant::now();
    let unreachable =
        |reason: String| ClientError::Unreachable { socket: socket.display().to_string(), reason };
    let stream = connect(socket, budget).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ClientError::NotRunning,
        _ => unreachable(e.to_string()),
    })?;
    let server = peer_cred(&stream).map_err(|e| unreachable(format!("cannot tell who serves it: {e}")))?;
    if server.uid != expected_uid {
        return Err(ClientError::Impostor {
            socket: socket.display().to_string(),
            uid: server.uid,
            expected: expected_uid,
        });
    }
    let left = |what: &str| {
        budget
            .checked_sub(started.elapsed())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| unreachable(format!("no answer within {} ms ({what})", budget.as_millis())))
    };
    stream.set_write_timeout(Some(left("sending")?)).map_err(|e| unreachable(e.to_string()))?;
    write_frame(&mut &stream, &request.encode()).map_err(|e| match e {
        FrameError::TooLarge { .. } => {
            ClientError::Refused { code: e.code().to_owned(), message: e.to_string() }
        }
        other => unreachable(other.to_string()),
    })?;
    stream.set_read_timeout(Some(left("waiting")?)).map_err(|e| unreachable(e.to_string()))?;
    let body = read_frame(&mut &stream, MAX_FRAME_BYTES).map_err(|e| match e {
        FrameError::Timeout => unreachable(format!("no answer within {} ms", budget.as_millis())),
        FrameError::Closed => unreachable("it closed the connection without an answer".to_owned()),
        other => ClientError::Protocol(other.to_string()),
    })?;
    Response::decode(&body).map_err(|e| ClientError::Protocol(e.to_string()))
}

/// Connects with `budget` as the send timeout, which Linux applies to a unix socket's connect
/// (a daemon that stopped accepting fills its backlog; a plain `connect` would then block).
#[cfg(target_os = "linux")]
fn connect(socket: &Path, budget: Duration) -> io::Result<UnixStream> {
    use nix::sys::socket::{self, sockopt, AddressFamily, SockFlag, SockType, UnixAddr};
    use nix::sys::time::TimeVal;
    use std::os::fd::AsRawFd;
    let fd = socket::socket(AddressFamily::Unix, SockType::Stream, SockFlag::SOCK_CLOEXEC, None)?;
    let micros = i64::try_from(budget.as_micros()).unwrap_or(i64::MAX);
    let timeout = TimeVal::new(micros / 1_000_000, (micros % 1_000_000) as _);
    socket::setsockopt(&fd, sockopt::SendTimeout, &timeout)?;
    let addr = UnixAddr::new(socket)?;
    match socket::connect(fd.as_raw_fd(), &addr) {
        Ok(()) => Ok(UnixStream::from(fd)),
        // A full backlog with the timeout passed.
        Err(nix::errno::Errno::EAGAIN) | Err(nix::errno::Errno::EINPROGRESS) => {
            Err(io::Error::new(io::ErrorKind::TimedOut, "the daemon is not accepting connections"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Connects (other platforms refuse a connect to a full backlog at once).
#[cfg(not(target_os = "linux"))]
fn connect(socket: &Path, _budget: Duration) -> io::Result<UnixStream> {
    UnixStream::connect(socket)
}
