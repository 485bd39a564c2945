//! The command-line tools agents drive (`gh`, `aws`, `kubectl`, `terraform`, …) found on PATH:
//! the `cli` artifact kind. Each one is reach an agent has beyond the files it edits.
//!
//! A scan must stay within a few hundred milliseconds, so no tool is ever run: the version is
//! read from where the binary really lives when the install layout puts it in the path
//! (Homebrew Cellar, nix store, asdf/mise/pyenv/nvm `versions/`), and omitted otherwise.

use std::path::{Component, Path, PathBuf};

use ward_model::{Artifact, ArtifactKind, Scope};

use crate::context::{is_executable, Os, ScanContext};
use crate::inventory::Inventory;

/// What a CLI gives an agent reach into.
pub const KNOWN_CLIS: &[(&str, &str)] = &[
    // Forges and version control.
    ("gh", "vcs"),
    ("glab", "vcs"),
    ("git", "vcs"),
    ("hub", "vcs"),
    // Cloud.
    ("aws", "cloud"),
    ("gcloud", "cloud"),
    ("gsutil", "cloud"),
    ("az", "cloud"),
    ("doctl", "cloud"),
    ("heroku", "cloud"),
    ("vercel", "cloud"),
    ("netlify", "cloud"),
    ("flyctl", "cloud"),
    ("fly", "cloud"),
    ("wrangler", "cloud"),
    ("firebase", "cloud"),
    ("supabase", "cloud"),
    ("railway", "cloud"),
    // Kubernetes.
    ("kubectl", "kubernetes"),
    ("helm", "kubernetes"),
    ("k9s", "kubernetes"),
    ("kustomize", "kubernetes"),
    ("oc", "kubernetes"),
    // Infrastructure as code.
    ("terraform", "iac"),
    ("tofu", "iac"),
    ("pulumi", "iac"),
    ("ansible", "iac"),
    ("ansible-playbook", "iac"),
    ("cdk", "iac"),
    // Containers.
    ("docker", "container"),
    ("podman", "container"),
    ("nerdctl", "container"),
    // Secrets managers.
    ("vault", "secrets"),
    ("op", "secrets"),
    ("doppler", "secrets"),
    ("sops", "secrets"),
    ("bw", "secrets"),
    // Databases.
    ("psql", "database"),
    ("mysql", "database"),
    ("redis-cli", "database"),
    ("mongosh", "database"),
    ("sqlite3", "database"),
    // Package managers (they run install scripts and publish).
    ("npm", "package-manager"),
    ("pnpm", "package-manager"),
    ("yarn", "package-manager"),
    ("bun", "package-manager"),
    ("pip", "package-manager"),
    ("pip3", "package-manager"),
    ("uv", "package-manager"),
    ("pipx", "package-manager"),
    ("cargo", "package-manager"),
    ("gem", "package-manager"),
    ("brew", "package-manager"),
    // Network and remote access.
    ("ssh", "network"),
    ("scp", "network"),
    ("rsync", "network"),
    ("curl", "network"),
    ("wget", "network"),
    ("nc", "network"),
];

/// Inventory every known CLI found on PATH (the first match of each name, PATH order).
pub fn scan_clis(cx: &ScanContext, inv: &mut Inventory) {
    for (name, category) in KNOWN_CLIS {
        let Some(path) = which(cx, name) else { continue };
        inv.push(cli_artifact(cx, name, category, &path));
    }
}

fn which(cx: &ScanContext, name: &str) -> Option<PathBuf> {
    let suffixes: &[&str] = if cx.os == Os::Windows { &[".exe", ".cmd", ".bat", ""] } else { &[""] };
    cx.path_dirs
        .iter()
        .find_map(|dir| suffixes.iter().map(|s| dir.join(format!("{name}{s}"))).find(|p| is_executable(p)))
}

fn cli_artifact(cx: &ScanContext, name: &str, category: &str, path: &Path) -> Artifact {
    let shown = cx.display(path);
    // A binary the user installed (or can replace) vs one the system installed.
    let scope = if path.starts_with(&cx.home) { Scope::User } else { Scope::Managed };
    let mut art =
        Artifact::new(ArtifactKind::Cli, name, name, scope, shown.clone(), shown).attr("category", category);
    if let Ok(target) = std::fs::canonicalize(path) {
        if target != path {
            art = art.attr("resolved", cx.display(&target));
        }
        if let Some(v) = version_from_install_path(&target, name) {
            art = art.attr("version", v);
        }
    }
    art
}

/// The version embedded in an install location, if the layout has one:
/// `…/Cellar/<formula>/<v>/…`, `…/Caskroom/<cask>/<v>/…`, `/nix/store/<hash>-<name>-<v>/…`,
/// `…/installs/<tool>/<v>/…` (asdf, mise), `…/versions/[<tool>/]<v>/…` (pyenv, nvm, rbenv, Claude).
pub fn version_from_install_path(path: &Path, _name: &str) -> Option<String> {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    for (i, part) in parts.iter().enumerate() {
        let after = |n: usize| parts.get(i + n).map(String::as_str);
        let found = match part.as_str() {
            "Cellar" | "Caskroom" | "installs" => after(2).filter(|v| is_version(v)),
            "versions" => after(1).filter(|v| is_version(v)).or_else(|| after(2).filter(|v| is_version(v))),
            "store" if i > 0 && parts[i - 1] == "nix" => after(1).and_then(nix_store_version),
            _ => None,
        };
        if let Some(v) = found {
            return Some(v.trim_start_matches('v').to_owned());
        }
    }
    None
}

/// `<hash>-<name>-<version>` → `<version>`: the first `-`-separated part starting with a digit,
/// and everything after it.
fn nix_store_version(entry: &str) -> Option<&str> {
    let (_hash, rest) = entry.split_once('-')?;
    let mut offset = 0;
    for piece in rest.split('-') {
        if offset > 0 && piece.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            let v = &rest[offset..];
            return is_version(v).then_some(v);
        }
        offset += piece.len() + 1;
    }
    None
}

fn is_version(s: &str) -> bool {
    let s = s.strip_prefix('v').unwrap_or(s);
    s.len() <= 40
        && s.chars().next().is_some_and(|c| c.is_ascii_digit())
        && s.contains('.')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_layouts() {
        let v = |p: &str| version_from_install_path(Path::new(p), "x");
        assert_eq!(v("/opt/homebrew/Cellar/gh/2.62.0/bin/gh").as_deref(), Some("2.62.0"));
        assert_eq!(v("/nix/store/abcd1234-kubectl-1.31.2/bin/kubectl").as_deref(), Some("1.31.2"));
        assert_eq!(v("/nix/store/abcd1234-google-cloud-sdk-499.0.0/bin/gcloud").as_deref(), Some("499.0.0"));
        assert_eq!(v("/home/u/.asdf/installs/terraform/1.9.8/bin/terraform").as_deref(), Some("1.9.8"));
        assert_eq!(v("/home/u/.local/share/mise/installs/node/22.11.0/bin/npm").as_deref(), Some("22.11.0"));
        assert_eq!(v("/home/u/.nvm/versions/node/v20.1.0/bin/npm").as_deref(), Some("20.1.0"));
        assert_eq!(v("/home/u/.pyenv/versions/3.12.1/bin/pip").as_deref(), Some("3.12.1"));
        assert_eq!(v("/usr/bin/git"), None);
        assert_eq!(v("/nix/store/abcd1234-git/bin/git"), None);
        assert_eq!(v("/x/versions/latest/bin/y"), None);
    }
}
