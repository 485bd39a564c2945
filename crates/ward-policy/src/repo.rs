//! Which repository a working directory belongs to: its root and its normalized git remote.
//! Reads only `.git` metadata (the `.git` file of worktrees and submodules, and git's config);
//! never runs git.

use std::fs;
use std::path::{Path, PathBuf};

/// The repository around a working directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoInfo {
    /// The work tree root (the directory holding `.git`).
    pub root: PathBuf,
    /// The normalized URL of remote `origin` (else the first remote), as
    /// [`normalize_remote`] returns it: credentials are already stripped, so it is safe to show.
    pub remote: Option<String>,
}

impl RepoInfo {
    /// Walks up from `cwd` to the first directory holding `.git` (a directory, or the file a
    /// worktree or submodule has), and reads its remote. `None` outside version control.
    pub fn discover(cwd: &Path) -> Option<RepoInfo> {
        for dir in cwd.ancestors() {
            let dot_git = dir.join(".git");
            let Ok(meta) = fs::metadata(&dot_git) else { continue };
            let git_dir = if meta.is_dir() {
                Some(dot_git)
            } else if meta.is_file() {
                gitdir_from_file(&dot_git, dir)
            } else {
                None
            };
            let remote = git_dir.and_then(|g| read_remote(&g)).map(|url| normalize_remote(&url));
            return Some(RepoInfo { root: dir.to_path_buf(), remote });
        }
        None
    }
}

/// `.git` as a file: `gitdir: <path>` (relative to the work tree).
fn gitdir_from_file(dot_git: &Path, worktree: &Path) -> Option<PathBuf> {
    let text = fs::read_to_string(dot_git).ok()?;
    let target = text.lines().find_map(|l| l.trim().strip_prefix("gitdir:"))?.trim();
    let path = Path::new(target);
    Some(if path.is_absolute() { path.to_path_buf() } else { worktree.join(path) })
}

/// The remote URL of a git dir: its own config, else (linked worktrees) the common dir's.
fn read_remote(git_dir: &Path) -> Option<String> {
    if let Some(url) =
        fs::read_to_string(git_dir.join("config")).ok().and_then(|c| remote_url_from_config(&c))
    {
        return Some(url);
    }
    let common = fs::read_to_string(git_dir.join("commondir")).ok()?;
    let common = Path::new(common.trim());
    let common = if common.is_absolute() { common.to_path_buf() } else { git_dir.join(common) };
    fs::read_to_string(common.join("config")).ok().and_then(|c| remote_url_from_config(&c))
}

/// The URL of remote `origin` in a git config text, else of the first remote that has one.
pub fn remote_url_from_config(config: &str) -> Option<String> {
    let mut current: Option<String> = None;
    let mut first: Option<String> = None;
    for raw in config.lines() {
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            let section = section.split(']').next().unwrap_or("").trim();
            current = section
                .strip_prefix("remote")
                .filter(|r| r.starts_with(char::is_whitespace))
                .map(|r| r.trim().trim_matches('"').to_owned());
            continue;
        }
        let Some(name) = &current else { continue };
        let Some((key, value)) = line.split_once('=') else { continue };
        if !key.trim().eq_ignore_ascii_case("url") {
            continue;
        }
        let value = value.trim().trim_matches('"').to_owned();
        if name == "origin" {
            return Some(value);
        }
        first.get_or_insert(value);
    }
    first
}

/// A git remote URL as `host/owner/name`: scheme, user and password, port, trailing `/` and
/// `.git` removed, all lower-case. `git@github.com:Acme/Infra.git`,
/// `https://user:tok@github.com/acme/infra` and `ssh://git@github.com:22/acme/infra.git` all
/// give `github.com/acme/infra`. Local paths keep their path (`/srv/git/x.git` → `/srv/git/x`).
pub fn normalize_remote(url: &str) -> String {
    let url = url.trim();
    let (host_and_path, had_scheme) = match url.split_once("://") {
        Some((_, rest)) => (rest, true),
        None => (url, false),
    };
    let normalized = if had_scheme {
        let (authority, path) = host_and_path.split_once('/').unwrap_or((host_and_path, ""));
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = strip_port(host);
        join_host_path(host, path)
    } else if let Some((authority, path)) = scp_like(host_and_path) {
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        join_host_path(host, path)
    } else {
        host_and_path.to_owned()
    };
    let mut out = normalized.to_ascii_lowercase();
    loop {
        let before = out.len();
        while out.ends_with('/') && out.len() > 1 {
            out.pop();
        }
        if let Some(s) = out.strip_suffix(".git") {
            out.truncate(s.len());
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// `user@host:path` (scp syntax): a `:` before any `/`, and not a Windows drive letter.
fn scp_like(s: &str) -> Option<(&str, &str)> {
    let colon = s.find(':')?;
    if s[..colon].contains('/') || colon < 2 {
        return None;
    }
    Some((&s[..colon], &s[colon + 1..]))
}

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.is_empty() => h,
        _ => host,
    }
}

fn join_host_path(host: &str, path: &str) -> String {
    let path = path.trim_start_matches('/');
    if path.is_empty() {
        host.to_owned()
    } else {
        format!("{host}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_normalize_to_host_owner_name() {
        let table = [
            ("git@github.com:Acme/Infra.git", "github.com/acme/infra"),
            ("https://user:tok@github.com/acme/infra", "github.com/acme/infra"),
            ("https://github.com/acme/infra.git/", "github.com/acme/infra"),
            ("ssh://git@host:22/a/b.git", "host/a/b"),
            ("ssh://git@GitLab.Example.com:2222/group/sub/proj.git", "gitlab.example.com/group/sub/proj"),
            ("git://github.com/acme/x", "github.com/acme/x"),
            ("http://x-token-auth:secret@bitbucket.org/team/repo.git", "bitbucket.org/team/repo"),
            ("github.com:acme/x.git", "github.com/acme/x"),
            ("/srv/git/x.git", "/srv/git/x"),
            ("file:///srv/git/x.git", "/srv/git/x"),
            ("  https://github.com/acme/infra  ", "github.com/acme/infra"),
        ];
        for (url, want) in table {
            assert_eq!(normalize_remote(url), want, "{url}");
        }
    }

    #[test]
    fn normalized_remotes_never_keep_credentials() {
        let n = normalize_remote("https://ghp_secretvalue123@github.com/acme/x");
        assert!(!n.contains("ghp_"), "{n}");
        let n = normalize_remote("https://user:hunter2@example.com:8443/a/b");
        assert_eq!(n, "example.com/a/b");
    }

    #[test]
    fn config_prefers_origin_else_first_remote() {
        let cfg = "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = git@github.com:up/x.git\n\
                   [remote \"origin\"]\n\turl = https://github.com/me/x\n";
        assert_eq!(remote_url_from_config(cfg).as_deref(), Some("https://github.com/me/x"));
        let cfg = "[remote \"upstream\"]\n\turl = git@github.com:up/x.git\n";
        assert_eq!(remote_url_from_config(cfg).as_deref(), Some("git@github.com:up/x.git"));
        assert_eq!(remote_url_from_config("[core]\nurl = nope\n"), None);
        assert_eq!(remote_url_from_config("garbage [[[ = =\n\0"), None);
    }

    #[test]
    fn discovers_repo_dirs_worktrees_and_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        fs::create_dir_all(repo.join(".git")).unwrap();
        fs::create_dir_all(repo.join("src/deep")).unwrap();
        fs::write(
            repo.join(".git/config"),
            "[remote \"origin\"]\n\turl = git@github.com:Acme/Infra-Core.git\n",
        )
        .unwrap();
        let info = RepoInfo::discover(&repo.join("src/deep")).unwrap();
        assert_eq!(info.root, repo);
        assert_eq!(info.remote.as_deref(), Some("github.com/acme/infra-core"));

        // A linked worktree: `.git` is a file; its gitdir has no config but a commondir.
        let wt = tmp.path().join("wt");
        fs::create_dir_all(&wt).unwrap();
        fs::create_dir_all(repo.join(".git/worktrees/wt")).unwrap();
        fs::write(repo.join(".git/worktrees/wt/commondir"), "../..\n").unwrap();
        fs::write(wt.join(".git"), format!("gitdir: {}\n", repo.join(".git/worktrees/wt").display()))
            .unwrap();
        let info = RepoInfo::discover(&wt).unwrap();
        assert_eq!(info.root, wt);
        assert_eq!(info.remote.as_deref(), Some("github.com/acme/infra-core"));

        // A repo without remotes.
        let local = tmp.path().join("local");
        fs::create_dir_all(local.join(".git")).unwrap();
        assert_eq!(RepoInfo::discover(&local).unwrap().remote, None);

        // Outside version control (assuming the temp dir is not inside a repo).
        let plain = tmp.path().join("plain");
        fs::create_dir_all(&plain).unwrap();
        if tmp.path().ancestors().all(|d| !d.join(".git").exists()) {
            assert_eq!(RepoInfo::discover(&plain), None);
        }
    }
}
