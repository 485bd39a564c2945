//! `ward agent run --managed`, `ward agent status`, `ward agent install-service` and
//! `ward agent uninstall-service`: the managed daemon and its system service. The work is in
//! `ward_endpoint::managed`; this module holds the arguments and the signal plumbing (`unsafe`
//! libc calls, kept in the binary).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use ward_endpoint::managed::daemon::{Daemon, DaemonConfig, StopHandle};
use ward_endpoint::managed::service::{self, ServiceTarget};
use ward_endpoint::managed::{client, ManagedPaths, DAEMON_UID};

use crate::env::WardPaths;

/// `ward agent install-service`.
#[derive(clap::Args, Debug)]
pub struct InstallServiceArgs {
    /// Print the unit (or plist) instead of writing it.
    #[arg(long)]
    dry_run: bool,
    /// System root to install under (tests, images). Default: $WARD_SYSTEM_ROOT, else `/`.
    /// Under any other root than `/` the service is written but not started.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// `systemd` or `launchd`. Default: this platform's.
    #[arg(long, value_name = "MANAGER")]
    target: Option<String>,
    /// The `ward` the service runs. Default: this one.
    #[arg(long, value_name = "FILE")]
    bin: Option<PathBuf>,
    /// Write the file, but do not enable and start the service.
    #[arg(long)]
    no_start: bool,
}

/// `ward agent uninstall-service`.
#[derive(clap::Args, Debug)]
pub struct UninstallServiceArgs {
    /// Say what would be removed, remove nothing.
    #[arg(long)]
    dry_run: bool,
    /// System root to remove from. Default: $WARD_SYSTEM_ROOT, else `/`.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// `systemd` or `launchd`. Default: this platform's.
    #[arg(long, value_name = "MANAGER")]
    target: Option<String>,
    /// Remove the file, but do not stop the service.
    #[arg(long)]
    no_stop: bool,
}

fn target(name: Option<&str>) -> anyhow::Result<ServiceTarget> {
    match name {
        None => Ok(ServiceTarget::native()),
        Some(name) => ServiceTarget::parse(name)
            .with_context(|| format!("--target {name}: must be `systemd` or `launchd`")),
    }
}

fn is_live(root: &std::path::Path) -> bool {
    root == std::path::Path::new("/")
}

pub fn install_service(args: InstallServiceArgs, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    let target = target(args.target.as_deref())?;
    let root = args.root.unwrap_or_else(|| paths.system_root.clone());
    let bin = match args.bin {
        Some(bin) => bin,
        None => std::env::current_exe().context("cannot tell where this ward is; give --bin")?,
    };
    if args.dry_run {
        crate::out::stdout(service::render(target, &bin)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let live = is_live(&root);
    if live && ward_audit::trust::effective_uid() != 0 {
        bail!("installing the system service needs root: sudo ward agent install-service");
    }
    let installed = service::install(target, &root, &bin)?;
    let mut out = format!(
        "{} {} ({})\n",
        if installed.changed { "wrote" } else { "unchanged" },
        installed.path.display(),
        target.name()
    );
    let commands = target.activation(true);
    if live && !args.no_start {
        for argv in &commands {
            run_manager(argv)?;
            out.push_str(&format!("ran {}\n", argv.join(" ")));
        }
    } else {
        out.push_str("not started; on the live system, run:\n");
        for argv in &commands {
            out.push_str(&format!("  {}\n", argv.join(" ")));
        }
    }
    crate::out::stdout(out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn uninstall_service(args: UninstallServiceArgs, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    let target = target(args.target.as_deref())?;
    let root = args.root.unwrap_or_else(|| paths.system_root.clone());
    let path = target.install_path(&root);
    let live = is_live(&root);
    if args.dry_run {
        crate::out::stdout(format!("would remove {}\n", path.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    if live && ward_audit::trust::effective_uid() != 0 {
        bail!("removing the system service needs root: sudo ward agent uninstall-service");
    }
    let mut out = String::new();
    if live && !args.no_stop && path.exists() {
        for argv in target.activation(false) {
            // Stopping a service that is not loaded is not an error worth stopping for.
            match run_manager(&argv) {
                Ok(()) => out.push_str(&format!("ran {}\n", argv.join(" "))),
                Err(e) => out.push_str(&format!("{e:#}\n")),
            }
        }
    }
    match service::uninstall(target, &root)? {
        Some(path) => out.push_str(&format!("removed {}\n", path.display())),
        None => out.push_str(&format!("no service file at {}\n", path.display())),
    }
    out.push_str(&format!(
        "the managed spool under {} is kept (remove it yourself once it is shipped)\n",
        ManagedPaths::new(&root).state_dir.display()
    ));
    crate::out::stdout(out)?;
    Ok(ExitCode::SUCCESS)
}

fn run_manager(argv: &[String]) -> anyhow::Result<()> {
    let (program, rest) = argv.split_first().context("empty command")?;
    let status =
        Command::new(program).args(rest).status().with_context(|| format!("cannot run {program}"))?;
    if !status.success() {
        bail!("`{}` failed ({status})", argv.join(" "));
    }
    Ok(())
}

/// `ward agent status`: the managed daemon's state as JSON.
pub fn status(paths: &WardPaths) -> anyhow::Result<ExitCode> {
    let managed = ManagedPaths::new(&paths.system_root);
    match client::status(&managed.socket, DAEMON_UID, Duration::from_secs(2)) {
        Ok(fields) => {
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&fields)?))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "ward agent status: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The data directory `ward agent enroll --managed` enrolls: the managed spool's (root only).
pub fn enroll_dir(paths: &WardPaths) -> anyhow::Result<PathBuf> {
    let uid = ward_audit::trust::effective_uid();
    if uid != 0 {
        bail!(
            "enrolling the managed spool needs root (this is uid {uid}): sudo ward agent enroll --managed …"
        );
    }
    Ok(ManagedPaths::new(&paths.system_root).state_dir)
}

/// `ward agent run --managed`: the daemon, and shipping of the managed spool when enrolled.
pub fn run(
    paths: &WardPaths,
    version: &str,
    ship: ward_endpoint::ship::RunOptions,
) -> anyhow::Result<ExitCode> {
    let managed = ManagedPaths::new(&paths.system_root);
    let config = DaemonConfig::new(managed.clone());
    let log = |line: &str| {
        let _ = writeln!(std::io::stderr(), "ward agent: {line}");
    };
    // Signals are taken by one thread (blocked everywhere else) so the daemon stops cleanly.
    let signals = block_stop_signals();
    let daemon = Daemon::start(config, Box::new(log))?;
    let stop = daemon.stop_handle();
    if signals {
        let stop = stop.clone();
        std::thread::Builder::new().name("ward-signals".into()).spawn(move || wait_for_stop_signal(&stop))?;
    }
    let shipping = Arc::new(AtomicBool::new(false));
    if ward_endpoint::ship::Enrollment::load(&managed.state_dir).is_ok() {
        let state_dir = managed.state_dir.clone();
        let version = version.to_owned();
        let stop_shipping = Arc::clone(&shipping);
        std::thread::Builder::new().name("ward-ship".into()).spawn(move || {
            let outcome = ward_endpoint::ship::run(&state_dir, &version, &ship, &stop_shipping, |progress| {
                use ward_endpoint::ship::Progress;
                match progress {
                    Progress::Shipped(r) => log(&format!(
                        "shipped {} (stored {}, already held {})",
                        r.sent, r.inserted, r.duplicates
                    )),
                    Progress::Retrying(e) => log(&format!("{e}; retrying")),
                    Progress::Policy(pulled) => log(&format!("policy: {pulled:?}")),
                    Progress::PolicyFailed(e) => {
                        log(&format!("policy pull failed: {e}; trying again next interval"))
                    }
                }
            });
            if let Err(e) = outcome {
                log(&format!("shipping stopped: {e}"));
            }
        })?;
    } else {
        log("not enrolled (`sudo ward agent enroll --managed --server URL --token T`): the managed spool is kept here");
    }
    daemon.run()?;
    shipping.store(true, std::sync::atomic::Ordering::SeqCst);
    Ok(ExitCode::SUCCESS)
}

/// Blocks SIGTERM, SIGINT and SIGHUP in this thread (and the threads it starts from now on), so
/// that [`wait_for_stop_signal`] receives them. `false` if that failed (they then kill the
/// process, which the spool survives; the socket file is left behind and replaced on start).
fn block_stop_signals() -> bool {
    // SAFETY: sigemptyset/sigaddset initialise a local set; pthread_sigmask changes only this
    // thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, signal);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) == 0
    }
}

fn wait_for_stop_signal(stop: &StopHandle) {
    // SAFETY: as above; sigwait only writes the received signal number into `signal`.
    let signal = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, signal);
        }
        let mut signal = 0;
        libc::sigwait(&set, &mut signal);
        signal
    };
    let _ = writeln!(std::io::stderr(), "ward agent: signal {signal}; stopping");
    stop.stop();
}
