//! `ward hook`.

use std::process::ExitCode;

use crate::env::WardPaths;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args, _paths: &WardPaths) -> anyhow::Result<ExitCode> {
    anyhow::bail!("ward hook: not built yet")
}
