//! Calls to the connected service through an instance (`oc_request`).

use crate::client::Client;
use crate::context::Ctx;
use crate::error::{Problems, Result};
use crate::fields::{no_control, parse_object, pointer_segment, Fields};
use crate::http::{Auth, Exchange, Method};
use crate::json::Json;
use crate::secret::Secret;
use crate::url::{path_problem, Target};
use serde_json::Value;

/// Headers a caller may not set: the library owns them.
const RESERVED_HEADERS: [&str; 3] = ["authorization", "host", "content-length"];

/// The request of [`Client::request`].
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// Relative to the base URL, starting with `/`, e.g. `/hubs/ecommerce/orders`.
    pub path: String,
    /// Query parameters, in order; a name may repeat.
    pub query: Vec<(String, String)>,
    /// A JSON body; `None` sends none.
    pub body: Option<Value>,
    /// The instance token; adds `Element <token>` to the Authorization header.
    pub element_token: Option<Secret>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

impl ApiRequest {
    /// Parses the request document of `oc_request`.
    pub fn from_json(text: &str) -> Result<ApiRequest> {
        let obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        let method = match f.required_str("method", &mut p) {
            Some(m) => Method::parse(m).or_else(|| {
                p.invalid("/method", "must be GET, POST, PUT, PATCH or DELETE");
                None
            }),
            None => None,
        };
        let path = f
            .required_str("path", &mut p)
            .unwrap_or_default()
            .to_owned();
        let query = query_pairs(&f, &mut p);
        let element_token = f.str("elementToken", &mut p).map(Secret::new);
        let headers = f
            .string_map("headers", &mut p)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        p.finish()?;
        Ok(ApiRequest {
            method: method.unwrap_or(Method::Get),
            path,
            query,
            body: f.value("body").cloned(),
            element_token,
            headers,
        })
    }

    /// Checks the path, the token and the headers; nothing is sent when this fails.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        if self.path.is_empty() {
            p.missing("/path");
        } else if let Some(reason) = path_problem(&self.path) {
            p.invalid("/path", reason);
        } else {
            no_control(&mut p, "/path", &self.path);
        }
        if let Some(t) = &self.element_token {
            if t.is_empty() || t.expose().contains(',') {
                p.invalid("/elementToken", "must be non-empty and without commas");
            }
            no_control(&mut p, "/elementToken", t.expose());
        }
        for (name, value) in &self.headers {
            let pointer = format!("/headers/{}", pointer_segment(name));
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                p.invalid(&pointer, "is not a valid header name");
            } else if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                p.invalid(&pointer, "is set by the library and cannot be given");
            }
            no_control(&mut p, &pointer, value);
        }
        for (name, value) in &self.query {
            let pointer = format!("/query/{}", pointer_segment(name));
            if name.is_empty() {
                p.invalid(&pointer, "has an empty parameter name");
            }
            no_control(&mut p, &pointer, name);
            no_control(&mut p, &pointer, value);
        }
        p.finish()
    }
}

/// `query`: an object of strings, numbers or booleans, or arrays of them (a repeated name).
fn query_pairs(f: &Fields<'_>, p: &mut Problems) -> Vec<(String, String)> {
    let Some(q) = f.object("query", p) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    for (name, value) in q.entries() {
        match value {
            Value::Null => {}
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match scalar(item) {
                        Some(s) => out.push((name.clone(), s)),
                        None => p.wrong_type(
                            &format!("{}/{i}", q.pointer(name)),
                            "must be a string, a number or a boolean",
                        ),
                    }
                }
            }
            v => match scalar(v) {
                Some(s) => out.push((name.clone(), s)),
                None => p.wrong_type(
                    &q.pointer(name),
                    "must be a string, a number, a boolean or an array of them",
                ),
            },
        }
    }
    out
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl Client {
    /// Calls the connected service through an instance. The result is
    /// `{"status", "headers": {lower-case name: value}, "body": JSON, text or null}`;
    /// a non-2xx answer is `OC_ERR_API`.
    pub(crate) fn request_in(&self, request: &ApiRequest, ctx: &Ctx) -> Result<Json> {
        self.require_secrets()?;
        request.validate()?;
        let mut target = Target::new(request.path.as_str());
        for (name, value) in &request.query {
            target = target.query(name, value);
        }
        let auth = match &request.element_token {
            Some(token) => Auth::Element(token),
            None => Auth::Platform,
        };
        let mut exchange = Exchange::new(request.method, target, auth);
        if let Some(body) = &request.body {
            exchange = exchange.json(body);
        }
        exchange.headers = request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        crate::decode::service_reply(self.http.send(&exchange, ctx)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_requests() {
        let r = ApiRequest::from_json(
            r#"{"method": "post", "path": "/hubs/crm/contacts", "query": {"a": 1, "t": ["x", true]},
                "body": {"n": 1}, "headers": {"X-Trace": "1"}}"#,
        )
        .unwrap();
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.query.len(), 3);
        r.validate().unwrap();
        let r = ApiRequest::from_json(
            r#"{"method": "GET", "path": "/x", "headers": {"Host": "evil", "X": "a\nb"}}"#,
        )
        .unwrap();
        let e = r.validate().unwrap_err();
        assert_eq!(e.invalid.len(), 2);
        let e = ApiRequest::from_json(r#"{"method": "TRACE", "path": "/x"}"#).unwrap_err();
        assert_eq!(e.invalid[0].pointer, "/method");
    }
}
