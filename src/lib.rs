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
//! Secrets (the platform's user and organization secrets, the provider app's secret, instance
//! tokens, authorization codes) never appear in an error, a `Debug` output or a log line: they
//! are held in [`Secret`], whose `Debug` is `[redacted]` and which has no `Display`.
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

mod call;
mod callback;
mod client;
mod config;
mod decode;
mod error;
pub mod ffi;
mod fields;
mod http;
mod instances;
mod json;
mod oauth;
mod secret;
mod transport;
mod url;

pub use call::ApiRequest;
pub use callback::{
    await_callback, parse_callback, AwaitCallbackRequest, Callback, ParseCallbackRequest,
    DEFAULT_AWAIT_TIMEOUT,
};
pub use client::Client;
pub use config::{Config, DEFAULT_BASE_URL, MAX_RETRIES_LIMIT};
#[doc(hidden)]
pub use decode::fuzz_all_decoders;
pub use error::{oc_status, Error, ErrorDetails, Invalid, Result, Status};
pub use http::Method;
pub use instances::{
    element_profile, ElementProfile, InstanceId, ListInstances, NewInstance, UpdateInstance,
    ELEMENT_PROFILES,
};
pub use json::Json;
pub use oauth::{generate_state, OAuthUrlRequest};
pub use secret::Secret;

/// The library's version, as `oc_version()` returns it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
