//! Shell command analysis: what a command line would really run, which files it touches and
//! which hosts it talks to — through wrappers (`sudo`, `env`, `bash -lc`, `xargs`, …),
//! substitutions, pipelines, redirections and interpreter one-liners.
//!
//! Quoted text is data: `grep "rm -rf" src/` runs `grep`, not `rm`. Text becomes code only where
//! a program executes it (`sh -c`, `eval`, `watch`, `find -exec`, `ssh host cmd`, a shell reading
//! a pipe or here-document), and there it is analyzed recursively.

mod lexer;
mod tables;

use std::collections::HashMap;

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
}

impl ShellAnalysis {
    /// True if any command runs `program` (basename).
    pub fn runs(&self, program: &str) -> bool {
        self.commands.iter().any(|c| c.program == program)
    }

    /// Why the line cannot be trusted to be what the analysis says, if it cannot: the text of
    /// [`ward_model::ToolCall::unanalyzed`], which gives the call the tier's fail mode.
    pub fn unanalyzed(&self) -> Option<String> {
        match &self.parse_error {
            Some(e) => Some(format!("shell command could not be fully parsed: {e}")),
            None => self.dynamic.then(|| "shell command runs code that is only known at run time".to_owned()),
        }
    }
}

/// Analyze a shell command line. Never fails: unparsable parts are reported in
/// [`ShellAnalysis::parse_error`] and everything readable is still analyzed.
pub fn analyze(command: &str) -> ShellAnalysis {
    let mut analyzer = Analyzer::default();
    analyzer.script(command, &[], 0);
    analyzer.out
}

/// What flows out of a command's stdout, as far as it matters for what a downstream shell runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stream {
    /// Nothing known to be piped (start of a pipeline).
    None,
    /// Content downloaded from the network.
    Download,
    /// Text known statically (`echo …`, a here-document, `$(echo rm)`).
    Literal(String),
    /// Content computed at run time.
    Opaque,
}

#[derive(Default)]
struct Analyzer {
    out: ShellAnalysis,
    /// Variables assigned literally earlier in the line (`X=rm; $X -rf /`).
    vars: HashMap<String, String>,
    /// Analyzing the command of `find -exec`, whose `{}` stands for the found files.
    in_find_exec: bool,
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

    fn add_path(&mut self, path: &str, access: Access) {
        let Some(path) = normalize_path(path) else { return };
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
        let mut case_depth = 0usize;
        let mut case_header = false;
        let mut case_pattern = false;
        let mut paren_depth = 0usize;
        let mut tokens = lexed.tokens.into_iter().peekable();

        while let Some(tok) = tokens.next() {
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
                        // `for f in $(cat ~/.netrc)`: the list is skipped, its substitutions run.
                        self.substitutions(&w, wrappers, depth);
                        continue;
                    }
                    if current.words.is_empty() && current.redirs.is_empty() && w.first_quoted.is_none() {
                        match w.text.as_str() {
                            "if" | "then" | "else" | "elif" | "fi" | "do" | "done" | "while" | "until"
                            | "!" | "{" | "}" | "esac" | "[[" | "]]" => {
                                if w.text == "esac" {
                                    case_depth = case_depth.saturating_sub(1);
                                }
                                if w.text != "[[" {
                                    continue;
                                }
                            }
                            "for" | "select" => {
                                skip_to_separator = true;
                                continue;
                            }
                            "case" => {
                                case_depth += 1;
                                case_header = true;
                                continue;
                            }
                            "function" => {
                                // `function name { …; }` / `function name() …`: skip the name.
                                if matches!(tokens.peek(), Some(Token::Word(_))) {
                                    tokens.next();
                                }
                                if matches!(tokens.peek(), Some(Token::Op(Op::LParen))) {
                                    tokens.next();
                                    if matches!(tokens.peek(), Some(Token::Op(Op::RParen))) {
                                        tokens.next();
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
                        if matches!(tokens.peek(), Some(Token::Op(Op::RParen))) {
                            tokens.next();
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

        for r in &redirs {
            self.substitutions(&r.target, wrappers, depth);
            match r.kind {
                RedirKind::Out | RedirKind::Append => self.add_path(&r.target.text, Access::Write),
                RedirKind::InOut => {
                    self.add_path(&r.target.text, Access::Read);
                    self.add_path(&r.target.text, Access::Write);
                }
                RedirKind::In => {
                    self.add_path(&r.target.text, Access::Read);
                    stdin = Stream::Opaque;
                }
                RedirKind::Dup => {}
                RedirKind::HereDoc => {
                    stdin = Stream::Literal(r.body.clone().unwrap_or_default());
                }
                RedirKind::HereString => {
                    stdin = if r.target.dynamic && r.target.subs.is_empty() {
                        Stream::Opaque
                    } else {
                        Stream::Literal(r.target.text.clone())
                    };
                }
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
                    } else {
                        None
                    };
                    match literal {
                        Some(v) => self.vars.insert(name.to_owned(), v),
                        None => self.vars.remove(name),
                    };
                }
            }
            return Stream::None;
        }

        let mut argv: Vec<String> = Vec::with_capacity(words.len() - start);
        let mut word_iter = words.iter().zip(sub_outputs.iter()).skip(start);
        if let Some((first, sub_out)) = word_iter.next() {
            match self.resolve_program_word(first, sub_out.as_ref()) {
                Some(parts) => argv.extend(parts),
                None => {
                    self.out.dynamic = true;
                    argv.push(first.text.clone());
                }
            }
        }
        for (w, _) in word_iter {
            argv.push(w.text.clone());
        }
        self.exec(argv, wrappers.to_vec(), stdin, downloaded_arg, depth)
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
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
                let end = braced.find('}')?;
                (&braced[..end], &braced[end + 1..])
            } else {
                let end =
                    after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            out.push_str(self.vars.get(name)?);
            rest = tail;
        }
        out.push_str(rest);
        Some(out)
    }

    fn record(&mut self, argv: &[String], wrappers: &[String]) -> usize {
        let program = program_name(argv.first().map(String::as_str).unwrap_or_default());
        self.push_command(ShellCommand {
            argv: argv.to_vec(),
            program,
            wrappers: wrappers.to_vec(),
            runs_downloaded_code: false,
            inline_code: false,
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
                    // `xargs cmd` feeds cmd arguments from its input, not stdin.
                    let inner_stdin = if spec.name == "xargs" { Stream::Opaque } else { stdin };
                    let rest = argv[inner.start..].to_vec();
                    return self.exec(rest, wrappers, inner_stdin, downloaded_arg, depth + 1);
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
            "eval" => {
                if downloaded_arg {
                    let i = self.record(&argv, &wrappers);
                    self.mark(i, true, false);
                    return Stream::Opaque;
                }
                let script = args.join(" ");
                if args.iter().any(|a| a.contains('$') || a.contains('`')) {
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
            "find" => {
                self.find(&argv, &wrappers, depth);
                return Stream::Opaque;
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

        let index = self.record(&argv, &wrappers);
        if first.contains('/') && !tables::is_system_binary(first) {
            self.add_path(first, Access::Execute);
        }
        tables::file_arguments(&program, args, &mut |path, access| self.add_path(path, access));
        self.network_arguments(&program, args);
        let _ = index;
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
            wrappers.push(format!("{program} {}", inv.flags));
            return self.script(&script, &wrappers, depth + 1);
        }
        let i = self.record(&argv, &wrappers);
        if let Some(file) = inv.script_file.filter(|f| f != "-") {
            self.add_path(&file, Access::Execute);
            if downloaded_arg {
                self.mark(i, true, false);
            }
            return Stream::Opaque;
        }
        match stdin {
            Stream::Download => self.mark(i, true, false),
            Stream::Literal(text) => {
                wrappers.push(format!("{program} <stdin"));
                self.script(&text, &wrappers, depth + 1);
            }
            Stream::Opaque => self.out.dynamic = true,
            Stream::None => {}
        }
        Stream::Opaque
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
            // Obvious shell-outs inside the one-liner (`os.system('rm -rf /')`).
            let shell_outs = tables::shell_outs(&code);
            if !shell_outs.is_empty() {
                wrappers.push(format!("{program} {}", inv.flag));
                for s in shell_outs {
                    self.script(&s, &wrappers, depth + 1);
                }
            }
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
            }
            _ if !inv.module => {
                if stdin == Stream::Download || downloaded_arg {
                    self.mark(i, true, false);
                } else if matches!(stdin, Stream::Opaque | Stream::Literal(_)) {
                    self.out.dynamic = true;
                }
            }
            _ => {}
        }
        Stream::Opaque
    }

    fn find(&mut self, argv: &[String], wrappers: &[String], depth: usize) {
        let parsed = tables::find_invocation(argv.get(1..).unwrap_or_default());
        self.record(argv, wrappers);
        let access = if parsed.deletes { Access::Delete } else { Access::Read };
        for p in &parsed.start_paths {
            self.add_path(p, access);
        }
        for p in &parsed.writes {
            self.add_path(p, Access::Write);
        }
        for exec in parsed.execs {
            let mut inner = wrappers.to_vec();
            inner.push(format!("find {}", exec.flag));
            let before = self.out.paths.len();
            let outer = std::mem::replace(&mut self.in_find_exec, true);
            self.exec(exec.argv, inner, Stream::None, false, depth + 1);
            self.in_find_exec = outer;
            // `{}` stands for the files found under the start paths.
            let placeholders: Vec<Access> =
                self.out.paths.iter().skip(before).filter(|p| p.path == "{}").map(|p| p.access).collect();
            self.out.paths.retain(|p| p.path != "{}");
            for access in placeholders {
                for p in &parsed.start_paths {
                    self.add_path(p, access);
                }
            }
        }
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
                for h in &inv.hosts {
                    self.add_host(h);
                }
                for r in &inv.reads {
                    self.add_path(r, Access::Read);
                }
                for w in &inv.writes {
                    self.add_path(w, Access::Write);
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

/// What a command writes to stdout, for the next stage of a pipeline.
fn output_of(program: &str, args: &[String], stdin: Stream) -> Stream {
    if tables::is_downloader(program, args) {
        return Stream::Download;
    }
    match program {
        "echo" if args.iter().any(|a| a.starts_with("-e") || a.contains('\\')) => Stream::Opaque,
        "echo" => {
            let words: Vec<&str> = args
                .iter()
                .map(String::as_str)
                .skip_while(|a| matches!(*a, "-n" | "-e" | "-E" | "-ne"))
                .collect();
            Stream::Literal(words.join(" "))
        }
        // A format with conversions or escapes prints something else than its text.
        "printf" if args.iter().any(|a| a.contains('%') || a.contains('\\')) => Stream::Opaque,
        "printf" => Stream::Literal(args.join(" ")),
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
        "cat" | "tee" if args.iter().all(|a| a.starts_with('-')) => stdin,
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
