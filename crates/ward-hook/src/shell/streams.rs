//! What a pipeline stage's output is known to hold beyond literal text, and what the `read`
//! builtin takes from its input: the file names a lister prints (`find`, `fd`, `ls`), the lines a
//! line filter passes on (`sort`, `grep`, `tee`, …), and the words `read` assigns.
//!
//! Everything here errs to the cautious side: a name pattern may name more than the command
//! prints, a filter's output is taken to be all of its input, and `read` is taken to read every
//! line (as `while read` does), never fewer.

/// `read [-ers] [-a ARRAY] [-d DELIM] [-i TEXT] [-n N] [-N N] [-p PROMPT] [-t T] [-u FD] NAME…`
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ReadInvocation {
    /// The variables assigned (`REPLY` when none is named).
    pub names: Vec<String>,
    /// `-a ARRAY`: the words go into an array.
    pub array: Option<String>,
    /// `-r`: backslashes are kept.
    pub raw: bool,
    /// `-d DELIM`: the record separator (`-d ''` is NUL); a newline by default.
    pub delimiter: char,
    /// `-n N` / `-N N`: at most N characters.
    pub limit: Option<usize>,
    /// `-u FD`: another descriptor than stdin; what it holds is not known.
    pub other_descriptor: bool,
}

/// Parses `read`'s arguments (after the program name).
pub(crate) fn read_invocation(args: &[String]) -> ReadInvocation {
    let mut inv = ReadInvocation { delimiter: '\n', ..ReadInvocation::default() };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty() && !arg.starts_with("--")) else {
            if arg == "--" {
                inv.names.extend(it.by_ref().cloned());
                break;
            }
            inv.names.push(arg.clone());
            continue;
        };
        for (at, flag) in flags.char_indices() {
            if !"adinNptu".contains(flag) {
                inv.raw |= flag == 'r';
                continue;
            }
            // A flag with a value takes the rest of the word, or the next word.
            let rest = &flags[at + flag.len_utf8()..];
            let value =
                if rest.is_empty() { it.next().cloned().unwrap_or_default() } else { rest.to_owned() };
            match flag {
                'a' => inv.array = Some(value),
                'd' => inv.delimiter = value.chars().next().unwrap_or('\0'),
                'n' | 'N' => inv.limit = value.parse().ok(),
                'u' => inv.other_descriptor = value != "0",
                _ => {}
            }
            break;
        }
    }
    inv.names.retain(|n| is_name(n));
    if inv.names.is_empty() && inv.array.is_none() {
        inv.names.push("REPLY".to_owned());
    }
    inv
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The values each of `inv`'s variables takes when `read` reads `text`, record by record (a
/// `while read` loop reads them all), split at `ifs` as bash splits: the last variable takes the
/// rest of the record. An array takes every field.
pub(crate) fn read_values(inv: &ReadInvocation, text: &str, ifs: &str) -> Vec<(String, Vec<String>)> {
    let mut values: Vec<(String, Vec<String>)> = inv.names.iter().map(|n| (n.clone(), Vec::new())).collect();
    let mut fields_of_array = Vec::new();
    let joined;
    let text = if inv.raw {
        text
    } else {
        joined = unescape_read(text, inv.delimiter);
        &joined
    };
    // Input ends with a delimiter (a here-string's newline): no empty record after it.
    let text = text.strip_suffix(inv.delimiter).unwrap_or(text);
    for record in text.split(inv.delimiter) {
        let record = match inv.limit {
            Some(n) => record.chars().take(n).collect::<String>(),
            None => record.to_owned(),
        };
        if inv.array.is_some() {
            fields_of_array.extend(split_fields(&record, ifs, usize::MAX));
        }
        let fields = split_fields(&record, ifs, values.len());
        for (slot, field) in values.iter_mut().zip(fields) {
            if !slot.1.contains(&field) {
                slot.1.push(field);
            }
        }
    }
    if let Some(array) = &inv.array {
        values.push((array.clone(), fields_of_array));
    }
    values
}

/// Without `-r`, a backslash quotes the next character and a backslash-newline joins lines.
fn unescape_read(text: &str, delimiter: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\n') if delimiter == '\n' => {}
            Some(next) => out.push(next),
            None => {}
        }
    }
    out
}

/// A record split into at most `count` fields at the characters of `ifs`: runs of its blanks
/// count as one separator and are trimmed at the ends; the last field keeps the rest.
fn split_fields(record: &str, ifs: &str, count: usize) -> Vec<String> {
    let blank = |c: char| c.is_whitespace() && ifs.contains(c);
    let separator = |c: char| ifs.contains(c);
    let mut fields = Vec::new();
    let mut rest = record.trim_start_matches(blank);
    while fields.len() + 1 < count && !rest.is_empty() {
        let Some(at) = rest.find(separator) else { break };
        fields.push(rest[..at].to_owned());
        rest = rest[at..].trim_start_matches(blank);
        if let Some(c) = rest.chars().next().filter(|c| separator(*c) && !blank(*c)) {
            rest = rest[c.len_utf8()..].trim_start_matches(blank);
        }
    }
    let last = rest.trim_end_matches(blank);
    if !last.is_empty() || fields.is_empty() {
        fields.push(last.to_owned());
    }
    fields
}

/// `mapfile`/`readarray [-d DELIM] [-n N] [-O I] [-s N] [-t] [-u FD] [-C CODE [-c N]] [ARRAY]`
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MapfileInvocation {
    /// The array assigned (`MAPFILE` when none is named).
    pub array: String,
    pub delimiter: char,
    /// `-C CODE`: shell code run every `-c` lines.
    pub callback: Option<String>,
    /// `-u FD`: another descriptor than stdin.
    pub other_descriptor: bool,
}

pub(crate) fn mapfile_invocation(args: &[String]) -> MapfileInvocation {
    let mut inv = MapfileInvocation {
        array: "MAPFILE".to_owned(),
        delimiter: '\n',
        callback: None,
        other_descriptor: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
            if is_name(arg) {
                inv.array = arg.clone();
            }
            continue;
        };
        for (at, flag) in flags.char_indices() {
            if !"dnOsuCc".contains(flag) {
                continue;
            }
            let rest = &flags[at + flag.len_utf8()..];
            let value =
                if rest.is_empty() { it.next().cloned().unwrap_or_default() } else { rest.to_owned() };
            match flag {
                'd' => inv.delimiter = value.chars().next().unwrap_or('\0'),
                'u' => inv.other_descriptor = value != "0",
                'C' => inv.callback = Some(value),
                _ => {}
            }
            break;
        }
    }
    inv
}

/// The elements `mapfile` makes of `text`: one per record, without its delimiter.
pub(crate) fn mapfile_values(inv: &MapfileInvocation, text: &str) -> Vec<String> {
    let text = text.strip_suffix(inv.delimiter).unwrap_or(text);
    let mut values: Vec<String> = Vec::new();
    for record in text.split(inv.delimiter) {
        if !values.iter().any(|v| v == record) {
            values.push(record.to_owned());
        }
    }
    values
}

/// How a line filter treats its input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Filter {
    /// Prints lines of its input unchanged (some, all, reordered) and nothing else.
    Lines,
    /// Prints something else (a file it names, counts, parts of lines).
    Other,
}

/// Whether `program` with `args` passes lines of its stdin on unchanged: `sort`, `uniq`,
/// `head -n`, `tail -n`, `tac`, `grep PATTERN`, `cat`, `tee FILE`. None: not a line filter.
pub(crate) fn line_filter(program: &str, args: &[String]) -> Option<Filter> {
    // Options that take a value, and options that change what is printed.
    let (valued, changing): (&[&str], &[&str]) = match program {
        "tee" => return Some(Filter::Lines),
        "sort" => (&["-k", "-t", "-o", "-S", "-T", "--key", "--field-separator", "--output"], &["-c", "-C"]),
        "uniq" => (&["-f", "-s", "-w"], &["-c", "--count"]),
        "head" | "tail" => {
            (&["-n", "--lines"], &["-c", "--bytes", "-v", "--verbose", "-f", "-F", "--follow"])
        }
        "tac" | "cat" => (&[], &["-n", "-b", "-A", "-e", "-E", "-s", "-t", "-T", "-v", "--number"]),
        "grep" | "egrep" | "fgrep" => (
            &["-e", "-f", "-m", "-A", "-B", "-C", "--regexp", "--file", "--max-count"],
            &[
                "-o",
                "-n",
                "-b",
                "-c",
                "-l",
                "-L",
                "-H",
                "-r",
                "-R",
                "-Z",
                "-z",
                "-q",
                "-s",
                "--only-matching",
            ],
        ),
        _ => return None,
    };
    let mut operands = 0usize;
    let mut pattern_given = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (name, inline_value) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (arg.as_str(), None),
        };
        if arg == "-" || !arg.starts_with('-') || arg.len() == 1 {
            operands += usize::from(arg != "-");
            continue;
        }
        // `-n5`, `-k2`: a short option glued to its value; `-5`: head's line count.
        let short = !name.starts_with("--") && name.len() > 2;
        let option = if short { &name[..2] } else { name };
        if changing.contains(&option)
            || (short && name[1..].chars().any(|c| changing.contains(&format!("-{c}").as_str())))
        {
            return Some(Filter::Other);
        }
        if valued.contains(&option) {
            pattern_given |= matches!(option, "-e" | "-f" | "--regexp" | "--file");
            if inline_value.is_none() && !short {
                it.next();
            }
        }
    }
    let is_grep = matches!(program, "grep" | "egrep" | "fgrep");
    let files = if is_grep && !pattern_given { operands.saturating_sub(1) } else { operands };
    Some(if files == 0 { Filter::Lines } else { Filter::Other })
}

/// The names `ls` prints, as patterns: with `-d`, its operands as given; otherwise also the
/// names inside directories, which it prints bare (relative to where it runs: `*`, and `.*`
/// with `-a`/`-A`).
pub(crate) fn ls_names(args: &[String]) -> Vec<String> {
    let options: String =
        args.iter().filter(|a| a.starts_with('-') && !a.starts_with("--")).map(|a| &a[1..]).collect();
    let all = options.contains(['a', 'A']) || args.iter().any(|a| a == "--all" || a == "--almost-all");
    let mut names: Vec<String> = args.iter().filter(|a| !a.starts_with('-')).cloned().collect();
    if !options.contains('d') && !args.iter().any(|a| a == "--directory") {
        names.push("*".to_owned());
        if all {
            names.push(".*".to_owned());
        }
    }
    names
}

/// `fd [OPTIONS] [PATTERN] [PATH…]` (also `fdfind`): where it searches and the commands it runs
/// (`-x CMD…`, `-X CMD…`, ended by `;` or the end of the line).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct FdInvocation {
    pub roots: Vec<String>,
    pub execs: Vec<Vec<String>>,
}

pub(crate) fn fd_invocation(args: &[String]) -> FdInvocation {
    const VALUED: &[&str] = &[
        "-e",
        "--extension",
        "-t",
        "--type",
        "-d",
        "--max-depth",
        "--min-depth",
        "--exact-depth",
        "-E",
        "--exclude",
        "-S",
        "--size",
        "--changed-within",
        "--changed-before",
        "--change-newer-than",
        "--change-older-than",
        "-o",
        "--owner",
        "-j",
        "--threads",
        "--max-results",
        "-c",
        "--color",
        "--path-separator",
        "--ignore-file",
        "--max-buffer-time",
        "--and",
        "--format",
        "--batch-size",
    ];
    let mut inv = FdInvocation::default();
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n);
        match name {
            "-x" | "--exec" | "-X" | "--exec-batch" => {
                let command: Vec<String> = it.by_ref().take_while(|a| a.as_str() != ";").cloned().collect();
                if !command.is_empty() {
                    inv.execs.push(command);
                }
            }
            "--search-path" | "--base-directory" => {
                if let Some(value) =
                    arg.split_once('=').map(|(_, v)| v.to_owned()).or_else(|| it.next().cloned())
                {
                    inv.roots.push(value);
                }
            }
            "--" => positional.extend(it.by_ref().cloned()),
            _ if VALUED.contains(&name) && !arg.contains('=') => {
                it.next();
            }
            _ if arg.starts_with('-') && arg.len() > 1 => {}
            _ => positional.push(arg.clone()),
        }
    }
    inv.roots.extend(positional.into_iter().skip(1));
    if inv.roots.is_empty() {
        inv.roots.push(".".to_owned());
    }
    inv
}

/// Whether `name` (one path component) matches the `find -name` glob `glob`: `*`, `?` and
/// `[…]` (any one character, cautiously) as fnmatch reads them; a leading dot needs no match.
pub(crate) fn name_matches(glob: &str, name: &str) -> bool {
    fn matches(glob: &[char], name: &[char]) -> bool {
        match glob.split_first() {
            None => name.is_empty(),
            Some(('*', rest)) => (0..=name.len()).any(|skip| matches(rest, &name[skip..])),
            Some(('?', rest)) => !name.is_empty() && matches(rest, &name[1..]),
            Some(('[', rest)) => match rest.iter().position(|c| *c == ']') {
                Some(end) => !name.is_empty() && matches(&rest[end + 1..], &name[1..]),
                None => name.first() == Some(&'[') && matches(rest, &name[1..]),
            },
            Some(('\\', [escaped, rest @ ..])) => name.first() == Some(escaped) && matches(rest, &name[1..]),
            Some((c, rest)) => {
                name.first().is_some_and(|n| n.eq_ignore_ascii_case(c)) && matches(rest, &name[1..])
            }
        }
    }
    let glob: Vec<char> = glob.chars().collect();
    let name: Vec<char> = name.chars().collect();
    matches(&glob, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn read_options_and_names() {
        let inv = read_invocation(&strings(&["-r", "-d", "", "f"]));
        assert_eq!((inv.raw, inv.delimiter, inv.names.clone()), (true, '\0', strings(&["f"])));
        let inv = read_invocation(&strings(&["-rp", "prompt: ", "a", "b"]));
        assert_eq!((inv.raw, inv.names.clone()), (true, strings(&["a", "b"])));
        let inv = read_invocation(&strings(&["-n18"]));
        assert_eq!((inv.limit, inv.names.clone()), (Some(18), strings(&["REPLY"])));
        let inv = read_invocation(&strings(&["-ra", "parts"]));
        assert_eq!((inv.array.as_deref(), inv.names.len()), (Some("parts"), 0));
        assert!(read_invocation(&strings(&["-u", "3", "x"])).other_descriptor);
        assert!(!read_invocation(&strings(&["-u0", "x"])).other_descriptor);
    }

    #[test]
    fn read_splits_as_bash() {
        let values =
            |args: &[&str], text: &str, ifs: &str| read_values(&read_invocation(&strings(args)), text, ifs);
        let ws = " \t\n";
        assert_eq!(
            values(&["f"], "  ~/.aws/credentials  \n", ws),
            vec![("f".into(), strings(&["~/.aws/credentials"]))]
        );
        assert_eq!(
            values(&["a", "b"], "one two three\nfour", ws),
            vec![("a".into(), strings(&["one", "four"])), ("b".into(), strings(&["two three"]))]
        );
        assert_eq!(
            values(&["-r", "x", "y"], "k:~/.ssh/id_rsa", ":"),
            vec![("x".into(), strings(&["k"])), ("y".into(), strings(&["~/.ssh/id_rsa"]))]
        );
        // Without -r a backslash quotes the next character.
        assert_eq!(
            values(&["f"], "~/.aws/cred\\entials", ws),
            vec![("f".into(), strings(&["~/.aws/credentials"]))]
        );
        assert_eq!(values(&["-r", "f"], "a\\b", ws), vec![("f".into(), strings(&["a\\b"]))]);
        // -n keeps the first N characters of each record.
        assert_eq!(
            values(&["-rn", "18", "f"], "~/.aws/credentialsXYZ", ws),
            vec![("f".into(), strings(&["~/.aws/credentials"]))]
        );
        // An empty IFS splits nothing.
        assert_eq!(
            values(&["-r", "a", "b"], " x y ", ""),
            vec![("a".into(), strings(&[" x y "])), ("b".into(), vec![])]
        );
        assert_eq!(values(&["-ra", "arr"], "x y", ws), vec![("arr".into(), strings(&["x", "y"]))]);
    }

    #[test]
    fn mapfile_options() {
        let inv = mapfile_invocation(&strings(&["-t", "-d", ":", "parts"]));
        assert_eq!((inv.array.as_str(), inv.delimiter, inv.other_descriptor), ("parts", ':', false));
        assert_eq!(mapfile_values(&inv, "a:b:a:"), strings(&["a", "b"]));
        let inv = mapfile_invocation(&strings(&["-tC", "cat", "-c1"]));
        assert_eq!((inv.array.as_str(), inv.callback.as_deref()), ("MAPFILE", Some("cat")));
        assert!(mapfile_invocation(&strings(&["-u", "4", "x"])).other_descriptor);
    }

    #[test]
    fn line_filters() {
        let f = |p: &str, a: &[&str]| line_filter(p, &strings(a));
        assert_eq!(f("tee", &["/dev/null"]), Some(Filter::Lines));
        assert_eq!(f("sort", &["-u"]), Some(Filter::Lines));
        assert_eq!(f("sort", &["-k", "2", "-t", ","]), Some(Filter::Lines));
        assert_eq!(f("sort", &["list.txt"]), Some(Filter::Other));
        assert_eq!(f("head", &["-n", "1"]), Some(Filter::Lines));
        assert_eq!(f("head", &["-n1"]), Some(Filter::Lines));
        assert_eq!(f("head", &["-c", "18"]), Some(Filter::Other));
        assert_eq!(f("tail", &["-c18"]), Some(Filter::Other));
        assert_eq!(f("grep", &["-v", "x"]), Some(Filter::Lines));
        assert_eq!(f("grep", &["-e", "x"]), Some(Filter::Lines));
        assert_eq!(f("grep", &["x", "file"]), Some(Filter::Other));
        assert_eq!(f("grep", &["-o", "x"]), Some(Filter::Other));
        assert_eq!(f("grep", &["-io", "x"]), Some(Filter::Other));
        assert_eq!(f("uniq", &["-c"]), Some(Filter::Other));
        assert_eq!(f("cat", &[]), Some(Filter::Lines));
        assert_eq!(f("cat", &["-"]), Some(Filter::Lines));
        assert_eq!(f("cat", &["x"]), Some(Filter::Other));
        assert_eq!(f("sed", &["s/a/b/"]), None);
    }

    #[test]
    fn find_name_globs() {
        assert!(name_matches("*.o", "main.o"));
        assert!(!name_matches("*.o", "."));
        assert!(name_matches("*", ".aws"));
        assert!(name_matches(".ss?", ".ssh"));
        assert!(name_matches("cred[e]ntials", "credentials"));
        // Compared without case: -iname, and case-insensitive file systems.
        assert!(name_matches("ID_RSA", "id_rsa"));
        assert!(!name_matches("id_rsa", "id_rsa.pub"));
    }

    #[test]
    fn listers() {
        assert_eq!(ls_names(&strings(&[])), strings(&["*"]));
        assert_eq!(ls_names(&strings(&["-la", "~/.aws"])), strings(&["~/.aws", "*", ".*"]));
        assert_eq!(ls_names(&strings(&["-d", "~/.aws/*"])), strings(&["~/.aws/*"]));
        let fd =
            fd_invocation(&strings(&["-H", "-e", "txt", ".", "~/.aws", "-x", "cat", "{}", ";", "-t", "f"]));
        assert_eq!(fd, FdInvocation { roots: strings(&["~/.aws"]), execs: vec![strings(&["cat", "{}"])] });
        assert_eq!(fd_invocation(&strings(&["cred"])).roots, strings(&["."]));
        assert_eq!(
            fd_invocation(&strings(&["--search-path=~/.ssh", "-X", "cat"])).roots,
            strings(&["~/.ssh"])
        );
    }
}
