//! The emulator's mutable state: the random generator, the OAuth codes the provider issued and
//! the instances the platform holds. One mutex guards it all (see `ctx::Platform`), so every
//! request sees and leaves a consistent whole.

use crate::catalog::{self, Element};
use crate::date;
use crate::properties;
use crate::rng::Rng;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

/// The first configuration entry id; ids then count up, so a seeded run sees the same ones.
const FIRST_CONFIG_ID: u64 = 1001;

/// A code the provider issued.
struct Grant {
    client_id: String,
    redirect_uri: String,
    expires: Instant,
    used: bool,
}

/// An instance: an element connected to one account.
pub struct Instance {
    pub id: u64,
    pub name: String,
    pub token: String,
    pub element: &'static Element,
    pub tags: Vec<String>,
    /// As given by the client, unmasked.
    pub configuration: Map<String, Value>,
    /// The id of each configuration entry listed so far, kept when an entry is removed so
    /// that ids never change.
    config_ids: Vec<(String, u64)>,
    pub disabled: bool,
    created_date: String,
    /// The instance's own copy of its hub's sample resource, changed by writes through it.
    pub items: Vec<Value>,
    /// The id the next created item gets.
    pub next_item_id: u64,
}

impl Instance {
    /// Where the item with this id (as text) is in the instance's copy of its resource.
    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.items
            .iter()
            .position(|item| item_id(item).as_deref() == Some(id))
    }

    /// The instance document the platform answers, secrets masked.
    pub fn document(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "token": self.token,
            "element": self.element.document(),
            "elementId": self.element.id,
            "tags": self.tags,
            "provisionInteractions": [],
            "valid": true,
            "disabled": self.disabled,
            "maxCacheSize": 0,
            "cacheTimeToLive": 0,
            "configuration": properties::masked(&self.configuration),
            "eventsEnabled": properties::flag(&self.configuration, "event.notification.enabled"),
            "traceLoggingEnabled": false,
            "cachingEnabled": false,
            "externalAuthentication": "none",
            "createdDate": self.created_date,
            "user": {"id": 1001, "emailAddress": "emulator@example.invalid", "firstName": "Emulator", "lastName": "User"},
        })
    }
}

/// An item's id as text, as paths and events carry it.
pub fn item_id(item: &Value) -> Option<String> {
    match &item["id"] {
        Value::Number(id) => Some(id.to_string()),
        Value::String(id) => Some(id.clone()),
        _ => None,
    }
}

/// Why a code was refused.
pub enum CodeError {
    Unknown,
    Used,
    Expired,
    OtherClient,
    OtherRedirect,
}

impl CodeError {
    /// The platform's message for it.
    pub fn message(&self) -> &'static str {
        match self {
            CodeError::Unknown => "The OAuth code is not valid",
            CodeError::Used => "The OAuth code has already been used",
            CodeError::Expired => "The OAuth code has expired",
            CodeError::OtherClient => "The OAuth code was issued for another oauth.api.key",
            CodeError::OtherRedirect => "The OAuth code was issued for another oauth.callback.url",
        }
    }
}

/// All mutable state.
pub struct State {
    seed: Option<u64>,
    pub rng: Rng,
    code_ttl: Duration,
    codes: HashMap<String, Grant>,
    /// In creation order, which is the order lists answer.
    pub instances: Vec<Instance>,
    next_config_id: u64,
}

impl State {
    /// Empty state; random choices follow `seed` when given.
    pub fn new(seed: Option<u64>, code_ttl: Duration) -> State {
        State {
            seed,
            rng: Rng::seeded(seed.unwrap_or_else(Rng::entropy_seed)),
            code_ttl,
            codes: HashMap::new(),
            instances: Vec::new(),
            next_config_id: FIRST_CONFIG_ID,
        }
    }

    /// Forgets codes and instances. A seeded generator starts over, so a suite that resets
    /// between tests sees the same answers whatever ran before.
    pub fn reset(&mut self) {
        if let Some(seed) = self.seed {
            self.rng = Rng::seeded(seed);
        }
        self.codes.clear();
        self.instances.clear();
        self.next_config_id = FIRST_CONFIG_ID;
    }

    /// Issues a single-use code bound to `client_id` and `redirect_uri`.
    pub fn issue_code(&mut self, client_id: &str, redirect_uri: &str) -> String {
        let code = self.rng.alphanumeric(32);
        let grant = Grant {
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            expires: Instant::now() + self.code_ttl,
            used: false,
        };
        self.codes.insert(code.clone(), grant);
        code
    }

    /// Spends `code` if it is valid for `client_id` and `redirect_uri`. A refused code that
    /// was merely presented with the wrong client stays usable, as at OAuth providers.
    pub fn redeem(
        &mut self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
    ) -> Result<(), CodeError> {
        let grant = self.codes.get_mut(code).ok_or(CodeError::Unknown)?;
        if grant.used {
            return Err(CodeError::Used);
        }
        if Instant::now() >= grant.expires {
            return Err(CodeError::Expired);
        }
        if grant.client_id != client_id {
            return Err(CodeError::OtherClient);
        }
        if grant.redirect_uri != redirect_uri {
            return Err(CodeError::OtherRedirect);
        }
        grant.used = true;
        Ok(())
    }

    /// Creates an instance with a fresh id and token.
    pub fn add_instance(
        &mut self,
        element: &'static Element,
        name: String,
        tags: Vec<String>,
        configuration: Map<String, Value>,
    ) -> &Instance {
        let id = loop {
            let id = self.rng.range(100_000, 1_000_000);
            if self.instance(id).is_none() {
                break id;
            }
        };
        let token = self.rng.alphanumeric(44);
        self.instances.push(Instance {
            id,
            name,
            token,
            element,
            tags,
            configuration,
            config_ids: Vec::new(),
            disabled: false,
            created_date: date::rfc3339(SystemTime::now()),
            items: catalog::samples(element.hub),
            next_item_id: catalog::SAMPLE_COUNT + 1,
        });
        let last = self.instances.len() - 1;
        &self.instances[last]
    }

    /// The instance with this id.
    pub fn instance(&self, id: u64) -> Option<&Instance> {
        self.instances.iter().find(|i| i.id == id)
    }

    /// The instance with this id, to change.
    pub fn instance_mut(&mut self, id: u64) -> Option<&mut Instance> {
        self.instances.iter_mut().find(|i| i.id == id)
    }

    /// The ids of the configuration entries an instance lists (see
    /// [`properties::keys`]), allocated the first time each key is listed.
    pub fn config_entries(&mut self, instance_id: u64) -> Vec<(String, u64)> {
        let Some(instance) = self.instances.iter_mut().find(|i| i.id == instance_id) else {
            return Vec::new();
        };
        let keys = properties::keys(instance.element, &instance.configuration);
        keys.into_iter()
            .map(|key| {
                let known = instance.config_ids.iter().find(|(k, _)| *k == key);
                let id = match known {
                    Some((_, id)) => *id,
                    None => {
                        let id = self.next_config_id;
                        self.next_config_id += 1;
                        instance.config_ids.push((key.clone(), id));
                        id
                    }
                };
                (key, id)
            })
            .collect()
    }

    /// The instance holding this token.
    pub fn by_token(&mut self, token: &str) -> Option<&mut Instance> {
        self.instances.iter_mut().find(|i| i.token == token)
    }
}
