//! Read-only file-system lookups made at decision time, so rules see the files a call really
//! reaches: symbolic links in the paths it names (a link in the workspace that points at
//! `~/.ssh/id_rsa` or Ward's spool), and the files a name glob (`cred*`, `.e*`) expands to
//! now. Bounded: a few `stat`/`readlink` calls per path and one directory listing per glob,
//! capped, so a hostile call cannot make the hook walk the disk.
//!
//! What the lookups cannot see (a link or file created by the same command line before it
//! is used) is covered elsewhere: `ln`/`cp` sources count as read, and globs are also matched
//! cautiously by pattern. Only a sandbox closes the rest (docs/hooks.md, known limits).

use std::path::{Path, PathBuf};

use ward_model::{PathTarget, ToolCall};

use crate::glob::SegmentGlob;
use crate::pattern::{absolutize, is_path_glob};

/// Paths of one call looked at; the rest are matched as written.
const MAX_PATHS: usize = 64;
/// Directory entries read for one glob.
const MAX_ENTRIES: usize = 2048;
/// Files one glob may add.
const MAX_MATCHES: usize = 256;
/// Ancestors climbed to find an existing directory for a path that does not exist yet.
const MAX_CLIMB: usize = 16;

/// The extra targets `call`'s paths stand for on disk: each path's real location when a
/// symbolic link is on the way, and the files a name glob expands to (with their real
/// locations). Same access as the path they come from; duplicates are left out.
pub(crate) fn resolve_targets(call: &ToolCall, home: &str) -> Vec<PathTarget> {
    let cwd = call.cwd.as_deref();
    let mut out: Vec<PathTarget> = Vec::new();
    let push = |out: &mut Vec<PathTarget>, path: String, t: &PathTarget| {
        if path != t.path && !out.iter().any(|o| o.path == path && o.access == t.access) {
            out.push(PathTarget { path, access: t.access });
        }
    };
    for t in call.paths.iter().take(MAX_PATHS) {
        if t.path.starts_with("**/") {
            continue;
        }
        let absolute = absolutize(&t.path, cwd, home);
        if !absolute.starts_with('/') {
            continue;
        }
        if is_path_glob(&absolute) {
            let (base, rest) = literal_prefix(&absolute);
            // The glob's literal directory may itself be (or pass through) a link.
            if let Some(real) = real_path(Path::new(&base)) {
                let real = real.to_string_lossy().into_owned();
                if real != base {
                    push(&mut out, format!("{}/{rest}", real.trim_end_matches('/')), t);
                }
            }
            for m in expand_last_segment(&absolute) {
                let real = real_path(Path::new(&m)).map(|r| r.to_string_lossy().into_owned());
                push(&mut out, m.clone(), t);
                if let Some(r) = real {
                    push(&mut out, r, t);
                }
            }
        } else if let Some(real) = real_path(Path::new(&absolute)) {
            push(&mut out, real.to_string_lossy().into_owned(), t);
        }
    }
    out
}

/// The path with every symbolic link resolved. For a path that does not exist (a file about
/// to be written), its nearest existing ancestor is resolved and the rest appended. `None`
/// when nothing on the way exists or nothing changes.
fn real_path(path: &Path) -> Option<PathBuf> {
    let mut existing = path;
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    for _ in 0..MAX_CLIMB {
        if std::fs::symlink_metadata(existing).is_ok() {
            let mut real = std::fs::canonicalize(existing).ok()?;
            for part in rest.iter().rev() {
                real.push(part);
            }
            return (real != path).then_some(real);
        }
        rest.push(existing.file_name()?);
        existing = existing.parent()?;
    }
    None
}

/// `/a/b/*/c` → (`/a/b`, `*/c`): the directories before the first glob segment.
fn literal_prefix(path: &str) -> (String, String) {
    let segments: Vec<&str> = path.split('/').collect();
    let first_glob = segments.iter().position(|s| is_path_glob(s)).unwrap_or(segments.len());
    let base = segments[..first_glob].join("/");
    let rest = segments[first_glob..].join("/");
    (if base.is_empty() { "/".to_owned() } else { base }, rest)
}

/// The files a glob in the last segment names, as the shell would list them (a leading `.`
/// must be matched explicitly). Only when the directory part is literal.
fn expand_last_segment(path: &str) -> Vec<String> {
    let Some((dir, name)) = path.rsplit_once('/') else { return Vec::new() };
    if is_path_glob(dir) || !is_path_glob(name) || name == "**" {
        return Vec::new();
    }
    let Ok(glob) = SegmentGlob::compile(name, false) else { return Vec::new() };
    let dir = if dir.is_empty() { "/" } else { dir };
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out = Vec::new();
    for entry in entries.take(MAX_ENTRIES).flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        if file.starts_with('.') && !name.starts_with('.') {
            continue;
        }
        if glob.matches(file.as_bytes()) {
            out.push(format!("{}/{file}", dir.trim_end_matches('/')));
            if out.len() >= MAX_MATCHES {
                break;
            }
        }
    }
    out
}

/// Ward's own directories as this process would use them: the data directory
/// (`$WARD_HOME`, else `~/.local/share/ward`), the user policy folder `~/.config/ward`, the
/// managed policy folder (`$WARD_SYSTEM_ROOT/etc/ward`, else `/etc/ward`) and the cache
/// folder `~/.cache/ward`. Absolute, lexically normalized.
pub(crate) fn ward_dirs(home: &str) -> Vec<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut dirs = vec![
        absolutize("~/.local/share/ward", None, home),
        absolutize("~/.config/ward", None, home),
        absolutize("~/.cache/ward", None, home),
        "/etc/ward".to_owned(),
    ];
    if let Some(d) = env("WARD_HOME") {
        dirs.push(absolutize(&d, None, home));
    }
    if let Some(root) = env("WARD_SYSTEM_ROOT") {
        dirs.push(absolutize(&format!("{}/etc/ward", root.trim_end_matches('/')), None, home));
    }
    if let Some(x) = env("XDG_DATA_HOME") {
        dirs.push(absolutize(&format!("{}/ward", x.trim_end_matches('/')), None, home));
    }
    if let Some(x) = env("XDG_CONFIG_HOME") {
        dirs.push(absolutize(&format!("{}/ward", x.trim_end_matches('/')), None, home));
    }
    dirs.retain(|d| d.starts_with('/') && d != "/");
    dirs.sort();
    dirs.dedup();
    dirs
}

/// [`ward_dirs`], lower-cased for matching, computed once per process for a given home (the
/// environment does not change under a running hook; a long-lived caller with another home
/// gets them recomputed).
pub(crate) fn ward_dirs_cached(home: &str) -> std::sync::Arc<Vec<String>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<(String, Arc<Vec<String>>)>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new((String::new(), Arc::new(Vec::new()))));
    let mut guard = match cache.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if guard.0 != home || guard.1.is_empty() {
        let dirs: Vec<String> =
            ward_dirs(home).iter().map(|d| ward_model::path_case::fold(d).into_owned()).collect();
        *guard = (home.to_owned(), Arc::new(dirs));
    }
    Arc::clone(&guard.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_split_at_the_first_glob() {
        assert_eq!(literal_prefix("/h/.a?s/credentials"), ("/h".to_owned(), ".a?s/credentials".to_owned()));
        assert_eq!(literal_prefix("/h/x/**"), ("/h/x".to_owned(), "**".to_owned()));
    }

    #[cfg(unix)]
    #[test]
    fn links_and_globs_resolve_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let secret = root.join("home/.ssh");
        std::fs::create_dir_all(&secret).unwrap();
        std::fs::write(secret.join("id_rsa"), "k").unwrap();
        let ws = root.join("ws");
        std::fs::create_dir_all(&ws).unwrap();
        std::os::unix::fs::symlink(secret.join("id_rsa"), ws.join("notes.txt")).unwrap();
        std::fs::write(ws.join("credentials.json"), "{}").unwrap();
        let mut call = ToolCall::new("t", "e", "Read", ward_model::Action::Read);
        call.cwd = Some(ws.to_string_lossy().into_owned());
        call.paths.push(PathTarget { path: "notes.txt".into(), access: ward_model::Access::Read });
        call.paths.push(PathTarget { path: "cred*".into(), access: ward_model::Access::Read });
        let home = root.join("home").to_string_lossy().into_owned();
        let found: Vec<String> = resolve_targets(&call, &home).into_iter().map(|t| t.path).collect();
        assert!(found.contains(&secret.join("id_rsa").to_string_lossy().into_owned()), "{found:?}");
        assert!(found.contains(&ws.join("credentials.json").to_string_lossy().into_owned()), "{found:?}");
    }
}
