//! Step 3 (`POST /instances`) and the instance lifecycle.

mod common;

use common::{create_body, start, start_with, Env, API_KEY, AUTH, CALLBACK};
use openconnectors_emulator::Options;
use serde_json::{json, Value};
use std::time::Duration;

const MISSING_CODE: &str =
    "You must provide an OAuth code in order to create an instance of this element";

fn post_instances(env: &Env, body: &Value) -> common::Answer {
    env.api("POST", "/instances", Some(AUTH), Some(body))
}

#[test]
fn create_answers_the_full_instance_document_with_secrets_masked() {
    let env = start();
    let mut body = create_body(
        "infusionsoftecommerce",
        &env.code(),
        &["t1", "t2"],
        "My shop",
    );
    body["configuration"]["password"] = json!("hunter2");
    body["configuration"]["event.notification.enabled"] = json!(true);
    let answer = post_instances(&env, &body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(!answer.body.contains(common::API_SECRET) && !answer.body.contains("hunter2"));
    let doc = answer.json();
    assert!(doc["id"].is_u64(), "{doc}");
    assert_eq!(doc["name"], "My shop");
    let token = doc["token"].as_str().expect("token");
    assert!(
        token.len() >= 32 && token.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{token}"
    );
    let element = &doc["element"];
    assert!(element["id"].is_u64());
    assert_eq!(element["key"], "infusionsoftecommerce");
    assert_eq!(element["hub"], "ecommerce");
    assert!(element["name"].is_string());
    assert_eq!(element["authentication"]["type"], "oauth2");
    assert_eq!(doc["elementId"], element["id"]);
    assert_eq!(doc["tags"], json!(["t1", "t2"]));
    assert_eq!(doc["provisionInteractions"], json!([]));
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["disabled"], false);
    assert!(doc["maxCacheSize"].is_number() && doc["cacheTimeToLive"].is_number());
    for flag in ["eventsEnabled", "traceLoggingEnabled", "cachingEnabled"] {
        assert!(doc[flag].is_boolean(), "{flag}");
    }
    assert_eq!(doc["externalAuthentication"], "none");
    assert!(
        doc["createdDate"]
            .as_str()
            .is_some_and(|d| d.len() == 20 && d.ends_with('Z')),
        "{doc}"
    );
    assert!(doc["user"].is_object());
    let configuration = &doc["configuration"];
    assert_eq!(configuration["oauth.api.key"], "********");
    assert_eq!(configuration["oauth.api.secret"], "********");
    assert_eq!(configuration["password"], "********");
    assert_eq!(configuration["oauth.callback.url"], CALLBACK);
    assert_eq!(configuration["event.notification.enabled"], true);
    // Each instance gets a fresh token and id.
    let other = env.create("infusionsoftecommerce", &[], "other");
    assert_ne!(other["token"], doc["token"]);
    assert_ne!(other["id"], doc["id"]);
}

#[test]
fn create_under_the_element_path_by_key_or_id() {
    let env = start();
    let mut body = create_body("infusionsoftrest", &env.code(), &[], "a");
    body.as_object_mut().expect("object").remove("element");
    let answer = env.api(
        "POST",
        "/elements/infusionsoftrest/instances",
        Some(AUTH),
        Some(&body),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let id = answer.json()["element"]["id"].as_u64().expect("element id");
    body["providerData"]["code"] = json!(env.code());
    let answer = env.api(
        "POST",
        &format!("/elements/{id}/instances"),
        Some(AUTH),
        Some(&body),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["element"]["key"], "infusionsoftrest");
    // The element may also be named by id in the body.
    let mut body = create_body("x", &env.code(), &[], "b");
    body["element"] = json!({"id": id});
    assert_eq!(
        post_instances(&env, &body).json()["element"]["key"],
        "infusionsoftrest"
    );
    env.api(
        "POST",
        "/elements/nosuch/instances",
        Some(AUTH),
        Some(&body),
    )
    .error_message(404);
    env.api(
        "GET",
        "/elements/infusionsoftrest/instances",
        Some(AUTH),
        None,
    )
    .error_message(405);
}

#[test]
fn create_checks_the_authorization_header() {
    let env = start();
    let body = create_body("infusionsoftecommerce", &env.code(), &[], "a");
    let secret = "user-secret";
    for bad in [
        None,
        Some("User wrong, Organization organization-secret"),
        Some("User user-secret"),
        Some("User user-secret, Organization organization-secret, User user-secret"),
        Some("Bearer user-secret"),
        Some("User user-secret, Organization"),
    ] {
        let answer = env.api("POST", "/instances", bad, Some(&body));
        answer.error_message(401);
        assert!(
            !answer.body.contains(secret) && !answer.body.contains("wrong"),
            "{}",
            answer.body
        );
    }
    // Pairs in any order, whitespace tolerated.
    let relaxed = "  Organization   organization-secret ,User user-secret ";
    assert_eq!(
        env.api("POST", "/instances", Some(relaxed), Some(&body))
            .status,
        200
    );
}

#[test]
fn create_checks_content_type_then_body() {
    let env = start();
    let url = format!("{}/instances", env.base());
    let body = create_body("infusionsoftecommerce", &env.code(), &[], "a").to_string();
    let auth = ("Authorization", AUTH);
    env.call(
        "POST",
        &url,
        &[auth, ("Content-Type", "text/plain")],
        Some(&body),
    )
    .error_message(415);
    env.call("POST", &url, &[auth], Some(&body))
        .error_message(415);
    // 401 comes before 415.
    env.call("POST", &url, &[("Content-Type", "text/plain")], Some(&body))
        .error_message(401);
    let json = ("Content-Type", "application/json");
    env.call("POST", &url, &[auth, json], Some("{\"element\":"))
        .error_message(400);
    env.call("POST", &url, &[auth, json], Some("[1, 2]"))
        .error_message(400);
    for (member, value) in [
        ("tags", json!("a")),
        ("tags", json!([1])),
        ("name", json!(3)),
        ("configuration", json!([])),
        ("configuration", json!({"x": {"nested": 1}})),
        ("providerData", json!("c")),
        ("externalAuthentication", json!("sometimes")),
    ] {
        let mut wrong = create_body("infusionsoftecommerce", "c", &[], "a");
        wrong[member] = value;
        post_instances(&env, &wrong).error_message(400);
    }
    let charset = ("Content-Type", "application/json; charset=utf-8");
    let answer = env.call("POST", &url, &[auth, charset], Some(&body));
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[test]
fn create_checks_element_then_code_presence_then_configuration_then_code() {
    let env = start();
    post_instances(&env, &json!({"providerData": {"code": "c"}})).error_message(400);
    let unknown = post_instances(&env, &json!({"element": {"key": "nosuch"}})).error_message(404);
    assert!(unknown.contains("nosuch"), "{unknown}");
    let message = post_instances(&env, &json!({"element": {"key": "infusionsoftecommerce"}}))
        .error_message(400);
    assert_eq!(message, MISSING_CODE);
    let body =
        json!({"element": {"key": "infusionsoftecommerce"}, "providerData": {"code": "bogus"}});
    let message = post_instances(&env, &body).error_message(400);
    for entry in ["oauth.api.key", "oauth.api.secret", "oauth.callback.url"] {
        assert!(message.contains(entry), "{message}");
    }
    let body = json!({
        "element": {"key": "infusionsoftcrm"},
        "providerData": {"code": "bogus"},
        "configuration": {"oauth.api.key": "k", "oauth.api.secret": ""},
    });
    let message = post_instances(&env, &body).error_message(400);
    for entry in [
        "oauth.api.secret",
        "oauth.callback.url",
        "infusionsoft.server",
        "infusionsoft.private.key",
    ] {
        assert!(message.contains(entry), "{message}");
    }
    assert!(!message.contains("oauth.api.key"), "{message}");
    let mut body = create_body("infusionsoftmarketing", "bogus", &[], "a");
    body["configuration"]
        .as_object_mut()
        .expect("object")
        .remove("infusionsoft.server");
    assert!(post_instances(&env, &body)
        .error_message(400)
        .contains("infusionsoft.server"));
    // With everything present, the code itself is checked last.
    let body = create_body("infusionsoftmarketing", "bogus", &[], "a");
    let message = post_instances(&env, &body).error_message(400);
    assert!(message.contains("code"), "{message}");
}

#[test]
fn external_authentication_initial_needs_no_code() {
    let env = start();
    let mut body = create_body("infusionsoftecommerce", "", &[], "a");
    body.as_object_mut().expect("object").remove("providerData");
    body["externalAuthentication"] = json!("initial");
    let answer = post_instances(&env, &body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["externalAuthentication"], "none");
}

#[test]
fn codes_are_single_use() {
    let env = start();
    let body = create_body("infusionsoftecommerce", &env.code(), &[], "a");
    assert_eq!(post_instances(&env, &body).status, 200);
    let message = post_instances(&env, &body).error_message(400);
    assert!(message.contains("used"), "{message}");
    let body = create_body("infusionsoftecommerce", "never-issued", &[], "a");
    post_instances(&env, &body).error_message(400);
}

#[test]
fn codes_expire() {
    let env = start_with(Options {
        code_ttl: Duration::from_millis(100),
        ..Options::default()
    });
    let fresh = create_body("infusionsoftecommerce", &env.code(), &[], "a");
    let stale = create_body("infusionsoftecommerce", &env.code(), &[], "b");
    assert_eq!(post_instances(&env, &fresh).status, 200);
    std::thread::sleep(Duration::from_millis(150));
    let message = post_instances(&env, &stale).error_message(400);
    assert!(message.contains("expired"), "{message}");
}

#[test]
fn codes_are_bound_to_client_and_redirect() {
    let env = start();
    let code = env.code();
    let mut body = create_body("infusionsoftecommerce", &code, &[], "a");
    body["configuration"]["oauth.api.key"] = json!("another-client");
    assert!(post_instances(&env, &body)
        .error_message(400)
        .contains("oauth.api.key"));
    let mut body = create_body("infusionsoftecommerce", &code, &[], "a");
    body["configuration"]["oauth.callback.url"] = json!("http://localhost:8765/other");
    assert!(post_instances(&env, &body)
        .error_message(400)
        .contains("oauth.callback.url"));
    // A code refused for the wrong client is still good for its own.
    let body = create_body("infusionsoftecommerce", &code, &[], "a");
    assert_eq!(post_instances(&env, &body).status, 200);
}

#[test]
fn instance_routes_need_the_secrets_and_known_ids() {
    let env = start();
    let id = env.create("infusionsoftecommerce", &[], "a")["id"]
        .as_u64()
        .expect("id");
    for (method, path) in [
        ("GET", "/instances".to_string()),
        ("GET", format!("/instances/{id}")),
        ("PUT", format!("/instances/{id}")),
        ("PATCH", format!("/instances/{id}")),
        ("DELETE", format!("/instances/{id}")),
        ("GET", format!("/instances/{id}/configuration")),
        ("PUT", format!("/instances/{id}/enabled")),
        ("DELETE", format!("/instances/{id}/enabled")),
    ] {
        let body = (method == "PUT" || method == "PATCH").then(|| json!({}));
        env.api(method, &path, None, body.as_ref())
            .error_message(401);
        if path != "/instances" {
            let unknown = path.replace(&id.to_string(), "1");
            env.api(method, &unknown, Some(AUTH), body.as_ref())
                .error_message(404);
        }
    }
    env.api("GET", "/instances/abc", Some(AUTH), None)
        .error_message(404);
    let wrong = env.api(
        "POST",
        &format!("/instances/{id}"),
        Some(AUTH),
        Some(&json!({})),
    );
    wrong.error_message(405);
    assert_eq!(wrong.header("Allow"), Some("GET, PUT, PATCH, DELETE"));
    assert_eq!(
        env.api("GET", &format!("/instances/{id}/enabled"), Some(AUTH), None)
            .header("Allow"),
        Some("PUT, DELETE")
    );
    env.api("GET", "/nowhere", Some(AUTH), None)
        .error_message(404);
}

#[test]
fn get_configuration_enable_disable_and_delete() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &[], "a");
    let id = doc["id"].as_u64().expect("id");
    let got = env.api("GET", &format!("/instances/{id}"), Some(AUTH), None);
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), doc);
    let configuration = env.api(
        "GET",
        &format!("/instances/{id}/configuration"),
        Some(AUTH),
        None,
    );
    // The configuration is a list of entries (see tests/configuration.rs).
    let entries = configuration.json();
    let secret = entries
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["key"] == "oauth.api.secret")
        .expect("the oauth.api.secret entry");
    assert_eq!(secret["propertyValue"], "********");
    let disabled = env.api(
        "DELETE",
        &format!("/instances/{id}/enabled"),
        Some(AUTH),
        None,
    );
    assert_eq!(disabled.status, 200);
    assert_eq!(disabled.json()["disabled"], true);
    let enabled = env.api("PUT", &format!("/instances/{id}/enabled"), Some(AUTH), None);
    assert_eq!(enabled.json()["disabled"], false);
    let deleted = env.api("DELETE", &format!("/instances/{id}"), Some(AUTH), None);
    assert_eq!((deleted.status, deleted.body.as_str()), (200, ""));
    env.api("GET", &format!("/instances/{id}"), Some(AUTH), None)
        .error_message(404);
}

#[test]
fn put_replaces_and_patch_merges() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &["a"], "first");
    let path = format!("/instances/{}", doc["id"]);
    let patch =
        json!({"name": "second", "configuration": {"extra": "1", "oauth.api.secret": null}});
    let patched = env.api("PATCH", &path, Some(AUTH), Some(&patch));
    assert_eq!(patched.status, 200, "{}", patched.body);
    let patched = patched.json();
    assert_eq!(patched["name"], "second");
    assert_eq!(patched["tags"], json!(["a"]));
    assert_eq!(patched["configuration"]["extra"], "1");
    assert_eq!(patched["configuration"]["oauth.api.key"], "********");
    assert!(
        patched["configuration"].get("oauth.api.secret").is_none(),
        "null removes an entry"
    );
    let put = json!({"tags": ["b", "c"], "configuration": {"only": "this"}});
    let replaced = env.api("PUT", &path, Some(AUTH), Some(&put)).json();
    assert_eq!(replaced["tags"], json!(["b", "c"]));
    assert_eq!(replaced["configuration"], json!({"only": "this"}));
    assert_eq!(replaced["id"], doc["id"]);
    assert_eq!(replaced["token"], doc["token"]);
    assert_eq!(env.api("GET", &path, Some(AUTH), None).json(), replaced);
    env.api("PATCH", &path, Some(AUTH), Some(&json!({"tags": "x"})))
        .error_message(400);
    let url = format!("{}{path}", env.base());
    env.call("PUT", &url, &[("Authorization", AUTH)], Some("{}"))
        .error_message(415);
    let json_type = ("Content-Type", "application/json");
    env.call(
        "PATCH",
        &url,
        &[("Authorization", AUTH), json_type],
        Some("nope"),
    )
    .error_message(400);
}

#[test]
fn a_new_code_reauthenticates_keeping_id_and_token() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &[], "a");
    let path = format!("/instances/{}", doc["id"]);
    let code = env.code();
    let patch = json!({"providerData": {"code": code}});
    let answer = env.api("PATCH", &path, Some(AUTH), Some(&patch));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        (answer.json()["id"].clone(), answer.json()["token"].clone()),
        (doc["id"].clone(), doc["token"].clone())
    );
    // The code was spent, and codes are checked like on create.
    assert!(env
        .api("PATCH", &path, Some(AUTH), Some(&patch))
        .error_message(400)
        .contains("used"));
    let put = create_body(
        "infusionsoftecommerce",
        &env.code_for("other-client", CALLBACK),
        &[],
        "a",
    );
    assert!(env
        .api("PUT", &path, Some(AUTH), Some(&put))
        .error_message(400)
        .contains("oauth.api.key"));
    let mut put = create_body(
        "infusionsoftecommerce",
        &env.code_for(API_KEY, CALLBACK),
        &[],
        "renamed",
    );
    put["configuration"]
        .as_object_mut()
        .expect("object")
        .remove("oauth.api.secret");
    assert!(env
        .api("PUT", &path, Some(AUTH), Some(&put))
        .error_message(400)
        .contains("oauth.api.secret"));
    let put = create_body("infusionsoftecommerce", &env.code(), &[], "renamed");
    let answer = env.api("PUT", &path, Some(AUTH), Some(&put));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["name"], "renamed");
    assert_eq!(answer.json()["token"], doc["token"]);
}

#[test]
fn list_filters_by_tags_and_search_text() {
    let env = start();
    let empty = env.api("GET", "/instances", Some(AUTH), None);
    assert_eq!((empty.status, empty.json()), (200, json!([])));
    let a = env.create("infusionsoftecommerce", &["shop", "eu"], "Alpha Store");
    let b = env.create("infusionsoftcrm", &["shop"], "Beta CRM");
    env.create("sfdc", &[], "gamma");
    let ids = |answer: common::Answer| -> Vec<Value> {
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer
            .json()
            .as_array()
            .expect("array")
            .iter()
            .map(|i| i["id"].clone())
            .collect()
    };
    let all = env.api("GET", "/instances", Some(AUTH), None);
    assert_eq!(all.header("Elements-Total-Count"), Some("3"));
    assert_eq!(all.header("Elements-Returned-Count"), Some("3"));
    assert_eq!(all.header("Elements-Next-Page-Token"), None);
    assert_eq!(ids(all).len(), 3);
    assert_eq!(
        ids(env.api("GET", "/instances?tags%5B%5D=shop", Some(AUTH), None)),
        [a["id"].clone(), b["id"].clone()]
    );
    assert_eq!(
        ids(env.api("GET", "/instances?tags[]=shop&tags[]=eu", Some(AUTH), None)),
        [a["id"].clone()]
    );
    assert_eq!(
        ids(env.api("GET", "/instances?searchText=beta+crm", Some(AUTH), None)),
        [b["id"].clone()]
    );
    assert_eq!(
        ids(env.api(
            "GET",
            "/instances?searchText=ALPHA&tags[]=eu",
            Some(AUTH),
            None
        )),
        [a["id"].clone()]
    );
    env.api("GET", "/instances?tags[]=none", Some(AUTH), None)
        .error_message(404);
    env.api("GET", "/instances?searchText=zzz", Some(AUTH), None)
        .error_message(404);
}

#[test]
fn list_pages_with_next_page_tokens() {
    let env = start();
    let created: Vec<Value> = (0..5)
        .map(|i| env.create("shopify", &[], &format!("s{i}"))["id"].clone())
        .collect();
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &next {
            Some(token) => format!("pageSize=2&nextPage={}", common::encode(token)),
            None => "pageSize=2".to_string(),
        };
        let answer = env.api("GET", &format!("/instances?{query}"), Some(AUTH), None);
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.header("Elements-Total-Count"), Some("5"));
        next = answer
            .header("Elements-Next-Page-Token")
            .map(str::to_string);
        let page = answer.json();
        assert_eq!(
            answer.header("Elements-Returned-Count"),
            Some(page.as_array().expect("array").len().to_string().as_str())
        );
        seen.extend(
            page.as_array()
                .expect("array")
                .iter()
                .map(|i| i["id"].clone()),
        );
        pages += 1;
        if next.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    env.api("GET", "/instances?pageSize=0", Some(AUTH), None)
        .error_message(400);
    env.api("GET", "/instances?pageSize=x", Some(AUTH), None)
        .error_message(400);
    env.api("GET", "/instances?nextPage=garbage", Some(AUTH), None)
        .error_message(400);
}

#[test]
fn an_instance_created_without_tags_is_tagged_with_its_name() {
    let env = start();
    let mut body = create_body("infusionsoftecommerce", &env.code(), &[], "Untagged Shop");
    body.as_object_mut().expect("object").remove("tags");
    let doc = env.create_from(body);
    assert_eq!(doc["tags"], json!(["Untagged Shop"]));
    let found = env.api(
        "GET",
        "/instances?tags%5B%5D=Untagged+Shop",
        Some(AUTH),
        None,
    );
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json()[0]["id"], doc["id"]);
    // Without a name either, the element key names and tags it.
    let mut body = create_body("infusionsoftrest", &env.code(), &[], "x");
    let object = body.as_object_mut().expect("object");
    object.remove("tags");
    object.remove("name");
    let doc = env.create_from(body);
    assert_eq!(
        (doc["name"].clone(), doc["tags"].clone()),
        (json!("infusionsoftrest"), json!(["infusionsoftrest"]))
    );
    // Tags given, even none, are kept.
    assert_eq!(env.create("sfdc", &[], "n")["tags"], json!([]));
    assert_eq!(env.create("sfdc", &["a"], "n")["tags"], json!(["a"]));
}

#[test]
fn names_and_tags_are_stored_without_markup() {
    let env = start();
    let linked = "<a href=\"https://evil.example\">Shop</a>";
    let doc = env.create(
        "infusionsoftecommerce",
        &[linked, "<b>eu</b>", "<i></i>"],
        linked,
    );
    assert_eq!(doc["name"], "Shop");
    assert_eq!(doc["tags"], json!(["Shop", "eu"]));
    let path = format!("/instances/{}", doc["id"]);
    let patch =
        json!({"name": "<script>alert(1)</script>Renamed <em>shop</em>", "tags": ["<u>t</u>"]});
    let patched = env.api("PATCH", &path, Some(AUTH), Some(&patch)).json();
    assert_eq!(patched["name"], "alert(1)Renamed shop");
    assert_eq!(patched["tags"], json!(["t"]));
    let put = json!({"name": "1 < 2 <br/>done"});
    let put = env.api("PUT", &path, Some(AUTH), Some(&put)).json();
    assert_eq!(put["name"], "1 < 2 done");
    assert_eq!(
        env.api("GET", &path, Some(AUTH), None).json()["name"],
        "1 < 2 done"
    );
}

#[test]
fn the_element_token_forms_act_on_the_tokens_instance() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &["a"], "mine");
    let other = env.create("infusionsoftecommerce", &["a"], "other");
    let auth = common::auth_of(&doc);
    let own = env.api("GET", "/instances", Some(&auth), None);
    assert_eq!((own.status, own.json()), (200, doc.clone()));
    let list = env.api("GET", "/instances", Some(AUTH), None);
    assert_eq!(
        list.json().as_array().map(Vec::len),
        Some(2),
        "no token: the list"
    );
    let patched = env.api(
        "PATCH",
        "/instances",
        Some(&auth),
        Some(&json!({"name": "renamed"})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(
        (patched.json()["name"].clone(), patched.json()["id"].clone()),
        (json!("renamed"), doc["id"].clone())
    );
    let put = env.api(
        "PUT",
        "/instances",
        Some(&auth),
        Some(&json!({"tags": ["b"]})),
    );
    assert_eq!(put.json()["tags"], json!(["b"]));
    let path = format!("/instances/{}", other["id"]);
    assert_eq!(
        env.api("GET", &path, Some(AUTH), None).json(),
        other,
        "the other is untouched"
    );
    for method in ["PUT", "PATCH", "DELETE"] {
        let body = (method != "DELETE").then(|| json!({}));
        env.api(method, "/instances", Some(AUTH), body.as_ref())
            .error_message(401);
    }
    let deleted = env.api("DELETE", "/instances", Some(&auth), None);
    assert_eq!((deleted.status, deleted.body.as_str()), (200, ""));
    env.api(
        "GET",
        &format!("/instances/{}", doc["id"]),
        Some(AUTH),
        None,
    )
    .error_message(404);
    env.api("GET", "/instances", Some(&auth), None)
        .error_message(401);
}

#[test]
fn the_element_scoped_forms_check_the_element() {
    let env = start();
    let doc = env.create("infusionsoftcrm", &[], "crm");
    let element_id = doc["element"]["id"].as_u64().expect("element id");
    let id = doc["id"].as_u64().expect("id");
    for element in ["infusionsoftcrm".to_string(), element_id.to_string()] {
        let path = format!("/elements/{element}/instances/{id}");
        let got = env.api("GET", &path, Some(AUTH), None);
        assert_eq!(
            (got.status, got.json()["id"].clone()),
            (200, json!(id)),
            "{path}"
        );
    }
    let path = format!("/elements/infusionsoftcrm/instances/{id}");
    let patched = env.api("PATCH", &path, Some(AUTH), Some(&json!({"name": "scoped"})));
    assert_eq!(patched.json()["name"], "scoped");
    let put = env.api("PUT", &path, Some(AUTH), Some(&json!({"tags": ["s"]})));
    assert_eq!(put.json()["tags"], json!(["s"]));
    let elsewhere = format!("/elements/infusionsoftrest/instances/{id}");
    for method in ["GET", "PUT", "PATCH", "DELETE"] {
        let body = (method == "PUT" || method == "PATCH").then(|| json!({}));
        env.api(method, &elsewhere, Some(AUTH), body.as_ref())
            .error_message(404);
    }
    env.api(
        "GET",
        &format!("/elements/nosuch/instances/{id}"),
        Some(AUTH),
        None,
    )
    .error_message(404);
    env.api(
        "GET",
        "/elements/infusionsoftcrm/instances/1",
        Some(AUTH),
        None,
    )
    .error_message(404);
    env.api("GET", &path, None, None).error_message(401);
    env.api("POST", &path, Some(AUTH), Some(&json!({})))
        .error_message(405);
    let deleted = env.api("DELETE", &path, Some(AUTH), None);
    assert_eq!(deleted.status, 200);
    env.api("GET", &path, Some(AUTH), None).error_message(404);
}

#[test]
fn an_element_answers_its_document() {
    let env = start();
    let by_key = env.api("GET", "/elements/infusionsoftmarketing", Some(AUTH), None);
    assert_eq!(by_key.status, 200, "{}", by_key.body);
    let element = by_key.json();
    assert_eq!(element["key"], "infusionsoftmarketing");
    assert_eq!(element["hub"], "marketing");
    assert!(element["name"].is_string());
    let id = element["id"].as_u64().expect("numeric id");
    let by_id = env.api("GET", &format!("/elements/{id}"), Some(AUTH), None);
    assert_eq!(by_id.json(), element);
    env.api("GET", "/elements/nosuch", Some(AUTH), None)
        .error_message(404);
    env.api("GET", "/elements/infusionsoftmarketing", None, None)
        .error_message(401);
    env.api(
        "DELETE",
        "/elements/infusionsoftmarketing",
        Some(AUTH),
        None,
    )
    .error_message(405);
}
