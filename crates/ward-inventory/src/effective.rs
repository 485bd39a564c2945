//! Effective configuration: what an agent actually runs with in one project, computed the way
//! the agent computes it, with the file each value came from — and whether Ward is registered
//! as its hook, where, and whether the agent will run that hook (Codex's hook trust).
//!
//! - Codex (reference/codex.md §1.1, §2, §3.5): config layers system `/etc/codex/config.toml` <
//!   user `$CODEX_HOME/config.toml` < the selected legacy profile `[profiles.<profile>]` <
//!   project `.codex/config.toml` (only when the project is trusted; some keys never apply from a
//!   project) < legacy `managed_config.toml` < MDM `config_toml_base64`; then requirements
//!   (`requirements.toml` < legacy managed config read as requirements < MDM
//!   `requirements_toml_base64`) constrain the result, a disallowed value falling back to the
//!   first allowed one.
//! - Claude Code (reference/agents.md §1.2): user < project < local project < managed; scalar
//!   keys from the highest layer, permission rule lists merged.
//! - Gemini CLI: system defaults < user < project < system settings.
//! - Cursor: every hooks file runs (enterprise, user, project).
//!
//! Reading never fails: an unreadable or broken file is a warning and is skipped, as the agents
//! themselves mostly do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::locations::Locations;
use crate::sanitize::scrub_text;

/// One effective setting and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    pub value: Value,
    /// The file (or "default") that decided the value.
    pub source: String,
    /// How it was decided when not simply read (a requirements fallback, a default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One place a hook that runs Ward is registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookPlace {
    pub file: String,
    /// `managed`, `user` or `project`.
    pub scope: &'static str,
    pub command: String,
    /// The program the command runs (its first shell word, quotes removed).
    pub program: String,
    /// Registered timeout in seconds (converted from milliseconds for Gemini CLI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// Whether the agent runs it: `managed`, `trusted`, `active`, or why not (`untrusted`,
    /// `modified`, `disabled`, `skipped: …`).
    pub state: String,
    pub runs: bool,
}

/// An agent's effective configuration for one project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effective {
    pub agent: &'static str,
    /// Settings by the agent's own (dotted) key.
    pub settings: BTreeMap<String, Setting>,
    /// Where a Ward hook is registered (running or not).
    pub ward_hooks: Vec<HookPlace>,
    /// Files read, lowest precedence first.
    pub layers: Vec<String>,
    /// Files present but not applied, with the reason.
    pub ignored: Vec<String>,
    pub warnings: Vec<String>,
    /// MCP servers the agent starts here, after its own admin allowlists.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mcp_servers: Vec<ward_model::Artifact>,
    /// Configured MCP servers the agent's own allowlist keeps from starting, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mcp_blocked: Vec<String>,
    /// Managed settings that come from a source Ward cannot read or trust locally (Claude Code's
    /// server-managed settings, an MDM profile Ward does not decode): the check cannot prove the
    /// floor there, and says so instead of claiming compliance.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverifiable: Vec<String>,
    /// Parts of the agent that run without Ward although Ward is registered elsewhere in it
    /// (a Windsurf `pre_*` event, an Amazon Q agent file): calls there are not decided.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncovered: Vec<String>,
}

impl Effective {
    pub fn new(agent: &'static str) -> Effective {
        Effective {
            agent,
            settings: BTreeMap::new(),
            ward_hooks: Vec::new(),
            layers: Vec::new(),
            ignored: Vec::new(),
            warnings: Vec::new(),
            mcp_servers: Vec::new(),
            mcp_blocked: Vec::new(),
            unverifiable: Vec::new(),
            uncovered: Vec::new(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.get(key)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|s| s.value.as_str())
    }

    /// Whether the agent runs a Ward hook.
    pub fn ward_runs(&self) -> bool {
        self.ward_hooks.iter().any(|h| h.runs)
    }

    /// Record a setting. String values are scrubbed: a permission rule or a command line can
    /// carry a credential, and nothing here may hold a secret value.
    fn set(&mut self, key: &str, value: Value, source: &str) {
        self.settings.insert(
            key.to_owned(),
            Setting { value: scrubbed(value), source: source.to_owned(), note: None },
        );
    }
}

fn scrubbed(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(scrub_text(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(scrubbed).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, scrubbed(v))).collect()),
        other => other,
    }
}

/// Whether a hook command runs Ward's hook: its program is named `ward` (any directory, quoted
/// or not) and its first argument is `hook`.
pub fn is_ward_hook_command(command: &str) -> bool {
    let words = shell_words(command, 2);
    let Some(program) = words.first() else { return false };
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    matches!(name, "ward" | "ward.exe") && words.get(1).map(String::as_str) == Some("hook")
}

/// The program a hook command runs.
pub fn program_of(command: &str) -> String {
    shell_words(command, 1).into_iter().next().unwrap_or_default()
}

/// The first `limit` words of a POSIX shell command, quotes removed.
fn shell_words(command: &str, limit: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                cur.extend(chars.by_ref().take_while(|q| *q != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => cur.extend(chars.next()),
                        q => cur.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                    if words.len() == limit {
                        return words;
                    }
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// The trust hash Codex computes for one command hook (codex-rs `command_hook_hash` with
/// `version_for_toml`): SHA-256 of the compact, key-sorted JSON of
/// `{event_name, matcher?, hooks: [{type, command, timeout, async, statusMessage?}]}` with the
/// timeout filled in (600 s default, at least 1) and absent fields dropped, as `sha256:<hex>`.
pub fn codex_trust_hash(event_name: &str, matcher: Option<&str>, command: &str, timeout_secs: u64) -> String {
    codex_trust_hash_of(event_name, matcher, command, Some(timeout_secs), false, None)
}

fn codex_trust_hash_of(
    event_name: &str,
    matcher: Option<&str>,
    command: &str,
    timeout_secs: Option<u64>,
    is_async: bool,
    status_message: Option<&str>,
) -> String {
    let mut handler = json!({
        "async": is_async,
        "command": command,
        "timeout": timeout_secs.unwrap_or(600).max(1),
        "type": "command",
    });
    if let Some(m) = status_message {
        handler["statusMessage"] = json!(m);
    }
    let mut identity = json!({"event_name": event_name, "hooks": [handler]});
    if let Some(m) = matcher {
        identity["matcher"] = json!(m);
    }
    let digest = Sha256::digest(canonical(&identity).to_string().as_bytes());
    format!("sha256:{}", hex::encode(digest))
}

/// Keys sorted at every level (serde_json's map is already sorted unless `preserve_order` is
/// enabled somewhere in the build; this makes the hash independent of that).
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The key Codex stores a user hook's trust state under.
pub fn codex_state_key(hooks_file: &str, event: &str, group: usize, handler: usize) -> String {
    format!("{hooks_file}:{event}:{group}:{handler}")
}

// ------------------------------------------------------------------------------------------
// Reading.

fn shown(loc: &Locations, path: &Path) -> String {
    match path.strip_prefix(&loc.home) {
        Ok(rel) => format!("~/{}", rel.display()),
        Err(_) => path.display().to_string(),
    }
}

fn read_toml(eff: &mut Effective, loc: &Locations, path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    match text.parse::<toml::Table>() {
        Ok(t) => {
            eff.layers.push(shown(loc, path));
            serde_json::to_value(t).ok()
        }
        Err(e) => {
            eff.warnings.push(format!(
                "{}: not valid TOML ({}); skipped",
                shown(loc, path),
                scrub_text(e.message())
            ));
            None
        }
    }
}

fn read_json(eff: &mut Effective, loc: &Locations, path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    match crate::read::parse_jsonc(&text) {
        Ok(v) if v.is_object() => {
            eff.layers.push(shown(loc, path));
            Some(v)
        }
        _ => {
            eff.warnings.push(format!("{}: not a valid JSON object; skipped", shown(loc, path)));
            None
        }
    }
}

/// Every scalar (and array) leaf of `v` under dotted keys.
fn leaves(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaves(&key, v, out);
            }
        }
        other => out.push((prefix.to_owned(), other.clone())),
    }
}

fn get<'v>(v: &'v Value, dotted: &str) -> Option<&'v Value> {
    dotted.split('.').try_fold(v, |v, k| v.get(k))
}

// ------------------------------------------------------------------------------------------
// Codex.

/// Keys Codex ignores in a project `.codex/config.toml` (`PROJECT_LOCAL_CONFIG_DENYLIST`).
const CODEX_PROJECT_DENYLIST: &[&str] = &[
    "openai_base_url",
    "chatgpt_base_url",
    "apps_mcp_product_sku",
    "model_provider",
    "model_providers",
    "notify",
    "profile",
    "profiles",
    "experimental_realtime_webrtc_call_base_url",
    "experimental_realtime_ws_base_url",
    "otel",
];

/// The Codex settings the floor check compares (others are merged but not reported).
const CODEX_KEYS: &[&str] = &[
    "approval_policy",
    "sandbox_mode",
    "web_search",
    "sandbox_workspace_write.network_access",
    "approvals_reviewer",
];

/// The MDM payload of `com.openai.codex` as Codex reads it: `(config, requirements)` TOML texts.
fn codex_mdm(eff: &mut Effective, loc: &Locations) -> (Option<String>, Option<String>) {
    let path = loc.codex_mdm_plist();
    let Ok(bytes) = std::fs::read(&path) else { return (None, None) };
    let dict: plist::Dictionary = match plist::from_bytes(&bytes) {
        Ok(d) => d,
        Err(e) => {
            eff.warnings.push(format!("{}: not a property list ({e}); skipped", path.display()));
            return (None, None);
        }
    };
    let mut take = |key: &str| {
        let b64 = dict.get(key)?.as_string()?;
        match decode_base64(b64).and_then(|b| String::from_utf8(b).ok()) {
            Some(t) => Some(t),
            None => {
                eff.warnings.push(format!("{}: {key} is not base64 of UTF-8 text; skipped", path.display()));
                None
            }
        }
    };
    (take("config_toml_base64"), take("requirements_toml_base64"))
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s.iter().take_while(|c| **c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn toml_text_value(eff: &mut Effective, what: &str, text: &str) -> Option<Value> {
    match text.parse::<toml::Table>() {
        Ok(t) => {
            eff.layers.push(what.to_owned());
            serde_json::to_value(t).ok()
        }
        Err(e) => {
            eff.warnings.push(format!("{what}: not valid TOML ({}); skipped", scrub_text(e.message())));
            None
        }
    }
}

/// Whether Codex treats `project` as trusted: `[projects."<path>"] trust_level` in the merged
/// system and user config, for the project root as given or with symlinks resolved.
pub fn codex_project_trust(merged: &Value, project: &Path) -> Option<String> {
    let projects = merged.get("projects")?.as_object()?;
    let real = std::fs::canonicalize(project).ok();
    projects.iter().find_map(|(k, v)| {
        let p = Path::new(k);
        let same = p == project
            || real.as_deref().is_some_and(|r| std::fs::canonicalize(p).ok().as_deref() == Some(r) || p == r);
        same.then(|| v.get("trust_level")?.as_str().map(str::to_owned)).flatten()
    })
}

/// Codex's effective configuration in `project` (or outside any project).
pub fn codex(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("codex");
    // (layer value, source name), lowest precedence first.
    let mut layers: Vec<(Value, String)> = Vec::new();
    let system = loc.codex_system_config();
    if let Some(v) = read_toml(&mut eff, loc, &system) {
        layers.push((v, shown(loc, &system)));
    }
    let user_path = loc.codex_user_config();
    let user = read_toml(&mut eff, loc, &user_path);
    if let Some(v) = &user {
        layers.push((v.clone(), shown(loc, &user_path)));
        if let Some(name) = v.get("profile").and_then(Value::as_str) {
            match v.get("profiles").and_then(|p| p.get(name)) {
                Some(profile) => {
                    layers.push((profile.clone(), format!("{} [profiles.{name}]", shown(loc, &user_path))))
                }
                None => eff
                    .warnings
                    .push(format!("profile `{name}` is selected but [profiles.{name}] is missing")),
            }
        }
    }
    // Trust comes from the system and user layers merged.
    let mut trust_view = json!({});
    for (v, _) in &layers {
        merge(&mut trust_view, v);
    }
    let mut trusted = false;
    if let Some(root) = project {
        let trust = codex_project_trust(&trust_view, root);
        trusted = trust.as_deref() == Some("trusted");
        eff.set(
            "projects.trust_level",
            trust.clone().map_or(Value::Null, Value::String),
            &if trust.is_some() { shown(loc, &user_path) } else { "no trust decision".to_owned() },
        );
        let path = Locations::codex_project_config(root);
        if path.is_file() {
            if trusted {
                if let Some(mut v) = read_toml(&mut eff, loc, &path) {
                    if let Some(m) = v.as_object_mut() {
                        for k in CODEX_PROJECT_DENYLIST {
                            if m.remove(*k).is_some() {
                                eff.ignored
                                    .push(format!("{}: `{k}` never applies from a project", path.display()));
                            }
                        }
                    }
                    layers.push((v, path.display().to_string()));
                }
            } else {
                eff.ignored.push(format!(
                    "{}: ignored, the project is not trusted ({})",
                    path.display(),
                    trust.map_or("no trust decision".to_owned(), |t| format!("trust_level = {t}"))
                ));
            }
        }
    }
    let managed_cfg = loc.codex_managed_config();
    let legacy_managed = read_toml(&mut eff, loc, &managed_cfg);
    if let Some(v) = &legacy_managed {
        layers.push((v.clone(), shown(loc, &managed_cfg)));
    }
    let (mdm_config, mdm_requirements) = codex_mdm(&mut eff, loc);
    let mdm_name = format!("{} (config_toml_base64)", loc.codex_mdm_plist().display());
    if let Some(v) = mdm_config.and_then(|t| toml_text_value(&mut eff, &mdm_name, &t)) {
        layers.push((v, mdm_name));
    }

    // Effective value per key: the highest layer that sets it.
    for (layer, source) in &layers {
        let mut out = Vec::new();
        leaves("", layer, &mut out);
        for (key, value) in out {
            if CODEX_KEYS.contains(&key.as_str()) {
                eff.set(&key, value, source);
            }
        }
    }

    // Cloud-managed requirements and config (ChatGPT Business/Enterprise): fetched from the
    // organization's configuration server and cached, signed, in
    // `$CODEX_HOME/cloud-config-bundle-cache.json` (the name read in Codex 0.171's binary). They
    // rank above requirements.toml; Ward does not decode the bundle.
    let cloud = loc.codex_home().join("cloud-config-bundle-cache.json");
    if cloud.is_file() {
        eff.unverifiable.push(format!(
            "Codex takes requirements and managed config from your organization's configuration server (cached in {}); they outrank {} and Ward cannot read them",
            shown(loc, &cloud),
            shown(loc, &loc.codex_requirements())
        ));
    }

    // Requirements, lowest first: system file, legacy managed config, MDM.
    let mut req: BTreeMap<&str, (Value, String)> = BTreeMap::new();
    let req_path = loc.codex_requirements();
    let system_req = read_toml(&mut eff, loc, &req_path);
    let mut req_layers: Vec<(Value, String)> = Vec::new();
    if let Some(v) = &system_req {
        req_layers.push((v.clone(), shown(loc, &req_path)));
    }
    if let Some(v) = &legacy_managed {
        let mut as_req = json!({});
        if let Some(a) = v.get("approval_policy") {
            as_req["allowed_approval_policies"] = json!([a]);
        }
        if let Some(s) = v.get("sandbox_mode") {
            as_req["allowed_sandbox_modes"] = json!(["read-only", s]);
        }
        req_layers.push((as_req, format!("{} (as requirements)", shown(loc, &managed_cfg))));
    }
    let mdm_req_name = format!("{} (requirements_toml_base64)", loc.codex_mdm_plist().display());
    if let Some(v) = mdm_requirements.and_then(|t| toml_text_value(&mut eff, &mdm_req_name, &t)) {
        req_layers.push((v, mdm_req_name));
    }
    for (layer, source) in &req_layers {
        for key in [
            "allowed_approval_policies",
            "allowed_sandbox_modes",
            "allowed_web_search_modes",
            "allowed_approvals_reviewers",
            "allow_managed_hooks_only",
            "permissions.filesystem.deny_read",
            "hooks",
        ] {
            if let Some(v) = get(layer, key) {
                req.insert(key, (v.clone(), source.clone()));
            }
        }
    }
    for key in [
        "allowed_approval_policies",
        "allowed_sandbox_modes",
        "allowed_web_search_modes",
        "allowed_approvals_reviewers",
    ] {
        if let Some((v, src)) = req.get(key) {
            eff.set(&format!("requirements.{key}"), v.clone(), src);
        }
    }
    if let Some((v, src)) = req.get("allow_managed_hooks_only") {
        eff.set("requirements.allow_managed_hooks_only", v.clone(), src);
    }
    if let Some((v, src)) = req.get("permissions.filesystem.deny_read") {
        eff.set("requirements.permissions.filesystem.deny_read", v.clone(), src);
    }

    // MCP servers: `mcp_servers` tables merge by key through the config layers; requirements
    // `mcp_servers` (merged the same way) then allow only matching name + identity.
    let mut merged_mcp = json!({});
    for (layer, source) in &layers {
        for (name, entry) in layer.get("mcp_servers").and_then(Value::as_object).into_iter().flatten() {
            let slot =
                merged_mcp.as_object_mut().expect("an object").entry(name.clone()).or_insert(json!({}));
            merge(slot, entry);
            slot["__source"] = json!(source);
        }
    }
    let mut req_mcp: Option<Value> = None;
    for (layer, _) in &req_layers {
        if let Some(m) = layer.get("mcp_servers") {
            merge(req_mcp.get_or_insert_with(|| json!({})), m);
        }
    }
    let configured: Vec<crate::effective_mcp::Configured> = merged_mcp
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, entry)| {
            let source = entry["__source"].as_str().unwrap_or_default().to_owned();
            let scope = if source.ends_with(".codex/config.toml") && !source.starts_with("~/") {
                ward_model::Scope::Project
            } else if source.starts_with('~') {
                ward_model::Scope::User
            } else {
                ward_model::Scope::Managed
            };
            let mut entry = entry.clone();
            if let Some(m) = entry.as_object_mut() {
                m.remove("__source");
            }
            crate::effective_mcp::Configured { name: name.clone(), entry, source, scope }
        })
        .collect();
    let (started, blocked) = crate::effective_mcp::apply("codex", configured, |_, a| {
        crate::effective_mcp::codex_verdict(req_mcp.as_ref(), a)
    });
    eff.mcp_servers = started;
    eff.mcp_blocked = blocked;

    // Defaults, then constraints.
    if eff.get("approval_policy").is_none() {
        eff.settings.insert(
            "approval_policy".into(),
            Setting {
                value: json!("on-request"),
                source: "default".into(),
                note: Some("Codex's default".into()),
            },
        );
    }
    if eff.get("sandbox_mode").is_none() {
        let has_decision = eff.get("projects.trust_level").is_some_and(|s| !s.value.is_null());
        let mode = if has_decision { "workspace-write" } else { "read-only" };
        let note = if has_decision {
            "default for a project with a trust decision"
        } else {
            "default without a trust decision"
        };
        eff.settings.insert(
            "sandbox_mode".into(),
            Setting { value: json!(mode), source: "default".into(), note: Some(note.into()) },
        );
    }
    if eff.get("web_search").is_none() {
        eff.settings.insert(
            "web_search".into(),
            Setting {
                value: json!("cached"),
                source: "default".into(),
                note: Some("Codex's default".into()),
            },
        );
    }
    if eff.get("approvals_reviewer").is_none() {
        eff.settings.insert(
            "approvals_reviewer".into(),
            Setting { value: json!("user"), source: "default".into(), note: Some("Codex's default".into()) },
        );
    }
    constrain(&mut eff, &req, "approval_policy", "allowed_approval_policies", |_| None);
    constrain(&mut eff, &req, "approvals_reviewer", "allowed_approvals_reviewers", |_| None);
    constrain(&mut eff, &req, "sandbox_mode", "allowed_sandbox_modes", |_| Some("read-only"));
    constrain(&mut eff, &req, "web_search", "allowed_web_search_modes", |allowed| {
        ["cached", "live"].into_iter().find(|m| allowed.iter().any(|a| a == m)).or(Some("disabled"))
    });

    // Hooks. The `hooks` feature (alias `codex_hooks`) switches every hook off when false,
    // unless requirements pin it.
    let mut hooks_feature: Option<(bool, String)> = None;
    for (layer, source) in &layers {
        for key in ["features.codex_hooks", "features.hooks"] {
            if let Some(b) = get(layer, key).and_then(Value::as_bool) {
                hooks_feature = Some((b, source.clone()));
            }
        }
    }
    for (layer, source) in &req_layers {
        for key in ["features.hooks", "feature_requirements.hooks"] {
            if let Some(b) = get(layer, key).and_then(Value::as_bool) {
                hooks_feature = Some((b, source.clone()));
            }
        }
    }
    if let Some((b, src)) = &hooks_feature {
        eff.set("features.hooks", json!(b), src);
    }
    let managed_only = req.get("allow_managed_hooks_only").and_then(|(v, _)| v.as_bool()) == Some(true);
    if let Some((hooks, src)) = req.get("hooks") {
        for (i, group) in hooks.get("PreToolUse").and_then(Value::as_array).into_iter().flatten().enumerate()
        {
            for h in group.get("hooks").and_then(Value::as_array).into_iter().flatten() {
                if let Some(cmd) =
                    h.get("command").and_then(Value::as_str).filter(|c| is_ward_hook_command(c))
                {
                    let _ = i;
                    eff.ward_hooks.push(HookPlace {
                        file: src.clone(),
                        scope: "managed",
                        command: scrub_text(cmd),
                        program: program_of(cmd),
                        timeout_secs: h.get("timeout").and_then(Value::as_u64),
                        state: "managed".into(),
                        runs: true,
                    });
                }
            }
        }
    }
    let hook_states = user.as_ref().and_then(|u| get(u, "hooks.state")).cloned().unwrap_or(Value::Null);
    for (file, scope, managed) in [
        (loc.codex_managed_dir().join("hooks.json"), "managed", true),
        (loc.codex_user_hooks(), "user", false),
    ] {
        codex_hooks_file(&mut eff, loc, &file, scope, managed, managed_only, &hook_states);
    }
    if let Some(root) = project {
        let file = root.join(".codex/hooks.json");
        if file.is_file() && !trusted {
            eff.ignored.push(format!("{}: ignored, the project is not trusted", file.display()));
        } else {
            codex_hooks_file(&mut eff, loc, &file, "project", false, managed_only, &hook_states);
        }
    }
    if let Some((false, src)) = &hooks_feature {
        for h in &mut eff.ward_hooks {
            h.runs = false;
            h.state = format!("skipped: features.hooks = false in {src}");
        }
    }
    eff
}

/// Apply a requirements allowlist to `key`: a disallowed value falls back to the first allowed
/// one (or to `fallback(allowed)` when Codex uses another rule for that key).
fn constrain(
    eff: &mut Effective,
    req: &BTreeMap<&str, (Value, String)>,
    key: &str,
    req_key: &str,
    fallback: impl Fn(&[String]) -> Option<&'static str>,
) {
    let Some((allowed, src)) = req.get(req_key) else { return };
    let allowed: Vec<String> = allowed
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let Some(current) = eff.get(key).cloned() else { return };
    let value = current.value.as_str().unwrap_or_default().to_owned();
    if allowed.contains(&value) {
        return;
    }
    let replacement = fallback(&allowed).map(str::to_owned).or_else(|| allowed.first().cloned());
    if let Some(r) = replacement {
        eff.settings.insert(
            key.to_owned(),
            Setting {
                value: json!(r),
                source: src.clone(),
                note: Some(format!(
                    "{value} from {} is not allowed by requirements; Codex falls back",
                    current.source
                )),
            },
        );
    }
}

fn codex_hooks_file(
    eff: &mut Effective,
    loc: &Locations,
    file: &Path,
    scope: &'static str,
    managed: bool,
    managed_only: bool,
    states: &Value,
) {
    let Some(doc) = read_json(eff, loc, file) else { return };
    let key_path = file.to_string_lossy().into_owned();
    let real_key = file
        .parent()
        .and_then(|p| std::fs::canonicalize(p).ok())
        .map(|p| p.join("hooks.json").to_string_lossy().into_owned());
    for (g, group) in doc
        .get("hooks")
        .and_then(|h| h.get("PreToolUse"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let matcher = group.get("matcher").and_then(Value::as_str);
        for (h, handler) in group.get("hooks").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let Some(cmd) =
                handler.get("command").and_then(Value::as_str).filter(|c| is_ward_hook_command(c))
            else {
                continue;
            };
            let timeout = handler.get("timeout").and_then(Value::as_u64);
            let (state, runs) = if managed {
                ("managed".to_owned(), true)
            } else if managed_only {
                ("skipped: requirements allow managed hooks only".to_owned(), false)
            } else {
                let hash = codex_trust_hash_of(
                    "pre_tool_use",
                    matcher,
                    cmd,
                    timeout,
                    handler.get("async").and_then(Value::as_bool).unwrap_or(false),
                    handler.get("statusMessage").and_then(Value::as_str),
                );
                let entry = [Some(&key_path), real_key.as_ref()]
                    .into_iter()
                    .flatten()
                    .find_map(|k| states.get(codex_state_key(k, "pre_tool_use", g, h)));
                match entry {
                    Some(e) if e.get("enabled").and_then(Value::as_bool) == Some(false) => {
                        ("disabled".into(), false)
                    }
                    Some(e) if e.get("trusted_hash").and_then(Value::as_str) == Some(hash.as_str()) => {
                        ("trusted".into(), true)
                    }
                    Some(e) if e.get("trusted_hash").is_some() => {
                        ("modified: the trusted hash does not match; Codex skips it".into(), false)
                    }
                    _ => ("untrusted: no [hooks.state] entry; Codex skips it".into(), false),
                }
            };
            eff.ward_hooks.push(HookPlace {
                file: shown(loc, file),
                scope,
                command: scrub_text(cmd),
                program: program_of(cmd),
                timeout_secs: timeout,
                state,
                runs,
            });
        }
    }
}

/// Recursive table merge, `over` winning (codex-rs `merge_toml_values`).
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

// ------------------------------------------------------------------------------------------
// Claude Code.

const CLAUDE_SCALARS: &[&str] = &[
    "permissions.defaultMode",
    "permissions.disableBypassPermissionsMode",
    "allowManagedHooksOnly",
    "disableAllHooks",
    "sandbox.enabled",
];
const CLAUDE_LISTS: &[&str] = &["permissions.deny", "permissions.ask", "sandbox.filesystem.denyRead"];

/// Claude Code's effective settings in `project`.
pub fn claude_code(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("claude-code");
    let mut layers: Vec<(Value, String, &'static str)> = Vec::new();
    let user = loc.claude_user_settings();
    if let Some(v) = read_json(&mut eff, loc, &user) {
        layers.push((v, shown(loc, &user), "user"));
    }
    if let Some(root) = project {
        for path in Locations::claude_project_settings(root) {
            if let Some(v) = read_json(&mut eff, loc, &path) {
                layers.push((v, path.display().to_string(), "project"));
            }
        }
    }
    let managed = loc.claude_managed_settings();
    let mut managed_files = vec![managed.clone()];
    let dropins = loc.claude_managed_dir().join("managed-settings.d");
    if let Ok(rd) = std::fs::read_dir(&dropins) {
        let mut files: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        managed_files.extend(files);
    }
    // Within the managed tier the first source that delivers any policy key wins and the others
    // are skipped: server-managed settings (claude.ai admin console), then the MDM profile /
    // registry, then the files. Claude Code 2.1 caches the server's copy in
    // `<config dir>/remote-settings.json` (read in its binary).
    let remote = loc.claude_dir().join("remote-settings.json");
    let remote_doc = std::fs::read_to_string(&remote)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()));
    let mdm = loc.system_path("/Library/Managed Preferences/com.anthropic.claudecode.plist");
    let files_skipped_by = if let Some(doc) = remote_doc {
        eff.unverifiable.push(format!(
            "Claude Code takes its managed settings from Anthropic's server (admin console); Ward read the cached copy {} but cannot prove the server still delivers it, and Claude Code then skips managed-settings.json",
            shown(loc, &remote)
        ));
        eff.layers.push(shown(loc, &remote));
        layers.push((doc, format!("{} (server-managed, cached)", shown(loc, &remote)), "managed"));
        Some("server-managed settings")
    } else if mdm.is_file() {
        eff.unverifiable.push(format!(
            "an MDM profile delivers Claude Code's managed settings ({}); Ward does not decode it, and Claude Code then skips managed-settings.json",
            mdm.display()
        ));
        Some("the MDM profile")
    } else {
        None
    };
    for path in managed_files {
        if let Some(by) = files_skipped_by {
            if path.is_file() {
                eff.ignored
                    .push(format!("{}: skipped by Claude Code, {by} deliver the policy", shown(loc, &path)));
            }
            continue;
        }
        if let Some(v) = read_json(&mut eff, loc, &path) {
            layers.push((v, shown(loc, &path), "managed"));
        }
    }
    for (layer, source, _) in &layers {
        for key in CLAUDE_SCALARS {
            if let Some(v) = get(layer, key) {
                eff.set(key, v.clone(), source);
            }
        }
    }
    for key in CLAUDE_LISTS {
        let mut items: Vec<Value> = Vec::new();
        let mut sources: Vec<String> = Vec::new();
        for (layer, source, _) in &layers {
            if let Some(list) = get(layer, key).and_then(Value::as_array) {
                for item in list {
                    if !items.contains(item) {
                        items.push(item.clone());
                    }
                }
                if !list.is_empty() {
                    sources.push(source.clone());
                }
            }
        }
        if !items.is_empty() {
            eff.set(key, Value::Array(items), &sources.join(" + "));
        }
    }
    let managed_true = |k: &str| {
        layers.iter().any(|(v, _, s)| *s == "managed" && get(v, k).and_then(Value::as_bool) == Some(true))
    };
    let managed_only = managed_true("allowManagedHooksOnly");
    let all_off_managed = managed_true("disableAllHooks");
    let all_off_other = layers
        .iter()
        .any(|(v, _, s)| *s != "managed" && get(v, "disableAllHooks").and_then(Value::as_bool) == Some(true));
    for (layer, source, scope) in &layers {
        for group in get(layer, "hooks.PreToolUse").and_then(Value::as_array).into_iter().flatten() {
            for h in group.get("hooks").and_then(Value::as_array).into_iter().flatten() {
                let Some(cmd) = h.get("command").and_then(Value::as_str).filter(|c| is_ward_hook_command(c))
                else {
                    continue;
                };
                let (state, runs) = if all_off_managed {
                    ("skipped: managed disableAllHooks".to_owned(), false)
                } else if *scope == "managed" {
                    ("managed".to_owned(), true)
                } else if managed_only {
                    ("skipped: managed allowManagedHooksOnly".to_owned(), false)
                } else if all_off_other {
                    ("skipped: disableAllHooks".to_owned(), false)
                } else {
                    ("active".to_owned(), true)
                };
                eff.ward_hooks.push(HookPlace {
                    file: source.clone(),
                    scope,
                    command: scrub_text(cmd),
                    program: program_of(cmd),
                    timeout_secs: h.get("timeout").and_then(Value::as_u64),
                    state,
                    runs,
                });
            }
        }
    }
    claude_mcp(&mut eff, loc, project, &layers);
    eff
}

/// Claude Code's MCP servers: user scope (`~/.claude.json` `mcpServers`), local scope (its
/// `projects["<root>"].mcpServers`), project `.mcp.json`; a managed `managed-mcp.json` takes
/// exclusive control. Allow and deny lists come from every settings layer.
fn claude_mcp(
    eff: &mut Effective,
    loc: &Locations,
    project: Option<&Path>,
    layers: &[(Value, String, &'static str)],
) {
    use ward_model::Scope;
    let managed_mcp = loc.claude_managed_dir().join("managed-mcp.json");
    let mut maps: Vec<(Value, String, Scope)> = Vec::new();
    if let Some(doc) = read_json(eff, loc, &managed_mcp) {
        maps.push((
            doc.get("mcpServers").cloned().unwrap_or(Value::Null),
            shown(loc, &managed_mcp),
            Scope::Managed,
        ));
    } else {
        let state = loc.claude_state_file();
        if let Some(doc) = read_json(eff, loc, &state) {
            maps.push((
                doc.get("mcpServers").cloned().unwrap_or(Value::Null),
                shown(loc, &state),
                Scope::User,
            ));
            if let Some(root) = project {
                let local = doc
                    .get("projects")
                    .and_then(Value::as_object)
                    .and_then(|p| p.get(root.to_string_lossy().as_ref()))
                    .and_then(|p| p.get("mcpServers"))
                    .cloned();
                if let Some(local) = local {
                    maps.push((
                        local,
                        format!("{} [projects.{}]", shown(loc, &state), root.display()),
                        Scope::Project,
                    ));
                }
            }
        }
        if let Some(root) = project {
            let path = root.join(".mcp.json");
            if let Some(doc) = read_json(eff, loc, &path) {
                maps.push((
                    doc.get("mcpServers").cloned().unwrap_or(Value::Null),
                    path.display().to_string(),
                    Scope::Project,
                ));
            }
        }
    }
    let mut allowed: Option<Vec<Value>> = None;
    let mut denied: Vec<Value> = Vec::new();
    for (layer, _, _) in layers {
        if let Some(a) = layer.get("allowedMcpServers").and_then(Value::as_array) {
            allowed.get_or_insert_with(Vec::new).extend(a.iter().cloned());
        }
        if let Some(d) = layer.get("deniedMcpServers").and_then(Value::as_array) {
            denied.extend(d.iter().cloned());
        }
    }
    let configured = crate::effective_mcp::replace_by_name(
        maps.iter().map(|(m, s, sc)| (Some(m), s.clone(), *sc)).collect(),
    );
    let (started, blocked) = crate::effective_mcp::apply("claude-code", configured, |_, a| {
        crate::effective_mcp::claude_verdict(allowed.as_deref(), &denied, a)
    });
    eff.mcp_servers = started;
    eff.mcp_blocked = blocked;
}

// ------------------------------------------------------------------------------------------
// Gemini CLI and Cursor.

/// Gemini CLI's effective settings in `project`.
pub fn gemini_cli(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("gemini-cli");
    let mut layers: Vec<(Value, String, &'static str)> = Vec::new();
    let defaults = loc.gemini_system_dir().join("system-defaults.json");
    for (path, scope) in [(defaults, "managed"), (loc.gemini_user_settings(), "user")] {
        if let Some(v) = read_json(&mut eff, loc, &path) {
            layers.push((v, shown(loc, &path), scope));
        }
    }
    if let Some(root) = project {
        let path = Locations::gemini_project_settings(root);
        if let Some(v) = read_json(&mut eff, loc, &path) {
            layers.push((v, path.display().to_string(), "project"));
        }
    }
    let system = loc.gemini_system_settings();
    if let Some(v) = read_json(&mut eff, loc, &system) {
        layers.push((v, shown(loc, &system), "managed"));
    }
    for (layer, source, _) in &layers {
        for key in ["security.disableYoloMode", "hooksConfig.enabled", "tools.exclude", "tools.sandbox"] {
            if let Some(v) = get(layer, key) {
                eff.set(key, v.clone(), source);
            }
        }
    }
    let hooks_off = eff.get("hooksConfig.enabled").is_some_and(|s| s.value == json!(false));
    // MCP servers: the highest settings file that defines a name wins; `mcp.allowed` and
    // `mcp.excluded` (scalars: the highest file that sets them) filter by name.
    let maps = layers.iter().map(|(v, s, sc)| (v.get("mcpServers"), s.clone(), scope_of(sc))).collect();
    let configured = crate::effective_mcp::replace_by_name(maps);
    let mut allowed: Option<Vec<Value>> = None;
    let mut excluded: Vec<Value> = Vec::new();
    for (layer, _, _) in &layers {
        if let Some(a) = get(layer, "mcp.allowed").and_then(Value::as_array) {
            allowed = Some(a.clone());
        }
        if let Some(x) = get(layer, "mcp.excluded").and_then(Value::as_array) {
            excluded = x.clone();
        }
    }
    let (started, blocked) = crate::effective_mcp::apply("gemini-cli", configured, |_, a| {
        crate::effective_mcp::gemini_verdict(allowed.as_deref(), &excluded, a)
    });
    eff.mcp_servers = started;
    eff.mcp_blocked = blocked;
    // `hooksConfig.disabled` merges by union across every settings file (Gemini's settings
    // schema, `mergeStrategy: "union"`, read in Gemini CLI 0.61's bundle): no file can take an
    // entry back out, so a name listed by the user or by a project's settings turns that hook
    // off whatever the system file says. A hook's name is its `name`, else its `command`.
    let mut disabled: Vec<(String, String)> = Vec::new();
    for (layer, source, _) in &layers {
        for name in get(layer, "hooksConfig.disabled").and_then(Value::as_array).into_iter().flatten() {
            if let Some(n) = name.as_str() {
                disabled.push((n.to_owned(), source.clone()));
            }
        }
    }
    if !disabled.is_empty() {
        let names: Vec<Value> = disabled.iter().map(|(n, _)| json!(n)).collect();
        let mut sources: Vec<&str> = disabled.iter().map(|(_, s)| s.as_str()).collect();
        sources.dedup();
        eff.set("hooksConfig.disabled", Value::Array(names), &sources.join(" + "));
    }
    for (layer, source, scope) in &layers {
        for group in get(layer, "hooks.BeforeTool").and_then(Value::as_array).into_iter().flatten() {
            for h in group.get("hooks").and_then(Value::as_array).into_iter().flatten() {
                let Some(cmd) = h.get("command").and_then(Value::as_str).filter(|c| is_ward_hook_command(c))
                else {
                    continue;
                };
                let name = h.get("name").and_then(Value::as_str).unwrap_or(cmd);
                let off_by = disabled.iter().find(|(n, _)| n == name);
                let (state, runs) = if hooks_off {
                    ("skipped: hooksConfig.enabled = false".to_owned(), false)
                } else if let Some((n, src)) = off_by {
                    (format!("disabled: hooksConfig.disabled lists `{}` in {src}", scrub_text(n)), false)
                } else {
                    ("active".to_owned(), true)
                };
                eff.ward_hooks.push(HookPlace {
                    file: source.clone(),
                    scope,
                    command: scrub_text(cmd),
                    program: program_of(cmd),
                    timeout_secs: h.get("timeout").and_then(Value::as_u64).map(|ms| ms / 1000),
                    state,
                    runs,
                });
            }
        }
    }
    eff
}

fn scope_of(scope: &str) -> ward_model::Scope {
    match scope {
        "managed" => ward_model::Scope::Managed,
        "project" => ward_model::Scope::Project,
        _ => ward_model::Scope::User,
    }
}

/// Cursor's hooks in `project` (enterprise, user and project files all run), and its MCP
/// servers (`~/.cursor/mcp.json`, the project's `.cursor/mcp.json` winning by name).
pub fn cursor(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("cursor");
    let mut mcp_files = vec![(loc.cursor_dir().join("mcp.json"), ward_model::Scope::User)];
    if let Some(root) = project {
        mcp_files.push((root.join(".cursor/mcp.json"), ward_model::Scope::Project));
    }
    let mut mcp_docs = Vec::new();
    for (path, scope) in mcp_files {
        if let Some(doc) = read_json(&mut eff, loc, &path) {
            mcp_docs.push((doc, shown(loc, &path), scope));
        }
    }
    let configured = crate::effective_mcp::replace_by_name(
        mcp_docs.iter().map(|(d, s, sc)| (d.get("mcpServers"), s.clone(), *sc)).collect(),
    );
    (eff.mcp_servers, eff.mcp_blocked) = crate::effective_mcp::apply("cursor", configured, |_, _| None);
    let mut files = vec![(loc.cursor_enterprise_hooks(), "managed"), (loc.cursor_user_hooks(), "user")];
    if let Some(root) = project {
        files.push((Locations::cursor_project_hooks(root), "project"));
    }
    for (path, scope) in files {
        let Some(doc) = read_json(&mut eff, loc, &path) else { continue };
        for (event, list) in doc.get("hooks").and_then(Value::as_object).into_iter().flatten() {
            for h in list.as_array().into_iter().flatten() {
                let Some(cmd) = h.get("command").and_then(Value::as_str).filter(|c| is_ward_hook_command(c))
                else {
                    continue;
                };
                let fail_closed = h.get("failClosed").and_then(Value::as_bool).unwrap_or(false);
                eff.set(&format!("hooks.{event}.failClosed"), json!(fail_closed), &shown(loc, &path));
                eff.ward_hooks.push(HookPlace {
                    file: shown(loc, &path),
                    scope,
                    command: scrub_text(cmd),
                    program: program_of(cmd),
                    timeout_secs: h.get("timeout").and_then(Value::as_u64),
                    state: format!("active ({event})"),
                    runs: true,
                });
            }
        }
    }
    eff
}

// ------------------------------------------------------------------------------------------
// The other agents `ward hook` answers: where Ward is registered (they have no floor keys Ward
// checks yet).

/// The Ward handlers of one hooks object (`event → [group | handler]`) for `events`, with
/// the keys that hold a command and the unit of the timeout key (`(key, ms per unit)`).
#[allow(clippy::too_many_arguments)] // one call per file format; a struct would only rename them
fn push_ward_handlers(
    eff: &mut Effective,
    file: &str,
    scope: &'static str,
    hooks: Option<&Value>,
    events: &[&str],
    command_keys: &[&str],
    timeout: (&str, u64),
    state: &str,
    runs: bool,
) {
    let Some(hooks) = hooks.and_then(Value::as_object) else { return };
    for event in events {
        for item in hooks.get(*event).and_then(Value::as_array).into_iter().flatten() {
            let handlers: Vec<&Value> = match item.get("hooks").and_then(Value::as_array) {
                Some(hs) => hs.iter().collect(),
                None => vec![item],
            };
            for h in handlers {
                let Some(cmd) = command_keys
                    .iter()
                    .find_map(|k| h.get(*k).and_then(Value::as_str).filter(|c| is_ward_hook_command(c)))
                else {
                    continue;
                };
                let timeout_secs =
                    h.get(timeout.0).and_then(Value::as_u64).map(|t| t.saturating_mul(timeout.1) / 1000);
                eff.ward_hooks.push(HookPlace {
                    file: file.to_owned(),
                    scope,
                    command: scrub_text(cmd),
                    program: program_of(cmd),
                    timeout_secs,
                    state: if events.len() > 1 { format!("{state} ({event})") } else { state.to_owned() },
                    runs,
                });
            }
        }
    }
}

fn json_files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Copilot CLI: `*.json` in the user and project hooks folders, and the `hooks` key of its
/// settings; every source runs.
pub fn copilot_cli(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("copilot-cli");
    let keys = ["bash", "powershell", "command"];
    let mut files: Vec<(PathBuf, &'static str)> =
        json_files_in(&loc.copilot_user_hooks_dir()).into_iter().map(|f| (f, "user")).collect();
    files.push((loc.copilot_user_settings(), "user"));
    if let Some(root) = project {
        files.extend(
            json_files_in(&Locations::copilot_project_hooks_dir(root)).into_iter().map(|f| (f, "project")),
        );
    }
    for (path, scope) in files {
        let Some(doc) = read_json(&mut eff, loc, &path) else { continue };
        let events = ["preToolUse", "PreToolUse"];
        push_ward_handlers(
            &mut eff,
            &shown(loc, &path),
            scope,
            doc.get("hooks"),
            &events,
            &keys,
            ("timeoutSec", 1000),
            "active",
            true,
        );
    }
    eff
}

/// VS Code's agent hooks: `~/.claude/settings.json` and, in a project, `.github/hooks/*.json`
/// and `.claude/settings(.local).json` (matchers ignored; `chat.useHooks` must be on).
pub fn vscode(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("vscode");
    let mut files = vec![(loc.vscode_user_hooks(), "user")];
    if let Some(root) = project {
        files.extend(
            json_files_in(&Locations::copilot_project_hooks_dir(root)).into_iter().map(|f| (f, "project")),
        );
        files.extend(Locations::claude_project_settings(root).into_iter().map(|f| (f, "project")));
    }
    for (path, scope) in files {
        let Some(doc) = read_json(&mut eff, loc, &path) else { continue };
        let keys = ["command", "linux", "osx", "windows", "bash", "powershell"];
        push_ward_handlers(
            &mut eff,
            &shown(loc, &path),
            scope,
            doc.get("hooks"),
            &["PreToolUse", "preToolUse"],
            &keys,
            ("timeout", 1000),
            "active",
            true,
        );
    }
    eff
}

/// Windsurf: system, user and workspace `hooks.json` all run, each `pre_*` event on its own.
pub fn windsurf(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("windsurf");
    let mut files = vec![(loc.windsurf_system_hooks(), "managed"), (loc.windsurf_user_hooks(), "user")];
    if let Some(root) = project {
        files.push((Locations::windsurf_project_hooks(root), "project"));
    }
    let events = ["pre_run_command", "pre_mcp_tool_use", "pre_read_code", "pre_write_code"];
    for (path, scope) in files {
        let Some(doc) = read_json(&mut eff, loc, &path) else { continue };
        push_ward_handlers(
            &mut eff,
            &shown(loc, &path),
            scope,
            doc.get("hooks"),
            &events,
            &["command"],
            ("timeout", 1000),
            "active",
            true,
        );
    }
    // A call kind without Ward is a way around it.
    if !eff.ward_hooks.is_empty() {
        let missing: Vec<&str> = events
            .iter()
            .filter(|e| !eff.ward_hooks.iter().any(|h| h.state.ends_with(&format!("({e})"))))
            .copied()
            .collect();
        eff.uncovered.extend(missing.iter().map(|e| format!("Windsurf event {e}")));
    }
    eff
}

/// Continue CLI: Claude Code's hook format in its own and in Claude Code's settings files, all
/// merged; `disableAllHooks` in any of them switches hooks off.
pub fn continue_cli(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("continue");
    let mut files = vec![(loc.vscode_user_hooks(), "user"), (loc.continue_user_settings(), "user")];
    if let Some(root) = project {
        files.extend(Locations::claude_project_settings(root).into_iter().map(|f| (f, "project")));
        files.extend(Locations::continue_project_settings(root).into_iter().map(|f| (f, "project")));
    }
    let mut docs = Vec::new();
    for (path, scope) in files {
        if let Some(doc) = read_json(&mut eff, loc, &path) {
            docs.push((shown(loc, &path), scope, doc));
        }
    }
    let off = docs
        .iter()
        .find(|(_, _, d)| d.get("disableAllHooks") == Some(&json!(true)))
        .map(|(f, _, _)| f.clone());
    for (file, scope, doc) in &docs {
        let (state, runs) = match &off {
            Some(f) => (format!("skipped: disableAllHooks in {f}"), false),
            None => ("active".to_owned(), true),
        };
        push_ward_handlers(
            &mut eff,
            file,
            scope,
            doc.get("hooks"),
            &["PreToolUse"],
            &["command"],
            ("timeout", 1000),
            &state,
            runs,
        );
    }
    eff
}

/// Cline: an executable `PreToolUse` in the global (and the CLI's) hooks folder or the
/// workspace's `.clinerules/hooks`; Cline runs them only with its hooks setting on.
pub fn cline(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("cline");
    let mut dirs = vec![(loc.cline_hooks_dir(), "user"), (loc.cline_cli_hooks_dir(), "user")];
    if let Some(root) = project {
        dirs.push((Locations::cline_project_hooks_dir(root), "project"));
    }
    for (dir, scope) in dirs {
        let path = dir.join("PreToolUse");
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Some(cmd) = text
            .lines()
            .map(|l| l.trim().strip_prefix("exec ").unwrap_or(l.trim()))
            .find(|l| is_ward_hook_command(l))
        else {
            continue;
        };
        eff.layers.push(shown(loc, &path));
        let executable = crate::context::is_executable(&path);
        eff.ward_hooks.push(HookPlace {
            file: shown(loc, &path),
            scope,
            command: scrub_text(cmd),
            program: program_of(cmd),
            timeout_secs: None,
            state: if executable {
                "active (when Cline's hooks setting is on)".to_owned()
            } else {
                "skipped: the script is not executable".to_owned()
            },
            runs: executable,
        });
    }
    eff
}

/// Amazon Q / Kiro CLI: `hooks.preToolUse` in each agent file; Ward runs for the agents whose
/// file registers it.
pub fn amazon_q(loc: &Locations, project: Option<&Path>) -> Effective {
    let mut eff = Effective::new("amazon-q");
    let mut files: Vec<(PathBuf, &'static str)> = [loc.amazon_q_agents_dir(), loc.kiro_agents_dir()]
        .iter()
        .flat_map(|d| json_files_in(d))
        .map(|f| (f, "user"))
        .collect();
    if let Some(root) = project {
        for d in [root.join(".amazonq/cli-agents"), root.join(".kiro/agents")] {
            files.extend(json_files_in(&d).into_iter().map(|f| (f, "project")));
        }
    }
    let mut without = Vec::new();
    for (path, scope) in files {
        let Some(doc) = read_json(&mut eff, loc, &path) else { continue };
        let before = eff.ward_hooks.len();
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        push_ward_handlers(
            &mut eff,
            &shown(loc, &path),
            scope,
            doc.get("hooks"),
            &["preToolUse"],
            &["command"],
            ("timeout_ms", 1),
            &format!("active for agent {name}"),
            true,
        );
        if eff.ward_hooks.len() == before {
            without.push(name);
        }
    }
    if !eff.ward_hooks.is_empty() {
        eff.uncovered.extend(without.iter().map(|a| format!("agent file {a}")));
    }
    eff
}

/// The effective configuration of `agent` (a client name), if Ward knows how to compute it.
pub fn of(agent: &str, loc: &Locations, project: Option<&Path>) -> Option<Effective> {
    Some(match agent {
        "codex" => codex(loc, project),
        "claude-code" => claude_code(loc, project),
        "gemini-cli" => gemini_cli(loc, project),
        "cursor" => cursor(loc, project),
        "copilot-cli" => copilot_cli(loc, project),
        "vscode" => vscode(loc, project),
        "windsurf" => windsurf(loc, project),
        "continue" => continue_cli(loc, project),
        "cline" => cline(loc, project),
        "amazon-q" | "kiro" => amazon_q(loc, project),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_what_profiles_carry() {
        assert_eq!(decode_base64("Zm9vYmFy").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(decode_base64("Zm9vYg==").as_deref(), Some(&b"foob"[..]));
        assert_eq!(decode_base64("Zm9v\nYmE=").as_deref(), Some(&b"fooba"[..]));
        assert_eq!(decode_base64("Zm9*"), None);
    }

    #[test]
    fn trust_hash_matches_codexs_identity() {
        let identity = r#"{"event_name":"pre_tool_use","hooks":[{"async":false,"command":"ward hook codex","timeout":600,"type":"command"}],"matcher":"Bash"}"#;
        let expected = format!("sha256:{}", hex::encode(Sha256::digest(identity.as_bytes())));
        assert_eq!(
            codex_trust_hash_of("pre_tool_use", Some("Bash"), "ward hook codex", None, false, None),
            expected
        );
    }

    #[test]
    fn ward_commands_are_recognised_however_quoted() {
        assert!(is_ward_hook_command("/usr/local/bin/ward hook codex"));
        assert!(is_ward_hook_command("'/opt/my tools/ward' hook claude-code"));
        assert!(is_ward_hook_command("ward hook --agent cursor"));
        assert!(!is_ward_hook_command("/usr/bin/steward hook"));
        assert!(!is_ward_hook_command("ward scan"));
        assert!(!is_ward_hook_command("echo ward hook"));
    }
}
