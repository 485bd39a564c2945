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
//! "Benchmark"). WAL checkpoints stay in the writer (SQLite's automatic checkpoint): tried on a
//! thread of their own, passive checkpoints never caught up with continuous commits and the WAL
//! grew to its limit. PostgreSQL needs none of this (concurrent transactions, its own group
//! commit); the server uses the writer only for a SQLite database.

use tokio::sync::{mpsc, oneshot};
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
        let store = SqliteStore::open(path).map_err(|e| ServerError::Database(e.to_string()))?;
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

fn run(mut store: SqliteStore, mut receiver: mpsc::Receiver<Job>) {
    while let Some(first) = receiver.blocking_recv() {
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
