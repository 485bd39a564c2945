//! One module per command: argument definitions and the wiring to the libraries.

pub mod audit;
pub mod hook;
pub mod policy;
pub mod redact;
pub mod scan;
