//! A minimal HTTP/1.1 client on `std::net` for the requests the emulator makes itself: the
//! `--health-check` probe and event notifications. Plain `http://` only, one request per
//! connection (`Connection: close`), bounded by a timeout on connecting and on every read and
//! write. Its error messages name what failed, never a URL's query or a header's value.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The most of an answer read; the rest is not needed by either caller.
const MAX_ANSWER: u64 = 1024 * 1024;

/// An `http://` URL, split for sending.
#[derive(Clone, Debug)]
pub struct HttpUrl {
    host: String,
    port: u16,
    /// `host[:port]` as given, for the Host header.
    authority: String,
    /// Path and query, at least `/`.
    target: String,
}

impl HttpUrl {
    /// Parses `http://host[:port][/path][?query]`. An `https://` URL is refused with a
    /// message saying why: the emulator has no TLS client.
    pub fn parse(url: &str) -> Result<HttpUrl, String> {
        let scheme_end = url.find("://").ok_or("not an absolute URL")?;
        let scheme = &url[..scheme_end];
        if scheme.eq_ignore_ascii_case("https") {
            return Err("https URLs are not supported: the emulator has no TLS client".into());
        }
        if !scheme.eq_ignore_ascii_case("http") {
            return Err("only http:// URLs are supported".into());
        }
        let rest = &url[scheme_end + 3..];
        let rest = rest.split('#').next().unwrap_or_default();
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        let target = match target {
            "" => "/".to_string(),
            t if t.starts_with('?') => format!("/{t}"),
            t => t.to_string(),
        };
        if authority.contains('@') {
            return Err("URLs with user information are not supported".into());
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').ok_or("unclosed [ in the host")?;
                (host, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        let port = match port {
            None => 80,
            Some(port) => port.parse().map_err(|_| "the port is not a number")?,
        };
        if host.is_empty() || target.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err("not a valid http URL".into());
        }
        Ok(HttpUrl {
            host: host.to_string(),
            port,
            authority: authority.to_string(),
            target,
        })
    }

    /// Whether the URL names this machine's loopback: `localhost`, `127.0.0.0/8` or `::1`.
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// Path and query.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The same URL with another path (and no query).
    pub fn with_path(&self, path: &str) -> HttpUrl {
        HttpUrl {
            target: path.to_string(),
            ..self.clone()
        }
    }

    fn addrs(&self) -> io::Result<Vec<SocketAddr>> {
        let addrs = (self.host.trim_end_matches('.'), self.port).to_socket_addrs()?;
        // `localhost` must not leave the machine, whatever the resolver says.
        let loopback_only = self.host.eq_ignore_ascii_case("localhost");
        Ok(addrs
            .filter(|a| !loopback_only || a.ip().is_loopback())
            .collect())
    }
}

/// What the server answered.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Sends one request and reads the answer (its first MiB).
pub fn send(
    url: &HttpUrl,
    method: &str,
    headers: &[(&str, String)],
    body: &[u8],
    timeout: Duration,
) -> Result<Answer, String> {
    let addrs = url
        .addrs()
        .map_err(|e| format!("cannot resolve the host: {}", e.kind()))?;
    let mut failure = "the host has no address".to_string();
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(connected) => {
                stream = Some(connected);
                break;
            }
            Err(e) => failure = format!("cannot connect: {}", e.kind()),
        }
    }
    let mut stream = stream.ok_or(failure)?;
    exchange(&mut stream, url, method, headers, body, timeout)
        .map_err(|e| format!("the exchange failed: {}", e.kind()))?
        .ok_or_else(|| "the answer is not HTTP".to_string())
}

fn exchange(
    stream: &mut TcpStream,
    url: &HttpUrl,
    method: &str,
    headers: &[(&str, String)],
    body: &[u8],
    timeout: Duration,
) -> io::Result<Option<Answer>> {
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        url.target,
        url.authority,
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    // Read until the announced body is in, or the server closes: a server that keeps the
    // connection open despite `Connection: close` must not stall the caller until the timeout.
    let mut answer = Vec::new();
    let mut piece = [0u8; 8192];
    while (answer.len() as u64) < MAX_ANSWER && !complete(&answer) {
        match stream.read(&mut piece)? {
            0 => break,
            n => answer.extend_from_slice(&piece[..n]),
        }
    }
    Ok(parse_answer(&answer))
}

/// Whether `answer` holds a whole head and as much body as its `Content-Length` announces.
fn complete(answer: &[u8]) -> bool {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
    head.lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|length| length.trim().parse::<usize>().ok())
        .is_some_and(|length| answer.len() >= end + 4 + length)
}

/// The status and body of a whole answer read up to the closing of the connection.
fn parse_answer(answer: &[u8]) -> Option<Answer> {
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&answer[..end]).ok()?;
    let status_line = head.lines().next()?;
    let mut parts = status_line.split(' ');
    let (version, status) = (parts.next()?, parts.next()?);
    if !version.starts_with("HTTP/1.") || status.len() != 3 {
        return None;
    }
    Some(Answer {
        status: status.parse().ok()?,
        body: answer[end + 4..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::HttpUrl;

    #[test]
    fn urls_split_and_refuse_what_cannot_be_sent() {
        let url = HttpUrl::parse("http://127.0.0.1:8080/hook?a=1#frag").expect("valid");
        assert_eq!((url.host.as_str(), url.port), ("127.0.0.1", 8080));
        assert_eq!(url.target(), "/hook?a=1");
        assert!(url.is_loopback());
        let v6 = HttpUrl::parse("HTTP://[::1]:9/").expect("valid");
        assert_eq!(
            (v6.host.as_str(), v6.port, v6.is_loopback()),
            ("::1", 9, true)
        );
        let bare = HttpUrl::parse("http://LocalHost?x").expect("valid");
        assert_eq!(
            (bare.port, bare.target(), bare.is_loopback()),
            (80, "/?x", true)
        );
        for remote in [
            "http://example.com/",
            "http://10.0.0.1/",
            "http://[::2]/",
            "http://localhost.example/",
        ] {
            assert!(
                !HttpUrl::parse(remote).expect("valid").is_loopback(),
                "{remote}"
            );
        }
        assert!(HttpUrl::parse("http://127.1.2.3/")
            .expect("valid")
            .is_loopback());
        for bad in [
            "https://127.0.0.1/",
            "ftp://x/",
            "127.0.0.1:80",
            "http://u:p@127.0.0.1/",
            "http://:80/",
            "http://h:x/",
            "http://h/a b",
        ] {
            assert!(HttpUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(HttpUrl::parse("https://x/")
            .expect_err("refused")
            .contains("TLS"));
    }
}
