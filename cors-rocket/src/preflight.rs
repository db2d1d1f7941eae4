//! Answering preflights without running any handler.
//!
//! The fairing mounts one OPTIONS route on `/<_..>` at the highest rank Rocket has, so every
//! OPTIONS route the application declares is tried first. Its handler takes preflights only
//! (anything else is forwarded, and ends as it would have without the fairing) with an empty
//! 204, which the fairing's `on_response` turns into the answer ([`answer`]). The policy is that
//! of the route Rocket would run for the *actual* request the preflight announces (the method
//! of `Access-Control-Request-Method` on the same path), as the [routing
//! table](crate::routing) finds it: that route's `#[cors]` policy, or the default policy when
//! it has none or no route would run.
//!
//! One route with a table ordered per method follows Rocket's routing exactly; one generated
//! route per path could not, since Rocket would try those routes in the order of their own
//! ranks, not in the order of the routes of the announced method.

use cors_shared::HeaderLines;
use rocket::http::{Method, Status};
use rocket::route::{Handler, Outcome};
use rocket::{Data, Request, Response, Route};

use crate::headers;
use crate::logging;
use crate::runtime::Runtime;

/// The rank of the generated route: tried after every route of the application.
pub(crate) const RANK: isize = isize::MAX;
/// The name of the generated route, as Rocket lists it.
pub(crate) const NAME: &str = "cors_rocket::preflight";

/// Whether the generated route took this request: it takes the preflights that reach it with
/// an empty 204, whose headers and final status the fairing writes after every fairing attached
/// before it (Rocket's `Shield` included) has run, and forwards everything else with 404 (which
/// a catcher or another route then answers).
pub(crate) fn answered(request: &Request<'_>, response: &Response<'_>) -> bool {
    request
        .route()
        .is_some_and(|r| r.name.as_deref() == Some(NAME))
        && response.status() == Status::NoContent
}

/// Answers a preflight that the generated route took: the policy of the route that would serve
/// the announced method on this path, else the default policy, decides once, which gives both
/// the status (204 or 403) and the headers, so they agree even while the policy's runtime set
/// or a reloadable default policy changes.
pub(crate) fn answer<'r>(
    runtime: &'r Runtime,
    request: &'r Request<'_>,
    response: &mut Response<'r>,
) {
    let view = headers::view(request);
    let requested = match view.request_method {
        HeaderLines::One(method) => Some(method),
        _ => None,
    };
    let (policy, label) = runtime.preflight_policy(requested, request);
    let status = runtime.decide_and_write(request, view, policy, label, response);
    let status = status.map_or(Status::Forbidden, Status::new);
    response.set_status(status);
    if logging::debug_enabled() {
        logging::generated_answer(request, &runtime.routing, requested, label, status);
    }
}

/// The handler of the generated route.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Preflight;

#[rocket::async_trait]
impl Handler for Preflight {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        if !headers::is_preflight(request) {
            return Outcome::Forward((data, Status::NotFound));
        }
        // Decided in the fairing's `on_response`: the answer carries no header yet while the
        // fairings attached before it look at it, as an empty 204 of the application would.
        let mut response = Response::new();
        response.set_status(Status::NoContent);
        Outcome::Success(response)
    }
}

/// The generated route.
pub(crate) fn route() -> Route {
    let mut route = Route::ranked(RANK, Method::Options, "/<_..>", Preflight);
    route.name = Some(NAME.into());
    route
}
