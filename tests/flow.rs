//! The Rust API against the emulator over real HTTP on loopback: the whole flow, and the HTTP
//! documented behaviour (retries, timeouts, outcome-unknown, caps, pooled connections).

mod common;

use common::{fault, journal};
use openconnectors::{
    oc_status, parse_callback, ApiRequest, Client, Config, InstanceId, ListInstances, Method,
    NewInstance, OAuthUrlRequest, Secret, UpdateInstance,
};
use openconnectors_emulator::{Emulator, Options};
use serde_json::{json, Value};

/// The results as `Value`s, for indexing in assertions.
trait Doc {
    fn doc(self) -> openconnectors::Result<Value>;
}

impl Doc for openconnectors::Result<openconnectors::Json> {
    fn doc(self) -> openconnectors::Result<Value> {
        self.map(|j| j.value())
    }
}
use std::time::{Duration, Instant};

const USER: &str = "flow-user-secret-31337";
const ORG: &str = "flow-org-secret-27182";
const API_SECRET: &str = "flow-api-secret-16180";
const API_KEY: &str = "flow-api-key";
const CALLBACK: &str = "https://app.example/auth";

fn emulator(keep_alive: Duration) -> Emulator {
    Emulator::start(Options {
        user_secret: USER.into(),
        organization_secret: ORG.into(),
        keep_alive,
        ..Options::default()
    })
    .expect("the emulator starts")
}

fn client(emu: &Emulator, tweak: impl FnOnce(&mut Config)) -> Client {
    let mut config = Config {
        base_url: emu.base_url(),
        user_secret: Some(Secret::new(USER)),
        organization_secret: Some(Secret::new(ORG)),
        ..Config::default()
    };
    tweak(&mut config);
    Client::new(config).expect("a valid configuration")
}

fn raw_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent()
}

/// Steps 1 and 2: the authorization URL, the consent followed as a browser would, the code.
fn authorize(emu: &Emulator, c: &Client) -> String {
    let step1 = c
        .oauth_url(&OAuthUrlRequest {
            element: "infusionsoftecommerce".into(),
            api_key: API_KEY.into(),
            api_secret: Secret::new(API_SECRET),
            callback_url: CALLBACK.into(),
            ..OAuthUrlRequest::default()
        })
        .doc()
        .expect("step 1");
    let state = step1["state"].as_str().unwrap().to_owned();
    let consent = raw_agent()
        .get(step1["oauthUrl"].as_str().unwrap())
        .call()
        .expect("the provider answers");
    assert_eq!(consent.status(), 302);
    let location = consent.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(CALLBACK), "{location}");
    let _ = emu;
    parse_callback(&location, Some(&state))
        .expect("step 2")
        .code
        .expose()
        .to_owned()
}

fn new_instance(code: &str, name: &str, tags: &[&str]) -> NewInstance {
    let doc = json!({
        "element": {"key": "infusionsoftecommerce"},
        "providerData": {"code": code},
        "configuration": {"oauth.callback.url": CALLBACK, "oauth.api.key": API_KEY,
                          "oauth.api.secret": API_SECRET},
        "tags": tags, "name": name});
    NewInstance(doc.as_object().unwrap().clone())
}

fn create(emu: &Emulator, c: &Client, name: &str, tags: &[&str]) -> Value {
    let code = authorize(emu, c);
    c.create_instance(&new_instance(&code, name, tags))
        .doc()
        .expect("step 3")
}

fn hub_orders(token: &str) -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        path: "/hubs/ecommerce/orders".into(),
        query: vec![("pageSize".into(), "5".into())],
        body: None,
        element_token: Some(Secret::new(token)),
        headers: vec![],
    }
}

#[test]
fn the_whole_flow_and_the_lifecycle() {
    let emu = emulator(Duration::from_secs(60));
    let c = client(&emu, |_| {});
    let inst = create(&emu, &c, "Keap for ACME", &["acme", "prod"]);
    let id = inst["id"].as_u64().expect("an integer id");
    assert_eq!(inst["configuration"]["oauth.api.secret"], "********");
    let token = inst["token"].as_str().unwrap();

    let orders = c.request(&hub_orders(token)).doc().expect("a hub call");
    assert_eq!(orders["status"], 200);
    assert!(orders["body"].is_array());

    let all = c.list_instances(&ListInstances::default()).doc().unwrap();
    assert_eq!(all["instances"].as_array().unwrap().len(), 1);
    let tagged = c
        .list_instances(&ListInstances {
            tags: vec!["acme".into()],
            ..ListInstances::default()
        })
        .doc()
        .unwrap();
    assert_eq!(tagged["instances"][0]["id"], id);
    let none = c
        .list_instances(&ListInstances {
            search_text: Some("no such name".into()),
            ..ListInstances::default()
        })
        .doc()
        .expect("a filtered list matching nothing is empty, not an error");
    assert_eq!(none, json!({"instances": [], "nextPage": null}));

    let patched = c
        .update_instance(&UpdateInstance {
            id: InstanceId::new(id).unwrap(),
            instance: json!({"name": "renamed"}).as_object().unwrap().clone(),
            partial: true,
        })
        .doc()
        .unwrap();
    assert_eq!(patched["name"], "renamed");
    let code = authorize(&emu, &c);
    let reauth = c
        .update_instance(&UpdateInstance {
            id: InstanceId::new(id).unwrap(),
            instance: new_instance(&code, "reauthenticated", &["acme"]).0,
            partial: false,
        })
        .doc()
        .unwrap();
    assert_eq!(reauth["id"], id);
    assert_eq!(
        c.get_instance(InstanceId::new(id).unwrap()).doc().unwrap()["name"],
        "reauthenticated"
    );

    assert_eq!(
        c.delete_instance(InstanceId::new(id).unwrap())
            .doc()
            .unwrap(),
        json!({"id": id, "deleted": true})
    );
    let gone = c
        .get_instance(InstanceId::new(id).unwrap())
        .doc()
        .unwrap_err();
    assert_eq!(
        (gone.status, gone.http_status),
        (oc_status::OC_ERR_API, Some(404))
    );
    assert!(gone.request_id.as_deref().is_some_and(|r| r.len() == 24));

    let sent = journal(&emu);
    let first = &sent[0];
    assert_eq!(first["method"], "GET");
    assert_eq!(
        first["path"],
        "/elements/api-v2/elements/infusionsoftecommerce/oauth/url"
    );
    assert_eq!(first["headers"]["authorization"], "User, Organization");
    let names: Vec<&str> = first["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap())
        .collect();
    assert_eq!(names, ["apiKey", "apiSecret", "callbackUrl", "state"]);
    let hub = sent
        .iter()
        .find(|r| r["path"] == "/elements/api-v2/hubs/ecommerce/orders")
        .unwrap();
    assert_eq!(
        hub["headers"]["authorization"],
        "User, Organization, Element"
    );
}

#[test]
fn paging_through_instances() {
    let emu = emulator(Duration::from_secs(60));
    let c = client(&emu, |_| {});
    for i in 0..5 {
        create(&emu, &c, &format!("paged {i}"), &["paged"]);
    }
    let mut seen = 0;
    let mut next: Option<String> = None;
    loop {
        let page = c
            .list_instances(&ListInstances {
                page_size: Some(2),
                next_page: next.clone(),
                ..ListInstances::default()
            })
            .doc()
            .unwrap();
        seen += page["instances"].as_array().unwrap().len();
        match page["nextPage"].as_str() {
            Some(t) => next = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, 5);
}

#[test]
fn get_and_delete_are_retried_and_posts_are_not() {
    let emu = emulator(Duration::from_secs(60));
    let c = client(&emu, |_| {});
    let id = create(&emu, &c, "retried", &[])["id"].as_u64().unwrap();
    let path = format!("/elements/api-v2/instances/{id}");
    let count = |method: &str| {
        journal(&emu)
            .iter()
            .filter(|r| r["method"] == method && r["path"] == path.as_str())
            .count()
    };

    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": path, "count": 2, "status": 503}),
    );
    c.get_instance(InstanceId::new(id).unwrap())
        .doc()
        .expect("the third attempt succeeds");
    assert_eq!(count("GET"), 3);

    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": path, "count": 3, "status": 502}),
    );
    let e = c
        .get_instance(InstanceId::new(id).unwrap())
        .doc()
        .unwrap_err();
    assert_eq!(e.http_status, Some(502));
    assert_eq!(count("GET"), 6, "1 + maxRetries attempts");

    fault(
        &emu,
        json!({"method": "PUT", "pathPrefix": path, "count": 1, "status": 503}),
    );
    let e = c
        .update_instance(&UpdateInstance {
            id: InstanceId::new(id).unwrap(),
            instance: json!({"name": "x"}).as_object().unwrap().clone(),
            partial: false,
        })
        .doc()
        .unwrap_err();
    assert_eq!(e.http_status, Some(503));
    assert_eq!(count("PUT"), 1);

    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": path, "count": 1, "drop": "before_response"}),
    );
    c.get_instance(InstanceId::new(id).unwrap())
        .doc()
        .expect("a dropped GET is retried");

    fault(
        &emu,
        json!({"method": "DELETE", "pathPrefix": path, "count": 1, "status": 429, "retryAfter": 1}),
    );
    let started = Instant::now();
    c.delete_instance(InstanceId::new(id).unwrap())
        .doc()
        .expect("retried after Retry-After");
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[test]
fn a_lost_post_is_outcome_unknown_and_the_client_keeps_working() {
    let emu = emulator(Duration::from_secs(60));
    let c = client(&emu, |cfg| cfg.timeout = Duration::from_millis(500));
    fault(
        &emu,
        json!({"method": "POST", "pathPrefix": "/elements/api-v2/instances", "count": 1, "drop": "before_response"}),
    );
    let code = authorize(&emu, &c);
    let e = c
        .create_instance(&new_instance(&code, "dropped", &[]))
        .doc()
        .unwrap_err();
    assert_eq!(e.status, oc_status::OC_ERR_OUTCOME_UNKNOWN, "{e}");

    fault(
        &emu,
        json!({"method": "POST", "pathPrefix": "/elements/api-v2/instances", "count": 1, "delayMs": 1500}),
    );
    let code = authorize(&emu, &c);
    let started = Instant::now();
    let e = c
        .create_instance(&new_instance(&code, "slow", &[]))
        .doc()
        .unwrap_err();
    assert_eq!(e.status, oc_status::OC_ERR_OUTCOME_UNKNOWN, "{e}");
    assert!(started.elapsed() < Duration::from_millis(1200));

    let inst = create(&emu, &c, "after the faults", &[]);
    assert!(inst["id"].is_u64());
}

#[test]
fn timeouts_decode_errors_and_caps() {
    let emu = emulator(Duration::from_secs(60));
    let c = client(&emu, |cfg| {
        cfg.timeout = Duration::from_millis(300);
        cfg.max_response_bytes = 1024 * 1024;
    });
    let id = create(&emu, &c, "faulty", &[])["id"].as_u64().unwrap();
    let path = format!("/elements/api-v2/instances/{id}");

    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": path, "count": 1, "delayMs": 2000}),
    );
    let started = Instant::now();
    let e = c
        .get_instance(InstanceId::new(id).unwrap())
        .doc()
        .unwrap_err();
    assert_eq!(e.status, oc_status::OC_ERR_TIMEOUT);
    assert!(started.elapsed() < Duration::from_millis(1000));

    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": path, "count": 1, "nonJson": true}),
    );
    assert_eq!(
        c.get_instance(InstanceId::new(id).unwrap())
            .doc()
            .unwrap_err()
            .status,
        oc_status::OC_ERR_DECODE
    );

    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": path, "count": 1, "oversizedMb": 20}),
    );
    assert_eq!(
        c.get_instance(InstanceId::new(id).unwrap())
            .doc()
            .unwrap_err()
            .status,
        oc_status::OC_ERR_DECODE
    );

    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": path, "count": 3, "truncate": true}),
    );
    let e = c
        .get_instance(InstanceId::new(id).unwrap())
        .doc()
        .unwrap_err();
    assert_eq!(e.status, oc_status::OC_ERR_TRANSPORT, "{e}");

    c.get_instance(InstanceId::new(id).unwrap())
        .doc()
        .expect("the client still works");
}

#[test]
fn nothing_listening_is_a_quick_transport_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::new(Config {
        base_url: format!("http://127.0.0.1:{port}/elements/api-v2"),
        user_secret: Some(Secret::new(USER)),
        organization_secret: Some(Secret::new(ORG)),
        max_retries: 1,
        ..Config::default()
    })
    .unwrap();
    let started = Instant::now();
    let e = c
        .get_instance(InstanceId::new(1).unwrap())
        .doc()
        .unwrap_err();
    assert_eq!(e.status, oc_status::OC_ERR_TRANSPORT);
    assert!(started.elapsed() < Duration::from_secs(2));
    let e = c
        .create_instance(&new_instance("code", "n", &[]))
        .doc()
        .unwrap_err();
    assert_eq!(
        e.status,
        oc_status::OC_ERR_TRANSPORT,
        "nothing was sent: {e}"
    );
}

#[test]
fn a_connection_closed_while_idle_never_fails_the_next_call() {
    let emu = emulator(Duration::from_millis(100));
    let c = client(&emu, |_| {});
    for round in 0..5 {
        let code = authorize(&emu, &c);
        std::thread::sleep(Duration::from_millis(250));
        let inst = c
            .create_instance(&new_instance(&code, &format!("idle {round}"), &[]))
            .doc()
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        std::thread::sleep(Duration::from_millis(250));
        c.get_instance(InstanceId::new(inst["id"].as_u64().unwrap()).unwrap())
            .doc()
            .unwrap();
    }
}

#[test]
fn no_secret_in_any_error_or_debug_output() {
    let emu = emulator(Duration::from_secs(60));
    let c = client(&emu, |cfg| cfg.timeout = Duration::from_millis(300));
    let code = authorize(&emu, &c);
    let mut outputs = vec![format!("{c:?}")];
    let mut keep = |r: openconnectors::Result<Value>| match r {
        Ok(v) => outputs.push(v.to_string()),
        Err(e) => outputs.push(format!("{} {e:?} {e}", e.to_json())),
    };
    keep(
        c.create_instance(&new_instance("wrong-code-123456", "bad code", &[]))
            .doc(),
    );
    fault(
        &emu,
        json!({"method": "*", "pathPrefix": "/elements/api-v2", "count": 1, "status": 500}),
    );
    keep(
        c.oauth_url(&OAuthUrlRequest {
            element: "infusionsoftecommerce".into(),
            api_key: API_KEY.into(),
            api_secret: Secret::new(API_SECRET),
            callback_url: CALLBACK.into(),
            ..OAuthUrlRequest::default()
        })
        .doc(),
    );
    keep(
        c.oauth_url(&OAuthUrlRequest {
            element: "no-such-element".into(),
            api_key: API_KEY.into(),
            api_secret: Secret::new(API_SECRET),
            callback_url: CALLBACK.into(),
            ..OAuthUrlRequest::default()
        })
        .doc(),
    );
    fault(
        &emu,
        json!({"method": "POST", "pathPrefix": "/elements/api-v2/instances", "count": 1, "drop": "before_response"}),
    );
    keep(
        c.create_instance(&new_instance(&code, "dropped", &[]))
            .doc(),
    );
    keep(c.request(&hub_orders("not-a-token-98765")).doc());
    let wrong = Client::new(Config {
        base_url: emu.base_url(),
        user_secret: Some(Secret::new("wrong-user-secret-1")),
        organization_secret: Some(Secret::new(ORG)),
        ..Config::default()
    })
    .unwrap();
    keep(wrong.get_instance(InstanceId::new(1).unwrap()).doc());
    for output in &outputs {
        for secret in [
            USER,
            ORG,
            API_SECRET,
            code.as_str(),
            "wrong-user-secret-1",
            "not-a-token-98765",
        ] {
            assert!(!output.contains(secret), "a secret leaked into: {output}");
        }
    }
}
