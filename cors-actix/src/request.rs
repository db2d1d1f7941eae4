//! Reading the CORS request headers from Actix: the borrowed view a decision reads, the
//! request's own values an allowed response repeats, and a preflight's lines kept for later.

use actix_web::body::BoxBody;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::HttpResponse;
use cors_shared::{
    header, CorsHeaders, HeaderLines, Policy, RequestView, Vary, WRITE_REFUSED_BODY,
};

use crate::headers::Prepared;
use crate::log::Refused;
use crate::protection;

// The request headers CORS reads, by the core's names.
const ORIGIN: HeaderName = HeaderName::from_static(header::ORIGIN);
const REQUEST_METHOD: HeaderName = HeaderName::from_static(header::REQUEST_METHOD);
const REQUEST_HEADERS_NAME: HeaderName = HeaderName::from_static(header::REQUEST_HEADERS);
const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(header::REQUEST_PRIVATE_NETWORK);

/// The parts of an Actix request that `policy` looks at and, from the same lookups, the
/// request's values a response may repeat.
#[inline(always)]
pub(crate) fn read<'a>(
    method: &'a Method,
    headers: &'a HeaderMap,
    policy: &Policy,
) -> (RequestView<'a>, Reuse<'a>) {
    let mut view = RequestView::new(method.as_str().as_bytes());
    let mut reuse = Reuse::default();
    look_up(method, headers, policy, |name, lines, first| match name {
        Name::Origin => (view.origin, reuse.origin) = (lines, first),
        Name::RequestMethod => (view.request_method, reuse.request_method) = (lines, first),
        Name::RequestHeaders => (view.request_headers, reuse.request_headers) = (lines, first),
        Name::RequestPrivateNetwork => view.request_private_network = lines,
    });
    (view, reuse)
}

/// Looks up the CORS request lines `policy` reads and hands each to `found` with its name and
/// first value: the one place that says which are read. The preflight-only headers are looked
/// up for `OPTIONS` with `Origin` only, `Access-Control-Request-Private-Network` only for a
/// policy that answers it (no other policy reads it).
#[inline(always)]
fn look_up<'a>(
    method: &Method,
    headers: &'a HeaderMap,
    policy: &Policy,
    mut found: impl FnMut(Name, HeaderLines<'a>, Option<&'a HeaderValue>),
) {
    let (origin, first) = first_and_lines(headers, &ORIGIN);
    found(Name::Origin, origin, first);
    if method == Method::OPTIONS && origin != HeaderLines::Absent {
        let mut look = |name: Name, header: &HeaderName| {
            let (lines, first) = first_and_lines(headers, header);
            found(name, lines, first);
        };
        look(Name::RequestMethod, &REQUEST_METHOD);
        look(Name::RequestHeaders, &REQUEST_HEADERS_NAME);
        if policy.answers_private_network() {
            look(Name::RequestPrivateNetwork, &REQUEST_PRIVATE_NETWORK);
        }
    }
}

/// The request lines [`look_up`] reads.
#[derive(Clone, Copy)]
enum Name {
    Origin,
    RequestMethod,
    RequestHeaders,
    RequestPrivateNetwork,
}

/// How many lines of `name` the request has, and its first value.
#[inline]
fn first_and_lines<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> (HeaderLines<'a>, Option<&'a HeaderValue>) {
    let mut all = headers.get_all(name);
    match (all.next(), all.next()) {
        (None, _) => (HeaderLines::Absent, None),
        (Some(v), None) => (HeaderLines::One(v.as_bytes()), Some(v)),
        (Some(v), Some(_)) => (HeaderLines::Many, Some(v)),
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

/// One CORS request header, kept after the request has moved on: absent, exactly one line (a
/// cheap reference-counted copy of the request's value), or several lines.
#[derive(Clone, Debug, Default)]
enum Line {
    #[default]
    Absent,
    One(HeaderValue),
    Many,
}

impl Line {
    #[inline]
    fn keep(lines: HeaderLines<'_>, first: Option<&HeaderValue>) -> Self {
        match (lines, first) {
            (HeaderLines::One(_), Some(value)) => Line::One(value.clone()),
            (HeaderLines::Absent, _) | (HeaderLines::One(_), None) => Line::Absent,
            (HeaderLines::Many, _) => Line::Many,
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

/// What a request is decided on, kept while it goes through routing to the CORS layers inside,
/// to be decided only if none of them covers it (the request moves into the inner service and
/// does not come back on an error): its method and a few reference-counted copies.
#[derive(Debug, Default)]
pub(crate) struct Captured {
    method: Method,
    origin: Line,
    request_method: Line,
    request_headers: Line,
    /// Only whether the request asks for private network access (`true`) is read.
    request_private_network: HeaderLines<'static>,
    /// Set when write protection refuses the request (with the refusal for the log, when the
    /// log wants it), for when no policy inside covers it.
    pub(crate) write_refused: Option<Option<Box<Refused>>>,
}

impl Captured {
    /// Keeps what [`read`] found.
    pub(crate) fn keep(method: &Method, view: &RequestView<'_>, reuse: Reuse<'_>) -> Self {
        Captured {
            method: method.clone(),
            origin: Line::keep(view.origin, reuse.origin),
            request_method: Line::keep(view.request_method, reuse.request_method),
            request_headers: Line::keep(view.request_headers, reuse.request_headers),
            request_private_network: private_network(view.request_private_network),
            write_refused: None,
        }
    }

    /// Reads the request's lines as [`read`] does, straight into what is kept, in place (the
    /// box a worker reuses): for a request forwarded undecided without being looked at first.
    #[inline(always)]
    pub(crate) fn read_into(&mut self, method: &Method, headers: &HeaderMap, policy: &Policy) {
        self.method = method.clone();
        self.clear();
        look_up(method, headers, policy, |name, lines, first| match name {
            Name::Origin => self.origin = Line::keep(lines, first),
            Name::RequestMethod => self.request_method = Line::keep(lines, first),
            Name::RequestHeaders => self.request_headers = Line::keep(lines, first),
            Name::RequestPrivateNetwork => {
                self.request_private_network = private_network(lines);
            }
        });
    }

    /// Drops the request's values, for a box kept to be reused.
    #[inline]
    pub(crate) fn clear(&mut self) {
        self.origin = Line::Absent;
        self.request_method = Line::Absent;
        self.request_headers = Line::Absent;
        self.request_private_network = HeaderLines::Absent;
        self.write_refused = None;
    }

    /// The answer to the write that protection refused: 403, `Vary: Origin`, the one-line
    /// body.
    #[cold]
    pub(crate) fn write_refusal(&self, prepared: &Prepared) -> HttpResponse {
        let cors = CorsHeaders {
            vary: Vary::ORIGIN,
            ..CorsHeaders::default()
        };
        protection::answer(&cors, self.read().1, prepared)
            .set_body(BoxBody::new(WRITE_REFUSED_BODY))
    }

    /// The request method.
    pub(crate) fn method(&self) -> &Method {
        &self.method
    }

    /// The request as the core reads it, and its values a response may repeat.
    pub(crate) fn read(&self) -> (RequestView<'_>, Reuse<'_>) {
        let view = RequestView {
            method: self.method.as_str().as_bytes(),
            origin: self.origin.lines(),
            request_method: self.request_method.lines(),
            request_headers: self.request_headers.lines(),
            request_private_network: self.request_private_network,
            sec_fetch_site: HeaderLines::Absent,
            host: HeaderLines::Absent,
            upgrade: HeaderLines::Absent,
        };
        let reuse = Reuse {
            origin: self.origin.first(),
            request_method: self.request_method.first(),
            request_headers: self.request_headers.first(),
        };
        (view, reuse)
    }

    /// The method the preflight asks for, for the log.
    pub(crate) fn requested_method(&self) -> Option<String> {
        text(self.request_method.first())
    }
}

/// `Access-Control-Request-Private-Network` as kept: only whether it is `true` is read.
#[inline]
fn private_network(lines: HeaderLines<'_>) -> HeaderLines<'static> {
    match lines {
        HeaderLines::Absent => HeaderLines::Absent,
        HeaderLines::One(b"true") => HeaderLines::One(b"true"),
        HeaderLines::One(_) => HeaderLines::One(b""),
        HeaderLines::Many => HeaderLines::Many,
    }
}

/// The method a preflight asks for, for the log: its one `Access-Control-Request-Method` line.
pub(crate) fn requested_method(headers: &HeaderMap) -> Option<String> {
    let mut lines = headers.get_all(REQUEST_METHOD);
    match (lines.next(), lines.next()) {
        (Some(value), None) => text(Some(value)),
        _ => None,
    }
}

fn text(value: Option<&HeaderValue>) -> Option<String> {
    value.and_then(|v| v.to_str().ok()).map(str::to_owned)
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
        let policy = cors_shared::PolicySpec::new()
            .origin("https://a.example")
            .validate()
            .unwrap();
        let (v, reuse) = read(&Method::OPTIONS, &m, &policy);
        assert_eq!(v.method, b"OPTIONS");
        assert_eq!(v.origin, HeaderLines::Many);
        assert_eq!(v.request_method, HeaderLines::One(b"PUT"));
        assert_eq!(v.request_headers, HeaderLines::Absent);
        assert_eq!(
            reuse.request_method.map(HeaderValue::as_bytes),
            Some(&b"PUT"[..])
        );
        // Kept and read back: the same view.
        let captured = Captured::keep(&Method::OPTIONS, &v, reuse);
        assert_eq!(captured.read().0, v);
        // Read straight into what is kept, over what another request left: the same view again.
        let mut captured = Captured::keep(&Method::GET, &v, reuse);
        captured.read_into(&Method::OPTIONS, &m, &policy);
        assert_eq!(captured.read().0, v);
        let mut other = HeaderMap::new();
        other.append(ORIGIN, HeaderValue::from_static("https://a.example"));
        captured.read_into(&Method::GET, &other, &policy);
        let mut alone = RequestView::new(b"GET");
        alone.origin = HeaderLines::One(b"https://a.example");
        assert_eq!(captured.read().0, alone);
    }
}
