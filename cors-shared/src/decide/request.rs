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
}

impl<'a> RequestView<'a> {
    /// A request with this method and none of the CORS request headers.
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
