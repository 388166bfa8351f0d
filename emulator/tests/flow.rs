//! The whole flow as a client walks it, and reproducibility with a seed.

mod common;

use common::{
    element_auth, encode, query_of, start_with, Env, API_KEY, API_SECRET, AUTH, CALLBACK,
};
use openconnectors_emulator::Options;
use serde_json::{json, Value};

#[test]
fn the_whole_flow_as_a_client_walks_it() {
    let env = common::start();
    // Step 1: the authorize URL, with our own random state.
    let query = format!(
        "apiKey={API_KEY}&apiSecret={API_SECRET}&callbackUrl={}&state=r4nd0m",
        encode(CALLBACK)
    );
    let step1 = env.api(
        "GET",
        &format!("/elements/infusionsoftecommerce/oauth/url?{query}"),
        Some(AUTH),
        None,
    );
    assert_eq!(step1.status, 200, "{}", step1.body);
    let authorize = step1.json()["oauthUrl"]
        .as_str()
        .expect("oauthUrl")
        .to_string();
    // Step 2: the browser follows it and is redirected back to the callback.
    let redirect = env.call("GET", &authorize, &[], None);
    assert_eq!(redirect.status, 302);
    let location = redirect.header("Location").expect("Location").to_string();
    assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
    let callback = query_of(&location);
    let param = |name: &str| {
        callback
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(param("state").as_deref(), Some("r4nd0m"));
    let code = param("code").expect("code");
    // Step 3: the instance.
    let body = json!({
        "element": {"key": "infusionsoftecommerce"},
        "providerData": {"code": code},
        "configuration": {"oauth.api.key": API_KEY, "oauth.api.secret": API_SECRET, "oauth.callback.url": CALLBACK},
        "tags": ["user-42"],
        "name": "user-42 shop",
    });
    let created = env.api("POST", "/instances", Some(AUTH), Some(&body));
    assert_eq!(created.status, 200, "{}", created.body);
    let instance = created.json();
    let id = instance["id"].as_u64().expect("id");
    let auth = element_auth(instance["token"].as_str().expect("token"));
    // Using it.
    let orders = env.api(
        "GET",
        "/hubs/ecommerce/orders?pageSize=5",
        Some(&auth),
        None,
    );
    assert_eq!(orders.status, 200);
    assert_eq!(orders.json().as_array().map(Vec::len), Some(5));
    assert!(orders.header("Elements-Next-Page-Token").is_some());
    // Disabled, it is refused; enabled again, it works.
    env.api(
        "DELETE",
        &format!("/instances/{id}/enabled"),
        Some(AUTH),
        None,
    );
    env.api("GET", "/hubs/ecommerce/orders", Some(&auth), None)
        .error_message(403);
    env.api("PUT", &format!("/instances/{id}/enabled"), Some(AUTH), None);
    assert_eq!(env.api("GET", "/ping", Some(&auth), None).status, 200);
    // Deleted, its token is dead.
    let deleted = env.api("DELETE", &format!("/instances/{id}"), Some(AUTH), None);
    assert_eq!((deleted.status, deleted.body.as_str()), (200, ""));
    env.api("GET", "/hubs/ecommerce/orders", Some(&auth), None)
        .error_message(401);
}

/// An answer as (status, body, request id), the creation time left out: it is the clock's,
/// not a random choice. A redirect's body is its Location.
fn summary(answer: &common::Answer) -> (u16, String, Option<String>) {
    let id = answer.header("Elements-Request-Id").map(str::to_string);
    let mut body = answer
        .header("Location")
        .map_or(answer.body.clone(), str::to_string);
    if let Ok(mut doc) = serde_json::from_str::<Value>(&body) {
        // A list holds documents too: a second ticking between two runs must not show.
        let docs = match &mut doc {
            Value::Array(docs) => docs.iter_mut().collect(),
            one => vec![one],
        };
        for doc in docs {
            if let Value::Object(members) = doc {
                members.remove("createdDate");
            }
        }
        body = doc.to_string();
    }
    (answer.status, body, id)
}

/// A fixed sequence of calls, summarised.
fn script(env: &Env) -> Vec<(u16, String, Option<String>)> {
    let authorize = format!(
        "{}/oauth/authorize?client_id={API_KEY}&redirect_uri={}",
        env.root(),
        encode(CALLBACK)
    );
    let body = common::create_body("sfdc", &env.code(), &["a"], "n");
    vec![
        summary(&env.call("GET", &authorize, &[], None)),
        summary(&env.api("POST", "/instances", Some(AUTH), Some(&body))),
        summary(&env.api("GET", "/instances", Some(AUTH), None)),
        summary(&env.api("GET", "/instances/1", Some(AUTH), None)),
    ]
}

#[test]
fn the_same_seed_gives_the_same_answers() {
    let seeded = |seed| {
        start_with(Options {
            seed: Some(seed),
            ..Options::default()
        })
    };
    let first = seeded(7);
    let a = script(&first);
    let b = script(&seeded(7));
    assert_eq!(a, b);
    assert_ne!(a, script(&seeded(8)));
    assert_ne!(a, script(&common::start()));
    // A reset starts a seeded sequence over.
    first.hook("POST", "reset", None);
    assert_eq!(script(&first), a);
}
