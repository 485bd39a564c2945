//! The collector a scan writes into: artifacts and findings.

use std::path::Path;

use ward_model::{Artifact, Finding, FindingKind};

#[derive(Debug, Default)]
pub struct Inventory {
    pub artifacts: Vec<Artifact>,
    pub findings: Vec<Finding>,
}

impl Inventory {
    pub fn push(&mut self, artifact: Artifact) {
        self.artifacts.push(artifact);
    }

    pub fn finding(&mut self, kind: FindingKind, client: &str, source: &str, message: impl Into<String>) {
        self.findings.push(Finding {
            kind,
            client: client.to_owned(),
            source: source.to_owned(),
            message: message.into(),
        });
    }

    /// Add `key = value` to every artifact pushed since `start` (an earlier `artifacts.len()`),
    /// e.g. the plugin or project a batch of artifacts came from.
    pub fn tag_since(&mut self, start: usize, key: &str, value: impl Into<serde_json::Value>) {
        let value = value.into();
        for art in self.artifacts.iter_mut().skip(start) {
            art.attributes.insert(key.to_owned(), value.clone());
        }
    }

    /// Record that `path` exists but cannot be parsed.
    pub fn parse_error(&mut self, client: &str, shown_path: &str, detail: impl std::fmt::Display) {
        let msg = format!("cannot parse {shown_path}: {detail}");
        self.finding(FindingKind::ParseError, client, shown_path, msg);
    }

    pub fn unreadable(&mut self, client: &str, path: &Path, shown_path: &str, err: &std::io::Error) {
        let _ = path;
        self.finding(FindingKind::Unreadable, client, shown_path, format!("cannot read {shown_path}: {err}"));
    }

    /// Sort artifacts by kind, client, scope, name, source and drop exact-id duplicates (the same
    /// file reached through two roots), so output is deterministic.
    pub fn finish(&mut self) {
        self.artifacts.sort_by(|a, b| {
            (a.kind, &a.client, a.scope, &a.name, &a.source)
                .cmp(&(b.kind, &b.client, b.scope, &b.name, &b.source))
        });
        self.artifacts.dedup_by(|a, b| a.id == b.id);
        self.findings.sort_by(|a, b| (&a.source, &a.message).cmp(&(&b.source, &b.message)));
        self.findings.dedup();
    }
}
