//! Calls made through an instance with its Element token: `/ping` and the hub resources.

mod common;

use common::{element_auth, start, AUTH};
use serde_json::{json, Value};

#[test]
fn ping_answers_about_the_instance() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &[], "shop");
    let auth = element_auth(doc["token"].as_str().expect("token"));
    let answer = env.api("GET", "/ping", Some(&auth), None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let ping = answer.json();
    assert_eq!(ping["instanceId"], doc["id"]);
    assert_eq!(ping["endpoint"], "infusionsoftecommerce");
    // The token must come with the right secrets, in any order.
    let reordered = format!(
        "Element {}, Organization organization-secret, User user-secret",
        doc["token"].as_str().expect("t")
    );
    assert_eq!(env.api("GET", "/ping", Some(&reordered), None).status, 200);
    let wrong_user = format!(
        "User nope, Organization organization-secret, Element {}",
        doc["token"].as_str().expect("t")
    );
    env.api("GET", "/ping", Some(&wrong_user), None)
        .error_message(401);
    env.api("GET", "/ping", Some(AUTH), None).error_message(401);
    env.api("GET", "/ping", Some(&element_auth("unknown")), None)
        .error_message(401);
    env.api("GET", "/ping", None, None).error_message(401);
    env.api("POST", "/ping", Some(&auth), Some(&json!({})))
        .error_message(405);
}

fn list(env: &common::Env, auth: &str, path: &str) -> (Vec<Value>, Option<String>, common::Answer) {
    let answer = env.api("GET", path, Some(auth), None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let items = answer.json().as_array().expect("array").clone();
    let next = answer
        .header("Elements-Next-Page-Token")
        .map(str::to_string);
    (items, next, answer)
}

#[test]
fn each_infusionsoft_hub_has_a_paged_sample_resource() {
    let env = start();
    for (element, path) in [
        ("infusionsoftecommerce", "/hubs/ecommerce/orders"),
        ("infusionsoftcrm", "/hubs/crm/contacts"),
        ("infusionsoftrest", "/hubs/crm/contacts"),
        ("infusionsoftmarketing", "/hubs/marketing/campaigns"),
    ] {
        let doc = env.create(element, &[], "x");
        let auth = element_auth(doc["token"].as_str().expect("token"));
        let (all, next, answer) = list(&env, &auth, path);
        assert_eq!((all.len(), next), (25, None), "{element}");
        assert_eq!(answer.header("Elements-Total-Count"), Some("25"));
        let mut paged = Vec::new();
        let (first, mut next, _) = list(&env, &auth, &format!("{path}?pageSize=10"));
        paged.extend(first);
        while let Some(token) = next {
            let (items, following, _) =
                list(&env, &auth, &format!("{path}?pageSize=10&nextPage={token}"));
            assert!(items.len() <= 10);
            paged.extend(items);
            next = following;
        }
        assert_eq!(paged, all, "{element}");
        let one = env.api("GET", &format!("{path}/3"), Some(&auth), None);
        assert_eq!(one.status, 200);
        assert_eq!(one.json(), all[2]);
        env.api("GET", &format!("{path}/26"), Some(&auth), None)
            .error_message(404);
        env.api("GET", &format!("{path}/abc"), Some(&auth), None)
            .error_message(404);
    }
}

#[test]
fn sample_data_is_the_same_for_every_instance() {
    let env = start();
    let a = element_auth(
        env.create("shopify", &[], "a")["token"]
            .as_str()
            .expect("t"),
    );
    let b = element_auth(
        env.create("infusionsoftecommerce", &[], "b")["token"]
            .as_str()
            .expect("t"),
    );
    let one = env
        .api("GET", "/hubs/ecommerce/orders/7", Some(&a), None)
        .json();
    assert_eq!(
        one,
        env.api("GET", "/hubs/ecommerce/orders/7", Some(&b), None)
            .json()
    );
    assert_eq!(one["id"], 7);
}

#[test]
fn post_creates_an_item() {
    let env = start();
    let auth = element_auth(
        env.create("infusionsoftcrm", &[], "crm")["token"]
            .as_str()
            .expect("t"),
    );
    let answer = env.api(
        "POST",
        "/hubs/crm/contacts",
        Some(&auth),
        Some(&json!({"firstName": "New"})),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let created = answer.json();
    assert_eq!(created, json!({"id": 26, "firstName": "New"}));
    assert_eq!(
        env.api("GET", "/hubs/crm/contacts/26", Some(&auth), None)
            .json(),
        created
    );
    let (all, _, answer) = list(&env, &auth, "/hubs/crm/contacts");
    assert_eq!(
        (all.len(), answer.header("Elements-Total-Count")),
        (26, Some("26"))
    );
    let url = format!("{}/hubs/crm/contacts", env.base());
    env.call("POST", &url, &[("Authorization", &auth)], Some("{}"))
        .error_message(415);
    let json_type = ("Content-Type", "application/json");
    env.call(
        "POST",
        &url,
        &[("Authorization", &auth), json_type],
        Some("{"),
    )
    .error_message(400);
    env.call(
        "POST",
        &url,
        &[("Authorization", &auth), json_type],
        Some("[]"),
    )
    .error_message(400);
    env.api("PUT", "/hubs/crm/contacts/1", Some(&auth), Some(&json!({})))
        .error_message(405);
}

#[test]
fn other_hubs_and_resources_are_not_found() {
    let env = start();
    let auth = element_auth(
        env.create("infusionsoftecommerce", &[], "x")["token"]
            .as_str()
            .expect("t"),
    );
    env.api("GET", "/hubs/crm/contacts", Some(&auth), None)
        .error_message(404);
    env.api("GET", "/hubs/marketing/campaigns", Some(&auth), None)
        .error_message(404);
    env.api("GET", "/hubs/ecommerce/customers", Some(&auth), None)
        .error_message(404);
    env.api("GET", "/hubs/ecommerce/orders/1/lines/2", Some(&auth), None)
        .error_message(404);
}

#[test]
fn disabled_instances_get_403_and_deleted_ones_401() {
    let env = start();
    let doc = env.create("infusionsoftmarketing", &[], "m");
    let auth = element_auth(doc["token"].as_str().expect("token"));
    let enabled = format!("/instances/{}/enabled", doc["id"]);
    env.api("DELETE", &enabled, Some(AUTH), None);
    env.api("GET", "/ping", Some(&auth), None)
        .error_message(403);
    env.api("GET", "/hubs/marketing/campaigns", Some(&auth), None)
        .error_message(403);
    env.api("PUT", &enabled, Some(AUTH), None);
    assert_eq!(
        env.api("GET", "/hubs/marketing/campaigns/1", Some(&auth), None)
            .status,
        200
    );
    env.api(
        "DELETE",
        &format!("/instances/{}", doc["id"]),
        Some(AUTH),
        None,
    );
    env.api("GET", "/ping", Some(&auth), None)
        .error_message(401);
    env.api("GET", "/hubs/marketing/campaigns", Some(&auth), None)
        .error_message(401);
}
