//! Drives `verify_segment_bytes` (the `spool_verify` fuzz target's function) with thousands of
//! seeded mutations of a real segment: it must never panic, and must pass a mutated segment only
//! when the mutation merely cut it at a line boundary (the one tampering a lone segment cannot
//! show; the head record and the server catch it).

mod common;

use ward_audit::verify::verify_segment_bytes;

/// xorshift64*: a fixed, dependency-free pseudo-random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len());
        match rng.below(6) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => {
                let alphabet = b"{}[]\",:\n0a\\ \xff";
                bytes[at] = alphabet[rng.below(alphabet.len())];
            }
            2 => bytes.insert(at, rng.next() as u8),
            3 => {
                bytes.remove(at);
            }
            4 => bytes.truncate(at),
            _ => {
                let end = (at + rng.below(200)).min(bytes.len());
                let chunk = original[at.min(original.len())..end.min(original.len())].to_vec();
                let to = rng.below(bytes.len());
                bytes.splice(to..to, chunk);
            }
        }
        if bytes.is_empty() {
            break;
        }
    }
    bytes
}

#[test]
fn mutated_segments_never_panic_and_never_pass_unless_cut_at_a_line() {
    let dir = tempfile::tempdir().unwrap();
    common::append_n(dir.path(), 6);
    let (_, lines) = common::only_segment_lines(dir.path());
    let original = lines.concat();
    assert!(verify_segment_bytes(&original, None).is_intact());

    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut caught = 0;
    for _ in 0..4000 {
        let mutated = mutate(&mut rng, &original);
        let report = verify_segment_bytes(&mutated, None);
        let cut_at_a_line =
            original.starts_with(&mutated) && (mutated.is_empty() || mutated.ends_with(b"\n"));
        assert_eq!(report.is_intact(), cut_at_a_line, "mutation {:?}", String::from_utf8_lossy(&mutated));
        caught += usize::from(!report.is_intact());
    }
    assert!(caught > 3000, "only {caught} mutations caught");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..2000 {
        let length = rng.below(300);
        let alphabet = b"{}[]\":,\n0123456789abcdefhasq_ \\";
        let bytes: Vec<u8> = (0..length).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        let report = verify_segment_bytes(&bytes, Some("device"));
        assert!(report.events <= bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1);
    }
}
