//! The middleware: the application's default policy (`App::wrap(Cors::new(..))`) and, through
//! the same machinery, the per-route middleware that `#[cors(...)]` installs.

use std::fmt;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpResponse, ResponseError};
use cors_shared::Policy;

use crate::headers::{self, Captured, OwnedHeaders, Prepared, Reuse};

/// Marks a response whose CORS headers are final, so that an outer [`Cors`] leaves it alone.
#[derive(Clone, Copy, Debug)]
struct CorsApplied;

/// Where a policy lives: baked into the binary by `policy!`, or built at start-up.
#[derive(Clone, Debug)]
enum PolicyRef {
    Static(&'static Policy),
    Shared(Arc<Policy>),
}

impl PolicyRef {
    fn get(&self) -> &Policy {
        match self {
            PolicyRef::Static(p) => p,
            PolicyRef::Shared(p) => p,
        }
    }
}

/// Whether the middleware is a route's own or the application's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Installed by `#[cors(...)]` on one resource: answers every preflight that reaches it,
    /// before anything inside runs.
    Route,
    /// Wraps an application or scope: forwards every request, then covers what no inner CORS
    /// middleware did, preflights to paths without a route policy included.
    Default,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Route => "route",
            Role::Default => "default",
        }
    }
}

#[derive(Debug)]
struct Shared {
    policy: PolicyRef,
    prepared: Prepared,
    role: Role,
}

/// The CORS middleware of an application or scope: applies its policy to every response that
/// no route policy (`#[cors(...)]`) covers.
///
/// That includes handler errors, errors from other middleware, and the responses Actix makes
/// itself (404 for unknown paths). A preflight to a path whose route has no policy of its own
/// is answered by this policy: 204 with the CORS headers when allowed, 403 without them when
/// not. Headers are set, never appended, and `Vary` is merged with what the response already
/// has. A response that a route policy answered, or an inner `Cors` (a scope's), is left as it
/// is: the innermost policy wins.
///
/// Build it from a policy validated at start-up ([`Cors::new`], e.g. an allowlist read from the
/// environment) or from a `policy!` static ([`Cors::from_static`]):
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
    shared: Arc<Shared>,
}

impl Cors {
    /// The middleware for a policy built at run time.
    pub fn new(policy: Policy) -> Self {
        Self::build(PolicyRef::Shared(Arc::new(policy)), Role::Default)
    }

    /// The middleware for a policy shared with other code.
    pub fn from_arc(policy: Arc<Policy>) -> Self {
        Self::build(PolicyRef::Shared(policy), Role::Default)
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
        Self::build(PolicyRef::Static(policy), Role::Default)
    }

    /// The middleware that `#[cors(...)]` installs on one route.
    pub(crate) fn route(policy: &'static Policy) -> Self {
        Self::build(PolicyRef::Static(policy), Role::Route)
    }

    fn build(policy: PolicyRef, role: Role) -> Self {
        let prepared = Prepared::new(policy.get());
        Cors {
            shared: Arc::new(Shared {
                policy,
                prepared,
                role,
            }),
        }
    }

    /// The policy this middleware applies.
    pub fn policy(&self) -> &Policy {
        self.shared.policy.get()
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
        ready(Ok(CorsMiddleware {
            service,
            shared: Arc::clone(&self.shared),
        }))
    }
}

/// The service that [`Cors`] wraps around an application, scope or resource.
#[derive(Debug)]
pub struct CorsMiddleware<S> {
    service: S,
    shared: Arc<Shared>,
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = CorsFuture<S::Future, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let shared = &self.shared;
        let pending = match shared.role {
            Role::Route => {
                // A route's policy always applies, and it answers preflights itself.
                let outcome = Outcome::decide(
                    shared,
                    req.method(),
                    &headers::view(req.method(), req.headers()),
                    Reuse::from_map(req.headers()),
                    || Some(req.path().to_owned()),
                );
                if outcome.preflight.is_some() {
                    outcome.log();
                    let response = outcome.answer().map_into_right_body();
                    return CorsFuture {
                        state: State::Answered {
                            response: Some(req.into_response(response)),
                        },
                    };
                }
                Pending::Decided(outcome)
            }
            // The default policy decides only if no inner CORS middleware answered. The request
            // moves into the inner service, which may fail without giving it back (and holding
            // a clone of it would break Actix's routing), so what the decision reads is copied
            // first: a few reference-counted header values.
            Role::Default => Pending::Later {
                captured: Captured::new(req.method(), req.headers()),
                path: debug_enabled().then(|| req.path().to_owned()),
            },
        };
        CorsFuture {
            state: State::Forwarded {
                inner: self.service.call(req),
                pending: Some(pending),
                shared: Arc::clone(shared),
            },
        }
    }
}

/// Whether a debug event could be recorded at all, so that the path is copied for the refusal
/// log only when it can be written.
fn debug_enabled() -> bool {
    use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
    STATIC_MAX_LEVEL >= LevelFilter::DEBUG && LevelFilter::current() >= LevelFilter::DEBUG
}

/// A forwarded request's outcome: decided before the call, or to be decided after it.
#[derive(Debug)]
enum Pending {
    Decided(Outcome),
    Later {
        captured: Captured,
        /// The path, for the refusal log; `None` when debug events are off.
        path: Option<String>,
    },
}

impl Pending {
    fn outcome(self, shared: &Shared) -> Outcome {
        match self {
            Pending::Decided(outcome) => outcome,
            Pending::Later { captured, path } => Outcome::decide(
                shared,
                captured.method(),
                &captured.view(),
                captured.reuse(),
                || path,
            ),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`CorsMiddleware`].
    pub struct CorsFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        // A preflight answered without calling the inner service.
        Answered { response: Option<ServiceResponse<EitherBody<B>>> },
        // A request handed to the inner service; its response gets the CORS headers.
        Forwarded {
            #[pin]
            inner: F,
            pending: Option<Pending>,
            shared: Arc<Shared>,
        },
    }
}

impl<F, B> Future for CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Answered { response } => {
                Poll::Ready(response.take().ok_or_else(polled_twice))
            }
            StateProj::Forwarded {
                inner,
                pending,
                shared,
            } => {
                let result = ready!(inner.poll(cx));
                let Some(pending) = pending.take() else {
                    return Poll::Ready(Err(polled_twice()));
                };
                Poll::Ready(match result {
                    Ok(response) => Ok(finish(shared, pending, response)),
                    Err(error) => Err(finish_error(shared, pending, error)),
                })
            }
        }
    }
}

fn polled_twice() -> Error {
    actix_web::error::ErrorInternalServerError("CORS response future polled after completion")
}

/// A refusal, kept for the log until it is known which policy answered.
#[derive(Debug)]
struct Refused {
    reason: String,
    method: Method,
    /// `None` only when debug events were off as the request came in.
    path: Option<String>,
    role: Role,
}

/// What one policy says about one request, owned.
#[derive(Debug)]
struct Outcome {
    headers: OwnedHeaders,
    /// The status of the answer when the request is a preflight.
    preflight: Option<StatusCode>,
    /// Why the request was refused; `None` on the allowed path, which formats nothing.
    refused: Option<Box<Refused>>,
}

impl Outcome {
    fn decide(
        shared: &Shared,
        method: &Method,
        view: &cors_shared::RequestView<'_>,
        reuse: Reuse<'_>,
        path: impl FnOnce() -> Option<String>,
    ) -> Self {
        let decision = shared.policy.get().decide(view);
        Outcome {
            headers: OwnedHeaders::new(&shared.prepared, decision.headers(), reuse),
            preflight: decision
                .preflight_status()
                .map(|status| StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN)),
            refused: decision.refusal().map(|reason| {
                Box::new(Refused {
                    reason: reason.to_string(),
                    method: method.clone(),
                    path: path(),
                    role: shared.role,
                })
            }),
        }
    }

    fn log(&self) {
        if let Some(r) = &self.refused {
            tracing::debug!(
                method = %r.method,
                path = %r.path.as_deref().unwrap_or_default(),
                policy = r.role.name(),
                "CORS refused, no Access-Control-Allow-Origin: {}",
                r.reason
            );
        }
    }

    /// The answer to a preflight: 204 with the headers when allowed, 403 with only `Vary`
    /// when not.
    fn answer(&self) -> HttpResponse {
        let mut response = HttpResponse::new(self.preflight.unwrap_or(StatusCode::FORBIDDEN));
        self.apply(&mut response);
        response
    }

    /// Sets the headers on a response and marks it as final.
    fn apply<B>(&self, response: &mut HttpResponse<B>) {
        self.headers.write(response.headers_mut());
        response.extensions_mut().insert(CorsApplied);
    }
}

/// Applies the outcome to the inner service's response, unless an inner CORS middleware did.
fn finish<B>(
    shared: &Shared,
    pending: Pending,
    response: ServiceResponse<B>,
) -> ServiceResponse<EitherBody<B>> {
    if response
        .response()
        .extensions()
        .get::<CorsApplied>()
        .is_some()
    {
        return response.map_into_left_body();
    }
    let role = shared.role;
    let outcome = pending.outcome(shared);
    outcome.log();
    if role == Role::Default && outcome.preflight.is_some() {
        // No route answered this preflight: this policy does, whatever the inner service said.
        let (request, _) = response.into_parts();
        return ServiceResponse::new(request, outcome.answer().map_into_right_body());
    }
    let (request, mut response) = response.into_parts();
    outcome.apply(&mut response);
    ServiceResponse::new(request, response.map_into_left_body())
}

/// Attaches the outcome to an error from the inner service, so that the response Actix makes
/// from it carries the headers too. (The request cannot be kept to build that response here:
/// holding a clone of the `HttpRequest` across the inner call makes Actix's routing panic, as it
/// needs the only reference to update the match info.)
fn finish_error(shared: &Shared, pending: Pending, error: Error) -> Error {
    if error.as_error::<CorsError>().is_some() {
        return error;
    }
    let outcome = pending.outcome(shared);
    outcome.log();
    let replace = shared.role == Role::Default && outcome.preflight.is_some();
    CorsError {
        inner: error,
        outcome: Box::new(outcome),
        replace,
    }
    .into()
}

/// An error from behind a CORS middleware, whose response carries the CORS headers.
#[derive(Debug)]
struct CorsError {
    inner: Error,
    outcome: Box<Outcome>,
    /// A preflight no route answered: the response is the policy's answer, not the error's.
    replace: bool,
}

impl fmt::Display for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl ResponseError for CorsError {
    fn status_code(&self) -> StatusCode {
        match self.outcome.preflight {
            Some(status) if self.replace => status,
            _ => self.inner.as_response_error().status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if self.replace {
            return self.outcome.answer();
        }
        let mut response = self.inner.error_response();
        self.outcome.apply(&mut response);
        response
    }
}
