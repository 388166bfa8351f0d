//! What the library knows of the platform's elements (connectors): the one catalog of element
//! profiles, used to validate instance documents before they are sent. The emulator knows
//! every element listed here (a test checks it).

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

/// The configuration entries every OAuth 2 instance needs.
pub(crate) const OAUTH_ENTRIES: [&str; 3] =
    ["oauth.api.key", "oauth.api.secret", "oauth.callback.url"];

/// Configuration entries whose values are secrets: never shown, and redacted wherever a
/// server might echo them.
pub(crate) const SECRET_ENTRIES: [&str; 7] = [
    "oauth.api.key",
    "oauth.api.secret",
    "oauth.user.token",
    "oauth.user.refresh_token",
    "password",
    "infusionsoft.private.key",
    "event.notification.signature.key",
];
