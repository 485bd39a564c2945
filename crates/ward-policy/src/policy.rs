//! The compiled policy: tiers with their rules, fail modes and floors; repository → tier
//! mapping; and rule evaluation of a normalized tool call.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use ward_model::{Access, Action, Decision, RuleMatch, ToolCall, Verdict};

use crate::deferred::Deferred;
use crate::error::{LoadError, PolicyError};
use crate::floor::{FailMode, Floor, TierFloors};
use crate::pattern::{
    absolutize, normalize_host, ArgGlob, CommandPattern, CommandRegex, HostPattern, NameGlob, PathSet,
    PathView,
};
use crate::repo::RepoInfo;

/// The built-in default policy (the three-tier matrix), used when no policy file is in force.
pub const BUILTIN_POLICY: &str = include_str!("builtin.toml");

/// Origin name of the built-in policy in messages.
pub const BUILTIN_ORIGIN: &str = "<builtin>";

/// A loaded, validated and compiled policy. Build it with [`Policy::from_toml_str`],
/// [`Policy::load`] or [`Policy::builtin`]; evaluating allocates little and compiles nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Policy {
    pub(crate) origin: String,
    /// In file order.
    pub(crate) tiers: Vec<Tier>,
    pub(crate) default_tier: String,
    /// Explicit `outside_repo_tier`, else the most cautious tier.
    pub(crate) outside_repo_tier: String,
    pub(crate) repos: Vec<RepoMapping>,
    pub(crate) rule_count: usize,
    /// Every rule once (a global rule is shared by the tiers it applies to), in file order;
    /// tiers list theirs by index. Deferred: from the cache, a rule is only decoded when a call
    /// is evaluated in a tier that has it.
    pub(crate) rules: Vec<Deferred<Rule>>,
    /// Every path class by name (built-in and admin-defined): rules refer to them by index, and
    /// audit events are labelled with them. Deferred: from the cache, a class is only decoded
    /// when a call has paths to match against it.
    pub(crate) classes: Vec<(String, Deferred<PathSet>)>,
    /// The `[approved]` lists (drift.rs); deferred, since no hook call reads them.
    pub(crate) approved: Deferred<crate::drift::Approved>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tier {
    pub(crate) name: String,
    pub(crate) rank: i64,
    pub(crate) description: String,
    pub(crate) fail: FailMode,
    pub(crate) default_decision: Decision,
    /// The tier's own rules and the global rules that apply to it, in file order (indices
    /// into [`Policy::rules`]).
    pub(crate) rules: Vec<u32>,
    pub(crate) floors: Deferred<TierFloors>,
}

/// One compiled rule. Conditions AND together; the entries of one list OR.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Rule {
    pub(crate) id: String,
    /// Position in the file: ties between equally restrictive rules go to the first.
    pub(crate) order: usize,
    pub(crate) decision: Decision,
    pub(crate) reason: String,
    pub(crate) agents: Vec<NameGlob>,
    /// Bit per [`Action`]; 0 = any action.
    pub(crate) actions: u8,
    pub(crate) command: Option<CommandCondition>,
    pub(crate) path: Option<PathCondition>,
    pub(crate) hosts: Vec<HostPattern>,
    pub(crate) hosts_not_in: Option<Vec<HostPattern>>,
    pub(crate) mcp_server: Vec<NameGlob>,
    pub(crate) mcp_tool: Vec<NameGlob>,
}

/// The conditions one shell command must meet together.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CommandCondition {
    pub(crate) patterns: Vec<Arc<CommandPattern>>,
    pub(crate) not_in: Vec<Arc<CommandPattern>>,
    pub(crate) regexes: Vec<CommandRegex>,
    pub(crate) args_any: Vec<ArgGlob>,
    pub(crate) args_none: Vec<ArgGlob>,
    pub(crate) runs_downloaded_code: Option<bool>,
    pub(crate) inline_code: Option<bool>,
}

/// The conditions one path target must meet together.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct PathCondition {
    /// The rule's own globs.
    pub(crate) globs: Option<PathSet>,
    /// Referenced `@classes` (indices into [`Policy::classes`]).
    pub(crate) classes: Vec<u32>,
    /// Bit per [`Access`]; 0 = any access.
    pub(crate) access: u8,
    pub(crate) outside_workspace: Option<bool>,
    /// `@ward`: Ward's own directories as this process uses them (see `resolve::ward_dirs`).
    #[serde(default)]
    pub(crate) ward_files: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RepoMapping {
    /// 1-based index among `[[repos]]` and its line, for explanations.
    pub(crate) index: usize,
    pub(crate) line: usize,
    pub(crate) tier: String,
    pub(crate) remotes: Vec<(String, NameGlob)>,
    pub(crate) paths: Option<(Vec<String>, PathSet)>,
    pub(crate) markers: Vec<String>,
}

/// Everything [`Policy::decide`] found: the repository, its tier and why, the verdict, and the
/// path classes the call touches (for the audit event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub repo: Option<RepoInfo>,
    pub tier: TierResolution,
    pub verdict: Verdict,
    /// See [`Policy::classes_of`]; computed in the same context as the verdict.
    pub classes: Vec<String>,
}

impl Decided {
    /// The decision explained in plain text, for `ward policy explain`: the decision and the
    /// deciding rule, the tier and why, the repository, and every rule that matched.
    pub fn explain(&self, policy: &Policy) -> String {
        use std::fmt::Write as _;
        let v = &self.verdict;
        let mut out = String::new();
        let _ = writeln!(out, "decision: {}", v.decision);
        let _ = writeln!(out, "rule:     {}: {}", v.rule, v.reason);
        let description =
            policy.tier_description(&self.tier.tier).map(|d| format!(" ({d})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "tier:     {}{description}, fails {}",
            self.tier.tier,
            policy.fail_mode(&self.tier.tier)
        );
        let _ = writeln!(out, "why:      {}", self.tier.why);
        match &self.repo {
            Some(r) => {
                let remote = r.remote.as_deref().unwrap_or("no remote");
                let _ = writeln!(out, "repo:     {} ({remote})", r.root.display());
            }
            None => out.push_str("repo:     none (not under version control)\n"),
        }
        let _ = writeln!(out, "policy:   {}", policy.origin());
        if v.matched.is_empty() {
            out.push_str("matched:  no rule; the tier default applies\n");
        } else {
            out.push_str("matched:\n");
            for m in &v.matched {
                let _ = writeln!(out, "  {:<5} {}: {}", m.decision.as_str(), m.rule, m.reason);
            }
        }
        out
    }
}

/// Where paths are resolved during one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalContext {
    /// The home `~` stands for.
    pub home: PathBuf,
    /// The workspace (repository root, else the call's cwd) for `outside_workspace` and
    /// workspace-relative globs. `None`: the call's `cwd`.
    pub workspace_root: Option<PathBuf>,
}

/// The tier a working directory gets, and why, in words for `ward policy explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierResolution {
    pub tier: String,
    pub why: String,
}

pub(crate) fn action_bit(a: Action) -> u8 {
    1 << (a as u8)
}

pub(crate) fn access_bit(a: Access) -> u8 {
    1 << (a as u8)
}

impl Policy {
    /// Parses, validates and compiles a policy. `origin` names the text in messages (a path).
    /// On error, every problem found is listed with its line and column.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        crate::compile::compile(text, origin)
    }

    /// Reads and compiles a policy file.
    pub fn load(path: &Path) -> Result<Policy, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| LoadError::Io { path: path.display().to_string(), source })?;
        Ok(Policy::from_toml_str(&text, &path.display().to_string())?)
    }

    /// The built-in default policy, compiled once per process.
    pub fn builtin() -> &'static Policy {
        static BUILTIN: OnceLock<Policy> = OnceLock::new();
        BUILTIN.get_or_init(|| match Policy::from_toml_str(BUILTIN_POLICY, BUILTIN_ORIGIN) {
            Ok(p) => p,
            // The built-in text is a constant checked by this crate's tests: an error here is a
            // build defect, not bad input.
            Err(e) => panic!("the built-in policy does not compile:\n{e}"),
        })
    }

    /// Where this policy came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Tier names, from least to most cautious: fail-open before fail-closed, then by rank,
    /// then in file order. The last one is the default `outside_repo_tier`.
    pub fn tier_names(&self) -> Vec<&str> {
        let mut tiers: Vec<(usize, &Tier)> = self.tiers.iter().enumerate().collect();
        tiers.sort_by_key(|(i, t)| caution(t, *i));
        tiers.into_iter().map(|(_, t)| t.name.as_str()).collect()
    }

    pub fn has_tier(&self, name: &str) -> bool {
        self.tier(name).is_some()
    }

    /// Number of rules (tier rules and global rules, each counted once).
    pub fn rule_count(&self) -> usize {
        self.rule_count
    }

    pub fn default_tier(&self) -> &str {
        &self.default_tier
    }

    pub fn outside_repo_tier(&self) -> &str {
        &self.outside_repo_tier
    }

    /// The tier's description, if it has one.
    pub fn tier_description(&self, tier: &str) -> Option<&str> {
        self.tier(tier).map(|t| t.description.as_str()).filter(|d| !d.is_empty())
    }

    /// What a hook does in this tier when it cannot decide. Unknown tiers fail closed.
    pub fn fail_mode(&self, tier: &str) -> FailMode {
        self.tier(tier).map_or(FailMode::Closed, |t| t.fail)
    }

    /// The floor `tier` requires of `agent` (the tier's common floor with the agent's
    /// overrides). `None` for an unknown tier.
    pub fn floor(&self, tier: &str, agent: &str) -> Option<Floor> {
        // Floors that cannot be decoded from the cache (a defect) read as an unknown tier.
        let floors = self.tier(tier)?.floors.get()?;
        Some(match floors.agents.get(agent) {
            Some(over) => floors.common.overlaid(over),
            None => floors.common.clone(),
        })
    }

    /// Agents that have their own floor overrides in `tier`.
    pub fn floor_agents(&self, tier: &str) -> Vec<&str> {
        self.tier(tier)
            .and_then(|t| t.floors.get())
            .map(|f| f.agents.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn tier(&self, name: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.name == name)
    }

    /// The tier of a working directory: the first `[[repos]]` entry whose selectors all match
    /// (remote globs against the normalized remote, path globs against the repository root or
    /// `cwd`, marker files in the repository root, else `cwd`); else `default_tier` for a
    /// repository, `outside_repo_tier` for a folder outside version control.
    /// `home` is what `~` in path globs stands for.
    pub fn tier_for(&self, cwd: Option<&Path>, repo: Option<&RepoInfo>, home: &Path) -> TierResolution {
        let home_s = home.to_string_lossy();
        let mut dirs: Vec<String> = Vec::new();
        if let Some(r) = repo {
            dirs.push(absolutize(&r.root.to_string_lossy(), None, &home_s));
        }
        if let Some(c) = cwd {
            dirs.push(absolutize(&c.to_string_lossy(), None, &home_s));
        }
        let marker_dir: Option<&Path> = repo.map(|r| r.root.as_path()).or(cwd);
        for m in &self.repos {
            let mut because: Vec<String> = Vec::new();
            if !m.remotes.is_empty() {
                let Some(remote) = repo.and_then(|r| r.remote.as_deref()) else { continue };
                let Some((src, _)) = m.remotes.iter().find(|(_, g)| g.matches(remote)) else { continue };
                because.push(format!("remote {remote} matches \"{src}\""));
            }
            if let Some((srcs, set)) = &m.paths {
                let hit = dirs.iter().find(|d| set.matches(&PathView::new(d, Some(&home_s), None)));
                let Some(dir) = hit else { continue };
                because.push(format!("path {dir} matches {}", quote_list(srcs)));
            }
            if !m.markers.is_empty() {
                let Some(dir) = marker_dir else { continue };
                let Some(marker) = m.markers.iter().find(|mk| dir.join(mk).exists()) else { continue };
                because.push(format!("marker file {marker} is present in {}", dir.display()));
            }
            return TierResolution {
                tier: m.tier.clone(),
                why: format!("{} ([[repos]] entry {} at line {})", because.join(" and "), m.index, m.line),
            };
        }
        match (repo, cwd) {
            (Some(r), _) => TierResolution {
                tier: self.default_tier.clone(),
                why: format!(
                    "repository {} matches no [[repos]] entry: default_tier",
                    r.remote.clone().unwrap_or_else(|| format!("{} (no remote)", r.root.display()))
                ),
            },
            (None, Some(c)) => TierResolution {
                tier: self.outside_repo_tier.clone(),
                why: format!("{} is not under version control: outside_repo_tier", c.display()),
            },
            (None, None) => TierResolution {
                tier: self.outside_repo_tier.clone(),
                why: "no working directory is known: outside_repo_tier".to_owned(),
            },
        }
    }

    /// The whole decision for one call, as `ward hook` and `ward policy explain` make it: the
    /// repository around `call.cwd` (read from disk), its tier, and the evaluation under that
    /// tier with the repository root (else the cwd) as the workspace. `home` is what `~` means.
    pub fn decide(&self, call: &ToolCall, home: &Path) -> Decided {
        let cwd = call.cwd.as_deref().filter(|c| !c.is_empty()).map(PathBuf::from);
        let repo = cwd.as_deref().and_then(RepoInfo::discover);
        let tier = self.tier_for(cwd.as_deref(), repo.as_ref(), home);
        self.decide_under(call, home, repo, tier)
    }

    /// The evaluation half of [`Policy::decide`], for callers that select the tier themselves
    /// (the hook remembers tiers it has seen): the same on-disk view of the call's paths
    /// (symbolic links followed, name globs expanded) for the verdict and the path classes.
    pub fn decide_under(
        &self,
        call: &ToolCall,
        home: &Path,
        repo: Option<RepoInfo>,
        tier: TierResolution,
    ) -> Decided {
        let cwd = call.cwd.as_deref().filter(|c| !c.is_empty()).map(PathBuf::from);
        let ctx = EvalContext {
            home: home.to_path_buf(),
            workspace_root: repo.as_ref().map(|r| r.root.clone()).or(cwd),
        };
        // Symbolic links and name globs are resolved on disk here (the hook's path), not in
        // `evaluate`, which stays a pure function of the call.
        let extra = crate::resolve::resolve_targets(call, &ctx.home.to_string_lossy());
        let view = CallView::with_extra(call, &ctx, &extra);
        let verdict = self.evaluate_view(call, &tier.tier, &view);
        let classes = self.classes_in(&view);
        Decided { repo, tier, verdict, classes }
    }

    /// Decides `call` under `tier`: every matching rule counts, the most restrictive decision
    /// wins (deny > ask > log > allow), ties go to the rule first in the file; when nothing
    /// matches, the tier's `default_decision` applies (rule id `default`). An unknown tier is
    /// denied: a caller bug must not open the gate.
    pub fn evaluate(&self, call: &ToolCall, tier: &str, ctx: &EvalContext) -> Verdict {
        self.evaluate_view(call, tier, &CallView::with_extra(call, ctx, &[]))
    }

    /// [`Policy::evaluate`] with the read-only file-system lookups [`Policy::decide`] makes:
    /// symbolic links in the call's paths are followed and name globs expanded, so a link
    /// to a credential file is judged as that file.
    pub fn evaluate_on_disk(&self, call: &ToolCall, tier: &str, ctx: &EvalContext) -> Verdict {
        let extra = crate::resolve::resolve_targets(call, &ctx.home.to_string_lossy());
        self.evaluate_view(call, tier, &CallView::with_extra(call, ctx, &extra))
    }

    /// The path classes (`credentials`, admin-defined ones) that any path of `call` falls in,
    /// sorted. Audit events carry them so "which agents touched a credential" is one query.
    pub fn classes_of(&self, call: &ToolCall, ctx: &EvalContext) -> Vec<String> {
        self.classes_in(&CallView::with_extra(call, ctx, &[]))
    }

    fn classes_in(&self, view: &CallView) -> Vec<String> {
        self.classes
            .iter()
            // A class that cannot be decoded from the cache (a defect) labels every path: an
            // audit label is better spurious than missing.
            .filter(|(_, set)| view.paths.iter().any(|(p, _, _)| set.get().is_none_or(|set| set.matches(p))))
            .map(|(name, _)| name.clone())
            .collect()
    }

    fn evaluate_view(&self, call: &ToolCall, tier: &str, view: &CallView) -> Verdict {
        let Some(t) = self.tier(tier) else {
            return Verdict {
                decision: Decision::Deny,
                rule: "unknown-tier".to_owned(),
                reason: format!("tier `{tier}` is not defined in policy {}", self.origin),
                tier: tier.to_owned(),
                matched: Vec::new(),
            };
        };
        let rules: Option<Vec<&Rule>> =
            t.rules.iter().map(|&i| self.rules.get(i as usize).and_then(Deferred::get)).collect();
        let Some(rules) = rules else {
            // A rule of the tier did not decode from the cache (a defect; the cache file was
            // authenticated): decide nothing on a partial rule set.
            return Verdict {
                decision: Decision::Deny,
                rule: "policy-cache-defect".to_owned(),
                reason: format!("the rules of tier `{tier}` could not be decoded from the policy cache"),
                tier: tier.to_owned(),
                matched: Vec::new(),
            };
        };
        let mut matched: Vec<RuleMatch> = Vec::new();
        let mut best: Option<(Decision, usize)> = None;
        for rule in rules {
            let Some(how) = rule.matches(call, view, &self.classes) else { continue };
            if best.is_none_or(|(d, _)| rule.decision > d) {
                best = Some((rule.decision, matched.len()));
            }
            let reason = match how.note() {
                Some(note) => format!("{} ({note})", rule.reason),
                None => rule.reason.clone(),
            };
            matched.push(RuleMatch { rule: rule.id.clone(), decision: rule.decision, reason });
        }
        let mut verdict = match best.and_then(|(_, i)| matched.get(i).cloned()) {
            Some(decider) => Verdict {
                decision: decider.decision,
                rule: decider.rule,
                reason: decider.reason,
                tier: t.name.clone(),
                matched,
            },
            None => Verdict {
                decision: t.default_decision,
                rule: "default".to_owned(),
                reason: format!("no rule matched; the default of tier {} is {}", t.name, t.default_decision),
                tier: t.name.clone(),
                matched,
            },
        };
        apply_fail_mode(&mut verdict, call, t.fail);
        verdict
    }
}

/// Rule id of the fail mode applied to a call whose command or patch could not be fully
/// analyzed ([`ToolCall::unanalyzed`]).
pub const UNANALYZABLE_RULE: &str = "ward.unanalyzable";
/// Rule id of the fail mode applied to a tool or event Ward does not know, that no rule decided.
pub const UNKNOWN_TOOL_RULE: &str = "ward.unknown-tool";

/// Calls no rule can vouch for take the tier's fail mode when the rules did not already decide
/// them as strictly: an unanalyzable command (unbalanced quotes, a program named only at run
/// time) may not be what the rules saw, and an unknown tool or event was matched by no rule
/// written for it. Fail-closed tiers deny; fail-open tiers allow and record (`log`). When it
/// decides, the fail mode is listed as a match and named as the deciding rule; when a rule
/// already decided as strictly, the verdict is left as it is.
fn apply_fail_mode(verdict: &mut Verdict, call: &ToolCall, fail: FailMode) {
    let (rule, why) = match &call.unanalyzed {
        Some(why) => (UNANALYZABLE_RULE, why.clone()),
        None if call.action == Action::Other && verdict.rule == "default" => (
            UNKNOWN_TOOL_RULE,
            format!("Ward does not know the tool or event `{}` of {}", call.tool, call.agent),
        ),
        None => return,
    };
    let (floor, reason) = match fail {
        FailMode::Closed => (Decision::Deny, format!("{why}; tier {} fails closed", verdict.tier)),
        FailMode::Open => {
            (Decision::Log, format!("{why}; allowed and recorded (tier {} fails open)", verdict.tier))
        }
    };
    if verdict.decision < floor {
        verdict.matched.push(RuleMatch { rule: rule.to_owned(), decision: floor, reason: reason.clone() });
        verdict.decision = floor;
        verdict.rule = rule.to_owned();
        verdict.reason = reason;
    }
}

/// Sort key from least to most cautious.
pub(crate) fn caution(tier: &Tier, index: usize) -> (bool, i64, usize) {
    (tier.fail == FailMode::Closed, tier.rank, index)
}

fn quote_list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    q.join(" or ")
}

/// What rules look at, computed once per evaluation.
struct CallView {
    actions: u8,
    /// Each path target's forms, its access bit, and whether it is in (or may reach into)
    /// one of Ward's own directories.
    paths: Vec<(PathView, u8, bool)>,
    hosts: Vec<String>,
}

impl CallView {
    /// The view of `call` with `extra` targets (what its paths resolve to on disk) added.
    fn with_extra(call: &ToolCall, ctx: &EvalContext, extra: &[ward_model::PathTarget]) -> CallView {
        let actions = call.effective_actions().into_iter().fold(0u8, |acc, a| acc | action_bit(a));
        let home = ctx.home.to_string_lossy();
        let cwd = call.cwd.as_deref();
        let workspace = match &ctx.workspace_root {
            Some(root) => Some(absolutize(&root.to_string_lossy(), None, &home)),
            None => {
                cwd.filter(|c| c.starts_with('/') || c.starts_with('~')).map(|c| absolutize(c, None, &home))
            }
        };
        let ward_dirs = crate::resolve::ward_dirs_cached(&home);
        let paths = call
            .paths
            .iter()
            .chain(extra)
            .map(|p| {
                let absolute = absolutize(&p.path, cwd, &home);
                let view = PathView::new(&absolute, Some(&home), workspace.as_deref());
                let in_ward = view.under_any(&ward_dirs);
                (view, access_bit(p.access), in_ward)
            })
            .collect();
        let mut hosts: Vec<String> = call.hosts.iter().map(|h| normalize_host(h)).collect();
        for url in &call.urls {
            if let Some(h) = host_of_url(url) {
                let h = normalize_host(h);
                if !hosts.contains(&h) {
                    hosts.push(h);
                }
            }
        }
        hosts.retain(|h| !h.is_empty());
        CallView { actions, paths, hosts }
    }
}

/// The host of `scheme://[user@]host[:port]/…`, for URLs whose host the adapter did not list.
fn host_of_url(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!host.is_empty()).then_some(host)
}

/// How a rule matched: on what the call is known to do, or cautiously, on what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HowMatched {
    /// A word the command rule looks at is only known at run time and was taken to be the one
    /// the rule looks for.
    unknown_words: bool,
    /// A path is a glob or a directory tree that may include a file the rule names.
    glob_path: bool,
}

impl HowMatched {
    fn note(&self) -> Option<&'static str> {
        match (self.unknown_words, self.glob_path) {
            (true, _) => Some("matched cautiously: part of the command is only known at run time and may be what this rule looks for"),
            (false, true) => Some("matched cautiously: a glob or a directory tree in the call may include a file this rule names"),
            (false, false) => None,
        }
    }
}

impl Rule {
    /// Whether the rule matches, and how. Rules that restrict (log, ask, deny) match words
    /// only known at run time cautiously, as possibly the words they look for; an allow rule
    /// matches only what is known, so an unknown word cannot loosen a decision.
    fn matches(
        &self,
        call: &ToolCall,
        view: &CallView,
        classes: &[(String, Deferred<PathSet>)],
    ) -> Option<HowMatched> {
        let mut how = HowMatched { unknown_words: false, glob_path: false };
        if self.actions != 0 && self.actions & view.actions == 0 {
            return None;
        }
        if !self.agents.is_empty() && !self.agents.iter().any(|g| g.matches(&call.agent)) {
            return None;
        }
        if let Some(c) = &self.command {
            match c.matches(call, self.decision > Decision::Allow) {
                CommandMatch::No => return None,
                CommandMatch::Exact => {}
                CommandMatch::Cautious => how.unknown_words = true,
            }
        }
        if let Some(p) = &self.path {
            let restrictive = self.decision > Decision::Allow;
            let exact = view.paths.iter().any(|(pv, access, ward)| {
                pv.glob.is_none() && p.matches(pv, *access, *ward, classes, restrictive)
            });
            if !exact {
                let cautious = restrictive
                    && view.paths.iter().any(|(pv, access, ward)| {
                        pv.glob.is_some() && p.matches(pv, *access, *ward, classes, true)
                    });
                if !cautious {
                    return None;
                }
                how.glob_path = true;
            }
        }
        if !self.hosts.is_empty() && !view.hosts.iter().any(|h| self.hosts.iter().any(|p| p.matches(h))) {
            return None;
        }
        if let Some(allowed) = &self.hosts_not_in {
            // A network call whose destination is unknown (a web search, an unparsable URL)
            // cannot be shown to stay on the allowlist, so it counts as leaving it.
            let unknown_destination =
                view.hosts.is_empty() && view.actions & action_bit(Action::Network) != 0;
            if !unknown_destination && !view.hosts.iter().any(|h| !allowed.iter().any(|p| p.matches(h))) {
                return None;
            }
        }
        if !self.mcp_server.is_empty() || !self.mcp_tool.is_empty() {
            let Some(mcp) = &call.mcp else { return None };
            if !self.mcp_server.is_empty() && !self.mcp_server.iter().any(|g| g.matches(&mcp.server)) {
                return None;
            }
            if !self.mcp_tool.is_empty() && !self.mcp_tool.iter().any(|g| g.matches(&mcp.tool)) {
                return None;
            }
        }
        Some(how)
    }
}

/// How a command condition matched one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CommandMatch {
    No,
    Exact,
    /// Only when words known at run time are read as the ones the condition looks for.
    Cautious,
}

impl CommandCondition {
    /// True when only `command_not_in` is set: then a call with no analyzed commands matches,
    /// since nothing shows it runs only listed commands.
    fn only_not_in(&self) -> bool {
        !self.not_in.is_empty()
            && self.patterns.is_empty()
            && self.regexes.is_empty()
            && self.args_any.is_empty()
            && self.runs_downloaded_code != Some(true)
            && self.inline_code != Some(true)
    }

    fn matches(&self, call: &ToolCall, cautious: bool) -> CommandMatch {
        if call.commands.is_empty() {
            return if self.only_not_in() { CommandMatch::Exact } else { CommandMatch::No };
        }
        if call.commands.iter().any(|c| self.matches_one(c, false)) {
            return CommandMatch::Exact;
        }
        let unknown = call.commands.iter().any(|c| !c.unknown_args.is_empty());
        if cautious && unknown && call.commands.iter().any(|c| self.matches_one(c, true)) {
            return CommandMatch::Cautious;
        }
        CommandMatch::No
    }

    /// `cautious`: unknown words may be whatever makes the condition hold — a pattern may
    /// match, an `args_any` glob may match, but nothing unknown proves a command is in
    /// `command_not_in` or has an `args_none` argument.
    fn matches_one(&self, c: &ward_model::ShellCommand, cautious: bool) -> bool {
        let pattern_hit = |p: &Arc<CommandPattern>| if cautious { p.may_match(c) } else { p.matches(c) };
        if !self.patterns.is_empty() && !self.patterns.iter().any(pattern_hit) {
            return false;
        }
        if !self.not_in.is_empty() && self.not_in.iter().any(|p| p.matches(c)) {
            return false;
        }
        if self.runs_downloaded_code.is_some_and(|want| c.runs_downloaded_code != want) {
            return false;
        }
        if self.inline_code.is_some_and(|want| c.inline_code != want) {
            return false;
        }
        let args = c.argv.get(1..).unwrap_or(&[]);
        let unknown = |i: usize| c.unknown_args.contains(&(i + 1));
        // An unknown word may be the argument `args_any` looks for; a one-word unknown only
        // when the pattern did not already need it to be the pattern's own word.
        if !self.args_any.is_empty() {
            let known_hit = args.iter().any(|a| self.args_any.iter().any(|g| g.matches(a)));
            let may_be_any = || {
                let pattern_exact = self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(c));
                (0..args.len()).any(|i| unknown(i) && (pattern_exact || c.unknown_splits.contains(&(i + 1))))
            };
            let cautious_hit = cautious && !c.unknown_args.is_empty() && may_be_any();
            if !known_hit && !cautious_hit {
                return false;
            }
        }
        if args.iter().enumerate().any(|(i, a)| !unknown(i) && self.args_none.iter().any(|g| g.matches(a))) {
            return false;
        }
        // Cautiously, a regex cannot be checked on words it cannot see: it counts as matching.
        let regex_unknowable = cautious && !c.unknown_args.is_empty();
        if !self.regexes.is_empty() && !regex_unknowable {
            let line = c.argv.join(" ");
            if !self.regexes.iter().any(|r| r.is_match(&line)) {
                return false;
            }
        }
        true
    }
}

impl PathCondition {
    /// `classes`: the policy's path classes; one that cannot be decoded from the cache (a
    /// defect) counts as matching for a restrictive rule and as not matching for an allow rule.
    fn matches(
        &self,
        view: &PathView,
        access: u8,
        in_ward: bool,
        classes: &[(String, Deferred<PathSet>)],
        restrictive: bool,
    ) -> bool {
        if self.access != 0 && self.access & access == 0 {
            return false;
        }
        if let Some(outside) = self.outside_workspace {
            if view.workspace_relative.is_none() != outside {
                return false;
            }
        }
        let has_globs =
            self.globs.as_ref().is_some_and(|g| !g.is_empty()) || !self.classes.is_empty() || self.ward_files;
        if !has_globs {
            return true;
        }
        (self.ward_files && in_ward)
            || self.globs.as_ref().is_some_and(|g| g.matches(view))
            || self.classes.iter().any(|&i| {
                classes
                    .get(i as usize)
                    .and_then(|(_, set)| set.get())
                    .map_or(restrictive, |set| set.matches(view))
            })
    }
}
