//! The top of request handling, what the HTTP server calls: test hooks are answered at once;
//! every other request is journalled, given a request id, and answered by the routes unless
//! an armed fault says otherwise.

use crate::ctx::App;
use crate::http::{self, Outcome, Request, Response};
use crate::reply::{finish, ApiError};
use crate::{faults, routes};
use std::sync::atomic::{AtomicU64, Ordering};

/// The emulator as the HTTP server sees it.
pub struct Service {
    app: App,
    /// Request ids of hook answers come from this counter, not the generator, so that arming
    /// faults or reading the journal never shifts a seeded sequence.
    hook_ids: AtomicU64,
}

impl Service {
    /// Serves `app`.
    pub fn new(app: App) -> Service {
        Service {
            app,
            hook_ids: AtomicU64::new(0),
        }
    }

    /// Stops what runs besides the server: event deliveries.
    pub fn stop(&self) {
        self.app.platform.outbox().stop();
    }
}

impl http::Service for Service {
    fn handle(&self, request: &Request) -> Outcome {
        if routes::is_hook(&request.path) {
            let id = format!("{:024x}", self.hook_ids.fetch_add(1, Ordering::SeqCst));
            return Outcome::Respond(finish(routes::hook(&self.app, request), &id));
        }
        self.app.journal.record(request);
        let request_id = self.app.platform.state().rng.request_id();
        let fault = self.app.faults.take(&request.method, &request.path);
        faults::render(fault, &request_id, || {
            finish(routes::platform(&self.app.platform, request), &request_id)
        })
    }

    fn reject(&self, status: u16, message: &str) -> Response {
        let request_id = self.app.platform.state().rng.request_id();
        finish(Err(ApiError::new(status, message)), &request_id)
    }
}
