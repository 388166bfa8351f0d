//! The provider's consent page (`consent_page` on): shown for an authorize URL without a
//! decision, its Allow and Deny forms send the same URL back with one.

mod common;

use common::{create_body, encode, query_of, start_with, Env, API_KEY, AUTH, CALLBACK};
use openconnectors_emulator::Options;

fn with_consent_page() -> Env {
    start_with(Options {
        consent_page: true,
        ..Options::default()
    })
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `(name, value)` pairs of the form whose decision is `decision`, as a browser sends them.
fn form_fields(page: &str, decision: &str) -> Vec<(String, String)> {
    let marker = format!("name=\"decision\" value=\"{decision}\"");
    let form = page
        .split("<form")
        .find(|form| form.contains(&marker))
        .unwrap_or_else(|| panic!("no {decision} form in {page}"));
    assert!(
        form.contains("method=\"get\" action=\"/oauth/authorize\""),
        "{form}"
    );
    form.split("<input")
        .skip(1)
        .map(|input| {
            let attribute = |name: &str| {
                let start = input.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
                unescape(&input[start..start + input[start..].find('"').expect("quote")])
            };
            (attribute("name"), attribute("value"))
        })
        .collect()
}

fn authorize_url(env: &Env, client_id: &str, scope: &str, state: &str) -> String {
    format!(
        "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state={}",
        env.root(),
        encode(client_id),
        encode(CALLBACK),
        encode(scope),
        encode(state)
    )
}

/// Submits a form's fields as its GET does.
fn submit(env: &Env, fields: &[(String, String)]) -> common::Answer {
    let query: Vec<String> = fields
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect();
    let url = format!("{}/oauth/authorize?{}", env.root(), query.join("&"));
    env.call("GET", &url, &[], None)
}

#[test]
fn the_consent_page_asks_then_allow_redirects_with_a_code() {
    let env = with_consent_page();
    let page = env.call(
        "GET",
        &authorize_url(&env, API_KEY, "full", "st-1"),
        &[],
        None,
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    // Browsers apply form-action to the redirect that answers the form: the callback's origin
    // must be allowed besides the page's own.
    assert_eq!(
        page.header("Content-Security-Policy"),
        Some("default-src 'none'; form-action 'self' http://localhost:8765")
    );
    assert!(page
        .body
        .contains(&format!("<strong id=\"client-id\">{API_KEY}</strong>")));
    assert!(page.body.contains("<strong id=\"scope\">full</strong>"));
    let allow = form_fields(&page.body, "approve");
    let expected_params = [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "decision",
    ];
    let names: Vec<&str> = allow.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected_params);
    assert!(allow.contains(&("redirect_uri".to_string(), CALLBACK.to_string())));
    let approved = submit(&env, &allow);
    assert_eq!(approved.status, 302, "{}", approved.body);
    let location = approved.header("Location").expect("Location");
    assert!(location.starts_with(CALLBACK), "{location}");
    let params = query_of(location);
    assert!(params.contains(&("state".to_string(), "st-1".to_string())));
    let code = params
        .iter()
        .find(|(n, _)| n == "code")
        .map(|(_, v)| v.clone())
        .expect("a code");
    // The code is a real one.
    let body = create_body("infusionsoftecommerce", &code, &[], "consented");
    let created = env.api("POST", "/instances", Some(AUTH), Some(&body));
    assert_eq!(created.status, 200, "{}", created.body);
}

#[test]
fn deny_redirects_with_access_denied() {
    let env = with_consent_page();
    let page = env.call(
        "GET",
        &authorize_url(&env, API_KEY, "full", "st-2"),
        &[],
        None,
    );
    let denied = submit(&env, &form_fields(&page.body, "deny"));
    assert_eq!(denied.status, 302);
    let params = query_of(denied.header("Location").expect("Location"));
    assert!(params.contains(&("error".to_string(), "access_denied".to_string())));
    assert!(params.contains(&("state".to_string(), "st-2".to_string())));
    assert!(params.iter().all(|(n, _)| n != "code"));
}

#[test]
fn the_consent_page_escapes_everything_it_shows() {
    let env = with_consent_page();
    let client = "<script>alert('x')</script>";
    let scope = "a\" onmouseover=\"evil()";
    let state = "</form><img src=x>";
    let page = env.call("GET", &authorize_url(&env, client, scope, state), &[], None);
    assert_eq!(page.status, 200);
    for raw in ["<script", "<img", "onmouseover=\"evil", "'x'"] {
        assert!(!page.body.contains(raw), "{raw} unescaped in {}", page.body);
    }
    assert!(page
        .body
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    // The forms still carry the values as given.
    let allow = form_fields(&page.body, "approve");
    assert!(allow.contains(&("client_id".to_string(), client.to_string())));
    assert!(allow.contains(&("scope".to_string(), scope.to_string())));
    assert!(allow.contains(&("state".to_string(), state.to_string())));
}

#[test]
fn a_decision_in_the_url_skips_the_page_and_without_the_option_there_is_none() {
    let env = with_consent_page();
    let url = authorize_url(&env, API_KEY, "full", "s");
    let approved = env.call("GET", &format!("{url}&decision=approve"), &[], None);
    assert_eq!(approved.status, 302);
    assert!(approved
        .header("Location")
        .is_some_and(|l| l.contains("code=")));
    let denied = env.call("GET", &format!("{url}&decision=deny"), &[], None);
    assert!(denied
        .header("Location")
        .is_some_and(|l| l.contains("error=access_denied")));
    // Missing parameters are refused before any page.
    env.call(
        "GET",
        &format!("{}/oauth/authorize?client_id=c", env.root()),
        &[],
        None,
    )
    .error_message(400);
    let plain = common::start();
    let at_once = plain.call(
        "GET",
        &authorize_url(&plain, API_KEY, "full", "s"),
        &[],
        None,
    );
    assert_eq!(at_once.status, 302, "0.1 behaviour without the option");
}
