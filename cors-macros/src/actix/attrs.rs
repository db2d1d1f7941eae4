//! Actix's route attributes as Actix reads them: which attribute routes which method, and the
//! path and options they take.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, MetaNameValue, Path, Token};

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
pub(super) enum RouteKind {
    /// `#[get]`, `#[post]`, ...: routes the method named.
    Method(&'static str),
    /// `#[route(..., method = "...")]`
    Route,
    /// `#[routes]` above several method attributes.
    Routes,
}

pub(super) fn route_kind(path: &Path) -> Option<RouteKind> {
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
pub(super) fn method_under_routes(attr: &Attribute) -> Option<&'static str> {
    let ident = attr.path().get_ident()?;
    METHOD_ATTRIBUTES
        .iter()
        .find(|(name, _)| ident == name)
        .map(|(_, m)| *m)
}

/// Whether `attr` is (another) `#[cors(...)]`.
pub(super) fn is_cors_attribute(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "cors")
}

/// The arguments of a route attribute: the path, then `key = value` options.
pub(super) struct RouteArgs {
    pub(super) path: LitStr,
    pub(super) options: Vec<MetaNameValue>,
}

pub(super) fn parse_route_args(input: ParseStream<'_>) -> syn::Result<RouteArgs> {
    let path: LitStr = input.parse()?;
    let mut options = Vec::new();
    if input.parse::<Option<Token![,]>>()?.is_some() {
        options = Punctuated::<MetaNameValue, Token![,]>::parse_terminated(input)?
            .into_iter()
            .collect();
    }
    Ok(RouteArgs { path, options })
}

pub(super) fn string_value(nv: &MetaNameValue) -> Option<String> {
    match &nv.value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// The route attribute `path` is replaced and never resolved: keep the user's `use` of it in
/// use, so that `#![deny(unused_imports)]` crates still compile.
pub(super) fn keep_import_used(path: &Path) -> TokenStream {
    quote! {
        const _: () = {
            #[allow(unused_imports)]
            use #path as _;
        };
    }
}
