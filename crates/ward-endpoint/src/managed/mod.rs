//! Managed mode: a root-owned `ward agent run --managed` service owns the spool, the keys and
//! the managed state, and `ward hook` (running as the user) hands each event to it over a local
//! socket, answering the agent only after the daemon's durable acknowledgement. A process
//! running as the user then can neither erase nor forge the record: the files are root's, and
//! the identity on each event is what the kernel says about the socket's peer.
//!
//! [`frame`] is the protocol, [`peer`] the kernel's peer credentials, [`client`] the hook's side
//! (std only: no async runtime, no TLS), [`daemon`] the service, [`adopt`] the adoption of events
//! a hook had to record in the user's own spool while the daemon was unreachable,
//! [`compiled`] the managed policy's root-owned compiled form, and [`service`] the systemd unit
//! and launchd plist. The trust model is in `docs/fleet.md`.

pub mod adopt;
pub mod client;
pub mod compiled;
pub mod daemon;
pub mod frame;
pub mod peer;
pub mod service;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ward_model::Event;

use crate::hook::HookRequest;
use crate::paths::under_root;

/// The daemon's state (spool, keys, adoption state), root-owned, mode 0700.
pub const STATE_DIR: &str = "/var/lib/ward";

/// The directory of the daemon's socket, root-owned, mode 0755 (users connect; only root can
/// create a socket there, so nobody else can stand in for the daemon).
#[cfg(target_os = "macos")]
pub const SOCKET_DIR: &str = "/var/run/ward";
/// The directory of the daemon's socket, root-owned, mode 0755 (users connect; only root can
/// create a socket there, so nobody else can stand in for the daemon).
#[cfg(not(target_os = "macos"))]
pub const SOCKET_DIR: &str = "/run/ward";

/// The socket's file name in [`SOCKET_DIR`].
pub const SOCKET_NAME: &str = "ward.sock";

/// The uid the hook requires of the process serving the socket.
pub const DAEMON_UID: u32 = 0;

/// Where managed mode's files are, under a system root (`$WARD_SYSTEM_ROOT`, default `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPaths {
    pub system_root: PathBuf,
    /// `<root>/var/lib/ward`: the managed spool's data directory.
    pub state_dir: PathBuf,
    /// `<root>/run/ward` (`<root>/var/run/ward` on macOS).
    pub socket_dir: PathBuf,
    /// `<socket_dir>/ward.sock`.
    pub socket: PathBuf,
}

impl ManagedPaths {
    pub fn new(system_root: &Path) -> ManagedPaths {
        let socket_dir = under_root(system_root, SOCKET_DIR);
        ManagedPaths {
            system_root: system_root.to_owned(),
            state_dir: under_root(system_root, STATE_DIR),
            socket: socket_dir.join(SOCKET_NAME),
            socket_dir,
        }
    }

    /// `<state_dir>/managed`: the daemon's own files (lock, adoption state).
    pub fn daemon_dir(&self) -> PathBuf {
        self.state_dir.join("managed")
    }
}

/// How long the hook waits for the daemon (connect, send, durable acknowledgement) before it
/// records in the user's spool instead: a quarter of the hook's deadline, between 50 ms and
/// 1.5 s, which leaves the fallback most of the deadline.
pub fn hook_budget(deadline: Duration) -> Duration {
    (deadline / 4).clamp(Duration::from_millis(50), Duration::from_millis(1500))
}

/// The socket the hook hands events to. A daemon serving the real system (`/run/ward/ward.sock`
/// exists) is used whatever `$WARD_SYSTEM_ROOT` says: the hook's environment is the user's to
/// set, and must not be a way to steer events away from the managed record into files the user
/// can delete. Only where no system daemon runs does `$WARD_SYSTEM_ROOT` choose (tests, images).
pub fn hook_socket(env_system_root: Option<&Path>) -> PathBuf {
    let system = ManagedPaths::new(Path::new("/")).socket;
    match env_system_root {
        Some(root) if std::fs::symlink_metadata(&system).is_err() => ManagedPaths::new(root).socket,
        _ => system,
    }
}

/// The hook pipeline's record step, managed side: hands `event` (capped, not yet redacted: the
/// daemon redacts with the keys it owns) to the daemon when one serves this machine. `true`:
/// the event is durable in the managed spool. `false`: the caller records it in the user's spool
/// (`notes` says why when a daemon was expected but did not answer).
pub fn record_from_hook(
    request: &HookRequest,
    event: &mut Event,
    fallback_dir: Option<&Path>,
    notes: &mut String,
) -> bool {
    let socket = hook_socket(request.paths.env_system_root.as_deref());
    if std::fs::symlink_metadata(&socket).is_err() {
        // No daemon serves this machine: user mode, the event as user mode writes it.
        return false;
    }
    // The call's id, kept in the user's spool too if it comes to that, so that a copy the
    // daemon stored without managing to acknowledge it is not adopted a second time.
    if let serde_json::Value::Object(detail) = &mut event.detail {
        detail.insert(daemon::CALL_FIELD.to_owned(), uuid::Uuid::now_v7().to_string().into());
    }
    match client::append(&socket, DAEMON_UID, event, fallback_dir, hook_budget(request.deadline)) {
        Ok(_) => true,
        Err(client::ClientError::NotRunning) => false,
        Err(error) => {
            notes.push_str(&format!(
                "ward: the managed daemon did not record this call ({error}); recorded in your own spool for it to adopt\n"
            ));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_system_daemon_wins_over_the_environments_root() {
        let chosen = hook_socket(Some(Path::new("/tmp/test-root")));
        if Path::new("/run/ward/ward.sock").exists() || Path::new("/var/run/ward/ward.sock").exists() {
            assert_eq!(chosen, ManagedPaths::new(Path::new("/")).socket);
        } else {
            assert_eq!(chosen, ManagedPaths::new(Path::new("/tmp/test-root")).socket);
        }
        assert_eq!(hook_socket(None), ManagedPaths::new(Path::new("/")).socket);
    }

    #[test]
    fn the_budget_leaves_the_fallback_most_of_the_deadline() {
        assert_eq!(hook_budget(Duration::from_secs(5)), Duration::from_millis(1250));
        assert_eq!(hook_budget(Duration::from_millis(100)), Duration::from_millis(50));
        assert_eq!(hook_budget(Duration::from_secs(60)), Duration::from_millis(1500));
    }
}
