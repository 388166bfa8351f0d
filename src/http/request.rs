//! What the library sends and receives: the methods, the credentials a request carries, one
//! request relative to the base URL, and an answer.

use crate::secret::Secret;
use crate::url::Target;
use ureq::http;

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

    pub(crate) fn as_http(self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Put => http::Method::PUT,
            Method::Patch => http::Method::PATCH,
            Method::Delete => http::Method::DELETE,
        }
    }

    /// GET and DELETE: retried on transient failures, and a lost answer or a cancellation
    /// cannot have changed anything unexpected. POST, PUT and PATCH are never retried.
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
pub(crate) struct Exchange<'a> {
    pub(crate) method: Method,
    pub(crate) target: Target,
    pub(crate) auth: Auth<'a>,
    /// A JSON body.
    pub(crate) body: Option<Vec<u8>>,
    /// Extra headers, checked by the operation.
    pub(crate) headers: Vec<(&'a str, &'a str)>,
}

impl<'a> Exchange<'a> {
    pub(crate) fn new(method: Method, target: Target, auth: Auth<'a>) -> Exchange<'a> {
        Exchange {
            method,
            target,
            auth,
            body: None,
            headers: Vec::new(),
        }
    }

    /// Sends `body` as JSON.
    pub(crate) fn json(mut self, body: &serde_json::Value) -> Exchange<'a> {
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

/// An answer built by hand, for the tests of what reads answers.
#[cfg(test)]
pub(crate) fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut map = http::HeaderMap::new();
    for (n, v) in headers {
        map.append(
            http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    Reply {
        status,
        headers: map,
        body: body.as_bytes().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse_in_any_case() {
        assert_eq!(Method::parse("pAtCh"), Some(Method::Patch));
        assert_eq!(Method::parse("TRACE"), None);
        assert!(Method::Get.is_idempotent() && Method::Delete.is_idempotent());
        assert!(!Method::Post.is_idempotent() && !Method::Put.is_idempotent());
    }
}
