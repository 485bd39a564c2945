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
    /// `-N`: exactly N characters, delimiters included.
    pub exact: bool,
    /// `-t TIMEOUT`: it may read nothing (and assign nothing).
    pub may_not_read: bool,
    /// `-u FD`: another descriptor than stdin; what it holds is not known.
    pub other_descriptor: bool,
    /// Names given as one element of an array (`read 'f[1]'`): the rest of it stays.
    pub elements: Vec<String>,
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
                'n' | 'N' => {
                    // A count too large to read is no limit.
                    inv.limit = value.parse().ok();
                    inv.exact = flag == 'N';
                }
                't' => inv.may_not_read = true,
                'u' => inv.other_descriptor = value != "0",
                _ => {}
            }
            break;
        }
    }
    for name in std::mem::take(&mut inv.names) {
        match name.split_once('[') {
            Some((array, _)) if is_name(array) && name.ends_with(']') => {
                inv.elements.push(array.to_owned());
                inv.names.push(array.to_owned());
            }
            _ if is_name(&name) => inv.names.push(name),
            _ => {}
        }
    }
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
/// rest of the record. An array takes every field. With `-n N` a read stops after N characters
/// and the next one goes on from there, so every N-character piece of a record is a value;
/// `-N N` reads N characters whatever they are.
pub(crate) fn read_values(inv: &ReadInvocation, text: &str, ifs: &str) -> Vec<(String, Vec<String>)> {
    let mut values: Vec<(String, Vec<String>)> = inv.names.iter().map(|n| (n.clone(), Vec::new())).collect();
    let mut fields_of_array = Vec::new();
    // Input ends with a delimiter (a here-string's newline): no empty record after it.
    let text = text.strip_suffix(inv.delimiter).unwrap_or(text);
    let records: Vec<Vec<(char, bool)>> = match inv.limit {
        Some(n) if inv.exact => chunks(&escaped_chars(text, inv.raw, None), n),
        _ => escaped_chars(text, inv.raw, Some(inv.delimiter))
            .split(|(c, escaped)| *c == inv.delimiter && !escaped)
            .flat_map(|record| match inv.limit {
                Some(n) => chunks(record, n),
                None => vec![record.to_vec()],
            })
            .collect(),
    };
    // Each variable's values, kept once each (a set beside the list: inputs can be long).
    let mut seen: Vec<std::collections::HashSet<String>> = vec![Default::default(); values.len()];
    // `-N` assigns what it read whole: no field splitting.
    let ifs = if inv.exact { "" } else { ifs };
    for record in records {
        if inv.array.is_some() {
            fields_of_array.extend(split_fields(&record, ifs, usize::MAX));
        }
        let fields = split_fields(&record, ifs, values.len());
        for ((slot, seen), field) in values.iter_mut().zip(seen.iter_mut()).zip(fields) {
            if seen.insert(field.clone()) {
                slot.1.push(field);
            }
        }
    }
    if let Some(array) = &inv.array {
        values.push((array.clone(), fields_of_array));
    }
    values
}

/// Pieces of at most `n` characters (an `n` of 0 reads nothing).
fn chunks(chars: &[(char, bool)], n: usize) -> Vec<Vec<(char, bool)>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    chars.chunks(n).map(<[(char, bool)]>::to_vec).collect()
}

/// The characters `read` sees, each with whether a backslash quoted it. Without `-r` a
/// backslash quotes the next character (which then neither splits nor ends a record) and a
/// backslash-newline is removed.
fn escaped_chars(text: &str, raw: bool, delimiter: Option<char>) -> Vec<(char, bool)> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if raw || c != '\\' {
            out.push((c, false));
            continue;
        }
        match chars.next() {
            Some('\n') if delimiter == Some('\n') => {}
            Some(next) => out.push((next, true)),
            None => {}
        }
    }
    out
}

/// A record split into at most `count` fields at the unquoted characters of `ifs`: runs of its
/// blanks count as one separator and are trimmed at the ends; the last field keeps the rest.
fn split_fields(record: &[(char, bool)], ifs: &str, count: usize) -> Vec<String> {
    let blank = |&(c, escaped): &(char, bool)| !escaped && c.is_whitespace() && ifs.contains(c);
    let separator = |&(c, escaped): &(char, bool)| !escaped && ifs.contains(c);
    let text = |chars: &[(char, bool)]| chars.iter().map(|(c, _)| *c).collect::<String>();
    fn skip_blanks<'a>(
        mut rest: &'a [(char, bool)],
        blank: &dyn Fn(&(char, bool)) -> bool,
    ) -> &'a [(char, bool)] {
        while rest.first().is_some_and(blank) {
            rest = &rest[1..];
        }
        rest
    }
    let mut fields = Vec::new();
    let mut rest = skip_blanks(record, &blank);
    while fields.len() + 1 < count && !rest.is_empty() {
        let Some(at) = rest.iter().position(separator) else { break };
        fields.push(text(&rest[..at]));
        rest = skip_blanks(&rest[at..], &blank);
        if rest.first().is_some_and(|c| separator(c) && !blank(c)) {
            rest = skip_blanks(&rest[1..], &blank);
        }
    }
    let mut last = rest;
    while last.last().is_some_and(blank) {
        last = &last[..last.len() - 1];
    }
    if !last.is_empty() || fields.is_empty() {
        fields.push(text(last));
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
    /// `-O ORIGIN` (not 0): elements before it keep their values.
    pub keeps_elements: bool,
}

pub(crate) fn mapfile_invocation(args: &[String]) -> MapfileInvocation {
    let mut inv = MapfileInvocation {
        array: "MAPFILE".to_owned(),
        delimiter: '\n',
        callback: None,
        other_descriptor: false,
        keeps_elements: false,
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
                'O' => inv.keeps_elements = value.trim() != "0",
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
    let mut seen = std::collections::HashSet::new();
    text.split(inv.delimiter).filter(|record| seen.insert(*record)).map(str::to_owned).collect()
}

/// Whether `program` with `args` prints lines of its stdin unchanged ([`line_filter`]).
pub(crate) fn passes_lines(program: &str, args: &[String]) -> bool {
    line_filter(program, args) == Some(Filter::Lines)
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
///
/// Options are read against a list of those known to keep lines whole; any other option (an
/// abbreviated long one, `--files0-from`, `-o`, `-c`) makes the output something else.
pub(crate) fn line_filter(program: &str, args: &[String]) -> Option<Filter> {
    // Short flags that keep lines whole, short options that take a value, and long options
    // (without their `=value`) of either kind.
    let (flags, valued, long): (&str, &str, &[&str]) = match program {
        "tee" => return Some(Filter::Lines),
        "sort" => (
            "bdfghiMnRrsuVz",
            "ktSTo",
            &[
                "--ignore-leading-blanks",
                "--dictionary-order",
                "--ignore-case",
                "--general-numeric-sort",
                "--human-numeric-sort",
                "--ignore-nonprinting",
                "--month-sort",
                "--numeric-sort",
                "--random-sort",
                "--reverse",
                "--version-sort",
                "--stable",
                "--unique",
                "--zero-terminated",
                "--key",
                "--field-separator",
                "--buffer-size",
                "--temporary-directory",
                "--output",
                "--parallel",
            ],
        ),
        "uniq" => (
            "dDiuz",
            "fsw",
            &["--repeated", "--unique", "--ignore-case", "--skip-fields", "--skip-chars", "--check-chars"],
        ),
        "head" | "tail" => ("qz", "n", &["--lines", "--quiet", "--silent", "--zero-terminated"]),
        "tac" | "cat" => ("", "", &[]),
        "grep" | "egrep" | "fgrep" => (
            "iyvxwEFGPsqUaI",
            "efmABC",
            &[
                "--ignore-case",
                "--invert-match",
                "--line-regexp",
                "--word-regexp",
                "--extended-regexp",
                "--fixed-strings",
                "--basic-regexp",
                "--perl-regexp",
                "--no-messages",
                "--quiet",
                "--silent",
                "--text",
                "--regexp",
                "--file",
                "--max-count",
                "--after-context",
                "--before-context",
                "--context",
            ],
        ),
        _ => return None,
    };
    let mut operands = 0usize;
    let mut pattern_given = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "-" || !arg.starts_with('-') || arg.len() == 1 {
            operands += usize::from(arg != "-");
            continue;
        }
        if arg == "--" {
            operands += it.by_ref().count();
            break;
        }
        if let Some(name) = arg.strip_prefix("--").map(|a| a.split_once('=').map_or(a, |(n, _)| n)) {
            let name = format!("--{name}");
            if !long.contains(&name.as_str()) {
                return Some(Filter::Other);
            }
            pattern_given |= matches!(name.as_str(), "--regexp" | "--file");
            let takes_value = matches!(
                name.as_str(),
                "--key"
                    | "--field-separator"
                    | "--buffer-size"
                    | "--temporary-directory"
                    | "--output"
                    | "--parallel"
                    | "--skip-fields"
                    | "--skip-chars"
                    | "--check-chars"
                    | "--lines"
                    | "--regexp"
                    | "--file"
                    | "--max-count"
                    | "--after-context"
                    | "--before-context"
                    | "--context"
            );
            if takes_value && !arg.contains('=') {
                it.next();
            }
            continue;
        }
        // `-5` (head's count), `-n5`, `-rk2`: a cluster of short flags, maybe ending in an
        // option that takes the rest of the word or the next word as its value.
        let cluster = &arg[1..];
        if matches!(program, "head" | "tail") && cluster.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        for (at, flag) in cluster.char_indices() {
            if valued.contains(flag) {
                pattern_given |= matches!(flag, 'e' | 'f');
                if cluster[at + flag.len_utf8()..].is_empty() {
                    it.next();
                }
                break;
            }
            if !flags.contains(flag) {
                return Some(Filter::Other);
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
    // Short options that take a value (`-I PATTERN`, `-T COLS`, `-w COLS`) and long ones that
    // take it in the next word when not after `=`.
    const VALUED_LONG: &[&str] = &[
        "--ignore",
        "--hide",
        "--width",
        "--tabsize",
        "--format",
        "--sort",
        "--time",
        "--time-style",
        "--block-size",
        "--color",
        "--quoting-style",
        "--indicator-style",
    ];
    let (mut directory, mut all) = (false, false);
    let mut names = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(long) = arg.strip_prefix("--") {
            match long {
                "" => names.extend(it.by_ref().cloned()),
                "directory" => directory = true,
                "all" | "almost-all" => all = true,
                _ if VALUED_LONG.contains(&arg.as_str()) => {
                    it.next();
                }
                _ => {}
            }
            continue;
        }
        let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) else {
            names.push(arg.clone());
            continue;
        };
        for (at, flag) in cluster.char_indices() {
            match flag {
                'I' | 'T' | 'w' => {
                    if cluster[at + 1..].is_empty() {
                        it.next();
                    }
                    break;
                }
                'd' => directory = true,
                'a' | 'A' => all = true,
                _ => {}
            }
        }
    }
    // Bare names come from listing a directory: none when every operand is a glob of files
    // (`ls -t src/*.rs` prints the paths it matched).
    let only_file_globs = !names.is_empty()
        && names.iter().all(|n| n.rsplit('/').next().is_some_and(|last| last.contains(['*', '?', '['])));
    if !directory && !only_file_globs {
        names.push("*".to_owned());
        if all {
            names.push(".*".to_owned());
        }
    }
    names
}

/// `fd [OPTIONS] [PATTERN] [PATH…]` (also `fdfind`): where it searches, the names it can
/// find, and the commands it runs (`-x CMD…`, `-X CMD…`, ended by `;` or the end of the line).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct FdInvocation {
    pub roots: Vec<String>,
    /// `--base-directory DIR`: it runs there (search paths and output are relative to it).
    pub base: Option<String>,
    /// A name glob every found file matches (`-e EXT`, `-g GLOB`, a plain pattern).
    pub name: Option<String>,
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
    let (mut extensions, mut glob, mut full_path) = (Vec::new(), false, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let value = |it: &mut std::slice::Iter<'_, String>| inline.clone().or_else(|| it.next().cloned());
        match name {
            "-x" | "--exec" | "-X" | "--exec-batch" => {
                let command: Vec<String> = it.by_ref().take_while(|a| a.as_str() != ";").cloned().collect();
                if !command.is_empty() {
                    inv.execs.push(command);
                }
            }
            "--search-path" => inv.roots.extend(value(&mut it)),
            "--base-directory" => inv.base = value(&mut it),
            "-e" | "--extension" => extensions.extend(value(&mut it)),
            "--" => positional.extend(it.by_ref().cloned()),
            _ if VALUED.contains(&name) => {
                value(&mut it);
            }
            _ if arg.starts_with("--") => {
                glob |= name == "--glob";
                full_path |= name == "--full-path";
            }
            _ if arg.starts_with('-') && arg.len() > 1 => {
                glob |= arg[1..].contains('g');
                full_path |= arg[1..].contains('p');
            }
            _ => positional.push(arg.clone()),
        }
    }
    let pattern = positional.first().cloned();
    inv.roots.extend(positional.into_iter().skip(1));
    if inv.roots.is_empty() {
        inv.roots.push(".".to_owned());
    }
    // The name every result matches: one extension; a glob (`-g`); a pattern of plain letters
    // (a regex found anywhere in the name). Anything else: no narrowing.
    let plain =
        |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    inv.name = match (extensions.as_slice(), pattern.as_deref()) {
        _ if full_path => None,
        ([ext], None | Some("." | "")) if plain(ext) => Some(format!("*.{ext}")),
        // fd's globs know `{a,b}`; a name glob here does not.
        ([], Some(p)) if glob && !p.contains(['/', '{', '}']) && !p.is_empty() => Some(p.to_owned()),
        ([], Some(p)) if !glob && plain(p) => Some(format!("*{p}*")),
        _ => None,
    };
    inv
}

/// Whether `name` (one path component) matches the `find -name` glob `glob`: `*`, `?` and
/// `[…]` (any one character, cautiously) as fnmatch reads them; a leading dot needs no match.
pub(crate) fn name_matches(glob: &str, name: &str) -> bool {
    enum Part {
        Any,
        One,
        Char(char),
    }
    let mut parts = Vec::new();
    let mut chars = glob.chars();
    while let Some(c) = chars.next() {
        parts.push(match c {
            '*' => Part::Any,
            '?' => Part::One,
            '[' if glob.contains(']') => {
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
                Part::One
            }
            '\\' => Part::Char(chars.next().unwrap_or('\\')),
            c => Part::Char(c),
        });
    }
    // The set of glob positions reachable after each character of the name: linear in both
    // lengths, however many stars (a backtracking matcher is exponential in them).
    let close = |reachable: &mut Vec<bool>| {
        for at in 0..parts.len() {
            if reachable[at] && matches!(parts[at], Part::Any) {
                reachable[at + 1] = true;
            }
        }
    };
    let mut reachable = vec![false; parts.len() + 1];
    reachable[0] = true;
    close(&mut reachable);
    for n in name.chars() {
        let mut next = vec![false; parts.len() + 1];
        for (at, part) in parts.iter().enumerate() {
            if !reachable[at] {
                continue;
            }
            match part {
                Part::Any => next[at] = true,
                Part::One => next[at + 1] = true,
                Part::Char(c) if c.eq_ignore_ascii_case(&n) => next[at + 1] = true,
                Part::Char(_) => {}
            }
        }
        close(&mut next);
        reachable = next;
    }
    reachable[parts.len()]
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
        // -n reads N characters at a time, the next read going on from there.
        assert_eq!(
            values(&["-rn", "18", "f"], "~/.aws/credentialsXYZ", ws),
            vec![("f".into(), strings(&["~/.aws/credentials", "XYZ"]))]
        );
        assert_eq!(
            values(&["-rn", "11", "f"], "AAAAAAAAAAA.ssh/id_rsa", ws),
            vec![("f".into(), strings(&["AAAAAAAAAAA", ".ssh/id_rsa"]))]
        );
        // -N reads across delimiters.
        assert_eq!(
            values(&["-rN", "4", "f"], "ab\ncdef", ws),
            vec![("f".into(), strings(&["ab\nc", "def"]))]
        );
        // Without -r an escaped separator does not split.
        assert_eq!(
            values(&["a", "b"], ".ssh\\/id_rsa/x", "/"),
            vec![("a".into(), strings(&[".ssh/id_rsa"])), ("b".into(), strings(&["x"]))]
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
        assert!(name_matches("a\\*b", "a*b"));
        // Many stars against a long name that does not match: no exponential search.
        let stars = format!("{}b", "*a".repeat(40));
        assert!(!name_matches(&stars, &"a".repeat(200)));
    }

    #[test]
    fn listers() {
        assert_eq!(ls_names(&strings(&[])), strings(&["*"]));
        assert_eq!(ls_names(&strings(&["-la", "~/.aws"])), strings(&["~/.aws", "*", ".*"]));
        assert_eq!(ls_names(&strings(&["-d", "~/.aws/*"])), strings(&["~/.aws/*"]));
        assert_eq!(ls_names(&strings(&["-t", "src/*.rs"])), strings(&["src/*.rs"]));
        // `-I PATTERN` takes a value: the `d` in it is no option.
        assert_eq!(ls_names(&strings(&["-Id", "~/.ssh"])), strings(&["~/.ssh", "*"]));
        assert_eq!(ls_names(&strings(&["-I", "-d", "~/.ssh"])), strings(&["~/.ssh", "*"]));
        let fd =
            fd_invocation(&strings(&["-H", "-e", "txt", ".", "~/.aws", "-x", "cat", "{}", ";", "-t", "f"]));
        assert_eq!(
            fd,
            FdInvocation {
                roots: strings(&["~/.aws"]),
                base: None,
                name: Some("*.txt".to_owned()),
                execs: vec![strings(&["cat", "{}"])]
            }
        );
        assert_eq!(fd_invocation(&strings(&["-e", "pyc", "-X", "rm"])).name.as_deref(), Some("*.pyc"));
        assert_eq!(fd_invocation(&strings(&["-g", "*.orig", "-x", "rm"])).name.as_deref(), Some("*.orig"));
        assert_eq!(fd_invocation(&strings(&["cred"])).name.as_deref(), Some("*cred*"));
        assert_eq!(fd_invocation(&strings(&["c.ed"])).name, None);
        assert_eq!(fd_invocation(&strings(&["--base-directory", "~/.ssh"])).base.as_deref(), Some("~/.ssh"));
        assert_eq!(fd_invocation(&strings(&["cred"])).roots, strings(&["."]));
        assert_eq!(
            fd_invocation(&strings(&["--search-path=~/.ssh", "-X", "cat"])).roots,
            strings(&["~/.ssh"])
        );
    }
}
