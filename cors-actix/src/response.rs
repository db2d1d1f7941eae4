//! Writing a decision's headers on an Actix response: the core's list of CORS headers, each
//! mapped to its Actix name, and `Vary` merged into one line.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use cors_shared::{merge_vary_lines, CorsHeader, CorsHeaders, PolicySource, Vary, VaryUpdate};

use crate::request::Reuse;

/// The Actix name of each CORS header. The match is exhaustive: a header the core adds does
/// not compile here until it is named.
const fn name(h: CorsHeader) -> HeaderName {
    match h {
        CorsHeader::AllowOrigin => header::ACCESS_CONTROL_ALLOW_ORIGIN,
        CorsHeader::AllowCredentials => header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        CorsHeader::AllowMethods => header::ACCESS_CONTROL_ALLOW_METHODS,
        CorsHeader::AllowHeaders => header::ACCESS_CONTROL_ALLOW_HEADERS,
        CorsHeader::AllowPrivateNetwork => {
            HeaderName::from_static(cors_shared::header::ALLOW_PRIVATE_NETWORK)
        }
        CorsHeader::MaxAge => header::ACCESS_CONTROL_MAX_AGE,
        CorsHeader::ExposeHeaders => header::ACCESS_CONTROL_EXPOSE_HEADERS,
    }
}

/// Header values a policy writes on every allowed response, built once so that answering a
/// request copies no policy text: one `Access-Control-Allow-Origin` value per exact origin of a
/// policy that never changes (the request's own value is reused for patterns, runtime sets and
/// reloadable policies), the expose list and the max age. For a reloadable policy the lists
/// are those of the first version; a later version's differing values are built when used.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    /// By [`Policy::fixed_origins`] index; `None` for patterns.
    origins: Box<[Option<HeaderValue>]>,
    expose: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
}

impl Prepared {
    pub(crate) fn new(source: &PolicySource) -> Self {
        let value = |text: Option<&str>| text.and_then(|t| HeaderValue::from_str(t).ok());
        let origins = match source {
            // Values of a `static` policy point into it: nothing is copied.
            PolicySource::Static(policy) => origin_values(policy, |o| {
                HeaderValue::from_maybe_shared(Bytes::from_static(o.as_bytes())).ok()
            }),
            PolicySource::Shared(policy) => {
                origin_values(policy, |o| HeaderValue::from_str(o).ok())
            }
            // Another version may number its origins differently.
            PolicySource::Reloadable(_) => Box::default(),
        };
        let policy = source.load();
        Prepared {
            origins,
            expose: value(policy.expose_value()),
            max_age: value(policy.max_age_value()),
        }
    }

    /// The value of `Access-Control-Allow-Origin` for a decision: `*`, the value prepared for
    /// the exact origin that allowed the request, or the request's own `Origin`.
    #[inline]
    fn allow_origin(
        &self,
        cors: &CorsHeaders<'_>,
        request: Option<&HeaderValue>,
    ) -> Option<HeaderValue> {
        let value = cors.allow_origin?;
        if value == "*" {
            return Some(STAR);
        }
        let prepared = cors
            .fixed_origin
            .and_then(|i| self.origins.get(i))
            .and_then(Option::as_ref);
        match prepared {
            Some(v) => Some(v.clone()),
            None => reuse(request, value),
        }
    }
}

/// One value per entry of [`Policy::fixed_origins`], made by `value` for the exact origins and
/// `None` for the patterns (whose value is the request's own `Origin`).
///
/// [`Policy::fixed_origins`]: cors_shared::Policy::fixed_origins
fn origin_values<'p>(
    policy: &'p cors_shared::Policy,
    value: impl Fn(&'p str) -> Option<HeaderValue>,
) -> Box<[Option<HeaderValue>]> {
    policy
        .fixed_origins()
        .map(|o| Some(o).filter(|o| !o.contains('*')).and_then(&value))
        .collect()
}

/// `candidate` when its bytes are exactly `value` (a cheap reference-counted copy), else a new
/// value. `None` only if `value` cannot be a header value, which the core never produces.
#[inline]
fn reuse(candidate: Option<&HeaderValue>, value: &str) -> Option<HeaderValue> {
    match candidate {
        Some(c) if c.as_bytes() == value.as_bytes() => Some(c.clone()),
        _ => copy(value),
    }
}

/// A new header value holding `value`: only for values neither prepared nor the request's own
/// (a reloadable policy's later version).
#[cold]
fn copy(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value).ok()
}

/// The header value of one of the core's `Vary` token sets.
#[inline]
fn vary_value(vary: Vary) -> HeaderValue {
    match vary.value() {
        v if v == Vary::ORIGIN.value() => VARY_ORIGIN,
        v if v == Vary::PREFLIGHT.value() => VARY_PREFLIGHT,
        v if v == Vary::PREFLIGHT_PRIVATE_NETWORK.value() => VARY_PREFLIGHT_PRIVATE_NETWORK,
        // Every set is one of the above; an empty one is never written.
        _ => HeaderValue::from_static(""),
    }
}

const TRUE: HeaderValue = HeaderValue::from_static("true");
const STAR: HeaderValue = HeaderValue::from_static("*");
/// The `Vary` values of the core's token sets, built at compile time.
const VARY_ORIGIN: HeaderValue = HeaderValue::from_static(Vary::ORIGIN.value());
const VARY_PREFLIGHT: HeaderValue = HeaderValue::from_static(Vary::PREFLIGHT.value());
const VARY_PREFLIGHT_PRIVATE_NETWORK: HeaderValue =
    HeaderValue::from_static(Vary::PREFLIGHT_PRIVATE_NETWORK.value());

/// The value of `h` for a decision, built from prepared values and the request's own.
fn value_of(
    prepared: &Prepared,
    cors: &CorsHeaders<'_>,
    request: Reuse<'_>,
    h: CorsHeader,
) -> Option<HeaderValue> {
    match h {
        CorsHeader::AllowOrigin => prepared.allow_origin(cors, request.origin),
        CorsHeader::AllowCredentials => cors.allow_credentials.then_some(TRUE),
        CorsHeader::AllowMethods => reuse(request.request_method, cors.allow_methods?),
        CorsHeader::AllowHeaders => reuse(request.request_headers, cors.allow_headers?),
        CorsHeader::AllowPrivateNetwork => cors.allow_private_network.then_some(TRUE),
        CorsHeader::MaxAge => reuse(prepared.max_age.as_ref(), cors.max_age?),
        CorsHeader::ExposeHeaders => reuse(prepared.expose.as_ref(), cors.expose_headers?),
    }
}

/// Sets a decision's headers on a response: each CORS header replaces any earlier value, and
/// `Vary` is merged with what the response already has into one line.
pub(crate) fn write(
    prepared: &Prepared,
    cors: &CorsHeaders<'_>,
    request: Reuse<'_>,
    response: &mut HeaderMap,
) {
    for h in CorsHeader::ALL {
        if let Some(value) = value_of(prepared, cors, request, h) {
            response.insert(name(h), value);
        }
    }
    write_vary(cors.vary, response);
}

/// The headers of one decision, owned, so that they outlive the request they were computed
/// from (the request moves into the inner service, which may fail without giving it back).
/// Values are cheap copies: of the request's own header values or of prepared ones. Small, as
/// it travels inside the response future: the preflight-only headers are boxed, since only an
/// error standing in for a preflight's answer keeps them (other answers are written at once).
#[derive(Clone, Debug, Default)]
pub(crate) struct OwnedHeaders {
    allow_origin: Option<HeaderValue>,
    expose_headers: Option<HeaderValue>,
    allow_credentials: bool,
    vary: Vary,
    preflight: Option<Box<PreflightHeaders>>,
}

/// The values only an answer to a preflight has.
#[derive(Clone, Debug, Default)]
struct PreflightHeaders {
    allow_methods: Option<HeaderValue>,
    allow_headers: Option<HeaderValue>,
    allow_private_network: bool,
    max_age: Option<HeaderValue>,
}

impl PreflightHeaders {
    /// Kept only by an error standing in for a preflight's answer.
    #[cold]
    fn new(prepared: &Prepared, cors: &CorsHeaders<'_>, request: Reuse<'_>) -> Box<Self> {
        let value = |h| value_of(prepared, cors, request, h);
        Box::new(PreflightHeaders {
            allow_methods: value(CorsHeader::AllowMethods),
            allow_headers: value(CorsHeader::AllowHeaders),
            allow_private_network: cors.allow_private_network,
            max_age: value(CorsHeader::MaxAge),
        })
    }
}

impl OwnedHeaders {
    /// Takes the headers of a decision, reusing the request's and the prepared values.
    pub(crate) fn new(prepared: &Prepared, cors: &CorsHeaders<'_>, request: Reuse<'_>) -> Self {
        let value = |h| value_of(prepared, cors, request, h);
        let is_preflight = CorsHeader::ALL
            .into_iter()
            .any(|h| h.preflight_only() && cors.get(h).is_some());
        OwnedHeaders {
            allow_origin: value(CorsHeader::AllowOrigin),
            expose_headers: value(CorsHeader::ExposeHeaders),
            allow_credentials: cors.allow_credentials,
            vary: cors.vary,
            preflight: is_preflight.then(|| PreflightHeaders::new(prepared, cors, request)),
        }
    }

    /// The value of one header, when it is to be written.
    fn get(&self, h: CorsHeader) -> Option<HeaderValue> {
        let preflight = self.preflight.as_deref();
        match h {
            CorsHeader::AllowOrigin => self.allow_origin.clone(),
            CorsHeader::AllowCredentials => self.allow_credentials.then_some(TRUE),
            CorsHeader::AllowMethods => preflight?.allow_methods.clone(),
            CorsHeader::AllowHeaders => preflight?.allow_headers.clone(),
            CorsHeader::AllowPrivateNetwork => preflight?.allow_private_network.then_some(TRUE),
            CorsHeader::MaxAge => preflight?.max_age.clone(),
            CorsHeader::ExposeHeaders => self.expose_headers.clone(),
        }
    }

    /// Sets the headers on a response, as [`write`] does.
    pub(crate) fn write(&self, response: &mut HeaderMap) {
        if self.preflight.is_some() {
            self.write_preflight(response);
        } else {
            // Known when this compiles: only the headers an actual response carries.
            for h in CorsHeader::ALL {
                if !h.preflight_only() {
                    if let Some(value) = self.get(h) {
                        response.insert(name(h), value);
                    }
                }
            }
        }
        write_vary(self.vary, response);
    }

    /// [`OwnedHeaders::write`] for the answer to a preflight, which only an error keeps.
    #[cold]
    fn write_preflight(&self, response: &mut HeaderMap) {
        for h in CorsHeader::ALL {
            if let Some(value) = self.get(h) {
                response.insert(name(h), value);
            }
        }
    }
}

/// The value of a `Vary` merged with the response's own.
#[cold]
fn merged(bytes: &[u8]) -> Option<HeaderValue> {
    HeaderValue::from_bytes(bytes).ok()
}

/// Merges CORS tokens into the response's `Vary` (one line), keeping whatever was there.
pub(crate) fn write_vary(vary: Vary, response: &mut HeaderMap) {
    let update = merge_vary_lines(
        || response.get_all(header::VARY).map(HeaderValue::as_bytes),
        vary,
    );
    let value = match update {
        VaryUpdate::Keep => return,
        VaryUpdate::Set(Cow::Borrowed(bytes)) if bytes == vary.value().as_bytes() => {
            Some(vary_value(vary))
        }
        VaryUpdate::Set(bytes) => merged(&bytes),
    };
    if let Some(value) = value {
        response.insert(header::VARY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::Method;
    use cors_shared::PolicySpec;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (n, v) in pairs {
            m.append(HeaderName::from_static(n), HeaderValue::from_static(v));
        }
        m
    }

    fn values(m: &HeaderMap, name: &str) -> Vec<String> {
        m.get_all(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn write_sets_replaces_and_merges_vary() {
        let policy = PolicySpec::new()
            .origin("https://app.example.re")
            .credentials(true)
            .expose(["x-total-count"])
            .validate()
            .unwrap();
        let prepared = Prepared::new(&PolicySource::from(policy.clone()));
        let request = map(&[("origin", "https://app.example.re")]);
        let mut response = map(&[
            ("access-control-allow-origin", "https://stale.example"),
            ("vary", "Accept-Encoding"),
        ]);
        let (view, reuse) = crate::request::read(&Method::GET, &request, &policy);
        let decision = policy.decide(&view);
        let owned = OwnedHeaders::new(&prepared, decision.headers(), reuse);
        owned.write(&mut response);
        owned.write(&mut response);
        assert_eq!(
            values(&response, "access-control-allow-origin"),
            ["https://app.example.re"]
        );
        assert_eq!(
            values(&response, "access-control-allow-credentials"),
            ["true"]
        );
        assert_eq!(
            values(&response, "access-control-expose-headers"),
            ["x-total-count"]
        );
        assert_eq!(values(&response, "vary"), ["Accept-Encoding, Origin"]);
    }

    #[test]
    fn vary_star_is_kept() {
        let mut response = map(&[("vary", "*")]);
        write_vary(Vary::ORIGIN, &mut response);
        assert_eq!(values(&response, "vary"), ["*"]);
    }

    #[test]
    fn vary_lines_become_one() {
        let mut response = map(&[("vary", "Accept-Encoding"), ("vary", "Accept-Language")]);
        write_vary(Vary::ORIGIN, &mut response);
        assert_eq!(
            values(&response, "vary"),
            ["Accept-Encoding, Accept-Language, Origin"]
        );
    }

    #[test]
    fn every_core_header_has_an_actix_name() {
        for h in CorsHeader::ALL {
            assert_eq!(name(h).as_str(), h.name());
        }
    }
}
