//! Route code generation for Actix-web.
//!
//! `#[cors(...)]` sits above Actix's route attribute and registers the handler itself, the way
//! Actix's attribute would, with one guard instead of Actix's method guards:
//!
//! ```text
//! #[cors(...)]
//! #[get("/x", name = "x", guard = "g", wrap = "W")]
//! async fn x() -> ... { ... }
//! ```
//!
//! becomes a unit struct `x` whose `HttpServiceFactory::register` defines the handler and
//! registers
//!
//! ```text
//! Resource::new("/x").name("x")
//!     .guard(RouteGuard::new(&["GET"]))   // GET, or a preflight asking for GET
//!     .guard(fn_guard(g))
//!     .app_data(Covered::ROUTE)           // tells a default layer outside that a route policy answered
//!     .wrap(W)
//!     .wrap(__cors_actix_wrap_x())        // the route's CORS middleware, outermost
//!     .to(x)
//! ```
//!
//! Beside it, the resource's names (the handler's, and any `name = "..."`) go into
//! `ROUTE_NAMES`, a list the linker builds: the application's `Cors` looks them up in its
//! resource map to know that route policies inside it answer their own preflights.
//!
//! The guard lets an `OPTIONS` request through only when it is a preflight asking for this
//! handler's method (or the handler routes `OPTIONS` itself), so several handlers on one path
//! each answer their own preflights; it reads the method once, where Actix's method guards
//! would each record it for a `405` answer the resource never gives. The CORS middleware is the
//! last `wrap`, which Actix makes the outermost: preflights are answered before the user's own
//! middleware or the handler run. `#[routes]` gets one such registration per method attribute.
//!
//! A route attribute this code does not read exactly as Actix would (an option it does not
//! know, a malformed value, a handler without a return type) is instead rewritten into Actix's
//! own `#[route]` with `method = "OPTIONS"` and a guard function added, so that Actix reports
//! what is wrong in its own words.

// How Actix reads its route attributes; the handler registered the way Actix's attribute would;
// Actix's own attribute rewritten, for what only Actix can explain.
mod attrs;
mod fallback;
mod register;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Ident, ItemFn, LitStr};

use attrs::{is_cors_attribute, keep_import_used, route_kind, RouteKind};

/// Names for the hidden helpers generated next to a handler.
struct Helpers {
    handler: Ident,
    wrap: Ident,
}

impl Helpers {
    fn guard(&self, index: Option<usize>) -> Ident {
        match index {
            None => format_ident!(
                "__cors_actix_guard_{}",
                self.handler,
                span = Span::call_site()
            ),
            Some(i) => format_ident!(
                "__cors_actix_guard_{}_{}",
                self.handler,
                i,
                span = Span::call_site()
            ),
        }
    }

    /// `guard = "<guard fn>"`, in the string form Actix's attributes take.
    fn guard_option(&self, index: Option<usize>) -> TokenStream {
        let lit = LitStr::new(&self.guard(index).to_string(), Span::call_site());
        quote!(guard = #lit)
    }

    /// `wrap = "<middleware expr>"`.
    fn wrap_option(&self) -> TokenStream {
        let lit = LitStr::new(&format!("{}()", self.wrap), Span::call_site());
        quote!(wrap = #lit)
    }
}

fn placement_error(message: &str) -> syn::Error {
    syn::Error::new(Span::call_site(), message)
}

const PLACEMENT: &str = "`#[cors(...)]` must be placed directly above the route attribute of an \
    Actix handler: put `#[cors(...)]` above `#[get(\"/path\")]` (or `#[post]`, `#[put]`, \
    `#[route]`, `#[routes]`, ...). Attributes expand from the top down, so a `#[cors]` below \
    the route attribute, or on a function without one, never sees the route";

/// Rewrites an Actix handler carrying a route attribute so that it also answers preflights
/// with `policy` (an expression of type `&'static Policy`) and writes CORS headers on every
/// response.
pub(crate) fn expand(policy: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(e) => {
            let errors = syn::Error::new(
                e.span(),
                "`#[cors(...)]` goes on an Actix handler function, above its route attribute: \
                 `#[cors(...)] #[get(\"/path\")] async fn handler() -> impl Responder { ... }`",
            )
            .to_compile_error();
            return quote!(#errors #item);
        }
    };
    match rewrite(policy, &mut func) {
        Ok((helpers, Emitted::Inside)) => helpers,
        Ok((helpers, Emitted::Beside)) => quote!(#helpers #func),
        Err(e) => {
            // Drop the route attributes, so that Actix adds no errors of its own to ours, and
            // keep the function so that code calling it reports nothing more.
            let under_routes = func
                .attrs
                .iter()
                .any(|a| route_kind(a.path()) == Some(RouteKind::Routes));
            let mut kept = Vec::new();
            func.attrs.retain(|a| match route_kind(a.path()) {
                // A second `#[cors]` would only repeat the error.
                None => !is_cors_attribute(a),
                Some(kind) => {
                    // Under `#[routes]` the method attributes are never resolved as macros.
                    if !under_routes || kind == RouteKind::Routes {
                        kept.push(keep_import_used(a.path()));
                    }
                    false
                }
            });
            let errors = e.to_compile_error();
            quote! {
                #errors
                #(#kept)*
                #[allow(dead_code)]
                #func
            }
        }
    }
}

/// Where the handler function goes in the expansion.
enum Emitted {
    /// Inside the registration that the expansion holds.
    Inside,
    /// Beside the expansion, with its rewritten route attributes.
    Beside,
}

/// Registers the handler, or rewrites its route attributes in place; returns the items to
/// emit and where the function is.
fn rewrite(policy: TokenStream, func: &mut ItemFn) -> syn::Result<(TokenStream, Emitted)> {
    if let Some(twice) = func.attrs.iter().find(|a| is_cors_attribute(a)) {
        return Err(syn::Error::new_spanned(
            twice,
            "this handler has two `#[cors(...)]` attributes; a route has one policy: merge them \
             into one, or declare a named policy with `policy!` and write \
             `#[cors(policy = NAME)]`",
        ));
    }
    let routes: Vec<(usize, RouteKind)> = func
        .attrs
        .iter()
        .enumerate()
        .filter_map(|(i, a)| route_kind(a.path()).map(|k| (i, k)))
        .collect();
    let private = crate::Framework::Actix.private();
    let helpers = Helpers {
        handler: func.sig.ident.clone(),
        wrap: format_ident!(
            "__cors_actix_wrap_{}",
            func.sig.ident,
            span = Span::call_site()
        ),
    };
    let wrap_name = &helpers.wrap;
    let handler_name = &helpers.handler;
    let mut out = quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, dead_code)]
        fn #wrap_name() -> #private::Cors {
            #private::route_cors(
                #policy,
                ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#handler_name)),
            )
        }
    };
    out.extend(register::names(func, &helpers));
    if let Some(registered) = register::register(func, &routes, &helpers) {
        out.extend(registered);
        return Ok((out, Emitted::Inside));
    }
    match routes.first().copied() {
        None => return Err(placement_error(PLACEMENT)),
        Some((_, RouteKind::Routes)) => {
            out.extend(fallback::rewrite_routes(func, &helpers)?);
        }
        Some((index, kind)) => {
            if let Some((extra, _)) = routes.get(1) {
                let attr = func.attrs.get(*extra).map(|a| a.path().clone());
                return Err(syn::Error::new_spanned(
                    attr,
                    "a handler with several route attributes needs `#[routes]` above them, \
                     and `#[cors(...)]` above `#[routes]`",
                ));
            }
            out.extend(fallback::rewrite_single(func, index, kind, &helpers)?);
        }
    }
    Ok((out, Emitted::Beside))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(item: TokenStream) -> String {
        expand(quote!(&POLICY), item).to_string()
    }

    #[test]
    fn get_is_registered_with_one_guard_and_the_cors_wrap_outermost() {
        let out = expand_str(quote! {
            /// Says x.
            #[get("/x", name = "ex", guard = "g", wrap = "Logger::default()")]
            async fn x() -> &'static str { "x" }
        });
        assert!(
            out.contains("# [doc = r\" Says x.\"] # [allow (non_camel_case_types)] struct x ;"),
            "{out}"
        );
        assert!(
            out.contains(
                "let __resource = :: cors_actix :: __private :: Resource :: new (\"/x\") \
                 . name (\"ex\") \
                 . guard (:: cors_actix :: __private :: RouteGuard :: new (& [\"GET\"])) \
                 . guard (:: cors_actix :: __private :: fn_guard (g)) \
                 . app_data (:: cors_actix :: __private :: Covered :: ROUTE) \
                 . wrap (Logger :: default ()) \
                 . wrap (__cors_actix_wrap_x ()) \
                 . to (x) ;"
            ),
            "{out}"
        );
        // The handler is defined inside the registration, without its route attribute.
        assert!(out.contains("fn register (self , __config : & mut :: cors_actix :: __private :: AppService) { # [doc = r\" Says x.\"] async fn x ()"), "{out}");
        assert!(!out.contains("# [get"), "{out}");
        assert!(out.contains("use get as _"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn the_resource_names_join_the_list_of_route_policies() {
        for item in [
            quote! {
                #[get("/x", name = "ex")]
                async fn x() -> &'static str { "x" }
            },
            // Left to Actix's own `#[route]`, which names the resource the same way.
            quote! {
                #[get("/x", name = "ex", colour = "blue")]
                async fn x() -> &'static str { "x" }
            },
        ] {
            let out = expand_str(item);
            for (i, name) in ["x", "ex"].iter().enumerate() {
                let entry = format!(
                    "# [:: cors_actix :: __private :: linkme :: distributed_slice \
                     (:: cors_actix :: __private :: ROUTE_NAMES)] \
                     # [linkme (crate = :: cors_actix :: __private :: linkme)] \
                     # [doc (hidden)] # [allow (non_upper_case_globals)] \
                     static __CORS_ACTIX_NAME_x_{i} : & 'static str = \"{name}\" ;"
                );
                assert!(out.contains(&entry), "{entry}\nin {out}");
            }
        }
    }

    #[test]
    fn route_methods_are_listed_once_each() {
        let out = expand_str(quote! {
            #[actix_web::route("/x", method = "GET", method = "OPTIONS", method = "GET")]
            async fn x() -> &'static str { "x" }
        });
        assert!(
            out.contains(". name (\"x\") . guard (:: cors_actix :: __private :: RouteGuard :: new (& [\"GET\" , \"OPTIONS\"]))"),
            "{out}"
        );
        assert!(out.contains("use actix_web :: route as _"), "{out}");
    }

    #[test]
    fn what_actix_would_explain_is_left_to_actix() {
        // An option this code does not know: Actix's own `#[route]`, which names the keys it
        // takes, with the preflight guard added.
        let out = expand_str(quote! {
            #[get("/x", colour = "blue")]
            async fn x() -> &'static str { "x" }
        });
        assert!(
            out.contains(
                "# [:: cors_actix :: __private :: route (\"/x\" , method = \"GET\" , \
                 method = \"OPTIONS\" , colour = \"blue\" , \
                 guard = \"__cors_actix_guard_x\" , wrap = \"__cors_actix_wrap_x()\")]"
            ),
            "{out}"
        );
        // A handler without a return type.
        let out = expand_str(quote! {
            #[get("/x")]
            async fn x() {}
        });
        assert!(out.contains("__private :: route (\"/x\""), "{out}");
    }

    #[test]
    fn missing_route_attribute_is_a_placement_error() {
        let out = expand_str(quote! { async fn x() -> &'static str { "x" } });
        assert!(out.contains("compile_error"), "{out}");
        assert!(
            out.contains("must be placed directly above the route attribute"),
            "{out}"
        );
        assert!(out.contains("async fn x"), "{out}");
    }

    #[test]
    fn method_option_on_get_is_refused() {
        let out = expand_str(quote! {
            #[get("/x", method = "POST")]
            async fn x() -> &'static str { "x" }
        });
        assert!(
            out.contains("routes one method and takes no `method`"),
            "{out}"
        );
    }

    #[test]
    fn routes_registers_each_method_attribute() {
        let out = expand_str(quote! {
            #[routes]
            #[get("/a", guard = "g")]
            #[post("/b")]
            async fn x() -> &'static str { "x" }
        });
        assert!(
            out.contains(
                "Resource :: new (\"/a\") . name (\"x\") \
                 . guard (:: cors_actix :: __private :: RouteGuard :: new (& [\"GET\"])) \
                 . guard (:: cors_actix :: __private :: fn_guard (g)) \
                 . app_data (:: cors_actix :: __private :: Covered :: ROUTE) \
                 . wrap (__cors_actix_wrap_x ()) . to (x) ;"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "Resource :: new (\"/b\") . name (\"x\") \
                 . guard (:: cors_actix :: __private :: RouteGuard :: new (& [\"POST\"])) \
                 . app_data (:: cors_actix :: __private :: Covered :: ROUTE) \
                 . wrap (__cors_actix_wrap_x ()) . to (x) ;"
            ),
            "{out}"
        );
        assert!(!out.contains("# [routes]"), "{out}");
        assert!(out.contains("use routes as _"), "{out}");
        assert!(!out.contains("use get as _"), "{out}");
    }
}
