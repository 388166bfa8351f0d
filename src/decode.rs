//! Decoding the platform's answers into result documents and errors. Pure functions of the
//! answer, so that they can be tested and fuzzed without a network.

use crate::error::{oc_status, Error, Result};
use crate::http::{Method, Reply};
use crate::json::{checked, Json};
use serde_json::{Map, Value};

fn decode_error(message: &str) -> Error {
    Error::new(oc_status::OC_ERR_DECODE, message)
}

/// Step 1's answer: an object with a string `oauthUrl`, to which the sent state is added.
pub(crate) fn oauth_url(body: &[u8], state: String) -> Result<Json> {
    let mut doc: Value = serde_json::from_slice(body)
        .map_err(|_| decode_error("the platform's answer is not valid JSON"))?;
    let obj = doc
        .as_object_mut()
        .ok_or_else(|| decode_error("the platform's answer is not a JSON object"))?;
    if !obj.get("oauthUrl").is_some_and(Value::is_string) {
        return Err(decode_error("the platform's answer has no oauthUrl string"));
    }
    obj.insert("state".into(), Value::String(state));
    Ok(Json::from_value(&doc))
}

/// An instance document: a JSON object, passed on as it came.
pub(crate) fn instance(body: Vec<u8>) -> Result<Json> {
    checked(body, Some(b'{'))
        .map(Json::from_valid)
        .ok_or_else(|| decode_error("the platform's instance document is not a JSON object"))
}

/// A page of instances: a JSON array, and the next page's token from its header.
pub(crate) fn instance_list(reply: Reply) -> Result<Json> {
    let next = reply
        .header("elements-next-page-token")
        .filter(|t| !t.is_empty())
        .map_or_else(|| "null".to_owned(), |t| Value::from(t).to_string());
    let instances = checked(reply.body, Some(b'['))
        .ok_or_else(|| decode_error("the platform's instance list is not a JSON array"))?;
    Ok(Json::from_valid(format!(
        "{{\"instances\":{instances},\"nextPage\":{next}}}"
    )))
}

/// A call through an instance: status, headers (repeated ones joined with ", ") and the body
/// as JSON, else as text, else null when empty.
pub(crate) fn service_reply(reply: Reply) -> Result<Json> {
    let mut headers = Map::new();
    for (name, value) in &reply.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value.into_owned()));
            }
        }
    }
    let headers = Value::Object(headers).to_string();
    let status = reply.status;
    let body = if reply.body.iter().all(u8::is_ascii_whitespace) {
        "null".to_owned()
    } else if serde_json::from_slice::<serde::de::IgnoredAny>(&reply.body).is_ok() {
        checked(reply.body, None).ok_or_else(|| decode_error("the answer is not UTF-8"))?
    } else {
        let text = String::from_utf8(reply.body)
            .map_err(|_| decode_error("the answer is neither JSON nor UTF-8 text"))?;
        Value::String(text).to_string()
    };
    Ok(Json::from_valid(format!(
        "{{\"status\":{status},\"headers\":{headers},\"body\":{body}}}"
    )))
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
    let mut map = ureq::http::HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            ureq::http::HeaderName::from_bytes(name.as_bytes()),
            ureq::http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            map.append(n, v);
        }
    }
    let reply = Reply {
        status,
        headers: map,
        body,
    };
    let _ = oauth_url(&reply.body, String::new());
    let _ = instance(reply.body.clone());
    for method in [Method::Get, Method::Post, Method::Delete] {
        let e = api_error(method, "/instances", &reply);
        let _ = e.to_json();
    }
    let _ = instance_list(reply.clone());
    let _ = service_reply(reply);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut map = ureq::http::HeaderMap::new();
        for (n, v) in headers {
            map.append(
                ureq::http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                ureq::http::HeaderValue::from_str(v).unwrap(),
            );
        }
        Reply {
            status,
            headers: map,
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
        assert!(instance(b"[1]".to_vec()).is_err());
        assert!(instance_list(reply(200, &[], "{}")).is_err());
        let page = instance_list(reply(200, &[("elements-next-page-token", "t2")], "[]"))
            .unwrap()
            .value();
        assert_eq!(page, json!({"instances": [], "nextPage": "t2"}));
        let page = instance_list(reply(200, &[], " [{\"id\": 1}] "))
            .unwrap()
            .value();
        assert_eq!(page, json!({"instances": [{"id": 1}], "nextPage": null}));
    }

    #[test]
    fn service_replies_keep_text_and_join_repeated_headers() {
        let r = reply(200, &[("x-a", "1"), ("x-a", "2")], "plain text");
        assert_eq!(
            service_reply(r).unwrap().value(),
            json!({"status": 200, "headers": {"x-a": "1, 2"}, "body": "plain text"})
        );
        assert_eq!(
            service_reply(reply(204, &[], "")).unwrap().value()["body"],
            Value::Null
        );
        let j = service_reply(reply(200, &[], "[1, {\"a\": null}]")).unwrap();
        assert_eq!(j.value()["body"], json!([1, {"a": null}]));
        let mut binary = reply(200, &[], "");
        binary.body = vec![0xff, 0xfe];
        assert_eq!(
            service_reply(binary).unwrap_err().status,
            oc_status::OC_ERR_DECODE
        );
    }
}
