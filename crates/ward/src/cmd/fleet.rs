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
        /// Managed mode (root): own the spool and keys under $WARD_SYSTEM_ROOT/var/lib/ward,
        /// record every `ward hook` call through the socket $WARD_SYSTEM_ROOT/run/ward/ward.sock
        /// with the caller's kernel-reported uid, adopt what hooks recorded in users' spools
        /// while it was down, and ship the managed spool when enrolled. See docs/fleet.md.
        #[arg(long, conflicts_with = "once")]
        managed: bool,
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
        AgentCommand::Enroll { server, token, managed } => {
            let data_dir =
                if managed { crate::cmd::managed::enroll_dir(paths)? } else { paths.data_dir.clone() };
            let enrolled = ward_endpoint::ship::enroll(&data_dir, &server, &token, version)?;
            let out = serde_json::json!({
                "schema_version": 1,
                "device": enrolled.device,
                "reenrolled": enrolled.reenrolled,
                "enrollment_file": enrolled.enrollment_file,
                "fleet_key_file": enrolled.fleet_key_file,
            });
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        }
        AgentCommand::Status => return crate::cmd::managed::status(paths),
        AgentCommand::InstallService(args) => return crate::cmd::managed::install_service(args, paths),
        AgentCommand::UninstallService(args) => return crate::cmd::managed::uninstall_service(args, paths),
        AgentCommand::Run { once, poll_seconds, max_backoff_seconds, managed } => {
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
            if managed {
                return crate::cmd::managed::run(paths, version, options);
            }
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
        let answer = ward_endpoint::ship::get_json(
            server,
            "/api/v1/count",
            &[("q", &text), ("by", list), ("limit", &limit)],
            &token,
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
        let answer = ward_endpoint::ship::get_json(
            server,
            "/api/v1/events",
            &[("q", &text), ("limit", &limit)],
            &token,
        )?;
        let events: Vec<ward_model::Event> = serde_json::from_value(answer["events"].clone())
            .context("the server's events are not understood")?;
        let total = ward_endpoint::ship::get_json(server, "/api/v1/count", &[("q", &text)], &token)?["total"]
            .as_u64()
            .unwrap_or(0);
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
    let answer = ward_endpoint::ship::get_json(server, "/api/v1/verify", &[], &token)?;
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
            for finding in device["findings"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "    {} at seq {}: {}\n",
                    finding["kind"].as_str().unwrap_or("?"),
                    finding["seq"],
                    finding["message"].as_str().unwrap_or("")
                ));
            }
        }
        out.push_str(if intact {
            "result  every device's chain intact\n"
        } else {
            "result  problems found\n"
        });
        out
    };
    crate::out::stdout(output)?;
    Ok(ExitCode::from(if intact { 0 } else { 1 }))
}
