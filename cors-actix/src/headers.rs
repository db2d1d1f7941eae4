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

/// One CORS request header, kept after the request has moved on: absent, exactly one line (a
/// cheap reference-counted copy of the request's value), or several lines.
#[derive(Clone, Debug, Default)]
pub(crate) enum Line {
    #[default]
    Absent,
    One(HeaderValue),
    Many,
}

impl Line {
    fn take(headers: &HeaderMap, name: &HeaderName) -> Self {
        let mut all = headers.get_all(name);
        match (all.next(), all.next()) {
            (None, _) => Line::Absent,
            (Some(value), None) => Line::One(value.clone()),
            (Some(_), Some(_)) => Line::Many,
        }
    }

    fn lines(&self) -> HeaderLines<'_> {
        match self {
            Line::Absent => HeaderLines::Absent,
            Line::One(value) => HeaderLines::One(value.as_bytes()),
            Line::Many => HeaderLines::Many,
        }
    }

    fn first(&self) -> Option<&HeaderValue> {
        match self {
            Line::One(value) => Some(value),
            Line::Absent | Line::Many => None,
        }
    }
}

/// What a decision reads from a request, kept so that the decision can be taken after the
/// inner service has run (the request moves into it and does not come back on an error).
#[derive(Debug)]
pub(crate) struct Captured {
    method: Method,
    origin: Line,
    request_method: Line,
    request_headers: Line,
    request_private_network: Line,
}

impl Captured {
    /// Copies the CORS request headers. Without `Origin` the decision reads nothing else, and
    /// the preflight-only headers matter only to an `OPTIONS` request, so only those are kept.
    pub(crate) fn new(method: &Method, headers: &HeaderMap) -> Self {
        let origin = Line::take(headers, &header::ORIGIN);
        let preflight_headers = !matches!(origin, Line::Absent) && method == Method::OPTIONS;
        let take = |name: &HeaderName| {
            if preflight_headers {
                Line::take(headers, name)
            } else {
                Line::Absent
            }
        };
        Captured {
            method: method.clone(),
            request_method: take(&header::ACCESS_CONTROL_REQUEST_METHOD),
            request_headers: take(&header::ACCESS_CONTROL_REQUEST_HEADERS),
            request_private_network: take(&REQUEST_PRIVATE_NETWORK),
            origin,
        }
    }

    /// The request method.
    pub(crate) fn method(&self) -> &Method {
        &self.method
    }

    /// The request as the core reads it.
    pub(crate) fn view(&self) -> RequestView<'_> {
        RequestView {
            method: self.method.as_str().as_bytes(),
            origin: self.origin.lines(),
            request_method: self.request_method.lines(),
            request_headers: self.request_headers.lines(),
            request_private_network: self.request_private_network.lines(),
        }
    }

    /// The request's own values that a decision's headers may repeat.
    pub(crate) fn reuse(&self) -> Reuse<'_> {
        Reuse {
            origin: self.origin.first(),
            request_method: self.request_method.first(),
            request_headers: self.request_headers.first(),
        }
    }
}

/// The request's values that an allowed response repeats byte for byte (`Origin`,
/// `Access-Control-Request-Method`, `Access-Control-Request-Headers`), copied by reference count
/// instead of by content.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Reuse<'a> {
    origin: Option<&'a HeaderValue>,
    request_method: Option<&'a HeaderValue>,
    request_headers: Option<&'a HeaderValue>,
}

impl<'a> Reuse<'a> {
    /// The first line of each of those headers in a request.
    pub(crate) fn from_map(request: &'a HeaderMap) -> Self {
        Reuse {
            origin: request.get(header::ORIGIN),
            request_method: request.get(header::ACCESS_CONTROL_REQUEST_METHOD),
            request_headers: request.get(header::ACCESS_CONTROL_REQUEST_HEADERS),
        }
    }
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
    pub(crate) fn new(prepared: &Prepared, cors: &CorsHeaders<'_>, request: Reuse<'_>) -> Self {
        OwnedHeaders {
            allow_origin: cors.allow_origin.and_then(|v| {
                if v == "*" {
                    Some(STAR)
                } else {
                    reuse(request.origin, v)
                }
            }),
            allow_credentials: cors.allow_credentials,
            allow_methods: cors
                .allow_methods
                .and_then(|v| reuse(request.request_method, v)),
            allow_headers: cors
                .allow_headers
                .and_then(|v| reuse(request.request_headers, v)),
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
        let owned = OwnedHeaders::new(&prepared, decision.headers(), Reuse::from_map(&request));
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
