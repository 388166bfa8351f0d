//! Paged lists, as the platform pages them: `pageSize` items from the offset a `nextPage`
//! token names or from the start of page `page` (1-based), with the `Elements-Next-Page-Token`,
//! `Elements-Returned-Count` and `Elements-Total-Count` headers.

use crate::body;
use crate::reply::{ApiError, ApiResult, Reply};
use serde_json::Value;

/// `pageSize` when none is given, as on the platform.
const DEFAULT_PAGE_SIZE: usize = 200;

/// One page of `items`, per the query `params`.
pub fn page(items: Vec<Value>, params: &[(String, String)]) -> ApiResult {
    let size = match body::value(params, "pageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(size) => size
            .parse::<usize>()
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| ApiError::bad_request("pageSize must be a positive whole number"))?,
    };
    let given = |name| body::value(params, name).filter(|v| !v.is_empty());
    let start = match (given("page"), given("nextPage")) {
        (None, None) => 0,
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request("Give page or nextPage, not both"));
        }
        (Some(page), None) => page
            .parse::<usize>()
            .ok()
            .filter(|p| *p > 0)
            .map(|p| (p - 1).saturating_mul(size))
            .ok_or_else(|| ApiError::bad_request("page must be a positive whole number"))?,
        (None, Some(token)) => token
            .strip_prefix("offset-")
            .and_then(|offset| offset.parse::<usize>().ok())
            .ok_or_else(|| {
                ApiError::bad_request("nextPage is not a page token this server issued")
            })?,
    };
    let total = items.len();
    let start = start.min(total);
    let end = start.saturating_add(size).min(total);
    let returned = end - start;
    let body = Value::Array(items.into_iter().skip(start).take(returned).collect());
    let mut reply = Reply::json(200, &body)
        .with("Elements-Returned-Count", returned.to_string())
        .with("Elements-Total-Count", total.to_string());
    if end < total {
        reply = reply.with("Elements-Next-Page-Token", format!("offset-{end}"));
    }
    Ok(reply)
}
