//! The policies and requests both core benchmarks measure (`decide.rs` in time,
//! `instructions.rs` in instructions).
#![allow(dead_code)] // Each benchmark uses its part.

use cors_shared::{HeaderLines, OriginSet, Policy, PolicySpec, RequestView};

/// A policy allowing `n` exact origins (`https://app{i}.example.re`) and two patterns, with
/// credentials, two methods and two headers.
pub(crate) fn policy(n: usize) -> Policy {
    PolicySpec::new()
        .origins((0..n).map(|i| format!("https://app{i}.example.re")))
        .origins(["https://*.tenant.example.re", "http://localhost:*"])
        .credentials(true)
        .methods(["PUT", "DELETE"])
        .headers(["content-type", "x-custom"])
        .expose(["x-total-count"])
        .max_age(600)
        .validate()
        .expect("the benchmark's policy is valid")
}

/// The decision paths, each with its request.
pub(crate) fn requests() -> [(&'static str, RequestView<'static>); 5] {
    let no_origin = RequestView::new(b"GET");
    let mut allowed = RequestView::new(b"GET");
    allowed.origin = HeaderLines::One(b"https://app7.example.re");
    let mut refused = RequestView::new(b"GET");
    refused.origin = HeaderLines::One(b"https://evil.example");
    let mut subdomain = RequestView::new(b"GET");
    subdomain.origin = HeaderLines::One(b"https://a.b.tenant.example.re");
    let mut preflight = RequestView::new(b"OPTIONS");
    preflight.origin = HeaderLines::One(b"https://app7.example.re");
    preflight.request_method = HeaderLines::One(b"PUT");
    preflight.request_headers = HeaderLines::One(b"content-type,x-custom");
    [
        ("no_origin", no_origin),
        ("actual_allowed", allowed),
        ("actual_refused", refused),
        ("subdomain_allowed", subdomain),
        ("preflight_allowed", preflight),
    ]
}

/// The entries of a runtime set of `n` exact origins (`https://tenant{i}.example.re`) and one
/// pattern.
pub(crate) fn set_entries(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://tenant{i}.example.re"))
        .chain(["https://*.shops.example.re".to_owned()])
        .collect()
}

/// A policy over the runtime set `set`, filled with [`set_entries`]`(n)`.
pub(crate) fn over_set(set: &'static OriginSet, n: usize) -> Policy {
    set.replace(set_entries(n))
        .expect("the benchmark's set entries are valid");
    PolicySpec::new()
        .origin_set(set)
        .credentials(true)
        .methods(["PUT"])
        .validate()
        .expect("the benchmark's set policy is valid")
}

/// An actual request from an exact entry of the runtime set, and one matching its pattern.
pub(crate) fn set_requests() -> [(&'static str, RequestView<'static>); 2] {
    let mut tenant = RequestView::new(b"GET");
    tenant.origin = HeaderLines::One(b"https://tenant7.example.re");
    let mut shop = RequestView::new(b"GET");
    shop.origin = HeaderLines::One(b"https://a.shops.example.re");
    [("set_exact", tenant), ("set_pattern", shop)]
}

/// Cross-site writes to `api.example.re` (`POST`, `Sec-Fetch-Site: cross-site`), for write
/// protection: from an allowed origin, and from one the policy refuses.
pub(crate) fn write_requests() -> [(&'static str, RequestView<'static>); 2] {
    let mut allowed = RequestView::new(b"POST");
    allowed.origin = HeaderLines::One(b"https://app7.example.re");
    allowed.sec_fetch_site = HeaderLines::One(b"cross-site");
    allowed.host = HeaderLines::One(b"api.example.re");
    let mut refused = allowed;
    refused.origin = HeaderLines::One(b"https://evil.example");
    [("write_allowed", allowed), ("write_refused", refused)]
}
