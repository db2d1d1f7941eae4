//! Parsing `#[cors(...)]` and `policy!{...}`, validation through the core, and error spans.
//!
//! Both macros share one grammar, a comma-separated list of entries:
//!
//! ```text
//! entry := KEY | KEY '=' value
//! value := '[' item,* ']' | literal | path
//! ```
//!
//! Parsing is two-step so that every mistake is reported at once: the syntax above first, then
//! each entry is checked against its key (type of value, duplicates, unknown keys), and finally
//! the resulting `PolicySpec` goes through the core's `validate()`, whose errors are mapped back
//! to the tokens they are about.

use cors_shared::{ErrorKind, Field, Policy, PolicySpec};
use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, Token, Visibility};

use crate::diag::{self, FieldSpans, Spans};
use crate::keys::{self, Key};
use crate::{render, Framework};

/// One `key` or `key = value` as written.
struct Entry {
    key: Ident,
    eq: Option<Token![=]>,
    value: Option<Value>,
}

/// The right-hand side of an entry.
enum Value {
    /// `[a, b, c]`
    List {
        bracket: syn::token::Bracket,
        items: Punctuated<Item, Token![,]>,
    },
    /// Anything else: a literal, a path, or a mistake to report.
    Expr(Expr),
}

/// One element of a list value.
enum Item {
    /// A bare `*`, which must be written as the string `"*"`.
    Star(Token![*]),
    Expr(Expr),
}

impl Parse for Entry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = input.call(Ident::parse_any).map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected a key such as `origins`, `credentials` or `methods`",
            )
        })?;
        let (eq, value) = if input.peek(Token![=]) {
            (Some(input.parse()?), Some(input.parse()?))
        } else {
            (None, None)
        };
        if !input.is_empty() && !input.peek(Token![,]) {
            return Err(input.error(if value.is_some() {
                format!("expected `,` after the value of `{key}`: entries are separated by commas")
            } else {
                format!("expected `=` or `,` after `{key}`: write `key = value` or a bare flag, separated by commas")
            }));
        }
        Ok(Entry { key, eq, value })
    }
}

impl ToTokens for Entry {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.key.to_tokens(tokens);
        self.eq.to_tokens(tokens);
        self.value.to_tokens(tokens);
    }
}

impl Parse for Value {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(syn::token::Bracket) {
            let content;
            let bracket = syn::bracketed!(content in input);
            let items = content.parse_terminated(Item::parse, Token![,])?;
            Ok(Value::List { bracket, items })
        } else if input.is_empty() || input.peek(Token![,]) {
            Err(input.error("expected a value after `=`"))
        } else {
            Ok(Value::Expr(input.parse()?))
        }
    }
}

impl ToTokens for Value {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Value::List { bracket, items } => {
                bracket.surround(tokens, |inner| items.to_tokens(inner));
            }
            Value::Expr(e) => e.to_tokens(tokens),
        }
    }
}

impl Parse for Item {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![*]) {
            let fork = input.fork();
            let _: Token![*] = fork.parse()?;
            if fork.is_empty() || fork.peek(Token![,]) {
                return Ok(Item::Star(input.parse()?));
            }
        }
        Ok(Item::Expr(input.parse()?))
    }
}

impl ToTokens for Item {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Item::Star(star) => star.to_tokens(tokens),
            Item::Expr(e) => e.to_tokens(tokens),
        }
    }
}

/// The entries of one policy.
fn parse_entries(input: ParseStream<'_>) -> syn::Result<Vec<Entry>> {
    Ok(Punctuated::<Entry, Token![,]>::parse_terminated(input)?
        .into_iter()
        .collect())
}

/// Collects errors so that every one is reported, not only the first.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn at(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// What a policy's entries say, once each has been checked against its key.
enum Written {
    /// Inline keys, validated by the core.
    Spec(Policy),
    /// `policy = PATH`.
    Named(syn::Path),
}

/// Example values used in "expected ..." messages.
fn example(key: Key) -> &'static str {
    match key {
        Key::Policy => "policy = PRIVATE",
        Key::Field(Field::Origins) => "origins = [\"https://app.example.re\"]",
        Key::Field(Field::Methods) => "methods = [GET, PUT]",
        Key::Field(Field::Headers) => "headers = [\"content-type\"]",
        Key::Field(Field::Expose) => "expose = [\"x-total-count\"]",
        Key::Field(Field::MaxAge) => "max_age = 600",
        Key::Field(Field::Credentials) => "credentials",
        Key::Field(Field::AllowNullOrigin) => "allow_null_origin",
        Key::Field(Field::PrivateNetwork) => "private_network",
        Key::Field(Field::DangerouslyAllowHttpWithCredentials) => {
            "dangerously_allow_http_with_credentials"
        }
        Key::Field(Field::DangerouslyAllowPublicSuffixWildcard) => {
            "dangerously_allow_public_suffix_wildcard"
        }
        Key::Field(_) => "",
    }
}

/// What kind of value a key takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A list of string literals.
    Strings,
    /// A list of method names: idents or string literals.
    Methods,
    /// An integer literal.
    Seconds,
    /// A bare flag, or `= true` / `= false`.
    Flag,
    /// A path to a `policy!` static.
    Path,
}

fn shape(key: Key) -> Shape {
    match key {
        Key::Policy => Shape::Path,
        Key::Field(Field::Origins | Field::Headers | Field::Expose) => Shape::Strings,
        Key::Field(Field::Methods) => Shape::Methods,
        Key::Field(Field::MaxAge) => Shape::Seconds,
        Key::Field(_) => Shape::Flag,
    }
}

/// The message for a value of the wrong type.
fn expected(key: Key) -> String {
    let name = key.name();
    let ex = example(key);
    match shape(key) {
        Shape::Strings => format!(
            "`{name}` takes a list of string literals in brackets: write `{ex}`"
        ),
        Shape::Methods => format!(
            "`{name}` takes a list of method names in brackets: write `{ex}` (or `[\"M-SEARCH\"]` for names that are not identifiers)"
        ),
        Shape::Seconds => format!(
            "`{name}` takes a whole number of seconds (0 to 86400): write `{ex}`"
        ),
        Shape::Flag => format!(
            "`{name}` is a flag: write `{ex}` to turn it on, or leave it out (`{name} = true` and `{name} = false` also work)"
        ),
        Shape::Path => format!(
            "`{name}` takes the name of a static declared with `policy!`: write `{ex}`"
        ),
    }
}

/// The string inside a string-literal expression.
fn string_lit(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s),
            attrs,
        }) if attrs.is_empty() && s.suffix().is_empty() => Some(s.value()),
        _ => None,
    }
}

/// Checks a list value item by item; returns the accepted strings and their tokens.
/// The flag is false when some item could not be read at all.
fn list_items(
    key: Key,
    items: &Punctuated<Item, Token![,]>,
    errors: &mut Errors,
) -> (Vec<String>, Vec<TokenStream>, bool) {
    let mut complete = true;
    let name = key.name();
    let mut values = Vec::new();
    let mut tokens = Vec::new();
    for item in items {
        let text = match item {
            Item::Star(star) => {
                errors.at(
                    star,
                    format!(
                        "write the wildcard as a string literal: `\"*\"` (in `{name} = [\"*\"]`)"
                    ),
                );
                // Validate it as the wildcard it is meant to be, so the core's rules about `*`
                // are reported in the same run.
                Some("*".to_owned())
            }
            Item::Expr(expr) => string_lit(expr).or_else(|| match (shape(key), expr) {
                (Shape::Methods, Expr::Path(p)) if p.attrs.is_empty() && p.qself.is_none() => {
                    p.path.get_ident().map(|i| i.unraw().to_string())
                }
                _ => None,
            }),
        };
        match text {
            Some(text) => {
                values.push(text);
                tokens.push(item.to_token_stream());
            }
            None if shape(key) == Shape::Methods => {
                complete = false;
                errors.at(
                    item,
                    "expected a method name such as `GET` or a string literal such as `\"M-SEARCH\"`",
                );
            }
            None => {
                complete = false;
                errors.at(
                    item,
                    format!(
                        "`{name}` entries are string literals: write `{}`",
                        example(key)
                    ),
                );
            }
        }
    }
    (values, tokens, complete)
}

/// Checks each entry against its key and builds the spec, reporting every problem.
/// `empty` is the message's opening for a policy with no entries at all.
fn interpret(entries: Vec<Entry>, whole: TokenStream, empty: &str) -> syn::Result<Written> {
    if entries.is_empty() {
        return Err(syn::Error::new_spanned(
            &whole,
            format!(
                "{empty}: list at least `origins`, e.g. `origins = [\"https://app.example.re\"]`, or name a `policy!` with `policy = NAME`"
            ),
        ));
    }
    let mut errors = Errors::default();

    let mut spec = PolicySpec::new();
    let mut spans = Spans {
        whole,
        ..Spans::default()
    };
    let mut named: Option<(&Entry, Option<syn::Path>)> = None;
    let mut seen: Vec<(Key, &Ident)> = Vec::new();
    // Keys whose value could not be read; the core's errors about them would only confuse.
    let mut unreadable: Vec<Field> = Vec::new();
    // An unknown key is often a misspelt `origins`: then "no origin" would be a second,
    // misleading error about the same token.
    let mut unknown_key = false;
    // List keys with an unreadable item: "the list is empty" would be wrong about them.
    let mut partly_read: Vec<Field> = Vec::new();

    for entry in &entries {
        let name = entry.key.unraw().to_string();
        let Some(key) = Key::from_name(&name) else {
            let hint = match keys::did_you_mean(&name) {
                Some(k) => format!("; did you mean `{k}`?"),
                None => String::new(),
            };
            unknown_key = true;
            errors.at(
                &entry.key,
                format!(
                    "unknown key `{name}`{hint}\n  = help: the keys are {}",
                    keys::all_names()
                ),
            );
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            errors.at(
                &entry.key,
                format!("duplicate key `{name}`: each key may appear once; merge the two into one"),
            );
            errors.at(first, format!("`{name}` is first set here"));
            continue;
        }
        seen.push((key, &entry.key));

        let mut field_spans = FieldSpans {
            entry: entry.to_token_stream(),
            value: entry.value.as_ref().map(ToTokens::to_token_stream),
            items: Vec::new(),
        };
        let field = match key {
            Key::Field(f) => f,
            Key::Policy => {
                let path = match &entry.value {
                    Some(Value::Expr(Expr::Path(p))) if p.attrs.is_empty() && p.qself.is_none() => {
                        Some(p.path.clone())
                    }
                    Some(value) => {
                        errors.at(value, expected(key));
                        None
                    }
                    None => {
                        errors.at(entry, expected(key));
                        None
                    }
                };
                named = Some((entry, path));
                continue;
            }
        };

        let readable = match (shape(key), &entry.value) {
            (Shape::Flag, None) => set_flag(&mut spec, field, true),
            (
                Shape::Flag,
                Some(Value::Expr(Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }))),
            ) => set_flag(&mut spec, field, b.value),
            (
                Shape::Seconds,
                Some(Value::Expr(Expr::Lit(ExprLit {
                    lit: Lit::Int(n), ..
                }))),
            ) => match n.base10_parse::<u64>() {
                Ok(seconds) => {
                    spec.max_age = Some(seconds);
                    true
                }
                Err(_) => {
                    errors.at(n, format!("`{name}` is far above the limit of 86400 seconds: write `{name} = 600`"));
                    false
                }
            },
            (Shape::Strings | Shape::Methods, Some(Value::List { items, .. })) => {
                let (values, item_tokens, complete) = list_items(key, items, &mut errors);
                field_spans.items = item_tokens;
                if !complete {
                    partly_read.push(field);
                }
                match field {
                    Field::Origins => spec.origins = values,
                    Field::Methods => spec.methods = values,
                    Field::Headers => spec.headers = values,
                    _ => spec.expose = values,
                }
                true
            }
            (_, Some(value)) => {
                errors.at(value, expected(key));
                false
            }
            (_, None) => {
                errors.at(
                    entry,
                    format!("`{name}` needs a value: write `{}`", example(key)),
                );
                false
            }
        };
        if !readable {
            unreadable.push(field);
        }
        spans.fields.insert(field, field_spans);
    }

    if let Some((policy, path)) = named {
        for (key, ident) in &seen {
            if *key != Key::Policy {
                errors.at(
                    ident,
                    format!(
                        "`{}` cannot be combined with `policy = ...`: a named policy is complete on its own; move `{}` into the `policy!` definition, or drop `policy` and write the whole policy here",
                        key.name(),
                        key.name()
                    ),
                );
            }
        }
        errors.finish()?;
        return match path {
            Some(path) => Ok(Written::Named(path)),
            None => Err(syn::Error::new_spanned(policy, expected(Key::Policy))),
        };
    }

    match spec.validate() {
        Ok(policy) => {
            errors.finish()?;
            Ok(Written::Spec(policy))
        }
        Err(problems) => {
            let relevant = problems
                .errors()
                .iter()
                .filter(|e| !unreadable.contains(&e.location().field))
                .filter(|e| !(unknown_key && e.kind() == ErrorKind::NoOrigins))
                .filter(|e| {
                    let at = e.location();
                    !(at.index.is_none() && partly_read.contains(&at.field))
                });
            if let Some(e) = diag::policy_errors(relevant, &spec, &spans) {
                errors.push(e);
            }
            // Every problem the core found is either reported here or follows from a value
            // that was reported as unreadable, so `errors` is never empty at this point.
            errors.finish()?;
            Err(syn::Error::new_spanned(&spans.whole, "invalid CORS policy"))
        }
    }
}

/// Sets a flag field; false for fields that are not flags.
fn set_flag(spec: &mut PolicySpec, field: Field, on: bool) -> bool {
    let slot = match field {
        Field::Credentials => &mut spec.credentials,
        Field::AllowNullOrigin => &mut spec.allow_null_origin,
        Field::PrivateNetwork => &mut spec.private_network,
        Field::DangerouslyAllowHttpWithCredentials => {
            &mut spec.dangerously_allow_http_with_credentials
        }
        Field::DangerouslyAllowPublicSuffixWildcard => {
            &mut spec.dangerously_allow_public_suffix_wildcard
        }
        _ => return false,
    };
    *slot = on;
    true
}

/// Expands `#[cors(attr)] item`: validates the policy and hands the handler to the framework's
/// expansion with an expression of type `&'static Policy`. On errors, returns them beside the
/// unchanged item.
pub(crate) fn expand_attribute(attr: TokenStream, item: TokenStream, fw: Framework) -> TokenStream {
    match attribute_policy(attr, fw) {
        Ok(policy) => match fw {
            Framework::Actix => crate::actix::expand(policy, item),
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
        Written::Spec(policy) => {
            let rendered = render::policy_expr(&policy, &private);
            Ok(quote! {
                {
                    static POLICY: #private::Policy = #rendered;
                    &POLICY
                }
            })
        }
    }
}

/// One `NAME = { ... };` of `policy!`.
struct Definition {
    attrs: Vec<Attribute>,
    vis: Visibility,
    name: Ident,
    body: TokenStream,
    brace_span: Span,
}

impl Parse for Definition {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let name: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected a policy name: `policy! { pub PRIVATE = { origins = [\"https://app.example.re\"] }; }`",
            )
        })?;
        let _: Token![=] = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected `=` after `{name}`: write `{name} = {{ ... }};`"),
            )
        })?;
        if !input.peek(syn::token::Brace) {
            return Err(input.error(format!(
                "expected the policy in braces: `{name} = {{ origins = [\"https://app.example.re\"] }};`"
            )));
        }
        let content;
        let brace = syn::braced!(content in input);
        let body: TokenStream = content.parse()?;
        if !input.is_empty() {
            let _: Token![;] = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("expected `;` after the definition of `{name}`"),
                )
            })?;
        }
        Ok(Definition {
            attrs,
            vis,
            name,
            body,
            brace_span: brace.span.join(),
        })
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
                Written::Spec(policy) => Ok(render::policy_expr(&policy, &private)),
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
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

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
