//! A loopback endpoint that receives event notifications, for tests and demos: it answers 200
//! to every request and hands over each one's headers and raw body, exactly as received, so
//! that the receiving side (signature checks included) can be tested against the emulator.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

/// The largest notification body kept; a larger one is answered 413 and not handed over.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// One notification as received.
#[derive(Clone, Debug)]
pub struct Notification {
    /// The headers, names as sent, in order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Notification {
    /// The first value of a header, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A receiver on a free loopback port; it stops taking requests when dropped.
pub struct WebhookReceiver {
    url: String,
    received: mpsc::Receiver<Notification>,
}

impl WebhookReceiver {
    /// Starts listening on `127.0.0.1`, at `http://127.0.0.1:PORT/events`.
    pub fn start() -> io::Result<WebhookReceiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}/events", listener.local_addr()?);
        let (tx, received) = mpsc::channel();
        std::thread::Builder::new()
            .name("webhook-receiver".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    // A connection that sends no complete request is simply dropped.
                    if let Ok(Some(notification)) = receive(&stream) {
                        if tx.send(notification).is_err() {
                            return; // the receiver was dropped
                        }
                    }
                }
            })?;
        Ok(WebhookReceiver { url, received })
    }

    /// The URL to configure as `event.notification.callback.url`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next notification, waiting at most `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<Notification> {
        self.received.recv_timeout(timeout).ok()
    }
}

/// Reads one request on a connection and answers it.
fn receive(stream: &TcpStream) -> io::Result<Option<Notification>> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let text = line.trim_end();
        if text.is_empty() {
            break;
        }
        if let Some((name, value)) = text.split_once(':') {
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
    }
    let notification = Notification {
        headers,
        body: Vec::new(),
    };
    let length: usize = notification
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut writer = stream;
    if length > MAX_BODY {
        writer.write_all(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n")?;
        return Ok(None);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
    Ok(Some(Notification {
        body,
        ..notification
    }))
}
