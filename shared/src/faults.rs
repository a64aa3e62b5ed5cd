//! Crash points for the fault suite. `DEBRIEF_CRASH_AT=<point>` makes the process kill itself
//! with SIGKILL — no destructors, no flushing, exactly what `kill -9` does — right after the
//! write that `point` names, so a test can prove that a restart (and a client's retry) finish
//! what the dead process started. Unset, a point costs one comparison.

use std::sync::OnceLock;

/// Dies here if `DEBRIEF_CRASH_AT` names this point.
pub fn crash_point(point: &str) {
    static AT: OnceLock<Option<String>> = OnceLock::new();
    let at = AT.get_or_init(|| std::env::var("DEBRIEF_CRASH_AT").ok().filter(|v| !v.is_empty()));
    if at.as_deref() == Some(point) {
        eprintln!("debrief: crash point {point} reached; killing the process");
        #[cfg(unix)]
        // SAFETY: kill(2) on our own pid with a signal number; no memory is touched.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        std::process::abort();
    }
}
