//! Calls made through an instance with its Element token: `/ping`, and the sample resource of
//! the instance's hub, the stand-in for the connected service. Each instance reads and writes
//! its own copy of the sample data, and its writes raise events (see `events`). As on the
//! platform, the hub segment of `/hubs/{hub}/{resource}` is not checked (`/hubs/crm/contacts`,
//! `/hubs/other/contacts` and `/contacts` reach the same resource), and null members are left
//! out of answers unless the instance's `filter.response.nulls` is `false`.

use crate::body::json_object;
use crate::catalog;
use crate::ctx::Platform;
use crate::events::{Change, EventType};
use crate::http::Request;
use crate::paging;
use crate::properties;
use crate::query;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::{item_id, Instance, State};
use crate::target::{found, through_instance};
use serde_json::{json, Value};

/// `GET /ping` (also `/hubs/{hub}/ping`): the instance's health.
pub fn ping(platform: &Platform, request: &Request) -> ApiResult {
    through_instance(platform, request, |state, id| {
        let instance = found(state, id)?;
        Ok(Reply::json(
            200,
            &json!({
                "endpoint": instance.element.key,
                "instanceId": instance.id,
                "instanceName": instance.name,
                "valid": true,
                "disabled": instance.disabled,
            }),
        ))
    })
}

/// `GET` (paged) and `POST` (create) the resource.
pub fn collection(platform: &Platform, request: &Request, resource: &str) -> ApiResult {
    through_instance(platform, request, |state, id| {
        let instance = found(state, id)?;
        check_resource(instance, resource)?;
        if request.method == "GET" {
            let items = instance.items.iter().map(|i| shown(instance, i)).collect();
            return paging::page(items, &query::parse(&request.query));
        }
        let mut item = json_object(request)?;
        let item_id = instance.next_item_id;
        instance.next_item_id += 1;
        item.insert("id".into(), Value::from(item_id));
        let item = Value::Object(item);
        instance.items.push(item.clone());
        let reply = Reply::json(200, &shown(instance, &item));
        notify(platform, state, id, resource, EventType::Created, item);
        Ok(reply)
    })
}

/// `GET`, `PATCH` (sets the members given, but not `id`) and `DELETE` one item.
pub fn item(platform: &Platform, request: &Request, resource: &str, item_id: &str) -> ApiResult {
    through_instance(platform, request, |state, id| {
        let instance = found(state, id)?;
        check_resource(instance, resource)?;
        let not_found = || ApiError::not_found(format!("No {resource} item with id '{item_id}'"));
        let index = instance.item_index(item_id).ok_or_else(not_found)?;
        let (reply, change) = match request.method.as_str() {
            "GET" => return Ok(Reply::json(200, &shown(instance, &instance.items[index]))),
            "PATCH" => {
                let changes = json_object(request)?;
                let item = &mut instance.items[index];
                for (name, value) in changes.into_iter().filter(|(name, _)| name != "id") {
                    item[name] = value;
                }
                let item = item.clone();
                (
                    Reply::json(200, &shown(instance, &item)),
                    (EventType::Updated, item),
                )
            }
            _ => {
                let item = instance.items.remove(index);
                (Reply::empty(), (EventType::Deleted, item))
            }
        };
        notify(platform, state, id, resource, change.0, change.1);
        Ok(reply)
    })
}

/// Queues the event a write through the instance causes, when its events are on.
fn notify(
    platform: &Platform,
    state: &mut State,
    id: u64,
    resource: &str,
    event_type: EventType,
    item: Value,
) {
    let change = Change {
        object_type: resource.to_string(),
        object_id: item_id(&item).unwrap_or_default(),
        event_type,
        raw: item,
    };
    platform.notify(state, id, change);
}

/// 404 unless `resource` is the sample resource of the instance's hub.
fn check_resource(instance: &Instance, resource: &str) -> Result<(), ApiError> {
    let hub = instance.element.hub;
    if catalog::resource_of(hub) != Some(resource) {
        return Err(ApiError::not_found(format!(
            "No resource '{resource}' in this instance's hub '{hub}'"
        )));
    }
    Ok(())
}

/// An item as the instance answers it: without null members unless it keeps them.
fn shown(instance: &Instance, item: &Value) -> Value {
    if properties::flag(&instance.configuration, "filter.response.nulls") {
        without_nulls(item.clone())
    } else {
        item.clone()
    }
}

/// `value` with every null object member left out, at any depth.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}
