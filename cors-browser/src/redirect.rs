//! What a redirect does to a CORS request (Fetch, "HTTP-redirect fetch", and "serializing a
//! request origin").

use std::fmt;

use cors_shared::fetch;
use url::{ParseError, Url};

use crate::origin::{is_http_scheme, same_origin};

/// Fetch, "HTTP-redirect fetch", step 7: the 21st redirect is a network error.
pub const MAX_REDIRECTS: u32 = 20;

/// Fetch, "request-body-header name": the headers that describe a body, removed with it when
/// a redirect turns the request into a `GET`.
pub const REQUEST_BODY_HEADERS: [&str; 4] = [
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
];

/// One hop of a request being fetched: where it went, and what the browser knows about it.
#[derive(Clone, Copy, Debug)]
pub struct Hop<'a> {
    /// The page's origin (the request's origin), serialized.
    pub page_origin: &'a str,
    /// The request's current URL (the one that answered with the redirect).
    pub url: &'a Url,
    /// The request's tainted origin flag, from earlier redirects.
    pub tainted: bool,
    /// The request's current method.
    pub method: &'a str,
    /// How many redirects were already followed.
    pub redirects: u32,
}

/// Where the browser goes next, and how the next request differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The resolved `Location`.
    pub location: Url,
    /// The `Origin` the next request carries (Fetch, "serializing a request origin":
    /// `null` once the tainted origin flag is set).
    pub origin: String,
    /// The tainted origin flag after this redirect.
    pub tainted: bool,
    /// The next request's method (step 12 turns some into `GET`).
    pub method: String,
    /// Whether the body and its headers are dropped (step 12).
    pub drops_body: bool,
    /// Whether `Authorization` is removed (step 13: the redirect crosses origins).
    pub drops_authorization: bool,
}

impl Redirect {
    /// Whether the next request still carries an author header of this name (ASCII
    /// case-insensitively): step 12 removes the [request-body headers](REQUEST_BODY_HEADERS)
    /// with the body, and step 13 the CORS non-wildcard request-header names
    /// (`Authorization`, [`cors_shared::fetch::NON_WILDCARD_REQUEST_HEADERS`]) when the
    /// redirect crosses origins.
    ///
    /// ```
    /// use cors_browser::{follow_redirect, Hop, Url};
    /// let url = Url::parse("https://api.example.re/upload").unwrap();
    /// let hop = Hop { page_origin: "https://app.example.re", url: &url, tainted: false,
    ///                 method: "POST", redirects: 0 };
    /// let next = follow_redirect(&hop, 302, Some("https://cdn.example.re/"), false)
    ///     .unwrap().unwrap();
    /// let mut headers = vec![("Content-Type", "text/plain"), ("Authorization", "Bearer t"),
    ///                        ("X-Trace", "1")];
    /// headers.retain(|(name, _)| next.keeps_header(name));
    /// assert_eq!(headers, [("X-Trace", "1")]);
    /// ```
    pub fn keeps_header(&self, name: &str) -> bool {
        let body = self.drops_body
            && REQUEST_BODY_HEADERS
                .iter()
                .any(|h| h.eq_ignore_ascii_case(name));
        let credential = self.drops_authorization && fetch::is_non_wildcard_request_header(name);
        !body && !credential
    }
}

/// Why the browser stops at a redirect with a network error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedirectFailure {
    /// A preflight's response is a redirect ("CORS-preflight fetch", step 8).
    Preflight {
        /// The `Location`, if any.
        location: Option<String>,
    },
    /// Step 5: the `Location` does not parse.
    InvalidLocation {
        /// The raw `Location`.
        location: String,
        /// Why it does not parse (the WHATWG URL parser's error).
        error: ParseError,
    },
    /// Step 6: the `Location`'s scheme is not `http` or `https`.
    DisallowedScheme {
        /// The resolved location.
        location: String,
    },
    /// Steps 7 and 8: more than [`MAX_REDIRECTS`] redirects.
    TooMany,
    /// Steps 9 and 10: the `Location` has a username or password.
    ContainsCredentials {
        /// The resolved location.
        location: String,
    },
}

impl RedirectFailure {
    /// What Chromium's console says for it (after "has been blocked by CORS policy: " for
    /// the CORS errors; `net::` error names for the others).
    pub fn chromium_message(&self) -> String {
        match self {
            RedirectFailure::Preflight { .. } => "Response to preflight request doesn't pass \
                 access control check: Redirect is not allowed for a preflight request."
                .to_owned(),
            RedirectFailure::InvalidLocation { .. } => "net::ERR_INVALID_REDIRECT".to_owned(),
            RedirectFailure::DisallowedScheme { .. } => "Cross origin requests are only \
                 supported for protocol schemes: http, data, isolated-app, chrome-extension, \
                 chrome, https, chrome-untrusted."
                .to_owned(),
            RedirectFailure::TooMany => "net::ERR_TOO_MANY_REDIRECTS".to_owned(),
            RedirectFailure::ContainsCredentials { location } => format!(
                "Redirect location '{location}' contains a username and password, which is \
                 disallowed for cross-origin requests."
            ),
        }
    }
}

impl fmt::Display for RedirectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectFailure::Preflight { location } => write!(
                f,
                "the preflight was redirected{}; browsers never follow a preflight's redirect",
                location
                    .as_deref()
                    .map(|l| format!(" to {l}"))
                    .unwrap_or_default()
            ),
            RedirectFailure::InvalidLocation { location, error } => {
                write!(
                    f,
                    "the redirect's Location `{location}` is not a URL: {error}"
                )
            }
            RedirectFailure::DisallowedScheme { location } => write!(
                f,
                "the redirect goes to `{location}`, and a fetch may only be redirected to http \
                 or https"
            ),
            RedirectFailure::TooMany => {
                write!(f, "more than {MAX_REDIRECTS} redirects in a row")
            }
            RedirectFailure::ContainsCredentials { location } => write!(
                f,
                "the redirect goes to `{location}`, which has a username or password in it; \
                 browsers refuse that for CORS requests"
            ),
        }
    }
}

/// Fetch, "HTTP-redirect fetch", for a `cors`-mode request in redirect mode `follow` that
/// got `status` with this `Location`: `Ok(None)` when there is no `Location` (step 4: the
/// 3xx response is the response), `Ok(Some(next))` for the next hop, or the network error.
///
/// The redirect response itself must pass the CORS check first ("HTTP fetch": a `cors`
/// response tainting checks every response, redirects included); the caller runs
/// [`cors_check`](crate::cors_check) on it before calling this.
///
/// ```
/// use cors_browser::{follow_redirect, Hop, Url};
/// // An http -> https redirect of a cross-origin request: a different origin, so the
/// // tainted origin flag is set and the next request says `Origin: null`.
/// let url = Url::parse("http://api.example.re/data").unwrap();
/// let hop = Hop { page_origin: "https://app.example.re", url: &url, tainted: false,
///                 method: "GET", redirects: 0 };
/// let next = follow_redirect(&hop, 301, Some("https://api.example.re/data"), false)
///     .unwrap().unwrap();
/// assert_eq!(next.origin, "null");
/// ```
pub fn follow_redirect(
    hop: &Hop<'_>,
    status: u16,
    location: Option<&str>,
    preflight: bool,
) -> Result<Option<Redirect>, RedirectFailure> {
    if preflight {
        return Err(RedirectFailure::Preflight {
            location: location.map(str::to_owned),
        });
    }
    // Step 3 and 4: the location URL; none means the response is returned as it is.
    let Some(raw) = location else {
        return Ok(None);
    };
    // Step 5: a Location that does not parse is a network error. A Location without a
    // fragment keeps the current URL's (it is never sent, but the page sees it in
    // `response.url`).
    let mut next = hop
        .url
        .join(raw)
        .map_err(|error| RedirectFailure::InvalidLocation {
            location: raw.to_owned(),
            error,
        })?;
    if next.fragment().is_none() {
        next.set_fragment(hop.url.fragment());
    }
    // Step 6: only HTTP(S) schemes.
    if !is_http_scheme(&next) {
        return Err(RedirectFailure::DisallowedScheme {
            location: next.to_string(),
        });
    }
    // Steps 7 and 8: at most 20 redirects.
    if hop.redirects >= MAX_REDIRECTS {
        return Err(RedirectFailure::TooMany);
    }
    // Step 9: a cors-mode request may not go to a URL with credentials of another origin
    // than the page's. Step 10: with "cors" response tainting (every request here is
    // cross-origin), credentials in the URL are refused even when they go back to the
    // page's origin. Both end in the same error; Chromium words it as below.
    if !next.username().is_empty() || next.password().is_some() {
        return Err(RedirectFailure::ContainsCredentials {
            location: next.to_string(),
        });
    }
    // Step 12: 301/302 turn POST into GET; 303 turns everything but GET/HEAD into GET.
    let to_get = ((status == 301 || status == 302) && hop.method == "POST")
        || (status == 303 && hop.method != "GET" && hop.method != "HEAD");
    let method = if to_get { "GET" } else { hop.method }.to_owned();
    // Step 13: crossing origins removes `Authorization`.
    let crosses_origins = !same_origin(hop.url, &next);
    // The tainted origin flag: the redirect goes to another origin, and the current URL was
    // already not the page's origin.
    let tainted = hop.tainted
        || (crosses_origins && hop.url.origin().ascii_serialization() != hop.page_origin);
    // "Serializing a request origin", step 1: a tainted request says `null`.
    let origin = if tainted {
        "null".to_owned()
    } else {
        hop.page_origin.to_owned()
    };
    Ok(Some(Redirect {
        location: next,
        origin,
        tainted,
        method,
        drops_body: to_get,
        drops_authorization: crosses_origins,
    }))
}
