//! The fingerprint key: which key fingerprints are computed under, where it lives, and the
//! keyed fingerprint itself.
//!
//! A fingerprint is `HMAC-SHA256(key, secret)` truncated to [`FINGERPRINT_HEX_LEN`] hex
//! characters (48 bits). Why truncate, and why 48 bits:
//! - The fingerprint's job is correlation ("this is the same secret we saw on another machine"),
//!   not identification among all possible values, so it only has to be collision-free among the
//!   secrets a fleet actually leaks. With 48 bits, even 100 000 distinct secrets collide with
//!   probability ≈ 2·10⁻⁵ (birthday bound n²/2⁴⁹).
//! - Shorter tags keep redacted payloads readable and cheap to store and index.
//! - Secrecy does not rest on the length: without the key nobody can compute or confirm a
//!   fingerprint at all. Whoever holds the key can test guesses (that is exactly what
//!   `ward redact --fingerprint` offers an investigator); truncation does not change that, which
//!   is why the key is kept 0600 and a plain, unkeyed hash is never used.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Hex characters kept from the HMAC: 12 hex = 48 bits (see the module docs for why).
pub const FINGERPRINT_HEX_LEN: usize = 12;

/// File name of the fleet key, written at enrollment.
pub const FLEET_KEY_FILE: &str = "fleet.key";
/// File name of the per-install key, created on first use when the device is not enrolled.
pub const INSTALL_KEY_FILE: &str = "install.key";

const KEY_LEN: usize = 32;

/// Why a key could not be loaded or created. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("cannot read the fingerprint key {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write the fingerprint key {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("the fingerprint key {path} is too short ({len} bytes; at least 16 required)")]
    TooShort { path: PathBuf, len: usize },
    #[error("the system random source failed: {0}")]
    Random(String),
}

/// Where the key came from, for status output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// `<data_dir>/fleet.key`: fingerprints correlate across the fleet.
    Fleet,
    /// `<data_dir>/install.key`: fingerprints correlate on this install only.
    Install,
    /// Given directly (tests, embedding).
    Explicit,
}

/// A key fingerprints are computed under. `Debug` does not show the key.
#[derive(Clone)]
pub struct FingerprintKey {
    key: Vec<u8>,
    source: KeySource,
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FingerprintKey").field("source", &self.source).finish_non_exhaustive()
    }
}

impl FingerprintKey {
    /// A key from raw bytes (tests, or a key held elsewhere).
    pub fn from_bytes(key: &[u8]) -> FingerprintKey {
        FingerprintKey { key: key.to_vec(), source: KeySource::Explicit }
    }

    /// Reads `<data_dir>/fleet.key` if it exists, else `<data_dir>/install.key`, creating the
    /// latter with 32 random bytes and mode 0600 when missing. Creation is atomic against a
    /// concurrent process: the file is created with `create_new`; whoever loses the race reads
    /// the winner's key (after the winner has finished writing it through a rename).
    pub fn load_or_create(data_dir: &Path) -> Result<FingerprintKey, KeyError> {
        let fleet = data_dir.join(FLEET_KEY_FILE);
        match read_key(&fleet) {
            Ok(key) => return Ok(FingerprintKey { key, source: KeySource::Fleet }),
            Err(KeyError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let install = data_dir.join(INSTALL_KEY_FILE);
        match read_key(&install) {
            Ok(key) => return Ok(FingerprintKey { key, source: KeySource::Install }),
            Err(KeyError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        fs::create_dir_all(data_dir)
            .map_err(|source| KeyError::CreateDir { path: data_dir.to_path_buf(), source })?;
        let mut key = vec![0u8; KEY_LEN];
        getrandom::getrandom(&mut key).map_err(|e| KeyError::Random(e.to_string()))?;
        // Write a private temp file, then hard-link it into place: `link` fails if the target
        // exists, so exactly one process's key wins and readers never see a partial file.
        let tmp = data_dir.join(format!(".{INSTALL_KEY_FILE}.{}.tmp", std::process::id()));
        let write = |path: &Path| -> io::Result<()> {
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path)?;
            file.write_all(&key)?;
            file.sync_all()
        };
        let _ = fs::remove_file(&tmp);
        if let Err(source) = write(&tmp) {
            // A full disk must not leave a temp file behind on every call.
            let _ = fs::remove_file(&tmp);
            return Err(KeyError::Write { path: tmp, source });
        }
        let linked = fs::hard_link(&tmp, &install);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(FingerprintKey { key, source: KeySource::Install }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let key = read_key(&install)?;
                Ok(FingerprintKey { key, source: KeySource::Install })
            }
            Err(source) => Err(KeyError::Write { path: install, source }),
        }
    }

    /// Where this key came from.
    pub fn source(&self) -> KeySource {
        self.source
    }

    /// The fingerprint of `secret`: the first [`FINGERPRINT_HEX_LEN`] lowercase hex characters of
    /// HMAC-SHA256(key, secret).
    pub fn fingerprint(&self, secret: &[u8]) -> String {
        // HMAC accepts keys of any length, so this cannot fail; fall back to an empty-key MAC
        // rather than panic if that ever changed.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => return String::from("000000000000"),
        };
        mac.update(secret);
        let digest = mac.finalize().into_bytes();
        let mut hex = hex::encode(&digest[..FINGERPRINT_HEX_LEN / 2]);
        hex.truncate(FINGERPRINT_HEX_LEN);
        hex
    }
}

fn read_key(path: &Path) -> Result<Vec<u8>, KeyError> {
    let mut file =
        fs::File::open(path).map_err(|source| KeyError::Read { path: path.to_path_buf(), source })?;
    let mut key = Vec::with_capacity(KEY_LEN);
    file.read_to_end(&mut key).map_err(|source| KeyError::Read { path: path.to_path_buf(), source })?;
    if key.len() < 16 {
        return Err(KeyError::TooShort { path: path.to_path_buf(), len: key.len() });
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_install_key_once_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("ward");
        let first = FingerprintKey::load_or_create(&data).unwrap();
        assert_eq!(first.source(), KeySource::Install);
        let second = FingerprintKey::load_or_create(&data).unwrap();
        assert_eq!(first.fingerprint(b"hunter2"), second.fingerprint(b"hunter2"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(data.join(INSTALL_KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(fs::read(data.join(INSTALL_KEY_FILE)).unwrap().len(), KEY_LEN);
    }

    #[test]
    fn fleet_key_wins_over_install_key() {
        let dir = tempfile::tempdir().unwrap();
        let install = FingerprintKey::load_or_create(dir.path()).unwrap();
        fs::write(dir.path().join(FLEET_KEY_FILE), [7u8; 32]).unwrap();
        let fleet = FingerprintKey::load_or_create(dir.path()).unwrap();
        assert_eq!(fleet.source(), KeySource::Fleet);
        assert_eq!(fleet.fingerprint(b"x"), FingerprintKey::from_bytes(&[7u8; 32]).fingerprint(b"x"));
        assert_ne!(fleet.fingerprint(b"x"), install.fingerprint(b"x"));
    }

    #[test]
    fn short_key_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FLEET_KEY_FILE), b"short").unwrap();
        let err = FingerprintKey::load_or_create(dir.path()).unwrap_err();
        assert!(matches!(err, KeyError::TooShort { len: 5, .. }));
    }

    #[test]
    fn fingerprint_is_keyed_truncated_hmac() {
        let key = FingerprintKey::from_bytes(b"key");
        let fp = key.fingerprint(b"The quick brown fox jumps over the lazy dog");
        // RFC-style known answer: HMAC-SHA256("key", "The quick brown fox…") = f7bc83f430538424…
        assert_eq!(fp, "f7bc83f43053");
        assert_eq!(fp.len(), FINGERPRINT_HEX_LEN);
        assert_ne!(
            FingerprintKey::from_bytes(b"other").fingerprint(b"The quick brown fox jumps over the lazy dog"),
            fp
        );
    }
}
