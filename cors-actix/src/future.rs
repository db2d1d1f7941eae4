//! The response future: a preflight answered without calling the inner service, or the inner
//! service's response (or error) with the CORS headers added.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::Error;

use crate::cors::{Role, Shared};
use crate::error::CorsError;
use crate::outcome::{is_applied, mark_applied, Pending};

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
        },
    }
}

impl<F, B> State<F, B> {
    pub(crate) fn forwarded(inner: F, pending: Pending, shared: Arc<Shared>) -> Self {
        State::Forwarded {
            inner,
            pending: Some(pending),
            shared,
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
            } => {
                let result = ready!(inner.poll(cx));
                let Some(pending) = pending.take() else {
                    return Poll::Ready(Err(polled_twice()));
                };
                Poll::Ready(match result {
                    Ok(response) => Ok(finish(shared, pending, response)),
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
) -> ServiceResponse<EitherBody<B>> {
    if matches!(pending, Pending::Later { .. }) && is_applied(response.request()) {
        return response.map_into_left_body();
    }
    let outcome = pending.outcome(shared);
    outcome.log();
    mark_applied(response.request());
    if shared.role == Role::Default && outcome.is_preflight() {
        // No route answered this preflight: this policy does, whatever the inner service said.
        let (request, _) = response.into_parts();
        return ServiceResponse::new(request, outcome.answer().map_into_right_body());
    }
    let mut response = response;
    outcome.write(response.headers_mut());
    response.map_into_left_body()
}
