//! Bearer tokens: their form, generation and the hash the server keeps instead of them.
//!
//! A token is `ward<k>_<id>_<secret>`: `k` names its kind (`a` admin, `e` enrollment, `d`
//! device), `id` is 12 public hex digits (listed and revoked by it), `secret` is 64 hex digits
//! from the system's random source (256 bits). The server stores only the SHA-256 of the whole
//! token. A fast hash is enough here, unlike for passwords: a slow KDF exists to make guessing
//! low-entropy secrets expensive, and nobody can enumerate 2^256 secrets at any speed. It also
//! lets the server find a token by its hash with one indexed lookup.

use sha2::{Digest, Sha256};

use crate::ServerError;

/// What a token lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The admin API and `ward audit … --server`.
    Admin,
    /// Exchanged once (or N times) for a device credential at enrollment.
    Enroll,
    /// One device's credential: ingest of its own events, policy fetch.
    Device,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Admin => "admin",
            TokenKind::Enroll => "enroll",
            TokenKind::Device => "device",
        }
    }

    pub fn parse(name: &str) -> Option<TokenKind> {
        match name {
            "admin" => Some(TokenKind::Admin),
            "enroll" => Some(TokenKind::Enroll),
            "device" => Some(TokenKind::Device),
            _ => None,
        }
    }

    fn letter(self) -> char {
        match self {
            TokenKind::Admin => 'a',
            TokenKind::Enroll => 'e',
            TokenKind::Device => 'd',
        }
    }
}

/// A freshly made token: the secret text (shown once) and what the server stores.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    pub text: String,
    pub hash: String,
}

/// Makes a token of `kind` from the system's random source.
pub fn generate(kind: TokenKind) -> Result<NewToken, ServerError> {
    let mut bytes = [0u8; 38];
    getrandom::getrandom(&mut bytes).map_err(|e| ServerError::Internal(format!("random source: {e}")))?;
    let id = hex::encode(&bytes[..6]);
    let secret = hex::encode(&bytes[6..]);
    let text = format!("ward{}_{id}_{secret}", kind.letter());
    let hash = hash(&text);
    Ok(NewToken { id, text, hash })
}

/// The stored form of a token.
pub fn hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The kind and id a token's text claims, if it has the right form. (The claim is checked by
/// looking its hash up; this only rejects junk early and names the kind in errors.)
pub fn parse(text: &str) -> Option<(TokenKind, &str)> {
    let rest = text.strip_prefix("ward")?;
    let mut parts = rest.splitn(3, '_');
    let kind = match parts.next()? {
        "a" => TokenKind::Admin,
        "e" => TokenKind::Enroll,
        "d" => TokenKind::Device,
        _ => return None,
    };
    let id = parts.next()?;
    let secret = parts.next()?;
    let hex_of = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_of(id, 12) && hex_of(secret, 64)).then_some((kind, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_and_differ() {
        let a = generate(TokenKind::Device).unwrap();
        let b = generate(TokenKind::Device).unwrap();
        assert_ne!(a.text, b.text);
        assert_eq!(parse(&a.text), Some((TokenKind::Device, a.id.as_str())));
        assert_eq!(a.hash, hash(&a.text));
        assert_eq!(a.hash.len(), 64);
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let good = generate(TokenKind::Admin).unwrap().text;
        for bad in [
            "",
            "ward",
            "warda_",
            "wardx_0123456789ab_",
            &good[..good.len() - 1],
            &format!("{good}0"),
            &good.replace("warda", "WARDA"),
            "warda_0123456789ab_zz",
            "Bearer x",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
