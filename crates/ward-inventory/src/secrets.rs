//! Credential files and secret-bearing config (the `secret` artifact kind), as metadata only:
//! what kind of credential, where, its file mode and size, and which agents could read it.
//!
//! A file's content is read only to decide whether it really holds a credential (an `.npmrc`
//! with `_authToken`, a `.env` with secret-named keys, a remote URL with a password). What is
//! kept from it is booleans, counts and key *names*; a value is never copied out of the buffer
//! it was read into. The locations follow reference/agents.md §13.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde_json::Value;
use ward_model::{Artifact, ArtifactKind, Risk, Scope, Severity};

use crate::context::ScanContext;
use crate::inventory::Inventory;
use crate::sanitize::{is_reference, is_secret_name, looks_like_token};

/// Credential files are small; a larger file is inspected only up to here.
const MAX_INSPECT_BYTES: u64 = 1024 * 1024;

/// What the content of a file says about it. Never holds a value from the file.
#[derive(Debug, Default)]
pub struct Facts {
    /// The file really holds a credential (as opposed to, say, an `.npmrc` with only a registry).
    pub holds_credential: bool,
    pub attributes: Vec<(&'static str, Value)>,
    pub risks: Vec<Risk>,
    /// The file should be JSON but is not: `line L, column C: …` (positions only, no content).
    pub parse_error: Option<String>,
}

impl Facts {
    fn credential(holds: bool) -> Facts {
        Facts { holds_credential: holds, ..Facts::default() }
    }

    fn attr(mut self, key: &'static str, value: impl Into<Value>) -> Facts {
        self.attributes.push((key, value.into()));
        self
    }
}

/// How a known location is judged.
#[derive(Clone, Copy)]
enum Check {
    /// Existing (and non-empty) is enough: the file exists only to hold a credential.
    Present,
    /// A directory whose entries are credentials (token caches, key stores).
    DirEntries,
    /// Read the file and decide.
    Content(fn(&str) -> Facts),
}

/// One user-scope credential location.
struct Known {
    rel: &'static str,
    client: &'static str,
    name: &'static str,
    secret_kind: &'static str,
    check: Check,
}

const fn known(
    rel: &'static str,
    client: &'static str,
    name: &'static str,
    secret_kind: &'static str,
    check: Check,
) -> Known {
    Known { rel, client, name, secret_kind, check }
}

/// User-scope locations, relative to the home (`/` also on Windows). SSH keys and project files
/// are found by listing instead (see [`scan_ssh_dir`], [`scan_project_secrets`]).
const USER_LOCATIONS: &[Known] = &[
    // Cloud.
    known(
        ".aws/credentials",
        "aws",
        "AWS shared credentials",
        "aws-credentials",
        Check::Content(aws_credentials),
    ),
    known(".aws/config", "aws", "AWS config with keys", "aws-credentials", Check::Content(aws_credentials)),
    known(".aws/sso/cache", "aws", "AWS SSO token cache", "aws-sso-cache", Check::DirEntries),
    known(".aws/cli/cache", "aws", "AWS CLI credential cache", "aws-cli-cache", Check::DirEntries),
    known(
        ".config/gcloud/application_default_credentials.json",
        "gcloud",
        "Google application default credentials",
        "gcloud-adc",
        Check::Content(json_credential),
    ),
    known(
        ".config/gcloud/credentials.db",
        "gcloud",
        "gcloud credential store",
        "gcloud-credentials",
        Check::Present,
    ),
    known(
        ".config/gcloud/access_tokens.db",
        "gcloud",
        "gcloud access tokens",
        "gcloud-access-tokens",
        Check::Present,
    ),
    known(
        ".config/gcloud/legacy_credentials",
        "gcloud",
        "gcloud legacy credentials",
        "gcloud-legacy-credentials",
        Check::DirEntries,
    ),
    known(".azure/msal_token_cache.json", "az", "Azure CLI token cache", "azure-token-cache", Check::Present),
    known(".azure/msal_token_cache.bin", "az", "Azure CLI token cache", "azure-token-cache", Check::Present),
    known(".azure/accessTokens.json", "az", "Azure CLI access tokens", "azure-token-cache", Check::Present),
    known(
        ".azure/service_principal_entries.json",
        "az",
        "Azure service principal secrets",
        "azure-service-principal",
        Check::Present,
    ),
    known(
        ".azure/service_principal_entries.bin",
        "az",
        "Azure service principal secrets",
        "azure-service-principal",
        Check::Present,
    ),
    // Clusters, registries, forges.
    known(".kube/config", "kubectl", "Kubernetes config", "kubeconfig", Check::Content(kubeconfig)),
    known(
        ".docker/config.json",
        "docker",
        "Docker registry credentials",
        "docker-auth",
        Check::Content(docker_config),
    ),
    known(".config/gh/hosts.yml", "gh", "GitHub CLI token", "gh-token", Check::Content(gh_hosts)),
    known(".config/glab-cli/config.yml", "glab", "GitLab CLI token", "glab-token", Check::Content(dotenv)),
    known(
        ".git-credentials",
        "git",
        "git credential store",
        "git-credentials",
        Check::Content(git_credentials),
    ),
    known(
        ".config/git/credentials",
        "git",
        "git credential store",
        "git-credentials",
        Check::Content(git_credentials),
    ),
    known(
        ".gitconfig",
        "git",
        "git config with embedded credentials",
        "git-config-credentials",
        Check::Content(url_credentials),
    ),
    known(
        ".config/git/config",
        "git",
        "git config with embedded credentials",
        "git-config-credentials",
        Check::Content(url_credentials),
    ),
    known(".netrc", "netrc", "netrc machine passwords", "netrc", Check::Content(netrc)),
    known("_netrc", "netrc", "netrc machine passwords", "netrc", Check::Content(netrc)),
    // Package registries.
    known(".npmrc", "npm", "npm registry token", "npm-token", Check::Content(npmrc)),
    known(".yarnrc.yml", "yarn", "Yarn registry token", "npm-token", Check::Content(yarnrc)),
    known(".pypirc", "pip", "PyPI upload credentials", "pypi-credentials", Check::Content(pypirc)),
    known(
        ".config/pip/pip.conf",
        "pip",
        "pip index credentials",
        "pip-index-credentials",
        Check::Content(url_credentials),
    ),
    known(
        ".pip/pip.conf",
        "pip",
        "pip index credentials",
        "pip-index-credentials",
        Check::Content(url_credentials),
    ),
    known(".cargo/credentials.toml", "cargo", "crates.io token", "cargo-token", Check::Content(token_key)),
    known(".cargo/credentials", "cargo", "crates.io token", "cargo-token", Check::Content(token_key)),
    known(".gem/credentials", "gem", "RubyGems API key", "gem-credentials", Check::Present),
    // Infrastructure.
    known(
        ".terraform.d/credentials.tfrc.json",
        "terraform",
        "Terraform Cloud token",
        "terraform-token",
        Check::Content(json_credential),
    ),
    known(
        ".terraformrc",
        "terraform",
        "Terraform CLI config credentials",
        "terraform-token",
        Check::Content(terraformrc),
    ),
    known(".vault-token", "vault", "Vault token", "vault-token", Check::Present),
    known(".config/op", "op", "1Password CLI config", "password-manager-session", Check::DirEntries),
    known(".gnupg/private-keys-v1.d", "gpg", "GPG private keys", "gpg-private-keys", Check::DirEntries),
    known(".gnupg/secring.gpg", "gpg", "GPG secret keyring", "gpg-private-keys", Check::Present),
    // Agent tokens.
    known(
        ".claude/.credentials.json",
        "claude-code",
        "Claude Code OAuth credentials",
        "agent-token",
        Check::Content(json_credential_or_present),
    ),
    known(
        ".claude.json",
        "claude-code",
        "Claude Code account and MCP config",
        "agent-config-secrets",
        Check::Content(agent_config_json),
    ),
    known(
        ".gemini/oauth_creds.json",
        "gemini-cli",
        "Gemini CLI OAuth credentials",
        "agent-token",
        Check::Content(json_credential_or_present),
    ),
    known(
        ".gemini/mcp-oauth-tokens.json",
        "gemini-cli",
        "Gemini CLI MCP OAuth tokens",
        "agent-token",
        Check::Content(json_credential_or_present),
    ),
    known(".gemini/.env", "gemini-cli", "Gemini CLI environment file", "dotenv", Check::Content(dotenv)),
    known(
        ".codex/auth.json",
        "codex",
        "Codex auth tokens",
        "agent-token",
        Check::Content(json_credential_or_present),
    ),
    known(".codex/.env", "codex", "Codex environment file", "dotenv", Check::Content(dotenv)),
    known(
        ".copilot/config.json",
        "copilot-cli",
        "Copilot CLI config with tokens",
        "agent-token",
        Check::Content(agent_config_json),
    ),
    known(".copilot/mcp-secrets", "copilot-cli", "Copilot CLI MCP secrets", "agent-token", Check::DirEntries),
    known(
        ".copilot/mcp-oauth-config",
        "copilot-cli",
        "Copilot CLI MCP OAuth config",
        "agent-token",
        Check::DirEntries,
    ),
    known(
        ".config/github-copilot/hosts.json",
        "copilot",
        "GitHub Copilot OAuth token",
        "agent-token",
        Check::Content(json_credential_or_present),
    ),
    known(
        ".config/github-copilot/apps.json",
        "copilot",
        "GitHub Copilot OAuth token",
        "agent-token",
        Check::Content(json_credential_or_present),
    ),
    known(
        ".cursor/cli-config.json",
        "cursor",
        "Cursor CLI auth",
        "agent-token",
        Check::Content(agent_config_json),
    ),
    known(
        ".local/share/opencode/auth.json",
        "opencode",
        "OpenCode provider credentials",
        "agent-token",
        Check::Content(json_credential_or_present),
    ),
    known(
        ".local/share/opencode/mcp-auth.json",
        "opencode",
        "OpenCode MCP credentials",
        "agent-token",
        Check::Content(json_credential_or_present),
    ),
    known(
        ".cline/data/secrets.json",
        "cline",
        "Cline secrets",
        "agent-token",
        Check::Content(json_credential_or_present),
    ),
    known(
        ".aider.conf.yml",
        "aider",
        "Aider config with API keys",
        "agent-config-secrets",
        Check::Content(dotenv),
    ),
    known(".env", "home", "environment file in the home", "dotenv", Check::Content(dotenv)),
    // Histories: commands typed with tokens in them, and agent transcripts.
    known(".bash_history", "shell", "bash history", "shell-history", Check::Present),
    known(".zsh_history", "shell", "zsh history", "shell-history", Check::Present),
    known(".local/share/fish/fish_history", "shell", "fish history", "shell-history", Check::Present),
    known(".python_history", "shell", "Python REPL history", "shell-history", Check::Present),
    known(".psql_history", "psql", "psql history", "shell-history", Check::Present),
    known(".mysql_history", "mysql", "mysql history", "shell-history", Check::Present),
    known(
        ".local/share/powershell/PSReadLine/ConsoleHost_history.txt",
        "shell",
        "PowerShell history",
        "shell-history",
        Check::Present,
    ),
    // Windows homes keep several of the above under AppData; on other systems these paths
    // simply do not exist (one failed stat each).
    known(
        "AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt",
        "shell",
        "PowerShell history",
        "shell-history",
        Check::Present,
    ),
    known(
        "AppData/Roaming/gcloud/application_default_credentials.json",
        "gcloud",
        "Google application default credentials",
        "gcloud-adc",
        Check::Content(json_credential),
    ),
    known(
        "AppData/Roaming/gcloud/credentials.db",
        "gcloud",
        "gcloud credential store",
        "gcloud-credentials",
        Check::Present,
    ),
    known(
        "AppData/Roaming/GitHub CLI/hosts.yml",
        "gh",
        "GitHub CLI token",
        "gh-token",
        Check::Content(gh_hosts),
    ),
    known(
        "AppData/Roaming/terraform.rc",
        "terraform",
        "Terraform CLI config credentials",
        "terraform-token",
        Check::Content(terraformrc),
    ),
    known(
        "AppData/Roaming/npm/etc/npmrc",
        "npm",
        "npm global config token",
        "npm-token",
        Check::Content(npmrc),
    ),
    known(
        "AppData/Roaming/pip/pip.ini",
        "pip",
        "pip index credentials",
        "pip-index-credentials",
        Check::Content(url_credentials),
    ),
    known(
        ".claude/history.jsonl",
        "claude-code",
        "Claude Code prompt history",
        "agent-transcript",
        Check::Present,
    ),
    // Build tools, databases, storage and deploy CLIs.
    known(
        ".m2/settings.xml",
        "maven",
        "Maven settings with server passwords",
        "maven-password",
        Check::Content(maven_settings),
    ),
    known(
        ".gradle/gradle.properties",
        "gradle",
        "Gradle properties with credentials",
        "gradle-credentials",
        Check::Content(dotenv),
    ),
    known(".pgpass", "psql", "PostgreSQL password file", "database-password", Check::Present),
    known(
        ".my.cnf",
        "mysql",
        "MySQL client options with a password",
        "database-password",
        Check::Content(dotenv),
    ),
    known(".s3cfg", "s3cmd", "s3cmd access keys", "cloud-credentials", Check::Content(dotenv)),
    known(".boto", "gsutil", "boto/gsutil credentials", "cloud-credentials", Check::Content(dotenv)),
    known(
        ".config/rclone/rclone.conf",
        "rclone",
        "rclone remotes with credentials",
        "cloud-credentials",
        Check::Content(dotenv),
    ),
    known(
        ".databrickscfg",
        "databricks",
        "Databricks CLI token",
        "cloud-credentials",
        Check::Content(dotenv),
    ),
    known(".dbt/profiles.yml", "dbt", "dbt warehouse profiles", "database-password", Check::Content(dotenv)),
    known(".config/hub", "hub", "hub GitHub token", "gh-token", Check::Content(dotenv)),
    known(
        ".composer/auth.json",
        "composer",
        "Composer registry auth",
        "package-registry-token",
        Check::Content(json_credential),
    ),
    known(
        ".config/composer/auth.json",
        "composer",
        "Composer registry auth",
        "package-registry-token",
        Check::Content(json_credential),
    ),
    known(
        ".netlify/config.json",
        "netlify",
        "Netlify CLI token",
        "deploy-token",
        Check::Content(json_credential),
    ),
    known(
        ".config/netlify/config.json",
        "netlify",
        "Netlify CLI token",
        "deploy-token",
        Check::Content(json_credential),
    ),
    known(
        ".config/configstore/firebase-tools.json",
        "firebase",
        "Firebase CLI tokens",
        "deploy-token",
        Check::Content(json_credential),
    ),
    known(
        ".wrangler/config/default.toml",
        "wrangler",
        "Cloudflare Wrangler OAuth token",
        "deploy-token",
        Check::Content(dotenv),
    ),
    known(
        ".config/.wrangler/config/default.toml",
        "wrangler",
        "Cloudflare Wrangler OAuth token",
        "deploy-token",
        Check::Content(dotenv),
    ),
    known(".fly/config.yml", "flyctl", "Fly.io access token", "deploy-token", Check::Content(dotenv)),
    known(
        ".config/doctl/config.yaml",
        "doctl",
        "DigitalOcean access token",
        "cloud-credentials",
        Check::Content(dotenv),
    ),
    known(
        ".config/hcloud/cli.toml",
        "hcloud",
        "Hetzner Cloud token",
        "cloud-credentials",
        Check::Content(dotenv),
    ),
    known(".config/stripe/config.toml", "stripe", "Stripe CLI keys", "api-key", Check::Content(dotenv)),
    known(".sentryclirc", "sentry-cli", "Sentry CLI token", "api-key", Check::Content(dotenv)),
    known(".config/ngrok/ngrok.yml", "ngrok", "ngrok authtoken", "api-key", Check::Content(dotenv)),
    known(".ngrok2/ngrok.yml", "ngrok", "ngrok authtoken", "api-key", Check::Content(dotenv)),
    known(
        ".cursor/mcp.json",
        "cursor",
        "Cursor MCP config with secrets",
        "agent-config-secrets",
        Check::Content(agent_config_json),
    ),
    known(".password-store", "pass", "pass password store", "password-manager-store", Check::DirEntries),
    known(".m2/settings-security.xml", "maven", "Maven master password", "maven-password", Check::Present),
    known(
        ".mylogin.cnf",
        "mysql",
        "MySQL login path file (obfuscated passwords)",
        "database-password",
        Check::Present,
    ),
    known(
        ".rclone.conf",
        "rclone",
        "rclone remotes with credentials (old location)",
        "cloud-credentials",
        Check::Content(dotenv),
    ),
    known(
        ".ivy2/.credentials",
        "sbt",
        "Ivy/sbt repository credentials",
        "package-registry-token",
        Check::Content(dotenv),
    ),
    known(
        ".sbt/credentials",
        "sbt",
        "sbt repository credentials",
        "package-registry-token",
        Check::Content(dotenv),
    ),
    // OS stores: detected, never read.
    known(".local/share/keyrings", "os", "Secret Service keyrings", "os-keystore", Check::DirEntries),
    known("Library/Keychains", "os", "macOS keychains", "os-keystore", Check::DirEntries),
];

/// Inventory every credential at user scope and in the root of every project.
pub fn scan_secrets(cx: &ScanContext, inv: &mut Inventory) {
    for loc in MANAGED_LOCATIONS {
        let path = cx.system_path(loc.rel);
        if let Some(art) = inspect_known(cx, inv, loc, Scope::Managed, &path) {
            inv.push(art);
        }
    }
    scan_user_secrets(cx, inv);
    for project in &cx.projects {
        scan_project_secrets(cx, inv, project);
    }
}

/// System-wide (managed scope) credential files, under the system root: package-manager
/// configs an admin or an image build left a registry token in.
const MANAGED_LOCATIONS: &[Known] = &[
    known("/etc/npmrc", "npm", "npm global config token", "npm-token", Check::Content(npmrc)),
    known("/usr/etc/npmrc", "npm", "npm global config token", "npm-token", Check::Content(npmrc)),
    known("/usr/local/etc/npmrc", "npm", "npm global config token", "npm-token", Check::Content(npmrc)),
    known("/opt/homebrew/etc/npmrc", "npm", "npm global config token", "npm-token", Check::Content(npmrc)),
    known(
        "/etc/pip.conf",
        "pip",
        "pip index credentials",
        "pip-index-credentials",
        Check::Content(url_credentials),
    ),
    known(
        "/etc/xdg/pip/pip.conf",
        "pip",
        "pip index credentials",
        "pip-index-credentials",
        Check::Content(url_credentials),
    ),
    known(
        "/etc/docker/config.json",
        "docker",
        "Docker registry credentials",
        "docker-auth",
        Check::Content(docker_config),
    ),
];

/// Environment variables that move a credential file or directory (agents.md §13, "Override"
/// column): the variable, whether it names a directory (with the file inside it) or a path
/// list, and how the file is judged.
const ENV_LOCATIONS: &[(&str, Option<&str>, Known)] = &[
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        None,
        known("", "aws", "AWS shared credentials", "aws-credentials", Check::Content(aws_credentials)),
    ),
    (
        "AWS_CONFIG_FILE",
        None,
        known("", "aws", "AWS config with keys", "aws-credentials", Check::Content(aws_credentials)),
    ),
    ("KUBECONFIG", None, known("", "kubectl", "Kubernetes config", "kubeconfig", Check::Content(kubeconfig))),
    (
        "DOCKER_CONFIG",
        Some("config.json"),
        known("", "docker", "Docker registry credentials", "docker-auth", Check::Content(docker_config)),
    ),
    (
        "GH_CONFIG_DIR",
        Some("hosts.yml"),
        known("", "gh", "GitHub CLI token", "gh-token", Check::Content(gh_hosts)),
    ),
    (
        "CLOUDSDK_CONFIG",
        Some("application_default_credentials.json"),
        known(
            "",
            "gcloud",
            "Google application default credentials",
            "gcloud-adc",
            Check::Content(json_credential),
        ),
    ),
    (
        "GOOGLE_APPLICATION_CREDENTIALS",
        None,
        known(
            "",
            "gcloud",
            "Google application credentials",
            "gcloud-service-account",
            Check::Content(json_credential_or_present),
        ),
    ),
    (
        "AZURE_CONFIG_DIR",
        Some("msal_token_cache.json"),
        known("", "az", "Azure CLI token cache", "azure-token-cache", Check::Present),
    ),
    (
        "GNUPGHOME",
        Some("private-keys-v1.d"),
        known("", "gpg", "GPG private keys", "gpg-private-keys", Check::DirEntries),
    ),
    (
        "CARGO_HOME",
        Some("credentials.toml"),
        known("", "cargo", "crates.io token", "cargo-token", Check::Content(token_key)),
    ),
    ("NETRC", None, known("", "netrc", "netrc machine passwords", "netrc", Check::Content(netrc))),
    (
        "NPM_CONFIG_USERCONFIG",
        None,
        known("", "npm", "npm registry token", "npm-token", Check::Content(npmrc)),
    ),
    (
        "TF_CLI_CONFIG_FILE",
        None,
        known(
            "",
            "terraform",
            "Terraform CLI config credentials",
            "terraform-token",
            Check::Content(terraformrc),
        ),
    ),
    (
        "CLAUDE_CONFIG_DIR",
        Some(".credentials.json"),
        known(
            "",
            "claude-code",
            "Claude Code OAuth credentials",
            "agent-token",
            Check::Content(json_credential_or_present),
        ),
    ),
    (
        "CODEX_HOME",
        Some("auth.json"),
        known("", "codex", "Codex auth tokens", "agent-token", Check::Content(json_credential_or_present)),
    ),
    (
        "COPILOT_HOME",
        Some("config.json"),
        known(
            "",
            "copilot-cli",
            "Copilot CLI config with tokens",
            "agent-token",
            Check::Content(json_credential),
        ),
    ),
];

/// Whether `name` is one of the variables [`scan_env_locations`] follows. Callers keep only
/// these, so no other variable (some hold secrets themselves) is carried into a scan.
pub fn is_credential_location_var(name: &str) -> bool {
    ENV_LOCATIONS.iter().any(|(var, _, _)| *var == name)
}

/// Credential files that environment variables move away from their default location. The
/// `ward scan` command passes its own environment when it scans the real home; a scan of
/// another home passes none, since this process's variables say nothing about that user.
/// Relative paths are resolved against the home. A file already found at its default place
/// yields the same artifact id and is merged by [`Inventory::finish`].
pub fn scan_env_locations(cx: &ScanContext, inv: &mut Inventory, env: &[(String, std::ffi::OsString)]) {
    for (var, value) in env {
        let Some((_, inside, loc)) = ENV_LOCATIONS.iter().find(|(name, _, _)| name == var) else { continue };
        if value.is_empty() {
            continue;
        }
        // `KUBECONFIG` is a path list; the others are single paths (split_paths of a single
        // path yields it unchanged).
        let paths: Vec<PathBuf> = if *var == "KUBECONFIG" {
            std::env::split_paths(value).collect()
        } else {
            vec![PathBuf::from(value)]
        };
        for p in paths {
            let p = if p.is_absolute() { p } else { cx.home.join(p) };
            let path = match inside {
                Some(file) => p.join(file),
                None => p,
            };
            if let Some(art) = inspect_known(cx, inv, loc, Scope::User, &path) {
                inv.push(art.attr("env_var", var.as_str()));
            }
        }
    }
}

/// The credential locations of agents.md §13 under the home.
pub fn scan_user_secrets(cx: &ScanContext, inv: &mut Inventory) {
    for loc in USER_LOCATIONS {
        let path = cx.home_path(loc.rel);
        if let Some(art) = inspect_known(cx, inv, loc, Scope::User, &path) {
            inv.push(art);
        }
    }
    scan_ssh_dir(cx, inv, &cx.home_path(".ssh"));
}

fn inspect_known(
    cx: &ScanContext,
    inv: &mut Inventory,
    loc: &Known,
    scope: Scope,
    path: &Path,
) -> Option<Artifact> {
    let meta = std::fs::metadata(path).ok()?;
    let facts = match loc.check {
        Check::Present => {
            if !meta.is_file() || meta.len() == 0 {
                return None;
            }
            Facts::credential(true)
        }
        Check::DirEntries => {
            let entries = count_dir_entries(path)?;
            if entries == 0 {
                return None;
            }
            Facts::credential(true).attr("entries", entries)
        }
        Check::Content(judge) => {
            if !meta.is_file() {
                return None;
            }
            match read_capped(path) {
                Ok(text) => judge(&text),
                // Unreadable to us does not mean unreadable to an agent run by another user;
                // the location is a credential location, so it is reported without a verdict.
                Err(_) => Facts::credential(true).attr("content_checked", false),
            }
        }
    };
    if let Some(e) = &facts.parse_error {
        inv.parse_error(loc.client, &cx.display(path), e);
    }
    if !facts.holds_credential {
        return None;
    }
    Some(secret_artifact(cx, loc.client, loc.name, loc.secret_kind, scope, path, &meta, facts))
}

/// Build the artifact for one credential file or directory.
#[allow(clippy::too_many_arguments)]
fn secret_artifact(
    cx: &ScanContext,
    client: &str,
    name: &str,
    secret_kind: &str,
    scope: Scope,
    path: &Path,
    meta: &std::fs::Metadata,
    facts: Facts,
) -> Artifact {
    let shown = cx.display(path);
    let mut art = Artifact::new(ArtifactKind::Secret, client, name, scope, shown.clone(), shown.clone())
        .attr("secret_kind", secret_kind)
        .attr("path", shown)
        .attr("size", meta.len());
    if let Some(mode) = file_mode(meta) {
        art = art.attr("mode", format!("{mode:04o}"));
        if let Some(risk) = loose_permissions(mode, meta.is_dir()) {
            art = art.with_risk(risk);
        }
    }
    for (k, v) in facts.attributes {
        art = art.attr(k, v);
    }
    for r in facts.risks {
        art = art.with_risk(r);
    }
    art
}

#[cfg(unix)]
fn file_mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

/// A credential readable by other local users: world-readable is high, group-readable medium.
pub fn loose_permissions(mode: u32, is_dir: bool) -> Option<Risk> {
    let what = if is_dir { "directory" } else { "file" };
    if mode & 0o004 != 0 {
        Some(Risk::new(
            "loose-permissions",
            Severity::High,
            format!("credential {what} is world-readable (mode {mode:04o}); chmod go-rwx"),
        ))
    } else if mode & 0o040 != 0 {
        Some(Risk::new(
            "loose-permissions",
            Severity::Medium,
            format!("credential {what} is group-readable (mode {mode:04o}); chmod go-rwx"),
        ))
    } else {
        None
    }
}

fn count_dir_entries(path: &Path) -> Option<usize> {
    let rd = std::fs::read_dir(path).ok()?;
    Some(rd.filter_map(Result::ok).filter(|e| !e.file_name().to_string_lossy().starts_with('.')).count())
}

/// Read up to [`MAX_INSPECT_BYTES`] as (lossy) text; only ever inspected, never stored.
fn read_capped(path: &Path) -> std::io::Result<String> {
    let file = open_regular(path)?;
    let mut buf = Vec::new();
    file.take(MAX_INSPECT_BYTES).read_to_end(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The first bytes of a file (key headers are in the first line).
fn read_head(path: &Path, n: u64) -> Option<Vec<u8>> {
    let file = open_regular(path).ok()?;
    let mut buf = Vec::new();
    file.take(n).read_to_end(&mut buf).ok()?;
    Some(buf)
}

/// Open a regular file for reading. A FIFO or device planted where a credential file is
/// expected would block a plain open or read forever; opening non-blocking and checking the
/// opened file's type closes that (and the race between a stat and the open).
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(file)
}

// ---------------------------------------------------------------------------------------------
// SSH and key files.

/// Private keys in `~/.ssh`: every file whose first line is a private-key header. Public keys,
/// `known_hosts`, `config` and `authorized_keys` are not secrets and are skipped unread.
pub fn scan_ssh_dir(cx: &ScanContext, inv: &mut Inventory, dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    // Symlinked keys count; what they point at must still be a regular file (never a FIFO or
    // device, which a read could block on).
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .map(|e| e.path())
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        .collect();
    files.sort();
    for path in files {
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else { continue };
        if name.ends_with(".pub")
            || name.starts_with("known_hosts")
            || name.starts_with("authorized_keys")
            || matches!(name.as_str(), "config" | "environment" | "rc")
        {
            continue;
        }
        let Some(key_type) = private_key_type_of_file(&path) else { continue };
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        let facts = Facts::credential(true).attr("key_type", key_type);
        inv.push(secret_artifact(
            cx,
            "ssh",
            &format!("SSH private key {name}"),
            "ssh-private-key",
            Scope::User,
            &path,
            &meta,
            facts,
        ));
    }
}

fn private_key_type_of_file(path: &Path) -> Option<&'static str> {
    let head = read_head(path, 128)?;
    let first_line = head.split(|&b| b == b'\n').next()?;
    private_key_type(&String::from_utf8_lossy(first_line))
}

/// The key type named by a private-key header line, e.g. `-----BEGIN RSA PRIVATE KEY-----`.
/// Only the header is looked at; the key body never is.
pub fn private_key_type(first_line: &str) -> Option<&'static str> {
    let line = first_line.trim();
    if line.starts_with("PuTTY-User-Key-File-") {
        return Some("putty");
    }
    let label = line.strip_prefix("-----BEGIN ")?.strip_suffix("-----")?;
    Some(match label {
        "OPENSSH PRIVATE KEY" => "openssh",
        "RSA PRIVATE KEY" => "rsa",
        "EC PRIVATE KEY" => "ec",
        "DSA PRIVATE KEY" => "dsa",
        "PRIVATE KEY" => "pkcs8",
        "ENCRYPTED PRIVATE KEY" => "pkcs8-encrypted",
        "PGP PRIVATE KEY BLOCK" => "pgp",
        "SSH2 ENCRYPTED PRIVATE KEY" => "ssh2",
        _ => return None,
    })
}

/// The private-key type inside a PEM bundle (a `.pem` may hold only certificates).
fn pem_private_key(text: &str) -> Option<&'static str> {
    text.lines().find_map(private_key_type)
}

// ---------------------------------------------------------------------------------------------
// Project roots.

/// Credential files in the ROOT of a project (not its subdirectories: a scan must stay cheap
/// in big repositories), plus remotes with embedded credentials in `.git/config`.
pub fn scan_project_secrets(cx: &ScanContext, inv: &mut Inventory, root: &Path) {
    let ignore = GitIgnore::load(cx, root);
    let Ok(rd) = std::fs::read_dir(root) else { return };
    let mut entries: Vec<(String, PathBuf)> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    entries.sort();
    for (name, path) in entries {
        let Some((client, what, secret_kind, judge)) = classify_project_file(&name) else { continue };
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if !meta.is_file() {
            continue;
        }
        let mut facts = match judge {
            Some(judge) => match read_capped(&path) {
                Ok(text) => judge(&text),
                Err(_) => Facts::credential(true).attr("content_checked", false),
            },
            None => Facts::credential(meta.len() > 0),
        };
        if let Some(e) = &facts.parse_error {
            inv.parse_error(client, &cx.display(&path), e);
        }
        if !facts.holds_credential {
            continue;
        }
        if !ignore.is_ignored(&name) {
            facts.risks.push(Risk::new(
                "not-gitignored",
                Severity::Medium,
                format!("`{name}` is in a git repository and not listed in .gitignore; it can be committed"),
            ));
        }
        inv.push(secret_artifact(
            cx,
            client,
            &format!("{what} {name}"),
            secret_kind,
            Scope::Project,
            &path,
            &meta,
            facts,
        ));
    }
    scan_git_config(cx, inv, root);
}

type Judge = fn(&str) -> Facts;

/// Which project-root file names are credentials, and how to confirm it.
fn classify_project_file(name: &str) -> Option<(&'static str, &'static str, &'static str, Option<Judge>)> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    Some(match lower.as_str() {
        ".env" => ("project", "environment file", "dotenv", Some(dotenv as Judge)),
        n if n.starts_with(".env.") => ("project", "environment file", "dotenv", Some(dotenv as Judge)),
        ".envrc" => ("direnv", "direnv file", "dotenv", Some(dotenv as Judge)),
        ".npmrc" => ("npm", "npm config", "npm-token", Some(npmrc as Judge)),
        ".pypirc" => ("pip", "PyPI config", "pypi-credentials", Some(pypirc as Judge)),
        "credentials.json" => {
            ("project", "credentials file", "credentials-json", Some(json_credential as Judge))
        }
        n if n.starts_with("service-account") && n.ends_with(".json") => {
            ("gcloud", "service account key", "gcloud-service-account", Some(json_credential as Judge))
        }
        n if n.starts_with("id_rsa") || n.starts_with("id_ed25519") || n.starts_with("id_ecdsa") => {
            if n.ends_with(".pub") {
                return None;
            }
            ("ssh", "SSH private key", "ssh-private-key", Some(pem_key as Judge))
        }
        n if n.starts_with("secrets.") && matches!(ext, "json" | "yaml" | "yml" | "toml" | "env") => {
            ("project", "secrets file", "secrets-file", Some(dotenv as Judge))
        }
        _ => match ext {
            "pem" | "key" => ("project", "private key", "private-key", Some(pem_key as Judge)),
            "p12" | "pfx" => ("project", "PKCS#12 keystore", "pkcs12", None),
            "jks" | "keystore" => ("project", "Java keystore", "java-keystore", None),
            "tfvars" => ("terraform", "Terraform variables", "tfvars", Some(dotenv as Judge)),
            _ => return None,
        },
    })
}

/// `.git/config` remotes whose URL carries a password or token.
fn scan_git_config(cx: &ScanContext, inv: &mut Inventory, root: &Path) {
    let Some(git_dir) = git_dir_of(root) else { return };
    // Linked worktrees keep the shared config in the common dir.
    let common = read_head(&git_dir.join("commondir"), 4096)
        .map(|c| git_dir.join(String::from_utf8_lossy(&c).trim()))
        .unwrap_or_else(|| git_dir.clone());
    let config = common.join("config");
    let Ok(meta) = std::fs::metadata(&config) else { return };
    let Ok(text) = read_capped(&config) else { return };
    let count = text
        .lines()
        .filter_map(|l| l.split_once('=').filter(|(k, _)| k.trim().eq_ignore_ascii_case("url")))
        .filter(|(_, url)| url_has_credentials(url.trim()))
        .count();
    if count == 0 {
        return;
    }
    let facts = Facts::credential(true).attr("remotes_with_credentials", count);
    inv.push(secret_artifact(
        cx,
        "git",
        "git remote URL with credentials",
        "git-remote-credentials",
        Scope::Project,
        &config,
        &meta,
        facts,
    ));
}

/// The git directory of a repository root: `.git/`, or the target of a `.git` file
/// (`gitdir: …`, used by worktrees and submodules).
pub fn git_dir_of(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    let meta = std::fs::metadata(&dot_git).ok()?;
    if meta.is_dir() {
        return Some(dot_git);
    }
    let text = read_head(&dot_git, 4096)?;
    let text = String::from_utf8_lossy(&text);
    let target = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
    let target = Path::new(target);
    Some(if target.is_absolute() { target.to_path_buf() } else { root.join(target) })
}

/// The root `.gitignore` of a repository, `.git/info/exclude` and the user's global ignore file,
/// enough to tell whether a root-level file name is ignored. Later patterns win; `!` negates.
pub struct GitIgnore {
    rules: Vec<(globset::GlobMatcher, bool)>,
}

impl GitIgnore {
    pub fn load(cx: &ScanContext, root: &Path) -> GitIgnore {
        let mut files = vec![cx.home_path(".config/git/ignore"), cx.home_path(".gitignore_global")];
        if let Some(git_dir) = git_dir_of(root) {
            files.push(git_dir.join("info/exclude"));
        }
        files.push(root.join(".gitignore"));
        let mut rules = Vec::new();
        for f in files {
            let Ok(text) = read_capped(&f) else { continue };
            rules.extend(text.lines().filter_map(parse_ignore_line));
        }
        GitIgnore { rules }
    }

    pub fn from_text(text: &str) -> GitIgnore {
        GitIgnore { rules: text.lines().filter_map(parse_ignore_line).collect() }
    }

    /// Whether a file at the repository root named `name` is ignored.
    pub fn is_ignored(&self, name: &str) -> bool {
        let mut ignored = false;
        for (glob, negated) in &self.rules {
            if glob.is_match(name) {
                ignored = !negated;
            }
        }
        ignored
    }
}

fn parse_ignore_line(line: &str) -> Option<(globset::GlobMatcher, bool)> {
    let line = line.trim_end();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (negated, pat) = match line.strip_prefix('!') {
        Some(p) => (true, p),
        None => (false, line),
    };
    // Directory-only patterns never match a root-level file.
    if pat.ends_with('/') {
        return None;
    }
    let pat = pat.strip_prefix("**/").unwrap_or(pat);
    let pat = pat.strip_prefix('/').unwrap_or(pat);
    // A pattern with an inner slash names a deeper path, never a root-level file.
    if pat.contains('/') {
        return None;
    }
    let glob = GlobBuilder::new(pat).literal_separator(true).build().ok()?;
    Some((glob.compile_matcher(), negated))
}

// ---------------------------------------------------------------------------------------------
// Content judges. Each returns booleans, counts and key names only.

/// `key = value` / `key: value` / `export KEY=value` lines: (key, value) pairs, borrowed from
/// the text for the duration of the judgement.
fn key_values(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') || line.starts_with("//") {
            return None;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let line = line.strip_prefix("- ").unwrap_or(line);
        let idx = line.find(['=', ':'])?;
        let (k, v) = (line[..idx].trim(), line[idx + 1..].trim());
        // `https://…` lines and prose have a colon but no key.
        if k.is_empty() || k.contains(char::is_whitespace) {
            return None;
        }
        let k = k.trim_matches(['"', '\'']);
        let v = v.trim_end_matches(',').trim_matches(['"', '\'']).trim();
        Some((k, v))
    })
}

/// A value that holds something (not empty, not a reference, not an obvious placeholder).
fn is_literal_value(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let placeholder = matches!(lower.as_str(), "null" | "none" | "true" | "false" | "changeme" | "xxxx")
        || lower.starts_with("your")
        || (lower.starts_with('<') && lower.ends_with('>'));
    !is_reference(v) && v.len() >= 4 && !placeholder
}

fn secret_key_names(text: &str) -> Vec<String> {
    let mut names = BTreeSet::new();
    for (k, v) in key_values(text) {
        if (is_secret_name(k) && is_literal_value(v)) || looks_like_token(v) || url_has_credentials(v) {
            names.insert(key_label(k));
        }
    }
    names.into_iter().collect()
}

/// `sessionId`, `private_key_id`, `accountUuid`: names that contain a secret word but label an
/// identifier, which agent state files are full of.
fn is_identifier_name(k: &str) -> bool {
    let lower = k.to_ascii_lowercase();
    lower.ends_with("id") || lower.ends_with("uuid") || lower.ends_with("ids") || lower.ends_with("_at")
}

/// A key name as reported: names are kept only when they look like identifiers, because some
/// files key their maps by user, host or even token (`{"host:user": "gho_…"}`).
fn key_label(k: &str) -> String {
    let identifier = !k.is_empty()
        && k.len() <= 64
        && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !looks_like_token(k);
    if identifier {
        k.to_owned()
    } else {
        "(unnamed key)".to_owned()
    }
}

/// `.env`, `.envrc`, and any line-oriented config (YAML, TOML, tfvars, INI): secret-named keys
/// (or token-shaped values, or URLs with a password) holding literal values.
pub fn dotenv(text: &str) -> Facts {
    let names = secret_key_names(text);
    Facts::credential(!names.is_empty()).attr("secret_keys", names)
}

/// `~/.aws/credentials` and `~/.aws/config`: profiles with static keys. A profile with a secret
/// key and no session token holds a long-lived key.
pub fn aws_credentials(text: &str) -> Facts {
    let mut profiles = 0usize;
    let mut long_lived = 0usize;
    let mut with_keys = 0usize;
    let mut current: Option<(bool, bool)> = None;
    let close = |p: Option<(bool, bool)>, with_keys: &mut usize, long_lived: &mut usize| {
        if let Some((secret, session)) = p {
            if secret {
                *with_keys += 1;
                if !session {
                    *long_lived += 1;
                }
            }
        }
    };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            close(current.take(), &mut with_keys, &mut long_lived);
            profiles += 1;
            current = Some((false, false));
            continue;
        }
        let Some((k, v)) = line.split_once('=') else { continue };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        if v.is_empty() {
            continue;
        }
        let entry = current.get_or_insert((false, false));
        match k.as_str() {
            "aws_secret_access_key" => entry.0 = true,
            "aws_session_token" | "aws_security_token" => entry.1 = true,
            _ => {}
        }
    }
    close(current.take(), &mut with_keys, &mut long_lived);
    let mut facts = Facts::credential(with_keys > 0)
        .attr("profiles", profiles)
        .attr("profiles_with_keys", with_keys)
        .attr("long_lived_keys", long_lived);
    if long_lived > 0 {
        facts.risks.push(Risk::new(
            "long-lived-cloud-key",
            Severity::High,
            format!(
                "{long_lived} profile(s) hold a static AWS secret access key; \
                 use SSO or short-lived credentials"
            ),
        ));
    }
    facts
}

/// JSON credential files (service accounts, ADC, OAuth caches): secret-named keys with values.
pub fn json_credential(text: &str) -> Facts {
    let v = match crate::read::parse_jsonc(text) {
        Ok(v) => v,
        Err(e) => return Facts { parse_error: Some(crate::read::json_error(&e)), ..Facts::default() },
    };
    let mut names = BTreeSet::new();
    collect_secret_json_keys(&v, 0, &mut names);
    let mut facts = Facts::credential(!names.is_empty());
    // The credential type (`service_account`, `authorized_user`) is a label, not a secret.
    if let Some(t) = v.get("type").and_then(Value::as_str).filter(|t| t.len() <= 40) {
        if t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            facts = facts.attr("credential_type", t.to_owned());
        }
    }
    facts.attr("secret_keys", names.into_iter().collect::<Vec<_>>())
}

/// A file that exists only to hold a token: reported even when its shape is unknown.
fn json_credential_or_present(text: &str) -> Facts {
    let mut facts = json_credential(text);
    facts.holds_credential = !text.trim().is_empty();
    facts
}

/// An agent config that may hold tokens among other settings.
fn agent_config_json(text: &str) -> Facts {
    json_credential(text)
}

fn collect_secret_json_keys(v: &Value, depth: usize, out: &mut BTreeSet<String>) {
    if depth > 8 || out.len() > 64 {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                match child {
                    Value::String(s)
                        if (is_secret_name(k) && !is_identifier_name(k) && is_literal_value(s))
                            || looks_like_token(s) =>
                    {
                        out.insert(key_label(k));
                    }
                    Value::String(s) if url_has_credentials(s) => {
                        out.insert(key_label(k));
                    }
                    _ => collect_secret_json_keys(child, depth + 1, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_secret_json_keys(i, depth + 1, out)),
        _ => {}
    }
}

/// `~/.kube/config`: users with embedded tokens, client keys or passwords.
pub fn kubeconfig(text: &str) -> Facts {
    let embedded = key_values(text)
        .filter(|(k, v)| {
            matches!(
                *k,
                "token" | "client-key-data" | "password" | "id-token" | "refresh-token" | "access-token"
            ) && is_literal_value(v)
        })
        .count();
    let exec_plugins = key_values(text).filter(|(k, _)| *k == "exec").count();
    Facts::credential(true).attr("embedded_credentials", embedded).attr("exec_plugins", exec_plugins)
}

/// `~/.docker/config.json`: registries with inline `auth` / `identitytoken`.
pub fn docker_config(text: &str) -> Facts {
    let v = match crate::read::parse_jsonc(text) {
        Ok(v) => v,
        Err(e) => return Facts { parse_error: Some(crate::read::json_error(&e)), ..Facts::default() },
    };
    let inline = v
        .get("auths")
        .and_then(Value::as_object)
        .map(|auths| {
            auths
                .values()
                .filter(|a| {
                    ["auth", "identitytoken", "password"]
                        .iter()
                        .any(|k| a.get(*k).and_then(Value::as_str).is_some_and(|s| !s.is_empty()))
                })
                .count()
        })
        .unwrap_or(0);
    Facts::credential(inline > 0).attr("registries_with_inline_auth", inline)
}

/// `~/.config/gh/hosts.yml`: hosts whose token is in the file rather than the keyring.
pub fn gh_hosts(text: &str) -> Facts {
    let tokens = key_values(text).filter(|(k, v)| *k == "oauth_token" && is_literal_value(v)).count();
    Facts::credential(tokens > 0).attr("tokens", tokens)
}

/// `~/.git-credentials`: one URL with userinfo per line.
pub fn git_credentials(text: &str) -> Facts {
    let n = text.lines().filter(|l| url_has_credentials(l.trim())).count();
    Facts::credential(n > 0).attr("entries", n)
}

/// Any text with URLs carrying a password or token (`.gitconfig`, `pip.conf`).
fn url_credentials(text: &str) -> Facts {
    let n = text.split_whitespace().filter(|w| url_has_credentials(w.trim_matches(['"', '\'']))).count();
    Facts::credential(n > 0).attr("urls_with_credentials", n)
}

/// `~/.netrc`: `machine … login … password …` entries.
pub fn netrc(text: &str) -> Facts {
    let words: Vec<&str> = text.split_whitespace().collect();
    let machines = words.iter().filter(|w| matches!(**w, "machine" | "default")).count();
    let passwords = words.windows(2).filter(|w| w[0] == "password" && !w[1].is_empty()).count();
    Facts::credential(passwords > 0).attr("machines", machines).attr("passwords", passwords)
}

/// `.npmrc`: `_authToken`, `_auth`, `_password` with literal values.
pub fn npmrc(text: &str) -> Facts {
    let mut names = BTreeSet::new();
    for (k, v) in text.lines().filter_map(|l| l.trim().split_once('=')) {
        let k = k.trim();
        let key = k.rsplit(':').next().unwrap_or(k);
        if matches!(key, "_authToken" | "_auth" | "_password" | "password") && is_literal_value(v.trim()) {
            names.insert(key.to_owned());
        }
    }
    Facts::credential(!names.is_empty()).attr("secret_keys", names.into_iter().collect::<Vec<_>>())
}

/// `.yarnrc.yml`: `npmAuthToken`, `npmAuthIdent`, `npmPassword`.
fn yarnrc(text: &str) -> Facts {
    let mut names = BTreeSet::new();
    for (k, v) in key_values(text) {
        if matches!(k, "npmAuthToken" | "npmAuthIdent" | "npmPassword") && is_literal_value(v) {
            names.insert(key_label(k));
        }
    }
    Facts::credential(!names.is_empty()).attr("secret_keys", names.into_iter().collect::<Vec<_>>())
}

/// `.pypirc`: `password` entries.
fn pypirc(text: &str) -> Facts {
    let n = key_values(text).filter(|(k, v)| *k == "password" && is_literal_value(v)).count();
    Facts::credential(n > 0).attr("passwords", n)
}

/// `~/.m2/settings.xml`: `<server>` entries with a literal `<password>` or `<passphrase>`
/// (`${env.X}` references and `{…}` encrypted values excepted).
fn maven_settings(text: &str) -> Facts {
    let mut passwords = 0usize;
    for tag in ["password", "passphrase"] {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        let mut rest = text;
        while let Some(start) = rest.find(&open) {
            let after = &rest[start + open.len()..];
            let Some(end) = after.find(&close) else { break };
            let value = after[..end].trim();
            if is_literal_value(value) && !value.starts_with("${") && !value.starts_with('{') {
                passwords += 1;
            }
            rest = &after[end..];
        }
    }
    Facts::credential(passwords > 0).attr("passwords", passwords)
}

/// `credentials.toml`: a `token` key.
fn token_key(text: &str) -> Facts {
    let n = key_values(text).filter(|(k, v)| *k == "token" && is_literal_value(v)).count();
    Facts::credential(n > 0).attr("tokens", n)
}

/// `.terraformrc`: `credentials "host" { token = "…" }` blocks.
fn terraformrc(text: &str) -> Facts {
    let blocks = text.lines().filter(|l| l.trim_start().starts_with("credentials ")).count();
    let tokens = key_values(text).filter(|(k, v)| *k == "token" && is_literal_value(v)).count();
    Facts::credential(tokens > 0).attr("credential_blocks", blocks)
}

/// A `.pem` / `.key` / `id_rsa` file in a project: only if it holds a private key.
fn pem_key(text: &str) -> Facts {
    match pem_private_key(text) {
        Some(t) => Facts::credential(true).attr("key_type", t),
        None => Facts::credential(false),
    }
}

/// Every content judge over one text, as the fuzz target and its seeded test drive them.
/// Outside input of any shape must give facts (never a panic) that hold no value from `text`.
pub fn judge_all(text: &str) -> Vec<Facts> {
    const JUDGES: [Judge; 16] = [
        dotenv,
        aws_credentials,
        json_credential,
        json_credential_or_present,
        kubeconfig,
        docker_config,
        gh_hosts,
        git_credentials,
        url_credentials,
        netrc,
        npmrc,
        yarnrc,
        pypirc,
        token_key,
        terraformrc,
        pem_key,
    ];
    let mut out: Vec<Facts> = JUDGES.iter().map(|judge| judge(text)).collect();
    if let Some(line) = text.lines().next() {
        out.push(Facts::credential(private_key_type(line).is_some()));
    }
    out
}

/// A URL (or a `scheme://…` word) with a password or a token in its userinfo.
pub fn url_has_credentials(url: &str) -> bool {
    let Some(idx) = url.find("://") else { return false };
    let rest = &url[idx + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let Some(at) = authority.rfind('@') else { return false };
    let userinfo = &authority[..at];
    match userinfo.split_once(':') {
        Some((_, pw)) => !pw.is_empty() && !is_reference(pw),
        None => looks_like_token(userinfo) || userinfo.len() >= 20,
    }
}

// ---------------------------------------------------------------------------------------------
// Post-passes over the whole inventory.

/// A `secret` artifact for every MCP server that stores a credential in plain text in its
/// config (risk `plaintext-secret` set by [`crate::mcp::server_artifact`]).
pub fn mcp_config_secrets(cx: &ScanContext, artifacts: &[Artifact]) -> Vec<Artifact> {
    let mut out = Vec::new();
    for mcp in artifacts.iter().filter(|a| a.kind == ArtifactKind::McpServer) {
        let Some(risk) = mcp.risk.iter().find(|r| r.flag == "plaintext-secret") else { continue };
        let path = shown_to_path(cx, &mcp.source);
        let mut art = Artifact::new(
            ArtifactKind::Secret,
            &mcp.client,
            format!("MCP server {} credential", mcp.name),
            mcp.scope,
            mcp.source.clone(),
            mcp.source.clone(),
        )
        .attr("secret_kind", "mcp-config-plaintext")
        .attr("path", mcp.source.clone())
        .attr("mcp_server", mcp.name.clone())
        .attr("mcp_server_id", mcp.id.clone())
        .with_risk(risk.clone());
        if let Ok(meta) = std::fs::metadata(&path) {
            art = art.attr("size", meta.len());
            if let Some(mode) = file_mode(&meta) {
                art = art.attr("mode", format!("{mode:04o}"));
                if let Some(r) = loose_permissions(mode, meta.is_dir()) {
                    art = art.with_risk(r);
                }
            }
        }
        out.push(art);
    }
    out
}

/// `~/x` back to `<home>/x`; anything else as given.
fn shown_to_path(cx: &ScanContext, shown: &str) -> PathBuf {
    match shown.strip_prefix("~/") {
        Some(rest) => cx.home.join(rest),
        None if shown == "~" => cx.home.clone(),
        None => PathBuf::from(shown),
    }
}

/// One agent and the paths it is configured not to read.
struct Reader {
    client: String,
    deny: GlobSet,
}

/// Set `readable_by` on every secret: the clients of the agent artifacts in this scan whose
/// `deny_read` globs (attribute, list of strings) do not cover the secret's path.
pub fn attach_readers(cx: &ScanContext, artifacts: &mut [Artifact]) {
    let readers: Vec<Reader> = artifacts
        .iter()
        .filter(|a| a.kind == ArtifactKind::Agent)
        .map(|a| Reader { client: a.client.clone(), deny: deny_set(cx, a.attributes.get("deny_read")) })
        .collect();
    for art in artifacts.iter_mut().filter(|a| a.kind == ArtifactKind::Secret) {
        let shown = art.attributes.get("path").and_then(Value::as_str).unwrap_or(&art.source).to_owned();
        let path = shown_to_path(cx, &shown);
        let mut names: Vec<String> =
            readers.iter().filter(|r| !is_denied(&r.deny, &path)).map(|r| r.client.clone()).collect();
        names.sort();
        names.dedup();
        art.attributes.insert("readable_by".to_owned(), Value::from(names));
    }
}

fn is_denied(deny: &GlobSet, path: &Path) -> bool {
    // A glob that covers a directory (`~/.ssh`, `~/.aws/**`) covers what is inside it.
    !deny.is_empty() && path.ancestors().any(|p| deny.is_match(p))
}

/// Compile `deny_read` globs: `~/` is the home, `//x` and `/x` are absolute, `**` alone is
/// everything, a bare or `./` pattern matches at any depth, Claude Code's `Read(…)` wrapper is
/// unwrapped. Globs that do not compile are ignored (the agent then counts as a reader: when in
/// doubt, a credential is reported as exposed).
fn deny_set(cx: &ScanContext, attr: Option<&Value>) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for raw in attr.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        let mut g = raw.trim();
        if let Some(inner) = g.strip_prefix("Read(").and_then(|r| r.strip_suffix(')')) {
            g = inner;
        }
        let g = g.trim_end_matches('/');
        let pattern = if g == "**" || g == "*" {
            // A bare `Read` deny rule: nothing may be read.
            "/**".to_owned()
        } else if let Some(rest) = g.strip_prefix("~/") {
            format!("{}/{rest}", cx.home.display())
        } else if let Some(abs) = g.strip_prefix("//") {
            // Claude Code writes absolute paths as `//path`.
            format!("/{abs}")
        } else if g.starts_with('/') {
            g.to_owned()
        } else {
            format!("**/{}", g.trim_start_matches("./").trim_start_matches("**/"))
        };
        if let Ok(glob) = GlobBuilder::new(&pattern).literal_separator(true).build() {
            b.add(glob);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_headers() {
        assert_eq!(private_key_type("-----BEGIN OPENSSH PRIVATE KEY-----"), Some("openssh"));
        assert_eq!(private_key_type("-----BEGIN RSA PRIVATE KEY-----\r"), Some("rsa"));
        assert_eq!(private_key_type("-----BEGIN CERTIFICATE-----"), None);
        assert_eq!(private_key_type("ssh-ed25519 AAAA comment"), None);
        assert_eq!(private_key_type(""), None);
    }

    #[test]
    fn maven_settings_passwords() {
        let with = "<settings><servers><server><id>r</id><username>u</username><password>PLANTEDpw</password></server></servers></settings>";
        let f = maven_settings(with);
        assert!(f.holds_credential);
        assert!(!format!("{:?}", f.attributes).contains("PLANTED"));
        assert!(!maven_settings("<server><password>${env.PW}</password></server>").holds_credential);
        assert!(
            !maven_settings("<server><password>{COQLCE6DU6GtcS5P=}</password></server>").holds_credential
        );
        assert!(!maven_settings("<settings><mirrors/></settings>").holds_credential);
        assert!(!maven_settings("<password>unclosed").holds_credential);
    }

    #[test]
    fn dotenv_keeps_names_only() {
        let f = dotenv(concat!(
            "# c\nAPI_KEY=abcdPLANTED123\nexport DB_PASSWORD='PLANTEDpw'\n",
            "LOG=debug\nEMPTY_TOKEN=\nREF_TOKEN=${X}\n"
        ));
        assert!(f.holds_credential);
        let dump = format!("{:?}", f.attributes);
        assert!(dump.contains("API_KEY") && dump.contains("DB_PASSWORD"), "{dump}");
        assert!(!dump.contains("PLANTED") && !dump.contains("REF_TOKEN") && !dump.contains("EMPTY_TOKEN"));
        assert!(!dotenv("LOG=debug\nPORT=8080\n").holds_credential);
    }

    #[test]
    fn aws_long_lived_vs_session() {
        let f = aws_credentials(concat!(
            "[default]\naws_access_key_id = AKIAX\naws_secret_access_key = s3cr3tPLANTED\n",
            "[tmp]\naws_secret_access_key = y\naws_session_token = z\n"
        ));
        assert!(f.holds_credential);
        assert_eq!(f.risks.len(), 1);
        assert!(!format!("{f:?}").contains("PLANTED"));
        assert!(!aws_credentials("[profile x]\nsso_session = corp\nregion = eu-west-1\n").holds_credential);
    }

    #[test]
    fn urls_with_credentials() {
        assert!(url_has_credentials("https://user:pw@github.com/o/r.git"));
        assert!(url_has_credentials("https://ghp_0123456789abcdefghij0123@github.com/o/r"));
        assert!(!url_has_credentials("https://github.com/o/r.git"));
        assert!(!url_has_credentials("ssh://git@github.com/o/r.git"));
        assert!(!url_has_credentials("git@github.com:o/r.git"));
        assert!(!url_has_credentials("https://u:${TOKEN}@h/x"));
    }

    #[test]
    fn gitignore_rules() {
        let gi = GitIgnore::from_text("# c\n.env*\n!.env.example\nbuild/\n/secrets.json\nsub/x.pem\n");
        assert!(gi.is_ignored(".env") && gi.is_ignored(".env.local"));
        assert!(!gi.is_ignored(".env.example"));
        assert!(gi.is_ignored("secrets.json"));
        assert!(!gi.is_ignored("x.pem"));
        assert!(!GitIgnore::from_text("[invalid\n").is_ignored("a"));
    }

    #[test]
    fn malformed_content_never_panics() {
        for text in
            ["", "=", ":::", "[", "{", "export =", "\u{0}\u{ff}", "- :", "machine", "password", "://@"]
        {
            assert!(judge_all(text).len() >= 16);
        }
    }

    /// The inventory inspects exactly the shared credential locations the policy's
    /// `@credentials` class is built from (`ward_model::credentials`), with the same kind.
    #[test]
    fn user_locations_are_the_shared_credential_table() {
        let shared = ward_model::credentials::HOME_CREDENTIALS;
        for loc in USER_LOCATIONS {
            let entry = shared.iter().find(|c| c.rel == loc.rel);
            let entry = entry.unwrap_or_else(|| panic!("{} is scanned but not in the shared table", loc.rel));
            assert_eq!(entry.dir, matches!(loc.check, Check::DirEntries), "{}: file or directory", loc.rel);
            assert_eq!(entry.client, loc.client, "{}: client", loc.rel);
        }
        for c in shared {
            assert!(USER_LOCATIONS.iter().any(|l| l.rel == c.rel), "{} is shared but not scanned", c.rel);
        }
        for must in
            [".config/glab-cli/config.yml", ".gem/credentials", ".git-credentials", ".config/git/credentials"]
        {
            assert!(shared.iter().any(|c| c.rel == must), "{must}");
        }
    }
}
