//! Writing a decision's headers on an Actix response: the core's list of CORS headers, each
//! mapped to its Actix name, and `Vary` merged into one line.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use cors_shared::{merge_vary_lines, CorsHeader, CorsHeaders, Policy, Vary, VaryUpdate};

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
/// request copies no policy text. For a reloadable policy they are those of the first version;
/// a later version's differing values are built when used.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    expose: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
}

impl Prepared {
    pub(crate) fn new(policy: &Policy) -> Self {
        let value = |text: Option<&str>| text.and_then(|t| HeaderValue::from_str(t).ok());
        Prepared {
            expose: value(policy.expose_value()),
            max_age: value(policy.max_age_value()),
        }
    }
}

/// `candidate` when its bytes are exactly `value` (a cheap reference-counted copy), else a new
/// value. `None` only if `value` cannot be a header value, which the core never produces.
fn reuse(candidate: Option<&HeaderValue>, value: &str) -> Option<HeaderValue> {
    match candidate {
        Some(c) if c.as_bytes() == value.as_bytes() => Some(c.clone()),
        _ => HeaderValue::from_str(value).ok(),
    }
}

/// The header value of one of the core's `Vary` token sets.
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

/// The headers of one decision, owned, so that they outlive the request they were computed
/// from (the request moves into the inner service, which may fail without giving it back).
/// Values are cheap copies: of the request's own header values or of the policy's.
#[derive(Clone, Debug, Default)]
pub(crate) struct OwnedHeaders {
    allow_origin: Option<HeaderValue>,
    allow_credentials: bool,
    allow_methods: Option<HeaderValue>,
    allow_headers: Option<HeaderValue>,
    allow_private_network: bool,
    max_age: Option<HeaderValue>,
    expose_headers: Option<HeaderValue>,
    vary: Vary,
}

impl OwnedHeaders {
    /// Takes the headers of a decision, reusing the request's and the policy's values.
    pub(crate) fn new(prepared: &Prepared, cors: &CorsHeaders<'_>, request: Reuse<'_>) -> Self {
        let mut owned = OwnedHeaders {
            vary: cors.vary,
            ..OwnedHeaders::default()
        };
        for (h, v) in cors.entries() {
            match h {
                CorsHeader::AllowOrigin if v == "*" => owned.allow_origin = Some(STAR),
                CorsHeader::AllowOrigin => owned.allow_origin = reuse(request.origin, v),
                CorsHeader::AllowCredentials => owned.allow_credentials = true,
                CorsHeader::AllowMethods => {
                    owned.allow_methods = reuse(request.request_method, v);
                }
                CorsHeader::AllowHeaders => {
                    owned.allow_headers = reuse(request.request_headers, v);
                }
                CorsHeader::AllowPrivateNetwork => owned.allow_private_network = true,
                CorsHeader::MaxAge => owned.max_age = reuse(prepared.max_age.as_ref(), v),
                CorsHeader::ExposeHeaders => {
                    owned.expose_headers = reuse(prepared.expose.as_ref(), v);
                }
            }
        }
        owned
    }

    /// The value of one header, when it is to be written.
    fn get(&self, h: CorsHeader) -> Option<HeaderValue> {
        match h {
            CorsHeader::AllowOrigin => self.allow_origin.clone(),
            CorsHeader::AllowCredentials => self.allow_credentials.then_some(TRUE),
            CorsHeader::AllowMethods => self.allow_methods.clone(),
            CorsHeader::AllowHeaders => self.allow_headers.clone(),
            CorsHeader::AllowPrivateNetwork => self.allow_private_network.then_some(TRUE),
            CorsHeader::MaxAge => self.max_age.clone(),
            CorsHeader::ExposeHeaders => self.expose_headers.clone(),
        }
    }

    /// Sets the headers on a response: each CORS header replaces any earlier value, and `Vary`
    /// is merged with what the response already has into one line.
    pub(crate) fn write(&self, response: &mut HeaderMap) {
        for h in CorsHeader::ALL {
            if let Some(value) = self.get(h) {
                response.insert(name(h), value);
            }
        }
        write_vary(self.vary, response);
    }
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
        VaryUpdate::Set(bytes) => HeaderValue::from_bytes(&bytes).ok(),
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
        let prepared = Prepared::new(&policy);
        let request = map(&[("origin", "https://app.example.re")]);
        let mut response = map(&[
            ("access-control-allow-origin", "https://stale.example"),
            ("vary", "Accept-Encoding"),
        ]);
        let (view, reuse) = crate::request::read(&Method::GET, &request);
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
