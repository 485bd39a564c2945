//! Paths an agent wrote as shell globs (`cat ~/.s?h/id_rsa`, `cat ~/.{ssh,aws}/id_rsa`): the hook
//! records them as written, since only the shell expands them, and the policy judges such a call
//! by every path the glob could name. A `path:` question does the same: a stored glob matches a
//! value when some path it could expand to matches the value ([`could_name`]), so a question
//! cannot be walked around by writing the path as a glob, nor an exclusion met by one.
//!
//! The glob is read as bash reads it, on the side of caution where that needs a file system:
//! `*` is any run of characters within one path component (dot files included: the policy
//! does not assume `dotglob` is off either), `**` any run across components, `?` one character
//! of a component, `[…]` one of a set (`[!…]`/`[^…]` not of it), `{a,b}` each alternative
//! (nested; `{1..9}` any run within a component). The hook's leading `**` (a place known only
//! at run time, [`crate::path_form::UNKNOWN_PLACE`]) is not part of the glob: it is matched as
//! `path:` matches it elsewhere, as written.
//!
//! Both sides are in `path:` form already: a stored value is canonical and without case
//! ([`crate::path_form::path_value`]), a question's value is folded by the parser.

use crate::ast::{Pattern, Piece};
use crate::path_form::UNKNOWN_PLACE;

/// Most alternatives a value's `{…}` groups may expand to; a value with more (`{a,b}` twenty
/// times over) could name any path, and is taken to.
const MAX_ALTERNATIVES: usize = 64;

/// Most `{…}` groups one inside another; a value nested deeper could name any path, and is
/// taken to.
const MAX_NESTING: usize = 8;

/// Whether a stored path value is a glob the shell would expand: it has `*`, `?`, `[` or `{`
/// after the hook's unknown-place mark. The stores keep such values in a small index of their own
/// (a superset: any of those characters anywhere), and the question's values they could name
/// are found among them ([`could_name`]).
pub fn is_shell_glob(value: &str) -> bool {
    glob_part(value).1.contains(['*', '?', '[', '{'])
}

/// Whether some path the stored glob `value` could expand to matches `pattern` (a `path:` value,
/// one of its home forms: `*` any run of characters). False for a value that is not a glob
/// ([`is_shell_glob`]): that is compared as text. To test many globs or many patterns, parse
/// each once ([`Glob::parse`], [`Question::new`]).
pub fn could_name(value: &str, pattern: &Pattern) -> bool {
    Glob::parse(value).is_some_and(|glob| glob.names(&Question::new(pattern)))
}

/// A stored path glob, parsed: each of its alternatives (`{a,b}`) as units.
pub struct Glob {
    /// None: too many alternatives to try, so it could name any path.
    alternatives: Option<Vec<Split>>,
    windows: bool,
}

/// A question's value (one home form of a `path:` value) as units, split for a Unix glob and
/// for a Windows one (where `\` separates components too).
pub struct Question {
    unix: Split,
    windows: Split,
}

/// Units and their components: each component's range and whether it is rigid (no any-run).
struct Split {
    units: Vec<Unit>,
    components: Vec<(std::ops::Range<usize>, bool)>,
    rigid: bool,
}

impl Split {
    fn new(units: Vec<Unit>, windows: bool) -> Split {
        let mut components = Vec::new();
        let mut start = 0;
        let rigid_part = |part: &[Unit]| !part.iter().any(|u| matches!(u, Unit::AnyRun));
        for (i, unit) in units.iter().enumerate() {
            if matches!(unit, Unit::Char(c) if is_separator(*c, windows)) {
                components.push((start..i, rigid_part(&units[start..i])));
                start = i + 1;
            }
        }
        components.push((start..units.len(), rigid_part(&units[start..])));
        let rigid = components.iter().all(|(_, rigid)| *rigid);
        Split { units, components, rigid }
    }
}

impl Question {
    pub fn new(pattern: &Pattern) -> Question {
        let units = pattern_units(pattern);
        Question { unix: Split::new(units.clone(), false), windows: Split::new(units, true) }
    }
}

impl Glob {
    /// None when `value` is not a glob ([`is_shell_glob`]).
    pub fn parse(value: &str) -> Option<Glob> {
        if !is_shell_glob(value) {
            return None;
        }
        let (mark, glob) = glob_part(value);
        let windows = is_windows(glob);
        let alternatives = alternatives(glob).map(|alternatives| {
            alternatives
                .iter()
                .map(|alternative| {
                    let mut units: Vec<Unit> = mark.chars().map(Unit::Char).collect();
                    units.extend(glob_units(alternative, windows));
                    Split::new(units, windows)
                })
                .collect()
        });
        Some(Glob { alternatives, windows })
    }

    /// Whether some path this glob could expand to matches `question`.
    pub fn names(&self, question: &Question) -> bool {
        let wanted = if self.windows { &question.windows } else { &question.unix };
        match &self.alternatives {
            Some(alternatives) => alternatives.iter().any(|split| {
                components_agree(split, wanted, self.windows)
                    && intersects(&split.units, &wanted.units, self.windows)
            }),
            None => true,
        }
    }
}

/// A quick test before the search, which rejects most pairs: while neither side has an any-run
/// (`**`, a question's own `*`), their components pair up one to one, from the start and from
/// the end, and each pair must intersect (a small search each). `/home/dev/src/*.rs` against
/// `/home/*/.ssh/*` fails at `src` against `.ssh`. A store may hold many globs and a question
/// has a dozen home forms: this keeps a question's first step to well under a microsecond per
/// pair.
fn components_agree(a: &Split, b: &Split, windows: bool) -> bool {
    let pairs = a.components.len().min(b.components.len());
    let agree = |k: usize, l: usize| -> Option<bool> {
        let ((x, x_rigid), (y, y_rigid)) = (&a.components[k], &b.components[l]);
        (*x_rigid && *y_rigid).then(|| intersects(&a.units[x.clone()], &b.units[y.clone()], windows))
    };
    for k in 0..pairs {
        match agree(k, k) {
            Some(false) => return false,
            Some(true) => {}
            None => break,
        }
    }
    for k in 1..=pairs {
        match agree(a.components.len() - k, b.components.len() - k) {
            Some(false) => return false,
            Some(true) => {}
            None => break,
        }
    }
    // Without an any-run on either side, the number of components must agree too.
    !(a.rigid && b.rigid) || a.components.len() == b.components.len()
}

/// The hook's unknown-place mark (with its separator) and the rest of `value`.
fn glob_part(value: &str) -> (&str, &str) {
    match value.strip_prefix(UNKNOWN_PLACE) {
        Some(rest) if rest.starts_with(['/', '\\']) => value.split_at(UNKNOWN_PLACE.len() + 1),
        Some("") => (value, ""),
        _ => ("", value),
    }
}

/// A Windows path (`c:\…`, `\\server\…`): `\` separates components there.
fn is_windows(path: &str) -> bool {
    let bytes = path.as_bytes();
    (bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'\\')
        || path.starts_with("\\\\")
}

/// A component ends here: `/`, and on Windows `\`. What a glob's wildcard stands for never
/// holds `\` on any system either: a Unix name with one is legal, but a `*` in `~/.ssh/id_*`
/// naming `id_:\users\x\.aws\y` (which the Windows home form of `path:~/.aws/*` matches) is
/// no file an agent reads; a `\` written in the glob itself is matched as written.
fn is_separator(c: char, windows: bool) -> bool {
    c == '/' || (windows && c == '\\')
}

/// Whether a wildcard (`*`, `?`, a class) of a glob may stand for `c`.
fn wildcard_takes(c: char) -> bool {
    c != '/' && c != '\\'
}

/// One step of a glob or a pattern, a character at a time.
#[derive(Debug, Clone, PartialEq)]
enum Unit {
    Char(char),
    /// `?`: one character of a component.
    One,
    /// `[…]`: one character of a component in (or, negated, not in) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// `*`: any run of characters within a component.
    ComponentRun,
    /// `**`, and a question's `*`: any run of characters.
    AnyRun,
}

/// A question's value as units: its `*` any run, but the `*` of a home form that stands for a
/// user's name (`/home/*/…`, `~*/…`, [`crate::field::is_home_name`]) one component. Those forms
/// are wider as SQL text matches than a home is (`/home/*/src/*` matches `/home/dev/.ssh/src/x`),
/// which a stored path hardly ever meets, but a glob's `**` names every such path: `tar cz
/// ~/.ssh` (recorded with `~/.ssh/**`) would then meet `-path:~/src/*`, and an exclusion
/// could hide it.
fn pattern_units(pattern: &Pattern) -> Vec<Unit> {
    let mut units = Vec::new();
    for (index, piece) in pattern.pieces.iter().enumerate() {
        match piece {
            Piece::Literal(text) => units.extend(text.chars().map(Unit::Char)),
            Piece::Star if crate::field::is_home_name(&pattern.pieces, index) => {
                units.push(Unit::ComponentRun)
            }
            Piece::Star => units.push(Unit::AnyRun),
        }
    }
    units
}

/// `glob` (one alternative: no `{…}` left to expand) as units.
fn glob_units(glob: &str, windows: bool) -> Vec<Unit> {
    let chars: Vec<char> = glob.chars().collect();
    let mut units = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => {
                let mut end = i;
                while end < chars.len() && chars[end] == '*' {
                    end += 1;
                }
                units.push(if end - i > 1 { Unit::AnyRun } else { Unit::ComponentRun });
                i = end;
            }
            '?' => {
                units.push(Unit::One);
                i += 1;
            }
            '[' => match class_at(&chars, i, windows) {
                Some((unit, end)) => {
                    units.push(unit);
                    i = end;
                }
                None => {
                    units.push(Unit::Char('['));
                    i += 1;
                }
            },
            // What is left of a `{1..9}` sequence (see `alternatives`).
            '\u{0}' => {
                units.push(Unit::ComponentRun);
                i += 1;
            }
            c => {
                units.push(Unit::Char(c));
                i += 1;
            }
        }
    }
    units
}

/// The class starting at `chars[start]` (`[`) and the index after its `]`; None when it does not
/// close within the component (then `[` is the character, as in bash).
fn class_at(chars: &[char], start: usize, windows: bool) -> Option<(Unit, usize)> {
    let mut i = start + 1;
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i)?;
        if is_separator(c, windows) {
            return None;
        }
        if c == ']' && !first {
            return Some((Unit::Class { negated, ranges }, i + 1));
        }
        first = false;
        match (chars.get(i + 1), chars.get(i + 2)) {
            (Some('-'), Some(&hi)) if hi != ']' && !is_separator(hi, windows) => {
                ranges.push((c, hi));
                i += 3;
            }
            _ => {
                ranges.push((c, c));
                i += 1;
            }
        }
    }
}

/// `glob` with its `{a,b}` groups expanded (nested too), each a glob without braces; a group with
/// no comma at its top is literal, but `{x..y}` (a sequence) becomes a marked any-run within a
/// component. None past [`MAX_ALTERNATIVES`].
fn alternatives(glob: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = vec![String::new()];
    expand(&chars, &mut out, 0)?;
    Some(out)
}

fn expand(chars: &[char], out: &mut Vec<String>, depth: usize) -> Option<()> {
    // Deeper than any glob a person writes: a hostile value nested thousands deep would
    // otherwise take time and stack; it could name anything instead.
    if depth > MAX_NESTING {
        return None;
    }
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '{' {
            if let Some((end, commas)) = group_at(chars, i) {
                let inner = &chars[i + 1..end];
                if commas.is_empty() {
                    let text: String = inner.iter().collect();
                    let sequence = text.split_once("..").is_some_and(|(a, b)| !a.is_empty() && !b.is_empty());
                    let replacement = if sequence { "\u{0}".to_owned() } else { format!("{{{text}}}") };
                    out.iter_mut().for_each(|o| o.push_str(&replacement));
                } else {
                    let mut bounds = vec![i + 1];
                    bounds.extend(commas.iter().map(|c| c + 1));
                    let ends: Vec<usize> = commas.iter().copied().chain(std::iter::once(end)).collect();
                    let mut grown = Vec::new();
                    for (from, to) in bounds.into_iter().zip(ends) {
                        let mut branch = out.clone();
                        expand(&chars[from..to], &mut branch, depth + 1)?;
                        grown.extend(branch);
                        if grown.len() > MAX_ALTERNATIVES {
                            return None;
                        }
                    }
                    *out = grown;
                }
                i = end + 1;
                continue;
            }
        }
        out.iter_mut().for_each(|o| o.push(chars[i]));
        i += 1;
    }
    Some(())
}

/// The `}` closing the `{` at `chars[start]` and the positions of its top-level commas; None when
/// it does not close.
fn group_at(chars: &[char], start: usize) -> Option<(usize, Vec<usize>)> {
    let mut depth = 0;
    let mut commas = Vec::new();
    for (offset, c) in chars[start..].iter().enumerate() {
        let at = start + offset;
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((at, commas));
                }
            }
            ',' if depth == 1 => commas.push(at),
            _ => {}
        }
    }
    None
}

/// Can some text be matched by both `a` (a glob's units) and `b` (a question's: characters and
/// runs)? A search over the pairs of positions, each visited once: O(len(a)·len(b)). In a
/// Unix path a glob's `**` does not stand for `\` either (see [`is_separator`]).
fn intersects(a: &[Unit], b: &[Unit], windows: bool) -> bool {
    let (n, m) = (a.len(), b.len());
    let width = m + 1;
    // Most searches are one component against another: no allocation for their states.
    let mut small = [false; 256];
    let mut large = Vec::new();
    let seen: &mut [bool] = if (n + 1) * width <= small.len() {
        &mut small[..(n + 1) * width]
    } else {
        large.resize((n + 1) * width, false);
        &mut large
    };
    let mut stack = Vec::with_capacity(16);
    stack.push((0usize, 0usize));
    let run = |u: &Unit| matches!(u, Unit::ComponentRun | Unit::AnyRun);
    // Whether the glob's unit `u` can stand for the question's character `c`.
    let glob_takes = |u: &Unit, c: char| match u {
        Unit::Char(x) => *x == c,
        Unit::One | Unit::ComponentRun => wildcard_takes(c),
        Unit::Class { negated, ranges } => {
            wildcard_takes(c) && ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negated
        }
        Unit::AnyRun => windows || c != '\\',
    };
    // Whether the question's run `run` can take some character the glob's one-character unit
    // `u` stands for.
    let run_takes = |run: &Unit, u: &Unit| match (run, u) {
        (Unit::AnyRun, _) => true,
        (_, Unit::Char(c)) => wildcard_takes(*c),
        // `?` and a class stand for a character of a component, which a component's run takes.
        _ => true,
    };
    while let Some((i, j)) = stack.pop() {
        if std::mem::replace(&mut seen[i * width + j], true) {
            continue;
        }
        if i == n && j == m {
            return true;
        }
        // A run may match nothing.
        if i < n && run(&a[i]) {
            stack.push((i + 1, j));
        }
        if j < m && run(&b[j]) {
            stack.push((i, j + 1));
        }
        if i == n || j == m {
            continue;
        }
        match (&a[i], &b[j]) {
            // Both runs: whatever the narrower takes, the other can take too; skipping either
            // (above) covers every way on.
            (x, y) if run(x) && run(y) => {}
            // The question's run takes the glob's one character and stays.
            (x, y) if run(y) => {
                if run_takes(y, x) {
                    stack.push((i + 1, j));
                }
            }
            (x, Unit::Char(c)) => {
                if glob_takes(x, *c) {
                    // A run takes the character and stays; any other unit is used up.
                    stack.push(if run(x) { (i, j + 1) } else { (i + 1, j + 1) });
                }
            }
            // A question is characters and runs only.
            (_, _) => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{home_variants, Field};

    /// Whether the stored `value` is found by the question `path:<question>` through any of its
    /// home forms, as the stores and the evaluator look.
    fn found(value: &str, question: &str) -> bool {
        let query = crate::Query::parse(&format!("path:{question}")).unwrap();
        let crate::Expr::Term(crate::Term { value: crate::TermValue::Pattern(pattern), .. }) = &query.expr
        else {
            panic!("{question}")
        };
        home_variants(Field::Path, pattern).iter().any(|variant| could_name(value, variant))
    }

    #[test]
    fn globs_are_found_by_what_they_could_name() {
        let cases = [
            // (stored value, question, found)
            ("~/.s?h/id_rsa", "~/.ssh/*", true),
            ("/home/dev/.s?h/id_rsa", "~/.ssh/*", true),
            ("/home/dev/.ss[h]/id_rsa", "~/.ssh/*", true),
            ("/home/dev/.ss[!h]/id_rsa", "~/.ssh/*", false),
            ("/home/dev/.ss[^h]/id_rsa", "~/.ssh/*", false),
            ("/home/dev/.ss[a-z]/id_rsa", "~/.ssh/*", true),
            ("/home/dev/.ss[a-g]/id_rsa", "~/.ssh/*", false),
            ("/home/dev/.ss*/id_rsa", "~/.ssh/*", true),
            ("/home/dev/*/id_rsa", "~/.ssh/*", true),
            ("/home/dev/*/id_rsa", "~/.ssh/id_rsa", true),
            ("/home/*/.ssh/id_rsa", "~/.ssh/*", true),
            ("/home/dev/.{ssh,aws}/id_rsa", "~/.ssh/*", true),
            ("/home/dev/.{aws,gnupg}/id_rsa", "~/.ssh/*", false),
            ("/home/dev/.{a{ws,x},s{sh,x}}/id_rsa", "~/.ssh/*", true),
            ("/home/dev/.s{1..9}h/id_rsa", "~/.ssh/*", true),
            ("/home/dev/.ssh/id_*", "*id_ed25519*", true),
            ("/home/dev/.ssh/id_*", "~/.aws/*", false),
            ("c:\\users\\dev\\.ssh\\id_*", "~/.aws/*", false),
            ("c:\\users\\dev\\*\\credentials", "~/.aws/*", true),
            ("c:\\users\\dev\\.s?h\\id_rsa", "~/.ssh/*", true),
            ("**/.s?h/id_rsa", "~/.ssh/*", true),
            // `*` stays within its component; `**` does not. `~/*` names `~/.ssh` itself,
            // which `path:~/.ssh/*` asks about as well (`tar cz ~/*`).
            ("/home/dev/*", "~/.ssh/*", true),
            ("/home/dev/*", "~/.ssh", true),
            ("/etc/*", "~/.ssh/*", false),
            ("/home/dev/*.txt", "~/.ssh/*", false),
            ("/home/dev/**", "~/.ssh/*", true),
            ("/home/dev/src/*.rs", "~/.ssh/*", false),
            ("/home/dev/s?c/x", "~/src/*", true),
            // `?` and a class are one character of a component, never a separator.
            ("/home/dev?.ssh/id_rsa", "~/.ssh/*", false),
            ("/home/dev[/].ssh/id_rsa", "/home/dev/.ssh/*", false),
            // Not globs: compared as text elsewhere, never here.
            ("/home/dev/.ssh/id_rsa", "~/.ssh/*", false),
            ("**/.ssh/id_rsa", "~/.ssh/*", false),
            // An unclosed class or group is the character.
            ("/home/dev/.ssh/[id_rsa", "~/.ssh/[id*", true),
            ("/home/dev/.ssh/{id_rsa", "~/.ssh/{id*", true),
            ("/home/dev/.ssh/[id_rsa", "~/.ssh/id*", false),
        ];
        for (value, question, expected) in cases {
            assert_eq!(found(value, question), expected, "{value} for path:{question}");
        }
    }

    #[test]
    fn a_group_too_large_to_expand_could_name_anything() {
        let bomb = format!("/tmp/{}", "{a,b}".repeat(12));
        assert!(is_shell_glob(&bomb));
        assert!(found(&bomb, "~/.ssh/*"));
        let deep = format!("/tmp/{}x{}", "{a,".repeat(5_000), "}".repeat(5_000));
        assert!(found(&deep, "~/.ssh/*"));
        let shallow = format!("/tmp/{}x{}", "{a,".repeat(3), "}".repeat(3));
        assert!(!found(&shallow, "~/.ssh/*"));
        assert_eq!(alternatives("{a,b}{c,d}").map(|a| a.len()), Some(4));
    }

    #[test]
    fn the_unknown_place_mark_is_not_a_glob() {
        assert!(!is_shell_glob("**/.ssh/id_rsa"));
        assert!(!is_shell_glob("**"));
        assert!(is_shell_glob("**/.s?h/id_rsa"));
        assert!(is_shell_glob("/x/**/y"));
    }
}
