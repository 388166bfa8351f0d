//! The HTTP/1.1 layer: framing, keep-alive, limits, malformed input, concurrency, shutdown.

mod common;

use common::{connect, raw, read_response, start, start_with, AUTH};
use openconnectors_emulator::Options;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const PING: &[u8] = b"GET /elements/api-v2/instances HTTP/1.1\r\nHost: x\r\n\r\n";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a refusal with the platform error body on a connection the server then closed.
fn assert_refused(answer: &[u8], status: u16) {
    let answer = text(answer);
    assert!(
        answer.starts_with(&format!("HTTP/1.1 {status} ")),
        "{answer}"
    );
    assert!(answer.contains("Connection: close\r\n"), "{answer}");
    assert!(answer.contains("Elements-Request-Id: "), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).expect("body");
    let body: Value = serde_json::from_str(body).expect("JSON error body");
    assert!(
        body["requestId"].is_string() && body["message"].is_string(),
        "{body}"
    );
}

#[test]
fn keep_alive_serves_several_requests_and_honours_close() {
    let env = start();
    let mut stream = connect(env.addr());
    for _ in 0..3 {
        stream.write_all(PING).expect("write");
        let (head, _) = read_response(&mut stream);
        assert!(head.starts_with("HTTP/1.1 401"), "{head}");
        assert!(head.contains("Connection: keep-alive"), "{head}");
    }
    stream
        .write_all(
            b"GET /elements/api-v2/instances HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .expect("write");
    let (head, _) = read_response(&mut stream);
    assert!(head.contains("Connection: close"), "{head}");
    assert_eq!(stream.read(&mut [0u8; 16]).expect("EOF"), 0);
    // HTTP/1.0 closes unless asked to keep alive.
    let answer = raw(
        env.addr(),
        b"GET /elements/api-v2/instances HTTP/1.0\r\n\r\n",
    );
    assert!(text(&answer).starts_with("HTTP/1.1 401"));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let env = start();
    let mut stream = connect(env.addr());
    let two = b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\nGET /__emulator/requests HTTP/1.1\r\nHost: x\r\n\r\n";
    stream.write_all(two).expect("write");
    assert!(read_response(&mut stream).0.starts_with("HTTP/1.1 404"));
    assert!(read_response(&mut stream).0.starts_with("HTTP/1.1 200"));
}

#[test]
fn idle_kept_alive_connections_are_closed() {
    let env = start_with(Options {
        keep_alive: Duration::from_millis(200),
        ..Options::default()
    });
    let mut stream = connect(env.addr());
    stream.write_all(PING).expect("write");
    read_response(&mut stream);
    std::thread::sleep(Duration::from_millis(50));
    stream.write_all(PING).expect("write within the idle time");
    read_response(&mut stream);
    let started = Instant::now();
    assert_eq!(stream.read(&mut [0u8; 16]).expect("closed, not reset"), 0);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(100) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
}

#[test]
fn chunked_request_bodies_are_read() {
    let env = start();
    let body = json!({"apiKey": "k", "apiSecret": "s", "callbackUrl": "http://cb"}).to_string();
    let (a, b) = body.split_at(10);
    let request = format!(
        "POST /elements/api-v2/elements/sfdc/oauth/url HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x};ext=1\r\n{a}\r\n{:X}\r\n{b}\r\n0\r\nTrailer: t\r\n\r\n",
        a.len(),
        b.len()
    );
    let answer = text(&raw(env.addr(), request.as_bytes()));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"element\":\"sfdc\""), "{answer}");
    let journal = common::Env::hook(&env, "GET", "requests", None).json();
    assert_eq!(journal[0]["body"], body);
}

#[test]
fn expect_100_continue_is_answered() {
    let env = start();
    let mut stream = connect(env.addr());
    stream
        .write_all(b"POST /__emulator/faults HTTP/1.1\r\nHost: x\r\nContent-Length: 18\r\nExpect: 100-continue\r\n\r\n")
        .expect("write");
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).expect("100 Continue");
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(b"{\"nonJson\": true} ").expect("write");
    assert!(read_response(&mut stream).0.starts_with("HTTP/1.1 200"));
}

#[test]
fn malformed_requests_get_400_and_a_closed_connection() {
    let env = start();
    for request in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /x\r\n\r\n",
        b"GET x HTTP/1.1\r\n\r\n",
        b"GET /x HTTP/2.0\r\n\r\n",
        b"GET /x HTTP/1.1 extra\r\n\r\n",
        b"GET /\xff HTTP/1.1\r\n\r\n",
        b"GET /x HTTP/1.1\r\nNo colon here\r\n\r\n",
        b"GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n",
        b"GET /x HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n",
    ] {
        let answer = raw(env.addr(), request);
        assert_refused(&answer, 400);
    }
    // A malformed request is not journaled; a following good one is served as usual.
    assert_eq!(
        common::Env::hook(&env, "GET", "requests", None).json(),
        json!([])
    );
}

#[test]
fn oversized_heads_and_bodies_are_refused() {
    let env = start();
    let mut request = b"GET /x HTTP/1.1\r\nX-Big: ".to_vec();
    request.extend(std::iter::repeat_n(b'a', 20 * 1024));
    request.extend(b"\r\n\r\n");
    assert_refused(&raw(env.addr(), &request), 431);
    let request = format!("POST /elements/api-v2/instances HTTP/1.1\r\nAuthorization: {AUTH}\r\nContent-Length: 8388609\r\n\r\n");
    assert_refused(&raw(env.addr(), request.as_bytes()), 413);
    // A client that is still uploading when refused still reads the refusal.
    let big = " ".repeat(9 * 1024 * 1024);
    let url = format!("{}/instances", env.base());
    let headers = [
        ("Authorization", AUTH),
        ("Content-Type", "application/json"),
    ];
    let message = env
        .call("POST", &url, &headers, Some(&big))
        .error_message(413);
    assert!(message.contains("8 MiB"), "{message}");
    // Exactly 8 MiB is still accepted.
    let mut request =
        b"POST /__emulator/faults HTTP/1.1\r\nConnection: close\r\nContent-Length: 8388608\r\n\r\n"
            .to_vec();
    request.extend(std::iter::repeat_n(b' ', 8 * 1024 * 1024 - 2));
    request.extend(b"{}");
    let answer = text(&raw(env.addr(), &request));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("Give exactly one of"), "{answer}");
}

#[test]
fn random_bytes_never_break_the_server() {
    let env = start();
    let mut seed: u64 = 0x1234_5678;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet =
        b"GET POST /:\r\n %-chunkedTransfer-EncodingContent-Length0123456789abcxyz\xff\x00";
    for round in 0..200 {
        let len = (next() % 300) as usize;
        let mut junk: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        if round % 2 == 0 {
            junk.extend(b"\r\n\r\n");
        }
        let mut stream = connect(env.addr());
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let _ = stream.write_all(&junk);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let _ = stream.read_to_end(&mut Vec::new());
    }
    assert_eq!(common::Env::hook(&env, "POST", "reset", None).status, 200);
}

#[test]
fn a_slow_request_does_not_hold_up_others() {
    let env = start();
    env.fault(json!({"pathPrefix": "/elements/api-v2/ping", "delayMs": 1000}));
    let addr = env.addr();
    let slow = std::thread::spawn(move || {
        let started = Instant::now();
        let mut stream = connect(addr);
        stream
            .write_all(b"GET /elements/api-v2/ping HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("write");
        let (head, _) = read_response(&mut stream);
        (started.elapsed(), head)
    });
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(env.api("GET", "/instances", Some(AUTH), None).status, 200);
    }
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let (slow_took, head) = slow.join().expect("slow request");
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    assert!(slow_took >= Duration::from_millis(1000), "{slow_took:?}");
}

#[test]
fn dropping_the_emulator_stops_it() {
    let env = start();
    let addr = env.addr();
    let mut idle = connect(addr);
    idle.write_all(PING).expect("write");
    read_response(&mut idle);
    drop(env);
    assert!(TcpStream::connect(addr).is_err(), "no longer listening");
    assert_eq!(
        idle.read(&mut [0u8; 16]).unwrap_or(0),
        0,
        "open connections are closed"
    );
}

#[test]
fn head_requests_get_no_body() {
    let env = start();
    let mut stream = connect(env.addr());
    stream
        .write_all(b"HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).expect("read"), 1);
        head.push(byte[0]);
    }
    assert!(text(&head).starts_with("HTTP/1.1 404"));
    stream.write_all(PING).expect("write");
    assert!(
        read_response(&mut stream).0.starts_with("HTTP/1.1 401"),
        "no stray body bytes before the next answer"
    );
}
