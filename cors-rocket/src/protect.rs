//! Write protection before the handler: refusing a cross-site write or WebSocket handshake
//! before Rocket routes it.
//!
//! A fairing's `on_request` cannot answer a request, and a request guard only runs on the
//! routes that declare it. So when write protection may apply anywhere, the fairing mounts one
//! more route, at the lowest rank Rocket has (tried before every route of the application), and
//! attaches a request fairing ([`Guard`]) that runs after every other one. The guard decides
//! each request that is not safe (or is a handshake) with the policy of the route Rocket would
//! run for its method and path (the one the preflight of that request is answered by). A refused
//! request is marked and rewritten to `GET` [`PATH`], so Rocket routes it to the refusal route,
//! which answers 403 with [`WRITE_REFUSED_BODY`](cors_shared::WRITE_REFUSED_BODY): no handler of the application runs, whatever
//! route the request was meant for, `#[cors]` or not. Any other request to [`PATH`] is forwarded
//! by that route, as if it were not mounted.

use cors_shared::{CorsHeaders, Decision, Vary};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::{Method, Status};
use rocket::route::{Handler, Outcome};
use rocket::{Data, Request, Response, Route};

use crate::headers;
use crate::logging;
use crate::runtime::{self, Runtime};

/// The path a refused request is rewritten to.
pub(crate) const PATH: &str = "/__cors_rocket/write-refused";
/// The rank of the refusal route: tried before every route of the application.
const RANK: isize = isize::MIN;
/// The name of the refusal route, as Rocket lists it.
pub(crate) const NAME: &str = "cors_rocket::write_refused";

/// The mark a refused request carries in its local cache: the `Vary` of the decision, which the
/// fairing writes on the refusal. Unmarked requests hold `None`.
struct Refused(Option<Vary>);

/// The `Vary` of the refusal, when this request is one write protection refused.
pub(crate) fn refused_vary(request: &Request<'_>) -> Option<Vary> {
    request
        .route()
        .is_some_and(|r| r.name.as_deref() == Some(NAME))
        .then(|| request.local_cache(|| Refused(None)).0)
        .flatten()
}

/// Writes the headers of a refusal: only its `Vary`.
pub(crate) fn write_refusal<'r>(vary: Vary, response: &mut Response<'r>) {
    headers::write(
        &CorsHeaders {
            vary,
            ..CorsHeaders::default()
        },
        response,
    );
}

/// Whether write protection could refuse this request at all: a method other than `GET`,
/// `HEAD` and `OPTIONS`, or a `GET` with an `Upgrade` (a WebSocket handshake, as the core
/// decides).
fn may_refuse(request: &Request<'_>) -> bool {
    match request.method() {
        Method::Head | Method::Options => false,
        Method::Get => request.headers().contains(cors_shared::header::UPGRADE),
        _ => true,
    }
}

/// The request fairing that refuses cross-site writes before routing; attached by the `Cors`
/// fairing at ignite when a policy may protect writes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Guard;

#[rocket::async_trait]
impl Fairing for Guard {
    fn info(&self) -> Info {
        Info {
            name: "CORS write protection",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut Data<'_>) {
        if !may_refuse(request) {
            return;
        }
        let Some(runtime) = request.rocket().state::<Runtime>() else {
            return;
        };
        let Some(vary) = decide(runtime, request) else {
            return;
        };
        request.local_cache(|| Refused(Some(vary)));
        request.set_method(Method::Get);
        request.set_uri(Origin::const_new(PATH, None));
    }
}

/// Decides `request` before routing, and logs a refusal: the `Vary` of the refusal when write
/// protection refuses it.
pub(crate) fn decide(runtime: &Runtime, request: &Request<'_>) -> Option<Vary> {
    let method = request.method().as_str().as_bytes();
    let (policy, label) = runtime.preflight_policy(Some(method), request);
    if !runtime.protects(policy) {
        return None;
    }
    let view = headers::with_protection(headers::view(request), request);
    let decision = policy.decide_with(&view, runtime.protection());
    let Decision::WriteRefused(reason, headers) = decision else {
        return None;
    };
    logging::refusal(request, label, &reason);
    Some(headers.vary)
}

/// The handler of the refusal route.
#[derive(Clone, Copy, Debug)]
struct Refusal;

#[rocket::async_trait]
impl Handler for Refusal {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        if request.local_cache(|| Refused(None)).0.is_none() {
            return Outcome::Forward((data, Status::NotFound));
        }
        let mut response = Response::new();
        runtime::answer_refused(&mut response);
        Outcome::Success(response)
    }
}

/// The refusal route.
pub(crate) fn route() -> Route {
    let mut route = Route::ranked(RANK, Method::Get, PATH, Refusal);
    route.name = Some(NAME.into());
    route
}
