//! Route code generation for Actix-web.
//!
//! `#[cors(...)]` sits above Actix's route attribute and rewrites it before Actix sees it:
//!
//! ```text
//! #[cors(...)]
//! #[get("/x", name = "x", guard = "g", wrap = "W")]
//! async fn x() -> ... { ... }
//! ```
//!
//! becomes, besides two hidden helper functions named after the handler,
//!
//! ```text
//! #[::cors_actix::__private::route("/x", method = "GET", method = "OPTIONS", name = "x",
//!     guard = "g", wrap = "W", guard = "__cors_actix_guard_x", wrap = "__cors_actix_wrap_x()")]
//! async fn x() -> ... { ... }
//! ```
//!
//! The added guard lets an `OPTIONS` request through only when it is a preflight asking for
//! this handler's method, so several handlers on one path each answer their own preflights. The
//! CORS middleware is the last `wrap`, which Actix makes the outermost: preflights are answered
//! before the user's own middleware or the handler run.
//!
//! Under `#[routes]`, whose method attributes cannot take extra methods, each method attribute
//! gets the CORS `wrap` and a twin `#[options(...)]` attribute (same path and guards) that
//! answers the preflights for that method.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Ident, ItemFn, Lit, LitStr, MetaNameValue, Path, Token};

/// Actix's method attributes, by name, with the method each one routes.
const METHOD_ATTRIBUTES: &[(&str, &str)] = &[
    ("connect", "CONNECT"),
    ("delete", "DELETE"),
    ("get", "GET"),
    ("head", "HEAD"),
    ("options", "OPTIONS"),
    ("patch", "PATCH"),
    ("post", "POST"),
    ("put", "PUT"),
    ("query", "QUERY"),
    ("trace", "TRACE"),
];

/// What kind of Actix routing attribute an attribute is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RouteKind {
    /// `#[get]`, `#[post]`, ...: routes the method named.
    Method(&'static str),
    /// `#[route(..., method = "...")]`
    Route,
    /// `#[routes]` above several method attributes.
    Routes,
}

fn route_kind(path: &Path) -> Option<RouteKind> {
    let name = path.segments.last()?.ident.to_string();
    if name == "route" {
        return Some(RouteKind::Route);
    }
    if name == "routes" {
        return Some(RouteKind::Routes);
    }
    METHOD_ATTRIBUTES
        .iter()
        .find(|(attr, _)| *attr == name)
        .map(|(_, method)| RouteKind::Method(method))
}

/// Whether `attr` is (another) `#[cors(...)]`.
fn is_cors_attribute(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "cors")
}

/// The arguments of a route attribute: the path, then `key = value` options.
struct RouteArgs {
    path: LitStr,
    options: Vec<MetaNameValue>,
}

fn parse_route_args(input: ParseStream<'_>) -> syn::Result<RouteArgs> {
    let path: LitStr = input.parse()?;
    let mut options = Vec::new();
    if input.parse::<Option<Token![,]>>()?.is_some() {
        options = Punctuated::<MetaNameValue, Token![,]>::parse_terminated(input)?
            .into_iter()
            .collect();
    }
    Ok(RouteArgs { path, options })
}

fn string_value(nv: &MetaNameValue) -> Option<String> {
    match &nv.value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.value()),
        _ => None,
    }
}

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
        Ok(helpers) => quote!(#helpers #func),
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

/// Rewrites the route attributes of `func` in place; returns the helper items to emit beside it.
fn rewrite(policy: TokenStream, func: &mut ItemFn) -> syn::Result<TokenStream> {
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
    let mut out = quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, dead_code)]
        fn #wrap_name() -> #private::Cors {
            #private::route_cors(#policy)
        }
    };
    match routes.first().copied() {
        None => return Err(placement_error(PLACEMENT)),
        Some((_, RouteKind::Routes)) => {
            out.extend(rewrite_routes(func, &helpers)?);
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
            out.extend(rewrite_single(func, index, kind, &helpers)?);
        }
    }
    Ok(out)
}

/// Rewrites the one `#[get]`/.../`#[route]` attribute at `index` into
/// `#[::cors_actix::__private::route(...)]`.
fn rewrite_single(
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

/// The route attribute `path` is replaced and never resolved: keep the user's `use` of it in
/// use, so that `#![deny(unused_imports)]` crates still compile.
fn keep_import_used(path: &Path) -> TokenStream {
    quote! {
        const _: () = {
            #[allow(unused_imports)]
            use #path as _;
        };
    }
}

/// Under `#[routes]`: adds the CORS `wrap` to every method attribute, and before each one a
/// twin `#[options(...)]` that answers the preflights asking for its method.
fn rewrite_routes(func: &mut ItemFn, helpers: &Helpers) -> syn::Result<TokenStream> {
    let mut out = TokenStream::new();
    let mut attrs = Vec::with_capacity(func.attrs.len() * 2);
    let mut count = 0usize;
    for attr in std::mem::take(&mut func.attrs) {
        // `#[routes]` itself recognises only single-identifier method attributes.
        let method = attr.path().get_ident().and_then(|ident| {
            METHOD_ATTRIBUTES
                .iter()
                .find(|(name, _)| ident == name)
                .map(|(_, m)| *m)
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(item: TokenStream) -> String {
        expand(quote!(&POLICY), item).to_string()
    }

    #[test]
    fn get_becomes_route_with_options_guard_and_outermost_wrap() {
        let out = expand_str(quote! {
            #[get("/x", name = "ex", wrap = "Logger::default()")]
            async fn x() -> &'static str { "x" }
        });
        assert!(
            out.contains(
                "# [:: cors_actix :: __private :: route (\"/x\" , method = \"GET\" , \
                 method = \"OPTIONS\" , name = \"ex\" , wrap = \"Logger::default()\" , \
                 guard = \"__cors_actix_guard_x\" , wrap = \"__cors_actix_wrap_x()\")]"
            ),
            "{out}"
        );
        assert!(out.contains("use get as _"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn route_keeps_methods_and_adds_options_once() {
        let out = expand_str(quote! {
            #[actix_web::route("/x", method = "GET", method = "OPTIONS")]
            async fn x() -> &'static str { "x" }
        });
        assert!(
            out.contains("route (\"/x\" , method = \"GET\" , method = \"OPTIONS\" , guard"),
            "{out}"
        );
        assert!(
            out.contains("preflight_guard (ctx , & [\"GET\" , \"OPTIONS\"] , true)"),
            "{out}"
        );
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
    fn routes_get_twins() {
        let out = expand_str(quote! {
            #[routes]
            #[get("/a", guard = "g")]
            #[post("/b")]
            async fn x() -> &'static str { "x" }
        });
        assert!(
            out.contains(
                "# [options (\"/a\" , guard = \"g\" , guard = \"__cors_actix_guard_x_0\" , \
                 wrap = \"__cors_actix_wrap_x()\")] # [get (\"/a\" , guard = \"g\" , \
                 wrap = \"__cors_actix_wrap_x()\")]"
            ),
            "{out}"
        );
        assert!(
            out.contains("# [options (\"/b\" , guard = \"__cors_actix_guard_x_1\""),
            "{out}"
        );
    }
}
