//! The emulated OAuth provider's authorize page, at the server root: instead of a login form
//! it decides at once, approving unless the URL carries `decision=deny`, and redirects back.

use crate::http::Request;
use crate::query;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::routes::App;

/// Where the authorize page lives.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";

/// `GET /oauth/authorize?response_type=code&client_id=..&redirect_uri=..&scope=..&state=..`
pub fn authorize(app: &App, request: &Request) -> ApiResult {
    if request.method != "GET" {
        return Err(ApiError::method_not_allowed("GET"));
    }
    let params = query::parse(&request.query);
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let missing: Vec<&str> = ["client_id", "redirect_uri"]
        .into_iter()
        .filter(|name| param(name).is_none())
        .collect();
    let (Some(client_id), Some(redirect_uri)) = (param("client_id"), param("redirect_uri")) else {
        return Err(ApiError::bad_request(format!(
            "Missing required parameters: {}",
            missing.join(", ")
        )));
    };
    let mut answer: Vec<(&str, &str)> = Vec::new();
    let code;
    if param("response_type").is_some_and(|t| t != "code") {
        answer.push(("error", "unsupported_response_type"));
        answer.push(("error_description", "Only response_type=code is supported"));
    } else if param("decision") == Some("deny") {
        answer.push(("error", "access_denied"));
        answer.push(("error_description", "The user denied access"));
    } else {
        code = app.state().issue_code(client_id, redirect_uri);
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
