//! Is this Gemini CLI session headless? Gemini CLI has no hook field for it, and a headless run
//! **hangs** on an `ask` answer (docs/hooks.md), so the hook must tell by itself and answer
//! deny there instead.
//!
//! Gemini CLI runs without a user to ask (its `isHeadlessMode` / non-interactive config) when
//! `CI=true` or `GITHUB_ACTIONS=true` is in its environment (which its hooks inherit), when it
//! was given a prompt with `-p`/`--prompt`, or when its stdin or stdout is not a terminal. The
//! last two are read from the Gemini process itself: the nearest ancestor of the hook whose
//! command line runs `gemini` (`/proc/<pid>/cmdline`, `/proc/<pid>/fd/{0,1}`). Where that cannot
//! be read (no `/proc`, another user's process), the session counts as headless: an `ask` turned
//! into a deny costs a retry; one that hangs costs the run.

use std::path::Path;

/// How many ancestors are searched for the Gemini process (hook → shell → node is two).
const MAX_ANCESTORS: usize = 8;

/// What the decision needs to know about the Gemini process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeminiProcess {
    /// Its arguments.
    pub args: Vec<String>,
    /// Its stdin and stdout are terminals.
    pub stdin_tty: bool,
    pub stdout_tty: bool,
}

/// `Some(why)` when the session is headless (or cannot be shown to be interactive).
pub fn headless_reason(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    decide(env, find_gemini_process().as_ref())
}

/// The rule of the module docs, on given facts (tests drive it directly).
pub fn decide(env: &dyn Fn(&str) -> Option<String>, process: Option<&GeminiProcess>) -> Option<String> {
    for var in ["CI", "GITHUB_ACTIONS"] {
        if env(var).as_deref() == Some("true") {
            return Some(format!("${var}=true: Gemini CLI runs headless"));
        }
    }
    let Some(p) = process else {
        return Some(
            "the Gemini CLI process could not be inspected, so no user can be assumed to answer".to_owned(),
        );
    };
    if p.args.iter().any(|a| a == "-p" || a == "--prompt" || a.starts_with("--prompt=")) {
        return Some("Gemini CLI was started with a prompt (-p), without a user to ask".to_owned());
    }
    if !p.stdin_tty || !p.stdout_tty {
        return Some("Gemini CLI is not attached to a terminal, so no user can answer".to_owned());
    }
    None
}

fn find_gemini_process() -> Option<GeminiProcess> {
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..MAX_ANCESTORS {
        if pid <= 1 {
            return None;
        }
        let proc_dir = Path::new("/proc").join(pid.to_string());
        let cmdline = std::fs::read(proc_dir.join("cmdline")).ok()?;
        let args: Vec<String> = cmdline
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.iter().take(3).any(|a| runs_gemini(a)) {
            let tty = |fd: &str| {
                std::fs::read_link(proc_dir.join("fd").join(fd))
                    .is_ok_and(|t| t.starts_with("/dev/pts") || t.to_string_lossy().starts_with("/dev/tty"))
            };
            return Some(GeminiProcess { stdin_tty: tty("0"), stdout_tty: tty("1"), args });
        }
        pid = parent_of(&proc_dir)?;
    }
    None
}

/// An argument that is the Gemini CLI program (`gemini`, `…/bin/gemini`, `…/@google/gemini-cli/…`).
fn runs_gemini(arg: &str) -> bool {
    let name = arg.rsplit('/').next().unwrap_or(arg);
    name == "gemini" || name == "gemini.js" || arg.contains("/gemini-cli/")
}

/// The parent pid from `/proc/<pid>/stat`: the fourth field, after the `)` that ends the name.
fn parent_of(proc_dir: &Path) -> Option<u32> {
    let stat = std::fs::read_to_string(proc_dir.join("stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
    }

    fn process(args: &[&str], tty: bool) -> GeminiProcess {
        GeminiProcess {
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            stdin_tty: tty,
            stdout_tty: tty,
        }
    }

    #[test]
    fn headless_when_gemini_says_so() {
        let none = env_of(&[]);
        assert!(decide(&env_of(&[("CI", "true")]), Some(&process(&["node", "gemini"], true))).is_some());
        assert!(decide(&none, Some(&process(&["node", "/usr/bin/gemini", "-p", "x"], true))).is_some());
        assert!(decide(&none, Some(&process(&["node", "gemini", "--prompt=x"], true))).is_some());
        assert!(decide(&none, Some(&process(&["node", "gemini"], false))).is_some());
        assert!(decide(&none, None).is_some(), "unknown counts as headless");
        assert_eq!(decide(&none, Some(&process(&["node", "gemini"], true))), None);
        assert_eq!(decide(&env_of(&[("CI", "false")]), Some(&process(&["node", "gemini"], true))), None);
    }

    #[test]
    fn gemini_program_names() {
        assert!(runs_gemini("/usr/local/bin/gemini"));
        assert!(runs_gemini("/usr/lib/node_modules/@google/gemini-cli/dist/index.js"));
        assert!(!runs_gemini("/usr/bin/node"));
        assert!(!runs_gemini("gemini-helper"));
    }

    #[test]
    fn parent_pid_is_read_past_a_name_with_parentheses() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("stat"), "123 (we ird) name) S 456 123 123 0").unwrap();
        assert_eq!(parent_of(dir.path()), Some(456));
    }
}
