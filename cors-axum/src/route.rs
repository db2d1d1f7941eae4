//! axum's side: route policies on a `MethodRouter`, the default layer applied last to a
//! `Router`, and the checks that the two are put together so that every response is covered.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::routing::{IntoMakeService, MethodRouter, Route, RouterIntoService};
use axum::Router;
use cors_shared::{Policy, PolicySource};
use http::{Method, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::cors::Version;
use crate::headers::Prepared;
use crate::log::{warn_once, Role};
use crate::mark::{Kind, Outside};
use crate::request::{KeptOrigin, Parts};
use crate::service::{decide, CorsFuture, CorsService, Inner, Mode, Ordinary, Spare};
use crate::Cors;

/// The path of type `T`, without its type arguments.
fn type_path<T: ?Sized>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.split('<').next().unwrap_or(name)
}

/// What the default layer wraps when it wraps an `S`: an axum `Router` (also as
/// `Router::into_service`), whose routes may have policies of their own, or another service.
/// Refuses one of axum's routes, where `Router::layer`, `route_layer` and `MethodRouter::layer`
/// put a layer.
// A mistake in how the application is built, found while it is built, as axum reports
// overlapping routes: a panic with the fix, before any request is served.
#[allow(clippy::panic)]
pub(crate) fn inner_kind<S>() -> Inner {
    let path = type_path::<S>();
    if path == type_path::<Router>() || path == type_path::<RouterIntoService<()>>() {
        return Inner::Router;
    }
    if path == type_path::<Route>() {
        panic!(
            "cors_axum::Cors was given to `Router::layer`, `Router::route_layer` or \
             `MethodRouter::layer`, which apply it to the routes added so far only: routes added \
             later, and axum's own 404 and 405 in places, would get no CORS headers. Apply the \
             default policy to the whole Router as its last step instead: \
             `router.with_cors(cors)` (`use cors_axum::CorsRouterExt`), or \
             `tower::ServiceBuilder::new().layer(cors).service(router)`. A route with a policy \
             of its own takes `.cors(POLICY)` (`use cors_axum::CorsRouteExt`)"
        );
    }
    Inner::Service
}

/// On a request: a route policy has decided it, so another one inside it stays out.
#[derive(Clone, Copy, Debug)]
struct RouteClaimed;

/// The default policy for a whole axum [`Router`].
pub trait CorsRouterExt {
    /// Applies the default policy `cors` around everything the router holds: its routes, its
    /// fallback (axum's 404), the 405 of its routes, and every layer added to it. Call it last:
    /// it returns a service, not a `Router`, so no route can be added outside the policy.
    /// Serve it with `axum::serve(listener, app.into_make_service())` (`use axum::ServiceExt`),
    /// or nest it with `Router::nest_service`.
    fn with_cors(self, cors: impl Into<Cors>) -> CorsService<Router>;
}

impl CorsRouterExt for Router {
    fn with_cors(self, cors: impl Into<Cors>) -> CorsService<Router> {
        cors.into().layer(self)
    }
}

impl CorsService<Router> {
    /// The service as axum's server takes it: `axum::serve(listener, app.into_make_service())`.
    pub fn into_make_service(self) -> IntoMakeService<Self> {
        axum::ServiceExt::<axum::extract::Request>::into_make_service(self)
    }
}

/// A route's own policy on an axum [`MethodRouter`].
pub trait CorsRouteExt {
    /// Gives every method of this route `policy`, from `policy!` (`&NAME`) or `#[cors(...)]`
    /// (`handler::POLICY`). The route then answers its preflights with it (without running a
    /// handler or the layers added to the route before this call), writes its headers on every
    /// response of the route (the 405 of a method it does not route included), and the default
    /// policy leaves them alone. Call it after the route's methods and its own layers:
    /// `get(read).put(update).layer(auth).cors(&POLICY)`.
    #[must_use]
    fn cors(self, policy: &'static Policy) -> Self;
}

impl<S, E> CorsRouteExt for MethodRouter<S, E>
where
    S: Clone + Send + Sync + 'static,
    E: 'static,
{
    fn cors(self, policy: &'static Policy) -> Self {
        self.layer(RouteCors::new(policy))
    }
}

/// The layer that [`CorsRouteExt::cors`] puts around a route's methods.
#[derive(Clone, Debug)]
pub struct RouteCors {
    shared: Arc<RouteShared>,
}

#[derive(Debug)]
struct RouteShared {
    policy: &'static Policy,
    prepared: Arc<Prepared>,
    /// Set once the route warned that no default layer is outside it.
    warned_alone: AtomicBool,
    /// Set once the route warned that another route policy is outside it.
    warned_twice: AtomicBool,
}

impl RouteShared {
    /// Warns (once per route) that no default layer is outside this route policy.
    #[cold]
    fn warn_alone<B>(&self, request: &Request<B>) {
        warn_once(&self.warned_alone, || {
            format!(
                "the CORS route policy of {} has no default layer around its Router: routes \
                 without a policy of their own, and axum's 404 and 405, get no CORS headers, and \
                 a default layer around another service (a layer between it and the Router) \
                 answers this route's preflights itself. Apply the default policy last, to the \
                 whole Router: `router.with_cors(cors)` (`use cors_axum::CorsRouterExt`)",
                request.uri().path()
            )
        });
    }
}

impl RouteCors {
    /// The layer of one route's policy.
    pub fn new(policy: &'static Policy) -> Self {
        RouteCors {
            shared: Arc::new(RouteShared {
                policy,
                prepared: Arc::new(Prepared::new(&PolicySource::Static(policy))),
                warned_alone: AtomicBool::new(false),
                warned_twice: AtomicBool::new(false),
            }),
        }
    }
}

impl<S> Layer<S> for RouteCors {
    type Service = RouteService<S>;

    fn layer(&self, inner: S) -> RouteService<S> {
        RouteService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service of a route's policy.
#[derive(Clone, Debug)]
pub struct RouteService<S> {
    inner: S,
    shared: Arc<RouteShared>,
}

impl<S, B, ResBody> Service<Request<B>> for RouteService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: Default + From<&'static str>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = CorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let shared = &self.shared;
        // A preflight the default layer forwarded gets its `OPTIONS` back here.
        let outside = crate::mark::outside(&mut request);
        // The application's write protection, which a policy that does not say inherits. A
        // forwarded preflight is decided without it: protection never judges a preflight.
        let app_protection = match outside {
            Some(Outside {
                kind: Kind::Request { protected: true },
            }) => crate::mark::app_protection(&request),
            Some(Outside {
                kind: Kind::Request { protected: false } | Kind::Preflight,
            })
            | None => None,
        };
        let protection = app_protection.as_deref().unwrap_or(&crate::mark::OFF);
        // The common case first: a request that is no preflight (not `OPTIONS`) and that write
        // protection does not judge is never answered here, and is decided when its response
        // comes back, from its `Origin` alone (as the default layer decides one).
        if request.method() != Method::OPTIONS
            && !shared.policy.protects_writes(protection)
            && request.extensions().get::<RouteClaimed>().is_none()
        {
            if outside.is_none() {
                shared.warn_alone(&request);
            }
            let kept = KeptOrigin::of_ordinary(Parts::of(&request));
            let ordinary = Ordinary::new(
                &shared.prepared,
                Version::Static(shared.policy),
                &request,
                kept,
                Mode::Route,
            );
            request.extensions_mut().insert(RouteClaimed);
            return CorsFuture::ordinary(|| self.inner.call(request), ordinary);
        }
        let decided = decide(
            shared.policy,
            &shared.prepared,
            &request,
            Role::Route,
            protection,
        );
        // Only a request that a route policy outside did not answer, never a preflight, can
        // reach this one claimed.
        if decided.preflight.is_none() && request.extensions().get::<RouteClaimed>().is_some() {
            warn_once(&shared.warned_twice, || {
                format!(
                    "two CORS route policies apply to {}: `.cors(...)` covers every method of \
                     the route it is called on, and the outer one decides. Give the route one \
                     policy, after all of its methods: `get(a).put(b).cors(POLICY)`",
                    request.uri().path()
                )
            });
            return CorsFuture::forward(self.inner.call(request), decided, Mode::Pass);
        }
        if outside.is_none() {
            shared.warn_alone(&request);
        }
        // A preflight, or a write that protection refused: answered before the handler and
        // the route's other layers.
        if decided.answered() {
            return CorsFuture::answer(decided, Mode::Route, Spare::of(request));
        }
        request.extensions_mut().insert(RouteClaimed);
        CorsFuture::forward(self.inner.call(request), decided, Mode::Route)
    }
}
