//! The process-wide log hook: one JSON record per HTTP exchange, retry decision, connection,
//! backoff wait and callback-listener request, built only when a logger wants its level.
//!
//! With no logger installed, the cost of a record is one relaxed atomic load. Records never
//! hold a secret, a query string, a header value or a body: call sites pass paths without
//! their query and describe everything else by kind.

use serde::Serialize;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{PoisonError, RwLock};

/// How important a record is. The numbers are those of `oc_set_logger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u32)]
pub enum Level {
    /// 1: a call failed in a way the application should know of.
    Error = 1,
    /// 2: something went wrong and was handled (a retry, say).
    Warn = 2,
    /// 3: one record per finished HTTP exchange and per retry decision.
    Info = 3,
    /// 4: connections opened and reused, backoff waits, callback-listener requests.
    Debug = 4,
    /// 5: finer detail.
    Trace = 5,
}

impl Level {
    /// The level's name in records.
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        }
    }
}

/// What receives records: the level and the record as JSON text.
pub type Sink = Box<dyn Fn(Level, &str) + Send + Sync>;

/// The most verbose level wanted (0: no logger). Read before any record is built.
static MAX_LEVEL: AtomicU32 = AtomicU32::new(0);
/// The logger. Records are delivered under the read lock, so that once [`set_logger`]
/// returns no record is being delivered to the previous sink.
static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// Installs `sink` for records up to `max_level` (1 to 5; above 5 counts as 5), replacing the
/// previous logger; `None` (or `max_level` 0) removes it. Waits for records being delivered
/// to the previous logger, so a sink must not call this function itself.
pub fn set_logger(sink: Option<Sink>, max_level: u32) {
    let max_level = if sink.is_some() {
        max_level.min(Level::Trace as u32)
    } else {
        0
    };
    let mut installed = SINK.write().unwrap_or_else(PoisonError::into_inner);
    *installed = if max_level == 0 { None } else { sink };
    MAX_LEVEL.store(max_level, Ordering::Relaxed);
}

/// Whether a record of this level would be delivered: check it before building one.
#[cfg(not(oc_no_log_hook))]
#[inline]
pub(crate) fn enabled(level: Level) -> bool {
    level as u32 <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// The benchmark's build without the hook (`--cfg oc_no_log_hook`): no record is ever built,
/// to measure what the check costs a library with no logger installed.
#[cfg(oc_no_log_hook)]
#[inline]
pub(crate) fn enabled(_level: Level) -> bool {
    false
}

/// A record under construction, written as JSON text member by member (no tree, and one
/// buffer); [`Record::emit`] delivers it. Members keep the order they were added in.
pub(crate) struct Record {
    level: Level,
    text: Vec<u8>,
}

impl Record {
    /// A record with its level, target (`"http"`, `"callback"`, ...) and message, which is
    /// formatted straight into the record (pass `format_args!`).
    pub(crate) fn new(level: Level, target: &str, message: impl fmt::Display) -> Record {
        let mut text = Vec::with_capacity(256);
        text.extend_from_slice(b"{\"level\":\"");
        text.extend_from_slice(level.name().as_bytes());
        text.push(b'"');
        let mut record = Record { level, text }.field("target", target);
        record.text.extend_from_slice(b",\"message\":\"");
        // Escaped never fails; a Display that does leaves its message cut short.
        let _ = write!(Escaped(&mut record.text), "{message}");
        record.text.push(b'"');
        record
    }

    /// Adds a member (a name that is not in the record yet).
    pub(crate) fn field(mut self, name: &str, value: impl Serialize) -> Record {
        let at = self.text.len();
        self.text.push(b',');
        let written = serde_json::to_writer(&mut self.text, name)
            .and_then(|()| {
                self.text.push(b':');
                serde_json::to_writer(&mut self.text, &value)
            })
            .is_ok();
        if !written {
            // Only a value that is not JSON (none of the library's) fails: leave it out.
            self.text.truncate(at);
        }
        self
    }

    /// Delivers the record to the logger, if one still wants it.
    pub(crate) fn emit(mut self) {
        let installed = SINK.read().unwrap_or_else(PoisonError::into_inner);
        if let (Some(sink), true) = (installed.as_ref(), enabled(self.level)) {
            self.text.push(b'}');
            // serde_json writes UTF-8 only, and the rest is ASCII.
            if let Ok(text) = std::str::from_utf8(&self.text) {
                sink(self.level, text);
            }
        }
    }
}

/// Writes text as the inside of a JSON string.
struct Escaped<'a>(&'a mut Vec<u8>);

impl fmt::Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let bytes = s.as_bytes();
        let mut plain = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b >= 0x20 && b != b'"' && b != b'\\' {
                continue;
            }
            self.0.extend_from_slice(&bytes[plain..i]);
            if b < 0x20 {
                let hex = [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]];
                self.0.extend_from_slice(b"\\u00");
                self.0.extend_from_slice(&hex);
            } else {
                self.0.extend_from_slice(&[b'\\', b]);
            }
            plain = i + 1;
        }
        self.0.extend_from_slice(&bytes[plain..]);
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Serializes the tests of this crate that install a logger: it is process-wide.
    pub(crate) static LOGGER_TESTS: Mutex<()> = Mutex::new(());

    #[test]
    fn records_are_json_and_respect_the_level() {
        let _serial = LOGGER_TESTS.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&seen);
        set_logger(
            Some(Box::new(move |level, text| {
                into.lock().unwrap().push((level, text.to_owned()))
            })),
            Level::Info as u32,
        );
        assert!(enabled(Level::Info) && !enabled(Level::Debug));
        let path = "/x\"\\\n\u{1}é";
        Record::new(Level::Info, "http", format_args!("GET {path} 200 in 3 ms"))
            .field("status", 200)
            .field("path", path)
            .emit();
        Record::new(Level::Debug, "http", "not wanted").emit();
        set_logger(None, 5);
        Record::new(Level::Error, "http", "after removal").emit();
        assert!(!enabled(Level::Error));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let record: serde_json::Value = serde_json::from_str(&seen[0].1).unwrap();
        assert_eq!(record["level"], "info");
        assert_eq!(record["target"], "http");
        assert_eq!(record["status"], 200);
        assert_eq!(record["message"], format!("GET {path} 200 in 3 ms"));
        assert_eq!(record["path"], path);
    }
}
