//! Event notifications end to end, through the C ABI: an instance with events on, a write
//! through it, the emulator's signed notification received on a loopback receiver, and
//! `oc_verify_webhook` accepting it, and refusing it once tampered with or under another key.

mod common;

use common::*;
use openconnectors::ffi::*;
use openconnectors::oc_status;
use openconnectors_emulator::{Emulator, Options, WebhookReceiver};
use serde_json::{json, Value};
use std::ffi::CString;
use std::time::Duration;

const SIGNATURE_KEY: &str = "webhook-key-3f9a1c";

fn verify(headers: &[(String, String)], body: &[u8], key: &str) -> (oc_status, Value) {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(n, v)| (n.clone(), Value::from(v.as_str())))
        .collect();
    let request = json!({"signatureKey": key, "headers": headers,
                         "body": String::from_utf8(body.to_vec()).unwrap()});
    let text = CString::new(request.to_string()).unwrap();
    let mut out = std::ptr::null_mut();
    let status = unsafe { oc_verify_webhook(text.as_ptr(), &mut out) };
    let doc = parse_output(status, unsafe { take(out) });
    (status, doc)
}

#[test]
fn the_emulator_signs_and_the_library_verifies() {
    let emu = Emulator::start(Options {
        user_secret: USER.into(),
        organization_secret: ORG.into(),
        ..Options::default()
    })
    .unwrap();
    let client = FfiClient::for_emulator(&emu, json!({}));
    let receiver = WebhookReceiver::start().unwrap();
    let code = authorize(&client);
    let mut document = instance_doc(&code, "events");
    let configuration = &mut document["configuration"];
    configuration["event.notification.enabled"] = json!(true);
    configuration["event.vendor.type"] = json!("webhook");
    configuration["event.notification.type"] = json!("webhook");
    configuration["event.notification.callback.url"] = json!(receiver.url());
    configuration["event.notification.signature.key"] = json!(SIGNATURE_KEY);
    let (status, instance) = client.call(oc_create_instance, &document);
    assert_eq!(status, oc_status::OC_OK, "{instance}");
    let (status, created) = client.call(
        oc_request,
        &json!({"method": "POST", "path": "/hubs/ecommerce/orders", "body": {"total": "9.99"},
                "elementToken": instance["token"]}),
    );
    assert_eq!(status, oc_status::OC_OK, "{created}");
    let notification = receiver
        .next(Duration::from_secs(10))
        .expect("a notification arrives");
    let (headers, body) = (notification.headers.clone(), notification.body.clone());

    let (status, event) = verify(&headers, &body, SIGNATURE_KEY);
    assert_eq!(status, oc_status::OC_OK, "{event}");
    let first = &event["events"][0];
    assert_eq!(first["eventType"], "CREATED");
    assert_eq!(first["objectType"], "orders");
    assert_eq!(first["objectId"], created["body"]["id"].to_string());
    assert_eq!(event["event"]["message"]["instanceId"], instance["id"]);
    assert_eq!(
        event["webhookId"].as_str(),
        notification.header("elements-webhook-id")
    );

    // Tampered with, or checked under another key: refused, and the key never shown.
    let mut tampered = body.clone();
    let at = tampered.len() - 2;
    tampered.insert(at, b' ');
    for (body, key) in [(&tampered, SIGNATURE_KEY), (&body, "another-key-77c2")] {
        let (status, doc) = verify(&headers, body, key);
        assert_eq!(status, oc_status::OC_ERR_SIGNATURE, "{doc}");
        assert!(!doc.to_string().contains(key), "{doc}");
    }
}
