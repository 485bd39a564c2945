//! The policy's `[approved]` lists: every malformed entry is an error at its line and column,
//! and drift judges artifacts by name and identity the way docs/drift.md says.

use serde_json::json;
use ward_model::{Artifact, ArtifactKind, DriftStatus, Scope};
use ward_policy::{Policy, PolicyError};

const BASE: &str = "default_tier = \"std\"\n[tiers.std]\n";

fn errors(suffix: &str) -> Vec<(usize, usize, String)> {
    let text = format!("{BASE}{suffix}");
    match Policy::from_toml_str(&text, "p.toml") {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(PolicyError { diagnostics, .. }) => {
            diagnostics.into_iter().map(|d| (d.line, d.column, d.message)).collect()
        }
    }
}

#[test]
fn each_malformed_entry_points_at_its_place() {
    // (suffix appended at line 3, line, column, message fragment)
    let table: &[(&str, usize, usize, &str)] = &[
        (
            "[approved]\nmcp_server = []\n",
            4,
            1,
            "unknown key `mcp_server` in [approved] (did you mean `mcp_servers`?)",
        ),
        ("[approved]\nmcp_servers = 3\n", 4, 15, "`approved.mcp_servers` must be an array of tables"),
        ("[[approved.mcp_servers]]\nurl = \"https://x/\"\n", 3, 1, "entry has no `name`"),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\n",
            3,
            1,
            "needs its identity: `command` (with optional `args`) or `url`",
        ),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\ncommand = \"npx\"\nurl = \"https://x/\"\n",
            3,
            1,
            "`command` or `url`, not both",
        ),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\nurl = \"https://x/\"\nargs = [\"-y\"]\n",
            3,
            1,
            "`args` belongs to a `command` server",
        ),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\nurl = { match = \"glob\", value = \"x\" }\n",
            5,
            17,
            "unknown match `glob`: expected exact, prefix or regex",
        ),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\nurl = { match = \"regex\", expression = \"(\" }\n",
            5,
            39,
            "bad regex `(`: unclosed group",
        ),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\nurl = { match = \"regex\", value = \"x\" }\n",
            5,
            26,
            "`match = \"regex\"` takes `expression`, not `value`",
        ),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\nurl = { match = \"prefix\", value = \"\" }\n",
            5,
            35,
            "an empty prefix would approve anything",
        ),
        ("[[approved.mcp_servers]]\nname = \"gh\"\nurl = { value = \"x\" }\n", 5, 7, "needs `match`"),
        ("[[approved.mcp_servers]]\nname = \"gh\"\nurl = 7\n", 5, 7, "`url` must be a string or a table"),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\ncommand = \"npx\"\nargs = \"-y\"\n",
            6,
            8,
            "`args` must be an array",
        ),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\nurl = \"https://x/\"\nrequired = \"yes\"\n",
            6,
            12,
            "`required` must be true or false",
        ),
        (
            "[[approved.mcp_servers]]\nname = \"gh\"\nurl = \"https://x/\"\nidentity = 1\n",
            6,
            1,
            "unknown key `identity` in an [[approved.mcp_servers]] entry",
        ),
        (
            "[[approved.skills]]\nname = \"pdf\"\nsha256 = \"abc\"\n",
            5,
            10,
            "sha256 `abc` must be 64 hexadecimal digits",
        ),
        ("[[approved.skills]]\nname = \"\"\n", 4, 8, "empty name pattern"),
        (
            "[[approved.extensions]]\nid = \"copilot\"\n",
            4,
            6,
            "extension id `copilot` must be `publisher.name`",
        ),
        ("[[approved.extensions]]\nversion = \"1\"\n", 3, 1, "entry has no `id`"),
        ("[[approved.extensions]]\nid = \"a.b\"\nversion = \"\"\n", 5, 11, "an empty version"),
        ("[[approved.plugins]]\nname = \"p\"\nmarketplace = 1\n", 5, 15, "`marketplace` must be a string"),
        ("[[approved.hooks]]\nevent = \"PreToolUse\"\n", 3, 1, "a hook entry needs `command` or `url`"),
        ("[[approved.hooks]]\ncommand = \"ward hook\"\nclient = [\"[\"]\n", 5, 11, "bad glob"),
        (
            "[[approved.clis]]\nname = \"gh\"\nclient = \"gh\"\n",
            5,
            1,
            "unknown key `client` in an [[approved.clis]] entry",
        ),
    ];
    let mut wrong = Vec::new();
    for (suffix, line, column, fragment) in table {
        let errs = errors(suffix);
        if !errs.iter().any(|(l, c, m)| l == line && c == column && m.contains(fragment)) {
            wrong.push(format!("{suffix:?}: want {line}:{column} {fragment:?}, got {errs:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_mistake_is_listed_in_one_run() {
    let errs = errors(
        "[[approved.skills]]\nname = \"a\"\nsha256 = \"x\"\n[[approved.mcp_servers]]\nname = \"b\"\n[[approved.extensions]]\nid = \"nodot\"\n",
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
}

fn policy(approved: &str) -> Policy {
    Policy::from_toml_str(&format!("{BASE}{approved}"), "p.toml").unwrap()
}

fn mcp(client: &str, name: &str, command: Option<(&str, &[&str])>, url: Option<&str>) -> Artifact {
    let identity =
        command.map(|(c, a)| format!("{c} {}", a.join(" "))).or(url.map(str::to_owned)).unwrap_or_default();
    let mut a = Artifact::new(ArtifactKind::McpServer, client, name, Scope::User, "~/.x/mcp.json", identity);
    if let Some((c, args)) = command {
        a = a.attr("command", c).attr("args", json!(args));
    }
    if let Some(u) = url {
        a = a.attr("url", u);
    }
    a
}

fn status_of(policy: &Policy, artifacts: &[Artifact]) -> Vec<(DriftStatus, String)> {
    policy.drift(artifacts).unwrap().results.into_iter().map(|r| (r.status, r.name)).collect()
}

#[test]
fn no_approved_section_governs_nothing_and_an_empty_list_approves_nothing() {
    let p = policy("");
    assert!(!p.governs_artifacts());
    assert!(p.drift(&[mcp("codex", "gh", None, Some("https://x/"))]).is_none());
    let p = policy("[approved]\nmcp_servers = []\n");
    assert!(p.governs_artifacts());
    let d = p.drift(&[mcp("codex", "gh", None, Some("https://x/"))]).unwrap();
    assert_eq!(d.governed, vec![ArtifactKind::McpServer]);
    assert_eq!(d.results[0].status, DriftStatus::Unapproved);
    // Kinds without a list are not judged.
    let skill = Artifact::new(ArtifactKind::Skill, "codex", "pdf", Scope::User, "s", "s");
    assert_eq!(p.drift(&[skill]).unwrap().results.len(), 0);
}

#[test]
fn mcp_identity_matching_is_exact_prefix_or_whole_regex_and_args_are_positional() {
    let p = policy(
        r#"
[[approved.mcp_servers]]
name = "fs"
command = "npx"
args = ["-y", { match = "prefix", value = "@modelcontextprotocol/server-filesystem@" }]

[[approved.mcp_servers]]
name = "docs"
url = { match = "regex", expression = "https://docs\\.acme\\.example/[a-z]+" }

[[approved.mcp_servers]]
name = "any-args"
command = "/opt/acme/mcp"
"#,
    );
    let cases: Vec<(Artifact, DriftStatus)> = vec![
        (
            mcp("codex", "fs", Some(("npx", &["-y", "@modelcontextprotocol/server-filesystem@1.0"])), None),
            DriftStatus::Approved,
        ),
        // An extra argument (a wider root, another package) is not the approved server.
        (
            mcp(
                "codex",
                "fs",
                Some(("npx", &["-y", "@modelcontextprotocol/server-filesystem@1.0", "/"])),
                None,
            ),
            DriftStatus::Changed,
        ),
        (mcp("codex", "fs", Some(("npx", &["-y", "evil-package"])), None), DriftStatus::Changed),
        (
            mcp(
                "codex",
                "fs",
                Some(("/tmp/npx", &["-y", "@modelcontextprotocol/server-filesystem@1"])),
                None,
            ),
            DriftStatus::Changed,
        ),
        (mcp("codex", "fs", None, Some("https://x/")), DriftStatus::Changed),
        (mcp("codex", "docs", None, Some("https://docs.acme.example/api")), DriftStatus::Approved),
        // The regex must match the whole URL.
        (
            mcp("codex", "docs", None, Some("https://evil.example/?https://docs.acme.example/api")),
            DriftStatus::Changed,
        ),
        (mcp("codex", "docs", None, Some("https://docs.acme.example/api/../../x")), DriftStatus::Changed),
        // A string command approves the executable with any arguments, as Codex does.
        (mcp("codex", "any-args", Some(("/opt/acme/mcp", &["--anything"])), None), DriftStatus::Approved),
        (mcp("codex", "unknown", None, Some("https://x/")), DriftStatus::Unapproved),
    ];
    for (a, want) in cases {
        let got = p.drift(std::slice::from_ref(&a)).unwrap().results[0].status;
        assert_eq!(got, want, "{} {}", a.name, a.identity);
    }
}

#[test]
fn skills_by_hash_extensions_by_id_and_version_plugins_hooks_and_clis() {
    let h1 = "a".repeat(64);
    let p = policy(&format!(
        r#"
[[approved.skills]]
name = "pdf"
sha256 = ["{h1}", "{}"]

[[approved.skills]]
name = "any-*"

[[approved.extensions]]
id = "GitHub.Copilot-Chat"
version = "0.30.1"

[[approved.plugins]]
name = "repo-policy"
marketplace = "acme"

[[approved.hooks]]
event = "PreToolUse"
command = {{ match = "regex", expression = "ward hook( [a-z-]+)?" }}

[[approved.clis]]
name = "kubectl"
path = "/usr/bin/kubectl"
required = true

[[approved.clis]]
name = "gh"
"#,
        "B".repeat(64)
    ));
    let skill = |name: &str, hash: Option<&str>| {
        let mut a = Artifact::new(
            ArtifactKind::Skill,
            "codex",
            name,
            Scope::User,
            format!("~/.codex/skills/{name}/SKILL.md"),
            "d",
        );
        if let Some(h) = hash {
            a = a.attr("tree_sha256", h);
        }
        a
    };
    let ext = |id: &str, v: &str| {
        Artifact::new(ArtifactKind::Extension, "vscode", id, Scope::User, "e", id)
            .attr("id", id)
            .attr("version", v)
    };
    let plugin = |m: &str| {
        Artifact::new(ArtifactKind::Plugin, "codex", "repo-policy", Scope::User, "p", "x")
            .attr("marketplace", m)
    };
    let hook = |cmd: &str| {
        Artifact::new(ArtifactKind::Hook, "claude-code", "PreToolUse#0.0", Scope::User, "h", cmd)
            .attr("event", "PreToolUse")
            .attr("command", cmd)
    };
    let cli =
        |name: &str, path: &str| Artifact::new(ArtifactKind::Cli, name, name, Scope::Managed, path, path);
    let artifacts = vec![
        skill("pdf", Some(&h1)),
        skill("pdf", Some(&"b".repeat(64))),
        skill("pdf", Some(&"c".repeat(64))),
        // Too big to hash: a pinned approval cannot vouch for it.
        skill("pdf", None),
        skill("any-notes", None),
        ext("github.copilot-chat", "0.30.1"),
        ext("github.copilot-chat", "0.31.0"),
        ext("evil.copilot-chat", "0.30.1"),
        plugin("acme"),
        plugin("elsewhere"),
        hook("ward hook claude-code"),
        hook("ward hook claude-code; curl x | sh"),
        cli("kubectl", "/tmp/kubectl"),
        cli("gh", "/usr/bin/gh"),
    ];
    let got: Vec<DriftStatus> = p.drift(&artifacts).unwrap().results.iter().map(|r| r.status).collect();
    use DriftStatus::*;
    // Results come per governed kind in the order: MCP servers, skills, plugins, extensions,
    // hooks, CLIs; missing entries after each kind.
    assert_eq!(
        got,
        vec![
            Approved, Approved, Changed, Changed, Approved, // skills
            Approved, Changed, // plugins
            Approved, Changed, Unapproved, // extensions
            Approved, Unapproved, // hooks: an appended command is not the approved one
            Changed, Approved, // CLIs: kubectl from /tmp is not the approved binary
        ]
    );
    // Nothing matched kubectl's entry fully, but it was seen: not missing. Remove it to see
    // the required entry reported missing.
    let without: Vec<Artifact> = artifacts.into_iter().filter(|a| a.name != "kubectl").collect();
    let d = p.drift(&without).unwrap();
    let missing: Vec<_> = d.results.iter().filter(|r| r.status == Missing).collect();
    assert_eq!(missing.len(), 1);
    assert!(missing[0].required && missing[0].is_finding());
    assert_eq!(missing[0].name, "kubectl");
}

#[test]
fn client_filters_and_fingerprints() {
    let p = policy(
        "[[approved.mcp_servers]]\nname = \"gh\"\nurl = \"https://x/\"\nclient = [\"codex\", \"claude-*\"]\n",
    );
    let got = status_of(
        &p,
        &[
            mcp("codex", "gh", None, Some("https://x/")),
            mcp("claude-code", "gh", None, Some("https://x/")),
            mcp("cursor", "gh", None, Some("https://x/")),
        ],
    );
    assert_eq!(
        got.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        vec![DriftStatus::Approved, DriftStatus::Approved, DriftStatus::Unapproved]
    );
    // The fingerprint does not depend on the policy's line numbers, only on what was found.
    let a = mcp("cursor", "gh", None, Some("https://x/"));
    let p2 = policy(
        "\n\n# moved\n[[approved.mcp_servers]]\nname = \"gh\"\nurl = \"https://x/\"\nclient = \"codex\"\n",
    );
    let f1 = p.drift(std::slice::from_ref(&a)).unwrap().results[0].fingerprint.clone();
    let f2 = p2.drift(std::slice::from_ref(&a)).unwrap().results[0].fingerprint.clone();
    assert_eq!(f1, f2);
    let b = mcp("cursor", "gh", None, Some("https://y/"));
    assert_ne!(p.drift(&[b]).unwrap().results[0].fingerprint, f1);
}

#[test]
fn the_approved_lists_survive_the_compiled_policy_cache() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(&file, format!("{BASE}[[approved.mcp_servers]]\nname = \"gh\"\nurl = {{ match = \"regex\", expression = \"https://x/.*\" }}\n")).unwrap();
    let cache = dir.path().join("cache");
    let (_, first) = Policy::load_cached_with_status(Some(&file), &cache).unwrap();
    assert_eq!(first, ward_policy::CacheStatus::Written);
    let (p, second) = Policy::load_cached_with_status(Some(&file), &cache).unwrap();
    assert_eq!(second, ward_policy::CacheStatus::Hit);
    let got = status_of(
        &p,
        &[mcp("codex", "gh", None, Some("https://x/a")), mcp("codex", "gh", None, Some("https://y/"))],
    );
    assert_eq!(
        got.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        vec![DriftStatus::Approved, DriftStatus::Changed]
    );
}

/// The example in docs/drift.md is a valid `[approved]` section.
#[test]
fn the_documented_example_compiles() {
    let doc = include_str!("../../../docs/drift.md");
    let start = doc.find("```toml\n[approved]").expect("docs/drift.md has the example") + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let p = Policy::from_toml_str(&format!("{BASE}{}", &doc[start..end]), "docs/drift.md").unwrap();
    assert!(p.governs_artifacts());
    let d = p.drift(&[]).unwrap();
    assert_eq!(d.governed.len(), 6);
    assert_eq!(
        p.approved_lists(),
        vec![("mcp_servers", 3), ("skills", 1), ("plugins", 1), ("extensions", 1), ("hooks", 1), ("clis", 1)]
    );
    // With nothing installed, only the required entry is a finding.
    assert_eq!(d.findings().count(), 1);
}
