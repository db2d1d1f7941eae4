//! Reading the CORS request headers from Actix and writing a decision's headers back.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use cors_shared::{merge_vary, CorsHeaders, HeaderLines, Policy, RequestView, Vary, VaryUpdate};

/// `Access-Control-Request-Private-Network`, which `http` has no constant for.
const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(cors_shared::header::REQUEST_PRIVATE_NETWORK);
/// `Access-Control-Allow-Private-Network`.
const ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(cors_shared::header::ALLOW_PRIVATE_NETWORK);

const TRUE: HeaderValue = HeaderValue::from_static("true");
const STAR: HeaderValue = HeaderValue::from_static("*");

fn lines<'a>(headers: &'a HeaderMap, name: &HeaderName) -> HeaderLines<'a> {
    HeaderLines::from_values(headers.get_all(name).map(HeaderValue::as_bytes))
}

/// The parts of an Actix request that CORS looks at.
pub(crate) fn view<'a>(method: &'a Method, headers: &'a HeaderMap) -> RequestView<'a> {
    RequestView {
        method: method.as_str().as_bytes(),
        origin: lines(headers, &header::ORIGIN),
        request_method: lines(headers, &header::ACCESS_CONTROL_REQUEST_METHOD),
        request_headers: lines(headers, &header::ACCESS_CONTROL_REQUEST_HEADERS),
        request_private_network: lines(headers, &REQUEST_PRIVATE_NETWORK),
    }
}

/// A validated policy together with the header values it writes on every allowed response,
/// built once so that answering a request copies no policy text.
#[derive(Debug)]
pub(crate) struct Prepared {
    expose: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
}

impl Prepared {
    pub(crate) fn new(policy: &Policy) -> Self {
        let raw = policy.__raw();
        let value = |text: &Option<cors_shared::Text>| {
            text.as_deref().and_then(|t| HeaderValue::from_str(t).ok())
        };
        Prepared {
            expose: value(&raw.expose),
            max_age: value(&raw.max_age),
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

/// A header value for one of the core's fixed strings (`Vary` sets), without copying it.
fn static_value(value: &'static str) -> Option<HeaderValue> {
    // `from_static` rejects (by panicking) what `from_str` rejects; check first.
    if value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        Some(HeaderValue::from_static(value))
    } else {
        None
    }
}

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
    pub(crate) fn new(prepared: &Prepared, cors: &CorsHeaders<'_>, request: &HeaderMap) -> Self {
        OwnedHeaders {
            allow_origin: cors.allow_origin.and_then(|v| {
                if v == "*" {
                    Some(STAR)
                } else {
                    reuse(request.get(header::ORIGIN), v)
                }
            }),
            allow_credentials: cors.allow_credentials,
            allow_methods: cors
                .allow_methods
                .and_then(|v| reuse(request.get(header::ACCESS_CONTROL_REQUEST_METHOD), v)),
            allow_headers: cors
                .allow_headers
                .and_then(|v| reuse(request.get(header::ACCESS_CONTROL_REQUEST_HEADERS), v)),
            allow_private_network: cors.allow_private_network,
            max_age: cors
                .max_age
                .and_then(|v| reuse(prepared.max_age.as_ref(), v)),
            expose_headers: cors
                .expose_headers
                .and_then(|v| reuse(prepared.expose.as_ref(), v)),
            vary: cors.vary,
        }
    }

    /// Sets the headers on a response: each CORS header replaces any earlier value, and `Vary`
    /// is merged with what the response already has.
    pub(crate) fn write(&self, response: &mut HeaderMap) {
        let set = |response: &mut HeaderMap, name: HeaderName, value: &Option<HeaderValue>| {
            if let Some(value) = value {
                response.insert(name, value.clone());
            }
        };
        set(
            response,
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            &self.allow_origin,
        );
        if self.allow_credentials {
            response.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        }
        set(
            response,
            header::ACCESS_CONTROL_ALLOW_METHODS,
            &self.allow_methods,
        );
        set(
            response,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            &self.allow_headers,
        );
        if self.allow_private_network {
            response.insert(ALLOW_PRIVATE_NETWORK, TRUE);
        }
        set(response, header::ACCESS_CONTROL_MAX_AGE, &self.max_age);
        set(
            response,
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            &self.expose_headers,
        );
        write_vary(self.vary, response);
    }
}

/// Merges CORS tokens into the response's `Vary`, keeping whatever was there.
fn write_vary(vary: Vary, response: &mut HeaderMap) {
    if vary.is_empty() {
        return;
    }
    let update = if response.contains_key(header::VARY) {
        let existing: Vec<&[u8]> = response
            .get_all(header::VARY)
            .map(HeaderValue::as_bytes)
            .collect();
        merge_vary(&existing, vary)
    } else {
        merge_vary(&[], vary)
    };
    let value = match update {
        VaryUpdate::Keep => return,
        VaryUpdate::Set(std::borrow::Cow::Borrowed(bytes)) if bytes == vary.value().as_bytes() => {
            static_value(vary.value())
        }
        VaryUpdate::Set(bytes) => HeaderValue::from_bytes(&bytes).ok(),
    };
    if let Some(value) = value {
        response.insert(header::VARY, value);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
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
    fn view_counts_lines() {
        let m = map(&[
            ("origin", "https://a.example"),
            ("origin", "https://b.example"),
            ("access-control-request-method", "PUT"),
        ]);
        let v = view(&Method::OPTIONS, &m);
        assert_eq!(v.method, b"OPTIONS");
        assert_eq!(v.origin, HeaderLines::Many);
        assert_eq!(v.request_method, HeaderLines::One(b"PUT"));
        assert_eq!(v.request_headers, HeaderLines::Absent);
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
        let decision = policy.decide(&view(&Method::GET, &request));
        let owned = OwnedHeaders::new(&prepared, decision.headers(), &request);
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
}
