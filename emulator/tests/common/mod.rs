//! Helpers shared by the integration tests: an emulator started in-process on a free port, a
//! ureq agent that neither follows redirects nor turns statuses into errors, and raw TCP.
// Each test file is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use openconnectors_emulator::{Emulator, Options};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub const AUTH: &str = "User user-secret, Organization organization-secret";
pub const CALLBACK: &str = "http://localhost:8765/callback";
pub const API_KEY: &str = "client-123";
pub const API_SECRET: &str = "api-secret-456";

/// An Authorization value with an Element token.
pub fn element_auth(token: &str) -> String {
    format!("{AUTH}, Element {token}")
}

/// The Authorization value for calls through the instance `doc` describes.
pub fn auth_of(doc: &Value) -> String {
    element_auth(doc["token"].as_str().expect("token"))
}

/// An answer, read whole.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// The body as JSON (panics, failing the test, when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// A header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the platform error shape, with the request id also in the header, and
    /// answers the message.
    pub fn error_message(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{}", self.body);
        let body = self.json();
        let id = body["requestId"].as_str().expect("requestId");
        assert_eq!(id.len(), 24, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert_eq!(self.header("Elements-Request-Id"), Some(id));
        assert_eq!(self.header("Content-Type"), Some("application/json"));
        body["message"].as_str().expect("message").to_string()
    }
}

/// A running emulator and a client for it.
pub struct Env {
    pub emulator: Emulator,
    agent: ureq::Agent,
}

pub fn start() -> Env {
    start_with(Options::default())
}

pub fn start_with(options: Options) -> Env {
    let emulator = Emulator::start(options).expect("emulator starts");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    Env { emulator, agent }
}

impl Env {
    pub fn base(&self) -> String {
        self.emulator.base_url()
    }

    pub fn root(&self) -> String {
        self.emulator.root_url()
    }

    pub fn addr(&self) -> SocketAddr {
        self.emulator.addr()
    }

    /// Any request to an absolute URL.
    pub fn call(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Answer {
        let result = match method {
            "GET" | "DELETE" | "HEAD" => {
                let mut request = match method {
                    "GET" => self.agent.get(url),
                    "HEAD" => self.agent.head(url),
                    _ => self.agent.delete(url),
                };
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                request.call()
            }
            _ => {
                let mut request = match method {
                    "POST" => self.agent.post(url),
                    "PUT" => self.agent.put(url),
                    "PATCH" => self.agent.patch(url),
                    other => panic!("no helper for {other}"),
                };
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                match body {
                    Some(body) => request.send(body),
                    None => request.send_empty(),
                }
            }
        };
        let response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = response.into_body().read_to_string().expect("body");
        Answer {
            status,
            headers,
            body,
        }
    }

    /// A request to the API, relative to the base URL, with an optional Authorization.
    pub fn api(
        &self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut headers = Vec::new();
        if let Some(auth) = auth {
            headers.push(("Authorization", auth));
        }
        let text = body.map(Value::to_string);
        if text.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        self.call(
            method,
            &format!("{}{path}", self.base()),
            &headers,
            text.as_deref(),
        )
    }

    /// A test hook call.
    pub fn hook(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let text = body.map(Value::to_string);
        self.call(
            method,
            &format!("{}/__emulator/{path}", self.root()),
            &[],
            text.as_deref(),
        )
    }

    /// Arms a fault.
    pub fn fault(&self, spec: Value) {
        let answer = self.hook("POST", "faults", Some(&spec));
        assert_eq!(answer.status, 200, "{}", answer.body);
    }

    /// A code from the provider's authorize page.
    pub fn code_for(&self, client_id: &str, redirect_uri: &str) -> String {
        let query = format!(
            "response_type=code&client_id={}&redirect_uri={}&state=st",
            encode(client_id),
            encode(redirect_uri)
        );
        let answer = self.call(
            "GET",
            &format!("{}/oauth/authorize?{query}", self.root()),
            &[],
            None,
        );
        assert_eq!(answer.status, 302, "{}", answer.body);
        let location = answer.header("Location").expect("Location");
        query_of(location)
            .into_iter()
            .find(|(n, _)| n == "code")
            .map(|(_, v)| v)
            .expect("code in Location")
    }

    /// A code for the default client and callback.
    pub fn code(&self) -> String {
        self.code_for(API_KEY, CALLBACK)
    }

    /// Creates an instance of `element` and answers its document.
    pub fn create(&self, element: &str, tags: &[&str], name: &str) -> Value {
        self.create_from(create_body(element, &self.code(), tags, name))
    }

    /// Creates an instance from `body` and answers its document.
    pub fn create_from(&self, body: Value) -> Value {
        let answer = self.api("POST", "/instances", Some(AUTH), Some(&body));
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
    }
}

/// A create body with every required configuration entry of `element`.
pub fn create_body(element: &str, code: &str, tags: &[&str], name: &str) -> Value {
    let mut configuration = json!({
        "oauth.api.key": API_KEY,
        "oauth.api.secret": API_SECRET,
        "oauth.callback.url": CALLBACK,
    });
    if element == "infusionsoftcrm" || element == "infusionsoftmarketing" {
        configuration["infusionsoft.server"] = json!("https://api.infusionsoft.com");
        configuration["infusionsoft.private.key"] = json!("private-key");
    }
    json!({
        "element": {"key": element},
        "providerData": {"code": code},
        "configuration": configuration,
        "tags": tags,
        "name": name,
    })
}

/// Percent-encodes a query component.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The decoded query pairs of a URL.
pub fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(n), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// Opens a raw connection with a read timeout, so a test can never hang.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
}

/// Sends raw bytes and reads until the server closes the connection.
pub fn raw(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(addr);
    stream.write_all(request).expect("write");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("server closes the connection");
    answer
}

/// Reads exactly one response (head and Content-Length body) from a kept-alive connection.
pub fn read_response(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("read head");
        assert_eq!(
            n,
            1,
            "connection closed mid-head: {}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("UTF-8 head");
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_string())
        })
        .expect("Content-Length")
        .parse()
        .expect("number");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("read body");
    (head, body)
}
