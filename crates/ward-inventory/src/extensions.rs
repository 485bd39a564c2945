//! VS Code-family editor extensions: the `<publisher>.<name>-<version>[-<platform>]` folders under
//! `~/.vscode/extensions`, `~/.cursor/extensions`, `~/.windsurf/extensions`, … read from each
//! folder's `package.json`, classified (AI contributions, known publisher) and turned into
//! `extension` artifacts.
//!
//! Other client modules ask [`installed`] whether an extension is present (Cline, Roo Code,
//! Continue and Copilot are extensions). Parsed manifests are cached per `package.json` path and
//! reused while the file's modification time and length stay the same, so several client modules
//! asking in one scan, and repeated scans in the daemon, parse each manifest once.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use serde::de::IgnoredAny;
use serde::Deserialize;
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use crate::context::ScanContext;
use crate::inventory::Inventory;

/// A VS Code-family editor and where (relative to the home) it installs extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Editor {
    /// The client name used on the editor's artifacts.
    pub client: &'static str,
    pub extensions_dir: &'static str,
}

/// Every editor whose extension folder is enumerated, in report order.
pub const EDITORS: [Editor; 7] = [
    Editor { client: "vscode", extensions_dir: ".vscode/extensions" },
    Editor { client: "vscode-insiders", extensions_dir: ".vscode-insiders/extensions" },
    Editor { client: "vscodium", extensions_dir: ".vscode-oss/extensions" },
    // Extensions VS Code Remote (SSH, WSL, containers) runs on this machine as a server.
    Editor { client: "vscode-server", extensions_dir: ".vscode-server/extensions" },
    Editor { client: "cursor", extensions_dir: ".cursor/extensions" },
    Editor { client: "windsurf", extensions_dir: ".windsurf/extensions" },
    // Kiro is a VS Code fork and keeps extensions beside its own config (⚠️ not in the reference).
    Editor { client: "kiro", extensions_dir: ".kiro/extensions" },
];

/// Publishers whose extensions are not flagged. Lower-case marketplace publisher ids of the
/// editor vendors, large platform vendors and the AI agent vendors Ward inventories by name.
pub const KNOWN_PUBLISHERS: &[&str] = &[
    "microsoft",
    "ms-python",
    "ms-toolsai",
    "ms-vscode",
    "ms-vscode-remote",
    "ms-azuretools",
    "ms-dotnettools",
    "ms-kubernetes-tools",
    "ms-mssql",
    "ms-ossdata",
    "ms-playwright",
    "ms-vsliveshare",
    "ms-edgedevtools",
    "vscode",
    "github",
    "redhat",
    "anthropic",
    "openai",
    "google",
    "googlecloudtools",
    "amazonwebservices",
    "saoudrizwan",
    "rooveterinaryinc",
    "continue",
    "anysphere",
    "codeium",
    "windsurf",
    "golang",
    "rust-lang",
    "vscjava",
    "dbaeumer",
    "esbenp",
    "eamodio",
    "hashicorp",
    "docker",
    "gitlab",
    "atlassian",
    "jetbrains",
    "mongodb",
    "oracle",
    "ibm",
    "sonarsource",
    "snyk-security",
    "vscodevim",
    "llvm-vs-code-extensions",
    "dart-code",
    "svelte",
    "vue",
    "bradlc",
    "prisma",
    "tamasfe",
    "timonwong",
    "streetsidesoftware",
];

/// Extensions that are AI agents or assistants even when their manifest contributes none of the
/// chat APIs (they bring their own UI).
pub const KNOWN_AI_EXTENSIONS: &[&str] = &[
    "github.copilot",
    "github.copilot-chat",
    "saoudrizwan.claude-dev",
    "rooveterinaryinc.roo-cline",
    "continue.continue",
    "anthropic.claude-code",
    "openai.chatgpt",
    "google.gemini-cli-vscode-ide-companion",
    "google.geminicodeassist",
    "googlecloudtools.cloudcode",
    "amazonwebservices.amazon-q-vscode",
    "amazonwebservices.aws-toolkit-vscode",
    "codeium.codeium",
    "codeium.windsurfpyright",
    "tabnine.tabnine-vscode",
    "sourcegraph.cody-ai",
    "kilocode.kilo-code",
    "supermaven.supermaven",
    "blackboxapp.blackbox",
    "ms-toolsai.vscode-ai",
];

/// One installed extension, as read from its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledExtension {
    /// The editor client (`vscode`, `cursor`, …).
    pub editor: &'static str,
    /// `publisher.name`, lower-case (marketplace ids are case-insensitive).
    pub id: String,
    /// Publisher and name as written in the manifest.
    pub publisher: String,
    pub name: String,
    pub version: String,
    pub display_name: Option<String>,
    /// The `-<platform>` suffix of the folder (`linux-x64`, `darwin-arm64`, …), if any.
    pub target_platform: Option<String>,
    pub dir: PathBuf,
    /// Which AI-relevant contributions the manifest declares, plus `known-ai-extension`.
    pub ai_features: Vec<&'static str>,
    /// `SKILL.md` files the extension contributes (`contributes.chatSkills`), inside `dir`.
    pub skills: Vec<PathBuf>,
}

impl InstalledExtension {
    pub fn contributes_ai(&self) -> bool {
        !self.ai_features.is_empty()
    }

    pub fn known_publisher(&self) -> bool {
        is_known_publisher(&self.publisher)
    }
}

pub fn is_known_publisher(publisher: &str) -> bool {
    let p = publisher.to_ascii_lowercase();
    KNOWN_PUBLISHERS.contains(&p.as_str())
}

/// An extension folder whose manifest could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestProblem {
    pub editor: &'static str,
    pub manifest: PathBuf,
    pub message: String,
}

/// Every extension installed in every editor of [`EDITORS`] for one home.
#[derive(Debug, Clone, Default)]
pub struct ExtensionIndex {
    pub extensions: Vec<InstalledExtension>,
    pub problems: Vec<ManifestProblem>,
}

impl ExtensionIndex {
    /// Installations of `id` (case-insensitive `publisher.name`) in any editor.
    pub fn find<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a InstalledExtension> + 'a {
        let id = id.to_ascii_lowercase();
        self.extensions.iter().filter(move |e| e.id == id)
    }

    /// The installation of `id` in `editor`; the highest version when several are present.
    pub fn in_editor(&self, editor: &str, id: &str) -> Option<&InstalledExtension> {
        self.find(id).filter(|e| e.editor == editor).max_by(|a, b| compare_versions(&a.version, &b.version))
    }

    pub fn for_editor<'a>(&'a self, editor: &'a str) -> impl Iterator<Item = &'a InstalledExtension> + 'a {
        self.extensions.iter().filter(move |e| e.editor == editor)
    }
}

/// The extensions installed under `cx.home`, for every editor. Manifests unchanged since an
/// earlier call are not parsed again.
pub fn installed(cx: &ScanContext) -> ExtensionIndex {
    let mut index = ExtensionIndex::default();
    for editor in EDITORS {
        let dir = cx.home_path(editor.extensions_dir);
        let (exts, problems) = enumerate_dir_with(&dir, editor.client, Some(manifest_cache()));
        index.extensions.extend(exts);
        index.problems.extend(problems);
    }
    index
}

/// Enumerate one extensions folder without the cache (used by benchmarks and tools that look
/// at a single folder). A missing folder yields nothing.
pub fn enumerate_dir(dir: &Path, editor: &'static str) -> (Vec<InstalledExtension>, Vec<ManifestProblem>) {
    enumerate_dir_with(dir, editor, None)
}

/// Record the `extension` artifacts of one editor, the skills its extensions contribute, and a
/// finding per unreadable manifest.
pub fn scan_editor_extensions(cx: &ScanContext, inv: &mut Inventory, index: &ExtensionIndex, editor: &str) {
    // Two versions side by side (an update not yet cleaned up): the editor runs the newest.
    let mut newest: HashMap<&str, &InstalledExtension> = HashMap::new();
    for ext in index.for_editor(editor) {
        let slot = newest.entry(ext.id.as_str()).or_insert(ext);
        if compare_versions(&ext.version, &slot.version).is_gt() {
            *slot = ext;
        }
    }
    for ext in index.for_editor(editor) {
        if newest.get(ext.id.as_str()).is_some_and(|n| n.dir != ext.dir) {
            continue;
        }
        inv.push(extension_artifact(cx, ext));
        for skill in &ext.skills {
            let before = inv.artifacts.len();
            crate::skills::scan_skill_file(cx, inv, editor, Scope::User, skill);
            for a in inv.artifacts.iter_mut().skip(before) {
                a.attributes.insert("extension".into(), ext.id.clone().into());
            }
        }
    }
    for p in index.problems.iter().filter(|p| p.editor == editor) {
        inv.parse_error(editor, &cx.display(&p.manifest), &p.message);
    }
}

/// The `extension` artifact for one installed extension, with its risk flags.
pub fn extension_artifact(cx: &ScanContext, ext: &InstalledExtension) -> Artifact {
    // The source is the extensions folder, not the versioned sub-folder, so the artifact id stays
    // the same across updates and a version change shows as a change, not a removal.
    let source = ext.dir.parent().map(|d| cx.display(d)).unwrap_or_default();
    let mut art = Artifact::new(ArtifactKind::Extension, ext.editor, &ext.id, Scope::User, source, &ext.id)
        .attr("path", cx.display(&ext.dir))
        .attr("publisher", ext.publisher.as_str())
        .attr("id", format!("{}.{}", ext.publisher, ext.name))
        .attr("version", ext.version.as_str())
        .attr("ai_features", ext.ai_features.clone())
        .attr("contributes_ai", ext.contributes_ai());
    if let Some(d) = &ext.display_name {
        art = art.attr("display_name", d.as_str());
    }
    if let Some(p) = &ext.target_platform {
        art = art.attr("target_platform", p.as_str());
    }
    if !ext.known_publisher() {
        art = if ext.contributes_ai() {
            art.with_risk(Risk::new(
                "unknown-publisher",
                Severity::Medium,
                format!(
                    "AI-capable extension ({}) from publisher `{}`, which is not on the known-publisher list; it can give an agent tools or act as one",
                    ext.ai_features.join(", "),
                    ext.publisher
                ),
            ))
        } else {
            art.with_risk(Risk::new(
                "unknown-publisher",
                Severity::Low,
                format!(
                    "extension from publisher `{}`, which is not on the known-publisher list; extensions run with the user's full rights",
                    ext.publisher
                ),
            ))
        };
    }
    art
}

// ---------------------------------------------------------------------------------------------
// Manifest parsing

/// The few `package.json` fields inventory needs; serde skips everything else without building
/// it, which keeps a 500 KB manifest cheap.
#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    publisher: Lenient,
    #[serde(default)]
    name: Lenient,
    #[serde(default)]
    version: Lenient,
    #[serde(default, rename = "displayName")]
    display_name: Lenient,
    #[serde(default)]
    contributes: Option<Contributes>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Contributes {
    #[serde(rename = "mcpServerDefinitionProviders")]
    mcp_server_definition_providers: Option<IgnoredAny>,
    #[serde(rename = "languageModelTools")]
    language_model_tools: Option<IgnoredAny>,
    #[serde(rename = "chatParticipants")]
    chat_participants: Option<IgnoredAny>,
    /// Kept (it is small) to find the `SKILL.md` files the extension contributes.
    #[serde(rename = "chatSkills")]
    chat_skills: Option<serde_json::Value>,
    #[serde(rename = "languageModelChatProviders")]
    language_model_chat_providers: Option<IgnoredAny>,
}

/// A string field that tolerates any other JSON type (kept as absent) instead of failing the
/// whole manifest.
#[derive(Default)]
struct Lenient(Option<String>);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum StrOrOther {
            Str(String),
            Other(IgnoredAny),
        }
        Ok(match StrOrOther::deserialize(d)? {
            StrOrOther::Str(s) => Lenient(Some(s)),
            StrOrOther::Other(_) => Lenient(None),
        })
    }
}

/// What one extension `package.json` says, independent of the folder it sits in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionManifest {
    pub publisher: String,
    pub name: String,
    pub version: String,
    /// As written; `%key%` placeholders are resolved from `package.nls.json` by the enumeration.
    pub display_name: Option<String>,
    pub ai_features: Vec<&'static str>,
    /// `contributes.chatSkills` paths, relative to the extension folder.
    pub skill_paths: Vec<String>,
}

/// Parse an extension `package.json`. Any other JSON shape, or a manifest without `publisher`
/// and `name`, is an error whose message gives the position and never quotes content.
pub fn parse_manifest(bytes: &[u8]) -> Result<ExtensionManifest, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let m: Manifest = serde_json::from_slice(bytes).map_err(|e| crate::read::json_error(&e))?;
    let (Some(publisher), Some(name)) = (m.publisher.0, m.name.0) else {
        return Err("package.json has no `publisher` and `name`".to_owned());
    };
    let id = format!("{publisher}.{name}").to_ascii_lowercase();
    let mut ai_features = Vec::new();
    if let Some(c) = &m.contributes {
        for (present, feature) in [
            (c.mcp_server_definition_providers.is_some(), "mcpServerDefinitionProviders"),
            (c.language_model_tools.is_some(), "languageModelTools"),
            (c.chat_participants.is_some(), "chatParticipants"),
            (c.chat_skills.is_some(), "chatSkills"),
            (c.language_model_chat_providers.is_some(), "languageModelChatProviders"),
        ] {
            if present {
                ai_features.push(feature);
            }
        }
    }
    if KNOWN_AI_EXTENSIONS.contains(&id.as_str()) {
        ai_features.push("known-ai-extension");
    }
    // `chatSkills: [{"path": "./skills/x/SKILL.md"}]` (plain strings accepted too).
    let skill_paths = match m.contributes.as_ref().and_then(|c| c.chat_skills.as_ref()) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().or_else(|| i.get("path").and_then(|p| p.as_str())))
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    Ok(ExtensionManifest {
        publisher,
        name,
        version: m.version.0.unwrap_or_default(),
        display_name: m.display_name.0,
        ai_features,
        skill_paths,
    })
}

/// `%displayName%` placeholders are resolved from `package.nls.json`; only then is that file read.
fn resolve_nls(value: &str, dir: &Path) -> String {
    let Some(key) = value.strip_prefix('%').and_then(|v| v.strip_suffix('%')) else {
        return value.to_owned();
    };
    let Ok(bytes) = std::fs::read(dir.join("package.nls.json")) else { return value.to_owned() };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let Ok(map) = serde_json::from_slice::<HashMap<String, serde_json::Value>>(bytes) else {
        return value.to_owned();
    };
    match map.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(o)) => {
            o.get("message").and_then(|m| m.as_str()).unwrap_or(value).to_owned()
        }
        _ => value.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Folder enumeration and the manifest cache

struct CachedManifest {
    modified: Option<SystemTime>,
    len: u64,
    parsed: Arc<Result<ExtensionManifest, String>>,
}

type ManifestCache = Mutex<HashMap<PathBuf, CachedManifest>>;

fn manifest_cache() -> &'static ManifestCache {
    static CACHE: OnceLock<ManifestCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn enumerate_dir_with(
    dir: &Path,
    editor: &'static str,
    cache: Option<&ManifestCache>,
) -> (Vec<InstalledExtension>, Vec<ManifestProblem>) {
    let mut exts = Vec::new();
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return (exts, problems) };
    let obsolete = obsolete_folders(dir);
    let mut folders: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            if name.starts_with('.') || obsolete.contains(&name) {
                return None;
            }
            // Follow symlinks (extensions under development are often linked in).
            let is_dir = match e.file_type() {
                Ok(t) if t.is_dir() => true,
                Ok(t) if t.is_symlink() => e.path().is_dir(),
                _ => false,
            };
            is_dir.then(|| (name, e.path()))
        })
        .collect();
    folders.sort();

    let mut seen = HashSet::with_capacity(folders.len());
    for (folder, path) in folders {
        let manifest = path.join("package.json");
        let Ok(meta) = std::fs::metadata(&manifest) else {
            // A folder without a manifest is a half-finished install or not an extension.
            continue;
        };
        if meta.len() > crate::read::MAX_CONFIG_BYTES {
            problems.push(ManifestProblem {
                editor,
                manifest,
                message: format!("file is {} bytes, larger than a manifest can be", meta.len()),
            });
            continue;
        }
        let parsed = lookup_or_parse(cache, &manifest, &meta, &path);
        seen.insert(manifest.clone());
        match parsed.as_ref() {
            Ok(m) => exts.push(InstalledExtension {
                editor,
                id: format!("{}.{}", m.publisher, m.name).to_ascii_lowercase(),
                publisher: m.publisher.clone(),
                name: m.name.clone(),
                version: m.version.clone(),
                display_name: m.display_name.clone(),
                target_platform: platform_suffix(&folder, &m.publisher, &m.name, &m.version),
                skills: contained_paths(&path, &m.skill_paths),
                dir: path,
                ai_features: m.ai_features.clone(),
            }),
            Err(msg) => problems.push(ManifestProblem { editor, manifest, message: msg.clone() }),
        }
    }
    if let Some(cache) = cache {
        // Forget manifests of extensions removed from this folder since the last scan.
        let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
        c.retain(|p, _| !p.starts_with(dir) || seen.contains(p));
    }
    (exts, problems)
}

fn lookup_or_parse(
    cache: Option<&ManifestCache>,
    manifest: &Path,
    meta: &std::fs::Metadata,
    dir: &Path,
) -> Arc<Result<ExtensionManifest, String>> {
    let modified = meta.modified().ok();
    if let Some(cache) = cache {
        let c = cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = c.get(manifest) {
            if hit.modified == modified && hit.len == meta.len() && modified.is_some() {
                return Arc::clone(&hit.parsed);
            }
        }
    }
    let parsed = Arc::new(match std::fs::read(manifest) {
        Ok(bytes) => parse_manifest(&bytes).map(|mut m| {
            m.display_name = m.display_name.map(|d| resolve_nls(&d, dir));
            m
        }),
        Err(e) => Err(format!("cannot read: {e}")),
    });
    if let Some(cache) = cache {
        let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
        c.insert(
            manifest.to_path_buf(),
            CachedManifest { modified, len: meta.len(), parsed: Arc::clone(&parsed) },
        );
    }
    parsed
}

/// The relative `paths` joined onto `dir`, dropping any that would leave it (`..`, absolute).
fn contained_paths(dir: &Path, paths: &[String]) -> Vec<PathBuf> {
    paths
        .iter()
        .map(Path::new)
        .filter(|p| p.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)))
        .map(|p| dir.join(p))
        .collect()
}

/// Folders VS Code has uninstalled but not yet deleted, listed in `<dir>/.obsolete` as
/// `{"<folder>": true}`.
fn obsolete_folders(dir: &Path) -> Vec<String> {
    let Ok(bytes) = std::fs::read(dir.join(".obsolete")) else { return Vec::new() };
    match serde_json::from_slice::<HashMap<String, serde_json::Value>>(&bytes) {
        Ok(map) => map.into_iter().filter(|(_, v)| v.as_bool() != Some(false)).map(|(k, _)| k).collect(),
        Err(_) => Vec::new(),
    }
}

/// `github.copilot-chat-0.30.1-linux-x64` → `linux-x64`.
fn platform_suffix(folder: &str, publisher: &str, name: &str, version: &str) -> Option<String> {
    let prefix = format!("{publisher}.{name}-{version}-");
    let lower = folder.to_ascii_lowercase();
    if version.is_empty() || !lower.starts_with(&prefix.to_ascii_lowercase()) {
        return None;
    }
    let suffix = folder.get(prefix.len()..)?;
    (!suffix.is_empty()).then(|| suffix.to_owned())
}

/// Order dotted versions numerically (`1.10.0` > `1.9.3`); non-numeric parts compare as text.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<(u64, String)> {
        v.split(['.', '-', '+'])
            .map(|p| {
                let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
                (digits.parse().unwrap_or(0), p.to_owned())
            })
            .collect()
    };
    parts(a).cmp(&parts(b))
}

/// Synthetic extension folders for benchmarks and tests.
pub mod testing {
    use std::path::Path;

    /// Write `count` extension folders into `dir`, shaped like real ones: a `package.json` of a
    /// few KB with `contributes` (every tenth one AI-capable, every seventh platform-specific).
    pub fn generate_extensions(dir: &Path, count: usize) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let commands: Vec<String> = (0..40)
            .map(|c| format!(r#"{{"command":"ext.cmd{c}","title":"Command number {c} of this extension"}}"#))
            .collect();
        for i in 0..count {
            let publisher = if i % 3 == 0 { "ms-python" } else { "somevendor" };
            let name = format!("tool{i}");
            let version = format!("1.{}.{}", i % 13, i % 7);
            let folder = if i % 7 == 0 {
                format!("{publisher}.{name}-{version}-linux-x64")
            } else {
                format!("{publisher}.{name}-{version}")
            };
            let ext_dir = dir.join(folder);
            std::fs::create_dir_all(&ext_dir)?;
            let ai = if i % 10 == 0 { r#","languageModelTools":[{"name":"t"}]"# } else { "" };
            let manifest = format!(
                r#"{{"name":"{name}","displayName":"Tool {i}","publisher":"{publisher}","version":"{version}",
"engines":{{"vscode":"^1.90.0"}},"main":"./dist/extension.js","activationEvents":["onStartupFinished"],
"contributes":{{"commands":[{}]{ai}}},"scripts":{{"build":"tsc -p ."}},"devDependencies":{{"typescript":"^5.4.0"}}}}"#,
                commands.join(",")
            );
            std::fs::write(ext_dir.join("package.json"), manifest)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_fields_and_ai_features() {
        let m = parse_manifest(
            br#"{"publisher":"Acme","name":"helper","version":"1.2.3","displayName":"Helper",
                "contributes":{"languageModelTools":[{"name":"t"}],"commands":[]},"engines":{"vscode":"^1.90"}}"#,
        )
        .unwrap();
        assert_eq!(m.publisher, "Acme");
        assert_eq!(m.ai_features, vec!["languageModelTools"]);
        assert_eq!(m.display_name.as_deref(), Some("Helper"));
    }

    #[test]
    fn lenient_field_types_and_broken_manifests() {
        let m = parse_manifest(br#"{"publisher":"a","name":"b","version":3}"#).unwrap();
        assert_eq!(m.version, "");
        assert!(parse_manifest(br#"{"name":"b"}"#).is_err());
        let err = parse_manifest(b"{\"publisher\": \"a\",\n \"token\": \"ghp_PLANTED\" \"x\"}").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
        assert!(!err.contains("PLANTED"));
        assert!(parse_manifest(b"").is_err());
        assert!(parse_manifest(b"[]").is_err());
    }

    #[test]
    fn platform_suffix_from_folder() {
        assert_eq!(
            platform_suffix("GitHub.copilot-chat-0.30.1-linux-x64", "GitHub", "copilot-chat", "0.30.1"),
            Some("linux-x64".to_owned())
        );
        assert_eq!(platform_suffix("ms-python.python-2024.1.0", "ms-python", "python", "2024.1.0"), None);
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(compare_versions("1.10.0", "1.9.3").is_gt());
        assert!(compare_versions("0.30.1", "0.30.1").is_eq());
    }

    /// Drives the fuzz target's function with seeded mutations of a real manifest, so CI
    /// exercises it without cargo-fuzz: no panic, and no error message quotes the input.
    #[test]
    fn mutated_manifests_never_panic_or_leak() {
        let base =
            br#"{"name":"copilot-chat","publisher":"GitHub","version":"0.30.1","displayName":"%displayName%",
"contributes":{"chatParticipants":[{"id":"a"}],"languageModelTools":[{"name":"t"}]},"token":"PLANTEDvalue"}"#;
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"{}[]\":,0123456789truefalsenul \\\n\xff\xc3";
        let mut parsed_ok = 0;
        for _ in 0..4000 {
            let mut input = base.to_vec();
            for _ in 0..(next() % 6 + 1) {
                let len = input.len().max(1);
                let pos = (next() as usize) % len;
                let byte = alphabet[(next() as usize) % alphabet.len()];
                match next() % 4 {
                    0 if pos < input.len() => input[pos] = byte,
                    1 => input.insert(pos.min(input.len()), byte),
                    2 if pos < input.len() => {
                        input.remove(pos);
                    }
                    _ => input.truncate(pos),
                }
            }
            match parse_manifest(&input) {
                Ok(_) => parsed_ok += 1,
                Err(msg) => assert!(!msg.contains("PLANTED"), "{msg}"),
            }
        }
        assert!(parsed_ok > 0, "some mutations keep the manifest valid");
    }
}
