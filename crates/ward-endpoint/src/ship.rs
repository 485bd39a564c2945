//! The endpoint side of the fleet: enrollment (an enrollment token exchanged for this device's
//! credential and the fleet key) and shipping the spool to the server (`ward agent run`).
//!
//! Exactly once in the server's view: the shipper reads from the spool's checkpoint, sends a
//! batch, and moves the checkpoint only after the server's 200, which the server sends only once
//! the batch is committed. A crash (of either side) between the commit and the checkpoint makes
//! the shipper send the batch again; the server skips events it holds (ingest is idempotent by
//! event id). Nothing is acknowledged that the server has not stored, so nothing is dropped.
//!
//! The HTTP client is `ureq` (blocking, no async runtime): the daemon is a plain loop, and the
//! hook, which links this crate, never calls into it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ward_audit::read::{self, LineEnd, SpoolReader};
use ward_audit::{Checkpoint, Spool, SpoolLayout, SpoolView};
use ward_model::Event;

/// Version of the enrollment file and of the API bodies this client speaks.
pub const SCHEMA_VERSION: u32 = 1;
/// Events per batch at most.
pub const BATCH_EVENTS: usize = 1000;
/// Bytes of events per batch at most (a batch stops before the event that would pass it).
pub const BATCH_BYTES: usize = 2 << 20;

/// Why enrollment or shipping failed.
#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error("this device is not enrolled (no {0}); run `ward agent enroll --server URL --token T`")]
    NotEnrolled(PathBuf),
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the spool: {0}")]
    Spool(#[from] ward_audit::AuditError),
    #[error("cannot reach the server {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the server refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the server's answer is not understood: {0}")]
    BadAnswer(String),
    #[error(
        "this spool belongs to device {spool} but the enrollment is for device {enrolled}; re-enroll this device"
    )]
    DeviceMismatch { spool: String, enrolled: String },
}

impl ShipError {
    /// Errors that retrying later may cure (the server down, overloaded or failing).
    pub fn is_transient(&self) -> bool {
        match self {
            ShipError::Unreachable { .. } | ShipError::BadAnswer(_) => true,
            ShipError::Refused { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }
}

/// `<data_dir>/agent/enrollment.json`, mode 0600: the server and this device's credential.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Enrollment {
    pub schema_version: u32,
    pub server: String,
    pub device: String,
    pub credential: String,
    /// The CA certificate(s), PEM, that the server's TLS certificate must chain to (given at
    /// enrollment with `--ca-cert`). `None`: the public web PKI roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<String>,
}

pub fn enrollment_path(data_dir: &Path) -> PathBuf {
    data_dir.join("agent").join("enrollment.json")
}

impl Enrollment {
    pub fn load(data_dir: &Path) -> Result<Enrollment, ShipError> {
        let path = enrollment_path(data_dir);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ShipError::NotEnrolled(path)),
            Err(e) => return Err(ShipError::Read { path, reason: e.to_string() }),
        };
        serde_json::from_slice(&bytes).map_err(|e| ShipError::Read { path, reason: e.to_string() })
    }
}

/// Writes `bytes` to `path` atomically, readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ShipError> {
    let fail = |source| ShipError::Write { path: path.to_owned(), source };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(fail)?;
    }
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut file =
        fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    fs::rename(&tmp, path).map_err(fail)
}

pub(crate) fn http_agent(timeout: Duration) -> ureq::Agent {
    let config =
        ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build();
    ureq::Agent::new_with_config(config)
}

/// The certificates of a PEM CA file; an error unless there is at least one.
pub fn parse_ca(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>, ShipError> {
    let bad = |reason: String| ShipError::Read { path: "the CA certificate".into(), reason };
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item.map_err(|e| bad(e.to_string()))? {
            ureq::tls::PemItem::Certificate(cert) => certs.push(cert),
            _ => return Err(bad("holds a private key: give the CA's certificate only".into())),
        }
    }
    if certs.is_empty() {
        return Err(bad("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into()));
    }
    Ok(certs)
}

/// An HTTP agent that trusts only the CA in `ca_pem` when one is given (else the web PKI roots).
pub(crate) fn http_agent_trusting(timeout: Duration, ca_pem: Option<&str>) -> Result<ureq::Agent, ShipError> {
    let Some(pem) = ca_pem else { return Ok(http_agent(timeout)) };
    let roots = ureq::tls::RootCerts::Specific(std::sync::Arc::new(parse_ca(pem.as_bytes())?));
    let tls = ureq::tls::TlsConfig::builder().root_certs(roots).build();
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .tls_config(tls)
        .build();
    Ok(ureq::Agent::new_with_config(config))
}

/// Sends a JSON body; returns the status and the parsed JSON answer.
pub(crate) fn post_json(
    agent: &ureq::Agent,
    url: &str,
    bearer: Option<&str>,
    body: &[u8],
) -> Result<(u16, Value), ShipError> {
    let mut request = agent.post(url).header("Content-Type", "application/json");
    if let Some(token) = bearer {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let unreachable = |e: ureq::Error| ShipError::Unreachable { url: url.to_owned(), reason: e.to_string() };
    let mut response = request.send(body).map_err(unreachable)?;
    let status = response.status().as_u16();
    let text = response.body_mut().with_config().limit(1 << 20).read_to_string().map_err(unreachable)?;
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        let message = value["error"]["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| text.chars().take(200).collect());
        return Err(ShipError::Refused { status, message });
    }
    Ok((status, value))
}

/// `GET {server}{path}?{params}` with a bearer token (the admin API for `ward audit … --server`);
/// the JSON answer, or the server's error message.
pub fn get_json(server: &str, path: &str, params: &[(&str, &str)], bearer: &str) -> Result<Value, ShipError> {
    get_json_trusting(server, path, params, bearer, None)
}

/// [`get_json`], trusting only the CA in `ca_pem` (PEM text) when one is given.
pub fn get_json_trusting(
    server: &str,
    path: &str,
    params: &[(&str, &str)],
    bearer: &str,
    ca_pem: Option<&str>,
) -> Result<Value, ShipError> {
    let url = format!("{}{path}", normalize_server(server));
    let agent = http_agent_trusting(Duration::from_secs(120), ca_pem)?;
    let mut request = agent.get(&url).header("Authorization", &format!("Bearer {bearer}"));
    for (name, value) in params {
        request = request.query(*name, *value);
    }
    let unreachable = |e: ureq::Error| ShipError::Unreachable { url: url.clone(), reason: e.to_string() };
    let mut response = request.call().map_err(unreachable)?;
    let status = response.status().as_u16();
    let text = response.body_mut().with_config().limit(256 << 20).read_to_string().map_err(unreachable)?;
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        let message = value["error"]["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| text.chars().take(200).collect());
        return Err(ShipError::Refused { status, message });
    }
    Ok(value)
}

/// The server's base URL without a trailing slash.
pub fn normalize_server(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

/// What enrollment did.
#[derive(Debug, Clone)]
pub struct Enrolled {
    pub device: String,
    pub reenrolled: bool,
    pub enrollment_file: PathBuf,
    pub fleet_key_file: PathBuf,
}

/// This machine's name, for the server's device list.
fn hostname() -> Option<String> {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// Enrolls this device (its spool's device id) with `server` using an enrollment token. Writes
/// the fleet key where redaction loads it (`<data_dir>/fleet.key`) and the enrollment file; an
/// existing enrollment's credential is presented so the server knows it is the same device.
pub fn enroll(data_dir: &Path, server: &str, token: &str, version: &str) -> Result<Enrolled, ShipError> {
    enroll_trusting(data_dir, server, token, version, None)
}

/// [`enroll`], trusting only the CA in `ca_pem` (PEM text) for this and every later request to
/// the server (it is kept in the enrollment). Without one, a re-enrollment with the same server
/// keeps the CA it had.
pub fn enroll_trusting(
    data_dir: &Path,
    server: &str,
    token: &str,
    version: &str,
    ca_pem: Option<&str>,
) -> Result<Enrolled, ShipError> {
    let server = normalize_server(server);
    let spool = Spool::open(data_dir)?;
    let device = spool.device().to_owned();
    let previous = Enrollment::load(data_dir).ok().filter(|e| e.device == device);
    let ca_cert = match ca_pem {
        Some(pem) => {
            parse_ca(pem.as_bytes())?;
            Some(pem.to_owned())
        }
        None => previous.as_ref().filter(|p| p.server == server).and_then(|p| p.ca_cert.clone()),
    };
    let body = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "token": token,
        "device": device,
        "hostname": hostname(),
        "version": version,
        "credential": previous.map(|p| p.credential),
    });
    let agent = http_agent_trusting(Duration::from_secs(30), ca_cert.as_deref())?;
    let (_, answer) =
        post_json(&agent, &format!("{server}/api/v1/enroll"), None, body.to_string().as_bytes())?;
    let credential =
        answer["credential"].as_str().ok_or_else(|| ShipError::BadAnswer("no credential".into()))?;
    let key_hex = answer["fleet_key"].as_str().ok_or_else(|| ShipError::BadAnswer("no fleet key".into()))?;
    let key = hex::decode(key_hex).map_err(|_| ShipError::BadAnswer("the fleet key is not hex".into()))?;
    if key.len() < 16 {
        return Err(ShipError::BadAnswer("the fleet key is shorter than 16 bytes".into()));
    }
    let fleet_key_file = data_dir.join(ward_redact::key::FLEET_KEY_FILE);
    write_private(&fleet_key_file, &key)?;
    let enrollment = Enrollment {
        schema_version: SCHEMA_VERSION,
        server,
        device: device.clone(),
        credential: credential.to_owned(),
        ca_cert,
    };
    let enrollment_file = enrollment_path(data_dir);
    let text = serde_json::to_vec_pretty(&enrollment).map_err(|e| ShipError::BadAnswer(e.to_string()))?;
    write_private(&enrollment_file, &text)?;
    Ok(Enrolled { device, reenrolled: answer["reenrolled"] == true, enrollment_file, fleet_key_file })
}

/// What one shipping round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub findings: u64,
    /// Lines that could not be shipped (torn at the end, unparsable, oversized); the server
    /// sees the seqs they held as a gap.
    pub skipped: u64,
    pub checkpoint: Option<u64>,
}

/// Ships one device's spool.
pub struct Shipper {
    data_dir: PathBuf,
    enrollment: Enrollment,
    spool: Spool,
    agent: ureq::Agent,
    version: String,
    /// Where the last acknowledged batch ended: `(seq, segment, byte offset after its line)`.
    /// The next batch is read from there instead of from its segment's start, so shipping a
    /// backlog reads each line once (a 16 MiB segment holds ~16,000 events).
    resume: Option<(u64, u64, u64)>,
}

/// The next batch: events, the last one's position, lines skipped, and where its line ends.
type NextBatch = (Vec<Event>, Option<Checkpoint>, u64, Option<(u64, u64)>);

impl Shipper {
    /// Opens the spool and the enrollment; the spool's device must be the enrolled one.
    pub fn open(data_dir: &Path, version: &str) -> Result<Shipper, ShipError> {
        let enrollment = Enrollment::load(data_dir)?;
        let spool = Spool::open(data_dir)?;
        if spool.device() != enrollment.device {
            return Err(ShipError::DeviceMismatch {
                spool: spool.device().to_owned(),
                enrolled: enrollment.device,
            });
        }
        let agent = http_agent_trusting(Duration::from_secs(60), enrollment.ca_cert.as_deref())?;
        Ok(Shipper {
            data_dir: data_dir.to_owned(),
            enrollment,
            spool,
            agent,
            version: version.to_owned(),
            resume: None,
        })
    }

    pub fn server(&self) -> &str {
        &self.enrollment.server
    }

    /// The next batch after the checkpoint: at most [`BATCH_EVENTS`] events and [`BATCH_BYTES`],
    /// streamed from the spool (memory is one batch, whatever the backlog).
    fn next_batch(&self) -> Result<NextBatch, ShipError> {
        let layout = SpoolLayout::new(&self.data_dir);
        let after = read::read_checkpoint(&layout.checkpoint_file)?.map_or(0, |c| c.seq);
        // A consistent view: complete lines within the lengths noted under the lock only.
        let view = SpoolView::take(&self.data_dir)?;
        if let Some((seq, segment, offset)) = self.resume.filter(|(seq, _, _)| *seq == after) {
            let batch = Self::read_batch(view.reader_from(segment, offset), after)?;
            // The line after the resume point must carry the next seq; anything else (the spool
            // was changed under us) and the batch is read again from the segment's start.
            match batch.0.first() {
                Some(first) if first.seq != seq + 1 => {}
                _ => return Ok(batch),
            }
        }
        let wanted = after.saturating_add(1);
        let start = view.segments.iter().rposition(|(s, _)| s.first_seq <= wanted).unwrap_or(0);
        let segments = view.segments.into_iter().skip(start).map(|(s, len)| (s, Some(len))).collect();
        Self::read_batch(SpoolReader::new(segments), after)
    }

    fn read_batch(reader: SpoolReader, after: u64) -> Result<NextBatch, ShipError> {
        let mut events = Vec::new();
        let mut bytes = 0;
        let mut skipped = 0;
        let mut last = None;
        let mut end = None;
        for line in reader {
            let line = line?;
            if line.end != LineEnd::Complete {
                skipped += 1;
                continue;
            }
            let Ok(event) = line.event() else {
                skipped += 1;
                continue;
            };
            if event.seq <= after {
                continue;
            }
            if !events.is_empty() && (events.len() >= BATCH_EVENTS || bytes + line.bytes.len() > BATCH_BYTES)
            {
                break;
            }
            bytes += line.bytes.len();
            last = Some(Checkpoint { seq: event.seq, hash: event.hash.clone() });
            end = Some((line.segment, line.offset + line.stored_len()));
            events.push(event);
        }
        Ok((events, last, skipped, end))
    }

    /// Sends the next batch (if any) and, once the server stored it, moves the checkpoint.
    pub fn ship_once(&mut self) -> Result<Round, ShipError> {
        let (events, last, skipped, end) = self.next_batch()?;
        let mut round = Round { skipped, ..Round::default() };
        let Some(last) = last else { return Ok(round) };
        let body = serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "events": events,
            "agent_version": self.version,
        });
        let url = format!("{}/api/v1/events", self.enrollment.server);
        let (_, answer) =
            post_json(&self.agent, &url, Some(&self.enrollment.credential), body.to_string().as_bytes())?;
        let acknowledged = answer["acknowledged"]["seq"].as_u64();
        if acknowledged != Some(last.seq) {
            return Err(ShipError::BadAnswer(format!(
                "acknowledged {acknowledged:?}, sent up to seq {}",
                last.seq
            )));
        }
        round.sent = events.len() as u64;
        round.inserted = answer["inserted"].as_u64().unwrap_or(0);
        round.duplicates = answer["duplicates"].as_u64().unwrap_or(0);
        round.findings = answer["findings"].as_array().map_or(0, |f| f.len() as u64);
        self.spool.acknowledge(&last)?;
        self.resume = end.map(|(segment, offset)| (last.seq, segment, offset));
        round.checkpoint = Some(last.seq);
        Ok(round)
    }
}

/// Retry timing while the server is unreachable: exponential from `min` to `max`, each wait
/// jittered to between half and all of it, so a fleet that lost its server does not return in
/// lock step.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub min: Duration,
    pub max: Duration,
    current: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff { min, max: max.max(min), current: min }
    }

    /// The next wait, and doubles the base for the one after.
    pub fn next_wait(&mut self) -> Duration {
        let base = self.current;
        self.current = (self.current * 2).min(self.max);
        let mut random = [0u8; 4];
        let fraction = match getrandom::getrandom(&mut random) {
            Ok(()) => f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX),
            Err(_) => 0.5,
        };
        base.mul_f64(0.5 + fraction / 2.0)
    }

    pub fn reset(&mut self) {
        self.current = self.min;
    }
}

/// How `ward agent run` behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Pause between looks at the spool when everything is shipped.
    pub poll: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Ship what is there and return (for cron and tests).
    pub once: bool,
    /// Pull the fleet policy into this target (`None`: leave the policy alone).
    pub policy: Option<crate::policy_pull::PolicyPuller>,
    /// Time between policy pulls (the first is at start).
    pub policy_interval: Duration,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            poll: Duration::from_secs(2),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            once: false,
            policy: None,
            policy_interval: Duration::from_secs(60),
        }
    }
}

/// What the daemon's loop tells its caller (for the log).
#[derive(Debug)]
pub enum Progress<'a> {
    /// A batch was shipped (or lines were skipped).
    Shipped(&'a Round),
    /// Shipping failed transiently; the loop waits and retries.
    Retrying(&'a ShipError),
    /// A policy pull's outcome.
    Policy(&'a crate::policy_pull::Pulled),
    /// A policy pull failed; shipping goes on and the pull is tried again next interval.
    PolicyFailed(&'a ShipError),
}

/// The daemon's loop: ship until the spool is drained, wait, repeat; back off on transient
/// failures; pull the fleet policy every `policy_interval`; stop when `stop` is set (or, with
/// `once`, when drained). `report` hears each round, pull and error (for the log).
pub fn run(
    data_dir: &Path,
    version: &str,
    options: &RunOptions,
    stop: &AtomicBool,
    mut report: impl FnMut(Progress<'_>),
) -> Result<(), ShipError> {
    let mut shipper = Shipper::open(data_dir, version)?;
    let mut backoff = Backoff::new(options.backoff_min, options.backoff_max);
    let mut next_pull = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if let Some(puller) = options.policy.as_ref().filter(|_| Instant::now() >= next_pull) {
            match puller.pull(&shipper.enrollment, &shipper.agent) {
                Ok(pulled) => report(Progress::Policy(&pulled)),
                Err(error) => report(Progress::PolicyFailed(&error)),
            }
            next_pull = Instant::now() + options.policy_interval;
        }
        match shipper.ship_once() {
            Ok(round) => {
                backoff.reset();
                let drained = round.sent == 0;
                if round.sent > 0 || round.skipped > 0 {
                    report(Progress::Shipped(&round));
                }
                if drained {
                    if options.once {
                        return Ok(());
                    }
                    sleep_unless_stopped(options.poll, stop);
                }
            }
            Err(error) if error.is_transient() => {
                report(Progress::Retrying(&error));
                sleep_unless_stopped(backoff.next_wait(), stop);
            }
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    while waited < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step.min(total - waited));
        waited += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_with_jitter() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(800));
        let waits: Vec<Duration> = (0..6).map(|_| backoff.next_wait()).collect();
        let bases = [100, 200, 400, 800, 800, 800];
        for (wait, base) in waits.iter().zip(bases) {
            let base = Duration::from_millis(base);
            assert!(*wait >= base / 2 && *wait <= base, "{wait:?} for base {base:?}");
        }
        backoff.reset();
        assert!(backoff.next_wait() <= Duration::from_millis(100));
    }

    #[test]
    fn transient_errors_are_retried_and_refusals_are_not() {
        let unreachable = ShipError::Unreachable { url: "u".into(), reason: "r".into() };
        assert!(unreachable.is_transient());
        assert!(ShipError::Refused { status: 503, message: String::new() }.is_transient());
        assert!(!ShipError::Refused { status: 401, message: String::new() }.is_transient());
        assert!(!ShipError::Refused { status: 403, message: String::new() }.is_transient());
    }

    #[test]
    fn shipping_needs_an_enrollment_for_this_spool() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(Shipper::open(dir.path(), "t"), Err(ShipError::NotEnrolled(_))));
        let enrollment = Enrollment {
            schema_version: 1,
            server: "http://127.0.0.1:9".into(),
            device: "someone-else".into(),
            credential: "c".into(),
            ca_cert: None,
        };
        write_private(&enrollment_path(dir.path()), &serde_json::to_vec(&enrollment).unwrap()).unwrap();
        assert!(matches!(Shipper::open(dir.path(), "t"), Err(ShipError::DeviceMismatch { .. })));
    }
}
