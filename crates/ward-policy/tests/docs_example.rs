//! The examples in docs/policy.md compile and behave as the text says.

use std::path::Path;

use ward_model::{Action, Decision, McpTarget, ToolCall};
use ward_policy::cases::parse_cases;
use ward_policy::{EvalContext, Policy};

fn toml_blocks() -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/policy.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_complete_example_compiles_and_decides() {
    let blocks = toml_blocks();
    assert_eq!(blocks.len(), 2, "a policy example and a cases example");
    let p = Policy::from_toml_str(&blocks[0], "docs/policy.md").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.tier_names(), vec!["open", "standard", "sensitive"]);
    assert_eq!(p.outside_repo_tier(), "sensitive");
    let ctx = EvalContext { home: "/home/u".into(), workspace_root: Some("/w".into()) };
    let mut call = ToolCall::new("codex", "e", "t", Action::Mcp);
    call.mcp = Some(McpTarget { server: "db".into(), tool: "drop_table".into() });
    let v = p.evaluate(&call, "standard", &ctx);
    assert_eq!((v.decision, v.rule.as_str()), (Decision::Ask, "all.mcp-delete"));
    assert_eq!(p.evaluate(&call, "open", &ctx).rule, "default");
    assert_eq!(p.floor("open", "codex").unwrap().approval, Some(ward_policy::ApprovalPolicy::Untrusted));
    let docs = ward_policy::RepoInfo { root: "/w/docs".into(), remote: Some("github.com/acme/docs".into()) };
    assert_eq!(p.tier_for(Some(Path::new("/w/docs")), Some(&docs), Path::new("/home/u")).tier, "open");
}

#[test]
fn the_cases_example_parses() {
    let blocks = toml_blocks();
    let cases = parse_cases(&blocks[1], "docs/policy.md").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases.len(), 2);
}
