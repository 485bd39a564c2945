//! Drift: what a scan found compared with what the policy approves (`[approved]` in the policy,
//! docs/drift.md). Each governed artifact is approved, unapproved or changed; each approved
//! entry that no artifact matched is missing. These types are the `drift` section of the
//! `ward scan --format json` document and the findings a fleet server tracks per device.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::artifact::{ArtifactKind, Scope};

/// How one artifact (or one approved entry) compares with the policy's approved lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftStatus {
    /// An approved entry matches the artifact: name and identity (and hash or version, when the
    /// entry pins one).
    Approved,
    /// An approved entry has the artifact's name but its identity, content hash or version
    /// differs: the approved thing was changed, or something took its name.
    Changed,
    /// No approved entry has the artifact's name.
    Unapproved,
    /// An approved entry that no artifact on this machine matches.
    Missing,
}

impl DriftStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftStatus::Approved => "approved",
            DriftStatus::Changed => "changed",
            DriftStatus::Unapproved => "unapproved",
            DriftStatus::Missing => "missing",
        }
    }

    /// Whether an admin should look at it: changed, unapproved, and missing entries the policy
    /// marks `required`.
    pub fn is_finding(self, required: bool) -> bool {
        match self {
            DriftStatus::Approved => false,
            DriftStatus::Changed | DriftStatus::Unapproved => true,
            DriftStatus::Missing => required,
        }
    }
}

impl fmt::Display for DriftStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of drift: an artifact with its status, or an approved entry that is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftResult {
    pub status: DriftStatus,
    pub kind: ArtifactKind,
    /// The artifact's id (absent for `missing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_id: Option<String>,
    /// The artifact's client; for `missing`, empty.
    #[serde(default)]
    pub client: String,
    /// The artifact's name (or the approved entry's name, for `missing`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The artifact's source file (absent for `missing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What was found: command line, URL, `publisher.name`, path; the hash or version that
    /// was compared when the entry pins one is in `actual`.
    #[serde(default)]
    pub identity: String,
    /// The approved entry that decided (`approved.mcp_servers[2] at line 14`), absent
    /// for `unapproved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// For `changed`: what the entry approves (hash, version, identity) and what was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// For `missing`: whether the entry is `required` on every machine (then it is a finding).
    #[serde(default)]
    pub required: bool,
    /// One line an admin can act on.
    pub message: String,
    /// Stable id of this finding on this device, for first-seen/last-seen tracking: SHA-256
    /// (first 8 bytes, hex) over status, kind, client, scope, source, name, identity and what
    /// was found (`actual`); not over the policy's line numbers, so editing the policy keeps it. The same drift gives the same id in every scan; a new change gives a new id.
    pub fingerprint: String,
}

impl DriftResult {
    /// Whether an admin should look at it (see [`DriftStatus::is_finding`]).
    pub fn is_finding(&self) -> bool {
        self.status.is_finding(self.required)
    }

    /// Compute and set [`DriftResult::fingerprint`] from the other fields.
    pub fn with_fingerprint(mut self) -> Self {
        let mut h = Sha256::new();
        let scope = self.scope.map(Scope::as_str).unwrap_or("");
        let fields = [
            self.status.as_str(),
            self.kind.as_str(),
            &self.client,
            scope,
            self.source.as_deref().unwrap_or(""),
            &self.name,
            &self.identity,
            self.actual.as_deref().unwrap_or(""),
        ];
        for part in fields {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        self.fingerprint = hex::encode(&h.finalize()[..8]);
        self
    }
}

/// The `drift` section of a scan report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftReport {
    /// The policy whose `[approved]` lists were compared (a path, or `<builtin>`).
    pub policy: String,
    /// Artifact kinds the policy governs (those with an approved list, even an empty one).
    /// Artifacts of other kinds are not judged.
    pub governed: Vec<ArtifactKind>,
    /// Every governed artifact, then every approved entry that is missing.
    pub results: Vec<DriftResult>,
}

impl DriftReport {
    /// Results an admin should look at.
    pub fn findings(&self) -> impl Iterator<Item = &DriftResult> {
        self.results.iter().filter(|r| r.is_finding())
    }

    pub fn count(&self, status: DriftStatus) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }
}
