//! Parsing `#[cors(...)]` and `policy!{...}`, validation through the core, and error spans.

use proc_macro2::TokenStream;

use crate::Framework;

/// Expands `#[cors(attr)] item`: validates the policy and hands the handler to the framework's
/// expansion with an expression of type `&'static Policy`. On errors, returns them beside the
/// unchanged item.
pub(crate) fn expand_attribute(attr: TokenStream, item: TokenStream, fw: Framework) -> TokenStream {
    let _ = (attr, fw);
    item
}

/// Expands `policy!{ ... }` into a `static`.
pub(crate) fn expand_policy(input: TokenStream, fw: Framework) -> TokenStream {
    let _ = (input, fw);
    TokenStream::new()
}
