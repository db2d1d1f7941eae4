//! Route registration for Rocket.
//!
//! Rocket's route attributes turn a handler into a route that `routes![]` picks up; nothing about
//! that may change. So `#[cors]` leaves the function and its route attribute exactly as written
//! and adds one element to a link-time registry (`cors_rocket::__private::ROUTES`): the
//! function's name, the method, URI, rank and format of its route attribute, where it was
//! written, and the policy. The `Cors` fairing reads the registry at ignite and matches each
//! element with the mounted routes.
//!
//! `#[cors]` must sit *above* the route attribute: Rocket's attribute consumes itself, so the
//! route attribute is only visible to `#[cors]` when `#[cors]` runs first.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Token, UnOp};

use crate::Framework;

/// Rocket's route attributes and the method each one stands for (`route` names its own).
const ROUTE_ATTRIBUTES: [(&str, Option<&str>); 8] = [
    ("get", Some("GET")),
    ("put", Some("PUT")),
    ("post", Some("POST")),
    ("delete", Some("DELETE")),
    ("head", Some("HEAD")),
    ("patch", Some("PATCH")),
    ("options", Some("OPTIONS")),
    ("route", None),
];

/// What `#[cors]` needs to know about the route attribute below it.
#[derive(Debug, PartialEq, Eq)]
struct RouteAttr {
    /// The attribute's name as written (`get`, `route`, ...), for messages.
    name: String,
    /// Upper-case method, as `rocket::http::Method::as_str` spells it.
    method: String,
    /// The URI literal, unmounted.
    uri: LitStr,
    /// `rank = N`, when written.
    rank: Option<isize>,
    /// `format = "..."`, when written.
    format: Option<LitStr>,
}

/// The route attribute's name when `attr` is one of Rocket's (`get`, `rocket::get`,
/// `::rocket::get`, ...), with the method it implies.
fn route_attribute(attr: &Attribute) -> Option<(&'static str, Option<&'static str>)> {
    let path = attr.path();
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let name = match segments.as_slice() {
        [name] => name,
        [krate, name] if krate == "rocket" => name,
        _ => return None,
    };
    ROUTE_ATTRIBUTES
        .iter()
        .find(|(known, _)| known == name)
        .copied()
}

/// Whether `attr` is another `#[cors]` (or `#[cors_rocket::cors]`).
fn is_cors_attribute(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "cors" || s.ident == "rocket_cors")
}

/// `rank = 2` or `rank = -1`.
fn rank_value(expr: &Expr) -> Option<isize> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => rank_value(expr).and_then(isize::checked_neg),
        _ => None,
    }
}

/// Parses the arguments of a route attribute. `None` when they do not follow Rocket's grammar:
/// Rocket reports that itself, and a second error from here would only add noise.
fn parse_route_args(name: &str, implied: Option<&str>, attr: &Attribute) -> Option<RouteAttr> {
    let parser = |input: ParseStream<'_>| -> syn::Result<RouteAttr> {
        let (method, mut uri) = match implied {
            Some(method) => (method.to_owned(), Some(input.parse::<LitStr>()?)),
            None => {
                let path: syn::Path = input.parse()?;
                let ident = path
                    .segments
                    .last()
                    .map(|s| s.ident.unraw().to_string())
                    .unwrap_or_default();
                (ident.to_ascii_uppercase(), None)
            }
        };
        let (mut rank, mut format) = (None, None);
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key = input.call(Ident::parse_any)?;
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            let text = |value: &Expr| match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.clone()),
                _ => None,
            };
            match key.to_string().as_str() {
                "uri" => uri = text(&value),
                "rank" => rank = rank_value(&value),
                "format" => format = text(&value),
                _ => {}
            }
        }
        let uri = uri.ok_or_else(|| input.error("no URI"))?;
        Ok(RouteAttr {
            name: name.to_owned(),
            method,
            uri,
            rank,
            format,
        })
    };
    parser
        .parse2(attr.meta.require_list().ok()?.tokens.clone())
        .ok()
}

/// A compile error at the `#[cors]` attribute, emitted beside the unchanged item.
fn error_with_item(message: &str, item: TokenStream) -> TokenStream {
    let error = syn::Error::new(Span::call_site(), message).to_compile_error();
    quote!(#error #item)
}

/// Registers a Rocket handler's route with `policy` (an expression of type `&'static Policy`)
/// and returns the handler unchanged.
pub(crate) fn expand(policy: TokenStream, item: TokenStream) -> TokenStream {
    let private = Framework::Rocket.private();
    let Ok(function) = syn::parse2::<syn::ItemFn>(item.clone()) else {
        return error_with_item(
            "`#[cors(...)]` goes on a Rocket handler function, above its route attribute: \
             `#[cors(...)]` then `#[get(\"/path\")]` then `fn handler() ...`",
            item,
        );
    };
    let mut route = None;
    for attr in &function.attrs {
        if is_cors_attribute(attr) {
            return error_with_item(
                "this handler has two `#[cors(...)]` attributes; a route has one policy: merge \
                 them into one, or declare a named policy with `policy!` and write \
                 `#[cors(policy = NAME)]`",
                item,
            );
        }
        if route.is_none() {
            route = route_attribute(attr).map(|(name, implied)| (name, implied, attr));
        }
    }
    let Some((name, implied, attr)) = route else {
        let fn_name = function.sig.ident.unraw();
        return error_with_item(
            &format!(
                "`#[cors(...)]` must be placed above the Rocket route attribute of `{fn_name}`: \
                 put `#[cors(...)]` above `#[get(\"/path\")]` (or `#[post]`, `#[put]`, \
                 `#[route]`, ...). Attributes expand from the top down, so a `#[cors]` below \
                 the route attribute, or on a function without one, never sees the route"
            ),
            item,
        );
    };
    let Some(route) = parse_route_args(name, implied, attr) else {
        // Rocket rejects the attribute with its own message.
        return item;
    };
    let mut function = function;
    with_sentinel(&private, &mut function.sig.output);
    registration(
        &private,
        &function.sig.ident,
        &route,
        &policy,
        quote!(#function),
    )
}

/// Writes the handler's return type `R` as `Checked<R, AttachCorsFairing>`, an alias of `R`
/// itself: callers see the same type, and Rocket's route attribute, which queries every type
/// named in a handler's signature that is a `Sentinel` when the application launches, finds
/// the adapter's sentinel there, which stops launch when no CORS fairing is attached. Its
/// location is the `#[cors]` attribute's.
fn with_sentinel(private: &TokenStream, output: &mut syn::ReturnType) {
    let span = Span::call_site();
    let returned = match output {
        syn::ReturnType::Default => quote_spanned!(span=> ()),
        // `!` is not a type argument on stable Rust; a handler that never returns needs no check.
        syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::Never(_)) => return,
        syn::ReturnType::Type(_, ty) => quote!(#ty),
    };
    let checked = quote_spanned! {span=>
        #private::Checked<#returned, #private::AttachCorsFairing>
    };
    if let Ok(ty) = syn::parse2::<syn::Type>(checked) {
        *output = syn::ReturnType::Type(Token![->](span), Box::new(ty));
    }
}

/// The unchanged item and, beside it, its element of the route registry.
fn registration(
    private: &TokenStream,
    fn_ident: &Ident,
    route: &RouteAttr,
    policy: &TokenStream,
    item: TokenStream,
) -> TokenStream {
    // Rocket names a route after `stringify!(fn_name)`, which keeps a raw identifier's `r#`.
    let fn_name = fn_ident.to_string();
    let method = &route.method;
    let uri = &route.uri;
    let rank = match route.rank {
        Some(rank) => quote!(::core::option::Option::Some(#rank)),
        None => quote!(::core::option::Option::None),
    };
    let format = match &route.format {
        Some(format) => quote!(::core::option::Option::Some(#format)),
        None => quote!(::core::option::Option::None),
    };
    let attribute = &route.name;
    let entry = format_ident!("CORS_ROUTE");
    quote! {
        #item

        const _: () = {
            #[#private::linkme::distributed_slice(#private::ROUTES)]
            #[linkme(crate = #private::linkme)]
            static #entry: #private::RouteEntry = #private::RouteEntry {
                fn_name: #fn_name,
                method: #method,
                uri: #uri,
                rank: #rank,
                format: #format,
                attribute: #attribute,
                module: ::core::module_path!(),
                file: ::core::file!(),
                line: ::core::line!(),
                policy: #policy,
            };
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(tokens: TokenStream) -> Attribute {
        Attribute::parse_outer.parse2(tokens).unwrap().remove(0)
    }

    fn parse(tokens: TokenStream) -> Option<RouteAttr> {
        let attr = attr(tokens);
        let (name, implied) = route_attribute(&attr)?;
        parse_route_args(name, implied, &attr)
    }

    #[test]
    fn method_attributes_give_method_uri_rank_and_format() {
        let r = parse(quote!(#[get("/x/<id>?<q>")])).expect("parsed");
        assert_eq!(
            (r.method.as_str(), r.uri.value()),
            ("GET", "/x/<id>?<q>".into())
        );
        assert_eq!((r.rank, r.format), (None, None));

        let r = parse(quote!(#[rocket::put("/x", format = "json", data = "<d>", rank = 3)]))
            .expect("parsed");
        assert_eq!(r.method, "PUT");
        assert_eq!(r.rank, Some(3));
        assert_eq!(r.format.map(|f| f.value()).as_deref(), Some("json"));

        let r = parse(quote!(#[::rocket::delete("/x", rank = -2)])).expect("parsed");
        assert_eq!((r.method.as_str(), r.rank), ("DELETE", Some(-2)));
    }

    #[test]
    fn generic_route_attribute_names_its_method() {
        let r = parse(quote!(#[route(PATCH, uri = "/p", rank = 1)])).expect("parsed");
        assert_eq!(
            (r.method.as_str(), r.uri.value(), r.rank),
            ("PATCH", "/p".into(), Some(1))
        );
        let r = parse(quote!(#[rocket::route(get, uri = "/g")])).expect("parsed");
        assert_eq!(r.method, "GET");
    }

    #[test]
    fn other_attributes_are_not_routes() {
        assert!(parse(quote!(#[doc = "x"])).is_none());
        assert!(parse(quote!(#[actix_web::get("/x")])).is_none());
        assert!(parse(quote!(#[other::get("/x")])).is_none());
    }

    #[test]
    fn malformed_route_arguments_are_left_to_rocket() {
        assert!(parse(quote!(#[get(uri = "/x")])).is_none());
        assert!(parse(quote!(#[route(GET)])).is_none());
        assert!(parse(quote!(#[get])).is_none());
    }

    fn expand_text(item: TokenStream) -> String {
        expand(quote!(&POLICY), item).to_string()
    }

    #[test]
    fn registers_the_route_and_keeps_the_item() {
        let out = expand_text(quote! {
            #[get("/private", rank = 2)]
            fn r#private() -> &'static str { "private" }
        });
        assert!(
            out.starts_with("# [get (\"/private\" , rank = 2)] fn r#private ()"),
            "{out}"
        );
        for part in [
            "-> :: cors_rocket :: __private :: Checked < & 'static str , :: cors_rocket :: \
             __private :: AttachCorsFairing >",
            "distributed_slice (:: cors_rocket :: __private :: ROUTES)",
            "fn_name : \"r#private\"",
            "method : \"GET\"",
            "uri : \"/private\"",
            "rank : :: core :: option :: Option :: Some (2isize)",
            "policy : & POLICY",
        ] {
            assert!(out.contains(part), "missing `{part}` in {out}");
        }
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn misplaced_attribute_says_where_it_goes() {
        let out = expand_text(quote!(
            fn handler() {}
        ));
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("must be placed above the Rocket route attribute of `handler`"));
        assert!(out.contains("fn handler () { }"), "the item is kept: {out}");
        assert!(!out.contains("ROUTES"), "{out}");
    }

    #[test]
    fn second_cors_attribute_is_refused() {
        let out = expand_text(quote! {
            #[cors(origins = ["https://a.example"])]
            #[get("/x")]
            fn handler() {}
        });
        assert!(out.contains("two `#[cors(...)]` attributes"), "{out}");
        assert!(!out.contains("ROUTES"), "{out}");
    }

    #[test]
    fn non_function_items_are_refused() {
        let out = expand_text(quote!(
            struct NotAHandler;
        ));
        assert!(out.contains("goes on a Rocket handler function"), "{out}");
    }
}
