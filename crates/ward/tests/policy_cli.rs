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
