//! `ward floor check` (placeholder removed below).
