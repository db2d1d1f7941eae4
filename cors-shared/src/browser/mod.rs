//! The browser's side of the CORS protocol, as pure functions that follow the Fetch Standard.
//!
//! The rest of this crate decides what a *server* answers. This module decides what a
//! *browser* does with that answer, so that tools (such as `cors-doctor`) can replay a browser
//! against a live endpoint and tests can hold these functions against real browsers:
//!
//! - [`preflight_needed`]: does a `fetch()` with this method and these headers need a
//!   CORS-preflight request first (Fetch, "main fetch" and "CORS-unsafe request-header
//!   names"), and why.
//! - [`cors_check`]: the CORS check of a response (Fetch, "CORS check"), with credentials.
//! - [`preflight_check`]: the checks of a preflight's response (Fetch, "CORS-preflight
//!   fetch", steps 7 and 8).
//! - [`readable_headers`]: which response headers the page may read (Fetch, "CORS filtered
//!   response" and "CORS-safelisted response-header name").
//! - [`follow_redirect`]: what a redirect does to a CORS request (Fetch, "HTTP-redirect
//!   fetch"): a preflight may not redirect, and a cross-origin redirect makes the next
//!   request's `Origin` `null`.
//!
//! Header lists are slices of `(name, value)` pairs in the order they were received, one pair
//! per header line: duplicates matter (two `Access-Control-Allow-Origin` lines fail the CORS
//! check). Names compare ASCII case-insensitively. Nothing here panics on any input.
//!
//! Each failure carries the message Chromium prints in its console for it
//! ([`CorsFailure::chromium_message`], [`PreflightFailure::chromium_message`],
//! [`RedirectFailure::chromium_message`]), so reports read like the console a user saw.
//!
//! ```
//! use cors_shared::browser::{cors_check, preflight_needed, CorsFailure};
//!
//! // A JSON POST needs a preflight: `application/json` is not a safelisted content type.
//! let need = preflight_needed("POST", &[("content-type", "application/json")]);
//! assert_eq!(need.map(|n| n.header_names()), Some(vec!["content-type".to_owned()]));
//!
//! // `*` does not let a credentialed request read the response.
//! let response = [("access-control-allow-origin", "*")];
//! assert_eq!(cors_check("https://app.example.re", false, &response), Ok(()));
//! assert_eq!(
//!     cors_check("https://app.example.re", true, &response),
//!     Err(CorsFailure::WildcardWithCredentials)
//! );
//! ```

mod check;
mod exposed;
mod headers;
mod preflight;
mod preflight_needed;
mod redirect;
mod safelist;
mod url;

pub use check::{cors_check, CorsFailure};
pub use exposed::{readable_headers, ReadableHeaders, SAFELISTED_RESPONSE_HEADERS};
pub use headers::{extract_values, get_combined};
pub use preflight::{preflight_check, PreflightFailure, PreflightGrant};
pub use preflight_needed::{
    cors_unsafe_request_header_names, preflight_needed, PreflightNeed, UnsafeHeader,
};
pub use redirect::{follow_redirect, Hop, Redirect, RedirectFailure, MAX_REDIRECTS};
pub use safelist::{
    is_cors_safelisted_method, is_forbidden_method, is_forbidden_request_header, normalize_method,
    safelist_verdict, HeaderVerdict, MAX_SAFELISTED_TOTAL, MAX_SAFELISTED_VALUE,
    METHOD_OVERRIDE_HEADERS,
};
pub use url::{Url, UrlError};
