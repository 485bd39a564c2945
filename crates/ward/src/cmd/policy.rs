//! `ward policy check|test|explain`.

use std::process::ExitCode;

use crate::env::WardPaths;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Validate a policy file.
    Check {},
}

pub fn run(_command: Command, _paths: &WardPaths) -> anyhow::Result<ExitCode> {
    anyhow::bail!("ward policy: not built yet")
}
