//! `ward hook` end to end on the integrity side of an adversarial agent (issue 10): every path
//! answers in the agent's own form and is recorded where a record can be made; every string of
//! the event is redacted; a managed policy is never replaced by anything the user can write;
//! Gemini CLI never gets an `ask` it would hang on.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const TOKEN: &str = "ghp_R4nd0mT0kenV4lue1234567890abcdefABCD";

use support::Env;

impl Env {
    fn cmd(&self, program: &Path, args: &[&str], cwd: &Path) -> Command {
        let mut c = Command::new(program);
        c.args(args)
            .current_dir(cwd)
            .env("HOME", &self.home)
            .env("WARD_HOME", &self.data)
            .env_remove("WARD_POLICY")
            .env_remove("CI")
            .env_remove("GITHUB_ACTIONS")
            .env("WARD_SYSTEM_ROOT", self.root.join("system"))
            .env_remove("CURSOR_VERSION")
            .env_remove("GEMINI_PROJECT_DIR")
            .env_remove("CONTINUE_GLOBAL_DIR");
        c
    }

    fn run(&self, mut command: Command, payload: &[u8]) -> Output {
        let mut child =
            command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(payload).unwrap();
        child.wait_with_output().unwrap()
    }

    fn hook(&self, args: &[&str], cwd: &Path, payload: &Value, tweak: impl FnOnce(&mut Command)) -> Output {
        let mut all = vec!["hook"];
        all.extend_from_slice(args);
        let mut c = self.cmd(Path::new(env!("CARGO_BIN_EXE_ward")), &all, cwd);
        tweak(&mut c);
        self.run(c, payload.to_string().as_bytes())
    }

    fn events(&self) -> Vec<Value> {
        let dir = self.data.join("spool");
        let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "jsonl"))
            .flat_map(|f| {
                std::fs::read_to_string(f)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect::<Vec<Value>>()
            })
            .collect()
    }

    fn spool_text(&self) -> String {
        self.events().iter().map(Value::to_string).collect::<Vec<_>>().join("\n")
    }
}

fn codex_bash(cwd: &Path, command: &str) -> Value {
    json!({
        "session_id": "s-1", "turn_id": "t-1", "cwd": cwd, "hook_event_name": "PreToolUse",
        "model": "gpt-5-codex", "permission_mode": "default", "tool_name": "Bash",
        "tool_input": { "command": command }, "tool_use_id": "c-1"
    })
}

fn decision_of(out: &Output) -> Option<String> {
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    v.pointer("/hookSpecificOutput/permissionDecision").and_then(Value::as_str).map(str::to_owned)
}

#[test]
fn a_missing_policy_file_gets_the_fail_mode_answer_and_a_record() {
    let env = Env::new();
    let sensitive = env.repo("infra", Some(".ward-tier-sensitive"));
    let standard = env.repo("webapp", None);
    let missing = env.root.join("nope.toml");
    let missing = missing.to_str().unwrap();

    // --policy FILE that does not exist, in a fail-closed tier: deny, in Codex's form, exit 0.
    let out = env.hook(&["codex", "--policy", missing], &sensitive, &codex_bash(&sensitive, "ls"), |_| {});
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(decision_of(&out).as_deref(), Some("deny"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file"));

    // $WARD_POLICY that does not exist, in a fail-open tier: the built-in policy stands in.
    let out = env.hook(&["codex"], &standard, &codex_bash(&standard, "ls"), |c| {
        c.env("WARD_POLICY", env.root.join("also-missing.toml"));
    });
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"", "an allow in Codex's form is empty stdout");

    let events = env.events();
    assert_eq!(events.len(), 2, "both calls are recorded");
    assert_eq!(events[0]["rule"], "ward.hook-config");
    assert_eq!(events[0]["decision"], "deny");
    assert!(events[0]["detail"]["config_problems"][0].as_str().unwrap().contains("--policy"));
    assert!(events[1]["detail"]["config_problems"][0].as_str().unwrap().contains("WARD_POLICY"));
}

#[test]
fn no_home_still_answers_in_the_agents_form() {
    let env = Env::new();
    let sensitive = env.repo("infra", Some(".ward-tier-sensitive"));
    // No $HOME and no $WARD_HOME: nothing can be recorded, the answer is still the fail mode.
    let out = env.hook(&["codex"], &sensitive, &codex_bash(&sensitive, "ls"), |c| {
        c.env_remove("HOME").env_remove("WARD_HOME");
    });
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(decision_of(&out).as_deref(), Some("deny"), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("$HOME is not set"), "{stderr}");
    assert!(stderr.contains("cannot record"), "{stderr}");

    // --home that is not a directory, with $WARD_HOME set: answered and recorded.
    let out = env.hook(
        &["--home", "/nonexistent/home", "copilot-cli"],
        &sensitive,
        &json!({
            "timestamp": 1, "cwd": sensitive, "toolName": "bash", "toolArgs": {"command": "ls"}
        }),
        |_| {},
    );
    assert_eq!(out.status.code(), Some(0), "Copilot CLI reads a non-zero exit as allow");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["permissionDecision"], "deny");
    let events = env.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["rule"], "ward.hook-config");
}

#[test]
fn bad_arguments_are_answered_and_recorded_not_a_usage_error() {
    let env = Env::new();
    let sensitive = env.repo("infra", Some(".ward-tier-sensitive"));
    let out = env.hook(&["codex", "--bogus-flag", "x"], &sensitive, &codex_bash(&sensitive, "ls"), |_| {});
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(decision_of(&out).as_deref(), Some("deny"));
    let events = env.events();
    assert_eq!(events.len(), 1);
    assert!(events[0]["detail"]["config_problems"][0].as_str().unwrap().contains("bad arguments"));
    // Windsurf's form is an exit code: a deny is exit 2 with the reason on stderr.
    let windsurf = json!({"agent_action_name": "pre_run_command", "tool_info": {"command_line": "ls", "cwd": sensitive}});
    let out = env.hook(&["windsurf", "--deadline-ms", "soon"], &sensitive, &windsurf, |_| {});
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(env.events().len(), 2);
    // Help is still for people.
    let help = env.hook(&["--help"], &sensitive, &json!({}), |_| {});
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage"));
}

#[test]
fn every_string_of_the_event_is_redacted() {
    let env = Env::new();
    let repo = env.repo("webapp", None);
    let payload = json!({
        "session_id": format!("s {TOKEN}"), "cwd": repo, "hook_event_name": "PreToolUse",
        "tool_name": format!("mcp__srv__tool {TOKEN}"), "tool_input": { "q": format!("x {TOKEN}"), TOKEN: 1 },
        "transcript_path": "/tmp/t.jsonl", "permission_mode": "default"
    });
    let out = env.hook(&["claude-code"], &repo, &payload, |_| {});
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stored = env.spool_text();
    assert!(!stored.is_empty());
    assert!(!stored.contains(TOKEN), "{stored}");
    assert!(stored.contains("[REDACTED:github-pat:"), "{stored}");
}

#[test]
fn a_managed_policy_is_compiled_from_the_admins_file_and_beats_the_flag() {
    let env = Env::new();
    let repo = env.repo("webapp", None);
    let managed = env.root.join("system/etc/ward/policy.toml");
    std::fs::create_dir_all(managed.parent().unwrap()).unwrap();
    // Everything in `standard` is denied by the admin.
    let mut text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../ward-policy/src/builtin.toml"))
            .unwrap();
    text = text.replacen("default_decision = \"allow\"", "default_decision = \"deny\"", 3);
    std::fs::write(&managed, &text).unwrap();
    let mine = env.root.join("mine.toml");
    std::fs::write(
        &mine,
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../ward-policy/src/builtin.toml"))
            .unwrap(),
    )
    .unwrap();

    let out = env.hook(
        &["codex", "--policy", mine.to_str().unwrap()],
        &repo,
        &codex_bash(&repo, "cargo build"),
        |_| {},
    );
    assert_eq!(decision_of(&out).as_deref(), Some("deny"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is ignored: the managed policy"));
    assert!(!env.data.join("cache").exists(), "no user-writable cache of a managed policy");

    // `ward policy explain` takes the same path and says the same.
    let mut explain = env.cmd(
        Path::new(env!("CARGO_BIN_EXE_ward")),
        &["policy", "explain", "--format", "json", "--cwd", repo.to_str().unwrap(), "--", "cargo build"],
        &repo,
    );
    let out = explain.output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"]["decision"], "deny");
}

#[test]
fn headless_gemini_gets_a_deny_instead_of_an_ask() {
    let env = Env::new();
    let repo = env.repo("webapp", None);
    let payload = json!({
        "session_id": "g-1", "cwd": repo, "hook_event_name": "BeforeTool", "timestamp": "2026-12-03T00:00:00Z",
        "tool_name": "run_shell_command", "tool_input": { "command": "terraform apply" }
    });
    // Gemini CLI as it runs in CI: `CI=true` in the environment its hooks inherit.
    let out = env.hook(&["gemini-cli"], &repo, &payload, |c| {
        c.env("CI", "true");
    });
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["decision"], "deny", "{answer}");
    assert!(answer["reason"].as_str().unwrap().contains("hang"), "{answer}");

    // Started as `gemini -p …` (a script of that name stands in for the node process).
    let bin = env.root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("gemini");
    std::fs::write(
        &script,
        format!("#!/bin/sh\n\"{}\" hook gemini-cli\nexit $?\n", env!("CARGO_BIN_EXE_ward")),
    )
    .unwrap();
    let out = env.run(
        env.cmd(Path::new("/bin/sh"), &[script.to_str().unwrap(), "-p", "do it"], &repo),
        payload.to_string().as_bytes(),
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["decision"], "deny", "{answer}");
    let events = env.events();
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e["rule"] == "ward.headless-ask" && e["decision"] == "deny"));
}

#[test]
fn an_erased_spool_fails_verify_and_the_chain_does_not_restart() {
    let env = Env::new();
    let repo = env.repo("webapp", None);
    for _ in 0..3 {
        let out = env.hook(&["codex"], &repo, &codex_bash(&repo, "ls"), |_| {});
        assert_eq!(out.status.code(), Some(0));
    }
    // What a hostile agent would run: `cd ~/.local/share/ward && rm -rf spool`.
    std::fs::remove_dir_all(env.data.join("spool")).unwrap();
    let verify = |format: &str| {
        env.cmd(Path::new(env!("CARGO_BIN_EXE_ward")), &["audit", "verify", "--format", format], &repo)
            .output()
            .unwrap()
    };
    let out = verify("json");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["anchor"]["state"], "erased");
    assert_eq!(report["anchor"]["seq"], 3);
    assert_eq!(report["problems"][0]["kind"], "erased");
    let table = String::from_utf8_lossy(&verify("table").stdout).into_owned();
    assert!(table.contains("emptied or deleted"), "{table}");

    // The next call links to the anchor: seq 4, and the gap stays visible.
    env.hook(&["codex"], &repo, &codex_bash(&repo, "ls"), |_| {});
    assert_eq!(env.events()[0]["seq"], 4);
    let report: Value = serde_json::from_slice(&verify("json").stdout).unwrap();
    assert_eq!(report["problems"][0]["kind"], "gap");
}

#[test]
fn a_symlinked_spool_head_is_not_followed_and_the_call_is_still_recorded() {
    let env = Env::new();
    let repo = env.repo("webapp", None);
    env.hook(&["codex"], &repo, &codex_bash(&repo, "ls"), |_| {});
    let victim = env.home.join(".bashrc");
    std::fs::write(&victim, "export PATH=/usr/bin\n").unwrap();
    let head = env.data.join("spool/head");
    std::fs::remove_file(&head).unwrap();
    std::os::unix::fs::symlink(&victim, &head).unwrap();

    let out = env.hook(&["codex"], &repo, &codex_bash(&repo, "ls"), |_| {});
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refused"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "export PATH=/usr/bin\n");
    let events = env.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["detail"]["spool_refused"][0]["reason"], "a symbolic link");
}

#[test]
fn a_full_disk_leaves_no_temp_files_and_still_answers() {
    let env = Env::new();
    let sensitive = env.repo("infra", Some(".ward-tier-sensitive"));
    let standard = env.repo("webapp", None);
    // `ulimit -f 0`: every write to a file fails (EFBIG), as on a full disk.
    let run = |repo: &Path| {
        let script = format!("ulimit -f 0; exec \"{}\" hook codex", env!("CARGO_BIN_EXE_ward"));
        env.run(
            env.cmd(Path::new("/bin/sh"), &["-c", &script], repo),
            codex_bash(repo, "ls").to_string().as_bytes(),
        )
    };
    for _ in 0..3 {
        let out = run(&standard);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.stdout, b"", "fail-open tier: allowed");
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot record"));
        let out = run(&sensitive);
        assert_eq!(
            decision_of(&out).as_deref(),
            Some("deny"),
            "fail-closed tier: an unrecorded call is denied"
        );
    }
    let mut leftovers = Vec::new();
    for entry in walk(&env.data) {
        if entry.file_name().is_some_and(|n| n.to_string_lossy().contains(".tmp")) {
            leftovers.push(entry);
        }
    }
    assert!(leftovers.is_empty(), "temp files left behind: {leftovers:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

#[test]
fn deadline_answers_are_recorded() {
    let env = Env::new();
    let repo = env.repo("webapp", None);
    let sensitive = env.repo("infra", Some(".ward-tier-sensitive"));
    env.hook(&["codex"], &repo, &codex_bash(&repo, "ls"), |_| {});
    // An agent holds the spool's lock (`flock spool/head sleep …`): the hook cannot append in
    // time. Its deadline answer must still be in the spool.
    let mut holder = Command::new("flock");
    holder.args(["-x", env.data.join("spool/head").to_str().unwrap(), "sleep", "30"]);
    std::os::unix::process::CommandExt::process_group(&mut holder, 0);
    let mut holder = holder.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    // The deadline is long enough for a loaded CI machine to resolve the tier first (the
    // lock, held for 30 s, still makes it fire): at 400 ms it sometimes fired before, and
    // the event then had no tier to record.
    let out = env.hook(
        &["codex", "--deadline-ms", "1500"],
        &sensitive,
        &codex_bash(&sensitive, "cat README"),
        |_| {},
    );
    let took = started.elapsed();
    // flock and its sleep (which holds the lock too).
    let group = format!("-{}", holder.id());
    assert!(Command::new("kill").args(["-KILL", "--", &group]).status().unwrap().success());
    holder.wait().unwrap();
    assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    assert_eq!(decision_of(&out).as_deref(), Some("deny"), "sensitive fails closed");
    assert!(String::from_utf8_lossy(&out.stdout).contains("no decision within 1500 ms"));

    // The next call chains the pending deadline event first, then its own.
    env.hook(&["codex"], &repo, &codex_bash(&repo, "ls"), |_| {});
    let events = env.events();
    assert_eq!(events.len(), 3, "{events:?}");
    let deadline = &events[1];
    assert_eq!(deadline["rule"], "ward.deadline");
    assert_eq!(deadline["decision"], "deny");
    assert_eq!(deadline["tier"], "sensitive");
    assert_eq!(deadline["tool"], "Bash");
    assert_eq!(deadline["agent"], "codex");
    assert_eq!(events[2]["seq"], 3);
    let verify =
        env.cmd(Path::new(env!("CARGO_BIN_EXE_ward")), &["audit", "verify"], &repo).output().unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", String::from_utf8_lossy(&verify.stdout));
}

#[test]
fn a_deleted_marker_does_not_downgrade_the_repository() {
    let env = Env::new();
    let infra = env.repo("infra", Some(".ward-tier-sensitive"));
    env.hook(&["codex"], &infra, &codex_bash(&infra, "ls"), |_| {});
    // What a hostile agent does: `git rm -q .ward-tier-sensitive`.
    std::fs::remove_file(infra.join(".ward-tier-sensitive")).unwrap();
    env.hook(&["codex"], &infra, &codex_bash(&infra, "ls"), |_| {});
    // And the marker of a laxer tier put in its place.
    std::fs::write(infra.join(".ward-tier-open"), "").unwrap();
    env.hook(&["codex"], &infra, &codex_bash(&infra, "ls"), |_| {});

    let events = env.events();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["tier"], "sensitive");
    assert_eq!(events[1]["tier"], "sensitive", "{}", events[1]["detail"]["tier_why"]);
    assert!(events[1]["detail"]["tier_why"].as_str().unwrap().contains("has seen this repository"));
    assert_eq!(events[2]["tier"], "sensitive", "{}", events[2]["detail"]["tier_why"]);
    assert!(env.data.join("tiers.seen").is_file());

    // `ward policy explain` decides the same way.
    let out = env
        .cmd(
            Path::new(env!("CARGO_BIN_EXE_ward")),
            &["policy", "explain", "--format", "json", "--cwd", infra.to_str().unwrap(), "--", "ls"],
            &infra,
        )
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tier"], "sensitive");
}

#[test]
fn global_flags_before_hook_take_the_hooks_path_too() {
    let env = Env::new();
    let sensitive = env.repo("infra", Some(".ward-tier-sensitive"));
    let home = env.home.to_str().unwrap().to_owned();
    let out = env.hook(&[], &sensitive, &codex_bash(&sensitive, "ls"), |c| {
        // `ward --home DIR hook codex --bogus`: still answered in Codex's form and recorded.
        c.args(["--bogus"]);
        let _ = &home;
    });
    assert_eq!(out.status.code(), Some(0));
    let mut c = env.cmd(
        Path::new(env!("CARGO_BIN_EXE_ward")),
        &["--home", &home, "hook", "codex", "--bogus"],
        &sensitive,
    );
    c.env_remove("HOME");
    let out = env.run(c, codex_bash(&sensitive, "ls").to_string().as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(decision_of(&out).as_deref(), Some("deny"));
    assert!(env
        .events()
        .iter()
        .any(|e| e["detail"]["config_problems"][0].as_str().is_some_and(|p| p.contains("bad arguments"))));
}
