//! The hash chain: the canonical byte form of an event and the hash that links it to the
//! previous event of its device.
//!
//! The definition is deliberately language-neutral so a server in any language can verify a
//! device's chain (see `docs/spool.md`):
//!
//! * **canonical JSON** is RFC 8785 (JCS): object members sorted by the UTF-16 code units of their
//!   keys, no whitespace, strings escaped minimally (`\"`, `\\`, `\b \t \n \f \r`, other control
//!   characters as `\u00xx` in lower-case hex, everything else as literal UTF-8), floats in the
//!   ECMAScript `Number.prototype.toString` form. One deviation: integers that fit in a 64-bit
//!   signed or unsigned integer are written exactly, in decimal (JCS would round them through a
//!   double first; every number Ward itself writes is far below 2^53, where both agree).
//! * **hash** of an event = lower-case hex SHA-256 of the canonical JSON of the event object with
//!   its `hash` member removed. `prev_hash` is a member, so each hash covers its predecessor's.
//! * The first event of a device has `prev_hash` = [`GENESIS_HASH`] (64 zeros).
//! * A spool line is the canonical JSON of the whole event (with `hash`) followed by `\n`, so the
//!   stored bytes are reproducible from their parsed value and any edit shows.
//!
//! The key order is implemented here rather than taken from `serde_json::Map`, whose order depends
//! on whether some crate in the build enabled serde_json's `preserve_order` feature.

use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};
use ward_model::Event;

use crate::canonical::{self, HashMember};

/// `prev_hash` of a device's first event (defined with the event, in `ward-model`).
pub use ward_model::event::GENESIS_HASH;

/// The member excluded from the hashed form.
const HASH_KEY: &str = "hash";

/// Canonical JSON bytes of `value` (see the module docs).
pub fn canonical_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    write_value(value, &mut out);
    out
}

/// Canonical JSON bytes of an object, without wrapping it in a `Value`.
pub fn canonical_object(object: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    write_object(object, None, &mut out);
    out
}

/// Hash of an event given as a JSON object: SHA-256 over its canonical form without `hash`.
pub fn hash_object(object: &Map<String, Value>) -> String {
    let mut bytes = Vec::with_capacity(512);
    write_object(object, Some(HASH_KEY), &mut bytes);
    hash_canonical(&bytes)
}

/// Hash of an event given as its canonical JSON *without* `hash` (what [`canonical_object`]
/// writes for an object that lacks the member): lets a caller that keeps those bytes hash them
/// without writing the event a second time.
pub fn hash_canonical(canonical_without_hash: &[u8]) -> String {
    hex::encode(Sha256::digest(canonical_without_hash))
}

/// Is `text` a well-formed hash: 64 lower-case hex digits?
pub fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Canonical JSON of `event` without its `hash` member: the bytes its hash is computed over, and
/// what a store keeps as the event's body. Written straight from the event
/// ([`crate::canonical`]); the same bytes as [`canonical_object`] of its `serde_json::Value`.
pub fn canonical_event(event: &Event) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(1024);
    match canonical::write_top_object(event, HashMember::Omit, &mut out) {
        Ok(()) => Ok(out),
        Err(_) => canonical_event_through_value(event),
    }
}

/// [`canonical_event`] by the definition: through a `serde_json::Value`.
fn canonical_event_through_value(event: &Event) -> Result<Vec<u8>, serde_json::Error> {
    match serde_json::to_value(event)? {
        Value::Object(object) => {
            let mut out = Vec::with_capacity(1024);
            write_object(&object, Some(HASH_KEY), &mut out);
            Ok(out)
        }
        // `Event` is a struct: serde_json always makes an object of it.
        _ => Err(serde::ser::Error::custom("an event did not serialize to a JSON object")),
    }
}

/// Computes `event.hash` from every other field and returns the spool line for it (canonical JSON
/// of the whole event and a trailing newline).
pub fn seal(event: &mut Event) -> Result<Vec<u8>, serde_json::Error> {
    let hash = hash_canonical(&canonical_event(event)?);
    let mut line = Vec::with_capacity(1024);
    if canonical::write_top_object(&*event, HashMember::Set(&hash), &mut line).is_err() {
        let mut value = serde_json::to_value(&*event)?;
        if let Some(object) = value.as_object_mut() {
            object.insert(HASH_KEY.to_owned(), Value::String(hash.clone()));
        }
        line = canonical_json(&value);
    }
    event.hash = hash;
    line.push(b'\n');
    Ok(line)
}

fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => write_number(number, out),
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        Value::Object(object) => write_object(object, None, out),
    }
}

fn write_object(object: &Map<String, Value>, skip: Option<&str>, out: &mut Vec<u8>) {
    let members = object.iter().filter(|(key, _)| Some(key.as_str()) != skip);
    out.push(b'{');
    // serde_json's map (a BTreeMap: the `preserve_order` feature is off) iterates in UTF-8 byte
    // order, which is code point order. UTF-16 code unit order differs from it only between a
    // character of U+E000..=U+FFFF and one above U+FFFF (a surrogate pair, D800..DFFF, sorts
    // below E000), so keys without either (no byte 0xEE or above) are already in canonical
    // order. Sorting every object of every event cost a quarter of ingest's preparation.
    if !object.keys().any(|key| orders_apart_in_utf16(key.as_bytes())) {
        write_members(members, out);
    } else {
        let mut sorted: Vec<(&String, &Value)> = members.collect();
        sorted.sort_by(|(a, _), (b, _)| utf16_order(a.as_bytes(), b.as_bytes()));
        write_members(sorted.into_iter(), out);
    }
    out.push(b'}');
}

/// Whether `key` holds a character where UTF-8 byte order and the canonical UTF-16 order part:
/// one from U+E000 up (a byte 0xEE or above; see [`write_object`]). Keys without one sort the
/// same either way.
pub(crate) fn orders_apart_in_utf16(key: &[u8]) -> bool {
    key.iter().any(|&byte| byte >= 0xEE)
}

/// The canonical key order, by UTF-16 code units (bytes that are not UTF-8, which no key from a
/// `&str` is, by bytes).
pub(crate) fn utf16_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(a), Ok(b)) => a.encode_utf16().cmp(b.encode_utf16()),
        _ => a.cmp(b),
    }
}

fn write_members<'a>(members: impl Iterator<Item = (&'a String, &'a Value)>, out: &mut Vec<u8>) {
    for (index, (key, member)) in members.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_string(key, out);
        out.push(b':');
        write_value(member, out);
    }
}

pub(crate) fn write_string(text: &str, out: &mut Vec<u8>) {
    write_string_bytes(text.as_bytes(), out);
}

/// [`write_string`] of text already known to be UTF-8 (the canonical writer's key stack, filled
/// from `&str`s only).
pub(crate) fn write_string_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut index = 0;
    while index < bytes.len() {
        // Eight bytes at a time while none needs escaping: most text has none, and this loop
        // was a tenth of preparing an event for ingest.
        if let Some(word) = bytes.get(index..index + 8) {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(word);
            if !any_byte_to_escape(u64::from_le_bytes(eight)) {
                index += 8;
                continue;
            }
        }
        let byte = bytes[index];
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1f => b"",
            _ => {
                index += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..index]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        index += 1;
        start = index;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether any of the eight bytes of `word` is a control character, `"` or `\\` (the bytes a
/// JSON string escapes). The usual word tricks: `(x - 0x01…) & !x & 0x80…` is non-zero exactly
/// when some byte of `x` is zero, and `(x - n·0x01…) & !x & 0x80…` when some byte is below `n`
/// (for `n` ≤ 128).
fn any_byte_to_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    (below_space | zero_in(quote) | zero_in(backslash)) != 0
}

fn write_number(number: &Number, out: &mut Vec<u8>) {
    if let Some(unsigned) = number.as_u64() {
        out.extend_from_slice(unsigned.to_string().as_bytes());
    } else if let Some(signed) = number.as_i64() {
        out.extend_from_slice(signed.to_string().as_bytes());
    } else if let Some(float) = number.as_f64() {
        out.extend_from_slice(ecmascript_number(float).as_bytes());
    } else {
        // Only reachable with serde_json's `arbitrary_precision`: keep the literal text.
        out.extend_from_slice(number.to_string().as_bytes());
    }
}

/// A finite double in the form of ECMAScript's `Number.prototype.toString` (RFC 8785 §3.2.2.3):
/// shortest round-trip digits, plain notation for exponents in [-7, 21), otherwise `d.ddde±x`.
pub fn ecmascript_number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        // JSON has no NaN or infinity; serde_json never holds them. -0 prints as 0.
        return "0".to_owned();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as `d.ddde<exp>`.
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific.as_str(), "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digit_count = digits.len() as i64;
    // ECMAScript's n: the position of the decimal point relative to the digits.
    let point = exponent + 1;
    let mut text = String::with_capacity(digits.len() + 8);
    if value < 0.0 {
        text.push('-');
    }
    if digit_count <= point && point <= 21 {
        text.push_str(&digits);
        text.extend(std::iter::repeat_n('0', (point - digit_count) as usize));
    } else if 0 < point && point <= 21 {
        let (whole, fraction) = digits.split_at(point as usize);
        text.push_str(whole);
        text.push('.');
        text.push_str(fraction);
    } else if -6 < point && point <= 0 {
        text.push_str("0.");
        text.extend(std::iter::repeat_n('0', (-point) as usize));
        text.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        text.push_str(first);
        if !rest.is_empty() {
            text.push('.');
            text.push_str(rest);
        }
        text.push('e');
        text.push(if point - 1 < 0 { '-' } else { '+' });
        text.push_str(&(point - 1).abs().to_string());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_word_test_finds_every_byte_a_string_escapes() {
        let escaped = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
        // Every pair of bytes at every pair of places among plain text and high bytes: a miss
        // would write a control character or quote unescaped.
        for filler in [b'a', 0x7f, 0xff] {
            for first in 0..=255u8 {
                for second in 0..=255u8 {
                    for (i, j) in [(0, 7), (3, 4), (7, 0), (5, 5)] {
                        let mut word = [filler; 8];
                        word[i] = first;
                        word[j] = second;
                        let expected = word.iter().any(|&b| escaped(b));
                        assert_eq!(any_byte_to_escape(u64::from_le_bytes(word)), expected, "{word:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn strings_escape_at_every_offset() {
        for length in 0..24 {
            for at in 0..length {
                for (special, escaped) in
                    [("\"", "\\\""), ("\\", "\\\\"), ("\u{1}", "\\u0001"), ("\n", "\\n")]
                {
                    let mut text = "x".repeat(length);
                    text.replace_range(at..at + 1, special);
                    let mut out = Vec::new();
                    write_string(&text, &mut out);
                    let expected = format!("\"{}{escaped}{}\"", "x".repeat(at), "x".repeat(length - at - 1));
                    assert_eq!(String::from_utf8(out).unwrap(), expected);
                }
            }
        }
    }

    #[test]
    fn numbers_follow_ecmascript() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (100.0, "100"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789.125, "123456789.125"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (-0.0, "0"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (4.5, "4.5"),
            (2e-3, "0.002"),
        ];
        for (value, expected) in cases {
            assert_eq!(ecmascript_number(*value), *expected, "{value:e}");
        }
    }

    #[test]
    fn canonical_sorts_keys_and_drops_whitespace() {
        let value: Value =
            serde_json::from_str(r#"{ "b": [1, 2.50, {"z": null, "a": true}], "a": "x\u0001\n\"\\/é😀" }"#)
                .unwrap();
        assert_eq!(
            String::from_utf8(canonical_json(&value)).unwrap(),
            "{\"a\":\"x\\u0001\\n\\\"\\\\/é😀\",\"b\":[1,2.5,{\"a\":true,\"z\":null}]}"
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        // U+FF61 sorts before U+1F600 in UTF-8 byte order but after it in UTF-16, where U+1F600
        // is the surrogate pair D83D DE00.
        let value = json!({"\u{1F600}": 1, "\u{FF61}": 2});
        assert_eq!(String::from_utf8(canonical_json(&value)).unwrap(), "{\"\u{1F600}\":1,\"\u{FF61}\":2}");
    }

    #[test]
    fn keys_in_map_order_are_written_without_sorting_only_when_that_is_the_utf16_order() {
        // Every pair of these, as two keys of one object: the written order must be the UTF-16
        // order whether the unsorted path (no key with a byte 0xEE or above) or the sorting path
        // writes it. U+D7FF..U+E000 straddle the surrogates; U+E000/U+FFFF against U+10000 is
        // where byte order and UTF-16 order disagree.
        let keys = [
            "a",
            "B",
            "é",
            "\u{7FF}",
            "\u{800}",
            "\u{D7FF}",
            "\u{E000}",
            "\u{FFFF}",
            "\u{10000}",
            "\u{1F600}",
            "\u{10FFFF}",
            "ab",
            "a\u{E000}",
        ];
        for first in keys {
            for second in keys {
                if first == second {
                    continue;
                }
                let mut object = Map::new();
                object.insert(first.to_owned(), json!(1));
                object.insert(second.to_owned(), json!(2));
                let mut expected: Vec<&str> = vec![first, second];
                expected.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
                let written = String::from_utf8(canonical_object(&object)).unwrap();
                let positions: Vec<usize> =
                    expected.iter().map(|k| written.find(&format!("\"{k}\":")).unwrap()).collect();
                assert!(positions[0] < positions[1], "{first:?} {second:?} written as {written}");
            }
        }
    }

    #[test]
    fn canonical_form_is_stable_through_a_reparse() {
        let value = json!({"f": [1e21, 1e20, 0.1, -2.5e-9, 9007199254740993u64, -7, 1e19]});
        let first = canonical_json(&value);
        let reparsed: Value = serde_json::from_slice(&first).unwrap();
        assert_eq!(canonical_json(&reparsed), first);
    }

    #[test]
    fn hash_excludes_only_the_hash_member() {
        let with = json!({"a": 1, "hash": "ignored", "prev_hash": GENESIS_HASH});
        let without = json!({"a": 1, "prev_hash": GENESIS_HASH});
        let expected = hex::encode(Sha256::digest(canonical_json(&without)));
        assert_eq!(hash_object(with.as_object().unwrap()), expected);
        let changed = json!({"a": 2, "hash": "ignored", "prev_hash": GENESIS_HASH});
        assert_ne!(hash_object(changed.as_object().unwrap()), expected);
    }

    #[test]
    fn hash_shape() {
        assert!(is_hash(GENESIS_HASH));
        assert!(!is_hash(&GENESIS_HASH[1..]));
        assert!(!is_hash(&GENESIS_HASH.replace('0', "A")));
    }
}
