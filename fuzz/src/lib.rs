//! Properties shared by the fuzz targets. A violated property panics, which libFuzzer
//! records as a crash.

use openconnectors::{oc_status, Error};
use serde_json::Value;

/// Whether a number is one of the library's statuses (its one table: `oc_status`).
pub fn is_status(n: u32) -> bool {
    oc_status::from_u32(n).is_some()
}

/// The error document's `kind` for a status number.
pub fn kind_of(status: u32) -> Option<&'static str> {
    oc_status::from_u32(status)
        .filter(|s| *s != oc_status::OC_OK)
        .map(oc_status::kind)
}

/// A JSON Pointer as the library reports it: empty (the whole request) or starting with `/`.
pub fn assert_pointer(pointer: &str, what: &str) {
    assert!(
        pointer.is_empty() || pointer.starts_with('/'),
        "{what} pointer {pointer:?} is neither empty nor starts with '/'"
    );
}

/// Checks an error document (the text `Error::to_json` or an `oc_*` function returned) for
/// the status it came with.
pub fn check_error_document(text: &str, status: u32) {
    check_error_document_of("", text, status)
}

/// `check_error_document` with the name of the function that returned it, for the messages.
pub fn check_error_document_of(what: &str, text: &str, status: u32) {
    let doc: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{what}: error document is not JSON ({e}): {text:?}"));
    let err = doc
        .get("error")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("{what}: error document has no \"error\" object: {text}"));
    let kind = err
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{what}: error document has no string error.kind: {text}"));
    assert_eq!(Some(kind), kind_of(status), "{what}: kind does not match status {status}: {text}");
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{what}: error document has no string error.message: {text}"));
    assert!(!message.is_empty(), "{what}: empty error.message: {text}");
    // Validation errors name their entries in `missing` and `invalid`.
    if kind == "validation" {
        let named = |k: &str| err.get(k).and_then(Value::as_array).is_some_and(|a| !a.is_empty());
        assert!(
            named("missing") || named("invalid"),
            "{what}: a validation error that names no entry (neither missing nor invalid): {text}"
        );
    }
    if let Some(missing) = err.get("missing") {
        let list = missing.as_array().expect("error.missing is not an array");
        for m in list {
            assert_pointer(m.as_str().expect("error.missing entry is not a string"), "missing");
        }
    }
    if let Some(invalid) = err.get("invalid") {
        let list = invalid.as_array().expect("error.invalid is not an array");
        for i in list {
            assert_pointer(
                i.get("pointer")
                    .and_then(Value::as_str)
                    .expect("error.invalid entry has no string pointer"),
                "invalid",
            );
            let reason = i.get("reason").and_then(Value::as_str);
            assert!(
                reason.is_some_and(|r| !r.is_empty()),
                "{what}: error.invalid entry without a reason: {text}"
            );
        }
    }
}

/// Checks an error of the Rust API: a non-empty message, pointers that are pointers, and a
/// `to_json()` that is the documented error document.
pub fn check_error(e: &Error) {
    assert_ne!(e.status, oc_status::OC_OK, "an Err with status OC_OK");
    assert_ne!(
        e.status,
        oc_status::OC_ERR_INTERNAL,
        "OC_ERR_INTERNAL from a parser: {e:?}"
    );
    assert!(!e.message.is_empty(), "an Err with an empty message: {e:?}");
    for m in &e.missing {
        assert_pointer(m, "missing");
    }
    for i in &e.invalid {
        assert_pointer(&i.pointer, "invalid");
        assert!(!i.reason.is_empty(), "an invalid entry without a reason: {e:?}");
    }
    check_error_document(&e.to_json(), e.status as u32);
}

/// An error from parsing or validating a request, before anything is sent: only
/// `OC_ERR_INVALID_ARGUMENT` or `OC_ERR_VALIDATION` make sense there.
pub fn check_request_error(e: &Error) {
    check_error(e);
    assert!(
        matches!(
            e.status,
            oc_status::OC_ERR_INVALID_ARGUMENT | oc_status::OC_ERR_VALIDATION
        ),
        "a request parser returned {:?}: {e:?}",
        e.status
    );
}

/// Checks a `Result` of a request parser or validator; returns the value when Ok.
pub fn check<T>(r: openconnectors::Result<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            check_request_error(&e);
            None
        }
    }
}

/// Whether a secret value is distinctive enough that finding it in an error is a leak and
/// not a coincidence with the library's own text or with a member name the input chose.
pub fn distinctive_secret(secret: &str, input: &Value) -> bool {
    fn keys_hold(v: &Value, s: &str) -> bool {
        match v {
            Value::Object(m) => m.iter().any(|(k, v)| k.contains(s) || keys_hold(v, s)),
            Value::Array(a) => a.iter().any(|v| keys_hold(v, s)),
            _ => false,
        }
    }
    secret.len() >= 12
        && secret.bytes().any(|b| b.is_ascii_digit())
        && !secret.contains([' ', '/', '.', '"', '\\'])
        && secret.chars().all(|c| !c.is_control())
        && !keys_hold(input, secret)
}

/// Asserts that an error does not carry the secret found at `pointer` in the input document.
pub fn assert_no_leak(e: &Error, input_text: &str, pointer: &str) {
    let Ok(input) = serde_json::from_str::<Value>(input_text) else {
        return;
    };
    let Some(secret) = input.pointer(pointer).and_then(Value::as_str) else {
        return;
    };
    if !distinctive_secret(secret, &input) {
        return;
    }
    let text = e.to_json();
    assert!(
        !text.contains(secret) && !format!("{e:?}").contains(secret),
        "the secret at {pointer} appears in the error: {text}"
    );
}

/// Asserts that the pointers of a request error name places of the request document: each
/// `invalid` entry an existing value (wrong type or bad value), each `missing` entry a place
/// that is absent, null or an empty string.
pub fn assert_pointers_resolve(e: &Error, input_text: &str) {
    let Ok(input) = serde_json::from_str::<Value>(input_text) else {
        return;
    };
    if !input.is_object() {
        return;
    }
    for i in &e.invalid {
        // A member named twice is refused at its first repetition, which may lie inside a
        // value that a last-wins reader (as serde_json's `Value` is) throws away.
        if i.reason == "is named more than once" {
            continue;
        }
        assert!(
            input.pointer(&i.pointer).is_some(),
            "invalid pointer {:?} does not resolve in the request: {e:?}",
            i.pointer
        );
    }
    for m in &e.missing {
        match input.pointer(m) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(v) => panic!("missing pointer {m:?} names a present value {v}: {e:?}"),
        }
    }
}

/// `check` plus `assert_pointers_resolve` against the request text.
pub fn check_in<T>(r: openconnectors::Result<T>, input_text: &str) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            check_request_error(&e);
            assert_pointers_resolve(&e, input_text);
            None
        }
    }
}

/// Whether a percent-encoded path could reach another resource than the one it names: a
/// segment that is `.` or `..` once decoded (one or more times) or cut at `;`, an encoded
/// slash or backslash, or a backslash. The library must refuse every such path.
pub fn path_escapes(path: &str) -> bool {
    if path.contains('\\') {
        return true;
    }
    for raw in path.split('/') {
        let mut segment = raw.to_owned();
        for round in 0..6 {
            let cut = segment.split(';').next().unwrap_or("");
            if matches!(segment.as_str(), "." | "..") || matches!(cut, "." | "..") {
                return true;
            }
            if round > 0 && segment.contains(['/', '\\']) {
                return true;
            }
            let decoded = percent_decode(&segment);
            if decoded == segment {
                break;
            }
            segment = decoded;
        }
    }
    false
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
