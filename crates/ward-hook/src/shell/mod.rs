//! Shell command analysis: what a command line would really run, which files it touches and
//! which hosts it talks to — through wrappers (`sudo`, `env`, `bash -lc`, `xargs`, …),
//! substitutions, pipelines, redirections and interpreter one-liners.
//!
//! Quoted text is data: `grep "rm -rf" src/` runs `grep`, not `rm`. Text becomes code only where
//! a program executes it (`sh -c`, `eval`, `watch`, `find -exec`, `ssh host cmd`, a shell reading
//! a pipe or here-document), and there it is analyzed recursively.

mod braces;
mod lexer;
mod printf;
mod streams;
mod tables;

use std::collections::{HashMap, VecDeque};

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
        return analyzer.out;
    }
    let mut analyzer = Analyzer { env, ..Analyzer::default() };
    analyzer.script(command, &[], 0);
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
}

/// A `for`/`select` header being read: its variable's name, whether `in` was read, and the
/// list's words (None once one is not known statically).
struct LoopHeader {
    name: Option<String>,
    listing: bool,
    words: Option<Vec<String>>,
}

impl Default for LoopHeader {
    fn default() -> LoopHeader {
        LoopHeader { name: None, listing: false, words: Some(Vec::new()) }
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
        self.cwd = None;
        self.aliases.clear();
        self.written.clear();
    }

    fn add_path(&mut self, path: &str, access: Access) {
        let path = match self.known_path(path) {
            Some(p) => p,
            None => {
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
        if !self.out.paths.contains(&target) {
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
                let mut segs: Vec<&str> = Vec::new();
                for (i, seg) in text.split('/').enumerate() {
                    let unknown = seg.contains('$') || seg.contains('`') || (whole && i == 0);
                    let seg = if unknown { "**" } else { seg };
                    if !(seg == "**" && segs.last() == Some(&"**")) {
                        segs.push(seg);
                    }
                }
                if segs.iter().all(|s| s.is_empty() || *s == "**") {
                    return None;
                }
                text = segs.join("/");
            }
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
        if tables::SHELL_COMMAND_VARIABLES.contains(&name) {
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

    /// Records a file written or deleted whose path is only known at run time.
    fn unknown_target(&mut self, what: String) {
        if self.out.unknown_targets.len() < 16 && !self.out.unknown_targets.contains(&what) {
            self.out.unknown_targets.push(what);
        }
    }

    /// `cd DIR` / `pushd DIR`: later relative paths in the line are under DIR.
    fn change_directory(&mut self, args: &[String]) {
        let operand = args.iter().find(|a| !plain(a).starts_with('-') || plain(a) == "-");
        let target = match operand {
            None => Some("~".to_owned()),
            Some(a) if plain(a) == "-" => None,
            Some(a) => self.known_path(a).filter(|p| !p.starts_with("**/")),
        };
        self.cwd = Some(target.unwrap_or_default());
    }

    fn add_unknown_host(&mut self) {
        if !self.out.hosts.iter().any(|h| h == UNKNOWN_HOST) {
            self.out.hosts.push(UNKNOWN_HOST.to_owned());
        }
    }

    fn add_host(&mut self, host: &str) {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty()
            || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
        {
            return;
        }
        if !self.out.hosts.contains(&host) {
            self.out.hosts.push(host);
        }
    }

    /// A URL or a bare `host[:port][/path]` argument of a network client.
    fn add_url(&mut self, arg: &str, bare_host_ok: bool) {
        if let Some(host) = url_host(arg) {
            if !self.out.urls.iter().any(|u| u == arg) {
                self.out.urls.push(arg.to_owned());
            }
            self.add_host(&host);
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
        if depth > MAX_DEPTH {
            self.error("commands nested too deeply to analyze");
            self.out.dynamic = true;
            return Stream::Opaque;
        }
        let lexed = lex(src);
        if let Some(e) = lexed.error {
            self.error(&e);
        }

        let mut current = Simple::default();
        let mut stdin = Stream::None;
        let mut last_out = Stream::None;
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

        while let Some(tok) = tokens.pop_front() {
            if case_pattern {
                match tok {
                    Token::Op(Op::RParen) => case_pattern = false,
                    Token::Word(w) if w.text == "esac" && w.first_quoted.is_none() => {
                        case_pattern = false;
                        case_depth = case_depth.saturating_sub(1);
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
                    if current.words.is_empty() && current.redirs.is_empty() && w.first_quoted.is_none() {
                        match w.text.as_str() {
                            "if" | "then" | "else" | "elif" | "fi" | "do" | "done" | "while" | "until"
                            | "!" | "{" | "}" | "esac" | "[[" | "]]" => {
                                if w.text == "esac" {
                                    case_depth = case_depth.saturating_sub(1);
                                }
                                if matches!(w.text.as_str(), "while" | "until") {
                                    // The loop's condition (`read f`) reads what is redirected
                                    // into the loop after its `done`.
                                    if let Some(input) = self.loop_input(&mut tokens, wrappers, depth) {
                                        stdin = input;
                                    }
                                }
                                if w.text != "[[" {
                                    continue;
                                }
                            }
                            "for" | "select" => {
                                skip_to_separator = true;
                                loop_header = Some(LoopHeader::default());
                                continue;
                            }
                            "case" => {
                                case_depth += 1;
                                case_header = true;
                                continue;
                            }
                            "function" => {
                                // `function name { …; }` / `function name() …`: skip the name.
                                if matches!(tokens.front(), Some(Token::Word(_))) {
                                    tokens.pop_front();
                                }
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
                            tokens.pop_front();
                            current = Simple::default();
                            continue;
                        }
                    }
                    let simple = std::mem::take(&mut current);
                    let out = if skip_to_separator || (simple.words.is_empty() && simple.redirs.is_empty()) {
                        Stream::None
                    } else {
                        let stdin_now = std::mem::replace(&mut stdin, Stream::None);
                        self.simple(simple, stdin_now, wrappers, depth)
                    };
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
                            // `echo x | ( sh )`: the group's first command keeps the pipe.
                            last_out = Stream::None;
                            continue;
                        }
                        Op::RParen => {
                            match paren_depth.checked_sub(1) {
                                Some(d) => paren_depth = d,
                                None => self.error("unbalanced `)`"),
                            }
                            if out != Stream::None {
                                last_out = out;
                            }
                            stdin = Stream::None;
                            // Keep `last_out` so `( curl … ) | sh` sees the download.
                            continue;
                        }
                        Op::CaseEnd if case_depth > 0 => case_pattern = true,
                        _ => {}
                    }
                    last_out = out;
                    stdin = Stream::None;
                }
            }
        }
        if paren_depth > 0 {
            self.error("unbalanced `(`");
        }
        if !skip_to_separator && (!current.words.is_empty() || !current.redirs.is_empty()) {
            let stdin_now = std::mem::replace(&mut stdin, Stream::None);
            last_out = self.simple(current, stdin_now, wrappers, depth);
        }
        last_out
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
                }
                RedirKind::In => {
                    self.add_path(&r.target.text, Access::Read);
                    stdin = self.file_input(&r.target, outputs);
                }
                RedirKind::Dup => {}
                RedirKind::HereDoc | RedirKind::HereString => stdin = here_input(r),
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
                if let Some((name, value)) = w.assignment() {
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
                    self.loop_vars.remove(name);
                    match literal {
                        Some(v) => self.vars.insert(name.to_owned(), v),
                        None => self.vars.remove(name),
                    };
                }
            }
            return Stream::None;
        }

        // `GIT_SSH_COMMAND='…' git fetch`, `LD_PRELOAD=./x.so ls`: code the command runs.
        for w in &words[..start] {
            if let Some((name, value)) = w.assignment() {
                self.code_in_variable(name, value, w.dynamic, wrappers, depth);
            }
        }
        // `IFS=: read -r a b`: the command splits with the IFS given to it.
        let ifs_given = words[..start].iter().find_map(|w| match w.assignment() {
            Some(("IFS", value)) if !w.dynamic => Some(value.to_owned()),
            _ => None,
        });
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
        for (w, sub_out) in word_iter {
            self.argument_words(w, sub_out.as_ref(), &mut argv);
        }
        let ifs_before = ifs_given.map(|ifs| self.vars.insert("IFS".to_owned(), ifs));
        let out = self.exec(argv, wrappers.to_vec(), stdin, downloaded_arg, depth);
        match ifs_before {
            Some(Some(before)) => {
                self.vars.insert("IFS".to_owned(), before);
            }
            Some(None) => {
                self.vars.remove("IFS");
            }
            None => {}
        }
        // Remember what this command wrote into files, for a later `sh FILE`/`python FILE`.
        let mut redirected = false;
        for r in &redirs {
            let has_target = !r.target.text.is_empty();
            if matches!(r.kind, RedirKind::Out | RedirKind::Append) && has_target {
                if let Some(key) = self.known_path(&r.target.text) {
                    let key = key.trim_start_matches("./").to_owned();
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
            let mut inner = wrappers.to_vec();
            inner.push(if sub.process { "<(…)".to_owned() } else { "$(…)".to_owned() });
            outs.push(self.script(&sub.script, &inner, depth + 1));
        }
        outs
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
        let whole_substitution = w.subs.len() == 1
            && ((w.text.starts_with("$(") && w.text.ends_with(')'))
                || (w.text.starts_with('`') && w.text.ends_with('`')));
        if whole_substitution {
            match outputs {
                [Stream::Literal(text)] => words.extend(text.split_whitespace().map(str::to_owned)),
                [Stream::Names(patterns)] => words.extend(patterns.iter().cloned()),
                _ => return,
            }
            header.words = Some(words);
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
                    None => return,
                },
                (true, false) => return,
            }
        }
        header.words = Some(words);
    }

    /// The header ended: its variable takes its words in the body, or is unknown there.
    fn loop_variable(&mut self, header: LoopHeader) {
        let Some(name) = header.name else { return };
        self.vars.remove(&name);
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
                } else {
                    argv.push(value);
                }
                return;
            }
        } else if w.subs.len() == 1 && (text.starts_with("$(") || text.starts_with('`')) {
            let whole = text.ends_with(')') || text.ends_with('`');
            match sub_out {
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
                let parts: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
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
                    Some((array, subscript)) if subscript.ends_with(']') => array,
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
        let args = &argv[1..];

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
                    wrappers.push(inner.label.unwrap_or_else(|| program.clone()));
                    let mut rest = argv[inner.start..].to_vec();
                    if spec.name == "xargs" {
                        // `xargs cmd` feeds cmd arguments from its input: stdin, or the file
                        // `-a FILE` names.
                        let input = match xargs_input_file(&argv[1..inner.start]) {
                            Some(file) => self.written_content(&file),
                            None => stdin,
                        };
                        xargs_arguments(&argv[1..inner.start], &mut rest, &input);
                        return self.exec(rest, wrappers, Stream::Opaque, downloaded_arg, depth + 1);
                    }
                    return self.exec(rest, wrappers, stdin, downloaded_arg, depth + 1);
                }
            }
            self.record(&argv, &wrappers);
            return Stream::Opaque;
        }

        if tables::is_shell(&program) {
            return self.shell(&program, argv.clone(), wrappers, stdin, downloaded_arg, depth);
        }
        if let Some(flags) = tables::interpreter(&program) {
            return self.interpreter(&program, flags, &argv, wrappers, stdin, downloaded_arg, depth);
        }

        match program.as_str() {
            "cd" | "pushd" => {
                self.record(&argv, &wrappers);
                self.change_directory(args);
                return Stream::None;
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                // `export F=~/.aws/credentials`: an assignment like `F=…` on its own.
                self.record(&argv, &wrappers);
                for a in args.iter().filter(|a| !plain(a).starts_with('-')) {
                    let Some((name, value)) = plain(a).split_once('=') else { continue };
                    let valid =
                        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if !valid {
                        continue;
                    }
                    self.code_in_variable(name, value, is_unknown(a), &wrappers, depth);
                    self.loop_vars.remove(name);
                    if is_unknown(a) {
                        self.vars.remove(name);
                    } else {
                        self.vars.insert(name.to_owned(), value.to_owned());
                    }
                }
                return Stream::None;
            }
            "unset" => {
                // An unset variable expands to nothing (not to the hook's value of it).
                self.record(&argv, &wrappers);
                for a in args.iter().filter(|a| !plain(a).starts_with('-') && !is_unknown(a)) {
                    self.vars.insert(plain(a).to_owned(), String::new());
                }
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
            "mapfile" | "readarray" => {
                self.record(&argv, &wrappers);
                let plain_args: Vec<String> = args.iter().map(|a| plain(a).to_owned()).collect();
                let parsed = streams::mapfile_invocation(&plain_args);
                if let Some(code) = &parsed.callback {
                    // `-C CODE`: code run on the lines read.
                    if args.iter().any(|a| is_unknown(a)) {
                        self.out.dynamic = true;
                    } else {
                        wrappers.push(format!("{program} -C"));
                        self.script(code, &wrappers, depth + 1);
                    }
                }
                match &stdin {
                    _ if parsed.other_descriptor => {
                        self.vars.remove(&parsed.array);
                        self.loop_vars.remove(&parsed.array);
                    }
                    Stream::Literal(text) => {
                        self.bind(parsed.array.clone(), streams::mapfile_values(&parsed, text))
                    }
                    Stream::Names(patterns) => self.bind(parsed.array.clone(), patterns.clone()),
                    _ => {
                        self.vars.remove(&parsed.array);
                        self.loop_vars.remove(&parsed.array);
                    }
                }
                return Stream::None;
            }
            "printf" if args.first().map(String::as_str) == Some("-v") => {
                // `printf -v f '%s/.aws/credentials' ~`: an assignment.
                self.record(&argv, &wrappers);
                if let (Some(name), text) = printf_arguments(args) {
                    match text {
                        Some(text) => self.bind(name, vec![text]),
                        None => {
                            self.vars.remove(&name);
                            self.loop_vars.remove(&name);
                        }
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
                    (None, Stream::Literal(t)) => Some(t.clone()),
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
        let recursive = tables::is_recursive(&program, args);
        let moves = program == "mv" || (program == "git" && plain_subcommand(args) == Some("mv"));
        tables::file_arguments(&program, args, &mut |path, access| {
            self.add_path(path, access);
            if recursive || (moves && access == Access::Delete) {
                self.add_path(&subtree(path), access);
            }
        });
        if !tables::knows_file_arguments(&program)
            && tables::network_kind(&program).is_none()
            && !matches!(program.as_str(), "echo" | "printf" | "git" | "cd" | "pushd" | "test" | "[")
        {
            // A program Ward has no table for (an editor, a custom tool): an argument that looks
            // like a path may be a file it reads (`vim ~/.ssh/id_rsa`, `tool --in=~/.aws/x`).
            for a in args {
                let value =
                    a.split_once('=').filter(|(k, _)| k.starts_with('-')).map_or(a.as_str(), |(_, v)| v);
                if !value.starts_with('-')
                    && !value.contains("://")
                    && (value.contains('/') || value.starts_with('~') || value.starts_with('.'))
                    && tables::looks_like_path(plain(value))
                {
                    self.add_path(value, Access::Read);
                }
            }
        }
        if program == "git" {
            // `git -c core.sshCommand='…' fetch`, `git -c alias.x='!…' x`: configuration given
            // on the command line that runs commands.
            for (key, value, unknown) in tables::git_command_line_config(args) {
                let key = key.to_ascii_lowercase();
                let mut inner = wrappers.clone();
                inner.push(format!("git -c {key}"));
                match tables::git_config_runs(&key, &value) {
                    Some(_) if unknown => self.out.dynamic = true,
                    Some(tables::GitConfigCode::Shell(script)) => {
                        self.script(&script, &inner, depth + 1);
                    }
                    Some(tables::GitConfigCode::Unseen) => self.out.dynamic = true,
                    None => {}
                }
            }
            tables::git_file_arguments(args, &mut |path, access, tree| {
                self.add_path(path, access);
                if tree {
                    self.add_path(&subtree(path), access);
                }
            });
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
                    for cmd in tables::awk_pipes(&code) {
                        self.script(&cmd, &inner, depth + 1);
                    }
                }
                None => {}
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
        self.network_arguments(&program, args);
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
            Stream::Literal(text) => {
                wrappers.push(format!("{program} <stdin"));
                self.script(&text, &wrappers, depth + 1);
            }
            // File names run as commands: which ones is only known at run time.
            Stream::Opaque | Stream::Names(_) => self.out.dynamic = true,
            Stream::None => {}
        }
        Stream::Opaque
    }

    /// `$0`, `$1`, …, `$@`, `$*`, `$#` of a `sh -c` script from its operands. An operand only
    /// known at run time leaves its parameter (and `$@`) unknown.
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
            for f in &inv.in_place_files {
                self.add_path(f, Access::Write);
            }
            return Stream::Opaque;
        }
        match inv.script_file {
            Some(file) if file != "-" => {
                self.add_path(&file, Access::Execute);
                if downloaded_arg {
                    self.mark(i, true, false);
                }
                // A script this same line wrote (`echo … > x.py; python x.py`) is read as code.
                match self.written_script(&file) {
                    Some(Some(code)) => {
                        wrappers.push(format!("{program} {file}"));
                        self.inline_code(&code, &wrappers, depth);
                    }
                    Some(None) => self.out.dynamic = true,
                    None => {}
                }
            }
            _ if !inv.module => {
                if stdin == Stream::Download || downloaded_arg {
                    self.mark(i, true, false);
                } else if let Stream::Literal(code) = &stdin {
                    // `python3 <<'EOF' … EOF`: the here-document is the program.
                    self.mark(i, false, true);
                    wrappers.push(format!("{program} <stdin"));
                    self.inline_code(code, &wrappers, depth);
                } else if stdin == Stream::Opaque {
                    self.out.dynamic = true;
                }
            }
            _ => {}
        }
        Stream::Opaque
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
        for lit in tables::code_literals(code) {
            if lit.contains("://") {
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

    /// A file this command line wrote before running it: `Some(Some(text))` when its content
    /// is known, `Some(None)` when it was written with content only known at run time.
    fn written_script(&self, file: &str) -> Option<Option<String>> {
        let key = self.known_path(file)?;
        self.written.get(key.trim_start_matches("./")).cloned()
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
        // `-printf '%f'`, `-ls`: names may be printed bare, relative to where it runs.
        let mut names = found;
        if argv.iter().any(|a| matches!(a.as_str(), "-printf" | "-fprintf" | "-ls" | "-fls")) {
            names.extend(["*".to_owned(), ".*".to_owned()]);
        }
        Stream::Names(names)
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
        let placeholders: Vec<Access> =
            self.out.paths.iter().skip(before).filter(|p| p.path == "{}").map(|p| p.access).collect();
        self.out.paths.retain(|p| p.path != "{}");
        for access in placeholders {
            for p in found {
                self.add_path(p, access);
            }
        }
    }

    /// `fd`/`fdfind`: lists the trees under its search paths, and runs `-x`/`-X` commands on
    /// what it finds (`{}`, `{/}`, `{//}`, `{.}`, `{/.}` stand for a found path; without one
    /// the path is appended). Returns the names it prints.
    fn fd(&mut self, argv: &[String], wrappers: &[String], depth: usize) -> Stream {
        let parsed = streams::fd_invocation(argv.get(1..).unwrap_or_default());
        self.record(argv, wrappers);
        for root in &parsed.roots {
            self.add_path(root, Access::Read);
        }
        // It prints what is under a search path, never the path itself.
        let found: Vec<String> = parsed.roots.iter().map(|r| subtree(r)).collect();
        for mut command in parsed.execs {
            let mut placeholder = false;
            for w in command.iter_mut().skip(1) {
                for form in ["{//}", "{/.}", "{/}", "{.}", "{}"] {
                    if w.contains(form) {
                        *w = w.replace(form, "{}");
                        placeholder = true;
                    }
                }
            }
            if !placeholder {
                command.push("{}".to_owned());
            }
            self.run_on_found(command, "fd -x".to_owned(), &found, wrappers, depth);
        }
        Stream::Names(found)
    }

    /// The `read` builtin: the variables it assigns take the words of its input (every line
    /// of it, as a `while read` loop reads them), or are unknown when the input is.
    fn read_builtin(&mut self, args: &[String], stdin: &Stream) {
        let args: Vec<String> = args.iter().map(|a| plain(a).to_owned()).collect();
        let parsed = streams::read_invocation(&args);
        let ifs = self.vars.get("IFS").cloned().unwrap_or_else(|| " \t\n".to_owned());
        let bound = match stdin {
            _ if parsed.other_descriptor => None,
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
                    self.bind(name, values);
                }
            }
            None => {
                for name in parsed.names.iter().chain(&parsed.array) {
                    self.vars.remove(name);
                    self.loop_vars.remove(name);
                }
            }
        }
    }

    /// `name` takes one of `values` at run time: one is an assignment, several a loop
    /// variable's words.
    fn bind(&mut self, name: String, mut values: Vec<String>) {
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

    /// What an input redirection feeds the command: a process substitution's output
    /// (`< <(echo …)`), a file this line wrote with known content, or run-time content.
    fn file_input(&self, target: &Word, outputs: Vec<Stream>) -> Stream {
        if target.text.starts_with("<(") {
            return match <[Stream; 1]>::try_from(outputs) {
                Ok([Stream::None]) | Err(_) => Stream::Opaque,
                Ok([output]) => output,
            };
        }
        let written =
            self.known_path(&target.text).and_then(|key| self.written.get(key.trim_start_matches("./")));
        match written {
            Some(Some(text)) => Stream::Literal(text.clone()),
            _ => Stream::Opaque,
        }
    }

    /// What reading `file` gives: its text when this line wrote it with known content.
    fn written_content(&self, file: &str) -> Stream {
        match self.written_script(file) {
            Some(Some(text)) => Stream::Literal(text),
            _ => Stream::Opaque,
        }
    }

    /// The input redirected into a `while`/`until` loop after its `done` (the tokens after
    /// the loop keyword are `tokens`); a process substitution there is analyzed now, once.
    fn loop_input(
        &mut self,
        tokens: &mut VecDeque<Token>,
        wrappers: &[String],
        depth: usize,
    ) -> Option<Stream> {
        let mut nesting = 1usize;
        let mut command_start = true;
        let mut done_at = None;
        for (at, token) in tokens.iter().enumerate() {
            match token {
                Token::Word(w) => {
                    let keyword = command_start && w.first_quoted.is_none();
                    if keyword && matches!(w.text.as_str(), "while" | "until" | "for" | "select") {
                        nesting += 1;
                    } else if keyword && w.text == "done" {
                        nesting -= 1;
                        if nesting == 0 {
                            done_at = Some(at);
                            break;
                        }
                    }
                    command_start = keyword
                        && matches!(
                            w.text.as_str(),
                            "do" | "then" | "else" | "elif" | "if" | "while" | "until" | "!" | "{"
                        );
                }
                Token::Op(_) => command_start = true,
                Token::Redir(_) => command_start = false,
            }
        }
        let mut input = None;
        for token in tokens.iter_mut().skip(done_at? + 1) {
            let Token::Redir(r) = token else { break };
            match r.kind {
                RedirKind::In => {
                    let outputs = self.substitutions(&r.target, wrappers, depth);
                    r.target.subs.clear();
                    input = Some(self.file_input(&r.target, outputs));
                }
                RedirKind::HereDoc | RedirKind::HereString => input = Some(here_input(r)),
                _ => {}
            }
        }
        input
    }

    fn ssh(&mut self, argv: &[String], wrappers: &[String], depth: usize) {
        self.record(argv, wrappers);
        let inv = tables::ssh_invocation(argv.get(1..).unwrap_or_default());
        for f in &inv.reads {
            self.add_path(f, Access::Read);
        }
        if let Some(host) = &inv.host {
            self.add_host(host);
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

    fn network_arguments(&mut self, program: &str, args: &[String]) {
        match tables::network_kind(program) {
            Some(tables::NetworkKind::HttpClient) => {
                let inv = tables::http_client_invocation(program, args);
                for u in &inv.urls {
                    self.add_url(u, true);
                }
                for r in &inv.reads {
                    self.add_path(r, Access::Read);
                }
                for w in &inv.writes {
                    self.add_path(w, Access::Write);
                }
            }
            Some(tables::NetworkKind::HostFirst) => {
                if let Some(host) = tables::first_operand(program, args) {
                    let host = host.rsplit('@').next().unwrap_or_default();
                    self.add_host(host);
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

/// What a here-document or here-string feeds the command.
fn here_input(r: &Redirection) -> Stream {
    match r.kind {
        RedirKind::HereDoc => Stream::Literal(r.body.clone().unwrap_or_default()),
        _ if r.target.dynamic && r.target.subs.is_empty() => Stream::Opaque,
        _ => Stream::Literal(r.target.text.clone()),
    }
}

/// `DIR/**`: everything under a directory a recursive command names.
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
        leading_assignments &= w.assignment().is_some();
        let expanded = if leading_assignments || !w.subs.is_empty() {
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
                brace_syntax: Vec::new(),
            })),
            None => out.push(w),
        }
    }
    out
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

/// The arguments `xargs` adds to its command from its input: the words of a literal input
/// (`echo apply | xargs terraform`), or a word only known at run time. With `-I R` / `-i`, the
/// input replaces `R` inside the command's words instead.
fn xargs_arguments(xargs_args: &[String], command: &mut Vec<String>, stdin: &Stream) {
    if let Stream::Names(patterns) = stdin {
        // `find ~/.aws | xargs cat`: one found path per argument, or per replaced word.
        match xargs_replace_string(xargs_args) {
            Some(r) if !r.is_empty() => {
                let mut with_names = Vec::with_capacity(command.len() + patterns.len());
                for (at, w) in command.iter().enumerate() {
                    if at > 0 && w.contains(&r) {
                        with_names.extend(patterns.iter().map(|p| w.replace(&r, p)));
                    } else {
                        with_names.push(w.clone());
                    }
                }
                *command = with_names;
            }
            _ => command.extend(patterns.iter().cloned()),
        }
        return;
    }
    let literal = match stdin {
        Stream::Literal(t) => Some(t.clone()),
        _ => None,
    };
    match (xargs_replace_string(xargs_args), literal) {
        (Some(r), Some(text)) if !r.is_empty() => {
            let line = text.lines().next().unwrap_or_default().trim().to_owned();
            for w in command.iter_mut().skip(1) {
                if w.contains(&r) {
                    *w = w.replace(&r, &line);
                }
            }
        }
        (Some(r), None) if !r.is_empty() => {
            // A word that is the input is unknown; inside a longer word (`sh -c 'rm {}'`) the
            // input becomes a variable no one assigned, which analysis treats as unknown.
            for w in command.iter_mut().skip(1) {
                if *w == r {
                    w.insert(0, UNKNOWN);
                } else if w.contains(&r) && !is_unknown(w) {
                    *w = w.replace(&r, "$__xargs_input");
                }
            }
        }
        (_, Some(text)) => command.extend(text.split_whitespace().map(str::to_owned)),
        (_, None) => command.push(format!("{UNKNOWN}<xargs input>")),
    }
}

/// What `echo` prints: its words after its options, with escapes read under `-e`. Without
/// `-e`, a backslash is printed by bash but read as an escape by dash's `echo`: unknown.
fn echo_output(args: &[String]) -> Stream {
    let mut interpret = false;
    let mut words = args.iter().map(String::as_str).peekable();
    while let Some(option) = words
        .peek()
        .filter(|a| a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E')))
    {
        interpret = option.rfind('e').is_some_and(|e| option.rfind('E').is_none_or(|big| e > big));
        words.next();
    }
    let text = words.collect::<Vec<_>>().join(" ");
    match (interpret, text.contains('\\')) {
        (_, false) => Stream::Literal(text),
        (true, true) => Stream::Literal(printf::escapes(&text, true).0),
        (false, true) => Stream::Opaque,
    }
}

/// `printf [-v NAME] [--] FORMAT ARGS…`: the variable it assigns (`-v`) and the text it
/// prints, when known.
fn printf_arguments(args: &[String]) -> (Option<String>, Option<String>) {
    let mut rest = args;
    let mut variable = None;
    if rest.first().map(String::as_str) == Some("-v") {
        variable = rest.get(1).map(|v| plain(v).to_owned());
        rest = rest.get(2..).unwrap_or_default();
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

/// `xargs -a FILE` / `--arg-file=FILE`: the file its input comes from instead of stdin.
fn xargs_input_file(xargs_args: &[String]) -> Option<String> {
    let mut it = xargs_args.iter().map(|a| plain(a));
    let mut file = None;
    while let Some(a) = it.next() {
        if a == "-a" || a == "--arg-file" {
            file = it.next().map(str::to_owned);
        } else if let Some(f) = a.strip_prefix("--arg-file=").or_else(|| a.strip_prefix("-a")) {
            file = Some(f.to_owned());
        }
    }
    file
}

/// `xargs -I R` / `-i` / `--replace`: the string its input replaces in the command.
fn xargs_replace_string(xargs_args: &[String]) -> Option<String> {
    let mut replace: Option<String> = None;
    let mut it = xargs_args.iter();
    while let Some(a) = it.next() {
        let a = plain(a);
        if a == "-I" {
            replace = it.next().map(|r| plain(r).to_owned());
        } else if let Some(r) = a.strip_prefix("-I") {
            replace = Some(r.to_owned());
        } else if a == "-i" || a == "--replace" {
            replace = Some("{}".to_owned());
        } else if let Some(r) = a.strip_prefix("--replace=").or_else(|| a.strip_prefix("-i")) {
            replace = Some(r.to_owned());
        }
    }
    replace
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
        _ if streams::line_filter(program, args).is_some() => {
            match (streams::line_filter(program, args), stdin) {
                (Some(streams::Filter::Lines), s @ (Stream::Literal(_) | Stream::Names(_))) => s,
                (_, Stream::Download) => Stream::Download,
                _ => Stream::Opaque,
            }
        }
        _ => match stdin {
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
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    if scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    host_of_authority(authority)
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
    fn base64_round_trip() {
        assert_eq!(base64_decode("cm0gLXJmIC8=").as_deref(), Some("rm -rf /"));
        assert_eq!(base64_decode("not base64!"), None);
    }

    #[test]
    fn hosts_from_urls() {
        assert_eq!(url_host("https://User:pw@Example.COM:8443/x?y").as_deref(), Some("example.com"));
        assert_eq!(url_host("http://[::1]:80/"), Some("::1".to_owned()));
        assert_eq!(url_host("file:///etc/passwd"), None);
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
            ("fd -e o -X rm", "./**"),
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
