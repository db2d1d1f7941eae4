//! The response future: a preflight answered without calling the inner service, or the inner
//! service's response (or error) with the CORS headers added.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::Error;

use crate::cors::Shared;
use crate::error::CorsError;
use crate::outcome::{
    answer_preflight, debug_enabled, is_applied, log_refusal, mark_applied, Pending,
};
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
                let result = ready!(inner.poll(cx));
                let Some(pending) = pending.take() else {
                    return Poll::Ready(Err(polled_twice()));
                };
                Poll::Ready(match result {
                    Ok(response) => Ok(finish(shared, pending, response, *has_outer)),
                    Err(error) => Err(CorsError::wrap(shared, pending, error)),
                })
            }
        }
    }
}

fn polled_twice() -> Error {
    actix_web::error::ErrorInternalServerError("CORS response future polled after completion")
}

/// Applies the outcome to the inner service's response, unless an inner CORS layer did.
fn finish<B>(
    shared: &Shared,
    pending: Pending,
    response: ServiceResponse<B>,
    has_outer: bool,
) -> ServiceResponse<EitherBody<B>> {
    let mut response = response;
    match pending {
        Pending::Decided(outcome) => {
            outcome.log();
            mark_applied(response.request(), has_outer);
            outcome.write(response.headers_mut());
            response.map_into_left_body()
        }
        Pending::Later { .. } if is_applied(response.request()) => response.map_into_left_body(),
        Pending::Later {
            captured,
            pinned,
            path,
        } => Pending::decide_later(&captured, pinned.as_ref(), shared, |decision, reuse| {
            mark_applied(response.request(), has_outer);
            // No route answered this preflight: this (default) policy does, whatever the inner
            // service said.
            let method = captured.method();
            if let Some(answer) = answer_preflight(shared, decision, method, reuse, || path.clone())
            {
                let (request, _) = response.into_parts();
                return ServiceResponse::new(request, answer.map_into_right_body());
            }
            if let Some(reason) = decision.refusal() {
                if debug_enabled() {
                    log_refusal(&reason.log_line(), method, path.as_deref(), shared.role);
                }
            }
            write(
                &shared.prepared,
                decision.headers(),
                reuse,
                response.headers_mut(),
            );
            response.map_into_left_body()
        }),
    }
}
