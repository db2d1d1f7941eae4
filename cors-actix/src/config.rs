//! What the middleware of one [`Cors`](crate::Cors) shares across workers: the policy, the
//! header values prepared from it, and whether it is a route's own or a default policy.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cors_shared::{CurrentPolicy, Policy, PolicySource, WriteProtection};

use crate::headers::Prepared;

/// Whether the middleware is a route's own or the application's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Installed by `#[cors(...)]` on one resource: answers every preflight that reaches it,
    /// before anything inside runs.
    Route,
    /// Wraps an application, scope or resource: covers every response that no CORS layer inside
    /// it covered, preflights to paths without a route policy included.
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

/// One `Cors`: its policy and what is built from it once.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) source: PolicySource,
    pub(crate) prepared: Prepared,
    pub(crate) role: Role,
    /// The handler of a route's policy (`module::function`), for the log.
    pub(crate) handler: Option<&'static str>,
    /// Set by [`Cors::with_nested_cors`](crate::Cors::with_nested_cors): another `Cors` inside
    /// this one may answer preflights, so they go through routing first.
    pub(crate) nested: bool,
    /// Set by [`Cors::write_protection`](crate::Cors::write_protection); `None`: the write
    /// protection of the default layer outside, if any, else off.
    pub(crate) protection: Option<WriteProtection>,
    /// Set once this layer has warned of a `Cors` inside it that it was not told about.
    pub(crate) warned_undeclared: WarnedOnce,
}

/// Whether a warning was given, for one layer across its workers. A copy of the configuration
/// (a builder method's) starts again unwarned.
#[derive(Debug, Default)]
pub(crate) struct WarnedOnce(AtomicBool);

impl WarnedOnce {
    /// True the first time only.
    pub(crate) fn first(&self) -> bool {
        !self.0.swap(true, Ordering::Relaxed)
    }
}

impl Clone for WarnedOnce {
    fn clone(&self) -> Self {
        WarnedOnce::default()
    }
}

impl Config {
    pub(crate) fn new(source: PolicySource, role: Role) -> Self {
        Config {
            prepared: Prepared::new(&source),
            source,
            role,
            handler: None,
            nested: false,
            protection: None,
            warned_undeclared: WarnedOnce::default(),
        }
    }

    /// The policy that decides a request: `pinned`, the version of a reloadable policy kept for
    /// the request, or else the policy in force now.
    #[inline]
    pub(crate) fn policy<'a>(&'a self, pinned: Option<&'a Arc<Policy>>) -> CurrentPolicy<'a> {
        match (pinned, &self.source) {
            (Some(policy), _) => CurrentPolicy::Borrowed(policy),
            (None, PolicySource::Static(policy)) => CurrentPolicy::Borrowed(policy),
            (None, PolicySource::Shared(policy)) => CurrentPolicy::Borrowed(policy),
            (None, PolicySource::Reloadable(handle)) => CurrentPolicy::Loaded(handle.load()),
        }
    }
}
