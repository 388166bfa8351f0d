//! Bad input through every export of the C ABI: NULL pointers, invalid UTF-8, text that is not
//! JSON, every wrong JSON type for every member, empty required members, 10 MB strings, JSON
//! nested 100,000 deep, control characters in every value bound for a URL, a header or a path.
//! Each gets OC_ERR_INVALID_ARGUMENT or OC_ERR_VALIDATION naming the member, and nothing is sent.

mod common;

use common::*;
use openconnectors::ffi::*;
use openconnectors::oc_status;
use openconnectors_emulator::{Emulator, Options};
use serde_json::{json, Value};
use std::ffi::{c_char, CString};

const INVALID: oc_status = oc_status::OC_ERR_INVALID_ARGUMENT;
const VALIDATION: oc_status = oc_status::OC_ERR_VALIDATION;

/// JSON types a member may have.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Num,
    Bool,
    Arr,
    Obj,
}

fn sample(kind: Kind) -> Value {
    match kind {
        Kind::Str => json!("s"),
        Kind::Num => json!(1),
        Kind::Bool => json!(true),
        Kind::Arr => json!([]),
        Kind::Obj => json!({}),
    }
}

const ALL_KINDS: [Kind; 5] = [Kind::Str, Kind::Num, Kind::Bool, Kind::Arr, Kind::Obj];

/// A member of a request: where it is, which JSON types it accepts, whether it is required
/// (absent or "" is missing), and whether its value goes into a URL, a header or a path.
struct Member {
    pointer: &'static str,
    accepts: &'static [Kind],
    required: bool,
    on_the_wire: bool,
}

const fn m(
    pointer: &'static str,
    accepts: &'static [Kind],
    required: bool,
    on_the_wire: bool,
) -> Member {
    Member {
        pointer,
        accepts,
        required,
        on_the_wire,
    }
}

use Kind::*;

/// Every request of the C ABI with a valid document and the members the test mutates.
fn requests() -> Vec<(&'static str, Value, Vec<Member>)> {
    vec![
        (
            "oc_oauth_url",
            json!({"element": "infusionsoftecommerce", "apiKey": "k", "apiSecret": "s",
                   "callbackUrl": "https://app.example/cb", "state": "st", "scope": "full",
                   "siteAddress": "x", "params": {"p": "v"}}),
            vec![
                m("/element", &[Str, Num], true, true),
                m("/apiKey", &[Str], true, true),
                m("/apiSecret", &[Str], true, true),
                m("/callbackUrl", &[Str], true, true),
                m("/state", &[Str], false, true),
                m("/scope", &[Str], false, true),
                m("/siteAddress", &[Str], false, true),
                m("/params", &[Obj], false, false),
                m("/params/p", &[Str], false, true),
            ],
        ),
        (
            "oc_create_instance",
            instance_doc("a-code", "a name"),
            vec![
                m("/element", &[Obj], false, false),
                m("/element/key", &[Str], true, false),
                m("/name", &[Str], true, false),
                m("/tags", &[Arr], false, false),
                m("/tags/0", &[Str], false, false),
                m("/providerData", &[Obj], false, false),
                m("/providerData/code", &[Str], true, false),
                m("/configuration", &[Obj], false, false),
                m(
                    "/configuration/oauth.api.key",
                    &[Str, Num, Bool],
                    true,
                    false,
                ),
                m(
                    "/configuration/oauth.api.secret",
                    &[Str, Num, Bool],
                    true,
                    false,
                ),
                m(
                    "/configuration/oauth.callback.url",
                    &[Str, Num, Bool],
                    true,
                    false,
                ),
            ],
        ),
        (
            "oc_get_instance",
            json!({"id": 1}),
            vec![m("/id", &[Num], true, false)],
        ),
        (
            "oc_delete_instance",
            json!({"id": 1}),
            vec![m("/id", &[Num], true, false)],
        ),
        (
            "oc_list_instances",
            json!({"tags": ["a"], "searchText": "x", "pageSize": 5, "nextPage": "t"}),
            vec![
                m("/tags", &[Arr], false, false),
                m("/tags/0", &[Str], false, true),
                m("/searchText", &[Str], false, true),
                m("/pageSize", &[Num], false, false),
                m("/nextPage", &[Str], false, true),
            ],
        ),
        (
            "oc_update_instance",
            json!({"id": 1, "instance": {"name": "n", "tags": ["t"]}, "partial": true}),
            vec![
                m("/id", &[Num], true, false),
                m("/instance", &[Obj], false, false),
                m("/instance/name", &[Str], false, false),
                m("/instance/tags/0", &[Str], false, false),
                m("/partial", &[Bool], false, false),
            ],
        ),
        (
            "oc_request",
            json!({"method": "GET", "path": "/hubs/ecommerce/orders", "query": {"a": "1"},
                   "elementToken": "tok", "headers": {"X-A": "1"}}),
            vec![
                m("/method", &[Str], true, false),
                m("/path", &[Str], true, true),
                m("/query", &[Obj], false, false),
                m("/query/a", &[Str, Num, Bool, Arr], false, true),
                m("/elementToken", &[Str], false, true),
                m("/headers", &[Obj], false, false),
                m("/headers/X-A", &[Str], false, true),
            ],
        ),
        (
            "oc_parse_callback",
            json!({"url": "https://app.example/cb?code=c&state=s", "expectedState": "s"}),
            vec![
                m("/url", &[Str], true, false),
                m("/expectedState", &[Str], false, false),
            ],
        ),
        (
            "oc_await_callback",
            json!({"callbackUrl": "http://127.0.0.1:9/cb", "expectedState": "s", "timeoutMs": 1}),
            vec![
                m("/callbackUrl", &[Str], true, false),
                m("/expectedState", &[Str], true, false),
                m("/timeoutMs", &[Num], false, false),
            ],
        ),
    ]
}

/// Replaces the value at a pointer (its parent must exist).
fn with_value(doc: &Value, pointer: &str, value: Value) -> Value {
    let mut doc = doc.clone();
    *doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} exists")) = value;
    doc
}

struct Target {
    client: FfiClient,
}

impl Target {
    /// Runs a request through the named export.
    fn run(&self, export: &str, request: &[u8]) -> (oc_status, Value) {
        let text = CString::new(request).unwrap();
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = unsafe {
            match export {
                "oc_parse_callback" => oc_parse_callback(text.as_ptr(), &mut out),
                "oc_await_callback" => oc_await_callback(text.as_ptr(), &mut out),
                name => {
                    let op = OPS.iter().find(|(n, _)| *n == name).unwrap().1;
                    op(self.client.0, text.as_ptr(), &mut out)
                }
            }
        };
        (status, parse_output(status, unsafe { take(out) }))
    }
}

fn names(doc: &Value, list: &str) -> Vec<String> {
    doc["error"][list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    i.get("pointer")
                        .unwrap_or(i)
                        .as_str()
                        .unwrap_or("")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn expect(target: &Target, export: &str, request: &[u8], status: oc_status, pointer: &str) {
    let (got, doc) = target.run(export, request);
    let shown = String::from_utf8_lossy(&request[..request.len().min(200)]).into_owned();
    assert_eq!(got, status, "{export} {shown}: {doc}");
    if !pointer.is_empty() {
        let named = names(&doc, "invalid").iter().any(|p| p == pointer)
            || names(&doc, "missing").iter().any(|p| p == pointer);
        assert!(named, "{export} {shown}: {pointer} is not named in {doc}");
        assert!(
            doc["error"]["message"].as_str().unwrap().contains(pointer),
            "{doc}"
        );
    }
}

#[test]
fn every_bad_input_is_refused_and_nothing_is_sent() {
    let emu = Emulator::start(Options {
        user_secret: USER.into(),
        organization_secret: ORG.into(),
        ..Options::default()
    })
    .unwrap();
    let target = Target {
        client: FfiClient::for_emulator(&emu, json!({})),
    };
    let huge = "x".repeat(10 * 1024 * 1024);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let mut cases = 0;
    for (export, valid, members) in requests() {
        for text in [
            "",
            "not json",
            "[]",
            "1",
            "null",
            "\"s\"",
            "{\"a\":",
            &deep,
            &deep_object,
        ] {
            expect(&target, export, text.as_bytes(), INVALID, "");
            cases += 1;
        }
        expect(&target, export, b"{\"url\": \"\xff\xfe\"}", INVALID, "");
        for member in &members {
            for kind in ALL_KINDS {
                if member
                    .accepts
                    .iter()
                    .any(|a| std::mem::discriminant(a) == std::mem::discriminant(&kind))
                {
                    continue;
                }
                let doc = with_value(&valid, member.pointer, sample(kind));
                expect(
                    &target,
                    export,
                    doc.to_string().as_bytes(),
                    INVALID,
                    member.pointer,
                );
                cases += 1;
            }
            if member.required {
                let doc = with_value(&valid, member.pointer, json!(""));
                expect(
                    &target,
                    export,
                    doc.to_string().as_bytes(),
                    VALIDATION,
                    member.pointer,
                );
                let doc = with_value(&valid, member.pointer, Value::Null);
                expect(
                    &target,
                    export,
                    doc.to_string().as_bytes(),
                    VALIDATION,
                    member.pointer,
                );
                cases += 2;
            }
            if member.accepts.iter().any(|a| matches!(a, Str)) {
                let long = with_value(&valid, member.pointer, json!(huge));
                let control = with_value(&valid, member.pointer, json!("a\r\nX-Injected: 1"));
                if member.on_the_wire || export == "oc_create_instance" {
                    expect(
                        &target,
                        export,
                        long.to_string().as_bytes(),
                        VALIDATION,
                        member.pointer,
                    );
                    cases += 1;
                }
                if member.on_the_wire {
                    expect(
                        &target,
                        export,
                        control.to_string().as_bytes(),
                        VALIDATION,
                        member.pointer,
                    );
                    cases += 1;
                }
            }
        }
    }
    for path in [
        "/hubs/../instances",
        "/hubs/%2e%2E/instances",
        "hubs/x",
        "/a?b",
        "/a#b",
        "/a%0d%0a",
        "/`ub",
        "/a<b>",
        "/%zz",
        // The 0.2 rule: whatever a server could take for a way out of the path.
        "/hubs/..;/instances",
        "/hubs/.%2e/instances",
        "/hubs/%252e%252e/instances",
        "/hubs/%2e%2e%3b/instances",
        "/hubs/%c0%ae%c0%ae/instances",
        "/hubs/a%2fb",
        "/hubs/a%5cb",
        "/hubs\\..\\instances",
        "/hubs/.",
    ] {
        let doc = json!({"method": "GET", "path": path});
        expect(
            &target,
            "oc_request",
            doc.to_string().as_bytes(),
            VALIDATION,
            "/path",
        );
        cases += 1;
    }
    let doc = json!({"element": "e", "apiKey": "k", "apiSecret": "s", "callbackUrl": "https://a/cb",
                     "params": {"state": "mine"}});
    expect(
        &target,
        "oc_oauth_url",
        doc.to_string().as_bytes(),
        VALIDATION,
        "/params/state",
    );
    for element in ["..", ".", "a/b", "a b", "k%2e"] {
        let doc = json!({"element": element, "apiKey": "k", "apiSecret": "s",
                         "callbackUrl": "https://a/cb"});
        expect(
            &target,
            "oc_oauth_url",
            doc.to_string().as_bytes(),
            VALIDATION,
            "/element",
        );
        cases += 1;
    }
    // A member named twice, at any depth, is ambiguous: refused naming it, never last-wins.
    for (export, text, pointer) in [
        (
            "oc_request",
            r#"{"method":"GET","path":"/ok","path":"//evil/x"}"#,
            "/path",
        ),
        ("oc_get_instance", r#"{"id":1,"id":2}"#, "/id"),
        (
            "oc_create_instance",
            r#"{"name":"n","configuration":{"oauth.api.key":"k","oauth.api.key":"evil"}}"#,
            "/configuration/oauth.api.key",
        ),
        (
            "oc_list_instances",
            r#"{"tags":["a"],"x":[{"y":{"z":1,"z":2}}]}"#,
            "/x/0/y/z",
        ),
        (
            "oc_parse_callback",
            r#"{"url":"code=a","url":"code=b"}"#,
            "/url",
        ),
    ] {
        expect(&target, export, text.as_bytes(), INVALID, pointer);
        cases += 1;
    }
    let doc =
        json!({"element": -1.5, "apiKey": "k", "apiSecret": "s", "callbackUrl": "https://a/cb"});
    expect(
        &target,
        "oc_oauth_url",
        doc.to_string().as_bytes(),
        VALIDATION,
        "/element",
    );
    let many: Vec<Value> = (0..20_000).map(|_| json!(1)).collect();
    let (status, doc) = target.run(
        "oc_list_instances",
        json!({"tags": many}).to_string().as_bytes(),
    );
    assert_eq!(status, INVALID);
    assert!(
        doc.to_string().len() < 16 * 1024,
        "the error stays small: {} bytes",
        doc.to_string().len()
    );
    for header in ["Authorization", "host", "Content-Length", "Bad Name", ""] {
        let doc = json!({"method": "GET", "path": "/ping", "headers": {header: "v"}});
        let pointer = format!("/headers/{header}");
        expect(
            &target,
            "oc_request",
            doc.to_string().as_bytes(),
            VALIDATION,
            &pointer,
        );
        cases += 1;
    }
    for url in [
        "https://127.0.0.1:9/cb",
        "http://example.com:9/cb",
        "not a url",
    ] {
        let doc = json!({"callbackUrl": url});
        expect(
            &target,
            "oc_await_callback",
            doc.to_string().as_bytes(),
            VALIDATION,
            "/callbackUrl",
        );
        cases += 1;
    }
    for id in [json!(0), json!(-1), json!(1.5)] {
        expect(
            &target,
            "oc_get_instance",
            json!({"id": id}).to_string().as_bytes(),
            VALIDATION,
            "/id",
        );
        cases += 1;
    }
    for id in [json!("12"), json!("../1"), json!("1\r\n")] {
        expect(
            &target,
            "oc_get_instance",
            json!({"id": id}).to_string().as_bytes(),
            INVALID,
            "/id",
        );
        cases += 1;
    }
    let sent = journal(&emu);
    assert!(sent.is_empty(), "bad input reached the platform: {sent:?}");
    eprintln!("{cases} bad inputs refused, none sent");
    assert!(cases > 300);
}

#[test]
fn null_pointers_are_invalid_arguments_and_null_outputs_are_not_written() {
    let client = FfiClient::new(&json!({"userSecret": "u", "organizationSecret": "o"}));
    let request = c"{\"id\": 1}";
    for (name, op) in OPS {
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = unsafe { op(std::ptr::null(), request.as_ptr(), &mut out) };
        assert_eq!(status, INVALID, "{name} with a NULL client");
        let doc = parse_output(status, unsafe { take(out) });
        assert!(doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("client is NULL"));
        let status = unsafe { op(client.0, std::ptr::null(), &mut out) };
        assert_eq!(status, INVALID, "{name} with a NULL request");
        let _ = unsafe { take(out) };
        let status = unsafe { op(client.0, request.as_ptr(), std::ptr::null_mut()) };
        assert_eq!(status, INVALID, "{name} with a NULL out-pointer");
    }
    let mut out: *mut c_char = std::ptr::null_mut();
    for f in [oc_parse_callback, oc_await_callback] {
        assert_eq!(unsafe { f(std::ptr::null(), &mut out) }, INVALID);
        let _ = unsafe { take(out) };
        assert_eq!(
            unsafe { f(request.as_ptr(), std::ptr::null_mut()) },
            INVALID
        );
    }
    let mut made: *mut oc_client = std::ptr::dangling_mut();
    let mut error: *mut c_char = std::ptr::dangling_mut();
    let status = unsafe { oc_client_new(std::ptr::null(), &mut made, &mut error) };
    assert_eq!(status, INVALID);
    assert!(made.is_null());
    let _ = unsafe { take(error) };
    let status = unsafe { oc_client_new(c"{}".as_ptr(), std::ptr::null_mut(), &mut error) };
    assert_eq!(status, INVALID);
    unsafe {
        oc_client_free(std::ptr::null_mut());
        oc_string_free(std::ptr::null_mut());
    }
}

#[test]
fn bad_configurations_are_refused_by_oc_client_new() {
    let huge = "x".repeat(10 * 1024 * 1024);
    let cases: Vec<(Value, oc_status, &str)> = vec![
        (json!({"baseUrl": 1}), INVALID, "/baseUrl"),
        (
            json!({"userSecret": true, "organizationSecret": "o"}),
            INVALID,
            "/userSecret",
        ),
        (json!({"timeoutMs": "1"}), INVALID, "/timeoutMs"),
        (
            json!({"connectTimeoutMs": []}),
            INVALID,
            "/connectTimeoutMs",
        ),
        (json!({"maxRetries": {}}), INVALID, "/maxRetries"),
        (
            json!({"maxResponseBytes": "1"}),
            INVALID,
            "/maxResponseBytes",
        ),
        (json!({"userAgent": 1}), INVALID, "/userAgent"),
        (json!({"proxy": 1}), INVALID, "/proxy"),
        (
            json!({"caCertificatesPemFile": 1}),
            INVALID,
            "/caCertificatesPemFile",
        ),
        (
            json!({"allowInsecureHttp": "true"}),
            INVALID,
            "/allowInsecureHttp",
        ),
        (
            json!({"userSecret": "u"}),
            VALIDATION,
            "/organizationSecret",
        ),
        (
            json!({"userSecret": "u", "organizationSecret": ""}),
            VALIDATION,
            "/organizationSecret",
        ),
        (
            json!({"userSecret": "u\r\nX: y", "organizationSecret": "o"}),
            VALIDATION,
            "/userSecret",
        ),
        (
            json!({"userSecret": "u", "organizationSecret": huge}),
            VALIDATION,
            "/organizationSecret",
        ),
        (json!({"userAgent": "ua\n"}), VALIDATION, "/userAgent"),
        (
            json!({"baseUrl": "http://api.example/x"}),
            VALIDATION,
            "/baseUrl",
        ),
        (
            json!({"baseUrl": "https://ho\r\nst/x"}),
            VALIDATION,
            "/baseUrl",
        ),
        (json!({"timeoutMs": 0}), VALIDATION, "/timeoutMs"),
        (
            json!({"caCertificatesPemFile": "/nonexistent/roots.pem"}),
            VALIDATION,
            "/caCertificatesPemFile",
        ),
        (
            json!({"caCertificatesPemFile": "/dev/zero"}),
            VALIDATION,
            "/caCertificatesPemFile",
        ),
        (
            json!({"caCertificatesPemFile": "/tmp"}),
            VALIDATION,
            "/caCertificatesPemFile",
        ),
        // 0.2: a base URL with user information, a query or a fragment misroutes every call.
        (
            json!({"baseUrl": "https://user:pw@api.example/x"}),
            VALIDATION,
            "/baseUrl",
        ),
        (
            json!({"baseUrl": "https://api.example/x?y=1"}),
            VALIDATION,
            "/baseUrl",
        ),
        (
            json!({"baseUrl": "https://api.example/x#y"}),
            VALIDATION,
            "/baseUrl",
        ),
        // Only IP literals and localhost itself are loopback: a *.localhost name goes to the
        // system resolver, so plain http to it is refused.
        (
            json!({"baseUrl": "http://api.localhost:8080/x"}),
            VALIDATION,
            "/baseUrl",
        ),
        (
            json!({"baseUrl": "http://127.0.0.1.nip.io/x"}),
            VALIDATION,
            "/baseUrl",
        ),
        (json!({"deadlineMs": 0}), VALIDATION, "/deadlineMs"),
        (json!({"deadlineMs": "1"}), INVALID, "/deadlineMs"),
        (
            json!({"proxy": "socks5://127.0.0.1:1"}),
            VALIDATION,
            "/proxy",
        ),
    ];
    for (config, status, pointer) in cases {
        let text = CString::new(config.to_string()).unwrap();
        let mut client: *mut oc_client = std::ptr::dangling_mut();
        let mut error = std::ptr::null_mut();
        let got = unsafe { oc_client_new(text.as_ptr(), &mut client, &mut error) };
        assert!(client.is_null());
        let doc = parse_output(got, unsafe { take(error) });
        assert_eq!(got, status, "{doc}");
        let named = names(&doc, "invalid").iter().any(|p| p == pointer)
            || names(&doc, "missing").iter().any(|p| p == pointer);
        assert!(named, "{pointer} not named in {doc}");
        assert!(!doc.to_string().contains("X: y"));
    }
    let twice = c"{\"userSecret\":\"u\",\"organizationSecret\":\"o\",\"userSecret\":\"v\"}";
    let mut error = std::ptr::null_mut();
    let mut client = std::ptr::null_mut();
    let got = unsafe { oc_client_new(twice.as_ptr(), &mut client, &mut error) };
    let doc = parse_output(got, unsafe { take(error) });
    assert_eq!(got, INVALID, "{doc}");
    assert_eq!(names(&doc, "invalid"), ["/userSecret"]);
    let deep = "[".repeat(100_000);
    let text = CString::new(deep).unwrap();
    let mut client = std::ptr::null_mut();
    let got = unsafe { oc_client_new(text.as_ptr(), &mut client, std::ptr::null_mut()) };
    assert_eq!(got, INVALID);
    let text = CString::new(&b"{\"userAgent\": \"\xc3\x28\"}"[..]).unwrap();
    let got = unsafe { oc_client_new(text.as_ptr(), &mut client, std::ptr::null_mut()) };
    assert_eq!(got, INVALID);
}
