//! The HTTP API (`/api/v1`), `/healthz` and `/metrics`, and the process that serves them.
//!
//! Handlers do no database work on the async threads: the store and the server's tables use
//! synchronous drivers, so each request borrows a connection from a small pool inside
//! `spawn_blocking`. Every error reaches the client as JSON:
//! `{"schema_version":1,"error":{"code":"…","message":"…"}}`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query as UrlQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde_json::{json, Value};
use time::OffsetDateTime;
use ward_store::Store;

use crate::body::{self, API_SCHEMA_VERSION, MAX_INGEST_BODY};
use crate::db::Conn;
use crate::fleet::{self, FirstStart, Refusal};
use crate::inventory;
use crate::metrics::Metrics;
use crate::policy;
use crate::token::{self, TokenKind};
use crate::token_cache::TokenCache;
use crate::writer::Writer;
use crate::ServerError;

/// How `ward serve` runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// `postgres://…` or a SQLite file path.
    pub database: String,
    pub listen: SocketAddr,
    pub insecure_listen: bool,
    /// The server's data directory (the admin token file of a first start goes there).
    pub data_dir: PathBuf,
    /// Blocking database workers (connections) at most.
    pub workers: usize,
    /// Serve HTTPS with this certificate and key (`None`: plain HTTP, loopback only unless
    /// `insecure_listen`).
    pub tls: Option<crate::tls::TlsFiles>,
    /// How long events are kept (maintenance removes older ones at start and hourly).
    pub retention: crate::maintenance::Retention,
}

/// What the caller learns once the server listens.
#[derive(Debug, Clone)]
pub struct Started {
    pub addr: SocketAddr,
    pub database: String,
    /// Set on the first start against an empty database.
    pub first_start: Option<FirstStart>,
    pub admin_token_file: PathBuf,
    /// Serving HTTPS.
    pub tls: bool,
}

struct AppState {
    database: String,
    conns: Mutex<Vec<Conn>>,
    stores: Mutex<Vec<Box<dyn Store>>>,
    permits: tokio::sync::Semaphore,
    metrics: Arc<Metrics>,
    /// Device credentials authenticated in the last seconds.
    tokens: TokenCache,
    /// SQLite: the one connection that writes device batches (group commit). `None` on
    /// PostgreSQL, where each request commits its batch on a pooled connection.
    writer: Option<Writer>,
}

/// An error on its way to the client.
struct ApiError(ServerError);

impl From<ServerError> for ApiError {
    fn from(error: ServerError) -> ApiError {
        ApiError(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.0.status();
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({"schema_version": API_SCHEMA_VERSION, "error": {"code": code, "message": self.0.to_string()}});
        (status, Json(body)).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

/// A blocking worker that did not return: a panic (a bug) or a cancelled task. Its message goes
/// to the server's own log, not to the client: a panic's text can hold the request's data.
fn worker_failed(error: tokio::task::JoinError) -> ServerError {
    eprintln!("ward serve: a request's worker failed: {error}");
    ServerError::Internal("a request's worker failed (the server's log says why)".to_owned())
}

fn store_error(error: ward_store::StoreError) -> ServerError {
    ServerError::Database(error.to_string())
}

impl AppState {
    /// Runs `work` with a pooled connection to the server's tables (and the store) on a
    /// blocking thread. A connection that failed is dropped, not returned to the pool.
    async fn blocking<T: Send + 'static>(
        self: &Arc<AppState>,
        work: impl FnOnce(&mut Conn, &mut dyn Store) -> Result<T, ServerError> + Send + 'static,
    ) -> Result<T, ServerError> {
        let _permit =
            self.permits.acquire().await.map_err(|_| ServerError::Internal("shutting down".into()))?;
        let state = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let conn = state.conns.lock().ok().and_then(|mut pool| pool.pop());
            let mut conn = match conn {
                Some(conn) => conn,
                None => Conn::open(&state.database)?,
            };
            let store = state.stores.lock().ok().and_then(|mut pool| pool.pop());
            let mut store = match store {
                Some(store) => store,
                None => ward_store::open(&state.database).map_err(store_error)?,
            };
            let result = work(&mut conn, store.as_mut());
            if !matches!(result, Err(ServerError::Database(_))) {
                if let Ok(mut pool) = state.conns.lock() {
                    pool.push(conn);
                }
                if let Ok(mut pool) = state.stores.lock() {
                    pool.push(store);
                }
            }
            result
        })
        .await;
        joined.map_err(worker_failed)?
    }
}

/// The bearer token of a request, if any.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// Authenticates a device credential: from the cache when it was accepted in the last seconds,
/// else from the database (on a blocking thread), remembering it.
async fn device_credential(
    state: &Arc<AppState>,
    token: Option<String>,
) -> Result<fleet::TokenInfo, ServerError> {
    let Some(token) = token else {
        return Err(ServerError::Unauthorized(Refusal::Missing.message(TokenKind::Device)));
    };
    let hash = token::hash(&token);
    if let Some(info) = state.tokens.get(&hash) {
        return Ok(info);
    }
    let info = state.blocking(move |conn, _| require(conn, Some(&token), TokenKind::Device)).await?;
    state.tokens.put(hash, &info);
    Ok(info)
}

/// Authenticates the request's token as `kind` (inside a blocking task).
fn require(conn: &mut Conn, token: Option<&str>, kind: TokenKind) -> Result<fleet::TokenInfo, ServerError> {
    let Some(token) = token else { return Err(ServerError::Unauthorized(Refusal::Missing.message(kind))) };
    match fleet::authenticate(conn, token, kind)? {
        Ok(info) => Ok(info),
        Err(refusal) => Err(ServerError::Unauthorized(refusal.message(kind))),
    }
}

fn ok_json(value: Value) -> ApiResult {
    Ok((StatusCode::OK, Json(value)).into_response())
}

fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ServerError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ServerError::TooLarge(format!("the body is larger than the limit of {MAX_INGEST_BODY} bytes"))
        } else {
            ServerError::BadRequest(format!("cannot read the body: {rejection}"))
        }
    })
}

async fn healthz(State(state): State<Arc<AppState>>) -> ApiResult {
    state.blocking(|conn, _| conn.query("SELECT 1", &[]).map(|_| ())).await?;
    ok_json(json!({"schema_version": API_SCHEMA_VERSION, "status": "ok"}))
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

async fn enroll(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> ApiResult {
    let request = body::parse_enroll(&body_bytes(body)?)?;
    let enrollment = state
        .blocking(move |conn, _| {
            fleet::enroll(
                conn,
                &fleet::EnrollRequest {
                    token: request.token,
                    device: request.device,
                    hostname: request.hostname,
                    version: request.version,
                    credential: request.credential,
                },
            )
        })
        .await?;
    // Its old credentials were revoked: stop accepting them here now, not when they expire.
    state.tokens.forget_device(&enrollment.device);
    Metrics::add(&state.metrics.enrollments, 1);
    ok_json(json!({
        "schema_version": API_SCHEMA_VERSION,
        "device": enrollment.device,
        "credential": enrollment.credential,
        "fleet_key": enrollment.fleet_key,
        "reenrolled": enrollment.reenrolled,
    }))
}

/// `POST /api/v1/events`: a device's batch. Every event must be the authenticated device's
/// own; the batch is stored in one transaction (idempotent by id, chain-checked) before the
/// answer, so a 200 is the durable acknowledgement the daemon advances its checkpoint on.
async fn ingest(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let started = Instant::now();
    let token = bearer(&headers);
    let bytes = body_bytes(body)?;
    // Parsing, and serializing and hashing each event for the store, on blocking threads: the
    // CPU work of a batch runs beside other requests (and beside the SQLite writer's commit).
    let parsed =
        tokio::task::spawn_blocking(move || body::parse_ingest(&bytes)).await.map_err(worker_failed)??;
    let info = device_credential(&state, token).await?;
    let device = info.device.clone().unwrap_or_default();
    let seen_us = fleet::now_us();
    let owner = device.clone();
    let (parsed, prepared) = tokio::task::spawn_blocking(move || {
        if let Some((index, event)) = parsed.events.iter().enumerate().find(|(_, e)| e.device != owner) {
            return Err(ServerError::Forbidden(format!(
                "events[{index}] belongs to device {:?}; this credential may only write device {owner}",
                event.device
            )));
        }
        let prepared = ward_store::Prepared::new(&parsed.events).map_err(store_error)?;
        Ok((parsed, prepared))
    })
    .await
    .map_err(worker_failed)??;
    let last = parsed.events.last().map(|e| (e.seq, e.hash.clone()));
    let version = parsed.agent_version;
    let report = match &state.writer {
        // Small batches (a device keeping up) are grouped; a large one (a backlog) is a
        // transaction of its own anyway, and keeps the single writer thread free.
        Some(writer) if prepared.len() <= crate::writer::GROUPED_BATCH => {
            writer.ingest(prepared, device.clone(), version, seen_us).await?
        }
        _ => {
            let owner = device.clone();
            state
                .blocking(move |_, store| {
                    let origin = ward_store::Origin { device: &owner, seen_us, version: version.as_deref() };
                    let batch = ward_store::Batch { events: &prepared, origin: Some(origin) };
                    let mut results = store.ingest_group(&[batch]).map_err(store_error)?;
                    results.pop().unwrap_or_else(|| Ok(Default::default())).map_err(store_error)
                })
                .await?
        }
    };
    let position = report.head(&device);
    let metrics = &state.metrics;
    Metrics::add(&metrics.ingest_batches, 1);
    Metrics::add(&metrics.events_inserted, report.inserted);
    Metrics::add(&metrics.events_duplicate, report.duplicates);
    Metrics::add(&metrics.chain_findings, report.findings.len() as u64);
    Metrics::add(&metrics.ingest_micros, started.elapsed().as_micros() as u64);
    ok_json(json!({
        "schema_version": API_SCHEMA_VERSION,
        "device": device,
        "inserted": report.inserted,
        "duplicates": report.duplicates,
        "findings": report.findings,
        "acknowledged": last.map(|(seq, hash)| json!({"seq": seq, "hash": hash})),
        "chain": position.map(|(seq, hash)| json!({"seq": seq, "hash": hash})),
    }))
}

fn parse_query(params: &HashMap<String, String>) -> Result<ward_query::Query, ServerError> {
    let text = params.get("q").map(String::as_str).unwrap_or("");
    ward_query::Query::parse(text).map_err(|e| ServerError::BadRequest(e.to_string()))
}

fn parse_limit(params: &HashMap<String, String>, default: u64) -> Result<u64, ServerError> {
    match params.get("limit") {
        None => Ok(default),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if (1..=100_000).contains(&n) => Ok(n),
            _ => Err(ServerError::BadRequest("limit must be a number from 1 to 100000".into())),
        },
    }
}

async fn events(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
) -> ApiResult {
    let token = bearer(&headers);
    let query = parse_query(&params)?;
    let limit = parse_limit(&params, 1000)?;
    // With the total: one request for what a listing shows, and the store picks the listing's
    // plan by the count (SQLite sorts rare matches instead of walking every event for them).
    let (events, total) = state
        .blocking(move |conn, store| {
            require(conn, token.as_deref(), TokenKind::Admin)?;
            store.events_and_total(&query, OffsetDateTime::now_utc(), limit).map_err(store_error)
        })
        .await?;
    ok_json(json!({"schema_version": API_SCHEMA_VERSION, "events": events, "total": total}))
}

async fn count(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
) -> ApiResult {
    let token = bearer(&headers);
    let query = parse_query(&params)?;
    let fields = match params.get("by").filter(|b| !b.is_empty()) {
        Some(list) => ward_query::parse_fields(list).map_err(|e| ServerError::BadRequest(e.to_string()))?,
        None => Vec::new(),
    };
    let limit = parse_limit(&params, 1000)?;
    let names: Vec<&str> = fields.iter().map(|f| f.name()).collect();
    let (total, rows) = state
        .blocking(move |conn, store| {
            require(conn, token.as_deref(), TokenKind::Admin)?;
            let now = OffsetDateTime::now_utc();
            let total = store.count(&query, now).map_err(store_error)?;
            let rows = if fields.is_empty() {
                Vec::new()
            } else {
                store.count_by(&query, &fields, now, limit).map_err(store_error)?
            };
            Ok((total, rows))
        })
        .await?;
    ok_json(json!({"schema_version": API_SCHEMA_VERSION, "total": total, "fields": names, "rows": rows}))
}

async fn devices(State(state): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult {
    let token = bearer(&headers);
    let (devices, current) = state
        .blocking(move |conn, _| {
            require(conn, token.as_deref(), TokenKind::Admin)?;
            Ok((fleet::devices(conn)?, policy::current_version(conn)?))
        })
        .await?;
    let current = current.map(|v| v.digest);
    let devices: Vec<Value> = devices
        .into_iter()
        .map(|device| {
            // Whether the device enforces exactly the policy pushed last (null: none pushed).
            let policy_current = current.as_ref().map(|c| device.policy_digest.as_ref() == Some(c));
            let mut value = serde_json::to_value(&device).unwrap_or(Value::Null);
            value["policy_current"] = json!(policy_current);
            value
        })
        .collect();
    ok_json(json!({"schema_version": API_SCHEMA_VERSION, "current_policy": current, "devices": devices}))
}

/// The value an ETag carries for a policy digest.
fn etag(digest: &str) -> String {
    format!("\"{digest}\"")
}

/// Whether an `If-None-Match` header names `digest` (strong or weak, in a list, or `*`).
fn none_match(headers: &HeaderMap, digest: &str) -> bool {
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').map(str::trim).any(|tag| {
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag == "*" || tag.trim_matches('"') == digest
        })
    })
}

/// `PUT /api/v1/policy[?label=…]` (admin): the body is the policy text (TOML), validated as
/// `ward policy check` validates it; it becomes the version devices fetch.
async fn policy_push(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let token = bearer(&headers);
    let bytes = body_bytes(body)?;
    let label = params.get("label").cloned();
    let pushed = state
        .blocking(move |conn, _| {
            require(conn, token.as_deref(), TokenKind::Admin)?;
            policy::push(conn, &bytes, label.as_deref())
        })
        .await?;
    let mut value = serde_json::to_value(&pushed).map_err(|e| ServerError::Internal(e.to_string()))?;
    value["schema_version"] = json!(API_SCHEMA_VERSION);
    ok_json(value)
}

/// `GET /api/v1/policy` (device): the current policy text with its digest as the ETag; 304 when
/// `If-None-Match` names it. The device says what it enforces in `Ward-Policy-Enforced` (a
/// digest) and `Ward-Policy-Source`; the server records both for the device list.
async fn policy_fetch(State(state): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult {
    let token = bearer(&headers);
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let enforced = header_text("ward-policy-enforced");
    let source = header_text("ward-policy-source");
    let current = state
        .blocking(move |conn, _| {
            let info = require(conn, token.as_deref(), TokenKind::Device)?;
            let device = info.device.unwrap_or_default();
            if let Some(digest) = &enforced {
                policy::report_enforced(conn, &device, digest, source.as_deref().unwrap_or("user"))?;
            }
            policy::current(conn)
        })
        .await?;
    let Some((version, body)) = current else {
        return Err(ServerError::NotFound("no policy has been pushed to this fleet yet".into()).into());
    };
    let tag = etag(&version.digest);
    let version_header = version.version.to_string();
    if none_match(&headers, &version.digest) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, tag), (header::HeaderName::from_static("ward-policy-version"), version_header)],
        )
            .into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8".to_owned()),
            (header::ETAG, tag),
            (header::HeaderName::from_static("ward-policy-version"), version_header),
        ],
        body,
    )
        .into_response())
}

/// `POST /api/v1/inventory` (device): one `ward scan` document. Compared with what the server
/// holds for the device: changes become events (stored first), then the held inventory and
/// drift findings are updated.
async fn snapshot(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let token = bearer(&headers);
    let bytes = body_bytes(body)?;
    let parsed = body::parse_snapshot(&bytes)?;
    let (device, report) = state
        .blocking(move |conn, store| {
            let info = require(conn, token.as_deref(), TokenKind::Device)?;
            let device = info.device.unwrap_or_default();
            let plan = inventory::plan(conn, &device, &parsed.scan, OffsetDateTime::now_utc())?;
            let stored = store.ingest(&plan.events).map_err(store_error)?;
            inventory::commit(conn, &plan)?;
            let mut report = plan.report.clone();
            report.events_inserted = stored.inserted;
            Ok((device, report))
        })
        .await?;
    Metrics::add(&state.metrics.events_inserted, report.events_inserted);
    let mut value = serde_json::to_value(&report).map_err(|e| ServerError::Internal(e.to_string()))?;
    value["schema_version"] = json!(API_SCHEMA_VERSION);
    value["device"] = json!(device);
    ok_json(value)
}

fn flag(params: &HashMap<String, String>, name: &str) -> Result<bool, ServerError> {
    match params.get(name).map(String::as_str) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(ServerError::BadRequest(format!("{name} must be true or false, not {other:?}"))),
    }
}

/// `GET /api/v1/inventory?device=&kind=&name=&removed=&limit=` (admin): the fleet's inventory as
/// the devices' last snapshots showed it, with first and last sighting per device.
async fn inventory_list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
) -> ApiResult {
    let token = bearer(&headers);
    let filter = inventory::InventoryFilter {
        device: params.get("device").cloned(),
        kind: params.get("kind").cloned(),
        name: params.get("name").cloned(),
        include_removed: flag(&params, "removed")?,
    };
    let limit = parse_limit(&params, 10_000)? as i64;
    let artifacts = state
        .blocking(move |conn, _| {
            require(conn, token.as_deref(), TokenKind::Admin)?;
            inventory::list(conn, &filter, limit)
        })
        .await?;
    ok_json(json!({"schema_version": API_SCHEMA_VERSION, "artifacts": artifacts}))
}

/// `GET /api/v1/drift?device=&resolved=` (admin): drift findings per device, first and last seen.
async fn drift_list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
) -> ApiResult {
    let token = bearer(&headers);
    let device = params.get("device").cloned();
    let resolved = flag(&params, "resolved")?;
    let findings = state
        .blocking(move |conn, _| {
            require(conn, token.as_deref(), TokenKind::Admin)?;
            inventory::drift(conn, device.as_deref(), resolved)
        })
        .await?;
    ok_json(json!({"schema_version": API_SCHEMA_VERSION, "drift": findings}))
}

/// `GET /api/v1/policies` (admin): every pushed version, newest first.
async fn policy_versions(State(state): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult {
    let token = bearer(&headers);
    let versions = state
        .blocking(move |conn, _| {
            require(conn, token.as_deref(), TokenKind::Admin)?;
            policy::versions(conn)
        })
        .await?;
    ok_json(json!({"schema_version": API_SCHEMA_VERSION, "versions": versions}))
}

async fn findings(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
) -> ApiResult {
    let token = bearer(&headers);
    let device = params.get("device").cloned();
    let findings = state
        .blocking(move |conn, store| {
            require(conn, token.as_deref(), TokenKind::Admin)?;
            store.findings(device.as_deref()).map_err(store_error)
        })
        .await?;
    ok_json(json!({"schema_version": API_SCHEMA_VERSION, "findings": findings}))
}

/// `GET /api/v1/verify`: every enrolled device's chain as the server holds it: its position, the
/// seq ranges missing from it now, and every finding (gap, broken link, restart …) recorded at
/// ingest. `intact` only if neither.
async fn verify(State(state): State<Arc<AppState>>, headers: HeaderMap) -> ApiResult {
    let token = bearer(&headers);
    let report = state
        .blocking(move |conn, store| {
            require(conn, token.as_deref(), TokenKind::Admin)?;
            let mut out = Vec::new();
            for device in fleet::devices(conn)? {
                let position = store.chain_position(&device.id).map_err(store_error)?;
                let findings = store.findings(Some(&device.id)).map_err(store_error)?;
                let missing = crate::gaps::missing_ranges(conn, &device.id)?;
                out.push(json!({
                    "device": device.id,
                    "hostname": device.hostname,
                    "last_seq": position.as_ref().map(|(seq, _)| *seq),
                    "last_hash": position.map(|(_, hash)| hash),
                    "intact": findings.is_empty() && missing.is_empty(),
                    "missing": missing.iter().map(|(first, last)| json!({"first": first, "last": last})).collect::<Vec<_>>(),
                    "findings": findings,
                }));
            }
            Ok(out)
        })
        .await?;
    let intact = report.iter().all(|d| d["intact"] == true);
    ok_json(json!({"schema_version": API_SCHEMA_VERSION, "intact": intact, "devices": report}))
}

async fn not_found() -> ApiError {
    ApiError(ServerError::NotFound("no such endpoint; see /api/v1 in docs/fleet.md".into()))
}

async fn method_not_allowed() -> Response {
    let body = json!({"schema_version": API_SCHEMA_VERSION, "error": {
        "code": "method_not_allowed",
        "message": "this endpoint does not take this method; see /api/openapi.json",
    }});
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}

/// Counts requests and error statuses for `/metrics`.
async fn count_requests(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    Metrics::add(&state.metrics.requests, 1);
    if response.status().is_client_error() {
        Metrics::add(&state.metrics.client_errors, 1);
    } else if response.status().is_server_error() {
        Metrics::add(&state.metrics.server_errors, 1);
    }
    response
}

/// Every route the server serves: path and methods. The router is built from this list (a path
/// missing here is not served), `endpoint` gives each path its handlers, and the tests hold the
/// OpenAPI document (`/api/openapi.json`) and the handlers' methods to it.
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/healthz", &["GET"]),
    ("/metrics", &["GET"]),
    ("/api/openapi.json", &["GET"]),
    ("/api/v1/enroll", &["POST"]),
    ("/api/v1/events", &["GET", "POST"]),
    ("/api/v1/count", &["GET"]),
    ("/api/v1/devices", &["GET"]),
    ("/api/v1/findings", &["GET"]),
    ("/api/v1/verify", &["GET"]),
    ("/api/v1/policy", &["GET", "PUT"]),
    ("/api/v1/policies", &["GET"]),
    ("/api/v1/inventory", &["GET", "POST"]),
    ("/api/v1/drift", &["GET"]),
];

/// The OpenAPI 3.1 description of [`ROUTES`] (hand-written; a test keeps the two equal).
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// The handlers of one path, with their body limits.
fn endpoint(path: &str) -> Option<MethodRouter<Arc<AppState>>> {
    let small = DefaultBodyLimit::max(body::MAX_SMALL_BODY);
    Some(match path {
        "/healthz" => get(healthz),
        "/metrics" => get(metrics),
        "/api/openapi.json" => get(openapi),
        "/api/v1/enroll" => post(enroll).layer(small),
        "/api/v1/events" => post(ingest).layer(DefaultBodyLimit::max(MAX_INGEST_BODY)).get(events),
        "/api/v1/count" => get(count),
        "/api/v1/devices" => get(devices),
        "/api/v1/findings" => get(findings),
        "/api/v1/verify" => get(verify),
        "/api/v1/policy" => {
            get(policy_fetch).put(policy_push).layer(DefaultBodyLimit::max(policy::MAX_POLICY_BYTES))
        }
        "/api/v1/policies" => get(policy_versions),
        "/api/v1/inventory" => {
            post(snapshot).layer(DefaultBodyLimit::max(body::MAX_SNAPSHOT_BODY)).get(inventory_list)
        }
        "/api/v1/drift" => get(drift_list),
        _ => return None,
    })
}

fn router(state: Arc<AppState>) -> Router {
    let mut router = Router::new();
    for (path, _) in ROUTES {
        if let Some(handlers) = endpoint(path) {
            router = router.route(path, handlers);
        }
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), count_requests))
        .with_state(state)
}

/// Prepares the database (migrations, first-start tokens), binds, calls `on_started`, and
/// serves until SIGINT or SIGTERM. Blocking: builds its own tokio runtime.
pub fn serve(config: ServeConfig, on_started: impl FnOnce(&Started)) -> Result<(), ServerError> {
    crate::check_listen(config.listen, config.tls.is_some(), config.insecure_listen)?;
    // A bad certificate or key stops the start, before the database is touched.
    let tls = config.tls.as_ref().map(crate::tls::server_config).transpose()?;
    // Migrate the store and the server's tables before taking traffic.
    let store = ward_store::open(&config.database).map_err(store_error)?;
    let mut conn = Conn::open(&config.database)?;
    let first_start = fleet::first_start(&mut conn)?;
    let admin_token_file = crate::admin_token_file(&config.data_dir);
    if let Some(first) = &first_start {
        write_private(&admin_token_file, &format!("{}\n", first.admin_token))?;
    }
    let workers = config.workers.max(1);
    let writer = if crate::db::is_postgres(&config.database) {
        None
    } else {
        Some(Writer::start(crate::db::sqlite_path(&config.database))?)
    };
    let state = Arc::new(AppState {
        database: config.database.clone(),
        conns: Mutex::new(vec![conn]),
        stores: Mutex::new(vec![store]),
        permits: tokio::sync::Semaphore::new(workers),
        metrics: Arc::new(Metrics::default()),
        tokens: TokenCache::default(),
        writer,
    });
    crate::maintenance::start(config.database.clone(), config.retention, Arc::clone(&state.metrics))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(workers + 2)
        .enable_all()
        .build()
        .map_err(|e| ServerError::Internal(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| ServerError::Config(format!("cannot listen on {}: {e}", config.listen)))?;
        let addr = listener.local_addr().map_err(|e| ServerError::Internal(e.to_string()))?;
        let started = Started {
            addr,
            database: config.database.clone(),
            first_start,
            admin_token_file,
            tls: tls.is_some(),
        };
        let failed = |e: std::io::Error| ServerError::Internal(format!("server failed: {e}"));
        match tls {
            Some(tls) => {
                let listener = crate::tls::TlsListener::new(listener, tls).map_err(failed)?;
                on_started(&started);
                axum::serve(listener, router(state))
                    .with_graceful_shutdown(shutdown_signal())
                    .await
                    .map_err(failed)
            }
            None => {
                on_started(&started);
                axum::serve(listener, router(state))
                    .with_graceful_shutdown(shutdown_signal())
                    .await
                    .map_err(failed)
            }
        }
    })
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// Writes a secret file readable by its owner only (created 0600, never widened).
pub fn write_private(path: &std::path::Path, text: &str) -> Result<(), ServerError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |e: std::io::Error| ServerError::Config(format!("cannot write {}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workers_panic_text_stays_in_the_servers_log() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        let error = runtime
            .block_on(async {
                tokio::task::spawn_blocking(|| panic!("token wd_secret_123 in a panic")).await
            })
            .expect_err("the worker panicked");
        let answer = ApiError(worker_failed(error)).into_response();
        assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = runtime.block_on(axum::body::to_bytes(answer.into_body(), 1 << 16)).expect("the body");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("\"code\":\"internal\""), "{text}");
        assert!(!text.contains("wd_secret_123") && !text.contains("panic"), "{text}");
    }
}
