//! What the emulated platform knows: its elements (connectors) and, per hub, the one sample
//! resource that instance calls can reach, with deterministic sample data.
//!
//! The element list is public so that a client's own tests can check that the emulator knows
//! every element they have a profile for:
//!
//! ```
//! use openconnectors_emulator::catalog;
//!
//! let crm = catalog::find("infusionsoftcrm").expect("known");
//! assert_eq!(crm.hub, "crm");
//! assert!(crm.extra_required.contains(&"infusionsoft.server"));
//! assert_eq!(catalog::find(&crm.id.to_string()).map(|e| e.key), Some("infusionsoftcrm"));
//! ```

use serde_json::{json, Value};

/// One element (connector) of the catalog.
#[derive(Debug)]
pub struct Element {
    /// Numeric id; ids differ between real environments, so clients must not rely on these.
    pub id: u64,
    /// The key that names the element in paths and bodies, e.g. `infusionsoftecommerce`.
    pub key: &'static str,
    /// The display name.
    pub name: &'static str,
    /// The hub (`crm`, `ecommerce`, `marketing`) whose sample resource its instances reach.
    pub hub: &'static str,
    /// Configuration entries required besides the three `oauth.*` ones.
    pub extra_required: &'static [&'static str],
}

const INFUSIONSOFT_EXTRA: &[&str] = &["infusionsoft.server", "infusionsoft.private.key"];

/// Every element the emulator knows.
const ELEMENTS: &[Element] = &[
    element(
        6138,
        "infusionsoftecommerce",
        "Infusionsoft Online Sales",
        "ecommerce",
        &[],
    ),
    element(
        6139,
        "infusionsoftcrm",
        "Infusionsoft CRM",
        "crm",
        INFUSIONSOFT_EXTRA,
    ),
    element(
        6140,
        "infusionsoftmarketing",
        "Infusionsoft Marketing",
        "marketing",
        INFUSIONSOFT_EXTRA,
    ),
    element(6141, "infusionsoftrest", "Infusionsoft REST", "crm", &[]),
    element(1201, "sfdc", "Salesforce Sales Cloud", "crm", &[]),
    element(1202, "hubspotcrm", "HubSpot CRM", "crm", &[]),
    element(1203, "shopify", "Shopify", "ecommerce", &[]),
];

const fn element(
    id: u64,
    key: &'static str,
    name: &'static str,
    hub: &'static str,
    extra_required: &'static [&'static str],
) -> Element {
    Element {
        id,
        key,
        name,
        hub,
        extra_required,
    }
}

/// The configuration entries every OAuth 2 element requires.
pub const OAUTH_REQUIRED: [&str; 3] = ["oauth.api.key", "oauth.api.secret", "oauth.callback.url"];

/// Every element the emulator knows.
pub fn elements() -> &'static [Element] {
    ELEMENTS
}

/// The element with this key, or with this numeric id (as text).
pub fn find(key_or_id: &str) -> Option<&'static Element> {
    match key_or_id.parse::<u64>() {
        Ok(id) => ELEMENTS.iter().find(|e| e.id == id),
        Err(_) => ELEMENTS.iter().find(|e| e.key == key_or_id),
    }
}

impl Element {
    /// The element as embedded in an instance document.
    pub(crate) fn document(&self) -> Value {
        json!({
            "id": self.id,
            "key": self.key,
            "name": self.name,
            "hub": self.hub,
            "authentication": {"type": "oauth2"},
        })
    }
}

/// Number of sample items every instance starts with in its hub resource.
pub(crate) const SAMPLE_COUNT: u64 = 25;

/// The sample resource of a hub.
pub(crate) fn resource_of(hub: &str) -> Option<&'static str> {
    match hub {
        "ecommerce" => Some("orders"),
        "crm" => Some("contacts"),
        "marketing" => Some("campaigns"),
        _ => None,
    }
}

/// The sample items of a hub's resource (none for a hub without one).
pub(crate) fn samples(hub: &str) -> Vec<Value> {
    if resource_of(hub).is_none() {
        return Vec::new();
    }
    (1..=SAMPLE_COUNT).map(|id| sample(hub, id)).collect()
}

/// Sample item `id` (1-based) of a hub's resource; the same for every instance and run. Some
/// members are null in some items (an order not yet shipped has no `shippedDate`), as in the
/// services behind the platform, so that clients meet the platform's null filtering.
fn sample(hub: &str, id: u64) -> Value {
    const NAMES: [&str; 5] = ["Ada", "Grace", "Alan", "Edsger", "Barbara"];
    const SURNAMES: [&str; 5] = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov"];
    const ORDER_STATUSES: [&str; 3] = ["new", "paid", "shipped"];
    const CAMPAIGN_STATUSES: [&str; 3] = ["draft", "active", "completed"];
    let first = NAMES[(id % 5) as usize];
    let last = SURNAMES[(id / 5 % 5) as usize];
    let email = format!(
        "{}.{}{id}@example.com",
        first.to_lowercase(),
        last.to_lowercase()
    );
    // A date in 2024 that differs between items.
    let date = format!("2024-{:02}-{:02}", id % 12 + 1, id % 28 + 1);
    let when = |present: bool| present.then(|| date.clone());
    match hub {
        "ecommerce" => {
            let status = ORDER_STATUSES[(id % 3) as usize];
            json!({
                "id": id,
                "orderNumber": format!("SO-{:05}", 1000 + id),
                "status": status,
                "total": format!("{}.{:02}", 10 * id + 5, (id * 37) % 100),
                "currency": "USD",
                "customerEmail": email,
                "shippedDate": when(status == "shipped"),
            })
        }
        "crm" => json!({
            "id": id,
            "firstName": first,
            "lastName": last,
            "email": email,
            "phone": (id % 4 != 0).then(|| format!("+1-555-01{:02}", id % 100)),
        }),
        _ => {
            let status = CAMPAIGN_STATUSES[(id % 3) as usize];
            json!({
                "id": id,
                "name": format!("Campaign {id}"),
                "status": status,
                "endDate": when(status == "completed"),
            })
        }
    }
}
