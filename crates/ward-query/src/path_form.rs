//! The form of a path that `path:` questions match: the path as an agent spelled it, resolved
//! against the event's working directory when it is relative, in its lexical normal form. So a
//! question cannot be walked around by spelling: `~//.ssh/id_rsa`, `~/./.ssh/id_rsa`,
//! `~/x/../.ssh/id_rsa` and `../../.ssh/id_rsa` (from `~/src/proj`) all name `~/.ssh/id_rsa`, and
//! neither can an exclusion (`-path:~/src/*` does not exclude `~/src/../.ssh/id_rsa`), since
//! only this form is a value of the event ([`crate::Field::set`]). The spelling stays in the
//! event itself, which listings show.
//!
//! Lexical only, as a query over stored events must be: no file system, no symlinks, no home to
//! resolve `~` against. Empty and `.` components go, `..` removes the component before it, a
//! trailing separator goes. What cannot be resolved stays: `..` at the start of a relative path
//! and right after `~` (whose parent is another machine's directory); `..` at the root of an
//! absolute path is the root (as the kernel reads it). A `**` is one component like any other:
//! `/root/**/../.ssh/x` is `/root/.ssh/x`, as the shell expands it (`**` is `*` there unless
//! globstar is on), so a glob cannot hide a `..` from the question or meet an exclusion.
//!
//! Without case ([`fold_case`], the policy's rule too): macOS and Windows compare file names
//! without it, so `~/.SSH/ID_RSA` there is `~/.ssh/id_rsa`, and `~/.aws/credentialſ` is
//! `~/.aws/credentials`.

use std::borrow::Cow;

/// The hook's mark for a path whose place is known only at run time (`**/.ssh/id_rsa` for `cat
/// $(pwd)/../.ssh/id_rsa`), leading the path: literal text in a stored path, never a wildcard.
pub const UNKNOWN_PLACE: &str = "**";

/// Whether `path` starts with the hook's [`UNKNOWN_PLACE`] (then it is not under `cwd`).
fn at_unknown_place(path: &str) -> bool {
    path.strip_prefix(UNKNOWN_PLACE).is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '\\']))
}

/// The value `path:` questions compare for `path` as an agent spelled it in a call made in
/// `cwd`: its canonical form ([`canonical_path`]) without case ([`fold_case`]). What
/// [`crate::Field::set`] gives, so what the stores index and the evaluator matches.
pub fn path_value<'a>(path: &'a str, cwd: Option<&str>) -> Cow<'a, str> {
    match canonical_path(path, cwd) {
        Some(canonical) => Cow::Owned(fold_case(&canonical).into_owned()),
        None => fold_case(path),
    }
}

/// The value a store at schema version 7 wrote for a path the hook placed somewhere known only
/// at run time (`**/…`) when a `..` then removed that mark (`**/../.ssh/x` became `.ssh/x`),
/// as it reads now (`**/.ssh/x`); None for any other value. Such a value is the only relative
/// one version 7 wrote beside a rooted `cwd`: every other relative path was joined to it.
pub fn restore_unknown_place(value: &str, cwd: Option<&str>) -> Option<String> {
    let relative = split_root(value).0.text.is_empty();
    let rooted_cwd = cwd.is_some_and(|cwd| !split_root(cwd).0.text.is_empty());
    (relative && rooted_cwd && !at_unknown_place(value)).then(|| format!("{UNKNOWN_PLACE}/{value}"))
}

/// `text` as `path:` compares file names without case: ASCII letters in lower case, and the few
/// non-ASCII letters a case-insensitive file system takes for an ASCII one (`ſ` for `s`), by
/// the one rule the policy's path rules follow too ([`ward_model::path_case::fold`]). macOS
/// and Windows compare file names without case, so an agent there reads `~/.ssh/id_rsa` as
/// `~/.SSH/ID_RSA`; a question finds every call the policy judged by the path. On Linux, where
/// case makes another file, a question finds both spellings, and an exclusion (`-path:~/src/*`)
/// excludes both (`~/SRC/…` too).
pub use ward_model::path_case::fold as fold_case;

/// The path `path:` questions match for `path` as an agent spelled it in a call made in `cwd`:
/// a relative path joined to a rooted `cwd` (absolute, `~`, a Windows drive), then in its normal
/// form ([`normal_path`]). A path starting with the hook's `**/` (somewhere only known at run
/// time) is not joined. None when that is `path` as written (almost every path: absolute and
/// tidy).
pub fn canonical_path(path: &str, cwd: Option<&str>) -> Option<String> {
    // `**/…` from the hook's shell analysis: somewhere only known at run time, not under `cwd`.
    let relative = !path.is_empty() && !at_unknown_place(path) && split_root(path).0.text.is_empty();
    let Some((cwd_root, cwd_rest)) =
        cwd.filter(|_| relative).map(split_root).filter(|(root, _)| !root.text.is_empty())
    else {
        return normal_path(path);
    };
    let separator = cwd_root.separator;
    let joined =
        if cwd_root.windows && cwd_root.text.as_bytes().get(1) == Some(&b':') && path.starts_with('\\') {
            // `\Users\…` on Windows is rooted at the current drive, not under the directory.
            format!("{}{path}", &cwd_root.text[..2])
        } else {
            // Separators trimmed from the directory's end, never from its root (`/`, `\\\\s`).
            format!("{}{}{separator}{path}", cwd_root.text, cwd_rest.trim_end_matches(['/', separator]))
        };
    Some(normal_path(&joined).unwrap_or(joined))
}

/// The normal form of `path`, or None when `path` is already in it (almost every path: nothing
/// extra is stored then).
pub fn normal_path(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    let (root, rest) = split_root(path);
    let separator = root.separator;
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split(|c| c == '/' || (root.windows && c == '\\')) {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                // The hook's leading `**` (somewhere only known at run time, any depth): a
                // parent of it is somewhere unknown too. Removing it would leave a relative
                // path that the next reading joins to `cwd`: `**/../.ssh/x` is `**/.ssh/x`.
                Some(&UNKNOWN_PLACE) if parts.len() == 1 && root.text.is_empty() => {}
                Some(last) if *last != ".." => {
                    parts.pop();
                }
                // Above an absolute root is the root itself.
                _ if root.absolute => {}
                _ => parts.push(".."),
            },
            part => parts.push(part),
        }
    }
    let mut normal = String::with_capacity(path.len());
    normal.push_str(root.text);
    for (index, part) in parts.iter().enumerate() {
        if index > 0 || root.needs_separator {
            normal.push(separator);
        }
        normal.push_str(part);
    }
    if normal.is_empty() {
        normal.push('.');
    }
    // A relative path whose first component looks like a root (`./C:/x`, `./\\\\s\\x`, `./~/x`)
    // would read as that root without its `./`: it keeps its spelling.
    let (read_back, _) = split_root(&normal);
    let kind = |root: &Root<'_>| (root.absolute, root.windows, root.text.starts_with('~'));
    if kind(&read_back) != kind(&root) {
        return None;
    }
    (normal != path).then_some(normal)
}

/// The part of a path `..` cannot remove, as written.
struct Root<'a> {
    text: &'a str,
    /// `..` right after it is the root again (`/`, `C:\`, `\\server\share`); `~` and relative
    /// paths are not.
    absolute: bool,
    /// A separator comes between it and the first component (`~` → `~/x`; `/` has its own).
    needs_separator: bool,
    /// A Windows path (a drive or UNC root), whose components either separator ends; elsewhere
    /// `\` is an ordinary character of a file name.
    windows: bool,
    /// The separator the normal form is written with: a Windows path's first one, else `/`.
    separator: char,
}

/// The root and the rest of `path`.
fn split_root(path: &str) -> (Root<'_>, &str) {
    let root = |text, absolute, needs_separator, windows, separator| Root {
        text,
        absolute,
        needs_separator,
        windows,
        separator,
    };
    let bytes = path.as_bytes();
    // `C:\…` or `C:/…`: a drive.
    if bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'\\' | b'/')
    {
        return (root(&path[..3], true, false, true, bytes[2] as char), &path[3..]);
    }
    // `\\server\share\…`: a UNC path; the server and share are its root.
    if let Some(after) = path.strip_prefix("\\\\") {
        let share_end = after.match_indices(['\\', '/']).map(|(i, _)| i).nth(1).unwrap_or(after.len());
        let end = 2 + share_end;
        return (root(&path[..end], true, true, true, '\\'), &path[end..]);
    }
    if let Some(rest) = path.strip_prefix('/') {
        return (root("/", true, false, false, '/'), rest);
    }
    // `~` and `~user`: a home, resolved only on its machine.
    if path.starts_with('~') {
        let end = path.find('/').unwrap_or(path.len());
        return (root(&path[..end], false, true, false, '/'), &path[end..]);
    }
    (root("", false, false, false, '/'), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (as spelled, normal form or None when it is one already)
    const VECTORS: &[(&str, Option<&str>)] = &[
        // Already normal: nothing extra is stored.
        ("/home/dev/.ssh/id_rsa", None),
        ("~/.ssh/id_rsa", None),
        ("~", None),
        ("/", None),
        ("src/main.rs", None),
        (".", None),
        ("..", None),
        ("../x", None),
        ("**/x", None),
        ("C:\\Users\\dev\\.ssh\\id_rsa", None),
        ("a\\b", None),
        // Doubled separators, `.`, `..`, trailing separators.
        ("~//.ssh/id_rsa", Some("~/.ssh/id_rsa")),
        ("~/./.ssh/id_rsa", Some("~/.ssh/id_rsa")),
        ("~/.ssh/../.ssh/id_rsa", Some("~/.ssh/id_rsa")),
        ("~/x/y/../../.ssh/id_rsa", Some("~/.ssh/id_rsa")),
        ("~/.ssh/", Some("~/.ssh")),
        ("~/", Some("~")),
        ("//home//dev/.aws/credentials", Some("/home/dev/.aws/credentials")),
        ("/home/dev/./.aws/./credentials", Some("/home/dev/.aws/credentials")),
        ("/tmp/../home/dev/.aws/credentials", Some("/home/dev/.aws/credentials")),
        ("/../../etc/shadow", Some("/etc/shadow")),
        ("/etc/.", Some("/etc")),
        ("./.env", Some(".env")),
        ("a/./b/", Some("a/b")),
        ("a/..", Some(".")),
        ("a/../../b", Some("../b")),
        // `..` after `~` or a user's home cannot be resolved here; it stays.
        ("~/../other/.ssh/id_rsa", None),
        ("~/.././other/.ssh", Some("~/../other/.ssh")),
        ("~dev//.ssh", Some("~dev/.ssh")),
        // `**` is a component like any other: `..` removes it, as the shell's expansion would.
        ("/root/**/../.ssh/id_rsa", Some("/root/.ssh/id_rsa")),
        ("/tmp/**/../../etc/shadow", Some("/etc/shadow")),
        ("~/src/**/../../.ssh/id_rsa", Some("~/.ssh/id_rsa")),
        ("C:\\x\\**\\..\\..\\Windows", Some("C:\\Windows")),
        ("/home/**/x/../y", Some("/home/**/y")),
        // The hook's leading `**` (an unknown place, any depth) is not removed by `..`: its
        // parent is somewhere unknown too.
        ("**/../.ssh/id_rsa", Some("**/.ssh/id_rsa")),
        ("**/x/../../y", Some("**/y")),
        ("**/..", Some("**")),
        ("**/../../..", Some("**")),
        // Windows: either separator, written back with the drive's.
        ("C:\\Users\\dev\\\\.ssh\\id_rsa", Some("C:\\Users\\dev\\.ssh\\id_rsa")),
        ("C:\\Users\\dev\\x\\..\\.ssh/id_rsa", Some("C:\\Users\\dev\\.ssh\\id_rsa")),
        ("C:/Users/dev/./.aws/credentials", Some("C:/Users/dev/.aws/credentials")),
        ("C:/Users\\dev/.aws", Some("C:/Users/dev/.aws")),
        ("C:\\..\\Windows", Some("C:\\Windows")),
        ("\\\\server\\share\\..\\x", Some("\\\\server\\share\\x")),
        ("\\\\server\\share", None),
        // A relative path that would read as a root without its `./` keeps its spelling.
        ("./C:/x", None),
        ("./~/x", None),
        ("a/../~/x", None),
        ("./\\\\server\\x", None),
        // On POSIX a backslash is part of a name, not a separator.
        ("/home/dev/a\\..\\b", None),
    ];

    #[test]
    fn path_values_are_canonical_and_without_case() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("/home/dev/.ssh/id_rsa", None, "/home/dev/.ssh/id_rsa"),
            ("~/.SSH/ID_RSA", None, "~/.ssh/id_rsa"),
            ("/Users/Ana/.SSH/../.Aws/Credentials", None, "/users/ana/.aws/credentials"),
            ("..\\.SSH\\id_rsa", Some("C:\\Users\\Dev\\src"), "c:\\users\\dev\\.ssh\\id_rsa"),
            (".Env", Some("/Users/Ana/Proj"), "/users/ana/proj/.env"),
            // ASCII letters and the four non-ASCII ones a file system reads as ASCII; the
            // policy's rule too.
            ("/tmp/ÄBC", None, "/tmp/Äbc"),
            ("~/.aws/Credentialſ", None, "~/.aws/credentials"),
            ("~/.ſſh/ıd_rsa", Some("/x"), "~/.ssh/id_rsa"),
        ];
        for (path, cwd, value) in cases {
            assert_eq!(path_value(path, *cwd), *value, "{path} in {cwd:?}");
            // A value is its own value: storing it again changes nothing.
            assert_eq!(path_value(value, *cwd), *value, "{value} in {cwd:?}");
        }
        assert!(matches!(fold_case("/home/dev"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_lost_unknown_place_is_restored() {
        for (path, cwd) in
            [("**/../.ssh/id_rsa", "/home/dev/p"), ("**/x/../..", "~/p"), ("**/../../a", "C:\\d")]
        {
            // What version 7 stored: the normal form with the mark removed.
            let mut parts: Vec<&str> = Vec::new();
            for part in path.split('/') {
                match part {
                    ".." if parts.last().is_some_and(|p| *p != "..") => drop(parts.pop()),
                    part => parts.push(part),
                }
            }
            let stored = if parts.is_empty() { ".".to_owned() } else { parts.join("/") };
            let restored = restore_unknown_place(&stored, Some(cwd)).unwrap();
            assert_eq!(path_value(&restored, Some(cwd)), path_value(path, Some(cwd)), "{path}");
        }
        assert_eq!(restore_unknown_place("/home/dev/.ssh/x", Some("/home/dev")), None);
        assert_eq!(restore_unknown_place("**/.ssh/x", Some("/home/dev")), None);
        assert_eq!(restore_unknown_place(".ssh/x", Some("relative")), None);
        assert_eq!(restore_unknown_place(".ssh/x", None), None);
    }

    #[test]
    fn paths_normalize_lexically() {
        for (spelled, normal) in VECTORS {
            assert_eq!(normal_path(spelled).as_deref(), *normal, "{spelled}");
        }
    }

    #[test]
    fn relative_paths_resolve_against_the_working_directory() {
        let cases = [
            ("../../.ssh/id_rsa", Some("~/src/proj"), Some("~/.ssh/id_rsa")),
            ("./../.././.ssh/id_rsa", Some("/home/dev/src/proj"), Some("/home/dev/.ssh/id_rsa")),
            ("src/main.rs", Some("/home/dev/proj/"), Some("/home/dev/proj/src/main.rs")),
            ("..\\..\\.ssh\\id_rsa", Some("C:\\Users\\dev\\proj"), Some("C:\\Users\\.ssh\\id_rsa")),
            ("../x", Some("/"), Some("/x")),
            // Nothing to resolve against: the normal form of the path alone.
            ("./.env", None, Some(".env")),
            ("./.env", Some("relative/dir"), Some(".env")),
            ("src/main.rs", None, None),
            // Rooted paths and unknown directories keep their own root.
            ("/etc/shadow", Some("/home/dev"), None),
            ("~//.ssh/id_rsa", Some("/home/dev"), Some("~/.ssh/id_rsa")),
            ("**/x", Some("/home/dev"), None),
            // A name that only starts with `**` is an ordinary relative path.
            ("**x/../../.ssh/id_rsa", Some("/home/dev/proj"), Some("/home/dev/.ssh/id_rsa")),
            // Rooted at the current drive on Windows.
            ("\\Users\\dev\\.ssh\\id_rsa", Some("C:\\Users\\dev\\src"), Some("C:\\Users\\dev\\.ssh\\id_rsa")),
            // A directory's trailing separators go, its root's do not.
            ("x", Some("\\\\"), Some("\\\\\\x")),
            ("x", Some("/"), Some("/x")),
            ("", Some("/home/dev"), None),
        ];
        for (path, cwd, expected) in cases {
            assert_eq!(canonical_path(path, cwd).as_deref(), expected, "{path} in {cwd:?}");
        }
    }

    #[test]
    fn a_normal_form_is_its_own_normal_form() {
        for (spelled, normal) in VECTORS {
            let normal = normal.unwrap_or(spelled);
            assert_eq!(normal_path(normal), None, "{spelled} → {normal}");
        }
    }

    /// Every string over the characters that matter (seeded, 200k of them): the normal form
    /// is stable, and it never grows; the canonical form in a directory is stable too, and so is
    /// the value (what a store's migration relies on: a stored value is never rewritten again).
    #[test]
    fn normal_forms_are_stable_for_any_spelling() {
        const ALPHABET: &[char] = &['/', '\\', '.', '~', 'a', 'C', ':', 'é', 'c', '*'];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let length = (next() % 12) as usize;
            // A draw per character: characters from one draw's shifted bits are correlated, and
            // some strings (`**/..`) then never come up.
            let mut path: String =
                (0..length).map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize]).collect();
            // One in eight after the hook's unknown place, which `..` must not remove.
            if next() % 8 == 0 {
                path.insert_str(0, "**/");
            }
            if let Some(normal) = normal_path(&path) {
                assert_eq!(normal_path(&normal), None, "{path:?} → {normal:?}");
                assert!(normal.len() <= path.len().max(1), "{path:?} → {normal:?}");
            }
            for cwd in ["/h/d", "~/d", "C:\\d", "c:\\D", "d"] {
                if let Some(canonical) = canonical_path(&path, Some(cwd)) {
                    assert_eq!(
                        canonical_path(&canonical, Some(cwd)),
                        None,
                        "{path:?} in {cwd} → {canonical:?}"
                    );
                }
                let value = path_value(&path, Some(cwd));
                assert_eq!(path_value(&value, Some(cwd)), value, "{path:?} in {cwd}");
            }
        }
    }

    #[test]
    fn odd_input_never_panics() {
        for path in
            ["", "~", "~~", "\\\\", "\\\\s", "C:", "C:\\", "é/..", "/\u{0}/..", "\\\\a\\b\\..\\..\\.."]
        {
            let _ = normal_path(path);
        }
        assert_eq!(normal_path(""), None);
    }
}
