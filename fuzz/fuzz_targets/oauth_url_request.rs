//! `OAuthUrlRequest::from_json`, then `.validate()`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::OAuthUrlRequest;
use openconnectors_fuzz::{assert_no_leak, check_in};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let r = OAuthUrlRequest::from_json(text).and_then(|r| r.validate().map(|()| r));
    if let Err(e) = &r {
        assert_no_leak(e, text, "/apiSecret");
    }
    if let Some(r) = check_in(r, text) {
        // An accepted element is an id or a key that is one safe path segment.
        let e = r.element.as_str();
        assert!(!matches!(e, "." | ".."), "accepted element {e:?}");
        assert!(
            e.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b)),
            "accepted element {e:?}"
        );
    }
});
