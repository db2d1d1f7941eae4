//! Procedural macros of the CORS suite: `#[cors(...)]` on a handler and `policy!{...}` for a
//! named policy, written through an adapter's re-exports:
//!
//! ```
//! use cors_actix::policy;
//! use cors_shared::{HeaderLines, RequestView};
//!
//! policy! {
//!     /// The front ends may read and change documents, with cookies.
//!     pub DOCUMENTS = {
//!         origins = ["https://app.example.re", "https://*.example.re"],
//!         credentials,
//!         methods = [GET, PUT],
//!         max_age = 600,
//!     };
//! }
//!
//! # fn main() {
//! // A `static` `Policy`, validated when this crate compiled, every header value ready.
//! let mut request = RequestView::new(b"GET");
//! request.origin = HeaderLines::One(b"https://admin.example.re");
//! let decision = DOCUMENTS.decide(&request);
//! let headers: Vec<_> = decision.headers().iter().collect();
//! assert_eq!(headers, [
//!     ("access-control-allow-origin", "https://admin.example.re"),
//!     ("access-control-allow-credentials", "true"),
//! ]);
//! # }
//! ```
//!
//! Do not depend on this crate directly: use the re-exports of `cors-actix`, `cors-rocket` or
//! `cors-axum` (`cors_actix::cors`, `cors_actix::policy`, ...), whose documentation describes
//! the grammar with an example per key. Generated code names only the adapter's hidden
//! `__private` module, so applications depend on the adapter alone. The guide's chapter
//! [The rules][guide-rules] lists every compile error these macros report, with why browsers
//! care and the fix.
//!
//! [guide-rules]: https://example.invalid/cors-suite/blob/main/docs/guide/src/rules.md
//!
//! Every policy is validated at compile time by the same `cors_shared::PolicySpec::validate`
//! that runtime policies go through; each problem becomes a compile error on the offending token
//! (the origin literal, the `credentials` flag, the method name, ...), all of them in one run,
//! and a second error marks the other token a problem involves (the `"*"` that `credentials`
//! conflicts with, the first of two duplicates). On any error the annotated item is emitted
//! unchanged beside the errors, so the compiler reports nothing else about it; an invalid
//! `policy!` definition still declares its `static`, so the handlers naming it stay quiet too.
//!
//! A valid policy becomes a `static` built from literals, with every header value precomputed:
//! nothing is parsed at run time.

use proc_macro::TokenStream;

// Syntax, then interpretation (each key's shape, then the core's validation and its errors
// mapped to spans), then expansion (the framework's own, and the policy as literals).
mod actix;
mod axum;
mod diag;
mod errors;
mod expand;
mod interpret;
mod keys;
mod render;
mod rocket;
mod syntax;

/// The framework whose adapter the generated code refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framework {
    Actix,
    Axum,
    Rocket,
}

impl Framework {
    /// The adapter's hidden module, the only path generated code names.
    pub(crate) fn private(self) -> proc_macro2::TokenStream {
        match self {
            Framework::Actix => quote::quote!(::cors_actix::__private),
            Framework::Axum => quote::quote!(::cors_axum::__private),
            Framework::Rocket => quote::quote!(::cors_rocket::__private),
        }
    }
}

/// `#[cors(...)]` for Actix-web handlers. Re-exported as `cors_actix::cors`.
#[proc_macro_attribute]
pub fn actix_cors(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand_attribute(attr.into(), item.into(), Framework::Actix).into()
}

/// `policy!{...}` for Actix-web. Re-exported as `cors_actix::policy`.
#[proc_macro]
pub fn actix_policy(input: TokenStream) -> TokenStream {
    expand::expand_policy(input.into(), Framework::Actix).into()
}

/// `#[cors(...)]` for axum handlers. Re-exported as `cors_axum::cors`.
#[proc_macro_attribute]
pub fn axum_cors(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand_attribute(attr.into(), item.into(), Framework::Axum).into()
}

/// `policy!{...}` for axum. Re-exported as `cors_axum::policy`.
#[proc_macro]
pub fn axum_policy(input: TokenStream) -> TokenStream {
    expand::expand_policy(input.into(), Framework::Axum).into()
}

/// `#[cors(...)]` for Rocket handlers. Re-exported as `cors_rocket::cors`.
#[proc_macro_attribute]
pub fn rocket_cors(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand_attribute(attr.into(), item.into(), Framework::Rocket).into()
}

/// `policy!{...}` for Rocket. Re-exported as `cors_rocket::policy`.
#[proc_macro]
pub fn rocket_policy(input: TokenStream) -> TokenStream {
    expand::expand_policy(input.into(), Framework::Rocket).into()
}
