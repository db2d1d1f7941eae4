//! One rejecting case and one accepting neighbour per validation rule.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_shared::{ErrorKind, Field, Location, PolicyError, PolicySpec};

fn spec(origins: &[&str]) -> PolicySpec {
    PolicySpec::new().origins(origins.iter().copied())
}

fn errors(spec: &PolicySpec) -> Vec<PolicyError> {
    match spec.validate() {
        Ok(_) => Vec::new(),
        Err(e) => e.errors().to_vec(),
    }
}

/// Asserts that `spec` is refused with exactly one error, of `kind`, at `at`; returns it.
fn rejects(spec: PolicySpec, kind: ErrorKind, at: Location) -> PolicyError {
    let errs = errors(&spec);
    assert_eq!(errs.len(), 1, "expected one {kind:?}, got {errs:#?}");
    let e = errs.into_iter().next().unwrap();
    assert_eq!(e.kind(), kind, "{e}");
    assert_eq!(e.location(), at, "{e}");
    e
}

fn accepts(spec: PolicySpec) {
    if let Err(e) = spec.validate() {
        panic!("expected a valid policy, got {e}");
    }
}

fn origin_at(i: usize) -> Location {
    Location::item(Field::Origins, i)
}

fn rejects_origin(origin: &str, kind: ErrorKind) -> PolicyError {
    rejects(spec(&[origin]), kind, origin_at(0))
}

#[test]
fn no_origins_rejected() {
    rejects(
        PolicySpec::new(),
        ErrorKind::NoOrigins,
        Location::field(Field::Origins),
    );
    accepts(spec(&["https://app.example.re"]));
}

#[test]
fn wildcard_origin_with_credentials_rejected_on_credentials_pointing_at_star() {
    let e = rejects(
        spec(&["*"]).credentials(true),
        ErrorKind::WildcardOriginWithCredentials,
        Location::field(Field::Credentials),
    );
    assert_eq!(e.related_location(), Some(origin_at(0)));
    accepts(spec(&["*"]));
}

#[test]
fn wildcard_origin_mixed_with_explicit_origins_rejected() {
    rejects(
        spec(&["https://app.example.re", "*"]),
        ErrorKind::WildcardOriginMixed,
        origin_at(1),
    );
    accepts(spec(&["*"]));
}

#[test]
fn origin_trailing_slash_rejected_with_suggestion() {
    let e = rejects_origin("https://app.example.re/", ErrorKind::OriginPath);
    assert_eq!(e.suggestion(), Some("https://app.example.re"));
    assert!(e.message().contains("trailing slash"), "{}", e.message());
    assert_eq!(e.fix(), "write `https://app.example.re`");
    accepts(spec(&["https://app.example.re"]));
}

#[test]
fn origin_path_rejected() {
    let e = rejects_origin("https://app.example.re/api/v1", ErrorKind::OriginPath);
    assert_eq!(e.suggestion(), Some("https://app.example.re"));
}

#[test]
fn origin_query_and_fragment_rejected() {
    let e = rejects_origin("https://app.example.re?x=1", ErrorKind::OriginQuery);
    assert!(
        e.why().contains("never send a query or fragment"),
        "{}",
        e.why()
    );
    rejects_origin("https://app.example.re#top", ErrorKind::OriginFragment);
}

#[test]
fn origin_userinfo_rejected() {
    let e = rejects_origin("https://user:pw@app.example.re", ErrorKind::OriginUserinfo);
    assert_eq!(e.suggestion(), Some("https://app.example.re"));
}

#[test]
fn origin_whitespace_rejected() {
    let e = rejects_origin(" https://app.example.re", ErrorKind::OriginWhitespace);
    assert_eq!(e.suggestion(), Some("https://app.example.re"));
    rejects_origin("https://app .example.re", ErrorKind::OriginWhitespace);
}

#[test]
fn origin_missing_scheme_rejected() {
    let e = rejects_origin("app.example.re", ErrorKind::OriginMissingScheme);
    assert_eq!(e.suggestion(), Some("https://app.example.re"));
    rejects_origin("//app.example.re", ErrorKind::OriginMissingScheme);
}

#[test]
fn origin_invalid_scheme_rejected() {
    rejects_origin("1https://app.example.re", ErrorKind::OriginInvalidScheme);
    accepts(spec(&["chrome-extension://abcdefghijklmnop"]));
}

#[test]
fn origin_upper_case_rejected() {
    let e = rejects_origin("https://App.Example.re", ErrorKind::OriginUpperCase);
    assert_eq!(e.suggestion(), Some("https://app.example.re"));
    let e = rejects_origin("HTTPS://app.example.re", ErrorKind::OriginUpperCase);
    assert_eq!(e.suggestion(), Some("https://app.example.re"));
    let e = rejects_origin("NULL", ErrorKind::OriginUpperCase);
    assert_eq!(e.suggestion(), Some("null"));
}

#[test]
fn origin_non_ascii_rejected_with_punycode_suggestion() {
    let e = rejects_origin("https://bücher.example", ErrorKind::OriginNonAscii);
    assert_eq!(e.suggestion(), Some("https://xn--bcher-kva.example"));
    accepts(spec(&["https://xn--bcher-kva.example"]));
}

#[test]
fn origin_non_ascii_suggestion_is_the_host_browsers_send() {
    // What the WHATWG URL parser makes of each host (UTS #46, non-transitional).
    for (entry, browsers_send) in [
        // Decomposed `ü`, composed by NFC.
        (
            "https://bu\u{308}cher.example",
            "https://xn--bcher-kva.example",
        ),
        // A circled letter and full-width letters fold to plain ASCII.
        ("https://ⓕoo.example", "https://foo.example"),
        ("https://ｆｕｌｌ.example", "https://full.example"),
        // The ideographic full stop is a dot.
        ("https://bücher。example", "https://xn--bcher-kva.example"),
        (
            "https://BÜCHER.example:8443",
            "https://xn--bcher-kva.example:8443",
        ),
        (
            "https://*.bücher.example",
            "https://*.xn--bcher-kva.example",
        ),
        // ß and ς are kept (non-transitional), not replaced by ss and σ.
        ("https://faß.example", "https://xn--fa-hia.example"),
        // Full-width digits make an IPv4 address.
        ("http://１２７.０.０.１:8080", "http://127.0.0.1:8080"),
    ] {
        let e = rejects_origin(entry, ErrorKind::OriginNonAscii);
        assert_eq!(e.suggestion(), Some(browsers_send), "{entry}");
        accepts(spec(&[browsers_send]));
    }
}

#[test]
fn origin_non_ascii_that_folds_to_ascii_still_never_matches() {
    let e = rejects_origin("https://ｆｕｌｌ.example", ErrorKind::OriginNonAscii);
    assert_eq!(
        e.to_string(),
        "origin `https://ｆｕｌｌ.example` contains non-ASCII characters\n  \
         = why: browsers send the host in the ASCII form their URL parser gives it \
         (internationalized labels as xn--, full-width and other variant letters folded), \
         so this entry as written never matches\n  \
         = help: write `https://full.example`"
    );
}

#[test]
fn origin_host_refused_by_the_url_parser_gets_no_suggestion() {
    // A label that starts with a combining mark, and a bidirectional label mixing directions:
    // the URL parser refuses both, so no page has such an origin.
    for entry in ["https://\u{308}a.example", "https://aא.example"] {
        let e = rejects_origin(entry, ErrorKind::OriginNonAscii);
        assert_eq!(e.suggestion(), None, "{entry}");
        assert_eq!(
            e.to_string(),
            format!(
                "origin `{entry}` has a host that browsers' URL parser refuses\n  \
                 = why: it is not a valid internationalized domain name (IDNA), so no page has \
                 this origin and this entry never matches\n  \
                 = help: write the page's origin as `location.origin` gives it in the browser \
                 console, e.g. `https://xn--bcher-kva.example`"
            ),
            "{entry}"
        );
    }
}

#[test]
fn origin_default_port_rejected() {
    let e = rejects_origin("https://app.example.re:443", ErrorKind::OriginDefaultPort);
    assert_eq!(e.suggestion(), Some("https://app.example.re"));
    rejects_origin("http://localhost:80", ErrorKind::OriginDefaultPort);
    accepts(spec(&[
        "https://app.example.re:8443",
        "http://localhost:443",
    ]));
}

#[test]
fn origin_invalid_port_rejected() {
    rejects_origin("https://app.example.re:0", ErrorKind::OriginInvalidPort);
    rejects_origin("https://app.example.re:65536", ErrorKind::OriginInvalidPort);
    let e = rejects_origin("https://app.example.re:08443", ErrorKind::OriginInvalidPort);
    assert_eq!(e.suggestion(), Some("https://app.example.re:8443"));
    rejects_origin("https://app.example.re:", ErrorKind::OriginInvalidPort);
    rejects_origin("https://app.example.re:http", ErrorKind::OriginInvalidPort);
    accepts(spec(&[
        "https://app.example.re:65535",
        "https://app.example.re:1",
    ]));
}

#[test]
fn origin_trailing_dot_rejected() {
    let e = rejects_origin("https://app.example.re.", ErrorKind::OriginTrailingDot);
    assert_eq!(e.suggestion(), Some("https://app.example.re"));
}

#[test]
fn origin_empty_label_rejected() {
    rejects_origin("https://app..example.re", ErrorKind::OriginEmptyLabel);
    rejects_origin("https://.example.re", ErrorKind::OriginEmptyLabel);
    rejects_origin("https://", ErrorKind::OriginEmptyLabel);
}

#[test]
fn origin_misplaced_wildcard_rejected() {
    for o in [
        "https://app.*.example.re",
        "https://*app.example.re",
        "https://*.*.example.re",
        "*://app.example.re",
        "https://example.*",
        "https://app.example.re:8*",
        "https://*.127.0.0.1",
        "https://*",
    ] {
        let errs = errors(&spec(&[o]));
        assert_eq!(
            errs.iter().map(PolicyError::kind).collect::<Vec<_>>(),
            [ErrorKind::OriginMisplacedWildcard],
            "{o}"
        );
    }
    accepts(spec(&[
        "https://*.example.re",
        "http://localhost:*",
        "https://*.example.re:*",
    ]));
}

#[test]
fn origin_invalid_host_rejected() {
    rejects_origin("https://app_1.example.re", ErrorKind::OriginInvalidHost);
    rejects_origin("https://-app.example.re", ErrorKind::OriginInvalidHost);
    rejects_origin("https://app%60.example.re", ErrorKind::OriginInvalidHost);
    let long_label = format!("https://{}.example.re", "a".repeat(64));
    rejects_origin(&long_label, ErrorKind::OriginInvalidHost);
    let long_host = format!("https://{}example.re", "abcdefghi.".repeat(25));
    rejects_origin(&long_host, ErrorKind::OriginInvalidHost);
    accepts(spec(&[&format!("https://{}.example.re", "a".repeat(63))]));
}

#[test]
fn origin_non_canonical_ip_rejected() {
    // Suggestions read the address as browsers do: a leading zero means octal.
    for (written, meant) in [
        ("http://127.000.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.1:8080", "http://127.0.0.1:8080"),
        ("http://0x7f.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://010.0.0.1:8080", "http://8.0.0.1:8080"),
        ("http://2130706433:8080", "http://127.0.0.1:8080"),
    ] {
        let e = rejects_origin(written, ErrorKind::OriginNonCanonicalIp);
        assert_eq!(e.suggestion(), Some(meant), "{written}");
    }
    let e = rejects_origin("http://256.0.0.1", ErrorKind::OriginNonCanonicalIp);
    assert_eq!(e.suggestion(), None);
    let e = rejects_origin(
        "http://[0:0:0:0:0:0:0:1]:8080",
        ErrorKind::OriginNonCanonicalIp,
    );
    assert_eq!(e.suggestion(), Some("http://[::1]:8080"));
    accepts(spec(&[
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "https://[2001:db8::1]",
    ]));
}

#[test]
fn origin_duplicate_rejected_pointing_at_first() {
    let e = rejects(
        spec(&[
            "https://a.example",
            "https://b.example",
            "https://a.example",
        ]),
        ErrorKind::OriginDuplicate,
        origin_at(2),
    );
    assert_eq!(e.related_location(), Some(origin_at(0)));
}

#[test]
fn null_without_opt_in_rejected() {
    rejects(spec(&["null"]), ErrorKind::NullWithoutOptIn, origin_at(0));
    accepts(spec(&["null"]).allow_null_origin(true));
}

#[test]
fn null_with_credentials_rejected() {
    let e = rejects(
        spec(&["null"]).allow_null_origin(true).credentials(true),
        ErrorKind::NullWithCredentials,
        origin_at(0),
    );
    assert_eq!(
        e.related_location(),
        Some(Location::field(Field::Credentials))
    );
}

#[test]
fn insecure_origin_with_credentials_rejected() {
    rejects(
        spec(&["http://app.example.re"]).credentials(true),
        ErrorKind::InsecureOriginWithCredentials,
        origin_at(0),
    );
    accepts(spec(&["http://app.example.re"]));
    accepts(
        spec(&["http://app.example.re"])
            .credentials(true)
            .dangerously_allow_http_with_credentials(true),
    );
}

#[test]
fn loopback_http_origins_with_credentials_accepted() {
    accepts(
        spec(&[
            "http://localhost:*",
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
            "http://app.localhost:5173",
        ])
        .credentials(true),
    );
}

#[test]
fn public_suffix_wildcard_with_credentials_rejected() {
    for o in [
        "https://*.github.io",
        "https://*.com",
        "https://*.co.uk",
        "https://*.vercel.app",
    ] {
        rejects(
            spec(&[o]).credentials(true),
            ErrorKind::PublicSuffixWildcardWithCredentials,
            origin_at(0),
        );
    }
    accepts(spec(&["https://*.github.io"]));
    accepts(spec(&["https://*.example.re"]).credentials(true));
    accepts(
        spec(&["https://*.github.io"])
            .credentials(true)
            .dangerously_allow_public_suffix_wildcard(true),
    );
}

#[test]
fn method_not_token_rejected() {
    rejects(
        spec(&["*"]).methods(["GET PUT"]),
        ErrorKind::MethodNotToken,
        Location::item(Field::Methods, 0),
    );
    accepts(spec(&["*"]).methods(["PATCH", "PROPFIND"]));
}

#[test]
fn method_forbidden_rejected() {
    for m in ["CONNECT", "TRACE", "track"] {
        rejects(
            spec(&["*"]).methods([m]),
            ErrorKind::MethodForbidden,
            Location::item(Field::Methods, 0),
        );
    }
}

#[test]
fn method_lower_case_standard_method_rejected() {
    let e = rejects(
        spec(&["*"]).methods(["put"]),
        ErrorKind::MethodCase,
        Location::item(Field::Methods, 0),
    );
    assert_eq!(e.suggestion(), Some("PUT"));
    // Non-standard methods are sent as written, so their case is the user's to choose.
    accepts(spec(&["*"]).methods(["patch"]));
}

#[test]
fn wildcard_method_with_credentials_rejected() {
    let e = rejects(
        spec(&["https://app.example.re"])
            .credentials(true)
            .methods(["*"]),
        ErrorKind::WildcardMethodWithCredentials,
        Location::field(Field::Credentials),
    );
    assert_eq!(
        e.related_location(),
        Some(Location::item(Field::Methods, 0))
    );
    accepts(spec(&["https://app.example.re"]).methods(["*"]));
}

#[test]
fn method_duplicate_rejected() {
    rejects(
        spec(&["*"]).methods(["PUT", "PUT"]),
        ErrorKind::MethodDuplicate,
        Location::item(Field::Methods, 1),
    );
}

#[test]
fn header_not_token_rejected() {
    rejects(
        spec(&["*"]).headers(["x custom"]),
        ErrorKind::HeaderNotToken,
        Location::item(Field::Headers, 0),
    );
    accepts(spec(&["*"]).headers(["X-Custom", "content-type"]));
}

#[test]
fn header_forbidden_rejected() {
    for h in [
        "Cookie",
        "host",
        "origin",
        "sec-fetch-mode",
        "Proxy-Authorization",
        "content-length",
    ] {
        rejects(
            spec(&["*"]).headers([h]),
            ErrorKind::HeaderForbidden,
            Location::item(Field::Headers, 0),
        );
    }
    accepts(spec(&["*"]).headers(["authorization"]));
}

#[test]
fn header_that_is_cors_protocol_rejected() {
    for h in [
        "access-control-allow-origin",
        "Access-Control-Request-Method",
    ] {
        rejects(
            spec(&["*"]).headers([h]),
            ErrorKind::HeaderIsCorsProtocol,
            Location::item(Field::Headers, 0),
        );
    }
}

#[test]
fn wildcard_header_with_credentials_rejected() {
    rejects(
        spec(&["https://app.example.re"])
            .credentials(true)
            .headers(["*"]),
        ErrorKind::WildcardHeaderWithCredentials,
        Location::field(Field::Credentials),
    );
    accepts(spec(&["https://app.example.re"]).headers(["*"]));
}

#[test]
fn header_duplicate_rejected_case_insensitively() {
    rejects(
        spec(&["*"]).headers(["X-Custom", "x-custom"]),
        ErrorKind::HeaderDuplicate,
        Location::item(Field::Headers, 1),
    );
}

#[test]
fn expose_not_token_rejected() {
    rejects(
        spec(&["*"]).expose(["x total"]),
        ErrorKind::ExposeNotToken,
        Location::item(Field::Expose, 0),
    );
    accepts(spec(&["*"]).expose(["x-total-count"]));
}

#[test]
fn expose_set_cookie_rejected() {
    rejects(
        spec(&["*"]).expose(["Set-Cookie"]),
        ErrorKind::ExposeForbidden,
        Location::item(Field::Expose, 0),
    );
}

#[test]
fn wildcard_expose_with_credentials_rejected() {
    rejects(
        spec(&["https://app.example.re"])
            .credentials(true)
            .expose(["*"]),
        ErrorKind::WildcardExposeWithCredentials,
        Location::field(Field::Credentials),
    );
    accepts(spec(&["*"]).expose(["*"]));
}

#[test]
fn expose_duplicate_rejected() {
    rejects(
        spec(&["*"]).expose(["x-a", "X-A"]),
        ErrorKind::ExposeDuplicate,
        Location::item(Field::Expose, 1),
    );
}

#[test]
fn max_age_above_one_day_rejected() {
    let e = rejects(
        spec(&["*"]).max_age(86_401),
        ErrorKind::MaxAgeTooLarge,
        Location::field(Field::MaxAge),
    );
    assert_eq!(e.suggestion(), Some("86400"));
    assert_eq!(e.fix(), "use at most 86400; 600 is a good default");
    accepts(spec(&["*"]).max_age(86_400));
}

#[test]
fn every_problem_is_reported_at_once() {
    let s = PolicySpec::new()
        .origins(["*", "https://app.example.re/"])
        .credentials(true)
        .methods(["TRACE"])
        .headers(["cookie"])
        .expose(["set-cookie"])
        .max_age(100_000);
    let kinds: Vec<ErrorKind> = errors(&s).iter().map(PolicyError::kind).collect();
    assert_eq!(
        kinds,
        [
            ErrorKind::WildcardOriginWithCredentials,
            ErrorKind::WildcardOriginMixed,
            ErrorKind::OriginPath,
            ErrorKind::MethodForbidden,
            ErrorKind::HeaderForbidden,
            ErrorKind::ExposeForbidden,
            ErrorKind::MaxAgeTooLarge,
        ]
    );
}

#[test]
fn errors_say_what_why_and_fix() {
    let err = spec(&["https://app.example.re/"]).validate().unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("invalid CORS policy (1 problem):"),
        "{text}"
    );
    assert!(
        text.contains("origins[0]: origin `https://app.example.re/` has a trailing slash"),
        "{text}"
    );
    assert!(
        text.contains("= why: an origin is only scheme://host[:port]"),
        "{text}"
    );
    assert!(
        text.contains("= help: write `https://app.example.re`"),
        "{text}"
    );
}

#[test]
fn origins_from_list_reads_comma_or_space_separated_values() {
    let s = PolicySpec::new()
        .origins_from_list(" https://a.example, https://b.example\nhttps://c.example,,");
    assert_eq!(
        s.origins,
        [
            "https://a.example",
            "https://b.example",
            "https://c.example"
        ]
    );
    accepts(s);
}

/// The message and the fix of the only error of an environment variable's list.
fn list_error(list: &str) -> (ErrorKind, String, String) {
    let errs = errors(&PolicySpec::new().origins_from_list(list));
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let e = &errs[0];
    (e.kind(), e.message(), e.fix())
}

#[test]
fn origins_separated_by_semicolons_are_told_to_use_commas() {
    assert_eq!(
        list_error("https://a.example.re;https://b.example.re"),
        (
            ErrorKind::OriginsNotSeparated,
            "origin `https://a.example.re;https://b.example.re` holds more than one origin".into(),
            "separate origins with commas, each its own entry: `https://a.example.re`, \
             `https://b.example.re`"
                .into()
        )
    );
    // `; ` splits at the space first; the `;` left behind is still the clue.
    let (kind, message, fix) = list_error("https://a.example.re; https://b.example.re");
    assert_eq!(kind, ErrorKind::OriginsNotSeparated);
    assert_eq!(message, "origin `https://a.example.re;` contains `;`");
    assert_eq!(
        fix,
        "separate origins with commas: write `https://a.example.re`"
    );
    // In a list, one string holding two origins.
    let e = rejects_origin(
        "https://a.example.re,https://b.example.re",
        ErrorKind::OriginsNotSeparated,
    );
    assert_eq!(e.suggestion(), None);
}

#[test]
fn quoted_origins_are_told_to_drop_the_quotes() {
    assert_eq!(
        list_error("\"https://a.example.re\""),
        (
            ErrorKind::OriginQuoted,
            "origin `\"https://a.example.re\"` contains quotes".into(),
            "remove the quotes: write `https://a.example.re`".into()
        )
    );
    let e = rejects_origin("'https://a.example.re/'", ErrorKind::OriginQuoted);
    assert_eq!(e.fix(), "remove the quotes: write `https://a.example.re`");
    let e = rejects_origin("[\"https://a.example.re\"]", ErrorKind::OriginQuoted);
    assert_eq!(e.suggestion(), Some("https://a.example.re"));
}

#[test]
fn a_scheme_one_edit_from_https_is_a_typo() {
    assert_eq!(
        list_error("htps://a.example.re"),
        (
            ErrorKind::OriginMisspeltScheme,
            "origin `htps://a.example.re` has the scheme `htps`, a typo of a web scheme".into(),
            "did you mean `https://a.example.re`?".into()
        )
    );
    let e = rejects_origin("htp://localhost:3000", ErrorKind::OriginMisspeltScheme);
    assert_eq!(e.fix(), "did you mean `http://localhost:3000`?");
    let e = rejects_origin("httsp://a.example.re/", ErrorKind::OriginMisspeltScheme);
    assert_eq!(e.suggestion(), Some("https://a.example.re"));
    // App and extension schemes are not typos.
    accepts(spec(&[
        "capacitor://localhost",
        "tauri://localhost",
        "chrome-extension://abcdefghijklmnop",
        "moz-extension://abcdefghijklmnop",
        "ionic://localhost",
    ]));
}

#[cfg(feature = "serde")]
#[test]
fn config_file_with_typo_names_the_unknown_key() {
    let err = toml::from_str::<PolicySpec>("orgins = [\"https://a.example\"]").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("unknown field `orgins`"), "{msg}");
    assert!(msg.contains("origins"), "{msg}");
}

#[cfg(feature = "serde")]
#[test]
fn config_file_policy_validates_like_the_builder() {
    let s: PolicySpec = toml::from_str(
        r#"
        origins = ["https://app.example.re", "https://*.example.re"]
        credentials = true
        methods = ["GET", "PUT"]
        headers = ["content-type"]
        expose = ["x-total-count"]
        max_age = 600
        "#,
    )
    .unwrap();
    let built = PolicySpec::new()
        .origins(["https://app.example.re", "https://*.example.re"])
        .credentials(true)
        .methods(["GET", "PUT"])
        .headers(["content-type"])
        .expose(["x-total-count"])
        .max_age(600);
    assert_eq!(s, built);
    let json: PolicySpec = serde_json::from_str(r#"{"origins": ["*"], "max_age": 90000}"#).unwrap();
    assert!(json
        .validate()
        .unwrap_err()
        .contains(ErrorKind::MaxAgeTooLarge));
}

#[test]
fn hostile_configuration_is_refused_without_panicking() {
    let huge = format!("https://{}", "a".repeat(100_000));
    let weird = [
        "\u{0}",
        "https://\u{202e}evil.example",
        "https://[",
        "https://[::1",
        "https://:443",
        "💥",
    ];
    let mut origins: Vec<String> = weird.iter().map(|s| s.to_string()).collect();
    origins.push(huge);
    let errs = errors(&PolicySpec {
        origins,
        ..PolicySpec::default()
    });
    assert_eq!(errs.len(), 7, "{errs:#?}");
}

/// Serde's field names, `Field::key()` and the builder's key mapping cannot drift apart: each
/// key deserializes into exactly the field that `list_mut` / `set_flag` / `max_age` set.
#[cfg(feature = "serde")]
#[test]
fn every_field_key_deserializes_as_its_spec_field() {
    use cors_shared::Shape;
    for field in Field::ALL {
        let key = field.key();
        let (toml, mut expected) = (String::new(), PolicySpec::new());
        let toml = match field.shape() {
            Shape::Strings | Shape::Methods => {
                expected.list_mut(field).unwrap().push("x".into());
                format!("{toml}{key} = [\"x\"]")
            }
            Shape::Seconds => {
                expected.max_age = Some(7);
                format!("{toml}{key} = 7")
            }
            Shape::Flag => {
                assert!(expected.set_flag(field, true), "`{key}` is a flag");
                format!("{toml}{key} = true")
            }
            _ => unreachable!("a new shape needs a case here"),
        };
        let parsed: PolicySpec =
            toml::from_str(&toml).unwrap_or_else(|e| panic!("`{key}` is not a spec field: {e}"));
        assert_eq!(parsed, expected, "`{key}`");
        assert!(Field::from_key(key) == Some(field));
    }
}
