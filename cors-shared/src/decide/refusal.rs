//! Why a CORS request was refused, and the log line that says so.

use std::fmt;

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
        }
    }
}

impl Refusal<'_> {
    /// The line adapters log for a refused request (at debug level), with the method, the
    /// path and which policy (`route` or `default`) refused.
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
        write!(
            f,
            "CORS refused, no Access-Control-Allow-Origin: {}",
            self.0
        )
    }
}
