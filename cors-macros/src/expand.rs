//! The two expansions: `#[cors(...)] item` hands the handler and its `&'static Policy` to the
//! framework's expansion (`actix`, `rocket`); `policy!{...}` declares one `static` per
//! definition. On any error the item (or a placeholder static) is emitted beside the errors,
//! so the compiler reports nothing else.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{ParseStream, Parser};

use crate::interpret::{interpret, Written};
use crate::syntax::{parse_entries, Definition};
use crate::{render, Framework};

/// Expands `#[cors(attr)] item`: validates the policy and hands the handler to the framework's
/// expansion with an expression of type `&'static Policy`. On errors, returns them beside the
/// unchanged item.
pub(crate) fn expand_attribute(attr: TokenStream, item: TokenStream, fw: Framework) -> TokenStream {
    match attribute_policy(attr, fw) {
        Ok(policy) => match fw {
            Framework::Actix => crate::actix::expand(policy, item),
            Framework::Axum => crate::axum::expand(policy, item),
            Framework::Rocket => crate::rocket::expand(policy, item),
        },
        Err(e) => {
            let errors = e.to_compile_error();
            quote!(#errors #item)
        }
    }
}

/// The `&'static Policy` expression for an attribute's arguments.
fn attribute_policy(attr: TokenStream, fw: Framework) -> syn::Result<TokenStream> {
    let private = fw.private();
    let entries = parse_entries.parse2(attr.clone())?;
    match interpret(entries, attr, "`#[cors]` needs a policy")? {
        Written::Named(path) => Ok(quote! {
            {
                let policy: &'static #private::Policy = &#path;
                policy
            }
        }),
        Written::Spec {
            policy,
            set,
            notes_at,
        } => {
            let rendered = render::policy_expr(&policy, set.as_ref(), &private);
            let set_use = render::set_use(&policy, set.as_ref(), &private);
            let notes = render::notes(&policy, notes_at);
            Ok(quote! {
                {
                    static POLICY: #private::Policy = #rendered;
                    #set_use
                    #notes
                    &POLICY
                }
            })
        }
    }
}

/// Expands `policy!{ ... }` into a `static`.
pub(crate) fn expand_policy(input: TokenStream, fw: Framework) -> TokenStream {
    let private = fw.private();
    let definitions = match (|input: ParseStream<'_>| {
        let mut defs = Vec::new();
        while !input.is_empty() {
            defs.push(input.parse::<Definition>()?);
        }
        Ok(defs)
    })
    .parse2(input)
    {
        Ok(defs) => defs,
        Err(e) => return e.to_compile_error(),
    };
    if definitions.is_empty() {
        return syn::Error::new(
            Span::call_site(),
            "`policy!` needs at least one definition: `policy! { pub PRIVATE = { origins = [\"https://app.example.re\"] }; }`",
        )
        .to_compile_error();
    }
    let mut out = TokenStream::new();
    for def in definitions {
        let Definition {
            attrs,
            vis,
            name,
            body,
            brace_span,
        } = def;
        let empty = format!("the policy `{name}` is empty");
        let value = parse_entries
            .parse2(body.clone())
            .and_then(|entries| {
                let whole = if body.is_empty() {
                    quote::quote_spanned!(brace_span=> {})
                } else {
                    body
                };
                interpret(entries, whole, &empty)
            })
            .and_then(|written| match written {
                Written::Spec {
                    policy,
                    set,
                    notes_at,
                } => {
                    let rendered = render::policy_expr(&policy, set.as_ref(), &private);
                    let set_use = render::set_use(&policy, set.as_ref(), &private);
                    let notes = render::notes(&policy, notes_at);
                    Ok(quote!({ #set_use #notes #rendered }))
                }
                Written::Named(path) => Err(syn::Error::new_spanned(
                    path,
                    "`policy = ...` names an existing policy; inside `policy!` write the keys themselves, or use the existing static directly",
                )),
            });
        let value = value.unwrap_or_else(|e| {
            // Declare the static anyway, so that handlers naming it report nothing more.
            let errors = e.to_compile_error();
            let placeholder = render::placeholder_expr(&private);
            quote!({ #errors #placeholder })
        });
        out.extend(quote! {
            #(#attrs)*
            #vis static #name: #private::Policy = #value;
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler() -> TokenStream {
        quote! {
            #[get("/x")]
            async fn handler() -> &'static str { "x" }
        }
    }

    fn compile_errors(tokens: &TokenStream) -> Vec<String> {
        // `compile_error! { "message" }`, as syn writes it.
        let text = tokens.to_string();
        text.split("compile_error !")
            .skip(1)
            .map(|rest| {
                let start = rest.find('"').unwrap() + 1;
                let end = rest[start..].find("\" }").unwrap() + start;
                rest[start..end].to_owned()
            })
            .collect()
    }

    fn attribute_errors(attr: TokenStream) -> Vec<String> {
        match attribute_policy(attr, Framework::Actix) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn valid_attribute_becomes_a_static_policy() {
        let policy = attribute_policy(
            quote!(
                origins = ["https://app.example.re"],
                methods = [PUT],
                max_age = 600
            ),
            Framework::Actix,
        )
        .unwrap()
        .to_string();
        assert!(policy.contains("static POLICY : :: cors_actix :: __private :: Policy"));
        assert!(policy.contains("\"https://app.example.re\""));
        assert!(policy.contains("\"PUT\""));
        assert!(policy.contains("\"600\""));
    }

    #[test]
    fn invalid_attribute_keeps_the_item_and_reports_every_error() {
        let item = handler();
        let out = expand_attribute(
            quote!(origins = ["https://app.example.re/", "*"], credentials),
            item.clone(),
            Framework::Actix,
        );
        assert!(out.to_string().ends_with(&item.to_string()));
        let errors = compile_errors(&out);
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(errors[0].starts_with("origin `https://app.example.re/` has a trailing slash"));
        assert!(errors[1].starts_with("`credentials` cannot be combined with the origin `*`"));
        assert_eq!(
            errors[2],
            "the origin `*` that `credentials` cannot be combined with is here"
        );
        assert!(errors[3].starts_with("`*` cannot be listed beside explicit origins"));
    }

    #[test]
    fn named_policy_refers_to_the_path() {
        let policy = attribute_policy(quote!(policy = crate::PRIVATE), Framework::Rocket)
            .unwrap()
            .to_string();
        assert!(
            policy.contains("& 'static :: cors_rocket :: __private :: Policy = & crate :: PRIVATE")
        );
    }

    #[test]
    fn misuse_is_reported_per_entry() {
        let errors = attribute_errors(quote!(
            orgins = ["https://app.example.re"],
            credentials = 1,
            max_age = "600",
            methods = [GET],
            methods = [PUT]
        ));
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].starts_with("unknown key `orgins`; did you mean `origins`?"));
        assert!(errors[1].starts_with("`credentials` is a flag"));
        assert!(errors[2].starts_with("`max_age` takes a whole number of seconds"));
        assert!(errors[3].starts_with("duplicate key `methods`"));
        assert_eq!(errors[4], "`methods` is first set here");
    }

    #[test]
    fn max_age_is_a_plain_decimal_number_of_seconds() {
        let errors = |value: TokenStream| {
            attribute_errors(quote!(origins = ["https://app.example.re"], max_age = #value))
        };
        assert_eq!(
            errors(quote!(10m)),
            [
                "`max_age` counts seconds and takes no unit (Rust would read `10m` as 10): write \
              `max_age = 600`"
            ]
        );
        assert_eq!(
            errors(quote!(3600s)),
            [
                "`max_age` counts seconds and takes no unit (Rust would read `3600s` as 3600): \
              write `max_age = 3600`"
            ]
        );
        assert_eq!(
            errors(quote!(2h)),
            [
                "`max_age` counts seconds and takes no unit (Rust would read `2h` as 2): write \
              `max_age = 7200`"
            ]
        );
        assert_eq!(
            errors(quote!(2days)),
            ["`max_age` counts seconds and takes no unit (Rust would read `2days` as 2): `2days` \
              is 172800 seconds, above the limit of 86400: write at most `max_age = 86400`"]
        );
        assert_eq!(
            errors(quote!(5000ms)),
            ["`max_age` counts whole seconds and takes no unit: write `max_age = 5`"]
        );
        assert_eq!(
            errors(quote!(600u32)),
            [
                "`max_age` takes a plain number of seconds, without a `u32` suffix: write \
              `max_age = 600`"
            ]
        );
        assert_eq!(
            errors(quote!(0x10)),
            ["`max_age` takes seconds written in decimal, not hexadecimal: write `max_age = 16`"]
        );
        assert_eq!(
            errors(quote!(0o1000)),
            ["`max_age` takes seconds written in decimal, not octal: write `max_age = 512`"]
        );
        assert_eq!(
            errors(quote!(0b1)),
            ["`max_age` takes seconds written in decimal, not binary: write `max_age = 1`"]
        );
        // Digit separators are only a way to write decimal digits.
        assert!(errors(quote!(86_400)).is_empty());
        assert!(errors(quote!(0)).is_empty());
    }

    #[test]
    fn flags_take_booleans() {
        assert!(attribute_errors(quote!(
            origins = ["https://app.example.re"],
            credentials = false,
            private_network = true,
            allow_null_origin
        ))
        .is_empty());
        // `credentials = false` really turns credentials off: `*` is then fine.
        assert!(attribute_errors(quote!(origins = ["*"], credentials = false)).is_empty());
        assert_eq!(
            attribute_errors(quote!(origins = ["*"], credentials = true)).len(),
            2
        );
    }

    #[test]
    fn methods_accept_identifiers_and_strings() {
        assert!(attribute_errors(quote!(
            origins = ["https://app.example.re"],
            methods = [GET, "M-SEARCH", PATCH]
        ))
        .is_empty());
        let errors = attribute_errors(quote!(
            origins = ["https://app.example.re"],
            methods = [a::B]
        ));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("expected a method name"));
    }

    #[test]
    fn policy_key_stands_alone() {
        let errors = attribute_errors(quote!(policy = PRIVATE, credentials));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`credentials` cannot be combined with `policy = ...`"));
    }

    #[test]
    fn empty_attribute_asks_for_origins() {
        let errors = attribute_errors(TokenStream::new());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`#[cors]` needs a policy: list at least `origins`"));
    }

    #[test]
    fn policy_macro_declares_every_static_even_an_invalid_one() {
        let out = expand_policy(
            quote! {
                /// Documented.
                pub GOOD = { origins = ["https://app.example.re"] };
                BAD = { origins = ["https://app.example.re/"] }
            },
            Framework::Actix,
        );
        let text = out.to_string();
        let doc = text.find("Documented.").unwrap();
        let good = text
            .find("pub static GOOD : :: cors_actix :: __private :: Policy")
            .unwrap();
        assert!(doc < good, "the doc comment stays on its static: {text}");
        assert!(text.contains("static BAD : :: cors_actix :: __private :: Policy"));
        let errors = compile_errors(&out);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("origin `https://app.example.re/` has a trailing slash"));
    }

    #[test]
    fn policy_macro_syntax_errors_are_reported() {
        let out = expand_policy(quote!(PRIVATE origins), Framework::Rocket);
        let errors = compile_errors(&out);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("expected `=` after `PRIVATE`"));
    }
}
