//! Reading the CORS request headers from Actix: a borrowed view for a decision taken now, or
//! cheap copies for a decision taken after the inner service has run.

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

/// One CORS request header, kept after the request has moved on: absent, exactly one line (a
/// cheap reference-counted copy of the request's value), or several lines.
#[derive(Clone, Debug, Default)]
pub(crate) enum Line {
    #[default]
    Absent,
    One(HeaderValue),
    Many,
}

impl Line {
    fn take(headers: &HeaderMap, name: &HeaderName) -> Self {
        let mut all = headers.get_all(name);
        match (all.next(), all.next()) {
            (None, _) => Line::Absent,
            (Some(value), None) => Line::One(value.clone()),
            (Some(_), Some(_)) => Line::Many,
        }
    }

    fn lines(&self) -> HeaderLines<'_> {
        match self {
            Line::Absent => HeaderLines::Absent,
            Line::One(value) => HeaderLines::One(value.as_bytes()),
            Line::Many => HeaderLines::Many,
        }
    }

    fn first(&self) -> Option<&HeaderValue> {
        match self {
            Line::One(value) => Some(value),
            Line::Absent | Line::Many => None,
        }
    }
}

/// What a decision reads from a request, kept so that the decision can be taken after the
/// inner service has run (the request moves into it and does not come back on an error).
#[derive(Debug)]
pub(crate) struct Captured {
    method: Method,
    origin: Line,
    request_method: Line,
    request_headers: Line,
    request_private_network: Line,
}

impl Captured {
    /// Copies the CORS request headers. Without `Origin` the decision reads nothing else, and
    /// the preflight-only headers matter only to an `OPTIONS` request, so only those are kept.
    pub(crate) fn new(method: &Method, headers: &HeaderMap) -> Self {
        let origin = Line::take(headers, &ORIGIN);
        let preflight_headers = !matches!(origin, Line::Absent) && method == Method::OPTIONS;
        let take = |name: &HeaderName| {
            if preflight_headers {
                Line::take(headers, name)
            } else {
                Line::Absent
            }
        };
        Captured {
            method: method.clone(),
            request_method: take(&REQUEST_METHOD),
            request_headers: take(&REQUEST_HEADERS_NAME),
            request_private_network: take(&REQUEST_PRIVATE_NETWORK),
            origin,
        }
    }

    /// The request method.
    pub(crate) fn method(&self) -> &Method {
        &self.method
    }

    /// The request as the core reads it.
    pub(crate) fn view(&self) -> RequestView<'_> {
        RequestView {
            method: self.method.as_str().as_bytes(),
            origin: self.origin.lines(),
            request_method: self.request_method.lines(),
            request_headers: self.request_headers.lines(),
            request_private_network: self.request_private_network.lines(),
        }
    }

    /// The request's own values that a decision's headers may repeat.
    pub(crate) fn reuse(&self) -> Reuse<'_> {
        Reuse {
            origin: self.origin.first(),
            request_method: self.request_method.first(),
            request_headers: self.request_headers.first(),
        }
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
