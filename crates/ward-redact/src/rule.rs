//! The shape of a detection rule as the data file (`rules.rs`) declares it.

/// How much a rule's findings are trusted when two rules claim overlapping text: a provider's
/// documented token format beats a structural match (URL, header, key block), which beats a
/// match that rests only on a variable being named like a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RuleKind {
    /// Assignment or command-line context ("DB_PASSWORD=…", "--password …"); extra filters
    /// reject code, references and benign random-looking values.
    Generic,
    /// Structure that carries a credential: key blocks, JWTs, headers, URLs with userinfo.
    Structural,
    /// A provider's token format with a recognisable prefix or name.
    Provider,
    /// Not a rule: text redacted whole, unjudged, because its candidates spent the scan's
    /// allowance (`meter`). Ranks above every rule so the marker says why.
    Unjudged,
}

/// Which part of the input a keyword hit lets the rule's regex look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    /// The line around the hit (at most 512 bytes either side): every single-line token.
    Line,
    /// From the hit to the end of its line (at most 512 bytes): tokens whose match starts with
    /// the keyword, so a hit inside an ordinary word (`pat` in `path`) fails within a few bytes.
    Prefix,
    /// One anchored search starting just before the identifier that contains the hit:
    /// `NAME=value` assignments, whose regex opens with a delimiter and the name.
    Assignment,
    /// Like `Assignment`, for rules whose value is a quoted literal (`name = "…"`).
    QuotedAssignment,
    /// One anchored search from the start of the hit's line: `key: value` lines.
    LineStart,
    /// From the hit up to 64 KiB on: multi-line key blocks.
    Block,
    /// One anchored search from the hit, up to 64 KiB on: multi-line entries whose match starts
    /// with the keyword (`.netrc` `machine …`, PuTTY `Private-Lines:`). Anchored, the search
    /// stops where the entry stops matching, instead of scanning 64 KiB after every hit.
    BlockFromKeyword,
    /// The generic assignment grammar (`grammar.rs`): the name around the hit, parsed by hand;
    /// the regex only documents the simplest form.
    Grammar,
}

/// One rule of the data file. `secret_group` is the capture group holding the secret; 0 means
/// "the first group that took part in the match" (for regexes that alternate between forms).
#[derive(Debug)]
pub(crate) struct RuleSpec {
    pub id: &'static str,
    pub description: &'static str,
    /// Lowercase literals; the regex only runs where one occurs (ASCII case-insensitively).
    pub keywords: &'static [&'static str],
    pub regex: &'static str,
    pub secret_group: usize,
    /// Minimum Shannon entropy (bits per byte) of the secret; 0 disables the check.
    pub min_entropy: f64,
    pub kind: RuleKind,
    pub window: Window,
    /// Substrings marking a known public example value (e.g. the jwt.io sample signature).
    pub allow: &'static [&'static str],
    /// Samples that must be found; read by the rule tests and by the adversarial benchmark's
    /// input generator (kept in the table so a rule and its proof are edited together).
    /// The expected secret is between `⟦` and `⟧`.
    pub positives: &'static [&'static str],
    /// Samples this rule must leave alone.
    #[cfg_attr(not(test), allow(dead_code))]
    pub negatives: &'static [&'static str],
}
