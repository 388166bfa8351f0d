//! What handlers receive. Platform and provider handlers get a [`Platform`]: the locked state,
//! a check of the secrets and the root URL, nothing more. The test hooks get the whole
//! [`App`], which adds the journal and the armed faults.

use crate::faults::Faults;
use crate::journal::Journal;
use crate::state::State;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The emulated platform and provider, shared by every request.
pub struct Platform {
    state: Mutex<State>,
    user_secret: String,
    organization_secret: String,
    /// `http://127.0.0.1:PORT`, for the URLs the emulator hands out.
    root_url: String,
}

impl Platform {
    /// A platform with this state, accepting these secrets, reached at `root_url`.
    pub fn new(
        state: State,
        user_secret: String,
        organization_secret: String,
        root_url: String,
    ) -> Platform {
        Platform {
            state: Mutex::new(state),
            user_secret,
            organization_secret,
            root_url,
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
}

/// Everything a request can reach: the platform, and the test hooks' journal and faults.
pub struct App {
    pub platform: Platform,
    pub journal: Journal,
    pub faults: Faults,
}
