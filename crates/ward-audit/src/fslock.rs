//! Advisory whole-file locks (`flock(2)`), released when the guard drops.
//!
//! `flock` rather than `fcntl` record locks: an `flock` lock belongs to the open file description,
//! so it is not silently dropped when some other handle to the same file is closed in the process,
//! and it excludes other threads of this process (each `Spool` opens its own description) as well
//! as other processes.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

#[derive(Debug, Clone, Copy)]
pub(crate) enum LockMode {
    Shared,
    Exclusive,
}

/// Holds a lock on `file` until dropped.
pub(crate) struct FileLock<'file> {
    file: &'file File,
}

impl<'file> FileLock<'file> {
    /// Blocks until the lock is granted.
    pub(crate) fn acquire(file: &'file File, mode: LockMode) -> io::Result<FileLock<'file>> {
        let operation = match mode {
            LockMode::Shared => libc::LOCK_SH,
            LockMode::Exclusive => libc::LOCK_EX,
        };
        loop {
            // SAFETY: `flock` only takes a descriptor and an operation and touches no memory of
            // ours. The descriptor is borrowed from `file`, which outlives this call (and the
            // guard), so it is open and cannot have been reused for another file.
            let status = unsafe { libc::flock(file.as_raw_fd(), operation) };
            if status == 0 {
                return Ok(FileLock { file });
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }
}

impl<'file> FileLock<'file> {
    /// Waits at most `wait` for the lock (polling every few milliseconds); `None` if another
    /// holder kept it that long. Readers use this so that a writer stuck while holding the lock
    /// (stopped in a debugger, hung on a dead disk) makes them fail with a reason, not hang.
    pub(crate) fn acquire_within(
        file: &'file File,
        mode: LockMode,
        wait: std::time::Duration,
    ) -> io::Result<Option<FileLock<'file>>> {
        let operation = libc::LOCK_NB
            | match mode {
                LockMode::Shared => libc::LOCK_SH,
                LockMode::Exclusive => libc::LOCK_EX,
            };
        let deadline = std::time::Instant::now() + wait;
        let mut pause = std::time::Duration::from_millis(1);
        loop {
            // SAFETY: as in `acquire`.
            let status = unsafe { libc::flock(file.as_raw_fd(), operation) };
            if status == 0 {
                return Ok(Some(FileLock { file }));
            }
            let error = io::Error::last_os_error();
            match error.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {}
                _ => return Err(error),
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        // SAFETY: as in `acquire`; `self.file` is still borrowed, so the descriptor is open.
        // Failure to unlock cannot be handled here; closing the file releases the lock anyway.
        unsafe {
            libc::flock(self.file.as_raw_fd(), libc::LOCK_UN);
        }
    }
}
