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
}

pub fn serve(args: ServeArgs, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    let database = database_url(args.database, paths);
    let config = ward_server::ServeConfig {
        database,
        listen: args.listen,
        insecure_listen: args.insecure_listen,
        data_dir: paths.data_dir.clone(),
        workers: args.workers,
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
            "ward serve: listening on http://{} (database {})",
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
    let AdminCommand::Token(command) = command;
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
    },
}

pub fn agent(command: AgentCommand, paths: &WardPaths) -> anyhow::Result<ExitCode> {
    let version = env!("CARGO_PKG_VERSION");
    match command {
        AgentCommand::Enroll { server, token } => {
            let enrolled = ward_endpoint::ship::enroll(&paths.data_dir, &server, &token, version)?;
            let out = serde_json::json!({
                "schema_version": 1,
                "device": enrolled.device,
                "reenrolled": enrolled.reenrolled,
                "enrollment_file": enrolled.enrollment_file,
                "fleet_key_file": enrolled.fleet_key_file,
            });
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        }
        AgentCommand::Run { once, poll_seconds, max_backoff_seconds } => {
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
            };
            let stop = AtomicBool::new(false);
            ward_endpoint::ship::run(&paths.data_dir, version, &options, &stop, |outcome| {
                let mut err = std::io::stderr().lock();
                let _ = match outcome {
                    Ok(r) => writeln!(
                        err,
                        "ward agent: shipped {} (stored {}, already held {}, findings {}, unshippable lines {}), checkpoint {:?}",
                        r.sent, r.inserted, r.duplicates, r.findings, r.skipped, r.checkpoint
                    ),
                    Err(e) => writeln!(err, "ward agent: {e}; retrying"),
                };
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
