//! Brace expansion, bash's first expansion: the unquoted word `~/.aws/{credentials,x}` is the two
//! words `~/.aws/credentials` and `~/.aws/x` before anything else reads it, in argument and
//! command position alike (`{cat,~/.aws/credentials}` runs `cat`). Without it a path rule sees
//! one odd name and the call reads the file unseen.
//!
//! Bash's rules: a group needs an unquoted `{`, a matching unquoted `}` and an unquoted comma at
//! its top level (`{a,b}`, nested and empty alternatives allowed), or a sequence (`{1..3}`,
//! `{a..c}`, with an increment); `${…}` is a parameter, not a group; `{}` and `{x}` stay as
//! written. Which braces and commas were unquoted the lexer records (`Word::brace_syntax`):
//! `'{a,b}'`, `\{a,b}` and `"{a,b}"` are one word each, `""~/.aws/{credentials,x}` two. A word with
//! more than [`MAX_WORDS`] expansions (a hostile `{a,b}{a,b}…`) has each group read as `*`
//! instead: a glob, which the policy judges by every path it could name.

/// Most words one word expands to.
pub(crate) const MAX_WORDS: usize = 64;

/// Most numbers or letters one sequence may stand for before it counts as too many.
const MAX_SEQUENCE: i64 = 64;

/// One character of a word, and whether it is brace syntax (an unquoted `{`, `}` or `,`).
type Char = (char, bool);

/// The words `text` expands to, or None when it has no group to expand. `syntax`: the byte
/// offsets in `text` of its unquoted `{`, `}` and `,`.
pub(crate) fn expand(text: &str, syntax: &[usize]) -> Option<Vec<String>> {
    // Most words with brace syntax have only a comma (`--fields=a,b`): no group without `{`.
    if !syntax.iter().any(|&at| text.as_bytes().get(at) == Some(&b'{')) {
        return None;
    }
    let chars: Vec<Char> =
        text.char_indices().map(|(at, c)| (c, syntax.binary_search(&at).is_ok())).collect();
    if !has_group(&chars) {
        return None;
    }
    let mut out = vec![String::new()];
    if expand_into(&chars, &mut out, 0).is_some() {
        return Some(out);
    }
    // Too many: each outermost group stands for any text.
    Some(vec![starred(&chars)])
}

/// Whether `chars` holds a group brace expansion would expand.
fn has_group(chars: &[Char]) -> bool {
    (0..chars.len()).any(|i| chars[i] == ('{', true) && group_at(chars, i).is_some())
}

/// What the group opening at `chars[start]` stands for: its alternatives' ranges (split at
/// top-level commas) and the index of its `}`; or a sequence's words. None when it is no group.
/// A sequence's words are None when it stands for too many.
enum Group {
    Alternatives { bounds: Vec<(usize, usize)>, end: usize },
    Sequence { words: Option<Vec<String>>, end: usize },
}

fn group_at(chars: &[Char], start: usize) -> Option<Group> {
    let mut depth = 0usize;
    let mut commas = Vec::new();
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            ('{', true) => depth += 1,
            ('}', true) => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    if commas.is_empty() {
                        let inner: String = chars[start + 1..i].iter().map(|(c, _)| c).collect();
                        return sequence(&inner).map(|words| Group::Sequence { words, end: i });
                    }
                    let mut bounds = Vec::with_capacity(commas.len() + 1);
                    let mut from = start + 1;
                    for &comma in &commas {
                        bounds.push((from, comma));
                        from = comma + 1;
                    }
                    bounds.push((from, i));
                    return Some(Group::Alternatives { bounds, end: i });
                }
            }
            (',', true) if depth == 1 => commas.push(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// `{x..y}` or `{x..y..step}`: integers, or single letters. None for anything else; Some(None)
/// when it stands for more than [`MAX_SEQUENCE`] words.
fn sequence(inner: &str) -> Option<Option<Vec<String>>> {
    let parts: Vec<&str> = inner.split("..").collect();
    let (from, to, step) = match parts.as_slice() {
        [from, to] => (*from, *to, None),
        [from, to, step] => (*from, *to, Some(step.parse::<i64>().ok()?)),
        _ => return None,
    };
    let step = step.map_or(1, |s| s.unsigned_abs().clamp(1, i64::MAX as u64) as i64);
    let walk = |a: i64, b: i64| -> Option<Vec<i64>> {
        if (a as i128 - b as i128).abs() / step as i128 >= MAX_SEQUENCE as i128 {
            return None;
        }
        let mut out = Vec::new();
        let mut n = a;
        while (a <= b && n <= b) || (a > b && n >= b) {
            out.push(n);
            n += if a <= b { step } else { -step };
        }
        Some(out)
    };
    if let (Ok(a), Ok(b)) = (from.parse::<i64>(), to.parse::<i64>()) {
        return Some(walk(a, b).map(|ns| ns.iter().map(i64::to_string).collect()));
    }
    let (mut fa, mut fb) = (from.chars(), to.chars());
    match (fa.next(), fa.next(), fb.next(), fb.next()) {
        (Some(a), None, Some(b), None) if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Some(
            walk(a as i64, b as i64)
                .map(|ns| ns.iter().filter_map(|n| char::from_u32(*n as u32)).map(String::from).collect()),
        ),
        _ => None,
    }
}

/// Appends each expansion of `chars` to every word in `out`; None past [`MAX_WORDS`].
fn expand_into(chars: &[Char], out: &mut Vec<String>, depth: usize) -> Option<()> {
    if depth > 16 {
        return None;
    }
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ('{', true) {
            match group_at(chars, i) {
                Some(Group::Alternatives { bounds, end }) => {
                    // Each word so far with each alternative, in bash's order.
                    let mut grown = Vec::new();
                    for prefix in out.iter() {
                        for &(from, to) in &bounds {
                            let mut branch = vec![prefix.clone()];
                            expand_into(&chars[from..to], &mut branch, depth + 1)?;
                            grown.extend(branch);
                            if grown.len() > MAX_WORDS {
                                return None;
                            }
                        }
                    }
                    *out = grown;
                    i = end + 1;
                    continue;
                }
                Some(Group::Sequence { words, end }) => {
                    let words = words?;
                    let grown: Vec<String> =
                        out.iter().flat_map(|o| words.iter().map(move |w| format!("{o}{w}"))).collect();
                    if grown.len() > MAX_WORDS {
                        return None;
                    }
                    *out = grown;
                    i = end + 1;
                    continue;
                }
                None => {}
            }
        }
        out.iter_mut().for_each(|o| o.push(chars[i].0));
        i += 1;
    }
    Some(())
}

/// `chars` with each outermost group as `*`.
fn starred(chars: &[Char]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ('{', true) {
            let end = match group_at(chars, i) {
                Some(Group::Alternatives { end, .. } | Group::Sequence { end, .. }) => Some(end),
                None => None,
            };
            if let Some(end) = end {
                out.push('*');
                i = end + 1;
                continue;
            }
        }
        out.push(chars[i].0);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` with every `{`, `}` and `,` unquoted except those after a `\\` (which goes).
    fn unquoted(text: &str) -> Option<Vec<String>> {
        let mut plain = String::new();
        let mut syntax = Vec::new();
        let mut escaped = false;
        for c in text.chars() {
            if c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if matches!(c, '{' | '}' | ',') && !escaped {
                syntax.push(plain.len());
            }
            plain.push(c);
            escaped = false;
        }
        expand(&plain, &syntax)
    }

    #[test]
    fn words_expand_as_bash_expands_them() {
        let cases: &[(&str, Option<&[&str]>)] = &[
            ("~/.aws/{credentials,x}", Some(&["~/.aws/credentials", "~/.aws/x"])),
            ("~/.aws/cred{entials,}", Some(&["~/.aws/credentials", "~/.aws/cred"])),
            ("{cat,~/.ssh/id_rsa}", Some(&["cat", "~/.ssh/id_rsa"])),
            ("a{b,c{d,e}}f", Some(&["abf", "acdf", "acef"])),
            ("f{1..3}", Some(&["f1", "f2", "f3"])),
            ("f{3..1}", Some(&["f3", "f2", "f1"])),
            ("{a..c}x", Some(&["ax", "bx", "cx"])),
            ("{0..10..5}", Some(&["0", "5", "10"])),
            ("{a,b}{c,d}", Some(&["ac", "ad", "bc", "bd"])),
            // Not groups.
            ("{}", None),
            ("{x}", None),
            ("@{u}", None),
            ("a{b", None),
            ("a\\{b,c}", None),
            ("a{b\\,c}", None),
            ("{1..2..3..4}", None),
        ];
        for (text, expected) in cases {
            let got = unquoted(text);
            let expected = expected.map(|e| e.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn too_many_words_read_as_a_glob() {
        let bomb = format!("~/.aws/{}", "{a,b}".repeat(10));
        assert_eq!(unquoted(&bomb), Some(vec![format!("~/.aws/{}", "*".repeat(10))]));
        let hidden =
            format!("~/.aws/{{{}credentials}}", (0..80).map(|n| format!("x{n},")).collect::<String>());
        assert_eq!(unquoted(&hidden), Some(vec!["~/.aws/*".to_owned()]));
        assert_eq!(unquoted("f{1..100000}"), Some(vec!["f*".to_owned()]));
        let deep = format!("{}x{}", "{a,".repeat(40), "}".repeat(40));
        assert!(unquoted(&deep).is_some());
    }
}
