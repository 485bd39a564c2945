//! The one table of where credentials live under a home directory. The policy's built-in
//! `@credentials` class is built from it (`~/REL`, and `~/REL/**` for directories) and the
//! inventory's secret scan inspects exactly these locations (a test in `ward-inventory`
//! checks that its table lists the same paths), so `ward scan` and `ward hook` agree on what
//! a credential is. Project-level names (`.env`, `*.pem`, `id_rsa`) and SSH keys, which are
//! found by name rather than by location, are in the policy's class only.

/// One credential location under the home.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialLocation {
    /// Path relative to the home, `/`-separated.
    pub rel: &'static str,
    /// The client (program) that keeps it.
    pub client: &'static str,
    /// A directory of credential files (every file under it counts).
    pub dir: bool,
}

/// Credential files and directories under a home (reference/agents.md §13).
pub const HOME_CREDENTIALS: &[CredentialLocation] = &[
    CredentialLocation { rel: ".aws/credentials", client: "aws", dir: false },
    CredentialLocation { rel: ".aws/config", client: "aws", dir: false },
    CredentialLocation { rel: ".aws/sso/cache", client: "aws", dir: true },
    CredentialLocation { rel: ".aws/cli/cache", client: "aws", dir: true },
    CredentialLocation {
        rel: ".config/gcloud/application_default_credentials.json",
        client: "gcloud",
        dir: false,
    },
    CredentialLocation { rel: ".config/gcloud/credentials.db", client: "gcloud", dir: false },
    CredentialLocation { rel: ".config/gcloud/access_tokens.db", client: "gcloud", dir: false },
    CredentialLocation { rel: ".config/gcloud/legacy_credentials", client: "gcloud", dir: true },
    CredentialLocation { rel: ".azure/msal_token_cache.json", client: "az", dir: false },
    CredentialLocation { rel: ".azure/msal_token_cache.bin", client: "az", dir: false },
    CredentialLocation { rel: ".azure/accessTokens.json", client: "az", dir: false },
    CredentialLocation { rel: ".azure/service_principal_entries.json", client: "az", dir: false },
    CredentialLocation { rel: ".azure/service_principal_entries.bin", client: "az", dir: false },
    CredentialLocation { rel: ".kube/config", client: "kubectl", dir: false },
    CredentialLocation { rel: ".docker/config.json", client: "docker", dir: false },
    CredentialLocation { rel: ".config/gh/hosts.yml", client: "gh", dir: false },
    CredentialLocation { rel: ".config/glab-cli/config.yml", client: "glab", dir: false },
    CredentialLocation { rel: ".git-credentials", client: "git", dir: false },
    CredentialLocation { rel: ".config/git/credentials", client: "git", dir: false },
    CredentialLocation { rel: ".gitconfig", client: "git", dir: false },
    // git's XDG twin of `~/.gitconfig`: the same helpers, tokens in `url.*.insteadOf`.
    CredentialLocation { rel: ".config/git/config", client: "git", dir: false },
    CredentialLocation { rel: ".netrc", client: "netrc", dir: false },
    CredentialLocation { rel: "_netrc", client: "netrc", dir: false },
    CredentialLocation { rel: ".npmrc", client: "npm", dir: false },
    CredentialLocation { rel: ".yarnrc.yml", client: "yarn", dir: false },
    CredentialLocation { rel: ".pypirc", client: "pip", dir: false },
    CredentialLocation { rel: ".config/pip/pip.conf", client: "pip", dir: false },
    CredentialLocation { rel: ".pip/pip.conf", client: "pip", dir: false },
    CredentialLocation { rel: ".cargo/credentials.toml", client: "cargo", dir: false },
    CredentialLocation { rel: ".cargo/credentials", client: "cargo", dir: false },
    CredentialLocation { rel: ".gem/credentials", client: "gem", dir: false },
    CredentialLocation { rel: ".terraform.d/credentials.tfrc.json", client: "terraform", dir: false },
    CredentialLocation { rel: ".terraformrc", client: "terraform", dir: false },
    CredentialLocation { rel: ".vault-token", client: "vault", dir: false },
    CredentialLocation { rel: ".config/op", client: "op", dir: true },
    CredentialLocation { rel: ".gnupg/private-keys-v1.d", client: "gpg", dir: true },
    CredentialLocation { rel: ".gnupg/secring.gpg", client: "gpg", dir: false },
    CredentialLocation { rel: ".claude/.credentials.json", client: "claude-code", dir: false },
    CredentialLocation { rel: ".claude.json", client: "claude-code", dir: false },
    CredentialLocation { rel: ".gemini/oauth_creds.json", client: "gemini-cli", dir: false },
    CredentialLocation { rel: ".gemini/mcp-oauth-tokens.json", client: "gemini-cli", dir: false },
    CredentialLocation { rel: ".gemini/.env", client: "gemini-cli", dir: false },
    CredentialLocation { rel: ".codex/auth.json", client: "codex", dir: false },
    CredentialLocation { rel: ".codex/.env", client: "codex", dir: false },
    CredentialLocation { rel: ".copilot/config.json", client: "copilot-cli", dir: false },
    CredentialLocation { rel: ".copilot/mcp-secrets", client: "copilot-cli", dir: true },
    CredentialLocation { rel: ".copilot/mcp-oauth-config", client: "copilot-cli", dir: true },
    CredentialLocation { rel: ".config/github-copilot/hosts.json", client: "copilot", dir: false },
    CredentialLocation { rel: ".config/github-copilot/apps.json", client: "copilot", dir: false },
    CredentialLocation { rel: ".cursor/cli-config.json", client: "cursor", dir: false },
    CredentialLocation { rel: ".local/share/opencode/auth.json", client: "opencode", dir: false },
    CredentialLocation { rel: ".local/share/opencode/mcp-auth.json", client: "opencode", dir: false },
    CredentialLocation { rel: ".cline/data/secrets.json", client: "cline", dir: false },
    CredentialLocation { rel: ".aider.conf.yml", client: "aider", dir: false },
    CredentialLocation { rel: ".env", client: "home", dir: false },
    CredentialLocation { rel: ".bash_history", client: "shell", dir: false },
    CredentialLocation { rel: ".zsh_history", client: "shell", dir: false },
    CredentialLocation { rel: ".local/share/fish/fish_history", client: "shell", dir: false },
    CredentialLocation { rel: ".python_history", client: "shell", dir: false },
    CredentialLocation { rel: ".psql_history", client: "psql", dir: false },
    CredentialLocation { rel: ".mysql_history", client: "mysql", dir: false },
    CredentialLocation {
        rel: ".local/share/powershell/PSReadLine/ConsoleHost_history.txt",
        client: "shell",
        dir: false,
    },
    CredentialLocation {
        rel: "AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt",
        client: "shell",
        dir: false,
    },
    CredentialLocation {
        rel: "AppData/Roaming/gcloud/application_default_credentials.json",
        client: "gcloud",
        dir: false,
    },
    CredentialLocation { rel: "AppData/Roaming/gcloud/credentials.db", client: "gcloud", dir: false },
    CredentialLocation { rel: "AppData/Roaming/GitHub CLI/hosts.yml", client: "gh", dir: false },
    CredentialLocation { rel: "AppData/Roaming/terraform.rc", client: "terraform", dir: false },
    CredentialLocation { rel: "AppData/Roaming/npm/etc/npmrc", client: "npm", dir: false },
    CredentialLocation { rel: "AppData/Roaming/pip/pip.ini", client: "pip", dir: false },
    CredentialLocation { rel: ".claude/history.jsonl", client: "claude-code", dir: false },
    CredentialLocation { rel: ".local/share/keyrings", client: "os", dir: true },
    CredentialLocation { rel: "Library/Keychains", client: "os", dir: true },
];
