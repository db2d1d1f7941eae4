//! Turns the core's validation errors into compile errors on the tokens they are about.

use std::collections::{HashMap, HashSet};

use cors_shared::{ErrorKind, Field, Location, PolicyError, PolicySpec};
use proc_macro2::TokenStream;

use crate::errors::Errors;

/// Where each part of a policy was written, so an error about `origins[2]` lands on that literal.
#[derive(Default)]
pub(crate) struct Spans {
    /// The whole policy (the attribute's arguments or a definition's braces), for problems that
    /// belong to no written key, such as a missing `origins`.
    pub(crate) whole: TokenStream,
    /// The keys that were written.
    pub(crate) fields: HashMap<Field, FieldSpans>,
}

/// The tokens of one written key.
pub(crate) struct FieldSpans {
    /// `key` or `key = value`.
    pub(crate) entry: TokenStream,
    /// The value, when one was written.
    pub(crate) value: Option<TokenStream>,
    /// The list items that went into the spec, in the spec's order.
    pub(crate) items: Vec<TokenStream>,
}

impl Spans {
    /// The span of the whole policy, for what belongs to no key.
    pub(crate) fn whole_span(&self) -> proc_macro2::Span {
        self.whole
            .clone()
            .into_iter()
            .next()
            .map_or_else(proc_macro2::Span::call_site, |t| t.span())
    }

    /// The tokens an error at `at` should underline.
    fn tokens(&self, at: Location) -> &TokenStream {
        let Some(field) = self.fields.get(&at.field) else {
            return &self.whole;
        };
        match (at.index, at.field) {
            (Some(i), _) => field.items.get(i).unwrap_or(&field.entry),
            (None, Field::MaxAge) => field.value.as_ref().unwrap_or(&field.entry),
            (None, _) => &field.entry,
        }
    }
}

/// The value written at `at`, for messages that name it.
fn written(spec: &PolicySpec, at: Location) -> Option<&str> {
    spec.list(at.field)?.get(at.index?).map(String::as_str)
}

/// What a problem's second location is, said at that location.
fn related_message(error: &PolicyError, spec: &PolicySpec, at: Location) -> String {
    use ErrorKind::*;
    match error.kind() {
        WildcardOriginWithCredentials => {
            "the origin `*` that `credentials` cannot be combined with is here".into()
        }
        WildcardMethodWithCredentials => {
            "the method `*` that `credentials` cannot be combined with is here".into()
        }
        WildcardHeaderWithCredentials => {
            "the request header `*` that `credentials` cannot be combined with is here".into()
        }
        WildcardExposeWithCredentials => {
            "the exposed header `*` that `credentials` cannot be combined with is here".into()
        }
        NullWithCredentials => {
            "`credentials` is turned on here, which rules out the `null` origin".into()
        }
        InsecureOriginWithCredentials => {
            "`credentials` is turned on here, which requires https:// origins (plain http only for localhost and loopback addresses)".into()
        }
        PublicSuffixWildcardWithCredentials => {
            "`credentials` is turned on here, which rules out wildcards over a public suffix".into()
        }
        OriginDuplicate | MethodDuplicate | HeaderDuplicate | ExposeDuplicate => {
            match written(spec, at) {
                Some(first) => format!("`{first}` is first listed here"),
                None => "first listed here".into(),
            }
        }
        _ => format!("related to the error: {}", error.message()),
    }
}

/// One compile error per problem at its token, plus one at each second location it names
/// (once per location and rule, so five `http://` origins do not repeat the same note five
/// times on `credentials`).
pub(crate) fn policy_errors<'a>(
    errors: impl IntoIterator<Item = &'a PolicyError>,
    spec: &PolicySpec,
    spans: &Spans,
) -> Option<syn::Error> {
    let mut all = Errors::default();
    let mut related_seen = HashSet::new();
    for error in errors {
        all.at(spans.tokens(error.location()), error);
        if let Some(at) = error.related_location() {
            if related_seen.insert((error.kind(), at)) {
                all.at(spans.tokens(at), related_message(error, spec, at));
            }
        }
    }
    all.into_error()
}
