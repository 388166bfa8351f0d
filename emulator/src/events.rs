//! Event notifications: which instances send them (`event.notification.enabled` on and an
//! `event.notification.callback.url`), and the notification an instance sends for a change,
//! built and signed at once so that what is delivered, and retried, is fixed.

use crate::date;
use crate::properties;
use crate::rng::Rng;
use crate::signature;
use crate::state::Instance;
use serde_json::{json, Value};
use std::time::SystemTime;

/// The account and user every emulated instance belongs to.
const ACCOUNT_ID: u64 = 1;
const USER_ID: u64 = 1;

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EventType {
    Created,
    Updated,
    Deleted,
}

impl EventType {
    /// `CREATED`, `UPDATED` or `DELETED`.
    pub fn parse(text: &str) -> Option<EventType> {
        match text {
            "CREATED" => Some(EventType::Created),
            "UPDATED" => Some(EventType::Updated),
            "DELETED" => Some(EventType::Deleted),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            EventType::Created => "CREATED",
            EventType::Updated => "UPDATED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// A change to one object of an instance.
pub struct Change {
    pub object_type: String,
    pub object_id: String,
    pub event_type: EventType,
    /// The object as the connected service reports it.
    pub raw: Value,
}

/// One notification, ready to send.
pub struct Notification {
    pub event_id: String,
    pub instance_id: u64,
    /// The callback URL, as configured.
    pub url: String,
    /// The JSON body, exactly as signed.
    pub body: Vec<u8>,
    /// `sha256=...` when the instance has a signature key.
    pub signature: Option<String>,
}

/// Whether the instance sends event notifications.
pub fn enabled(instance: &Instance) -> bool {
    properties::flag(&instance.configuration, "event.notification.enabled")
        && properties::given(&instance.configuration, "event.notification.callback.url").is_some()
}

/// The notification `instance` sends for `change`, or `None` when its events are off.
pub fn notification(instance: &Instance, rng: &mut Rng, change: Change) -> Option<Notification> {
    if !enabled(instance) {
        return None;
    }
    let url = properties::given(&instance.configuration, "event.notification.callback.url")?;
    let event_id = rng.uuid();
    let element = instance.element;
    let body = json!({
        "message": {
            "eventId": event_id,
            "instanceId": instance.id,
            "elementKey": element.key,
            "accountId": ACCOUNT_ID,
            "userId": USER_ID,
            "events": [{
                "objectType": change.object_type,
                "objectId": change.object_id,
                "eventType": change.event_type.name(),
                "elementKey": element.key,
                "hubKey": element.hub,
                "eventDate": date::rfc3339(SystemTime::now()),
            }],
            "raw": change.raw,
        }
    });
    let body = body.to_string().into_bytes();
    let signature = properties::given(&instance.configuration, "event.notification.signature.key")
        .map(|key| signature::header(key.as_bytes(), &body));
    Some(Notification {
        event_id,
        instance_id: instance.id,
        url,
        body,
        signature,
    })
}
