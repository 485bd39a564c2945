//! How Ward compares file names without case: the one rule for the policy's path rules
//! (`ward-policy`) and for `path:` questions (`ward-query`), so both judge the same spellings as
//! the same file.
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
}
