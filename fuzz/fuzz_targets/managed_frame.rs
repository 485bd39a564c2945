//! The managed-mode socket protocol: arbitrary bytes as a stream of length-prefixed frames, each
//! body decoded as a request and as a response (what the daemon reads from any local user).
//! `cargo +nightly fuzz run managed_frame`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ward_endpoint::managed::frame::fuzz_frames(data);
});
