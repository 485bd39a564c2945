//! The managed daemon: owns the managed spool and key under `<root>/var/lib/ward` (root, 0700),
//! serves the hook socket (`<root>/run/ward/ward.sock`, 0666 in a root-owned 0755 directory),
//! records each event with the kernel's word on who sent it, and adopts what hooks had to record
//! in users' own spools while it was unreachable.
//!
//! What a client sends is content, never identity: the daemon drops the client's chain fields,
//! redaction records, unknown members and any `detail.managed`, and writes its own
//! `detail.managed` = `{"via": "socket", "uid", "peer": {uid, gid, pid}}` from `SO_PEERCRED` /
//! `getpeereid`. Only `decision` events are accepted (a hook records nothing else), so a user
//! cannot insert inventory or finding events into the managed record. The acknowledgement is
//! sent after the spool's `fdatasync`.
//!
//! One thread accepts; each connection gets a short-lived thread (bounded in number, and per
//! uid, with a read timeout per frame, so one user cannot starve the others); one thread adopts.

use std::collections::HashMap;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde_json::{json, Map, Value};
use ward_audit::Spool;
use ward_model::{Event, EventKind};
use ward_redact::{FingerprintKey, Redactor};

use super::adopt::Adopter;
use super::frame::{read_frame, write_frame, FrameError, Request, Response, MAX_FRAME_BYTES};
use super::peer::{peer_cred, PeerCred};
use super::ManagedPaths;
use crate::record::{cap_input, redact_event, MAX_STORED_INPUT_BYTES};

/// How the daemon runs.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub paths: ManagedPaths,
    /// Refuse to start unless running as root (`ward agent run --managed` always sets it; the
    /// library's tests run as whoever runs them).
    pub require_root: bool,
    /// Connections served at once at most; more are closed at once (their hooks fall back).
    pub max_connections: usize,
    /// Connections one uid may hold at once.
    pub max_connections_per_uid: usize,
    /// How long a connection may take to send a frame.
    pub frame_timeout: Duration,
    /// Pause between adoption rounds (a new user data directory starts one at once).
    pub adopt_interval: Duration,
    /// Pause between looks at the managed policy file, whose compiled form the daemon keeps in
    /// `<root>/var/cache/ward` for the hooks (a look reads and hashes the file; it compiles only
    /// when the text changed). Until it has, hooks compile the file themselves.
    pub policy_interval: Duration,
}

impl DaemonConfig {
    pub fn new(paths: ManagedPaths) -> DaemonConfig {
        DaemonConfig {
            paths,
            require_root: true,
            max_connections: 128,
            max_connections_per_uid: 32,
            frame_timeout: Duration::from_secs(2),
            adopt_interval: Duration::from_secs(10),
            policy_interval: Duration::from_secs(2),
        }
    }
}

/// Why the daemon cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(
        "managed mode must run as root (this is uid {uid}): it owns the record that users' agents must not be able to change; install it with `sudo ward agent install-service`"
    )]
    NotRoot { uid: u32 },
    #[error("{path} cannot be used: {reason}")]
    Unsafe { path: PathBuf, reason: String },
    #[error("another managed daemon is running (lock {0} is held)")]
    AlreadyRunning(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("the managed spool: {0}")]
    Spool(#[from] ward_audit::AuditError),
    #[error("the managed key: {0}")]
    Key(String),
    #[error("adoption: {0}")]
    Adopt(#[from] super::adopt::AdoptError),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> DaemonError + '_ {
    move |source| DaemonError::Io { path: path.to_owned(), source }
}

/// A started daemon: its socket is bound and its spool open; [`Daemon::run`] serves.
pub struct Daemon {
    shared: Arc<Shared>,
    listener: UnixListener,
    _lock: nix::fcntl::Flock<File>,
}

struct Shared {
    config: DaemonConfig,
    spool: Mutex<Spool>,
    device: String,
    redactor: Redactor,
    adopter: Mutex<Adopter>,
    /// Set to start an adoption round now.
    adopt_now: Mutex<bool>,
    adopt_wake: Condvar,
    stop: AtomicBool,
    per_uid: Mutex<HashMap<u32, usize>>,
    offered: Mutex<Offered>,
    /// Calls stored whose acknowledgement could not be delivered (see [`CALL_FIELD`]).
    unacknowledged: Mutex<std::collections::HashSet<String>>,
    connections: AtomicU64,
    recorded: AtomicU64,
    refused: AtomicU64,
    adopted: AtomicU64,
    log: Box<dyn Fn(&str) + Send + Sync>,
}

/// Stops a running daemon (from another thread or a signal-watching loop).
#[derive(Clone)]
pub struct StopHandle(Arc<Shared>);

impl StopHandle {
    pub fn stop(&self) {
        self.0.stop.store(true, Ordering::SeqCst);
        *self.0.adopt_now.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.0.adopt_wake.notify_all();
        // Wake the accept loop.
        let _ = UnixStream::connect(&self.0.config.paths.socket);
    }
}

impl Daemon {
    /// Prepares the directories (checking they are this user's and private), takes the
    /// one-daemon lock, opens the spool and key, brings adoption up to date and binds the socket.
    pub fn start(config: DaemonConfig, log: Box<dyn Fn(&str) + Send + Sync>) -> Result<Daemon, DaemonError> {
        let uid = ward_audit::trust::effective_uid();
        if config.require_root && uid != 0 {
            return Err(DaemonError::NotRoot { uid });
        }
        let paths = &config.paths;
        private_dir(&paths.state_dir, 0o700, uid)?;
        let daemon_dir = paths.daemon_dir();
        private_dir(&daemon_dir, 0o700, uid)?;
        private_dir(&paths.socket_dir, 0o755, uid)?;
        let lock = take_lock(&daemon_dir.join("daemon.lock"))?;
        let spool = Spool::open(&paths.state_dir)?;
        for refused in spool.refused() {
            log(&format!(
                "refused {} ({}); moved it to {}",
                refused.original.display(),
                refused.reason,
                refused.moved_to.display()
            ));
        }
        let device = spool.device().to_owned();
        let key =
            FingerprintKey::load_or_create(&paths.state_dir).map_err(|e| DaemonError::Key(e.to_string()))?;
        let adopter = Adopter::load_noting(&daemon_dir, &spool.layout().spool_dir, &mut |line| log(line))?;
        // The compiled managed policy before the first hook connects.
        compile_policy(&paths.system_root, &mut None, &|line| log(line));
        let listener = bind(&paths.socket)?;
        let shared = Arc::new(Shared {
            config,
            spool: Mutex::new(spool),
            device,
            redactor: Redactor::new(key),
            adopter: Mutex::new(adopter),
            adopt_now: Mutex::new(true),
            adopt_wake: Condvar::new(),
            stop: AtomicBool::new(false),
            per_uid: Mutex::new(HashMap::new()),
            offered: Mutex::new(Offered::default()),
            unacknowledged: Mutex::new(std::collections::HashSet::new()),
            connections: AtomicU64::new(0),
            recorded: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            adopted: AtomicU64::new(0),
            log,
        });
        Ok(Daemon { shared, listener, _lock: lock })
    }

    /// The managed spool's device id.
    pub fn device(&self) -> &str {
        &self.shared.device
    }

    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(Arc::clone(&self.shared))
    }

    /// Serves until stopped: accepts connections and runs adoption rounds. Removes the socket
    /// on the way out.
    pub fn run(self) -> Result<(), DaemonError> {
        let adopter = {
            let shared = Arc::clone(&self.shared);
            std::thread::Builder::new()
                .name("ward-adopt".into())
                .spawn(move || adoption_loop(&shared))
                .map_err(io_error(&self.shared.config.paths.socket))?
        };
        let compiler = {
            let shared = Arc::clone(&self.shared);
            std::thread::Builder::new()
                .name("ward-policy".into())
                .spawn(move || policy_loop(&shared))
                .map_err(io_error(&self.shared.config.paths.socket))?
        };
        (self.shared.log)(&format!(
            "managed daemon serving {} (spool {}, device {})",
            self.shared.config.paths.socket.display(),
            self.shared.config.paths.state_dir.display(),
            self.shared.device
        ));
        // Accepting waits in `poll` with a timeout, so a stop is seen within half a second even
        // when nothing can connect to wake it (the socket file removed, say).
        self.listener.set_nonblocking(true).map_err(io_error(&self.shared.config.paths.socket))?;
        while !self.shared.stop.load(Ordering::SeqCst) {
            use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
            use std::os::fd::AsFd;
            let mut ready = [PollFd::new(self.listener.as_fd(), PollFlags::POLLIN)];
            if !matches!(poll(&mut ready, PollTimeout::from(500u16)), Ok(n) if n > 0) {
                continue;
            }
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
                Err(error) => {
                    // Out of descriptors or memory: do not spin; the hooks fall back meanwhile.
                    (self.shared.log)(&format!("cannot accept a connection: {error}"));
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            // (BSDs hand the listener's non-blocking mode on to accepted sockets.)
            if stream.set_nonblocking(false).is_err() {
                continue;
            }
            if self.shared.stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(peer) = peer_cred(&stream) else { continue };
            if !self.shared.admit(peer.uid) {
                self.shared.refused.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let shared = Arc::clone(&self.shared);
            let uid = peer.uid;
            let spawned =
                std::thread::Builder::new().name("ward-conn".into()).stack_size(512 << 10).spawn(move || {
                    shared.serve(stream, &peer);
                    shared.release(peer.uid);
                });
            if spawned.is_err() {
                self.shared.release(uid);
            }
        }
        let _ = fs::remove_file(&self.shared.config.paths.socket);
        let _ = adopter.join();
        let _ = compiler.join();
        Ok(())
    }
}

impl Shared {
    fn admit(&self, uid: u32) -> bool {
        let mut per_uid = self.per_uid.lock().unwrap_or_else(|p| p.into_inner());
        let total: usize = per_uid.values().sum();
        let mine = per_uid.entry(uid).or_insert(0);
        if total >= self.config.max_connections || *mine >= self.config.max_connections_per_uid {
            return false;
        }
        *mine += 1;
        self.connections.fetch_add(1, Ordering::Relaxed);
        true
    }

    fn release(&self, uid: u32) {
        let mut per_uid = self.per_uid.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = per_uid.get_mut(&uid) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                per_uid.remove(&uid);
            }
        }
    }

    /// One connection: frames until the client closes, a frame is bad, or it times out.
    fn serve(&self, stream: UnixStream, peer: &PeerCred) {
        let _ = stream.set_read_timeout(Some(self.config.frame_timeout));
        let _ = stream.set_write_timeout(Some(self.config.frame_timeout));
        loop {
            let body = match read_frame(&mut &stream, MAX_FRAME_BYTES) {
                Ok(body) => body,
                Err(FrameError::Closed) => return,
                Err(error) => {
                    self.refused.fetch_add(1, Ordering::Relaxed);
                    let _ = reply(&stream, &error_response(error.code(), &error.to_string()));
                    return;
                }
            };
            let (response, fallback_dir, call) = match Request::decode(&body) {
                Ok(Request::Append { event, fallback_dir }) => {
                    if client_gone(&stream) {
                        // It gave up waiting (a stall here) and records the event itself: storing
                        // it too would record the call twice.
                        self.refused.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    let call = event
                        .get("detail")
                        .and_then(|d| d.get(CALL_FIELD))
                        .and_then(Value::as_str)
                        .filter(|c| c.len() <= 64)
                        .map(str::to_owned);
                    (self.append(peer, event), fallback_dir, call)
                }
                Ok(Request::Status) => (self.status(peer.uid), None, None),
                Err(error) => {
                    self.refused.fetch_add(1, Ordering::Relaxed);
                    let _ = reply(&stream, &error_response(error.code(), &error.to_string()));
                    return;
                }
            };
            let acknowledged = matches!(response, Response::Ack { .. });
            if reply(&stream, &response).is_err() {
                if let (true, Some(call)) = (acknowledged, call) {
                    // Stored, but the hook is gone without the answer and records it itself:
                    // adoption must not add that copy.
                    let mut unacknowledged = self.unacknowledged.lock().unwrap_or_else(|p| p.into_inner());
                    if unacknowledged.len() < 100_000 {
                        unacknowledged.insert(call);
                    }
                }
                return;
            }
            // After the answer: the hook is not kept waiting for bookkeeping.
            if let (true, Some(dir)) = (acknowledged, fallback_dir) {
                self.learn_source(peer.uid, &dir);
            }
        }
    }

    /// Records a client's event under the peer's identity.
    fn append(&self, peer: &PeerCred, object: Map<String, Value>) -> Response {
        let mut event = match Event::from_object(object) {
            Ok(event) => event,
            Err(reason) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return error_response("malformed", &format!("the event is not understood: {reason}"));
            }
        };
        if event.kind != EventKind::Decision || event.unknown.contains_key("kind") {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return error_response("refused", "only decision events are recorded through the socket");
        }
        // Only typed content is kept: no members this version does not know, no redaction
        // records the client made up.
        event.unknown.clear();
        event.redactions.clear();
        stamp(&mut event, json!({ "via": "socket", "uid": peer.uid, "peer": peer.with_exe() }));
        if let Some(cut) = cap_input(&mut event.input, MAX_STORED_INPUT_BYTES) {
            if let Value::Object(detail) = &mut event.detail {
                detail.insert("truncated".to_owned(), cut.note());
            }
        }
        redact_event(&mut event, &self.redactor);
        let stored = self.spool.lock().unwrap_or_else(|p| p.into_inner()).append(event);
        match stored {
            Ok(stored) => {
                self.recorded.fetch_add(1, Ordering::Relaxed);
                Response::Ack { id: stored.id, seq: stored.seq, hash: stored.hash, device: stored.device }
            }
            Err(error) => {
                (self.log)(&format!("cannot record an event of uid {}: {error}", peer.uid));
                error_response("spool", &format!("the managed spool cannot record it: {error}"))
            }
        }
    }

    /// The daemon's state; the user data directories it adopts from are shown to their own
    /// user only (and all of them to root).
    fn status(&self, asking_uid: u32) -> Response {
        let (sources, adopted_total) = {
            let adopter = self.adopter.lock().unwrap_or_else(|p| p.into_inner());
            let sources: Vec<Value> = adopter
                .state
                .sources
                .iter()
                .filter(|s| asking_uid == 0 || s.uid == asking_uid)
                .map(|s| json!({"uid": s.uid, "data_dir": s.data_dir, "device": s.device, "seq": s.seq, "adopted": s.adopted}))
                .collect();
            (sources, adopter.state.sources.iter().map(|s| s.adopted).sum::<u64>())
        };
        let mut fields = Map::new();
        fields.insert("schema_version".into(), json!(1));
        fields.insert("pid".into(), json!(std::process::id()));
        fields.insert("device".into(), json!(self.device));
        fields.insert("state_dir".into(), json!(self.config.paths.state_dir));
        fields.insert("recorded".into(), json!(self.recorded.load(Ordering::Relaxed)));
        fields.insert("refused".into(), json!(self.refused.load(Ordering::Relaxed)));
        fields.insert("adopted_since_start".into(), json!(self.adopted.load(Ordering::Relaxed)));
        fields.insert("adopted_total".into(), json!(adopted_total));
        fields.insert("connections".into(), json!(self.connections.load(Ordering::Relaxed)));
        fields.insert("sources".into(), Value::Array(sources));
        Response::Status(fields)
    }

    /// Notes a user's data directory for the adoption thread, which checks and registers it.
    /// Never waits on an adoption round (the hook's connection slot is still held here).
    fn learn_source(&self, uid: u32, dir: &Path) {
        let mut offered = self.offered.lock().unwrap_or_else(|p| p.into_inner());
        if offered.seen.contains(&(uid, dir.to_owned())) {
            return;
        }
        // Bounded: a user naming ever new directories fills this set only up to a limit.
        if offered.seen.len() >= 4096 {
            return;
        }
        offered.seen.insert((uid, dir.to_owned()));
        offered.pending.push((uid, dir.to_owned()));
        drop(offered);
        *self.adopt_now.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.adopt_wake.notify_all();
    }

    /// Registers the directories hooks named since the last round.
    fn register_offered(&self, adopter: &mut Adopter) {
        let pending = std::mem::take(&mut self.offered.lock().unwrap_or_else(|p| p.into_inner()).pending);
        for (uid, dir) in pending {
            match adopter.register(uid, &dir) {
                Ok(true) => (self.log)(&format!("adopting from {} (uid {uid}) from now on", dir.display())),
                Ok(false) => {}
                Err(error) => (self.log)(&format!("cannot note {} (uid {uid}): {error}", dir.display())),
            }
        }
    }
}

/// User data directories hooks named: every one seen since start, and those not yet registered.
#[derive(Default)]
struct Offered {
    seen: std::collections::HashSet<(u32, PathBuf)>,
    pending: Vec<(u32, PathBuf)>,
}

/// Keeps the compiled managed policy current: a look every `policy_interval`, in steps short
/// enough to notice a stop.
fn policy_loop(shared: &Shared) {
    let mut last = None;
    while !shared.stop.load(Ordering::SeqCst) {
        let started = std::time::Instant::now();
        while started.elapsed() < shared.config.policy_interval {
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100).min(shared.config.policy_interval));
        }
        compile_policy(&shared.config.paths.system_root, &mut last, &|line| (shared.log)(line));
    }
}

/// One look at the managed policy; logs what changed (`last`: the previous outcome, so that a
/// lasting error is logged once).
fn compile_policy(system_root: &Path, last: &mut Option<String>, log: &dyn Fn(&str)) {
    use super::compiled::{compile, Compiled};
    let (line, noteworthy) = match compile(system_root) {
        Ok(Compiled::Written(file)) => (format!("compiled the managed policy into {}", file.display()), true),
        Ok(Compiled::Unchanged(file)) => (format!("unchanged {}", file.display()), false),
        Ok(Compiled::NoPolicy) => ("no managed policy".to_owned(), false),
        Err(error) => (
            format!("cannot compile the managed policy for the hooks (they compile it themselves): {error}"),
            true,
        ),
    };
    if noteworthy && last.as_deref() != Some(line.as_str()) {
        log(&line);
    }
    *last = Some(line);
}

fn adoption_loop(shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        {
            let mut now = shared.adopt_now.lock().unwrap_or_else(|p| p.into_inner());
            if !*now {
                now = shared
                    .adopt_wake
                    .wait_timeout(now, shared.config.adopt_interval)
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|p| p.into_inner().0);
            }
            *now = false;
        }
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let round = {
            let mut adopter = shared.adopter.lock().unwrap_or_else(|p| p.into_inner());
            shared.register_offered(&mut adopter);
            let stored = shared.unacknowledged.lock().unwrap_or_else(|p| p.into_inner()).clone();
            adopter.adopt_all(&shared.spool, &shared.redactor, &stored)
        };
        match round {
            Ok(report) => {
                shared.adopted.fetch_add(report.adopted, Ordering::Relaxed);
                if report.more {
                    *shared.adopt_now.lock().unwrap_or_else(|p| p.into_inner()) = true;
                }
                if report.adopted > 0 || report.findings > 0 {
                    (shared.log)(&format!(
                        "adopted {} events from users' spools ({} chain findings, {} events of other kinds skipped)",
                        report.adopted, report.findings, report.skipped
                    ));
                }
                for (dir, why) in report.unreadable {
                    (shared.log)(&format!("cannot adopt from {}: {why}", dir.display()));
                }
            }
            Err(error) => (shared.log)(&format!("adoption stopped: {error}")),
        }
    }
}

/// Sets `detail.managed` (dropping whatever the event said there); a `detail` that is not an
/// object is kept under `detail.client_detail`.
pub(crate) fn stamp(event: &mut Event, managed: Value) {
    let mut detail = match std::mem::take(&mut event.detail) {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => Map::from_iter([("client_detail".to_owned(), other)]),
    };
    detail.insert("managed".to_owned(), managed);
    event.detail = Value::Object(detail);
}

/// The member of `detail` in which the hook names each call with a fresh id. An event the
/// daemon stored but could not acknowledge (the hook timed out and recorded it in its own spool)
/// is recognised by it when that copy comes up for adoption.
pub const CALL_FIELD: &str = "call";

/// The client closed its end: it stopped waiting (a client keeps its end open until the answer).
fn client_gone(stream: &UnixStream) -> bool {
    use nix::sys::socket::{recv, MsgFlags};
    use std::os::fd::AsRawFd;
    let mut byte = [0u8; 1];
    matches!(recv(stream.as_raw_fd(), &mut byte, MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT), Ok(0))
}

fn error_response(code: &str, message: &str) -> Response {
    Response::Error { code: code.to_owned(), message: message.to_owned() }
}

fn reply(stream: &UnixStream, response: &Response) -> Result<(), FrameError> {
    write_frame(&mut &*stream, &response.encode())
}

/// Creates `path` (mode `mode`) or checks the existing one: a real directory (not a link) owned
/// by `uid`, not writable by others; its mode is set to `mode`.
fn private_dir(path: &Path, mode: u32, uid: u32) -> Result<(), DaemonError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    match DirBuilder::new().mode(mode).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_error(path)(e)),
    }
    let metadata = fs::symlink_metadata(path).map_err(io_error(path))?;
    let reason = if !metadata.is_dir() {
        Some("not a directory (a link or a file)".to_owned())
    } else if metadata.uid() != uid {
        Some(format!("owned by uid {}, not by uid {uid} the daemon runs as", metadata.uid()))
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(DaemonError::Unsafe { path: path.to_owned(), reason });
    }
    if metadata.mode() & 0o7777 != mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_error(path))?;
    }
    Ok(())
}

fn take_lock(path: &Path) -> Result<nix::fcntl::Flock<File>, DaemonError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(ward_audit::trust::O_NOFOLLOW)
        .open(path)
        .map_err(io_error(path))?;
    let mut lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map_err(|_| DaemonError::AlreadyRunning(path.to_owned()))?;
    let _ = lock.set_len(0);
    let _ = writeln!(&mut *lock, "{}", std::process::id());
    Ok(lock)
}

/// Binds the socket under a temporary name, opens it to every local user (mode 0666: the
/// directory, root's, is what keeps others from replacing it), then renames it into place, so a
/// client never finds a socket with other permissions, and a stale one is replaced atomically.
fn bind(socket: &Path) -> Result<UnixListener, DaemonError> {
    let dir = socket.parent().unwrap_or(Path::new("/"));
    let tmp = dir.join(format!(".ward.sock.{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let listener = UnixListener::bind(&tmp).map_err(io_error(&tmp))?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o666)).map_err(io_error(&tmp))?;
    fs::rename(&tmp, socket).map_err(io_error(socket))?;
    Ok(listener)
}
