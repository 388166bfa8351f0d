//! The C ABI: a few lines per function over the Rust API.
//!
//! Every export runs behind `boundary` (no panic crosses into C), reads its pointers through
//! the small helpers below (NULL is `OC_ERR_INVALID_ARGUMENT`), and writes its out-pointer once,
//! at the end. `CString::into_raw` and `CString::from_raw` (in `oc_string_free`) are the only
//! allocation pair. Every operation goes through [`oc_call`]'s path: the named functions are
//! `oc_call` with their name and no cancel handle.

use crate::cancel::Cancel;
use crate::client::Client;
use crate::config::Config;
use crate::error::{oc_status, Error, Result};
use crate::json::Json;
use crate::log::{self, Level};
use crate::operation::{operation_spec, Operation};
use crate::pool::{self, Lane};
use crate::queue::{Completion, CompletionQueue};
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

/// A client of the platform: configuration, credentials and one connection pool.
///
/// Opaque; create it with `oc_client_new`, free it with `oc_client_free`. Immutable after
/// creation and safe to use from many threads at once.
#[allow(non_camel_case_types)]
pub struct oc_client {
    /// Shared with the asynchronous calls still running, which keep it alive.
    inner: Arc<Client>,
}

/// A cancel handle: create it with `oc_cancel_new`, trigger it with `oc_cancel_trigger`, free
/// it with `oc_cancel_free`. Calls given it hold their own reference.
#[allow(non_camel_case_types)]
pub struct oc_cancel {
    inner: Cancel,
}

/// A completion queue: the outcomes of the calls given it (`oc_queue_call`), kept until a
/// thread of the caller's choosing takes them (`oc_queue_take`), with a descriptor that an
/// event loop can poll (`oc_queue_fd`). Create it with `oc_queue_new`, free it with
/// `oc_queue_free`. Safe to use from many threads at once.
#[allow(non_camel_case_types)]
pub struct oc_queue {
    /// Shared with the calls still running, which keep it alive.
    inner: Arc<CompletionQueue>,
}

/// One finished call, as `oc_queue_take` hands it over.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct oc_completion {
    /// The `user_data` given to `oc_queue_call`, as it was given.
    pub user_data: *mut c_void,
    /// The call's status.
    pub status: oc_status,
    /// The result (on `OC_OK`) or the error document, now the caller's: free it with
    /// `oc_string_free`.
    pub response_json: *mut c_char,
}

/// The callback of `oc_call_async`: runs once, on a library thread, with the status and the
/// result or error document, which it owns (free it with `oc_string_free`).
#[allow(non_camel_case_types)]
pub type oc_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, status: oc_status, response_json: *mut c_char),
>;

/// The logger of `oc_set_logger`: runs on the thread that did the work, with the level (1
/// error to 5 trace) and one JSON record, borrowed for the call.
#[allow(non_camel_case_types)]
pub type oc_log_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: u32, record_json: *const c_char)>;

/// The major version of the library this header belongs to.
pub const OC_VERSION_MAJOR: u32 = 0;
/// The minor version of the library this header belongs to.
pub const OC_VERSION_MINOR: u32 = 2;
/// The patch version of the library this header belongs to.
pub const OC_VERSION_PATCH: u32 = 0;

const VERSION_C: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the version holds a NUL byte"),
    };

/// Runs an export's body; a panic becomes `fallback` instead of unwinding into C.
fn boundary<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Runs an operation behind the boundary: the status and the JSON to hand out (the result, or
/// the error document).
fn outcome(op: impl FnOnce() -> Result<Json>) -> (oc_status, String) {
    match catch_unwind(AssertUnwindSafe(op)) {
        Ok(Ok(json)) => (oc_status::OC_OK, json.into_string()),
        Ok(Err(e)) => (e.status, e.to_json()),
        Err(_) => (oc_status::OC_ERR_INTERNAL, internal_error().to_json()),
    }
}

/// Runs an operation and writes its JSON to `out`. A NULL `out` is
/// `OC_ERR_INVALID_ARGUMENT` and nothing is written.
fn json_call(out: *mut *mut c_char, op: impl FnOnce() -> Result<Json>) -> oc_status {
    if out.is_null() {
        return oc_status::OC_ERR_INVALID_ARGUMENT;
    }
    let (status, text) = outcome(op);
    // SAFETY: `out` is non-NULL and, by the contract, points to writable storage.
    unsafe { *out = into_c_string(text) };
    status
}

/// The path of every synchronous operation: check the arguments, parse, run.
///
/// # Safety
/// The pointers are NULL or valid, as `oc_call` requires.
unsafe fn call(
    client: *const oc_client,
    operation: &str,
    request_json: *const c_char,
    cancel: *const oc_cancel,
    out: *mut *mut c_char,
) -> oc_status {
    json_call(out, || {
        #[cfg(test)]
        tests::panic_if_armed();
        let spec = operation_spec(operation)?;
        // SAFETY: per this function's contract.
        let client = unsafe { client_arg(client, spec.needs_client) }?;
        // SAFETY: per this function's contract.
        let text = unsafe { input(request_json, "request_json") }?;
        let op = Operation::parse(operation, text)?;
        // SAFETY: per this function's contract.
        let cancel = unsafe { cancel.as_ref() }.map(|c| &c.inner);
        op.run(client.as_deref(), cancel)
    })
}

fn internal_error() -> Error {
    Error::new(
        oc_status::OC_ERR_INTERNAL,
        "internal error: the library caught a panic; please report it",
    )
}

/// The client behind a pointer, when there is one; NULL is an error when the operation
/// needs a client.
///
/// # Safety
/// `client` is NULL or a live pointer from `oc_client_new`.
unsafe fn client_arg(client: *const oc_client, needed: bool) -> Result<Option<Arc<Client>>> {
    // SAFETY: the caller guarantees the pointer is NULL or valid.
    match unsafe { client.as_ref() } {
        Some(c) => Ok(Some(Arc::clone(&c.inner))),
        None if needed => Err(Error::null_argument("client")),
        None => Ok(None),
    }
}

/// Borrows a NUL-terminated UTF-8 input.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that outlives the call.
unsafe fn input<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(Error::null_argument(name));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|_| Error::bad_argument(name, "is not valid UTF-8"))
}

fn c_string(text: String) -> CString {
    // JSON text escapes NUL as \u0000, so this cannot fail for the library's own output.
    CString::new(text).unwrap_or_else(|_| {
        c"{\"error\":{\"kind\":\"internal\",\"message\":\"NUL in output\"}}".into()
    })
}

fn into_c_string(text: String) -> *mut c_char {
    c_string(text).into_raw()
}

/// The library's version, e.g. `"0.2.0"`. Static: never free it.
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
        oc_status::from_u32(status)
            .map_or(crate::status::UNKNOWN_NAME, oc_status::name_c)
            .as_ptr()
    })
}

/// Creates a client from a configuration document (every member optional):
/// `{"baseUrl", "userSecret", "organizationSecret", "timeoutMs", "connectTimeoutMs",
/// "deadlineMs", "maxRetries", "maxResponseBytes", "userAgent", "proxy",
/// "caCertificatesPemFile", "allowInsecureHttp"}`. No network traffic.
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
            Ok(client) => (
                oc_status::OC_OK,
                Box::into_raw(Box::new(oc_client {
                    inner: Arc::new(client),
                })),
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

/// Frees a client. NULL is a no-op. No synchronous call may be running on it; asynchronous
/// calls still running keep what they need alive, and the client goes away with the last.
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

/// Runs an operation by name: `"oauth_url"`, `"create_instance"`, `"get_instance"`,
/// `"list_instances"`, `"update_instance"`, `"delete_instance"`, `"request"`,
/// `"parse_callback"`, `"await_callback"` or `"verify_webhook"`, with the request and result
/// of the function of that name. `client` may be NULL for the last three. `cancel` may be
/// NULL; a triggered handle ends the call within 100 ms with `OC_ERR_CANCELLED` (or
/// `OC_ERR_OUTCOME_UNKNOWN` when a POST, PUT or PATCH may have reached the server). An unknown
/// operation is `OC_ERR_INVALID_ARGUMENT` naming `/operation`.
///
/// # Safety
/// `client` is NULL or live; `operation` and `request_json` are NULL or NUL-terminated;
/// `cancel` is NULL or live; `response_json_out` is NULL or writable. The result is freed with
/// `oc_string_free`.
#[no_mangle]
pub unsafe extern "C" fn oc_call(
    client: *const oc_client,
    operation: *const c_char,
    request_json: *const c_char,
    cancel: *const oc_cancel,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    boundary(oc_status::OC_ERR_INTERNAL, || {
        // SAFETY: NULL or NUL-terminated, per this function's contract.
        match unsafe { input(operation, "operation") } {
            // SAFETY: per this function's contract.
            Ok(name) => unsafe { call(client, name, request_json, cancel, response_json_out) },
            Err(e) => json_call(response_json_out, || Err(e)),
        }
    })
}

/// Queues an operation (as `oc_call` takes it) and returns at once. `OC_OK`: queued, and
/// `callback` will run exactly once, on a library thread (never inside this function), with
/// the status and the result or error document, which the callback owns and frees with
/// `oc_string_free`. An error status: nothing was queued and the callback will not run (a
/// NULL or unknown `operation`, a NULL `client` for an operation that needs one, a NULL
/// `callback`, or no thread could be started). Every other problem, a NULL `request_json`
/// included, reaches the callback as an error document.
///
/// `request_json` is copied: free it as soon as this returns. The call holds its own
/// reference to the client and to `cancel`: `oc_client_free` and `oc_cancel_free` may be
/// called while it runs. A callback may call any `oc_` function, `oc_call_async` included.
///
/// Threads: platform calls run on a pool of at most 64 threads (started on demand, ended after
/// 10 s without work; beyond 64 calls at once, calls wait in a first-in, first-out queue bounded
/// only by memory). Each `await_callback` runs on a thread of its own, so that waits for a
/// browser never hold up platform calls.
///
/// # Safety
/// As for `oc_call`; `user_data` is passed to the callback as is.
#[no_mangle]
pub unsafe extern "C" fn oc_call_async(
    client: *const oc_client,
    operation: *const c_char,
    request_json: *const c_char,
    cancel: *const oc_cancel,
    callback: oc_callback,
    user_data: *mut c_void,
) -> oc_status {
    boundary(oc_status::OC_ERR_INTERNAL, || {
        let Some(callback) = callback else {
            return oc_status::OC_ERR_INVALID_ARGUMENT;
        };
        // The pointer is the caller's to interpret; it only travels to the callback.
        let user_data = user_data as usize;
        let deliver = move |status, text: CString| {
            // SAFETY: the caller's callback, with its own user_data and an owned string.
            unsafe { callback(user_data as *mut c_void, status, text.into_raw()) }
        };
        // SAFETY: per this function's contract, which is `spawn_call`'s.
        unsafe { spawn_call(client, operation, request_json, cancel, deliver) }
    })
}

/// What `oc_call_async` and `oc_queue_call` share: check the arguments that decide whether
/// the call is queued at all, copy the request, and run the call on a library thread, handing
/// its outcome to `deliver` there.
///
/// # Safety
/// As for `oc_call_async`.
unsafe fn spawn_call(
    client: *const oc_client,
    operation: *const c_char,
    request_json: *const c_char,
    cancel: *const oc_cancel,
    deliver: impl FnOnce(oc_status, CString) + Send + 'static,
) -> oc_status {
    // SAFETY: NULL or NUL-terminated, per this function's contract.
    let Ok(name) = (unsafe { input(operation, "operation") }) else {
        return oc_status::OC_ERR_INVALID_ARGUMENT;
    };
    let Ok(spec) = operation_spec(name) else {
        return oc_status::OC_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: per this function's contract.
    let Ok(client) = (unsafe { client_arg(client, spec.needs_client) }) else {
        return oc_status::OC_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: NULL or NUL-terminated, per this function's contract; copied now.
    let request = (!request_json.is_null())
        .then(|| unsafe { CStr::from_ptr(request_json) }.to_bytes().to_vec());
    // SAFETY: per this function's contract.
    let cancel = unsafe { cancel.as_ref() }.map(|c| c.inner.clone());
    let job = Box::new(move || {
        let (status, text) = outcome(|| {
            let text = match &request {
                None => return Err(Error::null_argument("request_json")),
                Some(bytes) => std::str::from_utf8(bytes)
                    .map_err(|_| Error::bad_argument("request_json", "is not valid UTF-8"))?,
            };
            Operation::parse(spec.name, text)?.run(client.as_deref(), cancel.as_ref())
        });
        deliver(status, c_string(text));
    });
    let lane = if spec.name == "await_callback" {
        Lane::Own
    } else {
        Lane::Shared
    };
    match pool::spawn(job, lane) {
        Ok(()) => oc_status::OC_OK,
        Err(()) => oc_status::OC_ERR_INTERNAL,
    }
}

/// Creates a completion queue in `*queue_out` (a NULL `queue_out` is
/// `OC_ERR_INVALID_ARGUMENT`; `OC_ERR_INTERNAL` when the system has no descriptor left for
/// it, and `*queue_out` is NULL then).
///
/// A completion queue is the other way of running calls asynchronously: where
/// `oc_call_async` runs a callback on a library thread, `oc_queue_call` keeps the outcome in
/// the queue, and the caller takes it from the thread it chooses, with `oc_queue_take`, when
/// `oc_queue_fd` is readable (an event loop) or by waiting in `oc_queue_take` (a thread).
/// No code of the caller ever runs on a library thread.
///
/// # Safety
/// `queue_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn oc_queue_new(queue_out: *mut *mut oc_queue) -> oc_status {
    boundary(oc_status::OC_ERR_INTERNAL, || {
        if queue_out.is_null() {
            return oc_status::OC_ERR_INVALID_ARGUMENT;
        }
        let (status, queue) = match CompletionQueue::new() {
            Ok(queue) => (
                oc_status::OC_OK,
                Box::into_raw(Box::new(oc_queue {
                    inner: Arc::new(queue),
                })),
            ),
            Err(_) => (oc_status::OC_ERR_INTERNAL, std::ptr::null_mut()),
        };
        // SAFETY: checked non-NULL; writable by the contract.
        unsafe { *queue_out = queue };
        status
    })
}

/// The queue's descriptor: readable exactly while the queue holds outcomes, for `poll`,
/// `epoll`, `select` or an event loop's "add reader". Only poll it: reading it, writing it or
/// closing it is the library's business. It stays open until `oc_queue_free` (remove it from
/// your poller first). -1 for a NULL queue, and on systems without such descriptors
/// (Windows), where `oc_queue_take` with a timeout is the way to wait.
///
/// # Safety
/// `queue` is NULL or a live queue from `oc_queue_new`.
#[no_mangle]
pub unsafe extern "C" fn oc_queue_fd(queue: *const oc_queue) -> i32 {
    boundary(-1, || {
        // SAFETY: NULL or live, per this function's contract.
        unsafe { queue.as_ref() }
            .and_then(|q| q.inner.fd())
            .unwrap_or(-1)
    })
}

/// Queues an operation (as `oc_call` takes it) whose outcome goes to `queue` and returns at
/// once. `OC_OK`: queued, and exactly one completion carrying `user_data` will arrive in the
/// queue. An error status: nothing was queued and no completion will arrive (a NULL `queue`,
/// and the cases of `oc_call_async`: a NULL or unknown `operation`, a NULL `client` for an
/// operation that needs one, or no thread could be started). Every other problem reaches the
/// queue as an error document.
///
/// As with `oc_call_async`, `request_json` is copied, the call holds its own reference to the
/// client, to `cancel` and to the queue, and runs on the same library threads. `user_data` is
/// the caller's: it comes back as is in the completion.
///
/// # Safety
/// As for `oc_call_async`; `queue` is NULL or a live queue from `oc_queue_new`.
#[no_mangle]
pub unsafe extern "C" fn oc_queue_call(
    queue: *const oc_queue,
    client: *const oc_client,
    operation: *const c_char,
    request_json: *const c_char,
    cancel: *const oc_cancel,
    user_data: *mut c_void,
) -> oc_status {
    boundary(oc_status::OC_ERR_INTERNAL, || {
        // SAFETY: NULL or live, per this function's contract.
        let Some(queue) = (unsafe { queue.as_ref() }) else {
            return oc_status::OC_ERR_INVALID_ARGUMENT;
        };
        let queue = Arc::clone(&queue.inner);
        // The pointer is the caller's to interpret; it only travels back to the caller.
        let user_data = user_data as usize;
        let deliver = move |status, response| {
            queue.push(Completion {
                user_data,
                status,
                response,
            })
        };
        // SAFETY: per this function's contract, which is `spawn_call`'s.
        unsafe { spawn_call(client, operation, request_json, cancel, deliver) }
    })
}

/// Takes up to `capacity` finished calls from `queue` into `completions_out`, oldest first,
/// and returns how many it took. When the queue is empty it first waits up to `timeout_ms`
/// milliseconds for one (0: it returns at once); it returns 0 when none came in time, for a
/// NULL `queue`, and for a NULL `completions_out` or a `capacity` of 0. Each completion's
/// `response_json` is then the caller's, to free with `oc_string_free`.
///
/// Any number of threads may take from one queue at once; each completion goes to one of
/// them.
///
/// # Safety
/// `queue` is NULL or a live queue from `oc_queue_new`; `completions_out` is NULL or points
/// to `capacity` writable `oc_completion`s.
#[no_mangle]
pub unsafe extern "C" fn oc_queue_take(
    queue: *const oc_queue,
    completions_out: *mut oc_completion,
    capacity: usize,
    timeout_ms: u32,
) -> usize {
    boundary(0, || {
        // SAFETY: NULL or live, per this function's contract.
        let Some(queue) = (unsafe { queue.as_ref() }) else {
            return 0;
        };
        if completions_out.is_null() {
            return 0;
        }
        let mut next = 0;
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        queue.inner.take(capacity, timeout, |completion| {
            let out = oc_completion {
                user_data: completion.user_data as *mut c_void,
                status: completion.status,
                response_json: completion.response.into_raw(),
            };
            // SAFETY: `take` hands over at most `capacity` completions, and the caller
            // provides that many writable slots.
            unsafe { completions_out.add(next).write(out) };
            next += 1;
        })
    })
}

/// Frees a completion queue. NULL is a no-op. Calls still running on it go on (cancel them
/// first if their effect is not wanted); their outcomes, and those not taken yet, are freed
/// by the library. Its descriptor closes once the last of those calls has finished: remove
/// it from your poller before this.
///
/// # Safety
/// `queue` is NULL or a queue from `oc_queue_new` that was not freed yet, and no other thread
/// is using it (in `oc_queue_take`, for one) at the same time.
#[no_mangle]
pub unsafe extern "C" fn oc_queue_free(queue: *mut oc_queue) {
    boundary((), || {
        if !queue.is_null() {
            // SAFETY: created by Box::into_raw in oc_queue_new and freed only once.
            drop(unsafe { Box::from_raw(queue) });
        }
    })
}

/// Creates a cancel handle in `*cancel_out` (a NULL `cancel_out` is
/// `OC_ERR_INVALID_ARGUMENT`). Give it to `oc_call` or `oc_call_async`; free it with
/// `oc_cancel_free`.
///
/// # Safety
/// `cancel_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn oc_cancel_new(cancel_out: *mut *mut oc_cancel) -> oc_status {
    boundary(oc_status::OC_ERR_INTERNAL, || {
        if cancel_out.is_null() {
            return oc_status::OC_ERR_INVALID_ARGUMENT;
        }
        let cancel = Box::into_raw(Box::new(oc_cancel {
            inner: Cancel::new(),
        }));
        // SAFETY: checked non-NULL; writable by the contract.
        unsafe { *cancel_out = cancel };
        oc_status::OC_OK
    })
}

/// Cancels every call given the handle, now and later: from any thread, at any time, any
/// number of times (it stays triggered). NULL is a no-op. Calls end within 100 ms.
///
/// # Safety
/// `cancel` is NULL or a live handle from `oc_cancel_new`.
#[no_mangle]
pub unsafe extern "C" fn oc_cancel_trigger(cancel: *const oc_cancel) {
    boundary((), || {
        // SAFETY: NULL or live, per this function's contract.
        if let Some(c) = unsafe { cancel.as_ref() } {
            c.inner.trigger();
        }
    })
}

/// Frees a cancel handle. NULL is a no-op. Calls still holding the handle keep what they
/// need alive: freeing does not cancel them.
///
/// # Safety
/// `cancel` is NULL or a handle from `oc_cancel_new` that was not freed yet, and no other
/// thread is passing it to a function at the same time.
#[no_mangle]
pub unsafe extern "C" fn oc_cancel_free(cancel: *mut oc_cancel) {
    boundary((), || {
        if !cancel.is_null() {
            // SAFETY: created by Box::into_raw in oc_cancel_new and freed only once.
            drop(unsafe { Box::from_raw(cancel) });
        }
    })
}

/// Installs the process-wide logger (a NULL `callback`, or `max_level` 0, removes it; none is
/// installed at first). Levels: 1 error, 2 warn, 3 info, 4 debug, 5 trace (above 5 counts as
/// 5); records above `max_level` are never built. Each record is one JSON object, e.g.
/// `{"level": "info", "target": "http", "message": "GET /instances/42 200 in 83 ms",
/// "method": "GET", "path": "/instances/42", "status": 200, "durationMs": 83, "attempt": 1,
/// "operation": "get_instance"}`, borrowed for the callback only. No record holds a secret, a
/// query string, a header value or a body.
///
/// The callback runs on the thread that did the work, possibly on many threads at once. It
/// must not call `oc_set_logger` (that would deadlock): once `oc_set_logger` returns, the
/// previous logger is no longer running nor will it run, so its `user_data` may be freed.
///
/// # Safety
/// `callback` is NULL or a function that is safe to call from any thread with `user_data`.
#[no_mangle]
pub unsafe extern "C" fn oc_set_logger(
    callback: oc_log_callback,
    user_data: *mut c_void,
    max_level: u32,
) -> oc_status {
    boundary(oc_status::OC_ERR_INTERNAL, || {
        let user_data = user_data as usize;
        let sink = callback.map(|f| -> log::Sink {
            Box::new(move |level: Level, record: &str| {
                // Room for the NUL from the start: CString::new would grow the copy again.
                let mut bytes = Vec::with_capacity(record.len() + 1);
                bytes.extend_from_slice(record.as_bytes());
                if let Ok(text) = CString::new(bytes) {
                    // SAFETY: the caller's logger with its user_data; the text lives for the call.
                    unsafe { f(user_data as *mut c_void, level as u32, text.as_ptr()) };
                }
            })
        });
        log::set_logger(sink, max_level);
        oc_status::OC_OK
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
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            client,
            "oauth_url",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
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
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            client,
            "create_instance",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
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
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            client,
            "get_instance",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
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
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            client,
            "list_instances",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
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
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            client,
            "update_instance",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
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
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            client,
            "delete_instance",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
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
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            client,
            "request",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
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
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            std::ptr::null(),
            "parse_callback",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
    })
}

/// Step 2 for desktop and command-line programs: listens on the loopback callback URL and
/// waits for the browser's redirect with the expected state. Request:
/// `{"callbackUrl": "http://127.0.0.1:PORT/path", "expectedState", "timeoutMs"? (default
/// 300000, the whole call)}`. Result: as `oc_parse_callback`. Blocks; cancel it through
/// `oc_call` with a cancel handle.
///
/// # Safety
/// As for `oc_parse_callback`.
#[no_mangle]
pub unsafe extern "C" fn oc_await_callback(
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            std::ptr::null(),
            "await_callback",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
    })
}

/// Verifies an event notification's signature and reads its events, without I/O. Request:
/// `{"signatureKey", "headers": {name: value}, "body": raw body}` (or `"bodyBase64"`).
/// Result: `{"webhookId", "event", "events"}`; a missing or wrong signature is
/// `OC_ERR_SIGNATURE`, a body that is not JSON `OC_ERR_DECODE`.
///
/// # Safety
/// As for `oc_parse_callback`.
#[no_mangle]
pub unsafe extern "C" fn oc_verify_webhook(
    request_json: *const c_char,
    response_json_out: *mut *mut c_char,
) -> oc_status {
    // SAFETY: the same contract as oc_call's.
    boundary(oc_status::OC_ERR_INTERNAL, || unsafe {
        call(
            std::ptr::null(),
            "verify_webhook",
            request_json,
            std::ptr::null(),
            response_json_out,
        )
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
        /// Test-only hook: the next operation on this thread panics inside its export.
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

    /// Every export's body must start with the panic boundary.
    #[test]
    fn every_export_is_behind_the_panic_boundary() {
        let source = include_str!("ffi.rs");
        let mut exports = Vec::new();
        for (i, _) in source.match_indices("extern \"C\" fn ") {
            let body_start = source[i..].find('{').unwrap() + i + 1;
            let first = source[body_start..]
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with("//"))
                .unwrap_or("");
            let name: String = source[i + 14..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            assert!(
                first.starts_with("boundary("),
                "{name} is not behind the panic boundary"
            );
            exports.push(name);
        }
        assert_eq!(exports.len(), 26, "the exports changed: {exports:?}");
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

    #[test]
    fn version_constants_match_the_crate() {
        let parts = [OC_VERSION_MAJOR, OC_VERSION_MINOR, OC_VERSION_PATCH].map(|n| n.to_string());
        assert_eq!(parts.join("."), env!("CARGO_PKG_VERSION"));
    }
}
