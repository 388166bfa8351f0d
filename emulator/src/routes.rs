//! The top of request handling: the test hooks under `/__emulator`, then, for every other
//! request, the journal, the armed faults and the dispatch to the platform or the provider.
//! It also gives every answer the headers all of them carry.

use crate::faults::{Faults, Kind};
use crate::http::{self, Body, Outcome, Request, Response};
use crate::journal::Journal;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::State;
use crate::{platform, provider, BASE_PATH};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

const HOOKS: &str = "/__emulator";

/// Everything a request can reach.
pub struct App {
    state: Mutex<State>,
    journal: Journal,
    faults: Faults,
    /// Request ids of hook answers come from this counter, not the generator, so that arming
    /// faults or reading the journal never shifts a seeded sequence.
    hook_ids: AtomicU64,
    pub user_secret: String,
    pub organization_secret: String,
    /// `http://127.0.0.1:PORT`, for the URLs the emulator hands out.
    pub root_url: String,
}

impl App {
    /// An app with empty state.
    pub fn new(
        state: State,
        user_secret: String,
        organization_secret: String,
        root_url: String,
    ) -> App {
        App {
            state: Mutex::new(state),
            journal: Journal::default(),
            faults: Faults::default(),
            hook_ids: AtomicU64::new(0),
            user_secret,
            organization_secret,
            root_url,
        }
    }

    /// The state, locked. A panic elsewhere cannot leave it half-changed in a way that
    /// matters more than refusing every later request would, so poisoning is ignored.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn hook(&self, request: &Request) -> Response {
        let result = match (request.path.as_str(), request.method.as_str()) {
            ("/__emulator/reset", "POST") => {
                self.state().reset();
                self.journal.clear();
                self.faults.clear();
                Ok(Reply::json(200, &json!({"reset": true})))
            }
            ("/__emulator/requests", "GET") => Ok(Reply::json(200, &self.journal.entries())),
            ("/__emulator/faults", "POST") => serde_json::from_slice::<Value>(&request.body)
                .map_err(|_| ApiError::bad_request("The fault is not valid JSON"))
                .and_then(|spec| self.faults.arm(&spec).map_err(ApiError::bad_request))
                .map(|armed| Reply::json(200, &json!({"armed": armed}))),
            ("/__emulator/faults", "DELETE") => {
                let disarmed = self.faults.clear();
                Ok(Reply::json(200, &json!({"disarmed": disarmed})))
            }
            ("/__emulator/reset", _) => Err(ApiError::method_not_allowed("POST")),
            ("/__emulator/requests", _) => Err(ApiError::method_not_allowed("GET")),
            ("/__emulator/faults", _) => Err(ApiError::method_not_allowed("POST, DELETE")),
            _ => Err(ApiError::not_found("No such emulator hook")),
        };
        let id = format!("{:024x}", self.hook_ids.fetch_add(1, Ordering::SeqCst));
        finish(result, &id)
    }

    /// Answers a request to the platform or the provider.
    fn process(&self, request: &Request, request_id: &str) -> Response {
        let result = match request.path.strip_prefix(BASE_PATH) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                platform::handle(self, request, rest)
            }
            _ if request.path == provider::AUTHORIZE_PATH => provider::authorize(self, request),
            _ => Err(ApiError::not_found("No such resource")),
        };
        finish(result, request_id)
    }
}

/// Turns a handler's result into a response with the headers every answer carries.
fn finish(result: ApiResult, request_id: &str) -> Response {
    let reply = result.unwrap_or_else(|error| error_reply(&error, request_id));
    let mut headers = reply.headers;
    headers.push(("Elements-Request-Id".into(), request_id.into()));
    headers.push(("X-Emulator-Version".into(), crate::VERSION.into()));
    Response {
        status: reply.status,
        headers,
        body: Body::Bytes(reply.body),
    }
}

fn error_reply(error: &ApiError, request_id: &str) -> Reply {
    let mut body = json!({"requestId": request_id, "message": error.message});
    if let Some(provider_message) = error.provider_message {
        body["providerMessage"] = Value::from(provider_message);
    }
    let reply = Reply::json(error.status, &body);
    match error.allow {
        Some(allow) => reply.with("Allow", allow.into()),
        None => reply,
    }
}

impl http::Service for App {
    fn handle(&self, request: &Request) -> Outcome {
        if request.path == HOOKS || request.path.starts_with("/__emulator/") {
            return Outcome::Respond(self.hook(request));
        }
        self.journal.record(request);
        let request_id = self.state().rng.request_id();
        let fault = self.faults.take(&request.method, &request.path);
        match fault {
            None => Outcome::Respond(self.process(request, &request_id)),
            Some(Kind::Delay(delay)) => {
                std::thread::sleep(delay);
                Outcome::Respond(self.process(request, &request_id))
            }
            Some(Kind::Drop) => {
                self.process(request, &request_id);
                Outcome::Drop
            }
            Some(Kind::Truncate) => Outcome::Truncate(self.process(request, &request_id)),
            Some(Kind::Status {
                status,
                retry_after,
            }) => {
                let error = ApiError::new(status, "Emulated fault: the service is unavailable");
                let mut response = finish(Err(error), &request_id);
                if let Some(seconds) = retry_after {
                    response
                        .headers
                        .push(("Retry-After".into(), seconds.to_string()));
                }
                Outcome::Respond(response)
            }
            Some(Kind::NonJson) => {
                let html = "<!DOCTYPE html>\n<html><head><title>Maintenance</title></head>\
                            <body><h1>Down for maintenance</h1></body></html>\n";
                let mut response = finish(Ok(Reply::empty()), &request_id);
                response
                    .headers
                    .push(("Content-Type".into(), "text/html; charset=utf-8".into()));
                response.body = Body::Bytes(html.as_bytes().to_vec());
                Outcome::Respond(response)
            }
            Some(Kind::OversizedMb(mib)) => {
                let mut response = finish(Ok(Reply::empty()), &request_id);
                response
                    .headers
                    .push(("Content-Type".into(), "application/json".into()));
                // Valid JSON of exactly `mib` MiB: {"padding":"xxxx...x"}.
                response.body = Body::Generated {
                    head: b"{\"padding\":\"".to_vec(),
                    fill: b'x',
                    tail: b"\"}".to_vec(),
                    len: mib * 1024 * 1024,
                };
                Outcome::Respond(response)
            }
        }
    }

    fn reject(&self, status: u16, message: &str) -> Response {
        let request_id = self.state().rng.request_id();
        finish(Err(ApiError::new(status, message)), &request_id)
    }
}
