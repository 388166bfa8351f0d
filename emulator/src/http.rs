//! A small blocking HTTP/1.1 server on `std::net`, one thread per connection.
//!
//! Written here rather than taken from a crate such as tiny_http because the emulator must do
//! what a well-behaved server library does not let its user do: close kept-alive connections
//! after a set idle time (as the platform's load balancers do), drop a connection without
//! answering, and send a deliberately truncated body. Those are the fault injection and
//! `--keep-alive-ms`, and clients are tested against exactly them.
//!
//! What it speaks: request bodies by `Content-Length` or `chunked`, keep-alive (the HTTP/1.1
//! default; `Connection: close` and HTTP/1.0 honoured), `Expect: 100-continue`, pipelining, a
//! limit on the request head (431) and on the body (413). Anything it cannot parse gets a 400
//! and the connection is closed, since its framing can no longer be trusted.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Largest request body accepted; beyond it the answer is 413.
pub const MAX_BODY: u64 = 8 * 1024 * 1024;
/// Largest request head (request line and headers) accepted; beyond it the answer is 431.
const MAX_HEAD: u64 = 16 * 1024;
/// Connections served at once; one more is answered 503 and closed.
const MAX_CONNECTIONS: usize = 512;
/// How long one read or write may stall once a request has begun, so no client can hold a
/// thread forever (the idle wait between requests is the keep-alive time instead).
const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a closing connection keeps reading what the client still sends.
const LINGER: Duration = Duration::from_secs(2);
/// Size of the pieces in which generated bodies are written.
const WRITE_CHUNK: usize = 64 * 1024;

/// One parsed request.
pub struct Request {
    /// The method as sent (methods are case-sensitive).
    pub method: String,
    /// The path as sent, still percent-encoded, without the query.
    pub path: String,
    /// The raw query string after `?` (empty when there is none).
    pub query: String,
    /// Header names (lower-cased) and values, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response body.
pub enum Body {
    /// Bytes held in memory.
    Bytes(Vec<u8>),
    /// `head`, then `fill` repeated, then `tail`, `len` bytes in all: large bodies written in
    /// pieces without ever being held whole.
    Generated {
        head: Vec<u8>,
        fill: u8,
        tail: Vec<u8>,
        len: u64,
    },
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::Generated { len, .. } => *len,
        }
    }
}

/// A response; the server adds `Content-Length` and `Connection`.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// What to do with the connection once the request has been handled.
pub enum Outcome {
    /// Answer normally.
    Respond(Response),
    /// Announce the full `Content-Length`, send only half the body, then close. An empty body
    /// is announced as one byte, so that the truncation can always be seen.
    Truncate(Response),
    /// Answer normally, but pause this long after the head and the first half of the body.
    SlowBody(Response, Duration),
    /// Close the connection without writing anything.
    Drop,
}

/// The application behind the server.
pub trait Service: Send + Sync + 'static {
    /// Handles one request.
    fn handle(&self, request: &Request) -> Outcome;
    /// The answer to a request the server refuses itself (malformed, too large, overload).
    fn reject(&self, status: u16, message: &str) -> Response;
}

/// Server settings.
pub struct Config {
    /// A connection idle this long between requests is closed.
    pub keep_alive: Duration,
    /// Log one line per request to stderr.
    pub log: bool,
}

/// A running server; stops when [`Server::shutdown`] is called.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

struct Shared {
    service: Arc<dyn Service>,
    config: Config,
    stopping: AtomicBool,
    next_id: AtomicU64,
    /// Open connections, so that shutdown can close them instead of leaving threads behind.
    open: Mutex<Vec<Connection>>,
}

/// An open connection, as shutdown sees it.
struct Connection {
    id: u64,
    stream: TcpStream,
    /// Between the first byte of a request and the end of its answer: a graceful shutdown
    /// lets it finish.
    busy: bool,
}

impl Shared {
    fn open(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks connection `id` busy (a request has begun) or idle; a request may only begin
    /// while the server is not stopping, which answers whether it may.
    fn set_busy(&self, id: u64, busy: bool) -> bool {
        let mut open = self.open();
        // Checked under the lock that shutdown takes after setting `stopping`, so a request
        // either began before shutdown looked, and is waited for, or does not begin at all.
        if busy && self.stopping.load(Ordering::SeqCst) {
            return false;
        }
        if let Some(connection) = open.iter_mut().find(|c| c.id == id) {
            connection.busy = busy;
        }
        true
    }
}

impl Server {
    /// Serves `listener` on a background thread.
    pub fn start(
        listener: TcpListener,
        service: Arc<dyn Service>,
        config: Config,
    ) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            service,
            config,
            stopping: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            open: Mutex::new(Vec::new()),
        });
        let for_loop = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("emulator-accept".into())
            .spawn(move || accept_loop(&listener, &for_loop))?;
        Ok(Server {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting (the listening socket is closed, so new connections are refused), lets
    /// requests in progress finish for up to `grace`, then closes every connection. Idle
    /// kept-alive connections are closed at once. Idempotent.
    pub fn shutdown(&mut self, grace: Duration) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // The accept loop is blocked in accept(); a connection of our own wakes it up.
        if TcpStream::connect_timeout(&connectable(self.addr), Duration::from_secs(2)).is_ok() {
            let _ = accept.join();
        }
        let deadline = Instant::now() + grace;
        loop {
            let mut open = self.shared.open();
            for connection in open.iter().filter(|c| !c.busy) {
                let _ = connection.stream.shutdown(Shutdown::Both);
            }
            open.retain(|c| c.busy);
            if open.is_empty() || Instant::now() >= deadline {
                for connection in open.drain(..) {
                    let _ = connection.stream.shutdown(Shutdown::Both);
                }
                return;
            }
            drop(open);
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// The address to connect to for a listening address (an unspecified IP means this host).
pub fn connectable(addr: SocketAddr) -> SocketAddr {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors, typically: wait for connections to close, not spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
        {
            let mut open = shared.open();
            if open.len() >= MAX_CONNECTIONS {
                drop(open);
                refuse_overload(shared, stream);
                continue;
            }
            if let Ok(clone) = stream.try_clone() {
                open.push(Connection {
                    id,
                    stream: clone,
                    busy: false,
                });
            }
        }
        let for_thread = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("emulator-conn".into())
            .spawn(move || {
                serve_connection(&for_thread, id, stream);
                for_thread.open().retain(|c| c.id != id);
            });
        if spawned.is_err() {
            shared.open().retain(|c| c.id != id);
        }
    }
}

fn refuse_overload(shared: &Shared, mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let response = shared.service.reject(503, "Too many connections");
    let _ = write_response(&mut stream, &response, false, false, None);
    let _ = stream.shutdown(Shutdown::Both);
}

/// Why reading a request stopped.
enum ReadError {
    /// The peer closed, timed out or failed: nothing can be answered.
    Gone,
    /// The request is unacceptable: answer this, then close.
    Refuse(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Gone
    }
}

fn serve_connection(shared: &Shared, id: u64, stream: TcpStream) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let _ = writer.set_write_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream);
    // A zero timeout means "none" to the OS, so the shortest idle time is one millisecond.
    let idle = shared.config.keep_alive.max(Duration::from_millis(1));
    loop {
        // Wait for the first byte of the next request; an idle connection is closed.
        let _ = reader.get_ref().set_read_timeout(Some(idle));
        match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(_) => {}
        }
        if !shared.set_busy(id, true) {
            return;
        }
        let served = serve_request(shared, &mut reader, &mut writer);
        shared.set_busy(id, false);
        match served {
            Next::Request => {}
            Next::Close => {
                close_gracefully(&mut reader);
                return;
            }
            Next::Gone => return,
        }
    }
}

/// What a connection does after a request.
enum Next {
    /// Wait for the next request.
    Request,
    /// Close after reading what the client still sends.
    Close,
    /// Nothing more can be done: return at once.
    Gone,
}

/// Reads one request and answers it.
fn serve_request(
    shared: &Shared,
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> Next {
    let _ = reader.get_ref().set_read_timeout(Some(IO_TIMEOUT));
    let (request, http10) = match read_request(reader, writer) {
        Ok(parsed) => parsed,
        Err(ReadError::Gone) => return Next::Gone,
        Err(ReadError::Refuse(status, message)) => {
            let response = shared.service.reject(status, message);
            let _ = write_response(writer, &response, false, false, None);
            log(shared, "-", "-", &status.to_string());
            return Next::Close;
        }
    };
    let keep_alive = wants_keep_alive(&request, http10);
    let outcome = catch_unwind(AssertUnwindSafe(|| shared.service.handle(&request)))
        .unwrap_or_else(|_| {
            Outcome::Respond(shared.service.reject(500, "Internal emulator error"))
        });
    let (response, pause) = match outcome {
        Outcome::Respond(response) => (response, None),
        Outcome::SlowBody(response, pause) => (response, Some(pause)),
        Outcome::Truncate(response) => {
            let _ = write_truncated(writer, &response);
            log(
                shared,
                &request.method,
                &request.path,
                &response.status.to_string(),
            );
            return Next::Close;
        }
        Outcome::Drop => {
            log(shared, &request.method, &request.path, "dropped");
            let _ = writer.shutdown(Shutdown::Both);
            return Next::Gone;
        }
    };
    // A stopping server answers, then closes.
    let keep = keep_alive && !shared.stopping.load(Ordering::SeqCst);
    let head_only = request.method == "HEAD";
    let written = write_response(writer, &response, keep, head_only, pause);
    log(
        shared,
        &request.method,
        &request.path,
        &response.status.to_string(),
    );
    match (written, keep) {
        (Err(_), _) => Next::Gone,
        (Ok(()), true) => Next::Request,
        (Ok(()), false) => Next::Close,
    }
}

/// Closes after an answer: our side first, then whatever the client still sends is read and
/// discarded for a moment. Closing with unread input would make the OS reset the connection,
/// and a reset can destroy the answer before the client reads it (a 413 sent while the client
/// is still uploading, for one).
fn close_gracefully(reader: &mut BufReader<TcpStream>) {
    let _ = reader.get_ref().shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 8192];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let _ = reader
            .get_ref()
            .set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// One log line, written whole (stderr is locked per call) as the request completes.
fn log(shared: &Shared, method: &str, path: &str, status: &str) {
    if shared.config.log {
        eprintln!("{method} {path} {status}");
    }
}

fn wants_keep_alive(request: &Request, http10: bool) -> bool {
    let has = |token: &str| {
        request
            .headers
            .iter()
            .filter(|(name, _)| name == "connection")
            .flat_map(|(_, value)| value.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if http10 {
        has("keep-alive")
    } else {
        !has("close")
    }
}

/// Reads one request; the boolean is true for HTTP/1.0.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> Result<(Request, bool), ReadError> {
    let mut head_left = MAX_HEAD;
    let mut line = read_head_line(reader, &mut head_left)?;
    // RFC 9112 asks servers to ignore empty lines before the request line.
    while line.is_empty() {
        line = read_head_line(reader, &mut head_left)?;
    }
    let (method, target, http10) = parse_request_line(&line)?;
    let mut headers = Vec::new();
    loop {
        let line = read_head_line(reader, &mut head_left)?;
        if line.is_empty() {
            break;
        }
        headers.push(parse_header(&line)?);
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (target, String::new()),
    };
    let mut request = Request {
        method,
        path,
        query,
        headers,
        body: Vec::new(),
    };
    request.body = read_body(reader, writer, &request, http10)?;
    Ok((request, http10))
}

/// One head line without its line ending, counted against the head limit.
fn read_head_line(reader: &mut BufReader<TcpStream>, left: &mut u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    let read = reader.by_ref().take(*left).read_until(b'\n', &mut bytes)?;
    *left -= read as u64;
    if bytes.last() != Some(&b'\n') {
        return Err(if *left == 0 {
            ReadError::Refuse(431, "Request header fields too large")
        } else {
            ReadError::Gone
        });
    }
    bytes.pop();
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    String::from_utf8(bytes).map_err(|_| ReadError::Refuse(400, "Request head is not UTF-8"))
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn parse_request_line(line: &str) -> Result<(String, String, bool), ReadError> {
    const MALFORMED: ReadError = ReadError::Refuse(400, "Malformed request line");
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MALFORMED);
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(MALFORMED),
    };
    let target_ok = target.starts_with('/') && target.bytes().all(|b| b.is_ascii_graphic());
    if !is_token(method) || !target_ok {
        return Err(MALFORMED);
    }
    Ok((method.to_string(), target.to_string(), http10))
}

fn parse_header(line: &str) -> Result<(String, String), ReadError> {
    const MALFORMED: ReadError = ReadError::Refuse(400, "Malformed header line");
    let (name, value) = line.split_once(':').ok_or(MALFORMED)?;
    // A name must be a token (so no obsolete line folding, no space before the colon).
    if !is_token(name) || value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
        return Err(MALFORMED);
    }
    Ok((name.to_ascii_lowercase(), value.trim().to_string()))
}

fn read_body(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
    request: &Request,
    http10: bool,
) -> Result<Vec<u8>, ReadError> {
    let values = |name: &str| {
        request
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    let encodings = values("transfer-encoding");
    let lengths = values("content-length");
    let continue_expected = !http10
        && request
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if !encodings.is_empty() {
        // Both framings at once is how requests are smuggled: refuse, as RFC 9112 allows.
        let last = encodings.join(",");
        let chunked = last
            .rsplit(',')
            .next()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("chunked"));
        if !lengths.is_empty() || !chunked {
            return Err(ReadError::Refuse(400, "Unsupported request body framing"));
        }
        if continue_expected {
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        return read_chunked(reader);
    }
    let Some(first) = lengths.first() else {
        return Ok(Vec::new());
    };
    let valid = |v: &&str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    if !lengths.iter().all(valid) || lengths.iter().any(|v| v != first) {
        return Err(ReadError::Refuse(400, "Invalid Content-Length"));
    }
    let length: u64 = first.parse().unwrap_or(u64::MAX);
    if length > MAX_BODY {
        return Err(ReadError::Refuse(413, "Request body larger than 8 MiB"));
    }
    if length > 0 && continue_expected {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let mut body = Vec::with_capacity(length as usize);
    reader.by_ref().take(length).read_to_end(&mut body)?;
    if (body.len() as u64) < length {
        return Err(ReadError::Gone);
    }
    Ok(body)
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, ReadError> {
    const MALFORMED: ReadError = ReadError::Refuse(400, "Malformed chunked body");
    let mut body = Vec::new();
    // Chunk-size lines and trailers share the head limit: they are small by nature.
    let mut lines_left = MAX_HEAD;
    loop {
        let line = read_head_line(reader, &mut lines_left).map_err(|e| match e {
            ReadError::Refuse(..) => MALFORMED,
            gone => gone,
        })?;
        let size = line.split(';').next().unwrap_or("").trim();
        if size.is_empty() || size.len() > 15 || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(MALFORMED);
        }
        let size = u64::from_str_radix(size, 16).map_err(|_| MALFORMED)?;
        if size == 0 {
            break;
        }
        if body.len() as u64 + size > MAX_BODY {
            return Err(ReadError::Refuse(413, "Request body larger than 8 MiB"));
        }
        let before = body.len();
        reader.by_ref().take(size).read_to_end(&mut body)?;
        if ((body.len() - before) as u64) < size {
            return Err(ReadError::Gone);
        }
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(MALFORMED);
        }
    }
    // Trailers are read and discarded.
    loop {
        let line = read_head_line(reader, &mut lines_left).map_err(|e| match e {
            ReadError::Refuse(..) => MALFORMED,
            gone => gone,
        })?;
        if line.is_empty() {
            return Ok(body);
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn head_bytes(response: &Response, announced: u64, keep_alive: bool) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {announced}\r\n"));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    head.into_bytes()
}

/// Writes a whole answer; with a `pause`, the head and the first half of the body go out at
/// once, the rest after the pause.
fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    keep_alive: bool,
    head_only: bool,
    pause: Option<Duration>,
) -> io::Result<()> {
    let len = response.body.len();
    stream.write_all(&head_bytes(response, len, keep_alive))?;
    if head_only {
        return stream.flush();
    }
    if let Some(pause) = pause {
        write_body(stream, &response.body, 0..len / 2)?;
        stream.flush()?;
        std::thread::sleep(pause);
        write_body(stream, &response.body, len / 2..len)?;
    } else {
        write_body(stream, &response.body, 0..len)?;
    }
    stream.flush()
}

fn write_truncated(stream: &mut TcpStream, response: &Response) -> io::Result<()> {
    let full = response.body.len();
    stream.write_all(&head_bytes(response, full.max(1), false))?;
    write_body(stream, &response.body, 0..full / 2)?;
    stream.flush()
}

/// Writes the bytes of `body` in `range`.
fn write_body(stream: &mut TcpStream, body: &Body, range: Range<u64>) -> io::Result<()> {
    match body {
        Body::Bytes(bytes) => stream.write_all(&bytes[range.start as usize..range.end as usize]),
        Body::Generated {
            head,
            fill,
            tail,
            len,
        } => {
            let fill_len = len.saturating_sub((head.len() + tail.len()) as u64);
            let mut at = 0;
            put_range(stream, head, &mut at, &range)?;
            let piece = vec![*fill; WRITE_CHUNK];
            let mut fill_left = fill_len;
            while fill_left > 0 {
                let n = fill_left.min(WRITE_CHUNK as u64) as usize;
                put_range(stream, &piece[..n], &mut at, &range)?;
                fill_left -= n as u64;
            }
            put_range(stream, tail, &mut at, &range)
        }
    }
}

/// Writes what falls in `range` of `bytes`, a piece of a body that starts at `*at` in it, and
/// moves `*at` past the piece.
fn put_range(
    stream: &mut TcpStream,
    bytes: &[u8],
    at: &mut u64,
    range: &Range<u64>,
) -> io::Result<()> {
    let end_of_piece = *at + bytes.len() as u64;
    let start = range.start.clamp(*at, end_of_piece) - *at;
    let end = range.end.clamp(*at, end_of_piece) - *at;
    *at = end_of_piece;
    stream.write_all(&bytes[start as usize..end as usize])
}
