//! What the fairing computed at ignite, shared by the fairing and the generated preflight route:
//! which policy decides a request, and the one place where a request is decided and the
//! decision acted on ([`Runtime::decide_and_write`]).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use cors_shared::{
    Decision, Policy, PolicySource, RequestView, WriteProtection, WRITE_REFUSED_BODY,
};
use rocket::http::{ContentType, MediaType, Method, Status};
use rocket::{Request, Response, Route};

use crate::headers;
use crate::logging::{self, Label};
use crate::mount::Mount;
use crate::registry::RouteEntry;
use crate::routing;

/// What the fairing computed at ignite, kept in Rocket's managed state so that requests borrow
/// from it for as long as they live.
#[derive(Debug)]
pub(crate) struct Runtime {
    /// The policy of everything no `#[cors]` route or mount base covers.
    pub(crate) default: PolicySource,
    /// `#[cors]` routes by their mounted URI.
    routes: HashMap<String, Vec<Annotated>>,
    /// Once launched: every mounted route's policy by the route's address, sorted, so that a
    /// response finds its route's policy by one binary search instead of hashing its URI.
    by_address: OnceLock<Vec<(usize, Option<&'static Policy>)>>,
    /// Which route would serve a preflight's announced method.
    pub(crate) routing: routing::Table,
    /// Policies of mount bases, longest base first.
    mounts: Vec<Mount>,
    /// The application's write protection: on or off for the policies that do not say, and
    /// the service's public origins.
    protection: WriteProtection,
    /// Whether write protection may apply to any request ([`Runtime::may_protect`]): only then
    /// are the request fairing and the refusal route there, and responses looked at for them.
    guarded: bool,
}

/// A `#[cors]` route as mounted, with its policy.
#[derive(Debug)]
struct Annotated {
    method: Method,
    rank: isize,
    format: Option<MediaType>,
    policy: &'static Policy,
}

/// The version of a reloadable default policy that one request is decided by: the version in
/// force when the request arrived, kept in the request's local cache.
struct Pinned(Arc<Policy>);

/// [`Pinned`] for the reloadable policy of the mount base that covers the request.
struct MountPinned(Arc<Policy>);

impl Runtime {
    /// The runtime of `default`, the checked mount bases, and every mounted route with its
    /// `#[cors]` registration, if it has one.
    pub(crate) fn new(
        default: PolicySource,
        mounts: Vec<Mount>,
        annotated: &[(&Route, Option<&'static RouteEntry>)],
        protection: WriteProtection,
    ) -> Self {
        let mut routes: HashMap<String, Vec<Annotated>> = HashMap::new();
        for (route, entry) in annotated {
            if let Some(entry) = entry {
                routes
                    .entry(route.uri.as_str().to_owned())
                    .or_default()
                    .push(Annotated {
                        method: route.method,
                        rank: route.rank,
                        format: route.format.clone(),
                        policy: entry.policy,
                    });
            }
        }
        Runtime {
            default,
            routes,
            by_address: OnceLock::new(),
            routing: routing::Table::new(annotated),
            mounts,
            protection,
            guarded: false,
        }
        .guarded()
    }

    /// Records whether write protection may apply to any request.
    fn guarded(mut self) -> Self {
        self.guarded = self.may_protect();
        self
    }

    /// Whether the fairing refuses writes before routing: the request fairing and the refusal
    /// route are there.
    #[inline]
    pub(crate) fn is_guarded(&self) -> bool {
        self.guarded
    }

    /// The application's write protection.
    pub(crate) fn protection(&self) -> &WriteProtection {
        &self.protection
    }

    /// Whether write protection applies to the requests `policy` decides.
    #[inline]
    pub(crate) fn protects(&self, policy: &Policy) -> bool {
        policy.protects_writes(&self.protection)
    }

    /// Whether write protection may apply to any request: the application turns it on, or a
    /// policy does (a replaceable policy may turn it on later).
    fn may_protect(&self) -> bool {
        let source = |p: &PolicySource| match p {
            PolicySource::Static(policy) => self.protects(policy),
            PolicySource::Shared(policy) => self.protects(policy),
            PolicySource::Reloadable(_) => true,
        };
        self.protection.is_on_by_default()
            || source(&self.default)
            || self.mounts.iter().any(|m| source(&m.policy))
            || self
                .routes
                .values()
                .flatten()
                .any(|a| self.protects(a.policy))
    }

    /// Decides `request` with `policy` (once: one version of its runtime set) and acts on the
    /// decision: logs a refusal and writes the headers. Every request CORS looks at, actual or
    /// preflight, is decided here (a write that protection refuses is decided here too, before
    /// routing, by `protect::decide`). Returns the preflight status, if the request is a
    /// preflight.
    pub(crate) fn decide_and_write<'r>(
        &self,
        request: &'r Request<'_>,
        view: RequestView<'r>,
        policy: &'r Policy,
        label: Label<'_>,
        response: &mut Response<'r>,
    ) -> Option<u16> {
        let mut view = headers::for_policy(view, policy);
        if self.protects(policy) {
            view = headers::with_protection(view, request);
        }
        let decision = policy.decide_with(&view, &self.protection);
        if let Some(reason) = decision.refusal() {
            logging::refusal(request, label, reason);
        }
        headers::write(decision.headers(), response);
        if let Decision::WriteRefused(..) = decision {
            // Refused after a handler ran: the route Rocket ran is not the one it was expected
            // to run before routing (a guard forwarded, or a format chose another route). The
            // page gets the refusal, not the handler's answer.
            answer_refused(response);
        }
        decision.preflight_status()
    }

    /// The policy of the response to an actual request (or a preflight that an OPTIONS route of
    /// the application answered): the `#[cors]` policy of the route that made it, else the
    /// fallback policy.
    #[inline]
    pub(crate) fn response_policy<'r>(
        &'r self,
        request: &'r Request<'_>,
    ) -> (&'r Policy, Label<'r>) {
        match request.route().and_then(|r| self.policy_of(r)) {
            Some(policy) => (policy, Label::Route),
            None => self.fallback_policy(request),
        }
    }

    /// The policy of a preflight that the generated route took: the `#[cors]` policy of the
    /// route that would serve the announced `method` on this path, else the fallback policy.
    #[inline]
    pub(crate) fn preflight_policy<'r>(
        &'r self,
        method: Option<&[u8]>,
        request: &'r Request<'_>,
    ) -> (&'r Policy, Label<'r>) {
        match method.and_then(|method| self.routing.policy_for(method, request)) {
            Some(policy) => (policy, Label::Route),
            None => self.fallback_policy(request),
        }
    }

    /// The default policy for this request: one load of a reloadable policy per request.
    fn default_policy<'r>(&'r self, request: &'r Request<'_>) -> &'r Policy {
        match &self.default {
            PolicySource::Static(policy) => policy,
            PolicySource::Shared(policy) => policy,
            PolicySource::Reloadable(handle) => &request.local_cache(|| Pinned(handle.current())).0,
        }
    }

    /// The mount base with a policy of its own that covers this request: the longest one.
    fn mount_for(&self, request: &Request<'_>) -> Option<&Mount> {
        self.mounts.iter().find(|m| m.covers(request))
    }

    /// The policy of everything no `#[cors]` route covers: the policy of the longest mount base
    /// that covers the request, else the default policy.
    #[inline]
    fn fallback_policy<'r>(&'r self, request: &'r Request<'_>) -> (&'r Policy, Label<'r>) {
        if !self.mounts.is_empty() {
            if let Some(mount) = self.mount_for(request) {
                let policy: &Policy = match &mount.policy {
                    PolicySource::Static(policy) => policy,
                    PolicySource::Shared(policy) => policy,
                    PolicySource::Reloadable(handle) => {
                        &request.local_cache(|| MountPinned(handle.current())).0
                    }
                };
                return (policy, Label::Mount(&mount.base));
            }
        }
        (self.default_policy(request), Label::Default)
    }

    /// Pins the versions of the reloadable policies that may decide `request`, as it arrives,
    /// so that it is decided by the versions in force then (even if its handler replaces them).
    pub(crate) fn pin(&self, request: &Request<'_>) {
        if !self.pins() {
            return;
        }
        if let PolicySource::Reloadable(handle) = &self.default {
            request.local_cache(|| Pinned(handle.current()));
        }
        if let Some(PolicySource::Reloadable(handle)) = self.mount_for(request).map(|m| &m.policy) {
            request.local_cache(|| MountPinned(handle.current()));
        }
    }

    /// Whether a policy must be pinned as each request arrives.
    fn pins(&self) -> bool {
        let reloadable = |p: &PolicySource| matches!(p, PolicySource::Reloadable(_));
        reloadable(&self.default) || self.mounts.iter().any(|m| reloadable(&m.policy))
    }

    /// The `#[cors]` policy of the route that made a response, if it has one.
    fn policy_of(&self, route: &Route) -> Option<&'static Policy> {
        let Some(table) = self.by_address.get() else {
            return self.route_policy(route);
        };
        let address = std::ptr::from_ref(route) as usize;
        match table.binary_search_by_key(&address, |(a, _)| *a) {
            Ok(i) => table.get(i).and_then(|(_, policy)| *policy),
            // A route this table does not know (mounted after launch): look it up the slow way.
            Err(_) => self.route_policy(route),
        }
    }

    /// Records the launched routes' addresses. Routes do not move once Rocket has launched.
    pub(crate) fn index_routes<'r>(&self, routes: impl Iterator<Item = &'r Route>) {
        let mut table: Vec<(usize, Option<&'static Policy>)> = routes
            .map(|r| (std::ptr::from_ref(r) as usize, self.route_policy(r)))
            .collect();
        table.sort_unstable_by_key(|(a, _)| *a);
        let _ = self.by_address.set(table);
    }

    /// The `#[cors]` policy of a route, if it has one.
    pub(crate) fn route_policy(&self, route: &Route) -> Option<&'static Policy> {
        self.routes
            .get(route.uri.as_str())?
            .iter()
            .find(|a| a.method == route.method && a.rank == route.rank && a.format == route.format)
            .map(|a| a.policy)
    }
}

/// The answer to a refused write: 403 with the one-line body saying why.
pub(crate) fn answer_refused(response: &mut Response<'_>) {
    response.set_status(Status::Forbidden);
    response.set_header(ContentType::Plain);
    response.set_sized_body(
        WRITE_REFUSED_BODY.len(),
        std::io::Cursor::new(WRITE_REFUSED_BODY),
    );
}
