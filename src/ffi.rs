//! The C ABI: a few lines per function over the Rust API.
//!
//! Every export runs behind [`boundary`] (no panic crosses into C), reads its pointers through
//! the small helpers below (NULL is `OC_ERR_INVALID_ARGUMENT`), and writes its out-pointer once,
//! at the end. `CString::into_raw` and `CString::from_raw` (in `oc_string_free`) are the only
//! allocation pair.

use crate::callback::{await_callback, parse_callback, AwaitCallbackRequest, ParseCallbackRequest};
use crate::config::Config;
use crate::error::{oc_status, Error, Result};
use crate::instances::{InstanceId, ListInstances, NewInstance, UpdateInstance};
use crate::{ApiRequest, Client, Json, OAuthUrlRequest};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A client of the platform: configuration, credentials and one connection pool.
///
/// Opaque; create it with `oc_client_new`, free it with `oc_client_free`. Immutable after
/// creation and safe to use from many threads at once.
#[allow(non_camel_case_types)]
pub struct oc_client {
    inner: Client,
}

const VERSION_C: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the version holds a NUL byte"),
    };

/// Runs an export's body; a panic becomes `fallback` instead of unwinding into C.
fn boundary<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Runs an operation behind the boundary and writes its JSON (the result, or the error
/// document) to `out`. A NULL `out` is `OC_ERR_INVALID_ARGUMENT` and nothing is written.
fn json_call(out: *mut *mut c_char, op: impl FnOnce() -> Result<String>) -> oc_status {
    if out.is_null() {
        return oc_status::OC_ERR_INVALID_ARGUMENT;
    }
    let (status, text) = match catch_unwind(AssertUnwindSafe(op)) {
        Ok(Ok(json)) => (oc_status::OC_OK, json),
        Ok(Err(e)) => (e.status, e.to_json()),
        Err(_) => (oc_status::OC_ERR_INTERNAL, internal_error().to_json()),
    };
    // SAFETY: `out` is non-NULL and, by the contract, points to writable storage.
    unsafe { *out = into_c_string(text) };
    status
}

/// An operation on a client with a JSON request.
fn client_call(
    client: *const oc_client,
    request_json: *const c_char,
    out: *mut *mut c_char,
    op: impl FnOnce(&Client, &str) -> Result<Json>,
) -> oc_status {
    json_call(out, || {
        #[cfg(test)]
        tests::panic_if_armed();
        // SAFETY: a non-NULL client comes from `oc_client_new` and is alive during the call.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: a non-NULL request is a NUL-terminated string borrowed for the call.
        let text = unsafe { input(request_json, "request_json") }?;
        op(client, text).map(Json::into_string)
    })
}

fn internal_error() -> Error {
    Error::new(
        oc_status::OC_ERR_INTERNAL,
        "internal error: the library caught a panic; please report it",
    )
}

/// Borrows the client behind a pointer.
///
/// # Safety
/// `client` is NULL or a live pointer from `oc_client_new`.
unsafe fn client_ref<'a>(client: *const oc_client) -> Result<&'a Client> {
    // SAFETY: the caller guarantees the pointer is NULL or valid.
    match unsafe { client.as_ref() } {
        Some(c) => Ok(&c.inner),
        None => Err(null_argument("client")),
    }
}

/// Borrows a NUL-terminated UTF-8 input.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that outlives the call.
unsafe fn input<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|_| bad_argument(name, "is not valid UTF-8"))
}

fn null_argument(name: &str) -> Error {
    bad_argument(name, "is NULL")
}

/// `OC_ERR_INVALID_ARGUMENT` for a whole argument: its `invalid` entry has the root pointer.
fn bad_argument(name: &str, what: &str) -> Error {
    let mut e = Error::new(
        oc_status::OC_ERR_INVALID_ARGUMENT,
        format!("invalid argument: {name} {what}"),
    );
    e.invalid.push(crate::Invalid {
        pointer: String::new(),
        reason: format!("{name} {what}"),
    });
    e
}

fn into_c_string(text: String) -> *mut c_char {
    // JSON text escapes NUL as \u0000, so this cannot fail for the library's own output.
    CString::new(text)
        .unwrap_or_else(|_| {
            c"{\"error\":{\"kind\":\"internal\",\"message\":\"NUL in output\"}}".into()
        })
        .into_raw()
}

/// The library's version, e.g. `"0.1.0"`. Static: never free it.
#[no_mangle]
pub extern "C" fn oc_version() -> *const c_char {
    boundary(std::ptr::null(), || VERSION_C.as_ptr())
}

/// The name of a status, e.g. `"OC_ERR_API"`, for any number (`"OC_ERR_UNKNOWN"` for numbers
/// that are not a status). Takes a plain `uint32_t` so that any value is safe to pass. Static:
/// never free it.
#[no_mangle]
pub extern "C" fn oc_status_name(status: u32) -> *const c_char {
    boundary(std::ptr::null(), || {
        let name: &'static CStr = match oc_status::from_u32(status) {
            Some(oc_status::OC_OK) => c"OC_OK",
            Some(oc_status::OC_ERR_INVALID_ARGUMENT) => c"OC_ERR_INVALID_ARGUMENT",
            Some(oc_status::OC_ERR_VALIDATION) => c"OC_ERR_VALIDATION",
            Some(oc_status::OC_ERR_OAUTH_DENIED) => c"OC_ERR_OAUTH_DENIED",
            Some(oc_status::OC_ERR_STATE_MISMATCH) => c"OC_ERR_STATE_MISMATCH",
            Some(oc_status::OC_ERR_API) => c"OC_ERR_API",
            Some(oc_status::OC_ERR_TIMEOUT) => c"OC_ERR_TIMEOUT",
            Some(oc_status::OC_ERR_TRANSPORT) => c"OC_ERR_TRANSPORT",
            Some(oc_status::OC_ERR_DECODE) => c"OC_ERR_DECODE",
            Some(oc_status::OC_ERR_OUTCOME_UNKNOWN) => c"OC_ERR_OUTCOME_UNKNOWN",
            Some(oc_status::OC_ERR_INTERNAL) => c"OC_ERR_INTERNAL",
            None => c"OC_ERR_UNKNOWN",
        };
        name.as_ptr()
    })
}

/// Creates a client from a configuration document (every member optional):
/// `{"baseUrl", "userSecret", "organizationSecret", "timeoutMs", "connectTimeoutMs",
/// "maxRetries", "maxResponseBytes", "userAgent", "proxy", "caCertificatesPemFile",
/// "allowInsecureHttp"}`. No network traffic.
///
/// On success `*client_out` is the new client and `*error_json_out` (when not NULL) is set to
/// NULL. On error `*client_out` is NULL and `*error_json_out` (when not NULL) is the error
/// document. A NULL `config_json` is `OC_ERR_INVALID_ARGUMENT` (pass `"{}"` for the defaults);
/// a NULL `client_out` returns `OC_ERR_INVALID_ARGUMENT` and writes nothing.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `client_out` is NULL or writable;
/// `error_json_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn oc_client_new(
    config_json: *const c_char,
    client_out: *mut *mut oc_client,
    error_json_out: *mut *mut c_char,
) -> oc_status {
    boundary(oc_status::OC_ERR_INTERNAL, || {
        if client_out.is_null() {
            return oc_status::OC_ERR_INVALID_ARGUMENT;
        }
        let made = boundary(Err(internal_error()), || {
            // SAFETY: NULL or NUL-terminated, per this function's contract.
            let text = unsafe { input(config_json, "config_json") }?;
            Client::new(Config::from_json(text)?)
        });
        let (status, client, error) = match made {
            Ok(inner) => (
                oc_status::OC_OK,
                Box::into_raw(Box::new(oc_client { inner })),
                std::ptr::null_mut(),
            ),
            Err(e) => (e.status, std::ptr::null_mut(), into_c_string(e.to_json())),
        };
        // SAFETY: both out-pointers were checked (or are checked here) and are writable.
        unsafe {
            *client_out = client;
            if error_json_out.is_null() {
                oc_string_free(error);
            } else {
                *error_json_out = error;
            }
        }
        status
    })
}

/// Frees a client. NULL is a no-op. Free it only when no call is running on it.
///
/// # Safety
/// `client` is NULL or a pointer from `oc_client_new` that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn oc_client_free(client: *mut oc_client) {
    boundary((), || {
        if !client.is_null() {
            // SAFETY: created by Box::into_raw in oc_client_new and freed only once.
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

/// Step 1: the provider's authorization URL.
///
/// Request: `{"element": key or numeric id, "apiKey", "apiSecret", "callbackUrl", "state"?,
/// "scope"?, "siteAddress"?, "params"?: {name: value}}`. Without `state` the library generates
/// 256 random bits. Result: the platform's object (`{"element", "oauthUrl"}`) plus `"state"`.
///
/// # Safety
/// `client` is NULL or live; `request_json` is NULL or NUL-terminated; `response_json_out` is
/// NULL or writable. The result is freed with `oc_string_free`.
#[no_mangle]
pub unsafe extern "C" fn oc_oauth_url(
    client: *const oc_client,
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    client_call(client, request_json, response_json_out, |c, text| {
        c.oauth_url(&OAuthUrlRequest::from_json(text)?)
    })
}

/// Step 3: provisions an instance (`POST /instances`) from the platform's instance document,
/// validated first (every missing and invalid entry reported at once). Never retried; a lost
/// answer is `OC_ERR_OUTCOME_UNKNOWN`. Result: the platform's instance (with `id` and `token`).
///
/// # Safety
/// As for `oc_oauth_url`.
#[no_mangle]
pub unsafe extern "C" fn oc_create_instance(
    client: *const oc_client,
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    client_call(client, request_json, response_json_out, |c, text| {
        c.create_instance(&NewInstance::from_json(text)?)
    })
}

/// `GET /instances/{id}`. Request: `{"id": 1234}` (a JSON number). Result: the instance.
///
/// # Safety
/// As for `oc_oauth_url`.
#[no_mangle]
pub unsafe extern "C" fn oc_get_instance(
    client: *const oc_client,
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    client_call(client, request_json, response_json_out, |c, text| {
        c.get_instance(InstanceId::from_json(text)?)
    })
}

/// `GET /instances`. Request: `{}` or `{"tags": [...], "searchText", "pageSize", "nextPage"}`.
/// Result: `{"instances": [...], "nextPage": token or null}`.
///
/// # Safety
/// As for `oc_oauth_url`.
#[no_mangle]
pub unsafe extern "C" fn oc_list_instances(
    client: *const oc_client,
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    client_call(client, request_json, response_json_out, |c, text| {
        c.list_instances(&ListInstances::from_json(text)?)
    })
}

/// `PUT /instances/{id}` (or `PATCH` when `"partial": true`). Request:
/// `{"id": 1234, "instance": {...}, "partial": false}`; with `providerData.code` it
/// re-authenticates. Never retried. Result: the instance.
///
/// # Safety
/// As for `oc_oauth_url`.
#[no_mangle]
pub unsafe extern "C" fn oc_update_instance(
    client: *const oc_client,
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    client_call(client, request_json, response_json_out, |c, text| {
        c.update_instance(&UpdateInstance::from_json(text)?)
    })
}

/// `DELETE /instances/{id}`. Request: `{"id": 1234}`. Result: `{"id": 1234, "deleted": true}`.
///
/// # Safety
/// As for `oc_oauth_url`.
#[no_mangle]
pub unsafe extern "C" fn oc_delete_instance(
    client: *const oc_client,
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    client_call(client, request_json, response_json_out, |c, text| {
        c.delete_instance(InstanceId::from_json(text)?)
    })
}

/// Calls the connected service through an instance. Request: `{"method", "path", "query"?,
/// "body"?, "elementToken"?, "headers"?}`. Result: `{"status", "headers", "body"}`; a non-2xx
/// answer is `OC_ERR_API`.
///
/// # Safety
/// As for `oc_oauth_url`.
#[no_mangle]
pub unsafe extern "C" fn oc_request(
    client: *const oc_client,
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    client_call(client, request_json, response_json_out, |c, text| {
        c.request(&ApiRequest::from_json(text)?)
    })
}

/// Step 2 without I/O: parses the provider's redirect. Request:
/// `{"url": callback URL or its query string, "expectedState"?}`. Checks the state (constant
/// time), then `error`, then `code`. Result: `{"code", "state", "params": {...}}`.
///
/// # Safety
/// `request_json` is NULL or NUL-terminated; `response_json_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn oc_parse_callback(
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    json_call(response_json_out, || {
        // SAFETY: NULL or NUL-terminated, per this function's contract.
        let text = unsafe { input(request_json, "request_json") }?;
        let r = ParseCallbackRequest::from_json(text)?;
        Ok(parse_callback(&r.url, r.expected_state.as_deref())?
            .to_json()
            .into_string())
    })
}

/// Step 2 for desktop and command-line programs: listens on the loopback callback URL and
/// waits for the browser's redirect. Request: `{"callbackUrl": "http://127.0.0.1:PORT/path",
/// "expectedState"?, "timeoutMs"? (default 300000)}`. Result: as `oc_parse_callback`. Blocks.
///
/// # Safety
/// As for `oc_parse_callback`.
#[no_mangle]
pub unsafe extern "C" fn oc_await_callback(
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    json_call(response_json_out, || {
        // SAFETY: NULL or NUL-terminated, per this function's contract.
        let text = unsafe { input(request_json, "request_json") }?;
        let r = AwaitCallbackRequest::from_json(text)?;
        Ok(await_callback(&r)?.to_json().into_string())
    })
}

/// Frees a string the library returned. NULL is a no-op. Free each string once.
///
/// # Safety
/// `s` is NULL or a string returned by this library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn oc_string_free(s: *mut c_char) {
    boundary((), || {
        if !s.is_null() {
            // SAFETY: made by CString::into_raw in this library and freed only once.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Test-only hook: the next client operation on this thread panics inside its export.
        static PANIC_NEXT: Cell<bool> = const { Cell::new(false) };
    }

    pub(super) fn panic_if_armed() {
        if PANIC_NEXT.with(|p| p.replace(false)) {
            panic!("a panic forced by the test hook");
        }
    }

    #[test]
    fn a_panic_inside_an_export_is_oc_err_internal_and_the_client_survives() {
        let mut client: *mut oc_client = std::ptr::null_mut();
        let config = c"{\"userSecret\":\"u\",\"organizationSecret\":\"o\",\"baseUrl\":\"http://127.0.0.1:9/x\"}";
        let status = unsafe { oc_client_new(config.as_ptr(), &mut client, std::ptr::null_mut()) };
        assert_eq!(status, oc_status::OC_OK);
        PANIC_NEXT.with(|p| p.set(true));
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = unsafe { oc_get_instance(client, c"{\"id\":1}".as_ptr(), &mut out) };
        assert_eq!(status, oc_status::OC_ERR_INTERNAL);
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        unsafe { oc_string_free(out) };
        assert!(text.contains("\"kind\":\"internal\""), "{text}");
        let status = unsafe { oc_get_instance(client, c"{\"id\":0}".as_ptr(), &mut out) };
        assert_eq!(
            status,
            oc_status::OC_ERR_VALIDATION,
            "the client still works"
        );
        unsafe {
            oc_string_free(out);
            oc_client_free(client);
        }
    }

    /// Every export's body must start with the panic boundary or a helper that applies it.
    #[test]
    fn every_export_is_behind_the_panic_boundary() {
        let source = include_str!("ffi.rs");
        let mut exports = 0;
        for (i, _) in source.match_indices("extern \"C\" fn ") {
            let body_start = source[i..].find('{').unwrap() + i + 1;
            let first = source[body_start..].trim_start();
            let name: String = source[i + 14..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            assert!(
                ["boundary(", "json_call(", "client_call("]
                    .iter()
                    .any(|b| first.starts_with(b)),
                "{name} is not behind the panic boundary"
            );
            exports += 1;
        }
        assert_eq!(
            exports, 14,
            "the number of exports changed: update abi.md's list"
        );
    }

    #[test]
    fn a_panic_becomes_oc_err_internal() {
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = json_call(&mut out, || panic!("a bug"));
        assert_eq!(status, oc_status::OC_ERR_INTERNAL);
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        unsafe { oc_string_free(out) };
        assert!(text.contains("\"kind\":\"internal\""));
    }
}
