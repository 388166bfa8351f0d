//! Shared by the tests that go through the C ABI: calls with owned results, the emulator's
//! hooks, and the consent step.
#![allow(dead_code)]

use openconnectors::ffi::*;
use openconnectors::oc_status;
use openconnectors_emulator::Emulator;
use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};

/// A client operation of the C ABI.
pub type Op = unsafe extern "C" fn(*const oc_client, *const c_char, *mut *mut c_char) -> oc_status;

/// Every client operation, by name.
pub const OPS: [(&str, Op); 7] = [
    ("oc_oauth_url", oc_oauth_url),
    ("oc_create_instance", oc_create_instance),
    ("oc_get_instance", oc_get_instance),
    ("oc_list_instances", oc_list_instances),
    ("oc_update_instance", oc_update_instance),
    ("oc_delete_instance", oc_delete_instance),
    ("oc_request", oc_request),
];

pub const USER: &str = "ffi-user-secret-5e1f7a";
pub const ORG: &str = "ffi-org-secret-9c3b2d";
pub const API_KEY: &str = "ffi-client-id";
pub const API_SECRET: &str = "ffi-api-secret-77d0e4";
pub const CALLBACK: &str = "https://app.example/cb";

/// A client made through `oc_client_new`, freed on drop.
pub struct FfiClient(pub *mut oc_client);

// SAFETY: an oc_client is immutable and safe to share between threads (docs/c-api.md).
unsafe impl Send for FfiClient {}
unsafe impl Sync for FfiClient {}

impl FfiClient {
    pub fn new(config: &Value) -> FfiClient {
        let text = CString::new(config.to_string()).unwrap();
        let mut client = std::ptr::null_mut();
        let mut error = std::ptr::null_mut();
        let status = unsafe { oc_client_new(text.as_ptr(), &mut client, &mut error) };
        assert_eq!(status, oc_status::OC_OK, "{}", unsafe { take(error) });
        assert!(error.is_null());
        FfiClient(client)
    }

    pub fn for_emulator(emu: &Emulator, extra: Value) -> FfiClient {
        let mut config =
            json!({"baseUrl": emu.base_url(), "userSecret": USER, "organizationSecret": ORG});
        if let (Some(c), Some(e)) = (config.as_object_mut(), extra.as_object()) {
            c.extend(e.clone());
        }
        FfiClient::new(&config)
    }

    /// Calls an operation with a request document.
    pub fn call(&self, op: Op, request: &Value) -> (oc_status, Value) {
        call_raw(op, self.0, request.to_string().as_bytes())
    }
}

impl Drop for FfiClient {
    fn drop(&mut self) {
        unsafe { oc_client_free(self.0) };
    }
}

/// Takes an owned string from the library and frees it.
///
/// # Safety
/// `s` is NULL or a string returned by the library.
pub unsafe fn take(s: *mut c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    let text = unsafe { CStr::from_ptr(s) }
        .to_str()
        .expect("UTF-8 output")
        .to_owned();
    unsafe { oc_string_free(s) };
    text
}

/// Calls an operation with raw request bytes (NUL-terminated here), checking the output's
/// shape: JSON always, an error document exactly when the status is not OC_OK.
pub fn call_raw(op: Op, client: *const oc_client, request: &[u8]) -> (oc_status, Value) {
    let text = CString::new(request).expect("no NUL inside the request");
    let mut out = std::ptr::null_mut();
    let status = unsafe { op(client, text.as_ptr(), &mut out) };
    let doc = parse_output(status, unsafe { take(out) });
    (status, doc)
}

pub fn parse_output(status: oc_status, text: String) -> Value {
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    if status == oc_status::OC_OK {
        assert!(
            doc.get("error").is_none() || !doc["error"].is_object(),
            "{text}"
        );
    } else {
        assert_eq!(doc["error"]["kind"], status.kind(), "{text}");
        assert!(doc["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    doc
}

/// `oc_parse_callback` with a request document.
pub fn parse_callback(request: &Value) -> (oc_status, Value) {
    let text = CString::new(request.to_string()).unwrap();
    let mut out = std::ptr::null_mut();
    let status = unsafe { oc_parse_callback(text.as_ptr(), &mut out) };
    let doc = parse_output(status, unsafe { take(out) });
    (status, doc)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent()
}

/// Calls a test hook of the emulator.
pub fn hook(emu: &Emulator, method: &str, path: &str, body: Option<Value>) -> Value {
    let url = format!("{}{path}", emu.root_url());
    let a = agent();
    let mut response = match method {
        "POST" => a
            .post(&url)
            .header("content-type", "application/json")
            .send(body.unwrap_or(Value::Null).to_string()),
        "DELETE" => a.delete(&url).call(),
        _ => a.get(&url).call(),
    }
    .expect("the hook answers");
    let text = response.body_mut().read_to_string().unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

pub fn fault(emu: &Emulator, spec: Value) {
    hook(emu, "POST", "/__emulator/faults", Some(spec));
}

pub fn journal(emu: &Emulator) -> Vec<Value> {
    hook(emu, "GET", "/__emulator/requests", None)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Steps 1 and 2 through the C ABI: the URL, the consent (followed here), the code.
pub fn authorize(client: &FfiClient) -> String {
    let (status, step1) = client.call(
        oc_oauth_url,
        &json!({"element": "infusionsoftecommerce", "apiKey": API_KEY, "apiSecret": API_SECRET,
                "callbackUrl": CALLBACK}),
    );
    assert_eq!(status, oc_status::OC_OK, "{step1}");
    let consent = agent()
        .get(step1["oauthUrl"].as_str().unwrap())
        .call()
        .unwrap();
    let location = consent.headers()["location"].to_str().unwrap().to_owned();
    let (status, cb) = parse_callback(&json!({"url": location, "expectedState": step1["state"]}));
    assert_eq!(status, oc_status::OC_OK, "{cb}");
    cb["code"].as_str().unwrap().to_owned()
}

/// An instance document for `oc_create_instance`.
pub fn instance_doc(code: &str, name: &str) -> Value {
    json!({"element": {"key": "infusionsoftecommerce"}, "providerData": {"code": code},
           "configuration": {"oauth.callback.url": CALLBACK, "oauth.api.key": API_KEY,
                             "oauth.api.secret": API_SECRET},
           "tags": ["ffi"], "name": name})
}

/// Creates an instance through the C ABI; returns its id and token.
pub fn create(client: &FfiClient, name: &str) -> (u64, String) {
    let code = authorize(client);
    let (status, inst) = client.call(oc_create_instance, &instance_doc(&code, name));
    assert_eq!(status, oc_status::OC_OK, "{inst}");
    (
        inst["id"].as_u64().unwrap(),
        inst["token"].as_str().unwrap().to_owned(),
    )
}
