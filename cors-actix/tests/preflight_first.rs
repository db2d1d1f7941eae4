//! A default policy with no CORS layer inside it answers preflights before routing: nothing of
//! the application runs for them. With a route policy inside, preflights reach the routes.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::Method;
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{put, web, App, HttpResponse};
use cors_actix::{cors, Cors, PolicySpec};

const APP: &str = "https://app.example.re";
const ADMIN: &str = "https://admin.example.re";

static FALLBACK_RUNS: AtomicUsize = AtomicUsize::new(0);

async fn fallback() -> HttpResponse {
    FALLBACK_RUNS.fetch_add(1, Ordering::SeqCst);
    HttpResponse::NotFound().finish()
}

#[cors(origins = ["https://admin.example.re"], methods = [PUT])]
#[put("/admin")]
async fn admin() -> &'static str {
    "admin"
}

fn default_cors() -> Cors {
    Cors::new(
        PolicySpec::new()
            .origin(APP)
            .methods(["PUT"])
            .validate()
            .unwrap(),
    )
}

fn preflight(path: &str, origin: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header(("origin", origin))
        .insert_header(("access-control-request-method", "PUT"))
}

#[actix_web::test]
async fn without_route_policies_preflights_are_answered_before_routing() {
    let app = init_service(
        App::new()
            .wrap(default_cors())
            .default_service(web::to(fallback)),
    )
    .await;
    let before = FALLBACK_RUNS.load(Ordering::SeqCst);
    let res = call_service(&app, preflight("/anything", APP).to_request()).await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        APP
    );
    let res = call_service(&app, preflight("/anything", ADMIN).to_request()).await;
    assert_eq!(res.status(), 403);
    assert_eq!(FALLBACK_RUNS.load(Ordering::SeqCst), before);
    // Anything else still reaches the application.
    let res = call_service(&app, TestRequest::get().uri("/anything").to_request()).await;
    assert_eq!(res.status(), 404);
    assert_eq!(FALLBACK_RUNS.load(Ordering::SeqCst), before + 1);
}

#[actix_web::test]
async fn with_a_route_policy_inside_preflights_reach_the_route() {
    // Actix's own 404 as the fallback: `FALLBACK_RUNS` belongs to the other test, which runs
    // in parallel.
    let app = init_service(App::new().wrap(default_cors()).service(admin)).await;
    let res = call_service(&app, preflight("/admin", ADMIN).to_request()).await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        ADMIN
    );
    // Paths without a route policy: the default policy, after routing.
    let res = call_service(&app, preflight("/elsewhere", APP).to_request()).await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        APP
    );
}

/// `Access-Control-Request-Private-Network` reaches a policy that answers it, whether the
/// default layer answers first or after a route had the chance; other policies never read it.
#[actix_web::test]
async fn private_network_preflights_reach_the_policies_that_answer_them() {
    let pna = || {
        Cors::new(
            PolicySpec::new()
                .origin(APP)
                .methods(["PUT"])
                .private_network(true)
                .validate()
                .unwrap(),
        )
    };
    let ask = |path: &str| {
        preflight(path, APP)
            .insert_header(("access-control-request-private-network", "true"))
            .to_request()
    };
    let first = init_service(App::new().wrap(pna()).default_service(web::to(fallback))).await;
    let later = init_service(
        App::new()
            .wrap(pna())
            .service(admin)
            .default_service(web::to(fallback)),
    )
    .await;
    for res in [
        call_service(&first, ask("/doc")).await,
        call_service(&later, ask("/doc")).await,
    ] {
        assert_eq!(res.status(), 204);
        let header = |n: &str| res.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            header("access-control-allow-private-network").as_deref(),
            Some("true")
        );
        assert_eq!(
            header("vary").as_deref(),
            Some(
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
                 Access-Control-Request-Private-Network"
            )
        );
    }
    // A policy without private network access does not read the header: its answer does not
    // depend on it (so its `Vary` need not name it), and the browser, finding no
    // `Access-Control-Allow-Private-Network`, refuses the private network request itself.
    let plain = init_service(
        App::new()
            .wrap(default_cors())
            .default_service(web::to(fallback)),
    )
    .await;
    let res = call_service(&plain, ask("/doc")).await;
    assert_eq!(res.status(), 204);
    assert!(res
        .headers()
        .get("access-control-allow-private-network")
        .is_none());
    assert_eq!(
        res.headers().get("vary").unwrap(),
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    );
}
