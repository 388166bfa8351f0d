//! The client: a validated configuration and one connection pool, shared by all calls.

use crate::config::{parse_proxy, Config};
use crate::error::{Error, Problems, Result};
use crate::http::Http;
use crate::secret::Redactor;
use crate::url::HttpUrl;

/// A client of one platform region with one set of credentials.
///
/// Immutable after creation and safe to share between threads: every call borrows it, and all
/// calls share its connection pool. Its operations are methods ([`Client::get_instance`], ...)
/// or, by name and with a cancel handle, [`crate::Operation::run`].
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

    /// The client's own secrets (the platform's and the proxy's credentials), for redaction.
    pub(crate) fn add_secrets(&self, redactor: &mut Redactor) {
        let c = &self.config;
        for secret in [&c.user_secret, &c.organization_secret]
            .into_iter()
            .flatten()
        {
            redactor.add(secret.expose());
        }
        if let Some(proxy) = c.proxy.as_ref().and_then(|p| parse_proxy(p.expose())) {
            let (user, password) = (proxy.username(), proxy.password());
            for credential in [user, password].into_iter().flatten() {
                redactor.add(credential);
            }
            if user.is_some() || password.is_some() {
                let pair = format!("{}:{}", user.unwrap_or(""), password.unwrap_or(""));
                redactor.add(&crate::base64::encode(pair.as_bytes()));
            }
        }
    }
}
