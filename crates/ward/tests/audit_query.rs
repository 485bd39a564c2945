//! `ward audit query` end to end on a machine that has run `ward hook`: real hook calls fill the
//! spool, the query indexes it and answers; the index resumes and can be rebuilt.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

use support::Env;

impl Env {
    fn ward(&self, args: &[&str], cwd: &Path, stdin: &[u8]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(args)
            .current_dir(cwd)
            .env("HOME", &self.home)
            .env("WARD_HOME", &self.data)
            .env_remove("WARD_POLICY")
            .env("WARD_SYSTEM_ROOT", self.root.join("no-system"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }

    fn query(&self, args: &[&str]) -> Output {
        let mut all = vec!["audit", "query"];
        all.extend(args);
        self.ward(&all, &self.root, b"")
    }
}

fn claude(cwd: &Path, tool: &str, input: Value) -> Vec<u8> {
    json!({
        "session_id": "abc123", "transcript_path": "/home/u/.claude/projects/x/abc123.jsonl", "cwd": cwd,
        "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool,
        "tool_input": input, "tool_use_id": "toolu_01"
    })
    .to_string()
    .into_bytes()
}

fn codex_bash(cwd: &Path, command: &str) -> Vec<u8> {
    json!({
        "session_id": "0199a3c2-7f1e-7c40-9a55-3b8e2f0c1d11", "turn_id": "turn-1", "transcript_path": null,
        "cwd": cwd, "hook_event_name": "PreToolUse", "model": "gpt-5-codex", "permission_mode": "default",
        "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "call-1"
    })
    .to_string()
    .into_bytes()
}

fn stdout(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn which_agents_touched_a_credential_path() {
    let env = Env::new();
    let infra = env.repo("infra", Some(".ward-tier-sensitive"));
    let web = env.repo("webapp", None);
    let creds = |cwd: &Path| claude(cwd, "Read", json!({"file_path": "~/.aws/credentials"}));
    for (agent, cwd, payload) in [
        ("claude-code", &infra, creds(&infra)),
        ("claude-code", &web, creds(&web)),
        ("codex", &web, codex_bash(&web, "cat ~/.aws/credentials")),
        ("claude-code", &web, claude(&web, "Read", json!({"file_path": web.join("README.md")}))),
    ] {
        let out = env.ward(&["hook", agent], cwd, &payload);
        assert!(out.status.code().is_some(), "{out:?}");
    }

    let table = stdout(&env.query(&["class:credential since:90d", "--count-by", "agent,device"]));
    let device = std::fs::read_to_string(env.data.join("device.id")).unwrap().trim().to_owned();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("AGENT") && lines[0].contains("DEVICE") && lines[0].ends_with("COUNT"),
        "{table}"
    );
    assert!(
        lines[1].starts_with("claude-code") && lines[1].contains(&device) && lines[1].ends_with(" 2"),
        "{table}"
    );
    assert!(lines[2].starts_with("codex") && lines[2].ends_with(" 1"), "{table}");
    assert_eq!(lines[3], "3 matching events in 2 groups", "{table}");

    let json: Value = serde_json::from_str(&stdout(&env.query(&[
        "class:credential",
        "--count-by",
        "agent",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["total"], 3);
    assert_eq!(json["rows"], json!([{"agent": "claude-code", "count": 2}, {"agent": "codex", "count": 1}]));

    // Listing: newest first, whole events.
    let listed: Value =
        serde_json::from_str(&stdout(&env.query(&["-class:credential", "--format", "json"]))).unwrap();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["events"][0]["tool"], "Read");
    let csv = stdout(&env.query(&["decision:deny", "--format", "csv"]));
    assert!(csv.starts_with("time,agent,decision,tier,action,rule,repo,classes,device,id\r\n"), "{csv}");

    // New events are indexed incrementally; a deleted index is rebuilt with the same answer.
    env.ward(&["hook", "codex"], &infra, &codex_bash(&infra, "cat .env"));
    let again: Value =
        serde_json::from_str(&stdout(&env.query(&["class:credential", "--format", "json", "--since", "1d"])))
            .unwrap();
    assert_eq!(again["total"], 4);
    std::fs::remove_dir_all(env.data.join("index")).unwrap();
    let rebuilt: Value =
        serde_json::from_str(&stdout(&env.query(&["class:credential", "--format", "json", "--since", "1d"])))
            .unwrap();
    assert_eq!(rebuilt["total"], 4);
    assert_eq!(rebuilt["events"], again["events"]);
}

/// `path:~/…` finds the calls under this machine's home however the agent wrote the path: as
/// `~/…`, or absolute under a home that is none of the usual forms (a temporary directory here).
#[test]
fn a_tilde_path_finds_this_machines_home() {
    let env = Env::new();
    let web = env.repo("webapp", None);
    let absolute = env.home.join(".aws").join("credentials");
    assert!(!absolute.starts_with("/home") && !absolute.starts_with("/Users"), "{absolute:?}");
    for payload in [
        claude(&web, "Read", json!({"file_path": absolute})),
        claude(&web, "Read", json!({"file_path": "~/.aws/config"})),
        claude(&web, "Read", json!({"file_path": env.root.join("elsewhere/.aws/credentials")})),
        claude(&web, "Read", json!({"file_path": web.join("README.md")})),
    ] {
        let out = env.ward(&["hook", "claude-code"], &web, &payload);
        assert!(out.status.code().is_some(), "{out:?}");
    }
    let total = |query: &str| -> Value {
        let json: Value =
            serde_json::from_str(&stdout(&env.query(&["--format", "json", "--", query]))).unwrap();
        json["total"].clone()
    };
    assert_eq!(total("path:~/.aws/*"), 2);
    assert_eq!(total("path:~/.aws/credentials"), 1);
    assert_eq!(total("-path:~/.aws/*"), 2);
    // The home's two (the hook records `~/…` absolute) and the one elsewhere.
    assert_eq!(total("path:*/.aws/*"), 3);
    // Spelling this home out matches only the call that spelled it out too, not the one the
    // hook recorded as `~/…`; the answer says how to ask for both.
    let spelled = format!("path:{}/.aws/*", env.home.display());
    let output = env.query(&["--format", "json", "--", &spelled]);
    let json: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["total"], 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the hook records paths the agent wrote under the user's home as ~/…"),
        "{stderr}"
    );
    assert!(stderr.contains("ask path:~/.aws/* to match both"), "{stderr}");
    assert!(String::from_utf8_lossy(&env.query(&["path:~/.aws/*"]).stderr).is_empty());
}

/// A hook stuck mid-append holds the spool's lock (`flock spool/head sleep …`): the query
/// answers from its index after the bounded wait and says so; with nothing indexed yet it fails
/// saying why. It never hangs.
#[test]
fn a_held_spool_lock_answers_from_the_index_and_says_so() {
    use std::os::fd::AsRawFd;
    let env = Env::new();
    let web = env.repo("webapp", None);
    let head_path = env.data.join("spool").join("head");
    let hold = || {
        let head = std::fs::File::open(&head_path).unwrap();
        // SAFETY: flock on a descriptor this test owns, kept open while the lock is wanted.
        assert_eq!(unsafe { libc::flock(head.as_raw_fd(), libc::LOCK_EX) }, 0);
        head
    };
    let out = env.ward(&["hook", "codex"], &web, &codex_bash(&web, "ls"));
    assert!(out.status.code().is_some(), "{out:?}");
    // Nothing indexed yet: an error that says why, exit 2.
    let held = hold();
    let output = env.query(&[""]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("lock"), "{output:?}");
    drop(held);
    assert_eq!(stdout(&env.query(&[""])).lines().count(), 3);
    // Indexed: the answer, and a note.
    let held = hold();
    let output = env.query(&["agent:codex"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stdout(&output).lines().count(), 3, "{stderr}");
    assert!(stderr.contains("answering from the local index as of its last update"), "{stderr}");
    drop(held);
}

/// An agent that edits its own trail (an event rewritten, one deleted) gets no clean-looking
/// answers: the query still answers, and says beside it that the spool has problems.
#[test]
fn a_tampered_spool_is_told_beside_the_answer() {
    let env = Env::new();
    let web = env.repo("webapp", None);
    for command in ["ls", "cat ~/.aws/credentials", "git status", "make test"] {
        let out = env.ward(&["hook", "codex"], &web, &codex_bash(&web, command));
        assert!(out.status.code().is_some(), "{out:?}");
    }
    let clean = env.query(&["class:credential"]);
    assert_eq!(String::from_utf8_lossy(&clean.stderr), "", "a clean trail has no notes");
    let spool = env.data.join("spool");
    let segment = std::fs::read_dir(&spool)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|e| e == "jsonl"))
        .expect("a segment");
    let text = std::fs::read_to_string(&segment).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[3] = lines[3].replace("\"agent\":\"codex\"", "\"agent\":\"claude\"");
    lines.remove(2);
    std::fs::write(&segment, lines.join("\n") + "\n").unwrap();
    std::fs::remove_dir_all(env.data.join("index")).unwrap();
    let output = env.query(&["", "--count-by", "agent"]);
    let table = stdout(&output);
    assert!(table.contains("claude"), "the query answers what the spool holds: {table}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: this machine's audit spool has problems"), "{stderr}");
    assert!(stderr.contains("1 bad_hash") && stderr.contains("1 gap"), "{stderr}");
    assert!(stderr.contains("ward audit verify"), "{stderr}");
}

/// A prompt-injected agent reading a credential by another spelling: through a relative path
/// after `cd`, `..` past a directory an exclusion names, a glob before `..`, a doubled separator,
/// the whole directory, another case (the same file on macOS and Windows), a place known only at
/// run time. Each reaches the spool through the real hook, and the path question (with
/// an exclusion meant for other work) finds exactly the events the policy classed as credentials.
#[test]
fn path_questions_are_not_walked_around_by_spelling() {
    let env = Env::new();
    let proj = env.home.join("src").join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    let commands = [
        "cat ../../.ssh/id_rsa",
        "cd .. && cat ../.ssh/id_rsa",
        "cat ~/src/../.ssh/id_rsa",
        "cat ~/src/**/../../.ssh/id_rsa",
        "cat ~//.ssh/id_rsa",
        "tar czf /tmp/k.tgz ~/.ssh",
        "cat ~/.SSH/ID_RSA",
        "cat ../../.Ssh/id_rsa",
        // Somewhere the hook only knows at run time (`**/…`), then `..`: still a place unknown.
        "cat $(pwd)/../../.ssh/id_rsa",
        // Variables, a substitution, quoting, an escape, a `cd` into the directory, an
        // interpreter, a doubled separator with another case.
        "cat \"$HOME/.ssh/id_rsa\"",
        "X=~/.ssh; cat $X/id_rsa",
        "cat $(echo ~)/.ssh/id_rsa",
        "cat ~/\".ssh\"/id_rsa",
        "cat ~/.ss\\h/id_rsa",
        "cd ~/.ssh && cat id_rsa",
        "python3 -c \"print(open('/root/.ssh/id_rsa').read())\"",
        "cat ~//.SSH/./ID_RSA",
        "cat ~/.ssh/id_rsa",
        // Globs for the shell to expand: found by what they could name.
        "cat ~/.s?h/id_rsa",
        "cat ~/.{ssh,aws}/id_rsa",
        "cat ~/.ss[h]/id_rsa",
        "cat ~/.S*/ID_*",
        "cat $(pwd)/../../.s?h/id_rsa",
        // Letters macOS or Windows take for ASCII ones (`ſ` is `s`, `ı` is `i`).
        "cat ~/.ſſh/ıd_rſa",
    ];
    for command in commands {
        let out = env.ward(&["hook", "codex"], &proj, &codex_bash(&proj, command));
        assert!(out.status.code().is_some(), "{command}: {out:?}");
    }
    let total = |query: &str| -> Value {
        let json: Value =
            serde_json::from_str(&stdout(&env.query(&["--format", "json", "--", query]))).unwrap();
        json["total"].clone()
    };
    assert_eq!(total("class:credential"), commands.len());
    assert_eq!(total("path:~/.ssh/* -path:~/src/*"), commands.len());
    assert_eq!(total("path:~/.ssh/*"), commands.len());
    assert_eq!(total("path:~/.ssh/* -path:~/SRC/*"), commands.len());
}

#[test]
fn bad_queries_say_where_and_exit_2() {
    let env = Env::new();
    let out = env.query(&["class:credential agnt:codex"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("query:1:18: unknown field 'agnt' (did you mean 'agent'?)"), "{stderr}");
    let out = env.query(&["", "--count-by", "agent,devce"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The position is in the --count-by list, not in the query.
    assert!(stderr.contains("--count-by:7: unknown field 'devce' (did you mean 'device'?)"), "{stderr}");
    assert!(!stderr.contains("query:1:"), "{stderr}");
    let out = env.query(&["", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    // No spool yet: an empty answer, not an error.
    assert_eq!(stdout(&env.query(&["agent:codex"])), "0 matching events\n");
}
