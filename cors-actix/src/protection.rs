//! Write protection: which [`WriteProtection`] applies to a request (the layer's own, or the
//! one of the default layer outside it, carried in the request's app data), the request lines it
//! reads, and the answer to a refused write.

use actix_web::dev::RequestHead;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use cors_shared::{HeaderLines, RequestView, WriteProtection, PROTECTION_REQUEST_HEADERS};

use crate::headers::{self, Prepared};
use crate::request::Reuse;

/// A default layer's [`WriteProtection`], in the app data it adds to the requests it covers:
/// the route policies and the `Cors` of scopes inside it that say nothing of their own apply it.
#[derive(Debug)]
pub(crate) struct FromOutside(pub(crate) WriteProtection);

/// The write protection a layer without its own setting inherits from the layers outside it,
/// if one has it.
#[inline]
pub(crate) fn inherited(req: &HttpRequest) -> Option<&WriteProtection> {
    req.app_data::<FromOutside>().map(|outside| &outside.0)
}

// The request headers write protection reads besides `Origin`, by the core's names.
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static(PROTECTION_REQUEST_HEADERS[0]);
const HOST: HeaderName = HeaderName::from_static(PROTECTION_REQUEST_HEADERS[1]);
const UPGRADE: HeaderName = HeaderName::from_static(PROTECTION_REQUEST_HEADERS[2]);

/// Adds the lines write protection reads to `view`: `Sec-Fetch-Site`, `Upgrade`, and `Host` as
/// the client sent it (the URI's authority on HTTP/2, which has no `Host` line). Never a
/// header a proxy adds (`X-Forwarded-Host`, `Forwarded`): anyone can send those.
#[inline(never)]
pub(crate) fn read<'a>(view: &mut RequestView<'a>, head: &'a RequestHead) {
    let lines = |name: &HeaderName| {
        HeaderLines::from_values(head.headers().get_all(name).map(HeaderValue::as_bytes))
    };
    view.sec_fetch_site = lines(&SEC_FETCH_SITE);
    view.upgrade = lines(&UPGRADE);
    view.host = match lines(&HOST) {
        HeaderLines::Absent => match head.uri.authority() {
            Some(authority) => HeaderLines::One(authority.as_str().as_bytes()),
            None => HeaderLines::Absent,
        },
        lines => lines,
    };
}

/// The head of the answer to a refused write: 403, only the decision's `Vary`, a plain-text
/// body ([`cors_shared::WRITE_REFUSED_BODY`], added when the answer is taken).
#[cold]
pub(crate) fn answer(
    cors: &cors_shared::CorsHeaders<'_>,
    request: Reuse<'_>,
    prepared: &Prepared,
) -> HttpResponse<()> {
    let mut response = HttpResponse::with_body(StatusCode::FORBIDDEN, ());
    let map = response.headers_mut();
    map.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers::write(cors, request, prepared, map);
    response
}
