//! What the platform knows about instance configuration entries: the common ones every
//! instance lists (with their defaults), the element's required ones, which entries are
//! secret, and how an entry reads. Values are kept as the client gave them (strings, booleans
//! or numbers); entries read as text.

use crate::catalog::{Element, OAUTH_REQUIRED};
use serde_json::{json, Map, Value};

/// What every answer shows instead of a secret entry's value.
pub const MASK: &str = "********";

/// Entries shown as [`MASK`] in every answer: the client's credentials, passwords, the key
/// that signs event notifications, and Infusionsoft's legacy API key.
const SECRET: [&str; 5] = [
    "oauth.api.key",
    "oauth.api.secret",
    "password",
    "event.notification.signature.key",
    "infusionsoft.private.key",
];

/// A known entry: how the platform names and types it, and its default.
struct Spec {
    key: &'static str,
    name: &'static str,
    description: &'static str,
    kind: &'static str,
    default: Option<&'static str>,
    hidden: bool,
}

/// The entries every instance lists, in the order listed, whether given or not.
const COMMON: &[Spec] = &[
    Spec {
        key: "event.notification.enabled",
        name: "Events Enabled",
        description: "Whether the instance sends event notifications",
        kind: "BOOLEAN",
        default: Some("false"),
        hidden: false,
    },
    Spec {
        key: "event.vendor.type",
        name: "Event Type",
        description: "How events are found: webhook or polling",
        kind: "SELECTION",
        default: Some("webhook"),
        hidden: false,
    },
    Spec {
        key: "event.notification.type",
        name: "Event Notification Type",
        description: "How notifications are sent",
        kind: "TEXTFIELD_32",
        default: Some("webhook"),
        hidden: true,
    },
    Spec {
        key: "event.notification.callback.url",
        name: "Event Notification Callback URL",
        description: "Where event notifications are POSTed",
        kind: "TEXTFIELD_1000",
        default: None,
        hidden: false,
    },
    Spec {
        key: "event.notification.signature.key",
        name: "Callback Notification Signature Key",
        description: "Key of the HMAC-SHA256 signature in Elements-Webhook-Signature",
        kind: "PASSWORD",
        default: None,
        hidden: false,
    },
    Spec {
        key: "event.poller.refresh_interval",
        name: "Event Poller Refresh Interval (mins)",
        description: "Minutes between two polls for events",
        kind: "TEXTFIELD_32",
        default: Some("15"),
        hidden: false,
    },
    Spec {
        key: "filter.response.nulls",
        name: "Filter null values from the response",
        description: "Whether null members are left out of answers",
        kind: "BOOLEAN",
        default: Some("true"),
        hidden: false,
    },
];

/// Entries an element may require, described.
const REQUIRED: &[Spec] = &[
    Spec {
        key: "oauth.api.key",
        name: "OAuth API Key",
        description: "The client id of the application at the provider",
        kind: "TEXTFIELD_1000",
        default: None,
        hidden: false,
    },
    Spec {
        key: "oauth.api.secret",
        name: "OAuth API Secret",
        description: "The client secret of the application at the provider",
        kind: "PASSWORD",
        default: None,
        hidden: false,
    },
    Spec {
        key: "oauth.callback.url",
        name: "OAuth Callback URL",
        description: "The redirect URI registered with the provider",
        kind: "TEXTFIELD_1000",
        default: None,
        hidden: false,
    },
    Spec {
        key: "infusionsoft.server",
        name: "Server",
        description: "The Infusionsoft API server",
        kind: "TEXTFIELD_1000",
        default: None,
        hidden: false,
    },
    Spec {
        key: "infusionsoft.private.key",
        name: "Private Key",
        description: "The Infusionsoft legacy API key",
        kind: "PASSWORD",
        default: None,
        hidden: false,
    },
];

fn spec_of(key: &str) -> Option<&'static Spec> {
    COMMON.iter().chain(REQUIRED).find(|s| s.key == key)
}

/// Whether the entry's value is never shown.
pub fn is_secret(key: &str) -> bool {
    SECRET.contains(&key)
}

/// The configuration as given, with secret entries masked.
pub fn masked(configuration: &Map<String, Value>) -> Value {
    let mut configuration = configuration.clone();
    for (key, value) in configuration.iter_mut() {
        if is_secret(key) {
            *value = Value::from(MASK);
        }
    }
    Value::Object(configuration)
}

/// A given entry as text (absent and null entries are `None`; empty text stays empty).
fn text(configuration: &Map<String, Value>, key: &str) -> Option<String> {
    match configuration.get(key)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A given entry as text, counting empty text as missing: what requirements check.
pub fn given(configuration: &Map<String, Value>, key: &str) -> Option<String> {
    text(configuration, key).filter(|s| !s.is_empty())
}

/// An entry as the instance reads it: as given, else its default.
pub fn value(configuration: &Map<String, Value>, key: &str) -> Option<String> {
    text(configuration, key).or_else(|| spec_of(key)?.default.map(str::to_string))
}

/// Whether a boolean entry is on (`true` or `"true"`, or its default).
pub fn flag(configuration: &Map<String, Value>, key: &str) -> bool {
    value(configuration, key).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The entries an instance of `element` lists: the common ones, the element's required ones,
/// then every other given entry, by key.
pub fn keys(element: &Element, configuration: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = COMMON.iter().map(|s| s.key.to_string()).collect();
    for key in OAUTH_REQUIRED.iter().chain(element.extra_required) {
        keys.push(key.to_string());
    }
    for key in configuration.keys() {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    keys
}

/// The entry document the platform answers, its value masked when secret.
pub fn entry(element: &Element, configuration: &Map<String, Value>, id: u64, key: &str) -> Value {
    let spec = spec_of(key);
    let value =
        value(configuration, key).map(|v| if is_secret(key) { MASK.to_string() } else { v });
    let required = OAUTH_REQUIRED.contains(&key) || element.extra_required.contains(&key);
    json!({
        "id": id,
        "key": key,
        "propertyValue": value,
        "name": spec.map_or(key, |s| s.name),
        "description": spec.map_or("", |s| s.description),
        "required": required,
        "hideFromConsole": spec.is_some_and(|s| s.hidden),
        "active": true,
        "type": spec.map_or("TEXTFIELD_1000", |s| s.kind),
    })
}

#[cfg(test)]
mod tests {
    use super::{flag, masked, value};
    use serde_json::json;

    #[test]
    fn defaults_apply_until_an_entry_is_given() {
        let given = json!({"filter.response.nulls": false, "event.notification.enabled": "TRUE"});
        let given = given.as_object().expect("object");
        assert!(!flag(given, "filter.response.nulls"));
        assert!(flag(given, "event.notification.enabled"));
        let none = serde_json::Map::new();
        assert!(flag(&none, "filter.response.nulls"));
        assert_eq!(
            value(&none, "event.poller.refresh_interval").as_deref(),
            Some("15")
        );
        assert_eq!(value(&none, "event.notification.callback.url"), None);
    }

    #[test]
    fn secrets_are_masked() {
        let given =
            json!({"oauth.api.secret": "s", "event.notification.signature.key": "k", "a": "b"});
        let shown = masked(given.as_object().expect("object"));
        assert_eq!(
            shown,
            json!({"oauth.api.secret": "********", "event.notification.signature.key": "********", "a": "b"})
        );
    }
}
