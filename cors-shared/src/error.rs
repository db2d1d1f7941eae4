//! Validation errors: what is wrong, why a browser cares, and what to write instead.

use std::fmt;

/// A key of a policy, as written in `#[cors(...)]`, in a config file or through the builder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// `origins`
    Origins,
    /// `credentials`
    Credentials,
    /// `methods`
    Methods,
    /// `headers` (allowed request headers)
    Headers,
    /// `expose` (response headers a page may read)
    Expose,
    /// `max_age`
    MaxAge,
    /// `allow_null_origin`
    AllowNullOrigin,
    /// `private_network`
    PrivateNetwork,
    /// `dangerously_allow_http_with_credentials`
    DangerouslyAllowHttpWithCredentials,
    /// `dangerously_allow_public_suffix_wildcard`
    DangerouslyAllowPublicSuffixWildcard,
}

impl Field {
    /// The key as the user writes it.
    pub const fn key(self) -> &'static str {
        match self {
            Field::Origins => "origins",
            Field::Credentials => "credentials",
            Field::Methods => "methods",
            Field::Headers => "headers",
            Field::Expose => "expose",
            Field::MaxAge => "max_age",
            Field::AllowNullOrigin => "allow_null_origin",
            Field::PrivateNetwork => "private_network",
            Field::DangerouslyAllowHttpWithCredentials => "dangerously_allow_http_with_credentials",
            Field::DangerouslyAllowPublicSuffixWildcard => {
                "dangerously_allow_public_suffix_wildcard"
            }
        }
    }

    /// Every key, in the order the documentation lists them.
    pub const ALL: [Field; 10] = [
        Field::Origins,
        Field::Credentials,
        Field::Methods,
        Field::Headers,
        Field::Expose,
        Field::MaxAge,
        Field::AllowNullOrigin,
        Field::PrivateNetwork,
        Field::DangerouslyAllowHttpWithCredentials,
        Field::DangerouslyAllowPublicSuffixWildcard,
    ];
}

/// Where a problem is: a key, and for list keys the position of the item (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The key.
    pub field: Field,
    /// The item's position in the key's list, for list keys.
    pub index: Option<usize>,
}

impl Location {
    /// A whole key.
    pub const fn field(field: Field) -> Self {
        Location { field, index: None }
    }

    /// One item of a list key.
    pub const fn item(field: Field, index: usize) -> Self {
        Location {
            field,
            index: Some(index),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "{}[{}]", self.field.key(), i),
            None => f.write_str(self.field.key()),
        }
    }
}

/// Which rule a policy breaks. Each has its own message, reason and fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
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
    /// `user:password@` in an origin.
    OriginUserinfo,
    /// A path, including a lone trailing slash.
    OriginPath,
    /// A `?query`.
    OriginQuery,
    /// A `#fragment`.
    OriginFragment,
    /// Non-ASCII characters (browsers send the punycode form).
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
}

/// One problem in a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    kind: ErrorKind,
    location: Location,
    value: Option<String>,
    suggestion: Option<String>,
    related: Option<Location>,
}

impl PolicyError {
    pub(crate) fn new(kind: ErrorKind, location: Location) -> Self {
        PolicyError {
            kind,
            location,
            value: None,
            suggestion: None,
            related: None,
        }
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

    /// The replacement to write for the offending item, when there is one.
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }

    fn v(&self) -> &str {
        self.value.as_deref().unwrap_or("")
    }

    /// What is wrong, in one sentence.
    pub fn message(&self) -> String {
        use ErrorKind::*;
        let v = self.v();
        match self.kind {
            NoOrigins => "the policy allows no origin".into(),
            WildcardOriginWithCredentials => {
                "`credentials` cannot be combined with the origin `*`".into()
            }
            WildcardOriginMixed => "`*` cannot be listed beside explicit origins".into(),
            OriginEmpty => "an origin is empty".into(),
            OriginWhitespace => format!("origin `{v}` contains whitespace"),
            OriginMissingScheme => format!("origin `{v}` has no scheme"),
            OriginInvalidScheme => format!("origin `{v}` has an invalid scheme"),
            OriginUserinfo => format!("origin `{v}` contains a user name or password"),
            OriginPath
                if v.ends_with('/')
                    && self.suggestion.as_deref().map(|s| s.len() + 1) == Some(v.len()) =>
            {
                format!("origin `{v}` has a trailing slash")
            }
            OriginPath => format!("origin `{v}` has a path"),
            OriginQuery => format!("origin `{v}` has a query"),
            OriginFragment => format!("origin `{v}` has a fragment"),
            OriginNonAscii => format!("origin `{v}` contains non-ASCII characters"),
            OriginUpperCase => format!("origin `{v}` contains upper-case letters"),
            OriginDefaultPort => format!("origin `{v}` spells out the scheme's default port"),
            OriginInvalidPort => format!("origin `{v}` has an invalid port"),
            OriginTrailingDot => format!("origin `{v}` ends its host with a dot"),
            OriginEmptyLabel => format!("origin `{v}` has an empty label in its host"),
            OriginInvalidHost => format!("origin `{v}` has an invalid host"),
            OriginNonCanonicalIp => {
                format!("origin `{v}` writes its IP address in a non-canonical form")
            }
            OriginMisplacedWildcard => {
                format!("origin `{v}` has a wildcard in an unsupported place")
            }
            OriginDuplicate => format!("origin `{v}` is listed twice"),
            NullWithoutOptIn => "the `null` origin is listed without `allow_null_origin`".into(),
            NullWithCredentials => "the `null` origin cannot be combined with `credentials`".into(),
            InsecureOriginWithCredentials => {
                format!("origin `{v}` uses plain http while `credentials` is on")
            }
            PublicSuffixWildcardWithCredentials => {
                format!("origin `{v}` matches every site under a public suffix while `credentials` is on")
            }
            MethodNotToken => format!("method `{v}` is not a valid HTTP method name"),
            MethodForbidden => format!("method `{v}` can never be sent by a browser"),
            MethodCase => format!("method `{v}` must be written in upper case"),
            WildcardMethodWithCredentials => {
                "`credentials` cannot be combined with the method `*`".into()
            }
            MethodDuplicate => format!("method `{v}` is listed twice"),
            HeaderNotToken => format!("request header `{v}` is not a valid header name"),
            HeaderForbidden => format!("request header `{v}` can never be set by a page"),
            HeaderIsCorsProtocol => {
                format!("`{v}` is part of the CORS protocol, not a request header to allow")
            }
            WildcardHeaderWithCredentials => {
                "`credentials` cannot be combined with the request header `*`".into()
            }
            HeaderDuplicate => format!("request header `{v}` is listed twice"),
            ExposeNotToken => format!("exposed header `{v}` is not a valid header name"),
            ExposeForbidden => format!("`{v}` can never be exposed to a page"),
            WildcardExposeWithCredentials => {
                "`credentials` cannot be combined with the exposed header `*`".into()
            }
            ExposeDuplicate => format!("exposed header `{v}` is listed twice"),
            MaxAgeTooLarge => format!("max_age {v} is above 86400 seconds (one day)"),
        }
    }

    /// Why a browser (or an attacker) cares.
    pub fn why(&self) -> &'static str {
        use ErrorKind::*;
        match self.kind {
            NoOrigins => "with no origin, every cross-origin request is refused",
            WildcardOriginWithCredentials => "browsers reject `Access-Control-Allow-Origin: *` on credentialed requests, and echoing any origin with credentials would let every site read your users' data",
            WildcardOriginMixed => "`*` already allows every origin, so the list suggests a restriction that does not exist",
            OriginEmpty | OriginInvalidScheme | OriginInvalidHost => "browsers send an Origin in the exact form scheme://host[:port], so this entry never matches",
            OriginWhitespace => "browsers never send whitespace in an Origin, so this entry never matches",
            OriginMissingScheme => "an origin is scheme://host[:port]; without the scheme this entry never matches",
            OriginUserinfo => "browsers never put credentials in an Origin, so this entry never matches",
            OriginPath => "an origin is only scheme://host[:port]; browsers send it without any path, so this entry never matches",
            OriginQuery | OriginFragment => "an origin is only scheme://host[:port]; browsers never send a query or fragment in it, so this entry never matches",
            OriginNonAscii => "browsers send internationalized hosts in their punycode (xn--) form, so this entry never matches",
            OriginUpperCase => "browsers send origins in lower case and they are compared byte for byte, so this entry never matches",
            OriginDefaultPort => "browsers omit the default port from an Origin, so this entry never matches",
            OriginInvalidPort => "browsers send a port of 1-65535 without leading zeros, so this entry never matches",
            OriginTrailingDot | OriginEmptyLabel => "browsers never send this host form in an Origin, so this entry never matches",
            OriginNonCanonicalIp => "browsers send IP addresses in one canonical form, so this entry never matches",
            OriginMisplacedWildcard => "only a leading `*.` (any subdomain) and a `:*` port (any port) are supported",
            OriginDuplicate => "a repeated entry is usually a typo for another origin",
            NullWithoutOptIn => "sandboxed iframes, local files and redirects all send `null`, so allowing it lets any site that sandboxes itself read the response",
            NullWithCredentials => "any page can produce the `null` origin from a sandboxed iframe and would then read your users' data",
            InsecureOriginWithCredentials => "anyone on the network path can inject script into a plain-http page and use it to read your users' data",
            PublicSuffixWildcardWithCredentials => "anyone can register a site under a public suffix and would then read your users' data",
            MethodNotToken => "browsers compare methods byte for byte against a token",
            MethodForbidden => "browsers refuse to send these methods, so listing them only hides a mistake",
            MethodCase => "browsers upper-case DELETE, GET, HEAD, OPTIONS, POST and PUT before asking, and methods are compared byte for byte",
            WildcardMethodWithCredentials | WildcardHeaderWithCredentials | WildcardExposeWithCredentials => "browsers read `*` literally on credentialed requests, so it would not mean \"everything\"",
            MethodDuplicate | HeaderDuplicate | ExposeDuplicate => "a repeated entry is usually a typo for another name",
            HeaderNotToken | ExposeNotToken => "header names are HTTP tokens; this one can never appear on the wire",
            HeaderForbidden => "browsers set these headers themselves and never ask permission for them",
            HeaderIsCorsProtocol => "Access-Control-* headers are written by the server in responses; a page never sends them",
            ExposeForbidden => "browsers hide Set-Cookie from pages whatever the server says",
            MaxAgeTooLarge => "browsers cap the preflight cache (Chromium at 7200 s, Firefox at 86400 s, Safari at 600 s), and a long cache keeps a revoked permission alive",
        }
    }

    /// What to write instead.
    pub fn fix(&self) -> String {
        use ErrorKind::*;
        if let (Some(s), false) = (&self.suggestion, self.kind == MaxAgeTooLarge) {
            return format!("write `{s}`");
        }
        match self.kind {
            NoOrigins => "list at least one origin, e.g. `origins = [\"https://app.example.re\"]`".into(),
            WildcardOriginWithCredentials => "list the trusted origins explicitly (e.g. `\"https://app.example.re\"`), or remove `credentials`".into(),
            WildcardOriginMixed => "remove `*`, or keep `*` alone".into(),
            OriginEmpty => "remove the empty entry".into(),
            OriginMisplacedWildcard => "write `https://*.example.re` for every subdomain, or `http://localhost:*` for every port".into(),
            OriginDuplicate | MethodDuplicate | HeaderDuplicate | ExposeDuplicate => "remove the repeated entry".into(),
            NullWithoutOptIn => "add `allow_null_origin` if you really serve sandboxed or local documents, or remove `null`".into(),
            NullWithCredentials => "remove `credentials`, or remove `null`".into(),
            InsecureOriginWithCredentials => "use the https:// origin, or add `dangerously_allow_http_with_credentials` if this network is trusted".into(),
            PublicSuffixWildcardWithCredentials => "list your own sites explicitly, or add `dangerously_allow_public_suffix_wildcard` if you own every site under it".into(),
            WildcardMethodWithCredentials => "list the methods explicitly, e.g. `methods = [GET, PUT]`".into(),
            WildcardHeaderWithCredentials => "list the request headers explicitly, e.g. `headers = [\"content-type\"]`".into(),
            WildcardExposeWithCredentials => "list the exposed headers explicitly, e.g. `expose = [\"x-total-count\"]`".into(),
            MethodForbidden | HeaderForbidden | HeaderIsCorsProtocol | ExposeForbidden => "remove it".into(),
            MaxAgeTooLarge => "use at most 86400; 600 is a good default".into(),
            OriginNonCanonicalIp => "write the address as browsers do: four decimal numbers without leading zeros (`127.0.0.1`), or compressed lower-case IPv6 (`[::1]`)".into(),
            OriginInvalidHost | OriginEmptyLabel | OriginTrailingDot => "write the host as lower-case labels of letters, digits and inner hyphens, e.g. `https://app.example.re`".into(),
            OriginInvalidPort => "write a port from 1 to 65535 without leading zeros, or `:*` for any port".into(),
            OriginMissingScheme | OriginInvalidScheme | OriginPath | OriginQuery | OriginFragment | OriginUserinfo | OriginWhitespace | OriginUpperCase | OriginNonAscii | OriginDefaultPort => "write only scheme://host[:port], e.g. `https://app.example.re`".into(),
            _ => "write the name as a token: letters, digits and !#$%&'*+-.^_`|~".into(),
        }
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

/// Every problem found in a policy, in the order of the keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyErrors(pub(crate) Vec<PolicyError>);

impl PolicyErrors {
    /// The problems, one per offending item.
    pub fn errors(&self) -> &[PolicyError] {
        &self.0
    }

    /// True when the policy broke the given rule.
    pub fn contains(&self, kind: ErrorKind) -> bool {
        self.0.iter().any(|e| e.kind == kind)
    }
}

impl IntoIterator for PolicyErrors {
    type Item = PolicyError;
    type IntoIter = std::vec::IntoIter<PolicyError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "invalid CORS policy ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n- {}: {}", e.location, e)?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyErrors {}
