//! The C entry points, with the input as a NUL-terminated byte string (so invalid UTF-8 and
//! an early NUL are exercised too): `oc_client_new`, `oc_parse_callback`,
//! `oc_verify_webhook`, each client operation on a client whose base URL is the loopback
//! discard port (a request that passes validation is refused at once), and `oc_call` with an
//! operation name taken from the input's first line (known names and anything else). Every
//! returned string is checked and freed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::ffi::*;
use openconnectors::oc_status;
use openconnectors_fuzz::{check_error_document_of, is_status};
use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::OnceLock;

const CLIENT_CONFIG: &CStr = c"{\"baseUrl\": \"http://127.0.0.1:9/elements/api-v2\",
    \"userSecret\": \"fuzz-user-secret\", \"organizationSecret\": \"fuzz-org-secret\",
    \"timeoutMs\": 50, \"connectTimeoutMs\": 50, \"maxRetries\": 0}";

struct Shared(*mut oc_client);
// SAFETY: an oc_client is immutable and safe to use from many threads.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

fn client() -> *const oc_client {
    static CLIENT: OnceLock<Shared> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let mut c = ptr::null_mut();
            let status = unsafe { oc_client_new(CLIENT_CONFIG.as_ptr(), &mut c, ptr::null_mut()) };
            assert_eq!(status, oc_status::OC_OK);
            Shared(c)
        })
        .0
}

/// Checks and frees one returned string; returns its text.
fn take(status: oc_status, s: *mut c_char, what: &str) -> String {
    let n = status as u32;
    assert!(is_status(n), "{what}: undocumented status {n}");
    assert_ne!(status, oc_status::OC_ERR_INTERNAL, "{what}: OC_ERR_INTERNAL (a caught panic)");
    assert!(!s.is_null(), "{what}: status {n} with a NULL string");
    let text = unsafe { CStr::from_ptr(s) }
        .to_str()
        .unwrap_or_else(|_| panic!("{what}: the returned string is not UTF-8"))
        .to_owned();
    unsafe { oc_string_free(s) };
    let doc: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{what}: returned text is not JSON ({e}): {text:?}"));
    if status == oc_status::OC_OK {
        assert!(doc.is_object(), "{what}: OC_OK with a result that is not an object: {text}");
    } else {
        check_error_document_of(what, &text, n);
    }
    text
}

type Op = unsafe extern "C" fn(*const oc_client, *const c_char, *mut *mut c_char) -> oc_status;

fuzz_target!(|data: &[u8]| {
    // The bytes up to the first NUL, then a NUL: what C code would pass.
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let input = CString::new(&data[..end]).unwrap();
    let p = input.as_ptr();

    // oc_client_new, when the input does not name a file to read (see the config target).
    if !data.windows(21).any(|w| w == b"caCertificatesPemFile") {
        let mut c: *mut oc_client = ptr::null_mut();
        let mut err: *mut c_char = ptr::null_mut();
        let status = unsafe { oc_client_new(p, &mut c, &mut err) };
        if status == oc_status::OC_OK {
            assert!(!c.is_null() && err.is_null(), "oc_client_new: OK without a client");
            unsafe { oc_client_free(c) };
        } else {
            assert!(c.is_null(), "oc_client_new: error with a client");
            take(status, err, "oc_client_new");
        }
    }

    let mut out: *mut c_char = ptr::null_mut();
    let status = unsafe { oc_parse_callback(p, &mut out) };
    take(status, out, "oc_parse_callback");
    let status = unsafe { oc_verify_webhook(p, &mut out) };
    take(status, out, "oc_verify_webhook");

    // oc_call: the first line names the operation, the rest is the request.
    let text = &data[..end];
    let split = text.iter().position(|&b| b == b'\n').unwrap_or(0);
    let name = CString::new(&text[..split]).unwrap();
    let request = CString::new(&text[(split + 1).min(text.len())..]).unwrap();
    let status = unsafe {
        oc_call(client(), name.as_ptr(), request.as_ptr(), ptr::null(), &mut out)
    };
    take(status, out, "oc_call");

    let ops: [(&str, Op); 7] = [
        ("oc_oauth_url", oc_oauth_url),
        ("oc_create_instance", oc_create_instance),
        ("oc_get_instance", oc_get_instance),
        ("oc_list_instances", oc_list_instances),
        ("oc_update_instance", oc_update_instance),
        ("oc_delete_instance", oc_delete_instance),
        ("oc_request", oc_request),
    ];
    let c = client();
    for (name, op) in ops {
        let mut out: *mut c_char = ptr::null_mut();
        let status = unsafe { op(c, p, &mut out) };
        let text = take(status, out, name);
        // Nothing can answer on the discard port: success is impossible.
        assert_ne!(status, oc_status::OC_OK, "{name}: OC_OK from a closed port: {text}");
        assert!(!text.contains("fuzz-user-secret") && !text.contains("fuzz-org-secret"),
            "{name}: a configured secret in the answer: {text}");
    }
});
