//! A shared cache in front of each conformance server must never hand one origin's answer to
//! another.
//!
//! Four caches stand for a CDN or a reverse proxy: nginx with `proxy_cache`, Varnish, Squid (as
//! a reverse proxy) and Apache Traffic Server, each started here on loopback with its own
//! temporary configuration (`tests/assets/<cache>/`) and storage, caching 200, 404 and 500 for a
//! minute, their own `Vary` handling untouched. Their cache keys leave `Origin` out, as almost
//! every cache does by default, so only the `Vary: Origin` the adapters send keeps the answers
//! apart. Each route gets request sequences that poison a cache without `Vary` (no `Origin` then
//! an origin, origin A then origin B, allowed then refused and back), played twice: the first
//! round fills the cache, the second must be served from it (a HIT by the cache's own header),
//! and every answer must carry the CORS headers that the route's policy gives *that* request.
//!
//! The controls run the same checks with a backend that sends no `Vary` (nginx:
//! `proxy_ignore_headers Vary`; the others: a forwarder that drops every `Vary` line) and
//! require them to fail: the checks can catch a poisoned cache.
//!
//! The last tests put Traffic Server, which honours only the *first* `Vary` line, in front of a
//! small application of each adapter whose handler writes two `Vary` lines on a route with a
//! CORS policy: the answer must carry exactly one `Vary` line naming every token and `Origin`,
//! or the cache serves one origin's answer to another.
//!
//! Needs `nginx`, `varnish`, `squid` and `trafficserver` (and root: the caches drop to their own
//! users); a missing one fails the tests with the install command.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_tests::caches::{Cache, CacheKind, StripVary};
use cors_tests::http::Response;
use cors_tests::server::{Adapter, Server};

/// What a route's policy gives each origin (from the conformance contract).
struct Route {
    path: &'static str,
    /// The status the handler (or the framework) answers with.
    status: u16,
    /// Origins the policy allows; they must get themselves back in
    /// `Access-Control-Allow-Origin` (or `*` when `wildcard`).
    allowed: &'static [&'static str],
    /// Origins the policy refuses: no CORS headers at all.
    refused: &'static [&'static str],
    /// The policy is `*`: every origin gets `*`.
    wildcard: bool,
    /// `Access-Control-Allow-Credentials: true` on allowed answers.
    credentials: bool,
}

const APP: &str = "https://app.example.re";
const DASHBOARD: &str = "https://dashboard.example.re";
const EVIL: &str = "https://evil.example";

const PRIVATE: Route = Route {
    path: "/private",
    status: 200,
    allowed: &[APP, DASHBOARD],
    refused: &[EVIL, "http://localhost:3000"],
    wildcard: false,
    credentials: true,
};
const PLAIN: Route = Route {
    path: "/plain",
    status: 200,
    allowed: &[APP],
    refused: &[DASHBOARD, EVIL],
    wildcard: false,
    credentials: false,
};
const SUB: Route = Route {
    path: "/sub",
    status: 200,
    allowed: &["https://x.example.re", "https://a.b.example.re"],
    refused: &["https://example.re", EVIL],
    wildcard: false,
    credentials: true,
};
const LOCAL: Route = Route {
    path: "/local",
    status: 200,
    allowed: &["http://localhost:3000", "http://127.0.0.1:8080"],
    refused: &[APP, "http://localhost"],
    wildcard: false,
    credentials: false,
};
const PUBLIC: Route = Route {
    path: "/public",
    status: 200,
    allowed: &[APP, EVIL],
    refused: &[],
    wildcard: true,
    credentials: false,
};
const FAIL: Route = Route {
    path: "/fail",
    status: 500,
    allowed: &[APP],
    refused: &[EVIL],
    wildcard: false,
    credentials: false,
};
const NOT_FOUND: Route = Route {
    path: "/no-such-route",
    status: 404,
    allowed: &[APP],
    refused: &[EVIL],
    wildcard: false,
    credentials: false,
};

/// A cache in front of a backend: a freshly started conformance server, or (for the
/// controls) that server behind a forwarder that drops `Vary`.
struct Setup {
    // Field order is drop order: the cache stops before its backend does.
    cache: Cache,
    _strip: Option<StripVary>,
    _server: Server,
}

impl Setup {
    fn start(kind: CacheKind, binary: &str, control: bool) -> Setup {
        let server = Server::start(binary);
        let (strip, upstream, extra) = match (control, kind) {
            (false, _) => (None, server.addr, ""),
            (true, CacheKind::Nginx) => (None, server.addr, "proxy_ignore_headers Vary;"),
            (true, _) => {
                let strip = StripVary::start(server.addr).unwrap_or_else(|e| panic!("{e}"));
                let addr = strip.addr;
                (Some(strip), addr, "")
            }
        };
        let cache = Cache::start(kind, upstream, extra)
            .unwrap_or_else(|e| panic!("{kind}: cannot start the cache: {e}"));
        Setup {
            cache,
            _strip: strip,
            _server: server,
        }
    }
}

fn show(origin: Option<&str>) -> String {
    origin.map_or_else(|| "no Origin".to_owned(), |o| format!("Origin {o}"))
}

/// The request sequences that poison a cache which ignores `Origin`.
fn sequences(route: &Route) -> Vec<(String, Vec<Option<&'static str>>)> {
    let mut out = Vec::new();
    let first_allowed = route.allowed.first().copied();
    let first_refused = route.refused.first().copied();
    if let Some(a) = first_allowed {
        out.push((
            "no Origin, then an allowed origin".to_owned(),
            vec![None, Some(a)],
        ));
        out.push((
            "an allowed origin, then no Origin".to_owned(),
            vec![Some(a), None],
        ));
    }
    if let [a, b, ..] = route.allowed {
        out.push((
            "allowed origin A, then allowed origin B".to_owned(),
            vec![Some(*a), Some(*b)],
        ));
    }
    if let (Some(a), Some(r)) = (first_allowed, first_refused) {
        out.push(("allowed, then refused".to_owned(), vec![Some(a), Some(r)]));
        out.push(("refused, then allowed".to_owned(), vec![Some(r), Some(a)]));
    }
    if let [r, s, ..] = route.refused {
        out.push((
            "refused A, then refused B".to_owned(),
            vec![Some(*r), Some(*s)],
        ));
    }
    out
}

/// Checks one answer against the policy; returns what is wrong.
fn check_answer(route: &Route, origin: Option<&str>, resp: &Response) -> Vec<String> {
    let mut wrong = Vec::new();
    if resp.status != route.status {
        wrong.push(format!(
            "status {} instead of {}",
            resp.status, route.status
        ));
    }
    let acao = resp.get("access-control-allow-origin");
    let acac = resp.get("access-control-allow-credentials");
    let allowed = origin.is_some_and(|o| route.allowed.contains(&o));
    let expected_acao = match origin {
        // A `*` route may or may not answer a request without `Origin` with `*`: both are
        // harmless. Any other value is an origin leaking.
        None if route.wildcard => acao.clone().filter(|v| v == "*"),
        None => None,
        Some(_) if route.wildcard => Some("*".to_owned()),
        Some(o) if allowed => Some(o.to_owned()),
        Some(_) => None,
    };
    if acao != expected_acao {
        wrong.push(format!(
            "Access-Control-Allow-Origin {} instead of {}",
            acao.as_deref()
                .map_or("absent".to_owned(), |v| format!("`{v}`")),
            expected_acao
                .as_deref()
                .map_or("absent".to_owned(), |v| format!("`{v}`"))
        ));
    }
    let expected_acac = (allowed && route.credentials).then(|| "true".to_owned());
    if acac != expected_acac {
        wrong.push(format!(
            "Access-Control-Allow-Credentials {} instead of {}",
            acac.as_deref()
                .map_or("absent".to_owned(), |v| format!("`{v}`")),
            expected_acac.as_deref().unwrap_or("absent")
        ));
    }
    wrong
}

/// How a cache's hit header reads in problem reports: `HIT`, `MISS`, or the raw value.
fn cache_word(cache: &Cache, resp: &Response) -> String {
    match cache.kind().hit(resp) {
        Some(true) => "HIT".to_owned(),
        Some(false) => "MISS".to_owned(),
        None => format!(
            "status unknown ({}: {})",
            cache.kind().status_header(),
            resp.get(cache.kind().status_header())
                .unwrap_or_else(|| "absent".to_owned())
        ),
    }
}

/// Plays every sequence twice through the cache; returns every problem found, each naming
/// the sequence, the round and the request. `extra` adds checks of each answer.
fn run_sequences_with(
    cache: &Cache,
    route: &Route,
    extra: &dyn Fn(&Response) -> Vec<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (index, (name, origins)) in sequences(route).iter().enumerate() {
        let bucket = format!("seq{index}");
        for round in 1..=2 {
            for (step, origin) in origins.iter().enumerate() {
                let resp = cache
                    .get(route.path, &bucket, *origin)
                    .unwrap_or_else(|e| panic!("{e}\n{}", cache.logs()));
                let hit = cache.kind().hit(&resp);
                let status = cache_word(cache, &resp);
                let mut wrong = check_answer(route, *origin, &resp);
                wrong.extend(extra(&resp));
                if round == 1 && step == 0 && hit != Some(false) {
                    wrong.push(format!(
                        "cache says {status} on the first request of a fresh bucket \
                         (expected MISS: the cache key is not what the test assumes)"
                    ));
                }
                if round == 2 && hit != Some(true) {
                    wrong.push(format!(
                        "cache says {status} on a repeat (expected HIT: the cache must \
                         store and serve this answer, or the test proves nothing)"
                    ));
                }
                let vary = resp.all("vary");
                let vary = if vary.is_empty() {
                    "no Vary".to_owned()
                } else {
                    vary.iter()
                        .map(|v| format!("Vary: {}", String::from_utf8_lossy(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                for w in wrong {
                    problems.push(format!(
                        "{} [{name}] round {round}, {} (cache {status}, {vary}): {w}",
                        route.path,
                        show(*origin),
                    ));
                }
            }
        }
    }
    problems
}

fn run_sequences(cache: &Cache, route: &Route) -> Vec<String> {
    run_sequences_with(cache, route, &|_| Vec::new())
}

fn assert_cache_keeps_origins_apart(kind: CacheKind, adapter: &str, binary: &str, route: &Route) {
    let setup = Setup::start(kind, binary, false);
    let problems = run_sequences(&setup.cache, route);
    assert!(
        problems.is_empty(),
        "{}::{adapter}: the {kind} cache served answers that do not fit the request's origin:\n  {}",
        kind.name(),
        problems.join("\n  ")
    );
}

/// The same checks through a cache whose backend sends no `Vary` must find the poisoning.
fn assert_checks_catch_a_cache_without_vary(kind: CacheKind, adapter: &str, binary: &str) {
    let setup = Setup::start(kind, binary, true);
    let mut problems = run_sequences(&setup.cache, &PRIVATE);
    problems.extend(run_sequences(&setup.cache, &SUB));
    assert!(
        !problems.is_empty(),
        "{}::{adapter}: without Vary the {kind} cache shares one answer between origins, yet \
         the checks found nothing wrong: they cannot catch a missing Vary",
        kind.name()
    );
    let leak = problems
        .iter()
        .any(|p| p.contains("Access-Control-Allow-Origin") && p.contains("cache HIT"));
    assert!(
        leak,
        "{}::{adapter}: expected a HIT carrying another origin's Access-Control-Allow-Origin \
         from {kind}, got:\n  {}",
        kind.name(),
        problems.join("\n  ")
    );
    eprintln!(
        "{}::{adapter}: as intended, a {kind} cache in front of a backend without Vary is caught:\n  {}",
        kind.name(),
        problems.join("\n  ")
    );
}

macro_rules! cache_tests {
    ($cache:ident, $kind:expr, $adapter:expr, $binary:expr) => {
        mod $cache {
            use super::*;

            const KIND: CacheKind = $kind;

            #[test]
            fn private_route_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(KIND, $adapter, $binary, &PRIVATE);
            }

            #[test]
            fn plain_route_under_the_global_policy_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(KIND, $adapter, $binary, &PLAIN);
            }

            #[test]
            fn subdomain_pattern_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(KIND, $adapter, $binary, &SUB);
            }

            #[test]
            fn port_pattern_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(KIND, $adapter, $binary, &LOCAL);
            }

            #[test]
            fn public_wildcard_is_shared_and_right_for_everyone() {
                assert_cache_keeps_origins_apart(KIND, $adapter, $binary, &PUBLIC);
            }

            #[test]
            fn cached_500_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(KIND, $adapter, $binary, &FAIL);
            }

            #[test]
            fn cached_404_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(KIND, $adapter, $binary, &NOT_FOUND);
            }

            #[test]
            fn checks_catch_a_backend_without_vary() {
                assert_checks_catch_a_cache_without_vary(KIND, $adapter, $binary);
            }
        }
    };
}

/// Every cache in front of each conformance server (`actix::nginx::private_route_...`), and
/// Traffic Server in front of the adapter's two-`Vary`-line application.
macro_rules! adapter_tests {
    ($name:ident, $adapter:expr, $binary:expr) => {
        mod $name {
            use super::*;

            const ADAPTER: &str = Adapter::name($adapter);

            cache_tests!(nginx, CacheKind::Nginx, ADAPTER, $binary);
            cache_tests!(varnish, CacheKind::Varnish, ADAPTER, $binary);
            cache_tests!(squid, CacheKind::Squid, ADAPTER, $binary);
            cache_tests!(trafficserver, CacheKind::TrafficServer, ADAPTER, $binary);

            #[test]
            fn two_vary_lines_leave_as_one_behind_traffic_server() {
                assert_one_vary_line_behind_traffic_server($adapter);
            }
        }
    };
}

cors_tests::for_each_conformance_server!(adapter_tests);

/// Two routes whose handlers write two `Vary` lines each, under a CORS policy that lists two
/// origins: `/negotiated` writes `Vary: Accept-Encoding` and `Vary: Accept-Language`;
/// `/negotiated-origin` writes `Vary: Accept-Encoding` and `Vary: Origin` (a handler that
/// already knows its answer depends on `Origin`). Built here, in the test, for each adapter:
/// the conformance servers' contract stays as it is.
mod two_vary_lines {
    use std::net::{SocketAddr, TcpListener};
    use std::time::Duration;

    use cors_tests::ready::{retry_on_taken, wait_until_ready, InProcess, Ready};
    use cors_tests::server::{free_port, Adapter};

    /// The body of both routes.
    pub(super) const BODY: &str = "negotiated";

    mod actix {
        use actix_web::{get, App, HttpResponse, HttpServer};
        use cors_actix::{cors, Cors};

        #[cors(origins = ["https://app.example.re", "https://dashboard.example.re"])]
        #[get("/negotiated")]
        async fn negotiated() -> HttpResponse {
            HttpResponse::Ok()
                .append_header(("vary", "Accept-Encoding"))
                .append_header(("vary", "Accept-Language"))
                .body(super::BODY)
        }

        #[cors(origins = ["https://app.example.re", "https://dashboard.example.re"])]
        #[get("/negotiated-origin")]
        async fn negotiated_origin() -> HttpResponse {
            HttpResponse::Ok()
                .append_header(("vary", "Accept-Encoding"))
                .append_header(("vary", "Origin"))
                .body(super::BODY)
        }

        /// Serves the application on `listener` until the process ends.
        pub(in super::super) fn serve(listener: std::net::TcpListener) {
            let policy = cors_tests::conformance::default_policy().expect("valid global policy");
            let cors = Cors::new(policy);
            let result = actix_web::rt::System::new().block_on(async move {
                HttpServer::new(move || {
                    App::new()
                        .wrap(cors.clone())
                        .service(negotiated)
                        .service(negotiated_origin)
                })
                .workers(1)
                .listen(listener)?
                .disable_signals()
                .run()
                .await
            });
            if let Err(e) = result {
                eprintln!("the two-Vary-line Actix application stopped: {e}");
            }
        }
    }

    mod rocket {
        use std::io::Cursor;

        use cors_rocket::{cors, Cors};
        use rocket::config::LogLevel;
        use rocket::response::{self, Responder, Response};
        use rocket::{get, routes, Config, Request};

        /// The body with two `Vary` lines, as a handler that varies on two things writes them.
        struct TwoVaryLines(&'static str, &'static str);

        impl<'r> Responder<'r, 'static> for TwoVaryLines {
            fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
                Response::build()
                    .raw_header_adjoin("Vary", self.0)
                    .raw_header_adjoin("Vary", self.1)
                    .sized_body(super::BODY.len(), Cursor::new(super::BODY))
                    .ok()
            }
        }

        #[cors(origins = ["https://app.example.re", "https://dashboard.example.re"])]
        #[get("/negotiated")]
        fn negotiated() -> TwoVaryLines {
            TwoVaryLines("Accept-Encoding", "Accept-Language")
        }

        #[cors(origins = ["https://app.example.re", "https://dashboard.example.re"])]
        #[get("/negotiated-origin")]
        fn negotiated_origin() -> TwoVaryLines {
            TwoVaryLines("Accept-Encoding", "Origin")
        }

        /// Serves the application on `127.0.0.1:port` until the process ends.
        pub(in super::super) fn serve(port: u16) {
            let policy = cors_tests::conformance::default_policy().expect("valid global policy");
            let figment = Config::figment()
                .merge(("address", "127.0.0.1"))
                .merge(("port", port))
                .merge(("log_level", LogLevel::Off))
                .merge(("cli_colors", false));
            let rocket = rocket::custom(figment)
                .mount("/", routes![negotiated, negotiated_origin])
                .attach(Cors::new(policy));
            if let Err(e) = rocket::execute(rocket.launch()) {
                eprintln!("the two-Vary-line Rocket application stopped: {}", e.kind());
            }
        }
    }

    mod axum {
        use axum::http::header::VARY;
        use axum::response::{AppendHeaders, IntoResponse};
        use axum::routing::get;
        use axum::Router;
        use cors_axum::{cors, Cors, CorsRouteExt, CorsRouterExt};

        #[cors(origins = ["https://app.example.re", "https://dashboard.example.re"])]
        async fn negotiated() -> impl IntoResponse {
            (
                AppendHeaders([(VARY, "Accept-Encoding"), (VARY, "Accept-Language")]),
                super::BODY,
            )
        }

        #[cors(origins = ["https://app.example.re", "https://dashboard.example.re"])]
        async fn negotiated_origin() -> impl IntoResponse {
            (
                AppendHeaders([(VARY, "Accept-Encoding"), (VARY, "Origin")]),
                super::BODY,
            )
        }

        /// Serves the application on `listener` until the process ends.
        pub(in super::super) fn serve(listener: std::net::TcpListener) {
            let policy = cors_tests::conformance::default_policy().expect("valid global policy");
            let app = Router::new()
                .route("/negotiated", get(negotiated).cors(negotiated::POLICY))
                .route(
                    "/negotiated-origin",
                    get(negotiated_origin).cors(negotiated_origin::POLICY),
                )
                .with_cors(Cors::new(policy));
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .and_then(|runtime| {
                    runtime.block_on(async move {
                        listener.set_nonblocking(true)?;
                        let listener = tokio::net::TcpListener::from_std(listener)?;
                        axum::serve(listener, app.into_make_service()).await
                    })
                });
            if let Err(e) = result {
                eprintln!("the two-Vary-line axum application stopped: {e}");
            }
        }
    }

    /// Starts the adapter's application in a thread of this process; returns where it
    /// listens once it answers there.
    pub(super) fn start(adapter: Adapter) -> SocketAddr {
        let name = format!("the two-Vary-line {} application", adapter.name());
        retry_on_taken(&name, || {
            let bound = || {
                let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
                let addr = listener.local_addr().expect("a local address");
                (listener, addr)
            };
            let (addr, thread) = match adapter {
                // Actix and axum serve a listener bound here: the port is theirs from the start.
                Adapter::Actix => {
                    let (listener, addr) = bound();
                    (addr, std::thread::spawn(move || actix::serve(listener)))
                }
                Adapter::Axum => {
                    let (listener, addr) = bound();
                    (addr, std::thread::spawn(move || axum::serve(listener)))
                }
                // Rocket 0.5 binds its port itself.
                Adapter::Rocket => {
                    let port = free_port();
                    let thread = std::thread::spawn(move || rocket::serve(port));
                    (SocketAddr::from(([127, 0, 0, 1], port)), thread)
                }
            };
            let mut app = InProcess {
                name: &name,
                thread: &thread,
            };
            wait_until_ready(&mut app, &Ready::http(addr), Duration::from_secs(30))?;
            Ok(addr)
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// `GET /negotiated` of the two-Vary-line applications.
const NEGOTIATED: Route = Route {
    path: "/negotiated",
    status: 200,
    allowed: &[APP, DASHBOARD],
    refused: &[EVIL],
    wildcard: false,
    credentials: false,
};

/// `GET /negotiated-origin`: the same policy; the handler already names `Origin`.
const NEGOTIATED_ORIGIN: Route = Route {
    path: "/negotiated-origin",
    ..NEGOTIATED
};

/// The `Vary` of an answer must be one line holding `expected` (in order, any case): a cache
/// that reads only the first line (Traffic Server) must see every token.
fn one_vary_line(resp: &Response, expected: &[&str]) -> Vec<String> {
    let lines: Vec<String> = resp
        .all("vary")
        .iter()
        .map(|v| format!("`{}`", String::from_utf8_lossy(v)))
        .collect();
    let mut wrong = Vec::new();
    if lines.len() != 1 {
        wrong.push(format!(
            "{} Vary lines ({}) instead of one: a cache that honours only the first line keys \
             this answer without the other line's tokens",
            lines.len(),
            lines.join(", ")
        ));
    }
    let tokens = resp.vary_tokens();
    if tokens != expected {
        wrong.push(format!("Vary tokens {tokens:?} instead of {expected:?}"));
    }
    if resp.body != two_vary_lines::BODY.as_bytes() {
        wrong.push(format!(
            "body {:?} instead of {:?}",
            resp.text(),
            two_vary_lines::BODY
        ));
    }
    wrong
}

fn assert_one_vary_line_behind_traffic_server(adapter: Adapter) {
    let addr = two_vary_lines::start(adapter);
    let adapter = adapter.name();
    let cache = Cache::start(CacheKind::TrafficServer, addr, "")
        .unwrap_or_else(|e| panic!("cannot start Traffic Server: {e}"));
    let mut problems = Vec::new();
    for (route, expected) in [
        (
            &NEGOTIATED,
            &["accept-encoding", "accept-language", "origin"][..],
        ),
        (&NEGOTIATED_ORIGIN, &["accept-encoding", "origin"][..]),
    ] {
        // Straight from the application first: the line count is the adapter's, not the
        // cache's.
        let direct = cors_tests::http::send(
            addr,
            &cors_tests::http::Request::new("GET", route.path).header("origin", APP),
        )
        .unwrap_or_else(|e| panic!("GET {}: {e}", route.path));
        problems.extend(
            one_vary_line(&direct, expected)
                .into_iter()
                .chain(check_answer(route, Some(APP), &direct))
                .map(|w| {
                    format!(
                        "{} straight from the application, Origin {APP}: {w}",
                        route.path
                    )
                }),
        );
        problems.extend(run_sequences_with(&cache, route, &|resp| {
            one_vary_line(resp, expected)
        }));
    }
    assert!(
        problems.is_empty(),
        "trafficserver::{adapter}::one_vary_line: a handler's two Vary lines and the CORS Vary \
         must leave as one line, or Traffic Server (which honours only the first line) serves \
         one origin's answer to another:\n  {}",
        problems.join("\n  ")
    );
}
