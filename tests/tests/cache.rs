//! A shared cache in front of each conformance server must never hand one origin's answer to
//! another.
//!
//! nginx with `proxy_cache` (started here on loopback with its own temporary configuration,
//! `tests/assets/nginx/cache.conf`) stands for a CDN or a reverse proxy. Its cache key leaves
//! `Origin` out, as almost every cache does by default, so only the `Vary: Origin` the adapters
//! send keeps the answers apart: nginx stores one variant per value of the headers that `Vary`
//! names. Each route gets request sequences that poison a cache without `Vary` (no `Origin`
//! then an origin, origin A then origin B, allowed then refused and back), played twice: the
//! first round fills the cache, the second must be served from it (`X-Cache-Status: HIT`),
//! and every answer must carry the CORS headers that the route's policy gives *that* request.
//!
//! The last tests run the same checks through a cache told to ignore `Vary`
//! (`proxy_ignore_headers Vary`, which is what a server that forgets `Vary` gets) and require
//! them to fail: the checks can catch a poisoned cache.
//!
//! Needs `nginx` (`apt-get install -y --no-install-recommends nginx`); a missing nginx fails
//! the tests with that hint.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;

use cors_tests::http::{send, Request, Response};
use cors_tests::server::{free_port, Server};
use cors_tests::tools::{render, Nginx, TempDir};

const CACHE_CONF: &str = include_str!("../assets/nginx/cache.conf");

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

/// An nginx cache in front of a freshly started conformance server.
struct Cache {
    // Field order matters: nginx stops before the upstream does.
    _nginx: Nginx,
    _server: Server,
    addr: SocketAddr,
}

impl Cache {
    fn start(binary: &str, extra: &str) -> Cache {
        let server = Server::start(binary);
        let dir = TempDir::new("cache").unwrap_or_else(|e| panic!("{e}"));
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let config = render(
            CACHE_CONF,
            &[
                ("dir", &dir.path().to_string_lossy()),
                ("port", &port.to_string()),
                ("upstream", &server.addr.to_string()),
                ("extra", extra),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let nginx = Nginx::start(&config, dir, &[addr]).unwrap_or_else(|e| panic!("{e}"));
        Cache {
            _nginx: nginx,
            _server: server,
            addr,
        }
    }

    fn get(&self, path: &str, bucket: &str, origin: Option<&str>) -> Response {
        let mut req = Request::new("GET", path).header("x-cache-bucket", bucket);
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        send(self.addr, &req).unwrap_or_else(|e| panic!("GET {path} through nginx: {e}"))
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

/// Plays every sequence twice through the cache; returns every problem found, each naming
/// the sequence, the round and the request.
fn run_sequences(cache: &Cache, route: &Route) -> Vec<String> {
    let mut problems = Vec::new();
    for (index, (name, origins)) in sequences(route).iter().enumerate() {
        let bucket = format!("seq{index}");
        for round in 1..=2 {
            for (step, origin) in origins.iter().enumerate() {
                let resp = cache.get(route.path, &bucket, *origin);
                let status = resp.get("x-cache-status").unwrap_or_default();
                let mut wrong = check_answer(route, *origin, &resp);
                if round == 1 && step == 0 && status != "MISS" {
                    wrong.push(format!(
                        "X-Cache-Status `{status}` on the first request of a fresh bucket \
                         (expected MISS: the cache key is not what the test assumes)"
                    ));
                }
                if round == 2 && status != "HIT" {
                    wrong.push(format!(
                        "X-Cache-Status `{status}` on a repeat (expected HIT: the cache must \
                         store and serve this answer, or the test proves nothing)"
                    ));
                }
                let vary = resp
                    .get("vary")
                    .map_or_else(|| "no Vary".to_owned(), |v| format!("Vary: {v}"));
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

fn assert_cache_keeps_origins_apart(adapter: &str, binary: &str, route: &Route) {
    let cache = Cache::start(binary, "");
    let problems = run_sequences(&cache, route);
    assert!(
        problems.is_empty(),
        "{adapter}: the nginx cache served answers that do not fit the request's origin:\n  {}",
        problems.join("\n  ")
    );
}

/// The same checks through a cache that ignores `Vary` must find the poisoning.
fn assert_checks_catch_a_cache_ignoring_vary(adapter: &str, binary: &str) {
    let cache = Cache::start(binary, "proxy_ignore_headers Vary;");
    let mut problems = run_sequences(&cache, &PRIVATE);
    problems.extend(run_sequences(&cache, &SUB));
    assert!(
        !problems.is_empty(),
        "{adapter}: with `proxy_ignore_headers Vary` the cache shares one answer between \
         origins, yet the checks found nothing wrong: they cannot catch a missing Vary"
    );
    let leak = problems
        .iter()
        .any(|p| p.contains("Access-Control-Allow-Origin") && p.contains("cache HIT"));
    assert!(
        leak,
        "{adapter}: expected a HIT carrying another origin's Access-Control-Allow-Origin, got:\n  {}",
        problems.join("\n  ")
    );
    eprintln!(
        "{adapter}: as intended, a cache ignoring Vary is caught:\n  {}",
        problems.join("\n  ")
    );
}

macro_rules! adapter_tests {
    ($adapter:ident, $binary:expr) => {
        mod $adapter {
            use super::*;

            const ADAPTER: &str = stringify!($adapter);

            #[test]
            fn private_route_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(ADAPTER, $binary, &PRIVATE);
            }

            #[test]
            fn plain_route_under_the_global_policy_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(ADAPTER, $binary, &PLAIN);
            }

            #[test]
            fn subdomain_pattern_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(ADAPTER, $binary, &SUB);
            }

            #[test]
            fn port_pattern_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(ADAPTER, $binary, &LOCAL);
            }

            #[test]
            fn public_wildcard_is_shared_and_right_for_everyone() {
                assert_cache_keeps_origins_apart(ADAPTER, $binary, &PUBLIC);
            }

            #[test]
            fn cached_500_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(ADAPTER, $binary, &FAIL);
            }

            #[test]
            fn cached_404_keeps_origins_apart() {
                assert_cache_keeps_origins_apart(ADAPTER, $binary, &NOT_FOUND);
            }

            #[test]
            fn checks_catch_a_cache_that_ignores_vary() {
                assert_checks_catch_a_cache_ignoring_vary(ADAPTER, $binary);
            }
        }
    };
}

adapter_tests!(actix, env!("CARGO_BIN_EXE_conformance-actix"));
adapter_tests!(rocket, env!("CARGO_BIN_EXE_conformance-rocket"));
