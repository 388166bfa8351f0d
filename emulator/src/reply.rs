//! What handlers answer: a [`Reply`] or an [`ApiError`] in the platform's error shape, and
//! [`finish`], which turns either into the response sent, with the headers every answer carries.

use crate::consts::VERSION;
use crate::http::{Body, Response};
use serde_json::{json, Value};

/// A successful answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// JSON text, or empty.
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// An HTML page.
    pub fn html(status: u16, page: String) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: page.into_bytes(),
        }
    }

    /// A 200 with no body at all (the platform's answer to DELETE).
    pub fn empty() -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with(mut self, name: &str, value: String) -> Reply {
        self.headers.push((name.into(), value));
        self
    }
}

/// A refusal, answered as `{"requestId", "message"[, "providerMessage"]}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// Set when the (emulated) provider caused the refusal.
    pub provider_message: Option<&'static str>,
    /// Headers the refusal carries besides the common ones (`Allow` for a 405, say).
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    /// A refusal with this status and message.
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            provider_message: None,
            headers: Vec::new(),
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, message)
    }

    /// 405 for a route that allows `allow`.
    pub fn method_not_allowed(allow: &'static str) -> ApiError {
        ApiError::new(
            405,
            format!("Method not allowed; this resource allows {allow}"),
        )
        .with("Allow", allow.into())
    }

    /// Adds a header.
    pub fn with(mut self, name: &str, value: String) -> ApiError {
        self.headers.push((name.into(), value));
        self
    }
}

/// What handlers return.
pub type ApiResult = Result<Reply, ApiError>;

/// Turns a handler's result into a response with the headers every answer carries.
pub fn finish(result: ApiResult, request_id: &str) -> Response {
    let reply = result.unwrap_or_else(|error| error_reply(error, request_id));
    let mut headers = reply.headers;
    headers.push(("Elements-Request-Id".into(), request_id.into()));
    headers.push(("X-Emulator-Version".into(), VERSION.into()));
    Response {
        status: reply.status,
        headers,
        body: Body::Bytes(reply.body),
    }
}

fn error_reply(error: ApiError, request_id: &str) -> Reply {
    let mut body = json!({"requestId": request_id, "message": error.message});
    if let Some(provider_message) = error.provider_message {
        body["providerMessage"] = Value::from(provider_message);
    }
    let mut reply = Reply::json(error.status, &body);
    reply.headers.extend(error.headers);
    reply
}
