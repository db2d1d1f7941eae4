//! A real browser is the judge: headless Chromium, driven over WebDriver, loads a page from one
//! origin and `fetch()`es a conformance server on another. `fetch()` resolving means the
//! browser let the page read the response; rejecting means it blocked it. Each scenario's
//! expected verdict comes from the route's policy (the conformance contract); the browser's
//! verdict is the assertion. `cors-doctor` replays every scenario's request against the same
//! server and must reach the browser's verdict.
//!
//! How the origins are real without a network: the test pages (`tests/assets/web`) are served
//! by nginx over TLS with a throw-away certificate, and Chromium's `--host-resolver-rules` maps
//! port 443 of `app.example.re`, `x.example.re`, `a.b.example.re`, `example.re` and
//! `evil.example` to that nginx on a high loopback port, so the page's origin is exactly
//! `https://app.example.re` (no port). The `http://localhost:PORT` origin is the same nginx
//! over plain HTTP, and the `null` origin a sandboxed iframe. The API is the conformance server
//! at `http://127.0.0.1:PORT`: loopback is potentially trustworthy, so an https page may fetch
//! it (no mixed-content block), and since the pages resolve to loopback too, Chromium's local
//! network access rules do not apply.
//!
//! Where the engines depart from the Fetch Standard (`cors_browser::DEVIATIONS`), each engine
//! runs the same requests against fixed answers (`tests/assets/nginx/engine-deviations.conf`:
//! a wildcard for `authorization`, redirects to another origin); its verdicts must be the ones
//! the table here records, and `cors-doctor`'s verdict for that engine must equal them.
//!
//! Write protection is judged the same way, by what the server did: pages on an untrusted
//! origin (`https://evil.example`), a same-site one (`https://other.example.re`) and the
//! trusted one (`https://app.example.re`) POST forms, `no-cors` and credentialed fetches, and
//! open WebSockets to `https://api.example.re`, which the page server proxies (upgrades
//! included) to the conformance server; the count of notes, read from the server directly,
//! must change by exactly what the contract says. The page server's log of the API records the
//! `Sec-Fetch-Site` each engine sent, and the test prints it.
//!
//! Needs `chromium`, `chromium-driver`, `nginx` and `openssl`; a missing one fails the tests
//! with the `apt-get install` line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use cors_tests::http::{send, Request};
use cors_tests::server::{Adapter, Server};
use cors_tests::tools::{render, self_signed_certificate, Error, Nginx};
use cors_tests::webdriver::{Browser, BrowserOptions, Engine};

const PAGES_CONF: &str = include_str!("../assets/nginx/pages.conf");
const API_TLS_CONF: &str = include_str!("../assets/nginx/api-tls.conf");
const DEVIATIONS_CONF: &str = include_str!("../assets/nginx/engine-deviations.conf");
const WEB_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/web");

/// The origin a scenario's page is loaded from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    /// `https://app.example.re`: listed by `/private` and the global policy.
    App,
    /// `https://x.example.re`: matches `https://*.example.re`.
    Sub,
    /// `https://a.b.example.re`: a deeper subdomain.
    Deep,
    /// `https://example.re`: the bare domain, which the pattern never matches.
    Apex,
    /// `https://evil.example`: listed nowhere.
    Evil,
    /// `http://localhost:PORT`: matches `http://localhost:*`.
    Localhost,
}

/// What the policy says the browser must do.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// The page reads the response: this status, this body (when given), and each header
    /// as the page sees it (`None`: hidden from the page).
    Read {
        status: u16,
        body: Option<&'static str>,
        headers: &'static [(&'static str, Option<&'static str>)],
    },
    /// The browser refuses the page the response (or refuses to send it after the preflight).
    Blocked,
}

struct Scenario {
    name: &'static str,
    page: Page,
    /// Run inside `<iframe sandbox="allow-scripts">`: `Origin: null`.
    sandboxed: bool,
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
    credentials: bool,
    /// Why the policy gives this verdict.
    policy: &'static str,
    expect: Expect,
}

const fn get(name: &'static str, page: Page, path: &'static str) -> Scenario {
    Scenario {
        name,
        page,
        sandboxed: false,
        method: "GET",
        path,
        headers: &[],
        body: None,
        credentials: false,
        policy: "",
        expect: Expect::Blocked,
    }
}

const fn read(status: u16, body: &'static str) -> Expect {
    Expect::Read {
        status,
        body: Some(body),
        headers: &[],
    }
}

/// The scenarios, grouped by page so each page is opened once.
fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            policy: "the global policy lists https://app.example.re",
            expect: read(200, "plain"),
            ..get("simple_get_allowed", Page::App, "/plain")
        },
        Scenario {
            credentials: true,
            policy: "/private lists https://app.example.re and allows credentials",
            expect: read(200, "private"),
            ..get(
                "credentialed_get_from_a_listed_origin",
                Page::App,
                "/private",
            )
        },
        Scenario {
            credentials: true,
            policy: "/public allows `*`, which a browser never accepts with credentials",
            ..get(
                "credentialed_get_against_wildcard_blocked",
                Page::App,
                "/public",
            )
        },
        Scenario {
            method: "PUT",
            headers: &[("content-type", "application/json"), ("x-custom", "1")],
            body: Some("{\"n\":1}"),
            credentials: true,
            policy: "/private allows PUT and the request headers content-type and x-custom",
            expect: read(200, "updated"),
            ..get(
                "preflighted_put_with_json_and_custom_header",
                Page::App,
                "/private",
            )
        },
        Scenario {
            method: "DELETE",
            credentials: true,
            policy: "/private allows DELETE; its CORS headers are on error responses too",
            expect: Expect::Read {
                status: 500,
                body: None,
                headers: &[],
            },
            ..get("delete_500_is_readable", Page::App, "/private")
        },
        Scenario {
            method: "PATCH",
            policy: "/private allows GET, PUT, DELETE: the PATCH preflight is refused",
            ..get("patch_blocked", Page::App, "/private")
        },
        Scenario {
            headers: &[("x-other", "1")],
            policy: "/private allows the request headers content-type and x-custom, not x-other",
            ..get("unlisted_request_header_blocked", Page::App, "/private")
        },
        Scenario {
            policy: "/private exposes x-total-count",
            expect: Expect::Read {
                status: 200,
                body: Some("private"),
                headers: &[("x-total-count", Some("42"))],
            },
            ..get("exposed_header_readable", Page::App, "/private")
        },
        Scenario {
            policy: "/private exposes only x-total-count; the server's Vary stays hidden",
            expect: Expect::Read {
                status: 200,
                body: Some("private"),
                headers: &[("vary", None)],
            },
            ..get("non_exposed_header_hidden", Page::App, "/private")
        },
        Scenario {
            policy: "/public exposes x-request-id",
            expect: Expect::Read {
                status: 200,
                body: Some("public"),
                headers: &[("x-request-id", Some("7"))],
            },
            ..get("wildcard_exposed_header_readable", Page::App, "/public")
        },
        Scenario {
            sandboxed: true,
            policy: "/sandbox opts in to the null origin",
            expect: read(200, "sandbox"),
            ..get(
                "null_origin_from_sandboxed_iframe_allowed",
                Page::App,
                "/sandbox",
            )
        },
        Scenario {
            sandboxed: true,
            policy: "/private does not list null",
            ..get(
                "null_origin_from_sandboxed_iframe_refused",
                Page::App,
                "/private",
            )
        },
        Scenario {
            policy: "the global policy lists only https://app.example.re",
            ..get("simple_get_refused", Page::Evil, "/plain")
        },
        Scenario {
            policy: "/public allows `*` without credentials",
            expect: read(200, "public"),
            ..get("wildcard_get_from_any_origin", Page::Evil, "/public")
        },
        Scenario {
            policy: "/private lists two origins, not this one",
            ..get("unlisted_origin_refused", Page::Evil, "/private")
        },
        Scenario {
            policy: "/local allows http://localhost:* and http://127.0.0.1:* only",
            ..get("port_pattern_refuses_other_hosts", Page::Evil, "/local")
        },
        Scenario {
            credentials: true,
            policy: "/sub allows https://*.example.re with credentials",
            expect: read(200, "sub"),
            ..get("subdomain_pattern_allowed", Page::Sub, "/sub")
        },
        Scenario {
            policy: "/private lists exact origins; a subdomain is not one of them",
            ..get("subdomain_not_in_exact_list", Page::Sub, "/private")
        },
        Scenario {
            credentials: true,
            policy: "https://*.example.re matches subdomains at any depth",
            expect: read(200, "sub"),
            ..get("subdomain_pattern_any_depth", Page::Deep, "/sub")
        },
        Scenario {
            credentials: true,
            policy: "https://*.example.re never matches the bare domain",
            ..get("subdomain_pattern_excludes_bare_domain", Page::Apex, "/sub")
        },
        Scenario {
            policy: "/local allows http://localhost:* (any explicit port)",
            expect: read(200, "local"),
            ..get("port_pattern_allowed", Page::Localhost, "/local")
        },
        Scenario {
            policy: "/private does not list http://localhost:PORT",
            ..get("localhost_not_in_exact_list", Page::Localhost, "/private")
        },
    ]
}

/// The https test names; each must resolve to loopback in every engine.
const TEST_NAMES: [&str; 7] = [
    "app.example.re",
    "x.example.re",
    "a.b.example.re",
    "example.re",
    "evil.example",
    "api.example.re",
    "other.example.re",
];

/// The page server: nginx serving `tests/assets/web` over TLS on `tls_port` and over plain
/// HTTP on `http_port` (the `http://localhost:PORT` origin).
struct Pages {
    nginx: Nginx,
    http_port: u16,
    tls_port: u16,
    /// The access log of `https://api.example.re`: one line per request, with its Fetch
    /// Metadata (`fetch_metadata` in `pages.conf`).
    api_log: std::path::PathBuf,
}

impl Pages {
    /// On `tls_port`, or on a free port when `None`.
    fn start(tls_port: Option<u16>) -> Result<Pages, Error> {
        let fixed: Vec<u16> = tls_port.into_iter().collect();
        let fresh = if tls_port.is_some() { 1 } else { 2 };
        let api_port = ApiRelay::shared().port.to_string();
        let mut api_log = std::path::PathBuf::new();
        let (nginx, ports) = Nginx::start_on_free_ports("pages", fresh, &fixed, |dir, ports| {
            api_log = dir.join("api.log");
            let cert = self_signed_certificate(
                dir,
                &[
                    "example.re",
                    "*.example.re",
                    "*.b.example.re",
                    "evil.example",
                ],
            )?;
            render(
                PAGES_CONF,
                &[
                    ("dir", &dir.to_string_lossy()),
                    (
                        "tls_port",
                        &tls_port.unwrap_or_else(|| ports[1]).to_string(),
                    ),
                    ("http_port", &ports[0].to_string()),
                    ("cert", &cert.cert.to_string_lossy()),
                    ("key", &cert.key.to_string_lossy()),
                    ("root", WEB_ROOT),
                    ("api_port", &api_port),
                ],
            )
        })?;
        Ok(Pages {
            nginx,
            http_port: ports[0],
            tls_port: tls_port.unwrap_or_else(|| ports[1]),
            api_log,
        })
    }

    /// The page server on 127.0.0.1:443, shared by every test of this binary that needs it
    /// and stopped when the last one ends. Firefox and WebKit cannot map a name's port 443 to
    /// another port the way Chromium's `--host-resolver-rules` does: with the names resolved
    /// to loopback, `https://app.example.re` reaches whatever listens on 127.0.0.1:443.
    fn shared_on_443() -> Result<Arc<Pages>, Error> {
        static SHARED: Mutex<Weak<Pages>> = Mutex::new(Weak::new());
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pages) = shared.upgrade() {
            return Ok(pages);
        }
        // Port 443 must be ours: another program there would answer for the test origins.
        // The previous shared server may still be stopping (its last user just ended), so
        // give the port a few seconds to come free.
        let deadline = Instant::now() + Duration::from_secs(5);
        let probe = loop {
            match TcpListener::bind(("127.0.0.1", 443)) {
                Err(e) if e.kind() == ErrorKind::AddrInUse && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                other => break other,
            }
        };
        match probe {
            Ok(probe) => drop(probe),
            Err(e) if e.kind() == ErrorKind::AddrInUse => {
                return Err(Error::new(
                    "127.0.0.1:443 is taken by another program (`ss -ltnp 'sport = :443'` \
                     names it). The Firefox and WebKit tests serve the https test origins \
                     (https://app.example.re, ...) there, because those browsers cannot map a \
                     name's port 443 to another port; stop that program, or run the tests \
                     where 443 is free",
                ))
            }
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot bind 127.0.0.1:443 ({e}). The Firefox and WebKit tests serve the \
                     https test origins there, because those browsers cannot map a name's port \
                     443 to another port; run the tests as root (or give nginx \
                     CAP_NET_BIND_SERVICE)"
                )))
            }
        }
        let pages = Arc::new(Pages::start(Some(443))?);
        *shared = Arc::downgrade(&pages);
        Ok(pages)
    }
}

/// nginx terminating TLS in front of the conformance server, on a free port. WebKitGTK does
/// not let an https page fetch `http://127.0.0.1` or `http://localhost`: it blocks them as mixed
/// content before sending anything (the server never sees the request), although the Mixed
/// Content spec treats loopback as potentially trustworthy and exempts it. Its pages fetch
/// `https://127.0.0.1:PORT` instead; requests and responses pass through unchanged.
fn tls_front(upstream: SocketAddr) -> Result<(Nginx, String), Error> {
    let (nginx, ports) = Nginx::start_on_free_ports("api-tls", 1, &[], |dir, ports| {
        let cert = self_signed_certificate(dir, &["localhost"])?;
        render(
            API_TLS_CONF,
            &[
                ("dir", &dir.to_string_lossy()),
                ("port", &ports[0].to_string()),
                ("upstream", &upstream.to_string()),
                ("cert", &cert.cert.to_string_lossy()),
                ("key", &cert.key.to_string_lossy()),
            ],
        )
    })?;
    Ok((nginx, format!("https://127.0.0.1:{}", ports[0])))
}

/// The page server and a browser whose test names reach it: Chromium maps port 443 of the
/// names to a page server of its own; Firefox and WebKit reach the shared one on 443.
fn pages_and_browser(engine: Engine) -> Result<(Arc<Pages>, Browser), Error> {
    let (pages, host_rules) = if engine.maps_ports() {
        let pages = Arc::new(Pages::start(None)?);
        let tls_port = pages.tls_port;
        // A rule's pattern may name a port and its replacement may change it: port 443 of
        // the test names goes to nginx's TLS port, so the origins carry no port.
        // Everything else but loopback fails to resolve: nothing leaves the machine.
        let to = format!("127.0.0.1:{tls_port}");
        let rules = format!(
            "MAP *.example.re:443 {to}, MAP example.re:443 {to}, MAP evil.example:443 {to}, \
             MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
        );
        (pages, Some(rules))
    } else {
        (Pages::shared_on_443()?, None)
    };
    let browser = Browser::start(&BrowserOptions {
        engine,
        host_rules,
        loopback_names: TEST_NAMES.iter().map(|n| (*n).to_owned()).collect(),
        ignore_certificate_errors: true,
        ..BrowserOptions::default()
    })?;
    Ok((pages, browser))
}

/// The page server, the browser and one conformance server.
struct Harness {
    engine: Engine,
    // Field order is drop order: the browser goes first, then the pages, then the API.
    browser: Browser,
    pages: Arc<Pages>,
    /// Where the pages fetch the API: the conformance server itself, or its TLS front.
    api: String,
    _tls_front: Option<Nginx>,
    server: Server,
}

impl Harness {
    fn start(engine: Engine, binary: &str) -> Result<Harness, Error> {
        let server = Server::start(binary);
        let (pages, browser) = pages_and_browser(engine)?;
        let (tls_front, api) = if engine == Engine::WebKit {
            let (nginx, url) = tls_front(server.addr)?;
            (Some(nginx), url)
        } else {
            (None, server.url())
        };
        Ok(Harness {
            engine,
            browser,
            pages,
            api,
            _tls_front: tls_front,
            server,
        })
    }

    fn page_origin(&self, page: Page) -> String {
        match page {
            Page::App => "https://app.example.re".to_owned(),
            Page::Sub => "https://x.example.re".to_owned(),
            Page::Deep => "https://a.b.example.re".to_owned(),
            Page::Apex => "https://example.re".to_owned(),
            Page::Evil => "https://evil.example".to_owned(),
            Page::Localhost => format!("http://localhost:{}", self.pages.http_port),
        }
    }
}

/// Where an engine departs from the Fetch Standard: the verdict it really gives, and why
/// (the engine's bug or the spec discussion). `None`: the engine follows the standard and the
/// policy's verdict stands.
fn engine_expectation(engine: Engine, scenario: &Scenario) -> Option<(Expect, &'static str)> {
    let _ = (engine, scenario);
    None
}

/// Runs `corsProbe(request)` in the current page.
const PROBE: &str = "const [request, done] = arguments;\
    corsProbe(request).then(done, (e) => done({ verdict: 'error', error: String(e) }));";

fn describe(result: &Value) -> String {
    match result["verdict"].as_str() {
        Some("read") => {
            let mut text = format!("read (status {}", result["status"]);
            if let Some(headers) = result["headers"].as_object() {
                for (name, value) in headers {
                    let _ = write!(text, ", {name}: {value}");
                }
            }
            text.push(')');
            text
        }
        Some("blocked") => format!("blocked ({})", result["error"].as_str().unwrap_or("")),
        _ => format!("no verdict: {result}"),
    }
}

/// Compares the browser's result with the expectation; `None` when they agree.
fn judge(expect: &Expect, result: &Value) -> Option<String> {
    let verdict = result["verdict"].as_str();
    match expect {
        Expect::Blocked if verdict == Some("blocked") => None,
        Expect::Blocked => Some("expected the browser to block the read".to_owned()),
        Expect::Read {
            status,
            body,
            headers,
        } => {
            if verdict != Some("read") {
                return Some(format!("expected the page to read status {status}"));
            }
            let mut wrong = Vec::new();
            if result["status"].as_u64() != Some(u64::from(*status)) {
                wrong.push(format!("status {} instead of {status}", result["status"]));
            }
            if let Some(body) = body {
                if result["body"].as_str() != Some(*body) {
                    wrong.push(format!("body {} instead of {body:?}", result["body"]));
                }
            }
            for (name, value) in *headers {
                let seen = result["headers"][*name].as_str();
                if seen != *value {
                    wrong.push(format!(
                        "the page sees {name} as {seen:?} instead of {value:?}"
                    ));
                }
            }
            (!wrong.is_empty()).then(|| wrong.join("; "))
        }
    }
}

/// For a header the page must not see, first make sure the server really sends it, so that
/// `null` in the page means "hidden by the browser", not "never there".
fn check_hidden_headers_are_sent(harness: &Harness, scenario: &Scenario) -> Option<String> {
    let Expect::Read { headers, .. } = scenario.expect else {
        return None;
    };
    let hidden: Vec<&str> = headers
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    if hidden.is_empty() {
        return None;
    }
    let mut request = Request::new(scenario.method, scenario.path)
        .header("origin", harness.page_origin(scenario.page));
    for (name, value) in scenario.headers {
        request = request.header(name, value);
    }
    let response = match send(harness.server.addr, &request) {
        Ok(r) => r,
        Err(e) => return Some(format!("raw request failed: {e}")),
    };
    let missing: Vec<&str> = hidden
        .into_iter()
        .filter(|name| response.get(name).is_none())
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "the server does not send {} at all, so the page seeing null proves nothing",
            missing.join(", ")
        )
    })
}

/// A fetch also rejects when the server is unreachable or the request is refused for reasons
/// other than CORS (mixed content, local network access). Right after a "blocked", the same
/// context must read `GET /public` (allowed for every origin): then the block was CORS's.
fn check_block_is_cors(harness: &Harness, api: &str, scenario: &Scenario) -> Option<String> {
    let control = json!({
        "url": format!("{api}/public"),
        "method": "GET",
        "sandboxed": scenario.sandboxed,
    });
    match harness.browser.execute_async(PROBE, &[control]) {
        Ok(result) if result["verdict"] == "read" && result["body"] == "public" => None,
        Ok(result) => Some(format!(
            "the control request GET /public from the same page was not read either ({}), so \
             the block says nothing about CORS",
            describe(&result)
        )),
        Err(e) => Some(format!("the control request GET /public failed: {e}")),
    }
}

fn assert_browser_agrees_with_policy(engine: Engine, adapter: Adapter, binary: &str) {
    let adapter = adapter.name();
    let started = Instant::now();
    let harness = Harness::start(engine, binary).unwrap_or_else(|e| {
        panic!(
            "{}::{adapter}: cannot set up the {engine} browser test: {e}",
            engine.name()
        )
    });
    let setup = started.elapsed();
    let api = harness.api.clone();
    let mut report = String::new();
    let mut failures = Vec::new();
    let mut current_page = None;
    let mut doctor_agrees = 0;
    for mut scenario in scenarios() {
        let mut departs = None;
        if let Some((expect, why)) = engine_expectation(harness.engine, &scenario) {
            scenario.expect = expect;
            departs = Some(why);
        }
        let origin = harness.page_origin(scenario.page);
        if current_page != Some(scenario.page) {
            let url = format!("{origin}/probe.html");
            if let Err(e) = harness.browser.goto(&url) {
                panic!(
                    "{}::{adapter}: {e}\nnginx logs:\n{}\nWebDriver log ({}):\n{}",
                    engine.name(),
                    harness.pages.nginx.logs(),
                    harness.browser.driver_log().display(),
                    harness.browser.driver_logs()
                );
            }
            current_page = Some(scenario.page);
        }
        let request = json!({
            "url": format!("{api}{}", scenario.path),
            "method": scenario.method,
            "headers": scenario.headers.iter().map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "body": scenario.body,
            "credentials": scenario.credentials,
            "sandboxed": scenario.sandboxed,
            "readHeaders": match scenario.expect {
                Expect::Read { headers, .. } => headers.iter().map(|(n, _)| *n).collect(),
                Expect::Blocked => Vec::new(),
            },
        });
        let result = harness
            .browser
            .execute_async(PROBE, &[request])
            .unwrap_or_else(|e| json!({ "verdict": "error", "error": e.to_string() }));
        let expected_origin = if scenario.sandboxed {
            "null".to_owned()
        } else {
            origin.clone()
        };
        let mut problem = if result["origin"].as_str() != Some(expected_origin.as_str()) {
            Some(format!(
                "the request was made from origin {} instead of {expected_origin}: the test \
                 set-up is wrong, not the adapter",
                result["origin"]
            ))
        } else {
            judge(&scenario.expect, &result)
        };
        if problem.is_none() {
            problem = check_hidden_headers_are_sent(&harness, &scenario);
        }
        if problem.is_none() && matches!(scenario.expect, Expect::Blocked) {
            problem = check_block_is_cors(&harness, &api, &scenario);
        }
        // cors-doctor replays the same request and must reach the browser's verdict.
        let doctor = doctor_verdict(engine, &api, &expected_origin, &scenario);
        match (&doctor, result["verdict"].as_str()) {
            (Ok(d), Some(b)) if *d == b => doctor_agrees += 1,
            (d, b) => {
                let said = match d {
                    Ok(d) => d.to_string(),
                    Err(e) => format!("no verdict ({e})"),
                };
                let problem = format!(
                    "cors-doctor says {said}, the browser {}",
                    b.unwrap_or("gave no verdict")
                );
                failures.push(format!(
                    "{}::{adapter}::{}: {problem}",
                    engine.name(),
                    scenario.name
                ));
            }
        }
        let expected = match scenario.expect {
            Expect::Read { status, .. } => format!("read ({status})"),
            Expect::Blocked => "blocked".to_owned(),
        };
        let _ = writeln!(
            report,
            "  {} {:<48} from {:<28} {:<6} {:<9} expected {:<11} browser: {}",
            if problem.is_none() { "ok  " } else { "FAIL" },
            scenario.name,
            if scenario.sandboxed {
                "null (sandboxed iframe)"
            } else {
                &origin
            },
            scenario.method,
            scenario.path,
            expected,
            describe(&result)
        );
        if let Some(why) = departs {
            let _ = writeln!(
                report,
                "       ({engine} departs from the standard here: {why})"
            );
        }
        if let Some(problem) = problem {
            failures.push(format!(
                "{}::{adapter}::{}: {} {} from {}: {problem}; browser: {}; policy: {}",
                engine.name(),
                scenario.name,
                scenario.method,
                scenario.path,
                expected_origin,
                describe(&result),
                scenario.policy
            ));
        }
    }
    eprintln!(
        "{engine} / {adapter}: {} scenarios in {:.1?} (set-up {:.1?}); cors-doctor agrees with \
         {engine} in {doctor_agrees} of {}\n{report}",
        scenarios().len(),
        started.elapsed(),
        setup,
        scenarios().len()
    );
    assert!(
        failures.is_empty(),
        "{adapter}: {engine} disagrees with the policy in {} scenario(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// What `cors-doctor` concludes for the request a scenario's page makes in this engine: `read`
/// or `blocked`.
fn doctor_verdict(
    engine: Engine,
    api: &str,
    origin: &str,
    scenario: &Scenario,
) -> Result<&'static str, String> {
    let mut request = cors_doctor::Request::new(format!("{api}{}", scenario.path), origin)
        .method(scenario.method)
        .credentials(scenario.credentials);
    for (name, value) in scenario.headers {
        request = request.header(*name, *value);
    }
    let options = cors_doctor::Options {
        // WebKit's API is behind a TLS front with a throw-away certificate.
        insecure: true,
        probe_error_path: false,
        ..cors_doctor::Options::default()
    };
    let report = cors_doctor::diagnose(&request, &options).map_err(|e| e.to_string())?;
    let doctor_engine = cors_doctor::Engine::ALL
        .into_iter()
        .find(|e| e.name() == engine.name())
        .ok_or_else(|| format!("cors-doctor has no verdict for {engine}"))?;
    Ok(report.engines.get(doctor_engine).as_str())
}

/// Where shipping engines part from the Fetch Standard and from each other: the same request
/// against fixed answers (`tests/assets/nginx/engine-deviations.conf`), and each engine's own
/// verdict. This table is what the engines did when last run; when an engine changes, the
/// test fails and `cors_browser`'s list of deviations (and this table) must follow.
struct Deviating {
    name: &'static str,
    method: &'static str,
    /// The path on the API's origin.
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
    /// What the backend does there.
    backend: &'static str,
    /// Chromium's, Firefox's and WebKit's verdicts: `read` or `blocked`.
    verdicts: [&'static str; 3],
}

fn deviating_scenarios() -> Vec<Deviating> {
    const JSON: &[(&str, &str)] = &[("content-type", "application/json")];
    const BEARER: &[(&str, &str)] = &[("authorization", "Bearer t")];
    const OPEN: &str = "then the other origin answers `*` to everything, preflights included, \
                        and lists no header";
    const NO_PREFLIGHT: &str = "then the other origin answers `*`, and refuses OPTIONS (405)";
    let scenario = |name, method, path, headers, backend, verdicts| Deviating {
        name,
        method,
        path,
        headers,
        body: (method != "GET").then_some("{\"n\":1}"),
        backend,
        verdicts,
    };
    vec![
        scenario(
            "star_allows_authorization",
            "GET",
            "/star-authorization",
            BEARER,
            "the preflight answers Access-Control-Allow-Headers: *",
            ["read", "read", "read"],
        ),
        scenario(
            "listed_authorization",
            "GET",
            "/listed-authorization",
            BEARER,
            "the preflight answers Access-Control-Allow-Headers: authorization",
            ["read", "read", "read"],
        ),
        scenario(
            "json_post_303_to_an_open_origin",
            "POST",
            "/post-303/open",
            JSON,
            OPEN,
            ["read", "read", "blocked"],
        ),
        scenario(
            "json_post_303_to_an_origin_without_preflights",
            "POST",
            "/post-303/no-preflight",
            JSON,
            NO_PREFLIGHT,
            ["read", "blocked", "blocked"],
        ),
        scenario(
            "authorization_get_307_to_an_open_origin",
            "GET",
            "/authorization-307/open",
            BEARER,
            OPEN,
            ["read", "read", "blocked"],
        ),
        scenario(
            "authorization_get_307_to_an_origin_without_preflights",
            "GET",
            "/authorization-307/no-preflight",
            BEARER,
            NO_PREFLIGHT,
            ["read", "blocked", "blocked"],
        ),
        scenario(
            "put_307_to_an_origin_allowing_only_the_page",
            "PUT",
            "/put-307/page-only",
            JSON,
            "then the other origin allows PUT and content-type from https://app.example.re \
             only, preflights and answers alike",
            ["blocked", "blocked", "blocked"],
        ),
        scenario(
            "put_307_to_an_origin_preflighting_only_the_page",
            "PUT",
            "/put-307/page-only-preflight",
            JSON,
            "then the other origin allows PUT and content-type to preflights from \
             https://app.example.re only, and answers the PUT with `*`",
            ["blocked", "read", "blocked"],
        ),
    ]
}

/// The fixed-answer backend: the API's origin and the origin its redirects go to.
struct Deviations {
    nginx: Nginx,
    api: String,
    seen: std::path::PathBuf,
}

impl Deviations {
    fn start() -> Result<Deviations, Error> {
        let mut seen = std::path::PathBuf::new();
        let (nginx, ports) =
            Nginx::start_on_free_ports("engine-deviations", 2, &[], |dir, ports| {
                seen = dir.join("seen.log");
                let cert = self_signed_certificate(dir, &["localhost"])?;
                render(
                    DEVIATIONS_CONF,
                    &[
                        ("dir", &dir.to_string_lossy()),
                        ("api_port", &ports[0].to_string()),
                        ("other_port", &ports[1].to_string()),
                        ("cert", &cert.cert.to_string_lossy()),
                        ("key", &cert.key.to_string_lossy()),
                    ],
                )
            })?;
        Ok(Deviations {
            nginx,
            api: format!("https://127.0.0.1:{}", ports[0]),
            seen,
        })
    }

    /// What the backend saw since `from` bytes of its log: one line per request.
    fn seen_since(&self, from: usize) -> (Vec<String>, usize) {
        let text = std::fs::read_to_string(&self.seen).unwrap_or_default();
        let lines = text
            .get(from..)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        (lines, text.len())
    }
}

fn assert_engine_deviations_are_listed(engine: Engine) {
    let backend = Deviations::start().unwrap_or_else(|e| panic!("{}: {e}", engine.name()));
    let (_pages, browser) = pages_and_browser(engine).unwrap_or_else(|e| {
        panic!(
            "{}: cannot set up the {engine} browser test: {e}",
            engine.name()
        )
    });
    let page = "https://app.example.re";
    browser
        .goto(&format!("{page}/probe.html"))
        .unwrap_or_else(|e| panic!("{}: {e}", engine.name()));
    let index = Engine::ALL.iter().position(|e| *e == engine).unwrap();
    let mut report = String::new();
    let mut failures = Vec::new();
    let (_, mut log_at) = backend.seen_since(0);
    for scenario in deviating_scenarios() {
        let request = json!({
            "url": format!("{}{}", backend.api, scenario.path),
            "method": scenario.method,
            "headers": scenario.headers.iter().map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "body": scenario.body,
            "credentials": false,
            "sandboxed": false,
            "readHeaders": [],
        });
        let result = browser
            .execute_async(PROBE, &[request])
            .unwrap_or_else(|e| json!({ "verdict": "error", "error": e.to_string() }));
        let (seen, at) = backend.seen_since(log_at);
        log_at = at;
        let verdict = result["verdict"].as_str().unwrap_or("no verdict");
        let expected = scenario.verdicts[index];
        let mut problems = Vec::new();
        if result["origin"].as_str() != Some(page) {
            problems.push(format!(
                "the request was made from origin {} instead of {page}: the test set-up is wrong",
                result["origin"]
            ));
        } else if verdict != expected {
            problems.push(format!(
                "{engine} {verdict} where it {expected} when last run: update the table and \
                 cors_browser's list of deviations"
            ));
        }
        if verdict == "blocked" && problems.is_empty() {
            let control = json!({
                "url": format!("{}/public", backend.api),
                "method": "GET",
                "sandboxed": false,
            });
            match browser.execute_async(PROBE, &[control]) {
                Ok(r) if r["verdict"] == "read" && r["body"] == "public" => {}
                other => problems.push(format!(
                    "the control request GET /public was not read either ({other:?}): the \
                     block says nothing about CORS"
                )),
            }
            let (_, at) = backend.seen_since(log_at);
            log_at = at;
        }
        let doctor = doctor_engine_verdicts(&backend.api, page, &scenario);
        // The doctor's own requests are not the browser's.
        let (_, at) = backend.seen_since(log_at);
        log_at = at;
        match &doctor {
            Ok(verdicts) if verdicts[index] == verdict => {}
            Ok(verdicts) => problems.push(format!(
                "cors-doctor says {engine} {}, {engine} {verdict}",
                verdicts[index]
            )),
            Err(e) => problems.push(format!("cors-doctor gave no verdict: {e}")),
        }
        let _ = writeln!(
            report,
            "  {} {:<52} {} {:<22} browser: {} (expected {expected}); cors-doctor: {}",
            if problems.is_empty() { "ok  " } else { "FAIL" },
            scenario.name,
            scenario.method,
            scenario.path,
            describe(&result),
            match &doctor {
                Ok(v) => v.join(" / "),
                Err(e) => e.clone(),
            }
        );
        for line in &seen {
            let _ = writeln!(report, "         server saw: {line}");
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}::{}: {}; backend: {}",
                engine.name(),
                scenario.name,
                problems.join("; "),
                scenario.backend
            ));
        }
    }
    eprintln!("{engine}: engine deviations\n{report}");
    assert!(
        failures.is_empty(),
        "{engine} does not do what the deviation table says in {} scenario(s):\n  {}\nbackend \
         logs:\n{}",
        failures.len(),
        failures.join("\n  "),
        backend.nginx.logs()
    );
}

/// What `cors-doctor` concludes for each engine, in the order of [`Engine::ALL`].
fn doctor_engine_verdicts(
    api: &str,
    origin: &str,
    scenario: &Deviating,
) -> Result<[&'static str; 3], String> {
    let mut request = cors_doctor::Request::new(format!("{api}{}", scenario.path), origin)
        .method(scenario.method);
    for (name, value) in scenario.headers {
        request = request.header(*name, *value);
    }
    let options = cors_doctor::Options {
        insecure: true,
        probe_error_path: false,
        ..cors_doctor::Options::default()
    };
    let report = cors_doctor::diagnose(&request, &options).map_err(|e| e.to_string())?;
    Ok(cors_doctor::Engine::ALL.map(|e| report.engines.get(e).as_str()))
}

#[test]
fn chromium_departs_from_the_standard_as_listed() {
    assert_engine_deviations_are_listed(Engine::Chromium);
}

#[test]
fn firefox_departs_from_the_standard_as_listed() {
    assert_engine_deviations_are_listed(Engine::Firefox);
}

#[test]
fn webkit_departs_from_the_standard_as_listed() {
    assert_engine_deviations_are_listed(Engine::WebKit);
}

/// One test per engine for each conformance server: `actix::chromium_verdicts_match_the_policy`
/// and so on.
macro_rules! browser_tests {
    ($name:ident, $adapter:expr, $binary:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn chromium_verdicts_match_the_policy() {
                assert_browser_agrees_with_policy(Engine::Chromium, $adapter, $binary);
            }

            #[test]
            fn firefox_verdicts_match_the_policy() {
                assert_browser_agrees_with_policy(Engine::Firefox, $adapter, $binary);
            }

            #[test]
            fn webkit_verdicts_match_the_policy() {
                assert_browser_agrees_with_policy(Engine::WebKit, $adapter, $binary);
            }
        }
    };
}

cors_tests::for_each_conformance_server!(browser_tests);

/// Where `https://api.example.re` on every page server goes: a TCP relay in this process that
/// forwards each connection (WebSocket upgrades included) to the conformance server the running
/// write-protection test set. The page servers outlive any one conformance server (Firefox and
/// WebKit share the one on port 443), so they proxy here and the relay picks the server.
struct ApiRelay {
    port: u16,
}

/// The conformance server the relay forwards to; `None` closes new connections at once.
static RELAY_TARGET: Mutex<Option<SocketAddr>> = Mutex::new(None);

impl ApiRelay {
    fn shared() -> &'static ApiRelay {
        static RELAY: OnceLock<ApiRelay> = OnceLock::new();
        RELAY.get_or_init(|| {
            let listener =
                TcpListener::bind("127.0.0.1:0").expect("no free loopback port for the API relay");
            let port = listener.local_addr().expect("the relay's address").port();
            std::thread::spawn(move || {
                for client in listener.incoming().flatten() {
                    let target = *RELAY_TARGET.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Some(target) = target {
                        std::thread::spawn(move || relay_connection(client, target));
                    }
                }
            });
            ApiRelay { port }
        })
    }
}

fn relay_connection(client: TcpStream, target: SocketAddr) {
    let Ok(upstream) = TcpStream::connect(target) else {
        return;
    };
    let (Ok(mut from_client), Ok(mut to_upstream)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let (mut to_client, mut from_upstream) = (client, upstream);
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_upstream, &mut to_client);
        let _ = to_client.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut from_client, &mut to_upstream);
    let _ = to_upstream.shutdown(Shutdown::Write);
    let _ = back.join();
}

/// The API's origin in the write-protection proof: the conformance server behind the page
/// server's TLS, so that `other.example.re` is same-site with it and `/notes/form` is
/// same-origin.
const API: &str = "https://api.example.re";

/// What a page does in one step of the write-protection proof.
#[derive(Clone, Copy, Debug)]
enum WriteAction {
    /// `write.html` on the page's origin builds a form that POSTs to this API path and
    /// submits it on load.
    Form(&'static str),
    /// `fetch(path, {mode: 'no-cors', method: 'POST', credentials: 'include'})`.
    NoCorsFetch(&'static str),
    /// The application's own request: a credentialed JSON POST, preflighted; the page must
    /// read `200 noted`.
    TrustedFetch(&'static str),
    /// The API's own page `/notes/form`, whose button is pressed.
    SameOriginForm,
    /// `new WebSocket('wss://api.example.re/notes/socket')`: opens and echoes, or not.
    Socket { opens: bool },
}

struct WriteStep {
    name: &'static str,
    /// The page's origin.
    page: &'static str,
    action: WriteAction,
    /// How many notes it must add, read from the server directly.
    adds: u64,
    /// Why.
    rule: &'static str,
}

fn write_steps() -> Vec<WriteStep> {
    const EVIL: &str = "https://evil.example";
    const APP: &str = "https://app.example.re";
    const OTHER: &str = "https://other.example.re";
    vec![
        WriteStep {
            name: "cross_site_form_post",
            page: EVIL,
            action: WriteAction::Form("/notes"),
            adds: 0,
            rule: "a cross-site write from an origin NOTES does not trust is refused",
        },
        WriteStep {
            name: "cross_site_no_cors_fetch_post",
            page: EVIL,
            action: WriteAction::NoCorsFetch("/notes"),
            adds: 0,
            rule: "a no-cors POST is a write like a form's: refused",
        },
        WriteStep {
            name: "trusted_credentialed_json_fetch",
            page: APP,
            action: WriteAction::TrustedFetch("/notes"),
            adds: 1,
            rule: "NOTES trusts https://app.example.re with credentials",
        },
        WriteStep {
            name: "same_site_untrusted_form_post",
            page: OTHER,
            action: WriteAction::Form("/notes"),
            adds: 0,
            rule: "same-site is not trusted: only the origins NOTES allows are",
        },
        WriteStep {
            name: "same_origin_form",
            page: API,
            action: WriteAction::SameOriginForm,
            adds: 1,
            rule: "the site's own form is same-origin",
        },
        WriteStep {
            name: "cross_site_form_to_hook",
            page: EVIL,
            action: WriteAction::Form("/notes/hook"),
            adds: 1,
            rule: "/notes/hook turns write protection off: other sites post to it",
        },
        WriteStep {
            name: "untrusted_websocket",
            page: EVIL,
            action: WriteAction::Socket { opens: false },
            adds: 0,
            rule: "a handshake from an origin NOTES does not trust is refused",
        },
        WriteStep {
            name: "trusted_websocket",
            page: APP,
            action: WriteAction::Socket { opens: true },
            adds: 0,
            rule: "a handshake from https://app.example.re opens",
        },
    ]
}

/// Opens a WebSocket and reports whether it opened and what it echoed.
const SOCKET: &str = "const [url, done] = arguments;\
    let opened = false, finished = false;\
    const finish = (r) => { if (!finished) { finished = true; done(r); } };\
    const ws = new WebSocket(url);\
    setTimeout(() => finish({ opened, echo: null, error: 'timeout' }), 8000);\
    ws.onopen = () => { opened = true; ws.send('ping from ' + self.origin); };\
    ws.onmessage = (e) => { finish({ opened, echo: String(e.data) }); ws.close(); };\
    ws.onclose = (e) => finish({ opened, echo: null, code: e.code });";

/// Sends a no-cors POST; resolves with what the page may know (an opaque response or an error).
const NO_CORS: &str = "const [url, done] = arguments;\
    fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: 'note' })\
      .then((r) => done({ origin: self.origin, type: r.type }),\
            (e) => done({ origin: self.origin, error: String(e) }));";

/// Every write test takes this lock: the relay forwards to one conformance server at a time.
static WRITE_TESTS: Mutex<()> = Mutex::new(());

fn notes_count(server: &Server) -> Result<u64, String> {
    let request = Request::new("GET", "/notes").header("host", "api.example.re");
    let response = send(server.addr, &request).map_err(|e| format!("GET /notes: {e}"))?;
    let text = response.text();
    if response.status != 200 {
        return Err(format!("GET /notes answered {}: {text}", response.status));
    }
    text.trim()
        .parse()
        .map_err(|_| format!("GET /notes answered {text:?}, not a count"))
}

/// The API's log lines since `from` bytes, and the new end.
fn api_log_since(pages: &Pages, from: usize) -> (Vec<String>, usize) {
    let text = std::fs::read_to_string(&pages.api_log).unwrap_or_default();
    let lines = text
        .get(from..)
        .unwrap_or_default()
        .lines()
        // The browser asks for the icon of a page the API answered; that is not a step's.
        .filter(|l| !l.starts_with("GET /favicon.ico "))
        .map(str::to_owned)
        .collect();
    (lines, text.len())
}

/// Waits (up to 10 s) until the API's log since `from` has a line starting with `start`.
fn wait_for_request(pages: &Pages, from: usize, start: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (lines, _) = api_log_since(pages, from);
        if lines.iter().any(|l| l.starts_with(start)) || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs one step; `Err` says what the browser did wrong.
fn run_write_step(
    browser: &Browser,
    pages: &Pages,
    from: usize,
    step: &WriteStep,
) -> (Result<String, String>, Vec<String>) {
    let goto = |url: &str| browser.goto(url).map_err(|e| e.to_string());
    match step.action {
        WriteAction::Form(path) => {
            let sent = goto(&format!("{}/write.html?action={API}{path}", step.page));
            let lines = wait_for_request(pages, from, &format!("POST {path} "));
            (sent.map(|()| "form submitted".to_owned()), lines)
        }
        WriteAction::NoCorsFetch(path) => {
            let result = goto(&format!("{}/probe.html", step.page)).and_then(|()| {
                browser
                    .execute_async(NO_CORS, &[json!(format!("{API}{path}"))])
                    .map_err(|e| e.to_string())
            });
            let lines = wait_for_request(pages, from, &format!("POST {path} "));
            (result.map(|r| format!("fetch settled: {r}")), lines)
        }
        WriteAction::TrustedFetch(path) => {
            let result = goto(&format!("{}/probe.html", step.page)).and_then(|()| {
                let request = json!({
                    "url": format!("{API}{path}"),
                    "method": "POST",
                    "headers": { "content-type": "application/json" },
                    "body": "{\"note\":1}",
                    "credentials": true,
                    "sandboxed": false,
                    "readHeaders": [],
                });
                browser
                    .execute_async(PROBE, &[request])
                    .map_err(|e| e.to_string())
            });
            let lines = wait_for_request(pages, from, &format!("POST {path} "));
            let verdict = result.and_then(|r| {
                if r["verdict"] == "read" && r["status"] == 200 && r["body"] == "noted" {
                    Ok(describe(&r))
                } else {
                    Err(format!(
                        "expected the page to read 200 noted: {}",
                        describe(&r)
                    ))
                }
            });
            (verdict, lines)
        }
        WriteAction::SameOriginForm => {
            let pressed = goto(&format!("{API}/notes/form")).and_then(|()| {
                browser
                    .execute(
                        "setTimeout(() => document.querySelector('form button').click(), 0);",
                        &[],
                    )
                    .map(drop)
                    .map_err(|e| e.to_string())
            });
            let lines = wait_for_request(pages, from, "POST /notes ");
            (pressed.map(|()| "button pressed".to_owned()), lines)
        }
        WriteAction::Socket { opens } => {
            let result = goto(&format!("{}/probe.html", step.page)).and_then(|()| {
                browser
                    .execute_async(SOCKET, &[json!("wss://api.example.re/notes/socket")])
                    .map_err(|e| e.to_string())
            });
            let lines = wait_for_request(pages, from, "GET /notes/socket ");
            let verdict = result.and_then(|r| {
                let opened = r["opened"] == true;
                let echoed = r["echo"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("ping from"));
                match (opens, opened, echoed) {
                    (true, true, true) => Ok(format!("opened and echoed {}", r["echo"])),
                    (false, false, _) => Ok(format!("did not open: {r}")),
                    _ => Err(format!(
                        "expected the socket {}: {r}",
                        if opens {
                            "to open and echo"
                        } else {
                            "not to open"
                        }
                    )),
                }
            });
            (verdict, lines)
        }
    }
}

/// The `site=` field of a log line (`-`: no `Sec-Fetch-Site`).
fn logged_site(line: &str) -> &str {
    line.split(' ')
        .find_map(|f| f.strip_prefix("site="))
        .unwrap_or("?")
}

fn assert_writes_are_protected(engine: Engine, adapter: Adapter, binary: &str) {
    let adapter = adapter.name();
    let _one_at_a_time = WRITE_TESTS.lock().unwrap_or_else(PoisonError::into_inner);
    let server = Server::start_with_env(binary, &[("CONFORMANCE_LOG", "debug")]);
    *RELAY_TARGET.lock().unwrap_or_else(PoisonError::into_inner) = Some(server.addr);
    let (pages, browser) = pages_and_browser(engine).unwrap_or_else(|e| {
        panic!(
            "{}::{adapter}: cannot set up the {engine} write-protection test: {e}",
            engine.name()
        )
    });
    let mut report = String::new();
    let mut failures = Vec::new();
    let (_, mut log_at) = api_log_since(&pages, 0);
    for step in write_steps() {
        let before = notes_count(&server);
        let (outcome, lines) = run_write_step(&browser, &pages, log_at, &step);
        let after = notes_count(&server);
        let (_, at) = api_log_since(&pages, log_at);
        log_at = at;
        let mut problems = Vec::new();
        let added = match (&before, &after) {
            (Ok(b), Ok(a)) => {
                let added = a.wrapping_sub(*b);
                if added != step.adds {
                    problems.push(format!("{added} note(s) added, expected {}", step.adds));
                }
                added.to_string()
            }
            (b, a) => {
                problems.push(format!("cannot read the count: {b:?} / {a:?}"));
                "?".to_owned()
            }
        };
        if let Err(e) = &outcome {
            problems.push(e.clone());
        }
        if lines.is_empty() {
            problems.push("the API never saw the request".to_owned());
        }
        let _ = writeln!(
            report,
            "  {} {:<32} from {:<26} +{added} (expected +{}); {}",
            if problems.is_empty() { "ok  " } else { "FAIL" },
            step.name,
            step.page,
            step.adds,
            match &outcome {
                Ok(o) | Err(o) => o,
            }
        );
        for line in &lines {
            let _ = writeln!(
                report,
                "         Sec-Fetch-Site {:<12} {line}",
                logged_site(line)
            );
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}::{adapter}::{}: {}; {}",
                engine.name(),
                step.name,
                problems.join("; "),
                step.rule
            ));
        }
    }
    *RELAY_TARGET.lock().unwrap_or_else(PoisonError::into_inner) = None;
    eprintln!("{engine} / {adapter}: write protection\n{report}");
    assert!(
        failures.is_empty(),
        "{adapter}: {engine} shows write protection failing in {} step(s):\n  {}\nserver \
         log:\n{}",
        failures.len(),
        failures.join("\n  "),
        server.logs()
    );
}

/// One test per engine for each conformance server: `actix_writes::chromium_...` and so on.
macro_rules! write_protection_tests {
    ($name:ident, $adapter:expr, $binary:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn chromium_cross_site_writes_are_refused() {
                assert_writes_are_protected(Engine::Chromium, $adapter, $binary);
            }

            #[test]
            fn firefox_cross_site_writes_are_refused() {
                assert_writes_are_protected(Engine::Firefox, $adapter, $binary);
            }

            #[test]
            fn webkit_cross_site_writes_are_refused() {
                assert_writes_are_protected(Engine::WebKit, $adapter, $binary);
            }
        }
    };
}

mod writes {
    use super::*;

    cors_tests::for_each_conformance_server!(write_protection_tests);
}

/// The demo page (`cargo run -p cors-tests --bin demo`) run by one headless engine from
/// `http://localhost:PORT`: every row must show every adapter doing what the policy says.
fn assert_demo_page_agrees(engine: Engine) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_demo"))
        .args(["--check", "--engine", engine.name()])
        .output()
        .expect("cannot run the demo binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}::demo: demo --check --engine {} failed ({}):\n{stdout}\n{stderr}",
        engine.name(),
        engine.name(),
        output.status
    );
    // An agreeing row names the verdict the page saw from every adapter.
    let rows = stdout
        .lines()
        .filter(|l| {
            l.starts_with("ok   ")
                && Adapter::ALL.iter().all(|a| {
                    let name = a.name();
                    l.contains(&format!(" {name} read")) || l.contains(&format!(" {name} blocked"))
                })
        })
        .count();
    assert_eq!(
        rows,
        13,
        "{}::demo: expected 13 rows where {} agree with the policy:\n{stdout}",
        engine.name(),
        Adapter::ALL.map(Adapter::name).join(", ")
    );
}

#[test]
fn demo_page_shows_every_adapter_as_the_policy_says_in_chromium() {
    assert_demo_page_agrees(Engine::Chromium);
}

#[test]
fn demo_page_shows_every_adapter_as_the_policy_says_in_firefox() {
    assert_demo_page_agrees(Engine::Firefox);
}

#[test]
fn demo_page_shows_every_adapter_as_the_policy_says_in_webkit() {
    assert_demo_page_agrees(Engine::WebKit);
}
