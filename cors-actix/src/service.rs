//! The service `Cors` wraps around an application, scope or resource: each layer decides as the
//! request arrives; a route's policy answers preflights itself, and the default policy's headers
//! are written only when no inner CORS layer wrote its own.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::Error;
use cors_shared::{Policy, PolicyHandle, PolicyReader};

use crate::cors::{Nesting, Role, Shared};
use crate::future::{CorsFuture, State};
use crate::outcome::{Outcome, Pending};
use crate::request::{self, Captured};

/// The service that [`Cors`](crate::Cors) wraps around an application, scope or resource.
#[derive(Debug)]
pub struct CorsMiddleware<S> {
    service: S,
    shared: Arc<Shared>,
    /// For a reloadable policy: this worker's reader, which keeps the version it last saw.
    reader: RefCell<Option<PolicyReader>>,
    /// Answers preflights before the inner service runs: a route's layer always; a default
    /// layer when no CORS layer was built inside it, so no route policy could answer instead.
    answers_first: bool,
    /// Whether a default layer was built around this one (known once the application is).
    has_outer: Rc<Cell<bool>>,
    /// Whether this layer has served a request yet.
    serving: Cell<bool>,
}

impl<S> CorsMiddleware<S> {
    pub(crate) fn new(service: S, shared: Arc<Shared>, nesting: Nesting) -> Self {
        let reader = shared.policy.handle().map(PolicyHandle::reader);
        CorsMiddleware {
            answers_first: shared.role == Role::Route || !nesting.has_inner,
            has_outer: nesting.has_outer,
            service,
            shared,
            reader: RefCell::new(reader),
            serving: Cell::new(false),
        }
    }
}

impl<S, B> CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    /// A default layer with CORS layers inside, one of which may answer: it decides only if
    /// none does, from copies of the request's CORS headers, with the version of the policy in
    /// force now.
    #[inline(never)]
    fn forward_undecided(&self, req: ServiceRequest, has_outer: bool) -> CorsFuture<S::Future, B> {
        let pinned = self.reader.borrow_mut().as_mut().map(PolicyReader::current);
        let captured = self.shared.with_policy(pinned.as_ref(), |policy| {
            let (view, reuse) = request::read(req.method(), req.headers(), policy);
            Captured::new(req.method(), &view, reuse)
        });
        let pending = Pending::Later {
            captured,
            pinned,
            path: crate::outcome::debug_enabled().then(|| req.path().to_owned()),
        };
        CorsFuture::forwarded(State::forwarded(
            self.service.call(req),
            pending,
            Arc::clone(&self.shared),
            has_outer,
        ))
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
        if !self.serving.replace(true) {
            crate::cors::serving_started();
        }
        let has_outer = self.has_outer.get();
        if !self.answers_first {
            return self.forward_undecided(req, has_outer);
        }
        let shared = &self.shared;
        // Decided now, from the request as it arrives, with the policy in force now: one
        // decision per layer and request.
        let path = || crate::outcome::debug_enabled().then(|| req.path().to_owned());
        let mut reader = self.reader.borrow_mut();
        let current;
        let policy: &Policy = match reader.as_mut() {
            Some(reader) => reader.load(),
            None => {
                current = shared.load();
                &current
            }
        };
        let (view, reuse) = request::read(req.method(), req.headers(), policy);
        let decision = policy.decide(&view);
        // A route's policy answers its preflights itself, before anything inside runs; so does
        // a default policy with no CORS layer inside it.
        if let Some(answer) =
            crate::outcome::answer_preflight(shared, &decision, req.method(), reuse, path, || {
                crate::request::requested_method(req.headers())
            })
        {
            let response = req.into_response(answer.map_into_right_body());
            crate::outcome::mark_applied(response.request(), has_outer);
            return CorsFuture::answered(response);
        }
        let outcome = Outcome::new(shared, &decision, req.method(), reuse, path);
        drop(reader);
        CorsFuture::forwarded(State::forwarded(
            self.service.call(req),
            Pending::Decided(outcome),
            Arc::clone(shared),
            has_outer,
        ))
    }
}
