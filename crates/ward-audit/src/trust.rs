//! Which spool files Ward may open: never through a symbolic link, only regular files (and
//! directories) owned by the user Ward runs as and not writable by others.
//!
//! An agent running as the user can replace `spool/head`, a segment or the anchor by a symlink
//! to a file it wants destroyed (`head` is rewritten in place, a torn segment truncated), or by a
//! file it prepared. Every such file is opened with `O_NOFOLLOW` and checked with `fstat` on the
//! opened descriptor (no race between check and use). A file that fails is not used and not
//! deleted: it is renamed aside to `quarantine.<name>.<nanos>` in the spool directory, where
//! `ward audit verify` reports it, and the spool goes on from what it can trust (a missing head
//! or segment is what crash recovery already handles; events that were in a quarantined segment
//! show as a gap).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// `O_NOFOLLOW` for `OpenOptionsExt::custom_flags`, for callers without their own `libc`.
pub const O_NOFOLLOW: i32 = libc::O_NOFOLLOW;

/// Prefix of quarantined file names in the spool directory.
pub const QUARANTINE_PREFIX: &str = "quarantine.";

/// The effective user id of this process.
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Why a file may not be used, or `None` if it may.
pub fn untrusted_reason(metadata: &std::fs::Metadata, want_dir: bool) -> Option<String> {
    let kind_ok = if want_dir { metadata.is_dir() } else { metadata.is_file() };
    if !kind_ok {
        return Some(format!("not a {}", if want_dir { "directory" } else { "regular file" }));
    }
    let uid = effective_uid();
    if metadata.uid() != uid {
        return Some(format!("owned by uid {}, not by uid {uid} that Ward runs as", metadata.uid()));
    }
    if metadata.mode() & 0o022 != 0 {
        return Some(format!("writable by group or others (mode {:o})", metadata.mode() & 0o7777));
    }
    None
}

/// How [`open`] treats a missing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Report `NotFound`.
    Fail,
    /// Create it (mode 0600).
    Create,
}

/// A file refused and moved aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    pub original: PathBuf,
    pub moved_to: PathBuf,
    pub reason: String,
}

/// Opens `path` read-write without following a symlink, and checks what was opened. A file that
/// is a symlink or fails the checks is quarantined (renamed aside) and, with
/// [`Missing::Create`], replaced by a fresh empty file; the quarantine is pushed to `refused`.
pub fn open(path: &Path, missing: Missing, refused: &mut Vec<Quarantined>) -> io::Result<File> {
    for _attempt in 0..2 {
        let mut options = OpenOptions::new();
        options.read(true).write(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        if missing == Missing::Create {
            options.create(true).truncate(false).mode(0o600);
        }
        let reason = match options.open(path) {
            Ok(file) => match untrusted_reason(&file.metadata()?, false) {
                None => return Ok(file),
                Some(reason) => reason,
            },
            // O_NOFOLLOW on a symlink fails with ELOOP.
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => "a symbolic link".to_owned(),
            Err(e) => return Err(e),
        };
        refused.push(quarantine(path, reason)?);
        if missing == Missing::Fail {
            return Err(io::Error::new(io::ErrorKind::NotFound, "quarantined"));
        }
    }
    Err(io::Error::other("the file was replaced again while it was being quarantined"))
}

/// Renames `path` (never following it) aside in its directory.
pub fn quarantine(path: &Path, reason: String) -> io::Result<Quarantined> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let moved_to = path.with_file_name(format!("{QUARANTINE_PREFIX}{name}.{nanos}"));
    std::fs::rename(path, &moved_to)?;
    Ok(Quarantined { original: path.to_owned(), moved_to, reason })
}

/// Checks a directory Ward keeps private (`lstat`: a symlink is refused).
pub fn check_dir(path: &Path) -> io::Result<Option<String>> {
    let metadata = std::fs::symlink_metadata(path)?;
    if metadata.file_type().is_symlink() {
        return Ok(Some("a symbolic link".to_owned()));
    }
    Ok(untrusted_reason(&metadata, true))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_symlink_is_quarantined_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let head = dir.path().join("head");
        std::os::unix::fs::symlink(&victim, &head).unwrap();
        let mut refused = Vec::new();
        let file = open(&head, Missing::Create, &mut refused).unwrap();
        assert_eq!(file.metadata().unwrap().len(), 0);
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].reason, "a symbolic link");
        assert!(std::fs::symlink_metadata(&refused[0].moved_to).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[test]
    fn a_world_writable_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let seg = dir.path().join("seg");
        std::fs::write(&seg, "x").unwrap();
        std::fs::set_permissions(&seg, std::fs::Permissions::from_mode(0o666)).unwrap();
        let mut refused = Vec::new();
        let err = open(&seg, Missing::Fail, &mut refused).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(refused[0].reason.contains("writable by group or others"), "{:?}", refused);
        assert!(!seg.exists());
    }

    #[test]
    fn directories_are_checked_without_following() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(check_dir(&real).unwrap(), None);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(check_dir(&link).unwrap().as_deref(), Some("a symbolic link"));
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(check_dir(&real).unwrap().is_some());
    }
}
