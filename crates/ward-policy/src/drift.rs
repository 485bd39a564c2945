//! Approved artifacts and drift: the policy's `[approved]` lists (MCP servers, skills, plugins,
//! extensions, hooks, CLIs; parsed in `approved_compile.rs`) and [`Policy::drift`], which
//! compares a scan's artifacts with them: each governed artifact is approved, changed or
//! unapproved, and each approved entry no artifact matched is missing. docs/drift.md is the
//! user's reference.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ward_model::{Artifact, ArtifactKind, DriftReport, DriftResult, DriftStatus};

use crate::pattern::NameGlob;
use crate::policy::Policy;

/// How one string of an artifact (a command, an argument, a URL, a path) must look:
/// `exact`, `prefix` or `regex` (which must match the whole string), as Codex's
/// requirements.toml `mcp_servers` identities do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ValueMatch {
    Exact(String),
    Prefix(String),
    Regex(WholeRegex),
}

impl ValueMatch {
    pub(crate) fn matches(&self, s: &str) -> bool {
        match self {
            ValueMatch::Exact(v) => s == v,
            ValueMatch::Prefix(p) => s.starts_with(p.as_str()),
            ValueMatch::Regex(r) => r.is_match(s),
        }
    }

    /// As the admin wrote it, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            ValueMatch::Exact(v) => format!("\"{v}\""),
            ValueMatch::Prefix(p) => format!("\"{p}…\""),
            ValueMatch::Regex(r) => format!("/{}/", r.source),
        }
    }
}

/// A regex that must match the whole string (it is anchored when compiled): an approval that
/// matched a substring would approve `https://evil.example/?https://good.example/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WholeRegex {
    source: String,
    #[serde(skip)]
    compiled: OnceLock<Option<regex::Regex>>,
}

impl WholeRegex {
    pub(crate) fn compile(source: &str) -> Result<WholeRegex, regex::Error> {
        let re = WholeRegex::build(source)?;
        Ok(WholeRegex { source: source.to_owned(), compiled: OnceLock::from(Some(re)) })
    }

    fn build(source: &str) -> Result<regex::Regex, regex::Error> {
        regex::RegexBuilder::new(&format!("^(?:{source})$")).size_limit(1 << 20).build()
    }

    fn is_match(&self, s: &str) -> bool {
        // A pattern read from the cache compiled when it was written; if it ever failed to
        // rebuild, nothing is approved by it (the cautious reading for an allowlist).
        match self.compiled.get_or_init(|| WholeRegex::build(&self.source).ok()) {
            Some(re) => re.is_match(s),
            None => false,
        }
    }
}

/// What every approved entry has: where it is (for messages and finding ids), the clients it
/// applies to, and whether it must be present on every machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EntryMeta {
    /// `approved.mcp_servers[1] at line 12`.
    pub(crate) label: String,
    /// Client globs (`codex`, `claude-code`, …); empty: any client.
    pub(crate) clients: Vec<NameGlob>,
    pub(crate) required: bool,
}

impl EntryMeta {
    fn applies_to(&self, client: &str) -> bool {
        self.clients.is_empty() || self.clients.iter().any(|g| g.matches(client))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum McpIdentity {
    /// A stdio server: the executable as configured, and (when given) every argument in order.
    Command { executable: ValueMatch, args: Option<Vec<ValueMatch>> },
    /// A remote server.
    Url(ValueMatch),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct McpEntry {
    pub(crate) meta: EntryMeta,
    pub(crate) name_source: String,
    pub(crate) name: NameGlob,
    pub(crate) identity: McpIdentity,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SkillEntry {
    pub(crate) meta: EntryMeta,
    pub(crate) name_source: String,
    pub(crate) name: NameGlob,
    /// Lower-case hex SHA-256 of the skill folder (`tree_sha256`); empty: any content.
    pub(crate) sha256: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PluginEntry {
    pub(crate) meta: EntryMeta,
    pub(crate) name_source: String,
    pub(crate) name: NameGlob,
    pub(crate) marketplace: Option<String>,
    /// Empty: any version.
    pub(crate) versions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ExtensionEntry {
    pub(crate) meta: EntryMeta,
    /// `publisher.name`, lower-case (editors compare extension ids case-insensitively).
    pub(crate) id: String,
    pub(crate) versions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HookEntry {
    pub(crate) meta: EntryMeta,
    pub(crate) event: Option<NameGlob>,
    pub(crate) command: Option<ValueMatch>,
    pub(crate) url: Option<ValueMatch>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CliEntry {
    pub(crate) meta: EntryMeta,
    pub(crate) name_source: String,
    pub(crate) name: NameGlob,
    pub(crate) path: Option<ValueMatch>,
}

/// The `[approved]` section. A kind whose list is absent is not governed (its artifacts are not
/// judged); a present but empty list approves nothing of that kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Approved {
    pub(crate) mcp_servers: Option<Vec<McpEntry>>,
    pub(crate) skills: Option<Vec<SkillEntry>>,
    pub(crate) plugins: Option<Vec<PluginEntry>>,
    pub(crate) extensions: Option<Vec<ExtensionEntry>>,
    pub(crate) hooks: Option<Vec<HookEntry>>,
    pub(crate) clis: Option<Vec<CliEntry>>,
}

/// How an entry relates to one artifact.
enum Fit {
    /// Not about this artifact (other name, other client).
    None,
    /// Same name, but identity, hash or version differ: (expected, actual).
    Differs(String, String),
    Full,
}

/// The entries of one kind, seen uniformly.
trait Entry {
    fn meta(&self) -> &EntryMeta;
    fn fit(&self, a: &Artifact) -> Fit;
    /// The name an artifact would have, for a missing entry.
    fn shown_name(&self) -> String;
}

fn attr_str<'a>(a: &'a Artifact, key: &str) -> Option<&'a str> {
    a.attributes.get(key).and_then(Value::as_str)
}

fn versions_fit(versions: &[String], found: Option<&str>) -> Fit {
    if versions.is_empty() {
        return Fit::Full;
    }
    match found {
        Some(v) if versions.iter().any(|w| w == v) => Fit::Full,
        found => Fit::Differs(format!("version {}", versions.join(" or ")), {
            found.map_or("no version".to_owned(), |v| format!("version {v}"))
        }),
    }
}

impl Entry for McpEntry {
    fn meta(&self) -> &EntryMeta {
        &self.meta
    }

    fn fit(&self, a: &Artifact) -> Fit {
        if !self.name.matches(&a.name) {
            return Fit::None;
        }
        let command = attr_str(a, "command");
        let url = attr_str(a, "url");
        let args: Vec<&str> = a
            .attributes
            .get("args")
            .and_then(Value::as_array)
            .map(|v| v.iter().map(|x| x.as_str().unwrap_or("")).collect())
            .unwrap_or_default();
        let actual = match (command, url) {
            (Some(c), _) => std::iter::once(c).chain(args.iter().copied()).collect::<Vec<_>>().join(" "),
            (None, Some(u)) => u.to_owned(),
            (None, None) => "no command or URL".to_owned(),
        };
        let ok = match &self.identity {
            McpIdentity::Command { executable, args: want } => {
                command.is_some_and(|c| executable.matches(c))
                    && want.as_ref().is_none_or(|want| {
                        want.len() == args.len() && want.iter().zip(&args).all(|(m, a)| m.matches(a))
                    })
            }
            McpIdentity::Url(m) => url.is_some_and(|u| m.matches(u)),
        };
        if ok {
            Fit::Full
        } else {
            Fit::Differs(self.describe_identity(), actual)
        }
    }

    fn shown_name(&self) -> String {
        self.name_source.clone()
    }
}

impl McpEntry {
    fn describe_identity(&self) -> String {
        match &self.identity {
            McpIdentity::Command { executable, args } => {
                let mut s = format!("command {}", executable.describe());
                if let Some(args) = args {
                    let a: Vec<String> = args.iter().map(ValueMatch::describe).collect();
                    s.push_str(&format!(" args [{}]", a.join(", ")));
                }
                s
            }
            McpIdentity::Url(m) => format!("url {}", m.describe()),
        }
    }
}

impl Entry for SkillEntry {
    fn meta(&self) -> &EntryMeta {
        &self.meta
    }

    fn fit(&self, a: &Artifact) -> Fit {
        if !self.name.matches(&a.name) {
            return Fit::None;
        }
        if self.sha256.is_empty() {
            return Fit::Full;
        }
        match attr_str(a, "tree_sha256") {
            Some(h) if self.sha256.iter().any(|w| w.eq_ignore_ascii_case(h)) => Fit::Full,
            found => Fit::Differs(
                format!("sha256 {}", self.sha256.join(" or ")),
                found
                    .map_or("content that could not be hashed in full".to_owned(), |h| format!("sha256 {h}")),
            ),
        }
    }

    fn shown_name(&self) -> String {
        self.name_source.clone()
    }
}

impl Entry for PluginEntry {
    fn meta(&self) -> &EntryMeta {
        &self.meta
    }

    fn fit(&self, a: &Artifact) -> Fit {
        if !self.name.matches(&a.name) {
            return Fit::None;
        }
        if let Some(m) = &self.marketplace {
            let found = attr_str(a, "marketplace");
            if found != Some(m.as_str()) {
                return Fit::Differs(
                    format!("marketplace {m}"),
                    found.map_or("no marketplace".to_owned(), |f| format!("marketplace {f}")),
                );
            }
        }
        versions_fit(&self.versions, attr_str(a, "version"))
    }

    fn shown_name(&self) -> String {
        match &self.marketplace {
            Some(m) => format!("{}@{m}", self.name_source),
            None => self.name_source.clone(),
        }
    }
}

impl Entry for ExtensionEntry {
    fn meta(&self) -> &EntryMeta {
        &self.meta
    }

    fn fit(&self, a: &Artifact) -> Fit {
        let id = attr_str(a, "id").unwrap_or(&a.name);
        if !id.eq_ignore_ascii_case(&self.id) {
            return Fit::None;
        }
        versions_fit(&self.versions, attr_str(a, "version"))
    }

    fn shown_name(&self) -> String {
        self.id.clone()
    }
}

impl Entry for HookEntry {
    fn meta(&self) -> &EntryMeta {
        &self.meta
    }

    /// A hook has no name of its own: an entry either approves it or is not about it, so a
    /// hook is approved or unapproved, never changed.
    fn fit(&self, a: &Artifact) -> Fit {
        if let Some(e) = &self.event {
            if !attr_str(a, "event").is_some_and(|ev| e.matches(ev)) {
                return Fit::None;
            }
        }
        let ok = match (&self.command, &self.url) {
            (Some(m), _) => attr_str(a, "command").is_some_and(|c| m.matches(c)),
            (None, Some(m)) => attr_str(a, "url").is_some_and(|u| m.matches(u)),
            (None, None) => false,
        };
        if ok {
            Fit::Full
        } else {
            Fit::None
        }
    }

    fn shown_name(&self) -> String {
        match (&self.command, &self.url) {
            (Some(m), _) => format!("command {}", m.describe()),
            (None, Some(m)) => format!("url {}", m.describe()),
            (None, None) => String::new(),
        }
    }
}

impl Entry for CliEntry {
    fn meta(&self) -> &EntryMeta {
        &self.meta
    }

    fn fit(&self, a: &Artifact) -> Fit {
        if !self.name.matches(&a.name) {
            return Fit::None;
        }
        match &self.path {
            Some(m) if !m.matches(&a.identity) => {
                Fit::Differs(format!("path {}", m.describe()), a.identity.clone())
            }
            _ => Fit::Full,
        }
    }

    fn shown_name(&self) -> String {
        self.name_source.clone()
    }
}

impl Policy {
    /// Whether the policy has an `[approved]` list for any artifact kind.
    pub fn governs_artifacts(&self) -> bool {
        self.approved.get().is_some_and(|a| !governed(a).is_empty())
    }

    /// The approved lists present, as `(section, entries)`: `("mcp_servers", 3)`, …, in the
    /// order of docs/drift.md.
    pub fn approved_lists(&self) -> Vec<(&'static str, usize)> {
        let Some(a) = self.approved.get() else { return Vec::new() };
        let lists = [
            ("mcp_servers", a.mcp_servers.as_ref().map(Vec::len)),
            ("skills", a.skills.as_ref().map(Vec::len)),
            ("plugins", a.plugins.as_ref().map(Vec::len)),
            ("extensions", a.extensions.as_ref().map(Vec::len)),
            ("hooks", a.hooks.as_ref().map(Vec::len)),
            ("clis", a.clis.as_ref().map(Vec::len)),
        ];
        lists.into_iter().filter_map(|(name, n)| Some((name, n?))).collect()
    }

    /// Compare a scan's artifacts with the policy's approved lists. `None` when the policy
    /// governs no artifact kind (no `[approved]` list at all).
    pub fn drift(&self, artifacts: &[Artifact]) -> Option<DriftReport> {
        let approved = self.approved.get()?;
        let kinds = governed(approved);
        if kinds.is_empty() {
            return None;
        }
        let mut results = Vec::new();
        if let Some(l) = &approved.mcp_servers {
            judge(ArtifactKind::McpServer, l, artifacts, &mut results);
        }
        if let Some(l) = &approved.skills {
            judge(ArtifactKind::Skill, l, artifacts, &mut results);
        }
        if let Some(l) = &approved.plugins {
            judge(ArtifactKind::Plugin, l, artifacts, &mut results);
        }
        if let Some(l) = &approved.extensions {
            judge(ArtifactKind::Extension, l, artifacts, &mut results);
        }
        if let Some(l) = &approved.hooks {
            judge(ArtifactKind::Hook, l, artifacts, &mut results);
        }
        if let Some(l) = &approved.clis {
            judge(ArtifactKind::Cli, l, artifacts, &mut results);
        }
        Some(DriftReport { policy: self.origin.clone(), governed: kinds, results })
    }
}

fn governed(a: &Approved) -> Vec<ArtifactKind> {
    let mut kinds = Vec::new();
    let pairs = [
        (a.mcp_servers.is_some(), ArtifactKind::McpServer),
        (a.extensions.is_some(), ArtifactKind::Extension),
        (a.skills.is_some(), ArtifactKind::Skill),
        (a.plugins.is_some(), ArtifactKind::Plugin),
        (a.hooks.is_some(), ArtifactKind::Hook),
        (a.clis.is_some(), ArtifactKind::Cli),
    ];
    for (present, kind) in pairs {
        if present {
            kinds.push(kind);
        }
    }
    kinds
}

fn what(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::McpServer => "MCP server",
        ArtifactKind::Skill => "skill",
        ArtifactKind::Plugin => "plugin",
        ArtifactKind::Extension => "extension",
        ArtifactKind::Hook => "hook",
        ArtifactKind::Cli => "CLI",
        ArtifactKind::Agent => "agent",
        ArtifactKind::Secret => "secret",
    }
}

/// Judge every artifact of `kind` against `entries`, then list the entries nothing matched.
fn judge<E: Entry>(kind: ArtifactKind, entries: &[E], artifacts: &[Artifact], out: &mut Vec<DriftResult>) {
    let mut used = vec![false; entries.len()];
    for a in artifacts.iter().filter(|a| a.kind == kind) {
        let mut full = None;
        let mut differs = None;
        for (i, e) in entries.iter().enumerate() {
            if !e.meta().applies_to(&a.client) {
                continue;
            }
            match e.fit(a) {
                Fit::None => {}
                Fit::Full => {
                    full = Some(i);
                    break;
                }
                Fit::Differs(expected, actual) => {
                    if differs.is_none() {
                        differs = Some((i, expected, actual));
                    }
                }
            }
        }
        let base = DriftResult {
            status: DriftStatus::Unapproved,
            kind,
            artifact_id: Some(a.id.clone()),
            client: a.client.clone(),
            name: a.name.clone(),
            scope: Some(a.scope),
            source: Some(a.source.clone()),
            identity: a.identity.clone(),
            entry: None,
            expected: None,
            actual: None,
            required: false,
            message: String::new(),
            fingerprint: String::new(),
        };
        let result = match (full, differs) {
            (Some(i), _) => {
                used[i] = true;
                let label = entries[i].meta().label.clone();
                DriftResult {
                    status: DriftStatus::Approved,
                    message: format!("{} {} is approved by {label}", what(kind), a.name),
                    entry: Some(label),
                    ..base
                }
            }
            (None, Some((i, expected, actual))) => {
                used[i] = true;
                let label = entries[i].meta().label.clone();
                DriftResult {
                    status: DriftStatus::Changed,
                    message: format!(
                        "{} {} ({}, {}) differs from {label}: approved {expected}, found {actual}",
                        what(kind),
                        a.name,
                        a.client,
                        a.source
                    ),
                    entry: Some(label),
                    expected: Some(expected),
                    actual: Some(actual),
                    ..base
                }
            }
            (None, None) => DriftResult {
                message: format!(
                    "{} {} ({}, {}) is not on the policy's approved list",
                    what(kind),
                    a.name,
                    a.client,
                    a.source
                ),
                ..base
            },
        };
        out.push(result.with_fingerprint());
    }
    for (e, _) in entries.iter().zip(&used).filter(|(_, used)| !**used) {
        let meta = e.meta();
        let name = e.shown_name();
        let message = if meta.required {
            format!("required {} {name} ({}) is not present on this machine", what(kind), meta.label)
        } else {
            format!("approved {} {name} ({}) is not present on this machine", what(kind), meta.label)
        };
        out.push(
            DriftResult {
                status: DriftStatus::Missing,
                kind,
                artifact_id: None,
                client: String::new(),
                name,
                scope: None,
                source: None,
                identity: String::new(),
                entry: Some(meta.label.clone()),
                expected: None,
                actual: None,
                required: meta.required,
                message,
                fingerprint: String::new(),
            }
            .with_fingerprint(),
        );
    }
}

/// One artifact of each governed kind, with the attributes drift reads, for the fuzz entry point.
pub(crate) fn fuzz_artifacts() -> Vec<Artifact> {
    use ward_model::Scope;
    vec![
        Artifact::new(
            ArtifactKind::McpServer,
            "codex",
            "github",
            Scope::User,
            "~/.codex/config.toml",
            "https://x/",
        )
        .attr("url", "https://x/"),
        Artifact::new(ArtifactKind::McpServer, "cursor", "fs", Scope::User, "~/.cursor/mcp.json", "npx -y a")
            .attr("command", "npx")
            .attr("args", serde_json::json!(["-y", "a"])),
        Artifact::new(
            ArtifactKind::Skill,
            "codex",
            "pdf",
            Scope::User,
            "~/.codex/skills/pdf/SKILL.md",
            "~/.codex/skills/pdf",
        )
        .attr("tree_sha256", "00".repeat(32)),
        Artifact::new(ArtifactKind::Plugin, "codex", "p", Scope::User, "m", "p@m").attr("version", "1.0.0"),
        Artifact::new(ArtifactKind::Extension, "vscode", "a.b", Scope::User, "e", "a.b").attr("id", "a.b"),
        Artifact::new(ArtifactKind::Hook, "codex", "PreToolUse#0", Scope::User, "h", "ward hook codex")
            .attr("event", "PreToolUse")
            .attr("command", "ward hook codex"),
        Artifact::new(ArtifactKind::Cli, "gh", "gh", Scope::Managed, "/usr/bin/gh", "/usr/bin/gh"),
    ]
}
