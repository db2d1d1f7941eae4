//! What the crate logs: a refused request at debug, with the reason and the policy that refused
//! it, and which policy answered each preflight, and why.

use std::sync::atomic::{AtomicBool, Ordering};

use cors_shared::Refusal;
use rocket::http::Status;
use rocket::Request;

use crate::routing::{Answerer, Table};

/// The target of every event: the fairing's, as users filter them.
const TARGET: &str = "cors_rocket::fairing";

/// Which policy decided a request, for the log.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Label<'a> {
    /// A `#[cors]` route's.
    Route,
    /// The default policy.
    Default,
    /// The policy of a mount base.
    Mount(&'a str),
}

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Label::Route => f.write_str("the route policy"),
            Label::Default => f.write_str("the default policy"),
            Label::Mount(base) => write!(f, "the policy of the mount `{base}`"),
        }
    }
}

impl Label<'_> {
    /// The value of the refusal log's `policy` field.
    fn field(&self) -> &str {
        match self {
            Label::Route => "route",
            Label::Default => "default",
            Label::Mount(base) => base,
        }
    }
}

/// Whether a debug event of this crate could be recorded at all: by a `tracing` subscriber that
/// wants debug events, or, when no subscriber is installed, by the `log` logger, to which
/// `tracing` then forwards the events. A few atomic loads while nothing listens.
#[inline]
pub(crate) fn debug_enabled() -> bool {
    use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
    if STATIC_MAX_LEVEL < LevelFilter::DEBUG {
        return false;
    }
    LevelFilter::current() >= LevelFilter::DEBUG
        || (!tracing::dispatcher::has_been_set()
            && log::log_enabled!(target: TARGET, log::Level::Debug))
}

/// Logs why `policy` refused `request`.
pub(crate) fn refusal(request: &Request<'_>, label: Label<'_>, reason: &Refusal<'_>) {
    tracing::debug!(
        target: TARGET,
        method = %request.method(),
        path = request.uri().path().as_str(),
        policy = label.field(),
        "{}",
        reason.log_line()
    );
}

/// Logs which policy answered a preflight: "CORS preflight answered by `why`".
fn preflight(request: &Request<'_>, status: Status, why: std::fmt::Arguments<'_>) {
    tracing::debug!(
        target: TARGET,
        path = request.uri().path().as_str(),
        status = status.code,
        "CORS preflight answered by {why}"
    );
}

/// Logs the policy whose headers the application's own OPTIONS route got for a preflight.
#[cold]
pub(crate) fn own_answer(request: &Request<'_>, label: Label<'_>, status: Status) {
    let route = request
        .route()
        .and_then(|r| r.name.as_deref())
        .unwrap_or("?");
    preflight(
        request,
        status,
        format_args!("the application's OPTIONS route `{route}`, with the headers of {label}"),
    );
}

/// Logs which policy answered a preflight that the generated route took, and why: `requested`
/// is the announced method when `Access-Control-Request-Method` is one line, which `routing`
/// looks up again to say which route it found.
#[cold]
pub(crate) fn generated_answer(
    request: &Request<'_>,
    routing: &Table,
    requested: Option<&[u8]>,
    label: Label<'_>,
    status: Status,
) {
    let Some(method) = requested else {
        preflight(
            request,
            status,
            format_args!(
                "{label}: `Access-Control-Request-Method` is not one line, so no route can be \
                 looked for"
            ),
        );
        return;
    };
    let method = String::from_utf8_lossy(method);
    match routing.answerer(method.as_bytes(), request) {
        Answerer::Route(entry) => {
            preflight(request, status, format_args!("the route policy of {entry}"))
        }
        Answerer::Plain(name) => preflight(
            request,
            status,
            format_args!(
                "{label}: the route that handles {method} here{} has no #[cors]",
                name.map(|n| format!(", `{n}`,")).unwrap_or_default()
            ),
        ),
        Answerer::NoRoute => preflight(
            request,
            status,
            format_args!("{label}: no route of this path handles {method}"),
        ),
    }
}

/// Warns, once per process, that a handler or a fairing that ran before the CORS fairing wrote
/// `name`, a CORS header the policy decides, which the fairing removed.
#[cold]
pub(crate) fn written_inside(name: &str) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if WARNED.swap(true, Ordering::Relaxed) {
        return;
    }
    tracing::warn!(
        target: TARGET,
        "a handler or a fairing that ran before the CORS fairing wrote {name} on a response; the \
         CORS policy decides that header on every response it covers, so it was removed and the \
         policy's decision written instead (an origin is echoed only when the policy allows it). \
         Remove the code that writes CORS headers by hand; a route that needs other CORS rules \
         takes a policy of its own: `#[cors(...)]` on its handler"
    );
}
