//! The fleet policy on the endpoint: `ward agent run` fetches the admin's current policy from
//! the server (`GET /api/v1/policy` with `If-None-Match`, so an unchanged policy costs one 304),
//! validates it with the same compiler the hook uses, installs it atomically where the hook reads
//! it, and reports the digest of the policy the hook actually enforces.
//!
//! What is reported is computed from the hook's own path resolution, not from what was
//! installed: if a managed policy outranks the installed file, or the file in force does not
//! compile (the hook then falls back to the built-in policy), the server hears that. The
//! `If-None-Match` sent is the digest of the installed file, so a local edit of it makes the
//! next pull install the admin's policy again.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::paths::{PathInputs, Resolution};
use crate::ship::{Enrollment, ShipError};

/// Largest policy the endpoint accepts from the server (the server's own limit).
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// `sha256:<hex>` of a policy file's bytes (the server computes the same).
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The policy the hook enforces under the given inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InForce {
    /// `None`: the built-in policy.
    pub path: Option<PathBuf>,
    /// managed, flag, env, user or builtin.
    pub source: &'static str,
    pub digest: String,
}

/// Resolves the policy exactly as the hook does (managed beats `--policy` beats `$WARD_POLICY`
/// beats the user file), and, like the hook, counts a file that cannot be read or compiled as
/// the built-in policy, which is what stands in for it.
pub fn in_force(inputs: &PathInputs) -> InForce {
    let resolution = Resolution::new(inputs);
    let builtin =
        || InForce { path: None, source: "builtin", digest: digest(ward_policy::BUILTIN_POLICY.as_bytes()) };
    let Some(path) = resolution.policy_file else { return builtin() };
    let Ok(bytes) = fs::read(&path) else { return builtin() };
    let compiles = std::str::from_utf8(&bytes)
        .ok()
        .is_some_and(|text| ward_policy::Policy::from_toml_str(text, &path.display().to_string()).is_ok());
    if !compiles {
        return builtin();
    }
    let source = if resolution.policy_managed {
        "managed"
    } else if inputs.policy_flag.as_deref() == Some(path.as_path()) {
        "flag"
    } else if inputs.env_policy.as_deref() == Some(path.as_path()) {
        "env"
    } else {
        "user"
    };
    InForce { digest: digest(&bytes), path: Some(path), source }
}

/// Where the fleet policy is installed: the managed policy file when the daemon runs as root
/// (managed mode: it outranks anything a user configures), else the user policy file.
pub fn default_target(inputs: &PathInputs, as_root: bool) -> Option<PathBuf> {
    let resolution = Resolution::new(inputs);
    if as_root {
        return Some(crate::paths::managed_policy_path(&resolution.system_root));
    }
    resolution.home.map(|home| home.join(".config/ward/policy.toml"))
}

/// What one pull did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pulled {
    /// The installed policy is the current one (the server answered 304).
    Unchanged { digest: String, enforced: InForce },
    /// A new policy was installed at `path`.
    Installed {
        digest: String,
        version: Option<u64>,
        path: PathBuf,
        /// A policy file that was there before the fleet's first install, kept here.
        backup: Option<PathBuf>,
        enforced: InForce,
    },
    /// No policy has been pushed to the fleet: the device keeps what it has.
    NothingPushed { enforced: InForce },
}

/// The server's answer to a policy fetch.
enum Fetched {
    Modified { body: Vec<u8>, tag: Option<String>, version: Option<u64> },
    NotModified,
    NothingPushed,
}

/// Pulls the fleet policy into one target file.
#[derive(Debug, Clone)]
pub struct PolicyPuller {
    pub target: PathBuf,
    /// The hook's path inputs (home, system root, `$WARD_POLICY`), to tell what it enforces.
    pub inputs: PathInputs,
}

/// The file a policy that was in place before the fleet's first install is moved to.
pub fn backup_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".before-fleet");
    target.with_file_name(name)
}

impl PolicyPuller {
    /// One pull for the device enrolled under `data_dir` (enrollment and one-off commands).
    pub fn pull_enrolled(&self, data_dir: &Path) -> Result<Pulled, ShipError> {
        let enrollment = Enrollment::load(data_dir)?;
        let agent = crate::ship::http_agent_trusting(
            std::time::Duration::from_secs(30),
            enrollment.ca_cert.as_deref(),
        )?;
        self.pull(&enrollment, &agent)
    }

    /// One round: report what is enforced, fetch if changed, install, report again.
    pub fn pull(&self, enrollment: &Enrollment, agent: &ureq::Agent) -> Result<Pulled, ShipError> {
        let installed = fs::read(&self.target).ok().map(|bytes| digest(&bytes));
        let enforced = in_force(&self.inputs);
        let (body, tag, version) = match self.fetch(enrollment, agent, installed.as_deref(), &enforced)? {
            Fetched::Modified { body, tag, version } => (body, tag, version),
            Fetched::NotModified => {
                return Ok(Pulled::Unchanged { digest: installed.unwrap_or_default(), enforced })
            }
            Fetched::NothingPushed => return Ok(Pulled::NothingPushed { enforced }),
        };
        let digest = digest(&body);
        if tag.as_deref() != Some(digest.as_str()) {
            return Err(ShipError::BadAnswer(format!(
                "the policy's ETag {tag:?} is not the digest of its body ({digest})"
            )));
        }
        let text = std::str::from_utf8(&body)
            .map_err(|_| ShipError::BadAnswer("the fleet policy is not UTF-8 text".into()))?;
        if let Err(error) = ward_policy::Policy::from_toml_str(text, "fleet policy") {
            // Never install what the hook would replace by the built-in policy.
            return Err(ShipError::BadAnswer(format!("the fleet policy does not compile:\n{error}")));
        }
        let backup = self.install(&body, installed.is_some())?;
        let enforced = in_force(&self.inputs);
        // Tell the server at once what is enforced now (an unchanged policy: a 304).
        self.fetch(enrollment, agent, Some(&digest), &enforced)?;
        Ok(Pulled::Installed { digest, version, path: self.target.clone(), backup, enforced })
    }

    /// `GET /api/v1/policy`, saying what is installed and what is enforced.
    fn fetch(
        &self,
        enrollment: &Enrollment,
        agent: &ureq::Agent,
        installed: Option<&str>,
        enforced: &InForce,
    ) -> Result<Fetched, ShipError> {
        let url = format!("{}/api/v1/policy", enrollment.server);
        let unreachable = |e: ureq::Error| ShipError::Unreachable { url: url.clone(), reason: e.to_string() };
        let mut request = agent
            .get(&url)
            .header("Authorization", &format!("Bearer {}", enrollment.credential))
            .header("Ward-Policy-Enforced", &enforced.digest)
            .header("Ward-Policy-Source", enforced.source);
        if let Some(digest) = installed {
            request = request.header("If-None-Match", &format!("\"{digest}\""));
        }
        let mut response = request.call().map_err(unreachable)?;
        let status = response.status().as_u16();
        let header =
            |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let tag = header("etag").map(|t| t.trim_start_matches("W/").trim_matches('"').to_owned());
        let version = header("ward-policy-version").and_then(|v| v.parse().ok());
        match status {
            304 => Ok(Fetched::NotModified),
            200 => {
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(MAX_POLICY_BYTES)
                    .read_to_vec()
                    .map_err(unreachable)?;
                Ok(Fetched::Modified { body, tag, version })
            }
            _ => {
                let text =
                    response.body_mut().with_config().limit(1 << 20).read_to_string().unwrap_or_default();
                let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                if status == 404 && value["error"]["code"] == "not_found" {
                    return Ok(Fetched::NothingPushed);
                }
                let message = value["error"]["message"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| text.chars().take(200).collect());
                Err(ShipError::Refused { status, message })
            }
        }
    }

    /// Writes the policy atomically (a new file beside the target, synced, renamed over it, the
    /// directory synced), readable by every user (the hook runs as each of them). A file the
    /// fleet did not put there is kept as `<target>.before-fleet` the first time.
    fn install(&self, body: &[u8], existed: bool) -> Result<Option<PathBuf>, ShipError> {
        use std::os::unix::fs::OpenOptionsExt;
        let target = &self.target;
        let fail = |source| ShipError::Write { path: target.clone(), source };
        let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(fail)?;
        let mut backup = None;
        let marker = fleet_marker(target);
        if existed && !marker.exists() {
            let path = backup_path(target);
            if !path.exists() {
                fs::copy(target, &path).map_err(fail)?;
                backup = Some(path);
            }
        }
        let tmp = dir.join(format!(".{}.ward-{}", file_name(target), std::process::id()));
        let _ = fs::remove_file(&tmp);
        let mut file =
            fs::OpenOptions::new().write(true).create_new(true).mode(0o644).open(&tmp).map_err(fail)?;
        let written = file.write_all(body).and_then(|()| file.sync_all());
        if let Err(error) = written {
            let _ = fs::remove_file(&tmp);
            return Err(fail(error));
        }
        if let Err(error) = fs::rename(&tmp, target) {
            let _ = fs::remove_file(&tmp);
            return Err(fail(error));
        }
        if let Ok(handle) = fs::File::open(dir) {
            let _ = handle.sync_all();
        }
        // Notes that the file at the target is the fleet's, so later installs keep no backup.
        let _ = fs::write(&marker, digest(body));
        Ok(backup)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "policy.toml".into())
}

/// `<dir>/.<name>.fleet`: present once the fleet installed its policy at the target.
fn fleet_marker(target: &Path) -> PathBuf {
    target.with_file_name(format!(".{}.fleet", file_name(target)))
}

/// `PUT /api/v1/policy` with the admin token: uploads a policy (the caller validated it first;
/// the server validates it again). The server's JSON answer: version, digest, unchanged.
pub fn push(
    server: &str,
    admin_token: &str,
    body: &[u8],
    label: Option<&str>,
    ca_pem: Option<&str>,
) -> Result<serde_json::Value, ShipError> {
    let url = format!("{}/api/v1/policy", crate::ship::normalize_server(server));
    let agent = crate::ship::http_agent_trusting(std::time::Duration::from_secs(60), ca_pem)?;
    let mut request = agent
        .put(&url)
        .header("Authorization", &format!("Bearer {admin_token}"))
        .header("Content-Type", "application/toml");
    if let Some(label) = label {
        request = request.query("label", label);
    }
    let unreachable = |e: ureq::Error| ShipError::Unreachable { url: url.clone(), reason: e.to_string() };
    let mut response = request.send(body).map_err(unreachable)?;
    let status = response.status().as_u16();
    let text = response.body_mut().with_config().limit(1 << 20).read_to_string().map_err(unreachable)?;
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if !(200..300).contains(&status) {
        let message = value["error"]["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| text.chars().take(200).collect());
        return Err(ShipError::Refused { status, message });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(root: &Path) -> PathInputs {
        PathInputs {
            home_flag: Some(root.join("home")),
            env_system_root: Some(root.join("sys")),
            ..PathInputs::default()
        }
    }

    #[test]
    fn the_policy_in_force_follows_the_hooks_resolution() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("home")).unwrap();
        let inputs = inputs(dir.path());
        let builtin = in_force(&inputs);
        assert_eq!((builtin.source, builtin.path.as_ref()), ("builtin", None));
        assert_eq!(builtin.digest, digest(ward_policy::BUILTIN_POLICY.as_bytes()));

        let user = default_target(&inputs, false).unwrap();
        assert_eq!(user, dir.path().join("home/.config/ward/policy.toml"));
        fs::create_dir_all(user.parent().unwrap()).unwrap();
        let text = format!("{}\n# mine\n", ward_policy::BUILTIN_POLICY);
        fs::write(&user, &text).unwrap();
        let mine = in_force(&inputs);
        assert_eq!((mine.source, mine.digest.clone()), ("user", digest(text.as_bytes())));

        // A file that does not compile is replaced by the built-in policy in the hook: so here.
        fs::write(&user, "not = = toml").unwrap();
        assert_eq!(in_force(&inputs).source, "builtin");

        // The managed file outranks the user's.
        let managed = default_target(&inputs, true).unwrap();
        assert_eq!(managed, dir.path().join("sys/etc/ward/policy.toml"));
        fs::create_dir_all(managed.parent().unwrap()).unwrap();
        fs::write(&managed, ward_policy::BUILTIN_POLICY).unwrap();
        let admin = in_force(&inputs);
        assert_eq!((admin.source, admin.path), ("managed", Some(managed)));
    }

    #[test]
    fn installs_are_atomic_and_keep_the_users_own_policy_once() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("cfg/policy.toml");
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(&target, "# the user's own\n").unwrap();
        let puller = PolicyPuller { target: target.clone(), inputs: inputs(dir.path()) };
        let backup = puller.install(b"# fleet v1\n", true).unwrap();
        assert_eq!(backup, Some(backup_path(&target)));
        assert_eq!(fs::read_to_string(backup_path(&target)).unwrap(), "# the user's own\n");
        assert_eq!(fs::read_to_string(&target).unwrap(), "# fleet v1\n");
        // The next install replaces the fleet's file and keeps no second backup.
        assert_eq!(puller.install(b"# fleet v2\n", true).unwrap(), None);
        assert_eq!(fs::read_to_string(backup_path(&target)).unwrap(), "# the user's own\n");
        assert_eq!(fs::read_to_string(&target).unwrap(), "# fleet v2\n");
        // A symlink planted at the target is replaced, not followed.
        let elsewhere = dir.path().join("elsewhere.toml");
        fs::write(&elsewhere, "untouched").unwrap();
        fs::remove_file(&target).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &target).unwrap();
        puller.install(b"# fleet v3\n", true).unwrap();
        assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "untouched");
        assert!(!fs::symlink_metadata(&target).unwrap().file_type().is_symlink());
        let leftovers: Vec<_> = fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".ward-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
