//! Policy distribution: the admin pushes a policy (validated exactly as `ward policy check`
//! validates it), the server keeps every version with its digest, devices fetch the current one
//! with `If-None-Match`, and each device reports the digest of the policy it enforces.
//!
//! The digest is `sha256:<hex>` of the policy file's bytes, the same on the server and on the
//! endpoint, so "the device enforces what was pushed" is a string comparison an admin can make
//! without trusting either side's bookkeeping. The bodies live in `fleet_policies` (one row per
//! distinct text); `fleet_policy_versions` orders the pushes (pushing an older text again makes
//! it current under a new version number, which is how a rollback looks).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Conn, Val};
use crate::fleet::{now_us, rfc3339};
use crate::ServerError;

/// Largest policy accepted (the built-in one is a few KiB).
pub const MAX_POLICY_BYTES: usize = 1 << 20;

/// Where a device's enforced policy came from, as it reports it.
pub const POLICY_SOURCES: &[&str] = &["managed", "flag", "env", "user", "builtin"];

/// `sha256:<hex>` of a policy's bytes.
pub fn digest(body: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(body)))
}

/// Whether `text` has the form of a digest this server hands out.
pub fn valid_digest(text: &str) -> bool {
    text.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
}

/// Checks a policy the way `ward policy check` does (parse, validate, compile). The error lists
/// every problem with its line and column.
pub fn validate(body: &[u8]) -> Result<&str, ServerError> {
    if body.len() > MAX_POLICY_BYTES {
        return Err(ServerError::TooLarge(format!(
            "the policy is {} bytes; the limit is {MAX_POLICY_BYTES}",
            body.len()
        )));
    }
    let text = std::str::from_utf8(body)
        .map_err(|e| ServerError::BadRequest(format!("the policy is not UTF-8 text: {e}")))?;
    ward_policy::Policy::from_toml_str(text, "pushed policy")
        .map_err(|e| ServerError::BadRequest(format!("the policy does not validate:\n{e}")))?;
    Ok(text)
}

/// One pushed version.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyVersion {
    pub version: i64,
    pub digest: String,
    pub pushed: String,
    pub label: Option<String>,
    pub bytes: i64,
}

/// What a push did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pushed {
    #[serde(flatten)]
    pub current: PolicyVersion,
    /// The text was already the current version: nothing new was recorded.
    pub unchanged: bool,
}

const VERSION_SELECT: &str = "SELECT v.version, v.digest, v.pushed_us, v.label, p.bytes \
     FROM fleet_policy_versions v JOIN fleet_policies p ON p.digest = v.digest";

fn version_row(row: &[Val]) -> PolicyVersion {
    PolicyVersion {
        version: row.first().and_then(Val::int).unwrap_or(0),
        digest: row.get(1).and_then(Val::text).unwrap_or_default().to_owned(),
        pushed: row.get(2).and_then(Val::int).map(rfc3339).unwrap_or_default(),
        label: row.get(3).and_then(Val::text).map(str::to_owned),
        bytes: row.get(4).and_then(Val::int).unwrap_or(0),
    }
}

/// Validates and stores a policy; it becomes the current one. Pushing the current text again
/// records nothing.
pub fn push(conn: &mut Conn, body: &[u8], label: Option<&str>) -> Result<Pushed, ServerError> {
    let text = validate(body)?;
    if label.is_some_and(|l| l.len() > 255) {
        return Err(ServerError::BadRequest("the label is longer than 255 characters".into()));
    }
    let digest = digest(body);
    if let Some(current) = current_version(conn)? {
        if current.digest == digest {
            return Ok(Pushed { current, unchanged: true });
        }
    }
    let now = now_us();
    conn.execute(
        "INSERT INTO fleet_policies (digest, body, pushed_us, bytes) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (digest) DO NOTHING",
        &[digest.as_str().into(), text.into(), now.into(), (body.len() as i64).into()],
    )?;
    // Two replicas pushing at once: the loser's insert hits the primary key and tries the next
    // number.
    let mut last_error = None;
    for _ in 0..5 {
        let inserted = conn.execute(
            "INSERT INTO fleet_policy_versions (version, digest, pushed_us, label) \
             SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3 FROM fleet_policy_versions",
            &[digest.as_str().into(), now.into(), label.into()],
        );
        match inserted {
            Ok(_) => {
                let current = current_version(conn)?
                    .ok_or_else(|| ServerError::Internal("the pushed policy vanished".into()))?;
                return Ok(Pushed { current, unchanged: false });
            }
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| ServerError::Internal("cannot record the policy version".into())))
}

/// The current version (the last pushed), if any.
pub fn current_version(conn: &mut Conn) -> Result<Option<PolicyVersion>, ServerError> {
    let rows = conn.query(&format!("{VERSION_SELECT} ORDER BY v.version DESC LIMIT 1"), &[])?;
    Ok(rows.first().map(|r| version_row(r)))
}

/// The current version and its text.
pub fn current(conn: &mut Conn) -> Result<Option<(PolicyVersion, String)>, ServerError> {
    let Some(version) = current_version(conn)? else { return Ok(None) };
    let rows =
        conn.query("SELECT body FROM fleet_policies WHERE digest = $1", &[version.digest.as_str().into()])?;
    let body =
        rows.first().and_then(|r| r.first()).and_then(Val::text).ok_or_else(|| {
            ServerError::Internal(format!("the text of policy {} is missing", version.digest))
        })?;
    Ok(Some((version, body.to_owned())))
}

/// Every version, newest first.
pub fn versions(conn: &mut Conn) -> Result<Vec<PolicyVersion>, ServerError> {
    let rows = conn.query(&format!("{VERSION_SELECT} ORDER BY v.version DESC"), &[])?;
    Ok(rows.iter().map(|r| version_row(r)).collect())
}

/// Records the policy a device says it enforces (checked for form: it lands in the admin's
/// device list).
pub fn report_enforced(conn: &mut Conn, device: &str, digest: &str, source: &str) -> Result<(), ServerError> {
    if !valid_digest(digest) {
        return Err(ServerError::BadRequest(
            "Ward-Policy-Enforced must be `sha256:` and 64 lower-case hex digits".into(),
        ));
    }
    if !POLICY_SOURCES.contains(&source) {
        return Err(ServerError::BadRequest(format!(
            "Ward-Policy-Source must be one of {}",
            POLICY_SOURCES.join(", ")
        )));
    }
    conn.execute(
        "UPDATE fleet_devices SET policy_digest = $1, policy_source = $2, policy_reported_us = $3, last_seen_us = $4 \
         WHERE id = $5",
        &[digest.into(), source.into(), now_us().into(), now_us().into(), device.into()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../../ward-policy/src/builtin.toml");

    fn conn() -> (tempfile::TempDir, Conn) {
        let dir = tempfile::tempdir().unwrap();
        let conn = Conn::open(dir.path().join("fleet.db").to_str().unwrap()).unwrap();
        (dir, conn)
    }

    #[test]
    fn digests_have_one_form() {
        let d = digest(b"x");
        assert_eq!(d, "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
        assert!(valid_digest(&d));
        for bad in ["", "sha256:", "sha256:XYZ", &d.to_uppercase(), &d[..70], "md5:00"] {
            assert!(!valid_digest(bad), "{bad}");
        }
    }

    #[test]
    fn pushes_make_versions_and_the_same_text_is_unchanged() {
        let (_dir, mut c) = conn();
        assert!(current(&mut c).unwrap().is_none());
        let first = push(&mut c, POLICY.as_bytes(), Some("baseline")).unwrap();
        assert!(!first.unchanged);
        assert_eq!(first.current.version, 1);
        assert_eq!(first.current.digest, digest(POLICY.as_bytes()));
        assert!(push(&mut c, POLICY.as_bytes(), None).unwrap().unchanged);
        let edited = format!("{POLICY}\n# edited\n");
        assert_eq!(push(&mut c, edited.as_bytes(), None).unwrap().current.version, 2);
        // A rollback to the first text is a new version with the old digest.
        let back = push(&mut c, POLICY.as_bytes(), Some("rollback")).unwrap();
        assert_eq!((back.current.version, back.unchanged), (3, false));
        assert_eq!(back.current.digest, first.current.digest);
        let (version, body) = current(&mut c).unwrap().unwrap();
        assert_eq!(version.version, 3);
        assert_eq!(body, POLICY);
        assert_eq!(versions(&mut c).unwrap().iter().map(|v| v.version).collect::<Vec<_>>(), [3, 2, 1]);
    }

    #[test]
    fn invalid_policies_are_refused_with_the_checks_errors() {
        let (_dir, mut c) = conn();
        for (body, expected) in [
            (&b"this is not = = toml"[..], "does not validate"),
            (b"\xff\xfe", "not UTF-8"),
            (b"[[tiers]]\nname = 5\n", "does not validate"),
        ] {
            match push(&mut c, body, None) {
                Err(ServerError::BadRequest(message)) => assert!(message.contains(expected), "{message}"),
                other => panic!("{other:?}"),
            }
        }
        let huge = vec![b'#'; MAX_POLICY_BYTES + 1];
        assert!(matches!(push(&mut c, &huge, None), Err(ServerError::TooLarge(_))));
        assert!(current(&mut c).unwrap().is_none(), "nothing invalid was stored");
    }
}
