//! Built-in path classes. `@credentials`: files that hold credentials on a developer machine
//! (cloud, cluster, registry, forge, package-manager and agent tokens; keys; `.env` files).
//! Admins extend it with `[classes.credentials] paths = [...]` and define their own classes.
//! Locations under the home come from the one shared table,
//! [`ward_model::credentials::HOME_CREDENTIALS`] (also what `ward scan` inspects); the names
//! below are found anywhere (project secrets, keys).

/// Every pattern of `@credentials`: [`CREDENTIAL_PATTERNS`] and the home locations of the
/// shared table.
pub fn credential_patterns() -> Vec<String> {
    let mut out: Vec<String> = CREDENTIAL_PATTERNS.iter().map(|s| s.to_string()).collect();
    for loc in ward_model::credentials::HOME_CREDENTIALS {
        let pattern = if loc.dir { format!("~/{}/**", loc.rel) } else { format!("~/{}", loc.rel) };
        if !out.contains(&pattern) {
            out.push(pattern);
        }
    }
    out
}

/// Patterns of `@credentials` besides the shared home table (path-pattern syntax of
/// `docs/policy.md`; `!` excludes).
pub const CREDENTIAL_PATTERNS: &[&str] = &[
    // Project secrets.
    ".env",
    ".env.*",
    "!.env.example",
    "!.env.sample",
    "!.env.template",
    "!.env.dist",
    ".envrc",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "!*.pub",
    "credentials.json",
    "service-account*.json",
    "*.tfvars",
    ".npmrc",
    ".pypirc",
    ".netrc",
    "_netrc",
    ".git-credentials",
    // Under the home, beyond the shared table: SSH keys are found by name in `~/.ssh`, and
    // Azure keeps its caches under several extensions.
    "~/.ssh/id_*",
    // A process's environment holds tokens (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`).
    "/proc/*/environ",
    "~/.azure/msal_token_cache.*",
    "~/.azure/service_principal_entries.*",
];
