//! The known-answer vectors of `docs/schema.md`: each event's hash, canonical form, link, and a
//! byte-exact round trip through `ward_model::Event` (old events and a newer writer's alike).

use ward_audit::chain::{self, GENESIS_HASH};
use ward_audit::verify::verify_segment_bytes;
use ward_model::{Event, EventKind};

fn vectors() -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.md"))
        .expect("docs/schema.md");
    let start = doc.find("<!-- schema-vectors:begin -->").expect("begin marker");
    let end = doc.find("<!-- schema-vectors:end -->").expect("end marker");
    doc[start..end].lines().filter(|line| line.starts_with('{')).map(str::to_owned).collect()
}

#[test]
fn vectors_hash_link_and_round_trip() {
    let lines = vectors();
    assert_eq!(lines.len(), 5, "docs/schema.md should hold five vectors");
    let mut prev = GENESIS_HASH.to_owned();
    for (index, line) in lines.iter().enumerate() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let object = value.as_object().unwrap();
        let hash = object["hash"].as_str().unwrap();
        assert_eq!(chain::hash_object(object), hash, "vector {}: hash", index + 1);
        assert_eq!(chain::canonical_object(object), line.as_bytes(), "vector {}: canonical", index + 1);
        assert_eq!(object["seq"].as_u64(), Some(index as u64 + 1));
        assert_eq!(object["prev_hash"].as_str(), Some(prev.as_str()), "vector {}: link", index + 1);
        prev = hash.to_owned();

        // A reader of this version writes the event back byte for byte.
        let mut event: Event = serde_json::from_str(line).unwrap();
        let mut resealed = chain::seal(&mut event).unwrap();
        assert_eq!(resealed.pop(), Some(b'\n'));
        assert_eq!(String::from_utf8(resealed).unwrap(), *line, "vector {}: round trip", index + 1);
        assert_eq!(event.hash, hash);
    }
    let mut segment = lines.join("\n");
    segment.push('\n');
    let report = verify_segment_bytes(segment.as_bytes(), Some("6d1f0c3e-8a52-4b7e-9c41-0f6a2d9b7e15"));
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.events, 5);
}

#[test]
fn vectors_read_as_documented() {
    let lines = vectors();
    let events: Vec<Event> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events[0].classes, ["credentials"]);
    assert_eq!(events[0].time.unix_micros(), 1_796_281_933_166_730);
    assert_eq!(events[2].kind, EventKind::Drift);
    assert_eq!(events[3].rule_names(), ["any.no-credential-exfiltration", "sensitive.network-allowlist"]);
    let newer = &events[4];
    assert_eq!(newer.kind, EventKind::Other);
    assert_eq!(newer.kind_name(), "sandbox_escape");
    assert_eq!(newer.decision_name(), Some("quarantine"));
    assert_eq!(newer.action_name(), Some("teleport"));
    assert!(newer.unknown.contains_key("attestation"));
    assert_eq!(newer.session, None);
    // Editing what the reader does not understand still breaks the hash.
    let tampered = lines[4].replace("quote-7f3a", "quote-0000");
    let value: serde_json::Value = serde_json::from_str(&tampered).unwrap();
    assert_ne!(chain::hash_object(value.as_object().unwrap()), newer.hash);
}
