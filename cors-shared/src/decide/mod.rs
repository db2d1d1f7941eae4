//! The per-request decision: not CORS, preflight allowed or refused, actual allowed or refused.
//!
//! [`Policy::decide`] reads top to bottom as the Fetch Standard's server side: no `Origin` is
//! not CORS; a malformed or unlisted origin is refused; an actual request gets the allow
//! headers; a preflight also has its method, its request headers (`list`) and private network
//! access checked.

use crate::bytes;
use crate::fetch;
use crate::policy::{Policy, Verdict};
use crate::token;

pub(crate) mod headers;
mod list;
pub(crate) mod protect;
pub(crate) mod refusal;
pub(crate) mod request;

use headers::{CorsHeaders, Vary};
use list::ascii;
use protect::WriteProtection;
use refusal::Refusal;
use request::{HeaderLines, RequestView};

/// Most empty elements (`a,,b`) tolerated in `Access-Control-Request-Headers`.
pub const MAX_EMPTY_ELEMENTS: usize = 16;
/// Longest run of spaces or tabs tolerated around one element of a list header.
pub const MAX_WHITESPACE_RUN: usize = 16;
/// Most names a preflight may ask for when the policy allows any header (`*`).
pub const MAX_REQUESTED_HEADERS: usize = 64;
/// Longest name read from `Access-Control-Request-Headers` (unless the policy lists a longer
/// one): a longer name is refused and logged by its first bytes.
pub const MAX_HEADER_NAME_LEN: usize = 256;
/// Longest method name accepted in `Access-Control-Request-Method`.
pub const MAX_METHOD_LEN: usize = 64;

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
    /// A cross-site write or WebSocket handshake that write protection refuses (the refusal is
    /// [`Refusal::CrossSiteWrite`]): answer it at once with status 403, these headers (only
    /// `Vary`) and the one-line body [`WRITE_REFUSED_BODY`](crate::WRITE_REFUSED_BODY); never
    /// run the handler or the services inside. Only [`Policy::decide_with`] and policies that
    /// turn protection on themselves return it.
    WriteRefused(Refusal<'a>, CorsHeaders<'a>),
}

impl<'a> Decision<'a> {
    /// The headers to write.
    pub fn headers(&self) -> &CorsHeaders<'a> {
        match self {
            Decision::NotCors(h)
            | Decision::PreflightAllowed(h)
            | Decision::PreflightRefused(_, h)
            | Decision::ActualAllowed(h)
            | Decision::ActualRefused(_, h)
            | Decision::WriteRefused(_, h) => h,
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

    /// The status to answer with at once, without running the handler: 204 or 403 for a
    /// preflight, 403 for a refused write; `None` when the request goes on to the application.
    pub fn answer_status(&self) -> Option<u16> {
        match self {
            Decision::WriteRefused(..) => Some(403),
            _ => self.preflight_status(),
        }
    }

    /// Why the request was refused, if it was.
    pub fn refusal(&self) -> Option<&Refusal<'a>> {
        match self {
            Decision::PreflightRefused(r, _)
            | Decision::ActualRefused(r, _)
            | Decision::WriteRefused(r, _) => Some(r),
            _ => None,
        }
    }
}

impl Policy {
    /// Decides what to do with a request. Never allocates, never panics, and does work bounded
    /// by the policy's size whatever the request holds. A policy with a runtime origin set reads
    /// one version of the set for the whole decision.
    ///
    /// Write protection applies only when the policy turns it on itself (`protect_writes`);
    /// adapters that hold an application default and public origins call
    /// [`Policy::decide_with`].
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
        let protection = (self.raw.protect_writes == Some(true)).then_some(&protect::OFF);
        self.decide_once(req, protection)
    }

    /// CORS and, when `protection` is given, write protection, in one pass: wherever CORS has
    /// its answer, a request that protection refuses gets [`Decision::WriteRefused`] instead.
    /// An origin CORS echoes (not `*`, not `null`) is never judged further.
    #[inline(always)]
    pub(crate) fn decide_once<'a>(
        &'a self,
        req: &RequestView<'a>,
        protection: Option<&WriteProtection>,
    ) -> Decision<'a> {
        let raw = &self.raw;
        let preflight = req.is_preflight();
        let origin = match req.origin {
            HeaderLines::Absent => {
                if protection.is_some_and(|p| !protect::judge(req, p)) {
                    return protect::refused(req);
                }
                return Decision::NotCors(self.not_cors_headers());
            }
            HeaderLines::Many => {
                return self.refuse_or_protect(preflight, Refusal::MultipleOrigins, req, protection)
            }
            HeaderLines::One(o) => o,
        };
        let refused = |reason| self.refuse_or_protect(preflight, reason, req, protection);
        let fixed_origin = match self.check_origin(origin) {
            Verdict::Allowed(index) => index,
            Verdict::NotAllowed => return refused(Refusal::OriginNotAllowed(origin)),
            Verdict::SetEmpty(set) => return refused(Refusal::OriginSetEmpty { origin, set }),
            Verdict::Malformed => return refused(Refusal::MalformedOrigin(origin)),
        };
        // Validation guarantees that `*` never goes with credentials.
        let (allow_origin, fixed_origin) = if raw.any_origin {
            ("*", None)
        } else {
            // An exact entry holds the same bytes, already as text.
            let entry = fixed_origin.and_then(|i| raw.origins.get(i));
            (
                entry.map_or_else(|| ascii(origin), |e| e.as_ref()),
                fixed_origin,
            )
        };
        if !preflight {
            // `*` and `null` are allowed to read, never trusted to write.
            let untrusted = raw.any_origin || origin == b"null";
            if untrusted && protection.is_some_and(|p| !protect::judge(req, p)) {
                return protect::refused(req);
            }
            return Decision::ActualAllowed(CorsHeaders {
                allow_origin: Some(allow_origin),
                fixed_origin,
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
        self.decide_preflight(req, allow_origin, fixed_origin)
    }

    /// The rest of [`Policy::decide`] for a preflight from an allowed origin: apart, so that
    /// deciding an actual request runs through little code.
    #[inline(never)]
    fn decide_preflight<'a>(
        &'a self,
        req: &RequestView<'a>,
        allow_origin: &'a str,
        fixed_origin: Option<usize>,
    ) -> Decision<'a> {
        let raw = &self.raw;
        let method = match self.check_method(req.request_method) {
            Ok(m) => m,
            Err(r) => return self.refuse(true, r),
        };
        let allow_headers = match req.request_headers {
            HeaderLines::Absent => None,
            HeaderLines::Many => return self.refuse(true, Refusal::MalformedRequestHeaders),
            HeaderLines::One(value) => match list::check(raw, value) {
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
            fixed_origin,
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

    /// [`Policy::refuse`] for an origin CORS refuses, unless write protection refuses the
    /// request first.
    #[cold]
    fn refuse_or_protect<'a>(
        &'a self,
        preflight: bool,
        reason: Refusal<'a>,
        req: &RequestView<'a>,
        protection: Option<&WriteProtection>,
    ) -> Decision<'a> {
        if !preflight && protection.is_some_and(|p| !protect::judge(req, p)) {
            return protect::refused(req);
        }
        self.refuse(preflight, reason)
    }

    #[cold]
    fn refuse<'a>(&'a self, preflight: bool, reason: Refusal<'a>) -> Decision<'a> {
        if preflight {
            Decision::PreflightRefused(reason, CorsHeaders::vary_only(self.preflight_vary()))
        } else {
            // Even a `*` policy answers differently when the origin is malformed.
            Decision::ActualRefused(reason, CorsHeaders::vary_only(Vary::ORIGIN))
        }
    }

    /// The requested method when the policy allows it. Its text is the policy's own name for it
    /// (a safelisted method or a listed one, equal byte for byte), so that the common case
    /// reads the bytes once; only a method that `*` alone allows is decoded as UTF-8.
    fn check_method<'a>(&'a self, lines: HeaderLines<'a>) -> Result<&'a str, Refusal<'a>> {
        let HeaderLines::One(method) = lines else {
            return Err(Refusal::MalformedRequestMethod);
        };
        if method.len() > MAX_METHOD_LEN || !token::is_token(method) {
            return Err(Refusal::MalformedRequestMethod);
        }
        let raw = &self.raw;
        let named = fetch::safelisted_method(method).or_else(|| {
            raw.methods
                .iter()
                .map(AsRef::as_ref)
                .find(|m: &&str| bytes::eq(m.as_bytes(), method))
        });
        match named {
            Some(text) => Ok(text),
            None if raw.any_method => Ok(ascii(method)),
            None => Err(Refusal::MethodNotAllowed(method)),
        }
    }
}
