//! Result documents as JSON text, passed on as the platform sent them when they are valid,
//! instead of being decoded into a tree and encoded again.

use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

/// A JSON document that an operation returns: valid JSON text.
///
/// Instance documents hold the instance's token, so `Debug` shows only the length and there is
/// no `Display`. Read it with [`Json::as_str`], [`Json::value`] or [`Json::parse`] into your
/// own types.
#[derive(Clone, PartialEq, Eq)]
pub struct Json(String);

impl Json {
    /// Wraps text that is known to be valid JSON (checked or produced by the library).
    pub(crate) fn from_valid(text: String) -> Json {
        Json(text)
    }

    /// Serializes a value.
    pub(crate) fn from_value(value: &Value) -> Json {
        Json(value.to_string())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The JSON text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Deserializes the document into any type.
    pub fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(&self.0)
    }

    /// The document as a `serde_json::Value`; `Null` for a document nested deeper than
    /// serde_json builds (128 levels), which [`Json::as_str`] still holds whole.
    pub fn value(&self) -> Value {
        self.parse().unwrap_or(Value::Null)
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Json(<{} bytes>)", self.0.len())
    }
}

/// The body as text when it is one valid JSON value starting with `opening` (`{`, `[`, or
/// `None` for any value), checked without building it.
pub(crate) fn checked(body: Vec<u8>, opening: Option<u8>) -> Option<String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if opening.is_some_and(|o| o != *first) {
        return None;
    }
    let text = String::from_utf8(body).ok()?;
    serde_json::from_str::<serde::de::IgnoredAny>(&text).ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_without_building() {
        let ok = |body: &[u8], opening| checked(body.to_vec(), opening).is_some();
        assert!(ok(b" {\"a\": [1, 2]} ", Some(b'{')));
        assert!(!ok(b"[1]", Some(b'{')));
        assert!(ok(b"[1]", Some(b'[')));
        assert!(ok(b"\"text\"", None));
        assert!(!ok(b"", None));
        assert!(!ok(b"{\"a\": }", Some(b'{')));
        assert!(!ok(b"{} {}", Some(b'{')));
        assert!(!ok(b"{\"a\": \"\xff\"}", Some(b'{')), "not UTF-8");
        // Checked without recursion: deep nesting is valid and does not overflow the stack.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let deep = checked(deep.into_bytes(), Some(b'[')).map(Json::from_valid);
        assert_eq!(
            deep.unwrap().value(),
            Value::Null,
            "deeper than serde_json's tree limit"
        );
    }

    #[test]
    fn debug_shows_only_the_length() {
        let j = Json::from_valid(r#"{"token":"t0k3n"}"#.into());
        assert_eq!(format!("{j:?}"), "Json(<17 bytes>)");
        assert_eq!(j.value()["token"], "t0k3n");
    }
}
