//! The request journal behind `GET /__emulator/requests`: every request other than the test
//! hooks, oldest first, kept as received so that tests can assert exactly what a client sent.
//! The one exception is the Authorization value, replaced by the names of the pairs it carried.

use crate::http::Request;
use crate::query;
use serde_json::{json, Map, Value};
use std::sync::{Mutex, PoisonError};

/// The recorded requests.
#[derive(Default)]
pub struct Journal {
    entries: Mutex<Vec<Value>>,
}

impl Journal {
    /// Records one request.
    pub fn record(&self, request: &Request) {
        let mut headers = Map::new();
        for (name, value) in &request.headers {
            let value = if name == "authorization" {
                pair_names(value)
            } else {
                value.clone()
            };
            // A header sent twice is kept as one comma-joined value, as HTTP allows.
            let joined = match headers.get(name).and_then(Value::as_str) {
                Some(previous) => format!("{previous}, {value}"),
                None => value,
            };
            headers.insert(name.clone(), Value::String(joined));
        }
        let query: Vec<Value> = query::parse(&request.query)
            .into_iter()
            .map(|(name, value)| json!([name, value]))
            .collect();
        let entry = json!({
            "method": request.method,
            "path": request.path,
            "query": query,
            "headers": headers,
            "body": String::from_utf8_lossy(&request.body),
        });
        self.lock().push(entry);
    }

    /// All entries, oldest first.
    pub fn entries(&self) -> Value {
        Value::Array(self.lock().clone())
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `"User <s>, Organization <s>, Element <t>"` → `"User, Organization, Element"`. A part
/// without a value might be a bare secret, so it is shown as `?` rather than echoed.
fn pair_names(value: &str) -> String {
    value
        .split(',')
        .map(|part| {
            let mut words = part.split_whitespace();
            match (words.next(), words.next()) {
                (Some(name), Some(_)) => name,
                _ => "?",
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::pair_names;

    #[test]
    fn authorization_keeps_only_pair_names() {
        assert_eq!(
            pair_names("Element t0k, User  u ,Organization o"),
            "Element, User, Organization"
        );
        assert_eq!(pair_names("bare-secret"), "?");
    }
}
