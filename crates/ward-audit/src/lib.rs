//! The local durable spool of audit events and its per-device hash chain.
