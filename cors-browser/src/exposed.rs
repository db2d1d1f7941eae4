//! Which response headers a page may read from a CORS response (Fetch, "CORS-safelisted
//! response-header name", "CORS filtered response", and "HTTP fetch" setting the
//! CORS-exposed header-name list).

use crate::headers::extract_values;
use cors_shared::fetch;
use cors_shared::header;

/// Fetch, "CORS-safelisted response-header name": the headers a page can always read from a
/// CORS response.
pub const SAFELISTED_RESPONSE_HEADERS: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// The header names of a response, split into what the page can read through
/// `response.headers` and what stays hidden. Both lists are lower case, without duplicates,
/// in response order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadableHeaders {
    /// Names the page can read.
    pub readable: Vec<String>,
    /// Names present in the response that the page cannot read.
    pub hidden: Vec<String>,
}

/// Which of a CORS response's headers a page may read, for a request with credentials mode
/// `include` when `credentials`.
///
/// Fetch, "HTTP fetch": the CORS-exposed header-name list is the result of extracting
/// `Access-Control-Expose-Headers`; when the request has no credentials and that list holds
/// `*`, it is every header name of the response. A list that fails to parse exposes nothing
/// extra. "CORS filtered response" then keeps the CORS-safelisted response-header names and
/// the exposed names, never `Set-Cookie`.
///
/// ```
/// use cors_browser::readable_headers;
/// let response = [
///     ("content-type", "text/plain"),
///     ("x-total-count", "42"),
///     ("x-request-id", "7"),
///     ("access-control-expose-headers", "x-total-count"),
/// ];
/// let r = readable_headers(false, &response);
/// assert_eq!(r.readable, ["content-type", "x-total-count"]);
/// assert_eq!(r.hidden, ["x-request-id", "access-control-expose-headers"]);
/// // `*` exposes everything without credentials, nothing extra with them.
/// let star = [("x-a", "1"), ("access-control-expose-headers", "*")];
/// assert_eq!(readable_headers(false, &star).readable, ["x-a", "access-control-expose-headers"]);
/// assert!(readable_headers(true, &star).readable.is_empty());
/// ```
pub fn readable_headers<N: AsRef<str>, V: AsRef<str>>(
    credentials: bool,
    headers: &[(N, V)],
) -> ReadableHeaders {
    let exposed = extract_values(headers, header::EXPOSE_HEADERS)
        .ok()
        .flatten()
        .unwrap_or_default();
    let everything = !credentials && exposed.iter().any(|h| h == "*");
    let mut out = ReadableHeaders::default();
    for (name, _) in headers {
        let lower = name.as_ref().to_ascii_lowercase();
        if out.readable.contains(&lower) || out.hidden.contains(&lower) {
            continue;
        }
        let readable = !fetch::is_forbidden_response_header_name(&lower)
            && (everything
                || SAFELISTED_RESPONSE_HEADERS.contains(&lower.as_str())
                || exposed.iter().any(|e| e.eq_ignore_ascii_case(&lower)));
        if readable {
            out.readable.push(lower);
        } else {
            out.hidden.push(lower);
        }
    }
    out
}
