//! Differential tests of the origin matcher against a deliberately naive reference, and
//! no-panic properties over arbitrary bytes.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_shared::{Decision, HeaderLines, PolicySpec, RequestView};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// The naive reference: string operations only, written for obviousness rather than speed.

fn naive_label_ok(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn naive_ipv4_ok(h: &str) -> bool {
    let parts: Vec<&str> = h.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| p.parse::<u8>().is_ok_and(|n| n.to_string() == *p))
}

/// Splits a serialized origin into (scheme, host, port) if it is one, else `None`.
fn naive_parse(o: &str) -> Option<(String, String, Option<String>)> {
    let (scheme, rest) = o.split_once("://")?;
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase())
        && scheme.len() <= 32
        && scheme
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
    if !scheme_ok {
        return None;
    }
    let (host, port) = if rest.starts_with('[') {
        let end = rest.find(']')?;
        let (h, p) = rest.split_at(end + 1);
        let inner: std::net::Ipv6Addr = h[1..h.len() - 1].parse().ok()?;
        // Rust prints IPv4-mapped addresses in dotted form, browsers do not: leave them out.
        let printed = inner.to_string();
        if printed.contains('.') || format!("[{printed}]") != h {
            return None;
        }
        match p {
            "" => (h.to_string(), None),
            _ => (h.to_string(), Some(p.strip_prefix(':')?.to_string())),
        }
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.to_string())),
            None => (rest.to_string(), None),
        }
    };
    if !host.starts_with('[') {
        let last = host.rsplit('.').next()?;
        let numeric = last.chars().next().is_some_and(|c| c.is_ascii_digit())
            && (last.chars().all(|c| c.is_ascii_digit()) || last.starts_with("0x"));
        let ok = if numeric {
            naive_ipv4_ok(&host)
        } else {
            host.len() <= 253 && host.split('.').all(naive_label_ok)
        };
        if !ok {
            return None;
        }
    }
    if let Some(p) = &port {
        let n: u32 = p.parse().ok()?;
        let default = match scheme {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            "ftp" => Some(21),
            _ => None,
        };
        if p.starts_with('0')
            || !p.chars().all(|c| c.is_ascii_digit())
            || n == 0
            || n > 65535
            || default == Some(n)
        {
            return None;
        }
    }
    Some((scheme.to_string(), host, port))
}

/// Whether the naive reference lets `origin` through `patterns`.
fn naive_allows(patterns: &[String], allow_null: bool, origin: &str) -> bool {
    if origin == "null" {
        return allow_null || patterns.iter().any(|p| p == "*");
    }
    let Some((scheme, host, port)) = naive_parse(origin) else {
        return false;
    };
    patterns.iter().any(|p| {
        if p == "*" || p == origin {
            return true;
        }
        let Some((pscheme, prest)) = p.split_once("://") else {
            return false;
        };
        if pscheme != scheme {
            return false;
        }
        let (phost, pport) = match prest.rsplit_once(':') {
            Some((h, pp)) if !h.ends_with(']') || prest.starts_with('[') => (h, Some(pp)),
            _ => (prest, None),
        };
        let port_ok = match (pport, &port) {
            (None, None) => true,
            (Some("*"), Some(_)) => true,
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        let host_ok = match phost.strip_prefix("*.") {
            Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}")),
            None => phost == host,
        };
        port_ok && host_ok
    })
}

// ---------------------------------------------------------------------------------------------
// Generators.

const LABELS: &[&str] = &[
    "foo",
    "bar",
    "barfoo",
    "foobar",
    "app",
    "example",
    "re",
    "evil",
    "net",
    "a",
    "b",
    "localhost",
    "xn--bcher-kva",
    "com",
    "my-app",
    "0",
    "1",
];
const SCHEMES: &[&str] = &["https", "http", "ftp", "chrome-extension", "HTTPS"];
const PORTS: &[&str] = &[
    "", ":80", ":443", ":3000", ":8443", ":0", ":65535", ":65536", ":03000", ":21",
];

fn host() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(LABELS), 1..4).prop_map(|ls| ls.join("."))
}

fn valid_origin() -> impl Strategy<Value = String> {
    (
        prop::sample::select(SCHEMES),
        host(),
        prop::sample::select(PORTS),
    )
        .prop_map(|(s, h, p)| format!("{s}://{h}{p}"))
}

/// An allowlist entry that validation accepts.
fn pattern() -> impl Strategy<Value = String> {
    any_pattern().prop_filter("entry must be valid", |p| {
        PolicySpec::new().origin(p.as_str()).validate().is_ok()
    })
}

fn any_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => valid_origin(),
        2 => (prop::sample::select(SCHEMES), host(), prop::sample::select(&["", ":8443", ":*"][..]))
            .prop_map(|(s, h, p)| format!("{s}://*.{h}{p}")),
        2 => (prop::sample::select(SCHEMES), host()).prop_map(|(s, h)| format!("{s}://{h}:*")),
        1 => Just("https://[::1]:3000".to_string()),
        1 => Just("http://127.0.0.1:*".to_string()),
    ]
}

/// Mutations that hostile or sloppy origins are made of.
fn mutate(o: String, how: u8, at: usize) -> Vec<u8> {
    let mut b = o.into_bytes();
    let at = at % (b.len() + 1);
    match how % 12 {
        0 => b.extend_from_slice(b".evil.net"),
        1 => {
            if let Some(c) = b.get_mut(at) {
                c.make_ascii_uppercase();
            }
        }
        2 => b.push(b'.'),
        3 => b.push(b'/'),
        4 => b.splice(at..at, b"%60".iter().copied()).for_each(drop),
        5 => b.insert(at, b'`'),
        6 => b.insert(at, 0xff),
        7 => b.splice(at..at, "é".bytes()).for_each(drop),
        8 => {
            let label = "a".repeat(5000) + ".";
            let pos = b.windows(3).position(|w| w == b"://").map_or(0, |p| p + 3);
            b.splice(pos..pos, label.bytes()).for_each(drop);
        }
        9 => {
            let pos = b.windows(3).position(|w| w == b"://").map_or(0, |p| p + 3);
            b.splice(pos..pos, b"evil".iter().copied()).for_each(drop);
        }
        10 => b.extend_from_slice(b":443"),
        _ => {}
    }
    b
}

fn origin_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => valid_origin().prop_map(String::into_bytes),
        3 => (valid_origin(), any::<u8>(), any::<usize>()).prop_map(|(o, h, a)| mutate(o, h, a)),
        1 => Just(b"null".to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn decide_origin(policy: &cors_shared::Policy, origin: &[u8]) -> Option<String> {
    let mut r = RequestView::new(b"GET");
    r.origin = HeaderLines::One(origin);
    policy.decide(&r).headers().allow_origin.map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn matcher_agrees_with_naive_reference(
        patterns in prop::collection::vec(pattern(), 1..6),
        allow_null in any::<bool>(),
        origins in prop::collection::vec(origin_bytes(), 1..8),
    ) {
        let mut patterns = patterns;
        patterns.sort();
        patterns.dedup();
        let mut spec = PolicySpec::new().origins(patterns.iter().cloned());
        if allow_null {
            spec = spec.origin("null").allow_null_origin(true);
        }
        let policy = spec.validate().unwrap();
        for o in &origins {
            let text = std::str::from_utf8(o).unwrap_or("\u{fffd}");
            let expected = std::str::from_utf8(o).is_ok() && naive_allows(&patterns, allow_null, text);
            let got = decide_origin(&policy, o);
            prop_assert_eq!(got.is_some(), expected, "origin {:?} patterns {:?}", text, patterns);
            if let Some(acao) = got {
                prop_assert_eq!(acao, text, "an allowlist echoes the origin byte for byte");
            }
        }
    }

    #[test]
    fn decide_never_panics_and_never_echoes_a_refused_origin(
        origin in prop::collection::vec(any::<u8>(), 0..300),
        method in prop::collection::vec(any::<u8>(), 0..20),
        acrm in prop::collection::vec(any::<u8>(), 0..20),
        acrh in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let policy = PolicySpec::new()
            .origins(["https://app.example.re", "https://*.example.re", "http://localhost:*"])
            .credentials(true)
            .methods(["PUT"])
            .headers(["content-type"])
            .validate()
            .unwrap();
        let mut r = RequestView::new(&method);
        r.origin = HeaderLines::One(&origin);
        r.request_method = HeaderLines::One(&acrm);
        r.request_headers = HeaderLines::One(&acrh);
        let d = policy.decide(&r);
        if let Some(acao) = d.headers().allow_origin {
            prop_assert_eq!(acao.as_bytes(), &origin[..]);
            prop_assert!(naive_allows(
                &["https://app.example.re".into(), "https://*.example.re".into(), "http://localhost:*".into()],
                false,
                acao,
            ));
        }
        if let Decision::PreflightAllowed(h) = d {
            prop_assert!(h.allow_methods.is_some());
        }
    }

    #[test]
    fn validate_never_panics(
        origins in prop::collection::vec(any::<String>(), 0..4),
        methods in prop::collection::vec(any::<String>(), 0..3),
        headers in prop::collection::vec(any::<String>(), 0..3),
        credentials in any::<bool>(),
        max_age in any::<Option<u64>>(),
    ) {
        let spec = PolicySpec { origins, methods, headers, credentials, max_age, ..PolicySpec::default() };
        let _ = spec.validate();
    }
}

#[test]
fn known_hostile_origins_are_refused_by_both_implementations() {
    let patterns: Vec<String> = [
        "https://app.example.re",
        "https://foo.com",
        "https://bar.com",
    ]
    .map(String::from)
    .to_vec();
    let policy = PolicySpec::new()
        .origins(patterns.iter().cloned())
        .validate()
        .unwrap();
    let long = format!("https://{}.example.re", "a".repeat(5000));
    let hostile: Vec<&[u8]> = vec![
        b"https://barfoo.com",
        b"https://app.example.re.evil.net",
        b"https://evilapp.example.re",
        b"https://APP.example.re",
        b"https://app.example.re:443",
        b"https://app.example.re.",
        b"https://app.example.re%60.evil.net",
        b"https://app.example.re`.evil.net",
        b"https://app.\xffexample.re",
        long.as_bytes(),
    ];
    for o in hostile {
        assert_eq!(decide_origin(&policy, o), None, "{}", o.escape_ascii());
        let text = std::str::from_utf8(o).unwrap_or("");
        assert!(!naive_allows(&patterns, false, text), "{text}");
    }
    assert_eq!(
        decide_origin(&policy, b"https://foo.com").as_deref(),
        Some("https://foo.com")
    );
}
