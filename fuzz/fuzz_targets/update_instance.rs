//! `UpdateInstance::from_json`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::UpdateInstance;
use openconnectors_fuzz::{assert_no_leak, check_in};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let r = UpdateInstance::from_json(text);
    if let Err(e) = &r {
        assert_no_leak(e, text, "/instance/configuration/oauth.api.secret");
        assert_no_leak(e, text, "/instance/providerData/code");
    }
    check_in(r, text);
});
