//! What a failed attempt means: every ureq error and every non-2xx answer becomes a status of
//! the C contract, decided in one place from what happened and from what may have reached
//! the server.
//!
//! No text of a ureq error is passed on: it can hold the URL, and the URL of step 1 holds
//! `apiSecret`. Errors are described from their kind only.

use super::request::{Method, Reply};
use crate::error::{oc_status, Error};
use serde_json::Value;
use std::io;

/// A failed attempt, by what may follow it.
pub(crate) enum Failure {
    /// A non-2xx answer; retried for 429, 502, 503 and 504.
    Status(Error),
    /// The connection failed before an answer came; retried for idempotent methods.
    Connection(Error),
    /// Anything else.
    Final(Error),
}

impl Failure {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failure::Status(e) | Failure::Connection(e) | Failure::Final(e) => e,
        }
    }
}

/// What is known of the attempt that failed.
pub(crate) struct Facts {
    pub(crate) method: Method,
    /// Bytes of the request left the machine.
    pub(crate) sent: bool,
    /// The caller's cancel handle was triggered.
    pub(crate) cancelled: bool,
    /// The attempt's time was cut short by the call's deadline.
    pub(crate) at_deadline: bool,
}

impl Facts {
    /// A POST, PUT or PATCH that left the machine may have taken effect.
    fn outcome_unknown(&self) -> bool {
        self.sent && !self.method.is_idempotent()
    }
}

/// Why an attempt failed, before deciding what that means for the call.
enum Cause {
    Timeout { phase: &'static str, sending: bool },
    Lost(&'static str),
    Tls(String),
    HostNotFound,
    Proxy,
    HeadersTooLarge,
    TooLarge,
    Other,
}

/// Maps a ureq error from sending a request and awaiting its answer.
pub(crate) fn classify(e: ureq::Error, facts: &Facts) -> Failure {
    decide(cause_of(e), facts)
}

/// Maps an error while reading a 2xx body: for POST, PUT and PATCH the request took effect,
/// but its result is lost.
pub(crate) fn classify_body_error(e: ureq::Error, facts: &Facts, status: u16) -> Failure {
    if facts.cancelled {
        return decide(Cause::Other, facts);
    }
    if !facts.method.is_idempotent() {
        return Failure::Final(Error::outcome_unknown(&format!(
            "the connection was lost while reading the {status} answer"
        )));
    }
    let cause = match cause_of(e) {
        Cause::Timeout { .. } => Cause::Timeout {
            phase: "reading the answer",
            sending: false,
        },
        Cause::TooLarge => Cause::TooLarge,
        _ => Cause::Lost("the connection closed before the whole answer arrived"),
    };
    decide(cause, facts)
}

fn cause_of(e: ureq::Error) -> Cause {
    use ureq::Timeout as T;
    match e {
        ureq::Error::Timeout(t) => Cause::Timeout {
            phase: match t {
                T::Resolve => "resolving the host",
                T::Connect => "connecting",
                T::SendRequest | T::SendBody => "sending the request",
                _ => "waiting for the answer",
            },
            sending: matches!(t, T::Resolve | T::Connect),
        },
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => Cause::Timeout {
            phase: "waiting for the answer",
            sending: false,
        },
        ureq::Error::HostNotFound => Cause::HostNotFound,
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::NotFound => Cause::HostNotFound,
        // rustls reports a failed handshake (an unknown issuer, a wrong name) as InvalidData
        // wrapping its own error, whose text names the problem and never the URL.
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::InvalidData => Cause::Tls(
            io.get_ref()
                .map(ToString::to_string)
                .filter(|d| d.len() <= 200 && !d.contains("://") && !d.contains('?'))
                .unwrap_or_else(|| "the peer sent invalid data".to_owned()),
        ),
        ureq::Error::Io(io) => Cause::Lost(match io.kind() {
            io::ErrorKind::ConnectionRefused => "the connection was refused",
            io::ErrorKind::ConnectionReset => "the connection was reset",
            io::ErrorKind::ConnectionAborted => "the connection was aborted",
            io::ErrorKind::UnexpectedEof => "the connection closed before an answer",
            io::ErrorKind::BrokenPipe => "the connection closed while sending",
            _ => "an I/O error occurred on the connection",
        }),
        ureq::Error::ConnectionFailed => Cause::Lost("the connection failed"),
        ureq::Error::Protocol(_) => Cause::Lost("the server's answer was not valid HTTP"),
        ureq::Error::Tls(what) => Cause::Tls(what.to_owned()),
        ureq::Error::Rustls(err) => Cause::Tls(err.to_string()),
        ureq::Error::Pem(_) => Cause::Tls("a certificate is invalid".to_owned()),
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => Cause::Proxy,
        ureq::Error::LargeResponseHeader(..) => Cause::HeadersTooLarge,
        ureq::Error::BodyExceedsLimit(_) => Cause::TooLarge,
        _ => Cause::Other,
    }
}

/// The one decision: cancellation first, then whether the request may have taken effect,
/// then what kind of failure it was and whether another attempt may follow.
fn decide(cause: Cause, facts: &Facts) -> Failure {
    if facts.cancelled {
        return Failure::Final(if facts.outcome_unknown() {
            Error::outcome_unknown("cancelled")
        } else {
            Error::cancelled()
        });
    }
    let after_sending = facts.outcome_unknown();
    let deadline = if facts.at_deadline {
        "the call's deadline (deadlineMs) expired"
    } else {
        "the request timed out"
    };
    match cause {
        Cause::Timeout { sending: false, .. } if after_sending => {
            Failure::Final(Error::outcome_unknown(deadline))
        }
        Cause::Timeout { phase, .. } => {
            Failure::Final(Error::timeout(&format!("{deadline} while {phase}")))
        }
        Cause::Lost(what) if after_sending => Failure::Final(Error::outcome_unknown(what)),
        Cause::Lost(what) => Failure::Connection(Error::transport(what)),
        Cause::Tls(detail) => Failure::Final(Error::transport(&format!("TLS failed: {detail}"))),
        Cause::HostNotFound => Failure::Final(Error::transport("the host name does not resolve")),
        Cause::Proxy => Failure::Final(Error::transport(
            "the proxy refused or failed the connection",
        )),
        Cause::HeadersTooLarge => {
            Failure::Final(Error::transport("the answer's headers are too large"))
        }
        Cause::TooLarge => Failure::Final(Error::decode(
            "the platform's answer is larger than maxResponseBytes",
        )),
        Cause::Other if after_sending => {
            Failure::Final(Error::outcome_unknown("the request failed"))
        }
        Cause::Other => Failure::Final(Error::transport("the HTTP exchange failed")),
    }
}

/// The `OC_ERR_API` error of a non-2xx answer, from the platform's error body
/// `{"requestId", "message", "providerMessage"}` (else the `Elements-Request-Id` header).
/// `path` is the request's path, without its query.
pub(crate) fn api_error(method: Method, path: &str, reply: &Reply) -> Error {
    let parsed: Option<Value> = serde_json::from_slice(&reply.body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let status = reply.status;
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut e = Error::new(
        oc_status::OC_ERR_API,
        format!(
            "the platform answered {status} {reason} to {} {path}",
            method.name()
        )
        .replace("  ", " "),
    );
    e.http_status = Some(status);
    e.request_id =
        field("requestId").or_else(|| reply.header("elements-request-id").map(str::to_owned));
    e.platform_message = field("message");
    e.provider_message = field("providerMessage");
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::reply;

    #[test]
    fn api_errors_take_the_platform_body_then_the_header() {
        let r = reply(
            404,
            &[("elements-request-id", "from-header")],
            r#"{"requestId": "abc", "message": "No instance", "providerMessage": "p"}"#,
        );
        let e = api_error(Method::Get, "/instances/1", &r);
        assert_eq!(
            e.message,
            "the platform answered 404 Not Found to GET /instances/1"
        );
        assert_eq!(
            (e.request_id.as_deref(), e.platform_message.as_deref()),
            (Some("abc"), Some("No instance"))
        );
        let e = api_error(
            Method::Get,
            "/x",
            &reply(599, &[("elements-request-id", "h")], "<html>"),
        );
        assert_eq!(
            (e.request_id.as_deref(), e.http_status),
            (Some("h"), Some(599))
        );
        assert_eq!(e.message, "the platform answered 599 to GET /x");
    }

    #[test]
    fn one_decision_for_cancellation_and_lost_answers() {
        let facts = |method, sent, cancelled| Facts {
            method,
            sent,
            cancelled,
            at_deadline: false,
        };
        let lost = || Cause::Lost("the connection was reset");
        let status = |f: Failure| f.into_error().status;
        use oc_status::*;
        assert_eq!(
            status(decide(lost(), &facts(Method::Post, true, false))),
            OC_ERR_OUTCOME_UNKNOWN
        );
        assert_eq!(
            status(decide(lost(), &facts(Method::Post, false, false))),
            OC_ERR_TRANSPORT
        );
        assert_eq!(
            status(decide(lost(), &facts(Method::Get, true, false))),
            OC_ERR_TRANSPORT
        );
        assert_eq!(
            status(decide(lost(), &facts(Method::Put, true, true))),
            OC_ERR_OUTCOME_UNKNOWN
        );
        assert_eq!(
            status(decide(lost(), &facts(Method::Put, false, true))),
            OC_ERR_CANCELLED
        );
        assert_eq!(
            status(decide(lost(), &facts(Method::Delete, true, true))),
            OC_ERR_CANCELLED
        );
        let timeout = || Cause::Timeout {
            phase: "waiting for the answer",
            sending: false,
        };
        assert_eq!(
            status(decide(timeout(), &facts(Method::Patch, true, false))),
            OC_ERR_OUTCOME_UNKNOWN
        );
        assert_eq!(
            status(decide(timeout(), &facts(Method::Get, true, false))),
            OC_ERR_TIMEOUT
        );
        let e = decide(
            timeout(),
            &Facts {
                at_deadline: true,
                ..facts(Method::Get, true, false)
            },
        )
        .into_error();
        assert!(e.message.contains("deadlineMs"), "{}", e.message);
        assert!(matches!(
            decide(lost(), &facts(Method::Get, true, false)),
            Failure::Connection(_)
        ));
    }
}
