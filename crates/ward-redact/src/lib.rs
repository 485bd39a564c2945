//! Secret detection and redaction (`[REDACTED:<rule>:<fingerprint>]`), with keyed fingerprints.
