//! Step 2: the provider's redirect back to the application, parsed from a URL (no I/O). The
//! loopback listener that awaits it is in `listener`.

use crate::error::{oc_status, Error, Problems, Result};
use crate::fields::{parse_object, Fields};
use crate::json::Json;
use crate::secret::AuthorizationCode;
use crate::url::decode_form;
use serde_json::{Map, Value};

/// A successful callback: the authorization code and every parameter.
#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    /// The single-use authorization code.
    pub code: AuthorizationCode,
    /// The state the provider sent back, if any.
    pub state: Option<String>,
    /// Every query parameter, decoded, in order (the code among them).
    pub params: Vec<(String, String)>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.params.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Callback")
            .field("code", &self.code)
            .field("state", &self.state)
            .field("params", &names)
            .finish()
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
        let code = self.code.expose();
        let mut text = String::with_capacity(64 + code.len() * 2);
        text.push_str("{\"code\":");
        text.push_str(&Value::from(code).to_string());
        text.push_str(",\"state\":");
        text.push_str(&state.to_string());
        text.push_str(",\"params\":");
        text.push_str(&Value::Object(params).to_string());
        text.push('}');
        Json::from_valid(text)
    }
}

/// The request of [`parse_callback`], from the document of `oc_parse_callback`. Its `Debug`
/// hides the URL, which carries the authorization code.
#[derive(Clone)]
pub struct ParseCallbackRequest {
    /// The callback URL, or only its query string (with or without `?`).
    pub url: String,
    /// The state sent in step 1; when given, the callback must carry the same.
    pub expected_state: Option<String>,
}

impl std::fmt::Debug for ParseCallbackRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParseCallbackRequest")
            .field("url", &"[redacted]")
            .field("expected_state", &self.expected_state)
            .finish()
    }
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
            code: AuthorizationCode::new(code),
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

/// The query of a callback URL, or the text itself when it is only a query: a text is a URL
/// when it begins with a URI scheme (RFC 3986: a letter, then letters, digits, `+`, `-` or
/// `.`, then `:`). A `://` inside a parameter value (a `scope` URL, an RFC 9207 `iss`) does
/// not make a query a URL.
fn query_of(url: &str) -> &str {
    let url = url.split('#').next().unwrap_or("");
    if has_scheme(url) {
        url.split_once('?').map_or("", |(_, query)| query)
    } else {
        url.strip_prefix('?').unwrap_or(url)
    }
}

fn has_scheme(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_state_then_error_then_code() {
        let ok = parse_callback("https://app/cb?code=a+b%2F&state=s1&x=y", Some("s1")).unwrap();
        assert_eq!(ok.code.expose(), "a b/");
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
    fn a_bare_query_stays_a_query_whatever_its_values_hold() {
        for q in [
            "code=c1&state=s&scope=https://api.example/full",
            "?code=c1&iss=https%3A%2F%2Fidp.example&state=s&iss2=https://idp.example",
            "code=c1&state=s&next=a:b",
        ] {
            let cb = parse_callback(q, Some("s")).unwrap();
            assert_eq!(cb.code.expose(), "c1", "{q}");
        }
        let cb = parse_callback("myapp+x.y-z:/cb?code=c2&state=s", Some("s")).unwrap();
        assert_eq!(cb.code.expose(), "c2", "a custom scheme is a URL");
        assert!(parse_callback("https://app/cb#code=x", None).is_err());
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
        let r = ParseCallbackRequest::from_json(r#"{"url": "?code=topsecretcode"}"#).unwrap();
        assert!(!format!("{r:?}").contains("topsecretcode"));
    }
}
