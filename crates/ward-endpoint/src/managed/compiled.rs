//! The managed policy's compiled form, kept where only root can write: the daemon (or
//! `ward policy compile --managed`) compiles `<root>/etc/ward/policy.toml` into
//! `<root>/var/cache/ward/policy-<digest>.bin` (directory 0755, file 0644, both root's, written
//! to a temp file, synced and renamed into place), and `ward hook` decodes that blob instead of
//! compiling the admin's file on every call.
//!
//! The hook trusts a blob only when nothing but root can have put it there: every directory
//! from the system root down to the blob's is a real directory (not a link) owned by root and
//! not writable by group or others, and the blob, opened with `O_NOFOLLOW`, is a regular file
//! owned by root and not writable by group or others (checked with `fstat` on the opened file).
//! The blob is named by the digest of the exact policy text the hook has just read (and of the
//! build), so a blob for an older text is simply not found. Anything else — no blob, a stale
//! one, a link, the wrong owner, a damaged file — and the hook compiles the admin's file as it
//! would without a blob: never worse than compiling.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ward_policy::{CompiledBlob, Policy};

use crate::paths::{managed_policy_path, under_root};

/// Where the compiled managed policy lives, under the system root.
pub const COMPILED_DIR: &str = "/var/cache/ward";

/// The uid that must own the blob and every directory above it.
pub const OWNER_UID: u32 = 0;

/// `<system_root>/var/cache/ward`.
pub fn compiled_dir(system_root: &Path) -> PathBuf {
    under_root(system_root, COMPILED_DIR)
}

/// The hook's side: the managed policy `text` (read from `origin`, the managed file's path as
/// displayed) decoded from its root-owned compiled blob, or why no blob could be used.
pub fn load_trusted(system_root: &Path, text: &str, origin: &str) -> Result<(Policy, PathBuf), String> {
    load_trusted_owned_by(system_root, text, origin, OWNER_UID)
}

/// [`load_trusted`] with the required owner as a parameter (tests that do not run as root).
pub fn load_trusted_owned_by(
    system_root: &Path,
    text: &str,
    origin: &str,
    owner: u32,
) -> Result<(Policy, PathBuf), String> {
    let blob = CompiledBlob::for_text(text, origin);
    let dir = compiled_dir(system_root);
    check_directories(system_root, &dir, owner)?;
    let file = dir.join(blob.file_name());
    let bytes = read_owned_file(&file, owner, CompiledBlob::MAX_BYTES)?;
    let policy = blob.decode(&bytes, origin).map_err(|why| format!("{}: {why}", file.display()))?;
    Ok((policy, file))
}

/// Every directory from `system_root` down to `dir`, checked without following links: a
/// directory owned by `owner`, not writable by group or others. Checked from the top, so once a
/// directory passes, nobody but `owner` can replace what is below it.
fn check_directories(system_root: &Path, dir: &Path, owner: u32) -> Result<(), String> {
    let below = dir
        .strip_prefix(system_root)
        .map_err(|_| format!("{} is not under the system root", dir.display()))?;
    let mut path = system_root.to_owned();
    check_directory(&path, owner)?;
    for part in below.components() {
        path.push(part);
        check_directory(&path, owner)?;
    }
    Ok(())
}

fn check_directory(path: &Path, owner: u32) -> Result<(), String> {
    let metadata = fs::symlink_metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if metadata.file_type().is_symlink() {
        return Err(format!("{} is a symbolic link", path.display()));
    }
    untrusted(&metadata, owner, true).map_or(Ok(()), |why| Err(format!("{}: {why}", path.display())))
}

/// Why a file or directory may not be trusted, or `None`.
fn untrusted(metadata: &fs::Metadata, owner: u32, want_dir: bool) -> Option<String> {
    let kind_ok = if want_dir { metadata.is_dir() } else { metadata.is_file() };
    if !kind_ok {
        return Some(format!("not a {}", if want_dir { "directory" } else { "regular file" }));
    }
    if metadata.uid() != owner {
        return Some(format!("owned by uid {}, not uid {owner}", metadata.uid()));
    }
    if metadata.mode() & 0o022 != 0 {
        return Some(format!("writable by group or others (mode {:o})", metadata.mode() & 0o7777));
    }
    None
}

/// Reads a file of at most `limit` bytes, opened without following a link and checked on the
/// opened descriptor.
fn read_owned_file(path: &Path, owner: u32, limit: usize) -> Result<Vec<u8>, String> {
    let mut file =
        OpenOptions::new().read(true).custom_flags(ward_audit::trust::O_NOFOLLOW).open(path).map_err(
            |e| match e.raw_os_error() {
                Some(code) if code == nix::errno::Errno::ELOOP as i32 => {
                    format!("{} is a symbolic link", path.display())
                }
                _ => format!("{}: {e}", path.display()),
            },
        )?;
    let metadata = file.metadata().map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(why) = untrusted(&metadata, owner, false) {
        return Err(format!("{}: {why}", path.display()));
    }
    if metadata.len() > limit as u64 {
        return Err(format!("{}: larger than {limit} bytes", path.display()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    Read::by_ref(&mut file)
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() > limit {
        return Err(format!("{}: larger than {limit} bytes", path.display()));
    }
    Ok(bytes)
}

/// What [`compile`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compiled {
    /// There is no managed policy; blobs left from an earlier one were removed.
    NoPolicy,
    /// A valid blob for the current text was already there.
    Unchanged(PathBuf),
    /// The blob was (re)written.
    Written(PathBuf),
}

/// Why the managed policy could not be compiled into its blob.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// The admin's file does not compile: no blob is written (the hook reports the errors and
    /// stands in the built-in policy, as without a blob).
    #[error("the managed policy does not compile:\n{0}")]
    Invalid(ward_policy::PolicyError),
    /// The directory is not one the hook would trust (so a blob there would be ignored).
    #[error("{0}; the hook would not trust a compiled policy there")]
    Untrusted(String),
}

/// The daemon's (and `ward policy compile --managed`'s) side: makes sure
/// `<root>/var/cache/ward` holds the compiled form of the current `<root>/etc/ward/policy.toml`
/// for this build, written as the user this runs as (root in production), and nothing else.
/// Cheap when nothing changed: the text is read and hashed and the existing blob checked.
pub fn compile(system_root: &Path) -> Result<Compiled, CompileError> {
    let owner = ward_audit::trust::effective_uid();
    let policy_file = managed_policy_path(system_root);
    let dir = compiled_dir(system_root);
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| CompileError::Io { path, source }
    };
    let text = match fs::read_to_string(&policy_file) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if dir.is_dir() {
                remove_blobs(&dir, None);
            }
            return Ok(Compiled::NoPolicy);
        }
        Err(e) => return Err(io_error(&policy_file)(e)),
    };
    let origin = policy_file.display().to_string();
    create_readable_dirs(system_root, &dir).map_err(io_error(&dir))?;
    check_directories(system_root, &dir, owner).map_err(CompileError::Untrusted)?;
    if let Ok((_, file)) = load_trusted_owned_by(system_root, &text, &origin, owner) {
        remove_blobs(&dir, Some(&file));
        return Ok(Compiled::Unchanged(file));
    }
    let policy = Policy::from_toml_str(&text, &origin).map_err(CompileError::Invalid)?;
    let blob = CompiledBlob::for_text(&text, &origin);
    let bytes = blob.encode(&policy).map_err(io_error(&dir))?;
    let file = dir.join(blob.file_name());
    write_atomically(&dir, &file, &bytes).map_err(io_error(&file))?;
    remove_blobs(&dir, Some(&file));
    Ok(Compiled::Written(file))
}

/// Creates what is missing of `dir` below `system_root`, each folder 0755 whatever the umask
/// (the service runs with 0077; users' hooks must be able to reach the blob), and opens the
/// blob's own folder to 0755 if the umask narrowed it (never widens a group/world-writable one).
fn create_readable_dirs(system_root: &Path, dir: &Path) -> io::Result<()> {
    let below = dir.strip_prefix(system_root).map_err(io::Error::other)?;
    let mut path = system_root.to_owned();
    for part in below.components() {
        path.push(part);
        match fs::DirBuilder::new().mode(0o755).create(&path) {
            Ok(()) => fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    let mode = fs::symlink_metadata(dir)?.mode() & 0o7777;
    if mode != 0o755 && mode & 0o022 == 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Writes `bytes` to a new temp file in `dir` (0644), syncs it, renames it over `file` and
/// syncs the directory.
fn write_atomically(dir: &Path, file: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".policy.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .custom_flags(ward_audit::trust::O_NOFOLLOW)
            .open(&tmp)?;
        f.set_permissions(fs::Permissions::from_mode(0o644))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, file)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes every blob and temp file in `dir` but `keep`.
fn remove_blobs(dir: &Path, keep: Option<&Path>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = (name.starts_with("policy-") && name.ends_with(".bin"))
            || (name.starts_with(".policy.") && name.ends_with(".tmp"));
        if ours && keep != Some(entry.path().as_path()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../../../ward-policy/src/builtin.toml");

    /// A system root with a managed policy, every directory private to this user.
    fn system() -> (tempfile::TempDir, PathBuf, String) {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let policy = managed_policy_path(dir.path());
        fs::DirBuilder::new().recursive(true).mode(0o755).create(policy.parent().unwrap()).unwrap();
        fs::write(&policy, POLICY).unwrap();
        let origin = policy.display().to_string();
        (dir, policy, origin)
    }

    fn me() -> u32 {
        ward_audit::trust::effective_uid()
    }

    #[test]
    fn compile_writes_a_blob_the_hook_then_uses() {
        let (root, _, origin) = system();
        let Compiled::Written(file) = compile(root.path()).unwrap() else { panic!("not written") };
        assert_eq!(fs::metadata(&file).unwrap().mode() & 0o7777, 0o644);
        assert_eq!(fs::metadata(compiled_dir(root.path())).unwrap().mode() & 0o7777, 0o755);
        let (policy, used) = load_trusted_owned_by(root.path(), POLICY, &origin, me()).unwrap();
        assert_eq!(used, file);
        assert_eq!(policy.rule_count(), Policy::builtin().rule_count());
        // Nothing changed: nothing rewritten.
        assert_eq!(compile(root.path()).unwrap(), Compiled::Unchanged(file));
    }

    #[test]
    fn folders_it_creates_are_readable_by_users_whatever_the_umask() {
        let (root, _, _) = system();
        // The blob's folder exists but the umask of whoever made it left it private.
        let dir = compiled_dir(root.path());
        fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).unwrap();
        fs::set_permissions(root.path().join("var"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(root.path().join("var/cache"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        compile(root.path()).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o7777, 0o755);
        // A folder others can write is left as it is, and refused.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(compile(root.path()), Err(CompileError::Untrusted(_))));
    }

    #[test]
    fn a_stale_blob_is_not_used_and_is_replaced() {
        let (root, policy_file, origin) = system();
        let Compiled::Written(old) = compile(root.path()).unwrap() else { panic!() };
        let changed = POLICY.replace("default_tier = \"standard\"", "default_tier = \"sensitive\"");
        assert_ne!(changed, POLICY, "the test policy must change");
        fs::write(&policy_file, &changed).unwrap();
        let why = load_trusted_owned_by(root.path(), &changed, &origin, me()).unwrap_err();
        assert!(why.contains("No such file"), "{why}");
        let Compiled::Written(new) = compile(root.path()).unwrap() else { panic!() };
        assert_ne!(new, old);
        assert!(!old.exists(), "the stale blob is removed");
        assert!(load_trusted_owned_by(root.path(), &changed, &origin, me()).is_ok());
        // The policy removed: so are its blobs.
        fs::remove_file(&policy_file).unwrap();
        assert_eq!(compile(root.path()).unwrap(), Compiled::NoPolicy);
        assert!(!new.exists());
    }

    #[test]
    fn a_symlinked_blob_is_not_followed() {
        let (root, _, origin) = system();
        let Compiled::Written(file) = compile(root.path()).unwrap() else { panic!() };
        let elsewhere = root.path().join("elsewhere.bin");
        fs::rename(&file, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
        let why = load_trusted_owned_by(root.path(), POLICY, &origin, me()).unwrap_err();
        assert!(why.contains("symbolic link"), "{why}");
        // A linked directory on the way is refused too.
        fs::remove_file(&file).unwrap();
        let cache = compiled_dir(root.path());
        let real = root.path().join("real-cache");
        fs::rename(&cache, &real).unwrap();
        fs::rename(&elsewhere, real.join(file.file_name().unwrap())).unwrap();
        std::os::unix::fs::symlink(&real, &cache).unwrap();
        let why = load_trusted_owned_by(root.path(), POLICY, &origin, me()).unwrap_err();
        assert!(why.contains("symbolic link"), "{why}");
    }

    #[test]
    fn a_blob_others_could_write_is_not_used() {
        let (root, _, origin) = system();
        let Compiled::Written(file) = compile(root.path()).unwrap() else { panic!() };
        let dir = compiled_dir(root.path());
        // A world-writable directory: anyone could have put the blob there.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let why = load_trusted_owned_by(root.path(), POLICY, &origin, me()).unwrap_err();
        assert!(why.contains("writable by group or others"), "{why}");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(root.path().join("var"), fs::Permissions::from_mode(0o775)).unwrap();
        assert!(load_trusted_owned_by(root.path(), POLICY, &origin, me()).is_err());
        fs::set_permissions(root.path().join("var"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(load_trusted_owned_by(root.path(), POLICY, &origin, me()).is_err());
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load_trusted_owned_by(root.path(), POLICY, &origin, me()).is_ok());
        // Another owner than the one required.
        assert!(load_trusted_owned_by(root.path(), POLICY, &origin, me().wrapping_add(1)).is_err());
    }

    #[test]
    fn a_damaged_blob_is_not_used() {
        let (root, _, origin) = system();
        let Compiled::Written(file) = compile(root.path()).unwrap() else { panic!() };
        let mut bytes = fs::read(&file).unwrap();
        let n = bytes.len();
        bytes[n / 2] ^= 0x40;
        fs::write(&file, &bytes).unwrap();
        let why = load_trusted_owned_by(root.path(), POLICY, &origin, me()).unwrap_err();
        assert!(why.contains("bad tag"), "{why}");
        // compile repairs it.
        assert!(matches!(compile(root.path()).unwrap(), Compiled::Written(_)));
        assert!(load_trusted_owned_by(root.path(), POLICY, &origin, me()).is_ok());
    }

    #[test]
    fn an_invalid_policy_writes_no_blob() {
        let (root, policy_file, _) = system();
        fs::write(&policy_file, "this is = = not toml").unwrap();
        assert!(matches!(compile(root.path()), Err(CompileError::Invalid(_))));
        assert_eq!(fs::read_dir(compiled_dir(root.path())).unwrap().count(), 0);
    }
}
