//! The `Cors` layer of the default policy: which policy, and the service it wraps around.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use cors_shared::{CurrentPolicy, Policy, PolicyHandle, PolicySource};
use http::Method;
use tower_layer::Layer;

use crate::headers::Prepared;
use crate::service::{CorsService, Inner};

/// What every clone of a layer and its services share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) policy: PolicySource,
    pub(crate) prepared: Prepared,
    /// Set once the layer warned that something inside answered a preflight.
    pub(crate) warned: AtomicBool,
    /// The method of a preflight forwarded to the route policies inside.
    pub(crate) forwarded_method: Method,
}

/// The layer of the application's **default policy**: a plain tower [`Layer`] for any
/// `tower::Service<http::Request<B>>` (axum, tonic, hyper, ...).
///
/// It writes the CORS headers of every response that passes through it and that no route
/// policy answered: handler errors, rejections of extractors, responses of layers inside it,
/// and axum's own 404 and 405. It answers preflights to paths without a route policy itself
/// (204 when allowed, 403 without CORS headers when not). Headers are set, never appended, and
/// `Vary` is merged with the response's own into one line.
///
/// With axum, apply it last with [`CorsRouterExt::with_cors`](crate::CorsRouterExt::with_cors)
/// (or around the whole `Router` with `tower::ServiceBuilder`), never with `Router::layer`:
/// see [the crate documentation](crate#order).
///
/// ```
/// use cors_axum::{Cors, PolicySpec};
/// use tower_layer::Layer;
///
/// let policy = PolicySpec::new()
///     .origins_from_list("https://app.example.re, https://admin.example.re")
///     .methods(["GET", "POST"])
///     .validate()
///     .expect("the CORS allowlist is valid");
/// let cors = Cors::new(policy);
///
/// // Any tower service: here a hyper-style function service.
/// let service = cors.layer(tower_service_fn());
/// # fn tower_service_fn() -> impl tower_service::Service<http::Request<String>, Response = http::Response<String>> + Clone {
/// #     #[derive(Clone)] struct S;
/// #     impl tower_service::Service<http::Request<String>> for S {
/// #         type Response = http::Response<String>; type Error = std::convert::Infallible;
/// #         type Future = std::future::Ready<Result<http::Response<String>, std::convert::Infallible>>;
/// #         fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> { std::task::Poll::Ready(Ok(())) }
/// #         fn call(&mut self, _: http::Request<String>) -> Self::Future { std::future::ready(Ok(http::Response::new("ok".into()))) }
/// #     }
/// #     S
/// # }
/// # let _ = service;
/// ```
///
/// Refused requests are logged through `tracing` at debug level with the reason (which origin,
/// method or request header was not allowed), the method and the path.
#[derive(Clone, Debug)]
pub struct Cors {
    pub(crate) shared: Arc<Shared>,
}

impl Cors {
    /// The layer for a policy built at run time (e.g. an allowlist read from the environment).
    pub fn new(policy: Policy) -> Self {
        Self::build(PolicySource::from(policy))
    }

    /// The layer for a policy shared with other code.
    pub fn from_arc(policy: Arc<Policy>) -> Self {
        Self::build(PolicySource::Shared(policy))
    }

    /// The layer for a `policy!` static (or any policy that lives as long as the program).
    ///
    /// ```
    /// use cors_axum::{policy, Cors};
    ///
    /// policy! {
    ///     DEFAULT = { origins = ["https://app.example.re"], methods = [GET, POST] };
    /// }
    ///
    /// let cors = Cors::from_static(&DEFAULT);
    /// # let _ = cors;
    /// ```
    pub fn from_static(policy: &'static Policy) -> Self {
        Self::build(PolicySource::Static(policy))
    }

    /// The layer for a policy that the application replaces while serving: keep a clone of
    /// `handle` (e.g. in axum's state) and call [`PolicyHandle::replace`]. Each request is
    /// decided by the version in force when it arrives, from start to end.
    ///
    /// ```
    /// use cors_axum::{Cors, PolicyHandle, PolicySpec};
    ///
    /// let handle = PolicyHandle::new(PolicySpec::new().origin("https://app.example.re").validate()?);
    /// let cors = Cors::reloadable(handle.clone());
    /// handle.replace(&PolicySpec::new().origin("https://admin.example.re"))?;
    /// assert!(cors.policy().allows_origin("https://admin.example.re"));
    /// # Ok::<(), cors_axum::PolicyErrors>(())
    /// ```
    pub fn reloadable(handle: PolicyHandle) -> Self {
        Self::build(PolicySource::Reloadable(handle))
    }

    fn build(policy: PolicySource) -> Self {
        let prepared = Prepared::new(&policy);
        Cors {
            shared: Arc::new(Shared {
                policy,
                prepared,
                warned: AtomicBool::new(false),
                forwarded_method: crate::mark::forwarded_method(),
            }),
        }
    }

    /// The policy this layer applies now.
    pub fn policy(&self) -> CurrentPolicy<'_> {
        self.shared.policy.load()
    }

    /// The handle of a reloadable policy ([`Cors::reloadable`]).
    pub fn handle(&self) -> Option<&PolicyHandle> {
        self.shared.policy.handle()
    }
}

impl From<Policy> for Cors {
    fn from(policy: Policy) -> Self {
        Cors::new(policy)
    }
}

impl From<&'static Policy> for Cors {
    fn from(policy: &'static Policy) -> Self {
        Cors::from_static(policy)
    }
}

impl From<PolicyHandle> for Cors {
    fn from(handle: PolicyHandle) -> Self {
        Cors::reloadable(handle)
    }
}

impl<S> Layer<S> for Cors {
    type Service = CorsService<S>;

    /// Wraps `inner`. Around an axum `Router` (which is what
    /// [`with_cors`](crate::CorsRouterExt::with_cors) does), preflights go on to the route
    /// policies inside, and those that no route policy answers get the default policy's
    /// answer; around any other service, the layer answers preflights itself without calling
    /// it. Which of the two follows from the type of `inner` alone.
    ///
    /// # Panics
    ///
    /// With the `axum` feature, when `inner` is one of axum's routes: `Router::layer`,
    /// `Router::route_layer` and `MethodRouter::layer` apply a layer to each route added so far,
    /// so the default policy would miss every route added later. The message says what to write
    /// instead (`.with_cors(cors)` as the last call on the `Router`).
    fn layer(&self, inner: S) -> CorsService<S> {
        CorsService::new(inner, Arc::clone(&self.shared), inner_kind::<S>())
    }
}

/// What `S` is to the default layer: a `Router` that may hold route policies, or a service that
/// cannot.
#[cfg(feature = "axum")]
fn inner_kind<S>() -> Inner {
    crate::route::inner_kind::<S>()
}

/// Without axum, every service is one that cannot hold route policies.
#[cfg(not(feature = "axum"))]
#[allow(clippy::extra_unused_type_parameters)] // The same signature as with axum.
fn inner_kind<S>() -> Inner {
    Inner::Service
}
