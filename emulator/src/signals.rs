//! SIGTERM and SIGINT for the program (not the library): blocked in every thread, then taken
//! with `sigwait`, so the main thread can stop the server cleanly and exit 0.
//!
//! Why not handlers: a blocked signal is queued rather than acted on, so this works the same
//! when the program runs as process 1 in a container, where the kernel drops signals whose
//! action is the default (which would otherwise make `docker stop` wait, then kill). And no
//! code runs in a signal handler.

use std::io;
use std::mem::MaybeUninit;

/// The stop signals, blocked.
pub struct StopSignals {
    set: libc::sigset_t,
}

impl StopSignals {
    /// Blocks SIGTERM and SIGINT in the calling thread. Threads inherit the mask, so this must
    /// run before any other thread starts: then no thread ever acts on them, and [`wait`]
    /// takes them.
    ///
    /// [`wait`]: StopSignals::wait
    pub fn block() -> io::Result<StopSignals> {
        let mut set = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: sigemptyset initialises the set it is given; sigaddset and pthread_sigmask
        // only read and write that initialised set and the thread's own mask.
        unsafe {
            if libc::sigemptyset(set.as_mut_ptr()) != 0 {
                return Err(io::Error::last_os_error());
            }
            let mut set = set.assume_init();
            for signal in [libc::SIGTERM, libc::SIGINT] {
                if libc::sigaddset(&mut set, signal) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            let failed = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            if failed != 0 {
                return Err(io::Error::from_raw_os_error(failed));
            }
            Ok(StopSignals { set })
        }
    }

    /// Waits until one of the stop signals arrives; answers its name.
    pub fn wait(&self) -> &'static str {
        loop {
            let mut signal = 0;
            // SAFETY: the set was initialised by `block`; sigwait writes one int.
            let failed = unsafe { libc::sigwait(&self.set, &mut signal) };
            if failed == 0 {
                return if signal == libc::SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
            }
        }
    }
}
