//! Reading the CORS request headers from Rocket and writing a decision's headers back.

use std::borrow::Cow;

use cors_shared::{
    header, merge_vary_lines, CorsHeader, CorsHeaders, HeaderLines, RequestView, VaryUpdate,
};
use rocket::http::{Header, Method};
use rocket::{Request, Response};

/// The parts of a Rocket request that CORS looks at, read in one pass over its headers (a
/// lookup by name hashes the name, byte by byte; the few names here are compared instead). The
/// preflight-only headers are read for `OPTIONS` only, and
/// `Access-Control-Request-Private-Network` is kept only for a policy that answers it
/// ([`for_policy`]).
///
/// Rocket drops header lines that are not valid UTF-8 before any fairing sees the request, so
/// such an `Origin` line counts as absent here.
pub(crate) fn view<'r>(request: &'r Request<'_>) -> RequestView<'r> {
    let method = request.method();
    let mut view = RequestView::new(method.as_str().as_bytes());
    let options = method == Method::Options;
    for h in request.headers().iter() {
        // Values come borrowed from the request's header map.
        let Cow::Borrowed(value) = h.value else {
            continue;
        };
        let name = h.name.as_str();
        let lines = if name.eq_ignore_ascii_case(header::ORIGIN) {
            &mut view.origin
        } else if !options {
            continue;
        } else if name.eq_ignore_ascii_case(header::REQUEST_METHOD) {
            &mut view.request_method
        } else if name.eq_ignore_ascii_case(header::REQUEST_HEADERS) {
            &mut view.request_headers
        } else if name.eq_ignore_ascii_case(header::REQUEST_PRIVATE_NETWORK) {
            &mut view.request_private_network
        } else {
            continue;
        };
        *lines = lines.and(value.as_bytes());
    }
    view
}

/// `view` with the lines write protection reads besides `Origin` (`Sec-Fetch-Site`, `Host`,
/// `Upgrade`), read in one more pass over the headers: only for a policy that protects writes.
///
/// `Host` is the line the client sent, never `X-Forwarded-Host`. Over HTTP/2 a request has no
/// `Host` line; its `:authority`, which Rocket keeps as the request's host, is used instead.
pub(crate) fn with_protection<'r>(
    mut view: RequestView<'r>,
    request: &'r Request<'_>,
) -> RequestView<'r> {
    let [site, host, upgrade] = cors_shared::PROTECTION_REQUEST_HEADERS;
    for h in request.headers().iter() {
        let Cow::Borrowed(value) = h.value else {
            continue;
        };
        let name = h.name.as_str();
        let lines = if name.eq_ignore_ascii_case(site) {
            &mut view.sec_fetch_site
        } else if name.eq_ignore_ascii_case(host) {
            &mut view.host
        } else if name.eq_ignore_ascii_case(upgrade) {
            &mut view.upgrade
        } else {
            continue;
        };
        *lines = lines.and(value.as_bytes());
    }
    if view.host == HeaderLines::Absent {
        if let Some(authority) = request.host() {
            let text = request.local_cache(|| Authority(authority.to_string()));
            view.host = HeaderLines::One(text.0.as_bytes());
        }
    }
    view
}

/// The request's `:authority` as `host[:port]`, for a request without a `Host` line.
struct Authority(String);

/// Whether the request is a preflight, by the core's test, from one pass over the headers that
/// stops once `Origin` and `Access-Control-Request-Method` are both seen.
pub(crate) fn is_preflight(request: &Request<'_>) -> bool {
    let (mut origin, mut request_method) = (false, false);
    for h in request.headers().iter() {
        let name = h.name.as_str();
        origin |= name.eq_ignore_ascii_case(header::ORIGIN);
        request_method |= name.eq_ignore_ascii_case(header::REQUEST_METHOD);
        if origin && request_method {
            break;
        }
    }
    cors_shared::is_preflight(request.method().as_str().as_bytes(), origin, request_method)
}

/// What writing a decision must mind on a response, from one scan of its header names: whether
/// it has `Vary` lines to merge, and whether a handler or a fairing before this one wrote a CORS
/// header an actual response may carry (the core's `CorsHeader`s that are not preflight-only),
/// ([`CorsHeader::ON_ACTUAL`]), which the decision replaces. A scan that compares lengths, then names, costs less than
/// lookups, which hash each name byte by byte.
fn scan(response: &Response<'_>) -> (bool, Option<CorsHeader>) {
    let headers = response.headers();
    let mut vary = false;
    let mut inside = None;
    // Told apart by length first: most names have none of these four lengths.
    for h in headers.iter() {
        let name = h.name.as_str();
        match name.len() {
            VARY_LEN => vary |= name.eq_ignore_ascii_case(header::VARY),
            ALLOW_ORIGIN_LEN | ALLOW_CREDENTIALS_LEN | EXPOSE_HEADERS_LEN => {
                inside = inside.or_else(|| {
                    CorsHeader::ON_ACTUAL
                        .into_iter()
                        .find(|c| name.eq_ignore_ascii_case(c.name()))
                });
            }
            _ => {}
        }
    }
    (vary, inside)
}

const VARY_LEN: usize = header::VARY.len();
const ALLOW_ORIGIN_LEN: usize = header::ALLOW_ORIGIN.len();
const ALLOW_CREDENTIALS_LEN: usize = header::ALLOW_CREDENTIALS.len();
const EXPOSE_HEADERS_LEN: usize = header::EXPOSE_HEADERS.len();

/// Removes the CORS headers a handler or a fairing before this one wrote (an
/// `Access-Control-Allow-Origin` that echoes any origin, a stray
/// `Access-Control-Allow-Credentials: true`), so that whoever may read is the policy's decision
/// alone; the first time this happens it is logged with the fix.
#[cold]
#[inline(never)]
fn remove_inside(found: CorsHeader, response: &mut Response<'_>) {
    crate::logging::written_inside(found.name());
    for h in CorsHeader::ON_ACTUAL {
        response.remove_header(h.name());
    }
}

/// The view `policy` decides on: `Access-Control-Request-Private-Network` only for a policy
/// that answers private network access (no other policy reads it).
pub(crate) fn for_policy<'r>(
    mut view: RequestView<'r>,
    policy: &cors_shared::Policy,
) -> RequestView<'r> {
    if !(policy.answers_private_network() && view.is_preflight()) {
        view.request_private_network = HeaderLines::Absent;
    }
    view
}

/// Sets the headers of a decision on a response, once the CORS headers written before are
/// removed ([`scan`]): each CORS header replaces any earlier value,
/// and `Vary` is merged with what the response already has into one line. Values borrow from
/// the policy and the request, so nothing is copied unless an existing `Vary` must change.
///
/// The only place this crate writes CORS headers: every field of [`CorsHeaders`] is named
/// below, so a header the core adds does not compile here until it is written.
pub(crate) fn write<'r>(cors: &CorsHeaders<'r>, response: &mut Response<'r>) {
    let CorsHeaders {
        allow_origin,
        // Rocket's header values borrow the request's origin: nothing prepared to pick.
        fixed_origin: _,
        allow_credentials,
        allow_methods,
        allow_headers,
        allow_private_network,
        max_age,
        expose_headers,
        vary,
    } = *cors;
    // `Vary` is read before the CORS headers are set, while the response has fewer headers; CORS
    // headers written before are removed first, so that the decision alone says who may read.
    let (look, inside) = scan(response);
    if let Some(found) = inside {
        remove_inside(found, response);
    }
    let update = merge_vary_lines(
        || {
            look.then(|| response.headers().get(header::VARY))
                .into_iter()
                .flatten()
                .map(str::as_bytes)
        },
        vary,
    );
    // In the core's order (`CorsHeader::ALL`); the two flags have one value.
    let flag = |on: bool| on.then_some("true");
    let values = [
        (CorsHeader::AllowOrigin, allow_origin),
        (CorsHeader::AllowCredentials, flag(allow_credentials)),
        (CorsHeader::AllowMethods, allow_methods),
        (CorsHeader::AllowHeaders, allow_headers),
        (CorsHeader::AllowPrivateNetwork, flag(allow_private_network)),
        (CorsHeader::MaxAge, max_age),
        (CorsHeader::ExposeHeaders, expose_headers),
    ];
    for (name, value) in values {
        if let Some(value) = value {
            response.set_header(Header::new(name.name(), value));
        }
    }
    let VaryUpdate::Set(value) = update else {
        return;
    };
    // The merged value is made of the existing (UTF-8) lines and the core's ASCII tokens.
    let value: Cow<'static, str> = match value {
        Cow::Borrowed(bytes) if std::ptr::eq(bytes, vary.value().as_bytes()) => {
            Cow::Borrowed(vary.value())
        }
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
