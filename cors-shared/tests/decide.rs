//! The request rules: what `Policy::decide` answers, header by header.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_shared::{
    merge_vary, CorsHeaders, Decision, HeaderLines, Policy, PolicySpec, Refusal, RequestView, Vary,
    VaryUpdate, MAX_HEADER_NAME_LEN,
};

const APP: &str = "https://app.example.re";

fn policy(spec: PolicySpec) -> Policy {
    spec.validate().unwrap_or_else(|e| panic!("{e}"))
}

fn private() -> Policy {
    policy(
        PolicySpec::new()
            .origins([APP, "https://dashboard.example.re"])
            .credentials(true)
            .methods(["GET", "PUT", "DELETE"])
            .headers(["content-type", "x-custom"])
            .expose(["x-total-count"])
            .max_age(600),
    )
}

fn public() -> Policy {
    policy(PolicySpec::new().origin("*").expose(["x-request-id"]))
}

fn actual<'a>(method: &'a str, origin: Option<&'a str>) -> RequestView<'a> {
    let mut r = RequestView::new(method.as_bytes());
    if let Some(o) = origin {
        r.origin = HeaderLines::One(o.as_bytes());
    }
    r
}

fn preflight<'a>(origin: &'a str, method: &'a str, headers: Option<&'a str>) -> RequestView<'a> {
    let mut r = actual("OPTIONS", Some(origin));
    r.request_method = HeaderLines::One(method.as_bytes());
    if let Some(h) = headers {
        r.request_headers = HeaderLines::One(h.as_bytes());
    }
    r
}

fn pairs(d: &Decision<'_>) -> Vec<(&'static str, String)> {
    d.headers().iter().map(|(n, v)| (n, v.to_owned())).collect()
}

fn refusal_of(d: Decision<'_>) -> String {
    d.refusal().map(ToString::to_string).unwrap_or_default()
}

#[test]
fn no_origin_is_not_cors_and_varies_on_origin_for_an_allowlist() {
    let p = private();
    let d = p.decide(&actual("GET", None));
    assert_eq!(
        d,
        Decision::NotCors(CorsHeaders {
            vary: Vary::ORIGIN,
            ..CorsHeaders::default()
        })
    );
    assert!(pairs(&d).is_empty());
}

#[test]
fn no_origin_with_wildcard_policy_sends_star_and_no_vary() {
    let p = public();
    let d = p.decide(&actual("GET", None));
    assert_eq!(
        pairs(&d),
        [
            ("access-control-allow-origin", "*".to_owned()),
            ("access-control-expose-headers", "x-request-id".to_owned())
        ]
    );
    assert_eq!(d.headers().vary, Vary::NONE);
}

#[test]
fn actual_request_from_allowed_origin_gets_origin_credentials_and_expose() {
    let p = private();
    let d = p.decide(&actual("GET", Some(APP)));
    assert!(matches!(d, Decision::ActualAllowed(_)));
    assert_eq!(
        pairs(&d),
        [
            ("access-control-allow-origin", APP.to_owned()),
            ("access-control-allow-credentials", "true".to_owned()),
            ("access-control-expose-headers", "x-total-count".to_owned()),
        ]
    );
    assert_eq!(d.headers().vary.value(), "Origin");
    assert_eq!(d.preflight_status(), None);
}

#[test]
fn actual_request_from_other_origin_gets_only_vary() {
    let p = private();
    let d = p.decide(&actual("GET", Some("https://evil.example")));
    assert!(matches!(
        d,
        Decision::ActualRefused(Refusal::OriginNotAllowed(b"https://evil.example"), _)
    ));
    assert!(pairs(&d).is_empty());
    assert_eq!(d.headers().vary, Vary::ORIGIN);
    assert_eq!(
        refusal_of(d),
        "origin `https://evil.example` is not allowed by the policy"
    );
}

#[test]
fn actual_request_with_wildcard_policy_gets_star_without_vary() {
    let p = public();
    let d = p.decide(&actual("POST", Some("https://anyone.example")));
    assert_eq!(d.headers().allow_origin, Some("*"));
    assert!(!d.headers().allow_credentials);
    assert_eq!(d.headers().vary, Vary::NONE);
}

#[test]
fn two_origin_lines_are_refused() {
    let p = private();
    let mut r = actual("GET", None);
    r.origin = HeaderLines::from_values([APP.as_bytes(), APP.as_bytes()]);
    let d = p.decide(&r);
    assert!(matches!(
        d,
        Decision::ActualRefused(Refusal::MultipleOrigins, _)
    ));
    r.method = b"OPTIONS";
    r.request_method = HeaderLines::One(b"PUT");
    assert_eq!(p.decide(&r).preflight_status(), Some(403));
}

#[test]
fn malformed_origin_is_refused_even_by_a_wildcard_policy_and_varies() {
    let p = public();
    let d = p.decide(&actual("GET", Some("https://EVIL.example")));
    assert!(matches!(
        d,
        Decision::ActualRefused(Refusal::MalformedOrigin(_), _)
    ));
    assert!(pairs(&d).is_empty());
    assert_eq!(d.headers().vary, Vary::ORIGIN);
    assert_eq!(
        refusal_of(d),
        "`Origin: https://EVIL.example` is not a serialized origin as browsers send it"
    );
}

#[test]
fn preflight_allowed_answers_204_with_every_header() {
    let p = private();
    let d = p.decide(&preflight(APP, "PUT", Some("content-type,x-custom")));
    assert_eq!(d.preflight_status(), Some(204));
    assert_eq!(
        pairs(&d),
        [
            ("access-control-allow-origin", APP.to_owned()),
            ("access-control-allow-credentials", "true".to_owned()),
            ("access-control-allow-methods", "PUT".to_owned()),
            (
                "access-control-allow-headers",
                "content-type,x-custom".to_owned()
            ),
            ("access-control-max-age", "600".to_owned()),
        ]
    );
    assert_eq!(
        d.headers().vary.value(),
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    );
}

#[test]
fn preflight_for_safelisted_method_needs_no_listing() {
    let p = policy(PolicySpec::new().origin(APP));
    for m in ["GET", "HEAD", "POST"] {
        let d = p.decide(&preflight(APP, m, None));
        assert_eq!(d.preflight_status(), Some(204), "{m}");
        assert_eq!(d.headers().allow_methods, Some(m));
    }
    assert_eq!(
        p.decide(&preflight(APP, "PUT", None)).preflight_status(),
        Some(403)
    );
}

#[test]
fn preflight_method_is_compared_case_sensitively() {
    let p = private();
    let d = p.decide(&preflight(APP, "put", None));
    assert!(matches!(
        d,
        Decision::PreflightRefused(Refusal::MethodNotAllowed(b"put"), _)
    ));
}

#[test]
fn preflight_refused_answers_403_with_only_vary() {
    let p = private();
    let d = p.decide(&preflight(APP, "PATCH", None));
    assert_eq!(d.preflight_status(), Some(403));
    assert!(pairs(&d).is_empty());
    assert_eq!(d.headers().vary, Vary::PREFLIGHT);
    assert_eq!(refusal_of(d), "method `PATCH` is not allowed by the policy");
    let d = p.decide(&preflight("https://evil.example", "GET", None));
    assert_eq!(d.preflight_status(), Some(403));
    assert_eq!(d.headers().vary, Vary::PREFLIGHT);
}

#[test]
fn preflight_with_empty_repeated_or_invalid_request_method_is_refused() {
    let p = private();
    for m in ["", "GET PUT", "GET,PUT", "G\"ET"] {
        let d = p.decide(&preflight(APP, m, None));
        assert!(
            matches!(
                d,
                Decision::PreflightRefused(Refusal::MalformedRequestMethod, _)
            ),
            "{m:?}"
        );
    }
    let mut r = preflight(APP, "PUT", None);
    r.request_method = HeaderLines::Many;
    assert!(matches!(
        p.decide(&r),
        Decision::PreflightRefused(Refusal::MalformedRequestMethod, _)
    ));
    let long = "A".repeat(1000);
    assert!(matches!(
        p.decide(&preflight(APP, &long, None)),
        Decision::PreflightRefused(Refusal::MalformedRequestMethod, _)
    ));
}

#[test]
fn preflight_headers_match_case_insensitively_in_any_order() {
    let p = private();
    let d = p.decide(&preflight(APP, "PUT", Some(" X-Custom ,\tContent-Type ")));
    assert_eq!(d.preflight_status(), Some(204));
    assert_eq!(d.headers().allow_headers, Some("X-Custom ,\tContent-Type"));
}

#[test]
fn preflight_with_duplicate_request_header_is_refused() {
    let p = private();
    let d = p.decide(&preflight(APP, "PUT", Some("x-custom,X-CUSTOM")));
    assert!(matches!(
        d,
        Decision::PreflightRefused(Refusal::DuplicateRequestHeader(b"X-CUSTOM"), _)
    ));
}

#[test]
fn preflight_tolerates_sixteen_empty_elements_but_not_seventeen() {
    let p = private();
    let ok = format!("x-custom{}", ",".repeat(16));
    assert_eq!(
        p.decide(&preflight(APP, "PUT", Some(&ok)))
            .preflight_status(),
        Some(204)
    );
    let too_many = format!("x-custom{}", ",".repeat(17));
    assert!(matches!(
        p.decide(&preflight(APP, "PUT", Some(&too_many))),
        Decision::PreflightRefused(Refusal::MalformedRequestHeaders, _)
    ));
}

#[test]
fn preflight_with_long_whitespace_run_is_refused() {
    let p = private();
    let ok = format!("x-custom,{}content-type", " ".repeat(16));
    assert_eq!(
        p.decide(&preflight(APP, "PUT", Some(&ok)))
            .preflight_status(),
        Some(204)
    );
    let long = format!("x-custom,{}content-type", " ".repeat(17));
    assert!(matches!(
        p.decide(&preflight(APP, "PUT", Some(&long))),
        Decision::PreflightRefused(Refusal::MalformedRequestHeaders, _)
    ));
}

#[test]
fn preflight_with_unlisted_header_is_refused_and_names_it() {
    let p = private();
    let d = p.decide(&preflight(APP, "PUT", Some("content-type,x-other")));
    assert!(matches!(
        d,
        Decision::PreflightRefused(Refusal::HeaderNotAllowed(b"x-other"), _)
    ));
    assert_eq!(
        refusal_of(d),
        "request header `x-other` is not allowed by the policy"
    );
}

#[test]
fn a_refused_header_longer_than_every_allowed_one_is_named_whole() {
    let p = private();
    let d = p.decide(&preflight(
        APP,
        "PUT",
        Some("content-type, x-correlation-identifier"),
    ));
    assert_eq!(
        refusal_of(d),
        "request header `x-correlation-identifier` is not allowed by the policy"
    );
    let none = policy(PolicySpec::new().origin(APP));
    let d = none.decide(&preflight(APP, "GET", Some("x-foo")));
    assert!(matches!(
        d,
        Decision::PreflightRefused(Refusal::HeaderNotAllowed(b"x-foo"), _)
    ));
    // The longest name read whole.
    let longest = "x".repeat(MAX_HEADER_NAME_LEN);
    let d = none.decide(&preflight(APP, "GET", Some(&longest)));
    assert_eq!(
        refusal_of(d),
        format!("request header `{longest}` is not allowed by the policy")
    );
}

#[test]
fn preflight_with_only_empty_request_headers_echoes_nothing() {
    let p = private();
    let d = p.decide(&preflight(APP, "PUT", Some(" , ")));
    assert_eq!(d.preflight_status(), Some(204));
    assert_eq!(d.headers().allow_headers, None);
}

#[test]
fn wildcard_headers_never_cover_authorization() {
    let p = policy(PolicySpec::new().origin(APP).headers(["*"]));
    assert_eq!(
        p.decide(&preflight(APP, "GET", Some("x-anything,x-else")))
            .preflight_status(),
        Some(204)
    );
    let d = p.decide(&preflight(APP, "GET", Some("x-anything,Authorization")));
    assert!(matches!(
        d,
        Decision::PreflightRefused(Refusal::HeaderNotAllowed(b"Authorization"), _)
    ));
    let p = policy(
        PolicySpec::new()
            .origin(APP)
            .headers(["*", "authorization"]),
    );
    assert_eq!(
        p.decide(&preflight(APP, "GET", Some("x-anything,authorization")))
            .preflight_status(),
        Some(204)
    );
}

#[test]
fn wildcard_methods_allow_any_method() {
    let p = policy(PolicySpec::new().origin(APP).methods(["*"]));
    let d = p.decide(&preflight(APP, "PROPFIND", None));
    assert_eq!(d.headers().allow_methods, Some("PROPFIND"));
}

#[test]
fn request_headers_work_is_bounded_by_the_policy() {
    let p = private();
    // Far more names than the policy allows: refused before reading them all.
    let many = vec!["x-custom,content-type"; 50_000].join(",");
    assert!(matches!(
        p.decide(&preflight(APP, "PUT", Some(&many))),
        Decision::PreflightRefused(Refusal::TooManyRequestHeaders, _)
    ));
    // One enormous name: refused after reading at most `MAX_HEADER_NAME_LEN` bytes of it.
    let huge = "x".repeat(1_000_000);
    let d = p.decide(&preflight(APP, "PUT", Some(&huge)));
    assert!(matches!(
        d,
        Decision::PreflightRefused(Refusal::HeaderNameTooLong(name), _)
            if name.len() == MAX_HEADER_NAME_LEN
    ));
    assert_eq!(
        refusal_of(d),
        format!(
            "request header `{}...` is not allowed by the policy: its name is longer than 256 \
             bytes",
            "x".repeat(256)
        )
    );
    let any = policy(PolicySpec::new().origin(APP).headers(["*"]));
    let most = (0..64)
        .map(|i| format!("x-h{i}"))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        any.decide(&preflight(APP, "GET", Some(&most)))
            .preflight_status(),
        Some(204)
    );
    let too_many = (0..65)
        .map(|i| format!("x-h{i}"))
        .collect::<Vec<_>>()
        .join(",");
    assert!(matches!(
        any.decide(&preflight(APP, "GET", Some(&too_many))),
        Decision::PreflightRefused(Refusal::TooManyRequestHeaders, _)
    ));
}

#[test]
fn options_without_request_method_is_an_actual_request() {
    let p = private();
    let d = p.decide(&actual("OPTIONS", Some(APP)));
    assert!(matches!(d, Decision::ActualAllowed(_)));
    assert_eq!(d.preflight_status(), None);
}

#[test]
fn options_with_request_method_but_no_origin_is_not_cors() {
    let p = private();
    let mut r = actual("OPTIONS", None);
    r.request_method = HeaderLines::One(b"PUT");
    assert!(!r.is_preflight());
    assert!(matches!(p.decide(&r), Decision::NotCors(_)));
}

#[test]
fn null_origin_is_allowed_only_with_the_opt_in() {
    let sandbox = policy(PolicySpec::new().origin("null").allow_null_origin(true));
    assert_eq!(
        sandbox
            .decide(&actual("GET", Some("null")))
            .headers()
            .allow_origin,
        Some("null")
    );
    let p = private();
    assert!(matches!(
        p.decide(&actual("GET", Some("null"))),
        Decision::ActualRefused(Refusal::OriginNotAllowed(b"null"), _)
    ));
    assert_eq!(
        public()
            .decide(&actual("GET", Some("null")))
            .headers()
            .allow_origin,
        Some("*")
    );
}

#[test]
fn subdomain_pattern_matches_any_depth_but_never_the_apex() {
    let p = policy(
        PolicySpec::new()
            .origin("https://*.example.re")
            .credentials(true),
    );
    for o in ["https://api.example.re", "https://a.b.c.example.re"] {
        assert!(p.allows_origin(o), "{o}");
    }
    for o in [
        "https://example.re",
        "https://evilexample.re",
        "https://api.example.re.evil.net",
        "http://api.example.re",
        "https://api.example.re:8443",
        "https://.example.re",
    ] {
        assert!(!p.allows_origin(o), "{o}");
    }
}

#[test]
fn subdomain_pattern_with_port() {
    let p =
        policy(PolicySpec::new().origins(["https://*.example.re:8443", "https://*.other.re:*"]));
    assert!(p.allows_origin("https://api.example.re:8443"));
    assert!(!p.allows_origin("https://api.example.re"));
    assert!(!p.allows_origin("https://api.example.re:9443"));
    assert!(p.allows_origin("https://x.y.other.re:1234"));
    assert!(!p.allows_origin("https://x.y.other.re"));
}

#[test]
fn port_pattern_needs_an_explicit_port() {
    let p = policy(
        PolicySpec::new()
            .origins(["http://localhost:*", "http://127.0.0.1:*"])
            .credentials(true),
    );
    assert!(p.allows_origin("http://localhost:3000"));
    assert!(p.allows_origin("http://127.0.0.1:65535"));
    assert!(!p.allows_origin("http://localhost"));
    assert!(!p.allows_origin("https://localhost:3000"));
    assert!(!p.allows_origin("http://localhost:03000"));
    assert!(!p.allows_origin("http://localhost:0"));
    assert!(!p.allows_origin("http://localhost.evil.net:3000"));
    assert!(!p.allows_origin("http://app.localhost:3000"));
}

#[test]
fn concatenated_allowed_names_are_not_allowed() {
    let p = policy(PolicySpec::new().origins(["https://foo.com", "https://bar.com"]));
    assert!(p.allows_origin("https://foo.com"));
    assert!(!p.allows_origin("https://barfoo.com"));
    assert!(!p.allows_origin("https://foobar.com"));
    assert!(!p.allows_origin("https://foo.combar.com"));
}

#[test]
fn exact_origin_found_among_ten_thousand() {
    let origins: Vec<String> = (0..10_000)
        .map(|i| format!("https://app{i}.example.re"))
        .collect();
    let p = policy(PolicySpec::new().origins(origins.iter().cloned()));
    assert!(p.allows_origin("https://app0.example.re"));
    assert!(p.allows_origin("https://app9999.example.re"));
    assert!(!p.allows_origin("https://app10000.example.re"));
    assert!(!p.allows_origin("https://app99999.example.re"));
}

#[test]
fn ip_origins_match_byte_for_byte() {
    let p = policy(PolicySpec::new().origins(["http://[::1]:3000", "http://10.0.0.1:8080"]));
    assert!(p.allows_origin("http://[::1]:3000"));
    assert!(!p.allows_origin("http://[0::1]:3000"));
    assert!(p.allows_origin("http://10.0.0.1:8080"));
    assert!(!p.allows_origin("http://10.0.0.01:8080"));
}

#[test]
fn private_network_preflight_needs_the_policy_to_allow_it() {
    let mut r = preflight(APP, "GET", None);
    r.request_private_network = HeaderLines::One(b"true");
    let p = private();
    assert!(matches!(
        p.decide(&r),
        Decision::PreflightRefused(Refusal::PrivateNetworkNotAllowed, _)
    ));
    let p = policy(PolicySpec::new().origin(APP).private_network(true));
    let d = p.decide(&r);
    assert!(d.headers().allow_private_network);
    assert!(pairs(&d).contains(&("access-control-allow-private-network", "true".to_owned())));
    assert_eq!(d.headers().vary, Vary::PREFLIGHT_PRIVATE_NETWORK);
}

#[test]
fn no_max_age_header_without_max_age() {
    let p = policy(PolicySpec::new().origin(APP));
    assert_eq!(
        p.decide(&preflight(APP, "GET", None)).headers().max_age,
        None
    );
}

#[test]
fn vary_is_set_when_absent() {
    assert_eq!(
        merge_vary(&[], Vary::PREFLIGHT),
        VaryUpdate::Set(Vary::PREFLIGHT.value().as_bytes().into())
    );
    assert_eq!(
        merge_vary(&[b"  "], Vary::ORIGIN),
        VaryUpdate::Set(b"Origin"[..].into())
    );
}

#[test]
fn vary_keeps_what_was_there_and_appends_missing_tokens() {
    assert_eq!(
        merge_vary(&[b"Accept-Encoding", b"origin"], Vary::PREFLIGHT),
        VaryUpdate::Set(
            b"Accept-Encoding, origin, Access-Control-Request-Method, Access-Control-Request-Headers"
                .to_vec()
                .into()
        )
    );
}

#[test]
fn vary_is_left_alone_when_complete_or_star() {
    assert_eq!(
        merge_vary(&[b"ORIGIN, accept"], Vary::ORIGIN),
        VaryUpdate::Keep
    );
    assert_eq!(
        merge_vary(&[b"accept, *"], Vary::PREFLIGHT),
        VaryUpdate::Keep
    );
    assert_eq!(merge_vary(&[b"accept"], Vary::NONE), VaryUpdate::Keep);
}

#[test]
fn vary_lines_become_one_line() {
    // Some caches read only the first `Vary` line: several lines are merged even when every
    // token is already there, and `*` anywhere stands for them all.
    assert_eq!(
        merge_vary(&[b"accept", b"*"], Vary::PREFLIGHT),
        VaryUpdate::Set(b"*"[..].into())
    );
    assert_eq!(
        merge_vary(&[b"Accept-Encoding", b"Origin"], Vary::ORIGIN),
        VaryUpdate::Set(b"Accept-Encoding, Origin".to_vec().into())
    );
    assert_eq!(
        merge_vary(&[b"Accept-Encoding", b"Accept-Language"], Vary::NONE),
        VaryUpdate::Set(b"Accept-Encoding, Accept-Language".to_vec().into())
    );
}

#[test]
fn fixed_origin_names_the_exact_entry_that_allowed() {
    let p = policy(PolicySpec::new().origins([
        "https://*.example.re",
        APP,
        "https://dashboard.example.re",
    ]));
    let fixed: Vec<&str> = p.fixed_origins().collect();
    let entry = |origin: &str| {
        let view = actual("GET", Some(origin));
        match p.decide(&view) {
            Decision::ActualAllowed(h) => h.fixed_origin.map(|i| fixed[i].to_owned()),
            other => panic!("{origin}: {other:?}"),
        }
    };
    assert_eq!(entry(APP).as_deref(), Some(APP));
    assert_eq!(
        entry("https://dashboard.example.re").as_deref(),
        Some("https://dashboard.example.re")
    );
    // Allowed by a pattern: no exact entry to reuse.
    assert_eq!(entry("https://tenant.example.re"), None);
    let mut pre = actual("OPTIONS", Some(APP));
    pre.request_method = HeaderLines::One(b"GET");
    let Decision::PreflightAllowed(h) = p.decide(&pre) else {
        panic!("preflight refused")
    };
    assert_eq!(h.fixed_origin.map(|i| fixed[i]), Some(APP));
    // `*` writes `*`, never an entry.
    let view = actual("GET", Some(APP));
    let public = public();
    let Decision::ActualAllowed(h) = public.decide(&view) else {
        panic!("refused")
    };
    assert_eq!((h.allow_origin, h.fixed_origin), (Some("*"), None));
}

#[test]
fn preflight_only_headers_are_only_on_preflights() {
    let p = private();
    let view = actual("GET", Some(APP));
    let actual_headers = *p.decide(&view).headers();
    let mut pre = actual("OPTIONS", Some(APP));
    pre.request_method = HeaderLines::One(b"PUT");
    pre.request_headers = HeaderLines::One(b"content-type");
    let preflight_headers = *p.decide(&pre).headers();
    let names = |h: &CorsHeaders<'_>| h.entries().map(|(h, _)| h).collect::<Vec<_>>();
    assert!(names(&actual_headers).iter().all(|h| !h.preflight_only()));
    assert!(names(&preflight_headers).iter().any(|h| h.preflight_only()));
    assert!(!names(&preflight_headers).contains(&cors_shared::CorsHeader::ExposeHeaders));
}

#[test]
fn an_origin_spelled_as_a_pattern_of_the_policy_is_malformed_not_allowed() {
    // Patterns are keys of the same table as exact origins: a request that sends a pattern's
    // own text must not be found as if it were an exact origin.
    let p = policy(PolicySpec::new().origins(["https://*.example.re", "http://localhost:*", APP]));
    for sent in ["https://*.example.re", "http://localhost:*"] {
        let view = actual("GET", Some(sent));
        match p.decide(&view) {
            Decision::ActualRefused(Refusal::MalformedOrigin(o), h) => {
                assert_eq!(o, sent.as_bytes());
                assert_eq!(h.allow_origin, None);
            }
            other => panic!("{sent}: {other:?}"),
        }
    }
}
