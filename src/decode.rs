//! Decoding the platform's 2xx answers into result documents. Pure functions of the answer,
//! so that they can be tested and fuzzed without a network. (Non-2xx answers are errors: see
//! the `http` module.)

use crate::error::{Error, Result};
use crate::http::Reply;
use crate::json::{checked, Json};
use serde_json::{Map, Value};

fn decode_error(message: &str) -> Error {
    Error::decode(message)
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

/// Runs every decoder on one answer, as each operation would meet it. For the fuzz targets
/// (`fuzz/`), which build with `--cfg fuzzing`; not part of the API.
#[cfg(fuzzing)]
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
    crate::http::fuzz_api_errors(&reply);
    let _ = instance_list(reply.clone());
    let _ = service_reply(reply);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::oc_status;
    use crate::http::reply;
    use serde_json::json;

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
