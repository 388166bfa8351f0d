//! Client configuration: defaults, parsing from the JSON document of `oc_client_new`, and the
//! checks that run before a client exists.

use crate::error::{Problems, Result};
use crate::fields::{no_control, parse_object, Fields};
use crate::secret::Secret;
use crate::url::HttpUrl;
use std::path::PathBuf;
use std::time::Duration;

/// The documentation's default region.
pub const DEFAULT_BASE_URL: &str =
    "https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2";

/// The most retries a client may be configured with.
pub const MAX_RETRIES_LIMIT: u32 = 10;

/// How a [`crate::Client`] talks to the platform. Every field has a default.
#[derive(Debug, Clone)]
pub struct Config {
    /// The API root, e.g. [`DEFAULT_BASE_URL`]; an absolute http(s) URL.
    pub base_url: String,
    /// The user secret; needed by every call except the OAuth URL step.
    pub user_secret: Option<Secret>,
    /// The organization secret; configured together with the user secret.
    pub organization_secret: Option<Secret>,
    /// Each attempt, from connect to the last byte (default 30 s).
    pub timeout: Duration,
    /// Connection set-up, TLS included (default 10 s; never more than `timeout`).
    pub connect_timeout: Duration,
    /// Retries of idempotent requests (GET, DELETE) on connection failures, 429, 502, 503, 504.
    pub max_retries: u32,
    /// Larger response bodies are `OC_ERR_DECODE` (default 16 MiB).
    pub max_response_bytes: u64,
    /// The `User-Agent` header (default `openconnectors/<version>`).
    pub user_agent: String,
    /// An http(s) proxy URL; may hold credentials, hence secret. Never used for loopback.
    pub proxy: Option<Secret>,
    /// A PEM file of extra trust roots, added to the built-in Mozilla roots.
    pub ca_certificates_pem_file: Option<PathBuf>,
    /// Allows plain http to hosts other than loopback.
    pub allow_insecure_http: bool,
    /// One call as a whole, retries and `Retry-After` waits included (default 120 s).
    pub deadline: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            base_url: DEFAULT_BASE_URL.to_owned(),
            user_secret: None,
            organization_secret: None,
            timeout: Duration::from_millis(30_000),
            connect_timeout: Duration::from_millis(10_000),
            max_retries: 2,
            max_response_bytes: 16 * 1024 * 1024,
            user_agent: format!("openconnectors/{}", crate::VERSION),
            proxy: None,
            ca_certificates_pem_file: None,
            allow_insecure_http: false,
            deadline: Duration::from_millis(120_000),
        }
    }
}

impl Config {
    /// Parses the configuration document of `oc_client_new` (every member optional) and checks it.
    pub fn from_json(text: &str) -> Result<Config> {
        let obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        let mut c = Config::default();
        if let Some(v) = f.str("baseUrl", &mut p) {
            c.base_url = v.to_owned();
        }
        let secret = |name: &str, p: &mut Problems| f.str(name, p).map(Secret::new);
        c.user_secret = secret("userSecret", &mut p);
        c.organization_secret = secret("organizationSecret", &mut p);
        if let Some(ms) = f.u64_at_least("timeoutMs", 1, &mut p) {
            c.timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = f.u64_at_least("connectTimeoutMs", 1, &mut p) {
            c.connect_timeout = Duration::from_millis(ms);
        }
        if let Some(n) = f.u64_at_least("maxRetries", 0, &mut p) {
            c.max_retries = u32::try_from(n).unwrap_or(u32::MAX);
        }
        if let Some(n) = f.u64_at_least("maxResponseBytes", 1, &mut p) {
            c.max_response_bytes = n;
        }
        if let Some(v) = f.str("userAgent", &mut p) {
            c.user_agent = v.to_owned();
        }
        c.proxy = secret("proxy", &mut p);
        c.ca_certificates_pem_file = f.str("caCertificatesPemFile", &mut p).map(PathBuf::from);
        if let Some(v) = f.bool("allowInsecureHttp", &mut p) {
            c.allow_insecure_http = v;
        }
        if let Some(ms) = f.u64_at_least("deadlineMs", 1, &mut p) {
            c.deadline = Duration::from_millis(ms);
        }
        p.finish()?;
        c.validate()?;
        Ok(c)
    }

    /// Checks the values: the URL, the pair of secrets, limits, header-safe text.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        match HttpUrl::parse(&self.base_url) {
            None => p.invalid(
                "/baseUrl",
                "must be an absolute http or https URL without user information",
            ),
            Some(u) if u.has_query_or_fragment => {
                p.invalid("/baseUrl", "must not hold a query or a fragment")
            }
            Some(u) if !u.https && !u.is_loopback() && !self.allow_insecure_http => p.invalid(
                "/baseUrl",
                "must use https (plain http is allowed only to loopback hosts, or with allowInsecureHttp)",
            ),
            Some(_) => {}
        }
        match (&self.user_secret, &self.organization_secret) {
            (None, None) => {}
            (user, org) => {
                for (pointer, s) in [("/userSecret", user), ("/organizationSecret", org)] {
                    match s {
                        None => p.missing(pointer),
                        Some(s) if s.is_empty() => p.missing(pointer),
                        Some(s) if s.expose().contains(',') => {
                            p.invalid(pointer, "must not contain a comma")
                        }
                        Some(s) => no_control(&mut p, pointer, s.expose()),
                    }
                }
            }
        }
        if self.timeout.is_zero() {
            p.invalid("/timeoutMs", "must be a whole number of at least 1");
        }
        if self.connect_timeout.is_zero() {
            p.invalid("/connectTimeoutMs", "must be a whole number of at least 1");
        }
        if self.max_retries > MAX_RETRIES_LIMIT {
            p.invalid(
                "/maxRetries",
                &format!("must be at most {MAX_RETRIES_LIMIT}"),
            );
        }
        if self.max_response_bytes == 0 {
            p.invalid("/maxResponseBytes", "must be a whole number of at least 1");
        }
        if self.user_agent.is_empty() {
            p.invalid("/userAgent", "must not be empty");
        }
        no_control(&mut p, "/userAgent", &self.user_agent);
        if self.deadline.is_zero() {
            p.invalid("/deadlineMs", "must be a whole number of at least 1");
        }
        if let Some(proxy) = self.proxy.as_ref().filter(|p| !p.is_empty()) {
            if parse_proxy(proxy.expose()).is_none() {
                p.invalid(
                    "/proxy",
                    "must be an http:// proxy URL (credentials percent-encoded)",
                );
            }
        }
        if let Some(path) = &self.ca_certificates_pem_file {
            if path.as_os_str().is_empty() {
                p.invalid("/caCertificatesPemFile", "must be a file path");
            } else if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
                // Checked without opening: a FIFO or a device could block the open or the read.
                p.invalid("/caCertificatesPemFile", "must be an existing regular file");
            }
        }
        p.finish()
    }
}

/// The configured proxy, checked: an `http://` proxy, possibly with percent-encoded
/// credentials, which ureq sends in `Proxy-Authorization` only.
pub(crate) fn parse_proxy(text: &str) -> Option<ureq::Proxy> {
    ureq::Proxy::new(text)
        .ok()
        .filter(|p| p.protocol() == ureq::ProxyProtocol::Http)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::oc_status;

    #[test]
    fn defaults_and_parsing() {
        let c = Config::from_json("{}").unwrap();
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.max_retries, 2);
        let c = Config::from_json(
            r#"{"baseUrl":"http://127.0.0.1:9/elements/api-v2","userSecret":"u","organizationSecret":"o",
               "timeoutMs":5,"connectTimeoutMs":3,"maxRetries":0,"maxResponseBytes":10,"userAgent":"x/1",
               "unknownMember":[1]}"#,
        )
        .unwrap();
        assert_eq!(c.timeout, Duration::from_millis(5));
        assert_eq!(c.user_secret.unwrap().expose(), "u");
    }

    #[test]
    fn rejects_what_abi_md_rejects() {
        let cases = [
            (
                r#"{"userSecret":"u"}"#,
                oc_status::OC_ERR_VALIDATION,
                "/organizationSecret",
            ),
            (
                r#"{"userSecret":"","organizationSecret":"o"}"#,
                oc_status::OC_ERR_VALIDATION,
                "/userSecret",
            ),
            (
                r#"{"userSecret":"u\r\nX: y","organizationSecret":"o"}"#,
                oc_status::OC_ERR_VALIDATION,
                "/userSecret",
            ),
            (
                r#"{"baseUrl":"http://api.example/x"}"#,
                oc_status::OC_ERR_VALIDATION,
                "/baseUrl",
            ),
            (
                r#"{"baseUrl":"nope"}"#,
                oc_status::OC_ERR_VALIDATION,
                "/baseUrl",
            ),
            (
                r#"{"timeoutMs":0}"#,
                oc_status::OC_ERR_VALIDATION,
                "/timeoutMs",
            ),
            (
                r#"{"timeoutMs":"5"}"#,
                oc_status::OC_ERR_INVALID_ARGUMENT,
                "/timeoutMs",
            ),
            (
                r#"{"allowInsecureHttp":"yes"}"#,
                oc_status::OC_ERR_INVALID_ARGUMENT,
                "/allowInsecureHttp",
            ),
            (
                r#"{"maxRetries":11}"#,
                oc_status::OC_ERR_VALIDATION,
                "/maxRetries",
            ),
            (
                r#"{"proxy":"socks5://p:1"}"#,
                oc_status::OC_ERR_VALIDATION,
                "/proxy",
            ),
        ];
        for (text, status, pointer) in cases {
            let e = Config::from_json(text).unwrap_err();
            assert_eq!(e.status, status, "{text}");
            let named = e.missing.iter().any(|m| m == pointer)
                || e.invalid.iter().any(|i| i.pointer == pointer);
            assert!(named, "{text}: {e:?}");
            assert!(!e.message.contains("X: y"));
        }
        assert!(Config::from_json(
            r#"{"baseUrl":"http://api.example/x","allowInsecureHttp":true}"#
        )
        .is_ok());
    }
}
