//! The compiled-policy cache: hits, and every way a cache file can be wrong (corrupt, truncated,
//! foreign key, another policy's blob, another format) falling back to a fresh compile.

use std::fs;
use std::path::{Path, PathBuf};

use ward_model::{Action, Decision, ShellCommand, ToolCall};
use ward_policy::{CacheStatus, EvalContext, LoadError, Policy, CACHE_KEY_FILE};

/// Denies `rm`; everything else is allowed.
const POLICY_A: &str = r#"
default_tier = "t"
[tiers.t]
default_decision = "allow"
[[tiers.t.rules]]
id = "a.rm"
command = "rm"
decision = "deny"
reason = "policy A"
"#;

/// Asks for `rm`; everything else is denied.
const POLICY_B: &str = r#"
default_tier = "t"
[tiers.t]
default_decision = "deny"
[[tiers.t.rules]]
id = "b.rm"
command = "rm"
decision = "ask"
reason = "policy B"
"#;

fn exec(argv: &[&str]) -> ToolCall {
    let mut c = ToolCall::new("codex", "e", "t", Action::Exec);
    c.commands.push(ShellCommand {
        argv: argv.iter().map(|a| a.to_string()).collect(),
        program: argv[0].to_owned(),
        ..Default::default()
    });
    c
}

fn decide(p: &Policy, argv: &[&str]) -> (Decision, String) {
    let ctx = EvalContext { home: "/h".into(), workspace_root: Some("/w".into()) };
    let v = p.evaluate(&exec(argv), "t", &ctx);
    (v.decision, v.rule)
}

fn cache_files(cache: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("policy-"))
        .collect();
    files.sort();
    files
}

struct Setup {
    _dir: tempfile::TempDir,
    file: PathBuf,
    cache: PathBuf,
}

fn setup(text: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.toml");
    fs::write(&file, text).unwrap();
    let cache = dir.path().join("data").join("cache");
    Setup { _dir: dir, file, cache }
}

fn load(s: &Setup) -> (Policy, CacheStatus) {
    Policy::load_cached_with_status(Some(&s.file), &s.cache).unwrap()
}

fn assert_bypassed_then_hit(s: &Setup, why: &str) {
    let (p, status) = load(s);
    match &status {
        CacheStatus::Bypassed(reason) => assert!(reason.contains(why), "{reason}"),
        other => panic!("expected the cache to be bypassed ({why}), got {other:?}"),
    }
    assert_eq!(decide(&p, &["rm", "-rf", "x"]), (Decision::Deny, "a.rm".to_owned()));
    // The bad file was replaced by a good one.
    let (p, status) = load(s);
    assert_eq!(status, CacheStatus::Hit);
    assert_eq!(decide(&p, &["rm", "-rf", "x"]), (Decision::Deny, "a.rm".to_owned()));
}

#[test]
fn second_load_hits_and_decides_the_same() {
    let s = setup(POLICY_A);
    let (fresh, status) = load(&s);
    assert_eq!(status, CacheStatus::Written);
    let (cached, status) = load(&s);
    assert_eq!(status, CacheStatus::Hit);
    for argv in [&["rm", "x"][..], &["ls"][..]] {
        assert_eq!(decide(&cached, argv), decide(&fresh, argv));
    }
    assert_eq!(cached.origin(), s.file.display().to_string());
    assert_eq!(cache_files(&s.cache).len(), 1);
}

#[test]
fn built_in_policy_is_cached_too() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Policy::load_cached_with_status(None, dir.path()).unwrap().1, CacheStatus::Written);
    let p = Policy::load_cached(None, dir.path()).unwrap();
    assert_eq!(p.origin(), ward_policy::BUILTIN_ORIGIN);
    assert_eq!(p.tier_names(), Policy::builtin().tier_names());
}

#[test]
fn corrupt_payload_is_rejected() {
    let s = setup(POLICY_A);
    load(&s);
    let file = &cache_files(&s.cache)[0];
    let mut bytes = fs::read(file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    fs::write(file, &bytes).unwrap();
    assert_bypassed_then_hit(&s, "bad tag");
}

#[test]
fn truncated_files_are_rejected() {
    for keep in [0usize, 5, 8, 20, 40, 60] {
        let s = setup(POLICY_A);
        load(&s);
        let file = &cache_files(&s.cache)[0];
        let bytes = fs::read(file).unwrap();
        fs::write(file, &bytes[..keep.min(bytes.len() - 1)]).unwrap();
        let (p, status) = load(&s);
        assert!(matches!(status, CacheStatus::Bypassed(_)), "kept {keep}: {status:?}");
        assert_eq!(decide(&p, &["rm"]), (Decision::Deny, "a.rm".to_owned()));
    }
}

#[test]
fn a_blob_under_another_key_is_rejected() {
    let s = setup(POLICY_A);
    load(&s);
    fs::write(s.cache.join(CACHE_KEY_FILE), [9u8; 32]).unwrap();
    assert_bypassed_then_hit(&s, "bad tag");
}

#[test]
fn a_foreign_format_is_rejected() {
    let s = setup(POLICY_A);
    load(&s);
    let file = &cache_files(&s.cache)[0];
    let mut bytes = fs::read(file).unwrap();
    bytes[7] = b'0'; // WARDPOL2 → WARDPOL0: a layout this build does not read.
    fs::write(file, &bytes).unwrap();
    assert_bypassed_then_hit(&s, "not a policy cache file");
}

#[test]
fn an_authentic_blob_that_does_not_decode_is_rejected() {
    // A file with a valid tag whose payload is not this build's encoding (what another build
    // writing under the same key would look like): decoding fails, the policy is compiled.
    let s = setup(POLICY_A);
    load(&s);
    let file = &cache_files(&s.cache)[0];
    let bytes = fs::read(file).unwrap();
    let key = fs::read(s.cache.join(CACHE_KEY_FILE)).unwrap();
    // The tag covers the magic, the digest (the file name) and the payload.
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let digest = hex::decode(&name["policy-".len()..name.len() - ".bin".len()]).unwrap();
    let payload = vec![0xffu8; 64];
    // Keyed BLAKE3 under the key derived from the key file (src/cache.rs).
    let tag_key = blake3::derive_key("ward-policy compiled cache tag key v2", &key);
    let mut mac = blake3::Hasher::new_keyed(&tag_key);
    mac.update(&bytes[..8]);
    mac.update(&digest);
    mac.update(&payload);
    let mut forged = bytes[..8].to_vec();
    forged.extend_from_slice(mac.finalize().as_bytes());
    forged.extend_from_slice(&payload);
    fs::write(file, &forged).unwrap();
    assert_bypassed_then_hit(&s, "cannot decode");
}

#[test]
fn a_blob_for_policy_a_is_never_used_for_policy_b() {
    let a = setup(POLICY_A);
    load(&a);
    let blob_a = fs::read(&cache_files(&a.cache)[0]).unwrap();

    // Policy B in the same file, same cache: a new cache file, B's decisions.
    fs::write(&a.file, POLICY_B).unwrap();
    let (p, status) = load(&a);
    assert_eq!(status, CacheStatus::Written);
    assert_eq!(decide(&p, &["rm"]), (Decision::Ask, "b.rm".to_owned()));
    assert_eq!(decide(&p, &["ls"]), (Decision::Deny, "default".to_owned()));

    // A's blob copied over B's cache file: the tag binds it to A's text, so it is rejected.
    let files = cache_files(&a.cache);
    assert_eq!(files.len(), 2);
    for f in &files {
        fs::write(f, &blob_a).unwrap();
    }
    let (p, status) = load(&a);
    assert!(matches!(&status, CacheStatus::Bypassed(r) if r.contains("bad tag")), "{status:?}");
    assert_eq!(decide(&p, &["rm"]), (Decision::Ask, "b.rm".to_owned()));
}

#[test]
fn same_text_under_another_origin_is_another_entry() {
    let s = setup(POLICY_A);
    load(&s);
    let other = s.file.with_file_name("other.toml");
    fs::write(&other, POLICY_A).unwrap();
    let (p, status) = Policy::load_cached_with_status(Some(&other), &s.cache).unwrap();
    assert_eq!(status, CacheStatus::Written);
    assert_eq!(p.origin(), other.display().to_string());
}

#[cfg(unix)]
#[test]
fn cache_files_and_key_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let s = setup(POLICY_A);
    load(&s);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&s.cache), 0o700);
    assert_eq!(mode(&s.cache.join(CACHE_KEY_FILE)), 0o600);
    for f in cache_files(&s.cache) {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    // No temp files left behind.
    let leftovers: Vec<_> = fs::read_dir(&s.cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_unusable_cache_dir_never_fails_the_load() {
    let s = setup(POLICY_A);
    // The cache "directory" is a file: nothing can be read or written there.
    fs::create_dir_all(s.cache.parent().unwrap()).unwrap();
    fs::write(&s.cache, b"not a directory").unwrap();
    let (p, status) = load(&s);
    assert!(matches!(status, CacheStatus::Bypassed(_)), "{status:?}");
    assert_eq!(decide(&p, &["rm"]), (Decision::Deny, "a.rm".to_owned()));
}

#[test]
fn a_short_key_is_not_used() {
    let s = setup(POLICY_A);
    fs::create_dir_all(&s.cache).unwrap();
    fs::write(s.cache.join(CACHE_KEY_FILE), b"short").unwrap();
    let (p, status) = load(&s);
    assert!(matches!(&status, CacheStatus::Bypassed(r) if r.contains("key")), "{status:?}");
    assert_eq!(decide(&p, &["rm"]), (Decision::Deny, "a.rm".to_owned()));
    assert!(cache_files(&s.cache).is_empty());
}

#[test]
fn load_errors_are_those_of_an_uncached_load() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let err = Policy::load_cached(Some(&missing), dir.path()).unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }), "{err}");

    let bad = dir.path().join("bad.toml");
    fs::write(&bad, "default_tier = \"t\"\n[tiers.t]\ndefault_decision = \"maybe\"\n").unwrap();
    let cached = Policy::load_cached(Some(&bad), dir.path()).unwrap_err().to_string();
    let plain = Policy::load(&bad).unwrap_err().to_string();
    assert_eq!(cached, plain);
    assert!(cached.contains(":3:"), "{cached}");
}

#[test]
fn old_entries_are_pruned() {
    let s = setup(POLICY_A);
    for i in 0..24 {
        fs::write(&s.file, format!("{POLICY_A}\n# edit {i}\n")).unwrap();
        load(&s);
    }
    let n = cache_files(&s.cache).len();
    assert!((1..=16).contains(&n), "{n} cache files");
    // The newest is still a hit.
    assert_eq!(load(&s).1, CacheStatus::Hit);
}
