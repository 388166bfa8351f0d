//! `AwaitCallbackRequest::from_json` only: the listener itself is never started.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::AwaitCallbackRequest;
use openconnectors_fuzz::check_in;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(r) = check_in(AwaitCallbackRequest::from_json(text), text) {
        assert!(!r.timeout.is_zero(), "accepted a zero timeout: {text}");
    }
});
