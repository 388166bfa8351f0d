//! The HTTP side of a client: one ureq agent (one connection pool) per client, and the loop
//! that sends a request, retries idempotent ones within the call's deadline, and logs every
//! exchange.

use super::failure::{api_error, classify, classify_body_error, Facts, Failure};
use super::request::{Auth, Exchange, Reply};
use crate::config::Config;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::log::{self, Level, Record};
use crate::pool;
use crate::transport::{
    proxy_for, tls_with_extra_roots, Attempt, CountingConnector, Resolver, SocketConnector,
};
use crate::url::HttpUrl;
use std::time::{Duration, Instant};
use ureq::http::{self, HeaderValue};
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector};
use ureq::{Agent, AsSendBody, Body};

/// Error bodies are read up to this size to fill the error document.
const ERROR_BODY_CAP: u64 = 64 * 1024;
/// A `Retry-After` longer than this is not waited for: the answer goes back to the caller.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// First backoff step; doubled per retry and capped at [`MAX_BACKOFF`], then jittered.
const BASE_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// The HTTP side of a client.
pub(crate) struct Http {
    agent: Agent,
    base_url: String,
    /// `User <u>, Organization <o>`, built once, marked sensitive.
    platform_auth: Option<HeaderValue>,
    max_retries: u32,
    max_response_bytes: u64,
    timeout: Duration,
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
        let connect_timeout = config.connect_timeout.min(config.timeout);
        let mut builder = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .https_only(false)
            .user_agent(config.user_agent.as_str())
            .accept("application/json")
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(connect_timeout))
            // As many as the library's threads can use at once on the platform's host: with
            // fewer, calls in flight on every thread close and open connections all the time.
            .max_idle_connections(pool::MAX_WORKERS)
            .max_idle_connections_per_host(pool::MAX_WORKERS)
            .max_idle_age(Duration::from_secs(30))
            .proxy(proxy_for(config, base)?);
        if let Some(path) = &config.ca_certificates_pem_file {
            builder = builder.tls_config(tls_with_extra_roots(path)?);
        }
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(SocketConnector)
                .chain(RustlsConnector::default())
                .chain(CountingConnector);
        let agent = Agent::with_parts(builder.build(), connector, Resolver::default());
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
            timeout: config.timeout,
        })
    }

    /// Whether the User and Organization secrets are configured.
    pub(crate) fn has_platform_auth(&self) -> bool {
        self.platform_auth.is_some()
    }

    /// Sends a request, retrying idempotent ones, and returns its 2xx answer or the error.
    pub(crate) fn send(&self, exchange: &Exchange<'_>, ctx: &Ctx) -> Result<Reply> {
        self.send_noting_lost_answers(exchange, ctx).0
    }

    /// Like [`Http::send`], and also tells whether an earlier attempt lost its connection
    /// before its answer came: it may have taken effect on the server.
    pub(crate) fn send_noting_lost_answers(
        &self,
        exchange: &Exchange<'_>,
        ctx: &Ctx,
    ) -> (Result<Reply>, bool) {
        let mut attempt = 0;
        let mut lost = false;
        loop {
            if let Err(e) = ctx.check_cancelled() {
                return (Err(e), lost);
            }
            if ctx.remaining().is_zero() {
                let e = Error::timeout("the call's deadline (deadlineMs) expired before sending");
                return (Err(e), lost);
            }
            let (result, retry_after) = self.attempt(exchange, ctx, attempt);
            let retryable = match &result {
                Ok(_) => false,
                Err(Failure::Status(e)) => {
                    matches!(e.http_status, Some(429 | 502 | 503 | 504))
                        && retry_after.is_none_or(|d| d <= MAX_RETRY_AFTER)
                }
                Err(Failure::Connection(_)) => true,
                Err(Failure::Final(_)) => false,
            };
            if !(retryable && exchange.method.is_idempotent() && attempt < self.max_retries) {
                return (result.map_err(Failure::into_error), lost);
            }
            let wait = backoff(attempt).max(retry_after.unwrap_or_default());
            let path = exchange.target.path();
            if Instant::now() + wait >= ctx.deadline {
                // A retry that could not finish in time is not started: the last answer
                // goes back now, instead of a timeout later.
                log_retry(ctx, exchange, attempt, wait, false);
                return (result.map_err(Failure::into_error), lost);
            }
            log_retry(ctx, exchange, attempt, wait, true);
            if log::enabled(Level::Debug) {
                let ms = wait.as_millis() as u64;
                Record::new(
                    Level::Debug,
                    "http",
                    format_args!("backing off {ms} ms before retrying {path}"),
                )
                .field("path", path)
                .field("durationMs", ms)
                .field("operation", ctx.operation)
                .emit();
            }
            lost |= matches!(result, Err(Failure::Connection(_)));
            if !ctx.sleep(wait) {
                return (Err(Error::cancelled()), lost);
            }
            attempt += 1;
        }
    }

    /// One attempt; also returns the answer's `Retry-After`, when it had one in seconds.
    fn attempt(
        &self,
        exchange: &Exchange<'_>,
        ctx: &Ctx,
        number: u32,
    ) -> (Result<Reply, Failure>, Option<Duration>) {
        let scope = Attempt::begin(ctx.operation, ctx.cancel.as_ref(), ctx.deadline);
        let started = Instant::now();
        let remaining = ctx.remaining();
        let facts = || Facts {
            method: exchange.method,
            sent: scope.sent(),
            cancelled: ctx.is_cancelled(),
            at_deadline: remaining < self.timeout,
        };
        let (result, retry_after) = match self.request(exchange) {
            Err(e) => (Err(Failure::Final(e)), None),
            Ok(request) => {
                let response = match &exchange.body {
                    Some(body) => self.run(request.body(body.as_slice())),
                    None => self.run(request.body(())),
                };
                match response {
                    Ok(response) => self.read(exchange, response, &facts),
                    Err(e) => (Err(classify(e, &facts())), None),
                }
            }
        };
        log_exchange(ctx, exchange, &result, started, number, scope.opened());
        (result, retry_after)
    }

    /// The request's method, URL and headers.
    fn request(&self, exchange: &Exchange<'_>) -> Result<http::request::Builder> {
        let url = format!("{}{}", self.base_url, exchange.target.to_uri_suffix());
        let mut request = http::Request::builder()
            .method(exchange.method.as_http())
            .uri(url);
        if let Some(auth) = self.authorization(exchange.auth)? {
            request = request.header(http::header::AUTHORIZATION, auth);
        }
        for (name, value) in &exchange.headers {
            request = request.header(*name, *value);
        }
        let typed = exchange
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        if exchange.body.is_some() && !typed {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
        }
        Ok(request)
    }

    /// Sends with the agent's configuration: the client's timeouts, applied by ureq, and the
    /// call's deadline, applied by the transport (see `transport::Attempt`).
    fn run<S: AsSendBody>(
        &self,
        request: http::Result<http::Request<S>>,
    ) -> Result<http::Response<Body>, ureq::Error> {
        // The checks of each request make a malformed one unreachable; should one miss a
        // case, it fails here rather than being sent.
        self.agent.run(request?)
    }

    /// Reads the answer: a 2xx body up to `maxResponseBytes`, or the error of a non-2xx one
    /// with its `Retry-After`.
    fn read(
        &self,
        exchange: &Exchange<'_>,
        response: http::Response<Body>,
        facts: &dyn Fn() -> Facts,
    ) -> (Result<Reply, Failure>, Option<Duration>) {
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
            let e = api_error(exchange.method, exchange.target.path(), &reply);
            return (Err(Failure::Status(e)), retry_after);
        }
        let result = match read_limited(&mut body, self.max_response_bytes) {
            Ok(body) => Ok(Reply {
                status,
                headers,
                body,
            }),
            Err(ureq::Error::BodyExceedsLimit(_)) if !facts().cancelled => {
                Err(Failure::Final(Error::decode(&format!(
                    "the platform's answer is larger than maxResponseBytes ({} bytes)",
                    self.max_response_bytes
                ))))
            }
            Err(e) => Err(classify_body_error(e, &facts(), status)),
        };
        (result, None)
    }

    /// The Authorization value of a request, if secrets are configured.
    fn authorization(&self, auth: Auth<'_>) -> Result<Option<HeaderValue>> {
        let Some(platform) = self.platform_auth.as_ref() else {
            return Ok(None);
        };
        let Auth::Element(token) = auth else {
            return Ok(Some(platform.clone()));
        };
        let mut text = Vec::with_capacity(platform.len() + token.expose().len() + 10);
        text.extend_from_slice(platform.as_bytes());
        text.extend_from_slice(b", Element ");
        text.extend_from_slice(token.expose().as_bytes());
        let mut value = HeaderValue::from_bytes(&text)
            .map_err(|_| Error::invalid_value("/elementToken", "must be a valid header value"))?;
        value.set_sensitive(true);
        Ok(Some(value))
    }
}

fn read_limited(body: &mut Body, limit: u64) -> Result<Vec<u8>, ureq::Error> {
    body.with_config().limit(limit).read_to_vec()
}

/// The info record of a finished exchange (and, at debug, a reused connection).
fn log_exchange(
    ctx: &Ctx,
    exchange: &Exchange<'_>,
    result: &Result<Reply, Failure>,
    started: Instant,
    attempt: u32,
    opened: bool,
) {
    let path = exchange.target.path();
    if !opened && log::enabled(Level::Debug) {
        Record::new(
            Level::Debug,
            "http",
            format_args!("connection reused for {path}"),
        )
        .field("path", path)
        .field("operation", ctx.operation)
        .emit();
    }
    // An answer is an info record, and so is a cancellation (the caller asked for it); any
    // other failure without an answer is a warning.
    let level = match result {
        Ok(_) | Err(Failure::Status(_)) => Level::Info,
        Err(_) if ctx.is_cancelled() => Level::Info,
        Err(Failure::Connection(_) | Failure::Final(_)) => Level::Warn,
    };
    if !log::enabled(level) {
        return;
    }
    let ms = started.elapsed().as_millis() as u64;
    let method = exchange.method.name();
    let (status, request_id, failed) = match result {
        Ok(reply) => (
            Some(reply.status),
            reply.header("elements-request-id").map(str::to_owned),
            None,
        ),
        Err(Failure::Status(e)) => (e.http_status, e.request_id.clone(), None),
        Err(Failure::Connection(e) | Failure::Final(e)) => (None, None, Some(e.status.kind())),
    };
    // The message is formatted into the record as it is written, without a string of its own.
    let record = match failed {
        Some(kind) => Record::new(
            level,
            "http",
            format_args!("{method} {path} failed ({kind}) in {ms} ms"),
        ),
        None => Record::new(
            level,
            "http",
            format_args!("{method} {path} {} in {ms} ms", status.unwrap_or_default()),
        ),
    };
    let mut record = record
        .field("method", method)
        .field("path", path)
        .field("durationMs", ms)
        .field("attempt", attempt + 1)
        .field("operation", ctx.operation);
    if let Some(status) = status {
        record = record.field("status", status);
    }
    if let Some(mut id) = request_id {
        ctx.secrets.apply(&mut id);
        record = record.field("requestId", id);
    }
    record.emit();
}

/// The info record of a retry decision.
fn log_retry(ctx: &Ctx, exchange: &Exchange<'_>, attempt: u32, wait: Duration, retrying: bool) {
    if !log::enabled(Level::Info) {
        return;
    }
    let path = exchange.target.path();
    let method = exchange.method.name();
    let ms = wait.as_millis() as u64;
    let message = if retrying {
        format!("retrying {method} {path} in {ms} ms")
    } else {
        format!("not retrying {method} {path}: a wait of {ms} ms would pass the call's deadline")
    };
    Record::new(Level::Info, "http", message)
        .field("method", method)
        .field("path", path)
        .field("attempt", attempt + 2)
        .field("durationMs", ms)
        .field("operation", ctx.operation)
        .emit();
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
}
