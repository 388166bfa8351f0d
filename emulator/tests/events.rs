//! Event notifications: writes through an instance and test-requested events, delivered in the
//! background to a receiver on loopback, signed, retried, refused for remote URLs, recorded in
//! `/__emulator/deliveries`, and forgotten by a reset.

mod common;

use common::{auth_of, create_body, start, start_with, Env};
use openconnectors_emulator::Options;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One notification as the receiver got it.
#[derive(Clone, Debug)]
struct Received {
    at: Instant,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A webhook receiver on loopback: records every request and answers the statuses queued
/// (200 once they run out), after `delay`.
struct Receiver {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<Received>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    delay: Arc<Mutex<Duration>>,
}

impl Receiver {
    fn start() -> Receiver {
        Receiver::on("127.0.0.1:0")
    }

    fn on(address: &str) -> Receiver {
        let listener = TcpListener::bind(address).expect("bind");
        let receiver = Receiver {
            addr: listener.local_addr().expect("addr"),
            got: Arc::default(),
            statuses: Arc::default(),
            delay: Arc::default(),
        };
        let (got, statuses, delay) = (
            receiver.got.clone(),
            receiver.statuses.clone(),
            receiver.delay.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let received = read_request(&stream);
                let status = statuses.lock().unwrap().pop_front().unwrap_or(200);
                got.lock().unwrap().extend(received);
                std::thread::sleep(*delay.lock().unwrap());
                let mut stream = stream;
                let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n");
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        receiver
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn answer(&self, statuses: &[u16]) {
        self.statuses.lock().unwrap().extend(statuses);
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `count` notifications have come, and answers them.
    fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.got();
            if got.len() >= count {
                return got;
            }
            assert!(Instant::now() < deadline, "{} of {count} came", got.len());
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split(' ').nth(1)?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        at: Instant::now(),
        path,
        headers,
        body,
    })
}

/// An emulator whose retries wait `scale` times the platform's waits.
fn emulator(scale: f64) -> Env {
    start_with(Options {
        webhook_retry_scale: scale,
        ..Options::default()
    })
}

/// Creates an instance of `element` that sends its events to `callback`.
fn subscribed(env: &Env, element: &str, callback: &str, key: Option<&str>) -> Value {
    let mut body = create_body(element, &env.code(), &[], "events");
    body["configuration"]["event.notification.enabled"] = json!(true);
    body["configuration"]["event.notification.callback.url"] = json!(callback);
    if let Some(key) = key {
        body["configuration"]["event.notification.signature.key"] = json!(key);
    }
    env.create_from(body)
}

fn deliveries(env: &Env) -> Vec<Value> {
    env.hook("GET", "deliveries", None)
        .json()
        .as_array()
        .expect("deliveries")
        .clone()
}

/// Waits until `count` delivery attempts are recorded, and answers them.
fn wait_for_deliveries(env: &Env, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list = deliveries(env);
        if list.len() >= count {
            return list;
        }
        assert!(Instant::now() < deadline, "{list:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Decodes standard padded base64 (the signature's encoding), to check it independently.
fn unbase64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        other => panic!("not base64: {other}"),
    };
    assert_eq!(text.len() % 4, 0, "padded: {text}");
    let mut out = Vec::new();
    for quad in text.as_bytes().chunks(4) {
        let digits: Vec<u8> = quad
            .iter()
            .filter(|&&c| c != b'=')
            .map(|&c| value(c))
            .collect();
        let bits =
            digits.iter().fold(0u32, |acc, &d| acc << 6 | u32::from(d)) << (6 * (4 - digits.len()));
        out.extend_from_slice(&bits.to_be_bytes()[1..digits.len()]);
    }
    out
}

#[test]
fn writes_through_an_instance_notify_its_callback_in_the_background() {
    let env = start();
    let receiver = Receiver::start();
    // A slow receiver must not slow the writes down.
    *receiver.delay.lock().unwrap() = Duration::from_millis(800);
    let doc = subscribed(
        &env,
        "infusionsoftcrm",
        &receiver.url("/hooks/crm?x=1"),
        None,
    );
    let auth = auth_of(&doc);
    let started = Instant::now();
    let created = env.api(
        "POST",
        "/hubs/crm/contacts",
        Some(&auth),
        Some(&json!({"firstName": "Eve"})),
    );
    assert_eq!(created.status, 200, "{}", created.body);
    let patched = env.api(
        "PATCH",
        "/hubs/crm/contacts/3",
        Some(&auth),
        Some(&json!({"lastName": "Jones", "id": 99})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    let deleted = env.api("DELETE", "/contacts/26", Some(&auth), None);
    assert_eq!((deleted.status, deleted.body.as_str()), (200, ""));
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    let got = receiver.wait_for(3);
    let expected = [("CREATED", "26"), ("UPDATED", "3"), ("DELETED", "26")];
    for (received, (event_type, object_id)) in got.iter().zip(expected) {
        assert_eq!(received.path, "/hooks/crm?x=1");
        assert_eq!(received.header("Content-Type"), Some("application/json"));
        assert_eq!(
            received.header("Elements-Webhook-Signature"),
            None,
            "no key, no signature"
        );
        let message = &received.json()["message"];
        assert_eq!(
            received.header("Elements-Webhook-Id"),
            message["eventId"].as_str()
        );
        assert_eq!(message["instanceId"], doc["id"]);
        assert_eq!(message["elementKey"], "infusionsoftcrm");
        assert_eq!(
            (message["accountId"].clone(), message["userId"].clone()),
            (json!(1), json!(1))
        );
        let event = &message["events"][0];
        assert_eq!(event["eventType"], event_type);
        assert_eq!(event["objectId"], object_id);
        assert_eq!(event["objectType"], "contacts");
        assert_eq!(event["elementKey"], "infusionsoftcrm");
        assert_eq!(event["hubKey"], "crm");
        let date = event["eventDate"].as_str().expect("eventDate");
        assert!(
            date.len() == 20 && date.ends_with('Z') && date.as_bytes()[10] == b'T',
            "{date}"
        );
    }
    let raw = |i: usize| got[i].json()["message"]["raw"].clone();
    assert_eq!(raw(0), json!({"id": 26, "firstName": "Eve"}));
    assert_eq!(
        (raw(1)["id"].clone(), raw(1)["lastName"].clone()),
        (json!(3), json!("Jones"))
    );
    let ids: Vec<Value> = got
        .iter()
        .map(|r| r.json()["message"]["eventId"].clone())
        .collect();
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);
    // The writes changed the instance's own copy only.
    assert_eq!(
        env.api("GET", "/contacts/3", Some(&auth), None).json()["lastName"],
        "Jones"
    );
    env.api("GET", "/contacts/26", Some(&auth), None)
        .error_message(404);
    let other = auth_of(&env.create("infusionsoftcrm", &[], "other"));
    assert_ne!(
        env.api("GET", "/contacts/3", Some(&other), None).json()["lastName"],
        "Jones"
    );
    for (method, path) in [
        ("PATCH", "/contacts/26"),
        ("DELETE", "/contacts/26"),
        ("PATCH", "/contacts/x"),
    ] {
        let body = (method == "PATCH").then(|| json!({}));
        env.api(method, path, Some(&auth), body.as_ref())
            .error_message(404);
    }
    assert_eq!(receiver.got().len(), 3, "refused writes raise no event");
    let attempts = wait_for_deliveries(&env, 3);
    for (attempt, received) in attempts.iter().zip(&got) {
        assert_eq!(
            attempt["eventId"].as_str(),
            received.header("Elements-Webhook-Id")
        );
        assert_eq!(attempt["instanceId"], doc["id"]);
        assert_eq!(attempt["url"], receiver.url("/hooks/crm?x=1"));
        assert_eq!(
            (attempt["attempt"].clone(), attempt["status"].clone()),
            (json!(1), json!(200))
        );
        assert_eq!(attempt["error"], Value::Null);
        assert!(attempt["at"].as_str().is_some_and(|at| at.ends_with('Z')));
    }
}

#[test]
fn notifications_are_signed_with_the_instance_key() {
    let env = start();
    let receiver = Receiver::start();
    let key = "webhook-signing-key";
    let doc = subscribed(
        &env,
        "infusionsoftecommerce",
        &receiver.url("/signed"),
        Some(key),
    );
    let auth = auth_of(&doc);
    env.api(
        "PATCH",
        "/orders/1",
        Some(&auth),
        Some(&json!({"status": "paid"})),
    );
    let got = receiver.wait_for(1);
    let header = got[0].header("Elements-Webhook-Signature").expect("signed");
    let signature = unbase64(header.strip_prefix("sha256=").expect("sha256="));
    let ring_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
    assert!(
        ring::hmac::verify(&ring_key, &got[0].body, &signature).is_ok(),
        "{header}"
    );
    let wrong_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"another key");
    assert!(ring::hmac::verify(&wrong_key, &got[0].body, &signature).is_err());
    // The key in the configuration entry signs from then on; it is never shown.
    let entries = env
        .api("GET", "/instances/configuration", Some(&auth), None)
        .json();
    let entry = entries
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["key"] == "event.notification.signature.key")
        .cloned()
        .expect("the key's entry");
    assert_eq!(entry["propertyValue"], "********");
    let path = format!("/instances/configuration/{}", entry["id"]);
    env.api(
        "PATCH",
        &path,
        Some(&auth),
        Some(&json!({"propertyValue": "rotated"})),
    );
    env.api("DELETE", "/orders/2", Some(&auth), None);
    let got = receiver.wait_for(2);
    let signature = unbase64(&got[1].header("Elements-Webhook-Signature").expect("signed")[7..]);
    let rotated = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"rotated");
    assert!(ring::hmac::verify(&rotated, &got[1].body, &signature).is_ok());
    let journal = env.hook("GET", "deliveries", None).body;
    assert!(!journal.contains(key) && !journal.contains("rotated"));
}

#[test]
fn tests_can_ask_for_an_event() {
    let env = start();
    let receiver = Receiver::start();
    let doc = subscribed(&env, "infusionsoftecommerce", &receiver.url("/asked"), None);
    let id = doc["id"].as_u64().expect("id");
    let asked =
        json!({"instanceId": id, "objectType": "orders", "objectId": "7", "eventType": "UPDATED"});
    let answer = env.hook("POST", "events", Some(&asked));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let event_id = answer.json()["eventId"]
        .as_str()
        .expect("eventId")
        .to_string();
    let got = receiver.wait_for(1);
    let message = &got[0].json()["message"];
    assert_eq!(message["eventId"], event_id.as_str());
    let event = &message["events"][0];
    assert_eq!(
        (event["objectType"].clone(), event["objectId"].clone()),
        (json!("orders"), json!("7"))
    );
    assert_eq!(event["eventType"], "UPDATED");
    // The raw object is the instance's order 7, as it holds it.
    assert_eq!(message["raw"]["orderNumber"], "SO-01007");
    // Another object type, and a numeric id, are taken as they come.
    let other = json!({"instanceId": id, "objectType": "customers", "objectId": 12, "eventType": "CREATED"});
    assert_eq!(env.hook("POST", "events", Some(&other)).status, 200);
    let got = receiver.wait_for(2);
    assert_eq!(got[1].json()["message"]["raw"], json!({"id": "12"}));
    assert_eq!(got[1].json()["message"]["events"][0]["objectId"], "12");
    // Refusals.
    let bad = env.call(
        "POST",
        &format!("{}/__emulator/events", env.root()),
        &[],
        Some("{"),
    );
    bad.error_message(400);
    for body in [
        json!([]),
        json!({"objectType": "orders", "objectId": "7", "eventType": "UPDATED"}),
        json!({"instanceId": id, "objectId": "7", "eventType": "UPDATED"}),
        json!({"instanceId": id, "objectType": "orders", "eventType": "UPDATED"}),
        json!({"instanceId": id, "objectType": "orders", "objectId": "7", "eventType": "CHANGED"}),
        json!({"instanceId": "x", "objectType": "orders", "objectId": "7", "eventType": "DELETED"}),
    ] {
        env.hook("POST", "events", Some(&body)).error_message(400);
    }
    let unknown =
        json!({"instanceId": 1, "objectType": "orders", "objectId": "7", "eventType": "DELETED"});
    env.hook("POST", "events", Some(&unknown))
        .error_message(404);
    let quiet = env.create("infusionsoftecommerce", &[], "quiet")["id"].clone();
    let mut no_url = create_body("infusionsoftecommerce", &env.code(), &[], "no url");
    no_url["configuration"]["event.notification.enabled"] = json!("true");
    let no_url = env.create_from(no_url)["id"].clone();
    for instance in [quiet, no_url] {
        let body = json!({"instanceId": instance, "objectType": "orders", "objectId": "7", "eventType": "DELETED"});
        env.hook("POST", "events", Some(&body)).error_message(409);
    }
    env.hook("GET", "events", None).error_message(405);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(receiver.got().len(), 2);
}

#[test]
fn failed_deliveries_are_retried_with_growing_waits() {
    // Waits of 4^x × 0.01 s: 40 ms, then 160 ms.
    let env = emulator(0.01);
    let receiver = Receiver::start();
    receiver.answer(&[500, 503]);
    let doc = subscribed(&env, "infusionsoftmarketing", &receiver.url("/flaky"), None);
    env.api("DELETE", "/campaigns/1", Some(&auth_of(&doc)), None);
    let got = receiver.wait_for(3);
    assert!(
        got[1].at - got[0].at >= Duration::from_millis(40),
        "{:?}",
        got[1].at - got[0].at
    );
    assert!(
        got[2].at - got[1].at >= Duration::from_millis(160),
        "{:?}",
        got[2].at - got[1].at
    );
    assert_eq!(got[0].body, got[2].body, "the same notification");
    let attempts = wait_for_deliveries(&env, 3);
    let summary: Vec<(Value, Value)> = attempts
        .iter()
        .map(|a| (a["attempt"].clone(), a["status"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!(1), json!(500)),
            (json!(2), json!(503)),
            (json!(3), json!(200))
        ]
    );
    assert!(attempts[0]["error"]
        .as_str()
        .is_some_and(|e| e.contains("500")));
    assert_eq!(attempts[2]["error"], Value::Null);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        receiver.got().len(),
        3,
        "a delivered notification is not sent again"
    );
}

#[test]
fn a_dead_callback_gets_nine_retries_then_none() {
    // 4^1 + ... + 4^9 s is about 4 days; scaled by 10^-6, a third of a second.
    let env = emulator(0.000_001);
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/gone", closed.local_addr().expect("addr"));
    drop(closed);
    let doc = subscribed(&env, "infusionsoftecommerce", &url, None);
    env.api(
        "POST",
        "/orders",
        Some(&auth_of(&doc)),
        Some(&json!({"total": "1.00"})),
    );
    let attempts = wait_for_deliveries(&env, 10);
    std::thread::sleep(Duration::from_millis(300));
    let attempts_later = deliveries(&env);
    assert_eq!(attempts_later.len(), 10, "{attempts_later:?}");
    for (i, attempt) in attempts.iter().enumerate() {
        assert_eq!(attempt["attempt"], i + 1);
        assert_eq!(attempt["status"], Value::Null);
        assert!(
            attempt["error"]
                .as_str()
                .is_some_and(|e| e.contains("connect")),
            "{attempt}"
        );
        assert_eq!(attempt["eventId"], attempts[0]["eventId"]);
    }
}

#[test]
fn only_loopback_callbacks_are_delivered_unless_remote_ones_are_allowed() {
    let env = emulator(0.000_001);
    let receiver = Receiver::on("0.0.0.0:0");
    let port = receiver.addr.port();
    // Not loopback: 0.0.0.0 reaches this machine, but is not a loopback address.
    let remote = format!("http://0.0.0.0:{port}/remote");
    let refused = [
        remote.as_str(),
        "http://192.0.2.1:9/test-net",
        "http://localhost.example:9/x",
        "https://127.0.0.1:9/tls",
        "not a url",
    ];
    for url in refused {
        let doc = subscribed(&env, "infusionsoftecommerce", url, None);
        env.api("DELETE", "/orders/1", Some(&auth_of(&doc)), None);
    }
    let loopback = format!("http://localhost:{port}/local");
    let local = subscribed(&env, "infusionsoftecommerce", &loopback, None);
    env.api("DELETE", "/orders/1", Some(&auth_of(&local)), None);
    let attempts = wait_for_deliveries(&env, refused.len() + 1);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        deliveries(&env).len(),
        refused.len() + 1,
        "ruled-out URLs are not retried"
    );
    for (attempt, url) in attempts.iter().zip(refused) {
        assert_eq!(attempt["url"], url);
        assert_eq!(attempt["status"], Value::Null);
        let error = attempt["error"].as_str().expect("error");
        assert!(error.starts_with("not delivered"), "{error}");
    }
    assert!(attempts[0]["error"]
        .as_str()
        .is_some_and(|e| e.contains("loopback")));
    assert!(attempts[3]["error"]
        .as_str()
        .is_some_and(|e| e.contains("TLS")));
    assert_eq!(attempts[5]["status"], 200);
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/local");
    // Allowed, the remote URL is delivered to.
    let open = start_with(Options {
        allow_remote_webhooks: true,
        ..Options::default()
    });
    let doc = subscribed(&open, "infusionsoftecommerce", &remote, None);
    open.api("DELETE", "/orders/1", Some(&auth_of(&doc)), None);
    assert_eq!(receiver.wait_for(2)[1].path, "/remote");
    assert_eq!(wait_for_deliveries(&open, 1)[0]["status"], 200);
}

#[test]
fn reset_forgets_deliveries_and_stops_retries() {
    // Retries 0.2 s, then 0.8 s after each failure.
    let env = emulator(0.05);
    let receiver = Receiver::start();
    receiver.answer(&[500; 20]);
    let doc = subscribed(&env, "infusionsoftcrm", &receiver.url("/failing"), None);
    env.api("DELETE", "/contacts/1", Some(&auth_of(&doc)), None);
    wait_for_deliveries(&env, 1);
    assert_eq!(env.hook("POST", "reset", None).status, 200);
    assert_eq!(deliveries(&env), Vec::<Value>::new());
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(receiver.got().len(), 1, "no retry after the reset");
    assert_eq!(deliveries(&env), Vec::<Value>::new());
    // A delivery under way when the reset comes is waited for and forgotten.
    *receiver.delay.lock().unwrap() = Duration::from_millis(500);
    let doc = subscribed(&env, "infusionsoftcrm", &receiver.url("/slow"), None);
    env.api("DELETE", "/contacts/1", Some(&auth_of(&doc)), None);
    receiver.wait_for(2);
    env.hook("POST", "reset", None);
    let count = receiver.got().len();
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(receiver.got().len(), count);
    assert_eq!(deliveries(&env), Vec::<Value>::new());
}

#[test]
fn the_journal_shows_a_notification_sent_to_the_emulator_itself() {
    let env = start();
    let callback = format!("{}/webhook-receiver", env.root());
    let doc = subscribed(&env, "infusionsoftecommerce", &callback, Some("k"));
    let auth = auth_of(&doc);
    env.api(
        "PATCH",
        "/orders/4",
        Some(&auth),
        Some(&json!({"status": "new"})),
    );
    let journal = || env.hook("GET", "requests", None).json();
    let deadline = Instant::now() + Duration::from_secs(10);
    let entry = loop {
        let found = journal()
            .as_array()
            .expect("journal")
            .iter()
            .find(|e| e["path"] == "/webhook-receiver")
            .cloned();
        if let Some(entry) = found {
            break entry;
        }
        assert!(Instant::now() < deadline, "{}", journal());
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(entry["method"], "POST");
    let headers = &entry["headers"];
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers["elements-webhook-signature"]
        .as_str()
        .is_some_and(|s| s.starts_with("sha256=")));
    let body: Value = serde_json::from_str(entry["body"].as_str().expect("body")).expect("JSON");
    assert_eq!(headers["elements-webhook-id"], body["message"]["eventId"]);
    // The write is journalled; the hooks, as always, are not.
    let paths: Vec<String> = journal()
        .as_array()
        .expect("journal")
        .iter()
        .map(|e| e["path"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        paths.contains(&"/elements/api-v2/orders/4".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.iter().all(|p| !p.starts_with("/__emulator")),
        "{paths:?}"
    );
    // The emulator answered its own notification 404: a failed attempt.
    let attempt = wait_for_deliveries(&env, 1)[0].clone();
    assert_eq!(attempt["status"], 404);
}
