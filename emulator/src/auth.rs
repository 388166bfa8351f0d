//! The Authorization header: `User <secret>, Organization <secret>[, Element <token>]`, pairs
//! in any order. Refusals never repeat the header, which holds secrets.

use crate::ctx::Platform;
use crate::http::Request;
use crate::reply::{ApiError, ApiResult};
use crate::state::Instance;

/// Checks the User and Organization secrets; answers the Element token if one was sent.
pub fn authenticate(platform: &Platform, request: &Request) -> Result<Option<String>, ApiError> {
    let refused = || ApiError::new(401, "Invalid or missing User and Organization secrets");
    let header = request.header("authorization").ok_or_else(refused)?;
    let (mut user, mut organization, mut element) = (None, None, None);
    for part in header.split(',') {
        let (name, value) = part
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(refused)?;
        let slot = match name {
            n if n.eq_ignore_ascii_case("User") => &mut user,
            n if n.eq_ignore_ascii_case("Organization") => &mut organization,
            n if n.eq_ignore_ascii_case("Element") => &mut element,
            _ => return Err(refused()),
        };
        let value = value.trim();
        if slot.is_some() || value.is_empty() {
            return Err(refused());
        }
        *slot = Some(value);
    }
    if !platform.accepts(user, organization) {
        return Err(refused());
    }
    Ok(element.map(str::to_string))
}

/// Runs `f` on the instance whose token the request carries (401 unknown, 403 disabled).
pub fn through_instance(
    platform: &Platform,
    request: &Request,
    f: impl FnOnce(&mut Instance) -> ApiResult,
) -> ApiResult {
    let refused = || ApiError::new(401, "Invalid or missing Element token");
    let token = authenticate(platform, request)?.ok_or_else(refused)?;
    let mut state = platform.state();
    let instance = state.by_token(&token).ok_or_else(refused)?;
    if instance.disabled {
        return Err(ApiError::new(403, "The instance is disabled"));
    }
    f(instance)
}
