//! The matchers rules are compiled into: command patterns over argv words, host patterns,
//! path glob sets (with `~`, workspace-relative and basename forms) and name globs (MCP).
//!
//! Everything here is built once when a policy loads; matching allocates nothing.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ward_model::path_case::fold;
use ward_model::ShellCommand;

use crate::glob::{expand_alternatives, has_glob_syntax, PathGlob, SplitPath, WordGlob};

/// One word of a command pattern.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Word {
    /// Matches exactly this argument.
    Literal(String),
    /// Matches one argument by glob (`*prod*`, `-[a-z]*f*`, `{main,master}`).
    Glob(WordGlob),
    /// The standalone word `*`: any number (zero or more) of arguments.
    Gap,
}

impl Word {
    fn compile(word: &str) -> Result<Word, String> {
        if word == "*" {
            return Ok(Word::Gap);
        }
        Ok(match word_glob(word)? {
            Some(m) => Word::Glob(m),
            None => Word::Literal(word.to_owned()),
        })
    }

    fn matches(&self, arg: &str) -> bool {
        match self {
            Word::Literal(l) => l == arg,
            Word::Glob(g) => g.matches(arg),
            Word::Gap => true,
        }
    }

    /// Whether some word that begins with `prefix` may match: an argument only known at run
    /// time still begins with what is spelled before its first expansion (`n=$(cat f)` is
    /// never `-x`). A glob is assumed to (the cautious reading).
    fn may_match_beginning(&self, prefix: &str) -> bool {
        match self {
            Word::Literal(l) => l.starts_with(prefix),
            Word::Glob(_) | Word::Gap => true,
        }
    }
}

/// What an argument only known at run time spells before its first expansion.
fn known_beginning(arg: &str) -> &str {
    arg.split(['$', '`']).next().unwrap_or_default()
}

/// A glob over one whole word (`*` may match `/`), or `None` when the word has no glob syntax.
pub(crate) fn word_glob(word: &str) -> Result<Option<WordGlob>, String> {
    if !has_glob_syntax(word) {
        return Ok(None);
    }
    WordGlob::compile(word).map(Some).map_err(|e| format!("bad glob `{word}`: {e}"))
}

/// A glob over one argument word, for `args_any` / `args_none`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ArgGlob(Word);

impl ArgGlob {
    pub(crate) fn compile(word: &str) -> Result<ArgGlob, String> {
        if word.is_empty() {
            return Err("empty argument pattern".into());
        }
        match word_glob(word)? {
            Some(m) => Ok(ArgGlob(Word::Glob(m))),
            None => Ok(ArgGlob(Word::Literal(word.to_owned()))),
        }
    }

    pub(crate) fn matches(&self, arg: &str) -> bool {
        self.0.matches(arg)
    }
}

/// A command pattern such as `terraform * apply` or `git push * --force`.
///
/// Syntax: words separated by whitespace. The first word matches the program (the basename of
/// `argv[0]`; a first word containing `/` matches `argv[0]` as written). Each further word
/// matches one argument, in order, by glob; the standalone word `*` matches any number of
/// arguments (zero or more). A pattern matches a prefix of the arguments — further arguments
/// are allowed — unless its last word is `$`, which anchors the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CommandPattern {
    program: Word,
    program_is_path: bool,
    args: Vec<Word>,
}

impl CommandPattern {
    pub(crate) fn compile(source: &str) -> Result<CommandPattern, String> {
        let mut words: Vec<&str> = source.split_whitespace().collect();
        let anchored = words.last() == Some(&"$");
        if anchored {
            words.pop();
        }
        let Some((first, rest)) = words.split_first() else {
            return Err("empty command pattern".into());
        };
        let program = match *first {
            "*" => Word::Gap,
            w => Word::compile(w)?,
        };
        let mut args = rest.iter().map(|w| Word::compile(w)).collect::<Result<Vec<_>, _>>()?;
        if !anchored && !matches!(args.last(), Some(Word::Gap)) {
            args.push(Word::Gap);
        }
        Ok(CommandPattern { program, program_is_path: first.contains('/'), args })
    }

    /// Whether the command could match when each word only known at run time
    /// ([`ShellCommand::unknown_args`]) stands for any number of words: the cautious reading
    /// deny and ask rules take (`terraform $(get-op)` may be `terraform apply`).
    pub(crate) fn may_match(&self, command: &ShellCommand) -> bool {
        if command.unknown_args.is_empty() {
            return self.matches(command);
        }
        if !self.program_matches(command) {
            return false;
        }
        let args = command.argv.get(1..).unwrap_or(&[]);
        let unknown: Vec<Unknown> = (1..command.argv.len())
            .map(|i| match (command.unknown_args.contains(&i), command.unknown_splits.contains(&i)) {
                (false, _) => Unknown::No,
                (true, false) => Unknown::OneWord,
                (true, true) => Unknown::Words,
            })
            .collect();
        words_may_match(&self.args, args, &unknown)
    }

    fn program_matches(&self, command: &ShellCommand) -> bool {
        let argv0 = command.argv.first().map(String::as_str).unwrap_or("");
        let program = if self.program_is_path {
            argv0
        } else if command.program.is_empty() {
            argv0.rsplit('/').next().unwrap_or(argv0)
        } else {
            command.program.as_str()
        };
        self.program.matches(program)
    }

    pub(crate) fn matches(&self, command: &ShellCommand) -> bool {
        let argv0 = command.argv.first().map(String::as_str).unwrap_or("");
        let program = if self.program_is_path {
            argv0
        } else if command.program.is_empty() {
            argv0.rsplit('/').next().unwrap_or(argv0)
        } else {
            command.program.as_str()
        };
        if !self.program.matches(program) {
            return false;
        }
        let args = command.argv.get(1..).unwrap_or(&[]);
        words_match(&self.args, args)
    }
}

/// Wildcard matching of pattern words against arguments, where `Gap` matches any run of
/// arguments. The classic two-pointer algorithm: linear in practice, no recursion.
fn words_match(pattern: &[Word], args: &[String]) -> bool {
    let (mut p, mut a) = (0usize, 0usize);
    let mut resume: Option<(usize, usize)> = None;
    while a < args.len() {
        match pattern.get(p) {
            Some(Word::Gap) => {
                resume = Some((p, a));
                p += 1;
                continue;
            }
            Some(w) if w.matches(&args[a]) => {
                p += 1;
                a += 1;
                continue;
            }
            _ => {}
        }
        match resume {
            Some((gp, ga)) => {
                p = gp + 1;
                a = ga + 1;
                resume = Some((gp, ga + 1));
            }
            None => return false,
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|w| matches!(w, Word::Gap))
}

/// What is known of one argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unknown {
    No,
    /// Exactly one word of unknown value (`"$X"`).
    OneWord,
    /// Any number of words (`$X` unquoted, xargs input).
    Words,
}

/// [`words_match`] where an unknown argument may be any word, and one that may split may be
/// any run of words. Memoized over (pattern, argument) positions.
fn words_may_match(pattern: &[Word], args: &[String], unknown: &[Unknown]) -> bool {
    let width = args.len() + 1;
    let mut seen = vec![false; (pattern.len() + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((p, a)) = stack.pop() {
        if std::mem::replace(&mut seen[p * width + a], true) {
            continue;
        }
        if a == args.len() && pattern[p..].iter().all(|w| matches!(w, Word::Gap)) {
            return true;
        }
        let gap = matches!(pattern.get(p), Some(Word::Gap));
        // The leading gap (`git * push`) stands for global options: it may not skip a known
        // operand (`git reset $MODE` is a reset whatever $MODE is, not `git … config`).
        let optionish = |i: usize| {
            args[i].starts_with('-') || (i > 0 && args[i - 1].starts_with('-') && !args[i - 1].contains('='))
        };
        let gap_may_skip = |a: usize| p > 0 || unknown[a] != Unknown::No || optionish(a);
        if gap {
            stack.push((p + 1, a));
        }
        if a < args.len() {
            if unknown[a] == Unknown::Words {
                // Stands for no word, or for this pattern word and maybe more.
                stack.push((p, a + 1));
                if p < pattern.len() {
                    stack.push((p + 1, a));
                    stack.push((p + 1, a + 1));
                }
            } else if unknown[a] == Unknown::OneWord {
                // Stands for this pattern word, or is one of the words a gap covers.
                if gap {
                    stack.push((p, a + 1));
                } else if pattern.get(p).is_some_and(|w| w.may_match_beginning(known_beginning(&args[a]))) {
                    stack.push((p + 1, a + 1));
                }
            } else if gap && gap_may_skip(a) {
                stack.push((p, a + 1));
            } else if !gap && pattern.get(p).is_some_and(|w| w.matches(&args[a])) {
                stack.push((p + 1, a + 1));
            }
        }
    }
    false
}

/// An admin `command_regex`, matched against the command's argv joined by spaces.
///
/// Only the pattern is serialized (a compiled `Regex` has no stable byte form); a policy loaded
/// from the compiled-policy cache rebuilds it on first use, so rules that never reach their
/// regex never pay for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CommandRegex {
    pattern: String,
    #[serde(skip)]
    compiled: std::sync::OnceLock<Option<regex::Regex>>,
}

impl CommandRegex {
    /// Validates and compiles `pattern`, with the size limit every policy regex gets.
    pub(crate) fn compile(pattern: &str) -> Result<CommandRegex, regex::Error> {
        let re = CommandRegex::build(pattern)?;
        Ok(CommandRegex { pattern: pattern.to_owned(), compiled: std::sync::OnceLock::from(Some(re)) })
    }

    fn build(pattern: &str) -> Result<regex::Regex, regex::Error> {
        // A compiled program and lazy-DFA cache of bounded size: matching stays linear and a
        // pathological pattern is an error at load, not a slow hook.
        regex::RegexBuilder::new(pattern)
            .size_limit(256 * 1024)
            .dfa_size_limit(1 << 20)
            .nest_limit(64)
            .build()
    }

    pub(crate) fn is_match(&self, line: &str) -> bool {
        // A cached pattern was compiled by this same build when the cache was written and the
        // blob is authenticated, so the rebuild cannot fail short of a defect; if it ever did,
        // the condition matches, the cautious reading for the deny/ask rules regexes guard.
        match self.compiled.get_or_init(|| CommandRegex::build(&self.pattern).ok()) {
            Some(re) => re.is_match(line),
            None => true,
        }
    }
}

/// A host pattern: `example.com` (exactly), `*.example.com` (subdomains only),
/// `**.example.com` (the domain and its subdomains), `*` (any host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum HostPattern {
    Exact(String),
    /// Stored with its leading dot: `.example.com`.
    Subdomains(String),
    /// The apex, and subdomains via the dotted form.
    ApexAndSubdomains {
        apex: String,
        dotted: String,
    },
    Any,
}

impl HostPattern {
    pub(crate) fn compile(source: &str) -> Result<HostPattern, String> {
        let s = source.trim().trim_end_matches('.').to_ascii_lowercase();
        let (kind, rest) = if s == "*" {
            return Ok(HostPattern::Any);
        } else if let Some(rest) = s.strip_prefix("**.") {
            (2, rest)
        } else if let Some(rest) = s.strip_prefix("*.") {
            (1, rest)
        } else {
            (0, s.as_str())
        };
        let valid = !rest.is_empty()
            && rest.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        let ip6 = kind == 0 && rest.starts_with('[') && rest.ends_with(']');
        if !valid && !ip6 {
            return Err(format!(
                "bad host pattern `{source}`: use `host.example`, `*.example` (subdomains), \
                 `**.example` (domain and subdomains) or `*`"
            ));
        }
        Ok(match kind {
            0 => HostPattern::Exact(rest.to_owned()),
            1 => HostPattern::Subdomains(format!(".{rest}")),
            _ => HostPattern::ApexAndSubdomains { apex: rest.to_owned(), dotted: format!(".{rest}") },
        })
    }

    /// `host` must already be lower-case without a trailing dot.
    pub(crate) fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => h == host,
            HostPattern::Subdomains(d) => host.len() > d.len() && host.ends_with(d.as_str()),
            HostPattern::ApexAndSubdomains { apex, dotted } => {
                host == apex || (host.len() > dotted.len() && host.ends_with(dotted.as_str()))
            }
            HostPattern::Any => true,
        }
    }
}

/// Normalizes a host for matching: lower-case, no trailing dot, no port.
pub(crate) fn normalize_host(host: &str) -> String {
    let h = host.trim().trim_end_matches('.');
    let h = if h.starts_with('[') {
        h.split_inclusive(']').next().unwrap_or(h)
    } else {
        h.rsplit_once(':').filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit())).map_or(h, |(n, _)| n)
    };
    h.to_ascii_lowercase()
}

/// A glob on a name (MCP server or tool): `*` matches anything.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct NameGlob(Word);

impl NameGlob {
    pub(crate) fn compile(source: &str) -> Result<NameGlob, String> {
        if source.is_empty() {
            return Err("empty name pattern".into());
        }
        match word_glob(source)? {
            Some(m) => Ok(NameGlob(Word::Glob(m))),
            None => Ok(NameGlob(Word::Literal(source.to_owned()))),
        }
    }

    pub(crate) fn matches(&self, name: &str) -> bool {
        self.0.matches(name)
    }
}

/// The forms of one path that path globs are matched against, computed once per evaluation,
/// case-folded.
#[derive(Debug, Clone)]
pub(crate) struct PathView {
    /// Absolute and lexically normalized (no `.`/`..`), or as given when it cannot be resolved.
    pub(crate) absolute: SplitPath,
    /// Relative to the home directory (`.aws/credentials`), when under it.
    pub(crate) home_relative: Option<SplitPath>,
    /// Relative to the workspace root, when under it.
    pub(crate) workspace_relative: Option<SplitPath>,
    /// Set when the path is itself a glob (`~/.a?s/credentials`, `cred*`, `DIR/**` for what a
    /// recursive command reaches, `**/x` after a `cd` to an unknown place): rules match it
    /// cautiously, when any path it could name would match.
    pub(crate) glob: Option<Box<GlobView>>,
}

/// A path glob with the home and workspace (as literal globs) that relative patterns are
/// anchored at.
#[derive(Debug, Clone)]
pub(crate) struct GlobView {
    glob: PathGlob,
    home: Option<PathGlob>,
    workspace: Option<PathGlob>,
}

impl PathView {
    /// Whether the path is one of `dirs` or inside one, or (for a glob) may reach into one.
    pub(crate) fn under_any(&self, dirs: &[String]) -> bool {
        match &self.glob {
            None => {
                let p = std::str::from_utf8(self.absolute.as_bytes()).unwrap_or_default();
                // `dirs` are lower-case, like `absolute`.
                dirs.iter().any(|d| p == d || p.strip_prefix(d.as_str()).is_some_and(|r| r.starts_with('/')))
            }
            Some(g) => {
                let Ok(everything) = PathGlob::compile("**") else { return true };
                dirs.iter()
                    .any(|d| literal_glob(d).is_none_or(|dg| everything.intersects(Some(&dg), &g.glob)))
            }
        }
    }
}

/// Whether a path names several files by shell glob syntax.
pub(crate) fn is_path_glob(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

fn literal_glob(path: &str) -> Option<PathGlob> {
    let mut escaped = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    PathGlob::compile(escaped.trim_end_matches('/')).ok()
}

impl PathView {
    /// `absolute` must come from [`absolutize`]; `home` and `workspace` likewise.
    pub(crate) fn new(absolute: &str, home: Option<&str>, workspace: Option<&str>) -> PathView {
        // `credentials.` and `credentials::$DATA` open `credentials` on Windows.
        let absolute = &*ward_model::path_case::as_windows_opens(absolute);
        let rooted = absolute.starts_with('/');
        let rel = |root: Option<&str>| {
            root.filter(|_| rooted).and_then(|r| relative_to(absolute, r)).map(|r| SplitPath::new(&r))
        };
        let glob = if is_path_glob(absolute) {
            PathGlob::compile(&fold(absolute)).ok().map(|glob| {
                Box::new(GlobView {
                    glob,
                    // `PathGlob::compile` folds the literal text itself.
                    home: home.and_then(literal_glob),
                    workspace: workspace.and_then(literal_glob),
                })
            })
        } else {
            None
        };
        PathView {
            absolute: SplitPath::new(absolute),
            home_relative: rel(home),
            workspace_relative: rel(workspace),
            glob,
        }
    }
}

/// A compiled list of path globs (see `docs/policy.md`, "Path patterns"). Patterns without `/`
/// match the file name anywhere; `~/…` is relative to the home; `/…` and `**/…` match the
/// absolute path; other patterns with a `/` are relative to the workspace root. A pattern
/// starting with `!` excludes what it matches from the set. Matching ignores ASCII case, since
/// the common desktop file systems do.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct PathSet {
    include: Forms,
    exclude: Forms,
    len: usize,
}

/// Patterns by the form of the path they apply to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Forms {
    basename: FormSet,
    home: FormSet,
    absolute: FormSet,
    workspace: FormSet,
}

/// One form's patterns: literal ones in a sorted list, `*.ext` as suffixes, the rest as globs.
///
/// Encoded compactly for the compiled-policy cache (every hook call decodes the sets its tier
/// uses): the literals are a sorted list (binary search; decoding hashes nothing), and `all`,
/// every pattern again as a glob for paths that are globs themselves, is not stored but rebuilt
/// from the three lists the first time such a path is matched.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FormSet {
    #[serde(deserialize_with = "sorted_literals")]
    literals: Vec<Box<[u8]>>,
    suffixes: Vec<Box<[u8]>>,
    globs: Vec<PathGlob>,
    #[serde(skip)]
    all: OnceLock<Vec<PathGlob>>,
}

/// Decodes the literal list and checks it is sorted and free of duplicates: an unsorted list
/// would make binary search miss a literal (a deny rule that does not match).
fn sorted_literals<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Box<[u8]>>, D::Error> {
    let literals = Vec::<Box<[u8]>>::deserialize(d)?;
    if literals.windows(2).any(|w| w[0] >= w[1]) {
        return Err(serde::de::Error::custom("path literals are not sorted"));
    }
    Ok(literals)
}

impl FormSet {
    fn add(&mut self, glob: PathGlob) {
        self.all = OnceLock::new();
        if let Some(lit) = glob.as_literal() {
            if let Err(at) = self.literals.binary_search_by(|l| l.as_ref().cmp(lit.as_slice())) {
                self.literals.insert(at, lit.into_boxed_slice());
            }
        } else if let Some(suffix) = glob.as_star_suffix() {
            self.suffixes.push(suffix.into());
        } else {
            self.globs.push(glob);
        }
    }

    /// Every pattern as a glob (see the type's note).
    fn all(&self) -> &[PathGlob] {
        self.all.get_or_init(|| {
            let mut all = Vec::with_capacity(self.literals.len() + self.suffixes.len() + self.globs.len());
            all.extend(self.literals.iter().map(|l| PathGlob::literal(l)));
            all.extend(self.suffixes.iter().map(|s| PathGlob::star_suffix(s)));
            all.extend(self.globs.iter().cloned());
            all
        })
    }

    fn has_literal(&self, bytes: &[u8]) -> bool {
        !self.literals.is_empty() && self.literals.binary_search_by(|l| l.as_ref().cmp(bytes)).is_ok()
    }

    fn matches(&self, path: &SplitPath) -> bool {
        let bytes = path.as_bytes();
        self.has_literal(bytes)
            || self.suffixes.iter().any(|s| bytes.ends_with(s))
            || self.globs.iter().any(|g| g.matches(path))
    }

    fn matches_name(&self, name: &[u8]) -> bool {
        self.has_literal(name)
            || self.suffixes.iter().any(|s| name.ends_with(s))
            || self.globs.iter().any(|g| g.matches_segment(name))
    }
}

impl Forms {
    /// For a path that is a glob: whether any path it can name matches (see
    /// [`PathGlob::intersects`]). Basename patterns are checked against a literal file name
    /// only: the files a name glob expands to are looked up on disk by [`crate::resolve`].
    fn may_match(&self, g: &GlobView) -> bool {
        if let Some(name) = g.glob.literal_file_name() {
            if self.basename.matches_name(name) {
                return true;
            }
        }
        // A pattern that matches a name anywhere (`**/.git/config`) is not matched against a
        // whole tree (`build/**`): any tree may hold one, so it would match every recursive
        // command. Like basename patterns, it is checked on the files found on disk.
        let tree = g.glob.is_tree();
        self.absolute
            .all()
            .iter()
            .filter(|p| !(tree && p.starts_anywhere()))
            .any(|p| g.glob.intersects(None, p))
            || g.home.as_ref().is_some_and(|h| self.home.all().iter().any(|p| p.intersects(Some(h), &g.glob)))
            || g.workspace
                .as_ref()
                .is_some_and(|w| self.workspace.all().iter().any(|p| p.intersects(Some(w), &g.glob)))
    }

    fn matches(&self, view: &PathView) -> bool {
        self.basename.matches_name(view.absolute.file_name())
            || view.home_relative.as_ref().is_some_and(|p| self.home.matches(p))
            || self.absolute.matches(&view.absolute)
            || view.workspace_relative.as_ref().is_some_and(|p| self.workspace.matches(p))
    }
}

/// Checks one path pattern on its own, so each bad pattern gets its own error position.
pub(crate) fn check_path_pattern(pattern: &str) -> Result<(), String> {
    PathSet::compile([pattern]).map(|_| ())
}

impl PathSet {
    pub(crate) fn compile<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<PathSet, String> {
        let mut set = PathSet::default();
        for raw in patterns {
            let (negated, pattern) = match raw.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, raw),
            };
            if pattern.is_empty() {
                return Err("empty path pattern".into());
            }
            let expanded = expand_alternatives(pattern).map_err(|e| format!("bad glob `{raw}`: {e}"))?;
            for pattern in &expanded {
                let forms = if negated { &mut set.exclude } else { &mut set.include };
                let (form, body) = if pattern == "~" || pattern == "~/" {
                    return Err(format!("path pattern `{raw}` names the whole home; use `~/**`"));
                } else if let Some(rest) = pattern.strip_prefix("~/") {
                    (&mut forms.home, rest)
                } else if pattern.starts_with('~') {
                    return Err(format!("path pattern `{raw}`: only `~/` (this user's home) is supported"));
                } else if pattern.starts_with('/') || pattern.starts_with("**/") {
                    (&mut forms.absolute, pattern.as_str())
                } else if let Some(rest) = pattern.strip_prefix("./") {
                    (&mut forms.workspace, rest)
                } else if pattern.trim_end_matches('/').contains('/') {
                    (&mut forms.workspace, pattern.as_str())
                } else {
                    (&mut forms.basename, pattern.as_str())
                };
                let body = body.trim_end_matches('/');
                let glob = PathGlob::compile(body).map_err(|e| format!("bad glob `{raw}`: {e}"))?;
                form.add(glob);
            }
            set.len += 1;
        }
        Ok(set)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn matches(&self, view: &PathView) -> bool {
        match &view.glob {
            // Exclusions are not applied to a glob: it may reach files they do not cover.
            Some(g) => self.include.may_match(g),
            None => self.include.matches(view) && !self.exclude.matches(view),
        }
    }
}

/// Lexically normalizes `path` against `cwd` and `home`: expands `~`, makes it absolute,
/// removes `.` and `..`. Never touches the file system (the file may not exist yet).
pub(crate) fn absolutize(path: &str, cwd: Option<&str>, home: &str) -> String {
    // `**/x` (from shell analysis): somewhere only known at run time; kept as a glob.
    if path.starts_with("**/") {
        return path.to_owned();
    }
    // `~user/x`: another user's home. Whose it is cannot be known here, and it may be this
    // user's own: it is read as this home, the cautious reading for credential rules.
    let user_home = path
        .strip_prefix('~')
        .filter(|r| !r.is_empty() && !r.starts_with('/'))
        .map(|r| r.split_once('/').map_or("", |(_, rest)| rest));
    let joined = if path == "~" || user_home == Some("") {
        home.to_owned()
    } else if let Some(rest) = path.strip_prefix("~/").or(user_home) {
        format!("{}/{rest}", home.trim_end_matches('/'))
    } else if path.starts_with('/') {
        path.to_owned()
    } else if let Some(cwd) = cwd.filter(|c| c.starts_with('/')) {
        format!("{}/{path}", cwd.trim_end_matches('/'))
    } else {
        return path.to_owned();
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(joined.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// `path` relative to `root` when `path` is `root` or under it (both absolute, normalized).
pub(crate) fn relative_to(path: &str, root: &str) -> Option<String> {
    let root = root.trim_end_matches('/');
    if root.is_empty() {
        return Some(path.trim_start_matches('/').to_owned());
    }
    let rest = path.strip_prefix(root)?;
    if rest.is_empty() {
        Some(String::new())
    } else {
        rest.strip_prefix('/').map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(argv: &[&str]) -> ShellCommand {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let program = argv[0].rsplit('/').next().unwrap().to_owned();
        ShellCommand { argv, program, ..Default::default() }
    }

    #[test]
    fn command_patterns_match_words_with_gaps_and_prefixes() {
        let table: &[(&str, &[&str], bool)] = &[
            ("terraform apply", &["terraform", "apply"], true),
            ("terraform apply", &["terraform", "apply", "-auto-approve"], true),
            ("terraform apply", &["terraform", "plan"], false),
            ("terraform * apply", &["terraform", "-chdir=x", "apply"], true),
            ("terraform * apply", &["terraform", "apply"], true),
            ("terraform apply*", &["terraform", "apply-x"], true),
            ("kubectl * delete *", &["kubectl", "-n", "prod", "delete", "pod", "x"], true),
            ("kubectl * delete *", &["kubectl", "get", "pods"], false),
            ("kubectl * --context *prod*", &["kubectl", "get", "--context", "eu-prod-1"], true),
            ("kubectl * --context *prod*", &["kubectl", "get", "--context", "staging"], false),
            ("git status $", &["git", "status"], true),
            ("git status $", &["git", "status", "-s"], false),
            ("git push * {main,master,release*}", &["git", "push", "origin", "release-2"], true),
            ("rm", &["/bin/rm", "-rf", "x"], true),
            ("/bin/rm", &["/bin/rm", "x"], true),
            ("/bin/rm", &["rm", "x"], false),
            ("* --help", &["anything", "--help"], true),
            ("git * push", &["git", "-C", "a", "b", "push"], true),
            ("a * b * c $", &["a", "b", "x", "b", "y", "c"], true),
            ("a * b * c $", &["a", "b", "x", "c", "y"], false),
        ];
        for (pattern, argv, expect) in table {
            let p = CommandPattern::compile(pattern).unwrap();
            assert_eq!(p.matches(&cmd(argv)), *expect, "{pattern} vs {argv:?}");
        }
    }

    #[test]
    fn bad_command_patterns_are_rejected() {
        assert!(CommandPattern::compile("").is_err());
        assert!(CommandPattern::compile("  $").is_err());
        assert!(CommandPattern::compile("git [").unwrap_err().contains("bad glob"));
        assert!(CommandPattern::compile("git {a,b").unwrap_err().contains("bad glob"));
    }

    #[test]
    fn host_patterns() {
        let table: &[(&str, &str, bool)] = &[
            ("github.com", "github.com", true),
            ("github.com", "api.github.com", false),
            ("*.github.com", "api.github.com", true),
            ("*.github.com", "github.com", false),
            ("*.github.com", "evilgithub.com", false),
            ("**.github.com", "github.com", true),
            ("**.github.com", "a.b.github.com", true),
            ("**.github.com", "xgithub.com", false),
            ("*", "anything.example", true),
            ("GitHub.COM.", "github.com", true),
        ];
        for (pattern, host, expect) in table {
            assert_eq!(HostPattern::compile(pattern).unwrap().matches(host), *expect, "{pattern} vs {host}");
        }
        for bad in ["", "*github.com", "git*hub.com", "a..b", "http://x", "a/b"] {
            assert!(HostPattern::compile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hosts_normalize() {
        assert_eq!(normalize_host("GitHub.com."), "github.com");
        assert_eq!(normalize_host("example.com:8443"), "example.com");
        assert_eq!(normalize_host("[::1]:80"), "[::1]");
    }

    #[test]
    fn paths_absolutize_lexically() {
        assert_eq!(absolutize("~/.aws/credentials", None, "/home/u"), "/home/u/.aws/credentials");
        assert_eq!(absolutize("../x/./y", Some("/w/repo"), "/home/u"), "/w/x/y");
        assert_eq!(absolutize("/../../etc", None, "/h"), "/etc");
        assert_eq!(absolutize("rel", None, "/h"), "rel");
        assert_eq!(relative_to("/w/repo/src/a", "/w/repo"), Some("src/a".into()));
        assert_eq!(relative_to("/w/repository", "/w/repo"), None);
        assert_eq!(relative_to("/w/repo", "/w/repo/"), Some(String::new()));
    }

    fn view(abs: &str, home: &str, ws: &str) -> PathView {
        PathView::new(abs, Some(home), Some(ws))
    }

    #[test]
    fn path_sets_match_each_form() {
        let set = PathSet::compile([
            ".env*",
            "!.env.example",
            "~/.aws/credentials",
            "/etc/shadow",
            "**/secrets/*",
            "config/prod.yml",
            "id_*",
            "!*.pub",
        ])
        .unwrap();
        let m = |abs: &str| set.matches(&view(abs, "/home/u", "/w/repo"));
        assert!(m("/w/repo/.env"));
        assert!(m("/w/repo/sub/.env.production"));
        assert!(!m("/w/repo/.env.example"));
        assert!(m("/home/u/.aws/credentials"));
        assert!(!m("/home/other/.aws/credentials"));
        assert!(m("/etc/shadow"));
        assert!(m("/w/repo/a/secrets/x"));
        assert!(!m("/w/repo/a/secrets/x/y"));
        assert!(m("/w/repo/config/prod.yml"));
        assert!(!m("/w/other/config/prod.yml"));
        assert!(m("/home/u/.ssh/id_ed25519"));
        assert!(!m("/home/u/.ssh/id_ed25519.pub"));
        assert!(m("/W/REPO/.ENV"));
    }

    #[test]
    fn short_names_with_braces_match_as_the_names_they_stand_for() {
        // `A{BC~1.TXT` may be Windows' short name of `a{bc.txt`; its braces are literal.
        let set = PathSet::compile(["~/notes/a\\{bc.txt"]).unwrap();
        assert!(set.matches(&view("/home/u/notes/a{bc.txt", "/home/u", "/w/repo")));
        assert!(set.matches(&view("/home/u/notes/A{BC~1.TXT", "/home/u", "/w/repo")));
        assert!(!set.matches(&view("/home/u/notes/X{BC~1.TXT", "/home/u", "/w/repo")));
    }

    #[test]
    fn bad_path_patterns_are_rejected() {
        assert!(PathSet::compile(["~"]).is_err());
        assert!(PathSet::compile(["~bob/x"]).is_err());
        assert!(PathSet::compile(["a[b"]).is_err());
        assert!(PathSet::compile(["!"]).is_err());
    }
}
