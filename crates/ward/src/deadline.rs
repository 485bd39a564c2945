//! The hook's deadline: past it, the process records a prepared event (appending one line to
//! the spool's pending file, see `ward_audit::pending`), writes the prepared fail-mode answer
//! and exits, so an agent's own timeout (fail-open almost everywhere) never decides for Ward and
//! every answer the agent gets is in the spool.
//!
//! On Unix the deadline is a `SIGALRM` from `setitimer`, whose handler only writes prepared bytes
//! and calls `_exit`. A watchdog thread would do the same, but starting one costs ~80 µs of a
//! hook's 1.5 ms budget on every tool call; a timer costs two system calls. Elsewhere a thread is
//! used.

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::time::Duration;

/// What to write if the deadline passes. Never freed: replaced answers stay valid for a handler
/// that may be reading them (a few hundred bytes, in a process that lives milliseconds).
struct Prepared {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    exit_code: i32,
    /// Where to append `record_line` first (NUL-terminated path), if anything is to be recorded.
    record_path: Option<std::ffi::CString>,
    record_line: Vec<u8>,
}

static PREPARED: AtomicPtr<Prepared> = AtomicPtr::new(std::ptr::null_mut());
/// Set by whoever answers first: the normal path or the deadline.
static ANSWERED: AtomicBool = AtomicBool::new(false);

/// Set (or replace) the answer the deadline gives and the event line it records first.
pub fn prepare(stdout: &str, stderr: &str, exit_code: i32, record: Option<(&std::path::Path, &[u8])>) {
    use std::os::unix::ffi::OsStrExt;
    let (record_path, record_line) = match record {
        Some((path, line)) => (std::ffi::CString::new(path.as_os_str().as_bytes()).ok(), line.to_vec()),
        None => (None, Vec::new()),
    };
    let prepared = Box::new(Prepared {
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
        exit_code,
        record_path,
        record_line,
    });
    PREPARED.store(Box::into_raw(prepared), Ordering::SeqCst);
}

/// Claim the right to answer. `false`: the deadline has answered and the process is exiting.
pub fn claim() -> bool {
    !ANSWERED.swap(true, Ordering::SeqCst)
}

/// Arm the deadline. Call [`prepare`] first.
pub fn arm(after: Duration) -> std::io::Result<()> {
    imp::arm(after)
}

/// The prepared answer, written with nothing but `write(2)`.
fn write_prepared() -> i32 {
    let p = PREPARED.load(Ordering::SeqCst);
    if p.is_null() {
        return 2;
    }
    // SAFETY: `p` came from `Box::into_raw` in `prepare` and is never freed.
    let prepared = unsafe { &*p };
    // Recorded before it is answered: an answer the agent gets is in the spool.
    if let Some(path) = &prepared.record_path {
        imp::append_durably(path, &prepared.record_line);
    }
    imp::write_fd(1, &prepared.stdout);
    imp::write_fd(2, &prepared.stderr);
    prepared.exit_code
}

#[cfg(unix)]
mod imp {
    use std::time::Duration;

    use super::{write_prepared, ANSWERED};

    pub fn arm(after: Duration) -> std::io::Result<()> {
        // SAFETY: an all-zero `sigaction` is a valid value (no flags, empty mask once
        // `sigemptyset` runs); the handler is an `extern "C" fn(c_int)`, the signature
        // `sa_sigaction` expects without SA_SIGINFO.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_deadline as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(libc::SIGALRM, &action, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        let timer = libc::itimerval {
            it_interval: libc::timeval { tv_sec: 0, tv_usec: 0 },
            it_value: libc::timeval {
                tv_sec: after.as_secs() as libc::time_t,
                tv_usec: after.subsec_micros() as libc::suseconds_t,
            },
        };
        // SAFETY: `timer` is a valid itimerval; the old value is not asked for.
        if unsafe { libc::setitimer(libc::ITIMER_REAL, &timer, std::ptr::null_mut()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// Runs in signal context: only atomics, `write(2)` and `_exit(2)`, all async-signal-safe.
    extern "C" fn on_deadline(_signal: libc::c_int) {
        if ANSWERED.swap(true, std::sync::atomic::Ordering::SeqCst) {
            // The normal path is already writing its answer; let it finish.
            return;
        }
        let code = write_prepared();
        // SAFETY: `_exit` ends the process without running anything that is unsafe in a
        // signal handler (no atexit handlers, no stdio flushing).
        unsafe { libc::_exit(code) }
    }

    /// `open(O_APPEND|O_CREAT|O_NOFOLLOW)`, `write`, `fdatasync`, `close`: all async-signal-safe.
    pub fn append_durably(path: &std::ffi::CStr, line: &[u8]) {
        let flags = libc::O_WRONLY | libc::O_APPEND | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: `path` is NUL-terminated and outlives the call; the mode is a plain integer.
        let fd = unsafe { libc::open(path.as_ptr(), flags, 0o600 as libc::c_uint) };
        if fd < 0 {
            return;
        }
        write_fd(fd, line);
        // SAFETY: `fd` is the descriptor opened above, closed exactly once here.
        unsafe {
            libc::fdatasync(fd);
            libc::close(fd);
        }
    }

    pub fn write_fd(fd: libc::c_int, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            // SAFETY: the pointer and length describe `bytes`, which outlives the call.
            let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
            if n > 0 {
                bytes = bytes.get(n as usize..).unwrap_or_default();
            } else if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            } else {
                return;
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::io::Write;
    use std::time::Duration;

    use super::{write_prepared, ANSWERED};

    pub fn arm(after: Duration) -> std::io::Result<()> {
        std::thread::Builder::new().name("ward-deadline".into()).stack_size(64 * 1024).spawn(move || {
            std::thread::sleep(after);
            if ANSWERED.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            let code = write_prepared();
            std::process::exit(code);
        })?;
        Ok(())
    }

    pub fn append_durably(path: &std::ffi::CStr, line: &[u8]) {
        use std::io::Write;
        let Ok(path) = path.to_str() else { return };
        let file = std::fs::OpenOptions::new().append(true).create(true).open(path);
        if let Ok(mut file) = file {
            let _ = file.write_all(line).and_then(|()| file.sync_data());
        }
    }

    pub fn write_fd(fd: i32, bytes: &[u8]) {
        let _ = if fd == 1 { std::io::stdout().write_all(bytes) } else { std::io::stderr().write_all(bytes) };
    }
}
