//! The `origins` list: each entry's grammar (see `entry`), `*` and `null`, duplicates, and the
//! rules that depend on the policy (credentials and their opt-outs). A policy's fixed origins
//! and every change to a runtime set go through [`check_entries`].

use super::distinct;
use super::entry::{check_origin, host_refused, suggest_origin};
use crate::error::{Detail, ErrorKind, Location, PolicyError, PolicyErrors, Subject};
use crate::field::Field;
use crate::matcher::suffix_bit;
use crate::origin;
use crate::public_suffix;

/// Whose entries are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// A policy's `origins`: `*` is allowed (alone, without credentials).
    Policy,
    /// A runtime set with this name: an allowlist, so no `*`.
    Set(&'static str),
    /// The service's own public origins, for write protection: exact origins only.
    PublicOrigins,
}

/// The name public origins are reported under.
pub(crate) const PUBLIC_ORIGINS: &str = "public_origins";

impl Context {
    fn at(self, index: usize) -> Location {
        match self {
            Context::Policy => Location::item(Field::Origins, index),
            Context::Set(name) => Location::set_entry(name, index),
            Context::PublicOrigins => Location::set_entry(PUBLIC_ORIGINS, index),
        }
    }

    /// Where the policy turned credentials on, when it is known.
    fn credentials_at(self) -> Option<Location> {
        match self {
            Context::Policy => Some(Location::field(Field::Credentials)),
            Context::Set(_) | Context::PublicOrigins => None,
        }
    }

    fn subject(self) -> Subject {
        match self {
            Context::Policy => Subject::Policy,
            Context::Set(name) => Subject::Set(name),
            Context::PublicOrigins => Subject::PublicOrigins,
        }
    }
}

/// The entries that passed, ready for the matcher.
#[derive(Debug, Default)]
pub(crate) struct Accepted {
    /// `*` was listed.
    pub(crate) any: bool,
    /// `null` was listed.
    pub(crate) allow_null: bool,
    /// Exact origins and patterns, in the order given.
    pub(crate) keys: Vec<String>,
    /// Bit `n` is set when a subdomain pattern's suffix has `n` labels.
    pub(crate) suffix_labels: u128,
}

/// Checks every entry; returns the accepted ones or every problem.
pub(crate) fn check_entries(
    entries: &[String],
    rules: OriginRules,
    context: Context,
) -> Result<Accepted, PolicyErrors> {
    check_entries_from(entries, 0, rules, context)
}

/// Like [`check_entries`], numbering the entries from `first` (entries added after others).
pub(crate) fn check_entries_from(
    entries: &[String],
    first: usize,
    rules: OriginRules,
    context: Context,
) -> Result<Accepted, PolicyErrors> {
    let mut errors = Vec::new();
    let accepted = check_into(entries, first, rules, context, &mut errors);
    if errors.is_empty() {
        Ok(accepted)
    } else {
        Err(PolicyErrors::with_subject(errors, context.subject()))
    }
}

/// Checks every entry, pushing each problem to `errors`.
pub(crate) fn check_into(
    entries: &[String],
    first: usize,
    rules: OriginRules,
    context: Context,
    errors: &mut Vec<PolicyError>,
) -> Accepted {
    use ErrorKind::*;
    let mut accepted = Accepted::default();
    let creds = rules.credentials;
    let related = |e: PolicyError| match context.credentials_at() {
        Some(at) => e.related(at),
        None => e,
    };
    let at = |i: usize| context.at(first + i);
    distinct(
        entries,
        OriginDuplicate,
        |o| o.into(),
        at,
        errors,
        |i, o, errors| match o {
            _ if context == Context::PublicOrigins && (o == "null" || o.contains('*')) => {
                errors.push(PolicyError::new(PublicOriginNotExact, at(i)).value(o));
            }
            "*" => {
                if let Context::Set(_) = context {
                    errors.push(PolicyError::new(WildcardOriginInSet, at(i)).value(o));
                    return;
                }
                accepted.any = true;
                if creds {
                    let e = PolicyError::new(
                        WildcardOriginWithCredentials,
                        Location::field(Field::Credentials),
                    );
                    errors.push(e.related(at(i)));
                }
                if entries.len() > 1 {
                    errors.push(PolicyError::new(WildcardOriginMixed, at(i)));
                }
            }
            "null" => {
                accepted.allow_null = true;
                if !rules.allow_null_origin {
                    errors.push(PolicyError::new(NullWithoutOptIn, at(i)).value("null"));
                }
                if creds {
                    errors.push(related(
                        PolicyError::new(NullWithCredentials, at(i)).value("null"),
                    ));
                }
            }
            _ if o.eq_ignore_ascii_case("null") => errors.push(
                PolicyError::new(OriginUpperCase, at(i))
                    .value(o)
                    .suggest(Some("null".into())),
            ),
            _ => match check_origin(o) {
                Err(kind) => {
                    let suggestion = suggest_origin(o);
                    // A lone slash after what is otherwise the suggested origin.
                    let trailing_slash = kind == OriginPath
                        && o.ends_with('/')
                        && suggestion.as_deref().map(|s| s.len() + 1) == Some(o.len());
                    errors.push(
                        PolicyError::new(kind, at(i))
                            .value(o)
                            .suggest(suggestion)
                            .detail(if trailing_slash {
                                Detail::TrailingSlash
                            } else if kind == OriginNonAscii && host_refused(o) {
                                Detail::HostRefused
                            } else {
                                Detail::None
                            }),
                    );
                }
                Ok(allowed) => {
                    if creds
                        && allowed.scheme == "http"
                        && !origin::is_loopback(allowed.host.as_bytes(), allowed.kind)
                        && !rules.allow_http_with_credentials
                    {
                        errors.push(related(
                            PolicyError::new(InsecureOriginWithCredentials, at(i)).value(o),
                        ));
                    }
                    if allowed.subdomains {
                        if creds
                            && allowed.host != "localhost"
                            && public_suffix::is_public_suffix(allowed.host)
                            && !rules.allow_public_suffix_wildcard
                        {
                            errors.push(related(
                                PolicyError::new(PublicSuffixWildcardWithCredentials, at(i))
                                    .value(o),
                            ));
                        }
                        accepted.suffix_labels |= suffix_bit(allowed.host);
                    }
                    accepted.keys.push(o.to_owned());
                }
            },
        },
    );
    accepted
}

/// The rules an origin entry must follow besides the grammar, which depend on the policy that
/// allows it: a credentialed policy refuses plain `http://` and public-suffix wildcards unless
/// it opts out, and `null` needs its opt-in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OriginRules {
    /// The policy allows credentials.
    pub credentials: bool,
    /// `allow_null_origin`.
    pub allow_null_origin: bool,
    /// `dangerously_allow_http_with_credentials`.
    pub allow_http_with_credentials: bool,
    /// `dangerously_allow_public_suffix_wildcard`.
    pub allow_public_suffix_wildcard: bool,
}

impl OriginRules {
    /// The rules that satisfy both `self` and `other`: an entry passes them only if both
    /// policies would accept it.
    pub fn strictest(self, other: OriginRules) -> OriginRules {
        let http_ok = |r: OriginRules| !r.credentials || r.allow_http_with_credentials;
        let psl_ok = |r: OriginRules| !r.credentials || r.allow_public_suffix_wildcard;
        OriginRules {
            credentials: self.credentials || other.credentials,
            allow_null_origin: self.allow_null_origin && other.allow_null_origin,
            allow_http_with_credentials: http_ok(self) && http_ok(other),
            allow_public_suffix_wildcard: psl_ok(self) && psl_ok(other),
        }
    }
}
