//! Options of well-known tools whose value is a shell command the tool runs
//! (`git rebase --exec CMD`, `tar --checkpoint-action=exec=CMD`, `ssh -o ProxyCommand=CMD`,
//! `rsync -e CMD`, `sg GROUP CMD`, `npm exec -c CMD`): the commands to analyze as shell.
//! (`su`/`runuser -c` are wrappers: `tables::wrapped_command`.)

/// A command an option runs: its shell text, or `None` when it is text in another language
/// that runs commands (`make --eval`), which Ward does not read.
pub(crate) type OptionCode = Option<String>;

/// The commands `program`'s arguments make it run through a shell.
pub(crate) fn code_in_options(program: &str, args: &[String]) -> Vec<OptionCode> {
    let mut found = Vec::new();
    match program {
        "git" => git(args, &mut found),
        "tar" | "gtar" => {
            for (name, value) in options(args, "IF", &TAR_LONG) {
                match name.as_str() {
                    "--checkpoint-action" => {
                        if let Some(command) = value.strip_prefix("exec=") {
                            found.push(Some(command.to_owned()));
                        }
                    }
                    "-I"
                    | "--use-compress-program"
                    | "--to-command"
                    | "-F"
                    | "--info-script"
                    | "--new-volume-script" => found.push(Some(value)),
                    _ => {}
                }
            }
        }
        "ssh" | "scp" | "sftp" | "autossh" => {
            for (_, value) in options(args, "o", &[]).into_iter().filter(|(n, _)| n == "-o") {
                // `ProxyCommand=CMD` or `ProxyCommand CMD`; keywords ignore case.
                // ssh skips blanks before a keyword (`-o ' ProxyCommand=…'`) and reads `=`
                // or blanks (tabs too) between it and the value.
                let value = value.trim_start();
                let (key, command) = match value.split_once(['=', ' ', '\t']) {
                    Some((k, c)) => (k.trim().to_ascii_lowercase(), c.trim_start_matches(['=', ' ', '\t'])),
                    None => continue,
                };
                if matches!(key.as_str(), "proxycommand" | "localcommand" | "knownhostscommand") {
                    found.push(Some(command.to_owned()));
                }
            }
        }
        "rsync" => {
            for (name, value) in options(args, "e", &["--rsh"]) {
                if name == "-e" || name == "--rsh" {
                    found.push(Some(value));
                }
            }
        }
        "sg" => {
            // `sg GROUP CMD` or `sg GROUP -c CMD`.
            let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
            if let Some(command) = operands.get(1) {
                found.push(Some((*command).clone()));
            }
        }
        "npm" | "pnpm" | "npx" | "yarn" => {
            for (name, value) in options(args, "c", &["--call"]) {
                if name == "-c" || name == "--call" {
                    found.push(Some(value));
                }
            }
        }
        "zip" => {
            for (name, value) in options(args, "", &["-TT", "--unzip-command"]) {
                if name == "-TT" || name == "--unzip-command" {
                    found.push(Some(value));
                }
            }
        }
        // `--eval` (or `--ev`, a prefix), and a makefile read from stdin: make syntax.
        "make" | "gmake"
            if args.iter().enumerate().any(|(i, a)| {
                let name = a.split('=').next().unwrap_or(a);
                a == "-E"
                    || (name.len() >= 4 && "--eval".starts_with(name))
                    || (matches!(a.as_str(), "-f" | "--file" | "--makefile")
                        && args.get(i + 1).is_some_and(|f| matches!(f.as_str(), "-" | "/dev/stdin")))
            }) =>
        {
            found.push(None)
        }
        _ => {}
    }
    found
}

const TAR_LONG: [&str; 5] =
    ["--checkpoint-action", "--use-compress-program", "--to-command", "--info-script", "--new-volume-script"];

/// `(name, value)` of each option with a value: `-xV`, `-x V` for the letters in `short`;
/// `--name=V` always and `--name V` for the names in `long` (also when a whole word, as
/// `-TT CMD`, is listed there).
fn options(args: &[String], short: &str, long: &[&str]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        i += 1;
        if arg == "--" {
            break;
        }
        if let Some((name, value)) = arg.split_once('=').filter(|(n, _)| n.starts_with("--")) {
            found.push((unabbreviated(name, long).to_owned(), value.to_owned()));
        } else if let Some(name) =
            long.iter().find(|l| **l == arg.as_str()).copied().or_else(|| {
                arg.starts_with("--").then(|| unabbreviated(arg, long)).filter(|n| long.contains(n))
            })
        {
            if let Some(value) = args.get(i) {
                found.push((name.to_owned(), value.clone()));
                i += 1;
            }
        } else if let Some(name) =
            long.iter().find(|l| l.len() > 2 && !l.starts_with("--") && arg.starts_with(*l))
        {
            // `-TTcmd`: a multi-letter single-dash option with its value attached.
            found.push(((*name).to_owned(), arg[name.len()..].to_owned()));
        } else if let Some(letters) = arg.strip_prefix('-').filter(|l| !l.starts_with('-')) {
            for (at, c) in letters.char_indices() {
                if short.contains(c) {
                    let rest = &letters[at + c.len_utf8()..];
                    if !rest.is_empty() {
                        found.push((format!("-{c}"), rest.to_owned()));
                    } else if let Some(value) = args.get(i) {
                        found.push((format!("-{c}"), value.clone()));
                        i += 1;
                    }
                    break;
                }
            }
        }
    }
    found
}

/// `name` as getopt_long and git read it: a long option may be cut to any prefix that names
/// one option only (`--exe` is `--exec`, `--checkpoint-act` `--checkpoint-action`).
fn unabbreviated<'a>(name: &'a str, long: &[&'a str]) -> &'a str {
    if !name.starts_with("--") || long.contains(&name) {
        return name;
    }
    let mut candidates = long.iter().filter(|l| l.starts_with("--") && l.starts_with(name));
    match (candidates.next(), candidates.next()) {
        (Some(only), None) => only,
        _ => name,
    }
}

/// git sub-commands that run commands: `rebase -x`, `difftool`/`mergetool -x`/`--extcmd`,
/// `grep -O`/`--open-files-in-pager`, `submodule foreach`, `bisect run`, `filter-branch`'s
/// filters.
fn git(args: &[String], found: &mut Vec<OptionCode>) {
    // The sub-command after git's own options (`-C dir`, `-c k=v` take a value).
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if matches!(arg.as_str(), "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace") {
            i += 2;
        } else if arg.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    let Some(sub) = args.get(i) else { return };
    let rest = &args[i + 1..];
    match sub.as_str() {
        // The program run for the other side of a transfer: on the remote machine over ssh, on
        // this one for a local or `file://` remote, through a shell either way.
        "fetch" | "pull" | "clone" | "ls-remote" | "push" | "send-pack" | "fetch-pack" | "archive" => {
            for (name, value) in options(rest, "u", &["--upload-pack", "--receive-pack", "--exec"]) {
                let runs = match sub.as_str() {
                    "clone" => name == "-u" || name == "--upload-pack",
                    _ => matches!(name.as_str(), "--upload-pack" | "--receive-pack" | "--exec"),
                };
                if runs {
                    found.push(Some(value));
                }
            }
        }
        "rebase" => {
            for (name, value) in options(rest, "x", &["--exec"]) {
                if name == "-x" || name == "--exec" {
                    found.push(Some(value));
                }
            }
        }
        "difftool" | "mergetool" => {
            for (name, value) in options(rest, "xt", &["--extcmd", "--tool"]) {
                if name == "-x" || name == "--extcmd" {
                    found.push(Some(value));
                }
            }
        }
        "grep" => {
            for arg in rest {
                // `-O[PAGER]` (also bundled: `-nOcmd`), `--open-files-in-pager[=PAGER]` (or a
                // prefix of it): the value only attached.
                let long = arg
                    .split_once('=')
                    .filter(|(n, _)| n.len() > 7 && "--open-files-in-pager".starts_with(n));
                let short = arg
                    .strip_prefix('-')
                    .filter(|l| !l.starts_with('-'))
                    .and_then(|letters| letters.split_once('O'))
                    .map(|(_, pager)| pager)
                    .filter(|p| !p.is_empty());
                if let Some(pager) = long.map(|(_, v)| v).or(short) {
                    found.push(Some(pager.to_owned()));
                }
            }
        }
        "submodule" => {
            if let Some(at) = rest.iter().position(|a| a == "foreach") {
                let command: Vec<&str> =
                    rest[at + 1..].iter().map(String::as_str).skip_while(|a| a.starts_with("--")).collect();
                if !command.is_empty() {
                    found.push(Some(command.join(" ")));
                }
            }
        }
        "bisect" if rest.first().map(String::as_str) == Some("run") && rest.len() > 1 => {
            found.push(Some(shell_words(&rest[1..])));
        }
        "filter-branch" => {
            for (name, value) in options(rest, "", &FILTERS) {
                if FILTERS.contains(&name.as_str()) {
                    found.push(Some(value));
                }
            }
        }
        _ => {}
    }
}

const FILTERS: [&str; 8] = [
    "--env-filter",
    "--tree-filter",
    "--index-filter",
    "--parent-filter",
    "--msg-filter",
    "--commit-filter",
    "--tag-name-filter",
    "--setup",
];

/// Words run as a command (`git bisect run cat F`): joined, each quoted for the shell.
fn shell_words(words: &[String]) -> String {
    words.iter().map(|w| format!("'{}'", w.replace('\'', "'\\''"))).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::code_in_options;

    fn code(program: &str, args: &[&str]) -> Vec<Option<String>> {
        code_in_options(program, &args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn options_that_run_commands() {
        let some = |s: &str| vec![Some(s.to_owned())];
        assert_eq!(code("git", &["rebase", "-q", "--exec", "cat f", "HEAD~1"]), some("cat f"));
        assert_eq!(code("git", &["fetch", "--upload-pack=rm m", "origin"]), some("rm m"));
        assert_eq!(code("git", &["clone", "-u", "rm m", "a", "b"]), some("rm m"));
        assert_eq!(code("git", &["push", "--receive-pack", "rm m", "origin"]), some("rm m"));
        assert_eq!(code("git", &["archive", "--remote=x", "--exec=rm m"]), some("rm m"));
        assert!(code("git", &["fetch", "-u", "origin"]).is_empty());
        assert_eq!(code("git", &["-C", "x", "rebase", "-xcat f", "--root"]), some("cat f"));
        assert_eq!(code("git", &["difftool", "-y", "--extcmd=rm m", "HEAD"]), some("rm m"));
        assert_eq!(code("git", &["grep", "--no-index", "-Ocat f;:", "x"]), some("cat f;:"));
        assert_eq!(code("git", &["submodule", "foreach", "--recursive", "rm ../m"]), some("rm ../m"));
        assert_eq!(code("git", &["bisect", "run", "cat", "a b"]), some("'cat' 'a b'"));
        assert_eq!(code("git", &["filter-branch", "--tree-filter", "cp f k", "HEAD"]), some("cp f k"));
        assert_eq!(
            code("tar", &["-cf", "/dev/null", "--checkpoint=1", "--checkpoint-action=exec=rm m", "."]),
            some("rm m")
        );
        assert_eq!(code("tar", &["-I", "sh -c x", "-cf", "a.tar", "src"]), some("sh -c x"));
        assert_eq!(code("ssh", &["-o", "ProxyCommand=cp f g", "host", "true"]), some("cp f g"));
        assert_eq!(code("ssh", &["-oproxycommand nc x 1", "host"]), some("nc x 1"));
        assert_eq!(code("ssh", &["-o", " \tProxyCommand\t=rm m", "host"]), some("rm m"));
        assert_eq!(code("rsync", &["-e", "sh -c x", "a", "h:b"]), some("sh -c x"));
        assert_eq!(code("sg", &["root", "cat f"]), some("cat f"));
        assert_eq!(code("npm", &["exec", "-c", "cat f"]), some("cat f"));
        assert_eq!(code("zip", &["-T", "-TT", "rm m", "x.zip", "f"]), some("rm m"));
        assert_eq!(code("make", &["--eval=x:", "x"]), vec![None]);
        assert_eq!(code("make", &["--ev=x:", "x"]), vec![None]);
        assert_eq!(code("make", &["-f", "-", "x"]), vec![None]);
        assert!(code("make", &["-f", "Makefile.ci", "test"]).is_empty());
        // Abbreviations getopt and git accept, bundled and attached values.
        assert_eq!(code("git", &["rebase", "--exe=rm m", "HEAD~1"]), some("rm m"));
        assert_eq!(code("git", &["rebase", "--exe", "rm m", "HEAD~1"]), some("rm m"));
        assert_eq!(code("git", &["grep", "--open-files=rm m;:", "a"]), some("rm m;:"));
        assert_eq!(code("git", &["grep", "-nOrm m;:", "a"]), some("rm m;:"));
        assert_eq!(code("tar", &["--checkpoint-act=exec=rm m", "-cf", "x", "."]), some("rm m"));
        assert_eq!(code("tar", &["--use=sh -c x", "-cf", "x", "."]), some("sh -c x"));
        assert_eq!(code("zip", &["-T", "-TTrm m", "x.zip", "f"]), some("rm m"));
        assert_eq!(code("zip", &["-T", "--unzip-comm", "rm m", "x.zip", "f"]), some("rm m"));
        // Ordinary calls run nothing.
        assert!(code("git", &["rebase", "-i", "main"]).is_empty());
        assert!(code("git", &["grep", "-n", "TODO"]).is_empty());
        assert!(code("tar", &["-czf", "a.tgz", "src"]).is_empty());
        assert!(code("ssh", &["-o", "BatchMode=yes", "host", "true"]).is_empty());
        assert!(code("rsync", &["-av", "src/", "h:dst"]).is_empty());
        assert!(code("npm", &["run", "build"]).is_empty());
    }
}
