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
//!     .app_data(RouteResource)            // tells a default layer outside that a route policy answered
//!     .wrap(W)
//!     .wrap(__cors_actix_wrap_x())        // the route's CORS middleware, outermost
//!     .to(x)
//! ```
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

/// The method a method attribute under `#[routes]` routes; `#[routes]` itself recognises only
/// single-identifier method attributes.
fn method_under_routes(attr: &Attribute) -> Option<&'static str> {
    let ident = attr.path().get_ident()?;
    METHOD_ATTRIBUTES
        .iter()
        .find(|(name, _)| ident == name)
        .map(|(_, m)| *m)
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
    if let Some(registered) = register(func, &routes, &helpers) {
        out.extend(registered);
        return Ok((out, Emitted::Inside));
    }
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
    Ok((out, Emitted::Beside))
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

/// One resource to register: what a route attribute says, read as Actix reads it.
struct Registration {
    path: LitStr,
    methods: Vec<String>,
    name: Option<LitStr>,
    guards: Vec<Path>,
    wraps: Vec<Expr>,
}

/// Reads one route attribute's arguments as Actix would, `None` for anything this code does not
/// read exactly as Actix does (left to Actix, which explains it).
fn registration(attr: &Attribute, kind: RouteKind) -> Option<Registration> {
    let args = attr.parse_args_with(parse_route_args).ok()?;
    let mut reg = Registration {
        path: args.path,
        methods: Vec::new(),
        name: None,
        guards: Vec::new(),
        wraps: Vec::new(),
    };
    if let RouteKind::Method(method) = kind {
        reg.methods.push(method.to_owned());
    }
    for nv in &args.options {
        let value = match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => s,
            _ => return None,
        };
        let key = nv.path.get_ident()?.to_string();
        match (key.as_str(), kind) {
            ("name", _) if reg.name.is_none() => reg.name = Some(value.clone()),
            ("guard", _) => reg.guards.push(value.parse().ok()?),
            ("wrap", _) => reg.wraps.push(value.parse().ok()?),
            // Actix's rule for a method name: a standard one, or a custom one in capitals.
            ("method", RouteKind::Route)
                if !value.value().is_empty()
                    && value.value().bytes().all(|b| b.is_ascii_uppercase()) =>
            {
                if !reg.methods.contains(&value.value()) {
                    reg.methods.push(value.value());
                }
            }
            _ => return None,
        }
    }
    (!reg.methods.is_empty()).then_some(reg)
}

/// Registers the handler's resources itself (see the module's documentation), or `None` to
/// leave the route attributes to Actix.
fn register(
    func: &mut ItemFn,
    routes: &[(usize, RouteKind)],
    helpers: &Helpers,
) -> Option<TokenStream> {
    if matches!(func.sig.output, syn::ReturnType::Default) {
        return None;
    }
    let (consumed, registrations): (Vec<usize>, Vec<Registration>) = match routes {
        [(index, RouteKind::Routes), ..] => {
            // `#[routes]` itself recognises only single-identifier method attributes.
            let mut consumed = vec![*index];
            let mut registrations = Vec::new();
            for (i, attr) in func.attrs.iter().enumerate() {
                let Some(method) = method_under_routes(attr) else {
                    continue;
                };
                let reg = registration(attr, RouteKind::Method(method))?;
                consumed.push(i);
                registrations.push(reg);
            }
            if registrations.is_empty() {
                return None;
            }
            (consumed, registrations)
        }
        [(index, kind)] if *kind != RouteKind::Routes => {
            let reg = registration(func.attrs.get(*index)?, *kind)?;
            (vec![*index], vec![reg])
        }
        _ => return None,
    };
    let private = crate::Framework::Actix.private();
    // The route attributes go; the `use` of the one that is resolved stays in use (under
    // `#[routes]`, the method attributes never are).
    let keep = routes
        .first()
        .and_then(|(i, _)| func.attrs.get(*i))
        .map(|a| keep_import_used(a.path()));
    let mut index = 0usize;
    func.attrs.retain(|_| {
        let keep = !consumed.contains(&index);
        index += 1;
        keep
    });
    let name = &func.sig.ident;
    let vis = &func.vis;
    let docs: Vec<&Attribute> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let wrap = &helpers.wrap;
    let resources = registrations.iter().map(|reg| {
        let Registration {
            path,
            methods,
            name: resource_name,
            guards,
            wraps,
        } = reg;
        let resource_name = resource_name
            .clone()
            .unwrap_or_else(|| LitStr::new(&name.to_string(), Span::call_site()));
        quote! {
            let __resource = #private::Resource::new(#path)
                .name(#resource_name)
                .guard(#private::RouteGuard::new(&[#(#methods),*]))
                #(.guard(#private::fn_guard(#guards)))*
                .app_data(#private::RouteResource)
                #(.wrap(#wraps))*
                .wrap(#wrap())
                .to(#name);
            #private::HttpServiceFactory::register(__resource, __config);
        }
    });
    Some(quote! {
        #(#docs)*
        #[allow(non_camel_case_types)]
        #vis struct #name;

        impl #private::HttpServiceFactory for #name {
            fn register(self, __config: &mut #private::AppService) {
                #func
                #(#resources)*
            }
        }

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
                 . app_data (:: cors_actix :: __private :: RouteResource) \
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
                 . app_data (:: cors_actix :: __private :: RouteResource) \
                 . wrap (__cors_actix_wrap_x ()) . to (x) ;"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "Resource :: new (\"/b\") . name (\"x\") \
                 . guard (:: cors_actix :: __private :: RouteGuard :: new (& [\"POST\"])) \
                 . app_data (:: cors_actix :: __private :: RouteResource) \
                 . wrap (__cors_actix_wrap_x ()) . to (x) ;"
            ),
            "{out}"
        );
        assert!(!out.contains("# [routes]"), "{out}");
        assert!(out.contains("use routes as _"), "{out}");
        assert!(!out.contains("use get as _"), "{out}");
    }
}
