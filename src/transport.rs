//! How connections are made: a count of the bytes each request wrote (to tell a request that
//! never left the machine from one whose outcome is unknown), name resolution without a thread
//! per request, the proxy, and extra trust roots.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::url::HttpUrl;
use std::cell::Cell;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ureq::config::Config as UreqConfig;
use ureq::http;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs};
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

thread_local! {
    /// Bytes written to the network by the request running on this thread. ureq is blocking and
    /// runs each request on the caller's thread, so this tells whether anything left the machine.
    static SENT: Cell<u64> = const { Cell::new(0) };
}

/// Wraps every connection so that writes are counted in [`SENT`].
#[derive(Debug)]
pub(crate) struct CountingConnector;

impl Connector<Box<dyn Transport>> for CountingConnector {
    type Out = CountingTransport;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<CountingTransport>, ureq::Error> {
        Ok(chained.map(CountingTransport))
    }
}

#[derive(Debug)]
pub(crate) struct CountingTransport(Box<dyn Transport>);

impl Transport for CountingTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        // Counted before the write: a failed write may still have sent part of it.
        SENT.with(|s| s.set(s.get() + amount as u64));
        self.0.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}

/// Starts counting the bytes the next request on this thread writes.
pub(crate) fn reset_sent_bytes() {
    SENT.with(|s| s.set(0));
}

/// The bytes written by the request running on this thread since [`reset_sent_bytes`].
pub(crate) fn sent_bytes() -> u64 {
    SENT.with(|s| s.get())
}

/// The largest trust-roots file the library reads.
const MAX_PEM_FILE: u64 = 4 * 1024 * 1024;

/// How long a host's resolved addresses are reused.
const RESOLVE_TTL: Duration = Duration::from_secs(30);

/// Resolves hosts without a thread per request: ureq asks its resolver before every request,
/// pooled connection or not, and its default resolver spawns a thread each time a timeout is
/// set. IP literals need no lookup; names are looked up (with the timeout) and kept briefly.
#[derive(Debug, Default)]
pub(crate) struct Resolver {
    default: DefaultResolver,
    last: Mutex<Option<(String, Instant, ResolvedSocketAddrs)>>,
}

impl ureq::unversioned::resolver::Resolver for Resolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &UreqConfig,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or("");
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<std::net::IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(std::net::SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{host}:{port}");
        if let Ok(last) = self.last.lock() {
            if let Some((k, at, addrs)) = last.as_ref() {
                if *k == key && at.elapsed() < RESOLVE_TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = self.default.resolve(uri, config, timeout)?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some((key, Instant::now(), addrs.clone()));
        }
        Ok(addrs)
    }
}

/// The proxy for a client: none for loopback; the configured one; else the environment's
/// (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`, honouring `NO_PROXY`).
pub(crate) fn proxy_for(config: &Config, base: &HttpUrl) -> Result<Option<ureq::Proxy>> {
    if base.is_loopback() {
        return Ok(None);
    }
    match &config.proxy {
        Some(p) if !p.is_empty() => ureq::Proxy::new(p.expose())
            .map(Some)
            .map_err(|_| Error::invalid_value("/proxy", "must be an http:// proxy URL")),
        _ => Ok(ureq::Proxy::try_from_env()),
    }
}

/// TLS settings trusting Mozilla's roots plus those of a PEM file.
pub(crate) fn tls_with_extra_roots(path: &std::path::Path) -> Result<ureq::tls::TlsConfig> {
    use ureq::tls::{parse_pem, Certificate, PemItem, RootCerts, TlsConfig};
    let pointer = "/caCertificatesPemFile";
    // A regular file only (a device or a FIFO could block or never end), read up to a cap.
    let file = std::fs::File::open(path)
        .and_then(|f| f.metadata().map(|m| (f, m)))
        .ok()
        .filter(|(_, m)| m.is_file())
        .map(|(f, _)| f)
        .ok_or_else(|| Error::invalid_value(pointer, "must be a readable regular file"))?;
    let mut pem = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_PEM_FILE + 1), &mut pem)
        .map_err(|_| Error::invalid_value(pointer, "cannot be read"))?;
    if pem.len() as u64 > MAX_PEM_FILE {
        return Err(Error::invalid_value(pointer, "must be at most 4 MiB"));
    }
    let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    let builtin = roots.len();
    for item in parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => roots.push(c),
            Ok(_) => {}
            Err(_) => return Err(Error::invalid_value(pointer, "is not a valid PEM file")),
        }
    }
    if roots.len() == builtin {
        return Err(Error::invalid_value(pointer, "holds no certificate"));
    }
    Ok(TlsConfig::builder()
        .root_certs(RootCerts::Specific(Arc::new(roots)))
        .build())
}
