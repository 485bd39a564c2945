//! Inventory types: what `ward scan` finds on a machine and how it is reported.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of the `ward scan --format json` document. Bump on any incompatible change.
pub const SCAN_SCHEMA_VERSION: u32 = 1;

/// The eight kinds of thing Ward inventories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    Agent,
    McpServer,
    Extension,
    Skill,
    Plugin,
    Secret,
    Hook,
    Cli,
}

impl ArtifactKind {
    pub const ALL: [ArtifactKind; 8] = [
        ArtifactKind::Agent,
        ArtifactKind::McpServer,
        ArtifactKind::Extension,
        ArtifactKind::Skill,
        ArtifactKind::Plugin,
        ArtifactKind::Secret,
        ArtifactKind::Hook,
        ArtifactKind::Cli,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Agent => "agent",
            ArtifactKind::McpServer => "mcp_server",
            ArtifactKind::Extension => "extension",
            ArtifactKind::Skill => "skill",
            ArtifactKind::Plugin => "plugin",
            ArtifactKind::Secret => "secret",
            ArtifactKind::Hook => "hook",
            ArtifactKind::Cli => "cli",
        }
    }
}

impl fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an artifact was configured. Managed (admin/system) beats user beats project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Managed,
    User,
    Project,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Managed => "managed",
            Scope::User => "user",
            Scope::Project => "project",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// One risk flag on an artifact, with a one-line explanation an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    /// Stable machine name, kebab-case (`unpinned-package`, `plaintext-secret`, …).
    pub flag: String,
    pub severity: Severity,
    pub explanation: String,
}

impl Risk {
    pub fn new(flag: &str, severity: Severity, explanation: impl Into<String>) -> Self {
        Risk { flag: flag.to_owned(), severity, explanation: explanation.into() }
    }
}

/// One inventoried thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// Stable across scans of the same machine while kind, client, scope, source and name stay
    /// the same, so two snapshots can be diffed by id. See [`Artifact::stable_id`].
    pub id: String,
    pub kind: ArtifactKind,
    /// The program the artifact belongs to (`codex`, `claude-code`, `vscode`, …).
    pub client: String,
    pub name: String,
    pub scope: Scope,
    /// The file or directory the artifact was read from (or the binary found on PATH).
    pub source: String,
    /// What the artifact *is*: command + args, URL, `publisher.name`, path. Never a secret value.
    pub identity: String,
    /// Kind-specific details (version, transport, env var *names*, …). Never a secret value.
    #[serde(default)]
    pub attributes: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub risk: Vec<Risk>,
}

impl Artifact {
    /// Build an artifact; the id is derived from the identifying fields.
    pub fn new(
        kind: ArtifactKind,
        client: &str,
        name: impl Into<String>,
        scope: Scope,
        source: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        let name = name.into();
        let source = source.into();
        let id = Self::stable_id(kind, client, scope, &source, &name);
        Artifact {
            id,
            kind,
            client: client.to_owned(),
            name,
            scope,
            source,
            identity: identity.into(),
            attributes: BTreeMap::new(),
            risk: Vec::new(),
        }
    }

    /// 16 hex chars of SHA-256 over the identifying fields. These fields never hold secret
    /// values (names and paths only), so a plain hash is fine here.
    pub fn stable_id(kind: ArtifactKind, client: &str, scope: Scope, source: &str, name: &str) -> String {
        let mut h = Sha256::new();
        for part in [kind.as_str(), client, scope.as_str(), source, name] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        hex::encode(&h.finalize()[..8])
    }

    pub fn attr(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.attributes.insert(key.to_owned(), value.into());
        self
    }

    pub fn with_risk(mut self, risk: Risk) -> Self {
        self.risk.push(risk);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A config file exists but cannot be parsed; the rest of the scan went on.
    ParseError,
    /// A file or directory could not be read (permissions, I/O).
    Unreadable,
    /// Something an admin should look at that is not tied to one artifact.
    Notice,
}

/// Something the scan could not turn into an artifact, reported instead of failing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub client: String,
    pub source: String,
    /// e.g. `cannot parse ~/.codex/config.toml: line 3, column 7: expected '='`.
    pub message: String,
}

/// The machine a report describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Device {
    pub hostname: String,
    pub os: String,
    pub arch: String,
    pub user: String,
    /// The home directory that was scanned.
    pub home: String,
}

/// The whole `ward scan --format json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub ward_version: String,
    /// RFC 3339 UTC.
    pub generated_at: String,
    pub device: Device,
    pub artifacts: Vec<Artifact>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// The artifacts compared with the policy's approved lists (docs/drift.md); absent when
    /// the policy governs no artifact kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<crate::drift::DriftReport>,
    /// What the scan looked into and what it left out, so a reader knows what "nothing found"
    /// covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
}

/// The reach of one scan: the home, the system root, the `--projects` directories and what the
/// repository search does not enter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Coverage {
    /// Prefix of managed files (`/` on a real machine).
    pub system_root: String,
    /// The `--projects` directories searched for repositories (empty: none, so no repository
    /// was inventoried).
    pub project_dirs: Vec<String>,
    /// Repositories found and inventoried at project scope.
    pub repositories: usize,
    /// How deep below each `--projects` directory repositories are looked for.
    pub max_depth: usize,
    /// Directory names the repository search never enters (hidden directories too).
    pub skipped_dirs: Vec<String>,
    /// How many environment variables that move credential files (`KUBECONFIG`, …) were
    /// followed; they are followed only when the home scanned is the scanning user's own.
    pub credential_env_vars: usize,
}
