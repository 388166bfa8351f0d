//! Reading what a request carries: its JSON body, and single values from decoded query or
//! form pairs.

use crate::http::Request;
use crate::reply::ApiError;
use serde_json::{Map, Value};

/// The body of a request that must carry a JSON object (415 for another media type, 400 for
/// anything but an object).
pub fn json_object(request: &Request) -> Result<Map<String, Value>, ApiError> {
    let media_type = request
        .header("content-type")
        .and_then(|v| v.split(';').next());
    if !media_type.is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")) {
        return Err(ApiError::new(415, "Content-Type must be application/json"));
    }
    match serde_json::from_slice(&request.body) {
        Ok(Value::Object(body)) => Ok(body),
        Ok(_) => Err(ApiError::bad_request(
            "The request body must be a JSON object",
        )),
        Err(_) => Err(ApiError::bad_request("The request body is not valid JSON")),
    }
}

/// The first value of `name` among `params`, empty or not.
pub fn value<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The first non-empty value of `name` among `params`: an empty parameter counts as missing.
pub fn given<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, v)| n == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// The names in `required` that `params` lacks (or gives empty), as one message, when any.
pub fn require(params: &[(String, String)], required: &[&str]) -> Result<(), ApiError> {
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|name| given(params, name).is_none())
        .collect();
    refuse_missing("parameters", &missing)
}

/// A 400 naming every one of the `missing` required `what`s, when there are any.
pub fn refuse_missing(what: &str, missing: &[&str]) -> Result<(), ApiError> {
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "Missing required {what}: {}",
        missing.join(", ")
    )))
}
