//! The Authorization header: `User <secret>, Organization <secret>[, Element <token>]`, pairs
//! in any order. Refusals never repeat the header, which holds secrets.

use crate::ctx::Platform;
use crate::http::Request;
use crate::reply::ApiError;
use crate::state::State;
use std::sync::MutexGuard;

/// The values of an Authorization header's pairs.
#[derive(Default)]
struct Pairs<'a> {
    user: Option<&'a str>,
    organization: Option<&'a str>,
    element: Option<&'a str>,
}

/// The pairs of a well-formed header: known names, each at most once, none empty.
fn pairs(header: &str) -> Option<Pairs<'_>> {
    let mut pairs = Pairs::default();
    for part in header.split(',') {
        let (name, value) = part.trim().split_once(char::is_whitespace)?;
        let slot = match name {
            n if n.eq_ignore_ascii_case("User") => &mut pairs.user,
            n if n.eq_ignore_ascii_case("Organization") => &mut pairs.organization,
            n if n.eq_ignore_ascii_case("Element") => &mut pairs.element,
            _ => return None,
        };
        let value = value.trim();
        if slot.is_some() || value.is_empty() {
            return None;
        }
        *slot = Some(value);
    }
    Some(pairs)
}

/// Whether the request names an instance by its Element token (checked or not).
pub fn carries_element_token(request: &Request) -> bool {
    request
        .header("authorization")
        .and_then(pairs)
        .is_some_and(|p| p.element.is_some())
}

/// Checks the User and Organization secrets; answers the Element token if one was sent.
pub fn authenticate(platform: &Platform, request: &Request) -> Result<Option<String>, ApiError> {
    let refused = || ApiError::new(401, "Invalid or missing User and Organization secrets");
    let header = request.header("authorization").ok_or_else(refused)?;
    let pairs = pairs(header).ok_or_else(refused)?;
    if !platform.accepts(pairs.user, pairs.organization) {
        return Err(refused());
    }
    Ok(pairs.element.map(str::to_string))
}

/// Checks the secrets, then finds the instance whose Element token the request carries (401
/// when there is none or it is unknown): answers the locked state and that instance's id.
pub fn token_holder<'a>(
    platform: &'a Platform,
    request: &Request,
) -> Result<(MutexGuard<'a, State>, u64), ApiError> {
    let refused = || ApiError::new(401, "Invalid or missing Element token");
    let token = authenticate(platform, request)?.ok_or_else(refused)?;
    let mut state = platform.state();
    let id = state.by_token(&token).map(|i| i.id).ok_or_else(refused)?;
    Ok((state, id))
}
