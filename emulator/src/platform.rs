//! The platform's API under `/elements/api-v2`: oauth/url, instances and their lifecycle, and
//! the calls made through an instance (`/ping`, one sample resource per hub). Checks run in
//! the order the platform runs them, so that clients see the same status for the same mistake.

use crate::catalog::{self, Element, OAUTH_REQUIRED, SAMPLE_COUNT};
use crate::http::Request;
use crate::query;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::routes::App;
use crate::state::{Instance, State};
use serde_json::{json, Map, Value};

/// The platform's wording, which clients match on.
const MISSING_CODE: &str =
    "You must provide an OAuth code in order to create an instance of this element";
/// `pageSize` when none is given, as on the platform.
const DEFAULT_PAGE_SIZE: usize = 200;

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

/// Handles a request whose path is the base path followed by `rest`.
pub fn handle(app: &App, request: &Request, rest: &str) -> ApiResult {
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
    let allowed = route.allowed();
    let method = request.method.as_str();
    if !allowed.split(", ").any(|m| m == method) {
        return Err(ApiError::method_not_allowed(allowed));
    }
    match route {
        Route::OauthUrl(element) => oauth_url(app, request, element),
        Route::CreateFor(element) => create(app, request, Some(element)),
        Route::Instances if method == "GET" => list(app, request),
        Route::Instances => create(app, request, None),
        Route::Instance(id) => match method {
            "GET" => with_instance(app, request, id, |i| Ok(Reply::json(200, &i.document()))),
            "PUT" => update(app, request, id, false),
            "PATCH" => update(app, request, id, true),
            _ => with_id(app, request, id, |state, id| {
                state.instances.retain(|i| i.id != id);
                Ok(Reply::empty())
            }),
        },
        Route::Configuration(id) => with_instance(app, request, id, |instance| {
            Ok(Reply::json(200, &instance.masked_configuration()))
        }),
        Route::Enabled(id) => with_instance(app, request, id, |instance| {
            instance.disabled = method == "DELETE";
            Ok(Reply::json(200, &instance.document()))
        }),
        Route::Ping => through_instance(app, request, |instance| {
            Ok(Reply::json(
                200,
                &json!({
                    "endpoint": instance.element.key,
                    "instanceId": instance.id,
                    "instanceName": instance.name,
                    "valid": true,
                    "disabled": instance.disabled,
                }),
            ))
        }),
        Route::HubList(hub, resource) => through_instance(app, request, |instance| {
            check_hub(instance, hub, resource)?;
            if method == "GET" {
                let mut items: Vec<Value> = (1..=SAMPLE_COUNT)
                    .map(|id| catalog::sample(hub, id))
                    .collect();
                items.extend(instance.created_items.iter().cloned());
                return page(items, &query::parse(&request.query));
            }
            let mut item = json_object(request)?;
            let id = SAMPLE_COUNT + 1 + instance.created_items.len() as u64;
            item.insert("id".into(), Value::from(id));
            let item = Value::Object(item);
            instance.created_items.push(item.clone());
            Ok(Reply::json(200, &item))
        }),
        Route::HubItem(hub, resource, id) => through_instance(app, request, |instance| {
            check_hub(instance, hub, resource)?;
            let not_found = || ApiError::not_found(format!("No {resource} item with id '{id}'"));
            let id: u64 = id.parse().map_err(|_| not_found())?;
            let item = if (1..=SAMPLE_COUNT).contains(&id) {
                catalog::sample(hub, id)
            } else {
                let created = instance.created_items.iter().find(|i| i["id"] == id);
                created.cloned().ok_or_else(not_found)?
            };
            Ok(Reply::json(200, &item))
        }),
    }
}

/// Checks the User and Organization secrets; answers the Element token if one was sent.
/// Refusals never repeat the header, which holds secrets.
fn authenticate(app: &App, request: &Request) -> Result<Option<String>, ApiError> {
    let refused = || ApiError::new(401, "Invalid or missing User and Organization secrets");
    let header = request.header("authorization").ok_or_else(refused)?;
    let (mut user, mut organization, mut element) = (None, None, None);
    for part in header.split(',') {
        let (name, value) = part
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(refused)?;
        let slot = match name {
            n if n.eq_ignore_ascii_case("User") => &mut user,
            n if n.eq_ignore_ascii_case("Organization") => &mut organization,
            n if n.eq_ignore_ascii_case("Element") => &mut element,
            _ => return Err(refused()),
        };
        let value = value.trim();
        if slot.is_some() || value.is_empty() {
            return Err(refused());
        }
        *slot = Some(value);
    }
    if user != Some(app.user_secret.as_str())
        || organization != Some(app.organization_secret.as_str())
    {
        return Err(refused());
    }
    Ok(element.map(str::to_string))
}

/// Runs `f` on the instance whose token the request carries (401 unknown, 403 disabled).
fn through_instance(
    app: &App,
    request: &Request,
    f: impl FnOnce(&mut Instance) -> ApiResult,
) -> ApiResult {
    let refused = || ApiError::new(401, "Invalid or missing Element token");
    let token = authenticate(app, request)?.ok_or_else(refused)?;
    let mut state = app.state();
    let instance = state.by_token(&token).ok_or_else(refused)?;
    if instance.disabled {
        return Err(ApiError::new(403, "The instance is disabled"));
    }
    f(instance)
}

/// Runs `f` on the state and the id in the path, once the secrets are checked and an instance
/// with that id is known to exist (404 otherwise).
fn with_id(
    app: &App,
    request: &Request,
    id: &str,
    f: impl FnOnce(&mut State, u64) -> ApiResult,
) -> ApiResult {
    authenticate(app, request)?;
    let mut state = app.state();
    let known = id
        .parse::<u64>()
        .ok()
        .filter(|id| state.instance(*id).is_some());
    let id = known.ok_or_else(|| ApiError::not_found(format!("No instance with id '{id}'")))?;
    f(&mut state, id)
}

/// Runs `f` on the instance with the id in the path.
fn with_instance(
    app: &App,
    request: &Request,
    id: &str,
    f: impl FnOnce(&mut Instance) -> ApiResult,
) -> ApiResult {
    with_id(app, request, id, |state, id| f(found(state, id)?))
}

fn found(state: &mut State, id: u64) -> Result<&mut Instance, ApiError> {
    state
        .instance_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("No instance with id '{id}'")))
}

/// The body of a request that must carry a JSON object.
fn json_object(request: &Request) -> Result<Map<String, Value>, ApiError> {
    let media_type = request
        .header("content-type")
        .and_then(|v| v.split(';').next());
    if !media_type.is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")) {
        return Err(ApiError::new(415, "Content-Type must be application/json"));
    }
    match serde_json::from_slice(&request.body) {
        Ok(Value::Object(body)) => Ok(body),
        Ok(_) => Err(ApiError::bad_request(
            "The request body must be a JSON object",
        )),
        Err(_) => Err(ApiError::bad_request("The request body is not valid JSON")),
    }
}

fn unknown_element(key_or_id: &str) -> ApiError {
    ApiError::not_found(format!("No element found with key or id '{key_or_id}'"))
}

/// `GET` (query) or `POST` (JSON body) `/elements/{keyOrId}/oauth/url`.
fn oauth_url(app: &App, request: &Request, key_or_id: &str) -> ApiResult {
    // Documented as needing no header; one that is sent must still be right.
    if request.header("authorization").is_some() {
        authenticate(app, request)?;
    }
    let element = catalog::find(key_or_id).ok_or_else(|| unknown_element(key_or_id))?;
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
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let missing: Vec<&str> = ["apiKey", "apiSecret", "callbackUrl"]
        .into_iter()
        .filter(|name| param(name).is_none())
        .collect();
    let (Some(api_key), Some(callback_url), true) =
        (param("apiKey"), param("callbackUrl"), missing.is_empty())
    else {
        let message = format!("Missing required parameters: {}", missing.join(", "));
        return Err(ApiError::bad_request(message));
    };
    let authorize = query::build(&[
        ("response_type", "code"),
        ("client_id", api_key),
        ("redirect_uri", callback_url),
        ("scope", param("scope").unwrap_or("full")),
        // The platform's own fallback: a constant, which is why clients send their own.
        ("state", param("state").unwrap_or(element.key)),
    ]);
    let url = format!(
        "{}{}?{authorize}",
        app.root_url,
        crate::provider::AUTHORIZE_PATH
    );
    Ok(Reply::json(
        200,
        &json!({"element": element.key, "oauthUrl": url}),
    ))
}

/// The members of an instance body that create and update read, type-checked.
struct Fields {
    name: Option<String>,
    tags: Option<Vec<String>>,
    /// Null entries are kept: PATCH removes those entries, create and PUT drop them.
    configuration: Option<Map<String, Value>>,
    code: Option<String>,
    /// `externalAuthentication: "initial"`: created from an existing token, no code needed.
    initial: bool,
}

fn fields(body: &Map<String, Value>) -> Result<Fields, ApiError> {
    let wrong = |what: &str| ApiError::bad_request(what);
    let name = match body.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => return Err(wrong("name must be a string")),
    };
    let tags = match body.get("tags") {
        None | Some(Value::Null) => None,
        Some(Value::Array(tags)) => Some(
            tags.iter()
                .map(|t| t.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| wrong("tags must be an array of strings"))?,
        ),
        Some(_) => return Err(wrong("tags must be an array of strings")),
    };
    let configuration = match body.get("configuration") {
        None | Some(Value::Null) => None,
        Some(Value::Object(entries)) => {
            if let Some((key, _)) = entries.iter().find(|(_, v)| v.is_array() || v.is_object()) {
                return Err(wrong(&format!(
                    "configuration entry '{key}' must be a string, boolean or number"
                )));
            }
            Some(entries.clone())
        }
        Some(_) => return Err(wrong("configuration must be an object")),
    };
    let code = match body.get("providerData") {
        None | Some(Value::Null) => None,
        Some(Value::Object(data)) => match data.get("code") {
            None | Some(Value::Null) => None,
            Some(Value::String(code)) => Some(code.clone()).filter(|c| !c.is_empty()),
            Some(_) => return Err(wrong("providerData.code must be a string")),
        },
        Some(_) => return Err(wrong("providerData must be an object")),
    };
    let initial = match body.get("externalAuthentication") {
        None | Some(Value::Null) => false,
        Some(v) if v == "none" => false,
        Some(v) if v == "initial" => true,
        Some(_) => {
            return Err(wrong(
                "externalAuthentication must be \"none\" or \"initial\"",
            ))
        }
    };
    Ok(Fields {
        name,
        tags,
        configuration,
        code,
        initial,
    })
}

/// The element an `/instances` body names: `{"key": ...}` or `{"id": ...}`.
fn element_of(body: &Map<String, Value>) -> Result<&'static Element, ApiError> {
    let required = || ApiError::bad_request("element is required: {\"key\": ...} or {\"id\": ...}");
    let element = body
        .get("element")
        .and_then(Value::as_object)
        .ok_or_else(required)?;
    let key_or_id = match (element.get("key"), element.get("id")) {
        (Some(Value::String(key)), _) => key.clone(),
        (_, Some(Value::Number(id))) => id.to_string(),
        (_, Some(Value::String(id))) if id.parse::<u64>().is_ok() => id.clone(),
        _ => return Err(required()),
    };
    catalog::find(&key_or_id).ok_or_else(|| unknown_element(&key_or_id))
}

/// A configuration entry as text; absent, null and empty entries count as missing.
fn entry(configuration: &Map<String, Value>, key: &str) -> Option<String> {
    match configuration.get(key)? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Refuses a configuration that lacks entries the element requires, naming every one.
fn check_required(element: &Element, configuration: &Map<String, Value>) -> Result<(), ApiError> {
    let missing: Vec<&str> = OAUTH_REQUIRED
        .iter()
        .chain(element.extra_required)
        .copied()
        .filter(|key| entry(configuration, key).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "Missing required configuration: {}",
        missing.join(", ")
    )))
}

/// Spends `code` for the client and callback the configuration names.
fn redeem(
    state: &mut State,
    code: &str,
    configuration: &Map<String, Value>,
) -> Result<(), ApiError> {
    let client_id = entry(configuration, "oauth.api.key").unwrap_or_default();
    let redirect_uri = entry(configuration, "oauth.callback.url").unwrap_or_default();
    state
        .redeem(code, &client_id, &redirect_uri)
        .map_err(|refusal| ApiError {
            provider_message: Some("invalid_grant"),
            ..ApiError::bad_request(refusal.message())
        })
}

/// `POST /instances` and `POST /elements/{keyOrId}/instances`.
fn create(app: &App, request: &Request, path_element: Option<&str>) -> ApiResult {
    authenticate(app, request)?;
    let body = json_object(request)?;
    let fields = fields(&body)?;
    let element = match path_element {
        Some(key_or_id) => catalog::find(key_or_id).ok_or_else(|| unknown_element(key_or_id))?,
        None => element_of(&body)?,
    };
    if fields.code.is_none() && !fields.initial {
        return Err(ApiError::bad_request(MISSING_CODE));
    }
    let mut configuration = fields.configuration.unwrap_or_default();
    configuration.retain(|_, v| !v.is_null());
    check_required(element, &configuration)?;
    let mut state = app.state();
    if let (Some(code), false) = (&fields.code, fields.initial) {
        redeem(&mut state, code, &configuration)?;
    }
    let name = fields.name.unwrap_or_else(|| element.key.to_string());
    let tags = fields.tags.unwrap_or_default();
    let instance = state.add_instance(element, name, tags, configuration);
    Ok(Reply::json(200, &instance.document()))
}

/// `PUT` (replaces each member given) and `PATCH` (merges configuration entries) of
/// `/instances/{id}`; with `providerData.code` they re-authenticate, keeping id and token.
fn update(app: &App, request: &Request, id: &str, partial: bool) -> ApiResult {
    with_id(app, request, id, |state, id| {
        let fields = fields(&json_object(request)?)?;
        let instance = found(state, id)?;
        let element = instance.element;
        let mut configuration = instance.configuration.clone();
        if let Some(given) = fields.configuration {
            if !partial {
                configuration.clear();
            }
            for (key, value) in given {
                if value.is_null() {
                    configuration.remove(&key);
                } else {
                    configuration.insert(key, value);
                }
            }
        }
        if let Some(code) = &fields.code {
            check_required(element, &configuration)?;
            redeem(state, code, &configuration)?;
        }
        let instance = found(state, id)?;
        instance.configuration = configuration;
        if let Some(name) = fields.name {
            instance.name = name;
        }
        if let Some(tags) = fields.tags {
            instance.tags = tags;
        }
        Ok(Reply::json(200, &instance.document()))
    })
}

/// `GET /instances`: filtered by every `tags[]` and by `searchText`, then paged.
fn list(app: &App, request: &Request) -> ApiResult {
    authenticate(app, request)?;
    let params = query::parse(&request.query);
    let tags: Vec<&str> = params
        .iter()
        .filter(|(n, _)| n == "tags[]")
        .map(|(_, v)| v.as_str())
        .collect();
    let search = params
        .iter()
        .find(|(n, v)| n == "searchText" && !v.is_empty())
        .map(|(_, v)| v.to_lowercase());
    let matching: Vec<Value> = app
        .state()
        .instances
        .iter()
        .filter(|i| tags.iter().all(|t| i.tags.iter().any(|have| have == t)))
        .filter(|i| {
            search
                .as_ref()
                .is_none_or(|s| i.name.to_lowercase().contains(s))
        })
        .map(Instance::document)
        .collect();
    // The platform has been seen to answer a search without match with 404.
    if matching.is_empty() && (!tags.is_empty() || search.is_some()) {
        return Err(ApiError::not_found("No instances match the search"));
    }
    page(matching, &params)
}

/// One page of `items`, per `pageSize` and `nextPage`, with the platform's paging headers.
fn page(items: Vec<Value>, params: &[(String, String)]) -> ApiResult {
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let size = match param("pageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(size) => size
            .parse::<usize>()
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| ApiError::bad_request("pageSize must be a positive whole number"))?,
    };
    let start = match param("nextPage") {
        None | Some("") => 0,
        Some(token) => token
            .strip_prefix("offset-")
            .and_then(|offset| offset.parse::<usize>().ok())
            .ok_or_else(|| {
                ApiError::bad_request("nextPage is not a page token this server issued")
            })?,
    };
    let total = items.len();
    let start = start.min(total);
    let end = start.saturating_add(size).min(total);
    let returned = end - start;
    let body = Value::Array(items.into_iter().skip(start).take(returned).collect());
    let mut reply = Reply::json(200, &body)
        .with("Elements-Returned-Count", returned.to_string())
        .with("Elements-Total-Count", total.to_string());
    if end < total {
        reply = reply.with("Elements-Next-Page-Token", format!("offset-{end}"));
    }
    Ok(reply)
}

/// 404 unless the instance's element is of `hub` and `resource` is that hub's sample resource.
fn check_hub(instance: &Instance, hub: &str, resource: &str) -> Result<(), ApiError> {
    if instance.element.hub != hub {
        return Err(ApiError::not_found(format!(
            "This instance's element has no hub '{hub}'"
        )));
    }
    if catalog::resource_of(hub) != Some(resource) {
        return Err(ApiError::not_found(format!(
            "No resource '{resource}' in hub '{hub}'"
        )));
    }
    Ok(())
}
