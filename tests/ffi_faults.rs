//! Faults through the C ABI against the emulator's fault injection: every fault kind for every
//! operation, retries, timeouts, outcome-unknown, a client that keeps working; unreachable
//! servers; idle connections; a stress run on one client from 8 threads with faults armed; and
//! a search of every output and of the emulator's logs for the secrets used.

mod common;

use common::*;
use openconnectors::ffi::*;
use openconnectors::oc_status;
use openconnectors_emulator::{Emulator, Options};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const TIMEOUT_MS: u64 = 400;

fn emulator(keep_alive: Duration) -> Emulator {
    Emulator::start(Options {
        user_secret: USER.into(),
        organization_secret: ORG.into(),
        keep_alive,
        ..Options::default()
    })
    .unwrap()
}

/// Runs an operation on a client.
type Run = Box<dyn Fn(&FfiClient) -> (oc_status, Value)>;

/// One operation under test: its HTTP method and path prefix (for arming faults), and a run.
struct Case {
    name: &'static str,
    method: &'static str,
    prefix: String,
    run: Run,
}

impl Case {
    fn idempotent(&self) -> bool {
        matches!(self.method, "GET" | "DELETE")
    }
}

fn cases(client: &FfiClient) -> Vec<Case> {
    let (id, token) = create(client, "fault target");
    let instance = format!("/elements/api-v2/instances/{id}");
    vec![
        Case {
            name: "oc_oauth_url",
            method: "GET",
            prefix: "/elements/api-v2/elements/".into(),
            run: Box::new(|c| {
                c.call(
                    oc_oauth_url,
                    &json!({"element": "infusionsoftecommerce", "apiKey": API_KEY,
                            "apiSecret": API_SECRET, "callbackUrl": CALLBACK}),
                )
            }),
        },
        Case {
            name: "oc_create_instance",
            method: "POST",
            prefix: "/elements/api-v2/instances".into(),
            // The code is fetched before the fault is armed (see `run_case`).
            run: Box::new(|c| {
                let code = CODE.with(|k| k.borrow().clone());
                c.call(oc_create_instance, &instance_doc(&code, "faulted"))
            }),
        },
        Case {
            name: "oc_get_instance",
            method: "GET",
            prefix: instance.clone(),
            run: Box::new(move |c| c.call(oc_get_instance, &json!({"id": id}))),
        },
        Case {
            name: "oc_list_instances",
            method: "GET",
            prefix: "/elements/api-v2/instances".into(),
            run: Box::new(|c| c.call(oc_list_instances, &json!({"tags": ["ffi"]}))),
        },
        Case {
            name: "oc_update_instance (PUT)",
            method: "PUT",
            prefix: instance.clone(),
            run: Box::new(move |c| {
                c.call(
                    oc_update_instance,
                    &json!({"id": id, "instance": {"name": "put"}}),
                )
            }),
        },
        Case {
            name: "oc_update_instance (PATCH)",
            method: "PATCH",
            prefix: instance.clone(),
            run: Box::new(move |c| {
                c.call(
                    oc_update_instance,
                    &json!({"id": id, "instance": {"name": "patch"}, "partial": true}),
                )
            }),
        },
        Case {
            name: "oc_request (GET)",
            method: "GET",
            prefix: "/elements/api-v2/hubs/".into(),
            run: Box::new({
                let token = token.clone();
                move |c| {
                    c.call(
                        oc_request,
                        &json!({"method": "GET", "path": "/hubs/ecommerce/orders", "elementToken": token}),
                    )
                }
            }),
        },
        Case {
            name: "oc_request (POST)",
            method: "POST",
            prefix: "/elements/api-v2/hubs/".into(),
            run: Box::new(move |c| {
                c.call(
                    oc_request,
                    &json!({"method": "POST", "path": "/hubs/ecommerce/orders",
                            "body": {"total": "1.00"}, "elementToken": token}),
                )
            }),
        },
        Case {
            name: "oc_delete_instance",
            method: "DELETE",
            prefix: "/elements/api-v2/instances/".into(),
            // Deletes a fresh instance each time (see `run_case`).
            run: Box::new(|c| {
                let id = VICTIM.with(|v| v.get());
                c.call(oc_delete_instance, &json!({"id": id}))
            }),
        },
    ]
}

thread_local! {
    static CODE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    static VICTIM: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// What a fault should come to for an operation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Ok,
    Status(oc_status),
}

fn attempts(emu: &Emulator, method: &str, prefix: &str, since: usize) -> usize {
    journal(emu)[since..]
        .iter()
        .filter(|r| r["method"] == method && r["path"].as_str().unwrap().starts_with(prefix))
        .count()
}

fn run_case(
    emu: &Emulator,
    client: &FfiClient,
    case: &Case,
    fault_spec: Value,
    expect: Expect,
) -> Duration {
    if case.method == "POST" && case.name == "oc_create_instance" {
        let code = authorize(client);
        CODE.with(|k| *k.borrow_mut() = code);
    }
    if case.method == "DELETE" {
        VICTIM.with(|v| v.set(create(client, "victim").0));
    }
    let before = journal(emu).len();
    let mut spec = fault_spec.clone();
    spec["method"] = json!(case.method);
    spec["pathPrefix"] = json!(case.prefix);
    fault(emu, spec);
    let started = Instant::now();
    let (status, doc) = (case.run)(client);
    let elapsed = started.elapsed();
    hook(emu, "DELETE", "/__emulator/faults", None);
    let got = if status == oc_status::OC_OK {
        Expect::Ok
    } else {
        Expect::Status(status)
    };
    assert_eq!(got, expect, "{} with {fault_spec}: {doc}", case.name);
    let tries = attempts(emu, case.method, &case.prefix, before);
    if !case.idempotent() {
        assert_eq!(
            tries, 1,
            "{} with {fault_spec} must not be retried",
            case.name
        );
    }
    let (status, doc) = client.call(oc_list_instances, &json!({}));
    assert_eq!(
        status,
        oc_status::OC_OK,
        "the client works after {} with {fault_spec}: {doc}",
        case.name
    );
    elapsed
}

#[test]
fn every_fault_for_every_operation() {
    let emu = emulator(Duration::from_secs(60));
    let client = FfiClient::for_emulator(
        &emu,
        json!({"timeoutMs": TIMEOUT_MS, "maxResponseBytes": 1024 * 1024}),
    );
    let mut checked = 0;
    for case in cases(&client) {
        let idem = case.idempotent();
        for status in [429u16, 500, 502, 503, 504] {
            let retried = idem && status != 500;
            let expect = if retried {
                Expect::Ok
            } else {
                Expect::Status(oc_status::OC_ERR_API)
            };
            run_case(
                &emu,
                &client,
                &case,
                json!({"count": 1, "status": status}),
                expect,
            );
            checked += 1;
        }
        let expect = if idem {
            Expect::Ok
        } else {
            Expect::Status(oc_status::OC_ERR_API)
        };
        let took = run_case(
            &emu,
            &client,
            &case,
            json!({"count": 1, "status": 503, "retryAfter": 1}),
            expect,
        );
        assert_eq!(
            took >= Duration::from_millis(950),
            idem,
            "{}: Retry-After honoured only when retried",
            case.name
        );

        let late = if idem {
            oc_status::OC_ERR_TIMEOUT
        } else {
            oc_status::OC_ERR_OUTCOME_UNKNOWN
        };
        let took = run_case(
            &emu,
            &client,
            &case,
            json!({"count": 1, "delayMs": 4000}),
            Expect::Status(late),
        );
        assert!(
            // Well under the 4 s delay: the timeout ended it (the margin absorbs a loaded
            // machine; the exact figures are the benchmark's business).
            took < Duration::from_millis(TIMEOUT_MS + 2000),
            "{} outlived its {TIMEOUT_MS} ms timeout: {took:?}",
            case.name
        );

        let lost = if idem {
            Expect::Ok
        } else {
            Expect::Status(oc_status::OC_ERR_OUTCOME_UNKNOWN)
        };
        run_case(
            &emu,
            &client,
            &case,
            json!({"count": 1, "drop": "before_response"}),
            lost,
        );
        run_case(
            &emu,
            &client,
            &case,
            json!({"count": 1, "truncate": true}),
            lost,
        );

        let html = match case.name {
            "oc_delete_instance" | "oc_request (GET)" | "oc_request (POST)" => Expect::Ok,
            _ => Expect::Status(oc_status::OC_ERR_DECODE),
        };
        run_case(
            &emu,
            &client,
            &case,
            json!({"count": 1, "nonJson": true}),
            html,
        );
        run_case(
            &emu,
            &client,
            &case,
            json!({"count": 1, "oversizedMb": 20}),
            Expect::Status(oc_status::OC_ERR_DECODE),
        );
        checked += 6;
    }
    eprintln!("{checked} fault cases checked");
}

#[test]
fn retries_stop_at_max_retries() {
    let emu = emulator(Duration::from_secs(60));
    let client = FfiClient::for_emulator(&emu, json!({"maxRetries": 1}));
    let before = journal(&emu).len();
    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": "/elements/api-v2/instances", "count": 5, "status": 503}),
    );
    let (status, doc) = client.call(oc_list_instances, &json!({}));
    assert_eq!(status, oc_status::OC_ERR_API);
    assert_eq!(doc["error"]["status"], 503);
    assert_eq!(
        attempts(&emu, "GET", "/elements/api-v2/instances", before),
        2
    );
}

#[test]
fn servers_that_are_not_there_are_quick_transport_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for base in [
        format!("http://127.0.0.1:{port}/elements/api-v2"),
        "http://nonexistent.invalid/elements/api-v2".to_owned(),
    ] {
        let client = FfiClient::new(&json!({"baseUrl": base, "userSecret": USER,
            "organizationSecret": ORG, "allowInsecureHttp": true}));
        for (name, op, request) in [
            ("oc_get_instance", oc_get_instance as Op, json!({"id": 1})),
            (
                "oc_create_instance",
                oc_create_instance as Op,
                instance_doc("c", "n"),
            ),
        ] {
            let started = Instant::now();
            let (status, doc) = client.call(op, &request);
            assert_eq!(
                status,
                oc_status::OC_ERR_TRANSPORT,
                "{name} to {base}: {doc}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{name} to {base}: {:?}",
                started.elapsed()
            );
        }
    }
}

#[test]
fn connections_closed_while_idle_never_fail_a_call() {
    let emu = emulator(Duration::from_millis(100));
    let client = FfiClient::for_emulator(&emu, json!({}));
    for round in 0..6 {
        let code = authorize(&client);
        std::thread::sleep(Duration::from_millis(220));
        let (status, doc) = client.call(oc_create_instance, &instance_doc(&code, "idle"));
        assert_eq!(status, oc_status::OC_OK, "round {round}: {doc}");
        std::thread::sleep(Duration::from_millis(220));
        let (status, doc) = client.call(oc_get_instance, &json!({"id": doc["id"]}));
        assert_eq!(status, oc_status::OC_OK, "round {round}: {doc}");
    }
}

#[test]
fn eight_threads_share_one_client_under_faults() {
    let emu = emulator(Duration::from_secs(60));
    let client = FfiClient::for_emulator(&emu, json!({}));
    let (id, token) = create(&client, "stress");
    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": "/elements/api-v2/hubs/", "count": 150, "status": 503}),
    );
    fault(
        &emu,
        json!({"method": "GET", "pathPrefix": "/elements/api-v2/instances/", "count": 100, "drop": "before_response"}),
    );
    fault(
        &emu,
        json!({"method": "POST", "pathPrefix": "/elements/api-v2/hubs/", "count": 100, "status": 500}),
    );
    let calls = 1000;
    std::thread::scope(|s| {
        for t in 0..8u64 {
            let (client, token) = (&client, token.clone());
            s.spawn(move || {
                for i in 0..calls {
                    match (i + t) % 6 {
                        0 => {
                            let (status, doc) = client.call(oc_get_instance, &json!({"id": id}));
                            assert!(
                                status == oc_status::OC_OK && doc["id"] == id
                                    || status == oc_status::OC_ERR_TRANSPORT,
                                "{doc}"
                            );
                        }
                        1 => {
                            let (status, doc) = client.call(
                                oc_request,
                                &json!({"method": "GET", "path": "/hubs/ecommerce/orders",
                                        "query": {"pageSize": 2}, "elementToken": token}),
                            );
                            match status {
                                oc_status::OC_OK => assert_eq!(doc["body"].as_array().unwrap().len(), 2),
                                oc_status::OC_ERR_API => assert_eq!(doc["error"]["status"], 503),
                                other => panic!("{other:?}: {doc}"),
                            }
                        }
                        2 => {
                            let (status, doc) = client.call(
                                oc_request,
                                &json!({"method": "POST", "path": "/hubs/ecommerce/orders",
                                        "body": {"total": format!("{t}.{i}")}, "elementToken": token}),
                            );
                            match status {
                                oc_status::OC_OK => assert_eq!(doc["body"]["total"], format!("{t}.{i}")),
                                oc_status::OC_ERR_API => assert_eq!(doc["error"]["status"], 500),
                                other => panic!("{other:?}: {doc}"),
                            }
                        }
                        3 => {
                            let state = format!("s{t}-{i}");
                            let (status, doc) = parse_callback(&json!({
                                "url": format!("{CALLBACK}?code=c{i}&state={state}"), "expectedState": state}));
                            assert_eq!((status, doc["code"].as_str()), (oc_status::OC_OK, Some(format!("c{i}").as_str())));
                        }
                        4 => {
                            let (status, doc) = client.call(oc_list_instances, &json!({"searchText": "stress"}));
                            assert_eq!(status, oc_status::OC_OK, "{doc}");
                            assert_eq!(doc["instances"][0]["id"], id);
                        }
                        _ => {
                            let (status, doc) = client.call(oc_get_instance, &json!({"id": "x"}));
                            assert_eq!(status, oc_status::OC_ERR_INVALID_ARGUMENT, "{doc}");
                        }
                    }
                }
            });
        }
    });
}

/// The emulator binary of this workspace (built by `cargo build --workspace`).
fn emulator_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf();
    let bin = dir.join("openconnectors-emulator");
    if !bin.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "openconnectors-emulator"])
            .status()
            .unwrap();
        assert!(status.success());
    }
    bin
}

#[test]
fn no_secret_in_any_output_or_log() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let mut child = Command::new(emulator_binary())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--user-secret",
            USER,
            "--organization-secret",
            ORG,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let root = base.trim_end_matches("/elements/api-v2").to_owned();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent();
    let arm = |spec: Value| {
        agent
            .post(format!("{root}/__emulator/faults"))
            .header("content-type", "application/json")
            .send(spec.to_string())
            .unwrap();
    };

    let client = FfiClient::new(
        &json!({"baseUrl": base, "userSecret": USER, "organizationSecret": ORG, "timeoutMs": 300}),
    );
    let wrong = FfiClient::new(
        &json!({"baseUrl": base, "userSecret": "wrong-user-secret-4e4e", "organizationSecret": ORG}),
    );
    let mut outputs: Vec<String> = Vec::new();
    let mut secrets: Vec<String> = vec![
        USER.into(),
        ORG.into(),
        API_SECRET.into(),
        "wrong-user-secret-4e4e".into(),
    ];
    let keep = |(status, doc): (oc_status, Value), outputs: &mut Vec<String>| {
        outputs.push(doc.to_string());
        (status, doc)
    };

    let code = authorize(&client);
    secrets.push(code.clone());
    let (_, inst) = client.call(oc_create_instance, &instance_doc(&code, "secrets"));
    let token = inst["token"].as_str().unwrap().to_owned();
    secrets.push(token.clone());
    let id = inst["id"].clone();
    keep(
        client.call(oc_create_instance, &instance_doc(&code, "reused code")),
        &mut outputs,
    );
    keep(
        client.call(
            oc_create_instance,
            &instance_doc("unknown-code-0a0a0a", "bad code"),
        ),
        &mut outputs,
    );
    secrets.push("unknown-code-0a0a0a".into());
    let mut no_key = instance_doc(&code, "missing key");
    no_key["configuration"]
        .as_object_mut()
        .unwrap()
        .remove("oauth.api.key");
    keep(client.call(oc_create_instance, &no_key), &mut outputs);
    keep(
        wrong.call(oc_get_instance, &json!({"id": id})),
        &mut outputs,
    );
    keep(wrong.call(oc_oauth_url, &json!({"element": "infusionsoftecommerce", "apiKey": API_KEY, "apiSecret": API_SECRET, "callbackUrl": CALLBACK})), &mut outputs);
    keep(client.call(oc_oauth_url, &json!({"element": "nope", "apiKey": API_KEY, "apiSecret": API_SECRET, "callbackUrl": CALLBACK})), &mut outputs);
    keep(client.call(oc_oauth_url, &json!({"element": "infusionsoftecommerce", "apiKey": API_KEY, "apiSecret": format!("{API_SECRET}\r\n"), "callbackUrl": CALLBACK})), &mut outputs);
    keep(
        client.call(
            oc_request,
            &json!({"method": "GET", "path": "/hubs/ecommerce/orders", "elementToken": token}),
        ),
        &mut outputs,
    );
    keep(client.call(oc_request, &json!({"method": "GET", "path": "/hubs/ecommerce/orders", "elementToken": "bad-token-1b1b1b"})), &mut outputs);
    secrets.push("bad-token-1b1b1b".into());
    keep(client.call(oc_request, &json!({"method": "GET", "path": "/hubs/ecommerce/orders", "elementToken": format!("{token}\n")})), &mut outputs);
    // Instance documents the platform returned (here in a list) may hold the token.
    assert_eq!(
        client.call(oc_list_instances, &json!({})).0,
        oc_status::OC_OK
    );
    keep(
        client.call(
            oc_update_instance,
            &json!({"id": id, "instance": {"providerData": {"code": "stale-code-2c2c2c"}}}),
        ),
        &mut outputs,
    );
    secrets.push("stale-code-2c2c2c".into());
    keep(
        parse_callback(
            &json!({"url": format!("{CALLBACK}?code={code}&state=other"), "expectedState": "mine"}),
        ),
        &mut outputs,
    );
    keep(
        parse_callback(
            &json!({"url": format!("{CALLBACK}?error=access_denied&code={code}&state=s"), "expectedState": "s"}),
        ),
        &mut outputs,
    );
    keep(
        parse_callback(&json!({"url": format!("{CALLBACK}?code={code}&code={code}")})),
        &mut outputs,
    );
    arm(
        json!({"method": "POST", "pathPrefix": "/elements/api-v2/instances", "count": 1, "drop": "before_response"}),
    );
    let code2 = authorize(&client);
    secrets.push(code2.clone());
    keep(
        client.call(oc_create_instance, &instance_doc(&code2, "dropped")),
        &mut outputs,
    );
    arm(json!({"method": "*", "pathPrefix": "/elements/api-v2", "count": 3, "delayMs": 1000}));
    keep(client.call(oc_oauth_url, &json!({"element": "infusionsoftecommerce", "apiKey": API_KEY, "apiSecret": API_SECRET, "callbackUrl": CALLBACK})), &mut outputs);
    arm(json!({"method": "*", "pathPrefix": "/elements/api-v2", "count": 1, "status": 502}));
    keep(
        client.call(oc_delete_instance, &json!({"id": id})),
        &mut outputs,
    );
    keep(
        client.call(oc_delete_instance, &json!({"id": id})),
        &mut outputs,
    );
    let mut made = std::ptr::null_mut();
    let mut error = std::ptr::null_mut();
    let config = std::ffi::CString::new(
        json!({"userSecret": USER, "organizationSecret": format!("{ORG}\r\n")}).to_string(),
    )
    .unwrap();
    unsafe { oc_client_new(config.as_ptr(), &mut made, &mut error) };
    outputs.push(unsafe { take(error) });

    let _ = child.kill();
    let _ = child.wait();
    let mut rest = String::new();
    let _ = stdout.read_to_string(&mut rest);
    outputs.push(first + &rest);
    let log = log.join().unwrap();
    assert!(
        log.lines().count() > 10,
        "the emulator logged its requests: {log}"
    );
    outputs.push(log);
    let mut hits = 0;
    for output in &outputs {
        for secret in &secrets {
            if output.contains(secret.as_str()) {
                hits += 1;
                eprintln!("secret found in: {output}");
            }
        }
    }
    assert_eq!(hits, 0);
    eprintln!(
        "{} outputs searched for {} secrets: 0 hits",
        outputs.len(),
        secrets.len()
    );
}
