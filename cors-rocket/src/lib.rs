//! CORS for Rocket 0.5, with policies checked at compile time.
//!
//! Two pieces work together:
//!
//! - [`Cors`], a fairing holding the application's **default policy**, built at start-up
//!   ([`Cors::new`]) or read from `Rocket.toml` / the environment ([`Cors::from_config`]). It
//!   writes the CORS headers of every response: successes, catcher responses (404, 422, 500)
//!   and the 404 of paths no route serves. It also answers every preflight, without running any
//!   handler or request guard.
//! - [`#[cors(...)]`](cors) above a handler's route attribute gives that route **its own
//!   policy**, validated by the compiler. The handler and `routes![]` stay exactly as they are.
//!
//! ```
//! use cors_rocket::{cors, policy, Cors, PolicySpec};
//! use rocket::{get, put, routes};
//!
//! // A named policy, shared by several handlers.
//! policy! {
//!     pub ACCOUNT = {
//!         origins = ["https://app.example.re"],
//!         credentials,
//!         methods = [GET, PUT],
//!         headers = ["content-type"],
//!         max_age = 600,
//!     };
//! }
//!
//! #[cors(policy = ACCOUNT)]
//! #[get("/account")]
//! fn account() -> &'static str { "account" }
//!
//! #[cors(policy = ACCOUNT)]
//! #[put("/account")]
//! fn update_account() -> &'static str { "updated" }
//!
//! #[cors(origins = ["*"], expose = ["x-request-id"])]
//! #[get("/status")]
//! fn status() -> &'static str { "ok" }
//!
//! // No policy of its own: the default policy applies.
//! #[get("/plain")]
//! fn plain() -> &'static str { "plain" }
//!
//! # fn main() -> Result<(), cors_rocket::PolicyErrors> {
//! let default = PolicySpec::new()
//!     .origin("https://app.example.re")
//!     .methods(["GET", "POST"])
//!     .validate()?;
//! let rocket = rocket::build()
//!     .mount("/", routes![account, update_account, status, plain])
//!     // After every fairing that mounts routes.
//!     .attach(Cors::new(default));
//! # let client = rocket::local::blocking::Client::tracked(rocket).expect("launch");
//! # let preflight = client
//! #     .options("/account")
//! #     .header(rocket::http::Header::new("Origin", "https://app.example.re"))
//! #     .header(rocket::http::Header::new("Access-Control-Request-Method", "PUT"))
//! #     .dispatch();
//! # assert_eq!(preflight.status().code, 204);
//! # assert_eq!(preflight.headers().get_one("access-control-allow-methods"), Some("PUT"));
//! # Ok(())
//! # }
//! ```
//!
//! The guide goes further: its chapter [Rocket][guide-rocket] (the fairing, route policies,
//! `Rocket.toml`, catchers and logs, in depth) and [The rules][guide-rules] (every compile
//! error, why browsers care and the fix).
//!
//! [guide-rocket]: https://example.invalid/cors-suite/blob/main/docs/guide/src/rocket.md
//! [guide-rules]: https://example.invalid/cors-suite/blob/main/docs/guide/src/rules.md
//!
//! # What each response gets
//!
//! - A response of a `#[cors]` route gets that route's policy, whatever its status: the 500 of
//!   a failing handler, or the 422 of a failing data guard, carries the route's headers.
//! - Every other response gets the default policy, including catcher responses and the 404
//!   of a path without a route; under a base given its own policy with
//!   [`Cors::mount_policy`], that policy instead.
//! - A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered with
//!   204 (allowed) or 403 (refused) by the policy of the route that would serve the announced
//!   method on that path, found the way Rocket routes (by rank, then mount order, with
//!   `HEAD` falling back to `GET`), or by the default policy when that route has no `#[cors]`
//!   or there is none. OPTIONS routes the application declares itself are tried first and keep
//!   their answer (the fairing adds the CORS headers to it).
//! - CORS headers are set, replacing any earlier value, and `Vary` is merged with what the
//!   handler wrote, never overwritten. CORS headers a handler wrote itself are removed first
//!   (and the first time is logged), so that only the policy says who may read.
//! - Refusals are logged as `tracing` events at debug level with the method, the path and the
//!   reason ("CORS refused, no Access-Control-Allow-Origin: origin `...` is not allowed by the
//!   policy").
//!
//! # Write protection
//!
//! CORS decides who may read a response, not who may send a cross-site form `POST`, a
//! `no-cors` fetch or a WebSocket handshake. [`Cors::write_protection`] (the whole application)
//! and `protect_writes` in a route's policy refuse those with 403 before Rocket routes them, so
//! no guard or handler runs, unless the origin is one the policy of the route they are for
//! would echo, or the browser says the page is the site itself. `protect_writes = false` on a
//! route (a callback other sites post to) turns it off there.
//!
//! # Configuration
//!
//! [`Cors::from_config`] reads the `cors` key through Rocket's figment, so `Rocket.toml` and
//! `ROCKET_CORS` both work. The keys are those of [`PolicySpec`]; an unknown key or a value of
//! the wrong type fails launch, named as it was written (`` `cors.credentials` (in
//! /app/Rocket.toml) ``, `` `credentials` in the environment variable `ROCKET_CORS` ``), and
//! every problem of the policy is listed at once:
//!
//! ```toml
//! [default.cors]
//! origins = ["https://app.example.re", "https://*.example.re"]
//! credentials = true
//! methods = ["GET", "PUT"]
//! headers = ["content-type"]
//! max_age = 600
//! ```
//!
//! # Fairing order
//!
//! The fairing matches `#[cors]` registrations with the routes mounted when it ignites. Attach
//! it **after** every fairing that mounts routes (for instance one that mounts routes in its own
//! `on_ignite`); a `#[cors]` route mounted later is served with the default policy, and a
//! warning at liftoff names it.
//!
//! # Without the fairing
//!
//! Mounting `#[cors]` routes on a Rocket without the fairing fails launch with a message that
//! names them: `#[cors]` writes the handler's return type `R` as an alias of `R` that carries a
//! Rocket sentinel, which Rocket queries at launch. A handler whose return type is itself a
//! sentinel (`rocket::response::Debug<E>`, a template) hides it.
//!
//! # How routes are identified
//!
//! `#[cors]` records the function's name, the method, URI, rank and format of its route
//! attribute, and the policy, in a registry that the linker assembles (no code runs before
//! `main`). Rocket routes carry the same name, method, URI, rank and format, which is how the
//! fairing finds them, wherever they are mounted. Two `#[cors]` handlers that claim the same
//! route (same function name in two modules, same method and URI) fail launch with both
//! places named. A handler *without* `#[cors]` that shares all of that with a `#[cors]` handler
//! of another module cannot be told apart from it: give one of them another name.
//!
//! # Limits
//!
//! Rocket drops request header lines that are not valid UTF-8 before any fairing sees them, so
//! an `Origin` line with such bytes counts as absent (no CORS headers are written for it).

// The fairing, the hub: it reads the configuration (`config`, `mount`) and the registry
// `#[cors]` writes to (`registry`) at ignite into the `runtime` that every request is decided
// by, mounts the preflight route (`preflight`) and, when a policy may protect writes, the
// refusal route and the request fairing that reroutes refused writes to it (`protect`), and
// writes the headers of every response. `runtime` decides and writes (`headers`), finds the
// route a preflight (or a write, before routing) is for (`routing`), and logs (`logging`).
// Arrows point one way: fairing -> preflight, protect -> runtime -> routing.
mod config;
mod fairing;
mod headers;
mod logging;
mod mount;
mod preflight;
mod protect;
mod registry;
mod routing;
mod runtime;
mod sentinel;

pub use config::{LaunchError, CONFIG_KEY};
#[doc = include_str!("../doc/cors.md")]
pub use cors_macros::rocket_cors as cors;
#[doc = include_str!("../doc/policy.md")]
pub use cors_macros::rocket_policy as policy;
pub use cors_shared::{
    OriginFile, OriginSet, Policy, PolicyErrors, PolicyHandle, PolicySpec, WriteProtection,
    WRITE_REFUSED_BODY,
};
pub use fairing::{Cors, DefaultPolicy};

/// Items that code generated by `#[cors]` and `policy!` refers to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::registry::{RouteEntry, ROUTES};
    pub use cors_shared::__private::{OriginRules, RawPolicy, SetUse, SET_USES};
    pub use cors_shared::Policy;
    pub use linkme;
    pub use std::borrow::Cow;

    /// `R` itself, written with a second type that Rocket's route attribute sees: the return
    /// type `#[cors]` gives a handler that returns `R`.
    pub type Checked<R, S> = <S as Carry<R>>::Out;

    /// Carries a type through [`Checked`].
    pub trait Carry<T: ?Sized> {
        /// `T`.
        type Out: ?Sized;
    }

    impl<T: ?Sized, S> Carry<T> for S {
        type Out = T;
    }

    pub use crate::sentinel::AttachCorsFairing;
}
