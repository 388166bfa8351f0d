//! The route table: which handler answers a path, and which methods each path allows (405
//! with `Allow` for the others). Nothing else happens here.

use crate::auth::carries_element_token;
use crate::consts::BASE_PATH;
use crate::ctx::{App, Platform};
use crate::http::Request;
use crate::reply::{ApiError, ApiResult};
use crate::target::Target;
use crate::{configuration, elements, hooks, hubs, instances, oauth, query};

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
        "/__emulator/health" => "GET",
        "/__emulator/events" => "POST",
        "/__emulator/deliveries" => "GET",
        _ => return Err(ApiError::not_found("No such emulator hook")),
    };
    check_method(request, allowed)?;
    match (request.path.as_str(), request.method.as_str()) {
        ("/__emulator/reset", _) => hooks::reset(app),
        ("/__emulator/requests", _) => hooks::requests(app),
        ("/__emulator/health", _) => hooks::health(),
        ("/__emulator/events", _) => hooks::raise_event(app, request),
        ("/__emulator/deliveries", _) => hooks::deliveries(app),
        (_, "POST") => hooks::arm_fault(app, request),
        _ => hooks::disarm_faults(app),
    }
}

/// The platform's routes, below the base path.
enum Route<'a> {
    Element(&'a str),
    OauthUrl(&'a str),
    CreateFor(&'a str),
    /// `/instances`: the list and create, or with an Element token the token's instance.
    Instances,
    Instance(Target<'a>),
    Configuration(Target<'a>),
    ConfigurationEntry(Target<'a>, &'a str),
    Enabled(Target<'a>),
    Ping,
    HubList(&'a str),
    HubItem(&'a str, &'a str),
}

impl Route<'_> {
    fn allowed(&self) -> &'static str {
        match self {
            Route::OauthUrl(_) | Route::HubList(..) => "GET, POST",
            Route::CreateFor(_) => "POST",
            Route::Instances => "GET, POST, PUT, PATCH, DELETE",
            Route::Instance(_) => "GET, PUT, PATCH, DELETE",
            Route::ConfigurationEntry(..) => "GET, PATCH",
            Route::HubItem(..) => "GET, PATCH, DELETE",
            Route::Element(_) | Route::Configuration(_) | Route::Ping => "GET",
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
        ["elements", element] => Route::Element(element),
        ["elements", element, "oauth", "url"] => Route::OauthUrl(element),
        ["elements", element, "instances"] => Route::CreateFor(element),
        ["elements", element, "instances", id] => Route::Instance(Target::Scoped { element, id }),
        ["instances"] => Route::Instances,
        ["instances", "configuration"] => Route::Configuration(Target::Token),
        ["instances", "configuration", entry] => Route::ConfigurationEntry(Target::Token, entry),
        ["instances", id] => Route::Instance(Target::Id(id)),
        ["instances", id, "configuration"] => Route::Configuration(Target::Id(id)),
        ["instances", id, "configuration", entry] => {
            Route::ConfigurationEntry(Target::Id(id), entry)
        }
        ["instances", id, "enabled"] => Route::Enabled(Target::Id(id)),
        ["ping"] | ["hubs", _, "ping"] => Route::Ping,
        // The hub segment is not checked: the instance's hub decides.
        ["hubs", _, resource] => Route::HubList(resource),
        ["hubs", _, resource, id] => Route::HubItem(resource, id),
        // Without the hub segment, a path is a resource only through an instance.
        [resource] if carries_element_token(request) => Route::HubList(resource),
        [resource, id] if carries_element_token(request) => Route::HubItem(resource, id),
        _ => return Err(ApiError::not_found("No such resource")),
    };
    check_method(request, route.allowed())?;
    let method = request.method.as_str();
    match route {
        Route::Element(element) => elements::get(platform, request, element),
        Route::OauthUrl(element) => oauth::url(platform, request, element),
        Route::CreateFor(element) => instances::create(platform, request, Some(element)),
        Route::Instances => match method {
            "GET" => instances::list_or_own(platform, request),
            "POST" => instances::create(platform, request, None),
            _ => instance(platform, request, Target::Token),
        },
        Route::Instance(target) => instance(platform, request, target),
        Route::Configuration(target) => configuration::list(platform, request, target),
        Route::ConfigurationEntry(target, entry) if method == "GET" => {
            configuration::get(platform, request, target, entry)
        }
        Route::ConfigurationEntry(target, entry) => {
            configuration::patch(platform, request, target, entry)
        }
        Route::Enabled(target) => {
            instances::set_enabled(platform, request, target, method == "PUT")
        }
        Route::Ping => hubs::ping(platform, request),
        Route::HubList(resource) => hubs::collection(platform, request, resource),
        Route::HubItem(resource, id) => hubs::item(platform, request, resource, id),
    }
}

/// One instance's `GET`, `PUT`, `PATCH` or `DELETE`.
fn instance(platform: &Platform, request: &Request, target: Target<'_>) -> ApiResult {
    match request.method.as_str() {
        "GET" => instances::get(platform, request, target),
        "PUT" => instances::update(platform, request, target, false),
        "PATCH" => instances::update(platform, request, target, true),
        _ => instances::delete(platform, request, target),
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
