//! What one policy says about one request, owned so that it outlives the request: the headers
//! to write, the preflight status, and the refusal to log.

use std::fmt;
use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpResponse};
use cors_shared::{Decision, Policy, Refusal};

use crate::cors::{Role, Shared};

use crate::request::{Captured, Reuse};
use crate::response::OwnedHeaders;

/// Marks a request whose response got its CORS headers from a layer inside a default one, so
/// that the outer [`Cors`](crate::Cors) leaves it alone. It marks the request, not the
/// response: a response that middleware in between builds anew still belongs to a route whose
/// policy covers the request, and the default policy must not expose it. It lives in the
/// request's extensions and is zero-sized; a layer with none outside it touches nothing.
#[derive(Clone, Copy, Debug)]
struct CorsApplied;

/// App data of each resource that `#[cors]` registers. Actix adds a resource's app data to
/// every request routed to it, before the resource's middleware runs, and the route's CORS
/// layer is the outermost of that middleware: a request that carries it was answered by a
/// route policy. That mark costs nothing per request, where an extension of the request's own
/// would be inserted (and its table allocated) for each.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct RouteResource;

/// Marks the request as answered by a CORS layer, when a layer outside it waits to know and
/// the request does not carry the mark of a `#[cors]` resource already.
#[inline]
pub(crate) fn mark_applied(request: &actix_web::HttpRequest, has_outer: bool) {
    if has_outer && request.app_data::<RouteResource>().is_none() {
        request.extensions_mut().insert(CorsApplied);
    }
}

/// Whether a CORS layer inside already answered the request.
pub(crate) fn is_applied(request: &actix_web::HttpRequest) -> bool {
    request.app_data::<RouteResource>().is_some() || request.extensions().contains::<CorsApplied>()
}

/// Whether a debug event of this module could be recorded at all, so that the path is copied
/// for the log only when it can be written: by a `tracing` subscriber that wants debug events,
/// or, when no subscriber is installed, by the `log` logger, to which `tracing` then forwards
/// the events. A few atomic loads while nothing listens; the logger is asked only when `log`'s
/// maximum level lets debug records through.
#[inline]
pub(crate) fn debug_enabled() -> bool {
    use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
    if STATIC_MAX_LEVEL < LevelFilter::DEBUG {
        return false;
    }
    LevelFilter::current() >= LevelFilter::DEBUG
        || (!tracing::dispatcher::has_been_set()
            && log::log_enabled!(target: module_path!(), log::Level::Debug))
}

/// A forwarded request's outcome: decided as the request arrived, or to be decided after the
/// inner service, from copies of the request's CORS headers and the version of the policy in
/// force when it arrived.
#[derive(Debug)]
pub(crate) enum Pending {
    Decided(Outcome),
    Later {
        captured: Captured,
        /// The version of a reloadable policy in force when the request arrived.
        pinned: Option<Arc<Policy>>,
        /// The path, for the refusal log; `None` when debug events are off.
        path: Option<String>,
    },
}

impl Pending {
    /// Decides now if that was left for later, with what was kept: `then` gets the policy's
    /// decision and the request's values to reuse.
    pub(crate) fn decide_later<R>(
        captured: &Captured,
        pinned: Option<&Arc<Policy>>,
        shared: &Shared,
        then: impl FnOnce(&Decision<'_>, Reuse<'_>) -> R,
    ) -> R {
        let (view, reuse) = captured.read();
        shared.with_policy(pinned, |policy| then(&policy.decide(&view), reuse))
    }

    /// The outcome: decided now if it was not yet.
    pub(crate) fn outcome(self, shared: &Shared) -> Outcome {
        match self {
            Pending::Decided(outcome) => outcome,
            Pending::Later {
                captured,
                pinned,
                path,
            } => Pending::decide_later(&captured, pinned.as_ref(), shared, |decision, reuse| {
                Outcome::new(shared, decision, captured.method(), reuse, || path)
            }),
        }
    }
}

/// A refusal, kept for the log until it is known which policy answered.
#[derive(Debug)]
struct Refused {
    line: String,
    method: Method,
    path: Option<String>,
    role: Role,
}

impl Refused {
    #[cold]
    fn keep(reason: &Refusal<'_>, method: &Method, path: Option<String>, role: Role) -> Box<Self> {
        Box::new(Refused {
            line: reason.log_line().to_string(),
            method: method.clone(),
            path,
            role,
        })
    }
}

/// Logs why `role`'s policy refused a request.
pub(crate) fn log_refusal(
    line: &dyn fmt::Display,
    method: &Method,
    path: Option<&str>,
    role: Role,
) {
    tracing::debug!(
        method = %method,
        path = %path.unwrap_or_default(),
        policy = role.name(),
        "{}",
        line
    );
}

/// Logs why `role`'s policy refused a request decided now, if it did and the event can be
/// recorded (the path is built only then).
pub(crate) fn log_if_refused(
    decision: &Decision<'_>,
    method: &Method,
    path: impl FnOnce() -> Option<String>,
    role: Role,
) {
    if let Some(reason) = decision.refusal() {
        if debug_enabled() {
            log_refusal(&reason.log_line(), method, path().as_deref(), role);
        }
    }
}

/// What one policy says about one request, owned.
#[derive(Debug)]
pub(crate) struct Outcome {
    headers: OwnedHeaders,
    /// The status of the answer when the request is a preflight.
    preflight: Option<StatusCode>,
    /// Why the request was refused, kept only while debug events can be recorded (the allowed
    /// path formats nothing).
    refused: Option<Box<Refused>>,
}

impl Outcome {
    /// Keeps what `decision` (of the layer's policy, for the request as it arrived) says.
    #[inline]
    pub(crate) fn new(
        shared: &Shared,
        decision: &Decision<'_>,
        method: &Method,
        reuse: Reuse<'_>,
        path: impl FnOnce() -> Option<String>,
    ) -> Self {
        Outcome {
            headers: OwnedHeaders::new(&shared.prepared, decision.headers(), reuse),
            preflight: preflight_status(decision),
            refused: decision
                .refusal()
                .filter(|_| debug_enabled())
                .map(|reason| Refused::keep(reason, method, path(), shared.role)),
        }
    }

    /// Whether the request is a preflight, which this outcome answers.
    pub(crate) fn is_preflight(&self) -> bool {
        self.preflight.is_some()
    }

    /// The status of the answer to a preflight.
    pub(crate) fn preflight_status(&self) -> Option<StatusCode> {
        self.preflight
    }

    #[inline]
    pub(crate) fn log(&self) {
        if let Some(r) = &self.refused {
            log_refusal(&r.line, &r.method, r.path.as_deref(), r.role);
        }
    }

    /// The answer to a preflight: 204 with the headers when allowed, 403 with only `Vary`
    /// when not.
    pub(crate) fn answer(&self) -> HttpResponse {
        let mut response = HttpResponse::new(self.preflight.unwrap_or(StatusCode::FORBIDDEN));
        self.apply(&mut response);
        response
    }

    /// Sets the headers on a response.
    pub(crate) fn apply<B>(&self, response: &mut HttpResponse<B>) {
        self.write(response.headers_mut());
    }

    /// Sets the headers in a response's header map.
    pub(crate) fn write(&self, headers: &mut actix_web::http::header::HeaderMap) {
        self.headers.write(headers);
    }
}

/// The status of a decision's answer when the request is a preflight.
fn preflight_status(decision: &Decision<'_>) -> Option<StatusCode> {
    decision
        .preflight_status()
        .and_then(|status| StatusCode::from_u16(status).ok())
}

/// Answers a preflight at once from the decision: 204 with the headers when allowed, 403 with
/// only `Vary` when not, and logs a refusal. `None` when the request is not a preflight.
#[inline]
pub(crate) fn answer_preflight(
    shared: &Shared,
    decision: &Decision<'_>,
    method: &Method,
    reuse: Reuse<'_>,
    path: impl FnOnce() -> Option<String>,
    requested: impl FnOnce() -> Option<String>,
) -> Option<HttpResponse> {
    let status = preflight_status(decision)?;
    Some(answer_now(
        shared, decision, status, method, reuse, path, requested,
    ))
}

/// Logs which policy answered a preflight: a route's, or the default policy of an application
/// or scope, which answers when no `#[cors]` route of the path handles the requested method.
#[cold]
fn log_answer(shared: &Shared, status: StatusCode, path: Option<&str>, requested: Option<String>) {
    let requested = requested.unwrap_or_else(|| "the requested method".to_owned());
    let path = path.unwrap_or_default();
    let status = status.as_u16();
    match (shared.role, shared.handler) {
        (Role::Route, Some(handler)) => tracing::debug!(
            path = %path,
            status,
            "CORS preflight answered by the route policy of `{handler}`"
        ),
        (Role::Route, None) => {
            tracing::debug!(path = %path, status, "CORS preflight answered by the route policy")
        }
        (Role::Default, _) => tracing::debug!(
            path = %path,
            status,
            "CORS preflight answered by the default policy: no #[cors] route of this path \
             handles {requested}"
        ),
    }
}

/// [`answer_preflight`] once the request is known to be a preflight: apart, so that the path of
/// an actual request stays small.
#[inline(never)]
fn answer_now(
    shared: &Shared,
    decision: &Decision<'_>,
    status: StatusCode,
    method: &Method,
    reuse: Reuse<'_>,
    path: impl FnOnce() -> Option<String>,
    requested: impl FnOnce() -> Option<String>,
) -> HttpResponse {
    if debug_enabled() {
        let path = path();
        log_if_refused(decision, method, || path.clone(), shared.role);
        log_answer(shared, status, path.as_deref(), requested());
    }
    let mut response = HttpResponse::new(status);
    crate::response::write(
        &shared.prepared,
        decision.headers(),
        reuse,
        response.headers_mut(),
    );
    response
}
