//! Reading the CORS request headers: the borrowed view a decision reads, and the request's own
//! values an allowed response repeats.

use cors_shared::{header, HeaderLines, Policy, RequestView};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri, Version};

// The request headers CORS reads, by the core's names.
const ORIGIN: HeaderName = HeaderName::from_static(header::ORIGIN);
const REQUEST_METHOD: HeaderName = HeaderName::from_static(header::REQUEST_METHOD);
const REQUEST_HEADERS: HeaderName = HeaderName::from_static(header::REQUEST_HEADERS);
const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(header::REQUEST_PRIVATE_NETWORK);
// The request headers write protection reads, by the core's names.
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static(header::SEC_FETCH_SITE);
const HOST: HeaderName = HeaderName::from_static(header::HOST);
const UPGRADE: HeaderName = HeaderName::from_static(header::UPGRADE);

/// The request's values that an allowed response repeats byte for byte (`Origin`,
/// `Access-Control-Request-Method`, `Access-Control-Request-Headers`), copied by reference
/// count instead of by content: the first line of each header [`read_into`] looks up.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Reuse<'a> {
    pub(crate) origin: Option<&'a HeaderValue>,
    pub(crate) request_method: Option<&'a HeaderValue>,
    pub(crate) request_headers: Option<&'a HeaderValue>,
    /// Not repeated, but kept with the others for a decision made later ([`Kept`]).
    pub(crate) request_private_network: Option<&'a HeaderValue>,
}

/// The parts of a request the layers read: its method, headers, URI and version.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parts<'a> {
    pub(crate) method: &'a Method,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) uri: &'a Uri,
    pub(crate) version: Version,
}

impl<'a> Parts<'a> {
    /// The parts of `request`.
    #[inline]
    pub(crate) fn of<B>(request: &'a http::Request<B>) -> Self {
        Parts {
            method: request.method(),
            headers: request.headers(),
            uri: request.uri(),
            version: request.version(),
        }
    }
}

/// The parts of a request that `policy` looks at, written into `view` (made for the request's
/// method, where the caller keeps it), and, from the same lookups, the values a response may
/// repeat. The preflight-only headers are looked up for `OPTIONS` with an `Origin` only,
/// `Access-Control-Request-Private-Network` only for a policy that answers it, and the lines
/// write protection reads only when it applies (`protects`).
#[inline(always)]
pub(crate) fn read_into<'a>(
    request: Parts<'a>,
    policy: &Policy,
    protects: bool,
    view: &mut RequestView<'a>,
) -> Reuse<'a> {
    let Parts {
        method, headers, ..
    } = request;
    let (origin, origin_value) = lines(headers, &ORIGIN);
    view.origin = origin;
    let mut reuse = Reuse {
        origin: origin_value,
        ..Reuse::default()
    };
    if method == Method::OPTIONS && origin != HeaderLines::Absent {
        let [request_method, request_headers, request_private_network] =
            preflight_lines(headers, policy);
        (view.request_method, reuse.request_method) = request_method;
        (view.request_headers, reuse.request_headers) = request_headers;
        (view.request_private_network, reuse.request_private_network) = request_private_network;
    }
    if protects {
        read_protection(view, request);
    }
    reuse
}

/// The lines an `OPTIONS` request with an `Origin` adds for a preflight, each with its first
/// value: `Access-Control-Request-Method`, `Access-Control-Request-Headers`, and
/// `Access-Control-Request-Private-Network` for a policy that answers it only.
#[inline(always)]
fn preflight_lines<'a>(
    headers: &'a HeaderMap,
    policy: &Policy,
) -> [(HeaderLines<'a>, Option<&'a HeaderValue>); 3] {
    [
        lines(headers, &REQUEST_METHOD),
        lines(headers, &REQUEST_HEADERS),
        if policy.answers_private_network() {
            lines(headers, &REQUEST_PRIVATE_NETWORK)
        } else {
            (HeaderLines::Absent, None)
        },
    ]
}

/// [`read_into`] a view of its own.
#[cfg(test)]
pub(crate) fn read<'a>(
    request: Parts<'a>,
    policy: &Policy,
    protects: bool,
) -> (RequestView<'a>, Reuse<'a>) {
    let mut view = RequestView::new(request.method.as_str().as_bytes());
    let reuse = read_into(request, policy, protects, &mut view);
    (view, reuse)
}

/// One request header kept past the request: absent, one line, or more (whose values no
/// decision repeats).
#[derive(Clone, Debug, Default)]
pub(crate) enum Line {
    #[default]
    Absent,
    One(HeaderValue),
    Many,
}

impl Line {
    #[inline]
    fn keep(lines: HeaderLines<'_>, value: Option<&HeaderValue>) -> Self {
        match (lines, value) {
            (HeaderLines::One(_), Some(value)) => Line::One(value.clone()),
            (HeaderLines::Many, _) => Line::Many,
            _ => Line::Absent,
        }
    }

    #[inline]
    fn lines(&self) -> HeaderLines<'_> {
        match self {
            Line::Absent => HeaderLines::Absent,
            Line::One(v) => HeaderLines::One(v.as_bytes()),
            Line::Many => HeaderLines::Many,
        }
    }

    #[inline]
    fn value(&self) -> Option<&HeaderValue> {
        match self {
            Line::One(v) => Some(v),
            Line::Absent | Line::Many => None,
        }
    }
}

/// What [`read_into`] reads of a preflight, kept by reference count so that the request can
/// move on and be decided later: the default layer around a `Router` decides a preflight only
/// when no route policy inside answered it.
#[derive(Clone, Debug)]
pub(crate) struct Kept {
    origin: Line,
    request_method: Line,
    request_headers: Line,
    request_private_network: Line,
}

impl Kept {
    /// Keeps what [`read_into`] reads of an `OPTIONS` request with these `headers` when it is a
    /// preflight, read straight into the kept lines without a view; `None` when it is not one
    /// (an ordinary `OPTIONS` request).
    #[inline(always)]
    pub(crate) fn of_preflight(headers: &HeaderMap, policy: &Policy) -> Option<Self> {
        let (origin, origin_value) = lines(headers, &ORIGIN);
        if origin == HeaderLines::Absent {
            return None;
        }
        let [request_method, request_headers, request_private_network] =
            preflight_lines(headers, policy);
        let preflight = cors_shared::is_preflight(
            Method::OPTIONS.as_str().as_bytes(),
            true,
            request_method.0 != HeaderLines::Absent,
        );
        preflight.then(|| Kept {
            origin: Line::keep(origin, origin_value),
            request_method: Line::keep(request_method.0, request_method.1),
            request_headers: Line::keep(request_headers.0, request_headers.1),
            request_private_network: Line::keep(
                request_private_network.0,
                request_private_network.1,
            ),
        })
    }

    /// The view a decision reads and the values a response may repeat, as [`read_into`] gave them.
    #[inline]
    pub(crate) fn view(&self) -> (RequestView<'_>, Reuse<'_>) {
        let mut view = RequestView::new(Method::OPTIONS.as_str().as_bytes());
        view.origin = self.origin.lines();
        view.request_method = self.request_method.lines();
        view.request_headers = self.request_headers.lines();
        view.request_private_network = self.request_private_network.lines();
        let reuse = Reuse {
            origin: self.origin.value(),
            request_method: self.request_method.value(),
            request_headers: self.request_headers.value(),
            request_private_network: self.request_private_network.value(),
        };
        (view, reuse)
    }
}

/// What [`read_into`] reads of an ordinary request (not a preflight) that write protection does
/// not judge, kept by reference count so that the request can move on and be decided when its
/// response comes back: its `Origin`, all that such a decision reads. Its method is not kept:
/// only a preflight's `OPTIONS` and write protection read one.
#[derive(Clone, Debug)]
pub(crate) struct KeptOrigin {
    origin: Line,
}

impl KeptOrigin {
    /// Keeps what [`read_into`] read of an ordinary request.
    #[inline]
    pub(crate) fn new(view: &RequestView<'_>, reuse: Reuse<'_>) -> Self {
        KeptOrigin {
            origin: Line::keep(view.origin, reuse.origin),
        }
    }

    /// What [`read_into`] keeps of `request`, not an `OPTIONS` request (never a preflight), when
    /// write protection does not apply: one lookup of `Origin`, and no view.
    #[inline(always)]
    pub(crate) fn of_ordinary(request: Parts<'_>) -> Self {
        let (origin, value) = lines(request.headers, &ORIGIN);
        KeptOrigin {
            origin: Line::keep(origin, value),
        }
    }

    /// The view a decision reads (without a method) and the values a response may repeat, as
    /// [`read_into`] gave them.
    #[inline(always)]
    pub(crate) fn view(&self) -> (RequestView<'_>, Reuse<'_>) {
        let view = RequestView {
            origin: self.origin.lines(),
            ..RequestView::default()
        };
        let reuse = Reuse {
            origin: self.origin.value(),
            ..Reuse::default()
        };
        (view, reuse)
    }
}

/// The lines write protection reads: `Sec-Fetch-Site`, `Upgrade`, and `Host` as the client
/// sent it (on HTTP/2 and later, the URI's authority when there is no `Host` line), never a
/// header a proxy adds such as `X-Forwarded-Host`, which anyone can send.
#[inline(never)]
fn read_protection<'a>(view: &mut RequestView<'a>, request: Parts<'a>) {
    let headers = request.headers;
    view.sec_fetch_site = lines(headers, &SEC_FETCH_SITE).0;
    view.upgrade = lines(headers, &UPGRADE).0;
    view.host = match lines(headers, &HOST).0 {
        HeaderLines::Absent if request.version >= Version::HTTP_2 => {
            request.uri.authority().map_or(HeaderLines::Absent, |a| {
                HeaderLines::One(a.as_str().as_bytes())
            })
        }
        host => host,
    };
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
        let uri = Uri::from_static("/");
        let parts = |method| Parts {
            method,
            headers: &m,
            uri: &uri,
            version: Version::HTTP_11,
        };
        let (v, reuse) = read(parts(&Method::OPTIONS), &policy, false);
        assert_eq!(v.origin, HeaderLines::Many);
        assert_eq!(v.request_method, HeaderLines::One(b"PUT"));
        assert_eq!(v.request_headers, HeaderLines::Absent);
        assert_eq!(
            reuse.request_method.map(HeaderValue::as_bytes),
            Some(&b"PUT"[..])
        );
        let (v, _) = read(parts(&Method::GET), &policy, false);
        assert_eq!(v.request_method, HeaderLines::Absent);
    }

    #[test]
    fn an_ordinary_request_is_decided_the_same_without_its_method() {
        // What `KeptOrigin` relies on: without write protection, the decision on a request
        // that is no preflight reads its `Origin` and never its method.
        let policies = [
            cors_shared::PolicySpec::new()
                .origin("https://a.example")
                .credentials(true)
                .expose(["x-total"])
                .validate()
                .unwrap(),
            cors_shared::PolicySpec::new()
                .origin("https://*.a.example")
                .validate()
                .unwrap(),
            cors_shared::PolicySpec::new()
                .origin("*")
                .validate()
                .unwrap(),
        ];
        let origins = [
            HeaderLines::Absent,
            HeaderLines::One(b"https://a.example"),
            HeaderLines::One(b"https://x.a.example"),
            HeaderLines::One(b"https://b.example"),
            HeaderLines::One(b"null"),
            HeaderLines::One(b"https://A.example/"),
            HeaderLines::Many,
        ];
        let methods: [&[u8]; 8] = [
            b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"CUSTOM",
        ];
        for policy in &policies {
            assert!(!policy.protects_writes(&crate::mark::OFF));
            for origin in origins {
                let without = RequestView {
                    origin,
                    ..RequestView::default()
                };
                for method in methods {
                    let mut with = RequestView::new(method);
                    with.origin = origin;
                    assert_eq!(
                        policy.decide(&with),
                        policy.decide(&without),
                        "{origin:?} {}",
                        String::from_utf8_lossy(method)
                    );
                }
            }
        }
    }

    #[test]
    fn protection_lines_are_read_only_when_protection_applies() {
        let mut m = HeaderMap::new();
        m.append(ORIGIN, HeaderValue::from_static("https://a.example"));
        m.append(SEC_FETCH_SITE, HeaderValue::from_static("cross-site"));
        m.append(UPGRADE, HeaderValue::from_static("websocket"));
        m.append("x-forwarded-host", HeaderValue::from_static("a.example"));
        let policy = cors_shared::PolicySpec::new()
            .origin("https://a.example")
            .validate()
            .unwrap();
        let uri = Uri::from_static("https://api.example.re/notes");
        let parts = |headers, version| Parts {
            method: &Method::GET,
            headers,
            uri: &uri,
            version,
        };
        let (v, _) = read(parts(&m, Version::HTTP_2), &policy, false);
        assert_eq!(
            (v.sec_fetch_site, v.host, v.upgrade),
            (
                HeaderLines::Absent,
                HeaderLines::Absent,
                HeaderLines::Absent
            )
        );
        let (v, _) = read(parts(&m, Version::HTTP_2), &policy, true);
        assert_eq!(v.sec_fetch_site, HeaderLines::One(b"cross-site"));
        assert_eq!(v.upgrade, HeaderLines::One(b"websocket"));
        // No Host line: on HTTP/2 the authority, on HTTP/1.1 nothing (never X-Forwarded-Host).
        assert_eq!(v.host, HeaderLines::One(b"api.example.re"));
        let (v, _) = read(parts(&m, Version::HTTP_11), &policy, true);
        assert_eq!(v.host, HeaderLines::Absent);
        let mut with_host = m.clone();
        with_host.append(HOST, HeaderValue::from_static("b.example"));
        let (v, _) = read(parts(&with_host, Version::HTTP_2), &policy, true);
        assert_eq!(v.host, HeaderLines::One(b"b.example"));
    }
}
