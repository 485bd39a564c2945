//! The keyword prefilter: finds every occurrence (ASCII case-insensitive) of every rule
//! keyword in one pass, so rule regexes only run where their keywords occur.
//!
//! Why not an Aho-Corasick automaton: on a hook call the prefilter is built for a single short
//! payload, and building a DFA over ~400 case-insensitive keywords costs milliseconds (an NFA
//! builds faster but searches at ~60 MB/s). This table builds in microseconds: each keyword is
//! indexed by its first three bytes (lowercased); a 64 Kibit hashed bitmap of those trigrams
//! rejects almost every text position with one lookup, and only positions whose trigram is in
//! the bitmap are checked against the keywords that start with it.

use std::collections::HashMap;

const BITMAP_BITS: usize = 1 << 16;

/// One keyword occurrence: which keyword (index into the list given to [`Prefilter::new`]) and
/// where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub keyword: usize,
    pub start: usize,
    pub end: usize,
}

pub(crate) struct Prefilter {
    keywords: Vec<Vec<u8>>,
    bitmap: Vec<u64>,
    by_trigram: HashMap<u32, Vec<usize>>,
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
    /// Keywords must be at least 2 bytes; 2-byte keywords match before any third byte.
    pub fn new<'k>(keywords: impl IntoIterator<Item = &'k str>) -> Prefilter {
        let mut prefilter =
            Prefilter { keywords: Vec::new(), bitmap: vec![0; BITMAP_BITS / 64], by_trigram: HashMap::new() };
        for keyword in keywords {
            let bytes = keyword.to_ascii_lowercase().into_bytes();
            let index = prefilter.keywords.len();
            match *bytes.as_slice() {
                [a, b, c, ..] => prefilter.insert(pack(a, b, c), index),
                [a, b] => {
                    for c in 0..=255u8 {
                        if !c.is_ascii_uppercase() {
                            prefilter.insert(pack(a, b, c), index);
                        }
                    }
                }
                _ => continue,
            }
            prefilter.keywords.push(bytes);
        }
        prefilter
    }

    fn insert(&mut self, packed: u32, keyword: usize) {
        let bit = slot(packed);
        if let Some(word) = self.bitmap.get_mut(bit / 64) {
            *word |= 1 << (bit % 64);
        }
        let entry = self.by_trigram.entry(packed).or_default();
        if !entry.contains(&keyword) {
            entry.push(keyword);
        }
    }

    /// Calls `found` for every keyword occurrence, in order of start position.
    pub fn find_all(&self, text: &[u8], mut found: impl FnMut(Hit)) {
        for (start, window) in text.windows(3).enumerate() {
            let &[a, b, c] = window else { continue };
            let packed = pack(a, b, c);
            let bit = slot(packed);
            let set = self.bitmap.get(bit / 64).is_some_and(|word| word & (1 << (bit % 64)) != 0);
            if !set {
                continue;
            }
            let Some(candidates) = self.by_trigram.get(&packed) else { continue };
            for &keyword in candidates {
                let Some(bytes) = self.keywords.get(keyword) else { continue };
                let end = start + bytes.len();
                if text.get(start..end).is_some_and(|t| t.eq_ignore_ascii_case(bytes)) {
                    found(Hit { keyword, start, end });
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
        prefilter.find_all(text.as_bytes(), |h| out.push((h.keyword, h.start)));
        out
    }

    #[test]
    fn finds_overlapping_case_insensitive_keywords() {
        let p = Prefilter::new(["pass", "password", "ghp_", "q~", "://"]);
        assert_eq!(hits(&p, "PGPASSWORD=x"), vec![(0, 2), (1, 2)]);
        assert_eq!(hits(&p, "tok ghp_abc https://h"), vec![(2, 4), (4, 17)]);
        assert_eq!(hits(&p, "abc8Q~xyz"), vec![(3, 4)]);
        assert_eq!(hits(&p, "nothing here"), vec![]);
        assert_eq!(hits(&p, "pa"), vec![]);
        assert_eq!(hits(&p, "\u{e9}\u{ff}pass"), vec![(0, 4)]);
    }
}
