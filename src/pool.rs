//! The library's threads for asynchronous calls (`oc_call_async`): sized for blocking I/O,
//! since every call spends most of its time waiting on the network.
//!
//! - Platform calls run on a pool of at most [`MAX_WORKERS`] threads, started on demand and
//!   ended after [`IDLE_EXIT`] without work. When all are busy, calls wait in a first-in,
//!   first-out queue bounded only by memory.
//! - A worker that runs out of jobs stays awake for [`SPIN`] before it sleeps (one worker at
//!   a time), so that a call queued right after another one ended needs no wake-up.
//! - A wait for a browser's redirect (`await_callback`) runs on a thread of its own, outside
//!   the pool, so that however many wait, platform calls keep running.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The most threads the pool runs at once.
pub const MAX_WORKERS: usize = 64;

/// How long an idle worker waits for work before it ends.
pub const IDLE_EXIT: Duration = Duration::from_secs(10);

/// A queued call.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// How long a worker that has run out of jobs stays awake for the next one before it sleeps.
///
/// Calls often come one after another (a caller awaiting each result before it queues the
/// next, an event loop queueing as results come back): a worker that is still awake takes the
/// next call without being woken, which saves the queueing thread a futex wake-up and the
/// worker a sleep, each a switch of thread (and, on a virtual machine, often an exit of the
/// guest). Short, so that an idle pool costs nothing.
const SPIN: Duration = Duration::from_micros(50);

/// The most workers awake at once without a job: one is enough to catch a call that follows
/// another, and more would take CPU time from the threads that do work.
const MAX_SPINNING: usize = 1;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    workers: usize,
    /// Workers asleep on the condition variable.
    idle: usize,
    /// Workers awake without a job, looking for one (at most [`MAX_SPINNING`]).
    spinning: usize,
    /// Jobs queued since a spinning worker last looked, left to the spinning workers instead
    /// of waking a sleeping one (never more than `spinning`).
    promised: usize,
}

struct Pool {
    queue: Mutex<Queue>,
    work: Condvar,
    /// The number of queued jobs, read without the lock by spinning workers.
    queued: AtomicUsize,
}

static POOL: Pool = Pool {
    queue: Mutex::new(Queue {
        jobs: VecDeque::new(),
        workers: 0,
        idle: 0,
        spinning: 0,
        promised: 0,
    }),
    work: Condvar::new(),
    queued: AtomicUsize::new(0),
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
    POOL.queued.store(queue.jobs.len(), Ordering::Relaxed);
    if queue.spinning > queue.promised {
        queue.promised += 1;
        return Ok(());
    }
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
                POOL.queued.store(queue.jobs.len(), Ordering::Relaxed);
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
            POOL.queued.store(queue.jobs.len(), Ordering::Relaxed);
            drop(queue);
            run(job);
            queue = lock();
            continue;
        }
        if queue.spinning < MAX_SPINNING {
            queue.spinning += 1;
            drop(queue);
            spin();
            queue = lock();
            queue.spinning -= 1;
            // Jobs promised to spinning workers are in the queue (or taken by a worker that
            // came back from its job meanwhile); this worker looks again before it sleeps.
            queue.promised = queue.promised.min(queue.spinning);
            if !queue.jobs.is_empty() {
                continue;
            }
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

/// Stays awake for up to [`SPIN`] until a job is queued, giving way to other threads between
/// looks (on a machine with few cores they may be the ones about to queue it).
fn spin() {
    let until = Instant::now() + SPIN;
    while POOL.queued.load(Ordering::Relaxed) == 0 && Instant::now() < until {
        std::thread::yield_now();
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

    /// Jobs queued while a worker spins are left to it: none may be lost, whether they come
    /// one at a time right after the previous one ended, in bursts, or from inside a job.
    #[test]
    fn jobs_queued_while_a_worker_spins_all_run() {
        // Below IDLE_EXIT: a sleeping worker wakes up on its own then and would find a job
        // that nobody was woken for, hiding the loss.
        let limit = IDLE_EXIT / 2;
        let (tx, rx) = mpsc::channel();
        for round in 0..300 {
            let tx = tx.clone();
            spawn(Box::new(move || tx.send(round).unwrap()), Lane::Shared).unwrap();
            assert_eq!(rx.recv_timeout(limit), Ok(round), "one after another");
        }
        for burst in 0..50 {
            for i in 0..8 {
                let tx = tx.clone();
                spawn(
                    Box::new(move || tx.send(burst * 8 + i).unwrap()),
                    Lane::Shared,
                )
                .unwrap();
            }
            let mut seen: Vec<usize> = (0..8).map(|_| rx.recv_timeout(limit).unwrap()).collect();
            seen.sort_unstable();
            assert_eq!(
                seen,
                (burst * 8..burst * 8 + 8).collect::<Vec<_>>(),
                "a burst"
            );
        }
        fn chain(left: usize, tx: mpsc::Sender<usize>) {
            if left == 0 {
                tx.send(0).unwrap();
            } else {
                spawn(Box::new(move || chain(left - 1, tx)), Lane::Shared).unwrap();
            }
        }
        chain(1000, tx);
        assert_eq!(rx.recv_timeout(limit), Ok(0), "each job queueing the next");
        let queue = lock();
        assert!(queue.promised <= queue.spinning && queue.spinning <= MAX_SPINNING);
    }
}
