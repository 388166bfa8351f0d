//! The test hooks under `/__emulator`: reset the emulator, read the request journal, arm and
//! disarm faults, raise events and read their deliveries, and a health check. They act on the
//! whole [`App`] and are themselves neither journalled nor subject to faults.

use crate::catalog;
use crate::consts::VERSION;
use crate::ctx::App;
use crate::events::{self, Change, EventType};
use crate::http::Request;
use crate::reply::{ApiError, ApiResult, Reply};
use serde_json::{json, Map, Value};

/// `POST /__emulator/reset`: forgets state, journal, faults, and event deliveries (pending
/// retries included: none is made once this has answered).
pub fn reset(app: &App) -> ApiResult {
    app.platform.state().reset();
    app.platform.outbox().reset();
    app.journal.clear();
    app.faults.clear();
    Ok(Reply::json(200, &json!({"reset": true})))
}

/// `GET /__emulator/requests`: the journal, oldest first.
pub fn requests(app: &App) -> ApiResult {
    Ok(Reply::json(200, &app.journal.entries()))
}

/// `POST /__emulator/faults`: arms the fault the body describes.
pub fn arm_fault(app: &App, request: &Request) -> ApiResult {
    let spec = serde_json::from_slice::<Value>(&request.body)
        .map_err(|_| ApiError::bad_request("The fault is not valid JSON"))?;
    let armed = app.faults.arm(&spec).map_err(ApiError::bad_request)?;
    Ok(Reply::json(200, &json!({"armed": armed})))
}

/// `DELETE /__emulator/faults`: disarms every fault.
pub fn disarm_faults(app: &App) -> ApiResult {
    let disarmed = app.faults.clear();
    Ok(Reply::json(200, &json!({"disarmed": disarmed})))
}

/// `GET /__emulator/health`: 200 while the emulator serves, for probes and orchestrators.
pub fn health() -> ApiResult {
    Ok(Reply::json(
        200,
        &json!({"status": "ok", "version": VERSION}),
    ))
}

/// `POST /__emulator/events` with `{"instanceId", "objectType", "objectId", "eventType"}`: the
/// instance sends a notification as if the object had changed at the service. 400 for a bad
/// body, 404 for an unknown instance, 409 when its events are off; `{"eventId"}` otherwise.
pub fn raise_event(app: &App, request: &Request) -> ApiResult {
    let body: Map<String, Value> = serde_json::from_slice(&request.body)
        .map_err(|_| ApiError::bad_request("The event is not a JSON object"))?;
    let bad = |message: &str| ApiError::bad_request(message);
    let instance_id = body
        .get("instanceId")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("instanceId must be an instance's numeric id"))?;
    let object_type = body
        .get("objectType")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("objectType must be a non-empty string"))?;
    let object_id = match body.get("objectId") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        _ => return Err(bad("objectId must be a non-empty string or a number")),
    };
    let event_type = body
        .get("eventType")
        .and_then(Value::as_str)
        .and_then(EventType::parse)
        .ok_or_else(|| bad("eventType must be CREATED, UPDATED or DELETED"))?;
    let mut state = app.platform.state();
    let instance = state
        .instance(instance_id)
        .ok_or_else(|| ApiError::not_found(format!("No instance with id '{instance_id}'")))?;
    if !events::enabled(instance) {
        return Err(ApiError::new(
            409,
            "The instance's events are not enabled (event.notification.enabled and \
             event.notification.callback.url)",
        ));
    }
    // The object as the instance holds it, when it is one of its sample resource's.
    let held = catalog::resource_of(instance.element.hub) == Some(object_type);
    let raw = instance
        .item_index(&object_id)
        .filter(|_| held)
        .map_or_else(|| json!({"id": object_id}), |i| instance.items[i].clone());
    let change = Change {
        object_type: object_type.to_string(),
        object_id,
        event_type,
        raw,
    };
    let event_id = app.platform.notify(&mut state, instance_id, change);
    Ok(Reply::json(200, &json!({"eventId": event_id})))
}

/// `GET /__emulator/deliveries`: every delivery attempt, oldest first.
pub fn deliveries(app: &App) -> ApiResult {
    Ok(Reply::json(200, &app.platform.outbox().attempts()))
}
