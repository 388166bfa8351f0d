//! The URL rules of the library: percent-encoding and decoding, absolute http(s) URLs, which
//! hosts count as loopback, element keys, and the one builder of request targets (path and
//! query) that every operation uses.

use std::fmt::Write;
use std::net::{IpAddr, ToSocketAddrs};
use ureq::http::Uri;

/// Percent-encodes everything but RFC 3986's unreserved characters, so the result is safe as a
/// path segment, a query name or a query value.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A request target relative to the base URL: a path and its query, encoded as they are
/// built. The path stays apart so that logs and errors can name it without the query, which
/// may hold secrets (`apiSecret` in step 1).
#[derive(Debug, Clone)]
pub(crate) struct Target {
    path: String,
    query: String,
}

impl Target {
    /// A target at `path`, which is already a valid encoded path starting with `/`.
    pub(crate) fn new(path: impl Into<String>) -> Target {
        Target {
            path: path.into(),
            query: String::new(),
        }
    }

    /// Appends one path segment, percent-encoded.
    pub(crate) fn segment(mut self, raw: &str) -> Target {
        self.path.push('/');
        self.path.push_str(&encode(raw));
        self
    }

    /// Appends `name=value` to the query, both percent-encoded.
    pub(crate) fn query(mut self, name: &str, value: &str) -> Target {
        self.query
            .push(if self.query.is_empty() { '?' } else { '&' });
        self.query.push_str(&encode(name));
        self.query.push('=');
        self.query.push_str(&encode(value));
        self
    }

    /// Appends `name=value` when there is a value.
    pub(crate) fn query_opt(self, name: &str, value: Option<&str>) -> Target {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// The path, without the query.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Path and query, as sent.
    pub(crate) fn to_uri_suffix(&self) -> String {
        format!("{}{}", self.path, self.query)
    }
}

/// Percent-decodes bytes (invalid escapes stay as they are), with `+` as a space when `form`.
fn decode_bytes(text: &str, form: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if form => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn decode(text: &str, form: bool) -> String {
    if !(text.contains('%') || form && text.contains('+')) {
        return text.to_owned();
    }
    String::from_utf8_lossy(&decode_bytes(text, form)).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes an `application/x-www-form-urlencoded` query into pairs, in order.
pub(crate) fn decode_form(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (decode(k, true), decode(v, true)),
            None => (decode(part, true), String::new()),
        })
        .collect()
}

/// Why a path may not be sent through `oc_request`, if it may not.
///
/// Beyond what a URL path cannot hold, this refuses whatever a server, a proxy or a framework
/// in between could take for a way out of the path it was given: a segment that is `.` or
/// `..` once percent-decoded one or more times or once a `;` parameter is cut off (`..;`,
/// `.%2e`, `%252e%252e`, `%2e%2e%3b`), an encoded slash or backslash at any depth (`%2f`,
/// `%5c`, `%252f`), encoded bytes that are not UTF-8 (overlong forms such as `%c0%ae`), and a
/// backslash.
pub(crate) fn path_problem(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        return Some("must start with /");
    }
    if path.contains(['?', '#']) {
        return Some("must not contain ? or # (use query)");
    }
    if path.contains('\\') {
        return Some("must not contain a backslash");
    }
    if path.chars().any(|c| c.is_control() || c == ' ') {
        return Some("must not contain spaces or control characters");
    }
    if !path.bytes().all(is_path_byte) {
        return Some("must percent-encode characters that a URL path cannot hold");
    }
    if has_stray_percent(path) {
        return Some("holds a % that does not start a percent escape");
    }
    for raw in path.split('/').skip(1) {
        if let Some(problem) = segment_problem(raw) {
            return Some(problem);
        }
    }
    None
}

/// How many rounds of percent-decoding a segment is checked through; a server that decodes
/// more often than that is not one the library can protect.
const DECODE_ROUNDS: usize = 4;

fn segment_problem(raw: &str) -> Option<&'static str> {
    let mut text = raw.to_owned();
    for round in 0..=DECODE_ROUNDS {
        let dot_segment = |s: &str| matches!(s, "." | "..");
        let unparameterized = text.split(';').next().unwrap_or("");
        if dot_segment(&text) || dot_segment(unparameterized) {
            return Some("must not contain a . or .. segment (also encoded or with ;)");
        }
        if round > 0 && text.contains(['/', '\\']) {
            return Some("must not contain an encoded slash or backslash (%2f, %5c)");
        }
        if text.chars().any(char::is_control) {
            return Some("must not contain encoded control characters");
        }
        if !text.contains('%') {
            return None;
        }
        match String::from_utf8(decode_bytes(&text, false)) {
            Ok(decoded) if decoded == text => return None,
            Ok(decoded) => text = decoded,
            Err(_) => return Some("must not contain encoded bytes that are not UTF-8"),
        }
    }
    Some("is encoded too many times over")
}

fn has_stray_percent(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| {
        *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

/// RFC 3986 path characters: unreserved, sub-delims, `:`, `@`, `/` and `%` of an escape.
fn is_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b)
}

/// Whether `key` is an element key: letters, digits, `_`, `-` and `.`, but not `.` or `..`
/// alone (which a server would take for a path step).
pub(crate) fn is_element_key(key: &str) -> bool {
    !key.is_empty()
        && key != "."
        && key != ".."
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// An absolute http(s) URL, split into what the library needs.
#[derive(Debug, Clone)]
pub(crate) struct HttpUrl {
    pub(crate) https: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) path: String,
    /// Whether it has a query or a fragment.
    pub(crate) has_query_or_fragment: bool,
}

impl HttpUrl {
    /// Parses an absolute `http` or `https` URL with a host and no user information.
    pub(crate) fn parse(text: &str) -> Option<HttpUrl> {
        if text.chars().any(|c| c.is_control() || c == ' ') {
            return None;
        }
        let (before_fragment, fragment) = match text.split_once('#') {
            Some((before, _)) => (before, true),
            None => (text, false),
        };
        let uri: Uri = before_fragment.parse().ok()?;
        let https = match uri.scheme_str()? {
            s if s.eq_ignore_ascii_case("https") => true,
            s if s.eq_ignore_ascii_case("http") => false,
            _ => return None,
        };
        let authority = uri.authority()?;
        if authority.as_str().contains('@') {
            return None;
        }
        let host = authority.host();
        if host.is_empty() {
            return None;
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(HttpUrl {
            https,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port,
            path: uri.path().to_owned(),
            has_query_or_fragment: fragment || uri.query().is_some(),
        })
    }

    /// Whether the host is loopback (see [`is_loopback_host`]).
    pub(crate) fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }
}

/// Whether a host names this machine only: an IP literal in 127.0.0.0/8 or `::1`, or the name
/// `localhost` itself when every address it resolves to is loopback. Any other name, one
/// ending in `.localhost` included, is a remote host: the system resolver could send it
/// anywhere.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return ip.is_loopback();
    }
    host.eq_ignore_ascii_case("localhost") && localhost_addresses().is_some()
}

/// The addresses `localhost` resolves to, when there are some and all are loopback.
pub(crate) fn localhost_addresses() -> Option<Vec<IpAddr>> {
    let addrs: Vec<IpAddr> = ("localhost", 0)
        .to_socket_addrs()
        .ok()?
        .map(|a| a.ip())
        .collect();
    let all_loopback = !addrs.is_empty() && addrs.iter().all(IpAddr::is_loopback);
    all_loopback.then_some(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(
            encode("a b/c?d&e=f~-._é"),
            "a%20b%2Fc%3Fd%26e%3Df~-._%C3%A9"
        );
        let t = Target::new("/instances")
            .query("tags[]", "x y")
            .query("k", "")
            .query_opt("n", None);
        assert_eq!(t.to_uri_suffix(), "/instances?tags%5B%5D=x%20y&k=");
        assert_eq!(t.path(), "/instances");
        let t = Target::new("/elements").segment("a/b").segment("oauth");
        assert_eq!(t.to_uri_suffix(), "/elements/a%2Fb/oauth");
    }

    #[test]
    fn decodes_forms() {
        assert_eq!(
            decode_form("a=1+2&b=%41%zz&&c&d=%"),
            [
                ("a".into(), "1 2".into()),
                ("b".into(), "A%zz".into()),
                ("c".into(), String::new()),
                ("d".into(), "%".into())
            ]
        );
    }

    #[test]
    fn paths_that_could_escape_are_refused() {
        for bad in [
            "hubs/x",
            "/hubs/../instances",
            "/hubs/%2e%2E/x",
            "/a/..",
            "/a/.",
            "/a/..;/b",
            "/a/.%2e/b",
            "/a/%252e%252e/b",
            "/a/%2e%2e%3b/b",
            "/a/%2e%2e;x=1/b",
            "/a/%2f/b",
            "/a/x%2Fy",
            "/a/x%5cy",
            "/a/x%252fy",
            "/a/%c0%ae%c0%ae/b",
            "/a/%ff",
            "/a\\..\\b",
            "/a\\b",
            "/a?b=c",
            "/a#b",
            "/a\r\nb",
            "/a%0d%0ab",
            "/`ub",
            "/a<b>",
            "/caf\u{e9}",
            "/%zz",
            "/a%2",
        ] {
            assert!(path_problem(bad).is_some(), "{bad}");
        }
        for good in [
            "/hubs/ecommerce/orders/12",
            "/hubs/x..y/z",
            "/hubs/crm/contacts/Jos%C3%A9;v=1",
            "/a/...",
            "/a/%2e%2e%2e",
            "/a/b%20c",
        ] {
            assert_eq!(path_problem(good), None, "{good}");
        }
    }

    #[test]
    fn element_keys() {
        for good in ["infusionsoftcrm", "a.b-c_d", "12", "..."] {
            assert!(is_element_key(good), "{good}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "a%2e", "é", "a?b"] {
            assert!(!is_element_key(bad), "{bad}");
        }
    }

    #[test]
    fn parses_absolute_http_urls_only() {
        let u = HttpUrl::parse("https://api.example/elements/api-v2").unwrap();
        assert_eq!(
            (u.https, u.host.as_str(), u.port),
            (true, "api.example", 443)
        );
        assert_eq!(u.path, "/elements/api-v2");
        assert!(!u.has_query_or_fragment);
        assert!(
            HttpUrl::parse("https://api.example/x?y=1")
                .unwrap()
                .has_query_or_fragment
        );
        assert!(
            HttpUrl::parse("https://api.example/x#y")
                .unwrap()
                .has_query_or_fragment
        );
        for bad in [
            "ftp://x/",
            "/relative",
            "example.com/x",
            "https://user:pw@host/",
            "https://ho st/",
            "https://host/\r\nX: y",
            "",
        ] {
            assert!(HttpUrl::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn loopback_is_an_ip_literal_or_localhost_itself() {
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("127.3.4.5"));
        assert!(!is_loopback_host("10.0.0.1"));
        assert!(!is_loopback_host("evil.localhost"));
        assert!(!is_loopback_host("localhost.evil.example"));
        assert!(!is_loopback_host("127.0.0.1.nip.io"));
        // `localhost` counts when the machine resolves it to loopback only, as it should.
        assert_eq!(
            is_loopback_host("LOCALHOST"),
            localhost_addresses().is_some()
        );
    }
}
