//! Build script: fingerprints this crate's sources (and ward-model's credential table, which
//! the built-in `@credentials` class is built from) so the compiled-policy cache (src/cache.rs)
//! never decodes a blob written by a build whose compiled types may differ, even when the
//! version number did not change (development builds), and precomputes the cache digest of the
//! built-in policy so a hook call using it does not hash its text.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::Path;
use std::{env, fs};

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let src = Path::new(&manifest_dir).join("src");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let mut files: Vec<_> = match fs::read_dir(&src) {
        Ok(dir) => dir.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) => panic!("cannot list {}: {e}", src.display()),
    };
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in &files {
        hasher.write(file.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        match fs::read(file) {
            Ok(bytes) => hasher.write(&bytes),
            Err(e) => panic!("cannot read {}: {e}", file.display()),
        }
    }
    if let Ok(manifest) = fs::read(Path::new(&manifest_dir).join("Cargo.toml")) {
        hasher.write(&manifest);
    }
    // The built-in `@credentials` class is built from ward-model's table of credential
    // locations: a blob compiled before that table changed must not be decoded after it.
    let credentials = Path::new(&manifest_dir).join("../ward-model/src/credentials.rs");
    println!("cargo:rerun-if-changed={}", credentials.display());
    if let Ok(table) = fs::read(&credentials) {
        hasher.write(&table);
    }
    let source_hash = format!("{:016x}", hasher.finish());
    println!("cargo:rustc-env=WARD_POLICY_SOURCE_HASH={source_hash}");

    // Must equal `cache_digest(BUILTIN_POLICY, BUILTIN_ORIGIN)` in src/cache.rs (a unit test
    // there checks it).
    let builtin = match fs::read(src.join("builtin.toml")) {
        Ok(text) => text,
        Err(e) => panic!("cannot read the built-in policy: {e}"),
    };
    let version = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let mut h = blake3::Hasher::new();
    for part in [
        "ward-policy compiled cache".as_bytes(),
        version.as_bytes(),
        source_hash.as_bytes(),
        "<builtin>".as_bytes(),
        &builtin,
    ] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    let digest: String = h.finalize().as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    println!("cargo:rustc-env=WARD_POLICY_BUILTIN_DIGEST={digest}");
}
