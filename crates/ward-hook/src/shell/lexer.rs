//! POSIX sh tokenizer: quotes, escapes, `$'…'`, command/process substitution, operators,
//! redirections and here-documents, producing words with their quoting removed.
//!
//! The lexer never fails: on unterminated input it keeps what it read and records an error, so
//! the analyzer can still report every command it could see.

/// One substitution found inside a word; its script is analyzed as shell too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Substitution {
    pub script: String,
    /// `<(…)`/`>(…)` process substitution (as opposed to `$(…)` / backticks).
    pub process: bool,
    /// Where it is in the word's text (byte offsets), when it stands there as written
    /// (`$(…)`, backticks, `<(…)`); `None` inside `${…}`.
    pub span: Option<(usize, usize)>,
}

/// A shell word after quote removal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Word {
    /// The value with quotes and escapes removed; substitutions and expansions kept verbatim.
    pub text: String,
    /// Byte offset in `text` of the first character that came from a quote or an escape.
    pub first_quoted: Option<usize>,
    /// Contains an expansion (`$VAR`, `$(…)`, backticks, arithmetic) whose value is unknown.
    pub dynamic: bool,
    pub subs: Vec<Substitution>,
    /// Scripts the shell runs while expanding or evaluating the word whose output does not
    /// become its value: inside `$((…))`, an array subscript that bash evaluates as arithmetic
    /// wherever the text lands (`let 'a[$(cmd)]'`, `read 'a[$(cmd)]'`, `x='a[$(cmd)]'; $((x))`),
    /// an unquoted here-document's body (on its delimiter). Analyzed like `subs`.
    pub runs: Vec<String>,
    /// Arithmetic expressions bash evaluates while expanding the word (`$((…))`, `$[…]`, an
    /// array subscript `${a[…]}`, an offset `${x:…}`, a `((…))` command): a variable named
    /// in one is itself evaluated as arithmetic, so a value only known at run time can run
    /// code (`x=$(cat f); echo $((x))` with `a[$(cmd)]` in f).
    pub arithmetic: Vec<String>,
    /// The word is a whole `((…))` arithmetic command (in `arithmetic`), not a program name.
    pub arithmetic_command: bool,
    /// Byte offsets in `text` of the `{`, `}` and `,` that were neither quoted nor escaped: the
    /// only ones brace expansion reads (`super::braces`).
    pub brace_syntax: Vec<usize>,
}

/// An assignment word, as [`Word::assignment_detail`] reads it.
pub(crate) struct Assignment<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub append: bool,
    pub element: bool,
}

impl Word {
    fn mark_quoted(&mut self) {
        if self.first_quoted.is_none() {
            self.first_quoted = Some(self.text.len());
        }
    }

    /// `NAME=value` (or `NAME+=value`) with an unquoted name: a variable assignment.
    /// The word is one command substitution and nothing else (`$(find ~/.aws)`, `` `ls` ``):
    /// it stands for what the substitution prints.
    /// The word is one `$(…)` or backquoted substitution and nothing else: its own closing
    /// `)` ends the word (`"$(printf echo) hi; rm x #)"` is not one).
    pub fn is_whole_substitution(&self) -> bool {
        self.subs.len() == 1
            && self.subs[0].span == Some((0, self.text.len()))
            && (self.text.starts_with("$(") || self.text.starts_with('`'))
    }

    pub fn assignment(&self) -> Option<(&str, &str)> {
        self.assignment_detail().map(|a| (a.name, a.value))
    }

    /// `NAME=value`, `NAME+=value` (appends), `NAME[i]=value` (one element of an array).
    pub fn assignment_detail(&self) -> Option<Assignment<'_>> {
        let eq = self.text.find('=')?;
        if self.first_quoted.is_some_and(|q| q <= eq) {
            return None;
        }
        let (target, append) = match self.text[..eq].strip_suffix('+') {
            Some(target) => (target, true),
            None => (&self.text[..eq], false),
        };
        let (name, element) = match target.split_once('[') {
            Some((name, subscript)) if subscript.ends_with(']') => (name, true),
            _ => (target, false),
        };
        let mut chars = name.chars();
        let first = chars.next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        Some(Assignment { name, value: &self.text[eq + 1..], append, element })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `;`
    Semi,
    /// `;;` (and `;&`, `;;&`) ending a `case` item.
    CaseEnd,
    And,
    Or,
    Pipe,
    Amp,
    Newline,
    LParen,
    RParen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RedirKind {
    /// `>`, `>|`, `&>`, `N>`.
    Out,
    /// `>>`, `&>>`.
    Append,
    /// `<`.
    In,
    /// `<>`.
    InOut,
    /// `>&N`, `<&N`, `N>&-`: duplicates a descriptor, names no file.
    Dup,
    /// `<<WORD` / `<<-WORD`; the body is in `body`.
    HereDoc,
    /// `<<<word`.
    HereString,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirection {
    pub kind: RedirKind,
    pub target: Word,
    /// The here-document body (for `HereDoc`).
    pub body: Option<String>,
    /// The descriptor written before the operator (`3<<< x`, `2>err`), if any.
    pub descriptor: Option<u32>,
    /// The operator is one of `<`, `<<`, `<<<`, `<&`, `<>`: it sets up an input.
    pub input: bool,
}

impl Redirection {
    /// Whether this redirection decides what the command reads on stdin.
    pub fn feeds_stdin(&self) -> bool {
        self.input && self.descriptor.unwrap_or(0) == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Word(Word),
    Op(Op),
    Redir(Redirection),
}

pub(crate) struct Lexed {
    pub tokens: Vec<Token>,
    pub error: Option<String>,
}

struct PendingHereDoc {
    token_index: usize,
    delimiter: String,
    strip_tabs: bool,
    /// The delimiter is unquoted: the body is expanded, its substitutions run.
    expands: bool,
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    tokens: Vec<Token>,
    pending: Vec<PendingHereDoc>,
    error: Option<String>,
    /// `3` in `3<<< x`, for the redirection being read.
    descriptor: Option<u32>,
    /// The redirection being read is an input (`<`, `<<<`, `<&`, …).
    input: bool,
}

pub(crate) fn lex(src: &str) -> Lexed {
    let mut lx = Lexer::new(src);
    lx.run();
    if !lx.pending.is_empty() && lx.error.is_none() {
        lx.error = Some("here-document without its terminating line".to_owned());
    }
    Lexed { tokens: lx.tokens, error: lx.error }
}

/// The scripts in `text` that the shell runs when it expands the text: each `$(…)` (not
/// `$((`, arithmetic, whose own substitutions are found inside it) and each backquoted script.
/// Quotes inside do not hide one: `${x:-'$(cmd)'}` keeps it literal but `"${x:-'$(cmd)'}"` runs
/// it, and which holds is not worth telling apart (the cautious reading). An unterminated one
/// is kept when `keep_unterminated` (text the shell will expand), dropped otherwise (text that
/// may only look like code: `grep '[$(]'`).
pub(crate) fn scripts_in(text: &str, keep_unterminated: bool) -> Vec<String> {
    let mut lx = Lexer::new(text);
    let mut scripts = Vec::new();
    while let Some(c) = lx.peek(0) {
        match c {
            '\\' => lx.pos += 2,
            // `$(…)`, and `<(…)`/`>(…)` (`${x:-<(cmd)}`).
            '$' | '<' | '>' if lx.peek(1) == Some('(') && (c != '$' || lx.peek(2) != Some('(')) => {
                lx.pos += 2;
                lx.error = None;
                let script = lx.balanced_parens();
                if lx.error.is_none() || keep_unterminated {
                    scripts.push(script);
                }
            }
            '`' => {
                let mut scratch = Word::default();
                lx.error = None;
                lx.backtick(&mut scratch);
                if lx.error.is_none() || keep_unterminated {
                    scripts.extend(scratch.subs.into_iter().map(|s| s.script));
                }
            }
            _ => lx.pos += 1,
        }
    }
    scripts
}

/// The scripts in array subscripts of `text` (`a[$(cmd)]`): bash evaluates a name with a
/// subscript as arithmetic in many places (`let`, `test -v`, `read`, `printf -v`, `unset`,
/// `declare`, `$((x))` of a variable holding it, `[[ x -eq y ]]`) and runs the subscript's
/// substitutions, quoted or not. Those the word has found already (unquoted ones) are left out.
fn subscript_scripts(w: &Word) -> Vec<String> {
    let Some(open) = w.text.find('[') else { return Vec::new() };
    let after = &w.text[open..];
    if !after.contains("$(") && !after.contains('`') {
        return Vec::new();
    }
    scripts_in(after, false)
        .into_iter()
        .filter(|script| !w.subs.iter().any(|s| &s.script == script) && !w.runs.contains(script))
        .collect()
}

/// A script whose text is only known at run time: analyzing it makes the line dynamic.
pub(crate) const UNKNOWN_SCRIPT: &str = "$__ward_computed";

/// `${x@P}`, `${a[1]@P}`, `${a[@]@P}`: the parameter's value expanded as a prompt string.
fn prompt_expanded(inner: &str) -> bool {
    inner.ends_with("@P")
}

/// The arithmetic in a parameter expansion's body (`a[i+1]`, `x:off:len`): an indexed
/// array's subscript and a substring's offset and length.
fn parameter_arithmetic(inner: &str) -> Vec<String> {
    let indirect = inner.starts_with('!');
    let inner = inner.trim_start_matches(['!', '#']);
    let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
    let rest = &inner[name_end..];
    let mut out = Vec::new();
    // `${!x}`: x's value names the variable expanded, and a subscript in that name is
    // evaluated (`x='a[$(cmd)]'`). Not `${!a[@]}` (keys) or `${!pre*}` (names).
    if indirect && name_end > 0 && !rest.starts_with('[') && !rest.starts_with(['*', '@']) {
        out.push(inner[..name_end].to_owned());
    }
    let mut rest = rest;
    if let Some(subscript) = rest.strip_prefix('[') {
        if let Some(end) = subscript.find(']') {
            let index = &subscript[..end];
            if index != "@" && index != "*" {
                out.push(index.to_owned());
            }
            // `${a[@]:x:n}`: a slice's offset and length.
            rest = &subscript[end + 1..];
        }
    }
    if let Some(range) = rest.strip_prefix(':') {
        if !range.starts_with(['-', '=', '?', '+']) {
            out.extend(range.split(':').map(str::to_owned));
        }
    }
    out
}

/// The arithmetic of each `$((…))` and `$[…]` inside `text` (a parameter expansion's word,
/// an unquoted here-document's body).
fn nested_arithmetic(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < chars.len() {
        let (open, close) = match (chars[i], chars[i + 1], chars[i + 2]) {
            ('$', '(', '(') => (3, ')'),
            ('$', '[', _) => (2, ']'),
            _ => {
                i += 1;
                continue;
            }
        };
        let mut depth = 0usize;
        let mut j = i + open;
        while j < chars.len() {
            match chars[j] {
                '(' | '[' => depth += 1,
                c if c == close && depth == 0 => break,
                ')' | ']' => depth = depth.saturating_sub(1),
                _ => {}
            }
            j += 1;
        }
        out.push(chars[i + open..j.min(chars.len())].iter().collect());
        i = j + 1;
    }
    out
}

/// Identifiers an arithmetic expression names (`x` in `x+1`, `$x`, `${x}`, `a[i]`): bash
/// evaluates each one's value as arithmetic in turn. Digits and a `BASE#` number's letters
/// are not names.
pub(crate) fn arithmetic_names(expr: &str) -> Vec<&str> {
    let bytes = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() {
            // A number, with its base (`16#ff`, `0x1f`): no name in it.
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'#' || bytes[i] == b'_')
            {
                i += 1;
            }
        } else if c == b'$' && bytes.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
            // `$1`: a positional parameter, evaluated as any variable is.
            out.push(&expr[i + 1..i + 2]);
            i += 2;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(&expr[start..i]);
        } else {
            i += 1;
        }
    }
    out
}

/// `NAME=` / `NAME+=` so far, unquoted: a `(` next opens an array's elements.
fn is_array_assignment_start(w: &Word) -> bool {
    let Some(target) = w.text.strip_suffix('=') else { return false };
    let target = target.strip_suffix('+').unwrap_or(target);
    w.first_quoted.is_none()
        && !target.is_empty()
        && !target.starts_with(|c: char| c.is_ascii_digit())
        && target.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_meta(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | ';' | '&' | '|' | '<' | '>' | '(' | ')')
}

impl Lexer {
    fn new(src: &str) -> Lexer {
        Lexer {
            chars: src.chars().collect(),
            pos: 0,
            tokens: Vec::new(),
            pending: Vec::new(),
            error: None,
            descriptor: None,
            input: false,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn fail(&mut self, msg: &str) {
        if self.error.is_none() {
            self.error = Some(msg.to_owned());
        }
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\\' if self.peek(1) == Some('\n') => self.pos += 2,
                '\n' => {
                    self.pos += 1;
                    self.tokens.push(Token::Op(Op::Newline));
                    self.read_heredoc_bodies();
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                ';' => {
                    if self.peek(1) == Some(';') {
                        self.pos += 2;
                        if self.peek(0) == Some('&') {
                            self.pos += 1;
                        }
                        self.tokens.push(Token::Op(Op::CaseEnd));
                    } else if self.peek(1) == Some('&') {
                        self.pos += 2;
                        self.tokens.push(Token::Op(Op::CaseEnd));
                    } else {
                        self.pos += 1;
                        self.tokens.push(Token::Op(Op::Semi));
                    }
                }
                '&' => match self.peek(1) {
                    Some('&') => {
                        self.pos += 2;
                        self.tokens.push(Token::Op(Op::And));
                    }
                    Some('>') => {
                        let append = self.peek(2) == Some('>');
                        self.pos += if append { 3 } else { 2 };
                        let kind = if append { RedirKind::Append } else { RedirKind::Out };
                        self.redirect_target(kind);
                    }
                    _ => {
                        self.pos += 1;
                        self.tokens.push(Token::Op(Op::Amp));
                    }
                },
                '|' => match self.peek(1) {
                    Some('|') => {
                        self.pos += 2;
                        self.tokens.push(Token::Op(Op::Or));
                    }
                    Some('&') => {
                        self.pos += 2;
                        self.tokens.push(Token::Op(Op::Pipe));
                    }
                    _ => {
                        self.pos += 1;
                        self.tokens.push(Token::Op(Op::Pipe));
                    }
                },
                '(' => match self.arithmetic_command() {
                    Some(w) => self.tokens.push(Token::Word(w)),
                    None => {
                        self.pos += 1;
                        self.tokens.push(Token::Op(Op::LParen));
                    }
                },
                ')' => {
                    self.pos += 1;
                    self.tokens.push(Token::Op(Op::RParen));
                }
                '<' | '>' if self.peek(1) == Some('(') => {
                    let w = self.read_word();
                    self.tokens.push(Token::Word(w));
                }
                '<' | '>' => self.redirection(),
                c if c.is_ascii_digit() && self.fd_redirection_ahead() => {
                    // Saturating: too large a number is still not stdin.
                    self.descriptor = self.radix_digits(10, usize::MAX);
                    self.redirection();
                }
                _ => {
                    let w = self.read_word();
                    self.tokens.push(Token::Word(w));
                }
            }
        }
    }

    /// Whether the next word would start a command (bash reads `((` there as arithmetic).
    fn at_command_start(&self) -> bool {
        match self.tokens.last() {
            None => true,
            Some(Token::Op(op)) => *op != Op::RParen,
            Some(Token::Word(w)) => {
                w.first_quoted.is_none()
                    && matches!(
                        w.text.as_str(),
                        "then"
                            | "else"
                            | "elif"
                            | "do"
                            | "if"
                            | "while"
                            | "until"
                            | "!"
                            | "{"
                            | "time"
                            | "for"
                    )
            }
            Some(Token::Redir(_)) => false,
        }
    }

    /// `(( expr ))` at the start of a command: one word holding the expression. `((cmd) | x)`,
    /// two subshells, is left to the caller (bash too reads it so when it is not arithmetic).
    fn arithmetic_command(&mut self) -> Option<Word> {
        if self.peek(1) != Some('(') || !self.at_command_start() {
            return None;
        }
        // `for ((i=0; i<n; i++))`: the header holds `;`.
        let for_header = matches!(self.tokens.last(), Some(Token::Word(w)) if w.text == "for");
        let start = self.pos + 2;
        let mut i = start;
        let mut depth = 0usize;
        loop {
            match self.chars.get(i).copied()? {
                '(' => depth += 1,
                ')' if depth > 0 => depth -= 1,
                ')' if self.chars.get(i + 1) == Some(&')') => break,
                ';' if for_header => {}
                ')' | ';' | '\n' => return None,
                _ => {}
            }
            i += 1;
        }
        let expr: String = self.chars[start..i].iter().collect();
        self.pos = i + 2;
        Some(Word {
            text: format!("(({expr}))"),
            runs: scripts_in(&expr, true),
            arithmetic: vec![expr],
            arithmetic_command: true,
            ..Word::default()
        })
    }

    /// `2>file`: digits immediately followed by `<` or `>` name a descriptor.
    fn fd_redirection_ahead(&self) -> bool {
        let mut i = 0;
        while self.peek(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        matches!(self.peek(i), Some('<' | '>')) && self.peek(i + 1) != Some('(')
    }

    fn redirection(&mut self) {
        let Some(first) = self.peek(0) else { return };
        self.pos += 1;
        self.input = first == '<';
        let kind = if first == '>' {
            match self.peek(0) {
                Some('>') => {
                    self.pos += 1;
                    RedirKind::Append
                }
                Some('|') => {
                    self.pos += 1;
                    RedirKind::Out
                }
                Some('&') => {
                    self.pos += 1;
                    // `>&2` / `>&-` duplicate; `>& file` (csh style) writes a file.
                    if self.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '-') {
                        RedirKind::Dup
                    } else {
                        RedirKind::Out
                    }
                }
                _ => RedirKind::Out,
            }
        } else {
            match self.peek(0) {
                Some('<') => {
                    self.pos += 1;
                    match self.peek(0) {
                        Some('<') => {
                            self.pos += 1;
                            RedirKind::HereString
                        }
                        Some('-') => {
                            self.pos += 1;
                            return self.heredoc(true);
                        }
                        _ => return self.heredoc(false),
                    }
                }
                Some('>') => {
                    self.pos += 1;
                    RedirKind::InOut
                }
                Some('&') => {
                    self.pos += 1;
                    RedirKind::Dup
                }
                _ => RedirKind::In,
            }
        };
        self.redirect_target(kind);
    }

    fn push_redirection(&mut self, kind: RedirKind, target: Word) {
        let descriptor = self.descriptor.take();
        let input = std::mem::take(&mut self.input);
        self.tokens.push(Token::Redir(Redirection { kind, target, body: None, descriptor, input }));
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.pos += 1;
        }
    }

    fn redirect_target(&mut self, kind: RedirKind) {
        self.skip_blanks();
        let target = match self.peek(0) {
            Some(c) if !is_meta(c) => self.read_word(),
            // `done < <(find …)`: the target is a process substitution (a word of its own).
            Some('<' | '>') if self.peek(1) == Some('(') => self.read_word(),
            _ => {
                self.fail("redirection without a target");
                Word::default()
            }
        };
        self.push_redirection(kind, target);
    }

    fn heredoc(&mut self, strip_tabs: bool) {
        self.skip_blanks();
        let delim = match self.peek(0) {
            Some(c) if !is_meta(c) => self.read_word(),
            _ => {
                self.fail("here-document without a delimiter");
                Word::default()
            }
        };
        let index = self.tokens.len();
        self.pending.push(PendingHereDoc {
            token_index: index,
            delimiter: delim.text.clone(),
            strip_tabs,
            expands: delim.first_quoted.is_none(),
        });
        self.push_redirection(RedirKind::HereDoc, delim);
    }

    /// After a newline: consume the bodies of the here-documents opened on the previous line.
    fn read_heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for doc in pending {
            let mut body = String::new();
            let mut terminated = false;
            while self.pos < self.chars.len() {
                let start = self.pos;
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
                let line: String = self.chars[start..self.pos].iter().collect();
                if self.peek(0) == Some('\n') {
                    self.pos += 1;
                }
                let candidate = if doc.strip_tabs { line.trim_start_matches('\t') } else { line.as_str() };
                if candidate == doc.delimiter {
                    terminated = true;
                    break;
                }
                body.push_str(candidate);
                body.push('\n');
            }
            if !terminated {
                self.fail("here-document without its terminating line");
            }
            if let Some(Token::Redir(r)) = self.tokens.get_mut(doc.token_index) {
                if doc.expands {
                    r.target.runs.extend(scripts_in(&body, true));
                    r.target.arithmetic.extend(nested_arithmetic(&body));
                }
                r.body = Some(body);
            }
        }
    }

    fn read_word(&mut self) -> Word {
        let mut w = Word::default();
        // Process substitution opens a word of its own.
        if matches!(self.peek(0), Some('<' | '>')) && self.peek(1) == Some('(') {
            let open = self.pos;
            self.pos += 2;
            let script = self.balanced_parens();
            let raw: String = self.chars[open..self.pos.min(self.chars.len())].iter().collect();
            let start = w.text.len();
            w.text.push_str(&raw);
            w.dynamic = true;
            w.subs.push(Substitution { script, process: true, span: Some((start, w.text.len())) });
        }
        while let Some(c) = self.peek(0) {
            if c == '(' && is_array_assignment_start(&w) {
                // `x=(a b $(cmd))`: an array's elements, one word with the assignment.
                self.pos += 1;
                let inner = self.balanced_parens();
                let scripts = scripts_in(&inner, true);
                w.dynamic |= inner.contains(['$', '`']);
                w.runs.extend(scripts);
                w.text.push('(');
                w.text.push_str(&inner);
                w.text.push(')');
                continue;
            }
            if is_meta(c) {
                break;
            }
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.peek(0) {
                        Some('\n') => self.pos += 1,
                        Some(e) => {
                            w.mark_quoted();
                            w.text.push(e);
                            self.pos += 1;
                        }
                        None => {}
                    }
                }
                '\'' => {
                    self.pos += 1;
                    w.mark_quoted();
                    loop {
                        match self.peek(0) {
                            Some('\'') => {
                                self.pos += 1;
                                break;
                            }
                            Some(ch) => {
                                w.text.push(ch);
                                self.pos += 1;
                            }
                            None => {
                                self.fail("unterminated single quote");
                                break;
                            }
                        }
                    }
                }
                '"' => {
                    self.pos += 1;
                    w.mark_quoted();
                    self.double_quoted(&mut w);
                }
                '$' => self.dollar(&mut w, false),
                '`' => self.backtick(&mut w),
                _ => {
                    // A `}` or `,` before any `{` cannot belong to a brace group.
                    if c == '{' || (matches!(c, '}' | ',') && !w.brace_syntax.is_empty()) {
                        w.brace_syntax.push(w.text.len());
                    }
                    w.text.push(c);
                    self.pos += 1;
                }
            }
        }
        let subscripts = subscript_scripts(&w);
        w.runs.extend(subscripts);
        w
    }

    fn double_quoted(&mut self, w: &mut Word) {
        loop {
            match self.peek(0) {
                Some('"') => {
                    self.pos += 1;
                    return;
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek(0) {
                        Some(e @ ('$' | '`' | '"' | '\\')) => {
                            w.text.push(e);
                            self.pos += 1;
                        }
                        Some('\n') => self.pos += 1,
                        Some(_) => w.text.push('\\'),
                        None => {}
                    }
                }
                Some('$') => self.dollar(w, true),
                Some('`') => self.backtick(w),
                Some(ch) => {
                    w.text.push(ch);
                    self.pos += 1;
                }
                None => {
                    self.fail("unterminated double quote");
                    return;
                }
            }
        }
    }

    /// `$…` at `pos`: ANSI-C quotes, command substitution, arithmetic, parameter expansion.
    fn dollar(&mut self, w: &mut Word, in_double_quotes: bool) {
        match self.peek(1) {
            Some('\'') if !in_double_quotes => {
                self.pos += 2;
                w.mark_quoted();
                self.ansi_c_quoted(w);
            }
            Some('"') if !in_double_quotes => {
                self.pos += 2;
                w.mark_quoted();
                self.double_quoted(w);
            }
            Some('(') if self.peek(2) == Some('(') => {
                let open = self.pos;
                self.pos += 3;
                let _ = self.balanced_parens();
                if self.peek(0) == Some(')') {
                    self.pos += 1;
                }
                let raw: String = self.chars[open..self.pos.min(self.chars.len())].iter().collect();
                w.runs.extend(scripts_in(&raw[3..], true));
                w.arithmetic.push(raw[3..].trim_end_matches(')').to_owned());
                w.text.push_str(&raw);
                w.dynamic = true;
            }
            Some('[') => {
                // `$[…]`: bash's old spelling of `$((…))`.
                let open = self.pos;
                self.pos += 2;
                self.skip_to_close('[', ']');
                let raw: String = self.chars[open..self.pos.min(self.chars.len())].iter().collect();
                w.runs.extend(scripts_in(&raw[2..], true));
                w.arithmetic.push(raw[2..].trim_end_matches(']').to_owned());
                w.text.push_str(&raw);
                w.dynamic = true;
            }
            Some('(') => {
                let open = self.pos;
                self.pos += 2;
                let script = self.balanced_parens();
                let raw: String = self.chars[open..self.pos.min(self.chars.len())].iter().collect();
                let start = w.text.len();
                w.text.push_str(&raw);
                w.dynamic = true;
                w.subs.push(Substitution { script, process: false, span: Some((start, w.text.len())) });
            }
            Some('{') => {
                let open = self.pos;
                self.pos += 2;
                if !self.skip_to_close('{', '}') {
                    self.fail("unterminated ${…}");
                }
                let end = self.pos.min(self.chars.len());
                let raw: String = self.chars[open..end].iter().collect();
                // `${x:-$(cmd)}`, `${x/$(cmd)/}`: the value may be what `cmd` prints.
                w.subs.extend(scripts_in(&raw[2..], true).into_iter().map(|script| Substitution {
                    script,
                    process: false,
                    span: None,
                }));
                let inner = raw[2..].strip_suffix('}').unwrap_or(&raw[2..]);
                if prompt_expanded(inner) {
                    // `${x@P}` expands x's value as a prompt string, running the `$(…)` in it:
                    // the value is code, known only at run time.
                    w.runs.push(UNKNOWN_SCRIPT.to_owned());
                }
                w.arithmetic.extend(parameter_arithmetic(inner));
                w.arithmetic.extend(nested_arithmetic(inner));
                w.text.push_str(&raw);
                w.dynamic = true;
            }
            Some(c)
                if c.is_ascii_alphanumeric()
                    || matches!(c, '_' | '@' | '*' | '#' | '?' | '-' | '$' | '!') =>
            {
                w.text.push('$');
                self.pos += 1;
                if c.is_ascii_alphabetic() || c == '_' {
                    while self.peek(0).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                        w.text.push(self.chars[self.pos]);
                        self.pos += 1;
                    }
                } else {
                    w.text.push(c);
                    self.pos += 1;
                }
                w.dynamic = true;
            }
            _ => {
                w.text.push('$');
                self.pos += 1;
            }
        }
    }

    fn ansi_c_quoted(&mut self, w: &mut Word) {
        let start = w.text.len();
        loop {
            match self.peek(0) {
                Some('\'') => {
                    self.pos += 1;
                    // bash ends a `$'…'` string at a NUL it produces (`$'s\0x'` is `s`).
                    if let Some(nul) = w.text[start..].find('\0') {
                        w.text.truncate(start + nul);
                    }
                    return;
                }
                Some('\\') => {
                    self.pos += 1;
                    let Some(e) = self.peek(0) else { continue };
                    self.pos += 1;
                    match e {
                        'n' => w.text.push('\n'),
                        't' => w.text.push('\t'),
                        'r' => w.text.push('\r'),
                        'a' => w.text.push('\u{7}'),
                        'b' => w.text.push('\u{8}'),
                        'e' | 'E' => w.text.push('\u{1b}'),
                        'f' => w.text.push('\u{c}'),
                        'v' => w.text.push('\u{b}'),
                        'x' => {
                            let v = self.radix_digits(16, 2);
                            push_code(w, v);
                        }
                        'u' => {
                            let v = self.radix_digits(16, 4);
                            push_code(w, v);
                        }
                        'U' => {
                            let v = self.radix_digits(16, 8);
                            push_code(w, v);
                        }
                        '0'..='7' => {
                            self.pos -= 1;
                            let v = self.radix_digits(8, 3);
                            push_code(w, v);
                        }
                        other => w.text.push(other),
                    }
                }
                Some(ch) => {
                    w.text.push(ch);
                    self.pos += 1;
                }
                None => {
                    self.fail("unterminated $'…' quote");
                    return;
                }
            }
        }
    }

    fn radix_digits(&mut self, radix: u32, max: usize) -> Option<u32> {
        let mut value: Option<u32> = None;
        for _ in 0..max {
            let Some(d) = self.peek(0).and_then(|c| c.to_digit(radix)) else { break };
            value = Some(value.unwrap_or(0).saturating_mul(radix).saturating_add(d));
            self.pos += 1;
        }
        value
    }

    fn backtick(&mut self, w: &mut Word) {
        let open = self.pos;
        self.pos += 1;
        let mut script = String::new();
        loop {
            match self.peek(0) {
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    self.pos += 1;
                    if let Some(e) = self.peek(0) {
                        if !matches!(e, '`' | '\\' | '$') {
                            script.push('\\');
                        }
                        script.push(e);
                        self.pos += 1;
                    }
                }
                Some(ch) => {
                    script.push(ch);
                    self.pos += 1;
                }
                None => {
                    self.fail("unterminated backquote");
                    break;
                }
            }
        }
        let raw: String = self.chars[open..self.pos.min(self.chars.len())].iter().collect();
        let start = w.text.len();
        w.text.push_str(&raw);
        w.dynamic = true;
        w.subs.push(Substitution { script, process: false, span: Some((start, w.text.len())) });
    }

    /// With `pos` just after an `open`: move past its matching `close`, nested pairs and
    /// backslash escapes skipped. False when the text ends first.
    fn skip_to_close(&mut self, open: char, close: char) -> bool {
        let mut depth = 1usize;
        while let Some(ch) = self.peek(0) {
            self.pos += 1;
            if ch == open {
                depth += 1;
            } else if ch == close {
                depth -= 1;
                if depth == 0 {
                    return true;
                }
            } else if ch == '\\' {
                self.pos += 1;
            }
        }
        false
    }

    /// With `pos` just after an opening `(`: read to the matching `)` (consumed), honouring
    /// quotes, escapes and nesting. Returns the text between.
    fn balanced_parens(&mut self) -> String {
        let start = self.pos;
        let mut depth = 1usize;
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.pos += 2,
                '\'' => {
                    self.pos += 1;
                    while self.peek(0).is_some_and(|c| c != '\'') {
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                '"' => {
                    self.pos += 1;
                    while let Some(c) = self.peek(0) {
                        if c == '\\' {
                            self.pos += 2;
                            continue;
                        }
                        self.pos += 1;
                        if c == '"' {
                            break;
                        }
                    }
                }
                '(' => {
                    depth += 1;
                    self.pos += 1;
                }
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        let inner: String = self.chars[start..self.pos].iter().collect();
                        self.pos += 1;
                        return inner;
                    }
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.chars.len();
        self.fail("unterminated $( … ) or ( … )");
        self.chars[start.min(self.chars.len())..].iter().collect()
    }
}

fn push_code(w: &mut Word, value: Option<u32>) {
    if let Some(c) = value.and_then(char::from_u32) {
        w.text.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<Word> {
        lex(src)
            .tokens
            .into_iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(w),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn scripts_inside_other_text_are_found() {
        let cases: &[(&str, bool, &[&str])] = &[
            ("${x:-$(rm m)}", true, &["rm m"]),
            ("${x:-`cat f`} $(( a[$(id)] ))", true, &["cat f", "id"]),
            ("a \\$(not) $((1+2))", true, &[]),
            ("$(unterminated", true, &["unterminated"]),
            ("$(unterminated", false, &[]),
            ("[$(]", false, &[]),
            ("${x:-<(rm m)}", true, &["rm m"]),
        ];
        for (text, keep, expected) in cases {
            assert_eq!(scripts_in(text, *keep), *expected, "{text}");
        }
    }

    #[test]
    fn words_carry_the_scripts_they_run() {
        let w = &words("echo ${x:-$(rm m)}")[1];
        assert_eq!(w.subs.iter().map(|s| s.script.as_str()).collect::<Vec<_>>(), ["rm m"]);
        let w = &words("let 'x[$(rm m)]'")[1];
        assert!(w.subs.is_empty());
        assert_eq!(w.runs, ["rm m"]);
        assert_eq!(words("echo $(( a[$(id)] ))")[1].runs, ["id"]);
        // An unquoted subscript's substitution is a substitution already, not found twice.
        let w = &words("a[$(id)]=1")[0];
        assert_eq!((w.subs.len(), w.runs.len()), (1, 0));
        // Only an unquoted here-document delimiter expands the body.
        let redirections = |src: &str| -> Vec<Vec<String>> {
            lex(src)
                .tokens
                .into_iter()
                .filter_map(|t| match t {
                    Token::Redir(r) => Some(r.target.runs),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(redirections("cat <<E\n$(rm m) `id`\nE\n"), [vec!["rm m".to_owned(), "id".to_owned()]]);
        assert_eq!(redirections("cat <<'E'\n$(rm m)\nE\n"), [Vec::<String>::new()]);
        assert_eq!(redirections("cat <<\\E\n$(rm m)\nE\n"), [Vec::<String>::new()]);
    }

    #[test]
    fn arithmetic_is_found_where_bash_evaluates_it() {
        let arithmetic = |src: &str| words(src).into_iter().flat_map(|w| w.arithmetic).collect::<Vec<_>>();
        assert_eq!(arithmetic("echo $((x+1))"), ["x+1"]);
        assert_eq!(arithmetic("echo $[ y ]"), [" y "]);
        assert_eq!(arithmetic("echo ${a[i+1]} ${s:o:2} ${a[@]} ${x:-d}"), ["i+1", "o", "2"]);
        assert_eq!(arithmetic("echo ${!x} ${!a[@]} ${!pre*}"), ["x"]);
        assert_eq!(arithmetic("echo ${y:=$((x+1))} ${a[@]:o}"), ["x+1", "o"]);
        assert_eq!(nested_arithmetic("a $((b)) $[c] d"), ["b", "c"]);
        assert_eq!(arithmetic("(( n > 0 )) && echo y"), [" n > 0 "]);
        let w = &words("(( n > 0 ))")[0];
        assert!(w.arithmetic_command && !w.dynamic);
        // Two subshells, not arithmetic; `((` after a word is not a command's start.
        assert!(words("((echo a) | cat)").iter().all(|w| !w.arithmetic_command));
        assert!(arithmetic("echo ((x))").is_empty());
        assert_eq!(arithmetic_names("a + b1*$c - 16#ff + 0x1f + ${d}"), ["a", "b1", "c", "d"]);
    }

    #[test]
    fn prompt_expansion_runs_what_is_only_known_at_run_time() {
        assert_eq!(words("echo ${x@P}")[1].runs, [UNKNOWN_SCRIPT]);
        assert_eq!(words("echo ${a[1]@P}")[1].runs, [UNKNOWN_SCRIPT]);
        assert!(words("echo ${x@Q} ${x@U}")[1..].iter().all(|w| w.runs.is_empty()));
    }
}
