//! Which instance a request addresses: by the id in its path, by an id under an element's path
//! (`/elements/{keyOrId}/instances/{id}`), or by the Element token it carries, as management
//! calls may; and calls made through an instance, which need it enabled.

use crate::auth::{authenticate, token_holder};
use crate::ctx::Platform;
use crate::elements;
use crate::http::Request;
use crate::reply::{ApiError, ApiResult};
use crate::state::{Instance, State};

/// The header every answer through an instance carries, naming the instance.
const INSTANCE_HEADER: &str = "Elements-Element-Instance-Id";

/// How a management call names its instance.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    /// `/instances/{id}`.
    Id(&'a str),
    /// `/elements/{keyOrId}/instances/{id}`: 404 when the instance is of another element.
    Scoped { element: &'a str, id: &'a str },
    /// `/instances` with an Element token: the token's instance.
    Token,
}

/// Runs `f` on the state and the id of the instance `target` names, once the secrets are
/// checked and the instance is known to exist (404 otherwise; 401 for an unknown token).
pub fn with_target(
    platform: &Platform,
    request: &Request,
    target: Target<'_>,
    f: impl FnOnce(&mut State, u64) -> ApiResult,
) -> ApiResult {
    let (mut state, id) = match target {
        Target::Token => token_holder(platform, request)?,
        Target::Id(id) => {
            authenticate(platform, request)?;
            let state = platform.state();
            let id = known(&state, id)?;
            (state, id)
        }
        Target::Scoped { element, id } => {
            authenticate(platform, request)?;
            let element = elements::find(element)?;
            let state = platform.state();
            let found = known(&state, id)?;
            if state
                .instance(found)
                .is_none_or(|i| i.element.key != element.key)
            {
                return Err(ApiError::not_found(format!(
                    "No instance with id '{id}' of element '{}'",
                    element.key
                )));
            }
            (state, found)
        }
    };
    f(&mut state, id)
}

/// Runs `f` on the instance whose token the request carries (401 unknown, 403 disabled). The
/// answer, refusals included, names the instance in `Elements-Element-Instance-Id`.
pub fn through_instance(
    platform: &Platform,
    request: &Request,
    f: impl FnOnce(&mut State, u64) -> ApiResult,
) -> ApiResult {
    let (mut state, id) = token_holder(platform, request)?;
    let disabled = state.instance(id).is_some_and(|i| i.disabled);
    let result = if disabled {
        Err(ApiError::new(403, "The instance is disabled"))
    } else {
        f(&mut state, id)
    };
    let named = id.to_string();
    result
        .map(|reply| reply.with(INSTANCE_HEADER, named.clone()))
        .map_err(|error| error.with(INSTANCE_HEADER, named))
}

/// The instance with this id, which the caller found under the same lock.
pub fn found(state: &mut State, id: u64) -> Result<&mut Instance, ApiError> {
    state
        .instance_mut(id)
        .ok_or_else(|| not_found(&id.to_string()))
}

/// The id in a path, when an instance has it.
fn known(state: &State, id: &str) -> Result<u64, ApiError> {
    id.parse::<u64>()
        .ok()
        .filter(|id| state.instance(*id).is_some())
        .ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("No instance with id '{id}'"))
}
