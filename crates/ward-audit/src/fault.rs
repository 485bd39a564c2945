//! A test-only fault seam on the append path: with the `fault-injection` feature (enabled only
//! by crates/ward's end-to-end tests) and `$WARD_TEST_FAULT` naming a [`Point`], that write
//! fails as a real I/O error would, so tests can prove what is recorded and answered when the
//! disk fails at each step. Without the feature every check is `Ok(())` and compiles away.

use std::io;

/// Where an append can fail, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Point {
    /// Writing the event line into the segment (nothing reaches the file).
    SegmentWrite,
    /// Syncing the segment after the line was written (the line is undone).
    SegmentSync,
    /// Rewriting the head record after the line was synced.
    HeadWrite,
    /// Advancing the anchor after the line was synced.
    Anchor,
}

impl Point {
    #[cfg(feature = "fault-injection")]
    fn name(self) -> &'static str {
        match self {
            Point::SegmentWrite => "segment-write",
            Point::SegmentSync => "segment-sync",
            Point::HeadWrite => "head-write",
            Point::Anchor => "anchor",
        }
    }
}

/// `Err` when the test asked for a fault at `point`.
#[cfg(feature = "fault-injection")]
pub(crate) fn check(point: Point) -> io::Result<()> {
    match std::env::var("WARD_TEST_FAULT") {
        Ok(wanted) if wanted == point.name() => {
            Err(io::Error::other(format!("injected fault at {} (WARD_TEST_FAULT)", point.name())))
        }
        _ => Ok(()),
    }
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub(crate) fn check(_: Point) -> io::Result<()> {
    Ok(())
}
