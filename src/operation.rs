//! Every operation of the library by name: the one table that `oc_call`, `oc_call_async` and
//! the named C functions dispatch through, and the one place where a call gets its context
//! (deadline, cancel handle, secrets) and where its error is redacted before it leaves.

use crate::callback::{parse_callback, ParseCallbackRequest};
use crate::cancel::Cancel;
use crate::client::Client;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::instances::{
    new_instance_secrets, update_secrets, InstanceId, ListInstances, NewInstance, UpdateInstance,
};
use crate::json::Json;
use crate::listener::{await_callback_in, AwaitCallbackRequest};
use crate::oauth::OAuthUrlRequest;
use crate::secret::Redactor;
use crate::service::ApiRequest;
use crate::webhook::{self, verify_webhook, VerifyWebhookRequest};
use std::time::Duration;

/// One operation with its parsed request.
#[derive(Debug, Clone)]
pub enum Operation {
    /// `oauth_url`: step 1, the provider's authorization URL.
    OAuthUrl(OAuthUrlRequest),
    /// `create_instance`: step 3, provisioning an instance.
    CreateInstance(NewInstance),
    /// `get_instance`.
    GetInstance(InstanceId),
    /// `list_instances`.
    ListInstances(ListInstances),
    /// `update_instance`.
    UpdateInstance(UpdateInstance),
    /// `delete_instance`.
    DeleteInstance(InstanceId),
    /// `request`: a call to the connected service through an instance.
    Request(ApiRequest),
    /// `parse_callback`: step 2 without I/O.
    ParseCallback(ParseCallbackRequest),
    /// `await_callback`: step 2 on a loopback listener.
    AwaitCallback(AwaitCallbackRequest),
    /// `verify_webhook`: an event notification's signature and events.
    VerifyWebhook(VerifyWebhookRequest),
}

/// A row of the table: an operation's name, whether it needs a client, and how its request
/// document is parsed.
pub struct OperationSpec {
    /// The name `oc_call` takes, e.g. `"get_instance"`.
    pub name: &'static str,
    /// Whether a client is needed (`parse_callback`, `await_callback` and `verify_webhook`
    /// need none).
    pub needs_client: bool,
    parse: fn(&str) -> Result<Operation>,
}

/// Every operation. Adding one: a row here, a variant of [`Operation`] and its arm in
/// [`Operation::run`].
pub const OPERATIONS: &[OperationSpec] = &[
    OperationSpec {
        name: "oauth_url",
        needs_client: true,
        parse: |t| OAuthUrlRequest::from_json(t).map(Operation::OAuthUrl),
    },
    OperationSpec {
        name: "create_instance",
        needs_client: true,
        parse: |t| NewInstance::from_json(t).map(Operation::CreateInstance),
    },
    OperationSpec {
        name: "get_instance",
        needs_client: true,
        parse: |t| InstanceId::from_json(t).map(Operation::GetInstance),
    },
    OperationSpec {
        name: "list_instances",
        needs_client: true,
        parse: |t| ListInstances::from_json(t).map(Operation::ListInstances),
    },
    OperationSpec {
        name: "update_instance",
        needs_client: true,
        parse: |t| UpdateInstance::from_json(t).map(Operation::UpdateInstance),
    },
    OperationSpec {
        name: "delete_instance",
        needs_client: true,
        parse: |t| InstanceId::from_json(t).map(Operation::DeleteInstance),
    },
    OperationSpec {
        name: "request",
        needs_client: true,
        parse: |t| ApiRequest::from_json(t).map(Operation::Request),
    },
    OperationSpec {
        name: "parse_callback",
        needs_client: false,
        parse: |t| ParseCallbackRequest::from_json(t).map(Operation::ParseCallback),
    },
    OperationSpec {
        name: "await_callback",
        needs_client: false,
        parse: |t| AwaitCallbackRequest::from_json(t).map(Operation::AwaitCallback),
    },
    OperationSpec {
        name: "verify_webhook",
        needs_client: false,
        parse: |t| VerifyWebhookRequest::from_json(t).map(Operation::VerifyWebhook),
    },
];

/// The row of an operation name; an unknown name is `OC_ERR_INVALID_ARGUMENT` naming
/// `/operation`.
pub fn operation_spec(name: &str) -> Result<&'static OperationSpec> {
    OPERATIONS
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| Error::invalid_argument("/operation", "is not an operation of the library"))
}

/// How long a call without a client's deadline (no I/O, or its own timeout) may take.
const NO_DEADLINE: Duration = Duration::from_secs(86_400);

impl Operation {
    /// Parses the request document of the operation called `name`.
    pub fn parse(name: &str, request_json: &str) -> Result<Operation> {
        (operation_spec(name)?.parse)(request_json)
    }

    /// The operation's name.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::OAuthUrl(_) => "oauth_url",
            Operation::CreateInstance(_) => "create_instance",
            Operation::GetInstance(_) => "get_instance",
            Operation::ListInstances(_) => "list_instances",
            Operation::UpdateInstance(_) => "update_instance",
            Operation::DeleteInstance(_) => "delete_instance",
            Operation::Request(_) => "request",
            Operation::ParseCallback(_) => "parse_callback",
            Operation::AwaitCallback(_) => "await_callback",
            Operation::VerifyWebhook(_) => "verify_webhook",
        }
    }

    /// Runs the operation: on `client` when it needs one (`None` is then
    /// `OC_ERR_INVALID_ARGUMENT`), bounded by the client's `deadlineMs` (or the listener's
    /// timeout), ended early by `cancel`. Every error is redacted of the call's and the
    /// client's secrets before it is returned.
    pub fn run(&self, client: Option<&Client>, cancel: Option<&Cancel>) -> Result<Json> {
        let budget = match (self, client) {
            (Operation::AwaitCallback(r), _) => r.timeout,
            (_, Some(c)) => c.config().deadline,
            (_, None) => NO_DEADLINE,
        };
        let mut ctx = Ctx::new(self.name(), budget, cancel);
        if let Some(c) = client {
            c.add_secrets(&mut ctx.secrets);
        }
        self.add_secrets(&mut ctx.secrets);
        let result = ctx
            .check_cancelled()
            .and_then(|()| self.dispatch(client, &ctx));
        result.map_err(|mut e| {
            e.redact(&ctx.secrets);
            e
        })
    }

    fn dispatch(&self, client: Option<&Client>, ctx: &Ctx) -> Result<Json> {
        let client = || client.ok_or_else(|| Error::null_argument("client"));
        match self {
            Operation::OAuthUrl(r) => client()?.oauth_url_in(r, ctx),
            Operation::CreateInstance(r) => client()?.create_instance_in(r, ctx),
            Operation::GetInstance(id) => client()?.get_instance_in(*id, ctx),
            Operation::ListInstances(r) => client()?.list_instances_in(r, ctx),
            Operation::UpdateInstance(r) => client()?.update_instance_in(r, ctx),
            Operation::DeleteInstance(id) => client()?.delete_instance_in(*id, ctx),
            Operation::Request(r) => client()?.request_in(r, ctx),
            Operation::ParseCallback(r) => {
                parse_callback(&r.url, r.expected_state.as_deref()).map(|c| c.to_json())
            }
            Operation::AwaitCallback(r) => await_callback_in(r, ctx).map(|c| c.to_json()),
            Operation::VerifyWebhook(r) => verify_webhook(r),
        }
    }

    /// The secrets the request carries.
    fn add_secrets(&self, redactor: &mut Redactor) {
        match self {
            Operation::OAuthUrl(r) => redactor.add(r.api_secret.expose()),
            Operation::CreateInstance(r) => new_instance_secrets(r, redactor),
            Operation::UpdateInstance(r) => update_secrets(r, redactor),
            Operation::Request(r) => {
                if let Some(token) = &r.element_token {
                    redactor.add(token.expose());
                }
            }
            Operation::VerifyWebhook(r) => webhook::secrets(r, redactor),
            Operation::GetInstance(_)
            | Operation::ListInstances(_)
            | Operation::DeleteInstance(_)
            | Operation::ParseCallback(_)
            | Operation::AwaitCallback(_) => {}
        }
    }
}

impl Client {
    /// Step 1: asks the platform for the provider's authorization URL. The result is the
    /// platform's JSON object (with `oauthUrl`) plus `state`, the state that was sent.
    pub fn oauth_url(&self, request: &OAuthUrlRequest) -> Result<Json> {
        Operation::OAuthUrl(request.clone()).run(Some(self), None)
    }

    /// Step 3: provisions an instance (`POST /instances`). Never retried: the code is
    /// single-use, so a lost answer is `OC_ERR_OUTCOME_UNKNOWN`.
    pub fn create_instance(&self, instance: &NewInstance) -> Result<Json> {
        Operation::CreateInstance(instance.clone()).run(Some(self), None)
    }

    /// `GET /instances/{id}`.
    pub fn get_instance(&self, id: InstanceId) -> Result<Json> {
        Operation::GetInstance(id).run(Some(self), None)
    }

    /// `GET /instances` with filters: `{"instances": [...], "nextPage": token or null}`.
    pub fn list_instances(&self, list: &ListInstances) -> Result<Json> {
        Operation::ListInstances(list.clone()).run(Some(self), None)
    }

    /// `PUT /instances/{id}`, or `PATCH` when partial; with `providerData.code` it
    /// re-authenticates the instance, keeping its id. Never retried.
    pub fn update_instance(&self, update: &UpdateInstance) -> Result<Json> {
        Operation::UpdateInstance(update.clone()).run(Some(self), None)
    }

    /// `DELETE /instances/{id}`: `{"id": id, "deleted": true}`.
    pub fn delete_instance(&self, id: InstanceId) -> Result<Json> {
        Operation::DeleteInstance(id).run(Some(self), None)
    }

    /// Calls the connected service through an instance: `{"status", "headers", "body"}`;
    /// a non-2xx answer is `OC_ERR_API`.
    pub fn request(&self, request: &ApiRequest) -> Result<Json> {
        Operation::Request(request.clone()).run(Some(self), None)
    }
}
