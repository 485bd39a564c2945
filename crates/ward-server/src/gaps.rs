//! Where a device's stored chain has holes: the seq ranges between 1 and the highest stored seq
//! that no stored event holds, computed from the store now (a gap recorded at ingest may have
//! been filled since by a late batch; a hole is what is missing today).
//!
//! This reads the store's `events` table (`device`, `seq`; schema in `ward_store::schema`)
//! with one window query that both SQLite and PostgreSQL run on the `(device, seq)` index.
//! Events the server derived (seq 0) are not part of any chain and are left out.

use crate::db::{Conn, Val};
use crate::ServerError;

/// Missing seq ranges `(first, last)`, inclusive, in order.
pub fn missing_ranges(conn: &mut Conn, device: &str) -> Result<Vec<(u64, u64)>, ServerError> {
    let rows = conn.query(
        "SELECT CAST(prev + 1 AS BIGINT), CAST(seq - 1 AS BIGINT) FROM ( \
             SELECT seq, LAG(seq, 1, CAST(0 AS BIGINT)) OVER (ORDER BY seq) AS prev FROM (\
                 SELECT DISTINCT seq FROM events WHERE \"device\" = $1 AND seq > 0) AS seqs \
         ) AS steps WHERE seq > prev + 1 ORDER BY seq",
        &[device.into()],
    )?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let first = row.first().and_then(Val::int)?;
            let last = row.get(1).and_then(Val::int)?;
            Some((first as u64, last as u64))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_are_ranges_of_missing_seqs() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("ward.db").display().to_string();
        let mut store = ward_store::open(&url).unwrap();
        let mut conn = Conn::open(&url).unwrap();
        let start = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
        let mut generator = ward_store::generate::Generator::new(7, 1, start, time::Duration::hours(1), 12);
        let mut events = generator.batch(12);
        let device = events[0].device.clone();
        let device = device.as_str();
        // Keep 1..=3, 5, 9..=12: holes 4 and 6..=8.
        events.retain(|e| ![4, 6, 7, 8].contains(&e.seq));
        store.ingest(&events).unwrap();
        assert_eq!(missing_ranges(&mut conn, device).unwrap(), [(4, 4), (6, 8)]);
        assert_eq!(missing_ranges(&mut conn, "another").unwrap(), []);
    }
}
