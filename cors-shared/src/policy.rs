//! The validated, immutable policy and its origin matcher.

use std::borrow::Cow;
use std::fmt;

use crate::origin::{self, HostKind};
use crate::table;

/// Text that is either baked into the binary (policies from `#[cors]`) or built at start-up.
pub type Text = Cow<'static, str>;
/// A list that is either baked into the binary or built at start-up.
pub type List<T> = Cow<'static, [T]>;

/// The precomputed parts of a [`Policy`].
///
/// Not part of the public API: the `#[cors]` macro writes one of these as a `static` after
/// validating the policy at compile time, so nothing is parsed at run time. Build a policy with
/// [`PolicySpec::validate`](crate::PolicySpec::validate) instead.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct RawPolicy {
    pub any_origin: bool,
    pub allow_null: bool,
    /// Exact origins and patterns (`https://*.x`, `http://h:*`), as keys of `slots`.
    pub origins: List<Text>,
    /// Open-addressing table over `origins`.
    pub slots: List<u32>,
    /// Bit `n` is set when a subdomain pattern's suffix has `n` labels.
    pub suffix_labels: u128,
    pub credentials: bool,
    pub any_method: bool,
    pub methods: List<Text>,
    pub any_header: bool,
    /// Lower-case names.
    pub headers: List<Text>,
    /// The `Access-Control-Expose-Headers` value.
    pub expose: Option<Text>,
    /// The `Access-Control-Max-Age` value.
    pub max_age: Option<Text>,
    pub private_network: bool,
}

/// A validated CORS policy: immutable, with every header value precomputed.
///
/// Obtain one from [`PolicySpec::validate`](crate::PolicySpec::validate), or from the
/// `policy!{...}` and `#[cors(...)]` macros, which validate at compile time. Ask it about a
/// request with [`Policy::decide`].
#[derive(Clone)]
pub struct Policy {
    pub(crate) raw: RawPolicy,
}

/// What the matcher concluded about one `Origin` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OriginMatch {
    Allowed,
    NotAllowed,
    Malformed,
}

impl Policy {
    /// Wraps precomputed parts. Used by code that the `#[cors]` macro generates after it has
    /// validated the policy; calling it by hand skips validation.
    #[doc(hidden)]
    pub const fn __from_raw(raw: RawPolicy) -> Self {
        Policy { raw }
    }

    /// The precomputed parts, for the macro that writes them out as a `static`.
    #[doc(hidden)]
    pub fn __raw(&self) -> &RawPolicy {
        &self.raw
    }

    /// Whether the policy lets a page at `origin` (the `Origin` header's value) read responses.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.match_origin(origin.as_bytes()) == OriginMatch::Allowed
    }

    /// Whether responses carry `Access-Control-Allow-Credentials: true`.
    pub fn credentials(&self) -> bool {
        self.raw.credentials
    }

    /// Whether the policy allows every origin (`*`).
    pub fn allows_any_origin(&self) -> bool {
        self.raw.any_origin
    }

    pub(crate) fn match_origin(&self, value: &[u8]) -> OriginMatch {
        let raw = &self.raw;
        if value == b"null" {
            return if raw.any_origin || raw.allow_null {
                OriginMatch::Allowed
            } else {
                OriginMatch::NotAllowed
            };
        }
        let Some(parts) = origin::parse(value) else {
            return OriginMatch::Malformed;
        };
        if raw.any_origin || self.lookup(&[value]) {
            return OriginMatch::Allowed;
        }
        let scheme = parts.scheme;
        if parts.port.is_some() && self.lookup(&[scheme, b"://", parts.host, b":*"]) {
            return OriginMatch::Allowed;
        }
        if raw.suffix_labels != 0 && parts.kind == HostKind::Domain && self.match_subdomain(parts) {
            return OriginMatch::Allowed;
        }
        OriginMatch::NotAllowed
    }

    /// Tries every proper suffix of the host whose label count some pattern uses.
    fn match_subdomain(&self, parts: origin::OriginParts<'_>) -> bool {
        let host = parts.host;
        let total_labels = host.iter().filter(|&&b| b == b'.').count() + 1;
        let mut labels_left = total_labels;
        for (i, _) in host.iter().enumerate().filter(|(_, &b)| b == b'.') {
            labels_left -= 1;
            let wanted = u32::try_from(labels_left)
                .ok()
                .and_then(|n| 1u128.checked_shl(n))
                .unwrap_or(0);
            if self.raw.suffix_labels & wanted == 0 {
                continue;
            }
            let Some(suffix) = host.get(i + 1..) else {
                continue;
            };
            let found = match parts.port {
                None => self.lookup(&[parts.scheme, b"://*.", suffix]),
                Some(port) => {
                    self.lookup(&[parts.scheme, b"://*.", suffix, b":", port])
                        || self.lookup(&[parts.scheme, b"://*.", suffix, b":*"])
                }
            };
            if found {
                return true;
            }
        }
        false
    }

    fn lookup(&self, parts: &[&[u8]]) -> bool {
        table::contains(&self.raw.slots, &self.raw.origins, parts)
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = &self.raw;
        let mut d = f.debug_struct("Policy");
        if raw.any_origin {
            d.field("origins", &"*");
        } else {
            d.field("origins", &raw.origins);
            d.field("allow_null", &raw.allow_null);
        }
        d.field("credentials", &raw.credentials)
            .field("any_method", &raw.any_method)
            .field("methods", &raw.methods)
            .field("headers", &raw.headers)
            .field("any_header", &raw.any_header)
            .field("expose", &raw.expose)
            .field("max_age", &raw.max_age)
            .finish()
    }
}
