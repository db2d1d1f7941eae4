//! A capturing `tracing` subscriber for tests that assert what the adapters log.
//!
//! Installed once as the global subscriber: a scoped one (`with_default`) can miss events when
//! another test thread registers a callsite first, since tracing then caches that no subscriber
//! is interested in it. Each thread collects its own events, so parallel tests do not see each
//! other's.

use std::cell::RefCell;
use std::sync::Once;

use crate::log::Events;

thread_local! {
    /// The events of this thread, one line each: `LEVEL message field=value ...`.
    static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Installs the capturing subscriber (once per process) and returns this thread's events so
/// far, emptying the buffer. Only events of `cors_*` targets are kept.
pub fn take_events() -> Vec<String> {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only when another subscriber is installed, which a test binary does not do.
        let _ = tracing::subscriber::set_global_default(Events(keep));
    });
    LINES.with(|lines| std::mem::take(&mut *lines.borrow_mut()))
}

/// Keeps one event in this thread's buffer.
fn keep(level: &tracing::Level, _target: &str, fields: &str) {
    LINES.with(|lines| lines.borrow_mut().push(format!("{level}{fields}")));
}

/// The warnings among this thread's events so far ([`take_events`], which it empties).
pub fn take_warnings() -> Vec<String> {
    take_events()
        .into_iter()
        .filter(|e| e.starts_with("WARN"))
        .collect()
}
