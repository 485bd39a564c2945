//! Canonical JSON (the chain's form, [`crate::chain`]) written straight from a `Serialize` value,
//! without building a `serde_json::Value` tree first.
//!
//! Why by hand: building the tree (a `String` per member and per string, a `BTreeMap` per
//! object), writing it and dropping it was about half of the server's preparation of an event
//! for ingest, most of it in the allocator (perf on `store_bench`, 2026-12-05). This writer
//! puts each member's bytes straight into the output, remembers where each one starts, and
//! reorders an object's members in place when the value gave them out of canonical order.
//!
//! It must write exactly what `chain::canonical_json(&serde_json::to_value(x))` writes, which
//! is the chain's definition: the tests below compare the two on events and on random JSON.
//! Where `serde_json::to_value` would do something this writer does not model (a map key that is
//! not a string, a 128-bit integer, serde_json's private structs, a top-level variant named
//! `hash`), or a `Serialize` impl breaks serde's protocol (a key without its value, an error
//! dropped and written past), it gives up with an error and the caller takes the tree path, so
//! the result is always the definition's. An adversarial review (2026-12-05) found the cases
//! after the first two; each has a test below.

use std::cmp::Ordering;
use std::fmt::Display;
use std::ops::Range;

use serde::ser::{self, Serialize};

use crate::chain::{ecmascript_number, orders_apart_in_utf16, utf16_order, write_string, write_string_bytes};

/// Why the direct writer gave up: the caller then writes the value through `serde_json::Value`.
#[derive(Debug)]
pub struct Unsupported(String);

impl Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: Display>(message: T) -> Self {
        Unsupported(message.to_string())
    }
}

/// What to do with the top-level object's `hash` member.
#[derive(Clone, Copy)]
pub(crate) enum HashMember<'a> {
    /// Leave it out (the hashed form).
    Omit,
    /// Write this value in its place (a sealed spool line).
    Set(&'a str),
}

/// Canonical JSON of `value`, a JSON object at the top, with its `hash` member as `hash` says.
pub(crate) fn write_top_object<T: Serialize + ?Sized>(
    value: &T,
    hash: HashMember<'_>,
    out: &mut Vec<u8>,
) -> Result<(), Unsupported> {
    let mut writer = Writer {
        out,
        keys: Vec::with_capacity(256),
        members: Vec::with_capacity(32),
        top: Some(hash),
        scratch: Vec::new(),
        failed: false,
    };
    value.serialize(&mut writer)?;
    // A `Serialize` impl that ignored an error and went on has left partial bytes behind.
    if writer.failed {
        return Err(Unsupported("a value went on after an error".into()));
    }
    Ok(())
}

/// One member of an object being written: its key (raw text, in `Writer::keys`) and its bytes
/// in the output (`"key":value`, no comma).
struct Member {
    key: Range<usize>,
    bytes: Range<usize>,
    /// The key's first 8 bytes, big-endian, zero-padded: byte order on these is the key order
    /// of most pairs, so sorting rarely compares whole keys.
    prefix: u64,
}

impl Member {
    fn new(keys: &[u8], key: Range<usize>, bytes: Range<usize>) -> Member {
        let mut head = [0u8; 8];
        let text = &keys[key.clone()];
        let length = text.len().min(8);
        head[..length].copy_from_slice(&text[..length]);
        Member { key, bytes, prefix: u64::from_be_bytes(head) }
    }
}

struct Writer<'o> {
    out: &'o mut Vec<u8>,
    /// The raw keys of the objects being written, innermost last (a stack: an object truncates
    /// it back when it ends).
    keys: Vec<u8>,
    /// Their members, innermost last (a stack, as `keys`).
    members: Vec<Member>,
    /// For the next object only (the top-level one): what to do with `hash`.
    top: Option<HashMember<'o>>,
    /// An object's members while they are put in order (reused: objects end one at a time).
    scratch: Vec<u8>,
    /// Whether any part of the value failed (see [`Writer::failed`]): the whole write then fails,
    /// even if the value's own `Serialize` dropped the error and went on.
    failed: bool,
}

/// Canonical key order ([`utf16_order`]); `wide` says whether any key of the object needs the
/// UTF-16 comparison ([`orders_apart_in_utf16`]), and without one byte order is the same.
fn key_order(keys: &[u8], a: &Member, b: &Member, wide: bool) -> Ordering {
    let (a_text, b_text) = (&keys[a.key.clone()], &keys[b.key.clone()]);
    if wide {
        return utf16_order(a_text, b_text);
    }
    // A zero byte pads the prefix and can also be a key's own: equal prefixes compare whole.
    a.prefix.cmp(&b.prefix).then_with(|| a_text.cmp(b_text))
}

/// An object being written: where its members start in the output and in the stacks.
struct Object<'w, 'o> {
    writer: &'w mut Writer<'o>,
    /// Just after the `{`.
    body: usize,
    first_key: usize,
    first_member: usize,
    hash: Option<HashMember<'o>>,
    /// Whether the top level's `HashMember::Set` value is written (in place of the value's own).
    hash_written: bool,
    /// The key of the member whose value comes next (`serialize_key` then `serialize_value`).
    pending: Option<Slot>,
}

/// A member whose key is written and whose value comes next.
struct Slot {
    /// The key's text on the key stack.
    key: Range<usize>,
    /// Where the member starts in the output, before its comma (to take it back out).
    before: usize,
    /// Where its `"key":` starts.
    start: usize,
}

impl<'w, 'o> Object<'w, 'o> {
    fn begin(writer: &'w mut Writer<'o>) -> Object<'w, 'o> {
        let hash = writer.top.take();
        writer.out.push(b'{');
        Object {
            body: writer.out.len(),
            first_key: writer.keys.len(),
            first_member: writer.members.len(),
            hash,
            hash_written: false,
            pending: None,
            writer,
        }
    }

    /// Records `key` and writes `"key":`.
    fn key(&mut self, key: &str) -> Slot {
        let start = self.writer.keys.len();
        self.writer.keys.extend_from_slice(key.as_bytes());
        self.write_key(start)
    }

    /// As [`Object::key`], for a map's key of any type (text only, see [`KeyText`]).
    fn key_of<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<Slot, Unsupported> {
        let start = self.writer.keys.len();
        if let Err(error) = key.serialize(KeyText { keys: &mut self.writer.keys }) {
            self.writer.failed = true;
            return Err(error);
        }
        Ok(self.write_key(start))
    }

    /// Writes the key recorded from `start` as `"key":`, after a comma unless it is the first.
    fn write_key(&mut self, start: usize) -> Slot {
        let Writer { out, keys, .. } = &mut *self.writer;
        let before = out.len();
        if before > self.body {
            out.push(b',');
        }
        let bytes_start = out.len();
        // The key stack holds only text pushed from `&str`s.
        write_string_bytes(&keys[start..], out);
        out.push(b':');
        Slot { key: start..keys.len(), before, start: bytes_start }
    }

    /// Writes the value of the member in `slot`. The top level's `hash` is taken back out
    /// (`HashMember::Omit`) or written with the given value (`Set`) where the value has it, so
    /// an event, whose members come in canonical order, needs no reordering for either.
    fn value<T: Serialize + ?Sized>(&mut self, slot: Slot, value: &T) -> Result<(), Unsupported> {
        let value_start = self.writer.out.len();
        // Written even where it is replaced: a value serde_json could not hold fails here too.
        self.writer.fallible(|writer| value.serialize(writer))?;
        match self.hash {
            Some(hash) if self.writer.keys[slot.key.clone()] == *b"hash" => match hash {
                HashMember::Omit => {
                    self.writer.out.truncate(slot.before);
                    self.writer.keys.truncate(slot.key.start);
                    return Ok(());
                }
                HashMember::Set(hash) => {
                    self.writer.out.truncate(value_start);
                    write_string(hash, self.writer.out);
                    self.hash_written = true;
                }
            },
            _ => {}
        }
        self.writer.member_written(slot);
        Ok(())
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unsupported> {
        let slot = self.key(key);
        self.value(slot, value)
    }

    /// Puts the members in canonical order (the last of equal keys kept, as a map keeps the
    /// last value inserted), applies the top level's `hash` rule, and closes the object.
    fn end(mut self) -> Result<(), Unsupported> {
        if self.pending.is_some() {
            return Err(self.writer.fail("a map ended after a key without its value".into()));
        }
        if let (Some(HashMember::Set(value)), false) = (self.hash, self.hash_written) {
            let slot = self.key("hash");
            write_string(value, self.writer.out);
            self.writer.member_written(slot);
        }
        let Object { writer, body, first_key, first_member, .. } = self;
        let keys = &writer.keys;
        // This object's keys are the stack above `first_key` (its members' are popped).
        let wide = orders_apart_in_utf16(&keys[first_key..]);
        let members = &mut writer.members[first_member..];
        let in_order =
            members.windows(2).all(|pair| key_order(keys, &pair[0], &pair[1], wide) == Ordering::Less);
        if !in_order {
            // Stable: of equal keys the last written is last, and the one kept.
            members.sort_by(|a, b| key_order(keys, a, b, wide));
            let mut body_bytes = std::mem::take(&mut writer.scratch);
            body_bytes.clear();
            body_bytes.extend_from_slice(&writer.out[body..]);
            writer.out.truncate(body);
            let mut index = 0;
            while index < members.len() {
                let member = &members[index];
                let key = &keys[member.key.clone()];
                let last_of_key = members.get(index + 1).is_none_or(|next| keys[next.key.clone()] != *key);
                index += 1;
                if !last_of_key {
                    continue;
                }
                if writer.out.len() > body {
                    writer.out.push(b',');
                }
                writer.out.extend_from_slice(&body_bytes[member.bytes.start - body..member.bytes.end - body]);
            }
            writer.scratch = body_bytes;
        }
        writer.keys.truncate(first_key);
        writer.members.truncate(first_member);
        writer.out.push(b'}');
        Ok(())
    }
}

/// An array being written.
struct Array<'w, 'o> {
    writer: &'w mut Writer<'o>,
    first: bool,
}

impl<'w, 'o> Array<'w, 'o> {
    fn begin(writer: &'w mut Writer<'o>) -> Array<'w, 'o> {
        writer.top = None;
        writer.out.push(b'[');
        Array { writer, first: true }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        if !self.first {
            self.writer.out.push(b',');
        }
        self.first = false;
        self.writer.fallible(|writer| value.serialize(writer))
    }

    fn end(self) {
        self.writer.out.push(b']');
    }
}

impl Writer<'_> {
    /// Runs one part of the value, remembering a failure (see [`Writer::failed`]).
    fn fallible(
        &mut self,
        part: impl FnOnce(&mut Self) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        let result = part(self);
        self.failed |= result.is_err();
        result
    }

    /// An error of this writer's own, remembered as [`Writer::fallible`] does.
    fn fail(&mut self, message: String) -> Unsupported {
        self.failed = true;
        Unsupported(message)
    }

    // A scalar leaves `top` as it is: at the top it is the whole value, so no object follows.
    fn scalar(&mut self, bytes: &[u8]) -> Result<(), Unsupported> {
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    /// An integer, exactly (`i64` and `u64` both write their decimal digits).
    fn integer(&mut self, value: impl Display) -> Result<(), Unsupported> {
        self.scalar(value.to_string().as_bytes())
    }

    fn float(&mut self, value: f64) -> Result<(), Unsupported> {
        // serde_json::to_value makes a non-finite float `null`.
        if !value.is_finite() {
            return self.scalar(b"null");
        }
        self.scalar(ecmascript_number(value).as_bytes())
    }

    fn string(&mut self, value: &str) -> Result<(), Unsupported> {
        write_string(value, self.out);
        Ok(())
    }

    /// Records the member in `slot` as ending here, for its object's `end` to order.
    fn member_written(&mut self, slot: Slot) {
        let member = Member::new(&self.keys, slot.key, slot.start..self.out.len());
        self.members.push(member);
    }
}

/// A tuple or struct variant named `hash` as the top-level value: its one member is written
/// without [`Object::value`]'s `hash` rule, so it is left to the tree path (no event is one).
fn refuse_top_level_hash_variant(writer: &mut Writer<'_>, variant: &str) -> Result<(), Unsupported> {
    if writer.top.is_some() && variant == "hash" {
        return Err(writer.fail("a top-level variant named hash".into()));
    }
    Ok(())
}

/// `{"variant": …}`, as serde_json writes an enum's data-carrying variant.
struct Variant<'w, 'o, Inner> {
    outer: Object<'w, 'o>,
    slot: Slot,
    inner: Inner,
}

/// The serializer's integer methods of 64 bits or fewer, each written by `Writer::integer`.
macro_rules! integers {
    ($($method:ident($integer:ty)),* $(,)?) => {
        $(fn $method(self, value: $integer) -> Result<(), Unsupported> {
            self.integer(value)
        })*
    };
}

impl<'a, 'o> ser::Serializer for &'a mut Writer<'o> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Array<'a, 'o>;
    type SerializeTuple = Array<'a, 'o>;
    type SerializeTupleStruct = Array<'a, 'o>;
    type SerializeTupleVariant = VariantArray<'a, 'o>;
    type SerializeMap = Object<'a, 'o>;
    type SerializeStruct = Object<'a, 'o>;
    type SerializeStructVariant = VariantObject<'a, 'o>;

    fn serialize_bool(self, value: bool) -> Result<(), Unsupported> {
        self.scalar(if value { b"true" } else { b"false" })
    }
    integers!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
    );
    fn serialize_i128(self, value: i128) -> Result<(), Unsupported> {
        match i64::try_from(value) {
            Ok(value) => self.integer(value),
            Err(_) => Err(Unsupported("a 128-bit integer".into())),
        }
    }
    fn serialize_u128(self, value: u128) -> Result<(), Unsupported> {
        match u64::try_from(value) {
            Ok(value) => self.integer(value),
            Err(_) => Err(Unsupported("a 128-bit integer".into())),
        }
    }
    fn serialize_f32(self, value: f32) -> Result<(), Unsupported> {
        self.float(value.into())
    }
    fn serialize_f64(self, value: f64) -> Result<(), Unsupported> {
        self.float(value)
    }
    fn serialize_char(self, value: char) -> Result<(), Unsupported> {
        self.string(value.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, value: &str) -> Result<(), Unsupported> {
        self.string(value)
    }
    fn serialize_bytes(self, value: &[u8]) -> Result<(), Unsupported> {
        // serde_json: an array of numbers.
        let mut array = Array::begin(self);
        for byte in value {
            ser::SerializeSeq::serialize_element(&mut array, byte)?;
        }
        array.end();
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.scalar(b"null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.scalar(b"null")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Unsupported> {
        self.scalar(b"null")
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        let mut object = Object::begin(self);
        object.entry(variant, value)?;
        object.end()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a, 'o>, Unsupported> {
        Ok(Array::begin(self))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Array<'a, 'o>, Unsupported> {
        Ok(Array::begin(self))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Array<'a, 'o>, Unsupported> {
        Ok(Array::begin(self))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantArray<'a, 'o>, Unsupported> {
        refuse_top_level_hash_variant(self, variant)?;
        let mut outer = Object::begin(self);
        let slot = outer.key(variant);
        // The inner array is written through the outer object's writer, then recorded as its
        // one member at `end`.
        outer.writer.out.push(b'[');
        Ok(Variant { outer, slot, inner: true })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a, 'o>, Unsupported> {
        Ok(Object::begin(self))
    }
    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Object<'a, 'o>, Unsupported> {
        // serde_json's own tokens (a `RawValue`, an arbitrary-precision number) are values that
        // `to_value` turns back into JSON, not structs.
        if name.starts_with("$serde_json::private::") {
            return Err(self.fail(format!("serde_json's private struct {name}")));
        }
        Ok(Object::begin(self))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantObject<'a, 'o>, Unsupported> {
        refuse_top_level_hash_variant(self, variant)?;
        let mut outer = Object::begin(self);
        let slot = outer.key(variant);
        let inner = InnerObject::begin(outer.writer);
        Ok(Variant { outer, slot, inner })
    }
}

/// `{"variant":[…]}`: `inner` says whether no element has been written yet.
type VariantArray<'w, 'o> = Variant<'w, 'o, bool>;
/// `{"variant":{…}}`.
type VariantObject<'w, 'o> = Variant<'w, 'o, InnerObject>;

/// The positions of an object nested in a variant's outer object (which holds the writer).
struct InnerObject {
    body: usize,
    first_key: usize,
    first_member: usize,
}

impl InnerObject {
    /// The inner object over the outer one's writer, for one field or its end.
    fn object<'w, 'o>(&self, writer: &'w mut Writer<'o>) -> Object<'w, 'o> {
        Object {
            writer,
            body: self.body,
            first_key: self.first_key,
            first_member: self.first_member,
            hash: None,
            hash_written: false,
            pending: None,
        }
    }

    fn begin(writer: &mut Writer<'_>) -> InnerObject {
        writer.out.push(b'{');
        InnerObject {
            body: writer.out.len(),
            first_key: writer.keys.len(),
            first_member: writer.members.len(),
        }
    }
}

impl ser::SerializeTupleVariant for VariantArray<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        if !self.inner {
            self.outer.writer.out.push(b',');
        }
        self.inner = false;
        self.outer.writer.fallible(|writer| value.serialize(writer))
    }
    fn end(self) -> Result<(), Unsupported> {
        self.outer.writer.out.push(b']');
        self.outer.writer.member_written(self.slot);
        self.outer.end()
    }
}

impl ser::SerializeStructVariant for VariantObject<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.inner.object(self.outer.writer).entry(key, value)
    }
    fn end(self) -> Result<(), Unsupported> {
        let Variant { outer, slot, inner } = self;
        inner.object(outer.writer).end()?;
        outer.writer.member_written(slot);
        outer.end()
    }
}

/// The three array-like shapes serde tells apart and JSON does not.
macro_rules! array_shape {
    ($shape:ident, $element:ident) => {
        impl ser::$shape for Array<'_, '_> {
            type Ok = ();
            type Error = Unsupported;
            fn $element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
                self.element(value)
            }
            fn end(self) -> Result<(), Unsupported> {
                Array::end(self);
                Ok(())
            }
        }
    };
}
array_shape!(SerializeSeq, serialize_element);
array_shape!(SerializeTuple, serialize_element);
array_shape!(SerializeTupleStruct, serialize_field);

impl ser::SerializeMap for Object<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        if self.pending.is_some() {
            return Err(self.writer.fail("a map key after a key".into()));
        }
        self.pending = Some(self.key_of(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        let Some(slot) = self.pending.take() else {
            return Err(self.writer.fail("a map value without its key".into()));
        };
        self.value(slot, value)
    }
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Unsupported> {
        let slot = self.key_of(key)?;
        self.value(slot, value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Object::end(self)
    }
}

impl ser::SerializeStruct for Object<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.entry(key, value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Object::end(self)
    }
}

/// A map key as text, pushed onto the key stack. Only strings and characters: any other key
/// (serde_json turns numbers and booleans into text, and refuses the rest) is left to the tree
/// path, as are serde_json's private tokens for numbers and raw values (features Ward does not
/// enable, under which a number serializes as a one-member map).
struct KeyText<'k> {
    keys: &'k mut Vec<u8>,
}

/// `KeyText`'s refusals of the scalar shapes that are not text.
macro_rules! refuse_as_key {
    ($($method:ident($($argument:ty)?)),* $(,)?) => {
        $(fn $method(self $(, _: $argument)?) -> Result<(), Unsupported> {
            Err(not_text())
        })*
    };
}

impl ser::Serializer for KeyText<'_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeTuple = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeTupleStruct = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeMap = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeStruct = ser::Impossible<Self::Ok, Unsupported>;
    type SerializeStructVariant = ser::Impossible<Self::Ok, Unsupported>;

    refuse_as_key!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
        serialize_none(),
        serialize_unit(),
    );

    fn serialize_str(self, value: &str) -> Result<Self::Ok, Unsupported> {
        if value.starts_with("$serde_json::private::") {
            return Err(Unsupported(format!("serde_json's private key {value}")));
        }
        self.keys.extend_from_slice(value.as_bytes());
        Ok(())
    }
    fn serialize_char(self, value: char) -> Result<Self::Ok, Unsupported> {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Self::Ok, Unsupported> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Unsupported> {
        value.serialize(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Self::Ok, Unsupported> {
        Err(not_text())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Unsupported> {
        Err(not_text())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(not_text())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(not_text())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(not_text())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(not_text())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(not_text())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Unsupported> {
        Err(not_text())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(not_text())
    }
}

fn not_text() -> Unsupported {
    Unsupported("a map key that is not text".into())
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::{json, Map, Value};
    use ward_model::Event;

    use super::*;
    use crate::chain::{canonical_json, canonical_object};

    /// The definition: through `serde_json::Value`, with `hash` left out at the top.
    fn by_definition<T: Serialize>(value: &T) -> Vec<u8> {
        match serde_json::to_value(value).unwrap() {
            Value::Object(mut object) => {
                object.remove("hash");
                canonical_object(&object)
            }
            other => canonical_json(&other),
        }
    }

    fn direct<T: Serialize>(value: &T) -> Vec<u8> {
        let mut out = Vec::new();
        write_top_object(value, HashMember::Omit, &mut out).unwrap();
        out
    }

    fn assert_same<T: Serialize>(value: &T) {
        let expected = by_definition(value);
        let got = direct(value);
        assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&expected));
    }

    /// A small deterministic generator (xorshift), so a failure names its seed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        /// Text drawn from the characters where canonical forms differ: escapes, control
        /// characters, and the UTF-8/UTF-16 order boundaries.
        fn text(&mut self) -> String {
            const PIECES: &[&str] = &[
                "a",
                "b",
                "hash",
                "z",
                "\"",
                "\\",
                "\n",
                "\u{1}",
                "\u{1f}",
                "\u{7f}",
                "é",
                "\u{7ff}",
                "\u{d7ff}",
                "\u{e000}",
                "\u{ffff}",
                "\u{10000}",
                "😀",
                "\u{10ffff}",
                "/",
                " ",
                "id",
            ];
            (0..self.below(4)).map(|_| PIECES[self.below(PIECES.len() as u64) as usize]).collect()
        }
        fn value(&mut self, depth: u32) -> Value {
            match self.below(if depth == 0 { 5 } else { 7 }) {
                0 => Value::Null,
                1 => Value::Bool(self.below(2) == 0),
                2 => match self.below(4) {
                    0 => json!(self.next()),
                    1 => json!(-(self.below(1 << 62) as i64)),
                    2 => json!(f64::from_bits(self.next())).clone(),
                    _ => json!((self.below(2000) as f64 - 1000.0) / 8.0),
                },
                3 | 4 => Value::String(self.text()),
                5 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
                _ => {
                    Value::Object((0..self.below(5)).map(|_| (self.text(), self.value(depth - 1))).collect())
                }
            }
        }
    }

    #[test]
    fn random_json_writes_as_the_definition() {
        for seed in 1..3_000u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
            let value = rng.value(4);
            let expected = by_definition(&value);
            assert_eq!(direct(&value), expected, "seed {seed}: {value}");
        }
    }

    #[test]
    fn events_write_as_the_definition() {
        let mut rng = Rng(0x5eed);
        for round in 0..500 {
            let mut object: Map<String, Value> = serde_json::from_value(json!({
                "schema_version": 1, "id": "e-1", "seq": round + 1, "device": "d\u{e000}", "time": "2026-12-05T10:00:00.000001Z",
                "kind": if round % 5 == 0 { "a_newer_kind" } else { "decision" },
                "agent": "codex", "cwd": "/w/\u{10000}", "tool": "shell", "action": "exec",
                "paths": [{"path": "~/.ssh/id_rsa", "access": "read"}],
                "classes": ["credential"], "decision": "deny", "rule": "r", "reason": "\"why\"",
                "matched": [{"rule": "r", "decision": "deny", "reason": "x"}],
                "redactions": [{"rule": "aws", "fingerprint": "fp"}],
                "input": rng.value(3), "detail": rng.value(2),
                "prev_hash": "0".repeat(64), "hash": "f".repeat(64),
            }))
            .unwrap();
            // Members a newer writer added, sorting among the known ones and `hash`.
            for _ in 0..rng.below(4) {
                let key = rng.text();
                if !ward_model::event::KNOWN_FIELDS.contains(&key.as_str()) {
                    object.insert(key, rng.value(2));
                }
            }
            let event: Event = serde_json::from_value(Value::Object(object)).unwrap();
            assert_same(&event);
            let mut sealed = event.clone();
            let line = crate::chain::seal(&mut sealed).unwrap();
            let mut value = serde_json::to_value(&sealed).unwrap();
            value.as_object_mut().unwrap().insert("hash".into(), Value::String(sealed.hash.clone()));
            let mut expected = canonical_json(&value);
            expected.push(b'\n');
            assert_eq!(line, expected, "round {round}");
        }
    }

    /// The fuzz target's checks on seeded mutations of an event's JSON (bytes changed, dropped
    /// or repeated), so `cargo test` runs them too.
    #[test]
    fn mutated_events_pass_the_fuzz_checks() {
        let base = br#"{"schema_version":1,"id":"e","seq":3,"device":"d","time":"2026-12-05T10:00:00Z","kind":"decision","paths":[{"path":"a","access":"read"}],"input":{"b":[1,2.5,"\u0001"],"a":{"\u00e9":null}},"prev_hash":"00","hash":"ff","zz":{"k":1e300}}"#;
        assert!(serde_json::from_slice::<Event>(base).is_ok(), "the seed is an event: the event checks run");
        crate::fuzz_canonical(base);
        let mut rng = Rng(0xfeed);
        const BYTES: &[u8] = b"{}[]\",:0129.eE-+ abhz\\u\xee\x80\xef\xbf\xbf";
        for _ in 0..5_000 {
            let mut bytes = base.to_vec();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len() as u64) as usize;
                match rng.below(3) {
                    0 => bytes[at] = BYTES[rng.below(BYTES.len() as u64) as usize],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => {
                        let piece = bytes[at..(at + 1 + rng.below(8) as usize).min(bytes.len())].to_vec();
                        bytes.splice(at..at, piece);
                    }
                }
            }
            crate::fuzz_canonical(&bytes);
        }
    }

    /// What an adversarial review found: each is refused (the tree path then writes the
    /// definition's bytes, or fails as it does), never written differently.
    #[test]
    fn malformed_or_unmodelled_values_are_refused() {
        use serde::ser::{SerializeMap, SerializeSeq};
        #[allow(non_camel_case_types)]
        #[derive(Serialize)]
        enum Named {
            hash(u8, u8),
        }
        #[derive(Serialize)]
        enum Struct {
            #[allow(non_camel_case_types)]
            hash { a: u8 },
        }
        let refused = |value: &dyn erased::Value| {
            for mode in [HashMember::Omit, HashMember::Set("h")] {
                let mut out = Vec::new();
                assert!(value.write(mode, &mut out).is_err(), "{}", String::from_utf8_lossy(&out));
            }
        };
        // A top-level tuple or struct variant named `hash`.
        refused(&Named::hash(1, 2));
        refused(&Struct::hash { a: 1 });
        // The top-level `hash` holding what serde_json cannot: the tree path fails as well.
        let mut map = std::collections::BTreeMap::new();
        map.insert("hash", u128::MAX);
        refused(&map);
        // Map calls out of order, and errors a `Serialize` impl dropped and went on from.
        struct KeyTwice;
        impl Serialize for KeyTwice {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(None)?;
                let _ = map.serialize_key("a");
                let _ = map.serialize_key("b");
                let _ = map.serialize_value(&1);
                map.end()
            }
        }
        refused(&KeyTwice);
        struct KeyWithoutValue;
        impl Serialize for KeyWithoutValue {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("b", &1)?;
                map.serialize_key("a")?;
                map.end()
            }
        }
        refused(&KeyWithoutValue);
        struct DroppedError;
        impl Serialize for DroppedError {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut seq = serializer.serialize_seq(None)?;
                seq.serialize_element(&1)?;
                let _ = seq.serialize_element(&(1u8, u128::MAX));
                seq.serialize_element(&2)?;
                seq.end()
            }
        }
        refused(&DroppedError);
        // serde_json's private struct (what a `RawValue` serializes as).
        struct Raw;
        impl Serialize for Raw {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let mut raw = serializer.serialize_struct("$serde_json::private::RawValue", 1)?;
                raw.serialize_field("$serde_json::private::RawValue", "[1]")?;
                raw.end()
            }
        }
        refused(&Raw);
        // A newtype variant named `hash` goes through the member path and is written.
        #[allow(non_camel_case_types)]
        #[derive(Serialize)]
        enum Newtype {
            hash(u8),
        }
        assert_same(&Newtype::hash(1));
    }

    /// `&dyn` over the writer's generic entry point, for a list of differently typed values.
    mod erased {
        use super::super::{write_top_object, HashMember, Unsupported};
        pub trait Value {
            fn write(&self, mode: HashMember<'_>, out: &mut Vec<u8>) -> Result<(), Unsupported>;
        }
        impl<T: serde::Serialize> Value for T {
            fn write(&self, mode: HashMember<'_>, out: &mut Vec<u8>) -> Result<(), Unsupported> {
                write_top_object(self, mode, out)
            }
        }
    }

    /// A hostile agent's tool input, as the hook seals it: keys named like the chain's own
    /// members, keys where UTF-8 and UTF-16 order part, escapes, and nesting as deep as
    /// serde_json reads. The verifier's checks on the sealed line (re-parsed) must hold: its
    /// hash recomputes, and its bytes are the canonical form of what it parses to.
    #[test]
    fn a_hostile_input_seals_to_a_line_the_verifier_accepts() {
        let mut nested = json!({"hash": "x", "prev_hash": "y", "\u{E000}": 1, "\u{10000}": 2, "a\"\\\n": [0.1, -0.0, 1e21]});
        for depth in 0..120 {
            nested = json!({ format!("k{depth}\u{FFFF}"): nested, "hash": depth });
        }
        let mut event = Event::draft(ward_model::event::EventKind::Decision);
        event.id = "e".into();
        event.device = "d".into();
        event.seq = 1;
        event.prev_hash = crate::chain::GENESIS_HASH.into();
        event.input = nested;
        let line = crate::chain::seal(&mut event).unwrap();
        let parsed: Value = serde_json::from_slice(&line).unwrap();
        let object = parsed.as_object().unwrap();
        assert_eq!(crate::chain::hash_object(object), event.hash);
        assert_eq!([canonical_json(&parsed), b"\n".to_vec()].concat(), line);
    }

    #[derive(Serialize)]
    enum Shapes {
        Unit,
        Newtype(u8),
        Tuple(i32, String),
        Struct { z: bool, a: Option<f32>, hash: &'static str },
    }

    #[derive(Serialize)]
    struct Everything {
        zeta: Vec<Shapes>,
        alpha: (u8, char, i128, u128),
        #[serde(with = "serde_bytes_as_slice")]
        bytes: Vec<u8>,
        unit: (),
        hash: &'static str,
        nan: f64,
    }

    mod serde_bytes_as_slice {
        pub fn serialize<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(bytes)
        }
    }

    #[test]
    fn every_serde_shape_writes_as_the_definition() {
        let value = Everything {
            zeta: vec![
                Shapes::Unit,
                Shapes::Newtype(7),
                Shapes::Tuple(-3, "t".into()),
                Shapes::Struct { z: true, a: Some(0.1), hash: "inner hash is kept" },
                Shapes::Struct { z: false, a: None, hash: "" },
            ],
            alpha: (1, '\u{e000}', -5, 6),
            bytes: vec![0, 255],
            unit: (),
            hash: "left out at the top only",
            nan: f64::NAN,
        };
        assert_same(&value);
        assert_same(&json!([1, {"b": 2, "a": 1}]));
        assert_same(&"top-level text");
    }

    #[test]
    fn what_it_does_not_model_is_refused_not_written_differently() {
        let mut out = Vec::new();
        let mut numbered = std::collections::BTreeMap::new();
        numbered.insert(1u8, "x");
        assert!(write_top_object(&numbered, HashMember::Omit, &mut out).is_err());
        out.clear();
        assert!(write_top_object(&(u128::MAX,), HashMember::Omit, &mut out).is_err());
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_as_a_map_does() {
        struct Twice;
        impl Serialize for Twice {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("b", &1)?;
                map.serialize_entry("a", &2)?;
                map.serialize_key("b")?;
                map.serialize_value(&3)?;
                map.end()
            }
        }
        assert_eq!(direct(&Twice), b"{\"a\":2,\"b\":3}");
        assert_same(&Twice);
    }
}
