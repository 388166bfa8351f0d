//! What bounds one call: its deadline and its cancel handle, handed down from the operation to
//! every wait of the call (resolving, connecting, sending, reading, backing off, listening).

use crate::cancel::{self, Cancel};
use crate::error::{Error, Result};
use crate::secret::Redactor;
use std::time::{Duration, Instant};

/// The context of one call.
pub(crate) struct Ctx {
    /// The operation's name, for log records.
    pub(crate) operation: &'static str,
    /// The call ends by then, whatever retries and `Retry-After` values add up to.
    pub(crate) deadline: Instant,
    /// The caller's cancel handle, if any.
    pub(crate) cancel: Option<Cancel>,
    /// The secrets of the call and its client, for what comes back from servers.
    pub(crate) secrets: Redactor,
}

impl Ctx {
    /// A context for `operation` ending `budget` from now.
    pub(crate) fn new(operation: &'static str, budget: Duration, cancel: Option<&Cancel>) -> Ctx {
        let now = Instant::now();
        Ctx {
            operation,
            deadline: now
                .checked_add(budget)
                .unwrap_or(now + Duration::from_secs(86_400 * 365)),
            cancel: cancel.cloned(),
            secrets: Redactor::default(),
        }
    }

    /// Time left before the deadline (zero once it passed).
    pub(crate) fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Whether the cancel handle was triggered.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(Cancel::is_triggered)
    }

    /// `OC_ERR_CANCELLED` when the handle was triggered: for the points where nothing has
    /// been sent yet.
    pub(crate) fn check_cancelled(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::cancelled())
        } else {
            Ok(())
        }
    }

    /// Sleeps for `duration` unless cancelled first; answers false when cancelled.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        cancel::sleep(self.cancel.as_ref(), duration)
    }
}
