//! Step 1: the provider's authorization URL, with a state the library generates.

use crate::client::Client;
use crate::context::Ctx;
use crate::error::{oc_status, Error, Problems, Result};
use crate::fields::{no_control, parse_object, pointer_segment, Fields};
use crate::http::{Auth, Exchange, Method};
use crate::json::Json;
use crate::secret::Secret;
use crate::url::{is_element_key, HttpUrl, Target};
use serde_json::Value;

/// Query parameters the library sets from the request's own members.
const RESERVED_PARAMS: [&str; 6] = [
    "apiKey",
    "apiSecret",
    "callbackUrl",
    "state",
    "scope",
    "siteAddress",
];

/// The request of [`Client::oauth_url`].
#[derive(Debug, Clone, Default)]
pub struct OAuthUrlRequest {
    /// The element: its key (`infusionsoftecommerce`) or its numeric id, as text.
    pub element: String,
    /// The provider app's client id.
    pub api_key: String,
    /// The provider app's client secret; it travels in the query, so it is never logged.
    pub api_secret: Secret,
    /// Where the provider sends the user back; an absolute http(s) URL.
    pub callback_url: String,
    /// The OAuth state; generated (256 random bits from the OS) when `None`.
    pub state: Option<String>,
    /// The OAuth scope, when the element needs one.
    pub scope: Option<String>,
    /// The provider's site address, for elements that ask for it.
    pub site_address: Option<String>,
    /// Element-specific extra query parameters.
    pub params: Vec<(String, String)>,
}

impl OAuthUrlRequest {
    /// Parses the request document of `oc_oauth_url`.
    pub fn from_json(text: &str) -> Result<OAuthUrlRequest> {
        let obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        let element = match f.value("element") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(id) if id > 0 => Some(id.to_string()),
                _ => {
                    p.invalid(
                        "/element",
                        "must be a key or a positive whole number (an id)",
                    );
                    None
                }
            },
            Some(_) => {
                p.wrong_type("/element", "must be a string (key) or a number (id)");
                None
            }
        };
        if f.value("element").is_none() || element.as_deref() == Some("") {
            p.missing("/element");
        }
        let req = OAuthUrlRequest {
            element: element.unwrap_or_default(),
            api_key: f
                .required_str("apiKey", &mut p)
                .unwrap_or_default()
                .to_owned(),
            api_secret: Secret::new(f.required_str("apiSecret", &mut p).unwrap_or_default()),
            callback_url: f
                .required_str("callbackUrl", &mut p)
                .unwrap_or_default()
                .to_owned(),
            state: f.str("state", &mut p).map(str::to_owned),
            scope: f.str("scope", &mut p).map(str::to_owned),
            site_address: f.str("siteAddress", &mut p).map(str::to_owned),
            params: f
                .string_map("params", &mut p)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        };
        p.finish()?;
        Ok(req)
    }

    /// Checks the values; nothing is sent when this fails.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        if !self.element.is_empty() && !is_element_key(&self.element) {
            p.invalid(
                "/element",
                "must be an element key (letters, digits, _, - and ., not . or .. alone) or an id",
            );
        }
        for (pointer, value) in [
            ("/element", self.element.as_str()),
            ("/apiKey", self.api_key.as_str()),
            ("/apiSecret", self.api_secret.expose()),
            ("/callbackUrl", self.callback_url.as_str()),
        ] {
            if value.is_empty() {
                p.missing(pointer);
            }
        }
        for (pointer, value) in [
            ("/element", Some(self.element.as_str())),
            ("/apiKey", Some(self.api_key.as_str())),
            ("/apiSecret", Some(self.api_secret.expose())),
            ("/state", self.state.as_deref()),
            ("/scope", self.scope.as_deref()),
            ("/siteAddress", self.site_address.as_deref()),
        ] {
            no_control(&mut p, pointer, value.unwrap_or_default());
        }
        for (name, value) in &self.params {
            let pointer = format!("/params/{}", pointer_segment(name));
            if RESERVED_PARAMS.contains(&name.as_str()) {
                p.invalid(&pointer, "is set by the library from its own member");
            }
            no_control(&mut p, &pointer, name);
            no_control(&mut p, &pointer, value);
        }
        if !self.callback_url.is_empty() && HttpUrl::parse(&self.callback_url).is_none() {
            p.invalid("/callbackUrl", "must be an absolute http or https URL");
        }
        p.finish()
    }
}

/// Generates an OAuth state: 256 bits from the operating system, base64url without padding.
pub fn generate_state() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| {
        Error::new(
            oc_status::OC_ERR_INTERNAL,
            "the operating system's random number generator failed",
        )
    })?;
    Ok(crate::base64::encode_url_safe(&bytes))
}

impl Client {
    /// Step 1: asks the platform for the provider's authorization URL. The result is the
    /// platform's JSON object (with `oauthUrl`) plus `state`, the state that was sent.
    pub(crate) fn oauth_url_in(&self, request: &OAuthUrlRequest, ctx: &Ctx) -> Result<Json> {
        request.validate()?;
        let state = match request.state.as_deref() {
            Some(s) if !s.is_empty() => s.to_owned(),
            _ => generate_state()?,
        };
        let mut target = Target::new("/elements")
            .segment(&request.element)
            .segment("oauth")
            .segment("url")
            .query("apiKey", &request.api_key)
            .query("apiSecret", request.api_secret.expose())
            .query("callbackUrl", &request.callback_url)
            .query("state", &state)
            .query_opt("scope", request.scope.as_deref())
            .query_opt("siteAddress", request.site_address.as_deref());
        for (name, value) in &request.params {
            target = target.query(name, value);
        }
        let reply = self
            .http
            .send(&Exchange::new(Method::Get, target, Auth::Platform), ctx)?;
        crate::decode::oauth_url(&reply.body, state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_long_random_and_url_safe() {
        let a = generate_state().unwrap();
        let b = generate_state().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }

    #[test]
    fn requests_name_every_missing_member() {
        let e = OAuthUrlRequest::from_json(r#"{"element": 12}"#).unwrap_err();
        assert_eq!(e.missing, ["/apiKey", "/apiSecret", "/callbackUrl"]);
        let r = OAuthUrlRequest::from_json(
            r#"{"element": 12, "apiKey": "k", "apiSecret": "s", "callbackUrl": "https://a/b",
                "params": {"x": "y"}}"#,
        )
        .unwrap();
        assert_eq!(r.element, "12");
        assert_eq!(r.params, [("x".to_owned(), "y".to_owned())]);
        let e = OAuthUrlRequest::from_json(r#"{"element": true}"#).unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_INVALID_ARGUMENT);
        for bad in ["..", ".", "a/b", "x?y"] {
            let mut r = OAuthUrlRequest::from_json(
                r#"{"element": "k", "apiKey": "k", "apiSecret": "s", "callbackUrl": "https://a/b"}"#,
            )
            .unwrap();
            r.element = bad.into();
            let e = r.validate().unwrap_err();
            assert_eq!(e.invalid[0].pointer, "/element", "{bad}");
        }
    }
}
