//! Preparing an event for the spool: the stored input is capped, and every string of the event
//! is redacted in one place, structurally, just before the append.
//!
//! [`redact_event`] destructures [`Event`] without `..`: a field added to the event does not
//! compile until this function says how it is redacted, so no field can reach the spool
//! verbatim by being forgotten.

use serde_json::{json, Value};
use ward_model::{Event, PathTarget, RedactionRecord, RuleMatch};
use ward_redact::Redactor;

/// Most bytes of tool input stored with an event (64 KiB of string content). A call is decided
/// on its whole payload (up to `ward_hook::MAX_PAYLOAD_BYTES`); what is stored beyond this is
/// cut, with a note, so that redaction — which must finish before the answer — is bounded.
pub const MAX_STORED_INPUT_BYTES: usize = 64 << 10;

/// Where a cut string may end early, so a token is not split in two (half a secret would not
/// match its rule and would be stored): the cut goes back to the last separator in this window,
/// and drops the window if there is none.
const CUT_WINDOW: usize = 4 << 10;

/// What [`cap_input`] cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncation {
    /// String bytes in the input as received.
    pub original_bytes: usize,
    /// String bytes kept.
    pub stored_bytes: usize,
}

impl Truncation {
    /// The note stored in the event's `detail.truncated`.
    pub fn note(&self) -> Value {
        json!({
            "original_bytes": self.original_bytes,
            "stored_bytes": self.stored_bytes,
            "why": format!("tool input over {MAX_STORED_INPUT_BYTES} bytes: decided on the whole input, stored cut"),
        })
    }
}

/// Cuts the string values of `input` so that together they hold at most `cap` bytes, in
/// document order; a cut string ends with `…[cut by Ward: N bytes not stored]`. `None` if
/// nothing was cut.
pub fn cap_input(input: &mut Value, cap: usize) -> Option<Truncation> {
    let original = string_bytes(input);
    if original <= cap {
        return None;
    }
    let mut budget = cap;
    cut_strings(input, &mut budget);
    Some(Truncation { original_bytes: original, stored_bytes: string_bytes(input) })
}

fn string_bytes(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len(),
        Value::Array(items) => items.iter().map(string_bytes).sum(),
        Value::Object(map) => map.iter().map(|(k, v)| k.len() + string_bytes(v)).sum(),
        _ => 0,
    }
}

fn cut_strings(value: &mut Value, budget: &mut usize) {
    match value {
        Value::String(s) => {
            if s.len() <= *budget {
                *budget -= s.len();
                return;
            }
            let end = cut_point(s, *budget);
            let dropped = s.len() - end;
            s.truncate(end);
            s.push_str(&format!("…[cut by Ward: {dropped} bytes not stored]"));
            *budget = 0;
        }
        Value::Array(items) => items.iter_mut().for_each(|v| cut_strings(v, budget)),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                *budget = budget.saturating_sub(key.len());
                cut_strings(v, budget);
            }
        }
        _ => {}
    }
}

/// The largest char boundary at most `limit` that ends on a separator (whitespace or shell and
/// JSON punctuation), searched back at most [`CUT_WINDOW`] bytes; else the start of the window.
fn cut_point(s: &str, limit: usize) -> usize {
    let mut end = limit.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let floor = end.saturating_sub(CUT_WINDOW);
    let bytes = s.as_bytes();
    let separator = |b: u8| b.is_ascii_whitespace() || b";&|,'\"()<>{}[]".contains(&b);
    match (floor..end).rev().find(|&i| separator(bytes[i])) {
        Some(i) => i + 1,
        None => {
            let mut at = floor;
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            at
        }
    }
}

/// Redacts every string the event holds (see the module docs) and adds the findings to
/// `event.redactions`.
pub fn redact_event(event: &mut Event, redactor: &Redactor) {
    let Event {
        // Set by the spool from Ward's own state, after this runs.
        schema_version: _,
        id: _,
        seq: _,
        device: _,
        time: _,
        prev_hash: _,
        hash: _,
        // Enums: no free text.
        kind: _,
        action: _,
        decision: _,
        agent,
        session,
        cwd,
        repo,
        tier,
        tool,
        paths,
        classes,
        hosts,
        rule,
        reason,
        matched,
        redactions,
        input,
        detail,
        unknown,
    } = event;
    let found = std::cell::RefCell::new(Vec::new());
    let mut text = |s: &mut String| {
        let r = redactor.redact_text(s);
        if !r.findings.is_empty() {
            found.borrow_mut().extend(r.findings.iter().map(|f| f.record()));
            *s = r.output;
        }
    };
    for field in [agent, session, cwd, repo, tier, tool, rule, reason] {
        if let Some(s) = field.as_mut() {
            text(s);
        }
    }
    for PathTarget { path, access: _ } in paths.iter_mut() {
        text(path);
    }
    for RuleMatch { rule, decision: _, reason } in matched.iter_mut() {
        text(rule);
        text(reason);
    }
    classes.iter_mut().for_each(&mut text);
    hosts.iter_mut().for_each(&mut text);
    // Members a newer writer added: Ward itself sets none, but whatever is there is redacted.
    for value in unknown.values_mut().chain([input, detail]) {
        match value {
            // Text stays text: a payload Ward could not parse is stored as a string.
            Value::String(s) => text(s),
            value => {
                redact_keys(value, &mut text);
                let findings = redactor.redact_json_value(value);
                found.borrow_mut().extend(findings.iter().map(|f| f.record()));
            }
        }
    }
    // Members a newer writer added are redacted like the tool input.
    for value in unknown.values_mut() {
        match value {
            Value::String(s) => text(s),
            value => {
                redact_keys(value, &mut text);
                let findings = redactor.redact_json_value(value);
                found.borrow_mut().extend(findings.iter().map(|f| f.record()));
            }
        }
    }
    // Records Ward made (rule names and keyed fingerprints) need no redaction.
    let _: &mut Vec<RedactionRecord> = redactions;
    redactions.extend(found.into_inner());
}

/// Object keys are names, but an attacker can put a secret in one (`{"AKIA…": 1}`): a key that
/// redaction changes is replaced by its redacted form.
fn redact_keys(value: &mut Value, text: &mut impl FnMut(&mut String)) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| redact_keys(v, text)),
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (mut key, mut v) in old {
                text(&mut key);
                redact_keys(&mut v, text);
                map.insert(key, v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use ward_model::{Action, Decision, EventKind};
    use ward_redact::FingerprintKey;

    use super::*;

    const TOKEN: &str = "ghp_R4nd0mT0kenV4lue1234567890abcdefABCD";

    #[test]
    fn every_string_field_is_redacted() {
        let redactor = Redactor::new(FingerprintKey::from_bytes(&[7; 32]));
        let mut event = ward_audit::draft_event(EventKind::Decision);
        let secret = |prefix: &str| format!("{prefix} {TOKEN}");
        event.agent = Some(secret("agent"));
        event.session = Some(secret("session"));
        // (A token followed by `/` or preceded by `_` is the redaction engine's matter, tested
        // there; this test is about every field reaching it.)
        event.cwd = Some(format!("/home/u/{TOKEN}"));
        event.repo = Some(secret("repo"));
        event.tier = Some(secret("tier"));
        event.tool = Some(secret("mcp__x__"));
        event.action = Some(Action::Exec);
        event.paths = vec![PathTarget { path: format!("/tmp/{TOKEN}"), access: ward_model::Access::Read }];
        event.classes = vec![secret("class")];
        event.hosts = vec![secret("host")];
        event.decision = Some(Decision::Allow);
        event.rule = Some(secret("rule"));
        event.reason = Some(secret("reason"));
        event.input = json!({ "command": secret("echo"), TOKEN: [secret("x")] });
        event.detail =
            json!({ "tier_why": format!("path /src/{TOKEN} matches"), "event": secret("PreToolUse") });
        redact_event(&mut event, &redactor);
        let stored = serde_json::to_string(&event).unwrap();
        assert!(!stored.contains(TOKEN), "{stored}");
        assert!(event.redactions.len() >= 14, "{}", event.redactions.len());
    }

    #[test]
    fn input_is_capped_without_splitting_a_token() {
        let word = format!("{TOKEN} ");
        let mut input = json!({ "command": word.repeat(4000) });
        let cut = cap_input(&mut input, 10_000).expect("over the cap");
        assert_eq!(cut.original_bytes, word.len() * 4000 + "command".len());
        assert!(cut.stored_bytes <= 10_000 + 64, "{cut:?}");
        let kept = input["command"].as_str().unwrap();
        let body = kept.split('…').next().unwrap();
        assert!(body.split(' ').filter(|w| !w.is_empty()).all(|w| w == TOKEN), "a token was split");
        assert!(kept.contains("bytes not stored]"));
        assert_eq!(cap_input(&mut json!({"a": "b"}), 10), None);
    }

    #[test]
    fn cut_never_splits_a_character_or_keeps_an_unbroken_run() {
        let s = "é".repeat(10_000);
        let at = cut_point(&s, 9_999);
        assert!(s.is_char_boundary(at));
        assert!(at <= 9_999 - CUT_WINDOW + 1);
    }
}
