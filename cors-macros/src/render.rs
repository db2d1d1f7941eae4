//! Writes a validated [`Policy`] out as a constant expression, so nothing is parsed at run time.

use cors_shared::__private::{OriginRules, RawPolicy};
use cors_shared::Policy;
use proc_macro2::TokenStream;
use quote::quote;

fn texts(items: &[cors_shared::__private::Text], private: &TokenStream) -> TokenStream {
    let items = items.iter().map(|t| {
        let s = t.as_ref();
        quote!(#private::Cow::Borrowed(#s))
    });
    quote!(#private::Cow::Borrowed(&[#(#items),*]))
}

fn opt_text(item: &Option<cors_shared::__private::Text>, private: &TokenStream) -> TokenStream {
    match item {
        Some(t) => {
            let s = t.as_ref();
            quote!(::core::option::Option::Some(#private::Cow::Borrowed(#s)))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// An expression of type `Policy` (usable in a `static`) that rebuilds `policy` from literals,
/// with `set` (the path of the user's `OriginSet` static) as its runtime origin set.
/// `private` is the adapter's hidden module, e.g. `::cors_actix::__private`.
pub(crate) fn policy_expr(
    policy: &Policy,
    set: Option<&syn::Path>,
    private: &TokenStream,
) -> TokenStream {
    let RawPolicy {
        any_origin,
        allow_null,
        origins,
        slots,
        suffix_labels,
        set: _,
        credentials,
        any_method,
        methods,
        any_header,
        headers,
        expose,
        max_age,
        private_network,
        rules,
        protect_writes,
    } = policy.__raw();
    let rules = rules_expr(rules, private);
    let origins = texts(origins, private);
    let slots = slots.iter();
    let methods = texts(methods, private);
    let headers = texts(headers, private);
    let expose = opt_text(expose, private);
    let max_age = opt_text(max_age, private);
    let protect_writes = match protect_writes {
        Some(on) => quote!(::core::option::Option::Some(#on)),
        None => quote!(::core::option::Option::None),
    };
    let set = match set {
        Some(path) => quote!(::core::option::Option::Some(&#path)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #private::Policy::__from_raw(#private::RawPolicy {
            any_origin: #any_origin,
            allow_null: #allow_null,
            origins: #origins,
            slots: #private::Cow::Borrowed(&[#(#slots),*]),
            suffix_labels: #suffix_labels,
            set: #set,
            credentials: #credentials,
            any_method: #any_method,
            methods: #methods,
            any_header: #any_header,
            headers: #headers,
            expose: #expose,
            max_age: #max_age,
            private_network: #private_network,
            rules: #rules,
            protect_writes: #protect_writes,
        })
    }
}

/// An expression of type `Policy` that allows nothing, declared in place of a policy that failed
/// validation so that code naming the static compiles and the only errors are the policy's own.
/// It is never run: the crate does not compile while the errors stand.
pub(crate) fn placeholder_expr(private: &TokenStream) -> TokenStream {
    quote! {
        #private::Policy::__from_raw(#private::RawPolicy {
            any_origin: false,
            allow_null: false,
            origins: #private::Cow::Borrowed(&[]),
            slots: #private::Cow::Borrowed(&[]),
            suffix_labels: 0,
            set: ::core::option::Option::None,
            credentials: false,
            any_method: false,
            methods: #private::Cow::Borrowed(&[]),
            any_header: false,
            headers: #private::Cow::Borrowed(&[]),
            expose: ::core::option::Option::None,
            max_age: ::core::option::Option::None,
            private_network: false,
            rules: #private::OriginRules {
                credentials: false,
                allow_null_origin: false,
                allow_http_with_credentials: false,
                allow_public_suffix_wildcard: false,
            },
            protect_writes: ::core::option::Option::None,
        })
    }
}

/// For a policy that allows a runtime set: the registration of its origin rules, gathered by
/// the linker, so that the set checks every change against them from the first one on.
pub(crate) fn set_use(
    policy: &Policy,
    set: Option<&syn::Path>,
    private: &TokenStream,
) -> TokenStream {
    let Some(path) = set else {
        return TokenStream::new();
    };
    let rules = rules_expr(&policy.__raw().rules, private);
    quote! {
        const _: () = {
            #[#private::linkme::distributed_slice(#private::SET_USES)]
            #[linkme(crate = #private::linkme)]
            static SET_USE: #private::SetUse = #private::SetUse {
                set: &#path,
                rules: #rules,
                site: ::core::module_path!(),
            };
        };
    }
}

fn rules_expr(rules: &OriginRules, private: &TokenStream) -> TokenStream {
    let OriginRules {
        credentials,
        allow_null_origin,
        allow_http_with_credentials,
        allow_public_suffix_wildcard,
    } = rules;
    quote! {
        #private::OriginRules {
            credentials: #credentials,
            allow_null_origin: #allow_null_origin,
            allow_http_with_credentials: #allow_http_with_credentials,
            allow_public_suffix_wildcard: #allow_public_suffix_wildcard,
        }
    }
}

/// The policy's notes ([`Policy::notes`]) as compile-time warnings at `at`: stable Rust has no
/// warning a macro can emit, so each is the use of a deprecated constant whose deprecation note
/// is the note's text.
pub(crate) fn notes(policy: &Policy, at: proc_macro2::Span) -> TokenStream {
    policy
        .notes()
        .map(|note| {
            let name = quote::format_ident!("cors_note", span = at);
            quote::quote_spanned! {at=>
                const _: () = {
                    #[deprecated(note = #note)]
                    #[allow(non_upper_case_globals)]
                    const #name: () = ();
                    #name
                };
            }
        })
        .collect()
}
