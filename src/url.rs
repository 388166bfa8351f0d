//! The few URL operations the library needs: percent-encoding, form decoding, and checks on
//! absolute http(s) URLs and loopback hosts.

use std::fmt::Write;
use std::net::IpAddr;
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

/// Appends `name=value` to a query under construction.
pub(crate) fn push_query(query: &mut String, name: &str, value: &str) {
    query.push(if query.is_empty() { '?' } else { '&' });
    query.push_str(&encode(name));
    query.push('=');
    query.push_str(&encode(value));
}

/// Percent-decodes bytes (invalid escapes stay as they are), with `+` as a space when `form`.
fn decode(text: &str, form: bool) -> String {
    if !(text.contains('%') || form && text.contains('+')) {
        return text.to_owned();
    }
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
    String::from_utf8_lossy(&out).into_owned()
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

/// Percent-decodes a path (no `+` rule), for checks on what a path would mean to a server.
pub(crate) fn decode_path(path: &str) -> String {
    decode(path, false)
}

/// An absolute http(s) URL, split into what the library needs.
#[derive(Debug, Clone)]
pub(crate) struct HttpUrl {
    pub(crate) https: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) path: String,
}

impl HttpUrl {
    /// Parses an absolute `http` or `https` URL with a host and no user information.
    pub(crate) fn parse(text: &str) -> Option<HttpUrl> {
        if text.chars().any(|c| c.is_control() || c == ' ') {
            return None;
        }
        let uri: Uri = text.parse().ok()?;
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
        })
    }

    /// Whether the host is a loopback name or address (`localhost`, 127.0.0.0/8, `::1`).
    pub(crate) fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }
}

/// Whether a host names this machine only.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
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
        let mut q = String::new();
        push_query(&mut q, "tags[]", "x y");
        push_query(&mut q, "k", "");
        assert_eq!(q, "?tags%5B%5D=x%20y&k=");
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
        assert_eq!(decode_path("/a%2e%2E/b+c"), "/a../b+c");
        assert_eq!(decode_path("%4"), "%4");
    }

    #[test]
    fn parses_absolute_http_urls_only() {
        let u = HttpUrl::parse("https://api.example/elements/api-v2").unwrap();
        assert_eq!(
            (u.https, u.host.as_str(), u.port),
            (true, "api.example", 443)
        );
        assert_eq!(u.path, "/elements/api-v2");
        assert!(HttpUrl::parse("http://[::1]:8080/x").unwrap().is_loopback());
        assert!(HttpUrl::parse("http://127.3.4.5/").unwrap().is_loopback());
        assert!(HttpUrl::parse("http://LOCALHOST:1/").unwrap().is_loopback());
        assert!(!HttpUrl::parse("http://10.0.0.1/").unwrap().is_loopback());
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
}
