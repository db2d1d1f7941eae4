//! Reading the CORS request headers from Rocket and writing a decision's headers back.

use std::borrow::Cow;

use cors_shared::{header, merge_vary_lines, CorsHeaders, HeaderLines, RequestView, VaryUpdate};
use rocket::http::{Header, Method};
use rocket::{Request, Response};

fn lines<'r>(request: &'r Request<'_>, name: &str) -> HeaderLines<'r> {
    HeaderLines::from_values(request.headers().get(name).map(str::as_bytes))
}

/// The parts of a Rocket request that CORS looks at.
///
/// Rocket drops header lines that are not valid UTF-8 before any fairing sees the request, so
/// such an `Origin` line counts as absent here.
pub(crate) fn view<'r>(request: &'r Request<'_>) -> RequestView<'r> {
    let method = request.method();
    let mut view = RequestView::new(method.as_str().as_bytes());
    view.origin = lines(request, header::ORIGIN);
    // Only a preflight (OPTIONS) is decided on the others; skip the lookups otherwise.
    if method == Method::Options && view.origin != HeaderLines::Absent {
        view.request_method = lines(request, header::REQUEST_METHOD);
        view.request_headers = lines(request, header::REQUEST_HEADERS);
    }
    view
}

/// Adds `Access-Control-Request-Private-Network` to a preflight's view, for a policy that
/// answers private network access (no other policy reads it).
pub(crate) fn with_private_network<'r>(
    mut view: RequestView<'r>,
    request: &'r Request<'_>,
    policy: &cors_shared::Policy,
) -> RequestView<'r> {
    if policy.answers_private_network() && view.is_preflight() {
        view.request_private_network = lines(request, header::REQUEST_PRIVATE_NETWORK);
    }
    view
}

/// Sets the headers of a decision on a response: each CORS header replaces any earlier value,
/// and `Vary` is merged with what the response already has into one line. Values borrow from
/// the policy and the request, so nothing is copied unless an existing `Vary` must change.
pub(crate) fn write<'r>(cors: &CorsHeaders<'r>, response: &mut Response<'r>) {
    for (name, value) in cors.iter() {
        response.set_header(Header::new(name, value));
    }
    let update = merge_vary_lines(
        || response.headers().get(header::VARY).map(str::as_bytes),
        cors.vary,
    );
    if let VaryUpdate::Set(value) = update {
        // The merged value is made of the existing (UTF-8) lines and the core's ASCII tokens.
        let value: Cow<'static, str> = match value {
            Cow::Borrowed(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => return,
            },
            Cow::Owned(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Cow::Owned(text),
                Err(_) => return,
            },
        };
        response.set_header(Header::new(header::VARY, value));
    }
}
