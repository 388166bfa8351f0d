//! Delivery of event notifications, in the background: never inside the request that caused
//! them. One worker thread POSTs each notification to its callback URL and records every
//! attempt; a failed one (no connection, or an answer other than 2xx) is retried up to 9 times,
//! the x-th retry 4^x seconds after the failure, times a scale that tests make small.
//!
//! Only loopback callback URLs are delivered to unless remote ones are allowed (an emulator in
//! CI must not post to the world), and only over plain http (the emulator has no TLS client).
//! A URL ruled out is recorded as one failed attempt with the reason, and not retried: the
//! outcome could not change.

use crate::client::{self, HttpUrl};
use crate::consts::VERSION;
use crate::date;
use crate::events::Notification;
use serde_json::{json, Value};
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// Retries after the first attempt, as on the platform.
const MAX_RETRIES: u32 = 9;
/// The limit on connecting, and on each write and read, of one attempt.
const TIMEOUT: Duration = Duration::from_secs(2);
/// The longest wait before a retry, whatever the scale.
const LONGEST_WAIT: Duration = Duration::from_secs(365 * 86_400);

/// How deliveries behave.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Multiplies every wait before a retry (1 as on the platform; tests use e.g. 0.001).
    pub retry_scale: f64,
    /// Deliver to callback URLs that are not loopback ones.
    pub allow_remote: bool,
}

/// The notifications waiting to be delivered, and the record of every attempt.
pub struct Outbox {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when the queue changes and when an attempt ends.
    changed: Condvar,
    settings: Settings,
}

#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    attempts: Vec<Value>,
    /// Counts resets: an attempt that began before one is forgotten when it ends.
    generation: u64,
    /// An attempt is under way (outside the lock).
    sending: bool,
    stopping: bool,
}

struct Pending {
    due: Instant,
    /// 1 for the first delivery, 2 for the first retry, ...
    attempt: u32,
    notification: Arc<Notification>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(
        &self,
        queue: MutexGuard<'a, Queue>,
        limit: Option<Duration>,
    ) -> MutexGuard<'a, Queue> {
        match limit {
            None => self
                .changed
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner),
            Some(limit) => {
                self.changed
                    .wait_timeout(queue, limit)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        }
    }
}

impl Outbox {
    /// An empty outbox and its worker thread.
    pub fn start(settings: Settings) -> io::Result<Outbox> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
            settings,
        });
        let for_worker = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name("emulator-events".into())
            .spawn(move || deliver_all(&for_worker))?;
        Ok(Outbox {
            shared,
            worker: Mutex::new(Some(worker)),
        })
    }

    /// Queues `notification` for delivery now.
    pub fn send(&self, notification: Notification) {
        let mut queue = self.shared.lock();
        queue.pending.push(Pending {
            due: Instant::now(),
            attempt: 1,
            notification: Arc::new(notification),
        });
        self.shared.changed.notify_all();
    }

    /// Every attempt so far, oldest first.
    pub fn attempts(&self) -> Value {
        Value::Array(self.shared.lock().attempts.clone())
    }

    /// Forgets the attempts and the pending notifications. An attempt under way is waited for
    /// (it takes at most a few seconds) and forgotten too, so that once this returns nothing
    /// of what came before is delivered.
    pub fn reset(&self) {
        let mut queue = self.shared.lock();
        queue.pending.clear();
        queue.attempts.clear();
        queue.generation += 1;
        while queue.sending {
            queue = self.shared.wait(queue, None);
        }
    }

    /// Stops the worker once the attempt under way, if any, ends. Idempotent.
    pub fn stop(&self) {
        self.shared.lock().stopping = true;
        self.shared.changed.notify_all();
        let worker = self
            .worker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(worker) = worker {
            let _ = worker.join();
        }
    }
}

/// The worker: delivers each notification when it is due, until stopped.
fn deliver_all(shared: &Shared) {
    let mut queue = shared.lock();
    loop {
        if queue.stopping {
            return;
        }
        // The earliest due; among equals the first queued.
        let next = queue
            .pending
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| p.due)
            .map(|(index, p)| (index, p.due));
        let Some((index, due)) = next else {
            queue = shared.wait(queue, None);
            continue;
        };
        if let Some(wait) = due
            .checked_duration_since(Instant::now())
            .filter(|w| !w.is_zero())
        {
            queue = shared.wait(queue, Some(wait));
            continue;
        }
        let pending = queue.pending.remove(index);
        let generation = queue.generation;
        queue.sending = true;
        drop(queue);
        let started = SystemTime::now();
        let outcome = attempt(&pending.notification, &shared.settings);
        queue = shared.lock();
        queue.sending = false;
        shared.changed.notify_all();
        if queue.generation != generation {
            continue;
        }
        queue.attempts.push(record(&pending, &outcome, started));
        if outcome.retry && pending.attempt <= MAX_RETRIES {
            let wait = retry_wait(pending.attempt, shared.settings.retry_scale);
            queue.pending.push(Pending {
                due: Instant::now() + wait,
                attempt: pending.attempt + 1,
                notification: pending.notification,
            });
        }
    }
}

/// The wait before retry `retry` (1-based): 4^retry seconds, scaled.
fn retry_wait(retry: u32, scale: f64) -> Duration {
    let seconds = 4f64.powi(retry as i32) * scale;
    Duration::try_from_secs_f64(seconds)
        .unwrap_or(LONGEST_WAIT)
        .min(LONGEST_WAIT)
}

/// How one attempt went.
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    retry: bool,
}

impl Outcome {
    /// Not sent, and never will be.
    fn ruled_out(reason: impl Into<String>) -> Outcome {
        Outcome {
            status: None,
            error: Some(reason.into()),
            retry: false,
        }
    }
}

fn attempt(notification: &Notification, settings: &Settings) -> Outcome {
    let url = match HttpUrl::parse(&notification.url) {
        Ok(url) => url,
        Err(reason) => return Outcome::ruled_out(format!("not delivered: {reason}")),
    };
    if !settings.allow_remote && !url.is_loopback() {
        return Outcome::ruled_out(
            "not delivered: the callback URL is not a loopback address \
             (start the emulator with --allow-remote-webhooks to deliver to it)",
        );
    }
    let mut headers = vec![
        ("Content-Type", "application/json".to_string()),
        ("Elements-Webhook-Id", notification.event_id.clone()),
        ("User-Agent", format!("openconnectors-emulator/{VERSION}")),
    ];
    if let Some(signature) = &notification.signature {
        headers.push(("Elements-Webhook-Signature", signature.clone()));
    }
    match client::send(&url, "POST", &headers, &notification.body, TIMEOUT) {
        Ok(answer) if (200..300).contains(&answer.status) => Outcome {
            status: Some(answer.status),
            error: None,
            retry: false,
        },
        Ok(answer) => Outcome {
            status: Some(answer.status),
            error: Some(format!("the callback answered {}", answer.status)),
            retry: true,
        },
        Err(error) => Outcome {
            status: None,
            error: Some(error),
            retry: true,
        },
    }
}

/// The attempt as `GET /__emulator/deliveries` shows it; `at` is when it began.
fn record(pending: &Pending, outcome: &Outcome, at: SystemTime) -> Value {
    let notification = &pending.notification;
    json!({
        "eventId": notification.event_id,
        "instanceId": notification.instance_id,
        "url": notification.url,
        "attempt": pending.attempt,
        "status": outcome.status,
        "error": outcome.error,
        "at": date::rfc3339_millis(at),
    })
}

#[cfg(test)]
mod tests {
    use super::{retry_wait, LONGEST_WAIT};
    use std::time::Duration;

    #[test]
    fn retries_wait_four_to_the_power_of_the_retry_scaled() {
        assert_eq!(retry_wait(1, 1.0), Duration::from_secs(4));
        assert_eq!(retry_wait(2, 1.0), Duration::from_secs(16));
        assert_eq!(retry_wait(9, 1.0), Duration::from_secs(262_144));
        assert_eq!(retry_wait(3, 0.001), Duration::from_millis(64));
        assert_eq!(retry_wait(9, 1e300), LONGEST_WAIT);
    }
}
