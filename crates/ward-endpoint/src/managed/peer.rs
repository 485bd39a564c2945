//! Who is at the other end of a local socket, as the kernel says: `SO_PEERCRED` on Linux,
//! `getpeereid` (and `LOCAL_PEERPID`) on macOS. Nothing a client sends about itself is used for
//! identity; this is the only source. (std's `UnixStream::peer_cred` is still unstable; `nix`
//! wraps the calls without `unsafe` here.)

use std::io;
use std::os::unix::net::UnixStream;

/// The peer's credentials at the time it connected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeerCred {
    pub uid: u32,
    pub gid: u32,
    /// Where the platform tells it.
    pub pid: Option<i32>,
    /// The peer's executable (Linux: `/proc/<pid>/exe`, read while the peer waits for its
    /// answer, so the pid is still the peer's). A client that is not `ward` shows here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
}

impl PeerCred {
    /// Fills in [`exe`](Self::exe) where the platform can tell it.
    pub fn with_exe(&self) -> PeerCred {
        let mut peer = self.clone();
        #[cfg(target_os = "linux")]
        if let Some(pid) = self.pid.filter(|p| *p > 0) {
            peer.exe =
                std::fs::read_link(format!("/proc/{pid}/exe")).ok().map(|p| p.to_string_lossy().into_owned());
        }
        peer
    }
}

/// The credentials of the process at the other end of `stream`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn peer_cred(stream: &UnixStream) -> io::Result<PeerCred> {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    let cred = getsockopt(stream, PeerCredentials).map_err(io::Error::from)?;
    Ok(PeerCred { uid: cred.uid(), gid: cred.gid(), pid: Some(cred.pid()), exe: None })
}

/// The credentials of the process at the other end of `stream`.
#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd", target_os = "openbsd"))]
pub fn peer_cred(stream: &UnixStream) -> io::Result<PeerCred> {
    let (uid, gid) = nix::unistd::getpeereid(stream).map_err(io::Error::from)?;
    #[cfg(target_os = "macos")]
    let pid = nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::LocalPeerPid).ok();
    #[cfg(not(target_os = "macos"))]
    let pid = None;
    Ok(PeerCred { uid: uid.as_raw(), gid: gid.as_raw(), pid, exe: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_pair_sees_this_process() {
        let (a, b) = UnixStream::pair().unwrap();
        let cred = peer_cred(&a).unwrap();
        assert_eq!(cred.uid, ward_audit::trust::effective_uid());
        assert_eq!(cred.pid, Some(std::process::id() as i32));
        assert_eq!(peer_cred(&b).unwrap(), cred);
    }
}
