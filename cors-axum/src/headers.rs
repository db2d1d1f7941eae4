//! Writing a decision's headers: the one place where every field of the core's `CorsHeaders`
//! becomes a response header, and `Vary` is merged into one line.

use std::borrow::Cow;
use std::sync::atomic::AtomicBool;

use bytes::Bytes;
use cors_shared::{header, merge_vary_lines, CorsHeaders, Policy, PolicySource, Vary, VaryUpdate};
use http::header::{Entry, HeaderMap, HeaderName, HeaderValue, OccupiedEntry};

use crate::request::Reuse;

// The response headers CORS writes, by the core's names.
const ALLOW_ORIGIN: HeaderName = HeaderName::from_static(header::ALLOW_ORIGIN);
const ALLOW_CREDENTIALS: HeaderName = HeaderName::from_static(header::ALLOW_CREDENTIALS);
const ALLOW_METHODS: HeaderName = HeaderName::from_static(header::ALLOW_METHODS);
const ALLOW_HEADERS: HeaderName = HeaderName::from_static(header::ALLOW_HEADERS);
const ALLOW_PRIVATE_NETWORK: HeaderName = HeaderName::from_static(header::ALLOW_PRIVATE_NETWORK);
const MAX_AGE: HeaderName = HeaderName::from_static(header::MAX_AGE);
const EXPOSE_HEADERS: HeaderName = HeaderName::from_static(header::EXPOSE_HEADERS);
const VARY: HeaderName = HeaderName::from_static(header::VARY);

/// The CORS headers an actual response may carry, the core's `CorsHeader::ON_ACTUAL`: on a
/// response a policy decides, only the decision writes them.
static ON_ACTUAL: [HeaderName; 3] = [ALLOW_ORIGIN, ALLOW_CREDENTIALS, EXPOSE_HEADERS];

const TRUE: HeaderValue = HeaderValue::from_static("true");
const STAR: HeaderValue = HeaderValue::from_static("*");
/// The `Vary` values of the core's token sets, built at compile time.
const VARY_ORIGIN: HeaderValue = HeaderValue::from_static(Vary::ORIGIN.value());
const VARY_PREFLIGHT: HeaderValue = HeaderValue::from_static(Vary::PREFLIGHT.value());
const VARY_PREFLIGHT_PRIVATE_NETWORK: HeaderValue =
    HeaderValue::from_static(Vary::PREFLIGHT_PRIVATE_NETWORK.value());

/// Header values of a policy made once, when the layer is built: one per exact origin (so that
/// an allowed request's `Access-Control-Allow-Origin` is a cheap copy), the exposed headers and
/// the max age. A reloadable policy's versions may differ from these: each value is used only
/// when its bytes are the decision's.
#[derive(Clone, Debug, Default)]
pub(crate) struct Prepared {
    origins: Box<[Option<HeaderValue>]>,
    expose: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
}

impl Prepared {
    pub(crate) fn new(source: &PolicySource) -> Self {
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
        let value = |text: Option<&str>| text.and_then(|t| HeaderValue::from_str(t).ok());
        Prepared {
            origins,
            expose: value(policy.expose_value()),
            max_age: value(policy.max_age_value()),
        }
    }
}

/// One value per entry of `Policy::exact_origins`, made by `value` for the exact origins and
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

/// A new header value holding `value`: only for values neither prepared nor the request's own.
#[cold]
fn copy(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value).ok()
}

/// The headers of one decision, owned, so that they outlive the request they were decided on
/// (it moves into the inner service) and are written on whatever response comes back. One
/// version of the policy decided them all.
#[derive(Clone, Debug, Default)]
pub(crate) struct Owned {
    allow_origin: Option<HeaderValue>,
    allow_credentials: bool,
    allow_methods: Option<HeaderValue>,
    allow_headers: Option<HeaderValue>,
    allow_private_network: bool,
    max_age: Option<HeaderValue>,
    expose_headers: Option<HeaderValue>,
    vary: Vary,
}

/// Writes the headers of a decision on a response at once: the values [`Owned::new`] would
/// take, set as [`Owned::write`] sets them, without holding them in between. The pattern names
/// every field of `CorsHeaders`, as theirs do.
#[inline(always)]
pub(crate) fn write_decision(
    prepared: &Prepared,
    cors: &CorsHeaders<'_>,
    request: Reuse<'_>,
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
    let has_vary = take_over(response);
    if let Some(value) = allow_origin_value(prepared, allow_origin, fixed_origin, request) {
        response.insert(ALLOW_ORIGIN, value);
    }
    if allow_credentials {
        response.insert(ALLOW_CREDENTIALS, TRUE);
    }
    if let Some(value) = allow_methods.and_then(|v| reuse(request.request_method, v)) {
        response.insert(ALLOW_METHODS, value);
    }
    if let Some(value) = allow_headers.and_then(|v| reuse(request.request_headers, v)) {
        response.insert(ALLOW_HEADERS, value);
    }
    if allow_private_network {
        response.insert(ALLOW_PRIVATE_NETWORK, TRUE);
    }
    if let Some(value) = max_age.and_then(|v| reuse(prepared.max_age.as_ref(), v)) {
        response.insert(MAX_AGE, value);
    }
    if let Some(value) = expose_headers.and_then(|v| reuse(prepared.expose.as_ref(), v)) {
        response.insert(EXPOSE_HEADERS, value);
    }
    write_vary(vary, response, has_vary);
}

const VARY_LEN: usize = header::VARY.len();
const ALLOW_ORIGIN_LEN: usize = header::ALLOW_ORIGIN.len();
const ALLOW_CREDENTIALS_LEN: usize = header::ALLOW_CREDENTIALS.len();
const EXPOSE_HEADERS_LEN: usize = header::EXPOSE_HEADERS.len();

/// Set once a response carried CORS headers written inside a layer.
static WARNED_INSIDE: AtomicBool = AtomicBool::new(false);

/// Makes `response` the decision's to write, and tells whether it has a `Vary` to merge, in one
/// pass over its header names (a handful on most responses): the CORS headers a handler or a
/// layer inside wrote (an `Access-Control-Allow-Origin` that echoes any origin, a stray
/// `Access-Control-Allow-Credentials: true`) are removed, so that whoever may read is the
/// policy's decision alone, and the first time this happens it is logged with the fix.
#[inline(always)]
fn take_over(response: &mut HeaderMap) -> bool {
    let mut vary = false;
    let mut inside = None;
    // Told apart by length first: most names have none of these four lengths.
    for name in response.keys() {
        match name.as_str().len() {
            VARY_LEN => vary |= *name == VARY,
            ALLOW_ORIGIN_LEN | ALLOW_CREDENTIALS_LEN | EXPOSE_HEADERS_LEN => {
                if let Some(i) = ON_ACTUAL.iter().position(|n| n == name) {
                    inside = Some(i);
                }
            }
            _ => {}
        }
    }
    if let Some(i) = inside {
        remove_inside(i, response);
    }
    vary
}

/// [`take_over`] when the response carries CORS headers written inside: they go, and the first
/// time this happens it is logged.
#[cold]
#[inline(never)]
fn remove_inside(found: usize, response: &mut HeaderMap) {
    crate::log::warn_once(&WARNED_INSIDE, || {
        let found = ON_ACTUAL.get(found).map_or("", HeaderName::as_str);
        format!(
            "a handler or a layer inside the CORS layer wrote {found} on a response; the CORS \
             policy decides that header on every response it covers, so it was removed and the \
             policy's decision written instead (an origin is echoed only when the policy allows \
             it). Remove the code that writes CORS headers by hand; a route that needs other \
             CORS rules takes a policy of its own: `get(handler).cors(&POLICY)`"
        )
    });
    for name in &ON_ACTUAL {
        response.remove(name);
    }
}

/// The value of `Access-Control-Allow-Origin` for `allow_origin`: `*`, the prepared value of
/// the exact origin `fixed_origin`, or the request's own `Origin` (a pattern's match).
#[inline(always)]
fn allow_origin_value(
    prepared: &Prepared,
    allow_origin: Option<&str>,
    fixed_origin: Option<usize>,
    request: Reuse<'_>,
) -> Option<HeaderValue> {
    let value = allow_origin?;
    if value == "*" {
        return Some(STAR);
    }
    let prepared = fixed_origin
        .and_then(|i| prepared.origins.get(i))
        .and_then(Option::as_ref);
    match prepared {
        Some(v) => Some(v.clone()),
        None => reuse(request.origin, value),
    }
}

impl Owned {
    /// Takes every header of a decision, reusing prepared values and the request's own. The
    /// pattern names every field of `CorsHeaders`: a header the core adds does not compile here
    /// until it is written.
    #[inline(always)]
    pub(crate) fn new(prepared: &Prepared, cors: &CorsHeaders<'_>, request: Reuse<'_>) -> Self {
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
        Owned {
            allow_origin: allow_origin_value(prepared, allow_origin, fixed_origin, request),
            allow_credentials,
            allow_methods: allow_methods.and_then(|v| reuse(request.request_method, v)),
            allow_headers: allow_headers.and_then(|v| reuse(request.request_headers, v)),
            allow_private_network,
            max_age: max_age.and_then(|v| reuse(prepared.max_age.as_ref(), v)),
            expose_headers: expose_headers.and_then(|v| reuse(prepared.expose.as_ref(), v)),
            vary,
        }
    }

    /// Sets the headers on a response, once the CORS headers written inside are removed
    /// ([`take_over`]): each CORS header replaces any earlier value, and `Vary`
    /// is merged with what the response already has into one line. The values move to the
    /// response: a decision is written once. The only place this crate writes CORS headers.
    #[inline(always)]
    pub(crate) fn write(&mut self, response: &mut HeaderMap) {
        let Owned {
            allow_origin,
            allow_credentials,
            allow_methods,
            allow_headers,
            allow_private_network,
            max_age,
            expose_headers,
            vary,
        } = self;
        let has_vary = take_over(response);
        if let Some(value) = allow_origin.take() {
            response.insert(ALLOW_ORIGIN, value);
        }
        if *allow_credentials {
            response.insert(ALLOW_CREDENTIALS, TRUE);
        }
        if let Some(value) = allow_methods.take() {
            response.insert(ALLOW_METHODS, value);
        }
        if let Some(value) = allow_headers.take() {
            response.insert(ALLOW_HEADERS, value);
        }
        if *allow_private_network {
            response.insert(ALLOW_PRIVATE_NETWORK, TRUE);
        }
        if let Some(value) = max_age.take() {
            response.insert(MAX_AGE, value);
        }
        if let Some(value) = expose_headers.take() {
            response.insert(EXPOSE_HEADERS, value);
        }
        write_vary(*vary, response, has_vary);
    }
}

/// The header value of one of the core's non-empty `Vary` token sets, told apart by their
/// number of tokens (1, 3 and 4) without comparing text, as the Actix adapter does.
#[inline]
fn vary_value(vary: Vary) -> HeaderValue {
    match vary.tokens().len() {
        1 => VARY_ORIGIN,
        3 => VARY_PREFLIGHT,
        _ => VARY_PREFLIGHT_PRIVATE_NETWORK,
    }
}

/// Merges CORS tokens into the response's `Vary` (one line) with the core's helper, keeping
/// whatever was there: `has_vary` says whether there is anything ([`take_over`] found it), and
/// without it the tokens' own line goes in at once.
#[inline(always)]
fn write_vary(vary: Vary, response: &mut HeaderMap, has_vary: bool) {
    if !has_vary {
        if !vary.is_empty() {
            response.insert(VARY, vary_value(vary));
        }
        return;
    }
    match response.entry(VARY) {
        Entry::Vacant(entry) => {
            if !vary.is_empty() {
                entry.insert(vary_value(vary));
            }
        }
        Entry::Occupied(entry) => merge_vary(vary, entry),
    }
}

/// [`write_vary`] when the response has a `Vary` of its own.
#[cold]
fn merge_vary(vary: Vary, mut entry: OccupiedEntry<'_, HeaderValue>) {
    let update = merge_vary_lines(|| entry.iter().map(HeaderValue::as_bytes), vary);
    let value = match update {
        VaryUpdate::Keep => return,
        VaryUpdate::Set(Cow::Borrowed(bytes)) if bytes == vary.value().as_bytes() => {
            Some(vary_value(vary))
        }
        VaryUpdate::Set(bytes) => merged(&bytes),
    };
    if let Some(value) = value {
        entry.insert(value);
    }
}

/// The value of a `Vary` merged with the response's own.
#[cold]
fn merged(bytes: &[u8]) -> Option<HeaderValue> {
    HeaderValue::from_bytes(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cors_shared::PolicySpec;
    use http::Method;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (n, v) in pairs {
            m.append(HeaderName::from_static(n), HeaderValue::from_static(v));
        }
        m
    }

    fn values(m: &HeaderMap, name: &str) -> Vec<String> {
        m.get_all(name)
            .iter()
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
        let uri = http::Uri::from_static("/");
        let parts = crate::request::Parts {
            method: &Method::GET,
            headers: &request,
            uri: &uri,
            version: http::Version::HTTP_11,
        };
        let (view, reuse) = crate::request::read(parts, &policy, false);
        let mut owned = Owned::new(&prepared, policy.decide(&view).headers(), reuse);
        owned.clone().write(&mut response);
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
    fn each_vary_set_is_written_as_its_own_value() {
        for vary in [
            Vary::ORIGIN,
            Vary::PREFLIGHT,
            Vary::PREFLIGHT_PRIVATE_NETWORK,
        ] {
            assert_eq!(vary_value(vary).as_bytes(), vary.value().as_bytes());
        }
    }

    #[test]
    fn vary_star_is_kept_and_lines_become_one() {
        let mut response = map(&[("vary", "*")]);
        write_vary(Vary::ORIGIN, &mut response, true);
        assert_eq!(values(&response, "vary"), ["*"]);
        let mut response = map(&[("vary", "Accept-Encoding"), ("vary", "accept-language")]);
        write_vary(Vary::ORIGIN, &mut response, true);
        assert_eq!(
            values(&response, "vary"),
            ["Accept-Encoding, accept-language, Origin"]
        );
    }

    #[test]
    fn every_core_header_is_written_under_its_core_name() {
        let policy = PolicySpec::new()
            .origin("https://app.example.re")
            .credentials(true)
            .methods(["PUT"])
            .headers(["x-a"])
            .max_age(60)
            .private_network(true)
            .expose(["x-b"])
            .validate()
            .unwrap();
        let cors = CorsHeaders {
            allow_origin: Some("https://app.example.re"),
            fixed_origin: None,
            allow_credentials: true,
            allow_methods: Some("PUT"),
            allow_headers: Some("x-a"),
            allow_private_network: true,
            max_age: Some("60"),
            expose_headers: Some("x-b"),
            vary: Vary::PREFLIGHT_PRIVATE_NETWORK,
        };
        let mut response = HeaderMap::new();
        let prepared = Prepared::new(&PolicySource::from(policy));
        Owned::new(&prepared, &cors, Reuse::default()).write(&mut response);
        // Written at once, the same headers.
        let mut direct = HeaderMap::new();
        write_decision(&prepared, &cors, Reuse::default(), &mut direct);
        assert_eq!(direct, response);
        for (name, value) in cors.iter() {
            assert_eq!(values(&response, name), [value], "{name}");
        }
        assert_eq!(response.len(), cors.iter().count() + 1);
        assert_eq!(
            values(&response, "vary"),
            [Vary::PREFLIGHT_PRIVATE_NETWORK.value()]
        );
    }
}
