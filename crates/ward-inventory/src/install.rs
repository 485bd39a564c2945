//! Where an agent is installed and which version, read from files only: an agent binary is never
//! run during a scan (it could be anything, and starting Node programs would blow the time budget).
//!
//! Sources of a version, in order: the `package.json` of the npm package that provides the binary,
//! a versioned install directory in the binary's resolved path (`…/versions/<v>`, Homebrew
//! `Cellar/<formula>/<v>`, `Caskroom/<cask>/<v>`).

use std::path::{Path, PathBuf};

use ward_model::{Artifact, ArtifactKind, Scope};

use crate::context::ScanContext;
use crate::inventory::Inventory;
use crate::read::read_text;

/// `package.json` files are small; anything bigger is not one.
const MAX_PACKAGE_JSON_BYTES: u64 = 1024 * 1024;

/// The version of npm package `package` that provides `binary` (a global install's launcher), if
/// its `package.json` can be found next to it.
pub fn npm_package_version(binary: &Path, package: &str) -> Option<String> {
    let mut candidates = Vec::new();
    if let Ok(resolved) = std::fs::canonicalize(binary) {
        // `<prefix>/lib/node_modules/<pkg>/bin/x.js` (the symlink target): walk up to the package.
        candidates.extend(resolved.ancestors().skip(1).take(5).map(|dir| dir.join("package.json")));
    }
    if let Some(bin_dir) = binary.parent() {
        // Unix prefix layout `<prefix>/bin` + `<prefix>/lib/node_modules`, Windows `<prefix>` +
        // `<prefix>/node_modules`.
        if let Some(prefix) = bin_dir.parent() {
            candidates.push(prefix.join("lib/node_modules").join(package).join("package.json"));
        }
        candidates.push(bin_dir.join("node_modules").join(package).join("package.json"));
    }
    candidates.iter().find_map(|p| {
        let manifest = read_small_json(p)?;
        (manifest.get("name").and_then(|n| n.as_str()) == Some(package))
            .then(|| manifest.get("version").and_then(|v| v.as_str()).map(str::to_owned))
            .flatten()
    })
}

/// The directory (or file) name after `parent_dir` in the binary's resolved path:
/// `~/.local/share/claude/versions/2.1.3` with `parent_dir = "versions"` gives `2.1.3`.
pub fn version_from_resolved_path(binary: &Path, parent_dir: &str) -> Option<String> {
    let resolved = std::fs::canonicalize(binary).ok()?;
    let parts: Vec<_> = resolved.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let pos = parts.iter().rposition(|p| p == parent_dir)?;
    parts.get(pos + 1).filter(|v| looks_like_version(v)).cloned()
}

/// The highest version-named entry of a directory (`~/.local/share/claude/versions`).
pub fn highest_version_in(dir: &Path) -> Option<String> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| looks_like_version(n))
        .max_by(|a, b| compare_versions(a, b))
}

/// The version of a binary from any source this module knows, with the npm package and the
/// Homebrew formula/cask names to try.
pub fn binary_version(binary: &Path, npm_package: Option<&str>, brew_names: &[&str]) -> Option<String> {
    npm_package
        .and_then(|pkg| npm_package_version(binary, pkg))
        .or_else(|| homebrew_version(binary, brew_names))
}

/// `…/Cellar/<formula>/<version>/…` or `…/Caskroom/<cask>/<version>/…` in the binary's resolved
/// path, for one of `names`.
pub fn homebrew_version(binary: &Path, names: &[&str]) -> Option<String> {
    let resolved = std::fs::canonicalize(binary).ok()?;
    let parts: Vec<String> =
        resolved.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.windows(3).find_map(|w| {
        let [marker, name, version] = w else { return None };
        (matches!(marker.as_str(), "Cellar" | "Caskroom")
            && names.contains(&name.as_str())
            && looks_like_version(version))
        .then(|| version.clone())
    })
}

/// `1.2.3`, `0.114.0-alpha.1`, `v2`: starts with a digit (after an optional `v`) and has a dot or
/// is all digits.
pub fn looks_like_version(s: &str) -> bool {
    let s = s.strip_prefix('v').unwrap_or(s);
    s.chars().next().is_some_and(|c| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'))
}

/// Compare dotted versions numerically where both parts are numbers (`2.10.0 > 2.9.1`).
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<String> {
        s.trim_start_matches('v').split(['.', '-', '+']).map(str::to_owned).collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(nx), Ok(ny)) => nx.cmp(&ny),
            _ => x.cmp(y),
        };
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    pa.len().cmp(&pb.len())
}

fn read_small_json(path: &Path) -> Option<serde_json::Value> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_PACKAGE_JSON_BYTES {
        return None;
    }
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The first executable named `name` on PATH; on Windows also `name.exe` / `.cmd` (npm global
/// installs put `.cmd` shims there).
pub fn find_binary(cx: &ScanContext, name: &str) -> Option<PathBuf> {
    cx.which(name).or_else(|| match cx.os {
        crate::context::Os::Windows => {
            ["exe", "cmd"].iter().find_map(|ext| cx.which(&format!("{name}.{ext}")))
        }
        _ => None,
    })
}

/// On macOS, whether an MDM configuration profile delivers the preference `domain`
/// (`/Library/Managed Preferences/<domain>.plist`, binary plist: presence only). `None`
/// elsewhere.
pub fn mdm_profile_present(cx: &ScanContext, domain: &str) -> Option<bool> {
    (cx.os == crate::context::Os::MacOs)
        .then(|| cx.system_path(&format!("/Library/Managed Preferences/{domain}.plist")).is_file())
}

/// `CFBundleShortVersionString` from a macOS app bundle's XML `Info.plist` (a binary plist
/// gives `None`).
pub fn app_bundle_version(
    cx: &ScanContext,
    inv: &mut Inventory,
    client: &str,
    bundle: &Path,
) -> Option<String> {
    let text = read_text(cx, inv, client, &bundle.join("Contents/Info.plist"))?;
    let after_key = text.split("<key>CFBundleShortVersionString</key>").nth(1)?;
    let value = after_key.trim_start().strip_prefix("<string>")?;
    let version = value.split("</string>").next()?.trim();
    looks_like_version(version).then(|| version.to_owned())
}

/// The first of `candidates` that is an executable file (fixed install locations off PATH, such
/// as `~/.local/bin/claude`).
pub fn first_executable(candidates: &[PathBuf]) -> Option<PathBuf> {
    candidates.iter().find(|p| crate::context::is_executable(p)).cloned()
}

/// Whether an agent's config directory holds anything an agent wrote: a file (other than a
/// file manager's `.DS_Store`, `Thumbs.db`, `desktop.ini`) within three levels. A bare
/// `~/.codex` (created by hand, by a dotfiles script or by another tool that only reserved the
/// name) is not an installed agent.
pub fn has_content(dir: &Path) -> bool {
    const NOISE: &[&str] = &[".DS_Store", "Thumbs.db", "desktop.ini"];
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(3)
        .into_iter()
        .take(10_000)
        .filter_map(Result::ok)
        .any(|e| !e.file_type().is_dir() && !NOISE.contains(&e.file_name().to_string_lossy().as_ref()))
}

/// The agent artifact of an installed client: identity is the binary if one was found, else
/// the config directory. Callers add version and settings attributes.
pub fn agent_artifact(
    cx: &ScanContext,
    client: &str,
    binary: Option<&Path>,
    config_dir: Option<&Path>,
) -> Artifact {
    let shown_binary = binary.map(|b| cx.display(b));
    let shown_config = config_dir.map(|d| cx.display(d));
    let identity = shown_binary.clone().or_else(|| shown_config.clone()).unwrap_or_default();
    let mut art = Artifact::new(ArtifactKind::Agent, client, client, Scope::User, identity.clone(), identity);
    if let Some(b) = shown_binary {
        art = art.attr("binary", b);
    }
    if let Some(d) = shown_config {
        art = art.attr("config_dir", d);
    }
    art
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_install_paths() {
        let dir = tempfile::tempdir().unwrap();
        let cellar = dir.path().join("Cellar/codex/0.128.0/bin");
        std::fs::create_dir_all(&cellar).unwrap();
        std::fs::write(cellar.join("codex"), "#!/bin/sh\n").unwrap();
        assert_eq!(homebrew_version(&cellar.join("codex"), &["codex"]).as_deref(), Some("0.128.0"));
        assert_eq!(homebrew_version(&cellar.join("codex"), &["gemini-cli"]), None);
        let versions = dir.path().join("share/claude/versions");
        std::fs::create_dir_all(&versions).unwrap();
        for v in ["2.0.9", "2.10.1", "2.9.0", "latest"] {
            std::fs::write(versions.join(v), "").unwrap();
        }
        assert_eq!(highest_version_in(&versions).as_deref(), Some("2.10.1"));
        assert_eq!(version_from_resolved_path(&versions.join("2.9.0"), "versions").as_deref(), Some("2.9.0"));
        let npm = dir.path().join("lib/node_modules/@openai/codex");
        std::fs::create_dir_all(&npm).unwrap();
        std::fs::write(npm.join("package.json"), r#"{"name":"@openai/codex","version":"0.130.1"}"#).unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("codex"), "").unwrap();
        assert_eq!(npm_package_version(&bin.join("codex"), "@openai/codex").as_deref(), Some("0.130.1"));
        assert_eq!(npm_package_version(&bin.join("codex"), "@google/gemini-cli"), None);
    }

    #[test]
    fn a_bare_config_dir_has_no_content() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join(".codex");
        assert!(!has_content(&dir), "missing");
        std::fs::create_dir_all(dir.join("skills/empty")).unwrap();
        std::fs::write(dir.join(".DS_Store"), "").unwrap();
        assert!(!has_content(&dir), "empty folders and file-manager noise");
        std::fs::write(dir.join("skills/empty/SKILL.md"), "x").unwrap();
        assert!(has_content(&dir));
    }

    #[test]
    fn versions_compare_numerically() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_versions("2.10.0", "2.9.1"), Greater);
        assert_eq!(compare_versions("1.0", "1.0.1"), Less);
        assert_eq!(compare_versions("v3", "3"), Equal);
        assert!(looks_like_version("0.114.0-alpha.1"));
        assert!(!looks_like_version("latest"));
        assert!(!looks_like_version(".DS_Store"));
    }
}
