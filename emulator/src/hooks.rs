//! The test hooks under `/__emulator`: reset the emulator, read the request journal, arm and
//! disarm faults, and a health check. They act on the whole [`App`] and are themselves neither
//! journalled nor subject to faults.

use crate::consts::VERSION;
use crate::ctx::App;
use crate::http::Request;
use crate::reply::{ApiError, ApiResult, Reply};
use serde_json::{json, Value};

/// `POST /__emulator/reset`: forgets state, journal and faults.
pub fn reset(app: &App) -> ApiResult {
    app.platform.state().reset();
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
