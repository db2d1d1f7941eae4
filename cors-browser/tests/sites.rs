//! `Sec-Fetch-Site`: same origin, same site (schemeful, by the Public Suffix List) or cross-site,
//! for a page's origin and the URL it fetches.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_browser::{fetch_site, same_site, FetchSite, Url};

fn site(page_origin: &str, url: &str) -> &'static str {
    fetch_site(page_origin, &Url::parse(url).unwrap()).as_str()
}

#[test]
fn the_same_scheme_host_and_port_is_same_origin() {
    assert_eq!(
        site("https://app.example.re", "https://app.example.re/api?x"),
        "same-origin"
    );
    assert_eq!(
        site("https://app.example.re", "HTTPS://APP.example.re:443/"),
        "same-origin"
    );
    assert_eq!(
        site("http://localhost:3000", "http://localhost:3000/data"),
        "same-origin"
    );
}

#[test]
fn subdomains_of_one_registrable_domain_are_same_site() {
    for (page, url) in [
        ("https://app.example.re", "https://api.example.re/"),
        ("https://example.re", "https://api.example.re/"),
        ("https://a.b.example.re", "https://example.re/"),
        // Ports are no part of a site.
        ("https://app.example.re", "https://app.example.re:8443/"),
        // A multi-label public suffix of the ICANN section.
        ("https://www.acme.co.uk", "https://api.acme.co.uk/"),
        // Under a private suffix, below the registrable domain.
        ("https://myname.github.io", "https://docs.myname.github.io/"),
        // Internationalised hosts compare in their ASCII form.
        (
            "https://xn--bcher-kva.example",
            "https://shop.bücher.example/",
        ),
    ] {
        assert_eq!(site(page, url), "same-site", "{page} -> {url}");
    }
}

#[test]
fn hosts_on_either_side_of_a_public_suffix_are_cross_site() {
    for (page, url) in [
        // `github.io` is a public suffix of the private section: anyone registers under it.
        ("https://a.github.io", "https://b.github.io/"),
        ("https://github.io", "https://a.github.io/"),
        ("https://acme.co.uk", "https://rival.co.uk/"),
        ("https://app.example.re", "https://app.example.net/"),
        // `*.ck` makes every `x.ck` public; `!www.ck` makes `www.ck` registrable again.
        ("https://a.foo.ck", "https://b.foo.ck/"),
        ("https://www.ck", "https://foo.ck/"),
    ] {
        assert_eq!(site(page, url), "cross-site", "{page} -> {url}");
    }
    assert_eq!(
        site("https://a.b.foo.ck", "https://c.b.foo.ck/"),
        "same-site"
    );
}

#[test]
fn another_scheme_is_another_site() {
    assert_eq!(
        site("http://app.example.re", "https://app.example.re/"),
        "cross-site"
    );
    assert_eq!(
        site("https://app.example.re", "http://api.example.re/"),
        "cross-site"
    );
}

#[test]
fn an_ip_address_is_its_own_site() {
    assert_eq!(
        site("http://127.0.0.1:3000", "http://127.0.0.1:8080/"),
        "same-site"
    );
    assert_eq!(
        site("http://127.0.0.1:3000", "http://127.0.0.2:3000/"),
        "cross-site"
    );
    // The URL parser's forms of one address are one address.
    assert_eq!(
        site("http://[::1]:3000", "http://[0:0:0:0:0:0:0:1]:8080/"),
        "same-site"
    );
    assert_eq!(
        site("http://127.0.0.1:3000", "http://localhost:3000/"),
        "cross-site"
    );
    assert_eq!(site("http://127.0.0.1", "http://0x7f.1:8080/"), "same-site");
}

#[test]
fn an_opaque_page_origin_is_cross_site_with_everything() {
    assert_eq!(site("null", "https://app.example.re/"), "cross-site");
    let data = Url::parse("data:text/plain,hi").unwrap();
    assert!(!same_site(&data, &data));
}

#[test]
fn after_redirects_the_farthest_relation_counts() {
    let page = "https://app.example.re";
    let chain = |urls: &[&str]| {
        urls.iter()
            .map(|u| fetch_site(page, &Url::parse(u).unwrap()))
            .max()
            .unwrap()
    };
    assert_eq!(
        chain(&["https://app.example.re/a", "https://api.example.re/b"]),
        FetchSite::SameSite
    );
    assert_eq!(
        chain(&["https://evil.example/a", "https://app.example.re/back-home"]),
        FetchSite::CrossSite
    );
    assert_eq!(FetchSite::SameOrigin.to_string(), "same-origin");
}
