//! The error document that every failing operation returns, and the collection of every
//! problem of a request before it is refused.

use crate::secret::Redactor;
pub use crate::status::{oc_status, Status};
use serde_json::{json, Map, Value};

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

    /// `OC_ERR_INVALID_ARGUMENT` for a whole argument of a C function (`client`,
    /// `request_json`, ...), named in the message; its `invalid` entry has the root pointer.
    pub(crate) fn bad_argument(name: &str, what: &str) -> Error {
        let mut e = Error::new(
            oc_status::OC_ERR_INVALID_ARGUMENT,
            format!("invalid argument: {name} {what}"),
        );
        e.invalid.push(Invalid {
            pointer: String::new(),
            reason: format!("{name} {what}"),
        });
        e
    }

    /// `OC_ERR_INVALID_ARGUMENT` for a NULL argument.
    pub(crate) fn null_argument(name: &str) -> Error {
        Error::bad_argument(name, "is NULL")
    }

    /// `OC_ERR_TRANSPORT` with this description.
    pub(crate) fn transport(what: &str) -> Error {
        Error::new(oc_status::OC_ERR_TRANSPORT, what)
    }

    /// `OC_ERR_DECODE` with this description.
    pub(crate) fn decode(what: &str) -> Error {
        Error::new(oc_status::OC_ERR_DECODE, what)
    }

    /// `OC_ERR_TIMEOUT` with this description.
    pub(crate) fn timeout(what: &str) -> Error {
        Error::new(oc_status::OC_ERR_TIMEOUT, what)
    }

    /// `OC_ERR_CANCELLED`: nothing of the call can have taken effect.
    pub(crate) fn cancelled() -> Error {
        Error::new(
            oc_status::OC_ERR_CANCELLED,
            "cancelled: the call was cancelled before anything of it could take effect",
        )
    }

    /// `OC_ERR_OUTCOME_UNKNOWN`: `what` happened after a POST, PUT or PATCH was sent.
    pub(crate) fn outcome_unknown(what: &str) -> Error {
        Error::new(
            oc_status::OC_ERR_OUTCOME_UNKNOWN,
            format!("{what} after the request was sent: it may or may not have taken effect"),
        )
    }

    /// Replaces every secret the redactor knows, in every text of the error, with
    /// `[redacted]`: servers may echo what they were sent.
    pub(crate) fn redact(&mut self, redactor: &Redactor) {
        let details = &mut *self.0;
        redactor.apply(&mut details.message);
        for text in [
            &mut details.request_id,
            &mut details.platform_message,
            &mut details.provider_message,
            &mut details.oauth_error,
            &mut details.oauth_error_description,
        ]
        .into_iter()
        .flatten()
        {
            redactor.apply(text);
        }
        for pointer in &mut details.missing {
            redactor.apply(pointer);
        }
        for invalid in &mut details.invalid {
            redactor.apply(&mut invalid.pointer);
            redactor.apply(&mut invalid.reason);
        }
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
