//! The `tracing` subscribers of the tests and the conformance servers: one that prints the CORS
//! adapters' events on stderr, one that captures them per thread for assertions
//! ([`crate::capture`]). A few lines instead of a logging framework: nothing more is needed.

use std::fmt::Write as _;

/// Prints the CORS adapter's `tracing` events (refusals, at debug level) on stderr, one line
/// each.
pub fn log_to_stderr() {
    // Fails only when a subscriber is already installed, which then does the logging.
    let _ = tracing::subscriber::set_global_default(Events(print));
}

/// Prints one event on stderr.
fn print(level: &tracing::Level, target: &str, fields: &str) {
    eprintln!("{level} {target}:{fields}");
}

/// A subscriber that hands each event of a `cors_*` target at debug level or above to its
/// function: the level, the target and the fields (` message key=value ...`).
pub(crate) struct Events<F>(pub(crate) F);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = if field.name() == "message" {
            write!(self.0, " {value:?}")
        } else {
            write!(self.0, " {}={value:?}", field.name())
        };
    }
}

impl<F> tracing::Subscriber for Events<F>
where
    F: Fn(&tracing::Level, &str, &str) + Send + Sync + 'static,
{
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::DEBUG && metadata.target().starts_with("cors_")
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        let meta = event.metadata();
        (self.0)(meta.level(), meta.target(), &fields.0);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}
