//! One collector for every compile error of a policy, so that all of them are reported in one
//! run rather than only the first.

use quote::ToTokens;

/// Collects errors so that every one is reported, not only the first.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn at(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }

    /// The errors collected, if any.
    pub(crate) fn into_error(self) -> Option<syn::Error> {
        self.0
    }
}
