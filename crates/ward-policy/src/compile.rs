//! Reading a policy file: TOML with spans, checked key by key (unknown keys are errors, since a
//! typo in a security policy must not be silently ignored), then compiled into matchers.
//! Every problem is reported with its position; checking goes on after an error so that one
//! run lists them all.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;
use ward_model::{Access, Action, Decision};

use crate::classes::credential_patterns;
use crate::deferred::Deferred;
use crate::error::{line_column, Diagnostics, PolicyError};
use crate::floor::{
    ApprovalPolicy, ApprovalsReviewer, FailMode, Floor, SandboxMode, TierFloors, WebSearchMode,
};
use crate::pattern::{
    check_path_pattern, ArgGlob, CommandPattern, CommandRegex, HostPattern, NameGlob, PathSet,
};
use crate::policy::{
    access_bit, action_bit, caution, CommandCondition, PathCondition, Policy, RepoMapping, Rule, Tier,
};

#[path = "approved_compile.rs"]
mod approved_compile;

type Span = Range<usize>;
type Value<'i> = Spanned<DeValue<'i>>;
type Key<'i> = Spanned<Cow<'i, str>>;

const TOP_KEYS: &[&str] = &[
    "version",
    "description",
    "default_tier",
    "outside_repo_tier",
    "classes",
    "allowlists",
    "approved",
    "tiers",
    "repos",
    "rules",
];
const TIER_KEYS: &[&str] = &["rank", "description", "fail", "default_decision", "rules", "floor"];
const RULE_KEYS: &[&str] = &[
    "id",
    "decision",
    "reason",
    "action",
    "agent",
    "command",
    "command_not_in",
    "command_regex",
    "args_any",
    "args_none",
    "runs_downloaded_code",
    "inline_code",
    "paths",
    "access",
    "outside_workspace",
    "hosts",
    "hosts_not_in",
    "mcp_server",
    "mcp_tool",
];
const FLOOR_KEYS: &[&str] = &[
    "sandbox",
    "approval",
    "approvals_reviewer",
    "network",
    "network_allow",
    "deny_read",
    "web_search",
    "managed_hooks_only",
];
const REPO_KEYS: &[&str] = &["tier", "remote", "path", "marker", "description"];
const CLASS_KEYS: &[&str] = &["paths", "description"];
const ALLOWLIST_KEYS: &[&str] = &["hosts", "description"];
/// Limits on `command_regex`, checked by `ward policy check` and on every load: a hook
/// process compiles each regex it reaches (about a microsecond per byte of compiled program),
/// so an unbounded set would make every call slow or run past the agent's deadline.
pub(crate) const MAX_REGEXES: usize = 64;
pub(crate) const MAX_REGEX_LEN: usize = 1024;
pub(crate) const MAX_REGEX_TOTAL: usize = 16 * 1024;
/// Rule ids the evaluator itself answers with.
const RESERVED_IDS: &[&str] = &["default", "unknown-tier"];

pub(crate) fn compile(text: &str, origin: &str) -> Result<Policy, PolicyError> {
    let mut c = Compiler::new(text);
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            c.d.error(e.span().unwrap_or(0..0), e.message().trim().to_owned());
        }
        return Err(c.d.into_error(origin));
    }
    let policy = c.document(doc.get_ref(), origin);
    match policy {
        Some(p) if c.d.is_empty() => Ok(p),
        _ => Err(c.d.into_error(origin)),
    }
}

struct Compiler<'s> {
    d: Diagnostics<'s>,
    text: &'s str,
    /// Path classes by name: compiled set and raw patterns (for floors).
    classes: BTreeMap<String, (PathSet, Vec<String>)>,
    /// Host allowlists by name: compiled patterns and raw text (for floors).
    allowlists: BTreeMap<String, (Vec<HostPattern>, Vec<String>)>,
    tier_names: Vec<String>,
    /// Rule id → byte offset of its first definition.
    rule_ids: HashMap<String, usize>,
    pattern_cache: HashMap<String, Arc<CommandPattern>>,
    regex_count: usize,
    regex_bytes: usize,
}

impl<'s> Compiler<'s> {
    fn new(text: &'s str) -> Compiler<'s> {
        Compiler {
            d: Diagnostics::new(text),
            text,
            classes: BTreeMap::new(),
            allowlists: BTreeMap::new(),
            tier_names: Vec::new(),
            rule_ids: HashMap::new(),
            pattern_cache: HashMap::new(),
            regex_count: 0,
            regex_bytes: 0,
        }
    }

    fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.d.error(span, msg);
    }

    fn line_of(&self, span: &Span) -> usize {
        line_column(self.text, span.start).0
    }

    // ---- generic value access -------------------------------------------------------------

    fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], what: &str) {
        for (k, _) in table.iter() {
            if !allowed.contains(&k.get_ref().as_ref()) {
                let hint = closest(k.get_ref(), allowed)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.err(k.span(), format!("unknown key `{}` in {what}{hint}", k.get_ref()));
            }
        }
    }

    fn string(&mut self, v: &Value<'_>, what: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.err(v.span(), format!("`{what}` must be a string, not {}", other.type_str()));
                None
            }
        }
    }

    /// The string at `key` read as one of a fixed set of names; an unknown name is an error that
    /// lists the accepted ones.
    fn choice<T>(
        &mut self,
        t: &DeTable<'_>,
        key: &str,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        let (_, v) = get(t, key)?;
        let s = self.string(v, key)?;
        let parsed = parse(&s);
        if parsed.is_none() {
            self.err(v.span(), format!("unknown {key} `{s}`: expected {}", expected()));
        }
        parsed
    }

    fn boolean(&mut self, v: &Value<'_>, what: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.err(v.span(), format!("`{what}` must be true or false, not {}", other.type_str()));
                None
            }
        }
    }

    /// A string or an array of strings, each with its own span.
    fn strings(&mut self, v: &Value<'_>, what: &str) -> Vec<(String, Span)> {
        match v.get_ref() {
            DeValue::String(s) => vec![(s.to_string(), v.span())],
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::String(s) => out.push((s.to_string(), item.span())),
                        other => self.err(
                            item.span(),
                            format!("`{what}` entries must be strings, not {}", other.type_str()),
                        ),
                    }
                }
                out
            }
            other => {
                self.err(
                    v.span(),
                    format!("`{what}` must be a string or an array of strings, not {}", other.type_str()),
                );
                Vec::new()
            }
        }
    }

    fn table<'a, 'i>(&mut self, v: &'a Value<'i>, what: &str) -> Option<&'a DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.err(v.span(), format!("`{what}` must be a table, not {}", other.type_str()));
                None
            }
        }
    }

    fn tables<'a, 'i>(&mut self, v: &'a Value<'i>, what: &str) -> Vec<(&'a DeTable<'i>, Span)> {
        match v.get_ref() {
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::Table(t) => out.push((t, item.span())),
                        other => self.err(
                            item.span(),
                            format!("`{what}` entries must be tables, not {}", other.type_str()),
                        ),
                    }
                }
                out
            }
            other => {
                self.err(
                    v.span(),
                    format!("`{what}` must be an array of tables ([[{what}]]), not {}", other.type_str()),
                );
                Vec::new()
            }
        }
    }

    fn name(&mut self, k: &Key<'_>, what: &str) -> Option<String> {
        let name = k.get_ref();
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            self.err(k.span(), format!("{what} name `{name}`: use lower-case letters, digits, `-` and `_`"));
            return None;
        }
        Some(name.to_string())
    }

    // ---- the document --------------------------------------------------------------------

    fn document(&mut self, root: &DeTable<'_>, origin: &str) -> Option<Policy> {
        self.check_keys(root, TOP_KEYS, "the policy");
        if let Some((_, v)) = get(root, "version") {
            match v.get_ref() {
                DeValue::Integer(i) if i.as_str() == "1" => {}
                _ => self.err(v.span(), "`version` must be 1 (the only policy format version)"),
            }
        }
        if let Some((_, v)) = get(root, "description") {
            self.string(v, "description");
        }
        self.builtin_classes();
        if let Some((_, v)) = get(root, "classes") {
            self.classes_table(v);
        }
        if let Some((_, v)) = get(root, "allowlists") {
            self.allowlists_table(v);
        }

        // Tier names first: rules and repos refer to them.
        let mut tier_entries: Vec<(&Key<'_>, &DeTable<'_>, Span)> = Vec::new();
        match get(root, "tiers") {
            Some((_, v)) => {
                if let Some(t) = self.table(v, "tiers") {
                    for (k, tv) in t.iter() {
                        let Some(name) = self.name(k, "tier") else { continue };
                        if let Some(body) = self.table(tv, &format!("tiers.{name}")) {
                            self.tier_names.push(name);
                            tier_entries.push((k, body, tv.span()));
                        }
                    }
                }
            }
            None => self.err(0..0, "the policy defines no tiers: add at least one `[tiers.NAME]` table"),
        }
        tier_entries.sort_by_key(|(k, _, _)| k.span().start);
        let tier_order: Vec<String> = tier_entries.iter().map(|(k, _, _)| k.get_ref().to_string()).collect();
        self.tier_names = tier_order;

        // Every rule goes into one table once; tiers list theirs by index.
        let mut rules: Vec<Rule> = Vec::new();
        let mut tiers: Vec<Tier> = Vec::new();
        for (index, (k, body, _)) in tier_entries.iter().enumerate() {
            tiers.push(self.tier(k.get_ref(), body, index, &mut rules));
        }

        // Global rules, merged into the tiers they apply to, in file order.
        if let Some((_, v)) = get(root, "rules") {
            for (t, span) in self.tables(v, "rules") {
                if let Some((rule, only)) = self.rule(t, span, true) {
                    let index = rules.len() as u32;
                    rules.push(rule);
                    for tier in tiers.iter_mut() {
                        if only.as_ref().is_none_or(|o| o.contains(&tier.name)) {
                            tier.rules.push(index);
                        }
                    }
                }
            }
        }
        for tier in tiers.iter_mut() {
            tier.rules.sort_by_key(|&i| rules[i as usize].order);
        }
        let rule_count = rules.len();

        let default_tier = match get(root, "default_tier") {
            Some((_, v)) => self.tier_ref(v, "default_tier"),
            None => {
                self.err(0..0, "missing `default_tier`: the tier of repositories no [[repos]] entry maps");
                None
            }
        };
        let outside_repo_tier = match get(root, "outside_repo_tier") {
            Some((_, v)) => self.tier_ref(v, "outside_repo_tier"),
            None => most_cautious(&tiers),
        };
        let repos = match get(root, "repos") {
            Some((_, v)) => self.repos(v),
            None => Vec::new(),
        };
        let approved = get(root, "approved").map(|(_, v)| self.approved(v)).unwrap_or_default();
        Some(Policy {
            approved: Deferred::Ready(approved),
            origin: origin.to_owned(),
            tiers,
            default_tier: default_tier?,
            outside_repo_tier: outside_repo_tier?,
            repos,
            rule_count,
            rules: rules.into_iter().map(Deferred::Ready).collect(),
            classes: std::mem::take(&mut self.classes)
                .into_iter()
                .map(|(name, (set, _))| (name, Deferred::Ready(set)))
                .collect(),
        })
    }
}

/// Most cautious tier: fail-closed before fail-open, then highest rank, then last in the file.
fn most_cautious(tiers: &[Tier]) -> Option<String> {
    tiers.iter().enumerate().max_by_key(|(i, t)| caution(t, *i)).map(|(_, t)| t.name.clone())
}

fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<(&'a Key<'i>, &'a Value<'i>)> {
    table.iter().find(|(k, _)| k.get_ref() == key)
}

/// The allowed word nearest to a typo (edit distance ≤ 2), for a "did you mean" hint.
fn closest<'a>(word: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(word, a), *a))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Compiler<'_> {
    fn builtin_classes(&mut self) {
        let raw: Vec<String> = credential_patterns();
        match PathSet::compile(raw.iter().map(String::as_str)) {
            Ok(set) => {
                self.classes.insert("credentials".into(), (set, raw));
            }
            Err(e) => self.err(0..0, format!("built-in class @credentials: {e}")),
        }
    }

    /// The entries of a section of named lists (`[classes.NAME] paths = […]`,
    /// `[allowlists.NAME] hosts = […]`): each valid name with its list, after checking the
    /// entry's keys and its optional `description`. Entries with errors are reported and left out.
    fn named_lists<'a, 'i>(
        &mut self,
        v: &'a Value<'i>,
        (section, singular, keys, list): (&str, &str, &[&str], &str),
    ) -> Vec<(String, &'a Value<'i>)> {
        let Some(t) = self.table(v, section) else { return Vec::new() };
        let mut entries = Vec::new();
        for (k, ev) in t.iter() {
            let Some(name) = self.name(k, singular) else { continue };
            let Some(body) = self.table(ev, &format!("{section}.{name}")) else { continue };
            self.check_keys(body, keys, &format!("[{section}.{name}]"));
            if let Some((_, d)) = get(body, "description") {
                self.string(d, "description");
            }
            match get(body, list) {
                Some((_, lv)) => entries.push((name, lv)),
                None => self.err(ev.span(), format!("[{section}.{name}] needs `{list}`")),
            }
        }
        entries
    }

    fn classes_table(&mut self, v: &Value<'_>) {
        for (name, pv) in self.named_lists(v, ("classes", "class", CLASS_KEYS, "paths")) {
            let mut patterns = Vec::new();
            for (p, span) in self.strings(pv, "paths") {
                match check_path_pattern(&p) {
                    Ok(()) => patterns.push(p),
                    Err(e) => self.err(span, e),
                }
            }
            // Admins extend the built-in @credentials rather than replace it: a policy must not
            // lose credential protection by adding one path.
            if let Some((_, existing)) = self.classes.get(&name) {
                let mut all = existing.clone();
                all.extend(patterns);
                patterns = all;
            }
            match PathSet::compile(patterns.iter().map(String::as_str)) {
                Ok(set) => {
                    self.classes.insert(name, (set, patterns));
                }
                Err(e) => self.err(pv.span(), e),
            }
        }
    }

    fn allowlists_table(&mut self, v: &Value<'_>) {
        for (name, hv) in self.named_lists(v, ("allowlists", "allowlist", ALLOWLIST_KEYS, "hosts")) {
            let mut compiled = Vec::new();
            let mut raw = Vec::new();
            for (h, span) in self.strings(hv, "hosts") {
                match HostPattern::compile(&h) {
                    Ok(p) => {
                        compiled.push(p);
                        raw.push(h);
                    }
                    Err(e) => self.err(span, e),
                }
            }
            self.allowlists.insert(name, (compiled, raw));
        }
    }

    fn tier_ref(&mut self, v: &Value<'_>, what: &str) -> Option<String> {
        let name = self.string(v, what)?;
        if self.tier_names.contains(&name) {
            Some(name)
        } else {
            let known = self.tier_names.join(", ");
            self.err(v.span(), format!("`{what}` names unknown tier `{name}` (tiers: {known})"));
            None
        }
    }

    /// One `[tiers.NAME]` table; its own rules are added to `rules`.
    fn tier(&mut self, name: &str, body: &DeTable<'_>, index: usize, rules: &mut Vec<Rule>) -> Tier {
        self.check_keys(body, TIER_KEYS, &format!("[tiers.{name}]"));
        let mut tier = Tier {
            name: name.to_owned(),
            rank: index as i64,
            description: String::new(),
            fail: FailMode::Closed,
            default_decision: Decision::Allow,
            rules: Vec::new(),
            floors: Deferred::default(),
        };
        if let Some((_, v)) = get(body, "rank") {
            match v.get_ref() {
                DeValue::Integer(i) => match i.as_str().replace('_', "").parse::<i64>() {
                    Ok(r) if i.radix() == 10 => tier.rank = r,
                    _ => self.err(v.span(), "`rank` must be a decimal integer"),
                },
                other => self.err(v.span(), format!("`rank` must be an integer, not {}", other.type_str())),
            }
        }
        if let Some((_, v)) = get(body, "description") {
            tier.description = self.string(v, "description").unwrap_or_default();
        }
        if let Some((_, v)) = get(body, "fail") {
            if let Some(s) = self.string(v, "fail") {
                match FailMode::parse(&s) {
                    Some(f) => tier.fail = f,
                    None => self
                        .err(v.span(), format!("unknown fail mode `{s}`: expected {}", FailMode::expected())),
                }
            }
        }
        if let Some((_, v)) = get(body, "default_decision") {
            if let Some(d) = self.decision(v, "default_decision") {
                tier.default_decision = d;
            }
        }
        if let Some((_, v)) = get(body, "rules") {
            for (t, rspan) in self.tables(v, &format!("tiers.{name}.rules")) {
                if let Some((rule, _)) = self.rule(t, rspan, false) {
                    tier.rules.push(rules.len() as u32);
                    rules.push(rule);
                }
            }
        }
        if let Some((_, v)) = get(body, "floor") {
            if let Some(ft) = self.table(v, &format!("tiers.{name}.floor")) {
                tier.floors = Deferred::Ready(self.floors(name, ft));
            }
        }
        tier
    }

    fn decision(&mut self, v: &Value<'_>, what: &str) -> Option<Decision> {
        let s = self.string(v, what)?;
        let d = Decision::parse(&s);
        if d.is_none() {
            self.err(v.span(), format!("unknown decision `{s}`: expected `allow`, `log`, `ask` or `deny`"));
        }
        d
    }

    /// One rule table. `global` rules may carry `tiers`; the returned list restricts them.
    fn rule(&mut self, t: &DeTable<'_>, span: Span, global: bool) -> Option<(Rule, Option<Vec<String>>)> {
        let mut allowed: Vec<&str> = RULE_KEYS.to_vec();
        if global {
            allowed.push("tiers");
        }
        self.check_keys(t, &allowed, "a rule");
        let id = match get(t, "id") {
            Some((_, v)) => self.string(v, "id").and_then(|id| {
                let valid = !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '/'));
                if !valid {
                    self.err(v.span(), format!("rule id `{id}`: use letters, digits and `.-_:/`"));
                    return None;
                }
                if RESERVED_IDS.contains(&id.as_str()) {
                    self.err(v.span(), format!("rule id `{id}` is reserved"));
                    return None;
                }
                if let Some(first) = self.rule_ids.get(&id) {
                    let line = line_column(self.text, *first).0;
                    self.err(v.span(), format!("duplicate rule id `{id}` (first used at line {line})"));
                    return None;
                }
                self.rule_ids.insert(id.clone(), v.span().start);
                Some(id)
            }),
            None => {
                self.err(span.clone(), "rule has no `id`");
                None
            }
        };
        let decision = match get(t, "decision") {
            Some((_, v)) => self.decision(v, "decision"),
            None => {
                self.err(span.clone(), "rule has no `decision` (allow, log, ask or deny)");
                None
            }
        };
        let reason = match get(t, "reason") {
            Some((_, v)) => self.string(v, "reason").filter(|r| {
                let ok = !r.trim().is_empty();
                if !ok {
                    self.err(v.span(), "`reason` must not be empty: it is what the agent and user see");
                }
                ok
            }),
            None => {
                self.err(span.clone(), "rule has no `reason` (shown to the agent and the user)");
                None
            }
        };

        let mut actions = 0u8;
        if let Some((_, v)) = get(t, "action") {
            for (a, s) in self.strings(v, "action") {
                match Action::parse(&a) {
                    Some(a) => actions |= action_bit(a),
                    None => self.err(
                        s,
                        format!("unknown action `{a}`: expected exec, read, write, network, mcp or other"),
                    ),
                }
            }
        }
        let agents = self.name_globs(t, "agent");
        let only_tiers = if global {
            get(t, "tiers").map(|(_, v)| {
                let mut names = Vec::new();
                for (n, s) in self.strings(v, "tiers") {
                    if self.tier_names.contains(&n) {
                        names.push(n);
                    } else {
                        self.err(s, format!("unknown tier `{n}` (tiers: {})", self.tier_names.join(", ")));
                    }
                }
                names
            })
        } else {
            None
        };

        let command = self.command_condition(t);
        let path = self.path_condition(t);
        let hosts = get(t, "hosts").map(|(_, v)| self.host_list(v, "hosts")).unwrap_or_default();
        let hosts_not_in = get(t, "hosts_not_in").map(|(_, v)| self.host_list(v, "hosts_not_in"));
        let mcp_server = self.name_globs(t, "mcp_server");
        let mcp_tool = self.name_globs(t, "mcp_tool");

        let rule = Rule {
            id: id?,
            order: span.start,
            decision: decision?,
            reason: reason?,
            agents,
            actions,
            command,
            path,
            hosts,
            hosts_not_in,
            mcp_server,
            mcp_tool,
        };
        Some((rule, only_tiers))
    }

    fn name_globs(&mut self, t: &DeTable<'_>, key: &str) -> Vec<NameGlob> {
        let Some((_, v)) = get(t, key) else { return Vec::new() };
        let mut out = Vec::new();
        for (g, s) in self.strings(v, key) {
            match NameGlob::compile(&g) {
                Ok(m) => out.push(m),
                Err(e) => self.err(s, e),
            }
        }
        out
    }

    fn arg_globs(&mut self, t: &DeTable<'_>, key: &str) -> Vec<ArgGlob> {
        let Some((_, v)) = get(t, key) else { return Vec::new() };
        let mut out = Vec::new();
        for (g, s) in self.strings(v, key) {
            match ArgGlob::compile(&g) {
                Ok(m) => out.push(m),
                Err(e) => self.err(s, e),
            }
        }
        out
    }

    fn command_patterns(&mut self, t: &DeTable<'_>, key: &str) -> Vec<Arc<CommandPattern>> {
        let Some((_, v)) = get(t, key) else { return Vec::new() };
        let mut out = Vec::new();
        for (p, s) in self.strings(v, key) {
            // Tiers often repeat one another's patterns: compile each text once.
            if let Some(m) = self.pattern_cache.get(&p) {
                out.push(Arc::clone(m));
                continue;
            }
            match CommandPattern::compile(&p) {
                Ok(m) => {
                    let m = Arc::new(m);
                    self.pattern_cache.insert(p, Arc::clone(&m));
                    out.push(m);
                }
                Err(e) => self.err(s, e),
            }
        }
        out
    }

    fn command_condition(&mut self, t: &DeTable<'_>) -> Option<CommandCondition> {
        let mut c = CommandCondition {
            patterns: self.command_patterns(t, "command"),
            not_in: self.command_patterns(t, "command_not_in"),
            args_any: self.arg_globs(t, "args_any"),
            args_none: self.arg_globs(t, "args_none"),
            ..CommandCondition::default()
        };
        if let Some((_, v)) = get(t, "command_regex") {
            for (r, s) in self.strings(v, "command_regex") {
                self.regex_count += 1;
                self.regex_bytes += r.len();
                if r.len() > MAX_REGEX_LEN {
                    self.err(
                        s,
                        format!(
                            "regex is {} bytes; the limit is {MAX_REGEX_LEN} (every hook process may have to compile it: use `command` patterns or split the rule)",
                            r.len()
                        ),
                    );
                    continue;
                }
                if self.regex_count == MAX_REGEXES + 1 {
                    self.err(
                        s,
                        format!("more than {MAX_REGEXES} `command_regex` entries in the policy: each hook process compiles the ones it reaches, so a large set slows every call; use `command` patterns (compiled in microseconds) instead"),
                    );
                    continue;
                }
                if self.regex_bytes > MAX_REGEX_TOTAL && self.regex_bytes - r.len() <= MAX_REGEX_TOTAL {
                    self.err(
                        s,
                        format!("the policy's `command_regex` entries exceed {MAX_REGEX_TOTAL} bytes in total; use `command` patterns instead"),
                    );
                    continue;
                }
                match CommandRegex::compile(&r) {
                    Ok(re) => c.regexes.push(re),
                    Err(e) => self.err(s, format!("bad regex `{r}`: {}", first_line(&e.to_string()))),
                }
            }
        }
        if let Some((_, v)) = get(t, "runs_downloaded_code") {
            c.runs_downloaded_code = self.boolean(v, "runs_downloaded_code");
        }
        if let Some((_, v)) = get(t, "inline_code") {
            c.inline_code = self.boolean(v, "inline_code");
        }
        let present = [
            "command",
            "command_not_in",
            "command_regex",
            "args_any",
            "args_none",
            "runs_downloaded_code",
            "inline_code",
        ]
        .iter()
        .any(|k| get(t, k).is_some());
        present.then_some(c)
    }

    fn path_condition(&mut self, t: &DeTable<'_>) -> Option<PathCondition> {
        let mut c = PathCondition::default();
        let mut present = false;
        if let Some((_, v)) = get(t, "paths") {
            present = true;
            let mut globs = Vec::new();
            for (p, s) in self.strings(v, "paths") {
                if p == "@ward" {
                    c.ward_files = true;
                } else if let Some(class) = p.strip_prefix('@') {
                    // By position in the class table: every class is defined before any rule.
                    match self.classes.keys().position(|k| k == class) {
                        Some(index) => c.classes.push(index as u32),
                        None => {
                            let known: Vec<String> = self.classes.keys().map(|k| format!("@{k}")).collect();
                            self.err(s, format!("unknown path class `{p}` (classes: {})", known.join(", ")));
                        }
                    }
                } else {
                    match check_path_pattern(&p) {
                        Ok(()) => globs.push(p),
                        Err(e) => self.err(s, e),
                    }
                }
            }
            if !globs.is_empty() {
                match PathSet::compile(globs.iter().map(String::as_str)) {
                    Ok(set) => c.globs = Some(set),
                    Err(e) => self.err(v.span(), e),
                }
            }
        }
        if let Some((_, v)) = get(t, "access") {
            present = true;
            for (a, s) in self.strings(v, "access") {
                let access = match a.as_str() {
                    "read" => Access::Read,
                    "write" => Access::Write,
                    "delete" => Access::Delete,
                    "execute" => Access::Execute,
                    _ => {
                        self.err(s, format!("unknown access `{a}`: expected read, write, delete or execute"));
                        continue;
                    }
                };
                c.access |= access_bit(access);
            }
        }
        if let Some((_, v)) = get(t, "outside_workspace") {
            present = true;
            c.outside_workspace = self.boolean(v, "outside_workspace");
        }
        present.then_some(c)
    }

    /// Host patterns and `@allowlist` references, expanded.
    fn host_list(&mut self, v: &Value<'_>, what: &str) -> Vec<HostPattern> {
        let mut out = Vec::new();
        for (h, s) in self.strings(v, what) {
            if let Some(list) = h.strip_prefix('@') {
                match self.allowlists.get(list) {
                    Some((patterns, _)) => out.extend(patterns.iter().cloned()),
                    None => {
                        let known: Vec<String> = self.allowlists.keys().map(|k| format!("@{k}")).collect();
                        self.err(s, format!("unknown allowlist `{h}` (allowlists: {})", known.join(", ")));
                    }
                }
            } else {
                match HostPattern::compile(&h) {
                    Ok(p) => out.push(p),
                    Err(e) => self.err(s, e),
                }
            }
        }
        out
    }

    fn floors(&mut self, tier: &str, t: &DeTable<'_>) -> TierFloors {
        let mut floors = TierFloors::default();
        let scalars: Vec<(&Key<'_>, &Value<'_>)> =
            t.iter().filter(|(_, v)| !v.get_ref().is_table()).collect();
        let what = format!("[tiers.{tier}.floor]");
        for (k, _) in &scalars {
            if !FLOOR_KEYS.contains(&k.get_ref().as_ref()) {
                let hint = closest(k.get_ref(), FLOOR_KEYS)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.err(k.span(), format!("unknown key `{}` in {what}{hint}", k.get_ref()));
            }
        }
        floors.common = self.floor(t);
        for (k, v) in t.iter() {
            let DeValue::Table(agent_table) = v.get_ref() else { continue };
            let Some(agent) = self.name(k, "agent") else { continue };
            self.check_keys(agent_table, FLOOR_KEYS, &format!("[tiers.{tier}.floor.{agent}]"));
            let f = self.floor(agent_table);
            floors.agents.insert(agent, f);
        }
        floors
    }

    fn floor(&mut self, t: &DeTable<'_>) -> Floor {
        let mut f = Floor {
            sandbox: self.choice(t, "sandbox", SandboxMode::parse, SandboxMode::expected),
            approval: self.choice(t, "approval", ApprovalPolicy::parse, ApprovalPolicy::expected),
            approvals_reviewer: self.choice(
                t,
                "approvals_reviewer",
                ApprovalsReviewer::parse,
                ApprovalsReviewer::expected,
            ),
            web_search: self.choice(t, "web_search", WebSearchMode::parse, WebSearchMode::expected),
            ..Floor::default()
        };
        if let Some((_, v)) = get(t, "network") {
            f.network = self.boolean(v, "network");
        }
        if let Some((_, v)) = get(t, "managed_hooks_only") {
            f.managed_hooks_only = self.boolean(v, "managed_hooks_only");
        }
        if let Some((_, v)) = get(t, "deny_read") {
            for (p, s) in self.strings(v, "deny_read") {
                if let Some(class) = p.strip_prefix('@') {
                    match self.classes.get(class) {
                        Some((_, raw)) => f.deny_read.extend(raw.iter().cloned()),
                        None => self.err(s, format!("unknown path class `{p}`")),
                    }
                } else {
                    match check_path_pattern(&p) {
                        Ok(()) => f.deny_read.push(p),
                        Err(e) => self.err(s, e),
                    }
                }
            }
        }
        if let Some((_, v)) = get(t, "network_allow") {
            for (h, s) in self.strings(v, "network_allow") {
                if let Some(list) = h.strip_prefix('@') {
                    match self.allowlists.get(list) {
                        Some((_, raw)) => f.network_allow.extend(raw.iter().cloned()),
                        None => self.err(s, format!("unknown allowlist `{h}`")),
                    }
                } else {
                    match HostPattern::compile(&h) {
                        Ok(_) => f.network_allow.push(h),
                        Err(e) => self.err(s, e),
                    }
                }
            }
        }
        f
    }

    fn repos(&mut self, v: &Value<'_>) -> Vec<RepoMapping> {
        let mut out = Vec::new();
        for (index, (t, span)) in self.tables(v, "repos").into_iter().enumerate() {
            self.check_keys(t, REPO_KEYS, "a [[repos]] entry");
            if let Some((_, d)) = get(t, "description") {
                self.string(d, "description");
            }
            let tier = match get(t, "tier") {
                Some((_, tv)) => self.tier_ref(tv, "tier"),
                None => {
                    self.err(span.clone(), "[[repos]] entry has no `tier`");
                    None
                }
            };
            let mut remotes = Vec::new();
            if let Some((_, rv)) = get(t, "remote") {
                for (r, s) in self.strings(rv, "remote") {
                    let pattern = r.trim().to_ascii_lowercase();
                    if pattern.contains("://") || pattern.contains('@') {
                        self.err(s, format!("remote `{r}`: write the normalized form `host/owner/name` (globs allowed), without scheme or user"));
                        continue;
                    }
                    match NameGlob::compile(&pattern) {
                        Ok(g) => remotes.push((pattern, g)),
                        Err(e) => self.err(s, e),
                    }
                }
            }
            let mut paths = None;
            if let Some((_, pv)) = get(t, "path") {
                let mut raw = Vec::new();
                for (p, s) in self.strings(pv, "path") {
                    let anchored = p.starts_with('/') || p.starts_with("~/") || p.starts_with("**/");
                    if !anchored {
                        self.err(
                            s,
                            format!("repos path `{p}` must be absolute, start with `~/` or with `**/`"),
                        );
                        continue;
                    }
                    match check_path_pattern(&p) {
                        Ok(()) => raw.push(p),
                        Err(e) => self.err(s, e),
                    }
                }
                match PathSet::compile(raw.iter().map(String::as_str)) {
                    Ok(set) if !raw.is_empty() => paths = Some((raw, set)),
                    Ok(_) => {}
                    Err(e) => self.err(pv.span(), e),
                }
            }
            let mut markers = Vec::new();
            if let Some((_, mv)) = get(t, "marker") {
                for (m, s) in self.strings(mv, "marker") {
                    let bad = m.is_empty() || m.starts_with('/') || m.split(['/', '\\']).any(|c| c == "..");
                    if bad {
                        self.err(
                            s,
                            format!("marker `{m}` must be a file name relative to the repository root"),
                        );
                    } else {
                        markers.push(m);
                    }
                }
            }
            let has_selector =
                get(t, "remote").is_some() || get(t, "path").is_some() || get(t, "marker").is_some();
            if !has_selector {
                self.err(span.clone(), "[[repos]] entry needs `remote`, `path` or `marker`");
                continue;
            }
            if let Some(tier) = tier {
                out.push(RepoMapping {
                    index: index + 1,
                    line: self.line_of(&span),
                    tier,
                    remotes,
                    paths,
                    markers,
                });
            }
        }
        out
    }
}

fn first_line(s: &str) -> String {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_owned()
}
