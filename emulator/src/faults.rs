//! Fault injection (`POST /__emulator/faults`): armed faults apply, in the order they were
//! armed, to the next `count` requests whose method and path match; [`render`] turns the fault
//! a request caught into what the server does with it.

use crate::http::{Body, Outcome, Response};
use crate::reply::{finish, ApiError, Reply};
use serde_json::{Map, Value};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// What a fault does to the request it catches.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// Answer this status with the platform error body, without processing the request.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Sleep, then process the request normally.
    Delay(Duration),
    /// Process the request normally; send the head and the first half of the body, sleep,
    /// then send the rest.
    BodyDelay(Duration),
    /// Process the request (its effects stand), then close the connection without answering.
    Drop,
    /// Process the request, then send only half of the answer's body and close.
    Truncate,
    /// Answer 200 with an HTML body, without processing the request.
    NonJson,
    /// Answer 200 with a JSON body of this many MiB, without processing the request.
    OversizedMb(u64),
}

struct Fault {
    method: String,
    path_prefix: String,
    remaining: u64,
    kind: Kind,
}

/// The armed faults.
#[derive(Default)]
pub struct Faults {
    armed: Mutex<Vec<Fault>>,
}

impl Faults {
    /// Arms the fault described by `spec`; answers how many faults are armed now, or why the
    /// description is refused.
    pub fn arm(&self, spec: &Value) -> Result<usize, String> {
        let fault = parse(spec)?;
        let mut armed = self.lock();
        armed.push(fault);
        Ok(armed.len())
    }

    /// Disarms every fault; answers how many were armed.
    pub fn clear(&self) -> usize {
        let mut armed = self.lock();
        let count = armed.len();
        armed.clear();
        count
    }

    /// The fault for this request, if one matches; it counts against that fault's `count`.
    pub fn take(&self, method: &str, path: &str) -> Option<Kind> {
        let mut armed = self.lock();
        let index = armed.iter().position(|f| {
            (f.method == "*" || f.method.eq_ignore_ascii_case(method))
                && path.starts_with(&f.path_prefix)
        })?;
        let fault = &mut armed[index];
        fault.remaining -= 1;
        let kind = fault.kind.clone();
        if fault.remaining == 0 {
            armed.remove(index);
        }
        Some(kind)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.armed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What to do with a request that caught `fault` (or none): `process` answers the request
/// normally, `request_id` is the id its answer carries.
pub fn render(
    fault: Option<Kind>,
    request_id: &str,
    process: impl FnOnce() -> Response,
) -> Outcome {
    match fault {
        None => Outcome::Respond(process()),
        Some(Kind::Delay(delay)) => {
            std::thread::sleep(delay);
            Outcome::Respond(process())
        }
        Some(Kind::BodyDelay(delay)) => Outcome::SlowBody(process(), delay),
        Some(Kind::Drop) => {
            process();
            Outcome::Drop
        }
        Some(Kind::Truncate) => Outcome::Truncate(process()),
        Some(Kind::Status {
            status,
            retry_after,
        }) => {
            let error = ApiError::new(status, "Emulated fault: the service is unavailable");
            let error = match retry_after {
                Some(seconds) => error.with("Retry-After", seconds.to_string()),
                None => error,
            };
            Outcome::Respond(finish(Err(error), request_id))
        }
        Some(Kind::NonJson) => {
            let html = "<!DOCTYPE html>\n<html><head><title>Maintenance</title></head>\
                        <body><h1>Down for maintenance</h1></body></html>\n";
            Outcome::Respond(finish(Ok(Reply::html(200, html.into())), request_id))
        }
        Some(Kind::OversizedMb(mib)) => {
            let reply = Reply::empty().with("Content-Type", "application/json".into());
            let mut response = finish(Ok(reply), request_id);
            // Valid JSON of exactly `mib` MiB: {"padding":"xxxx...x"}.
            response.body = Body::Generated {
                head: b"{\"padding\":\"".to_vec(),
                fill: b'x',
                tail: b"\"}".to_vec(),
                len: mib * 1024 * 1024,
            };
            Outcome::Respond(response)
        }
    }
}

const KINDS: [&str; 7] = [
    "status",
    "delayMs",
    "bodyDelayMs",
    "drop",
    "truncate",
    "nonJson",
    "oversizedMb",
];
const OTHERS: [&str; 4] = ["method", "pathPrefix", "count", "retryAfter"];

fn parse(spec: &Value) -> Result<Fault, String> {
    let spec = spec.as_object().ok_or("A fault is a JSON object")?;
    // Unknown members are refused so that a misspelt field does not silently arm nothing.
    let unknown: Vec<&str> = spec
        .keys()
        .map(String::as_str)
        .filter(|k| !KINDS.contains(k) && !OTHERS.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(format!("Unknown fault fields: {}", unknown.join(", ")));
    }
    let method = text(spec, "method")?.unwrap_or("*").to_string();
    let path_prefix = text(spec, "pathPrefix")?.unwrap_or("/").to_string();
    let count = number(spec, "count", 1, u64::MAX)?.unwrap_or(1);
    let given: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|k| spec.get(*k).is_some_and(|v| *v != Value::Bool(false)))
        .collect();
    let [kind] = given[..] else {
        return Err(format!("Give exactly one of: {}", KINDS.join(", ")));
    };
    let retry_after = number(spec, "retryAfter", 0, u64::MAX)?;
    if retry_after.is_some() && kind != "status" {
        return Err("retryAfter goes with status only".into());
    }
    let kind = match kind {
        "status" => Kind::Status {
            status: number(spec, kind, 400, 599)?.unwrap_or(503) as u16,
            retry_after,
        },
        "delayMs" => Kind::Delay(millis(spec, kind)?),
        "bodyDelayMs" => Kind::BodyDelay(millis(spec, kind)?),
        "drop" if spec.get(kind) == Some(&Value::from("before_response")) => Kind::Drop,
        "drop" => return Err("drop must be \"before_response\"".into()),
        "truncate" | "nonJson" if spec.get(kind) != Some(&Value::Bool(true)) => {
            return Err(format!("{kind} must be true"));
        }
        "truncate" => Kind::Truncate,
        "nonJson" => Kind::NonJson,
        _ => Kind::OversizedMb(number(spec, kind, 1, 1024)?.unwrap_or(1)),
    };
    Ok(Fault {
        method,
        path_prefix,
        remaining: count,
        kind,
    })
}

fn text<'a>(spec: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match spec.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(_) => Err(format!("{name} must be a non-empty string")),
    }
}

/// A delay in milliseconds, up to ten minutes.
fn millis(spec: &Map<String, Value>, name: &str) -> Result<Duration, String> {
    Ok(Duration::from_millis(
        number(spec, name, 0, 600_000)?.unwrap_or(0),
    ))
}

fn number(
    spec: &Map<String, Value>,
    name: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, String> {
    match spec.get(name) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(format!("{name} must be a whole number from {min} to {max}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{Faults, Kind};
    use serde_json::json;

    #[test]
    fn faults_count_down_and_match_in_order() {
        let faults = Faults::default();
        let spec = json!({"method": "get", "pathPrefix": "/a", "count": 2, "status": 502});
        assert_eq!(faults.arm(&spec), Ok(1));
        assert_eq!(faults.arm(&json!({"nonJson": true})), Ok(2));
        assert_eq!(faults.take("POST", "/b"), Some(Kind::NonJson));
        let status = Some(Kind::Status {
            status: 502,
            retry_after: None,
        });
        assert_eq!(faults.take("GET", "/a/x"), status);
        assert_eq!(faults.take("GET", "/a"), status);
        assert_eq!(faults.take("GET", "/a"), None);
    }

    #[test]
    fn bad_specs_are_refused() {
        let faults = Faults::default();
        for spec in [
            json!([]),
            json!({"status": 503, "delayMs": 1}),
            json!({"bodyDelayMs": 1, "delayMs": 1}),
            json!({"bodyDelayMs": -1}),
            json!({}),
            json!({"status": 200}),
            json!({"drop": "after"}),
            json!({"truncate": 1}),
            json!({"delay_ms": 5}),
            json!({"count": 0, "nonJson": true}),
            json!({"retryAfter": 1, "nonJson": true}),
        ] {
            assert!(faults.arm(&spec).is_err(), "{spec}");
        }
    }
}
