//! The `Cors` middleware factory: which policy, and whether it is a route's own or the
//! application's default.

use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::Error;
use cors_shared::{CurrentPolicy, Policy, PolicyHandle, PolicySource, WriteProtection};

use crate::config::{Config, Role};
use crate::middleware::CorsMiddleware;

/// The CORS middleware of an application or scope: applies its policy to every response that
/// no route policy (`#[cors(...)]`) or inner `Cors` covers.
///
/// That includes handler errors, errors from other middleware, and the responses Actix makes
/// itself (404 for unknown paths). A preflight to a path whose route has no policy of its own
/// is answered by this policy: 204 with the CORS headers when allowed, 403 without them when
/// not. Headers are set, never appended, and `Vary` is merged with what the response already
/// has into one line; CORS headers a handler wrote itself are removed first (and the first time
/// is logged), so that only the policy says who may read. A response that a route policy answered, or an inner `Cors` (a
/// scope's), is left as it is: the innermost policy wins.
///
/// Without a CORS policy inside it, the middleware answers preflights before routing, so
/// nothing of the application runs for them. In an application with `#[cors]` routes they go
/// through routing first, so that the routes answer their own; the same for a `Cors` on a scope
/// or resource inside this one, which [`Cors::with_nested_cors`] declares.
///
/// Build it from a policy validated at start-up ([`Cors::new`], e.g. an allowlist read from the
/// environment), from a `policy!` static ([`Cors::from_static`]), or from a [`PolicyHandle`]
/// that the application replaces while serving ([`Cors::reloadable`]):
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use cors_actix::{Cors, PolicySpec};
///
/// let policy = PolicySpec::new()
///     .origins_from_list("https://app.example.re, https://admin.example.re")
///     .methods(["GET", "POST"])
///     .validate()
///     .expect("the CORS allowlist is valid");
/// let cors = Cors::new(policy);
///
/// // `Cors` is cheap to clone: build it once, clone it into each worker's `App`.
/// let app = App::new()
///     .wrap(cors.clone())
///     .route("/plain", web::get().to(HttpResponse::Ok));
/// # let _ = app;
/// ```
///
/// Refused requests are logged through `tracing` at debug level with the reason (which origin,
/// method or request header was not allowed), the method and the path.
#[derive(Clone, Debug)]
pub struct Cors {
    config: Arc<Config>,
}

impl Cors {
    /// The middleware for a policy built at run time.
    pub fn new(policy: Policy) -> Self {
        Self::build(PolicySource::from(policy), Role::Default)
    }

    /// The middleware for a policy shared with other code.
    pub fn from_arc(policy: Arc<Policy>) -> Self {
        Self::build(PolicySource::Shared(policy), Role::Default)
    }

    /// The middleware for a `policy!` static (or any policy that lives as long as the program).
    ///
    /// ```
    /// use actix_web::App;
    /// use cors_actix::{policy, Cors};
    ///
    /// policy! {
    ///     DEFAULT = { origins = ["https://app.example.re"], methods = [GET, POST] };
    /// }
    ///
    /// let app = App::new().wrap(Cors::from_static(&DEFAULT));
    /// # let _ = app;
    /// ```
    pub fn from_static(policy: &'static Policy) -> Self {
        Self::build(PolicySource::Static(policy), Role::Default)
    }

    /// The middleware for a policy that the application replaces while serving: keep a clone
    /// of `handle` (e.g. in `web::Data`) and call [`PolicyHandle::replace`]. Each request is
    /// decided by the version in force when the middleware looks at it, from start to end.
    ///
    /// ```
    /// use actix_web::{web, App};
    /// use cors_actix::{Cors, PolicyHandle, PolicySpec};
    ///
    /// let handle = PolicyHandle::new(PolicySpec::new().origin("https://app.example.re").validate()?);
    /// let app = App::new()
    ///     .app_data(web::Data::new(handle.clone()))
    ///     .wrap(Cors::reloadable(handle));
    /// # let _ = app;
    /// # Ok::<(), cors_actix::PolicyErrors>(())
    /// ```
    pub fn reloadable(handle: PolicyHandle) -> Self {
        Self::build(PolicySource::Reloadable(handle), Role::Default)
    }

    /// Declares that another `Cors` wraps a scope or resource inside this one, so that
    /// preflights to its paths reach it: they then go through routing before this policy
    /// answers those that no policy inside did. (`#[cors]` routes need no declaration: the
    /// middleware finds them in the application's resource map.) A layer that finds an
    /// undeclared `Cors` inside it, on the first request that one covers, logs a warning
    /// (`cors_actix::outcome`, once per layer) naming this method as the fix.
    ///
    /// ```
    /// use actix_web::{web, App, HttpResponse};
    /// use cors_actix::{Cors, PolicySpec};
    ///
    /// let site = PolicySpec::new().origin("https://app.example.re").validate()?;
    /// let admin = PolicySpec::new().origin("https://admin.example.re").validate()?;
    /// let app = App::new()
    ///     .wrap(Cors::new(site).with_nested_cors())
    ///     .service(
    ///         web::scope("/admin")
    ///             .wrap(Cors::new(admin))
    ///             .route("/page", web::get().to(HttpResponse::Ok)),
    ///     );
    /// # let _ = app;
    /// # Ok::<(), cors_actix::PolicyErrors>(())
    /// ```
    #[must_use]
    pub fn with_nested_cors(self) -> Self {
        let mut config = Arc::unwrap_or_clone(self.config);
        config.nested = true;
        Cors {
            config: Arc::new(config),
        }
    }

    /// Turns on write protection (or configures it) for every policy this layer covers that
    /// does not say otherwise: the `#[cors]` routes inside it (whose `protect_writes = true` or
    /// `false` wins), the `Cors` of scopes inside it without a setting of their own, and its
    /// own policy. Off by default.
    ///
    /// CORS decides who may **read** a response; it never stops a cross-site form `POST`, a
    /// `no-cors` fetch or a WebSocket handshake, which browsers send with the user's cookies.
    /// With protection on, such a request from an origin the covering policy does not allow is
    /// answered `403` before any handler or inner middleware runs, without CORS headers, and
    /// logged at debug level. `*` trusts no origin for writes, and `Sec-Fetch-Site: same-site`
    /// is not trusted by itself (a sibling subdomain can be taken over): list such an origin
    /// in the policy to trust it. A route that other sites must post to (an OAuth `form_post`
    /// callback, a payment return URL) turns it off in source: `#[cors(..., protect_writes =
    /// false)]`. Behind a proxy that rewrites `Host`, name the service's public origins with
    /// [`WriteProtection::public_origins`].
    ///
    /// ```
    /// use actix_web::{web, App, HttpResponse};
    /// use cors_actix::{Cors, PolicySpec, WriteProtection};
    ///
    /// let policy = PolicySpec::new()
    ///     .origin("https://app.example.re")
    ///     .credentials(true)
    ///     .methods(["GET", "POST"])
    ///     .validate()?;
    /// let protection = WriteProtection::on().public_origins(["https://api.example.re"])?;
    /// let app = App::new()
    ///     .wrap(Cors::new(policy).write_protection(protection))
    ///     .route("/notes", web::post().to(HttpResponse::Ok));
    /// # let _ = app;
    /// # Ok::<(), cors_actix::PolicyErrors>(())
    /// ```
    ///
    /// The layer that covers a request decides it: a `#[cors]` route's policy for its route,
    /// else this one. In an application with `#[cors]` routes (or a `Cors` declared with
    /// [`Cors::with_nested_cors`]), a write this policy refuses is refused before routing
    /// unless the path's resource is a `#[cors]` route: a `Cors` on a scope inside cannot let
    /// through a cross-site write that this one refuses.
    #[must_use]
    pub fn write_protection(self, protection: WriteProtection) -> Self {
        let mut config = Arc::unwrap_or_clone(self.config);
        config.protection = Some(protection);
        Cors {
            config: Arc::new(config),
        }
    }

    /// The middleware that `#[cors(...)]` installs on one route.
    pub(crate) fn route(policy: &'static Policy, handler: &'static str) -> Self {
        let mut config = Config::new(PolicySource::Static(policy), Role::Route);
        config.handler = Some(handler);
        Cors {
            config: Arc::new(config),
        }
    }

    fn build(policy: PolicySource, role: Role) -> Self {
        Cors {
            config: Arc::new(Config::new(policy, role)),
        }
    }

    /// The policy this middleware applies now.
    pub fn policy(&self) -> CurrentPolicy<'_> {
        self.config.source.load()
    }

    /// The handle of a reloadable policy ([`Cors::reloadable`]).
    pub fn handle(&self) -> Option<&PolicyHandle> {
        self.config.source.handle()
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

impl<S, B> Transform<S, ServiceRequest> for Cors
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CorsMiddleware::new(service, Arc::clone(&self.config))))
    }
}
