//! A default policy with no CORS layer inside it answers preflights before routing: nothing of
//! the application runs for them. With a route policy inside, or a declared `Cors` of a scope,
//! preflights reach them, however the applications were built.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
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

/// A `Cors` on a scope inside the application's, in an application without `#[cors]` routes:
/// declared with `with_nested_cors`, preflights to the scope's paths reach the scope's policy,
/// and the application's policy answers the others after routing.
#[actix_web::test]
async fn a_declared_scope_policy_answers_its_own_preflights() {
    let admin_policy = PolicySpec::new()
        .origin(ADMIN)
        .methods(["PUT"])
        .validate()
        .unwrap();
    let app = init_service(
        App::new().wrap(default_cors().with_nested_cors()).service(
            web::scope("/admin")
                .wrap(Cors::new(admin_policy))
                .route("/page", web::put().to(HttpResponse::Ok)),
        ),
    )
    .await;
    let res = call_service(&app, preflight("/admin/page", ADMIN).to_request()).await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        ADMIN
    );
    let res = call_service(&app, preflight("/elsewhere", APP).to_request()).await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        APP
    );
    let res = call_service(
        &app,
        TestRequest::put()
            .uri("/admin/page")
            .insert_header(("origin", ADMIN))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let allowed: Vec<_> = res
        .headers()
        .get_all("access-control-allow-origin")
        .collect();
    assert_eq!(allowed, [ADMIN]);
}

/// A future that is pending once before it is ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Middleware that does nothing but take a turn while it is built, as one that reads its
/// configuration asynchronously does.
struct SlowToBuild;

impl<S> Transform<S, ServiceRequest> for SlowToBuild
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse;
    type Error = actix_web::Error;
    type Transform = S;
    type InitError = ();
    type Future = Pin<Box<dyn Future<Output = Result<S, ()>>>>;

    fn new_transform(&self, service: S) -> Self::Future {
        Box::pin(async move {
            YieldOnce(false).await;
            Ok(service)
        })
    }
}

/// Two applications built at once on one thread, the second serving a request while the first
/// is still being built between its route layer and its default layer: the first application's
/// route still answers its own preflights.
#[actix_web::test]
async fn applications_built_interleaved_each_keep_their_route_policies() {
    let with_route = init_service(
        App::new()
            .wrap(SlowToBuild)
            .wrap(default_cors())
            .service(admin),
    );
    let plain = async {
        let app = init_service(App::new().wrap(default_cors())).await;
        let res = call_service(&app, preflight("/anything", APP).to_request()).await;
        assert_eq!(res.status(), 204);
    };
    let mut with_route = pin!(with_route);
    let mut plain = pin!(plain);
    let mut built = None;
    let mut plain_done = false;
    poll_fn(|cx| {
        if built.is_none() {
            if let Poll::Ready(app) = with_route.as_mut().poll(cx) {
                built = Some(app);
            }
        }
        if !plain_done {
            plain_done = plain.as_mut().poll(cx).is_ready();
        }
        if built.is_some() && plain_done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    let app = built.unwrap();
    let res = call_service(&app, preflight("/admin", ADMIN).to_request()).await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        ADMIN
    );
}
