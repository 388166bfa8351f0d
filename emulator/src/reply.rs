//! The answers handlers produce, and the platform's error shape, before `routes` adds the
//! headers every answer carries.

use serde_json::Value;

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
    /// For 405: the methods the route allows.
    pub allow: Option<&'static str>,
}

impl ApiError {
    /// A refusal with this status and message.
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            provider_message: None,
            allow: None,
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
        ApiError {
            allow: Some(allow),
            ..ApiError::new(
                405,
                format!("Method not allowed; this resource allows {allow}"),
            )
        }
    }
}

/// What handlers return.
pub type ApiResult = Result<Reply, ApiError>;
