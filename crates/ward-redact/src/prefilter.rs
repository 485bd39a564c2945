//! The keyword prefilter: finds every occurrence (ASCII case-insensitive) of every rule
//! keyword in one pass, so rule regexes only run where their keywords occur.
//!
//! Why not an Aho-Corasick automaton: on a hook call the prefilter is built for a single short
//! payload, and building a DFA over ~400 case-insensitive keywords costs milliseconds (an NFA
//! builds faster but searches at ~60 MB/s). This table builds in microseconds: each keyword is
//! indexed by its first three bytes (lowercased); a 64 Kibit hashed bitmap of those trigrams
//! rejects almost every text position with one lookup, and only positions whose trigram is in
//! the bitmap are checked against the keywords that start with it.

const BITMAP_BITS: usize = 1 << 16;

/// One keyword occurrence: the tag given with the keyword (the rule that listed it) and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub tag: usize,
    pub start: usize,
    pub end: usize,
}

pub(crate) struct Prefilter {
    bitmap: Vec<u64>,
    /// (trigram, keyword, tag), sorted by trigram. A sorted vector rather than a hash map: it
    /// builds with one sort and no per-entry allocation.
    entries: Vec<(u32, &'static str, usize)>,
}

fn pack(a: u8, b: u8, c: u8) -> u32 {
    u32::from(a.to_ascii_lowercase()) << 16
        | u32::from(b.to_ascii_lowercase()) << 8
        | u32::from(c.to_ascii_lowercase())
}

fn slot(packed: u32) -> usize {
    (packed.wrapping_mul(0x9E37_79B1) >> 16) as usize % BITMAP_BITS
}

impl Prefilter {
    /// `(keyword, tag)` pairs; keywords are lowercase ASCII of at least 2 bytes (shorter ones are
    /// ignored); a 2-byte keyword matches when a token byte follows it.
    pub fn new(keywords: impl IntoIterator<Item = (&'static str, usize)>) -> Prefilter {
        let mut bitmap = vec![0u64; BITMAP_BITS / 64];
        let mut entries = Vec::with_capacity(1024);
        let mut add = |packed: u32, keyword: &'static str, tag: usize| {
            let bit = slot(packed);
            if let Some(word) = bitmap.get_mut(bit / 64) {
                *word |= 1 << (bit % 64);
            }
            entries.push((packed, keyword, tag));
        };
        for (keyword, tag) in keywords {
            match *keyword.as_bytes() {
                [a, b, c, ..] => add(pack(a, b, c), keyword, tag),
                [a, b] => {
                    for c in (b'0'..=b'9').chain(b'a'..=b'z').chain(*b"_-.~+/=") {
                        add(pack(a, b, c), keyword, tag);
                    }
                }
                _ => {}
            }
        }
        entries.sort_unstable_by_key(|e| e.0);
        Prefilter { bitmap, entries }
    }

    /// Calls `found` for every keyword occurrence, in order of start position.
    pub fn find_all(&self, text: &[u8], mut found: impl FnMut(Hit)) {
        // The trigram ending at byte `i`, rolled one byte at a time.
        let mut packed: u32 = 0;
        for (i, &byte) in text.iter().enumerate() {
            packed = (packed << 8 | u32::from(byte.to_ascii_lowercase())) & 0x00FF_FFFF;
            if i < 2 {
                continue;
            }
            let start = i - 2;
            let bit = slot(packed);
            let set = self.bitmap.get(bit / 64).is_some_and(|word| word & (1 << (bit % 64)) != 0);
            if !set {
                continue;
            }
            let first = self.entries.partition_point(|e| e.0 < packed);
            for &(trigram, keyword, tag) in self.entries.get(first..).unwrap_or_default() {
                if trigram != packed {
                    break;
                }
                let end = start + keyword.len();
                if text.get(start..end).is_some_and(|t| t.eq_ignore_ascii_case(keyword.as_bytes())) {
                    found(Hit { tag, start, end });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(prefilter: &Prefilter, text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        prefilter.find_all(text.as_bytes(), |h| out.push((h.tag, h.start)));
        out.sort_unstable_by_key(|&(tag, start)| (start, tag));
        out
    }

    #[test]
    fn finds_overlapping_case_insensitive_keywords() {
        let p = Prefilter::new(
            ["pass", "password", "ghp_", "q~", "://"].into_iter().enumerate().map(|(i, k)| (k, i)),
        );
        assert_eq!(hits(&p, "PGPASSWORD=x"), vec![(0, 2), (1, 2)]);
        assert_eq!(hits(&p, "tok ghp_abc https://h"), vec![(2, 4), (4, 17)]);
        assert_eq!(hits(&p, "abc8Q~xyz"), vec![(3, 4)]);
        assert_eq!(hits(&p, "nothing here"), vec![]);
        assert_eq!(hits(&p, "pa"), vec![]);
        assert_eq!(hits(&p, "\u{e9}\u{ff}pass"), vec![(0, 4)]);
    }
}
