//! # openconnectors
//!
//! Connect your users' accounts to SAP Open Connectors (formerly Cloud Elements) connectors,
//! starting with the Infusionsoft (Keap) elements, in three steps:
//!
//! 1. [`Client::oauth_url`]: ask the platform for the provider's authorization URL, with a
//!    state generated from the OS's randomness;
//! 2. send the user there and take the redirect back: [`parse_callback`] (no I/O) or
//!    [`await_callback`] (a loopback listener for desktop and command-line programs);
//! 3. [`Client::create_instance`]: provision the connector instance with the code, then manage
//!    it ([`Client::get_instance`], [`Client::list_instances`], [`Client::update_instance`],
//!    [`Client::delete_instance`]) and call the service through it ([`Client::request`]).
//!
//! The same operations are exported to C (see the `ffi` module and `include/openconnectors.h`)
//! as JSON in, JSON out, and from there to Python and C#.
//!
//! Every operation also runs by name, with a [`Cancel`] handle, through [`Operation`] (the path
//! of the C functions `oc_call` and `oc_call_async`), and [`set_logger`] receives a JSON record
//! per HTTP exchange. [`verify_webhook`] checks the signature of an event notification.
//!
//! Secrets (the platform's user and organization secrets, the provider app's secret, instance
//! tokens, authorization codes, webhook keys) never appear in an error, a `Debug` output or a
//! log record: they are held in [`Secret`] and [`AuthorizationCode`], whose `Debug` is
//! `[redacted]` and which have no `Display`, and every error passes a redaction of the call's
//! secrets, in case a server echoes one.
//!
//! ```no_run
//! use openconnectors::{Client, Config, OAuthUrlRequest, Secret};
//! let client = Client::new(Config {
//!     user_secret: Some(Secret::new("...")),
//!     organization_secret: Some(Secret::new("...")),
//!     ..Config::default()
//! })?;
//! let step1 = client.oauth_url(&OAuthUrlRequest {
//!     element: "infusionsoftecommerce".into(),
//!     api_key: "client id".into(),
//!     api_secret: Secret::new("client secret"),
//!     callback_url: "https://app.example/auth".into(),
//!     ..OAuthUrlRequest::default()
//! })?;
//! println!("send the user to {}", step1.value()["oauthUrl"]);
//! # Ok::<(), openconnectors::Error>(())
//! ```

#![warn(missing_docs)]

mod base64;
mod callback;
mod cancel;
mod client;
mod config;
mod context;
mod decode;
mod elements;
mod error;
pub mod ffi;
mod fields;
mod http;
mod instances;
mod json;
mod listener;
mod log;
mod oauth;
mod operation;
mod pool;
mod queue;
mod secret;
mod service;
mod status;
mod transport;
mod url;
mod webhook;

pub use callback::{parse_callback, Callback, ParseCallbackRequest};
pub use cancel::Cancel;
pub use client::Client;
pub use config::{Config, DEFAULT_BASE_URL, MAX_RETRIES_LIMIT};
#[cfg(fuzzing)]
pub use decode::fuzz_all_decoders;
pub use elements::{element_profile, ElementProfile, ELEMENT_PROFILES};
pub use error::{Error, ErrorDetails, Invalid, Result};
pub use http::Method;
pub use instances::{InstanceId, ListInstances, NewInstance, UpdateInstance};
pub use json::Json;
pub use listener::{await_callback, AwaitCallbackRequest, DEFAULT_AWAIT_TIMEOUT, MAX_CONNECTIONS};
pub use log::{set_logger, Level, Sink};
pub use oauth::{generate_state, OAuthUrlRequest};
pub use operation::{operation_spec, Operation, OperationSpec, OPERATIONS};
pub use pool::{IDLE_EXIT, MAX_WORKERS};
pub use secret::{AuthorizationCode, Secret};
pub use service::ApiRequest;
pub use status::{oc_status, Status};
pub use webhook::{verify_webhook, VerifyWebhookRequest};

/// The library's version, as `oc_version()` returns it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
