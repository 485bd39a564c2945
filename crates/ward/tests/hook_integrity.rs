//! `ward hook` end to end on the integrity side of an adversarial agent (issue 10): every path
//! answers in the agent's own form and is recorded where a record can be made; every string of
//! the event is redacted; a managed policy is never replaced by anything the user can write;
//! Gemini CLI never gets an `ask` it would hang on.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const TOKEN: &str = "ghp_R4nd0mT0kenV4lue1234567890abcdefABCD";

struct Env {
    _dir: tempfile::TempDir,
    home: PathBuf,
    data: PathBuf,
    root: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let home = root.join("home");
        std::fs::create_dir_all(&home).unwrap();
        Env { home, data: root.join("ward-data"), root, _dir: dir }
    }

    fn repo(&self, name: &str, marker: Option<&str>) -> PathBuf {
        let repo = self.root.join(name);
        std::fs::create_dir_all(&repo).unwrap();
        let ok = Command::new("git").args(["init", "-q"]).current_dir(&repo).status().unwrap().success();
        assert!(ok);
        let remote = format!("git@github.com:acme/{name}.git");
        let ok = Command::new("git")
            .args(["remote", "add", "origin", &remote])
            .current_dir(&repo)
            .status()
            .unwrap()
            .success();
        assert!(ok);
        if let Some(m) = marker {
            std::fs::write(repo.join(m), "").unwrap();
        }
        repo
    }

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
