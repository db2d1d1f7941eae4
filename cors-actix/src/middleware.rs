//! The hub: where a request's CORS handling starts ([`CorsMiddleware::call`]) and ends (its
//! response future, [`CorsFuture`]). Each step is one call to the file that knows how:
//!
//! 1. the policy version that decides the request ([`Config::policy`]);
//! 2. reading the request ([`request::read`]), and the write protection that applies (the
//!    layer's own or that of the layer outside it) with the lines it reads ([`protection`]);
//! 3. where a CORS layer inside may cover the request, it goes on undecided ([`nesting`]),
//!    unless write protection refuses it and no route policy is at its path;
//! 4. the decision, CORS and write protection in one
//!    ([`Policy::decide_with`](cors_shared::Policy::decide_with)); a refused write is answered
//!    at once ([`protection::answer`]);
//! 5. a preflight is answered at once ([`preflight::answer`], [`log::preflight`]);
//! 6. any other request goes on, marked as covered by this layer ([`nesting::Mark`]), with what
//!    its response needs ([`Verdict`]);
//! 7. when the inner service answers: nothing if a layer inside covered the request (with a
//!    warning, once, when that layer was not declared: [`log::undeclared_nested`]); else the
//!    headers are written ([`headers::write`]) and the refusal logged, a request left undecided
//!    being decided first (a preflight then gets the policy's answer); an error carries all that
//!    with it ([`CorsError`]).

use std::cell::{Cell, OnceCell, RefCell};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpRequest, HttpResponse};
use cors_shared::{
    Decision, Policy, PolicyHandle, PolicyReader, WriteProtection, WRITE_REFUSED_BODY,
};

use crate::config::{Config, Role};
use crate::decision::{Kept, Verdict};
use crate::error::CorsError;
use crate::log::{self, Refused};
use crate::nesting::{self, Mark};
use crate::request::{self, Captured};
use crate::{headers, preflight, protection};

/// The service that [`Cors`](crate::Cors) wraps around an application, scope or resource.
pub struct CorsMiddleware<S: Service<ServiceRequest>> {
    service: S,
    worker: Rc<Worker<S::Future>>,
}

impl<S: Service<ServiceRequest>> fmt::Debug for CorsMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsMiddleware")
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

/// One worker's side of a `Cors`: its configuration, what the worker keeps of it, and the boxes
/// its response futures live in.
struct Worker<F> {
    config: Arc<Config>,
    /// For a reloadable policy: this worker's reader, which keeps the version it last saw.
    reader: Option<RefCell<PolicyReader>>,
    /// This layer's mark on the requests it covers; none for a route's layer, whose resource
    /// carries [`Covered::ROUTE`](crate::nesting::Covered::ROUTE).
    mark: Option<Mark>,
    /// Whether a CORS policy inside this default layer may cover requests, so that they go
    /// through routing undecided (preflights included): known from the configuration, or from
    /// the application's resource map at the first request (it does not change once the
    /// application is built).
    inner_policies: Cell<Option<bool>>,
    /// For a layer without write protection of its own: that of the layers outside it, known at
    /// the first request (the layers around a service do not change once the application is
    /// built).
    inherited: OnceCell<WriteProtection>,
    /// Boxes reused from one request to the next: the response future, which the services
    /// around it move several times, is two pointers, and no request allocates once there are
    /// as many boxes as requests in flight on this worker.
    spare: RefCell<Vec<Pin<Box<Slot<F>>>>>,
    /// Boxes reused likewise for what a request forwarded undecided keeps (the boxes are what
    /// is reused: each moves into the request's `Kept`), apart from the response future's box,
    /// which every request moves, so that the others do not move it too.
    #[allow(clippy::vec_box)]
    spare_captured: RefCell<Vec<Box<Captured>>>,
}

impl<F> fmt::Debug for Worker<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("config", &self.config)
            .field("inner_policies", &self.inner_policies)
            .finish_non_exhaustive()
    }
}

impl<S: Service<ServiceRequest>> CorsMiddleware<S> {
    pub(crate) fn new(service: S, config: Arc<Config>) -> Self {
        let reader = config
            .source
            .handle()
            .map(|handle| RefCell::new(PolicyHandle::reader(handle)));
        let (mark, inner_policies) = match config.role {
            Role::Route => (None, Some(false)),
            Role::Default => (
                Some(Mark::new(
                    Arc::as_ptr(&config) as usize,
                    config.protection.as_ref(),
                )),
                config.nested.then_some(true),
            ),
        };
        CorsMiddleware {
            service,
            worker: Rc::new(Worker {
                config,
                reader,
                mark,
                inner_policies: Cell::new(inner_policies),
                inherited: OnceCell::new(),
                spare: RefCell::new(Vec::new()),
                spare_captured: RefCell::new(Vec::new()),
            }),
        }
    }
}

impl<F> Worker<F> {
    /// The version of a reloadable policy that decides the request from start to end.
    #[inline]
    fn pin(&self) -> Option<Arc<Policy>> {
        self.reader
            .as_ref()
            .map(|reader| reader.borrow_mut().current())
    }

    /// Whether a CORS policy inside may cover the request `req`, which this layer then decides
    /// only if none did.
    #[inline]
    fn lets_inner_answer(&self, req: &HttpRequest) -> bool {
        match self.inner_policies.get() {
            Some(known) => known,
            None => {
                let found = nesting::has_route_policies(req);
                self.inner_policies.set(Some(found));
                found
            }
        }
    }

    /// The write protection that applies to the requests of this layer: its own, else that of
    /// the default layer outside it (read from `req` the first time), else off.
    #[inline]
    fn protection(&self, req: &HttpRequest) -> &WriteProtection {
        match &self.config.protection {
            Some(own) => own,
            None => self
                .inherited
                .get_or_init(|| protection::inherited(req).cloned().unwrap_or_default()),
        }
    }

    #[inline]
    fn mark(&self, req: &mut ServiceRequest) {
        if let Some(mark) = &self.mark {
            mark.put(req);
        }
    }

    #[inline]
    fn covered_inside(&self, req: &HttpRequest) -> bool {
        match &self.mark {
            Some(mark) => mark.covered_inside(req),
            // A route's layer is the outermost of its resource: nothing inside covers.
            None => false,
        }
    }
}

impl<F> Worker<F> {
    /// A box holding `slot`: a spare one if there is one.
    #[inline(always)]
    fn slot(&self, slot: Slot<F>) -> Pin<Box<Slot<F>>> {
        match self.spare.borrow_mut().pop() {
            Some(mut spare) => {
                spare.as_mut().set(slot);
                spare
            }
            None => Box::pin(slot),
        }
    }

    /// A box for what a request forwarded undecided keeps, filled by `fill`: a spare one if
    /// there is one.
    #[inline(always)]
    fn captured(&self, fill: impl FnOnce(&mut Captured)) -> Box<Captured> {
        let mut captured = self.spare_captured.borrow_mut().pop().unwrap_or_default();
        fill(&mut captured);
        captured
    }

    /// Empties a box and keeps it for the next request, with the box of what the request kept
    /// undecided, if any, emptied too (no request's values outlive it).
    #[inline(always)]
    fn give_back(&self, mut slot: Pin<Box<Slot<F>>>) {
        if let SlotProj::Forwarded { kept, .. } = slot.as_mut().project() {
            if let Some(Kept::Undecided(mut captured, _)) = kept.take() {
                captured.clear();
                self.spare_captured.borrow_mut().push(captured);
            }
        }
        slot.as_mut().set(Slot::Empty);
        self.spare.borrow_mut().push(slot);
    }
}

/// The path, for the log, when the log can be written.
fn path_for_log(req: &ServiceRequest) -> Option<String> {
    log::debug_enabled().then(|| req.path().to_owned())
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

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let layer = &*self.worker;
        let config = &*layer.config;
        let pinned = layer.pin();
        let policy = config.policy(pinned.as_ref());
        let protection = layer.protection(req.request());
        let protects = policy.protects_writes(protection);
        // With a CORS policy inside that may cover the request, it is decided only if none did;
        // but a write this policy refuses is refused before routing, unless a route policy may
        // decide it.
        if layer.lets_inner_answer(req.request()) {
            let (write_refused, mut captured) = if protects {
                let (mut view, reuse) = request::read(req.method(), req.headers(), &policy);
                protection::read(&mut view, req.head());
                let write_refused = match policy.decide_with(&view, protection) {
                    Decision::WriteRefused(reason, _) => Some(Refused::keep(
                        Some(&reason),
                        req.method(),
                        || path_for_log(&req),
                        config.role,
                    )),
                    _ => None,
                };
                let captured = layer.captured(|c| *c = Captured::keep(req.method(), &view, reuse));
                (write_refused, captured)
            } else {
                // Nothing to decide before routing: the lines go straight into what is kept.
                let captured =
                    layer.captured(|c| c.read_into(req.method(), req.headers(), &policy));
                (None, captured)
            };
            if write_refused.is_none() || nesting::route_policy_at(req.request()) {
                captured.write_refused = write_refused;
                drop(policy);
                layer.mark(&mut req);
                let kept = Kept::Undecided(captured, pinned);
                return self.forward(req, kept);
            }
        }
        let (mut view, reuse) = request::read(req.method(), req.headers(), &policy);
        if protects {
            protection::read(&mut view, req.head());
        }
        let decision = policy.decide_with(&view, protection);
        if let Decision::WriteRefused(reason, cors) = &decision {
            log::refused_now(reason, req.method(), req.path(), config.role);
            let answer = protection::answer(cors, reuse, &config.prepared);
            drop(policy);
            layer.mark(&mut req);
            let (request, _) = req.into_parts();
            let answer = Some((request, answer, WRITE_REFUSED_BODY));
            return CorsFuture::new(&self.worker, Slot::Answered { answer });
        }
        if let Some(status) = preflight::status(&decision) {
            let answer = preflight::answer(status, &decision, reuse, &config.prepared);
            if log::debug_enabled() {
                let requested = request::requested_method(req.headers());
                log::preflight(
                    config,
                    decision.refusal(),
                    status,
                    Some(req.path()),
                    requested,
                );
            }
            drop(policy);
            layer.mark(&mut req);
            let (request, _) = req.into_parts();
            let answer = Some((request, answer.drop_body(), ""));
            return CorsFuture::new(&self.worker, Slot::Answered { answer });
        }
        let refused = Refused::keep(
            decision.refusal(),
            req.method(),
            || path_for_log(&req),
            config.role,
        );
        let verdict = Verdict::keep(&decision, reuse, &config.prepared, refused);
        drop(policy);
        layer.mark(&mut req);
        let kept = Kept::Decided(verdict, pinned);
        self.forward(req, kept)
    }
}

impl<S, B> CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    /// Hands the request to the inner service; `kept` waits for its response.
    #[inline(always)]
    fn forward(&self, req: ServiceRequest, kept: Kept) -> CorsFuture<S::Future, B> {
        let slot = Slot::Forwarded {
            inner: self.service.call(req),
            kept: Some(kept),
        };
        CorsFuture::new(&self.worker, slot)
    }
}

pin_project_lite::pin_project! {
    /// What a response future holds, in a box of its worker's.
    #[project = SlotProj]
    enum Slot<F> {
        // Between two requests.
        Empty,
        // A preflight or a refused write answered without calling the inner service: the
        // request, the answer's head and its body, added when it is taken.
        Answered { answer: Option<(HttpRequest, HttpResponse<()>, &'static str)> },
        // A request handed to the inner service.
        Forwarded {
            #[pin]
            inner: F,
            kept: Option<Kept>,
        },
    }
}

/// The response future of [`CorsMiddleware`].
pub struct CorsFuture<F, B> {
    slot: Option<Pin<Box<Slot<F>>>>,
    worker: Rc<Worker<F>>,
    body: PhantomData<fn() -> B>,
}

impl<F, B> fmt::Debug for CorsFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsFuture").finish_non_exhaustive()
    }
}

impl<F, B> CorsFuture<F, B> {
    #[inline(always)]
    fn new(worker: &Rc<Worker<F>>, slot: Slot<F>) -> Self {
        CorsFuture {
            slot: Some(worker.slot(slot)),
            worker: Rc::clone(worker),
            body: PhantomData,
        }
    }
}

impl<F, B> Future for CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(slot) = this.slot.as_mut() else {
            return Poll::Ready(Err(polled_twice()));
        };
        let layer = &*this.worker;
        let output = match slot.as_mut().project() {
            SlotProj::Empty => Err(polled_twice()),
            SlotProj::Answered { answer } => match answer.take() {
                Some((request, answer, body)) => Ok(ServiceResponse::new(
                    request,
                    answer.set_body(EitherBody::right(answer_body(body))),
                )),
                None => Err(polled_twice()),
            },
            SlotProj::Forwarded { inner, kept } => match (ready!(inner.poll(cx)), kept.as_ref()) {
                (Ok(mut response), Some(k)) => match finish(layer, k, &mut response) {
                    None => Ok(response.map_into_left_body()),
                    Some(answer) => {
                        let (request, _) = response.into_parts();
                        Ok(ServiceResponse::new(request, answer.map_into_right_body()))
                    }
                },
                (Ok(response), None) => Ok(response.map_into_left_body()),
                (Err(error), _) => match kept.take() {
                    Some(k) => Err(CorsError::wrap(&layer.config, k, error)),
                    None => Err(error),
                },
            },
        };
        if let Some(slot) = this.slot.take() {
            this.worker.give_back(slot);
        }
        Poll::Ready(output)
    }
}

/// The end of a forwarded request: this layer's headers on the inner service's response, unless
/// a layer inside covered the request; or this (default) policy's answer to a preflight that no
/// layer inside answered.
#[inline]
fn finish<F, B>(
    layer: &Worker<F>,
    kept: &Kept,
    response: &mut ServiceResponse<B>,
) -> Option<HttpResponse> {
    let config = &*layer.config;
    if layer.covered_inside(response.request()) {
        if layer.inner_policies.get() == Some(false) {
            let request = response.request();
            log::undeclared_nested(config, request.method(), request.path());
        }
        return None;
    }
    let policy = config.policy(kept.pinned());
    match kept {
        Kept::Decided(verdict, _) => {
            verdict.log();
            let (cors, request) = verdict.headers(&policy);
            headers::write(&cors, request, &config.prepared, response.headers_mut());
            None
        }
        Kept::Undecided(captured, _) => decide_later(config, &policy, captured, response),
    }
}

/// [`finish`] for a request that went through routing and that no layer inside covered.
#[inline(never)]
fn decide_later<B>(
    config: &Config,
    policy: &Policy,
    captured: &Captured,
    response: &mut ServiceResponse<B>,
) -> Option<HttpResponse> {
    if let Some(refused) = &captured.write_refused {
        // Routing found a route policy at the path, but none covered the request.
        if let Some(refused) = refused {
            refused.log();
        }
        return Some(captured.write_refusal(&config.prepared));
    }
    let (view, reuse) = captured.read();
    let decision = policy.decide(&view);
    let Some(status) = preflight::status(&decision) else {
        let path = || Some(response.request().path().to_owned());
        if let Some(refused) =
            Refused::keep(decision.refusal(), captured.method(), path, config.role)
        {
            refused.log();
        }
        headers::write(
            decision.headers(),
            reuse,
            &config.prepared,
            response.headers_mut(),
        );
        return None;
    };
    if log::debug_enabled() {
        log::preflight(
            config,
            decision.refusal(),
            status,
            Some(response.request().path()),
            captured.requested_method(),
        );
    }
    Some(preflight::answer(
        status,
        &decision,
        reuse,
        &config.prepared,
    ))
}

/// The body of an answer: none for a preflight, one line for a refused write.
#[inline]
fn answer_body(body: &'static str) -> BoxBody {
    if body.is_empty() {
        BoxBody::new(())
    } else {
        BoxBody::new(body)
    }
}

fn polled_twice() -> Error {
    actix_web::error::ErrorInternalServerError("CORS response future polled after completion")
}
