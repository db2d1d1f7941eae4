//! What this crate does not read exactly as Actix would: Actix's own `#[route]` (or, under
//! `#[routes]`, its method attributes) with the route's guard and CORS middleware added, so that
//! Actix reports what is wrong in its own words.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Ident, ItemFn, LitStr, MetaNameValue};

use super::attrs::{
    keep_import_used, method_under_routes, parse_route_args, string_value, RouteKind,
};
use super::{placement_error, Helpers, PLACEMENT};

/// A guard function that lets through what `methods` should see.
fn guard_fn(name: &Ident, methods: &[String]) -> TokenStream {
    let private = crate::Framework::Actix.private();
    let handles_options = methods.iter().any(|m| m == "OPTIONS");
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #name(ctx: &#private::GuardContext<'_>) -> bool {
            #private::preflight_guard(ctx, &[#(#methods),*], #handles_options)
        }
    }
}

/// Rewrites the one `#[get]`/.../`#[route]` attribute at `index` into
/// `#[::cors_actix::__private::route(...)]`.
pub(super) fn rewrite_single(
    func: &mut ItemFn,
    index: usize,
    kind: RouteKind,
    helpers: &Helpers,
) -> syn::Result<TokenStream> {
    let private = crate::Framework::Actix.private();
    let Some(attr) = func.attrs.get_mut(index) else {
        return Err(placement_error(PLACEMENT));
    };
    let user_path = attr.path().clone();
    let Ok(args) = attr.parse_args_with(parse_route_args) else {
        // Leave a malformed route attribute to Actix, which explains what it expects.
        return Ok(TokenStream::new());
    };
    let mut methods: Vec<String> = Vec::new();
    if let RouteKind::Method(method) = kind {
        methods.push(method.to_owned());
    }
    for nv in &args.options {
        if nv.path.is_ident("method") {
            match (kind, string_value(nv)) {
                (RouteKind::Route, Some(m)) => methods.push(m),
                (RouteKind::Route, None) => {}
                _ => {
                    return Err(syn::Error::new_spanned(
                        nv,
                        format!(
                            "`#[{}]` routes one method and takes no `method`: to route several \
                             methods, write `#[route(\"/path\", method = \"GET\", method = \
                             \"POST\")]`",
                            user_path
                                .segments
                                .last()
                                .map(|s| s.ident.to_string())
                                .unwrap_or_default()
                        ),
                    ))
                }
            }
        }
    }
    if methods.is_empty() {
        return Err(syn::Error::new_spanned(
            &*attr,
            "`#[route]` needs at least one method: `#[route(\"/path\", method = \"GET\")]`",
        ));
    }
    let path = &args.path;
    let own_method = match kind {
        RouteKind::Method(m) => Some(LitStr::new(m, Span::call_site())),
        _ => None,
    };
    let options_method =
        (!methods.iter().any(|m| m == "OPTIONS")).then(|| quote!(method = "OPTIONS",));
    let own_method = own_method.map(|m| quote!(method = #m,));
    let user_options = &args.options;
    let guard = helpers.guard_option(None);
    let wrap = helpers.wrap_option();
    let new_attr: Attribute = syn::parse_quote! {
        #[#private::route(#path, #own_method #options_method #(#user_options,)* #guard, #wrap)]
    };
    *attr = new_attr;
    let guard_fn = guard_fn(&helpers.guard(None), &methods);
    let keep = keep_import_used(&user_path);
    Ok(quote! {
        #guard_fn
        #keep
    })
}

/// Under `#[routes]`: adds the CORS `wrap` to every method attribute, and before each one a
/// twin `#[options(...)]` that answers the preflights asking for its method.
pub(super) fn rewrite_routes(func: &mut ItemFn, helpers: &Helpers) -> syn::Result<TokenStream> {
    let mut out = TokenStream::new();
    let mut attrs = Vec::with_capacity(func.attrs.len() * 2);
    let mut count = 0usize;
    for attr in std::mem::take(&mut func.attrs) {
        let method = method_under_routes(&attr);
        let (Some(method), Ok(args)) = (method, attr.parse_args_with(parse_route_args)) else {
            attrs.push(attr);
            continue;
        };
        let index = Some(count);
        count += 1;
        let path = &args.path;
        let user_guards: Vec<&MetaNameValue> = args
            .options
            .iter()
            .filter(|nv| nv.path.is_ident("guard"))
            .collect();
        let guard = helpers.guard_option(index);
        let wrap = helpers.wrap_option();
        let options_ident = Ident::new("options", Span::call_site());
        if method == "OPTIONS" {
            out.extend(guard_fn(&helpers.guard(index), &[method.to_owned()]));
            let ident = attr.path().clone();
            let user_options = &args.options;
            attrs.push(syn::parse_quote! {
                #[#ident(#path, #(#user_options,)* #guard, #wrap)]
            });
            continue;
        }
        out.extend(guard_fn(&helpers.guard(index), &[method.to_owned()]));
        attrs.push(syn::parse_quote! {
            #[#options_ident(#path, #(#user_guards,)* #guard, #wrap)]
        });
        let ident = attr.path().clone();
        let user_options = &args.options;
        attrs.push(syn::parse_quote! {
            #[#ident(#path, #(#user_options,)* #wrap)]
        });
    }
    func.attrs = attrs;
    if count == 0 {
        return Err(placement_error(
            "`#[routes]` needs method attributes below it: `#[cors(...)] #[routes] \
             #[get(\"/a\")] #[post(\"/a\")] async fn handler() ...`",
        ));
    }
    Ok(out)
}
