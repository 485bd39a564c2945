//! Each rule condition on its own and combined: table-driven over one policy.

use ward_model::{Access, Action, Decision, McpTarget, PathTarget, ShellCommand, ToolCall};
use ward_policy::{CacheStatus, EvalContext, Policy};

const POLICY: &str = r#"
default_tier = "t"
[tiers.t]
default_decision = "allow"

[[tiers.t.rules]]
id = "agent"
agent = ["cursor", "gemini-*"]
action = "network"
decision = "log"
reason = "r"

[[tiers.t.rules]]
id = "inline"
inline_code = true
command = ["python*", "node"]
decision = "ask"
reason = "r"

[[tiers.t.rules]]
id = "regex"
command_regex = '^docker run .*--privileged'
decision = "deny"
reason = "r"

[[tiers.t.rules]]
id = "args-none"
command = "npm install"
args_none = ["--ignore-scripts"]
decision = "log"
reason = "r"

[[tiers.t.rules]]
id = "abs-program"
command = "/tmp/*"
decision = "deny"
reason = "r"

[[tiers.t.rules]]
id = "write-inside"
access = ["write", "delete"]
outside_workspace = false
paths = ["*.lock", "!Cargo.lock"]
decision = "log"
reason = "r"

[[tiers.t.rules]]
id = "mcp-tool"
mcp_server = "github"
mcp_tool = ["delete_*", "merge_*"]
decision = "ask"
reason = "r"

[[tiers.t.rules]]
id = "hosts"
hosts = ["**.evil.test", "10.0.0.1"]
decision = "deny"
reason = "r"
"#;

fn cmd(argv: &[&str]) -> ShellCommand {
    ShellCommand {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        program: argv[0].rsplit('/').next().unwrap().to_owned(),
        ..Default::default()
    }
}

fn exec(argv: &[&str]) -> ToolCall {
    let mut c = ToolCall::new("codex", "e", "t", Action::Exec);
    c.commands.push(cmd(argv));
    c
}

#[test]
fn conditions() {
    let p = Policy::from_toml_str(POLICY, "c.toml").unwrap_or_else(|e| panic!("{e}"));
    check_conditions(&p);
}

/// The same table through the compiled-policy cache: written, then decoded (the regex rule is
/// rebuilt from its pattern on first use).
#[test]
fn conditions_through_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, POLICY).unwrap();
    let cache = dir.path().join("cache");
    let (_, first) = Policy::load_cached_with_status(Some(&file), &cache).unwrap();
    assert_eq!(first, CacheStatus::Written);
    let (p, second) = Policy::load_cached_with_status(Some(&file), &cache).unwrap();
    assert_eq!(second, CacheStatus::Hit);
    check_conditions(&p);
}

fn check_conditions(p: &Policy) {
    let ctx = EvalContext { home: "/h".into(), workspace_root: Some("/w".into()) };

    let net = |agent: &str| {
        let mut c = ToolCall::new(agent, "e", "t", Action::Network);
        c.hosts.push("example.com".into());
        c
    };
    let mut inline = exec(&["python3", "-c", "print(1)"]);
    inline.commands[0].inline_code = true;
    let mut inline_other = exec(&["ruby", "-e", "1"]);
    inline_other.commands[0].inline_code = true;
    let write = |path: &str| {
        let mut c = ToolCall::new("codex", "e", "t", Action::Write);
        c.paths.push(PathTarget { path: path.into(), access: Access::Write });
        c
    };
    let mcp = |server: &str, tool: &str| {
        let mut c = ToolCall::new("codex", "e", "t", Action::Mcp);
        c.mcp = Some(McpTarget { server: server.into(), tool: tool.into() });
        c
    };
    let hosts = |h: &str| {
        let mut c = ToolCall::new("codex", "e", "t", Action::Network);
        c.urls.push(format!("http://{h}/"));
        c
    };

    let table: Vec<(&str, ToolCall, Decision, &str)> = vec![
        ("agent glob", net("gemini-cli"), Decision::Log, "agent"),
        ("agent exact", net("cursor"), Decision::Log, "agent"),
        ("other agent", net("codex"), Decision::Allow, "default"),
        ("inline python", inline, Decision::Ask, "inline"),
        ("inline, other program", inline_other, Decision::Allow, "default"),
        ("python script", exec(&["python3", "x.py"]), Decision::Allow, "default"),
        ("regex", exec(&["docker", "run", "-it", "--privileged", "img"]), Decision::Deny, "regex"),
        ("regex no match", exec(&["docker", "run", "img"]), Decision::Allow, "default"),
        ("args_none holds", exec(&["npm", "install", "left-pad"]), Decision::Log, "args-none"),
        ("args_none violated", exec(&["npm", "install", "--ignore-scripts"]), Decision::Allow, "default"),
        ("absolute program", exec(&["/tmp/x/payload", "a"]), Decision::Deny, "abs-program"),
        ("program named tmp", exec(&["payload"]), Decision::Allow, "default"),
        ("lock file inside", write("/w/package.lock"), Decision::Log, "write-inside"),
        ("excluded lock", write("/w/Cargo.lock"), Decision::Allow, "default"),
        ("lock outside", write("/elsewhere/yarn.lock"), Decision::Allow, "default"),
        ("mcp delete", mcp("github", "delete_repo"), Decision::Ask, "mcp-tool"),
        ("mcp other server", mcp("gitlab", "delete_repo"), Decision::Allow, "default"),
        ("mcp read", mcp("github", "get_issue"), Decision::Allow, "default"),
        ("apex via **", hosts("evil.test"), Decision::Deny, "hosts"),
        ("sub via **", hosts("a.b.evil.test:8080"), Decision::Deny, "hosts"),
        ("ip", hosts("10.0.0.1"), Decision::Deny, "hosts"),
        ("lookalike", hosts("notevil.test"), Decision::Allow, "default"),
    ];
    for (name, call, decision, rule) in table {
        let v = p.evaluate(&call, "t", &ctx);
        assert_eq!((v.decision, v.rule.as_str()), (decision, rule), "{name}: {v:?}");
    }
}

#[test]
fn classes_of_labels_credential_and_admin_classes() {
    let policy = Policy::from_toml_str(
        r#"
default_tier = "t"
[classes.deploy]
paths = ["deploy/**"]
[tiers.t]
default_decision = "allow"
"#,
        "classes.toml",
    )
    .unwrap();
    let ctx = EvalContext { home: "/home/u".into(), workspace_root: Some("/w".into()) };
    let mut call = ToolCall::new("codex", "PreToolUse", "Bash", Action::Exec);
    call.cwd = Some("/w".into());
    call.paths = vec![PathTarget { path: "~/.aws/credentials".into(), access: Access::Read }];
    assert_eq!(policy.classes_of(&call, &ctx), vec!["credentials".to_owned()]);
    call.paths.push(PathTarget { path: "deploy/prod.sh".into(), access: Access::Execute });
    assert_eq!(policy.classes_of(&call, &ctx), vec!["credentials".to_owned(), "deploy".to_owned()]);
    call.paths = vec![PathTarget { path: "src/main.rs".into(), access: Access::Read }];
    assert!(policy.classes_of(&call, &ctx).is_empty());
}
