//! A capturing `tracing` subscriber for tests that assert what the adapters log.
//!
//! Installed once as the global subscriber: a scoped one (`with_default`) can miss events when
//! another test thread registers a callsite first, since tracing then caches that no subscriber
//! is interested in it. Each thread collects its own events, so parallel tests do not see each
//! other's.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::Once;

thread_local! {
    /// The events of this thread, one line each: `LEVEL message field=value ...`.
    static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Installs the capturing subscriber (once per process) and returns this thread's events so
/// far, emptying the buffer. Only events whose target starts with `cors_` are kept.
pub fn take_events() -> Vec<String> {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only when another subscriber is installed, which a test binary does not do.
        let _ = tracing::subscriber::set_global_default(Capture);
    });
    LINES.with(|lines| std::mem::take(&mut *lines.borrow_mut()))
}

struct Capture;

struct Line(String);

impl tracing::field::Visit for Line {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = if field.name() == "message" {
            write!(self.0, " {value:?}")
        } else {
            write!(self.0, " {}={value:?}", field.name())
        };
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if !event.metadata().target().starts_with("cors_") {
            return;
        }
        let mut line = Line(event.metadata().level().to_string());
        event.record(&mut line);
        LINES.with(|lines| lines.borrow_mut().push(line.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
