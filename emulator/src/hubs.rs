//! Calls made through an instance with its Element token: `/ping`, and the sample resource of
//! the instance's hub, the stand-in for the connected service. As on the platform, the hub
//! segment of `/hubs/{hub}/{resource}` is not checked (`/hubs/crm/contacts`,
//! `/hubs/other/contacts` and `/contacts` reach the same resource), and null members are left
//! out of answers unless the instance's `filter.response.nulls` is `false`.

use crate::body::json_object;
use crate::catalog::{self, SAMPLE_COUNT};
use crate::ctx::Platform;
use crate::http::Request;
use crate::paging;
use crate::properties;
use crate::query;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::Instance;
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
        let hub = check_resource(instance, resource)?;
        if request.method == "GET" {
            let mut items: Vec<Value> = (1..=SAMPLE_COUNT)
                .map(|id| catalog::sample(hub, id))
                .collect();
            items.extend(instance.created_items.iter().cloned());
            let items = items.into_iter().map(|i| shown(instance, i)).collect();
            return paging::page(items, &query::parse(&request.query));
        }
        let mut item = json_object(request)?;
        let id = SAMPLE_COUNT + 1 + instance.created_items.len() as u64;
        item.insert("id".into(), Value::from(id));
        let item = Value::Object(item);
        instance.created_items.push(item.clone());
        Ok(Reply::json(200, &shown(instance, item)))
    })
}

/// `GET` one item of the resource.
pub fn item(platform: &Platform, request: &Request, resource: &str, id: &str) -> ApiResult {
    through_instance(platform, request, |state, instance_id| {
        let instance = found(state, instance_id)?;
        let hub = check_resource(instance, resource)?;
        let not_found = || ApiError::not_found(format!("No {resource} item with id '{id}'"));
        let id: u64 = id.parse().map_err(|_| not_found())?;
        let item = if (1..=SAMPLE_COUNT).contains(&id) {
            catalog::sample(hub, id)
        } else {
            let created = instance.created_items.iter().find(|i| i["id"] == id);
            created.cloned().ok_or_else(not_found)?
        };
        Ok(Reply::json(200, &shown(instance, item)))
    })
}

/// The instance's hub, when `resource` is that hub's sample resource (404 otherwise).
fn check_resource(instance: &Instance, resource: &str) -> Result<&'static str, ApiError> {
    let hub = instance.element.hub;
    if catalog::resource_of(hub) != Some(resource) {
        return Err(ApiError::not_found(format!(
            "No resource '{resource}' in this instance's hub '{hub}'"
        )));
    }
    Ok(hub)
}

/// An item as the instance answers it: without null members unless it keeps them.
fn shown(instance: &Instance, item: Value) -> Value {
    if properties::flag(&instance.configuration, "filter.response.nulls") {
        without_nulls(item)
    } else {
        item
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
