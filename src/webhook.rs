//! Event notifications: checking the signature the platform puts on each notification it
//! POSTs to an instance's `event.notification.callback.url`, and reading the events in it.
//!
//! The platform signs the raw body with the instance's `event.notification.signature.key`:
//! `Elements-Webhook-Signature: sha256=<standard base64 of HMAC-SHA256(key, body)>`. The
//! comparison is in constant time; neither the key nor the expected value ever appears in a
//! result, an error or a log record.

use crate::callback::constant_time_eq;
use crate::error::{oc_status, Error, Problems, Result};
use crate::fields::{parse_object, Fields};
use crate::json::Json;
use crate::secret::{Redactor, Secret};
use ring::hmac;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// The header holding the signature.
pub const SIGNATURE_HEADER: &str = "Elements-Webhook-Signature";
/// The header holding the notification's id.
pub const ID_HEADER: &str = "Elements-Webhook-Id";
/// The only scheme accepted (older platform versions signed with `sha1=`).
const SCHEME: &str = "sha256=";

/// The request of [`verify_webhook`], from the document of `oc_verify_webhook`.
#[derive(Debug, Clone)]
pub struct VerifyWebhookRequest {
    /// The instance's `event.notification.signature.key`.
    pub signature_key: Secret,
    /// The notification's headers, names in any case.
    pub headers: Vec<(String, String)>,
    /// The raw body, exactly as received.
    pub body: Vec<u8>,
}

impl VerifyWebhookRequest {
    /// Parses `{"signatureKey", "headers": {name: value}, "body"}` (or `"bodyBase64"` for a
    /// body that is not UTF-8 text).
    pub fn from_json(text: &str) -> Result<VerifyWebhookRequest> {
        let obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        let signature_key = f.required_str("signatureKey", &mut p).unwrap_or_default();
        let headers = f
            .string_map("headers", &mut p)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let text_body = f.str("body", &mut p);
        let encoded = f.str("bodyBase64", &mut p);
        let body = match (text_body, encoded) {
            (Some(_), Some(_)) => {
                p.invalid("/bodyBase64", "must not be given together with body");
                Vec::new()
            }
            (Some(text), None) => text.as_bytes().to_vec(),
            (None, Some(encoded)) => crate::base64::decode(encoded).unwrap_or_else(|| {
                p.invalid("/bodyBase64", "must be standard base64 with padding");
                Vec::new()
            }),
            (None, None) => {
                p.missing("/body");
                Vec::new()
            }
        };
        p.finish()?;
        Ok(VerifyWebhookRequest {
            signature_key: Secret::new(signature_key),
            headers,
            body,
        })
    }

    /// The value of a header, by name in any case; a name given twice is ambiguous.
    fn header(&self, name: &str, p: &mut Problems) -> Option<&str> {
        let mut values = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name));
        let first = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() {
            p.invalid(&format!("/headers/{name}"), "is given more than once");
        }
        first
    }
}

/// Adds the request's secret (the signature key) to the call's redactor.
pub(crate) fn secrets(request: &VerifyWebhookRequest, redactor: &mut Redactor) {
    redactor.add(request.signature_key.expose());
}

/// Verifies a notification and reads it. Checks, in order: a signature key and a body are
/// given (`OC_ERR_VALIDATION`); the signature header is present, of the `sha256=` scheme and
/// equal to the HMAC of the body (`OC_ERR_SIGNATURE`); the body is JSON (`OC_ERR_DECODE`).
///
/// Result: `{"webhookId": id or null, "event": the body, "events": [...]}`, where `events`
/// are the body's `message.events` (or `response.events`, else `[]`) as they are.
pub fn verify_webhook(request: &VerifyWebhookRequest) -> Result<Json> {
    let mut p = Problems::default();
    if request.signature_key.is_empty() {
        p.missing("/signatureKey");
    }
    let signature = request.header(SIGNATURE_HEADER, &mut p);
    let webhook_id = request.header(ID_HEADER, &mut p);
    p.finish()?;
    let given = signature.map(str::trim).unwrap_or_default();
    if given.is_empty() {
        return Err(signature_error(
            "the notification has no Elements-Webhook-Signature",
        ));
    }
    if !given.starts_with(SCHEME) {
        return Err(signature_error(
            "the signature is not of the sha256= scheme",
        ));
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, request.signature_key.expose().as_bytes());
    let tag = hmac::sign(&key, &request.body);
    let expected = format!("{SCHEME}{}", crate::base64::encode(tag.as_ref()));
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(signature_error(
            "the signature does not match the body and the signature key",
        ));
    }
    let text = std::str::from_utf8(&request.body)
        .ok()
        .filter(|t| serde_json::from_str::<IgnoredAny>(t).is_ok())
        .ok_or_else(|| Error::decode("the notification's body is not JSON"))?;
    // The body and its events are passed on as they came (members in their order), not
    // decoded and encoded again.
    let events = serde_json::from_str::<Envelope<'_>>(text)
        .ok()
        .and_then(|e| {
            [e.message, e.response]
                .into_iter()
                .flatten()
                .find_map(|m| m.events)
        })
        .map(RawValue::get)
        .filter(|raw| raw.starts_with('['))
        .unwrap_or("[]");
    let id = webhook_id.map_or(Value::Null, Value::from);
    Ok(Json::from_valid(format!(
        "{{\"webhookId\":{id},\"event\":{},\"events\":{events}}}",
        text.trim()
    )))
}

/// Where a notification keeps its events: `message.events`, or `response.events` for the
/// notifications of asynchronous requests.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    message: Option<Events<'a>>,
    #[serde(borrow)]
    response: Option<Events<'a>>,
}

#[derive(Deserialize)]
struct Events<'a> {
    #[serde(borrow)]
    events: Option<&'a RawValue>,
}

fn signature_error(message: &str) -> Error {
    Error::new(oc_status::OC_ERR_SIGNATURE, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(key: &str, signature: Option<&str>, body: &[u8]) -> VerifyWebhookRequest {
        VerifyWebhookRequest {
            signature_key: Secret::new(key),
            headers: signature
                .map(|s| ("elements-webhook-signature".to_owned(), s.to_owned()))
                .into_iter()
                .chain([("Elements-Webhook-Id".to_owned(), "evt-1".to_owned())])
                .collect(),
            body: body.to_vec(),
        }
    }

    // Computed independently: python3 -c 'import hmac,hashlib,base64;
    // print(base64.b64encode(hmac.new(b"key", b"{\"message\":{\"events\":[1]}}",
    // hashlib.sha256).digest()).decode())'
    const BODY: &[u8] = br#"{"message":{"events":[1]}}"#;
    const SIGNATURE: &str = "sha256=aLGQ5EyryWQ3vr6rFlVmL7naw3BTxPG1/fq6HwEhmUs=";

    #[test]
    fn a_good_signature_gives_the_events() {
        let doc = verify_webhook(&request("key", Some(SIGNATURE), BODY))
            .unwrap()
            .value();
        assert_eq!(doc["webhookId"], "evt-1");
        assert_eq!(doc["events"], serde_json::json!([1]));
        assert_eq!(doc["event"]["message"]["events"][0], 1);
        let body = br#"{"z":1,"message":{"events":[{"b":1,"a":2}]},"a":0}"#;
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let signature = format!(
            "sha256={}",
            crate::base64::encode(hmac::sign(&key, body).as_ref())
        );
        let text = verify_webhook(&request("k", Some(&signature), body))
            .unwrap()
            .into_string();
        assert!(text.contains(r#""event":{"z":1,"message""#), "{text}");
        assert!(text.ends_with(r#""events":[{"b":1,"a":2}]}"#), "{text}");
    }

    /// The platform's event-management security guide signs its placeholder body with
    /// `MySecretEventSignatureKey` and shows the header value. The body is not JSON, so a
    /// signature that passes ends in `OC_ERR_DECODE`, and one that does not in
    /// `OC_ERR_SIGNATURE`.
    #[test]
    fn the_platform_documentation_example() {
        let body = b"<INSERT_EVENT_NOTIFICATION_RESPONSE_BODY>";
        let published = "sha256=jHdbRx5EZAsOfTwAPJOGkNUzQMVVdu5VJlxcsk+G6jQ=";
        let e = verify_webhook(&request("MySecretEventSignatureKey", Some(published), body))
            .unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_DECODE, "{}", e.message);
        let e = verify_webhook(&request("MySecretEventSignatureKez", Some(published), body))
            .unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_SIGNATURE);
    }

    #[test]
    fn bad_signatures_are_refused() {
        let status = |r: VerifyWebhookRequest| verify_webhook(&r).unwrap_err().status;
        use oc_status::*;
        assert_eq!(status(request("key", None, BODY)), OC_ERR_SIGNATURE);
        assert_eq!(status(request("key", Some(""), BODY)), OC_ERR_SIGNATURE);
        assert_eq!(
            status(request("other", Some(SIGNATURE), BODY)),
            OC_ERR_SIGNATURE
        );
        assert_eq!(
            status(request("key", Some(SIGNATURE), b"{}")),
            OC_ERR_SIGNATURE
        );
        let sha1 = SIGNATURE.replace("sha256=", "sha1=");
        assert_eq!(status(request("key", Some(&sha1), BODY)), OC_ERR_SIGNATURE);
        let unpadded = SIGNATURE.trim_end_matches('=');
        assert_eq!(
            status(request("key", Some(unpadded), BODY)),
            OC_ERR_SIGNATURE
        );
        assert_eq!(
            status(request("", Some(SIGNATURE), BODY)),
            OC_ERR_VALIDATION
        );
        let e = verify_webhook(&request("other", Some(SIGNATURE), BODY)).unwrap_err();
        assert!(!e.message.contains("aLGQ") && !e.message.contains("other"));
    }
}
