//! The validation rules. They exist here once; the builder, config files, runtime origin sets
//! and the `#[cors(...)]` macro all go through [`validate`]. One function per key:
//! `origins` (with each entry's grammar in `entry`), then `names` for methods, request headers
//! and exposed headers, then `max_age`.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::{ErrorKind, Location, PolicyError, PolicyErrors};
use crate::field::Field;
use crate::policy::{Policy, RawPolicy};
use crate::spec::PolicySpec;
use crate::table;

mod entry;
pub(crate) mod mistakes;
mod names;
pub(crate) mod origins;

use origins::OriginRules;

/// The longest preflight cache lifetime accepted, in seconds.
pub const MAX_AGE_LIMIT: u64 = 86_400;

/// The rules an origin of `spec` must follow besides the grammar.
pub(crate) fn origin_rules(spec: &PolicySpec) -> OriginRules {
    OriginRules {
        credentials: spec.credentials,
        allow_null_origin: spec.allow_null_origin,
        allow_http_with_credentials: spec.dangerously_allow_http_with_credentials,
        allow_public_suffix_wildcard: spec.dangerously_allow_public_suffix_wildcard,
    }
}

/// The skeleton of every list key: visits each item once, in order. An item whose `key` was
/// seen before is reported as `duplicate`, pointing at its first place, and not visited.
pub(crate) fn distinct<'s>(
    items: &'s [String],
    duplicate: ErrorKind,
    key: impl Fn(&'s str) -> Cow<'s, str>,
    at: impl Fn(usize) -> Location,
    errors: &mut Vec<PolicyError>,
    mut visit: impl FnMut(usize, &'s str, &mut Vec<PolicyError>),
) {
    let mut seen: HashMap<Cow<'s, str>, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let item = item.as_str();
        match seen.get(&key(item)) {
            Some(&first) => errors.push(
                PolicyError::new(duplicate, at(i))
                    .value(item)
                    .related(at(first)),
            ),
            None => {
                seen.insert(key(item), i);
                visit(i, item, errors);
            }
        }
    }
}

/// Runs every rule over `spec`.
pub(crate) fn validate(spec: &PolicySpec) -> Result<Policy, PolicyErrors> {
    let mut errors = Vec::new();
    let rules = origin_rules(spec);

    if spec.origins.is_empty() && spec.origin_set.is_none() {
        errors.push(PolicyError::new(
            ErrorKind::NoOrigins,
            Location::field(Field::Origins),
        ));
    }
    let origins = origins::check_into(
        &spec.origins,
        0,
        rules,
        origins::Context::Policy,
        &mut errors,
    );
    if let (true, Some(_)) = (origins.any, spec.origin_set) {
        let star = spec.origins.iter().position(|o| o == "*").unwrap_or(0);
        errors.push(PolicyError::new(
            ErrorKind::WildcardOriginMixed,
            Location::item(Field::Origins, star),
        ));
    }
    let methods = names::methods(spec, &mut errors);
    let headers = names::headers(spec, &mut errors);
    let expose = names::expose(spec, &mut errors);
    max_age(spec, &mut errors);

    if !errors.is_empty() {
        return Err(PolicyErrors::new(errors));
    }
    if let Some(set) = spec.origin_set {
        set.register(rules)?;
    }
    let slots = table::build_slots(&origins.keys);
    Ok(Policy::__from_raw(RawPolicy {
        any_origin: origins.any,
        allow_null: origins.allow_null,
        origins: Cow::Owned(origins.keys.into_iter().map(Cow::Owned).collect()),
        slots: Cow::Owned(slots),
        suffix_labels: origins.suffix_labels,
        set: spec.origin_set,
        credentials: spec.credentials,
        any_method: methods.any,
        methods: Cow::Owned(methods.names.into_iter().map(Cow::Owned).collect()),
        any_header: headers.any,
        headers: Cow::Owned(headers.names.into_iter().map(Cow::Owned).collect()),
        expose: (!expose.names.is_empty()).then(|| Cow::Owned(expose.names.join(", "))),
        max_age: spec.max_age.map(|a| Cow::Owned(a.to_string())),
        private_network: spec.private_network,
        rules,
        protect_writes: spec.protect_writes,
    }))
}

/// `max_age`: at most [`MAX_AGE_LIMIT`].
fn max_age(spec: &PolicySpec, errors: &mut Vec<PolicyError>) {
    if let Some(age) = spec.max_age.filter(|&a| a > MAX_AGE_LIMIT) {
        errors.push(
            PolicyError::new(ErrorKind::MaxAgeTooLarge, Location::field(Field::MaxAge))
                .value(age.to_string())
                .suggest(Some(MAX_AGE_LIMIT.to_string())),
        );
    }
}
