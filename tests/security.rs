//! Hostile servers, through the C ABI: servers that echo what they were sent (secrets among
//! it) in every place that can reach an error document or a log record; a proxy that wants
//! credentials; trust-roots files that would block; `Retry-After` values and slow answers
//! against the call's deadline. And `Debug` of every public type that can hold a secret.

mod common;

use common::*;
use openconnectors::ffi::*;
use openconnectors::{
    oc_status, ApiRequest, AwaitCallbackRequest, Config, InstanceId, Method, NewInstance,
    OAuthUrlRequest, Operation, ParseCallbackRequest, Secret, UpdateInstance, VerifyWebhookRequest,
};
use openconnectors_emulator::{Emulator, Options};
use serde_json::{json, Value};
use std::ffi::{c_char, c_void, CStr, CString};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// Secrets with characters that change when percent-encoded or JSON-escaped.
const USER_SECRET: &str = "echo-user/s3cret+x";
const ORG_SECRET: &str = "echo-org\"s3cret";
const API_SECRET_ECHO: &str = "api s3cret/&=x";
const CODE: &str = "c0de/s3cret+y";
const OAUTH_SECRET: &str = "oauth-s3cret\"/z";
const TOKEN: &str = "tok3n-s3cret-w";
const SECRETS: [&str; 6] = [
    USER_SECRET,
    ORG_SECRET,
    API_SECRET_ECHO,
    CODE,
    OAUTH_SECRET,
    TOKEN,
];

/// How the echo server puts the request it received into its answer.
#[derive(Clone, Copy, Debug)]
enum Echo {
    /// A 400 whose JSON body has the request as `message`, `providerMessage` and `requestId`,
    /// and the request (on one line) as `Elements-Request-Id`.
    Json,
    /// A 502 whose body is the request as plain text, with the header as well.
    Text,
    /// A 404 with an empty JSON object and the request in `Elements-Request-Id`.
    HeaderOnly,
}

/// A server that answers every request with the request itself, and counts them.
struct EchoServer {
    port: u16,
    served: Arc<AtomicUsize>,
}

impl EchoServer {
    fn start(mode: Echo) -> EchoServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&served);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || echo(stream, mode));
            }
        });
        EchoServer { port, served }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/elements/api-v2", self.port)
    }
}

/// Reads one request (head and Content-Length body) and answers with it.
fn echo(stream: TcpStream, mode: Echo) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut raw = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        raw.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    raw.push_str(&String::from_utf8_lossy(&body));
    let one_line: String = raw
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { ' ' })
        .collect();
    let (status, content_type, body) = match mode {
        Echo::Json => (
            "400 Bad Request",
            "application/json",
            json!({"requestId": raw, "message": raw, "providerMessage": raw}).to_string(),
        ),
        Echo::Text => ("502 Bad Gateway", "text/plain", raw.clone()),
        Echo::HeaderOnly => ("404 Not Found", "application/json", "{}".to_owned()),
    };
    let _ = write!(
        writer,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nElements-Request-Id: {one_line}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Every form in which a secret could come back: as sent, percent-encoded (either case, `+`
/// for spaces) and JSON-escaped.
fn forms(secret: &str) -> Vec<String> {
    let upper: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let escaped = Value::from(secret).to_string();
    vec![
        secret.to_owned(),
        upper.clone(),
        upper.to_ascii_lowercase(),
        upper.replace("%20", "+"),
        escaped[1..escaped.len() - 1].to_owned(),
    ]
}

/// Fails when any form of any secret appears in `text`.
fn assert_clean(text: &str, what: &str) {
    for secret in SECRETS {
        for form in forms(secret) {
            assert!(
                !text.contains(&form),
                "{what} holds a form of a secret ({form:?}): {text}"
            );
        }
    }
}

/// The log records of this test binary's calls, collected by the process-wide logger.
static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(_: *mut c_void, _level: u32, record: *const c_char) {
    let text = unsafe { CStr::from_ptr(record) }
        .to_string_lossy()
        .into_owned();
    RECORDS.lock().unwrap().push(text);
}

#[test]
fn servers_that_echo_secrets_never_get_them_into_errors_or_logs() {
    unsafe { oc_set_logger(Some(collect), std::ptr::null_mut(), 5) };
    for mode in [Echo::Json, Echo::Text, Echo::HeaderOnly] {
        let server = EchoServer::start(mode);
        let client = FfiClient::new(&json!({"baseUrl": server.base_url(),
            "userSecret": USER_SECRET, "organizationSecret": ORG_SECRET, "maxRetries": 0}));
        let calls: Vec<(&str, Op, Value)> = vec![
            (
                "oauth_url",
                oc_oauth_url,
                json!({"element": "infusionsoftecommerce", "apiKey": "k",
                       "apiSecret": API_SECRET_ECHO, "callbackUrl": CALLBACK}),
            ),
            (
                "create_instance",
                oc_create_instance,
                json!({"element": {"key": "infusionsoftecommerce"}, "name": "n",
                       "providerData": {"code": CODE},
                       "configuration": {"oauth.api.key": "k", "oauth.api.secret": OAUTH_SECRET,
                                         "oauth.callback.url": CALLBACK}}),
            ),
            (
                "update_instance",
                oc_update_instance,
                json!({"id": 7, "instance": {"providerData": {"code": CODE},
                       "configuration": {"oauth.api.secret": OAUTH_SECRET}}}),
            ),
            (
                "request",
                oc_request,
                json!({"method": "POST", "path": "/hubs/crm/contacts", "elementToken": TOKEN,
                       "body": {"x": 1}}),
            ),
            ("get_instance", oc_get_instance, json!({"id": 7})),
        ];
        for (name, op, request) in calls {
            let before = server.served.load(Ordering::SeqCst);
            let (status, doc) = client.call(op, &request);
            assert_eq!(status, oc_status::OC_ERR_API, "{name} with {mode:?}: {doc}");
            assert!(
                server.served.load(Ordering::SeqCst) > before,
                "{name} was sent"
            );
            assert_clean(&doc.to_string(), &format!("{name} with {mode:?}"));
            if let Echo::Json = mode {
                let message = doc["error"]["platformMessage"].as_str().unwrap();
                assert!(message.contains("[redacted]"), "{name}: {message}");
            }
        }
    }
    unsafe { oc_set_logger(None, std::ptr::null_mut(), 0) };
    let records = std::mem::take(&mut *RECORDS.lock().unwrap());
    assert!(records.len() >= 15, "one record per exchange at least");
    for record in &records {
        assert_clean(record, "a log record");
        let parsed: Value = serde_json::from_str(record).expect("records are JSON");
        assert!(
            !parsed["path"].as_str().unwrap_or("").contains('?'),
            "{record}"
        );
    }
}

#[test]
fn a_proxy_gets_credentials_in_proxy_authorization_only_and_cannot_echo_them() {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = proxy.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = proxy.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push(line.trim_end().to_owned());
        }
        let page = format!("<html>denied: {}</html>", head.join(" | "));
        let mut writer = stream;
        let _ = write!(
            writer,
            "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: {}\r\n\r\n{page}",
            page.len()
        );
        head
    });
    // "pr0xy-pass@word" percent-encoded in the URL.
    let client = FfiClient::new(&json!({
        "baseUrl": "https://api.example.invalid/elements/api-v2",
        "userSecret": USER_SECRET, "organizationSecret": ORG_SECRET,
        "proxy": format!("http://proxy-user:pr0xy-pass%40word@127.0.0.1:{port}"),
    }));
    let (status, doc) = client.call(oc_get_instance, &json!({"id": 1}));
    assert_eq!(status, oc_status::OC_ERR_TRANSPORT, "{doc}");
    let head = server.join().unwrap();
    assert!(
        head[0].starts_with("CONNECT api.example.invalid:443 "),
        "{head:?}"
    );
    // Basic base64("proxy-user:pr0xy-pass@word")
    let expected = "Proxy-Authorization: Basic cHJveHktdXNlcjpwcjB4eS1wYXNzQHdvcmQ=";
    assert!(
        head.iter().any(|h| h.eq_ignore_ascii_case(expected)),
        "{head:?}"
    );
    let text = doc.to_string();
    for secret in [
        "pr0xy-pass",
        "cHJveHktdXNlcjpwcjB4eS1wYXNzQHdvcmQ",
        USER_SECRET,
    ] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn trust_roots_that_would_block_are_refused_at_once() {
    let dir = std::env::temp_dir().join(format!("oc-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("roots.pem");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    for path in [fifo.to_str().unwrap(), dir.to_str().unwrap(), "/dev/zero"] {
        let config = CString::new(json!({"caCertificatesPemFile": path}).to_string()).unwrap();
        let (mut client, mut error) = (std::ptr::null_mut(), std::ptr::null_mut());
        let started = Instant::now();
        let status = unsafe { oc_client_new(config.as_ptr(), &mut client, &mut error) };
        let doc = parse_output(status, unsafe { take(error) });
        assert_eq!(status, oc_status::OC_ERR_VALIDATION, "{path}: {doc}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{path} returned at once"
        );
        assert_eq!(
            doc["error"]["invalid"][0]["pointer"],
            "/caCertificatesPemFile"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn emulator() -> Emulator {
    Emulator::start(Options {
        user_secret: USER.into(),
        organization_secret: ORG.into(),
        ..Options::default()
    })
    .unwrap()
}

#[test]
fn the_deadline_bounds_retry_after_and_slow_answers() {
    let emu = emulator();
    let client = FfiClient::for_emulator(&emu, json!({"deadlineMs": 1500, "maxRetries": 2}));
    // A Retry-After that the deadline cannot wait for: the answer comes back at once.
    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": "/elements/api-v2/instances", "count": 3,
               "status": 503, "retryAfter": 30}),
    );
    let started = Instant::now();
    let (status, doc) = client.call(oc_list_instances, &json!({}));
    assert_eq!(status, oc_status::OC_ERR_API, "{doc}");
    assert_eq!(doc["error"]["status"], 503);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    hook(&emu, "DELETE", "/__emulator/faults", None);
    // A slow answer: the deadline ends the call, as a timeout for a GET...
    let client = FfiClient::for_emulator(&emu, json!({"deadlineMs": 500}));
    fault(&emu, json!({"method": "GET", "delayMs": 3000}));
    let started = Instant::now();
    let (status, doc) = client.call(oc_get_instance, &json!({"id": 1}));
    assert_eq!(status, oc_status::OC_ERR_TIMEOUT, "{doc}");
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .contains("deadlineMs"));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    // ...and as an unknown outcome for a POST that was sent.
    fault(&emu, json!({"method": "POST", "delayMs": 3000}));
    let started = Instant::now();
    let (status, doc) = client.call(
        oc_request,
        &json!({"method": "POST", "path": "/hubs/ecommerce/orders", "body": {}}),
    );
    assert_eq!(status, oc_status::OC_ERR_OUTCOME_UNKNOWN, "{doc}");
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[test]
fn debug_of_every_type_holding_a_secret_redacts_it() {
    let config = Config {
        user_secret: Some(Secret::new(USER_SECRET)),
        organization_secret: Some(Secret::new(ORG_SECRET)),
        proxy: Some(Secret::new(format!("http://u:{TOKEN}@127.0.0.1:3128"))),
        ..Config::default()
    };
    let oauth = OAuthUrlRequest {
        element: "infusionsoftecommerce".into(),
        api_key: "k".into(),
        api_secret: Secret::new(API_SECRET_ECHO),
        callback_url: CALLBACK.into(),
        ..OAuthUrlRequest::default()
    };
    let new_instance = NewInstance::from_json(
        &json!({"providerData": {"code": CODE}, "configuration": {"oauth.api.secret": OAUTH_SECRET}})
            .to_string(),
    )
    .unwrap();
    let update = UpdateInstance::from_json(
        &json!({"id": 3, "instance": {"providerData": {"code": CODE},
                "configuration": {"oauth.api.secret": OAUTH_SECRET}}})
        .to_string(),
    )
    .unwrap();
    let api = ApiRequest::from_json(
        &json!({"method": "GET", "path": "/ping", "elementToken": TOKEN}).to_string(),
    )
    .unwrap();
    let parse = ParseCallbackRequest::from_json(
        &json!({"url": format!("https://app/cb?code={CODE}&state=s")}).to_string(),
    )
    .unwrap();
    let callback = openconnectors::parse_callback(&format!("code={CODE}&state=s"), None).unwrap();
    let webhook = VerifyWebhookRequest::from_json(
        &json!({"signatureKey": OAUTH_SECRET, "headers": {}, "body": "{}"}).to_string(),
    )
    .unwrap();
    let client = openconnectors::Client::new(Config {
        base_url: "http://127.0.0.1:9/x".into(),
        ..config.clone()
    })
    .unwrap();
    let shown = [
        format!("{config:?}"),
        format!("{oauth:?}"),
        format!("{new_instance:?}"),
        format!("{update:?}"),
        format!("{api:?}"),
        format!("{parse:?}"),
        format!("{callback:?}"),
        format!("{webhook:?}"),
        format!("{client:?}"),
        format!("{:?}", Operation::CreateInstance(new_instance.clone())),
        format!("{:?}", Operation::OAuthUrl(oauth.clone())),
        format!("{:?}", Operation::Request(api.clone())),
        format!("{:?}", Operation::ParseCallback(parse.clone())),
        format!("{:?}", Operation::VerifyWebhook(webhook.clone())),
        format!("{:?}", Operation::UpdateInstance(update.clone())),
        format!(
            "{:?}",
            AwaitCallbackRequest::from_json(
                r#"{"callbackUrl":"http://127.0.0.1:1/cb","expectedState":"s"}"#
            )
            .unwrap()
        ),
        format!("{:?}", InstanceId::new(3)),
        format!("{:?}", Method::Get),
    ];
    for text in &shown {
        for secret in SECRETS {
            assert!(!text.contains(secret), "Debug shows a secret: {text}");
        }
    }
}
