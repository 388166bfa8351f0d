//! Step 3 and after: provisioning an instance, and its lifecycle (get, list, update, delete).

use crate::client::Client;
use crate::context::Ctx;
use crate::elements::{element_profile, OAUTH_ENTRIES, SECRET_ENTRIES};
use crate::error::{Problems, Result};
use crate::fields::{no_control, no_huge_strings, parse_object, pointer_segment, Fields};
use crate::http::{Auth, Exchange, Method};
use crate::json::Json;
use crate::secret::Redactor;
use crate::url::{HttpUrl, Target};
use serde_json::{json, Map, Value};
use std::num::NonZeroU64;

/// An instance document to post, as a user would write it for the platform. Its `Debug`
/// shows member names only: the document holds secrets (a code, `oauth.api.secret`).
#[derive(Clone)]
pub struct NewInstance(pub Map<String, Value>);

impl std::fmt::Debug for NewInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewInstance")
            .field("members", &self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The secrets an instance document may carry (its code and secret configuration entries),
/// for redaction.
fn document_secrets(document: &Map<String, Value>, redactor: &mut Redactor) {
    if let Some(code) = provider_code(document) {
        redactor.add(code);
    }
    if let Some(Value::Object(configuration)) = document.get("configuration") {
        for key in SECRET_ENTRIES {
            if let Some(Value::String(value)) = configuration.get(key) {
                redactor.add(value);
            }
        }
    }
}

/// `providerData.code` of an instance document, when it is a string.
fn provider_code(document: &Map<String, Value>) -> Option<&str> {
    document
        .get("providerData")
        .and_then(|d| d.get("code"))
        .and_then(Value::as_str)
}

impl NewInstance {
    /// Parses the request document of `oc_create_instance`.
    pub fn from_json(text: &str) -> Result<NewInstance> {
        Ok(NewInstance(parse_object(text)?))
    }

    /// Every missing and invalid entry at once; nothing is sent when this fails.
    pub fn validate(&self) -> Result<()> {
        let f = Fields::root(&self.0);
        let mut p = Problems::default();
        let mut key = None;
        match f.object("element", &mut p) {
            Some(element) => {
                key = element.str("key", &mut p).filter(|k| !k.is_empty());
                let has_id = match element.value("id") {
                    None => false,
                    Some(Value::Number(_)) => true,
                    Some(Value::String(s)) => !s.is_empty(),
                    Some(_) => {
                        p.wrong_type("/element/id", "must be a number or a string");
                        true
                    }
                };
                if key.is_none() && !has_id {
                    p.missing("/element/key");
                }
            }
            None if f.value("element").is_none() => p.missing("/element/key"),
            None => {}
        }
        f.required_str("name", &mut p);
        f.strings("tags", &mut p);
        let provider_data = f.object("providerData", &mut p);
        let external = f.str("externalAuthentication", &mut p);
        let configuration = f.object("configuration", &mut p);
        let profile = key.and_then(element_profile);
        // OAuth instances are those that carry OAuth data: they need a code and the
        // three oauth.* entries. A profile's own entries are needed by every instance.
        let is_oauth = provider_data.is_some()
            || configuration
                .as_ref()
                .is_some_and(|c| c.entries().any(|(k, _)| k.starts_with("oauth.")));
        let mut required: Vec<&str> = Vec::new();
        if is_oauth {
            let code = provider_data
                .as_ref()
                .and_then(|d| d.str("code", &mut p))
                .filter(|c| !c.is_empty());
            if code.is_none() && external != Some("initial") {
                p.missing("/providerData/code");
            }
            required.extend(OAUTH_ENTRIES);
        }
        required.extend(profile.map_or(&[][..], |p| p.required));
        for entry in required {
            let present = configuration
                .as_ref()
                .and_then(|c| c.value(entry))
                .is_some_and(|v| v.as_str().is_none_or(|s| !s.is_empty()));
            if !present {
                p.missing(&format!("/configuration/{}", pointer_segment(entry)));
            }
        }
        if let Some(c) = &configuration {
            check_configuration(c, &mut p);
        }
        for (name, value) in &self.0 {
            no_huge_strings(&mut p, &format!("/{}", pointer_segment(name)), value);
        }
        p.finish()
    }
}

/// Checks the common configuration properties that are present.
fn check_configuration(c: &Fields<'_>, p: &mut Problems) {
    for (name, value) in c.entries() {
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            p.wrong_type(&c.pointer(name), "must be a string, a boolean or a number");
        }
    }
    let text = |name: &str| -> Option<String> {
        match c.value(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    for name in ["event.notification.enabled", "filter.response.nulls"] {
        if let Some(v) = text(name) {
            if v != "true" && v != "false" {
                p.invalid(&c.pointer(name), "must be true or false");
            }
        }
    }
    if let Some(v) = text("event.vendor.type") {
        if v != "webhook" && v != "polling" {
            p.invalid(
                &c.pointer("event.vendor.type"),
                "must be webhook or polling",
            );
        }
    }
    if let Some(v) = text("event.notification.type") {
        if v != "webhook" {
            p.invalid(&c.pointer("event.notification.type"), "must be webhook");
        }
    }
    for name in ["event.notification.callback.url", "oauth.callback.url"] {
        if let Some(v) = text(name) {
            if !v.is_empty() && HttpUrl::parse(&v).is_none() {
                p.invalid(&c.pointer(name), "must be an absolute http or https URL");
            }
        }
    }
    if let Some(v) = text("event.poller.refresh_interval") {
        if !matches!(v.parse::<u64>(), Ok(n) if n > 0) {
            p.invalid(
                &c.pointer("event.poller.refresh_interval"),
                "must be a positive whole number",
            );
        }
    }
}

/// An instance id: a positive whole number. The request of [`Client::get_instance`] and
/// [`Client::delete_instance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstanceId(NonZeroU64);

impl InstanceId {
    /// The id, unless it is 0.
    pub fn new(id: u64) -> Option<InstanceId> {
        NonZeroU64::new(id).map(InstanceId)
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// Parses `{"id": 1234}`.
    pub fn from_json(text: &str) -> Result<InstanceId> {
        let obj = parse_object(text)?;
        let mut p = Problems::default();
        let id = instance_id(&Fields::root(&obj), &mut p);
        p.finish()?;
        Ok(id.unwrap_or(InstanceId(NonZeroU64::MIN)))
    }

    fn target(self) -> Target {
        Target::new(format!("/instances/{}", self.0))
    }
}

/// An instance id member: a positive whole number (a JSON number).
fn instance_id(f: &Fields<'_>, p: &mut Problems) -> Option<InstanceId> {
    f.positive_integer("id", p).and_then(InstanceId::new)
}

/// The request of [`Client::list_instances`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListInstances {
    /// Only instances carrying these tags.
    pub tags: Vec<String>,
    /// Only instances whose name matches.
    pub search_text: Option<String>,
    /// Page size.
    pub page_size: Option<u64>,
    /// The `nextPage` token of the previous page.
    pub next_page: Option<String>,
}

impl ListInstances {
    /// Parses `{"tags": [...], "searchText": "...", "pageSize": 50, "nextPage": "..."}`.
    pub fn from_json(text: &str) -> Result<ListInstances> {
        let obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        let list = ListInstances {
            tags: f
                .strings("tags", &mut p)
                .unwrap_or_default()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            search_text: f.str("searchText", &mut p).map(str::to_owned),
            page_size: f.u64_at_least("pageSize", 1, &mut p),
            next_page: f.str("nextPage", &mut p).map(str::to_owned),
        };
        p.finish()?;
        Ok(list)
    }

    /// Checks the values bound for the query; nothing is sent when this fails.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        for (n, tag) in self.tags.iter().enumerate() {
            no_control(&mut p, &format!("/tags/{n}"), tag);
        }
        no_control(
            &mut p,
            "/searchText",
            self.search_text.as_deref().unwrap_or_default(),
        );
        no_control(
            &mut p,
            "/nextPage",
            self.next_page.as_deref().unwrap_or_default(),
        );
        p.finish()
    }

    fn is_filtered(&self) -> bool {
        !self.tags.is_empty() || self.search_text.as_deref().is_some_and(|s| !s.is_empty())
    }
}

/// The request of [`Client::update_instance`].
#[derive(Clone)]
pub struct UpdateInstance {
    /// The instance to update.
    pub id: InstanceId,
    /// The instance document (whole for PUT, the changed members for PATCH).
    pub instance: Map<String, Value>,
    /// PATCH instead of PUT.
    pub partial: bool,
}

impl std::fmt::Debug for UpdateInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateInstance")
            .field("id", &self.id)
            .field("members", &self.instance.keys().collect::<Vec<_>>())
            .field("partial", &self.partial)
            .finish()
    }
}

impl UpdateInstance {
    /// Parses `{"id": 1234, "instance": {...}, "partial": false}`.
    pub fn from_json(text: &str) -> Result<UpdateInstance> {
        let mut obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        let id = instance_id(&f, &mut p);
        if f.object("instance", &mut p).is_none() && f.value("instance").is_none() {
            p.missing("/instance");
        }
        let partial = f.bool("partial", &mut p).unwrap_or(false);
        p.finish()?;
        let instance = match obj.remove("instance") {
            Some(Value::Object(instance)) => instance,
            _ => Map::new(),
        };
        Ok(UpdateInstance {
            id: id.unwrap_or(InstanceId(NonZeroU64::MIN)),
            instance,
            partial,
        })
    }

    /// Checks the members it carries; nothing is sent when this fails.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        let i = Fields::at(&self.instance, "/instance");
        i.str("name", &mut p);
        i.strings("tags", &mut p);
        if let Some(d) = i.object("providerData", &mut p) {
            d.str("code", &mut p);
        }
        if let Some(c) = i.object("configuration", &mut p) {
            check_configuration(&c, &mut p);
        }
        for (name, value) in &self.instance {
            no_huge_strings(&mut p, &i.pointer(name), value);
        }
        p.finish()
    }
}

impl Client {
    /// Step 3: provisions an instance (`POST /instances`). Never retried: the code is
    /// single-use, so a lost answer is `OC_ERR_OUTCOME_UNKNOWN`.
    pub(crate) fn create_instance_in(&self, instance: &NewInstance, ctx: &Ctx) -> Result<Json> {
        self.require_secrets()?;
        instance.validate()?;
        let document = Value::Object(instance.0.clone());
        let exchange =
            Exchange::new(Method::Post, Target::new("/instances"), Auth::Platform).json(&document);
        self.instance_document(&exchange, ctx)
    }

    /// `GET /instances/{id}`.
    pub(crate) fn get_instance_in(&self, id: InstanceId, ctx: &Ctx) -> Result<Json> {
        self.require_secrets()?;
        let exchange = Exchange::new(Method::Get, id.target(), Auth::Platform);
        self.instance_document(&exchange, ctx)
    }

    /// `GET /instances` with filters; `{"instances": [...], "nextPage": token or null}`.
    /// The platform's 404 for a filtered list that matched nothing is an empty list.
    pub(crate) fn list_instances_in(&self, list: &ListInstances, ctx: &Ctx) -> Result<Json> {
        self.require_secrets()?;
        list.validate()?;
        let mut target = Target::new("/instances");
        for tag in &list.tags {
            target = target.query("tags[]", tag);
        }
        let page_size = list.page_size.map(|n| n.to_string());
        let target = target
            .query_opt("searchText", list.search_text.as_deref())
            .query_opt("pageSize", page_size.as_deref())
            .query_opt("nextPage", list.next_page.as_deref());
        let exchange = Exchange::new(Method::Get, target, Auth::Platform);
        let reply = match self.http.send(&exchange, ctx) {
            Ok(reply) => reply,
            Err(e)
                if e.http_status == Some(404)
                    && list.is_filtered()
                    && (e.request_id.is_some() || e.platform_message.is_some()) =>
            {
                return Ok(Json::from_valid(
                    r#"{"instances":[],"nextPage":null}"#.into(),
                ));
            }
            Err(e) => return Err(e),
        };
        crate::decode::instance_list(reply)
    }

    /// `PUT /instances/{id}`, or `PATCH` when partial; with `providerData.code` it
    /// re-authenticates the instance, keeping its id. Never retried.
    pub(crate) fn update_instance_in(&self, update: &UpdateInstance, ctx: &Ctx) -> Result<Json> {
        self.require_secrets()?;
        update.validate()?;
        let method = if update.partial {
            Method::Patch
        } else {
            Method::Put
        };
        let document = Value::Object(update.instance.clone());
        let exchange = Exchange::new(method, update.id.target(), Auth::Platform).json(&document);
        self.instance_document(&exchange, ctx)
    }

    /// `DELETE /instances/{id}`; `{"id": id, "deleted": true}`. When an attempt lost its
    /// answer and the retry finds the instance gone (404), the first attempt deleted it: that
    /// is a success too.
    pub(crate) fn delete_instance_in(&self, id: InstanceId, ctx: &Ctx) -> Result<Json> {
        self.require_secrets()?;
        let exchange = Exchange::new(Method::Delete, id.target(), Auth::Platform);
        match self.http.send_noting_lost_answers(&exchange, ctx) {
            (Ok(_), _) => {}
            (Err(e), true) if e.http_status == Some(404) => {}
            (Err(e), _) => return Err(e),
        }
        Ok(Json::from_value(&json!({"id": id.get(), "deleted": true})))
    }

    fn instance_document(&self, exchange: &Exchange<'_>, ctx: &Ctx) -> Result<Json> {
        crate::decode::instance(self.http.send(exchange, ctx)?.body)
    }
}

/// The secrets of a new instance's document, for redaction.
pub(crate) fn new_instance_secrets(instance: &NewInstance, redactor: &mut Redactor) {
    document_secrets(&instance.0, redactor);
}

/// The secrets of an update's document, for redaction.
pub(crate) fn update_secrets(update: &UpdateInstance, redactor: &mut Redactor) {
    document_secrets(&update.instance, redactor);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::oc_status;

    fn check(doc: Value) -> Result<()> {
        NewInstance(doc.as_object().unwrap().clone()).validate()
    }

    #[test]
    fn reports_every_missing_entry_of_an_oauth_instance() {
        let bare = check(json!({"element": {"key": "infusionsoftcrm"}, "name": "n"})).unwrap_err();
        assert_eq!(
            bare.missing,
            [
                "/configuration/infusionsoft.server",
                "/configuration/infusionsoft.private.key"
            ],
            "without OAuth data only the profile's own entries are required"
        );
        let e =
            check(json!({"element": {"key": "infusionsoftcrm"}, "providerData": {}})).unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_VALIDATION);
        assert_eq!(
            e.missing,
            [
                "/name",
                "/providerData/code",
                "/configuration/oauth.api.key",
                "/configuration/oauth.api.secret",
                "/configuration/oauth.callback.url",
                "/configuration/infusionsoft.server",
                "/configuration/infusionsoft.private.key"
            ]
        );
    }

    #[test]
    fn external_authentication_needs_no_code() {
        let doc = json!({"element": {"key": "infusionsoftecommerce"}, "name": "n",
            "externalAuthentication": "initial",
            "configuration": {"oauth.api.key": "k", "oauth.api.secret": "s",
                              "oauth.callback.url": "https://a/cb"}});
        check(doc).unwrap();
    }

    #[test]
    fn flags_invalid_common_properties() {
        let doc = json!({"element": {"id": 12}, "name": "n", "configuration": {
            "event.notification.enabled": "yes", "filter.response.nulls": true,
            "event.vendor.type": "push", "event.notification.type": "polling",
            "event.notification.callback.url": "not a url", "event.poller.refresh_interval": 0}});
        let e = check(doc).unwrap_err();
        let pointers: Vec<_> = e.invalid.iter().map(|i| i.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/configuration/event.notification.enabled",
                "/configuration/event.vendor.type",
                "/configuration/event.notification.type",
                "/configuration/event.notification.callback.url",
                "/configuration/event.poller.refresh_interval"
            ]
        );
        assert!(e.missing.is_empty());
    }

    #[test]
    fn wrong_types_are_invalid_arguments() {
        let e = check(json!({"element": "infusionsoftcrm", "name": 3, "tags": [1]})).unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_INVALID_ARGUMENT);
        let pointers: Vec<_> = e.invalid.iter().map(|i| i.pointer.as_str()).collect();
        assert_eq!(pointers, ["/element", "/name", "/tags/0"]);
    }

    #[test]
    fn update_requests() {
        let u =
            UpdateInstance::from_json(r#"{"id": 7, "instance": {"name": "x"}, "partial": true}"#)
                .unwrap();
        assert_eq!((u.id.get(), u.partial), (7, true));
        let e = UpdateInstance::from_json(r#"{"id": 7}"#).unwrap_err();
        assert_eq!(e.missing, ["/instance"]);
        let l = ListInstances::from_json(r#"{"tags": ["a"], "pageSize": 2}"#).unwrap();
        assert!(l.is_filtered());
    }
}
