//! Where Ward's files are: the home it treats as `~`, its data directory, the system root for
//! managed files, and which policy file is in force.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

/// Options every command takes, so tests and admins can point Ward anywhere but the real home.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// The home directory Ward treats as `~`: what `ward scan` inventories, where the user policy
    /// (`~/.config/ward/policy.toml`) and, unless $WARD_HOME is set, Ward's data
    /// (`~/.local/share/ward`) live. Default: $HOME.
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Policy file to use instead of the discovered one.
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// Resolved locations. Discovery order for the policy: `--policy`; the managed
/// `/etc/ward/policy.toml` (an admin's file beats anything a user's environment says); then
/// `$WARD_POLICY`; then `~/.config/ward/policy.toml`; else the built-in default.
#[derive(Debug, Clone)]
pub struct WardPaths {
    /// `~` as Ward sees it.
    pub home: PathBuf,
    /// Ward's data directory: `$WARD_HOME`, else `~/.local/share/ward`.
    pub data_dir: PathBuf,
    /// Prefix for system-wide (managed) files such as `/etc/...`: `$WARD_SYSTEM_ROOT`, else `/`.
    /// Tests and image scans point it at a directory tree.
    pub system_root: PathBuf,
    /// The policy file in force, or `None` for the built-in default.
    pub policy_file: Option<PathBuf>,
}

impl WardPaths {
    pub fn resolve(args: &GlobalArgs) -> Result<WardPaths> {
        let home = match &args.home {
            Some(h) => h.clone(),
            None => match std::env::var_os("HOME") {
                Some(h) if !h.is_empty() => PathBuf::from(h),
                _ => bail!("cannot tell the home directory: $HOME is not set; pass --home DIR"),
            },
        };
        if args.home.is_some() && !home.is_dir() {
            bail!("--home {}: not a directory", home.display());
        }
        let data_dir = match std::env::var_os("WARD_HOME") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => home.join(".local/share/ward"),
        };
        let system_root = match std::env::var_os("WARD_SYSTEM_ROOT") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => PathBuf::from("/"),
        };
        let policy_file = discover_policy(args.policy.as_deref(), &home, &system_root)?;
        Ok(WardPaths { home, data_dir, system_root, policy_file })
    }
}

fn under_root(root: &Path, absolute: &str) -> PathBuf {
    root.join(absolute.trim_start_matches('/'))
}

fn discover_policy(flag: Option<&Path>, home: &Path, system_root: &Path) -> Result<Option<PathBuf>> {
    if let Some(p) = flag {
        if !p.is_file() {
            bail!("--policy {}: no such file", p.display());
        }
        return Ok(Some(p.to_path_buf()));
    }
    let managed = under_root(system_root, "/etc/ward/policy.toml");
    if managed.is_file() {
        return Ok(Some(managed));
    }
    if let Some(p) = std::env::var_os("WARD_POLICY").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if !p.is_file() {
            return Err(anyhow::anyhow!("no such file"))
                .with_context(|| format!("$WARD_POLICY={}", p.display()));
        }
        return Ok(Some(p));
    }
    let user = home.join(".config/ward/policy.toml");
    if user.is_file() {
        return Ok(Some(user));
    }
    Ok(None)
}
