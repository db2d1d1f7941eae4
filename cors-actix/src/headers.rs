//! Writing a decision's headers on an Actix response: the one place that turns the core's
//! [`CorsHeaders`] into Actix header lines, and `Vary` merged into one line.

use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use cors_shared::{merge_vary_lines, CorsHeaders, Policy, PolicySource, Vary, VaryUpdate};

use crate::request::Reuse;

/// Header values a policy writes on every allowed response, built once so that answering a
/// request copies no policy text: one `Access-Control-Allow-Origin` value per exact origin of a
/// policy that never changes (the request's own value is reused for patterns, runtime sets and
/// reloadable policies), the expose list and the max age. For a reloadable policy the lists
/// are those of the first version; a later version's differing values are built when used.
#[derive(Clone, Debug, Default)]
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

    /// Whether an `Access-Control-Allow-Origin` value is prepared for the exact origin at
    /// `index` of [`Policy::fixed_origins`].
    pub(crate) fn has_origin(&self, index: usize) -> bool {
        matches!(self.origins.get(index), Some(Some(_)))
    }

    /// The value of `Access-Control-Allow-Origin`: `*`, the value prepared for the exact origin
    /// that allowed the request, or the request's own `Origin`.
    #[inline]
    fn allow_origin(
        &self,
        value: &str,
        fixed_origin: Option<usize>,
        request: Option<&HeaderValue>,
    ) -> Option<HeaderValue> {
        if value == "*" {
            return Some(STAR);
        }
        let prepared = fixed_origin
            .and_then(|i| self.origins.get(i))
            .and_then(Option::as_ref);
        match prepared {
            Some(v) => Some(v.clone()),
            None => reuse(request, value),
        }
    }
}

/// One value per entry of [`Policy::exact_origins`], made by `value` for the exact origins and
/// `None` for the patterns (whose value is the request's own `Origin`).
fn origin_values<'p>(
    policy: &'p Policy,
    value: impl Fn(&'p str) -> Option<HeaderValue>,
) -> Box<[Option<HeaderValue>]> {
    policy.exact_origins().map(|o| o.and_then(&value)).collect()
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

const TRUE: HeaderValue = HeaderValue::from_static("true");
const STAR: HeaderValue = HeaderValue::from_static("*");
const ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(cors_shared::header::ALLOW_PRIVATE_NETWORK);

/// Sets a decision's headers on a response, once the CORS headers written inside are removed
/// ([`take_over`]): each CORS header replaces any earlier value, and
/// `Vary` is merged with what the response already has into one line. Values come from
/// `prepared` or, byte for byte the same, from the request (`request`); nothing else is copied.
///
/// Every field of [`CorsHeaders`] is named here: a header the core adds does not compile until
/// it is written.
///
/// Always inlined: each caller passes a decision whose absent headers the compiler can then drop
/// (an actual response's has none of the preflight's).
#[inline(always)]
pub(crate) fn write(
    cors: &CorsHeaders<'_>,
    request: Reuse<'_>,
    prepared: &Prepared,
    response: &mut HeaderMap,
) {
    let CorsHeaders {
        allow_origin,
        fixed_origin,
        allow_credentials,
        allow_methods,
        allow_headers,
        allow_private_network,
        max_age,
        expose_headers,
        vary,
    } = *cors;
    take_over(response);
    if let Some(value) = allow_origin {
        if let Some(value) = prepared.allow_origin(value, fixed_origin, request.origin) {
            response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
    }
    if allow_credentials {
        response.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    if let Some(value) = allow_methods.and_then(|v| reuse(request.request_method, v)) {
        response.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value);
    }
    if let Some(value) = allow_headers.and_then(|v| reuse(request.request_headers, v)) {
        response.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value);
    }
    if allow_private_network {
        response.insert(ALLOW_PRIVATE_NETWORK, TRUE);
    }
    if let Some(value) = max_age.and_then(|v| reuse(prepared.max_age.as_ref(), v)) {
        response.insert(header::ACCESS_CONTROL_MAX_AGE, value);
    }
    if let Some(value) = expose_headers.and_then(|v| reuse(prepared.expose.as_ref(), v)) {
        response.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, value);
    }
    write_vary(vary, response);
}

/// The CORS headers an actual response may carry, the core's `CorsHeader::ON_ACTUAL`: on a
/// response a policy decides, only the decision writes them.
static ON_ACTUAL: [HeaderName; 3] = [
    header::ACCESS_CONTROL_ALLOW_ORIGIN,
    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
    header::ACCESS_CONTROL_EXPOSE_HEADERS,
];

const ALLOW_ORIGIN_LEN: usize = cors_shared::header::ALLOW_ORIGIN.len();
const ALLOW_CREDENTIALS_LEN: usize = cors_shared::header::ALLOW_CREDENTIALS.len();
const EXPOSE_HEADERS_LEN: usize = cors_shared::header::EXPOSE_HEADERS.len();

/// Set once a response carried CORS headers written inside a layer.
static WARNED_INSIDE: AtomicBool = AtomicBool::new(false);

/// Makes `response` the decision's to write, in one pass over its header names (a handful on
/// most responses, told apart by length first): the CORS headers a handler or a layer inside
/// wrote (an `Access-Control-Allow-Origin` that echoes any origin, a stray
/// `Access-Control-Allow-Credentials: true`) are removed, so that whoever may read is the
/// policy's decision alone, and the first time this happens it is logged with the fix.
#[inline(always)]
fn take_over(response: &mut HeaderMap) {
    let inside = response.keys().find_map(|name| match name.as_str().len() {
        ALLOW_ORIGIN_LEN | ALLOW_CREDENTIALS_LEN | EXPOSE_HEADERS_LEN => {
            ON_ACTUAL.iter().position(|n| n == name)
        }
        _ => None,
    });
    if let Some(found) = inside {
        remove_inside(found, response);
    }
}

/// [`take_over`] when the response carries CORS headers written inside: they go, and the first
/// time this happens it is logged.
#[cold]
#[inline(never)]
fn remove_inside(found: usize, response: &mut HeaderMap) {
    if !WARNED_INSIDE.swap(true, Ordering::Relaxed) {
        let found = ON_ACTUAL.get(found).map_or("", HeaderName::as_str);
        tracing::warn!(
            target: crate::log::TARGET,
            "a handler or a middleware inside the CORS middleware wrote {found} on a response; \
             the CORS policy decides that header on every response it covers, so it was \
             removed and the policy's decision written instead (an origin is echoed only when \
             the policy allows it). Remove the code that writes CORS headers by hand; a route \
             that needs other CORS rules takes a policy of its own: `#[cors(...)]` on its handler"
        );
    }
    for name in &ON_ACTUAL {
        response.remove(name);
    }
}

/// The header value of one of the core's non-empty `Vary` token sets, told apart by their number
/// of tokens (the test below holds each to its value).
#[inline]
fn vary_value(vary: Vary) -> HeaderValue {
    match vary.tokens().len() {
        1 => VARY_ORIGIN,
        3 => VARY_PREFLIGHT,
        _ => VARY_PREFLIGHT_PRIVATE_NETWORK,
    }
}

/// The `Vary` values of the core's token sets, built at compile time.
const VARY_ORIGIN: HeaderValue = HeaderValue::from_static(Vary::ORIGIN.value());
const VARY_PREFLIGHT: HeaderValue = HeaderValue::from_static(Vary::PREFLIGHT.value());
const VARY_PREFLIGHT_PRIVATE_NETWORK: HeaderValue =
    HeaderValue::from_static(Vary::PREFLIGHT_PRIVATE_NETWORK.value());

/// The value of a `Vary` merged with the response's own.
#[cold]
fn merged(bytes: &[u8]) -> Option<HeaderValue> {
    HeaderValue::from_bytes(bytes).ok()
}

/// Merges CORS tokens into the response's `Vary` (one line), keeping whatever was there.
fn write_vary(vary: Vary, response: &mut HeaderMap) {
    if vary.is_empty() {
        return merge_vary(vary, response);
    }
    // The common case, no `Vary` yet, in one lookup: the tokens' own line goes in, and only if
    // it replaced lines are they merged.
    let replaced = response.insert(header::VARY, vary_value(vary));
    if !replaced.is_empty() {
        let lines: Vec<HeaderValue> = replaced.collect();
        merge_replaced(vary, lines, response);
    }
}

/// [`write_vary`] when the response had `Vary` lines, which `lines` holds (in the map, the
/// tokens' own line took their place): apart from the common case.
#[cold]
fn merge_replaced(vary: Vary, lines: Vec<HeaderValue>, response: &mut HeaderMap) {
    let update = merge_vary_lines(|| lines.iter().map(HeaderValue::as_bytes), vary);
    let value = match update {
        VaryUpdate::Keep => None,
        VaryUpdate::Set(bytes) => merged(&bytes),
    };
    match value {
        Some(value) => {
            response.insert(header::VARY, value);
        }
        // As it was.
        None => {
            response.remove(header::VARY);
            for line in lines {
                response.append(header::VARY, line);
            }
        }
    }
}

/// Merges the tokens of an empty set (which adds none, but may tidy the response's lines) as
/// [`merge_vary_lines`] says.
#[cold]
fn merge_vary(vary: Vary, response: &mut HeaderMap) {
    let update = merge_vary_lines(
        || response.get_all(header::VARY).map(HeaderValue::as_bytes),
        vary,
    );
    if let VaryUpdate::Set(bytes) = update {
        if let Some(value) = merged(&bytes) {
            response.insert(header::VARY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::Method;
    use cors_shared::{CorsHeader, PolicySpec};

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
    fn the_headers_taken_over_are_those_an_actual_response_may_carry() {
        let core = cors_shared::CorsHeader::ON_ACTUAL.map(cors_shared::CorsHeader::name);
        assert_eq!(ON_ACTUAL.each_ref().map(HeaderName::as_str), core);
        for name in &ON_ACTUAL {
            assert!(
                [ALLOW_ORIGIN_LEN, ALLOW_CREDENTIALS_LEN, EXPOSE_HEADERS_LEN]
                    .contains(&name.as_str().len())
            );
        }
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
        write(decision.headers(), reuse, &prepared, &mut response);
        write(decision.headers(), reuse, &prepared, &mut response);
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
    fn each_vary_set_has_its_value() {
        for vary in [
            Vary::ORIGIN,
            Vary::PREFLIGHT,
            Vary::PREFLIGHT_PRIVATE_NETWORK,
        ] {
            assert_eq!(vary_value(vary).as_bytes(), vary.value().as_bytes());
            let mut response = HeaderMap::new();
            write_vary(vary, &mut response);
            assert_eq!(values(&response, "vary"), [vary.value()]);
        }
        let mut response = HeaderMap::new();
        write_vary(Vary::NONE, &mut response);
        assert!(response.is_empty());
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

    /// Every header the core can ask for is written under the core's own name.
    #[test]
    fn every_core_header_is_written_under_its_name() {
        let cors = CorsHeaders {
            allow_origin: Some("https://app.example.re"),
            fixed_origin: None,
            allow_credentials: true,
            allow_methods: Some("PUT"),
            allow_headers: Some("x-a"),
            allow_private_network: true,
            max_age: Some("600"),
            expose_headers: Some("x-b"),
            vary: Vary::ORIGIN,
        };
        let mut response = HeaderMap::new();
        write(&cors, Reuse::default(), &Prepared::default(), &mut response);
        for h in CorsHeader::ALL {
            assert_eq!(
                values(&response, h.name()),
                [cors.get(h).unwrap()],
                "{}",
                h.name()
            );
        }
        assert_eq!(response.len(), CorsHeader::ALL.len() + 1);
    }
}
