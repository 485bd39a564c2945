//! Programs with a command language of their own that can run shell commands or load code:
//! `at`/`batch`, `sqlite3`, `psql`, `mysql`, vim and its relatives, gdb, emacs, nix, tmux, screen, GNU
//! parallel. Each is read for what it runs (a shell script, a command's words), the files its
//! own commands open, and whether it runs code Ward cannot see.

use super::tables::{parse_options, OptSpec};

/// What one of these programs runs and touches, as far as its command line tells.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ToolCode {
    /// Shell scripts it runs (`sqlite3 db '.shell rm x'`, `vim -c '!rm x'`, `tmux new 'rm x'`).
    pub scripts: Vec<String>,
    /// Commands it runs as words (`gdb --args prog a`, `nix shell p --command rm x`).
    pub commands: Vec<Vec<String>>,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
    /// It runs code Ward cannot read (elisp, a vim `:python`, a process attached to).
    pub unseen: bool,
    /// What its stdin is: a shell script (`at`), its own commands (`sqlite3`), or data.
    pub stdin: StdinIs,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StdinIs {
    #[default]
    Data,
    ShellScript,
    ExCommands,
    SqliteCommands,
    PsqlCommands,
    MysqlCommands,
}

/// The tool's code on its command line, or `None` for a program not listed here.
pub(crate) fn tool_code(program: &str, args: &[String]) -> Option<ToolCode> {
    let mut code = ToolCode::default();
    match program {
        "at" | "batch" => at(args, &mut code),
        "sqlite3" | "sqlite" => sqlite3(args, &mut code),
        "psql" => psql(args, &mut code),
        "mysql" | "mariadb" => mysql(args, &mut code),
        "vim" | "vi" | "nvim" | "ex" | "view" | "vimdiff" | "gvim" | "evim" | "nvi" | "vim.basic"
        | "vim.tiny" => vim(args, &mut code),
        "gdb" | "cgdb" => gdb(args, &mut code),
        "emacs" | "emacsclient" | "xemacs" => emacs(args, &mut code),
        "nix-shell" | "nix" => nix(program, args, &mut code),
        "tmux" => tmux(args, &mut code),
        "screen" => screen(args, &mut code),
        "parallel" => parallel(args, &mut code),
        "hyperfine" => hyperfine(args, &mut code),
        "mispipe" => code.scripts.extend(args.iter().filter(|a| !a.starts_with('-')).take(2).cloned()),
        _ => return None,
    }
    Some(code)
}

/// `at [-f FILE] TIME`, `batch`: the job is the script on stdin, or FILE.
fn at(args: &[String], code: &mut ToolCode) {
    let parsed = parse_options(args, OptSpec { short_values: "qftM", long_values: &[] }, false);
    if parsed.has(&["-l", "-r", "-d", "-c"]) {
        return; // listing, removing or showing jobs
    }
    let file = parsed.values(&["-f"]).next().map(str::to_owned);
    match file {
        Some(file) => code.reads.push(file),
        None => code.stdin = StdinIs::ShellScript,
    }
}

/// sqlite3's options that take a value.
const SQLITE_VALUES: &[&str] = &[
    "-separator",
    "-newline",
    "-nullvalue",
    "-vfs",
    "-maxsize",
    "-mmap",
    "-pagecache",
    "-lookaside",
    "-heap",
    "-escape",
    "-A",
    "-cmd",
    "-init",
];

/// `sqlite3 [OPTIONS] DB [SQL…]`: dot-commands and SQL functions reach files and the shell.
fn sqlite3(args: &[String], code: &mut ToolCode) {
    let mut operands = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let name = arg.strip_prefix('-').map_or(arg.as_str(), |_| arg.trim_start_matches('-'));
        let option = format!("-{name}");
        if arg.starts_with('-') && SQLITE_VALUES.contains(&option.as_str()) {
            let value = args.get(i + 1).cloned().unwrap_or_default();
            match option.as_str() {
                "-cmd" => sqlite_text(&value, code),
                "-init" => code.reads.push(value),
                _ => {}
            }
            i += 2;
            continue;
        }
        if !arg.starts_with('-') {
            operands.push(arg.clone());
        }
        i += 1;
    }
    let only_database = operands.len() == 1;
    let mut operands = operands.into_iter();
    match operands.next() {
        Some(db) => {
            code.reads.push(db.clone());
            code.writes.push(db);
            for text in operands {
                sqlite_text(&text, code);
            }
            // Without SQL on the command line, the commands come from stdin.
            if only_database {
                code.stdin = StdinIs::SqliteCommands;
            }
        }
        None => code.stdin = StdinIs::SqliteCommands,
    }
}

/// sqlite3 input (dot-commands and SQL): what it runs and the files it opens.
pub(crate) fn sqlite_text(text: &str, code: &mut ToolCode) {
    for line in text.lines() {
        let line = line.trim();
        if let Some(command) = line.strip_prefix('.') {
            let (word, rest) = command.split_once(char::is_whitespace).unwrap_or((command, ""));
            let rest = rest.trim();
            // A file name may be quoted; `|cmd` pipes through a shell command.
            let target = rest.trim_matches(|c| c == '\'' || c == '"');
            let target = target.strip_prefix("-x ").or_else(|| target.strip_prefix("-e ")).unwrap_or(target);
            // The shell takes any prefix of a dot-command that it resolves (`.sh`, `.sys`).
            let word = [
                "shell", "system", "load", "output", "once", "save", "backup", "log", "excel", "read",
                "import", "restore", "open",
            ]
            .into_iter()
            .find(|full| word.len() >= 2 && full.starts_with(word))
            .unwrap_or(word);
            match word {
                "shell" | "system" => code.scripts.push(rest.to_owned()),
                "load" => code.unseen = true,
                "output" | "once" | "save" | "backup" | "log" | "excel" => match target.strip_prefix('|') {
                    Some(cmd) => code.scripts.push(cmd.to_owned()),
                    None if !target.is_empty() && !target.starts_with('-') => {
                        code.writes.push(target.split_whitespace().last().unwrap_or(target).to_owned())
                    }
                    None => {}
                },
                "read" | "import" | "restore" | "open" => {
                    let file = target.split_whitespace().find(|w| !w.starts_with('-')).unwrap_or_default();
                    match file.strip_prefix('|') {
                        Some(cmd) => code.scripts.push(cmd.to_owned()),
                        None if !file.is_empty() => {
                            code.reads.push(file.to_owned());
                            if word == "open" || word == "restore" {
                                code.writes.push(file.to_owned());
                            }
                        }
                        None => {}
                    }
                }
                _ => {}
            }
            continue;
        }
        sql_functions(line, code);
    }
}

/// SQL the sqlite3 shell runs that opens files or loads code: `readfile('F')`,
/// `writefile('F', …)`, `ATTACH 'F'`, `VACUUM INTO 'F'`, `load_extension(…)`, `edit(…)`.
fn sql_functions(sql: &str, code: &mut ToolCode) {
    let lower = sql.to_ascii_lowercase();
    if lower.contains("load_extension") || lower.contains("edit(") {
        code.unseen = true;
    }
    for (marker, write) in [("readfile(", false), ("writefile(", true), ("attach", true), ("into", true)] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(marker) {
            let start = from + at + marker.len();
            from = start;
            let rest = sql[start..].trim_start();
            let rest =
                rest.strip_prefix("database").or_else(|| rest.strip_prefix("DATABASE")).unwrap_or(rest);
            let Some(file) = quoted_after(rest) else {
                if marker == "readfile(" || marker == "writefile(" {
                    code.unseen = true; // a name computed by the SQL
                }
                continue;
            };
            if write {
                code.writes.push(file.clone());
            }
            code.reads.push(file);
        }
    }
}

/// psql's options that take a value.
const PSQL_VALUES: &str = "cdfhLopPRTUvF";

/// `psql [-c CMD]… [-f FILE] [-o FILE]`: backslash commands reach the shell and files.
fn psql(args: &[String], code: &mut ToolCode) {
    let spec = OptSpec {
        short_values: PSQL_VALUES,
        long_values: &[
            "--command",
            "--dbname",
            "--file",
            "--host",
            "--log-file",
            "--output",
            "--port",
            "--pset",
            "--record-separator",
            "--table-attr",
            "--username",
            "--variable",
            "--set",
            "--field-separator",
        ],
    };
    let parsed = parse_options(args, spec, false);
    for command in parsed.values(&["-c", "--command"]) {
        psql_text(command, code);
    }
    code.reads.extend(parsed.values(&["-f", "--file"]).filter(|f| *f != "-").map(str::to_owned));
    code.writes.extend(parsed.values(&["-o", "--output", "-L", "--log-file"]).map(str::to_owned));
    if !parsed.has(&["-c", "--command", "-l", "--list", "-V", "--version"])
        && parsed.values(&["-f", "--file"]).all(|f| f == "-")
    {
        code.stdin = StdinIs::PsqlCommands;
    }
}

/// psql input: `\! CMD`, `\o |CMD`, `\g |CMD` and `\copy … PROGRAM 'CMD'` run the shell;
/// `\i F` reads, `\o F`/`\g F`/`\w F` write; `\e` opens an editor; server-side
/// `COPY … PROGRAM` and file functions too (the server may be this machine).
pub(crate) fn psql_text(text: &str, code: &mut ToolCode) {
    for line in text.lines() {
        let mut rest = line;
        while let Some(at) = rest.find('\\') {
            let meta = &rest[at + 1..];
            let (word, after) = meta.split_once(char::is_whitespace).unwrap_or((meta, ""));
            let after = after.trim();
            let target = after.split_whitespace().next().unwrap_or_default().trim_matches('\'');
            match word {
                "!" => code.scripts.push(after.to_owned()),
                w if w.starts_with('!') => {
                    code.scripts.push(format!("{} {after}", &w[1..]).trim().to_owned())
                }
                "o" | "out" | "g" | "gx" | "w" | "write" => match after.strip_prefix('|') {
                    Some(cmd) => code.scripts.push(cmd.trim().to_owned()),
                    None if !target.is_empty() => code.writes.push(target.to_owned()),
                    None => {}
                },
                "i" | "ir" | "include" | "include_relative" | "lo_import" if !target.is_empty() => {
                    code.reads.push(target.to_owned())
                }
                "e" | "edit" | "ef" | "ev" => code.unseen = true,
                _ => {}
            }
            if word == "!" || word.starts_with('!') {
                break;
            }
            rest = &meta[word.len().min(meta.len())..];
        }
        sql_program(line, code);
    }
}

/// `mysql [-e CMD] [--init-command CMD]`: its client commands reach the shell and files.
fn mysql(args: &[String], code: &mut ToolCode) {
    let spec = OptSpec {
        short_values: "eDhPpuSTO",
        long_values: &[
            "--execute",
            "--database",
            "--host",
            "--port",
            "--user",
            "--socket",
            "--init-command",
            "--tee",
            "--pager",
            "--defaults-file",
            "--defaults-extra-file",
        ],
    };
    let parsed = parse_options(args, spec, false);
    for command in parsed.values(&["-e", "--execute", "--init-command"]) {
        mysql_text(command, code);
    }
    code.scripts.extend(parsed.values(&["--pager"]).map(str::to_owned));
    code.writes.extend(parsed.values(&["--tee"]).map(str::to_owned));
    code.reads.extend(parsed.values(&["--defaults-file", "--defaults-extra-file"]).map(str::to_owned));
    if !parsed.has(&["-e", "--execute", "-V", "--version"]) {
        code.stdin = StdinIs::MysqlCommands;
    }
}

/// mysql input: `system CMD`/`\! CMD` and `pager CMD`/`\P CMD` run the shell, `tee F`/`\T F`
/// writes, `source F`/`\. F` reads, `LOAD DATA LOCAL INFILE 'F'` sends F to the server.
pub(crate) fn mysql_text(text: &str, code: &mut ToolCode) {
    for statement in text.split(['\n', ';']) {
        let statement = statement.trim();
        let (word, rest) = statement.split_once(char::is_whitespace).unwrap_or((statement, ""));
        let rest = rest.trim();
        match word.to_ascii_lowercase().as_str() {
            "system" | "\\!" | "pager" | "\\p" if !rest.is_empty() => code.scripts.push(rest.to_owned()),
            "tee" | "\\t" if !rest.is_empty() => code.writes.push(rest.to_owned()),
            "source" | "\\." if !rest.is_empty() => code.reads.push(rest.to_owned()),
            _ => {}
        }
        let lower = statement.to_ascii_lowercase();
        if let Some(at) = lower.find("infile") {
            if let Some(file) = quoted_after(&statement[at + "infile".len()..]) {
                code.reads.push(file);
            }
        }
        if let Some(at) = lower.find("load_file(") {
            if let Some(file) = quoted_after(&statement[at + "load_file(".len()..]) {
                code.reads.push(file);
            }
        }
        if let Some(at) = lower.find("outfile").or_else(|| lower.find("dumpfile")) {
            if let Some(file) = quoted_after(&statement[at + 7..]) {
                code.writes.push(file);
            }
        }
    }
}

/// `COPY … FROM/TO PROGRAM 'CMD'` and psql's `\copy … program 'CMD'` run CMD; the server's
/// file functions (`pg_read_file('F')`, `COPY … FROM 'F'`) read and write files.
fn sql_program(line: &str, code: &mut ToolCode) {
    let lower = line.to_ascii_lowercase();
    if let Some(at) = lower.find("program") {
        match quoted_after(&line[at + "program".len()..]) {
            Some(cmd) => code.scripts.push(cmd),
            None if lower.contains("copy") => code.unseen = true,
            None => {}
        }
    }
    for function in ["pg_read_file(", "pg_read_binary_file(", "lo_import("] {
        if let Some(at) = lower.find(function) {
            if let Some(file) = quoted_after(&line[at + function.len()..]) {
                code.reads.push(file);
            }
        }
    }
}

/// The first single- or double-quoted string at the start of `text` (after blanks).
fn quoted_after(text: &str) -> Option<String> {
    let text = text.trim_start();
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = &text[1..];
    body.find(quote).map(|end| body[..end].to_owned())
}

/// vim, ex, nvim: `-c CMD`, `+CMD`, `--cmd CMD` are Ex commands; `-S`/`-u` source files.
fn vim(args: &[String], code: &mut ToolCode) {
    // In Ex mode (`ex`, `vim -e`, `-es`, `-E`) commands are read from a stdin that is no
    // terminal.
    let ex_mode = args.iter().any(|a| {
        a.starts_with('-') && !a.starts_with("--") && (a.contains('e') || a.contains('E')) && a.len() <= 4
    });
    if ex_mode {
        code.stdin = StdinIs::ExCommands;
    }
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let command = match arg.as_str() {
            "-c" | "--cmd" => it.next().cloned(),
            // `ex -sc CMD`, `vim -Nesc CMD`: flags bundled before `c`.
            a if a.len() > 2
                && a.starts_with('-')
                && !a.starts_with("--")
                && a.ends_with('c')
                && a[1..].chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                it.next().cloned()
            }
            "-S" | "-u" | "-U" => {
                if let Some(file) = it.next() {
                    code.reads.push(file.clone());
                    code.unseen = true;
                }
                None
            }
            "-s" | "-W" | "-w" | "-i" | "-T" | "-t" | "-q" | "-r" => {
                let value = it.next();
                match (arg.as_str(), value) {
                    ("-s", Some(file)) => {
                        code.reads.push(file.clone());
                        code.unseen = true; // keys typed from a file
                    }
                    ("-W" | "-w", Some(file)) => code.writes.push(file.clone()),
                    _ => {}
                }
                None
            }
            a if a.starts_with('+') && a.len() > 1 => Some(a[1..].to_owned()),
            a if a.starts_with("-c") && a.len() > 2 => Some(a[2..].to_owned()),
            _ => None,
        };
        if let Some(command) = command {
            ex_command(&command, code);
        }
    }
}

/// Words that make an Ex command run code Ward does not read (a script language, a function
/// call, keys typed as if by hand, a terminal).
const EX_CODE_WORDS: &[&str] = &[
    "system",
    "systemlist",
    "jobstart",
    "termopen",
    "terminal",
    "term",
    "py",
    "py3",
    "python",
    "python3",
    "pyx",
    "pythonx",
    "pyfile",
    "py3file",
    "pydo",
    "py3do",
    "lua",
    "luafile",
    "luado",
    "perl",
    "perldo",
    "ruby",
    "rubyfile",
    "rubydo",
    "tcl",
    "tcldo",
    "tclfile",
    "mzscheme",
    "so",
    "source",
    "runtime",
    "exe",
    "execute",
    "norm",
    "normal",
    "call",
    "redir",
    "let",
    "eval",
    "feedkeys",
    "libcall",
    "libcallnr",
    "delete",
    "rename",
    "writefile",
];

/// Options whose value is a program or an expression vim runs (`set makeprg=…` then
/// `:make`, `set shell=…`): by their names' endings and the short names listed.
fn runs_option(name: &str) -> bool {
    name.ends_with("prg")
        || name.ends_with("expr")
        || name.ends_with("func")
        || matches!(
            name,
            "shell"
                | "sh"
                | "shellcmdflag"
                | "shcf"
                | "shellpipe"
                | "sp"
                | "shellredir"
                | "srr"
                | "mp"
                | "gp"
                | "kp"
                | "ep"
                | "fp"
                | "dex"
                | "pex"
                | "inex"
                | "inde"
                | "fde"
                | "fex"
                | "ccv"
                | "stl"
                | "statusline"
                | "tal"
                | "tabline"
                | "csprg"
                | "tfu"
                | "cfu"
                | "ofu"
                | "opfunc"
        )
}

/// One Ex command line, its `|`-chained commands in turn: `!cmd`, `%!cmd`, `r!cmd` and
/// `r !cmd` run the shell; `w !cmd` feeds it the buffer; `w! file` only forces a write;
/// `g/pat/cmd` runs cmd; `r F` reads, `w F`/`sav F` write; script languages, `:normal`,
/// `:execute` and options naming programs run what Ward does not read.
pub(crate) fn ex_command(command: &str, code: &mut ToolCode) {
    let names = command.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    if names.clone().any(|w| EX_CODE_WORDS.contains(&w)) {
        code.unseen = true;
    }
    let mut rest = command;
    while !rest.is_empty() {
        let segment = rest.trim_start_matches([':', ' ', '\t']);
        // The range: line numbers, marks, `%`, `.`, `$`.
        let body = segment.trim_start_matches(|c: char| c.is_ascii_digit() || "%.,$'<>-+ ".contains(c));
        let name_len = body.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(body.len());
        let (name, after) = body.split_at(name_len);
        if name.is_empty() && after.starts_with('!') {
            push_script(&after[1..], code);
            return;
        }
        if matches!(name, "g" | "gl" | "global" | "v" | "vg" | "vglobal") {
            // `g/pat/cmd`, `g!/pat/cmd`: cmd runs on each matching line.
            let after = after.trim_start_matches('!');
            if let Some(delimiter) = after.chars().next() {
                let mut parts = after[delimiter.len_utf8()..].splitn(2, delimiter);
                let _pattern = parts.next();
                if let Some(inner) = parts.next() {
                    ex_command(inner, code);
                }
            }
            return;
        }
        let bang = after.starts_with('!');
        let spaced_bang = after.starts_with(char::is_whitespace) && after.trim_start().starts_with('!');
        let (this, next) = split_bar(after.trim_start_matches('!'));
        let file = this.trim();
        match name {
            "r" | "re" | "rea" | "read" if bang || spaced_bang => {
                push_script(after.trim_start().trim_start_matches('!'), code);
                return;
            }
            "w" | "wr" | "wri" | "writ" | "write" if spaced_bang => {
                code.unseen = true; // the buffer is the command's input
                push_script(after.trim_start().trim_start_matches('!'), code);
                return;
            }
            "r" | "re" | "rea" | "read" | "e" | "ed" | "edi" | "edit" | "sp" | "split" | "vs" | "vsplit"
            | "new" | "vne" | "vnew" | "tabe" | "tabedit" | "view" | "sv" | "sview" | "badd" | "arga"
            | "argadd"
                if !file.is_empty() =>
            {
                code.reads.push(file.to_owned());
            }
            "w" | "wr" | "wri" | "writ" | "write" | "sav" | "saveas" | "wq" | "x" | "xit" | "exi"
            | "exit" | "up" | "update" | "wn" | "wnext"
                if !file.is_empty() =>
            {
                code.writes.push(file.trim_start_matches(">>").trim().to_owned());
            }
            "se" | "set" | "setl" | "setlocal" | "setg" | "setglobal" => {
                for option in file.split_whitespace() {
                    let option_name = option.split(['=', '+', '-', '^', ':']).next().unwrap_or_default();
                    if runs_option(option_name) {
                        code.unseen = true;
                    }
                }
            }
            _ => {}
        }
        rest = next;
    }
}

/// An Ex command's operand up to an unescaped `|` (the next command), and the rest.
fn split_bar(text: &str) -> (&str, &str) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'|' => return (&text[..i], &text[i + 1..]),
            _ => i += 1,
        }
    }
    (text, "")
}

fn push_script(script: &str, code: &mut ToolCode) {
    let script = script.trim();
    if !script.is_empty() {
        code.scripts.push(script.to_owned());
    }
}

/// gdb: `-ex CMD`, `--eval-command=CMD`, `-x FILE`, `--args PROG ARGS`, `-p PID`.
fn gdb(args: &[String], code: &mut ToolCode) {
    let mut program: Option<String> = None;
    let mut run: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let name = name.trim_start_matches('-');
        let takes = matches!(
            name,
            "ex" | "eval-command"
                | "iex"
                | "init-eval-command"
                | "x"
                | "command"
                | "ix"
                | "init-command"
                | "p"
                | "pid"
                | "cd"
                | "d"
                | "directory"
                | "s"
                | "symbols"
                | "e"
                | "exec"
                | "se"
                | "c"
                | "core"
                | "tty"
                | "data-directory"
                | "D"
        ) && arg.starts_with('-');
        if arg == "--args" {
            if let Some(rest) = args.get(i + 1..).filter(|r| !r.is_empty()) {
                code.commands.push(rest.to_vec());
            }
            return;
        }
        if takes {
            let value = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    args.get(i).cloned().unwrap_or_default()
                }
            };
            match name {
                "ex" | "eval-command" | "iex" | "init-eval-command" => {
                    if let Some(arguments) = gdb_command(&value, code) {
                        run.push(arguments);
                    }
                }
                "x" | "command" | "ix" | "init-command" => {
                    code.reads.push(value);
                    code.unseen = true;
                }
                "p" | "pid" | "c" | "core" if value.chars().all(|c| c.is_ascii_digit()) => code.unseen = true,
                _ => {}
            }
        } else if !arg.starts_with('-') && program.is_some() && arg.chars().all(|c| c.is_ascii_digit()) {
            code.unseen = true; // `gdb PROG PID`: attaches to a running process
        } else if !arg.starts_with('-') && program.is_none() {
            program = Some(arg.clone());
        }
        i += 1;
    }
    // `gdb -ex 'run ARGS' PROG`: the program runs with those arguments.
    if let Some(program) = program {
        for arguments in run {
            let mut command = vec![program.clone()];
            command.extend(arguments.split_whitespace().map(str::to_owned));
            code.commands.push(command);
        }
    }
}

/// gdb commands that run what Ward cannot see: script languages, calls into the program,
/// attaching to processes, writing memory or files.
const GDB_UNSEEN: &[&str] = &[
    "python",
    "python-interactive",
    "pipe",
    "source",
    "call",
    "print",
    "output",
    "attach",
    "guile",
    "compile",
    "eval",
    "define",
    "set",
    "jump",
    "signal",
    "return",
    "dprintf",
    "commands",
    "catch",
    "dump",
    "restore",
    "append",
    "load",
    "interpreter-exec",
    "alias",
    "target",
];

/// One gdb command: `shell CMD` and `!CMD` run the shell, `run ARGS` the program (its
/// arguments are returned); gdb takes any unambiguous prefix of a command (`she`, `pyth`).
fn gdb_command(command: &str, code: &mut ToolCode) -> Option<String> {
    let command = command.trim();
    if let Some(script) = command.strip_prefix('!').or_else(|| command.strip_prefix('|')) {
        push_script(script, code);
        return None;
    }
    let (word, rest) = command.split_once(char::is_whitespace).unwrap_or((command, ""));
    let is = |full: &str| word.len() >= 2 && full.starts_with(word);
    if is("shell") {
        push_script(rest, code);
    } else if matches!(word, "r" | "ru" | "run" | "start" | "starti") {
        return Some(rest.to_owned());
    } else if matches!(word, "p" | "py" | "pi" | "gu") || GDB_UNSEEN.iter().any(|full| is(full)) {
        code.unseen = true;
    }
    None
}

/// emacs: `--eval`, `-l`/`--load`, `-f`/`--funcall`, `--script`, `-x` run Lisp Ward does not
/// read; emacsclient `-e`/`--eval` too.
fn emacs(args: &[String], code: &mut ToolCode) {
    for arg in args {
        let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n);
        if matches!(
            name,
            "--eval"
                | "-eval"
                | "--execute"
                | "-execute"
                | "-l"
                | "--load"
                | "-load"
                | "-f"
                | "--funcall"
                | "-funcall"
                | "--script"
                | "-script"
                | "-x"
                | "-e"
                | "--directory"
                | "-L"
        ) {
            code.unseen = true;
        }
    }
}

/// `nix-shell --run CMD` / `--command CMD` run a shell command (in a shell Nix sets up, whose
/// `shellHook` Ward does not see); `nix shell|develop … --command CMD ARGS` runs a command.
fn nix(program: &str, args: &[String], code: &mut ToolCode) {
    if program == "nix-shell" {
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--run" | "--command" => code.scripts.extend(it.next().cloned()),
                "--expr" | "-E" => code.unseen = true,
                _ => {}
            }
        }
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--command" || a == "-c") {
        if let Some(rest) = args.get(at + 1..).filter(|r| !r.is_empty()) {
            code.commands.push(rest.to_vec());
        }
    }
    if args.iter().any(|a| a == "--expr" || a == "eval") {
        code.unseen = true;
    }
}

/// tmux sub-commands whose operands are shell commands (or keys typed into a shell).
const TMUX_RUNS: &[&str] = &[
    "new-session",
    "new",
    "new-window",
    "neww",
    "split-window",
    "splitw",
    "respawn-pane",
    "respawnp",
    "respawn-window",
    "respawnw",
    "run-shell",
    "run",
    "if-shell",
    "if",
    "display-popup",
    "popup",
    "pipe-pane",
    "pipep",
    "send-keys",
    "send",
];

/// `tmux [-c CMD] SUBCOMMAND [OPTIONS] [SHELL-COMMAND]`, sub-commands chained with `;`.
fn tmux(args: &[String], code: &mut ToolCode) {
    let global = parse_options(args, OptSpec { short_values: "LSfcT", long_values: &[] }, true);
    code.scripts.extend(global.values(&["-c"]).map(str::to_owned));
    let Some(start) = global.first_operand else { return };
    for part in args[start..].split(|a| a == ";" || a == "\\;") {
        let Some((sub, rest)) = part.split_first() else { continue };
        // tmux takes any unambiguous prefix of a command (`new-se`, `run-sh`).
        let Some(sub) = TMUX_RUNS
            .iter()
            .find(|full| **full == sub.as_str() || (sub.len() >= 3 && full.starts_with(sub.as_str())))
        else {
            continue;
        };
        let spec = OptSpec { short_values: "tsncxyFeflLTbdwhBS", long_values: &[] };
        let spec =
            if matches!(*sub, "new-session" | "new" | "new-window" | "neww" | "split-window" | "splitw") {
                OptSpec { short_values: "tsncxyFefleL", long_values: &[] }
            } else {
                spec
            };
        let operands = parse_options(rest, spec, false).operands;
        if matches!(*sub, "send-keys" | "send") {
            // Keys typed into the pane's shell: the text is a command line.
            let typed: Vec<&str> = operands
                .iter()
                .map(String::as_str)
                .filter(|k| !matches!(*k, "Enter" | "C-m" | "KPEnter" | "C-j"))
                .collect();
            if !typed.is_empty() {
                code.scripts.push(typed.join(" "));
            }
        } else {
            code.scripts.extend(operands);
        }
    }
}

/// `screen [OPTIONS] [CMD ARGS]`; `-X` sends screen commands (`stuff` types into a window).
fn screen(args: &[String], code: &mut ToolCode) {
    let parsed = parse_options(args, OptSpec { short_values: "SpcehtTsX", long_values: &[] }, true);
    if parsed.has(&["-X", "-r", "-x", "-R"]) && parsed.values(&["-X"]).next().is_some() {
        code.unseen = true;
    }
    if let Some(first) = parsed.first_operand {
        code.commands.push(args[first..].to_vec());
    }
}

/// `hyperfine [OPTIONS] CMD…`: each operand, and `--prepare`, `--setup`, `--cleanup`,
/// `--conclude` values, is a shell command it runs.
fn hyperfine(args: &[String], code: &mut ToolCode) {
    let spec = OptSpec {
        short_values: "wmMrpcsSnLPuN",
        long_values: &[
            "--warmup",
            "--min-runs",
            "--max-runs",
            "--runs",
            "--setup",
            "--prepare",
            "--conclude",
            "--cleanup",
            "--parameter-scan",
            "--parameter-step-size",
            "--parameter-list",
            "--shell",
            "--style",
            "--sort",
            "--time-unit",
            "--export-asciidoc",
            "--export-csv",
            "--export-json",
            "--export-markdown",
            "--export-orgmode",
            "--output",
            "--input",
            "--command-name",
            "--reference",
        ],
    };
    let parsed = parse_options(args, spec, false);
    code.scripts.extend(parsed.operands.iter().cloned());
    code.scripts.extend(
        parsed
            .values(&[
                "-p",
                "--prepare",
                "-s",
                "--setup",
                "-c",
                "--cleanup",
                "-C",
                "--conclude",
                "--reference",
            ])
            .map(str::to_owned),
    );
    if parsed.values(&["-S", "--shell"]).any(|shell| shell != "none" && shell != "bash" && shell != "sh") {
        code.unseen = true;
    }
}

/// GNU parallel: `parallel [OPTIONS] CMD … ::: ARGS`; without CMD, each input line is one.
fn parallel(args: &[String], code: &mut ToolCode) {
    let spec = OptSpec {
        short_values: "jSadEInNLXCeMs",
        long_values: &[
            "--jobs",
            "--sshlogin",
            "--arg-file",
            "--delimiter",
            "--colsep",
            "--joblog",
            "--results",
            "--timeout",
            "--delay",
            "--workdir",
            "--tmpdir",
            "--env",
            "--basefile",
            "--return",
            "--max-args",
            "--max-replace-args",
            "--sshloginfile",
            "--tag-string",
            "--shebang-wrap",
        ],
    };
    let parsed = parse_options(args, spec, true);
    let operands = parsed.operands;
    let sep = operands.iter().position(|a| a.starts_with(":::"));
    let command = &operands[..sep.unwrap_or(operands.len())];
    let inputs: Vec<String> = sep
        .map(|s| operands[s + 1..].iter().filter(|a| !a.starts_with(":::")).cloned().collect())
        .unwrap_or_default();
    for f in parsed
        .opts
        .iter()
        .filter(|o| o.name == "-a" || o.name == "--arg-file")
        .filter_map(|o| o.value.clone())
    {
        code.reads.push(f);
    }
    if command.is_empty() {
        if sep.is_none() {
            code.stdin = StdinIs::ShellScript; // each input line is a command
        } else {
            code.scripts.extend(inputs);
        }
        return;
    }
    // The command line parallel hands to a shell, with the inputs where `{}` is (or at the end).
    let mut line = command.join(" ");
    if !line.contains('{') {
        line.push(' ');
        line.push_str(&inputs.join(" "));
    } else if !inputs.is_empty() {
        line = line.replace("{}", &inputs.join(" "));
    }
    code.scripts.push(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(line: &str) -> ToolCode {
        let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        tool_code(&words[0], &words[1..]).expect("a listed tool")
    }

    fn args(program: &str, args: &[&str]) -> ToolCode {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        tool_code(program, &args).expect("a listed tool")
    }

    #[test]
    fn sqlite_dot_commands_and_functions() {
        let c = args("sqlite3", &["db", ".shell rm m"]);
        assert_eq!(c.scripts, ["rm m"]);
        assert_eq!(c.writes, ["db"]);
        let c = args("sqlite3", &[":memory:", "select writefile('out.txt', readfile('/h/.ssh/id_rsa'))"]);
        assert_eq!(c.writes, [":memory:", "out.txt"]);
        assert!(c.reads.contains(&"/h/.ssh/id_rsa".to_owned()));
        let c = args("sqlite3", &["-cmd", ".system id", "db"]);
        assert_eq!(c.scripts, ["id"]);
        assert_eq!(c.stdin, StdinIs::SqliteCommands);
        let c = args("sqlite3", &["db", ".once '|sh'", "select 1"]);
        assert_eq!(c.scripts, ["sh"]);
        assert!(args("sqlite3", &["db", "select load_extension('x')"]).unseen);
        let mut c = ToolCode::default();
        sqlite_text(".output /h/.bashrc\nattach database '/h/x.db' as x;", &mut c);
        assert_eq!(c.writes, ["/h/.bashrc", "/h/x.db"]);
        assert_eq!(
            args("sqlite3", &["db", "select 1"]),
            ToolCode { reads: vec!["db".into()], writes: vec!["db".into()], ..ToolCode::default() }
        );
    }

    #[test]
    fn database_shells() {
        assert_eq!(args("psql", &["-c", "\\! rm m"]).scripts, ["rm m"]);
        assert_eq!(args("psql", &["-d", "x", "-c", "\\o |sh"]).scripts, ["sh"]);
        assert_eq!(
            args("psql", &["-c", "\\copy t from program 'cat /h/.ssh/id_rsa'"]).scripts,
            ["cat /h/.ssh/id_rsa"]
        );
        assert_eq!(args("psql", &["-c", "select pg_read_file('/h/.pgpass')"]).reads, ["/h/.pgpass"]);
        let c = args("psql", &["-f", "schema.sql", "-o", "out.txt"]);
        assert_eq!(
            (c.reads, c.writes, c.stdin),
            (vec!["schema.sql".to_owned()], vec!["out.txt".to_owned()], StdinIs::Data)
        );
        assert_eq!(args("psql", &["-d", "x"]).stdin, StdinIs::PsqlCommands);
        assert_eq!(args("psql", &["-c", "select 1"]), ToolCode::default());
        assert_eq!(args("mysql", &["-e", "system rm m"]).scripts, ["rm m"]);
        assert_eq!(args("mysql", &["-e", "\\! rm m; select 1"]).scripts, ["rm m"]);
        assert_eq!(
            args("mysql", &["-e", "LOAD DATA LOCAL INFILE '/h/.env' INTO TABLE t"]).reads,
            ["/h/.env"]
        );
        assert_eq!(args("mysql", &["db"]).stdin, StdinIs::MysqlCommands);
        assert_eq!(args("mysql", &["-e", "select 1"]), ToolCode::default());
    }

    #[test]
    fn vim_ex_commands() {
        assert_eq!(args("vim", &["-c", "!rm m", "-c", "q"]).scripts, ["rm m"]);
        assert_eq!(args("ex", &["-sc", "%!sort", "f"]).scripts, ["sort"]);
        assert_eq!(args("vim", &["+r !cat ~/.ssh/id_rsa"]).scripts, ["cat ~/.ssh/id_rsa"]);
        let c = args("vim", &["-c", "w !sh", "f"]);
        assert!(c.unseen);
        // Forcing a write is not a shell command; an ordinary edit runs nothing.
        assert_eq!(args("vim", &["-c", "wq!", "f"]), ToolCode::default());
        assert_eq!(args("vim", &["-c", "%s/a/b/g", "-c", "wq", "f"]), ToolCode::default());
        assert!(args("nvim", &["--headless", "-c", "lua os.remove('m')"]).unseen);
        assert!(args("vim", &["-c", "call system('rm m')"]).unseen);
    }

    #[test]
    fn abbreviated_and_chained_commands() {
        assert_eq!(args("sqlite3", &["db", ".sh rm m"]).scripts, ["rm m"]);
        assert_eq!(args("sqlite3", &["db", ".syst rm m"]).scripts, ["rm m"]);
        assert_eq!(args("vim", &["-c", "r!rm m"]).scripts, ["rm m"]);
        assert_eq!(args("vim", &["-c", "echo|!rm m"]).scripts, ["rm m"]);
        assert_eq!(args("vim", &["-c", "g/^/!rm m"]).scripts, ["rm m"]);
        assert!(args("vim", &["-c", "set makeprg=rm\\ m", "-c", "make"]).unseen);
        assert_eq!(
            args("vim", &["-es", "-c", "r /h/.aws/credentials", "-c", "%p"]).reads,
            ["/h/.aws/credentials"]
        );
        assert_eq!(args("vim", &["-c", "w! .ward-tier-x"]).writes, [".ward-tier-x"]);
        assert_eq!(args("vim", &["-es"]).stdin, StdinIs::ExCommands);
        assert_eq!(args("gdb", &["-ex", "she rm m"]).scripts, ["rm m"]);
        assert_eq!(
            args("gdb", &["-ex", "run m", "/bin/rm"]).commands,
            [vec!["/bin/rm".to_owned(), "m".to_owned()]]
        );
        assert!(args("gdb", &["-ex", "pyth import os"]).unseen);
        assert_eq!(args("tmux", &["new-se", "-d", "rm m"]).scripts, ["rm m"]);
        assert_eq!(args("tmux", &["run-sh", "rm m"]).scripts, ["rm m"]);
    }

    #[test]
    fn benchmark_runners() {
        assert_eq!(args("hyperfine", &["-w", "3", "rm m"]).scripts, ["rm m"]);
        assert_eq!(args("hyperfine", &["--prepare", "rm m", "true"]).scripts, ["true", "rm m"]);
        assert_eq!(args("mispipe", &["rm m", "cat"]).scripts, ["rm m", "cat"]);
    }

    #[test]
    fn gdb_commands() {
        assert_eq!(args("gdb", &["-batch", "-ex", "shell rm m"]).scripts, ["rm m"]);
        assert_eq!(args("gdb", &["--eval-command=!id"]).scripts, ["id"]);
        assert_eq!(
            args("gdb", &["-batch", "-ex", "run", "--args", "rm", "m"]).commands,
            [vec!["rm".to_owned(), "m".to_owned()]]
        );
        assert!(args("gdb", &["-p", "1234"]).unseen);
        assert!(args("gdb", &["-ex", "python import os"]).unseen);
        assert!(!args("gdb", &["-batch", "-ex", "bt", "./a.out", "core"]).unseen);
    }

    #[test]
    fn sessions_and_runners() {
        assert_eq!(code("tmux new -d -s x").scripts, Vec::<String>::new());
        assert_eq!(args("tmux", &["new", "-d", "-s", "x", "rm m"]).scripts, ["rm m"]);
        assert_eq!(args("tmux", &["send-keys", "-t", "x", "rm m", "Enter"]).scripts, ["rm m"]);
        assert_eq!(args("tmux", &["-c", "rm m"]).scripts, ["rm m"]);
        assert!(args("tmux", &["ls"]).scripts.is_empty());
        assert_eq!(
            args("screen", &["-dmS", "x", "rm", "m"]).commands,
            [vec!["rm".to_owned(), "m".to_owned()]]
        );
        assert_eq!(args("nix-shell", &["-p", "jq", "--run", "rm m"]).scripts, ["rm m"]);
        assert_eq!(
            args("nix", &["shell", "nixpkgs#jq", "--command", "rm", "m"]).commands,
            [vec!["rm".to_owned(), "m".to_owned()]]
        );
        assert_eq!(args("parallel", &["rm", ":::", "a", "b"]).scripts, ["rm a b"]);
        assert_eq!(args("parallel", &["-j2", "gzip {}", ":::", "a"]).scripts, ["gzip a"]);
        assert_eq!(args("parallel", &[]).stdin, StdinIs::ShellScript);
        assert_eq!(args("at", &["now"]).stdin, StdinIs::ShellScript);
        assert_eq!(args("at", &["-f", "job.sh", "now"]).reads, ["job.sh"]);
        assert!(args("emacs", &["--batch", "--eval", "(delete-file \"m\")"]).unseen);
        assert!(!args("emacs", &["-nw", "f"]).unseen);
    }
}
