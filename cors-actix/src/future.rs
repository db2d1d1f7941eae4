//! The response future: a preflight answered without calling the inner service, or the inner
//! service's response (or error) with the CORS headers added.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cors_shared::Policy;
use std::task::{ready, Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::{Error, HttpResponse};

use crate::cors::Shared;
use crate::error::CorsError;
use crate::outcome::{answer_preflight, is_applied, log_if_refused, mark_applied, Pending};
use crate::request::Captured;
use crate::response::write;

pin_project_lite::pin_project! {
    /// The response future of [`CorsMiddleware`](crate::CorsMiddleware).
    pub struct CorsFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    pub(crate) enum State<F, B> {
        // A preflight answered without calling the inner service.
        Answered { response: Option<ServiceResponse<EitherBody<B>>> },
        // A request handed to the inner service; its response gets the CORS headers.
        Forwarded {
            #[pin]
            inner: F,
            pending: Option<Pending>,
            shared: Arc<Shared>,
            // Whether a CORS layer outside waits to learn that this one wrote the headers.
            has_outer: bool,
        },
    }
}

impl<F, B> State<F, B> {
    pub(crate) fn forwarded(
        inner: F,
        pending: Pending,
        shared: Arc<Shared>,
        has_outer: bool,
    ) -> Self {
        State::Forwarded {
            inner,
            pending: Some(pending),
            shared,
            has_outer,
        }
    }
}

impl<F, B> CorsFuture<F, B> {
    pub(crate) fn answered(response: ServiceResponse<EitherBody<B>>) -> Self {
        CorsFuture {
            state: State::Answered {
                response: Some(response),
            },
        }
    }

    pub(crate) fn forwarded(state: State<F, B>) -> Self {
        CorsFuture { state }
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
                has_outer,
            } => {
                // Never poll the inner future again once it has answered.
                let Some(outcome) = pending.as_ref() else {
                    return Poll::Ready(Err(polled_twice()));
                };
                let result = ready!(inner.poll(cx));
                let output = match result {
                    Ok(mut response) => {
                        // The headers are written in place; only a preflight that no route
                        // answered gets a new response.
                        match finish(shared, outcome, &mut response, *has_outer) {
                            None => Ok(response.map_into_left_body()),
                            Some(answer) => {
                                let (request, _) = response.into_parts();
                                Ok(ServiceResponse::new(request, answer.map_into_right_body()))
                            }
                        }
                    }
                    Err(error) => match pending.take() {
                        Some(pending) => Err(CorsError::wrap(shared, pending, error)),
                        None => Err(error),
                    },
                };
                // Dropped where it lies rather than moved out.
                *pending = None;
                Poll::Ready(output)
            }
        }
    }
}

fn polled_twice() -> Error {
    actix_web::error::ErrorInternalServerError("CORS response future polled after completion")
}

/// Applies the outcome to the inner service's response, unless an inner CORS layer did; or
/// returns this (default) policy's answer to a preflight that no route answered.
fn finish<B>(
    shared: &Shared,
    pending: &Pending,
    response: &mut ServiceResponse<B>,
    has_outer: bool,
) -> Option<HttpResponse> {
    match pending {
        Pending::Decided(outcome) => {
            outcome.log();
            mark_applied(response.request(), has_outer);
            outcome.write(response.headers_mut());
            None
        }
        Pending::Later { .. } if is_applied(response.request()) => None,
        Pending::Later {
            captured,
            pinned,
            path,
        } => finish_later(shared, captured, pinned.as_ref(), path, response, has_outer),
    }
}

/// [`finish`] for a default layer with CORS layers inside, none of which answered.
#[inline(never)]
fn finish_later<B>(
    shared: &Shared,
    captured: &Captured,
    pinned: Option<&Arc<Policy>>,
    path: &Option<String>,
    response: &mut ServiceResponse<B>,
    has_outer: bool,
) -> Option<HttpResponse> {
    Pending::decide_later(captured, pinned, shared, |decision, reuse| {
        mark_applied(response.request(), has_outer);
        let method = captured.method();
        let request = response.request();
        let requested = || crate::request::requested_method(request.headers());
        if let Some(answer) =
            answer_preflight(shared, decision, method, reuse, || path.clone(), requested)
        {
            return Some(answer);
        }
        log_if_refused(decision, method, || path.clone(), shared.role);
        write(
            &shared.prepared,
            decision.headers(),
            reuse,
            response.headers_mut(),
        );
        None
    })
}
