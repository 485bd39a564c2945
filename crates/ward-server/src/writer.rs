//! The SQLite ingest writer: one thread owns the store's write connection and commits device
//! batches from a queue, every batch waiting when a commit starts in the same transaction
//! (group commit). SQLite has one writer at a time: request threads that each open their own
//! write transaction only queue on the database lock, and SQLite's busy handler waits for it by
//! sleeping (up to 100 ms a try), which is where seconds of latency came from under load. Here
//! nobody waits on the lock; a batch waits at most for the commit in progress and its own.
//!
//! Each batch runs in its own savepoint (a failing batch is rolled back alone and gets its
//! error) and is answered only after the commit that holds it returned, so the 200 a device
//! advances its checkpoint on still means "stored". The connection syncs the WAL on every commit
//! (`synchronous=FULL`): an acknowledged batch survives a power loss too, one `fsync` per group
//! rather than per batch. PostgreSQL needs none of this (concurrent transactions, its own group
//! commit); the server uses the writer only for a SQLite database.
//!
//! Checkpoints (copying the WAL back into the database file, with its own `fsync`s) would
//! otherwise run inside whichever commit crosses the WAL threshold and stall every batch waiting
//! behind it; a second thread runs them every [`CHECKPOINT_EVERY`] on its own connection
//! (`PASSIVE`: the writer keeps committing meanwhile). The writer's own automatic checkpoint
//! stays on at a higher threshold, as a bound on the WAL should that thread fall behind.

use tokio::sync::{mpsc, oneshot};
use ward_store::{Batch, IngestReport, Origin, Prepared, SqliteStore, Store};

use crate::ServerError;

/// Events per group at most: a commit of this many takes tens of milliseconds, so a small batch
/// that arrives behind a group of large ones waits no longer than that.
pub const GROUP_EVENTS: usize = 10_000;
/// Batches waiting in the queue at most; senders wait beyond that (back-pressure).
const QUEUE: usize = 4096;
/// How often the checkpoint thread copies the WAL back into the database.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// WAL pages after which the writer checkpoints itself (~256 MiB): only if the thread falls behind.
const WRITER_CHECKPOINT_PAGES: i64 = 65_536;

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
    /// Opens the store at `path` for writing, syncing on every commit, and starts the thread.
    pub fn start(path: &std::path::Path) -> Result<Writer, ServerError> {
        let store = SqliteStore::open(path).map_err(|e| ServerError::Database(e.to_string()))?;
        store.sync_every_commit().map_err(|e| ServerError::Database(e.to_string()))?;
        store.checkpoint_after(WRITER_CHECKPOINT_PAGES).map_err(|e| ServerError::Database(e.to_string()))?;
        let checkpoints =
            rusqlite::Connection::open(path).map_err(|e| ServerError::Database(e.to_string()))?;
        let (queue, receiver) = mpsc::channel(QUEUE);
        let spawn = |name: &str, work: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(work)
                .map_err(|e| ServerError::Internal(format!("cannot start the {name} thread: {e}")))
        };
        let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let still = std::sync::Arc::clone(&running);
        spawn(
            "ward-ingest-writer",
            Box::new(move || {
                run(store, receiver);
                still.store(false, std::sync::atomic::Ordering::Relaxed);
            }),
        )?;
        spawn("ward-checkpoint", Box::new(move || checkpoint(checkpoints, &running)))?;
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

/// Copies the WAL back into the database every [`CHECKPOINT_EVERY`] until the writer stops.
/// A failed checkpoint is only late: the next one (or the writer's own) catches up.
fn checkpoint(connection: rusqlite::Connection, running: &std::sync::atomic::AtomicBool) {
    let _ = connection.busy_timeout(std::time::Duration::from_secs(1));
    while running.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(CHECKPOINT_EVERY);
        let _ = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
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
