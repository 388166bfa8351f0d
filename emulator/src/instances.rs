//! Instances and their lifecycle: `POST /instances` (and under an element), `GET /instances`,
//! and one instance's `GET`, `PUT`, `PATCH`, `DELETE` and enabled flag, the instance named by
//! id, by id under its element, or by its Element token (see [`Target`]). Checks run in the
//! order the platform runs them, so that clients see the same status for the same mistake.
//! Names and tags are stored without HTML markup, as the platform stores them.

use crate::auth::{authenticate, carries_element_token};
use crate::body::{self, json_object};
use crate::catalog::{Element, OAUTH_REQUIRED};
use crate::ctx::Platform;
use crate::elements;
use crate::html::strip_markup;
use crate::http::Request;
use crate::paging;
use crate::properties;
use crate::query;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::{Instance, State};
use crate::target::{found, with_target, Target};
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
    // Without tags the platform tags an instance with its name, so it can be found by it.
    let tags = fields.tags.unwrap_or_else(|| vec![name.clone()]);
    let instance = state.add_instance(element, name, tags, configuration);
    Ok(Reply::json(200, &instance.document()))
}

/// `GET /instances`: the list, or with an Element token the token's instance.
pub fn list_or_own(platform: &Platform, request: &Request) -> ApiResult {
    if carries_element_token(request) {
        get(platform, request, Target::Token)
    } else {
        list(platform, request)
    }
}

/// `GET` one instance.
pub fn get(platform: &Platform, request: &Request, target: Target<'_>) -> ApiResult {
    with_target(platform, request, target, |state, id| {
        Ok(Reply::json(200, &found(state, id)?.document()))
    })
}

/// `PUT` (replaces each member given) and `PATCH` (merges configuration entries) of one
/// instance; with `providerData.code` they re-authenticate, keeping id and token.
pub fn update(
    platform: &Platform,
    request: &Request,
    target: Target<'_>,
    partial: bool,
) -> ApiResult {
    with_target(platform, request, target, |state, id| {
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

/// `DELETE` one instance: 200 with no body.
pub fn delete(platform: &Platform, request: &Request, target: Target<'_>) -> ApiResult {
    with_target(platform, request, target, |state, id| {
        state.instances.retain(|i| i.id != id);
        Ok(Reply::empty())
    })
}

/// `PUT` (enable) and `DELETE` (disable) `/instances/{id}/enabled`, answering the instance.
pub fn set_enabled(
    platform: &Platform,
    request: &Request,
    target: Target<'_>,
    enabled: bool,
) -> ApiResult {
    with_target(platform, request, target, |state, id| {
        let instance = found(state, id)?;
        instance.disabled = !enabled;
        Ok(Reply::json(200, &instance.document()))
    })
}

/// `GET /instances`: filtered by every `tags[]` and by `searchText`, then paged.
fn list(platform: &Platform, request: &Request) -> ApiResult {
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
        Some(Value::String(name)) => Some(strip_markup(name)),
        Some(_) => return Err(wrong("name must be a string")),
    };
    let tags = match body.get("tags") {
        None | Some(Value::Null) => None,
        Some(Value::Array(tags)) => Some(
            tags.iter()
                .map(|t| t.as_str().map(strip_markup))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| wrong("tags must be an array of strings"))?
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect(),
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

/// Refuses a configuration that lacks entries the element requires, naming every one.
fn check_required(element: &Element, configuration: &Map<String, Value>) -> Result<(), ApiError> {
    let missing: Vec<&str> = OAUTH_REQUIRED
        .iter()
        .chain(element.extra_required)
        .copied()
        .filter(|key| properties::given(configuration, key).is_none())
        .collect();
    body::refuse_missing("configuration", &missing)
}

/// Spends `code` for the client and callback the configuration names.
fn redeem(
    state: &mut State,
    code: &str,
    configuration: &Map<String, Value>,
) -> Result<(), ApiError> {
    let client_id = properties::given(configuration, "oauth.api.key").unwrap_or_default();
    let redirect_uri = properties::given(configuration, "oauth.callback.url").unwrap_or_default();
    state
        .redeem(code, &client_id, &redirect_uri)
        .map_err(|refusal| ApiError {
            provider_message: Some("invalid_grant"),
            ..ApiError::bad_request(refusal.message())
        })
}
