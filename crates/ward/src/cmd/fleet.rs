//! `ward serve`, `ward admin` and `ward agent`: the fleet server, its administration, and the
//! endpoint daemon. The work is in `ward_server` and `ward_endpoint::ship`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{bail, Context};
use ward_server::db::Conn;
use ward_server::fleet::{self, TokenRequest};
use ward_server::token::TokenKind;

use crate::env::WardPaths;

/// `ward serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The event store: `postgres://…` (or a libpq `host=…` string), or a SQLite file.
    /// Default: the embedded SQLite database `$WARD_HOME/server/ward.db`.
    #[arg(long, value_name = "URL", env = "WARD_DATABASE")]
    database: Option<String>,
    /// Address to listen on. Plain HTTP is refused off loopback unless --insecure-listen.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Serve plain HTTP on a non-loopback address (behind a TLS-terminating proxy only).
    #[arg(long)]
    insecure_listen: bool,
    /// Database connections (blocking workers) at most.
    #[arg(long, default_value_t = 8)]
    workers: usize,
    /// Serve HTTPS with this certificate chain (PEM, leaf first). Needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Keep events this many days, then remove them (at start and hourly: whole day
    /// partitions dropped on PostgreSQL, batched deletes on SQLite). 0 keeps every event.
    #[arg(long, value_name = "DAYS", env = "WARD_RETENTION_DAYS",
          default_value_t = ward_server::maintenance::Retention::DEFAULT_DAYS,
          value_parser = clap::value_parser!(u32).range(0..=36_500))]
    retention_days: u32,
}

pub fn serve(args: ServeArgs, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    let database = database_url(args.database, paths);
    let config = ward_server::ServeConfig {
        database,
        listen: args.listen,
        insecure_listen: args.insecure_listen,
        data_dir: paths.data_dir.clone(),
        workers: args.workers,
        tls: match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(ward_server::tls::TlsFiles { cert, key }),
            _ => None,
        },
        retention: ward_server::maintenance::Retention::from_days(args.retention_days),
    };
    ward_server::serve(config, |started| {
        let mut err = std::io::stderr().lock();
        if let Some(first) = &started.first_start {
            let _ = writeln!(
                err,
                "ward serve: first start. Admin token written to {} (mode 0600).\n\
                 ward serve: enrollment token ({} uses, expires {}):\n{}",
                started.admin_token_file.display(),
                fleet::FIRST_ENROLL_USES,
                first.enroll_info.expires.as_deref().unwrap_or("never"),
                first.enroll_token
            );
        }
        let _ = writeln!(
            err,
            "ward serve: listening on {}://{} (database {})",
            if started.tls { "https" } else { "http" },
            started.addr,
            redact_url(&started.database)
        );
        let _ = err.flush();
    })
    .context("the server stopped")?;
    Ok(ExitCode::SUCCESS)
}

/// A database URL without its password, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:…{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn database_url(flag: Option<String>, paths: &WardPaths) -> String {
    flag.unwrap_or_else(|| ward_server::default_database(&paths.data_dir).display().to_string())
}

/// `ward admin`.
#[derive(clap::Subcommand, Debug)]
pub enum AdminCommand {
    /// Manage admin, enrollment and device tokens (directly on the server's database).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Distribute a policy to every enrolled device (docs/fleet.md, "Policy distribution").
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(clap::Subcommand, Debug)]
pub enum PolicyCommand {
    /// Validate FILE exactly as `ward policy check` does, then upload it as the fleet's policy.
    /// Devices install it at their next pull (`ward agent run`, every --policy-interval-seconds).
    /// With --server the upload goes through the API with the admin token; without it, directly
    /// into the server's database (--database, $WARD_DATABASE, or the embedded default).
    Push {
        file: std::path::PathBuf,
        /// A note kept with this version (who, why).
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        remote: RemoteArgs,
        #[arg(long, value_name = "URL", env = "WARD_DATABASE", conflicts_with = "server")]
        database: Option<String>,
    },
    /// The pushed versions (newest first) and, per device, the digest it enforces, as JSON.
    List {
        #[command(flatten)]
        remote: RemoteArgs,
        #[arg(long, value_name = "URL", env = "WARD_DATABASE", conflicts_with = "server")]
        database: Option<String>,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token and print it once (only its hash is stored).
    Create {
        /// `enroll` (exchanged for a device credential) or `admin`.
        #[arg(long, default_value = "enroll")]
        kind: String,
        /// Enrollment tokens: how many devices may use it. Default 1.
        #[arg(long)]
        uses: Option<i64>,
        /// Unlimited uses until it expires (enrollment tokens).
        #[arg(long, conflicts_with = "uses")]
        unlimited: bool,
        /// Lifetime in hours. Default: 24 for enrollment tokens, none for admin tokens.
        #[arg(long)]
        expires_hours: Option<i64>,
        /// Enrollment tokens: only for re-enrolling this device id (which keeps its history).
        #[arg(long)]
        device: Option<String>,
        #[arg(long)]
        label: Option<String>,
        #[arg(long, value_name = "URL", env = "WARD_DATABASE")]
        database: Option<String>,
    },
    /// List tokens (never their secrets), as JSON.
    List {
        #[arg(long, value_name = "URL", env = "WARD_DATABASE")]
        database: Option<String>,
    },
    /// Revoke a token by its id (the 12 hex digits `list` shows).
    Revoke {
        id: String,
        #[arg(long, value_name = "URL", env = "WARD_DATABASE")]
        database: Option<String>,
    },
}

pub fn admin(command: AdminCommand, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    let command = match command {
        AdminCommand::Token(command) => command,
        AdminCommand::Policy(command) => return admin_policy(command, paths),
    };
    match command {
        TokenCommand::Create { kind, uses, unlimited, expires_hours, device, label, database } => {
            let kind = match TokenKind::parse(&kind) {
                Some(TokenKind::Device) | None => bail!("--kind must be `enroll` or `admin`"),
                Some(kind) => kind,
            };
            let mut conn = Conn::open(&database_url(database, paths))?;
            let request = match kind {
                TokenKind::Enroll => TokenRequest {
                    label,
                    device,
                    uses: if unlimited { None } else { Some(uses.unwrap_or(1)) },
                    ttl_seconds: Some(expires_hours.unwrap_or(24).saturating_mul(3600)),
                },
                _ => TokenRequest {
                    label,
                    ttl_seconds: expires_hours.map(|h| h.saturating_mul(3600)),
                    ..Default::default()
                },
            };
            let (info, text) = fleet::create_token(&mut conn, kind, &request)?;
            let out = serde_json::json!({"schema_version": 1, "token": text, "info": info});
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        }
        TokenCommand::List { database } => {
            let mut conn = Conn::open(&database_url(database, paths))?;
            let tokens = fleet::list_tokens(&mut conn)?;
            let out = serde_json::json!({"schema_version": 1, "tokens": tokens});
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        }
        TokenCommand::Revoke { id, database } => {
            let mut conn = Conn::open(&database_url(database, paths))?;
            if !fleet::revoke_token(&mut conn, &id)? {
                bail!("no unrevoked token with id {id}");
            }
            crate::out::stdout(format!("revoked {id}\n"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ward admin policy push|list`.
fn admin_policy(command: PolicyCommand, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Push { file, label, remote, database } => {
            let body =
                std::fs::read(&file).with_context(|| format!("cannot read the policy {}", file.display()))?;
            // The same checks as `ward policy check`, with its FILE:LINE:COLUMN messages, before
            // anything is uploaded.
            let origin = file.display().to_string();
            let Ok(text) = std::str::from_utf8(&body) else {
                bail!("{origin}: the policy is not UTF-8 text")
            };
            if let Err(error) = ward_policy::Policy::from_toml_str(text, &origin) {
                eprintln!("{error}");
                let n = error.diagnostics.len();
                eprintln!("{origin}: {n} error{}; nothing was pushed", if n == 1 { "" } else { "s" });
                return Ok(ExitCode::from(1));
            }
            let mut answer = match &remote.server {
                Some(server) => {
                    let token = admin_token(&remote, paths)?;
                    let ca = read_ca(remote.ca_cert.as_deref())?;
                    ward_endpoint::policy_pull::push(server, &token, &body, label.as_deref(), ca.as_deref())?
                }
                None => {
                    let mut conn = Conn::open(&database_url(database, paths))?;
                    serde_json::to_value(ward_server::policy::push(&mut conn, &body, label.as_deref())?)?
                }
            };
            answer["schema_version"] = serde_json::json!(1);
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&answer)?))?;
        }
        PolicyCommand::List { remote, database } => {
            let answer = match &remote.server {
                Some(server) => {
                    let token = admin_token(&remote, paths)?;
                    let ca = read_ca(remote.ca_cert.as_deref())?;
                    let get = |path| {
                        ward_endpoint::ship::get_json_trusting(server, path, &[], &token, ca.as_deref())
                    };
                    let versions = get("/api/v1/policies")?;
                    let devices = get("/api/v1/devices")?;
                    policy_listing(versions["versions"].clone(), &devices["devices"])
                }
                None => {
                    let mut conn = Conn::open(&database_url(database, paths))?;
                    let versions = serde_json::to_value(ward_server::policy::versions(&mut conn)?)?;
                    let devices = serde_json::to_value(fleet::devices(&mut conn)?)?;
                    policy_listing(versions, &devices)
                }
            };
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&answer)?))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Versions, and each device's enforced digest against the current one.
fn policy_listing(versions: serde_json::Value, devices: &serde_json::Value) -> serde_json::Value {
    let current = versions.get(0).and_then(|v| v["digest"].as_str()).map(str::to_owned);
    let devices: Vec<serde_json::Value> = devices
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            serde_json::json!({
                "device": d["id"],
                "hostname": d["hostname"],
                "policy_digest": d["policy_digest"],
                "policy_source": d["policy_source"],
                "policy_reported": d["policy_reported"],
                "policy_current": current.as_ref().map(|c| d["policy_digest"].as_str() == Some(c)),
            })
        })
        .collect();
    serde_json::json!({"schema_version": 1, "current": current, "versions": versions, "devices": devices})
}

/// Where `ward agent` installs the fleet policy.
#[derive(clap::Args, Debug, Clone)]
pub struct PolicyTargetArgs {
    /// Where to install the fleet's policy: `managed` (/etc/ward/policy.toml under
    /// $WARD_SYSTEM_ROOT; it outranks every other policy), `user` (~/.config/ward/policy.toml),
    /// `auto` (managed when running as root, else user), `none` (never pull), or a file path.
    /// A policy file the fleet did not write is kept once as FILE.before-fleet.
    #[arg(long, value_name = "auto|managed|user|none|FILE", default_value = "auto")]
    policy_target: String,
}

impl PolicyTargetArgs {
    fn puller(&self, paths: &WardPaths) -> anyhow::Result<Option<ward_endpoint::policy_pull::PolicyPuller>> {
        let inputs = ward_endpoint::PathInputs::from_env(Some(paths.home.clone()), None);
        let as_root = match self.policy_target.as_str() {
            "none" => return Ok(None),
            "managed" => true,
            "user" => false,
            "auto" => ward_audit::trust::effective_uid() == 0,
            path => {
                let target = std::path::PathBuf::from(path);
                return Ok(Some(ward_endpoint::policy_pull::PolicyPuller { target, inputs }));
            }
        };
        let target = ward_endpoint::policy_pull::default_target(&inputs, as_root)
            .context("cannot tell where the policy goes (no home directory)")?;
        Ok(Some(ward_endpoint::policy_pull::PolicyPuller { target, inputs }))
    }
}

/// A policy pull's outcome as JSON (for `enroll`'s output and the daemon's log).
fn pulled_json(pulled: &ward_endpoint::policy_pull::Pulled) -> serde_json::Value {
    use ward_endpoint::policy_pull::Pulled;
    let enforced = |e: &ward_endpoint::policy_pull::InForce| serde_json::json!({"digest": e.digest, "source": e.source, "path": e.path});
    match pulled {
        Pulled::Unchanged { digest, enforced: e } => {
            serde_json::json!({"result": "unchanged", "digest": digest, "enforced": enforced(e)})
        }
        Pulled::Installed { digest, version, path, backup, enforced: e } => serde_json::json!({
            "result": "installed", "digest": digest, "version": version, "path": path,
            "backup": backup, "enforced": enforced(e),
        }),
        Pulled::NothingPushed { enforced: e } => {
            serde_json::json!({"result": "nothing_pushed", "enforced": enforced(e)})
        }
    }
}

/// `ward agent`.
#[derive(clap::Subcommand, Debug)]
pub enum AgentCommand {
    /// Enroll this device with a fleet server: exchanges an enrollment token for this device's
    /// credential (stored 0600 under $WARD_HOME/agent) and the fleet's fingerprint key.
    Enroll {
        #[arg(long, value_name = "URL")]
        server: String,
        /// The enrollment token (or $WARD_ENROLL_TOKEN, which keeps it out of `ps`).
        #[arg(long, env = "WARD_ENROLL_TOKEN", hide_env_values = true)]
        token: String,
        /// Trust only this CA certificate (PEM) for the server's TLS certificate, now and in
        /// every later request (kept with the enrollment). Default: the public web PKI roots.
        #[arg(long, value_name = "FILE")]
        ca_cert: Option<std::path::PathBuf>,
        #[command(flatten)]
        policy: PolicyTargetArgs,
        /// Enroll the managed spool ($WARD_SYSTEM_ROOT/var/lib/ward; root) instead of this user's.
        #[arg(long)]
        managed: bool,
    },
    /// Ship the spool to the server: from the checkpoint, in batches, retrying with backoff
    /// while the server is unreachable. Every event arrives exactly once.
    Run {
        /// Ship what is in the spool and exit.
        #[arg(long)]
        once: bool,
        /// Seconds between looks at the spool when everything is shipped.
        #[arg(long, default_value_t = 2.0)]
        poll_seconds: f64,
        /// Longest wait between retries while the server is unreachable, in seconds.
        #[arg(long, default_value_t = 300.0)]
        max_backoff_seconds: f64,
        #[command(flatten)]
        policy: PolicyTargetArgs,
        /// Seconds between policy pulls (the first is at start; an unchanged policy costs one
        /// 304 answer).
        #[arg(long, default_value_t = 60.0)]
        policy_interval_seconds: f64,
        /// Seconds between inventory snapshots (`ward scan`, sent to the server, which records
        /// what appeared, changed or disappeared); the first is at start. 0: no snapshots at
        /// all (scheduled or on change).
        #[arg(long, default_value_t = 3600.0)]
        scan_interval_seconds: f64,
        /// Seconds between looks at the agents' configuration files and folders (~/.codex,
        /// ~/.claude.json, ~/.cursor/mcp.json, extension and skill folders, /etc/codex, …, also
        /// those that do not exist yet); a change sends a snapshot once they have been quiet
        /// for 2 s, without waiting for the schedule. 0: scheduled snapshots only.
        #[arg(long, default_value_t = 2.0)]
        watch_seconds: f64,
        /// Shortest time between a snapshot and a change-triggered one after it, in seconds (an
        /// agent rewriting its config in a loop costs one scan per this, not one per write).
        #[arg(long, default_value_t = 30.0)]
        min_scan_gap_seconds: f64,
        /// Directories the scheduled scans search for repositories (as `ward scan --projects`).
        #[arg(long, value_name = "DIR", num_args = 1..)]
        projects: Vec<std::path::PathBuf>,
        /// Managed mode (root): own the spool and keys under $WARD_SYSTEM_ROOT/var/lib/ward,
        /// record every `ward hook` call through the socket $WARD_SYSTEM_ROOT/run/ward/ward.sock
        /// with the caller's kernel-reported uid, adopt what hooks recorded in users' spools
        /// while it was down, and ship the managed spool when enrolled. See docs/fleet.md.
        #[arg(long, conflicts_with = "once")]
        managed: bool,
    },
    /// Send one inventory snapshot now: this machine's `ward scan`, or a scan document from
    /// FILE (`-`: stdin). Prints what the server recorded (appeared, changed, disappeared, drift).
    Snapshot {
        /// A `ward scan --format json` document instead of scanning now.
        #[arg(long, value_name = "FILE")]
        from: Option<std::path::PathBuf>,
        /// Directories to search for repositories (as `ward scan --projects`).
        #[arg(long, value_name = "DIR", num_args = 1..)]
        projects: Vec<std::path::PathBuf>,
    },
    /// The managed daemon's state (as JSON): events recorded, refused, adopted, user sources.
    Status,
    /// Install `ward agent run --managed` as a system service (systemd unit or launchd plist,
    /// from packaging/), enable and start it.
    InstallService(crate::cmd::managed::InstallServiceArgs),
    /// Stop and remove the service `install-service` wrote (the managed spool is kept).
    UninstallService(crate::cmd::managed::UninstallServiceArgs),
}

pub fn agent(command: AgentCommand, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    let version = env!("CARGO_PKG_VERSION");
    match command {
        AgentCommand::Enroll { server, token, ca_cert, policy, managed } => {
            let data_dir =
                if managed { crate::cmd::managed::enroll_dir(paths)? } else { paths.data_dir.clone() };
            let ca = read_ca(ca_cert.as_deref())?;
            let enrolled =
                ward_endpoint::ship::enroll_trusting(&data_dir, &server, &token, version, ca.as_deref())?;
            // The fleet's policy right away, so the device is governed before the daemon runs.
            let pulled = match policy.puller(paths)? {
                Some(puller) => match puller.pull_enrolled(&data_dir) {
                    Ok(pulled) => pulled_json(&pulled),
                    Err(error) => serde_json::json!({"result": "failed", "error": error.to_string()}),
                },
                None => serde_json::Value::Null,
            };
            let out = serde_json::json!({
                "policy": pulled,
                "schema_version": 1,
                "device": enrolled.device,
                "reenrolled": enrolled.reenrolled,
                "enrollment_file": enrolled.enrollment_file,
                "fleet_key_file": enrolled.fleet_key_file,
            });
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        }
        AgentCommand::Snapshot { from, projects } => {
            let document = match from {
                Some(path) if path.as_os_str() == "-" => {
                    let mut bytes = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
                        .context("cannot read stdin")?;
                    bytes
                }
                Some(path) => {
                    std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?
                }
                None => scan_document(paths, &projects)?,
            };
            let mut answer = ward_endpoint::snapshot::send(&paths.data_dir, &document)?;
            answer["schema_version"] = serde_json::json!(1);
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&answer)?))?;
        }
        AgentCommand::Status => return crate::cmd::managed::status(paths),
        AgentCommand::InstallService(args) => return crate::cmd::managed::install_service(args, paths),
        AgentCommand::UninstallService(args) => return crate::cmd::managed::uninstall_service(args, paths),
        AgentCommand::Run {
            once,
            poll_seconds,
            max_backoff_seconds,
            policy,
            policy_interval_seconds,
            scan_interval_seconds,
            watch_seconds,
            min_scan_gap_seconds,
            projects,
            managed,
        } => {
            let scan_interval = seconds_or_zero(scan_interval_seconds, "scan-interval-seconds")?;
            let seconds = |s: f64, name: &str| {
                Duration::try_from_secs_f64(s)
                    .map_err(|_| anyhow::anyhow!("--{name} must be a positive number"))
            };
            let options = ward_endpoint::ship::RunOptions {
                poll: seconds(poll_seconds, "poll-seconds")?,
                backoff_min: Duration::from_millis(200)
                    .min(seconds(max_backoff_seconds, "max-backoff-seconds")?),
                backoff_max: seconds(max_backoff_seconds, "max-backoff-seconds")?,
                once,
                policy: policy.puller(paths)?,
                policy_interval: seconds(policy_interval_seconds, "policy-interval-seconds")?,
            };
            if managed {
                return crate::cmd::managed::run(paths, version, options);
            }
            if let Some(interval) = scan_interval {
                // Snapshots on their own thread: a slow scan never holds up shipping. Watched:
                // exactly what the scan reads (the home alone, no agent environment).
                let watched = ward_inventory::Locations::new(
                    paths.home.clone(),
                    paths.system_root.clone(),
                    ward_inventory::Os::current(),
                )
                .watched_paths();
                let paths = paths.clone();
                let snapshot = move |why: &str| match scan_document(&paths, &projects)
                    .and_then(|doc| Ok(ward_endpoint::snapshot::send(&paths.data_dir, &doc)?))
                {
                    Ok(answer) => {
                        eprintln!(
                            "ward agent: snapshot ({why}): {} artifacts, {} appeared, {} changed, {} disappeared",
                            answer["artifacts"], answer["appeared"], answer["changed"], answer["disappeared"]
                        );
                        true
                    }
                    Err(error) => {
                        eprintln!("ward agent: snapshot ({why}): {error:#}; trying again later");
                        false
                    }
                };
                if once {
                    snapshot("once");
                } else {
                    use ward_endpoint::config_watch::{run_scans, ScanReason, ScanSchedule};
                    let schedule = ScanSchedule {
                        interval,
                        watch_every: seconds_or_zero(watch_seconds, "watch-seconds")?,
                        debounce: Duration::from_secs(2),
                        min_gap: seconds(min_scan_gap_seconds, "min-scan-gap-seconds")?,
                    };
                    std::thread::spawn(move || {
                        run_scans(&schedule, watched, &AtomicBool::new(false), |reason| match reason {
                            ScanReason::Scheduled => snapshot("scheduled"),
                            ScanReason::Changed(changed) => {
                                let first =
                                    changed.first().map(|p| p.display().to_string()).unwrap_or_default();
                                snapshot(&format!("{first} changed"))
                            }
                        })
                    });
                }
            }
            let stop = AtomicBool::new(false);
            ward_endpoint::ship::run(&paths.data_dir, version, &options, &stop, |progress| {
                use ward_endpoint::ship::Progress;
                let mut err = std::io::stderr().lock();
                let _ = match progress {
                    Progress::Shipped(r) => writeln!(
                        err,
                        "ward agent: shipped {} (stored {}, already held {}, findings {}, unshippable lines {}), checkpoint {:?}",
                        r.sent, r.inserted, r.duplicates, r.findings, r.skipped, r.checkpoint
                    ),
                    Progress::Retrying(e) => writeln!(err, "ward agent: {e}; retrying"),
                    Progress::Policy(pulled @ ward_endpoint::policy_pull::Pulled::Installed { .. }) => {
                        writeln!(err, "ward agent: policy {}", pulled_json(pulled))
                    }
                    Progress::Policy(_) => Ok(()),
                    Progress::PolicyFailed(e) => writeln!(err, "ward agent: policy pull: {e}; trying again later"),
                };
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A positive duration in seconds, or `None` for 0 (off).
fn seconds_or_zero(value: f64, name: &str) -> anyhow::Result<Option<Duration>> {
    if value == 0.0 {
        return Ok(None);
    }
    match Duration::try_from_secs_f64(value) {
        Ok(duration) => Ok(Some(duration)),
        Err(_) => bail!("--{name} must be 0 or a positive number"),
    }
}

/// This machine's `ward scan --format json`, from this same binary (the exact scan, drift and
/// floor check `ward scan` prints).
fn scan_document(paths: &WardPaths, projects: &[std::path::PathBuf]) -> anyhow::Result<Vec<u8>> {
    let exe = std::env::current_exe().context("cannot find the ward executable")?;
    let mut command = std::process::Command::new(exe);
    command.arg("scan").arg("--format").arg("json").arg("--home").arg(&paths.home);
    if !projects.is_empty() {
        command.arg("--projects").args(projects);
    }
    let out = command.stdin(std::process::Stdio::null()).output().context("cannot run ward scan")?;
    if !out.status.success() {
        bail!("ward scan failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(out.stdout)
}

/// `--server` and the admin token for `ward audit query|verify` against the fleet.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct RemoteArgs {
    /// Ask the fleet server at URL instead of this machine's spool (needs an admin token).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// File holding the admin token. Default: $WARD_ADMIN_TOKEN, else the file a first
    /// `ward serve` on this machine wrote ($WARD_HOME/server/admin.token).
    #[arg(long, value_name = "FILE")]
    pub admin_token_file: Option<std::path::PathBuf>,
    /// Trust only this CA certificate (PEM) for the server's TLS certificate (default: the
    /// public web PKI roots).
    #[arg(long, value_name = "FILE", env = "WARD_CA_CERT")]
    pub ca_cert: Option<std::path::PathBuf>,
}

/// The PEM text of a `--ca-cert` file.
fn read_ca(file: Option<&std::path::Path>) -> anyhow::Result<Option<String>> {
    let Some(file) = file else { return Ok(None) };
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the CA certificate {}", file.display()))?;
    ward_endpoint::ship::parse_ca(text.as_bytes()).with_context(|| file.display().to_string())?;
    Ok(Some(text))
}

fn admin_token(remote: &RemoteArgs, paths: &WardPaths) -> anyhow::Result<String> {
    if remote.admin_token_file.is_none() {
        if let Some(token) = std::env::var("WARD_ADMIN_TOKEN").ok().filter(|t| !t.is_empty()) {
            return Ok(token);
        }
    }
    let file =
        remote.admin_token_file.clone().unwrap_or_else(|| ward_server::admin_token_file(&paths.data_dir));
    let text = std::fs::read_to_string(&file).with_context(|| {
        format!(
            "cannot read the admin token from {} (give --admin-token-file or $WARD_ADMIN_TOKEN)",
            file.display()
        )
    })?;
    Ok(text.trim().to_owned())
}

/// `ward audit query … --server URL`: the same query and output formats, over the fleet.
pub fn remote_query(
    remote: &RemoteArgs,
    query: &str,
    count_by: Option<&str>,
    format: ward_store::local::Format,
    limit: Option<u64>,
    since: Option<&str>,
    paths: &WardPaths,
) -> anyhow::Result<ExitCode> {
    use ward_store::local::Format;
    use ward_store::render;
    let server = remote.server.as_deref().unwrap_or_default();
    let token = admin_token(remote, paths)?;
    let ca = read_ca(remote.ca_cert.as_deref())?;
    let text = match since {
        Some(since) if query.trim().is_empty() => format!("since:{since}"),
        Some(since) => format!("({query}) since:{since}"),
        None => query.to_owned(),
    };
    // Parse here too: a bad query is reported with its column before any request.
    if let Err(error) = ward_query::Query::parse(&text) {
        eprintln!("ward audit query: {error}");
        return Ok(ExitCode::from(2));
    }
    let fields = match count_by {
        Some(list) => match ward_query::parse_fields(list) {
            Ok(fields) => fields,
            Err(error) => {
                eprintln!("ward audit query: --count-by: {error}");
                return Ok(ExitCode::from(2));
            }
        },
        None => Vec::new(),
    };
    let output = if let Some(list) = count_by {
        let limit = limit.unwrap_or(1000).to_string();
        let answer = ward_endpoint::ship::get_json_trusting(
            server,
            "/api/v1/count",
            &[("q", &text), ("by", list), ("limit", &limit)],
            &token,
            ca.as_deref(),
        )?;
        let total = answer["total"].as_u64().unwrap_or(0);
        let rows: Vec<ward_store::CountRow> = answer["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|row| ward_store::CountRow {
                        values: serde_json::from_value(row["values"].clone()).unwrap_or_default(),
                        count: row["count"].as_u64().unwrap_or(0),
                    })
                    .collect()
            })
            .unwrap_or_default();
        match format {
            Format::Table => render::counts_table(&fields, &rows, total),
            Format::Json => render::counts_json(&text, &fields, &rows, total)?,
            Format::Csv => render::counts_csv(&fields, &rows),
        }
    } else {
        let limit = limit.unwrap_or(50).to_string();
        let answer = ward_endpoint::ship::get_json_trusting(
            server,
            "/api/v1/events",
            &[("q", &text), ("limit", &limit)],
            &token,
            ca.as_deref(),
        )?;
        let events: Vec<ward_model::Event> = serde_json::from_value(answer["events"].clone())
            .context("the server's events are not understood")?;
        // The listing carries its total; a server from before it did is asked separately.
        let total = match answer["total"].as_u64() {
            Some(total) => total,
            None => ward_endpoint::ship::get_json_trusting(
                server,
                "/api/v1/count",
                &[("q", &text)],
                &token,
                ca.as_deref(),
            )?["total"]
                .as_u64()
                .unwrap_or(0),
        };
        match format {
            Format::Table => render::events_table(&events, total),
            Format::Json => render::events_json(&text, &events, total)?,
            Format::Csv => render::events_csv(&events),
        }
    };
    crate::out::stdout(output)?;
    Ok(ExitCode::SUCCESS)
}

/// `ward audit verify --server URL`: every device's chain as the server holds it. Exit 0 if
/// every chain is intact and gap-free, 1 naming each device and seq that is not.
pub fn remote_verify(remote: &RemoteArgs, json: bool, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    let server = remote.server.as_deref().unwrap_or_default();
    let token = admin_token(remote, paths)?;
    let ca = read_ca(remote.ca_cert.as_deref())?;
    let answer =
        ward_endpoint::ship::get_json_trusting(server, "/api/v1/verify", &[], &token, ca.as_deref())?;
    let intact = answer["intact"] == true;
    let output = if json {
        format!("{}\n", serde_json::to_string_pretty(&answer)?)
    } else {
        let mut out = String::new();
        for device in answer["devices"].as_array().into_iter().flatten() {
            let name = device["device"].as_str().unwrap_or("?");
            let host = device["hostname"].as_str().unwrap_or("-");
            let last = device["last_seq"].as_u64().map_or_else(|| "-".to_owned(), |s| s.to_string());
            let state = if device["intact"] == true { "intact" } else { "PROBLEMS" };
            out.push_str(&format!("{name}  {host}  last seq {last}  {state}\n"));
            for range in device["missing"].as_array().into_iter().flatten() {
                let (first, last) =
                    (range["first"].as_u64().unwrap_or(0), range["last"].as_u64().unwrap_or(0));
                if first == last {
                    out.push_str(&format!("    missing seq {first}\n"));
                } else {
                    out.push_str(&format!("    missing seqs {first}..={last}\n"));
                }
            }
            for finding in device["findings"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "    {} at seq {}: {}\n",
                    finding["kind"].as_str().unwrap_or("?"),
                    finding["seq"],
                    finding["message"].as_str().unwrap_or("")
                ));
            }
        }
        let devices = answer["devices"].as_array().map_or(0, Vec::len);
        let broken =
            answer["devices"].as_array().into_iter().flatten().filter(|d| d["intact"] != true).count();
        out.push_str(&if intact {
            format!("result  every device's chain intact ({devices} devices)\n")
        } else {
            format!("result  problems on {broken} of {devices} devices\n")
        });
        out
    };
    crate::out::stdout(output)?;
    Ok(ExitCode::from(if intact { 0 } else { 1 }))
}
