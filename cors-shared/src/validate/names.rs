//! The name lists: `methods`, `headers` (allowed request headers) and `expose`. Each is a list
//! of HTTP tokens with its own forbidden names and its own meaning of `*`.

use std::borrow::Cow;

use super::distinct;
use crate::error::{ErrorKind, Location, PolicyError};
use crate::fetch;
use crate::field::Field;
use crate::spec::PolicySpec;

/// The names of one list key that passed.
#[derive(Debug, Default)]
pub(super) struct Names {
    /// `*` was listed.
    pub(super) any: bool,
    /// The other names, as stored (methods as written, headers lower case).
    pub(super) names: Vec<String>,
}

/// A `*` item: with credentials, browsers read it literally.
fn wildcard(creds: bool, kind: ErrorKind, at: Location, errors: &mut Vec<PolicyError>) {
    if creds {
        errors.push(PolicyError::new(kind, Location::field(Field::Credentials)).related(at));
    }
}

/// `methods`: tokens, not forbidden, standard methods in upper case; compared as written.
pub(super) fn methods(spec: &PolicySpec, errors: &mut Vec<PolicyError>) -> Names {
    use ErrorKind::*;
    let mut out = Names::default();
    let at = |i| Location::item(Field::Methods, i);
    distinct(
        &spec.methods,
        MethodDuplicate,
        Cow::Borrowed,
        at,
        errors,
        |i, m, errors| {
            if m == "*" {
                out.any = true;
                wildcard(
                    spec.credentials,
                    WildcardMethodWithCredentials,
                    at(i),
                    errors,
                );
            } else if !fetch::is_token(m) {
                errors.push(PolicyError::new(MethodNotToken, at(i)).value(m));
            } else if fetch::is_forbidden_method(m) {
                errors.push(PolicyError::new(MethodForbidden, at(i)).value(m));
            } else if let Some(upper) = fetch::normalized_method(m).filter(|n| *n != m) {
                errors.push(
                    PolicyError::new(MethodCase, at(i))
                        .value(m)
                        .suggest(Some(upper.to_owned())),
                );
            } else {
                out.names.push(m.to_owned());
            }
        },
    );
    out
}

fn lower(s: &str) -> Cow<'_, str> {
    Cow::Owned(s.to_ascii_lowercase())
}

/// `headers`: tokens a page may set, not part of the CORS protocol; stored lower case.
pub(super) fn headers(spec: &PolicySpec, errors: &mut Vec<PolicyError>) -> Names {
    use ErrorKind::*;
    let mut out = Names::default();
    let at = |i| Location::item(Field::Headers, i);
    distinct(
        &spec.headers,
        HeaderDuplicate,
        lower,
        at,
        errors,
        |i, h, errors| {
            let lower = h.to_ascii_lowercase();
            if h == "*" {
                out.any = true;
                wildcard(
                    spec.credentials,
                    WildcardHeaderWithCredentials,
                    at(i),
                    errors,
                );
            } else if !fetch::is_token(h) {
                errors.push(PolicyError::new(HeaderNotToken, at(i)).value(h));
            } else if lower.starts_with("access-control-") {
                errors.push(PolicyError::new(HeaderIsCorsProtocol, at(i)).value(h));
            } else if fetch::is_forbidden_request_header_name(&lower) {
                errors.push(PolicyError::new(HeaderForbidden, at(i)).value(h));
            } else {
                out.names.push(lower);
            }
        },
    );
    out
}

/// `expose`: tokens a browser may show a page; stored lower case, `*` kept as a name.
pub(super) fn expose(spec: &PolicySpec, errors: &mut Vec<PolicyError>) -> Names {
    use ErrorKind::*;
    let mut out = Names::default();
    let at = |i| Location::item(Field::Expose, i);
    distinct(
        &spec.expose,
        ExposeDuplicate,
        lower,
        at,
        errors,
        |i, h, errors| {
            let lower = h.to_ascii_lowercase();
            if h == "*" {
                wildcard(
                    spec.credentials,
                    WildcardExposeWithCredentials,
                    at(i),
                    errors,
                );
                out.names.push(lower);
            } else if !fetch::is_token(h) {
                errors.push(PolicyError::new(ExposeNotToken, at(i)).value(h));
            } else if fetch::is_forbidden_response_header_name(&lower) {
                errors.push(PolicyError::new(ExposeForbidden, at(i)).value(h));
            } else {
                out.names.push(lower);
            }
        },
    );
    out
}
