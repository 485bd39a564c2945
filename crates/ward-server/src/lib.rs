//! The fleet server behind `ward serve`: an HTTP API (axum on tokio) over the event store
//! (`ward-store`, SQLite by default, PostgreSQL for fleets), with bearer tokens, enrollment,
//! authenticated idempotent ingest with chain checks, and the admin queries. The server keeps
//! no state of its own between requests beyond its database, so replicas can share one
//! PostgreSQL. It contains no policy or parsing logic of its own: events are `ward_model`
//! types, queries are `ward_query`, chain checks are `ward_audit` through the store.
//!
//! Nothing here is linked into the hook's start-up path; the `ward` binary calls [`serve`] only
//! for `ward serve`, and the runtime is built there.
#![forbid(unsafe_code)]

pub mod api;
pub mod body;
pub mod db;
pub mod fleet;
pub mod gaps;
pub mod inventory;
pub mod maintenance;
pub mod metrics;
pub mod policy;
pub mod tls;
pub mod token;
pub mod token_cache;
pub mod writer;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use api::{serve, ServeConfig, Started};

/// A server failure, with the HTTP status it maps to when it reaches a client.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("database: {0}")]
    Database(String),
    #[error("{0}")]
    Internal(String),
    #[error("{0}")]
    Config(String),
}

impl ServerError {
    /// The HTTP status and the stable machine-readable code of the JSON error body.
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            ServerError::BadRequest(_) => (400, "bad_request"),
            ServerError::Unauthorized(_) => (401, "unauthorized"),
            ServerError::Forbidden(_) => (403, "forbidden"),
            ServerError::NotFound(_) => (404, "not_found"),
            ServerError::Conflict(_) => (409, "conflict"),
            ServerError::TooLarge(_) => (413, "too_large"),
            ServerError::Database(_) => (503, "database_unavailable"),
            ServerError::Internal(_) | ServerError::Config(_) => (500, "internal"),
        }
    }
}

/// Where the embedded default keeps the server's files under a data directory.
pub fn server_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("server")
}

/// The embedded SQLite database of a server whose data directory is `data_dir`.
pub fn default_database(data_dir: &std::path::Path) -> PathBuf {
    server_dir(data_dir).join("ward.db")
}

/// The admin token file the first start writes (mode 0600).
pub fn admin_token_file(data_dir: &std::path::Path) -> PathBuf {
    server_dir(data_dir).join("admin.token")
}

/// Refuses plain HTTP on anything but loopback unless the admin insisted: tokens and events
/// would cross the network in clear text.
pub fn check_listen(addr: SocketAddr, tls: bool, insecure_listen: bool) -> Result<(), ServerError> {
    if tls || insecure_listen || addr.ip().is_loopback() {
        return Ok(());
    }
    Err(ServerError::Config(format!(
        "refusing to serve plain HTTP on {addr}: tokens and events would cross the network unencrypted. \
         Give --tls-cert and --tls-key, listen on loopback behind a TLS proxy, or pass --insecure-listen"
    )))
}
