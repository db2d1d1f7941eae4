//! The browser's side of the protocol, rule by rule, with the Fetch Standard's boundaries, and
//! no panic on any input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_browser::{
    cors_check, cors_unsafe_request_header_names, extract_values, follow_redirect, is_http_scheme,
    preflight_check, preflight_needed, readable_headers, safelist_verdict, same_origin,
    CorsFailure, HeaderVerdict, Hop, PreflightFailure, Redirect, RedirectFailure, UnsafeHeader,
    Url,
};
use proptest::prelude::*;

const APP: &str = "https://app.example.re";

#[test]
fn safelisted_values_may_be_128_bytes_not_129() {
    assert!(safelist_verdict("accept", &"a".repeat(128)).is_safelisted());
    assert_eq!(
        safelist_verdict("accept", &"a".repeat(129)),
        HeaderVerdict::ValueTooLong { len: 129 }
    );
    assert_eq!(
        safelist_verdict("content-type", &format!("text/plain;{}", "a".repeat(120))),
        HeaderVerdict::ValueTooLong { len: 131 }
    );
}

#[test]
fn content_type_is_judged_by_its_essence_and_its_bytes() {
    for ok in [
        "text/plain",
        "TEXT/Plain; charset=utf-8",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
    ] {
        assert!(safelist_verdict("Content-Type", ok).is_safelisted(), "{ok}");
    }
    assert_eq!(
        safelist_verdict("content-type", "application/json"),
        HeaderVerdict::ContentTypeNotSafelisted {
            essence: "application/json".into()
        }
    );
    assert_eq!(
        safelist_verdict("content-type", "text/plain; charset=\"utf-8\""),
        HeaderVerdict::UnsafeByte { byte: b'"' }
    );
    assert_eq!(
        safelist_verdict("content-type", "text"),
        HeaderVerdict::ContentTypeUnparsable
    );
}

#[test]
fn language_headers_allow_only_their_bytes() {
    assert!(safelist_verdict("accept-language", "en-US,de;q=0.5").is_safelisted());
    assert_eq!(
        safelist_verdict("content-language", "en_US"),
        HeaderVerdict::UnsafeByte { byte: b'_' }
    );
}

#[test]
fn range_is_safelisted_only_as_one_simple_range() {
    assert!(safelist_verdict("range", "bytes=0-").is_safelisted());
    assert!(safelist_verdict("range", "bytes=5-10").is_safelisted());
    for bad in ["bytes=10-5", "bytes=-5", "bytes=0-1,3-4", "items=0-1"] {
        assert_eq!(
            safelist_verdict("range", bad),
            HeaderVerdict::RangeNotSimple,
            "{bad}"
        );
    }
}

#[test]
fn more_than_1024_bytes_of_safelisted_values_need_a_preflight() {
    let v = "a".repeat(128);
    // 8 x 128 = 1024: still fine.
    let eight: Vec<(&str, &str)> = (0..8).map(|_| ("accept", v.as_str())).collect();
    assert_eq!(preflight_needed("GET", &eight), None);
    // One more byte over the total.
    let mut nine = eight.clone();
    nine.push(("accept-language", "e"));
    let need = preflight_needed("GET", &nine).unwrap();
    assert_eq!(need.header_names(), ["accept", "accept-language"]);
    assert!(matches!(
        need.headers[0],
        UnsafeHeader::OverTotal { total: 1025, .. }
    ));
}

#[test]
fn forbidden_headers_are_dropped_before_the_preflight_decision() {
    assert_eq!(
        preflight_needed("GET", &[("Cookie", "a=1"), ("Sec-Fetch-Mode", "cors")]),
        None
    );
    assert_eq!(
        cors_unsafe_request_header_names(&[("X-B", "1"), ("x-a", "1"), ("X-A", "2")]),
        ["x-a", "x-b"]
    );
}

#[test]
fn the_cors_check_follows_its_steps() {
    // Step 2: no header.
    let none: [(&str, &str); 0] = [];
    assert_eq!(
        cors_check(APP, false, &none),
        Err(CorsFailure::MissingAllowOrigin)
    );
    // Step 4: byte for byte, so case and a trailing slash matter.
    assert_eq!(
        cors_check(
            APP,
            false,
            &[("access-control-allow-origin", "https://APP.example.re")]
        ),
        Err(CorsFailure::AllowOriginMismatch(
            "https://APP.example.re".into()
        ))
    );
    assert_eq!(
        cors_check(
            APP,
            false,
            &[("access-control-allow-origin", "https://app.example.re/")]
        ),
        Err(CorsFailure::AllowOriginMismatch(
            "https://app.example.re/".into()
        ))
    );
    assert_eq!(
        cors_check(
            APP,
            false,
            &[("access-control-allow-origin", "app.example.re")]
        ),
        Err(CorsFailure::InvalidAllowOriginValue(
            "app.example.re".into()
        ))
    );
    // Two lines read as one value with a comma.
    assert_eq!(
        cors_check(
            APP,
            false,
            &[
                ("Access-Control-Allow-Origin", APP),
                ("access-control-allow-origin", "*")
            ]
        ),
        Err(CorsFailure::MultipleAllowOriginValues(
            "https://app.example.re, *".into()
        ))
    );
    // `null` is an origin like any other.
    assert_eq!(
        cors_check("null", false, &[("access-control-allow-origin", "null")]),
        Ok(())
    );
    // Steps 6 to 8: exactly `true`.
    for bad in ["True", "true ", "1", "true, true"] {
        let headers = [
            ("access-control-allow-origin", APP),
            ("access-control-allow-credentials", bad),
        ];
        assert!(
            matches!(
                cors_check(APP, true, &headers),
                Err(CorsFailure::InvalidAllowCredentials(_))
            ),
            "{bad:?}"
        );
    }
    assert_eq!(
        cors_check(APP, true, &[("access-control-allow-origin", APP)]),
        Err(CorsFailure::InvalidAllowCredentials(String::new()))
    );
}

fn allow(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut h = vec![("access-control-allow-origin", APP)];
    h.extend_from_slice(extra);
    h
}

#[test]
fn the_preflight_check_follows_its_steps() {
    let no_headers: [(&str, &str); 0] = [];
    // A redirect is refused first; then the CORS check; then the status.
    assert!(matches!(
        preflight_check(APP, false, "PUT", &no_headers, 307, &allow(&[])),
        Err(PreflightFailure::Redirect { status: 307, .. })
    ));
    assert_eq!(
        preflight_check(APP, false, "PUT", &no_headers, 401, &no_headers),
        Err(PreflightFailure::Cors(CorsFailure::MissingAllowOrigin))
    );
    assert_eq!(
        preflight_check(APP, false, "PUT", &no_headers, 401, &allow(&[])),
        Err(PreflightFailure::NotOk { status: 401 })
    );
    // 7.3: a list that does not parse.
    assert_eq!(
        preflight_check(
            APP,
            false,
            "PUT",
            &no_headers,
            204,
            &allow(&[("access-control-allow-methods", "PUT DELETE")])
        ),
        Err(PreflightFailure::InvalidAllowMethods("PUT DELETE".into()))
    );
    // 7.5: methods compare case-sensitively; `*` does not count with credentials.
    assert!(matches!(
        preflight_check(
            APP,
            false,
            "PATCH",
            &no_headers,
            204,
            &allow(&[("access-control-allow-methods", "patch")])
        ),
        Err(PreflightFailure::MethodNotAllowed { .. })
    ));
    let star = allow(&[
        ("access-control-allow-methods", "*"),
        ("access-control-allow-headers", "*"),
        ("access-control-allow-credentials", "true"),
    ]);
    assert!(preflight_check(APP, false, "PATCH", &[("x-a", "1")], 204, &star).is_ok());
    assert_eq!(
        preflight_check(APP, true, "PATCH", &no_headers, 204, &star),
        Err(PreflightFailure::MethodNotAllowed {
            method: "PATCH".into(),
            wildcard_with_credentials: true
        })
    );
    // 7.6 and 7.7: `authorization` must be named; `*` does not count with credentials.
    assert_eq!(
        preflight_check(APP, false, "GET", &[("Authorization", "x")], 204, &star),
        Err(PreflightFailure::HeaderNotAllowed {
            name: "authorization".into(),
            wildcard_did_not_apply: true
        })
    );
    let listed = allow(&[
        ("access-control-allow-methods", "PUT"),
        ("access-control-allow-headers", "Content-Type, X-Custom"),
        ("access-control-max-age", "600"),
    ]);
    let grant = preflight_check(
        APP,
        false,
        "PUT",
        &[("content-type", "application/json"), ("x-custom", "1")],
        204,
        &listed,
    )
    .unwrap();
    assert_eq!(grant.max_age, Some(600));
    assert_eq!(
        preflight_check(APP, false, "PUT", &[("x-other", "1")], 204, &listed),
        Err(PreflightFailure::HeaderNotAllowed {
            name: "x-other".into(),
            wildcard_did_not_apply: false
        })
    );
}

#[test]
fn readable_headers_are_the_safelist_and_the_exposed_never_set_cookie() {
    let response = [
        ("Content-Type", "text/plain"),
        ("Set-Cookie", "a=1"),
        ("X-A", "1"),
        ("access-control-expose-headers", "x-a, set-cookie"),
    ];
    let r = readable_headers(true, &response);
    assert_eq!(r.readable, ["content-type", "x-a"]);
    assert!(r.hidden.contains(&"set-cookie".to_owned()));
    let star = [
        ("set-cookie", "a=1"),
        ("x-b", "1"),
        ("access-control-expose-headers", "*"),
    ];
    assert_eq!(
        readable_headers(false, &star).readable,
        ["x-b", "access-control-expose-headers"]
    );
    // A list that does not parse exposes nothing.
    let bad = [("x-b", "1"), ("access-control-expose-headers", "x-b, (x)")];
    assert!(readable_headers(false, &bad).readable.is_empty());
    assert_eq!(
        extract_values(&bad, "access-control-expose-headers"),
        Err("(x)".into())
    );
}

fn hop<'a>(url: &'a Url, method: &'a str) -> Hop<'a> {
    Hop {
        page_origin: APP,
        url,
        tainted: false,
        method,
        redirects: 0,
    }
}

#[test]
fn redirects_follow_http_redirect_fetch() {
    let api = Url::parse("https://api.example.re/a").unwrap();
    // Same origin as the current URL: the page's origin stays.
    let same = follow_redirect(&hop(&api, "GET"), 302, Some("/b"), false)
        .unwrap()
        .unwrap();
    assert_eq!(same.origin, APP);
    assert!(!same.tainted);
    assert!(!same.drops_authorization);
    // Cross-origin from a URL that is not the page's origin: tainted.
    let other = follow_redirect(
        &hop(&api, "GET"),
        302,
        Some("https://cdn.example.re/b"),
        false,
    )
    .unwrap()
    .unwrap();
    assert_eq!(other.origin, "null");
    assert!(other.drops_authorization);
    // A redirect away from the page's own origin does not taint.
    let home = Url::parse("https://app.example.re/a").unwrap();
    let out = follow_redirect(
        &hop(&home, "GET"),
        302,
        Some("https://api.example.re/"),
        false,
    )
    .unwrap()
    .unwrap();
    assert_eq!(out.origin, APP);
    // Step 12: the method changes.
    let post = follow_redirect(&hop(&api, "POST"), 301, Some("/c"), false)
        .unwrap()
        .unwrap();
    assert_eq!(post.method, "GET");
    assert!(post.drops_body);
    let put = follow_redirect(&hop(&api, "PUT"), 307, Some("/c"), false)
        .unwrap()
        .unwrap();
    assert_eq!(put.method, "PUT");
    let put303 = follow_redirect(&hop(&api, "PUT"), 303, Some("/c"), false)
        .unwrap()
        .unwrap();
    assert_eq!(put303.method, "GET");
    // Step 4: no Location, no redirect.
    assert_eq!(
        follow_redirect(&hop(&api, "GET"), 302, None, false),
        Ok(None)
    );
    // Steps 6, 7 and 9/10.
    assert!(matches!(
        follow_redirect(&hop(&api, "GET"), 302, Some("ftp://x.example/"), false),
        Err(RedirectFailure::DisallowedScheme { .. })
    ));
    assert_eq!(
        follow_redirect(
            &Hop {
                redirects: 20,
                ..hop(&api, "GET")
            },
            302,
            Some("/d"),
            false
        ),
        Err(RedirectFailure::TooMany)
    );
    let creds = follow_redirect(
        &hop(&api, "GET"),
        302,
        Some("https://u:p@api.example.re/"),
        false,
    );
    assert_eq!(
        creds.unwrap_err().chromium_message(),
        "Redirect location 'https://u:p@api.example.re/' contains a username and password, \
         which is disallowed for cross-origin requests."
    );
    // A preflight never follows.
    assert!(matches!(
        follow_redirect(&hop(&api, "OPTIONS"), 301, Some("/e"), true),
        Err(RedirectFailure::Preflight { .. })
    ));
}

/// Where a redirect from `base` with this `Location` goes.
fn next_location(base: &str, location: &str) -> Result<String, RedirectFailure> {
    let base = Url::parse(base).unwrap();
    follow_redirect(&hop(&base, "GET"), 302, Some(location), false)
        .map(|next| next.unwrap().location.to_string())
}

#[test]
fn a_relative_location_resolves_against_the_current_url() {
    let base = "http://127.0.0.1:8080/a/b?q#top";
    for (location, expected) in [
        ("c", "http://127.0.0.1:8080/a/c#top"),
        ("./c/../d", "http://127.0.0.1:8080/a/d#top"),
        ("../up", "http://127.0.0.1:8080/up#top"),
        ("/x?y", "http://127.0.0.1:8080/x?y#top"),
        ("?only-query", "http://127.0.0.1:8080/a/b?only-query#top"),
        ("#frag", "http://127.0.0.1:8080/a/b?q#frag"),
        ("//api.example.re/y", "http://api.example.re/y#top"),
        (r"\\api.example.re\z", "http://api.example.re/z#top"),
        (
            "  /spaces-trimmed  ",
            "http://127.0.0.1:8080/spaces-trimmed#top",
        ),
        (
            "HTTPS://API.Example.re:443/p",
            "https://api.example.re/p#top",
        ),
        (
            "https://bücher.example/",
            "https://xn--bcher-kva.example/#top",
        ),
    ] {
        assert_eq!(
            next_location(base, location).as_deref(),
            Ok(expected),
            "{location}"
        );
    }
}

#[test]
fn a_location_that_does_not_parse_is_a_network_error_that_says_why() {
    for (location, why) in [
        ("http://api.example.re:99999/", "invalid port number"),
        ("https://", "empty host"),
        ("http://[::1/", "invalid IPv6 address"),
    ] {
        let failure = next_location("https://api.example.re/a", location).unwrap_err();
        assert_eq!(failure.chromium_message(), "net::ERR_INVALID_REDIRECT");
        assert_eq!(
            failure.to_string(),
            format!("the redirect's Location `{location}` is not a URL: {why}")
        );
    }
}

#[test]
fn origins_serialize_as_browsers_send_them_and_compare_by_tuple() {
    for (url, origin) in [
        (
            "HTTPS://App.Example.RE:443/login?x#y",
            "https://app.example.re",
        ),
        ("http://app.example.re:80/", "http://app.example.re"),
        ("http://app.example.re:8080/", "http://app.example.re:8080"),
        ("http://[0:0:0:0:0:0:0:1]:3000/", "http://[::1]:3000"),
        ("http://0x7f.1/", "http://127.0.0.1"),
        ("https://bücher.example/", "https://xn--bcher-kva.example"),
        ("data:text/plain,hi", "null"),
    ] {
        let parsed = Url::parse(url).unwrap();
        assert_eq!(parsed.origin().ascii_serialization(), origin, "{url}");
    }
    let url = |s: &str| Url::parse(s).unwrap();
    let api = url("https://api.example.re/a");
    assert!(same_origin(&api, &url("https://api.example.re:443/b")));
    assert!(!same_origin(&api, &url("http://api.example.re/a")));
    assert!(!same_origin(&api, &url("https://api.example.re:8443/a")));
    assert!(!same_origin(&api, &url("https://app.example.re/a")));
    let data = url("data:text/plain,hi");
    assert!(!same_origin(&data, &data));
    assert!(is_http_scheme(&api));
    assert!(!is_http_scheme(&data));
}

#[test]
fn a_redirect_drops_body_headers_with_the_body_and_authorization_across_origins() {
    let api = Url::parse("https://api.example.re/a").unwrap();
    let headers = [
        "Content-Type",
        "content-language",
        "Content-Encoding",
        "content-location",
        "Authorization",
        "x-trace",
    ];
    let kept = |next: &Redirect| -> Vec<&str> {
        headers
            .iter()
            .copied()
            .filter(|h| next.keeps_header(h))
            .collect()
    };
    // 303 turns a PUT into a GET (body gone) on the same origin (Authorization stays).
    let same = follow_redirect(&hop(&api, "PUT"), 303, Some("/b"), false)
        .unwrap()
        .unwrap();
    assert_eq!(kept(&same), ["Authorization", "x-trace"]);
    // 307 keeps the method and body; another origin loses Authorization.
    let other = follow_redirect(
        &hop(&api, "PUT"),
        307,
        Some("https://cdn.example.re/b"),
        false,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        kept(&other),
        [
            "Content-Type",
            "content-language",
            "Content-Encoding",
            "content-location",
            "x-trace"
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_input_makes_the_browser_side_panic(
        method in ".{0,12}",
        origin in ".{0,40}",
        names in proptest::collection::vec(".{0,20}", 0..6),
        values in proptest::collection::vec(".{0,200}", 0..6),
        status in 0u16..1000,
        location in ".{0,60}",
        credentials in any::<bool>(),
    ) {
        let headers: Vec<(String, String)> =
            names.iter().cloned().zip(values.iter().cloned()).collect();
        let _ = preflight_needed(&method, &headers);
        let _ = cors_check(&origin, credentials, &headers);
        let _ = preflight_check(&origin, credentials, &method, &headers, status, &headers);
        let _ = readable_headers(credentials, &headers);
        for name in &names {
            let _ = extract_values(&headers, name);
        }
        if let Ok(url) = Url::parse(&location) {
            let _ = follow_redirect(&hop(&url, &method), status, Some(&origin), credentials);
        }
        let base = Url::parse("http://127.0.0.1:8080/a/b").unwrap();
        let _ = follow_redirect(&hop(&base, &method), status, Some(&location), credentials);
    }
}
