//! WAL checkpoints off a SQLite writer's commits: a thread of its own copies the WAL into the
//! database beside the commits, and the writer restarts the WAL between two of them.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold: every
//! batch waiting on that commit waits for the checkpoint's copying and `fsync`s too (~100 ms at
//! a 64 MiB threshold: the fleet server's p99), and a bulk load spends a third of its writer's
//! time there. A `PASSIVE` checkpoint on another connection copies the same pages without
//! holding the writer; but the WAL starts over only when a checkpoint has copied all of it
//! before the next commit, which a concurrent checkpoint never reaches under continuous load
//! (that alone let the WAL grow to 240 MB). So the writer finishes the job itself, between two
//! commits, once the WAL has grown past a limit: that checkpoint has only the frames since the
//! thread's last run left to copy.

use std::cell::Cell;
use std::ffi::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

use crate::StoreError;

/// When a writer checkpoints the WAL itself, in frames (pages of 4 KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalLimits {
    /// When the writer has nothing waiting (the fleet server's writer: its queue is empty).
    pub soft: i64,
    /// Before the next commit, whatever is waiting.
    pub hard: i64,
}

impl Default for WalLimits {
    /// 32 MiB and 128 MiB: at 5,000 events/s in 5-event batches the WAL grows by ~80 MiB/s
    /// (every group rewrites the index pages it touched), so the writer's own checkpoint comes
    /// about twice a second, in a pause of its queue.
    fn default() -> WalLimits {
        WalLimits { soft: 8_192, hard: 32_768 }
    }
}

/// What a WAL checkpoint did (SQLite's `wal_checkpoint` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalCheckpoint {
    /// Another checkpoint was running, or a lock was held: nothing or part was copied.
    pub busy: bool,
    /// Frames in the WAL (-1 when the database is not in WAL mode).
    pub wal_frames: i64,
    /// Frames copied into the database so far (all of them: the WAL can start over).
    pub checkpointed: i64,
}

/// A `PASSIVE` WAL checkpoint on `connection`: copies what it can into the database without
/// waiting for readers or writers. When it copied the whole WAL, the next write starts it over.
pub(crate) fn passive(connection: &rusqlite::Connection) -> rusqlite::Result<WalCheckpoint> {
    connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok(WalCheckpoint { busy: r.get::<_, i64>(0)? != 0, wal_frames: r.get(1)?, checkpointed: r.get(2)? })
    })
}

thread_local! {
    /// Frames in the WAL after this thread's last commit on a connection [`watch_commits`]
    /// watches: SQLite reports them inside the commit, on the committing thread.
    static COMMITTED_FRAMES: Cell<i64> = const { Cell::new(0) };
}

fn record_frames(_: &rusqlite::hooks::Wal, frames: c_int) -> rusqlite::Result<()> {
    COMMITTED_FRAMES.with(|f| f.set(i64::from(frames)));
    Ok(())
}

/// Has SQLite report the WAL's size after each commit on `writer` (for
/// [`Checkpointer::frames`]). After `wal_autocheckpoint` is set: that pragma replaces the hook.
pub(crate) fn watch_commits(writer: &rusqlite::Connection) {
    writer.wal_hook(Some(record_frames));
}

/// The checkpoint thread and what it last saw of the WAL.
pub(crate) struct Checkpointer {
    /// Nudged after each commit; dropping it stops the thread.
    nudge: SyncSender<()>,
    /// Frames in the WAL when the thread last checkpointed (0 after the writer's own).
    frames: Arc<AtomicI64>,
    pub limits: WalLimits,
}

impl Checkpointer {
    /// Starts the thread on a connection of its own to the database at `path`.
    pub fn start(path: &Path, limits: WalLimits) -> Result<Checkpointer, StoreError> {
        let connection = rusqlite::Connection::open(path)?;
        let (nudge, nudged) = sync_channel::<()>(1);
        let frames = Arc::new(AtomicI64::new(0));
        let seen = Arc::clone(&frames);
        std::thread::Builder::new()
            .name("ward-wal-checkpoint".into())
            .spawn(move || {
                while nudged.recv().is_ok() {
                    // Busy: the writer is checkpointing itself; a failure: try after the next commit.
                    if let Ok(WalCheckpoint { busy: false, wal_frames, .. }) = passive(&connection) {
                        seen.store(wal_frames, Ordering::Relaxed);
                    }
                }
            })
            .map_err(|e| StoreError::Other(format!("cannot start the WAL checkpoint thread: {e}")))?;
        Ok(Checkpointer { nudge, frames, limits })
    }

    /// After a commit: the thread copies what it added (a nudge already pending will do).
    pub fn nudge(&self) {
        let _ = self.nudge.try_send(());
    }

    /// Frames in the WAL: as the writer's last commit left it (on the writer's thread), or as
    /// the thread last saw it, the larger. The commit's own count keeps the limits exact when
    /// the thread falls behind (a loaded machine): with the thread's alone, the WAL grew past
    /// the hard limit before the writer knew.
    pub fn frames(&self) -> i64 {
        self.frames.load(Ordering::Relaxed).max(COMMITTED_FRAMES.with(Cell::get))
    }

    /// The writer's own checkpoint on `writer`, between two commits: retried while the thread
    /// holds the checkpoint lock (its run ends within milliseconds), given up after 200 ms. Once
    /// it copied the whole WAL, the next commit starts the WAL over (unless a reader still uses
    /// it). Either way the count is reset: the thread reports the WAL again after the next
    /// commit, so an idle writer never spins on a WAL it cannot restart. (Giving up after 20 ms
    /// instead let the WAL grow under continuous load: the writer rarely found the lock free.)
    pub fn finish(&self, writer: &rusqlite::Connection) {
        for _ in 0..200 {
            match passive(writer) {
                Ok(WalCheckpoint { busy: true, .. }) => {
                    std::thread::sleep(std::time::Duration::from_millis(1))
                }
                _ => break,
            }
        }
        self.frames.store(0, Ordering::Relaxed);
        COMMITTED_FRAMES.with(|f| f.set(0));
    }
}
