//! One module per command: argument definitions and the wiring to the libraries.

pub mod audit;
pub mod fleet;
pub mod floor;
pub mod floorcheck;
pub mod hook;
pub mod install;
pub mod managed;
pub mod policy;
pub mod redact;
pub mod scan;
