//! Write protection, one test per line of the rule (`tests/CONFORMANCE.md`, "Cross-origin write
//! protection"), each with the exact decision; then the settings (policy, application default,
//! public origins) and a property over arbitrary requests.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_shared::{
    CorsHeaders, CrossSiteWrite, Decision, ErrorKind, HeaderLines, Policy, PolicySpec, Refusal,
    RequestView, Vary, WriteProtection, WRITE_REFUSED_BODY,
};
use proptest::prelude::*;

const APP: &str = "https://app.example.re";
const EVIL: &str = "https://evil.example";
const API_HOST: &str = "api.example.re";
const API: &str = "https://api.example.re";

/// The conformance servers' `NOTES`: one trusted origin, credentials, protection on.
fn notes_spec() -> PolicySpec {
    PolicySpec::new()
        .origin(APP)
        .credentials(true)
        .methods(["GET", "POST", "PUT", "DELETE"])
        .headers(["content-type"])
        .protect_writes(true)
}

fn notes() -> Policy {
    notes_spec().validate().unwrap()
}

/// `POST /notes/public`: every origin may read, protection on.
fn public_spec() -> PolicySpec {
    PolicySpec::new()
        .origin("*")
        .methods(["POST"])
        .protect_writes(true)
}

fn public() -> Policy {
    public_spec().validate().unwrap()
}

/// A browser request to `api.example.re`.
fn req<'a>(method: &'a str, origin: Option<&'a str>, site: Option<&'a str>) -> RequestView<'a> {
    let mut r = RequestView::new(method.as_bytes());
    r.host = HeaderLines::One(API_HOST.as_bytes());
    if let Some(o) = origin {
        r.origin = HeaderLines::One(o.as_bytes());
    }
    if let Some(s) = site {
        r.sec_fetch_site = HeaderLines::One(s.as_bytes());
    }
    r
}

fn handshake<'a>(origin: Option<&'a str>, site: Option<&'a str>) -> RequestView<'a> {
    let mut r = req("GET", origin, site);
    r.upgrade = HeaderLines::One(b"websocket");
    r
}

fn refused<'a>(r: &RequestView<'a>, websocket: bool) -> Decision<'a> {
    Decision::WriteRefused(
        Refusal::CrossSiteWrite(CrossSiteWrite::new(r.origin, r.sec_fetch_site, websocket)),
        CorsHeaders {
            vary: Vary::ORIGIN,
            ..CorsHeaders::default()
        },
    )
}

fn not_allowed(origin: &str) -> Decision<'_> {
    Decision::ActualRefused(
        Refusal::OriginNotAllowed(origin.as_bytes()),
        CorsHeaders {
            vary: Vary::ORIGIN,
            ..CorsHeaders::default()
        },
    )
}

/// What CORS answers `APP` under [`notes`].
fn app_allowed(_: &Policy) -> Decision<'static> {
    Decision::ActualAllowed(CorsHeaders {
        allow_origin: Some(APP),
        fixed_origin: Some(0),
        allow_credentials: true,
        vary: Vary::ORIGIN,
        ..CorsHeaders::default()
    })
}

// 1. Safe methods pass.
#[test]
fn safe_methods_from_another_site_pass_with_the_cors_answer() {
    let p = notes();
    for method in ["GET", "HEAD", "OPTIONS"] {
        let r = req(method, Some(EVIL), Some("cross-site"));
        assert_eq!(p.decide(&r), not_allowed(EVIL), "{method}");
    }
}

// 1. ... but a WebSocket handshake is a GET that is checked.
#[test]
fn websocket_handshake_from_another_site_is_refused() {
    let p = notes();
    let r = handshake(Some(EVIL), None);
    assert_eq!(p.decide(&r), refused(&r, true));
    assert_eq!(p.decide(&r).answer_status(), Some(403));
    // Judged by Origin alone: a `Sec-Fetch-Site` cannot excuse it.
    let r = handshake(Some(EVIL), Some("same-origin"));
    assert_eq!(p.decide(&r), refused(&r, true));
    // The token is compared without case, in a list.
    let mut r = handshake(Some(EVIL), None);
    r.upgrade = HeaderLines::One(b"h2c, WebSocket/13");
    assert_eq!(p.decide(&r), refused(&r, true));
}

#[test]
fn websocket_handshake_from_the_site_itself_or_an_allowed_origin_passes() {
    let p = notes();
    assert_eq!(p.decide(&handshake(Some(API), None)), not_allowed(API));
    assert_eq!(
        p.decide(&handshake(Some(APP), Some("cross-site"))),
        app_allowed(&p)
    );
    // Not from a browser: browsers always send Origin with a handshake.
    assert_eq!(
        p.decide(&handshake(None, None)),
        Decision::NotCors(CorsHeaders {
            vary: Vary::ORIGIN,
            ..CorsHeaders::default()
        })
    );
}

// 2. Preflights pass: CORS answers them.
#[test]
fn preflights_are_answered_by_cors() {
    let p = notes();
    let mut r = req("OPTIONS", Some(EVIL), Some("cross-site"));
    r.request_method = HeaderLines::One(b"POST");
    assert!(matches!(
        p.decide(&r),
        Decision::PreflightRefused(Refusal::OriginNotAllowed(_), _)
    ));
    let mut r = req("OPTIONS", Some(APP), Some("cross-site"));
    r.request_method = HeaderLines::One(b"PUT");
    assert_eq!(p.decide(&r).preflight_status(), Some(204));
}

// 3. With Sec-Fetch-Site: same-origin and none pass.
#[test]
fn same_origin_and_none_pass() {
    let p = notes();
    assert_eq!(
        p.decide(&req("POST", Some(API), Some("same-origin"))),
        not_allowed(API)
    );
    // A navigation the user started (typed, bookmarked) sends `none`.
    assert_eq!(
        p.decide(&req("POST", None, Some("none"))),
        Decision::NotCors(CorsHeaders {
            vary: Vary::ORIGIN,
            ..CorsHeaders::default()
        })
    );
}

// 3. Any other value passes only for an origin the policy allows.
#[test]
fn cross_site_write_from_an_allowed_origin_passes() {
    let p = notes();
    for m in ["POST", "PUT", "DELETE", "PATCH"] {
        assert_eq!(
            p.decide(&req(m, Some(APP), Some("cross-site"))),
            app_allowed(&p),
            "{m}"
        );
    }
}

#[test]
fn cross_site_write_from_another_origin_is_refused() {
    let p = notes();
    for m in ["POST", "PUT", "DELETE", "post"] {
        let r = req(m, Some(EVIL), Some("cross-site"));
        assert_eq!(p.decide(&r), refused(&r, false), "{m}");
    }
    // A `no-cors` fetch or a form may come without an Origin the policy knows.
    let r = req("POST", None, Some("cross-site"));
    assert_eq!(p.decide(&r), refused(&r, false));
}

#[test]
fn same_site_is_not_trusted_by_itself() {
    let p = notes();
    let r = req("POST", Some("https://other.example.re"), Some("same-site"));
    assert_eq!(p.decide(&r), refused(&r, false));
    // Listed, the sibling may write.
    assert_eq!(
        p.decide(&req("POST", Some(APP), Some("same-site"))),
        app_allowed(&p)
    );
}

#[test]
fn wildcard_trusts_no_origin_for_writes() {
    let p = public();
    let r = req("POST", Some(APP), Some("cross-site"));
    assert_eq!(p.decide(&r), refused(&r, false));
    let r = req("POST", Some(EVIL), None);
    assert_eq!(p.decide(&r), refused(&r, false));
    // The site's own pages still write, and may read.
    assert!(matches!(
        p.decide(&req("POST", Some(API), Some("same-origin"))),
        Decision::ActualAllowed(h) if h.allow_origin == Some("*")
    ));
    assert_eq!(p.notes().count(), 1);
}

#[test]
fn null_is_never_trusted_for_writes() {
    let p = PolicySpec::new()
        .origin("null")
        .allow_null_origin(true)
        .protect_writes(true)
        .validate()
        .unwrap();
    let r = req("POST", Some("null"), Some("cross-site"));
    assert_eq!(p.decide(&r), refused(&r, false));
    let r = req("POST", Some("null"), None);
    assert_eq!(p.decide(&r), refused(&r, false));
}

// 4. Without Sec-Fetch-Site: Origin against Host.
#[test]
fn without_sec_fetch_site_an_origin_on_another_host_is_refused() {
    let p = notes();
    let r = req("POST", Some(EVIL), None);
    assert_eq!(p.decide(&r), refused(&r, false));
    // The port is part of the host.
    let r = req("POST", Some("https://api.example.re:8443"), None);
    assert_eq!(p.decide(&r), refused(&r, false));
    // No Host at all is never the same host.
    let mut r = req("POST", Some(API), None);
    r.host = HeaderLines::Absent;
    assert_eq!(p.decide(&r), refused(&r, false));
}

#[test]
fn without_sec_fetch_site_the_same_host_or_an_allowed_origin_passes() {
    let p = notes();
    assert_eq!(p.decide(&req("POST", Some(API), None)), not_allowed(API));
    assert_eq!(p.decide(&req("POST", Some(APP), None)), app_allowed(&p));
    let mut r = req("POST", Some("http://localhost:8080"), None);
    r.host = HeaderLines::One(b"localhost:8080");
    assert_eq!(p.decide(&r), not_allowed("http://localhost:8080"));
}

// 5. Neither Origin nor Sec-Fetch-Site: not a browser.
#[test]
fn neither_origin_nor_sec_fetch_site_passes() {
    let p = notes();
    assert_eq!(
        p.decide(&req("DELETE", None, None)),
        Decision::NotCors(CorsHeaders {
            vary: Vary::ORIGIN,
            ..CorsHeaders::default()
        })
    );
}

// Malformed origins are never the same host and never trusted.
#[test]
fn malformed_origins_are_never_the_same_host() {
    let p = notes();
    for (origin, host) in [
        ("https://API.example.re", "API.example.re"),
        ("https://evil@api.example.re", "evil@api.example.re"),
        ("http://evil@api.example.re", API_HOST),
        ("https://api.example.re/x", "api.example.re/x"),
        ("https://api.example.re:443", "api.example.re:443"),
    ] {
        let mut r = req("POST", Some(origin), None);
        r.host = HeaderLines::One(host.as_bytes());
        assert_eq!(p.decide(&r), refused(&r, false), "{origin}");
        let mut ws = handshake(Some(origin), None);
        ws.host = HeaderLines::One(host.as_bytes());
        assert_eq!(p.decide(&ws), refused(&ws, true), "{origin}");
    }
    // An allowed origin in upper case is not the allowed origin.
    let r = req("POST", Some("https://APP.example.re"), Some("cross-site"));
    assert_eq!(p.decide(&r), refused(&r, false));
}

#[test]
fn several_lines_are_never_trusted() {
    let p = notes();
    let mut r = req("POST", None, None);
    r.origin = HeaderLines::Many;
    assert_eq!(p.decide(&r), refused(&r, false));
    let mut r = req("POST", Some(APP), None);
    r.sec_fetch_site = HeaderLines::Many;
    assert_eq!(
        p.decide(&r),
        app_allowed(&p),
        "an allowed origin still writes"
    );
    let mut r = req("POST", Some(API), None);
    r.sec_fetch_site = HeaderLines::Many;
    assert_eq!(p.decide(&r), refused(&r, false));
    let mut ws = handshake(Some(EVIL), None);
    ws.upgrade = HeaderLines::Many;
    assert_eq!(p.decide(&ws), refused(&ws, true));
    let mut ws = handshake(Some(API), None);
    ws.host = HeaderLines::Many;
    assert_eq!(p.decide(&ws), refused(&ws, true));
}

// Behind a proxy that rewrites Host: the public origins count as the site itself.
#[test]
fn public_origins_count_as_the_site_itself() {
    let p = PolicySpec::new().origin(APP).validate().unwrap();
    let on = WriteProtection::on();
    let behind = on.clone().public_origins([API]).unwrap();
    let mut r = req("POST", Some(API), None);
    r.host = HeaderLines::One(b"10.0.0.7:8080");
    assert_eq!(p.decide_with(&r, &on), refused(&r, false));
    assert_eq!(p.decide_with(&r, &behind), not_allowed(API));
    let mut ws = handshake(Some(API), None);
    ws.host = HeaderLines::One(b"10.0.0.7:8080");
    assert_eq!(p.decide_with(&ws, &on), refused(&ws, true));
    assert_eq!(p.decide_with(&ws, &behind), not_allowed(API));
    assert_eq!(behind.public_origin_list().collect::<Vec<_>>(), [API]);
}

#[test]
fn public_origins_are_validated_like_any_origin() {
    let err = WriteProtection::on()
        .public_origins([
            "https://api.example.re/",
            "*",
            "null",
            "https://*.example.re",
            "http://localhost:*",
            API,
            API,
        ])
        .unwrap_err();
    let kinds: Vec<ErrorKind> = err.errors().iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            ErrorKind::OriginPath,
            ErrorKind::PublicOriginNotExact,
            ErrorKind::PublicOriginNotExact,
            ErrorKind::PublicOriginNotExact,
            ErrorKind::PublicOriginNotExact,
            ErrorKind::OriginDuplicate,
        ]
    );
    assert_eq!(
        err.to_string().lines().take(2).collect::<Vec<_>>(),
        [
            "invalid public origins for write protection (6 problems):",
            "- public_origins[0]: origin `https://api.example.re/` has a trailing slash",
        ]
    );
    assert!(err.to_string().contains(
        "- public_origins[1]: public origin `*` is not one exact origin\n  = why: a public origin \
         counts as the site itself for write protection"
    ));
}

// The settings: the policy's own, else the application's default.
#[test]
fn the_policy_setting_wins_over_the_application_default() {
    let unset = PolicySpec::new().origin(APP).validate().unwrap();
    let off = PolicySpec::new()
        .origin(APP)
        .protect_writes(false)
        .validate()
        .unwrap();
    let r = req("POST", Some(EVIL), Some("cross-site"));
    let on = WriteProtection::on();
    let default_off = WriteProtection::off();
    assert_eq!(unset.decide_with(&r, &on), refused(&r, false));
    assert_eq!(unset.decide_with(&r, &default_off), not_allowed(EVIL));
    assert_eq!(unset.decide(&r), not_allowed(EVIL));
    assert_eq!(off.decide_with(&r, &on), not_allowed(EVIL));
    assert_eq!(notes().decide_with(&r, &default_off), refused(&r, false));
    assert!(unset.protects_writes(&on) && !unset.protects_writes(&default_off));
    assert!(!off.protects_writes(&on));
    assert_eq!(unset.protect_writes_setting(), None);
    assert_eq!(off.protect_writes_setting(), Some(false));
}

#[test]
fn a_refusal_keeps_a_decision_small() {
    // A refusal as large as the largest CORS one: every decision is copied on every request.
    assert!(std::mem::size_of::<Refusal<'_>>() <= 40);
    let w = CrossSiteWrite::new(HeaderLines::Many, HeaderLines::One(b"x"), true);
    assert_eq!(
        (w.origin(), w.sec_fetch_site(), w.is_websocket()),
        (HeaderLines::Many, HeaderLines::One(&b"x"[..]), true)
    );
}

#[test]
fn the_refusal_says_why_in_one_line() {
    let p = notes();
    let r = req("POST", Some(EVIL), Some("cross-site"));
    let d = p.decide(&r);
    assert_eq!(
        d.refusal().unwrap().log_line().to_string(),
        "cross-site write refused, 403: write from another site (Origin \
         `https://evil.example`, Sec-Fetch-Site `cross-site`): only the site itself and origins \
         the policy allows may write"
    );
    let ws = handshake(Some(EVIL), None);
    assert_eq!(
        p.decide(&ws).refusal().unwrap().to_string(),
        "WebSocket handshake from another site (Origin `https://evil.example`, Sec-Fetch-Site \
         (none)): only the site itself and origins the policy allows may write"
    );
    assert_eq!(d.headers().iter().count(), 0, "no CORS headers");
    assert_eq!(WRITE_REFUSED_BODY.lines().count(), 1);
}

#[cfg(feature = "serde")]
#[test]
fn config_files_set_it_and_name_a_misspelt_key() {
    let spec: PolicySpec =
        toml::from_str("origins = [\"https://app.example.re\"]\nprotect_writes = false").unwrap();
    assert_eq!(spec.protect_writes, Some(false));
    let spec: PolicySpec = toml::from_str("origins = [\"https://app.example.re\"]").unwrap();
    assert_eq!(spec.protect_writes, None);
    let err = toml::from_str::<PolicySpec>("protect_write = true").unwrap_err();
    assert!(
        err.to_string().contains("unknown field `protect_write`"),
        "{err}"
    );
    assert!(err.to_string().contains("protect_writes"), "{err}");
    let err = toml::from_str::<PolicySpec>("protect_writes = \"yes\"").unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
}

fn site() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some("same-origin"),
        Some("same-site"),
        Some("cross-site"),
        Some("none"),
        Some("Cross-Site"),
    ])
}

fn origin() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some(APP),
        Some(API),
        Some(EVIL),
        Some("https://other.example.re"),
        Some("null"),
        Some("https://APP.example.re"),
        Some("https://evil@api.example.re"),
        Some("https://api.example.re/"),
    ])
}

fn method() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "get",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Protection never refuses a safe request, a preflight or an allowed origin, and never
    /// lets a cross-site write through from an origin CORS refuses.
    #[test]
    fn protection_refuses_exactly_cross_site_writes_cors_refuses(
        wildcard in any::<bool>(),
        method in method(),
        origin in origin(),
        site in site(),
        upgrade in prop::sample::select(vec![None, Some("websocket"), Some("h2c")]),
        acrm in any::<bool>(),
    ) {
        let spec = if wildcard { public_spec() } else { notes_spec() };
        let p = spec.validate().unwrap();
        let mut r = req(method, origin, site);
        if let Some(u) = upgrade {
            r.upgrade = HeaderLines::One(u.as_bytes());
        }
        if acrm {
            r.request_method = HeaderLines::One(b"PUT");
        }
        let with = p.decide(&r);
        let unprotected = PolicySpec { protect_writes: None, ..spec }.validate().unwrap();
        let cors = unprotected.decide(&r);
        let refused = matches!(with, Decision::WriteRefused(..));
        let websocket = method == "GET" && upgrade == Some("websocket");
        let safe = matches!(method, "GET" | "HEAD" | "OPTIONS") && !websocket;
        let trusted = !wildcard && origin == Some(APP);
        if safe || r.is_preflight() || trusted {
            prop_assert!(!refused, "{with:?}");
        }
        if !refused {
            // Whatever passes gets exactly the CORS answer.
            prop_assert_eq!(with.headers(), cors.headers());
        }
        let cross_site = site.is_some_and(|s| s != "same-origin" && s != "none")
            || (site.is_none() && origin.is_some_and(|o| o != API));
        let ws_cross = origin.is_some_and(|o| o != API);
        let cors_refuses = !matches!(cors, Decision::ActualAllowed(h) if h.allow_origin != Some("*") && h.allow_origin != Some("null"));
        if !safe && !r.is_preflight() && cors_refuses && (if websocket { ws_cross } else { cross_site }) {
            prop_assert!(refused, "{with:?}");
        }
    }
}
