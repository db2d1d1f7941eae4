//! The services the layers wrap around an application or a route, and their response future:
//! each decides once, as the request arrives, with one version of its policy, and writes the
//! headers of that decision on whatever response comes back.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use cors_shared::{Decision, Policy, WriteProtection, WRITE_REFUSED_BODY};
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Request, Response, StatusCode, Uri};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::cors::Shared;
use crate::headers::{Owned, Prepared};
use crate::log::{Note, Role};
use crate::mark::Kind;
use crate::request::Parts;

/// What one policy said about one request, owned.
#[derive(Debug)]
pub(crate) struct Decided {
    pub(crate) headers: Owned,
    /// The status of the answer when the request is a preflight.
    pub(crate) preflight: Option<StatusCode>,
    /// Write protection refused the request: it is answered 403 at once.
    pub(crate) write_refused: bool,
    pub(crate) note: Option<Box<Note>>,
}

impl Decided {
    /// Whether the request is answered here, without calling the service inside.
    #[inline]
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn answered(&self) -> bool {
        self.preflight.is_some() || self.write_refused
    }
}

/// Decides `request` with `policy` and the application's write `protection`, and keeps what
/// the decision says. The lines write protection reads are looked up only when it applies.
#[inline]
pub(crate) fn decide<B>(
    policy: &Policy,
    prepared: &Prepared,
    request: &Request<B>,
    role: Role,
    protection: &WriteProtection,
) -> Decided {
    let protects = policy.protects_writes(protection);
    let (view, reuse) = crate::request::read(Parts::of(request), policy, protects);
    // Without protection, `decide` is the same decision (it applies a policy's own
    // `protect_writes = true`, which `protects` covers) at the cost it always had.
    let decision = if protects {
        policy.decide_with(&view, protection)
    } else {
        policy.decide(&view)
    };
    Decided {
        headers: Owned::new(prepared, decision.headers(), reuse),
        preflight: decision
            .preflight_status()
            .and_then(|s| StatusCode::from_u16(s).ok()),
        write_refused: matches!(decision, Decision::WriteRefused(..)),
        note: Note::of(&decision, request.method(), request.uri().path(), role),
    }
}

/// The service [`Cors`](crate::Cors) wraps around an application: its default policy.
#[derive(Debug)]
pub struct CorsService<S> {
    inner: S,
    shared: Arc<Shared>,
    /// What the wrapped service is: an axum `Router`, which may hold route policies, gets the
    /// preflights forwarded; any other service has its preflights answered here.
    inner_kind: Inner,
}

/// What a default layer wraps, known from the wrapped service's type when it is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Inner {
    /// A service that cannot hold route policies: preflights are answered without calling it.
    Service,
    /// An axum `Router`, whose routes may have policies of their own: preflights go on, marked
    /// and with a method no handler takes, and only those no route policy answered get the
    /// default policy's answer.
    Router,
}

impl<S: Clone> Clone for CorsService<S> {
    fn clone(&self) -> Self {
        CorsService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
            inner_kind: self.inner_kind,
        }
    }
}

impl<S> CorsService<S> {
    pub(crate) fn new(inner: S, shared: Arc<Shared>, inner_kind: Inner) -> Self {
        CorsService {
            inner,
            shared,
            inner_kind,
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, B, ResBody> Service<Request<B>> for CorsService<S>
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

    /// Where a request's CORS handling starts: the policy decides once, and this match acts
    /// on the decision; the response future ends it.
    #[inline]
    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // Another default layer outside this one (an application nested in another): this
        // one is then the policy of its part, as a route policy is of its route.
        let outside = crate::mark::outside(&mut request);
        let mode = match outside {
            Some(_) => Mode::Nested,
            None => Mode::Default,
        };
        let shared = &*self.shared;
        // One version of a reloadable policy decides the whole request.
        let decided = decide(
            &shared.policy.load(),
            &shared.prepared,
            &request,
            Role::Default,
            shared.protection(),
        );
        match (decided.preflight, self.inner_kind) {
            (Some(_), Inner::Service) => CorsFuture::answer(decided, mode),
            (Some(_), Inner::Router) => {
                let forwarded = (!shared.warned.load(Ordering::Relaxed)).then(|| Forwarded {
                    shared: Arc::clone(&self.shared),
                    uri: request.uri().clone(),
                });
                self.mark(&mut request, Kind::Preflight);
                *request.method_mut() = self.shared.forwarded_method.clone();
                let mut future = CorsFuture::forward(self.inner.call(request), decided, mode);
                future.forwarded = forwarded;
                future
            }
            // A write that protection refuses: answered here, whatever is inside, so that no
            // route and no handler runs.
            (None, _) if decided.write_refused => CorsFuture::answer(decided, mode),
            (None, inner_kind) => {
                if inner_kind == Inner::Router && outside.is_none() {
                    self.mark(&mut request, Kind::Request);
                }
                CorsFuture::forward(self.inner.call(request), decided, mode)
            }
        }
    }
}

impl<S> CorsService<S> {
    /// Marks `request` for the route policies inside, with the application's write protection.
    #[inline]
    fn mark<B>(&self, request: &mut Request<B>, kind: Kind) {
        crate::mark::mark(request, kind, self.shared.protection.as_ref());
    }
}

/// What a response future does with the response of the inner service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A route's policy: writes its headers and marks the response.
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    Route,
    /// The default policy: writes its headers unless a route policy did.
    Default,
    /// A default policy inside another one: writes its headers unless a route policy did, and
    /// marks the response, so the outer one leaves it alone.
    Nested,
    /// Nothing: another layer decides.
    Pass,
}

impl Mode {
    /// Whether a response a route policy answered is left alone.
    fn yields_to_routes(self) -> bool {
        matches!(self, Mode::Default | Mode::Nested)
    }

    /// Whether the response is marked as answered, for the default layer outside.
    fn marks(self) -> bool {
        matches!(self, Mode::Route | Mode::Nested)
    }
}

/// A preflight the default layer forwarded: the layer's warning flag and the request's URI,
/// for the warning when something else than a route policy answered it (kept until the layer
/// has warned once).
#[derive(Debug)]
struct Forwarded {
    shared: Arc<Shared>,
    uri: Uri,
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        /// Answered without calling the inner service: a preflight.
        Answer,
        Inner { #[pin] future: F },
    }
}

pin_project! {
    /// The response future of the CORS services: the inner service's response with the CORS
    /// headers of the decision made when the request arrived, or the answer to a preflight.
    pub struct CorsFuture<F> {
        #[pin]
        state: State<F>,
        decided: Decided,
        mode: Mode,
        // A preflight the default layer forwarded to the route policies inside.
        forwarded: Option<Forwarded>,
    }
}

impl<F> CorsFuture<F> {
    pub(crate) fn answer(decided: Decided, mode: Mode) -> Self {
        CorsFuture {
            state: State::Answer,
            decided,
            mode,
            forwarded: None,
        }
    }

    pub(crate) fn forward(future: F, decided: Decided, mode: Mode) -> Self {
        CorsFuture {
            state: State::Inner { future },
            decided,
            mode,
            forwarded: None,
        }
    }
}

impl<F> std::fmt::Debug for CorsFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorsFuture")
            .field("decided", &self.decided)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl<F, B, E> Future for CorsFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default + From<&'static str>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = match this.state.project() {
            StateProj::Answer => None,
            StateProj::Inner { future } => Some(ready!(future.poll(cx))),
        };
        let decided = &*this.decided;
        let mode = *this.mode;
        Poll::Ready(match result {
            None => Ok(answer(decided, mode)),
            Some(result) if mode == Mode::Pass => result,
            Some(Ok(response))
                if mode.yields_to_routes() && crate::mark::route_applied(&response) =>
            {
                Ok(response)
            }
            Some(result) => match (decided.preflight, result) {
                // A preflight the default layer forwarded and no route policy answered: the
                // default policy answers it, whatever the application said.
                (Some(_), result) => {
                    if let (Ok(response), Some(forwarded)) = (&result, this.forwarded.as_ref()) {
                        warn_answered_inside(forwarded, response.status());
                    }
                    Ok(answer(decided, mode))
                }
                (None, Ok(mut response)) => {
                    decided.headers.write(response.headers_mut());
                    if mode.marks() {
                        crate::mark::route_applied_to(&mut response);
                    }
                    if let Some(note) = &decided.note {
                        note.log(None);
                    }
                    Ok(response)
                }
                (None, Err(e)) => Err(e),
            },
        })
    }
}

/// The answer to a preflight (204 or 403, the headers, an empty body) or to a write that
/// protection refused (403, only `Vary`, the one-line [`WRITE_REFUSED_BODY`]).
fn answer<B: Default + From<&'static str>>(decided: &Decided, mode: Mode) -> Response<B> {
    let mut response = if decided.write_refused {
        refused_write()
    } else {
        Response::new(B::default())
    };
    if let Some(status) = decided.preflight {
        *response.status_mut() = status;
    }
    decided.headers.write(response.headers_mut());
    if mode.marks() {
        crate::mark::route_applied_to(&mut response);
    }
    if let Some(note) = &decided.note {
        note.log(decided.preflight);
    }
    response
}

/// The 403 of a refused write, before its `Vary`.
#[cold]
fn refused_write<B: From<&'static str>>() -> Response<B> {
    let mut response = Response::new(B::from(WRITE_REFUSED_BODY));
    *response.status_mut() = StatusCode::FORBIDDEN;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Warns (once per layer) when something inside the default layer answered a preflight with
/// another status than axum's own 404 or 405 before a route policy could: a layer added to the
/// `Router` (an authentication layer answering 401), or a handler that takes every method
/// (`any(handler)`, a `fallback`, a nested service).
fn warn_answered_inside(forwarded: &Forwarded, status: StatusCode) {
    if matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) {
        return;
    }
    let path = forwarded.uri.path();
    crate::log::warn_once(&forwarded.shared.warned, || {
        format!(
            "a CORS preflight to {path} was answered with {status} inside the CORS layer before \
             any route policy saw it, by a layer added to the Router (`Router::layer`, \
             `route_layer`) or by a handler or service that takes every method (`any(handler)`, \
             a `fallback`, `route_service`); the default policy answered it instead. If its \
             route has a policy of its own, put the route's other layers inside it: \
             `get(handler).layer(auth).cors(POLICY)`; let such layers pass preflights untouched \
             (inside the CORS layer a preflight's method is `CORS-PREFLIGHT`), and give a route \
             that takes every method a policy of its own: `any(handler).cors(POLICY)`"
        )
    });
}
