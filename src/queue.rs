//! Completion queues (`oc_queue_*`): the outcomes of asynchronous calls, kept until a thread
//! of the caller's choosing collects them, instead of a callback on a library thread.
//!
//! An event loop (Python's asyncio, libuv, a hand-written `epoll` loop) watches the queue's
//! descriptor, which is readable exactly while the queue holds outcomes, and collects them in
//! batches; a thread without a loop waits in [`CompletionQueue::take`]. Either way no code of
//! the caller runs on the library's threads, which matters for runtimes where entering from
//! a foreign thread is costly (a Python callback needs a new thread state and the GIL for
//! every call).
//!
//! The descriptor is one end of a Unix socket pair holding one byte while the queue is not
//! empty: the byte is written when the first outcome arrives and read when the last one is
//! taken, both under the queue's lock, so the two never disagree. Where there is no such
//! descriptor (Windows), [`CompletionQueue::fd`] is `None` and `take` with a timeout is the
//! way to wait.

use crate::status::oc_status;
use std::collections::VecDeque;
use std::ffi::CString;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// One finished call: the caller's tag, the status, and the result or error document.
pub(crate) struct Completion {
    /// The caller's `user_data`, given back as it came.
    pub(crate) user_data: usize,
    pub(crate) status: oc_status,
    pub(crate) response: CString,
}

/// Finished calls in the order they finished, and the readiness descriptor.
pub(crate) struct CompletionQueue {
    done: Mutex<VecDeque<Completion>>,
    arrived: Condvar,
    #[cfg(unix)]
    signal: Signal,
}

impl CompletionQueue {
    /// A queue with its descriptor. `Err` when the system gives no descriptor (none left).
    pub(crate) fn new() -> std::io::Result<CompletionQueue> {
        Ok(CompletionQueue {
            done: Mutex::new(VecDeque::new()),
            arrived: Condvar::new(),
            #[cfg(unix)]
            signal: Signal::new()?,
        })
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Completion>> {
        self.done.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The descriptor that is readable while the queue holds outcomes, where there is one.
    pub(crate) fn fd(&self) -> Option<i32> {
        #[cfg(unix)]
        {
            Some(self.signal.fd())
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// Adds an outcome (on a library thread) and wakes whoever waits for one.
    pub(crate) fn push(&self, completion: Completion) {
        let mut done = self.lock();
        #[cfg(unix)]
        if done.is_empty() {
            self.signal.raise();
        }
        done.push_back(completion);
        drop(done);
        self.arrived.notify_one();
    }

    /// Hands up to `max` outcomes to `each`, oldest first, after waiting up to `timeout` for
    /// the first one; the number handed over (0 when none came in time, or `max` is 0).
    pub(crate) fn take(
        &self,
        max: usize,
        timeout: Duration,
        mut each: impl FnMut(Completion),
    ) -> usize {
        if max == 0 {
            return 0;
        }
        let mut done = self.lock();
        // A deadline that does not fit an Instant waits as long as it can, in turns.
        let deadline = Instant::now().checked_add(timeout);
        while done.is_empty() {
            let now = Instant::now();
            let left = match deadline {
                Some(deadline) if deadline <= now => return 0,
                Some(deadline) => deadline - now,
                None => timeout,
            };
            done = self
                .arrived
                .wait_timeout(done, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let count = max.min(done.len());
        for completion in done.drain(..count) {
            each(completion);
        }
        #[cfg(unix)]
        if done.is_empty() {
            self.signal.lower();
        }
        count
    }
}

/// The readiness descriptor: a socket pair, one byte in flight while the queue is not empty.
#[cfg(unix)]
struct Signal {
    /// The end the caller polls (and the library drains).
    reader: std::os::unix::net::UnixStream,
    writer: std::os::unix::net::UnixStream,
}

#[cfg(unix)]
impl Signal {
    fn new() -> std::io::Result<Signal> {
        // std creates both ends close-on-exec. Neither end blocks: a caller that reads the
        // descriptor itself (it should only poll it) must not make `take` hang on a byte that
        // is no longer there.
        let (reader, writer) = std::os::unix::net::UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        Ok(Signal { reader, writer })
    }

    fn fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.reader.as_raw_fd()
    }

    /// Makes the descriptor readable. A full buffer (a caller writing into it) already is.
    fn raise(&self) {
        use std::io::Write;
        let _ = (&self.writer).write(&[1]);
    }

    /// Makes it unreadable again: everything in it goes.
    fn lower(&self) {
        use std::io::Read;
        let mut sink = [0u8; 64];
        while matches!((&self.reader).read(&mut sink), Ok(n) if n > 0) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn completion(user_data: usize) -> Completion {
        Completion {
            user_data,
            status: oc_status::OC_OK,
            response: CString::new(format!("{{\"n\":{user_data}}}")).unwrap(),
        }
    }

    /// Whether the descriptor holds a byte, looked at without taking it.
    #[cfg(unix)]
    fn readable(queue: &CompletionQueue) -> bool {
        let mut byte = [std::mem::MaybeUninit::new(0u8); 1];
        matches!(
            socket2::SockRef::from(&queue.signal.reader).peek(&mut byte),
            Ok(1)
        )
    }

    #[test]
    fn outcomes_come_out_in_order_in_batches_and_the_descriptor_follows_the_queue() {
        let queue = CompletionQueue::new().unwrap();
        #[cfg(unix)]
        assert!(!readable(&queue));
        assert_eq!(queue.take(8, Duration::ZERO, |_| panic!("empty")), 0);
        for n in 1..=5 {
            queue.push(completion(n));
        }
        #[cfg(unix)]
        assert!(readable(&queue));
        let mut seen = Vec::new();
        assert_eq!(queue.take(3, Duration::ZERO, |c| seen.push(c.user_data)), 3);
        #[cfg(unix)]
        assert!(readable(&queue), "two are left");
        assert_eq!(queue.take(0, Duration::ZERO, |_| panic!("max 0")), 0);
        assert_eq!(queue.take(8, Duration::ZERO, |c| seen.push(c.user_data)), 2);
        assert_eq!(seen, [1, 2, 3, 4, 5]);
        #[cfg(unix)]
        assert!(!readable(&queue), "empty again");
    }

    #[test]
    fn take_waits_for_the_first_outcome_until_its_timeout() {
        let queue = Arc::new(CompletionQueue::new().unwrap());
        let started = Instant::now();
        assert_eq!(queue.take(1, Duration::from_millis(50), |_| ()), 0);
        assert!(started.elapsed() >= Duration::from_millis(50));

        let pusher = {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                queue.push(completion(7));
            })
        };
        let mut seen = None;
        let taken = queue.take(4, Duration::from_secs(20), |c| seen = Some(c.user_data));
        pusher.join().unwrap();
        assert_eq!((taken, seen), (1, Some(7)));
        // A timeout beyond any Instant still waits (and still returns what arrives).
        queue.push(completion(8));
        assert_eq!(queue.take(1, Duration::MAX, |_| ()), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_caller_draining_the_descriptor_itself_cannot_make_take_hang() {
        use std::io::Read;
        let queue = CompletionQueue::new().unwrap();
        queue.push(completion(1));
        let mut byte = [0u8; 8];
        assert_eq!((&queue.signal.reader).read(&mut byte).unwrap(), 1);
        assert_eq!(queue.take(8, Duration::ZERO, |_| ()), 1);
        queue.push(completion(2));
        assert!(readable(&queue), "the next outcome raises it again");
    }
}
