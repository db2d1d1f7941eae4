//! The validated, immutable policy.

use std::borrow::Cow;
use std::fmt;

use crate::matcher::{self, Allowlist};
use crate::origin;
use crate::set::OriginSet;
use crate::validate::origins::OriginRules;

/// A validated CORS policy: immutable, with every header value precomputed.
///
/// Obtain one from [`PolicySpec::validate`](crate::PolicySpec::validate), or from the
/// `policy!{...}` and `#[cors(...)]` macros, which validate at compile time. Ask it about a
/// request with [`Policy::decide`].
#[derive(Clone)]
pub struct Policy {
    pub(crate) raw: RawPolicy,
}

/// Text that is either baked into the binary (policies from `#[cors]`) or built at start-up.
pub type Text = Cow<'static, str>;
/// A list that is either baked into the binary or built at start-up.
pub type List<T> = Cow<'static, [T]>;

/// The precomputed parts of a [`Policy`](crate::Policy).
#[derive(Clone, Debug)]
pub struct RawPolicy {
    /// `*`: every origin.
    pub any_origin: bool,
    /// `null` is allowed.
    pub allow_null: bool,
    /// Exact origins and patterns (`https://*.x`, `http://h:*`), as keys of `slots`.
    pub origins: List<Text>,
    /// Open-addressing table over `origins`.
    pub slots: List<u32>,
    /// Bit `n` is set when a subdomain pattern's suffix has `n` labels.
    pub suffix_labels: u128,
    /// The runtime set whose current entries are allowed too.
    pub set: Option<&'static OriginSet>,
    /// `Access-Control-Allow-Credentials: true`.
    pub credentials: bool,
    /// `*` in methods.
    pub any_method: bool,
    /// Allowed methods besides the safelisted ones.
    pub methods: List<Text>,
    /// `*` in request headers.
    pub any_header: bool,
    /// Allowed request headers, lower case.
    pub headers: List<Text>,
    /// The `Access-Control-Expose-Headers` value.
    pub expose: Option<Text>,
    /// The `Access-Control-Max-Age` value.
    pub max_age: Option<Text>,
    /// Private Network Access preflights are answered.
    pub private_network: bool,
    /// The origin rules the policy was validated under, which its runtime set applies too.
    pub rules: OriginRules,
    /// Write protection turned on or off by the policy itself; `None` leaves it to the
    /// application's default.
    pub protect_writes: Option<bool>,
}

/// The note of [`Policy::notes`] for write protection over `*`.
pub const WILDCARD_WRITE_NOTE: &str = "write protection is on while `origins = [\"*\"]`: `*` lets \
    every site read but trusts no origin for writes, so only the site's own pages may post here; \
    list the origins that may write (e.g. `origins = [\"https://app.example.re\"]`), or turn \
    protection off on this route with `protect_writes = false` if other sites must post to it";

/// How an origin fared against a policy's fixed origins and its runtime set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Allowed; by the policy's fixed exact origin at this index when it is one of them.
    Allowed(Option<usize>),
    NotAllowed,
    Malformed,
    /// Not among the fixed origins, and the policy's runtime set is empty.
    SetEmpty(&'static str),
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
        matches!(self.check_origin(origin.as_bytes()), Verdict::Allowed(_))
    }

    /// Remarks about a valid policy that may not do what its author expects, each one line: the
    /// macros show them as compile-time warnings, adapters may log them at start-up.
    ///
    /// Today one: write protection on a policy that allows every origin (`*`). That compiles
    /// and is consistent (the site's own pages still write), but `*` trusts no origin for
    /// writes: every other site's writes are refused, although every site may read.
    ///
    /// ```
    /// use cors_shared::PolicySpec;
    ///
    /// let policy = PolicySpec::new().origin("*").protect_writes(true).validate().unwrap();
    /// assert_eq!(policy.notes().count(), 1);
    /// ```
    pub fn notes(&self) -> impl Iterator<Item = &'static str> {
        let wildcard = self.raw.any_origin && self.raw.protect_writes == Some(true);
        wildcard.then_some(WILDCARD_WRITE_NOTE).into_iter()
    }

    /// Whether responses carry `Access-Control-Allow-Credentials: true`.
    pub fn credentials(&self) -> bool {
        self.raw.credentials
    }

    /// Whether the policy allows every origin (`*`).
    pub fn allows_any_origin(&self) -> bool {
        self.raw.any_origin
    }

    /// Whether the policy answers Private Network Access preflights
    /// (`Access-Control-Request-Private-Network`); no other policy reads that header.
    pub fn answers_private_network(&self) -> bool {
        self.raw.private_network
    }

    /// The runtime origin set whose current contents this policy allows besides its fixed
    /// origins, if it has one.
    pub fn origin_set(&self) -> Option<&'static OriginSet> {
        self.raw.set
    }

    /// The `Access-Control-Expose-Headers` value the policy writes on allowed actual
    /// responses, if any. Adapters may prepare it once as their framework's header value.
    pub fn expose_value(&self) -> Option<&str> {
        self.raw.expose.as_deref()
    }

    /// The `Access-Control-Max-Age` value the policy writes on allowed preflights, if any.
    pub fn max_age_value(&self) -> Option<&str> {
        self.raw.max_age.as_deref()
    }

    /// The policy's fixed origins, exact ones and patterns (`https://*.x`, `http://h:*`), in the
    /// order that [`CorsHeaders::fixed_origin`](crate::CorsHeaders::fixed_origin) counts them.
    /// Adapters may prepare one header value per exact origin (those without `*`) and write it
    /// instead of copying the request's `Origin`.
    ///
    /// ```
    /// use cors_shared::PolicySpec;
    ///
    /// let policy = PolicySpec::new()
    ///     .origins(["https://app.example.re", "https://*.example.re"])
    ///     .validate()
    ///     .unwrap();
    /// let fixed: Vec<&str> = policy.fixed_origins().collect();
    /// assert_eq!(fixed, ["https://app.example.re", "https://*.example.re"]);
    /// ```
    pub fn fixed_origins(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.raw.origins.iter().map(|o| o.as_ref())
    }

    /// The entries of [`Policy::fixed_origins`], each `Some` when it is an exact origin (a value
    /// an adapter may prepare once and send as it is) and `None` when it is a pattern, whose
    /// answer is the request's own `Origin`.
    ///
    /// ```
    /// use cors_shared::PolicySpec;
    ///
    /// let policy = PolicySpec::new()
    ///     .origins(["https://app.example.re", "https://*.example.re", "http://localhost:*"])
    ///     .validate()
    ///     .unwrap();
    /// let exact: Vec<Option<&str>> = policy.exact_origins().collect();
    /// assert_eq!(exact, [Some("https://app.example.re"), None, None]);
    /// ```
    pub fn exact_origins(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        self.fixed_origins()
            .map(|o| Some(o).filter(|o| !matcher::is_pattern_key(o.as_bytes())))
    }

    fn fixed(&self) -> Allowlist<'_, Text> {
        Allowlist {
            keys: &self.raw.origins,
            slots: &self.raw.slots,
            suffix_labels: self.raw.suffix_labels,
        }
    }

    /// Checks an `Origin` value against the fixed origins, then against one version of the
    /// runtime set.
    ///
    /// The common case comes first: a value equal to an exact origin of the policy is allowed
    /// without parsing it, since every exact origin passed the serialized-origin grammar when
    /// the policy was validated (a value equal to a pattern, which holds `*`, is not found). Anything
    /// else is parsed, so a malformed value is refused as such, and then tried against the
    /// patterns. Always inlined: it is the first step of every decision, and a call costs
    /// more than the lookup around it.
    #[inline(always)]
    pub(crate) fn check_origin(&self, value: &[u8]) -> Verdict {
        let is_null = value == b"null";
        let short = value.len() <= origin::MAX_ORIGIN_LEN;
        if let Some(index) = (!is_null && short)
            .then(|| self.fixed().exact_index(value))
            .flatten()
        {
            return Verdict::Allowed(Some(index));
        }
        // A value holding `*` equals no exact entry of the set: `exact` tells patterns apart.
        self.check_origin_further(value, is_null, !is_null && short)
    }

    /// The rest of [`Policy::check_origin`], for a value that is not an exact origin of the
    /// policy: apart, so that the common case runs through little code.
    #[inline(never)]
    fn check_origin_further(&self, value: &[u8], is_null: bool, exactable: bool) -> Verdict {
        let raw = &self.raw;
        let loaded = raw.set.map(|set| (set, set.load()));
        let version = loaded.as_ref().and_then(|(_, guard)| guard.as_deref());
        if exactable && version.is_some_and(|v| v.allowlist().exact(value)) {
            return Verdict::Allowed(None);
        }
        if is_null {
            if raw.any_origin || raw.allow_null || version.is_some_and(|v| v.allows_null()) {
                return Verdict::Allowed(None);
            }
        } else {
            let Some(parts) = origin::parse(value) else {
                return Verdict::Malformed;
            };
            if raw.any_origin
                || self.fixed().patterns(&parts)
                || version.is_some_and(|v| v.allowlist().patterns(&parts))
            {
                return Verdict::Allowed(None);
            }
        }
        match loaded {
            Some((set, _)) if version.is_none_or(|v| v.len() == 0) => Verdict::SetEmpty(set.name()),
            _ => Verdict::NotAllowed,
        }
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
        if let Some(set) = raw.set {
            d.field("origin_set", &set.name());
        }
        d.field("credentials", &raw.credentials)
            .field("any_method", &raw.any_method)
            .field("methods", &raw.methods)
            .field("headers", &raw.headers)
            .field("any_header", &raw.any_header)
            .field("expose", &raw.expose)
            .field("max_age", &raw.max_age)
            .field("protect_writes", &raw.protect_writes)
            .finish()
    }
}
