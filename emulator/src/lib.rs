//! A local, stateful emulator of the SAP Open Connectors platform and of the OAuth provider
//! behind it, so that the whole connect flow runs offline: oauth/url, the provider's authorize
//! page (optionally a consent page), instance creation, lifecycle and configuration, calls
//! through an instance, event notifications to loopback callbacks, plus a request journal,
//! fault injection, events on demand and their deliveries for tests (`/__emulator/...`).
//! The repository's `docs` folder holds its manual; `openconnectors-emulator --help` lists the
//! program's options.
//!
//! Run it as the `openconnectors-emulator` program, or in-process from Rust:
//!
//! ```no_run
//! use openconnectors_emulator::{Emulator, Options};
//!
//! let emulator = Emulator::start(Options::default())?;
//! let base = emulator.base_url(); // "http://127.0.0.1:PORT/elements/api-v2"
//! # let _ = base;
//! // ... point a client at `base` ...
//! drop(emulator); // stops the server
//! # Ok::<(), std::io::Error>(())
//! ```

#![warn(missing_docs)]

mod auth;
mod body;
pub mod catalog;
mod client;
mod configuration;
mod consts;
mod ctx;
mod date;
mod elements;
mod events;
mod faults;
mod hooks;
mod html;
mod http;
mod hubs;
mod instances;
mod journal;
mod oauth;
mod outbox;
mod paging;
mod properties;
mod query;
mod receiver;
mod reply;
mod rng;
mod routes;
mod service;
mod signature;
mod state;
mod target;

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

pub use consts::{BASE_PATH, VERSION};
pub use receiver::{Notification, WebhookReceiver};
/// The User secret accepted when none is configured.
pub const DEFAULT_USER_SECRET: &str = "user-secret";
/// The Organization secret accepted when none is configured.
pub const DEFAULT_ORGANIZATION_SECRET: &str = "organization-secret";

/// How to run an emulator. `Options::default()` listens on a free loopback port with the
/// default secrets, random seeding, 60 s keep-alive, 10 min codes, no request log, no consent
/// page, and event deliveries to loopback only, retried as on the platform. Its `Debug`
/// leaves the secrets out.
#[derive(Clone)]
pub struct Options {
    /// Address to listen on, e.g. `127.0.0.1:0` (port 0 picks a free port).
    pub listen: String,
    /// The User secret the platform accepts.
    pub user_secret: String,
    /// The Organization secret the platform accepts.
    pub organization_secret: String,
    /// Seed for every random choice (codes, tokens, ids, request ids); `None` seeds from the
    /// OS. The same seed and the same sequence of requests give the same answers.
    pub seed: Option<u64>,
    /// A kept-alive connection idle this long between requests is closed by the server.
    pub keep_alive: Duration,
    /// How long an OAuth code stays redeemable.
    pub code_ttl: Duration,
    /// Write one line per request (`METHOD /path STATUS`) to stderr.
    pub log: bool,
    /// The provider's `/oauth/authorize` answers an HTML consent page (Allow, Deny) unless the
    /// URL already carries a `decision`; otherwise it approves at once.
    pub consent_page: bool,
    /// Multiplies the wait before each retry of a failed event delivery (4^x seconds before
    /// the x-th): 1 as on the platform, a small value such as 0.001 in tests. At least 0.
    pub webhook_retry_scale: f64,
    /// Deliver event notifications to callback URLs that are not loopback ones.
    pub allow_remote_webhooks: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            listen: "127.0.0.1:0".into(),
            user_secret: DEFAULT_USER_SECRET.into(),
            organization_secret: DEFAULT_ORGANIZATION_SECRET.into(),
            seed: None,
            keep_alive: Duration::from_secs(60),
            code_ttl: Duration::from_secs(600),
            log: false,
            consent_page: false,
            webhook_retry_scale: 1.0,
            allow_remote_webhooks: false,
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("listen", &self.listen)
            .field("user_secret", &"[redacted]")
            .field("organization_secret", &"[redacted]")
            .field("seed", &self.seed)
            .field("keep_alive", &self.keep_alive)
            .field("code_ttl", &self.code_ttl)
            .field("log", &self.log)
            .field("consent_page", &self.consent_page)
            .field("webhook_retry_scale", &self.webhook_retry_scale)
            .field("allow_remote_webhooks", &self.allow_remote_webhooks)
            .finish()
    }
}

/// A running emulator. Dropping it stops the server and closes its connections.
pub struct Emulator {
    server: http::Server,
    /// Kept to stop the event deliveries, which outlive no emulator.
    service: Arc<service::Service>,
}

impl Emulator {
    /// Binds `options.listen` and starts serving on background threads. Fails when the
    /// address cannot be bound, a secret is empty or the retry scale is not a number ≥ 0.
    pub fn start(options: Options) -> io::Result<Emulator> {
        let invalid = |message| Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        if options.user_secret.is_empty() || options.organization_secret.is_empty() {
            return invalid("the user and organization secrets must not be empty");
        }
        let scale = options.webhook_retry_scale;
        if !(scale.is_finite() && scale >= 0.0) {
            return invalid("the webhook retry scale must be a number of at least 0");
        }
        let listener = TcpListener::bind(options.listen.as_str())?;
        let root_url = format!("http://{}", http::connectable(listener.local_addr()?));
        let outbox = outbox::Outbox::start(outbox::Settings {
            retry_scale: scale,
            allow_remote: options.allow_remote_webhooks,
        })?;
        let parts = ctx::Parts {
            user_secret: options.user_secret,
            organization_secret: options.organization_secret,
            root_url,
            outbox,
            consent_page: options.consent_page,
        };
        let app = ctx::App {
            platform: ctx::Platform::new(state::State::new(options.seed, options.code_ttl), parts),
            journal: journal::Journal::default(),
            faults: faults::Faults::default(),
        };
        let service = Arc::new(service::Service::new(app));
        let config = http::Config {
            keep_alive: options.keep_alive,
            log: options.log,
        };
        let server = http::Server::start(listener, service.clone(), config)?;
        Ok(Emulator { server, service })
    }

    /// The platform API's base URL, `http://127.0.0.1:PORT/elements/api-v2`.
    pub fn base_url(&self) -> String {
        format!("{}{BASE_PATH}", self.root_url())
    }

    /// The server's root URL, `http://127.0.0.1:PORT`, where the provider's authorize page
    /// (`/oauth/authorize`) and the test hooks (`/__emulator/...`) live. A server listening
    /// on an unspecified address (`0.0.0.0`) is reached through loopback.
    pub fn root_url(&self) -> String {
        format!("http://{}", http::connectable(self.addr()))
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Stops gracefully: closes the listening socket (new connections are refused) and idle
    /// connections, lets requests in progress finish for up to `grace`, then closes the rest.
    /// Dropping the emulator is the same with no grace.
    pub fn stop(mut self, grace: Duration) {
        self.server.shutdown(grace);
        self.service.stop();
    }
}

impl Drop for Emulator {
    /// Stops at once: see [`Emulator::stop`] to let requests in progress finish.
    fn drop(&mut self) {
        self.server.shutdown(Duration::ZERO);
        self.service.stop();
    }
}

/// Asks the emulator at `url` whether it is healthy: `url` is its root
/// (`http://127.0.0.1:8080`), whose `/__emulator/health` is then asked, or any `http://` URL,
/// asked as given. Healthy is a 200 whose JSON body has `"status": "ok"`; anything else,
/// including no answer within `timeout`, is an error saying what went wrong. This is the
/// program's `--health-check`, for container health checks without curl.
pub fn check_health(url: &str, timeout: Duration) -> Result<(), String> {
    let mut url = client::HttpUrl::parse(url)?;
    if url.target() == "/" {
        url = url.with_path("/__emulator/health");
    }
    let answer = client::send(&url, "GET", &[], &[], timeout)?;
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    if answer.status != 200 || body["status"] != "ok" {
        return Err(format!("unhealthy: status {}", answer.status));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Options;

    #[test]
    fn options_debug_leaves_the_secrets_out() {
        let options = Options {
            user_secret: "u-s3cret".into(),
            organization_secret: "o-s3cret".into(),
            ..Options::default()
        };
        let shown = format!("{options:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("[redacted]"),
            "{shown}"
        );
    }
}
