//! The services the layers wrap around an application or a route, and their response future:
//! each decides once, as the request arrives, with one version of its policy, and writes the
//! headers of that decision on whatever response comes back.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use cors_shared::Policy;
use http::{Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::cors::Shared;
use crate::headers::{Owned, Prepared};
use crate::log::{Note, Role};

/// What one policy said about one request, owned.
#[derive(Debug)]
pub(crate) struct Decided {
    pub(crate) headers: Owned,
    /// The status of the answer when the request is a preflight.
    pub(crate) preflight: Option<StatusCode>,
    pub(crate) note: Option<Box<Note>>,
}

/// Decides `request` with `policy` and keeps what the decision says.
#[inline]
pub(crate) fn decide<B>(
    policy: &Policy,
    prepared: &Prepared,
    request: &Request<B>,
    role: Role,
) -> Decided {
    let (view, reuse) = crate::request::read(request.method(), request.headers(), policy);
    let decision = policy.decide(&view);
    Decided {
        headers: Owned::new(prepared, decision.headers(), reuse),
        preflight: decision
            .preflight_status()
            .and_then(|s| StatusCode::from_u16(s).ok()),
        note: Note::of(&decision, request.method(), request.uri().path(), role),
    }
}

/// The service [`Cors`](crate::Cors) wraps around an application: its default policy.
#[derive(Debug)]
pub struct CorsService<S> {
    inner: S,
    shared: Arc<Shared>,
    /// Route policies were built inside: preflights go on to them, and only those that none
    /// answers get the default policy's answer.
    forwards_preflights: bool,
}

impl<S: Clone> Clone for CorsService<S> {
    fn clone(&self) -> Self {
        CorsService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
            forwards_preflights: self.forwards_preflights,
        }
    }
}

impl<S> CorsService<S> {
    pub(crate) fn new(inner: S, shared: Arc<Shared>, forwards_preflights: bool) -> Self {
        CorsService {
            inner,
            shared,
            forwards_preflights,
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
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = CorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // One version of a reloadable policy decides the whole request.
        let decided = decide(
            &self.shared.policy.load(),
            &self.shared.prepared,
            &request,
            Role::Default,
        );
        match decided.preflight {
            Some(_) if !self.forwards_preflights => CorsFuture::answer(decided, Role::Default),
            preflight => {
                let forwarded = preflight.map(|_| Forwarded {
                    shared: Arc::clone(&self.shared),
                    path: request.uri().path().to_owned(),
                });
                let request = crate::mark::default_outside(request, self.forwards_preflights);
                let mut future =
                    CorsFuture::forward(self.inner.call(request), decided, Mode::Default);
                future.forwarded = forwarded.map(Box::new);
                future
            }
        }
    }
}

/// What a response future does with the response of the inner service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A route's policy: writes its headers and marks the response.
    Route,
    /// The default policy: writes its headers unless a route policy did.
    Default,
    /// Nothing: another layer decides.
    Pass,
}

/// A preflight the default layer forwarded: its path and the layer's warning flag, for the
/// warning when something else than a route policy answered it.
#[derive(Debug)]
struct Forwarded {
    shared: Arc<Shared>,
    path: String,
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
        forwarded: Option<Box<Forwarded>>,
    }
}

impl<F> CorsFuture<F> {
    pub(crate) fn answer(decided: Decided, role: Role) -> Self {
        CorsFuture {
            state: State::Answer,
            decided,
            mode: match role {
                Role::Route => Mode::Route,
                Role::Default => Mode::Default,
            },
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
    B: Default,
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
                if crate::mark::route_applied(&response) && mode == Mode::Default =>
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
                    if mode == Mode::Route {
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

/// The answer to a preflight: 204 or 403, the headers, an empty body.
fn answer<B: Default>(decided: &Decided, mode: Mode) -> Response<B> {
    let mut response = Response::new(B::default());
    if let Some(status) = decided.preflight {
        *response.status_mut() = status;
    }
    decided.headers.write(response.headers_mut());
    if mode == Mode::Route {
        crate::mark::route_applied_to(&mut response);
    }
    if let Some(note) = &decided.note {
        note.log(decided.preflight);
    }
    response
}

/// Warns (once per layer) when something inside the default layer answered a preflight with
/// another status than axum's own 404 or 405 before a route policy could: an authentication
/// layer added to the `Router`, or an `OPTIONS` handler.
fn warn_answered_inside(forwarded: &Forwarded, status: StatusCode) {
    if matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) {
        return;
    }
    let path = &forwarded.path;
    crate::log::warn_once(&forwarded.shared.warned, || {
        format!(
            "a CORS preflight to {path} was answered with {status} inside the CORS layer before \
             any route policy saw it, by a layer added to the Router (`Router::layer`, \
             `route_layer`) or by an OPTIONS handler; the default policy answered it instead. If \
             its route has a policy of its own, put the route's other layers inside it: \
             `get(handler).layer(auth).cors(POLICY)`; and let such layers pass preflights \
             (OPTIONS with Origin and Access-Control-Request-Method) untouched"
        )
    });
}
