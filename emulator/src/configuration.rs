//! An instance's configuration as a list of entries: `GET /instances/{id}/configuration`, and
//! `GET` and `PATCH /instances/{id}/configuration/{configId}` for one entry; the same below
//! `/instances/configuration` for the instance named by the Element token. Entry ids stay the
//! same across reads and updates of the instance.

use crate::body::json_object;
use crate::ctx::Platform;
use crate::http::Request;
use crate::properties::{self, MASK};
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::{Instance, State};
use crate::target::{found, with_target, Target};
use serde_json::Value;

/// `GET .../configuration`: every entry, defaults included, secrets masked.
pub fn list(platform: &Platform, request: &Request, target: Target<'_>) -> ApiResult {
    with_target(platform, request, target, |state, id| {
        let entries = state.config_entries(id);
        let instance = found(state, id)?;
        let documents: Vec<Value> = entries
            .iter()
            .map(|(key, config_id)| {
                properties::entry(instance.element, &instance.configuration, *config_id, key)
            })
            .collect();
        Ok(Reply::json(200, &Value::Array(documents)))
    })
}

/// `GET .../configuration/{configId}`.
pub fn get(
    platform: &Platform,
    request: &Request,
    target: Target<'_>,
    config_id: &str,
) -> ApiResult {
    with_entry(platform, request, target, config_id, |_, _| Ok(()))
}

/// `PATCH .../configuration/{configId}` with the entry and a new `propertyValue` (a string,
/// boolean, number, or null to fall back to the default). A secret entry sent back masked
/// keeps its value, so that a client may return an entry as it read it.
pub fn patch(
    platform: &Platform,
    request: &Request,
    target: Target<'_>,
    config_id: &str,
) -> ApiResult {
    with_entry(platform, request, target, config_id, |instance, key| {
        let body = json_object(request)?;
        if body.get("key").is_some_and(|k| k.as_str() != Some(key)) {
            return Err(ApiError::bad_request("key does not match the entry's key"));
        }
        let value = match body.get("propertyValue") {
            None => return Err(ApiError::bad_request("propertyValue is required")),
            Some(v @ (Value::Null | Value::String(_) | Value::Bool(_) | Value::Number(_))) => v,
            Some(_) => {
                return Err(ApiError::bad_request(
                    "propertyValue must be a string, boolean, number or null",
                ))
            }
        };
        let unchanged = properties::is_secret(key) && value.as_str() == Some(MASK);
        if value.is_null() {
            instance.configuration.remove(key);
        } else if !unchanged {
            instance
                .configuration
                .insert(key.to_string(), value.clone());
        }
        Ok(())
    })
}

/// Runs `change` on the instance and the key of the entry `config_id` names (404 when the
/// instance lists no such entry), then answers the entry.
fn with_entry(
    platform: &Platform,
    request: &Request,
    target: Target<'_>,
    config_id: &str,
    change: impl FnOnce(&mut Instance, &str) -> Result<(), ApiError>,
) -> ApiResult {
    with_target(platform, request, target, |state, id| {
        let (key, config_id) = entry_key(state, id, config_id)?;
        let instance = found(state, id)?;
        change(instance, &key)?;
        let entry = properties::entry(instance.element, &instance.configuration, config_id, &key);
        Ok(Reply::json(200, &entry))
    })
}

/// The key of the entry `config_id` names among the instance's entries (404 otherwise).
fn entry_key(state: &mut State, id: u64, config_id: &str) -> Result<(String, u64), ApiError> {
    let wanted = config_id.parse::<u64>().ok();
    state
        .config_entries(id)
        .into_iter()
        .find(|(_, entry_id)| Some(*entry_id) == wanted)
        .ok_or_else(|| ApiError::not_found(format!("No configuration entry with id '{config_id}'")))
}
