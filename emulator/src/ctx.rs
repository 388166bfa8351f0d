//! What handlers receive. Platform and provider handlers get a [`Platform`]: the locked state,
//! a check of the secrets, the root URL, the outbox of event notifications and whether the
//! provider shows a consent page, nothing more. The test hooks get the whole [`App`], which
//! adds the journal and the armed faults.

use crate::events::{self, Change};
use crate::faults::Faults;
use crate::journal::Journal;
use crate::outbox::Outbox;
use crate::state::State;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The emulated platform and provider, shared by every request.
pub struct Platform {
    state: Mutex<State>,
    user_secret: String,
    organization_secret: String,
    /// `http://127.0.0.1:PORT`, for the URLs the emulator hands out.
    root_url: String,
    outbox: Outbox,
    consent_page: bool,
}

/// What a [`Platform`] is made of besides its state.
pub struct Parts {
    pub user_secret: String,
    pub organization_secret: String,
    pub root_url: String,
    pub outbox: Outbox,
    pub consent_page: bool,
}

impl Platform {
    /// A platform with this state.
    pub fn new(state: State, parts: Parts) -> Platform {
        Platform {
            state: Mutex::new(state),
            user_secret: parts.user_secret,
            organization_secret: parts.organization_secret,
            root_url: parts.root_url,
            outbox: parts.outbox,
            consent_page: parts.consent_page,
        }
    }

    /// The state, locked. A panic elsewhere cannot leave it half-changed in a way that
    /// matters more than refusing every later request would, so poisoning is ignored.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether these are the User and Organization secrets the platform accepts. The secrets
    /// themselves never leave this type.
    pub fn accepts(&self, user: Option<&str>, organization: Option<&str>) -> bool {
        user == Some(self.user_secret.as_str())
            && organization == Some(self.organization_secret.as_str())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn root_url(&self) -> &str {
        &self.root_url
    }

    /// Where event notifications go to be delivered.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Queues the notification instance `instance_id` sends for `change`, when its events are
    /// on; answers the event id. `state` is the state this platform's lock gave.
    pub fn notify(&self, state: &mut State, instance_id: u64, change: Change) -> Option<String> {
        let instance = state.instances.iter().find(|i| i.id == instance_id)?;
        let notification = events::notification(instance, &mut state.rng, change)?;
        let event_id = notification.event_id.clone();
        self.outbox.send(notification);
        Some(event_id)
    }

    /// Whether the provider's authorize page asks the user before deciding.
    pub fn consent_page(&self) -> bool {
        self.consent_page
    }
}

/// Everything a request can reach: the platform, and the test hooks' journal and faults.
pub struct App {
    pub platform: Platform,
    pub journal: Journal,
    pub faults: Faults,
}
