//! Why a CORS request was refused, and the log line that says so.

use std::fmt;

use super::request::HeaderLines;

/// Why a CORS request was refused, for the server's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal<'a> {
    /// The origin is well-formed but not in the allowlist.
    OriginNotAllowed(&'a [u8]),
    /// The origin is not among the fixed origins, and the policy's runtime set, the only other
    /// place it could be allowed, is empty.
    OriginSetEmpty {
        /// The request's origin.
        origin: &'a [u8],
        /// The set's name.
        set: &'static str,
    },
    /// The `Origin` value is not a serialized origin as browsers send it.
    MalformedOrigin(&'a [u8]),
    /// The request carried more than one `Origin` line.
    MultipleOrigins,
    /// `Access-Control-Request-Method` is empty, repeated or not a token.
    MalformedRequestMethod,
    /// The preflight asks for a method the policy does not allow.
    MethodNotAllowed(&'a [u8]),
    /// `Access-Control-Request-Headers` is repeated or not a list of tokens.
    MalformedRequestHeaders,
    /// The preflight asks for more headers than the policy could ever allow.
    TooManyRequestHeaders,
    /// The preflight names the same header twice.
    DuplicateRequestHeader(&'a [u8]),
    /// The preflight asks for a header the policy does not allow.
    HeaderNotAllowed(&'a [u8]),
    /// The preflight asks for a header whose name is longer than both
    /// [`MAX_HEADER_NAME_LEN`](crate::MAX_HEADER_NAME_LEN) and every name the policy allows;
    /// the slice holds its first bytes, as many as that bound.
    HeaderNameTooLong(&'a [u8]),
    /// The preflight asks for private network access, which the policy does not grant.
    PrivateNetworkNotAllowed,
    /// Write protection refused a cross-site write or WebSocket handshake: its origin is not
    /// one the policy echoes (nor one of the service's public origins), and the browser said
    /// it came from another site (`Sec-Fetch-Site`, or an `Origin` whose host is not `Host`).
    CrossSiteWrite(CrossSiteWrite<'a>),
}

/// What the browser said of a write that protection refused, for the log: the request's
/// `Origin` and `Sec-Fetch-Site` lines, and whether it was a WebSocket handshake. (The
/// adapter's log line adds the method and the path.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrossSiteWrite<'a> {
    // Kept as slices and counts rather than two `HeaderLines`, so that a `Refusal`, and every
    // `Decision`, stays as small as it was.
    origin: &'a [u8],
    sec_fetch_site: &'a [u8],
    origin_lines: Count,
    site_lines: Count,
    websocket: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Count {
    Absent,
    One,
    Many,
}

fn split(lines: HeaderLines<'_>) -> (&[u8], Count) {
    match lines {
        HeaderLines::Absent => (b"", Count::Absent),
        HeaderLines::One(v) => (v, Count::One),
        HeaderLines::Many => (b"", Count::Many),
    }
}

fn join(value: &[u8], count: Count) -> HeaderLines<'_> {
    match count {
        Count::Absent => HeaderLines::Absent,
        Count::One => HeaderLines::One(value),
        Count::Many => HeaderLines::Many,
    }
}

impl<'a> CrossSiteWrite<'a> {
    /// The refusal of a request with these `Origin` and `Sec-Fetch-Site` lines.
    pub fn new(origin: HeaderLines<'a>, sec_fetch_site: HeaderLines<'a>, websocket: bool) -> Self {
        let (origin, origin_lines) = split(origin);
        let (sec_fetch_site, site_lines) = split(sec_fetch_site);
        CrossSiteWrite {
            origin,
            sec_fetch_site,
            origin_lines,
            site_lines,
            websocket,
        }
    }

    /// Every `Origin` line.
    pub fn origin(&self) -> HeaderLines<'a> {
        join(self.origin, self.origin_lines)
    }

    /// Every `Sec-Fetch-Site` line.
    pub fn sec_fetch_site(&self) -> HeaderLines<'a> {
        join(self.sec_fetch_site, self.site_lines)
    }

    /// Whether the request was a WebSocket handshake.
    pub fn is_websocket(&self) -> bool {
        self.websocket
    }
}

/// One header's lines, for a log line: the value, `(none)` or `(several lines)`.
struct Lines<'a>(HeaderLines<'a>);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            HeaderLines::Absent => f.write_str("(none)"),
            HeaderLines::One(v) => write!(f, "`{}`", v.escape_ascii()),
            HeaderLines::Many => f.write_str("(several lines)"),
        }
    }
}

impl fmt::Display for Refusal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::OriginNotAllowed(o) => {
                write!(
                    f,
                    "origin `{}` is not allowed by the policy",
                    o.escape_ascii()
                )
            }
            Refusal::OriginSetEmpty { origin, set } => write!(
                f,
                "origin `{}` is not allowed by the policy: its origin set `{set}` is empty",
                origin.escape_ascii()
            ),
            Refusal::MalformedOrigin(o) => write!(
                f,
                "`Origin: {}` is not a serialized origin as browsers send it",
                o.escape_ascii()
            ),
            Refusal::MultipleOrigins => f.write_str("the request has more than one Origin header"),
            Refusal::MalformedRequestMethod => {
                f.write_str("Access-Control-Request-Method is not a single method name")
            }
            Refusal::MethodNotAllowed(m) => {
                write!(
                    f,
                    "method `{}` is not allowed by the policy",
                    m.escape_ascii()
                )
            }
            Refusal::MalformedRequestHeaders => {
                f.write_str("Access-Control-Request-Headers is not a list of header names")
            }
            Refusal::TooManyRequestHeaders => f.write_str(
                "Access-Control-Request-Headers names more headers than the policy allows",
            ),
            Refusal::DuplicateRequestHeader(h) => write!(
                f,
                "Access-Control-Request-Headers names `{}` twice",
                h.escape_ascii()
            ),
            Refusal::HeaderNotAllowed(h) => write!(
                f,
                "request header `{}` is not allowed by the policy",
                h.escape_ascii()
            ),
            Refusal::HeaderNameTooLong(h) => write!(
                f,
                "request header `{}...` is not allowed by the policy: its name is longer than \
                 {} bytes",
                h.escape_ascii(),
                h.len()
            ),
            Refusal::PrivateNetworkNotAllowed => {
                f.write_str("private network access is not allowed by the policy")
            }
            Refusal::CrossSiteWrite(w) => write!(
                f,
                "{} from another site (Origin {}, Sec-Fetch-Site {}): only the site itself and \
                 origins the policy allows may write",
                if w.websocket {
                    "WebSocket handshake"
                } else {
                    "write"
                },
                Lines(w.origin()),
                Lines(w.sec_fetch_site())
            ),
        }
    }
}

impl Refusal<'_> {
    /// The line adapters log for a refused request (at debug level), with the method, the
    /// path and which policy (`route` or `default`) refused.
    ///
    /// ```
    /// use cors_shared::{CrossSiteWrite, HeaderLines, Refusal};
    /// let write = Refusal::CrossSiteWrite(CrossSiteWrite::new(
    ///     HeaderLines::One(b"https://evil.example"),
    ///     HeaderLines::One(b"cross-site"),
    ///     false,
    /// ));
    /// assert_eq!(
    ///     write.log_line().to_string(),
    ///     "cross-site write refused, 403: write from another site (Origin \
    ///      `https://evil.example`, Sec-Fetch-Site `cross-site`): only the site itself and \
    ///      origins the policy allows may write"
    /// );
    /// ```
    ///
    /// ```
    /// use cors_shared::Refusal;
    /// let line = Refusal::MultipleOrigins.log_line();
    /// assert_eq!(line.to_string(), "CORS refused, no Access-Control-Allow-Origin: the request has more than one Origin header");
    /// ```
    pub fn log_line(&self) -> impl fmt::Display + '_ {
        LogLine(self)
    }
}

struct LogLine<'r, 'a>(&'r Refusal<'a>);

impl fmt::Display for LogLine<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Refusal::CrossSiteWrite(_) = self.0 {
            return write!(f, "cross-site write refused, 403: {}", self.0);
        }
        write!(
            f,
            "CORS refused, no Access-Control-Allow-Origin: {}",
            self.0
        )
    }
}
