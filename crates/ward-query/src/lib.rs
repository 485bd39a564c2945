//! The query language shared by the CLI, the server API, the dashboard and route filters:
//! `field:value` terms parsed into an AST, compiled to SQL with bound parameters only, or
//! evaluated in memory against one event. No I/O.
#![forbid(unsafe_code)]
