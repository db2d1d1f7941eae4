//! How the default layer and the route policies inside it tell each other what they did,
//! through the extensions of the request and of the response. A zero-sized value each; axum
//! gives every request it routes an extension map anyway (the matched path).

use http::{Request, Response};

/// On a request: a default layer that forwards preflights is outside.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DefaultOutside;

/// On a response: a route policy wrote its headers (or answered the preflight), so the default
/// layer leaves the response alone.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteApplied;

/// Marks `request` for the route policies inside, when the default layer has some.
#[inline]
pub(crate) fn default_outside<B>(mut request: Request<B>, has_routes: bool) -> Request<B> {
    if has_routes {
        request.extensions_mut().insert(DefaultOutside);
    }
    request
}

/// Whether a route policy answered the response.
#[inline]
pub(crate) fn route_applied<B>(response: &Response<B>) -> bool {
    response.extensions().get::<RouteApplied>().is_some()
}

/// Marks the response as answered by a route policy.
#[inline]
pub(crate) fn route_applied_to<B>(response: &mut Response<B>) {
    response.extensions_mut().insert(RouteApplied);
}
