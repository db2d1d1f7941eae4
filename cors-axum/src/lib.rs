//! CORS for axum and any tower service, with policies checked at compile time.
//!
//! - [`Cors`] is the layer of the application's **default policy**, a plain tower `Layer`:
//!   every response that no route policy answered gets its headers, errors and axum's own 404
//!   and 405 included, and it answers preflights to paths without a route policy.
//! - [`CorsRouteExt::cors`] gives one route (`get(handler).put(other)`) **its own policy**: the
//!   route then also answers its preflights, without the application registering `OPTIONS`
//!   and without running the handler or the route's other layers.
//! - [`policy!`](policy) declares a named policy, and [`#[cors(...)]`](macro@cors) above a
//!   handler declares one beside it (`handler::POLICY`); both are validated when the crate
//!   compiles, by the same rules that [`PolicySpec::validate`] applies at run time.
//!
//! ```
//! use axum::http::{Method, Request, StatusCode};
//! use axum::routing::get;
//! use axum::Router;
//! use cors_axum::{cors, policy, Cors, CorsRouteExt, CorsRouterExt, PolicySpec};
//!
//! policy! {
//!     /// The two front ends may read and change documents, with cookies.
//!     pub DOCUMENTS = {
//!         origins = ["https://app.example.re", "https://admin.example.re"],
//!         credentials,
//!         methods = [GET, PUT],
//!         headers = ["content-type"],
//!         expose = ["x-total-count"],
//!         max_age = 600,
//!     };
//! }
//!
//! /// Anyone may read the status, without credentials.
//! #[cors(origins = ["*"])]
//! async fn status() -> &'static str {
//!     "ok"
//! }
//!
//! async fn list_documents() -> ([(&'static str, &'static str); 1], &'static str) {
//!     ([("x-total-count", "2")], "[1, 2]")
//! }
//!
//! async fn update_document() -> &'static str {
//!     "updated"
//! }
//!
//! // No policy of its own: the default policy applies.
//! async fn plain() -> &'static str {
//!     "plain"
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let default = PolicySpec::new()
//!     .origin("https://app.example.re")
//!     .methods(["GET", "POST"])
//!     .validate()?;
//! let app = Router::new()
//!     .route("/status", get(status).cors(status::POLICY))
//!     .route("/documents", get(list_documents).put(update_document).cors(&DOCUMENTS))
//!     .route("/plain", get(plain))
//!     // Last: the default policy around everything, axum's 404 and 405 included.
//!     .with_cors(Cors::new(default));
//! // axum::serve(listener, app.into_make_service()).await?;
//! # use tower::ServiceExt;
//! # let preflight = Request::builder()
//! #     .method(Method::OPTIONS)
//! #     .uri("/documents")
//! #     .header("origin", "https://admin.example.re")
//! #     .header("access-control-request-method", "PUT")
//! #     .body(axum::body::Body::empty())?;
//! # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! # let response = runtime.block_on(app.oneshot(preflight))?;
//! # assert_eq!(response.status(), StatusCode::NO_CONTENT);
//! # assert_eq!(response.headers()["access-control-allow-methods"], "PUT");
//! # assert_eq!(response.headers()["access-control-allow-credentials"], "true");
//! # Ok(())
//! # }
//! ```
//!
//! The guide goes further: its chapter [axum][guide-axum] (the layer, route policies, plain
//! tower services and the order of layers, in depth) and [The rules][guide-rules] (every
//! compile error, why browsers care and the fix).
//!
//! [guide-axum]: https://example.invalid/cors-suite/blob/main/docs/guide/src/axum.md
//! [guide-rules]: https://example.invalid/cors-suite/blob/main/docs/guide/src/rules.md
//!
//! # Order
//!
//! axum's `Router::layer` wraps the routes added *so far*: a CORS layer added with it before a
//! `.route(...)` covers nothing there. So the default policy is applied by
//! [`with_cors`](CorsRouterExt::with_cors), which takes the whole `Router` (routes, fallback,
//! layers) and returns a service, not a `Router`: no route can be added after it, and nothing
//! added to the `Router` can sit outside it. [`Cors`] given to `Router::layer`,
//! `Router::route_layer` or `MethodRouter::layer` panics when the application is built, with a
//! message that says to write `.with_cors(cors)` instead.
//!
//! # Preflights
//!
//! How the default layer treats a preflight follows from what it wraps, nothing else. Around
//! any service but an axum `Router` it answers preflights itself. Around a `Router` it cannot
//! know before routing whether the route has a policy of its own, so it sends the preflight on
//! with the method `CORS-PREFLIGHT` instead of `OPTIONS`, which marks it: axum routes that
//! method to no `get`, `options`, ... handler but to the route's fallback (its 405), which a
//! route policy wraps. A route policy that sees that method answers with its own policy; any
//! other answer is replaced by the default policy's. A request that arrives with the method
//! `CORS-PREFLIGHT` from a client is taken for `OPTIONS`. So no handler
//! runs for a preflight, except one that takes every method (`any(handler)`,
//! `MethodRouter::fallback`, `Router::fallback`, `route_service`): give such a route a policy
//! of its own (`any(handler).cors(POLICY)`). An application with its own default layer nested
//! in another (`nest_service`) answers with its own policy, as a route policy does.
//!
//! Preflights reach route policies after the layers added to the `Router` (`Router::layer`,
//! `route_layer`), since those wrap every route; they see the method `CORS-PREFLIGHT`. A layer
//! there, or a handler taking every method, that answers a preflight itself (an
//! authentication layer answering 401) is reported at warn level the first time, and the
//! default policy answers the preflight instead: put a route's other layers inside its policy
//! (`get(h).layer(auth).cors(POLICY)`) or let them pass preflights.
//!
//! A route policy that finds no default layer's mark on a request (none outside it, or one
//! around another service than the `Router`, such as a layer between them) is reported at
//! warn level on its first request: the rest of the application, and axum's 404 and 405,
//! would get no CORS headers. Two route policies on one route are reported the same way; the
//! outer one decides.
//!
//! Refused requests are logged through `tracing` at debug level, naming the reason (which origin,
//! method or request header was not allowed), the method and the path.
//!
//! # Write protection
//!
//! [`Cors::write_protection`] and a policy's `protect_writes` refuse cross-site writes and
//! WebSocket handshakes from origins the deciding policy does not let read: 403 with
//! [`WRITE_REFUSED_BODY`], no CORS headers, before any handler or inner layer runs, logged at
//! debug level like a CORS refusal. Around a `Router` the default layer judges every write
//! first with its own policy, and a route policy may refuse more, not less.

pub use cors::Cors;
#[doc = "Declares the CORS policy of one axum handler, validated at compile time, as \
         `handler::POLICY` (a module named after the handler, beside it): route it with \
         `get(handler).cors(handler::POLICY)`. The keys are those of [`policy!`](policy)."]
pub use cors_macros::axum_cors as cors;
#[doc = "Declares named CORS policies, validated at compile time, for \
         [`CorsRouteExt::cors`] (`get(handler).cors(&NAME)`), `#[cors(policy = NAME)]` and \
         [`Cors::from_static`]."]
pub use cors_macros::axum_policy as policy;
pub use cors_shared::{
    OriginFile, OriginSet, Policy, PolicyErrors, PolicyHandle, PolicySpec, WriteProtection,
    WRITE_REFUSED_BODY,
};
#[cfg(feature = "axum")]
pub use route::{CorsRouteExt, CorsRouterExt, RouteCors, RouteService};
pub use service::{CorsFuture, CorsService};

// The default layer; its service and response future; reading requests and writing
// responses; the marks the layers leave for each other; logging; axum's routes.
mod cors;
mod headers;
mod log;
mod mark;
mod request;
#[cfg(feature = "axum")]
mod route;
mod service;

/// Items that code generated by `#[cors]` and `policy!` refers to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use cors_shared::__private::{linkme, OriginRules, RawPolicy, SetUse, SET_USES};
    pub use cors_shared::Policy;
    pub use std::borrow::Cow;
}
