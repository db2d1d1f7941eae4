//! Every refusal is logged through `tracing` at debug level, with the reason, method and path,
//! so that "why is there no Access-Control-Allow-Origin?" is answered by the server log.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::dev::Service;
use actix_web::test as actix_test;
use actix_web::{put, App};
use cors_actix::{cors, Cors, PolicySpec};
use cors_tests::capture::take_events;

#[cors(origins = ["https://app.example.re"], methods = [PUT], headers = ["content-type"])]
#[put("/doc")]
async fn doc() -> &'static str {
    "doc"
}

/// A request: method, path, header lines.
type Req<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Sends each request and returns the log lines of each.
fn logs(requests: &[Req<'_>]) -> Vec<Vec<String>> {
    take_events();
    {
        let system = actix_web::rt::System::new();
        let default = PolicySpec::new()
            .origin("https://app.example.re")
            .validate()
            .unwrap();
        let app = system.block_on(actix_test::init_service(
            App::new().wrap(Cors::new(default)).service(doc),
        ));
        requests
            .iter()
            .map(|(method, path, headers)| {
                let mut req = actix_test::TestRequest::default()
                    .method(method.parse().unwrap())
                    .uri(path);
                for h in *headers {
                    req = req.append_header(*h);
                }
                let _ = system.block_on(app.call(req.to_request())).unwrap();
                take_events()
            })
            .collect()
    }
}

#[test]
fn refusals_are_logged_with_reason_method_and_path() {
    let logs = logs(&[
        ("PUT", "/doc", &[("origin", "https://evil.example")]),
        (
            "OPTIONS",
            "/doc",
            &[
                ("origin", "https://app.example.re"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "x-secret"),
            ],
        ),
        (
            "OPTIONS",
            "/elsewhere",
            &[
                ("origin", "https://app.example.re"),
                ("access-control-request-method", "DELETE"),
            ],
        ),
        ("GET", "/elsewhere", &[("origin", "https://APP.example.re")]),
    ]);
    assert_eq!(
        logs[0],
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://evil.example` \
          is not allowed by the policy method=PUT path=/doc policy=\"route\""
        ]
    );
    assert_eq!(
        logs[1],
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: request header `x-secret` is \
          not allowed by the policy method=OPTIONS path=/doc policy=\"route\"",
            "DEBUG CORS preflight answered by the route policy of `logging::doc` path=/doc \
             status=403",
        ]
    );
    assert_eq!(
        logs[2],
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: method `DELETE` is not \
          allowed by the policy method=OPTIONS path=/elsewhere policy=\"default\"",
            "DEBUG CORS preflight answered by the default policy: no #[cors] route of this path \
             handles DELETE path=/elsewhere status=403",
        ]
    );
    assert_eq!(logs[3].len(), 1, "{:?}", logs[3]);
    assert!(
        logs[3][0].contains("`Origin: https://APP.example.re` is not a serialized origin"),
        "{:?}",
        logs[3]
    );
}

#[test]
fn every_preflight_says_which_policy_answered() {
    let logs = logs(&[
        (
            "OPTIONS",
            "/doc",
            &[
                ("origin", "https://app.example.re"),
                ("access-control-request-method", "PUT"),
            ],
        ),
        // No route of /doc handles POST: the default policy answers (and allows it).
        (
            "OPTIONS",
            "/doc",
            &[
                ("origin", "https://app.example.re"),
                ("access-control-request-method", "POST"),
            ],
        ),
    ]);
    assert_eq!(
        logs,
        [
            [
                "DEBUG CORS preflight answered by the route policy of `logging::doc` path=/doc \
              status=204"
            ],
            [
                "DEBUG CORS preflight answered by the default policy: no #[cors] route of this \
              path handles POST path=/doc status=204"
            ],
        ]
    );
}

#[test]
fn allowed_requests_log_no_refusal() {
    let logs = logs(&[
        ("PUT", "/doc", &[("origin", "https://app.example.re")]),
        ("PUT", "/doc", &[]),
        (
            "OPTIONS",
            "/doc",
            &[
                ("origin", "https://app.example.re"),
                ("access-control-request-method", "PUT"),
            ],
        ),
        ("GET", "/elsewhere", &[("origin", "https://app.example.re")]),
    ]);
    let refusals = logs.iter().flatten().filter(|l| l.contains("refused"));
    assert_eq!(refusals.count(), 0, "{logs:?}");
}

#[test]
fn a_refused_header_longer_than_every_allowed_one_is_logged_whole() {
    let preflight = |method, requested| {
        [
            ("origin", "https://app.example.re"),
            ("access-control-request-method", method),
            ("access-control-request-headers", requested),
        ]
    };
    let to_doc = preflight("PUT", "content-type, x-correlation-identifier");
    // The default policy allows GET (safelisted) and no request header at all.
    let elsewhere = preflight("GET", "x-foo");
    let refusals: Vec<Vec<String>> = logs(&[
        ("OPTIONS", "/doc", &to_doc),
        ("OPTIONS", "/elsewhere", &elsewhere),
    ])
    .into_iter()
    .map(|lines| {
        lines
            .into_iter()
            .filter(|line| line.contains("CORS refused"))
            .collect()
    })
    .collect();
    assert_eq!(
        refusals,
        [
            [
                "DEBUG CORS refused, no Access-Control-Allow-Origin: request header \
                 `x-correlation-identifier` is not allowed by the policy method=OPTIONS path=/doc \
                 policy=\"route\""
            ],
            [
                "DEBUG CORS refused, no Access-Control-Allow-Origin: request header `x-foo` is \
                 not allowed by the policy method=OPTIONS path=/elsewhere policy=\"default\""
            ]
        ]
    );
}

/// A `Cors` on a scope inside a default layer that was not told of it
/// (`with_nested_cors`) has its preflights answered by the outer policy: the outer layer sees
/// the inner layer's mark on the first request the inner one covers, and says so once, with
/// the fix.
#[test]
fn an_undeclared_inner_cors_is_warned_of_once() {
    use actix_web::{web, HttpResponse};
    take_events();
    let system = actix_web::rt::System::new();
    let policy = |origin: &str| PolicySpec::new().origin(origin).validate().unwrap();
    let app = system.block_on(actix_test::init_service(
        App::new()
            .wrap(Cors::new(policy("https://app.example.re")))
            .service(
                web::scope("/admin")
                    .wrap(Cors::new(policy("https://admin.example.re")))
                    .route("/page", web::get().to(HttpResponse::Ok)),
            )
            .route("/plain", web::get().to(HttpResponse::Ok)),
    ));
    let get = |path: &str| {
        let req = actix_test::TestRequest::get()
            .uri(path)
            .insert_header(("origin", "https://admin.example.re"))
            .to_request();
        let _ = system.block_on(app.call(req)).unwrap();
        take_events()
    };
    // Covered by the outer layer alone: nothing to say.
    let plain = get("/plain");
    assert!(plain.iter().all(|l| !l.starts_with("WARN")), "{plain:?}");
    let first = get("/admin/page");
    assert_eq!(
        first,
        [
            "WARN a `Cors` inside this one covered `GET /admin/page`, but this `Cors` was not \
             told of it: preflights to its paths are answered by this (outer) policy before \
             routing and never reach the inner one, so browsers are told what the outer policy \
             allows. Declare it on the outer layer: `Cors::new(policy).with_nested_cors()` \
             method=GET path=/admin/page"
        ]
    );
    // Once per layer.
    let second = get("/admin/page");
    assert!(second.iter().all(|l| !l.starts_with("WARN")), "{second:?}");
}

/// A declared inner `Cors` is not warned of.
#[test]
fn a_declared_inner_cors_is_not_warned_of() {
    use actix_web::{web, HttpResponse};
    take_events();
    let system = actix_web::rt::System::new();
    let policy = |origin: &str| PolicySpec::new().origin(origin).validate().unwrap();
    let app = system.block_on(actix_test::init_service(
        App::new()
            .wrap(Cors::new(policy("https://app.example.re")).with_nested_cors())
            .service(
                web::scope("/admin")
                    .wrap(Cors::new(policy("https://admin.example.re")))
                    .route("/page", web::get().to(HttpResponse::Ok)),
            ),
    ));
    let req = actix_test::TestRequest::get()
        .uri("/admin/page")
        .insert_header(("origin", "https://admin.example.re"))
        .to_request();
    let _ = system.block_on(app.call(req)).unwrap();
    let events = take_events();
    assert!(events.iter().all(|l| !l.starts_with("WARN")), "{events:?}");
}
