//! Step 3 and after: provisioning an instance, and its lifecycle (get, list, update, delete).

use crate::error::{Problems, Result};
use crate::fields::{
    instance_id, no_control, no_huge_strings, parse_object, pointer_segment, Fields,
};
use crate::http::{Auth, Call, Method};
use crate::json::Json;
use crate::url::{push_query, HttpUrl};
use crate::Client;
use serde_json::{json, Map, Value};

/// What the library knows of an element: its hub and the configuration it needs besides the
/// three `oauth.*` entries. Element ids differ between environments, so only keys are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementProfile {
    /// The element key, e.g. `infusionsoftcrm`.
    pub key: &'static str,
    /// The hub its resources live under, e.g. `crm`.
    pub hub: &'static str,
    /// Configuration entries it needs besides `oauth.api.key`, `oauth.api.secret` and
    /// `oauth.callback.url`.
    pub required: &'static [&'static str],
}

/// The built-in profiles: the Infusionsoft (Keap) elements, all OAuth 2.
pub const ELEMENT_PROFILES: &[ElementProfile] = &[
    ElementProfile {
        key: "infusionsoftecommerce",
        hub: "ecommerce",
        required: &[],
    },
    ElementProfile {
        key: "infusionsoftcrm",
        hub: "crm",
        required: &["infusionsoft.server", "infusionsoft.private.key"],
    },
    ElementProfile {
        key: "infusionsoftmarketing",
        hub: "marketing",
        required: &["infusionsoft.server", "infusionsoft.private.key"],
    },
    ElementProfile {
        key: "infusionsoftrest",
        hub: "crm",
        required: &[],
    },
];

/// The profile of an element key, if the library has one.
pub fn element_profile(key: &str) -> Option<&'static ElementProfile> {
    ELEMENT_PROFILES.iter().find(|p| p.key == key)
}

const OAUTH_ENTRIES: [&str; 3] = ["oauth.api.key", "oauth.api.secret", "oauth.callback.url"];

/// An instance document to post, as a user would write it for the platform.
#[derive(Debug, Clone)]
pub struct NewInstance(pub Map<String, Value>);

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
        // OAuth instances are those that carry OAuth data (abi.md): they need a code and the
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

/// The request of [`Client::get_instance`] and [`Client::delete_instance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceId(pub u64);

impl InstanceId {
    /// Parses `{"id": 1234}`.
    pub fn from_json(text: &str) -> Result<InstanceId> {
        let obj = parse_object(text)?;
        let mut p = Problems::default();
        let id = instance_id(&Fields::root(&obj), &mut p);
        p.finish()?;
        Ok(InstanceId(id.unwrap_or_default()))
    }
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
#[derive(Debug, Clone)]
pub struct UpdateInstance {
    /// The instance to update.
    pub id: InstanceId,
    /// The instance document (whole for PUT, the changed members for PATCH).
    pub instance: Map<String, Value>,
    /// PATCH instead of PUT.
    pub partial: bool,
}

impl UpdateInstance {
    /// Parses `{"id": 1234, "instance": {...}, "partial": false}`.
    pub fn from_json(text: &str) -> Result<UpdateInstance> {
        let obj = parse_object(text)?;
        let f = Fields::root(&obj);
        let mut p = Problems::default();
        let id = instance_id(&f, &mut p);
        let instance = f.object("instance", &mut p);
        if instance.is_none() && f.value("instance").is_none() {
            p.missing("/instance");
        }
        let partial = f.bool("partial", &mut p).unwrap_or(false);
        if let Some(i) = &instance {
            i.str("name", &mut p);
            i.strings("tags", &mut p);
            if let Some(d) = i.object("providerData", &mut p) {
                d.str("code", &mut p);
            }
            if let Some(c) = i.object("configuration", &mut p) {
                check_configuration(&c, &mut p);
            }
        }
        if let Some(instance) = f.value("instance") {
            no_huge_strings(&mut p, "/instance", instance);
        }
        p.finish()?;
        let instance = obj
            .get("instance")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Ok(UpdateInstance {
            id: InstanceId(id.unwrap_or_default()),
            instance,
            partial,
        })
    }
}

impl Client {
    /// Step 3: provisions an instance (`POST /instances`). Never retried: the code is
    /// single-use, so a lost answer is `OC_ERR_OUTCOME_UNKNOWN`.
    pub fn create_instance(&self, instance: &NewInstance) -> Result<Json> {
        self.require_secrets()?;
        instance.validate()?;
        let code = instance
            .0
            .get("providerData")
            .and_then(|d| d.get("code"))
            .and_then(Value::as_str);
        let api_secret = instance
            .0
            .get("configuration")
            .and_then(|c| c.get("oauth.api.secret"))
            .and_then(Value::as_str);
        let document = Value::Object(instance.0.clone());
        let mut call = Call::new(Method::Post, "/instances".into(), Auth::Platform).json(&document);
        call.secrets = code.into_iter().chain(api_secret).collect();
        self.instance_document(&call)
    }

    /// `GET /instances/{id}`.
    pub fn get_instance(&self, id: InstanceId) -> Result<Json> {
        self.require_secrets()?;
        let call = Call::new(Method::Get, format!("/instances/{}", id.0), Auth::Platform);
        self.instance_document(&call)
    }

    /// `GET /instances` with filters; `{"instances": [...], "nextPage": token or null}`.
    /// The platform's 404 for a filtered list that matched nothing is an empty list.
    pub fn list_instances(&self, list: &ListInstances) -> Result<Json> {
        self.require_secrets()?;
        list.validate()?;
        let mut target = String::from("/instances");
        let mut query = String::new();
        for tag in &list.tags {
            push_query(&mut query, "tags[]", tag);
        }
        if let Some(s) = &list.search_text {
            push_query(&mut query, "searchText", s);
        }
        if let Some(n) = list.page_size {
            push_query(&mut query, "pageSize", &n.to_string());
        }
        if let Some(t) = &list.next_page {
            push_query(&mut query, "nextPage", t);
        }
        target.push_str(&query);
        let reply = match self
            .http
            .send(&Call::new(Method::Get, target, Auth::Platform))
        {
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
    pub fn update_instance(&self, update: &UpdateInstance) -> Result<Json> {
        self.require_secrets()?;
        let method = if update.partial {
            Method::Patch
        } else {
            Method::Put
        };
        let document = Value::Object(update.instance.clone());
        let code = document
            .get("providerData")
            .and_then(|d| d.get("code"))
            .and_then(Value::as_str);
        let target = format!("/instances/{}", update.id.0);
        let mut call = Call::new(method, target, Auth::Platform).json(&document);
        call.secrets = code.into_iter().collect();
        self.instance_document(&call)
    }

    /// `DELETE /instances/{id}`; `{"id": id, "deleted": true}`. When an attempt lost its
    /// answer and the retry finds the instance gone (404), the first attempt deleted it: that
    /// is a success too.
    pub fn delete_instance(&self, id: InstanceId) -> Result<Json> {
        self.require_secrets()?;
        let target = format!("/instances/{}", id.0);
        let call = Call::new(Method::Delete, target, Auth::Platform);
        match self.http.send_noting_lost_answers(&call) {
            (Ok(_), _) => {}
            (Err(e), true) if e.http_status == Some(404) => {}
            (Err(e), _) => return Err(e),
        }
        Ok(Json::from_value(&json!({"id": id.0, "deleted": true})))
    }

    fn instance_document(&self, call: &Call<'_>) -> Result<Json> {
        crate::decode::instance(self.http.send(call)?.body)
    }
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
        assert_eq!((u.id, u.partial), (InstanceId(7), true));
        let e = UpdateInstance::from_json(r#"{"id": 7}"#).unwrap_err();
        assert_eq!(e.missing, ["/instance"]);
        let l = ListInstances::from_json(r#"{"tags": ["a"], "pageSize": 2}"#).unwrap();
        assert!(l.is_filtered());
    }
}
