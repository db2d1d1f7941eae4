//! What the layers log through `tracing`: refusals and preflight answers at debug level, as the
//! other adapters do, and the mistakes in how the layers are put together at warn level, once
//! per layer.

use std::sync::atomic::{AtomicBool, Ordering};

use cors_shared::Decision;
use http::{Method, StatusCode};

/// Which policy decided: a route's own or the default one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A route's policy (`MethodRouter::cors`).
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    Route,
    /// The default policy ([`Cors`](crate::Cors)).
    Default,
}

impl Role {
    /// How the log names the policy.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Route => "route",
            Role::Default => "default",
        }
    }
}

/// Whether a debug event of this crate would be recorded, so that the path is copied for the
/// log only then.
#[inline]
pub(crate) fn debug_enabled() -> bool {
    tracing::enabled!(tracing::Level::DEBUG)
}

/// Whether a warning of this crate would be recorded, so that what it names is kept only then.
#[inline]
pub(crate) fn warn_enabled() -> bool {
    tracing::enabled!(tracing::Level::WARN)
}

/// What the log says about one request, kept until its answer is known.
#[derive(Debug)]
pub(crate) struct Note {
    pub(crate) method: Method,
    pub(crate) path: String,
    /// The refusal line, if the policy refused.
    pub(crate) refused: Option<String>,
    pub(crate) role: Role,
}

impl Note {
    /// What to log about `decision`, when debug events are recorded and there is something to
    /// say (a refusal, or a preflight's answer).
    #[inline(always)]
    pub(crate) fn of(
        decision: &Decision<'_>,
        method: &Method,
        path: &str,
        role: Role,
    ) -> Option<Box<Note>> {
        if decision.refusal().is_none() && decision.preflight_status().is_none() {
            return None;
        }
        Self::build(decision, method, path, role)
    }

    /// [`Note::of`] for a decision there is something to say about.
    fn build(
        decision: &Decision<'_>,
        method: &Method,
        path: &str,
        role: Role,
    ) -> Option<Box<Note>> {
        debug_enabled().then(|| {
            Box::new(Note {
                method: method.clone(),
                path: path.to_owned(),
                refused: decision.refusal().map(|r| r.log_line().to_string()),
                role,
            })
        })
    }

    /// Logs the refusal, and the status a preflight was answered with.
    pub(crate) fn log(&self, preflight: Option<StatusCode>) {
        let Note {
            method,
            path,
            refused,
            role,
        } = self;
        if let Some(line) = refused {
            tracing::debug!(method = %method, path = %path, policy = role.name(), "{line}");
        }
        if let Some(status) = preflight {
            let status = status.as_u16();
            match role {
                Role::Route => tracing::debug!(
                    path = %path,
                    status,
                    "CORS preflight answered by the route policy"
                ),
                Role::Default => tracing::debug!(
                    path = %path,
                    status,
                    "CORS preflight answered by the default policy: the route of this path has \
                     no policy of its own"
                ),
            }
        }
    }
}

/// Logs `message` at warn level the first time `flag` is seen unset.
pub(crate) fn warn_once(flag: &AtomicBool, message: impl FnOnce() -> String) {
    if !flag.swap(true, Ordering::Relaxed) {
        tracing::warn!("{}", message());
    }
}
