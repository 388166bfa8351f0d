//! Cancel handles: a call given one ends within moments of [`Cancel::trigger`], whatever it is
//! waiting for.
//!
//! A handle does not make calls poll a flag. Whatever a call waits on registers a hook with
//! the handle for as long as it waits: a socket registers its shutdown (which wakes a blocked
//! connect, read or write at once), a sleep or a listener registers the notification of its
//! condition variable. Triggering runs the hooks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A handle that cancels every call given it. Clones share the same state.
///
/// Triggering is idempotent and may happen from any thread at any time; once triggered the
/// handle stays triggered, so calls started with it end at once.
#[derive(Clone, Default)]
pub struct Cancel(Arc<Inner>);

#[derive(Default)]
struct Inner {
    triggered: AtomicBool,
    hooks: Mutex<Vec<Arc<Hook>>>,
}

/// What a hook runs.
type Action = Box<dyn Fn() + Send + Sync>;

/// One registered action, taken out and dropped (under its lock) when the registration ends,
/// so that an action never runs after its registration was dropped (a socket returned to the
/// connection pool must not be shut down by a handle of a call that has finished), and what
/// it holds goes at once: a handle kept for later calls must not keep a finished call's
/// socket open.
struct Hook {
    action: Mutex<Option<Action>>,
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel")
            .field("triggered", &self.is_triggered())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Cancel {
    /// A handle that is not triggered.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels every call holding the handle, now and later.
    pub fn trigger(&self) {
        let hooks = {
            let mut hooks = lock(&self.0.hooks);
            if self.0.triggered.swap(true, Ordering::SeqCst) {
                return;
            }
            std::mem::take(&mut *hooks)
        };
        for hook in hooks {
            if let Some(action) = &*lock(&hook.action) {
                action();
            }
        }
    }

    /// Whether [`Cancel::trigger`] was called.
    pub fn is_triggered(&self) -> bool {
        self.0.triggered.load(Ordering::SeqCst)
    }

    /// Runs `action` when the handle is triggered, as long as the registration lives; at once
    /// when it is triggered already.
    pub(crate) fn on_trigger(&self, action: impl Fn() + Send + Sync + 'static) -> Registration {
        {
            let mut hooks = lock(&self.0.hooks);
            if !self.is_triggered() {
                hooks.retain(|h| lock(&h.action).is_some());
                let hook = Arc::new(Hook {
                    action: Mutex::new(Some(Box::new(action))),
                });
                hooks.push(Arc::clone(&hook));
                return Registration(hook);
            }
        }
        action();
        Registration(Arc::new(Hook {
            action: Mutex::new(None),
        }))
    }
}

/// Keeps an action registered with a [`Cancel`]; dropping it unregisters the action, and once
/// the drop returns the action is neither running nor will it run.
#[must_use = "the action is unregistered when this is dropped"]
pub(crate) struct Registration(Arc<Hook>);

impl Drop for Registration {
    fn drop(&mut self) {
        // Taken out under the lock, dropped after it: a trigger running it meanwhile finishes
        // first, and no trigger finds it afterwards.
        let action = lock(&self.0.action).take();
        drop(action);
    }
}

/// Something a thread can wait for, woken early by a cancel handle or by [`Signal::notify`].
#[derive(Default)]
pub(crate) struct Signal {
    notified: Mutex<bool>,
    cond: Condvar,
}

impl Signal {
    /// Wakes the waiters.
    pub(crate) fn notify(&self) {
        *lock(&self.notified) = true;
        self.cond.notify_all();
    }

    /// Waits until notified, triggered or `until`. Answers whether it was notified or
    /// triggered (false: the time ran out).
    pub(crate) fn wait_until(self: &Arc<Self>, cancel: Option<&Cancel>, until: Instant) -> bool {
        let _registration = cancel.map(|c| {
            let signal = Arc::clone(self);
            c.on_trigger(move || signal.notify())
        });
        let mut notified = lock(&self.notified);
        loop {
            if *notified {
                return true;
            }
            let now = Instant::now();
            if now >= until {
                return false;
            }
            notified = self
                .cond
                .wait_timeout(notified, until - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// Sleeps for `duration`, or less when `cancel` is triggered. Answers false when cancelled.
pub(crate) fn sleep(cancel: Option<&Cancel>, duration: Duration) -> bool {
    match cancel {
        None => {
            std::thread::sleep(duration);
            true
        }
        Some(c) => {
            Arc::new(Signal::default()).wait_until(Some(c), Instant::now() + duration);
            !c.is_triggered()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn hooks_run_once_and_not_after_their_registration_ends() {
        let c = Cancel::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let counter = |runs: &Arc<AtomicUsize>| {
            let runs = Arc::clone(runs);
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
            }
        };
        let kept = c.on_trigger(counter(&runs));
        drop(c.on_trigger(counter(&runs)));
        c.trigger();
        c.trigger();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(c.is_triggered());
        let late = c.on_trigger(counter(&runs));
        assert_eq!(
            runs.load(Ordering::SeqCst),
            2,
            "runs at once when already triggered"
        );
        drop((kept, late));
    }

    #[test]
    fn what_an_action_holds_goes_when_its_registration_ends() {
        let c = Cancel::new();
        let held = Arc::new(());
        let registration = {
            let held = Arc::clone(&held);
            c.on_trigger(move || drop(Arc::clone(&held)))
        };
        assert_eq!(Arc::strong_count(&held), 2);
        drop(registration);
        assert_eq!(
            Arc::strong_count(&held),
            1,
            "a handle kept for later calls holds nothing of a finished one"
        );
    }

    #[test]
    fn a_sleep_ends_when_triggered() {
        let c = Cancel::new();
        let trigger = c.clone();
        let started = Instant::now();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            trigger.trigger();
        });
        assert!(!sleep(Some(&c), Duration::from_secs(10)));
        assert!(started.elapsed() < Duration::from_secs(2));
        t.join().unwrap();
        assert!(sleep(None, Duration::from_millis(1)));
        assert!(sleep(Some(&Cancel::new()), Duration::from_millis(1)));
    }
}
