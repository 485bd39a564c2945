//! The SQLite ingest writer: one thread owns the store's write connection and commits device
//! batches from a queue, every batch waiting when a commit starts in the same transaction
//! (group commit). SQLite has one writer at a time: request threads that each open their own
//! write transaction only queue on the database lock, and SQLite's busy handler waits for it by
//! sleeping (up to 100 ms a try), which is where seconds of latency came from under load. Here
//! nobody waits on the lock; a batch waits at most for the commit in progress and its own.
//!
//! Each batch runs in its own savepoint (a failing batch is rolled back alone and gets its
//! error) and is answered only after the commit that holds it returned, so the 200 a device
//! advances its checkpoint on still means "committed". Durability is the store's WAL with
//! `synchronous=NORMAL`, as before the writer: a commit survives the server process being
//! killed, not necessarily a power loss (which shows as a gap on the device's next batch). With
//! `synchronous=FULL` the WAL `fsync` at each commit has to write every page the group dirtied
//! before the answer: measured, that halved throughput on large batches (docs/fleet.md,
//! "Benchmark"). WAL checkpoints: a thread of their own does the copying beside the commits, and
//! the writer finishes one between two groups now and then so the WAL starts over (see
//! `ward_store::wal`). PostgreSQL needs none of this (concurrent transactions, its own group
//! commit); the server uses the writer only for a SQLite database.

use tokio::sync::{mpsc, oneshot};
use ward_store::wal::WalLimits;
use ward_store::{Batch, IngestReport, Origin, Prepared, SqliteStore, Store};

use crate::ServerError;

/// Batches of up to this many events go through the writer. Larger ones (a device shipping a
/// backlog sends 1,000) commit on a pooled connection as before: a group buys them little (one
/// commit is already amortized over many events), and measured on the 2-core machine, routing
/// them through the one writer thread halved throughput (that thread gets a fair share of the
/// CPU among every runnable thread, while it is the one everything waits for).
pub const GROUPED_BATCH: usize = 100;
/// Events per group at most: a commit of this many takes tens of milliseconds, so a small batch
/// that arrives behind a group of large ones waits no longer than that.
pub const GROUP_EVENTS: usize = 10_000;
/// The writer connection's page cache, in KiB.
const WRITER_CACHE_KIB: i64 = 32 * 1024;
/// Batches waiting in the queue at most; senders wait beyond that (back-pressure).
const QUEUE: usize = 4096;
struct Job {
    events: Prepared,
    device: String,
    version: Option<String>,
    seen_us: i64,
    reply: oneshot::Sender<Result<IngestReport, ServerError>>,
}

/// The handle requests queue their batches on. The thread stops when the handle is dropped.
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Opens the store at `path` for writing and starts the thread.
    pub fn start(path: &std::path::Path) -> Result<Writer, ServerError> {
        Writer::start_with(path, WalLimits::default())
    }

    /// [`Writer::start`] with the WAL limits given (tests).
    pub fn start_with(path: &std::path::Path, limits: WalLimits) -> Result<Writer, ServerError> {
        let mut store = SqliteStore::open(path).map_err(|e| ServerError::Database(e.to_string()))?;
        store.checkpoint_in_background(limits).map_err(|e| ServerError::Database(e.to_string()))?;
        // A smaller page cache than the store's 256 MiB: measured, the server's peak RSS in the
        // fixed-rate benchmark fell from ~300 to ~170 MiB with latency and CPU per event the same
        // (docs/fleet.md); pages it drops are read back from the OS's cache.
        store.set_cache_kib(WRITER_CACHE_KIB).map_err(|e| ServerError::Database(e.to_string()))?;
        let (queue, receiver) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("ward-ingest-writer".into())
            .spawn(move || run(store, receiver))
            .map_err(|e| ServerError::Internal(format!("cannot start the ingest writer: {e}")))?;
        Ok(Writer { queue })
    }

    /// Stores one device's batch; returns once the commit that holds it is done.
    pub async fn ingest(
        &self,
        events: Prepared,
        device: String,
        version: Option<String>,
        seen_us: i64,
    ) -> Result<IngestReport, ServerError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || ServerError::Internal("the ingest writer stopped".into());
        self.queue.send(Job { events, device, version, seen_us, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The writer's loop. WAL checkpoints run beside its commits (`ward_store::wal`): the store
/// restarts the WAL itself before a commit past the hard limit, and the loop lets it do so at
/// the soft limit whenever its queue is empty.
fn run(mut store: SqliteStore, mut receiver: mpsc::Receiver<Job>) {
    loop {
        let first = match receiver.try_recv() {
            Ok(job) => job,
            Err(mpsc::error::TryRecvError::Disconnected) => break,
            Err(mpsc::error::TryRecvError::Empty) => {
                if store.checkpoint_if_idle() {
                    continue;
                }
                match receiver.blocking_recv() {
                    Some(job) => job,
                    None => break,
                }
            }
        };
        let mut size = first.events.len();
        let mut jobs = vec![first];
        while size < GROUP_EVENTS {
            match receiver.try_recv() {
                Ok(job) => {
                    size += job.events.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let outcome = {
            let batches: Vec<Batch<'_>> = jobs
                .iter()
                .map(|job| Batch {
                    events: &job.events,
                    origin: Some(Origin {
                        device: &job.device,
                        seen_us: job.seen_us,
                        version: job.version.as_deref(),
                    }),
                })
                .collect();
            store.ingest_group(&batches)
        };
        match outcome {
            Ok(results) => {
                for (job, result) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(result.map_err(|e| ServerError::Database(e.to_string())));
                }
            }
            // Nothing of the group was committed: every sender gets the error and sends again.
            Err(error) => {
                let message = error.to_string();
                for job in jobs {
                    let _ = job.reply.send(Err(ServerError::Database(message.clone())));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use time::{Duration, OffsetDateTime};
    use ward_store::generate::Generator;

    /// Batches from several devices at once (so groups form and the queue is seldom empty):
    /// every batch is stored, and the WAL stays near the writer's limits instead of growing to
    /// SQLite's automatic checkpoint (64 MiB) or, with only passive checkpoints beside the
    /// commits, without bound. The WAL file keeps its largest size, so its size is the peak.
    fn wal_peak_after_load(limits: WalLimits) -> u64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ward.db");
        let writer = Arc::new(Writer::start_with(&path, limits).unwrap());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mut senders = tokio::task::JoinSet::new();
            for seed in (1..12u64).step_by(2) {
                let writer = Arc::clone(&writer);
                senders.spawn(async move {
                    let start = OffsetDateTime::now_utc() - Duration::hours(1);
                    let mut generator = Generator::new(seed, 1, start, Duration::hours(1), 1_000);
                    for _ in 0..200 {
                        let events = generator.batch(5);
                        let device = events[0].device.clone();
                        let prepared = Prepared::new(&events).unwrap();
                        let report = writer.ingest(prepared, device, None, 0).await.unwrap();
                        assert_eq!((report.inserted, report.findings.len()), (5, 0), "{:?}", report.findings);
                    }
                });
            }
            while let Some(sender) = senders.join_next().await {
                sender.unwrap();
            }
        });
        drop(writer);
        let mut wal = path.into_os_string();
        wal.push("-wal");
        std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
    }

    #[test]
    fn the_wal_stays_bounded_under_continuous_batches() {
        let peak = wal_peak_after_load(WalLimits { soft: 64, hard: 256 });
        assert!(peak < 4 << 20, "WAL peaked at {peak} bytes");
    }
}
