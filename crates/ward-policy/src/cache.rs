//! The compiled-policy cache: a policy compiled once is stored as an authenticated binary blob
//! so the next process (every `ward hook` call is one) decodes it instead of parsing TOML and
//! compiling globs again.
//!
//! Layout: `<cache_dir>/policy-<digest>.bin`, where `digest` is BLAKE3 over this build's
//! identity (crate version and a hash of its sources), the policy's origin and its full text, so
//! a blob is only ever looked up for exactly the text it was compiled from. The file holds
//! [`MAGIC`], a keyed BLAKE3 tag, then the `postcard` encoding of the [`Policy`]. The tag, under
//! a key derived from the random `<cache_dir>/cache.key`, covers the magic, the digest and the
//! payload: a blob renamed to another policy's name, truncated, corrupted or written by another
//! key is rejected before it is decoded, and any rejection means a normal compile.
//!
//! Cost, since every hook call pays it: the blob holds each rule and path class once (tiers and
//! rules refer to them by index), path sets are stored without what is cheap to rebuild, and
//! the parts a call does not use (other tiers' rules, floors, classes when the call has no
//! paths, the approved lists) stay encoded until used. Keyed BLAKE3 authenticates the 29.5 KB
//! of the built-in policy's blob in about 0.1 million instructions, where HMAC-SHA256 over the
//! earlier 72 KB blob took 3.8 million (56 % of a hook call; see docs/policy.md).
//!
//! What the tag does and does not defend against: the cache directory and its key live in the
//! user's data directory, which the user (and so an agent running as the user) can write. The
//! tag detects accidents — corruption, a stale or foreign file, a copy from another machine —
//! not a determined local user, who could recompute it; such a user can edit their own user
//! policy anyway. Managed policy in `/etc` stays under the administrator's control because the
//! digest covers the policy text the hook actually read.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::LoadError;
use crate::policy::{Policy, BUILTIN_ORIGIN, BUILTIN_POLICY};

/// First bytes of every cache file; bump the digit when the file layout changes.
const MAGIC: &[u8; 8] = b"WARDPOL2";
/// Length of the keyed BLAKE3 tag.
const TAG_LEN: usize = blake3::OUT_LEN;
/// Context string deriving the tag key from the key file's bytes (any length accepted).
const TAG_KEY_CONTEXT: &str = "ward-policy compiled cache tag key v2";
/// File name of the cache's MAC key inside the cache directory.
pub const CACHE_KEY_FILE: &str = "cache.key";
/// Length of a freshly created key.
const KEY_LEN: usize = 32;
/// Shortest key accepted from disk.
const MIN_KEY_LEN: usize = 16;
/// Largest cache file read; anything bigger is not ours.
const MAX_CACHE_BYTES: usize = 16 << 20;
/// Cache files kept; beyond this the oldest are removed when a new one is written.
const MAX_CACHE_FILES: usize = 16;

/// What the cache did for one load, for diagnostics and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// The policy was decoded from a valid cache file.
    Hit,
    /// No usable cache file; the policy was compiled and a cache file written.
    Written,
    /// The policy was compiled; the cache could not be used or written (the reason, for logs).
    /// Existing files that failed their checks are listed here too (e.g. "bad tag").
    Bypassed(String),
}

impl Policy {
    /// Loads a policy file (`None`: the built-in policy) through the compiled-policy cache in
    /// `cache_dir`: a valid cache file for exactly this text is decoded; otherwise the policy is
    /// compiled as [`Policy::load`] does and the cache file is written for the next process.
    /// Cache problems never fail the load; errors are those of [`Policy::load`].
    pub fn load_cached(path: Option<&Path>, cache_dir: &Path) -> Result<Policy, LoadError> {
        Policy::load_cached_with_status(path, cache_dir).map(|(policy, _)| policy)
    }

    /// [`Policy::load_cached`], also saying what the cache did.
    pub fn load_cached_with_status(
        path: Option<&Path>,
        cache_dir: &Path,
    ) -> Result<(Policy, CacheStatus), LoadError> {
        match path {
            None => Ok(load_text_cached(BUILTIN_POLICY, BUILTIN_ORIGIN, cache_dir)?),
            Some(path) => {
                let text = fs::read_to_string(path)
                    .map_err(|source| LoadError::Io { path: path.display().to_string(), source })?;
                Ok(load_text_cached(&text, &path.display().to_string(), cache_dir)?)
            }
        }
    }
}

/// Compiles `text` (named `origin`) through the cache in `cache_dir`.
pub fn load_text_cached(
    text: &str,
    origin: &str,
    cache_dir: &Path,
) -> Result<(Policy, CacheStatus), crate::PolicyError> {
    let digest = match builtin_digest() {
        // The built-in text is a constant: its digest was computed at build time.
        Some(digest) if origin == BUILTIN_ORIGIN && text == BUILTIN_POLICY => digest,
        _ => cache_digest(text, origin),
    };
    let file = cache_dir.join(cache_file_name(&digest));
    let key = match read_key(cache_dir) {
        Ok(key) => Some(key),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => {
            let policy = Policy::from_toml_str(text, origin)?;
            return Ok((policy, CacheStatus::Bypassed(format!("cannot read the cache key: {e}"))));
        }
    };
    let mut rejected = None;
    if let Some(key) = &key {
        match read_cached(&file, key, &digest, origin) {
            Ok(policy) => return Ok((policy, CacheStatus::Hit)),
            Err(Rejected::Missing) => {}
            Err(Rejected::Invalid(why)) => rejected = Some(why),
        }
    }
    let policy = Policy::from_toml_str(text, origin)?;
    let written = key.map_or_else(|| create_key(cache_dir), Ok).and_then(|key| {
        write_cached(cache_dir, &file, &key, &digest, &policy)?;
        prune(cache_dir, &file);
        Ok(())
    });
    let status = match (written, rejected) {
        (Ok(()), None) => CacheStatus::Written,
        (Ok(()), Some(why)) => CacheStatus::Bypassed(format!("{why}; rewritten")),
        (Err(e), why) => CacheStatus::Bypassed(match why {
            Some(why) => format!("{why}; cannot write the cache: {e}"),
            None => format!("cannot write the cache: {e}"),
        }),
    };
    Ok((policy, status))
}

/// BLAKE3 over the build's identity, the origin and the text; fields are length-prefixed so
/// no two different inputs hash the same bytes.
fn cache_digest(text: &str, origin: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    for part in [
        "ward-policy compiled cache".as_bytes(),
        env!("CARGO_PKG_VERSION").as_bytes(),
        env!("WARD_POLICY_SOURCE_HASH").as_bytes(),
        origin.as_bytes(),
        text.as_bytes(),
    ] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// The build-time digest of the built-in policy (see build.rs).
fn builtin_digest() -> Option<[u8; 32]> {
    let hex = env!("WARD_POLICY_BUILTIN_DIGEST").as_bytes();
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut digest = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (byte, pair) in digest.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(digest)
}

fn cache_file_name(digest: &[u8; 32]) -> String {
    use std::fmt::Write as _;
    let mut name = String::with_capacity(16 + 64);
    name.push_str("policy-");
    for b in digest {
        let _ = write!(name, "{b:02x}");
    }
    name.push_str(".bin");
    name
}

/// The keyed BLAKE3 tag of a cache file's contents.
fn tag(key: &[u8], digest: &[u8; 32], payload: &[u8]) -> blake3::Hash {
    let tag_key = blake3::derive_key(TAG_KEY_CONTEXT, key);
    let mut mac = blake3::Hasher::new_keyed(&tag_key);
    mac.update(MAGIC);
    mac.update(digest);
    mac.update(payload);
    mac.finalize()
}

enum Rejected {
    Missing,
    Invalid(String),
}

fn read_cached(file: &Path, key: &[u8], digest: &[u8; 32], origin: &str) -> Result<Policy, Rejected> {
    let bytes = match read_small_file(file, MAX_CACHE_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Rejected::Missing),
        Err(e) => return Err(Rejected::Invalid(format!("cannot read the cache file: {e}"))),
    };
    decode_blob(&bytes, key, digest, origin)
        .map_err(|why| Rejected::Invalid(format!("cache file {}: {why}", file.display())))
}

/// Checks a blob's magic and tag, then decodes it; the reason when it is not exactly the
/// compiled form of the policy `digest` names.
fn decode_blob(bytes: &[u8], key: &[u8], digest: &[u8; 32], origin: &str) -> Result<Policy, String> {
    let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or("not a policy cache file")?;
    if rest.len() < TAG_LEN {
        return Err("truncated".to_owned());
    }
    let (stored_tag, payload) = rest.split_at(TAG_LEN);
    // Authenticate before decoding: a blob that fails the tag is never parsed. (`Hash`
    // compares in constant time.)
    let stored_tag: [u8; TAG_LEN] = stored_tag.try_into().map_err(|_| "truncated".to_owned())?;
    if tag(key, digest, payload) != blake3::Hash::from(stored_tag) {
        return Err("bad tag".to_owned());
    }
    let (policy, trailing) =
        postcard::take_from_bytes::<Policy>(payload).map_err(|e| format!("cannot decode: {e}"))?;
    if !trailing.is_empty() || policy.origin != origin {
        return Err("does not describe this policy".to_owned());
    }
    Ok(policy)
}

/// Magic, tag and payload of a blob.
fn encode_blob(key: &[u8], digest: &[u8; 32], policy: &Policy) -> io::Result<Vec<u8>> {
    let payload = postcard::to_allocvec(policy).map_err(io::Error::other)?;
    let tag = tag(key, digest, &payload);
    let mut bytes = Vec::with_capacity(MAGIC.len() + TAG_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(tag.as_bytes());
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// The tag key of compiled blobs kept where only root can write (the managed policy's, see
/// [`CompiledBlob`]): public, because what authenticates such a blob is the ownership of the
/// file and its directories, which the caller checks; the tag then only detects damage.
const OWNED_BLOB_KEY: &[u8] = b"ward-policy compiled blob in a root-owned directory";

/// The compiled form of a policy for a store whose files the caller authenticates by their
/// ownership (the managed policy's root-owned `/var/cache/ward`): the cache file layout, under a
/// fixed key. The caller does the I/O; this says which name a blob has for a given text and
/// turns a policy into bytes and back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompiledBlob {
    /// BLAKE3 over the build's identity (version, compiler sources), the origin and the text:
    /// a blob is only ever used for exactly the text it was compiled from, by the build that
    /// compiled it.
    pub digest: [u8; 32],
}

impl CompiledBlob {
    /// The blob name for the policy `text` read from `origin` (the path as displayed).
    pub fn for_text(text: &str, origin: &str) -> CompiledBlob {
        CompiledBlob { digest: cache_digest(text, origin) }
    }

    /// `policy-<hex digest>.bin`.
    pub fn file_name(&self) -> String {
        cache_file_name(&self.digest)
    }

    /// The blob's bytes for `policy` (compiled from the text this blob is named for).
    pub fn encode(&self, policy: &Policy) -> io::Result<Vec<u8>> {
        encode_blob(OWNED_BLOB_KEY, &self.digest, policy)
    }

    /// The policy in `bytes`, or why they are not this blob (damaged, another text or build,
    /// another origin).
    pub fn decode(&self, bytes: &[u8], origin: &str) -> Result<Policy, String> {
        decode_blob(bytes, OWNED_BLOB_KEY, &self.digest, origin)
    }

    /// Largest blob a reader should accept.
    pub const MAX_BYTES: usize = MAX_CACHE_BYTES;
}

/// Fuzz entry point for the compiled form's decoder: `data` as the payload of a blob with a
/// valid tag (the tag would reject almost any other input before decoding), decoded; a policy
/// that decodes is evaluated. Must never panic.
pub fn fuzz_compiled_blob(data: &[u8]) {
    let blob = CompiledBlob::for_text(BUILTIN_POLICY, "<fuzz>");
    let tag = tag(OWNED_BLOB_KEY, &blob.digest, data);
    let mut bytes = Vec::with_capacity(MAGIC.len() + TAG_LEN + data.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(tag.as_bytes());
    bytes.extend_from_slice(data);
    if let Ok(policy) = blob.decode(&bytes, "<fuzz>") {
        let mut call = ward_model::ToolCall::new("codex", "fuzz", "Bash", ward_model::Action::Exec);
        call.paths
            .push(ward_model::PathTarget { path: "~/.ssh/id_rsa".into(), access: ward_model::Access::Read });
        let ctx = crate::EvalContext { home: "/h".into(), workspace_root: Some("/w".into()) };
        for tier in policy.tier_names() {
            let _ = policy.evaluate(&call, tier, &ctx);
            let _ = policy.floor(tier, "codex");
        }
    }
}

fn write_cached(
    cache_dir: &Path,
    file: &Path,
    key: &[u8],
    digest: &[u8; 32],
    policy: &Policy,
) -> io::Result<()> {
    let bytes = encode_blob(key, digest, policy)?;
    let tmp = temp_name(cache_dir, "policy");
    let result = write_private(&tmp, &bytes).and_then(|()| fs::rename(&tmp, file));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A temp file name unique to this process and call.
fn temp_name(dir: &Path, stem: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{stem}.{}.{n}.tmp", std::process::id()))
}

/// Writes a new file readable and writable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    // No fsync: losing a cache file to a crash only costs one recompile.
    Ok(())
}

/// Reads a whole file of at most `limit` bytes with as few system calls as it can (open, one
/// read for files up to 32 KiB, the read that sees the end, close): this runs on every hook call.
fn read_small_file(path: &Path, limit: usize) -> io::Result<Vec<u8>> {
    let mut file = fs::File::open(path)?;
    let mut bytes = vec![0u8; (32 << 10).min(limit + 1)];
    let mut len = 0;
    loop {
        if len == bytes.len() {
            if len > limit {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "file too large"));
            }
            bytes.resize((len * 2).min(limit + 1), 0);
        }
        match file.read(&mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(len);
    Ok(bytes)
}

fn read_key(cache_dir: &Path) -> io::Result<Vec<u8>> {
    let key = read_small_file(&cache_dir.join(CACHE_KEY_FILE), 1024)?;
    if key.len() < MIN_KEY_LEN {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "the cache key is too short"));
    }
    Ok(key)
}

/// Creates the cache directory (0700) and its key (0600, random). Concurrent processes agree:
/// the key is written to a temp file and hard-linked into place, which fails if another process
/// won, whose key is then read.
fn create_key(cache_dir: &Path) -> io::Result<Vec<u8>> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(cache_dir)?;
    let mut key = vec![0u8; KEY_LEN];
    getrandom::getrandom(&mut key).map_err(|e| io::Error::other(e.to_string()))?;
    let tmp = temp_name(cache_dir, CACHE_KEY_FILE);
    if let Err(e) = write_private(&tmp, &key) {
        // A full disk must not leave a temp file behind on every call.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    let linked = fs::hard_link(&tmp, cache_dir.join(CACHE_KEY_FILE));
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => read_key(cache_dir),
        Err(e) => Err(e),
    }
}

/// Keeps at most [`MAX_CACHE_FILES`] cache files, removing the least recently written ones
/// (never `keep`). Runs only after a compile, so hits pay nothing for it.
fn prune(cache_dir: &Path, keep: &Path) {
    let Ok(dir) = fs::read_dir(cache_dir) else { return };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = dir
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("policy-") && name.ends_with(".bin")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .filter(|(_, p)| p != keep)
        .collect();
    if files.len() < MAX_CACHE_FILES {
        return;
    }
    files.sort();
    let excess = files.len() + 1 - MAX_CACHE_FILES;
    for (_, path) in files.iter().take(excess) {
        let _ = fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_is_hex_digest() {
        let name = cache_file_name(&[0xab; 32]);
        assert_eq!(name.len(), "policy-".len() + 64 + ".bin".len());
        assert!(name.starts_with("policy-abab"));
    }

    #[test]
    fn build_time_builtin_digest_matches() {
        assert_eq!(builtin_digest(), Some(cache_digest(BUILTIN_POLICY, BUILTIN_ORIGIN)));
    }

    /// Every hook call reads and authenticates the whole blob: each rule and class is stored
    /// once (the earlier layout repeated the global rules and @credentials in every tier and
    /// rule that used them: 72 KB for the built-in policy).
    #[test]
    fn builtin_blob_stores_shared_rules_and_classes_once() {
        let policy = Policy::builtin();
        let blob = postcard::to_allocvec(policy).unwrap();
        let credentials = policy.classes.iter().find(|(n, _)| n == "credentials").unwrap();
        let class_bytes = postcard::to_allocvec(&credentials.1).unwrap();
        // Many rules use @credentials; its encoding appears exactly once.
        let occurrences = blob.windows(class_bytes.len()).filter(|w| *w == class_bytes.as_slice()).count();
        assert_eq!(occurrences, 1);
        assert!(blob.len() < 40_000, "the built-in policy's cache blob grew to {} bytes", blob.len());
    }

    /// A call decodes only the rules of its tier and only the classes its paths meet.
    #[test]
    fn decoding_is_lazy_per_rule_and_class() {
        use crate::deferred::Deferred;
        let blob = postcard::to_allocvec(Policy::builtin()).unwrap();
        let policy: Policy = postcard::from_bytes(&blob).unwrap();
        let decoded = |d: &Deferred<crate::policy::Rule>| match d {
            Deferred::Encoded { decoded, .. } => decoded.get().is_some(),
            Deferred::Ready(_) => true,
        };
        assert!(policy.rules.iter().all(|r| !decoded(r)));
        let mut call = ward_model::ToolCall::new("codex", "PreToolUse", "Bash", ward_model::Action::Exec);
        call.cwd = Some("/w".into());
        let ctx = crate::EvalContext { home: "/h".into(), workspace_root: Some("/w".into()) };
        let verdict = policy.evaluate(&call, "open", &ctx);
        assert_eq!(verdict.tier, "open");
        let open = policy.tiers.iter().find(|t| t.name == "open").unwrap();
        for (i, rule) in policy.rules.iter().enumerate() {
            assert_eq!(decoded(rule), open.rules.contains(&(i as u32)), "rule {i}");
        }
        let class_decoded =
            matches!(&policy.classes[0].1, Deferred::Encoded { decoded, .. } if decoded.get().is_some());
        assert!(!class_decoded, "a call without paths decodes no path class");
        // The decoded policy decides as the compiled one.
        assert_eq!(verdict, Policy::builtin().evaluate(&call, "open", &ctx));
    }

    #[test]
    fn compiled_blob_round_trips_and_rejects_what_is_not_it() {
        let text = BUILTIN_POLICY;
        let blob = CompiledBlob::for_text(text, "/etc/ward/policy.toml");
        let policy = Policy::from_toml_str(text, "/etc/ward/policy.toml").unwrap();
        let bytes = blob.encode(&policy).unwrap();
        let decoded = blob.decode(&bytes, "/etc/ward/policy.toml").unwrap();
        assert_eq!(decoded.rule_count(), policy.rule_count());
        // Another text's name, another origin, damage, and a user-cache key are all refused.
        let other = CompiledBlob::for_text("x = 1", "/etc/ward/policy.toml");
        assert_eq!(other.decode(&bytes, "/etc/ward/policy.toml").unwrap_err(), "bad tag");
        assert!(blob.decode(&bytes, "/elsewhere.toml").is_err());
        let mut damaged = bytes.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert_eq!(blob.decode(&damaged, "/etc/ward/policy.toml").unwrap_err(), "bad tag");
        assert!(blob.decode(&bytes[..20], "/etc/ward/policy.toml").is_err());
        assert!(blob.decode(b"", "/etc/ward/policy.toml").is_err());
        let user = encode_blob(&[7u8; 32], &blob.digest, &policy).unwrap();
        assert_eq!(blob.decode(&user, "/etc/ward/policy.toml").unwrap_err(), "bad tag");
    }

    /// Malformed compiled forms that pass the tag (only root can write such a blob where the
    /// hook looks, but a bug must still not panic the hook): truncations and byte flips of a
    /// real payload, and seeded random payloads.
    #[test]
    fn malformed_payloads_with_a_valid_tag_never_panic() {
        let policy = Policy::from_toml_str(BUILTIN_POLICY, "<fuzz>").unwrap();
        let payload = postcard::to_allocvec(&policy).unwrap();
        fuzz_compiled_blob(&payload);
        for cut in (0..payload.len()).step_by(97) {
            fuzz_compiled_blob(&payload[..cut]);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let mut mutated = payload.clone();
            for _ in 0..1 + next() % 4 {
                let i = (next() % mutated.len() as u64) as usize;
                mutated[i] = next() as u8;
            }
            fuzz_compiled_blob(&mutated);
        }
        for len in [0usize, 1, 7, 64, 1000] {
            let random: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            fuzz_compiled_blob(&random);
        }
    }

    #[test]
    fn digest_depends_on_text_and_origin() {
        let a = cache_digest("x", "o");
        assert_ne!(a, cache_digest("y", "o"));
        assert_ne!(a, cache_digest("x", "p"));
        // Length prefixes: moving bytes between fields changes the digest.
        assert_ne!(cache_digest("ab", "c"), cache_digest("b", "ca"));
        assert_eq!(a, cache_digest("x", "o"));
    }
}
