//! The Fetch Standard's names that both sides of CORS need, once.
//!
//! A server's policy is refused when it lists a name a browser never sends or never shows
//! (a forbidden method, a forbidden request header, `Set-Cookie` as an exposed header), and a
//! browser decides with the same names whether it sends a preflight and what a page may read.
//! This crate's validation and the browser's checks in `cors-browser` both read these lists,
//! so the two sides cannot disagree about a name.
//!
//! Lists hold lower-case header names and methods as the standard spells them; the functions
//! compare as browsers do (header names and forbidden methods ASCII case-insensitively,
//! safelisted methods byte for byte).
//!
//! ```
//! use cors_shared::fetch;
//!
//! assert!(fetch::is_forbidden_method("trace"));
//! assert_eq!(fetch::normalized_method("delete"), Some("DELETE"));
//! assert!(fetch::is_forbidden_request_header_name("Sec-Fetch-Mode"));
//! assert!(!fetch::is_forbidden_request_header_name("authorization"));
//! assert!(fetch::is_cors_safelisted_method("POST"));
//! assert!(!fetch::is_cors_safelisted_method("post"));
//! ```

use crate::token;

/// Fetch, "forbidden method": methods a page can never send; `fetch()` throws a `TypeError`
/// for them (compared ASCII case-insensitively).
pub const FORBIDDEN_METHODS: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];

/// Fetch, "normalize" a method: the methods a browser upper-cases when a page writes them in
/// any case. Every other method (`patch` included) is sent exactly as written, and methods
/// are compared byte for byte, so a policy lists these in upper case.
pub const NORMALIZED_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// Fetch, "CORS-safelisted method": methods that never need a preflight, and that a
/// preflight's answer allows whether it lists them or not (compared byte for byte).
pub const SAFELISTED_METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

/// Fetch, "forbidden request-header": the names a page can never set (the browser sets some
/// of them itself, such as `Origin` and `Cookie`). Names starting with one of
/// [`FORBIDDEN_REQUEST_HEADER_PREFIXES`] are forbidden too.
pub const FORBIDDEN_REQUEST_HEADERS: [&str; 21] = [
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// Fetch, "forbidden request-header": every name that starts with one of these is forbidden.
pub const FORBIDDEN_REQUEST_HEADER_PREFIXES: [&str; 2] = ["proxy-", "sec-"];

/// Fetch, "forbidden response-header name": headers a page never reads from a response,
/// whatever `Access-Control-Expose-Headers` says.
pub const FORBIDDEN_RESPONSE_HEADERS: [&str; 2] = ["set-cookie", "set-cookie2"];

/// Fetch, "CORS non-wildcard request-header name": request headers that an
/// `Access-Control-Allow-Headers: *` never covers; a preflight's answer must name them.
pub const NON_WILDCARD_REQUEST_HEADERS: [&str; 1] = ["authorization"];

/// Whether `s` is an HTTP token (RFC 9110): one or more letters, digits or
/// ``!#$%&'*+-.^_`|~``. Methods and header names are tokens.
///
/// ```
/// assert!(cors_shared::fetch::is_token("x-request-id"));
/// assert!(!cors_shared::fetch::is_token("x request"));
/// assert!(!cors_shared::fetch::is_token(""));
/// ```
pub fn is_token(s: &str) -> bool {
    token::is_token(s.as_bytes())
}

/// Whether `method` is a [forbidden method](FORBIDDEN_METHODS), ASCII case-insensitively.
pub fn is_forbidden_method(method: &str) -> bool {
    FORBIDDEN_METHODS
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// The upper-case form a browser sends for `method` when it is one of the
/// [normalized methods](NORMALIZED_METHODS) in any case; `None` for every other method,
/// which a browser sends as written.
pub fn normalized_method(method: &str) -> Option<&'static str> {
    NORMALIZED_METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .copied()
}

/// Whether `method` is a [CORS-safelisted method](SAFELISTED_METHODS), byte for byte (the
/// method as sent, after normalization: `get` has become `GET`).
pub fn is_cors_safelisted_method(method: &str) -> bool {
    is_safelisted_method_bytes(method.as_bytes())
}

/// [`is_cors_safelisted_method`] on the raw bytes of a request line.
pub(crate) fn is_safelisted_method_bytes(method: &[u8]) -> bool {
    safelisted_method(method).is_some()
}

/// The [CORS-safelisted method](SAFELISTED_METHODS) equal byte for byte to `method`, as text.
pub(crate) fn safelisted_method(method: &[u8]) -> Option<&'static str> {
    SAFELISTED_METHODS
        .iter()
        .copied()
        .find(|m| m.as_bytes() == method)
}

/// Whether a page can never set a request header of this name (a
/// [forbidden request header](FORBIDDEN_REQUEST_HEADERS) or one of its
/// [prefixes](FORBIDDEN_REQUEST_HEADER_PREFIXES)), ASCII case-insensitively. The value-dependent
/// part of the rule (method-override headers naming a forbidden method) is the browser's, in
/// `cors-browser`.
pub fn is_forbidden_request_header_name(name: &str) -> bool {
    FORBIDDEN_REQUEST_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
        || FORBIDDEN_REQUEST_HEADER_PREFIXES.iter().any(|p| {
            name.get(..p.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(p))
        })
}

/// Whether a page never reads a response header of this name (a
/// [forbidden response-header name](FORBIDDEN_RESPONSE_HEADERS)), ASCII case-insensitively.
pub fn is_forbidden_response_header_name(name: &str) -> bool {
    FORBIDDEN_RESPONSE_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// Whether an `Access-Control-Allow-Headers: *` leaves this request header out (a
/// [CORS non-wildcard request-header name](NON_WILDCARD_REQUEST_HEADERS)), ASCII
/// case-insensitively.
pub fn is_non_wildcard_request_header(name: &str) -> bool {
    is_non_wildcard_request_header_bytes(name.as_bytes())
}

/// [`is_non_wildcard_request_header`] on the raw bytes of a requested name.
pub(crate) fn is_non_wildcard_request_header_bytes(name: &[u8]) -> bool {
    NON_WILDCARD_REQUEST_HEADERS
        .iter()
        .any(|h| h.as_bytes().eq_ignore_ascii_case(name))
}
