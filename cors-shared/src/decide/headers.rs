//! What a decision writes: the CORS response headers with their values, and the `Vary`
//! tokens to merge.

/// The `Vary` tokens a response needs, with their joined value. One of the constants below; a
/// single pointer, cheap to keep beside a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vary(&'static VarySet);

/// The contents of a [`Vary`].
#[derive(Debug, PartialEq, Eq)]
struct VarySet {
    tokens: &'static [&'static str],
    value: &'static str,
}

impl Vary {
    /// Nothing to add: the response does not depend on the request's CORS headers.
    pub const NONE: Vary = Vary(&VarySet {
        tokens: &[],
        value: "",
    });
    /// `Vary: Origin`.
    pub const ORIGIN: Vary = Vary(&VarySet {
        tokens: &["Origin"],
        value: "Origin",
    });
    /// The three request headers a preflight answer depends on.
    pub const PREFLIGHT: Vary = Vary(&VarySet {
        tokens: &[
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
        ],
        value: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    });
    /// [`Vary::PREFLIGHT`] and `Access-Control-Request-Private-Network`.
    pub const PREFLIGHT_PRIVATE_NETWORK: Vary = Vary(&VarySet {
        tokens: &[
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
            "Access-Control-Request-Private-Network",
        ],
        value: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
                Access-Control-Request-Private-Network",
    });

    /// The tokens, each a request header name.
    pub fn tokens(&self) -> &'static [&'static str] {
        self.0.tokens
    }

    /// The tokens joined with `, `; empty for [`Vary::NONE`].
    pub const fn value(&self) -> &'static str {
        self.0.value
    }

    /// True for [`Vary::NONE`].
    pub fn is_empty(&self) -> bool {
        self.0.tokens.is_empty()
    }
}

impl Default for Vary {
    fn default() -> Self {
        Vary::NONE
    }
}

/// Lower-case header names, as HTTP/2 and the frameworks' static constructors want them.
pub mod header {
    /// `Access-Control-Allow-Origin`
    pub const ALLOW_ORIGIN: &str = "access-control-allow-origin";
    /// `Access-Control-Allow-Credentials`
    pub const ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";
    /// `Access-Control-Allow-Methods`
    pub const ALLOW_METHODS: &str = "access-control-allow-methods";
    /// `Access-Control-Allow-Headers`
    pub const ALLOW_HEADERS: &str = "access-control-allow-headers";
    /// `Access-Control-Allow-Private-Network`
    pub const ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";
    /// `Access-Control-Max-Age`
    pub const MAX_AGE: &str = "access-control-max-age";
    /// `Access-Control-Expose-Headers`
    pub const EXPOSE_HEADERS: &str = "access-control-expose-headers";
    /// `Vary`
    pub const VARY: &str = "vary";
    /// `Origin`
    pub const ORIGIN: &str = "origin";
    /// `Access-Control-Request-Method`
    pub const REQUEST_METHOD: &str = "access-control-request-method";
    /// `Access-Control-Request-Headers`
    pub const REQUEST_HEADERS: &str = "access-control-request-headers";
    /// `Access-Control-Request-Private-Network`
    pub const REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";
    /// `Sec-Fetch-Site`, read by write protection only.
    pub const SEC_FETCH_SITE: &str = "sec-fetch-site";
    /// `Host`, read by write protection only.
    pub const HOST: &str = "host";
    /// `Upgrade`, read by write protection only (a WebSocket handshake).
    pub const UPGRADE: &str = "upgrade";
}

/// One CORS response header a decision may write (`Vary` aside). Adapters that keep their
/// framework's header names match on it, so a header added here cannot be forgotten there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CorsHeader {
    /// `Access-Control-Allow-Origin`
    AllowOrigin,
    /// `Access-Control-Allow-Credentials`
    AllowCredentials,
    /// `Access-Control-Allow-Methods`
    AllowMethods,
    /// `Access-Control-Allow-Headers`
    AllowHeaders,
    /// `Access-Control-Allow-Private-Network`
    AllowPrivateNetwork,
    /// `Access-Control-Max-Age`
    MaxAge,
    /// `Access-Control-Expose-Headers`
    ExposeHeaders,
}

impl CorsHeader {
    /// Every header, in the order they are written.
    pub const ALL: [CorsHeader; 7] = [
        CorsHeader::AllowOrigin,
        CorsHeader::AllowCredentials,
        CorsHeader::AllowMethods,
        CorsHeader::AllowHeaders,
        CorsHeader::AllowPrivateNetwork,
        CorsHeader::MaxAge,
        CorsHeader::ExposeHeaders,
    ];

    /// The headers an actual response may carry ([`CorsHeader::preflight_only`] is false), in
    /// [`CorsHeader::ALL`]'s order: on a response a policy decides, adapters remove any of them
    /// that a handler wrote before writing the decision, so that only the policy grants reading.
    pub const ON_ACTUAL: [CorsHeader; 3] = [
        CorsHeader::AllowOrigin,
        CorsHeader::AllowCredentials,
        CorsHeader::ExposeHeaders,
    ];

    /// Whether only the answer to a preflight carries this header; the others are those an
    /// actual response may carry (`Access-Control-Allow-Origin` and
    /// `Access-Control-Allow-Credentials` on both).
    pub const fn preflight_only(self) -> bool {
        match self {
            CorsHeader::AllowMethods
            | CorsHeader::AllowHeaders
            | CorsHeader::AllowPrivateNetwork
            | CorsHeader::MaxAge => true,
            CorsHeader::AllowOrigin | CorsHeader::AllowCredentials | CorsHeader::ExposeHeaders => {
                false
            }
        }
    }

    /// The lower-case name.
    pub const fn name(self) -> &'static str {
        match self {
            CorsHeader::AllowOrigin => header::ALLOW_ORIGIN,
            CorsHeader::AllowCredentials => header::ALLOW_CREDENTIALS,
            CorsHeader::AllowMethods => header::ALLOW_METHODS,
            CorsHeader::AllowHeaders => header::ALLOW_HEADERS,
            CorsHeader::AllowPrivateNetwork => header::ALLOW_PRIVATE_NETWORK,
            CorsHeader::MaxAge => header::MAX_AGE,
            CorsHeader::ExposeHeaders => header::EXPOSE_HEADERS,
        }
    }
}

/// The CORS headers to write on a response, borrowed from the policy and the request.
///
/// Adapters *set* each header of [`CorsHeaders::iter`] (replacing any earlier value) and merge
/// [`CorsHeaders::vary`] into the response's `Vary` with [`merge_vary`](crate::merge_vary).
/// On a response they did not make themselves, they first remove the headers an actual
/// response may carry ([`CorsHeader::ON_ACTUAL`]), so that a value a handler wrote never grants
/// what the decision does not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CorsHeaders<'a> {
    /// `Access-Control-Allow-Origin`: the request's origin, or `*`.
    pub allow_origin: Option<&'a str>,
    /// When `allow_origin` is one of the policy's fixed exact origins: its index in
    /// [`Policy::fixed_origins`](crate::Policy::fixed_origins), so that an adapter can write a
    /// value it prepared for that origin instead of copying the request's.
    pub fixed_origin: Option<usize>,
    /// `Access-Control-Allow-Credentials: true`.
    pub allow_credentials: bool,
    /// `Access-Control-Allow-Methods` (preflight only): the requested method.
    pub allow_methods: Option<&'a str>,
    /// `Access-Control-Allow-Headers` (preflight only): the requested names.
    pub allow_headers: Option<&'a str>,
    /// `Access-Control-Allow-Private-Network: true` (preflight only).
    pub allow_private_network: bool,
    /// `Access-Control-Max-Age` (preflight only).
    pub max_age: Option<&'a str>,
    /// `Access-Control-Expose-Headers` (actual responses only).
    pub expose_headers: Option<&'a str>,
    /// Tokens to merge into `Vary`.
    pub vary: Vary,
}

impl<'a> CorsHeaders<'a> {
    pub(crate) fn vary_only(vary: Vary) -> Self {
        CorsHeaders {
            vary,
            ..Self::default()
        }
    }

    /// The value of one header, when it is to be written.
    pub fn get(&self, header: CorsHeader) -> Option<&'a str> {
        match header {
            CorsHeader::AllowOrigin => self.allow_origin,
            CorsHeader::AllowCredentials => self.allow_credentials.then_some("true"),
            CorsHeader::AllowMethods => self.allow_methods,
            CorsHeader::AllowHeaders => self.allow_headers,
            CorsHeader::AllowPrivateNetwork => self.allow_private_network.then_some("true"),
            CorsHeader::MaxAge => self.max_age,
            CorsHeader::ExposeHeaders => self.expose_headers,
        }
    }

    /// The headers to set, each with its value, `Vary` excepted.
    pub fn entries(&self) -> impl Iterator<Item = (CorsHeader, &'a str)> + '_ {
        CorsHeader::ALL
            .into_iter()
            .filter_map(|h| self.get(h).map(|v| (h, v)))
    }

    /// The headers to set, as (lower-case name, value) pairs, `Vary` excepted.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'a str)> + '_ {
        self.entries().map(|(h, v)| (h.name(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::CorsHeader;

    #[test]
    fn the_headers_on_actual_responses_are_those_not_only_on_preflights() {
        let not_preflight_only: Vec<CorsHeader> = CorsHeader::ALL
            .into_iter()
            .filter(|h| !h.preflight_only())
            .collect();
        assert_eq!(CorsHeader::ON_ACTUAL.to_vec(), not_preflight_only);
    }
}
