//! The CORS check of a response (Fetch, "CORS check"), including its credentials rules.

use std::fmt;

use crate::headers::get_combined;
use cors_shared::header;

/// Why a response fails the CORS check. Each variant is one of the ways Chromium reports the
/// failure; [`CorsFailure::chromium_message`] gives its console wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsFailure {
    /// Step 2: there is no `Access-Control-Allow-Origin` at all.
    MissingAllowOrigin,
    /// Step 4: several values (two header lines, or one line with a list), where exactly one
    /// origin is allowed. Holds the combined value.
    MultipleAllowOriginValues(String),
    /// Step 4: the value is neither `*`, `null` nor an origin.
    InvalidAllowOriginValue(String),
    /// Step 4: an origin, but not the request's.
    AllowOriginMismatch(String),
    /// Step 3 does not apply with credentials, so `*` fails step 4.
    WildcardWithCredentials,
    /// Steps 6 to 8: with credentials, `Access-Control-Allow-Credentials` must be exactly
    /// `true`. Holds what was sent (empty when absent).
    InvalidAllowCredentials(String),
}

impl CorsFailure {
    /// What Chromium's console says after "has been blocked by CORS policy: " (for a
    /// `fetch()`), without the "Response to preflight request doesn't pass access control
    /// check: " prefix it adds for a preflight.
    pub fn chromium_message(&self) -> String {
        const NO_CORS: &str = " Have the server send the header with a valid value, or, if an \
             opaque response serves your needs, set the request's mode to 'no-cors' to fetch \
             the resource with CORS disabled.";
        match self {
            CorsFailure::MissingAllowOrigin => "No 'Access-Control-Allow-Origin' header is \
                 present on the requested resource. If an opaque response serves your needs, \
                 set the request's mode to 'no-cors' to fetch the resource with CORS disabled."
                .to_owned(),
            CorsFailure::MultipleAllowOriginValues(v) => format!(
                "The 'Access-Control-Allow-Origin' header contains multiple values '{v}', but \
                 only one is allowed.{NO_CORS}"
            ),
            CorsFailure::InvalidAllowOriginValue(v) => format!(
                "The 'Access-Control-Allow-Origin' header contains the invalid value \
                 '{v}'.{NO_CORS}"
            ),
            CorsFailure::AllowOriginMismatch(v) => format!(
                "The 'Access-Control-Allow-Origin' header has a value '{v}' that is not equal \
                 to the supplied origin.{NO_CORS}"
            ),
            CorsFailure::WildcardWithCredentials => "The value of the \
                 'Access-Control-Allow-Origin' header in the response must not be the wildcard \
                 '*' when the request's credentials mode is 'include'."
                .to_owned(),
            CorsFailure::InvalidAllowCredentials(v) => format!(
                "The value of the 'Access-Control-Allow-Credentials' header in the response is \
                 '{v}' which must be 'true' when the request's credentials mode is 'include'."
            ),
        }
    }
}

impl fmt::Display for CorsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsFailure::MissingAllowOrigin => {
                f.write_str("the response has no Access-Control-Allow-Origin header")
            }
            CorsFailure::MultipleAllowOriginValues(v) => write!(
                f,
                "Access-Control-Allow-Origin holds several values ({v}); a browser accepts \
                 exactly one origin, so the header is probably added twice (by two layers, or \
                 by the application and a proxy)"
            ),
            CorsFailure::InvalidAllowOriginValue(v) => write!(
                f,
                "Access-Control-Allow-Origin is `{v}`, which is not an origin \
                 (scheme://host[:port]), `*` or `null`"
            ),
            CorsFailure::AllowOriginMismatch(v) => write!(
                f,
                "Access-Control-Allow-Origin is `{v}`, not the page's origin; the browser \
                 compares the two byte for byte"
            ),
            CorsFailure::WildcardWithCredentials => f.write_str(
                "Access-Control-Allow-Origin is `*`, which never covers a request with \
                 credentials (cookies, HTTP authentication, client certificates)",
            ),
            CorsFailure::InvalidAllowCredentials(v) if v.is_empty() => f.write_str(
                "the request has credentials, and the response has no \
                 Access-Control-Allow-Credentials: true",
            ),
            CorsFailure::InvalidAllowCredentials(v) => write!(
                f,
                "Access-Control-Allow-Credentials is `{v}`; with credentials it must be \
                 exactly `true`"
            ),
        }
    }
}

/// Whether an `Access-Control-Allow-Origin` value looks like an origin or `null` at all, for
/// telling "invalid" from "mismatch" as Chromium does.
fn looks_like_origin(value: &str) -> bool {
    if value == "null" {
        return true;
    }
    match value.split_once("://") {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                && !rest.is_empty()
        }
        None => false,
    }
}

/// Fetch, "CORS check": may a request from `origin` (its serialized request origin, `null`
/// after a cross-origin redirect) with credentials mode `include` (when `credentials`) read a
/// response with these header lines?
///
/// ```
/// use cors_browser::{cors_check, CorsFailure};
/// let ok = [("Access-Control-Allow-Origin", "https://app.example.re"),
///           ("Access-Control-Allow-Credentials", "true")];
/// assert_eq!(cors_check("https://app.example.re", true, &ok), Ok(()));
/// let twice = [("access-control-allow-origin", "https://app.example.re"),
///              ("access-control-allow-origin", "https://app.example.re")];
/// assert!(matches!(cors_check("https://app.example.re", false, &twice),
///                  Err(CorsFailure::MultipleAllowOriginValues(_))));
/// let yes = [("access-control-allow-origin", "https://app.example.re"),
///            ("access-control-allow-credentials", "TRUE")];
/// assert_eq!(cors_check("https://app.example.re", true, &yes),
///            Err(CorsFailure::InvalidAllowCredentials("TRUE".into())));
/// ```
pub fn cors_check<N: AsRef<str>, V: AsRef<str>>(
    origin: &str,
    credentials: bool,
    headers: &[(N, V)],
) -> Result<(), CorsFailure> {
    // Step 1: get `Access-Control-Allow-Origin` (several lines combine with ", ").
    // Step 2: null (absent) is a failure.
    let Some(allow_origin) = get_combined(headers, header::ALLOW_ORIGIN) else {
        return Err(CorsFailure::MissingAllowOrigin);
    };
    // Step 3: without credentials, `*` is a success.
    if !credentials && allow_origin == "*" {
        return Ok(());
    }
    // Step 4: the value must be the request's serialized origin, byte for byte.
    if allow_origin != origin {
        return Err(if allow_origin == "*" {
            CorsFailure::WildcardWithCredentials
        } else if allow_origin.contains([',', ' ']) {
            CorsFailure::MultipleAllowOriginValues(allow_origin)
        } else if !looks_like_origin(&allow_origin) {
            CorsFailure::InvalidAllowOriginValue(allow_origin)
        } else {
            CorsFailure::AllowOriginMismatch(allow_origin)
        });
    }
    // Step 5: without credentials, that is enough.
    if !credentials {
        return Ok(());
    }
    // Steps 6 to 8: `Access-Control-Allow-Credentials` must be exactly `true`.
    match get_combined(headers, header::ALLOW_CREDENTIALS) {
        Some(value) if value == "true" => Ok(()),
        Some(value) => Err(CorsFailure::InvalidAllowCredentials(value)),
        None => Err(CorsFailure::InvalidAllowCredentials(String::new())),
    }
}
