//! The browser's side of the CORS protocol, as pure functions that follow the Fetch Standard:
//! would a browser let this page read this response?
//!
//! A page at `https://app.example.re` sends a JSON `PUT` with cookies to an API on another
//! origin. Feed each step the answer your server gave, and the browser's verdict comes out:
//!
//! ```
//! use cors_browser::{cors_check, preflight_check, preflight_needed, readable_headers};
//!
//! let page = "https://app.example.re";
//! let headers = [("content-type", "application/json")];
//!
//! // 1. `PUT` and a JSON body are not safelisted: the browser asks first.
//! let need = preflight_needed("PUT", &headers).expect("a preflight");
//! assert_eq!(need.header_names(), ["content-type"]);
//!
//! // 2. The preflight's answer must allow the origin, credentials, the method and the header.
//! let preflight = [
//!     ("access-control-allow-origin", page),
//!     ("access-control-allow-credentials", "true"),
//!     ("access-control-allow-methods", "PUT"),
//!     ("access-control-allow-headers", "*"),
//! ];
//! let refused = preflight_check(page, true, "PUT", &headers, 204, &preflight).unwrap_err();
//! assert_eq!(
//!     refused.chromium_message(),
//!     "Request header field content-type is not allowed by Access-Control-Allow-Headers in \
//!      preflight response."
//! );
//! // `*` is read literally with credentials: the server must name the header.
//! let preflight = [
//!     ("access-control-allow-origin", page),
//!     ("access-control-allow-credentials", "true"),
//!     ("access-control-allow-methods", "PUT"),
//!     ("access-control-allow-headers", "content-type"),
//! ];
//! assert!(preflight_check(page, true, "PUT", &headers, 204, &preflight).is_ok());
//!
//! // 3. The actual response passes the CORS check, and the page reads what is exposed.
//! let response = [
//!     ("access-control-allow-origin", page),
//!     ("access-control-allow-credentials", "true"),
//!     ("content-type", "application/json"),
//!     ("x-request-id", "7"),
//! ];
//! assert_eq!(cors_check(page, true, &response), Ok(()));
//! assert!(readable_headers(true, &response).hidden.contains(&"x-request-id".to_owned()));
//! ```
//!
//! A server library decides what a server answers; this crate decides what a browser does with
//! that answer, so that tests (yours, against your own server's responses) and tools (such as
//! `cors-doctor`, which replays a browser against a live endpoint) can ask it without a browser:
//!
//! - [`preflight_needed`]: does a `fetch()` with this method and these headers need a
//!   CORS-preflight request first (Fetch, "main fetch" and "CORS-unsafe request-header
//!   names"), and why.
//! - [`preflight_check`]: the checks of a preflight's response (Fetch, "CORS-preflight
//!   fetch", steps 7 and 8).
//! - [`cors_check`]: the CORS check of a response (Fetch, "CORS check"), with credentials.
//! - [`readable_headers`]: which response headers the page may read (Fetch, "CORS filtered
//!   response" and "CORS-safelisted response-header name").
//! - [`follow_redirect`]: what a redirect does to a CORS request (Fetch, "HTTP-redirect
//!   fetch"): a preflight may not redirect, and a cross-origin redirect makes the next
//!   request's `Origin` `null`.
//! - [`Engine`] and [`DEVIATIONS`]: where Chromium, Firefox and WebKit, as they ship, depart
//!   from the standard (each entry with the version it was observed on and the text it departs
//!   from), with the two checks they touch as each engine runs them
//!   ([`Engine::preflight_check`], [`Engine::follow_redirect`]) and [`agreement`] of their
//!   verdicts.
//! - [`fetch_site`]: the `Sec-Fetch-Site` a browser sends (`same-origin`, `same-site` or
//!   `cross-site`), with sites drawn by the Public Suffix List; [`same_site`] and
//!   [`same_origin`] compare two URLs.
//!
//! URLs are parsed by the WHATWG URL parser (the [`url`] crate, re-exported), whose origin
//! serialization is the `Origin` a page sends.
//!
//! Header lists are slices of `(name, value)` pairs in the order they were received, one pair
//! per header line: duplicates matter (two `Access-Control-Allow-Origin` lines fail the CORS
//! check). Names compare ASCII case-insensitively. Nothing here panics on any input.
//!
//! Each failure carries the message Chromium prints in its console for it
//! ([`CorsFailure::chromium_message`], [`PreflightFailure::chromium_message`],
//! [`RedirectFailure::chromium_message`]), so reports read like the console a user saw.
//!
//! The Fetch Standard's name lists (forbidden methods and request headers, safelisted methods,
//! `Set-Cookie` never readable, `Authorization` never covered by `*`) are the ones the server
//! core validates policies with, [`cors_shared::fetch`], so both sides read the same names.
//!
//! The guide's chapters on [diagnosing with `cors-doctor`][guide-doctor] (which runs these
//! checks against a live endpoint) and on [what the browser and cache proofs show][guide-proofs]
//! (real engines' verdicts held against them) say more.
//!
//! [guide-doctor]: https://example.invalid/cors-suite/blob/main/docs/guide/src/doctor.md
//! [guide-proofs]: https://example.invalid/cors-suite/blob/main/docs/guide/src/proofs.md

mod check;
mod engines;
mod exposed;
mod headers;
mod origin;
mod preflight;
mod preflight_needed;
mod redirect;
mod safelist;

pub use check::{cors_check, CorsFailure};
pub use engines::{
    agreement, Agreement, Deviation, DeviationEntry, Engine, EngineGrant, EngineRedirect,
    DEVIATIONS,
};
pub use exposed::{readable_headers, ReadableHeaders, SAFELISTED_RESPONSE_HEADERS};
pub use headers::{extract_values, get_combined};
pub use origin::{fetch_site, is_http_scheme, same_origin, same_site, FetchSite};
pub use preflight::{preflight_check, PreflightFailure, PreflightGrant};
pub use preflight_needed::{
    cors_unsafe_request_header_names, preflight_needed, PreflightNeed, UnsafeHeader,
};
pub use redirect::{
    follow_redirect, Hop, Redirect, RedirectFailure, MAX_REDIRECTS, REQUEST_BODY_HEADERS,
};
pub use safelist::{
    is_cors_safelisted_method, is_forbidden_method, is_forbidden_request_header, normalize_method,
    safelist_verdict, HeaderVerdict, MAX_SAFELISTED_TOTAL, MAX_SAFELISTED_VALUE,
    METHOD_OVERRIDE_HEADERS,
};
/// The WHATWG URL parser that browsers' URLs follow, re-exported so that callers use the same
/// version as this crate's functions.
pub use url;
pub use url::{ParseError, Url};
