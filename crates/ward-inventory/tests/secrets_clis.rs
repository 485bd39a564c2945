//! Secret-file and CLI inventory over the `secrets` fixture (copied to a temp dir, with modes set
//! here because git keeps only the exec bit), plus the whole-inventory passes.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use ward_inventory::mcp::{server_artifact, McpSource};
use ward_inventory::scan::{scan, ScanOptions};
use ward_inventory::{secrets, ScanContext};
use ward_model::{Artifact, ArtifactKind, ScanReport, Scope, Severity};

const MARKER: &str = "PLANTED";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Copy a fixture, renaming `dot-git` → `.git` and `dot-gitignore` → `.gitignore` (see
/// tests/fixtures/README.md). Files get mode 0600; callers set the modes they test.
fn copy_fixture(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let target_name = match name.as_str() {
            "dot-git" => ".git".to_owned(),
            "dot-gitignore" => ".gitignore".to_owned(),
            _ => name.clone(),
        };
        let to = dst.join(&target_name);
        let ty = entry.file_type().unwrap();
        if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else if ty.is_dir() {
            copy_fixture(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
            set_mode(&to, 0o600);
        }
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

struct Machine {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Machine {
    fn secrets() -> Machine {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("m");
        copy_fixture(&fixture("secrets"), &root);
        for e in std::fs::read_dir(root.join("bin")).unwrap() {
            set_mode(&e.unwrap().path(), 0o755);
        }
        let h = root.join("home");
        set_mode(&h.join(".aws/credentials"), 0o644);
        set_mode(&h.join(".ssh/deploy.pem"), 0o640);
        set_mode(&h.join(".kube/config"), 0o600);
        set_mode(&root.join("projects/webapp/.env"), 0o644);
        Machine { _tmp: tmp, root }
    }

    fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    fn options(&self) -> ScanOptions {
        let mut o = ScanOptions::new(self.home());
        o.system_root = self.root.join("system");
        o.project_dirs = vec![self.root.join("projects")];
        o.path_dirs = vec![self.root.join("bin")];
        o
    }
}

fn find<'a>(r: &'a ScanReport, kind: ArtifactKind, identity_suffix: &str) -> Option<&'a Artifact> {
    r.artifacts.iter().find(|a| a.kind == kind && a.identity.ends_with(identity_suffix))
}

fn get<'a>(r: &'a ScanReport, kind: ArtifactKind, identity_suffix: &str) -> &'a Artifact {
    find(r, kind, identity_suffix).unwrap_or_else(|| {
        let ids: Vec<_> = r.artifacts.iter().map(|a| (&a.kind, &a.identity)).collect();
        panic!("no {kind} ending in {identity_suffix}; have {ids:#?}")
    })
}

fn flags(a: &Artifact) -> Vec<(&str, Severity)> {
    a.risk.iter().map(|r| (r.flag.as_str(), r.severity)).collect()
}

#[test]
fn user_scope_credentials_are_found_as_metadata() {
    let m = Machine::secrets();
    let ssh = m.home().join(".ssh");
    // A symlinked key is a key; a dangling link and a FIFO are skipped without blocking.
    std::os::unix::fs::symlink(ssh.join("deploy.pem"), ssh.join("linked_key")).unwrap();
    std::os::unix::fs::symlink(ssh.join("missing"), ssh.join("work_key")).unwrap();
    let fifo = std::ffi::CString::new(ssh.join("fifo_key").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let r = scan(&m.options(), &|_| {});
    assert_eq!(get(&r, ArtifactKind::Secret, "~/.ssh/linked_key").attributes["key_type"], "rsa");
    let secret = |s: &str| get(&r, ArtifactKind::Secret, s);

    let aws = secret("~/.aws/credentials");
    assert_eq!(aws.client, "aws");
    assert_eq!(aws.scope, Scope::User);
    assert_eq!(aws.attributes["mode"], "0644");
    assert_eq!(aws.attributes["secret_kind"], "aws-credentials");
    assert_eq!(aws.attributes["profiles_with_keys"], 2);
    assert_eq!(aws.attributes["long_lived_keys"], 1);
    assert!(aws.attributes["size"].as_u64().unwrap() > 0);
    let f = flags(aws);
    assert!(f.contains(&("long-lived-cloud-key", Severity::High)), "{f:?}");
    assert!(f.contains(&("loose-permissions", Severity::High)), "{f:?}");
    assert!(find(&r, ArtifactKind::Secret, "~/.aws/config").is_none(), "an SSO-only config holds no key");

    let ssh = secret("~/.ssh/id_ed25519");
    assert_eq!(ssh.attributes["key_type"], "openssh");
    assert_eq!(ssh.attributes["mode"], "0600");
    assert!(ssh.risk.is_empty());
    let pem = secret("~/.ssh/deploy.pem");
    assert_eq!(pem.attributes["key_type"], "rsa");
    assert!(flags(pem).contains(&("loose-permissions", Severity::Medium)));
    for not_secret in ["id_ed25519.pub", "known_hosts", ".ssh/config", "notes.txt", "work_key", "fifo_key"] {
        assert!(find(&r, ArtifactKind::Secret, not_secret).is_none(), "{not_secret}");
    }

    assert_eq!(secret("~/.kube/config").attributes["embedded_credentials"], 2);
    assert_eq!(secret("~/.docker/config.json").attributes["registries_with_inline_auth"], 1);
    assert_eq!(secret("~/.config/gh/hosts.yml").attributes["tokens"], 2);
    assert_eq!(secret("~/.git-credentials").attributes["entries"], 1);
    assert_eq!(secret("~/.gitconfig").attributes["urls_with_credentials"], 1);
    assert_eq!(secret("~/.netrc").attributes["passwords"], 1);
    assert_eq!(secret("~/.npmrc").attributes["secret_keys"], json!(["_authToken"]));
    assert_eq!(secret("~/.yarnrc.yml").attributes["secret_keys"], json!(["npmAuthToken"]));
    assert_eq!(secret("~/.pypirc").attributes["passwords"], 1);
    assert_eq!(secret("~/.cargo/credentials.toml").attributes["tokens"], 1);
    assert_eq!(secret("~/.gnupg/private-keys-v1.d").attributes["entries"], 1);
    assert_eq!(
        secret("~/.config/gcloud/application_default_credentials.json").attributes["credential_type"],
        "authorized_user"
    );
    for (path, client) in [
        ("~/.claude/.credentials.json", "claude-code"),
        ("~/.gemini/oauth_creds.json", "gemini-cli"),
        ("~/.codex/auth.json", "codex"),
        ("~/.copilot/config.json", "copilot-cli"),
        ("~/.local/share/opencode/auth.json", "opencode"),
        ("~/.vault-token", "vault"),
        ("~/.terraform.d/credentials.tfrc.json", "terraform"),
        ("~/.azure/msal_token_cache.json", "az"),
        ("~/.bash_history", "shell"),
    ] {
        assert_eq!(secret(path).client, client, "{path}");
    }
    // Nothing in this fixture denies reads, so every agent the scan found (client modules may
    // detect some from their token files) is a reader of every credential.
    let mut agents: Vec<&str> =
        r.artifacts.iter().filter(|a| a.kind == ArtifactKind::Agent).map(|a| a.client.as_str()).collect();
    agents.sort();
    agents.dedup();
    // OpenCode denies reading `*.env` and `*.env.*` by default (its permission defaults), so it is the
    // one agent missing from the readers of project `.env` files.
    for s in r.artifacts.iter().filter(|a| a.kind == ArtifactKind::Secret) {
        let file = s.identity.rsplit('/').next().unwrap_or("");
        let expected: Vec<&str> = if file == ".env" || file.starts_with(".env.") {
            agents.iter().copied().filter(|a| *a != "opencode").collect()
        } else {
            agents.clone()
        };
        assert_eq!(s.attributes["readable_by"], json!(expected), "{}", s.identity);
    }
}

#[test]
fn project_root_credentials_and_gitignore() {
    let m = Machine::secrets();
    // FIFOs where a credential file or git metadata is expected: never opened for a blocking read.
    let api = m.root.join("projects/group/api");
    std::fs::remove_file(api.join(".gitignore")).unwrap();
    for fifo in [m.root.join("projects/webapp/.env.production"), api.join(".gitignore")] {
        let fifo = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    }
    let r = scan(&m.options(), &|_| {});
    assert!(find(&r, ArtifactKind::Secret, ".env.production").is_none(), "a FIFO is never opened");
    let secret = |s: &str| get(&r, ArtifactKind::Secret, s);

    let env = secret("projects/webapp/.env");
    assert_eq!(env.scope, Scope::Project);
    assert_eq!(env.client, "project");
    assert_eq!(env.attributes["secret_keys"], json!(["DATABASE_URL", "STRIPE_SECRET_KEY"]));
    let f = flags(env);
    assert!(f.contains(&("not-gitignored", Severity::Medium)), "{f:?}");
    assert!(f.contains(&("loose-permissions", Severity::High)), "{f:?}");

    let local = secret("projects/webapp/.env.local");
    assert!(!flags(local).iter().any(|(f, _)| *f == "not-gitignored"));
    assert!(find(&r, ArtifactKind::Secret, "projects/webapp/.env.example").is_none(), "placeholders only");
    assert!(find(&r, ArtifactKind::Secret, "cert.pem").is_none(), "a certificate is not a secret");
    assert!(find(&r, ArtifactKind::Secret, "README.md").is_none());
    assert!(find(&r, ArtifactKind::Secret, "src/.env").is_none(), "only the project root is looked at");
    assert!(find(&r, ArtifactKind::Secret, "notes/.env").is_none(), "not a git repository");

    assert_eq!(secret("projects/webapp/server.key").attributes["key_type"], "pkcs8");
    let sa = secret("projects/webapp/service-account-prod.json");
    assert_eq!(sa.attributes["credential_type"], "service_account");
    assert_eq!(sa.attributes["secret_keys"], json!(["private_key"]));
    let tfvars = secret("projects/webapp/prod.tfvars");
    assert_eq!(tfvars.attributes["secret_keys"], json!(["db_password"]));
    assert!(!flags(tfvars).iter().any(|(f, _)| *f == "not-gitignored"));
    assert_eq!(secret("projects/webapp/.envrc").attributes["secret_keys"], json!(["SENTRY_AUTH_TOKEN"]));
    assert_eq!(secret("projects/webapp/.npmrc").client, "npm");

    let remote = secret("projects/webapp/.git/config");
    assert_eq!(remote.attributes["remotes_with_credentials"], 1);
    // A repository whose `.git` is a file (worktree / submodule) is found too.
    // Its .gitignore is a FIFO here (see above): unreadable, so `.env` counts as not ignored.
    let api_env = secret("projects/group/api/.env");
    assert!(flags(api_env).iter().any(|(f, _)| *f == "not-gitignored"));
    assert!(find(&r, ArtifactKind::Secret, "gitdirs/api/config").is_none(), "remote without credentials");
}

#[test]
fn no_planted_value_anywhere_in_the_report() {
    let m = Machine::secrets();
    let r = scan(&m.options(), &|_| {});
    assert!(r.artifacts.iter().filter(|a| a.kind == ArtifactKind::Secret).count() >= 30);
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains(MARKER));
    let table = ward_inventory::report::render_table(&r, None);
    assert!(!table.contains(MARKER));
    assert!(!format!("{r:?}").contains(MARKER));
}

#[test]
fn readers_respect_deny_read() {
    let m = Machine::secrets();
    let home = m.home();
    let mut cx = ScanContext::new(home.clone());
    cx.projects = vec![m.root.join("projects/webapp")];
    let mut inv = ward_inventory::Inventory::default();
    secrets::scan_secrets(&cx, &mut inv);
    let careful = Artifact::new(ArtifactKind::Agent, "codex", "codex", Scope::User, "~/.codex", "codex")
        .attr("deny_read", json!(["~/.aws/**", ".env*", "Read(~/.ssh)", "[unclosed"]));
    let open = Artifact::new(ArtifactKind::Agent, "cursor", "cursor", Scope::User, "~/.cursor", "cursor");
    let locked = Artifact::new(ArtifactKind::Agent, "gemini-cli", "gemini", Scope::User, "~/.gemini", "g")
        .attr("deny_read", json!(["**"]));
    let absolute = format!("//{}/.kube/**", home.display().to_string().trim_start_matches('/'));
    let claude = Artifact::new(ArtifactKind::Agent, "claude-code", "claude", Scope::User, "~/.claude", "c")
        .attr("deny_read", json!([absolute]));
    inv.artifacts.extend([careful, open, locked, claude]);
    secrets::attach_readers(&cx, &mut inv.artifacts);
    let readers = |suffix: &str| {
        inv.artifacts
            .iter()
            .find(|a| a.kind == ArtifactKind::Secret && a.identity.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix}"))
            .attributes["readable_by"]
            .clone()
    };
    assert_eq!(readers("~/.aws/credentials"), json!(["claude-code", "cursor"]));
    assert_eq!(readers("~/.ssh/id_ed25519"), json!(["claude-code", "cursor"]));
    assert_eq!(readers("webapp/.env"), json!(["claude-code", "cursor"]));
    assert_eq!(readers("webapp/.env.local"), json!(["claude-code", "cursor"]));
    assert_eq!(readers("~/.kube/config"), json!(["codex", "cursor"]));
}

#[test]
fn mcp_plaintext_secret_becomes_a_secret_artifact() {
    let m = Machine::secrets();
    let home = m.home();
    std::fs::create_dir_all(home.join(".cursor")).unwrap();
    let file = home.join(".cursor/mcp.json");
    std::fs::write(&file, "{}").unwrap();
    set_mode(&file, 0o644);
    let cx = ScanContext::new(home);
    let src = McpSource { client: "cursor", scope: Scope::User, source: "~/.cursor/mcp.json" };
    let entry = json!({"command": "npx", "args": ["-y", "server-github@1.0.0"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_PLANTED000000000000000000000000000000"}});
    let mcp = server_artifact(&src, "github", &entry);
    let clean = server_artifact(&src, "fs", &json!({"command": "mcp-fs", "env": {"TOKEN": "${TOKEN}"}}));
    let out = secrets::mcp_config_secrets(&cx, &[mcp.clone(), clean]);
    assert_eq!(out.len(), 1);
    let s = &out[0];
    assert_eq!(s.kind, ArtifactKind::Secret);
    assert_eq!(s.client, "cursor");
    assert_eq!(s.attributes["secret_kind"], "mcp-config-plaintext");
    assert_eq!(s.attributes["path"], "~/.cursor/mcp.json");
    assert_eq!(s.attributes["mode"], "0644");
    assert_eq!(s.attributes["mcp_server_id"], Value::from(mcp.id.clone()));
    let f = flags(s);
    assert!(
        f.contains(&("plaintext-secret", Severity::High))
            && f.contains(&("loose-permissions", Severity::High))
    );
    assert!(!serde_json::to_string(&out).unwrap().contains(MARKER));
}

#[test]
fn clis_on_path_first_match_and_version_from_layout() {
    let m = Machine::secrets();
    let root = &m.root;
    // A non-executable file is not a CLI.
    std::fs::write(root.join("bin/aws"), "not executable").unwrap();
    set_mode(&root.join("bin/aws"), 0o644);
    // A Homebrew-style install reached through a symlink carries its version in the path.
    let cellar = root.join("opt/Cellar/terraform/1.9.8/bin");
    std::fs::create_dir_all(&cellar).unwrap();
    std::fs::write(cellar.join("terraform"), "#!/bin/sh\n").unwrap();
    set_mode(&cellar.join("terraform"), 0o755);
    let second = root.join("bin2");
    std::fs::create_dir_all(&second).unwrap();
    std::os::unix::fs::symlink(cellar.join("terraform"), second.join("terraform")).unwrap();
    std::fs::write(second.join("gh"), "#!/bin/sh\n").unwrap();
    set_mode(&second.join("gh"), 0o755);

    let mut opts = m.options();
    opts.path_dirs = vec![root.join("bin"), second.clone(), root.join("missing-dir")];
    let r = scan(&opts, &|_| {});
    let clis: Vec<&Artifact> = r.artifacts.iter().filter(|a| a.kind == ArtifactKind::Cli).collect();
    let names: Vec<&str> = clis.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["gh", "kubectl", "terraform"]);
    let gh = clis[0];
    assert_eq!(gh.identity, root.join("bin/gh").display().to_string(), "first PATH match wins");
    assert_eq!(gh.attributes["category"], "vcs");
    assert!(!gh.attributes.contains_key("version"));
    let tf = clis[2];
    assert_eq!(tf.attributes["version"], "1.9.8");
    assert_eq!(tf.attributes["category"], "iac");
    assert_eq!(tf.scope, Scope::Managed);
}

#[test]
fn broken_credential_files_become_findings_without_content() {
    let m = Machine::secrets();
    let home = m.home();
    std::fs::write(
        home.join(".docker/config.json"),
        "{\n  \"auths\": {\n    \"x\": {\"auth\": \"PLANTEDbroken\"\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".codex/auth.json"),
        "{\"OPENAI_API_KEY\": \"sk-PLANTED0000000000000000\" \"tokens\": 1}",
    )
    .unwrap();
    std::fs::write(m.root.join("projects/webapp/credentials.json"), "{\"client_secret\": PLANTED}").unwrap();
    let seen_lock = std::sync::Mutex::new(Vec::new());
    let r = scan(&m.options(), &|p| seen_lock.lock().unwrap().push(p));
    let messages: Vec<&str> = r.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.starts_with("cannot parse ~/.docker/config.json: line 4")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.starts_with("cannot parse ~/.codex/auth.json: line 1")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("webapp/credentials.json: line 1")), "{messages:?}");
    // A token file that does not parse is still a token file.
    assert!(find(&r, ArtifactKind::Secret, "~/.codex/auth.json").is_some());
    assert!(find(&r, ArtifactKind::Secret, "~/.docker/config.json").is_none());
    assert!(!serde_json::to_string(&r).unwrap().contains(MARKER));
    // Progress: discovery, then one report per scanner with a growing count.
    let seen = seen_lock.into_inner().unwrap();
    assert!(matches!(seen.first(), Some(ward_inventory::ScanProgress::Discovering { .. })), "{seen:?}");
    let mut scanned: Vec<usize> = seen
        .iter()
        .filter_map(|p| match p {
            ward_inventory::ScanProgress::Scanned { done, .. } => Some(*done),
            _ => None,
        })
        .collect();
    // Workers report concurrently, so arrival order may differ from the count order.
    scanned.sort_unstable();
    assert!(scanned.len() >= 2);
    assert_eq!(scanned, (1..=scanned.len()).collect::<Vec<_>>());
}

#[test]
fn managed_files_under_the_system_root() {
    let m = Machine::secrets();
    let etc = m.root.join("system/usr/local/etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(etc.join("npmrc"), "//npm.example.com/:_authToken=PLANTEDglobal000\n").unwrap();
    std::fs::create_dir_all(m.root.join("system/etc")).unwrap();
    std::fs::write(m.root.join("system/etc/pip.conf"), "[global]\nindex-url = https://pypi.org/simple\n")
        .unwrap();
    let r = scan(&m.options(), &|_| {});
    let npm = get(&r, ArtifactKind::Secret, "system/usr/local/etc/npmrc");
    assert_eq!(npm.scope, Scope::Managed);
    assert_eq!(npm.attributes["secret_keys"], json!(["_authToken"]));
    assert!(find(&r, ArtifactKind::Secret, "system/etc/pip.conf").is_none(), "no credentials in it");
    assert!(!serde_json::to_string(&r).unwrap().contains(MARKER));
}

#[test]
fn environment_variables_move_credential_files() {
    let m = Machine::secrets();
    let elsewhere = m.root.join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("docker")).unwrap();
    std::fs::create_dir_all(m.home().join("work")).unwrap();
    let kube = "users:\n- name: a\n  user:\n    token: PLANTEDenvKube0000\n";
    std::fs::write(elsewhere.join("kc.yaml"), kube).unwrap();
    std::fs::write(m.home().join("work/kube.yaml"), kube).unwrap();
    std::fs::write(elsewhere.join("docker/config.json"), r#"{"auths":{"r":{"auth":"PLANTEDx"}}}"#).unwrap();
    std::fs::write(elsewhere.join("sa.json"), r#"{"type":"service_account","private_key":"PLANTED"}"#)
        .unwrap();
    let mut opts = m.options();
    let kubeconfig =
        std::env::join_paths([elsewhere.join("kc.yaml"), PathBuf::from("work/kube.yaml")]).unwrap();
    opts.credential_env = vec![
        ("KUBECONFIG".into(), kubeconfig),
        ("DOCKER_CONFIG".into(), elsewhere.join("docker").into_os_string()),
        ("GOOGLE_APPLICATION_CREDENTIALS".into(), elsewhere.join("sa.json").into_os_string()),
        ("NETRC".into(), "".into()),
        ("UNRELATED_TOKEN".into(), elsewhere.join("sa.json").into_os_string()),
    ];
    let r = scan(&opts, &|_| {});
    let kc = get(&r, ArtifactKind::Secret, "elsewhere/kc.yaml");
    assert_eq!(kc.attributes["env_var"], "KUBECONFIG");
    assert_eq!(kc.attributes["embedded_credentials"], 1);
    assert_eq!(get(&r, ArtifactKind::Secret, "~/work/kube.yaml").attributes["env_var"], "KUBECONFIG");
    assert_eq!(get(&r, ArtifactKind::Secret, "elsewhere/docker/config.json").client, "docker");
    let sa = get(&r, ArtifactKind::Secret, "elsewhere/sa.json");
    assert_eq!(sa.attributes["env_var"], "GOOGLE_APPLICATION_CREDENTIALS");
    assert_eq!(r.artifacts.iter().filter(|a| a.identity.ends_with("elsewhere/sa.json")).count(), 1);
    assert!(secrets::is_credential_location_var("KUBECONFIG"));
    assert!(!secrets::is_credential_location_var("UNRELATED_TOKEN"));
    assert!(!serde_json::to_string(&r).unwrap().contains(MARKER));
}

#[test]
fn stable_ids_across_scans() {
    let m = Machine::secrets();
    let a = scan(&m.options(), &|_| {});
    let b = scan(&m.options(), &|_| {});
    let ids = |r: &ScanReport| r.artifacts.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    let mut unique = ids(&a);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), a.artifacts.len(), "ids are unique");
}

/// Seeded pseudo-random and mutated inputs through every content judge: no panic, and the facts
/// never carry the planted value (the same function the `secret_file_judges` fuzz target runs).
#[test]
fn judges_survive_mutated_input() {
    let seeds: Vec<String> =
        walk_files(&fixture("secrets")).into_iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const ALPHABET: &[u8] = b"=:[]{}\"'\n #-_/@.PLANTEDaws_secret_access_key token password export machine";
    for i in 0..3000 {
        let mut bytes = seeds[i % seeds.len()].clone().into_bytes();
        for _ in 0..(rand() % 8) {
            let op = rand() % 3;
            let pos = if bytes.is_empty() { 0 } else { (rand() as usize) % bytes.len() };
            let b = ALPHABET[(rand() as usize) % ALPHABET.len()];
            match op {
                0 if !bytes.is_empty() => bytes[pos] = b,
                1 => bytes.insert(pos, b),
                _ if !bytes.is_empty() => {
                    bytes.truncate(pos);
                }
                _ => bytes.push(b),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        for facts in secrets::judge_all(&text) {
            let dump = format!("{:?}", facts.attributes);
            // Key names may legitimately contain letters of the alphabet above; a value never
            // reaches the facts, so the marker can only appear inside a key name the mutation made.
            for (k, v) in &facts.attributes {
                if let Value::String(s) = v {
                    assert!(!s.contains(MARKER), "{k}: {dump}");
                }
            }
        }
    }
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
