//! Policy files with mistakes: every error is reported, each with its exact line and column.

use ward_policy::{Policy, PolicyError};

fn errors(text: &str) -> Vec<(usize, usize, String)> {
    match Policy::from_toml_str(text, "p.toml") {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(PolicyError { diagnostics, .. }) => {
            diagnostics.into_iter().map(|d| (d.line, d.column, d.message)).collect()
        }
    }
}

/// A minimal valid policy, to which each case appends its mistake.
const BASE: &str = "default_tier = \"std\"\n[tiers.std]\n";

fn one_error(suffix: &str) -> (usize, usize, String) {
    let text = format!("{BASE}{suffix}");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}\n{text}");
    errs.into_iter().next().unwrap()
}

#[test]
fn minimal_policy_is_valid() {
    let p = Policy::from_toml_str(BASE, "p.toml").unwrap();
    assert_eq!(p.tier_names(), vec!["std"]);
    assert_eq!(p.rule_count(), 0);
    assert_eq!(p.outside_repo_tier(), "std");
}

#[test]
fn each_mistake_points_at_its_place() {
    // (suffix appended to BASE at line 3, line, column, message fragment)
    let table: &[(&str, usize, usize, &str)] = &[
        ("defualt = 1\n", 3, 1, "unknown key `defualt` in [tiers.std]"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\ncomand = \"ls\"\n", 7, 1, "unknown key `comand` in a rule (did you mean `command`?)"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"block\"\nreason = \"r\"\n", 5, 12, "unknown decision `block`"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\naction = [\"exec\", \"shell\"]\n", 7, 19, "unknown action `shell`"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\npaths = [\"src/[a\"]\n", 7, 10, "bad glob `src/[a`"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\ncommand_regex = \"rm (-rf\"\n", 7, 17, "bad regex `rm (-rf`"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\ncommand = \"git [\"\n", 7, 11, "bad glob `[`"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\npaths = \"@secrets\"\n", 7, 9, "unknown path class `@secrets`"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\nhosts_not_in = [\"@corp\"]\n", 7, 17, "unknown allowlist `@corp`"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\nhosts = \"git*hub.com\"\n", 7, 9, "bad host pattern"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"\"\n", 6, 10, "`reason` must not be empty"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\n", 3, 1, "rule has no `reason`"),
        ("[[tiers.std.rules]]\nid = \"default\"\ndecision = \"deny\"\nreason = \"r\"\n", 4, 6, "rule id `default` is reserved"),
        ("[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\noutside_workspace = \"yes\"\n", 7, 21, "`outside_workspace` must be true or false"),
        ("fail = \"sometimes\"\n", 3, 8, "unknown fail mode `sometimes`"),
        ("[tiers.std.floor]\nsandbox = \"full\"\n", 4, 11, "unknown sandbox `full`"),
        ("[tiers.std.floor]\nnetwrok = false\n", 4, 1, "unknown key `netwrok` in [tiers.std.floor] (did you mean `network`?)"),
        ("[tiers.std.floor.codex]\napproval = \"sometimes\"\n", 4, 12, "unknown approval `sometimes`"),
        ("[tiers.std.floor.codex]\ndeny = []\n", 4, 1, "unknown key `deny` in [tiers.std.floor.codex]"),
        ("[[repos]]\nremote = \"github.com/acme/*\"\ntier = \"prod\"\n", 5, 8, "`tier` names unknown tier `prod` (tiers: std)"),
        ("[[repos]]\ntier = \"std\"\n", 3, 1, "[[repos]] entry needs `remote`, `path` or `marker`"),
        ("[[repos]]\nremote = \"https://github.com/acme/x\"\ntier = \"std\"\n", 4, 10, "write the normalized form"),
        ("[[repos]]\npath = \"work/*\"\ntier = \"std\"\n", 4, 8, "must be absolute"),
        ("[[repos]]\nmarker = \"../x\"\ntier = \"std\"\n", 4, 10, "marker `../x`"),
        ("[classes.keys]\npaths = [\"~bob/x\"]\n", 4, 10, "only `~/`"),
        ("[allowlists.corp]\nhosts = [\"https://x\"]\n", 4, 10, "bad host pattern"),
        ("[[rules]]\nid = \"g\"\ndecision = \"log\"\nreason = \"r\"\ntiers = [\"nope\"]\n", 7, 10, "unknown tier `nope`"),
    ];
    for (suffix, line, column, fragment) in table {
        let (l, c, m) = one_error(suffix);
        assert!(m.contains(fragment), "message {m:?} lacks {fragment:?} for:\n{suffix}");
        assert_eq!((l, c), (*line, *column), "position of {m:?} for:\n{suffix}");
    }
}

#[test]
fn syntax_errors_have_positions() {
    let errs = errors("default_tier = \"std\"\n[tiers.std]\nrank = \n");
    assert_eq!(errs[0].0, 3, "{errs:?}");
    let errs = errors("default_tier = \"std\"\n[tiers.std]\n[tiers.std]\n");
    assert_eq!(errs[0].0, 3, "{errs:?}");
    let errs = errors("[tiers\n");
    assert_eq!(errs[0].0, 1, "{errs:?}");
}

#[test]
fn top_level_problems() {
    let errs = errors("[tiers.std]\n");
    assert_eq!(
        errs,
        vec![(1, 1, "missing `default_tier`: the tier of repositories no [[repos]] entry maps".to_string())]
    );
    let errs = errors("default_tier = \"x\"\n");
    assert!(errs.iter().any(|e| e.2.contains("defines no tiers")), "{errs:?}");
    let errs = errors("version = 2\ndefault_tier = \"std\"\n[tiers.std]\n");
    assert_eq!((errs[0].0, errs[0].1), (1, 11));
    let errs = errors("default_tier = \"std\"\noutside_repo_tier = \"nope\"\n[tiers.std]\n");
    assert_eq!((errs[0].0, errs[0].1), (2, 21));
    let errs = errors("default_tier = \"std\"\ndefault-tier = \"std\"\n[tiers.std]\n");
    assert_eq!(
        errs[0],
        (2, 1, "unknown key `default-tier` in the policy (did you mean `default_tier`?)".to_string())
    );
    let errs = errors("default_tier = \"std\"\n[tiers.Std]\n");
    assert!(errs.iter().any(|e| e.2.contains("tier name `Std`")), "{errs:?}");
}

#[test]
fn duplicate_rule_ids_across_tiers_and_global_rules() {
    let text = "default_tier = \"a\"\n\
                [tiers.a]\n[[tiers.a.rules]]\nid = \"x\"\ndecision = \"deny\"\nreason = \"r\"\n\
                [tiers.b]\n[[tiers.b.rules]]\nid = \"x\"\ndecision = \"deny\"\nreason = \"r\"\n\
                [[rules]]\nid = \"x\"\ndecision = \"log\"\nreason = \"r\"\n";
    let errs = errors(text);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0], (9, 6, "duplicate rule id `x` (first used at line 4)".to_string()));
    assert_eq!((errs[1].0, errs[1].1), (13, 6));
}

#[test]
fn all_errors_are_reported_in_one_pass() {
    let text = "default_tier = \"nope\"\nbogus = 1\n[tiers.std]\nfail = \"x\"\n\
                [[tiers.std.rules]]\nid = \"a\"\ndecision = \"nah\"\nreason = \"r\"\naction = \"run\"\n";
    let errs = errors(text);
    let lines: Vec<usize> = errs.iter().map(|e| e.0).collect();
    assert_eq!(lines, vec![1, 2, 4, 7, 9], "{errs:?}");
    let rendered = Policy::from_toml_str(text, "p.toml").unwrap_err().to_string();
    assert!(rendered.starts_with("p.toml:1:16: `default_tier` names unknown tier `nope`"), "{rendered}");
    assert_eq!(rendered.lines().count(), 5);
}

#[test]
fn global_rules_apply_to_their_tiers_in_file_order() {
    let text = r#"
default_tier = "a"
[[rules]]
id = "g.log-all"
decision = "log"
reason = "everything is logged"

[tiers.a]
[[tiers.a.rules]]
id = "a.ls"
command = "ls"
decision = "log"
reason = "ls"

[tiers.b]

[[rules]]
id = "g.b-only"
tiers = ["b"]
decision = "ask"
reason = "b asks"
"#;
    let p = Policy::from_toml_str(text, "p.toml").unwrap();
    assert_eq!(p.rule_count(), 3);
    let mut call = ward_model::ToolCall::new("codex", "e", "t", ward_model::Action::Exec);
    call.commands.push(ward_model::ShellCommand {
        argv: vec!["ls".into()],
        program: "ls".into(),
        ..Default::default()
    });
    let ctx = ward_policy::EvalContext { home: "/h".into(), workspace_root: None };
    let v = p.evaluate(&call, "a", &ctx);
    // Both log: the global rule comes first in the file, so it decides.
    assert_eq!(v.rule, "g.log-all");
    assert_eq!(v.matched.len(), 2);
    let v = p.evaluate(&call, "b", &ctx);
    assert_eq!((v.decision, v.rule.as_str()), (ward_model::Decision::Ask, "g.b-only"));
}

#[test]
fn admin_classes_extend_credentials_and_define_new_ones() {
    let text = r#"
default_tier = "t"
[classes.credentials]
paths = ["~/.acme/token"]
[classes.customer-data]
paths = ["**/exports/*.csv"]
[allowlists.corp]
hosts = ["*.acme.internal"]
[tiers.t]
[tiers.t.floor]
deny_read = ["@customer-data"]
network_allow = ["@corp", "github.com"]
[[tiers.t.rules]]
id = "creds"
paths = "@credentials"
decision = "deny"
reason = "no"
[[tiers.t.rules]]
id = "data"
paths = ["@customer-data"]
access = "read"
decision = "ask"
reason = "customer data"
[[tiers.t.rules]]
id = "net"
hosts_not_in = "@corp"
decision = "deny"
reason = "corp only"
"#;
    let p = Policy::from_toml_str(text, "p.toml").unwrap();
    let ctx = ward_policy::EvalContext { home: "/h".into(), workspace_root: Some("/w".into()) };
    let read = |path: &str| {
        let mut c = ward_model::ToolCall::new("codex", "e", "t", ward_model::Action::Read);
        c.paths.push(ward_model::PathTarget { path: path.into(), access: ward_model::Access::Read });
        p.evaluate(&c, "t", &ctx).rule
    };
    assert_eq!(read("/h/.acme/token"), "creds");
    assert_eq!(read("/h/.aws/credentials"), "creds", "built-in patterns are kept");
    assert_eq!(read("/w/a/exports/x.csv"), "data");
    assert_eq!(read("/w/a/exports/x.json"), "default");
    let net = |host: &str| {
        let mut c = ward_model::ToolCall::new("codex", "e", "t", ward_model::Action::Network);
        c.hosts.push(host.into());
        p.evaluate(&c, "t", &ctx).rule
    };
    assert_eq!(net("git.acme.internal"), "default");
    assert_eq!(net("acme.internal"), "net");
    let f = p.floor("t", "codex").unwrap();
    assert_eq!(f.deny_read, vec!["**/exports/*.csv".to_string()]);
    assert_eq!(f.network_allow, vec!["*.acme.internal".to_string(), "github.com".to_string()]);
}

#[test]
fn agent_floor_overrides() {
    let text = r#"
default_tier = "t"
[tiers.t.floor]
sandbox = "workspace-write"
approval = "on-request"
deny_read = ["~/.ssh/**"]
[tiers.t.floor.codex]
approval = "untrusted"
deny_read = ["~/.aws/**"]
"#;
    let p = Policy::from_toml_str(text, "p.toml").unwrap();
    let codex = p.floor("t", "codex").unwrap();
    assert_eq!(codex.approval, Some(ward_policy::ApprovalPolicy::Untrusted));
    assert_eq!(codex.sandbox, Some(ward_policy::SandboxMode::WorkspaceWrite));
    assert_eq!(codex.deny_read, vec!["~/.ssh/**".to_string(), "~/.aws/**".to_string()]);
    let cursor = p.floor("t", "cursor").unwrap();
    assert_eq!(cursor.approval, Some(ward_policy::ApprovalPolicy::OnRequest));
    assert_eq!(p.floor_agents("t"), vec!["codex"]);
}

#[test]
fn load_reads_files_and_reports_io_and_content_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    match Policy::load(&missing) {
        Err(ward_policy::LoadError::Io { path, .. }) => assert!(path.ends_with("missing.toml")),
        other => panic!("{other:?}"),
    }
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "default_tier = 1\n[tiers.a]\n").unwrap();
    let err = Policy::load(&bad).unwrap_err().to_string();
    assert!(err.starts_with(&format!("{}:1:16: `default_tier` must be a string", bad.display())), "{err}");
    let good = dir.path().join("good.toml");
    std::fs::write(&good, ward_policy::BUILTIN_POLICY).unwrap();
    let p = Policy::load(&good).unwrap();
    assert_eq!(p.origin(), good.display().to_string());
    assert_eq!(p.rule_count(), Policy::builtin().rule_count());
}

/// A policy with a huge regex set is refused at load (and by `ward policy check`) with a clear
/// error, so it cannot make every hook call slow.
#[test]
fn huge_regex_sets_are_refused() {
    let head = "version = 1\ndefault_tier = \"std\"\n[tiers.std]\n";
    let mut many = head.to_owned();
    for i in 0..70 {
        many.push_str(&format!(
            "[[tiers.std.rules]]\nid = \"r{i}\"\ndecision = \"deny\"\nreason = \"r\"\ncommand_regex = \"^tool{i} .*x\"\n"
        ));
    }
    let err = Policy::from_toml_str(&many, "many.toml").unwrap_err().to_string();
    assert!(err.contains("more than 64 `command_regex` entries"), "{err}");

    let long = format!(
        "{head}[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\ncommand_regex = \"{}\"\n",
        "(a|b)".repeat(300)
    );
    let err = Policy::from_toml_str(&long, "long.toml").unwrap_err().to_string();
    assert!(err.contains("the limit is 1024"), "{err}");

    let big = format!(
        "{head}[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\ncommand_regex = \"\\\\w{{200}}\\\\w{{200}}\\\\w{{200}}\"\n"
    );
    let err = Policy::from_toml_str(&big, "big.toml").unwrap_err().to_string();
    assert!(err.contains("bad regex"), "{err}");

    let ok = format!("{head}[[tiers.std.rules]]\nid = \"a\"\ndecision = \"deny\"\nreason = \"r\"\ncommand_regex = \"^rm .*-rf\"\n");
    assert!(Policy::from_toml_str(&ok, "ok.toml").is_ok());
}
