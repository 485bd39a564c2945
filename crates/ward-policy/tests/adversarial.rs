//! The adversarial suite: ways a hostile agent might get around Ward (tier downgrade,
//! credential path tricks, exfiltration, computed command words, unanalyzable lines, Ward's
//! own files, NUL bytes, the tier matrix, destructive commands), each a real Claude Code hook
//! payload parsed as `ward hook` parses it and decided by the built-in policy with the same
//! file-system lookups. The cases are data: tests/adversarial/cases.toml.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use ward_hook::{parse_payload_with_env, Agent};
use ward_model::Decision;
use ward_policy::{EvalContext, Policy};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    class: String,
    tier: String,
    command: Option<String>,
    tool: Option<String>,
    input: Option<toml::Value>,
    expect: Decision,
    rule: Option<String>,
    reason_contains: Option<String>,
}

#[derive(Debug, Deserialize)]
struct File {
    case: Vec<Case>,
}

/// The classes the suite must cover (issue 10), each with several cases.
const CLASSES: &[&str] = &[
    "tier-downgrade",
    "credentials",
    "exfiltration",
    "computed-words",
    "unanalyzable",
    "ward-files",
    "nul-bytes",
    "tier-matrix",
    "destructive",
    "run-time-targets",
    "hidden-code",
    "persistence",
];

struct Fixture {
    _dir: tempfile::TempDir,
    home: PathBuf,
    ws: PathBuf,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().canonicalize().unwrap().join("home");
    let ws = home.join("src/app");
    write(&home.join(".ssh/id_rsa"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    write(&home.join(".ssh/id_rsa.pub"), "ssh-rsa AAAA\n");
    write(&home.join(".aws/credentials"), "[default]\n");
    write(&home.join(".local/share/ward/spool/head"), "");
    write(&home.join(".local/share/ward/spool/seg-000001"), "");
    write(&ws.join(".ward-tier-sensitive"), "");
    write(&ws.join(".env"), "API_KEY=x\n");
    write(&ws.join(".env.example"), "API_KEY=\n");
    write(&ws.join("credentials.json"), "{}");
    write(&ws.join("src/main.rs"), "fn main() {}\n");
    write(&ws.join(".git/config"), "[core]\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(home.join(".ssh/id_rsa"), ws.join("notes.txt")).unwrap();
        symlink(home.join(".ssh"), ws.join("keys")).unwrap();
        symlink(home.join(".local/share/ward"), ws.join("wardlink")).unwrap();
        symlink(home.join(".aws"), ws.join("cfg")).unwrap();
    }
    Fixture { _dir: dir, home, ws }
}

fn json(v: &toml::Value, f: &Fixture) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::Value::String(expand(s, f)),
        toml::Value::Integer(i) => serde_json::json!(i),
        toml::Value::Boolean(b) => serde_json::json!(b),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(|x| json(x, f)).collect()),
        toml::Value::Table(t) => {
            serde_json::Value::Object(t.iter().map(|(k, x)| (k.clone(), json(x, f))).collect())
        }
        other => serde_json::Value::String(other.to_string()),
    }
}

fn expand(s: &str, f: &Fixture) -> String {
    s.replace("{HOME}", &f.home.to_string_lossy()).replace("{WS}", &f.ws.to_string_lossy())
}

fn payload(case: &Case, f: &Fixture) -> Vec<u8> {
    let (tool, input) = match (&case.command, &case.tool) {
        (Some(c), None) => ("Bash".to_owned(), serde_json::json!({ "command": expand(c, f) })),
        (None, Some(t)) => (t.clone(), case.input.as_ref().map(|i| json(i, f)).unwrap_or_default()),
        _ => panic!("case needs `command` or `tool` (with `input`): {case:?}"),
    };
    serde_json::to_vec(&serde_json::json!({
        "session_id": "adversarial",
        "hook_event_name": "PreToolUse",
        "cwd": f.ws,
        "tool_name": tool,
        "tool_input": input,
    }))
    .unwrap()
}

#[test]
fn adversarial_cases_get_their_decisions() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/adversarial/cases.toml"))
        .unwrap();
    let file: File = toml::from_str(&text).unwrap();
    assert!(file.case.len() >= 150, "the suite has {} cases; it must keep at least 150", file.case.len());
    for class in CLASSES {
        let n = file.case.iter().filter(|c| c.class == *class).count();
        assert!(n >= 4, "class {class} has {n} cases");
    }
    for c in &file.case {
        assert!(CLASSES.contains(&c.class.as_str()), "unknown class {}", c.class);
    }

    let f = fixture();
    let policy = Policy::builtin();
    let ctx = EvalContext { home: f.home.clone(), workspace_root: Some(f.ws.clone()) };
    let mut failures = Vec::new();
    for c in &file.case {
        let what =
            c.command.clone().unwrap_or_else(|| format!("{} {:?}", c.tool.as_deref().unwrap_or(""), c.input));
        // The hook's environment: Ward's data directory as `$WARD_HOME` (where the policy's
        // @ward class also puts it, under the fixture's home).
        let ward_home = f.home.join(".local/share/ward").to_string_lossy().into_owned();
        let env = |name: &str| (name == "WARD_HOME").then(|| ward_home.clone());
        let call = match parse_payload_with_env(Some(Agent::ClaudeCode), &payload(c, &f), &env) {
            Ok(parsed) => parsed.call,
            Err(e) => {
                failures.push(format!("[{}] {what}: payload did not parse: {e}", c.tier));
                continue;
            }
        };
        let v = policy.evaluate_on_disk(&call, &c.tier, &ctx);
        let rule_ok = c.rule.as_ref().is_none_or(|r| *r == v.rule);
        let reason_ok = c.reason_contains.as_ref().is_none_or(|r| v.reason.contains(r.as_str()));
        if v.decision != c.expect || !rule_ok || !reason_ok {
            let matched: Vec<&str> = v.matched.iter().map(|m| m.rule.as_str()).collect();
            failures.push(format!(
                "[{} {}] {what}: got {} by {} ({}) matched {matched:?}; expected {}{}",
                c.class,
                c.tier,
                v.decision,
                v.rule,
                v.reason,
                c.expect,
                c.rule.as_ref().map(|r| format!(" by {r}")).unwrap_or_default()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        file.case.len(),
        failures.join("\n")
    );
}

/// Every location of the shared credential table is in `@credentials`, so `ward scan` and the
/// hook agree on what a credential is.
#[test]
fn credentials_class_covers_the_shared_table() {
    let policy = Policy::builtin();
    let ctx = EvalContext { home: "/home/u".into(), workspace_root: Some("/w".into()) };
    for loc in ward_model::credentials::HOME_CREDENTIALS {
        let path = if loc.dir { format!("~/{}/entry", loc.rel) } else { format!("~/{}", loc.rel) };
        let mut call = ward_model::ToolCall::new("test", "PreToolUse", "Read", ward_model::Action::Read);
        call.paths.push(ward_model::PathTarget { path: path.clone(), access: ward_model::Access::Read });
        // Some are also start-up files (`~/.gitconfig`: `class:persistence` too).
        let classes = policy.classes_of(&call, &ctx);
        assert!(classes.contains(&"credentials".to_owned()), "{path}: {classes:?}");
    }
}
