//! The OAuth side of the flow: the platform's `/elements/{keyOrId}/oauth/url`, which builds the
//! provider's authorize URL, and the emulated provider's authorize page at the server root.
//! Without a login, the page decides at once (approving unless the URL carries
//! `decision=deny`) and redirects back; with the consent page on, a URL without a `decision`
//! gets an HTML page whose Allow and Deny buttons send the same URL with one.

use crate::auth::authenticate;
use crate::body::{self, json_object};
use crate::ctx::Platform;
use crate::elements;
use crate::html::escape;
use crate::http::Request;
use crate::query;
use crate::reply::{ApiError, ApiResult, Reply};
use serde_json::{json, Value};

/// Where the authorize page lives.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";

/// `GET` (query) or `POST` (JSON body) `/elements/{keyOrId}/oauth/url`.
pub fn url(platform: &Platform, request: &Request, key_or_id: &str) -> ApiResult {
    // Documented as needing no header; one that is sent must still be right.
    if request.header("authorization").is_some() {
        authenticate(platform, request)?;
    }
    let element = elements::find(key_or_id)?;
    let params: Vec<(String, String)> = if request.method == "GET" {
        query::parse(&request.query)
    } else {
        let mut params = Vec::new();
        for (name, value) in json_object(request)? {
            match value {
                Value::String(value) => params.push((name, value)),
                Value::Null => {}
                _ => return Err(ApiError::bad_request(format!("{name} must be a string"))),
            }
        }
        params
    };
    body::require(&params, &["apiKey", "apiSecret", "callbackUrl"])?;
    let param = |name| body::given(&params, name);
    let authorize = query::build(&[
        ("response_type", "code"),
        ("client_id", param("apiKey").unwrap_or_default()),
        ("redirect_uri", param("callbackUrl").unwrap_or_default()),
        ("scope", param("scope").unwrap_or("full")),
        // The platform's own fallback: a constant, which is why clients send their own.
        ("state", param("state").unwrap_or(element.key)),
    ]);
    let url = format!("{}{AUTHORIZE_PATH}?{authorize}", platform.root_url());
    Ok(Reply::json(
        200,
        &json!({"element": element.key, "oauthUrl": url}),
    ))
}

/// `GET /oauth/authorize?response_type=code&client_id=..&redirect_uri=..&scope=..&state=..`
pub fn authorize(platform: &Platform, request: &Request) -> ApiResult {
    if request.method != "GET" {
        return Err(ApiError::method_not_allowed("GET"));
    }
    let params = query::parse(&request.query);
    body::require(&params, &["client_id", "redirect_uri"])?;
    let param = |name| body::given(&params, name);
    let (client_id, redirect_uri) = (
        param("client_id").unwrap_or_default(),
        param("redirect_uri").unwrap_or_default(),
    );
    let mut answer: Vec<(&str, &str)> = Vec::new();
    let code;
    if param("response_type").is_some_and(|t| t != "code") {
        answer.push(("error", "unsupported_response_type"));
        answer.push(("error_description", "Only response_type=code is supported"));
    } else if param("decision").is_none() && platform.consent_page() {
        return Ok(consent_page(&params));
    } else if param("decision") == Some("deny") {
        answer.push(("error", "access_denied"));
        answer.push(("error_description", "The user denied access"));
    } else {
        code = platform.state().issue_code(client_id, redirect_uri);
        answer.push(("code", &code));
    }
    if let Some(state) = param("state") {
        answer.push(("state", state));
    }
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{separator}{}", query::build(&answer));
    let mut reply = Reply::empty().with("Location", location);
    reply.status = 302;
    Ok(reply)
}

/// The consent page: who asks for what, and two forms that send the same parameters back with
/// `decision=approve` or `decision=deny`. Everything taken from the URL is escaped.
fn consent_page(params: &[(String, String)]) -> Reply {
    let value = |name| escape(body::given(params, name).unwrap_or_default());
    let hidden: String = params
        .iter()
        .filter(|(name, _)| name != "decision")
        .map(|(name, value)| {
            format!(
                "\n      <input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(name),
                escape(value)
            )
        })
        .collect();
    let form = |decision: &str, label: &str| {
        format!(
            "<form method=\"get\" action=\"{AUTHORIZE_PATH}\">{hidden}
      <input type=\"hidden\" name=\"decision\" value=\"{decision}\">
      <button type=\"submit\" id=\"{decision}\">{label}</button>
    </form>"
        )
    };
    let page = format!(
        "<!DOCTYPE html>
<html lang=\"en\">
<head>
  <meta charset=\"utf-8\">
  <title>Authorize access</title>
</head>
<body>
  <main>
    <h1>Authorize access</h1>
    <p>The application <strong id=\"client-id\">{client_id}</strong> asks for access to your
      account with the scope <strong id=\"scope\">{scope}</strong>.</p>
    {allow}
    {deny}
  </main>
</body>
</html>
",
        client_id = value("client_id"),
        scope = value("scope"),
        allow = form("approve", "Allow"),
        deny = form("deny", "Deny"),
    );
    // The page runs nothing and may only send its forms back here. Browsers apply
    // form-action to the redirect that answers the form too, so the callback's origin is
    // allowed as well (only when it is a plain http(s) origin; otherwise the redirect is
    // blocked, as a provider would refuse such a redirect_uri).
    let redirect_origin = body::given(params, "redirect_uri")
        .and_then(origin)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    Reply::html(200, page)
        .with("Cache-Control", "no-store".into())
        .with(
            "Content-Security-Policy",
            format!("default-src 'none'; form-action 'self'{redirect_origin}"),
        )
}

/// `scheme://host[:port]` of an http(s) URL, when it is safe to put in a policy header.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let safe = |b: u8| b.is_ascii_alphanumeric() || b".-:[]".contains(&b);
    (!authority.is_empty() && authority.bytes().all(safe))
        .then(|| format!("{}://{authority}", scheme.to_ascii_lowercase()))
}
