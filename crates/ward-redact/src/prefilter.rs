//! The keyword prefilter: finds every occurrence (ASCII case-insensitive) of every rule
//! keyword in one pass, so rule regexes only run where their keywords occur. A keyword of one
//! repeated letter is reported only where a run of that letter starts (see `check`).
//!
//! Why not an Aho-Corasick automaton: on a hook call the prefilter is built for a single short
//! payload, and building a DFA over ~400 case-insensitive keywords costs milliseconds (an NFA
//! builds faster but searches at ~60 MB/s). This table builds in microseconds: each keyword is
//! indexed by its first three bytes (lowercased); a 64 Kibit hashed bitmap of those trigrams
//! rejects almost every text position with one lookup, and only positions whose trigram is in
//! the bitmap are checked against the keywords that start with it. Those keywords are found
//! without a search: entries are grouped by bitmap bit, and a bit's group is its rank (the set
//! bits before it, from a per-word running count plus one `popcount`). A binary search over
//! all entries per candidate position cost a quarter of the scan on ordinary source text.
//!
//! The table for the shipped rules is built at compile time ([`RuleTable`]), so a hook call
//! pays nothing to set it up; [`Prefilter::new`] builds the same table at run time for other
//! keyword lists, and the tests hold the two equal.

use std::borrow::Cow;

use crate::rule::RuleSpec;

const BITMAP_BITS: usize = 1 << 16;

/// One keyword occurrence: the tag given with the keyword (the rule that listed it) and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub tag: usize,
    pub start: usize,
    pub end: usize,
}

/// (trigram, keyword, tag, prefix, mask): `prefix` is the keyword's first 8 bytes as a
/// little-endian word (zero-padded) and `mask` covers its length, so most entries that share a
/// trigram are rejected with one compare (see [`Prefilter::check`]).
type Entry = (u32, &'static str, usize, u64, u64);

/// The `prefix` and `mask` of an [`Entry`] for `keyword` (lowercase).
const fn prefix_of(keyword: &str) -> (u64, u64) {
    let bytes = keyword.as_bytes();
    let (mut prefix, mut mask) = (0u64, 0u64);
    let mut i = 0;
    while i < bytes.len() && i < 8 {
        // The text side is lowercased; an uppercase keyword byte would never match (and fails
        // the build of the compile-time table).
        assert!(!bytes[i].is_ascii_uppercase(), "keywords are lowercase");
        prefix |= (bytes[i] as u64) << (8 * i);
        mask |= 0xff << (8 * i);
        i += 1;
    }
    (prefix, mask)
}

/// The 8 bytes of `text` from `start`, ASCII-lowercased, as a little-endian word (zero past the
/// end).
fn lowered_word(text: &[u8], start: usize) -> u64 {
    let mut bytes = [0u8; 8];
    if let Some(from) = text.get(start..) {
        for (slot, byte) in bytes.iter_mut().zip(from) {
            *slot = byte.to_ascii_lowercase();
        }
    }
    u64::from_le_bytes(bytes)
}

pub(crate) struct Prefilter {
    bitmap: Cow<'static, [u64]>,
    /// Per bitmap word, how many bits are set in the words before it.
    ranks: Cow<'static, [u16]>,
    /// Where the entries of the bit of rank `r` start (`groups[r]..groups[r + 1]`).
    groups: Cow<'static, [u16]>,
    /// Sorted by (bitmap bit, trigram). A sorted table rather than a hash map: it builds with
    /// one sort and no per-entry allocation, and can be built at compile time.
    entries: Cow<'static, [Entry]>,
}

const WORDS: usize = BITMAP_BITS / 64;

const fn pack(a: u8, b: u8, c: u8) -> u32 {
    (a.to_ascii_lowercase() as u32) << 16
        | (b.to_ascii_lowercase() as u32) << 8
        | c.to_ascii_lowercase() as u32
}

const fn slot(packed: u32) -> usize {
    (packed.wrapping_mul(0x9E37_79B1) >> 16) as usize % BITMAP_BITS
}

/// The third bytes a 2-byte keyword is indexed under: the bytes a token goes on with.
const TOKEN_BYTES: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz_-.~+/=";

/// How many table entries the keywords of `rules` make.
pub(crate) const fn entry_count(rules: &[RuleSpec]) -> usize {
    let mut count = 0;
    let mut r = 0;
    while r < rules.len() {
        let keywords = rules[r].keywords;
        let mut k = 0;
        while k < keywords.len() {
            count += match keywords[k].len() {
                0 | 1 => 0,
                2 => TOKEN_BYTES.len(),
                _ => 1,
            };
            k += 1;
        }
        r += 1;
    }
    count
}

/// The prefilter table of a rule list, tagged with each keyword's rule index; built by const
/// evaluation (see [`RuleTable::build`]).
pub(crate) struct RuleTable<const N: usize> {
    bitmap: [u64; WORDS],
    ranks: [u16; WORDS],
    /// At most `N` bits are set; unused starts are `N`, and the end of the group of rank
    /// `N - 1` (if there is one) is past the array, read as `N` (see [`Prefilter::group`]).
    groups: [u16; N],
    entries: [Entry; N],
}

impl<const N: usize> RuleTable<N> {
    /// Builds the table; `N` must be [`entry_count`]`(rules)` (compilation fails otherwise).
    pub(crate) const fn build(rules: &'static [RuleSpec]) -> RuleTable<N> {
        let mut bitmap = [0u64; BITMAP_BITS / 64];
        let mut entries: [Entry; N] = [(0, "", 0, 0, 0); N];
        let mut n = 0;
        let mut r = 0;
        while r < rules.len() {
            let keywords = rules[r].keywords;
            let mut k = 0;
            while k < keywords.len() {
                let keyword = keywords[k];
                let bytes = keyword.as_bytes();
                let mut third = 0;
                while bytes.len() >= 2 && third < TOKEN_BYTES.len() {
                    let packed = if bytes.len() == 2 {
                        pack(bytes[0], bytes[1], TOKEN_BYTES[third])
                    } else {
                        pack(bytes[0], bytes[1], bytes[2])
                    };
                    let bit = slot(packed);
                    bitmap[bit / 64] |= 1 << (bit % 64);
                    let (prefix, mask) = prefix_of(keyword);
                    entries[n] = (packed, keyword, r, prefix, mask);
                    n += 1;
                    third = if bytes.len() == 2 { third + 1 } else { TOKEN_BYTES.len() };
                }
                k += 1;
            }
            r += 1;
        }
        assert!(n == N, "RuleTable::build: N is not entry_count(rules)");
        assert!(N < u16::MAX as usize, "RuleTable::build: too many entries for u16 groups");
        heap_sort_by_slot(&mut entries);
        let ranks = ranks_of(&bitmap);
        // Group starts: entry `e` belongs to the group of its bit's rank; groups are in entry
        // order because entries are sorted by bit.
        let mut groups = [N as u16; N];
        let mut e = N;
        while e > 0 {
            e -= 1;
            let bit = slot(entries[e].0);
            let rank = rank_of(&bitmap, &ranks, bit);
            groups[rank] = e as u16;
        }
        RuleTable { bitmap, ranks, groups, entries }
    }

    /// The prefilter over this table, borrowing it.
    pub(crate) const fn prefilter(&'static self) -> Prefilter {
        Prefilter {
            bitmap: Cow::Borrowed(&self.bitmap),
            ranks: Cow::Borrowed(&self.ranks),
            groups: Cow::Borrowed(&self.groups),
            entries: Cow::Borrowed(&self.entries),
        }
    }
}

/// Per word, the number of set bits in the words before it.
const fn ranks_of(bitmap: &[u64; WORDS]) -> [u16; WORDS] {
    let mut ranks = [0u16; WORDS];
    let mut total = 0u16;
    let mut w = 0;
    while w < WORDS {
        ranks[w] = total;
        total += bitmap[w].count_ones() as u16;
        w += 1;
    }
    ranks
}

/// The rank of set bit `bit`: how many set bits come before it.
const fn rank_of(bitmap: &[u64], ranks: &[u16], bit: usize) -> usize {
    let below = bitmap[bit / 64] & ((1u64 << (bit % 64)) - 1);
    ranks[bit / 64] as usize + below.count_ones() as usize
}

/// The sort key of an entry: its bitmap bit, then its trigram.
const fn sort_key(entry: &Entry) -> (usize, u32) {
    (slot(entry.0), entry.0)
}

const fn key_less(a: (usize, u32), b: (usize, u32)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// Sorts entries by (bitmap bit, trigram) (a heap sort: const evaluation has no slice sort).
const fn heap_sort_by_slot(entries: &mut [Entry]) {
    const fn sift_down(entries: &mut [Entry], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && key_less(sort_key(&entries[child]), sort_key(&entries[child + 1])) {
                child += 1;
            }
            if !key_less(sort_key(&entries[root]), sort_key(&entries[child])) {
                return;
            }
            entries.swap(root, child);
            root = child;
        }
    }
    let len = entries.len();
    let mut start = len / 2;
    while start > 0 {
        start -= 1;
        sift_down(entries, start, len);
    }
    let mut end = len;
    while end > 1 {
        end -= 1;
        entries.swap(0, end);
        sift_down(entries, 0, end);
    }
}

impl Prefilter {
    /// `(keyword, tag)` pairs; keywords are lowercase ASCII of at least 2 bytes (shorter ones are
    /// ignored); a 2-byte keyword matches when a token byte follows it.
    #[cfg(test)]
    pub fn new(keywords: impl IntoIterator<Item = (&'static str, usize)>) -> Prefilter {
        let mut bitmap = vec![0u64; WORDS];
        let mut entries = Vec::with_capacity(1024);
        let mut add = |packed: u32, keyword: &'static str, tag: usize| {
            let bit = slot(packed);
            if let Some(word) = bitmap.get_mut(bit / 64) {
                *word |= 1 << (bit % 64);
            }
            let (prefix, mask) = prefix_of(keyword);
            entries.push((packed, keyword, tag, prefix, mask));
        };
        for (keyword, tag) in keywords {
            match *keyword.as_bytes() {
                [a, b, c, ..] => add(pack(a, b, c), keyword, tag),
                [a, b] => {
                    for &c in TOKEN_BYTES {
                        add(pack(a, b, c), keyword, tag);
                    }
                }
                _ => {}
            }
        }
        entries.sort_unstable_by_key(sort_key);
        let words: [u64; WORDS] = bitmap.clone().try_into().expect("WORDS words");
        let ranks = ranks_of(&words);
        let mut groups = vec![entries.len() as u16; entries.len() + 1];
        for (e, entry) in entries.iter().enumerate().rev() {
            groups[rank_of(&bitmap, &ranks, slot(entry.0))] = e as u16;
        }
        Prefilter {
            bitmap: Cow::Owned(bitmap),
            ranks: Cow::Owned(ranks.to_vec()),
            groups: Cow::Owned(groups),
            entries: Cow::Owned(entries),
        }
    }

    /// The entries whose trigram sets bitmap bit `bit` (a set bit).
    fn group(&self, bit: usize) -> &[Entry] {
        let rank = rank_of(&self.bitmap, &self.ranks, bit);
        let start = self.groups.get(rank).map_or(self.entries.len(), |&s| usize::from(s));
        let end = self.groups.get(rank + 1).map_or(self.entries.len(), |&s| usize::from(s));
        self.entries.get(start..end).unwrap_or_default()
    }

    /// Calls `found` for every keyword occurrence, in order of start position.
    /// Calls `found` for every keyword occurrence, in order of position, until it returns false.
    pub fn find_all(&self, text: &[u8], mut found: impl FnMut(Hit) -> bool) {
        let Ok(bitmap) = <&[u64; WORDS]>::try_from(&*self.bitmap) else { return };
        let [a, b, rest @ ..] = text else { return };
        // The trigram ending at the current byte, from the two bytes before it (kept apart
        // rather than shifted through one register: that made a dependency chain through every
        // byte). The loop is kept small (the rare candidate is checked out of line) so it stays
        // in registers.
        let (mut first, mut second) = (u32::from(a.to_ascii_lowercase()), u32::from(b.to_ascii_lowercase()));
        // Positions before `next` need no check (inside a run of one letter, see `check`).
        let mut next = 0;
        for (i, &byte) in rest.iter().enumerate() {
            let third = u32::from(byte.to_ascii_lowercase());
            let packed = first << 16 | second << 8 | third;
            (first, second) = (second, third);
            let bit = slot(packed);
            if bitmap[bit / 64] & (1 << (bit % 64)) != 0 && i >= next {
                match self.check(text, i, packed, bit, &mut found) {
                    Some(resume) => next = resume,
                    None => return,
                }
            }
        }
    }

    /// Reports the keywords with trigram `packed` that occur at `start`; `None` once `found`
    /// asked to stop, else the next position that needs a check (past a run of one letter
    /// whose keywords all are that letter repeated: nothing in the run is reported).
    #[inline(never)]
    fn check(
        &self,
        text: &[u8],
        start: usize,
        packed: u32,
        bit: usize,
        found: &mut impl FnMut(Hit) -> bool,
    ) -> Option<usize> {
        // The keyword's first 8 bytes against the text's in one compare: `api` starts dozens of
        // keywords, and text made of a keyword's first letters (`napinapi…`, `secrsecr…`) spent
        // most of its time comparing them one by one.
        let word = lowered_word(text, start);
        // A keyword of one repeated letter (`aaaa`) occurs at every byte of a longer run of that
        // letter; only the occurrence at the run's start is reported. The others are the same
        // text shifted by a byte, and the rules with such keywords match tokens that start at
        // a token boundary. A run of `A` (base64 of zeros) had every byte a hit of two rules.
        let letter = packed & 0xff;
        let inside_run = packed == (letter << 16 | letter << 8 | letter)
            && u8::try_from(letter).is_ok_and(|l| l.is_ascii_alphanumeric())
            && start
                .checked_sub(1)
                .and_then(|i| text.get(i))
                .is_some_and(|b| u32::from(b.to_ascii_lowercase()) == letter);
        // Whether a keyword with this trigram is not one letter repeated (then the run cannot be
        // skipped: `aaab` may end it).
        let mut mixed = false;
        for &(trigram, keyword, tag, prefix, mask) in self.group(bit) {
            if trigram != packed {
                continue;
            }
            if inside_run {
                // Uniform: equal to itself shifted by one byte (a `memcmp`, not a byte loop);
                // only asked inside a run, so ordinary candidates pay nothing for it.
                let bytes = keyword.as_bytes();
                let uniform = bytes.get(1..) == bytes.get(..bytes.len().saturating_sub(1));
                mixed |= !uniform;
                if uniform {
                    continue;
                }
            }
            if (word ^ prefix) & mask != 0 {
                continue;
            }
            let end = start + keyword.len();
            if text.get(start..end).is_some_and(|t| t.eq_ignore_ascii_case(keyword.as_bytes()))
                && !found(Hit { tag, start, end })
            {
                return None;
            }
        }
        if inside_run && !mixed {
            // Every later position of this run has the same trigram and is inside the run: the
            // next check is where the trigram first holds another byte (the run is read once).
            let run_end = text
                .get(start..)
                .and_then(|t| t.iter().position(|b| u32::from(b.to_ascii_lowercase()) != letter))
                .map_or(text.len(), |p| start + p);
            return Some(run_end.saturating_sub(2).max(start + 1));
        }
        Some(start + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(prefilter: &Prefilter, text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        prefilter.find_all(text.as_bytes(), |h| {
            out.push((h.tag, h.start));
            true
        });
        out.sort_unstable_by_key(|&(tag, start)| (start, tag));
        out
    }

    #[test]
    fn the_compile_time_table_is_the_run_time_one() {
        let rules = crate::rules::RULES;
        let built = Prefilter::new(
            rules.iter().enumerate().flat_map(|(index, rule)| rule.keywords.iter().map(move |k| (*k, index))),
        );
        let shipped = crate::engine::keywords();
        assert_eq!(shipped.bitmap, built.bitmap);
        let sorted = |p: &Prefilter| {
            let mut entries = p.entries.to_vec();
            entries.sort_unstable();
            entries
        };
        assert!(shipped.entries.windows(2).all(|w| sort_key(&w[0]) <= sort_key(&w[1])), "not sorted");
        assert_eq!(shipped.ranks, built.ranks);
        assert_eq!(shipped.groups[..], built.groups[..shipped.groups.len()]);
        assert_eq!(sorted(shipped), sorted(&built));
        assert!(built.entries.len() > 400);
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

    #[test]
    fn a_repeated_letter_keyword_is_reported_once_per_run() {
        let p = Prefilter::new(["aaaa", "aaab", ":::"].into_iter().enumerate().map(|(i, k)| (k, i)));
        // Once at the start of each run of `a`/`A`, however long; `aaab` is not uniform and is
        // found inside the run; `:::` is not a letter and is found at every position.
        assert_eq!(hits(&p, &format!("x{}b AAAA", "a".repeat(1000))), vec![(0, 1), (1, 998), (0, 1003)]);
        assert_eq!(hits(&p, "aAaAa"), vec![(0, 0)]);
        assert_eq!(hits(&p, "::::"), vec![(2, 0), (2, 1)]);
    }
}
