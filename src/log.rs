//! The process-wide log hook: one JSON record per HTTP exchange, retry decision, connection,
//! backoff wait and callback-listener request, built only when a logger wants its level.
//!
//! With no logger installed, the cost of a record is one relaxed atomic load. Records never
//! hold a secret, a query string, a header value or a body: call sites pass paths without
//! their query and describe everything else by kind.

use serde_json::{Map, Value};
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
#[inline]
pub(crate) fn enabled(level: Level) -> bool {
    level as u32 <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// A record under construction; [`Record::emit`] delivers it.
pub(crate) struct Record {
    level: Level,
    fields: Map<String, Value>,
}

impl Record {
    /// A record with its level, target (`"http"`, `"callback"`, ...) and message.
    pub(crate) fn new(level: Level, target: &str, message: String) -> Record {
        let mut fields = Map::new();
        fields.insert("level".into(), Value::from(level.name()));
        fields.insert("target".into(), Value::from(target));
        fields.insert("message".into(), Value::from(message));
        Record { level, fields }
    }

    /// Adds a member.
    pub(crate) fn field(mut self, name: &str, value: impl Into<Value>) -> Record {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// Delivers the record to the logger, if one still wants it.
    pub(crate) fn emit(self) {
        let installed = SINK.read().unwrap_or_else(PoisonError::into_inner);
        if let (Some(sink), true) = (installed.as_ref(), enabled(self.level)) {
            sink(self.level, &Value::Object(self.fields).to_string());
        }
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
        Record::new(Level::Info, "http", "GET /x 200 in 3 ms".into())
            .field("status", 200)
            .emit();
        Record::new(Level::Debug, "http", "not wanted".into()).emit();
        set_logger(None, 5);
        Record::new(Level::Error, "http", "after removal".into()).emit();
        assert!(!enabled(Level::Error));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let record: Value = serde_json::from_str(&seen[0].1).unwrap();
        assert_eq!(record["level"], "info");
        assert_eq!(record["target"], "http");
        assert_eq!(record["status"], 200);
    }
}
