//! The service `Cors` wraps around an application, scope or resource: a route's policy decides
//! before the inner service runs (and answers preflights itself); the default policy decides
//! after it, only when no inner CORS middleware answered.

use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::Error;

use crate::cors::{Role, Shared};
use crate::future::{CorsFuture, State};
use crate::outcome::{Outcome, Pending};
use crate::request::{self, Captured, Reuse};

/// The service that [`Cors`](crate::Cors) wraps around an application, scope or resource.
#[derive(Debug)]
pub struct CorsMiddleware<S> {
    service: S,
    shared: Arc<Shared>,
}

impl<S> CorsMiddleware<S> {
    pub(crate) fn new(service: S, shared: Arc<Shared>) -> Self {
        CorsMiddleware { service, shared }
    }
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
                    &request::view(req.method(), req.headers()),
                    Reuse::from_map(req.headers()),
                    || Some(req.path().to_owned()),
                );
                if outcome.is_preflight() {
                    outcome.log();
                    let response = outcome.answer().map_into_right_body();
                    return CorsFuture::answered(req.into_response(response));
                }
                Pending::Decided(outcome)
            }
            // The default policy decides only if no inner CORS middleware answered. The request
            // moves into the inner service, which may fail without giving it back (and holding
            // a clone of it would break Actix's routing), so what the decision reads is copied
            // first: a few reference-counted header values.
            Role::Default => Pending::Later {
                captured: Captured::new(req.method(), req.headers()),
                path: crate::outcome::debug_enabled().then(|| req.path().to_owned()),
            },
        };
        CorsFuture::forwarded(State::forwarded(
            self.service.call(req),
            pending,
            Arc::clone(shared),
        ))
    }
}
