//! `ApiRequest::from_json`, then `.validate()`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::ApiRequest;
use openconnectors_fuzz::{assert_no_leak, check_in, path_escapes};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let r = ApiRequest::from_json(text).and_then(|a| a.validate().map(|()| a));
    if let Err(e) = &r {
        assert_no_leak(e, text, "/elementToken");
    }
    if let Some(a) = check_in(r, text) {
        // An accepted path is relative to the base URL and cannot leave it.
        assert!(a.path.starts_with('/'), "accepted path {:?}", a.path);
        assert!(!a.path.contains(['?', '#']), "accepted path {:?}", a.path);
        assert!(!path_escapes(&a.path), "accepted a path that escapes: {:?}", a.path);
    }
});
