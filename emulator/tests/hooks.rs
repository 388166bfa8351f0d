//! The test hooks at `/__emulator`: reset, the request journal and fault injection.

mod common;

use common::{connect, create_body, element_auth, raw, read_response, start, AUTH};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[test]
fn the_journal_keeps_requests_as_received_but_hides_authorization() {
    let env = start();
    let token = env.create("sfdc", &[], "x")["token"]
        .as_str()
        .expect("t")
        .to_string();
    env.hook("POST", "reset", None);
    env.hook("DELETE", "faults", None);
    let url = format!(
        "{}/elements/sfdc/oauth/url?apiKey=a+b&apiSecret=s%26t&callbackUrl=http%3A%2F%2Fx",
        env.base()
    );
    env.call(
        "GET",
        &url,
        &[("Authorization", AUTH), ("X-Custom", "v1")],
        None,
    );
    env.api(
        "POST",
        "/hubs/crm/contacts",
        Some(&element_auth(&token)),
        Some(&json!({"a": 1})),
    );
    let journal = env.hook("GET", "requests", None);
    assert_eq!(journal.status, 200);
    let entries = journal.json();
    let entries = entries.as_array().expect("array");
    assert_eq!(entries.len(), 2, "hooks are not journaled: {entries:?}");
    let first = &entries[0];
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/elements/api-v2/elements/sfdc/oauth/url");
    assert_eq!(
        first["query"],
        json!([
            ["apiKey", "a b"],
            ["apiSecret", "s&t"],
            ["callbackUrl", "http://x"]
        ])
    );
    assert_eq!(first["headers"]["authorization"], "User, Organization");
    assert_eq!(first["headers"]["x-custom"], "v1");
    assert_eq!(first["body"], "");
    let second = &entries[1];
    assert_eq!(second["method"], "POST");
    assert_eq!(
        second["headers"]["authorization"],
        "User, Organization, Element"
    );
    assert_eq!(second["headers"]["content-type"], "application/json");
    assert_eq!(second["body"], "{\"a\":1}");
    assert!(!journal.body.contains(&token) && !journal.body.contains("organization-secret"));
}

#[test]
fn the_journal_keeps_percent_encoding_of_paths() {
    let env = start();
    let reply = raw(env.addr(), b"GET /elements/api-v2/elements/%73fdc/oauth/url?a=%2B HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(
        reply.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    let entries = env.hook("GET", "requests", None).json();
    assert_eq!(
        entries[0]["path"],
        "/elements/api-v2/elements/%73fdc/oauth/url"
    );
    assert_eq!(entries[0]["query"], json!([["a", "+"]]));
    assert_eq!(entries[0]["headers"]["host"], "x");
}

#[test]
fn reset_forgets_everything() {
    let env = start();
    let doc = env.create("sfdc", &[], "x");
    let code = env.code();
    env.fault(json!({"status": 500}));
    let reset = env.hook("POST", "reset", None);
    assert_eq!((reset.status, reset.json()), (200, json!({"reset": true})));
    assert_eq!(env.hook("GET", "requests", None).json(), json!([]));
    let list = env.api("GET", "/instances", Some(AUTH), None);
    assert_eq!(
        (list.status, list.json()),
        (200, json!([])),
        "the fault was disarmed too"
    );
    env.api(
        "GET",
        "/ping",
        Some(&element_auth(doc["token"].as_str().expect("t"))),
        None,
    )
    .error_message(401);
    let body = create_body("sfdc", &code, &[], "y");
    env.api("POST", "/instances", Some(AUTH), Some(&body))
        .error_message(400);
}

#[test]
fn hooks_refuse_wrong_methods_unknown_names_and_bad_faults() {
    let env = start();
    let wrong = env.hook("GET", "reset", None);
    wrong.error_message(405);
    assert_eq!(wrong.header("Allow"), Some("POST"));
    env.hook("POST", "requests", Some(&json!({})))
        .error_message(405);
    env.hook("GET", "faults", None).error_message(405);
    env.hook("GET", "nothing", None).error_message(404);
    let bad = env.call(
        "POST",
        &format!("{}/__emulator/faults", env.root()),
        &[],
        Some("{"),
    );
    bad.error_message(400);
    for spec in [
        json!({"status": 503, "nonJson": true}),
        json!({"delay": 5}),
        json!({"drop": "later"}),
        json!({"count": -1, "status": 503}),
    ] {
        env.hook("POST", "faults", Some(&spec)).error_message(400);
    }
    assert_eq!(
        env.hook("DELETE", "faults", None).json(),
        json!({"disarmed": 0})
    );
}

#[test]
fn status_faults_answer_the_error_without_processing() {
    let env = start();
    let armed = env.hook("POST", "faults", Some(&json!({"method": "post", "pathPrefix": "/elements/api-v2/instances", "count": 2, "status": 503, "retryAfter": 1})));
    assert_eq!(armed.json(), json!({"armed": 1}));
    let body = create_body("sfdc", &env.code(), &[], "x");
    for _ in 0..2 {
        let answer = env.api("POST", "/instances", Some(AUTH), Some(&body));
        answer.error_message(503);
        assert_eq!(answer.header("Retry-After"), Some("1"));
    }
    // Not processed: the code is still good, once the fault has run out.
    assert_eq!(
        env.api("GET", "/instances", Some(AUTH), None).json(),
        json!([])
    );
    assert_eq!(
        env.api("POST", "/instances", Some(AUTH), Some(&body))
            .status,
        200
    );
    // The faulted requests were journaled.
    assert_eq!(
        env.hook("GET", "requests", None)
            .json()
            .as_array()
            .map(Vec::len),
        Some(5)
    );
}

#[test]
fn faults_match_method_and_path_prefix_in_arming_order() {
    let env = start();
    env.fault(json!({"method": "GET", "pathPrefix": "/elements/api-v2/ping", "status": 500}));
    env.fault(json!({"method": "*", "pathPrefix": "/elements/api-v2/instances", "status": 429}));
    env.fault(json!({"method": "*", "pathPrefix": "/elements/api-v2/instances", "status": 502}));
    assert_eq!(
        env.api("GET", "/elements/sfdc/oauth/url", None, None)
            .status,
        400,
        "no fault matches"
    );
    env.api("DELETE", "/instances/1", Some(AUTH), None)
        .error_message(429);
    env.api("GET", "/instances", Some(AUTH), None)
        .error_message(502);
    env.api("GET", "/ping", None, None).error_message(500);
    assert_eq!(env.api("GET", "/instances", Some(AUTH), None).status, 200);
    env.fault(json!({"status": 504}));
    env.fault(json!({"status": 504}));
    assert_eq!(
        env.hook("DELETE", "faults", None).json(),
        json!({"disarmed": 2})
    );
    assert_eq!(env.api("GET", "/instances", Some(AUTH), None).status, 200);
}

#[test]
fn delay_faults_answer_late_but_normally() {
    let env = start();
    env.fault(json!({"pathPrefix": "/elements/api-v2/instances", "delayMs": 300}));
    let started = Instant::now();
    let answer = env.api("GET", "/instances", Some(AUTH), None);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!((answer.status, answer.json()), (200, json!([])));
    let started = Instant::now();
    env.api("GET", "/instances", Some(AUTH), None);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "count defaults to 1"
    );
}

#[test]
fn drop_faults_process_then_close_without_answering() {
    let env = start();
    env.fault(json!({"method": "POST", "drop": "before_response"}));
    let body = create_body("sfdc", &env.code(), &["dropped"], "x").to_string();
    let request = format!(
        "POST /elements/api-v2/instances HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(
        raw(env.addr(), request.as_bytes()),
        b"",
        "nothing is written"
    );
    let list = env.api("GET", "/instances?tags[]=dropped", Some(AUTH), None);
    assert_eq!(
        list.json().as_array().map(Vec::len),
        Some(1),
        "the request took effect"
    );
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("Content-Length")
}

fn split_head(answer: &[u8]) -> (String, Vec<u8>) {
    let at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head")
        + 4;
    (
        String::from_utf8_lossy(&answer[..at]).into_owned(),
        answer[at..].to_vec(),
    )
}

#[test]
fn truncate_faults_send_half_the_announced_body() {
    let env = start();
    let token = env.create("sfdc", &[], "x")["token"]
        .as_str()
        .expect("t")
        .to_string();
    env.fault(json!({"method": "GET", "truncate": true}));
    let request = format!(
        "GET /elements/api-v2/hubs/crm/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
        element_auth(&token)
    );
    let (head, body) = split_head(&raw(env.addr(), request.as_bytes()));
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let announced = content_length(&head);
    assert!(announced > 1000);
    assert_eq!(body.len(), announced / 2);
    // Processed: a truncated DELETE still deletes; its empty body is announced as one byte.
    env.fault(json!({"method": "DELETE", "truncate": true}));
    let id = env.create("sfdc", &[], "y")["id"].clone();
    let request = format!("DELETE /elements/api-v2/instances/{id} HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\n\r\n");
    let (head, body) = split_head(&raw(env.addr(), request.as_bytes()));
    assert_eq!((content_length(&head), body.len()), (1, 0));
    env.api("GET", &format!("/instances/{id}"), Some(AUTH), None)
        .error_message(404);
}

#[test]
fn non_json_faults_answer_html_without_processing() {
    let env = start();
    env.fault(
        json!({"method": "POST", "pathPrefix": "/elements/api-v2/instances", "nonJson": true}),
    );
    let body = create_body("sfdc", &env.code(), &[], "x");
    let answer = env.api("POST", "/instances", Some(AUTH), Some(&body));
    assert_eq!(answer.status, 200);
    assert!(answer
        .header("Content-Type")
        .is_some_and(|t| t.starts_with("text/html")));
    assert!(answer.body.starts_with("<!DOCTYPE html>"));
    assert!(serde_json::from_str::<Value>(&answer.body).is_err());
    assert_eq!(
        env.api("GET", "/instances", Some(AUTH), None).json(),
        json!([])
    );
}

#[test]
fn oversized_faults_stream_a_large_json_body() {
    let env = start();
    env.fault(json!({"oversizedMb": 3}));
    let mut stream = connect(env.addr());
    stream
        .write_all(b"GET /elements/api-v2/instances HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let (head, body) = read_response(&mut stream);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("Content-Type: application/json"));
    assert_eq!(body.len(), 3 * 1024 * 1024);
    assert!(body.starts_with(b"{\"padding\":\"xxx") && body.ends_with(b"xx\"}"));
    // The connection stays usable, and the request was not processed (the list is not asked for).
    stream
        .write_all(b"GET /__emulator/requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).expect("read");
    assert!(rest.starts_with(b"HTTP/1.1 200"));
}

#[test]
fn the_configuration_routes_are_journalled_and_take_faults() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &[], "shop");
    let path = format!("/instances/{}/configuration", doc["id"]);
    env.fault(json!({"pathPrefix": format!("/elements/api-v2{path}"), "status": 503}));
    env.api("GET", &path, Some(AUTH), None).error_message(503);
    assert_eq!(env.api("GET", &path, Some(AUTH), None).status, 200);
    let journal = env.hook("GET", "requests", None).json();
    let paths: Vec<&str> = journal
        .as_array()
        .expect("journal")
        .iter()
        .filter_map(|e| e["path"].as_str())
        .filter(|p| p.ends_with("/configuration"))
        .collect();
    assert_eq!(paths.len(), 2, "{journal}");
}

/// Reads from `stream` until `want` bytes have come or a read times out.
fn read_up_to(stream: &mut std::net::TcpStream, want: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < want {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

#[test]
fn body_delay_faults_pause_in_the_middle_of_the_body() {
    let env = start();
    let auth = common::auth_of(&env.create("infusionsoftcrm", &[], "crm"));
    let whole = env.api("GET", "/hubs/crm/contacts", Some(&auth), None).body;
    env.fault(json!({"method": "GET", "pathPrefix": "/elements/api-v2/hubs/", "bodyDelayMs": 700}));
    let mut stream = connect(env.addr());
    let request = format!(
        "GET /elements/api-v2/hubs/crm/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n"
    );
    let started = Instant::now();
    stream.write_all(request.as_bytes()).expect("write");
    // The head and the first half come at once; then nothing for a while.
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let first = read_up_to(&mut stream, usize::MAX);
    assert!(
        started.elapsed() < Duration::from_millis(650),
        "{:?}",
        started.elapsed()
    );
    let (head, body) = split_head(&first);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(content_length(&head), whole.len());
    assert_eq!(body, whole.as_bytes()[..whole.len() / 2].to_vec());
    // The rest follows the pause, and the connection stays usable.
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let rest = read_up_to(&mut stream, whole.len() - body.len());
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert_eq!([body, rest].concat(), whole.as_bytes().to_vec());
    stream.write_all(request.as_bytes()).expect("write again");
    let (head, again) = read_response(&mut stream);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(again, whole.as_bytes().to_vec(), "count defaults to 1");
}

#[test]
fn a_client_may_hang_up_during_a_body_delay() {
    let env = start();
    env.fault(json!({"pathPrefix": "/elements/api-v2/instances", "bodyDelayMs": 400, "count": 2}));
    let mut stream = connect(env.addr());
    let request = format!(
        "GET /elements/api-v2/instances HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("write");
    let first = read_up_to(&mut stream, 1);
    assert!(String::from_utf8_lossy(&first).starts_with("HTTP/1.1 200"));
    drop(stream);
    // Through a client: the whole answer, late.
    let started = Instant::now();
    let answer = env.api("GET", "/instances", Some(AUTH), None);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!((answer.status, answer.json()), (200, json!([])));
    assert_eq!(env.api("GET", "/instances", Some(AUTH), None).status, 200);
}

#[test]
fn health_answers_ok_with_the_version_and_is_not_journalled() {
    let env = start();
    let health = env.hook("GET", "health", None);
    assert_eq!(
        (health.status, health.json()),
        (
            200,
            json!({"status": "ok", "version": openconnectors_emulator::VERSION})
        )
    );
    env.hook("POST", "health", Some(&json!({})))
        .error_message(405);
    // Faults do not reach the hooks either.
    env.fault(json!({"status": 503}));
    assert_eq!(env.hook("GET", "health", None).status, 200);
    assert_eq!(env.hook("GET", "requests", None).json(), json!([]));
}
