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

#[test]
fn the_hub_segment_is_not_checked() {
    let env = start();
    let doc = env.create("infusionsoftcrm", &[], "crm");
    let auth = common::auth_of(&doc);
    let (canonical, _, _) = list(&env, &auth, "/hubs/crm/contacts");
    for path in [
        "/hubs/anything/contacts",
        "/contacts",
        "/hubs/marketing/contacts",
    ] {
        assert_eq!(list(&env, &auth, path).0, canonical, "{path}");
    }
    let one = env
        .api("GET", "/hubs/crm/contacts/3", Some(&auth), None)
        .json();
    for path in ["/hubs/other/contacts/3", "/contacts/3"] {
        let answer = env.api("GET", path, Some(&auth), None);
        assert_eq!((answer.status, answer.json()), (200, one.clone()), "{path}");
    }
    let created = env.api(
        "POST",
        "/contacts",
        Some(&auth),
        Some(&json!({"firstName": "Bare"})),
    );
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(
        env.api("GET", "/hubs/x/contacts/26", Some(&auth), None)
            .json(),
        created.json()
    );
    // The resource must still be the instance's hub's.
    env.api("GET", "/hubs/crm/orders", Some(&auth), None)
        .error_message(404);
    env.api("GET", "/orders", Some(&auth), None)
        .error_message(404);
    // Without an Element token a bare path is nothing.
    env.api("GET", "/contacts", Some(AUTH), None)
        .error_message(404);
    env.api("GET", "/contacts", None, None).error_message(404);
}

#[test]
fn every_answer_through_an_instance_names_it() {
    let env = start();
    let doc = env.create("infusionsoftecommerce", &[], "shop");
    let auth = common::auth_of(&doc);
    let id = doc["id"].to_string();
    let named = |answer: common::Answer| {
        assert_eq!(
            answer.header("Elements-Element-Instance-Id"),
            Some(id.as_str()),
            "{} {}",
            answer.status,
            answer.body
        );
        answer.status
    };
    assert_eq!(named(env.api("GET", "/ping", Some(&auth), None)), 200);
    let hub_ping = env.api("GET", "/hubs/ecommerce/ping", Some(&auth), None);
    assert_eq!(
        hub_ping.json(),
        env.api("GET", "/ping", Some(&auth), None).json()
    );
    assert_eq!(named(hub_ping), 200);
    assert_eq!(
        named(env.api("GET", "/hubs/any/ping", Some(&auth), None)),
        200
    );
    assert_eq!(
        named(env.api("GET", "/hubs/ecommerce/orders", Some(&auth), None)),
        200
    );
    assert_eq!(named(env.api("GET", "/orders/2", Some(&auth), None)), 200);
    assert_eq!(named(env.api("GET", "/orders/99", Some(&auth), None)), 404);
    let order = json!({"total": "1.00"});
    assert_eq!(
        named(env.api("POST", "/orders", Some(&auth), Some(&order))),
        200
    );
    env.api(
        "DELETE",
        &format!("/instances/{id}/enabled"),
        Some(AUTH),
        None,
    );
    assert_eq!(
        named(env.api("GET", "/hubs/ecommerce/ping", Some(&auth), None)),
        403
    );
    // Management calls are not made through the instance.
    let managed = env.api("GET", &format!("/instances/{id}"), Some(AUTH), None);
    assert_eq!(managed.header("Elements-Element-Instance-Id"), None);
}

#[test]
fn hub_resources_page_by_page_number_too() {
    let env = start();
    let auth = common::auth_of(&env.create("infusionsoftmarketing", &[], "m"));
    let path = "/hubs/marketing/campaigns";
    let (all, _, _) = list(&env, &auth, path);
    let mut paged = Vec::new();
    for page in 1..=3 {
        let (items, next, answer) = list(&env, &auth, &format!("{path}?page={page}&pageSize=10"));
        assert_eq!(answer.header("Elements-Total-Count"), Some("25"));
        assert_eq!(next.is_some(), page < 3, "page {page}");
        paged.extend(items);
    }
    assert_eq!(paged, all);
    let (beyond, next, _) = list(&env, &auth, &format!("{path}?page=4&pageSize=10"));
    assert_eq!((beyond.len(), next), (0, None));
    let (second, _, _) = list(&env, &auth, &format!("{path}?page=2&pageSize=5"));
    assert_eq!(second, all[5..10].to_vec());
    for bad in ["page=0", "page=x", "page=1&nextPage=offset-5"] {
        env.api("GET", &format!("{path}?{bad}"), Some(&auth), None)
            .error_message(400);
    }
}

/// Whether any item has a member whose value is null.
fn has_nulls(items: &[Value]) -> bool {
    items
        .iter()
        .any(|i| i.as_object().expect("object").values().any(Value::is_null))
}

#[test]
fn null_members_are_left_out_unless_the_instance_keeps_them() {
    let env = start();
    for (element, path, nullable) in [
        (
            "infusionsoftecommerce",
            "/hubs/ecommerce/orders",
            "shippedDate",
        ),
        ("infusionsoftcrm", "/hubs/crm/contacts", "phone"),
        (
            "infusionsoftmarketing",
            "/hubs/marketing/campaigns",
            "endDate",
        ),
    ] {
        let filtered = common::auth_of(&env.create(element, &[], "filtered"));
        let (items, _, _) = list(&env, &filtered, path);
        assert!(!has_nulls(&items), "{element}");
        let missing = items.iter().filter(|i| i.get(nullable).is_none()).count();
        assert!(missing > 0 && missing < items.len(), "{element}: {missing}");
        let mut body = common::create_body(element, &env.code(), &[], "keeps nulls");
        body["configuration"]["filter.response.nulls"] = json!(false);
        let kept = common::auth_of(&env.create_from(body));
        let (items, _, _) = list(&env, &kept, path);
        assert!(has_nulls(&items), "{element}");
        assert!(items.iter().all(|i| i.get(nullable).is_some()), "{element}");
        let null_one = items
            .iter()
            .find(|i| i[nullable].is_null())
            .expect("a null");
        let item_path = format!("{path}/{}", null_one["id"]);
        let kept_item = env.api("GET", &item_path, Some(&kept), None).json();
        assert_eq!(&kept_item, null_one);
        let filtered_item = env.api("GET", &item_path, Some(&filtered), None).json();
        assert_eq!(filtered_item.get(nullable), None, "{element}");
    }
    // Created items are filtered too.
    let auth = common::auth_of(&env.create("infusionsoftcrm", &[], "c"));
    let created = env.api(
        "POST",
        "/contacts",
        Some(&auth),
        Some(&json!({"phone": null, "firstName": "N"})),
    );
    assert_eq!(created.json(), json!({"id": 26, "firstName": "N"}));
}
