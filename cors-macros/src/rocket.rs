//! Route registration for Rocket.

use proc_macro2::TokenStream;

/// Registers a Rocket handler's route with `policy` (an expression of type `&'static Policy`)
/// and returns the handler unchanged.
pub(crate) fn expand(policy: TokenStream, item: TokenStream) -> TokenStream {
    let _ = policy;
    item
}
