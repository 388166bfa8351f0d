//! The library's threads for asynchronous calls (`oc_call_async`): sized for blocking I/O,
//! since every call spends most of its time waiting on the network.
//!
//! - Platform calls run on a pool of at most [`MAX_WORKERS`] threads, started on demand and
//!   ended after [`IDLE_EXIT`] without work. When all are busy, calls wait in a first-in,
//!   first-out queue bounded only by memory.
//! - A wait for a browser's redirect (`await_callback`) runs on a thread of its own, outside
//!   the pool, so that however many wait, platform calls keep running.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The most threads the pool runs at once.
pub const MAX_WORKERS: usize = 64;

/// How long an idle worker waits for work before it ends.
pub const IDLE_EXIT: Duration = Duration::from_secs(10);

/// A queued call.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    workers: usize,
    idle: usize,
}

struct Pool {
    queue: Mutex<Queue>,
    work: Condvar,
}

static POOL: Pool = Pool {
    queue: Mutex::new(Queue {
        jobs: VecDeque::new(),
        workers: 0,
        idle: 0,
    }),
    work: Condvar::new(),
};

fn lock() -> MutexGuard<'static, Queue> {
    POOL.queue.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where a job runs.
pub(crate) enum Lane {
    /// The pool.
    Shared,
    /// A thread of its own (long waits that must not hold a pool thread).
    Own,
}

/// Runs `job` on a library thread. `Err` when no thread could be started for it (the job is
/// dropped, not run).
pub(crate) fn spawn(job: Job, lane: Lane) -> Result<(), ()> {
    if let Lane::Own = lane {
        return std::thread::Builder::new()
            .name("openconnectors-wait".into())
            .spawn(move || run(job))
            .map(drop)
            .map_err(drop);
    }
    let mut queue = lock();
    queue.jobs.push_back(job);
    if queue.idle >= queue.jobs.len() {
        POOL.work.notify_one();
        return Ok(());
    }
    if queue.workers < MAX_WORKERS {
        queue.workers += 1;
        let started = std::thread::Builder::new()
            .name("openconnectors-worker".into())
            .spawn(work);
        if started.is_err() {
            queue.workers -= 1;
            if queue.workers == 0 {
                queue.jobs.pop_back();
                return Err(());
            }
        }
    }
    Ok(())
}

/// A worker: takes jobs until none came for [`IDLE_EXIT`].
fn work() {
    let mut queue = lock();
    loop {
        if let Some(job) = queue.jobs.pop_front() {
            drop(queue);
            run(job);
            queue = lock();
            continue;
        }
        queue.idle += 1;
        let (next, timeout) = POOL
            .work
            .wait_timeout(queue, IDLE_EXIT)
            .unwrap_or_else(PoisonError::into_inner);
        queue = next;
        queue.idle -= 1;
        if timeout.timed_out() && queue.jobs.is_empty() {
            queue.workers -= 1;
            return;
        }
    }
}

/// A job's panic must not end the worker (jobs catch their own; this is the last guard).
fn run(job: Job) {
    let _ = catch_unwind(AssertUnwindSafe(job));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc};

    #[test]
    fn many_jobs_run_once_each_and_waits_do_not_starve_the_pool() {
        let (tx, rx) = mpsc::channel();
        let count = Arc::new(AtomicUsize::new(0));
        // Long waits on their own threads, more than the pool has workers.
        let hold = Arc::new(Mutex::new(()));
        let held = hold.lock().unwrap();
        for _ in 0..MAX_WORKERS + 4 {
            let hold = Arc::clone(&hold);
            spawn(Box::new(move || drop(hold.lock())), Lane::Own).unwrap();
        }
        for i in 0..500 {
            let (tx, count) = (tx.clone(), Arc::clone(&count));
            spawn(
                Box::new(move || {
                    count.fetch_add(1, Ordering::SeqCst);
                    tx.send(i).unwrap();
                }),
                Lane::Shared,
            )
            .unwrap();
        }
        let mut seen: Vec<usize> = (0..500)
            .map(|_| rx.recv_timeout(Duration::from_secs(20)).unwrap())
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
        assert_eq!(count.load(Ordering::SeqCst), 500);
        assert!(lock().workers <= MAX_WORKERS);
        drop(held);
    }
}
