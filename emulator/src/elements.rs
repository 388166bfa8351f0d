//! Elements as the API names them in paths and bodies: by key or numeric id, 404 when the
//! catalog has no such element; and `GET /elements/{keyOrId}`.

use crate::auth::authenticate;
use crate::catalog::{self, Element};
use crate::ctx::Platform;
use crate::http::Request;
use crate::reply::{ApiError, ApiResult, Reply};

/// The element named `key_or_id`, or the platform's 404.
pub fn find(key_or_id: &str) -> Result<&'static Element, ApiError> {
    catalog::find(key_or_id).ok_or_else(|| {
        ApiError::not_found(format!("No element found with key or id '{key_or_id}'"))
    })
}

/// `GET /elements/{keyOrId}`: the element's document.
pub fn get(platform: &Platform, request: &Request, key_or_id: &str) -> ApiResult {
    authenticate(platform, request)?;
    Ok(Reply::json(200, &find(key_or_id)?.document()))
}
