//! The handler registered by this crate, the way Actix's attribute would register it, with the
//! route's guard and its CORS middleware outermost (see the parent module's documentation).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Attribute, Expr, ExprLit, ItemFn, Lit, LitStr, Path};

use super::attrs::{
    keep_import_used, method_under_routes, parse_route_args, route_kind, string_value, RouteKind,
};
use super::Helpers;

/// Adds the names of the handler's resources to the program's list of `#[cors]` routes, from
/// which the application's `Cors` knows that route policies inside it answer preflights: the
/// handler's name, which Actix and this crate give a resource by default, and every
/// `name = "..."` of its route attributes.
pub(super) fn names(func: &ItemFn, helpers: &Helpers) -> TokenStream {
    let mut names = vec![func.sig.ident.to_string()];
    for attr in &func.attrs {
        if route_kind(attr.path()).is_none() && method_under_routes(attr).is_none() {
            continue;
        }
        let Ok(args) = attr.parse_args_with(parse_route_args) else {
            continue;
        };
        for name in args
            .options
            .iter()
            .filter(|nv| nv.path.is_ident("name"))
            .filter_map(string_value)
        {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let private = crate::Framework::Actix.private();
    let entries = names.iter().enumerate().map(|(i, name)| {
        let ident = format_ident!(
            "__CORS_ACTIX_NAME_{}_{}",
            helpers.handler,
            i,
            span = Span::call_site()
        );
        quote! {
            #[#private::linkme::distributed_slice(#private::ROUTE_NAMES)]
            #[linkme(crate = #private::linkme)]
            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            static #ident: &'static str = #name;
        }
    });
    quote!(#(#entries)*)
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
pub(super) fn register(
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
                .app_data(#private::Covered::ROUTE)
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
