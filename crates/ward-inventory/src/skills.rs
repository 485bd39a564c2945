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

fn has_scripts(dir: &Path) -> bool {
    let scripts = dir.join("scripts");
    scripts.is_dir() && std::fs::read_dir(scripts).map(|mut d| d.next().is_some()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_found() {
        assert_eq!(front_matter("---\nname: x\n---\nbody"), Some("name: x\n"));
        assert_eq!(front_matter("no front matter"), None);
        assert_eq!(front_matter("---\nname: x\nunterminated"), None);
    }
}
