//! How connections are made and watched: the sockets of an attempt are registered with the
//! call's cancel handle (a trigger shuts them down, which wakes a blocked connect, TLS
//! handshake, write or read at once), the bytes an attempt writes are counted (to tell a
//! request that never left the machine from one whose outcome is unknown), names are resolved
//! without a thread per request, and the proxy and extra trust roots are set up.
//!
//! ureq is blocking and runs each request on the caller's thread, so what belongs to the
//! attempt running on a thread is kept in a thread-local [`Attempt`] scope.

use crate::cancel::{Cancel, Registration, Signal};
use crate::config::{parse_proxy, Config};
use crate::error::{Error, Result};
use crate::log::{self, Level, Record};
use crate::url::HttpUrl;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::cell::RefCell;
use std::io;
use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use ureq::config::Config as UreqConfig;
use ureq::http;
use ureq::unversioned::resolver::ResolvedSocketAddrs;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, LazyBuffers, NextTimeout, Transport,
};

/// What belongs to the attempt running on this thread.
#[derive(Default)]
struct AttemptState {
    /// Distinguishes attempts, so that a pooled connection registers again in a new one.
    id: u64,
    /// The operation it serves, for log records.
    operation: &'static str,
    cancel: Option<Cancel>,
    /// Bytes of the request written (before TLS).
    sent: u64,
    /// Whether the attempt opened a connection (else it reused a pooled one).
    opened: bool,
    /// The attempt's sockets, registered with its cancel handle until it ends.
    registrations: Vec<Registration>,
    /// The call's deadline: no wait of the attempt (resolving, connecting, the TLS handshake,
    /// writing, reading) goes past it. ureq applies the client's timeouts; the deadline, which
    /// differs from call to call, is applied here rather than through a request-level ureq
    /// configuration, which would cost a copy of the configuration per request and a new TLS
    /// configuration (trust roots parsed again, no session resumption) per connection.
    deadline: Option<Instant>,
}

thread_local! {
    static ATTEMPT: RefCell<AttemptState> = RefCell::default();
}

static NEXT_ATTEMPT: AtomicU64 = AtomicU64::new(1);

/// The scope of one attempt on this thread; ends (unregistering its sockets) on drop.
pub(crate) struct Attempt(());

impl Attempt {
    /// Starts an attempt of `operation` watched by `cancel`, ending by `deadline`.
    pub(crate) fn begin(
        operation: &'static str,
        cancel: Option<&Cancel>,
        deadline: Instant,
    ) -> Attempt {
        ATTEMPT.with(|a| {
            *a.borrow_mut() = AttemptState {
                id: NEXT_ATTEMPT.fetch_add(1, Ordering::Relaxed),
                operation,
                cancel: cancel.cloned(),
                deadline: Some(deadline),
                ..AttemptState::default()
            }
        });
        Attempt(())
    }

    /// Whether bytes of the request left the machine.
    pub(crate) fn sent(&self) -> bool {
        ATTEMPT.with(|a| a.borrow().sent > 0)
    }

    /// Whether the attempt opened a connection rather than reusing one.
    pub(crate) fn opened(&self) -> bool {
        ATTEMPT.with(|a| a.borrow().opened)
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let ended = ATTEMPT.with(|a| std::mem::take(&mut *a.borrow_mut()));
        drop(ended);
    }
}

fn current_cancel() -> Option<Cancel> {
    ATTEMPT.with(|a| a.borrow().cancel.clone())
}

/// Whether the cancel handle of the attempt running on this thread was triggered.
fn triggered() -> bool {
    current_cancel().is_some_and(|c| c.is_triggered())
}

/// `timeout` shortened to the deadline of the attempt running on this thread (`None`: no
/// limit at all).
fn within_deadline(timeout: Option<Duration>) -> Option<Duration> {
    let left = ATTEMPT
        .with(|a| a.borrow().deadline)
        .map(|d| d.saturating_duration_since(Instant::now()));
    match (timeout, left) {
        (Some(t), Some(l)) => Some(t.min(l)),
        (t, l) => t.or(l),
    }
}

/// Opens TCP connections whose sockets a cancel handle can shut down, connect included.
/// Replaces ureq's TCP connector in the chain.
#[derive(Debug)]
pub(crate) struct SocketConnector;

impl<In: Transport> Connector<In> for SocketConnector {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Box<dyn Transport>>, ureq::Error> {
        if let Some(transport) = chained {
            // A proxy tunnel, opened through this connector already.
            return Ok(Some(Box::new(transport)));
        }
        let budget = within_deadline(details.timeout.not_zero().map(|d| *d));
        let started = Instant::now();
        let mut last = None;
        for addr in details.addrs.iter() {
            let left = budget.map(|b| b.saturating_sub(started.elapsed()));
            if left.is_some_and(|l| l.is_zero()) {
                break;
            }
            match connect_one(*addr, left, details.config) {
                Ok(transport) => return Ok(Some(Box::new(transport))),
                // Another address of the host may work.
                Err(e) => last = Some(e),
            }
            if triggered() {
                break;
            }
        }
        Err(last.unwrap_or(ureq::Error::Timeout(ureq::Timeout::Connect)))
    }
}

fn connect_one(
    addr: SocketAddr,
    timeout: Option<Duration>,
    config: &UreqConfig,
) -> Result<SocketTransport, ureq::Error> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // Registered before connecting: a trigger during the handshake wakes the connect.
    let watch = Arc::new(TcpStream::from(socket.try_clone()?));
    let mut registered = 0;
    register(&watch, &mut registered);
    // A trigger that came before the connect began found nothing to shut down: look again
    // before and after connecting.
    let interrupted = || ureq::Error::Io(io::ErrorKind::Interrupted.into());
    if triggered() {
        return Err(interrupted());
    }
    let connected = match timeout {
        Some(t) => socket.connect_timeout(&SockAddr::from(addr), t),
        None => socket.connect(&SockAddr::from(addr)),
    };
    match connected {
        Ok(()) if triggered() => return Err(interrupted()),
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::TimedOut => {
            return Err(ureq::Error::Timeout(ureq::Timeout::Connect))
        }
        Err(e) => return Err(ureq::Error::Io(e)),
    }
    let stream = TcpStream::from(socket);
    if config.no_delay() {
        stream.set_nodelay(true)?;
    }
    ATTEMPT.with(|a| a.borrow_mut().opened = true);
    if log::enabled(Level::Debug) {
        let operation = ATTEMPT.with(|a| a.borrow().operation);
        Record::new(
            Level::Debug,
            "http",
            format_args!("connection opened to {addr}"),
        )
        .field("peer", addr.to_string())
        .field("operation", operation)
        .emit();
    }
    Ok(SocketTransport {
        stream,
        watch,
        registered,
        buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
        read_timeout: None,
        write_timeout: None,
    })
}

/// Registers a socket with the cancel handle of the attempt running on this thread, once per
/// attempt (a pooled connection serves many); `registered` remembers the attempt.
fn register(watch: &Arc<TcpStream>, registered: &mut u64) {
    ATTEMPT.with(|a| {
        let mut a = a.borrow_mut();
        if *registered == a.id {
            return;
        }
        *registered = a.id;
        if let Some(cancel) = a.cancel.clone() {
            let socket = Arc::clone(watch);
            let registration = cancel.on_trigger(move || {
                let _ = socket.shutdown(Shutdown::Both);
            });
            a.registrations.push(registration);
        }
    });
}

/// A plain TCP connection, with a second handle on its socket for cancellation.
#[derive(Debug)]
struct SocketTransport {
    stream: TcpStream,
    /// The same socket: a trigger of the attempt's cancel handle shuts it down.
    watch: Arc<TcpStream>,
    /// The attempt the socket is registered with.
    registered: u64,
    buffers: LazyBuffers,
    /// The timeouts last set on the socket, to set them only when they change.
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl SocketTransport {
    fn register(&mut self) {
        register(&self.watch, &mut self.registered);
    }
}

/// The timeout a transport must apply now (ureq's, or the call's deadline when that comes
/// first), `None` for none; an expired one is a timeout.
fn time_left(timeout: NextTimeout) -> Result<Option<Duration>, ureq::Error> {
    let ureq = (!timeout.after.is_not_happening()).then(|| *timeout.after);
    match within_deadline(ureq) {
        Some(left) if left.is_zero() => Err(ureq::Error::Timeout(timeout.reason)),
        left => Ok(left),
    }
}

impl Transport for SocketTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.register();
        let timeout = timeout.for_write();
        let left = time_left(timeout)?;
        if left != self.write_timeout {
            self.stream.set_write_timeout(left)?;
            self.write_timeout = left;
        }
        let output = &self.buffers.output()[..amount];
        match self.stream.write_all(output) {
            Ok(()) => Ok(()),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                Err(ureq::Error::Timeout(timeout.reason))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.register();
        let timeout = timeout.for_read();
        let deadline = time_left(timeout)?.map(|left| Instant::now() + left);
        let input = self.buffers.input_append_buf();
        let amount = loop {
            let left = match deadline {
                None => None,
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return Err(ureq::Error::Timeout(timeout.reason)),
                },
            };
            if left != self.read_timeout {
                self.stream.set_read_timeout(left)?;
                self.read_timeout = left;
            }
            match self.stream.read(input) {
                // A signal: read again with what is left (Linux does not restart socket reads
                // that have a timeout).
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) =>
                {
                    return Err(ureq::Error::Timeout(timeout.reason))
                }
                Err(e) => return Err(e.into()),
                Ok(n) => break n,
            }
        };
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    /// A pooled connection is usable when reading would block: no bytes the server sent
    /// unasked, and no close.
    fn is_open(&mut self) -> bool {
        if self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let mut probe = [0u8; 1];
        let open =
            matches!(self.stream.read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
        open && self.stream.set_nonblocking(false).is_ok()
    }

    fn is_tls(&self) -> bool {
        false
    }
}

/// The last link of the chain: counts the request bytes written (above TLS, so a handshake
/// alone does not count as sending the request).
#[derive(Debug)]
pub(crate) struct CountingConnector;

impl<In: Transport> Connector<In> for CountingConnector {
    type Out = CountingTransport;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<CountingTransport>, ureq::Error> {
        Ok(chained.map(|t| CountingTransport(Box::new(t))))
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
        ATTEMPT.with(|a| a.borrow_mut().sent += amount as u64);
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

/// The largest trust-roots file the library reads.
const MAX_PEM_FILE: u64 = 4 * 1024 * 1024;

/// The most addresses ureq takes for one host.
const MAX_ADDRESSES: usize = 16;

/// How long a host's resolved addresses are reused.
const RESOLVE_TTL: Duration = Duration::from_secs(30);

/// Resolves hosts without a thread per request: ureq asks its resolver before every request,
/// pooled connection or not. IP literals need no lookup; names are looked up on a thread of
/// their own (the system resolver cannot be interrupted, so the call waits for it only as
/// long as its timeout and its cancel handle allow) and kept briefly. `localhost` keeps only
/// its loopback addresses.
#[derive(Debug, Default)]
pub(crate) struct Resolver {
    last: Mutex<Option<(String, Instant, ResolvedSocketAddrs)>>,
}

impl ureq::unversioned::resolver::Resolver for Resolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        _config: &UreqConfig,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or("");
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        });
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let mut addrs = self.empty();
        if let Ok(ip) = literal.parse::<IpAddr>() {
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{host}:{port}");
        {
            let last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((k, at, cached)) = last.as_ref() {
                if *k == key && at.elapsed() < RESOLVE_TTL {
                    return Ok(cached.clone());
                }
            }
        }
        let loopback_only = host.eq_ignore_ascii_case("localhost");
        for addr in lookup(host, port, within_deadline(timeout.not_zero().map(|d| *d)))? {
            if (!loopback_only || addr.ip().is_loopback()) && addrs.len() < MAX_ADDRESSES {
                addrs.push(addr);
            }
        }
        if addrs.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((key, Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

/// The system resolver on a thread of its own, waited for until `timeout` or a trigger of
/// the attempt's cancel handle. An abandoned lookup finishes on its own thread.
fn lookup(
    host: &str,
    port: u16,
    timeout: Option<Duration>,
) -> Result<Vec<SocketAddr>, ureq::Error> {
    type Slot = Mutex<Option<io::Result<Vec<SocketAddr>>>>;
    let slot: Arc<Slot> = Arc::default();
    let done = Arc::new(Signal::default());
    let (for_thread, done_thread, name) = (Arc::clone(&slot), Arc::clone(&done), host.to_owned());
    std::thread::Builder::new()
        .name("openconnectors-resolve".into())
        .spawn(move || {
            let found = (name.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>());
            *for_thread.lock().unwrap_or_else(PoisonError::into_inner) = Some(found);
            done_thread.notify();
        })?;
    let until = Instant::now() + timeout.unwrap_or(Duration::from_secs(3600));
    done.wait_until(current_cancel().as_ref(), until);
    let found = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    match found {
        Some(Ok(addrs)) => Ok(addrs),
        Some(Err(_)) => Err(ureq::Error::HostNotFound),
        None if triggered() => Err(ureq::Error::Io(io::ErrorKind::Interrupted.into())),
        None => Err(ureq::Error::Timeout(ureq::Timeout::Resolve)),
    }
}

/// The proxy for a client: none for loopback; the configured one; else the environment's
/// (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`, honouring `NO_PROXY`).
pub(crate) fn proxy_for(config: &Config, base: &HttpUrl) -> Result<Option<ureq::Proxy>> {
    if base.is_loopback() {
        return Ok(None);
    }
    match &config.proxy {
        Some(p) if !p.is_empty() => parse_proxy(p.expose())
            .map(Some)
            .ok_or_else(|| Error::invalid_value("/proxy", "must be an http:// proxy URL")),
        _ => Ok(ureq::Proxy::try_from_env()),
    }
}

/// TLS settings trusting Mozilla's roots plus those of a PEM file.
pub(crate) fn tls_with_extra_roots(path: &std::path::Path) -> Result<ureq::tls::TlsConfig> {
    use ureq::tls::{parse_pem, Certificate, PemItem, RootCerts, TlsConfig};
    let pointer = "/caCertificatesPemFile";
    // A regular file only, checked before opening it: a FIFO or a device could block the
    // open itself, or never end.
    let regular = |p: &std::path::Path| std::fs::metadata(p).is_ok_and(|m| m.is_file());
    if !regular(path) {
        return Err(Error::invalid_value(
            pointer,
            "must be an existing regular file",
        ));
    }
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
