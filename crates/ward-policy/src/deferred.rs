//! A value that a policy read from the compiled-policy cache decodes only when first used, so a
//! hook call that evaluates one tier does not pay for decoding the others' rules and floors.

use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{self, Serializer};
use serde::{Deserialize, Serialize};

/// Either a value built in this process, or its `postcard` encoding from the cache (already
/// authenticated with the rest of the cache file) and the value once decoded.
#[derive(Debug, Clone)]
pub(crate) enum Deferred<T> {
    Ready(T),
    Encoded { bytes: Box<[u8]>, decoded: OnceLock<Option<T>> },
}

impl<T: DeserializeOwned> Deferred<T> {
    /// The value, decoding it on first use. `None` only if authenticated bytes written by this
    /// same build fail to decode, which is a defect; callers then act fail-closed.
    pub(crate) fn get(&self) -> Option<&T> {
        match self {
            Deferred::Ready(value) => Some(value),
            Deferred::Encoded { bytes, decoded } => {
                decoded.get_or_init(|| postcard::from_bytes(bytes).ok()).as_ref()
            }
        }
    }
}

impl<T: Default> Default for Deferred<T> {
    fn default() -> Self {
        Deferred::Ready(T::default())
    }
}

/// Serialized as a byte string holding the value's own encoding, so decoding the outer
/// structure only copies these bytes.
impl<T: Serialize> Serialize for Deferred<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Deferred::Ready(value) => {
                let bytes = postcard::to_allocvec(value).map_err(ser::Error::custom)?;
                serializer.serialize_bytes(&bytes)
            }
            Deferred::Encoded { bytes, .. } => serializer.serialize_bytes(bytes),
        }
    }
}

impl<'de, T> Deserialize<'de> for Deferred<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl Visitor<'_> for BytesVisitor {
            type Value = Box<[u8]>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an encoded value as bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(v.into())
            }
        }
        let bytes = deserializer.deserialize_bytes(BytesVisitor)?;
        Ok(Deferred::Encoded { bytes, decoded: OnceLock::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_decodes_lazily() {
        let ready: Deferred<Vec<String>> = Deferred::Ready(vec!["a".into(), "b".into()]);
        let bytes = postcard::to_allocvec(&ready).unwrap();
        let back: Deferred<Vec<String>> = postcard::from_bytes(&bytes).unwrap();
        assert!(matches!(back, Deferred::Encoded { .. }));
        assert_eq!(back.get().unwrap(), &vec!["a".to_owned(), "b".to_owned()]);
        // Serializing a not-yet-decoded value writes the same bytes.
        let again: Deferred<Vec<String>> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(postcard::to_allocvec(&again).unwrap(), bytes);
    }

    #[test]
    fn undecodable_bytes_give_none() {
        let bad: Deferred<Vec<String>> =
            Deferred::Encoded { bytes: vec![0xff, 0xff, 0xff].into(), decoded: OnceLock::new() };
        assert!(bad.get().is_none());
    }
}
