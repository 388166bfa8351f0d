//! Calls made through an instance with its Element token: `/ping`, and one sample resource
//! per hub (`/hubs/{hub}/{resource}[/{id}]`), the stand-in for the connected service.

use crate::auth::through_instance;
use crate::body::json_object;
use crate::catalog::{self, SAMPLE_COUNT};
use crate::ctx::Platform;
use crate::http::Request;
use crate::paging;
use crate::query;
use crate::reply::{ApiError, ApiResult, Reply};
use crate::state::Instance;
use serde_json::{json, Value};

/// `GET /ping`: the instance's health.
pub fn ping(platform: &Platform, request: &Request) -> ApiResult {
    through_instance(platform, request, |instance| {
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

/// `GET` (paged) and `POST` (create) `/hubs/{hub}/{resource}`.
pub fn collection(platform: &Platform, request: &Request, hub: &str, resource: &str) -> ApiResult {
    through_instance(platform, request, |instance| {
        check_hub(instance, hub, resource)?;
        if request.method == "GET" {
            let mut items: Vec<Value> = (1..=SAMPLE_COUNT)
                .map(|id| catalog::sample(hub, id))
                .collect();
            items.extend(instance.created_items.iter().cloned());
            return paging::page(items, &query::parse(&request.query));
        }
        let mut item = json_object(request)?;
        let id = SAMPLE_COUNT + 1 + instance.created_items.len() as u64;
        item.insert("id".into(), Value::from(id));
        let item = Value::Object(item);
        instance.created_items.push(item.clone());
        Ok(Reply::json(200, &item))
    })
}

/// `GET /hubs/{hub}/{resource}/{id}`.
pub fn item(
    platform: &Platform,
    request: &Request,
    hub: &str,
    resource: &str,
    id: &str,
) -> ApiResult {
    through_instance(platform, request, |instance| {
        check_hub(instance, hub, resource)?;
        let not_found = || ApiError::not_found(format!("No {resource} item with id '{id}'"));
        let id: u64 = id.parse().map_err(|_| not_found())?;
        let item = if (1..=SAMPLE_COUNT).contains(&id) {
            catalog::sample(hub, id)
        } else {
            let created = instance.created_items.iter().find(|i| i["id"] == id);
            created.cloned().ok_or_else(not_found)?
        };
        Ok(Reply::json(200, &item))
    })
}

/// 404 unless the instance's element is of `hub` and `resource` is that hub's sample resource.
fn check_hub(instance: &Instance, hub: &str, resource: &str) -> Result<(), ApiError> {
    if instance.element.hub != hub {
        return Err(ApiError::not_found(format!(
            "This instance's element has no hub '{hub}'"
        )));
    }
    if catalog::resource_of(hub) != Some(resource) {
        return Err(ApiError::not_found(format!(
            "No resource '{resource}' in hub '{hub}'"
        )));
    }
    Ok(())
}
