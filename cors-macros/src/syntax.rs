//! The syntax both macros share, parsed before anything is checked:
//!
//! ```text
//! entry      := KEY | KEY '=' value
//! value      := '[' item,* ']' | literal | path
//! definition := attrs vis NAME '=' '{' entry,* '}' ';'      (policy! only)
//! ```

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Token, Visibility};

/// One `key` or `key = value` as written.
pub(crate) struct Entry {
    pub(crate) key: Ident,
    pub(crate) eq: Option<Token![=]>,
    pub(crate) value: Option<Value>,
}

/// The right-hand side of an entry.
pub(crate) enum Value {
    /// `[a, b, c]`
    List {
        bracket: syn::token::Bracket,
        items: Punctuated<Item, Token![,]>,
    },
    /// Anything else: a literal, a path, or a mistake to report.
    Expr(Expr),
}

/// One element of a list value.
pub(crate) enum Item {
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
pub(crate) fn parse_entries(input: ParseStream<'_>) -> syn::Result<Vec<Entry>> {
    Ok(Punctuated::<Entry, Token![,]>::parse_terminated(input)?
        .into_iter()
        .collect())
}

/// One `NAME = { ... };` of `policy!`.
pub(crate) struct Definition {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) body: TokenStream,
    pub(crate) brace_span: Span,
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
