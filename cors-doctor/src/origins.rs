//! Origins the modes make up: siblings of the page's origin and origins nobody trusts.

use cors_browser::{is_http_scheme, Url};

/// An origin no site trusts (the `.example` top-level domain is reserved).
pub const UNRELATED_ORIGIN: &str = "https://cors-doctor-unrelated.example";

/// The scheme, host and port of an origin, or `None` for `null` and junk.
pub(crate) fn parts(origin: &str) -> Option<(String, String, Option<u16>)> {
    let url = Url::parse(origin).ok().filter(is_http_scheme)?;
    let host = url.host_str()?.to_owned();
    Some((url.scheme().to_owned(), host, url.port()))
}

/// `scheme://host[:port]`.
pub(crate) fn build(scheme: &str, host: &str, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    }
}

/// The parent domain of a host with three labels or more (`app.example.re` ->
/// `example.re`), else the host itself.
pub(crate) fn parent_domain(host: &str) -> String {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() >= 3 && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        labels
            .get(1..)
            .map(|l| l.join("."))
            .unwrap_or_else(|| host.to_owned())
    } else {
        host.to_owned()
    }
}

/// A sibling of `origin` that looks allowed if the site trusts its whole domain:
/// `https://app.example.re` -> `https://cors-doctor-probe.example.re`.
pub(crate) fn sibling(origin: &str) -> String {
    match parts(origin) {
        Some((scheme, host, port)) => build(
            &scheme,
            &format!("cors-doctor-probe.{}", parent_domain(&host)),
            port,
        ),
        None => "https://cors-doctor-probe.example".to_owned(),
    }
}
