//! The sequence the platform's own instance tests walk, end to end against the emulator.

mod common;

use common::{auth_of, create_body, start, AUTH};
use serde_json::{json, Value};

fn has_nulls(orders: &Value) -> bool {
    orders
        .as_array()
        .expect("orders")
        .iter()
        .any(|o| o.as_object().expect("order").values().any(Value::is_null))
}

#[test]
fn the_platform_instance_tests_sequence() {
    let env = start();
    // Created without tags: tagged with its name, and found by that tag.
    let mut body = create_body("infusionsoftecommerce", &env.code(), &[], "churros shop");
    body.as_object_mut().expect("object").remove("tags");
    let doc = env.create_from(body);
    let id = doc["id"].as_u64().expect("id");
    let auth = auth_of(&doc);
    let search = env.api("GET", "/instances?tags[]=churros+shop", Some(AUTH), None);
    assert_eq!(search.status, 200, "{}", search.body);
    assert_eq!(search.json()[0]["id"], id);
    // The configuration list, and its filter.response.nulls entry switched off and on.
    let list = env.api(
        "GET",
        &format!("/instances/{id}/configuration"),
        Some(AUTH),
        None,
    );
    let nulls = list
        .json()
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["key"] == "filter.response.nulls")
        .cloned()
        .expect("filter.response.nulls entry");
    assert_eq!(nulls["propertyValue"], "true");
    let entry_path = format!("/instances/{id}/configuration/{}", nulls["id"]);
    let orders = || {
        let answer = env.api("GET", "/hubs/ecommerce/orders", Some(&auth), None);
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
    };
    assert!(!has_nulls(&orders()));
    let mut off = nulls.clone();
    off["propertyValue"] = json!("false");
    assert_eq!(
        env.api("PATCH", &entry_path, Some(AUTH), Some(&off)).json(),
        off
    );
    assert!(has_nulls(&orders()));
    assert_eq!(
        env.api("PATCH", &entry_path, Some(AUTH), Some(&nulls))
            .json(),
        nulls
    );
    assert!(!has_nulls(&orders()));
    // A rename with markup is stored sanitized.
    let rename = json!({"name": "<a href=\"https://x.example\">renamed shop</a>"});
    let renamed = env.api(
        "PATCH",
        &format!("/instances/{id}"),
        Some(AUTH),
        Some(&rename),
    );
    assert_eq!(renamed.json()["name"], "renamed shop");
    // The hub segment does not matter, nor does its absence.
    let canonical = orders();
    for path in ["/hubs/other/orders", "/orders"] {
        let answer = env.api("GET", path, Some(&auth), None);
        assert_eq!(
            (answer.status, answer.json()),
            (200, canonical.clone()),
            "{path}"
        );
        assert_eq!(
            answer.header("Elements-Element-Instance-Id"),
            Some(id.to_string().as_str())
        );
    }
    // Disabled: 403 through the instance; enabled again: 200.
    let enabled = format!("/instances/{id}/enabled");
    assert_eq!(env.api("DELETE", &enabled, Some(AUTH), None).status, 200);
    env.api("GET", "/hubs/ecommerce/orders", Some(&auth), None)
        .error_message(403);
    assert_eq!(env.api("PUT", &enabled, Some(AUTH), None).status, 200);
    assert_eq!(orders(), canonical);
    // Deleted: its token is refused.
    let deleted = env.api("DELETE", &format!("/instances/{id}"), Some(AUTH), None);
    assert_eq!(deleted.status, 200);
    env.api("GET", "/hubs/ecommerce/orders", Some(&auth), None)
        .error_message(401);
}
