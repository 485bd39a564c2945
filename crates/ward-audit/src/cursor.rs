//! Resumable chain verification: check a batch of one device's events against the chain
//! position reached so far (`(seq, hash)`), and carry the new position to the next batch. What
//! the fleet server's ingest and the stores run; no file access.

use serde::Serialize;
use serde_json::{Map, Value};
use ward_model::Event;

use crate::chain::{self, GENESIS_HASH};

/// What is wrong with an event's place in its device's chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainFindingKind {
    /// `hash` is not the hash of the event's content.
    BadHash,
    /// Seqs are missing before this event.
    Gap,
    /// `prev_hash` is not the hash of the event before it.
    BrokenLink,
    /// The chain started again at seq 1 after it had events: the spool was emptied or replaced.
    Restart,
    /// A seq at or below one already accepted (a different event than the one held there, or a
    /// late one): reordered, replayed or forked.
    Reordered,
}

impl ChainFindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChainFindingKind::BadHash => "bad_hash",
            ChainFindingKind::Gap => "gap",
            ChainFindingKind::BrokenLink => "broken_link",
            ChainFindingKind::Restart => "restart",
            ChainFindingKind::Reordered => "reordered",
        }
    }
}

/// One finding about one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainFinding {
    pub kind: ChainFindingKind,
    pub seq: u64,
    pub message: String,
}

/// The position in a device's chain: the last accepted event's seq and hash. `(0, 64 zeros)`
/// before the first event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCursor {
    pub seq: u64,
    pub hash: String,
}

impl Default for ChainCursor {
    fn default() -> ChainCursor {
        ChainCursor { seq: 0, hash: GENESIS_HASH.to_owned() }
    }
}

impl ChainCursor {
    /// Resumes at a known position (e.g. what a store recorded for the device).
    pub fn at(seq: u64, hash: impl Into<String>) -> ChainCursor {
        ChainCursor { seq, hash: hash.into() }
    }

    /// Checks `event` (hash recomputed from its content) and advances. The cursor advances past
    /// any event that extends the chain forward, even with findings, so one problem is reported
    /// once; an event at or below the current seq leaves it where it is.
    pub fn check(&mut self, event: &Event) -> Vec<ChainFinding> {
        let computed = match serde_json::to_value(event) {
            Ok(Value::Object(object)) => chain::hash_object(&object),
            // Serializing an `Event` always gives an object; an impossible failure is a bad hash.
            _ => String::new(),
        };
        self.check_parts(event.seq, &event.prev_hash, &event.hash, &computed)
    }

    /// As [`check`](Self::check), for an event given as a JSON object (its bytes as received).
    pub fn check_object(&mut self, object: &Map<String, Value>) -> Vec<ChainFinding> {
        let seq = object.get("seq").and_then(Value::as_u64).unwrap_or(0);
        let prev = object.get("prev_hash").and_then(Value::as_str).unwrap_or("");
        let hash = object.get("hash").and_then(Value::as_str).unwrap_or("");
        self.check_parts(seq, prev, hash, &chain::hash_object(object))
    }

    /// The link check given the event's seq, `prev_hash`, claimed `hash` and recomputed hash.
    pub fn check_parts(
        &mut self,
        seq: u64,
        prev_hash: &str,
        hash: &str,
        computed: &str,
    ) -> Vec<ChainFinding> {
        let mut findings = Vec::new();
        let mut finding = |kind, message: String| findings.push(ChainFinding { kind, seq, message });
        if computed != hash {
            finding(ChainFindingKind::BadHash, "the hash does not match the event's content".to_owned());
        }
        let expected = self.seq.saturating_add(1);
        if seq == expected {
            if prev_hash != self.hash {
                finding(
                    ChainFindingKind::BrokenLink,
                    format!("prev_hash is not the hash of seq {}", self.seq),
                );
            }
        } else if seq == 1 && prev_hash == GENESIS_HASH {
            finding(
                ChainFindingKind::Restart,
                format!(
                    "the chain restarted at seq 1 after seq {}: the spool was emptied or replaced",
                    self.seq
                ),
            );
        } else if seq > expected {
            let missing = if expected == seq - 1 {
                format!("seq {expected} is missing")
            } else {
                format!("seqs {expected}..={} are missing", seq - 1)
            };
            finding(ChainFindingKind::Gap, missing);
        } else {
            finding(
                ChainFindingKind::Reordered,
                format!("seq {seq} arrived after seq {}: replayed, reordered or forked", self.seq),
            );
            return findings;
        }
        self.seq = seq;
        self.hash = hash.to_owned();
        findings
    }

    /// Checks a batch in order; returns each finding with the index of its event.
    pub fn check_batch<'a>(
        &mut self,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Vec<(usize, ChainFinding)> {
        let mut all = Vec::new();
        for (index, event) in events.into_iter().enumerate() {
            all.extend(self.check(event).into_iter().map(|f| (index, f)));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_model::EventKind;

    fn chain(count: u64) -> Vec<Event> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=count)
            .map(|seq| {
                let mut event = Event::draft(EventKind::Decision);
                event.seq = seq;
                event.id = format!("id-{seq}");
                event.device = "d".into();
                event.prev_hash = prev.clone();
                chain::seal(&mut event).unwrap();
                prev = event.hash.clone();
                event
            })
            .collect()
    }

    fn kinds(findings: &[(usize, ChainFinding)]) -> Vec<(usize, &'static str)> {
        findings.iter().map(|(i, f)| (*i, f.kind.as_str())).collect()
    }

    #[test]
    fn an_intact_chain_verifies_in_resumed_batches() {
        let events = chain(10);
        let mut cursor = ChainCursor::default();
        assert!(cursor.check_batch(&events[..4]).is_empty());
        let (seq, hash) = (cursor.seq, cursor.hash.clone());
        let mut resumed = ChainCursor::at(seq, hash);
        assert!(resumed.check_batch(&events[4..]).is_empty());
        assert_eq!(resumed.seq, 10);
        assert_eq!(resumed.hash, events[9].hash);
    }

    #[test]
    fn gaps_links_edits_restarts_and_replays_are_found() {
        let events = chain(6);
        let mut cursor = ChainCursor::default();
        let batch = [&events[0], &events[1], &events[3]];
        assert_eq!(kinds(&cursor.check_batch(batch)), [(2, "gap")]);

        let mut edited = events[4].clone();
        edited.agent = Some("forged".into());
        assert_eq!(kinds(&cursor.check_batch([&edited])), [(0, "bad_hash")]);

        let mut relinked = events[5].clone();
        relinked.prev_hash = GENESIS_HASH.replace('0', "1");
        chain::seal(&mut relinked).unwrap();
        assert_eq!(kinds(&cursor.check_batch([&relinked])), [(0, "broken_link")]);

        assert_eq!(kinds(&cursor.check_batch([&events[2]])), [(0, "reordered")]);
        assert_eq!(cursor.seq, 6, "a replay does not move the cursor");

        let restarted = chain(1);
        assert_eq!(kinds(&cursor.check_batch(&restarted)), [(0, "restart")]);
        assert_eq!(cursor.seq, 1);
    }

    #[test]
    fn objects_check_like_events() {
        let events = chain(2);
        let mut cursor = ChainCursor::default();
        for event in &events {
            let Value::Object(object) = serde_json::to_value(event).unwrap() else { panic!() };
            assert!(cursor.check_object(&object).is_empty());
        }
        let Value::Object(mut object) = serde_json::to_value(&events[1]).unwrap() else { panic!() };
        object.insert("seq".into(), 3.into());
        // Claims seq 3 (content no longer matches its hash) and links to seq 1, not seq 2.
        assert_eq!(
            cursor.check_object(&object).iter().map(|f| f.kind).collect::<Vec<_>>(),
            [ChainFindingKind::BadHash, ChainFindingKind::BrokenLink]
        );
    }
}
