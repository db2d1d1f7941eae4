//! `cors-doctor` against servers that make the classic CORS mistakes, and against every
//! conformance server, none of which makes any.
//!
//! The mistakes are nginx locations (`tests/assets/nginx/doctor-mistakes.conf`), started here on
//! loopback with their own temporary configuration: `add_header` in the wrong `location`, or
//! without `always`; `*` with credentials; an origin reflected without a list; a cache in front
//! of a server that forgets `Vary`; headers on OPTIONS only; a proxy that hides
//! `Access-Control-Allow-Origin`; a preflight answered by a redirect; an http -> https redirect
//! of the actual request; a preflight answered by another policy than the GET. Each must be
//! diagnosed at the right step, with the right reason, Chromium's console message and exit
//! status. Against the conformance servers, which are not nginx, the wording is checked too.
//!
//! Needs `nginx` and `openssl` (`apt-get install -y --no-install-recommends nginx openssl`); a
//! missing one fails the tests with that hint.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;

use cors_doctor::compare::Change;
use cors_doctor::scan::ScanVerdict;
use cors_doctor::{diagnose, steps, Options, Report, Request, StepStatus, Verdict};
use cors_tests::server::{free_port, Server};
use cors_tests::tools::{render, self_signed_certificate, Nginx, TempDir};

const MISTAKES_CONF: &str = include_str!("../assets/nginx/doctor-mistakes.conf");

const APP: &str = "https://app.example.re";
const DASHBOARD: &str = "https://dashboard.example.re";
const NO_ACAO: &str = "No 'Access-Control-Allow-Origin' header is present on the requested \
                       resource. If an opaque response serves your needs, set the request's mode \
                       to 'no-cors' to fetch the resource with CORS disabled.";

/// nginx serving the mistakes, over HTTP on `port` and HTTPS on `tls_port`.
struct Mistakes {
    _nginx: Nginx,
    port: u16,
    tls_port: u16,
}

impl Mistakes {
    /// Starts nginx; `upstream` is what `/hidden/` proxies to.
    fn start(upstream: SocketAddr) -> Mistakes {
        let dir = TempDir::new("doctor-nginx").unwrap();
        let cert = self_signed_certificate(dir.path(), &["localhost"]).unwrap();
        let (port, tls_port) = (free_port(), free_port());
        let config = render(
            MISTAKES_CONF,
            &[
                ("dir", &dir.path().display().to_string()),
                ("port", &port.to_string()),
                ("tls_port", &tls_port.to_string()),
                ("cert", &cert.cert.display().to_string()),
                ("key", &cert.key.display().to_string()),
                ("upstream", &upstream.to_string()),
            ],
        )
        .unwrap();
        let listens = [
            SocketAddr::from(([127, 0, 0, 1], port)),
            SocketAddr::from(([127, 0, 0, 1], tls_port)),
        ];
        let nginx = Nginx::start(&config, dir, &listens).unwrap_or_else(|e| panic!("{e}"));
        Mistakes {
            _nginx: nginx,
            port,
            tls_port,
        }
    }

    /// Without a meaningful upstream (the tests that do not use `/hidden/`).
    fn alone() -> Mistakes {
        Mistakes::start(SocketAddr::from(([127, 0, 0, 1], 9)))
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// Runs the command line in process: (exit status, stdout, stderr).
fn cli(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let all = std::iter::once("cors-doctor").chain(args.iter().copied());
    let code = cors_doctor::cli::run(all, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn step_names(report: &Report) -> Vec<(&str, bool)> {
    report
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.ok))
        .collect()
}

fn run(request: &Request) -> Report {
    diagnose(request, &Options::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn console(url: &str, message: &str) -> String {
    format!(
        "Access to fetch at '{url}' from origin '{APP}' has been blocked by CORS policy: {message}"
    )
}

#[test]
fn case_1_add_header_in_the_wrong_location_leaves_no_allow_origin() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/api/data");
    let report = run(&Request::new(&url, APP));
    assert_eq!(report.verdict, Verdict::Blocked);
    assert_eq!(
        step_names(&report),
        [
            (steps::PREFLIGHT_NEEDED, true),
            (steps::REQUEST, true),
            (steps::CORS_CHECK, false)
        ]
    );
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(failure.step, steps::CORS_CHECK);
    assert_eq!(failure.chromium_message, console(&url, NO_ACAO));
    assert!(
        failure
            .reason
            .contains("the `add_header` sits in another `location` block"),
        "{}",
        failure.reason
    );
    assert!(
        failure
            .fix
            .contains("`#[cors(origins = [\"https://app.example.re\"])]`"),
        "{}",
        failure.fix
    );
    let (code, text, _) = cli(&[&url, "--origin", APP]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("✗ CORS check"), "{text}");
    assert!(
        text.contains("Verdict: blocked at step \"CORS check\"."),
        "{text}"
    );
    assert!(
        text.contains(&format!("Console: {}", console(&url, NO_ACAO))),
        "{text}"
    );

    // The location that does have the headers: read.
    let (code, text, _) = cli(&[&nginx.url("/api/other"), "--origin", APP]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Verdict: read."), "{text}");
}

#[test]
fn case_1_add_header_without_always_is_found_on_the_error_path() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/noalways/data");
    let report = run(&Request::new(&url, APP));
    assert_eq!(report.verdict, Verdict::Read);
    assert_eq!(
        step_names(&report),
        [
            (steps::PREFLIGHT_NEEDED, true),
            (steps::REQUEST, true),
            (steps::CORS_CHECK, true),
            (steps::READABLE_HEADERS, true),
            (steps::ERROR_PATH, false),
        ]
    );
    let error_path = report.error_path.as_ref().unwrap();
    assert_eq!(
        error_path.url,
        nginx.url("/noalways/data/cors-doctor-probe-404")
    );
    assert_eq!(error_path.status, 404);
    assert!(!error_path.passes);
    let problem = error_path.problem.as_deref().unwrap();
    assert!(
        problem.contains("the success carries them, the error does not"),
        "{problem}"
    );
    assert!(
        problem.contains("`add_header` without `always`"),
        "{problem}"
    );
    assert_eq!(report.requests_sent, 2);
    // The page can read this response: exit 0, with the warning printed.
    let (code, text, _) = cli(&[&url, "--origin", APP]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("✗ error path"), "{text}");
    assert!(text.contains("But on errors: "), "{text}");
}

#[test]
fn case_2_wildcard_with_credentials_is_blocked_with_credentials_only() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/star-credentials");
    let report = run(&Request::new(&url, APP).credentials(true));
    assert_eq!(report.verdict, Verdict::Blocked);
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(failure.step, steps::CORS_CHECK);
    assert_eq!(
        failure.chromium_message,
        console(
            &url,
            "The value of the 'Access-Control-Allow-Origin' header in the response must not be \
             the wildcard '*' when the request's credentials mode is 'include'."
        )
    );
    assert_eq!(
        failure.reason,
        "Access-Control-Allow-Origin is `*`, which never covers a request with credentials \
         (cookies, HTTP authentication, client certificates)"
    );
    assert!(
        failure.fix.contains(
            "`#[cors(origins = [\"https://app.example.re\"], credentials)]` or \
             `PolicySpec::new().origin(\"https://app.example.re\").credentials(true)`"
        ),
        "{}",
        failure.fix
    );
    assert_eq!(cli(&[&url, "--origin", APP, "--credentials"]).0, 1);
    // Without credentials, `*` is fine.
    assert_eq!(cli(&[&url, "--origin", APP]).0, 0);
}

#[test]
fn a_preflight_answered_by_another_policy_than_the_get_is_named_as_such() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/two-policies");
    let report = run(&Request::new(&url, APP).method("DELETE").credentials(true));
    assert_eq!(report.verdict, Verdict::Blocked);
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(failure.step, steps::PREFLIGHT);
    assert!(
        failure.reason.ends_with(
            ". Yet the actual GET response of this URL allows https://app.example.re with \
             credentials: two different policies answered the two requests, so no route here \
             may handle DELETE, and the default policy likely answered the preflight: a \
             preflight for a method that no handler of the path routes is answered by the \
             default policy (this project's adapters do so, as do other CORS layers with \
             per-route policies). This is inferred from the two answers; the server does not \
             say which policy answered"
        ),
        "{}",
        failure.reason
    );
    assert!(
        failure.fix.starts_with(
            "no route here may handle DELETE, and the default policy likely answered the \
             preflight"
        ),
        "{}",
        failure.fix
    );
    assert!(
        !failure.fix.contains("credentials(true)"),
        "{}",
        failure.fix
    );
    // The preflight, then the GET that tells the two policies apart.
    assert_eq!(report.requests_sent, 2);
    assert_eq!(report.exchanges[1].method, "GET");
    // The same URL without credentials: the preflight passes, nothing to infer.
    let report = run(&Request::new(&url, APP).method("DELETE"));
    assert_eq!(report.verdict, Verdict::Read, "{:#?}", report.failure);
}

#[test]
fn case_3_reflection_without_a_list_is_caught_by_scan() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/reflect");
    let report = cors_doctor::scan(&url, &[APP.to_owned()], &Options::default()).unwrap();
    assert!(report.requests_sent <= 60, "{}", report.requests_sent);
    assert_eq!(report.requests_sent, report.findings.len());
    let classes: Vec<&str> = report.findings.iter().map(|f| f.class.as_str()).collect();
    for class in [
        "any origin",
        "null",
        "prefix",
        "suffix",
        "unescaped dot",
        "substring",
        "http trusted by https",
        "any subdomain",
        "special characters",
        "third-party hosting",
    ] {
        assert!(classes.contains(&class), "{class} missing from {classes:?}");
    }
    let any = report
        .findings
        .iter()
        .find(|f| f.class == "any origin")
        .unwrap();
    assert_eq!(any.verdict, ScanVerdict::Reflected);
    assert!(any.credentials);
    assert!(any.is_problem());
    assert_eq!(report.exit_code(), 1);
    let (code, text, _) = cli(&[&url, "--scan", "--trusted", APP]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("https://cors-doctor-attacker.example")
            && text.contains("REFLECTED, with credentials"),
        "{text}"
    );
    assert!(
        text.contains("with credentials: any page there can read the user's data"),
        "{text}"
    );
}

#[test]
fn case_4_a_cache_in_front_of_a_server_that_forgets_vary_is_caught() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/cached");
    let report = cors_doctor::probe_cache(
        &Request::new(&url, APP),
        Some(DASHBOARD),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(report.requests_sent, 5);
    assert!(report.cache_in_front);
    // The second origin got the first one's answer, from the cache.
    let second = &report.probes[1];
    assert_eq!(second.origin.as_deref(), Some(DASHBOARD));
    assert_eq!(second.allow_origin.as_deref(), Some(APP));
    assert!(
        second
            .cache_indicators
            .contains(&("x-cache-status".to_owned(), "HIT".to_owned())),
        "{second:?}"
    );
    assert!(
        report.problems.iter().any(|p| p.starts_with(
            "the request with Origin: https://dashboard.example.re got \
             `Access-Control-Allow-Origin: https://app.example.re`, the answer meant for the \
             origin request (x-cache-status: HIT)"
        )),
        "{:#?}",
        report.problems
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("have no `Vary: Origin`")),
        "{:#?}",
        report.problems
    );
    let (code, text, _) = cli(&[&url, "--origin", APP, "--cache", "--trusted", DASHBOARD]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("✗ the request with no Origin got"), "{text}");
}

#[test]
fn case_5_headers_on_options_only_pass_the_preflight_and_block_the_request() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/options-only");
    let request = Request::new(&url, APP)
        .method("put")
        .header("Content-Type", "application/json");
    let report = run(&request);
    assert_eq!(report.method, "PUT");
    assert_eq!(report.verdict, Verdict::Blocked);
    assert_eq!(
        step_names(&report),
        [
            (steps::PREFLIGHT_NEEDED, true),
            (steps::PREFLIGHT, true),
            (steps::REQUEST, true),
            (steps::CORS_CHECK, false)
        ]
    );
    let preflight = report.preflight.as_ref().unwrap();
    assert!(preflight.passed);
    assert_eq!(preflight.status, 204);
    assert!(preflight.request_headers.contains(&(
        "access-control-request-headers".to_owned(),
        "content-type".to_owned()
    )));
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(failure.step, steps::CORS_CHECK);
    assert_eq!(failure.chromium_message, console(&url, NO_ACAO));
    assert_eq!(
        failure.reason,
        "the preflight's response carried the CORS headers, the actual PUT response does not: \
         the CORS headers are added to OPTIONS answers only"
    );
    let (code, _, _) = cli(&[
        &url,
        "--origin",
        APP,
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
    ]);
    assert_eq!(code, 1);
}

#[test]
fn case_6_a_proxy_that_hides_allow_origin_is_caught_by_compare() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-actix"));
    let nginx = Mistakes::start(server.addr);
    let direct = format!("{}/private", server.url());
    let proxied = nginx.url("/hidden/private");
    let request = Request::new(&direct, APP).credentials(true);
    let report = cors_doctor::compare(&request, &proxied, &Options::default()).unwrap();
    assert_eq!(report.requests_sent, 4);
    assert!(report.first_passes);
    assert!(!report.second_passes);
    let dropped: Vec<_> = report
        .differences
        .iter()
        .map(|d| (d.request.as_str(), d.header.as_str(), d.change))
        .collect();
    assert_eq!(
        dropped,
        [("actual", "access-control-allow-origin", Change::Dropped)]
    );
    let (code, text, _) = cli(&[
        &direct,
        "--origin",
        APP,
        "--credentials",
        "--compare",
        &proxied,
    ]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "✗ actual request: the second layer drops `access-control-allow-origin` (first: \
             https://app.example.re; second: (absent))"
        ),
        "{text}"
    );
    // Through the proxy alone, the default run says what the browser sees.
    let through = run(&Request::new(&proxied, APP).credentials(true));
    assert_eq!(through.verdict, Verdict::Blocked);
    assert_eq!(through.failure.unwrap().step, steps::CORS_CHECK);
    // Two identical layers: nothing to report.
    assert_eq!(cli(&[&direct, "--origin", APP, "--compare", &direct]).0, 0);
}

#[test]
fn two_allow_origin_lines_are_seen_and_blocked_as_multiple_values() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/twice");
    let report = run(&Request::new(&url, APP));
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(failure.step, steps::CORS_CHECK);
    assert_eq!(
        failure.chromium_message,
        console(
            &url,
            "The 'Access-Control-Allow-Origin' header contains multiple values \
             'https://app.example.re, https://app.example.re', but only one is allowed. Have \
             the server send the header with a valid value, or, if an opaque response serves \
             your needs, set the request's mode to 'no-cors' to fetch the resource with CORS \
             disabled."
        )
    );
    assert!(failure
        .fix
        .starts_with("set Access-Control-Allow-Origin in one layer only"));
    // Both lines are in the exchange as received.
    assert_eq!(
        report.exchanges[0].all("access-control-allow-origin"),
        [APP, APP]
    );
}

#[test]
fn headers_a_page_cannot_set_are_dropped_with_a_warning() {
    let nginx = Mistakes::alone();
    let report = run(&Request::new(nginx.url("/api/other"), APP)
        .header("Cookie", "session=1")
        .header("X-Custom", "1"));
    assert_eq!(
        report.warnings.first().map(String::as_str),
        Some(
            "`Cookie` is a forbidden request header: a page cannot set it, so the browser drops \
             it and so does this diagnosis (cookies go along with --credentials, from the \
             browser's cookie jar)"
        )
    );
    // The API is on loopback and the page's origin a public name: Chrome's Local Network
    // Access prompt may stand in the way whatever the headers.
    // The request says how its URL relates to the page, as a browser's does.
    assert!(report.exchanges[0]
        .request_headers
        .contains(&("sec-fetch-site".to_owned(), "cross-site".to_owned())));
    assert_eq!(report.warnings.len(), 2, "{:#?}", report.warnings);
    assert!(report.warnings[1].contains("Local Network Access"));
    assert!(!report.exchanges[0]
        .request_headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("cookie")));
    // x-custom still needs a preflight, which this location does not answer.
    assert_eq!(report.failure.unwrap().step, steps::PREFLIGHT);
}

#[test]
fn a_cross_site_write_refused_after_a_passed_preflight_is_a_step_of_its_own() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/write-refused");
    let put = Request::new(&url, APP)
        .method("PUT")
        .header("Content-Type", "application/json");
    let report = run(&put);
    assert_eq!(report.verdict, Verdict::Blocked);
    assert_eq!(
        step_names(&report),
        [
            (steps::PREFLIGHT_NEEDED, true),
            (steps::PREFLIGHT, true),
            (steps::REQUEST, true),
            (steps::WRITE_REFUSED, false),
        ]
    );
    assert_eq!(
        report.steps[3].detail,
        format!(
            "PUT {url} -> 403 without CORS headers, sent with Sec-Fetch-Site: cross-site: the \
             server refused the cross-site write (the CORS check fails too)"
        )
    );
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(failure.step, steps::WRITE_REFUSED);
    assert!(
        failure.reason.starts_with(
            "CORS would let the page read this, but the server refused the cross-site write: \
             403. The preflight allowed https://app.example.re to send PUT; the PUT itself, \
             sent with `Sec-Fetch-Site: cross-site` and `Origin: https://app.example.re`, was \
             answered 403 without CORS headers"
        ),
        "{}",
        failure.reason
    );
    assert!(
        failure
            .fix
            .contains("list it in the route's CORS policy: the same allowlist governs writes"),
        "{}",
        failure.fix
    );
    assert!(
        failure
            .fix
            .contains("`#[cors(..., protect_writes = false)]`"),
        "{}",
        failure.fix
    );
    // The console shows a CORS error: the 403 has no Access-Control-Allow-Origin.
    assert_eq!(failure.chromium_message, console(&url, NO_ACAO));
    // Every request carried the Sec-Fetch-Site a browser sends from that page.
    for exchange in &report.exchanges {
        assert!(exchange
            .request_headers
            .contains(&("sec-fetch-site".to_owned(), "cross-site".to_owned())));
    }

    let args = [
        url.as_str(),
        "--origin",
        APP,
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
    ];
    let (code, text, _) = cli(&args);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("✓ preflight"), "{text}");
    assert!(text.contains("✗ write refused"), "{text}");
    assert!(
        text.contains("Verdict: blocked at step \"write refused\"."),
        "{text}"
    );
    assert!(
        text.contains("Why:     CORS would let the page read this, but the server refused the cross-site write: 403."),
        "{text}"
    );
    let (code, json, _) = cli(&[&args[..], &["--json"]].concat());
    assert_eq!(code, 1, "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["failure"]["step"], "write refused");
    assert_eq!(value["verdict"], "blocked");

    // A POST that needs no preflight: refused the same way, said without the preflight.
    let post = Request::new(&url, APP)
        .method("POST")
        .header("Content-Type", "text/plain");
    let report = run(&post);
    assert_eq!(
        step_names(&report),
        [
            (steps::PREFLIGHT_NEEDED, true),
            (steps::REQUEST, true),
            (steps::WRITE_REFUSED, false),
        ]
    );
    let reason = &report.failure.as_ref().unwrap().reason;
    assert!(
        reason.starts_with(
            "The server refused the cross-site write: 403. This POST needs no preflight, so the \
             browser sent it at once"
        ),
        "{reason}"
    );
}

#[test]
fn an_ordinary_403_with_cors_headers_is_read_and_not_a_refused_write() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/forbidden-readable");
    let put = Request::new(&url, APP)
        .method("PUT")
        .header("Content-Type", "application/json");
    let report = run(&put);
    assert_eq!(report.verdict, Verdict::Read);
    assert!(report.failure.is_none());
    assert!(report.steps.iter().all(|s| s.name != steps::WRITE_REFUSED));
    let check = report
        .steps
        .iter()
        .find(|s| s.name == steps::CORS_CHECK)
        .unwrap();
    assert!(
        check
            .detail
            .ends_with("; the page can read this 403: the application answered it, not a cross-site write protection (which answers without CORS headers)"),
        "{}",
        check.detail
    );
    let (code, text, _) = cli(&[&url, "--origin", APP, "-X", "PUT"]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("write refused"), "{text}");
}

#[test]
fn a_preflight_answered_by_a_redirect_is_blocked_at_the_preflight() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/moved");
    let report = run(&Request::new(&url, APP)
        .method("PUT")
        .header("content-type", "application/json"));
    assert_eq!(
        step_names(&report),
        [(steps::PREFLIGHT_NEEDED, true), (steps::PREFLIGHT, false)]
    );
    let preflight = report.preflight.as_ref().unwrap();
    assert_eq!(preflight.status, 301);
    assert!(!preflight.passed);
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(failure.step, steps::PREFLIGHT);
    assert_eq!(
        failure.chromium_message,
        console(
            &url,
            "Response to preflight request doesn't pass access control check: Redirect is not \
             allowed for a preflight request."
        )
    );
    assert!(
        failure.reason.starts_with(&format!(
            "the preflight was answered with a 301 redirect to {}",
            nginx.url("/moved-here")
        )),
        "{}",
        failure.reason
    );
    assert_eq!(report.requests_sent, 1);
    assert_eq!(
        cli(&[
            &url,
            "--origin",
            APP,
            "-X",
            "PUT",
            "-H",
            "content-type: application/json"
        ])
        .0,
        1
    );
}

#[test]
fn an_http_to_https_redirect_makes_the_origin_null() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/to-https");
    let https = format!("https://127.0.0.1:{}/to-https", nginx.tls_port);
    let options = Options {
        insecure: true,
        ..Options::default()
    };
    let report = diagnose(&Request::new(&url, APP), &options).unwrap();
    assert_eq!(report.verdict, Verdict::Blocked);
    assert_eq!(
        step_names(&report),
        [
            (steps::PREFLIGHT_NEEDED, true),
            (steps::REQUEST, true),
            (steps::CORS_CHECK, true),
            (steps::REDIRECT, true),
            (steps::PREFLIGHT_NEEDED, true),
            (steps::REQUEST, true),
            (steps::CORS_CHECK, false),
        ]
    );
    assert_eq!(
        report.steps[3].detail,
        format!(
            "301 to {https}; the redirect crosses origins, so the next request carries \
             `Origin: null` (Fetch: the tainted origin flag)"
        )
    );
    assert_eq!(
        report.steps[5].detail,
        format!("GET {https} with Origin: null -> 200")
    );
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(
        failure.chromium_message,
        format!(
            "Access to fetch at '{https}' (redirected from '{url}') from origin '{APP}' has been \
             blocked by CORS policy: {NO_ACAO}"
        )
    );
    assert!(
        failure.reason.starts_with(&format!(
            "the request was redirected across origins ({url} to {https}); from then on the \
             browser sends `Origin: null` instead of https://app.example.re"
        )),
        "{}",
        failure.reason
    );
    assert!(
        failure.fix.starts_with("fetch the final URL directly"),
        "{}",
        failure.fix
    );
    // Without --insecure, the throw-away certificate is refused: exit 2 with the hint.
    let (code, _, err) = cli(&[&url, "--origin", APP]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the TLS handshake failed") && err.contains("--insecure"),
        "{err}"
    );
    assert_eq!(cli(&[&url, "--origin", APP, "--insecure"]).0, 1);
}

#[test]
fn json_output_has_the_documented_fields() {
    let nginx = Mistakes::alone();
    let url = nginx.url("/options-only");
    let (code, text, _) = cli(&[
        &url,
        "--origin",
        APP,
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
        "--json",
    ]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["verdict"], "blocked");
    assert_eq!(value["preflight"]["status"], 204);
    assert_eq!(value["preflight"]["passed"], true);
    assert!(value["preflight"]["headers"].is_array());
    let steps = value["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 4);
    for step in steps {
        assert!(step["name"].is_string() && step["ok"].is_boolean() && step["detail"].is_string());
    }
    assert_eq!(value["failure"]["step"], "CORS check");
    for key in ["reason", "fix", "chromium_message"] {
        assert!(value["failure"][key].is_string(), "{key}");
    }
    assert!(value["readable_headers"].is_array());

    let (code, text, _) = cli(&[&nginx.url("/api/other"), "--origin", APP, "--json"]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["verdict"], "read");
    assert!(value["preflight"].is_null());
    assert!(value["failure"].is_null());
    assert_eq!(
        value["readable_headers"],
        serde_json::json!(["content-type", "content-length"])
    );
}

/// One `fetch()` the browser tests also make, with the verdict the policy gives.
struct Case {
    page: &'static str,
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    credentials: bool,
    read: bool,
    /// The step a blocked case fails at.
    step: &'static str,
}

const fn case(page: &'static str, path: &'static str, read: bool) -> Case {
    Case {
        page,
        method: "GET",
        path,
        headers: &[],
        credentials: false,
        read,
        step: steps::CORS_CHECK,
    }
}

fn conformance_cases() -> Vec<Case> {
    vec![
        case(APP, "/plain", true),
        Case {
            credentials: true,
            ..case(APP, "/private", true)
        },
        Case {
            credentials: true,
            ..case(APP, "/public", false)
        },
        Case {
            method: "PUT",
            headers: &[("content-type", "application/json"), ("x-custom", "1")],
            credentials: true,
            ..case(APP, "/private", true)
        },
        Case {
            method: "DELETE",
            credentials: true,
            ..case(APP, "/private", true)
        },
        Case {
            method: "PATCH",
            step: steps::PREFLIGHT,
            ..case(APP, "/private", false)
        },
        Case {
            headers: &[("x-other", "1")],
            step: steps::PREFLIGHT,
            ..case(APP, "/private", false)
        },
        case(APP, "/public", true),
        case("null", "/sandbox", true),
        Case {
            credentials: true,
            ..case("https://x.example.re", "/sub", true)
        },
        Case {
            credentials: true,
            ..case("https://a.b.example.re", "/sub", true)
        },
        case("https://example.re", "/sub", false),
        case("http://localhost:5173", "/local", true),
        case("https://evil.example", "/private", false),
        case("https://evil.example", "/plain", false),
    ]
}

fn good_server(binary: &str) {
    let server = Server::start(binary);
    for c in conformance_cases() {
        let mut request = Request::new(format!("{}{}", server.url(), c.path), c.page)
            .method(c.method)
            .credentials(c.credentials);
        for (n, v) in c.headers {
            request = request.header(*n, *v);
        }
        let report = run(&request);
        let label = format!("{} {} from {} ({binary})", c.method, c.path, c.page);
        if c.read {
            assert_eq!(
                report.verdict,
                Verdict::Read,
                "{label}: {:#?}",
                report.failure
            );
            assert_eq!(report.exit_code(), 0, "{label}");
        } else {
            assert_eq!(report.verdict, Verdict::Blocked, "{label}");
            assert_eq!(report.failure.as_ref().unwrap().step, c.step, "{label}");
        }
    }
    // Exposed headers, as the browser tests read them.
    let private = run(&Request::new(format!("{}/private", server.url()), APP));
    assert!(private
        .readable_headers
        .contains(&"x-total-count".to_owned()));
    assert!(private.hidden_headers.contains(&"vary".to_owned()));
    assert!(private.error_path.as_ref().unwrap().problem.is_none());
    let public = run(&Request::new(format!("{}/public", server.url()), APP));
    assert!(public.readable_headers.contains(&"x-request-id".to_owned()));
    // The command line: exit 0 for a read, and the scan and cache modes find nothing.
    let private_url = format!("{}/private", server.url());
    let (code, text, _) = cli(&[&private_url, "--origin", APP, "--credentials"]);
    assert_eq!(code, 0, "{text}");
    let (code, text, _) = cli(&[
        &private_url,
        "--scan",
        "--trusted",
        APP,
        "--trusted",
        DASHBOARD,
    ]);
    assert_eq!(code, 0, "{text}");
    let (code, text, _) = cli(&[
        &private_url,
        "--origin",
        APP,
        "--cache",
        "--trusted",
        DASHBOARD,
    ]);
    assert_eq!(code, 0, "{text}");
    let preflighted = [
        private_url.as_str(),
        "--origin",
        APP,
        "--credentials",
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
        "-H",
        "X-Custom: 1",
    ];
    let (code, text, _) = cli(&preflighted);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("✓ preflight "), "{text}");
}

/// What the doctor says about an application server, which is not nginx: a refused origin's fix
/// is conditional and has no nginx hint, an error that allows the origin but not credentials is
/// a warning, a preflight for a method no route of the path handles names the default policy,
/// and the scan's rows say what they saw.
fn wording_on_an_application_server(binary: &str) {
    let server = Server::start(binary);
    let private = format!("{}/private", server.url());
    let report = run(&Request::new(&private, "https://evil.example"));
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(
        failure.reason,
        "the response has no Access-Control-Allow-Origin: the server's CORS configuration does \
         not cover this URL, method or status, or https://evil.example is not on its list"
    );
    assert!(
        failure.fix.starts_with(
            "if https://evil.example should be allowed to read this, make the CORS \
             configuration answer this URL for https://evil.example on every status. Here: "
        ),
        "{}",
        failure.fix
    );
    assert!(!failure.fix.contains("nginx"), "{}", failure.fix);

    // `/sub`'s 404s get the default policy: the origin, without credentials.
    let sub = format!("{}/sub", server.url());
    let report = run(&Request::new(&sub, APP).credentials(true));
    assert_eq!(report.verdict, Verdict::Read);
    let last = report.steps.last().unwrap();
    assert_eq!(
        (last.name.as_str(), last.ok, last.status),
        (steps::ERROR_PATH, true, StepStatus::Warning)
    );
    let (code, text, _) = cli(&[&sub, "--origin", APP, "--credentials"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "! {:<16}  GET {sub}/cors-doctor-probe-404 -> 404 allows the origin but not \
             credentials",
            "error path"
        )),
        "{text}"
    );
    let (_, json, _) = cli(&[&sub, "--origin", APP, "--credentials", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let steps = value["steps"].as_array().unwrap();
    assert_eq!(steps.last().unwrap()["status"], "warning");
    assert_eq!(steps[0]["status"], "ok");

    // No DELETE route on `/sub`: the default policy refuses the preflight.
    let report = run(&Request::new(&sub, APP).method("DELETE").credentials(true));
    let failure = report.failure.as_ref().unwrap();
    assert!(
        failure.reason.ends_with(
            ". The actual GET response of this URL allows https://app.example.re with \
             credentials, so either the policy that answers GET does not allow DELETE, or no \
             route here may handle DELETE, and the default policy likely answered the \
             preflight: a preflight for a method that no handler of the path routes is \
             answered by the default policy (this project's adapters do so, as do other CORS \
             layers with per-route policies). The server does not say which policy answered"
        ),
        "{}",
        failure.reason
    );
    assert!(
        failure.fix.ends_with(
            ". If no route here handles DELETE, the default policy answered and the block is \
             expected: add a DELETE route with its own policy if one should exist, rather than \
             widening the default policy for every path"
        ),
        "{}",
        failure.fix
    );
    assert_eq!(report.requests_sent, 2);

    // Scans without --trusted: the URL's own origin stands in, and needs no CORS.
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    let own = format!("http://127.0.0.1:{port}");
    let (code, text, _) = cli(&[&private, "--scan"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "✓ {:<22} {own:<55} not allowed (a page on the URL's own origin needs no CORS)",
            "own origin"
        )),
        "{text}"
    );
    assert!(
        !text.contains("✓ trusted") && !text.contains("refused"),
        "{text}"
    );
    // With a trusted origin the server does not allow: a warning.
    let (_, text, _) = cli(&[&private, "--scan", "--trusted", "https://nope.example.re"]);
    assert!(
        text.contains(&format!(
            "! {:<22} {:<55} not allowed: this trusted origin gets no \
             Access-Control-Allow-Origin",
            "trusted", "https://nope.example.re"
        )),
        "{text}"
    );
    // On a `*` route nothing is "refused".
    let (code, text, _) = cli(&[&format!("{}/public", server.url()), "--scan"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("`*` (any origin, without credentials)"),
        "{text}"
    );
    assert!(!text.contains("refused"), "{text}");
}

/// The doctor against each conformance server: `actix::the_conformance_server_passes` and so on.
macro_rules! conformance_server_tests {
    ($name:ident, $adapter:expr, $binary:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn wording_on_the_conformance_server() {
                wording_on_an_application_server($binary);
            }

            #[test]
            fn the_conformance_server_passes() {
                good_server($binary);
            }
        }
    };
}

cors_tests::for_each_conformance_server!(conformance_server_tests);

/// A WebSocket endpoint that answers one handshake with 101 and then waits until the client
/// closes the connection; sends back the request's head and whether the client closed.
fn one_socket() -> (String, std::thread::JoinHandle<(String, bool)>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            head.push(byte[0]);
        }
        stream
            .write_all(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: \
                  Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            )
            .unwrap();
        // The client closes the socket at once: the read ends with 0 bytes, not a timeout.
        let closed = matches!(stream.read(&mut byte), Ok(0));
        (String::from_utf8(head).unwrap(), closed)
    });
    (format!("ws://{addr}/notes/socket"), handle)
}

#[test]
fn a_websocket_handshake_that_opens_is_sent_as_a_browser_sends_it_and_closed() {
    let (url, server) = one_socket();
    let (code, text, err) = cli(&[&url, "--origin", APP, "--websocket"]);
    // Before waiting for the server: a run that never connects fails here.
    assert_eq!(code, 0, "{text}{err}");
    let (head, closed) = server.join().unwrap();
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.starts_with("get /notes/socket http/1.1\r\n"),
        "{head}"
    );
    for line in [
        "\r\nconnection: upgrade\r\n",
        "\r\nupgrade: websocket\r\n",
        "\r\nsec-websocket-version: 13\r\n",
        "\r\norigin: https://app.example.re\r\n",
        "\r\nsec-fetch-site: cross-site\r\n",
        "\r\nsec-fetch-mode: websocket\r\n",
        "\r\nsec-fetch-dest: empty\r\n",
    ] {
        assert!(lower.contains(line), "{line:?} in {head}");
    }
    let key = lower
        .lines()
        .find_map(|l| l.strip_prefix("sec-websocket-key: "))
        .unwrap();
    assert_eq!(key.len(), 24, "{head}");
    assert!(closed, "the doctor must not keep the socket open");
    assert!(
        text.contains(&format!(
            "✓ handshake  GET {} -> 101",
            url.replacen("ws://", "http://", 1)
        )),
        "{text}"
    );
    assert!(
        text.contains("Verdict: opened. 101 Switching Protocols with Upgrade: websocket"),
        "{text}"
    );
    assert!(
        text.contains("Chromium sends no Sec-Fetch-* header with a handshake"),
        "{text}"
    );
    assert!(text.contains("CORS does not apply to WebSockets"), "{text}");
}

#[test]
fn a_websocket_handshake_refused_with_403_is_named_with_the_fix() {
    let nginx = Mistakes::alone();
    let url = format!("ws://127.0.0.1:{}/socket-refused", nginx.port);
    let (code, text, err) = cli(&[&url, "--origin", DASHBOARD, "--websocket"]);
    assert_eq!(code, 1, "{text}{err}");
    assert!(
        text.contains(&format!(
            "✗ handshake  GET {} -> 403",
            nginx.url("/socket-refused")
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "Verdict: refused. 403: the server refused the handshake from \
             https://dashboard.example.re (Sec-Fetch-Site: cross-site): the answer of write \
             protection"
        ),
        "{text}"
    );
    assert!(text.contains("Fix:     if https://dashboard.example.re should open this socket, list it in the route's CORS policy"), "{text}");
    assert!(
        text.contains(
            "! the answer carries access-control-allow-origin: CORS does not apply to WebSockets"
        ),
        "{text}"
    );

    let (code, json, _) = cli(&[&url, "--origin", DASHBOARD, "--websocket", "--json"]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["websocket"]["verdict"], "refused");
    assert_eq!(value["websocket"]["status"], 403);
    assert_eq!(value["websocket"]["sec_fetch_site"], "cross-site");
    assert_eq!(value["problems_found"], true);

    // No socket at all: 200 is a failure, with the proxy hint.
    let plain = nginx.url("/socket-plain");
    let (code, text, _) = cli(&[&plain, "--origin", APP, "--websocket"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Verdict: failed. 200 instead of 101 Switching Protocols"),
        "{text}"
    );
    assert!(
        text.contains("proxy_set_header Upgrade $http_upgrade"),
        "{text}"
    );

    // A fetch's options make no sense for a handshake: a usage error.
    let (code, _, err) = cli(&[&plain, "--origin", APP, "--websocket", "-X", "POST"]);
    assert_eq!(code, 2, "{err}");
}
