//! The services the layers wrap around an application or a route, and their response future:
//! each decides once, with the version of its policy in force when the request arrived (as it
//! arrives when the request is answered here or judged by write protection, otherwise when its
//! response comes back), and writes the headers of that decision on whatever response it gives.

use std::borrow::BorrowMut;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use cors_shared::{Decision, Policy, RequestView, WriteProtection, WRITE_REFUSED_BODY};
use http::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use http::uri::PathAndQuery;
use http::{Extensions, Method, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::cors::{Shared, Version};
use crate::headers::{Owned, Prepared};
use crate::log::{Note, Role};
use crate::mark::{Kind, Outside};
use crate::request::{Kept, KeptOrigin, Parts, Reuse};

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
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn decide<B>(
    policy: &Policy,
    prepared: &Prepared,
    request: &Request<B>,
    role: Role,
    protection: &WriteProtection,
) -> Decided {
    let protects = policy.protects_writes(protection);
    let mut view = RequestView::new(request.method().as_str().as_bytes());
    let reuse = crate::request::read_into(Parts::of(request), policy, protects, &mut view);
    decide_read(policy, prepared, request, role, protection, &view, reuse)
}

/// The decision of `policy` on `view`, what [`crate::request::read_into`] read of `request`,
/// owned.
#[inline(always)]
fn decide_read<B>(
    policy: &Policy,
    prepared: &Prepared,
    request: &Request<B>,
    role: Role,
    protection: &WriteProtection,
    view: &RequestView<'_>,
    reuse: Reuse<'_>,
) -> Decided {
    // Without protection, `decide` is the same decision (it applies a policy's own
    // `protect_writes = true`, which `protects_writes` covers) at the cost it always had.
    let decision = if policy.protects_writes(protection) {
        policy.decide_with(view, protection)
    } else {
        policy.decide(view)
    };
    Decided::new(
        &decision,
        prepared,
        reuse,
        request.method(),
        request.uri().path(),
        role,
    )
}

impl Decided {
    /// What `decision` says, owned.
    #[inline]
    fn new(
        decision: &Decision<'_>,
        prepared: &Prepared,
        reuse: Reuse<'_>,
        method: &Method,
        path: &str,
        role: Role,
    ) -> Self {
        Decided {
            headers: Owned::new(prepared, decision.headers(), reuse),
            preflight: decision
                .preflight_status()
                .and_then(|s| StatusCode::from_u16(s).ok()),
            write_refused: matches!(decision, Decision::WriteRefused(..)),
            note: Note::of(decision, method, path, role),
        }
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

    /// Where a request's CORS handling starts: the policy decides once, as the request arrives
    /// (or, for a preflight sent on to a Router, when no route policy answered it), and this
    /// match acts on the decision; the response future ends it.
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
        let version = shared.hold();
        // Route policies inside a Router learn from a mark that a default layer is outside,
        // unless a default layer further out marked the request already.
        let marks = self.inner_kind == Inner::Router
            && !matches!(
                outside,
                Some(Outside {
                    kind: Kind::Request { .. }
                })
            );
        // A request that write protection does not judge is decided when its response comes
        // back, and not at all when a route policy inside answered it: what its decision reads
        // is kept for then. None of it is boxed: the request path does not allocate.
        let protects = version.protects_writes(shared.protection());
        // The common case first: a request that is no preflight (not `OPTIONS`), kept with one
        // lookup of `Origin` and no view.
        let options = request.method() == Method::OPTIONS;
        if !options && !protects {
            let kept = KeptOrigin::of_ordinary(Parts::of(&request));
            return self.defer_ordinary(request, kept, version, mode, marks);
        }
        // A preflight to a Router: its lines are kept as read and it goes on, for the route
        // policies inside; the default policy decides it only if none answered. Write
        // protection never judges a preflight. Around another service the layer answers
        // preflights at once, below.
        if options && self.inner_kind == Inner::Router {
            if let Some(kept) = Kept::of_preflight(request.headers(), &version) {
                return self.defer(request, kept, version, mode);
            }
        }
        let mut view = RequestView::new(request.method().as_str().as_bytes());
        let reuse = crate::request::read_into(Parts::of(&request), &version, protects, &mut view);
        let preflight = view.is_preflight();
        if !protects && !preflight {
            let kept = KeptOrigin::new(&view, reuse);
            return self.defer_ordinary(request, kept, version, mode, marks);
        }
        let decided = decide_read(
            &version,
            &shared.prepared,
            &request,
            Role::Default,
            shared.protection(),
            &view,
            reuse,
        );
        self.answer_or_forward(request, decided, mode, marks)
    }
}

impl<S> CorsService<S> {
    /// Acts on a decision made as the request arrived: one that write protection judged, or a
    /// preflight around another service than a Router (a Router's are deferred).
    #[inline(never)]
    fn answer_or_forward<B, ResBody>(
        &mut self,
        mut request: Request<B>,
        decided: Decided,
        mode: Mode,
        marks: bool,
    ) -> CorsFuture<S::Future>
    where
        S: Service<Request<B>, Response = Response<ResBody>>,
    {
        // A preflight, or a write that protection refuses: answered here, whatever is inside,
        // so that no route and no handler runs.
        if decided.answered() {
            return CorsFuture::answer(decided, mode, Spare::of(request));
        }
        if marks {
            self.mark(&mut request);
        }
        CorsFuture::forward(self.inner.call(request), decided, mode)
    }
}

impl<S> CorsService<S> {
    /// Sends an ordinary request on undecided (marked for the route policies inside a
    /// Router) and leaves the decision to the response: a route policy that answers makes it
    /// unneeded.
    #[inline(always)]
    fn defer_ordinary<B, ResBody>(
        &mut self,
        mut request: Request<B>,
        kept: KeptOrigin,
        version: Version,
        mode: Mode,
        marks: bool,
    ) -> CorsFuture<S::Future>
    where
        S: Service<Request<B>, Response = Response<ResBody>>,
    {
        if marks {
            self.mark(&mut request);
        }
        let ordinary = Ordinary::new(&self.shared.prepared, version, &request, kept, mode);
        // Built in place around the inner call: through a constructor the inner future is
        // copied once more.
        CorsFuture {
            state: State::Inner {
                future: self.inner.call(request),
            },
            then: Then::Ordinary(ordinary),
        }
    }

    /// Sends a preflight on to the Router inside, marked for its route policies, and leaves
    /// the decision to the response: a route policy that answers makes it unneeded.
    #[inline]
    fn defer<B, ResBody>(
        &mut self,
        mut request: Request<B>,
        kept: Kept,
        version: Version,
        mode: Mode,
    ) -> CorsFuture<S::Future>
    where
        S: Service<Request<B>, Response = Response<ResBody>>,
    {
        // The path, for the warning about a preflight answered inside and for the debug log.
        let uri = ((!self.shared.warned.load(Ordering::Relaxed) && crate::log::warn_enabled())
            || crate::log::debug_enabled())
        .then(|| request.uri().path_and_query().cloned())
        .flatten();
        crate::mark::forward_preflight(&mut request, &self.shared.forwarded_method);
        let shared = Arc::clone(&self.shared);
        // Built in place around the inner call: through a constructor the inner future is
        // copied once more.
        CorsFuture {
            state: State::Inner {
                future: self.inner.call(request),
            },
            then: Then::Deferred(Deferred {
                shared,
                version,
                kept,
                uri,
                mode,
            }),
        }
    }
}

impl<S> CorsService<S> {
    /// Marks an ordinary `request` for the route policies inside, with the application's write
    /// protection.
    #[inline]
    fn mark<B>(&self, request: &mut Request<B>) {
        crate::mark::mark(request, self.shared.protection.as_ref());
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

/// A preflight the default layer sent on to a Router undecided: what it decides with when no
/// route policy answered.
#[derive(Debug)]
struct Deferred {
    shared: Arc<Shared>,
    version: Version,
    kept: Kept,
    /// The request's path and query, when a warning or the debug log may name its path.
    uri: Option<PathAndQuery>,
    mode: Mode,
}

impl Deferred {
    /// The answer with `result`, the inner service's, now that no route policy answered: the
    /// default policy decides and its headers go straight to the response.
    #[inline(always)]
    fn finish<B, E>(&self, result: Result<Response<B>, E>) -> Result<Response<B>, E>
    where
        B: Default,
    {
        let Deferred {
            shared,
            version,
            kept,
            uri,
            mode,
        } = self;
        let (view, reuse) = kept.view();
        let decision = version.decide(&view);
        let preflight = decision
            .preflight_status()
            .and_then(|s| StatusCode::from_u16(s).ok());
        let mut response = match (preflight, result) {
            // A preflight no route policy answered: the default policy answers it, whatever
            // the application said.
            (Some(status), result) => {
                if let (Ok(response), Some(uri)) = (&result, uri) {
                    warn_answered_inside(shared, uri, response.status());
                }
                let mut response = match result {
                    Ok(response) => emptied(response),
                    Err(_) => Response::new(B::default()),
                };
                *response.status_mut() = status;
                response
            }
            (None, Ok(response)) => response,
            (None, Err(e)) => return Err(e),
        };
        crate::headers::write_decision(
            &shared.prepared,
            decision.headers(),
            reuse,
            response.headers_mut(),
        );
        if mode.marks() {
            crate::mark::route_applied_to(&mut response);
        }
        let path = uri.as_ref().map_or("", PathAndQuery::path);
        if let Some(note) = Note::of(&decision, &Method::OPTIONS, path, Role::Default) {
            note.log(preflight);
        }
        Ok(response)
    }
}

/// An ordinary request sent on undecided: what its policy decides with when the response comes
/// back. The default layer's decides only when no route policy answered; a route policy's always
/// decides.
#[derive(Debug)]
pub(crate) struct Ordinary {
    /// The deciding policy's prepared header values.
    prepared: Arc<Prepared>,
    version: Version,
    kept: KeptOrigin,
    /// The request's method and path, when the debug log may name them.
    logged: Option<Box<Logged>>,
    mode: Mode,
}

impl Ordinary {
    /// What deciding the ordinary `request` with `version` takes once its response is back:
    /// `kept`, what [`KeptOrigin`] read of it, and its method and path while debug events are
    /// recorded.
    #[inline(always)]
    pub(crate) fn new<B>(
        prepared: &Arc<Prepared>,
        version: Version,
        request: &Request<B>,
        kept: KeptOrigin,
        mode: Mode,
    ) -> Self {
        let logged = crate::log::debug_enabled().then(|| {
            Box::new(Logged {
                method: request.method().clone(),
                path: Box::from(request.uri().path()),
            })
        });
        Ordinary {
            prepared: Arc::clone(prepared),
            version,
            kept,
            logged,
            mode,
        }
    }
}

/// What the debug log names of an ordinary request: kept only while debug events are recorded.
#[derive(Debug)]
struct Logged {
    method: Method,
    path: Box<str>,
}

impl Ordinary {
    /// The response, with the policy's headers: the default policy's once no route policy
    /// answered, or the route policy's.
    #[inline(always)]
    fn finish<B>(&self, mut response: Response<B>) -> Response<B> {
        let Ordinary {
            prepared,
            version,
            kept,
            logged,
            mode,
        } = self;
        let (view, reuse) = kept.view();
        let decision = version.decide(&view);
        crate::headers::write_decision(prepared, decision.headers(), reuse, response.headers_mut());
        if mode.marks() {
            crate::mark::route_applied_to(&mut response);
        }
        if let Some(Logged { method, path }) = logged.as_deref() {
            let role = match mode {
                Mode::Route => Role::Route,
                Mode::Default | Mode::Nested | Mode::Pass => Role::Default,
            };
            if let Some(note) = Note::of(&decision, method, path, role) {
                note.log(None);
            }
        }
        response
    }
}

/// `response` emptied in place for an answer that replaces it: no header, no extension, an
/// empty body. Its maps keep their memory for the answer's headers.
#[inline]
fn emptied<B: Default>(mut response: Response<B>) -> Response<B> {
    response.headers_mut().clear();
    response.extensions_mut().clear();
    *response.body_mut() = B::default();
    response
}

/// The header and extension maps of a request answered without calling the inner service,
/// emptied: the answer is made in their memory instead of allocating maps of its own. Nothing
/// of what they held is kept.
#[derive(Debug, Default)]
pub(crate) struct Spare {
    headers: HeaderMap,
    extensions: Extensions,
}

impl Spare {
    /// The emptied maps of `request`, which is dropped.
    #[inline]
    pub(crate) fn of<B>(mut request: Request<B>) -> Self {
        let mut headers = std::mem::take(request.headers_mut());
        let mut extensions = std::mem::take(request.extensions_mut());
        headers.clear();
        extensions.clear();
        Spare {
            headers,
            extensions,
        }
    }

    /// A response with an empty body in these maps.
    #[inline]
    fn response<B: Default>(self) -> Response<B> {
        self.response_with(B::default())
    }

    /// A response with `body` in these maps.
    #[inline]
    fn response_with<B>(self, body: B) -> Response<B> {
        let mut response = Response::new(body);
        *response.headers_mut() = self.headers;
        *response.extensions_mut() = self.extensions;
        response
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        /// Answered without calling the inner service (a preflight, or a refused write), in the
        /// request's own maps.
        Answer { spare: Spare },
        Inner { #[pin] future: F },
    }
}

/// What a response future does when the response is there.
#[derive(Debug)]
enum Then {
    /// Writes the headers of the decision made when the request arrived.
    Decided { decided: Decided, mode: Mode },
    /// Decides a preflight with the default policy, unless a route policy answered.
    Deferred(Deferred),
    /// Decides an ordinary request with its policy: the default one unless a route policy
    /// answered, or a route policy's own.
    Ordinary(Ordinary),
}

pin_project! {
    /// The response future of the CORS services: the inner service's response with the CORS
    /// headers of the decision made when the request arrived, or the answer to a preflight.
    pub struct CorsFuture<F> {
        #[pin]
        state: State<F>,
        then: Then,
    }
}

impl<F> CorsFuture<F> {
    /// The answer to a request that the inner service does not see, made in its `spare` maps.
    pub(crate) fn answer(decided: Decided, mode: Mode, spare: Spare) -> Self {
        CorsFuture {
            state: State::Answer { spare },
            then: Then::Decided { decided, mode },
        }
    }

    /// The future of the inner service's response, made by `call`, decided by `ordinary` when it
    /// comes back: for the route layer, outside this module. The inner future is made inside,
    /// where a parameter would be copied once more; the default layer's own paths still write
    /// the value out in place, which measured 16 instructions fewer on its actual request.
    #[inline(always)]
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn ordinary(call: impl FnOnce() -> F, ordinary: Ordinary) -> Self {
        CorsFuture {
            state: State::Inner { future: call() },
            then: Then::Ordinary(ordinary),
        }
    }

    /// The future of the inner service's response, with the headers of `decided` written on it.
    pub(crate) fn forward(future: F, decided: Decided, mode: Mode) -> Self {
        CorsFuture {
            state: State::Inner { future },
            then: Then::Decided { decided, mode },
        }
    }
}

impl<F> std::fmt::Debug for CorsFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorsFuture")
            .field("then", &self.then)
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
            StateProj::Answer { spare } => Err(std::mem::take(spare)),
            StateProj::Inner { future } => Ok(ready!(future.poll(cx))),
        };
        Poll::Ready(match this.then {
            Then::Decided { decided, mode } => finish(result, || decided, *mode),
            Then::Deferred(deferred) => match result {
                Ok(Ok(response)) if crate::mark::route_applied(&response) => Ok(response),
                Ok(result) => deferred.finish(result),
                // The inner service is always called.
                Err(spare) => Ok(spare.response()),
            },
            Then::Ordinary(ordinary) => match result {
                Ok(Ok(response))
                    if ordinary.mode.yields_to_routes()
                        && crate::mark::route_applied(&response) =>
                {
                    Ok(response)
                }
                Ok(Ok(response)) => Ok(ordinary.finish(response)),
                Ok(Err(e)) => Err(e),
                // The inner service is always called.
                Err(spare) => Ok(spare.response()),
            },
        })
    }
}

/// What a response future answers with `result`, the inner service's (or the request's spare
/// maps when it was not called), after the decision `decided` gives, asked for only when it is
/// written.
#[inline(always)]
fn finish<B, E, D: BorrowMut<Decided>>(
    result: Result<Result<Response<B>, E>, Spare>,
    decided: impl FnOnce() -> D,
    mode: Mode,
) -> Result<Response<B>, E>
where
    B: Default + From<&'static str>,
{
    match result {
        Err(spare) => Ok(answer(decided().borrow_mut(), mode, spare)),
        Ok(result) if mode == Mode::Pass => result,
        Ok(Ok(response)) if mode.yields_to_routes() && crate::mark::route_applied(&response) => {
            Ok(response)
        }
        Ok(result) => finish_decided(result, decided().borrow_mut(), mode),
    }
}

/// [`finish`] once the decision is known.
#[inline(always)]
fn finish_decided<B, E>(
    result: Result<Response<B>, E>,
    decided: &mut Decided,
    mode: Mode,
) -> Result<Response<B>, E>
where
    B: Default + From<&'static str>,
{
    match (decided.preflight, result) {
        // A decided preflight is answered without calling the inner service (a Router's
        // preflights are deferred, `Then::Deferred`); were one called, the answer would still
        // be the policy's, whatever the service said.
        (Some(_), _) => Ok(answer(decided, mode, Spare::default())),
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
    }
}

/// The answer to a preflight (204 or 403, the headers, an empty body) or to a write that
/// protection refused (403, only `Vary`, the one-line [`WRITE_REFUSED_BODY`]), made in `spare`.
fn answer<B: Default + From<&'static str>>(
    decided: &mut Decided,
    mode: Mode,
    spare: Spare,
) -> Response<B> {
    let mut response = if decided.write_refused {
        refused_write(spare)
    } else {
        spare.response()
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
fn refused_write<B: From<&'static str>>(spare: Spare) -> Response<B> {
    let mut response = spare.response_with(B::from(WRITE_REFUSED_BODY));
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
fn warn_answered_inside(shared: &Shared, uri: &PathAndQuery, status: StatusCode) {
    if matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) {
        return;
    }
    let path = uri.path();
    crate::log::warn_once(&shared.warned, || {
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
