//! `NewInstance::from_json`, then `.validate()`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::NewInstance;
use openconnectors_fuzz::{assert_no_leak, check_in};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let r = NewInstance::from_json(text).and_then(|i| i.validate().map(|()| i));
    if let Err(e) = &r {
        assert_no_leak(e, text, "/configuration/oauth.api.secret");
        assert_no_leak(e, text, "/providerData/code");
    }
    check_in(r, text);
});
