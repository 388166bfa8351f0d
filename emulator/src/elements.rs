//! Elements as the API names them in paths and bodies: by key or numeric id, 404 when the
//! catalog has no such element.

use crate::catalog::{self, Element};
use crate::reply::ApiError;

/// The element named `key_or_id`, or the platform's 404.
pub fn find(key_or_id: &str) -> Result<&'static Element, ApiError> {
    catalog::find(key_or_id).ok_or_else(|| {
        ApiError::not_found(format!("No element found with key or id '{key_or_id}'"))
    })
}
