//! Patch analysis: which files a Codex `apply_patch` envelope (or a unified diff) adds, updates,
//! moves and deletes.

use ward_model::{Access, PathTarget};

/// The files a patch touches, plus what was wrong with it if it was not well-formed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PatchSummary {
    pub targets: Vec<PathTarget>,
    /// The patch lacked its envelope or named no file; `targets` holds what could be read.
    pub error: Option<String>,
}

fn push(targets: &mut Vec<PathTarget>, path: &str, access: Access) {
    let path = path.trim();
    if path.is_empty() || path == "/dev/null" {
        return;
    }
    let target = PathTarget { path: path.to_owned(), access };
    if !targets.contains(&target) {
        targets.push(target);
    }
}

/// Parse a Codex `apply_patch` envelope:
/// `*** Begin Patch` / `*** Add File: p` / `*** Update File: p` (+ `*** Move to: q`) /
/// `*** Delete File: p` / `*** End Patch`. Unified diffs (`--- a/x`, `+++ b/y`) are accepted too.
pub fn parse(patch: &str) -> PatchSummary {
    let mut summary = PatchSummary::default();
    let mut saw_begin = false;
    let mut saw_end = false;
    let mut last_update: Option<String> = None;
    let mut diff_old: Option<String> = None;

    for raw in patch.lines() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed == "*** Begin Patch" {
            saw_begin = true;
        } else if trimmed == "*** End Patch" {
            saw_end = true;
        } else if let Some(p) = trimmed.strip_prefix("*** Add File:") {
            push(&mut summary.targets, p, Access::Write);
            last_update = None;
        } else if let Some(p) = trimmed.strip_prefix("*** Update File:") {
            push(&mut summary.targets, p, Access::Write);
            last_update = Some(p.trim().to_owned());
        } else if let Some(p) = trimmed.strip_prefix("*** Delete File:") {
            push(&mut summary.targets, p, Access::Delete);
            last_update = None;
        } else if let Some(q) = trimmed.strip_prefix("*** Move to:") {
            // The old path disappears; the new one is written.
            if let Some(old) = last_update.take() {
                summary.targets.retain(|t| !(t.path == old && t.access == Access::Write));
                push(&mut summary.targets, &old, Access::Delete);
            }
            push(&mut summary.targets, q, Access::Write);
        } else if let Some(old) = line.strip_prefix("--- ") {
            diff_old = Some(diff_path(old));
        } else if let Some(new) = line.strip_prefix("+++ ") {
            let new = diff_path(new);
            match diff_old.take() {
                Some(old) if new == "/dev/null" => push(&mut summary.targets, &old, Access::Delete),
                Some(old) if old != new && old != "/dev/null" => {
                    push(&mut summary.targets, &old, Access::Delete);
                    push(&mut summary.targets, &new, Access::Write);
                }
                _ => push(&mut summary.targets, &new, Access::Write),
            }
        }
    }

    if summary.targets.is_empty() {
        summary.error = Some("patch names no file".to_owned());
    } else if saw_begin != saw_end {
        summary.error =
            Some("patch envelope is not closed (`*** Begin Patch` without `*** End Patch`)".to_owned());
    }
    summary
}

/// `a/src/x.rs\t2024-…` → `src/x.rs`.
fn diff_path(field: &str) -> String {
    let path = field.split('\t').next().unwrap_or_default().trim();
    let path = path.strip_prefix("a/").or_else(|| path.strip_prefix("b/")).unwrap_or(path);
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(path: &str, access: Access) -> PathTarget {
        PathTarget { path: path.to_owned(), access }
    }

    #[test]
    fn codex_envelope() {
        let p = "*** Begin Patch\n*** Add File: new.txt\n+hi\n*** Update File: src/a.rs\n*** Move to: src/b.rs\n@@\n-x\n+y\n*** Delete File: old.rs\n*** End Patch\n";
        let s = parse(p);
        assert_eq!(s.error, None);
        assert_eq!(
            s.targets,
            vec![
                t("new.txt", Access::Write),
                t("src/a.rs", Access::Delete),
                t("src/b.rs", Access::Write),
                t("old.rs", Access::Delete)
            ]
        );
    }

    #[test]
    fn unified_diff() {
        let p = "--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-a\n+b\n--- a/gone\n+++ /dev/null\n--- /dev/null\n+++ b/made\n";
        let s = parse(p);
        assert_eq!(
            s.targets,
            vec![t("x.txt", Access::Write), t("gone", Access::Delete), t("made", Access::Write)]
        );
    }

    #[test]
    fn malformed() {
        assert!(parse("").error.is_some());
        assert!(parse("*** Begin Patch\n*** Add File: a\n").error.is_some());
        assert!(parse("hello world").targets.is_empty());
    }
}
