//! How the default layer and the route policies inside it tell each other what they did,
//! through the method of a forwarded preflight and the extensions of the request and of the
//! response: explicit data on each request, never state kept between requests or while the
//! application is built. A small value each; axum gives every request it routes an extension
//! map anyway (its path parameters).

use std::sync::Arc;

use cors_shared::WriteProtection;
use http::{Method, Request, Response};

/// What a default layer outside said about a request it forwards to the route policies inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outside {
    pub(crate) kind: Kind,
}

/// On a request: a default layer outside forwards it as an ordinary request, and the
/// application has no write protection. Marks carry no data, so that leaving one on a request
/// allocates nothing.
#[derive(Clone, Copy, Debug)]
struct RequestMark;

/// On a request a default layer outside forwards, instead of [`RequestMark`], when the
/// application has write protection (which route policies that do not say inherit): one
/// lookup tells a route policy both that a default layer is outside and whether it protects.
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) struct AppProtection(pub(crate) Arc<WriteProtection>);

/// Write protection off, with no public origins: what applies without a default layer, or
/// when the application leaves it off.
pub(crate) static OFF: WriteProtection = WriteProtection::off();

/// The application's write protection that the default layer outside left on `request`.
#[inline]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn app_protection<B>(request: &Request<B>) -> Option<Arc<WriteProtection>> {
    request
        .extensions()
        .get::<AppProtection>()
        .map(|p| Arc::clone(&p.0))
}

/// What a default layer outside forwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An ordinary request (not a preflight), `protected` when the application has write
    /// protection, which the request then carries ([`app_protection`]).
    Request { protected: bool },
    /// A preflight (its method was `OPTIONS`), sent on with the private method
    /// [`forwarded_method`] so that axum routes it to no handler: a route policy answers it,
    /// and anything else leaves it to the default layer.
    Preflight,
}

/// The method a forwarded preflight carries inside the default layer, which is its mark. An
/// extension method no handler is registered for: axum's `MethodRouter` sends it to its
/// fallback (the 405 that a route policy wraps), never to a `get`, `options`, ... handler.
const FORWARDED_METHOD: &str = "CORS-PREFLIGHT";

/// [`FORWARDED_METHOD`] as a `Method`.
pub(crate) fn forwarded_method() -> Method {
    // Short enough to be stored inline in `Method`, so cloning it does not allocate.
    Method::from_bytes(FORWARDED_METHOD.as_bytes()).unwrap_or(Method::OPTIONS)
}

/// What the default layer outside said about `request`, if one forwards to it; a forwarded
/// preflight gets its `OPTIONS` back, so that it is decided as the browser sent it. A request
/// that arrives with the method `CORS-PREFLIGHT` from elsewhere is taken for `OPTIONS` as
/// well: it is then decided as the `OPTIONS` request it names, and never reaches a handler
/// under a method no handler expects.
#[inline]
pub(crate) fn outside<B>(request: &mut Request<B>) -> Option<Outside> {
    if request.method().as_str() == FORWARDED_METHOD {
        *request.method_mut() = Method::OPTIONS;
        return Some(Outside {
            kind: Kind::Preflight,
        });
    }
    let extensions = request.extensions();
    let protected = if extensions.get::<RequestMark>().is_some() {
        false
    } else if extensions.get::<AppProtection>().is_some() {
        true
    } else {
        return None;
    };
    Some(Outside {
        kind: Kind::Request { protected },
    })
}

/// Marks an ordinary `request` for the policies inside the default layer, with the
/// application's write `protection` if it has one.
#[inline]
pub(crate) fn mark<B>(request: &mut Request<B>, protection: Option<&Arc<WriteProtection>>) {
    match protection {
        None => {
            request.extensions_mut().insert(RequestMark);
        }
        Some(protection) => protect(request, protection),
    }
}

/// Marks a preflight for the route policies inside the default layer: it goes on with the
/// method [`FORWARDED_METHOD`], which is its mark (write protection never judges a preflight,
/// so the application's goes with it only on ordinary requests).
#[inline]
pub(crate) fn forward_preflight<B>(request: &mut Request<B>, forwarded: &Method) {
    *request.method_mut() = forwarded.clone();
}

/// Marks `request` with the application's write protection ([`AppProtection`]).
#[cold]
fn protect<B>(request: &mut Request<B>, protection: &Arc<WriteProtection>) {
    request
        .extensions_mut()
        .insert(AppProtection(Arc::clone(protection)));
}

/// On a response: a route policy wrote its headers (or answered the preflight), so the default
/// layer leaves the response alone.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteApplied;

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
