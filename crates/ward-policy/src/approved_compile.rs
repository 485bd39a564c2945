//! Reading the policy's `[approved]` section (the artifact allowlists of drift.rs), key by key
//! like the rest of the policy: unknown keys, wrong types, bad regexes and malformed hashes are
//! errors with their line and column.

use toml::de::{DeTable, DeValue};

use super::{get, Compiler, Value};
use crate::drift::{
    Approved, CliEntry, EntryMeta, ExtensionEntry, HookEntry, McpEntry, McpIdentity, PluginEntry, SkillEntry,
    ValueMatch, WholeRegex,
};
use crate::pattern::NameGlob;

const APPROVED_KEYS: &[&str] =
    &["description", "mcp_servers", "skills", "plugins", "extensions", "hooks", "clis"];
const MCP_KEYS: &[&str] = &["name", "command", "args", "url", "client", "required", "description"];
const SKILL_KEYS: &[&str] = &["name", "sha256", "client", "required", "description"];
const PLUGIN_KEYS: &[&str] = &["name", "marketplace", "version", "client", "required", "description"];
const EXTENSION_KEYS: &[&str] = &["id", "version", "client", "required", "description"];
const HOOK_KEYS: &[&str] = &["event", "command", "url", "client", "required", "description"];
const CLI_KEYS: &[&str] = &["name", "path", "required", "description"];
const MATCH_KEYS: &[&str] = &["match", "value", "expression"];

impl Compiler<'_> {
    pub(super) fn approved(&mut self, v: &Value<'_>) -> Approved {
        let mut out = Approved::default();
        let Some(t) = self.table(v, "approved") else { return out };
        self.check_keys(t, APPROVED_KEYS, "[approved]");
        if let Some((_, d)) = get(t, "description") {
            self.string(d, "description");
        }
        out.mcp_servers = self.approved_list(t, "mcp_servers", MCP_KEYS, Compiler::mcp_entry);
        out.skills = self.approved_list(t, "skills", SKILL_KEYS, Compiler::skill_entry);
        out.plugins = self.approved_list(t, "plugins", PLUGIN_KEYS, Compiler::plugin_entry);
        out.extensions = self.approved_list(t, "extensions", EXTENSION_KEYS, Compiler::extension_entry);
        out.hooks = self.approved_list(t, "hooks", HOOK_KEYS, Compiler::hook_entry);
        out.clis = self.approved_list(t, "clis", CLI_KEYS, Compiler::cli_entry);
        out
    }

    /// `[[approved.SECTION]]` entries (an empty array `SECTION = []` approves nothing of the kind).
    fn approved_list<E>(
        &mut self,
        t: &DeTable<'_>,
        section: &str,
        keys: &[&str],
        entry: fn(&mut Self, &DeTable<'_>, EntryMeta, &super::Span) -> Option<E>,
    ) -> Option<Vec<E>> {
        let (_, v) = get(t, section)?;
        let what = format!("approved.{section}");
        let mut out = Vec::new();
        for (index, (body, span)) in self.tables(v, &what).into_iter().enumerate() {
            self.check_keys(body, keys, &format!("an [[{what}]] entry"));
            if let Some((_, d)) = get(body, "description") {
                self.string(d, "description");
            }
            let meta = EntryMeta {
                label: format!("{what}[{}] at line {}", index + 1, self.line_of(&span)),
                clients: self.name_globs(body, "client"),
                required: get(body, "required")
                    .and_then(|(_, r)| self.boolean(r, "required"))
                    .unwrap_or(false),
            };
            if let Some(e) = entry(self, body, meta, &span) {
                out.push(e);
            }
        }
        Some(out)
    }

    /// The entry's required `name` as a word glob, with its text.
    fn entry_name(&mut self, t: &DeTable<'_>, key: &str, span: &super::Span) -> Option<(String, NameGlob)> {
        let Some((_, v)) = get(t, key) else {
            self.err(span.clone(), format!("entry has no `{key}`"));
            return None;
        };
        let name = self.string(v, key)?;
        match NameGlob::compile(&name) {
            Ok(g) => Some((name, g)),
            Err(e) => {
                self.err(v.span(), e);
                None
            }
        }
    }

    /// A string (matched exactly) or `{ match = "exact"|"prefix", value = "…" }` /
    /// `{ match = "regex", expression = "…" }`.
    fn value_match(&mut self, v: &Value<'_>, what: &str) -> Option<ValueMatch> {
        let t = match v.get_ref() {
            DeValue::String(s) => return Some(ValueMatch::Exact(s.to_string())),
            DeValue::Table(t) => t,
            other => {
                self.err(
                    v.span(),
                    format!(
                        "`{what}` must be a string or a table {{ match = \"exact\"|\"prefix\"|\"regex\", … }}, not {}",
                        other.type_str()
                    ),
                );
                return None;
            }
        };
        self.check_keys(t, MATCH_KEYS, &format!("`{what}`"));
        let Some((_, mv)) = get(t, "match") else {
            self.err(v.span(), format!("`{what}` needs `match` (exact, prefix or regex)"));
            return None;
        };
        let kind = self.string(mv, "match")?;
        let (key, other) = if kind == "regex" { ("expression", "value") } else { ("value", "expression") };
        if let Some((k, _)) = get(t, other) {
            self.err(k.span(), format!("`match = \"{kind}\"` takes `{key}`, not `{other}`"));
        }
        let Some((_, val)) = get(t, key) else {
            self.err(v.span(), format!("`{what}` with `match = \"{kind}\"` needs `{key}`"));
            return None;
        };
        let text = self.string(val, key)?;
        match kind.as_str() {
            "exact" => Some(ValueMatch::Exact(text)),
            "prefix" if text.is_empty() => {
                self.err(val.span(), "an empty prefix would approve anything: write the prefix");
                None
            }
            "prefix" => Some(ValueMatch::Prefix(text)),
            "regex" => match WholeRegex::compile(&text) {
                Ok(r) => Some(ValueMatch::Regex(r)),
                Err(e) => {
                    self.err(
                        val.span(),
                        format!(
                            "bad regex `{text}`: {}",
                            super::first_line(&e.to_string()).trim_start_matches("error: ")
                        ),
                    );
                    None
                }
            },
            _ => {
                self.err(mv.span(), format!("unknown match `{kind}`: expected exact, prefix or regex"));
                None
            }
        }
    }

    fn optional_match(&mut self, t: &DeTable<'_>, key: &str) -> Option<Option<ValueMatch>> {
        match get(t, key) {
            None => Some(None),
            Some((_, v)) => self.value_match(v, key).map(Some),
        }
    }

    fn mcp_entry(&mut self, t: &DeTable<'_>, meta: EntryMeta, span: &super::Span) -> Option<McpEntry> {
        let name = self.entry_name(t, "name", span);
        let command = self.optional_match(t, "command");
        let url = self.optional_match(t, "url");
        let args = match get(t, "args") {
            None => Some(None),
            Some((_, v)) => match v.get_ref() {
                DeValue::Array(items) => {
                    let mut out = Vec::new();
                    let mut ok = true;
                    for item in items.iter() {
                        match self.value_match(item, "args") {
                            Some(m) => out.push(m),
                            None => ok = false,
                        }
                    }
                    ok.then_some(Some(out))
                }
                other => {
                    self.err(v.span(), format!("`args` must be an array, not {}", other.type_str()));
                    None
                }
            },
        };
        let identity = match (command?, url?, args?) {
            (Some(executable), None, args) => McpIdentity::Command { executable, args },
            (None, Some(u), None) => McpIdentity::Url(u),
            (None, Some(_), Some(_)) => {
                self.err(span.clone(), "`args` belongs to a `command` server, not a `url` one");
                return None;
            }
            (Some(_), Some(_), _) => {
                self.err(span.clone(), "an MCP server entry has `command` or `url`, not both");
                return None;
            }
            (None, None, _) => {
                self.err(
                    span.clone(),
                    "an MCP server entry needs its identity: `command` (with optional `args`) or `url`",
                );
                return None;
            }
        };
        let (name_source, name) = name?;
        Some(McpEntry { meta, name_source, name, identity })
    }

    fn skill_entry(&mut self, t: &DeTable<'_>, meta: EntryMeta, span: &super::Span) -> Option<SkillEntry> {
        let name = self.entry_name(t, "name", span);
        let mut sha256 = Vec::new();
        if let Some((_, v)) = get(t, "sha256") {
            for (h, s) in self.strings(v, "sha256") {
                if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    sha256.push(h.to_ascii_lowercase());
                } else {
                    self.err(s, format!("sha256 `{h}` must be 64 hexadecimal digits (the skill's `tree_sha256` from `ward scan --format json`)"));
                }
            }
        }
        let (name_source, name) = name?;
        Some(SkillEntry { meta, name_source, name, sha256 })
    }

    fn versions(&mut self, t: &DeTable<'_>) -> Vec<String> {
        let Some((_, v)) = get(t, "version") else { return Vec::new() };
        let mut out = Vec::new();
        for (ver, s) in self.strings(v, "version") {
            if ver.trim().is_empty() {
                self.err(s, "an empty version: leave `version` out to approve any version");
            } else {
                out.push(ver);
            }
        }
        out
    }

    fn plugin_entry(&mut self, t: &DeTable<'_>, meta: EntryMeta, span: &super::Span) -> Option<PluginEntry> {
        let name = self.entry_name(t, "name", span);
        let marketplace = get(t, "marketplace").and_then(|(_, v)| self.string(v, "marketplace"));
        let versions = self.versions(t);
        let (name_source, name) = name?;
        Some(PluginEntry { meta, name_source, name, marketplace, versions })
    }

    fn extension_entry(
        &mut self,
        t: &DeTable<'_>,
        meta: EntryMeta,
        span: &super::Span,
    ) -> Option<ExtensionEntry> {
        let versions = self.versions(t);
        let Some((_, v)) = get(t, "id") else {
            self.err(span.clone(), "entry has no `id` (`publisher.name`, e.g. `github.copilot-chat`)");
            return None;
        };
        let id = self.string(v, "id")?;
        let valid = id.split_once('.').is_some_and(|(p, n)| !p.is_empty() && !n.is_empty())
            && !id.chars().any(|c| c.is_whitespace() || c == '*');
        if !valid {
            self.err(v.span(), format!("extension id `{id}` must be `publisher.name` (no globs)"));
            return None;
        }
        Some(ExtensionEntry { meta, id: id.to_ascii_lowercase(), versions })
    }

    fn hook_entry(&mut self, t: &DeTable<'_>, meta: EntryMeta, span: &super::Span) -> Option<HookEntry> {
        let event = match get(t, "event") {
            None => None,
            Some((_, v)) => {
                let e = self.string(v, "event")?;
                match NameGlob::compile(&e) {
                    Ok(g) => Some(g),
                    Err(msg) => {
                        self.err(v.span(), msg);
                        return None;
                    }
                }
            }
        };
        let command = self.optional_match(t, "command")?;
        let url = self.optional_match(t, "url")?;
        match (&command, &url) {
            (Some(_), Some(_)) => {
                self.err(span.clone(), "a hook entry has `command` or `url`, not both");
                None
            }
            (None, None) => {
                self.err(span.clone(), "a hook entry needs `command` or `url`");
                None
            }
            _ => Some(HookEntry { meta, event, command, url }),
        }
    }

    fn cli_entry(&mut self, t: &DeTable<'_>, meta: EntryMeta, span: &super::Span) -> Option<CliEntry> {
        let name = self.entry_name(t, "name", span);
        let path = self.optional_match(t, "path")?;
        let (name_source, name) = name?;
        Some(CliEntry { meta, name_source, name, path })
    }
}
