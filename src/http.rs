//! HTTP to the platform: one `ureq` agent per client, retries, and the mapping of every failure
//! to a status of the C contract.
//!
//! No text of a `ureq` error is ever passed on: it can hold the URL, and the URL of the OAuth
//! URL step holds `apiSecret`. Errors are described from their kind only.

use crate::config::Config;
use crate::error::{oc_status, Error, Result};
use crate::secret::{scrub, Secret};
use crate::transport::{proxy_for, tls_with_extra_roots, CountingConnector, Resolver};
use crate::url::HttpUrl;
use std::io;
use std::time::Duration;
use ureq::http::{self, HeaderValue};
use ureq::unversioned::transport::{Connector, DefaultConnector};
use ureq::{Agent, Body};

/// Error bodies are read up to this size to fill the error document.
const ERROR_BODY_CAP: u64 = 64 * 1024;
/// A `Retry-After` longer than this is not waited for: the answer goes back to the caller.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// First backoff step; doubled per retry and capped at [`MAX_BACKOFF`], then jittered.
const BASE_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// The methods the library sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// Parses a method name in any case.
    pub fn parse(name: &str) -> Option<Method> {
        let m = match name.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        };
        Some(m)
    }

    /// The method's name, e.g. `"PATCH"`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    fn as_http(self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Put => http::Method::PUT,
            Method::Patch => http::Method::PATCH,
            Method::Delete => http::Method::DELETE,
        }
    }

    /// GET and DELETE: retried on transient failures; their timeouts are plain timeouts.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Delete)
    }
}

/// Which credentials a request carries.
#[derive(Clone, Copy)]
pub(crate) enum Auth<'a> {
    /// User and Organization, when configured (only the OAuth URL step may go without).
    Platform,
    /// User, Organization and the instance's Element token.
    Element(&'a Secret),
}

/// One request, relative to the base URL.
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    /// Path and query, starting with `/`, already percent-encoded.
    pub(crate) target: String,
    pub(crate) auth: Auth<'a>,
    /// A JSON body.
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) headers: Vec<(&'a str, &'a str)>,
    /// Values of this call that must not appear in error text (apiSecret, a code).
    pub(crate) secrets: Vec<&'a str>,
}

impl<'a> Call<'a> {
    pub(crate) fn new(method: Method, target: String, auth: Auth<'a>) -> Call<'a> {
        Call {
            method,
            target,
            auth,
            body: None,
            headers: Vec::new(),
            secrets: Vec::new(),
        }
    }

    pub(crate) fn json(mut self, body: &serde_json::Value) -> Call<'a> {
        self.body = Some(body.to_string().into_bytes());
        self
    }
}

/// An answer: status, headers (lower-case names) and body.
#[derive(Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// The first value of a header (names are case-insensitive), when it is text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The HTTP side of a client.
pub(crate) struct Http {
    agent: Agent,
    base_url: String,
    /// `User <u>, Organization <o>`, built once, marked sensitive.
    platform_auth: Option<HeaderValue>,
    max_retries: u32,
    max_response_bytes: u64,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Http {
    pub(crate) fn new(config: &Config, base: &HttpUrl) -> Result<Http> {
        let mut builder = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .https_only(false)
            .user_agent(config.user_agent.as_str())
            .accept("application/json")
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(config.connect_timeout.min(config.timeout)))
            .max_idle_connections(64)
            .max_idle_connections_per_host(32)
            .max_idle_age(Duration::from_secs(30))
            .proxy(proxy_for(config, base)?);
        if let Some(path) = &config.ca_certificates_pem_file {
            builder = builder.tls_config(tls_with_extra_roots(path)?);
        }
        let agent = Agent::with_parts(
            builder.build(),
            DefaultConnector::new().chain(CountingConnector),
            Resolver::default(),
        );
        let platform_auth = match (&config.user_secret, &config.organization_secret) {
            (Some(u), Some(o)) => {
                let text = format!("User {}, Organization {}", u.expose(), o.expose());
                let mut value = HeaderValue::from_str(&text).map_err(|_| {
                    Error::invalid_value("/userSecret", "must be a valid header value")
                })?;
                value.set_sensitive(true);
                Some(value)
            }
            _ => None,
        };
        Ok(Http {
            agent,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            platform_auth,
            max_retries: config.max_retries,
            max_response_bytes: config.max_response_bytes,
        })
    }

    /// Whether the User and Organization secrets are configured.
    pub(crate) fn has_platform_auth(&self) -> bool {
        self.platform_auth.is_some()
    }

    /// Sends a call, retrying idempotent ones, and returns its 2xx answer or the error.
    pub(crate) fn send(&self, call: &Call<'_>) -> Result<Reply> {
        self.send_noting_lost_answers(call).0
    }

    /// Like [`Http::send`], and also tells whether an earlier attempt lost its connection
    /// before its answer came: it may have taken effect on the server.
    pub(crate) fn send_noting_lost_answers(&self, call: &Call<'_>) -> (Result<Reply>, bool) {
        let mut attempt = 0;
        let mut lost = false;
        loop {
            let (result, retry_after) = self.attempt(call);
            let retryable = match &result {
                Ok(_) => false,
                Err(Failure::Status(e)) => {
                    matches!(e.http_status, Some(429 | 502 | 503 | 504))
                        && retry_after.is_none_or(|d| d <= MAX_RETRY_AFTER)
                }
                Err(Failure::Connection(_)) => true,
                Err(Failure::Final(_)) => false,
            };
            if !(retryable && call.method.is_idempotent() && attempt < self.max_retries) {
                return (result.map_err(|f| f.into_error(call)), lost);
            }
            lost |= matches!(result, Err(Failure::Connection(_)));
            std::thread::sleep(backoff(attempt).max(retry_after.unwrap_or_default()));
            attempt += 1;
        }
    }

    /// One attempt; also returns the answer's `Retry-After`, when it had one in seconds.
    fn attempt(&self, call: &Call<'_>) -> (Result<Reply, Failure>, Option<Duration>) {
        crate::transport::reset_sent_bytes();
        let url = format!("{}{}", self.base_url, call.target);
        let mut request = http::Request::builder()
            .method(call.method.as_http())
            .uri(url);
        let auth = match (call.auth, &self.platform_auth) {
            (_, None) => None,
            (Auth::Platform, Some(platform)) => Some(platform.clone()),
            (Auth::Element(token), Some(platform)) => {
                let mut text = Vec::with_capacity(platform.len() + token.expose().len() + 10);
                text.extend_from_slice(platform.as_bytes());
                text.extend_from_slice(b", Element ");
                text.extend_from_slice(token.expose().as_bytes());
                match HeaderValue::from_bytes(&text) {
                    Ok(mut v) => {
                        v.set_sensitive(true);
                        Some(v)
                    }
                    Err(_) => {
                        let e =
                            Error::invalid_value("/elementToken", "must be a valid header value");
                        return (Err(Failure::Final(e)), None);
                    }
                }
            }
        };
        if let Some(auth) = auth {
            request = request.header(http::header::AUTHORIZATION, auth);
        }
        for (name, value) in &call.headers {
            request = request.header(*name, *value);
        }
        let typed = call
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        let sent = match &call.body {
            Some(body) if typed => request.body(body.as_slice()).map(|r| self.agent.run(r)),
            Some(body) => request
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.as_slice())
                .map(|r| self.agent.run(r)),
            None => request.body(()).map(|r| self.agent.run(r)),
        };
        let response = match sent {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                return (
                    Err(classify(e, call.method, crate::transport::sent_bytes() > 0)),
                    None,
                )
            }
            Err(_) => {
                // The checks of each request make this unreachable; should one miss a case,
                // this names the request rather than sending it.
                let e = Error::invalid_value("", "cannot be sent as an HTTP request");
                return (Err(Failure::Final(e)), None);
            }
        };
        let (parts, mut body) = response.into_parts();
        let status = parts.status.as_u16();
        let headers = parts.headers;
        if !(200..300).contains(&status) {
            let retry_after = headers
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let reply = Reply {
                status,
                headers,
                body: read_limited(&mut body, ERROR_BODY_CAP).unwrap_or_default(),
            };
            let path = call.target.split('?').next().unwrap_or("");
            let e = crate::decode::api_error(call.method, path, &reply);
            return (Err(Failure::Status(e)), retry_after);
        }
        match read_limited(&mut body, self.max_response_bytes) {
            Ok(body) => (
                Ok(Reply {
                    status,
                    headers,
                    body,
                }),
                None,
            ),
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                let e = Error::new(
                    oc_status::OC_ERR_DECODE,
                    format!(
                        "the platform's answer is larger than maxResponseBytes ({} bytes)",
                        self.max_response_bytes
                    ),
                );
                (Err(Failure::Final(e)), None)
            }
            Err(e) => (Err(classify_body_error(e, call.method, status)), None),
        }
    }
}

fn read_limited(body: &mut Body, limit: u64) -> Result<Vec<u8>, ureq::Error> {
    body.with_config().limit(limit).read_to_vec()
}

/// A failed attempt, by what may follow it.
enum Failure {
    /// A non-2xx answer; retried for 429, 502, 503 and 504.
    Status(Error),
    /// The connection failed before an answer came; retried for idempotent methods.
    Connection(Error),
    /// Anything else.
    Final(Error),
}

impl Failure {
    fn into_error(self, call: &Call<'_>) -> Error {
        let mut e = match self {
            Failure::Status(e) | Failure::Connection(e) | Failure::Final(e) => e,
        };
        let details = &mut *e;
        for text in [&mut details.platform_message, &mut details.provider_message]
            .into_iter()
            .flatten()
        {
            *text = scrub(text, &call.secrets);
        }
        e
    }
}

fn outcome_unknown(what: &str) -> Error {
    Error::new(
        oc_status::OC_ERR_OUTCOME_UNKNOWN,
        format!("{what} after the request was sent: it may or may not have taken effect"),
    )
}

/// Maps a ureq error from sending a request and awaiting its answer.
fn classify(e: ureq::Error, method: Method, sent: bool) -> Failure {
    let unknown = sent && !method.is_idempotent();
    match e {
        ureq::Error::Timeout(t) => {
            use ureq::Timeout as T;
            if unknown && !matches!(t, T::Resolve | T::Connect) {
                Failure::Final(outcome_unknown("the request timed out"))
            } else {
                let phase = match t {
                    T::Resolve => "resolving the host",
                    T::Connect => "connecting",
                    _ => "waiting for the answer",
                };
                Failure::Final(Error::new(
                    oc_status::OC_ERR_TIMEOUT,
                    format!("the request timed out while {phase}"),
                ))
            }
        }
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => {
            if unknown {
                Failure::Final(outcome_unknown("the request timed out"))
            } else {
                Failure::Final(Error::new(
                    oc_status::OC_ERR_TIMEOUT,
                    "the request timed out",
                ))
            }
        }
        ureq::Error::HostNotFound => Failure::Final(transport("the host name does not resolve")),
        // rustls reports a failed handshake (an unknown issuer, a wrong name) as InvalidData
        // wrapping its own error, whose text names the problem and never the URL.
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::InvalidData && !unknown => {
            let detail = io
                .get_ref()
                .map(ToString::to_string)
                .filter(|d| d.len() <= 200 && !d.contains("://") && !d.contains('?'))
                .unwrap_or_else(|| "the peer sent invalid data".to_owned());
            Failure::Final(transport(&format!("TLS failed: {detail}")))
        }
        ureq::Error::Io(io) => {
            if unknown {
                return Failure::Final(outcome_unknown("the connection was lost"));
            }
            let what = match io.kind() {
                io::ErrorKind::ConnectionRefused => "the connection was refused",
                io::ErrorKind::ConnectionReset => "the connection was reset",
                io::ErrorKind::ConnectionAborted => "the connection was aborted",
                io::ErrorKind::UnexpectedEof => "the connection closed before an answer",
                io::ErrorKind::BrokenPipe => "the connection closed while sending",
                io::ErrorKind::NotFound => "the host name does not resolve",
                _ => "an I/O error occurred on the connection",
            };
            Failure::Connection(transport(what))
        }
        ureq::Error::ConnectionFailed => {
            if unknown {
                Failure::Final(outcome_unknown("the connection was lost"))
            } else {
                Failure::Connection(transport("the connection failed"))
            }
        }
        ureq::Error::Protocol(_) => {
            if unknown {
                Failure::Final(outcome_unknown("the server's answer was not valid HTTP"))
            } else {
                Failure::Connection(transport("the server's answer was not valid HTTP"))
            }
        }
        ureq::Error::Tls(what) => Failure::Final(transport(&format!("TLS failed: {what}"))),
        ureq::Error::Rustls(err) => Failure::Final(transport(&format!("TLS failed: {err}"))),
        ureq::Error::Pem(_) => Failure::Final(transport("TLS failed: a certificate is invalid")),
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => {
            Failure::Final(transport("the proxy refused or failed the connection"))
        }
        ureq::Error::LargeResponseHeader(..) => {
            Failure::Final(transport("the answer's headers are too large"))
        }
        ureq::Error::BodyExceedsLimit(_) => Failure::Final(Error::new(
            oc_status::OC_ERR_DECODE,
            "the platform's answer is larger than maxResponseBytes",
        )),
        _ => {
            if unknown {
                Failure::Final(outcome_unknown("the request failed"))
            } else {
                Failure::Final(transport("the HTTP exchange failed"))
            }
        }
    }
}

/// Maps an error while reading a 2xx body: for POST, PUT and PATCH the request took effect
/// but its result is lost.
fn classify_body_error(e: ureq::Error, method: Method, status: u16) -> Failure {
    if !method.is_idempotent() {
        return Failure::Final(outcome_unknown(&format!(
            "the connection was lost while reading the {status} answer"
        )));
    }
    match e {
        ureq::Error::Timeout(_) => Failure::Final(Error::new(
            oc_status::OC_ERR_TIMEOUT,
            "the request timed out while reading the answer",
        )),
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => Failure::Final(Error::new(
            oc_status::OC_ERR_TIMEOUT,
            "the request timed out while reading the answer",
        )),
        _ => Failure::Connection(transport(
            "the connection closed before the whole answer arrived",
        )),
    }
}

fn transport(what: &str) -> Error {
    Error::new(oc_status::OC_ERR_TRANSPORT, what)
}

/// Jittered exponential backoff: a random duration between half and all of the step.
fn backoff(attempt: u32) -> Duration {
    let step = BASE_BACKOFF
        .saturating_mul(1u32 << attempt.min(16))
        .min(MAX_BACKOFF);
    let jitter = getrandom::u64().unwrap_or(0) % 1000;
    step / 2 + step / 2 * jitter as u32 / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_jitters_and_caps() {
        for attempt in 0..20 {
            let b = backoff(attempt);
            let step = BASE_BACKOFF
                .saturating_mul(1 << attempt.min(16))
                .min(MAX_BACKOFF);
            assert!(b >= step / 2 && b <= step, "{attempt}: {b:?}");
        }
    }

    #[test]
    fn methods_parse_in_any_case() {
        assert_eq!(Method::parse("pAtCh"), Some(Method::Patch));
        assert_eq!(Method::parse("TRACE"), None);
        assert!(Method::Get.is_idempotent() && Method::Delete.is_idempotent());
        assert!(!Method::Post.is_idempotent() && !Method::Put.is_idempotent());
    }
}
