//! Validation errors: which rule, where, and the value involved. Their words are in `text`.

use std::fmt;

use crate::field::Field;

mod text;

/// Where a problem is: a key, and for list keys the position of the item (0-based); for a
/// change to a runtime origin set, the set and the entry's position in the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The key.
    pub field: Field,
    /// The item's position in the key's list, for list keys.
    pub index: Option<usize>,
    /// The runtime origin set the entry belongs to, for a change to a set.
    pub set: Option<&'static str>,
}

impl Location {
    /// A whole key.
    pub const fn field(field: Field) -> Self {
        Location {
            field,
            index: None,
            set: None,
        }
    }

    /// One item of a list key.
    pub const fn item(field: Field, index: usize) -> Self {
        Location {
            field,
            index: Some(index),
            set: None,
        }
    }

    /// One entry of a change to the runtime origin set `set`.
    pub const fn set_entry(set: &'static str, index: usize) -> Self {
        Location {
            field: Field::Origins,
            index: Some(index),
            set: Some(set),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.set.unwrap_or(self.field.key());
        match self.index {
            Some(i) => write!(f, "{name}[{i}]"),
            None => f.write_str(name),
        }
    }
}

/// Declares [`ErrorKind`] and [`ErrorKind::ALL`] from one list, so a rule cannot exist without
/// being listed (the guide's chapter on the rules is checked against `ALL`).
macro_rules! error_kinds {
    ($($(#[$doc:meta])* $kind:ident,)*) => {
        /// Which rule a policy breaks. Each has its own message, reason and fix.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[$doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every rule, in the order of the keys they are about.
            ///
            /// ```
            /// use cors_shared::ErrorKind;
            /// assert_eq!(ErrorKind::ALL.first(), Some(&ErrorKind::NoOrigins));
            /// assert!(ErrorKind::ALL.contains(&ErrorKind::OriginPath));
            /// ```
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind,)*];

            /// The rule's name, as the variant is spelt: a stable identifier to search the
            /// guide's chapter "The rules" (and the code) for.
            ///
            /// ```
            /// use cors_shared::ErrorKind;
            /// assert_eq!(ErrorKind::OriginPath.name(), "OriginPath");
            /// ```
            pub const fn name(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => stringify!($kind),)*
                }
            }
        }
    };
}

error_kinds! {
    /// The policy lists no origin.
    NoOrigins,
    /// `*` together with credentials.
    WildcardOriginWithCredentials,
    /// `*` listed beside explicit origins.
    WildcardOriginMixed,
    /// An empty origin string.
    OriginEmpty,
    /// Whitespace in or around an origin.
    OriginWhitespace,
    /// No `scheme://`.
    OriginMissingScheme,
    /// A scheme outside the URL grammar.
    OriginInvalidScheme,
    /// A scheme one edit away from `https` or `http` (`htps`): a typo, never a page's scheme.
    OriginMisspeltScheme,
    /// Quotes in an entry, kept from a shell or a config format (`"https://app.example.re"`).
    OriginQuoted,
    /// Several origins in one entry, separated by `;` or not at all.
    OriginsNotSeparated,
    /// `user:password@` in an origin.
    OriginUserinfo,
    /// A path, including a lone trailing slash.
    OriginPath,
    /// A `?query`.
    OriginQuery,
    /// A `#fragment`.
    OriginFragment,
    /// Non-ASCII characters (browsers send the ASCII form their URL parser gives the host).
    OriginNonAscii,
    /// Upper-case letters (browsers send lower case).
    OriginUpperCase,
    /// The scheme's default port written out (browsers omit it).
    OriginDefaultPort,
    /// A port of 0, above 65535, with a leading zero or with non-digits.
    OriginInvalidPort,
    /// A trailing dot after the host.
    OriginTrailingDot,
    /// An empty label (`..`, a leading dot).
    OriginEmptyLabel,
    /// A host that is not LDH labels of 1-63 bytes, at most 253 bytes in all.
    OriginInvalidHost,
    /// An IP address not in the form browsers serialize.
    OriginNonCanonicalIp,
    /// A `*` anywhere but one leading `*.` label or a `:*` port.
    OriginMisplacedWildcard,
    /// `*` as an entry of a runtime origin set.
    WildcardOriginInSet,
    /// The same origin listed twice.
    OriginDuplicate,
    /// `null` without `allow_null_origin`.
    NullWithoutOptIn,
    /// `null` together with credentials.
    NullWithCredentials,
    /// An `http://` origin other than loopback together with credentials.
    InsecureOriginWithCredentials,
    /// A subdomain wildcard over a public suffix together with credentials.
    PublicSuffixWildcardWithCredentials,
    /// A method that is not an HTTP token.
    MethodNotToken,
    /// CONNECT, TRACE or TRACK.
    MethodForbidden,
    /// A standard method in lower case (browsers upper-case it).
    MethodCase,
    /// `*` in methods together with credentials.
    WildcardMethodWithCredentials,
    /// The same method listed twice.
    MethodDuplicate,
    /// A request header that is not an HTTP token.
    HeaderNotToken,
    /// A request header browsers never let a page set.
    HeaderForbidden,
    /// An `Access-Control-*` name listed as a request header.
    HeaderIsCorsProtocol,
    /// `*` in headers together with credentials.
    WildcardHeaderWithCredentials,
    /// The same request header listed twice.
    HeaderDuplicate,
    /// An exposed header that is not an HTTP token.
    ExposeNotToken,
    /// `set-cookie` in expose.
    ExposeForbidden,
    /// `*` in expose together with credentials.
    WildcardExposeWithCredentials,
    /// The same exposed header listed twice.
    ExposeDuplicate,
    /// `max_age` above 86400 seconds.
    MaxAgeTooLarge,
    /// A public origin of write protection that is `*`, `null` or a pattern.
    PublicOriginNotExact,
}

/// A finer point of a rule that changes only the wording, decided by the validation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Detail {
    #[default]
    None,
    /// An [`ErrorKind::OriginPath`] whose path is a lone trailing slash.
    TrailingSlash,
    /// An [`ErrorKind::OriginNonAscii`] whose host the URL parser refuses.
    HostRefused,
}

/// One problem in a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    kind: ErrorKind,
    location: Location,
    value: Option<String>,
    suggestion: Option<String>,
    related: Option<Location>,
    detail: Detail,
}

impl PolicyError {
    pub(crate) fn new(kind: ErrorKind, location: Location) -> Self {
        PolicyError {
            kind,
            location,
            value: None,
            suggestion: None,
            related: None,
            detail: Detail::None,
        }
    }

    pub(crate) fn detail(mut self, detail: Detail) -> Self {
        self.detail = detail;
        self
    }

    pub(crate) fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    pub(crate) fn suggest(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    pub(crate) fn related(mut self, related: Location) -> Self {
        self.related = Some(related);
        self
    }

    /// Which rule is broken.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The key and item the problem is about.
    pub fn location(&self) -> Location {
        self.location
    }

    /// A second place that takes part in the problem (the `"*"` that `credentials` clashes with).
    pub fn related_location(&self) -> Option<Location> {
        self.related
    }

    /// The offending item as written (the origin, method or header name), when the problem is
    /// about one item.
    pub fn entry(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The replacement to write for the offending item, when there is one.
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n  = why: {}\n  = help: {}",
            self.message(),
            self.why(),
            self.fix()
        )
    }
}

impl std::error::Error for PolicyError {}

/// What a list of problems is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Subject {
    /// A policy (a spec, a config file, an attribute).
    Policy,
    /// A change to the runtime origin set with this name.
    Set(&'static str),
    /// A policy over the runtime set with this name, whose current entries break its rules.
    PolicyOverSet(&'static str),
    /// The public origins of write protection.
    PublicOrigins,
}

/// Every problem found in a policy (or in a change to a runtime origin set), in the order of
/// the keys.
///
/// `Debug` prints the same text as `Display`, so that `fn main() -> Result<(), PolicyErrors>`
/// and `.expect(...)` show the messages as written rather than escaped on one line.
#[derive(Clone, PartialEq, Eq)]
pub struct PolicyErrors {
    errors: Vec<PolicyError>,
    subject: Subject,
}

impl fmt::Debug for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl PolicyErrors {
    pub(crate) fn new(errors: Vec<PolicyError>) -> Self {
        Self::with_subject(errors, Subject::Policy)
    }

    pub(crate) fn with_subject(errors: Vec<PolicyError>, subject: Subject) -> Self {
        PolicyErrors { errors, subject }
    }

    /// The same problems, as the reason a policy cannot use the set they were found in.
    pub(crate) fn over_set(self) -> Self {
        let subject = match self.subject {
            Subject::Set(name) => Subject::PolicyOverSet(name),
            other => other,
        };
        PolicyErrors { subject, ..self }
    }

    /// The problems, one per offending item.
    pub fn errors(&self) -> &[PolicyError] {
        &self.errors
    }

    /// True when the policy broke the given rule.
    pub fn contains(&self, kind: ErrorKind) -> bool {
        self.errors.iter().any(|e| e.kind == kind)
    }
}

impl IntoIterator for PolicyErrors {
    type Item = PolicyError;
    type IntoIter = std::vec::IntoIter<PolicyError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        let plural = if n == 1 { "" } else { "s" };
        match self.subject {
            Subject::Policy => write!(f, "invalid CORS policy ({n} problem{plural}):")?,
            Subject::Set(name) => write!(
                f,
                "change to the CORS origin set `{name}` refused, nothing changed ({n} problem{plural}):"
            )?,
            Subject::PolicyOverSet(name) => write!(
                f,
                "invalid CORS policy: the origin set `{name}` holds entries its rules refuse;                  change the set first, or the policy ({n} problem{plural}):"
            )?,
            Subject::PublicOrigins => write!(
                f,
                "invalid public origins for write protection ({n} problem{plural}):"
            )?,
        }
        for e in &self.errors {
            write!(f, "\n- {}: {}", e.location, e)?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyErrors {}
