//! Fleet administration on the server's tables: tokens (create, list, revoke, authenticate),
//! enrollment (an enrollment token exchanged for a device credential), devices, the fleet key.
//! Synchronous; the HTTP layer calls it from blocking tasks and the CLI calls it directly.

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{Conn, Val};
use crate::token::{self, TokenKind};
use crate::ServerError;

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64
}

/// RFC 3339 text of a microsecond timestamp.
pub fn rfc3339(us: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub kind: String,
    pub label: Option<String>,
    /// A device token's device; an enrollment token limited to re-enrolling one device.
    pub device: Option<String>,
    /// Enrollment tokens: uses left (`None`: unlimited until it expires).
    pub uses_left: Option<i64>,
    pub expires: Option<String>,
    pub created: String,
    pub revoked: Option<String>,
    pub last_used: Option<String>,
}

/// What `create_token` is asked for.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub label: Option<String>,
    pub device: Option<String>,
    pub uses: Option<i64>,
    pub ttl_seconds: Option<i64>,
}

const TOKEN_COLUMNS: &str =
    "id, kind, label, device, uses_left, expires_us, created_us, revoked_us, last_used_us";

fn token_info(row: &[Val]) -> TokenInfo {
    let text = |i: usize| row.get(i).and_then(Val::text).map(str::to_owned);
    let int = |i: usize| row.get(i).and_then(Val::int);
    TokenInfo {
        id: text(0).unwrap_or_default(),
        kind: text(1).unwrap_or_default(),
        label: text(2),
        device: text(3),
        uses_left: int(4),
        expires: int(5).map(rfc3339),
        created: int(6).map(rfc3339).unwrap_or_default(),
        revoked: int(7).map(rfc3339),
        last_used: int(8).map(rfc3339),
    }
}

/// Creates a token; returns it as listed and its secret text (shown once, never stored).
pub fn create_token(
    conn: &mut Conn,
    kind: TokenKind,
    request: &TokenRequest,
) -> Result<(TokenInfo, String), ServerError> {
    if let Some(uses) = request.uses {
        if uses < 1 {
            return Err(ServerError::BadRequest("--uses must be at least 1".into()));
        }
    }
    let new = token::generate(kind)?;
    let now = now_us();
    let expires = request.ttl_seconds.map(|s| now.saturating_add(s.saturating_mul(1_000_000)));
    conn.execute(
        "INSERT INTO fleet_tokens (id, kind, hash, label, device, uses_left, expires_us, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            new.id.clone().into(),
            kind.as_str().into(),
            new.hash.clone().into(),
            request.label.clone().into(),
            request.device.clone().into(),
            request.uses.into(),
            expires.into(),
            now.into(),
        ],
    )?;
    let info = find_token(conn, &new.id)?.ok_or_else(|| ServerError::Internal("token vanished".into()))?;
    Ok((info, new.text))
}

fn find_token(conn: &mut Conn, id: &str) -> Result<Option<TokenInfo>, ServerError> {
    let rows =
        conn.query(&format!("SELECT {TOKEN_COLUMNS} FROM fleet_tokens WHERE id = $1"), &[id.into()])?;
    Ok(rows.first().map(|r| token_info(r)))
}

/// Every token, oldest first (device tokens included: one per enrolled device).
pub fn list_tokens(conn: &mut Conn) -> Result<Vec<TokenInfo>, ServerError> {
    let rows =
        conn.query(&format!("SELECT {TOKEN_COLUMNS} FROM fleet_tokens ORDER BY created_us, id"), &[])?;
    Ok(rows.iter().map(|r| token_info(r)).collect())
}

/// Revokes a token by id; `false` if there is no such (unrevoked) token.
pub fn revoke_token(conn: &mut Conn, id: &str) -> Result<bool, ServerError> {
    let changed = conn.execute(
        "UPDATE fleet_tokens SET revoked_us = $1 WHERE id = $2 AND revoked_us IS NULL",
        &[now_us().into(), id.into()],
    )?;
    Ok(changed > 0)
}

/// Why a bearer token was not accepted. Deliberately coarse towards the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Invalid,
    WrongKind,
    Revoked,
    Expired,
    UsedUp,
}

impl Refusal {
    pub fn message(self, wanted: TokenKind) -> String {
        let what = wanted.as_str();
        match self {
            Refusal::Missing => format!("an {what} token is required (Authorization: Bearer …)"),
            Refusal::Invalid => format!("the {what} token is not known to this server"),
            Refusal::WrongKind => format!("this endpoint takes an {what} token"),
            Refusal::Revoked => format!("the {what} token was revoked"),
            Refusal::Expired => format!("the {what} token has expired"),
            Refusal::UsedUp => format!("the {what} token has no uses left"),
        }
    }
}

/// Looks a presented token up: it must be of `kind`, unrevoked and unexpired.
pub fn authenticate(
    conn: &mut Conn,
    text: &str,
    kind: TokenKind,
) -> Result<Result<TokenInfo, Refusal>, ServerError> {
    let Some((claimed, _)) = token::parse(text) else { return Ok(Err(Refusal::Invalid)) };
    if claimed != kind {
        return Ok(Err(Refusal::WrongKind));
    }
    let rows = conn.query(
        &format!(
            "SELECT {TOKEN_COLUMNS}, expires_us, revoked_us FROM fleet_tokens WHERE hash = $1 AND kind = $2"
        ),
        &[token::hash(text).into(), kind.as_str().into()],
    )?;
    let Some(row) = rows.first() else { return Ok(Err(Refusal::Invalid)) };
    if row.get(10).and_then(Val::int).is_some() {
        return Ok(Err(Refusal::Revoked));
    }
    if row.get(9).and_then(Val::int).is_some_and(|expires| expires <= now_us()) {
        return Ok(Err(Refusal::Expired));
    }
    Ok(Ok(token_info(row)))
}

/// Notes that a token was used (for `token list`); best effort.
pub fn touch_token(conn: &mut Conn, id: &str) -> Result<(), ServerError> {
    conn.execute("UPDATE fleet_tokens SET last_used_us = $1 WHERE id = $2", &[now_us().into(), id.into()])?;
    Ok(())
}

/// A setting, or `None`.
pub fn setting(conn: &mut Conn, name: &str) -> Result<Option<String>, ServerError> {
    let rows = conn.query("SELECT value FROM fleet_settings WHERE name = $1", &[name.into()])?;
    Ok(rows.first().and_then(|r| r.first()).and_then(Val::text).map(str::to_owned))
}

/// Sets a setting only if it is not set yet; `true` if this call set it (replicas race safely).
pub fn setting_insert_new(conn: &mut Conn, name: &str, value: &str) -> Result<bool, ServerError> {
    let changed = conn.execute(
        "INSERT INTO fleet_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[name.into(), value.into()],
    )?;
    Ok(changed > 0)
}

/// The fleet's fingerprint key (32 random bytes, hex), created once.
pub fn fleet_key(conn: &mut Conn) -> Result<String, ServerError> {
    if let Some(key) = setting(conn, "fleet_key")? {
        return Ok(key);
    }
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| ServerError::Internal(format!("random source: {e}")))?;
    setting_insert_new(conn, "fleet_key", &hex::encode(bytes))?;
    setting(conn, "fleet_key")?.ok_or_else(|| ServerError::Internal("the fleet key was not stored".into()))
}

/// What the first start of a server on an empty database created.
#[derive(Debug, Clone)]
pub struct FirstStart {
    pub admin_token: String,
    pub enroll_token: String,
    pub enroll_info: TokenInfo,
}

/// Uses of the enrollment token the first start prints, and how long it is valid.
pub const FIRST_ENROLL_USES: i64 = 100;
pub const FIRST_ENROLL_TTL_SECONDS: i64 = 7 * 24 * 3600;

/// On the first start against a database (exactly one replica wins the race): creates the fleet
/// key, an admin token and an enrollment token. `None` on every later start.
pub fn first_start(conn: &mut Conn) -> Result<Option<FirstStart>, ServerError> {
    fleet_key(conn)?;
    if !setting_insert_new(conn, "initialized", &rfc3339(now_us()))? {
        return Ok(None);
    }
    let (_, admin_token) = create_token(
        conn,
        TokenKind::Admin,
        &TokenRequest { label: Some("first start".into()), ..Default::default() },
    )?;
    let (enroll_info, enroll_token) = create_token(
        conn,
        TokenKind::Enroll,
        &TokenRequest {
            label: Some("first start".into()),
            uses: Some(FIRST_ENROLL_USES),
            ttl_seconds: Some(FIRST_ENROLL_TTL_SECONDS),
            ..Default::default()
        },
    )?;
    Ok(Some(FirstStart { admin_token, enroll_token, enroll_info }))
}

/// An endpoint's enrollment request.
#[derive(Debug, Clone)]
pub struct EnrollRequest {
    pub token: String,
    pub device: String,
    pub hostname: Option<String>,
    pub version: Option<String>,
    /// The device's current credential when it re-enrolls (proves it is the same device).
    pub credential: Option<String>,
}

/// What enrollment gives the endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Enrollment {
    pub device: String,
    pub credential: String,
    pub fleet_key: String,
    /// True when the device was enrolled before (its events and chain position are kept).
    pub reenrolled: bool,
}

/// Whether `id` has the form of a device id (the spool's UUID): what we accept from clients.
pub fn valid_device_id(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit() && !b.is_ascii_uppercase(),
        })
}

/// Exchanges an enrollment token for a device credential. A device id that is already enrolled
/// is re-enrolled only by proof: its current credential, or an enrollment token the admin made
/// for that device (`--device`). Otherwise anyone holding an enrollment token could take over
/// another device's identity and write into its chain. Re-enrolling revokes the device's old
/// credentials and keeps its events and chain position.
pub fn enroll(conn: &mut Conn, request: &EnrollRequest) -> Result<Enrollment, ServerError> {
    if !valid_device_id(&request.device) {
        return Err(ServerError::BadRequest(
            "device must be a lower-case UUID (the spool's device.id)".into(),
        ));
    }
    let token = match authenticate(conn, &request.token, TokenKind::Enroll)? {
        Ok(token) => token,
        Err(refusal) => return Err(ServerError::Unauthorized(refusal.message(TokenKind::Enroll))),
    };
    if let Some(scoped) = &token.device {
        if scoped != &request.device {
            return Err(ServerError::Forbidden("this enrollment token is for another device".into()));
        }
    }
    let existing =
        conn.query("SELECT id FROM fleet_devices WHERE id = $1", &[request.device.as_str().into()])?;
    let reenrolled = !existing.is_empty();
    if reenrolled && token.device.is_none() {
        let proven = match &request.credential {
            Some(credential) => matches!(
                authenticate(conn, credential, TokenKind::Device)?,
                Ok(ref info) if info.device.as_deref() == Some(request.device.as_str())
            ),
            None => false,
        };
        if !proven {
            return Err(ServerError::Conflict(format!(
                "device {} is already enrolled; re-enroll with its current credential, or with an \
                 enrollment token made for it (ward admin token create --kind enroll --device {})",
                request.device, request.device
            )));
        }
    }
    // One use, atomically: two replicas cannot both spend the last use.
    let spent = conn.execute(
        "UPDATE fleet_tokens SET uses_left = uses_left - 1, last_used_us = $1 \
         WHERE id = $2 AND revoked_us IS NULL AND (uses_left IS NULL OR uses_left > 0)",
        &[now_us().into(), token.id.as_str().into()],
    )?;
    if spent == 0 {
        return Err(ServerError::Unauthorized(Refusal::UsedUp.message(TokenKind::Enroll)));
    }
    let now = now_us();
    conn.execute(
        "UPDATE fleet_tokens SET revoked_us = $1 WHERE kind = 'device' AND device = $2 AND revoked_us IS NULL",
        &[now.into(), request.device.as_str().into()],
    )?;
    let (_, credential) = create_token(
        conn,
        TokenKind::Device,
        &TokenRequest {
            label: request.hostname.clone(),
            device: Some(request.device.clone()),
            ..Default::default()
        },
    )?;
    if reenrolled {
        conn.execute(
            "UPDATE fleet_devices SET hostname = $1, version = $2, enrollments = enrollments + 1, enrolled_us = $3 \
             WHERE id = $4",
            &[request.hostname.clone().into(), request.version.clone().into(), now.into(), request.device.as_str().into()],
        )?;
    } else {
        conn.execute(
            "INSERT INTO fleet_devices (id, hostname, enrolled_us, enrollments, version) VALUES ($1, $2, $3, 1, $4) \
             ON CONFLICT (id) DO NOTHING",
            &[request.device.as_str().into(), request.hostname.clone().into(), now.into(), request.version.clone().into()],
        )?;
    }
    Ok(Enrollment { device: request.device.clone(), credential, fleet_key: fleet_key(conn)?, reenrolled })
}

/// A device as the admin API lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeviceInfo {
    pub id: String,
    pub hostname: Option<String>,
    pub enrolled: String,
    pub enrollments: i64,
    pub last_seen: Option<String>,
    pub version: Option<String>,
    /// The digest (`sha256:…`) of the policy the device last said it enforces.
    pub policy_digest: Option<String>,
    /// Where that policy came from on the device: managed, flag, env, user or builtin.
    pub policy_source: Option<String>,
    /// When the device last reported its policy.
    pub policy_reported: Option<String>,
    /// When the device last sent an inventory snapshot.
    pub last_snapshot: Option<String>,
    /// Highest seq stored for the device.
    pub last_seq: Option<i64>,
    /// Chain findings recorded at ingest.
    pub findings: i64,
}

/// Every enrolled device. What ingest records (last seen, highest seq, findings, agent version)
/// lives on the store's `devices` row, written in the batch's own transaction; the columns of
/// the same name here hold what other requests record (policy fetches, enrollment) and what
/// servers before store schema 3 counted, so both are combined.
pub fn devices(conn: &mut Conn) -> Result<Vec<DeviceInfo>, ServerError> {
    let rows = conn.query(
        "SELECT f.id, f.hostname, f.enrolled_us, f.enrollments, \
         CASE WHEN d.last_seen_us IS NULL OR f.last_seen_us > d.last_seen_us THEN f.last_seen_us \
             ELSE d.last_seen_us END, \
         COALESCE(d.version, f.version), f.policy_digest, \
         CASE WHEN d.max_seq IS NULL OR f.last_seq > d.max_seq THEN f.last_seq ELSE d.max_seq END, \
         f.findings + COALESCE(d.findings, 0), \
         f.policy_source, f.policy_reported_us, f.last_snapshot_us \
         FROM fleet_devices f LEFT JOIN devices d ON d.device = f.id ORDER BY f.id",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|row| {
            let text = |i: usize| row.get(i).and_then(Val::text).map(str::to_owned);
            let int = |i: usize| row.get(i).and_then(Val::int);
            DeviceInfo {
                id: text(0).unwrap_or_default(),
                hostname: text(1),
                enrolled: int(2).map(rfc3339).unwrap_or_default(),
                enrollments: int(3).unwrap_or(0),
                last_seen: int(4).map(rfc3339),
                version: text(5),
                policy_digest: text(6),
                policy_source: text(9),
                policy_reported: int(10).map(rfc3339),
                last_snapshot: int(11).map(rfc3339),
                last_seq: int(7),
                findings: int(8).unwrap_or(0),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> (tempfile::TempDir, Conn) {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("fleet.db").display().to_string();
        // The server always opens the store first: the device list reads its `devices` rows.
        ward_store::open(&url).unwrap();
        let conn = Conn::open(&url).unwrap();
        (dir, conn)
    }

    const DEVICE: &str = "0192f1e2-aaaa-7bbb-8ccc-0123456789ab";

    fn request(token: &str) -> EnrollRequest {
        EnrollRequest {
            token: token.into(),
            device: DEVICE.into(),
            hostname: Some("h".into()),
            version: None,
            credential: None,
        }
    }

    #[test]
    fn first_start_happens_once_and_tokens_authenticate() {
        let (_dir, mut c) = conn();
        let first = first_start(&mut c).unwrap().unwrap();
        assert!(first_start(&mut c).unwrap().is_none());
        assert!(authenticate(&mut c, &first.admin_token, TokenKind::Admin).unwrap().is_ok());
        assert_eq!(
            authenticate(&mut c, &first.admin_token, TokenKind::Enroll).unwrap(),
            Err(Refusal::WrongKind)
        );
        assert_eq!(authenticate(&mut c, "nonsense", TokenKind::Admin).unwrap(), Err(Refusal::Invalid));
        // The last character changed (to one it is not: a fixed '0' made this test fail now and then).
        let other = if first.admin_token.ends_with('0') { '1' } else { '0' };
        let forged = format!("{}{other}", &first.admin_token[..first.admin_token.len() - 1]);
        assert_eq!(authenticate(&mut c, &forged, TokenKind::Admin).unwrap(), Err(Refusal::Invalid));
        let id = &list_tokens(&mut c).unwrap()[0].id;
        assert!(revoke_token(&mut c, id).unwrap());
        assert_eq!(
            authenticate(&mut c, &first.admin_token, TokenKind::Admin).unwrap(),
            Err(Refusal::Revoked)
        );
    }

    #[test]
    fn one_use_tokens_enroll_once_and_reenrolling_needs_proof() {
        let (_dir, mut c) = conn();
        let (_, once) =
            create_token(&mut c, TokenKind::Enroll, &TokenRequest { uses: Some(1), ..Default::default() })
                .unwrap();
        let first = enroll(&mut c, &request(&once)).unwrap();
        assert!(!first.reenrolled);
        let (_, another) = create_token(&mut c, TokenKind::Enroll, &TokenRequest::default()).unwrap();
        let mut other = request(&once);
        other.device = "0192f1e2-aaaa-7bbb-8ccc-0123456789ac".into();
        assert!(matches!(enroll(&mut c, &other), Err(ServerError::Unauthorized(_))), "used up");
        // Taking over an enrolled device id without its credential is refused.
        assert!(matches!(enroll(&mut c, &request(&another)), Err(ServerError::Conflict(_))));
        let mut proven = request(&another);
        proven.credential = Some(first.credential.clone());
        let second = enroll(&mut c, &proven).unwrap();
        assert!(second.reenrolled);
        assert_eq!(second.fleet_key, first.fleet_key);
        assert_eq!(
            authenticate(&mut c, &first.credential, TokenKind::Device).unwrap(),
            Err(Refusal::Revoked)
        );
        let device = authenticate(&mut c, &second.credential, TokenKind::Device).unwrap().unwrap();
        assert_eq!(device.device.as_deref(), Some(DEVICE));
        assert_eq!(devices(&mut c).unwrap()[0].enrollments, 2);
    }

    /// What ingest records about the sender (in the batch's own transaction, on the store's
    /// device row) shows in the device list, on SQLite and on PostgreSQL.
    #[test]
    fn the_device_list_shows_what_ingest_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = dir.path().join("fleet.db").display().to_string();
        let postgres = ward_store::throwaway::fresh_database("fleet_device_list").unwrap();
        for url in [sqlite, postgres] {
            let mut store = ward_store::open(&url).unwrap();
            let mut c = Conn::open(&url).unwrap();
            let (_, token) = create_token(&mut c, TokenKind::Enroll, &TokenRequest::default()).unwrap();
            enroll(&mut c, &request(&token)).unwrap();
            let before = &devices(&mut c).unwrap()[0];
            assert_eq!((before.last_seq, before.findings, before.last_seen.as_deref()), (None, 0, None));
            let start = OffsetDateTime::now_utc() - time::Duration::hours(1);
            let mut events =
                ward_store::generate::Generator::new(3, 1, start, time::Duration::hours(1), 20).batch(20);
            for event in &mut events {
                event.device = DEVICE.into();
                event.prev_hash = ward_model::event::GENESIS_HASH.into();
            }
            // Reseal as one chain of this device, then drop seq 5: one gap finding.
            let mut prev = ward_model::event::GENESIS_HASH.to_owned();
            for event in &mut events {
                event.prev_hash = prev.clone();
                ward_audit::chain::seal(event).unwrap();
                prev = event.hash.clone();
            }
            events.remove(4);
            let prepared = ward_store::Prepared::new(&events).unwrap();
            let seen = now_us();
            let origin = ward_store::Origin { device: DEVICE, seen_us: seen, version: Some("9.9.9") };
            let batch = ward_store::Batch { events: &prepared, origin: Some(origin) };
            let report = store.ingest_group(&[batch]).unwrap().remove(0).unwrap();
            assert_eq!((report.inserted, report.findings.len()), (19, 1), "{url}");
            assert_eq!(report.head(DEVICE), Some((20, events[18].hash.clone())), "{url}");
            let after = &devices(&mut c).unwrap()[0];
            assert_eq!(after.last_seq, Some(20), "{url}");
            assert_eq!(after.findings, 1, "{url}");
            assert_eq!(after.version.as_deref(), Some("9.9.9"), "{url}");
            assert_eq!(after.last_seen, Some(rfc3339(seen)), "{url}");
        }
    }

    #[test]
    fn expired_tokens_and_bad_device_ids_are_refused() {
        let (_dir, mut c) = conn();
        let (_, expired) = create_token(
            &mut c,
            TokenKind::Enroll,
            &TokenRequest { ttl_seconds: Some(-1), ..Default::default() },
        )
        .unwrap();
        assert!(
            matches!(enroll(&mut c, &request(&expired)), Err(ServerError::Unauthorized(m)) if m.contains("expired"))
        );
        let (_, token) = create_token(&mut c, TokenKind::Enroll, &TokenRequest::default()).unwrap();
        for bad in ["", "x", "0192F1E2-AAAA-7BBB-8CCC-0123456789AB", "../../etc/passwd-aaaa-bbbb-cccc-dddddd"]
        {
            let mut r = request(&token);
            r.device = bad.into();
            assert!(matches!(enroll(&mut c, &r), Err(ServerError::BadRequest(_))), "{bad}");
        }
        assert!(create_token(
            &mut c,
            TokenKind::Enroll,
            &TokenRequest { uses: Some(0), ..Default::default() }
        )
        .is_err());
    }
}
