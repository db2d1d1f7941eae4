//! The framework-free core of the CORS suite.
//!
//! A policy is validated once, then decides each request without allocating:
//!
//! ```
//! use cors_shared::{Decision, HeaderLines, PolicySpec, RequestView};
//!
//! let policy = PolicySpec::new()
//!     .origins(["https://app.example.re"])
//!     .credentials(true)
//!     .methods(["PUT"])
//!     .headers(["content-type"])
//!     .max_age(600)
//!     .validate()?;
//!
//! let mut preflight = RequestView::new(b"OPTIONS");
//! preflight.origin = HeaderLines::One(b"https://app.example.re");
//! preflight.request_method = HeaderLines::One(b"PUT");
//! preflight.request_headers = HeaderLines::One(b"content-type");
//! let decision = policy.decide(&preflight);
//! assert_eq!(decision.preflight_status(), Some(204));
//! let headers: Vec<_> = decision.headers().iter().collect();
//! assert_eq!(headers, [
//!     ("access-control-allow-origin", "https://app.example.re"),
//!     ("access-control-allow-credentials", "true"),
//!     ("access-control-allow-methods", "PUT"),
//!     ("access-control-allow-headers", "content-type"),
//!     ("access-control-max-age", "600"),
//! ]);
//!
//! // A wildcard with credentials is refused, with the reason and the fix.
//! let err = PolicySpec::new().origin("*").credentials(true).validate().unwrap_err();
//! assert!(err.to_string().contains("`credentials` cannot be combined with the origin `*`"));
//! # Ok::<(), cors_shared::PolicyErrors>(())
//! ```
//!
//! A [`PolicySpec`] is what a user writes; [`PolicySpec::validate`] turns it into an immutable
//! [`Policy`] or reports *every* problem, each with what is wrong, why browsers care and what to
//! write instead. [`Policy::decide`] then looks at one request through a borrowed
//! [`RequestView`] and returns a [`Decision`]: not CORS, preflight allowed or refused, actual
//! request allowed or refused, with the exact headers to write. Deciding never allocates and
//! never panics, whatever the request holds.
//!
//! CORS only decides who may *read*. Write protection ([`WriteProtection`],
//! [`PolicySpec::protect_writes`], [`Policy::decide_with`]) makes the same allowlist decide who
//! may *change* anything: a cross-site write or WebSocket handshake from an origin the policy
//! does not echo is refused, in the same pass as CORS and by the same matcher.
//!
//! The same validation runs at compile time in the `#[cors(...)]` attribute, at start-up for
//! policies read from configuration, and in tests: the rules exist once, here.
//!
//! Origins that change while the server runs live in an [`OriginSet`] (validated by the same
//! rules, changed atomically, read without a lock; [`OriginFile`] keeps one in step with a
//! file), and a whole policy can be replaced through a [`PolicyHandle`]. The Fetch Standard's
//! name lists (forbidden methods and headers, safelisted methods, ...) are public in [`fetch`]:
//! the browser's side of the protocol (the `cors-browser` crate) reads the same ones.
//!
//! The guide's chapters on [the rules][guide-rules] (every validation rule, why browsers care
//! and the fix) and on [runtime allowlists][guide-runtime] (origin sets and reloads) say more.
//!
//! [guide-rules]: https://example.invalid/cors-suite/blob/main/docs/guide/src/rules.md
//! [guide-runtime]: https://example.invalid/cors-suite/blob/main/docs/guide/src/runtime.md

mod bytes;
mod decide;
mod error;
pub mod fetch;
mod field;
mod matcher;
mod origin;
mod policy;
mod reload;
mod set;
mod spec;
mod table;
mod token;
mod validate;
mod vary;

#[doc(hidden)]
pub mod __private;
pub mod origin_file;
pub mod public_suffix;

pub use decide::headers::{header, CorsHeader, CorsHeaders, Vary};
pub use decide::protect::{WriteProtection, WRITE_REFUSED_BODY};
pub use decide::refusal::{CrossSiteWrite, Refusal};
pub use decide::request::{
    is_preflight, HeaderLines, RequestView, PROTECTION_REQUEST_HEADERS, REQUEST_HEADERS,
};
pub use decide::{
    Decision, MAX_EMPTY_ELEMENTS, MAX_HEADER_NAME_LEN, MAX_METHOD_LEN, MAX_REQUESTED_HEADERS,
    MAX_WHITESPACE_RUN,
};
pub use error::{ErrorKind, Location, PolicyError, PolicyErrors};
pub use field::{Field, Shape};
pub use origin_file::OriginFile;
pub use policy::{Policy, WILDCARD_WRITE_NOTE};
pub use reload::{CurrentPolicy, PolicyGuard, PolicyHandle, PolicyReader, PolicySource};
pub use set::OriginSet;
pub use spec::PolicySpec;
pub use validate::MAX_AGE_LIMIT;
pub use vary::{merge_vary, merge_vary_lines, VaryUpdate};

/// Whether `origin` is exactly what a browser sends as an `Origin` (or `null`).
///
/// ```
/// assert!(cors_shared::is_serialized_origin("https://app.example.re"));
/// assert!(cors_shared::is_serialized_origin("http://[::1]:8080"));
/// assert!(!cors_shared::is_serialized_origin("https://app.example.re/"));
/// assert!(!cors_shared::is_serialized_origin("https://APP.example.re"));
/// assert!(!cors_shared::is_serialized_origin("https://app.example.re:443"));
/// ```
pub fn is_serialized_origin(origin: &str) -> bool {
    origin == "null" || origin::parse(origin.as_bytes()).is_some()
}
