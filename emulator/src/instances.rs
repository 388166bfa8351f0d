//! Instances and their lifecycle: `POST /instances` (and under an element), `GET /instances`,
//! and one instance's `GET`, `PUT`, `PATCH`, `DELETE`, configuration and enabled flag. Checks
//! run in the order the platform runs them, so that clients see the same status for the same
//! mistake.

use crate::auth::authenticate;
use crate::body::{self, json_object};
use crate::catalog::{Element, OAUTH_REQUIRED};
use crate::ctx::Platform;
use crate::elements;
use crate::http::Request;
use crate::paging;
use crate::query;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::{Instance, State};
use serde_json::{Map, Value};

/// The platform's wording, which clients match on.
const MISSING_CODE: &str =
    "You must provide an OAuth code in order to create an instance of this element";

/// `POST /instances` and `POST /elements/{keyOrId}/instances`.
pub fn create(platform: &Platform, request: &Request, path_element: Option<&str>) -> ApiResult {
    authenticate(platform, request)?;
    let body = json_object(request)?;
    let fields = fields(&body)?;
    let element = match path_element {
        Some(key_or_id) => elements::find(key_or_id)?,
        None => element_of(&body)?,
    };
    if fields.code.is_none() && !fields.initial {
        return Err(ApiError::bad_request(MISSING_CODE));
    }
    let mut configuration = fields.configuration.unwrap_or_default();
    configuration.retain(|_, v| !v.is_null());
    check_required(element, &configuration)?;
    let mut state = platform.state();
    if let (Some(code), false) = (&fields.code, fields.initial) {
        redeem(&mut state, code, &configuration)?;
    }
    let name = fields.name.unwrap_or_else(|| element.key.to_string());
    let tags = fields.tags.unwrap_or_default();
    let instance = state.add_instance(element, name, tags, configuration);
    Ok(Reply::json(200, &instance.document()))
}

/// `GET /instances/{id}`.
pub fn get(platform: &Platform, request: &Request, id: &str) -> ApiResult {
    with_instance(platform, request, id, |instance| {
        Ok(Reply::json(200, &instance.document()))
    })
}

/// `PUT` (replaces each member given) and `PATCH` (merges configuration entries) of
/// `/instances/{id}`; with `providerData.code` they re-authenticate, keeping id and token.
pub fn update(platform: &Platform, request: &Request, id: &str, partial: bool) -> ApiResult {
    with_id(platform, request, id, |state, id| {
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

/// `DELETE /instances/{id}`: 200 with no body.
pub fn delete(platform: &Platform, request: &Request, id: &str) -> ApiResult {
    with_id(platform, request, id, |state, id| {
        state.instances.retain(|i| i.id != id);
        Ok(Reply::empty())
    })
}

/// `GET /instances/{id}/configuration`.
pub fn configuration(platform: &Platform, request: &Request, id: &str) -> ApiResult {
    with_instance(platform, request, id, |instance| {
        Ok(Reply::json(200, &instance.masked_configuration()))
    })
}

/// `PUT` (enable) and `DELETE` (disable) `/instances/{id}/enabled`, answering the instance.
pub fn set_enabled(platform: &Platform, request: &Request, id: &str, enabled: bool) -> ApiResult {
    with_instance(platform, request, id, |instance| {
        instance.disabled = !enabled;
        Ok(Reply::json(200, &instance.document()))
    })
}

/// `GET /instances`: filtered by every `tags[]` and by `searchText`, then paged.
pub fn list(platform: &Platform, request: &Request) -> ApiResult {
    authenticate(platform, request)?;
    let params = query::parse(&request.query);
    let tags: Vec<&str> = params
        .iter()
        .filter(|(n, _)| n == "tags[]")
        .map(|(_, v)| v.as_str())
        .collect();
    let search = body::given(&params, "searchText").map(str::to_lowercase);
    let matching: Vec<Value> = platform
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
    paging::page(matching, &params)
}

/// Runs `f` on the state and the id in the path, once the secrets are checked and an instance
/// with that id is known to exist (404 otherwise).
fn with_id(
    platform: &Platform,
    request: &Request,
    id: &str,
    f: impl FnOnce(&mut State, u64) -> ApiResult,
) -> ApiResult {
    authenticate(platform, request)?;
    let mut state = platform.state();
    let known = id
        .parse::<u64>()
        .ok()
        .filter(|id| state.instance(*id).is_some());
    let id = known.ok_or_else(|| ApiError::not_found(format!("No instance with id '{id}'")))?;
    f(&mut state, id)
}

/// Runs `f` on the instance with the id in the path.
fn with_instance(
    platform: &Platform,
    request: &Request,
    id: &str,
    f: impl FnOnce(&mut Instance) -> ApiResult,
) -> ApiResult {
    with_id(platform, request, id, |state, id| f(found(state, id)?))
}

fn found(state: &mut State, id: u64) -> Result<&mut Instance, ApiError> {
    state
        .instance_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("No instance with id '{id}'")))
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
    elements::find(&key_or_id)
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
    body::refuse_missing("configuration", &missing)
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
