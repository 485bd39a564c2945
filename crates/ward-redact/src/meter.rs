//! The work meter: bounds the per-candidate work of a scan by the bytes scanned, so that input
//! packed with candidate secrets cannot make redaction slow.
//!
//! Why: scanning is linear, but every keyword hit costs ~50-150 ns of checks, and every hit
//! that leads to a candidate value costs a judgement (the value model, a rule's filters, a
//! regex run) of up to ~1.4 µs. Ordinary text has a keyword hit every 100-200 bytes; hostile
//! text (or a dump of secrets) can have several per 10 bytes and would run at 7-15 MB/s, which
//! a hook that must answer within its deadline, and the benchmark's ≥ 50 MB/s worst case, do
//! not allow.
//!
//! How: work is counted in units of roughly the same cost (~150 ns on the benchmark machine at
//! worst), in two pools with the same positional allowance: [`BASE_UNITS`] once per document
//! plus one unit per [`BYTES_PER_UNIT`] bytes before the work (half that for the second pool).
//! - Hits: while the prefilter walks the text, a keyword hit spends [`HIT`], and a hit taken up
//!   as a candidate [`CANDIDATE`] more. When a hit finds the allowance spent, the walk stops
//!   there.
//! - Values: judging a value (and capturing the match around it) spends by its length
//!   ([`Meter::read_value`]); the rules run their windows after the walk, so when this pool runs out,
//!   the text is cut at the earliest entry some rule has not judged yet.
//!
//! From the cut (moved back to the start of its line, as far as any rule's match can start) to
//! the end of the text is one `dense-input` finding, redacted whole, and so is every later
//! string of the same JSON document. That fails closed (more is redacted, never less; a
//! multi-line key block after the cut cannot leak) and is deterministic, unlike a clock: the
//! allowance at a hit depends only on the text before it. Ordinary text, even text about secrets
//! (Ward's own documentation and sources; see `tests/dense.rs`), never reaches it; figures and
//! the calibration are in docs/redaction.md.

/// Units every document may spend before its size counts: a 4 KiB `.env` of 150 secrets is
/// judged in full however dense, and so is a 60 KiB source file that is a table of credential
/// locations (4,096 cut `crates/ward-inventory/src/secrets.rs`; 8,192 did not).
pub(crate) const BASE_UNITS: u64 = 16384;

/// Bytes of input that pay for one more unit. Calibrated with the adversarial benchmark
/// (`bash scripts/bench/redact.sh`): the costliest unit took ~155 ns there, so at one unit per
/// 12 bytes (and half that again for values) a hostile 1 MiB input stays above 50 MB/s.
pub(crate) const BYTES_PER_UNIT: u64 = 12;

/// What a keyword hit spends (the prefilter's check and the rule's window set-up).
pub(crate) const HIT: u64 = 1;

/// What a candidate taken up for judgement spends on top of its hit (parse, regex run, value
/// model, filters).
pub(crate) const CANDIDATE: u64 = 8;

/// Bytes of a judged value that cost one more unit: the value filters (placeholder markers,
/// references, the example-comment check) and the capture search read the whole value, so a
/// 200-byte base64 key costs several times a 20-byte password.
pub(crate) const VALUE_BYTES_PER_UNIT: usize = 6;

/// The work allowance of one document (a text, or a JSON document with all its strings).
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    /// The allowance at the start of the text being scanned: the base plus what the texts
    /// scanned before it paid for.
    credited: u64,
    spent: u64,
    /// Units spent reading values (see [`Meter::read_value`]): a second pool with half the allowance,
    /// so values judged after the hits were counted (the rules' windows run after the keyword
    /// pass) have their own share, and both pools together stay within the time budget.
    value_spent: u64,
    /// Leading bytes of the text being scanned that pay nothing: context (an object key, the
    /// argv elements before a value) scanned again with each value it precedes.
    unpaid: usize,
    /// Whether a spend was refused: from then on the document is redacted whole, unjudged.
    tripped: bool,
    /// Whether the document's `dense-input` finding was reported (one per document: every
    /// string after the cut is redacted too, but one finding says so).
    reported: bool,
}

impl Default for Meter {
    fn default() -> Meter {
        Meter { credited: BASE_UNITS, spent: 0, value_spent: 0, unpaid: 0, tripped: false, reported: false }
    }
}

impl Meter {
    /// A meter that never runs out (tests that compare the engine with itself).
    #[cfg(test)]
    pub(crate) fn unlimited() -> Meter {
        Meter { credited: u64::MAX, ..Meter::default() }
    }

    /// Spends `units` for work at byte `at` of the text being scanned; false when the
    /// allowance there was already spent (the caller stops judging).
    pub(crate) fn spend(&mut self, at: usize, units: u64) -> bool {
        if self.tripped || self.spent >= self.allowance_at(at) {
            self.tripped = true;
            return false;
        }
        self.spent += units;
        true
    }

    /// Counts `len` bytes of a value (or its match) read by a judgement already done.
    pub(crate) fn read_value(&mut self, len: usize) {
        self.value_spent = self.value_spent.saturating_add((len / VALUE_BYTES_PER_UNIT) as u64);
    }

    /// Whether more values may be read, as paid for by the text up to `horizon`; a refusal is
    /// final for the document, as for [`Meter::spend`]. (The candidates of a text whose hits
    /// ran out of allowance are still judged up to where the hits stopped.)
    pub(crate) fn may_read_values(&mut self, horizon: usize) -> bool {
        if self.value_spent >= self.allowance_at(horizon) / 2 {
            self.tripped = true;
            return false;
        }
        true
    }

    /// Starts the scan of a text whose first `context` bytes were paid for already (scanned
    /// with an earlier value, or a key).
    pub(crate) fn begin(&mut self, context: usize) {
        self.unpaid = context;
    }

    /// Ends the scan of a text of `len` bytes: the next text starts with what this one paid.
    pub(crate) fn scanned(&mut self, len: usize) {
        self.credited = self.allowance_at(len);
        self.unpaid = 0;
    }

    /// Whether the allowance ran out: the rest of the document is redacted whole, unscanned.
    pub(crate) fn tripped(&self) -> bool {
        self.tripped
    }

    /// Whether this `dense-input` finding is the document's first (the one reported).
    pub(crate) fn report_dense(&mut self) -> bool {
        !std::mem::replace(&mut self.reported, true)
    }

    fn allowance_at(&self, at: usize) -> u64 {
        self.credited.saturating_add(at.saturating_sub(self.unpaid) as u64 / BYTES_PER_UNIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowance_grows_with_position_and_stops_when_spent() {
        let per = BYTES_PER_UNIT as usize;
        let mut meter = Meter::default();
        let granted = (0..BASE_UNITS + 10).filter(|_| meter.spend(10 * per, 1)).count() as u64;
        assert_eq!(granted, BASE_UNITS + 10, "the base plus what the bytes before paid for");
        assert!(meter.spend(11 * per, 1), "the next bytes pay for one more unit");
        assert!(!meter.tripped());
        // The next text starts with what the whole of this one paid for.
        meter.scanned(20 * per);
        assert_eq!((0..20).filter(|_| meter.spend(0, 1)).count(), 9);
        assert!(meter.tripped(), "the tenth spend found the allowance spent");
    }

    #[test]
    fn a_spend_may_overshoot_once_then_stops() {
        let mut meter = Meter::default();
        assert!(meter.spend(0, BASE_UNITS - 1));
        assert!(meter.spend(0, CANDIDATE), "the last unit left admits a whole candidate");
        assert!(!meter.spend(0, HIT));
    }

    #[test]
    fn context_bytes_earn_nothing_and_a_refusal_is_final() {
        let per = BYTES_PER_UNIT as usize;
        let mut meter = Meter::default();
        meter.begin(100 * per);
        assert!(meter.spend(0, BASE_UNITS));
        assert!(!meter.spend(100 * per, HIT), "the context's bytes pay for nothing");
        meter.scanned(200 * per);
        assert!(meter.tripped());
        assert!(!meter.spend(0, HIT), "after a refusal the document stays cut, whatever it earned");
        assert!(meter.report_dense());
        assert!(!meter.report_dense(), "one dense-input finding per document");
    }

    #[test]
    fn values_have_their_own_pool() {
        let per = BYTES_PER_UNIT as usize;
        let mut meter = Meter::default();
        assert!(meter.spend(0, BASE_UNITS - 1), "hits spend the first pool");
        assert!(meter.may_read_values(0), "the value pool is untouched");
        meter.read_value(BASE_UNITS as usize / 2 * VALUE_BYTES_PER_UNIT);
        assert!(meter.may_read_values(2 * per), "bytes up to the horizon pay for more");
        assert!(!meter.may_read_values(0));
        assert!(meter.tripped() && !meter.spend(0, HIT));
        // Hits running out does not stop the judging of what they found before the cut.
        let mut meter = Meter::default();
        assert!(meter.spend(0, BASE_UNITS) && !meter.spend(0, HIT));
        assert!(meter.may_read_values(0));
    }

    #[test]
    fn unlimited_never_runs_out() {
        let mut meter = Meter::unlimited();
        assert!((0..100_000).all(|_| meter.spend(0, CANDIDATE)));
        meter.scanned(1 << 20);
        assert!(meter.spend(0, HIT));
    }
}
