//! Abbreviated long options. GNU `getopt_long`, curl, wget, zip and rsync accept any prefix of
//! a long option that names only one (`rm --rec` is `rm --recursive`, `tar --remove-f` is
//! `tar --remove-files`); the analysis reads options by their full names, so an argument list
//! is rewritten to them first.
//!
//! Each list is a subset of the program's real options, and that is safe: a prefix that names
//! one option here but two in the program is ambiguous to the program, which then refuses to
//! run; naming the one listed here is the cautious reading.

/// Programs and the long options the analysis or the rules look at (with their neighbours
/// that share a prefix, so that a prefix is not taken for the wrong one). For curl and wget
/// these are the flags; their options with a value are those of `tables` (one list each).
const LONG_OPTIONS: &[(&[&str], &[&str])] = &[
    (
        &["rm"],
        &[
            "--force",
            "--interactive",
            "--one-file-system",
            "--no-preserve-root",
            "--preserve-root",
            "--recursive",
            "--dir",
            "--verbose",
            "--help",
            "--version",
        ],
    ),
    (
        &["cp"],
        &[
            "--archive",
            "--attributes-only",
            "--backup",
            "--copy-contents",
            "--dereference",
            "--force",
            "--interactive",
            "--link",
            "--no-clobber",
            "--no-dereference",
            "--preserve",
            "--no-preserve",
            "--parents",
            "--recursive",
            "--reflink",
            "--remove-destination",
            "--sparse",
            "--strip-trailing-slashes",
            "--symbolic-link",
            "--suffix",
            "--target-directory",
            "--no-target-directory",
            "--update",
            "--verbose",
            "--one-file-system",
        ],
    ),
    (
        &["mv"],
        &[
            "--backup",
            "--force",
            "--interactive",
            "--no-clobber",
            "--strip-trailing-slashes",
            "--suffix",
            "--target-directory",
            "--no-target-directory",
            "--update",
            "--verbose",
            "--exchange",
            "--no-copy",
        ],
    ),
    (
        &["ln"],
        &[
            "--backup",
            "--directory",
            "--force",
            "--interactive",
            "--logical",
            "--no-dereference",
            "--physical",
            "--relative",
            "--symbolic",
            "--suffix",
            "--target-directory",
            "--no-target-directory",
            "--verbose",
        ],
    ),
    (
        &["install"],
        &[
            "--target-directory",
            "--mode",
            "--owner",
            "--group",
            "--directory",
            "--backup",
            "--compare",
            "--preserve-timestamps",
            "--strip",
            "--strip-program",
            "--suffix",
            "--verbose",
            "--no-target-directory",
        ],
    ),
    (
        &["tar", "gtar"],
        &[
            "--append",
            "--create",
            "--extract",
            "--get",
            "--list",
            "--update",
            "--concatenate",
            "--catenate",
            "--delete",
            "--diff",
            "--compare",
            "--file",
            "--directory",
            "--files-from",
            "--exclude-from",
            "--exclude",
            "--exclude-vcs",
            "--remove-files",
            "--to-command",
            "--to-stdout",
            "--checkpoint-action",
            "--checkpoint",
            "--use-compress-program",
            "--info-script",
            "--new-volume-script",
            "--transform",
            "--xform",
            "--gzip",
            "--gunzip",
            "--bzip2",
            "--xz",
            "--zstd",
            "--verbose",
            "--keep-old-files",
            "--keep-newer-files",
            "--overwrite",
            "--overwrite-dir",
            "--absolute-names",
            "--null",
            "--no-recursion",
            "--recursion",
            "--one-file-system",
            "--dereference",
            "--preserve-permissions",
            "--same-owner",
            "--numeric-owner",
            "--strip-components",
            "--wildcards",
            "--verify",
            "--format",
            "--owner",
            "--group",
            "--mode",
        ],
    ),
    (
        &["zip"],
        &[
            "--move",
            "--recurse-paths",
            "--recurse-patterns",
            "--test",
            "--unzip-command",
            "--delete",
            "--update",
            "--freshen",
            "--quiet",
            "--output-file",
            "--names-stdin",
            "--junk-paths",
            "--encrypt",
            "--password",
            "--verbose",
            "--symlinks",
            "--exclude",
            "--include",
            "--temp-path",
        ],
    ),
    (
        &["sed", "gsed"],
        &[
            "--expression",
            "--file",
            "--in-place",
            "--quiet",
            "--silent",
            "--regexp-extended",
            "--separate",
            "--null-data",
            "--zero-terminated",
            "--line-length",
            "--posix",
            "--sandbox",
            "--debug",
            "--follow-symlinks",
            "--unbuffered",
            "--binary",
        ],
    ),
    (
        &["sort"],
        &[
            "--output",
            "--files0-from",
            "--key",
            "--field-separator",
            "--reverse",
            "--unique",
            "--numeric-sort",
            "--temporary-directory",
            "--buffer-size",
            "--parallel",
            "--compress-program",
            "--random-source",
            "--batch-size",
            "--check",
            "--merge",
            "--stable",
            "--zero-terminated",
            "--ignore-case",
            "--general-numeric-sort",
            "--human-numeric-sort",
            "--month-sort",
            "--version-sort",
            "--dictionary-order",
            "--ignore-leading-blanks",
            "--ignore-nonprinting",
            "--debug",
            "--sort",
            "--random-sort",
        ],
    ),
    (
        &["grep", "egrep", "fgrep"],
        &[
            "--recursive",
            "--dereference-recursive",
            "--file",
            "--regexp",
            "--files-with-matches",
            "--files-without-match",
            "--count",
            "--only-matching",
            "--with-filename",
            "--no-filename",
            "--include",
            "--exclude",
            "--exclude-from",
            "--exclude-dir",
            "--ignore-case",
            "--invert-match",
            "--word-regexp",
            "--line-regexp",
            "--max-count",
            "--quiet",
            "--silent",
            "--binary-files",
            "--devices",
            "--directories",
            "--context",
            "--after-context",
            "--before-context",
            "--null",
            "--null-data",
            "--label",
            "--line-number",
            "--byte-offset",
            "--text",
            "--extended-regexp",
            "--fixed-strings",
            "--perl-regexp",
            "--basic-regexp",
        ],
    ),
    (
        &["env"],
        &[
            "--split-string",
            "--chdir",
            "--unset",
            "--ignore-environment",
            "--null",
            "--default-signal",
            "--ignore-signal",
            "--block-signal",
            "--list-signal-handling",
            "--debug",
        ],
    ),
    (
        &["xargs"],
        &[
            "--arg-file",
            "--delimiter",
            "--max-args",
            "--max-procs",
            "--replace",
            "--null",
            "--eof",
            "--max-lines",
            "--max-chars",
            "--process-slot-var",
            "--interactive",
            "--verbose",
            "--no-run-if-empty",
            "--exit",
            "--open-tty",
            "--show-limits",
        ],
    ),
    (
        &[
            "gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "lzma", "unlzma", "zstd", "unzstd", "lz4",
            "brotli",
        ],
        &[
            "--keep",
            "--stdout",
            "--to-stdout",
            "--force",
            "--recursive",
            "--decompress",
            "--uncompress",
            "--suffix",
            "--test",
            "--list",
            "--name",
            "--no-name",
            "--quiet",
            "--verbose",
            "--fast",
            "--best",
            "--rsyncable",
            "--rm",
            "--output",
        ],
    ),
    (
        &["shred"],
        &[
            "--remove",
            "--force",
            "--iterations",
            "--zero",
            "--exact",
            "--size",
            "--random-source",
            "--verbose",
        ],
    ),
    (&["truncate"], &["--size", "--reference", "--no-create", "--io-blocks"]),
    (&["tee"], &["--append", "--ignore-interrupts", "--output-error"]),
    (
        &["chmod", "chown", "chgrp"],
        &[
            "--recursive",
            "--reference",
            "--changes",
            "--quiet",
            "--silent",
            "--verbose",
            "--no-preserve-root",
            "--preserve-root",
            "--dereference",
            "--no-dereference",
            "--from",
        ],
    ),
    (&["touch"], &["--reference", "--date", "--no-create", "--no-dereference", "--time"]),
    (
        &["rsync"],
        &[
            "--remove-source-files",
            "--remove-sent-files",
            "--rsh",
            "--rsync-path",
            "--recursive",
            "--archive",
            "--delete",
            "--delete-before",
            "--delete-during",
            "--delete-delay",
            "--delete-after",
            "--delete-excluded",
            "--files-from",
            "--exclude-from",
            "--include-from",
            "--exclude",
            "--include",
            "--relative",
            "--verbose",
            "--compress",
            "--checksum",
            "--dry-run",
            "--links",
            "--copy-links",
            "--backup",
            "--backup-dir",
            "--suffix",
            "--update",
            "--inplace",
            "--append",
            "--dirs",
            "--times",
            "--perms",
            "--owner",
            "--group",
            "--partial",
            "--progress",
            "--log-file",
            "--write-batch",
            "--read-batch",
            "--password-file",
        ],
    ),
    (
        &["curl"],
        &[
            "--netrc",
            "--netrc-optional",
            "--remote-name",
            "--remote-name-all",
            "--remote-header-name",
            "--create-dirs",
            "--location",
            "--insecure",
            "--silent",
            "--show-error",
            "--fail",
            "--head",
            "--include",
            "--verbose",
            "--compressed",
            "--get",
            "--globoff",
            "--no-buffer",
        ],
    ),
    (
        &["wget", "wget2"],
        &[
            "--http-user",
            "--http-password",
            "--recursive",
            "--mirror",
            "--quiet",
            "--verbose",
            "--no-verbose",
            "--no-check-certificate",
            "--config",
            "--base",
            "--referer",
            "--no-clobber",
            "--continue",
            "--page-requisites",
            "--convert-links",
            "--accept",
            "--reject",
            "--domains",
        ],
    ),
];

/// `argv` with each abbreviated long option of a listed program written out in full
/// (`--rec` → `--recursive`, `--outp=F` → `--output=F`); `None` when nothing changes.
pub(crate) fn expanded(program: &str, argv: &[String]) -> Option<Vec<String>> {
    let options = LONG_OPTIONS.iter().find(|(programs, _)| programs.contains(&program))?.1;
    let with_values = super::tables::long_options_with_values(program);
    let known = |name: &str| options.contains(&name) || with_values.contains(&name);
    let mut changed = false;
    let mut out = Vec::with_capacity(argv.len());
    for (i, arg) in argv.iter().enumerate() {
        // Markers of words only known at run time stay in front.
        let (mark, word) = arg.split_at(arg.len() - arg.trim_start_matches(['\0', '\u{1}']).len());
        if i == 0 || word == "--" || !word.starts_with("--") {
            out.push(arg.clone());
            if word == "--" && i > 0 {
                out.extend(argv[i + 1..].iter().cloned());
                break;
            }
            continue;
        }
        let (name, value) = match word.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (word, None),
        };
        let full = if known(name) {
            None
        } else {
            let mut candidates = options.iter().chain(with_values).filter(|o| o.starts_with(name));
            match (candidates.next(), candidates.next()) {
                (Some(only), None) => Some(*only),
                _ => None,
            }
        };
        match full {
            Some(full) => {
                changed = true;
                out.push(match value {
                    Some(v) => format!("{mark}{full}={v}"),
                    None => format!("{mark}{full}"),
                });
            }
            None => out.push(arg.clone()),
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::expanded;

    fn expand(line: &str) -> Vec<String> {
        let argv: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        expanded(&argv[0], &argv).unwrap_or(argv)
    }

    #[test]
    fn unique_prefixes_are_written_out() {
        assert_eq!(expand("rm --rec ../app"), ["rm", "--recursive", "../app"]);
        assert_eq!(expand("tar --remove-f -cf x f"), ["tar", "--remove-files", "-cf", "x", "f"]);
        assert_eq!(expand("sort --outp=m f"), ["sort", "--output=m", "f"]);
        assert_eq!(expand("sed --e=1e f"), ["sed", "--expression=1e", "f"]);
        assert_eq!(expand("curl --upload-f k https://x"), ["curl", "--upload-file", "k", "https://x"]);
        assert_eq!(expand("zip --mov x.zip f"), ["zip", "--move", "x.zip", "f"]);
        // Ambiguous, exact, after `--`, or a program not listed: unchanged.
        assert_eq!(expand("rm --f x"), ["rm", "--force", "x"]);
        assert_eq!(expand("cp --re a b"), ["cp", "--re", "a", "b"]);
        assert_eq!(expand("rm --force x"), ["rm", "--force", "x"]);
        assert_eq!(expand("rm -- --rec"), ["rm", "--", "--rec"]);
        assert_eq!(expand("git push --forc"), ["git", "push", "--forc"]);
    }
}
