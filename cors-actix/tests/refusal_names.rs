//! A refused preflight's log line names the request header exactly as the browser asked for it,
//! however long the name is beside the ones the policy allows.
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

/// The log lines of one preflight for `path` asking for PUT with `requested` headers.
fn refusal_log(path: &str, requested: &str) -> Vec<String> {
    let system = actix_web::rt::System::new();
    let default = PolicySpec::new()
        .origin("https://app.example.re")
        .methods(["PUT"])
        .validate()
        .unwrap();
    let app = system.block_on(actix_test::init_service(
        App::new().wrap(Cors::new(default)).service(doc),
    ));
    let req = actix_test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri(path)
        .append_header(("origin", "https://app.example.re"))
        .append_header(("access-control-request-method", "PUT"))
        .append_header(("access-control-request-headers", requested))
        .to_request();
    take_events();
    let res = system.block_on(app.call(req)).unwrap();
    assert_eq!(res.status(), 403);
    // Only the refusal: the line saying which policy answered the preflight is another test's.
    take_events()
        .into_iter()
        .filter(|line| line.contains("CORS refused"))
        .collect()
}

#[test]
fn a_refused_header_longer_than_every_allowed_one_is_logged_whole() {
    assert_eq!(
        refusal_log("/doc", "content-type, x-correlation-identifier"),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: request header \
             `x-correlation-identifier` is not allowed by the policy method=OPTIONS path=/doc \
             policy=\"route\""
        ]
    );
    // The default policy allows no request header at all.
    assert_eq!(
        refusal_log("/elsewhere", "x-foo"),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: request header `x-foo` is not \
             allowed by the policy method=OPTIONS path=/elsewhere policy=\"default\""
        ]
    );
}
