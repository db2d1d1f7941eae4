//! HTTP token grammar and the Fetch Standard's lists of names a policy may not use.

/// True for a `tchar` of RFC 9110: one table lookup, since the request path checks every byte
/// of a requested header list with it.
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR.get(usize::from(b)).copied().unwrap_or(false)
}

/// Which bytes are a `tchar`, built at compile time from the grammar (an index out of bounds
/// here would fail the build, not a request).
#[allow(clippy::indexing_slicing)]
const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0usize;
    while b < 256 {
        table[b] = grammar_tchar(b as u8);
        b += 1;
    }
    table
};

/// RFC 9110's `tchar`: a letter, a digit or one of ``!#$%&'*+-.^_`|~``.
const fn grammar_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// True when `s` is a non-empty RFC 9110 token.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// Methods browsers never let a page send (Fetch: forbidden methods).
pub(crate) const FORBIDDEN_METHODS: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];

/// Methods a browser upper-cases before sending; a policy must list them upper-case.
pub(crate) const NORMALIZED_METHODS: [&str; 6] =
    ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// CORS-safelisted methods: allowed by every preflight that names them.
pub(crate) const SAFELISTED_METHODS: [&[u8]; 3] = [b"GET", b"HEAD", b"POST"];

/// Request headers a page can never set (Fetch: forbidden request-header names).
pub(crate) const FORBIDDEN_REQUEST_HEADERS: [&str; 21] = [
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

/// Prefixes of request headers a page can never set.
pub(crate) const FORBIDDEN_REQUEST_PREFIXES: [&str; 2] = ["proxy-", "sec-"];

/// Response headers a browser never exposes to a page, whatever the server says.
pub(crate) const FORBIDDEN_RESPONSE_HEADERS: [&str; 2] = ["set-cookie", "set-cookie2"];

/// ASCII case-insensitive equality of two byte strings.
pub(crate) fn eq_ignore_case(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// True for a lower-case request header name a page can never set (Fetch: forbidden
/// request-header names and prefixes).
pub(crate) fn is_forbidden_request_header(lower: &str) -> bool {
    FORBIDDEN_REQUEST_HEADERS.contains(&lower)
        || FORBIDDEN_REQUEST_PREFIXES
            .iter()
            .any(|p| lower.starts_with(p))
}
