//! Reading the CORS request headers from Actix: the borrowed view a decision reads, and the
//! request's own values an allowed response repeats.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use cors_shared::{header, HeaderLines, RequestView};

// The request headers CORS reads, by the core's names.
const ORIGIN: HeaderName = HeaderName::from_static(header::ORIGIN);
const REQUEST_METHOD: HeaderName = HeaderName::from_static(header::REQUEST_METHOD);
const REQUEST_HEADERS_NAME: HeaderName = HeaderName::from_static(header::REQUEST_HEADERS);
const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(header::REQUEST_PRIVATE_NETWORK);

fn lines<'a>(headers: &'a HeaderMap, name: &HeaderName) -> HeaderLines<'a> {
    HeaderLines::from_values(headers.get_all(name).map(HeaderValue::as_bytes))
}

/// The parts of an Actix request that CORS looks at.
pub(crate) fn view<'a>(method: &'a Method, headers: &'a HeaderMap) -> RequestView<'a> {
    RequestView {
        method: method.as_str().as_bytes(),
        origin: lines(headers, &ORIGIN),
        request_method: lines(headers, &REQUEST_METHOD),
        request_headers: lines(headers, &REQUEST_HEADERS_NAME),
        request_private_network: lines(headers, &REQUEST_PRIVATE_NETWORK),
    }
}

/// The request's values that an allowed response repeats byte for byte (`Origin`,
/// `Access-Control-Request-Method`, `Access-Control-Request-Headers`), copied by reference count
/// instead of by content.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Reuse<'a> {
    pub(crate) origin: Option<&'a HeaderValue>,
    pub(crate) request_method: Option<&'a HeaderValue>,
    pub(crate) request_headers: Option<&'a HeaderValue>,
}

impl<'a> Reuse<'a> {
    /// The first line of each of those headers in a request.
    pub(crate) fn from_map(request: &'a HeaderMap) -> Self {
        Reuse {
            origin: request.get(&ORIGIN),
            request_method: request.get(&REQUEST_METHOD),
            request_headers: request.get(&REQUEST_HEADERS_NAME),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_counts_lines() {
        let mut m = HeaderMap::new();
        for (n, v) in [
            ("origin", "https://a.example"),
            ("origin", "https://b.example"),
            ("access-control-request-method", "PUT"),
        ] {
            m.append(HeaderName::from_static(n), HeaderValue::from_static(v));
        }
        let v = view(&Method::OPTIONS, &m);
        assert_eq!(v.method, b"OPTIONS");
        assert_eq!(v.origin, HeaderLines::Many);
        assert_eq!(v.request_method, HeaderLines::One(b"PUT"));
        assert_eq!(v.request_headers, HeaderLines::Absent);
    }
}
