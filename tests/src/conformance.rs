//! The conformance table: every line of the conformance contract as request/expectation pairs.
//!
//! The same cases run against both adapters, in process and over a socket. A case where the
//! adapters must differ is a bug in one of them; where the contract says "either", the
//! expectation accepts both.

use std::io;
use std::sync::{Mutex, MutexGuard, PoisonError};

use cors_shared::{Policy, PolicyErrors, PolicySpec};

use crate::http::{Request, Response};

pub mod writes;

pub use writes::Adapter;

/// The main allowed origin of the contract.
pub const APP: &str = "https://app.example.re";
/// The second origin of the private policy.
pub const DASHBOARD: &str = "https://dashboard.example.re";
/// An origin no policy lists.
pub const EVIL: &str = "https://evil.example";
/// The tenant that the runtime set `TENANTS` holds at start-up.
pub const T1: &str = "https://t1.example.re";
/// What the runtime set `TENANTS` holds at start-up.
pub const TENANTS_AT_START: [&str; 1] = [T1];
/// The global policy as at start-up, in the configuration format that `PUT /admin/global`
/// reads.
pub const GLOBAL_AT_START: &str =
    r#"{"origins": ["https://app.example.re"], "methods": ["GET", "POST"]}"#;

/// One expectation about a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// This exact status.
    Status(u16),
    /// One of these statuses.
    StatusIn(&'static [u16]),
    /// A refused preflight: 403 or 2xx, and neither ACAO nor ACAC.
    RefusedPreflight,
    /// An allowed preflight: 2xx, answered by CORS (the handler did not run: empty body).
    AllowedPreflight,
    /// The header is present once with exactly this value.
    Header(&'static str, &'static str),
    /// The header's comma-separated list contains this item (case-insensitive).
    ListHas(&'static str, &'static str),
    /// The header is absent.
    Absent(&'static str),
    /// `Vary` contains these tokens (case-insensitive).
    VaryHas(&'static [&'static str]),
    /// The body is exactly this text.
    Body(&'static str),
    /// The body starts with this text.
    BodyStarts(&'static str),
}

/// A request and what its response must satisfy.
#[derive(Clone, Debug)]
pub struct Case {
    /// Unique name, `route_situation`.
    pub name: String,
    /// The request to send.
    pub request: Request,
    /// What the response must satisfy, besides the invariants every response must meet.
    pub expect: Vec<Expect>,
}

const ACAO: &str = "access-control-allow-origin";
const ACAC: &str = "access-control-allow-credentials";
const ACAM: &str = "access-control-allow-methods";
const ACAH: &str = "access-control-allow-headers";
const ACEH: &str = "access-control-expose-headers";
const MAX_AGE: &str = "access-control-max-age";
const PREFLIGHT_VARY: &[&str] = &[
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
];

impl Case {
    fn new(name: &str, request: Request, expect: Vec<Expect>) -> Self {
        Case {
            name: name.to_owned(),
            request,
            expect,
        }
    }

    /// Checks the response against this case and the contract's invariants; the error lists
    /// every failed expectation.
    pub fn check(&self, r: &Response) -> Result<(), String> {
        let mut failures = Vec::new();
        for e in &self.expect {
            if let Err(msg) = check_one(e, r) {
                failures.push(msg);
            }
        }
        failures.extend(invariants(r));
        if failures.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: {} {}\n    {}\n    response: {} {:?} body={:?}",
                self.name,
                self.request.method,
                self.request.path,
                failures.join("\n    "),
                r.status,
                r.headers
                    .iter()
                    .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v)))
                    .collect::<Vec<_>>(),
                r.text()
            ))
        }
    }
}

fn list_has(r: &Response, name: &str, item: &str) -> bool {
    r.get(name)
        .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(item)))
}

fn check_one(e: &Expect, r: &Response) -> Result<(), String> {
    let ok = match e {
        Expect::Status(s) => r.status == *s,
        Expect::StatusIn(list) => list.contains(&r.status),
        Expect::RefusedPreflight => {
            (r.status == 403 || (200..300).contains(&r.status))
                && r.get(ACAO).is_none()
                && r.get(ACAC).is_none()
        }
        Expect::AllowedPreflight => (200..300).contains(&r.status) && r.body.is_empty(),
        Expect::Header(name, value) => {
            r.all(name).len() == 1 && r.get(name).as_deref() == Some(*value)
        }
        Expect::ListHas(name, item) => list_has(r, name, item),
        Expect::Absent(name) => r.get(name).is_none(),
        Expect::VaryHas(tokens) => {
            let vary = r.vary_tokens();
            tokens.iter().all(|t| vary.iter().any(|v| v == t))
        }
        Expect::Body(text) => r.text() == *text,
        Expect::BodyStarts(text) => r.text().starts_with(text),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("expected {e:?}"))
    }
}

/// What every response must satisfy, whatever the request.
fn invariants(r: &Response) -> Vec<String> {
    let mut failures = Vec::new();
    for name in [ACAO, ACAC, ACAM, ACAH, ACEH, MAX_AGE] {
        if r.all(name).len() > 1 {
            failures.push(format!("`{name}` appears more than once"));
        }
    }
    if r.get(ACAO).as_deref() == Some("*") && r.get(ACAC).is_some() {
        failures.push("`Access-Control-Allow-Origin: *` together with credentials".to_owned());
    }
    if let Some(v) = r.get(ACAC) {
        if v != "true" {
            failures.push(format!("`Access-Control-Allow-Credentials: {v}`"));
        }
    }
    let vary = r.vary_tokens();
    for (i, t) in vary.iter().enumerate() {
        if vary.iter().take(i).any(|earlier| earlier == t) {
            failures.push(format!("Vary token `{t}` appears twice"));
        }
    }
    failures
}

fn get(path: &str) -> Request {
    Request::new("GET", path)
}

fn get_from(path: &str, origin: &str) -> Request {
    get(path).header("Origin", origin)
}

fn preflight(path: &str, origin: &str, method: &str) -> Request {
    Request::new("OPTIONS", path)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
}

/// Expectations of an actual response that an allowlist policy allowed for `origin`.
fn allowed(origin: &'static str, credentials: bool) -> Vec<Expect> {
    let mut e = vec![Expect::Header(ACAO, origin), Expect::VaryHas(&["origin"])];
    e.push(if credentials {
        Expect::Header(ACAC, "true")
    } else {
        Expect::Absent(ACAC)
    });
    e
}

/// Expectations of an actual response whose origin an allowlist policy refused.
fn refused() -> Vec<Expect> {
    vec![
        Expect::Absent(ACAO),
        Expect::Absent(ACAC),
        Expect::Absent(ACEH),
        Expect::VaryHas(&["origin"]),
    ]
}

fn refused_preflight() -> Vec<Expect> {
    vec![
        Expect::RefusedPreflight,
        Expect::Absent(ACAM),
        Expect::Absent(ACAH),
        Expect::VaryHas(&["origin"]),
    ]
}

fn with(mut base: Vec<Expect>, more: impl IntoIterator<Item = Expect>) -> Vec<Expect> {
    base.extend(more);
    base
}

/// Every case of the contract.
pub fn cases() -> Vec<Case> {
    use Expect::*;
    let ok = |body: &'static str| [Status(200), Body(body)];
    let private_ok = |origin: &'static str| {
        with(
            allowed(origin, true),
            [
                Status(200),
                Body("private"),
                Header(ACEH, "x-total-count"),
                Header("x-total-count", "42"),
            ],
        )
    };
    let private_preflight = |origin: &'static str, method: &'static str| {
        vec![
            AllowedPreflight,
            Header(ACAO, origin),
            Header(ACAC, "true"),
            ListHas(ACAM, method),
            Header(MAX_AGE, "600"),
            VaryHas(PREFLIGHT_VARY),
            Absent("x-total-count"),
            Absent(ACEH),
        ]
    };
    vec![
        // /public: `*`, expose x-request-id.
        Case::new(
            "public_no_origin",
            get("/public"),
            with(
                ok("public").to_vec(),
                [Header("x-request-id", "7"), Absent(ACAC)],
            ),
        ),
        Case::new(
            "public_any_origin",
            get_from("/public", EVIL),
            with(
                ok("public").to_vec(),
                [
                    Header(ACAO, "*"),
                    Header(ACEH, "x-request-id"),
                    Absent(ACAC),
                ],
            ),
        ),
        Case::new(
            "public_null_origin",
            get_from("/public", "null"),
            vec![Status(200), Header(ACAO, "*"), Absent(ACAC)],
        ),
        Case::new(
            "public_malformed_origin",
            get_from("/public", "https://EVIL.example"),
            with(refused(), ok("public")),
        ),
        Case::new(
            "public_preflight_get",
            preflight("/public", EVIL, "GET"),
            vec![
                AllowedPreflight,
                Header(ACAO, "*"),
                Absent(ACAC),
                VaryHas(PREFLIGHT_VARY),
                Absent("x-request-id"),
            ],
        ),
        Case::new(
            "public_preflight_put_refused",
            preflight("/public", EVIL, "PUT"),
            refused_preflight(),
        ),
        // /private: credentials, GET PUT DELETE, content-type and x-custom, expose, max age.
        Case::new(
            "private_get_app",
            get_from("/private", APP),
            private_ok(APP),
        ),
        Case::new(
            "private_get_dashboard",
            get_from("/private", DASHBOARD),
            private_ok(DASHBOARD),
        ),
        Case::new(
            "private_get_refused_origin",
            get_from("/private", EVIL),
            with(refused(), ok("private")),
        ),
        Case::new(
            "private_get_no_origin",
            get("/private"),
            vec![
                Status(200),
                Body("private"),
                Absent(ACAO),
                Absent(ACAC),
                VaryHas(&["origin"]),
            ],
        ),
        Case::new(
            "private_put_app",
            Request::new("PUT", "/private").header("Origin", APP),
            with(
                allowed(APP, true),
                [Status(200), Body("updated"), Header(ACEH, "x-total-count")],
            ),
        ),
        Case::new(
            "private_delete_500_app",
            Request::new("DELETE", "/private").header("Origin", APP),
            with(
                allowed(APP, true),
                [Status(500), Header(ACEH, "x-total-count")],
            ),
        ),
        Case::new(
            "private_delete_500_refused_origin",
            Request::new("DELETE", "/private").header("Origin", EVIL),
            with(refused(), [Status(500)]),
        ),
        Case::new(
            "private_preflight_put",
            preflight("/private", APP, "PUT")
                .header("Access-Control-Request-Headers", "content-type,x-custom"),
            with(
                private_preflight(APP, "PUT"),
                [ListHas(ACAH, "content-type"), ListHas(ACAH, "x-custom")],
            ),
        ),
        Case::new(
            "private_preflight_headers_any_case_and_order",
            preflight("/private", DASHBOARD, "PUT")
                .header("Access-Control-Request-Headers", "X-Custom, Content-Type"),
            with(
                private_preflight(DASHBOARD, "PUT"),
                [ListHas(ACAH, "content-type"), ListHas(ACAH, "x-custom")],
            ),
        ),
        Case::new(
            "private_preflight_delete",
            preflight("/private", APP, "DELETE"),
            private_preflight(APP, "DELETE"),
        ),
        Case::new(
            "private_preflight_get",
            preflight("/private", APP, "GET").header("Access-Control-Request-Headers", "x-custom"),
            with(private_preflight(APP, "GET"), [ListHas(ACAH, "x-custom")]),
        ),
        Case::new(
            "private_preflight_patch_refused",
            preflight("/private", APP, "PATCH"),
            refused_preflight(),
        ),
        Case::new(
            "private_preflight_lowercase_put_refused",
            preflight("/private", APP, "put"),
            refused_preflight(),
        ),
        Case::new(
            "private_preflight_unlisted_header_refused",
            preflight("/private", APP, "PUT")
                .header("Access-Control-Request-Headers", "content-type,x-other"),
            refused_preflight(),
        ),
        Case::new(
            "private_preflight_authorization_refused",
            preflight("/private", APP, "GET")
                .header("Access-Control-Request-Headers", "authorization"),
            refused_preflight(),
        ),
        Case::new(
            "private_preflight_duplicate_header_refused",
            preflight("/private", APP, "PUT")
                .header("Access-Control-Request-Headers", "x-custom,x-custom"),
            refused_preflight(),
        ),
        Case::new(
            "private_preflight_refused_origin",
            preflight("/private", EVIL, "PUT"),
            refused_preflight(),
        ),
        Case::new(
            "private_preflight_two_origins_refused",
            preflight("/private", APP, "PUT").header("Origin", APP),
            refused_preflight(),
        ),
        Case::new(
            "private_two_origin_lines",
            get_from("/private", APP).header("Origin", DASHBOARD),
            with(refused(), [StatusIn(&[200, 400])]),
        ),
        Case::new(
            "private_upper_case_origin",
            get_from("/private", "https://APP.example.re"),
            with(refused(), ok("private")),
        ),
        Case::new(
            "private_trailing_slash_origin",
            get_from("/private", "https://app.example.re/"),
            with(refused(), ok("private")),
        ),
        Case::new(
            "private_default_port_origin",
            get_from("/private", "https://app.example.re:443"),
            with(refused(), ok("private")),
        ),
        Case::new(
            "private_suffix_attack_origin",
            get_from("/private", "https://app.example.re.evil.net"),
            with(refused(), ok("private")),
        ),
        Case::new(
            "private_prefix_attack_origin",
            get_from("/private", "https://evilapp.example.re"),
            with(refused(), ok("private")),
        ),
        Case::new(
            "private_http_scheme_origin",
            get_from("/private", "http://app.example.re"),
            with(refused(), ok("private")),
        ),
        Case::new(
            "private_null_origin",
            get_from("/private", "null"),
            with(refused(), ok("private")),
        ),
        // /sub: https://*.example.re with credentials.
        Case::new(
            "sub_one_label",
            get_from("/sub", "https://api.example.re"),
            with(allowed("https://api.example.re", true), ok("sub")),
        ),
        Case::new(
            "sub_deep_labels",
            get_from("/sub", "https://a.b.example.re"),
            with(allowed("https://a.b.example.re", true), ok("sub")),
        ),
        Case::new(
            "sub_apex_refused",
            get_from("/sub", "https://example.re"),
            with(refused(), ok("sub")),
        ),
        Case::new(
            "sub_http_refused",
            get_from("/sub", "http://api.example.re"),
            with(refused(), ok("sub")),
        ),
        Case::new(
            "sub_suffix_attack_refused",
            get_from("/sub", "https://api.example.re.evil.net"),
            with(refused(), ok("sub")),
        ),
        Case::new(
            "sub_glued_label_refused",
            get_from("/sub", "https://evilexample.re"),
            with(refused(), ok("sub")),
        ),
        Case::new(
            "sub_with_port_refused",
            get_from("/sub", "https://api.example.re:8443"),
            with(refused(), ok("sub")),
        ),
        Case::new(
            "sub_preflight_get",
            preflight("/sub", "https://api.example.re", "GET"),
            vec![
                AllowedPreflight,
                Header(ACAO, "https://api.example.re"),
                Header(ACAC, "true"),
                VaryHas(PREFLIGHT_VARY),
            ],
        ),
        // /local: http://localhost:* and http://127.0.0.1:*.
        Case::new(
            "local_localhost_port",
            get_from("/local", "http://localhost:3000"),
            with(allowed("http://localhost:3000", false), ok("local")),
        ),
        Case::new(
            "local_loopback_port",
            get_from("/local", "http://127.0.0.1:8080"),
            with(allowed("http://127.0.0.1:8080", false), ok("local")),
        ),
        Case::new(
            "local_no_port_refused",
            get_from("/local", "http://localhost"),
            with(refused(), ok("local")),
        ),
        Case::new(
            "local_https_refused",
            get_from("/local", "https://localhost:3000"),
            with(refused(), ok("local")),
        ),
        Case::new(
            "local_other_host_refused",
            get_from("/local", "http://localhost.evil.net:3000"),
            with(refused(), ok("local")),
        ),
        Case::new(
            "local_ipv6_refused",
            get_from("/local", "http://[::1]:3000"),
            with(refused(), ok("local")),
        ),
        Case::new(
            "local_leading_zero_port_refused",
            get_from("/local", "http://localhost:03000"),
            with(refused(), ok("local")),
        ),
        // /sandbox: null, opted in, no credentials.
        Case::new(
            "sandbox_null",
            get_from("/sandbox", "null"),
            with(allowed("null", false), ok("sandbox")),
        ),
        Case::new(
            "sandbox_other_origin_refused",
            get_from("/sandbox", APP),
            with(refused(), ok("sandbox")),
        ),
        // /tenant: the runtime set TENANTS (t1 at start-up), credentials, GET PUT,
        // content-type.
        Case::new(
            "tenant_get_t1",
            get_from("/tenant", T1),
            with(
                allowed(T1, true),
                [Status(200), Body("tenant"), Absent(ACEH)],
            ),
        ),
        Case::new(
            "tenant_put_t1",
            Request::new("PUT", "/tenant").header("Origin", T1),
            with(allowed(T1, true), ok("tenant updated")),
        ),
        Case::new(
            "tenant_get_refused_origin",
            get_from("/tenant", "https://t2.example.re"),
            with(refused(), ok("tenant")),
        ),
        Case::new(
            "tenant_get_app_refused",
            get_from("/tenant", APP),
            with(refused(), ok("tenant")),
        ),
        Case::new(
            "tenant_get_no_origin",
            get("/tenant"),
            vec![
                Status(200),
                Body("tenant"),
                Absent(ACAO),
                Absent(ACAC),
                VaryHas(&["origin"]),
            ],
        ),
        Case::new(
            "tenant_preflight_put",
            preflight("/tenant", T1, "PUT")
                .header("Access-Control-Request-Headers", "content-type"),
            vec![
                AllowedPreflight,
                Header(ACAO, T1),
                Header(ACAC, "true"),
                Header(ACAM, "PUT"),
                Header(ACAH, "content-type"),
                Absent(MAX_AGE),
                Absent(ACEH),
                VaryHas(PREFLIGHT_VARY),
            ],
        ),
        Case::new(
            "tenant_preflight_refused_origin",
            preflight("/tenant", EVIL, "PUT")
                .header("Access-Control-Request-Headers", "content-type"),
            refused_preflight(),
        ),
        Case::new(
            "tenant_preflight_unlisted_header_refused",
            preflight("/tenant", T1, "PUT").header("Access-Control-Request-Headers", "x-custom"),
            refused_preflight(),
        ),
        Case::new(
            "tenant_preflight_delete_refused",
            preflight("/tenant", T1, "DELETE"),
            refused_preflight(),
        ),
        // /plain and /fail: the global policy (app origin, GET POST, no credentials).
        Case::new(
            "plain_app",
            get_from("/plain", APP),
            with(allowed(APP, false), ok("plain")),
        ),
        Case::new(
            "plain_refused_origin",
            get_from("/plain", DASHBOARD),
            with(refused(), ok("plain")),
        ),
        Case::new(
            "plain_no_origin",
            get("/plain"),
            vec![
                Status(200),
                Body("plain"),
                Absent(ACAO),
                VaryHas(&["origin"]),
            ],
        ),
        Case::new(
            "plain_preflight_post",
            preflight("/plain", APP, "POST"),
            vec![
                AllowedPreflight,
                Header(ACAO, APP),
                Absent(ACAC),
                VaryHas(PREFLIGHT_VARY),
            ],
        ),
        Case::new(
            "plain_preflight_unlisted_header_refused",
            preflight("/plain", APP, "POST")
                .header("Access-Control-Request-Headers", "content-type"),
            refused_preflight(),
        ),
        Case::new(
            "plain_preflight_get",
            preflight("/plain", APP, "GET"),
            vec![
                AllowedPreflight,
                Header(ACAO, APP),
                Absent(ACAC),
                VaryHas(PREFLIGHT_VARY),
            ],
        ),
        Case::new(
            "plain_preflight_put_refused",
            preflight("/plain", APP, "PUT"),
            refused_preflight(),
        ),
        Case::new(
            "plain_preflight_refused_origin",
            preflight("/plain", DASHBOARD, "GET"),
            refused_preflight(),
        ),
        Case::new(
            "plain_wrong_method",
            Request::new("POST", "/plain").header("Origin", APP),
            with(allowed(APP, false), [StatusIn(&[404, 405])]),
        ),
        Case::new(
            "fail_500_app",
            get_from("/fail", APP),
            with(allowed(APP, false), [Status(500)]),
        ),
        Case::new(
            "fail_500_refused_origin",
            get_from("/fail", EVIL),
            with(refused(), [Status(500)]),
        ),
        // Anything else: the framework's 404 with the global policy.
        Case::new(
            "missing_404_app",
            get_from("/nowhere", APP),
            with(allowed(APP, false), [Status(404)]),
        ),
        Case::new(
            "missing_404_refused_origin",
            get_from("/nowhere", EVIL),
            with(refused(), [Status(404)]),
        ),
        Case::new(
            "missing_404_no_origin",
            get("/nowhere"),
            vec![Status(404), Absent(ACAO), VaryHas(&["origin"])],
        ),
        Case::new(
            "missing_preflight_get",
            preflight("/nowhere", APP, "GET"),
            vec![AllowedPreflight, Header(ACAO, APP), VaryHas(PREFLIGHT_VARY)],
        ),
        Case::new(
            "missing_preflight_put_refused",
            preflight("/nowhere", APP, "PUT"),
            refused_preflight(),
        ),
        // OPTIONS without Access-Control-Request-Method is not a preflight.
        Case::new(
            "options_without_request_method",
            Request::new("OPTIONS", "/plain").header("Origin", APP),
            vec![StatusIn(&[200, 404, 405]), Absent(ACAM), Absent(MAX_AGE)],
        ),
        Case::new(
            "options_without_origin",
            Request::new("OPTIONS", "/private").header("Access-Control-Request-Method", "PUT"),
            vec![StatusIn(&[200, 404, 405]), Absent(ACAO), Absent(ACAM)],
        ),
    ]
}

/// The global policy of the contract, built at start-up with the runtime builder as an
/// application reading its allowlist from configuration would: the app origin, GET and POST,
/// no credentials.
pub fn default_policy() -> Result<Policy, PolicyErrors> {
    PolicySpec::new()
        .origin(APP)
        .methods(["GET", "POST"])
        .validate()
}

/// `Origin` values outside the serialized-origin grammar: every route must answer them with no
/// CORS headers and never with a 5xx (for `/fail` and `DELETE /private`, whose handlers always
/// fail, a 500 is the handler's own).
pub fn hostile_origins() -> Vec<Vec<u8>> {
    let mut list: Vec<Vec<u8>> = [
        "https://APP.example.re",
        "HTTPS://app.example.re",
        "https://app.example.re:443",
        "https://app.example.re.",
        "https://app.example.re/",
        "https://app.example.re/path",
        "https://app.example.re?q",
        "https://app.example.re#f",
        "https://user@app.example.re",
        "https://app.example.re%60evil.net",
        "https://app.example.re`evil.net",
        "https://app.example.re:0",
        "https://app.example.re:08080",
        "https://app.example.re:99999",
        "https://app..example.re",
        "https://-app.example.re",
        "https://app_example.re",
        "https://[::1",
        "http://[0:0::1]:3000",
        "http://127.000.0.1:3000",
        "https://*.example.re",
        "https://app.example.re, https://evil.example",
        "app.example.re",
        "://app.example.re",
        "https://",
        "*",
        "javascript:alert(1)",
        "NULL",
        "nul",
        "null null",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    list.push(b"https://app.\xffexample.re".to_vec());
    list.push("https://bücher.example.re".as_bytes().to_vec());
    list.push(format!("https://{}.example.re", "a".repeat(5000)).into_bytes());
    list.push(format!("https://{}", "a.".repeat(200) + "example.re").into_bytes());
    list
}

/// Checks that a server is still up and answering normally (after a barrage of hostile
/// requests): `GET /private` from the app origin is a 200 with that origin allowed.
pub fn still_serving(addr: std::net::SocketAddr) -> Result<(), String> {
    let res = crate::http::send(addr, &Request::new("GET", "/private").header("Origin", APP))
        .map_err(|e| format!("the server stopped answering: {e}"))?;
    let allow_origin = res.get(ACAO);
    if res.status == 200 && allow_origin.as_deref() == Some(APP) {
        Ok(())
    } else {
        Err(format!(
            "the server no longer answers normally: GET /private from {APP} gave {} with \
             access-control-allow-origin {allow_origin:?}",
            res.status
        ))
    }
}

/// How many checks [`run_cases`] makes against `server`: every case of the table, and the
/// write-protection checks when `server` serves the `/notes` routes ([`writes::SERVING_NOTES`]).
pub fn case_count(server: Adapter) -> usize {
    cases().len() + writes::count(server)
}

/// Runs every case through `send`, then the write-protection cases ([`writes::run`]) when
/// `server` serves them; `Ok` with the number of checks ([`case_count`]), or `Err` listing
/// every failure (and every transport error) at once.
pub fn run_cases(
    server: Adapter,
    mut send: impl FnMut(&Request) -> io::Result<Response>,
) -> Result<usize, String> {
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        match send(&case.request) {
            Ok(response) => {
                if let Err(msg) = case.check(&response) {
                    failures.push(msg);
                }
            }
            Err(e) => failures.push(format!("{}: transport error: {e}", case.name)),
        }
    }
    let writes = writes::run(server, &mut send);
    if failures.is_empty() {
        writes.map(|checks| cases.len() + checks)
    } else {
        Err(format!(
            "{} of {} conformance cases failed:\n{}{}",
            failures.len(),
            cases.len(),
            failures.join("\n"),
            writes.err().map(|e| format!("\n{e}")).unwrap_or_default()
        ))
    }
}

/// Requests that depend on each other: a change through an admin route, then requests that
/// show what it changed (or that nothing changed). Every scenario ends by putting the server's
/// runtime state back as it was at start-up, so scenarios run one after another on one server.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Unique name.
    pub name: &'static str,
    /// The requests in order, each with what its response must satisfy.
    pub steps: Vec<Case>,
}

/// A JSON request to an admin route, from the app origin (which the global policy allows at
/// start-up).
fn put_json(path: &str, body: &str) -> Request {
    let mut r = Request::new("PUT", path)
        .header("Origin", APP)
        .header("Content-Type", "application/json");
    r.body = body.as_bytes().to_vec();
    r
}

/// An admin answer: this status and exactly this JSON body.
fn admin_answer(status: u16, body: &'static str) -> Vec<Expect> {
    vec![
        Expect::Status(status),
        Expect::Header("content-type", "application/json"),
        Expect::Body(body),
    ]
}

/// Expectations of a 400 answer to a malformed admin body: its message starts with `prefix`.
fn malformed(prefix: &'static str) -> Vec<Expect> {
    vec![
        Expect::Status(400),
        Expect::Header("content-type", "application/json"),
        Expect::BodyStarts(prefix),
    ]
}

/// The steps that put the runtime state back as at start-up.
fn restore() -> Vec<Case> {
    vec![
        Case::new(
            "restore_tenants",
            put_json("/admin/tenants", &format!("[\"{T1}\"]")),
            admin_answer(200, r#"{"origins":1}"#),
        ),
        Case::new(
            "restore_global",
            put_json("/admin/global", GLOBAL_AT_START),
            admin_answer(200, r#"{"ok":true}"#),
        ),
    ]
}

const NEW: &str = "https://new.example.re";
const LOCAL: &str = "http://localhost:5173";

/// Every scenario of the contract's runtime allowlists.
pub fn scenarios() -> Vec<Scenario> {
    use Expect::*;
    let tenant_ok =
        |origin: &'static str| with(allowed(origin, true), [Status(200), Body("tenant")]);
    let tenant_refused = || with(refused(), [Status(200), Body("tenant")]);
    let plain_refused = || with(refused(), [Status(200), Body("plain")]);
    let list = vec![
        Scenario {
            name: "tenants_replaced",
            steps: vec![
                Case::new(
                    "replace",
                    put_json(
                        "/admin/tenants",
                        &format!("[\"{LOCAL}\", \"https://*.t3.example.re\"]"),
                    ),
                    with(admin_answer(200, r#"{"origins":2}"#), allowed(APP, false)),
                ),
                Case::new("localhost", get_from("/tenant", LOCAL), tenant_ok(LOCAL)),
                Case::new(
                    "subdomain",
                    get_from("/tenant", "https://a.t3.example.re"),
                    tenant_ok("https://a.t3.example.re"),
                ),
                Case::new(
                    "apex_refused",
                    get_from("/tenant", "https://t3.example.re"),
                    tenant_refused(),
                ),
                Case::new("t1_gone", get_from("/tenant", T1), tenant_refused()),
                Case::new(
                    "preflight_put",
                    preflight("/tenant", "https://x.y.t3.example.re", "PUT")
                        .header("Access-Control-Request-Headers", "content-type"),
                    vec![
                        AllowedPreflight,
                        Header(ACAO, "https://x.y.t3.example.re"),
                        Header(ACAC, "true"),
                        Header(ACAM, "PUT"),
                        Header(ACAH, "content-type"),
                        VaryHas(PREFLIGHT_VARY),
                    ],
                ),
            ],
        },
        Scenario {
            name: "tenants_refused",
            steps: vec![
                Case::new(
                    "replace",
                    put_json(
                        "/admin/tenants",
                        r#"["https://t4.example.re", "http://t2.example.re", "https://*.github.io", "http://localhost:5173", "https://*.t3.example.re"]"#,
                    ),
                    admin_answer(
                        422,
                        concat!(
                            r#"{"errors":["#,
                            r#"{"index":1,"entry":"http://t2.example.re","message":"origin `http://t2.example.re` uses plain http while `credentials` is on"},"#,
                            r#"{"index":2,"entry":"https://*.github.io","message":"origin `https://*.github.io` matches every site under a public suffix while `credentials` is on"}"#,
                            r#"]}"#
                        ),
                    ),
                ),
                Case::new("t1_kept", get_from("/tenant", T1), tenant_ok(T1)),
                Case::new(
                    "valid_entry_not_applied",
                    get_from("/tenant", "https://t4.example.re"),
                    tenant_refused(),
                ),
                Case::new(
                    "localhost_not_applied",
                    get_from("/tenant", LOCAL),
                    tenant_refused(),
                ),
                Case::new(
                    "plain_http_never_allowed",
                    get_from("/tenant", "http://t2.example.re"),
                    tenant_refused(),
                ),
            ],
        },
        Scenario {
            name: "tenants_emptied",
            steps: vec![
                Case::new(
                    "replace",
                    put_json("/admin/tenants", "[]"),
                    admin_answer(200, r#"{"origins":0}"#),
                ),
                Case::new("t1_refused", get_from("/tenant", T1), tenant_refused()),
                Case::new(
                    "preflight_refused",
                    preflight("/tenant", T1, "PUT"),
                    refused_preflight(),
                ),
                Case::new(
                    "no_origin",
                    get("/tenant"),
                    vec![
                        Status(200),
                        Body("tenant"),
                        Absent(ACAO),
                        VaryHas(&["origin"]),
                    ],
                ),
            ],
        },
        Scenario {
            name: "tenants_malformed",
            steps: vec![
                Case::new(
                    "not_json",
                    put_json("/admin/tenants", "https://t4.example.re"),
                    malformed(
                        r#"{"error":"the body must be a JSON array of origin strings, such as [\"https://t1.example.re\"]: "#,
                    ),
                ),
                Case::new(
                    "object",
                    put_json(
                        "/admin/tenants",
                        r#"{"origins": ["https://t4.example.re"]}"#,
                    ),
                    malformed(r#"{"error":"the body must be a JSON array of origin strings"#),
                ),
                Case::new(
                    "not_strings",
                    put_json("/admin/tenants", r#"["https://t4.example.re", 5]"#),
                    malformed(r#"{"error":"the body must be a JSON array of origin strings"#),
                ),
                Case::new(
                    "empty",
                    put_json("/admin/tenants", ""),
                    malformed(r#"{"error":"#),
                ),
                Case::new("t1_kept", get_from("/tenant", T1), tenant_ok(T1)),
                Case::new(
                    "nothing_applied",
                    get_from("/tenant", "https://t4.example.re"),
                    tenant_refused(),
                ),
            ],
        },
        Scenario {
            name: "global_replaced",
            steps: vec![
                Case::new(
                    "replace",
                    put_json(
                        "/admin/global",
                        r#"{"origins": ["https://new.example.re"], "credentials": true, "methods": ["GET", "PUT"], "expose": ["x-total-count"]}"#,
                    ),
                    // Answered under the policy in force when the request arrived.
                    with(admin_answer(200, r#"{"ok":true}"#), allowed(APP, false)),
                ),
                Case::new(
                    "new_allowed",
                    get_from("/plain", NEW),
                    with(
                        allowed(NEW, true),
                        [Status(200), Body("plain"), Header(ACEH, "x-total-count")],
                    ),
                ),
                Case::new("old_refused", get_from("/plain", APP), plain_refused()),
                Case::new(
                    "new_on_404",
                    get_from("/nowhere", NEW),
                    with(allowed(NEW, true), [Status(404)]),
                ),
                Case::new(
                    "new_preflight_put",
                    preflight("/plain", NEW, "PUT"),
                    vec![
                        AllowedPreflight,
                        Header(ACAO, NEW),
                        Header(ACAC, "true"),
                        Header(ACAM, "PUT"),
                        VaryHas(PREFLIGHT_VARY),
                    ],
                ),
                Case::new(
                    "route_policies_untouched",
                    get_from("/private", APP),
                    with(allowed(APP, true), [Status(200), Body("private")]),
                ),
                Case::new("tenants_untouched", get_from("/tenant", T1), tenant_ok(T1)),
                Case::new(
                    "old_origin_refused_on_admin",
                    put_json("/admin/global", GLOBAL_AT_START),
                    with(admin_answer(200, r#"{"ok":true}"#), refused()),
                ),
                Case::new(
                    "back_to_the_start",
                    get_from("/plain", APP),
                    with(
                        allowed(APP, false),
                        [Status(200), Body("plain"), Absent(ACEH)],
                    ),
                ),
            ],
        },
        Scenario {
            name: "global_refused",
            steps: vec![
                Case::new(
                    "replace",
                    put_json(
                        "/admin/global",
                        r#"{"origins": ["https://new.example.re/", "*"], "credentials": true, "max_age": 90000}"#,
                    ),
                    with(admin_answer(422, GLOBAL_REFUSED), allowed(APP, false)),
                ),
                Case::new(
                    "old_kept",
                    get_from("/plain", APP),
                    with(allowed(APP, false), [Status(200), Body("plain")]),
                ),
                Case::new("new_refused", get_from("/plain", NEW), plain_refused()),
            ],
        },
        Scenario {
            name: "global_malformed",
            steps: vec![
                Case::new(
                    "unknown_key",
                    put_json("/admin/global", r#"{"orgins": ["https://new.example.re"]}"#),
                    with(
                        malformed(
                            r#"{"error":"the body must be a JSON object with the keys of a CORS policy, such as {\"origins\": [\"https://app.example.re\"]}: unknown field `orgins`"#,
                        ),
                        allowed(APP, false),
                    ),
                ),
                Case::new(
                    "wrong_type",
                    put_json("/admin/global", r#"{"origins": "https://new.example.re"}"#),
                    malformed(
                        r#"{"error":"the body must be a JSON object with the keys of a CORS policy"#,
                    ),
                ),
                Case::new(
                    "array",
                    put_json("/admin/global", r#"["https://new.example.re"]"#),
                    malformed(
                        r#"{"error":"the body must be a JSON object with the keys of a CORS policy"#,
                    ),
                ),
                Case::new(
                    "not_json",
                    put_json("/admin/global", "origins"),
                    malformed(r#"{"error":"#),
                ),
                Case::new(
                    "old_kept",
                    get_from("/plain", APP),
                    with(allowed(APP, false), [Status(200), Body("plain")]),
                ),
                Case::new("new_refused", get_from("/plain", NEW), plain_refused()),
            ],
        },
    ];
    list.into_iter()
        .map(|mut s| {
            for step in &mut s.steps {
                step.name = format!("{}/{}", s.name, step.name);
            }
            s.steps.extend(restore().into_iter().map(|mut step| {
                step.name = format!("{}/{}", s.name, step.name);
                step
            }));
            s
        })
        .collect()
}

/// What `PUT /admin/global` answers to the refused policy of the `global_refused` scenario.
const GLOBAL_REFUSED: &str = concat!(
    r#"{"errors":["#,
    r#""origins[0]: origin `https://new.example.re/` has a trailing slash; write `https://new.example.re`","#,
    r#""credentials: `credentials` cannot be combined with the origin `*`; list the trusted origins explicitly (e.g. `\"https://app.example.re\"`), or remove `credentials`","#,
    r#""origins[1]: `*` cannot be listed beside explicit origins; remove `*`, or keep `*` alone","#,
    r#""max_age: max_age 90000 is above 86400 seconds (one day); use at most 86400; 600 is a good default""#,
    r#"]}"#
);

/// Runs every scenario through `send`, in order, each step after the previous one; `Ok` with
/// the number of steps, or `Err` listing every failed step at once.
pub fn run_scenarios(
    mut send: impl FnMut(&Request) -> io::Result<Response>,
) -> Result<usize, String> {
    let scenarios = scenarios();
    let mut failures = Vec::new();
    let mut steps = 0;
    for step in scenarios.iter().flat_map(|s| &s.steps) {
        steps += 1;
        match send(&step.request) {
            Ok(response) => {
                if let Err(msg) = step.check(&response) {
                    failures.push(msg);
                }
            }
            Err(e) => failures.push(format!("{}: transport error: {e}", step.name)),
        }
    }
    if failures.is_empty() {
        Ok(steps)
    } else {
        Err(format!(
            "{} of {steps} scenario steps failed:\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}

/// The in-process tests of one test binary that read or change the conformance applications'
/// runtime origin sets (process-global statics) hold this while they run: they see the sets
/// as at start-up, and leave them so, even when they fail.
#[derive(Debug)]
pub struct Exclusive {
    _guard: MutexGuard<'static, ()>,
}

/// Waits until no other test of this binary holds the runtime state, then puts every
/// application's `TENANTS` back as at start-up.
pub fn exclusive() -> Exclusive {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    reset_tenants();
    Exclusive { _guard: guard }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        reset_tenants();
    }
}

fn reset_tenants() {
    for set in [
        &crate::actix_app::TENANTS,
        &crate::rocket_app::TENANTS,
        &crate::axum_app::TENANTS,
    ] {
        if let Err(errors) = set.replace(TENANTS_AT_START) {
            // Not reachable with the start-up contents; the tests that need them then fail.
            eprintln!("cannot put TENANTS back as at start-up: {errors}");
        }
    }
}

const PATHS: [&str; 9] = [
    "/public", "/private", "/sub", "/local", "/sandbox", "/tenant", "/plain", "/fail", "/nowhere",
];

/// How many requests [`hostile_requests`] makes of each origin.
pub const HOSTILE_REQUESTS_PER_ORIGIN: usize = PATHS.len() * 2 + 2;

/// The requests sent with each hostile origin: an actual request and a preflight to every
/// route, plus the paths no route serves.
pub fn hostile_requests(origin: &[u8]) -> Vec<Request> {
    let mut out = Vec::new();
    for path in PATHS {
        out.push(Request::new("GET", path).header("Origin", origin));
        out.push(
            Request::new("OPTIONS", path)
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "GET"),
        );
    }
    out.push(Request::new("DELETE", "/private").header("Origin", origin));
    out.push(
        Request::new("OPTIONS", "/private")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PUT")
            .header("Access-Control-Request-Headers", "content-type"),
    );
    out
}

/// No CORS header, and no 5xx but the handler's own (`/fail` and `DELETE /private` always fail).
pub fn check_hostile(origin: &[u8], req: &Request, res: &Response) -> Result<(), String> {
    let handler_fails = req.method != "OPTIONS"
        && (req.path == "/fail" || (req.method == "DELETE" && req.path == "/private"));
    let mut problems = Vec::new();
    if res.status >= 500 && !handler_fails {
        problems.push(format!("status {}", res.status));
    }
    for name in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-expose-headers",
        "access-control-max-age",
    ] {
        if let Some(v) = res.get(name) {
            problems.push(format!("{name}: {v}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Origin {:?}: {} {} -> {}",
            String::from_utf8_lossy(origin),
            req.method,
            req.path,
            problems.join(", ")
        ))
    }
}

/// Sends every hostile request through `send`; `skip` says which origins the transport cannot
/// carry. `Ok` with the number of requests, or `Err` listing every failure.
pub fn run_hostile(
    skip: impl Fn(&[u8]) -> bool,
    mut send: impl FnMut(&Request) -> io::Result<Response>,
) -> Result<usize, String> {
    let mut failures = Vec::new();
    let mut count = 0;
    for origin in hostile_origins().iter().filter(|o| !skip(o)) {
        for req in hostile_requests(origin) {
            count += 1;
            match send(&req) {
                Ok(res) => {
                    if let Err(msg) = check_hostile(origin, &req, &res) {
                        failures.push(msg);
                    }
                }
                Err(e) => failures.push(format!(
                    "Origin {:?}: {} {}: transport error {e}",
                    String::from_utf8_lossy(origin),
                    req.method,
                    req.path
                )),
            }
        }
    }
    if failures.is_empty() {
        Ok(count)
    } else {
        Err(failures.join("\n"))
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn case_names_are_unique() {
        let cases = cases();
        for (i, c) in cases.iter().enumerate() {
            assert!(
                !cases[..i].iter().any(|o| o.name == c.name),
                "duplicate case {}",
                c.name
            );
        }
    }

    #[test]
    fn scenario_steps_are_named_uniquely_and_end_at_the_start_state() {
        let steps: Vec<String> = scenarios()
            .iter()
            .flat_map(|s| s.steps.iter().map(|c| c.name.clone()))
            .collect();
        for (i, name) in steps.iter().enumerate() {
            assert!(!steps[..i].contains(name), "duplicate step {name}");
        }
        for s in scenarios() {
            let last: Vec<&str> = s.steps[s.steps.len() - 2..]
                .iter()
                .map(|c| c.request.path.as_str())
                .collect();
            assert_eq!(last, ["/admin/tenants", "/admin/global"], "{}", s.name);
        }
    }

    #[test]
    fn invariants_catch_wildcard_with_credentials_and_duplicates() {
        let r = Response {
            status: 200,
            headers: vec![
                (ACAO.into(), b"*".to_vec()),
                (ACAC.into(), b"true".to_vec()),
                ("vary".into(), b"Origin, origin".to_vec()),
            ],
            body: Vec::new(),
        };
        let found = invariants(&r);
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn expectations_fail_on_wrong_value() {
        let case = Case::new("x", get("/x"), vec![Expect::Header(ACAO, APP)]);
        let r = Response {
            status: 200,
            headers: vec![(ACAO.into(), EVIL.as_bytes().to_vec())],
            body: Vec::new(),
        };
        assert!(case.check(&r).is_err());
    }
}
