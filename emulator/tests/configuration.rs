//! An instance's configuration as a list of entries, and one entry read and changed, by id and
//! through the Element token.

mod common;

use common::{auth_of, create_body, start, Env, API_KEY, API_SECRET, AUTH, CALLBACK};
use serde_json::{json, Value};

fn entries(env: &Env, path: &str, auth: &str) -> Vec<Value> {
    let answer = env.api("GET", path, Some(auth), None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json().as_array().expect("an array").clone()
}

fn by_key<'a>(entries: &'a [Value], key: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["key"] == key)
        .unwrap_or_else(|| panic!("no entry {key} in {entries:?}"))
}

fn id_of(entries: &[Value], key: &str) -> u64 {
    by_key(entries, key)["id"].as_u64().expect("numeric id")
}

#[test]
fn the_list_has_every_entry_with_defaults_and_secrets_masked() {
    let env = start();
    let mut body = create_body("infusionsoftcrm", &env.code(), &[], "crm");
    body["configuration"]["password"] = json!("hunter2");
    body["configuration"]["event.notification.signature.key"] = json!("sign-key-789");
    body["configuration"]["custom.entry"] = json!(5);
    let doc = env.create_from(body);
    let path = format!("/instances/{}/configuration", doc["id"]);
    let answer = env.api("GET", &path, Some(AUTH), None);
    for secret in [
        API_KEY,
        API_SECRET,
        "hunter2",
        "sign-key-789",
        "private-key",
    ] {
        assert!(!answer.body.contains(secret), "{secret} leaked");
    }
    let list = entries(&env, &path, AUTH);
    let value = |key| by_key(&list, key)["propertyValue"].clone();
    assert_eq!(value("event.notification.enabled"), "false");
    assert_eq!(value("event.vendor.type"), "webhook");
    assert_eq!(value("event.notification.type"), "webhook");
    assert_eq!(value("event.notification.callback.url"), Value::Null);
    assert_eq!(value("event.poller.refresh_interval"), "15");
    assert_eq!(value("filter.response.nulls"), "true");
    assert_eq!(value("oauth.callback.url"), CALLBACK);
    assert_eq!(value("infusionsoft.server"), "https://api.infusionsoft.com");
    assert_eq!(value("custom.entry"), "5");
    for secret in [
        "oauth.api.key",
        "oauth.api.secret",
        "password",
        "event.notification.signature.key",
        "infusionsoft.private.key",
    ] {
        assert_eq!(value(secret), "********", "{secret}");
    }
    for required in [
        "oauth.api.key",
        "oauth.api.secret",
        "oauth.callback.url",
        "infusionsoft.server",
        "infusionsoft.private.key",
    ] {
        assert_eq!(by_key(&list, required)["required"], true, "{required}");
    }
    assert_eq!(by_key(&list, "filter.response.nulls")["required"], false);
    for entry in &list {
        assert!(entry["id"].is_u64(), "{entry}");
        assert!(entry["name"].is_string() && entry["description"].is_string());
        assert!(entry["type"].is_string(), "{entry}");
        assert!(entry["hideFromConsole"].is_boolean());
        assert_eq!(entry["active"], true);
    }
    let mut ids: Vec<u64> = list.iter().map(|e| e["id"].as_u64().expect("id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), list.len(), "ids are distinct");
}

#[test]
fn entry_ids_stay_the_same_across_reads_and_updates() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &[], "shop");
    let path = format!("/instances/{}", doc["id"]);
    let list_path = format!("{path}/configuration");
    let first = entries(&env, &list_path, AUTH);
    assert_eq!(entries(&env, &list_path, AUTH), first);
    let patch = json!({"configuration": {"extra": "1", "filter.response.nulls": "false"}});
    assert_eq!(
        env.api("PATCH", &path, Some(AUTH), Some(&patch)).status,
        200
    );
    let patched = entries(&env, &list_path, AUTH);
    for entry in &first {
        let key = entry["key"].as_str().expect("key");
        assert_eq!(id_of(&patched, key), id_of(&first, key), "{key}");
    }
    let extra = id_of(&patched, "extra");
    assert!(first.iter().all(|e| e["id"] != extra));
    assert_eq!(
        by_key(&patched, "filter.response.nulls")["propertyValue"],
        "false"
    );
    // PUT drops "extra"; given back, it has its old id again.
    let put = json!({"configuration": {"oauth.api.key": API_KEY}});
    assert_eq!(env.api("PUT", &path, Some(AUTH), Some(&put)).status, 200);
    let replaced = entries(&env, &list_path, AUTH);
    assert!(replaced.iter().all(|e| e["key"] != "extra"));
    assert_eq!(
        id_of(&replaced, "oauth.api.key"),
        id_of(&first, "oauth.api.key")
    );
    assert_eq!(
        by_key(&replaced, "filter.response.nulls")["propertyValue"],
        "true"
    );
    let patch = json!({"configuration": {"extra": "2"}});
    env.api("PATCH", &path, Some(AUTH), Some(&patch));
    assert_eq!(id_of(&entries(&env, &list_path, AUTH), "extra"), extra);
}

#[test]
fn one_entry_is_read_and_patched_by_id() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &[], "shop");
    let base = format!("/instances/{}/configuration", doc["id"]);
    let list = entries(&env, &base, AUTH);
    let callback = id_of(&list, "event.notification.callback.url");
    let entry_path = format!("{base}/{callback}");
    let read = env.api("GET", &entry_path, Some(AUTH), None);
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(
        &read.json(),
        by_key(&list, "event.notification.callback.url")
    );
    let mut change = read.json();
    change["propertyValue"] = json!("https://app.example/events");
    let patched = env.api("PATCH", &entry_path, Some(AUTH), Some(&change));
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.json(), change);
    assert_eq!(env.api("GET", &entry_path, Some(AUTH), None).json(), change);
    let instance = env.api(
        "GET",
        &format!("/instances/{}", doc["id"]),
        Some(AUTH),
        None,
    );
    assert_eq!(
        instance.json()["configuration"]["event.notification.callback.url"],
        "https://app.example/events"
    );
    // A boolean is stored and read as text; null falls back to the default.
    let enabled_path = format!("{base}/{}", id_of(&list, "event.notification.enabled"));
    let on = env.api(
        "PATCH",
        &enabled_path,
        Some(AUTH),
        Some(&json!({"propertyValue": true})),
    );
    assert_eq!(on.json()["propertyValue"], "true");
    let reset = json!({"propertyValue": null});
    let off = env.api("PATCH", &enabled_path, Some(AUTH), Some(&reset));
    assert_eq!(off.json()["propertyValue"], "false");
    // A secret entry sent back as read (masked) keeps its value: the code below is redeemed
    // against the stored oauth.api.key, which would fail had it become "********".
    let key_path = format!("{base}/{}", id_of(&list, "oauth.api.key"));
    let key_entry = env.api("GET", &key_path, Some(AUTH), None).json();
    assert_eq!(key_entry["propertyValue"], "********");
    let same = env.api("PATCH", &key_path, Some(AUTH), Some(&key_entry));
    assert_eq!(same.json()["propertyValue"], "********");
    let reauth = json!({"providerData": {"code": env.code()}});
    let instance_path = format!("/instances/{}", doc["id"]);
    let answer = env.api("PATCH", &instance_path, Some(AUTH), Some(&reauth));
    assert_eq!(answer.status, 200, "{}", answer.body);
    // Refusals.
    env.api("GET", &format!("{base}/1"), Some(AUTH), None)
        .error_message(404);
    env.api("GET", &format!("{base}/abc"), Some(AUTH), None)
        .error_message(404);
    for bad in [
        json!({}),
        json!({"propertyValue": {"nested": 1}}),
        json!({"propertyValue": "x", "key": "another.key"}),
    ] {
        env.api("PATCH", &entry_path, Some(AUTH), Some(&bad))
            .error_message(400);
    }
    let url = format!("{}{entry_path}", env.base());
    env.call("PATCH", &url, &[("Authorization", AUTH)], Some("{}"))
        .error_message(415);
    let wrong = env.api("PUT", &entry_path, Some(AUTH), Some(&change));
    wrong.error_message(405);
    assert_eq!(wrong.header("Allow"), Some("GET, PATCH"));
    env.api("GET", &entry_path, None, None).error_message(401);
    env.api(
        "GET",
        &format!("/instances/1/configuration/{callback}"),
        Some(AUTH),
        None,
    )
    .error_message(404);
}

#[test]
fn the_token_forms_address_the_tokens_instance() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &[], "shop");
    env.create("infusionsoftecommerce", &[], "another");
    let auth = auth_of(&doc);
    let list = entries(&env, "/instances/configuration", &auth);
    assert_eq!(
        list,
        entries(
            &env,
            &format!("/instances/{}/configuration", doc["id"]),
            AUTH
        )
    );
    let id = id_of(&list, "event.notification.callback.url");
    let path = format!("/instances/configuration/{id}");
    let change = json!({"propertyValue": "http://127.0.0.1:9/events"});
    let patched = env.api("PATCH", &path, Some(&auth), Some(&change));
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.json()["propertyValue"], "http://127.0.0.1:9/events");
    assert_eq!(
        env.api("GET", &path, Some(&auth), None).json(),
        patched.json()
    );
    env.api("GET", "/instances/configuration", Some(AUTH), None)
        .error_message(401);
    env.api("GET", &path, Some(&common::element_auth("unknown")), None)
        .error_message(401);
    env.api(
        "POST",
        "/instances/configuration",
        Some(&auth),
        Some(&json!({})),
    )
    .error_message(405);
}
