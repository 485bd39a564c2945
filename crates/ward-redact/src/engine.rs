//! The detection engine: a keyword prefilter over the input, then each hit rule's regex
//! (compiled on first use, ASCII-only) run on a bounded window around the hit.
//!
//! Cost model: building the keyword prefilter (see `prefilter`) is the only per-process set-up,
//! and it takes microseconds; a rule's regex is compiled the first time one of its keywords
//! occurs, so a hook call pays only for the few rules its payload touches. The five rules
//! payloads hit most (the generic assignment rules among them, also the costliest to compile)
//! run as hand matchers instead (see `native`), so they cost no compile at all. Each regex
//! search is
//! confined to the line around the keyword (or 64 KiB for key blocks), so even rules that start
//! with a character class cannot go quadratic on large inputs.

use std::sync::OnceLock;

use regex_automata::hybrid;
use regex_automata::nfa::thompson::{self, backtrack::BoundedBacktracker, pikevm::PikeVM};
use regex_automata::util::captures::Captures;
use regex_automata::util::primitives::NonMaxUsize;
use regex_automata::util::syntax;
use regex_automata::Input;

use crate::filter;
use crate::grammar;
use crate::meter::{self, Meter};
use crate::native;
use crate::prefilter::{self, Prefilter, RuleTable};
use crate::rule::{RuleSpec, Window};
use crate::rules::RULES;

/// How far a line window reaches either side of a keyword hit.
const LINE_REACH: usize = 512;
/// How far a block window reaches after a keyword hit.
const BLOCK_REACH: usize = 64 * 1024;

/// The rule index of a [`RawMatch`] that covers text left unjudged because the meter's
/// allowance was spent (see `meter`); not an index into `RULES`.
pub(crate) const DENSE_INPUT: usize = usize::MAX;
/// Its rule id in findings and markers.
pub(crate) const DENSE_INPUT_ID: &str = "dense-input";

/// A candidate secret: the rule that found it and the secret's byte span in the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawMatch {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
}

/// The keyword prefilter over every rule's keywords, tagged with the rule's index, built at
/// compile time.
pub(crate) fn keywords() -> &'static Prefilter {
    static TABLE: RuleTable<{ prefilter::entry_count(RULES) }> = RuleTable::build(RULES);
    static KEYWORDS: Prefilter = TABLE.prefilter();
    &KEYWORDS
}

/// Whether a keyword with a space in it may span the joint of `before` + `" "` + `after` (argv
/// elements joined for context): `http ` after `http`, `vault login` across `vault` and
/// `login`. Conservative: `after` may be only the start of the rest of the keyword (which would
/// go on in a later element). Checked against the keywords that hold a space, rather than by
/// scanning the joint, which cost more than the rest of a short element's walk.
pub(crate) fn keyword_spans_joint(before: &[u8], after: &[u8]) -> bool {
    static TABLE: JointTable<{ joint_count(RULES) }> = JointTable::build(RULES);
    let last = before.last().map_or(0, u8::to_ascii_lowercase);
    let first = after.first().map_or(0, u8::to_ascii_lowercase);
    let pair = usize::from(last) << 8 | usize::from(first);
    if TABLE.pairs[pair / 64] & (1 << (pair % 64)) == 0 {
        return false;
    }
    let ends_with = |text: &[u8], tail: &[u8]| {
        text.len() >= tail.len() && text[text.len() - tail.len()..].eq_ignore_ascii_case(tail)
    };
    TABLE.splits.iter().any(|(head, rest)| {
        ends_with(before, head)
            && if after.len() >= rest.len() {
                after[..rest.len()].eq_ignore_ascii_case(rest)
            } else {
                rest[..after.len()].eq_ignore_ascii_case(after)
            }
    })
}

/// Where the next space in the keywords of `rules` is, at or after `(rule, keyword, byte)`:
/// the one walk over the keywords that both [`joint_count`] and [`JointTable::build`] make (a
/// cursor, as `const fn`s cannot take closures).
const fn next_space(
    rules: &[RuleSpec],
    (mut r, mut k, mut j): (usize, usize, usize),
) -> Option<(usize, usize, usize)> {
    while r < rules.len() {
        while k < rules[r].keywords.len() {
            let bytes = rules[r].keywords[k].as_bytes();
            while j < bytes.len() {
                if bytes[j] == b' ' {
                    return Some((r, k, j));
                }
                j += 1;
            }
            k += 1;
            j = 0;
        }
        r += 1;
        k = 0;
    }
    None
}

/// How many (head, rest) splits the keywords of `rules` have at their spaces.
const fn joint_count(rules: &[RuleSpec]) -> usize {
    let mut count = 0;
    let mut at = (0, 0, 0);
    while let Some((r, k, j)) = next_space(rules, at) {
        count += 1;
        at = (r, k, j + 1);
    }
    count
}

/// The lowercased byte `b` as a range of one, or every byte when there is none.
const fn byte_range(b: Option<&u8>) -> (usize, usize) {
    match b {
        Some(b) => (b.to_ascii_lowercase() as usize, b.to_ascii_lowercase() as usize + 1),
        None => (0, 256),
    }
}

/// Every keyword that holds a space, split at each of its spaces, built at compile time (the
/// hook walks argv arrays on its start-up path), with a bitmap of the (last byte of the head,
/// first byte of the rest) pairs that rejects almost every joint with one lookup. An empty head
/// or rest (a keyword that starts or ends with its space, `http `) matches any byte there.
struct JointTable<const N: usize> {
    splits: [(&'static [u8], &'static [u8]); N],
    pairs: [u64; 1024],
}

impl<const N: usize> JointTable<N> {
    const fn build(rules: &'static [RuleSpec]) -> JointTable<N> {
        let mut splits: [(&'static [u8], &'static [u8]); N] = [(&[], &[]); N];
        let mut pairs = [0u64; 1024];
        let mut n = 0;
        let mut at = (0, 0, 0);
        while let Some((r, k, j)) = next_space(rules, at) {
            at = (r, k, j + 1);
            let (head, spaced) = rules[r].keywords[k].as_bytes().split_at(j);
            let rest = spaced.split_at(1).1;
            splits[n] = (head, rest);
            n += 1;
            // An empty side is a wildcard: every byte there.
            let (lasts, firsts) = (byte_range(head.last()), byte_range(rest.first()));
            let mut last = lasts.0;
            while last < lasts.1 {
                let mut first = firsts.0;
                while first < firsts.1 {
                    let pair = last << 8 | first;
                    pairs[pair / 64] |= 1 << (pair % 64);
                    first += 1;
                }
                last += 1;
            }
        }
        assert!(n == N, "JointTable::build: N is not joint_count(rules)");
        JointTable { splits, pairs }
    }
}

/// Where the last keyword occurrence in `text` ends, if any keyword occurs.
pub(crate) fn last_keyword_end(text: &[u8]) -> Option<usize> {
    let mut last = None;
    keywords().find_all(text, |hit| {
        last = Some(last.map_or(hit.end, |end: usize| end.max(hit.end)));
        true
    });
    last
}

/// The compiled regex of rule `index`, compiled on first use. `None` if it does not compile
/// (a data-file bug the rule tests catch), in which case the rule is skipped.
fn compiled(index: usize) -> Option<&'static RuleRegex> {
    static COMPILED: OnceLock<Vec<OnceLock<Option<RuleRegex>>>> = OnceLock::new();
    let slots = COMPILED.get_or_init(|| RULES.iter().map(|_| OnceLock::new()).collect());
    let rule = RULES.get(index)?;
    slots
        .get(index)?
        .get_or_init(|| {
            let mut regex = compile(rule.regex).ok()?;
            if rule.window == Window::Block {
                regex.capture_reach = None;
                // Group 0 ("the first group that took part") is group 1 when one group holds
                // the whole pattern: it always takes part.
                if rule.secret_group <= 1 && is_one_outer_group(rule.regex) {
                    regex.reverse = compile_reverse(rule.regex);
                }
            }
            Some(regex)
        })
        .as_ref()
}

/// A compiled rule regex. The Thompson NFA is built (parse + compile, ~0.1 ms for the largest
/// rules); a lazy DFA, the bounded backtracker and the PikeVM run directly on it and cost
/// almost nothing more to build. A `meta::Regex` would also build a reverse NFA and literal
/// prefilters, which roughly triples the compile time paid on a hook call.
///
/// Searching is two-step: the lazy DFA (a few ns per byte once warm) finds whether and where
/// the leftmost match ends; only then does the backtracker (or the PikeVM, for spans too long
/// for it) recover the capture groups, on the short span that can hold that match. Running the
/// capture engines over whole windows cost 20–100 ns per byte and made every keyword-dense
/// input slow.
pub(crate) struct RuleRegex {
    backtrack: BoundedBacktracker,
    pikevm: PikeVM,
    /// `None` if the lazy DFA could not be built for this pattern (then the capture engines
    /// search whole windows, as before).
    dfa: Option<hybrid::dfa::DFA>,
    /// How far before a match's end the match can start: the longest match the pattern can
    /// make, if bounded, else [`UNBOUNDED_MATCH_REACH`]; `None` for block rules (key blocks run
    /// to 64 KiB). The capture search starts there rather than at the window's start.
    capture_reach: Option<usize>,
    /// For block rules whose secret is the whole match (key blocks): a reverse lazy DFA that
    /// finds the match's start from its end, so no capture engine walks the (up to 64 KiB)
    /// block; the PikeVM did that at ~4 MB/s.
    reverse: Option<hybrid::dfa::DFA>,
    /// Compiled without its leading `(?i)`: it runs on ASCII-lowercased text instead (see
    /// [`fold_case_form`]).
    fold_case: bool,
}

/// Per-rule search state, reused across the windows of one scan (allocating it per window
/// would dominate the cost on text with many keyword hits).
pub(crate) struct Searcher {
    backtrack: regex_automata::nfa::thompson::backtrack::Cache,
    pikevm: regex_automata::nfa::thompson::pikevm::Cache,
    /// The lazy DFA's state cache; `None` once the DFA gave up on this scan (its cache kept
    /// filling: a pattern whose states explode on this input), after which the capture engines
    /// search alone.
    dfa: Option<hybrid::dfa::Cache>,
    reverse: Option<hybrid::dfa::Cache>,
    caps: Captures,
}

/// How far before a match's end its capture search starts when the pattern's length is not
/// bounded: windows reach [`LINE_REACH`] bytes either side of a keyword, so no match found
/// through one is longer (block rules excepted, which search their whole window).
const UNBOUNDED_MATCH_REACH: usize = 2 * LINE_REACH + 64;

impl RuleRegex {
    pub(crate) fn searcher(&self) -> Searcher {
        Searcher {
            backtrack: self.backtrack.create_cache(),
            pikevm: self.pikevm.create_cache(),
            dfa: self.dfa.as_ref().map(hybrid::dfa::DFA::create_cache),
            reverse: self.reverse.as_ref().map(hybrid::dfa::DFA::create_cache),
            caps: self.pikevm.create_captures(),
        }
    }

    /// Leftmost-first match in `text[start..end]` (look-around sees the whole text), anchored at
    /// `start` or not, into `searcher.caps`.
    fn search(&self, searcher: &mut Searcher, text: &[u8], start: usize, mut end: usize, anchored: bool) {
        let mut capture_start = start;
        if let (Some(dfa), Some(cache)) = (&self.dfa, &mut searcher.dfa) {
            let mut input = Input::new(text).range(start..end);
            if anchored {
                input = input.anchored(regex_automata::Anchored::Yes);
            }
            match dfa.try_search_fwd(cache, &input) {
                Ok(None) => {
                    searcher.caps.set_pattern(None);
                    return;
                }
                Ok(Some(found)) => {
                    end = found.offset();
                    if !anchored && self.whole_match_from_reverse(searcher, text, start, end) {
                        return;
                    }
                    if let (false, Some(reach)) = (anchored, self.capture_reach) {
                        capture_start = start.max(end.saturating_sub(reach));
                    }
                }
                Err(_) => searcher.dfa = None,
            }
        }
        let mut input = Input::new(text).range(capture_start..end);
        if anchored {
            input = input.anchored(regex_automata::Anchored::Yes);
        }
        if end - capture_start <= self.backtrack.max_haystack_len()
            && self.backtrack.try_search(&mut searcher.backtrack, &input, &mut searcher.caps).is_ok()
        {
            return;
        }
        self.pikevm.search(&mut searcher.pikevm, &input, &mut searcher.caps);
    }

    /// For a rule with a reverse DFA: the start of the match ending at `end` (leftmost, at or
    /// after `start`), written into `searcher.caps` as groups 0 and 1. False if the rule has
    /// none or the reverse search gave up.
    fn whole_match_from_reverse(
        &self,
        searcher: &mut Searcher,
        text: &[u8],
        start: usize,
        end: usize,
    ) -> bool {
        let (Some(reverse), Some(cache)) = (&self.reverse, &mut searcher.reverse) else { return false };
        let input = Input::new(text).range(start..end).anchored(regex_automata::Anchored::Yes);
        let Ok(Some(found)) = reverse.try_search_rev(cache, &input) else { return false };
        let (Some(s), Some(e)) = (NonMaxUsize::new(found.offset()), NonMaxUsize::new(end)) else {
            return false;
        };
        let caps = &mut searcher.caps;
        caps.set_pattern(Some(regex_automata::PatternID::ZERO));
        let slots = caps.slots_mut();
        slots.iter_mut().for_each(|slot| *slot = None);
        for (i, value) in [s, e, s, e].into_iter().enumerate() {
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(value);
            }
        }
        true
    }

    /// The secret span (group `group`; 0: the first group that took part) of the match in
    /// `text[start..end]`, anchored at `start` or not, matching as `detect` does (lowercased
    /// text for case-folding rules). For checking the hand matchers against their regexes.
    pub(crate) fn secret_at(
        &self,
        searcher: &mut Searcher,
        text: &[u8],
        start: usize,
        end: usize,
        group: usize,
        anchored: bool,
    ) -> Option<(usize, usize)> {
        let mut lowered = None;
        let haystack = haystack(self, text, &mut lowered);
        self.search(searcher, haystack, start, end, anchored);
        secret_span(group, &searcher.caps).map(|s| (s.start, s.end))
    }
}

/// Compiles a rule regex: ASCII-only (no Unicode tables, so small and fast to build), bytes
/// (input need not be UTF-8), multi-line (`^`/`$` also match at line boundaries, since windows
/// start and end at lines), with bounded size.
pub(crate) fn compile(pattern: &str) -> Result<RuleRegex, Box<thompson::BuildError>> {
    let (pattern, fold_case) = match fold_case_form(pattern) {
        Some(rest) => (rest, true),
        None => (pattern, false),
    };
    let syntax = syntax::Config::new().unicode(false).utf8(false).multi_line(true);
    let nfa = thompson::Compiler::new()
        .syntax(syntax)
        .configure(thompson::Config::new().utf8(false).shrink(false).nfa_size_limit(Some(2 << 20)))
        .build(pattern)
        .map_err(Box::new)?;
    let max_len = syntax::parse_with(pattern, &syntax).ok().and_then(|hir| hir.properties().maximum_len());
    // The lazy DFA gives up (and the capture engines take over for the rest of the scan) when
    // its cache keeps filling without getting through many bytes per state built.
    let dfa = hybrid::dfa::DFA::builder()
        .configure(
            hybrid::dfa::DFA::config()
                .cache_capacity(1 << 20)
                .minimum_cache_clear_count(Some(3))
                .minimum_bytes_per_state(Some(16)),
        )
        .build_from_nfa(nfa.clone())
        .ok();
    let backtrack = BoundedBacktracker::builder()
        .configure(BoundedBacktracker::config().visited_capacity(1 << 20))
        .build_from_nfa(nfa.clone())
        .map_err(Box::new)?;
    let pikevm = PikeVM::builder().build_from_nfa(nfa).map_err(Box::new)?;
    let capture_reach = Some(max_len.unwrap_or(UNBOUNDED_MATCH_REACH));
    Ok(RuleRegex { backtrack, pikevm, dfa, capture_reach, reverse: None, fold_case })
}

/// The reverse lazy DFA of `pattern` (leftmost starts: all-matches semantics, anchored at the
/// forward match's end), for [`RuleRegex::whole_match_from_reverse`].
fn compile_reverse(pattern: &str) -> Option<hybrid::dfa::DFA> {
    let pattern = fold_case_form(pattern).unwrap_or(pattern);
    hybrid::dfa::DFA::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false).multi_line(true))
        .thompson(
            thompson::Config::new().utf8(false).shrink(false).reverse(true).nfa_size_limit(Some(2 << 20)),
        )
        .configure(
            hybrid::dfa::DFA::config()
                .match_kind(regex_automata::MatchKind::All)
                .specialize_start_states(false)
                .cache_capacity(1 << 20)
                .minimum_cache_clear_count(Some(3))
                .minimum_bytes_per_state(Some(16)),
        )
        .build(pattern)
        .ok()
}

/// Whether the pattern is one capture group around everything (`(…)`), so group 1 is the
/// whole match.
fn is_one_outer_group(pattern: &str) -> bool {
    let bytes = pattern.as_bytes();
    if bytes.first() != Some(&b'(') || bytes.get(1) == Some(&b'?') {
        return false;
    }
    let (mut depth, mut i, mut in_class) = (0usize, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'(' if !in_class => depth += 1,
            b')' if !in_class => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i == bytes.len() - 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// `(?i)rest` where `rest` names no uppercase letter: then matching `rest` against
/// ASCII-lowercased text is the same as matching the whole pattern against the text (case
/// folding is ASCII-only here, and lowercasing keeps every byte offset). The case-insensitive
/// NFA of the big generic rules costs about twice as much to build, and that build is paid on a
/// hook call; lowercasing a payload costs about a microsecond per 4 KiB.
fn fold_case_form(pattern: &str) -> Option<&str> {
    let rest = pattern.strip_prefix("(?i)")?;
    let bytes = rest.as_bytes();
    // An uppercase letter (a literal, or an escape such as `\W` whose meaning is case-sensitive)
    // or a `\x41`-style byte escape could match differently on lowercased text.
    let case_sensitive_part =
        bytes.iter().any(u8::is_ascii_uppercase) || bytes.windows(2).any(|w| w == b"\\x");
    // A flag group (`(?-i)`, `(?s:…)`) could switch folding off again; `(?:` groups are fine.
    let flag_group = bytes.windows(3).any(|w| w[0] == b'(' && w[1] == b'?' && w[2] != b':');
    (!case_sensitive_part && !flag_group).then_some(rest)
}

#[cfg(test)]
mod fold_case_tests {
    use super::fold_case_form;

    #[test]
    fn only_plain_case_insensitive_patterns_fold() {
        assert_eq!(fold_case_form("(?i)(?:pass|token)=([a-z0-9]+)"), Some("(?:pass|token)=([a-z0-9]+)"));
        assert_eq!(fold_case_form("(?:pass)=x"), None);
        assert_eq!(fold_case_form("(?i)AKIA[0-9]"), None);
        assert_eq!(fold_case_form("(?i)pass\\W"), None);
        assert_eq!(fold_case_form("(?i)pass\\x41"), None);
        assert_eq!(fold_case_form("(?i)pass(?-i:word)"), None);
        assert_eq!(fold_case_form("(?i)(?m)^pass"), None);
    }
}

/// Every accepted candidate in `text`, in no particular order and possibly overlapping. Each
/// candidate taken up spends one of `meter`'s allowance; when it is spent, the rest of the text
/// (from the line window of the candidate that found it spent) becomes one [`DENSE_INPUT`]
/// match, redacted whole (see `meter`).
pub(crate) fn detect(text: &[u8], out: &mut Vec<RawMatch>, meter: &mut Meter) {
    let first = out.len();
    // (rule, window start, window end) for every hit, merged per rule below; anchored searches
    // (assignments) are kept apart, one per distinct start.
    let mut windows: Vec<(usize, usize, usize)> = Vec::new();
    let mut anchored: Vec<(usize, usize, usize)> = Vec::new();
    // The last name the grammar rule parsed: keyword hits inside one name parse it once.
    let mut last_name: Option<(usize, usize)> = None;
    let mut grammar_covered = 0;
    let mut lines = LineCache::default();
    let mut idents = IdentRuns::default();
    let mut dense_from: Option<usize> = None;
    keywords().find_all(text, |hit| {
        let rule_index = hit.tag;
        let Some(rule) = RULES.get(rule_index) else { return true };
        // Spends `units`, or marks where the rest of the text is redacted whole: from the start
        // of this hit's line window, as far back as any rule's match can start from it.
        let mut spend = |lines: &mut LineCache, units| {
            let granted = meter.spend(hit.start, units);
            if !granted {
                dense_from = Some(lines.window(text, hit.start, hit.end).0);
            }
            granted
        };
        if !spend(&mut lines, meter::HIT) {
            return false;
        }
        // A token rule's keyword is the token's start, which must follow a token boundary
        // (`START`): a hit inside a longer run (`sk_live_` inside an identifier, `AKIA` glued to
        // itself) cannot start a match, so it costs only its hit, not a candidate. (Runs of one
        // letter, where every byte was a hit of `aaaa`, are reported once by the prefilter.)
        if starts_token(rule_index) && !token_start_ok(text, hit.start) {
            return true;
        }
        let (start, end) = match rule.window {
            Window::Line => lines.window(text, hit.start, hit.end),
            // Six bytes before the keyword: the token's start class looks at them (`%3D`,
            // `\u0022` before a token).
            Window::Prefix => (hit.start.saturating_sub(6), lines.window(text, hit.start, hit.end).1),
            Window::Block => (hit.start.saturating_sub(16), text.len().min(hit.end + BLOCK_REACH)),
            Window::BlockFromKeyword => {
                // The match starts with the keyword: one anchored search there, which stops
                // where the entry stops matching (a hit inside an earlier secret is skipped
                // below, so overlapping hits do not rescan).
                if !spend(&mut lines, meter::CANDIDATE) {
                    return false;
                }
                anchored.push((rule_index, hit.start, text.len().min(hit.end + BLOCK_REACH)));
                return true;
            }
            Window::Grammar => {
                // One parse per name, and none inside the previous candidate's value (a name
                // inside a value is not a name): non-overlapping, so linear on any input.
                if last_name.is_some_and(|(start, end)| hit.start >= start && hit.end <= end)
                    || hit.start < grammar_covered
                {
                    return true;
                }
                if !spend(&mut lines, meter::CANDIDATE) {
                    return false;
                }
                let bounds = (idents.run(text, hit.start).0, idents.run(text, hit.end).1);
                let Some((start, end)) = grammar::name_around_in(text, hit.start, hit.end, bounds) else {
                    return true;
                };
                last_name = Some((start, end));
                if let Some(candidate) = grammar::parse(text, start, end) {
                    meter.read_value(candidate.end - candidate.start);
                    grammar_covered = candidate.end;
                    if grammar::judge(text, &candidate) {
                        out.push(RawMatch { rule: rule_index, start: candidate.start, end: candidate.end });
                    }
                }
                return true;
            }
            Window::LineStart => {
                if !assignment_follows(text, hit.end, idents.run(text, hit.end).1, Operator::Colon) {
                    return true;
                }
                if !spend(&mut lines, meter::CANDIDATE) {
                    return false;
                }
                let (line_start, line_end) = lines.window(text, hit.start, hit.end);
                anchored.push((rule_index, line_start, line_end));
                return true;
            }
            Window::Assignment | Window::QuotedAssignment => {
                let operator =
                    if rule.window == Window::Assignment { Operator::Any } else { Operator::AnyThenQuote };
                if !assignment_follows(text, hit.end, idents.run(text, hit.end).1, operator) {
                    return true;
                }
                if !spend(&mut lines, meter::CANDIDATE) {
                    return false;
                }
                let (line_start, line_end) = lines.window(text, hit.start, hit.end);
                let ident = identifier_start(hit.start, idents.run(text, hit.start).0);
                anchored.push((rule_index, ident.max(line_start), line_end));
                return true;
            }
        };
        if !spend(&mut lines, meter::CANDIDATE) {
            return false;
        }
        windows.push((rule_index, start, end));
        true
    });
    anchored.sort_unstable();
    anchored.dedup_by_key(|w| (w.0, w.1));
    windows.sort_unstable();
    let mut merged: Vec<(usize, usize, usize)> = Vec::with_capacity(windows.len());
    for (rule, start, end) in windows {
        match merged.last_mut() {
            Some(last) if last.0 == rule && start <= last.2 => last.2 = last.2.max(end),
            _ => merged.push((rule, start, end)),
        }
    }
    // Judging below spends by the length of each value judged (long values cost more); when
    // the allowance runs out here, the rules still to run have not looked at any text from the
    // earliest entry left, so the cut is there (or where the current rule stopped, if earlier).
    // The hits above spent at their positions; judging them may spend what the text up to
    // where the hits stopped paid for.
    let horizon = dense_from.unwrap_or(text.len());
    let cut = judge_entries(text, horizon, &anchored, &merged, out, meter);
    if let Some(found) = out.get_mut(first..) {
        extend_to_natural_end(text, found);
    }
    if let Some(start) = dense_from.into_iter().chain(cut).min() {
        out.push(RawMatch { rule: DENSE_INPUT, start, end: text.len() });
    }
}

/// Runs the rules on their anchored entries and merged windows; returns where the text must be
/// cut if the meter's allowance (as paid for by `text[..horizon]`) ran out.
fn judge_entries(
    text: &[u8],
    horizon: usize,
    anchored: &[(usize, usize, usize)],
    merged: &[(usize, usize, usize)],
    out: &mut Vec<RawMatch>,
    meter: &mut Meter,
) -> Option<usize> {
    // Where the cut is when the allowance runs out at `at`: the earliest text some rule has not
    // judged yet, from the start of its line (as far back as a match can start).
    let cut_at = |at: usize,
                  rest_anchored: &[(usize, usize, usize)],
                  rest_merged: &[(usize, usize, usize)]| {
        let earliest = rest_anchored.iter().chain(rest_merged).map(|e| e.1).fold(at, usize::min);
        let low = earliest.saturating_sub(LINE_REACH);
        text.get(low..earliest).and_then(|b| b.iter().rposition(|c| *c == b'\n')).map_or(low, |p| low + p + 1)
    };
    // The ASCII-lowercased text for case-folding rules, made on first need.
    let mut lowered: Option<Vec<u8>> = None;
    let mut current = Current(None);
    // Per rule, where the last secret ended: an anchored search starting inside it is skipped,
    // as a leftmost non-overlapping search would (and what keeps `a_token=a_token=…` linear).
    let mut covered: (usize, usize) = (usize::MAX, 0);
    for (i, &(rule_index, start, end)) in anchored.iter().enumerate() {
        let Some(rule) = RULES.get(rule_index) else { continue };
        if covered.0 == rule_index && start < covered.1 {
            continue;
        }
        if !meter.may_read_values(horizon) {
            return Some(cut_at(start, anchored.get(i..).unwrap_or_default(), merged));
        }
        // The hottest rules have hand matchers: no regex compile on a hook call.
        if let Some(native) = native::matcher(rule.id) {
            if let Some(secret) = native(text, start, end) {
                covered = (rule_index, secret.1);
                accept_secret(rule_index, rule, text, secret, out, meter);
            }
            continue;
        }
        let Some(regex) = compiled(rule_index) else { continue };
        let searcher = searcher_for(&mut current, rule_index, regex);
        let haystack = haystack(regex, text, &mut lowered);
        regex.search(searcher, haystack, start, end, true);
        if let Some(secret) = accept_match(rule_index, rule, text, &searcher.caps, out, meter) {
            covered = (rule_index, secret.end);
        }
    }
    let mut current = Current(None);
    let mut jwt_resume = 0;
    for (j, &(rule_index, start, end)) in merged.iter().enumerate() {
        let Some(rule) = RULES.get(rule_index) else { continue };
        let rest = merged.get(j + 1..).unwrap_or_default();
        let stopped = if rule.id == "jwt" {
            // By hand, read to its natural end however long (see `native::jwt`); windows of this
            // rule are in order, and a search resumes past every run an earlier one read.
            let mut at = start.max(jwt_resume);
            loop {
                if at >= end {
                    break None;
                }
                if !meter.may_read_values(horizon) {
                    break Some(at);
                }
                let (found, resume) = native::jwt(text, at, end);
                jwt_resume = resume;
                let Some(secret) = found else { break None };
                accept_secret(rule_index, rule, text, secret, out, meter);
                at = resume;
            }
        } else if let Some(native) = native::matcher(rule.id) {
            let mut at = start;
            loop {
                if !meter.may_read_values(horizon) {
                    break Some(at);
                }
                let Some((secret_start, secret_end)) = native::find(native, text, at, end) else {
                    break None;
                };
                accept_secret(rule_index, rule, text, (secret_start, secret_end), out, meter);
                // As `search_window`: resume after the secret, always making progress.
                at = if secret_end > at { secret_end } else { at + 1 };
            }
        } else {
            let Some(regex) = compiled(rule_index) else { continue };
            let searcher = searcher_for(&mut current, rule_index, regex);
            let haystack = haystack(regex, text, &mut lowered);
            let window = (start, end, horizon);
            search_window((rule_index, rule), regex, searcher, (haystack, text), window, out, meter)
        };
        if let Some(at) = stopped {
            return Some(cut_at(at, &[], rest));
        }
    }
    None
}

/// The search state of one rule, kept while consecutive windows belong to that rule.
/// Search states live in a per-thread pool between scans, so the states a rule's lazy DFA built
/// on one call serve the next: a fresh DFA cache per scan rebuilt the same states for every
/// string of a payload, which cost more than the scanning.
struct Current(Option<(usize, Searcher)>);

thread_local! {
    static POOL: std::cell::RefCell<Vec<Option<Searcher>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Current {
    fn put_back(&mut self) {
        if let Some((index, searcher)) = self.0.take() {
            let _ = POOL.try_with(|pool| {
                let mut pool = pool.borrow_mut();
                if pool.len() <= index {
                    pool.resize_with(RULES.len().max(index + 1), || None);
                }
                pool[index] = Some(searcher);
            });
        }
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        self.put_back();
    }
}

/// The search state of rule `rule_index`: the current one, or the pooled one, or a new one.
fn searcher_for<'a>(current: &'a mut Current, rule_index: usize, regex: &RuleRegex) -> &'a mut Searcher {
    if current.0.as_ref().is_some_and(|(index, _)| *index != rule_index) {
        current.put_back();
    }
    &mut current
        .0
        .get_or_insert_with(|| {
            let pooled = POOL.try_with(|pool| pool.borrow_mut().get_mut(rule_index).and_then(Option::take));
            let mut searcher = pooled.ok().flatten().unwrap_or_else(|| regex.searcher());
            // A DFA that gave up on an earlier scan gets a fresh cache for this one.
            if searcher.dfa.is_none() {
                searcher.dfa = regex.dfa.as_ref().map(hybrid::dfa::DFA::create_cache);
            }
            (rule_index, searcher)
        })
        .1
}

/// What `regex` searches: the text, or its lowercased copy for case-folding rules. Matches are
/// read back from the original text (same offsets).
fn haystack<'a>(regex: &RuleRegex, text: &'a [u8], lowered: &'a mut Option<Vec<u8>>) -> &'a [u8] {
    if regex.fold_case {
        lowered.get_or_insert_with(|| text.to_ascii_lowercase())
    } else {
        text
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operator {
    /// `=`, `:=`, `=>` or `:`.
    Any,
    /// Any operator, then a quote (after optional spaces, a string prefix or a backslash).
    AnyThenQuote,
    /// `:`.
    Colon,
}

/// A cheap check before an assignment rule's regex is compiled or run: the identifier holding
/// the keyword is followed by an assignment operator. Most keyword hits in code (`token.len()`,
/// `fn password(`) fail it, which keeps both the per-call compile cost and the scan cost down.
/// `run_end` is where the identifier run starting at `hit_end` ends (see [`IdentRuns`]).
fn assignment_follows(text: &[u8], hit_end: usize, run_end: usize, operator: Operator) -> bool {
    // The rest of the identifier, at most 96 bytes.
    let mut i = run_end.min(hit_end + 96);
    let at = |i: usize| text.get(i).copied();
    for _ in 0..3 {
        if matches!(at(i), Some(b'\\' | b'"' | b'\'')) {
            i += 1;
        }
    }
    while matches!(at(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let found = match (at(i), at(i + 1)) {
        (Some(b':'), next) => {
            i += if next == Some(b'=') { 2 } else { 1 };
            true
        }
        (Some(b'='), next) => {
            if operator == Operator::Colon {
                return false;
            }
            i += if next == Some(b'>') { 2 } else { 1 };
            true
        }
        _ => false,
    };
    if !found {
        return false;
    }
    if operator != Operator::AnyThenQuote {
        return true;
    }
    while matches!(at(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if matches!(at(i), Some(b'b' | b'r' | b'f')) {
        i += 1;
    }
    if at(i) == Some(b'\\') {
        i += 1;
    }
    matches!(at(i), Some(b'"' | b'\'' | b'`')) || text.get(i..).is_some_and(|t| t.starts_with(b"new String("))
}

/// Where an anchored assignment search starts for a keyword hit at `hit_start`: the delimiter
/// before the identifier (`[A-Za-z0-9_.-]`, at most 128 bytes) that contains the hit, or the
/// identifier itself at the start of the text. `run_start` is where the identifier run ending
/// at the hit starts (see [`IdentRuns`]).
fn identifier_start(hit_start: usize, run_start: usize) -> usize {
    run_start.max(hit_start.saturating_sub(128)).saturating_sub(1)
}

/// See [`IdentRuns`]: more than the 128 bytes [`identifier_start`] and the grammar's names look
/// back.
const IDENT_LOOKBACK: usize = 129;

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The maximal run of identifier bytes (`[A-Za-z0-9_.-]`) around a position, cached. Keyword
/// hits arrive in order of their start, so each run is scanned once however many hits it
/// holds: scanning up to 96–128 bytes both ways per hit made a long identifier full of
/// keywords (`secret.token.key_…`) cost ~200 byte steps per input byte.
/// The start is looked for at most [`IDENT_LOOKBACK`] bytes back (a run that starts further
/// back is reported as starting there; every caller treats both alike).
#[derive(Default)]
struct IdentRuns {
    start: usize,
    end: usize,
    /// The position the cached run was computed for, if its start is only the look-back bound
    /// (then it holds for positions from there on, not before).
    bounded_from: Option<usize>,
}

impl IdentRuns {
    /// `(start, end)`: `text[start..at]` and `text[at..end]` are identifier bytes and neither
    /// run can be extended.
    fn run(&mut self, text: &[u8], at: usize) -> (usize, usize) {
        if self.start <= at && at <= self.end && self.bounded_from.is_none_or(|from| at >= from) {
            return (self.start, self.end);
        }
        // Backwards at most `IDENT_LOOKBACK` bytes: callers only ask whether the run starts
        // within 128 bytes of the hit, so a start further back is reported as that bound.
        let low = at.saturating_sub(IDENT_LOOKBACK);
        let start = text
            .get(low..at)
            .and_then(|b| b.iter().rposition(|c| !is_ident_byte(*c)))
            .map_or(low, |p| low + p + 1);
        let end = text
            .get(at..)
            .and_then(|a| a.iter().position(|c| !is_ident_byte(*c)))
            .map_or(text.len(), |p| at + p);
        // A position before the cached run (a shorter keyword at the same start as a longer
        // one) is answered without replacing the cache; its scan stops within a keyword's
        // length, at the byte before the cached run.
        if at > self.end || self.end == 0 {
            (self.start, self.end) = (start, end);
            self.bounded_from = (start == low && low > 0).then_some(at);
        }
        (start, end)
    }
}

/// The bounds of the line holding the previous keyword hit, so that many hits on one long line
/// find its bounds once (scanning 512 bytes both ways per hit made hostile input slow).
#[derive(Default)]
struct LineCache {
    start: usize,
    end: usize,
}

impl LineCache {
    /// [`line_window`] through the cache.
    fn window(&mut self, text: &[u8], hit_start: usize, hit_end: usize) -> (usize, usize) {
        if !(self.start <= hit_start && hit_end <= self.end && self.end > self.start) {
            self.start =
                text.get(..hit_start).and_then(|b| b.iter().rposition(|c| *c == b'\n')).map_or(0, |p| p + 1);
            self.end = text
                .get(hit_end..)
                .and_then(|a| a.iter().position(|c| *c == b'\n'))
                .map_or(text.len(), |p| hit_end + p);
        }
        let start = self.start.max(hit_start.saturating_sub(LINE_REACH));
        let end = self.end.min(hit_end + LINE_REACH);
        (start, end.max(start))
    }
}

/// Runs a rule's regex over its window `start..end`, match after match; returns where it
/// stopped if the meter's allowance (as paid for by the text up to `horizon`) ran out.
fn search_window(
    (rule_index, rule): (usize, &RuleSpec),
    regex: &RuleRegex,
    searcher: &mut Searcher,
    (haystack, text): (&[u8], &[u8]),
    (start, end, horizon): (usize, usize, usize),
    out: &mut Vec<RawMatch>,
    meter: &mut Meter,
) -> Option<usize> {
    let mut at = start;
    while at < end {
        if !meter.may_read_values(horizon) {
            return Some(at);
        }
        regex.search(searcher, haystack, at, end, false);
        let Some(whole) = searcher.caps.get_match() else { break };
        let secret = accept_match(rule_index, rule, text, &searcher.caps, out, meter);
        // Resume after the secret (not the whole match) so a trailing delimiter the regex
        // consumed can start the next match; always make progress.
        let resume = secret.map_or(whole.end(), |s| s.end);
        at = if resume > at { resume } else { at + 1 };
        if whole.is_empty() && whole.end() >= end {
            break;
        }
    }
    None
}

/// Records the secret of a match (if the filters accept it); returns its span.
fn accept_match(
    rule_index: usize,
    rule: &RuleSpec,
    text: &[u8],
    caps: &Captures,
    out: &mut Vec<RawMatch>,
    meter: &mut Meter,
) -> Option<regex_automata::Span> {
    let span = secret_span(rule.secret_group, caps)?;
    // The capture search read the whole match, not only the secret: charge the rest too.
    let whole = caps.get_match().map_or(0, |m| m.len());
    meter.read_value(whole.saturating_sub(span.len()));
    accept_secret(rule_index, rule, text, (span.start, span.end), out, meter);
    Some(span)
}

/// The secret's span in a match: capture group `group`, or for 0 the first group that took part.
fn secret_span(group: usize, caps: &Captures) -> Option<regex_automata::Span> {
    caps.get_match()?;
    if group == 0 {
        (1..caps.group_len()).find_map(|g| caps.get_group(g))
    } else {
        caps.get_group(group)
    }
}

/// Records the secret at `start..end` if the rule's filters accept it. The filters' cost grows
/// with the value's length, and so does what it spends.
fn accept_secret(
    rule_index: usize,
    rule: &RuleSpec,
    text: &[u8],
    (start, end): (usize, usize),
    out: &mut Vec<RawMatch>,
    meter: &mut Meter,
) {
    meter.read_value(end.saturating_sub(start));
    let value = text.get(start..end).unwrap_or_default();
    let before = text.get(..start).unwrap_or_default();
    let after = text.get(end..).unwrap_or_default();
    if filter::accept(rule, value, before, after) {
        out.push(RawMatch { rule: rule_index, start, end });
    }
}

/// The token start class of `rules-src/gen.py` (`START`), as it opens generated regexes.
const START_CLASS: &str = r"(?:^|[^A-Za-z0-9]|\\[nrt]|%[0-9A-Fa-f]{2}|\\u00[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2})";

/// Whether rule `index` matches a token that starts at its keyword after `START` (a `Prefix`
/// window and a regex opening with the start class), so a keyword hit must itself be at a
/// token start. Computed once per rule.
fn starts_token(index: usize) -> bool {
    static TABLE: OnceLock<Vec<bool>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        RULES.iter().map(|r| r.window == Window::Prefix && r.regex.starts_with(START_CLASS)).collect()
    });
    table.get(index).copied().unwrap_or(false)
}

/// Whether a token may start at `at`: what `START` accepts before it (the start of a line, a
/// non-alphanumeric byte, or an escape ending in an alphanumeric: `\n`, `%3D`, `\x22`,
/// `\u0022`). Percent-encoding and JSON escapes are where secrets sit in logged URLs and
/// double-encoded JSON.
pub(crate) fn token_start_ok(text: &[u8], at: usize) -> bool {
    let Some(&before) = at.checked_sub(1).and_then(|i| text.get(i)) else { return true };
    if !before.is_ascii_alphanumeric() {
        return true;
    }
    let back = |n: usize| at.checked_sub(n).and_then(|i| text.get(i..at));
    let hex = |b: &u8| b.is_ascii_hexdigit();
    matches!(back(2), Some([b'\\', b'n' | b'r' | b't']))
        || matches!(back(3), Some([b'%', a, b]) if hex(a) && hex(b))
        || matches!(back(4), Some([b'\\', b'x', a, b]) if hex(a) && hex(b))
        || matches!(back(6), Some([b'\\', b'u', b'0', b'0', a, b]) if hex(a) && hex(b))
}

/// A continuation class: its index (one read cache per class) and its bytes.
type Continuation = (usize, fn(u8) -> bool);

/// The bytes a cut-off value of `rule` goes on with, if its findings are read to their natural
/// end: header values (`[^\s"'\\,;]`, as their regexes), cookie values, and generic values (the
/// value class of the assignment rules). `None`: the rule's match is its whole token.
fn continuation(rule: usize) -> Option<Continuation> {
    fn header(b: u8) -> bool {
        !(b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'\\' | b',' | b';'))
    }
    fn cookie(b: u8) -> bool {
        !(b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'\\' | b';'))
    }
    fn value(b: u8) -> bool {
        !(b.is_ascii_whitespace()
            || matches!(
                b,
                b'"' | b'\''
                    | b'<'
                    | b'>'
                    | b';'
                    | b'|'
                    | b'&'
                    | b'`'
                    | b'('
                    | b')'
                    | b'{'
                    | b'}'
                    | b'['
                    | b']'
                    | b','
                    | b'\\'
            ))
    }
    let spec = RULES.get(rule)?;
    match spec.id {
        "authorization-header" | "authorization-header-raw" | "api-key-header" => Some((0, header)),
        "cookie-header" => Some((1, cookie)),
        _ if spec.kind == crate::rule::RuleKind::Generic => Some((2, value)),
        _ => None,
    }
}

/// A value at least this long that stops inside a run of its own bytes was cut by a bound
/// (a 200-byte regex repetition, the grammar's 256-byte `MAX_VALUE`, a 512-byte line window),
/// not by its syntax; shorter values end where their grammar ends them.
const CUT_VALUE: usize = 128;

/// Reads findings cut by a bound on to the value's natural end (a 2 KB access token after
/// `Authorization: Bearer`, a long `SECRET_TOKEN=…`): the secret must be redacted whole, and
/// what stopped the match was the bound, not the value. Linear: findings are taken in order of
/// their end, and one that ends inside a run an earlier one already read to its end takes that
/// end without reading it again (per continuation class).
fn extend_to_natural_end(text: &[u8], found: &mut [RawMatch]) {
    found.sort_unstable_by_key(|m| m.end);
    // Per class: the run last read, `(class, from, to)`.
    let mut read: Vec<(usize, usize, usize)> = Vec::new();
    for m in found.iter_mut() {
        let Some((class, goes_on)) = continuation(m.rule) else { continue };
        if m.end - m.start < CUT_VALUE || !text.get(m.end).is_some_and(|b| goes_on(*b)) {
            continue;
        }
        let end = match read.iter_mut().find(|r| r.0 == class) {
            Some(r) if r.1 <= m.end && m.end <= r.2 => r.2,
            slot => {
                let end = text
                    .get(m.end..)
                    .and_then(|rest| rest.iter().position(|b| !goes_on(*b)))
                    .map_or(text.len(), |p| m.end + p);
                match slot {
                    Some(r) => *r = (class, m.end, end),
                    None => read.push((class, m.end, end)),
                }
                end
            }
        };
        m.end = end;
    }
}

/// Widens `[start, end)` so it does not cut a UTF-8 sequence of `text` (valid or not).
pub(crate) fn snap_to_chars(text: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    let is_continuation = |b: Option<&u8>| matches!(b, Some(b) if b & 0xC0 == 0x80);
    let mut back = 0;
    while start > 0 && back < 3 && is_continuation(text.get(start)) {
        start -= 1;
        back += 1;
    }
    let mut forward = 0;
    while end < text.len() && forward < 3 && is_continuation(text.get(end)) {
        end += 1;
        forward += 1;
    }
    (start, end)
}

pub(crate) fn rule_id(index: usize) -> &'static str {
    if index == DENSE_INPUT {
        return DENSE_INPUT_ID;
    }
    RULES.get(index).map_or("unknown", |r| r.id)
}
