//! Step 2 for desktop and command-line programs: a loopback listener that waits for the
//! browser's redirect.
//!
//! Any web page the user visits can send requests to a loopback port, and browsers open
//! connections they may never use, so the listener assumes hostile local traffic:
//! - only a request carrying the expected state ends the wait; one with another state or none
//!   gets 400 and the wait goes on (as do other paths, 404, and other methods, 405);
//! - connections are served concurrently (at most [`MAX_CONNECTIONS`] at once), each with its
//!   own budget for sending its request, so none can delay another;
//! - `timeoutMs` bounds the whole call: when it expires, or the call is cancelled, the
//!   listeners and every open connection are shut down and their threads joined;
//! - pages echo nothing from the request and are never cached;
//! - `localhost` listens on 127.0.0.1 and on ::1 (where the machine has it), so that no other
//!   program can take the redirect on the address the browser picks.

use crate::callback::{constant_time_eq, parse_callback, Callback};
use crate::cancel::Signal;
use crate::context::Ctx;
use crate::error::{oc_status, Error, Problems, Result};
use crate::fields::{parse_object, Fields};
use crate::log::{self, Level, Record};
use crate::url::{decode_form, HttpUrl};
use socket2::SockRef;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The default wait of [`await_callback`].
pub const DEFAULT_AWAIT_TIMEOUT: Duration = Duration::from_millis(300_000);

/// Connections served at once; more are closed as they arrive.
pub const MAX_CONNECTIONS: usize = 64;

/// How long one connection may take to send its request head.
const CONNECTION_BUDGET: Duration = Duration::from_secs(10);

/// The largest request head read; a larger one is answered 431.
const MAX_HEAD: usize = 16 * 1024;

/// The request of [`await_callback`], from the document of `oc_await_callback`.
#[derive(Debug, Clone)]
pub struct AwaitCallbackRequest {
    /// The callback URL registered with the provider: `http://127.0.0.1:PORT/path`.
    pub callback_url: String,
    /// The state sent in step 1; required, since any local web page can reach the listener.
    pub expected_state: String,
    /// How long to wait for the browser, the whole call included (default five minutes).
    pub timeout: Duration,
}

impl AwaitCallbackRequest {
    /// Parses the request document of `oc_await_callback`.
    pub fn from_json(text: &str) -> Result<AwaitCallbackRequest> {
        let obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        // Missing members are reported by validate(), with the invalid ones.
        let callback_url = f.str("callbackUrl", &mut p).unwrap_or_default();
        let expected_state = f.str("expectedState", &mut p).unwrap_or_default();
        let timeout = f
            .u64_at_least("timeoutMs", 1, &mut p)
            .map_or(DEFAULT_AWAIT_TIMEOUT, Duration::from_millis);
        p.finish()?;
        Ok(AwaitCallbackRequest {
            callback_url: callback_url.to_owned(),
            expected_state: expected_state.to_owned(),
            timeout,
        })
    }

    /// The listening addresses and the callback path; nothing listens when this fails.
    fn validate(&self) -> Result<(Vec<SocketAddr>, String)> {
        let mut p = Problems::default();
        if self.callback_url.is_empty() {
            p.missing("/callbackUrl");
        }
        if self.expected_state.is_empty() {
            p.missing("/expectedState");
        }
        let url = HttpUrl::parse(&self.callback_url);
        let addresses = match &url {
            Some(u) if !u.https && u.is_loopback() => listening_addresses(&u.host, u.port),
            _ => Vec::new(),
        };
        if !self.callback_url.is_empty() && addresses.is_empty() {
            p.invalid(
                "/callbackUrl",
                "must be a plain http URL on a loopback host (127.0.0.1, [::1] or localhost)",
            );
        }
        p.finish()?;
        let path = url.map_or_else(String::new, |u| u.path);
        Ok((addresses, if path.is_empty() { "/".into() } else { path }))
    }
}

/// Where to listen for a loopback host: the address itself, or both loopback addresses for
/// `localhost`.
fn listening_addresses(host: &str, port: u16) -> Vec<SocketAddr> {
    match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => vec![
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port),
        ],
    }
}

/// Listens on the callback URL's loopback address, answers the browser's redirect with a short
/// page, and returns what [`parse_callback`] returns for it. No redirect with the expected
/// state within the timeout is `OC_ERR_TIMEOUT`.
pub fn await_callback(request: &AwaitCallbackRequest) -> Result<Callback> {
    await_callback_in(request, &Ctx::new("await_callback", request.timeout, None))
}

pub(crate) fn await_callback_in(request: &AwaitCallbackRequest, ctx: &Ctx) -> Result<Callback> {
    let (addresses, path) = request.validate()?;
    ctx.check_cancelled()?;
    let deadline = Instant::now() + request.timeout;
    let listeners = bind(&addresses)?;
    let shared = Arc::new(Shared {
        path,
        expected_state: request.expected_state.clone(),
        deadline,
        result: Mutex::new(None),
        done: Arc::new(Signal::default()),
        stopping: AtomicBool::new(false),
        active: AtomicUsize::new(0),
        next_id: AtomicU64::new(0),
        connections: Mutex::new(Vec::new()),
        threads: Mutex::new(Vec::new()),
    });
    let mut accepting = Vec::new();
    for listener in &listeners {
        let (listener, for_thread) = (Arc::clone(listener), Arc::clone(&shared));
        let thread = std::thread::Builder::new()
            .name("openconnectors-callback".into())
            .spawn(move || accept_loop(&listener, &for_thread));
        match thread {
            Ok(t) => accepting.push(t),
            Err(_) => {
                stop(&shared, &listeners, accepting);
                return Err(listen_failed());
            }
        }
    }
    shared.done.wait_until(ctx.cancel.as_ref(), deadline);
    stop(&shared, &listeners, accepting);
    let result = lock(&shared.result).take();
    match result {
        Some(result) => result,
        None if ctx.is_cancelled() => Err(Error::cancelled()),
        None => Err(Error::timeout(
            "no redirect with the expected state reached the callback URL in time",
        )),
    }
}

fn bind(addresses: &[SocketAddr]) -> Result<Vec<Arc<TcpListener>>> {
    let mut listeners = Vec::new();
    for (i, addr) in addresses.iter().enumerate() {
        match TcpListener::bind(addr) {
            Ok(l) => listeners.push(Arc::new(l)),
            // `localhost`'s second address (::1) on a machine without IPv6 loopback. Taken by
            // another program, though, it is a failure: the browser might pick it.
            Err(e) if i > 0 && e.kind() != ErrorKind::AddrInUse => {}
            Err(_) => {
                return Err(Error::transport(&format!(
                    "cannot listen on {addr} (is the port in use?)"
                )))
            }
        }
    }
    Ok(listeners)
}

fn listen_failed() -> Error {
    Error::transport("the callback listener failed")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the listener's threads share.
struct Shared {
    path: String,
    expected_state: String,
    deadline: Instant,
    /// The outcome of the request that carried the expected state.
    result: Mutex<Option<Result<Callback>>>,
    done: Arc<Signal>,
    stopping: AtomicBool,
    active: AtomicUsize,
    next_id: AtomicU64,
    /// Open connections by number, to shut down when the wait ends.
    connections: Mutex<Vec<(u64, TcpStream)>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// Ends the wait: no new connections, every open one shut down, every thread joined.
fn stop(shared: &Shared, listeners: &[Arc<TcpListener>], accepting: Vec<JoinHandle<()>>) {
    {
        // Under the lock that accept_loop lists connections with: a connection is either
        // listed before this and shut down here, or sees `stopping` and is closed there.
        let connections = lock(&shared.connections);
        shared.stopping.store(true, Ordering::SeqCst);
        for (_, connection) in connections.iter() {
            let _ = connection.shutdown(Shutdown::Both);
        }
    }
    for listener in listeners {
        // Wakes the thread blocked in accept().
        let _ = SockRef::from(listener.as_ref()).shutdown(Shutdown::Both);
    }
    for t in accepting {
        let _ = t.join();
    }
    let threads = std::mem::take(&mut *lock(&shared.threads));
    for t in threads {
        let _ = t.join();
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok((stream, _)) = accepted else {
            // Out of descriptors, say: let connections close rather than spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if shared.active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            continue; // dropped: closed at once
        }
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        if log::enabled(Level::Debug) {
            let peer = clone.peer_addr().map(|a| a.to_string()).unwrap_or_default();
            Record::new(
                Level::Debug,
                "callback",
                format!("callback listener accepted a connection from {peer}"),
            )
            .field("peer", peer)
            .emit();
        }
        let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
        {
            let mut connections = lock(&shared.connections);
            if shared.stopping.load(Ordering::SeqCst) {
                return;
            }
            connections.push((id, clone));
        }
        shared.active.fetch_add(1, Ordering::SeqCst);
        let for_thread = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("openconnectors-callback-conn".into())
            .spawn(move || {
                serve(stream, &for_thread);
                lock(&for_thread.connections).retain(|(open, _)| *open != id);
                for_thread.active.fetch_sub(1, Ordering::SeqCst);
            });
        match spawned {
            Ok(handle) => {
                let mut threads = lock(&shared.threads);
                threads.retain(|t| !t.is_finished());
                threads.push(handle);
            }
            Err(_) => {
                lock(&shared.connections).retain(|(open, _)| *open != id);
                shared.active.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}

/// The pages the listener answers with. They echo nothing from the request.
const PAGE_DONE: &str =
    "Authorization complete. You can close this window and return to the application.";
const PAGE_DENIED: &str =
    "Access was not granted. You can close this window and return to the application.";
const PAGE_FAILED: &str =
    "Authorization failed. You can close this window; the application has the details.";
const PAGE_UNEXPECTED: &str = "This sign-in response was not expected by the application.";

/// Answers one request on one connection; a request with the expected state ends the wait.
fn serve(mut stream: TcpStream, shared: &Shared) {
    let until = (Instant::now() + CONNECTION_BUDGET).min(shared.deadline);
    let Some(head) = read_head(&mut stream, until) else {
        return;
    };
    let Ok(head) = head else {
        respond(
            &mut stream,
            "431 Request Header Fields Too Large",
            PAGE_FAILED,
        );
        return;
    };
    let line = head.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (status, page, outcome) = if path != shared.path {
        ("404 Not Found", "Not found.", None)
    } else if method != "GET" {
        ("405 Method Not Allowed", "Method not allowed.", None)
    } else if !carries_state(query, &shared.expected_state) {
        ("400 Bad Request", PAGE_UNEXPECTED, None)
    } else {
        let result = parse_callback(query, Some(&shared.expected_state));
        let page = match &result {
            Ok(_) => PAGE_DONE,
            Err(e) if e.status == oc_status::OC_ERR_OAUTH_DENIED => PAGE_DENIED,
            Err(_) => PAGE_FAILED,
        };
        ("200 OK", page, Some(result))
    };
    respond(&mut stream, status, page);
    if log::enabled(Level::Debug) {
        let code: u16 = status[..3].parse().unwrap_or(0);
        let shown = if path == shared.path {
            path
        } else {
            "(other path)"
        };
        Record::new(
            Level::Debug,
            "callback",
            format!(
                "callback listener answered {code} to {} {shown}",
                method_name(method)
            ),
        )
        .field("method", method_name(method))
        .field("path", shown)
        .field("status", code)
        .emit();
    }
    if let Some(result) = outcome {
        let mut slot = lock(&shared.result);
        if slot.is_none() {
            *slot = Some(result);
            shared.done.notify();
        }
    }
}

/// A method name for logs: the request's own only when it is one of the usual ones.
fn method_name(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("(other)")
}

/// Whether the query's first `state` is the expected one (compared in constant time).
fn carries_state(query: &str, expected: &str) -> bool {
    decode_form(query)
        .iter()
        .find(|(k, _)| k == "state")
        .is_some_and(|(_, v)| constant_time_eq(v.as_bytes(), expected.as_bytes()))
}

/// Reads a request head before `until`: `None` when the client sent none in time (or went
/// away), `Some(Err)` when it is larger than [`MAX_HEAD`].
fn read_head(stream: &mut TcpStream, until: Instant) -> Option<std::result::Result<String, ()>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let left = until.checked_duration_since(Instant::now())?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        if buf.len() + n > MAX_HEAD {
            return Some(Err(()));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(String::from_utf8(buf).map_err(|_| ()))
}

fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>openconnectors</title></head>\
         <body><p>{text}</p></body></html>"
    );
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let _ = stream.write_all(answer.as_bytes());
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_state_is_required() {
        let r =
            AwaitCallbackRequest::from_json(r#"{"callbackUrl": "http://127.0.0.1:1/cb"}"#).unwrap();
        assert_eq!(r.validate().unwrap_err().missing, ["/expectedState"]);
        let r = AwaitCallbackRequest {
            callback_url: "http://evil.localhost:1/cb".into(),
            expected_state: "s".into(),
            timeout: Duration::from_millis(10),
        };
        assert_eq!(r.validate().unwrap_err().invalid[0].pointer, "/callbackUrl");
    }

    #[test]
    fn only_the_first_state_counts() {
        assert!(carries_state("code=c&state=s1", "s1"));
        assert!(!carries_state("code=c&state=s2&state=s1", "s1"));
        assert!(!carries_state("code=c", "s1"));
    }
}
