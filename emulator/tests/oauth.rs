//! Step 1 (`/elements/{keyOrId}/oauth/url`) and step 2 (the provider's authorize page).

mod common;

use common::{encode, query_of, start, Env, AUTH, CALLBACK};
use serde_json::json;

fn url_query(extra: &str) -> String {
    format!(
        "apiKey=client-1&apiSecret=shh&callbackUrl={}{extra}",
        encode(CALLBACK)
    )
}

fn oauth_url(env: &Env, element: &str, query: &str) -> common::Answer {
    env.api(
        "GET",
        &format!("/elements/{element}/oauth/url?{query}"),
        None,
        None,
    )
}

#[test]
fn oauth_url_by_key_builds_the_authorize_url() {
    let env = start();
    let answer = oauth_url(
        &env,
        "infusionsoftecommerce",
        &url_query("&state=abc&scope=read+write"),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.header("Elements-Request-Id").is_some());
    let body = answer.json();
    assert_eq!(body["element"], "infusionsoftecommerce");
    let url = body["oauthUrl"].as_str().expect("oauthUrl");
    assert!(
        url.starts_with(&format!("{}/oauth/authorize?", env.root())),
        "{url}"
    );
    assert!(
        url.contains(&format!("redirect_uri={}", encode(CALLBACK))),
        "redirect_uri encoded: {url}"
    );
    let query = query_of(url);
    let names: Vec<&str> = query.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state"
        ]
    );
    let value = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("response_type"), Some("code"));
    assert_eq!(value("client_id"), Some("client-1"));
    assert_eq!(value("redirect_uri"), Some(CALLBACK));
    assert_eq!(
        value("scope"),
        Some("read write"),
        "`+` in a query is a space"
    );
    assert_eq!(value("state"), Some("abc"));
    assert!(
        !url.contains("shh"),
        "the api secret never reaches the provider URL"
    );
}

#[test]
fn oauth_url_by_numeric_id_answers_the_key_and_defaults_state_and_scope() {
    let env = start();
    // Find the id through an instance document rather than hard-coding it.
    let id = env.create("infusionsoftcrm", &[], "x")["element"]["id"]
        .as_u64()
        .expect("id");
    let answer = oauth_url(&env, &id.to_string(), &url_query(""));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["element"], "infusionsoftcrm");
    let query = query_of(body["oauthUrl"].as_str().expect("url"));
    assert!(
        query.contains(&("state".into(), "infusionsoftcrm".into())),
        "{query:?}"
    );
    assert!(
        query.contains(&("scope".into(), "full".into())),
        "{query:?}"
    );
}

#[test]
fn oauth_url_knows_the_infusionsoft_elements_and_others() {
    let env = start();
    for key in [
        "infusionsoftecommerce",
        "infusionsoftcrm",
        "infusionsoftmarketing",
        "infusionsoftrest",
        "sfdc",
        "hubspotcrm",
        "shopify",
    ] {
        assert_eq!(oauth_url(&env, key, &url_query("")).status, 200, "{key}");
    }
    let message = oauth_url(&env, "nosuchelement", &url_query("")).error_message(404);
    assert!(message.contains("nosuchelement"), "{message}");
    oauth_url(&env, "999999999", &url_query("")).error_message(404);
}

#[test]
fn oauth_url_names_every_missing_parameter() {
    let env = start();
    let message = oauth_url(&env, "infusionsoftecommerce", "state=x").error_message(400);
    for name in ["apiKey", "apiSecret", "callbackUrl"] {
        assert!(message.contains(name), "{message}");
    }
    let message = oauth_url(
        &env,
        "infusionsoftecommerce",
        "apiKey=k&apiSecret=&callbackUrl=x",
    )
    .error_message(400);
    assert!(
        message.contains("apiSecret")
            && !message.contains("apiKey")
            && !message.contains("callbackUrl"),
        "{message}"
    );
    // An unknown element is reported before missing parameters.
    oauth_url(&env, "nosuchelement", "").error_message(404);
}

#[test]
fn oauth_url_post_takes_a_json_body() {
    let env = start();
    let path = "/elements/infusionsoftecommerce/oauth/url";
    let body = json!({"apiKey": "k", "apiSecret": "s", "callbackUrl": CALLBACK, "state": "st"});
    let answer = env.api("POST", path, Some(AUTH), Some(&body));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let query = query_of(answer.json()["oauthUrl"].as_str().expect("url"));
    assert!(query.contains(&("state".into(), "st".into())));
    assert!(query.contains(&("client_id".into(), "k".into())));
    let message = env
        .api("POST", path, None, Some(&json!({"apiKey": "k"})))
        .error_message(400);
    assert!(
        message.contains("apiSecret") && message.contains("callbackUrl"),
        "{message}"
    );
    env.api("POST", path, None, Some(&json!({"apiKey": 5})))
        .error_message(400);
    let url = format!("{}{path}", env.base());
    let json = [("Content-Type", "application/json")];
    env.call("POST", &url, &json, Some("{not json"))
        .error_message(400);
    env.call("POST", &url, &[("Content-Type", "text/plain")], Some("{}"))
        .error_message(415);
    env.api("DELETE", path, None, None).error_message(405);
}

#[test]
fn oauth_url_header_is_optional_but_checked_when_sent() {
    let env = start();
    let path = format!(
        "/elements/infusionsoftecommerce/oauth/url?{}",
        url_query("")
    );
    assert_eq!(env.api("GET", &path, Some(AUTH), None).status, 200);
    let bad = "User wrong-user-secret, Organization organization-secret";
    let answer = env.api("GET", &path, Some(bad), None);
    answer.error_message(401);
    assert!(!answer.body.contains("wrong-user-secret"));
}

#[test]
fn authorize_approves_with_code_and_state() {
    let env = start();
    let callback = "http://localhost:9/cb?keep=1";
    let url = format!(
        "{}/oauth/authorize?response_type=code&client_id=c&redirect_uri={}&scope=full&state=s+1",
        env.root(),
        encode(callback)
    );
    let answer = env.call("GET", &url, &[], None);
    assert_eq!(answer.status, 302, "{}", answer.body);
    let location = answer.header("Location").expect("Location");
    assert!(
        location.starts_with("http://localhost:9/cb?keep=1&code="),
        "{location}"
    );
    let query = query_of(location);
    assert!(query.contains(&("state".into(), "s 1".into())), "{query:?}");
    let code = &query.iter().find(|(n, _)| n == "code").expect("code").1;
    assert!(code.len() >= 20, "{code}");
    // Codes are random: a second approval gets another.
    assert_ne!(env.code_for("c", callback), *code);
}

#[test]
fn authorize_deny_redirects_with_access_denied() {
    let env = start();
    let url = format!(
        "{}/oauth/authorize?client_id=c&redirect_uri={}&state=xyz&decision=deny",
        env.root(),
        encode(CALLBACK)
    );
    let answer = env.call("GET", &url, &[], None);
    assert_eq!(answer.status, 302);
    let location = answer.header("Location").expect("Location");
    assert!(
        location.starts_with(&format!(
            "{CALLBACK}?error=access_denied&error_description="
        )),
        "{location}"
    );
    let query = query_of(location);
    assert!(query.contains(&("state".into(), "xyz".into())));
    assert!(query.iter().all(|(n, _)| n != "code"));
}

#[test]
fn authorize_refuses_missing_client_or_redirect() {
    let env = start();
    let answer = env.call(
        "GET",
        &format!("{}/oauth/authorize?client_id=c", env.root()),
        &[],
        None,
    );
    assert!(answer.error_message(400).contains("redirect_uri"));
    let answer = env.call("GET", &format!("{}/oauth/authorize", env.root()), &[], None);
    let message = answer.error_message(400);
    assert!(
        message.contains("client_id") && message.contains("redirect_uri"),
        "{message}"
    );
    let post = env.call(
        "POST",
        &format!("{}/oauth/authorize", env.root()),
        &[],
        Some(""),
    );
    post.error_message(405);
    assert_eq!(post.header("Allow"), Some("GET"));
    // The provider lives at the server root, not under the API's base path.
    env.api(
        "GET",
        "/oauth/authorize?client_id=c&redirect_uri=x",
        None,
        None,
    )
    .error_message(404);
}

#[test]
fn every_answer_carries_the_emulator_version() {
    let env = start();
    let version = Some(env!("CARGO_PKG_VERSION"));
    assert_eq!(
        oauth_url(&env, "sfdc", &url_query("")).header("X-Emulator-Version"),
        version
    );
    let unknown = env.call("GET", &format!("{}/nowhere", env.root()), &[], None);
    unknown.error_message(404);
    assert_eq!(unknown.header("X-Emulator-Version"), version);
    assert_eq!(
        env.hook("GET", "requests", None)
            .header("X-Emulator-Version"),
        version
    );
    let redirect = env.call(
        "GET",
        &format!("{}/oauth/authorize?client_id=c&redirect_uri=x", env.root()),
        &[],
        None,
    );
    assert_eq!(redirect.header("X-Emulator-Version"), version);
}
