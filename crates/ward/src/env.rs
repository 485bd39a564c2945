//! The options every command takes to find Ward's files; the resolution itself is
//! `ward_endpoint::paths` (shared with the hook, which must resolve leniently).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use ward_endpoint::PathInputs;
pub use ward_endpoint::WardPaths;

/// Options every command takes, so tests and admins can point Ward anywhere but the real home.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// The home directory Ward treats as `~`: what `ward scan` inventories, where the user policy
    /// (`~/.config/ward/policy.toml`) and, unless $WARD_HOME is set, Ward's data
    /// (`~/.local/share/ward`) live. Default: $HOME.
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Policy file to use instead of the discovered one. A managed policy
    /// (`/etc/ward/policy.toml`, under $WARD_SYSTEM_ROOT) always wins over it.
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// Resolves Ward's paths for `args` and this process's environment; notes (a `--policy` the
/// managed policy overrides) go to stderr.
pub fn resolve(args: &GlobalArgs) -> Result<WardPaths> {
    let inputs = PathInputs::from_env(args.home.clone(), args.policy.clone());
    let (paths, notes) = WardPaths::resolve(&inputs)?;
    for note in notes {
        eprintln!("ward: {note}");
    }
    Ok(paths)
}
