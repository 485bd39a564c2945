//! The time of an event: a UTC instant that keeps the exact text it was written as, because that
//! text is inside the event's hash.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// An event's `time`: RFC 3339. Ward writes UTC with microseconds
/// (`2026-11-25T08:27:46.123456Z`); any valid RFC 3339 text is accepted on read and written back
/// byte for byte, so a hash computed by another writer still verifies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventTime {
    text: String,
    at: OffsetDateTime,
}

/// Why a text is not an event time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 time: {0}")]
pub struct EventTimeError(String);

impl EventTime {
    /// The form Ward writes: UTC, microseconds, `Z`.
    pub fn from_datetime(at: OffsetDateTime) -> EventTime {
        let at = at.to_offset(UtcOffset::UTC);
        let at = at.replace_nanosecond(at.microsecond() * 1_000).unwrap_or(at);
        let format =
            format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
        // Formatting a UTC instant with a four-digit year cannot fail; years past 9999 fall back
        // to RFC 3339's own formatter's error text, which `parse` would reject, so use Rfc3339.
        let text = at.format(format).or_else(|_| at.format(&Rfc3339)).unwrap_or_default();
        EventTime { text, at }
    }

    /// Parses RFC 3339 text, keeping it exactly.
    pub fn parse(text: &str) -> Result<EventTime, EventTimeError> {
        let at = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| EventTimeError(e.to_string()))?;
        Ok(EventTime { text: text.to_owned(), at })
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The instant.
    pub fn datetime(&self) -> OffsetDateTime {
        self.at
    }

    /// Microseconds since the Unix epoch (what the stores index).
    pub fn unix_micros(&self) -> i64 {
        (self.at.unix_timestamp_nanos() / 1_000) as i64
    }
}

impl Default for EventTime {
    /// The Unix epoch: the placeholder of a draft event, which the spool replaces.
    fn default() -> EventTime {
        EventTime::from_datetime(OffsetDateTime::UNIX_EPOCH)
    }
}

impl Deref for EventTime {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl AsRef<str> for EventTime {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for EventTime {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for EventTime {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl fmt::Display for EventTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for EventTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for EventTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<EventTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        EventTime::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ward_form_is_utc_microseconds() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_764_059_266_123_456_789).unwrap();
        let time = EventTime::from_datetime(at);
        assert_eq!(time.as_str(), "2025-11-25T08:27:46.123456Z");
        assert_eq!(time.unix_micros(), 1_764_059_266_123_456);
        assert_eq!(EventTime::parse(time.as_str()).unwrap(), time);
    }

    #[test]
    fn other_writers_text_is_kept() {
        let time = EventTime::parse("2026-01-02T03:04:05+02:00").unwrap();
        assert_eq!(time.as_str(), "2026-01-02T03:04:05+02:00");
        assert_eq!(time.datetime().to_offset(UtcOffset::UTC).hour(), 1);
        assert_eq!(serde_json::to_string(&time).unwrap(), "\"2026-01-02T03:04:05+02:00\"");
    }

    #[test]
    fn malformed_times_are_rejected() {
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-01-01 00:00:00", "2026-01-01T00:00:00"] {
            assert!(EventTime::parse(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<EventTime>(&format!("{bad:?}")).is_err(), "{bad}");
        }
    }
}
