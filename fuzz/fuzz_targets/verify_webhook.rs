//! `VerifyWebhookRequest::from_json` and `verify_webhook` on arbitrary requests, and the
//! round trip: a body and a key taken from the input, signed here with ring's HMAC-SHA256,
//! must verify (or, for a body that is not JSON, fail only as `OC_ERR_DECODE`); the same
//! signature on a changed body must not.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::{oc_status, verify_webhook, Secret, VerifyWebhookRequest};
use openconnectors_fuzz::{check_error, check_in};

fn sign(key: &[u8], body: &[u8]) -> String {
    use base64::Engine;
    let tag = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key), body);
    format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(tag.as_ref()))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(request) = check_in(VerifyWebhookRequest::from_json(text), text) {
            if let Err(e) = verify_webhook(&request) {
                check_error(&e);
                let key = request.signature_key.expose();
                assert!(key.len() < 8 || !e.message.contains(key), "the key in {e:?}");
            }
        }
    }
    // The round trip: the first byte says how much of the rest is the key.
    let Some((&n, rest)) = data.split_first() else { return };
    let (key, body) = rest.split_at((n as usize).min(rest.len()));
    let Ok(key) = std::str::from_utf8(key) else { return };
    if key.is_empty() {
        return;
    }
    let signed = |body: &[u8], signature: String| VerifyWebhookRequest {
        signature_key: Secret::new(key),
        headers: vec![("elements-webhook-signature".into(), signature)],
        body: body.to_vec(),
    };
    let signature = sign(key.as_bytes(), body);
    match verify_webhook(&signed(body, signature.clone())) {
        // JSON by its grammar: a number beyond f64's range (40E370) is JSON too, which a
        // `Value` would refuse.
        Ok(_) => assert!(serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()),
        Err(e) => assert_eq!(e.status, oc_status::OC_ERR_DECODE, "{e:?}"),
    }
    let mut changed = body.to_vec();
    changed.push(b' ');
    let e = verify_webhook(&signed(&changed, signature)).unwrap_err();
    assert_eq!(e.status, oc_status::OC_ERR_SIGNATURE);
});
