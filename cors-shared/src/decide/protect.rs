//! Write protection: the cross-site writes and WebSocket handshakes a policy refuses.
//!
//! CORS only decides whether a page may *read* a response. A browser still sends a cross-site
//! form `POST`, a `no-cors` `fetch` or a WebSocket handshake, with the user's cookies wherever
//! their `SameSite` attribute lets it, and the server acts on it before anyone reads anything.
//! Write protection refuses those requests unless they come from the site itself or from an
//! origin the policy lets read. It is decided from the CORS decision of the same request, so
//! the two use the same matcher and can never disagree: what CORS lets a page read, write
//! protection lets it change.
//!
//! The rule, for a policy with protection on, is refused when all of these hold:
//! 1. the method is not `GET`, `HEAD` or `OPTIONS`, or the request is a WebSocket handshake;
//! 2. it is not a preflight (CORS answers those);
//! 3. its origin is not one CORS echoes (never through `*`, never `null`) nor one of the
//!    service's [public origins](WriteProtection::public_origins);
//! 4. and the browser says it is cross-origin: for a handshake, an `Origin` whose host (and
//!    port) is not the `Host`; otherwise `Sec-Fetch-Site` other than `same-origin` and `none`,
//!    or without `Sec-Fetch-Site`, an `Origin` whose host is not the `Host`. A request without
//!    `Origin` and `Sec-Fetch-Site` is not from a browser and passes.
//!
//! `same-site` is not trusted by itself: a sibling subdomain (a forgotten CNAME, a user-content
//! host) can be taken over, and would then write with the user's cookies. List the sibling in
//! the policy's origins to trust it. A malformed `Origin` (upper case, userinfo, a path,
//! several lines) never matches the `Host` and is never trusted.

use std::borrow::Cow;

use super::headers::{CorsHeaders, Vary};
use super::refusal::{CrossSiteWrite, Refusal};
use super::request::{HeaderLines, RequestView};
use super::Decision;
use crate::error::PolicyErrors;
use crate::origin;
use crate::policy::Policy;
use crate::validate::origins::{check_entries, Context, OriginRules};

/// The body of the `403` that answers a refused write, one line.
pub const WRITE_REFUSED_BODY: &str =
    "cross-site write refused: this origin may not change anything here\n";

/// The application's side of write protection, which an adapter holds beside its default
/// policy and passes to [`Policy::decide_with`]: whether protection is on for the policies
/// that do not say (a policy's own `protect_writes = true` or `false` always wins), and the
/// service's public origins.
///
/// CORS decides who may **read** a response; it never stops a cross-site form `POST`, a
/// `no-cors` fetch or a WebSocket handshake, which browsers send with the user's cookies. Write
/// protection refuses those (403, before any handler runs) unless the origin is one the route's
/// CORS policy would echo. `*` trusts no origin for writes, and `same-site` is not trusted by
/// itself: a sibling subdomain can be taken over.
///
/// ```
/// use cors_shared::{Decision, HeaderLines, PolicySpec, RequestView, WriteProtection};
///
/// let protection = WriteProtection::on()
///     .public_origins(["https://api.example.re"])?;
/// let policy = PolicySpec::new().origin("https://app.example.re").validate()?;
///
/// let mut post = RequestView::new(b"POST");
/// post.origin = HeaderLines::One(b"https://evil.example");
/// post.sec_fetch_site = HeaderLines::One(b"cross-site");
/// assert!(matches!(policy.decide_with(&post, &protection), Decision::WriteRefused(..)));
///
/// // The policy's own origin may write, and CORS lets it read the answer.
/// post.origin = HeaderLines::One(b"https://app.example.re");
/// assert!(matches!(policy.decide_with(&post, &protection), Decision::ActualAllowed(_)));
/// # Ok::<(), cors_shared::PolicyErrors>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteProtection {
    by_default: bool,
    public_origins: Cow<'static, [Cow<'static, str>]>,
}

/// Write protection off for every policy that does not turn it on itself: what
/// [`Policy::decide`] applies.
pub(crate) static OFF: WriteProtection = WriteProtection::off();

impl WriteProtection {
    /// Protection on for every policy that does not turn it off itself.
    pub const fn on() -> Self {
        WriteProtection {
            by_default: true,
            public_origins: Cow::Borrowed(&[]),
        }
    }

    /// Protection off, except for policies that turn it on themselves (`protect_writes`).
    /// What [`Policy::decide`] applies.
    pub const fn off() -> Self {
        WriteProtection {
            by_default: false,
            public_origins: Cow::Borrowed(&[]),
        }
    }

    /// The same protection with the service's own public origins, for a service behind a proxy
    /// that rewrites `Host`: an `Origin` equal to one of them counts as the site itself. Each
    /// is validated as an origin in a policy is, and must be exact (no `*`, no pattern, no
    /// `null`); the whole list is refused with every problem otherwise.
    ///
    /// ```
    /// use cors_shared::WriteProtection;
    ///
    /// let err = WriteProtection::on().public_origins(["https://API.example.re"]).unwrap_err();
    /// assert!(err.to_string().contains("contains upper-case letters"));
    /// let err = WriteProtection::on().public_origins(["https://*.example.re"]).unwrap_err();
    /// assert!(err.to_string().contains("is not one exact origin"));
    /// ```
    pub fn public_origins<I, S>(self, origins: I) -> Result<Self, PolicyErrors>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let entries: Vec<String> = origins.into_iter().map(Into::into).collect();
        let accepted = check_entries(&entries, OriginRules::default(), Context::PublicOrigins)?;
        Ok(WriteProtection {
            public_origins: Cow::Owned(accepted.keys.into_iter().map(Cow::Owned).collect()),
            ..self
        })
    }

    /// Whether protection is on for the policies that do not say.
    pub fn is_on_by_default(&self) -> bool {
        self.by_default
    }

    /// The service's public origins.
    pub fn public_origin_list(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.public_origins.iter().map(|o| o.as_ref())
    }

    fn is_public_origin(&self, origin: &[u8]) -> bool {
        self.public_origins.iter().any(|o| o.as_bytes() == origin)
    }
}

impl Policy {
    /// Whether write protection applies to requests this policy decides: its own
    /// `protect_writes` when it says, else the application's default in `protection`. An
    /// adapter may read `Sec-Fetch-Site`, `Host` and `Upgrade` only when this is true.
    pub fn protects_writes(&self, protection: &WriteProtection) -> bool {
        self.raw.protect_writes.unwrap_or(protection.by_default)
    }

    /// Whether this policy turns write protection on (`Some(true)`) or off (`Some(false)`)
    /// itself; `None` when it leaves it to the application's default.
    pub fn protect_writes_setting(&self) -> Option<bool> {
        self.raw.protect_writes
    }

    /// Decides what to do with a request, CORS and write protection in one: the decision of
    /// [`Policy::decide`], or [`Decision::WriteRefused`] for a cross-site write or WebSocket
    /// handshake from an origin CORS does not echo, when protection applies (see
    /// [`Policy::protects_writes`]). Never allocates, never panics, and does work bounded by
    /// the policy's size and the number of public origins whatever the request holds.
    pub fn decide_with<'a>(
        &'a self,
        req: &RequestView<'a>,
        protection: &WriteProtection,
    ) -> Decision<'a> {
        self.decide_once(req, self.protects_writes(protection).then_some(protection))
    }
}

/// Whether `value` is what a browser sends for a request the site itself made, or the user
/// made by typing, following a bookmark or reloading.
fn same_origin_or_user(value: &[u8]) -> bool {
    value == b"same-origin" || value == b"none"
}

/// Whether `origin` is well-formed and its host (with its port, if any) is `host`, byte for
/// byte. A malformed origin is never the same host.
fn same_host(origin: &[u8], host: HeaderLines<'_>) -> bool {
    let HeaderLines::One(host) = host else {
        return false;
    };
    origin::parse(origin).is_some()
        && origin
            .windows(3)
            .position(|w| w == b"://")
            .and_then(|at| origin.get(at + 3..))
            == Some(host)
}

/// Whether write protection lets through a request from an origin CORS does not echo (or no
/// origin): apart, so that the allowed path stays small.
#[inline(never)]
pub(crate) fn judge(req: &RequestView<'_>, protection: &WriteProtection) -> bool {
    let websocket = req.is_websocket_handshake();
    if !websocket && matches!(req.method, b"GET" | b"HEAD" | b"OPTIONS") {
        return true;
    }
    let origin_cross = || match req.origin {
        HeaderLines::One(o) => !same_host(o, req.host),
        HeaderLines::Many => true,
        // Not from a browser: browsers send `Origin` with every write and handshake.
        HeaderLines::Absent => false,
    };
    let cross = match (req.origin, req.sec_fetch_site) {
        (HeaderLines::One(o), _) if protection.is_public_origin(o) => false,
        // Chromium sends no `Sec-Fetch-Site` with a handshake: judge them all by `Origin`.
        _ if websocket => origin_cross(),
        (_, HeaderLines::One(value)) => !same_origin_or_user(value),
        (_, HeaderLines::Many) => true,
        // A browser too old for `Sec-Fetch-Site` still sends `Origin`.
        (_, HeaderLines::Absent) => origin_cross(),
    };
    !cross
}

/// The refusal of a cross-site write.
#[cold]
pub(crate) fn refused<'a>(req: &RequestView<'a>) -> Decision<'a> {
    Decision::WriteRefused(
        Refusal::CrossSiteWrite(CrossSiteWrite::new(
            req.origin,
            req.sec_fetch_site,
            req.is_websocket_handshake(),
        )),
        CorsHeaders::vary_only(Vary::ORIGIN),
    )
}
