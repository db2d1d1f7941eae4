//! Route policies for axum.
//!
//! axum routes are built in code (`Router::route("/x", get(handler))`), not by attributes, so
//! the place where a route gets its policy is the route itself: `get(handler).cors(POLICY)`.
//! `#[cors(...)]` above a handler keeps the function exactly as written and declares its
//! policy beside it, in a module of the same name (functions and modules live in different
//! namespaces):
//!
//! ```text
//! #[cors(origins = ["*"])]
//! async fn status() -> &'static str { "ok" }
//! ```
//!
//! becomes the same function and
//!
//! ```text
//! mod status {
//!     use super::*;
//!     pub static POLICY: &'static Policy = /* the validated policy, as literals */;
//! }
//! ```
//!
//! which the route names: `.route("/status", get(status).cors(status::POLICY))`. The module
//! imports its parent's names, so an origin set written as `origins = TENANTS` resolves where
//! the user wrote it.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::Attribute;

use crate::Framework;

/// Whether `attr` is another `#[cors]` (or `#[cors_axum::cors]`).
fn is_cors_attribute(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "cors" || s.ident == "axum_cors")
}

/// A compile error at the `#[cors]` attribute, emitted beside the unchanged item.
fn error_with_item(message: &str, item: TokenStream) -> TokenStream {
    let error = syn::Error::new(Span::call_site(), message).to_compile_error();
    quote!(#error #item)
}

/// Keeps the handler as written and declares `policy` (an expression of type `&'static Policy`)
/// as `<handler>::POLICY`.
pub(crate) fn expand(policy: TokenStream, item: TokenStream) -> TokenStream {
    let private = Framework::Axum.private();
    let Ok(function) = syn::parse2::<syn::ItemFn>(item.clone()) else {
        return error_with_item(
            "`#[cors(...)]` goes on an axum handler function: `#[cors(...)] async fn \
             handler() -> ... { ... }`, then route it with \
             `.route(\"/path\", get(handler).cors(handler::POLICY))`",
            item,
        );
    };
    if function.attrs.iter().any(is_cors_attribute) {
        return error_with_item(
            "this handler has two `#[cors(...)]` attributes; a route has one policy: merge \
             them into one, or declare a named policy with `policy!` and write \
             `#[cors(policy = NAME)]`",
            item,
        );
    }
    let name = &function.sig.ident;
    if function.sig.receiver().is_some() {
        return error_with_item(
            &format!(
                "`#[cors(...)]` goes on a free handler function, not on a method: it declares \
                 the policy in a module named after the function (`{}::POLICY`), which an \
                 `impl` block cannot hold; declare the policy with `policy!` and route the \
                 method with `.cors(&NAME)`",
                name.unraw()
            ),
            item,
        );
    }
    let vis = &function.vis;
    let module_doc = format!(
        "The CORS policy of the handler `{}`, written with `#[cors(...)]`: route it with \
         `get({0}).cors({0}::POLICY)`.",
        name.unraw()
    );
    quote! {
        #function

        #[doc = #module_doc]
        #vis mod #name {
            #[allow(unused_imports)]
            use super::*;

            /// The route policy, validated at compile time.
            pub static POLICY: &'static #private::Policy = #policy;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_text(item: TokenStream) -> String {
        expand(quote!(&POLICY), item).to_string()
    }

    #[test]
    fn keeps_the_handler_and_declares_its_policy_beside_it() {
        let out = expand_text(quote! {
            pub async fn status() -> &'static str { "ok" }
        });
        assert!(
            out.starts_with("pub async fn status () -> & 'static str { \"ok\" }"),
            "{out}"
        );
        assert!(out.contains("pub mod status"), "{out}");
        assert!(out.contains("use super :: * ;"), "{out}");
        assert!(
            out.contains(
                "pub static POLICY : & 'static :: cors_axum :: __private :: Policy = & POLICY ;"
            ),
            "{out}"
        );
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn misuse_says_where_the_attribute_goes() {
        let out = expand_text(quote!(
            struct NotAHandler;
        ));
        assert!(out.contains("goes on an axum handler function"), "{out}");
        assert!(
            out.contains("struct NotAHandler ;"),
            "the item is kept: {out}"
        );

        let out = expand_text(quote! {
            #[cors(origins = ["https://a.example"])]
            async fn twice() {}
        });
        assert!(out.contains("two `#[cors(...)]` attributes"), "{out}");
        assert!(!out.contains("mod twice"), "{out}");

        let out = expand_text(quote! {
            fn method(&self) {}
        });
        assert!(out.contains("not on a method"), "{out}");
        assert!(!out.contains("mod method"), "{out}");
    }
}
