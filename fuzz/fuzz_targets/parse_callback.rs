//! `ParseCallbackRequest::from_json` then `parse_callback`; and the raw input as the callback
//! URL, with no expected state and with a prefix of it as the expected state.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::{oc_status, parse_callback, Callback, ParseCallbackRequest};
use openconnectors_fuzz::{check, check_error};

fn check_callback(r: openconnectors::Result<Callback>, expected: Option<&str>) {
    match r {
        Ok(cb) => {
            assert!(!cb.code.is_empty(), "accepted an empty code");
            if let Some(expected) = expected {
                assert_eq!(cb.state.as_deref(), Some(expected), "state accepted but differs");
            }
            let json = cb.to_json();
            let text = json.as_str();
            let back: serde_json::Value = serde_json::from_str(text).expect("result is not JSON");
            assert_eq!(back["code"], serde_json::Value::String(cb.code.expose().to_owned()));
        }
        Err(e) => {
            check_error(&e);
            assert!(
                matches!(
                    e.status,
                    oc_status::OC_ERR_VALIDATION
                        | oc_status::OC_ERR_STATE_MISMATCH
                        | oc_status::OC_ERR_OAUTH_DENIED
                ),
                "parse_callback returned {:?}",
                e.status
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(req) = check(ParseCallbackRequest::from_json(text)) {
        let expected = req.expected_state.as_deref();
        check_callback(parse_callback(&req.url, expected), expected);
    }
    check_callback(parse_callback(text, None), None);
    // A prefix of the input (at a char boundary) as the expected state.
    let mut cut = text.len() / 3;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let prefix = &text[..cut];
    check_callback(parse_callback(text, Some(prefix)), Some(prefix));
});
