//! The `Cors` layer of the default policy: which policy, and the service it wraps around.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use cors_shared::{CurrentPolicy, Policy, PolicyHandle, PolicySource, WriteProtection};
use http::Method;
use tower_layer::Layer;

use crate::headers::Prepared;
use crate::service::{CorsService, Inner};

/// What every clone of a layer and its services share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) policy: PolicySource,
    /// Shared with the response futures of ordinary requests, which write with it.
    pub(crate) prepared: Arc<Prepared>,
    /// Set once the layer warned that something inside answered a preflight.
    pub(crate) warned: AtomicBool,
    /// The method of a preflight forwarded to the route policies inside.
    pub(crate) forwarded_method: Method,
    /// The application's write protection; `None` when it is off and names no public origin.
    pub(crate) protection: Option<Arc<WriteProtection>>,
}

impl Shared {
    /// The application's write protection.
    #[inline]
    pub(crate) fn protection(&self) -> &WriteProtection {
        self.protection.as_deref().unwrap_or(&crate::mark::OFF)
    }
}

/// The version of the default policy that decides one request, held from its arrival to its
/// response.
#[derive(Debug)]
pub(crate) enum Version {
    /// A `static` policy.
    Static(&'static Policy),
    /// A shared policy, or the version of a reloadable one in force when the request arrived.
    Held(Arc<Policy>),
}

impl Shared {
    /// The version in force now.
    #[inline]
    pub(crate) fn hold(&self) -> Version {
        match &self.policy {
            PolicySource::Static(policy) => Version::Static(policy),
            PolicySource::Shared(policy) => Version::Held(Arc::clone(policy)),
            PolicySource::Reloadable(handle) => Version::Held(handle.current()),
        }
    }
}

impl std::ops::Deref for Version {
    type Target = Policy;

    #[inline]
    fn deref(&self) -> &Policy {
        match self {
            Version::Static(policy) => policy,
            Version::Held(policy) => policy,
        }
    }
}

/// The layer of the application's **default policy**: a plain tower [`Layer`] for any
/// `tower::Service<http::Request<B>>` (axum, tonic, hyper, ...).
///
/// It writes the CORS headers of every response that passes through it and that no route
/// policy answered: handler errors, rejections of extractors, responses of layers inside it,
/// and axum's own 404 and 405. It answers preflights to paths without a route policy itself
/// (204 when allowed, 403 without CORS headers when not). Headers are set, never appended, and
/// `Vary` is merged with the response's own into one line; CORS headers a handler wrote itself
/// are removed first (and the first time is logged), so that only the policy says who may read.
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
        let prepared = Arc::new(Prepared::new(&policy));
        Cors {
            shared: Arc::new(Shared {
                policy,
                prepared,
                warned: AtomicBool::new(false),
                forwarded_method: crate::mark::forwarded_method(),
                protection: None,
            }),
        }
    }

    /// The application's **write protection**: with [`WriteProtection::on`], a cross-site
    /// write (a method other than `GET`, `HEAD`, `OPTIONS`) or WebSocket handshake is refused
    /// with 403 before anything inside runs, unless it comes from the site itself or from an
    /// origin the deciding policy lets read (never through `*`, never `null`). Off by default.
    ///
    /// CORS decides who may read a response; it never stops a cross-site form `POST`, a
    /// `no-cors` fetch or a WebSocket handshake, which browsers send with the user's cookies.
    /// This closes that with the same allowlist: what CORS lets a page read, write protection
    /// lets it change. `same-site` is not trusted by itself (a sibling subdomain can be taken
    /// over): list such origins in the policy.
    ///
    /// A policy's own `protect_writes = true` or `false` wins over this switch; a policy
    /// without it inherits it, route policies inside the layer included. Around an axum
    /// `Router` the default layer judges every write first, with its own policy: a route
    /// policy can refuse more (its own origins, `protect_writes = true`), never let through a
    /// write the default policy refused. So a route that other sites must post to (an OAuth
    /// `form_post` callback, a webhook) needs protection off in the default policy
    /// (`protect_writes = false`, or this switch left off) and on in the route policies that
    /// want it (`protect_writes`), with `protect_writes = false` on the callback.
    ///
    /// Behind a proxy that rewrites `Host`, name the service's public origins
    /// ([`WriteProtection::public_origins`]).
    ///
    /// ```
    /// use cors_axum::{Cors, PolicySpec, WriteProtection};
    ///
    /// let policy = PolicySpec::new().origin("https://app.example.re").credentials(true).validate()?;
    /// let cors = Cors::new(policy)
    ///     .write_protection(WriteProtection::on().public_origins(["https://api.example.re"])?);
    /// assert!(cors.protection().is_on_by_default());
    /// # Ok::<(), cors_axum::PolicyErrors>(())
    /// ```
    #[must_use]
    pub fn write_protection(self, protection: WriteProtection) -> Self {
        let protection = (protection != WriteProtection::off()).then(|| Arc::new(protection));
        let shared = match Arc::try_unwrap(self.shared) {
            Ok(shared) => Shared {
                protection,
                ..shared
            },
            // A clone of this layer is already in use: it keeps its protection.
            Err(shared) => Shared {
                policy: shared.policy.clone(),
                prepared: shared.prepared.clone(),
                warned: AtomicBool::new(false),
                forwarded_method: shared.forwarded_method.clone(),
                protection,
            },
        };
        Cors {
            shared: Arc::new(shared),
        }
    }

    /// The application's write protection ([`Cors::write_protection`]); off unless set.
    pub fn protection(&self) -> &WriteProtection {
        self.shared.protection()
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
