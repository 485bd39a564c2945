//! The anchor: the last (device, seq, hash) this device appended, kept **outside** the spool
//! directory (`<data_dir>/spool.anchor`) so that `rm -rf spool` — or an emptied, truncated or
//! restarted spool — leaves evidence that `ward audit verify` reports, and so that the next
//! append continues the chain from the anchor instead of restarting it at seq 1 (the erased
//! events then show as a permanent gap).
//!
//! It is rewritten after every durable append (one `pwrite`, not synced: the segment, synced
//! first, is the truth, so the anchor is never ahead of the spool; after a crash it may lag,
//! which only weakens the check for the last events). It only moves forward. It guards against
//! an agent or a user erasing the spool directory; whoever removes the whole data directory
//! removes the anchor too — that is for the fleet server (the chain restarts there) and, in
//! managed mode, for the root-owned service that owns the data directory.
//!
//! Record: `ward-spool-anchor 1 device=<36> seq=<20> hash=<64> check=<16>\n` (fixed length).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::chain;
use crate::trust::{self, Missing, Quarantined};

/// File name of the anchor in the data directory.
pub const ANCHOR_FILE: &str = "spool.anchor";
const MAGIC: &str = "ward-spool-anchor 1";
const RECORD_LEN: usize = 19 + 8 + 36 + 5 + 20 + 6 + 64 + 7 + 16 + 1;

/// The end of the chain as the anchor last saw it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Anchor {
    pub device: String,
    pub seq: u64,
    pub hash: String,
}

impl Anchor {
    /// The record's bytes; `None` for a device id or hash of the wrong form.
    pub fn encode_record(&self) -> Option<Vec<u8>> {
        self.encode()
    }

    fn encode(&self) -> Option<Vec<u8>> {
        if self.device.len() != 36 || !chain::is_hash(&self.hash) {
            return None;
        }
        let body = format!("{MAGIC} device={} seq={:020} hash={}", self.device, self.seq, self.hash);
        let check = hex::encode(Sha256::digest(body.as_bytes()).get(..8).unwrap_or_default());
        Some(format!("{body} check={check}\n").into_bytes())
    }

    /// Parses an anchor record; `None` if it is short, damaged or inconsistent. Never panics
    /// (fuzz target `spool_state`).
    pub fn decode(bytes: &[u8]) -> Option<Anchor> {
        let text = std::str::from_utf8(bytes.get(..RECORD_LEN)?).ok()?.strip_suffix('\n')?;
        let (body, check) = text.rsplit_once(" check=")?;
        if check != hex::encode(Sha256::digest(body.as_bytes()).get(..8)?) {
            return None;
        }
        let mut fields = body.strip_prefix(MAGIC)?.split(' ').skip(1);
        let device = fields.next()?.strip_prefix("device=")?.to_owned();
        let seq = fields.next()?.strip_prefix("seq=")?.parse().ok()?;
        let hash = fields.next()?.strip_prefix("hash=")?.to_owned();
        (fields.next().is_none() && chain::is_hash(&hash) && device.len() == 36).then_some(Anchor {
            device,
            seq,
            hash,
        })
    }
}

/// Where the anchor of `data_dir` is.
pub fn anchor_path(data_dir: &Path) -> PathBuf {
    data_dir.join(ANCHOR_FILE)
}

/// What reading the anchor found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorState {
    /// No anchor yet (a new install, or a spool from before anchors).
    Missing,
    Valid(Anchor),
    /// The file holds something that is not an anchor record.
    Damaged,
}

/// Reads the anchor without following a symlink (a symlink reads as damaged).
pub fn read(data_dir: &Path) -> io::Result<AnchorState> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = anchor_path(data_dir);
    let file = match std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(AnchorState::Missing),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(AnchorState::Damaged),
        Err(e) => return Err(e),
    };
    if trust::untrusted_reason(&file.metadata()?, false).is_some() {
        return Ok(AnchorState::Damaged);
    }
    let mut bytes = [0u8; RECORD_LEN];
    let n = read_full(&file, &mut bytes)?;
    if n == 0 {
        return Ok(AnchorState::Missing);
    }
    Ok(Anchor::decode(&bytes[..n]).map_or(AnchorState::Damaged, AnchorState::Valid))
}

fn read_full(file: &File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read_at(&mut buf[filled..], filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Moves the anchor forward to `anchor` (never back: a lower seq of the same device is left
/// alone). Called under the spool lock after a durable append.
pub fn advance(data_dir: &Path, anchor: &Anchor, refused: &mut Vec<Quarantined>) -> io::Result<()> {
    let path = anchor_path(data_dir);
    let file = trust::open(&path, Missing::Create, refused)?;
    let mut current = [0u8; RECORD_LEN];
    let n = read_full(&file, &mut current)?;
    if let Some(old) = Anchor::decode(&current[..n]) {
        if old.device == anchor.device && old.seq >= anchor.seq {
            return Ok(());
        }
    }
    let record = anchor.encode().ok_or_else(|| io::Error::other("not an anchor"))?;
    file.write_all_at(&record, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor(seq: u64) -> Anchor {
        Anchor { device: "0199a3c2-7f1e-7c40-9a55-3b8e2f0c1d11".to_owned(), seq, hash: "ab".repeat(32) }
    }

    /// Seeded mutations of a valid record and of pending lines: nothing panics, and a record
    /// that decodes re-encodes to the same bytes (the fuzz target's property, run in `cargo test`).
    #[test]
    fn seeded_mutations_never_panic() {
        let record = anchor(9).encode().unwrap();
        let mut pending =
            crate::pending::pending_line(&ward_model::Event::draft(ward_model::EventKind::Decision)).unwrap();
        pending.extend_from_slice(b"{\"seq\":1}\n");
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            for base in [&record, &pending] {
                let mut bytes = base.clone();
                for _ in 0..(next() % 4 + 1) {
                    let at = (next() as usize) % bytes.len();
                    match next() % 3 {
                        0 => bytes[at] = next() as u8,
                        1 => bytes.truncate(at),
                        _ => bytes.insert(at, next() as u8),
                    }
                    if bytes.is_empty() {
                        break;
                    }
                }
                crate::fuzz_spool_state(&bytes);
            }
        }
    }

    #[test]
    fn round_trips_rejects_damage_and_only_moves_forward() {
        let a = anchor(42);
        let record = a.encode().unwrap();
        assert_eq!(record.len(), RECORD_LEN);
        assert_eq!(Anchor::decode(&record), Some(a.clone()));
        for i in 0..record.len() {
            let mut bad = record.clone();
            bad[i] ^= 1;
            assert_eq!(Anchor::decode(&bad), None, "byte {i}");
        }
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), AnchorState::Missing);
        let mut refused = Vec::new();
        advance(dir.path(), &a, &mut refused).unwrap();
        advance(dir.path(), &anchor(7), &mut refused).unwrap();
        assert_eq!(read(dir.path()).unwrap(), AnchorState::Valid(a));
        advance(dir.path(), &anchor(43), &mut refused).unwrap();
        assert_eq!(read(dir.path()).unwrap(), AnchorState::Valid(anchor(43)));
        assert!(refused.is_empty());
    }
}
