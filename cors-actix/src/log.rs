//! The log: why a policy refused a request, and which policy answered a preflight, as `tracing`
//! debug events (forwarded to the `log` logger when no subscriber is installed).

use std::fmt;

use actix_web::http::{Method, StatusCode};
use cors_shared::Refusal;

use crate::config::{Config, Role};

/// The target of every event: the one users filter on (`RUST_LOG=cors_actix::outcome=debug`).
pub(crate) const TARGET: &str = "cors_actix::outcome";

/// Whether a debug event could be recorded at all, so that the path is copied for the log only
/// when it can be written: by a `tracing` subscriber that wants debug events, or, when no
/// subscriber is installed, by the `log` logger, to which `tracing` then forwards the events. A
/// few atomic loads while nothing listens; the logger is asked only when `log`'s maximum level
/// lets debug records through.
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

/// A refusal, kept for the log until it is known whether this policy or one inside it covered
/// the request.
#[derive(Debug)]
pub(crate) struct Refused {
    line: String,
    method: Method,
    path: Option<String>,
    role: Role,
}

impl Refused {
    /// Keeps `reason` when debug events can be recorded (the allowed path formats nothing).
    #[inline]
    pub(crate) fn keep(
        reason: Option<&Refusal<'_>>,
        method: &Method,
        path: impl FnOnce() -> Option<String>,
        role: Role,
    ) -> Option<Box<Self>> {
        match reason {
            Some(reason) if debug_enabled() => Some(Self::boxed(reason, method, path(), role)),
            _ => None,
        }
    }

    #[cold]
    fn boxed(reason: &Refusal<'_>, method: &Method, path: Option<String>, role: Role) -> Box<Self> {
        Box::new(Refused {
            line: reason.log_line().to_string(),
            method: method.clone(),
            path,
            role,
        })
    }

    /// Logs the refusal.
    pub(crate) fn log(&self) {
        refusal(&self.line, &self.method, self.path.as_deref(), self.role);
    }
}

/// Logs at once why `role`'s policy refused a request, when the log wants it.
#[cold]
pub(crate) fn refused_now(reason: &Refusal<'_>, method: &Method, path: &str, role: Role) {
    if debug_enabled() {
        refusal(&reason.log_line(), method, Some(path), role);
    }
}

/// Logs why `role`'s policy refused a request.
fn refusal(line: &dyn fmt::Display, method: &Method, path: Option<&str>, role: Role) {
    tracing::debug!(
        target: TARGET,
        method = %method,
        path = %path.unwrap_or_default(),
        policy = role.name(),
        "{}",
        line
    );
}

/// Logs a preflight's answer: why `config`'s policy refused it, if it did, and which policy
/// answered (a route's, or the default policy, which answers when no `#[cors]` route of the
/// path handles the requested method). `requested` is that method, when it can be told.
#[cold]
pub(crate) fn preflight(
    config: &Config,
    reason: Option<&Refusal<'_>>,
    status: StatusCode,
    path: Option<&str>,
    requested: Option<String>,
) {
    if let Some(reason) = reason {
        refusal(&reason.log_line(), &Method::OPTIONS, path, config.role);
    }
    let path = path.unwrap_or_default();
    let status = status.as_u16();
    match (config.role, config.handler) {
        (Role::Route, Some(handler)) => tracing::debug!(
            target: TARGET,
            path = %path,
            status,
            "CORS preflight answered by the route policy of `{handler}`"
        ),
        (Role::Route, None) => tracing::debug!(
            target: TARGET,
            path = %path,
            status,
            "CORS preflight answered by the route policy"
        ),
        (Role::Default, _) => {
            let requested = requested.unwrap_or_else(|| "the requested method".to_owned());
            tracing::debug!(
                target: TARGET,
                path = %path,
                status,
                "CORS preflight answered by the default policy: no #[cors] route of this path \
                 handles {requested}"
            )
        }
    }
}

/// Warns, once per layer, that a CORS layer inside `config`'s covered a request although
/// nobody declared it: the outer policy answers the preflights to its paths before routing, so
/// the inner policy never sees them.
#[cold]
pub(crate) fn undeclared_nested(config: &Config, method: &Method, path: &str) {
    if !config.warned_undeclared.first() {
        return;
    }
    tracing::warn!(
        target: TARGET,
        method = %method,
        path = %path,
        "a `Cors` inside this one covered `{method} {path}`, but this `Cors` was not told of \
         it: preflights to its paths are answered by this (outer) policy before routing and \
         never reach the inner one, so browsers are told what the outer policy allows. Declare \
         it on the outer layer: `Cors::new(policy).with_nested_cors()`"
    );
}
