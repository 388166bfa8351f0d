//! The client: a validated configuration and one connection pool, shared by all calls.

use crate::config::Config;
use crate::error::{Error, Problems, Result};
use crate::http::Http;
use crate::url::HttpUrl;

/// A client of one platform region with one set of credentials.
///
/// Immutable after creation and safe to share between threads: every call borrows it, and all
/// calls share its connection pool.
#[derive(Debug)]
pub struct Client {
    pub(crate) http: Http,
    config: Config,
}

impl Client {
    /// Checks the configuration and builds the client (no network traffic).
    pub fn new(config: Config) -> Result<Client> {
        config.validate()?;
        let base = HttpUrl::parse(&config.base_url).ok_or_else(|| {
            Error::invalid_value("/baseUrl", "must be an absolute http or https URL")
        })?;
        let http = Http::new(&config, &base)?;
        Ok(Client { http, config })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Platform calls need the two secrets; without them nothing is sent.
    pub(crate) fn require_secrets(&self) -> Result<()> {
        if self.http.has_platform_auth() {
            return Ok(());
        }
        let mut p = Problems::default();
        p.missing("/userSecret");
        p.missing("/organizationSecret");
        p.finish()
    }
}
