//! Every relative link in README.md and docs/*.md resolves to a file or directory inside the
//! repository: a reader of the repository (or of a release tarball) can follow it.

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The targets of inline markdown links `[text](target)` and `![alt](target)`, outside code.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        // Inline code spans are not links.
        let mut visible = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                visible.push_str(part);
            }
        }
        let mut rest = visible.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("").trim_matches(['<', '>']);
            out.push(target.to_owned());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn relative_links_in_readme_and_docs_resolve_inside_the_repository() {
    let root = repo_root();
    let mut files = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p);
        }
    }
    let mut checked = 0;
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for target in link_targets(&text) {
            if target.is_empty()
                || target.starts_with('#')
                || target.contains("://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            let path = target.split('#').next().unwrap();
            let resolved = file.parent().unwrap().join(path);
            checked += 1;
            match resolved.canonicalize() {
                Ok(real) if real.starts_with(&root) => {}
                Ok(real) => broken.push(format!(
                    "{}: {target} leaves the repository ({})",
                    file.display(),
                    real.display()
                )),
                Err(_) => broken.push(format!("{}: {target} does not exist", file.display())),
            }
        }
    }
    assert!(checked > 5, "only {checked} links found: is the parser broken?");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_link_parser_finds_links_and_skips_code() {
    let text = "see [a](docs/a.md#x) and `[b](nope.md)`\n```\n[c](fenced.md)\n```\n![i](img.png \"title\")";
    assert_eq!(link_targets(text), vec!["docs/a.md#x", "img.png"]);
}
