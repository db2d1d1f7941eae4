//! The `Cors` middleware factory: which policy, and whether it is a route's own or the
//! application's default.

use std::cell::{Cell, RefCell};
use std::future::{ready, Ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::Error;
use cors_shared::{CurrentPolicy, Policy, PolicyHandle, PolicySource};

use crate::response::Prepared;
use crate::service::CorsMiddleware;

thread_local! {
    /// The CORS layers built on this thread since the last default layer was, or since
    /// requests were last served, each by the flag that tells it a default layer was built
    /// around it. Actix builds a worker's services inside out and one application at a time,
    /// so a default layer finds here every CORS layer (a route's, a scope's) inside it. A
    /// layer left over from another application only gets told that it has a layer around it,
    /// which makes it mark its responses for nothing, and the default layer forward its
    /// preflights: always correct.
    static BUILT: RefCell<Vec<Rc<Cell<bool>>>> = const { RefCell::new(Vec::new()) };
}

/// Where a layer being built stands among the CORS layers of its application.
pub(crate) struct Nesting {
    /// A default layer with CORS layers inside it: they may answer before it does.
    pub(crate) has_inner: bool,
    /// Set once a default layer is built around this one: the outer layer then needs to learn
    /// from each request whether this one wrote the headers.
    pub(crate) has_outer: Rc<Cell<bool>>,
}

/// Registers the layer being built, with `role`.
fn nest(role: Role) -> Nesting {
    BUILT.with(|built| {
        let mut built = built.borrow_mut();
        let mut has_inner = false;
        if role == Role::Default {
            for inner in built.drain(..) {
                inner.set(true);
                has_inner = true;
            }
        }
        let has_outer = Rc::new(Cell::new(false));
        built.push(Rc::clone(&has_outer));
        Nesting {
            has_inner,
            has_outer,
        }
    })
}

/// Called as a layer serves its first request: the application it belongs to is built, so
/// what was registered belongs to no layer still to be built.
pub(crate) fn serving_started() {
    BUILT.with(|built| built.borrow_mut().clear());
}

/// Whether the middleware is a route's own or the application's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Installed by `#[cors(...)]` on one resource: answers every preflight that reaches it,
    /// before anything inside runs.
    Route,
    /// Wraps an application or scope: forwards every request, then covers what no inner CORS
    /// middleware did, preflights to paths without a route policy included.
    Default,
}

impl Role {
    /// How the refusal log names the policy.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Route => "route",
            Role::Default => "default",
        }
    }
}

/// What every worker's middleware shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) policy: PolicySource,
    pub(crate) prepared: Prepared,
    pub(crate) role: Role,
    /// The handler of a route's policy (`module::function`), for the log.
    pub(crate) handler: Option<&'static str>,
}

impl Shared {
    /// The policy in force: one load per request, so a request is decided by one version.
    pub(crate) fn load(&self) -> CurrentPolicy<'_> {
        self.policy.load()
    }

    /// Runs `f` with `pinned`, the version of a reloadable policy kept for one request, or
    /// else with the policy in force now.
    pub(crate) fn with_policy<R>(
        &self,
        pinned: Option<&Arc<Policy>>,
        f: impl FnOnce(&Policy) -> R,
    ) -> R {
        match pinned {
            Some(policy) => f(policy),
            None => f(&self.load()),
        }
    }
}

/// The CORS middleware of an application or scope: applies its policy to every response that
/// no route policy (`#[cors(...)]`) covers.
///
/// That includes handler errors, errors from other middleware, and the responses Actix makes
/// itself (404 for unknown paths). A preflight to a path whose route has no policy of its own
/// is answered by this policy: 204 with the CORS headers when allowed, 403 without them when
/// not. Headers are set, never appended, and `Vary` is merged with what the response already
/// has into one line. A response that a route policy answered, or an inner `Cors` (a
/// scope's), is left as it is: the innermost policy wins.
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
    pub(crate) shared: Arc<Shared>,
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

    /// The middleware that `#[cors(...)]` installs on one route.
    pub(crate) fn route(policy: &'static Policy, handler: &'static str) -> Self {
        let mut cors = Self::build(PolicySource::Static(policy), Role::Route);
        if let Some(shared) = Arc::get_mut(&mut cors.shared) {
            shared.handler = Some(handler);
        }
        cors
    }

    fn build(policy: PolicySource, role: Role) -> Self {
        let prepared = Prepared::new(&policy);
        Cors {
            shared: Arc::new(Shared {
                policy,
                prepared,
                role,
                handler: None,
            }),
        }
    }

    /// The policy this middleware applies now.
    pub fn policy(&self) -> CurrentPolicy<'_> {
        self.shared.load()
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
        let nesting = nest(self.shared.role);
        ready(Ok(CorsMiddleware::new(
            service,
            Arc::clone(&self.shared),
            nesting,
        )))
    }
}
