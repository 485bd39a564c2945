//! Load generator for `ward serve`: simulated devices on loopback, each with its own enrolled
//! credential and its own hash chain, sending real ingest batches. Two measurements:
//!
//! * `throughput`: a few devices send 1,000-event batches back to back from several threads;
//!   prints events/s and batch latency.
//! * `latency`: 1,000 devices at a fixed total rate (5,000 events/s: each device one 5-event
//!   batch per second, staggered); latency is measured from each batch's *scheduled* send time,
//!   so a server that falls behind shows it (no coordinated omission).
//!
//! Every batch is built and sealed (serialized, hashed, chained) before the clock starts, per
//! device in chain order, so the figures measure the server: real devices do not share the
//! server's CPU, and sealing 1,000 events at send time took a quarter of the two cores.
//!
//! It starts `ward serve` itself (the binary given by `--ward`) on a fresh SQLite file or a fresh
//! PostgreSQL database (`$WARD_TEST_POSTGRES_URL`, else a throwaway cluster), and samples the
//! server's RSS from /proc while it runs. Run through `scripts/bench/fleet.sh`, which builds the
//! release binaries and prints the table. Arguments: `--ward PATH --store sqlite|postgres
//! [--mode throughput|latency|both] [--devices N] [--rate EVENTS_PER_S] [--seconds S]
//! [--threads T] [--events N] [--workers W]`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use time::OffsetDateTime;
use ward_model::Event;
use ward_server::db::Conn;
use ward_server::fleet::{self, TokenRequest};
use ward_server::token::TokenKind;

struct Args {
    ward: String,
    store: String,
    workers: u64,
    server: String,
    database: String,
    pid: Option<u32>,
    mode: String,
    devices: Option<usize>,
    rate: u64,
    seconds: u64,
    threads: usize,
    events: u64,
}

fn args() -> Args {
    let mut map = HashMap::new();
    let mut argv = std::env::args().skip(1);
    while let Some(key) = argv.next() {
        let value = argv.next().unwrap_or_else(|| panic!("{key} needs a value"));
        map.insert(key.trim_start_matches("--").to_owned(), value);
    }
    let get = |k: &str| map.get(k).cloned();
    let num = |k: &str, d: u64| get(k).map_or(d, |v| v.parse().unwrap_or_else(|_| panic!("--{k}: a number")));
    Args {
        ward: get("ward").expect("--ward PATH (the release `ward` binary)"),
        store: get("store").unwrap_or_else(|| "sqlite".into()),
        workers: num("workers", 8),
        server: String::new(),
        database: String::new(),
        pid: None,
        mode: get("mode").unwrap_or_else(|| "both".into()),
        devices: get("devices").map(|d| d.parse().expect("--devices: a number")),
        rate: num("rate", 5000),
        seconds: num("seconds", 20),
        threads: num("threads", 32) as usize,
        events: num("events", 100_000),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .max_idle_connections_per_host(4)
            .build(),
    )
}

/// One simulated device: its id, credential and chain position.
struct Device {
    id: String,
    credential: String,
    seq: u64,
    prev: String,
    template: Event,
    /// Request bodies built ahead, sent in order (the chain's order).
    queue: VecDeque<String>,
}

impl Device {
    /// The next `count` events of this device's chain, sealed.
    fn next_batch(&mut self, count: usize) -> Vec<Event> {
        (0..count)
            .map(|_| {
                let mut event = self.template.clone();
                self.seq += 1;
                event.seq = self.seq;
                event.id = format!("{}-{:x}", self.id, self.seq);
                event.device = self.id.clone();
                event.time = ward_model::EventTime::from_datetime(OffsetDateTime::now_utc());
                event.prev_hash = self.prev.clone();
                ward_audit::chain::seal(&mut event).expect("an event serializes");
                self.prev = event.hash.clone();
                event
            })
            .collect()
    }
}

/// Builds each device's next `batches[d]` request bodies of `events` events (in parallel across
/// devices, in chain order within one).
fn prebuild(devices: &[Mutex<Device>], batches: impl Fn(usize) -> usize + Sync, events: usize) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..std::thread::available_parallelism().map_or(2, |n| n.get()) {
            scope.spawn(|| loop {
                let d = next.fetch_add(1, Ordering::Relaxed);
                let Some(device) = devices.get(d) else { return };
                let mut device = device.lock().unwrap();
                for _ in 0..batches(d) {
                    let batch = device.next_batch(events);
                    let body = json!({"schema_version": 1, "events": batch}).to_string();
                    device.queue.push_back(body);
                }
            });
        }
    });
}

/// Enrolls `count` devices (parallel), with templates from the store's event generator.
fn enroll(args: &Args, run: u32, count: usize) -> Vec<Mutex<Device>> {
    let mut conn = Conn::open(&args.database).expect("the server's database");
    let (_, token) = fleet::create_token(
        &mut conn,
        TokenKind::Enroll,
        &TokenRequest { label: Some("load generator".into()), ttl_seconds: Some(3600), ..Default::default() },
    )
    .expect("an enrollment token");
    let mut generator = ward_store::generate::Generator::new(
        u64::from(run),
        1,
        OffsetDateTime::now_utc(),
        time::Duration::hours(1),
        count as u64,
    );
    let templates: Vec<Event> = generator.batch(count);
    let next = AtomicUsize::new(0);
    let devices: Vec<Mutex<Option<Device>>> = (0..count).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                let agent = agent();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count {
                        return;
                    }
                    let id = format!("{run:08x}-{:04x}-7000-8000-{n:012x}", n >> 16);
                    let body = json!({"schema_version": 1, "token": token, "device": id, "hostname": format!("sim-{n}")});
                    let mut response = agent
                        .post(&format!("{}/api/v1/enroll", args.server))
                        .send(body.to_string().as_bytes())
                        .expect("enroll");
                    let answer: Value =
                        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
                    let credential = answer["credential"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned();
                    *devices[n].lock().unwrap() = Some(Device {
                        id,
                        credential,
                        seq: 0,
                        prev: ward_model::event::GENESIS_HASH.to_owned(),
                        template: templates[n].clone(),
                        queue: VecDeque::new(),
                    });
                }
            });
        }
    });
    devices.into_iter().map(|d| Mutex::new(d.into_inner().unwrap().unwrap())).collect()
}

/// Sends the device's next prebuilt batch; returns how many events the server inserted.
fn post_batch(agent: &ureq::Agent, server: &str, device: &mut Device) -> u64 {
    let body = device.queue.pop_front().expect("a prebuilt batch");
    let mut response = agent
        .post(&format!("{server}/api/v1/events"))
        .header("Authorization", &format!("Bearer {}", device.credential))
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .expect("ingest request");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let short: String = text.chars().take(400).collect();
    assert_eq!(status, 200, "{short}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["findings"], json!([]), "the chain stays intact: {short}");
    answer["inserted"].as_u64().unwrap_or(0)
}

/// CPU time (user + system) the process used so far, in seconds (`/proc/PID/stat`, at the
/// kernel's usual 100 ticks a second): what the server spent, whatever else loads the machine.
fn cpu_seconds(pid: Option<u32>) -> f64 {
    let read = || -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
        // Fields after the command name (which may hold spaces, so split after its ')').
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(ticks as f64 / 100.0)
    };
    read().unwrap_or(0.0)
}

/// CPU seconds used so far by the PostgreSQL backends serving `database` (processes titled
/// `postgres: USER DATABASE …`); 0 for SQLite. Backends that ended are not counted.
fn backend_cpu_seconds(database: &str) -> f64 {
    // `host=… dbname=NAME` (what the throwaway cluster gives) or `postgres://…/NAME?…`.
    let name = match database.split_whitespace().find_map(|pair| pair.strip_prefix("dbname=")) {
        Some(name) => name,
        None if database.starts_with("postgres") => {
            database.rsplit('/').next().and_then(|n| n.split('?').next()).unwrap_or("")
        }
        None => return 0.0,
    };
    if name.is_empty() {
        return 0.0;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0.0 };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let title = String::from_utf8_lossy(&cmdline);
            title.starts_with("postgres:") && title.split_whitespace().nth(2) == Some(name)
        })
        .map(|pid| cpu_seconds(Some(pid)))
        .sum()
}

/// Peak and last RSS of a process, sampled every 200 ms while `running`.
fn sample_rss(pid: Option<u32>, running: Arc<AtomicBool>) -> std::thread::JoinHandle<(u64, u64)> {
    std::thread::spawn(move || {
        let read = || -> Option<u64> {
            let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        };
        let (mut peak, mut last) = (0, 0);
        while running.load(Ordering::Relaxed) {
            if let Some(kb) = read() {
                peak = peak.max(kb);
                last = kb;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        (peak, last)
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn throughput(args: &Args, run: u32) {
    let devices = enroll(args, run, args.devices.unwrap_or(16));
    let batch = 1000;
    let batches = (args.events / batch as u64).max(1);
    let next = AtomicU64::new(0);
    let inserted = AtomicU64::new(0);
    let latencies = Mutex::new(Vec::new());
    let running = Arc::new(AtomicBool::new(true));
    let rss = sample_rss(args.pid, Arc::clone(&running));
    let threads = args.threads.min(devices.len()).max(1);
    // Batch n goes to device n % D: device d sends the batches d, d + D, d + 2D, …
    let count = devices.len() as u64;
    prebuild(&devices, |d| ((batches + count - 1 - d as u64) / count) as usize, batch);
    let (cpu, backends) = (cpu_seconds(args.pid), backend_cpu_seconds(&args.database));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let agent = agent();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= batches {
                        return;
                    }
                    let mut device = devices[n as usize % devices.len()].lock().unwrap();
                    let sent = Instant::now();
                    inserted.fetch_add(post_batch(&agent, &args.server, &mut device), Ordering::Relaxed);
                    latencies.lock().unwrap().push(sent.elapsed());
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let (cpu, backends) = (cpu_seconds(args.pid) - cpu, backend_cpu_seconds(&args.database) - backends);
    running.store(false, Ordering::Relaxed);
    let (peak, _) = rss.join().unwrap();
    let mut latencies = latencies.into_inner().unwrap();
    latencies.sort();
    let stored = inserted.load(Ordering::Relaxed);
    assert_eq!(stored, batches * batch as u64, "every event stored once");
    println!(
        "| {} | throughput | {} devices, {threads} senders, {batch}-event batches | {:.0} events/s ({stored} in {:.1} s) | batch p50 {} ms, p99 {} ms | {} MiB |",
        args.store,
        devices.len(),
        stored as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        peak / 1024
    );
    let per = |s: f64| s * 1e6 / stored.max(1) as f64;
    eprintln!(
        "{} throughput: CPU per event: ward serve {:.1} µs ({cpu:.1} s), PostgreSQL backends {:.1} µs ({backends:.1} s)",
        args.store,
        per(cpu),
        per(backends)
    );
}

fn latency(args: &Args, run: u32) {
    let count = args.devices.unwrap_or(1000);
    let devices = enroll(args, run + 1, count);
    // Each device one batch per second; the batch size makes the total rate.
    let per_batch = ((args.rate as f64 / count as f64).round() as usize).max(1);
    let rounds = args.seconds;
    let total = rounds * count as u64;
    let next = AtomicU64::new(0);
    let latencies = Mutex::new(Vec::with_capacity(total as usize));
    let inserted = AtomicU64::new(0);
    prebuild(&devices, |_| rounds as usize, per_batch);
    let running = Arc::new(AtomicBool::new(true));
    let rss = sample_rss(args.pid, Arc::clone(&running));
    let (cpu, backends) = (cpu_seconds(args.pid), backend_cpu_seconds(&args.database));
    let start = Instant::now() + Duration::from_millis(200);
    let spacing = Duration::from_secs(1) / count as u32;
    std::thread::scope(|scope| {
        for _ in 0..args.threads {
            scope.spawn(|| {
                let agent = agent();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        return;
                    }
                    let (round, device) = (n / count as u64, (n % count as u64) as usize);
                    let due = start + Duration::from_secs(round) + spacing * device as u32;
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let mut device = devices[device].lock().unwrap();
                    inserted.fetch_add(post_batch(&agent, &args.server, &mut device), Ordering::Relaxed);
                    latencies.lock().unwrap().push(due.elapsed());
                }
            });
        }
    });
    let elapsed = start.elapsed();
    let (cpu, backends) = (cpu_seconds(args.pid) - cpu, backend_cpu_seconds(&args.database) - backends);
    running.store(false, Ordering::Relaxed);
    let (peak, last) = rss.join().unwrap();
    let mut latencies = latencies.into_inner().unwrap();
    latencies.sort();
    let stored = inserted.load(Ordering::Relaxed);
    assert_eq!(stored, total * per_batch as u64, "every event stored once");
    println!(
        "| {} | fixed rate | {count} devices, {} events/s offered ({per_batch}-event batch per device per second, {} s) | {:.0} events/s achieved | p50 {} ms, p99 {} ms, max {} ms | {} MiB (end {} MiB) |",
        args.store,
        count * per_batch,
        rounds,
        stored as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        peak / 1024,
        last / 1024
    );
    let per = |s: f64| s * 1e6 / stored.max(1) as f64;
    eprintln!(
        "{} fixed rate: CPU per event: ward serve {:.1} µs ({cpu:.1} s), PostgreSQL backends {:.1} µs ({backends:.1} s)",
        args.store,
        per(cpu),
        per(backends)
    );
}

/// Starts `ward serve` on a fresh database; returns the process and its URL.
fn start_server(args: &mut Args, dir: &std::path::Path) -> std::process::Child {
    use std::io::BufRead;
    args.database = match args.store.as_str() {
        "sqlite" => dir.join("server/ward.db").display().to_string(),
        "postgres" => ward_store::throwaway::fresh_database("fleet_bench").expect("a PostgreSQL"),
        other => panic!("--store sqlite|postgres, not {other}"),
    };
    let mut child = std::process::Command::new(&args.ward)
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &args.database])
        .args(["--workers", &args.workers.to_string()])
        .env("WARD_HOME", dir)
        .env("HOME", dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ward serve starts");
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("ward serve: listening on ") {
            args.server = rest.split(' ').next().unwrap().to_owned();
            break;
        }
    }
    // WARD_BENCH_SERVER_STDERR=1: the server's messages (e.g. its traces) go to this stderr.
    let echo = std::env::var_os("WARD_BENCH_SERVER_STDERR").is_some();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if echo {
                eprintln!("server: {line}");
            }
        }
    });
    assert!(!args.server.is_empty(), "ward serve printed its address");
    args.pid = Some(child.id());
    child
}

/// Stops the server however `main` ends (a failed assertion included).
struct Stop(std::process::Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let mut args = args();
    let dir = tempfile::tempdir().unwrap();
    let _server = Stop(start_server(&mut args, dir.path()));
    let args = args;
    let run = (OffsetDateTime::now_utc().unix_timestamp() & 0x7fff_ffff) as u32;
    if args.mode == "throughput" || args.mode == "both" {
        throughput(&args, run);
    }
    if args.mode == "latency" || args.mode == "both" {
        latency(&args, run);
    }
}
