//! Decoding the platform's answers into result documents and errors. Pure functions of the
//! answer, so that they can be tested and fuzzed without a network.

use crate::error::{oc_status, Error, Result};
use crate::http::{Method, Reply};
use serde_json::{json, Map, Value};

/// A 2xx body as JSON; anything else is `OC_ERR_DECODE`.
pub(crate) fn json_body(body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body)
        .map_err(|_| decode_error("the platform's answer is not valid JSON"))
}

fn decode_error(message: &str) -> Error {
    Error::new(oc_status::OC_ERR_DECODE, message)
}

/// Step 1's answer: an object with a string `oauthUrl`, to which the sent state is added.
pub(crate) fn oauth_url(body: &[u8], state: String) -> Result<Value> {
    let mut doc = json_body(body)?;
    let obj = doc
        .as_object_mut()
        .ok_or_else(|| decode_error("the platform's answer is not a JSON object"))?;
    if !obj.get("oauthUrl").is_some_and(Value::is_string) {
        return Err(decode_error("the platform's answer has no oauthUrl string"));
    }
    obj.insert("state".into(), Value::String(state));
    Ok(doc)
}

/// An instance document: a JSON object.
pub(crate) fn instance(body: &[u8]) -> Result<Value> {
    let doc = json_body(body)?;
    if !doc.is_object() {
        return Err(decode_error(
            "the platform's instance document is not a JSON object",
        ));
    }
    Ok(doc)
}

/// A page of instances: a JSON array, and the next page's token from its header.
pub(crate) fn instance_list(reply: &Reply) -> Result<Value> {
    let instances = json_body(&reply.body)?;
    if !instances.is_array() {
        return Err(decode_error(
            "the platform's instance list is not a JSON array",
        ));
    }
    let next = reply
        .header("elements-next-page-token")
        .filter(|t| !t.is_empty());
    Ok(json!({"instances": instances, "nextPage": next}))
}

/// A call through an instance: status, headers (repeated ones joined with ", ") and the body
/// as JSON, else as text, else null when empty.
pub(crate) fn service_reply(reply: Reply) -> Result<Value> {
    let mut headers = Map::new();
    for (name, value) in &reply.headers {
        match headers.get_mut(name) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            _ => {
                headers.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    let body = if reply.body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&reply.body) {
            Ok(v) => v,
            Err(_) => Value::String(
                String::from_utf8(reply.body)
                    .map_err(|_| decode_error("the answer is neither JSON nor UTF-8 text"))?,
            ),
        }
    };
    Ok(json!({"status": reply.status, "headers": headers, "body": body}))
}

/// The `OC_ERR_API` error of a non-2xx answer, from the platform's error body
/// `{"requestId", "message", "providerMessage"}` (else the `Elements-Request-Id` header).
pub(crate) fn api_error(method: Method, path: &str, reply: &Reply) -> Error {
    let parsed: Option<Value> = serde_json::from_slice(&reply.body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let status = reply.status;
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut e = Error::new(
        oc_status::OC_ERR_API,
        format!(
            "the platform answered {status} {reason} to {} {path}",
            method.name()
        )
        .replace("  ", " "),
    );
    e.http_status = Some(status);
    e.request_id =
        field("requestId").or_else(|| reply.header("elements-request-id").map(str::to_owned));
    e.platform_message = field("message");
    e.provider_message = field("providerMessage");
    e
}

/// Runs every decoder on one answer, as each operation would meet it. For the fuzz targets
/// (`fuzz/`); not part of the API.
#[doc(hidden)]
pub fn fuzz_all_decoders(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) {
    let reply = Reply {
        status,
        headers,
        body,
    };
    let _ = oauth_url(&reply.body, String::new());
    let _ = instance(&reply.body);
    let _ = instance_list(&reply);
    for method in [Method::Get, Method::Post, Method::Delete] {
        let e = api_error(method, "/instances", &reply);
        let _ = e.to_json();
    }
    let _ = service_reply(reply);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        Reply {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn api_errors_take_the_platform_body_then_the_header() {
        let r = reply(
            404,
            &[("elements-request-id", "from-header")],
            r#"{"requestId": "abc", "message": "No instance", "providerMessage": "p"}"#,
        );
        let e = api_error(Method::Get, "/instances/1", &r);
        assert_eq!(
            e.message,
            "the platform answered 404 Not Found to GET /instances/1"
        );
        assert_eq!(
            (e.request_id.as_deref(), e.platform_message.as_deref()),
            (Some("abc"), Some("No instance"))
        );
        let e = api_error(
            Method::Get,
            "/x",
            &reply(599, &[("elements-request-id", "h")], "<html>"),
        );
        assert_eq!(
            (e.request_id.as_deref(), e.http_status),
            (Some("h"), Some(599))
        );
        assert_eq!(e.message, "the platform answered 599 to GET /x");
    }

    #[test]
    fn answers_of_the_wrong_shape_are_decode_errors() {
        for body in ["", "[]", "{\"oauthUrl\": 3}", "not json"] {
            assert_eq!(
                oauth_url(body.as_bytes(), "s".into()).unwrap_err().status,
                oc_status::OC_ERR_DECODE
            );
        }
        assert!(instance(b"[1]").is_err());
        assert!(instance_list(&reply(200, &[], "{}")).is_err());
        let page = instance_list(&reply(200, &[("elements-next-page-token", "t2")], "[]")).unwrap();
        assert_eq!(page["nextPage"], "t2");
    }

    #[test]
    fn service_replies_keep_text_and_join_repeated_headers() {
        let r = reply(200, &[("x-a", "1"), ("x-a", "2")], "plain text");
        assert_eq!(
            service_reply(r).unwrap(),
            json!({"status": 200, "headers": {"x-a": "1, 2"}, "body": "plain text"})
        );
        assert_eq!(
            service_reply(reply(204, &[], "")).unwrap()["body"],
            Value::Null
        );
        let binary = Reply {
            status: 200,
            headers: vec![],
            body: vec![0xff, 0xfe],
        };
        assert_eq!(
            service_reply(binary).unwrap_err().status,
            oc_status::OC_ERR_DECODE
        );
    }
}
