//! Rows for PostgreSQL's binary `COPY … FROM STDIN (FORMAT binary)`: the file header, one tuple
//! per row (a field count, then each field as a length and its bytes), the trailer.
//!
//! Why binary and by hand. In text format the server scans every byte of a row twice (for the
//! line end, then for the delimiters and escapes) and parses each number: measured on the bulk
//! load, an eighth of the backend's time, and the backend is what limits it. Binary rows are
//! length-prefixed, so the server copies them. The format is three fixed rules
//! (<https://www.postgresql.org/docs/15/sql-copy.html>, "Binary Format"); the `postgres` crate's
//! `BinaryCopyInWriter` writes the same bytes but through a `dyn ToSql` per value and its own
//! writer, where ingest builds each table's rows into one buffer while it walks the batch.

/// The 11-byte signature, then the flags field (no OIDs) and the header extension length (none).
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// One table's rows in binary COPY format, built in memory and sent in one `COPY`.
pub(crate) struct BinaryRows {
    bytes: Vec<u8>,
    rows: usize,
}

impl BinaryRows {
    pub fn with_capacity(bytes: usize) -> BinaryRows {
        let mut buffer = Vec::with_capacity(bytes + HEADER.len() + 2);
        buffer.extend_from_slice(HEADER);
        BinaryRows { bytes: buffer, rows: 0 }
    }

    /// Starts a row of `fields` fields; exactly that many `int8`/`text` calls must follow.
    pub fn row(&mut self, fields: u16) -> &mut Self {
        self.rows += 1;
        self.bytes.extend_from_slice(&(fields as i16).to_be_bytes());
        self
    }

    /// A `bigint` field: 8 bytes, big-endian.
    pub fn int8(&mut self, value: i64) -> &mut Self {
        self.bytes.extend_from_slice(&8i32.to_be_bytes());
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// A `text` field (the server checks the bytes are valid in its encoding), or NULL.
    pub fn text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            // A row field longer than 1 GB is refused by the server whatever its length field says;
            // events are capped far below that at the spool.
            Some(text) => {
                let length = i32::try_from(text.len()).unwrap_or(i32::MAX);
                self.bytes.extend_from_slice(&length.to_be_bytes());
                self.bytes.extend_from_slice(text.as_bytes());
            }
            None => self.bytes.extend_from_slice(&(-1i32).to_be_bytes()),
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The whole COPY payload: header, rows and the trailer.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&(-1i16).to_be_bytes());
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_of_each_kind_of_field_encodes_as_documented() {
        let mut rows = BinaryRows::with_capacity(0);
        assert!(rows.is_empty());
        rows.row(3).int8(-2).text(Some("hé")).text(None);
        assert!(!rows.is_empty());
        let bytes = rows.finish();
        let expected: Vec<u8> = [
            &b"PGCOPY\n\xff\r\n\0"[..],
            &[0, 0, 0, 0],                                                 // flags
            &[0, 0, 0, 0],                                                 // header extension length
            &[0, 3],                                                       // field count
            &[0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], // int8 -2
            &[0, 0, 0, 3, b'h', 0xc3, 0xa9],                               // text, UTF-8 bytes
            &[0xff, 0xff, 0xff, 0xff],                                     // NULL
            &[0xff, 0xff],                                                 // trailer
        ]
        .concat();
        assert_eq!(bytes, expected);
    }

    #[test]
    fn no_rows_is_a_header_and_a_trailer() {
        assert_eq!(BinaryRows::with_capacity(0).finish(), [HEADER, &[0xff, 0xff]].concat());
    }
}
