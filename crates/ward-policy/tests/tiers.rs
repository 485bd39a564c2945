//! Repository → tier resolution: remote globs, path globs, marker files, unknown repositories,
//! folders outside version control.

use std::fs;
use std::path::{Path, PathBuf};

use ward_policy::{normalize_remote, Policy, RepoInfo};

const POLICY: &str = r#"
default_tier = "standard"

[[repos]]
remote = "github.com/acme/infra-*"
tier = "sensitive"

[[repos]]
remote = ["github.com/acme/docs", "gitlab.acme.dev/sandbox/*"]
tier = "open"

[[repos]]
path = ["~/oss/**", "/srv/mirror/*"]
tier = "open"

[[repos]]
marker = ".ward-tier-sensitive"
tier = "sensitive"

[[repos]]
remote = "github.com/acme/*"
marker = ".prod"
tier = "sensitive"

[tiers.open]
fail = "open"
[tiers.standard]
fail = "open"
[tiers.sensitive]
fail = "closed"
"#;

fn policy() -> Policy {
    Policy::from_toml_str(POLICY, "tiers.toml").unwrap()
}

fn repo(root: &str, remote: Option<&str>) -> RepoInfo {
    RepoInfo { root: PathBuf::from(root), remote: remote.map(normalize_remote) }
}

#[test]
fn remote_path_and_fallback_mapping() {
    let p = policy();
    let home = Path::new("/home/u");
    let table: &[(Option<&str>, Option<RepoInfo>, &str, &str)] = &[
        (Some("/w/infra-core"), Some(repo("/w/infra-core", Some("git@github.com:Acme/Infra-Core.git"))), "sensitive", "remote github.com/acme/infra-core matches \"github.com/acme/infra-*\" ([[repos]] entry 1 at line 4)"),
        (Some("/w/net"), Some(repo("/w/net", Some("https://bot:tok@github.com/acme/infra-net"))), "sensitive", "entry 1"),
        (Some("/w/docs/src"), Some(repo("/w/docs", Some("ssh://git@github.com:22/acme/docs.git"))), "open", "entry 2"),
        (Some("/w/sb"), Some(repo("/w/sb", Some("https://gitlab.acme.dev/sandbox/toy.git"))), "open", "entry 2"),
        (Some("/home/u/oss/ripgrep/crates"), Some(repo("/home/u/oss/ripgrep", Some("https://github.com/BurntSushi/ripgrep"))), "open", "path /home/u/oss/ripgrep matches \"~/oss/**\" or \"/srv/mirror/*\""),
        (Some("/srv/mirror/x"), None, "open", "path /srv/mirror/x matches"),
        (Some("/w/app"), Some(repo("/w/app", Some("https://github.com/other/app"))), "standard", "repository github.com/other/app matches no [[repos]] entry: default_tier"),
        (Some("/w/local"), Some(repo("/w/local", None)), "standard", "/w/local (no remote)"),
        (Some("/tmp/scratch"), None, "sensitive", "/tmp/scratch is not under version control: outside_repo_tier"),
        (None, None, "sensitive", "no working directory is known"),
    ];
    for (cwd, info, tier, why) in table {
        let r = p.tier_for(cwd.map(Path::new), info.as_ref(), home);
        assert_eq!(r.tier, *tier, "{cwd:?}: {}", r.why);
        assert!(r.why.contains(why), "{cwd:?}: {:?} lacks {why:?}", r.why);
    }
}

#[test]
fn markers_are_looked_up_in_the_repository_root() {
    let p = policy();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("svc");
    fs::create_dir_all(root.join("src")).unwrap();
    let info = repo(root.to_str().unwrap(), Some("https://github.com/someone/svc"));
    let cwd = root.join("src");
    assert_eq!(p.tier_for(Some(&cwd), Some(&info), tmp.path()).tier, "standard");
    fs::write(root.join(".ward-tier-sensitive"), "").unwrap();
    let r = p.tier_for(Some(&cwd), Some(&info), tmp.path());
    assert_eq!(r.tier, "sensitive");
    assert!(r.why.contains("marker file .ward-tier-sensitive is present"), "{}", r.why);

    // Remote AND marker must both hold for entry 5.
    let acme_root = tmp.path().join("acme-api");
    fs::create_dir_all(&acme_root).unwrap();
    let acme = repo(acme_root.to_str().unwrap(), Some("git@github.com:acme/api.git"));
    assert_eq!(p.tier_for(Some(&acme_root), Some(&acme), tmp.path()).tier, "standard");
    fs::write(acme_root.join(".prod"), "").unwrap();
    let r = p.tier_for(Some(&acme_root), Some(&acme), tmp.path());
    assert_eq!(r.tier, "sensitive");
    assert!(r.why.contains(" and marker file .prod"), "{}", r.why);

    // Outside version control, the marker is looked up in the working directory.
    let plain = tmp.path().join("plain");
    fs::create_dir_all(&plain).unwrap();
    fs::write(plain.join(".ward-tier-sensitive"), "").unwrap();
    assert!(p.tier_for(Some(&plain), None, tmp.path()).why.contains("marker"));
}

#[test]
fn discovered_repositories_resolve_end_to_end() {
    let p = policy();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("infra-dns");
    fs::create_dir_all(root.join(".git")).unwrap();
    fs::create_dir_all(root.join("modules/zone")).unwrap();
    fs::write(root.join(".git/config"), "[remote \"origin\"]\n\turl = git@github.com:acme/infra-dns.git\n")
        .unwrap();
    let cwd = root.join("modules/zone");
    let info = RepoInfo::discover(&cwd).unwrap();
    assert_eq!(p.tier_for(Some(&cwd), Some(&info), tmp.path()).tier, "sensitive");
}

#[test]
fn decide_discovers_the_repository_of_the_call() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("infra-dns");
    fs::create_dir_all(root.join(".git")).unwrap();
    fs::create_dir_all(root.join("zones")).unwrap();
    fs::write(root.join(".git/config"), "[remote \"origin\"]\n\turl = https://github.com/acme/infra-dns\n")
        .unwrap();
    let policy = Policy::builtin();
    let mut call = ward_model::ToolCall::new("codex", "e", "t", ward_model::Action::Exec);
    call.cwd = Some(root.join("zones").display().to_string());
    // `rm -rf ..` from zones/ stays inside the repository: the workspace is the repo root.
    call.commands.push(ward_model::ShellCommand {
        argv: vec!["rm".into(), "-rf".into(), "../build".into()],
        program: "rm".into(),
        ..Default::default()
    });
    call.paths.push(ward_model::PathTarget { path: "../build".into(), access: ward_model::Access::Delete });
    let d = policy.decide(&call, tmp.path());
    assert_eq!(d.repo.as_ref().and_then(|r| r.remote.as_deref()), Some("github.com/acme/infra-dns"));
    assert_eq!(d.tier.tier, "standard");
    assert_eq!(d.verdict.rule, "default");
    fs::write(root.join(".ward-tier-sensitive"), "").unwrap();
    let d = policy.decide(&call, tmp.path());
    assert_eq!(d.tier.tier, "sensitive");
    let text = d.explain(policy);
    assert!(text.starts_with("decision: allow\nrule:     default: no rule matched"), "{text}");
    assert!(text.contains("tier:     sensitive (Production-adjacent code"), "{text}");
    assert!(text.contains("fails closed"), "{text}");
    assert!(text.contains("why:      marker file .ward-tier-sensitive is present"), "{text}");
    assert!(text.contains("(github.com/acme/infra-dns)"), "{text}");
    call.paths[0].path = "../../elsewhere".into();
    let d = policy.decide(&call, tmp.path());
    assert_eq!(d.verdict.rule, "sensitive.rm-recursive-outside-workspace");
    let text = d.explain(policy);
    assert!(
        text.contains("matched:\n  deny  sensitive.rm-recursive-outside-workspace: Recursive delete"),
        "{text}"
    );
    assert!(text.contains("  deny  sensitive.delete-outside-workspace: "), "{text}");
}

#[test]
fn outside_repo_tier_can_be_named() {
    let text = POLICY
        .replace("default_tier = \"standard\"", "default_tier = \"standard\"\noutside_repo_tier = \"open\"");
    let p = Policy::from_toml_str(&text, "t").unwrap();
    assert_eq!(p.tier_for(Some(Path::new("/tmp/x")), None, Path::new("/h")).tier, "open");
}

#[test]
fn most_cautious_tier_prefers_fail_closed_then_rank() {
    let p = Policy::from_toml_str(
        "default_tier = \"a\"\n[tiers.a]\nfail = \"closed\"\nrank = 1\n[tiers.b]\nfail = \"open\"\nrank = 9\n[tiers.c]\nfail = \"closed\"\nrank = 5\n",
        "t",
    )
    .unwrap();
    assert_eq!(p.outside_repo_tier(), "c");
    assert_eq!(p.tier_names(), vec!["b", "a", "c"]);
    // Without fail modes every tier fails closed, and later tiers rank higher.
    let p = Policy::from_toml_str("default_tier = \"a\"\n[tiers.a]\n[tiers.z]\n[tiers.m]\n", "t").unwrap();
    assert_eq!(p.outside_repo_tier(), "m");
}
