//! Event stores: SQLite (the embedded default) and PostgreSQL behind one trait, with versioned
//! migrations, idempotent ingest with per-device chain checks, and retention. Never linked by the
//! hook's start-up path.
#![forbid(unsafe_code)]
