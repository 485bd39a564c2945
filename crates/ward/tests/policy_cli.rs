//! `ward policy check` and `ward policy test` as a user runs them: output and exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn ward(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(args)
        .arg("--home")
        .arg(home)
        .env_remove("WARD_POLICY")
        .env("WARD_SYSTEM_ROOT", home)
        .env("WARD_HOME", home.join("data"))
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ward-policy/tests/fixtures");

#[test]
fn check_accepts_the_builtin_policy() {
    let home = tempfile::tempdir().unwrap();
    let out = ward(&["policy", "check"], home.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ok: 3 tiers, "), "{stdout}");
    assert!(
        stdout.contains("(<builtin>; tiers from least to most cautious: standard, open, sensitive)"),
        "{stdout}"
    );
}

#[test]
fn check_lists_every_error_with_line_and_column() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("policy.toml");
    std::fs::write(
        &file,
        "default_tier = \"std\"\n[tiers.std]\n[[tiers.std.rules]]\nid = \"a\"\ndecision = \"nope\"\nreason = \"r\"\npathz = \"x\"\n",
    )
    .unwrap();
    let out = ward(&["policy", "check", file.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let f = file.display();
    assert!(stderr.contains(&format!("{f}:5:12: unknown decision `nope`")), "{stderr}");
    assert!(
        stderr.contains(&format!("{f}:7:1: unknown key `pathz` in a rule (did you mean `paths`?)")),
        "{stderr}"
    );
    assert!(stderr.contains("2 errors"), "{stderr}");
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn check_uses_the_policy_in_force() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/ward");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), "default_tier = \"only\"\n[tiers.only]\n").unwrap();
    let out = ward(&["policy", "check"], home.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("ok: 1 tier, 0 rules ("), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains(".config/ward/policy.toml; tiers"), "{}", text(&out.stdout));
}

#[test]
fn test_runs_cases_against_the_builtin_policy() {
    let home = tempfile::tempdir().unwrap();
    let cases = format!("{FIXTURES}/builtin_cases.toml");
    let out = ward(&["policy", "test", &cases], home.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("12 passed, 0 failed"), "{stdout}");
    assert!(stdout.contains("standard.download-exec"), "{stdout}");
}

#[test]
fn test_reports_failures_with_exit_1() {
    let home = tempfile::tempdir().unwrap();
    let policy = home.path().join("p.toml");
    std::fs::write(
        &policy,
        "default_tier = \"t\"\n[tiers.t]\n[[tiers.t.rules]]\nid = \"no-rm\"\ncommand = \"rm\"\ndecision = \"deny\"\nreason = \"no rm\"\n",
    )
    .unwrap();
    let cases = home.path().join("cases.toml");
    std::fs::write(
        &cases,
        "[[case]]\nname = \"rm denied\"\ncommand = \"sudo rm -rf build\"\nexpect = \"deny\"\nexpect_rule = \"no-rm\"\n\n\
         [[case]]\nname = \"ls denied?\"\nargv = [\"ls\"]\nexpect = \"deny\"\n",
    )
    .unwrap();
    let out = ward(&["policy", "test", policy.to_str().unwrap(), cases.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
    assert!(stdout.contains("got allow by default, expected deny"), "{stdout}");

    std::fs::write(&cases, "[[case]]\nname = \"x\"\nexpect = \"maybe\"\n").unwrap();
    let out = ward(&["policy", "test", policy.to_str().unwrap(), cases.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cases.toml:3:10"), "{}", text(&out.stderr));

    let out = ward(&["policy", "test", policy.to_str().unwrap(), "/nonexistent/cases.toml"], home.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn test_cases_get_the_fail_mode_the_hook_gives() {
    let home = tempfile::tempdir().unwrap();
    let cases = home.path().join("cases.toml");
    std::fs::write(
        &cases,
        "[[case]]\nname = \"program known only at run time\"\ntier = \"standard\"\ncommand = \"$CMD --version\"\n\
         expect = \"log\"\nexpect_rule = \"ward.unanalyzable\"\n\n\
         [[case]]\nname = \"unbalanced quote in a closed tier\"\ntier = \"sensitive\"\ncommand = \"ls 'src\"\n\
         expect = \"deny\"\nexpect_rule = \"ward.unanalyzable\"\n\n\
         [[case]]\nname = \"a stricter rule still decides\"\ntier = \"standard\"\n\
         command = \"git push --force origin main; eval $X\"\nexpect = \"ask\"\n\
         expect_rule = \"standard.force-push-protected\"\n",
    )
    .unwrap();
    let out = ward(&["policy", "test", cases.to_str().unwrap()], home.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("3 passed, 0 failed"), "{stdout}");
}

mod first_hour {
    use std::process::Command;

    fn ward(home: &std::path::Path, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_ward"))
            .arg("--home")
            .arg(home)
            .args(args)
            .env("WARD_HOME", home.join("data"))
            .env("WARD_SYSTEM_ROOT", home.join("system"))
            .env_remove("WARD_POLICY")
            .output()
            .unwrap()
    }

    #[test]
    fn policy_show_prints_the_policy_in_force_and_where_it_came_from() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path();
        let out = ward(home, &["policy", "show"]);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with("# Ward policy in force: <builtin>\n# Chosen because: no policy file found"),
            "{text}"
        );
        assert!(text.contains(ward_policy::BUILTIN_POLICY), "the whole built-in text follows");
        // What it prints is a policy an admin can start from: it compiles as it is.
        let shown = home.join("shown.toml");
        std::fs::write(&shown, &text).unwrap();
        let check = ward(home, &["policy", "check", shown.to_str().unwrap()]);
        assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

        // A user policy is shown with its origin; --builtin still shows the default.
        std::fs::create_dir_all(home.join(".config/ward")).unwrap();
        let user = home.join(".config/ward/policy.toml");
        std::fs::write(&user, "default_tier = \"s\"\n[tiers.s]\n").unwrap();
        let text = String::from_utf8(ward(home, &["policy", "show"]).stdout).unwrap();
        assert!(text.contains(&format!("# Ward policy in force: {}", user.display())), "{text}");
        assert!(text.contains("# Chosen because: the user policy."));
        assert!(text.ends_with("default_tier = \"s\"\n[tiers.s]\n"));
        let text = String::from_utf8(ward(home, &["policy", "show", "--builtin"]).stdout).unwrap();
        assert!(text.contains(ward_policy::BUILTIN_POLICY));
        // A managed policy outranks the user's and says so.
        std::fs::create_dir_all(home.join("system/etc/ward")).unwrap();
        std::fs::write(home.join("system/etc/ward/policy.toml"), "default_tier = \"m\"\n[tiers.m]\n")
            .unwrap();
        let text = String::from_utf8(ward(home, &["policy", "show"]).stdout).unwrap();
        assert!(text.contains("# Chosen because: the managed policy"), "{text}");
        // A policy that does not compile is still shown, with exit 1 and the errors on stderr.
        std::fs::write(home.join("system/etc/ward/policy.toml"), "default_tier = 3\n").unwrap();
        let out = ward(home, &["policy", "show"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stdout).ends_with("default_tier = 3\n"));
        assert!(String::from_utf8_lossy(&out.stderr).contains("does not compile"));
    }

    #[test]
    fn unknown_agents_and_missing_directories_are_errors_said_once() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path();
        let out = ward(home, &["policy", "explain", "--agent", "nosuch", "--", "ls"]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("unknown agent `nosuch` (--agent): expected one of codex, claude-code"),
            "{err}"
        );
        let missing = home.join("no-such-dir");
        let out = ward(home, &["policy", "explain", "--cwd", missing.to_str().unwrap(), "--", "ls"]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            format!("ward: --cwd {}: no such directory", missing.display())
        );
        // An I/O error is said once, not once per layer of context.
        let out = ward(home, &["policy", "check", "/nonexistent/policy.toml"]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
        // Aliases name the same agent.
        let out = ward(
            home,
            &["policy", "explain", "--agent", "claude", "--cwd", home.to_str().unwrap(), "--", "ls"],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}
