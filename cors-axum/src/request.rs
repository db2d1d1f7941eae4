//! Reading the CORS request headers: the borrowed view a decision reads, and the request's own
//! values an allowed response repeats.

use cors_shared::{header, HeaderLines, Policy, RequestView};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::Method;

// The request headers CORS reads, by the core's names.
const ORIGIN: HeaderName = HeaderName::from_static(header::ORIGIN);
const REQUEST_METHOD: HeaderName = HeaderName::from_static(header::REQUEST_METHOD);
const REQUEST_HEADERS: HeaderName = HeaderName::from_static(header::REQUEST_HEADERS);
const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(header::REQUEST_PRIVATE_NETWORK);

/// The request's values that an allowed response repeats byte for byte (`Origin`,
/// `Access-Control-Request-Method`, `Access-Control-Request-Headers`), copied by reference
/// count instead of by content.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Reuse<'a> {
    pub(crate) origin: Option<&'a HeaderValue>,
    pub(crate) request_method: Option<&'a HeaderValue>,
    pub(crate) request_headers: Option<&'a HeaderValue>,
}

/// The parts of a request that `policy` looks at and, from the same lookups, the values a
/// response may repeat. The preflight-only headers are looked up for `OPTIONS` with an `Origin`
/// only, `Access-Control-Request-Private-Network` only for a policy that answers it.
#[inline]
pub(crate) fn read<'a>(
    method: &'a Method,
    headers: &'a HeaderMap,
    policy: &Policy,
) -> (RequestView<'a>, Reuse<'a>) {
    let (origin, origin_value) = lines(headers, &ORIGIN);
    let mut view = RequestView::new(method.as_str().as_bytes());
    view.origin = origin;
    let mut reuse = Reuse {
        origin: origin_value,
        ..Reuse::default()
    };
    if method == Method::OPTIONS && origin != HeaderLines::Absent {
        (view.request_method, reuse.request_method) = lines(headers, &REQUEST_METHOD);
        (view.request_headers, reuse.request_headers) = lines(headers, &REQUEST_HEADERS);
        if policy.answers_private_network() {
            view.request_private_network = lines(headers, &REQUEST_PRIVATE_NETWORK).0;
        }
    }
    (view, reuse)
}

/// How many lines of `name` the request has, and its first value.
#[inline]
fn lines<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> (HeaderLines<'a>, Option<&'a HeaderValue>) {
    let mut all = headers.get_all(name).iter();
    match (all.next(), all.next()) {
        (None, _) => (HeaderLines::Absent, None),
        (Some(v), None) => (HeaderLines::One(v.as_bytes()), Some(v)),
        (Some(v), Some(_)) => (HeaderLines::Many, Some(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_counts_lines_and_reads_preflight_headers_of_options_only() {
        let mut m = HeaderMap::new();
        m.append(ORIGIN, HeaderValue::from_static("https://a.example"));
        m.append(ORIGIN, HeaderValue::from_static("https://b.example"));
        m.append(REQUEST_METHOD, HeaderValue::from_static("PUT"));
        let policy = cors_shared::PolicySpec::new()
            .origin("https://a.example")
            .validate()
            .unwrap();
        let (v, reuse) = read(&Method::OPTIONS, &m, &policy);
        assert_eq!(v.origin, HeaderLines::Many);
        assert_eq!(v.request_method, HeaderLines::One(b"PUT"));
        assert_eq!(v.request_headers, HeaderLines::Absent);
        assert_eq!(
            reuse.request_method.map(HeaderValue::as_bytes),
            Some(&b"PUT"[..])
        );
        let (v, _) = read(&Method::GET, &m, &policy);
        assert_eq!(v.request_method, HeaderLines::Absent);
    }
}
