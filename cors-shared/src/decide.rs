//! The per-request decision: not CORS, preflight allowed or refused, actual allowed or refused.

use std::fmt;

use crate::policy::{OriginMatch, Policy};
use crate::token;

/// Most empty elements (`a,,b`) tolerated in `Access-Control-Request-Headers`.
pub const MAX_EMPTY_ELEMENTS: usize = 16;
/// Longest run of spaces or tabs tolerated around one element of a list header.
pub const MAX_WHITESPACE_RUN: usize = 16;
/// Most names a preflight may ask for when the policy allows any header (`*`).
pub const MAX_REQUESTED_HEADERS: usize = 64;
/// Longest header name accepted when the policy allows any header (`*`).
pub const MAX_HEADER_NAME_LEN: usize = 256;
/// Longest method name accepted in `Access-Control-Request-Method`.
pub const MAX_METHOD_LEN: usize = 64;

/// How many lines of one request header were present, and the value when there was one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HeaderLines<'a> {
    /// The header was not sent.
    #[default]
    Absent,
    /// Exactly one line, with this value.
    One(&'a [u8]),
    /// Two or more lines: never sent by a browser for the headers CORS reads.
    Many,
}

impl<'a> HeaderLines<'a> {
    /// Counts the values of one header, as a framework's header map returns them.
    ///
    /// ```
    /// use cors_shared::HeaderLines;
    /// assert_eq!(HeaderLines::from_values(Vec::<&[u8]>::new()), HeaderLines::Absent);
    /// assert_eq!(HeaderLines::from_values([&b"https://a.example"[..]]), HeaderLines::One(b"https://a.example"));
    /// assert_eq!(HeaderLines::from_values([&b"a"[..], &b"b"[..]]), HeaderLines::Many);
    /// ```
    pub fn from_values<I: IntoIterator<Item = &'a [u8]>>(values: I) -> Self {
        let mut values = values.into_iter();
        match (values.next(), values.next()) {
            (None, _) => HeaderLines::Absent,
            (Some(v), None) => HeaderLines::One(v),
            (Some(_), Some(_)) => HeaderLines::Many,
        }
    }
}

/// The parts of a request that CORS looks at, borrowed from the framework's request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestView<'a> {
    /// The request method, as sent.
    pub method: &'a [u8],
    /// Every `Origin` line.
    pub origin: HeaderLines<'a>,
    /// Every `Access-Control-Request-Method` line.
    pub request_method: HeaderLines<'a>,
    /// Every `Access-Control-Request-Headers` line.
    pub request_headers: HeaderLines<'a>,
    /// Every `Access-Control-Request-Private-Network` line.
    pub request_private_network: HeaderLines<'a>,
}

impl<'a> RequestView<'a> {
    /// A request with this method and none of the CORS request headers.
    pub fn new(method: &'a [u8]) -> Self {
        RequestView {
            method,
            ..Self::default()
        }
    }

    /// True for `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    pub fn is_preflight(&self) -> bool {
        self.method == b"OPTIONS"
            && self.origin != HeaderLines::Absent
            && self.request_method != HeaderLines::Absent
    }
}

/// Why a CORS request was refused, for the server's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal<'a> {
    /// The origin is well-formed but not in the allowlist.
    OriginNotAllowed(&'a [u8]),
    /// The `Origin` value is not a serialized origin as browsers send it.
    MalformedOrigin(&'a [u8]),
    /// The request carried more than one `Origin` line.
    MultipleOrigins,
    /// `Access-Control-Request-Method` is empty, repeated or not a token.
    MalformedRequestMethod,
    /// The preflight asks for a method the policy does not allow.
    MethodNotAllowed(&'a [u8]),
    /// `Access-Control-Request-Headers` is repeated or not a list of tokens.
    MalformedRequestHeaders,
    /// The preflight asks for more headers than the policy could ever allow.
    TooManyRequestHeaders,
    /// The preflight names the same header twice.
    DuplicateRequestHeader(&'a [u8]),
    /// The preflight asks for a header the policy does not allow.
    HeaderNotAllowed(&'a [u8]),
    /// The preflight asks for private network access, which the policy does not grant.
    PrivateNetworkNotAllowed,
}

impl fmt::Display for Refusal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::OriginNotAllowed(o) => {
                write!(
                    f,
                    "origin `{}` is not allowed by the policy",
                    o.escape_ascii()
                )
            }
            Refusal::MalformedOrigin(o) => write!(
                f,
                "`Origin: {}` is not a serialized origin as browsers send it",
                o.escape_ascii()
            ),
            Refusal::MultipleOrigins => f.write_str("the request has more than one Origin header"),
            Refusal::MalformedRequestMethod => {
                f.write_str("Access-Control-Request-Method is not a single method name")
            }
            Refusal::MethodNotAllowed(m) => {
                write!(
                    f,
                    "method `{}` is not allowed by the policy",
                    m.escape_ascii()
                )
            }
            Refusal::MalformedRequestHeaders => {
                f.write_str("Access-Control-Request-Headers is not a list of header names")
            }
            Refusal::TooManyRequestHeaders => f.write_str(
                "Access-Control-Request-Headers names more headers than the policy allows",
            ),
            Refusal::DuplicateRequestHeader(h) => write!(
                f,
                "Access-Control-Request-Headers names `{}` twice",
                h.escape_ascii()
            ),
            Refusal::HeaderNotAllowed(h) => write!(
                f,
                "request header `{}` is not allowed by the policy",
                h.escape_ascii()
            ),
            Refusal::PrivateNetworkNotAllowed => {
                f.write_str("private network access is not allowed by the policy")
            }
        }
    }
}

/// The `Vary` tokens a response needs, with their joined value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vary {
    tokens: &'static [&'static str],
    value: &'static str,
}

impl Vary {
    /// Nothing to add: the response does not depend on the request's CORS headers.
    pub const NONE: Vary = Vary {
        tokens: &[],
        value: "",
    };
    /// `Vary: Origin`.
    pub const ORIGIN: Vary = Vary {
        tokens: &["Origin"],
        value: "Origin",
    };
    /// The three request headers a preflight answer depends on.
    pub const PREFLIGHT: Vary = Vary {
        tokens: &[
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
        ],
        value: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    };
    /// [`Vary::PREFLIGHT`] and `Access-Control-Request-Private-Network`.
    pub const PREFLIGHT_PRIVATE_NETWORK: Vary = Vary {
        tokens: &[
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
            "Access-Control-Request-Private-Network",
        ],
        value: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
                Access-Control-Request-Private-Network",
    };

    /// The tokens, each a request header name.
    pub fn tokens(&self) -> &'static [&'static str] {
        self.tokens
    }

    /// The tokens joined with `, `; empty for [`Vary::NONE`].
    pub fn value(&self) -> &'static str {
        self.value
    }

    /// True for [`Vary::NONE`].
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
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
}

/// The CORS headers to write on a response, borrowed from the policy and the request.
///
/// Adapters *set* each header of [`CorsHeaders::iter`] (replacing any earlier value) and merge
/// [`CorsHeaders::vary`] into the response's `Vary` with [`merge_vary`](crate::merge_vary).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CorsHeaders<'a> {
    /// `Access-Control-Allow-Origin`: the request's origin, or `*`.
    pub allow_origin: Option<&'a str>,
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

impl Default for Vary {
    fn default() -> Self {
        Vary::NONE
    }
}

impl<'a> CorsHeaders<'a> {
    fn vary_only(vary: Vary) -> Self {
        CorsHeaders {
            vary,
            ..Self::default()
        }
    }

    /// The headers to set, as (lower-case name, value) pairs, `Vary` excepted.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'a str)> {
        [
            (header::ALLOW_ORIGIN, self.allow_origin),
            (
                header::ALLOW_CREDENTIALS,
                self.allow_credentials.then_some("true"),
            ),
            (header::ALLOW_METHODS, self.allow_methods),
            (header::ALLOW_HEADERS, self.allow_headers),
            (
                header::ALLOW_PRIVATE_NETWORK,
                self.allow_private_network.then_some("true"),
            ),
            (header::MAX_AGE, self.max_age),
            (header::EXPOSE_HEADERS, self.expose_headers),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
    }
}

/// What to do with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision<'a> {
    /// No `Origin`: not a CORS request. Pass it on and add the headers (a `Vary: Origin`, or
    /// `Access-Control-Allow-Origin: *` for a policy that allows every origin).
    NotCors(CorsHeaders<'a>),
    /// An allowed preflight: answer it with status 204 and these headers; never run the handler.
    PreflightAllowed(CorsHeaders<'a>),
    /// A refused preflight: answer it with status 403 and these headers (only `Vary`).
    PreflightRefused(Refusal<'a>, CorsHeaders<'a>),
    /// An allowed CORS request: pass it on and add these headers to whatever response it gets.
    ActualAllowed(CorsHeaders<'a>),
    /// A CORS request the policy does not allow: pass it on (the browser blocks the read) and
    /// add these headers (only `Vary`).
    ActualRefused(Refusal<'a>, CorsHeaders<'a>),
}

impl<'a> Decision<'a> {
    /// The headers to write.
    pub fn headers(&self) -> &CorsHeaders<'a> {
        match self {
            Decision::NotCors(h)
            | Decision::PreflightAllowed(h)
            | Decision::PreflightRefused(_, h)
            | Decision::ActualAllowed(h)
            | Decision::ActualRefused(_, h) => h,
        }
    }

    /// The status of the answer when this is a preflight (204 or 403), else `None`: the request
    /// goes on to the application.
    pub fn preflight_status(&self) -> Option<u16> {
        match self {
            Decision::PreflightAllowed(_) => Some(204),
            Decision::PreflightRefused(..) => Some(403),
            _ => None,
        }
    }

    /// Why the request was refused, if it was.
    pub fn refusal(&self) -> Option<&Refusal<'a>> {
        match self {
            Decision::PreflightRefused(r, _) | Decision::ActualRefused(r, _) => Some(r),
            _ => None,
        }
    }
}

fn ascii(bytes: &[u8]) -> &str {
    // Callers pass bytes that passed an ASCII-only grammar.
    std::str::from_utf8(bytes).unwrap_or("")
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Skips at most [`MAX_WHITESPACE_RUN`] spaces or tabs; `None` when the run is longer.
fn skip_ows(bytes: &[u8], mut pos: usize) -> Option<usize> {
    let start = pos;
    while bytes.get(pos).copied().is_some_and(is_ows) {
        pos += 1;
        if pos - start > MAX_WHITESPACE_RUN {
            return None;
        }
    }
    Some(pos)
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_ows(*last) {
            break;
        }
        s = rest;
    }
    s
}

impl Policy {
    /// Decides what to do with a request. Never allocates, never panics, and does work bounded
    /// by the policy's size whatever the request holds.
    ///
    /// ```
    /// use cors_shared::{Decision, HeaderLines, PolicySpec, RequestView};
    ///
    /// let policy = PolicySpec::new().origin("https://app.example.re").validate().unwrap();
    /// let mut req = RequestView::new(b"GET");
    /// req.origin = HeaderLines::One(b"https://app.example.re");
    /// let Decision::ActualAllowed(headers) = policy.decide(&req) else { panic!() };
    /// assert_eq!(headers.allow_origin, Some("https://app.example.re"));
    /// assert_eq!(headers.vary.value(), "Origin");
    /// ```
    pub fn decide<'a>(&'a self, req: &RequestView<'a>) -> Decision<'a> {
        let raw = &self.raw;
        let preflight = req.method == b"OPTIONS" && req.request_method != HeaderLines::Absent;
        let origin = match req.origin {
            HeaderLines::Absent => return Decision::NotCors(self.not_cors_headers()),
            HeaderLines::Many => return self.refuse(preflight, Refusal::MultipleOrigins),
            HeaderLines::One(o) => o,
        };
        match self.match_origin(origin) {
            OriginMatch::Allowed => {}
            OriginMatch::NotAllowed => {
                return self.refuse(preflight, Refusal::OriginNotAllowed(origin))
            }
            OriginMatch::Malformed => {
                return self.refuse(preflight, Refusal::MalformedOrigin(origin))
            }
        }
        // Validation guarantees that `*` never goes with credentials.
        let allow_origin = if raw.any_origin { "*" } else { ascii(origin) };
        if !preflight {
            return Decision::ActualAllowed(CorsHeaders {
                allow_origin: Some(allow_origin),
                allow_credentials: raw.credentials,
                expose_headers: raw.expose.as_deref(),
                vary: if raw.any_origin {
                    Vary::NONE
                } else {
                    Vary::ORIGIN
                },
                ..CorsHeaders::default()
            });
        }
        let method = match self.check_method(req.request_method) {
            Ok(m) => m,
            Err(r) => return self.refuse(true, r),
        };
        let allow_headers = match req.request_headers {
            HeaderLines::Absent => None,
            HeaderLines::Many => return self.refuse(true, Refusal::MalformedRequestHeaders),
            HeaderLines::One(value) => match self.check_request_headers(value) {
                Ok(h) => h,
                Err(r) => return self.refuse(true, r),
            },
        };
        let private_network = matches!(req.request_private_network, HeaderLines::One(b"true"));
        if private_network && !raw.private_network {
            return self.refuse(true, Refusal::PrivateNetworkNotAllowed);
        }
        Decision::PreflightAllowed(CorsHeaders {
            allow_origin: Some(allow_origin),
            allow_credentials: raw.credentials,
            allow_methods: Some(method),
            allow_headers,
            allow_private_network: private_network,
            max_age: raw.max_age.as_deref(),
            expose_headers: None,
            vary: self.preflight_vary(),
        })
    }

    fn preflight_vary(&self) -> Vary {
        if self.raw.private_network {
            Vary::PREFLIGHT_PRIVATE_NETWORK
        } else {
            Vary::PREFLIGHT
        }
    }

    fn not_cors_headers(&self) -> CorsHeaders<'_> {
        if self.raw.any_origin {
            CorsHeaders {
                allow_origin: Some("*"),
                expose_headers: self.raw.expose.as_deref(),
                ..CorsHeaders::default()
            }
        } else {
            CorsHeaders::vary_only(Vary::ORIGIN)
        }
    }

    fn refuse<'a>(&'a self, preflight: bool, reason: Refusal<'a>) -> Decision<'a> {
        if preflight {
            Decision::PreflightRefused(reason, CorsHeaders::vary_only(self.preflight_vary()))
        } else {
            // Even a `*` policy answers differently when the origin is malformed.
            Decision::ActualRefused(reason, CorsHeaders::vary_only(Vary::ORIGIN))
        }
    }

    fn check_method<'a>(&self, lines: HeaderLines<'a>) -> Result<&'a str, Refusal<'a>> {
        let HeaderLines::One(method) = lines else {
            return Err(Refusal::MalformedRequestMethod);
        };
        if method.len() > MAX_METHOD_LEN || !token::is_token(method) {
            return Err(Refusal::MalformedRequestMethod);
        }
        let raw = &self.raw;
        let allowed = token::SAFELISTED_METHODS.contains(&method)
            || raw.any_method
            || raw.methods.iter().any(|m| m.as_bytes() == method);
        if allowed {
            Ok(ascii(method))
        } else {
            Err(Refusal::MethodNotAllowed(method))
        }
    }

    fn header_allowed(&self, name: &[u8]) -> bool {
        let raw = &self.raw;
        let listed = raw
            .headers
            .iter()
            .any(|h| token::eq_ignore_case(h.as_bytes(), name));
        listed || (raw.any_header && !token::eq_ignore_case(name, b"authorization"))
    }

    /// Checks `Access-Control-Request-Headers`; on success returns the value to echo in
    /// `Access-Control-Allow-Headers` (`None` when it names nothing).
    fn check_request_headers<'a>(&self, value: &'a [u8]) -> Result<Option<&'a str>, Refusal<'a>> {
        let raw = &self.raw;
        let (max_count, max_len) = if raw.any_header {
            (
                MAX_REQUESTED_HEADERS.max(raw.headers.len()),
                MAX_HEADER_NAME_LEN,
            )
        } else {
            let longest = raw.headers.iter().map(|h| h.len()).max().unwrap_or(0);
            (raw.headers.len(), longest)
        };
        let (mut pos, mut count, mut empties) = (0usize, 0usize, 0usize);
        loop {
            pos = skip_ows(value, pos).ok_or(Refusal::MalformedRequestHeaders)?;
            let start = pos;
            while value.get(pos).copied().is_some_and(token::is_tchar) {
                pos += 1;
                if pos - start > max_len {
                    let name = value.get(start..pos).unwrap_or_default();
                    return Err(if raw.any_header {
                        Refusal::MalformedRequestHeaders
                    } else {
                        Refusal::HeaderNotAllowed(name)
                    });
                }
            }
            let name = value.get(start..pos).unwrap_or_default();
            pos = skip_ows(value, pos).ok_or(Refusal::MalformedRequestHeaders)?;
            let last = match value.get(pos) {
                None => true,
                Some(b',') => {
                    pos += 1;
                    false
                }
                Some(_) => return Err(Refusal::MalformedRequestHeaders),
            };
            if name.is_empty() {
                empties += 1;
                if empties > MAX_EMPTY_ELEMENTS {
                    return Err(Refusal::MalformedRequestHeaders);
                }
            } else {
                count += 1;
                if count > max_count {
                    return Err(Refusal::TooManyRequestHeaders);
                }
                if !self.header_allowed(name) {
                    return Err(Refusal::HeaderNotAllowed(name));
                }
                // Everything before `start` is at most `count` names already checked.
                let earlier = value.get(..start).unwrap_or_default();
                if earlier
                    .split(|&b| b == b',')
                    .any(|e| token::eq_ignore_case(trim_ows(e), name))
                {
                    return Err(Refusal::DuplicateRequestHeader(name));
                }
            }
            if last {
                break;
            }
        }
        Ok((count > 0).then(|| ascii(trim_ows(value))))
    }
}
