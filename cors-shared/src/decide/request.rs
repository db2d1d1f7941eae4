//! The request as the core reads it: a borrowed view of the method and the CORS request headers.

use super::headers::header;

/// How many lines of one request header were present, and the value when there was one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HeaderLines<'a> {
    /// The header was not sent.
    #[default]
    Absent,
    /// Exactly one line, with this value.
    One(&'a [u8]),
    /// Two or more lines: never sent by a browser for the headers CORS reads.
    Many,
}

impl<'a> HeaderLines<'a> {
    /// Counts the values of one header, as a framework's header map returns them.
    ///
    /// ```
    /// use cors_shared::HeaderLines;
    /// assert_eq!(HeaderLines::from_values(Vec::<&[u8]>::new()), HeaderLines::Absent);
    /// assert_eq!(HeaderLines::from_values([&b"https://a.example"[..]]), HeaderLines::One(b"https://a.example"));
    /// assert_eq!(HeaderLines::from_values([&b"a"[..], &b"b"[..]]), HeaderLines::Many);
    /// ```
    pub fn from_values<I: IntoIterator<Item = &'a [u8]>>(values: I) -> Self {
        values
            .into_iter()
            .take(2)
            .fold(HeaderLines::Absent, HeaderLines::and)
    }

    /// These lines and one more, `value`: for adapters that read a request's headers in one
    /// pass.
    ///
    /// ```
    /// use cors_shared::HeaderLines;
    ///
    /// let one = HeaderLines::Absent.and(b"https://a.example");
    /// assert_eq!(one, HeaderLines::One(b"https://a.example"));
    /// assert_eq!(one.and(b"https://b.example"), HeaderLines::Many);
    /// ```
    #[must_use]
    pub fn and(self, value: &'a [u8]) -> Self {
        match self {
            HeaderLines::Absent => HeaderLines::One(value),
            HeaderLines::One(_) | HeaderLines::Many => HeaderLines::Many,
        }
    }
}

/// The parts of a request that CORS looks at, borrowed from the framework's request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestView<'a> {
    /// The request method, as sent.
    pub method: &'a [u8],
    /// Every `Origin` line.
    pub origin: HeaderLines<'a>,
    /// Every `Access-Control-Request-Method` line.
    pub request_method: HeaderLines<'a>,
    /// Every `Access-Control-Request-Headers` line.
    pub request_headers: HeaderLines<'a>,
    /// Every `Access-Control-Request-Private-Network` line.
    pub request_private_network: HeaderLines<'a>,
    /// Every `Sec-Fetch-Site` line: what the browser says of the page that sent the request
    /// (`same-origin`, `same-site`, `cross-site`, `none`). Read by write protection only, so an
    /// adapter may leave it absent when [`Policy::protects_writes`](crate::Policy::protects_writes)
    /// is false.
    pub sec_fetch_site: HeaderLines<'a>,
    /// Every `Host` line as the client sent it (for HTTP/2 and HTTP/3, the `:authority`), never
    /// a header a proxy adds such as `X-Forwarded-Host` or `Forwarded`, which anyone can send.
    /// Read by write protection only.
    pub host: HeaderLines<'a>,
    /// Every `Upgrade` line: a `GET` whose `Upgrade` names `websocket` is a WebSocket handshake,
    /// which write protection checks although `GET` is safe. Read by write protection only.
    pub upgrade: HeaderLines<'a>,
}

impl<'a> RequestView<'a> {
    /// A request with this method and none of the headers CORS and write protection read.
    pub fn new(method: &'a [u8]) -> Self {
        RequestView {
            method,
            ..Self::default()
        }
    }

    /// True for `OPTIONS` with `Origin` and `Access-Control-Request-Method`: a preflight,
    /// answered without running the handler.
    pub fn is_preflight(&self) -> bool {
        is_preflight(
            self.method,
            self.origin != HeaderLines::Absent,
            self.request_method != HeaderLines::Absent,
        )
    }
}

impl RequestView<'_> {
    /// True for a WebSocket handshake: a `GET` whose `Upgrade` names the `websocket` protocol
    /// (compared without regard to case, in a comma-separated list, with or without a
    /// `/version`). Several `Upgrade` lines count as a handshake: write protection then judges
    /// the request by its `Origin`, the stricter reading.
    ///
    /// ```
    /// use cors_shared::{HeaderLines, RequestView};
    ///
    /// let mut req = RequestView::new(b"GET");
    /// req.upgrade = HeaderLines::One(b"WebSocket");
    /// assert!(req.is_websocket_handshake());
    /// req.upgrade = HeaderLines::One(b"h2c");
    /// assert!(!req.is_websocket_handshake());
    /// ```
    pub fn is_websocket_handshake(&self) -> bool {
        self.method == b"GET"
            && match self.upgrade {
                HeaderLines::Absent => false,
                HeaderLines::Many => true,
                HeaderLines::One(value) => value.split(|&b| b == b',').any(|protocol| {
                    let protocol = protocol.trim_ascii();
                    let name = protocol.split(|&b| b == b'/').next().unwrap_or(protocol);
                    name.eq_ignore_ascii_case(b"websocket")
                }),
            }
    }
}

/// The preflight test, for adapters that look before they build a [`RequestView`]: `OPTIONS`
/// with an `Origin` and an `Access-Control-Request-Method` (any number of lines of each).
///
/// ```
/// assert!(cors_shared::is_preflight(b"OPTIONS", true, true));
/// assert!(!cors_shared::is_preflight(b"OPTIONS", true, false));
/// assert!(!cors_shared::is_preflight(b"PUT", true, true));
/// ```
pub fn is_preflight(method: &[u8], has_origin: bool, has_request_method: bool) -> bool {
    method == b"OPTIONS" && has_origin && has_request_method
}

/// The request headers CORS reads, in the order of [`RequestView`]'s fields: adapters that
/// copy them look them up by these names.
pub const REQUEST_HEADERS: [&str; 4] = [
    header::ORIGIN,
    header::REQUEST_METHOD,
    header::REQUEST_HEADERS,
    header::REQUEST_PRIVATE_NETWORK,
];

/// The request headers write protection reads besides `Origin`, in the order of
/// [`RequestView`]'s fields: `Sec-Fetch-Site`, `Host`, `Upgrade`.
pub const PROTECTION_REQUEST_HEADERS: [&str; 3] =
    [header::SEC_FETCH_SITE, header::HOST, header::UPGRADE];
