//! The C entry points, with the input as a NUL-terminated byte string (so invalid UTF-8 and
//! an early NUL are exercised too): `oc_client_new`, `oc_parse_callback`,
//! `oc_verify_webhook`, each client operation on a client whose base URL is the loopback
//! discard port (a request that passes validation is refused at once), and `oc_call` with an
//! operation name taken from the input's first line (known names and anything else). Then
//! through a completion queue (`oc_queue_new`, `oc_queue_call` with a cancel handle,
//! `oc_queue_take` until the completion comes, cancelling the call after a second,
//! `oc_queue_free` with a completion nobody took): `oc_call`'s name and request, and an
//! operation picked by the input's length with the whole input as its request. A call is
//! refused at once only where `oc_call` refused its name; its completion arrives once, with its
//! user_data, the descriptor readable exactly while it waits; an error of the input itself
//! (`OC_ERR_INVALID_ARGUMENT`, `OC_ERR_VALIDATION`) is the same document as the synchronous
//! call's. Every returned string is checked and freed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::ffi::*;
use openconnectors::oc_status;
use openconnectors_fuzz::{check_error_document_of, is_status};
use std::ffi::{c_char, c_void, CStr, CString};
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

/// How long a queued call may run before the target cancels it (an `await_callback` waits for
/// a browser up to its own `timeoutMs`), and how long the cancelled call may then take (the
/// contract says 100 ms).
const QUEUE_WAIT_MS: u32 = 1000;
const CANCEL_BOUND_MS: u32 = 5000;

/// Whether the queue's descriptor is readable within `timeout_ms` (0: now); `None` where this
/// target cannot poll (it declares `poll` itself, for Linux only, to need no libc crate).
#[cfg(target_os = "linux")]
fn readable(fd: i32, timeout_ms: i32) -> Option<bool> {
    #[repr(C)]
    struct PollFd {
        fd: i32,
        events: i16,
        revents: i16,
    }
    extern "C" {
        fn poll(fds: *mut PollFd, nfds: std::ffi::c_ulong, timeout: i32) -> i32;
    }
    const POLLIN: i16 = 1;
    loop {
        let mut p = PollFd {
            fd,
            events: POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { poll(&mut p, 1, timeout_ms) };
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        assert!(
            n >= 0,
            "poll on the queue's descriptor: {}",
            std::io::Error::last_os_error()
        );
        return Some(n == 1 && p.revents & POLLIN != 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn readable(_fd: i32, _timeout_ms: i32) -> Option<bool> {
    None
}

fn empty_completion() -> oc_completion {
    oc_completion {
        user_data: ptr::null_mut(),
        status: oc_status::OC_OK,
        response_json: ptr::null_mut(),
    }
}

/// `oc_call` with a cancel handle that a watchdog thread triggers after `QUEUE_WAIT_MS`.
fn bounded_call(name: &CStr, request: &CStr, out: &mut *mut c_char) -> oc_status {
    let mut cancel: *mut oc_cancel = ptr::null_mut();
    assert_eq!(unsafe { oc_cancel_new(&mut cancel) }, oc_status::OC_OK, "oc_cancel_new");
    let (done, finished) = std::sync::mpsc::channel::<()>();
    // The handle outlives the watchdog: it is freed after the join below.
    let handle = cancel as usize;
    let watchdog = std::thread::spawn(move || {
        let limit = std::time::Duration::from_millis(u64::from(QUEUE_WAIT_MS));
        if finished.recv_timeout(limit).is_err() {
            unsafe { oc_cancel_trigger(handle as *const oc_cancel) };
        }
    });
    let status = unsafe { oc_call(client(), name.as_ptr(), request.as_ptr(), cancel, out) };
    let _ = done.send(());
    watchdog.join().expect("the watchdog thread");
    unsafe { oc_cancel_free(cancel) };
    status
}

/// What a queued call is compared to.
enum Reference<'a> {
    /// What `oc_call` returned for the same name and request: the queue refuses at once only
    /// what `oc_call` refused (an operation name unknown or not UTF-8).
    Call(oc_status, &'a str),
    /// An operation of the library (never refused), with what its own function returned for
    /// the same request, when the target calls it (it does not call `oc_await_callback`).
    Named(Option<(oc_status, &'a str)>),
}

/// Runs each call through one completion queue, one after the other: `oc_queue_call` with a
/// cancel handle, then `oc_queue_take` until its completion comes (cancelling it after
/// `QUEUE_WAIT_MS`); checks the completion and that an error of the input itself is the
/// reference's document. Then the NULL rules, and `oc_queue_free` with a completion nobody
/// took (`input` parsed as a callback, no network).
fn queued_calls(input: &CStr, calls: &[(&CStr, &CStr, Reference)]) {
    let mut q: *mut oc_queue = ptr::null_mut();
    assert_eq!(
        unsafe { oc_queue_new(&mut q) },
        oc_status::OC_OK,
        "oc_queue_new"
    );
    assert!(!q.is_null(), "oc_queue_new: OK without a queue");
    let fd = unsafe { oc_queue_fd(q) };
    assert!(fd >= 0 || cfg!(windows), "oc_queue_fd: {fd}");
    assert_ne!(
        readable(fd, 0),
        Some(true),
        "a new queue's descriptor is readable"
    );
    // Any pointer-sized value: the library only hands it back.
    let tag = usize::MAX.wrapping_sub(input.to_bytes().len()) as *mut c_void;
    let mut done = [empty_completion(), empty_completion()];

    for (name, request, reference) in calls {
        let mut cancel: *mut oc_cancel = ptr::null_mut();
        assert_eq!(
            unsafe { oc_cancel_new(&mut cancel) },
            oc_status::OC_OK,
            "oc_cancel_new"
        );
        let status =
            unsafe { oc_queue_call(q, client(), name.as_ptr(), request.as_ptr(), cancel, tag) };
        if status != oc_status::OC_OK {
            assert_eq!(
                status,
                oc_status::OC_ERR_INVALID_ARGUMENT,
                "oc_queue_call({name:?}) refused with {status:?}"
            );
            match reference {
                Reference::Call(call_status, call_text) => assert_eq!(
                    *call_status,
                    oc_status::OC_ERR_INVALID_ARGUMENT,
                    "oc_queue_call refused what oc_call accepted: {call_text}"
                ),
                Reference::Named(_) => panic!("oc_queue_call refused the operation {name:?}"),
            }
            assert_eq!(
                unsafe { oc_queue_take(q, done.as_mut_ptr(), 2, 0) },
                0,
                "a completion of a refused call"
            );
            assert_ne!(readable(fd, 0), Some(true), "readable after a refused call");
        } else {
            let mut n = unsafe { oc_queue_take(q, done.as_mut_ptr(), 2, QUEUE_WAIT_MS) };
            if n == 0 {
                unsafe { oc_cancel_trigger(cancel) };
                n = unsafe { oc_queue_take(q, done.as_mut_ptr(), 2, CANCEL_BOUND_MS) };
                assert_eq!(
                    n, 1,
                    "{name:?}: a cancelled queued call did not complete within {CANCEL_BOUND_MS} ms"
                );
            }
            assert_eq!(n, 1, "{name:?}: oc_queue_take: {n} completions of one call");
            assert_eq!(
                done[0].user_data, tag,
                "{name:?}: the completion's user_data is not the call's"
            );
            let text = take(done[0].status, done[0].response_json, "oc_queue_call");
            let reference = match reference {
                Reference::Call(status, text) => Some((*status, *text)),
                Reference::Named(reference) => *reference,
            };
            // An error of the input itself does not depend on how the call runs.
            if let Some(reference) = reference.filter(|(status, _)| {
                matches!(
                    status,
                    oc_status::OC_ERR_INVALID_ARGUMENT | oc_status::OC_ERR_VALIDATION
                )
            }) {
                assert_eq!(
                    (done[0].status, text.as_str()),
                    reference,
                    "{name:?}: oc_queue_call and the synchronous call disagree on an input error"
                );
            }
            assert_ne!(
                readable(fd, 0),
                Some(true),
                "{name:?}: readable once the completion was taken"
            );
            assert_eq!(
                unsafe { oc_queue_take(q, done.as_mut_ptr(), 2, 0) },
                0,
                "{name:?}: a second completion of one call"
            );
        }
        unsafe { oc_cancel_free(cancel) };
    }

    // The NULL rules: nothing taken, at once; nothing queued.
    assert_eq!(unsafe { oc_queue_take(q, ptr::null_mut(), 2, 0) }, 0);
    assert_eq!(unsafe { oc_queue_take(q, done.as_mut_ptr(), 0, 0) }, 0);
    assert_eq!(
        unsafe { oc_queue_take(ptr::null(), done.as_mut_ptr(), 2, 0) },
        0
    );
    assert_eq!(unsafe { oc_queue_fd(ptr::null()) }, -1);
    assert_eq!(
        unsafe {
            oc_queue_call(
                ptr::null(),
                ptr::null(),
                c"parse_callback".as_ptr(),
                input.as_ptr(),
                ptr::null(),
                tag,
            )
        },
        oc_status::OC_ERR_INVALID_ARGUMENT,
        "oc_queue_call with a NULL queue"
    );

    // Freed with a completion nobody took, waited for on the descriptor where there is one.
    let status = unsafe {
        oc_queue_call(
            q,
            ptr::null(),
            c"parse_callback".as_ptr(),
            input.as_ptr(),
            ptr::null(),
            tag,
        )
    };
    assert_eq!(status, oc_status::OC_OK, "oc_queue_call(parse_callback)");
    assert_ne!(
        readable(fd, CANCEL_BOUND_MS as i32),
        Some(false),
        "parse_callback did not complete within {CANCEL_BOUND_MS} ms"
    );
    unsafe { oc_queue_free(q) };
}

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
    let parsed = (status, take(status, out, "oc_parse_callback"));
    let status = unsafe { oc_verify_webhook(p, &mut out) };
    let verified = (status, take(status, out, "oc_verify_webhook"));

    // oc_call: the first line names the operation, the rest is the request.
    let text = &data[..end];
    let split = text.iter().position(|&b| b == b'\n').unwrap_or(0);
    let name = CString::new(&text[..split]).unwrap();
    let request = CString::new(&text[(split + 1).min(text.len())..]).unwrap();
    let status = if name.as_bytes() == b"await_callback" {
        // A listener waits up to the input's own timeoutMs: cancelled after QUEUE_WAIT_MS, as
        // the queued calls are, so that a large timeout is not a fuzzer timeout.
        bounded_call(&name, &request, &mut out)
    } else {
        unsafe { oc_call(client(), name.as_ptr(), request.as_ptr(), ptr::null(), &mut out) }
    };
    let call = (status, take(status, out, "oc_call"));

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
    let mut named = Vec::with_capacity(ops.len());
    for (name, op) in ops {
        let mut out: *mut c_char = ptr::null_mut();
        let status = unsafe { op(c, p, &mut out) };
        let text = take(status, out, name);
        // Nothing can answer on the discard port: success is impossible.
        assert_ne!(status, oc_status::OC_OK, "{name}: OC_OK from a closed port: {text}");
        assert!(!text.contains("fuzz-user-secret") && !text.contains("fuzz-org-secret"),
            "{name}: a configured secret in the answer: {text}");
        named.push((&name["oc_".len()..], (status, text)));
    }

    // The same through a completion queue: oc_call's name and request, and an operation of
    // the library picked by the input's length with the whole input as its request (the
    // fuzzer seldom finds a name for the first line by itself).
    // The library's own table of operations; the reference is what the target got from the
    // function of that name (it does not call oc_await_callback).
    let picked = openconnectors::OPERATIONS[data.len() % openconnectors::OPERATIONS.len()].name;
    let reference = match picked {
        "parse_callback" => Some(&parsed),
        "verify_webhook" => Some(&verified),
        "await_callback" => None,
        other => named.iter().find(|(name, _)| *name == other).map(|(_, outcome)| outcome),
    };
    let picked = CString::new(picked).expect("an operation name holds no NUL");
    queued_calls(
        &input,
        &[
            (&name, &request, Reference::Call(call.0, &call.1)),
            (
                &picked,
                &input,
                Reference::Named(reference.map(|(status, text)| (*status, text.as_str()))),
            ),
        ],
    );
});
