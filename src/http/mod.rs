//! HTTP to the platform: what is sent and received ([`request`]), the agent and its retry loop
//! ([`agent`]), and what a failure means ([`failure`]).

mod agent;
mod failure;
mod request;

pub(crate) use agent::Http;
#[cfg(test)]
pub(crate) use request::reply;
pub use request::Method;
pub(crate) use request::{Auth, Exchange, Reply};

/// The error of every method for one non-2xx answer, for the fuzz targets.
#[cfg(fuzzing)]
pub(crate) fn fuzz_api_errors(reply: &Reply) {
    for method in [Method::Get, Method::Post, Method::Delete] {
        let _ = failure::api_error(method, "/instances", reply).to_json();
    }
}
