//! Step 2: the provider's redirect back to the application, parsed from a URL or awaited on a
//! loopback listener for desktop and command-line programs.

use crate::error::{oc_status, Error, Problems, Result};
use crate::fields::{parse_object, Fields};
use crate::json::Json;
use crate::url::{decode_form, is_loopback_host, HttpUrl};
use serde_json::{Map, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The default wait of [`await_callback`].
pub const DEFAULT_AWAIT_TIMEOUT: Duration = Duration::from_millis(300_000);

/// A successful callback: the authorization code and every parameter.
#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    /// The single-use authorization code (a secret: `Debug` does not show it).
    pub code: String,
    /// The state the provider sent back, if any.
    pub state: Option<String>,
    /// Every query parameter, decoded, in order.
    pub params: Vec<(String, String)>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("code", &"[redacted]")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Callback {
    /// The result document: `{"code", "state", "params": {name: value}}` (a repeated
    /// parameter keeps its first value).
    pub fn to_json(&self) -> Json {
        let mut params = Map::with_capacity(self.params.len());
        for (k, v) in &self.params {
            if !params.contains_key(k) {
                params.insert(k.clone(), Value::String(v.clone()));
            }
        }
        let state = self.state.as_deref().map_or(Value::Null, Value::from);
        let mut text = String::with_capacity(64 + self.code.len() * 2);
        text.push_str("{\"code\":");
        text.push_str(&Value::from(self.code.as_str()).to_string());
        text.push_str(",\"state\":");
        text.push_str(&state.to_string());
        text.push_str(",\"params\":");
        text.push_str(&Value::Object(params).to_string());
        text.push('}');
        Json::from_valid(text)
    }
}

/// The request of [`parse_callback`], from the document of `oc_parse_callback`.
#[derive(Debug, Clone)]
pub struct ParseCallbackRequest {
    /// The callback URL, or only its query string (with or without `?`).
    pub url: String,
    /// The state sent in step 1; when given, the callback must carry the same.
    pub expected_state: Option<String>,
}

impl ParseCallbackRequest {
    /// Parses the request document of `oc_parse_callback`.
    pub fn from_json(text: &str) -> Result<ParseCallbackRequest> {
        let obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        let url = f.required_str("url", &mut p).unwrap_or_default().to_owned();
        let expected_state = f.str("expectedState", &mut p).map(str::to_owned);
        p.finish()?;
        Ok(ParseCallbackRequest {
            url,
            expected_state,
        })
    }
}

/// Parses the redirect back from the provider. Checks, in order: the state (when expected,
/// compared in constant time), an `error` parameter, the presence of `code`.
pub fn parse_callback(url: &str, expected_state: Option<&str>) -> Result<Callback> {
    let query = query_of(url);
    let params = decode_form(query);
    let mut p = Problems::default();
    let mut single = |name: &str| {
        let mut values = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        let first = values.next().cloned();
        if values.next().is_some() {
            p.invalid("/url", &format!("has more than one {name} parameter"));
        }
        first
    };
    let code = single("code");
    let state = single("state");
    let error = single("error");
    p.finish()?;
    if let Some(expected) = expected_state {
        let matches = state
            .as_deref()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), expected.as_bytes()));
        if !matches {
            return Err(Error::new(
                oc_status::OC_ERR_STATE_MISMATCH,
                if state.is_some() {
                    "the callback's state differs from the expected state"
                } else {
                    "the callback carries no state, but one was expected"
                },
            ));
        }
    }
    if let Some(error) = error {
        let description = params
            .iter()
            .find(|(k, _)| k == "error_description")
            .map(|(_, v)| v.clone());
        let mut e = Error::new(
            oc_status::OC_ERR_OAUTH_DENIED,
            "the provider did not authorize the application (see oauthError)",
        );
        e.oauth_error = Some(error);
        e.oauth_error_description = description;
        return Err(e);
    }
    match code {
        Some(code) if !code.is_empty() => Ok(Callback {
            code,
            state,
            params,
        }),
        _ => {
            let mut p = Problems::default();
            p.missing("/code");
            Err(p.finish().unwrap_err())
        }
    }
}

/// The query of a callback URL, or the text itself when it is only a query.
fn query_of(url: &str) -> &str {
    let url = url.split('#').next().unwrap_or("");
    match url.split_once('?') {
        Some((_, query)) => query,
        None if url.contains("://") => "",
        None => url,
    }
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The request of [`await_callback`], from the document of `oc_await_callback`.
#[derive(Debug, Clone)]
pub struct AwaitCallbackRequest {
    /// The callback URL registered with the provider: `http://127.0.0.1:PORT/path`.
    pub callback_url: String,
    /// The state sent in step 1.
    pub expected_state: Option<String>,
    /// How long to wait for the browser (default five minutes).
    pub timeout: Duration,
}

impl AwaitCallbackRequest {
    /// Parses the request document of `oc_await_callback`.
    pub fn from_json(text: &str) -> Result<AwaitCallbackRequest> {
        let obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        let callback_url = f
            .required_str("callbackUrl", &mut p)
            .unwrap_or_default()
            .to_owned();
        let expected_state = f.str("expectedState", &mut p).map(str::to_owned);
        let timeout = f
            .u64_at_least("timeoutMs", 1, &mut p)
            .map_or(DEFAULT_AWAIT_TIMEOUT, Duration::from_millis);
        p.finish()?;
        Ok(AwaitCallbackRequest {
            callback_url,
            expected_state,
            timeout,
        })
    }
}

/// Listens on the callback URL's loopback address, answers the browser's redirect with a short
/// page, and returns what [`parse_callback`] returns for it. Other paths get 404 and the wait
/// goes on; no redirect within the timeout is `OC_ERR_TIMEOUT`.
pub fn await_callback(request: &AwaitCallbackRequest) -> Result<Callback> {
    let url = match HttpUrl::parse(&request.callback_url) {
        Some(u) if !u.https && is_loopback_host(&u.host) => u,
        _ => {
            return Err(Error::invalid_value(
                "/callbackUrl",
                "must be a plain http URL on a loopback host (127.0.0.1, [::1] or localhost)",
            ))
        }
    };
    let host = if url.host.eq_ignore_ascii_case("localhost") {
        "127.0.0.1"
    } else {
        url.host.as_str()
    };
    let listener = TcpListener::bind((host, url.port)).map_err(|_| {
        Error::new(
            oc_status::OC_ERR_TRANSPORT,
            format!("cannot listen on the callback port {}", url.port),
        )
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|_| listen_failed())?;
    let deadline = Instant::now() + request.timeout;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::new(
                oc_status::OC_ERR_TIMEOUT,
                "no redirect reached the callback URL in time",
            ));
        }
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(result) = serve(stream, &url.path, request, deadline) {
                    return result;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10).min(deadline - now));
            }
            Err(_) => return Err(listen_failed()),
        }
    }
}

fn listen_failed() -> Error {
    Error::new(oc_status::OC_ERR_TRANSPORT, "the callback listener failed")
}

/// Answers one connection; `Some` when it was the redirect.
fn serve(
    mut stream: TcpStream,
    path: &str,
    request: &AwaitCallbackRequest,
    deadline: Instant,
) -> Option<Result<Callback>> {
    let wait = deadline
        .saturating_duration_since(Instant::now())
        .clamp(Duration::from_millis(1), Duration::from_secs(10));
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(wait)).ok()?;
    stream.set_write_timeout(Some(wait)).ok()?;
    let head = read_head(&mut stream)?;
    let line = head.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (target_path, _) = target.split_once('?').unwrap_or((target, ""));
    let wanted = if path.is_empty() { "/" } else { path };
    if target_path != wanted {
        respond(&mut stream, "404 Not Found", "Not found.");
        return None;
    }
    if method != "GET" {
        respond(&mut stream, "405 Method Not Allowed", "Method not allowed.");
        return None;
    }
    let result = parse_callback(target, request.expected_state.as_deref());
    let page = match &result {
        Ok(_) => "Authorization complete. You can close this window and return to the application.",
        Err(_) => {
            "Authorization failed. You can close this window; the application has the details."
        }
    };
    respond(&mut stream, "200 OK", page);
    Some(result)
}

/// Reads a request head (up to 16 KiB); `None` when the client sent no complete head.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || buf.len() + n > 16 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).ok()
}

fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>openconnectors</title></head>\
         <body><p>{text}</p></body></html>"
    );
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes());
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_state_then_error_then_code() {
        let ok = parse_callback("https://app/cb?code=a+b%2F&state=s1&x=y", Some("s1")).unwrap();
        assert_eq!(ok.code, "a b/");
        assert_eq!(ok.params.len(), 3);
        let e = parse_callback("error=access_denied&state=bad", Some("s1")).unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_STATE_MISMATCH);
        let e = parse_callback(
            "?error=access_denied&error_description=no&state=s1",
            Some("s1"),
        )
        .unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_OAUTH_DENIED);
        assert_eq!(e.oauth_error_description.as_deref(), Some("no"));
        let e = parse_callback("state=s1", Some("s1")).unwrap_err();
        assert_eq!(
            (e.status, e.missing.clone()),
            (oc_status::OC_ERR_VALIDATION, vec!["/code".to_owned()])
        );
        let e = parse_callback("code=a", Some("s1")).unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_STATE_MISMATCH);
        assert!(parse_callback("code=a", None).is_ok());
        assert!(parse_callback("https://app/cb", None).is_err());
    }

    #[test]
    fn repeated_parameters_are_ambiguous() {
        for q in ["code=a&code=b", "state=a&state=a&code=c", "error=x&error=y"] {
            let e = parse_callback(q, None).unwrap_err();
            assert_eq!(e.status, oc_status::OC_ERR_VALIDATION, "{q}");
        }
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn debug_hides_the_code() {
        let c = parse_callback("code=topsecretcode&state=s", None).unwrap();
        assert!(!format!("{c:?}").contains("topsecretcode"));
    }
}
