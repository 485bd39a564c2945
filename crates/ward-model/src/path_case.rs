//! How Ward compares file names: without case, the one rule for the policy's path rules
//! (`ward-policy`) and for `path:` questions (`ward-query`), so both judge the same spellings as
//! the same file; and as Windows opens a name ([`as_windows_opens`], the policy's paths).
//!
//! macOS (APFS, HFS+ as installed) and Windows (NTFS) compare file names without case, so an
//! agent there reads `~/.ssh/id_rsa` as `~/.SSH/ID_RSA`. ASCII letters fold to lower case, and
//! so do the four non-ASCII letters one of those systems takes for an ASCII one: `ſ` (long s)
//! is `s` on both (Unicode folds it to `s`; NTFS upper-cases it to `S`), the Kelvin sign `K` is
//! `k` on APFS (folded), dotless `ı` is `i` on NTFS (upper-cased to `I`), and `İ` is taken for
//! `i` (its simple lower case) on the cautious side. Without them `cat ~/.aws/credentialſ` reads
//! `~/.aws/credentials` on a Mac while no rule about that file sees it. Any other non-ASCII
//! letter is compared as written (it names another file on every system Ward runs on, or the
//! same one only under a normalization no rule spells differently).

use std::borrow::Cow;

/// The non-ASCII letters some case-insensitive file system takes for an ASCII one, and that
/// letter in lower case.
const ASCII_LOOKALIKES: [(char, char); 4] = [('ſ', 's'), ('\u{212A}', 'k'), ('ı', 'i'), ('İ', 'i')];

/// `text` as file names are compared without case: ASCII letters in lower case and the letters
/// of [`ASCII_LOOKALIKES`] as their ASCII letter. Borrowed when nothing changes (most paths).
pub fn fold(text: &str) -> Cow<'_, str> {
    let needs = text.bytes().any(|b| b.is_ascii_uppercase())
        || (!text.is_ascii() && text.chars().any(|c| ASCII_LOOKALIKES.iter().any(|(from, _)| *from == c)));
    if !needs {
        return Cow::Borrowed(text);
    }
    if text.is_ascii() {
        // The usual case, byte by byte (the hook folds every path it judges).
        return Cow::Owned(text.to_ascii_lowercase());
    }
    Cow::Owned(
        text.chars()
            .map(|c| match ASCII_LOOKALIKES.iter().find(|(from, _)| *from == c) {
                Some((_, to)) => *to,
                None => c.to_ascii_lowercase(),
            })
            .collect(),
    )
}

/// `path` (a path a call names, never a pattern) as Windows opens it: each component without
/// its trailing dots and spaces (Win32 drops them: `credentials.` and `credentials ` open
/// `credentials`), without an NTFS stream (`credentials::$DATA` is the file's content,
/// `credentials:x` a stream of it), and an 8.3 short name as a glob of the names it can stand
/// for ([`short_name_glob`]); a drive (`c:`) and the components `.` and `..` stay. Read so
/// on every system, the cautious side: elsewhere such a name is another file, which a rule then
/// takes for this one. Borrowed when nothing changes (most paths).
pub fn as_windows_opens(path: &str) -> Cow<'_, str> {
    // One pass; the copy starts at the first component that reads otherwise.
    let mut out: Option<String> = None;
    let mut at = 0;
    for (index, component) in path.split(['/', '\\']).enumerate() {
        let opened = windows_component(component, index == 0);
        match &mut out {
            Some(out) => out.push_str(&opened),
            None if opened.len() != component.len() || matches!(opened, Cow::Owned(_)) => {
                let mut copy = String::with_capacity(path.len() + 4);
                copy.push_str(&path[..at]);
                copy.push_str(&opened);
                out = Some(copy);
            }
            None => {}
        }
        at += component.len();
        // The separator after it (one byte: `/` or `\\`).
        if let Some(separator) = path[at..].chars().next() {
            if let Some(out) = &mut out {
                out.push(separator);
            }
            at += separator.len_utf8();
        }
    }
    out.map_or(Cow::Borrowed(path), Cow::Owned)
}

/// `c:`, a drive.
fn is_drive(component: &str) -> bool {
    let bytes = component.as_bytes();
    bytes.len() == 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// One component as Windows opens it (see [`as_windows_opens`]); `first`: the path's first.
fn windows_component(component: &str, first: bool) -> Cow<'_, str> {
    if (first && is_drive(component)) || component.chars().all(|c| c == '.') {
        return Cow::Borrowed(component);
    }
    let name = component.split(':').next().unwrap_or(component);
    let trimmed = name.trim_end_matches(['.', ' ']);
    // A name of dots and spaces only opens nothing under Windows; keep it as written.
    if trimmed.is_empty() {
        return Cow::Borrowed(component);
    }
    match short_name_glob(trimmed) {
        Some(glob) => Cow::Owned(glob),
        None => Cow::Borrowed(trimmed),
    }
}

/// An 8.3 short name (`CREDEN~1`, `SSH~1`, `CREDEN~1.JSO`) as a glob of the long names it can
/// stand for (`*creden*`, `*ssh*`, `*creden*.jso*`): Windows opens `~/.aws/CREDEN~1` as
/// `~/.aws/credentials`, and which long name a short one stands for is on the disk only. The
/// glob is wider than the rule (a long name's first valid characters, dots dropped), on the
/// cautious side: a rule judges such a path by every name it could stand for.
fn short_name_glob(name: &str) -> Option<String> {
    let (stem, extension) = match name.split_once('.') {
        Some((stem, extension)) => (stem, Some(extension)),
        None => (name, None),
    };
    let (base, number) = stem.rsplit_once('~')?;
    let valid = |c: char| c.is_ascii_alphanumeric() || "_^$!#%&'(){}@`-".contains(c);
    let shaped = (1..=6).contains(&base.len())
        && base.chars().all(valid)
        && (1..=6).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && base.len() + 1 + number.len() <= 8
        && extension.is_none_or(|e| (1..=3).contains(&e.len()) && e.chars().all(valid));
    if !shaped {
        return None;
    }
    // `{` and `}` are valid in a short name and are alternatives in a glob, which then failed
    // to compile (the path was matched only as written). Each stands as `?`, any one character:
    // wider, the cautious side, and not `\{` because a `\` separates components here.
    let escape = |part: &str| part.replace(['{', '}'], "?");
    Some(match extension {
        Some(extension) => format!("*{}*.{}*", escape(base), escape(extension)),
        None => format!("*{}*", escape(base)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_case_and_its_lookalikes_fold() {
        let cases = [
            ("~/.ssh/id_rsa", "~/.ssh/id_rsa"),
            ("~/.SSH/ID_RSA", "~/.ssh/id_rsa"),
            ("~/.aws/credentialſ", "~/.aws/credentials"),
            ("~/.\u{212A}ube/config", "~/.kube/config"),
            ("~/.ssh/ıd_rsa", "~/.ssh/id_rsa"),
            ("~/.ssh/İD_RSA", "~/.ssh/id_rsa"),
            // Other letters stay as written: `É` is not `é` here.
            ("/tmp/Éte/ß", "/tmp/Éte/ß"),
            ("C:\\Users\\Dev", "c:\\users\\dev"),
        ];
        for (text, folded) in cases {
            assert_eq!(fold(text), folded, "{text}");
            assert_eq!(fold(&fold(text)), fold(text), "{text}: folding twice changes nothing");
        }
        assert!(matches!(fold("/home/dev/x"), Cow::Borrowed(_)));
    }

    #[test]
    fn names_read_as_windows_opens_them() {
        let cases = [
            ("~/.aws/credentials", "~/.aws/credentials"),
            ("~/.aws/credentials.", "~/.aws/credentials"),
            ("~/.aws/credentials . .", "~/.aws/credentials"),
            ("~/.aws./credentials", "~/.aws/credentials"),
            ("~/.aws/credentials::$DATA", "~/.aws/credentials"),
            ("~/.aws/credentials:hidden", "~/.aws/credentials"),
            ("C:\\Users\\dev\\.aws\\credentials.", "C:\\Users\\dev\\.aws\\credentials"),
            ("c:/x:y/z", "c:/x/z"),
            ("~/src/../.ssh/./id_rsa", "~/src/../.ssh/./id_rsa"),
            ("/tmp/...", "/tmp/..."),
            ("/tmp/ . ", "/tmp/ . "),
            ("/tmp/x", "/tmp/x"),
            // 8.3 short names: globs of the long names they can stand for.
            ("C:\\Users\\dev\\.aws\\CREDEN~1", "C:\\Users\\dev\\.aws\\*CREDEN*"),
            ("~/SSH~1/id_rsa", "~/*SSH*/id_rsa"),
            ("~/x/CREDEN~1.JSO", "~/x/*CREDEN*.JSO*"),
            ("~/x/foo.txt.~1~", "~/x/foo.txt.~1~"),
            ("~/x/A{B}~1.{J}", "~/x/*A?B?*.?J?*"),
            ("~/x/a~b", "~/x/a~b"),
            ("~/x/TOOLONGNAME~1", "~/x/TOOLONGNAME~1"),
        ];
        for (path, opened) in cases {
            assert_eq!(as_windows_opens(path), opened, "{path}");
            assert_eq!(as_windows_opens(&as_windows_opens(path)), opened, "{path}: twice");
        }
        assert!(matches!(as_windows_opens("/home/dev/x"), Cow::Borrowed(_)));
        assert!(matches!(as_windows_opens("~/.ssh/id_rsa"), Cow::Borrowed(_)));
    }
}
