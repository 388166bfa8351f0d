//! The route table: which handler answers a path, and which methods each path allows (405
//! with `Allow` for the others). Nothing else happens here.

use crate::consts::BASE_PATH;
use crate::ctx::{App, Platform};
use crate::http::Request;
use crate::reply::{ApiError, ApiResult};
use crate::{hooks, hubs, instances, oauth, query};

/// Whether `path` is a test hook's (`/__emulator/...`).
pub fn is_hook(path: &str) -> bool {
    path == "/__emulator" || path.starts_with("/__emulator/")
}

/// Answers a test hook.
pub fn hook(app: &App, request: &Request) -> ApiResult {
    let allowed = match request.path.as_str() {
        "/__emulator/reset" => "POST",
        "/__emulator/requests" => "GET",
        "/__emulator/faults" => "POST, DELETE",
        _ => return Err(ApiError::not_found("No such emulator hook")),
    };
    check_method(request, allowed)?;
    match (request.path.as_str(), request.method.as_str()) {
        ("/__emulator/reset", _) => hooks::reset(app),
        ("/__emulator/requests", _) => hooks::requests(app),
        (_, "POST") => hooks::arm_fault(app, request),
        _ => hooks::disarm_faults(app),
    }
}

/// The platform's routes, below the base path.
enum Route<'a> {
    OauthUrl(&'a str),
    CreateFor(&'a str),
    Instances,
    Instance(&'a str),
    Configuration(&'a str),
    Enabled(&'a str),
    Ping,
    HubList(&'a str, &'a str),
    HubItem(&'a str, &'a str, &'a str),
}

impl Route<'_> {
    fn allowed(&self) -> &'static str {
        match self {
            Route::OauthUrl(_) | Route::HubList(..) => "GET, POST",
            Route::CreateFor(_) => "POST",
            Route::Instances => "GET, POST",
            Route::Instance(_) => "GET, PUT, PATCH, DELETE",
            Route::Configuration(_) | Route::Ping | Route::HubItem(..) => "GET",
            Route::Enabled(_) => "PUT, DELETE",
        }
    }
}

/// Answers a request to the platform (below the base path) or to the provider.
pub fn platform(platform: &Platform, request: &Request) -> ApiResult {
    let rest = match request.path.strip_prefix(BASE_PATH) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ if request.path == oauth::AUTHORIZE_PATH => return oauth::authorize(platform, request),
        _ => return Err(ApiError::not_found("No such resource")),
    };
    let segments: Vec<String> = rest.split('/').skip(1).map(query::decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let route = match segments[..] {
        ["elements", element, "oauth", "url"] => Route::OauthUrl(element),
        ["elements", element, "instances"] => Route::CreateFor(element),
        ["instances"] => Route::Instances,
        ["instances", id] => Route::Instance(id),
        ["instances", id, "configuration"] => Route::Configuration(id),
        ["instances", id, "enabled"] => Route::Enabled(id),
        ["ping"] => Route::Ping,
        ["hubs", hub, resource] => Route::HubList(hub, resource),
        ["hubs", hub, resource, id] => Route::HubItem(hub, resource, id),
        _ => return Err(ApiError::not_found("No such resource")),
    };
    check_method(request, route.allowed())?;
    let method = request.method.as_str();
    match route {
        Route::OauthUrl(element) => oauth::url(platform, request, element),
        Route::CreateFor(element) => instances::create(platform, request, Some(element)),
        Route::Instances if method == "GET" => instances::list(platform, request),
        Route::Instances => instances::create(platform, request, None),
        Route::Instance(id) => match method {
            "GET" => instances::get(platform, request, id),
            "PUT" => instances::update(platform, request, id, false),
            "PATCH" => instances::update(platform, request, id, true),
            _ => instances::delete(platform, request, id),
        },
        Route::Configuration(id) => instances::configuration(platform, request, id),
        Route::Enabled(id) => instances::set_enabled(platform, request, id, method == "PUT"),
        Route::Ping => hubs::ping(platform, request),
        Route::HubList(hub, resource) => hubs::collection(platform, request, hub, resource),
        Route::HubItem(hub, resource, id) => hubs::item(platform, request, hub, resource, id),
    }
}

/// 405 unless the request's method is one of `allowed` (", "-separated).
fn check_method(request: &Request, allowed: &'static str) -> Result<(), ApiError> {
    if allowed.split(", ").any(|m| m == request.method) {
        Ok(())
    } else {
        Err(ApiError::method_not_allowed(allowed))
    }
}
