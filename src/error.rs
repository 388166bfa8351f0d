//! Status codes and the error document that every failing operation returns.

use serde_json::{json, Map, Value};

/// The result of every operation, with numbers fixed by the public C contract.
///
/// The numbers never change; new statuses may be added. In C the type is `uint32_t`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum oc_status {
    /// Success: the out-pointer holds the result document.
    OC_OK = 0,
    /// A NULL pointer, bytes that are not UTF-8, text that is not JSON, or a JSON member of the
    /// wrong type (named in `invalid`).
    OC_ERR_INVALID_ARGUMENT = 1,
    /// Well-formed input with missing or invalid entries (named in `missing` and `invalid`);
    /// nothing was sent.
    OC_ERR_VALIDATION = 2,
    /// The provider redirected back with `error=...` (see `oauthError`).
    OC_ERR_OAUTH_DENIED = 3,
    /// The callback's `state` differs from the expected one, or is absent.
    OC_ERR_STATE_MISMATCH = 4,
    /// The platform answered with a non-2xx status (see `status`, `requestId`,
    /// `platformMessage`).
    OC_ERR_API = 5,
    /// A configured timeout expired.
    OC_ERR_TIMEOUT = 6,
    /// DNS, connect, TLS or I/O failure, or a refused redirect.
    OC_ERR_TRANSPORT = 7,
    /// A 2xx answer whose body is not the expected JSON, or is larger than `maxResponseBytes`.
    OC_ERR_DECODE = 8,
    /// A non-idempotent request (POST, PUT, PATCH) may or may not have taken effect: the
    /// connection was lost or timed out after the request was sent.
    OC_ERR_OUTCOME_UNKNOWN = 9,
    /// A bug in the library: a panic caught at the boundary.
    OC_ERR_INTERNAL = 99,
}

/// The Rust name of [`oc_status`].
pub type Status = oc_status;

impl oc_status {
    /// Every status, in numeric order.
    pub const ALL: [oc_status; 11] = [
        oc_status::OC_OK,
        oc_status::OC_ERR_INVALID_ARGUMENT,
        oc_status::OC_ERR_VALIDATION,
        oc_status::OC_ERR_OAUTH_DENIED,
        oc_status::OC_ERR_STATE_MISMATCH,
        oc_status::OC_ERR_API,
        oc_status::OC_ERR_TIMEOUT,
        oc_status::OC_ERR_TRANSPORT,
        oc_status::OC_ERR_DECODE,
        oc_status::OC_ERR_OUTCOME_UNKNOWN,
        oc_status::OC_ERR_INTERNAL,
    ];

    /// The status for a raw number, if it is one.
    pub fn from_u32(n: u32) -> Option<oc_status> {
        Self::ALL.iter().copied().find(|s| *s as u32 == n)
    }

    /// The constant's name, e.g. `"OC_ERR_API"`.
    pub fn name(self) -> &'static str {
        match self {
            oc_status::OC_OK => "OC_OK",
            oc_status::OC_ERR_INVALID_ARGUMENT => "OC_ERR_INVALID_ARGUMENT",
            oc_status::OC_ERR_VALIDATION => "OC_ERR_VALIDATION",
            oc_status::OC_ERR_OAUTH_DENIED => "OC_ERR_OAUTH_DENIED",
            oc_status::OC_ERR_STATE_MISMATCH => "OC_ERR_STATE_MISMATCH",
            oc_status::OC_ERR_API => "OC_ERR_API",
            oc_status::OC_ERR_TIMEOUT => "OC_ERR_TIMEOUT",
            oc_status::OC_ERR_TRANSPORT => "OC_ERR_TRANSPORT",
            oc_status::OC_ERR_DECODE => "OC_ERR_DECODE",
            oc_status::OC_ERR_OUTCOME_UNKNOWN => "OC_ERR_OUTCOME_UNKNOWN",
            oc_status::OC_ERR_INTERNAL => "OC_ERR_INTERNAL",
        }
    }

    /// The error document's `kind` for this status (`"ok"` for [`oc_status::OC_OK`]).
    pub fn kind(self) -> &'static str {
        match self {
            oc_status::OC_OK => "ok",
            oc_status::OC_ERR_INVALID_ARGUMENT => "invalid_argument",
            oc_status::OC_ERR_VALIDATION => "validation",
            oc_status::OC_ERR_OAUTH_DENIED => "oauth_denied",
            oc_status::OC_ERR_STATE_MISMATCH => "state_mismatch",
            oc_status::OC_ERR_API => "api",
            oc_status::OC_ERR_TIMEOUT => "timeout",
            oc_status::OC_ERR_TRANSPORT => "transport",
            oc_status::OC_ERR_DECODE => "decode",
            oc_status::OC_ERR_OUTCOME_UNKNOWN => "outcome_unknown",
            oc_status::OC_ERR_INTERNAL => "internal",
        }
    }
}

/// One invalid entry: where it is (a JSON Pointer into the request) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// RFC 6901 JSON Pointer of the entry, e.g. `/configuration/event.vendor.type`.
    pub pointer: String,
    /// What is wrong, without the value itself.
    pub reason: String,
}

/// A failed operation: an [`ErrorDetails`] behind one allocation, so results stay small.
/// Its text never holds a secret: messages name fields, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorDetails>);

impl std::ops::Deref for Error {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

/// What is known of a failed operation; the error document is made from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetails {
    /// The status; never [`oc_status::OC_OK`].
    pub status: Status,
    /// Human-readable explanation, without secrets.
    pub message: String,
    /// Validation: JSON Pointers of the entries that are required but absent or empty.
    pub missing: Vec<String>,
    /// Invalid-argument and validation: the entries of the wrong type or value.
    pub invalid: Vec<Invalid>,
    /// API errors: the HTTP status.
    pub http_status: Option<u16>,
    /// API errors: the platform's request id (body `requestId` or `Elements-Request-Id`).
    pub request_id: Option<String>,
    /// API errors: the platform's `message`.
    pub platform_message: Option<String>,
    /// API errors: the platform's `providerMessage`.
    pub provider_message: Option<String>,
    /// OAuth denial: the provider's `error` code.
    pub oauth_error: Option<String>,
    /// OAuth denial: the provider's `error_description`.
    pub oauth_error_description: Option<String>,
}

/// The result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of this status with this message and no other fields.
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        debug_assert!(status != oc_status::OC_OK);
        Error(Box::new(ErrorDetails {
            status,
            message: message.into(),
            missing: Vec::new(),
            invalid: Vec::new(),
            http_status: None,
            request_id: None,
            platform_message: None,
            provider_message: None,
            oauth_error: None,
            oauth_error_description: None,
        }))
    }

    /// `OC_ERR_INVALID_ARGUMENT` naming one entry.
    pub fn invalid_argument(pointer: &str, reason: &str) -> Error {
        Error::naming(
            oc_status::OC_ERR_INVALID_ARGUMENT,
            "invalid argument",
            pointer,
            reason,
        )
    }

    /// `OC_ERR_VALIDATION` naming one invalid entry.
    pub fn invalid_value(pointer: &str, reason: &str) -> Error {
        Error::naming(
            oc_status::OC_ERR_VALIDATION,
            "validation failed",
            pointer,
            reason,
        )
    }

    fn naming(status: Status, what: &str, pointer: &str, reason: &str) -> Error {
        let mut e = Error::new(
            status,
            format!("{what}: {} {reason}", display_pointer(pointer)),
        );
        e.invalid.push(Invalid {
            pointer: pointer.to_owned(),
            reason: reason.to_owned(),
        });
        e
    }

    /// The error document, `{"error": {...}}`, as a JSON value.
    pub fn to_value(&self) -> Value {
        let mut e = Map::new();
        e.insert("kind".into(), json!(self.status.kind()));
        e.insert("message".into(), json!(self.message));
        if !self.missing.is_empty() {
            e.insert("missing".into(), json!(self.missing));
        }
        if !self.invalid.is_empty() {
            let list: Vec<Value> = self
                .invalid
                .iter()
                .map(|i| json!({"pointer": i.pointer, "reason": i.reason}))
                .collect();
            e.insert("invalid".into(), Value::Array(list));
        }
        let optional = [
            ("requestId", &self.request_id),
            ("platformMessage", &self.platform_message),
            ("providerMessage", &self.provider_message),
            ("oauthError", &self.oauth_error),
            ("oauthErrorDescription", &self.oauth_error_description),
        ];
        if let Some(status) = self.http_status {
            e.insert("status".into(), json!(status));
        }
        for (name, value) in optional {
            if let Some(v) = value {
                e.insert(name.into(), json!(v));
            }
        }
        json!({ "error": e })
    }

    /// The error document as JSON text.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status.name(), self.message)
    }
}

impl std::error::Error for Error {}

/// A pointer as a reader sees it in a message: the root is "the request".
fn display_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "the request".to_owned()
    } else {
        pointer.to_owned()
    }
}

/// At most this many entries of each list are reported; a request with more problems than
/// that gets a count of the rest, so that the error stays small whatever the input.
pub(crate) const MAX_LISTED: usize = 100;

/// Collects every problem with a request, so that one answer reports them all.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    wrong_type: Vec<Invalid>,
    missing: Vec<String>,
    invalid: Vec<Invalid>,
    unlisted: usize,
}

impl Problems {
    pub(crate) fn wrong_type(&mut self, pointer: &str, reason: &str) {
        if self.wrong_type.len() >= MAX_LISTED {
            self.unlisted += 1;
            return;
        }
        self.wrong_type.push(Invalid {
            pointer: pointer.to_owned(),
            reason: reason.to_owned(),
        });
    }

    pub(crate) fn missing(&mut self, pointer: &str) {
        if self.missing.iter().any(|m| m == pointer) {
            return;
        }
        if self.missing.len() >= MAX_LISTED {
            self.unlisted += 1;
            return;
        }
        self.missing.push(pointer.to_owned());
    }

    pub(crate) fn invalid(&mut self, pointer: &str, reason: &str) {
        if self.invalid.len() >= MAX_LISTED {
            self.unlisted += 1;
            return;
        }
        self.invalid.push(Invalid {
            pointer: pointer.to_owned(),
            reason: reason.to_owned(),
        });
    }

    /// "; and N more" when problems went unlisted.
    fn more(&self) -> String {
        match self.unlisted {
            0 => String::new(),
            n => format!("; and {n} more not listed"),
        }
    }

    /// Wrong types make the request malformed (`OC_ERR_INVALID_ARGUMENT`); otherwise missing or
    /// invalid entries make it `OC_ERR_VALIDATION`.
    pub(crate) fn finish(self) -> Result<()> {
        if !self.wrong_type.is_empty() {
            let names = pointer_list(self.wrong_type.iter().map(|i| i.pointer.as_str()));
            let mut e = Error::new(
                oc_status::OC_ERR_INVALID_ARGUMENT,
                format!(
                    "invalid argument: wrong JSON type for {names}{}",
                    self.more()
                ),
            );
            e.invalid = self.wrong_type;
            return Err(e);
        }
        if self.missing.is_empty() && self.invalid.is_empty() {
            return Ok(());
        }
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "missing {}",
                pointer_list(self.missing.iter().map(String::as_str))
            ));
        }
        if !self.invalid.is_empty() {
            let list: Vec<String> = self
                .invalid
                .iter()
                .map(|i| format!("{} {}", display_pointer(&i.pointer), i.reason))
                .collect();
            parts.push(format!("invalid {}", list.join("; ")));
        }
        let mut e = Error::new(
            oc_status::OC_ERR_VALIDATION,
            format!("validation failed: {}{}", parts.join("; "), self.more()),
        );
        e.missing = self.missing;
        e.invalid = self.invalid;
        Err(e)
    }
}

fn pointer_list<'a>(pointers: impl Iterator<Item = &'a str>) -> String {
    pointers.map(display_pointer).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_names_and_kinds_are_fixed() {
        let expected = [
            (0, "OC_OK", "ok"),
            (1, "OC_ERR_INVALID_ARGUMENT", "invalid_argument"),
            (2, "OC_ERR_VALIDATION", "validation"),
            (3, "OC_ERR_OAUTH_DENIED", "oauth_denied"),
            (4, "OC_ERR_STATE_MISMATCH", "state_mismatch"),
            (5, "OC_ERR_API", "api"),
            (6, "OC_ERR_TIMEOUT", "timeout"),
            (7, "OC_ERR_TRANSPORT", "transport"),
            (8, "OC_ERR_DECODE", "decode"),
            (9, "OC_ERR_OUTCOME_UNKNOWN", "outcome_unknown"),
            (99, "OC_ERR_INTERNAL", "internal"),
        ];
        for (n, name, kind) in expected {
            let s = oc_status::from_u32(n).unwrap();
            assert_eq!((s as u32, s.name(), s.kind()), (n, name, kind));
        }
        assert_eq!(oc_status::from_u32(10), None);
    }

    #[test]
    fn problems_report_everything_at_once() {
        let mut p = Problems::default();
        p.missing("/name");
        p.missing("/element/key");
        p.invalid(
            "/configuration/event.vendor.type",
            "must be webhook or polling",
        );
        let e = p.finish().unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_VALIDATION);
        assert_eq!(e.missing, ["/name", "/element/key"]);
        let doc = e.to_value();
        assert_eq!(doc["error"]["kind"], "validation");
        assert_eq!(
            doc["error"]["invalid"][0]["pointer"],
            "/configuration/event.vendor.type"
        );
        assert!(doc["error"].get("status").is_none());
    }

    #[test]
    fn long_lists_are_capped_with_a_count() {
        let mut p = Problems::default();
        for i in 0..250 {
            p.wrong_type(&format!("/tags/{i}"), "must be a string");
        }
        let e = p.finish().unwrap_err();
        assert_eq!(e.invalid.len(), MAX_LISTED);
        assert!(
            e.message.ends_with("; and 150 more not listed"),
            "{}",
            e.message
        );
    }

    #[test]
    fn wrong_types_win_over_missing_entries() {
        let mut p = Problems::default();
        p.missing("/name");
        p.wrong_type("/tags", "must be an array of strings");
        let e = p.finish().unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_INVALID_ARGUMENT);
        assert_eq!(e.invalid[0].pointer, "/tags");
    }
}
