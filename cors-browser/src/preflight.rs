//! The checks a browser makes on the response to its preflight (Fetch, "CORS-preflight
//! fetch", steps 7 and 8).

use std::fmt;

use crate::check::{cors_check, CorsFailure};
use crate::headers::{extract_values, get_combined};
use crate::preflight_needed::cors_unsafe_request_header_names;
use crate::safelist::is_cors_safelisted_method;
use cors_shared::{fetch, header};

/// What a passed preflight allows, as the browser read it (what it would put in its
/// preflight cache).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreflightGrant {
    /// The items of `Access-Control-Allow-Methods`, as sent.
    pub methods: Vec<String>,
    /// The items of `Access-Control-Allow-Headers`, as sent.
    pub headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds, when present and a number (Chromium caps it at
    /// 7200, Firefox at 86400).
    pub max_age: Option<u64>,
}

/// Why a preflight's response does not let the actual request go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreflightFailure {
    /// The preflight was answered by a redirect (3xx). Step 8: a redirect status is not an
    /// ok status, and preflights are never redirected.
    Redirect {
        /// The status.
        status: u16,
        /// The `Location`, when there was one.
        location: Option<String>,
    },
    /// Step 7: the response fails the CORS check.
    Cors(CorsFailure),
    /// Step 7: the status is not an ok status (200 to 299).
    NotOk {
        /// The status.
        status: u16,
    },
    /// Step 7.3: `Access-Control-Allow-Methods` has an item that is not a method token.
    InvalidAllowMethods(String),
    /// Step 7.3: `Access-Control-Allow-Headers` has an item that is not a header name.
    InvalidAllowHeaders(String),
    /// Step 7.5: the method is neither listed nor safelisted (and `*` does not apply).
    MethodNotAllowed {
        /// The request's method.
        method: String,
        /// Whether the response offered `*`, which does not count with credentials.
        wildcard_with_credentials: bool,
    },
    /// Steps 7.6 and 7.7: a request header is not listed (and `*` does not apply).
    HeaderNotAllowed {
        /// The header's name, lower case.
        name: String,
        /// Whether the response offered `*`, which never covers `authorization` and does
        /// not count with credentials.
        wildcard_did_not_apply: bool,
    },
}

impl PreflightFailure {
    /// What Chromium's console says after "has been blocked by CORS policy: ".
    pub fn chromium_message(&self) -> String {
        const PREFIX: &str = "Response to preflight request doesn't pass access control check: ";
        match self {
            PreflightFailure::Redirect { .. } => {
                format!("{PREFIX}Redirect is not allowed for a preflight request.")
            }
            PreflightFailure::Cors(failure) => format!("{PREFIX}{}", failure.chromium_message()),
            PreflightFailure::NotOk { .. } => format!("{PREFIX}It does not have HTTP ok status."),
            PreflightFailure::InvalidAllowMethods(_) => {
                "Cannot parse Access-Control-Allow-Methods \
                 response header field in preflight response."
                    .to_owned()
            }
            PreflightFailure::InvalidAllowHeaders(_) => {
                "Cannot parse Access-Control-Allow-Headers \
                 response header field in preflight response."
                    .to_owned()
            }
            PreflightFailure::MethodNotAllowed { method, .. } => format!(
                "Method {method} is not allowed by Access-Control-Allow-Methods in preflight \
                 response."
            ),
            PreflightFailure::HeaderNotAllowed { name, .. } => format!(
                "Request header field {name} is not allowed by Access-Control-Allow-Headers in \
                 preflight response."
            ),
        }
    }
}

impl fmt::Display for PreflightFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreflightFailure::Redirect { status, location } => write!(
                f,
                "the preflight was answered with a {status} redirect{}; browsers never follow \
                 a redirect of a preflight, so the actual request is never sent",
                location
                    .as_deref()
                    .map(|l| format!(" to {l}"))
                    .unwrap_or_default()
            ),
            PreflightFailure::Cors(failure) => write!(f, "in the preflight's response, {failure}"),
            PreflightFailure::NotOk { status } => write!(
                f,
                "the preflight got status {status}; a preflight must get a 2xx status (204 is \
                 usual), so something before the CORS layer (authentication, routing, a \
                 method filter) answered the OPTIONS request"
            ),
            PreflightFailure::InvalidAllowMethods(item) => write!(
                f,
                "Access-Control-Allow-Methods holds `{item}`, which is not a method name, so \
                 the browser discards the whole header"
            ),
            PreflightFailure::InvalidAllowHeaders(item) => write!(
                f,
                "Access-Control-Allow-Headers holds `{item}`, which is not a header name, so \
                 the browser discards the whole header"
            ),
            PreflightFailure::MethodNotAllowed {
                method,
                wildcard_with_credentials,
            } => {
                write!(
                    f,
                    "the preflight's Access-Control-Allow-Methods does not list {method}"
                )?;
                if *wildcard_with_credentials {
                    f.write_str(
                        " (it says `*`, which does not count for a request with credentials)",
                    )?;
                }
                Ok(())
            }
            PreflightFailure::HeaderNotAllowed {
                name,
                wildcard_did_not_apply,
            } => {
                write!(
                    f,
                    "the preflight's Access-Control-Allow-Headers does not list the request \
                     header `{name}`"
                )?;
                if *wildcard_did_not_apply {
                    if fetch::is_non_wildcard_request_header(name) {
                        write!(f, " (it says `*`, which never covers {name})")?;
                    } else {
                        f.write_str(
                            " (it says `*`, which does not count for a request with credentials)",
                        )?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// Fetch, "CORS-preflight fetch", steps 7 and 8: does the preflight's response (its
/// `status` and header lines) let a request with this `method` and these author `headers`,
/// from `origin`, with credentials mode `include` when `credentials`, go ahead?
///
/// A 3xx status is reported as [`PreflightFailure::Redirect`] before anything else, as
/// Chromium does: its preflight loader refuses the redirect before reading headers.
///
/// ```
/// use cors_browser::{preflight_check, PreflightFailure};
/// let response = [
///     ("access-control-allow-origin", "https://app.example.re"),
///     ("access-control-allow-methods", "*"),
///     ("access-control-allow-headers", "*"),
/// ];
/// let ok = preflight_check("https://app.example.re", false, "PUT", &[("x-a", "1")], 204, &response);
/// assert!(ok.is_ok());
/// // `*` never covers `authorization`.
/// let auth = preflight_check("https://app.example.re", false, "PUT",
///                            &[("authorization", "Bearer t")], 204, &response);
/// assert_eq!(auth.unwrap_err().to_string(),
///     "the preflight's Access-Control-Allow-Headers does not list the request header \
///      `authorization` (it says `*`, which never covers authorization)");
/// ```
pub fn preflight_check<N: AsRef<str>, V: AsRef<str>, RN: AsRef<str>, RV: AsRef<str>>(
    origin: &str,
    credentials: bool,
    method: &str,
    headers: &[(N, V)],
    status: u16,
    response: &[(RN, RV)],
) -> Result<PreflightGrant, PreflightFailure> {
    if (300..400).contains(&status) {
        return Err(PreflightFailure::Redirect {
            status,
            location: get_combined(response, "location"),
        });
    }
    // Step 7's condition: a CORS check success and an ok status; otherwise step 8.
    cors_check(origin, credentials, response).map_err(PreflightFailure::Cors)?;
    if !(200..300).contains(&status) {
        return Err(PreflightFailure::NotOk { status });
    }
    // Steps 7.1 to 7.3: extract both lists; a failure of either is a network error.
    let methods = extract_values(response, header::ALLOW_METHODS)
        .map_err(PreflightFailure::InvalidAllowMethods)?
        .unwrap_or_default();
    let header_names = extract_values(response, header::ALLOW_HEADERS)
        .map_err(PreflightFailure::InvalidAllowHeaders)?
        .unwrap_or_default();
    // Step 7.4 (the use-CORS-preflight flag) is only set for upload listeners: not here.
    // Step 7.5: the method must be listed (case-sensitively), safelisted, or covered by `*`
    // without credentials.
    let wildcard_methods = methods.iter().any(|m| m == "*");
    if !methods.iter().any(|m| m == method)
        && !is_cors_safelisted_method(method)
        && (credentials || !wildcard_methods)
    {
        return Err(PreflightFailure::MethodNotAllowed {
            method: method.to_owned(),
            wildcard_with_credentials: wildcard_methods && credentials,
        });
    }
    let listed = |name: &str| header_names.iter().any(|h| h.eq_ignore_ascii_case(name));
    let wildcard_headers = header_names.iter().any(|h| h == "*");
    // Step 7.6: a CORS non-wildcard request-header name (`authorization`) must be listed by
    // name, whatever `*` says.
    let unlisted_non_wildcard = headers
        .iter()
        .map(|(n, _)| n.as_ref())
        .find(|n| fetch::is_non_wildcard_request_header(n) && !listed(n));
    if let Some(name) = unlisted_non_wildcard {
        return Err(PreflightFailure::HeaderNotAllowed {
            name: name.to_ascii_lowercase(),
            wildcard_did_not_apply: wildcard_headers,
        });
    }
    // Step 7.7: every CORS-unsafe request-header name must be listed, or covered by `*`
    // without credentials.
    for name in cors_unsafe_request_header_names(headers) {
        if !listed(&name) && (credentials || !wildcard_headers) {
            return Err(PreflightFailure::HeaderNotAllowed {
                name,
                wildcard_did_not_apply: wildcard_headers,
            });
        }
    }
    // Step 7.8: the max-age, when it parses.
    let max_age =
        get_combined(response, header::MAX_AGE).and_then(|v| v.trim().parse::<u64>().ok());
    Ok(PreflightGrant {
        methods,
        headers: header_names,
        max_age,
    })
}
